//! Shared plumbing of the web app: request context, form parsing, Rails-like responses.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::FromRequestParts;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_TYPE, COOKIE, HOST, LOCATION, SET_COOKIE, WWW_AUTHENTICATE,
};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body::Frame;

use super::AppState;

/// Name of the session cookie, as a Rails app called `app` would have it.
pub(crate) const SESSION_COOKIE: &str = "_app_session";

const HTML: &str = "text/html; charset=utf-8";
const JSON: &str = "application/json; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

/// What every handler wants to know about the client: its session cookie, the absolute
/// base URL it used to reach us, and whether it asked for tricky tokens.
#[derive(Debug)]
pub(crate) struct Visit {
    pub(crate) cookie: Option<String>,
    pub(crate) base: String,
    pub(crate) tricky: bool,
    csrf_header: Option<String>,
    bearer: Option<String>,
}

impl FromRequestParts<AppState> for Visit {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        Ok(Visit {
            cookie: session_cookie(&parts.headers).map(str::to_owned),
            base: base_url(&parts.headers, state.addr),
            tricky: wants_tricky(parts.uri.query()),
            csrf_header: header_str(&parts.headers, "x-csrf-token").map(str::to_owned),
            bearer: bearer_token(&parts.headers).map(str::to_owned),
        })
    }
}

impl Visit {
    /// The CSRF token the client sent: the `authenticity_token` form field, else the
    /// `X-CSRF-Token` header.
    pub(crate) fn csrf_token<'a>(&'a self, form: &'a Form) -> Option<&'a str> {
        form.get(&["authenticity_token"])
            .or(self.csrf_header.as_deref())
    }

    /// The token of an `Authorization: Bearer …` header.
    pub(crate) fn bearer(&self) -> Option<&str> {
        self.bearer.as_deref()
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.trim())
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = header_str(headers, "authorization")?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// `http://` + the `Host` header when it looks like a host (Rails builds redirects from it),
/// else the address the app listens on.
fn base_url(headers: &HeaderMap, addr: SocketAddr) -> String {
    match header_str(headers, HOST.as_str()) {
        Some(host)
            if !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]_".contains(&b)) =>
        {
            format!("http://{host}")
        }
        _ => format!("http://{addr}"),
    }
}

fn wants_tricky(query: Option<&str>) -> bool {
    query.is_some_and(|q| {
        form_urlencoded::parse(q.as_bytes())
            .any(|(k, v)| k == "tricky" && matches!(v.as_ref(), "1" | "true" | "yes"))
    })
}

/// A decoded `application/x-www-form-urlencoded` body (or query string).
#[derive(Debug, Default)]
pub(crate) struct Form(Vec<(String, String)>);

impl Form {
    pub(crate) fn parse(body: &[u8]) -> Self {
        Form(form_urlencoded::parse(body).into_owned().collect())
    }

    /// The first value under any of `names` (Rails apps accept several spellings).
    pub(crate) fn get(&self, names: &[&str]) -> Option<&str> {
        names
            .iter()
            .find_map(|n| self.0.iter().find(|(k, _)| k == n))
            .map(|(_, v)| v.as_str())
    }

    /// `_method=delete`, Rails' way of sending DELETE from a form.
    pub(crate) fn is_delete_override(&self) -> bool {
        self.get(&["_method"])
            .is_some_and(|m| m.eq_ignore_ascii_case("delete"))
    }
}

/// HTML-escapes text for element content and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A hidden CSRF field, the way Rails' `form_with` writes it.
pub(crate) fn token_field(token: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"authenticity_token\" value=\"{}\" autocomplete=\"off\"/>",
        escape(token)
    )
}

fn layout_head(title: &str, meta_token: Option<&str>) -> String {
    let meta = meta_token.map_or(String::new(), |t| {
        format!(
            "<meta name=\"csrf-param\" content=\"authenticity_token\"/>\n<meta name=\"csrf-token\" content=\"{}\"/>\n",
            escape(t)
        )
    });
    format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\"/>\n<title>{} | Stampede Demo</title>\n{meta}</head>\n<body>\n<nav><a href=\"/\">Home</a> | <a href=\"/communities\">Communities</a> | <a href=\"/users/new\">Sign up</a> | <a href=\"/login\">Log in</a></nav>\n",
        escape(title)
    )
}

const LAYOUT_TAIL: &str = "</body>\n</html>\n";

fn with_html_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(HTML));
    h.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("max-age=0, private, must-revalidate"),
    );
    resp
}

/// A full HTML page sent with a `Content-Length`.
pub(crate) fn page(
    status: StatusCode,
    title: &str,
    meta_token: Option<&str>,
    body: &str,
) -> Response {
    let html = format!("{}{body}{LAYOUT_TAIL}", layout_head(title, meta_token));
    with_html_headers((status, html).into_response())
}

/// A full HTML page streamed in several chunks (`Transfer-Encoding: chunked`).
pub(crate) fn chunked_page(
    status: StatusCode,
    title: &str,
    meta_token: Option<&str>,
    parts: Vec<String>,
) -> Response {
    let mut chunks = VecDeque::with_capacity(parts.len() + 2);
    chunks.push_back(Bytes::from(layout_head(title, meta_token)));
    chunks.extend(parts.into_iter().filter(|p| !p.is_empty()).map(Bytes::from));
    chunks.push_back(Bytes::from_static(LAYOUT_TAIL.as_bytes()));
    with_html_headers((status, Body::new(Chunks(chunks))).into_response())
}

/// A body of known chunks whose total size is not announced, so HTTP/1.1 sends it chunked.
struct Chunks(VecDeque<Bytes>);

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.get_mut().0.pop_front().map(|b| Ok(Frame::data(b))))
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_empty()
    }
}

/// Rails' `redirect_to`: 302, an absolute `Location`, and the little HTML body.
pub(crate) fn redirect(base: &str, path: &str) -> Response {
    let url = format!("{base}{path}");
    let body = format!(
        "<html><body>You are being <a href=\"{}\">redirected</a>.</body></html>",
        escape(&url)
    );
    let mut resp = with_html_headers((StatusCode::FOUND, body).into_response());
    if let Ok(v) = HeaderValue::from_str(&url) {
        resp.headers_mut().insert(LOCATION, v);
    }
    resp
}

/// Adds the session cookie to a response.
pub(crate) fn set_session_cookie(resp: &mut Response, session: &str) {
    let cookie = format!("{SESSION_COOKIE}={session}; path=/; HttpOnly");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(SET_COOKIE, v);
    }
}

/// A JSON response (`Content-Length`).
pub(crate) fn json(status: StatusCode, value: &serde_json::Value) -> Response {
    let mut resp = (status, value.to_string()).into_response();
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(JSON));
    resp
}

/// 401 for the JSON API.
pub(crate) fn json_unauthorized() -> Response {
    let mut resp = json(
        StatusCode::UNAUTHORIZED,
        &serde_json::json!({ "error": "unauthorized" }),
    );
    resp.headers_mut()
        .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    resp
}

/// A plain-text response (`Content-Length`).
pub(crate) fn text(status: StatusCode, body: impl Into<Body>) -> Response {
    let mut resp = (status, body.into()).into_response();
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(TEXT));
    resp
}

/// Rails' public/404.html.
pub(crate) fn not_found() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "The page you were looking for doesn't exist (404)",
        None,
        "<h1>The page you were looking for doesn't exist.</h1>\n<p>You may have mistyped the address or the page may have moved.</p>\n",
    )
}

/// Rails' answer to an `InvalidAuthenticityToken` (public/422.html).
pub(crate) fn invalid_token() -> Response {
    page(
        StatusCode::UNPROCESSABLE_ENTITY,
        "The change you wanted was rejected (422)",
        None,
        "<h1>The change you wanted was rejected.</h1>\n<p>Maybe you tried to change something you didn't have access to.</p>\n<p>ActionController::InvalidAuthenticityToken</p>\n",
    )
}

/// 403 for acting on someone else's record.
pub(crate) fn forbidden() -> Response {
    page(
        StatusCode::FORBIDDEN,
        "Forbidden (403)",
        None,
        "<h1>Forbidden</h1>\n<p>You are not allowed to do that.</p>\n",
    )
}

/// Parses a path id; anything that is not a positive integer is a 404, as in Rails.
pub(crate) fn parse_id(raw: &str) -> Option<u64> {
    raw.parse::<u64>().ok().filter(|&id| id > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Pairs<'a> = &'a [(&'static str, &'a str)];

    fn headers(pairs: Pairs<'_>) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn finds_the_session_cookie_among_others() {
        let cases: &[(Pairs<'_>, Option<&str>)] = &[
            (&[], None),
            (&[("cookie", "a=1; _app_session=xyz; b=2")], Some("xyz")),
            (
                &[("cookie", "a=1"), ("cookie", "_app_session=q")],
                Some("q"),
            ),
            (&[("cookie", "_app_sessionx=1")], None),
        ];
        for (pairs, want) in cases {
            assert_eq!(session_cookie(&headers(pairs)), *want, "{pairs:?}");
        }
    }

    #[test]
    fn base_url_follows_a_sane_host_header() {
        let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let cases: &[(Pairs<'_>, &str)] = &[
            (&[("host", "localhost:8080")], "http://localhost:8080"),
            (&[("host", "[::1]:80")], "http://[::1]:80"),
            (&[], "http://127.0.0.1:9"),
            (&[("host", "evil/path")], "http://127.0.0.1:9"),
            (&[("host", "")], "http://127.0.0.1:9"),
        ];
        for (pairs, want) in cases {
            assert_eq!(base_url(&headers(pairs), addr), *want, "{pairs:?}");
        }
    }

    #[test]
    fn bearer_tokens() {
        let cases: &[(&str, Option<&str>)] = &[
            ("Bearer abc", Some("abc")),
            ("bearer  abc ", Some("abc")),
            ("Basic abc", None),
            ("Bearer", None),
        ];
        for (v, want) in cases {
            assert_eq!(
                bearer_token(&headers(&[("authorization", v)])),
                *want,
                "{v}"
            );
        }
    }

    #[test]
    fn forms_decode_plus_and_percent() {
        let f = Form::parse(b"a=x+y&b=%2B%2F%3D&user%5Bname%5D=bob&_method=DELETE");
        assert_eq!(f.get(&["a"]), Some("x y"));
        assert_eq!(f.get(&["b"]), Some("+/="));
        assert_eq!(f.get(&["name", "user[name]"]), Some("bob"));
        assert!(f.is_delete_override());
        assert!(!Form::parse(b"_method=patch").is_delete_override());
    }

    #[test]
    fn tricky_flag() {
        for (q, want) in [
            (None, false),
            (Some("tricky=1"), true),
            (Some("a=b&tricky=true"), true),
            (Some("tricky=0"), false),
        ] {
            assert_eq!(wants_tricky(q), want, "{q:?}");
        }
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn ids() {
        assert_eq!(parse_id("12"), Some(12));
        assert_eq!(parse_id("0"), None);
        assert_eq!(parse_id("1x"), None);
    }
}
