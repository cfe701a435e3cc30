//! Each injected fault shows up on the client's socket as it should, and is counted under
//! its kind.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::ErrorKind;
use std::time::Duration;

use common::{Browser, PATIENCE, read_response, request_bytes};
use stampede_testkit::{AppConfig, Fault, FaultRule, Outcome, TargetApp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn app_with(rule: FaultRule) -> TargetApp {
    let app = TargetApp::start(AppConfig::default()).await.unwrap();
    app.faults().add(rule).unwrap();
    app
}

/// Sends one request on a fresh connection and returns the connection.
async fn send(app: &TargetApp, method: &str, path: &str, body: Option<&[u8]>) -> TcpStream {
    let mut stream = TcpStream::connect(app.addr()).await.unwrap();
    let host = app.addr().to_string();
    stream
        .write_all(&request_bytes(method, path, &host, &[], body))
        .await
        .unwrap();
    stream
}

/// Everything the server sends until it closes (or fails).
async fn read_all(stream: &mut TcpStream) -> (Vec<u8>, Option<ErrorKind>) {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(PATIENCE, stream.read(&mut buf))
            .await
            .expect("server neither answered nor closed")
        {
            Ok(0) => return (out, None),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => return (out, Some(e.kind())),
        }
    }
}

#[tokio::test]
async fn reset_gives_econnreset() {
    let app = app_with(FaultRule::new(Fault::Reset).route("/health")).await;
    let mut stream = send(&app, "GET", "/health", None).await;
    let (bytes, error) = read_all(&mut stream).await;
    assert_eq!((bytes.len(), error), (0, Some(ErrorKind::ConnectionReset)));
    assert_eq!(app.counts().get("/health", "GET", Outcome::Reset), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn close_gives_eof_without_bytes() {
    let app = app_with(FaultRule::new(Fault::Close)).await;
    // A POST body is read before closing, so the close is a clean FIN.
    let mut stream = send(&app, "POST", "/users", Some(b"user%5Bname%5D=x")).await;
    let (bytes, error) = read_all(&mut stream).await;
    assert_eq!((bytes.len(), error), (0, None));
    assert_eq!(app.counts().get("/users", "POST", Outcome::Closed), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn malformed_gives_bytes_that_are_not_http() {
    let app = app_with(FaultRule::new(Fault::Malformed).route("/")).await;
    let mut stream = send(&app, "GET", "/", None).await;
    let (bytes, error) = read_all(&mut stream).await;
    assert_eq!(error, None);
    assert!(!bytes.is_empty());
    assert!(!bytes.starts_with(b"HTTP/"), "{bytes:?}");
    let mut headers = [httparse::EMPTY_HEADER; 8];
    assert!(httparse::Response::new(&mut headers).parse(&bytes).is_err());
    assert_eq!(app.counts().get("/", "GET", Outcome::Malformed), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn truncate_sends_less_body_than_promised() {
    let app = app_with(FaultRule::new(Fault::Truncate)).await;
    let mut stream = send(&app, "GET", "/static/100b.txt", None).await;
    let (bytes, error) = read_all(&mut stream).await;
    assert_eq!(error, None);
    let mut headers = [httparse::EMPTY_HEADER; 8];
    let mut resp = httparse::Response::new(&mut headers);
    let head_len = match resp.parse(&bytes).unwrap() {
        httparse::Status::Complete(n) => n,
        httparse::Status::Partial => panic!("incomplete head"),
    };
    assert_eq!(resp.code, Some(200));
    let promised: usize = resp
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-length"))
        .map(|h| std::str::from_utf8(h.value).unwrap().parse().unwrap())
        .unwrap();
    let got = bytes.len() - head_len;
    assert!(got < promised, "{got} of {promised}");
    assert_eq!(
        app.counts()
            .get("/static/100b.txt", "GET", Outcome::Truncated),
        1
    );
    app.shutdown().await;
}

#[tokio::test]
async fn stall_sends_nothing_until_the_app_stops() {
    let app = app_with(FaultRule::new(Fault::Stall).route("/health")).await;
    let mut stream = send(&app, "GET", "/health", None).await;
    // The stall is counted when it starts; wait for that (bounded), then look for bytes.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while app.counts().get("/health", "GET", Outcome::Stalled) == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "stall never counted"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let mut probe = [0u8; 16];
    assert_eq!(
        stream.try_read(&mut probe).map_err(|e| e.kind()),
        Err(ErrorKind::WouldBlock),
        "a stalled request gets no bytes"
    );
    app.shutdown().await;
    let (bytes, _) = read_all(&mut stream).await;
    assert!(bytes.is_empty(), "{bytes:?}");
}

#[tokio::test(start_paused = true)]
async fn delay_then_normal_answer() {
    // Virtual time: the delay passes at once, but the clock shows it. (It must stay below
    // the client's PATIENCE, whose timer would otherwise fire first.)
    let app = app_with(FaultRule::new(Fault::Delay(Duration::from_secs(5))).next(1)).await;
    let mut b = Browser::new(app.addr());
    let start = tokio::time::Instant::now();
    assert_eq!(b.get("/health").await.status, 200);
    assert!(
        start.elapsed() >= Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    let second = tokio::time::Instant::now();
    assert_eq!(b.get("/health").await.status, 200);
    assert!(second.elapsed() < Duration::from_secs(5));
    assert_eq!(app.counts().get("/health", "GET", Outcome::Status(200)), 2);
    app.shutdown().await;
}

#[tokio::test]
async fn status_fault_answers_with_that_status() {
    let app = app_with(
        FaultRule::new(Fault::Status(503))
            .route("/communities")
            .next(2),
    )
    .await;
    let mut b = Browser::new(app.addr());
    let statuses = [
        b.get("/communities").await.status,
        b.get("/health").await.status,
        b.get("/communities").await.status,
        b.get("/communities").await.status,
    ];
    assert_eq!(statuses, [503, 200, 503, 200]);
    let counts = app.counts();
    assert_eq!(counts.get("/communities", "GET", Outcome::Status(503)), 2);
    assert_eq!(counts.get("/communities", "GET", Outcome::Status(200)), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn next_n_on_a_keep_alive_connection() {
    // The first request of the connection is fine, the second is reset, and the client's
    // reconnection is served normally again.
    let app = TargetApp::start(AppConfig::default()).await.unwrap();
    let mut stream = TcpStream::connect(app.addr()).await.unwrap();
    let host = app.addr().to_string();
    let mut buf = Vec::new();
    stream
        .write_all(&request_bytes("GET", "/health", &host, &[], None))
        .await
        .unwrap();
    assert_eq!(
        read_response(&mut stream, &mut buf, false)
            .await
            .unwrap()
            .status,
        200
    );
    app.faults()
        .add(FaultRule::new(Fault::Reset).method("GET").next(1))
        .unwrap();
    stream
        .write_all(&request_bytes("GET", "/health", &host, &[], None))
        .await
        .unwrap();
    let (bytes, error) = read_all(&mut stream).await;
    assert_eq!((bytes.len(), error), (0, Some(ErrorKind::ConnectionReset)));
    assert_eq!(app.faults().active_rules(), 0);
    let mut b = Browser::new(app.addr());
    assert_eq!(b.get("/health").await.status, 200);
    let by_outcome = app.counts().by_outcome();
    assert_eq!(by_outcome.get(&Outcome::Status(200)), Some(&2));
    assert_eq!(by_outcome.get(&Outcome::Reset), Some(&1));
    assert_eq!(app.faults().fired(), 1);
    app.shutdown().await;
}

/// The faulted request numbers for a run of `n` requests under a probability rule.
async fn faulted_requests(seed: u64, n: usize) -> Vec<usize> {
    let app = app_with(FaultRule::new(Fault::Status(500)).probability(0.3, seed)).await;
    let mut b = Browser::new(app.addr());
    let mut hit = Vec::new();
    for i in 0..n {
        if b.get("/health").await.status == 500 {
            hit.push(i);
        }
    }
    assert_eq!(
        app.counts().get("/health", "GET", Outcome::Status(500)),
        hit.len() as u64
    );
    app.shutdown().await;
    hit
}

#[tokio::test]
async fn probability_faults_are_reproducible() {
    let a = faulted_requests(11, 60).await;
    assert_eq!(a, faulted_requests(11, 60).await);
    assert_ne!(a, faulted_requests(12, 60).await);
    assert!(!a.is_empty() && a.len() < 60, "{a:?}");
}

#[tokio::test]
async fn control_endpoint_adds_and_clears_faults_and_is_not_counted() {
    let app = TargetApp::start(AppConfig::default()).await.unwrap();
    let mut b = Browser::new(app.addr());
    let json = [("Content-Type", "application/json")];
    let resp = b
        .send(
            "POST",
            "/_control/faults",
            &json,
            Some(br#"[{"fault":"status","code":502,"route":"/health","next":1},{"fault":"reset","route":"/login"}]"#),
        )
        .await;
    assert_eq!(resp.status, 201, "{}", resp.text());
    assert_eq!(app.faults().active_rules(), 2);
    assert_eq!(b.get("/health").await.status, 502);
    let resp = b
        .send(
            "POST",
            "/_control/faults",
            &json,
            Some(br#"{"fault":"reset","route":"/nope"}"#),
        )
        .await;
    assert_eq!(resp.status, 400);
    assert!(resp.text().contains("unknown route"));
    assert_eq!(
        b.send("DELETE", "/_control/faults", &[], None).await.status,
        200
    );
    assert_eq!(app.faults().active_rules(), 0);
    assert_eq!(b.get("/login").await.status, 200);
    let counts: serde_json::Value =
        serde_json::from_slice(&b.get("/_control/counts").await.body).unwrap();
    assert_eq!(counts["total"], 2);
    assert_eq!(counts["entries"][0]["route"], "/health");
    assert_eq!(counts["entries"][0]["outcome"], "502");
    assert_eq!(app.counts().total(), 2);
    app.shutdown().await;
}

#[tokio::test]
async fn control_endpoint_can_be_turned_off() {
    let config = AppConfig {
        control_endpoint: false,
        ..AppConfig::default()
    };
    let app = TargetApp::start(config).await.unwrap();
    let mut b = Browser::new(app.addr());
    assert_eq!(b.get("/_control/counts").await.status, 404);
    assert_eq!(
        app.counts().get("(unmatched)", "GET", Outcome::Status(404)),
        1
    );
    app.shutdown().await;
}
