//! Stops, crashes and protocol errors: the controller forwards stops, survives a dead agent
//! and says so, and refuses agents that do not speak its protocol, without hanging.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use stampede_cluster::frame::write_message;
use stampede_cluster::protocol::FromAgent;
use stampede_cluster::{AgentCommand, AgentOutcome, ClusterConfig, ClusterError, PROTOCOL_VERSION};
use stampede_engine::{LogLevel, RunEnd, RunObserver, StopHandle};
use stampede_metrics::ClosedInterval;
use stampede_model::Counter;

/// `maxnumber` users arriving at `rate`/s over a phase of `phase_s` seconds, each looping
/// `loops` times over a request and a 0.05 s think.
fn looping(phase_s: u32, rate: u32, maxnumber: u32, loops: u32) -> String {
    format!(
        r#"<?xml version="1.0"?>
<tsung loglevel="notice">
  <clients><client host="localhost" maxusers="1000"/></clients>
  <servers><server host="127.0.0.1" port="{{PORT}}" type="tcp"/></servers>
  <load>
    <arrivalphase phase="1" duration="{phase_s}" unit="second">
      <users arrivalrate="{rate}" unit="second" maxnumber="{maxnumber}"/>
    </arrivalphase>
  </load>
  <sessions>
    <session name="loop" probability="100" type="ts_http">
      <for from="1" to="{loops}" incr="1" var="i">
        <request><http url="/health"/></request>
        <thinktime value="0.05" random="false"/>
      </for>
    </session>
  </sessions>
</tsung>"#
    )
}

/// Users arrive for 30 s and loop for a long time: the run only ends when stopped.
fn endless() -> String {
    looping(30, 20, 60, 100_000)
}

/// Stops the run after the first closed interval.
struct StopAfterFirstInterval {
    inner: Collected,
    stop: StopHandle,
}

impl RunObserver for StopAfterFirstInterval {
    fn interval_closed(&mut self, closed: &ClosedInterval<'_>) {
        self.inner.interval_closed(closed);
        self.stop.stop("test");
    }
    fn log(&mut self, level: LogLevel, text: &str) {
        self.inner.log(level, text);
    }
}

#[test]
fn a_stop_reaches_every_agent_and_nothing_measured_is_lost() {
    let f = Fixture::new(&endless());
    let stop = StopHandle::new();
    let mut obs = StopAfterFirstInterval {
        inner: Collected::default(),
        stop: stop.clone(),
    };
    let summary = run_cluster(f.scenario.clone(), f.cluster_config(3), &mut obs, stop).unwrap();
    assert_eq!(
        summary.run.end,
        RunEnd::Stopped { by: "test".into() },
        "{:?}",
        obs.inner.logs
    );
    for a in &summary.agents {
        assert_eq!(
            a.outcome,
            AgentOutcome::Finished {
                end: RunEnd::Stopped { by: "test".into() }
            },
            "{a:?}"
        );
    }
    let t = &summary.run.totals;
    // Everything the agents measured, and everything the app served, is in the totals.
    assert_eq!(t.request.count, f.app.counts().total());
    assert!(t.request.count > 0);
    // Stopped users were cut and counted; none is left running.
    assert_eq!(t.users.net(), 0);
    assert_eq!(t.connections.net(), 0);
    let mut sum = t.empty_like();
    for a in &summary.agents {
        sum.merge(a.totals.as_ref().unwrap());
    }
    assert_eq!(&sum, t);
}

/// Kills one agent (by the pid the controller logs) at the first closed interval.
struct KillOne {
    inner: Collected,
    victim: usize,
    pid: Option<u32>,
    killed: bool,
}

impl RunObserver for KillOne {
    fn interval_closed(&mut self, closed: &ClosedInterval<'_>) {
        self.inner.interval_closed(closed);
        if !self.killed
            && let Some(pid) = self.pid
        {
            let status = std::process::Command::new("kill")
                .args(["-9", &pid.to_string()])
                .status()
                .unwrap();
            assert!(status.success());
            self.killed = true;
        }
    }
    fn log(&mut self, level: LogLevel, text: &str) {
        let prefix = format!("generator process {} of ", self.victim);
        if let Some(rest) = text.strip_prefix(&prefix)
            && let Some((_, pid)) = rest.split_once("pid ")
        {
            self.pid = pid.trim().parse().ok();
        }
        self.inner.log(level, text);
    }
}

/// Fixed work that takes a few seconds: 30 users of 40 requests 0.05 s apart.
fn few_seconds() -> String {
    looping(1, 100, 30, 40)
}

#[test]
fn a_killed_agent_is_reported_and_the_run_goes_on() {
    let f = Fixture::new(&few_seconds());
    let mut obs = KillOne {
        inner: Collected::default(),
        victim: 1,
        pid: None,
        killed: false,
    };
    let summary = run_cluster(
        f.scenario.clone(),
        f.cluster_config(3),
        &mut obs,
        StopHandle::new(),
    )
    .unwrap();
    assert!(
        obs.killed,
        "the victim's pid was not logged: {:?}",
        obs.inner.logs
    );
    // The others completed their share; the run completed.
    assert_eq!(summary.run.end, RunEnd::Completed);
    let lost: Vec<_> = summary.lost_agents().collect();
    assert_eq!(lost.len(), 1, "{:?}", summary.agents);
    assert_eq!(lost[0].index, 1);
    match &lost[0].outcome {
        AgentOutcome::Lost { exit, .. } => assert_eq!(exit, "killed by signal 9"),
        other => panic!("{other:?}"),
    }
    let losses = summary.losses();
    assert_eq!(losses.len(), 1);
    assert!(losses[0].contains("generator process 1"), "{}", losses[0]);
    assert!(
        obs.inner
            .logs
            .iter()
            .any(|(l, t)| *l == LogLevel::Error && t.contains("was lost")),
        "{:?}",
        obs.inner.logs
    );
    for i in [0, 2] {
        assert!(matches!(
            summary.agents[i].outcome,
            AgentOutcome::Finished {
                end: RunEnd::Completed
            }
        ));
    }
    // What the survivors measured is all there, plus what the victim delivered before dying.
    let t = &summary.run.totals;
    let survivors: u64 = [0, 2]
        .iter()
        .map(|&i| summary.agents[i].totals.as_ref().unwrap().request.count)
        .sum();
    assert!(t.request.count >= survivors);
    assert!(t.request.count <= f.app.counts().total());
    assert_eq!(
        survivors,
        2 * 10 * 40,
        "each survivor ran its 10 users to the end"
    );
    // The victim's users and connections are gone from the levels.
    assert_eq!(t.users.net(), 0);
    assert_eq!(t.connections.net(), 0);
    assert_eq!(summary.run.series.last().unwrap().users, 0);
}

/// Stops the test from one user of the first process: every process stops.
const ABORT_TEST: &str = r#"<?xml version="1.0"?>
<tsung loglevel="notice">
  <clients><client host="localhost" maxusers="1000"/></clients>
  <servers><server host="127.0.0.1" port="{PORT}" type="tcp"/></servers>
  <load>
    <arrivalphase phase="1" duration="30" unit="second">
      <users arrivalrate="20" unit="second" maxnumber="60"/>
    </arrivalphase>
    <user session="stopper" start_time="1" unit="second"/>
  </load>
  <sessions>
    <session name="loop" probability="100" type="ts_http">
      <for from="1" to="100000" incr="1" var="i">
        <request><http url="/health"/></request>
        <thinktime value="0.05" random="false"/>
      </for>
    </session>
    <session name="stopper" probability="0" type="ts_http">
      <request>
        <match do="abort_test" when="match">ok</match>
        <http url="/health"/>
      </request>
    </session>
  </sessions>
</tsung>"#;

#[test]
fn a_user_stopping_the_test_stops_every_process() {
    let f = Fixture::new(ABORT_TEST);
    let mut seen = Collected::default();
    let summary = run_cluster(
        f.scenario.clone(),
        f.cluster_config(3),
        &mut seen,
        StopHandle::new(),
    )
    .unwrap();
    assert!(
        matches!(summary.run.end, RunEnd::StoppedByScenario { .. }),
        "{:?} {:?}",
        summary.run.end,
        seen.logs
    );
    assert_eq!(summary.lost_agents().count(), 0);
    assert_eq!(summary.run.totals.counter(Counter::MatchStopTest), 1);
    assert!(
        seen.matches
            .iter()
            .any(|m| m.event == Counter::MatchStopTest),
        "the match.log line travels to the controller"
    );
}

/// The error a run of the fixture's scenario with `config` fails with.
fn run_error(f: &Fixture, config: ClusterConfig) -> ClusterError {
    run_cluster(
        f.scenario.clone(),
        config,
        &mut Collected::default(),
        StopHandle::new(),
    )
    .unwrap_err()
}

/// An agent program that plays back `frames` and then waits.
fn fake_agent(dir: &std::path::Path, frames: &[u8]) -> AgentCommand {
    let file = dir.join("frames.bin");
    std::fs::write(&file, frames).unwrap();
    AgentCommand::new(
        "sh",
        [
            "-c".to_owned(),
            format!("cat '{}'; exec sleep 20", file.display()),
        ],
    )
}

#[test]
fn an_agent_of_another_protocol_version_is_refused_clearly() {
    let f = Fixture::new(&few_seconds());
    let mut frames = Vec::new();
    write_message(
        &mut frames,
        &FromAgent::Hello {
            protocol: 999,
            software: "9.9.9".into(),
            pid: 1,
        },
    )
    .unwrap();
    let mut config = f.cluster_config(2);
    config.agent_command = fake_agent(f.dir.path(), &frames);
    let err = run_error(&f, config);
    assert!(
        matches!(
            err,
            ClusterError::VersionMismatch {
                ours: PROTOCOL_VERSION,
                theirs: 999,
                ..
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("version 999") && text.contains(&format!("version {PROTOCOL_VERSION}")),
        "{text}"
    );
    assert_eq!(f.app.counts().total(), 0);
}

#[test]
fn an_agent_writing_garbage_fails_the_start_without_hanging() {
    let f = Fixture::new(&few_seconds());
    let mut config = f.cluster_config(1);
    config.agent_command = fake_agent(f.dir.path(), b"Listening on port 8080\n");
    let err = run_error(&f, config);
    assert!(
        matches!(err, ClusterError::AgentFailed { index: 0, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("where a frame should start"),
        "{err}"
    );
}

#[test]
fn a_silent_agent_times_out() {
    let f = Fixture::new(&few_seconds());
    let mut config = f.cluster_config(1);
    config.agent_command = fake_agent(f.dir.path(), b"");
    config.startup_timeout = std::time::Duration::from_millis(500);
    let err = run_error(&f, config);
    assert!(
        matches!(err, ClusterError::Timeout { index: 0, .. }),
        "{err:?}"
    );
}

#[test]
fn an_agent_that_cannot_load_the_scenario_refuses_with_the_reason() {
    let f = Fixture::new(&few_seconds());
    let mut config = f.cluster_config(2);
    config.scenario = stampede_cluster::ScenarioSource::Path {
        path: f.dir.path().join("missing.xml"),
    };
    let err = run_error(&f, config);
    assert!(matches!(err, ClusterError::Refused { .. }), "{err:?}");
    assert!(err.to_string().contains("missing.xml"), "{err}");
}
