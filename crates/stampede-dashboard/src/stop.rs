//! Stop requests from the dashboard's Stop button, for async and blocking callers alike.

use std::fmt;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::watch;

type Callback = Arc<dyn Fn() + Send + Sync>;

/// Counts presses of the Stop button and wakes whoever waits for one.
pub(crate) struct StopSwitch {
    presses: Mutex<u64>,
    woken: Condvar,
    tx: watch::Sender<u64>,
    callbacks: Mutex<Vec<Callback>>,
}

impl fmt::Debug for StopSwitch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StopSwitch")
            .field("presses", &*self.tx.borrow())
            .finish_non_exhaustive()
    }
}

impl StopSwitch {
    pub(crate) fn new() -> Self {
        Self {
            presses: Mutex::new(0),
            woken: Condvar::new(),
            tx: watch::Sender::new(0),
            callbacks: Mutex::new(Vec::new()),
        }
    }

    /// Records a press and tells every waiter and callback.
    pub(crate) fn press(&self) {
        let n = {
            let mut presses = self.presses.lock().unwrap_or_else(PoisonError::into_inner);
            *presses += 1;
            *presses
        };
        self.woken.notify_all();
        self.tx.send_replace(n);
        let callbacks: Vec<Callback> = self
            .callbacks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        for callback in callbacks {
            callback();
        }
    }

    pub(crate) fn presses(&self) -> u64 {
        *self.presses.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn on_press(&self, callback: Callback) {
        self.callbacks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(callback);
    }
}

/// Receives the Stop requests made on the dashboard after it was created
/// ([`crate::Dashboard::stop_requests`]).
///
/// During a run, a request means "stop the test gracefully"; after the run with `-k`, it
/// means "close the dashboard".
pub struct StopRequests {
    switch: Arc<StopSwitch>,
    rx: watch::Receiver<u64>,
    seen: u64,
}

impl fmt::Debug for StopRequests {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StopRequests")
            .field("seen", &self.seen)
            .finish_non_exhaustive()
    }
}

impl StopRequests {
    pub(crate) fn new(switch: Arc<StopSwitch>) -> Self {
        let rx = switch.tx.subscribe();
        let seen = switch.presses();
        Self { switch, rx, seen }
    }

    /// Whether a request came that [`take`](Self::take) or a wait has not consumed yet.
    pub fn is_pending(&self) -> bool {
        self.switch.presses() > self.seen
    }

    /// Consumes a pending request; `true` if there was one.
    pub fn take(&mut self) -> bool {
        let now = self.switch.presses();
        let pending = now > self.seen;
        self.seen = now;
        pending
    }

    /// Waits (async) for the next request.
    pub async fn requested(&mut self) {
        let seen = self.seen;
        // The sender lives as long as `self.switch`, so this only returns Ok.
        let _ = self.rx.wait_for(|n| *n > seen).await;
        self.seen = self.switch.presses();
    }

    /// Blocks until the next request or `timeout`; `true` if a request came.
    pub fn wait_timeout(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut presses = self
            .switch
            .presses
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        while *presses <= self.seen {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            presses = self
                .switch
                .woken
                .wait_timeout(presses, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        self.seen = *presses;
        true
    }

    /// A raw watch receiver of the number of requests so far.
    pub fn watch(&self) -> watch::Receiver<u64> {
        self.rx.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_seen_once() {
        let switch = Arc::new(StopSwitch::new());
        switch.press();
        let mut r = StopRequests::new(Arc::clone(&switch));
        assert!(!r.is_pending(), "presses before creation are not requests");
        assert!(!r.wait_timeout(Duration::from_millis(1)));
        switch.press();
        assert!(r.is_pending());
        assert!(r.wait_timeout(Duration::from_millis(1)));
        assert!(!r.take());
        switch.press();
        assert!(r.take());
        assert!(!r.is_pending());
    }

    #[test]
    fn blocking_waiters_wake_on_a_press_from_another_thread() {
        let switch = Arc::new(StopSwitch::new());
        let mut r = StopRequests::new(Arc::clone(&switch));
        let presser = {
            let switch = Arc::clone(&switch);
            std::thread::spawn(move || switch.press())
        };
        assert!(r.wait_timeout(Duration::from_secs(30)));
        presser.join().unwrap();
    }

    #[tokio::test]
    async fn async_waiters_and_callbacks_see_presses() {
        let switch = Arc::new(StopSwitch::new());
        let called = Arc::new(Mutex::new(0));
        {
            let called = Arc::clone(&called);
            switch.on_press(Arc::new(move || *called.lock().unwrap() += 1));
        }
        let mut r = StopRequests::new(Arc::clone(&switch));
        let waiter = tokio::spawn(async move {
            r.requested().await;
            r
        });
        switch.press();
        let r = waiter.await.unwrap();
        assert!(!r.is_pending());
        assert_eq!(*called.lock().unwrap(), 1);
        assert_eq!(*r.watch().borrow(), 1);
    }
}
