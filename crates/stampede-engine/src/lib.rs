//! The run engine: executes a validated [`Scenario`] against real servers with Tsung's
//! semantics.
//!
//! # Shape
//! ```text
//! caller's thread: controller ── arrival plan (one Scheduler per process) ──► Spawn(user) ─┐
//!                  │  every flush: Collect ◄── snapshots ── workers                       │
//!                  │  aggregator: intervals, live status ──► RunObserver                 │
//!                  ▼                                                                     ▼
//! worker threads (one per core): a current-thread runtime each, worker state thread-local
//!     user task ── stampede_session::User ⇄ stampede_http::HttpClient (one connection)
//!               └─ Recorder, RequestBuf, endpoints: worker-local, no lock, no atomic
//! ```
//!
//! * **One scheduler per process**, on the controller: arrival times, session choices and
//!   user ids do not depend on the number of workers, so a seed reproduces a run on any
//!   machine. Arrivals are rare next to requests; each costs one channel message. Each user
//!   goes to the worker with the fewest users.
//! * **Workers own everything a request touches**: the user's task, its connection, the
//!   worker's recorder and request buffer, the endpoint table. The per-request path takes no
//!   lock, sends no message and allocates nothing once buffers have grown.
//! * **Collection is pulled**: every flush period (500 ms) the controller asks each worker for
//!   its snapshot (recording goes on into a recycled one), merges them and closes intervals on
//!   boundaries of the run clock (every `interval`, 10 s). At the end every worker's last
//!   snapshot is merged and a last, shorter interval is closed: nothing measured is lost.
//! * **Stopping**: a graceful stop ends arrivals, cuts idle users at once and lets users
//!   waiting for a response receive it (within `stop_grace`); an abort cuts everyone. A cut
//!   user records `error_abort` and the outcome `test_stopped` (its open transactions too).
//!   `<load duration>` and a user's `abort_test` stop the run gracefully.
//!
//! ```no_run
//! # fn demo(scenario: std::sync::Arc<stampede_model::Scenario>) -> Result<(), stampede_engine::EngineError> {
//! use stampede_engine::{RunConfig, StopHandle, run};
//! let stop = StopHandle::new(); // give a clone to the Ctrl-C handler
//! let summary = run(scenario, RunConfig::default(), (), stop)?;
//! let (how, requests) = (summary.end.name(), summary.totals.request.count);
//! # let _ = (how, requests);
//! # Ok(()) }
//! ```

mod barrier;
mod clock;
mod config;
mod controller;
mod dump;
mod endpoints;
mod error;
mod eval;
mod host;
mod monitoring;
mod munin;
mod observer;
mod os_monitor;
mod preflight;
mod shared;
mod sources;
mod stop;
mod user;
mod worker;

pub use config::{RunConfig, TargetOverride, TargetOverrideError};
pub use dump::{TRAFFIC_DUMP, TRAFFIC_DUMP_HEADER};
pub use error::EngineError;
pub use monitoring::Monitoring;
pub use observer::{
    LiveStatus, LogLevel, MatchLine, PhaseProgress, RunEnd, RunObserver, RunStarted, RunSummary,
};
pub use os_monitor::{HostMonitor, is_this_machine, monitored_nodes};
pub use preflight::{Preflight, preflight};
pub use stampede_scheduler::{PhaseEnd, PhaseStart, PlannedPhase};
pub use stop::{StopHandle, StopKind, StopRequest};

use stampede_model::Scenario;
use std::sync::Arc;

/// Runs `scenario` to its end: until every phase ran and every user finished, `<load
/// duration>` is reached, a user stops the test, or `stop` is used. Blocks the calling
/// thread, which becomes the run's controller: `observer` is called on it.
///
/// Returns an error only when the environment fails (threads, runtimes, TLS set-up, an
/// unresolvable `--target`) or the run cannot be carried out here (remote `<client>`s); what
/// goes wrong while users run is measured, not returned.
pub fn run(
    scenario: Arc<Scenario>,
    config: RunConfig,
    mut observer: impl RunObserver,
    stop: StopHandle,
) -> Result<RunSummary, EngineError> {
    let pre = preflight(&scenario, &config)?;
    for warning in &pre.warnings {
        observer.log(LogLevel::Warning, warning);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| EngineError::Runtime {
            what: "the controller".to_owned(),
            source,
        })?;
    runtime.block_on(controller::run(
        scenario,
        &config,
        pre,
        &mut observer,
        &stop,
    ))
}
