//! Ending a run early: a graceful stop from another thread, an abort, `<load duration>`, and
//! reproducibility with a seed.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use stampede_engine::{RunConfig, RunEnd, StopHandle};
use stampede_metrics::AbortReason;
use stampede_model::{Counter, ErrorClass, Scenario};
use stampede_testkit::Outcome;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Users that would run for minutes: a long loop of requests with short thinktimes.
fn endless(load_attrs: &str) -> String {
    format!(
        r#"<?xml version="1.0"?>
<tsung loglevel="notice">
  <clients><client host="localhost" use_controller_vm="true"/></clients>
  <servers><server host="127.0.0.1" port="{{PORT}}" type="tcp"/></servers>
  <load {load_attrs}>
    <arrivalphase phase="1" duration="100" unit="millisecond">
      <users arrivalrate="1000" unit="second" maxnumber="5"/>
    </arrivalphase>
  </load>
  <sessions>
    <session name="s" probability="100" type="ts_http">
      <transaction name="all">
        <for from="1" to="100000" incr="1" var="i">
          <request><http url="/health"/></request>
          <thinktime value="0.005"/>
        </for>
      </transaction>
    </session>
  </sessions>
</tsung>"#
    )
}

fn run_stopped_after(
    sc: Arc<Scenario>,
    config: RunConfig,
    after: Duration,
    abort: bool,
) -> (stampede_engine::RunSummary, Collected) {
    let stop = StopHandle::new();
    let remote = stop.clone();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(after);
        if abort {
            remote.abort("test thread");
        } else {
            remote.stop("test thread");
        }
    });
    let mut seen = Collected::default();
    let summary = stampede_engine::run(sc, config, &mut seen, stop).unwrap();
    stopper.join().unwrap();
    (summary, seen)
}

/// What every early end must leave: the series adds up to the totals (the last interval was
/// flushed), every user was cut once with `error_abort`, nobody is left running.
fn assert_cut_cleanly(summary: &stampede_engine::RunSummary, seen: &Collected, users: u64) {
    let t = &summary.totals;
    let in_series: u64 = seen.intervals.iter().map(|i| i.request.count).sum();
    assert_eq!(in_series, t.request.count);
    assert_eq!(seen.intervals.len(), summary.series.len());
    assert_eq!(t.error(ErrorClass::Abort), users);
    assert_eq!(t.sessions[0].aborted_by(AbortReason::TestStopped), users);
    assert_eq!(t.counter(Counter::UsersCount), users);
    // Tsung does not measure users cut by the end of the test.
    assert_eq!(t.counter(Counter::FinishUsersCount), 0);
    assert_eq!(t.session.count, 0);
    // The open transaction is still recorded.
    assert_eq!(t.transactions[0].count, users);
    let last = summary.series.last().unwrap();
    assert_eq!(last.users, 0);
    assert_eq!(last.connected, 0);
    assert_eq!(t.connections.up, t.connections.down);
}

#[test]
fn graceful_stop_from_another_thread() {
    let app = app();
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario(&endless(""), app.addr().port(), dir.path());
    let started = Instant::now();
    let (summary, seen) =
        run_stopped_after(sc, config(dir.path()), Duration::from_millis(400), false);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(
        summary.end,
        RunEnd::Stopped {
            by: "test thread".into()
        }
    );
    assert_cut_cleanly(&summary, &seen, 5);
    // Requests in flight were allowed to finish: the counts agree exactly.
    let c = app.counts();
    assert_eq!(summary.totals.request.count, c.total());
    assert_eq!(
        summary.totals.status.get(200),
        c.get("/health", "GET", Outcome::Status(200))
    );
    assert!(c.total() > 5);
    app.shutdown_blocking();
}

#[test]
fn abort_cuts_everyone_and_still_reports() {
    let app = app();
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario(&endless(""), app.addr().port(), dir.path());
    let (summary, seen) =
        run_stopped_after(sc, config(dir.path()), Duration::from_millis(300), true);
    assert_eq!(
        summary.end,
        RunEnd::Aborted {
            by: "test thread".into()
        }
    );
    assert_cut_cleanly(&summary, &seen, 5);
    // Requests in flight at the abort reached the app but were not measured.
    let c = app.counts();
    assert!(summary.totals.request.count <= c.total());
    assert!(c.total() - summary.totals.request.count <= 5);
    app.shutdown_blocking();
}

#[test]
fn load_duration_ends_the_run() {
    let app = app();
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario(
        &endless(r#"duration="1" unit="second""#),
        app.addr().port(),
        dir.path(),
    );
    let started = Instant::now();
    let (summary, seen) = run(sc, config(dir.path()));
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(10),
        "{took:?}"
    );
    assert_eq!(summary.end, RunEnd::DurationReached);
    assert_cut_cleanly(&summary, &seen, 5);
    let c = app.counts();
    assert_eq!(summary.totals.request.count, c.total());
    // Intervals of 500 ms: at least the first, full one and the last.
    assert!(seen.intervals.len() >= 2, "{}", seen.intervals.len());
    assert_eq!(seen.intervals[0].end_ns, 500_000_000);
    app.shutdown_blocking();
}

const RANDOM: &str = r#"<?xml version="1.0"?>
<tsung loglevel="notice">
  <clients><client host="localhost" use_controller_vm="true"/></clients>
  <servers><server host="127.0.0.1" port="{PORT}" type="tcp"/></servers>
  <load>
    <arrivalphase phase="1" duration="200" unit="millisecond">
      <users arrivalrate="100" unit="second" maxnumber="12"/>
    </arrivalphase>
  </load>
  <sessions>
    <session name="a" probability="50" type="ts_http">
      <for from="1" to="4" incr="1" var="i">
        <setdynvars sourcetype="random_number" start="1" end="3"><var name="n"/></setdynvars>
        <if var="n" eq="1"><request><http url="/health"/></request></if>
        <if var="n" eq="2"><request><http url="/"/></request></if>
        <if var="n" eq="3"><request subst="true"><http url="/communities/%%_n%%"/></request></if>
      </for>
    </session>
    <session name="b" probability="50" type="ts_http">
      <setdynvars sourcetype="random_number" start="1" end="5"><var name="c"/></setdynvars>
      <request subst="true"><http url="/communities/%%_c%%"/></request>
      <request><http url="/static/100b.txt"/></request>
    </session>
  </sessions>
</tsung>"#;

fn route_counts(seed: u64, workers: usize) -> (Vec<(String, u64)>, Vec<u64>) {
    let app = app();
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario(RANDOM, app.addr().port(), dir.path());
    let config = RunConfig {
        seed: Some(seed),
        workers,
        ..config(dir.path())
    };
    let (summary, _) = run(sc, config);
    assert_eq!(summary.seed, seed);
    let counts = app
        .counts()
        .entries()
        .iter()
        .map(|(k, n)| (format!("{} {} {}", k.method, k.route, k.outcome), *n))
        .collect();
    let started = summary.totals.sessions.iter().map(|s| s.started).collect();
    app.shutdown_blocking();
    (counts, started)
}

#[test]
fn same_seed_same_work() {
    let first = route_counts(7, 2);
    assert_eq!(first.1.iter().sum::<u64>(), 12);
    assert_eq!(route_counts(7, 2), first);
    // The plan is made once per process: the number of workers does not change it.
    assert_eq!(route_counts(7, 1), first);
}
