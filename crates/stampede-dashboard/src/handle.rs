//! Starting the dashboard, and the handle the run publishes through.

use crate::config::{DashboardConfig, StartInfo, notices, url_of};
use crate::error::DashboardError;
use crate::hub::Hub;
use crate::input::{LiveStatus, LogLevel, LogLine, RunPlan};
use crate::live::{Identity, LiveState};
use crate::log_writer::LogWriter;
use crate::server::{self, HostGuard};
use crate::stop::StopRequests;
use stampede_metrics::IntervalSummary;
use stampede_report::{RunOutcome, StatsFile};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::watch;

/// A running dashboard. Cheap to clone; every method is synchronous and quick (a short lock,
/// no I/O), so the run can call them from any thread, async or not.
///
/// The server stops on [`Dashboard::shutdown`], or when the last clone is dropped.
#[derive(Clone, Debug)]
pub struct Dashboard {
    hub: Arc<Hub>,
    control: Arc<Control>,
}

#[derive(Debug)]
struct Control {
    hub: Arc<Hub>,
    addr: SocketAddr,
    closed: watch::Receiver<bool>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Drop for Control {
    fn drop(&mut self) {
        self.hub.shutdown.send_replace(true);
    }
}

/// Starts the dashboard on the current tokio runtime (the server runs in a spawned task).
/// The run directory must exist.
pub async fn start(config: DashboardConfig) -> Result<(Dashboard, StartInfo), DashboardError> {
    let run_dir = config
        .run_dir
        .canonicalize()
        .map_err(|source| DashboardError::RunDir {
            path: config.run_dir.clone(),
            source,
        })?;
    let listener = server::bind(config.bind, config.port_attempts).await?;
    let addr = listener
        .local_addr()
        .map_err(|source| DashboardError::Bind {
            addr: config.bind,
            source,
        })?;
    let identity = Identity {
        title: config.title.clone(),
        run_dir: run_dir.display().to_string(),
        keep_alive: config.keep_alive,
    };
    let hub = Arc::new(Hub::new(
        LiveState::new(identity, config.log_capacity),
        run_dir,
    ));
    let (closed_tx, closed) = watch::channel(false);
    let guard = HostGuard::new(addr, &config.allowed_hosts);
    let serving = Arc::clone(&hub);
    tokio::spawn(async move {
        server::serve(listener, serving, guard).await;
        closed_tx.send_replace(true);
    });
    let info = StartInfo {
        addr,
        requested: config.bind,
        notices: notices(config.bind, addr),
    };
    let control = Arc::new(Control {
        hub: Arc::clone(&hub),
        addr,
        closed,
        thread: Mutex::new(None),
    });
    Ok((Dashboard { hub, control }, info))
}

impl Dashboard {
    /// Starts the dashboard on a thread of its own (named `stampede-dashboard`, with a
    /// single-threaded tokio runtime), for callers without a runtime. Returns once it listens.
    pub fn spawn_on_thread(
        config: DashboardConfig,
    ) -> Result<(Dashboard, StartInfo), DashboardError> {
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("stampede-dashboard".to_owned())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = tx.send(Err(DashboardError::Thread(e)));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match start(config).await {
                        Ok((dashboard, info)) => {
                            // Only the caller holds the handle: dropping it stops the server.
                            let mut closed = dashboard.control.closed.clone();
                            if tx.send(Ok((dashboard, info))).is_ok() {
                                let _ = closed.wait_for(|c| *c).await;
                            }
                        }
                        Err(e) => {
                            let _ = tx.send(Err(e));
                        }
                    }
                });
            })
            .map_err(DashboardError::Thread)?;
        let started = rx.recv().map_err(|_| {
            DashboardError::Thread(std::io::Error::other("the dashboard's thread ended"))
        });
        match started {
            Ok(Ok((dashboard, info))) => {
                *dashboard
                    .control
                    .thread
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = Some(thread);
                Ok((dashboard, info))
            }
            Ok(Err(e)) | Err(e) => {
                let _ = thread.join();
                Err(e)
            }
        }
    }

    /// The address listened on.
    pub fn addr(&self) -> SocketAddr {
        self.control.addr
    }

    /// The URL to print (`http://127.0.0.1:8091/`).
    pub fn url(&self) -> String {
        url_of(self.control.addr)
    }

    /// What the run is going to do (scenario, phases, planned length). Call once, early.
    pub fn set_plan(&self, plan: RunPlan) {
        self.hub.with(|live| live.set_plan(plan));
        self.hub.touch();
    }

    /// The run's gauges, as often as convenient (every 0.5–1 s).
    pub fn publish_status(&self, status: LiveStatus) {
        self.hub.with(|live| live.apply_status(status));
        self.hub.touch();
    }

    /// A closed statistics interval (from `Aggregator::close_interval`).
    pub fn publish_interval(&self, summary: &IntervalSummary) {
        let point = self.hub.with(|live| live.apply_interval(summary));
        self.hub.push("point", &point);
        self.hub.touch();
    }

    /// The run so far as a `stats.json` document, for the Report page (rendered only when a
    /// browser asks for it). Publish one per closed interval, and the final one at the end.
    pub fn publish_report(&self, stats: impl Into<Arc<StatsFile>>) {
        let version = self.hub.with(|live| live.set_report(stats.into()));
        self.hub
            .push("report", &serde_json::json!({ "version": version }));
        self.hub.touch();
    }

    /// Adds a line to the Logs page.
    pub fn log(&self, level: LogLevel, text: impl Into<String>) {
        self.log_line(LogLine::now(level, text));
    }

    /// Adds a line to the Logs page, with its own time stamp.
    pub fn log_line(&self, line: LogLine) {
        self.hub.log(line);
    }

    /// An [`std::io::Write`] that adds each line written to the Logs page (e.g. as a second
    /// writer of the program's log formatter). It does not keep the server running.
    pub fn log_writer(&self) -> LogWriter {
        LogWriter::new(Arc::clone(&self.hub))
    }

    /// The run is over and its outputs are written. Publish the final report first.
    pub fn finished(&self, outcome: RunOutcome) {
        let text = format!("run finished: {}", outcome.reason.describe());
        self.hub.with(|live| live.finish(outcome));
        self.log(LogLevel::Info, text);
        self.hub.touch();
    }

    /// Stop requests made from now on.
    pub fn stop_requests(&self) -> StopRequests {
        StopRequests::new(Arc::clone(&self.hub.stop))
    }

    /// Calls `callback` (on the dashboard's thread) at each Stop request. Keep it short:
    /// set a flag, send on a channel.
    pub fn on_stop(&self, callback: impl Fn() + Send + Sync + 'static) {
        self.hub.stop.on_press(Arc::new(callback));
    }

    /// Stops the server: event streams end, open downloads get two seconds. When started with
    /// [`Dashboard::spawn_on_thread`], also waits for its thread (call it from plain threads,
    /// not from async code).
    pub fn shutdown(&self) {
        self.hub.shutdown.send_replace(true);
        let thread = self
            .control
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(thread) = thread
            && thread.thread().id() != std::thread::current().id()
        {
            let _ = thread.join();
        }
    }

    /// Waits until the server has stopped.
    pub async fn closed(&self) {
        let mut closed = self.control.closed.clone();
        let _ = closed.wait_for(|c| *c).await;
    }

    /// Whether the server has stopped.
    pub fn is_closed(&self) -> bool {
        *self.control.closed.borrow() || self.hub.is_shutting_down()
    }
}
