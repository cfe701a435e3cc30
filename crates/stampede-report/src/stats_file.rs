//! `stats.json`: everything a run measured, in one versioned document (schema
//! `stampede-stats/1`, documented in `docs/stats-json.md`). The HTML report and the CSV are
//! generated from it alone.

use crate::error::ReportError;
use serde::{Deserialize, Serialize};
use stampede_metrics::{
    AbortReason, IntervalSummary, Layout, PERCENTILES, SampleStats, Snapshot, StatusCounts,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The schema identifier written in (and required from) `stats.json`.
pub const SCHEMA: &str = "stampede-stats/1";
/// The file's name in a run directory.
pub const STATS_JSON: &str = "stats.json";

/// The whole `stats.json` document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatsFile {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// What ran, when, and how it ended.
    pub run: RunInfo,
    /// Names of transactions, requests and sessions (indexes of the arrays below).
    pub layout: Layout,
    /// One summary per interval, oldest first (the time series).
    pub intervals: Vec<IntervalSummary>,
    /// Cumulative statistics of the whole run.
    pub totals: Totals,
}

/// Metadata of a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// Version of Stampede that ran the test.
    pub stampede_version: String,
    /// The scenario.
    pub scenario: ScenarioInfo,
    /// The command line, one argument per entry.
    pub command_line: Vec<String>,
    /// Seed of the random generators, when one was set or drawn.
    pub seed: Option<u64>,
    /// Start, local time, RFC 3339 (`2024-03-07T09:05:02.123+01:00`).
    pub started_at: String,
    /// Start, milliseconds since the Unix epoch.
    pub started_at_unix_ms: i64,
    /// End, local time, RFC 3339.
    pub ended_at: String,
    /// End, milliseconds since the Unix epoch.
    pub ended_at_unix_ms: i64,
    /// Length of the run in seconds (monotonic clock).
    pub duration_s: f64,
    /// Length of a statistics interval in seconds (`--interval`, default 10).
    pub interval_s: f64,
    /// Arrival phases, with the time they actually started.
    pub phases: Vec<PhaseInfo>,
    /// How the run ended.
    pub outcome: RunOutcome,
}

/// The scenario that ran.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioInfo {
    /// A display name: `<information><name>` if present, else the file's stem.
    pub name: String,
    /// The main file as given on the command line (`-` for standard input).
    pub path: String,
    /// Every file read (main file first, then included entity files).
    pub files: Vec<String>,
}

impl ScenarioInfo {
    /// The scenario's name (`<information><name>`, else the main file's stem), the path as
    /// given on the command line, and every file read.
    pub fn of(scenario: &stampede_model::Scenario, path_as_given: &str) -> Self {
        let files: Vec<String> = scenario
            .files
            .paths
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        let stem = std::path::Path::new(path_as_given)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Self {
            name: scenario
                .information
                .name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or(stem),
            path: path_as_given.to_owned(),
            files,
        }
    }
}

/// One arrival phase.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PhaseInfo {
    /// The `phase` attribute.
    pub number: u32,
    /// When it started, in seconds since the start of the run.
    pub start_s: f64,
    /// Its configured duration in seconds.
    pub duration_s: f64,
    /// Its mean arrival rate (users per second).
    pub users_per_second: f64,
}

impl PhaseInfo {
    /// A phase of the scenario that started `start_s` seconds into the run.
    pub fn of(phase: &stampede_model::ArrivalPhase, start_s: f64) -> Self {
        Self {
            number: phase.number,
            start_s,
            duration_s: phase.duration.as_secs_f64(),
            users_per_second: phase.arrivals.rate_per_second,
        }
    }
}

/// Why a run ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// Every phase ran and every user finished.
    #[default]
    Finished,
    /// The `<load duration>` was reached.
    DurationReached,
    /// Interrupted (Ctrl-C, a signal).
    Interrupted,
    /// Stopped by `stampede stop` or the dashboard.
    StopCommand,
    /// A `<match do="abort_test">` or `<abort type="all">` ended the test.
    AbortTest,
    /// An internal error ended the test.
    Error,
}

impl StopReason {
    /// Whether the run went as the scenario planned.
    pub fn is_completed(self) -> bool {
        matches!(self, StopReason::Finished | StopReason::DurationReached)
    }

    /// A short human description.
    pub fn describe(self) -> &'static str {
        match self {
            StopReason::Finished => "all phases finished",
            StopReason::DurationReached => "load duration reached",
            StopReason::Interrupted => "interrupted",
            StopReason::StopCommand => "stopped on request",
            StopReason::AbortTest => "aborted by the scenario",
            StopReason::Error => "stopped by an error",
        }
    }
}

/// How a run ended.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunOutcome {
    /// True when the run ended as planned ([`StopReason::is_completed`]).
    pub completed: bool,
    /// Why it ended.
    pub reason: StopReason,
    /// Free text (the error, the signal…).
    pub detail: Option<String>,
}

impl RunOutcome {
    /// An outcome for `reason`.
    pub fn new(reason: StopReason, detail: Option<String>) -> Self {
        Self {
            completed: reason.is_completed(),
            reason,
            detail,
        }
    }
}

/// An encoded histogram.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncodedHistogram {
    /// Always `hdr-v2-base64`: HdrHistogram's V2 encoding, in standard base64.
    pub encoding: String,
    /// Unit of the recorded values: `us`.
    pub unit: String,
    /// Significant digits of precision.
    pub significant_digits: u8,
    /// The encoded histogram.
    pub data: String,
}

/// Cumulative statistics of one sample metric.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SampleTotals {
    /// Samples.
    pub count: u64,
    /// Mean (ms), absent when empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_ms: Option<f64>,
    /// Population standard deviation (ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stddev_ms: Option<f64>,
    /// Smallest sample (ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_ms: Option<f64>,
    /// Largest sample (ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ms: Option<f64>,
    /// `p50`, `p75`, `p90`, `p95`, `p99`, `p99.9` (ms).
    #[serde(default)]
    pub percentiles_ms: BTreeMap<String, f64>,
    /// Exact sum of the samples (ns), decimal string.
    pub sum_ns: String,
    /// Exact sum of the squared samples (ns²), decimal string.
    pub sum_sq_ns2: String,
    /// The full distribution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub histogram: Option<EncodedHistogram>,
}

impl SampleTotals {
    /// Totals of full statistics.
    pub fn of(s: &SampleStats) -> Self {
        let ms = |ns: u64| ns as f64 / 1e6;
        Self {
            count: s.count,
            mean_ms: s.mean_ns().map(|v| v / 1e6),
            stddev_ms: s.stddev_ns().map(|v| v / 1e6),
            min_ms: s.min_ns().map(ms),
            max_ms: s.max_ns().map(ms),
            percentiles_ms: PERCENTILES
                .iter()
                .filter_map(|(label, q)| Some(((*label).to_owned(), ms(s.quantile_ns(*q)?))))
                .collect(),
            sum_ns: s.sum.to_string(),
            sum_sq_ns2: s.sum_sq.to_string(),
            histogram: (s.count > 0).then(|| EncodedHistogram {
                encoding: "hdr-v2-base64".to_owned(),
                unit: "us".to_owned(),
                significant_digits: s.histogram.significant_digits(),
                data: s.histogram.encode_base64(),
            }),
        }
    }

    /// A percentile by label (`p99`, `p99.9`…), ms.
    pub fn percentile(&self, label: &str) -> Option<f64> {
        self.percentiles_ms.get(label).copied()
    }
}

/// A transaction's totals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TransactionTotals {
    /// Name as written in the scenario.
    pub name: String,
    /// Tsung's statistic name (`tr_<name>`).
    pub stat_name: String,
    /// Its statistics.
    pub stats: SampleTotals,
}

/// A request's totals (a row of the per-request table).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestTotals {
    /// Request id (index in `layout.requests`).
    pub id: u32,
    /// Session name.
    pub session: String,
    /// HTTP method.
    pub method: String,
    /// URL as written.
    pub url: String,
    /// Completed requests and their durations.
    pub stats: SampleTotals,
    /// Status codes (`{"200": n}`).
    pub codes: BTreeMap<String, u64>,
    /// Errors (`{"error_timeout": n}`).
    pub errors: BTreeMap<String, u64>,
}

/// A session's outcomes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionTotals {
    /// Session id (index in `layout.sessions`).
    pub id: u32,
    /// Session name.
    pub name: String,
    /// Users that started it.
    pub started: u64,
    /// Users that ran it to the end.
    pub completed: u64,
    /// Users that ended early, by reason (`match_abort`, `abort_action`, `test_stopped`,
    /// `match_restart_limit`, `match_abort_test`, or an `error_…` name).
    pub aborted: BTreeMap<String, u64>,
    /// Users still running when the statistics were taken.
    pub running: u64,
    /// `completed / (completed + aborted)`, leaving out users cut by the end of the test
    /// (`test_stopped`); absent when no user ended on its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_rate: Option<f64>,
}

impl SessionTotals {
    /// Users that ended early.
    pub fn aborted_total(&self) -> u64 {
        self.aborted.values().sum()
    }
}

/// A level's extremes and movements.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelTotals {
    /// Highest level seen.
    pub max: i64,
    /// Increments (users started, connections opened).
    pub up: u64,
    /// Decrements (users ended, connections closed).
    pub down: u64,
}

/// Cumulative statistics of the whole run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// `request`.
    pub request: SampleTotals,
    /// `page`.
    pub page: SampleTotals,
    /// `connect`.
    pub connect: SampleTotals,
    /// `session`.
    pub session: SampleTotals,
    /// `tr_*`, in transaction-id order.
    pub transactions: Vec<TransactionTotals>,
    /// Per-request rows, in request-id order.
    pub requests: Vec<RequestTotals>,
    /// Status codes (`{"200": n, "other": n}`).
    #[serde(with = "codes_map")]
    pub status: StatusCounts,
    /// Errors (`{"error_…": n}`).
    pub errors: BTreeMap<String, u64>,
    /// Counters (`{"match": n, "users_count": n, …}`).
    pub counters: BTreeMap<String, u64>,
    /// Bytes received (`size_rcv`).
    pub bytes_received: u64,
    /// Bytes sent (`size_sent`).
    pub bytes_sent: u64,
    /// Live users.
    pub users: LevelTotals,
    /// Open connections (`connected`).
    pub connections: LevelTotals,
    /// Session outcomes, in session-id order.
    pub sessions: Vec<SessionTotals>,
}

mod codes_map {
    use serde::{Deserialize, Deserializer, Serializer};
    use stampede_metrics::{StatusCounts, status_key};
    use std::collections::BTreeMap;

    pub fn serialize<S: Serializer>(v: &StatusCounts, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(v.iter().map(|(c, n)| (status_key(c), n)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<StatusCounts, D::Error> {
        let map = BTreeMap::<String, u64>::deserialize(d)?;
        let mut out = StatusCounts::default();
        for (k, n) in map {
            out.add_n(k.parse().unwrap_or(0), n);
        }
        Ok(out)
    }
}

fn named<T: Copy>(
    all: &[T],
    values: &[u64],
    name: impl Fn(T) -> &'static str,
) -> BTreeMap<String, u64> {
    all.iter()
        .zip(values)
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| (name(*k).to_owned(), *n))
        .collect()
}

fn errors_map(values: &[u64]) -> BTreeMap<String, u64> {
    named(&stampede_model::ErrorClass::ALL, values, |e| e.tsung_name())
}

impl Totals {
    /// Totals of a run's cumulative snapshot; level maxima come from the last interval.
    pub fn build(layout: &Layout, cumulative: &Snapshot, last: Option<&IntervalSummary>) -> Self {
        let transactions = cumulative
            .transactions
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let name = layout
                    .transactions
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| format!("#{i}"));
                TransactionTotals {
                    stat_name: format!("tr_{name}"),
                    name,
                    stats: SampleTotals::of(s),
                }
            })
            .collect();
        let requests = cumulative
            .requests
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let label = layout.requests.get(i).cloned().unwrap_or_default();
                RequestTotals {
                    id: i as u32,
                    session: layout
                        .sessions
                        .get(label.session as usize)
                        .cloned()
                        .unwrap_or_default(),
                    method: label.method,
                    url: label.url,
                    stats: SampleTotals::of(&r.sample),
                    codes: r
                        .codes
                        .iter()
                        .map(|(c, n)| (stampede_metrics::status_key(*c), *n))
                        .collect(),
                    errors: errors_map(&r.errors),
                }
            })
            .collect();
        let sessions = cumulative
            .sessions
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let aborted: BTreeMap<String, u64> = s
                    .aborted
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| **n > 0)
                    .filter_map(|(r, n)| Some((AbortReason::from_index(r)?.name().to_owned(), *n)))
                    .collect();
                let ended = s.completed + s.aborted_total();
                let own_end = ended - s.aborted_by(AbortReason::TestStopped);
                SessionTotals {
                    id: i as u32,
                    name: layout
                        .sessions
                        .get(i)
                        .cloned()
                        .unwrap_or_else(|| format!("#{i}")),
                    started: s.started,
                    completed: s.completed,
                    running: s.started.saturating_sub(ended),
                    success_rate: (own_end > 0).then(|| s.completed as f64 / own_end as f64),
                    aborted,
                }
            })
            .collect();
        Totals {
            request: SampleTotals::of(&cumulative.request),
            page: SampleTotals::of(&cumulative.page),
            connect: SampleTotals::of(&cumulative.connect),
            session: SampleTotals::of(&cumulative.session),
            transactions,
            requests,
            status: cumulative.status.clone(),
            errors: errors_map(&cumulative.errors),
            counters: named(&stampede_model::Counter::ALL, &cumulative.counters, |c| {
                c.tsung_name()
            }),
            bytes_received: cumulative.bytes_received,
            bytes_sent: cumulative.bytes_sent,
            users: LevelTotals {
                max: last.map_or(0, |l| l.users_max),
                up: cumulative.users.up,
                down: cumulative.users.down,
            },
            connections: LevelTotals {
                max: last.map_or(0, |l| l.connected_max),
                up: cumulative.connections.up,
                down: cumulative.connections.down,
            },
            sessions,
        }
    }

    /// Every error, all classes.
    pub fn errors_total(&self) -> u64 {
        self.errors.values().sum()
    }
}

impl StatsFile {
    /// The document of a run: its metadata, its interval series and its cumulative snapshot
    /// (from [`stampede_metrics::Aggregator::series`] and `cumulative`).
    pub fn build(
        run: RunInfo,
        layout: &Layout,
        intervals: &[IntervalSummary],
        cumulative: &Snapshot,
    ) -> Self {
        Self {
            schema: SCHEMA.to_owned(),
            run,
            layout: layout.clone(),
            intervals: intervals.to_vec(),
            totals: Totals::build(layout, cumulative, intervals.last()),
        }
    }

    /// Writes `dir/stats.json` atomically (temporary file, then rename). Returns its path.
    pub fn write(&self, dir: &Path) -> Result<PathBuf, ReportError> {
        let path = dir.join(STATS_JSON);
        let tmp = dir.join(format!(".{STATS_JSON}.tmp"));
        let text = serde_json::to_string_pretty(self).map_err(|source| ReportError::StatsJson {
            path: path.clone(),
            source,
        })?;
        std::fs::write(&tmp, text + "\n").map_err(|e| ReportError::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| ReportError::io(&path, e))?;
        Ok(path)
    }

    /// Reads a `stats.json` file, checking its schema.
    pub fn read(path: &Path) -> Result<Self, ReportError> {
        let text = std::fs::read_to_string(path).map_err(|e| ReportError::io(path, e))?;
        Self::parse(path, &text)
    }

    /// Parses `stats.json` text (`path` names it in errors).
    pub fn parse(path: &Path, text: &str) -> Result<Self, ReportError> {
        #[derive(Deserialize)]
        struct Head {
            schema: String,
        }
        let json_error = |source| ReportError::StatsJson {
            path: path.to_path_buf(),
            source,
        };
        let head: Head = serde_json::from_str(text).map_err(json_error)?;
        if head.schema != SCHEMA {
            return Err(ReportError::Schema {
                path: path.to_path_buf(),
                found: head.schema,
                expected: SCHEMA,
            });
        }
        serde_json::from_str(text).map_err(json_error)
    }
}
