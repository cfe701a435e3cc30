//! `<load>`: how users arrive.

use crate::SessionId;
use std::time::Duration;

/// Units accepted by durations and rates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeUnit {
    Millisecond,
    Second,
    Minute,
    Hour,
}

impl TimeUnit {
    /// Seconds in one unit.
    pub fn seconds(self) -> f64 {
        match self {
            TimeUnit::Millisecond => 0.001,
            TimeUnit::Second => 1.0,
            TimeUnit::Minute => 60.0,
            TimeUnit::Hour => 3600.0,
        }
    }

    /// The attribute value as written in XML.
    pub fn as_str(self) -> &'static str {
        match self {
            TimeUnit::Millisecond => "millisecond",
            TimeUnit::Second => "second",
            TimeUnit::Minute => "minute",
            TimeUnit::Hour => "hour",
        }
    }
}

/// The whole `<load>` element.
#[derive(Clone, Debug, PartialEq)]
pub struct Load {
    /// `duration` + `unit`: hard stop of the whole test, even mid-session. `None`: the test
    /// ends when the last phase is over and every started user has finished.
    pub duration: Option<Duration>,
    /// `loop` (default 0): how many **extra** times the phase list is replayed.
    pub loop_count: u32,
    /// Arrival phases, sorted by [`ArrivalPhase::number`].
    pub phases: Vec<ArrivalPhase>,
    /// Static users (`<user>`), one entry per user (a wildcard `session` is already expanded),
    /// sorted by start time.
    pub static_users: Vec<StaticUser>,
}

/// An `<arrivalphase>`.
#[derive(Clone, Debug, PartialEq)]
pub struct ArrivalPhase {
    /// `phase`: unique; phases run in ascending order.
    pub number: u32,
    /// `duration` + `unit`.
    pub duration: Duration,
    /// `wait_all_sessions_end`: the next phase starts once every user started so far is done.
    pub wait_all_sessions_end: bool,
    pub arrivals: Arrivals,
    /// `<session_setup>` overrides of the session mix for this phase (wildcards expanded).
    /// Empty: the sessions' own shares apply.
    pub session_setup: Vec<(SessionId, Share)>,
}

/// `<users>` of a phase.
#[derive(Clone, Debug, PartialEq)]
pub struct Arrivals {
    /// Mean users per second (Poisson process), from either form in `spec`.
    pub rate_per_second: f64,
    /// `maxnumber`: most users this phase starts.
    pub maxnumber: Option<u64>,
    /// How the rate was written, for `explain` and messages.
    pub spec: RateSpec,
}

impl Arrivals {
    /// Users the phase is expected to start (before splitting among clients):
    /// `round(duration × rate)`, capped by `maxnumber`, as Tsung computes it.
    pub fn expected_users(&self, duration: Duration) -> u64 {
        let n = (duration.as_secs_f64() * self.rate_per_second).round();
        let n = if n.is_finite() && n > 0.0 {
            n as u64
        } else {
            0
        };
        match self.maxnumber {
            Some(m) => n.min(m),
            None => n,
        }
    }
}

/// The two ways to write an arrival rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RateSpec {
    /// `interarrival="X" unit=U`: mean X units between users.
    Interarrival { value: f64, unit: TimeUnit },
    /// `arrivalrate="R" unit=U`: R users per unit.
    Rate { value: f64, unit: TimeUnit },
}

/// A static `<user session start_time unit>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaticUser {
    pub start: Duration,
    pub session: SessionId,
}

/// A session's share of new users: a percentage or a relative weight (never mixed).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Share {
    /// `probability`: percent; all sessions sum to 100 (±0.05).
    Probability(f64),
    /// `weight`: relative.
    Weight(f64),
}

impl Share {
    /// The raw number, whichever kind it is.
    pub fn value(self) -> f64 {
        match self {
            Share::Probability(v) | Share::Weight(v) => v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_users_rounds_and_caps() {
        let a = Arrivals {
            rate_per_second: 0.5,
            maxnumber: None,
            spec: RateSpec::Interarrival {
                value: 2.0,
                unit: TimeUnit::Second,
            },
        };
        assert_eq!(a.expected_users(Duration::from_secs(600)), 300);
        let capped = Arrivals {
            maxnumber: Some(10),
            ..a.clone()
        };
        assert_eq!(capped.expected_users(Duration::from_secs(600)), 10);
        assert_eq!(a.expected_users(Duration::from_secs(1)), 1); // 0.5 rounds up
    }
}
