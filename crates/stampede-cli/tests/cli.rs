//! The `stampede` binary: Tsung-style arguments, exit codes, where output goes.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../stampede-scenario/tests/fixtures")
        .join(name)
}

fn stampede(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stampede"))
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .unwrap()
}

/// The binary with `home` as its HOME.
fn stampede_at_home(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stampede"))
        .args(args)
        .env("HOME", home)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn help_shows_examples_and_version_flag_is_dash_v() {
    let out = stampede(&["--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    assert!(help.contains("stampede -f scenario.xml start"), "{help}");
    assert!(help.contains("-x, --exclude-tags"), "{help}");
    for command in [
        "start", "stop", "status", "demo", "report", "validate", "explain",
    ] {
        assert!(
            help.contains(&format!("\n  {command} ")),
            "{command}: {help}"
        );
    }
    assert!(help.contains("Exit status:"), "{help}");
    assert!(
        help.contains("  3  the run was stopped before its end"),
        "{help}"
    );
    assert!(help.contains("--target <HOST:PORT>"), "{help}");
    // The demo's test knob stays out of the help.
    assert!(!help.contains("--duration"), "{help}");
    for command in [
        "start", "stop", "status", "demo", "report", "validate", "explain",
    ] {
        let out = stampede(&[command, "--help"]);
        assert!(out.status.success());
        let help = text(&out.stdout);
        assert!(help.contains("Examples:\n  stampede"), "{command}: {help}");
    }
    assert!(!text(&stampede(&["demo", "--help"]).stdout).contains("--duration"));
    let out = stampede(&["-v"]);
    assert!(out.status.success());
    assert!(
        text(&out.stdout).starts_with("stampede "),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn validate_valid_and_invalid_files() {
    let good = fixture("rails_full.xml");
    let bad = fixture("broken/servers.xml");
    let out = stampede(&["validate", good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("valid: "));
    let out = stampede(&["validate", good.to_str().unwrap(), bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(stdout.lines().nth(1).unwrap().starts_with("invalid: "));
    assert!(stdout.contains("(2 errors)"), "{stdout}");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("error[bad-port]: port 70000 is out of range"),
        "{stderr}"
    );
    // Not a terminal: no colour.
    assert!(!stderr.contains('\x1b'));
}

#[test]
fn warnings_are_printed_for_valid_files() {
    let out = stampede(&["validate", fixture("tsung_log_copy.xml").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let out = stampede(&[
        "-x",
        "nothing",
        "validate",
        fixture("rails_full.xml").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).contains("warning[unused-tag]"),
        "{}",
        text(&out.stderr)
    );
    // Its `backend="json"` is warned about too, and its four unmonitored `<monitor>` parts.
    assert!(
        text(&out.stderr).contains("warning[unsupported-backend]"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        text(&out.stderr)
            .matches("warning[unsupported-monitor]")
            .count(),
        4,
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("(6 warnings)"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn explain_prints_the_summary_on_stdout() {
    let out = stampede(&["explain", fixture("weighted_shop.xml").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Sessions"), "{stdout}");
    assert!(stdout.contains("buyer"), "{stdout}");
    // The load-time warning goes to stderr too.
    assert!(text(&out.stderr).contains("phase-never-starts"));
    let out = stampede(&["explain", fixture("broken/phases.xml").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).is_empty());
}

#[test]
fn start_refuses_an_invalid_scenario_before_creating_anything() {
    let home = tempfile::tempdir().unwrap();
    let bad = fixture("broken/servers.xml");
    let out = stampede_at_home(home.path(), &["-f", bad.to_str().unwrap(), "-n", "start"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("cannot run (2 errors)"),
        "{}",
        text(&out.stderr)
    );
    assert!(!home.path().join(".stampede/log").exists());
}

#[test]
fn dash_f_dash_reads_standard_input() {
    let xml = std::fs::read(fixture("weighted_shop.xml")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_stampede"))
        .args(["-f", "-", "validate"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&xml).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("valid: <stdin>"));
    assert!(
        text(&out.stderr).contains("--> <stdin>:13:"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn default_scenario_file_is_looked_up_in_home() {
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| stampede_at_home(home.path(), args);
    let out = run(&["validate"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains(".stampede/tsung.xml"),
        "{}",
        text(&out.stderr)
    );
    std::fs::create_dir(home.path().join(".tsung")).unwrap();
    std::fs::copy(
        fixture("weighted_shop.xml"),
        home.path().join(".tsung/tsung.xml"),
    )
    .unwrap();
    let out = run(&["validate"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(".tsung/tsung.xml"));
}

#[test]
fn stop_and_status_without_a_run() {
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| stampede_at_home(home.path(), args);
    let out = run(&["stop"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("Stampede is not started: nothing to stop"));
    let out = run(&["-i", "bench1", "status"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "Stampede is not started\n");
}

#[test]
fn report_without_stats_json_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let out = stampede(&["report", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("has no stats.json"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn bad_usage_exits_with_2() {
    assert_eq!(stampede(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(stampede(&[]).status.code(), Some(2));
}
