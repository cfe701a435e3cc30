//! One Stampede run over several generator processes: Tsung's `<client maxusers cpu>` with
//! local worker processes, each under the per-process open-file limit, and measurements
//! merged exactly.
//!
//! # Shape
//! ```text
//! controller (the caller's thread)                 agents (same binary, hidden subcommand)
//!   plan_processes: P from cpu, maxusers,            agent_main(stdin, stdout)
//!     open files, --processes                          load the scenario, check the layout
//!   spawn P agents ── Hello, Setup(i, P) ──────────►   wait for the common start instant
//!                  ◄── Hello, Ready ──────────────     stampede_engine::run(process = (i, P))
//!   Start(at) ─────────────────────────────────────►     observer → frames: Status, Interval,
//!   merge: interval k closes when every running          Phase*, Match, Log, Finished
//!     agent delivered k (Snapshot::merge is exact)
//!   RunObserver: the same calls as one process
//!   StopHandle → Stop/Abort messages (kill as last resort)
//! ```
//!
//! * **Same users, split.** Every agent runs the engine with `RunConfig::process = (i, P)`
//!   and the same seed: the scheduler gives each an equal share of every phase and of the
//!   static users, and user ids stay unique across processes.
//! * **Exact merge.** Agents send the full [`stampede_metrics::Snapshot`] of each interval
//!   (integer sums, minima, maxima, histogram buckets), so the merged counts and
//!   percentiles are those of one process doing all the work.
//! * **Never hangs.** An agent that dies, hangs (silent past
//!   [`ClusterConfig::silence_limit`]) or fails is killed if needed and reported in
//!   [`ClusterSummary::agents`]; what it delivered is kept, the run goes on with the others.
//! * **Transport-agnostic protocol.** [`protocol`] messages in [`frame`]s on any byte stream,
//!   versioned by [`PROTOCOL_VERSION`]; only local processes over pipes exist today.
//!
//! ```no_run
//! # fn demo(scenario: std::sync::Arc<stampede_model::Scenario>) -> Result<(), stampede_cluster::ClusterError> {
//! use stampede_cluster::{AgentCommand, ClusterConfig, run};
//! use stampede_engine::{RunConfig, StopHandle};
//! let agent = AgentCommand::current_exe(["__agent"]).expect("own path");
//! let config = ClusterConfig::new("scenario.xml", agent, RunConfig::default());
//! let summary = run(scenario, config, (), StopHandle::new())?;
//! let requests = summary.run.totals.request.count;
//! for loss in summary.losses() { /* show it */ let _ = loss; }
//! # let _ = requests;
//! # Ok(()) }
//! ```

mod agent;
mod config;
mod controller;
mod error;
mod estimate;
pub mod frame;
mod plan;
pub mod protocol;
mod summary;
mod sysinfo;
#[cfg(test)]
mod test_support;

pub use agent::{agent_main, agent_stdio};
pub use config::{AgentCommand, ClusterConfig};
pub use controller::run;
pub use error::ClusterError;
pub use estimate::{ConcurrencyEstimate, EstimateBasis, estimate_concurrency};
pub use frame::FrameError;
pub use plan::{PlanReason, ProcessPlan, plan_processes};
pub use protocol::{PROTOCOL_VERSION, ScenarioSource};
pub use summary::{AgentOutcome, AgentReport, ClusterSummary};
