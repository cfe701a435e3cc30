//! State shared by the publishing side and every HTTP request: the live picture behind a
//! mutex (held briefly, never across an await), a version counter that wakes the
//! server-sent-event streams, and a broadcast of incremental events.

use crate::live::LiveState;
use crate::stop::StopSwitch;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::{broadcast, watch};

/// Incremental events kept for slow subscribers before they must resynchronise.
const EVENT_BACKLOG: usize = 512;

/// One incremental event, serialised once for every subscriber.
#[derive(Clone, Debug)]
pub(crate) struct Push {
    /// SSE event name: `point`, `log`, `report`.
    pub event: &'static str,
    /// JSON payload.
    pub data: Arc<str>,
}

#[derive(Debug)]
pub(crate) struct Hub {
    live: Mutex<LiveState>,
    changed: watch::Sender<u64>,
    events: broadcast::Sender<Push>,
    pub(crate) stop: Arc<StopSwitch>,
    /// Canonical run directory.
    pub(crate) run_dir: PathBuf,
    pub(crate) shutdown: watch::Sender<bool>,
    status_cache: Mutex<Option<(u64, Arc<str>)>>,
    report_cache: Mutex<Option<(u64, Arc<str>)>>,
}

impl Hub {
    pub(crate) fn new(live: LiveState, run_dir: PathBuf) -> Self {
        Self {
            live: Mutex::new(live),
            changed: watch::Sender::new(0),
            events: broadcast::Sender::new(EVENT_BACKLOG),
            stop: Arc::new(StopSwitch::new()),
            run_dir,
            shutdown: watch::Sender::new(false),
            status_cache: Mutex::new(None),
            report_cache: Mutex::new(None),
        }
    }

    /// Runs `f` on the live state.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut LiveState) -> R) -> R {
        let mut live = self.live.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut live)
    }

    /// Tells the event streams that the status changed.
    pub(crate) fn touch(&self) {
        self.changed.send_modify(|v| *v += 1);
    }

    pub(crate) fn subscribe_changes(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    pub(crate) fn subscribe_events(&self) -> broadcast::Receiver<Push> {
        self.events.subscribe()
    }

    /// Broadcasts an incremental event (dropped when nobody listens).
    pub(crate) fn push(&self, event: &'static str, value: &impl Serialize) {
        if self.events.receiver_count() == 0 {
            return;
        }
        if let Ok(json) = serde_json::to_string(value) {
            let _ = self.events.send(Push {
                event,
                data: json.into(),
            });
        }
    }

    /// The status JSON, built once per change.
    pub(crate) fn status_json(&self) -> Arc<str> {
        let version = *self.changed.borrow();
        let mut cache = self
            .status_cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((v, json)) = cache.as_ref()
            && *v == version
        {
            return Arc::clone(json);
        }
        let view = self.with(|live| live.status_view());
        let json: Arc<str> = serde_json::to_string(&view)
            .unwrap_or_else(|_| "{}".to_owned())
            .into();
        *cache = Some((version, Arc::clone(&json)));
        json
    }

    /// The live report's HTML, rendered once per published report; `None` before the first.
    /// Rendering takes a while on long runs: call it off the async threads.
    pub(crate) fn report_html(&self) -> Option<(u64, Arc<str>)> {
        let (version, stats) = self.with(|live| live.report())?;
        if let Some((v, html)) = self
            .report_cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            && *v == version
        {
            return Some((version, Arc::clone(html)));
        }
        let html: Arc<str> = stampede_report::html::render(&stats).into();
        *self
            .report_cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some((version, Arc::clone(&html)));
        Some((version, html))
    }

    /// Adds a log line and tells the event streams.
    pub(crate) fn log(&self, line: crate::input::LogLine) {
        let view = self.with(|live| live.push_log(line));
        self.push("log", &view);
    }

    pub(crate) fn is_shutting_down(&self) -> bool {
        *self.shutdown.borrow()
    }
}
