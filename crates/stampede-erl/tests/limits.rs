//! Runaway snippets stop with `LimitExceeded`: they never hang and never overflow the stack.
#![allow(clippy::unwrap_used)]

use stampede_erl::{EvalError, LimitKind, Limits, TestHost, compile};

fn run(code: &str, limits: &Limits) -> Result<stampede_erl::Value, EvalError> {
    compile(code).unwrap().call(&mut TestHost::new(), limits)
}

/// Runs `f` on a thread with a 2 MiB stack, the default of Tokio's worker threads.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn infinite_tail_recursion_hits_the_reduction_limit() {
    let r = run(
        "fun(_) -> F = fun Loop(N) -> Loop(N + 1) end, F(0) end.",
        &Limits::default(),
    );
    assert_eq!(r, Err(EvalError::LimitExceeded(LimitKind::Reductions)));
}

#[test]
fn deep_body_recursion_hits_the_depth_limit_without_overflowing() {
    let r = on_small_stack(|| {
        run(
            "fun(_) -> F = fun Down(N) -> 1 + Down(N + 1) end, F(0) end.",
            &Limits::default(),
        )
    });
    assert_eq!(r, Err(EvalError::LimitExceeded(LimitKind::Depth)));
}

#[test]
fn deep_recursion_through_lists_map_is_bounded() {
    let r = on_small_stack(|| {
        run(
            "fun(_) -> F = fun Deep(N) -> lists:map(fun(X) -> Deep(X) end, [N]) end, F(1) end.",
            &Limits::default(),
        )
    });
    assert_eq!(r, Err(EvalError::LimitExceeded(LimitKind::Depth)));
}

#[test]
fn huge_sequence_hits_the_heap_limit_before_allocating() {
    let r = run(
        "fun(_) -> length(lists:seq(1, 100000000)) end.",
        &Limits::default(),
    );
    assert_eq!(r, Err(EvalError::LimitExceeded(LimitKind::Heap)));
}

#[test]
fn growing_a_string_in_a_loop_is_stopped() {
    let r = run(
        "fun(_) -> F = fun G(S) -> G(S ++ S ++ \"x\") end, F(\"a\") end.",
        &Limits::default(),
    );
    assert!(matches!(r, Err(EvalError::LimitExceeded(_))), "{r:?}");
}

#[test]
fn huge_duplicate_and_binary_copy_are_stopped() {
    for code in [
        "fun(_) -> lists:duplicate(100000000, x) end.",
        "fun(_) -> binary:copy(<<\"0123456789\">>, 100000000) end.",
        "fun(_) -> string:copies(\"ab\", 100000000) end.",
    ] {
        let r = run(code, &Limits::default());
        assert_eq!(r, Err(EvalError::LimitExceeded(LimitKind::Heap)), "{code}");
    }
}

#[test]
fn limits_are_not_catchable() {
    let r = run(
        "fun(_) -> try (fun L(N) -> L(N) end)(0) catch _:_ -> caught end end.",
        &Limits::default(),
    );
    assert_eq!(r, Err(EvalError::LimitExceeded(LimitKind::Reductions)));
    let r = run(
        "fun(_) -> catch lists:seq(1, 100000000) end.",
        &Limits::default(),
    );
    assert_eq!(r, Err(EvalError::LimitExceeded(LimitKind::Heap)));
}

#[test]
fn tight_limits_apply_and_loose_ones_let_work_finish() {
    let code = "fun(_) -> lists:sum(lists:seq(1, 1000)) end.";
    let tight = Limits {
        max_reductions: 10,
        ..Limits::default()
    };
    assert_eq!(
        run(code, &tight),
        Err(EvalError::LimitExceeded(LimitKind::Reductions))
    );
    assert_eq!(
        run(code, &Limits::default()).unwrap(),
        stampede_erl::Value::Int(500500)
    );
}

#[test]
fn dropping_a_long_list_does_not_overflow() {
    let v = on_small_stack(|| {
        let limits = Limits {
            max_heap_cells: 10_000_000,
            max_reductions: 100_000_000,
            ..Limits::default()
        };
        // A nested iolist 300 000 deep and a 300 000-cell list.
        run(
            "fun(_) -> {lists:foldl(fun(X, Acc) -> [Acc, X] end, [], lists:seq(1, 300000)), lists:seq(1, 300000)} end.",
            &limits,
        )
        .map(|v| v.to_written().len())
    });
    assert!(v.unwrap() > 1000);
}

#[test]
fn huge_widths_and_replacements_are_stopped() {
    for code in [
        "fun(_) -> io_lib:format(\"~999999999999s\", [\"a\"]) end.",
        "fun(_) -> io_lib:format(\"~.999999999f\", [1.5]) end.",
        "fun(_) -> string:left(\"a\", 999999999999) end.",
        "fun(_) -> string:copies(\"ab\", 9223372036854775807) end.",
        "fun(_) -> B = binary:copy(<<\"a\">>, 1000000), re:replace(B, \"a\", binary:copy(<<\"x\">>, 1000), [global, {return, binary}]) end.",
    ] {
        let r = run(code, &Limits::default());
        assert!(
            matches!(r, Err(EvalError::LimitExceeded(_))),
            "{code}: {r:?}"
        );
    }
}

#[test]
fn extreme_integers_do_not_panic() {
    for code in [
        "fun(_) -> lists:seq(-9223372036854775807 - 1, -9223372036854775807 - 1) end.",
        "fun(_) -> binary_part(<<\"abc\">>, 9223372036854775807, 9223372036854775807) end.",
        "fun(_) -> 9223372036854775807 + 1 end.",
        "fun(_) -> (-9223372036854775807 - 1) div -1 end.",
        "fun(_) -> 1 bsl 64 end.",
        "fun(_) -> -(-9223372036854775807 - 1) end.",
        "fun(_) -> abs(-9223372036854775807 - 1) end.",
        "fun(_) -> float_to_list(1.5, [{decimals, 253}]) end.",
    ] {
        let _ = run(code, &Limits::default());
    }
}
