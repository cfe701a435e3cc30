//! The same fixed work run by one process and by three: identical counts at the app and in
//! the merged totals, and the merged totals are exactly the sum of the agents' own.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use stampede_cluster::AgentOutcome;
use stampede_engine::{RunEnd, StopHandle};
use stampede_metrics::Snapshot;
use stampede_model::Counter;
use std::collections::BTreeMap;

/// 30 arrivals (maxnumber) and 4 static users; one session per kind, so that the counts do
/// not depend on how the session mix falls in each process.
const FIXED_WORK: &str = r#"<?xml version="1.0"?>
<tsung loglevel="notice">
  <clients><client host="localhost" use_controller_vm="true" maxusers="1000"/></clients>
  <servers><server host="127.0.0.1" port="{PORT}" type="tcp"/></servers>
  <load>
    <arrivalphase phase="1" duration="1" unit="second">
      <users arrivalrate="100" unit="second" maxnumber="30"/>
    </arrivalphase>
    <user session="static" start_time="0" unit="second"/>
    <user session="static" start_time="0" unit="second"/>
    <user session="static" start_time="1" unit="second"/>
    <user session="static" start_time="1" unit="second"/>
  </load>
  <sessions>
    <session name="main" probability="100" type="ts_http">
      <transaction name="browse">
        <for from="1" to="3" incr="1" var="i">
          <request><http url="/health"/></request>
        </for>
        <request><http url="/static/100b.txt"/></request>
      </transaction>
      <thinktime value="0.05" random="false"/>
      <request><http url="/nowhere"/></request>
    </session>
    <session name="static" probability="0" type="ts_http">
      <request><http url="/communities"/></request>
      <request><http url="/"/></request>
    </session>
  </sessions>
</tsung>"#;

struct Outcomes {
    app: BTreeMap<String, u64>,
    totals: Snapshot,
    agent_totals: Vec<Snapshot>,
    users_launched: u64,
    intervals: usize,
}

fn run_with(processes: Option<usize>) -> Outcomes {
    let f = Fixture::new(FIXED_WORK);
    let (totals, agent_totals, users_launched, intervals) = match processes {
        None => {
            let (s, _) = single(f.scenario.clone(), f.dir.path());
            (s.totals, vec![], s.users_launched, s.series.len())
        }
        Some(p) => {
            let mut seen = Collected::default();
            let config = f.cluster_config(p);
            let summary =
                run_cluster(f.scenario.clone(), config, &mut seen, StopHandle::new()).unwrap();
            assert_eq!(summary.run.end, RunEnd::Completed, "{:?}", seen.logs);
            assert_eq!(summary.agents.len(), p);
            assert_eq!(seen.started, 1);
            assert_eq!(seen.intervals.len(), summary.run.series.len());
            // The controller process samples its host once per interval for the whole run.
            for iv in &seen.intervals {
                assert_eq!(iv.monitor.len(), 1, "{:?}", iv.monitor);
                assert!(iv.monitor[0].node.starts_with("tsung_controller@"));
                assert!(iv.monitor[0].freemem.is_some_and(|m| m > 0.0));
            }
            assert!(seen.progress > 0);
            let mut agent_totals = Vec::new();
            for a in &summary.agents {
                assert!(
                    matches!(
                        a.outcome,
                        AgentOutcome::Finished {
                            end: RunEnd::Completed
                        }
                    ),
                    "{a:?}"
                );
                agent_totals.push(a.totals.clone().unwrap());
            }
            // One phase for the whole run, with the users of every process.
            assert_eq!(seen.phases_started.len(), 1);
            assert_eq!(seen.phases_started[0].users, 30);
            assert_eq!(seen.phases_ended.len(), 1);
            assert_eq!(seen.phases_ended[0].launched, 30);
            (
                summary.run.totals,
                agent_totals,
                summary.run.users_launched,
                summary.run.series.len(),
            )
        }
    };
    let app_counts = f
        .app
        .counts()
        .entries()
        .iter()
        .map(|(k, n)| (format!("{k:?}"), *n))
        .collect();
    Outcomes {
        app: app_counts,
        totals,
        agent_totals,
        users_launched,
        intervals,
    }
}

fn single(
    sc: std::sync::Arc<stampede_model::Scenario>,
    dir: &std::path::Path,
) -> (stampede_engine::RunSummary, Collected) {
    let mut seen = Collected::default();
    let mut config = run_config(dir);
    config.workers = 2;
    let stop = StopHandle::new();
    let _w = Watchdog::start(&stop, std::time::Duration::from_secs(60));
    let s = stampede_engine::run(sc, config, &mut seen, stop).unwrap();
    assert_eq!(s.end, RunEnd::Completed, "{:?}", seen.logs);
    (s, seen)
}

#[test]
fn one_and_three_processes_do_the_same_work_and_merge_exactly() {
    let engine = run_with(None);
    let one = run_with(Some(1));
    let three = run_with(Some(3));

    // The app saw exactly the same requests, route by route, outcome by outcome.
    assert_eq!(one.app, engine.app);
    assert_eq!(three.app, engine.app);
    assert_eq!(engine.users_launched, 34);
    assert_eq!(one.users_launched, 34);
    assert_eq!(three.users_launched, 34);

    for (name, o) in [
        ("engine", &engine),
        ("1 process", &one),
        ("3 processes", &three),
    ] {
        let t = &o.totals;
        // 30 × (3 + 1 + 1) + 4 × 2 = 158 requests: 200s and 30 404s.
        assert_eq!(t.request.count, 158, "{name}");
        assert_eq!(t.status.get(200), 128, "{name}");
        assert_eq!(t.status.get(404), 30, "{name}");
        // requests = codes + errors, in total and per request row.
        assert_eq!(
            t.request.count,
            t.status.total() + t.errors_total(),
            "{name}"
        );
        for r in &t.requests {
            assert_eq!(r.sample.count, r.codes_total() + r.errors_total(), "{name}");
        }
        assert_eq!(t.errors_total(), 0, "{name}");
        assert_eq!(t.session.count, 34, "{name}");
        assert_eq!(t.sessions[0].completed, 30, "{name}");
        assert_eq!(t.sessions[1].completed, 4, "{name}");
        assert_eq!(t.counter(Counter::UsersCount), 34, "{name}");
        assert_eq!(t.counter(Counter::FinishUsersCount), 34, "{name}");
        assert_eq!(t.transactions[0].count, 30, "{name}");
        assert_eq!(t.users.net(), 0, "{name}");
        assert_eq!(t.connections.net(), 0, "{name}");
        assert!(o.intervals >= 2, "{name}: {} intervals", o.intervals);
    }
    // Per-request rows agree too.
    let rows = |o: &Outcomes| -> Vec<(u64, Vec<(u16, u64)>)> {
        o.totals
            .requests
            .iter()
            .map(|r| (r.sample.count, r.codes.clone()))
            .collect()
    };
    assert_eq!(rows(&one), rows(&engine));
    assert_eq!(rows(&three), rows(&engine));

    // The merged totals are exactly the sum of what each agent measured.
    for o in [&one, &three] {
        let mut sum = o.totals.empty_like();
        for a in &o.agent_totals {
            sum.merge(a);
        }
        assert_eq!(sum, o.totals);
    }
    // Three agents really shared the work.
    assert!(three.agent_totals.iter().all(|t| t.request.count > 0));
}
