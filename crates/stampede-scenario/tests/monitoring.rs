//! `<monitoring>`: `erlang` monitors of this machine and `munin` monitors load silently (they
//! are sampled); every other entry loads with a warning at the `<monitor>` saying what is not
//! monitored and why.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use stampede_model::MonitorKind;
use stampede_scenario::{Severity, render};

/// The minimal scenario with `monitors` inside `<monitoring>`.
fn with_monitoring(monitors: &str) -> String {
    scenario("", r#"<request><http url="/"/></request>"#).replace(
        "</servers>",
        &format!("</servers>\n<monitoring>{monitors}</monitoring>"),
    )
}

#[test]
fn erlang_monitors_of_this_machine_load_without_warnings() {
    for host in ["localhost", "127.0.0.1", "127.0.1.1", "::1"] {
        let l = xml_ok(&with_monitoring(&format!(
            r#"<monitor host="{host}" type="erlang"/>"#
        )));
        assert!(
            l.warnings.is_empty(),
            "{host}: {}",
            render(&l.warnings, &l.sources, false)
        );
        assert_eq!(l.scenario.monitoring.len(), 1);
        assert_eq!(l.scenario.monitoring[0].kind, MonitorKind::Erlang);
    }
    // The type defaults to erlang.
    let l = xml_ok(&with_monitoring(r#"<monitor host="localhost"/>"#));
    assert!(l.warnings.is_empty());
}

#[test]
fn munin_monitors_load_without_warnings_wherever_they_are() {
    for host in ["127.0.0.1", "db.example.invalid"] {
        let l = xml_ok(&with_monitoring(&format!(
            r#"<monitor host="{host}" type="munin"><munin port="4950"/></monitor>"#
        )));
        assert!(
            l.warnings.is_empty(),
            "{host}: {}",
            render(&l.warnings, &l.sources, false)
        );
        assert_eq!(
            l.scenario.monitoring[0].kind,
            MonitorKind::Munin { port: 4950 }
        );
    }
    // A batch job's nodes are not polled, whatever the type.
    let l = xml_ok(&with_monitoring(
        r#"<monitor host="job" type="munin" batch="true"/>"#,
    ));
    assert_eq!(warning_codes(&l), ["unsupported-monitor"]);
}

#[test]
fn other_monitors_warn_at_the_monitor_and_still_load() {
    // (monitor element, text under the caret, words the message must contain)
    let cases: &[(&str, &str, &[&str])] = &[
        (
            r#"<monitor host="db.example.invalid" type="erlang"/>"#,
            "db.example.invalid",
            &[
                "`db.example.invalid` is not monitored",
                "not this machine",
                "ssh",
            ],
        ),
        (
            r#"<monitor host="10.1.2.3"/>"#,
            "10.1.2.3",
            &["`10.1.2.3` is not monitored", "not this machine"],
        ),
        (
            r#"<monitor host="localhost" type="snmp"><snmp version="v2" community="public"/></monitor>"#,
            "snmp",
            &[
                "`localhost` is not monitored",
                "SNMP monitoring is not supported",
            ],
        ),
        (
            r#"<monitor host="job42" batch="true"/>"#,
            "true",
            &["batch job `job42`", "batch schedulers"],
        ),
    ];
    for (monitor, caret, words) in cases {
        let xml = with_monitoring(monitor);
        let l = xml_ok(&xml);
        assert_eq!(warning_codes(&l), ["unsupported-monitor"], "{monitor}");
        let d = &l.warnings[0];
        assert_eq!(d.severity, Severity::Warning);
        assert_eq!(l.sources.slice(d.span.unwrap()), *caret, "{monitor}");
        // The `<monitoring>` line of the document.
        let line = xml
            .lines()
            .position(|l| l.contains("<monitoring>"))
            .unwrap()
            + 1;
        assert_eq!(d.line as usize, line, "{monitor}");
        for w in *words {
            assert!(d.message.contains(w), "{monitor}: {}", d.message);
        }
        assert!(
            d.help.as_deref().unwrap().contains("tsung_controller@HOST"),
            "{monitor}"
        );
        let text = render(&l.warnings, &l.sources, false);
        assert!(text.contains(&format!("inline.xml:{line}:")), "{text}");
        assert_eq!(l.scenario.monitoring.len(), 1, "{monitor}");
    }
}

#[test]
fn mysqladmin_is_not_collected() {
    let l = xml_ok(&with_monitoring(
        r#"<monitor host="localhost"><mysqladmin port="3306" username="root"/></monitor>"#,
    ));
    assert_eq!(warning_codes(&l), ["unsupported-monitor"]);
    let d = &l.warnings[0];
    assert_eq!(l.sources.slice(d.span.unwrap()), "mysqladmin");
    assert!(
        d.message.contains("MySQL statistics of `localhost`"),
        "{}",
        d.message
    );
}

#[test]
fn each_unmonitored_entry_gets_its_warning() {
    let l = xml_ok(&with_monitoring(
        r#"<monitor host="localhost"/><monitor host="a.example.invalid"/><monitor host="b.example.invalid" type="snmp"/><monitor host="c.example.invalid" type="munin"/>"#,
    ));
    assert_eq!(
        warning_codes(&l),
        ["unsupported-monitor", "unsupported-monitor"]
    );
    assert_eq!(l.scenario.monitoring.len(), 4);
}
