//! `stampede start` against the target app: exit status, the run directory's files, the
//! counts agreeing with the app's, `-m -`, and `stampede report DIR`.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use std::path::Path;

/// Up to 8 users arriving in the first 0.5 s (at 100/s, so nearly always 8) plus one static
/// user; each makes 3 requests. About 1 s.
fn small_load() -> String {
    scenario_xml(
        r#"<arrivalphase phase="1" duration="500" unit="millisecond">
             <users arrivalrate="100" unit="second" maxnumber="8"/>
           </arrivalphase>
           <user session="browse" start_time="300" unit="millisecond"/>"#,
        r#"<request><http url="/"/></request>
           <thinktime value="0.3"/>
           <request><http url="/communities"/></request>
           <transaction name="health"><request><http url="/health"/></request></transaction>"#,
    )
}

#[test]
fn start_runs_the_scenario_and_writes_every_output() {
    let sandbox = Sandbox::new();
    let app = app();
    let file = sandbox.scenario("shop.xml", &small_load());
    let logs = sandbox.logs();
    let out = sandbox.start(
        &file,
        &target(&app),
        &["--interval", "1s", "--seed", "11", "--workers", "2"],
    );
    let (stdout, stderr) = succeeded(&out);

    let dir = sandbox.run_dir();
    assert!(
        stdout.starts_with(&format!("Log directory is: {}\n", dir.display())),
        "{stdout}"
    );
    for name in [
        "shop.xml",
        "tsung.log",
        "stats.json",
        "report.html",
        "timeseries.csv",
        "stampede.log",
    ] {
        assert!(dir.join(name).is_file(), "{name} missing in {dir:?}");
    }
    assert_eq!(
        std::fs::read(dir.join("shop.xml")).unwrap(),
        std::fs::read(&file).unwrap()
    );
    // No match fired: Tsung writes no match.log then either.
    assert!(!dir.join("match.log").exists());

    let stats = stats(&dir);
    let n = requests(&stats);
    assert!(n > 0);
    let users = stats["totals"]["counters"]["users_count"].as_u64().unwrap();
    assert!(
        users >= 2,
        "the static user and at least one arrival: {users}"
    );
    assert_eq!(n, users * 3, "every user made its 3 requests");
    let codes = sum(&stats["totals"]["status"]);
    let errors = sum(&stats["totals"]["errors"]);
    assert_eq!(n, codes + errors);
    assert_eq!(errors, 0, "{}", stats["totals"]["errors"]);
    assert_eq!(n, app.counts().total(), "the app served what was measured");
    assert_eq!(stats["run"]["seed"], 11);
    assert_eq!(stats["run"]["outcome"]["reason"], "finished");
    assert_eq!(stats["run"]["outcome"]["completed"], true);
    assert_eq!(stats["run"]["interval_s"], 1.0);
    assert_eq!(stats["run"]["scenario"]["name"], "shop");

    let (blocks, logged) = check_tsung_log(&dir.join("tsung.log"));
    assert_eq!(blocks, stats["intervals"].as_array().unwrap().len());
    assert_eq!(logged, n);

    // The summary went to stdout, the per-interval lines to stderr (not a terminal).
    assert!(
        stdout.contains("shop — completed (all phases finished)"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("Report: {}", dir.join("report.html").display())),
        "{stdout}"
    );
    assert!(
        stderr.contains("seed 11 (repeat the run with --seed 11)"),
        "{stderr}"
    );
    assert!(stderr.contains(" req/s · 0 errors"), "{stderr}");
    assert!(
        !stderr.contains('\x1b'),
        "no colours without a terminal: {stderr}"
    );
    // The instance files are gone; only the (unlocked) lock file stays.
    let run = sandbox.home().join(".stampede/run");
    assert!(!run.join("default.json").exists());
    assert!(!run.join("default.status.json").exists());

    // `stampede report DIR` rebuilds the report from stats.json alone.
    std::fs::remove_file(dir.join("report.html")).unwrap();
    std::fs::remove_file(dir.join("timeseries.csv")).unwrap();
    let out = sandbox.run(&["report", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains(&format!("Report: {}", dir.join("report.html").display()))
    );
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("<table"), "report.html has tables");
    assert!(dir.join("timeseries.csv").is_file());
    // Without DIR: the newest run under -l.
    let out = sandbox.run(&["-l", logs.to_str().unwrap(), "report"]);
    assert_eq!(out.status.code(), Some(0));
    app.shutdown_blocking();
}

#[test]
fn stats_on_stdout_with_dash_m_dash() {
    let sandbox = Sandbox::new();
    let app = app();
    let file = sandbox.scenario(
        "one.xml",
        &scenario_xml(
            r#"<user session="browse" start_time="0" unit="second"/>"#,
            r#"<request><http url="/health"/></request>
               <request><http url="/health"/></request>"#,
        ),
    );
    let out = sandbox.start(&file, &target(&app), &["-m", "-", "-w", "0.2"]);
    let (stdout, stderr) = succeeded(&out);
    // Standard output carries only tsung.log; every message went to standard error.
    assert!(stdout.starts_with("# stats: dump at "), "{stdout}");
    assert!(
        stdout
            .trim_end()
            .lines()
            .last()
            .unwrap()
            .starts_with("EndMonitor:")
    );
    assert!(stdout.contains("stats: request 2 "), "{stdout}");
    assert!(stderr.contains("Log directory is: "), "{stderr}");
    assert!(stderr.contains("completed"), "{stderr}");
    assert!(
        stderr.contains("warm-up: the first user starts in 0.2 s (-w)"),
        "{stderr}"
    );
    let dir = sandbox.run_dir();
    assert!(!dir.join("tsung.log").exists());
    assert!(dir.join("stats.json").is_file());
    app.shutdown_blocking();
}

#[test]
fn named_stats_file_and_stdin_scenario() {
    let sandbox = Sandbox::new();
    let app = app();
    let xml = scenario_xml(
        r#"<user session="browse" start_time="0" unit="second"/>"#,
        r#"<request><http url="/health"/></request>"#,
    );
    let logs = sandbox.logs();
    let mut cmd = sandbox.cmd(&[
        "-f",
        "-",
        "-n",
        "-m",
        "stats.log",
        "-l",
        logs.to_str().unwrap(),
        "--target",
        &target(&app),
        "start",
    ]);
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(xml.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = sandbox.run_dir();
    assert_eq!(
        std::fs::read_to_string(dir.join("tsung_stdin.xml")).unwrap(),
        xml
    );
    assert_eq!(check_tsung_log(&dir.join("stats.log")).1, 1);
    assert!(!dir.join("tsung.log").exists());
    assert_eq!(stats(&dir)["run"]["scenario"]["path"], "-");
    app.shutdown_blocking();
}

#[test]
fn an_unreachable_server_is_measured_not_fatal() {
    // A port nothing listens on: every connect is refused and counted; the run completes and
    // writes everything.
    let sandbox = Sandbox::new();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let file = sandbox.scenario(
        "down.xml",
        &scenario_xml(
            r#"<user session="browse" start_time="0" unit="second"/>"#,
            r#"<request><http url="/"/></request>"#,
        ),
    );
    let out = sandbox.start(&file, &format!("127.0.0.1:{port}"), &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = sandbox.run_dir();
    let stats = stats(&dir);
    assert_eq!(requests(&stats), 0);
    assert!(
        stats["totals"]["errors"]["error_connect_econnrefused"]
            .as_u64()
            .unwrap()
            >= 1,
        "{}",
        stats["totals"]["errors"]
    );
    check_tsung_log(&dir.join("tsung.log"));
    assert!(Path::new(&dir.join("report.html")).is_file());
}

#[test]
fn tls_failures_suggest_insecure_unless_given() {
    // An https server that is not one (the app speaks plain HTTP): every handshake fails.
    let sandbox = Sandbox::new();
    let app = app();
    let xml = scenario_xml(
        r#"<user session="browse" start_time="0" unit="second"/>"#,
        r#"<request><http url="/"/></request>"#,
    )
    .replace(r#"port="8080" type="tcp""#, r#"port="8443" type="ssl""#);
    let file = sandbox.scenario("tls.xml", &xml);
    let run = |extra: &[&str]| {
        let out = sandbox.start(&file, &target(&app), extra);
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let stderr = run(&[]);
    assert!(
        stderr.contains("TLS handshakes failed (error_connect_tls)")
            && stderr.contains("run again with --insecure"),
        "{stderr}"
    );
    let dir = sandbox.run_dirs()[0].clone();
    assert!(
        stats(&dir)["totals"]["errors"]["error_connect_tls"]
            .as_u64()
            .unwrap()
            >= 1
    );
    let stderr = run(&["--insecure"]);
    assert!(!stderr.contains("--insecure"), "{stderr}");
    app.shutdown_blocking();
}

#[test]
fn processes_spread_the_run_and_merge_exactly() {
    let sandbox = Sandbox::new();
    let app = app();
    let file = sandbox.scenario("spread.xml", &small_load());
    let out = sandbox.start(
        &file,
        &target(&app),
        &["--interval", "1s", "--seed", "5", "--processes", "3"],
    );
    let (_, stderr) = succeeded(&out);
    assert!(
        stderr.contains("3 generator processes, as requested"),
        "{stderr}"
    );
    let dir = sandbox.run_dir();
    let stats = stats(&dir);
    let n = requests(&stats);
    let users = stats["totals"]["counters"]["users_count"].as_u64().unwrap();
    assert!(users >= 2, "{users}");
    assert_eq!(
        n,
        users * 3,
        "every user of every process made its 3 requests"
    );
    assert_eq!(
        n,
        sum(&stats["totals"]["status"]) + sum(&stats["totals"]["errors"])
    );
    assert_eq!(
        n,
        app.counts().total(),
        "the app served what the processes measured"
    );
    let (_, logged) = check_tsung_log(&dir.join("tsung.log"));
    assert_eq!(logged, n);
    app.shutdown_blocking();
}
