//! Named event counters shared by the session interpreter (which raises them) and the metrics
//! crate (which counts them), with Tsung's names. Errors have their own type,
//! [`crate::ErrorClass`].

/// A counter that is not an error, printed in `tsung.log` as `stats: <name> <delta> <total>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Counter {
    /// `users_count`: users started.
    UsersCount,
    /// `finish_users_count`: users whose session ended (normally or not).
    FinishUsersCount,
    /// `newphase`: an arrival phase began (one per generator process).
    NewPhase,
    /// `match`: a `<match>` regex matched.
    Match,
    /// `nomatch`: a `<match>` regex did not match.
    NoMatch,
    /// `match_loop`: a `do="loop"` match repeated its request.
    MatchLoop,
    /// `match_restart`: a `do="restart"` match restarted the session.
    MatchRestart,
    /// `match_restart_abort`: `max_restart` was exceeded; the session ended.
    MatchRestartAbort,
    /// `match_stop`: a `do="abort"` match ended the session.
    MatchStop,
    /// `match_stop_test`: a `do="abort_test"` match ended the test.
    MatchStopTest,
    /// `abort_session`: an `<abort/>` action ended the session.
    AbortSession,
    /// `max_repeat`: a `<repeat>` hit `max_repeat`.
    MaxRepeat,
}

impl Counter {
    /// Every counter, in a stable order; `index()` is the position here.
    pub const ALL: [Counter; 12] = [
        Counter::UsersCount,
        Counter::FinishUsersCount,
        Counter::NewPhase,
        Counter::Match,
        Counter::NoMatch,
        Counter::MatchLoop,
        Counter::MatchRestart,
        Counter::MatchRestartAbort,
        Counter::MatchStop,
        Counter::MatchStopTest,
        Counter::AbortSession,
        Counter::MaxRepeat,
    ];

    /// Number of counters.
    pub const COUNT: usize = Self::ALL.len();

    /// A dense index in `0..COUNT`.
    #[inline]
    pub fn index(self) -> usize {
        self as usize
    }

    /// Tsung's name for the counter.
    pub fn tsung_name(self) -> &'static str {
        match self {
            Counter::UsersCount => "users_count",
            Counter::FinishUsersCount => "finish_users_count",
            Counter::NewPhase => "newphase",
            Counter::Match => "match",
            Counter::NoMatch => "nomatch",
            Counter::MatchLoop => "match_loop",
            Counter::MatchRestart => "match_restart",
            Counter::MatchRestartAbort => "match_restart_abort",
            Counter::MatchStop => "match_stop",
            Counter::MatchStopTest => "match_stop_test",
            Counter::AbortSession => "abort_session",
            Counter::MaxRepeat => "max_repeat",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_indices() {
        for (i, c) in Counter::ALL.iter().enumerate() {
            assert_eq!(c.index(), i);
        }
    }
}
