//! Values of dynamic variables, and how Tsung turns them into text.

use std::borrow::Cow;
use std::fmt;

/// The value of a dynamic variable.
///
/// Tsung's values are Erlang terms: binaries (captured text), integers (`for` counters,
/// `random_number`, `tsung_userid`), floats (JSON numbers) and lists (XPath results, JSON
/// arrays). Atoms such as `true` or `undefined` are stored as their text.
#[derive(Clone, PartialEq)]
pub enum Value {
    Bytes(Box<[u8]>),
    Int(i64),
    Float(f64),
    List(Box<[Value]>),
}

/// A number read from a value with Erlang's `list_to_float` then `list_to_integer`.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub(crate) enum Number {
    Int(i64),
    Float(f64),
}

impl Number {
    pub(crate) fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
}

impl Value {
    /// A text value.
    pub fn bytes(b: impl Into<Vec<u8>>) -> Value {
        Value::Bytes(b.into().into_boxed_slice())
    }

    /// The empty text (what a failed capture stores).
    pub fn empty() -> Value {
        Value::Bytes(Box::default())
    }

    /// Appends the value's text, as Tsung's substitution renders it (`ts_utils:term_to_list`):
    /// integers in decimal, floats in Erlang's `float_to_list` format
    /// (`1.50000000000000000000e+00`), lists as the concatenation of their elements.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        match self {
            Value::Bytes(b) => out.extend_from_slice(b),
            Value::Int(i) => write_int(out, *i),
            Value::Float(f) => write_erlang_float(out, *f),
            Value::List(items) => {
                for item in items.iter() {
                    item.write_to(out);
                }
            }
        }
    }

    /// The value's text (borrowed for text values).
    pub fn text(&self) -> Cow<'_, [u8]> {
        match self {
            Value::Bytes(b) => Cow::Borrowed(b),
            other => {
                let mut out = Vec::new();
                other.write_to(&mut out);
                Cow::Owned(out)
            }
        }
    }

    /// The elements of a list value.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    /// The number in the value, read like Tsung's `binary_to_num`: an Erlang float literal
    /// (`1.5`, `-2.0e3`) or an integer (`42`, `-7`, `+3`). A list gives its first element's
    /// number. `None` for anything else (Tsung's user process crashes there).
    pub(crate) fn number(&self) -> Option<Number> {
        match self {
            Value::Int(i) => Some(Number::Int(*i)),
            Value::Float(f) => Some(Number::Float(*f)),
            Value::Bytes(b) => parse_number(b),
            Value::List(items) => items.first().and_then(Value::number),
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bytes(b) => write!(f, "{:?}", String::from_utf8_lossy(b)),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x:?}"),
            Value::List(items) => f.debug_list().entries(items.iter()).finish(),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::bytes(s.as_bytes())
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

/// Appends `i` in decimal without going through `fmt`.
pub(crate) fn write_int(out: &mut Vec<u8>, i: i64) {
    let mut buf = [0u8; 20];
    let mut n = i.unsigned_abs();
    let mut pos = buf.len();
    loop {
        pos -= 1;
        buf[pos] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if i < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[pos..]);
}

/// Appends `n` in decimal.
pub(crate) fn write_uint(out: &mut Vec<u8>, n: u64) {
    let mut buf = [0u8; 20];
    let mut n = n;
    let mut pos = buf.len();
    loop {
        pos -= 1;
        buf[pos] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[pos..]);
}

/// Erlang's `float_to_list/1`: 20 digits after the point, exponent with a sign and at least
/// two digits.
pub(crate) fn write_erlang_float(out: &mut Vec<u8>, f: f64) {
    use std::io::Write;
    if !f.is_finite() {
        let _ = write!(out, "{f}");
        return;
    }
    let s = format!("{f:.20e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    out.extend_from_slice(mantissa.as_bytes());
    let sign = if exp < 0 { '-' } else { '+' };
    let _ = write!(out, "e{sign}{:02}", exp.unsigned_abs());
}

/// `list_to_float` then `list_to_integer`, as Tsung's `binary_to_num`.
pub(crate) fn parse_number(b: &[u8]) -> Option<Number> {
    let s = std::str::from_utf8(b).ok()?;
    if is_erlang_float(s) {
        return s.parse::<f64>().ok().map(Number::Float);
    }
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    match s.parse::<i64>() {
        Ok(i) => Some(Number::Int(i)),
        // Erlang integers are unbounded; beyond i64 compare as floats.
        Err(_) => s.parse::<f64>().ok().map(Number::Float),
    }
}

/// Erlang float syntax: `[+-]digits.digits([eE][+-]digits)?`.
fn is_erlang_float(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let Some((int, rest)) = s.split_once('.') else {
        return false;
    };
    let (frac, exp) = match rest.find(['e', 'E']) {
        Some(p) => (&rest[..p], Some(&rest[p + 1..])),
        None => (rest, None),
    };
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|c| c.is_ascii_digit());
    digits(int)
        && digits(frac)
        && exp.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: &Value) -> String {
        String::from_utf8(v.text().into_owned()).unwrap()
    }

    #[test]
    fn term_to_list_forms() {
        let cases: Vec<(Value, &str)> = vec![
            (Value::from("abc"), "abc"),
            (Value::Int(-42), "-42"),
            (Value::Int(i64::MIN), "-9223372036854775808"),
            (Value::Float(1.5), "1.50000000000000000000e+00"),
            (Value::Float(0.1), "1.00000000000000005551e-01"),
            (Value::Float(-1234.0), "-1.23400000000000000000e+03"),
            (Value::Float(1e100), "1.00000000000000001590e+100"),
            (
                Value::List(vec![Value::from("a"), Value::Int(1), Value::from("b")].into()),
                "a1b",
            ),
            (Value::List(Box::default()), ""),
        ];
        for (v, want) in cases {
            assert_eq!(text(&v), want, "{v:?}");
        }
    }

    #[test]
    fn binary_to_num() {
        let cases: &[(&str, Option<Number>)] = &[
            ("42", Some(Number::Int(42))),
            ("-7", Some(Number::Int(-7))),
            ("+3", Some(Number::Int(3))),
            ("1.5", Some(Number::Float(1.5))),
            ("-2.0e3", Some(Number::Float(-2000.0))),
            ("1.0E-2", Some(Number::Float(0.01))),
            ("1.", None),
            (".5", None),
            ("1e5", None),
            ("", None),
            ("abc", None),
            ("12a", None),
            (" 1", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_number(s.as_bytes()), *want, "{s}");
        }
        assert_eq!(
            Value::List(vec![Value::from("3"), Value::from("x")].into()).number(),
            Some(Number::Int(3))
        );
    }
}
