//! A rate over a sliding window of the run clock: Tsung's "current request rate" is the
//! count of the current statistics window divided by its length.

use std::collections::VecDeque;
use std::time::Duration;

/// Counts seen at moments of the run, kept for one window.
#[derive(Clone, Debug)]
pub struct RateWindow {
    window: Duration,
    samples: VecDeque<(Duration, u64)>,
}

impl RateWindow {
    /// A window of `window` (at least 1 ms).
    pub fn new(window: Duration) -> Self {
        Self {
            window: window.max(Duration::from_millis(1)),
            samples: VecDeque::new(),
        }
    }

    /// The running total `count` at `at` (times must not go backwards).
    pub fn push(&mut self, at: Duration, count: u64) {
        self.samples.push_back((at, count));
        // Keep one sample at or before the window's start, so the rate spans the full window.
        while self.samples.len() > 2 && at.saturating_sub(self.samples[1].0) >= self.window {
            self.samples.pop_front();
        }
    }

    /// Per second over the window (or what is known of it); 0 before two samples.
    pub fn rate(&self) -> f64 {
        match (self.samples.front(), self.samples.back()) {
            (Some(&(t0, c0)), Some(&(t1, c1))) if t1 > t0 => {
                c1.saturating_sub(c0) as f64 / (t1 - t0).as_secs_f64()
            }
            _ => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_spans_the_window() {
        let s = Duration::from_secs;
        let mut w = RateWindow::new(s(10));
        assert_eq!(w.rate(), 0.0);
        w.push(s(0), 0);
        assert_eq!(w.rate(), 0.0);
        w.push(s(1), 100);
        assert_eq!(w.rate(), 100.0);
        for t in 2..=20 {
            w.push(s(t), 100 * t);
        }
        // Steady 100/s, then the rate doubles: the window sees the change within 10 s.
        assert_eq!(w.rate(), 100.0);
        for t in 21..=30 {
            w.push(s(t), 2000 + 200 * (t - 20));
        }
        assert_eq!(w.rate(), 200.0);
        assert!(w.samples.len() <= 12, "{}", w.samples.len());
    }
}
