//! Arrival planning: which users start when, on this generator process.
//!
//! Given a [`stampede_model::Scenario`], the run seed and this process's place among all
//! generator processes ([`Generators`]), a [`Scheduler`] produces Tsung's arrival plan lazily:
//!
//! * each `<arrivalphase>` starts users as a Poisson process (exponential inter-arrival times
//!   with the phase's mean), this process taking `rate × w/W`;
//! * a phase starts at most `round(duration × rate)` users here, capped by its share of
//!   `maxnumber` (`max(1, trunc(maxnumber × w/W))`, the last generator taking the remainder);
//! * a phase that runs out of users waits out its duration; one whose time runs out first drops
//!   the rest and says how many ([`PhaseEnd::unlaunched`], [`PhaseEnd::overloaded`]);
//! * a phase without users here is skipped at once (as Tsung does);
//! * `wait_all_sessions_end` holds the next phase until the engine calls
//!   [`Scheduler::all_sessions_ended`];
//! * `<load loop>` replays the phase list, `<load duration>` stops everything;
//! * static `<user>`s start at their own times, shared among generators by weight;
//! * each user gets a session drawn by probability or weight, with the phase's
//!   `<session_setup>` overrides, a run-wide unique id and a seed for its own random generator.
//!
//! The scheduler reads no clock: the engine calls [`Scheduler::next`] with the time since the
//! start of the run (time 0 is the start of the first phase) and acts on the answer.
//!
//! ```
//! # use stampede_scheduler::{Generators, Next, Scheduler};
//! # fn run(scenario: &stampede_model::Scenario) {
//! let mut plan = Scheduler::new(scenario, 42, &Generators::single(), 0);
//! let mut now = std::time::Duration::ZERO;
//! loop {
//!     match plan.next(now) {
//!         Next::Launch(arrival) => { /* spawn a user for arrival.session */ }
//!         Next::PhaseStart(_) | Next::PhaseEnd(_) => {}
//!         Next::Sleep { until } => now = until, // a real engine sleeps here
//!         Next::WaitAllSessionsEnd { .. } => plan.all_sessions_ended(now),
//!         Next::Done(_) => break,
//!     }
//! }
//! # }
//! ```

mod generators;
mod mix;
mod plan;
mod rng;

pub use generators::Generators;
pub use plan::{Arrival, DoneReason, Next, PhaseEnd, PhaseStart, PlannedPhase, Scheduler, Source};
pub use rng::{mix_seed, user_seed};
