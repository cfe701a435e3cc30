//! Every broken fixture is refused, and its rendered diagnostics are snapshot-tested: the
//! place (file:line:col, caret), the message and the advice are all part of the contract.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use stampede_scenario::{Severity, render};

fn rendered(name: &str) -> String {
    let f = load_err(&format!("broken/{name}.xml"));
    render(&f.diagnostics, &f.sources, false)
}

macro_rules! broken {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                insta::assert_snapshot!(stringify!($name), rendered(stringify!($name)));
            }
        )*
    };
}

broken!(
    structure_typos,
    structure_order,
    numbers,
    phases,
    shares,
    options,
    variables,
    patterns,
    requests,
    markers,
    protocols,
    flow,
    xml_syntax,
    unclosed,
    include_error,
    servers,
    proxy,
    snippets,
);

#[test]
fn every_broken_fixture_has_a_snapshot_test() {
    let mut names: Vec<String> = std::fs::read_dir(fixture("broken"))
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            (p.extension()? == "xml").then(|| p.file_stem().unwrap().to_string_lossy().into_owned())
        })
        .collect();
    names.sort();
    let tested = [
        "flow",
        "include_error",
        "markers",
        "numbers",
        "options",
        "patterns",
        "phases",
        "protocols",
        "proxy",
        "requests",
        "servers",
        "shares",
        "snippets",
        "structure_order",
        "structure_typos",
        "unclosed",
        "variables",
        "xml_syntax",
    ];
    assert_eq!(names, tested);
}

#[test]
fn all_problems_are_reported_in_one_pass_in_file_order() {
    let f = load_err("broken/numbers.xml");
    assert!(f.errors().count() >= 10);
    let lines: Vec<u32> = f.diagnostics.iter().map(|d| d.line).collect();
    let mut sorted = lines.clone();
    sorted.sort_unstable();
    assert_eq!(lines, sorted);
}

#[test]
fn diagnostics_carry_file_line_column_and_span() {
    let f = load_err("broken/structure_typos.xml");
    let d = &f.diagnostics[0];
    assert_eq!(d.code, "unknown-element");
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(
        d.file.as_deref(),
        Some(fixture("broken/structure_typos.xml").as_path())
    );
    assert_eq!((d.line, d.col), (17, 8));
    assert_eq!(f.sources.slice(d.span.unwrap()), "thinkTime");
    assert_eq!(d.help.as_deref(), Some("did you mean `<thinktime>`?"));
    assert_eq!(
        d.to_string(),
        "tests/fixtures/broken/structure_typos.xml:17:8: error: unknown element `<thinkTime>`"
    );
}

#[test]
fn errors_inside_an_included_file_point_into_that_file() {
    let f = load_err("broken/include_error.xml");
    let inner = f
        .diagnostics
        .iter()
        .find(|d| d.code == "unknown-attribute")
        .unwrap();
    assert_eq!(
        inner.file.as_deref(),
        Some(fixture("broken/data/recorded_broken.xml").as_path())
    );
    assert_eq!((inner.line, inner.col), (4, 34));
}

#[test]
fn colour_is_only_added_on_request() {
    let f = load_err("broken/servers.xml");
    let plain = render(&f.diagnostics, &f.sources, false);
    let coloured = render(&f.diagnostics, &f.sources, true);
    assert!(!plain.contains('\x1b'));
    assert!(coloured.contains("\x1b[1;31merror[bad-port]"));
    let stripped = regex::Regex::new("\x1b\\[[0-9;]*m")
        .unwrap()
        .replace_all(&coloured, "");
    assert_eq!(stripped, plain);
}

#[test]
fn unsupported_protocol_children_do_not_cascade() {
    let f = load_err("broken/protocols.xml");
    assert_eq!(
        error_codes(&f),
        vec![
            "unsupported-protocol",
            "unsupported-protocol",
            "unsupported-protocol"
        ]
    );
}

#[test]
fn unreadable_file_is_one_diagnostic_without_place() {
    let f = load_err("broken/does_not_exist.xml");
    assert_eq!(f.diagnostics.len(), 1);
    assert_eq!(f.diagnostics[0].code, "unreadable");
    assert!(f.diagnostics[0].span.is_none());
    assert_eq!(
        render(&f.diagnostics, &f.sources, false),
        "error[unreadable]: cannot read `tests/fixtures/broken/does_not_exist.xml`: no such file\n\n"
    );
}
