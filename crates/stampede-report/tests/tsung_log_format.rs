//! `tsung.log` text, block by block, against hand-computed expectations (Tsung's definitions:
//! interval mean and population stddev, running max/min, lagging global mean/count, Erlang
//! number formatting, lines omitted until first data).
#![allow(clippy::unwrap_used)]

use stampede_metrics::{Aggregator, IntervalClock, Layout, Recorder, RequestLabel, SessionEnd};
use stampede_model::{Counter, RequestId, SessionId, TransactionId};
use stampede_report::TsungLogWriter;
use std::time::{Duration, UNIX_EPOCH};

const MS: u64 = 1_000_000;

fn layout() -> Layout {
    Layout {
        transactions: vec!["login".into()],
        requests: vec![RequestLabel::default()],
        sessions: vec!["main".into()],
    }
}

#[test]
fn blocks_follow_tsung_exactly() {
    let l = layout();
    let mut agg = Aggregator::new(&l);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tsung.log");
    let mut log = TsungLogWriter::create(&path, &l).unwrap();
    let mut rec = Recorder::new(&l);

    // Interval 0: two users connect and send one request each; one transaction.
    for (connect, request) in [(1, 2), (3, 4)] {
        rec.user_started(SessionId(0));
        rec.connection_opened();
        rec.record_connect(connect * MS);
        rec.record_response(&stampede_metrics::Response {
            request: RequestId(0),
            status: 200,
            elapsed_ns: request * MS,
            bytes_sent: 100,
            bytes_received: 1000,
        });
    }
    rec.record_transaction(TransactionId(0), 5 * MS);
    rec.count(Counter::Match);
    agg.ingest(0, &rec.take_snapshot());
    let closed = agg.close_interval(IntervalClock {
        end_ns: 10_000 * MS,
        dump_at: 1_700_000_010,
    });
    log.write_interval(closed.summary).unwrap();
    // Written and flushed at once: a crash loses nothing of a closed interval.
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "# stats: dump at 1700000010
stats: users 2 2
stats: users_count 2 2
stats: finish_users_count 0 0
stats: request 2 3.0 1.0 4.0 2.0 0 0
stats: connect 2 2.0 1.0 3.0 1.0 0 0
stats: tr_login 1 5.0 0 5.0 5.0 0 0
stats: connected 2 2
stats: 200 2 2
stats: size_rcv 2000 2000
stats: size_sent 200 200
stats: match 1 1
"
    );

    // Interval 1: a user ends after 10 s, its connection closes, one slow 404.
    rec.user_finished(SessionId(0), SessionEnd::Completed, 10_000 * MS);
    rec.connection_closed();
    rec.count_status(RequestId(0), 404);
    rec.record_request(RequestId(0), 10 * MS);
    agg.ingest(1, &rec.take_snapshot());
    let closed = agg.close_interval(IntervalClock {
        end_ns: 20_000 * MS,
        dump_at: 1_700_000_020,
    });
    log.write_interval(closed.summary).unwrap();

    // Interval 2 (short, nothing happens), then the end.
    let closed = agg.close_interval(IntervalClock {
        end_ns: 25_000 * MS,
        dump_at: 1_700_000_025,
    });
    log.write_interval(closed.summary).unwrap();
    log.finish(UNIX_EPOCH + Duration::from_micros(1_700_000_025_123_456))
        .unwrap();

    let text = std::fs::read_to_string(&path).unwrap();
    let rest = text.split_once("stats: match 1 1\n").unwrap().1;
    assert_eq!(
        rest,
        "# stats: dump at 1700000020
stats: users 1 2
stats: session 1 1.0e4 0 1.0e4 1.0e4 0 0
stats: users_count 0 2
stats: finish_users_count 1 1
stats: request 1 10.0 0.0 10.0 2.0 3.0 2
stats: connect 0 0 0 3.0 1.0 2.0 2
stats: tr_login 0 0 0 5.0 5.0 5.0 1
stats: connected -1 1
stats: 200 0 2
stats: 404 1 1
stats: size_rcv 0 2000
stats: size_sent 0 200
stats: match 0 1
# stats: dump at 1700000025
stats: users 1 2
stats: session 0 0 0 1.0e4 1.0e4 1.0e4 1
stats: users_count 0 2
stats: finish_users_count 0 1
stats: request 0 0 0 10.0 2.0 5.333333333333333 3
stats: connect 0 0 0 3.0 1.0 2.0 2
stats: tr_login 0 0 0 5.0 5.0 5.0 1
stats: connected 0 1
stats: 200 0 2
stats: 404 0 1
stats: size_rcv 0 2000
stats: size_sent 0 200
stats: match 0 1
EndMonitor:{1700,25,123456}
"
    );
    // Regenerating the file from the kept series gives the same text.
    let again = stampede_report::render_all(
        &l,
        agg.series(),
        Some(UNIX_EPOCH + Duration::from_micros(1_700_000_025_123_456)),
    );
    assert_eq!(again, text);
}

#[test]
fn odd_transaction_names_are_quoted_like_erlang_atoms() {
    let l = Layout {
        transactions: vec!["Login-Page".into()],
        ..layout()
    };
    let mut agg = Aggregator::new(&l);
    let mut rec = Recorder::new(&l);
    rec.record_transaction(TransactionId(0), 1_500_000);
    agg.ingest(0, &rec.take_snapshot());
    agg.close_interval(IntervalClock {
        end_ns: 1,
        dump_at: 7,
    });
    let text = stampede_report::render_all(&l, agg.series(), None);
    assert!(
        text.contains("stats: 'tr_Login-Page' 1 1.5 0 1.5 1.5 0 0\n"),
        "{text}"
    );
}
