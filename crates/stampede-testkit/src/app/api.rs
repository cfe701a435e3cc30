//! The JSON API: bearer-token login, community list, submission create and show.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::AppState;
use super::web::{self, Form, Visit};

/// Communities listed by `GET /api/communities` at most.
const LIST_LIMIT: usize = 100;

/// A request body as JSON when it says so (or looks like it), else as a form.
fn fields(headers: &HeaderMap, body: &[u8]) -> Value {
    let is_json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"))
        || body.trim_ascii_start().starts_with(b"{");
    if is_json {
        return serde_json::from_slice(body).unwrap_or(Value::Null);
    }
    let form = Form::parse(body);
    let mut map = serde_json::Map::new();
    for key in ["name", "password", "community_id", "title", "url"] {
        if let Some(v) = form.get(&[key]) {
            map.insert(key.to_owned(), Value::String(v.to_owned()));
        }
    }
    Value::Object(map)
}

fn str_field<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// A number, or a string holding one (Tsung bodies are text, either is common).
fn id_field(v: &Value, key: &str) -> Option<u64> {
    match v.get(key)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => web::parse_id(s.trim()),
        _ => None,
    }
}

/// `POST /api/login` — `{"name":…,"password":…}` (or the same as a form).
pub(super) async fn login(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let input = fields(&headers, &body);
    let mut store = app.store();
    match store.authenticate(str_field(&input, "name"), str_field(&input, "password")) {
        Some(id) => {
            let token = store.issue_api_token(id);
            let name = store.user_name(id).to_owned();
            drop(store);
            web::json(
                StatusCode::OK,
                &json!({ "token": token, "user": { "id": id, "name": name } }),
            )
        }
        None => web::json(
            StatusCode::UNAUTHORIZED,
            &json!({ "error": "invalid name or password" }),
        ),
    }
}

/// `GET /api/communities`
pub(super) async fn communities(State(app): State<AppState>) -> Response {
    let store = app.store();
    let list: Vec<Value> = store
        .communities(LIST_LIMIT)
        .map(
            |(id, c)| json!({ "id": id, "name": c.name, "submissions_count": c.submissions.len() }),
        )
        .collect();
    drop(store);
    web::json(StatusCode::OK, &Value::Array(list))
}

/// `POST /api/submissions` with `Authorization: Bearer TOKEN` —
/// `{"community_id":…,"title":…,"url":…}` → 201.
pub(super) async fn create_submission(
    State(app): State<AppState>,
    visit: Visit,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut store = app.store();
    let Some(user) = visit.bearer().and_then(|t| store.api_user(t)) else {
        return web::json_unauthorized();
    };
    let input = fields(&headers, &body);
    let title = str_field(&input, "title").trim();
    if title.is_empty() {
        return web::json(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({ "errors": { "title": ["can't be blank"] } }),
        );
    }
    let url = str_field(&input, "url");
    let created = id_field(&input, "community_id")
        .and_then(|c| Some((c, store.create_submission(c, user, title, url)?)));
    let Some((community, id)) = created else {
        return web::json(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({ "errors": { "community": ["must exist"] } }),
        );
    };
    drop(store);
    let mut resp = web::json(
        StatusCode::CREATED,
        &json!({ "id": id, "community_id": community, "title": title, "url": url, "user_id": user }),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("{}/api/submissions/{id}", visit.base)) {
        resp.headers_mut().insert(LOCATION, v);
    }
    resp
}

/// `GET /api/submissions/{id}`
pub(super) async fn submission(State(app): State<AppState>, Path(id): Path<String>) -> Response {
    let store = app.store();
    let found = web::parse_id(&id).and_then(|id| Some((id, store.submission(id)?)));
    match found {
        Some((id, s)) => {
            let value = json!({
                "id": id,
                "community_id": s.community,
                "title": s.title,
                "url": s.url,
                "user_id": s.author,
                "comments_count": s.comments.len(),
            });
            drop(store);
            web::json(StatusCode::OK, &value)
        }
        None => web::json(StatusCode::NOT_FOUND, &json!({ "error": "not found" })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_from_json_or_form() {
        let mut h = HeaderMap::new();
        let v = fields(&h, br#"{"name":"a","community_id":"3"}"#);
        assert_eq!(str_field(&v, "name"), "a");
        assert_eq!(id_field(&v, "community_id"), Some(3));
        let v = fields(&h, b"name=a%2Bb&community_id=4");
        assert_eq!(str_field(&v, "name"), "a+b");
        assert_eq!(id_field(&v, "community_id"), Some(4));
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        assert_eq!(fields(&h, b"not json"), Value::Null);
        assert_eq!(
            id_field(&json!({"community_id": 5}), "community_id"),
            Some(5)
        );
        assert_eq!(id_field(&json!({"community_id": -1}), "community_id"), None);
    }
}
