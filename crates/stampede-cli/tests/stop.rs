//! Stopping a running `start`: Ctrl-C (SIGINT) once stops gracefully, twice aborts; `stop -i
//! ID` from another process; `status -i ID` while running and after; one run per id.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use nix::sys::signal::Signal;
use stampede_testkit::{Fault, FaultRule};
use std::time::Duration;

/// Starts an endless run with `id`, and waits until the app has served some of its requests.
fn start_endless(
    sandbox: &Sandbox,
    app: &stampede_testkit::TargetApp,
    id: &str,
    users: u32,
) -> Running {
    let file = sandbox.scenario(&format!("{id}.xml"), &endless(users));
    let running = sandbox.spawn_start(
        &file,
        &target(app),
        &["-i", id, "--interval", "1s", "--workers", "2"],
    );
    assert!(
        wait_until(|| app.counts().total() >= 10),
        "the run did not start: {}\n{}",
        running.stdout(),
        running.stderr()
    );
    running
}

/// What every stopped run must leave: all files, and counts that add up. `users` arrive in
/// the first few milliseconds (at 100/s, so nearly always all of them).
fn check_outputs(sandbox: &Sandbox, users: u64) -> serde_json::Value {
    let dir = sandbox.run_dir();
    for name in ["tsung.log", "stats.json", "report.html", "timeseries.csv"] {
        assert!(dir.join(name).is_file(), "{name} missing");
    }
    let stats = stats(&dir);
    let n = requests(&stats);
    assert!(n >= 10);
    assert_eq!(n, sum(&stats["totals"]["status"]), "{}", stats["totals"]);
    // Users still running were cut, each counted once.
    let started = stats["totals"]["counters"]["users_count"].as_u64().unwrap();
    assert!(started >= 1 && started <= users, "{started}");
    assert_eq!(stats["totals"]["errors"]["error_abort"], started);
    assert_eq!(sum(&stats["totals"]["errors"]), started);
    let (_, logged) = check_tsung_log(&dir.join("tsung.log"));
    assert_eq!(logged, n);
    stats
}

#[test]
fn ctrl_c_stops_gracefully_and_writes_everything() {
    let sandbox = Sandbox::new();
    let app = app();
    let running = start_endless(&sandbox, &app, "sigint", 4);
    running.signal(Signal::SIGINT);
    let (status, stdout, stderr) = running.wait();
    assert_eq!(status.code(), Some(3), "{stdout}\n{stderr}");
    assert!(
        stderr.contains(
            "stopping (Ctrl-C): letting in-flight requests finish (Ctrl-C again to abort)"
        ),
        "{stderr}"
    );
    assert!(stdout.contains("NOT completed (interrupted)"), "{stdout}");
    let stats = check_outputs(&sandbox, 4);
    assert_eq!(stats["run"]["outcome"]["reason"], "interrupted");
    // Requests in flight were allowed to finish: the app served exactly what was measured.
    assert_eq!(requests(&stats), app.counts().total());
    app.shutdown_blocking();
}

#[test]
fn a_second_ctrl_c_aborts() {
    let sandbox = Sandbox::new();
    let app = app();
    // Slow answers: at any time most users wait for a response, which a graceful stop would
    // wait for and an abort does not.
    app.faults()
        .add(FaultRule::new(Fault::Delay(Duration::from_secs(3))).route("/health"))
        .unwrap();
    let file = sandbox.scenario("slow.xml", &endless(3));
    let mut running = sandbox.spawn_start(&file, &target(&app), &[]);
    running.line_after("Log directory is:");
    // Every user has started (and waits for its first answer).
    assert!(wait_until(|| {
        let out = sandbox.run(&["status"]);
        String::from_utf8_lossy(&out.stdout).contains("Current users:           3")
    }));
    running.signal(Signal::SIGINT);
    assert!(wait_until(|| running
        .stderr()
        .contains("stopping (Ctrl-C)")));
    running.signal(Signal::SIGINT);
    let (status, stdout, stderr) = running.wait();
    assert_eq!(status.code(), Some(4), "{stdout}\n{stderr}");
    assert!(stderr.contains("aborting (Ctrl-C)"), "{stderr}");
    let dir = sandbox.run_dir();
    for name in ["tsung.log", "stats.json", "report.html", "timeseries.csv"] {
        assert!(dir.join(name).is_file(), "{name} missing");
    }
    let stats = stats(&dir);
    assert_eq!(stats["run"]["outcome"]["reason"], "interrupted");
    assert!(
        stats["run"]["outcome"]["detail"]
            .as_str()
            .unwrap()
            .starts_with("aborted"),
        "{}",
        stats["run"]["outcome"]
    );
    assert_eq!(stats["totals"]["errors"]["error_abort"], 3);
    assert_eq!(
        requests(&stats),
        sum(&stats["totals"]["status"]),
        "{}",
        stats["totals"]
    );
    check_tsung_log(&dir.join("tsung.log"));
    app.shutdown_blocking();
}

#[test]
fn stop_and_status_from_another_process() {
    let sandbox = Sandbox::new();
    let app = app();
    let running = start_endless(&sandbox, &app, "shop-1", 3);

    // Another run with a different id would be fine; the same id is refused.
    let file = sandbox.scenario("again.xml", &endless(1));
    let second = sandbox.start(&file, &target(&app), &["-i", "shop-1"]);
    let err = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(5), "{err}");
    assert!(
        err.contains("another Stampede run with id `shop-1` is in progress (pid "),
        "{err}"
    );
    assert!(err.contains("stampede -i shop-1 stop"), "{err}");
    assert_eq!(
        sandbox.run_dirs().len(),
        1,
        "the refused run made no directory"
    );

    // status: Tsung's five lines once users are counted.
    let mut text = String::new();
    assert!(wait_until(|| {
        let out = sandbox.run(&["-i", "shop-1", "status"]);
        text = String::from_utf8_lossy(&out.stdout).into_owned();
        out.status.code() == Some(0) && text.contains("Current users:           3")
    }));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert_eq!(lines[0], "Stampede is running [OK]");
    assert!(lines[1].starts_with(" Current request rate:    "), "{text}");
    assert!(lines[1].ends_with(" req/sec"), "{text}");
    assert!(lines[3].starts_with(" Current connected users: "), "{text}");
    assert!(lines[4].starts_with(" Current phase:           "), "{text}");
    // Without -i: the default id, which is not running.
    let out = sandbox.run(&["status"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Stampede is not started\n"
    );

    // stop: graceful, waits for the exit.
    let out = sandbox.run(&["-i", "shop-1", "stop"]);
    let stop_out = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stop_out}");
    assert!(
        stop_out.starts_with("Stopping the run with id `shop-1` (pid "),
        "{stop_out}"
    );
    assert!(stop_out.ends_with("Stopped.\n"), "{stop_out}");
    let (status, stdout, stderr) = running.wait();
    assert_eq!(status.code(), Some(3), "{stdout}\n{stderr}");
    assert!(stderr.contains("stopping (SIGTERM)"), "{stderr}");
    let stats = check_outputs(&sandbox, 3);
    assert_eq!(stats["run"]["outcome"]["reason"], "stop_command");
    assert_eq!(requests(&stats), app.counts().total());

    let out = sandbox.run(&["-i", "shop-1", "status"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Stampede is not started\n"
    );
    let out = sandbox.run(&["-i", "shop-1", "stop"]);
    assert_eq!(out.status.code(), Some(1));
    app.shutdown_blocking();
}

#[test]
fn a_stale_instance_file_is_cleaned() {
    let sandbox = Sandbox::new();
    let run = sandbox.home().join(".stampede/run");
    std::fs::create_dir_all(&run).unwrap();
    // A record left by a process that died without cleaning up.
    std::fs::write(
        run.join("ghost.json"),
        r#"{"id":"ghost","pid":4194304,"run_dir":"/nowhere","started_at":"x","scenario":"s.xml"}"#,
    )
    .unwrap();
    let out = sandbox.run(&["-i", "ghost", "status"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Stampede is not started\n"
    );
    assert!(!run.join("ghost.json").exists());
}
