//! Merging snapshots is exact and associative, and equals recording everything in one place.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use stampede_metrics::{
    AbortReason, Aggregator, IntervalClock, Layout, Recorder, RequestLabel, Response, SessionEnd,
    Snapshot,
};
use stampede_model::{Counter, ErrorClass, RequestId, SessionId, TransactionId};

#[derive(Clone, Debug)]
enum Event {
    Response(u32, u16, u64, u64, u64),
    Request(u32, u64),
    Page(u64),
    Connect(u64),
    Transaction(u32, u64),
    Status(u32, u16),
    Error(Option<u32>, usize),
    Count(usize),
    Started(u32),
    Finished(u32, Option<usize>, u64),
    Opened,
    Closed,
}

fn duration() -> impl Strategy<Value = u64> {
    prop_oneof![
        0u64..5_000,
        5_000u64..50_000_000,
        50_000_000u64..200_000_000_000,
        Just(u64::MAX)
    ]
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        (
            0u32..4,
            prop_oneof![Just(200u16), Just(404), Just(503), 0u16..1000],
            duration(),
            0u64..10_000,
            0u64..100_000
        )
            .prop_map(|(r, s, d, a, b)| Event::Response(r, s, d, a, b)),
        (0u32..4, duration()).prop_map(|(r, d)| Event::Request(r, d)),
        duration().prop_map(Event::Page),
        duration().prop_map(Event::Connect),
        (0u32..3, duration()).prop_map(|(t, d)| Event::Transaction(t, d)),
        (0u32..4, 100u16..600).prop_map(|(r, s)| Event::Status(r, s)),
        (proptest::option::of(0u32..4), 0..ErrorClass::COUNT).prop_map(|(r, e)| Event::Error(r, e)),
        (0..Counter::COUNT).prop_map(Event::Count),
        (0u32..2).prop_map(Event::Started),
        (
            0u32..2,
            proptest::option::of(0..AbortReason::COUNT),
            duration()
        )
            .prop_map(|(s, r, d)| Event::Finished(s, r, d)),
        Just(Event::Opened),
        Just(Event::Closed),
    ]
}

fn layout() -> Layout {
    Layout {
        transactions: vec!["a".into(), "b".into()],
        requests: vec![RequestLabel::default(); 3],
        sessions: vec!["s".into()],
    }
}

fn apply(rec: &mut Recorder, e: &Event) {
    match *e {
        Event::Response(r, status, d, sent, rcv) => rec.record_response(&Response {
            request: RequestId(r),
            status,
            elapsed_ns: d,
            bytes_sent: sent,
            bytes_received: rcv,
        }),
        Event::Request(r, d) => rec.record_request(RequestId(r), d),
        Event::Page(d) => rec.record_page(d),
        Event::Connect(d) => rec.record_connect(d),
        Event::Transaction(t, d) => rec.record_transaction(TransactionId(t), d),
        Event::Status(r, s) => rec.count_status(RequestId(r), s),
        Event::Error(r, e) => rec.count_error(r.map(RequestId), ErrorClass::ALL[e]),
        Event::Count(c) => rec.count(Counter::ALL[c]),
        Event::Started(s) => rec.user_started(SessionId(s)),
        Event::Finished(s, r, d) => rec.user_finished(
            SessionId(s),
            match r {
                None => SessionEnd::Completed,
                Some(i) => SessionEnd::Aborted(AbortReason::from_index(i).unwrap()),
            },
            d,
        ),
        Event::Opened => rec.connection_opened(),
        Event::Closed => rec.connection_closed(),
    }
}

fn record(events: &[Event]) -> Snapshot {
    let mut rec = Recorder::new(&layout());
    for e in events {
        apply(&mut rec, e);
    }
    rec.take_snapshot()
}

fn merged(a: &Snapshot, b: &Snapshot) -> Snapshot {
    let mut out = a.clone();
    out.merge(b);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn merge_is_associative_and_equals_one_recorder(
        a in proptest::collection::vec(event(), 0..40),
        b in proptest::collection::vec(event(), 0..40),
        c in proptest::collection::vec(event(), 0..40),
    ) {
        let (sa, sb, sc) = (record(&a), record(&b), record(&c));
        let left = merged(&merged(&sa, &sb), &sc);
        let right = merged(&sa, &merged(&sb, &sc));
        prop_assert_eq!(&left, &right);
        let all: Vec<Event> = a.iter().chain(&b).chain(&c).cloned().collect();
        prop_assert_eq!(&left, &record(&all));
        // Commutative too (the aggregator merges workers in arrival order).
        prop_assert_eq!(merged(&sb, &sa), merged(&sa, &sb));
    }

    #[test]
    fn snapshots_survive_json_and_keep_merging(events in proptest::collection::vec(event(), 0..60)) {
        let s = record(&events);
        let json = serde_json::to_string(&s).unwrap();
        let back: Snapshot = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &s);
        prop_assert_eq!(merged(&back, &s), merged(&s, &s));
    }

    #[test]
    fn aggregator_cumulative_equals_everything(
        flushes in proptest::collection::vec((0u64..3, proptest::collection::vec(event(), 0..20)), 0..12),
    ) {
        let mut agg = Aggregator::new(&layout());
        let mut all = Vec::new();
        let mut interval = 0;
        for (advance, events) in &flushes {
            agg.ingest(interval, &record(events));
            all.extend(events.iter().cloned());
            for _ in 0..*advance {
                interval += 1;
                agg.close_interval(IntervalClock { end_ns: interval * 10, dump_at: interval as i64 });
            }
        }
        agg.close_interval(IntervalClock { end_ns: (interval + 1) * 10, dump_at: 0 });
        let expected = record(&all);
        prop_assert_eq!(agg.cumulative(), &expected);
        let counted: u64 = agg.series().iter().map(|s| s.request.count).sum();
        prop_assert_eq!(counted, expected.request.count);
        let last = agg.series().last().unwrap();
        prop_assert_eq!(last.users, expected.users.net());
    }
}
