//! What the CLI does with the engine's events while a run goes on: the run's files, the
//! dashboard, the terminal progress and the live status file of `stampede status`.

use super::dashboard as dash;
use super::files::RunFiles;
use super::outputs::{self, RunFacts};
use super::progress::{Progress, ProgressView};
use super::status_file::{LiveFile, RunState};
use super::window::RateWindow;
use crate::terminal::Console;
use stampede_dashboard::Dashboard;
use stampede_engine::{
    LiveStatus, LogLevel, MatchLine, PhaseEnd, PhaseStart, PlannedPhase, RunObserver, RunStarted,
};
use stampede_metrics::{ClosedInterval, IntervalSummary, Layout};
use stampede_model::ErrorClass;
use stampede_report::{PhaseInfo, StatsFile, local_rfc3339};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// What to do about `error_connect_tls`.
pub const TLS_HINT: &str = "TLS handshakes failed (error_connect_tls): if the server's \
     certificate is self-signed or from a private authority, run again with --insecure to \
     accept it";

/// What the run looks like once it started.
#[derive(Debug)]
struct Plan {
    started_at: SystemTime,
    seed: u64,
    layout: Layout,
    phases: Vec<PlannedPhase>,
    planned: Option<Duration>,
}

/// The figures the terminal and the status file show, kept between events.
#[derive(Debug)]
struct Gauges {
    rate: RateWindow,
    last_p99_ms: Option<f64>,
    last_view: ProgressView,
    errors_so_far: u64,
}

/// The engine observer of `start` and `demo`.
#[derive(Debug)]
pub struct CliObserver {
    console: Console,
    progress: Progress,
    facts: RunFacts,
    insecure: bool,
    files: RunFiles,
    dashboard: Option<Dashboard>,
    status_path: PathBuf,
    status_failed: bool,
    plan: Option<Plan>,
    phase_starts: Vec<(u32, Duration)>,
    series: Vec<IntervalSummary>,
    gauges: Gauges,
    tls_hint_given: bool,
}

impl CliObserver {
    /// An observer writing `files`, feeding `dashboard` and the status file at `status_path`.
    pub fn new(
        console: &Console,
        progress: Progress,
        facts: RunFacts,
        insecure: bool,
        files: RunFiles,
        dashboard: Option<Dashboard>,
        status_path: PathBuf,
    ) -> Self {
        Self {
            console: console.clone(),
            progress,
            gauges: Gauges {
                rate: RateWindow::new(facts.interval),
                last_p99_ms: None,
                last_view: ProgressView::default(),
                errors_so_far: 0,
            },
            facts,
            insecure,
            files,
            dashboard,
            status_path,
            status_failed: false,
            plan: None,
            phase_starts: Vec::new(),
            series: Vec::new(),
            tls_hint_given: false,
        }
    }

    /// The phases that started, at the time they actually started.
    pub fn phases(&self) -> Vec<PhaseInfo> {
        let Some(plan) = &self.plan else {
            return Vec::new();
        };
        self.phase_starts
            .iter()
            .filter_map(|&(index, at)| {
                let p = plan.phases.get(index as usize)?;
                Some(PhaseInfo {
                    number: p.number,
                    start_s: at.as_secs_f64(),
                    duration_s: p.duration.as_secs_f64(),
                    users_per_second: p.rate_per_second,
                })
            })
            .collect()
    }

    /// The run is over: ends the live line and closes the files. Returns every file that
    /// could not be written completely.
    pub fn close(&mut self, at: SystemTime) -> Vec<String> {
        self.progress.finish();
        self.files.close(at)
    }

    /// A line of the run log.
    pub fn run_log(&mut self, level: &str, text: &str) {
        self.files.log(level, text);
    }

    fn view(&self, live: &LiveStatus<'_>, rate: f64) -> ProgressView {
        let open = &live.open_interval.request;
        let p99_ms = self.gauges.last_p99_ms.or_else(|| {
            (open.count > 0)
                .then(|| open.quantile_ns(0.99))
                .flatten()
                .map(|ns| ns as f64 / 1e6)
        });
        ProgressView {
            elapsed: live.elapsed,
            planned: self.plan.as_ref().and_then(|p| p.planned),
            phase: live.phase.map(|p| (p.index + 1, p.count)),
            users: live.users,
            rate,
            errors: live.errors,
            p99_ms,
            stopping: live.stopping,
        }
    }

    fn write_status(&mut self, live: &LiveStatus<'_>, rate: f64) {
        let state = if live.stopping.is_some() {
            RunState::Stopping
        } else if live.users_launched == 0 && live.phase.is_none() {
            RunState::Starting
        } else {
            RunState::Running
        };
        let phase_total = self
            .plan
            .as_ref()
            .map_or(0, |p| u32::try_from(p.phases.len()).unwrap_or(u32::MAX));
        let file = LiveFile {
            state,
            updated_unix_ms: outputs::unix_ms(SystemTime::now()),
            elapsed_s: live.elapsed.as_secs_f64(),
            request_rate: rate,
            users: live.users,
            users_max: live.users_max,
            connected: live.connected,
            requests: live.requests,
            errors: live.errors,
            phase: live.phase.map(|p| p.index + 1),
            phase_total,
            arrivals_over: live.phase.is_none() && live.elapsed >= live.planned_arrivals,
        };
        if let Err(e) = file.write(&self.status_path)
            && !self.status_failed
        {
            // Only `stampede status` is affected.
            self.status_failed = true;
            self.console.warn(&format!(
                "{}: {e} (`stampede status` cannot follow this run)",
                self.status_path.display()
            ));
        }
    }

    fn check_tls(&mut self, summary: &IntervalSummary) {
        let tls = summary
            .errors
            .get(ErrorClass::ConnectTls.index())
            .copied()
            .unwrap_or(0);
        if tls == 0 || self.insecure || self.tls_hint_given {
            return;
        }
        self.tls_hint_given = true;
        let text = format!("{TLS_HINT} ({tls} in the last interval)");
        self.console.warn(&text);
        self.files.log("warning", &text);
        if let Some(d) = &self.dashboard {
            d.log(stampede_dashboard::LogLevel::Warn, text);
        }
    }

    /// The run so far, for the dashboard's Report page.
    fn publish_report(&self, closed: &ClosedInterval<'_>, elapsed: Duration) {
        let (Some(d), Some(plan)) = (&self.dashboard, &self.plan) else {
            return;
        };
        let info = outputs::run_info(
            &self.facts,
            Some(plan.seed),
            plan.started_at,
            elapsed,
            self.phases(),
            outputs::in_progress(elapsed),
        );
        d.publish_report(StatsFile::build(
            info,
            &plan.layout,
            &self.series,
            closed.cumulative,
        ));
    }
}

impl RunObserver for CliObserver {
    fn run_started(&mut self, started: &RunStarted<'_>) {
        let planned = dash::planned_length(started.phases, started.load_duration);
        self.plan = Some(Plan {
            started_at: started.started_at,
            seed: started.seed,
            layout: started.layout.clone(),
            phases: started.phases.to_vec(),
            planned,
        });
        self.progress.started(planned);
        let text = format!(
            "seed {} (repeat the run with --seed {}), {} worker thread{}",
            started.seed,
            started.seed,
            started.workers,
            if started.workers == 1 { "" } else { "s" }
        );
        self.console.note(&text);
        self.files.log("info", &format!("run started: {text}"));
        if let Some(d) = &self.dashboard {
            d.set_plan(dash::plan(
                &self.facts.scenario.name,
                &self.facts.scenario.path,
                local_rfc3339(started.started_at),
                started.phases,
                started.load_duration,
                self.facts.interval,
            ));
            d.log(
                stampede_dashboard::LogLevel::Info,
                format!("run started: {text}"),
            );
        }
    }

    fn phase_started(&mut self, phase: &PhaseStart) {
        self.phase_starts.push((phase.index, phase.at));
        let total = self.plan.as_ref().map_or(0, |p| p.phases.len());
        let text = format!(
            "phase {} of {total} started at {:.1} s: {} users planned over {:.0} s",
            phase.index + 1,
            phase.at.as_secs_f64(),
            phase.users,
            phase.duration.as_secs_f64()
        );
        self.files.log("info", &text);
        if let Some(d) = &self.dashboard {
            d.log(stampede_dashboard::LogLevel::Info, text);
        }
    }

    fn phase_ended(&mut self, phase: &PhaseEnd) {
        let text = format!(
            "phase {} ended at {:.1} s: {} of {} users started",
            phase.index + 1,
            phase.at.as_secs_f64(),
            phase.launched,
            phase.planned
        );
        self.files.log("info", &text);
    }

    fn interval_closed(&mut self, closed: &ClosedInterval<'_>) {
        let summary = closed.summary;
        self.files.interval(summary);
        self.series.push(summary.clone());
        self.check_tls(summary);
        let elapsed = Duration::from_nanos(summary.end_ns);
        if let Some(d) = &self.dashboard {
            d.publish_interval(summary);
        }
        self.publish_report(closed, elapsed);

        let g = &mut self.gauges;
        g.errors_so_far += summary.errors.iter().sum::<u64>();
        g.last_p99_ms = (summary.request.count > 0).then(|| summary.request.p99 as f64 / 1e6);
        let duration = summary.duration_s();
        let view = ProgressView {
            elapsed,
            users: summary.users,
            rate: if duration > 0.0 {
                summary.request.count as f64 / duration
            } else {
                0.0
            },
            errors: g.errors_so_far,
            p99_ms: g.last_p99_ms,
            ..g.last_view.clone()
        };
        self.progress.interval(&view);
    }

    fn progress(&mut self, live: &LiveStatus<'_>) {
        self.gauges.rate.push(live.elapsed, live.requests);
        let rate = self.gauges.rate.rate();
        let view = self.view(live, rate);
        self.progress.flush(&view);
        self.gauges.last_view = view;
        if let Some(d) = &self.dashboard {
            d.publish_status(dash::live_status(live));
        }
        self.write_status(live, rate);
    }

    fn match_logged(&mut self, line: &MatchLine) {
        self.files.match_line(line);
    }

    fn traffic_dumped(&mut self, lines: &str) {
        self.files.traffic_dump(lines);
    }

    fn log(&mut self, level: LogLevel, text: &str) {
        let word = match level {
            LogLevel::Error => "error",
            LogLevel::Warning => "warning",
            LogLevel::Notice => "notice",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
        };
        self.files.log(word, text);
        if let Some(d) = &self.dashboard {
            d.log(dash::level(level), text);
        }
        match level {
            LogLevel::Error => self.console.error(text),
            LogLevel::Warning => self.console.warn(text),
            LogLevel::Notice => self.console.note(text),
            LogLevel::Info | LogLevel::Debug => {}
        }
    }
}
