//! The arrival plan of one generator process, produced lazily as time passes.

use crate::generators::Generators;
use crate::mix::SessionMix;
use crate::rng::{Rng, mix_seed, user_seed};
use stampede_model::{Scenario, SessionId};
use std::time::Duration;

/// Where an arrival comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// An arrival phase: the index into [`Scheduler::phases`] (phases replayed by `<load loop>`
    /// have their own indices).
    Phase(u32),
    /// A static `<user>`.
    Static,
}

/// A user to start now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arrival {
    /// When the plan wanted this user to start (since the start of the run). The engine starts
    /// it when it receives it; `at` is earlier only when the engine is late.
    pub at: Duration,
    /// Unique across the run and every generator process: `1 + index + count × n` where `n`
    /// counts this process's users (static and phase users alike) from 0. With one process this
    /// is 1, 2, 3…, like Tsung's `tsung_userid`.
    pub user_id: u64,
    /// Seed of the user's own random generator: a function of the run seed and `user_id`.
    pub seed: u64,
    /// The session the user runs.
    pub session: SessionId,
    pub source: Source,
}

/// An arrival phase begins on this generator.
#[derive(Clone, Debug, PartialEq)]
pub struct PhaseStart {
    /// Index into [`Scheduler::phases`].
    pub index: u32,
    /// The `phase` attribute (shifted by the largest phase number for each `<load loop>`
    /// replay, as Tsung numbers them).
    pub number: u32,
    pub at: Duration,
    /// Users this generator plans to start in the phase.
    pub users: u64,
    pub duration: Duration,
    /// Whether Tsung adds 1 to the `newphase` counter here: it does when a phase with users
    /// follows a phase in which users were launched (not for the first phase, nor around
    /// phases that have no users on this generator).
    pub counts_newphase: bool,
}

/// An arrival phase ended on this generator.
#[derive(Clone, Debug, PartialEq)]
pub struct PhaseEnd {
    pub index: u32,
    pub at: Duration,
    /// Users planned for the phase on this generator.
    pub planned: u64,
    pub launched: u64,
    /// Users not started because the phase's time ran out first. With a Poisson process a few
    /// are normal; see [`PhaseEnd::overloaded`].
    pub unlaunched: u64,
}

impl PhaseEnd {
    /// Tsung's "Tsung may be overloaded" warning: more than 20 % and more than 10 of the
    /// phase's users were not started in time.
    pub fn overloaded(&self) -> bool {
        self.planned > 0 && self.unlaunched * 100 > self.planned * 20 && self.unlaunched > 10
    }
}

/// Why nothing more will be launched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DoneReason {
    /// Every phase and static user is done. Without `<load duration>`, the test ends once the
    /// users started so far have finished.
    AllLaunched,
    /// `<load duration>` is reached: the whole test stops now, running users included.
    LoadDuration,
}

/// What the engine should do next; see [`Scheduler::next`].
#[derive(Clone, Debug, PartialEq)]
pub enum Next {
    /// Start this user now.
    Launch(Arrival),
    /// A phase begins (count `newphase` if `counts_newphase`, mark it in reports).
    PhaseStart(PhaseStart),
    /// A phase ends (warn if [`PhaseEnd::overloaded`]).
    PhaseEnd(PhaseEnd),
    /// Nothing is due: call [`Scheduler::next`] again at `until` (since the start of the run).
    Sleep { until: Duration },
    /// The phase that just ended has `wait_all_sessions_end`: call
    /// [`Scheduler::all_sessions_ended`] once no user of this generator is running. If
    /// `or_until` is set, static users are still due: call [`Scheduler::next`] at that time
    /// too.
    WaitAllSessionsEnd { or_until: Option<Duration> },
    /// Nothing more will be launched.
    Done(DoneReason),
}

/// One phase as this generator runs it.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedPhase {
    /// The `phase` attribute (shifted for `<load loop>` replays).
    pub number: u32,
    pub duration: Duration,
    /// This generator's mean arrival rate (users per second).
    pub rate_per_second: f64,
    /// Users this generator starts at most.
    pub users: u64,
    pub wait_all_sessions_end: bool,
    mix: SessionMix,
}

/// The dynamic (phase) stream's next event.
#[derive(Clone, Debug, PartialEq)]
enum Pending {
    PhaseStart { index: usize, at: Duration },
    Arrival { at: Duration },
    PhaseEnd { at: Duration },
    WaitSessions,
    Finished,
}

#[derive(Clone, Debug, PartialEq)]
struct Current {
    index: usize,
    start: Duration,
    end: Duration,
    launched: u64,
}

/// Lazily produces the arrivals of one generator process. Pure: no clock reads; the engine
/// passes the time since the start of the run to [`Scheduler::next`].
///
/// Inter-arrival times are exponential with the phase's mean (a Poisson process). Like Tsung,
/// the next arrival is drawn from the moment the previous user was actually started, so a late
/// engine does not catch up with a burst: it ends the phase with users left unlaunched instead,
/// which [`PhaseEnd::overloaded`] reports.
#[derive(Clone, Debug)]
pub struct Scheduler {
    phases: Vec<PlannedPhase>,
    /// This generator's static users: `(start, session)`, sorted by start.
    statics: Vec<(Duration, SessionId)>,
    next_static: usize,
    pending: Pending,
    current: Option<Current>,
    /// Whether the previous phase launched at least one user (for `counts_newphase`).
    previous_launched: bool,
    rng: Rng,
    run_seed: u64,
    index: u64,
    count: u64,
    next_local: u64,
    load_duration: Option<Duration>,
    done: Option<DoneReason>,
}

fn secs(d: f64) -> Duration {
    Duration::try_from_secs_f64(d.max(0.0)).unwrap_or(Duration::MAX)
}

impl Scheduler {
    /// The plan of generator `index` (in `generators`) for `scenario` and the run `seed`.
    /// An out-of-range `index` is taken as the last generator.
    pub fn new(scenario: &Scenario, seed: u64, generators: &Generators, index: usize) -> Self {
        let index = index.min(generators.len().saturating_sub(1));
        let total_weight = generators.total_weight();
        let my_weight = generators.weights().get(index).copied().unwrap_or(1.0);
        let load = &scenario.load;
        let max_number = load.phases.iter().map(|p| p.number).max().unwrap_or(0);
        let mut phases = Vec::new();
        for round in 0..=load.loop_count {
            for p in &load.phases {
                let d = p.duration.as_secs_f64();
                let users =
                    generators.phase_users(d, p.arrivals.rate_per_second, p.arrivals.maxnumber)
                        [index];
                phases.push(PlannedPhase {
                    number: p.number.saturating_add(max_number.saturating_mul(round)),
                    duration: p.duration,
                    rate_per_second: p.arrivals.rate_per_second * my_weight / total_weight,
                    users,
                    wait_all_sessions_end: p.wait_all_sessions_end,
                    mix: SessionMix::new(scenario, Some(p)),
                });
            }
        }
        let shares = generators.static_shares(load.static_users.len());
        let skip: usize = shares[..index].iter().sum();
        let mut statics: Vec<(Duration, SessionId)> = load
            .static_users
            .iter()
            .skip(skip)
            .take(shares[index])
            .map(|u| (u.start, u.session))
            .collect();
        statics.sort_by_key(|&(start, _)| start);
        let pending = if phases.is_empty() {
            Pending::Finished
        } else {
            Pending::PhaseStart {
                index: 0,
                at: Duration::ZERO,
            }
        };
        Self {
            phases,
            statics,
            next_static: 0,
            pending,
            current: None,
            previous_launched: false,
            rng: Rng::new(mix_seed(seed, index as u64)),
            run_seed: seed,
            index: index as u64,
            count: generators.len().max(1) as u64,
            next_local: 0,
            load_duration: load.duration,
            done: None,
        }
    }

    /// The phases as this generator runs them (`<load loop>` replays included).
    pub fn phases(&self) -> &[PlannedPhase] {
        &self.phases
    }

    /// Static users this generator starts.
    pub fn static_users(&self) -> usize {
        self.statics.len()
    }

    /// `<load duration>`: the whole test stops at this time.
    pub fn load_duration(&self) -> Option<Duration> {
        self.load_duration
    }

    /// The next thing to do, given `now` (time since the start of the run). Returns every
    /// event whose time has come, one per call, in time order; then [`Next::Sleep`] until the
    /// next one.
    pub fn next(&mut self, now: Duration) -> Next {
        if let Some(reason) = self.done {
            return Next::Done(reason);
        }
        if self.load_duration.is_some_and(|d| now >= d) {
            self.done = Some(DoneReason::LoadDuration);
            return Next::Done(DoneReason::LoadDuration);
        }
        let static_at = self.statics.get(self.next_static).map(|&(t, _)| t);
        let dynamic_at = match self.pending {
            Pending::PhaseStart { at, .. } | Pending::Arrival { at } | Pending::PhaseEnd { at } => {
                Some(at)
            }
            Pending::WaitSessions | Pending::Finished => None,
        };
        // Static users first on ties, then the phase stream.
        if let Some(t) = static_at
            && t <= now
            && dynamic_at.is_none_or(|d| t <= d)
        {
            return self.launch_static();
        }
        if let Some(t) = dynamic_at
            && t <= now
        {
            return self.advance_dynamic(now);
        }
        match (&self.pending, static_at, dynamic_at) {
            (Pending::WaitSessions, s, _) => Next::WaitAllSessionsEnd { or_until: s },
            (_, None, None) => {
                self.done = Some(DoneReason::AllLaunched);
                Next::Done(DoneReason::AllLaunched)
            }
            (_, s, d) => {
                let until = match (s, d) {
                    (Some(a), Some(b)) => a.min(b),
                    (Some(a), None) | (None, Some(a)) => a,
                    (None, None) => now,
                };
                let until = match self.load_duration {
                    Some(ld) => until.min(ld),
                    None => until,
                };
                Next::Sleep { until }
            }
        }
    }

    /// Tells the scheduler that no user of this generator is running any more, after
    /// [`Next::WaitAllSessionsEnd`]: the next phase starts at `now`.
    pub fn all_sessions_ended(&mut self, now: Duration) {
        if self.pending == Pending::WaitSessions {
            let index = self.current.as_ref().map(|c| c.index + 1).unwrap_or(0);
            self.pending = Pending::PhaseStart { index, at: now };
        }
    }

    fn new_user(&mut self, at: Duration, session: SessionId, source: Source) -> Arrival {
        let user_id = 1 + self.index + self.count * self.next_local;
        self.next_local += 1;
        Arrival {
            at,
            user_id,
            seed: user_seed(self.run_seed, user_id),
            session,
            source,
        }
    }

    fn launch_static(&mut self) -> Next {
        let (at, session) = self.statics[self.next_static];
        self.next_static += 1;
        Next::Launch(self.new_user(at, session, Source::Static))
    }

    fn advance_dynamic(&mut self, now: Duration) -> Next {
        match std::mem::replace(&mut self.pending, Pending::Finished) {
            Pending::PhaseStart { index, at } => self.start_phase(index, at),
            Pending::Arrival { at } => self.launch_arrival(at, now),
            Pending::PhaseEnd { at } => self.end_phase(at, now),
            other @ (Pending::WaitSessions | Pending::Finished) => {
                self.pending = other;
                Next::Sleep { until: now }
            }
        }
    }

    fn start_phase(&mut self, index: usize, at: Duration) -> Next {
        let phase = &self.phases[index];
        let users = phase.users;
        let duration = phase.duration;
        let number = phase.number;
        let end = at.saturating_add(duration);
        let counts_newphase = index > 0 && self.previous_launched && users > 0;
        self.current = Some(Current {
            index,
            start: at,
            end,
            launched: 0,
        });
        self.pending = if users == 0 {
            // Tsung skips a phase without users at once, without waiting out its duration.
            Pending::PhaseEnd { at }
        } else {
            self.schedule_after(at)
        };
        Next::PhaseStart(PhaseStart {
            index: index as u32,
            number,
            at,
            users,
            duration,
            counts_newphase,
        })
    }

    /// The next event of the current phase after a launch (or the phase start) at `anchor`.
    fn schedule_after(&mut self, anchor: Duration) -> Pending {
        let Some(cur) = &self.current else {
            return Pending::Finished;
        };
        let phase = &self.phases[cur.index];
        if cur.launched >= phase.users {
            // Out of users early: wait out the phase's duration.
            return Pending::PhaseEnd {
                at: cur.end.max(anchor),
            };
        }
        let rate = phase.rate_per_second;
        if !(rate.is_finite() && rate > 0.0) {
            return Pending::PhaseEnd { at: cur.end };
        }
        let gap = secs(self.rng.exponential(1.0 / rate));
        let at = anchor.saturating_add(gap);
        if at >= cur.end {
            Pending::PhaseEnd { at: cur.end }
        } else {
            Pending::Arrival { at }
        }
    }

    fn launch_arrival(&mut self, at: Duration, now: Duration) -> Next {
        let Some(cur) = self.current.as_mut() else {
            return Next::Sleep { until: now };
        };
        cur.launched += 1;
        let index = cur.index;
        let session = self.phases[index].mix.choose(&mut self.rng);
        let arrival = self.new_user(at, session, Source::Phase(index as u32));
        // Draw the next gap from the moment this user was actually started.
        let anchor = at.max(now);
        self.pending = self.schedule_after(anchor);
        Next::Launch(arrival)
    }

    fn end_phase(&mut self, at: Duration, now: Duration) -> Next {
        let Some(cur) = self.current.clone() else {
            return Next::Sleep { until: now };
        };
        let phase = &self.phases[cur.index];
        let planned = phase.users;
        let wait = phase.wait_all_sessions_end;
        let end_at = at.max(cur.start);
        let last = cur.index + 1 >= self.phases.len();
        self.previous_launched = cur.launched > 0;
        self.pending = if last {
            Pending::Finished
        } else if wait {
            Pending::WaitSessions
        } else {
            Pending::PhaseStart {
                index: cur.index + 1,
                at: end_at.max(now),
            }
        };
        Next::PhaseEnd(PhaseEnd {
            index: cur.index as u32,
            at: end_at,
            planned,
            launched: cur.launched,
            unlaunched: planned.saturating_sub(cur.launched),
        })
    }
}
