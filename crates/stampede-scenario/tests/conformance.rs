//! Conformance over Tsung's own example scenarios (`/work/shared/tsung-examples`): every HTTP
//! example gets Tsung's verdict, and every other protocol gets exactly one "not supported"
//! diagnostic per session.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod common;

use stampede_scenario::{Diagnostic, LoadOptions, load_file, render};
use std::path::{Path, PathBuf};

fn examples() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/tsung-examples");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!(
            "note: {} is absent; conformance tests skipped",
            dir.display()
        );
        None
    }
}

fn codes(diags: &[Diagnostic], errors: bool) -> Vec<&'static str> {
    let mut c: Vec<&str> = diags
        .iter()
        .filter(|d| d.is_error() == errors)
        .map(|d| d.code)
        .collect();
    c.sort_unstable();
    c
}

/// Expected outcome per example: `Ok(warning codes)` or `Err(error codes)`, sorted.
fn expected(file: &str) -> Result<Vec<&'static str>, Vec<&'static str>> {
    let unsupported = |n: usize| Err(vec!["unsupported-protocol"; n]);
    match file {
        "http_tag.xml" => Ok(vec![]),
        // `<monitor host="myserver" type="snmp">`: SNMP monitoring is not supported.
        "http_simple.xml" => Ok(vec!["unsupported-monitor"]),
        // `dumptraffic="true"`: no raw packet dump.
        "http-digest.xml" => Ok(vec!["unsupported-dumptraffic"]),
        // `%%access_token_secret%%` lacks the underscore: Tsung drops the rest of the value.
        "http-oauth.xml" => Ok(vec![
            "unsupported-dumptraffic",
            "unterminated-marker",
            "unterminated-marker",
        ]),
        // Needs ./src/test/test_file_server.csv, which Tsung refuses to miss (bad_filename).
        "http_setdynvars.xml" => Err(vec!["missing-file"]),
        // Tsung refuses it: probabilities add up to 60. It also needs the CSV and the user
        // module `symbol`.
        "http_distributed.xml" => Err(vec!["erlang-module", "missing-file", "probability-sum"]),
        // Jabber scenarios reading a CSV from a developer's home directory.
        "bosh.xml" | "jabber_starttls.xml" => Err(vec!["missing-file", "unsupported-protocol"]),
        "jabber.xml" => unsupported(4),
        "amqp.xml" | "mqtt.xml" | "jabber_node.xml" => unsupported(2),
        "fs-nfs.xml"
        | "jabber_muc.xml"
        | "jabber_privacy.xml"
        | "jabber_register.xml"
        | "jabber_roster.xml"
        | "ldap.xml"
        | "mysql.xml"
        | "pgsql.xml"
        | "raw.xml"
        | "thinks.xml"
        | "thinks2.xml"
        | "websocket.xml" => unsupported(1),
        other => panic!("no expectation for {other}"),
    }
}

#[test]
fn every_example_gets_its_verdict() {
    let Some(dir) = examples() else { return };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 24, "the corpus has 24 scenarios");
    for path in files {
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let got = load_file(&path, &LoadOptions::default());
        match (expected(&name), got) {
            (Ok(warnings), Ok(loaded)) => {
                assert_eq!(codes(&loaded.warnings, false), warnings, "{name}");
            }
            (Err(errors), Err(failed)) => {
                assert_eq!(
                    codes(&failed.diagnostics, true),
                    errors,
                    "{name}:\n{}",
                    render(&failed.diagnostics, &failed.sources, false)
                );
            }
            (Ok(_), Err(failed)) => panic!(
                "{name} should load:\n{}",
                render(&failed.diagnostics, &failed.sources, false)
            ),
            (Err(_), Ok(_)) => panic!("{name} should be refused"),
        }
    }
}

#[test]
fn unsupported_sessions_get_one_diagnostic_each_on_their_type() {
    let Some(dir) = examples() else { return };
    let failed = load_file(&dir.join("jabber.xml"), &LoadOptions::default()).unwrap_err();
    assert_eq!(failed.diagnostics.len(), 4);
    for d in &failed.diagnostics {
        assert_eq!(
            d.message,
            "sessions of type ts_jabber are not supported: Stampede runs HTTP scenarios"
        );
        assert_eq!(failed.sources.slice(d.span.unwrap()), "ts_jabber");
    }
}

/// With the CSV that upstream keeps in its source tree, http_setdynvars.xml loads, and
/// http_distributed.xml is still refused for its own two reasons.
#[test]
fn with_the_missing_csv_only_the_real_problems_remain() {
    let Some(dir) = examples() else { return };
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("src/test")).unwrap();
    std::fs::write(
        tmp.path().join("src/test/test_file_server.csv"),
        "user1;password1\nuser2;password2\n",
    )
    .unwrap();
    for f in ["http_setdynvars.xml", "http_distributed.xml"] {
        std::fs::copy(dir.join(f), tmp.path().join(f)).unwrap();
    }
    let loaded = load_file(
        &tmp.path().join("http_setdynvars.xml"),
        &LoadOptions::default(),
    )
    .unwrap();
    let s = &loaded.scenario;
    assert_eq!(s.sessions.len(), 2);
    assert_eq!(s.load.loop_count, 2);
    assert_eq!(
        s.load.phases.iter().map(|p| p.number).collect::<Vec<_>>(),
        vec![1, 3]
    );
    assert_eq!(s.load.phases[1].session_setup.len(), 2);
    assert_eq!(s.options.file_servers[0].lines.len(), 2);
    assert_eq!(s.options.user_agents[0].value, "Some browser version 42");
    let failed = load_file(
        &tmp.path().join("http_distributed.xml"),
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        codes(&failed.diagnostics, true),
        vec!["erlang-module", "probability-sum"]
    );
}

#[test]
fn tags_are_excluded_with_dash_x() {
    let Some(dir) = examples() else { return };
    let path = dir.join("http_tag.xml");
    let all = load_file(&path, &LoadOptions::default()).unwrap();
    assert_eq!(all.scenario.requests.len(), 4);
    let opts = LoadOptions {
        exclude_tags: vec!["landing".into(), "gif".into()],
    };
    let some = load_file(&path, &opts).unwrap();
    let urls: Vec<&str> = some
        .scenario
        .requests
        .iter()
        .map(|r| r.url.as_str())
        .collect();
    assert_eq!(urls, vec!["/", "/img/not-excluded.png"]);
    assert!(some.warnings.is_empty());
}
