//! [`TargetApp`]: start, observe and stop the target web application.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::app::{self, Shared};
use crate::counts::Counts;
use crate::faults::FaultControl;
use crate::server;
use crate::store::{Seeds, Store};

/// How to start a [`TargetApp`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppConfig {
    /// Where to listen. Must be a loopback address; the default `127.0.0.1:0` picks a free
    /// port.
    pub bind: SocketAddr,
    /// Seed of the generator behind tokens and session ids (runs are reproducible).
    pub seed: u64,
    /// Users created at start: `user1`…`userN`, ids 1…N, password [`crate::SEED_PASSWORD`].
    pub seed_users: u32,
    /// Communities created at start: `community1`…`communityM`, ids 1…M, owned by user 1
    /// (needs `seed_users >= 1`).
    pub seed_communities: u32,
    /// Submissions created in each seeded community (ids in community order, from 1).
    pub submissions_per_community: u32,
    /// Serve the `/_control/faults` and `/_control/counts` endpoints.
    pub control_endpoint: bool,
    /// Worker threads of the runtime [`TargetApp::start_blocking`] creates.
    pub worker_threads: usize,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            seed: 0x5EED,
            seed_users: 10,
            seed_communities: 5,
            submissions_per_community: 3,
            control_endpoint: true,
            worker_threads: 1,
        }
    }
}

#[derive(Debug)]
enum Runner {
    /// Serving as a task on the caller's runtime.
    Task(tokio::task::JoinHandle<()>),
    /// Serving on a runtime of its own, on this thread.
    Thread(std::thread::JoinHandle<()>),
}

/// The target web application, listening on loopback.
///
/// Every request is counted (see [`TargetApp::counts`]) and may be subjected to faults
/// (see [`TargetApp::faults`]). Dropping the handle stops the server too, without waiting.
#[derive(Debug)]
pub struct TargetApp {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    runner: Runner,
}

/// Binds the listener and builds the router and state.
async fn prepare(config: &AppConfig) -> io::Result<(TcpListener, axum::Router, Arc<Shared>)> {
    if !config.bind.ip().is_loopback() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "the target app only listens on loopback, not {}",
                config.bind
            ),
        ));
    }
    let listener = TcpListener::bind(config.bind).await?;
    let addr = listener.local_addr()?;
    let store = Store::new(
        config.seed,
        Seeds {
            users: config.seed_users,
            communities: config.seed_communities,
            submissions_per_community: config.submissions_per_community,
        },
    );
    let shared = Arc::new(Shared::new(addr, store));
    let router = app::router(shared.clone(), config.control_endpoint);
    Ok((listener, router, shared))
}

impl TargetApp {
    /// Starts the app on the current tokio runtime (which needs its I/O and time drivers).
    pub async fn start(config: AppConfig) -> io::Result<TargetApp> {
        let (listener, router, shared) = prepare(&config).await?;
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(server::serve(listener, router, stop_rx));
        Ok(TargetApp {
            addr: shared.addr,
            shared,
            stop,
            runner: Runner::Task(task),
        })
    }

    /// Starts the app on a runtime of its own, in a new thread; for tests and tools
    /// without a runtime. Stop it with [`TargetApp::shutdown_blocking`].
    pub fn start_blocking(config: AppConfig) -> io::Result<TargetApp> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(config.worker_threads.max(1))
            .thread_name("stampede-target-app")
            .enable_all()
            .build()?;
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop, stop_rx) = watch::channel(false);
        let thread = std::thread::Builder::new()
            .name("stampede-target-app".into())
            .spawn(move || {
                runtime.block_on(async move {
                    match prepare(&config).await {
                        Ok((listener, router, shared)) => {
                            let _ = ready_tx.send(Ok(shared));
                            server::serve(listener, router, stop_rx).await;
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
            })?;
        let shared = ready_rx
            .recv()
            .map_err(|_| io::Error::other("the target app thread ended before it was ready"))??;
        Ok(TargetApp {
            addr: shared.addr,
            shared,
            stop,
            runner: Runner::Thread(thread),
        })
    }

    /// The address the app listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The requests served so far, by route pattern, method and outcome. A request is
    /// counted before its response is written, so any response a client has received is
    /// already counted. Requests to `/_control/…` are not counted; requests hyper rejects
    /// before routing (unparsable request heads) are not either.
    pub fn counts(&self) -> Counts {
        self.shared.counter.snapshot()
    }

    /// Forgets every count.
    pub fn reset_counts(&self) {
        self.shared.counter.reset();
    }

    /// The fault rules, to add or clear faults.
    pub fn faults(&self) -> &FaultControl {
        &self.shared.faults
    }

    /// Stops accepting, lets in-flight requests finish (stalled ones are cut; anything
    /// still running after 5 s is cut), and returns when the server is gone.
    pub async fn shutdown(self) {
        self.stop.send_replace(true);
        match self.runner {
            Runner::Task(task) => {
                let _ = task.await;
            }
            Runner::Thread(thread) => {
                let _ = tokio::task::spawn_blocking(move || thread.join()).await;
            }
        }
    }

    /// [`TargetApp::shutdown`] for callers without a runtime. For an app started with
    /// [`TargetApp::start`] this only signals the server, which stops on its runtime.
    pub fn shutdown_blocking(self) {
        self.stop.send_replace(true);
        if let Runner::Thread(thread) = self.runner {
            let _ = thread.join();
        }
    }
}
