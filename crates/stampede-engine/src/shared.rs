//! State shared by every worker of the run. Nothing here is touched per request: file
//! cursors by `setdynvars`, interactions and the barrier by their actions, the event channel by
//! rare events (match log lines, snippet output, a user stopping the test, one traffic dump
//! batch per worker and flush), the live-user count once per user.

use crate::barrier::GlobalBarrier;
use crate::eval::SnippetCache;
use crate::observer::{LogLevel, MatchLine};
use stampede_metrics::Snapshot;
use stampede_session::Nanos;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use tokio::sync::{Notify, mpsc};

/// What workers tell the controller.
#[derive(Debug)]
pub(crate) enum Event {
    /// A worker's measurements since its last flush.
    Flushed {
        snapshot: Box<Snapshot>,
    },
    /// A worker's last measurements: all its users are gone.
    Final {
        worker: usize,
        snapshot: Box<Snapshot>,
        resent_requests: u64,
    },
    Log(LogLevel, String),
    Match(Box<MatchLine>),
    /// Lines for the traffic dump (`dumptraffic="protocol"`), one worker's since its last
    /// flush.
    Dump(String),
    /// `<match do="abort_test">` or `<abort type="all"/>`.
    StopTest {
        user_id: u64,
    },
}

/// Run-wide state, behind an `Arc`.
#[derive(Debug)]
pub(crate) struct Shared {
    /// `iter` cursors of the file servers, indexed by `FileId`.
    pub(crate) cursors: Box<[AtomicU64]>,
    /// Last `<interaction action="send">` time per id (a `TransactionId`).
    interactions: Mutex<Vec<Option<Nanos>>>,
    pub(crate) barrier: GlobalBarrier,
    pub(crate) snippets: SnippetCache,
    /// `file:read_file/1` is confined to this directory.
    pub(crate) scenario_dir: PathBuf,
    events: mpsc::UnboundedSender<Event>,
    /// Users dispatched to a worker and not yet gone, for the whole process.
    live: AtomicUsize,
    /// Users per worker, to dispatch arrivals to the least busy.
    worker_live: Box<[AtomicUsize]>,
    /// Signalled when `live` drops to zero.
    pub(crate) idle: Notify,
}

impl Shared {
    pub(crate) fn new(
        files: usize,
        transactions: usize,
        workers: usize,
        barrier: GlobalBarrier,
        snippets: SnippetCache,
        scenario_dir: PathBuf,
        events: mpsc::UnboundedSender<Event>,
    ) -> Self {
        Self {
            cursors: (0..files).map(|_| AtomicU64::new(0)).collect(),
            interactions: Mutex::new(vec![None; transactions]),
            barrier,
            snippets,
            scenario_dir,
            events,
            live: AtomicUsize::new(0),
            worker_live: (0..workers).map(|_| AtomicUsize::new(0)).collect(),
            idle: Notify::new(),
        }
    }

    /// Sends an event to the controller (dropped if the controller is gone).
    pub(crate) fn send(&self, event: Event) {
        let _ = self.events.send(event);
    }

    /// A log line for the run log.
    pub(crate) fn log(&self, level: LogLevel, text: String) {
        self.send(Event::Log(level, text));
    }

    /// Advances the `iter` cursor of a file server; returns its previous value.
    pub(crate) fn next_line(&self, file: usize) -> u64 {
        self.cursors
            .get(file)
            .map_or(0, |c| c.fetch_add(1, Ordering::Relaxed))
    }

    /// `<interaction action="send">`: remembers the time.
    pub(crate) fn interaction_send(&self, id: usize, now: Nanos) {
        let mut table = self
            .interactions
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(slot) = table.get_mut(id) {
            *slot = Some(now);
        }
    }

    /// `<interaction action="receive">`: the last send time of the same id, if any (it is not
    /// consumed: several receivers measure from the same send, as in Tsung).
    pub(crate) fn interaction_receive(&self, id: usize) -> Option<Nanos> {
        let table = self
            .interactions
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        table.get(id).copied().flatten()
    }

    /// A user is about to be handed to `worker`.
    pub(crate) fn user_dispatched(&self, worker: usize) {
        self.live.fetch_add(1, Ordering::AcqRel);
        if let Some(w) = self.worker_live.get(worker) {
            w.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A user of `worker` is gone (finished, cut, or never started).
    pub(crate) fn user_gone(&self, worker: usize) {
        if let Some(w) = self.worker_live.get(worker) {
            w.fetch_sub(1, Ordering::Relaxed);
        }
        if self.live.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.idle.notify_one();
        }
    }

    /// Users dispatched and not gone.
    pub(crate) fn live_users(&self) -> usize {
        self.live.load(Ordering::Acquire)
    }

    /// The worker with the fewest users (the first on ties, starting at `from`).
    pub(crate) fn least_busy_worker(&self, from: usize) -> usize {
        let n = self.worker_live.len().max(1);
        (0..n)
            .map(|i| (from + i) % n)
            .min_by_key(|&i| {
                self.worker_live
                    .get(i)
                    .map_or(usize::MAX, |w| w.load(Ordering::Relaxed))
            })
            .unwrap_or(0)
    }
}
