//! What each error does: retries, back-off, session end; connection ids and options.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use stampede_model::{
    Action, ChangeType, ErrorClass, RateLimit, ServerKind, SessionId, SetOption, Transaction,
};
use stampede_session::{AbortReason, Nanos, Outcome, RequestBuf, Step, User};
use std::time::Duration;

fn user(sb: Sb) -> User {
    User::new(sb.program(), SessionId(0), 1, 1)
}

#[test]
fn connect_failures_are_retried_with_growing_backoff_then_abort() {
    let mut sb = Sb::new();
    sb.sc.options.max_retries = 3;
    sb.sc.options.retry_timeout = Duration::from_millis(100);
    let a = sb.get("/");
    sb.session(vec![a]);
    let mut u = user(sb);
    let mut host = FakeHost::new();
    let t = drive(&mut u, &mut host, Duration::from_millis(1), |_| {
        Reply::Err(ErrorClass::ConnectRefused)
    });
    // 1 + 3 attempts; back-offs 100, 200, 300 ms after each failure.
    assert_eq!(t.sent.len(), 4);
    let gaps: Vec<u64> = t
        .sent
        .windows(2)
        .map(|w| (w[1].at.0 - w[0].at.0) / 1_000_000)
        .collect();
    assert_eq!(gaps, vec![101, 201, 301]);
    assert_eq!(host.errors(ErrorClass::ConnectRefused), 4);
    assert_eq!(host.errors(ErrorClass::AbortMaxConnRetries), 1);
    assert_eq!(
        t.outcome,
        Some(Outcome::Aborted(AbortReason::Error(
            ErrorClass::AbortMaxConnRetries
        )))
    );
}

#[test]
fn retries_are_a_budget_for_the_whole_session() {
    let mut sb = Sb::new();
    sb.sc.options.max_retries = 1;
    let (a, b) = (sb.get("/a"), sb.get("/b"));
    sb.session(vec![a, b]);
    let mut u = user(sb);
    let mut host = FakeHost::new();
    let mut failed = std::collections::HashSet::new();
    let t = drive(&mut u, &mut host, Duration::from_millis(1), |r| {
        let line = r.lines().next().unwrap().to_owned();
        // Each URL fails once, then works.
        if failed.insert(line) {
            Reply::Err(ErrorClass::ConnectTimeout)
        } else {
            ok("", "")
        }
    });
    // /a fails, retried OK; /b fails and the single retry is already used: abort.
    assert_eq!(
        t.lines(),
        vec!["GET /a HTTP/1.1", "GET /a HTTP/1.1", "GET /b HTTP/1.1"]
    );
    assert_eq!(host.errors(ErrorClass::AbortMaxConnRetries), 1);
}

#[test]
fn send_failures_retry_on_a_new_connection() {
    let mut sb = Sb::new();
    let a = sb.get("/");
    sb.session(vec![a]);
    let mut u = user(sb);
    let mut host = FakeHost::new();
    let mut n = 0;
    let t = drive(&mut u, &mut host, Duration::from_millis(1), |_| {
        n += 1;
        if n == 1 {
            Reply::Err(ErrorClass::SendClosed)
        } else {
            ok("", "")
        }
    });
    assert_eq!(t.sent.len(), 2);
    assert_ne!(t.sent[0].connection, t.sent[1].connection);
    assert_eq!(t.outcome, Some(Outcome::Completed));
    assert_eq!(host.errors(ErrorClass::SendClosed), 1);
}

#[test]
fn session_ending_errors() {
    for e in [
        ErrorClass::Timeout,
        ErrorClass::InetReset,
        ErrorClass::HttpBadResponse,
        ErrorClass::UnknownData,
    ] {
        let mut sb = Sb::new();
        let (a, b) = (sb.get("/a"), sb.get("/b"));
        sb.session(vec![a, b]);
        let mut u = user(sb);
        let mut host = FakeHost::new();
        let t = drive(&mut u, &mut host, Duration::from_millis(1), |_| {
            Reply::Err(e)
        });
        assert_eq!(t.sent.len(), 1, "{e:?}");
        assert_eq!(t.outcome, Some(Outcome::Aborted(AbortReason::Error(e))));
        assert_eq!(host.errors(e), 1);
    }
}

#[test]
fn server_close_while_waiting_on_a_persistent_session_goes_on() {
    let mut sb = Sb::new();
    let (a, b) = (sb.get("/a"), sb.get("/b"));
    sb.session(vec![a, b]);
    let mut u = user(sb);
    let mut host = FakeHost::new();
    let mut n = 0;
    let t = drive(&mut u, &mut host, Duration::from_millis(1), |_| {
        n += 1;
        if n == 1 {
            Reply::Err(ErrorClass::Closed)
        } else {
            ok("", "")
        }
    });
    assert_eq!(t.lines(), vec!["GET /a HTTP/1.1", "GET /b HTTP/1.1"]);
    assert_ne!(t.sent[0].connection, t.sent[1].connection);
    assert_eq!(host.errors(ErrorClass::Closed), 1);
    assert_eq!(t.outcome, Some(Outcome::Completed));

    // Not persistent: error_closed ends the session.
    let mut sb = Sb::new();
    let (a, b) = (sb.get("/a"), sb.get("/b"));
    sb.session(vec![a, b]);
    sb.sc.sessions[0].persistent = false;
    let mut u = user(sb);
    let mut host = FakeHost::new();
    let t = drive(&mut u, &mut host, Duration::from_millis(1), |_| {
        Reply::Err(ErrorClass::Closed)
    });
    assert_eq!(t.sent.len(), 1);
    assert_eq!(
        t.outcome,
        Some(Outcome::Aborted(AbortReason::Error(ErrorClass::Closed)))
    );
}

#[test]
fn idle_close_while_thinking_is_not_an_error_and_test_stop_records_open_transactions() {
    let mut sb = Sb::new();
    let tr = sb.tr("tr_t");
    let a = sb.get("/a");
    sb.session(vec![Action::Transaction(Transaction {
        id: tr,
        body: vec![
            a,
            Action::Thinktime(stampede_model::Thinktime::Fixed(Duration::from_secs(10))),
        ],
    })]);
    let mut u = user(sb);
    let mut host = FakeHost::new();
    let mut buf = RequestBuf::new();
    let _ = u.start(Nanos::ZERO);
    assert!(matches!(
        u.on_timer(Nanos::from_millis(1), &mut host, &mut buf),
        Step::Send(_)
    ));
    let mut spans = Vec::new();
    let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    let (s, h) = stampede_session::ResponseView::parse_head(raw, &mut spans).unwrap();
    let r = stampede_session::ResponseView::new(s, raw, h, &spans);
    let step = u.on_response(Nanos::from_millis(5), &r, &mut host, &mut buf);
    assert!(matches!(step, Step::Wait(t) if t == Nanos::from_millis(10_005)));
    // The server drops the idle connection: the user keeps thinking until the same deadline.
    let step = u.on_error(
        Nanos::from_millis(2000),
        ErrorClass::Closed,
        &mut host,
        &mut buf,
    );
    assert!(matches!(step, Step::Wait(t) if t == Nanos::from_millis(10_005)));
    assert_eq!(host.errors(ErrorClass::Closed), 0);
    // The test stops: error_abort, the open transaction and the session are recorded.
    let step = u.on_error(
        Nanos::from_millis(3000),
        ErrorClass::Abort,
        &mut host,
        &mut buf,
    );
    assert!(matches!(
        step,
        Step::Finished(Outcome::Aborted(AbortReason::Error(ErrorClass::Abort)))
    ));
    assert_eq!(host.errors(ErrorClass::Abort), 1);
    assert_eq!(host.transactions(), vec![(tr, Duration::from_millis(2999))]);
    assert!(u.is_finished());
    // Anything after the end is answered with the same outcome.
    assert!(matches!(
        u.on_timer(Nanos::from_millis(9999), &mut host, &mut buf),
        Step::Finished(_)
    ));
}

#[test]
fn data_while_thinking_ends_the_session() {
    let mut sb = Sb::new();
    let a = sb.get("/a");
    sb.session(vec![
        a,
        Action::Thinktime(stampede_model::Thinktime::Fixed(Duration::from_secs(1))),
    ]);
    let mut u = user(sb);
    let mut host = FakeHost::new();
    let mut buf = RequestBuf::new();
    let _ = u.start(Nanos::ZERO);
    let _ = u.on_timer(Nanos::from_millis(1), &mut host, &mut buf);
    let r = stampede_session::ResponseView::empty();
    let _ = u.on_response(Nanos::from_millis(2), &r, &mut host, &mut buf);
    let step = u.on_response(Nanos::from_millis(3), &r, &mut host, &mut buf);
    assert!(matches!(
        step,
        Step::Finished(Outcome::Aborted(AbortReason::Error(
            ErrorClass::UnknownData
        )))
    ));
}

#[test]
fn change_type_store_and_restore_connections_and_cookies() {
    let mut sb = Sb::new();
    let a = sb.get("/login");
    let b = sb.get("http://other.example:81/x");
    let c = sb.get("/back");
    sb.session(vec![
        a,
        Action::ChangeType(ChangeType {
            host: "other.example".into(),
            port: 81,
            server_kind: ServerKind::Tcp,
            store: true,
            restore: false,
            bidi: false,
        }),
        b,
        Action::ChangeType(ChangeType {
            host: "127.0.0.1".into(),
            port: 8080,
            server_kind: ServerKind::Tcp,
            store: false,
            restore: true,
            bidi: false,
        }),
        c,
    ]);
    let mut u = user(sb);
    let mut host = FakeHost::new();
    let t = drive(&mut u, &mut host, Duration::from_millis(1), |r| {
        if r.starts_with("GET /login") {
            ok("Set-Cookie: sid=1\r\n", "")
        } else {
            ok("", "")
        }
    });
    let conns: Vec<u32> = t.sent.iter().map(|s| s.connection).collect();
    assert_eq!(conns[0], conns[2]);
    assert_ne!(conns[0], conns[1]);
    assert!(!t.sent[1].text.contains("Cookie"));
    assert!(t.sent[2].text.contains("Cookie: sid=1\r\n"));
    assert_eq!(t.sent[1].target, "http://other.example:81");
    assert_eq!(t.sent[2].target, "http://127.0.0.1:8080");
}

#[test]
fn set_option_changes_the_connection_settings() {
    let mut sb = Sb::new();
    let (a, b) = (sb.get("/a"), sb.get("/b"));
    let cert = sb.tpl("/certs/%%_tsung_userid%%.pem");
    sb.session(vec![
        a,
        Action::SetOption(SetOption::ConnectTimeout(Some(Duration::from_millis(250)))),
        Action::SetOption(SetOption::RateLimit(RateLimit {
            kbytes_per_second: 10.0,
            burst_kbytes: 10.0,
        })),
        Action::SetOption(SetOption::Certificate {
            cacertfile: None,
            keyfile: None,
            keypass: None,
            certfile: Some(cert),
        }),
        b,
    ]);
    let mut u = user(sb);
    let mut host = FakeHost::new();
    let mut buf = RequestBuf::new();
    let _ = u.start(Nanos::ZERO);
    let first_conn = match u.on_timer(Nanos::from_millis(1), &mut host, &mut buf) {
        Step::Send(s) => {
            assert_eq!(s.options.connect_timeout, None);
            s.connection
        }
        other => panic!("{other:?}"),
    };
    let r = stampede_session::ResponseView::empty();
    match u.on_response(Nanos::from_millis(2), &r, &mut host, &mut buf) {
        Step::Send(s) => {
            assert_eq!(s.options.connect_timeout, Some(Duration::from_millis(250)));
            assert!(s.options.rate_limit.is_some());
            assert_eq!(
                s.options.certificate.as_ref().unwrap().certfile.as_deref(),
                Some("/certs/1.pem")
            );
            // A certificate closes the current connection.
            assert_ne!(s.connection, first_conn);
        }
        other => panic!("{other:?}"),
    }
    let _ = Outcome::Completed;
}

#[test]
fn struct_sizes_stay_small() {
    let size = std::mem::size_of::<User>();
    assert!(size <= 256, "User is {size} bytes");
    let mut sb = Sb::new();
    let a = sb.get("/");
    sb.session(vec![
        a,
        Action::Thinktime(stampede_model::Thinktime::Fixed(Duration::from_secs(1))),
    ]);
    let mut u = user(sb);
    let mut host = FakeHost::new();
    let mut buf = RequestBuf::new();
    let _ = u.start(Nanos::ZERO);
    let _ = u.on_timer(Nanos::from_millis(1), &mut host, &mut buf);
    let r = stampede_session::ResponseView::empty();
    let _ = u.on_response(Nanos::from_millis(2), &r, &mut host, &mut buf);
    // A thinking user without variables or cookies holds nothing on the heap.
    assert_eq!(u.heap_bytes(), 0);
}

#[test]
fn print_sizes() {
    use std::mem::size_of;
    println!(
        "User {} | Step {} | SendRequest {} | Value {} | Nanos {} | RequestBuf {} | Target {}",
        size_of::<User>(),
        size_of::<Step<'static>>(),
        size_of::<stampede_session::SendRequest<'static>>(),
        size_of::<stampede_session::Value>(),
        size_of::<Nanos>(),
        size_of::<RequestBuf>(),
        size_of::<stampede_session::Target>(),
    );
}
