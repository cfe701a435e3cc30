//! The run's metadata for `stats.json`, how a run's end is named there, and the exit status
//! it gives.

use crate::exit;
use stampede_engine::RunEnd;
use stampede_report::{PhaseInfo, RunInfo, RunOutcome, ScenarioInfo, StopReason, local_rfc3339};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What is known of a run before it starts.
#[derive(Clone, Debug)]
pub struct RunFacts {
    pub scenario: ScenarioInfo,
    /// The command line, one argument per entry.
    pub command_line: Vec<String>,
    /// `--interval`.
    pub interval: Duration,
}

/// `stats.json`'s `run` section.
pub fn run_info(
    facts: &RunFacts,
    seed: Option<u64>,
    started_at: SystemTime,
    duration: Duration,
    phases: Vec<PhaseInfo>,
    outcome: RunOutcome,
) -> RunInfo {
    let ended_at = SystemTime::now();
    RunInfo {
        stampede_version: env!("CARGO_PKG_VERSION").to_owned(),
        scenario: facts.scenario.clone(),
        command_line: facts.command_line.clone(),
        seed,
        started_at: local_rfc3339(started_at),
        started_at_unix_ms: unix_ms(started_at),
        ended_at: local_rfc3339(ended_at),
        ended_at_unix_ms: unix_ms(ended_at),
        duration_s: duration.as_secs_f64(),
        interval_s: facts.interval.as_secs_f64(),
        phases,
        outcome,
    }
}

/// Milliseconds since the Unix epoch.
pub fn unix_ms(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The outcome shown while the run goes on (the dashboard's Report page).
pub fn in_progress(elapsed: Duration) -> RunOutcome {
    RunOutcome {
        completed: false,
        reason: StopReason::Finished,
        detail: Some(format!(
            "run in progress: the figures of the first {:.0} s",
            elapsed.as_secs_f64()
        )),
    }
}

/// How `stats.json` names the end of a run.
pub fn outcome(end: &RunEnd) -> RunOutcome {
    match end {
        RunEnd::Completed => RunOutcome::new(StopReason::Finished, None),
        RunEnd::DurationReached => RunOutcome::new(StopReason::DurationReached, None),
        RunEnd::StoppedByScenario { user_id } => RunOutcome::new(
            StopReason::AbortTest,
            Some(format!("user {user_id} stopped the test")),
        ),
        RunEnd::Stopped { by } => match by.as_str() {
            "Ctrl-C" => RunOutcome::new(
                StopReason::Interrupted,
                Some("Ctrl-C: stopped gracefully".to_owned()),
            ),
            "SIGTERM" => RunOutcome::new(
                StopReason::StopCommand,
                Some("SIGTERM (stampede stop): stopped gracefully".to_owned()),
            ),
            "dashboard" => RunOutcome::new(
                StopReason::StopCommand,
                Some("Stop pressed on the dashboard".to_owned()),
            ),
            other => RunOutcome::new(StopReason::StopCommand, Some(other.to_owned())),
        },
        RunEnd::Aborted { by } => RunOutcome::new(
            StopReason::Interrupted,
            Some(format!(
                "aborted ({by}): requests in flight were not waited for"
            )),
        ),
    }
}

/// The exit status of a run that ended this way.
pub fn exit_code(end: &RunEnd) -> u8 {
    match end {
        RunEnd::Completed | RunEnd::DurationReached => exit::SUCCESS,
        RunEnd::StoppedByScenario { .. } | RunEnd::Stopped { .. } => exit::STOPPED,
        RunEnd::Aborted { .. } => exit::ABORTED,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_map_to_outcomes_and_exit_codes() {
        let cases = [
            (RunEnd::Completed, StopReason::Finished, true, 0),
            (
                RunEnd::DurationReached,
                StopReason::DurationReached,
                true,
                0,
            ),
            (
                RunEnd::StoppedByScenario { user_id: 7 },
                StopReason::AbortTest,
                false,
                3,
            ),
            (
                RunEnd::Stopped {
                    by: "Ctrl-C".into(),
                },
                StopReason::Interrupted,
                false,
                3,
            ),
            (
                RunEnd::Stopped {
                    by: "SIGTERM".into(),
                },
                StopReason::StopCommand,
                false,
                3,
            ),
            (
                RunEnd::Stopped {
                    by: "dashboard".into(),
                },
                StopReason::StopCommand,
                false,
                3,
            ),
            (
                RunEnd::Aborted {
                    by: "Ctrl-C".into(),
                },
                StopReason::Interrupted,
                false,
                4,
            ),
        ];
        for (end, reason, completed, code) in cases {
            let o = outcome(&end);
            assert_eq!((o.reason, o.completed), (reason, completed), "{end:?}");
            assert_eq!(exit_code(&end), code, "{end:?}");
        }
        assert!(!in_progress(Duration::from_secs(3)).completed);
    }
}
