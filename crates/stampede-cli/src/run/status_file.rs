//! The live status a run rewrites at every flush (`~/.stampede/run/<id>.status.json`), and
//! the five lines `stampede status` prints from it, as `tsung status` does.

use super::instance::write_atomically;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::Path;

/// Where a run stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// Set up, or waiting out the warm-up (`-w`); no user yet.
    #[default]
    Starting,
    /// Users are arriving or running.
    Running,
    /// A stop was asked for: requests in flight finish, then users are cut.
    Stopping,
    /// The run is over; the dashboard is kept open (`-k`).
    Finished,
}

/// The content of the status file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LiveFile {
    pub state: RunState,
    /// When the file was written, milliseconds since the Unix epoch.
    pub updated_unix_ms: i64,
    /// Time since the start of the run.
    pub elapsed_s: f64,
    /// Requests per second over the last statistics interval (Tsung's window).
    pub request_rate: f64,
    /// Users running now, and the most at once.
    pub users: i64,
    pub users_max: i64,
    /// Users with an open connection.
    pub connected: i64,
    /// Requests completed and `error_*` events so far.
    pub requests: u64,
    pub errors: u64,
    /// The current phase's number among the phases (1-based), if one is in progress.
    pub phase: Option<u32>,
    /// Number of phases.
    pub phase_total: u32,
    /// Every phase is over: the run waits for the users still running.
    pub arrivals_over: bool,
}

impl LiveFile {
    /// Writes the file atomically.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let text = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        write_atomically(path, &text)
    }

    /// Reads a status file; `None` when missing or unreadable.
    pub fn read(path: &Path) -> Option<Self> {
        let text = std::fs::read(path).ok()?;
        serde_json::from_slice(&text).ok()
    }

    /// `tsung status`'s five lines, with Stampede's name.
    pub fn render(&self) -> String {
        let phase = match (self.state, self.phase) {
            (RunState::Starting, _) => "not started yet (warm-up)".to_owned(),
            (RunState::Stopping, _) => "stopping, letting requests in flight finish".to_owned(),
            (RunState::Finished, _) => "finished; the dashboard is kept open (-k)".to_owned(),
            (RunState::Running, Some(n)) => format!("{n} of {}", self.phase_total),
            (RunState::Running, None) if self.arrivals_over => {
                "last, waiting for pending users".to_owned()
            }
            (RunState::Running, None) => "between phases".to_owned(),
        };
        let mut out = String::new();
        let _ = writeln!(out, "Stampede is running [OK]");
        let _ = writeln!(
            out,
            " Current request rate:    {:.2} req/sec",
            self.request_rate
        );
        let _ = writeln!(out, " Current users:           {}", self.users.max(0));
        let _ = writeln!(out, " Current connected users: {}", self.connected.max(0));
        let _ = writeln!(out, " Current phase:           {phase}");
        out
    }
}

/// The message when no run is found (Tsung's, with Stampede's name).
pub const NOT_STARTED: &str = "Stampede is not started";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_tsungs_five_lines() {
        let live = LiveFile {
            state: RunState::Running,
            request_rate: 123.456,
            users: 42,
            connected: 40,
            phase: Some(2),
            phase_total: 3,
            ..LiveFile::default()
        };
        assert_eq!(
            live.render(),
            "Stampede is running [OK]\n Current request rate:    123.46 req/sec\n Current users:           42\n Current connected users: 40\n Current phase:           2 of 3\n"
        );
        let waiting = LiveFile {
            arrivals_over: true,
            phase: None,
            ..live.clone()
        };
        assert!(
            waiting
                .render()
                .ends_with("Current phase:           last, waiting for pending users\n")
        );
        for state in [RunState::Starting, RunState::Stopping, RunState::Finished] {
            let text = LiveFile {
                state,
                ..live.clone()
            }
            .render();
            assert_eq!(text.lines().count(), 5, "{text}");
        }
    }

    #[test]
    fn round_trips_through_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("s.json");
        assert_eq!(LiveFile::read(&path), None);
        let live = LiveFile {
            state: RunState::Stopping,
            users: 3,
            ..LiveFile::default()
        };
        live.write(&path).unwrap();
        assert_eq!(LiveFile::read(&path), Some(live));
    }
}
