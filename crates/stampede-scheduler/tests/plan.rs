#![allow(clippy::unwrap_used)]

use stampede_model::{
    ArrivalPhase, Arrivals, Information, Load, Options, RateSpec, RootOptions, Scenario, Server,
    ServerKind, Session, SessionId, SessionKind, Share, SourceFiles, SourceLocation, StaticUser,
    TimeUnit, VarTable,
};
use stampede_scheduler::{
    Arrival, DoneReason, Generators, Next, PhaseEnd, PhaseStart, Scheduler, Source,
};
use std::time::Duration;

fn session(id: u32, name: &str, share: Share) -> Session {
    Session {
        id: SessionId(id),
        name: name.into(),
        share,
        kind: SessionKind::Http,
        persistent: true,
        bidi: false,
        actions: vec![],
        location: SourceLocation::default(),
    }
}

fn phase(number: u32, secs: u64, rate: f64, maxnumber: Option<u64>) -> ArrivalPhase {
    ArrivalPhase {
        number,
        duration: Duration::from_secs(secs),
        wait_all_sessions_end: false,
        arrivals: Arrivals {
            rate_per_second: rate,
            maxnumber,
            spec: RateSpec::Rate {
                value: rate,
                unit: TimeUnit::Second,
            },
        },
        session_setup: vec![],
    }
}

fn scenario(phases: Vec<ArrivalPhase>, sessions: Vec<Session>) -> Scenario {
    Scenario {
        files: SourceFiles::default(),
        root: RootOptions::default(),
        information: Information::default(),
        clients: vec![],
        servers: vec![Server {
            host: "127.0.0.1".into(),
            port: 8080,
            kind: ServerKind::Tcp,
            weight: 1.0,
        }],
        monitoring: vec![],
        load: Load {
            duration: None,
            loop_count: 0,
            phases,
            static_users: vec![],
        },
        options: Options::default(),
        sessions,
        variables: VarTable::default(),
        transactions: vec![],
        requests: vec![],
    }
}

fn one_session() -> Vec<Session> {
    vec![session(0, "s", Share::Probability(100.0))]
}

/// Runs a plan with a punctual engine and returns every event (sleeps left out).
fn run(plan: &mut Scheduler) -> Vec<Next> {
    let mut now = Duration::ZERO;
    let mut out = Vec::new();
    for _ in 0..1_000_000 {
        match plan.next(now) {
            Next::Sleep { until } => {
                assert!(until >= now, "sleep goes back in time");
                now = until;
            }
            Next::WaitAllSessionsEnd { or_until } => {
                out.push(Next::WaitAllSessionsEnd { or_until });
                // Pretend the last users finish 3 s later.
                now += Duration::from_secs(3);
                plan.all_sessions_ended(now);
            }
            done @ Next::Done(_) => {
                out.push(done);
                return out;
            }
            e => out.push(e),
        }
    }
    panic!("plan never finished");
}

fn launches(events: &[Next]) -> Vec<&Arrival> {
    events
        .iter()
        .filter_map(|e| match e {
            Next::Launch(a) => Some(a),
            _ => None,
        })
        .collect()
}

fn phase_starts(events: &[Next]) -> Vec<&PhaseStart> {
    events
        .iter()
        .filter_map(|e| match e {
            Next::PhaseStart(s) => Some(s),
            _ => None,
        })
        .collect()
}

fn phase_ends(events: &[Next]) -> Vec<&PhaseEnd> {
    events
        .iter()
        .filter_map(|e| match e {
            Next::PhaseEnd(e) => Some(e),
            _ => None,
        })
        .collect()
}

#[test]
fn single_phase_poisson_within_duration() {
    let sc = scenario(vec![phase(1, 60, 2.0, None)], one_session());
    let mut plan = Scheduler::new(&sc, 1, &Generators::single(), 0);
    assert_eq!(plan.phases()[0].users, 120);
    let events = run(&mut plan);
    let arrivals = launches(&events);
    assert!(
        arrivals.len() <= 120 && arrivals.len() > 80,
        "{}",
        arrivals.len()
    );
    assert!(arrivals.windows(2).all(|w| w[0].at <= w[1].at));
    assert!(arrivals.iter().all(|a| a.at < Duration::from_secs(60)));
    let ids: Vec<u64> = arrivals.iter().map(|a| a.user_id).collect();
    assert_eq!(ids, (1..=arrivals.len() as u64).collect::<Vec<_>>());
    assert!(arrivals.iter().all(|a| a.source == Source::Phase(0)));
    match (&events[0], events.iter().rev().nth(1), events.last()) {
        (
            Next::PhaseStart(s),
            Some(Next::PhaseEnd(e)),
            Some(Next::Done(DoneReason::AllLaunched)),
        ) => {
            assert_eq!(
                (s.index, s.number, s.at, s.users),
                (0, 1, Duration::ZERO, 120)
            );
            assert!(!s.counts_newphase);
            assert_eq!(e.at, Duration::from_secs(60));
            assert_eq!(e.launched as usize, arrivals.len());
            assert_eq!(e.unlaunched, 120 - e.launched);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn maxnumber_caps_users_and_phase_waits_out_its_duration() {
    let sc = scenario(
        vec![phase(1, 100, 10.0, Some(5)), phase(2, 10, 1.0, Some(3))],
        one_session(),
    );
    let mut plan = Scheduler::new(&sc, 9, &Generators::single(), 0);
    let events = run(&mut plan);
    let arrivals = launches(&events);
    let p0: Vec<_> = arrivals
        .iter()
        .filter(|a| a.source == Source::Phase(0))
        .collect();
    assert_eq!(p0.len(), 5);
    // The five users arrive quickly (rate 10/s) but the phase lasts 100 s.
    assert!(p0.last().unwrap().at < Duration::from_secs(10));
    let ends = phase_ends(&events);
    assert_eq!(ends[0].at, Duration::from_secs(100));
    assert_eq!(ends[0].unlaunched, 0);
    let starts = phase_starts(&events);
    assert_eq!(starts[1].at, Duration::from_secs(100));
    assert!(starts[1].counts_newphase);
    assert!(
        arrivals
            .iter()
            .filter(|a| a.source == Source::Phase(1))
            .all(|a| a.at >= Duration::from_secs(100))
    );
}

#[test]
fn empty_phases_are_skipped_at_once_and_not_counted() {
    let sc = scenario(
        vec![
            phase(1, 10, 1.0, None),
            phase(2, 50, 0.001, None),
            phase(3, 10, 1.0, None),
        ],
        one_session(),
    );
    let mut plan = Scheduler::new(&sc, 3, &Generators::single(), 0);
    let events = run(&mut plan);
    let starts = phase_starts(&events);
    assert_eq!(starts.len(), 3);
    assert_eq!(starts[1].users, 0);
    assert_eq!(starts[1].at, Duration::from_secs(10));
    // The empty phase takes no time.
    assert_eq!(starts[2].at, Duration::from_secs(10));
    assert_eq!(
        starts.iter().map(|s| s.counts_newphase).collect::<Vec<_>>(),
        vec![false, false, false]
    );
}

#[test]
fn two_generators_share_users_and_ids_never_collide() {
    let sc = scenario(vec![phase(1, 50, 4.0, Some(101))], one_session());
    let gens = Generators::from_weights([1.0, 1.0]);
    let mut a = Scheduler::new(&sc, 5, &gens, 0);
    let mut b = Scheduler::new(&sc, 5, &gens, 1);
    assert_eq!(a.phases()[0].users + b.phases()[0].users, 101);
    assert_eq!(a.phases()[0].users, 50);
    assert!((a.phases()[0].rate_per_second - 2.0).abs() < 1e-12);
    let ea = run(&mut a);
    let eb = run(&mut b);
    let ia: Vec<u64> = launches(&ea).iter().map(|x| x.user_id).collect();
    let ib: Vec<u64> = launches(&eb).iter().map(|x| x.user_id).collect();
    assert!(ia.iter().all(|i| i % 2 == 1));
    assert!(ib.iter().all(|i| i % 2 == 0));
    // Different generators draw different gaps.
    assert_ne!(launches(&ea)[0].at, launches(&eb)[0].at);
}

#[test]
fn static_users_start_on_time_and_are_shared() {
    let mut sc = scenario(
        vec![],
        vec![
            session(0, "a", Share::Probability(100.0)),
            session(1, "b", Share::Probability(0.0)),
        ],
    );
    sc.load.static_users = (0..5)
        .map(|i| StaticUser {
            start: Duration::from_millis(500 * i),
            session: SessionId(1),
        })
        .collect();
    let gens = Generators::from_weights([1.0, 1.0]);
    let mut a = Scheduler::new(&sc, 1, &gens, 0);
    let mut b = Scheduler::new(&sc, 1, &gens, 1);
    assert_eq!((a.static_users(), b.static_users()), (3, 2));
    let ea = run(&mut a);
    let la = launches(&ea);
    assert_eq!(
        la.iter().map(|x| x.at).collect::<Vec<_>>(),
        vec![
            Duration::ZERO,
            Duration::from_millis(500),
            Duration::from_millis(1000)
        ]
    );
    assert!(
        la.iter()
            .all(|x| x.session == SessionId(1) && x.source == Source::Static)
    );
    let eb = run(&mut b);
    assert_eq!(launches(&eb)[0].at, Duration::from_millis(1500));
    assert_eq!(ea.last(), Some(&Next::Done(DoneReason::AllLaunched)));
}

#[test]
fn static_users_interleave_with_phase_users() {
    let mut sc = scenario(vec![phase(1, 20, 1.0, None)], one_session());
    sc.load.static_users = vec![StaticUser {
        start: Duration::from_secs(7),
        session: SessionId(0),
    }];
    let mut plan = Scheduler::new(&sc, 2, &Generators::single(), 0);
    let events = run(&mut plan);
    let l = launches(&events);
    assert!(l.windows(2).all(|w| w[0].at <= w[1].at));
    assert_eq!(l.iter().filter(|a| a.source == Source::Static).count(), 1);
}

#[test]
fn load_loop_replays_phases_with_shifted_numbers() {
    let mut sc = scenario(
        vec![phase(1, 10, 1.0, Some(2)), phase(4, 10, 1.0, Some(2))],
        one_session(),
    );
    sc.load.loop_count = 2;
    let mut plan = Scheduler::new(&sc, 4, &Generators::single(), 0);
    let numbers: Vec<u32> = plan.phases().iter().map(|p| p.number).collect();
    assert_eq!(numbers, vec![1, 4, 5, 8, 9, 12]);
    let events = run(&mut plan);
    assert_eq!(launches(&events).len(), 12);
    let last_start = phase_starts(&events).last().unwrap().at;
    assert_eq!(last_start, Duration::from_secs(50));
}

#[test]
fn load_duration_stops_everything() {
    let mut sc = scenario(vec![phase(1, 100, 5.0, None)], one_session());
    sc.load.duration = Some(Duration::from_secs(10));
    let mut plan = Scheduler::new(&sc, 4, &Generators::single(), 0);
    let events = run(&mut plan);
    assert_eq!(events.last(), Some(&Next::Done(DoneReason::LoadDuration)));
    assert!(
        launches(&events)
            .iter()
            .all(|a| a.at < Duration::from_secs(10))
    );
    assert_eq!(
        plan.next(Duration::from_secs(11)),
        Next::Done(DoneReason::LoadDuration)
    );
}

#[test]
fn wait_all_sessions_end_holds_the_next_phase() {
    let mut p1 = phase(1, 10, 1.0, Some(3));
    p1.wait_all_sessions_end = true;
    let sc = scenario(vec![p1, phase(2, 10, 1.0, Some(3))], one_session());
    let mut plan = Scheduler::new(&sc, 4, &Generators::single(), 0);
    let events = run(&mut plan);
    let pos_wait = events
        .iter()
        .position(|e| matches!(e, Next::WaitAllSessionsEnd { or_until: None }))
        .unwrap();
    match &events[pos_wait + 1] {
        // The helper reports the end of all sessions 3 s after the phase's end.
        Next::PhaseStart(s) => assert_eq!(s.at, Duration::from_secs(13)),
        other => panic!("{other:?}"),
    }
    // Nothing is launched while waiting.
    let mut plan = Scheduler::new(&sc, 4, &Generators::single(), 0);
    let mut now = Duration::ZERO;
    loop {
        match plan.next(now) {
            Next::Sleep { until } => now = until,
            Next::WaitAllSessionsEnd { .. } => break,
            Next::Done(_) => panic!("finished early"),
            _ => {}
        }
    }
    assert_eq!(
        plan.next(now + Duration::from_secs(1000)),
        Next::WaitAllSessionsEnd { or_until: None }
    );
}

#[test]
fn session_setup_overrides_the_mix_per_phase() {
    let mut p1 = phase(1, 1000, 2.0, None);
    p1.session_setup = vec![
        (SessionId(0), Share::Probability(0.0)),
        (SessionId(1), Share::Probability(100.0)),
    ];
    let p2 = phase(2, 1000, 2.0, None);
    let sc = scenario(
        vec![p1, p2],
        vec![
            session(0, "a", Share::Probability(75.0)),
            session(1, "b", Share::Probability(25.0)),
        ],
    );
    let mut plan = Scheduler::new(&sc, 11, &Generators::single(), 0);
    let events = run(&mut plan);
    let l = launches(&events);
    assert!(
        l.iter()
            .filter(|a| a.source == Source::Phase(0))
            .all(|a| a.session == SessionId(1))
    );
    let p2: Vec<_> = l.iter().filter(|a| a.source == Source::Phase(1)).collect();
    let share_a = p2.iter().filter(|a| a.session == SessionId(0)).count() as f64 / p2.len() as f64;
    assert!((share_a - 0.75).abs() < 0.05, "{share_a}");
}

#[test]
fn weights_choose_sessions_proportionally() {
    let sc = scenario(
        vec![phase(1, 1000, 4.0, None)],
        vec![
            session(0, "a", Share::Weight(1.0)),
            session(1, "b", Share::Weight(3.0)),
            session(2, "never", Share::Weight(0.0)),
        ],
    );
    let mut plan = Scheduler::new(&sc, 12, &Generators::single(), 0);
    let l: Vec<Arrival> = launches(&run(&mut plan)).into_iter().cloned().collect();
    let b = l.iter().filter(|a| a.session == SessionId(1)).count() as f64 / l.len() as f64;
    assert!((b - 0.75).abs() < 0.03, "{b}");
    assert!(l.iter().all(|a| a.session != SessionId(2)));
}

#[test]
fn a_late_engine_leaves_users_unlaunched_and_is_told_so() {
    let sc = scenario(vec![phase(1, 10, 100.0, None)], one_session());
    let mut plan = Scheduler::new(&sc, 1, &Generators::single(), 0);
    let mut now = Duration::ZERO;
    let mut end = None;
    for _ in 0..100_000 {
        match plan.next(now) {
            // Every launch takes 50 ms: far slower than 100 users/s.
            Next::Launch(_) => now += Duration::from_millis(50),
            Next::Sleep { until } => now = until,
            Next::PhaseEnd(e) => end = Some(e),
            Next::Done(_) => break,
            _ => {}
        }
    }
    let end = end.unwrap();
    assert_eq!(end.planned, 1000);
    assert!(end.launched <= 201, "{}", end.launched);
    assert!(end.overloaded());
}

#[test]
fn same_seed_same_plan_other_seed_other_plan() {
    let sc = scenario(
        vec![phase(1, 30, 3.0, None), phase(2, 30, 1.0, Some(7))],
        vec![
            session(0, "a", Share::Probability(50.0)),
            session(1, "b", Share::Probability(50.0)),
        ],
    );
    let a = run(&mut Scheduler::new(&sc, 77, &Generators::single(), 0));
    let b = run(&mut Scheduler::new(&sc, 77, &Generators::single(), 0));
    let c = run(&mut Scheduler::new(&sc, 78, &Generators::single(), 0));
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn interarrival_mean_matches_the_rate() {
    // 20 000 users at 10/s: the mean gap must be 100 ms (±3 %), the standard deviation too
    // (an exponential's standard deviation equals its mean).
    let sc = scenario(vec![phase(1, 2000, 10.0, None)], one_session());
    let mut plan = Scheduler::new(&sc, 2024, &Generators::single(), 0);
    let events = run(&mut plan);
    let times: Vec<f64> = launches(&events)
        .iter()
        .map(|a| a.at.as_secs_f64())
        .collect();
    let gaps: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    let n = gaps.len() as f64;
    let mean = gaps.iter().sum::<f64>() / n;
    let var = gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / n;
    assert!(gaps.len() > 19_000, "{}", gaps.len());
    assert!((mean - 0.1).abs() < 0.003, "mean {mean}");
    assert!((var.sqrt() - 0.1).abs() < 0.005, "stddev {}", var.sqrt());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    #[test]
    fn users_per_phase_respected_and_plan_deterministic(
        secs in 1u64..200,
        rate in 0.01f64..20.0,
        max in proptest::option::of(0u64..300),
        generators in 1usize..4,
        seed in proptest::prelude::any::<u64>(),
    ) {
        let sc = scenario(vec![phase(1, secs, rate, max), phase(2, secs, rate, max)], one_session());
        let gens = Generators::from_weights(vec![1.0; generators]);
        let mut total_planned = 0;
        for g in 0..generators {
            let mut plan = Scheduler::new(&sc, seed, &gens, g);
            let planned: Vec<u64> = plan.phases().iter().map(|p| p.users).collect();
            total_planned += planned[0];
            let events = run(&mut plan);
            for (i, &p) in planned.iter().enumerate() {
                let launched = launches(&events)
                    .iter()
                    .filter(|a| a.source == Source::Phase(i as u32))
                    .count() as u64;
                proptest::prop_assert!(launched <= p);
            }
            let again = run(&mut Scheduler::new(&sc, seed, &gens, g));
            proptest::prop_assert_eq!(events, again);
        }
        let expected = (secs as f64 * rate).round() as u64;
        let expected = match max { Some(m) if generators == 1 => expected.min(m), _ => expected };
        if generators == 1 || max.is_none() {
            // Without maxnumber each generator rounds its own share.
            let tolerance = generators as u64;
            proptest::prop_assert!(total_planned + tolerance >= expected && total_planned <= expected + tolerance,
                "planned {} expected {}", total_planned, expected);
        } else if let Some(m) = max {
            proptest::prop_assert!(total_planned <= m.max(generators as u64 - 1));
        }
    }
}
