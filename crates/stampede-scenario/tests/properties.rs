//! The loader never panics: on arbitrary bytes, on arbitrary well-formed documents built from
//! the scenario vocabulary, and on damaged copies of a real scenario.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use stampede_scenario::{LoadOptions, explain, load_bytes, load_str, render};
use std::path::Path;

/// Loads and exercises every output; panics are the failure.
fn exercise(bytes: &[u8]) {
    let opts = LoadOptions {
        exclude_tags: vec!["t".into()],
    };
    match load_bytes(
        Path::new("fuzz.xml"),
        Path::new("tests/fixtures"),
        bytes,
        &opts,
    ) {
        Ok(l) => {
            let _ = render(&l.warnings, &l.sources, true);
            let _ = explain(&l);
        }
        Err(f) => {
            let _ = render(&f.diagnostics, &f.sources, true);
            assert!(f.diagnostics.iter().any(|d| d.is_error()));
        }
    }
}

const ELEMENTS: &[&str] = &[
    "tsung",
    "information",
    "name",
    "clients",
    "client",
    "ip",
    "iprange",
    "servers",
    "server",
    "monitoring",
    "monitor",
    "snmp",
    "oid",
    "munin",
    "mysqladmin",
    "load",
    "arrivalphase",
    "users",
    "session_setup",
    "user",
    "options",
    "option",
    "user_agent",
    "sessions",
    "session",
    "request",
    "http",
    "match",
    "dyn_variable",
    "http_header",
    "add_cookie",
    "www_authenticate",
    "oauth",
    "soap",
    "thinktime",
    "transaction",
    "setdynvars",
    "var",
    "for",
    "repeat",
    "while",
    "until",
    "if",
    "foreach",
    "change_type",
    "set_option",
    "certificate",
    "interaction",
    "abort",
    "jabber",
    "pgsql",
    "bogus",
];

const ATTRIBUTES: &[&str] = &[
    "name",
    "type",
    "value",
    "url",
    "method",
    "contents",
    "contents_from_file",
    "probability",
    "weight",
    "phase",
    "duration",
    "unit",
    "arrivalrate",
    "interarrival",
    "maxnumber",
    "host",
    "port",
    "subst",
    "tag",
    "re",
    "xpath",
    "jsonpath",
    "header",
    "regexp",
    "var",
    "from",
    "to",
    "incr",
    "eq",
    "neq",
    "gt",
    "min",
    "max",
    "random",
    "override",
    "sourcetype",
    "fileid",
    "callback",
    "code",
    "start",
    "end",
    "length",
    "session",
    "start_time",
    "loop",
    "id",
    "action",
    "new_type",
    "server_type",
    "do",
    "when",
    "max_repeat",
    "in",
    "include",
    "encoding",
    "key",
    "userid",
    "passwd",
    "use_controller_vm",
    "version",
    "delimiter",
];

const VALUES: &[&str] = &[
    "",
    "1",
    "0",
    "-1",
    "1.5",
    ".5",
    "100",
    "70000",
    "true",
    "false",
    "second",
    "minute",
    "millisecond",
    "ts_http",
    "ts_jabber",
    "ts_webdav",
    "GET",
    "POST",
    "PROPFIND",
    "/",
    "/a/%%_x%%",
    "%%_x%%",
    "%%_x",
    "%%m:f%%",
    "%%ts_user_server:get_unique_id%%",
    "http://h:1/p",
    "http://",
    "https://[::1]:8/x",
    "a(b",
    "[x",
    "a..b",
    "//a[@b",
    "x*",
    "wait_global",
    "wait_bidi",
    "%%_y%%",
    "data/users.csv",
    "missing.csv",
    "default",
    "random_number",
    "file",
    "eval",
    "erlang",
    "value",
    "server",
    "jsonpath",
    "fun(X) -> X end.",
    "fun({_, D}) ->\n {ok, V} = ts_dynvars:lookup(x, D),\n V ++ \"é\" end.",
    "fun(_) -> os:cmd('ls' end.",
    "ts_digest:md5hex",
    "tcp",
    "ssl",
    "udp",
    "v4",
    "10.0.1-2.0.1",
    "€",
    "é",
    "a&amp;b",
    "&#10;&#32;",
    "x y",
    "localhost",
    "t",
];

fn escape(s: &str) -> String {
    // Values already holding references stay as written; everything else is escaped.
    if s.contains("&amp;") || s.contains("&#") {
        return s.replace('"', "&quot;");
    }
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
}

#[derive(Debug, Clone)]
struct Node {
    name: &'static str,
    attrs: Vec<(&'static str, &'static str)>,
    text: Option<&'static str>,
    children: Vec<Node>,
}

fn node() -> impl Strategy<Value = Node> {
    let leaf = (
        prop::sample::select(ELEMENTS),
        prop::collection::vec(
            (
                prop::sample::select(ATTRIBUTES),
                prop::sample::select(VALUES),
            ),
            0..5,
        ),
        prop::option::of(prop::sample::select(VALUES)),
    )
        .prop_map(|(name, attrs, text)| Node {
            name,
            attrs,
            text,
            children: Vec::new(),
        });
    leaf.prop_recursive(5, 64, 6, |inner| {
        (
            prop::sample::select(ELEMENTS),
            prop::collection::vec(
                (
                    prop::sample::select(ATTRIBUTES),
                    prop::sample::select(VALUES),
                ),
                0..5,
            ),
            prop::collection::vec(inner, 0..6),
        )
            .prop_map(|(name, attrs, children)| Node {
                name,
                attrs,
                text: None,
                children,
            })
    })
}

fn write(n: &Node, out: &mut String) {
    out.push('<');
    out.push_str(n.name);
    let mut seen = Vec::new();
    for (k, v) in &n.attrs {
        if seen.contains(k) {
            continue;
        }
        seen.push(*k);
        out.push_str(&format!(" {k}=\"{}\"", escape(v)));
    }
    out.push('>');
    if let Some(t) = n.text {
        out.push_str(&escape(t));
    }
    for c in &n.children {
        write(c, out);
    }
    out.push_str(&format!("</{}>", n.name));
}

/// A document whose top level is a plausible scenario skeleton, with generated parts.
fn document() -> impl Strategy<Value = String> {
    (prop::collection::vec(node(), 0..4), prop::collection::vec(node(), 0..4)).prop_map(
        |(load, sessions)| {
            let mut out = String::from(
                "<?xml version=\"1.0\"?>\n<!DOCTYPE tsung SYSTEM \"tsung-1.0.dtd\" [<!ENTITY e \"v\">]>\n<tsung>\
                 <clients><client host=\"localhost\" use_controller_vm=\"true\"/></clients>\
                 <servers><server host=\"127.0.0.1\" port=\"3000\" type=\"tcp\"/></servers><load>",
            );
            for n in &load {
                write(n, &mut out);
            }
            out.push_str("</load><sessions><session name=\"s\" probability=\"100\" type=\"ts_http\">");
            for n in &sessions {
                write(n, &mut out);
            }
            out.push_str("</session></sessions></tsung>\n");
            out
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        exercise(&bytes);
    }

    #[test]
    fn markup_soup_never_panics(parts in prop::collection::vec(prop::sample::select(&[
        "<", ">", "</", "/>", "<tsung>", "</tsung>", "<session ", "name=", "\"", "'", "&", "&amp;",
        "&#", "&#x", ";", "<!--", "-->", "<![CDATA[", "]]>", "<!DOCTYPE tsung [", "<!ENTITY e ",
        "SYSTEM \"x.xml\"", "]>", "%%_", "%%", "\n", "\r\n", " ", "é", "€", "\u{0}", "<?xml version=\"1.0\" encoding=\"latin1\"?>",
    ][..]), 0..80)) {
        exercise(parts.concat().as_bytes());
    }

    #[test]
    fn generated_scenarios_never_panic(doc in document()) {
        exercise(doc.as_bytes());
    }

    #[test]
    fn damaged_real_scenario_never_panics(cut in 0usize..12_000, insert in prop::collection::vec(any::<u8>(), 0..8), at in 0usize..12_000) {
        let original = std::fs::read("tests/fixtures/rails_full.xml").unwrap();
        let mut bytes = original[..cut.min(original.len())].to_vec();
        let at = at.min(bytes.len());
        bytes.splice(at..at, insert);
        exercise(&bytes);
    }

    #[test]
    fn plain_attribute_values_come_back_unchanged(value in "[a-zA-Z0-9/_.:=?%-]{0,40}") {
        let xml = format!(
            r#"<tsung><clients><client host="localhost" use_controller_vm="true"/></clients>
            <servers><server host="127.0.0.1" port="3000" type="tcp"/></servers>
            <load><arrivalphase phase="1" duration="1" unit="minute"><users arrivalrate="1" unit="second"/></arrivalphase></load>
            <sessions><session name="s" probability="100" type="ts_http">
            <request><http url="/" method="POST" contents="{value}"/></request>
            </session></sessions></tsung>"#
        );
        let l = load_str("p.xml", Path::new("."), &xml, &LoadOptions::default()).unwrap();
        let stampede_model::Action::Request(r) = &l.scenario.sessions[0].actions[0] else {
            panic!()
        };
        let body = r.http.body.as_ref().map(|b| b.as_literal().unwrap().to_vec()).unwrap_or_default();
        prop_assert_eq!(body, value.into_bytes());
    }
}
