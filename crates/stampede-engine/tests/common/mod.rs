//! Helpers shared by the engine's integration tests: the target app, scenario loading, an
//! observer that keeps everything, and a bounded run.
#![allow(dead_code, clippy::unwrap_used)]

use stampede_engine::{
    LiveStatus, LogLevel, MatchLine, PhaseEnd, PhaseStart, RunConfig, RunObserver, RunSummary,
    StopHandle,
};
use stampede_metrics::{ClosedInterval, IntervalSummary};
use stampede_model::{ErrorClass, Scenario};
use stampede_testkit::{AppConfig, Outcome, TargetApp};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The target app on 127.0.0.1:0, on its own runtime.
pub fn app() -> TargetApp {
    TargetApp::start_blocking(AppConfig::default()).unwrap()
}

/// Loads a scenario written in the test; `{PORT}` is replaced by `port`.
pub fn scenario(xml: &str, port: u16, dir: &Path) -> Arc<Scenario> {
    let xml = xml.replace("{PORT}", &port.to_string());
    match stampede_scenario::load_str("test.xml", dir, &xml, &Default::default()) {
        Ok(loaded) => Arc::new(loaded.scenario),
        Err(failed) => panic!(
            "scenario does not load:\n{}",
            stampede_scenario::render(&failed.diagnostics, &failed.sources, false)
        ),
    }
}

/// Keeps everything the engine reports.
#[derive(Debug, Default)]
pub struct Collected {
    pub intervals: Vec<IntervalSummary>,
    pub logs: Vec<(LogLevel, String)>,
    pub matches: Vec<MatchLine>,
    pub phases_started: Vec<PhaseStart>,
    pub phases_ended: Vec<PhaseEnd>,
    pub progress: usize,
    pub max_users: i64,
}

impl RunObserver for Collected {
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
        self.max_users = self.max_users.max(live.users);
    }
    fn match_logged(&mut self, line: &MatchLine) {
        self.matches.push(line.clone());
    }
    fn log(&mut self, level: LogLevel, text: &str) {
        self.logs.push((level, text.to_owned()));
    }
}

/// A config for tests: 2 workers, short intervals, a fixed seed.
pub fn config(dir: &Path) -> RunConfig {
    RunConfig {
        workers: 2,
        seed: Some(42),
        interval: Duration::from_millis(500),
        flush: Duration::from_millis(100),
        stop_grace: Duration::from_secs(2),
        scenario_dir: dir.to_path_buf(),
        ..RunConfig::default()
    }
}

/// Runs to the end (a test scenario always stops by itself; the watchdog aborts a run that
/// would not, so a bug fails the test instead of hanging it).
pub fn run(scenario: Arc<Scenario>, config: RunConfig) -> (RunSummary, Collected) {
    let stop = StopHandle::new();
    let watchdog = stop.clone();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let done2 = done.clone();
    std::thread::spawn(move || {
        for _ in 0..600 {
            std::thread::sleep(Duration::from_millis(100));
            if done2.load(std::sync::atomic::Ordering::Relaxed) {
                return;
            }
        }
        watchdog.abort("test watchdog");
    });
    let mut collected = Collected::default();
    let summary = stampede_engine::run(scenario, config, &mut collected, stop).unwrap();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    (summary, collected)
}

/// Requests the app saw, per outcome.
pub fn app_total(app: &TargetApp) -> u64 {
    app.counts().total()
}

/// Every error class with a non-zero count.
pub fn errors(summary: &RunSummary) -> Vec<(ErrorClass, u64)> {
    ErrorClass::ALL
        .iter()
        .map(|&e| (e, summary.totals.error(e)))
        .filter(|&(_, n)| n > 0)
        .collect()
}

/// Status codes Stampede counted.
pub fn codes(summary: &RunSummary) -> Vec<(u16, u64)> {
    summary.totals.status.iter().collect()
}

pub fn app_status(app: &TargetApp, route: &str, method: &str, status: u16) -> u64 {
    app.counts().get(route, method, Outcome::Status(status))
}
