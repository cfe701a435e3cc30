//! Throughput probe: `users` keep-alive users loop `GET url` for `seconds`, then the request
//! rate and the CPU time this process spent per request are printed (user and system, from
//! `getrusage`), so the engine can be compared with other load generators on the same server.
//!
//! ```text
//! cargo run --release -p stampede-engine --example loop_get -- http://127.0.0.1:8080/100b.txt [users=50] [seconds=10] [workers=1]
//! ```
//!
//! Without a URL it starts the test app on loopback and targets its `/static/100b.txt`.

use stampede_engine::{RunConfig, RunEnd, StopHandle, run};
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

fn scenario_xml(host: &str, port: u16, path: &str, users: u32, seconds: u64) -> String {
    // Every user arrives within the first second (Poisson arrivals at ten times the rate,
    // capped by maxnumber).
    let rate = users.saturating_mul(10);
    format!(
        r#"<?xml version="1.0"?>
<tsung loglevel="warning">
  <clients><client host="localhost" use_controller_vm="true" maxusers="{users}"/></clients>
  <servers><server host="{host}" port="{port}" type="tcp"/></servers>
  <load duration="{seconds}" unit="second">
    <arrivalphase phase="1" duration="1" unit="second">
      <users arrivalrate="{rate}" unit="second" maxnumber="{users}"/>
    </arrivalphase>
  </load>
  <sessions>
    <session name="loop" probability="100" type="ts_http">
      <for from="1" to="2000000000" incr="1" var="i">
        <request><http url="{path}"/></request>
      </for>
    </session>
  </sessions>
</tsung>"#
    )
}

/// `(host, port, path)` of `http://host:port/path`.
fn split_url(url: &str) -> Option<(String, u16, String)> {
    let rest = url.strip_prefix("http://")?;
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().ok()?),
        None => (hostport, 80),
    };
    Some((host.to_owned(), port, path.to_owned()))
}

/// CPU time of this process so far: (user, system).
fn cpu_time() -> (Duration, Duration) {
    use nix::sys::resource::{UsageWho, getrusage};
    match getrusage(UsageWho::RUSAGE_SELF) {
        Ok(u) => {
            let tv = |t: nix::sys::time::TimeVal| {
                Duration::from_secs(t.tv_sec().max(0) as u64)
                    + Duration::from_micros(t.tv_usec().max(0) as u64)
            };
            (tv(u.user_time()), tv(u.system_time()))
        }
        Err(_) => (Duration::ZERO, Duration::ZERO),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: u64| -> u64 {
        args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default)
    };
    let users = arg(1, 50) as u32;
    let seconds = arg(2, 10);
    let workers = arg(3, 1) as usize;
    let mut app = None;
    let (host, port, path) = match args.first().and_then(|u| split_url(u)) {
        Some(t) => t,
        None => {
            let a = stampede_testkit::TargetApp::start_blocking(stampede_testkit::AppConfig {
                worker_threads: 1,
                ..Default::default()
            })?;
            let port = a.addr().port();
            app = Some(a);
            ("127.0.0.1".to_owned(), port, "/static/100b.txt".to_owned())
        }
    };
    let xml = scenario_xml(&host, port, &path, users, seconds);
    let loaded = stampede_scenario::load_str(
        "loop_get.xml",
        std::path::Path::new("."),
        &xml,
        &Default::default(),
    )
    .map_err(|f| stampede_scenario::render(&f.diagnostics, &f.sources, false))?;
    let config = RunConfig {
        workers,
        seed: Some(1),
        ..RunConfig::default()
    };
    let (user0, sys0) = cpu_time();
    let summary = run(Arc::new(loaded.scenario), config, (), StopHandle::new())?;
    let (user1, sys1) = cpu_time();
    let requests = summary.totals.request.count.max(1);
    let secs = summary.duration.as_secs_f64();
    let per = |d: Duration| d.as_secs_f64() * 1e6 / requests as f64;
    let (user, sys) = (user1 - user0, sys1 - sys0);
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{} requests in {secs:.2} s: {:.0} req/s; errors {}; users {users}, workers {workers}; end {}",
        summary.totals.request.count,
        summary.totals.request.count as f64 / secs,
        summary.totals.errors_total(),
        summary.end.name(),
    )?;
    writeln!(
        out,
        "CPU per request: {:.2} µs user + {:.2} µs system = {:.2} µs",
        per(user),
        per(sys),
        per(user + sys)
    )?;
    for class in stampede_model::ErrorClass::ALL {
        let n = summary.totals.error(class);
        if n > 0 {
            writeln!(out, "  {}: {n}", class.tsung_name())?;
        }
    }
    if app.is_some() {
        writeln!(
            out,
            "(the test app ran in this process: its CPU time is included; target an external \
             server for the engine's own cost)"
        )?;
    }
    if summary.end != RunEnd::DurationReached {
        writeln!(out, "(the run did not reach its duration)")?;
    }
    if let Some(a) = app {
        a.shutdown_blocking();
    }
    Ok(())
}
