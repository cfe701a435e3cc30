//! The live web dashboard of a running load test (Tsung's port-8091 dashboard, rebuilt).
//!
//! # Pages and endpoints
//! | URL | What |
//! |---|---|
//! | `/status` (`/` redirects here) | elapsed and planned time, phase `n` of `N` with a timeline, users running and max, connected, request rate, mean and p99 response time and error rate of the last interval, HTTP codes, errors, session outcomes |
//! | `/report` | the run's HTML report (the same as the final `report.html`), regenerated from the data so far |
//! | `/graphs` | response time, throughput, users and connections, HTTP codes, errors, network, over time, with the phases marked |
//! | `/logs` | the run's log lines and the run directory with download links |
//! | `POST /api/stop` | stop the run gracefully (the pages ask for confirmation first); after the run with `-k`, close the dashboard |
//! | `/api/status` | JSON: Tsung's `ts_api:status` fields (`phase`, `phase_total`, `users`, `connected_users`, `request_rate`, `cpu_controller`) and more |
//! | `/api/series`, `/api/logs`, `/api/files` | JSON: interval series, log lines, run-directory listing |
//! | `/api/events` | server-sent events: `status`, `point`, `log`, `report`, `resync` |
//! | `/files/PATH` | a file of the run directory (`?download=1` to download) |
//!
//! Pages are self-contained (inline CSS and script, nothing loaded from elsewhere) and are
//! kept live by server-sent events; no page reloads itself.
//!
//! # Security
//! Bound to `127.0.0.1` by default; any other address produces a notice to print. On a
//! loopback address, requests with a foreign `Host` are refused (DNS rebinding). Stop is a
//! `POST` with a JSON body and a same-origin check, so another site cannot stop the run.
//! Only regular files inside the run directory are served. The pages cannot be framed.
//!
//! # Wiring (the CLI)
//! ```no_run
//! use stampede_dashboard::{Dashboard, DashboardConfig, LiveStatus, LogLevel, RunPlan, RunState};
//! use std::time::Duration;
//!
//! # fn main() -> Result<(), stampede_dashboard::DashboardError> {
//! # let run_dir = std::path::PathBuf::from("/tmp/run");
//! let mut config = DashboardConfig::new(&run_dir, "shop checkout");
//! config.keep_alive = false; // -k
//! // config.bind = stampede_dashboard::parse_bind("0.0.0.0:8091")?; // --dashboard ADDR
//! let (dashboard, info) = Dashboard::spawn_on_thread(config)?;
//! // The CLI prints: `Dashboard: {info.url()}`, then each of `info.notices`.
//! let mut stops = dashboard.stop_requests();
//! dashboard.set_plan(RunPlan { planned: Some(Duration::from_secs(600)), ..RunPlan::default() });
//! dashboard.log(LogLevel::Info, "run started");
//! // Every 0.5–1 s:
//! dashboard.publish_status(LiveStatus { users: 10, state: RunState::Running, ..LiveStatus::default() });
//! // At each closed interval: `dashboard.publish_interval(closed.summary)` and
//! // `dashboard.publish_report(StatsFile::build(…))`.
//! if stops.take() { /* stop the engine gracefully */ }
//! // At the end: publish the final report, then `dashboard.finished(outcome)`; with -k,
//! // `stops.wait_timeout(…)` (or Ctrl-C) before `dashboard.shutdown()`.
//! dashboard.shutdown();
//! # Ok(())
//! # }
//! ```

mod config;
mod error;
mod handle;
mod hub;
mod input;
mod live;
mod log_writer;
mod pages;
mod server;
mod stop;
pub mod views;

pub use config::{
    DEFAULT_LOG_CAPACITY, DEFAULT_PORT, DEFAULT_PORT_ATTEMPTS, DashboardConfig, StartInfo,
    parse_bind,
};
pub use error::DashboardError;
pub use handle::{Dashboard, start};
pub use input::{LiveStatus, LogLevel, LogLine, RunPlan, RunState};
pub use live::{MAX_LOG_LINE, MAX_POINTS};
pub use log_writer::LogWriter;
pub use stop::StopRequests;
