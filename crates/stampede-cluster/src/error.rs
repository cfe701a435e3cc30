//! Why a cluster run could not start or an agent could not take part.

use crate::frame::FrameError;
use std::io;
use std::time::Duration;

/// A failure of the controller or of an agent that prevents the run (or the agent's part of
/// it). Once every agent has started, an agent that dies is not an error: the run goes on
/// without it and the summary says what was lost
/// ([`crate::ClusterSummary::lost_agents`]).
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The agent program could not be started.
    #[error("cannot start agent {index} (`{program}`): {source}")]
    Spawn {
        index: usize,
        program: String,
        #[source]
        source: io::Error,
    },
    /// The two sides speak different protocol versions.
    #[error(
        "{peer} speaks cluster protocol version {theirs}, but this side speaks version {ours}: \
         run the same stampede build on the controller and on every agent"
    )]
    VersionMismatch {
        /// Who the other side is (`agent 2`, `the controller`).
        peer: String,
        ours: u32,
        theirs: u32,
    },
    /// The other side sent something the protocol does not allow at this point.
    #[error("{peer}: protocol error: {what}")]
    Unexpected { peer: String, what: String },
    /// An agent declined the run (the scenario does not load there, a bad setup, …).
    #[error("agent {index} refused the run: {reason}{stderr}")]
    Refused {
        index: usize,
        reason: String,
        /// The agent's last lines of standard error, prefixed with a newline, or empty.
        stderr: String,
    },
    /// An agent failed or went away before the run started.
    #[error("agent {index} failed before the run started: {reason}{stderr}")]
    AgentFailed {
        index: usize,
        reason: String,
        /// The agent's last lines of standard error, prefixed with a newline, or empty.
        stderr: String,
    },
    /// An agent loaded a scenario whose requests, transactions or sessions differ from the
    /// controller's (the file changed in between, or another build).
    #[error(
        "agent {index} loaded a different scenario ({detail}); the measurements could not be \
         merged"
    )]
    LayoutMismatch { index: usize, detail: String },
    /// An agent did not answer in time during start-up.
    #[error("agent {index} did not {what} within {timeout:?}{stderr}")]
    Timeout {
        index: usize,
        what: String,
        timeout: Duration,
        /// The agent's last lines of standard error, prefixed with a newline, or empty.
        stderr: String,
    },
    /// Reading or writing a protocol frame failed.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// The scenario could not be loaded (agent side).
    #[error("cannot load the scenario: {0}")]
    Scenario(String),
    /// The engine refused the run or its environment failed.
    #[error(transparent)]
    Engine(#[from] stampede_engine::EngineError),
    /// Some other input/output failure.
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: io::Error,
    },
}
