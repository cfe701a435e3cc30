//! The routes: pages, JSON API, events, stop, run-directory files.

use super::files::{self, Refusal};
use super::guard::{HostGuard, check_same_origin};
use super::sse;
use crate::hub::Hub;
use crate::input::{LogLevel, LogLine, RunState};
use crate::pages::{self, PAGE_CSP, Page, REPORT_CSP};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::sync::Arc;
use tokio::io::AsyncReadExt as _;

/// Largest Stop request body read.
const MAX_STOP_BODY: usize = 1024;
/// Chunk size of file downloads.
const CHUNK: usize = 64 * 1024;

pub(crate) fn router(hub: Arc<Hub>, guard: HostGuard) -> Router {
    let mut router = Router::new()
        .route("/", get(|| async { Redirect::to("/status") }))
        .route("/report/live.html", get(live_report))
        .route("/api/status", get(status))
        .route("/api/series", get(series))
        .route("/api/logs", get(logs))
        .route("/api/files", get(file_list))
        .route("/api/events", get(sse::events))
        .route("/api/stop", post(stop))
        .route("/files", get(|| async { Redirect::to("/logs") }))
        .route("/files/", get(|| async { Redirect::to("/logs") }))
        .route("/files/{*path}", get(file))
        // Tsung's addresses, for bookmarks and scripts.
        .route("/es/ts_api:status", get(status))
        .route(
            "/es/ts_web:status",
            get(|| async { Redirect::to("/status") }),
        )
        .route(
            "/es/ts_web:report",
            get(|| async { Redirect::to("/report") }),
        )
        .route(
            "/es/ts_web:graph",
            get(|| async { Redirect::to("/graphs") }),
        )
        .route("/es/ts_web:logs", get(|| async { Redirect::to("/logs") }));
    for page in Page::ALL {
        router = router.route(
            page.path(),
            get(move |State(hub): State<Arc<Hub>>| async move { page_response(&hub, page) }),
        );
    }
    router
        .fallback(not_found)
        .with_state(hub)
        .layer(middleware::from_fn(common_headers))
        .layer(middleware::from_fn_with_state(guard, check_host))
}

/// Refuses requests whose `Host` is not this dashboard (DNS rebinding).
async fn check_host(State(guard): State<HostGuard>, request: Request, next: Next) -> Response {
    if guard.allows(request.headers()) {
        next.run(request).await
    } else {
        (
            StatusCode::MISDIRECTED_REQUEST,
            "unknown Host: open the dashboard through the address it printed\n",
        )
            .into_response()
    }
}

async fn common_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

fn html(csp: &'static str, text: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, csp),
        ],
        text,
    )
        .into_response()
}

fn json(text: impl Into<Body>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], text.into()).into_response()
}

fn json_error(code: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "error": message }).to_string();
    (code, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn page_response(hub: &Hub, page: Page) -> Response {
    let identity = hub.with(|live| live.identity().clone());
    html(PAGE_CSP, pages::render(page, &identity, &hub.status_json()))
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        html(
            PAGE_CSP,
            pages::message("Not found", "This page does not exist."),
        ),
    )
        .into_response()
}

async fn status(State(hub): State<Arc<Hub>>) -> Response {
    json(hub.status_json().to_string())
}

async fn series(State(hub): State<Arc<Hub>>) -> Response {
    let points = hub.with(|live| live.series());
    json(serde_json::to_string(&points).unwrap_or_else(|_| "[]".to_owned()))
}

async fn logs(State(hub): State<Arc<Hub>>) -> Response {
    let logs = hub.with(|live| live.logs());
    json(serde_json::to_string(&logs).unwrap_or_else(|_| "{}".to_owned()))
}

async fn file_list(State(hub): State<Arc<Hub>>) -> Response {
    let root = hub.run_dir.clone();
    match tokio::task::spawn_blocking(move || files::list(&root)).await {
        Ok(list) => json(serde_json::to_string(&list).unwrap_or_else(|_| "[]".to_owned())),
        Err(_) => json_error(StatusCode::INTERNAL_SERVER_ERROR, "listing failed"),
    }
}

#[derive(Deserialize)]
struct Download {
    download: Option<String>,
}

async fn live_report(State(hub): State<Arc<Hub>>, Query(q): Query<Download>) -> Response {
    let rendering = Arc::clone(&hub);
    let rendered = tokio::task::spawn_blocking(move || rendering.report_html())
        .await
        .ok()
        .flatten();
    let text = match rendered {
        Some((_, html)) => {
            let (running, elapsed) = hub.with(|live| {
                let view = live.status_view();
                (view.state != "finished", view.elapsed_s)
            });
            if running {
                let elapsed = stampede_report::human::seconds(elapsed.floor());
                pages::with_live_notice(&html, &format!("t = {elapsed}"))
            } else {
                html.to_string()
            }
        }
        None => {
            let on_disk = hub.run_dir.join(stampede_report::REPORT_HTML);
            match tokio::fs::read_to_string(&on_disk).await {
                Ok(text) => text,
                Err(_) => {
                    let (identity, interval) =
                        hub.with(|live| (live.identity().clone(), live.status_view().interval_s));
                    pages::report_placeholder(&identity, interval)
                }
            }
        }
    };
    let mut response = html(REPORT_CSP, text);
    if q.download.is_some() {
        response.headers_mut().insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment; filename=\"report.html\""),
        );
    }
    response
}

#[derive(Deserialize)]
struct StopBody {
    confirm: bool,
}

/// `POST /api/stop` with `{"confirm": true}`: during the run, asks it to stop gracefully;
/// after it, asks the program to close the dashboard.
async fn stop(State(hub): State<Arc<Hub>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(why) = check_same_origin(&headers) {
        return json_error(StatusCode::FORBIDDEN, why);
    }
    if body.len() > MAX_STOP_BODY {
        return json_error(StatusCode::PAYLOAD_TOO_LARGE, "request too large");
    }
    match serde_json::from_slice::<StopBody>(&body) {
        Ok(StopBody { confirm: true }) => {}
        _ => {
            return json_error(
                StatusCode::BAD_REQUEST,
                "send {\"confirm\": true} to stop the run",
            );
        }
    }
    let before = hub.with(|live| live.request_stop());
    let action = if matches!(before, RunState::Finished(_)) {
        "close"
    } else {
        "stop"
    };
    let line = if action == "close" {
        "dashboard closing on request"
    } else {
        "stop requested from the dashboard"
    };
    hub.log(LogLine::now(LogLevel::Warn, line));
    hub.stop.press();
    hub.touch();
    let state = hub.with(|live| live.status_view().state);
    (
        StatusCode::ACCEPTED,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::json!({ "accepted": true, "action": action, "state": state }).to_string(),
    )
        .into_response()
}

async fn file(
    State(hub): State<Arc<Hub>>,
    UrlPath(rel): UrlPath<String>,
    Query(q): Query<Download>,
) -> Response {
    let root = hub.run_dir.clone();
    let resolved = tokio::task::spawn_blocking(move || files::resolve(&root, &rel)).await;
    let path = match resolved {
        Ok(Ok(path)) => path,
        Ok(Err(Refusal::Forbidden)) => {
            return (
                StatusCode::FORBIDDEN,
                html(
                    PAGE_CSP,
                    pages::message(
                        "Forbidden",
                        "Only files inside the run directory are served.",
                    ),
                ),
            )
                .into_response();
        }
        Ok(Err(Refusal::NotFound)) | Err(_) => {
            return (
                StatusCode::NOT_FOUND,
                html(
                    PAGE_CSP,
                    pages::message("Not found", "No such file in the run directory."),
                ),
            )
                .into_response();
        }
    };
    let Ok(file) = tokio::fs::File::open(&path).await else {
        return json_error(StatusCode::NOT_FOUND, "cannot open the file");
    };
    // The length when opened: a log still being written is served up to there.
    let length = file.metadata().await.map_or(0, |m| m.len());
    let stream = futures_util::stream::unfold((file, length), |(mut file, left)| async move {
        if left == 0 {
            return None;
        }
        let want = usize::try_from(left).map_or(CHUNK, |l| l.min(CHUNK));
        let mut buf = vec![0u8; want];
        match file.read(&mut buf).await {
            // Shorter than when opened (truncated): end here; the client sees a short body.
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((
                    Ok::<_, std::io::Error>(Bytes::from(buf)),
                    (file, left - n as u64),
                ))
            }
            Err(e) => Some((Err(e), (file, 0))),
        }
    });
    let mut response = Response::new(Body::from_stream(stream));
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(files::content_type(&path)),
    );
    // Files of the run run in a sandbox: a served page cannot act as the dashboard.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "sandbox allow-scripts allow-popups allow-downloads; default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:",
        ),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    if q.download.is_some()
        && let Ok(v) = HeaderValue::from_str(&files::attachment(&path))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}
