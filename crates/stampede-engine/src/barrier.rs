//! The `wait_global` barrier (`<thinktime value="wait_global">`, Tsung's `ack="global"`): it
//! opens when `global_number` users wait, or when no user has joined for
//! `global_ack_timeout`; everyone waiting is released and it re-arms for the next batch. The
//! one place where users of different workers wait for each other: a mutex is fine, it is
//! touched once per user and barrier.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::time::{Instant, sleep_until};

#[derive(Debug)]
struct State {
    waiting: Vec<oneshot::Sender<()>>,
    last_join: Instant,
}

/// The process-wide barrier.
#[derive(Debug)]
pub(crate) struct GlobalBarrier {
    number: usize,
    ack_timeout: Duration,
    state: Mutex<State>,
}

impl GlobalBarrier {
    pub(crate) fn new(number: u32, ack_timeout: Duration) -> Self {
        Self {
            number: (number as usize).max(1),
            ack_timeout,
            state: Mutex::new(State {
                waiting: Vec::new(),
                last_join: Instant::now(),
            }),
        }
    }

    fn release(state: &mut State) {
        for waiter in state.waiting.drain(..) {
            let _ = waiter.send(());
        }
    }

    /// Waits at the barrier until it opens.
    pub(crate) async fn wait(&self) {
        let (tx, mut rx) = oneshot::channel();
        let mut deadline = {
            let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            st.waiting.push(tx);
            st.last_join = Instant::now();
            if st.waiting.len() >= self.number {
                Self::release(&mut st);
                return;
            }
            st.last_join + self.ack_timeout
        };
        loop {
            tokio::select! {
                _ = &mut rx => return,
                () = sleep_until(deadline) => {
                    let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                    let open_at = st.last_join + self.ack_timeout;
                    if open_at <= Instant::now() {
                        Self::release(&mut st);
                        return;
                    }
                    deadline = open_at;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test(start_paused = true)]
    async fn opens_at_the_number_or_after_the_timeout() {
        let b = Arc::new(GlobalBarrier::new(3, Duration::from_secs(10)));
        let mut tasks = Vec::new();
        for _ in 0..3 {
            let b = b.clone();
            tasks.push(tokio::spawn(async move {
                b.wait().await;
                Instant::now()
            }));
        }
        let start = Instant::now();
        for t in tasks {
            assert_eq!(t.await.unwrap(), start);
        }
        // Two users only: released by the timeout, counted from the last join.
        let b2 = b.clone();
        let first = tokio::spawn(async move {
            b2.wait().await;
            Instant::now()
        });
        tokio::time::sleep(Duration::from_secs(4)).await;
        let b3 = b.clone();
        let second = tokio::spawn(async move {
            b3.wait().await;
            Instant::now()
        });
        let t1 = first.await.unwrap();
        let t2 = second.await.unwrap();
        assert_eq!(t1, t2);
        assert_eq!(t1 - start, Duration::from_secs(14));
    }
}
