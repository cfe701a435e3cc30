//! `timeseries.csv`: one row per interval, fixed columns (documented in `docs/stats-json.md`).

use crate::stats_file::StatsFile;
use stampede_metrics::{IntervalSummary, SampleSummary};
use std::fmt::Write as _;

/// The file's name in a run directory.
pub const TIMESERIES_CSV: &str = "timeseries.csv";

const SAMPLE_COLUMNS: [&str; 9] = [
    "count",
    "rate",
    "mean_ms",
    "stddev_ms",
    "min_ms",
    "max_ms",
    "p50_ms",
    "p90_ms",
    "p99_ms",
];

/// The header line's column names, in order.
pub fn columns() -> Vec<String> {
    let mut cols: Vec<String> = [
        "interval",
        "start_s",
        "end_s",
        "dump_at",
        "users",
        "users_max",
        "users_started",
        "users_finished",
        "connected",
        "connected_max",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for metric in ["request", "page", "connect", "session"] {
        cols.extend(SAMPLE_COLUMNS.iter().map(|c| format!("{metric}_{c}")));
    }
    cols.extend(
        [
            "status_1xx",
            "status_2xx",
            "status_3xx",
            "status_4xx",
            "status_5xx",
            "status_other",
            "errors",
            "bytes_received",
            "bytes_sent",
            "rx_kbit_s",
            "tx_kbit_s",
            "sessions_completed",
            "sessions_aborted",
        ]
        .iter()
        .map(|s| (*s).to_owned()),
    );
    cols
}

fn num(out: &mut String, v: f64) {
    if v.is_finite() {
        let _ = write!(out, ",{}", (v * 1e6).round() / 1e6);
    } else {
        out.push(',');
    }
}

fn sample(out: &mut String, m: &SampleSummary, secs: f64) {
    let _ = write!(out, ",{}", m.count);
    num(
        out,
        if secs > 0.0 {
            m.count as f64 / secs
        } else {
            0.0
        },
    );
    if m.count == 0 {
        out.push_str(",,,,,,,");
        return;
    }
    let ms = |ns: u64| ns as f64 / 1e6;
    num(out, m.mean_ns().unwrap_or(0.0) / 1e6);
    num(out, m.stddev_ns().unwrap_or(0.0) / 1e6);
    for v in [m.min, m.max, m.p50, m.p90, m.p99] {
        num(out, ms(v));
    }
}

fn row(out: &mut String, s: &IntervalSummary) {
    let secs = s.duration_s();
    let _ = write!(out, "{}", s.index);
    num(out, s.start_ns as f64 / 1e9);
    num(out, s.end_ns as f64 / 1e9);
    let _ = write!(
        out,
        ",{},{},{},{},{},{},{}",
        s.dump_at,
        s.users,
        s.users_max,
        s.users_started,
        s.users_finished,
        s.connected,
        s.connected_max
    );
    for m in [&s.request, &s.page, &s.connect, &s.session] {
        sample(out, m, secs);
    }
    let mut classes = [0u64; 6];
    for (code, n) in s.status.iter() {
        let class = match code {
            100..=599 => usize::from(code / 100 - 1),
            _ => 5,
        };
        classes[class] += n;
    }
    for c in classes {
        let _ = write!(out, ",{c}");
    }
    let _ = write!(
        out,
        ",{},{},{}",
        s.errors_total(),
        s.bytes_received,
        s.bytes_sent
    );
    let kbit = |b: u64| {
        if secs > 0.0 {
            b as f64 * 8.0 / 1000.0 / secs
        } else {
            0.0
        }
    };
    num(out, kbit(s.bytes_received));
    num(out, kbit(s.bytes_sent));
    let _ = writeln!(out, ",{},{}", s.sessions_completed, s.sessions_aborted);
}

/// The whole CSV text.
pub fn render(stats: &StatsFile) -> String {
    let mut out = columns().join(",");
    out.push('\n');
    for s in &stats.intervals {
        row(&mut out, s);
    }
    out
}
