//! What the engine tells the outside world while it runs (the CLI's terminal view, the report
//! writer, the dashboard), and what it returns at the end.

use crate::stop::StopKind;
use stampede_metrics::{ClosedInterval, IntervalSummary, Layout, Snapshot};
use stampede_model::{Counter, RequestId, SessionId, SourceLocation, TransactionId};
use stampede_scheduler::{PhaseEnd, PhaseStart, PlannedPhase};
use std::time::{Duration, SystemTime};

/// Receives the run's events, on the thread that called [`crate::run`], in order. Every
/// method has an empty default. The engine never prints; this is where its output goes.
///
/// Calls are made between the controller's other duties: an observer that blocks delays
/// arrivals (write files quickly, hand heavy work to another thread).
pub trait RunObserver {
    /// The workers are ready; time 0 of the run is now.
    fn run_started(&mut self, started: &RunStarted<'_>) {
        let _ = started;
    }

    /// An arrival phase began.
    fn phase_started(&mut self, phase: &PhaseStart) {
        let _ = phase;
    }

    /// An arrival phase ended (see [`PhaseEnd::overloaded`]; the warning is also logged).
    fn phase_ended(&mut self, phase: &PhaseEnd) {
        let _ = phase;
    }

    /// A statistics interval closed (every `RunConfig::interval`, and a last, shorter one at
    /// the end of the run): write `tsung.log` blocks and time series here.
    fn interval_closed(&mut self, closed: &ClosedInterval<'_>) {
        let _ = closed;
    }

    /// Live figures, after every flush (`RunConfig::flush`).
    fn progress(&mut self, live: &LiveStatus<'_>) {
        let _ = live;
    }

    /// A `<match>` event for `match.log` (and, for `do="dump"`, the data to dump).
    fn match_logged(&mut self, line: &MatchLine) {
        let _ = line;
    }

    /// A message for the run log (warnings about the plan, overload, snippet output, …).
    fn log(&mut self, level: LogLevel, text: &str) {
        let _ = (level, text);
    }

    /// With `dumptraffic="protocol"` (or `protocol_local`): whole lines for
    /// [`crate::TRAFFIC_DUMP`], one per response, each ending with a newline. One worker's
    /// lines since its last flush; workers' batches are not merged in time order.
    fn traffic_dumped(&mut self, lines: &str) {
        let _ = lines;
    }
}

/// No output at all.
impl RunObserver for () {}

/// Forwards every method to the observer behind a reference or a box.
macro_rules! forward_observer {
    ($($ty:ty),*) => {$(
        impl<T: RunObserver + ?Sized> RunObserver for $ty {
            fn run_started(&mut self, started: &RunStarted<'_>) {
                (**self).run_started(started);
            }
            fn phase_started(&mut self, phase: &PhaseStart) {
                (**self).phase_started(phase);
            }
            fn phase_ended(&mut self, phase: &PhaseEnd) {
                (**self).phase_ended(phase);
            }
            fn interval_closed(&mut self, closed: &ClosedInterval<'_>) {
                (**self).interval_closed(closed);
            }
            fn progress(&mut self, live: &LiveStatus<'_>) {
                (**self).progress(live);
            }
            fn match_logged(&mut self, line: &MatchLine) {
                (**self).match_logged(line);
            }
            fn log(&mut self, level: LogLevel, text: &str) {
                (**self).log(level, text);
            }
            fn traffic_dumped(&mut self, lines: &str) {
                (**self).traffic_dumped(lines);
            }
        }
    )*};
}

forward_observer!(&mut T, Box<T>);

/// Severity of a log message (Tsung's levels that matter for a run).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    Error,
    Warning,
    Notice,
    Info,
    Debug,
}

/// The facts of a run at its start.
#[derive(Clone, Copy, Debug)]
pub struct RunStarted<'a> {
    /// The seed in force (repeat the run with `--seed` this value).
    pub seed: u64,
    /// Worker threads.
    pub workers: usize,
    /// Wall-clock time of time 0.
    pub started_at: SystemTime,
    /// Rows of the measurements (transactions, requests, sessions).
    pub layout: &'a Layout,
    /// The phases this process runs (`<load loop>` replays included).
    pub phases: &'a [PlannedPhase],
    /// Static `<user>`s this process starts.
    pub static_users: usize,
    /// `<load duration>`: the run stops then at the latest.
    pub load_duration: Option<Duration>,
}

/// Where the run stands, after every flush.
#[derive(Clone, Copy, Debug)]
pub struct LiveStatus<'a> {
    /// Time since the start of the run.
    pub elapsed: Duration,
    /// `<load duration>`, if any.
    pub load_duration: Option<Duration>,
    /// Sum of the phase durations: when arrivals end, unless `wait_all_sessions_end` holds
    /// them.
    pub planned_arrivals: Duration,
    /// The current arrival phase (`None` before the first, between phases and after the last).
    pub phase: Option<PhaseProgress>,
    /// Users running now, and the most seen at once.
    pub users: i64,
    pub users_max: i64,
    /// Users with an open connection.
    pub connected: i64,
    /// Users started so far.
    pub users_launched: u64,
    /// Requests completed so far, and per second over the last flush period.
    pub requests: u64,
    pub requests_per_sec: f64,
    /// `error_*` events so far, and per second over the last flush period.
    pub errors: u64,
    pub errors_per_sec: f64,
    /// A stop in progress.
    pub stopping: Option<StopKind>,
    /// What the open interval has collected so far.
    pub open_interval: &'a Snapshot,
    /// Everything in the intervals closed so far.
    pub closed_intervals: &'a Snapshot,
}

/// The arrival phase in progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PhaseProgress {
    /// Index into [`RunStarted::phases`].
    pub index: u32,
    /// The `phase` attribute.
    pub number: u32,
    /// Number of phases.
    pub count: u32,
    /// When the phase started, since the start of the run.
    pub started: Duration,
    pub duration: Duration,
}

/// One `match.log` line (Tsung's columns), plus the data for `do="dump"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchLine {
    /// When it happened (wall clock).
    pub timestamp: SystemTime,
    pub user_id: u64,
    pub session: SessionId,
    /// Tsung's request id: the 1-based position of the request in its session's actions.
    pub action: u32,
    pub request: RequestId,
    /// `Match`/`NoMatch` for `log` and `dump`; `MatchStop`, `MatchStopTest`, `MatchRestart`,
    /// `MatchRestartAbort` otherwise.
    pub event: Counter,
    /// The innermost open transaction.
    pub transaction: Option<TransactionId>,
    /// The match's `name` attribute.
    pub name: String,
    /// Where the `<match>` is in the scenario.
    pub location: SourceLocation,
    /// For `do="dump"`: the data the expression ran on.
    pub dump: Option<Vec<u8>>,
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunEnd {
    /// Every phase ran and every user finished.
    Completed,
    /// `<load duration>` was reached; users still running were cut.
    DurationReached,
    /// A user stopped the test (`<match do="abort_test">`, `<abort type="all"/>`).
    StoppedByScenario { user_id: u64 },
    /// A graceful stop from outside ([`crate::StopHandle::stop`]).
    Stopped { by: String },
    /// An immediate stop from outside ([`crate::StopHandle::abort`]).
    Aborted { by: String },
}

impl RunEnd {
    /// A short machine name: `completed`, `duration_reached`, `stopped_by_scenario`,
    /// `stopped`, `aborted`.
    pub fn name(&self) -> &'static str {
        match self {
            RunEnd::Completed => "completed",
            RunEnd::DurationReached => "duration_reached",
            RunEnd::StoppedByScenario { .. } => "stopped_by_scenario",
            RunEnd::Stopped { .. } => "stopped",
            RunEnd::Aborted { .. } => "aborted",
        }
    }
}

/// What [`crate::run`] returns.
#[derive(Clone, Debug)]
pub struct RunSummary {
    pub end: RunEnd,
    /// The seed in force.
    pub seed: u64,
    pub workers: usize,
    /// Wall-clock time of time 0.
    pub started_at: SystemTime,
    /// From time 0 to the close of the last interval.
    pub duration: Duration,
    /// Users started.
    pub users_launched: u64,
    /// Most users running at once, and most connected at once (sampled at every flush).
    pub users_max: i64,
    pub connected_max: i64,
    /// Requests sent again on a new connection because the kept-alive one had been closed by
    /// the server (not an error, as in Tsung; the server may have seen the first attempt).
    pub resent_requests: u64,
    /// Everything measured during the run.
    pub totals: Snapshot,
    /// Every interval, oldest first (the last one is usually shorter).
    pub series: Vec<IntervalSummary>,
    /// Names of the rows of [`RunSummary::totals`].
    pub layout: Layout,
}
