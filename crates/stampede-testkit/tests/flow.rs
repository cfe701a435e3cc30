//! The target app behaves like the Rails app real Tsung scenarios were written against.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Browser, urlencode};
use stampede_testkit::{AppConfig, Outcome, SEED_PASSWORD, TargetApp};

async fn app() -> TargetApp {
    TargetApp::start(AppConfig::default()).await.unwrap()
}

/// Signs a new user up; returns the profile path.
async fn sign_up(b: &mut Browser, name: &str) -> String {
    let form = b.get("/users/new").await;
    assert_eq!(form.status, 200);
    let resp = b
        .post_form(
            "/users",
            &[
                ("authenticity_token", &form.hidden_token()),
                ("user[name]", name),
                ("user[password]", "secret"),
            ],
        )
        .await;
    assert_eq!(resp.status, 302, "{}", resp.text());
    b.path_of(resp.header("location").unwrap())
}

#[tokio::test]
async fn sign_up_create_post_comment_delete() {
    let app = app().await;
    let mut b = Browser::new(app.addr());

    // Sign up: the form sets the session cookie and carries a hidden token and a meta token.
    let form = b.get("/users/new").await;
    assert_eq!(form.status, 200);
    assert!(form.session_cookie().is_some());
    assert!(form.text().contains("<meta name=\"csrf-token\" content=\""));
    let resp = b
        .post_form(
            "/users",
            &[
                ("authenticity_token", &form.hidden_token()),
                ("user[name]", "alice"),
                ("user[password]", "secret"),
            ],
        )
        .await;
    assert_eq!(resp.status, 302);
    assert_eq!(
        resp.header("location").unwrap(),
        format!("http://{}/users/11", app.addr()),
        "ten users are seeded, so alice is number 11"
    );
    let cookie = resp
        .headers
        .iter()
        .find(|(k, _)| k == "set-cookie")
        .unwrap()
        .1
        .clone();
    assert!(cookie.starts_with("_app_session=") && cookie.ends_with("; path=/; HttpOnly"));
    assert!(resp.text().contains("You are being <a href="));
    assert!(resp.head.contains("\r\nlocation: http://"), "{}", resp.head);
    let profile = b.get(&b.path_of(resp.header("location").unwrap())).await;
    assert!(profile.text().contains("Welcome, alice!"));

    // Create a community.
    let form = b.get("/communities/new").await;
    let resp = b
        .post_form(
            "/communities",
            &[
                ("authenticity_token", &form.hidden_token()),
                ("community[name]", "rustaceans"),
            ],
        )
        .await;
    assert_eq!(resp.status, 302);
    let community = b.path_of(resp.header("location").unwrap());
    assert_eq!(community, "/communities/6");
    let page = b.get(&community).await;
    assert_eq!(page.status, 200);
    assert!(page.chunked, "community pages are streamed");
    assert!(page.text().contains("<h1>rustaceans</h1>"));

    // Post a submission.
    let form = b.get(&format!("{community}/submissions/new")).await;
    assert_eq!(form.status, 200);
    let resp = b
        .post_form(
            &format!("{community}/submissions"),
            &[
                ("authenticity_token", &form.hidden_token()),
                ("submission[title]", "Hello & welcome"),
                ("submission[url]", "http://localhost/hello"),
            ],
        )
        .await;
    assert_eq!(resp.status, 302);
    let submission = b.path_of(resp.header("location").unwrap());
    assert_eq!(submission, "/submissions/16");
    let page = b.get(&submission).await;
    assert!(
        page.text()
            .contains("<h1 class=\"title\">Hello &amp; welcome</h1>")
    );
    let tokens = page.hidden_tokens();
    assert_eq!(tokens.len(), 2, "comment form and delete form");

    // Comment on it.
    let resp = b
        .post_form(
            &format!("{submission}/comments"),
            &[
                ("authenticity_token", &tokens[0]),
                ("comment[message]", "first!"),
            ],
        )
        .await;
    assert_eq!(resp.status, 302);
    assert_eq!(b.path_of(resp.header("location").unwrap()), submission);
    assert!(b.get(&submission).await.text().contains("first!"));

    // Delete it, Rails style, with the delete form's token.
    let resp = b
        .post_form(
            &submission,
            &[("_method", "delete"), ("authenticity_token", &tokens[1])],
        )
        .await;
    assert_eq!(resp.status, 302);
    assert_eq!(b.path_of(resp.header("location").unwrap()), community);
    assert_eq!(b.get(&submission).await.status, 404);

    let counts = app.counts();
    assert_eq!(counts.total(), b.requests);
    assert_eq!(counts.by_status().get(&302), Some(&5));
    assert_eq!(
        counts.get("/submissions/{id}", "POST", Outcome::Status(302)),
        1
    );
    assert_eq!(
        counts.get("/submissions/{id}", "GET", Outcome::Status(404)),
        1
    );
    app.shutdown().await;
}

#[tokio::test]
async fn tokens_rotate_per_form_and_belong_to_their_session() {
    let app = app().await;
    let mut b = Browser::new(app.addr());
    let first = b.get("/users/new").await;
    let second = b.get("/users/new").await;
    let tokens = [
        first.hidden_token(),
        first.meta_token(),
        second.hidden_token(),
        second.meta_token(),
    ];
    for (i, a) in tokens.iter().enumerate() {
        for c in ['+', '/', '='] {
            assert!(!a.contains(c), "plain tokens are URL-safe: {a}");
        }
        for bb in &tokens[i + 1..] {
            assert_ne!(a, bb, "every form gets a fresh token");
        }
    }
    assert!(second.session_cookie().is_none(), "the session is kept");

    // Another visitor's token is refused, and so is a made-up one or none at all.
    let mut other = Browser::new(app.addr());
    let foreign = other.get("/users/new").await.hidden_token();
    for token in [foreign.as_str(), "forged", ""] {
        let resp = b
            .post_form(
                "/users",
                &[
                    ("authenticity_token", token),
                    ("user[name]", "mallory"),
                    ("user[password]", "x"),
                ],
            )
            .await;
        assert_eq!(resp.status, 422, "{token}");
        assert!(resp.text().contains("InvalidAuthenticityToken"));
    }
    // Without the cookie the right token is refused too.
    let mut cookieless = Browser::new(app.addr());
    let resp = cookieless
        .post_form(
            "/users",
            &[
                ("authenticity_token", &tokens[0]),
                ("user[name]", "bob"),
                ("user[password]", "x"),
            ],
        )
        .await;
    assert_eq!(resp.status, 422);

    // An older token of the session still verifies (the meta one, too), as in Rails.
    let resp = b
        .post_form(
            "/users",
            &[
                ("authenticity_token", &tokens[1]),
                ("user[name]", "bob"),
                ("user[password]", "x"),
            ],
        )
        .await;
    assert_eq!(resp.status, 302);
    // The X-CSRF-Token header works like the form field.
    let meta = b.get("/communities/new").await.meta_token();
    let body = urlencode(&[("community[name]", "via-header")]);
    let resp = b
        .send(
            "POST",
            "/communities",
            &[("X-CSRF-Token", &meta)],
            Some(body.as_bytes()),
        )
        .await;
    assert_eq!(resp.status, 302);
    app.shutdown().await;
}

#[tokio::test]
async fn sign_up_validation_rerenders_the_form_with_a_new_token() {
    let app = app().await;
    let mut b = Browser::new(app.addr());
    let token = b.get("/users/new").await.hidden_token();
    let resp = b
        .post_form(
            "/users",
            &[
                ("authenticity_token", &token),
                ("user[name]", "user1"),
                ("user[password]", "x"),
            ],
        )
        .await;
    assert_eq!(resp.status, 422);
    assert!(resp.text().contains("Name has already been taken"));
    assert_ne!(resp.hidden_token(), token);
    app.shutdown().await;
}

#[tokio::test]
async fn host_header_decides_the_redirect_base() {
    let app = app().await;
    let mut b = Browser::new(app.addr());
    let token = b.get("/login").await.hidden_token();
    let body = urlencode(&[
        ("authenticity_token", &token),
        ("session[name]", "user3"),
        ("session[password]", SEED_PASSWORD),
    ]);
    let resp = b.send("POST", "/session", &[], Some(body.as_bytes())).await;
    assert_eq!(resp.status, 302);
    assert_eq!(
        resp.header("location").unwrap(),
        format!("http://{}/", app.addr())
    );
    // A request whose Host names another authority is redirected there, as Rails does.
    let token = b.get("/communities/new").await.hidden_token();
    let body = urlencode(&[("authenticity_token", &token), ("community[name]", "x")]);
    let raw = common::request_bytes(
        "POST",
        "/communities",
        "localhost:8080",
        &[
            (
                "Cookie",
                &format!("_app_session={}", b.cookie.clone().unwrap()),
            ),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        Some(body.as_bytes()),
    );
    let mut stream = tokio::net::TcpStream::connect(app.addr()).await.unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut stream, &raw)
        .await
        .unwrap();
    let resp = common::read_response(&mut stream, &mut Vec::new(), false)
        .await
        .unwrap();
    assert_eq!(
        resp.header("location"),
        Some("http://localhost:8080/communities/6")
    );
    app.shutdown().await;
}

#[tokio::test]
async fn sign_in_sign_out_and_authorization() {
    let app = app().await;
    let mut alice = Browser::new(app.addr());
    sign_up(&mut alice, "alice").await;
    let form = alice.get("/communities/1/submissions/new").await;
    let resp = alice
        .post_form(
            "/communities/1/submissions",
            &[
                ("authenticity_token", &form.hidden_token()),
                ("submission[title]", "mine"),
            ],
        )
        .await;
    let submission = alice.path_of(resp.header("location").unwrap());

    // Bob signs in with a seeded account and may not delete alice's submission.
    let mut bob = Browser::new(app.addr());
    let token = bob.get("/login").await.hidden_token();
    let resp = bob
        .post_form(
            "/session",
            &[
                ("authenticity_token", &token),
                ("session[name]", "user2"),
                ("session[password]", "wrong"),
            ],
        )
        .await;
    assert_eq!(resp.status, 422);
    assert!(resp.text().contains("Invalid name or password"));
    let resp = bob
        .post_form(
            "/session",
            &[
                ("authenticity_token", &resp.hidden_token()),
                ("session[name]", "user2"),
                ("session[password]", SEED_PASSWORD),
            ],
        )
        .await;
    assert_eq!(resp.status, 302);
    let token = bob.get(&submission).await.hidden_tokens()[1].clone();
    let body = urlencode(&[("authenticity_token", &token)]);
    let resp = bob
        .send("DELETE", &submission, &[], Some(body.as_bytes()))
        .await;
    assert_eq!(resp.status, 403);

    // Bob signs out (DELETE /session), then creating a community sends him to /login.
    let token = bob.get("/communities/new").await.hidden_token();
    let body = urlencode(&[("authenticity_token", &token)]);
    let resp = bob
        .send("DELETE", "/session", &[], Some(body.as_bytes()))
        .await;
    assert_eq!(resp.status, 302);
    let resp = bob
        .post_form(
            "/communities",
            &[("authenticity_token", &token), ("community[name]", "nope")],
        )
        .await;
    assert_eq!(resp.status, 302);
    assert_eq!(
        resp.header("location").unwrap(),
        format!("http://{}/login", app.addr())
    );

    // Alice deletes with a real DELETE.
    let token = alice.get(&submission).await.hidden_tokens()[1].clone();
    let body = urlencode(&[("authenticity_token", &token)]);
    let resp = alice
        .send("DELETE", &submission, &[], Some(body.as_bytes()))
        .await;
    assert_eq!(resp.status, 302);
    assert_eq!(
        alice.path_of(resp.header("location").unwrap()),
        "/communities/1"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn json_api() {
    let app = app().await;
    let mut b = Browser::new(app.addr());
    let json = [("Content-Type", "application/json")];
    let resp = b
        .send(
            "POST",
            "/api/login",
            &json,
            Some(br#"{"name":"user4","password":"password"}"#),
        )
        .await;
    assert_eq!(resp.status, 200);
    assert_eq!(
        resp.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    let v: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(v["user"]["id"], 4);
    let token = v["token"].as_str().unwrap().to_owned();

    let resp = b.get("/api/communities").await;
    let list: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 5);
    assert_eq!(list[0]["name"], "community1");

    let bearer = format!("Bearer {token}");
    let auth = [
        ("Content-Type", "application/json"),
        ("Authorization", bearer.as_str()),
    ];
    let resp = b
        .send(
            "POST",
            "/api/submissions",
            &auth,
            Some(br#"{"community_id":"2","title":"via api","url":"http://localhost/a"}"#),
        )
        .await;
    assert_eq!(resp.status, 201, "{}", resp.text());
    let created: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
    let id = created["id"].as_u64().unwrap();
    assert_eq!(
        resp.header("location").unwrap(),
        format!("http://{}/api/submissions/{id}", app.addr())
    );
    let resp = b.get(&format!("/api/submissions/{id}")).await;
    let shown: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(shown["title"], "via api");
    assert_eq!(shown["user_id"], 4);

    // Failures.
    type Headers<'a> = &'a [(&'a str, &'a str)];
    let cases: &[(&str, &str, Headers<'_>, &[u8], u16)] = &[
        (
            "POST",
            "/api/login",
            &json,
            br#"{"name":"user4","password":"no"}"#,
            401,
        ),
        (
            "POST",
            "/api/login",
            &[],
            b"name=user4&password=password",
            200,
        ),
        (
            "POST",
            "/api/submissions",
            &json,
            br#"{"community_id":1,"title":"x"}"#,
            401,
        ),
        (
            "POST",
            "/api/submissions",
            &auth,
            br#"{"community_id":99,"title":"x"}"#,
            422,
        ),
        (
            "POST",
            "/api/submissions",
            &auth,
            br#"{"community_id":1}"#,
            422,
        ),
    ];
    for (method, path, headers, body, status) in cases {
        let resp = b.send(method, path, headers, Some(body)).await;
        assert_eq!(
            resp.status,
            *status,
            "{method} {path} {}",
            String::from_utf8_lossy(body)
        );
    }
    assert_eq!(b.get("/api/submissions/999").await.status, 404);
    app.shutdown().await;
}

#[tokio::test]
async fn tricky_tokens_survive_only_when_url_encoded() {
    let app = app().await;
    let mut b = Browser::new(app.addr());
    let page = b.get("/users/new?tricky=1").await;
    let token = page.hidden_token();
    for c in ['+', '/', '='] {
        assert!(token.contains(c), "{token}");
    }
    // Encoded properly (%2B, %2F, %3D): verified, and echoed byte for byte.
    let resp = b.post_form("/echo/verify", &[("token", &token)]).await;
    assert_eq!(resp.status, 200);
    let v: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(v["verified"], true);
    assert_eq!(v["received"], token.as_str());
    // Sent raw, `+` arrives as a space: refused, and the echo shows it.
    let raw = format!("token={token}");
    let resp = b
        .send("POST", "/echo/verify", &[], Some(raw.as_bytes()))
        .await;
    assert_eq!(resp.status, 422);
    let v: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(v["received"], token.replace('+', " ").as_str());
    // The same goes for a sign-up.
    let resp = b
        .send(
            "POST",
            "/users",
            &[],
            Some(
                format!("authenticity_token={token}&user%5Bname%5D=t&user%5Bpassword%5D=p")
                    .as_bytes(),
            ),
        )
        .await;
    assert_eq!(resp.status, 422);
    app.shutdown().await;
}

#[tokio::test]
async fn static_pages_and_not_found() {
    let app = app().await;
    let mut b = Browser::new(app.addr());
    let resp = b.get("/static/100b.txt").await;
    assert_eq!((resp.status, resp.body.len()), (200, 100));
    assert_eq!(resp.header("content-length"), Some("100"));
    assert!(!resp.chunked);
    let home = b.get("/").await;
    assert!(
        home.text()
            .contains("<a href=\"/communities/1\">community1</a>")
    );
    assert!(home.header("content-length").is_some());
    let list = b.get("/communities").await;
    assert!(list.chunked);
    assert!(
        list.text()
            .contains("<a href=\"/communities/5\">community5</a> (3 submissions)")
    );
    assert_eq!(b.get("/health").await.text(), "ok\n");
    for path in [
        "/nowhere",
        "/communities/abc",
        "/communities/99",
        "/users/0",
    ] {
        assert_eq!(b.get(path).await.status, 404, "{path}");
    }
    assert_eq!(b.send("PUT", "/health", &[], Some(b"")).await.status, 405);
    let head = b.send("HEAD", "/static/100b.txt", &[], None).await;
    assert_eq!(head.status, 200);
    let counts = app.counts();
    assert_eq!(counts.get("(unmatched)", "GET", Outcome::Status(404)), 1);
    assert_eq!(
        counts.get("/communities/{id}", "GET", Outcome::Status(404)),
        2
    );
    assert_eq!(counts.get("/health", "PUT", Outcome::Status(405)), 1);
    assert_eq!(
        counts.get("/static/100b.txt", "HEAD", Outcome::Status(200)),
        1
    );
    assert_eq!(counts.total(), b.requests);
    app.shutdown().await;
}
