//! `dumptraffic="protocol"` / `"protocol_local"`: `tsung.dump` in the run directory, Tsung's
//! header and one line per response, agreeing with `stats.json` and `tsung.log`, from one
//! process or from several.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

const HEADER: &str =
    "#date;pid;id;http method;host;URL;HTTP status;size;duration;transaction;match;error;tag";

/// Up to 6 users arriving in the first 0.3 s plus one static user; each makes 3 requests, one
/// of them to a page the app does not have.
fn scenario(dumptraffic: &str) -> String {
    scenario_xml(
        r#"<arrivalphase phase="1" duration="300" unit="millisecond">
             <users arrivalrate="100" unit="second" maxnumber="6"/>
           </arrivalphase>
           <user session="browse" start_time="100" unit="millisecond"/>"#,
        r#"<request tag="home"><http url="/"/></request>
           <transaction name="check"><request><http url="/health"/></request></transaction>
           <request><http url="/no-such-page?x=1" method="POST" contents="a=b"/></request>"#,
    )
    .replace(
        r#"<tsung loglevel="notice">"#,
        &format!(r#"<tsung loglevel="notice" dumptraffic="{dumptraffic}">"#),
    )
}

/// One parsed `tsung.dump` line.
#[derive(Debug)]
struct Line {
    date: f64,
    pid: String,
    id: u64,
    method: String,
    host: String,
    url: String,
    status: String,
    size: u64,
    duration_ms: f64,
    transaction: String,
    matched: String,
    error: String,
    tag: String,
}

fn parse(text: &str) -> Vec<Line> {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(HEADER), "{text}");
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(';').collect();
            assert_eq!(f.len(), 13, "{l}");
            let duration = f[8];
            // Milliseconds with three decimals.
            assert_eq!(duration.split_once('.').unwrap().1.len(), 3, "{l}");
            Line {
                date: f[0].parse().unwrap(),
                pid: f[1].to_owned(),
                id: f[2].parse().unwrap(),
                method: f[3].to_owned(),
                host: f[4].to_owned(),
                url: f[5].to_owned(),
                status: f[6].to_owned(),
                size: f[7].parse().unwrap(),
                duration_ms: duration.parse().unwrap(),
                transaction: f[9].to_owned(),
                matched: f[10].to_owned(),
                error: f[11].to_owned(),
                tag: f[12].to_owned(),
            }
        })
        .collect()
}

/// Checks `tsung.dump` of `dir` against `stats.json` and `tsung.log`.
fn check_dump(dir: &Path, host: &str, (before, after): (f64, f64)) {
    let text = std::fs::read_to_string(dir.join("tsung.dump")).unwrap();
    let lines = parse(&text);
    let stats = stats(dir);
    let n = requests(&stats);
    let users = stats["totals"]["counters"]["users_count"].as_u64().unwrap();
    assert!(users >= 2, "{users}");
    assert_eq!(n, users * 3, "every user made its 3 requests");
    assert_eq!(lines.len() as u64, n, "one line per request:\n{text}");
    let (_, logged) = check_tsung_log(&dir.join("tsung.log"));
    assert_eq!(logged, lines.len() as u64);

    // Status codes agree with stats.json.
    let mut codes: BTreeMap<String, u64> = BTreeMap::new();
    for l in &lines {
        *codes.entry(l.status.clone()).or_default() += 1;
    }
    let want: BTreeMap<String, u64> = stats["totals"]["status"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .collect();
    assert_eq!(codes, want);
    assert_eq!(codes.get("200"), Some(&(users * 2)), "{codes:?}");
    assert_eq!(codes.get("404"), Some(&users), "{codes:?}");

    let mut per_user: BTreeMap<u64, Vec<&Line>> = BTreeMap::new();
    for l in &lines {
        assert_eq!(l.pid, format!("<0.{}.0>", l.id), "{l:?}");
        assert_eq!(l.host, host, "{l:?}");
        assert!(l.size > 0, "{l:?}");
        assert!(l.duration_ms >= 0.0, "{l:?}");
        // Epoch seconds, within the run.
        assert!(
            l.date >= before && l.date <= after,
            "{l:?} {before} {after}"
        );
        assert_eq!(l.matched, "", "{l:?}");
        assert_eq!(l.error, "", "{l:?}");
        per_user.entry(l.id).or_default().push(l);
    }
    assert_eq!(per_user.len() as u64, users);
    for (id, mut ls) in per_user {
        ls.sort_by(|a, b| a.date.total_cmp(&b.date));
        let got: Vec<(&str, &str, &str, &str, &str)> = ls
            .iter()
            .map(|l| {
                (
                    l.method.as_str(),
                    l.url.as_str(),
                    l.status.as_str(),
                    l.transaction.as_str(),
                    l.tag.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("get", "/", "200", "-", "home"),
                ("get", "/health", "200", "tr_check", ""),
                ("post", "/no-such-page?x=1", "404", "-", ""),
            ],
            "user {id}"
        );
    }
}

#[test]
fn protocol_dump_has_one_line_per_request() {
    let sandbox = Sandbox::new();
    let app = app();
    let file = sandbox.scenario("dump.xml", &scenario("protocol"));
    let before = unix_now();
    let out = sandbox.start(
        &file,
        &target(&app),
        &["--interval", "1s", "--seed", "3", "--workers", "2"],
    );
    let after = unix_now();
    succeeded(&out);
    // The host column is the scenario's server (`--target` only moves the connections).
    check_dump(&sandbox.run_dir(), "localhost", (before, after));
    app.shutdown_blocking();
}

#[test]
fn protocol_local_dump_from_several_processes_lands_in_one_file() {
    let sandbox = Sandbox::new();
    let app = app();
    let file = sandbox.scenario("dump.xml", &scenario("protocol_local"));
    let before = unix_now();
    let out = sandbox.start(
        &file,
        &target(&app),
        &["--interval", "1s", "--seed", "4", "--processes", "2"],
    );
    let after = unix_now();
    succeeded(&out);
    let dir = sandbox.run_dir();
    check_dump(&dir, "localhost", (before, after));
    // No per-process files.
    let others: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".dump"))
        .collect();
    assert_eq!(others, ["tsung.dump"]);
    app.shutdown_blocking();
}

#[test]
fn no_dump_without_the_attribute() {
    let sandbox = Sandbox::new();
    let app = app();
    let file = sandbox.scenario("dump.xml", &scenario("false"));
    let out = sandbox.start(&file, &target(&app), &["--seed", "3"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!sandbox.run_dir().join("tsung.dump").exists());
    app.shutdown_blocking();
}

#[test]
fn ctrl_c_leaves_a_complete_dump() {
    let sandbox = Sandbox::new();
    let app = app();
    let xml = endless(3).replace(
        r#"<tsung loglevel="notice">"#,
        r#"<tsung loglevel="notice" dumptraffic="protocol">"#,
    );
    let file = sandbox.scenario("endless.xml", &xml);
    let running = sandbox.spawn_start(
        &file,
        &target(&app),
        &["--interval", "1s", "--workers", "2"],
    );
    assert!(
        wait_until(|| app.counts().total() >= 20),
        "the run did not start: {}\n{}",
        running.stdout(),
        running.stderr()
    );
    running.signal(nix::sys::signal::Signal::SIGINT);
    let (status, stdout, stderr) = running.wait();
    assert_eq!(status.code(), Some(3), "{stdout}\n{stderr}");
    let dir = sandbox.run_dir();
    let text = std::fs::read_to_string(dir.join("tsung.dump")).unwrap();
    let lines = parse(&text);
    let n = requests(&stats(&dir));
    assert!(n >= 20, "{n}");
    assert_eq!(
        lines.len() as u64,
        n,
        "every measured response is in the dump"
    );
    assert!(text.ends_with('\n'));
    assert!(
        lines
            .iter()
            .all(|l| l.url == "/health" && l.status == "200")
    );
    app.shutdown_blocking();
}
