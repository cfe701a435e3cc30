//! Compact per-interval summaries: what the run keeps of each past interval once its full
//! histograms are folded into the cumulative view. A few hundred bytes per metric per interval.

use crate::host::HostSample;
use crate::sample::{SampleStats, mean_ns, stddev_ns};
use crate::snapshot::Snapshot;
use crate::status::SparseStatus;
use serde::{Deserialize, Serialize};

/// One sample metric over one interval: exact moments and a few percentiles. Durations in ns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SampleSummary {
    /// Number of samples.
    pub count: u64,
    /// Sum of samples (ns).
    pub sum: u128,
    /// Sum of squared samples (ns²).
    pub sum_sq: u128,
    /// Smallest sample (ns), 0 when empty.
    pub min: u64,
    /// Largest sample (ns), 0 when empty.
    pub max: u64,
    /// Median (ns), 0 when empty.
    pub p50: u64,
    /// 90th percentile (ns).
    pub p90: u64,
    /// 95th percentile (ns).
    pub p95: u64,
    /// 99th percentile (ns).
    pub p99: u64,
    /// 99.9th percentile (ns).
    pub p999: u64,
}

impl SampleSummary {
    /// Summarises full statistics.
    pub fn of(s: &SampleStats) -> Self {
        let q = |q: f64| s.quantile_ns(q).unwrap_or(0);
        Self {
            count: s.count,
            sum: s.sum,
            sum_sq: s.sum_sq,
            min: s.min_ns().unwrap_or(0),
            max: s.max_ns().unwrap_or(0),
            p50: q(0.50),
            p90: q(0.90),
            p95: q(0.95),
            p99: q(0.99),
            p999: q(0.999),
        }
    }

    /// Exact mean (ns), `None` when empty.
    pub fn mean_ns(&self) -> Option<f64> {
        mean_ns(self.count, self.sum)
    }

    /// Population standard deviation (ns), `None` when empty.
    pub fn stddev_ns(&self) -> Option<f64> {
        stddev_ns(self.count, self.sum, self.sum_sq)
    }
}

/// JSON shape of a [`SampleSummary`]: milliseconds for people, exact sums as strings.
#[derive(Serialize, Deserialize)]
struct SampleSummaryJson {
    count: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mean_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stddev_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    min_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    p50_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    p90_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    p95_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    p99_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    p999_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sum_ns: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sum_sq_ns2: Option<String>,
}

/// Nanoseconds as milliseconds.
pub fn ns_to_ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

fn ms_to_ns(ms: Option<f64>) -> u64 {
    match ms {
        Some(v) if v.is_finite() && v > 0.0 => (v * 1e6).round() as u64,
        _ => 0,
    }
}

impl Serialize for SampleSummary {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let some = self.count > 0;
        let ms = |ns: u64| some.then(|| ns_to_ms(ns));
        SampleSummaryJson {
            count: self.count,
            mean_ms: self.mean_ns().map(|v| v / 1e6),
            stddev_ms: self.stddev_ns().map(|v| v / 1e6),
            min_ms: ms(self.min),
            max_ms: ms(self.max),
            p50_ms: ms(self.p50),
            p90_ms: ms(self.p90),
            p95_ms: ms(self.p95),
            p99_ms: ms(self.p99),
            p999_ms: ms(self.p999),
            sum_ns: some.then(|| self.sum.to_string()),
            sum_sq_ns2: some.then(|| self.sum_sq.to_string()),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for SampleSummary {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let w = SampleSummaryJson::deserialize(deserializer)?;
        let wide = |s: Option<String>| -> Result<u128, D::Error> {
            s.map_or(Ok(0), |s| s.trim().parse().map_err(D::Error::custom))
        };
        Ok(SampleSummary {
            count: w.count,
            sum: wide(w.sum_ns)?,
            sum_sq: wide(w.sum_sq_ns2)?,
            min: ms_to_ns(w.min_ms),
            max: ms_to_ns(w.max_ms),
            p50: ms_to_ns(w.p50_ms),
            p90: ms_to_ns(w.p90_ms),
            p95: ms_to_ns(w.p95_ms),
            p99: ms_to_ns(w.p99_ms),
            p999: ms_to_ns(w.p999_ms),
        })
    }
}

/// What the run keeps of one closed interval.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IntervalSummary {
    /// 0 for the first interval.
    pub index: u64,
    /// Start, in ns since the start of the run (monotonic clock).
    pub start_ns: u64,
    /// End, in ns since the start of the run (monotonic clock).
    pub end_ns: u64,
    /// Wall-clock Unix time (seconds) at which the interval was closed: the `# stats: dump at`
    /// of `tsung.log`.
    pub dump_at: i64,
    /// `request` during the interval.
    pub request: SampleSummary,
    /// `page` during the interval.
    pub page: SampleSummary,
    /// `connect` during the interval.
    pub connect: SampleSummary,
    /// `session` during the interval.
    pub session: SampleSummary,
    /// `tr_*` during the interval, indexed by transaction id.
    pub transactions: Vec<SampleSummary>,
    /// Status codes received during the interval.
    #[serde(with = "crate::names::codes")]
    pub status: SparseStatus,
    /// Errors during the interval (dense by error class; JSON: `{"error_…": n}`).
    #[serde(with = "crate::names::errors")]
    pub errors: Vec<u64>,
    /// Counter increments during the interval (dense by counter; JSON: `{"name": n}`).
    #[serde(with = "crate::names::counters")]
    pub counters: Vec<u64>,
    /// `size_rcv` during the interval.
    pub bytes_received: u64,
    /// `size_sent` during the interval.
    pub bytes_sent: u64,
    /// Live users at the end of the interval.
    pub users: i64,
    /// Highest number of live users seen since the start of the run.
    pub users_max: i64,
    /// Users started during the interval.
    pub users_started: u64,
    /// Users ended during the interval (all outcomes).
    pub users_finished: u64,
    /// Open connections at the end of the interval.
    pub connected: i64,
    /// Highest number of open connections seen since the start of the run.
    pub connected_max: i64,
    /// Connections opened during the interval.
    pub connections_opened: u64,
    /// Connections closed during the interval.
    pub connections_closed: u64,
    /// Sessions that ran to their end during the interval.
    pub sessions_completed: u64,
    /// Sessions that ended early during the interval (every reason, test stop included).
    pub sessions_aborted: u64,
    /// OS metrics of the monitored hosts, read once when the interval closed (the generator's
    /// own machine first). Empty when nothing is monitored.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub monitor: Vec<HostSample>,
}

impl IntervalSummary {
    /// Duration of the interval in seconds (monotonic clock).
    pub fn duration_s(&self) -> f64 {
        self.end_ns.saturating_sub(self.start_ns) as f64 / 1e9
    }

    /// Errors of every class.
    pub fn errors_total(&self) -> u64 {
        self.errors.iter().sum()
    }

    /// Summarises a full interval snapshot; gauges and timing are filled by the caller.
    pub(crate) fn from_snapshot(s: &Snapshot) -> Self {
        let totals = s.sessions_total();
        Self {
            request: SampleSummary::of(&s.request),
            page: SampleSummary::of(&s.page),
            connect: SampleSummary::of(&s.connect),
            session: SampleSummary::of(&s.session),
            transactions: s.transactions.iter().map(SampleSummary::of).collect(),
            status: SparseStatus::from(&s.status),
            errors: s.errors.clone(),
            counters: s.counters.clone(),
            bytes_received: s.bytes_received,
            bytes_sent: s.bytes_sent,
            users_started: s.users.up,
            users_finished: s.users.down,
            connections_opened: s.connections.up,
            connections_closed: s.connections.down,
            sessions_completed: totals.completed,
            sessions_aborted: totals.aborted_total(),
            ..Self::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::histogram::HistogramSpec;

    #[test]
    fn json_round_trip_is_exact() {
        let mut s = SampleStats::new(HistogramSpec::LATENCY);
        for v in [1_234_567u64, 9_876_543_210, 42_000] {
            s.record(v);
        }
        let summary = SampleSummary::of(&s);
        let json = serde_json::to_string(&summary).unwrap();
        assert!(json.contains("\"mean_ms\""), "{json}");
        let back: SampleSummary = serde_json::from_str(&json).unwrap();
        assert_eq!(back, summary);
        let empty = serde_json::to_string(&SampleSummary::default()).unwrap();
        assert_eq!(empty, r#"{"count":0}"#);
    }
}
