//! Helpers shared by the integration tests.
#![allow(dead_code)]

use stampede_model::{Action, Request, Scenario, Segment, Template};
use stampede_scenario::{Failed, LoadOptions, Loaded, load_file, load_str, render};
use std::path::{Path, PathBuf};

/// A fixture path relative to the crate (tests run from the crate directory), so paths in
/// rendered diagnostics are stable.
pub fn fixture(name: &str) -> PathBuf {
    Path::new("tests/fixtures").join(name)
}

pub fn load(name: &str) -> Result<Loaded, Failed> {
    load_file(&fixture(name), &LoadOptions::default())
}

pub fn load_ok(name: &str) -> Loaded {
    expect_loaded(&format!("{name} "), load(name))
}

pub fn load_err(name: &str) -> Failed {
    expect_refused(&format!("{name} "), load(name))
}

/// Loads inline XML, with relative files taken from the fixtures directory.
pub fn load_xml(xml: &str) -> Result<Loaded, Failed> {
    load_str(
        "inline.xml",
        Path::new("tests/fixtures"),
        xml,
        &LoadOptions::default(),
    )
}

pub fn xml_ok(xml: &str) -> Loaded {
    expect_loaded("", load_xml(xml))
}

pub fn xml_err(xml: &str) -> Failed {
    expect_refused("", load_xml(xml))
}

/// The loaded scenario, or a panic showing why `{what}` was refused.
fn expect_loaded(what: &str, result: Result<Loaded, Failed>) -> Loaded {
    match result {
        Ok(l) => l,
        Err(f) => panic!(
            "{what}should load:\n{}",
            render(&f.diagnostics, &f.sources, false)
        ),
    }
}

/// The refusal, or a panic showing the warnings `{what}` loaded with.
fn expect_refused(what: &str, result: Result<Loaded, Failed>) -> Failed {
    match result {
        Ok(l) => panic!(
            "{what}should be refused; warnings:\n{}",
            render(&l.warnings, &l.sources, false)
        ),
        Err(f) => f,
    }
}

/// The codes of the errors, in order.
pub fn error_codes(f: &Failed) -> Vec<&'static str> {
    f.diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.code)
        .collect()
}

pub fn warning_codes(l: &Loaded) -> Vec<&'static str> {
    l.warnings.iter().map(|d| d.code).collect()
}

/// Every request of every session, in document order.
pub fn requests(s: &Scenario) -> Vec<&Request> {
    let mut out = Vec::new();
    for session in &s.sessions {
        session.walk(|a| {
            if let Action::Request(r) = a {
                out.push(&**r);
            }
        });
    }
    out
}

/// The text of a template with variables written as `{name}` and calls as `{call()}`.
pub fn template_text(t: &Template, s: &Scenario) -> String {
    t.segments()
        .iter()
        .map(|seg| match seg {
            Segment::Literal(b) => String::from_utf8_lossy(b).into_owned(),
            Segment::Var(v) => format!("{{{}}}", s.variables.name(*v)),
            Segment::Call(c) => format!("{{{c}()}}"),
        })
        .collect()
}

/// The body of a request whose body has no variables.
pub fn literal_body(r: &Request) -> &[u8] {
    r.http.body.as_ref().unwrap().as_literal().unwrap()
}

/// A minimal scenario around some session content.
pub fn scenario(options: &str, session: &str) -> String {
    format!(
        r#"<?xml version="1.0"?>
<!DOCTYPE tsung SYSTEM "/usr/share/tsung/tsung-1.0.dtd">
<tsung loglevel="notice">
  <clients><client host="localhost" use_controller_vm="true"/></clients>
  <servers><server host="127.0.0.1" port="3000" type="tcp"/></servers>
  <load><arrivalphase phase="1" duration="1" unit="minute"><users arrivalrate="1" unit="second"/></arrivalphase></load>
  {options}
  <sessions>
    <session name="s" probability="100" type="ts_http">
{session}
    </session>
  </sessions>
</tsung>
"#
    )
}

/// `{:#?}` of a value with byte lists (`[104, 105]`) shown as byte strings (`b"hi"`), so
/// snapshots of templates stay readable.
pub fn debug_dump<T: std::fmt::Debug>(value: &T) -> String {
    let text = format!("{value:#?}");
    // Pretty-printed byte lists put one number per line; lists inside strings do not.
    let re = regex::Regex::new(r"\[\n(?:[ ]*\d{1,3},\n)+[ ]*\]").unwrap();
    re.replace_all(&text, |caps: &regex::Captures<'_>| {
        let nums: Vec<u8> = caps[0]
            .trim_matches(|c| c == '[' || c == ']')
            .split(',')
            .filter_map(|n| n.trim().parse::<u16>().ok())
            .filter_map(|n| u8::try_from(n).ok())
            .collect();
        let mut out = String::from("b\"");
        for b in nums {
            out.extend(std::ascii::escape_default(b).map(char::from));
        }
        out.push('"');
        out
    })
    .into_owned()
}
