//! Stopping a run from outside (Ctrl-C, `stampede stop`, the dashboard's Stop button).

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::Notify;

const RUNNING: u8 = 0;
const GRACEFUL: u8 = 1;
const ABORT: u8 = 2;

/// How a stop was asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StopKind {
    /// No new users; requests in flight may complete within `stop_grace`; then every user
    /// still running is cut (`error_abort`, outcome `test_stopped`).
    Graceful,
    /// Every user is cut now. What was measured is still flushed and reported.
    Abort,
}

/// A stop request and who made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StopRequest {
    pub kind: StopKind,
    /// Free text naming the requester (`Ctrl-C`, `dashboard`, …).
    pub by: String,
}

#[derive(Debug, Default)]
struct Inner {
    state: AtomicU8,
    by: Mutex<Option<String>>,
    notify: Notify,
}

/// Stops a running [`crate::run`] from any thread. Cheap to clone; every clone controls the
/// same run. A stop asked before the run starts makes it stop at once. An abort after a
/// graceful stop upgrades it; a graceful stop after an abort changes nothing.
#[derive(Clone, Debug, Default)]
pub struct StopHandle {
    inner: Arc<Inner>,
}

impl StopHandle {
    /// A handle for a run that has not been stopped.
    pub fn new() -> Self {
        Self::default()
    }

    /// Graceful stop: arrivals end, requests in flight complete (within `stop_grace`), then
    /// the remaining users are cut.
    pub fn stop(&self, by: &str) {
        self.request(GRACEFUL, by);
    }

    /// Immediate stop: every user is cut now; measurements are still flushed.
    pub fn abort(&self, by: &str) {
        self.request(ABORT, by);
    }

    fn request(&self, kind: u8, by: &str) {
        let previous = self.inner.state.fetch_max(kind, Ordering::AcqRel);
        if previous < kind {
            *self.inner.by.lock().unwrap_or_else(PoisonError::into_inner) = Some(by.to_owned());
            self.inner.notify.notify_one();
        }
    }

    /// The strongest stop asked for so far.
    pub fn requested(&self) -> Option<StopRequest> {
        let kind = match self.inner.state.load(Ordering::Acquire) {
            RUNNING => return None,
            GRACEFUL => StopKind::Graceful,
            _ => StopKind::Abort,
        };
        let by = self
            .inner
            .by
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .unwrap_or_default();
        Some(StopRequest { kind, by })
    }

    /// Whether any stop was asked for.
    pub fn is_stopping(&self) -> bool {
        self.inner.state.load(Ordering::Acquire) != RUNNING
    }

    /// The strength of the stop asked for so far (0 = none, 2 = abort).
    pub(crate) fn level(&self) -> u8 {
        self.inner.state.load(Ordering::Acquire)
    }

    /// Resolves once a stop stronger than `seen` (a [`StopHandle::level`]) is asked for.
    pub(crate) async fn stronger_than(&self, seen: u8) {
        while self.level() <= seen {
            self.inner.notify.notified().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abort_upgrades_graceful_but_not_the_reverse() {
        let h = StopHandle::new();
        assert_eq!(h.requested(), None);
        let other = h.clone();
        other.stop("Ctrl-C");
        assert_eq!(
            h.requested(),
            Some(StopRequest {
                kind: StopKind::Graceful,
                by: "Ctrl-C".into()
            })
        );
        h.abort("second Ctrl-C");
        assert_eq!(h.requested().unwrap().kind, StopKind::Abort);
        h.stop("dashboard");
        let r = h.requested().unwrap();
        assert_eq!((r.kind, r.by.as_str()), (StopKind::Abort, "second Ctrl-C"));
    }
}
