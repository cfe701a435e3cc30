//! The load plan and where it runs: phases, static users, `wait_all_sessions_end`, the
//! global barrier, `--target`, remote `<client>`s.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use stampede_engine::{EngineError, RunConfig, RunEnd, StopHandle, TargetOverride};
use stampede_model::Counter;
use stampede_testkit::Outcome;

const PHASES: &str = r#"<?xml version="1.0"?>
<tsung loglevel="notice">
  <clients><client host="localhost" use_controller_vm="true"/></clients>
  <servers><server host="{HOST}" port="{PORT}" type="tcp"/></servers>
  <load>
    <arrivalphase phase="1" duration="100" unit="millisecond" wait_all_sessions_end="true">
      <users arrivalrate="1000" unit="second" maxnumber="3"/>
    </arrivalphase>
    <arrivalphase phase="2" duration="100" unit="millisecond">
      <users arrivalrate="1000" unit="second" maxnumber="2"/>
      <session_setup name="first" probability="0"/>
      <session_setup name="second" probability="100"/>
    </arrivalphase>
    <user session="static" start_time="0.01" unit="second"/>
  </load>
  <sessions>
    <session name="first" probability="100" type="ts_http">
      <request><http url="/health"/></request>
      <thinktime value="0.2"/>
      <request><http url="/health"/></request>
    </session>
    <session name="second" probability="0" type="ts_http">
      <request><http url="/static/100b.txt"/></request>
    </session>
    <session name="static" probability="0" type="ts_http">
      <request><http url="/"/></request>
    </session>
  </sessions>
</tsung>"#;

#[test]
fn phases_static_users_and_wait_all_sessions_end() {
    let app = app();
    let dir = tempfile::tempdir().unwrap();
    let xml = PHASES.replace("{HOST}", "127.0.0.1");
    let sc = scenario(&xml, app.addr().port(), dir.path());
    let (summary, seen) = run(sc, config(dir.path()));
    assert_eq!(summary.end, RunEnd::Completed);
    let t = &summary.totals;
    assert_eq!(t.sessions[0].started, 3);
    assert_eq!(t.sessions[1].started, 2);
    assert_eq!(t.sessions[2].started, 1);
    assert_eq!(t.counter(Counter::NewPhase), 1);
    assert_eq!(seen.phases_started.len(), 2);
    assert_eq!(seen.phases_ended.len(), 2);
    // Phase 2 started only once the users of phase 1 had finished (their 200 ms thinktime).
    assert!(seen.phases_started[1].at >= std::time::Duration::from_millis(200));
    let c = app.counts();
    assert_eq!(c.get("/health", "GET", Outcome::Status(200)), 6);
    assert_eq!(c.get("/static/100b.txt", "GET", Outcome::Status(200)), 2);
    assert_eq!(c.get("/", "GET", Outcome::Status(200)), 1);
    app.shutdown_blocking();
}

#[test]
fn target_override_redirects_the_servers() {
    let app = app();
    let dir = tempfile::tempdir().unwrap();
    // A host that must never be looked up: every connection goes to --target.
    let xml = PHASES.replace("{HOST}", "stampede-target.invalid");
    let sc = scenario(&xml, 1, dir.path());
    let config = RunConfig {
        target: Some(TargetOverride {
            host: "127.0.0.1".into(),
            port: app.addr().port(),
        }),
        ..config(dir.path())
    };
    let (summary, seen) = run(sc, config);
    assert_eq!(summary.end, RunEnd::Completed, "{:?}", seen.logs);
    assert_eq!(summary.totals.errors_total(), 0);
    assert_eq!(app.counts().total(), 9);
    app.shutdown_blocking();
}

#[test]
fn remote_clients_are_refused_unless_run_locally() {
    let app = app();
    let dir = tempfile::tempdir().unwrap();
    let xml = PHASES.replace("{HOST}", "127.0.0.1").replace(
        r#"<client host="localhost" use_controller_vm="true"/>"#,
        r#"<client host="localhost" weight="1"/><client host="loadgen-7.example.org" weight="3"/>"#,
    );
    let sc = scenario(&xml, app.addr().port(), dir.path());
    let refused = stampede_engine::run(sc.clone(), config(dir.path()), (), StopHandle::new());
    match refused {
        Err(EngineError::RemoteClients { hosts, share }) => {
            assert_eq!(hosts, "loadgen-7.example.org");
            assert!((share - 75.0).abs() < 1e-9);
        }
        other => panic!("{other:?}"),
    }
    let local = RunConfig {
        local_clients: true,
        ..config(dir.path())
    };
    let (summary, seen) = run(sc, local);
    assert_eq!(summary.end, RunEnd::Completed);
    assert_eq!(app.counts().total(), 9);
    assert!(seen.logs.iter().any(|(_, t)| t.contains("--local-clients")));
    app.shutdown_blocking();
}

#[test]
fn global_barrier_releases_together_and_dumps_matches() {
    let app = app();
    let dir = tempfile::tempdir().unwrap();
    let xml = r#"<?xml version="1.0"?>
<tsung loglevel="notice">
  <clients><client host="localhost" use_controller_vm="true"/></clients>
  <servers><server host="127.0.0.1" port="{PORT}" type="tcp"/></servers>
  <load>
    <arrivalphase phase="1" duration="100" unit="millisecond">
      <users arrivalrate="1000" unit="second" maxnumber="4"/>
    </arrivalphase>
  </load>
  <options><option name="global_number" value="4"/></options>
  <sessions>
    <session name="s" probability="100" type="ts_http">
      <request><http url="/health"/></request>
      <thinktime value="wait_global"/>
      <transaction name="after_barrier">
        <request>
          <match do="dump" when="match" name="home">Stampede|communit</match>
          <http url="/"/>
        </request>
      </transaction>
    </session>
  </sessions>
</tsung>"#;
    let sc = scenario(xml, app.addr().port(), dir.path());
    let (summary, seen) = run(sc, config(dir.path()));
    assert_eq!(summary.end, RunEnd::Completed);
    assert_eq!(app.counts().total(), 8);
    assert_eq!(seen.matches.len(), 4);
    assert!(
        seen.matches
            .iter()
            .all(|m| m.dump.as_ref().is_some_and(|d| !d.is_empty()))
    );
    app.shutdown_blocking();
}

#[test]
fn a_user_can_stop_the_test() {
    let app = app();
    let dir = tempfile::tempdir().unwrap();
    let xml = r#"<?xml version="1.0"?>
<tsung loglevel="notice">
  <clients><client host="localhost" use_controller_vm="true"/></clients>
  <servers><server host="127.0.0.1" port="{PORT}" type="tcp"/></servers>
  <load>
    <arrivalphase phase="1" duration="100" unit="millisecond">
      <users arrivalrate="1000" unit="second" maxnumber="3"/>
    </arrivalphase>
    <user session="stopper" start_time="0.3" unit="second"/>
  </load>
  <sessions>
    <session name="loop" probability="100" type="ts_http">
      <for from="1" to="100000" incr="1" var="i">
        <request><http url="/health"/></request>
        <thinktime value="0.01"/>
      </for>
    </session>
    <session name="stopper" probability="0" type="ts_http">
      <request>
        <match do="abort_test" when="match">ok</match>
        <http url="/health"/>
      </request>
    </session>
  </sessions>
</tsung>"#;
    let sc = scenario(xml, app.addr().port(), dir.path());
    let (summary, seen) = run(sc, config(dir.path()));
    assert!(
        matches!(summary.end, RunEnd::StoppedByScenario { user_id: 4 }),
        "{:?}",
        summary.end
    );
    let t = &summary.totals;
    assert_eq!(t.counter(Counter::MatchStopTest), 1);
    assert_eq!(
        t.sessions[1].aborted_by(stampede_metrics::AbortReason::MatchAbortTest),
        1
    );
    assert_eq!(
        t.sessions[0].aborted_by(stampede_metrics::AbortReason::TestStopped),
        3
    );
    assert_eq!(t.request.count, app.counts().total());
    assert!(
        seen.matches
            .iter()
            .any(|m| m.event == Counter::MatchStopTest)
    );
    app.shutdown_blocking();
}

/// A tiny keep-alive HTTP server on its own thread that records each connection's source
/// address.
fn peer_recording_server() -> (u16, std::sync::Arc<std::sync::Mutex<Vec<std::net::IpAddr>>>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let peers = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = peers.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { return };
            seen.lock().unwrap().push(s.peer_addr().unwrap().ip());
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let mut pending = Vec::new();
                loop {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => pending.extend_from_slice(&buf[..n]),
                    }
                    while let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
                        pending.drain(..end + 4);
                        let reply = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
                        if s.write_all(reply).is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    (port, peers)
}

#[test]
fn users_take_the_listed_source_addresses_in_turn() {
    let (port, peers) = peer_recording_server();
    let dir = tempfile::tempdir().unwrap();
    let xml = r#"<?xml version="1.0"?>
<tsung loglevel="notice">
  <clients>
    <client host="localhost" use_controller_vm="true">
      <ip value="127.0.0.2"/><ip value="127.0.0.3"/>
    </client>
  </clients>
  <servers><server host="127.0.0.1" port="{PORT}" type="tcp"/></servers>
  <load>
    <arrivalphase phase="1" duration="100" unit="millisecond">
      <users arrivalrate="1000" unit="second" maxnumber="4"/>
    </arrivalphase>
  </load>
  <sessions>
    <session name="s" probability="100" type="ts_http">
      <request><http url="/"/></request>
      <request><http url="/"/></request>
    </session>
  </sessions>
</tsung>"#;
    let sc = scenario(xml, port, dir.path());
    let (summary, seen) = run(sc, config(dir.path()));
    assert_eq!(summary.end, RunEnd::Completed, "{:?}", seen.logs);
    assert_eq!(summary.totals.status.get(200), 8);
    let mut peers = peers.lock().unwrap().clone();
    peers.sort();
    let a: std::net::IpAddr = "127.0.0.2".parse().unwrap();
    let b: std::net::IpAddr = "127.0.0.3".parse().unwrap();
    assert_eq!(peers, vec![a, a, b, b]);
}
