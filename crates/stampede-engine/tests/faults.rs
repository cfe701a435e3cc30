//! Faults injected by the target app: the run never crashes, each fault lands in the right
//! counter, and the app's counts agree with Stampede's.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use stampede_engine::RunEnd;
use stampede_model::ErrorClass;
use stampede_testkit::{Fault, FaultRule, Outcome};

fn loop_scenario(version: &str, idle_ms: u32) -> String {
    format!(
        r#"<?xml version="1.0"?>
<tsung loglevel="notice">
  <clients><client host="localhost" use_controller_vm="true"/></clients>
  <servers><server host="127.0.0.1" port="{{PORT}}" type="tcp"/></servers>
  <load>
    <arrivalphase phase="1" duration="100" unit="millisecond">
      <users arrivalrate="1000" unit="second" maxnumber="4"/>
    </arrivalphase>
  </load>
  <options>
    <option name="idle_timeout" value="{idle_ms}"/>
    <option name="max_retries" value="0"/>
  </options>
  <sessions>
    <session name="s" probability="100" type="ts_http">
      <request><http url="/" version="{version}"/></request>
      <for from="1" to="5" incr="1" var="i">
        <request><http url="/health" version="{version}"/></request>
      </for>
    </session>
  </sessions>
</tsung>"#
    )
}

struct Seen {
    app_ok: u64,
    app_faulted: u64,
    app_total: u64,
    codes: Vec<(u16, u64)>,
    errors: Vec<(ErrorClass, u64)>,
    requests: u64,
    resent: u64,
    aborted: u64,
}

fn run_with(fault: Fault, version: &str) -> Seen {
    let app = app();
    let dir = tempfile::tempdir().unwrap();
    app.faults()
        .add(FaultRule::new(fault).route("/health").next(3))
        .unwrap();
    let sc = scenario(&loop_scenario(version, 300), app.addr().port(), dir.path());
    let (summary, seen) = run(sc, config(dir.path()));
    assert_eq!(summary.end, RunEnd::Completed, "{:?}", seen.logs);
    let c = app.counts();
    let app_ok =
        c.get("/health", "GET", Outcome::Status(200)) + c.get("/", "GET", Outcome::Status(200));
    let seen = Seen {
        app_ok,
        app_faulted: c.total() - app_ok,
        app_total: c.total(),
        codes: codes(&summary),
        errors: errors(&summary),
        requests: summary.totals.request.count,
        resent: summary.resent_requests,
        aborted: summary.totals.sessions_total().aborted_total(),
    };
    app.shutdown_blocking();
    seen
}

/// What a fault must produce: the error counted (if any), whether the user's session ends,
/// whether the status line was read before the failure.
struct Case {
    fault: Fault,
    version: &'static str,
    error: Option<ErrorClass>,
    ends_session: bool,
    status_read: bool,
    /// Kept-alive connection found closed: the request is sent again, not an error.
    resent: bool,
}

#[test]
fn every_fault_lands_in_its_counter_and_counts_agree() {
    use ErrorClass::*;
    let case = |fault, version, error, ends_session, status_read, resent| Case {
        fault,
        version,
        error,
        ends_session,
        status_read,
        resent,
    };
    let cases = [
        // HTTP/1.0: a new connection per request, so every fault is seen as such.
        case(Fault::Reset, "1.0", Some(InetReset), true, false, false),
        case(Fault::Close, "1.0", Some(Closed), false, false, false),
        case(
            Fault::Malformed,
            "1.0",
            Some(HttpNoStatus),
            true,
            false,
            false,
        ),
        case(Fault::Stall, "1.0", Some(Timeout), true, false, false),
        case(Fault::Truncate, "1.0", Some(Closed), false, true, false),
        case(Fault::Status(500), "1.0", None, false, true, false),
        // Keep-alive: a reset or close before any byte on a reused connection is the server
        // having closed it; the request goes again on a new one (Tsung does the same). If
        // that one is faulted too (fresh connection), it is an error.
        case(Fault::Reset, "1.1", Some(InetReset), true, false, true),
        case(Fault::Close, "1.1", Some(Closed), false, false, true),
        case(
            Fault::Malformed,
            "1.1",
            Some(HttpNoStatus),
            true,
            false,
            false,
        ),
        case(Fault::Stall, "1.1", Some(Timeout), true, false, false),
        case(Fault::Truncate, "1.1", Some(Closed), false, true, false),
        case(Fault::Status(500), "1.1", None, false, true, false),
    ];
    for c in cases {
        let what = format!("{:?} over HTTP/{}", c.fault, c.version);
        let s = run_with(c.fault, c.version);
        assert_eq!(s.app_faulted, 3, "{what}");
        let errors: u64 = s.errors.iter().map(|(_, n)| n).sum();
        match c.error {
            Some(class) => {
                assert!(
                    s.errors.iter().all(|(e, _)| *e == class),
                    "{what}: {:?}",
                    s.errors
                );
            }
            None => assert_eq!(errors, 0, "{what}: {:?}", s.errors),
        }
        // Each fault is either an error or (kept-alive connection) a request sent again.
        if c.resent {
            assert!(s.resent > 0, "{what}");
            assert_eq!(s.resent + errors, 3, "{what}");
        } else {
            assert_eq!(s.resent, 0, "{what}");
            assert_eq!(errors, if c.error.is_some() { 3 } else { 0 }, "{what}");
        }
        let codes: u64 = s.codes.iter().map(|(_, n)| n).sum();
        let with_status = if c.status_read { 3 } else { 0 };
        assert_eq!(codes, s.app_ok + with_status, "{what}");
        let ended = if c.ends_session { errors } else { 0 };
        assert_eq!(s.aborted, ended, "{what}");
        // Every request the app saw is a status or an error here (or was sent again).
        let both = if c.status_read && c.error.is_some() {
            3
        } else {
            0
        };
        assert_eq!(s.app_total, codes + errors - both + s.resent, "{what}");
        // Completed requests: every answered one (a 500 is an answer).
        let answered = if c.fault == Fault::Status(500) { 3 } else { 0 };
        assert_eq!(s.requests, s.app_ok + answered, "{what}");
    }
}

#[test]
fn refused_connections_are_retried_then_the_user_gives_up() {
    // A port nobody listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let xml = loop_scenario("1.1", 1000).replace(
        r#"<option name="max_retries" value="0"/>"#,
        r#"<option name="max_retries" value="2"/><option name="retry_timeout" value="5"/>"#,
    );
    let sc = scenario(&xml, port, dir.path());
    let (summary, _) = run(sc, config(dir.path()));
    assert_eq!(summary.end, RunEnd::Completed);
    let t = &summary.totals;
    // Each of the 4 users: first try and 2 retries refused, then it gives up.
    assert_eq!(t.error(ErrorClass::ConnectRefused), 12);
    assert_eq!(t.error(ErrorClass::AbortMaxConnRetries), 4);
    assert_eq!(t.request.count, 0);
    assert_eq!(t.connect.count, 0);
    assert_eq!(
        t.sessions[0].aborted_by(stampede_metrics::AbortReason::Error(
            ErrorClass::AbortMaxConnRetries
        )),
        4
    );
}
