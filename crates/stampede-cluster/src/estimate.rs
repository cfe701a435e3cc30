//! How many users a scenario keeps running at once, at the peak, estimated before the run.
//!
//! Total arrivals are a safe upper bound on concurrency, but a poor one: an hour of 100
//! arrivals/s whose sessions last 30 s never has more than about 3,000 users at once. When
//! every session's length can be bounded from the scenario (thinktimes, fixed loops, an
//! allowance per request), Little's law gives a much better figure: users alive at time `t`
//! are those that arrived in `(t − W, t]`, `W` being the session's length. With the phases'
//! piecewise-constant rates, that sliding-window count is piecewise linear in `t`, so its
//! maximum is at one of a few break points, where it is evaluated exactly. A margin of three
//! standard deviations of a Poisson count (`3√L`) covers the randomness of arrivals. When
//! some session's length cannot be bounded (a `<foreach>`, a thinktime or loop bound read
//! from a variable, `wait_global`), the arrivals are used.

use stampede_model::{Action, ForBound, Scenario, SessionId, Share, Thinktime};
use std::time::Duration;

/// Most distinct static start times evaluated one by one; beyond that, static users are
/// counted as all running at once.
const MAX_STATIC_POINTS: usize = 2_000;

/// The estimate and how it was made.
#[derive(Clone, Debug, PartialEq)]
pub struct ConcurrencyEstimate {
    /// Users the scenario starts in total (phases, `<load loop>` replays, static users).
    pub arrivals: u64,
    /// Users expected to run at once at the peak (with the margin), never above `arrivals`.
    pub peak: u64,
    pub basis: EstimateBasis,
}

/// Where [`ConcurrencyEstimate::peak`] comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum EstimateBasis {
    /// Arrival rates × session lengths (Little's law over a sliding window).
    SessionLength {
        /// The longest estimated session, in seconds.
        longest_session_s: f64,
    },
    /// Some session's length is unknown: every arrival is counted.
    Arrivals {
        /// The first session whose length could not be bounded.
        unbounded_session: String,
    },
}

/// One phase's arrivals (a `<load loop>` replay is another stream).
struct Stream {
    start: f64,
    rate: f64,
    /// How long arrivals last: the phase, or less when `maxnumber` runs out first.
    active: f64,
    /// `(session length, share of the phase's users)`.
    mix: Vec<(f64, f64)>,
}

/// Estimates the peak number of simultaneous users of `scenario`, counting `request_time`
/// for every request a session sends.
pub fn estimate_concurrency(scenario: &Scenario, request_time: Duration) -> ConcurrencyEstimate {
    let req = request_time.as_secs_f64();
    let lengths: Vec<Option<f64>> = scenario
        .sessions
        .iter()
        .map(|s| actions_length(&s.actions, req))
        .collect();
    let length_of = |id: SessionId| lengths.get(id.index()).copied().flatten();

    let mut streams = Vec::new();
    let mut arrivals: u64 = 0;
    let mut t = 0.0;
    let load = &scenario.load;
    for _round in 0..=load.loop_count {
        for p in &load.phases {
            let d = p.duration.as_secs_f64();
            let n = p.arrivals.expected_users(p.duration);
            arrivals = arrivals.saturating_add(n);
            let rate = p.arrivals.rate_per_second;
            let active = if rate > 0.0 && rate.is_finite() {
                (n as f64 / rate).min(d)
            } else {
                0.0
            };
            let shares: Vec<(SessionId, Share)> = if p.session_setup.is_empty() {
                scenario.sessions.iter().map(|s| (s.id, s.share)).collect()
            } else {
                p.session_setup.clone()
            };
            let total: f64 = shares.iter().map(|(_, s)| positive(s.value())).sum();
            let mut mix = Vec::new();
            for (id, share) in shares {
                let w = positive(share.value());
                if w == 0.0 || total == 0.0 || n == 0 {
                    continue;
                }
                match length_of(id) {
                    Some(len) => mix.push((len, w / total)),
                    None => return unbounded(scenario, id, arrivals_total(scenario)),
                }
            }
            streams.push(Stream {
                start: t,
                rate,
                active,
                mix,
            });
            t += d;
        }
    }
    let mut statics: Vec<(f64, f64, u64)> = Vec::new();
    for u in &load.static_users {
        let Some(len) = length_of(u.session) else {
            return unbounded(scenario, u.session, arrivals_total(scenario));
        };
        let start = u.start.as_secs_f64();
        match statics
            .iter_mut()
            .find(|(s, l, _)| *s == start && *l == len)
        {
            Some(entry) => entry.2 += 1,
            None => statics.push((start, len, 1)),
        }
    }
    arrivals = arrivals.saturating_add(load.static_users.len() as u64);
    let statics_all_at_once = statics.len() > MAX_STATIC_POINTS;

    let horizon = load.duration.map(|d| d.as_secs_f64());
    let mut candidates = Vec::new();
    for s in &streams {
        for &(len, _) in &s.mix {
            for base in [s.start, s.start + s.active] {
                candidates.push(base);
                candidates.push(base + len);
            }
        }
    }
    if !statics_all_at_once {
        for &(start, _, _) in &statics {
            candidates.push(start);
        }
    }
    if let Some(h) = horizon {
        candidates.retain(|&c| c <= h);
        candidates.push(h);
    }
    let mut peak: f64 = 0.0;
    for &at in &candidates {
        let mut alive = 0.0;
        for s in &streams {
            for &(len, share) in &s.mix {
                alive += share * s.rate * overlap(at - len, at, s.start, s.start + s.active);
            }
        }
        if !statics_all_at_once {
            for &(start, len, n) in &statics {
                if start <= at && at < start + len.max(f64::MIN_POSITIVE) {
                    alive += n as f64;
                }
            }
        }
        peak = peak.max(alive);
    }
    if statics_all_at_once {
        peak += load.static_users.len() as f64;
    }
    let with_margin = if peak > 0.0 {
        (peak + 3.0 * peak.sqrt()).ceil()
    } else {
        0.0
    };
    let longest = lengths.iter().flatten().copied().fold(0.0, f64::max);
    ConcurrencyEstimate {
        arrivals,
        peak: (with_margin as u64).min(arrivals),
        basis: EstimateBasis::SessionLength {
            longest_session_s: longest,
        },
    }
}

fn arrivals_total(scenario: &Scenario) -> u64 {
    let load = &scenario.load;
    let per_round: u64 = load
        .phases
        .iter()
        .map(|p| p.arrivals.expected_users(p.duration))
        .fold(0u64, u64::saturating_add);
    per_round
        .saturating_mul(u64::from(load.loop_count) + 1)
        .saturating_add(load.static_users.len() as u64)
}

fn unbounded(scenario: &Scenario, id: SessionId, arrivals: u64) -> ConcurrencyEstimate {
    let name = scenario
        .sessions
        .get(id.index())
        .map_or_else(|| format!("#{}", id.0), |s| s.name.clone());
    ConcurrencyEstimate {
        arrivals,
        peak: arrivals,
        basis: EstimateBasis::Arrivals {
            unbounded_session: name,
        },
    }
}

fn positive(v: f64) -> f64 {
    if v.is_finite() && v > 0.0 { v } else { 0.0 }
}

/// Length of `[a, b] ∩ [c, d]`.
fn overlap(a: f64, b: f64, c: f64, d: f64) -> f64 {
    (b.min(d) - a.max(c)).max(0.0)
}

/// Expected length of a list of actions in seconds; `None` when it cannot be bounded.
fn actions_length(actions: &[Action], request: f64) -> Option<f64> {
    actions
        .iter()
        .try_fold(0.0, |acc, a| Some(acc + action_length(a, request)?))
}

fn action_length(action: &Action, request: f64) -> Option<f64> {
    match action {
        Action::Request(_) => Some(request),
        Action::Thinktime(t) => match t {
            Thinktime::Fixed(d) => Some(d.as_secs_f64()),
            Thinktime::Exponential { mean } => Some(mean.as_secs_f64()),
            Thinktime::Uniform { min, max } => Some((min.as_secs_f64() + max.as_secs_f64()) / 2.0),
            Thinktime::Dynamic { .. } | Thinktime::WaitGlobal => None,
        },
        Action::Transaction(t) => actions_length(&t.body, request),
        Action::For(f) => {
            let (ForBound::Const(from), ForBound::Const(to)) = (&f.from, &f.to) else {
                return None;
            };
            let n = for_iterations(*from, *to, f.incr)?;
            Some(n as f64 * actions_length(&f.body, request)?)
        }
        Action::Repeat(r) => {
            Some(f64::from(r.max_repeat.max(1)) * actions_length(&r.body, request)?)
        }
        // As if the branch runs: an upper bound.
        Action::If(i) => actions_length(&i.body, request),
        Action::Foreach(_) => None,
        Action::SetDynVars(_)
        | Action::ChangeType(_)
        | Action::SetOption(_)
        | Action::Interaction(_)
        | Action::Abort(_) => Some(0.0),
    }
}

/// Iterations of `for from..=to step incr`; `None` for a loop that never ends.
fn for_iterations(from: i64, to: i64, incr: i64) -> Option<u64> {
    if incr == 0 {
        return if from <= to { None } else { Some(0) };
    }
    let span = if incr > 0 {
        i128::from(to) - i128::from(from)
    } else {
        i128::from(from) - i128::from(to)
    };
    if span < 0 {
        return Some(0);
    }
    let n = span / i128::from(incr).abs() + 1;
    u64::try_from(n).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(load: &str, sessions: &str) -> Scenario {
        let xml = format!(
            r#"<tsung><clients><client host="localhost" maxusers="30000"/></clients>
<servers><server host="127.0.0.1" port="80" type="tcp"/></servers>
<load {load}</load><sessions>{sessions}</sessions></tsung>"#
        );
        crate::test_support::scenario_from_xml(&xml)
    }

    const THINK_60: &str = r#"<session name="s" probability="100" type="ts_http">
      <request><http url="/"/></request><thinktime value="59" random="false"/></session>"#;

    #[test]
    fn little_law_over_a_sliding_window() {
        // 10/s for 600 s, sessions of 60 s (1 s per request + 59 s): about 600 at once.
        let s = scenario(
            r#"><arrivalphase phase="1" duration="600" unit="second"><users arrivalrate="10" unit="second"/></arrivalphase>"#,
            THINK_60,
        );
        let e = estimate_concurrency(&s, Duration::from_secs(1));
        assert_eq!(e.arrivals, 6000);
        // 600 + 3·√600 = 673.5
        assert_eq!(e.peak, 674);
        assert!(
            matches!(e.basis, EstimateBasis::SessionLength { longest_session_s } if longest_session_s == 60.0)
        );
    }

    #[test]
    fn maxnumber_and_short_phases_bound_the_peak() {
        // 100 users in the first 10 s of a 600 s phase, sessions of 60 s: all 100 at once.
        let s = scenario(
            r#"><arrivalphase phase="1" duration="600" unit="second"><users maxnumber="100" arrivalrate="10" unit="second"/></arrivalphase>"#,
            THINK_60,
        );
        let e = estimate_concurrency(&s, Duration::from_secs(1));
        assert_eq!((e.arrivals, e.peak), (100, 100));
    }

    #[test]
    fn unbounded_sessions_fall_back_to_arrivals() {
        let s = scenario(
            r#"><arrivalphase phase="1" duration="100" unit="second"><users arrivalrate="10" unit="second"/></arrivalphase>"#,
            r#"<session name="dyn" probability="100" type="ts_http">
               <setdynvars sourcetype="value" value="3"><var name="t"/></setdynvars>
               <thinktime value="%%_t%%"/><request><http url="/"/></request></session>"#,
        );
        let e = estimate_concurrency(&s, Duration::from_secs(1));
        assert_eq!((e.arrivals, e.peak), (1000, 1000));
        assert_eq!(
            e.basis,
            EstimateBasis::Arrivals {
                unbounded_session: "dyn".into()
            }
        );
    }

    #[test]
    fn loops_multiply_and_static_users_count() {
        let s = scenario(
            r#"><user session="s" start_time="1" unit="second"/><user session="s" start_time="2" unit="second"/>"#,
            r#"<session name="s" probability="100" type="ts_http">
               <for from="1" to="5" incr="1" var="i"><request><http url="/"/></request><thinktime value="2" random="false"/></for>
               </session>"#,
        );
        let e = estimate_concurrency(&s, Duration::from_millis(0));
        // Both static users overlap (sessions of 10 s): 2 + 3·√2 → 7, capped at 2 arrivals.
        assert_eq!((e.arrivals, e.peak), (2, 2));
        assert!(
            matches!(e.basis, EstimateBasis::SessionLength { longest_session_s } if longest_session_s == 10.0)
        );
    }

    #[test]
    fn for_iteration_counts() {
        let cases = [
            (1, 5, 1, Some(5)),
            (5, 1, -1, Some(5)),
            (1, 10, 3, Some(4)),
            (5, 1, 1, Some(0)),
            (1, 1, 0, None),
            (2, 1, 0, Some(0)),
        ];
        for (from, to, incr, want) in cases {
            assert_eq!(
                for_iterations(from, to, incr),
                want,
                "{from}..{to} by {incr}"
            );
        }
    }
}
