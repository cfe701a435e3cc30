//! Printing terms as Erlang does with `~w` and `~p` (without `~p`'s line breaking), plus the
//! float renderings Erlang uses.

use crate::value::{FunKind, Value};

/// Which `io:format` rendering.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// `~w`: lists as lists of integers, binaries as bytes.
    W,
    /// `~p`: printable lists as strings, printable binaries as `<<"text">>`.
    P,
}

/// Nesting below which terms are printed in full; deeper parts print as `...`.
const MAX_PRINT_DEPTH: usize = 200;

/// Renders `v` in the given style.
pub fn print_term(v: &Value, style: Style) -> String {
    let mut out = String::new();
    write_term(&mut out, v, style, 0);
    out
}

fn write_term(out: &mut String, v: &Value, style: Style, depth: usize) {
    if depth > MAX_PRINT_DEPTH {
        out.push_str("...");
        return;
    }
    match v {
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&float_short(*f)),
        Value::Atom(a) => out.push_str(&quote_atom(a.as_str())),
        Value::Nil => out.push_str("[]"),
        Value::DynVars => out.push_str("[]"),
        Value::Pid(p) => out.push_str(&format!("<0.{p}.0>")),
        Value::Fun(f) => match &f.0 {
            FunKind::Closure(c) => out.push_str(&format!(
                "#Fun<erl_eval.{}.{}>",
                c.def.id,
                3316493 + c.def.arity
            )),
            FunKind::Builtin(b) => {
                out.push_str(&format!("fun {}:{}/{}", b.module, b.name, b.arity))
            }
        },
        Value::Binary(b) => write_binary(out, b, style),
        Value::Tuple(items) => {
            out.push('{');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_term(out, item, style, depth + 1);
            }
            out.push('}');
        }
        Value::Cons(_) => {
            if style == Style::P
                && let Some(cps) = printable_list(v)
            {
                write_quoted_string(out, &cps, '"');
                return;
            }
            out.push('[');
            let mut first = true;
            let mut it = v.iter_list();
            for item in it.by_ref() {
                if !first {
                    out.push(',');
                }
                first = false;
                write_term(out, item, style, depth + 1);
            }
            match it.end() {
                Value::Nil => {}
                tail => {
                    out.push('|');
                    write_term(out, tail, style, depth + 1);
                }
            }
            out.push(']');
        }
    }
}

fn write_binary(out: &mut String, b: &[u8], style: Style) {
    if b.is_empty() {
        out.push_str("<<>>");
        return;
    }
    if style == Style::P && b.iter().all(|c| is_printable_latin1(u32::from(*c))) {
        out.push_str("<<");
        let cps: Vec<u32> = b.iter().map(|c| u32::from(*c)).collect();
        write_quoted_string(out, &cps, '"');
        out.push_str(">>");
        return;
    }
    out.push_str("<<");
    for (i, c) in b.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&c.to_string());
    }
    out.push_str(">>");
}

/// Whether `c` is printable in `~p`'s default (latin1) mode.
pub fn is_printable_latin1(c: u32) -> bool {
    matches!(c, 32..=126 | 160..=255 | 8..=13 | 27)
}

/// The code points of a non-empty printable flat list, or `None`.
fn printable_list(v: &Value) -> Option<Vec<u32>> {
    let cps = v.code_points()?;
    (!cps.is_empty() && cps.iter().all(|c| is_printable_latin1(*c))).then_some(cps)
}

/// Writes `cps` quoted with `q`, escaping as Erlang does.
pub fn write_quoted_string(out: &mut String, cps: &[u32], q: char) {
    out.push(q);
    for &c in cps {
        match c {
            0x22 if q == '"' => out.push_str("\\\""),
            0x27 if q == '\'' => out.push_str("\\'"),
            0x5C => out.push_str("\\\\"),
            0x0A => out.push_str("\\n"),
            0x0D => out.push_str("\\r"),
            0x09 => out.push_str("\\t"),
            0x0B => out.push_str("\\v"),
            0x08 => out.push_str("\\b"),
            0x0C => out.push_str("\\f"),
            0x1B => out.push_str("\\e"),
            0x7F => out.push_str("\\d"),
            c if c < 32 => out.push_str(&format!("\\^{}", char::from((c + 64) as u8))),
            c => out.push(char::from_u32(c).unwrap_or('?')),
        }
    }
    out.push(q);
}

const RESERVED: &[&str] = &[
    "after", "and", "andalso", "band", "begin", "bnot", "bor", "bsl", "bsr", "bxor", "case",
    "catch", "cond", "div", "end", "fun", "if", "let", "not", "of", "or", "orelse", "receive",
    "rem", "try", "when", "xor", "maybe", "else",
];

/// An atom's name as Erlang prints it: quoted when it must be.
pub fn quote_atom(name: &str) -> String {
    let mut chars = name.chars();
    let plain = match chars.next() {
        Some(c) if c.is_ascii_lowercase() || ('ß'..='ÿ').contains(&c) && c != '÷' => name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '@' || latin1_letter(c)),
        _ => false,
    };
    if plain && !RESERVED.contains(&name) {
        return name.to_string();
    }
    let cps: Vec<u32> = name.chars().map(u32::from).collect();
    let mut out = String::new();
    write_quoted_string(&mut out, &cps, '\'');
    out
}

fn latin1_letter(c: char) -> bool {
    ('À'..='ÿ').contains(&c) && c != '×' && c != '÷'
}

/// Erlang's shortest round-trip rendering of a float (`~p`, `~w`, `io_lib:format("~p")`):
/// the shorter of the fixed and scientific forms, fixed on a tie.
pub fn float_short(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    let (neg, digits, exp) = shortest_digits(f);
    let sign = if neg { "-" } else { "" };
    let sci = {
        let frac = if digits.len() > 1 { &digits[1..] } else { "0" };
        format!("{sign}{}.{frac}e{exp}", &digits[..1])
    };
    let fixed = if exp >= 0 {
        let e = exp as usize;
        if digits.len() > e + 1 {
            format!("{sign}{}.{}", &digits[..=e], &digits[e + 1..])
        } else {
            format!("{sign}{}{}.0", digits, "0".repeat(e + 1 - digits.len()))
        }
    } else {
        format!("{sign}0.{}{}", "0".repeat((-exp - 1) as usize), digits)
    };
    if fixed.len() <= sci.len() { fixed } else { sci }
}

/// The shortest digits that round-trip, and the decimal exponent of the first digit.
fn shortest_digits(f: f64) -> (bool, String, i32) {
    let s = format!("{:e}", f.abs());
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    (f < 0.0, digits.to_string(), exp.parse().unwrap_or(0))
}

/// `float_to_list(F)`: 20 significant decimals in scientific form, e.g.
/// `1.50000000000000000000e+00`.
pub fn float_to_list_default(f: f64) -> String {
    scientific(f, 20)
}

/// `~e` / `{scientific, N}`: `N` decimals after the point, exponent with sign and two digits.
pub fn scientific(f: f64, decimals: usize) -> String {
    let s = format!("{:.*e}", decimals, f);
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mant}e{sign}{:02}", exp.abs())
}

/// `{decimals, N}` (and `~.Nf`): fixed notation with `N` decimals, rounded half away from
/// zero on the exact binary value (so `0.5` gives `1` and `2.675` gives `2.67`, as Erlang).
pub fn fixed(f: f64, decimals: usize) -> String {
    if !f.is_finite() {
        return format!("{f}");
    }
    // Every finite double has at most 1074 fractional digits: this is its exact value.
    let exact = format!("{:.1100}", f.abs());
    let (int_part, frac_part) = exact.split_once('.').unwrap_or((&exact, ""));
    let mut digits: Vec<u8> = int_part
        .bytes()
        .chain(
            frac_part
                .bytes()
                .chain(std::iter::repeat(b'0'))
                .take(decimals),
        )
        .collect();
    let round_up = frac_part
        .as_bytes()
        .get(decimals)
        .is_some_and(|d| *d >= b'5');
    if round_up {
        let mut i = digits.len();
        loop {
            if i == 0 {
                digits.insert(0, b'1');
                break;
            }
            i -= 1;
            if digits[i] == b'9' {
                digits[i] = b'0';
            } else {
                digits[i] += 1;
                break;
            }
        }
    }
    let int_len = digits.len() - decimals;
    let mut out = String::new();
    if f.is_sign_negative() {
        out.push('-');
    }
    out.push_str(std::str::from_utf8(&digits[..int_len]).unwrap_or("0"));
    if decimals > 0 {
        out.push('.');
        out.push_str(std::str::from_utf8(&digits[int_len..]).unwrap_or(""));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_erlang() {
        // Values taken from OTP 25's `io_lib:format("~p", [F])` and `float_to_list/1,2`.
        let short = [
            (0.1 + 0.2, "0.30000000000000004"),
            (1.0e-5, "1.0e-5"),
            (100.0, "100.0"),
            (1.0e21, "1.0e21"),
            (123456789012345.0, "123456789012345.0"),
            (1.0e15, "1.0e15"),
            (0.0001, "0.0001"),
            (-0.0, "-0.0"),
            (5.0e-324, "5.0e-324"),
            (1.7976931348623157e308, "1.7976931348623157e308"),
        ];
        for (f, want) in short {
            assert_eq!(float_short(f), want);
        }
        assert_eq!(float_to_list_default(0.1), "1.00000000000000005551e-01");
        assert_eq!(scientific(1.0e20, 3), "1.000e+20");
        let fixed_cases = [
            (0.5, 0, "1"),
            (1.5, 0, "2"),
            (2.5, 0, "3"),
            (2.675, 2, "2.67"),
            (123.456, 1, "123.5"),
            (9.999, 2, "10.00"),
            (-1.005, 2, "-1.00"),
            (0.0, 3, "0.000"),
        ];
        for (f, d, want) in fixed_cases {
            assert_eq!(fixed(f, d), want, "{f} with {d} decimals");
        }
    }

    #[test]
    fn atoms_are_quoted_when_needed() {
        for (name, want) in [
            ("ok", "ok"),
            ("hello world", "'hello world'"),
            ("Abc", "'Abc'"),
            ("a@b_1", "a@b_1"),
            ("end", "'end'"),
            ("", "''"),
            ("it's", "'it\\'s'"),
        ] {
            assert_eq!(quote_atom(name), want);
        }
    }
}
