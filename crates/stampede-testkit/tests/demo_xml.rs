//! `examples/demo.xml` is a sound Tsung scenario for the target app: the shape the demo
//! promises, every URL on a route the app serves, every variable set before it is used.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use quick_xml::Reader;
use quick_xml::events::Event;
use stampede_testkit::ROUTES;

#[derive(Debug, Default)]
struct Element {
    name: String,
    attrs: BTreeMap<String, String>,
    text: String,
}

/// Elements in document order (with the text of text-only elements such as `<match>`),
/// and the DOCTYPE.
fn demo() -> (String, Vec<Element>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo.xml");
    let xml = std::fs::read_to_string(&path).unwrap();
    let mut reader = Reader::from_str(&xml);
    let mut doctype = String::new();
    let mut out: Vec<Element> = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Eof => break,
            Event::DocType(t) => doctype = String::from_utf8(t.to_vec()).unwrap(),
            Event::Start(e) | Event::Empty(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                let attrs = e
                    .attributes()
                    .map(|a| {
                        let a = a.unwrap();
                        (
                            String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                            a.unescape_value().unwrap().into_owned(),
                        )
                    })
                    .collect();
                out.push(Element {
                    name,
                    attrs,
                    text: String::new(),
                });
            }
            Event::Text(t) => {
                if let Some(last) = out.last_mut() {
                    last.text.push_str(&t.decode().unwrap());
                }
            }
            _ => {}
        }
    }
    (doctype, out)
}

/// `%%_name%%` markers in a string.
fn vars(s: &str) -> Vec<String> {
    s.split("%%_")
        .skip(1)
        .map(|rest| rest[..rest.find("%%").unwrap()].to_owned())
        .collect()
}

fn route_matches(pattern: &str, path: &str) -> bool {
    let p: Vec<&str> = pattern.split('/').collect();
    let q: Vec<&str> = path.split('/').collect();
    p.len() == q.len()
        && p.iter().zip(&q).all(|(a, b)| {
            if a.starts_with('{') {
                !b.is_empty() && b.bytes().all(|c| c.is_ascii_digit())
            } else {
                a == b
            }
        })
}

#[test]
fn shape_matches_what_the_demo_promises() {
    let (doctype, els) = demo();
    assert!(
        doctype.contains("SYSTEM \"/usr/share/tsung/tsung-1.0.dtd\""),
        "{doctype}"
    );

    let servers: Vec<_> = els.iter().filter(|e| e.name == "server").collect();
    assert_eq!(servers.len(), 1);
    assert_eq!(servers[0].attrs["host"], "localhost");
    assert_eq!(servers[0].attrs["port"], "8080");
    assert_eq!(servers[0].attrs["type"], "tcp");

    let sessions: BTreeMap<&str, u32> = els
        .iter()
        .filter(|e| e.name == "session")
        .map(|e| {
            (
                e.attrs["name"].as_str(),
                e.attrs["probability"].parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        sessions,
        BTreeMap::from([("api_client", 10), ("reader", 60), ("writer", 30)])
    );

    let phases: Vec<u32> = els
        .iter()
        .filter(|e| e.name == "arrivalphase")
        .map(|e| e.attrs["duration"].parse().unwrap())
        .collect();
    assert_eq!(phases.iter().sum::<u32>(), 20);
    let users: f64 = els
        .iter()
        .filter(|e| e.name == "users")
        .map(|e| e.attrs["maxnumber"].parse::<f64>().unwrap())
        .sum();
    assert_eq!(users, 60.0);
    assert!(
        !els.iter()
            .any(|e| e.name == "load" && e.attrs.contains_key("duration"))
    );

    for t in els.iter().filter(|e| e.name == "thinktime") {
        let longest: f64 = t
            .attrs
            .get("max")
            .or(t.attrs.get("value"))
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.2..=2.0).contains(&longest), "{:?}", t.attrs);
    }
}

#[test]
fn every_request_targets_a_route_of_the_app_and_uses_only_set_variables() {
    let (_, els) = demo();
    let mut defined: BTreeSet<String> = BTreeSet::new();
    let mut absolute: BTreeSet<String> = BTreeSet::new();
    let mut requests = 0;
    let mut in_subst_request = false;
    for e in &els {
        match e.name.as_str() {
            "session" => {
                defined.clear();
                absolute.clear();
            }
            "request" => in_subst_request = e.attrs.get("subst").is_some_and(|s| s == "true"),
            // Captures take effect after the response, i.e. after the request's own use;
            // none of the demo's requests uses what it captures itself.
            "dyn_variable" => {
                let name = e.attrs["name"].clone();
                if e.attrs.get("re").is_some_and(|re| re.contains("(http://")) {
                    absolute.insert(name.clone());
                }
                defined.insert(name);
            }
            "var" => {
                defined.insert(e.attrs["name"].clone());
            }
            "for" => {
                defined.insert(e.attrs["var"].clone());
            }
            "http" => {
                requests += 1;
                let url = &e.attrs["url"];
                let mut used = vars(url);
                used.extend(e.attrs.get("contents").map(|c| vars(c)).unwrap_or_default());
                if !used.is_empty() {
                    assert!(in_subst_request, "{url} needs subst=\"true\"");
                }
                for v in &used {
                    assert!(
                        defined.contains(v),
                        "%%_{v}%% used before it is set in {url}"
                    );
                }
                if let Some(v) = url.strip_prefix("%%_") {
                    let name = &v[..v.find("%%").unwrap()];
                    assert!(
                        absolute.contains(name),
                        "{url}: not an absolute URL capture"
                    );
                    continue;
                }
                let mut path = url.clone();
                for v in vars(url) {
                    path = path.replace(&format!("%%_{v}%%"), "1");
                }
                assert!(
                    ROUTES.iter().any(|r| route_matches(r, &path)),
                    "{url} is not served by the app"
                );
            }
            "http_header" | "match" => {
                let text = e.attrs.get("value").unwrap_or(&e.text);
                for v in vars(text) {
                    assert!(defined.contains(&v), "%%_{v}%% used before it is set");
                }
            }
            _ => {}
        }
    }
    // reader: 2 + a loop of 2 run 3 times (8 requests); writer: 13; api_client: 4.
    assert_eq!(
        requests,
        4 + 13 + 4,
        "request elements: reader, writer, api_client"
    );
}
