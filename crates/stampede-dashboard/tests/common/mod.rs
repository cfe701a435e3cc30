//! Shared by the integration tests: a plain HTTP/1.1 client (hyper) that can also read a
//! server-sent-event stream, a run directory, and a synthetic run to publish.
#![allow(dead_code, clippy::unwrap_used)]

use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use stampede_dashboard::{Dashboard, DashboardConfig, LiveStatus, RunPlan, RunState};
use stampede_metrics::IntervalSummary;
use stampede_report::synthetic::{self, Synthetic};
use stampede_report::{StatsFile, write_outputs};
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

/// Bound on every network wait of the tests.
pub const WAIT: Duration = Duration::from_secs(20);

/// A response, body read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> hyper::Response<Incoming> {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    let mut request = hyper::Request::builder().method(method).uri(path);
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        request = request.header("host", addr.to_string());
    }
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let request = request
        .body(http_body_util::Full::new(hyper::body::Bytes::from(
            body.to_owned(),
        )))
        .unwrap();
    tokio::time::timeout(WAIT, sender.send_request(request))
        .await
        .expect("response in time")
        .unwrap()
}

/// One request; the whole body as text.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Reply {
    let response = send(addr, method, path, headers, body).await;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = tokio::time::timeout(WAIT, response.into_body().collect())
        .await
        .expect("body in time")
        .unwrap()
        .to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

pub async fn get(addr: SocketAddr, path: &str) -> Reply {
    request(addr, "GET", path, &[], "").await
}

/// A server-sent-event stream.
pub struct Events {
    body: Incoming,
    buf: String,
}

impl Events {
    pub async fn open(addr: SocketAddr) -> Events {
        let response = send(addr, "GET", "/api/events", &[], "").await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        Events {
            body: response.into_body(),
            buf: String::new(),
        }
    }

    /// The next event as (name, data); `None` when the stream ends.
    pub async fn next(&mut self) -> Option<(String, String)> {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut name = String::from("message");
                let mut data = Vec::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push(v.strip_prefix(' ').unwrap_or(v).to_owned());
                    }
                }
                if data.is_empty() {
                    continue; // keep-alive comment or retry field
                }
                return Some((name, data.join("\n")));
            }
            let frame = tokio::time::timeout(WAIT, self.body.frame())
                .await
                .expect("event in time")?
                .ok()?;
            if let Ok(bytes) = frame.into_data() {
                self.buf.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
    }

    /// Skips events until one named `name` comes; returns its data as JSON.
    pub async fn next_named(&mut self, name: &str) -> serde_json::Value {
        loop {
            let (event, data) = self.next().await.expect("stream open");
            if event == name {
                return serde_json::from_str(&data).unwrap();
            }
        }
    }
}

/// A run directory with a few files, plus a file beside it that must never be served.
pub fn run_dir() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("20240307-0905");
    std::fs::create_dir_all(dir.join("csv_data")).unwrap();
    std::fs::write(dir.join("tsung.log"), "# stats: dump at 1700000010\n").unwrap();
    std::fs::write(dir.join("shop.xml"), "<tsung><script>x</script></tsung>").unwrap();
    std::fs::write(dir.join("csv_data/users.csv"), "t,users\n10,4\n").unwrap();
    std::fs::write(tmp.path().join("secret.txt"), "top secret").unwrap();
    (tmp, dir)
}

/// A dashboard on a free loopback port.
pub fn config(dir: &Path) -> DashboardConfig {
    let mut config = DashboardConfig::new(dir, "synthetic shop");
    config.bind = "127.0.0.1:0".parse().unwrap();
    config
}

/// A deterministic synthetic run: its `stats.json` document and its intervals.
pub fn synthetic_run() -> (StatsFile, Vec<IntervalSummary>) {
    let (stats, agg, _) = synthetic::run(Synthetic::default());
    let series = agg.series().to_vec();
    (stats, series)
}

/// The plan of the synthetic run.
pub fn plan(stats: &StatsFile) -> RunPlan {
    RunPlan {
        scenario: stats.run.scenario.name.clone(),
        scenario_path: stats.run.scenario.path.clone(),
        started_at: stats.run.started_at.clone(),
        planned: Some(Duration::from_secs_f64(stats.run.duration_s)),
        phases: stats.run.phases.clone(),
        interval: Duration::from_secs_f64(stats.run.interval_s),
    }
}

/// Gauges at the end of `summary`.
pub fn status_at(stats: &StatsFile, summary: &IntervalSummary, phase: usize) -> LiveStatus {
    LiveStatus {
        elapsed: Duration::from_nanos(summary.end_ns),
        phase: Some(phase),
        phase_started: Some(Duration::from_secs_f64(stats.run.phases[phase].start_s)),
        users: summary.users as u64,
        max_users: summary.users_max as u64,
        connected: summary.connected as u64,
        state: RunState::Running,
    }
}

/// Writes the synthetic run's outputs (stats.json, report.html, timeseries.csv) into `dir`.
pub fn write_report(dir: &Path, stats: &StatsFile) {
    write_outputs(dir, stats).unwrap();
}

/// Publishes the plan and the first `n` intervals with their gauges.
pub fn publish_first(
    dashboard: &Dashboard,
    stats: &StatsFile,
    series: &[IntervalSummary],
    n: usize,
) {
    dashboard.set_plan(plan(stats));
    for s in &series[..n] {
        dashboard.publish_interval(s);
        let phase = usize::from(s.end_ns as f64 / 1e9 >= stats.run.phases[1].start_s);
        dashboard.publish_status(status_at(stats, s, phase));
    }
}
