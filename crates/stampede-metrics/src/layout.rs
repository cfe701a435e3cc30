//! The shape of a run's metrics: which transactions, requests and sessions exist. Taken from
//! the scenario once; recorders preallocate from it and reports name rows with it.

use serde::{Deserialize, Serialize};
use stampede_model::{RequestId, Scenario, SessionId, TransactionId};

/// Names of the scenario's transactions, requests and sessions, indexed by their ids.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    /// Transaction names as written in the scenario (without the `tr_` prefix), indexed by
    /// [`TransactionId`].
    pub transactions: Vec<String>,
    /// Requests, indexed by [`RequestId`].
    pub requests: Vec<RequestLabel>,
    /// Session names, indexed by [`SessionId`].
    pub sessions: Vec<String>,
}

/// What a report shows to name a request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestLabel {
    /// The session the request belongs to ([`SessionId`] index).
    pub session: u32,
    /// `GET`, `POST`, …
    pub method: String,
    /// The URL as written in the scenario (`%%_var%%` markers included).
    pub url: String,
}

impl Layout {
    /// The layout of a scenario: `scenario.transactions`, `scenario.requests`,
    /// `scenario.sessions`, in id order.
    pub fn from_scenario(scenario: &Scenario) -> Self {
        Self {
            transactions: scenario
                .transactions
                .iter()
                .map(|t| t.to_string())
                .collect(),
            requests: scenario
                .requests
                .iter()
                .map(|r| RequestLabel {
                    session: r.session.0,
                    method: r.method.as_str().to_owned(),
                    url: r.url.clone(),
                })
                .collect(),
            sessions: scenario.sessions.iter().map(|s| s.name.clone()).collect(),
        }
    }

    /// Number of transactions.
    pub fn transaction_count(&self) -> usize {
        self.transactions.len()
    }

    /// Number of requests.
    pub fn request_count(&self) -> usize {
        self.requests.len()
    }

    /// Number of sessions.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// The name of a transaction as written (`login`), or `#<index>` if unknown.
    pub fn transaction_name(&self, id: TransactionId) -> String {
        self.transactions
            .get(id.index())
            .cloned()
            .unwrap_or_else(|| format!("#{}", id.0))
    }

    /// The label of a request, if known.
    pub fn request(&self, id: RequestId) -> Option<&RequestLabel> {
        self.requests.get(id.index())
    }

    /// The name of a session, or `#<index>` if unknown.
    pub fn session_name(&self, id: SessionId) -> String {
        self.sessions
            .get(id.index())
            .cloned()
            .unwrap_or_else(|| format!("#{}", id.0))
    }
}
