//! Measurements of a Stampede run: per-worker [`Recorder`]s on the hot path, mergeable
//! [`Snapshot`]s between threads and processes, the [`Aggregator`] that turns them into an
//! interval series and a cumulative view, and [`TsungView`], Tsung's statistics of an interval.
//!
//! # Data flow
//! ```text
//! worker:     Recorder ── take_snapshot()/swap_snapshot() ──► Snapshot (per flush, e.g. 500 ms)
//! aggregator: ingest(interval, &Snapshot) … close_interval(clock) ──► ClosedInterval
//!             ├─ summary (IntervalSummary, kept in series())   ─► tsung.log, CSV, graphs
//!             ├─ snapshot (full data of the interval)           ─► live dashboard
//!             └─ cumulative (full data since the start)         ─► final tables, percentiles
//! ```
//!
//! # Units
//! Every duration enters as integer nanoseconds from a monotonic clock. Counts, sums, sums of
//! squares, minima and maxima are exact integers (`u64`/`u128`), so merging is exact and
//! associative. Percentiles come from HDR histograms kept in microseconds (see
//! [`histogram`]).
//!
//! This crate formats nothing and touches no file, socket or clock.
//!
//! # Example: two workers, two intervals
//! ```
//! use stampede_metrics::{Aggregator, IntervalClock, Layout, Recorder, RequestLabel, Response, SessionEnd};
//! use stampede_model::{RequestId, SessionId, TransactionId};
//!
//! // Once per run (usually `Layout::from_scenario(&scenario)`).
//! let layout = Layout {
//!     transactions: vec!["login".into()],
//!     requests: vec![RequestLabel { session: 0, method: "GET".into(), url: "/".into() }],
//!     sessions: vec!["main".into()],
//! };
//! // One recorder per worker thread; the hot path is plain method calls.
//! let mut workers = [Recorder::new(&layout), Recorder::new(&layout)];
//! workers[0].user_started(SessionId(0));
//! workers[0].connection_opened();
//! workers[0].record_connect(300_000);
//! workers[0].record_response(&Response {
//!     request: RequestId(0),
//!     status: 200,
//!     elapsed_ns: 2_500_000,
//!     bytes_sent: 120,
//!     bytes_received: 4_096,
//! });
//! workers[1].record_transaction(TransactionId(0), 3_000_000);
//!
//! // The aggregator thread: ingest each worker's flush, close the interval every 10 s.
//! let mut agg = Aggregator::new(&layout);
//! for w in &mut workers {
//!     let interval = agg.interval_index();
//!     agg.ingest(interval, &w.take_snapshot());
//! }
//! let closed = agg.close_interval(IntervalClock { end_ns: 10_000_000_000, dump_at: 1_700_000_010 });
//! assert_eq!(closed.summary.request.count, 1);
//! assert_eq!(closed.summary.users, 1);
//! assert_eq!(closed.cumulative.transactions[0].count, 1);
//!
//! // At the end: stop the users, flush, close the last (shorter) interval.
//! workers[0].user_finished(SessionId(0), SessionEnd::Completed, 9_000_000_000);
//! workers[0].connection_closed();
//! for w in &mut workers {
//!     agg.ingest(agg.interval_index(), &w.take_snapshot());
//! }
//! agg.close_interval(IntervalClock { end_ns: 14_000_000_000, dump_at: 1_700_000_014 });
//! assert_eq!(agg.series().len(), 2);
//! assert_eq!(agg.cumulative().session.count, 1);
//! assert_eq!(agg.users().max, 1);
//! ```

mod aggregator;
pub mod histogram;
mod host;
mod layout;
mod names;
mod outcome;
mod recorder;
mod sample;
mod snapshot;
mod status;
mod summary;
mod tsung;
mod wide;

pub use aggregator::{Aggregator, ClosedInterval, IntervalClock, Level};
pub use histogram::{HistogramDecodeError, HistogramSpec, LatencyHistogram, MAX_TRACKABLE_US};
pub use host::{HostMetric, HostSample};
pub use layout::{Layout, RequestLabel};
pub use names::codes::key as status_key;
pub use outcome::{AbortReason, SessionEnd};
pub use recorder::{Recorder, Response};
pub use sample::{MAX_SAMPLE_NS, PERCENTILES, SampleStats, mean_ns, stddev_ns};
pub use snapshot::{GaugeDelta, RequestStats, SessionOutcomes, Snapshot};
pub use status::{FIRST_CODE, LAST_CODE, OTHER_CODE, SparseStatus, StatusCounts};
pub use summary::{IntervalSummary, SampleSummary, ns_to_ms};
pub use tsung::{TsungBlock, TsungLine, TsungNum, TsungSample, TsungView};
