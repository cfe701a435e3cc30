//! Submissions: new, create, show (with comment and delete forms), comment, delete.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::users::error_box;
use super::web::{self, Form, Visit, escape, token_field};
use super::{AppState, PageTokens, signed_in_user};
use crate::store::DeleteError;

fn submission_form(
    community: u64,
    token: &str,
    error: Option<&str>,
    title: &str,
    url: &str,
) -> String {
    format!(
        "<h1>New submission</h1>\n{}<form class=\"new_submission\" id=\"new_submission\" action=\"/communities/{community}/submissions\" accept-charset=\"UTF-8\" method=\"post\">\n{}\n<label for=\"submission_title\">Title</label>\n<input type=\"text\" name=\"submission[title]\" id=\"submission_title\" value=\"{}\"/>\n<label for=\"submission_url\">Url</label>\n<input type=\"text\" name=\"submission[url]\" id=\"submission_url\" value=\"{}\"/>\n<input type=\"submit\" name=\"commit\" value=\"Create Submission\" data-disable-with=\"Create Submission\"/>\n</form>\n",
        error_box(error),
        token_field(token),
        escape(title),
        escape(url)
    )
}

/// `GET /communities/{id}/submissions/new`
pub(super) async fn new(
    State(app): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Response {
    let mut store = app.store();
    let Some(community) = web::parse_id(&id).filter(|&id| store.community(id).is_some()) else {
        return web::not_found();
    };
    let t = PageTokens::issue(&mut store, &visit, 1);
    drop(store);
    let body = submission_form(community, t.form(0), None, "", "");
    t.finish(web::page(
        StatusCode::OK,
        "New submission",
        Some(&t.meta),
        &body,
    ))
}

/// `POST /communities/{id}/submissions`
pub(super) async fn create(
    State(app): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let form = Form::parse(&body);
    let mut store = app.store();
    let user = match signed_in_user(&store, &visit, &form) {
        Ok(user) => user,
        Err(refusal) => return *refusal,
    };
    let Some(community) = web::parse_id(&id).filter(|&id| store.community(id).is_some()) else {
        return web::not_found();
    };
    let title = form
        .get(&["submission[title]", "title"])
        .unwrap_or("")
        .trim();
    let url = form.get(&["submission[url]", "url"]).unwrap_or("").trim();
    if title.is_empty() {
        let t = PageTokens::issue(&mut store, &visit, 1);
        drop(store);
        let body = submission_form(
            community,
            t.form(0),
            Some("Title can't be blank"),
            title,
            url,
        );
        return web::page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "New submission",
            Some(&t.meta),
            &body,
        );
    }
    match store.create_submission(community, user, title, url) {
        Some(sid) => {
            drop(store);
            web::redirect(&visit.base, &format!("/submissions/{sid}"))
        }
        None => web::not_found(),
    }
}

/// `GET /submissions/{id}` (chunked), with a comment form and a delete form.
pub(super) async fn show(
    State(app): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Response {
    let mut store = app.store();
    let Some(sid) = web::parse_id(&id).filter(|&id| store.submission(id).is_some()) else {
        return web::not_found();
    };
    let t = PageTokens::issue(&mut store, &visit, 2);
    let Some(s) = store.submission(sid) else {
        return web::not_found();
    };
    let title = s.title.clone();
    let community = s.community;
    let community_name = store
        .community(community)
        .map_or(String::new(), |c| c.name.clone());
    let header = format!(
        "<h1 class=\"title\">{}</h1>\n<p><a class=\"link\" href=\"{}\">{}</a></p>\n<p>Posted in <a href=\"/communities/{community}\">{}</a> by {}.</p>\n",
        escape(&title),
        escape(&s.url),
        escape(&s.url),
        escape(&community_name),
        escape(store.user_name(s.author))
    );
    let mut comments = format!(
        "<h2>{} comments</h2>\n<ul id=\"comments\">\n",
        s.comments.len()
    );
    for c in &s.comments {
        comments.push_str(&format!(
            "<li><strong>{}</strong>: {}</li>\n",
            escape(store.user_name(c.author)),
            escape(&c.message)
        ));
    }
    comments.push_str("</ul>\n");
    drop(store);
    let forms = format!(
        "<form class=\"new_comment\" id=\"new_comment\" action=\"/submissions/{sid}/comments\" accept-charset=\"UTF-8\" method=\"post\">\n{}\n<textarea name=\"comment[message]\" id=\"comment_message\"></textarea>\n<input type=\"submit\" name=\"commit\" value=\"Create Comment\" data-disable-with=\"Create Comment\"/>\n</form>\n<form class=\"button_to\" method=\"post\" action=\"/submissions/{sid}\">\n<input type=\"hidden\" name=\"_method\" value=\"delete\" autocomplete=\"off\"/>\n<button data-confirm=\"Are you sure?\" type=\"submit\">Delete</button>\n{}\n</form>\n",
        token_field(t.form(0)),
        token_field(t.form(1))
    );
    t.finish(web::chunked_page(
        StatusCode::OK,
        &title,
        Some(&t.meta),
        vec![header, comments, forms],
    ))
}

/// `POST /submissions/{id}`: only Rails' `_method=delete` is routed here.
pub(super) async fn post_override(
    State(app): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let form = Form::parse(&body);
    if form.is_delete_override() {
        delete(&app, &visit, &id, &form)
    } else {
        web::not_found()
    }
}

/// `DELETE /submissions/{id}`
pub(super) async fn destroy(
    State(app): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    delete(&app, &visit, &id, &Form::parse(&body))
}

fn delete(app: &AppState, visit: &Visit, id: &str, form: &Form) -> Response {
    let mut store = app.store();
    let user = match signed_in_user(&store, visit, form) {
        Ok(user) => user,
        Err(refusal) => return *refusal,
    };
    let Some(sid) = web::parse_id(id) else {
        return web::not_found();
    };
    match store.delete_submission(sid, user) {
        Ok(community) => {
            drop(store);
            web::redirect(&visit.base, &format!("/communities/{community}"))
        }
        Err(DeleteError::NotFound) => web::not_found(),
        Err(DeleteError::Forbidden) => web::forbidden(),
    }
}

/// `POST /submissions/{id}/comments`
pub(super) async fn comment(
    State(app): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let form = Form::parse(&body);
    let mut store = app.store();
    let user = match signed_in_user(&store, &visit, &form) {
        Ok(user) => user,
        Err(refusal) => return *refusal,
    };
    let Some(sid) = web::parse_id(&id).filter(|&id| store.submission(id).is_some()) else {
        return web::not_found();
    };
    let message = form
        .get(&["comment[message]", "message"])
        .unwrap_or("")
        .trim();
    if message.is_empty() {
        return web::page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Comment",
            None,
            &error_box(Some("Message can't be blank")),
        );
    }
    store.add_comment(sid, user, message);
    drop(store);
    web::redirect(&visit.base, &format!("/submissions/{sid}"))
}
