//! `rate_limit`: Tsung's token bucket on the bytes a user receives.

use std::time::Duration;

use stampede_model::RateLimit;
use tokio::time::Instant;

/// Tokens are bytes; they refill at `rate` bytes per millisecond up to `burst`. A packet larger
/// than the tokens available makes the user wait until it is paid for, before the response is
/// processed further (Tsung sleeps the user process the same way).
#[derive(Clone, Copy, Debug)]
pub(crate) struct TokenBucket {
    /// Bytes per millisecond.
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Option<Instant>,
}

impl TokenBucket {
    /// Tsung converts the option to `1024 × value / 1000` bytes per millisecond and a burst of
    /// `1024 × max` bytes; the bucket starts empty.
    pub(crate) fn new(limit: RateLimit) -> Self {
        Self {
            rate: (limit.kbytes_per_second * 1024.0 / 1000.0).max(f64::MIN_POSITIVE),
            burst: (limit.burst_kbytes * 1024.0).max(0.0),
            tokens: 0.0,
            last: None,
        }
    }

    /// `bytes` arrived at `now`: how long to wait before reading on.
    pub(crate) fn take(&mut self, bytes: usize, now: Instant) -> Duration {
        let elapsed_ms = self.last.map_or(0.0, |t| {
            now.saturating_duration_since(t).as_secs_f64() * 1000.0
        });
        let available = (self.tokens + self.rate * elapsed_ms).min(self.burst);
        let bytes = bytes as f64;
        if bytes < available {
            self.tokens = available - bytes;
            self.last = Some(now);
            Duration::ZERO
        } else {
            let wait_ms = (bytes - available) / self.rate;
            let wait = Duration::from_secs_f64((wait_ms / 1000.0).min(86_400.0));
            // The wait pays for the packet: the bucket is empty when it ends.
            self.tokens = 0.0;
            self.last = Some(now + wait);
            wait
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_for_what_exceeds_the_tokens() {
        let t0 = Instant::now();
        let limit = RateLimit {
            kbytes_per_second: 1.0,
            burst_kbytes: 2.0,
        };
        let mut bucket = TokenBucket::new(limit);
        // 1.024 bytes/ms; empty bucket: 1024 bytes cost 1000 ms.
        assert_eq!(bucket.take(1024, t0), Duration::from_millis(1000));
        // One second after the wait ended, 1024 tokens are back.
        let t1 = t0 + Duration::from_millis(2000);
        assert_eq!(bucket.take(500, t1), Duration::ZERO);
        assert_eq!(bucket.take(500, t1), Duration::ZERO);
        // The burst caps the refill (2048 bytes) however long the pause.
        let t2 = t1 + Duration::from_secs(3600);
        assert_eq!(bucket.take(2047, t2), Duration::ZERO);
        let wait = bucket.take(1025, t2);
        assert!(
            wait >= Duration::from_millis(999) && wait <= Duration::from_millis(1001),
            "{wait:?}"
        );
    }
}
