//! Communities: list, show, create.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::users::error_box;
use super::web::{self, Form, Visit, escape, token_field};
use super::{AppState, PageTokens, signed_in_user};

/// Communities shown on the list page (the newest ones), like a paginated Rails index.
const LIST_LIMIT: usize = 100;

fn community_form(token: &str, error: Option<&str>, name: &str) -> String {
    format!(
        "<h1>New community</h1>\n{}<form class=\"new_community\" id=\"new_community\" action=\"/communities\" accept-charset=\"UTF-8\" method=\"post\">\n{}\n<label for=\"community_name\">Name</label>\n<input type=\"text\" name=\"community[name]\" id=\"community_name\" value=\"{}\"/>\n<input type=\"submit\" name=\"commit\" value=\"Create Community\" data-disable-with=\"Create Community\"/>\n</form>\n",
        error_box(error),
        token_field(token),
        escape(name)
    )
}

/// `GET /communities` (chunked)
pub(super) async fn index(State(app): State<AppState>) -> Response {
    let store = app.store();
    let mut items = String::from("<ul id=\"communities\">\n");
    for (id, c) in store.communities(LIST_LIMIT) {
        items.push_str(&format!(
            "<li><a href=\"/communities/{id}\">{}</a> ({} submissions)</li>\n",
            escape(&c.name),
            c.submissions.len()
        ));
    }
    items.push_str("</ul>\n");
    let header = format!(
        "<h1>Communities</h1>\n<p>{} communities. <a href=\"/communities/new\">New community</a></p>\n",
        store.community_count()
    );
    drop(store);
    web::chunked_page(StatusCode::OK, "Communities", None, vec![header, items])
}

/// `GET /communities/new`
pub(super) async fn new(State(app): State<AppState>, visit: Visit) -> Response {
    let t = PageTokens::issue(&mut app.store(), &visit, 1);
    let body = community_form(t.form(0), None, "");
    t.finish(web::page(
        StatusCode::OK,
        "New community",
        Some(&t.meta),
        &body,
    ))
}

/// `POST /communities`
pub(super) async fn create(State(app): State<AppState>, visit: Visit, body: Bytes) -> Response {
    let form = Form::parse(&body);
    let mut store = app.store();
    let user = match signed_in_user(&store, &visit, &form) {
        Ok(user) => user,
        Err(refusal) => return *refusal,
    };
    let name = form.get(&["community[name]", "name"]).unwrap_or("").trim();
    if name.is_empty() {
        let t = PageTokens::issue(&mut store, &visit, 1);
        drop(store);
        let body = community_form(t.form(0), Some("Name can't be blank"), name);
        return web::page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "New community",
            Some(&t.meta),
            &body,
        );
    }
    let id = store.create_community(user, name);
    drop(store);
    web::redirect(&visit.base, &format!("/communities/{id}"))
}

/// `GET /communities/{id}` (chunked)
pub(super) async fn show(State(app): State<AppState>, Path(id): Path<String>) -> Response {
    let store = app.store();
    let Some((id, community)) = web::parse_id(&id).and_then(|id| Some((id, store.community(id)?)))
    else {
        return web::not_found();
    };
    let title = community.name.clone();
    let name = escape(&title);
    let header = format!(
        "<h1>{name}</h1>\n<p>Started by {}. <a href=\"/communities/{id}/submissions/new\">New submission</a></p>\n",
        escape(store.user_name(community.owner))
    );
    let mut items = String::from("<ul id=\"submissions\">\n");
    for sid in &community.submissions {
        if let Some(s) = store.submission(*sid) {
            items.push_str(&format!(
                "<li><a href=\"/submissions/{sid}\">{}</a> <a class=\"link\" href=\"{}\">link</a> ({} comments)</li>\n",
                escape(&s.title),
                escape(&s.url),
                s.comments.len()
            ));
        }
    }
    items.push_str("</ul>\n");
    drop(store);
    web::chunked_page(StatusCode::OK, &title, None, vec![header, items])
}
