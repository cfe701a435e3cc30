//! Numbers and names printed the way Erlang's `io:format("~p")` prints them, as Tsung writes
//! `tsung.log` with it.

use stampede_metrics::TsungNum;

/// An Erlang float as `~p` prints it (OTP 25 and later): the shortest digits that read back
/// to the same value, in plain notation (`12.5`, `0.001`, `100.0`) unless scientific notation
/// (`1.0e3`, `2.5e-7`) is strictly shorter, and always scientific from 2^53 up.
pub fn float(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    let x = x.abs();
    if x == 0.0 {
        return format!("{sign}0.0");
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "d.ddde±x".
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let digits = break_tie_to_even(x, digits.trim_end_matches('0'), exp);
    let digits = if digits.is_empty() {
        "0"
    } else {
        digits.as_str()
    };
    let len = digits.len() as i32;
    // value = 0.DIGITS × 10^place
    let place = exp + 1;

    let scientific = {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() { "0" } else { rest };
        format!("{first}.{rest}e{}", place - 1)
    };
    if x >= 9_007_199_254_740_992.0 {
        return format!("{sign}{scientific}");
    }
    let plain = if place <= 0 {
        format!("0.{}{digits}", "0".repeat((-place) as usize))
    } else if place >= len {
        format!("{digits}{}.0", "0".repeat((place - len) as usize))
    } else {
        let (int, frac) = digits.split_at(place as usize);
        format!("{int}.{frac}")
    };
    if scientific.len() < plain.len() {
        format!("{sign}{scientific}")
    } else {
        format!("{sign}{plain}")
    }
}

/// Rust and Erlang both print the shortest digits that read back to `x`, but when `x` lies
/// exactly halfway between two such candidates Rust takes the upper one and Erlang the even
/// one. Ties need 15+ significant digits (shorter decimals are too far apart to both round to
/// `x`), and are detected exactly from `x`'s full decimal expansion.
fn break_tie_to_even(x: f64, digits: &str, exp: i32) -> String {
    let len = digits.len();
    let Ok(d) = digits.parse::<u64>() else {
        return digits.to_owned();
    };
    if !(15..=17).contains(&len) {
        return digits.to_owned();
    }
    let reads_back = |n: u64| {
        let s = n.to_string();
        s.len() == len && format!("{}.{}e{exp}", &s[..1], &s[1..]).parse::<f64>() == Ok(x)
    };
    for alt in [d.wrapping_sub(1), d + 1] {
        if !reads_back(alt) {
            continue;
        }
        let mid = format!("{}5", d.min(alt));
        let exact = format!("{x:.800e}");
        let (mantissa, e) = exact.split_once('e').unwrap_or((&exact, ""));
        let exact_digits: String = mantissa.chars().filter(|c| *c != '.').collect();
        let is_tie = e.parse::<i32>() == Ok(exp)
            && exact_digits.starts_with(&mid)
            && exact_digits[mid.len()..].bytes().all(|b| b == b'0');
        if is_tie {
            return if d % 2 == 0 { d } else { alt }.to_string();
        }
    }
    digits.to_owned()
}

/// A [`TsungNum`] as Erlang prints it.
pub fn num(n: TsungNum) -> String {
    match n {
        TsungNum::Int(i) => i.to_string(),
        TsungNum::Float(f) => float(f),
    }
}

/// An atom as `~p` prints it: bare when it is a lowercase letter followed by letters, digits,
/// `_` or `@`; otherwise quoted with `'`, escaping `'` and `\`. Numeric names (status codes)
/// are Erlang integers and print bare.
pub fn atom(name: &str) -> String {
    let mut chars = name.chars();
    let bare = match chars.next() {
        Some(c) if c.is_ascii_lowercase() => {
            chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '@')
        }
        Some(c) if c.is_ascii_digit() => name.chars().all(|c| c.is_ascii_digit()),
        _ => false,
    };
    if bare {
        return name.to_owned();
    }
    let mut out = String::with_capacity(name.len() + 2);
    out.push('\'');
    for c in name.chars() {
        if c == '\'' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// A string as Erlang's `~p` prints a printable list: in double quotes, `"` and `\\` escaped.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_like_erlang() {
        for (x, want) in [
            (0.1, "0.1"),
            (1.0, "1.0"),
            (0.0, "0.0"),
            (1.0e-5, "1.0e-5"),
            (0.001, "0.001"),
            (0.0015, "0.0015"),
            (123456789.0, "123456789.0"),
            (1000.0, "1.0e3"),
            (100.0, "100.0"),
            (450.0, "450.0"),
            (1200.0, "1.2e3"),
            (1.0e15, "1.0e15"),
            (9007199254740992.0, "9.007199254740992e15"),
            (1234567890123456.0, "1234567890123456.0"),
            (0.012345678901234568, "0.012345678901234568"),
            (2.5e-7, "2.5e-7"),
            (-3.25, "-3.25"),
        ] {
            assert_eq!(float(x), want, "{x:e}");
        }
    }

    #[test]
    fn atoms_like_erlang() {
        assert_eq!(atom("tr_login"), "tr_login");
        assert_eq!(atom("tr_a-b"), "'tr_a-b'");
        assert_eq!(atom("tr_it's"), "'tr_it\\'s'");
        assert_eq!(atom("200"), "200");
        assert_eq!(atom("Request"), "'Request'");
    }
}
