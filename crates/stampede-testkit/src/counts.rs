//! Request accounting: every request the target app answers (or faults) is counted once,
//! by route pattern, method and outcome, at the moment its outcome is decided.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Mutex, PoisonError};

use axum::http::Method;
use serde::Serialize;

/// What became of one request.
///
/// `Status` covers every HTTP answer, including the ones produced by an injected
/// `Fault::Status` or after an injected `Fault::Delay`. The other variants are the
/// socket-level faults, counted under their own kind since no status was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// An HTTP response with this status code was produced.
    Status(u16),
    /// The connection was reset (RST) instead of answering.
    Reset,
    /// The connection was closed (FIN) without an answer.
    Closed,
    /// Bytes that are not HTTP were sent, then the connection was closed.
    Malformed,
    /// The request was accepted and never answered.
    Stalled,
    /// A response head promised more body bytes than were sent before closing.
    Truncated,
}

impl Outcome {
    /// The status code, for `Outcome::Status`.
    pub fn status(self) -> Option<u16> {
        match self {
            Outcome::Status(code) => Some(code),
            _ => None,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Status(code) => write!(f, "{code}"),
            Outcome::Reset => f.write_str("reset"),
            Outcome::Closed => f.write_str("close"),
            Outcome::Malformed => f.write_str("malformed"),
            Outcome::Stalled => f.write_str("stall"),
            Outcome::Truncated => f.write_str("truncate"),
        }
    }
}

impl Serialize for Outcome {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One line of the accounting: which route, which method, what outcome.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct CountKey {
    /// The route pattern as listed in [`crate::ROUTES`] (e.g. `/communities/{id}`), or
    /// [`crate::UNMATCHED_ROUTE`] for a path no route matches.
    pub route: &'static str,
    /// The request method as sent (`POST` stays `POST` even with `_method=delete`).
    pub method: String,
    /// What the request got.
    pub outcome: Outcome,
}

/// A consistent copy of the app's request counts, sorted by key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    entries: BTreeMap<CountKey, u64>,
}

impl Counts {
    /// Every count, sorted by route, method, outcome.
    pub fn entries(&self) -> &BTreeMap<CountKey, u64> {
        &self.entries
    }

    /// Total number of requests counted.
    pub fn total(&self) -> u64 {
        self.entries.values().sum()
    }

    /// Count for one route pattern, method and outcome (0 when never seen).
    pub fn get(&self, route: &str, method: &str, outcome: Outcome) -> u64 {
        self.entries
            .iter()
            .filter(|(k, _)| k.route == route && k.method == method && k.outcome == outcome)
            .map(|(_, n)| n)
            .sum()
    }

    /// Requests per HTTP status code (socket-level faults are not included).
    pub fn by_status(&self) -> BTreeMap<u16, u64> {
        let mut out = BTreeMap::new();
        for (k, n) in &self.entries {
            if let Some(code) = k.outcome.status() {
                *out.entry(code).or_insert(0) += n;
            }
        }
        out
    }

    /// Requests per outcome, socket-level faults included.
    pub fn by_outcome(&self) -> BTreeMap<Outcome, u64> {
        let mut out = BTreeMap::new();
        for (k, n) in &self.entries {
            *out.entry(k.outcome).or_insert(0) += n;
        }
        out
    }

    /// Requests per route pattern, whatever their method and outcome.
    pub fn by_route(&self) -> BTreeMap<&'static str, u64> {
        let mut out = BTreeMap::new();
        for (k, n) in &self.entries {
            *out.entry(k.route).or_insert(0) += n;
        }
        out
    }

    /// The counts as JSON: `{"total":N,"entries":[{"route":…,"method":…,"outcome":"200","count":N},…]}`.
    pub fn to_json(&self) -> serde_json::Value {
        let entries: Vec<serde_json::Value> = self
            .entries
            .iter()
            .map(|(k, n)| {
                serde_json::json!({
                    "route": k.route,
                    "method": k.method,
                    "outcome": k.outcome.to_string(),
                    "count": n,
                })
            })
            .collect();
        serde_json::json!({ "total": self.total(), "entries": entries })
    }
}

impl fmt::Display for Counts {
    /// One line per key: `GET /communities/{id} 200 3`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, n) in &self.entries {
            writeln!(f, "{} {} {} {}", k.method, k.route, k.outcome, n)?;
        }
        Ok(())
    }
}

/// The live, thread-safe counter the server records into.
#[derive(Debug, Default)]
pub(crate) struct Counter {
    map: Mutex<HashMap<(&'static str, Method, Outcome), u64>>,
}

impl Counter {
    pub(crate) fn record(&self, route: &'static str, method: &Method, outcome: Outcome) {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        // Cloning a standard method copies an enum tag; nothing is allocated.
        *map.entry((route, method.clone(), outcome)).or_insert(0) += 1;
    }

    pub(crate) fn snapshot(&self) -> Counts {
        let map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        let mut entries = BTreeMap::new();
        for ((route, method, outcome), n) in map.iter() {
            let key = CountKey {
                route,
                method: method.as_str().to_owned(),
                outcome: *outcome,
            };
            *entries.entry(key).or_insert(0) += n;
        }
        Counts { entries }
    }

    pub(crate) fn reset(&self) {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregates_by_status_outcome_and_route() {
        let c = Counter::default();
        c.record("/a", &Method::GET, Outcome::Status(200));
        c.record("/a", &Method::GET, Outcome::Status(200));
        c.record("/a", &Method::POST, Outcome::Status(302));
        c.record("/b", &Method::GET, Outcome::Reset);
        let s = c.snapshot();
        assert_eq!(s.total(), 4);
        assert_eq!(s.get("/a", "GET", Outcome::Status(200)), 2);
        assert_eq!(s.get("/a", "POST", Outcome::Status(200)), 0);
        assert_eq!(s.by_status(), BTreeMap::from([(200, 2), (302, 1)]));
        assert_eq!(s.by_outcome().get(&Outcome::Reset), Some(&1));
        assert_eq!(s.by_route(), BTreeMap::from([("/a", 3), ("/b", 1)]));
        assert_eq!(
            s.to_string(),
            "GET /a 200 2\nPOST /a 302 1\nGET /b reset 1\n"
        );
        c.reset();
        assert_eq!(c.snapshot().total(), 0);
    }

    #[test]
    fn json_shape() {
        let c = Counter::default();
        c.record("/a", &Method::DELETE, Outcome::Truncated);
        let v = c.snapshot().to_json();
        assert_eq!(v["total"], 1);
        assert_eq!(v["entries"][0]["outcome"], "truncate");
        assert_eq!(v["entries"][0]["method"], "DELETE");
    }
}
