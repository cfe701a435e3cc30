//! The middleware that decides faults and counts every request at the point its outcome is
//! known.

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

use super::{AppState, web};
use crate::counts::Outcome;
use crate::faults::{Fault, SocketFault};
use crate::routes;

/// Request bodies read (and thrown away) before a socket-level fault, so that closing the
/// socket does not turn into a reset because of unread input.
const MAX_DRAIN: usize = 1 << 20;

/// Put on a response to tell the connection to carry out a socket-level fault instead of
/// sending it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SocketFaultMarker(pub(crate) SocketFault);

pub(crate) async fn account(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .and_then(|m| routes::intern(m.as_str()))
        .unwrap_or(routes::UNMATCHED_ROUTE);
    let method = req.method().clone();
    let fault = app.faults.decide(route, &method);

    if let Some(socket_fault) = fault.and_then(Fault::socket_level) {
        let _ = axum::body::to_bytes(req.into_body(), MAX_DRAIN).await;
        app.counter.record(route, &method, socket_fault.outcome());
        let mut resp = Response::new(Body::empty());
        resp.extensions_mut()
            .insert(SocketFaultMarker(socket_fault));
        return resp;
    }

    let resp = match fault {
        Some(Fault::Status(code)) => injected_status(code),
        Some(Fault::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            next.run(req).await
        }
        _ => next.run(req).await,
    };
    app.counter
        .record(route, &method, Outcome::Status(resp.status().as_u16()));
    resp
}

/// Rails' public/500.html, under whatever status the fault asked for.
fn injected_status(code: u16) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    web::page(
        status,
        "We're sorry, but something went wrong",
        None,
        "<h1>We're sorry, but something went wrong.</h1>\n<p>(injected fault)</p>\n",
    )
}
