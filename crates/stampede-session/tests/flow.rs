//! Control flow, thinktimes, pages and transactions.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use stampede_model::{
    AbortScope, Action, CmpOp, Condition, Counter, DynVarSource, ErrorClass, ForBound, ForLoop,
    Foreach, ForeachFilter, If, Interaction, InteractionKind, LoopCondition, LoopKind, Pattern,
    Repeat, SessionId, SetDynVars, Thinktime, Transaction, VarRef,
};
use stampede_session::{AbortReason, Nanos, Outcome, ResponseView, Step, User, Value};
use std::time::Duration;

fn setvar(sb: &mut Sb, name: &str, value: &str) -> Action {
    let var = sb.var(name);
    Action::SetDynVars(SetDynVars {
        vars: vec![var],
        source: DynVarSource::Value {
            value: sb.tpl(value),
        },
        location: Default::default(),
    })
}

fn cond(sb: &mut Sb, var: &str, index: Option<u32>, op: CmpOp, value: &str) -> Condition {
    Condition {
        var: VarRef {
            var: sb.var(var),
            index,
        },
        op,
        value: sb.tpl(value),
    }
}

fn think(ms: u64) -> Action {
    Action::Thinktime(Thinktime::Fixed(Duration::from_millis(ms)))
}

#[test]
fn first_action_waits_one_millisecond_and_session_time_counts_everything() {
    let mut sb = Sb::new();
    let a = sb.get("/");
    sb.session(vec![a, think(2000)]);
    let (t, host) = run_simple(sb.program());
    assert_eq!(t.waits[0], Nanos::from_millis(1));
    assert_eq!(t.sent[0].at, Nanos::from_millis(1));
    // 1 ms pause + 10 ms response + 2 s thinktime.
    assert_eq!(
        host.end(),
        Some((Duration::from_millis(2011), Outcome::Completed))
    );
}

#[test]
fn for_loop_runs_inclusive_with_dynamic_bounds() {
    let mut sb = Sb::new();
    let i = sb.var("i");
    let get = {
        let mut h = sb.http(stampede_model::Method::Get, "/");
        h.url = stampede_model::Url::Dynamic(sb.tpl("/item/%%_i%%"));
        Action::Request(Box::new(sb.request(h, stampede_model::Subst::True)))
    };
    let set = setvar(&mut sb, "n", "7");
    let to = sb.tpl("%%_n%%");
    sb.session(vec![
        set,
        Action::For(ForLoop {
            var: i,
            from: ForBound::Const(3),
            to: ForBound::Dynamic(to),
            incr: 2,
            body: vec![get],
        }),
    ]);
    let (t, _) = run_simple(sb.program());
    assert_eq!(
        t.lines(),
        vec![
            "GET /item/3 HTTP/1.1",
            "GET /item/5 HTTP/1.1",
            "GET /item/7 HTTP/1.1"
        ]
    );
}

#[test]
fn for_body_runs_once_even_when_from_exceeds_to() {
    let mut sb = Sb::new();
    let i = sb.var("i");
    let get = sb.get("/x");
    sb.session(vec![Action::For(ForLoop {
        var: i,
        from: ForBound::Const(5),
        to: ForBound::Const(1),
        incr: 1,
        body: vec![get],
    })]);
    let (t, _) = run_simple(sb.program());
    assert_eq!(t.sent.len(), 1);
}

#[test]
fn repeat_while_until_and_max_repeat() {
    // while n != 3, n counted by a for loop inside the repeat: 3 iterations.
    let mut sb = Sb::new();
    let n = sb.var("n");
    let get = sb.get("/poll");
    let test = cond(&mut sb, "n", None, CmpOp::Neq, "3");
    sb.session(vec![
        Action::For(ForLoop {
            var: n,
            from: ForBound::Const(1),
            to: ForBound::Const(1),
            incr: 1,
            body: vec![],
        }),
        Action::Repeat(Repeat {
            name: "r".into(),
            max_repeat: 20,
            body: vec![
                get,
                Action::SetDynVars(SetDynVars {
                    vars: vec![n],
                    source: DynVarSource::RandomNumber { start: 3, end: 3 },
                    location: Default::default(),
                }),
            ],
            condition: LoopCondition {
                kind: LoopKind::While,
                test,
            },
        }),
    ]);
    let (t, host) = run_simple(sb.program());
    assert_eq!(t.sent.len(), 1);
    assert_eq!(host.counts(Counter::MaxRepeat), 0);

    // until never true: max_repeat + 1 runs of the body, then `max_repeat` is counted and the
    // flow goes on.
    let mut sb = Sb::new();
    let get = sb.get("/poll");
    let after = sb.get("/after");
    let s = setvar(&mut sb, "status", "pending");
    let test = cond(&mut sb, "status", None, CmpOp::Eq, "done");
    sb.session(vec![
        s,
        Action::Repeat(Repeat {
            name: "poll".into(),
            max_repeat: 4,
            body: vec![get],
            condition: LoopCondition {
                kind: LoopKind::Until,
                test,
            },
        }),
        after,
    ]);
    let (t, host) = run_simple(sb.program());
    assert_eq!(t.sent.len(), 6);
    assert_eq!(t.lines().last().unwrap(), "GET /after HTTP/1.1");
    assert_eq!(host.counts(Counter::MaxRepeat), 1);
}

#[test]
fn repeat_on_an_undefined_variable_counts_an_error_and_goes_on() {
    let mut sb = Sb::new();
    let get = sb.get("/x");
    let test = cond(&mut sb, "nope", None, CmpOp::Eq, "1");
    sb.session(vec![Action::Repeat(Repeat {
        name: "r".into(),
        max_repeat: 5,
        body: vec![get],
        condition: LoopCondition {
            kind: LoopKind::While,
            test,
        },
    })]);
    let (t, host) = run_simple(sb.program());
    assert_eq!(t.sent.len(), 1);
    assert_eq!(host.errors(ErrorClass::RepeatUndef), 1);
}

#[test]
fn if_comparisons() {
    // (setup value, op, compared value, body runs?)
    let cases: &[(&str, CmpOp, &str, bool)] = &[
        ("abc", CmpOp::Eq, "abc", true),
        ("abc", CmpOp::Eq, "abd", false),
        ("abc", CmpOp::Neq, "abd", true),
        ("", CmpOp::Neq, "", false),
        ("10", CmpOp::Gt, "9", true),
        ("10", CmpOp::Gt, "10", false),
        ("10", CmpOp::Gte, "10", true),
        ("2.5", CmpOp::Lt, "3", true),
        ("3", CmpOp::Lte, "2.5", false),
    ];
    for &(set, op, value, runs) in cases {
        let mut sb = Sb::new();
        let s = setvar(&mut sb, "v", set);
        let test = cond(&mut sb, "v", None, op, value);
        let get = sb.get("/body");
        let after = sb.get("/after");
        sb.session(vec![
            s,
            Action::If(If {
                test,
                body: vec![get],
            }),
            after,
        ]);
        let (t, _) = run_simple(sb.program());
        assert_eq!(
            t.sent.len(),
            if runs { 2 } else { 1 },
            "{set} {op:?} {value}"
        );
    }
}

#[test]
fn if_on_undefined_counts_error_if_undef_and_runs_the_body_like_tsung() {
    let mut sb = Sb::new();
    let test = cond(&mut sb, "missing", None, CmpOp::Eq, "x");
    let get = sb.get("/body");
    sb.session(vec![Action::If(If {
        test,
        body: vec![get],
    })]);
    let (t, host) = run_simple(sb.program());
    assert_eq!(host.errors(ErrorClass::IfUndef), 1);
    assert_eq!(t.sent.len(), 1);
}

#[test]
fn if_with_a_non_numeric_operand_ends_the_user_as_tsung_crashes() {
    let mut sb = Sb::new();
    let s = setvar(&mut sb, "v", "");
    let test = cond(&mut sb, "v", None, CmpOp::Gt, "0");
    let get = sb.get("/body");
    sb.session(vec![
        s,
        Action::If(If {
            test,
            body: vec![get],
        }),
    ]);
    let (t, host) = run_simple(sb.program());
    assert!(t.sent.is_empty());
    assert_eq!(
        host.end().unwrap().1,
        Outcome::Aborted(AbortReason::Error(ErrorClass::Unknown))
    );
}

#[test]
fn foreach_over_an_xpath_list_with_filters_and_list_indexing() {
    let page = r#"<html><body><a href="/p/1">1</a><a href="/p/2">2</a><a href="/skip/3">3</a></body></html>"#;
    for (filter, want) in [
        (None, vec!["/p/1", "/p/2", "/skip/3"]),
        (
            Some(ForeachFilter {
                include: true,
                pattern: Pattern::new("^/p/").unwrap(),
            }),
            vec!["/p/1", "/p/2"],
        ),
        (
            Some(ForeachFilter {
                include: false,
                pattern: Pattern::new("^/p/").unwrap(),
            }),
            vec!["/skip/3"],
        ),
    ] {
        let mut sb = Sb::new();
        let links = sb.var("links");
        let link = sb.var("link");
        let index = sb_get(&mut sb, "/index");
        let mut r = sb.request(index, stampede_model::Subst::False);
        r.dyn_variables.push(stampede_model::DynVariable {
            var: links,
            extractor: stampede_model::Extractor::XPath(
                stampede_model::XPath::parse("//a/@href").unwrap(),
            ),
            decode_html_entities: false,
        });
        let mut h = sb.http(stampede_model::Method::Get, "/");
        h.url = stampede_model::Url::Dynamic(sb.tpl("%%_link%%"));
        let visit = Action::Request(Box::new(sb.request(h, stampede_model::Subst::True)));
        let second = cond(&mut sb, "links", Some(2), CmpOp::Eq, "/p/2");
        let marker = sb.get("/second-is-p2");
        sb.session(vec![
            Action::Request(Box::new(r)),
            Action::Foreach(Foreach {
                var: link,
                list: links,
                filter,
                body: vec![visit],
            }),
            Action::If(If {
                test: second,
                body: vec![marker],
            }),
        ]);
        let program = sb.program();
        let mut host = FakeHost::new();
        let mut user = User::new(program, SessionId(0), 1, 1);
        let t = drive(&mut user, &mut host, Duration::from_millis(5), |r| {
            if r.starts_with("GET /index") {
                ok("", page)
            } else {
                ok("", "")
            }
        });
        let visited: Vec<String> = t.lines()[1..t.lines().len() - 1]
            .iter()
            .map(|l| l.split(' ').nth(1).unwrap().to_owned())
            .collect();
        assert_eq!(visited, want);
        assert_eq!(t.lines().last().unwrap(), "GET /second-is-p2 HTTP/1.1");
    }
}

fn sb_get(sb: &mut Sb, url: &str) -> stampede_model::HttpRequest {
    sb.http(stampede_model::Method::Get, url)
}

#[test]
fn foreach_on_an_undefined_list_is_skipped_with_an_error() {
    let mut sb = Sb::new();
    let (l, x) = (sb.var("l"), sb.var("x"));
    let get = sb.get("/in");
    let after = sb.get("/after");
    sb.session(vec![
        Action::Foreach(Foreach {
            var: x,
            list: l,
            filter: None,
            body: vec![get],
        }),
        after,
    ]);
    let (t, host) = run_simple(sb.program());
    assert_eq!(t.lines(), vec!["GET /after HTTP/1.1"]);
    assert_eq!(host.errors(ErrorClass::ForeachUndef), 1);
}

#[test]
fn thinktime_kinds() {
    // Fixed, uniform bounds, dynamic from a variable (seconds), global barrier.
    let mut sb = Sb::new();
    let s = setvar(&mut sb, "pause", "1.5");
    let dynamic = sb.tpl("%%_pause%%");
    let a = sb.get("/a");
    sb.session(vec![
        think(250),
        Action::Thinktime(Thinktime::Uniform {
            min: Duration::from_secs(1),
            max: Duration::from_secs(2),
        }),
        s,
        Action::Thinktime(Thinktime::Dynamic {
            value: dynamic,
            random: false,
        }),
        Action::Thinktime(Thinktime::WaitGlobal),
        a,
    ]);
    let (t, _) = run_simple(sb.program());
    let w = &t.waits;
    assert_eq!(w[1], Nanos::from_millis(251));
    let uniform = w[2].0 - w[1].0;
    assert!(
        (1_000_000_000..=2_000_000_000).contains(&uniform),
        "{uniform}"
    );
    assert_eq!(w[3].0 - w[2].0, 1_500_000_000);
    assert_eq!(t.globals, 1);
    assert_eq!(t.sent.len(), 1);
}

#[test]
fn random_thinktime_is_exponential_with_the_mean() {
    let mut sb = Sb::new();
    let i = sb.var("i");
    sb.session(vec![Action::For(ForLoop {
        var: i,
        from: ForBound::Const(1),
        to: ForBound::Const(20_000),
        incr: 1,
        body: vec![Action::Thinktime(Thinktime::Exponential {
            mean: Duration::from_millis(500),
        })],
    })]);
    let (t, _) = run_simple(sb.program());
    let gaps: Vec<f64> = t
        .waits
        .windows(2)
        .map(|w| (w[1].0 - w[0].0) as f64 / 1e6)
        .collect();
    let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
    assert!((mean - 500.0).abs() < 15.0, "{mean}");
    // Tsung rounds to whole milliseconds.
    assert!(gaps.iter().all(|g| g.fract() == 0.0));
}

#[test]
fn pages_end_at_thinktimes_and_non_transaction_markers() {
    // Tsung: a page is a run of requests with only transaction markers between them.
    let mut sb = Sb::new();
    let tr = sb.tr("tr_login");
    let (a, b, c, d, e) = (
        sb.get("/a"),
        sb.get("/b"),
        sb.get("/c"),
        sb.get("/d"),
        sb.get("/e"),
    );
    let s = setvar(&mut sb, "x", "1");
    sb.session(vec![
        a,
        Action::Transaction(Transaction {
            id: tr,
            body: vec![b],
        }),
        c,
        think(100),
        d,
        s,
        e,
    ]);
    let (_, host) = run_simple(sb.program());
    // Pages: [a b c] (3 × 10 ms), [d], [e].
    assert_eq!(
        host.pages(),
        vec![
            Duration::from_millis(30),
            Duration::from_millis(10),
            Duration::from_millis(10)
        ]
    );
}

#[test]
fn each_request_of_a_one_request_loop_is_its_own_page() {
    let mut sb = Sb::new();
    let i = sb.var("i");
    let a = sb.get("/a");
    sb.session(vec![Action::For(ForLoop {
        var: i,
        from: ForBound::Const(1),
        to: ForBound::Const(3),
        incr: 1,
        body: vec![a],
    })]);
    let (_, host) = run_simple(sb.program());
    assert_eq!(host.pages(), vec![Duration::from_millis(10); 3]);
}

#[test]
fn nested_transactions_include_thinktimes() {
    let mut sb = Sb::new();
    let outer = sb.tr("tr_outer");
    let inner = sb.tr("tr_inner");
    let (a, b) = (sb.get("/a"), sb.get("/b"));
    sb.session(vec![Action::Transaction(Transaction {
        id: outer,
        body: vec![
            a,
            think(1000),
            Action::Transaction(Transaction {
                id: inner,
                body: vec![b, think(500)],
            }),
        ],
    })]);
    let (_, host) = run_simple(sb.program());
    assert_eq!(
        host.transactions(),
        vec![
            (inner, Duration::from_millis(510)),
            (outer, Duration::from_millis(1520)),
        ]
    );
}

#[test]
fn a_session_dying_inside_a_transaction_still_records_it() {
    let mut sb = Sb::new();
    let tr = sb.tr("tr_checkout");
    let (a, b) = (sb.get("/a"), sb.get("/b"));
    sb.session(vec![Action::Transaction(Transaction {
        id: tr,
        body: vec![a, b],
    })]);
    let program = sb.program();
    let mut host = FakeHost::new();
    let mut user = User::new(program, SessionId(0), 1, 1);
    let t = drive(&mut user, &mut host, Duration::from_millis(10), |r| {
        if r.starts_with("GET /b") {
            Reply::Err(ErrorClass::Timeout)
        } else {
            ok("", "")
        }
    });
    assert_eq!(
        t.outcome,
        Some(Outcome::Aborted(AbortReason::Error(ErrorClass::Timeout)))
    );
    assert_eq!(host.transactions(), vec![(tr, Duration::from_millis(20))]);
    assert_eq!(host.errors(ErrorClass::Timeout), 1);
}

#[test]
fn abort_actions_and_interactions() {
    let mut sb = Sb::new();
    let id = sb.tr("tr_chat");
    let a = sb.get("/a");
    let never = sb.get("/never");
    sb.session(vec![
        Action::Interaction(Interaction {
            kind: InteractionKind::Send,
            id,
        }),
        a,
        Action::Abort(AbortScope::Session),
        never,
    ]);
    let (t, host) = run_simple(sb.program());
    assert_eq!(t.sent.len(), 1);
    assert_eq!(host.counts(Counter::AbortSession), 1);
    assert_eq!(t.outcome, Some(Outcome::Aborted(AbortReason::AbortAction)));
    assert!(host.events.contains(&Event::Interaction(
        InteractionKind::Send,
        id,
        Nanos::from_millis(1)
    )));

    let mut sb = Sb::new();
    sb.session(vec![Action::Abort(AbortScope::All)]);
    let (t, host) = run_simple(sb.program());
    assert!(t.stop_test);
    assert_eq!(
        host.end().unwrap().1,
        Outcome::Aborted(AbortReason::StopTest)
    );
}

#[test]
fn same_seed_same_traffic() {
    let build = || {
        let mut sb = Sb::new();
        let v = sb.var("s");
        let mut h = sb.http(stampede_model::Method::Get, "/");
        h.url = stampede_model::Url::Dynamic(sb.tpl("/q?s=%%_s%%"));
        let get = Action::Request(Box::new(sb.request(h, stampede_model::Subst::True)));
        sb.session(vec![
            Action::SetDynVars(SetDynVars {
                vars: vec![v],
                source: DynVarSource::RandomString { length: 12 },
                location: Default::default(),
            }),
            Action::Thinktime(Thinktime::Exponential {
                mean: Duration::from_secs(1),
            }),
            get,
        ]);
        sb.program()
    };
    let run = |seed: u64| {
        let mut host = FakeHost::new();
        let mut user = User::new(build(), SessionId(0), 1, seed);
        let t = drive(&mut user, &mut host, Duration::from_millis(5), |_| {
            ok("", "")
        });
        (
            t.requests()
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
            t.waits,
        )
    };
    assert_eq!(run(11), run(11));
    assert_ne!(run(11), run(12));
    let (reqs, _) = run(11);
    let s = reqs[0]
        .split("s=")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(s.len(), 12);
    assert!(s.bytes().all(|b| (b'b'..=b'z').contains(&b)), "{s}");
    let _ = Value::empty();
}

#[test]
fn the_innermost_open_transaction_is_known_while_a_request_waits() {
    let mut sb = Sb::new();
    let outer = sb.tr("tr_outer");
    let inner = sb.tr("tr_inner");
    let (a, b, c) = (sb.get("/a"), sb.get("/b"), sb.get("/c"));
    sb.session(vec![
        Action::Transaction(Transaction {
            id: outer,
            body: vec![
                a,
                Action::Transaction(Transaction {
                    id: inner,
                    body: vec![b],
                }),
            ],
        }),
        c,
    ]);
    let mut host = FakeHost::new();
    let mut user = User::new(sb.program(), SessionId(0), 1, 1);
    let mut buf = stampede_session::RequestBuf::new();
    assert_eq!(user.innermost_transaction(), None);
    let Step::Wait(wake) = user.start(Nanos::ZERO) else {
        panic!("start must wait")
    };
    let mut step = user.on_timer(wake, &mut host, &mut buf);
    let mut seen = Vec::new();
    let mut now = wake;
    while let Step::Send(req) = step {
        let line = String::from_utf8_lossy(req.bytes)
            .lines()
            .next()
            .unwrap()
            .to_owned();
        seen.push((line, user.innermost_transaction()));
        now = now.after(Duration::from_millis(1));
        let raw = "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
        let mut spans = Vec::new();
        let (status, head) = ResponseView::parse_head(raw.as_bytes(), &mut spans).unwrap();
        let view = ResponseView::new(status, raw.as_bytes(), head, &spans);
        step = user.on_response(now, &view, &mut host, &mut buf);
    }
    assert!(matches!(step, Step::Finished(Outcome::Completed)));
    assert_eq!(
        seen,
        [
            ("GET /a HTTP/1.1".to_owned(), Some(outer)),
            ("GET /b HTTP/1.1".to_owned(), Some(inner)),
            ("GET /c HTTP/1.1".to_owned(), None),
        ]
    );
    assert_eq!(user.innermost_transaction(), None);
}
