//! `<match>`: counters, actions, limits.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use stampede_model::{
    Action, Counter, Match, MatchAction, MatchPattern, MatchWhen, ModFun, Pattern, SessionId,
    Subst, Transaction,
};
use stampede_session::{AbortReason, Nanos, Outcome, User};
use std::time::Duration;

fn m(re: &str, when: MatchWhen, action: MatchAction) -> Match {
    Match {
        pattern: MatchPattern::Static(Pattern::new(re).unwrap()),
        when,
        action,
        name: "check".into(),
        max_loop: 3,
        loop_back: 0,
        sleep_loop: Duration::from_secs(5),
        max_restart: 2,
        skip_headers: false,
        apply_to_content: None,
        location: Default::default(),
    }
}

fn with_matches(sb: &mut Sb, url: &str, matches: Vec<Match>) -> Action {
    let h = sb.http(stampede_model::Method::Get, url);
    let mut r = sb.request(h, Subst::False);
    r.matches = matches;
    Action::Request(Box::new(r))
}

fn run(sb: Sb, body: &'static str) -> (Transcript, FakeHost) {
    let program = sb.program();
    let mut host = FakeHost::new();
    let mut user = User::new(program, SessionId(0), 1, 1);
    let t = drive(&mut user, &mut host, Duration::from_millis(10), move |_| {
        ok("", body)
    });
    (t, host)
}

#[test]
fn counters_and_non_terminating_actions() {
    let mut sb = Sb::new();
    let tr = sb.tr("tr_home");
    let a = with_matches(
        &mut sb,
        "/",
        vec![
            m("Welcome", MatchWhen::Match, MatchAction::Continue),
            m("Error", MatchWhen::Match, MatchAction::Log),
            m("Error", MatchWhen::NoMatch, MatchAction::Log),
            m("200 OK", MatchWhen::Match, MatchAction::Dump),
        ],
    );
    let b = sb.get("/next");
    sb.session(vec![
        Action::Transaction(Transaction {
            id: tr,
            body: vec![a],
        }),
        b,
    ]);
    let (t, host) = run(sb, "Welcome home");
    assert_eq!(t.sent.len(), 2);
    assert_eq!(host.counts(Counter::Match), 2);
    assert_eq!(host.counts(Counter::NoMatch), 2);
    let logs: Vec<_> = host
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Match {
                event,
                action,
                transaction,
                dump,
                ..
            } => Some((*event, *action, *transaction, dump.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(logs.len(), 2);
    // The nomatch log: request at action 2 (after the transaction start), inside tr_home.
    assert_eq!(logs[0], (Counter::NoMatch, 2, Some(tr), None));
    assert_eq!(logs[1].0, Counter::Match);
    assert!(logs[1].3.as_ref().unwrap().ends_with(b"Welcome home"));
}

#[test]
fn abort_stops_the_user_and_skips_the_remaining_matches() {
    let mut sb = Sb::new();
    let a = with_matches(
        &mut sb,
        "/",
        vec![
            m("Error", MatchWhen::Match, MatchAction::Abort),
            m("x", MatchWhen::Match, MatchAction::Continue),
        ],
    );
    let b = sb.get("/never");
    sb.session(vec![a, b]);
    let (t, host) = run(sb, "Internal Error");
    assert_eq!(t.sent.len(), 1);
    assert_eq!(t.outcome, Some(Outcome::Aborted(AbortReason::Match)));
    assert_eq!(host.counts(Counter::MatchStop), 1);
    assert_eq!(host.counts(Counter::Match), 1);
    assert_eq!(host.counts(Counter::NoMatch), 0);
}

#[test]
fn abort_test_stops_everything() {
    let mut sb = Sb::new();
    let a = with_matches(
        &mut sb,
        "/",
        vec![m("Fatal", MatchWhen::Match, MatchAction::AbortTest)],
    );
    sb.session(vec![a]);
    let (t, host) = run(sb, "Fatal");
    assert!(t.stop_test);
    assert_eq!(host.counts(Counter::MatchStopTest), 1);
}

#[test]
fn loop_repeats_the_request_max_loop_times_with_sleep_and_loop_back() {
    let mut sb = Sb::new();
    let first = sb.get("/first");
    let mut lm = m("pending", MatchWhen::Match, MatchAction::Loop);
    lm.loop_back = 1;
    let a = with_matches(&mut sb, "/status", vec![lm]);
    let after = sb.get("/after");
    sb.session(vec![first, a, after]);
    let (t, host) = run(sb, "pending");
    // /first, /status, then 3 loops of (/first /status) going one action back, then /after.
    assert_eq!(
        t.lines(),
        vec![
            "GET /first HTTP/1.1",
            "GET /status HTTP/1.1",
            "GET /first HTTP/1.1",
            "GET /status HTTP/1.1",
            "GET /first HTTP/1.1",
            "GET /status HTTP/1.1",
            "GET /first HTTP/1.1",
            "GET /status HTTP/1.1",
            "GET /after HTTP/1.1",
        ]
    );
    // Counted on every evaluation that holds, including the one past max_loop.
    assert_eq!(host.counts(Counter::MatchLoop), 4);
    // sleep_loop (5 s) between the status response and the looped request.
    assert_eq!(t.sent[2].at.0 - t.sent[1].at.0, 5_010_000_000);
}

#[test]
fn loop_count_resets_when_the_condition_no_longer_holds() {
    let mut sb = Sb::new();
    let mut lm = m("pending", MatchWhen::Match, MatchAction::Loop);
    lm.max_loop = 1;
    lm.sleep_loop = Duration::ZERO;
    let a = with_matches(&mut sb, "/s", vec![lm]);
    sb.session(vec![a]);
    let program = sb.program();
    let mut host = FakeHost::new();
    let mut user = User::new(program, SessionId(0), 1, 1);
    let mut n = 0;
    let t = drive(&mut user, &mut host, Duration::from_millis(1), |_| {
        n += 1;
        ok("", if n == 2 { "done" } else { "pending" })
    });
    // pending → loop (count 1); done → count reset, flow continues.
    assert_eq!(t.sent.len(), 2);
}

#[test]
fn restart_from_the_top_then_abort_past_max_restart() {
    let mut sb = Sb::new();
    let first = sb.get("/first");
    let a = with_matches(
        &mut sb,
        "/check",
        vec![m("again", MatchWhen::Match, MatchAction::Restart)],
    );
    sb.session(vec![first, a]);
    let (t, host) = run(sb, "again");
    // max_restart = 2: two restarts, the third holds → match_restart_abort.
    assert_eq!(t.sent.len(), 6);
    assert_eq!(host.counts(Counter::MatchRestart), 2);
    assert_eq!(host.counts(Counter::MatchRestartAbort), 1);
    assert_eq!(t.outcome, Some(Outcome::Aborted(AbortReason::MaxRestart)));
}

#[test]
fn skip_headers_apply_to_content_and_substituted_patterns() {
    let mut sb = Sb::new();
    let mut only_body = m("200 OK", MatchWhen::Match, MatchAction::Abort);
    only_body.skip_headers = true;
    let mut digest = m(
        "^5d41402abc4b2a76b9719d911017c592$",
        MatchWhen::NoMatch,
        MatchAction::Abort,
    );
    digest.skip_headers = true;
    digest.apply_to_content = Some(ModFun {
        module: "ts_digest".into(),
        function: "md5hex".into(),
    });
    let mut dynamic = m("x", MatchWhen::NoMatch, MatchAction::Abort);
    dynamic.pattern = MatchPattern::Dynamic(sb.tpl("h%%_suffix%%"));
    let set = Action::SetDynVars(stampede_model::SetDynVars {
        vars: vec![sb.var("suffix")],
        source: stampede_model::DynVarSource::Value {
            value: sb.tpl("ello"),
        },
        location: Default::default(),
    });
    let a = with_matches(&mut sb, "/", vec![only_body, digest, dynamic]);
    let b = sb.get("/reached");
    sb.session(vec![set, a, b]);
    let (t, host) = run(sb, "hello");
    assert_eq!(t.sent.len(), 2, "{:?}", host.events);
    assert_eq!(host.counts(Counter::Match), 2);
    assert_eq!(host.counts(Counter::NoMatch), 1);
}

#[test]
fn a_request_without_checks_does_not_keep_the_body() {
    let mut sb = Sb::new();
    let a = sb.get("/");
    let b = with_matches(
        &mut sb,
        "/m",
        vec![m("x", MatchWhen::Match, MatchAction::Continue)],
    );
    sb.session(vec![a, b]);
    let (t, _) = run(sb, "");
    assert!(!t.sent[0].keep_body);
    assert!(t.sent[1].keep_body);
    let _ = Nanos::ZERO;
}
