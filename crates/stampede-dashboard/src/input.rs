//! What the run tells the dashboard: plain data, no engine types.

use stampede_report::{PhaseInfo, RunOutcome};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What the run is going to do, known before the first user starts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunPlan {
    /// Display name of the scenario (`<information><name>` or the file's stem).
    pub scenario: String,
    /// The scenario file as given on the command line.
    pub scenario_path: String,
    /// Start of the run, for display (RFC 3339, local time).
    pub started_at: String,
    /// Planned length: the `<load duration>`, else the sum of the phases; `None` when
    /// unknown (e.g. a phase with `maxnumber` only).
    pub planned: Option<Duration>,
    /// Arrival phases in order, `start_s` being the planned start.
    pub phases: Vec<PhaseInfo>,
    /// Length of a statistics interval (how often the series and the report move on).
    pub interval: Duration,
}

/// Where the run is.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum RunState {
    /// Started, no user launched yet.
    #[default]
    Starting,
    /// Users are running.
    Running,
    /// A stop was asked for; users are being stopped and outputs written.
    Stopping,
    /// Over; outputs written.
    Finished(RunOutcome),
}

impl RunState {
    /// A lowercase word for JSON and CSS: `starting`, `running`, `stopping`, `finished`.
    pub fn word(&self) -> &'static str {
        match self {
            RunState::Starting => "starting",
            RunState::Running => "running",
            RunState::Stopping => "stopping",
            RunState::Finished(_) => "finished",
        }
    }
}

/// The run's live gauges, published as often as the caller likes (every 0.5–1 s is plenty).
///
/// Rates, response times, codes and errors come from the closed intervals
/// ([`crate::Dashboard::publish_interval`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveStatus {
    /// Time since the start of the run.
    pub elapsed: Duration,
    /// Index (0-based) in [`RunPlan::phases`] of the current phase; `None` before the first.
    pub phase: Option<usize>,
    /// When the current phase started (since the start of the run); `None` takes the time
    /// the phase is first seen.
    pub phase_started: Option<Duration>,
    /// Users running now.
    pub users: u64,
    /// Highest number of users running at once so far.
    pub max_users: u64,
    /// Users with an open connection now.
    pub connected: u64,
    /// Where the run is.
    pub state: RunState,
}

/// Importance of a log line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Details.
    Debug,
    /// Normal progress.
    #[default]
    Info,
    /// Something to look at.
    Warn,
    /// Something failed.
    Error,
}

impl LogLevel {
    /// The level named by the first `ERROR`, `WARN`, `INFO`, `DEBUG` or `TRACE` word in a
    /// formatted line (as `tracing`'s formatter writes them), else `Info`.
    pub fn guess(line: &str) -> LogLevel {
        line.split(|c: char| !c.is_ascii_alphabetic())
            .find_map(|word| match word {
                "ERROR" => Some(LogLevel::Error),
                "WARN" | "WARNING" => Some(LogLevel::Warn),
                "INFO" => Some(LogLevel::Info),
                "DEBUG" | "TRACE" => Some(LogLevel::Debug),
                _ => None,
            })
            .unwrap_or_default()
    }
}

/// One line of the run's log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// Wall-clock time, milliseconds since the Unix epoch.
    pub at_unix_ms: i64,
    /// Importance.
    pub level: LogLevel,
    /// The text (one line; longer texts are cut when stored).
    pub text: String,
}

impl LogLine {
    /// A line stamped with the current time.
    pub fn now(level: LogLevel, text: impl Into<String>) -> Self {
        let at_unix_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        Self {
            at_unix_ms,
            level,
            text: text.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_levels_of_formatted_lines() {
        let cases = [
            (
                "2024-03-07T09:05:02Z ERROR stampede_engine: boom",
                LogLevel::Error,
            ),
            ("  WARN phase 2 may be overloaded", LogLevel::Warn),
            ("DEBUG x", LogLevel::Debug),
            ("TRACE y", LogLevel::Debug),
            ("plain text about errors", LogLevel::Info),
            ("INFO started", LogLevel::Info),
        ];
        for (line, want) in cases {
            assert_eq!(LogLevel::guess(line), want, "{line}");
        }
    }
}
