//! Table-driven tests: realistic snippets of every shape found in real Tsung scenarios, each
//! with the value Erlang returns. The expected values were produced by Erlang/OTP 25
//! (erts-13.1.5, stdlib-4.2, Debian `erlang-base`) with `erl_eval`, as Tsung evaluates
//! snippets; `differential_against_erl` re-checks every deterministic entry against the real
//! `erl` when it is on PATH.
#![allow(clippy::unwrap_used, clippy::print_stderr, clippy::print_stdout)]

use std::collections::HashMap;
use std::process::Command;

use stampede_erl::{EvalError, Limits, TestHost, Value, compile};

struct Case {
    name: &'static str,
    /// Dynamic variables: name and Erlang source of the value.
    vars: &'static [(&'static str, &'static str)],
    /// Files next to the scenario.
    files: &'static [(&'static str, &'static [u8])],
    code: &'static str,
    /// `~p` of the result, or `!class:reason` (`~p`) for an exception.
    expect: &'static str,
    /// Whether the real `erl` can check this entry (deterministic, no edoc, no Tsung server).
    oracle: bool,
}

const fn case(
    name: &'static str,
    vars: &'static [(&'static str, &'static str)],
    code: &'static str,
    expect: &'static str,
) -> Case {
    Case {
        name,
        vars,
        files: &[],
        code,
        expect,
        oracle: true,
    }
}

const TOKEN: &[(&str, &str)] = &[("authenticity_token", "<<\"k8Jd+Q2m/X7v+Y0p=\">>")];

static CASES: &[Case] = &[
    // --- URL-encoding a captured CSRF token -------------------------------------------------
    case(
        "csrf_re_replace_list",
        TOKEN,
        r#"fun({Pid,DynVars})->
             {ok,Val}=ts_dynvars:lookup(authenticity_token,DynVars),
             re:replace(Val,"[+]","%2B",[global, {return, list}])
           end."#,
        r#""k8Jd%2BQ2m/X7v%2BY0p=""#,
    ),
    case(
        "csrf_re_replace_chain",
        TOKEN,
        r#"fun({Pid,DynVars}) ->
             {ok, Token} = ts_dynvars:lookup(authenticity_token, DynVars),
             T1 = re:replace(Token, "\\+", "%2B", [global, {return, list}]),
             T2 = re:replace(T1, "/", "%2F", [global, {return, list}]),
             re:replace(T2, "=", "%3D", [global, {return, list}])
           end."#,
        r#""k8Jd%2BQ2m%2FX7v%2BY0p%3D""#,
    ),
    case(
        "csrf_re_replace_iodata",
        TOKEN,
        r#"fun({Pid,DynVars})->
             {ok,Val}=ts_dynvars:lookup(authenticity_token,DynVars),
             re:replace(Val,"[+]","%2B",[global])
           end."#,
        r#"[<<"k8Jd">>,<<"%2B">>,<<"Q2m/X7v">>,<<"%2B">>|<<"Y0p=">>]"#,
    ),
    case(
        "csrf_re_replace_binary",
        TOKEN,
        r#"fun({_Pid,DynVars}) ->
             {ok,Val} = ts_dynvars:lookup(authenticity_token,DynVars),
             re:replace(Val, "[+/=]", "_", [global, {return, binary}])
           end."#,
        r#"<<"k8Jd_Q2m_X7v_Y0p_">>"#,
    ),
    case(
        "csrf_re_replace_no_match_keeps_subject",
        &[("tok", "<<\"plain\">>")],
        r#"fun({_,D}) -> {ok,V} = ts_dynvars:lookup(tok,D), re:replace(V,"[+]","%2B") end."#,
        r#"<<"plain">>"#,
    ),
    case(
        "csrf_http_uri_encode_list",
        TOKEN,
        r#"fun({Pid,DynVars})->
             {ok,Val}=ts_dynvars:lookup(authenticity_token,DynVars),
             http_uri:encode(binary_to_list(Val))
           end."#,
        r#""k8Jd%2BQ2m%2FX7v%2BY0p%3D""#,
    ),
    case(
        "csrf_http_uri_encode_binary",
        &[("q", "<<\"a b&c=d?e\">>")],
        r#"fun({_,D}) -> {ok,V}=ts_dynvars:lookup(q,D), http_uri:encode(V) end."#,
        r#"<<"a%20b%26c%3Dd%3Fe">>"#,
    ),
    case(
        "http_uri_decode",
        &[("q", "\"a%2Bb%2fc+d%\"")],
        r#"fun({_,D}) -> {ok,V}=ts_dynvars:lookup(q,D), http_uri:decode(V) end."#,
        r#""a+b/c+d%""#,
    ),
    case(
        "uri_string_quote",
        TOKEN,
        r#"fun({_,D}) -> {ok,V}=ts_dynvars:lookup(authenticity_token,D), uri_string:quote(V) end."#,
        r#"<<"k8Jd%2BQ2m%2FX7v%2BY0p%3D">>"#,
    ),
    Case {
        name: "csrf_edoc_escape_uri",
        vars: TOKEN,
        files: &[],
        code: r#"fun({Pid,DynVars})->
             {ok,Val}=ts_dynvars:lookup(authenticity_token,DynVars),
             edoc_lib:escape_uri(binary_to_list(Val))
           end."#,
        expect: r#""k8Jd%2bQ2m%2fX7v%2bY0p%3d""#,
        // Checked against erl only where erlang-edoc is installed.
        oracle: true,
    },
    case(
        "csrf_lookup_missing_is_badmatch",
        &[],
        r#"fun({Pid,DynVars})->
             {ok,Val}=ts_dynvars:lookup(authenticity_token,DynVars),
             re:replace(Val,"[+]","%2B",[global, {return, list}])
           end."#,
        "!error:{badmatch,false}",
    ),
    case(
        "lookup_case_false",
        &[],
        r#"fun({_Pid, DynVars}) ->
             case ts_dynvars:lookup(token, DynVars) of
                 {ok, T} -> T;
                 false -> "none"
             end
           end."#,
        r#""none""#,
    ),
    case(
        "lookup_indexed",
        &[("items", "[<<\"a\">>,<<\"b\">>,<<\"c\">>]")],
        r#"fun({_, D}) -> {ok, X} = ts_dynvars:lookup({items, 2}, D), X end."#,
        r#"<<"b">>"#,
    ),
    // --- Debug printing ------------------------------------------------------------------------
    case(
        "io_format_returns_ok",
        &[("user", "<<\"bob\">>")],
        r#"fun({Pid,DynVars}) -> io:format("user: ~s~n", [element(2, ts_dynvars:lookup(user, DynVars))]) end."#,
        "ok",
    ),
    case(
        "io_format_then_value",
        &[("id", "<<\"42\">>")],
        r#"fun({Pid, DynVars}) ->
             io:format("DynVars: ~p~n", [DynVars]),
             {ok, Id} = ts_dynvars:lookup(id, DynVars),
             binary_to_integer(Id) + 1
           end."#,
        "43",
    ),
    case(
        "io_lib_format_directives",
        &[],
        r#"fun(_) -> lists:flatten(io_lib:format("~p|~w|~s|~10s|~-6s|~5c|~.16B|~8.16.0B|~.2f|~e|~i~~|~b", [{a,"b"}, "b", abc, "right", "left", $x, 255, 255, 3.14159, 1234.5678, skipped, 10])) end."#,
        r#""{a,\"b\"}|[98]|abc|     right|left  |xxxxx|FF|000000FF|3.14|1.23457e+3|~|10""#,
    ),
    case(
        "io_lib_format_bad_arg",
        &[],
        r#"fun(_) -> io_lib:format("~f", [1]) end."#,
        "!error:badarg",
    ),
    // --- CRLF for multipart bodies -------------------------------------------------------------
    case(
        "crlf_nested",
        &[],
        r#"fun({Pid,DynVars})-> [[13,10]] end."#,
        "[\"\\r\\n\"]",
    ),
    case("crlf_string", &[], r#"fun(_) -> "\r\n" end."#, "\"\\r\\n\""),
    case(
        "multipart_boundary",
        &[("boundary", "\"----WebKitFormBoundary7MA4YWxk\"")],
        r#"fun({_Pid, DynVars}) ->
             {ok, B} = ts_dynvars:lookup(boundary, DynVars),
             "--" ++ B ++ [13,10] ++ "Content-Disposition: form-data; name=\"file\"" ++ "\r\n\r\n"
           end."#,
        r#""------WebKitFormBoundary7MA4YWxk\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n""#,
    ),
    // --- file:read_file of an upload ----------------------------------------------------------
    Case {
        name: "read_file_upload",
        vars: &[],
        files: &[("upload.txt", b"hello\nworld\n")],
        code: r#"fun({Pid,DynVars}) -> {ok, Bin} = file:read_file("upload.txt"), Bin end."#,
        expect: r#"<<"hello\nworld\n">>"#,
        oracle: true,
    },
    Case {
        name: "read_file_to_list",
        vars: &[],
        files: &[("form.csv", b"a,b\r\n")],
        code: r#"fun(_) -> {ok, Data} = file:read_file("form.csv"), binary_to_list(Data) end."#,
        expect: r#""a,b\r\n""#,
        oracle: true,
    },
    case(
        "read_file_missing",
        &[],
        r#"fun(_) ->
             case file:read_file("no_such_upload.bin") of
                 {ok, B} -> B;
                 {error, Reason} -> {failed, Reason}
             end
           end."#,
        "{failed,enoent}",
    ),
    // --- random:uniform bounded by a captured value ---------------------------------------------
    case(
        "random_seed_then_uniform_one",
        &[("count", "<<\"1\">>")],
        r#"fun({Pid,DynVars}) ->
             random:seed(now()),
             {ok, Count} = ts_dynvars:lookup(count, DynVars),
             random:uniform(list_to_integer(binary_to_list(Count)))
           end."#,
        "1",
    ),
    case(
        "rand_uniform_one",
        &[],
        r#"fun(_) -> rand:uniform(1) end."#,
        "1",
    ),
    case(
        "random_uniform_zero_fails",
        &[],
        r#"fun(_) -> random:uniform(0) end."#,
        "!error:function_clause",
    ),
    // --- string surgery --------------------------------------------------------------------------
    case(
        "strip_prefix_substr",
        &[("loc", "\"http://example.com/items/1234\"")],
        r#"fun({_, DynVars}) -> {ok, L} = ts_dynvars:lookup(loc, DynVars), string:substr(L, length("http://example.com") + 1) end."#,
        r#""/items/1234""#,
    ),
    case(
        "strip_prefix_nthtail",
        &[("loc", "<<\"/items/1234\">>")],
        r#"fun({_, D}) -> {ok, L} = ts_dynvars:lookup(loc, D), lists:nthtail(7, binary_to_list(L)) end."#,
        r#""1234""#,
    ),
    case(
        "strip_prefix_pattern",
        &[("loc", "\"/items/1234\"")],
        r#"fun({_, D}) -> {ok, "/items/" ++ Id} = ts_dynvars:lookup(loc, D), list_to_integer(Id) end."#,
        "1234",
    ),
    case(
        "binary_prefix_pattern",
        &[("loc", "<<\"/items/1234\">>")],
        r#"fun({_, D}) -> {ok, <<"/items/", Id/binary>>} = ts_dynvars:lookup(loc, D), binary_to_integer(Id) * 2 end."#,
        "2468",
    ),
    case(
        "last_path_element",
        &[("url", "<<\"/api/v1/orders/778\">>")],
        r#"fun({_, D}) -> {ok, U} = ts_dynvars:lookup(url, D), lists:last(string:tokens(binary_to_list(U), "/")) end."#,
        r#""778""#,
    ),
    case(
        "sub_string_and_str",
        &[],
        r#"fun(_) -> S = "session=abc123; path=/", I = string:str(S, ";"), {string:sub_string(S, 9, I - 1), string:rstr(S, "/"), string:chr(S, $=)} end."#,
        r#"{"abc123",22,8}"#,
    ),
    case(
        "string_misc_classic",
        &[],
        r#"fun(_) -> [string:strip("  a b  "), string:strip("xxaxx", both, $x), string:to_upper("abc"), string:to_lower("ABC"), string:join(["a","b","c"], ", "), string:concat("ab", "cd"), string:left("ab", 4, $.), string:right("ab", 4), string:copies("ab", 3), integer_to_list(string:len("abc"))] end."#,
        r#"["a b","a","ABC","abc","a, b, c","abcd","ab..","  ab","ababab","3"]"#,
    ),
    case(
        "string_new_api",
        &[],
        r#"fun(_) -> {string:split("a=b=c", "="), string:split(<<"a=b=c">>, "=", all), string:trim("  x  "), string:trim(<<"\t y\n">>), string:lexemes("a,,b", ","), string:slice("hello", 1, 3), string:find("a.b.c", "."), string:prefix("foobar", "foo"), string:equal("a", "a"), string:replace("a-b-c", "-", "+", all)} end."#,
        r#"{["a","b=c"],[<<"a">>,<<"b">>,<<"c">>],"x",<<"y">>,["a","b"],"ell",".b.c","bar",true,["a","+","b","+","c"]}"#,
    ),
    case(
        "string_to_integer",
        &[],
        r#"fun(_) -> {string:to_integer("42abc"), string:to_integer("x"), string:to_float("1.5e2rest")} end."#,
        r#"{{42,"abc"},{error,no_integer},{150.0,"rest"}}"#,
    ),
    // --- random pick from an xpath list ----------------------------------------------------------
    case(
        "xpath_pick_single",
        &[("list", "[<<\"only\">>]")],
        r#"fun({Pid,DynVars}) -> {ok,L} = ts_dynvars:lookup(list, DynVars), lists:nth(random:uniform(length(L)), L) end."#,
        r#"<<"only">>"#,
    ),
    case(
        "xpath_first",
        &[("ids", "[<<\"7\">>,<<\"8\">>]")],
        r#"fun({_,D}) -> {ok,[V|_]} = ts_dynvars:lookup(ids, D), V end."#,
        r#"<<"7">>"#,
    ),
    case(
        "keydelete_on_list",
        &[],
        r#"fun(_) -> L = [{a,1},{b,2},{a,3}], {lists:keydelete(a, 1, L), lists:keyfind(b, 1, L), lists:keystore(c, 1, L, {c,9}), lists:keyfind(z, 1, L)} end."#,
        "{[{b,2},{a,3}],{b,2},[{a,1},{b,2},{a,3},{c,9}],false}",
    ),
    // --- random form fragments -------------------------------------------------------------------
    case(
        "float_to_list_decimals",
        &[("price", "<<\"19\">>")],
        r#"fun({_, D}) -> {ok, P} = ts_dynvars:lookup(price, D), float_to_list(binary_to_integer(P) * 1.075, [{decimals, 2}]) end."#,
        r#""20.43""#,
    ),
    case(
        "float_to_list_variants",
        &[],
        r#"fun(_) -> [float_to_list(1.5), float_to_list(0.5, [{decimals, 0}]), float_to_list(2.5, [{decimals, 0}]), float_to_list(7.0, [{decimals, 3}, compact]), float_to_list(1.0e20, [{scientific, 3}]), float_to_list(0.1, [short])] end."#,
        r#"["1.50000000000000000000e+00","1","3","7.0","1.000e+20","0.1"]"#,
    ),
    case(
        "io_lib_form_fragment",
        &[],
        r#"fun(_) -> Qty = 3, lists:flatten(io_lib:format("qty=~B&amount=~.2f&note=~s", [Qty, Qty * 2.5, "x y"])) end."#,
        r#""qty=3&amount=7.50&note=x y""#,
    ),
    // --- the language ----------------------------------------------------------------------------
    case(
        "fs_nfs_example",
        &[("tsung_userid", "\"70\"")],
        r#"fun({Pid,DynVars})->
             {ok,Val} = ts_dynvars:lookup(tsung_userid,DynVars),
             {Id,Mod} = case list_to_integer(Val) of
                I when I > 128 -> {I,256};
                I when I > 64  -> {I,128};
                I when I > 32  -> {I,64};
                I              -> {I,32}
             end,
             case Id < 9 of
               true -> (abs(Id+8) rem Mod) +1;
               _ -> (abs(Id-9) rem Mod) +1
             end
           end."#,
        "62",
    ),
    case(
        "arith_and_bases",
        &[],
        r#"fun(_) -> {16#ff + 2#101, 7 div 2, -7 rem 3, 7 / 2, 2 * 3.0, $a, $\n, 1 bsl 10, bnot 0, 255 band 15, 9007199254740993 - 1} end."#,
        "{260,3,-1,3.5,6.0,97,10,1024,-1,15,9007199254740992}",
    ),
    case(
        "comparisons_term_order",
        &[],
        r#"fun(_) -> {1 == 1.0, 1 =:= 1.0, 1 /= 2, 1 =/= 1.0, a < b, 1 < a, {1} < [], [] < <<>>, "abc" < "abd", 2 >= 2, 1.0 =< 1} end."#,
        "{true,false,true,true,true,true,true,true,true,true,true}",
    ),
    case(
        "sort_mixed",
        &[],
        r#"fun(_) -> lists:sort([<<"b">>, "a", {x}, 3, b, 1.5, [], a]) end."#,
        r#"[1.5,3,a,b,{x},[],"a",<<"b">>]"#,
    ),
    case(
        "booleans",
        &[],
        r#"fun(_) -> {true andalso false, false orelse true, true and true, true or false, true xor true, not false, false andalso undefined_is_fine} end."#,
        "{false,true,true,true,false,true,false}",
    ),
    case(
        "lists_and_comprehensions",
        &[],
        r#"fun(_) -> L = lists:seq(1, 10), {[X * X || X <- L, X rem 2 =:= 0], [{X, Y} || X <- [1,2], Y <- "ab"], lists:sum(L), lists:max(L), lists:reverse([1,2,3]) ++ [4], [1,2,3,2] -- [2]} end."#,
        r#"{[4,16,36,64,100],[{1,97},{1,98},{2,97},{2,98}],55,10,[3,2,1,4],[1,3,2]}"#,
    ),
    case(
        "funs_as_values",
        &[],
        r#"fun(_) -> Double = fun(X) -> 2 * X end, {lists:map(Double, [1,2,3]), lists:foldl(fun(X, Acc) -> X + Acc end, 0, [1,2,3]), lists:filter(fun(X) -> X > 1 end, [1,2,3]), lists:map(fun erlang:abs/1, [-1, 2]), (fun lists:reverse/1)("abc"), lists:foldr(fun(X, A) -> [X | A] end, [], "xy")} end."#,
        r#"{[2,4,6],6,[2,3],[1,2],"cba","xy"}"#,
    ),
    case(
        "named_fun_loop",
        &[],
        r#"fun(_) -> Loop = fun Count(0, Acc) -> Acc; Count(N, Acc) -> Count(N - 1, Acc + N) end, Loop(10000, 0) end."#,
        "50005000",
    ),
    case(
        "closures_capture",
        &[],
        r#"fun(_) -> Prefix = "id-", Mk = fun(N) -> Prefix ++ integer_to_list(N) end, [Mk(N) || N <- [1, 2]] end."#,
        r#"["id-1","id-2"]"#,
    ),
    case(
        "if_and_guards",
        &[],
        r#"fun(_) -> F = fun(X) when is_integer(X), X > 10 -> big; (X) when is_integer(X) -> small; (X) when is_list(X); is_binary(X) -> text; (_) -> other end, {[F(50), F(1), F("s"), F(<<"b">>), F(1.0)], if length([1,2]) > 1 -> many; true -> few end} end."#,
        "{[big,small,text,text,other],many}",
    ),
    case(
        "try_catch",
        &[],
        r#"fun(_) ->
             A = try list_to_integer("x") catch error:badarg -> bad end,
             B = try throw(oops) catch throw:T -> {caught, T} end,
             C = catch 1 + a,
             D = try 1 of 1 -> one after ok end,
             E = (catch throw(x)),
             {A, B, element(1, C), D, E}
           end."#,
        "{bad,{caught,oops},'EXIT',one,x}",
    ),
    case(
        "binaries",
        &[],
        r#"fun(_) -> N = 258, B = <<"ab", N:16, 1, (list_to_binary("c"))/binary>>, <<H:8, Rest/binary>> = B, {B, H, Rest, byte_size(B), <<"é"/utf8>>, binary_to_list(<<1,2,3>>, 2, 3)} end."#,
        r#"{<<97,98,1,2,1,99>>,97,<<98,1,2,1,99>>,6,<<"Ã©">>,[2,3]}"#,
    ),
    case(
        "tuples_and_atoms",
        &[],
        r#"fun(_) -> T = {a, 'B c', "d"}, {element(2, T), setelement(1, T, z), tuple_size(T), tuple_to_list({1,2}), list_to_tuple([x]), atom_to_list('hello world'), list_to_atom("ok"), 'end', '[]'} end."#,
        r#"{'B c',{z,'B c',"d"},3,[1,2],{x},"hello world",ok,'end','[]'}"#,
    ),
    case(
        "conversions",
        &[],
        r#"fun(_) -> {integer_to_list(255, 16), list_to_integer("ff", 16), integer_to_binary(42), binary_to_integer(<<"-7">>), list_to_float("2.5"), round(2.5), trunc(-2.7), float(3), iolist_to_binary(["a", <<"b">>, [$c]]), list_to_binary([<<"x">>, "y"]), atom_to_binary(ok), binary_to_atom(<<"ok">>, utf8)} end."#,
        r#"{"FF",255,<<"42">>,-7,2.5,3,-2,3.0,<<"abc">>,<<"xy">>,<<"ok">>,ok}"#,
    ),
    case(
        "improper_and_nested",
        &[],
        r#"fun(_) -> {[1|2], [a|"bc"], hd([x, y]), tl([x, y]), lists:flatten([1, [2, [3]], []]), lists:append([[1], [2, 3]]), lists:nth(2, "abc")} end."#,
        r#"{[1|2],[a,98,99],x,[y],[1,2,3],[1,2,3],98}"#,
    ),
    case(
        "floats_print",
        &[],
        r#"fun(_) -> [0.1 + 0.2, 1.0e-5, 100.0, 1.0e21, 123.456, 1.0e15, 123456789012345.0, 0.0001, -2.5] end."#,
        "[0.30000000000000004,1.0e-5,100.0,1.0e21,123.456,1.0e15,123456789012345.0,0.0001,-2.5]",
    ),
    case(
        "re_run_and_split",
        &[],
        r#"fun(_) -> {re:run("abc", "(x)?(b)", [{capture, all, list}]), re:run("abab", "a", [global]), re:run("abc", "b", [{capture, none}]), re:run("abc", "z"), re:split("a1b2", "(\\d)"), re:split("a,b,,", ",", [trim]), re:split("Erlang", "", [{return, list}]), re:run("ID=42;", "ID=(\\d+)", [{capture, all_but_first, binary}])} end."#,
        r#"{{match,["b",[],"b"]},{match,[[{0,1}],[{2,1}]]},match,nomatch,[<<"a">>,<<"1">>,<<"b">>,<<"2">>,<<>>],[<<"a">>,<<"b">>],["E","r","l","a","n","g",[]],{match,[<<"42">>]}}"#,
    ),
    case(
        "re_replace_groups_and_options",
        &[],
        r#"fun(_) -> {re:replace("abc", "(b)", "[\\1&]"), re:replace("ABC", "b", "x", [caseless, {return, list}]), re:replace("aaa", "a*", "-", [global, {return, list}]), re:replace("abc", "x*", "-", [global, {return, list}]), re:replace("a.b", "\\.", "\\\\&", [{return, list}])} end."#,
        r#"{[<<"a">>,[<<"[">>,<<"b">>,<<"b">>,<<"]">>]|<<"c">>],"AxC","--","-a-b-c-","a\\.b"}"#,
    ),
    case(
        "crypto_and_base64",
        &[],
        r#"fun(_) -> {binary:encode_hex(crypto:hash(md5, "abc")), base64:encode("user:pass"), base64:decode(<<"dXNlcjpwYXNz">>), base64:encode_to_string(<<"hi">>), ts_digest:md5hex("abc"), binary:encode_hex(crypto:hash(sha, <<"abc">>))} end."#,
        r#"{<<"900150983CD24FB0D6963F7D28E17F72">>,<<"dXNlcjpwYXNz">>,<<"user:pass">>,"aGk=","900150983cd24fb0d6963f7d28e17f72",<<"A9993E364706816ABA3E25717850C26C9CD0D89D">>}"#,
    ),
    case(
        "proplists_and_misc_lists",
        &[],
        r#"fun(_) -> P = [{a, 1}, {b, 2}, c], {proplists:get_value(b, P), proplists:get_value(c, P), proplists:get_value(z, P, dflt), lists:zip([1,2], [a,b]), lists:split(1, [a,b,c]), lists:duplicate(3, x), lists:delete(b, [a,b,b]), lists:member(c, P), lists:usort([3,1,3,2]), lists:sublist("abcdef", 2, 3), lists:droplast([1,2,3]), lists:any(fun(X) -> X > 2 end, [1,3]), lists:all(fun erlang:is_atom/1, [a, 1])} end."#,
        r#"{2,true,dflt,[{1,a},{2,b}],{[a],[b,c]},[x,x,x],[a,b],true,[1,2,3],"bcd",[1,2],true,false}"#,
    ),
    case(
        "unique_id_builtin",
        &[("tsung_userid", "17")],
        r#"fun(Arg) -> ts_user_server:get_unique_id(Arg) ++ "@example.com" end."#,
        r#""17@example.com""#,
    ),
    case(
        "edoc_escape_uri_non_ascii",
        &[],
        r#"fun(_) -> edoc_lib:escape_uri("a b/é~") end."#,
        r#""a%20b%2f%c3%a9%7e""#,
    ),
    case(
        "lists_more",
        &[],
        r#"fun(_) -> {lists:keysort(2, [{a,3},{b,1},{c,2}]), lists:flatmap(fun(X) -> [X, X] end, [1,2]), lists:mapfoldl(fun(X, A) -> {X * 2, A + X} end, 0, [1,2,3]), lists:partition(fun(X) -> X > 1 end, [1,2,3]), lists:takewhile(fun(X) -> X < 3 end, [1,2,3,1]), lists:dropwhile(fun(X) -> X < 3 end, [1,2,3,1]), lists:sort(fun(A, B) -> A >= B end, [2,3,1]), lists:seq(10, 1, -3), lists:nthtail(2, [a,b,c]), lists:min([3, 1.0, 2]), lists:keyreplace(a, 1, [{a,1}], {a,2}), lists:reverse("ab", "cd"), lists:concat([a, 1, "b", 2.5]), lists:suffix("lo", "hello")} end."#,
        r#"{[{b,1},{c,2},{a,3}],[1,1,2,2],{[2,4,6],6},{[2,3],[1]},[1,2],[3,1],[3,2,1],[10,7,4,1],[c],1.0,[{a,2}],"bacd","a1b2.50000000000000000000e+00",true}"#,
    ),
    case(
        "printing_quoting_and_escapes",
        &[],
        r#"fun(_) -> ['hello world', 'Abc', abc@def, 'end', [], "tab\there", "quote\"back\\", [7], [27], <<1,2>>, <<"é">>, {}, [1000], [$a|b], -0.0, 1.0e-10, 12345678.9] end."#,
        r#"['hello world','Abc',abc@def,'end',[],"tab\there","quote\"back\\",[7],"\e",<<1,2>>,<<"é">>,{},[1000],[97|b],-0.0,1.0e-10,12345678.9]"#,
    ),
    case(
        "re_named_groups_and_unicode",
        &[],
        r#"fun(_) -> {re:run("key=val", "(?<k>\\w+)=(?<v>\\w+)", [{capture, [v, k], list}]), re:run("key=val", "(?<k>\\w+)=(?<v>\\w+)", [{capture, all_names, binary}]), re:replace("héllo", "é", "e", [unicode, {return, list}]), re:run(<<"AbC">>, "abc", [caseless, {capture, first, binary}]), re:split("a b  c", "\\s+", [{return, list}]), re:run("line1\nline2", "^line2$", [multiline, {capture, none}])} end."#,
        r#"{{match,["val","key"]},{match,[<<"key">>,<<"val">>]},"hello",{match,[<<"AbC">>]},["a","b","c"],match}"#,
    ),
    case(
        "string_binaries_and_case",
        &[],
        r#"fun(_) -> {string:uppercase(<<"abc">>), string:lowercase("ÀB"), string:length(<<"héllo"/utf8>>), string:slice(<<"hello">>, 2), string:find(<<"a=b">>, "="), string:split("a\r\nb", "\r\n"), string:tokens("  a  b ", " "), string:sub_word("a b c", 2), string:words("a  b c"), string:trim("xxaxx", both, "x")} end."#,
        r#"{<<"ABC">>,"àb",5,<<"llo">>,<<"=b">>,["a","b"],["a","b"],"b",3,"a"}"#,
    ),
    case(
        "binary_module",
        &[],
        r#"fun(_) -> {binary:split(<<"a,b,c">>, <<",">>), binary:split(<<"a,b,c">>, <<",">>, [global]), binary:replace(<<"a-b-c">>, <<"-">>, <<"+">>, [global]), binary:match(<<"abc">>, <<"c">>), binary:part(<<"hello">>, 1, 3), binary:at(<<"abc">>, 0), binary:bin_to_list(<<"hi">>), binary:decode_hex(<<"4142">>), binary_part(<<"hello">>, {0, 2}) =:= <<"he">> orelse short} end."#,
        r#"{[<<"a">>,<<"b,c">>],[<<"a">>,<<"b">>,<<"c">>],<<"a+b+c">>,{2,1},<<"ell">>,97,"hi",<<"AB">>,true}"#,
    ),
    case(
        "guards_bifs_and_operators",
        &[],
        r#"fun(_) -> F = fun(X) when is_tuple(X), tuple_size(X) == 2, element(1, X) =:= ok -> ok_pair; (X) when is_binary(X), byte_size(X) > 2 -> long_bin; (X) when length(X) > 1 -> long_list; (X) when X > 1.5 -> big; (_) -> other end, [F({ok, 1}), F(<<"abc">>), F([a, b]), F(2), F(a), F(1)] end."#,
        "[ok_pair,long_bin,long_list,big,big,other]",
    ),
    case(
        "nested_case_binding_visible_after",
        &[("role", "<<\"admin\">>")],
        r#"fun({_, D}) ->
             case ts_dynvars:lookup(role, D) of
                 {ok, <<"admin">>} -> Level = 10;
                 {ok, _} -> Level = 1;
                 false -> Level = 0
             end,
             Level * 2
           end."#,
        "20",
    ),
    case(
        "comprehension_variables_are_local",
        &[],
        r#"fun(_) -> X = 100, [begin Y = X + 1, Y end || X <- [1, 2]] ++ [X] end."#,
        "[2,3,100]",
    ),
    case(
        "bad_generator_and_badarity",
        &[],
        r#"fun(_) -> F = fun(A) -> A end, {'EXIT', {R1, _}} = (catch [X || X <- notalist]), {'EXIT', {{badarity, {_, Args}}, _}} = (catch F(1, 2)), {R1, Args} end."#,
        "{{bad_generator,notalist},[1,2]}",
    ),
    case(
        "io_lib_more_directives",
        &[],
        r#"fun(_) -> lists:flatten(io_lib:format("~w|~-6w|~3w|~ts|~*c|~x|~.8b|~+|~#|~P|~n", [[1,2], x, 12345, "é", 3, $z, 255, "0x", 8, 10, 10, [1,2,3,4,5], 3])) end."#,
        "\"[1,2]|x     |***|é|zzz|0x255|10|10#10|10#10|[1,2|...]|\\n\"",
    ),
    case(
        "io_lib_float_directives",
        &[],
        r#"fun(_) -> [lists:flatten(io_lib:format(F, [X])) || {F, X} <- [{"~.1f", 0.25}, {"~.1f", 0.35}, {"~.2f", 2.675}, {"~.2f", 1.125}, {"~.2e", 1.125}, {"~g", 0.5}, {"~.3g", 1234.5}, {"~g", 123456.0}, {"~g", 0.05}, {"~.3f", 1.0005}, {"~f", -3.0}]] end."#,
        r#"["0.3","0.3","2.67","1.13","1.1e+0","0.500000","1.23e+3","1.23456e+5","5.00000e-2","1.000","-3.000000"]"#,
    ),
    case(
        "subtraction_and_append_errors",
        &[],
        r#"fun(_) -> {'EXIT', {R, _}} = (catch a ++ [b]), {R, "abc" -- "b", [1,2,3] -- [3,1], [] ++ x} end."#,
        "{badarg,\"ac\",[2],x}",
    ),
    case(
        "badarith_at_run_time",
        &[("n", "<<\"5\">>")],
        r#"fun({_, D}) -> {ok, N} = ts_dynvars:lookup(n, D), N + 1 end."#,
        "!error:badarith",
    ),
    case(
        "case_clause_error",
        &[],
        r#"fun(_) -> case 3 of 1 -> one; 2 -> two end end."#,
        "!error:{case_clause,3}",
    ),
    case(
        "if_clause_error",
        &[],
        r#"fun(_) -> if 1 > 2 -> a end end."#,
        "!error:if_clause",
    ),
    case(
        "nth_out_of_range",
        &[],
        r#"fun(_) -> lists:nth(5, [1]) end."#,
        "!error:function_clause",
    ),
    case(
        "list_to_integer_badarg",
        &[],
        r#"fun(_) -> list_to_integer(" 1") end."#,
        "!error:badarg",
    ),
    case(
        "throw_uncaught",
        &[],
        r#"fun(_) -> throw({not_found, 1}) end."#,
        "!throw:{not_found,1}",
    ),
];

/// Builds a value from Erlang source, with our own evaluator.
fn term(src: &str) -> Value {
    let s = compile(&format!("fun(_) -> {src} end.")).unwrap();
    s.call(&mut TestHost::new(), &Limits::default()).unwrap()
}

fn host_for(c: &Case) -> TestHost {
    let mut h = TestHost::new();
    for (name, src) in c.vars.iter().rev() {
        h.set(name, term(src));
    }
    for (name, data) in c.files {
        h.files.insert((*name).to_string(), data.to_vec());
    }
    h
}

fn run_case(c: &Case) -> Result<Value, String> {
    let snippet = compile(c.code).map_err(|e| format!("compile error: {e}"))?;
    snippet
        .call(&mut host_for(c), &Limits::default())
        .map_err(|e| match e {
            EvalError::Exception { class, reason, .. } => {
                format!("!{}:{}", class.name(), reason.to_pretty())
            }
            other => format!("!{other}"),
        })
}

fn render(r: &Result<Value, String>) -> String {
    match r {
        Ok(v) => v.to_pretty(),
        Err(e) => e.clone(),
    }
}

#[test]
fn every_case_gives_erlangs_value() {
    let mut failures = Vec::new();
    for c in CASES {
        let got = render(&run_case(c));
        if got != c.expect {
            failures.push(format!(
                "{}:\n  expected {}\n  got      {}",
                c.name, c.expect, got
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn case_names_are_unique() {
    let mut seen = HashMap::new();
    for c in CASES {
        assert!(
            seen.insert(c.name, ()).is_none(),
            "duplicate case {}",
            c.name
        );
    }
}

#[test]
fn io_format_goes_to_the_host_log() {
    let c = CASES
        .iter()
        .find(|c| c.name == "io_format_then_value")
        .unwrap();
    let mut host = host_for(c);
    compile(c.code)
        .unwrap()
        .call(&mut host, &Limits::default())
        .unwrap();
    assert_eq!(host.log_text(), "DynVars: [{id,<<\"42\">>}]\n");
}

#[test]
fn random_pick_stays_in_range_and_follows_the_host_rng() {
    let code = r#"fun({Pid,DynVars}) -> random:seed(now()), {ok,L} = ts_dynvars:lookup(list, DynVars), lists:nth(random:uniform(length(L)), L) end."#;
    let snippet = compile(code).unwrap();
    let items = Value::list_of_binaries(["a", "b", "c", "d"]);
    let picks = || {
        let mut host = TestHost::new();
        host.set("list", items.clone());
        (0..200)
            .map(|_| {
                snippet
                    .call(&mut host, &Limits::default())
                    .unwrap()
                    .to_pretty()
            })
            .collect::<Vec<String>>()
    };
    let first = picks();
    // Same host seed, same sequence: `random:seed(now())` does not perturb it.
    assert_eq!(first, picks());
    let seen: std::collections::BTreeSet<&str> = first.iter().map(String::as_str).collect();
    let expected: std::collections::BTreeSet<&str> =
        ["<<\"a\">>", "<<\"b\">>", "<<\"c\">>", "<<\"d\">>"]
            .into_iter()
            .collect();
    assert_eq!(seen, expected);
}

#[test]
fn random_uniform_bounded_by_capture_covers_the_range() {
    let code = r#"fun({_, D}) -> {ok, N} = ts_dynvars:lookup(count, D), rand:uniform(binary_to_integer(N)) end."#;
    let snippet = compile(code).unwrap();
    let mut host = TestHost::new();
    host.set("count", Value::from_bytes(b"6"));
    let mut counts = [0u32; 7];
    for _ in 0..600 {
        match snippet.call(&mut host, &Limits::default()).unwrap() {
            Value::Int(i) if (1..=6).contains(&i) => counts[i as usize] += 1,
            other => panic!("out of range: {other}"),
        }
    }
    assert!(counts[1..].iter().all(|c| *c > 50), "{counts:?}");
}

// ------------------------------------------------------------------------------------------------
// Differential check against the real Erlang.

fn erl_available() -> bool {
    Command::new("erl")
        .args(["-noshell", "-eval", "halt()."])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn erl_string_literal(s: &str) -> String {
    let mut out = String::from("\"");
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            _ => out.push(ch),
        }
    }
    out.push('"');
    out
}

#[test]
fn differential_against_erl() {
    if !erl_available() {
        eprintln!("skipping: `erl` is not on PATH (apt-get install erlang-base to run this check)");
        return;
    }
    let dir = std::env::temp_dir().join(format!("stampede-erl-oracle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let stubs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle");
    for m in ["ts_dynvars", "ts_user_server", "ts_digest"] {
        let st = Command::new("erlc")
            .arg("-o")
            .arg(&dir)
            .arg(stubs.join(format!("{m}.erl")))
            .status()
            .unwrap();
        assert!(st.success(), "erlc {m}");
    }
    let has_edoc = Command::new("erl")
        .args([
            "-noshell",
            "-eval",
            "io:format(\"~p\", [code:which(edoc_lib)]), halt().",
        ])
        .output()
        .map(|o| !String::from_utf8_lossy(&o.stdout).contains("non_existing"))
        .unwrap_or(false);
    if !has_edoc {
        eprintln!("erlang-edoc is not installed: edoc_lib cases are not checked against erl");
    }
    let mut script = String::new();
    let cases: Vec<&Case> = CASES
        .iter()
        .filter(|c| c.oracle && (has_edoc || !c.code.contains("edoc_lib")))
        .collect();
    for c in &cases {
        for (name, data) in c.files {
            std::fs::write(dir.join(name), data).unwrap();
        }
        let code = c.code.trim().trim_end_matches('.');
        let vars: Vec<String> = c
            .vars
            .iter()
            .map(|(n, v)| format!("{{{n}, {v}}}"))
            .collect();
        script.push_str(&format!(
            "(fun() -> Zz_R = try Zz_F = {code}, {{ok, Zz_F({{self(), [{vars}]}})}} catch Zz_C:Zz_E -> {{exc, Zz_C, Zz_E}} end, \
             io:format(\"~s\\t~w\\t~9999p~n\", [{name}, Zz_R, Zz_R]) end)(),\n",
            vars = vars.join(", "),
            name = erl_string_literal(c.name),
        ));
    }
    script.push_str("ok.\n");
    let script_path = dir.join("cases.erl");
    std::fs::write(&script_path, &script).unwrap();
    let boot = format!(
        "{{ok,B}}=file:read_file({}), {{ok,T,_}}=erl_scan:string(unicode:characters_to_list(B)), {{ok,E}}=erl_parse:parse_exprs(T), erl_eval:exprs(E,[]), halt().",
        erl_string_literal(&script_path.to_string_lossy())
    );
    let out = Command::new("erl")
        .current_dir(&dir)
        .args(["-noshell", "-pa"])
        .arg(&dir)
        .args(["-eval", &boot])
        .output()
        .unwrap();
    // `-noshell` output is latin1: one byte per character.
    let stdout: String = out.stdout.iter().map(|b| char::from(*b)).collect();
    assert!(
        out.status.success(),
        "erl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut erl: HashMap<String, (String, String)> = HashMap::new();
    for line in stdout.lines() {
        let mut parts = line.splitn(3, '\t');
        if let (Some(n), Some(w), Some(p)) = (parts.next(), parts.next(), parts.next()) {
            erl.insert(n.to_string(), (w.to_string(), p.to_string()));
        }
    }
    let mut failures = Vec::new();
    for c in &cases {
        let Some((erl_w, erl_p)) = erl.get(c.name) else {
            failures.push(format!("{}: no output from erl", c.name));
            continue;
        };
        let snippet = match compile(c.code) {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("{}: compile error {e}", c.name));
                continue;
            }
        };
        let (ours_w, ours_p) = match snippet.call(&mut host_for(c), &Limits::default()) {
            Ok(v) => (
                format!("{{ok,{}}}", v.to_written()),
                format!("{{ok,{}}}", v.to_pretty()),
            ),
            Err(EvalError::Exception { class, reason, .. }) => (
                format!("{{exc,{},{}}}", class.name(), reason.to_written()),
                format!("{{exc,{},{}}}", class.name(), reason.to_pretty()),
            ),
            Err(e) => (format!("{e}"), String::new()),
        };
        if &ours_w != erl_w || &ours_p != erl_p {
            failures.push(format!(
                "{}:\n  erl  {erl_w}\n       {erl_p}\n  ours {ours_w}\n       {ours_p}",
                c.name
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "{} of {} cases checked against erl",
        cases.len() - failures.len(),
        cases.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
