//! The API the session interpreter and the scenario loader use.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use stampede_erl::{
    EvalError, FileError, Limits, Snippet, TestHost, Value, apply_builtin, builtin_functions,
    call_builtin, callbacks, check_callback, compile, sandbox_path, to_subst_bytes,
};

#[test]
fn snippet_is_send_sync_clone() {
    fn assert_traits<T: Send + Sync + Clone + 'static>() {}
    assert_traits::<Snippet>();
    assert_traits::<Value>();
    let s = compile("fun(_) -> ok end.").unwrap();
    let t = s.clone();
    let h = std::thread::spawn(move || t.call(&mut TestHost::new(), &Limits::default()));
    assert_eq!(h.join().unwrap().unwrap(), Value::atom("ok"));
}

#[test]
fn subst_bytes_follow_term_to_list() {
    let cases: Vec<(Value, &[u8])> = vec![
        (Value::Int(-42), b"-42"),
        (Value::atom("undefined"), b"undefined"),
        (Value::from_bytes(b"a\r\nb"), b"a\r\nb"),
        // Latin-1 characters are bytes, as Tsung's list_to_binary makes them; beyond, UTF-8.
        (Value::string("caf\u{e9}"), b"caf\xe9"),
        (Value::string("\u{20ac}"), "\u{20ac}".as_bytes()),
        (Value::Float(1.5), b"1.50000000000000000000e+00"),
        (Value::Float(0.1), b"1.00000000000000005551e-01"),
        (
            Value::list(vec![Value::list(vec![Value::Int(13), Value::Int(10)])]),
            b"\r\n",
        ),
        (
            Value::list_with_tail(
                vec![Value::from_bytes(b"a"), Value::string("b")],
                Value::from_bytes(b"c"),
            ),
            b"abc",
        ),
        (Value::Nil, b""),
        (
            Value::tuple(vec![Value::atom("ok"), Value::Int(1)]),
            b"{ok,1}",
        ),
    ];
    for (v, want) in cases {
        assert_eq!(to_subst_bytes(&v), want, "{v}");
    }
}

#[test]
fn conversions_for_the_session() {
    let v = Value::from_bytes(b"tok");
    assert_eq!(v.to_pretty(), "<<\"tok\">>");
    let l = Value::list_of_binaries([b"a".as_slice(), b"b".as_slice()]);
    assert_eq!(l.to_pretty(), "[<<\"a\">>,<<\"b\">>]");
    assert_eq!(Value::string("x").to_written(), "[120]");
}

#[test]
fn builtin_unique_ids() {
    let mut host = TestHost::new();
    host.user_id = 7;
    host.now = 1_700_000_123_456_789;
    let v = call_builtin("ts_user_server", "get_unique_id", &mut host).unwrap();
    assert_eq!(v, Value::string("7"));
    let v = call_builtin("ts_user_server", "get_really_unique_id", &mut host).unwrap();
    assert_eq!(v.to_pretty(), "[[\"1700000123\",\"-\",\"7\"]]");
    assert_eq!(to_subst_bytes(&v), b"1700000123-7");
}

#[test]
fn builtin_file_server_lines() {
    let mut host = TestHost::new();
    host.lines.insert(
        "default".into(),
        vec![b"user1;pw1".to_vec(), b"user2;pw2".to_vec()],
    );
    host.lines.insert("users".into(), vec![b"u;p".to_vec()]);
    // As a substitution: the line itself.
    let v = call_builtin("ts_file_server", "get_next_line", &mut host).unwrap();
    assert_eq!(v, Value::from_bytes(b"user1;pw1"));
    // From a snippet, with a file id: {ok, Line}.
    let s = compile(
        "fun(_) -> {ts_file_server:get_next_line(), ts_file_server:get_next_line(users)} end.",
    )
    .unwrap();
    let v = s.call(&mut host, &Limits::default()).unwrap();
    assert_eq!(v.to_pretty(), "{{ok,<<\"user2;pw2\">>},{ok,<<\"u;p\">>}}");
    // get_all_lines: the list itself as a substitution, {ok, List} with a file id.
    let v = call_builtin("ts_file_server", "get_all_lines", &mut host).unwrap();
    assert_eq!(v.to_pretty(), "[<<\"user1;pw1\">>,<<\"user2;pw2\">>]");
    let s = compile("fun(_) -> ts_file_server:get_all_lines(users) end.").unwrap();
    let v = s.call(&mut host, &Limits::default()).unwrap();
    assert_eq!(v.to_pretty(), "{ok,[<<\"u;p\">>]}");
    let s = compile("fun(_) -> ts_file_server:get_random_line(nofile) end.").unwrap();
    assert!(matches!(
        s.call(&mut host, &Limits::default()),
        Err(EvalError::Exception { .. })
    ));
}

#[test]
fn callbacks_and_their_diagnostics() {
    assert!(callbacks().contains(&("ts_user_server", "get_unique_id")));
    assert!(check_callback("ts_user_server", "get_unique_id").is_ok());
    let e = check_callback("cn", "f").unwrap_err();
    assert_eq!(
        e.message,
        "module `cn` is not available in scenarios (needed by `cn:f`)"
    );
    let e = check_callback("ts_user_server", "get_unique").unwrap_err();
    assert_eq!(
        e.help.as_deref(),
        Some("did you mean ts_user_server:get_unique_id?")
    );
    let e = check_callback("lists", "reverse").unwrap_err();
    assert!(
        e.message.contains("does not take {Pid, DynVars}"),
        "{}",
        e.message
    );
}

#[test]
fn apply_builtin_for_apply_to_content() {
    let v = apply_builtin(
        "ts_digest",
        "md5hex",
        vec![Value::from_bytes(b"abc")],
        &mut TestHost::new(),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(v, Value::string("900150983cd24fb0d6963f7d28e17f72"));
    let e = apply_builtin(
        "nope",
        "f",
        vec![],
        &mut TestHost::new(),
        &Limits::default(),
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "error:undef in nope:f/0");
}

#[test]
fn builtin_list_is_complete_for_the_common_calls() {
    let names: Vec<String> = builtin_functions()
        .map(|(m, f, a)| format!("{m}:{f}/{a}"))
        .collect();
    for want in [
        "ts_dynvars:lookup/2",
        "re:replace/4",
        "io:format/2",
        "http_uri:encode/1",
        "random:uniform/1",
        "erlang:now/0",
        "random:seed/1",
        "file:read_file/1",
        "lists:nth/2",
        "erlang:binary_to_list/1",
        "erlang:list_to_binary/1",
        "erlang:length/1",
        "lists:keydelete/3",
        "rand:uniform/1",
        "erlang:integer_to_list/1",
        "io_lib:format/2",
        "erlang:float_to_list/2",
        "string:join/2",
        "string:concat/2",
        "edoc_lib:escape_uri/1",
        "ts_file_server:get_next_line/0",
    ] {
        assert!(names.contains(&want.to_string()), "{want} missing");
    }
}

#[test]
fn read_file_is_sandboxed() {
    let base = Path::new("/srv/scenarios/shop");
    assert_eq!(
        sandbox_path(base, "data/upload.jpg").unwrap(),
        Path::new("/srv/scenarios/shop/data/upload.jpg")
    );
    assert_eq!(
        sandbox_path(base, "../secret"),
        Err(FileError::AccessDenied)
    );
    assert_eq!(
        sandbox_path(base, "/etc/passwd"),
        Err(FileError::AccessDenied)
    );
    assert!(sandbox_path(base, "/srv/scenarios/shop/x.bin").is_ok());

    let s = compile("fun(_) -> file:read_file(\"../../etc/passwd\") end.").unwrap();
    let v = s.call(&mut TestHost::new(), &Limits::default()).unwrap();
    assert_eq!(v.to_pretty(), "{error,eacces}");
}

#[test]
fn dynvars_print_as_tsungs_list() {
    let mut host = TestHost::new();
    host.set("b", Value::Int(2));
    host.set("a", Value::from_bytes(b"x"));
    let s = compile(
        "fun({_, DynVars}) -> io:format(\"~p~n\", [DynVars]), lists:keyfind(b, 1, DynVars) end.",
    )
    .unwrap();
    let v = s.call(&mut host, &Limits::default()).unwrap();
    assert_eq!(v.to_pretty(), "{b,2}");
    assert_eq!(host.log_text(), "[{a,<<\"x\">>},{b,2}]\n");
}

#[test]
fn now_and_time_come_from_the_host() {
    let mut host = TestHost::new();
    host.now = 1_234_567_890_123_456;
    let s = compile("fun(_) -> {now(), os:timestamp(), erlang:system_time(second), calendar:now_to_datetime(now())} end.").unwrap();
    let v = s.call(&mut host, &Limits::default()).unwrap();
    assert_eq!(
        v.to_pretty(),
        "{{1234,567890,123456},{1234,567890,123456},1234567890,{{2009,2,13},{23,31,30}}}"
    );
}

#[test]
fn runtime_errors_carry_position_and_function() {
    let s =
        compile("fun({_, D}) ->\n  {ok, V} = ts_dynvars:lookup(v, D),\n  list_to_integer(V)\nend.")
            .unwrap();
    let mut host = TestHost::new();
    host.set("v", Value::string("12x"));
    let e = s.call(&mut host, &Limits::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "error:badarg in erlang:list_to_integer/1 at 3:3"
    );
}
