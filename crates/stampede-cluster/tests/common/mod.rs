//! Helpers shared by the cluster's integration tests: the target app with a scenario file, an
//! observer that keeps everything, a cluster run with a watchdog.
#![allow(dead_code, clippy::unwrap_used)]

use stampede_cluster::{AgentCommand, ClusterConfig, ClusterError, ClusterSummary};
use stampede_engine::{
    LiveStatus, LogLevel, MatchLine, PhaseEnd, PhaseStart, RunConfig, RunObserver, RunStarted,
    StopHandle,
};
use stampede_metrics::{ClosedInterval, IntervalSummary};
use stampede_model::Scenario;
use stampede_testkit::{AppConfig, TargetApp};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// What a run starts from: the target app on 127.0.0.1:0 (on its own runtime), a temporary
/// directory, and the scenario written there as `test.xml` and loaded.
pub struct Fixture {
    pub app: TargetApp,
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
    pub scenario: Arc<Scenario>,
}

impl Fixture {
    /// Starts the app and writes `xml` with `{PORT}` replaced by the app's port.
    pub fn new(xml: &str) -> Self {
        let app = TargetApp::start_blocking(AppConfig::default()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("test.xml");
        std::fs::write(&path, xml.replace("{PORT}", &app.addr().port().to_string())).unwrap();
        let scenario = match stampede_scenario::load_file(&path, &Default::default()) {
            Ok(loaded) => Arc::new(loaded.scenario),
            Err(failed) => panic!(
                "scenario does not load:\n{}",
                stampede_scenario::render(&failed.diagnostics, &failed.sources, false)
            ),
        };
        Self {
            app,
            dir,
            path,
            scenario,
        }
    }

    /// The cluster settings for `processes` generator processes running this scenario.
    pub fn cluster_config(&self, processes: usize) -> ClusterConfig {
        let mut c = ClusterConfig::new(&self.path, agent_command(), run_config(self.dir.path()));
        c.processes = Some(processes);
        c.startup_timeout = Duration::from_secs(30);
        c
    }
}

/// The test agent: this crate's harness binary, `agent` subcommand.
pub fn agent_command() -> AgentCommand {
    AgentCommand::new(env!("CARGO_BIN_EXE_stampede-cluster-harness"), ["agent"])
}

/// Engine settings for tests: 1 worker per agent, short intervals, a fixed seed.
pub fn run_config(dir: &Path) -> RunConfig {
    RunConfig {
        workers: 1,
        seed: Some(42),
        interval: Duration::from_millis(500),
        flush: Duration::from_millis(100),
        stop_grace: Duration::from_secs(2),
        scenario_dir: dir.to_path_buf(),
        ..RunConfig::default()
    }
}

/// Keeps everything the controller reports.
#[derive(Debug, Default)]
pub struct Collected {
    pub started: usize,
    pub intervals: Vec<IntervalSummary>,
    pub logs: Vec<(LogLevel, String)>,
    pub matches: Vec<MatchLine>,
    pub phases_started: Vec<PhaseStart>,
    pub phases_ended: Vec<PhaseEnd>,
    pub progress: usize,
    pub max_connected: i64,
}

impl RunObserver for Collected {
    fn run_started(&mut self, _started: &RunStarted<'_>) {
        self.started += 1;
    }
    fn phase_started(&mut self, phase: &PhaseStart) {
        self.phases_started.push(phase.clone());
    }
    fn phase_ended(&mut self, phase: &PhaseEnd) {
        self.phases_ended.push(phase.clone());
    }
    fn interval_closed(&mut self, closed: &ClosedInterval<'_>) {
        self.intervals.push(closed.summary.clone());
    }
    fn progress(&mut self, live: &LiveStatus<'_>) {
        self.progress += 1;
        self.max_connected = self.max_connected.max(live.connected);
    }
    fn match_logged(&mut self, line: &MatchLine) {
        self.matches.push(line.clone());
    }
    fn log(&mut self, level: LogLevel, text: &str) {
        self.logs.push((level, text.to_owned()));
    }
}

/// Aborts the run after `limit` unless it ended: a bug fails the test instead of hanging it.
pub struct Watchdog(Arc<AtomicBool>);

impl Watchdog {
    pub fn start(stop: &StopHandle, limit: Duration) -> Self {
        let done = Arc::new(AtomicBool::new(false));
        let (d, s) = (done.clone(), stop.clone());
        std::thread::spawn(move || {
            let steps = limit.as_millis() / 100;
            for _ in 0..steps {
                std::thread::sleep(Duration::from_millis(100));
                if d.load(Ordering::Relaxed) {
                    return;
                }
            }
            s.abort("test watchdog");
        });
        Self(done)
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// A cluster run with a 60 s watchdog.
pub fn run_cluster(
    scenario: Arc<Scenario>,
    config: ClusterConfig,
    observer: &mut dyn RunObserver,
    stop: StopHandle,
) -> Result<ClusterSummary, ClusterError> {
    let _watchdog = Watchdog::start(&stop, Duration::from_secs(60));
    stampede_cluster::run(scenario, config, observer, stop)
}
