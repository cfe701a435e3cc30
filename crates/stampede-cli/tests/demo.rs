//! `stampede demo`: the bundled scenario against the built-in app, shortened with the hidden
//! `--duration`; the counts it prints agree.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;

/// The two numbers of `Cross-check: the target app counted N requests; Stampede counted M`.
fn counts(stdout: &str) -> (u64, u64) {
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Cross-check: the target app counted "))
        .unwrap_or_else(|| panic!("no cross-check line: {stdout}"));
    let (app, rest) = line.split_once(" requests; Stampede counted ").unwrap();
    let ours: String = rest.chars().take_while(char::is_ascii_digit).collect();
    (app.parse().unwrap(), ours.parse().unwrap())
}

#[test]
fn demo_runs_from_anywhere_and_the_counts_agree() {
    let sandbox = Sandbox::new();
    let logs = sandbox.logs();
    // From a directory without examples/: the scenario is built into the binary.
    let out = sandbox
        .cmd(&[
            "demo",
            "-n",
            "-l",
            logs.to_str().unwrap(),
            "--duration",
            "2s",
            "--interval",
            "1s",
        ])
        .current_dir(sandbox.dir.path())
        .output()
        .unwrap();
    let (stdout, _) = succeeded(&out);
    let (app, ours) = counts(&stdout);
    assert!(ours > 0, "{stdout}");
    assert_eq!(app, ours, "{stdout}");
    assert!(stdout.contains("(they agree)"), "{stdout}");

    let dir = sandbox.run_dir();
    assert!(stdout.contains(&format!("The results are in {}/", dir.display())));
    assert!(stdout.contains(&format!("file://{}", dir.join("report.html").display())));
    for name in [
        "demo.xml",
        "tsung.log",
        "stats.json",
        "report.html",
        "timeseries.csv",
    ] {
        assert!(dir.join(name).is_file(), "{name} missing");
    }
    let bundled = include_str!("../../../examples/demo.xml");
    assert_eq!(
        std::fs::read_to_string(dir.join("demo.xml")).unwrap(),
        bundled
    );
    let stats = stats(&dir);
    assert_eq!(requests(&stats), ours);
    assert_eq!(stats["run"]["outcome"]["reason"], "duration_reached");
    assert_eq!(stats["run"]["scenario"]["name"], "demo");
    check_tsung_log(&dir.join("tsung.log"));
}
