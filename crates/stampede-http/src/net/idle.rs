//! The idle-timeout timer of a client, armed lazily.
//!
//! Every wait for the peer has a deadline (`idle_timeout` after the last progress), and the
//! deadline moves with every request. Moving a runtime timer costs a timer-wheel update and a
//! waker registration each time. Instead the timer stays armed at an earlier deadline while a
//! later one is wanted: when it goes off early, it is moved to the deadline wanted now and
//! armed again. With `idle_timeout` at its default of 10 minutes, that is once per 10 minutes
//! of traffic instead of once per request, and a wait costs a few comparisons.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use tokio::time::{Instant, Sleep, sleep_until};

/// A timer that wakes the waiting task at, or before, the deadline asked for.
#[derive(Debug, Default)]
pub(crate) struct IdleTimer {
    sleep: Option<Pin<Box<Sleep>>>,
    /// The task the timer wakes (it was last polled with this waker, and has not gone off).
    waker: Option<Waker>,
}

impl IdleTimer {
    /// `Ready` once `deadline` has passed; otherwise the current task is woken at the latest
    /// then.
    pub(crate) fn poll_expired(&mut self, cx: &mut Context<'_>, deadline: Instant) -> Poll<()> {
        let sleep = self
            .sleep
            .get_or_insert_with(|| Box::pin(sleep_until(deadline)));
        loop {
            let armed_at = sleep.deadline();
            if armed_at > deadline {
                // It would go off too late: move it earlier.
                sleep.as_mut().reset(deadline);
                self.waker = None;
            } else if sleep.is_elapsed() {
                if armed_at == deadline {
                    self.waker = None;
                    return Poll::Ready(());
                }
                // It went off for an earlier deadline: arm it for this one.
                sleep.as_mut().reset(deadline);
                self.waker = None;
            } else if self.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                // Armed for this deadline or an earlier one, and it wakes this task.
                return Poll::Pending;
            }
            // Registers the waker. Outside the task's budget: a `Pending` for lack of budget
            // would not register it.
            let mut polled = tokio::task::coop::unconstrained(sleep.as_mut());
            match Pin::new(&mut polled).poll(cx) {
                Poll::Ready(()) => {}
                Poll::Pending => {
                    self.waker = Some(cx.waker().clone());
                    return Poll::Pending;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::poll_fn;
    use std::time::Duration;

    async fn wait(timer: &mut IdleTimer, deadline: Instant) {
        poll_fn(|cx| timer.poll_expired(cx, deadline)).await;
    }

    #[tokio::test(start_paused = true)]
    async fn goes_off_at_each_deadline_asked_for() {
        let mut timer = IdleTimer::default();
        let t0 = Instant::now();
        wait(&mut timer, t0 + Duration::from_secs(5)).await;
        assert_eq!(Instant::now(), t0 + Duration::from_secs(5));
        // Later deadlines: the timer is armed anew.
        wait(&mut timer, t0 + Duration::from_secs(8)).await;
        assert_eq!(Instant::now(), t0 + Duration::from_secs(8));
        // An earlier deadline than the one armed.
        let mut timer = IdleTimer::default();
        let t1 = Instant::now();
        let late = t1 + Duration::from_secs(60);
        let pending = poll_fn(|cx| Poll::Ready(timer.poll_expired(cx, late))).await;
        assert!(pending.is_pending());
        wait(&mut timer, t1 + Duration::from_secs(2)).await;
        assert_eq!(Instant::now(), t1 + Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn a_later_deadline_is_not_cut_short_by_an_earlier_arming() {
        let mut timer = IdleTimer::default();
        let t0 = Instant::now();
        // Armed at t0 + 10 s by a first wait that ends early (the peer answered).
        let first = t0 + Duration::from_secs(10);
        let pending = poll_fn(|cx| Poll::Ready(timer.poll_expired(cx, first))).await;
        assert!(pending.is_pending());
        tokio::time::sleep(Duration::from_secs(4)).await;
        // A second wait with its own deadline: not over at t0 + 10 s.
        wait(&mut timer, t0 + Duration::from_secs(14)).await;
        assert_eq!(Instant::now(), t0 + Duration::from_secs(14));
    }

    #[tokio::test(start_paused = true)]
    async fn a_timer_that_went_off_unwatched_is_armed_again() {
        let mut timer = IdleTimer::default();
        let t0 = Instant::now();
        let pending =
            poll_fn(|cx| Poll::Ready(timer.poll_expired(cx, t0 + Duration::from_secs(1)))).await;
        assert!(pending.is_pending());
        // It goes off while nobody waits.
        tokio::time::sleep(Duration::from_secs(3)).await;
        wait(&mut timer, t0 + Duration::from_secs(7)).await;
        assert_eq!(Instant::now(), t0 + Duration::from_secs(7));
    }
}
