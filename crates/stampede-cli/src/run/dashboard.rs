//! Starting the live dashboard for a run, and turning the engine's events into what the
//! dashboard shows.

use super::signals::Wake;
use crate::terminal::Console;
use anyhow::{Context, Result};
use stampede_dashboard::{Dashboard, DashboardConfig, RunPlan, RunState};
use stampede_engine::{PlannedPhase, StopHandle};
use stampede_report::PhaseInfo;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::time::Duration;

/// How the dashboard is wired to the run.
#[derive(Debug)]
pub struct Wiring {
    /// Stops the run (Stop pressed during the run).
    pub stop: StopHandle,
    /// Wakes the main thread (Stop pressed after the run, with `-k`).
    pub wake: Sender<Wake>,
    /// Set once the run is over.
    pub run_over: Arc<AtomicBool>,
}

/// Starts the dashboard on its own thread, prints its URL and notices, and connects its Stop
/// button to the run.
pub fn start(
    run_dir: &Path,
    title: &str,
    bind: SocketAddr,
    keep: bool,
    wiring: Wiring,
    console: &Console,
) -> Result<Dashboard> {
    let mut config = DashboardConfig::new(run_dir, title);
    config.bind = bind;
    config.keep_alive = keep;
    let (dashboard, info) = Dashboard::spawn_on_thread(config).with_context(|| {
        format!("cannot start the dashboard on {bind} (use --dashboard ADDR, or -n for none)")
    })?;
    console.say(&format!("Dashboard: {}", info.url()));
    for notice in &info.notices {
        console.note(&format!("dashboard: {notice}"));
    }
    let notes = console.clone();
    let Wiring {
        stop,
        wake,
        run_over,
    } = wiring;
    dashboard.on_stop(move || {
        if run_over.load(Ordering::Acquire) {
            notes.note("Stop pressed on the dashboard: closing it");
        } else if !stop.is_stopping() {
            notes.note(
                "stopping (Stop pressed on the dashboard): letting in-flight requests finish \
                 (Ctrl-C to abort)",
            );
        }
        stop.stop("dashboard");
        let _ = wake.send(Wake::DashboardStop);
    });
    Ok(dashboard)
}

/// The phases as the dashboard and the report show them, at their planned starts.
pub fn planned_phases(phases: &[PlannedPhase]) -> Vec<PhaseInfo> {
    let mut start = Duration::ZERO;
    phases
        .iter()
        .map(|p| {
            let info = PhaseInfo {
                number: p.number,
                start_s: start.as_secs_f64(),
                duration_s: p.duration.as_secs_f64(),
                users_per_second: p.rate_per_second,
            };
            start += p.duration;
            info
        })
        .collect()
}

/// The expected length of a run: `<load duration>`, else the end of its last phase.
pub fn planned_length(
    phases: &[PlannedPhase],
    load_duration: Option<Duration>,
) -> Option<Duration> {
    load_duration.or_else(|| {
        let total: Duration = phases.iter().map(|p| p.duration).sum();
        (!total.is_zero()).then_some(total)
    })
}

/// The dashboard's plan of a run.
pub fn plan(
    scenario: &str,
    scenario_path: &str,
    started_at: String,
    phases: &[PlannedPhase],
    load_duration: Option<Duration>,
    interval: Duration,
) -> RunPlan {
    RunPlan {
        scenario: scenario.to_owned(),
        scenario_path: scenario_path.to_owned(),
        started_at,
        planned: planned_length(phases, load_duration),
        phases: planned_phases(phases),
        interval,
    }
}

/// The dashboard's gauges from the engine's live status.
pub fn live_status(live: &stampede_engine::LiveStatus<'_>) -> stampede_dashboard::LiveStatus {
    let state = if live.stopping.is_some() {
        RunState::Stopping
    } else if live.users_launched == 0 && live.phase.is_none() {
        RunState::Starting
    } else {
        RunState::Running
    };
    stampede_dashboard::LiveStatus {
        elapsed: live.elapsed,
        phase: live.phase.map(|p| p.index as usize),
        phase_started: live.phase.map(|p| p.started),
        users: u64::try_from(live.users).unwrap_or(0),
        max_users: u64::try_from(live.users_max).unwrap_or(0),
        connected: u64::try_from(live.connected).unwrap_or(0),
        state,
    }
}

/// The dashboard's level for an engine log level.
pub fn level(level: stampede_engine::LogLevel) -> stampede_dashboard::LogLevel {
    use stampede_dashboard::LogLevel as D;
    use stampede_engine::LogLevel as E;
    match level {
        E::Error => D::Error,
        E::Warning => D::Warn,
        E::Notice | E::Info => D::Info,
        E::Debug => D::Debug,
    }
}
