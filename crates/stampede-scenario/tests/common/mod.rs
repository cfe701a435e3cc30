//! Helpers shared by the integration tests.
#![allow(dead_code)]

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
    match load(name) {
        Ok(l) => l,
        Err(f) => panic!(
            "{name} should load:\n{}",
            render(&f.diagnostics, &f.sources, false)
        ),
    }
}

pub fn load_err(name: &str) -> Failed {
    match load(name) {
        Ok(l) => panic!(
            "{name} should be refused; warnings:\n{}",
            render(&l.warnings, &l.sources, false)
        ),
        Err(f) => f,
    }
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
    match load_xml(xml) {
        Ok(l) => l,
        Err(f) => panic!(
            "should load:\n{}",
            render(&f.diagnostics, &f.sources, false)
        ),
    }
}

pub fn xml_err(xml: &str) -> Failed {
    match load_xml(xml) {
        Ok(l) => panic!(
            "should be refused; warnings:\n{}",
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
