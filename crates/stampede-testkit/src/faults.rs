//! Fault injection: rules saying which requests get which misbehaviour.
//!
//! Rules are checked in the order they were added; the first rule whose scope matches the
//! request and whose trigger fires decides the fault, and later rules are not consulted (nor
//! do their random generators advance). Everything is deterministic given the order in which
//! requests arrive: `next(n)` counts matching requests, `probability(p, seed)` draws from a
//! generator seeded with `seed` once per matching request.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use axum::http::{Method, StatusCode};

use crate::counts::Outcome;
use crate::rng::SplitMix64;
use crate::routes;

/// A misbehaviour the target app can show instead of (or before) its normal answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Wait this long, then answer normally (counted under the real status).
    Delay(Duration),
    /// Close the socket with a TCP RST (SO_LINGER 0) instead of answering.
    Reset,
    /// Close the socket (FIN) without answering.
    Close,
    /// Send bytes that are not an HTTP response, then close.
    Malformed,
    /// Never answer; the connection stays open until the client or the app closes it.
    Stall,
    /// Answer with this status code and a short HTML body instead of the normal answer.
    Status(u16),
    /// Send a response head with a `Content-Length` larger than the body that follows,
    /// then close.
    Truncate,
}

impl Fault {
    /// The fault kinds that take the socket away from the HTTP layer.
    pub(crate) fn socket_level(self) -> Option<SocketFault> {
        match self {
            Fault::Reset => Some(SocketFault::Reset),
            Fault::Close => Some(SocketFault::Close),
            Fault::Malformed => Some(SocketFault::Malformed),
            Fault::Stall => Some(SocketFault::Stall),
            Fault::Truncate => Some(SocketFault::Truncate),
            Fault::Delay(_) | Fault::Status(_) => None,
        }
    }
}

/// A fault carried out on the raw socket by the connection task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SocketFault {
    Reset,
    Close,
    Malformed,
    Stall,
    Truncate,
}

impl SocketFault {
    pub(crate) fn outcome(self) -> Outcome {
        match self {
            SocketFault::Reset => Outcome::Reset,
            SocketFault::Close => Outcome::Closed,
            SocketFault::Malformed => Outcome::Malformed,
            SocketFault::Stall => Outcome::Stalled,
            SocketFault::Truncate => Outcome::Truncated,
        }
    }
}

/// When a rule fires.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Trigger {
    Always,
    Next(u64),
    Probability { p: f64, seed: u64 },
}

/// Which requests get which fault: build with [`FaultRule::new`], then narrow it.
///
/// ```
/// use std::time::Duration;
/// use stampede_testkit::{Fault, FaultRule};
/// // The next two sign-ups get a reset; everything else is untouched.
/// let rule = FaultRule::new(Fault::Reset).route("/users").method("POST").next(2);
/// // A quarter of all requests wait 50 ms, reproducibly.
/// let slow = FaultRule::new(Fault::Delay(Duration::from_millis(50))).probability(0.25, 7);
/// # let _ = (rule, slow);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    fault: Fault,
    route: Option<String>,
    method: Option<String>,
    trigger: Trigger,
}

impl FaultRule {
    /// A rule applying `fault` to every request on every route, until cleared.
    pub fn new(fault: Fault) -> Self {
        Self {
            fault,
            route: None,
            method: None,
            trigger: Trigger::Always,
        }
    }

    /// Only requests whose route pattern is `pattern` (one of [`crate::ROUTES`], or
    /// [`crate::UNMATCHED_ROUTE`] for paths no route matches).
    pub fn route(mut self, pattern: &str) -> Self {
        self.route = Some(pattern.to_owned());
        self
    }

    /// Only requests with this method (as sent on the wire, e.g. `POST`).
    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_owned());
        self
    }

    /// Fire for the next `n` matching requests only, then retire.
    pub fn next(mut self, n: u64) -> Self {
        self.trigger = Trigger::Next(n);
        self
    }

    /// Fire for each matching request with probability `p`, drawn from a generator seeded
    /// with `seed` (same seed and same request order, same requests faulted).
    pub fn probability(mut self, p: f64, seed: u64) -> Self {
        self.trigger = Trigger::Probability { p, seed };
        self
    }

    /// Checks the rule as [`FaultControl::add`] would, without adding it.
    pub(crate) fn validate(&self) -> Result<(), FaultError> {
        activate(self.clone()).map(|_| ())
    }
}

/// Why a fault rule was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FaultError {
    /// The route pattern is not one the app serves.
    #[error("unknown route pattern {0:?} (see stampede_testkit::ROUTES)")]
    UnknownRoute(String),
    /// The method is not a valid HTTP method token.
    #[error("invalid HTTP method {0:?}")]
    InvalidMethod(String),
    /// The status code is outside 100..=999.
    #[error("invalid status code {0}")]
    InvalidStatus(u16),
    /// The probability is not within 0..=1.
    #[error("probability {0} is not within 0..=1")]
    InvalidProbability(f64),
    /// A JSON fault description could not be understood.
    #[error("invalid fault description: {0}")]
    InvalidDescription(String),
}

#[derive(Debug)]
enum ActiveTrigger {
    Always,
    Next(u64),
    Probability { p: f64, rng: SplitMix64 },
}

#[derive(Debug)]
struct ActiveRule {
    fault: Fault,
    route: Option<&'static str>,
    method: Option<Method>,
    trigger: ActiveTrigger,
}

impl ActiveRule {
    fn matches(&self, route: &'static str, method: &Method) -> bool {
        self.route.is_none_or(|r| r == route) && self.method.as_ref().is_none_or(|m| m == method)
    }

    /// Whether the rule fires for this (matching) request; advances its state.
    fn fire(&mut self) -> bool {
        match &mut self.trigger {
            ActiveTrigger::Always => true,
            ActiveTrigger::Next(left) => {
                if *left == 0 {
                    return false;
                }
                *left -= 1;
                true
            }
            ActiveTrigger::Probability { p, rng } => rng.next_f64() < *p,
        }
    }

    fn exhausted(&self) -> bool {
        matches!(self.trigger, ActiveTrigger::Next(0))
    }
}

/// The app's fault rules; shared by the server and the test (see
/// [`crate::TargetApp::faults`]) and by the `/_control/faults` endpoint.
#[derive(Debug, Default)]
pub struct FaultControl {
    /// Number of active rules, read without locking on every request.
    active: AtomicUsize,
    fired: AtomicU64,
    rules: Mutex<Vec<ActiveRule>>,
}

impl FaultControl {
    /// Adds a rule after the existing ones.
    pub fn add(&self, rule: FaultRule) -> Result<(), FaultError> {
        let active = activate(rule)?;
        let mut rules = self.rules.lock().unwrap_or_else(PoisonError::into_inner);
        if !active.exhausted() {
            rules.push(active);
        }
        self.active.store(rules.len(), Ordering::Release);
        Ok(())
    }

    /// Removes every rule.
    pub fn clear(&self) {
        let mut rules = self.rules.lock().unwrap_or_else(PoisonError::into_inner);
        rules.clear();
        self.active.store(0, Ordering::Release);
    }

    /// Number of rules still active (a `next(n)` rule retires after its `n` requests).
    pub fn active_rules(&self) -> usize {
        self.active.load(Ordering::Acquire)
    }

    /// How many faults have been injected since the app started.
    pub fn fired(&self) -> u64 {
        self.fired.load(Ordering::Relaxed)
    }

    /// The fault for this request, if any rule fires.
    pub(crate) fn decide(&self, route: &'static str, method: &Method) -> Option<Fault> {
        if self.active.load(Ordering::Acquire) == 0 {
            return None;
        }
        let mut rules = self.rules.lock().unwrap_or_else(PoisonError::into_inner);
        let index = rules
            .iter_mut()
            .position(|rule| rule.matches(route, method) && rule.fire())?;
        let fault = rules[index].fault;
        if rules[index].exhausted() {
            rules.remove(index);
            self.active.store(rules.len(), Ordering::Release);
        }
        self.fired.fetch_add(1, Ordering::Relaxed);
        Some(fault)
    }
}

fn activate(rule: FaultRule) -> Result<ActiveRule, FaultError> {
    let route = match rule.route {
        None => None,
        Some(pattern) => Some(routes::intern(&pattern).ok_or(FaultError::UnknownRoute(pattern))?),
    };
    let method = match rule.method {
        None => None,
        Some(m) => Some(
            Method::from_bytes(m.to_ascii_uppercase().as_bytes())
                .map_err(|_| FaultError::InvalidMethod(m))?,
        ),
    };
    if let Fault::Status(code) = rule.fault {
        StatusCode::from_u16(code).map_err(|_| FaultError::InvalidStatus(code))?;
    }
    let trigger = match rule.trigger {
        Trigger::Always => ActiveTrigger::Always,
        Trigger::Next(n) => ActiveTrigger::Next(n),
        Trigger::Probability { p, seed } => {
            if !(0.0..=1.0).contains(&p) {
                return Err(FaultError::InvalidProbability(p));
            }
            ActiveTrigger::Probability {
                p,
                rng: SplitMix64::new(seed),
            }
        }
    };
    Ok(ActiveRule {
        fault: rule.fault,
        route,
        method,
        trigger,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decide_n(c: &FaultControl, route: &'static str, method: &Method, n: usize) -> Vec<bool> {
        (0..n).map(|_| c.decide(route, method).is_some()).collect()
    }

    #[test]
    fn next_n_fires_exactly_n_times_then_retires() {
        let c = FaultControl::default();
        c.add(FaultRule::new(Fault::Reset).next(2)).unwrap();
        assert_eq!(c.active_rules(), 1);
        assert_eq!(
            decide_n(&c, "/health", &Method::GET, 4),
            [true, true, false, false]
        );
        assert_eq!(c.active_rules(), 0);
        assert_eq!(c.fired(), 2);
    }

    #[test]
    fn scope_by_route_and_method() {
        let c = FaultControl::default();
        c.add(FaultRule::new(Fault::Close).route("/users").method("post"))
            .unwrap();
        assert_eq!(c.decide("/users", &Method::POST), Some(Fault::Close));
        assert_eq!(c.decide("/users", &Method::GET), None);
        assert_eq!(c.decide("/health", &Method::POST), None);
    }

    #[test]
    fn first_firing_rule_wins() {
        let c = FaultControl::default();
        c.add(FaultRule::new(Fault::Status(503)).route("/health").next(1))
            .unwrap();
        c.add(FaultRule::new(Fault::Stall)).unwrap();
        assert_eq!(c.decide("/health", &Method::GET), Some(Fault::Status(503)));
        assert_eq!(c.decide("/health", &Method::GET), Some(Fault::Stall));
        c.clear();
        assert_eq!(c.decide("/health", &Method::GET), None);
    }

    #[test]
    fn probability_is_reproducible_and_roughly_right() {
        let run = |seed| {
            let c = FaultControl::default();
            c.add(FaultRule::new(Fault::Reset).probability(0.3, seed))
                .unwrap();
            decide_n(&c, "/", &Method::GET, 1000)
        };
        let a = run(42);
        assert_eq!(a, run(42));
        assert_ne!(a, run(43));
        let hits = a.iter().filter(|&&x| x).count();
        assert!((200..400).contains(&hits), "{hits}");
    }

    #[test]
    fn invalid_rules_are_refused() {
        let c = FaultControl::default();
        let cases = [
            (
                FaultRule::new(Fault::Reset).route("/nope"),
                FaultError::UnknownRoute("/nope".into()),
            ),
            (
                FaultRule::new(Fault::Status(42)),
                FaultError::InvalidStatus(42),
            ),
            (
                FaultRule::new(Fault::Reset).probability(1.5, 0),
                FaultError::InvalidProbability(1.5),
            ),
            (
                FaultRule::new(Fault::Reset).method("G T"),
                FaultError::InvalidMethod("G T".into()),
            ),
        ];
        for (rule, err) in cases {
            assert_eq!(c.add(rule), Err(err));
        }
        assert_eq!(c.active_rules(), 0);
    }

    #[test]
    fn next_zero_is_a_no_op() {
        let c = FaultControl::default();
        c.add(FaultRule::new(Fault::Reset).next(0)).unwrap();
        assert_eq!(c.active_rules(), 0);
        assert_eq!(c.decide("/", &Method::GET), None);
    }
}
