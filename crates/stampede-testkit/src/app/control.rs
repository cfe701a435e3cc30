//! `/_control`: fault injection and counts over HTTP, for tools outside the test process.
//! These requests are neither counted nor subject to faults.
//!
//! * `POST /_control/faults` — a rule or an array of rules, e.g.
//!   `{"fault":"reset","route":"/users","method":"POST","next":1}`,
//!   `{"fault":"delay","ms":250,"probability":0.5,"seed":7}`, `{"fault":"status","code":503}`.
//!   Faults: `delay` (`ms`), `reset`, `close`, `malformed`, `stall`, `status` (`code`),
//!   `truncate`. Without `next` or `probability` a rule applies to every matching request.
//! * `DELETE /_control/faults` — remove every rule; `GET` — `{"active_rules":N,"fired":N}`.
//! * `GET /_control/counts` — the counts as JSON; `DELETE` — reset them.

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{AppState, web};
use crate::faults::{Fault, FaultError, FaultRule};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/_control/faults",
            get(fault_status).post(add_faults).delete(clear_faults),
        )
        .route("/_control/counts", get(counts).delete(reset_counts))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultSpec {
    fault: String,
    ms: Option<u64>,
    code: Option<u16>,
    route: Option<String>,
    method: Option<String>,
    next: Option<u64>,
    probability: Option<f64>,
    seed: Option<u64>,
}

impl FaultSpec {
    fn into_rule(self) -> Result<FaultRule, FaultError> {
        let missing = |what: &str| FaultError::InvalidDescription(format!("{what} is required"));
        let fault = match self.fault.as_str() {
            "delay" => Fault::Delay(Duration::from_millis(self.ms.ok_or_else(|| missing("ms"))?)),
            "reset" => Fault::Reset,
            "close" => Fault::Close,
            "malformed" => Fault::Malformed,
            "stall" => Fault::Stall,
            "status" => Fault::Status(self.code.ok_or_else(|| missing("code"))?),
            "truncate" => Fault::Truncate,
            other => {
                return Err(FaultError::InvalidDescription(format!(
                    "unknown fault {other:?}"
                )));
            }
        };
        let mut rule = FaultRule::new(fault);
        if let Some(route) = &self.route {
            rule = rule.route(route);
        }
        if let Some(method) = &self.method {
            rule = rule.method(method);
        }
        match (self.next, self.probability) {
            (Some(_), Some(_)) => {
                return Err(FaultError::InvalidDescription(
                    "give either next or probability, not both".into(),
                ));
            }
            (Some(n), None) => rule = rule.next(n),
            (None, Some(p)) => rule = rule.probability(p, self.seed.unwrap_or(0)),
            (None, None) => {}
        }
        Ok(rule)
    }
}

/// Parses a JSON rule or array of rules.
fn parse_rules(body: &[u8]) -> Result<Vec<FaultRule>, FaultError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| FaultError::InvalidDescription(e.to_string()))?;
    let items = match value {
        Value::Array(items) => items,
        other => vec![other],
    };
    items
        .into_iter()
        .map(|item| {
            serde_json::from_value::<FaultSpec>(item)
                .map_err(|e| FaultError::InvalidDescription(e.to_string()))?
                .into_rule()
        })
        .collect()
}

async fn add_faults(State(app): State<AppState>, body: Bytes) -> Response {
    let added = parse_rules(&body).and_then(|rules| {
        // Validate every rule before adding any.
        for rule in &rules {
            rule.validate()?;
        }
        for rule in rules {
            app.faults.add(rule)?;
        }
        Ok(())
    });
    match added {
        Ok(()) => web::json(
            StatusCode::CREATED,
            &json!({ "active_rules": app.faults.active_rules() }),
        ),
        Err(e) => web::json(StatusCode::BAD_REQUEST, &json!({ "error": e.to_string() })),
    }
}

async fn clear_faults(State(app): State<AppState>) -> Response {
    app.faults.clear();
    fault_status(State(app)).await
}

async fn fault_status(State(app): State<AppState>) -> Response {
    web::json(
        StatusCode::OK,
        &json!({ "active_rules": app.faults.active_rules(), "fired": app.faults.fired() }),
    )
}

async fn counts(State(app): State<AppState>) -> Response {
    web::json(StatusCode::OK, &app.counter.snapshot().to_json())
}

async fn reset_counts(State(app): State<AppState>) -> Response {
    app.counter.reset();
    web::json(StatusCode::OK, &json!({ "total": 0 }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_shapes() {
        let ok: &[(&str, FaultRule)] = &[
            (
                r#"{"fault":"reset","route":"/users","method":"POST","next":1}"#,
                FaultRule::new(Fault::Reset)
                    .route("/users")
                    .method("POST")
                    .next(1),
            ),
            (
                r#"{"fault":"delay","ms":250,"probability":0.5,"seed":7}"#,
                FaultRule::new(Fault::Delay(Duration::from_millis(250))).probability(0.5, 7),
            ),
            (
                r#"{"fault":"status","code":503}"#,
                FaultRule::new(Fault::Status(503)),
            ),
        ];
        for (text, want) in ok {
            assert_eq!(
                parse_rules(text.as_bytes()).unwrap(),
                vec![want.clone()],
                "{text}"
            );
        }
        let two = parse_rules(br#"[{"fault":"stall"},{"fault":"truncate"}]"#).unwrap();
        assert_eq!(two.len(), 2);
    }

    #[test]
    fn rejects_bad_descriptions() {
        for text in [
            r#"{"fault":"explode"}"#,
            r#"{"fault":"delay"}"#,
            r#"{"fault":"status"}"#,
            r#"{"fault":"reset","next":1,"probability":0.5}"#,
            r#"{"fault":"reset","colour":"red"}"#,
            "not json",
        ] {
            assert!(
                matches!(
                    parse_rules(text.as_bytes()),
                    Err(FaultError::InvalidDescription(_))
                ),
                "{text}"
            );
        }
    }
}
