//! Erlang snippets at load time: compiled by `stampede_erl`, their diagnostics placed on the
//! XML line and column, the variables they read checked and explained.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use stampede_model::{Action, DynVarSource};
use stampede_scenario::{Severity, explain, render};

#[test]
fn realistic_snippets_load_cleanly() {
    let l = load_ok("snippets.xml");
    assert!(
        l.warnings.is_empty(),
        "{}",
        render(&l.warnings, &l.sources, false)
    );
    let mut evals = 0;
    l.scenario.sessions[0].walk(|a| {
        if let Action::SetDynVars(d) = a {
            assert!(matches!(d.source, DynVarSource::Eval { .. }));
            evals += 1;
        }
    });
    assert_eq!(evals, 6);
    insta::assert_snapshot!("snippets_explained", explain(&l));
}

/// A diagnostic of an inline scenario, with the text it underlines.
#[derive(Debug)]
struct Found {
    severity: Severity,
    line: u32,
    col: u32,
    text: String,
    message: String,
}

/// Loads one inline session; returns the scenario text and its diagnostics.
fn diagnose(session: &str) -> (String, Vec<Found>) {
    let xml = scenario("", session);
    let (diags, sources) = match load_xml(&xml) {
        Ok(l) => (l.warnings, l.sources),
        Err(f) => (f.diagnostics, f.sources),
    };
    let found = diags
        .iter()
        .map(|d| Found {
            severity: d.severity,
            line: d.line,
            col: d.col,
            text: sources.slice(d.span.unwrap()).to_owned(),
            message: d.message.clone(),
        })
        .collect();
    (xml, found)
}

/// 1-based line and column (in characters) of the first `needle` in `text`.
fn place_of(text: &str, needle: &str) -> (u32, u32) {
    let at = text.find(needle).unwrap();
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap().chars().count() + 1;
    (line as u32, col as u32)
}

#[test]
fn positions_map_through_references_and_line_breaks() {
    // `&#10;` makes snippet lines inside one XML line; `&quot;` counts as one character of
    // the snippet but six bytes of the file.
    let (xml, got) = diagnose(
        r#"<setdynvars sourcetype="eval" code="fun(_) ->&#10;  X = &quot;a&quot;,&#10;  foo:bar(X) end."><var name="v"/></setdynvars>"#,
    );
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].severity, Severity::Error);
    assert_eq!(got[0].text, "foo:bar");
    assert!(
        got[0].message.contains("module `foo` is not available"),
        "{}",
        got[0].message
    );
    assert_eq!((got[0].line, got[0].col), place_of(&xml, "foo:bar"));

    // A token made of references is underlined whole, up to the end of the last one.
    let (_, got) = diagnose(
        r#"<setdynvars sourcetype="eval" code="fun(_) -> 1 &quot;a b&quot; end."><var name="v"/></setdynvars>"#,
    );
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].text, "&quot;a b&quot;");
    let (_, got) = diagnose(
        r#"<setdynvars sourcetype="eval" code="fun(_) -> lists:nth(&quot;1&quot;) end."><var name="v"/></setdynvars>"#,
    );
    assert_eq!(got[0].text, "lists:nth", "{got:?}");

    // Literal CR LF and tabs inside the value each become a space.
    let (xml, got) = diagnose(
        "<setdynvars sourcetype=\"eval\" code=\"fun(_) ->\r\n\t\t[1,\r\n\t\t lists:revers([2])] end.\"><var name=\"v\"/></setdynvars>",
    );
    assert_eq!(got[0].text, "lists:revers");
    assert_eq!((got[0].line, got[0].col), place_of(&xml, "lists:revers"));

    // Single-quoted attributes hold double quotes as written.
    let (xml, got) = diagnose(
        r#"<setdynvars sourcetype="eval" code='fun(_) -> "a" ++ os:getenv("HOME") end.'><var name="v"/></setdynvars>"#,
    );
    assert_eq!(got[0].text, "os:getenv");
    assert!(got[0].message.contains("os:getenv/1"), "{}", got[0].message);
    assert_eq!((got[0].line, got[0].col), place_of(&xml, "os:getenv"));
}

#[test]
fn an_unterminated_snippet_points_at_the_end_of_the_value() {
    let (xml, got) = diagnose(
        r#"<setdynvars sourcetype="eval" code="fun({_, D}) -> {ok, V} = ts_dynvars:lookup(x, D)"><var name="v"/></setdynvars>"#,
    );
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].severity, Severity::Error);
    assert_eq!(got[0].text, "");
    assert!(
        got[0].message.contains("expected 'end'"),
        "{}",
        got[0].message
    );
    // on the closing quote
    assert_eq!((got[0].line, got[0].col), place_of(&xml, "\"><var"));
}

#[test]
fn variables_read_by_snippets_are_checked() {
    // Never set: a warning, and the scenario still loads.
    let l = xml_ok(&scenario(
        "",
        r#"<setdynvars sourcetype="eval" code="fun({_, D}) -> case ts_dynvars:lookup(csrf, D) of {ok, V} -> V; false -> &quot;&quot; end end."><var name="token"/></setdynvars>
        <request subst="true"><http url="/?t=%%_token%%"/></request>"#,
    ));
    assert_eq!(warning_codes(&l), ["undefined-variable"]);
    let w = &l.warnings[0];
    assert_eq!(
        w.message,
        "variable `csrf` is never set in session `s`: `ts_dynvars:lookup(csrf, DynVars)` returns `false`"
    );
    assert_eq!(l.sources.slice(w.span.unwrap()), "csrf");

    // Read before it is set: the usual warning.
    let l = xml_ok(&scenario(
        "",
        r#"<setdynvars sourcetype="eval" code="fun({_, D}) -> {ok, V} = ts_dynvars:lookup('auth', D), V end."><var name="copy"/></setdynvars>
        <request><dyn_variable name="auth"/><http url="/"/></request>
        <request subst="true"><http url="/?t=%%_copy%%"/></request>"#,
    ));
    assert_eq!(warning_codes(&l), ["used-before-set"]);
    assert_eq!(l.sources.slice(l.warnings[0].span.unwrap()), "'auth'");
    assert!(l.warnings[0].notes[0].contains("`ts_dynvars:lookup` returns `false`"));

    // The user id is always there.
    let l = xml_ok(&scenario(
        "",
        r#"<setdynvars sourcetype="eval" code="fun({_, D}) -> {ok, V} = ts_dynvars:lookup(tsung_userid, D), V end."><var name="id"/></setdynvars>"#,
    ));
    assert!(l.warnings.is_empty());
}

#[test]
fn explain_summarises_snippets_and_lists_what_they_read() {
    let l = xml_ok(&scenario(
        "",
        r#"<request><dyn_variable name="token"/><http url="/"/></request>
        <setdynvars sourcetype="eval" code="fun({_, D}) ->&#10;{ok, V} = ts_dynvars:lookup(token, D),&#10;http_uri:encode(V) end."><var name="escaped"/></setdynvars>
        <request subst="true"><http url="/?t=%%_escaped%%"/></request>"#,
    ));
    let text = explain(&l);
    assert!(
        text.contains("eval → escaped: http_uri:encode(…) (3 lines)"),
        "{text}"
    );
    assert!(
        text.contains("token    set by form field on the response of line 10; used on line 11"),
        "{text}"
    );
    assert!(
        text.contains("escaped  set by setdynvars eval (line 11); used on line 12"),
        "{text}"
    );
}

#[test]
fn snippets_in_sessions_stampede_does_not_run_are_not_checked() {
    let xml = scenario("", "")
        .replace(r#"type="ts_http">"#, r#"type="ts_jabber"><setdynvars sourcetype="eval" code="fun(_) -> os:cmd(&quot;ls&quot;) end."><var name="x"/></setdynvars>"#);
    let f = xml_err(&xml);
    assert_eq!(error_codes(&f), ["unsupported-protocol"]);
    assert_eq!(f.diagnostics.len(), 1);
}

#[test]
fn callbacks_are_the_ones_stampede_erl_provides() {
    let opts = r#"<options><option name="file_server" value="data/users.csv"/></options>"#;
    for (m, f) in stampede_erl::callbacks() {
        let l = xml_ok(&scenario(
            opts,
            &format!(
                r#"<setdynvars sourcetype="erlang" callback="{m}:{f}"><var name="v"/></setdynvars>
                <request subst="true"><http url="/?v=%%_v%%&amp;w=%%{m}:{f}%%"/></request>"#
            ),
        ));
        assert!(l.warnings.is_empty(), "{m}:{f}");
    }
    // A built-in that does not take {Pid, DynVars}, a typo and an unknown module.
    let f = xml_err(&scenario(
        opts,
        r#"<request subst="true"><http url="/?a=%%ts_digest:md5hex%%&amp;b=%%ts_user_server:get_unique%%&amp;c=%%mymod:f%%"/></request>"#,
    ));
    assert_eq!(
        error_codes(&f),
        ["unknown-function", "unknown-function", "erlang-module"]
    );
    let help: Vec<&str> = f
        .diagnostics
        .iter()
        .filter_map(|d| d.help.as_deref())
        .collect();
    assert!(
        help[1].starts_with("did you mean ts_user_server:get_unique_id"),
        "{}",
        help[1]
    );
    assert!(
        help[2].contains("ts_user_server:get_unique_id, ts_user_server:get_really_unique_id"),
        "{}",
        help[2]
    );
    assert!(
        f.diagnostics[2]
            .message
            .starts_with("module `mymod` is not available")
    );
}

#[test]
fn content_transforms_are_built_ins_of_one_argument() {
    for ok in ["ts_digest:md5hex", "ts_digest:shahex"] {
        let l = xml_ok(&scenario(
            "",
            &format!(
                r#"<request><match do="log" when="match" apply_to_content="{ok}">x</match><http url="/"/></request>"#
            ),
        ));
        assert!(l.warnings.is_empty(), "{ok}");
    }
    let f = xml_err(&scenario(
        "",
        r#"<request><match do="log" when="match" apply_to_content="ts_digest:md5hx">x</match><http url="/"/></request>
        <request><match do="log" when="match" apply_to_content="lists:nth">x</match><http url="/"/></request>
        <request><match do="log" when="match" apply_to_content="zlib:gunzip">x</match><http url="/"/></request>"#,
    ));
    assert_eq!(
        error_codes(&f),
        ["unknown-function", "unknown-function", "erlang-module"]
    );
    assert_eq!(
        f.diagnostics[0].help.as_deref(),
        Some("did you mean `ts_digest:md5hex`?")
    );
    assert!(
        f.diagnostics[1]
            .message
            .contains("does not take one argument")
    );
    assert!(
        f.diagnostics[2]
            .help
            .as_deref()
            .unwrap()
            .contains("ts_digest:md5hex, ts_digest:shahex")
    );
}
