//! A deterministic synthetic run, driven through the real [`Recorder`]s and [`Aggregator`]:
//! for tests, benchmarks and trying the report without a target server.

use crate::stats_file::{PhaseInfo, RunInfo, RunOutcome, ScenarioInfo, StatsFile, StopReason};
use stampede_metrics::{
    AbortReason, Aggregator, IntervalClock, Layout, Recorder, RequestLabel, Response, SessionEnd,
};
use stampede_model::{Counter, ErrorClass, RequestId, SessionId, TransactionId};

/// Shape of the synthetic run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Synthetic {
    /// Length of the run in seconds.
    pub duration_s: u64,
    /// Statistics interval in seconds.
    pub interval_s: u64,
    /// Users started per second at full load.
    pub users_per_second: u64,
    /// Worker threads simulated (each with its own recorder).
    pub workers: usize,
    /// Workers flush every this many seconds (and at every interval end).
    pub flush_every_s: u64,
    /// Seed of the generator.
    pub seed: u64,
    /// Unix time (s) of the start.
    pub start_unix: i64,
}

impl Default for Synthetic {
    fn default() -> Self {
        Self {
            duration_s: 65,
            interval_s: 10,
            users_per_second: 4,
            workers: 2,
            flush_every_s: 1,
            seed: 7,
            start_unix: 1_700_000_000,
        }
    }
}

/// The synthetic scenario's layout: two sessions, three transactions, five requests.
pub fn layout() -> Layout {
    let req = |session: u32, method: &str, url: &str| RequestLabel {
        session,
        method: method.to_owned(),
        url: url.to_owned(),
    };
    Layout {
        transactions: vec!["home".into(), "login".into(), "buy".into()],
        requests: vec![
            req(0, "GET", "/"),
            req(0, "GET", "/products?page=%%_page%%"),
            req(1, "POST", "/login"),
            req(1, "POST", "/cart"),
            req(1, "GET", "/checkout"),
        ],
        sessions: vec!["browse".into(), "checkout".into()],
    }
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// What the generator did, for cross-checks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sent {
    /// Requests sent.
    pub requests: u64,
    /// Requests that got a status code.
    pub with_status: u64,
    /// Requests that failed without a status code.
    pub without_status: u64,
}

/// Runs the synthetic load and returns its `stats.json` document (and the aggregator, for
/// `tsung.log`) plus what was sent.
pub fn run(spec: Synthetic) -> (StatsFile, Aggregator, Sent) {
    let layout = layout();
    let mut agg = Aggregator::new(&layout);
    let mut workers: Vec<Recorder> = (0..spec.workers.max(1))
        .map(|_| Recorder::new(&layout))
        .collect();
    let mut rng = Rng(spec.seed.max(1) | 1);
    let mut sent = Sent::default();
    let phase2 = spec.duration_s * 2 / 5;
    let ns = 1_000_000_000u64;
    // Users still running: (second they end, worker, session, how, lifetime).
    let mut running: Vec<(u64, usize, u32, SessionEnd, u64)> = Vec::new();
    for t in 0..spec.duration_s {
        let rate = if t < phase2 {
            (spec.users_per_second * (t + 1)).div_ceil(phase2.max(1))
        } else {
            spec.users_per_second
        };
        if t == 0 || t == phase2 {
            workers[0].count(Counter::NewPhase);
        }
        running.retain(|&(end_t, w, session, end, lifetime)| {
            if end_t > t {
                return true;
            }
            workers[w].connection_closed();
            workers[w].user_finished(SessionId(session), end, lifetime);
            false
        });
        // A bad patch in the middle of the run: slower responses and 503s.
        let trouble = t >= spec.duration_s / 2 && t < spec.duration_s / 2 + spec.duration_s / 10;
        for u in 0..rate {
            let w = (u as usize) % workers.len();
            let rec = &mut workers[w];
            let session = if rng.below(3) == 0 { 1u32 } else { 0 };
            rec.user_started(SessionId(session));
            rec.connection_opened();
            rec.record_connect(200_000 + rng.below(800_000));
            let requests: &[u32] = if session == 0 { &[0, 1, 1] } else { &[2, 3, 4] };
            let mut session_ns = 0;
            let mut end = SessionEnd::Completed;
            for (i, &r) in requests.iter().enumerate() {
                sent.requests += 1;
                let base = if trouble { 40_000_000 } else { 3_000_000 };
                let elapsed = base
                    + rng.below(base)
                    + rng.below(20) * 1_000_000 * u64::from(rng.below(50) == 0);
                session_ns += elapsed + 1_000_000_000;
                if rng.below(200) == 0 {
                    rec.count_error(Some(RequestId(r)), ErrorClass::Timeout);
                    sent.without_status += 1;
                    end = SessionEnd::Aborted(AbortReason::Error(ErrorClass::Timeout));
                    break;
                }
                let status = if trouble && rng.below(4) == 0 {
                    503
                } else if r == 1 && rng.below(25) == 0 {
                    404
                } else if r == 2 && rng.below(10) == 0 {
                    302
                } else {
                    200
                };
                rec.record_response(&Response {
                    request: RequestId(r),
                    status,
                    elapsed_ns: elapsed,
                    bytes_sent: 180 + u64::from(r) * 40,
                    bytes_received: 2_000 + rng.below(30_000),
                });
                sent.with_status += 1;
                rec.record_page(elapsed + 100_000);
                rec.record_transaction(
                    TransactionId(if session == 0 {
                        0
                    } else if i == 0 {
                        1
                    } else {
                        2
                    }),
                    elapsed + 50_000,
                );
                if status == 503 && session == 1 {
                    rec.count(Counter::MatchStop);
                    end = SessionEnd::Aborted(AbortReason::MatchAbort);
                    break;
                }
                if r == 0 {
                    rec.count(Counter::Match);
                }
            }
            running.push((t + session_ns / 1_000_000_000, w, session, end, session_ns));
        }
        if rng.below(20) == 0 {
            workers[0].count_error(None, ErrorClass::ConnectRefused);
        }
        let second = t + 1;
        let interval_end = second % spec.interval_s.max(1) == 0 && second < spec.duration_s;
        if second % spec.flush_every_s.max(1) == 0 || interval_end {
            let index = agg.interval_index();
            for w in &mut workers {
                let snap = w.take_snapshot();
                agg.ingest(index, &snap);
            }
        }
        if interval_end {
            agg.close_interval(IntervalClock {
                end_ns: second * ns,
                dump_at: spec.start_unix + second as i64,
            });
        }
    }
    // The end of the test: users still running are stopped, then the last (possibly shorter)
    // interval is closed.
    for (_, w, session, _, lifetime) in running.drain(..) {
        workers[w].connection_closed();
        workers[w].user_finished(
            SessionId(session),
            SessionEnd::Aborted(AbortReason::TestStopped),
            lifetime,
        );
    }
    let index = agg.interval_index();
    for w in &mut workers {
        let snap = w.take_snapshot();
        agg.ingest(index, &snap);
    }
    agg.close_interval(IntervalClock {
        end_ns: spec.duration_s * ns,
        dump_at: spec.start_unix + spec.duration_s as i64,
    });
    let run = RunInfo {
        stampede_version: "0.1.0".to_owned(),
        scenario: ScenarioInfo {
            name: "synthetic shop".to_owned(),
            path: "examples/shop.xml".to_owned(),
            files: vec![
                "examples/shop.xml".to_owned(),
                "examples/users.ent".to_owned(),
            ],
        },
        command_line: vec![
            "stampede".into(),
            "-f".into(),
            "examples/shop.xml".into(),
            "start".into(),
        ],
        seed: Some(spec.seed),
        started_at: "2023-11-14T22:13:20.000+00:00".to_owned(),
        started_at_unix_ms: spec.start_unix * 1000,
        ended_at: "(synthetic)".to_owned(),
        ended_at_unix_ms: (spec.start_unix + spec.duration_s as i64) * 1000,
        duration_s: spec.duration_s as f64,
        interval_s: spec.interval_s as f64,
        phases: vec![
            PhaseInfo {
                number: 1,
                start_s: 0.0,
                duration_s: phase2 as f64,
                users_per_second: spec.users_per_second as f64 / 2.0,
            },
            PhaseInfo {
                number: 2,
                start_s: phase2 as f64,
                duration_s: (spec.duration_s - phase2) as f64,
                users_per_second: spec.users_per_second as f64,
            },
        ],
        outcome: RunOutcome::new(StopReason::DurationReached, None),
    };
    let stats = StatsFile::build(run, &layout, agg.series(), agg.cumulative());
    (stats, agg, sent)
}
