//! `match.log`: one line per `<match>` that logs (`do="log"`, `dump`, `restart`, `abort`,
//! `abort_test`), in Tsung's format, plus the `match-…​.dump` files of `do="dump"`.
//!
//! ```text
//! # timestamp userid sessionid requestid event transaction name
//! 1700000012.345678 17 1 3 match tr_login check_ok
//! ```

use crate::error::ReportError;
use stampede_model::Counter;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The file's name in a run directory.
pub const MATCH_LOG: &str = "match.log";

/// The header line.
pub const MATCH_LOG_HEADER: &str = "# timestamp userid sessionid requestid event transaction name";

/// One logged match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatchEvent<'a> {
    /// Wall-clock time, in microseconds since the Unix epoch.
    pub unix_micros: u64,
    /// The user's id (`tsung_userid`).
    pub user: u64,
    /// The session's number.
    pub session: u64,
    /// The request's number within the session.
    pub request: u64,
    /// What was counted: `match`, `nomatch`, `match_restart`, `match_restart_abort`,
    /// `match_stop`, `match_stop_test`.
    pub event: Counter,
    /// The innermost transaction the user is in (`tr_<name>`), if any; printed as `-` if none.
    pub transaction: Option<&'a str>,
    /// The match's `name` attribute (empty if none).
    pub name: Option<&'a str>,
}

/// One line, without the newline.
pub fn render_line(e: &MatchEvent<'_>) -> String {
    format!(
        "{}.{:06} {} {} {} {} {} {}",
        e.unix_micros / 1_000_000,
        e.unix_micros % 1_000_000,
        e.user,
        e.session,
        e.request,
        e.event.tsung_name(),
        e.transaction.unwrap_or("-"),
        e.name.unwrap_or("")
    )
}

/// Writes `match.log` (created on first use by the engine).
#[derive(Debug)]
pub struct MatchLogWriter {
    dir: PathBuf,
    path: PathBuf,
    out: BufWriter<File>,
    dumps: u64,
}

impl MatchLogWriter {
    /// Creates `dir/match.log` with its header.
    pub fn create(dir: impl AsRef<Path>) -> Result<Self, ReportError> {
        let dir = dir.as_ref().to_path_buf();
        let path = dir.join(MATCH_LOG);
        let file = File::create(&path).map_err(|e| ReportError::io(&path, e))?;
        let mut w = Self {
            dir,
            path,
            out: BufWriter::new(file),
            dumps: 0,
        };
        w.write_text(&format!("{MATCH_LOG_HEADER}\n"))?;
        Ok(w)
    }

    /// Appends one event (buffered; see [`MatchLogWriter::flush`]).
    pub fn log(&mut self, event: &MatchEvent<'_>) -> Result<(), ReportError> {
        let line = render_line(event);
        self.write_text(&line)?;
        self.write_text("\n")
    }

    /// Appends one event and saves the response body that matched as
    /// `match-<user>-<session>-<request>-<n>.dump` (`do="dump"`); returns the dump's path.
    pub fn log_dump(
        &mut self,
        event: &MatchEvent<'_>,
        body: &[u8],
    ) -> Result<PathBuf, ReportError> {
        self.log(event)?;
        let dump = self.dir.join(format!(
            "match-{}-{}-{}-{}.dump",
            event.user, event.session, event.request, self.dumps
        ));
        self.dumps += 1;
        std::fs::write(&dump, body).map_err(|e| ReportError::io(&dump, e))?;
        Ok(dump)
    }

    /// Writes buffered lines to the file (call at each interval and at the end).
    pub fn flush(&mut self) -> Result<(), ReportError> {
        self.out.flush().map_err(|e| ReportError::io(&self.path, e))
    }

    fn write_text(&mut self, s: &str) -> Result<(), ReportError> {
        self.out
            .write_all(s.as_bytes())
            .map_err(|e| ReportError::io(&self.path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> MatchEvent<'static> {
        MatchEvent {
            unix_micros: 1_700_000_012_000_045,
            user: 17,
            session: 1,
            request: 3,
            event: Counter::MatchStop,
            transaction: Some("tr_login"),
            name: Some("check"),
        }
    }

    #[test]
    fn lines_follow_tsung() {
        assert_eq!(
            render_line(&event()),
            "1700000012.000045 17 1 3 match_stop tr_login check"
        );
        let bare = MatchEvent {
            transaction: None,
            name: None,
            event: Counter::NoMatch,
            ..event()
        };
        assert_eq!(render_line(&bare), "1700000012.000045 17 1 3 nomatch - ");
    }

    #[test]
    fn writes_header_lines_and_dumps() {
        let tmp = tempfile::tempdir().unwrap();
        let mut w = MatchLogWriter::create(tmp.path()).unwrap();
        w.log(&event()).unwrap();
        let dump = w.log_dump(&event(), b"<html>").unwrap();
        w.flush().unwrap();
        let text = std::fs::read_to_string(tmp.path().join(MATCH_LOG)).unwrap();
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines[0], MATCH_LOG_HEADER);
        assert_eq!(lines.len(), 3);
        assert!(dump.ends_with("match-17-1-3-0.dump"));
        assert_eq!(std::fs::read(dump).unwrap(), b"<html>");
    }
}
