//! The run's clocks: monotonic time since the start (what users and samples use) and the wall
//! clock at the start (for `dump at` stamps, `match.log` and snippets).

use stampede_session::Nanos;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

/// Time 0 of the run on both clocks. `Copy`: every worker holds its own.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RunClock {
    start: Instant,
    wall_start: SystemTime,
}

impl RunClock {
    /// A clock whose time 0 is now.
    pub(crate) fn start_now() -> Self {
        Self {
            start: Instant::now(),
            wall_start: SystemTime::now(),
        }
    }

    /// Monotonic time since the start.
    #[inline]
    pub(crate) fn now(&self) -> Nanos {
        self.nanos(Instant::now())
    }

    /// `instant` as time since the start (zero before the start).
    #[inline]
    pub(crate) fn nanos(&self, instant: Instant) -> Nanos {
        Nanos::from_duration(instant.saturating_duration_since(self.start))
    }

    /// The instant of a time since the start.
    #[inline]
    pub(crate) fn instant(&self, at: Nanos) -> Instant {
        self.start + at.as_duration()
    }

    /// Time since the start.
    pub(crate) fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// The wall-clock time of a time since the start.
    pub(crate) fn wall(&self, at: Nanos) -> SystemTime {
        self.wall_start + at.as_duration()
    }

    /// Wall-clock time at the start.
    pub(crate) fn wall_start(&self) -> SystemTime {
        self.wall_start
    }
}

/// Seconds since the Unix epoch of a wall-clock time (0 before the epoch).
pub(crate) fn unix_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Microseconds since the Unix epoch, now.
pub(crate) fn unix_micros_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

/// A duration in whole nanoseconds, saturating.
#[inline]
pub(crate) fn ns(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}
