//! `dumptraffic` and `backend` on `<tsung>`: the values whose output Stampede does not produce
//! load with a warning at the attribute that says what happens instead; the others load
//! silently.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use stampede_model::{Backend, DumpTraffic};
use stampede_scenario::{Severity, render};

/// The minimal scenario with `attrs` on `<tsung>`.
fn with_root(attrs: &str) -> String {
    scenario("", r#"<request><http url="/"/></request>"#)
        .replace(r#"<tsung loglevel="notice">"#, &format!("<tsung {attrs}>"))
}

#[test]
fn supported_values_load_without_warnings() {
    let cases: &[(&str, DumpTraffic, Backend)] = &[
        ("", DumpTraffic::False, Backend::Text),
        (
            r#"dumptraffic="false" backend="text""#,
            DumpTraffic::False,
            Backend::Text,
        ),
        (
            r#"dumptraffic="protocol""#,
            DumpTraffic::Protocol,
            Backend::Text,
        ),
        (
            r#"dumptraffic="protocol_local""#,
            DumpTraffic::ProtocolLocal,
            Backend::Text,
        ),
        // Tsung accepts rrdtool and does nothing with it.
        (r#"backend="rrdtool""#, DumpTraffic::False, Backend::Rrdtool),
    ];
    for (attrs, dump, backend) in cases {
        let l = xml_ok(&with_root(attrs));
        assert!(
            l.warnings.is_empty(),
            "{attrs}: {}",
            render(&l.warnings, &l.sources, false)
        );
        assert_eq!(l.scenario.root.dumptraffic, *dump, "{attrs}");
        assert_eq!(l.scenario.root.backend, *backend, "{attrs}");
    }
}

#[test]
fn unsupported_values_warn_at_the_attribute_and_still_load() {
    // (attributes, value, warning code, words the message must contain)
    let cases: &[(&str, &str, &str, &[&str])] = &[
        (
            r#"dumptraffic="true""#,
            "true",
            "unsupported-dumptraffic",
            &[
                "raw packet dump",
                "not supported",
                "no tsung.dump is written",
            ],
        ),
        (
            r#"dumptraffic="light""#,
            "light",
            "unsupported-dumptraffic",
            &["cut to 44 bytes", "no tsung.dump is written"],
        ),
        (
            r#"backend="json""#,
            "json",
            "unsupported-backend",
            &["tsung.log is written in Tsung's text format"],
        ),
        (
            r#"backend="fullstats""#,
            "fullstats",
            "unsupported-backend",
            &["text format", "no tsung-fullstats.log"],
        ),
    ];
    for (attrs, value, code, words) in cases {
        let l = xml_ok(&with_root(attrs));
        assert_eq!(warning_codes(&l), [*code], "{attrs}");
        let d = &l.warnings[0];
        assert_eq!(d.severity, Severity::Warning);
        // The caret is on the attribute's value, on the `<tsung>` line.
        assert_eq!(l.sources.slice(d.span.unwrap()), *value, "{attrs}");
        assert_eq!(d.line, 3, "{attrs}");
        assert_eq!(d.col as usize, 9 + attrs.find('"').unwrap(), "{attrs}");
        for w in *words {
            assert!(d.message.contains(w), "{attrs}: {}", d.message);
        }
        let text = render(&l.warnings, &l.sources, false);
        assert!(text.contains("inline.xml:3:"), "{text}");
    }
}

#[test]
fn advice_names_what_to_use_instead() {
    let l = xml_ok(&with_root(r#"dumptraffic="true""#));
    assert_eq!(
        l.warnings[0].help.as_deref(),
        Some("use `dumptraffic=\"protocol\"` for one line per HTTP request in tsung.dump")
    );
    let l = xml_ok(&with_root(r#"backend="fullstats""#));
    let text = render(&l.warnings, &l.sources, false);
    assert!(text.contains("stats.json"), "{text}");
    assert!(text.contains("HDR histograms"), "{text}");
    let l = xml_ok(&with_root(r#"backend="json""#));
    let text = render(&l.warnings, &l.sources, false);
    assert!(text.contains("stats.json"), "{text}");
}

#[test]
fn both_attributes_give_two_warnings() {
    let l = xml_ok(&with_root(r#"dumptraffic="light" backend="json""#));
    assert_eq!(
        warning_codes(&l),
        ["unsupported-dumptraffic", "unsupported-backend"]
    );
}
