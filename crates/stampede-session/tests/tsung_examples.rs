//! Tsung's own HTTP example scenarios, loaded by `stampede-scenario`, run end to end against a
//! scripted server: every session must finish and every request must be well formed.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod common;

use common::*;
use stampede_model::SessionId;
use stampede_scenario::{LoadOptions, load_file};
use stampede_session::{Outcome, Program, User};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Tsung's example corpus beside the checkout (`../shared/tsung-examples`); a fresh clone
/// elsewhere has none, and these tests then skip with a note.
fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/tsung-examples")
}

fn corpus_absent() -> bool {
    let absent = !examples_dir().is_dir();
    if absent {
        println!(
            "note: {} is absent; Tsung-example tests skipped",
            examples_dir().display()
        );
    }
    absent
}

/// A response that satisfies what the examples look for: a digest challenge, a hidden input,
/// a cookie, a redirect, some JSON-looking text.
const RESPONSE: &str = "HTTP/1.1 200 OK\r\n\
    WWW-Authenticate: Digest realm=\"testrealm@host.com\", qop=\"auth\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"\r\n\
    Set-Cookie: sid=42; path=/\r\n\
    Location: http://127.0.0.1:8080/next\r\n\
    Content-Type: text/html\r\n\r\n\
    <html><body><form><input type=\"hidden\" name=\"random_num\" value=\"42\"></form>\
    <a href=\"/a\">a</a></body></html>";

fn run_example(file: &str) -> Vec<Transcript> {
    let path = examples_dir().join(file);
    let loaded = load_file(&path, &LoadOptions::default())
        .unwrap_or_else(|f| panic!("{file} does not load: {:?}", f.diagnostics));
    let program = Arc::new(Program::new(Arc::new(loaded.scenario)));
    let mut out = Vec::new();
    for s in 0..program.scenario().sessions.len() {
        let mut host = FakeHost::new();
        let mut user = User::new(Arc::clone(&program), SessionId(s as u32), 1, 9);
        let t = drive(&mut user, &mut host, Duration::from_millis(3), |_| {
            Reply::Ok(RESPONSE.to_owned())
        });
        for sent in &t.sent {
            let line = sent.text.lines().next().unwrap();
            let parts: Vec<&str> = line.split(' ').collect();
            assert_eq!(parts.len(), 3, "{file}: {line}");
            assert!(
                parts[2] == "HTTP/1.1" || parts[2] == "HTTP/1.0",
                "{file}: {line}"
            );
            // `Host` second, or third after Tsung's `If-Modified-Since`.
            let mut lines = sent.text.lines().skip(1);
            let second = lines.next().unwrap();
            let host = if second.starts_with("If-Modified-Since: ") {
                lines.next().unwrap()
            } else {
                second
            };
            assert!(host.starts_with("Host: "), "{file}: {}", sent.text);
            assert!(sent.text.contains("\r\n\r\n"));
        }
        assert!(
            t.outcome.is_some() || t.stop_test,
            "{file}: session {s} did not finish"
        );
        out.push(t);
    }
    out
}

#[test]
fn http_simple_sends_what_tsung_sends() {
    if corpus_absent() {
        return;
    }
    let t = run_example("http_simple.xml");
    assert_eq!(t[0].outcome, Some(Outcome::Completed));
    assert_eq!(
        t[0].lines(),
        vec![
            "GET / HTTP/1.1",
            "GET /images/accueil1.gif HTTP/1.1",
            "GET /images/accueil2.gif HTTP/1.1",
            "GET /images/accueil3.gif HTTP/1.1",
            "GET /index.en.html HTTP/1.1",
        ]
    );
    // The first request carries no cookie; the following ones send the one set.
    assert!(!t[0].sent[0].text.contains("Cookie"));
    assert!(
        t[0].sent[1]
            .text
            .contains("If-Modified-Since: Fri, 14 Nov 2003 02:43:31 GMT\r\nHost: ")
    );
    assert!(t[0].sent[1].text.contains("Cookie: sid=42\r\n"));
}

#[test]
fn other_http_examples_run_to_their_end() {
    if corpus_absent() {
        return;
    }
    let mut ran = 0;
    for file in [
        "http_setdynvars.xml",
        "http-digest.xml",
        "http-oauth.xml",
        "http_distributed.xml",
        "thinks.xml",
        "thinks2.xml",
        "http_tag.xml",
    ] {
        let path = examples_dir().join(file);
        if let Err(f) = load_file(&path, &LoadOptions::default()) {
            // Some examples refer to files that are not shipped with them (CSV data).
            println!("{file} skipped: {:?}", f.errors().next());
            continue;
        }
        ran += 1;
        run_example(file);
    }
    assert!(ran >= 3, "only {ran} examples loaded");
}

#[test]
fn digest_example_answers_the_challenge() {
    if corpus_absent() {
        return;
    }
    let t = run_example("http-digest.xml");
    let texts: Vec<&str> = t.iter().flat_map(|x| x.requests()).collect();
    assert!(
        texts
            .iter()
            .any(|r| r.contains("Authorization: Digest username=")),
        "{texts:#?}"
    );
}

#[test]
fn setdynvars_example_with_its_data_file() {
    if corpus_absent() {
        return;
    }
    // The example reads ./src/test/test_file_server.csv, which is not shipped with it.
    let dir = tempfile::tempdir().unwrap();
    let xml = std::fs::read(examples_dir().join("http_setdynvars.xml")).unwrap();
    std::fs::write(dir.path().join("http_setdynvars.xml"), xml).unwrap();
    std::fs::create_dir_all(dir.path().join("src/test")).unwrap();
    std::fs::write(
        dir.path().join("src/test/test_file_server.csv"),
        "alice;secret\nbob;hunter2\n",
    )
    .unwrap();
    let loaded = load_file(
        &dir.path().join("http_setdynvars.xml"),
        &LoadOptions::default(),
    )
    .unwrap_or_else(|f| panic!("{:?}", f.diagnostics));
    let program = Arc::new(Program::new(Arc::new(loaded.scenario)));
    let session = program.scenario().session_by_name("http_test_1").unwrap();
    let mut host = FakeHost::new();
    let mut user = User::new(program, session, 1, 4);
    let t = drive(&mut user, &mut host, Duration::from_millis(3), |_| {
        ok("", "<html><head><title>Hello</title></head></html>")
    });
    assert_eq!(t.outcome, Some(Outcome::Completed));
    let first = &t.sent[0].text;
    assert!(
        first.contains("\r\nUser-Agent: pseudo googlebot\r\n"),
        "{first}"
    );
    assert!(first.contains("\r\ncache-control: no-cache\r\n"), "{first}");
    let third = t.lines()[2].clone();
    assert!(
        third.starts_with("GET /index.html?toto=Hello&user=alice&password=secret&id="),
        "{third}"
    );
    assert!(third.ends_with("&id2=1700000000-1 HTTP/1.1"), "{third}");
}
