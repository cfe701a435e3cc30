//! Ctrl-C and SIGTERM during a run. The first stops the run gracefully (no new users, requests
//! in flight finish, every result is written), the next one aborts (every user is cut at once;
//! results are still written), a third exits at once without writing them. A stop already
//! asked for elsewhere (the dashboard, `stampede stop`) counts as the first. After the run,
//! with `-k`, a signal closes the kept dashboard.

use crate::exit;
use crate::terminal::Console;
use anyhow::{Context, Result, anyhow};
use stampede_engine::{StopHandle, StopKind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};

/// Something that should wake the main thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wake {
    /// Ctrl-C or SIGTERM.
    Signal,
    /// The dashboard's Stop button.
    DashboardStop,
}

/// The signal watcher of a run.
#[derive(Debug)]
pub struct Signals {
    tx: Sender<Wake>,
    rx: Receiver<Wake>,
    over: Arc<AtomicBool>,
}

impl Signals {
    /// Takes over SIGINT and SIGTERM for the rest of the process's life: stop requests go to
    /// `stop`, messages to `console`.
    pub fn install(stop: StopHandle, console: Console) -> Result<Self> {
        let (tx, rx) = mpsc::channel();
        let over = Arc::new(AtomicBool::new(false));
        let (ready_tx, ready_rx) = mpsc::channel::<Result<()>>();
        let wake = tx.clone();
        let after_run = Arc::clone(&over);
        std::thread::Builder::new()
            .name("stampede-signals".to_owned())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_io()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(anyhow!(e)));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let streams = signal(SignalKind::interrupt())
                        .and_then(|int| Ok((int, signal(SignalKind::terminate())?)));
                    let (mut int, mut term) = match streams {
                        Ok(s) => s,
                        Err(e) => {
                            let _ = ready_tx.send(Err(anyhow!(e)));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(()));
                    loop {
                        let by = tokio::select! {
                            _ = int.recv() => "Ctrl-C",
                            _ = term.recv() => "SIGTERM",
                        };
                        if after_run.load(Ordering::Acquire) {
                            console.note(&format!("{by}: closing the dashboard"));
                        } else {
                            escalate(&stop, by, &console);
                        }
                        let _ = wake.send(Wake::Signal);
                    }
                });
            })
            .context("cannot start the signal thread")?;
        ready_rx
            .recv()
            .map_err(|_| anyhow!("the signal thread ended"))?
            .context("cannot watch Ctrl-C and SIGTERM")?;
        Ok(Self { tx, rx, over })
    }

    /// A sender for other sources of wake-ups (the dashboard's Stop).
    pub fn sender(&self) -> Sender<Wake> {
        self.tx.clone()
    }

    /// Set once the run is over (for the dashboard's Stop button).
    pub fn over_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.over)
    }

    /// The run is over: from now on a signal only wakes [`Signals::wait`]. Wake-ups from
    /// during the run are forgotten.
    pub fn run_over(&self) {
        self.over.store(true, Ordering::Release);
        while self.rx.try_recv().is_ok() {}
    }

    /// Waits for a wake-up.
    pub fn wait(&self) -> Option<Wake> {
        self.rx.recv().ok()
    }

    /// Waits for a wake-up, at most `timeout`.
    pub fn wait_timeout(&self, timeout: Duration) -> Option<Wake> {
        self.rx.recv_timeout(timeout).ok()
    }
}

/// One more stop request from `by`: stop, then abort, then exit.
fn escalate(stop: &StopHandle, by: &str, console: &Console) {
    match stop.requested().map(|r| r.kind) {
        None => {
            stop.stop(by);
            let again = if by == "Ctrl-C" {
                "Ctrl-C again"
            } else {
                "Ctrl-C or `stampede stop` again"
            };
            console.note(&format!(
                "stopping ({by}): letting in-flight requests finish ({again} to abort)"
            ));
        }
        Some(StopKind::Graceful) => {
            stop.abort(by);
            console.note(&format!(
                "aborting ({by}): every user is cut now; the results measured so far are \
                 still written ({by} again to exit at once without writing them)"
            ));
        }
        Some(StopKind::Abort) => {
            console.note(&format!(
                "{by} again: exiting now; the results are NOT written"
            ));
            std::process::exit(i32::from(exit::ABORTED));
        }
    }
}
