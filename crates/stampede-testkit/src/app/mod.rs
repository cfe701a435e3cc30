//! The target web application: a small Rails-style "communities and submissions" site with
//! a JSON API, served in memory.

mod accounting;
mod api;
mod communities;
mod control;
mod misc;
mod submissions;
mod users;
mod web;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};

use crate::counts::Counter;
use crate::faults::FaultControl;
use crate::routes;
use crate::store::{Store, UserId};

use web::Visit;

/// State shared by every handler and connection.
#[derive(Debug)]
pub(crate) struct Shared {
    /// The address the app listens on (for absolute URLs when a request has no `Host`).
    pub(crate) addr: SocketAddr,
    pub(crate) counter: Counter,
    pub(crate) faults: FaultControl,
    store: Mutex<Store>,
}

impl Shared {
    pub(crate) fn new(addr: SocketAddr, store: Store) -> Self {
        Shared {
            addr,
            counter: Counter::default(),
            faults: FaultControl::default(),
            store: Mutex::new(store),
        }
    }

    /// The data store; hold the guard only for synchronous work.
    fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

pub(crate) type AppState = Arc<Shared>;

pub(crate) use accounting::SocketFaultMarker;

/// Every route of the app, with accounting and faults applied, plus (optionally) the
/// unaccounted `/_control` endpoints.
pub(crate) fn router(shared: AppState, control_endpoint: bool) -> Router {
    let app = Router::new()
        .route(routes::HOME, get(misc::home))
        .route(routes::HEALTH, get(misc::health))
        .route(routes::STATIC_100B, get(misc::static_100b))
        .route(routes::USERS_NEW, get(users::new))
        .route(routes::USERS, post(users::create))
        .route(routes::USER, get(users::show))
        .route(routes::LOGIN, get(users::login))
        .route(
            routes::SESSION,
            post(users::sign_in).delete(users::sign_out),
        )
        .route(
            routes::COMMUNITIES,
            get(communities::index).post(communities::create),
        )
        .route(routes::COMMUNITIES_NEW, get(communities::new))
        .route(routes::COMMUNITY, get(communities::show))
        .route(routes::SUBMISSIONS_NEW, get(submissions::new))
        .route(routes::COMMUNITY_SUBMISSIONS, post(submissions::create))
        .route(
            routes::SUBMISSION,
            get(submissions::show)
                .post(submissions::post_override)
                .delete(submissions::destroy),
        )
        .route(routes::SUBMISSION_COMMENTS, post(submissions::comment))
        .route(routes::API_LOGIN, post(api::login))
        .route(routes::API_COMMUNITIES, get(api::communities))
        .route(routes::API_SUBMISSIONS, post(api::create_submission))
        .route(routes::API_SUBMISSION, get(api::submission))
        .route(routes::ECHO_VERIFY, post(misc::echo_verify))
        .fallback(misc::fallback)
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            accounting::account,
        ));
    let app = if control_endpoint {
        app.merge(control::router())
    } else {
        app
    };
    app.with_state(shared)
}

/// CSRF tokens issued for one rendered page: one for the `<meta>` tag and one per form.
struct PageTokens {
    session: String,
    new_session: bool,
    meta: String,
    forms: Vec<String>,
}

impl PageTokens {
    /// Makes sure the visitor has a session and issues fresh tokens (they rotate per form).
    fn issue(store: &mut Store, visit: &Visit, forms: usize) -> Self {
        let (session, new_session) = store.ensure_session(visit.cookie.as_deref());
        let meta = store.issue_token(&session, visit.tricky);
        let forms = (0..forms)
            .map(|_| store.issue_token(&session, visit.tricky))
            .collect();
        PageTokens {
            session,
            new_session,
            meta,
            forms,
        }
    }

    fn form(&self, i: usize) -> &str {
        self.forms.get(i).map_or("", String::as_str)
    }

    /// Sets the session cookie on the response when the session was just created.
    fn finish(&self, mut resp: axum::response::Response) -> axum::response::Response {
        if self.new_session {
            web::set_session_cookie(&mut resp, &self.session);
        }
        resp
    }
}

/// The signed-in user a form was posted by; otherwise the response that refuses the post: the
/// invalid-token page when the form's CSRF token was not issued to the visitor's session, a
/// redirect to the login page when that session is not signed in.
fn signed_in_user(
    store: &Store,
    visit: &Visit,
    form: &web::Form,
) -> Result<UserId, Box<axum::response::Response>> {
    let Some(session) = verified_session(store, visit, form) else {
        return Err(Box::new(web::invalid_token()));
    };
    store
        .session_user(Some(&session))
        .ok_or_else(|| Box::new(web::redirect(&visit.base, "/login")))
}

/// The visitor's session id, when the CSRF token it sent was issued to that session.
fn verified_session(store: &Store, visit: &Visit, form: &web::Form) -> Option<String> {
    let session = visit.cookie.as_deref()?;
    let token = visit.csrf_token(form)?;
    store
        .verify_token(Some(session), token)
        .then(|| session.to_owned())
}
