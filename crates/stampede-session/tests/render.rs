//! Rendered request bytes, asserted exactly (CRLF shown as `⏎` in the snapshots).
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use stampede_model::{
    Action, AddCookie, DigestParams, DynVariable, Extractor, HttpHeader, HttpVersion, Method,
    OAuth, OAuthMethod, Pattern, Server, ServerKind, Subst, Url, UserAgent, WwwAuthenticate,
};
use stampede_session::{DEFAULT_USER_AGENT, User};
use std::time::Duration;

fn show(s: &str) -> String {
    s.replace("\r\n", "⏎\n")
}

/// Renders every request of session 0 (all answered `200 OK`) and returns them.
fn render(sb: Sb) -> Vec<String> {
    let (t, _) = run_simple(sb.program());
    t.requests().into_iter().map(show).collect()
}

fn one(sb: Sb) -> String {
    render(sb).remove(0)
}

fn req(sb: &mut Sb, http: stampede_model::HttpRequest, subst: Subst) -> Action {
    Action::Request(Box::new(sb.request(http, subst)))
}

#[test]
fn static_get() {
    let mut sb = Sb::new();
    let a = sb.get("/index.html?q=1");
    sb.session(vec![a]);
    assert_eq!(
        one(sb),
        show(&format!(
            "GET /index.html?q=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: {DEFAULT_USER_AGENT}\r\n\r\n"
        ))
    );
}

#[test]
fn post_with_body_and_default_content_type() {
    let mut sb = Sb::new();
    let mut h = sb.http(Method::Post, "/login");
    h.body = Some(sb.tpl("user=bob&pass=x"));
    let a = req(&mut sb, h, Subst::False);
    sb.session(vec![a]);
    insta::assert_snapshot!(one(sb));
}

#[test]
fn get_never_sends_a_body_but_delete_always_does() {
    let mut sb = Sb::new();
    let mut g = sb.http(Method::Get, "/a");
    g.body = Some(sb.tpl("ignored"));
    let d = sb.http(Method::Delete, "/items/1");
    let (a, b) = (req(&mut sb, g, Subst::False), req(&mut sb, d, Subst::False));
    sb.session(vec![a, b]);
    let r = render(sb);
    assert!(
        !r[0].contains("ignored") && !r[0].contains("Content-Length"),
        "{}",
        r[0]
    );
    insta::assert_snapshot!("delete_empty_body", r[1]);
}

#[test]
fn custom_headers_order_and_overrides() {
    // Without substitution Tsung sends <http_header>s in reverse document order and the last
    // one of a built-in name wins; with substitution, document order and the first wins.
    for (subst, name) in [
        (Subst::False, "headers_no_subst"),
        (Subst::True, "headers_subst"),
    ] {
        let mut sb = Sb::new();
        let mut h = sb.http(Method::Post, "/api");
        h.content_type = Some(sb.tpl("application/json"));
        h.body = Some(sb.tpl("{}"));
        for (n, v) in [
            ("Accept", "*/*"),
            ("X-Trace", "1"),
            ("host", "first.example"),
            ("Host", "second.example"),
            ("user-agent", "Custom/1"),
            ("Content-Length", "999"),
        ] {
            h.headers.push(HttpHeader {
                name: n.into(),
                value: sb.tpl(v),
                base64: false,
            });
        }
        let a = req(&mut sb, h, subst);
        sb.session(vec![a]);
        insta::assert_snapshot!(name, one(sb));
    }
}

#[test]
fn if_modified_since_only_without_body_and_soap_order() {
    let mut sb = Sb::new();
    let mut g = sb.http(Method::Get, "/cache");
    g.if_modified_since = Some(sb.tpl("Sat, 29 Oct 1994 19:43:31 GMT"));
    g.soap_action = Some(sb.tpl("urn:Get"));
    g.www_authenticate = Some(WwwAuthenticate::Basic {
        userid: sb.tpl("u"),
        passwd: sb.tpl("p"),
    });
    let mut p = sb.http(Method::Post, "/soap");
    p.if_modified_since = Some(sb.tpl("Sat, 29 Oct 1994 19:43:31 GMT"));
    p.soap_action = Some(sb.tpl("urn:Do"));
    p.content_type = Some(sb.tpl("text/xml"));
    p.body = Some(sb.tpl("<x/>"));
    p.www_authenticate = Some(WwwAuthenticate::Basic {
        userid: sb.tpl("u"),
        passwd: sb.tpl("p"),
    });
    let (a, b) = (req(&mut sb, g, Subst::False), req(&mut sb, p, Subst::False));
    sb.session(vec![a, b]);
    let r = render(sb);
    insta::assert_snapshot!("ims_get", r[0]);
    insta::assert_snapshot!("ims_post", r[1]);
}

#[test]
fn http10_and_head() {
    let mut sb = Sb::new();
    let mut h = sb.http(Method::Head, "/");
    h.version = HttpVersion::Http10;
    let a = req(&mut sb, h, Subst::False);
    sb.session(vec![a]);
    let program = sb.program();
    let mut host = FakeHost::new();
    let mut user = User::new(program, stampede_model::SessionId(0), 1, 1);
    let mut buf = stampede_session::RequestBuf::new();
    let _ = user.start(stampede_session::Nanos::ZERO);
    match user.on_timer(stampede_session::Nanos::from_millis(1), &mut host, &mut buf) {
        stampede_session::Step::Send(s) => {
            assert!(s.close_after);
            assert!(s.expects_no_body());
            assert!(!s.keep_body);
            assert!(s.bytes.starts_with(b"HEAD / HTTP/1.0\r\n"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn substitution_in_url_body_and_headers() {
    let mut sb = Sb::new();
    let mut h = sb.http(Method::Post, "/");
    h.url = Url::Dynamic(sb.tpl("/u/%%_id%%/x y?n=%%_missing%%"));
    h.body = Some(sb.tpl(
        "id=%%_id%%&u=%%ts_user_server:get_unique_id%%&r=%%ts_user_server:get_really_unique_id%%",
    ));
    h.headers.push(HttpHeader {
        name: "X-Id".into(),
        value: sb.tpl("%%_id%%"),
        base64: false,
    });
    h.headers.push(HttpHeader {
        name: "Authorization".into(),
        value: sb.tpl("user:%%_id%%"),
        base64: true,
    });
    let id = sb.var("id");
    let set = Action::SetDynVars(stampede_model::SetDynVars {
        vars: vec![id],
        source: stampede_model::DynVarSource::Value {
            value: sb.tpl("42"),
        },
        location: Default::default(),
    });
    let a = req(&mut sb, h, Subst::True);
    sb.session(vec![set, a]);
    insta::assert_snapshot!(one(sb));
}

#[test]
fn all_except_body_keeps_markers_in_the_body() {
    let mut sb = Sb::new();
    let mut h = sb.http(Method::Post, "/");
    // The loader stores the body of an `all_except_body` request as a literal.
    h.body = Some(stampede_model::Template::literal("x=%%_v%%"));
    h.url = Url::Dynamic(sb.tpl("/%%_v%%"));
    let a = req(&mut sb, h, Subst::AllExceptBody);
    sb.session(vec![a]);
    let r = one(sb);
    assert!(r.starts_with("POST /undefined HTTP/1.1"), "{r}");
    assert!(r.ends_with("x=%%_v%%"), "{r}");
}

#[test]
fn absolute_urls_switch_the_target_for_following_requests() {
    let mut sb = Sb::new();
    let a = sb.get("http://other.example:9000/a");
    let b = sb.get("/b");
    let c = sb.get("https://secure.example/c");
    let d = sb.get("/d");
    sb.session(vec![a, b, c, d]);
    let (t, _) = run_simple(sb.program());
    let hosts: Vec<(String, String)> = t
        .sent
        .iter()
        .map(|s| {
            let host = s.text.lines().nth(1).unwrap().to_owned();
            (s.target.clone(), host)
        })
        .collect();
    assert_eq!(
        hosts,
        vec![
            (
                "http://other.example:9000".into(),
                "Host: other.example:9000".into()
            ),
            (
                "http://other.example:9000".into(),
                "Host: other.example:9000".into()
            ),
            (
                "https://secure.example:443".into(),
                "Host: secure.example".into()
            ),
            (
                "https://secure.example:443".into(),
                "Host: secure.example".into()
            ),
        ]
    );
    assert_eq!(
        t.lines(),
        vec![
            "GET /a HTTP/1.1",
            "GET /b HTTP/1.1",
            "GET /c HTTP/1.1",
            "GET /d HTTP/1.1"
        ]
    );
}

#[test]
fn delete_hits_the_id_captured_from_the_post_location() {
    let mut sb = Sb::new();
    let created = sb.var("created");
    let mut post = sb.http(Method::Post, "/items");
    post.body = Some(sb.tpl("name=x"));
    let mut r = sb.request(post, Subst::False);
    r.dyn_variables.push(DynVariable {
        var: created,
        extractor: Extractor::Regex(Pattern::new("[Ll]ocation: (http://.*)\\r").unwrap()),
        decode_html_entities: false,
    });
    let mut del = sb.http(Method::Delete, "/");
    del.url = Url::Dynamic(sb.tpl("%%_created%%"));
    let d = req(&mut sb, del, Subst::True);
    sb.session(vec![Action::Request(Box::new(r)), d]);
    let program = sb.program();
    let mut host = FakeHost::new();
    let mut user = User::new(program, stampede_model::SessionId(0), 1, 1);
    let t = drive(&mut user, &mut host, Duration::from_millis(5), |req| {
        if req.starts_with("POST") {
            Reply::Ok(
                "HTTP/1.1 201 Created\r\nLocation: http://127.0.0.1:8080/items/77\r\nContent-Length: 0\r\n\r\n"
                    .into(),
            )
        } else {
            ok("", "")
        }
    });
    assert_eq!(t.lines()[1], "DELETE /items/77 HTTP/1.1");
    assert!(t.sent[1].text.contains("Host: 127.0.0.1:8080\r\n"));
    assert!(t.sent[1].text.contains("Content-Length: 0\r\n"));
    assert_eq!(t.sent[1].target, "http://127.0.0.1:8080");
}

#[test]
fn basic_digest_and_oauth() {
    let mut sb = Sb::new();
    let mut a = sb.http(Method::Get, "/basic");
    a.www_authenticate = Some(WwwAuthenticate::Basic {
        userid: sb.tpl("Aladdin"),
        passwd: sb.tpl("open sesame"),
    });
    let mut d = sb.http(Method::Get, "/dir/index.html");
    d.www_authenticate = Some(WwwAuthenticate::Digest(DigestParams {
        userid: sb.tpl("Mufasa"),
        passwd: sb.tpl("Circle Of Life"),
        realm: Some(sb.tpl("testrealm@host.com")),
        nonce: Some(sb.tpl("dcd98b7102dd2f0e8b11d0f600bfb0c093")),
        opaque: Some(sb.tpl("5ccc069c403ebaf9f0171e9517f40e41")),
        qop: Some(sb.tpl("auth")),
        nc: None,
        cnonce: Some(sb.tpl("0a4f113b")),
    }));
    let mut o = sb.http(Method::Post, "/oauth?b=2&a=1");
    o.body = Some(sb.tpl("c=3"));
    o.oauth = Some(OAuth {
        consumer_key: sb.tpl("key"),
        consumer_secret: sb.tpl("secret"),
        access_token: Some(sb.tpl("tok")),
        access_token_secret: Some(sb.tpl("toksecret")),
        method: OAuthMethod::HmacSha1,
    });
    let (x, y, z) = (
        req(&mut sb, a, Subst::False),
        req(&mut sb, d, Subst::False),
        req(&mut sb, o, Subst::False),
    );
    sb.session(vec![x, y, z]);
    let r = render(sb);
    insta::assert_snapshot!("auth_basic", r[0]);
    insta::assert_snapshot!("auth_digest", r[1]);
    insta::assert_snapshot!("auth_oauth", r[2]);
}

#[test]
fn add_cookie_and_jar_share_one_header() {
    let mut sb = Sb::new();
    let mut h = sb.http(Method::Get, "/");
    h.add_cookies.push(AddCookie {
        key: "a".into(),
        value: sb.tpl("1"),
        domain: None,
        path: None,
    });
    h.add_cookies.push(AddCookie {
        key: "b".into(),
        value: sb.tpl("2"),
        domain: Some("elsewhere.org".into()),
        path: None,
    });
    h.add_cookies.push(AddCookie {
        key: "c".into(),
        value: sb.tpl("3"),
        domain: None,
        path: Some("/admin".into()),
    });
    let first = sb.get("/first");
    let a = req(&mut sb, h, Subst::False);
    sb.session(vec![first, a]);
    let program = sb.program();
    let mut host = FakeHost::new();
    let mut user = User::new(program, stampede_model::SessionId(0), 1, 1);
    let t = drive(&mut user, &mut host, Duration::from_millis(5), |r| {
        if r.starts_with("GET /first") {
            ok("Set-Cookie: sid=xyz; path=/\r\n", "")
        } else {
            ok("", "")
        }
    });
    // Jar first; request cookies after it, in reverse document order (no substitution), only
    // those whose domain and path apply.
    assert!(
        t.sent[1].text.contains("\r\nCookie: sid=xyz; a=1\r\n"),
        "{}",
        t.sent[1].text
    );
}

#[test]
fn cookies_round_trip() {
    let mut sb = Sb::new();
    let (a, b, c) = (sb.get("/login"), sb.get("/account"), sb.get("/logout"));
    let d = sb.get("/after");
    sb.session(vec![a, b, c, d]);
    let program = sb.program();
    let mut host = FakeHost::new();
    let mut user = User::new(program, stampede_model::SessionId(0), 1, 1);
    let t = drive(&mut user, &mut host, Duration::from_millis(5), |r| {
        if r.starts_with("GET /login") {
            ok(
                "Set-Cookie: _app_session=abc123; path=/; HttpOnly\r\nSet-Cookie: remember=1; Max-Age=3600\r\n",
                "",
            )
        } else if r.starts_with("GET /logout") {
            ok(
                "Set-Cookie: remember=; Max-Age=0\r\nSet-Cookie: _app_session=new; path=/\r\n",
                "",
            )
        } else {
            ok("", "")
        }
    });
    assert!(!t.sent[0].text.contains("Cookie:"));
    assert!(
        t.sent[1]
            .text
            .contains("\r\nCookie: remember=1; _app_session=abc123\r\n"),
        "{}",
        t.sent[1].text
    );
    assert!(
        t.sent[3].text.contains("\r\nCookie: _app_session=new\r\n"),
        "{}",
        t.sent[3].text
    );
}

#[test]
fn user_agent_option_and_servers() {
    let mut sb = Sb::new();
    sb.sc.options.user_agents = vec![
        UserAgent {
            value: "Mozilla/5.0 A".into(),
            probability: 50.0,
        },
        UserAgent {
            value: "Mozilla/5.0 B".into(),
            probability: 50.0,
        },
    ];
    sb.sc.servers = vec![
        Server {
            host: "a.example".into(),
            port: 80,
            kind: ServerKind::Tcp,
            weight: 1.0,
        },
        Server {
            host: "::1".into(),
            port: 443,
            kind: ServerKind::Ssl6,
            weight: 1.0,
        },
    ];
    let a = sb.get("/");
    sb.session(vec![a]);
    let program = sb.program();
    let mut seen_ua = std::collections::BTreeSet::new();
    let mut seen_host = std::collections::BTreeSet::new();
    for id in 1..=40u64 {
        let mut host = FakeHost::new();
        let mut user = User::new(program.clone(), stampede_model::SessionId(0), id, id);
        let t = drive(&mut user, &mut host, Duration::from_millis(5), |_| {
            ok("", "")
        });
        let text = &t.sent[0].text;
        seen_host.insert(text.lines().nth(1).unwrap().to_owned());
        seen_ua.insert(text.lines().nth(2).unwrap().to_owned());
        assert!(user.target().ipv6 == (text.contains("[::1]")));
    }
    assert_eq!(
        seen_host.into_iter().collect::<Vec<_>>(),
        vec!["Host: [::1]".to_owned(), "Host: a.example".to_owned()]
    );
    assert_eq!(
        seen_ua.into_iter().collect::<Vec<_>>(),
        vec![
            "User-Agent: Mozilla/5.0 A".to_owned(),
            "User-Agent: Mozilla/5.0 B".to_owned()
        ]
    );
}

#[test]
fn proxy_mode_sends_absolute_uris_to_the_server() {
    let mut sb = Sb::new();
    sb.sc.options.http_use_server_as_proxy = true;
    let a = sb.get("http://origin.example/start");
    let b = sb.get("/next");
    sb.session(vec![a, b]);
    let (t, _) = run_simple(sb.program());
    assert_eq!(
        t.lines(),
        vec![
            "GET http://origin.example/start HTTP/1.1",
            "GET http://origin.example/next HTTP/1.1"
        ]
    );
    assert!(t.sent.iter().all(|s| s.target == "http://127.0.0.1:8080"));
    assert!(t.sent[1].text.contains("\r\nHost: origin.example\r\n"));
}

#[test]
fn static_requests_render_without_growing_buffers() {
    let mut sb = Sb::new();
    let a = sb.get("/a");
    let b = sb.get("/b");
    sb.session(vec![a, b]);
    let (t, host) = run_simple(sb.program());
    assert_eq!(t.sent.len(), 2);
    assert!(host.events.iter().any(|e| matches!(e, Event::End(..))));
}
