//! The app's own counts equal what clients sent, exactly, under concurrency too.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};

use common::Browser;
use stampede_testkit::{AppConfig, CountKey, Fault, FaultRule, Outcome, TargetApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_users_are_counted_exactly() {
    let app = TargetApp::start(AppConfig::default()).await.unwrap();
    let users = 8;
    let rounds = 25;
    let mut tasks = Vec::new();
    for u in 0..users {
        let addr = app.addr();
        tasks.push(tokio::spawn(async move {
            let mut b = Browser::new(addr);
            for r in 0..rounds {
                let path = match (u + r) % 4 {
                    0 => "/".to_owned(),
                    1 => "/communities".to_owned(),
                    2 => format!("/communities/{}", 1 + r % 5),
                    _ => "/missing".to_owned(),
                };
                b.get(&path).await;
            }
            b.requests
        }));
    }
    let mut sent = 0;
    for t in tasks {
        sent += t.await.unwrap();
    }
    let counts = app.counts();
    assert_eq!(sent, (users * rounds) as u64);
    assert_eq!(counts.total(), sent);
    // (u + r) % 4 over 8 users and 25 rounds: each residue appears 50 times.
    let key = |route: &'static str, status| CountKey {
        route,
        method: "GET".into(),
        outcome: Outcome::Status(status),
    };
    let expected = BTreeMap::from([
        (key("/", 200), 50),
        (key("/communities", 200), 50),
        (key("/communities/{id}", 200), 50),
        (key("(unmatched)", 404), 50),
    ]);
    assert_eq!(counts.entries(), &expected);
    app.reset_counts();
    assert_eq!(app.counts().total(), 0);
    app.shutdown().await;
}

#[tokio::test]
async fn faults_are_counted_under_their_kind_and_statuses_under_theirs() {
    let app = TargetApp::start(AppConfig::default()).await.unwrap();
    app.faults()
        .add(FaultRule::new(Fault::Close).route("/health").next(1))
        .unwrap();
    app.faults()
        .add(FaultRule::new(Fault::Status(503)).route("/health").next(1))
        .unwrap();
    // First request: closed (the client sees EOF); the Browser helper would fail on it, so
    // use a raw connection.
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::TcpStream::connect(app.addr()).await.unwrap();
        s.write_all(&common::request_bytes("GET", "/health", "x", &[], None))
            .await
            .unwrap();
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).await.unwrap();
        assert!(buf.is_empty());
    }
    let mut b = Browser::new(app.addr());
    assert_eq!(b.get("/health").await.status, 503);
    assert_eq!(b.get("/health").await.status, 200);
    let counts = app.counts();
    assert_eq!(
        counts.to_string(),
        "GET /health 200 1\nGET /health 503 1\nGET /health close 1\n"
    );
    assert_eq!(counts.by_status(), BTreeMap::from([(200, 1), (503, 1)]));
    assert_eq!(counts.total(), 3);
    app.shutdown().await;
}

#[test]
fn blocking_start_serves_plain_std_clients() {
    let app = TargetApp::start_blocking(AppConfig::default()).unwrap();
    assert!(app.addr().ip().is_loopback());
    assert_eq!(app.base_url(), format!("http://{}", app.addr()));
    let mut s = std::net::TcpStream::connect(app.addr()).unwrap();
    s.write_all(b"GET /static/100b.txt HTTP/1.0\r\n\r\n")
        .unwrap();
    let mut resp = Vec::new();
    s.read_to_end(&mut resp).unwrap();
    let text = String::from_utf8(resp).unwrap();
    assert!(text.starts_with("HTTP/1.0 200 OK\r\n"), "{text}");
    assert!(text.ends_with("0123456789abcdef\n"));
    assert_eq!(
        app.counts()
            .get("/static/100b.txt", "GET", Outcome::Status(200)),
        1
    );
    app.shutdown_blocking();
}

#[test]
fn refuses_to_listen_beyond_loopback() {
    let config = AppConfig {
        bind: "0.0.0.0:0".parse().unwrap(),
        ..AppConfig::default()
    };
    let err = TargetApp::start_blocking(config).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}
