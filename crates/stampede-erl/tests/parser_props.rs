//! The lexer, parser and checker never panic, whatever the input.

use proptest::prelude::*;
use stampede_erl::compile;

const SNIPPETS: &[&str] = &[
    "fun({Pid,DynVars})-> {ok,Val}=ts_dynvars:lookup(token,DynVars), re:replace(Val,\"[+]\",\"%2B\",[global, {return, list}]) end.",
    "fun(_) -> [X * 2 || X <- lists:seq(1, 10), X rem 2 =:= 0] end.",
    "fun(_) -> try throw(a) catch throw:A -> A after ok end end.",
    "fun(_) -> <<A:8, Rest/binary>> = <<\"xy\">>, {A, Rest} end.",
    "fun F(0) -> 1; F(N) when N > 0 -> N * F(N - 1) end.",
    "fun(_) -> case 16#ff of 255 -> $a; _ -> 'q a' end end.",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,200}") {
        let _ = compile(&s);
    }

    #[test]
    fn erlang_like_tokens_never_panic(s in "[a-zA-Z0-9_$#<>=:;,.|(){}\\[\\]'\" +*/\\-!%\n]{0,200}") {
        let _ = compile(&s);
    }

    #[test]
    fn mutated_snippets_never_panic(i in 0..SNIPPETS.len(), cut in 0usize..400, insert in "\\PC{0,5}") {
        let src = SNIPPETS[i];
        let at = src.char_indices().map(|(k, _)| k).nth(cut % src.chars().count()).unwrap_or(0);
        let mutated = format!("{}{}{}", &src[..at], insert, &src[at..]);
        let _ = compile(&mutated);
        let _ = compile(&src[..at]);
    }
}

#[test]
fn deep_nesting_is_rejected_without_overflow() {
    let r = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            for n in [100, 1_000, 100_000] {
                let open = "(".repeat(n);
                let close = ")".repeat(n);
                let _ = compile(&format!("fun(_) -> {open}1{close} end."));
                let lists = "[".repeat(n);
                let _ = compile(&format!("fun(_) -> {lists} end."));
                let minus = "-".repeat(n);
                let _ = compile(&format!("fun(_) -> {minus}1 end."));
            }
        })
        .map(|h| h.join().is_ok());
    assert!(matches!(r, Ok(true)));
}
