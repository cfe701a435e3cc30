//! Compile-time diagnostics: positions, messages and help.
#![allow(clippy::unwrap_used)]

use stampede_erl::{Diagnostic, Severity, compile};

fn errors(code: &str) -> Vec<Diagnostic> {
    match compile(code) {
        Ok(_) => panic!("expected a compile error for {code}"),
        Err(e) => e.diagnostics,
    }
}

fn only_error(code: &str) -> Diagnostic {
    let d: Vec<Diagnostic> = errors(code)
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert_eq!(d.len(), 1, "{d:?}");
    d.into_iter().next().unwrap()
}

#[test]
fn syntax_error_has_line_and_column() {
    let d =
        only_error("fun({Pid,DynVars}) ->\n  {ok, V} = ts_dynvars:lookup(a, DynVars)\n  V\nend.");
    assert_eq!((d.line, d.column), (3, 3));
    assert_eq!(d.message, "syntax error before V: expected 'end'");
}

#[test]
fn missing_end_is_reported_at_the_end() {
    let d = only_error("fun(_) -> ok");
    assert_eq!((d.line, d.column), (1, 13));
    assert!(d.message.contains("expected 'end'"), "{}", d.message);
    assert!(d.help.unwrap().contains("needs its `end`"));
}

#[test]
fn unterminated_string_points_at_its_start() {
    let d = only_error("fun(_) ->\n   \"abc\nend.");
    assert_eq!((d.line, d.column), (2, 4));
    assert_eq!(d.message, "unterminated string");
}

#[test]
fn unknown_function_suggests_the_closest() {
    let d = only_error("fun(_) -> lists:revers(\"abc\") end.");
    assert_eq!(d.message, "function lists:revers/1 undefined");
    assert_eq!(d.help.as_deref(), Some("did you mean lists:reverse/1?"));
    assert_eq!((d.line, d.column), (1, 11));
}

#[test]
fn unknown_local_function_suggests_module() {
    let d = only_error("fun(_) -> nth(1, [a]) end.");
    assert_eq!(d.message, "function nth/2 undefined");
    assert_eq!(d.help.as_deref(), Some("did you mean lists:nth/2?"));
}

#[test]
fn wrong_arity_lists_the_right_ones() {
    let d = only_error("fun(_) -> lists:nth([a]) end.");
    assert_eq!(d.message, "function lists:nth/1 undefined");
    assert_eq!(
        d.help.as_deref(),
        Some("lists:nth takes 2 argument(s): lists:nth/2")
    );
}

#[test]
fn unsupported_function_names_itself() {
    let d = only_error("fun(_) ->\n  os:cmd(\"rm -rf /\")\nend.");
    assert_eq!(d.message, "`os:cmd/1` is not available in scenarios");
    assert_eq!((d.line, d.column), (2, 3));
    assert_eq!(d.help.as_deref(), Some("snippets cannot run programs"));
    let d = only_error("fun(_) -> file:write_file(\"x\", <<>>) end.");
    assert_eq!(
        d.message,
        "`file:write_file/2` is not available in scenarios"
    );
    let d = only_error("fun(_) -> erlang:halt() end.");
    assert_eq!(d.message, "`erlang:halt/0` is not available in scenarios");
    let d = only_error("fun(_) -> os:getpid() end.");
    assert_eq!(d.message, "`os:getpid/0` is not available in scenarios");
}

#[test]
fn custom_module_is_not_available() {
    let d = only_error("fun({Pid, DynVars}) -> mymod:token(DynVars) end.");
    assert_eq!(
        d.message,
        "module `mymod` is not available in scenarios (calling mymod:token/1)"
    );
    assert!(
        d.help
            .unwrap()
            .contains("cannot load compiled Erlang modules")
    );
}

#[test]
fn misspelled_module_gets_a_suggestion() {
    let d = only_error("fun(_) -> ts_dynvar:lookup(a, []) end.");
    assert_eq!(d.help.as_deref(), Some("did you mean ts_dynvars?"));
}

#[test]
fn unbound_variable() {
    let d = only_error("fun({Pid, DynVars}) ->\n  re:replace(Val, \"[+]\", \"%2B\")\nend.");
    assert_eq!(d.message, "variable 'Val' is unbound");
    assert_eq!((d.line, d.column), (2, 14));
}

#[test]
fn several_errors_are_all_reported_in_order() {
    let d = errors("fun(_) ->\n  A = foo:bar(),\n  B + lists:nope(A)\nend.");
    let msgs: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        msgs,
        [
            "module `foo` is not available in scenarios (calling foo:bar/0)",
            "variable 'B' is unbound",
            "function lists:nope/1 undefined",
        ]
    );
}

#[test]
fn atom_arithmetic_is_a_warning_with_its_line() {
    let s =
        compile("fun({_, D}) ->\n  {ok, N} = ts_dynvars:lookup(n, D),\n  count + N\nend.").unwrap();
    let w = s.warnings();
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].severity, Severity::Warning);
    assert_eq!((w[0].line, w[0].column), (3, 9));
    assert_eq!(
        w[0].message,
        "this expression will fail with a 'badarith' exception: count is not a number"
    );
    let s = compile("fun(_) -> 1 div 0 end.").unwrap();
    assert_eq!(
        s.warnings()[0].message,
        "this expression will fail: 1 div 0 raises an exception"
    );
}

#[test]
fn illegal_guard() {
    let d = only_error("fun(X) when lists:member(X, [a]) -> X end.");
    assert_eq!(d.message, "illegal guard expression");
}

#[test]
fn invalid_literal_regex() {
    let d = only_error("fun(_) -> re:replace(\"a\", \"[\", \"b\") end.");
    assert!(
        d.message.starts_with("invalid regular expression \"[\""),
        "{}",
        d.message
    );
}

#[test]
fn snippet_must_be_a_fun_of_one_argument() {
    let d = only_error("fun(A, B) -> A end.");
    assert!(d.message.contains("takes 2 argument(s)"), "{}", d.message);
    let d = only_error("\"just a string\".");
    assert_eq!(d.message, "the snippet does not evaluate to a fun");
}

#[test]
fn receive_and_maps_are_rejected_clearly() {
    assert_eq!(
        only_error("fun(_) -> receive X -> X end end.").message,
        "`receive` is not available in scenarios snippets"
            .replace("scenarios snippets", "scenario snippets")
    );
    assert!(
        only_error("fun(_) -> #{a => 1} end.")
            .message
            .contains("maps")
    );
}

#[test]
fn display_joins_diagnostics() {
    let e = compile("fun(_) -> lists:revers(a) end.").unwrap_err();
    assert_eq!(
        e.to_string(),
        "1:11: error: function lists:revers/1 undefined (help: did you mean lists:reverse/1?)"
    );
}

#[test]
fn invalid_regex_points_at_the_pattern() {
    let d = only_error("fun(_) ->\n  re:run(\"a\", \"(x\", [global]) end.");
    assert_eq!((d.line, d.column), (2, 15));
}
