//! The run's arrival phases, from the agents' own phase events.
//!
//! Every agent runs every phase with its share of the users. The run's phase `i` starts when
//! the first agent starts it and ends when every agent still running has ended it; the end's
//! counts are the sums of the agents' counts.

use crate::protocol::{WirePhaseEnd, WirePhaseStart};
use stampede_engine::{PhaseEnd, PhaseProgress, PhaseStart};
use std::time::Duration;

#[derive(Debug)]
struct PhaseState {
    started: bool,
    /// Agents that ended it.
    ended_by: Vec<bool>,
    end: PhaseEnd,
    end_emitted: bool,
}

#[derive(Debug)]
pub(crate) struct PhaseTracker {
    /// The run's planned users per phase (the sum of the agents' plans).
    planned_users: Vec<u64>,
    phases: Vec<PhaseState>,
    current: Option<PhaseProgress>,
}

impl PhaseTracker {
    pub fn new(planned_users: Vec<u64>, agents: usize) -> Self {
        let phases = (0..planned_users.len())
            .map(|i| PhaseState {
                started: false,
                ended_by: vec![false; agents],
                end: PhaseEnd {
                    index: i as u32,
                    at: Duration::ZERO,
                    planned: 0,
                    launched: 0,
                    unlaunched: 0,
                },
                end_emitted: false,
            })
            .collect();
        Self {
            planned_users,
            phases,
            current: None,
        }
    }

    /// An agent started a phase; returns the run's phase start if it is the first.
    pub fn started(&mut self, p: &WirePhaseStart) -> Option<PhaseStart> {
        let state = self.phases.get_mut(p.index as usize)?;
        if state.started {
            return None;
        }
        state.started = true;
        let mut start = PhaseStart::from(p);
        start.users = self
            .planned_users
            .get(p.index as usize)
            .copied()
            .unwrap_or(p.users);
        self.current = Some(PhaseProgress {
            index: start.index,
            number: start.number,
            count: self.phases.len() as u32,
            started: start.at,
            duration: start.duration,
        });
        Some(start)
    }

    /// An agent ended a phase.
    pub fn ended(&mut self, agent: usize, p: &WirePhaseEnd) {
        let Some(state) = self.phases.get_mut(p.index as usize) else {
            return;
        };
        let Some(seen) = state.ended_by.get_mut(agent) else {
            return;
        };
        if *seen {
            return;
        }
        *seen = true;
        let e = &mut state.end;
        e.at = e.at.max(Duration::from_nanos(p.at_ns));
        e.planned += p.planned;
        e.launched += p.launched;
        e.unlaunched += p.unlaunched;
    }

    /// The run's phase ends now complete, given which agents are done (finished or lost).
    pub fn completed_ends(&mut self, done: &[bool]) -> Vec<PhaseEnd> {
        let mut out = Vec::new();
        for state in &mut self.phases {
            if state.end_emitted || !state.ended_by.iter().any(|&e| e) {
                continue;
            }
            let all = state
                .ended_by
                .iter()
                .zip(done)
                .all(|(&ended, &done)| ended || done);
            if all {
                state.end_emitted = true;
                if self.current.is_some_and(|c| c.index == state.end.index) {
                    self.current = None;
                }
                out.push(state.end.clone());
            }
        }
        out
    }

    /// The phase in progress.
    pub fn current(&self) -> Option<PhaseProgress> {
        self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(index: u32, at_ns: u64) -> WirePhaseStart {
        WirePhaseStart {
            index,
            number: index + 1,
            at_ns,
            users: 5,
            duration_ns: 10,
            counts_newphase: false,
        }
    }

    fn end(index: u32, at_ns: u64, launched: u64) -> WirePhaseEnd {
        WirePhaseEnd {
            index,
            at_ns,
            planned: 5,
            launched,
            unlaunched: 5 - launched,
        }
    }

    #[test]
    fn first_start_and_last_end_with_summed_counts() {
        let mut t = PhaseTracker::new(vec![10, 4], 2);
        let s = t.started(&start(0, 3)).unwrap();
        assert_eq!((s.users, s.at), (10, Duration::from_nanos(3)));
        assert!(t.started(&start(0, 4)).is_none());
        assert_eq!(t.current().unwrap().index, 0);
        t.ended(0, &end(0, 10, 5));
        assert!(t.completed_ends(&[false, false]).is_empty());
        t.ended(1, &end(0, 12, 3));
        t.ended(1, &end(0, 12, 3)); // repeated: counted once
        let ends = t.completed_ends(&[false, false]);
        assert_eq!(ends.len(), 1);
        assert_eq!((ends[0].launched, ends[0].unlaunched), (8, 2));
        assert_eq!(ends[0].at, Duration::from_nanos(12));
        assert!(t.current().is_none());
        // A lost agent is not waited for.
        t.started(&start(1, 20));
        t.ended(0, &end(1, 30, 5));
        assert_eq!(t.completed_ends(&[false, true]).len(), 1);
        assert!(t.completed_ends(&[true, true]).is_empty());
    }
}
