//! A run's outputs: the run directory, Tsung's `tsung.log`, `stats.json`, `timeseries.csv`,
//! `match.log`, the self-contained `report.html`, and the terminal summary.
//!
//! # During a run (the engine)
//! 1. [`RunDir::create`] (`-l` base or `~/.stampede/log`), then [`RunDir::copy_scenario`].
//! 2. [`TsungLogWriter::create`]`(dir.file(TSUNG_LOG), &layout)`; after each
//!    [`stampede_metrics::Aggregator::close_interval`], `write_interval(closed.summary)`;
//!    at the end `finish(SystemTime::now())`.
//! 3. [`MatchLogWriter`] when a `<match>` logs.
//! 4. At the end: [`StatsFile::build`] then [`write_outputs`] (stats.json, report.html,
//!    timeseries.csv), and [`render_summary`] for the terminal.
//!
//! # Afterwards
//! [`generate_report`] rebuilds `report.html` and `timeseries.csv` from `stats.json`.
//!
//! # Example
//! ```
//! use stampede_metrics::{Aggregator, IntervalClock, Layout, Recorder, RequestLabel};
//! use stampede_model::RequestId;
//! use stampede_report::*;
//! use std::time::SystemTime;
//!
//! # fn main() -> Result<(), ReportError> {
//! # let tmp = tempfile::tempdir().unwrap();
//! # let scenario_path = tmp.path().join("test.xml");
//! # std::fs::write(&scenario_path, "<tsung/>").unwrap();
//! let layout = Layout {
//!     requests: vec![RequestLabel { session: 0, method: "GET".into(), url: "/".into() }],
//!     sessions: vec!["main".into()],
//!     ..Layout::default()
//! };
//! // Start of the run.
//! let run_dir = RunDir::create(Some(&tmp.path().join("log")))?;
//! run_dir.copy_scenario(&[&scenario_path])?;
//! let mut tsung_log = TsungLogWriter::create(run_dir.file(TSUNG_LOG), &layout)?;
//! let mut agg = Aggregator::new(&layout);
//!
//! // Every interval (the workers' recorders feed the aggregator).
//! let mut worker = Recorder::new(&layout);
//! worker.count_status(RequestId(0), 200);
//! worker.record_request(RequestId(0), 1_800_000);
//! agg.ingest(agg.interval_index(), &worker.take_snapshot());
//! let closed = agg.close_interval(IntervalClock { end_ns: 10_000_000_000, dump_at: 1_700_000_010 });
//! tsung_log.write_interval(closed.summary)?;
//!
//! // End of the run.
//! tsung_log.finish(SystemTime::now())?;
//! let info = RunInfo {
//!     duration_s: 10.0,
//!     interval_s: 10.0,
//!     outcome: RunOutcome::new(StopReason::Finished, None),
//!     ..RunInfo::default()
//! };
//! let stats = StatsFile::build(info, &layout, agg.series(), agg.cumulative());
//! let outputs = write_outputs(run_dir.path(), &stats)?;
//! let summary = render_summary(&stats, Some(&outputs.report_html));
//! assert!(summary.contains("HTTP codes: 200 1"));
//!
//! // Later: `stampede report DIR`.
//! generate_report(run_dir.path())?;
//! # Ok(())
//! # }
//! ```

pub mod columns;
pub mod csv;
pub mod erlang;
mod error;
mod generate;
pub mod html;
pub mod human;
mod match_log;
mod rundir;
mod stats_file;
pub mod synthetic;
mod terminal;
mod tsung_log;

pub use error::ReportError;
pub use generate::{Outputs, generate_report, write_outputs, write_report_files};
pub use html::REPORT_HTML;
pub use match_log::{MATCH_LOG, MATCH_LOG_HEADER, MatchEvent, MatchLogWriter, render_line};
pub use rundir::{LocalStamp, RunDir, STDIN_SCENARIO_NAME, default_log_base};
pub use stats_file::{
    EncodedHistogram, LevelTotals, PhaseInfo, RequestTotals, RunInfo, RunOutcome, SCHEMA,
    STATS_JSON, SampleTotals, ScenarioInfo, SessionTotals, StatsFile, StopReason, Totals,
    TransactionTotals,
};
pub use terminal::render_summary;
pub use tsung_log::{TSUNG_LOG, TsungLogWriter, end_monitor_line, render_all, render_block};

/// Local time as RFC 3339 with the UTC offset, for [`RunInfo`] (`2024-03-07T09:05:02.123+01:00`).
pub fn local_rfc3339(at: std::time::SystemTime) -> String {
    let t: chrono::DateTime<chrono::Local> = at.into();
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
}
