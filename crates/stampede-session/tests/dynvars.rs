//! `<dyn_variable>` extraction and `<setdynvars>`.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use stampede_model::{
    Action, DynVarSource, DynVariable, ErlCode, ErrorClass, Extractor, FileOrder, JsonPath,
    JsonPathSource, ModFun, Pattern, SessionId, SetDynVars, Subst, XPath,
};
use stampede_session::{User, Value};
use std::sync::Arc;
use std::time::Duration;

/// Runs: one request answered with `response`, extracting with `extractors`; returns the user.
fn extract(extractors: Vec<(&str, Extractor, bool)>, response: &str) -> (User, FakeHost) {
    let mut sb = Sb::new();
    let h = sb.http(stampede_model::Method::Get, "/");
    let mut r = sb.request(h, Subst::False);
    for (name, ex, decode) in extractors {
        let var = sb.var(name);
        r.dyn_variables.push(DynVariable {
            var,
            extractor: ex,
            decode_html_entities: decode,
        });
    }
    sb.session(vec![Action::Request(Box::new(r))]);
    let program = sb.program();
    let mut host = FakeHost::new();
    let mut user = User::new(program, SessionId(0), 1, 1);
    let response = response.to_owned();
    let t = drive(&mut user, &mut host, Duration::from_millis(1), move |_| {
        Reply::Ok(response.clone())
    });
    assert!(t.sent[0].keep_body);
    (user, host)
}

fn re(s: &str) -> Extractor {
    Extractor::Regex(Pattern::new(s).unwrap())
}

fn text(v: Option<Value>) -> Option<String> {
    v.map(|v| String::from_utf8(v.text().into_owned()).unwrap())
}

const HTML: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
    WWW-Authenticate: Digest realm=\"r@h\", nonce=\"abc\", qop=\"auth\"\r\n\
    Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n\
    <html><body><form><input type=\"hidden\" name=\"authenticity_token\" value=\"T0k&amp;en\">\
    <a href=\"/x?a=1&amp;b=2\">x</a></form></body></html>";

#[test]
fn regex_header_and_hidden_input_extractors() {
    let hidden =
        Pattern::new(r#"name=["']authenticity_token["'] (?:[^>]* )?value=["']([^"']*)["']"#)
            .unwrap();
    let (user, host) = extract(
        vec![
            ("token", Extractor::HiddenInput(hidden.clone()), false),
            ("token_decoded", Extractor::HiddenInput(hidden), true),
            ("href", re("href=\"([^\"]*)\""), true),
            ("nomatch", re("zzz(\\d+)"), false),
            ("status", re("^HTTP/1.1 (\\d+)"), false),
            (
                "ctype",
                Extractor::Header {
                    name: "content-type".into(),
                    param: None,
                },
                false,
            ),
            (
                "charset",
                Extractor::Header {
                    name: "content-type".into(),
                    param: Some("charset".into()),
                },
                false,
            ),
            (
                "nonce",
                Extractor::Header {
                    name: "www-authenticate".into(),
                    param: Some("nonce".into()),
                },
                false,
            ),
            (
                "cookies",
                Extractor::Header {
                    name: "set-cookie".into(),
                    param: None,
                },
                false,
            ),
            (
                "absent",
                Extractor::Header {
                    name: "x-none".into(),
                    param: None,
                },
                false,
            ),
            (
                "absent_param",
                Extractor::Header {
                    name: "x-none".into(),
                    param: Some("p".into()),
                },
                false,
            ),
        ],
        HTML,
    );
    let cases = [
        ("token", Some("T0k&amp;en")),
        ("token_decoded", Some("T0k&en")),
        ("href", Some("/x?a=1&b=2")),
        // Tsung 1.7: a failed capture stores the empty string.
        ("nomatch", Some("")),
        ("status", Some("200")),
        ("ctype", Some("text/html; charset=utf-8")),
        ("charset", Some("utf-8")),
        ("nonce", Some("abc")),
        ("cookies", Some("a=1, b=2")),
        // A missing header is Erlang's `undefined`.
        ("absent", Some("undefined")),
        ("absent_param", Some("")),
        ("never_set", None),
    ];
    for (name, want) in cases {
        assert_eq!(text(user.var(name)).as_deref(), want, "{name}");
    }
    assert!(host.events.iter().all(|e| !matches!(e, Event::Error(_))));
}

#[test]
fn xpath_gives_a_list_and_unparsable_pages_are_counted() {
    let (user, host) = extract(
        vec![
            (
                "links",
                Extractor::XPath(XPath::parse("//a/@href").unwrap()),
                false,
            ),
            (
                "none",
                Extractor::XPath(XPath::parse("//table").unwrap()),
                false,
            ),
            (
                "count",
                Extractor::XPath(XPath::parse("count(//input)").unwrap()),
                false,
            ),
        ],
        HTML,
    );
    assert_eq!(
        user.var("links"),
        Some(Value::List(vec![Value::from("/x?a=1&b=2")].into()))
    );
    assert_eq!(user.var("none"), Some(Value::empty()));
    assert_eq!(user.var("count"), Some(Value::Int(1)));
    assert_eq!(host.errors(ErrorClass::XmlUnparsable), 0);

    let (user, host) = extract(
        vec![
            ("a", Extractor::XPath(XPath::parse("//a").unwrap()), false),
            ("b", Extractor::XPath(XPath::parse("//b").unwrap()), false),
        ],
        "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nnot html!",
    );
    assert_eq!(user.var("a"), None);
    assert_eq!(host.errors(ErrorClass::XmlUnparsable), 1);
}

#[test]
fn jsonpath_on_json_and_quietly_on_html() {
    let body = r#"{"data":{"id":17,"tags":["a","b"],"price":9.5}}"#;
    let raw = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{body}");
    let jp = |s: &str| Extractor::JsonPath(JsonPathSource::Static(JsonPath::parse(s).unwrap()));
    let (user, host) = extract(
        vec![
            ("id", jp("data.id"), false),
            ("tags", jp("$.data.tags"), false),
            ("price", jp("data.price"), false),
            ("missing", jp("data.nope"), false),
        ],
        &raw,
    );
    assert_eq!(user.var("id"), Some(Value::Int(17)));
    assert_eq!(
        user.var("tags"),
        Some(Value::List(vec![Value::from("a"), Value::from("b")].into()))
    );
    // Substituted as Erlang prints floats.
    assert_eq!(
        text(user.var("price")).unwrap(),
        "9.50000000000000000000e+00"
    );
    assert_eq!(user.var("missing"), Some(Value::empty()));
    assert_eq!(host.errors(ErrorClass::JsonUnparsable), 0);

    let (user, host) = extract(vec![("id", jp("data.id"), false)], HTML);
    assert_eq!(user.var("id"), None);
    assert_eq!(host.errors(ErrorClass::JsonUnparsable), 1);
}

fn setdyn(sb: &mut Sb, names: &[&str], source: DynVarSource) -> Action {
    let vars = names.iter().map(|n| sb.var(n)).collect();
    Action::SetDynVars(SetDynVars {
        vars,
        source,
        location: Default::default(),
    })
}

/// Runs a session of setdynvars only and returns the user.
fn run_sets(sb: Sb, host: &mut FakeHost) -> User {
    let program = sb.program();
    let mut user = User::new(program, SessionId(0), 5, 3);
    drive(&mut user, host, Duration::from_millis(1), |_| ok("", ""));
    user
}

#[test]
fn setdynvars_sources() {
    let mut sb = Sb::new();
    sb.file("default", &["alice;pw1", "bob;pw2;extra", "carol"]);
    let users = sb.file("users", &["u1;p1", "u2;p2"]);
    let v = sb.tpl("v-%%_n%%");
    let actions = vec![
        setdyn(
            &mut sb,
            &["n", "m"],
            DynVarSource::RandomNumber { start: 5, end: 5 },
        ),
        setdyn(&mut sb, &["rs"], DynVarSource::RandomString { length: 30 }),
        setdyn(&mut sb, &["us"], DynVarSource::UrandomString { length: 25 }),
        setdyn(&mut sb, &["val", "other"], DynVarSource::Value { value: v }),
        setdyn(&mut sb, &["host", "port"], DynVarSource::Server),
        setdyn(
            &mut sb,
            &["login", "pass", "third"],
            DynVarSource::File {
                file: users,
                delimiter: b";".to_vec().into(),
                order: FileOrder::Iter,
            },
        ),
        setdyn(
            &mut sb,
            &["login2", "pass2"],
            DynVarSource::File {
                file: users,
                delimiter: b";".to_vec().into(),
                order: FileOrder::Iter,
            },
        ),
        setdyn(
            &mut sb,
            &["whole"],
            DynVarSource::File {
                file: users,
                delimiter: b";".to_vec().into(),
                order: FileOrder::Random,
            },
        ),
        setdyn(
            &mut sb,
            &["uid"],
            DynVarSource::Erlang {
                callback: ModFun {
                    module: "ts_user_server".into(),
                    function: "get_unique_id".into(),
                },
            },
        ),
        setdyn(
            &mut sb,
            &["ruid"],
            DynVarSource::Erlang {
                callback: ModFun {
                    module: "ts_user_server".into(),
                    function: "get_really_unique_id".into(),
                },
            },
        ),
        setdyn(
            &mut sb,
            &["line"],
            DynVarSource::Erlang {
                callback: ModFun {
                    module: "ts_file_server".into(),
                    function: "get_next_line".into(),
                },
            },
        ),
    ];
    sb.session(actions);
    let mut host = FakeHost::new();
    host.cursors.insert(users, 1);
    let user = run_sets(sb, &mut host);
    let t = |n: &str| text(user.var(n)).unwrap_or_else(|| "<unset>".into());
    assert_eq!((t("n"), t("m")), ("5".into(), "5".into()));
    let rs = t("rs");
    assert_eq!(rs.len(), 30);
    assert!(rs.bytes().all(|b| (b'b'..=b'z').contains(&b)), "{rs}");
    assert_eq!(t("us"), "qxvmvtglimieyhemzlxcqxvmv");
    assert_eq!((t("val"), t("other")), ("v-5".into(), "".into()));
    assert_eq!((t("host"), t("port")), ("127.0.0.1".into(), "8080".into()));
    // The shared cursor was at 1: this user takes line 2, then wraps to line 1.
    assert_eq!(
        (t("login"), t("pass"), t("third")),
        ("u2".into(), "p2".into(), "".into())
    );
    assert_eq!((t("login2"), t("pass2")), ("u1".into(), "p1".into()));
    // One variable and several fields: Tsung stores the list (substituted concatenated).
    assert!(matches!(user.var("whole"), Some(Value::List(_))));
    assert_eq!(t("uid"), "5");
    assert_eq!(t("ruid"), "1700000000-5");
    assert_eq!(t("line"), "alice;pw1");
    assert_eq!(host.cursors[&users], 3);
}

#[test]
fn eval_and_unknown_functions_go_to_the_host() {
    let mut sb = Sb::new();
    let code = ErlCode {
        source: Arc::from("fun({_,D}) -> ok end."),
        location: Default::default(),
    };
    let set_x = setdyn(
        &mut sb,
        &["x"],
        DynVarSource::Value {
            value: stampede_model::Template::literal("1"),
        },
    );
    let e = setdyn(
        &mut sb,
        &["a", "b"],
        DynVarSource::Eval { code: code.clone() },
    );
    let c = setdyn(
        &mut sb,
        &["c"],
        DynVarSource::Erlang {
            callback: ModFun {
                module: "mymod".into(),
                function: "f".into(),
            },
        },
    );
    let missing = setdyn(
        &mut sb,
        &["d"],
        DynVarSource::Erlang {
            callback: ModFun {
                module: "nope".into(),
                function: "g".into(),
            },
        },
    );
    sb.session(vec![set_x, e, c, missing]);
    let mut host = FakeHost::new();
    host.eval.insert(
        code.source.to_string(),
        Value::List(vec![Value::from("A"), Value::from("B")].into()),
    );
    host.calls.insert("mymod:f".into(), Value::Int(9));
    let user = run_sets(sb, &mut host);
    assert_eq!(user.var("a"), Some(Value::from("A")));
    assert_eq!(user.var("b"), Some(Value::from("B")));
    assert_eq!(user.var("c"), Some(Value::Int(9)));
    assert_eq!(user.var("d"), None);
    assert_eq!(host.errors(ErrorClass::Eval), 1);
    // The snippet saw the user's variables.
    assert!(host.seen.contains(&("tsung_userid".into(), Value::Int(5))));
    assert!(host.seen.contains(&("x".into(), Value::from("1"))));
}

#[test]
fn jsonpath_setdynvars_from_a_variable() {
    let mut sb = Sb::new();
    let json = sb.tpl(r#"{"a":[{"k":"x","v":1},{"k":"y","v":2}]}"#);
    let from = sb.var("json");
    let s1 = setdyn(&mut sb, &["json"], DynVarSource::Value { value: json });
    let s2 = setdyn(
        &mut sb,
        &["v"],
        DynVarSource::JsonPath {
            from,
            path: JsonPathSource::Static(JsonPath::parse("a[?k=y].v").unwrap()),
        },
    );
    sb.session(vec![s1, s2]);
    let mut host = FakeHost::new();
    let user = run_sets(sb, &mut host);
    assert_eq!(user.var("v"), Some(Value::Int(2)));
}
