//! Choosing a session for each new user: by probability or weight, with a phase's
//! `<session_setup>` overrides.

use crate::rng::Rng;
use stampede_model::{ArrivalPhase, Scenario, SessionId};

/// Cumulative shares of the sessions a phase may start.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SessionMix {
    /// `(session, cumulative share)`, sessions with a zero share left out.
    cumulative: Vec<(SessionId, f64)>,
    /// The only session of the scenario: chosen without drawing, whatever its share (Tsung).
    only: Option<SessionId>,
    /// Chosen when every share is zero.
    fallback: SessionId,
}

impl SessionMix {
    /// The mix of `phase` (or the sessions' own shares when `phase` is `None` or has no
    /// `session_setup`). A session not named by `session_setup` keeps its own share.
    pub(crate) fn new(scenario: &Scenario, phase: Option<&ArrivalPhase>) -> Self {
        let sessions = &scenario.sessions;
        let fallback = sessions.first().map(|s| s.id).unwrap_or(SessionId(0));
        let only = (sessions.len() == 1).then_some(fallback);
        let mut cumulative = Vec::with_capacity(sessions.len());
        let mut total = 0.0;
        for s in sessions {
            let share = phase
                .and_then(|p| p.session_setup.iter().find(|(id, _)| *id == s.id))
                .map(|(_, share)| share.value())
                .unwrap_or_else(|| s.share.value());
            if share.is_finite() && share > 0.0 {
                total += share;
                cumulative.push((s.id, total));
            }
        }
        Self {
            cumulative,
            only,
            fallback,
        }
    }

    /// Draws a session: the first whose cumulative share exceeds `U × total`.
    pub(crate) fn choose(&self, rng: &mut Rng) -> SessionId {
        if let Some(only) = self.only {
            return only;
        }
        let Some(&(last, total)) = self.cumulative.last() else {
            return self.fallback;
        };
        let r = rng.next_f64() * total;
        self.cumulative
            .iter()
            .find(|&&(_, c)| r < c)
            .map(|&(id, _)| id)
            .unwrap_or(last)
    }
}
