//! Sign-up, profiles, sign-in and sign-out.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::web::{self, Form, Visit, escape, token_field};
use super::{AppState, PageTokens, verified_session};

fn sign_up_form(token: &str, error: Option<&str>, name: &str) -> String {
    format!(
        "<h1>Sign up</h1>\n{}<form class=\"new_user\" id=\"new_user\" action=\"/users\" accept-charset=\"UTF-8\" method=\"post\">\n{}\n<label for=\"user_name\">Name</label>\n<input type=\"text\" name=\"user[name]\" id=\"user_name\" value=\"{}\"/>\n<label for=\"user_password\">Password</label>\n<input type=\"password\" name=\"user[password]\" id=\"user_password\"/>\n<input type=\"submit\" name=\"commit\" value=\"Create User\" data-disable-with=\"Create User\"/>\n</form>\n",
        error_box(error),
        token_field(token),
        escape(name)
    )
}

fn login_form_html(token: &str, error: Option<&str>) -> String {
    format!(
        "<h1>Log in</h1>\n{}<form action=\"/session\" accept-charset=\"UTF-8\" method=\"post\">\n{}\n<label for=\"session_name\">Name</label>\n<input type=\"text\" name=\"session[name]\" id=\"session_name\"/>\n<label for=\"session_password\">Password</label>\n<input type=\"password\" name=\"session[password]\" id=\"session_password\"/>\n<input type=\"submit\" name=\"commit\" value=\"Log in\" data-disable-with=\"Log in\"/>\n</form>\n",
        error_box(error),
        token_field(token)
    )
}

pub(super) fn error_box(error: Option<&str>) -> String {
    error.map_or(String::new(), |e| {
        format!(
            "<div id=\"error_explanation\"><h2>1 error prohibited this from being saved:</h2><ul><li>{}</li></ul></div>\n",
            escape(e)
        )
    })
}

/// `GET /users/new`
pub(super) async fn new(State(app): State<AppState>, visit: Visit) -> Response {
    let t = PageTokens::issue(&mut app.store(), &visit, 1);
    let body = sign_up_form(t.form(0), None, "");
    t.finish(web::page(StatusCode::OK, "Sign up", Some(&t.meta), &body))
}

/// `POST /users`
pub(super) async fn create(State(app): State<AppState>, visit: Visit, body: Bytes) -> Response {
    let form = Form::parse(&body);
    let mut store = app.store();
    let Some(session) = verified_session(&store, &visit, &form) else {
        return web::invalid_token();
    };
    let name = form.get(&["user[name]", "name"]).unwrap_or("");
    let password = form.get(&["user[password]", "password"]).unwrap_or("");
    match store.sign_up(name, password) {
        Ok(id) => {
            store.set_session_user(&session, Some(id));
            drop(store);
            let mut resp = web::redirect(&visit.base, &format!("/users/{id}"));
            web::set_session_cookie(&mut resp, &session);
            resp
        }
        Err(e) => {
            let t = PageTokens::issue(&mut store, &visit, 1);
            drop(store);
            let body = sign_up_form(t.form(0), Some(e.message()), name);
            web::page(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Sign up",
                Some(&t.meta),
                &body,
            )
        }
    }
}

/// `GET /users/{id}`
pub(super) async fn show(
    State(app): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Response {
    let store = app.store();
    let Some((id, user)) = web::parse_id(&id).and_then(|id| Some((id, store.user(id)?))) else {
        return web::not_found();
    };
    let title = format!("User {}", user.name);
    let name = escape(&user.name);
    let greeting = if store.session_user(visit.cookie.as_deref()) == Some(id) {
        format!("<p class=\"notice\">Welcome, {name}!</p>\n")
    } else {
        String::new()
    };
    let body = format!(
        "{greeting}<h1>{name}</h1>\n<p>Member #{id}.</p>\n<p><a href=\"/communities/new\">Start a community</a></p>\n"
    );
    drop(store);
    web::page(StatusCode::OK, &title, None, &body)
}

/// `GET /login`
pub(super) async fn login(State(app): State<AppState>, visit: Visit) -> Response {
    let t = PageTokens::issue(&mut app.store(), &visit, 1);
    let body = login_form_html(t.form(0), None);
    t.finish(web::page(StatusCode::OK, "Log in", Some(&t.meta), &body))
}

/// `POST /session` (sign in, or sign out with `_method=delete`)
pub(super) async fn sign_in(State(app): State<AppState>, visit: Visit, body: Bytes) -> Response {
    let form = Form::parse(&body);
    if form.is_delete_override() {
        return end_session(&app, &visit, &form);
    }
    let mut store = app.store();
    let Some(session) = verified_session(&store, &visit, &form) else {
        return web::invalid_token();
    };
    let name = form
        .get(&["session[name]", "name", "user[name]"])
        .unwrap_or("");
    let password = form
        .get(&["session[password]", "password", "user[password]"])
        .unwrap_or("");
    match store.authenticate(name, password) {
        Some(id) => {
            store.set_session_user(&session, Some(id));
            drop(store);
            let mut resp = web::redirect(&visit.base, "/");
            web::set_session_cookie(&mut resp, &session);
            resp
        }
        None => {
            let t = PageTokens::issue(&mut store, &visit, 1);
            drop(store);
            let body = login_form_html(t.form(0), Some("Invalid name or password"));
            web::page(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Log in",
                Some(&t.meta),
                &body,
            )
        }
    }
}

/// `DELETE /session`
pub(super) async fn sign_out(State(app): State<AppState>, visit: Visit, body: Bytes) -> Response {
    end_session(&app, &visit, &Form::parse(&body))
}

fn end_session(app: &AppState, visit: &Visit, form: &Form) -> Response {
    let mut store = app.store();
    let Some(session) = verified_session(&store, visit, form) else {
        return web::invalid_token();
    };
    store.set_session_user(&session, None);
    drop(store);
    let mut resp = web::redirect(&visit.base, "/");
    web::set_session_cookie(&mut resp, &session);
    resp
}
