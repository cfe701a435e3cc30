//! How a cluster run is configured, beyond the engine's [`RunConfig`].

use crate::protocol::ScenarioSource;
use stampede_engine::RunConfig;
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

/// The program (and arguments) that starts an agent speaking the protocol on its standard
/// input and output. The `stampede` command passes its own executable and its hidden
/// `__agent` subcommand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentCommand {
    pub program: PathBuf,
    pub args: Vec<OsString>,
}

impl AgentCommand {
    /// `program args…`.
    pub fn new(
        program: impl Into<PathBuf>,
        args: impl IntoIterator<Item = impl Into<OsString>>,
    ) -> Self {
        Self {
            program: program.into(),
            args: args.into_iter().map(Into::into).collect(),
        }
    }

    /// This executable with these arguments (e.g. `["__agent"]`).
    pub fn current_exe(
        args: impl IntoIterator<Item = impl Into<OsString>>,
    ) -> std::io::Result<Self> {
        Ok(Self::new(std::env::current_exe()?, args))
    }
}

/// Settings of a run over several generator processes.
#[derive(Clone, Debug)]
pub struct ClusterConfig {
    /// `--processes N`: exactly this many generator processes. `None`: decided by
    /// [`crate::plan_processes`] from `<client cpu maxusers>` and the open-file limit.
    pub processes: Option<usize>,
    /// How to start an agent.
    pub agent_command: AgentCommand,
    /// The engine settings every agent uses. `process` is set per agent; `seed` is settled
    /// once by the controller; `workers = 0` gives each agent `ceil(cores / processes)`.
    pub run: RunConfig,
    /// Where agents read the scenario (the file the controller loaded).
    pub scenario: ScenarioSource,
    /// Tsung's `-x`: request tags dropped when loading (as the controller did).
    pub exclude_tags: Vec<String>,
    /// Open files one generator process may hold. `None`: this machine's hard
    /// `RLIMIT_NOFILE`.
    pub files_per_process: Option<u64>,
    /// The planner never starts more processes than this (an explicit `processes` may).
    pub max_processes: usize,
    /// Time counted for each request when estimating session lengths.
    pub assumed_request_time: Duration,
    /// How long an agent may take to start, load the scenario and answer.
    pub startup_timeout: Duration,
    /// An agent silent for this long while running is taken as hung: it is killed and
    /// reported lost.
    pub silence_limit: Duration,
}

impl ClusterConfig {
    /// Defaults for a scenario file: processes planned, 256 at most, 1 s per request in the
    /// estimate, 60 s to start, 60 s of silence tolerated.
    pub fn new(
        scenario_path: impl Into<PathBuf>,
        agent_command: AgentCommand,
        run: RunConfig,
    ) -> Self {
        Self {
            processes: None,
            agent_command,
            run,
            scenario: ScenarioSource::Path {
                path: scenario_path.into(),
            },
            exclude_tags: Vec::new(),
            files_per_process: None,
            max_processes: 256,
            assumed_request_time: Duration::from_secs(1),
            startup_timeout: Duration::from_secs(60),
            silence_limit: Duration::from_secs(60),
        }
    }
}
