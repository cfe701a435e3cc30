//! Stampede's request counts agree with the target app's own counts, exactly.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use stampede_engine::RunEnd;
use stampede_testkit::Outcome;

const FIXED_WORK: &str = r#"<?xml version="1.0"?>
<tsung loglevel="notice">
  <clients><client host="localhost" use_controller_vm="true"/></clients>
  <servers><server host="127.0.0.1" port="{PORT}" type="tcp"/></servers>
  <load>
    <arrivalphase phase="1" duration="200" unit="millisecond">
      <users arrivalrate="200" unit="second" maxnumber="6"/>
    </arrivalphase>
    <user session="static" start_time="0.05" unit="second"/>
    <user session="static" start_time="0.1" unit="second"/>
  </load>
  <sessions>
    <session name="health" probability="50" type="ts_http">
      <for from="1" to="5" incr="1" var="i">
        <request><http url="/health"/></request>
      </for>
      <request><http url="/static/100b.txt"/></request>
    </session>
    <session name="home" probability="50" type="ts_http">
      <request><http url="/"/></request>
      <thinktime value="0.01"/>
      <for from="1" to="3" incr="1" var="i">
        <request><http url="/nowhere"/></request>
      </for>
    </session>
    <session name="static" probability="0" type="ts_http">
      <request><http url="/communities"/></request>
      <request><http url="/health"/></request>
    </session>
  </sessions>
</tsung>"#;

#[test]
fn request_counts_agree_with_the_app() {
    let app = app();
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario(FIXED_WORK, app.addr().port(), dir.path());
    let (summary, seen) = run(sc, config(dir.path()));
    assert_eq!(summary.end, RunEnd::Completed, "{:?}", seen.logs);
    assert_eq!(summary.users_launched, 8);
    let counts = app.counts();
    let t = &summary.totals;
    // Which sessions ran is random; the totals follow from it.
    let health_users = t.sessions[0].started;
    let home_users = t.sessions[1].started;
    assert_eq!(health_users + home_users, 6);
    assert_eq!(t.sessions[2].started, 2);
    assert_eq!(
        counts.get("/health", "GET", Outcome::Status(200)),
        5 * health_users + 2
    );
    assert_eq!(
        counts.get("/static/100b.txt", "GET", Outcome::Status(200)),
        health_users
    );
    assert_eq!(counts.get("/", "GET", Outcome::Status(200)), home_users);
    assert_eq!(counts.get("/communities", "GET", Outcome::Status(200)), 2);
    let not_found = counts.by_status().get(&404).copied().unwrap_or(0);
    assert_eq!(not_found, 3 * home_users);
    // Ours: the same per status, per request and in total.
    assert_eq!(t.status.get(200), counts.total() - not_found);
    assert_eq!(t.status.get(404), not_found);
    assert_eq!(t.request.count, counts.total());
    assert_eq!(t.errors_total(), 0);
    let per_request: u64 = t.requests.iter().map(|r| r.sample.count).sum();
    assert_eq!(per_request, counts.total());
    // Users: every one started and finished, completed.
    assert_eq!(t.counter(stampede_model::Counter::UsersCount), 8);
    assert_eq!(t.counter(stampede_model::Counter::FinishUsersCount), 8);
    assert_eq!(t.session.count, 8);
    assert_eq!(t.sessions_total().completed, 8);
    assert_eq!(summary.users_max, seen.max_users.max(summary.users_max));
    // Connections: opened once per user (keep-alive), all closed at the end.
    assert_eq!(t.connect.count, 8);
    assert_eq!(t.connections.up, 8);
    assert_eq!(t.connections.down, 8);
    assert!(t.bytes_received > 0 && t.bytes_sent > 0);
    // Intervals: the series adds up to the totals.
    assert!(!seen.intervals.is_empty());
    let in_series: u64 = seen.intervals.iter().map(|i| i.request.count).sum();
    assert_eq!(in_series, t.request.count);
    app.shutdown_blocking();
}
