//! How Tsung's parser reads attribute values: it hands them to Erlang's tokenizer
//! (`erl_scan`) and expects exactly one token of the wanted kind. These functions accept
//! exactly what that accepts, so a value Tsung crashes on is reported instead.

/// Why a value is not the number Tsung expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NumError {
    Empty,
    /// A float where an integer is needed (`1.5`).
    Float,
    /// A sign: Erlang's tokenizer reads `-1` as two tokens.
    Signed,
    /// Not a number at all, or several tokens (`1e3`, `10 s`).
    Malformed,
    /// Too large for Stampede.
    TooLarge,
}

impl NumError {
    /// A sentence for diagnostics, about value `v` of attribute `attr`.
    pub(crate) fn describe(self, attr: &str, v: &str, want: &str) -> String {
        match self {
            NumError::Empty => format!("`{attr}` is empty; it needs {want}"),
            NumError::Float => format!("`{attr}=\"{v}\"` must be {want}, not a decimal number"),
            NumError::Signed => format!("`{attr}=\"{v}\"` must be {want} without a sign"),
            NumError::Malformed => format!("`{attr}=\"{v}\"` is not {want}"),
            NumError::TooLarge => format!("`{attr}=\"{v}\"` is too large"),
        }
    }
}

/// Erlang's white space: every character up to the space, and U+0080 to U+00A0.
pub(crate) fn is_erl_ws(c: char) -> bool {
    c <= ' ' || ('\u{80}'..='\u{a0}').contains(&c)
}

fn trim(s: &str) -> &str {
    s.trim_matches(is_erl_ws)
}

/// Digits with optional `_` separators between them (OTP 23+), in `radix`.
fn digits(s: &str, radix: u32) -> Option<String> {
    if s.is_empty() || s.starts_with('_') || s.ends_with('_') || s.contains("__") {
        return None;
    }
    let clean: String = s.chars().filter(|&c| c != '_').collect();
    clean.chars().all(|c| c.is_digit(radix)).then_some(clean)
}

/// Reads an Erlang integer literal (`42`, `1_000`, `16#ff`), as `getAttr(integer, …)`.
pub(crate) fn integer(s: &str) -> Result<i64, NumError> {
    let t = trim(s);
    if t.is_empty() {
        return Err(NumError::Empty);
    }
    if t.starts_with(['-', '+']) {
        return match number_token(&t[1..]) {
            Some(_) => Err(NumError::Signed),
            None => Err(NumError::Malformed),
        };
    }
    match number_token(t) {
        Some(Token::Int(i)) => i.ok_or(NumError::TooLarge),
        Some(Token::Float(_)) => Err(NumError::Float),
        None => Err(NumError::Malformed),
    }
}

/// Reads an integer or a float (`2`, `2.5`, `1.0e3`), as `getAttr(float_or_integer, …)`.
/// An empty value is 0, as in Tsung.
pub(crate) fn number(s: &str) -> Result<f64, NumError> {
    if s.is_empty() {
        return Ok(0.0);
    }
    let t = trim(s);
    if t.is_empty() {
        return Err(NumError::Malformed);
    }
    if t.starts_with(['-', '+']) {
        return match number_token(&t[1..]) {
            Some(_) => Err(NumError::Signed),
            None => Err(NumError::Malformed),
        };
    }
    match number_token(t) {
        Some(Token::Int(Some(i))) => Ok(i as f64),
        Some(Token::Int(None)) => Err(NumError::TooLarge),
        Some(Token::Float(f)) => Ok(f),
        None => Err(NumError::Malformed),
    }
}

enum Token {
    Int(Option<i64>),
    Float(f64),
}

fn number_token(t: &str) -> Option<Token> {
    if let Some((base, rest)) = t.split_once('#') {
        let base: u32 = digits(base, 10)?.parse().ok()?;
        if !(2..=36).contains(&base) {
            return None;
        }
        let d = digits(rest, base)?;
        return Some(Token::Int(i64::from_str_radix(&d, base).ok()));
    }
    if let Some((int, frac)) = t.split_once('.') {
        let int = digits(int, 10)?;
        let (frac, exp) = match frac.find(['e', 'E']) {
            Some(i) => (&frac[..i], Some(&frac[i + 1..])),
            None => (frac, None),
        };
        let frac = digits(frac, 10)?;
        let mut text = format!("{int}.{frac}");
        if let Some(exp) = exp {
            let (sign, e) = match exp.strip_prefix(['+', '-']) {
                Some(e) => (&exp[..1], e),
                None => ("", exp),
            };
            text.push('e');
            text.push_str(sign);
            text.push_str(&digits(e, 10)?);
        }
        return text.parse().ok().map(Token::Float);
    }
    let d = digits(t, 10)?;
    Some(Token::Int(d.parse().ok()))
}

/// Erlang's reserved words, which the tokenizer never reads as atoms.
const RESERVED: &[&str] = &[
    "after", "and", "andalso", "band", "begin", "bnot", "bor", "bsl", "bsr", "bxor", "case",
    "catch", "cond", "div", "end", "fun", "if", "let", "not", "of", "or", "orelse", "receive",
    "rem", "try", "when", "xor",
];

fn is_lower_start(c: char) -> bool {
    c.is_ascii_lowercase() || (('\u{df}'..='\u{ff}').contains(&c) && c != '\u{f7}')
}

fn is_atom_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || c == '_'
        || c == '@'
        || (('\u{c0}'..='\u{ff}').contains(&c) && c != '\u{d7}' && c != '\u{f7}')
}

/// Reads an Erlang atom (`foo`, `foo_bar@x`, `'any text'`), as `getAttr(atom, …)`. Returns
/// the atom's name, or `None` when Erlang's tokenizer would not produce exactly one atom
/// (capitalised words are variables, `a-b` is three tokens, `end` is a keyword).
pub(crate) fn atom(s: &str) -> Option<String> {
    let t = trim(s);
    if let Some(inner) = t.strip_prefix('\'') {
        let inner = inner.strip_suffix('\'')?;
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next()? {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    's' => out.push(' '),
                    other => out.push(other),
                },
                '\'' => return None,
                other => out.push(other),
            }
        }
        return Some(out);
    }
    let mut chars = t.chars();
    let first = chars.next()?;
    if !is_lower_start(first) || !chars.all(is_atom_char) || RESERVED.contains(&t) {
        return None;
    }
    Some(t.to_owned())
}

/// Tsung's `ts_utils:clean_str/1`: strips line feeds and spaces (not tabs or CRs) from both
/// ends, in exactly the four passes Tsung makes.
pub(crate) fn clean_str(s: &str) -> &str {
    let s = s.trim_matches('\n');
    let s = s.trim_matches(' ');
    let s = s.trim_matches('\n');
    s.trim_matches(' ')
}

/// Erlang's `string:strip(S, both)`: spaces only.
pub(crate) fn strip_spaces(s: &str) -> &str {
    s.trim_matches(' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_as_erl_scan_reads_them() {
        let ok: &[(&str, i64)] = &[
            ("42", 42),
            (" 10 ", 10),
            ("2  ", 2),
            ("\n7\t", 7),
            ("1_000", 1000),
            ("16#ff", 255),
            ("2#101", 5),
            ("0", 0),
        ];
        for (s, v) in ok {
            assert_eq!(integer(s), Ok(*v), "{s:?}");
        }
        let bad: &[(&str, NumError)] = &[
            ("", NumError::Empty),
            ("  ", NumError::Empty),
            ("1.5", NumError::Float),
            ("-1", NumError::Signed),
            ("+3", NumError::Signed),
            ("1e3", NumError::Malformed),
            ("10 s", NumError::Malformed),
            ("5.", NumError::Malformed),
            ("abc", NumError::Malformed),
            ("1__0", NumError::Malformed),
            ("37#1", NumError::Malformed),
            ("99999999999999999999", NumError::TooLarge),
        ];
        for (s, e) in bad {
            assert_eq!(integer(s), Err(*e), "{s:?}");
        }
    }

    #[test]
    fn floats_or_integers() {
        assert_eq!(number("2"), Ok(2.0));
        assert_eq!(number("2.5"), Ok(2.5));
        assert_eq!(number("0.0025"), Ok(0.0025));
        assert_eq!(number("1.0e3"), Ok(1000.0));
        assert_eq!(number("1.5E-1"), Ok(0.15));
        assert_eq!(number(""), Ok(0.0));
        assert_eq!(number(".5"), Err(NumError::Malformed));
        assert_eq!(number("1e3"), Err(NumError::Malformed));
        assert_eq!(number("-2.5"), Err(NumError::Signed));
    }

    #[test]
    fn atoms() {
        assert_eq!(atom("user").as_deref(), Some("user"));
        assert_eq!(atom(" user_2@x ").as_deref(), Some("user_2@x"));
        assert_eq!(atom("'Hello world'").as_deref(), Some("Hello world"));
        assert_eq!(atom("'tlsv1.2'").as_deref(), Some("tlsv1.2"));
        for bad in ["User", "_x", "a-b", "tlsv1.2", "1x", "", "end", "a b", "'x"] {
            assert_eq!(atom(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn clean_str_passes() {
        assert_eq!(clean_str("\n  abc \n"), "abc");
        assert_eq!(clean_str("\t abc"), "\t abc");
        assert_eq!(clean_str("\n \n \nabc"), "\nabc");
        assert_eq!(strip_spaces("  a b  "), "a b");
    }
}
