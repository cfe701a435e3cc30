//! The generator's own machine is always monitored: a run writes its `cpu`, `freemem` and
//! `load` samples to `tsung.log` in Tsung's format (`stats: {cpu,"tsung_controller@HOST"} …`),
//! to `stats.json` and to the report; a `<monitor host="localhost">` adds `os_mon@localhost`,
//! a munin `<monitor>` the node's own name.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

use common::*;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;

/// A munin-node on 127.0.0.1:0 announcing itself as `fake.node`; it serves connections until
/// the test process ends.
fn fake_munin_node() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut busy = 0u64;
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let mut out = stream.try_clone().unwrap();
            let _ = out.write_all(b"# munin node at fake.node\n");
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                let answer = match line.trim() {
                    "config cpu" => {
                        "graph_args --base 1000 -r --lower-limit 0 --upper-limit 100\n.\n"
                            .to_owned()
                    }
                    "fetch cpu" => {
                        busy += 50;
                        format!("user.value {busy}\nidle.value 1000\n.\n")
                    }
                    "fetch memory" => {
                        "free.value 104857600\nbuffers.value 0\ncached.value 0\n.\n".to_owned()
                    }
                    "fetch load" => "load.value 0.75\n.\n".to_owned(),
                    _ => ".\n".to_owned(),
                };
                if out.write_all(answer.as_bytes()).is_err() {
                    break;
                }
            }
        }
    });
    port
}

/// About two seconds of light load, with a local, a remote and a munin `<monitor>`.
fn monitored_load(munin_port: u16) -> String {
    scenario_xml(
        r#"<arrivalphase phase="1" duration="2" unit="second">
             <users arrivalrate="5" unit="second" maxnumber="10"/>
           </arrivalphase>"#,
        r#"<request><http url="/health"/></request>
           <thinktime value="0.2"/>
           <request><http url="/health"/></request>"#,
    )
    .replace(
        "</servers>",
        &format!(
            r#"</servers>
  <monitoring>
    <monitor host="localhost" type="erlang"/>
    <monitor host="db.example.invalid" type="erlang"/>
    <monitor host="127.0.0.1" type="munin"><munin port="{munin_port}"/></monitor>
  </monitoring>"#
        ),
    )
}

/// Fields of a host sample line `stats: {metric,"node"} count mean stddev max min gmean gcount`.
fn host_lines<'a>(log: &'a str, metric: &str, node_prefix: &str) -> Vec<Vec<&'a str>> {
    let head = format!("stats: {{{metric},\"{node_prefix}");
    log.lines()
        .filter(|l| l.starts_with(&head))
        .map(|l| {
            let (key, values) = l["stats: ".len()..].split_once("} ").unwrap();
            assert!(key.ends_with('"'), "{l}");
            let fields: Vec<&str> = values.split(' ').collect();
            assert_eq!(fields.len(), 7, "{l}");
            for f in &fields {
                assert!(f.parse::<f64>().is_ok(), "not a number: {f} in {l}");
            }
            fields
        })
        .collect()
}

#[test]
fn a_run_monitors_its_own_machine() {
    let sandbox = Sandbox::new();
    let app = app();
    let file = sandbox.scenario("mon.xml", &monitored_load(fake_munin_node()));
    let out = sandbox.start(&file, &target(&app), &["--interval", "1s", "--seed", "3"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // The remote monitor is named in a warning; the run went on.
    assert!(
        stderr.contains("`db.example.invalid` is not monitored"),
        "{stderr}"
    );
    let dir = sandbox.run_dir();
    let log = std::fs::read_to_string(dir.join("tsung.log")).unwrap();
    check_tsung_log(&dir.join("tsung.log"));
    let blocks = log.matches("# stats: dump at ").count();
    assert!(blocks >= 2, "{log}");

    for metric in ["cpu", "freemem", "load"] {
        let lines = host_lines(&log, metric, "tsung_controller@");
        assert_eq!(lines.len(), blocks, "one {metric} line per block:\n{log}");
        // One reading per interval.
        assert!(lines.iter().all(|f| f[0] == "1"), "{metric}: {lines:?}");
        assert_eq!(
            host_lines(&log, metric, "os_mon@localhost").len(),
            blocks,
            "{log}"
        );
    }
    assert!(!log.contains("db.example.invalid"), "{log}");
    // The munin node, under the name it announced: 100 MB free, load 0.75.
    let free = host_lines(&log, "freemem", "fake.node");
    assert!(!free.is_empty(), "{log}");
    assert!(free.iter().any(|f| f[1] == "100.0"), "{free:?}");
    assert!(
        host_lines(&log, "load", "fake.node")
            .iter()
            .any(|f| f[1] == "0.75"),
        "{log}"
    );
    for f in host_lines(&log, "cpu", "tsung_controller@") {
        let cpu: f64 = f[1].parse().unwrap();
        assert!((0.0..=100.0).contains(&cpu), "cpu {cpu}");
    }
    let free: f64 = host_lines(&log, "freemem", "tsung_controller@")[0][1]
        .parse()
        .unwrap();
    assert!(free > 0.0, "freemem {free}");

    // stats.json: the same readings, per interval.
    let stats = stats(&dir);
    let intervals = stats["intervals"].as_array().unwrap();
    assert_eq!(intervals.len(), blocks);
    for iv in intervals {
        let monitor = iv["monitor"].as_array().unwrap();
        // The munin node adds a third entry once it answered.
        assert!((2..=3).contains(&monitor.len()), "{iv}");
        assert!(
            monitor[0]["node"]
                .as_str()
                .unwrap()
                .starts_with("tsung_controller@")
        );
        assert_eq!(monitor[1]["node"], "os_mon@localhost");
        assert!(monitor[0]["freemem"].as_f64().unwrap() > 0.0);
        assert!(monitor[0]["load"].as_f64().is_some());
    }
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("<h2>Server monitoring</h2>"));
    assert!(html.contains("cpu (%)"));

    tsung_stats_pl_reads(&dir.join("tsung.log"));
}

/// Tsung's report generator accepts the log and lists the controller host; skipped when Tsung
/// (or Perl's Template Toolkit) is absent.
fn tsung_stats_pl_reads(log: &std::path::Path) {
    let script = [
        "/usr/lib/x86_64-linux-gnu/tsung/bin/tsung_stats.pl",
        "/usr/lib/tsung/bin/tsung_stats.pl",
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|p| p.exists());
    let template = Command::new("perl")
        .args(["-MTemplate", "-e", "1"])
        .output()
        .is_ok_and(|o| o.status.success());
    let Some(script) = script.filter(|_| template) else {
        eprintln!("SKIPPED: tsung_stats.pl or Perl's Template module is absent");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(log, dir.path().join("tsung.log")).unwrap();
    let out = Command::new("perl")
        .arg(&script)
        .arg("--noplot")
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "tsung_stats.pl failed: {stderr}");
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("Server monitoring"), "no os_mon table");
    assert!(html.contains("cpu:os_mon@tsung_controller@"), "no cpu row");
}
