//! Terminal facts and the one place that writes messages: above the live progress bar when
//! there is one, to standard error when standard output carries the statistics (`-m -`).

use indicatif::ProgressBar;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex, PoisonError};

/// Colours on stderr only for a terminal, and never when `NO_COLOR` is set.
pub fn stderr_color() -> bool {
    no_color_unset() && std::io::stderr().is_terminal()
}

/// Whether `NO_COLOR` is unset (or empty).
pub fn no_color_unset() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Whether standard error is a terminal (the live progress bar is drawn there).
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// Writes the command's messages. Cheap to clone; usable from any thread.
#[derive(Clone, Debug)]
pub struct Console {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// Results and facts go to stderr instead of stdout (stdout carries the statistics).
    stdout_taken: bool,
    color: bool,
    bar: Mutex<Option<ProgressBar>>,
}

/// Which stream a message goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stream {
    Out,
    Err,
}

impl Console {
    /// A console; `stdout_taken` when standard output carries the statistics (`-m -`).
    pub fn new(stdout_taken: bool) -> Self {
        Self {
            inner: Arc::new(Inner {
                stdout_taken,
                color: stderr_color(),
                bar: Mutex::new(None),
            }),
        }
    }

    /// Whether messages on stderr may be coloured.
    pub fn color(&self) -> bool {
        self.inner.color
    }

    /// Messages are printed above this bar from now on (`None`: the bar is gone).
    pub fn set_bar(&self, bar: Option<ProgressBar>) {
        *self
            .inner
            .bar
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = bar;
    }

    /// A fact or result for the user (`Log directory is: …`, the summary): standard output,
    /// unless it carries the statistics.
    pub fn say(&self, text: &str) {
        let stream = if self.inner.stdout_taken {
            Stream::Err
        } else {
            Stream::Out
        };
        self.write(stream, text);
    }

    /// A progress note (plain progress lines, stop messages): standard error.
    pub fn note(&self, text: &str) {
        self.write(Stream::Err, text);
    }

    /// A warning: standard error, `warning:` in yellow on a colour terminal.
    pub fn warn(&self, text: &str) {
        let label = self.paint("warning:", "1;33");
        self.write(Stream::Err, &format!("{label} {text}"));
    }

    /// An error: standard error, `error:` in red on a colour terminal.
    pub fn error(&self, text: &str) {
        let label = self.paint("error:", "1;31");
        self.write(Stream::Err, &format!("{label} {text}"));
    }

    /// `text` in an SGR colour when colours are on.
    pub fn paint(&self, text: &str, sgr: &str) -> String {
        if self.inner.color {
            format!("\x1b[{sgr}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn write(&self, stream: Stream, text: &str) {
        let emit = || {
            let mut line = String::with_capacity(text.len() + 1);
            line.push_str(text);
            if !line.ends_with('\n') {
                line.push('\n');
            }
            // A closed pipe must not kill the run: its results still go to the run directory.
            let _ = match stream {
                Stream::Out => {
                    let mut out = std::io::stdout().lock();
                    out.write_all(line.as_bytes()).and_then(|()| out.flush())
                }
                Stream::Err => std::io::stderr().lock().write_all(line.as_bytes()),
            };
        };
        let bar = self
            .inner
            .bar
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        match bar {
            Some(bar) if !bar.is_hidden() => bar.suspend(emit),
            _ => emit(),
        }
    }
}
