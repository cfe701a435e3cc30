//! Home page, health, the 100-byte static file, the token echo, the 404 fallback.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::AppState;
use super::web::{self, Form, Visit, escape};

/// Exactly 100 bytes, for benchmarks that want a tiny fixed response.
const STATIC_100B: &str = concat!(
    "Stampede static file: one hundred bytes exactly, for benchmarks of tiny responses. ",
    "0123456789abcdef\n"
);
const _: () = assert!(STATIC_100B.len() == 100);

/// `GET /`
pub(super) async fn home(State(app): State<AppState>) -> Response {
    let store = app.store();
    let mut list = String::from("<ul id=\"featured\">\n");
    for (id, c) in store.communities(5) {
        list.push_str(&format!(
            "<li><a href=\"/communities/{id}\">{}</a></li>\n",
            escape(&c.name)
        ));
    }
    list.push_str("</ul>\n");
    drop(store);
    let body = format!(
        "<h1>Stampede Demo</h1>\n<p>Share links with your communities.</p>\n<p><a href=\"/communities\">Browse communities</a> or <a href=\"/users/new\">sign up</a> or <a href=\"/login\">log in</a>.</p>\n<h2>Latest communities</h2>\n{list}"
    );
    web::page(StatusCode::OK, "Home", None, &body)
}

/// `GET /health`
pub(super) async fn health() -> Response {
    web::text(StatusCode::OK, "ok\n")
}

/// `GET /static/100b.txt`
pub(super) async fn static_100b() -> Response {
    web::text(StatusCode::OK, STATIC_100B)
}

/// `POST /echo/verify`: does the form field `token` equal (byte for byte, after URL
/// decoding) a token issued to this session? 200 when it does, 422 when not; the body
/// echoes what arrived.
pub(super) async fn echo_verify(
    State(app): State<AppState>,
    visit: Visit,
    body: Bytes,
) -> Response {
    let form = Form::parse(&body);
    let received = form.get(&["token"]);
    let verified = received.is_some_and(|t| app.store().verify_token(visit.cookie.as_deref(), t));
    let status = if verified {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    web::json(
        status,
        &json!({ "verified": verified, "received": received }),
    )
}

/// Any path no route matches.
pub(super) async fn fallback() -> Response {
    web::not_found()
}

#[cfg(test)]
mod tests {
    #[test]
    fn static_file_is_one_hundred_bytes() {
        assert_eq!(super::STATIC_100B.len(), 100);
    }
}
