//! Float formatting against Erlang's own `~p` output (fixture produced by OTP 25's `io:format`).
#![allow(clippy::unwrap_used)]

use stampede_report::erlang;

#[test]
fn thousands_of_floats_print_like_erlang() {
    let text = include_str!("fixtures/erlang_floats.txt");
    let mut checked = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (bits, want) = line.split_once('\t').unwrap();
        let x = f64::from_bits(bits.parse().unwrap());
        assert_eq!(erlang::float(x), want, "bits {bits}");
        checked += 1;
    }
    assert!(checked > 4000);
}
