//! Log lines written as text (a formatter's output) into the Logs page.

use crate::hub::Hub;
use crate::input::{LogLevel, LogLine};
use std::io;
use std::sync::Arc;

/// Longest partial line buffered while waiting for its end.
const MAX_PENDING: usize = 64 * 1024;

/// An [`io::Write`] adding each complete line to the dashboard's log, with the level guessed
/// from the line ([`LogLevel::guess`]) and terminal colour codes removed. From
/// [`crate::Dashboard::log_writer`].
#[derive(Debug)]
pub struct LogWriter {
    hub: Arc<Hub>,
    pending: Vec<u8>,
}

impl LogWriter {
    pub(crate) fn new(hub: Arc<Hub>) -> Self {
        Self {
            hub,
            pending: Vec::new(),
        }
    }

    fn emit(&mut self, line: &[u8]) {
        let text = strip_ansi(&String::from_utf8_lossy(line));
        let text = text.trim_end_matches(['\r', '\n']);
        if text.trim().is_empty() {
            return;
        }
        self.hub
            .log(LogLine::now(LogLevel::guess(text), text.to_owned()));
    }
}

impl io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        while let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            self.emit(&line);
        }
        if self.pending.len() > MAX_PENDING {
            let line = std::mem::take(&mut self.pending);
            self.emit(&line);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for LogWriter {
    fn drop(&mut self) {
        if !self.pending.is_empty() {
            let line = std::mem::take(&mut self.pending);
            self.emit(&line);
        }
    }
}

/// Removes ANSI escape sequences (`ESC [ … letter`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::{Identity, LiveState};
    use std::io::Write as _;

    #[test]
    fn strips_colours() {
        assert_eq!(
            strip_ansi("\u{1b}[2m2024\u{1b}[0m \u{1b}[31mERROR\u{1b}[0m x"),
            "2024 ERROR x"
        );
        assert_eq!(strip_ansi("plain"), "plain");
    }

    #[test]
    fn splits_lines_and_guesses_levels() {
        let identity = Identity {
            title: String::new(),
            run_dir: String::new(),
            keep_alive: false,
        };
        let hub = Arc::new(Hub::new(LiveState::new(identity, 10), "/".into()));
        {
            let mut w = LogWriter::new(Arc::clone(&hub));
            w.write_all(b"  WARN first\n\nsecond ").unwrap();
            w.write_all(b"half\r\n\x1b[31mERROR\x1b[0m third").unwrap();
        }
        let lines = hub.with(|l| l.logs()).lines;
        let got: Vec<(LogLevel, &str)> = lines.iter().map(|l| (l.level, l.text.as_str())).collect();
        assert_eq!(
            got,
            [
                (LogLevel::Warn, "  WARN first"),
                (LogLevel::Info, "second half"),
                (LogLevel::Error, "ERROR third")
            ]
        );
    }
}
