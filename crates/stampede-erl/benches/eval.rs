//! Evaluation speed of a typical token-escaping snippet.

use criterion::{Criterion, criterion_group, criterion_main};
use stampede_erl::{Limits, TestHost, Value, compile};

const ESCAPE_TOKEN: &str = r#"fun({Pid,DynVars}) ->
    {ok, Val} = ts_dynvars:lookup(csrf_token, DynVars),
    re:replace(Val, "[+]", "%2B", [global, {return, list}])
end."#;

fn bench_eval(c: &mut Criterion) {
    let snippet = compile(ESCAPE_TOKEN).expect("the benchmark snippet compiles");
    let mut host = TestHost::new();
    host.set(
        "csrf_token",
        Value::from_bytes(b"k8Jd+Q2mX+7vY0p/4Lw9Rz+TnA3bC1eF5gH=="),
    );
    let limits = Limits::default();
    c.bench_function("re_replace_token", |b| {
        b.iter(|| snippet.call(&mut host, &limits))
    });
    c.bench_function("compile_re_replace_token", |b| {
        b.iter(|| compile(ESCAPE_TOKEN))
    });
    let lookup = compile("fun({_, D}) -> {ok, V} = ts_dynvars:lookup(csrf_token, D), V end.")
        .expect("the lookup snippet compiles");
    c.bench_function("lookup_only", |b| {
        b.iter(|| lookup.call(&mut host, &limits))
    });
    let crlf = compile("fun(_) -> [[13,10]] end.").expect("the CRLF snippet compiles");
    c.bench_function("crlf_constant", |b| {
        b.iter(|| crlf.call(&mut host, &limits))
    });
}

criterion_group!(benches, bench_eval);
criterion_main!(benches);
