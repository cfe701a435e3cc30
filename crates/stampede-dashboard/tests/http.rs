//! The dashboard over real HTTP on 127.0.0.1: pages, JSON API, events, stop, files, ports.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use stampede_dashboard::{
    Dashboard, DashboardConfig, DashboardError, LiveStatus, LogLevel, RunState, start,
};
use stampede_report::{RunOutcome, StopReason};
use std::time::Duration;

const STOP_JSON: &str = r#"{"confirm":true}"#;

/// Request headers, body, expected status.
type StopCase<'a> = (&'a [(&'a str, &'a str)], &'a str, u16);

#[tokio::test]
async fn pages_render_self_contained() {
    let (_tmp, dir) = run_dir();
    let (dashboard, info) = start(config(&dir)).await.unwrap();
    assert!(info.notices.is_empty(), "{:?}", info.notices);
    assert_eq!(info.url(), format!("http://{}/", dashboard.addr()));
    let addr = dashboard.addr();

    let root = get(addr, "/").await;
    assert_eq!(root.status, 303);
    assert_eq!(root.header("location"), "/status");

    for (path, marker) in [
        ("/status", "id=\"kpis\""),
        ("/report", "id=\"report-frame\""),
        ("/graphs", "id=\"charts\""),
        ("/logs", "id=\"files\""),
    ] {
        let page = get(addr, path).await;
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
        assert!(
            page.header("content-security-policy")
                .contains("frame-ancestors 'none'"),
            "{path}"
        );
        assert_eq!(page.header("x-content-type-options"), "nosniff");
        assert!(page.body.contains(marker), "{path}");
        assert!(page.body.contains("id=\"initial-status\""), "{path}");
        assert!(page.body.contains("<h1 id=\"title\">synthetic shop</h1>"));
        assert!(page.body.contains("id=\"stop-dialog\""), "{path}");
        for external in ["src=\"http", "href=\"http", "<link rel=\"stylesheet\""] {
            assert!(!page.body.contains(external), "{path}: {external}");
        }
    }

    let missing = get(addr, "/nope").await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("Not found"));
    // Tsung's addresses still lead somewhere.
    assert_eq!(
        get(addr, "/es/ts_web:graph").await.header("location"),
        "/graphs"
    );
    dashboard.shutdown();
    dashboard.closed().await;
}

#[tokio::test]
async fn api_status_follows_the_published_run() {
    let (_tmp, dir) = run_dir();
    let (dashboard, _) = start(config(&dir)).await.unwrap();
    let (stats, series) = synthetic_run();
    publish_first(&dashboard, &stats, &series, 3);
    let last = &series[2];

    let status = get(dashboard.addr(), "/api/status").await;
    assert_eq!(status.status, 200);
    assert_eq!(status.header("content-type"), "application/json");
    let s = status.json();
    // Tsung's fields.
    assert_eq!(s["phase"], 2);
    assert_eq!(s["phase_total"], 2);
    assert_eq!(s["users"], last.users);
    assert_eq!(s["connected_users"], last.connected);
    let rate = last.request.count as f64 / last.duration_s();
    assert!((s["request_rate"].as_f64().unwrap() - rate).abs() < 1e-9);
    // Ours.
    assert_eq!(s["state"], "running");
    assert_eq!(s["elapsed_s"], 30.0);
    assert_eq!(s["planned_s"], 65.0);
    assert_eq!(s["max_users"], last.users_max);
    assert_eq!(s["last_interval"]["index"], 2);
    let requests: u64 = series[..3].iter().map(|s| s.request.count).sum();
    assert_eq!(s["totals"]["requests"], requests);
    let ok: u64 = series[..3].iter().map(|s| s.status.get(200)).sum();
    assert_eq!(s["totals"]["codes"]["200"], ok);
    assert_eq!(s["phases"][1]["number"], 2);
    assert_eq!(s["phases"][0]["started_s"], 0.0);
    assert_eq!(s["phases"][1]["started_s"], 26.0);
    assert_eq!(s["series_len"], 3);

    // Tsung's address serves the same document.
    let tsung = get(dashboard.addr(), "/es/ts_api:status").await.json();
    assert_eq!(tsung["request_rate"], s["request_rate"]);

    let points = get(dashboard.addr(), "/api/series").await.json();
    assert_eq!(points.as_array().unwrap().len(), 3);
    assert_eq!(points[0]["index"], 0);
    assert_eq!(points[2]["t"], 30.0);

    dashboard.finished(RunOutcome::new(StopReason::DurationReached, None));
    let s = get(dashboard.addr(), "/api/status").await.json();
    assert_eq!(s["state"], "finished");
    assert_eq!(s["outcome"]["reason"], "duration_reached");
    assert_eq!(s["outcome"]["completed"], true);
}

#[tokio::test]
async fn events_push_status_points_logs_and_reports() {
    let (_tmp, dir) = run_dir();
    let (dashboard, _) = start(config(&dir)).await.unwrap();
    let (stats, series) = synthetic_run();
    let mut events = Events::open(dashboard.addr()).await;
    let first = events.next_named("status").await;
    assert_eq!(first["state"], "starting");

    dashboard.publish_status(LiveStatus {
        users: 42,
        max_users: 50,
        connected: 7,
        state: RunState::Running,
        ..LiveStatus::default()
    });
    let status = events.next_named("status").await;
    assert_eq!(
        (
            &status["users"],
            &status["connected_users"],
            &status["state"]
        ),
        (&42.into(), &7.into(), &"running".into())
    );

    dashboard.publish_interval(&series[0]);
    let point = events.next_named("point").await;
    assert_eq!(point["index"], 0);
    assert_eq!(point["requests"], series[0].request.count);

    dashboard.log(LogLevel::Warn, "phase 2 may be overloaded");
    let log = events.next_named("log").await;
    assert_eq!(log["level"], "warn");
    assert_eq!(log["text"], "phase 2 may be overloaded");

    dashboard.publish_report(stats);
    let report = events.next_named("report").await;
    assert_eq!(report["version"], 1);

    // The stream ends when the dashboard shuts down.
    dashboard.shutdown();
    while events.next().await.is_some() {}
    dashboard.closed().await;
}

#[tokio::test]
async fn stop_is_a_confirmed_same_origin_post() {
    let (_tmp, dir) = run_dir();
    let (dashboard, _) = start(config(&dir)).await.unwrap();
    let addr = dashboard.addr();
    let mut stops = dashboard.stop_requests();
    dashboard.publish_status(LiveStatus {
        state: RunState::Running,
        ..LiveStatus::default()
    });
    let host = addr.to_string();
    let origin = format!("http://{addr}");
    let json = ("content-type", "application/json");

    // Refused: a GET, another site, a form, no confirmation, a rebound host name.
    assert_eq!(get(addr, "/api/stop").await.status, 405);
    let cases: [StopCase<'_>; 6] = [
        (&[json, ("origin", "http://evil.example")], STOP_JSON, 403),
        (&[json, ("origin", "null")], STOP_JSON, 403),
        (&[json, ("sec-fetch-site", "cross-site")], STOP_JSON, 403),
        (
            &[("content-type", "text/plain"), ("origin", &origin)],
            STOP_JSON,
            403,
        ),
        (&[json, ("origin", &origin)], r#"{"confirm":false}"#, 400),
        (&[json, ("host", "evil.example:8091")], STOP_JSON, 421),
    ];
    for (headers, body, want) in cases {
        let reply = request(addr, "POST", "/api/stop", headers, body).await;
        assert_eq!(reply.status, want, "{headers:?} {body}: {}", reply.body);
    }
    assert!(
        !stops.is_pending(),
        "a refused request must not stop the run"
    );
    assert_eq!(get(addr, "/api/status").await.json()["state"], "running");

    // Accepted: the dashboard's own page (same origin, JSON), then curl (no Origin).
    let reply = request(
        addr,
        "POST",
        "/api/stop",
        &[
            json,
            ("origin", &origin),
            ("host", &host),
            ("sec-fetch-site", "same-origin"),
        ],
        STOP_JSON,
    )
    .await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    assert_eq!(reply.json()["action"], "stop");
    assert!(stops.take());
    let status = get(addr, "/api/status").await.json();
    assert_eq!(status["state"], "stopping");
    assert_eq!(status["stop_requested"], true);
    // The publisher still says running until the engine has stopped: it shows as stopping.
    dashboard.publish_status(LiveStatus {
        state: RunState::Running,
        ..LiveStatus::default()
    });
    assert_eq!(get(addr, "/api/status").await.json()["state"], "stopping");

    // After the run (-k), Stop closes the dashboard.
    dashboard.finished(RunOutcome::new(StopReason::StopCommand, None));
    let reply = request(addr, "POST", "/api/stop", &[json], STOP_JSON).await;
    assert_eq!(reply.json()["action"], "close");
    assert!(stops.wait_timeout(WAIT));
    let logs = get(addr, "/api/logs").await.json();
    let texts: Vec<&str> = logs["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        [
            "stop requested from the dashboard",
            "run finished: stopped on request",
            "dashboard closing on request"
        ]
    );
}

#[tokio::test]
async fn unknown_hosts_are_refused_everywhere() {
    let (_tmp, dir) = run_dir();
    let (dashboard, _) = start(config(&dir)).await.unwrap();
    let port = dashboard.addr().port();
    let evil = format!("evil.example:{port}");
    let local = format!("localhost:{port}");
    for path in ["/status", "/api/status", "/files/tsung.log"] {
        let refused = request(dashboard.addr(), "GET", path, &[("host", &evil)], "").await;
        assert_eq!(refused.status, 421, "{path}");
        let allowed = request(dashboard.addr(), "GET", path, &[("host", &local)], "").await;
        assert_eq!(allowed.status, 200, "{path}");
    }
}

#[tokio::test]
async fn files_are_listed_and_served_from_the_run_directory_only() {
    let (_tmp, dir) = run_dir();
    let (dashboard, _) = start(config(&dir)).await.unwrap();
    let addr = dashboard.addr();

    let list = get(addr, "/api/files").await.json();
    let paths: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["csv_data/users.csv", "shop.xml", "tsung.log"]);
    assert_eq!(list[2]["size"], 28);

    let log = get(addr, "/files/tsung.log").await;
    assert_eq!(log.status, 200);
    assert_eq!(log.body, "# stats: dump at 1700000010\n");
    assert_eq!(log.header("content-type"), "text/plain; charset=utf-8");
    assert!(log.header("content-security-policy").starts_with("sandbox"));
    assert_eq!(log.header("content-disposition"), "");
    // Scenario XML is shown as text, never run.
    assert_eq!(
        get(addr, "/files/shop.xml").await.header("content-type"),
        "text/plain; charset=utf-8"
    );
    let csv = get(addr, "/files/csv_data/users.csv?download=1").await;
    assert_eq!(csv.body, "t,users\n10,4\n");
    assert_eq!(
        csv.header("content-disposition"),
        "attachment; filename=\"users.csv\""
    );

    for path in [
        "/files/../secret.txt",
        "/files/%2e%2e/secret.txt",
        "/files/csv_data/..%2f..%2fsecret.txt",
        "/files/csv_data%2f..%2f..%2fsecret.txt",
        "/files/%2fetc%2fpasswd",
        "/files/..%5csecret.txt",
        "/files/csv_data/../../secret.txt",
    ] {
        let reply = get(addr, path).await;
        assert!(
            matches!(reply.status, 400 | 403 | 404),
            "{path}: {}",
            reply.status
        );
        assert!(!reply.body.contains("top secret"), "{path}");
    }
    assert_eq!(get(addr, "/files/missing.log").await.status, 404);
    assert_eq!(get(addr, "/files/csv_data").await.status, 404);
    assert_eq!(get(addr, "/files/").await.status, 303);
}

#[tokio::test]
async fn the_report_page_shows_the_live_report() {
    let (_tmp, dir) = run_dir();
    let (dashboard, _) = start(config(&dir)).await.unwrap();
    let addr = dashboard.addr();
    let (stats, series) = synthetic_run();
    publish_first(&dashboard, &stats, &series, 1);

    let before = get(addr, "/report/live.html").await;
    assert_eq!(before.status, 200);
    assert!(before.body.contains("No report yet"), "{}", before.body);
    assert!(before.body.contains("every 10 s"));
    assert!(
        before
            .header("content-security-policy")
            .contains("frame-ancestors 'self'")
    );

    // A report.html already in the run directory is shown until one is published.
    std::fs::write(dir.join("report.html"), "<!DOCTYPE html><p>from disk</p>").unwrap();
    assert!(
        get(addr, "/report/live.html")
            .await
            .body
            .contains("from disk")
    );

    dashboard.publish_report(stats.clone());
    let live = get(addr, "/report/live.html").await;
    let report = stampede_report::html::render(&stats);
    assert!(
        live.body.contains("Run in progress (t = 10 s)"),
        "{}",
        live.body.chars().take(400).collect::<String>()
    );
    // The notice is the only change.
    let start = live.body.find("<div role=\"note\"").unwrap();
    let end = start + live.body[start..].find("</div>").unwrap() + "</div>".len();
    assert_eq!(
        format!("{}{}", &live.body[..start], &live.body[end..]),
        report
    );
    // Once finished, the report is served as it is.
    dashboard.finished(RunOutcome::new(StopReason::DurationReached, None));
    let live = get(addr, "/report/live.html").await;
    assert_eq!(live.body, report);
    let download = get(addr, "/report/live.html?download=1").await;
    assert_eq!(
        download.header("content-disposition"),
        "attachment; filename=\"report.html\""
    );
    assert_eq!(get(addr, "/api/status").await.json()["report_version"], 1);
}

#[tokio::test]
async fn a_taken_port_moves_to_the_next_free_one() {
    let (_tmp, dir) = run_dir();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let mut cfg = config(&dir);
    cfg.bind = taken.local_addr().unwrap();
    let (dashboard, info) = start(cfg.clone()).await.unwrap();
    assert!(info.port_changed());
    assert_ne!(info.addr.port(), port);
    assert_eq!(
        info.notices,
        [format!("port {port} in use, using {}", info.addr.port())]
    );
    assert_eq!(get(dashboard.addr(), "/api/status").await.status, 200);

    cfg.port_attempts = 1;
    match start(cfg).await {
        Err(DashboardError::NoFreePort { first, last, .. }) => {
            assert_eq!((first, last), (port, port));
        }
        other => panic!("expected NoFreePort, got {other:?}"),
    }
}

#[tokio::test]
async fn a_missing_run_directory_is_an_error() {
    let (tmp, _) = run_dir();
    let err = start(config(&tmp.path().join("missing")))
        .await
        .unwrap_err();
    assert!(matches!(err, DashboardError::RunDir { .. }), "{err}");
}

#[test]
fn runs_on_its_own_thread_and_stops() {
    let (_tmp, dir) = run_dir();
    let (dashboard, info) = Dashboard::spawn_on_thread(config(&dir)).unwrap();
    let mut stops = dashboard.stop_requests();
    let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    {
        let flag = std::sync::Arc::clone(&flag);
        dashboard.on_stop(move || flag.store(true, std::sync::atomic::Ordering::SeqCst));
    }
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let addr = info.addr;
    let reply = client.block_on(async move {
        assert_eq!(get(addr, "/status").await.status, 200);
        request(
            addr,
            "POST",
            "/api/stop",
            &[("content-type", "application/json")],
            STOP_JSON,
        )
        .await
    });
    assert_eq!(reply.status, 202);
    assert!(stops.wait_timeout(WAIT));
    assert!(flag.load(std::sync::atomic::Ordering::SeqCst));

    dashboard.shutdown();
    assert!(dashboard.is_closed());
    let refused = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(5));
    assert!(refused.is_err(), "still listening after shutdown");
}

#[test]
fn dropping_the_last_handle_stops_the_server() {
    let (_tmp, dir) = run_dir();
    let (dashboard, info) = Dashboard::spawn_on_thread(config(&dir)).unwrap();
    let writer_keeps_nothing_alive = dashboard.log_writer();
    drop(dashboard);
    drop(writer_keeps_nothing_alive);
    // The thread closes the listener shortly after; wait for it without sleeping blindly.
    let deadline = std::time::Instant::now() + WAIT;
    while std::net::TcpStream::connect_timeout(&info.addr, Duration::from_secs(1)).is_ok() {
        assert!(std::time::Instant::now() < deadline, "still listening");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn config_defaults_match_tsung_but_stay_local() {
    let c = DashboardConfig::new("/tmp", "t");
    assert_eq!(c.bind.to_string(), "127.0.0.1:8091");
    assert!(!c.keep_alive);
}
