//! Memory probe: `users` users each send one request, then think for an hour with their
//! connection open (`hibernate` releases their buffers). Once every user is connected, the
//! resident set size of this process is printed; run it for two sizes and divide the
//! difference by the difference in users to get the memory of one connected, thinking user.
//!
//! ```text
//! cargo run --release -p stampede-engine --example idle_users -- http://127.0.0.1:8080/100b.txt 1000
//! cargo run --release -p stampede-engine --example idle_users -- http://127.0.0.1:8080/100b.txt 10000
//! ```
//!
//! A fourth argument `no-hibernate` sets `hibernate` to `infinity` (users thinking less than
//! `hibernate` keep their whole task). A fifth argument `think=SECONDS` (default 3600) makes
//! every user loop "request, think" instead: `think=0.5` measures users that think less than a
//! second (they keep their response buffer).
//!
//! The three regimes of a connected user, for 1,000 and 10,000 users:
//!
//! ```text
//! idle_users URL N                          # thinking ≥ hibernate (10 s): hibernated
//! idle_users URL N 1 no-hibernate           # thinking 1 s … hibernate: task kept, buffers freed
//! idle_users URL N 1 no-hibernate think=0.5 # thinking < 1 s: task and buffers kept
//! ```

use stampede_engine::{LiveStatus, RunConfig, RunObserver, StopHandle, run};
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn scenario_xml(
    host: &str,
    port: u16,
    path: &str,
    users: u64,
    hibernate: bool,
    think: f64,
) -> String {
    // Arrivals at up to 500 users/s (users start well below a millisecond apart otherwise),
    // over a phase long enough for all of them (maxnumber stops it).
    let rate = users.saturating_mul(2).clamp(10, 500);
    let phase = users / rate * 2 + 10;
    // `hibernate` is 10 s by default; "infinity" keeps every user's task alive.
    let options = if hibernate {
        ""
    } else {
        r#"<options><option name="hibernate" value="infinity"/></options>"#
    };
    format!(
        r#"<?xml version="1.0"?>
<tsung loglevel="warning">
  <clients><client host="localhost" use_controller_vm="true" maxusers="{users}"/></clients>
  <servers><server host="{host}" port="{port}" type="tcp"/></servers>
  <load duration="600" unit="second">
    <arrivalphase phase="1" duration="{phase}" unit="second">
      <users arrivalrate="{rate}" unit="second" maxnumber="{users}"/>
    </arrivalphase>
  </load>
  {options}
  <sessions>
    <session name="idle" probability="100" type="ts_http">
      <for from="1" to="1000000" incr="1" var="i">
        <request><http url="{path}"/></request>
        <thinktime value="{think}" random="false"/>
      </for>
    </session>
  </sessions>
</tsung>"#
    )
}

/// Resident set size of this process, in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// Waits until every user is connected, lets the run settle, reads the RSS, stops the run.
struct Probe {
    users: i64,
    stop: StopHandle,
    all_connected: Option<Instant>,
    rss: Option<u64>,
}

impl RunObserver for Probe {
    fn progress(&mut self, live: &LiveStatus<'_>) {
        if live.connected >= self.users && self.all_connected.is_none() {
            self.all_connected = Some(Instant::now());
        }
        if let Some(t) = self.all_connected
            && t.elapsed() >= Duration::from_secs(2)
            && self.rss.is_none()
        {
            self.rss = Some(rss_kib());
            self.stop.abort("probe done");
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = args
        .first()
        .ok_or("usage: idle_users http://HOST:PORT/PATH USERS [WORKERS] [no-hibernate|hibernate] [think=SECONDS]")?;
    let users: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let workers: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1);
    let rest = url.strip_prefix("http://").ok_or("an http:// URL")?;
    let (hostport, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (host, port) = hostport.rsplit_once(':').ok_or("host:port")?;
    let path = if path.is_empty() { "/" } else { path };
    let hibernate = args.get(3).is_none_or(|a| a != "no-hibernate");
    let think: f64 = args
        .get(4)
        .and_then(|a| a.strip_prefix("think="))
        .map_or(Ok(3600.0), str::parse)?;
    let xml = scenario_xml(host, port.parse()?, path, users, hibernate, think);
    let loaded = stampede_scenario::load_str(
        "idle_users.xml",
        std::path::Path::new("."),
        &xml,
        &Default::default(),
    )
    .map_err(|f| stampede_scenario::render(&f.diagnostics, &f.sources, false))?;
    let stop = StopHandle::new();
    let mut probe = Probe {
        users: users as i64,
        stop: stop.clone(),
        all_connected: None,
        rss: None,
    };
    let before = rss_kib();
    let config = RunConfig {
        workers,
        seed: Some(1),
        ..RunConfig::default()
    };
    let summary = run(Arc::new(loaded.scenario), config, &mut probe, stop)?;
    let mut out = std::io::stdout().lock();
    match probe.rss {
        Some(rss) => writeln!(
            out,
            "{users} connected thinking users: RSS {rss} KiB (before the run {before} KiB); \
             connected max {}",
            summary.connected_max
        )?,
        None => writeln!(
            out,
            "not every user got connected (max {} of {users}); errors: {}",
            summary.connected_max,
            summary.totals.errors_total()
        )?,
    }
    Ok(())
}
