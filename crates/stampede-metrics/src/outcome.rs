//! How a user's session ended.

use stampede_model::ErrorClass;

/// Why a session ended before its last action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AbortReason {
    /// A `<match do="abort">` fired (`match_stop`).
    MatchAbort,
    /// A `<match do="restart">` exceeded `max_restart` (`match_restart_abort`).
    MatchRestartLimit,
    /// A `<match do="abort_test">` fired in this session and stopped the test
    /// (`match_stop_test`).
    MatchAbortTest,
    /// An `<abort/>` action ran (`abort_session`).
    AbortAction,
    /// An error that ends the session ([`ErrorClass::ends_session`]).
    Error(ErrorClass),
    /// The test ended (duration reached, Ctrl-C, `stampede stop`, another session's
    /// `abort_test`) while the user was still running.
    TestStopped,
}

impl AbortReason {
    const FIXED: usize = 5;
    /// Number of distinct reasons; [`AbortReason::index`] is below it.
    pub const COUNT: usize = Self::FIXED + ErrorClass::COUNT;

    /// A dense index in `0..COUNT`.
    #[inline]
    pub fn index(self) -> usize {
        match self {
            AbortReason::MatchAbort => 0,
            AbortReason::MatchRestartLimit => 1,
            AbortReason::MatchAbortTest => 2,
            AbortReason::AbortAction => 3,
            AbortReason::TestStopped => 4,
            AbortReason::Error(e) => Self::FIXED + e.index(),
        }
    }

    /// The reason at a dense index.
    pub fn from_index(i: usize) -> Option<AbortReason> {
        Some(match i {
            0 => AbortReason::MatchAbort,
            1 => AbortReason::MatchRestartLimit,
            2 => AbortReason::MatchAbortTest,
            3 => AbortReason::AbortAction,
            4 => AbortReason::TestStopped,
            _ => AbortReason::Error(*ErrorClass::ALL.get(i - Self::FIXED)?),
        })
    }

    /// A stable machine name: `match_abort`, `match_restart_limit`, `match_abort_test`,
    /// `abort_action`, `test_stopped`, or the error's Tsung counter name (`error_…`).
    pub fn name(self) -> &'static str {
        match self {
            AbortReason::MatchAbort => "match_abort",
            AbortReason::MatchRestartLimit => "match_restart_limit",
            AbortReason::MatchAbortTest => "match_abort_test",
            AbortReason::AbortAction => "abort_action",
            AbortReason::TestStopped => "test_stopped",
            AbortReason::Error(e) => e.tsung_name(),
        }
    }

    /// The reason with this [`AbortReason::name`].
    pub fn from_name(name: &str) -> Option<AbortReason> {
        (0..Self::COUNT)
            .filter_map(Self::from_index)
            .find(|r| r.name() == name)
    }
}

/// How a session ended, given to [`crate::Recorder::user_finished`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SessionEnd {
    /// The user ran its last action.
    Completed,
    /// The session ended early.
    Aborted(AbortReason),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_are_dense_and_names_unique() {
        let all: Vec<_> = (0..AbortReason::COUNT)
            .map(|i| AbortReason::from_index(i).unwrap())
            .collect();
        for (i, r) in all.iter().enumerate() {
            assert_eq!(r.index(), i);
            assert_eq!(AbortReason::from_name(r.name()), Some(*r));
        }
        assert_eq!(AbortReason::from_index(AbortReason::COUNT), None);
        let mut names: Vec<_> = all.iter().map(|r| r.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), AbortReason::COUNT);
    }
}
