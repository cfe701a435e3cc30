//! Why a run could not start or went wrong outside the scenario's control.

use std::io;

/// A failure of the environment the run needs, or a request this engine cannot carry out.
/// Never a scenario error: a [`stampede_model::Scenario`] is always valid, and everything that
/// goes wrong while it runs is measured (`error_*` counters), not returned.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A worker thread could not be started.
    #[error("cannot start worker thread {index}: {source}")]
    Thread {
        index: usize,
        #[source]
        source: io::Error,
    },
    /// An async runtime could not be built (worker or controller).
    #[error("cannot build the async runtime of {what}: {source}")]
    Runtime {
        what: String,
        #[source]
        source: io::Error,
    },
    /// A worker thread died (a bug: the run stops, what was measured is lost).
    #[error("worker thread {index} stopped unexpectedly")]
    WorkerLost { index: usize },
    /// The TLS configuration could not be built from the `ssl_*` options.
    #[error("cannot configure TLS: {0}")]
    Tls(String),
    /// `--target` names a host that does not resolve.
    #[error("cannot resolve --target {target}: {reason}")]
    TargetUnresolved { target: String, reason: String },
    /// The scenario shares its load with load generators on other hosts, which need the
    /// cluster feature.
    #[error(
        "the scenario's <clients> put part of the load on other hosts ({hosts}: {share:.0}% of the \
         load); running remote load generators needs the cluster feature, which is not \
         available yet. Run the whole load from this machine with --local-clients, or list only \
         `localhost` in <clients>"
    )]
    RemoteClients {
        /// The remote hosts, comma-separated.
        hosts: String,
        /// Their share of the load, in percent.
        share: f64,
    },
    /// `RunConfig::process` is not a valid `(index, count)`.
    #[error("generator process {index} of {count} does not exist")]
    BadProcess { index: usize, count: usize },
}
