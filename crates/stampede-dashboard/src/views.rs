//! JSON shapes served by the API and pushed over server-sent events.

use serde::Serialize;
use stampede_metrics::{IntervalSummary, status_key};
use stampede_model::ErrorClass;
use std::collections::BTreeMap;

/// One closed interval, as the dashboard keeps and draws it (`/api/series`, `point` events).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SeriesPoint {
    /// Interval number, 0 for the first.
    pub index: u64,
    /// End of the interval, seconds since the start of the run.
    pub t: f64,
    /// Length of the interval in seconds.
    pub dt: f64,
    /// Requests completed in the interval.
    pub requests: u64,
    /// Requests per second.
    pub rate: f64,
    /// Mean response time (ms).
    pub mean_ms: Option<f64>,
    /// Median response time (ms).
    pub p50_ms: Option<f64>,
    /// 99th percentile of the response time (ms).
    pub p99_ms: Option<f64>,
    /// Slowest response (ms).
    pub max_ms: Option<f64>,
    /// Errors of every class in the interval.
    pub errors: u64,
    /// Errors per second.
    pub error_rate: f64,
    /// Errors / (requests + errors), `None` when there was neither.
    pub error_ratio: Option<f64>,
    /// Users running at the end of the interval.
    pub users: i64,
    /// Highest number of users so far.
    pub users_max: i64,
    /// Open connections at the end of the interval.
    pub connected: i64,
    /// Users started in the interval.
    pub users_started: u64,
    /// Sessions that ran to their end in the interval.
    pub sessions_completed: u64,
    /// Sessions that ended early in the interval.
    pub sessions_aborted: u64,
    /// Bytes received in the interval.
    pub bytes_received: u64,
    /// Bytes sent in the interval.
    pub bytes_sent: u64,
    /// Status codes received in the interval (`"200"`, `"other"`).
    pub codes: BTreeMap<String, u64>,
    /// Errors in the interval by Tsung name (`error_connect_econnrefused`…).
    pub error_classes: BTreeMap<&'static str, u64>,
    /// CPU use of the generator's machine in the interval (%, 100 = every core busy), when
    /// it was sampled.
    pub cpu_controller: Option<f64>,
}

fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

impl SeriesPoint {
    /// The point of a closed interval.
    pub fn of(s: &IntervalSummary) -> Self {
        let dt = s.duration_s();
        let per_s = |n: u64| if dt > 0.0 { n as f64 / dt } else { 0.0 };
        let some = s.request.count > 0;
        let errors = s.errors_total();
        let attempts = s.request.count + errors;
        Self {
            index: s.index,
            t: s.end_ns as f64 / 1e9,
            dt,
            requests: s.request.count,
            rate: per_s(s.request.count),
            mean_ms: s.request.mean_ns().map(|v| v / 1e6),
            p50_ms: some.then(|| ms(s.request.p50)),
            p99_ms: some.then(|| ms(s.request.p99)),
            max_ms: some.then(|| ms(s.request.max)),
            errors,
            error_rate: per_s(errors),
            error_ratio: (attempts > 0).then(|| errors as f64 / attempts as f64),
            users: s.users,
            users_max: s.users_max,
            connected: s.connected,
            users_started: s.users_started,
            sessions_completed: s.sessions_completed,
            sessions_aborted: s.sessions_aborted,
            bytes_received: s.bytes_received,
            bytes_sent: s.bytes_sent,
            codes: s.status.iter().map(|(c, n)| (status_key(c), n)).collect(),
            error_classes: error_classes(&s.errors),
            cpu_controller: s
                .monitor
                .iter()
                .find(|m| m.node.starts_with("tsung_controller@"))
                .and_then(|m| m.cpu),
        }
    }
}

/// Non-zero entries of a dense per-class error vector, by Tsung name.
pub(crate) fn error_classes(dense: &[u64]) -> BTreeMap<&'static str, u64> {
    ErrorClass::ALL
        .iter()
        .filter_map(|class| {
            let n = *dense.get(class.index())?;
            (n > 0).then(|| (class.tsung_name(), n))
        })
        .collect()
}

/// Everything counted in the closed intervals so far.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TotalsView {
    /// Closed intervals.
    pub intervals: u64,
    /// Requests completed.
    pub requests: u64,
    /// Errors of every class.
    pub errors: u64,
    /// Errors / (requests + errors).
    pub error_ratio: Option<f64>,
    /// Status codes (`"200"`, `"other"`).
    pub codes: BTreeMap<String, u64>,
    /// Errors by Tsung name.
    pub error_classes: BTreeMap<&'static str, u64>,
    /// Users started.
    pub users_started: u64,
    /// Sessions that ran to their end.
    pub sessions_completed: u64,
    /// Sessions that ended early (test stop included).
    pub sessions_aborted: u64,
    /// Bytes received.
    pub bytes_received: u64,
    /// Bytes sent.
    pub bytes_sent: u64,
}

impl TotalsView {
    /// Adds one interval.
    pub(crate) fn add(&mut self, p: &SeriesPoint) {
        self.intervals += 1;
        self.requests += p.requests;
        self.errors += p.errors;
        let attempts = self.requests + self.errors;
        self.error_ratio = (attempts > 0).then(|| self.errors as f64 / attempts as f64);
        for (code, n) in &p.codes {
            *self.codes.entry(code.clone()).or_default() += n;
        }
        for (class, n) in &p.error_classes {
            *self.error_classes.entry(class).or_default() += n;
        }
        self.users_started += p.users_started;
        self.sessions_completed += p.sessions_completed;
        self.sessions_aborted += p.sessions_aborted;
        self.bytes_received += p.bytes_received;
        self.bytes_sent += p.bytes_sent;
    }
}

/// One arrival phase: planned, and when it actually started.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PhaseView {
    /// The `phase` attribute.
    pub number: u32,
    /// Planned start, seconds since the start of the run.
    pub planned_start_s: f64,
    /// Planned length in seconds.
    pub duration_s: f64,
    /// Mean arrival rate (users per second).
    pub users_per_second: f64,
    /// When it started, once it has.
    pub started_s: Option<f64>,
}

/// How the run ended.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutcomeView {
    /// Whether it ran as planned.
    pub completed: bool,
    /// `finished`, `duration_reached`, `interrupted`, `stop_command`, `abort_test`, `error`.
    pub reason: stampede_report::StopReason,
    /// A short description of the reason.
    pub description: &'static str,
    /// Free text (the error…).
    pub detail: Option<String>,
}

/// `/api/status` and the `status` event. The first five fields are those of Tsung's
/// `ts_api:status`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatusView {
    /// Current phase, 1-based; 0 before the first phase starts.
    pub phase: usize,
    /// Number of phases.
    pub phase_total: usize,
    /// Users running now.
    pub users: u64,
    /// Users with an open connection now.
    pub connected_users: u64,
    /// Requests per second in the last closed interval.
    pub request_rate: f64,
    /// CPU use of the generator's machine in the last closed interval (%, 100 = every core
    /// busy), as Tsung's `cpu_controller`; `None` before the first interval.
    pub cpu_controller: Option<f64>,
    /// `starting`, `running`, `stopping`, `finished`.
    pub state: &'static str,
    /// How the run ended, once finished.
    pub outcome: Option<OutcomeView>,
    /// Page title.
    pub title: String,
    /// Scenario display name.
    pub scenario: String,
    /// Scenario file as given.
    pub scenario_path: String,
    /// Start of the run (RFC 3339).
    pub started_at: String,
    /// Run directory.
    pub run_dir: String,
    /// Seconds since the start of the run.
    pub elapsed_s: f64,
    /// Planned length in seconds, when known.
    pub planned_s: Option<f64>,
    /// Highest number of users so far.
    pub max_users: u64,
    /// Length of a statistics interval in seconds, when known.
    pub interval_s: Option<f64>,
    /// The last closed interval.
    pub last_interval: Option<SeriesPoint>,
    /// Totals of the closed intervals.
    pub totals: TotalsView,
    /// Arrival phases.
    pub phases: Vec<PhaseView>,
    /// Increases with each new live report (0: none yet).
    pub report_version: u64,
    /// Closed intervals kept for the graphs.
    pub series_len: usize,
    /// Sequence number of the next log line.
    pub log_seq: u64,
    /// Whether the dashboard stays up after the run (`-k`).
    pub keep_alive: bool,
    /// Whether a stop was asked for from the dashboard.
    pub stop_requested: bool,
}

/// One stored log line (`/api/logs`, `log` events).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogView {
    /// Position in the run's log (increasing, never reused).
    pub seq: u64,
    /// Milliseconds since the Unix epoch.
    pub at_unix_ms: i64,
    /// `debug`, `info`, `warn`, `error`.
    pub level: crate::LogLevel,
    /// The text.
    pub text: String,
}

/// `/api/logs`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogsView {
    /// Lines kept, oldest first.
    pub lines: Vec<LogView>,
    /// Older lines dropped to bound memory.
    pub dropped: u64,
}

/// One file of the run directory (`/api/files`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileEntry {
    /// Path relative to the run directory, `/`-separated.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Last modification, milliseconds since the Unix epoch.
    pub modified_unix_ms: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use stampede_metrics::SampleSummary;

    #[test]
    fn a_point_has_rates_per_second_and_milliseconds() {
        let mut s = IntervalSummary {
            index: 3,
            start_ns: 30_000_000_000,
            end_ns: 40_000_000_000,
            request: SampleSummary {
                count: 50,
                sum: 50 * 2_000_000,
                p99: 9_500_000,
                max: 12_000_000,
                p50: 1_800_000,
                ..SampleSummary::default()
            },
            errors: vec![0; ErrorClass::COUNT],
            users: 7,
            ..IntervalSummary::default()
        };
        s.errors[ErrorClass::ConnectRefused.index()] = 5;
        s.status.add_n(200, 45);
        s.status.add_n(503, 5);
        let p = SeriesPoint::of(&s);
        assert_eq!(p.t, 40.0);
        assert_eq!(p.dt, 10.0);
        assert_eq!(p.rate, 5.0);
        assert_eq!(p.mean_ms, Some(2.0));
        assert_eq!(p.p99_ms, Some(9.5));
        assert_eq!(p.errors, 5);
        assert_eq!(p.error_rate, 0.5);
        assert_eq!(p.error_ratio, Some(5.0 / 55.0));
        assert_eq!(p.codes.get("503"), Some(&5));
        assert_eq!(p.error_classes.get("error_connect_econnrefused"), Some(&5));
        assert_eq!(p.error_classes.len(), 1);

        let mut totals = TotalsView::default();
        totals.add(&p);
        totals.add(&p);
        assert_eq!(totals.requests, 100);
        assert_eq!(totals.codes.get("200"), Some(&90));
        assert_eq!(totals.error_ratio, Some(10.0 / 110.0));
    }

    #[test]
    fn an_empty_interval_has_no_times() {
        let p = SeriesPoint::of(&IntervalSummary::default());
        assert_eq!((p.mean_ms, p.p99_ms, p.error_ratio), (None, None, None));
        assert_eq!(p.rate, 0.0);
    }
}
