//! The `string` module: the classic list functions (`substr`, `tokens`, `strip`, …) and the
//! chardata functions added in OTP 20 (`split`, `trim`, `replace`, `find`, …). Chardata
//! functions return binaries when given a binary, lists otherwise.

use super::{Bif, atom, b, chardata, flat_string, function_clause, int, list, non_neg};
use crate::eval::{Ctx, R, Trap};
use crate::value::Value;

pub(crate) static BIFS: &[Bif] = &[
    b("string", "tokens", 2, |c, a| {
        let s = flat_string(&a[0])?;
        let seps = flat_string(&a[1])?;
        let mut out = Vec::new();
        for tok in s.split(|ch| seps.contains(ch)).filter(|t| !t.is_empty()) {
            out.push(c.str_value(tok)?);
        }
        c.list_value(out)
    }),
    b("string", "lexemes", 2, |c, a| {
        let s = chardata(&a[0])?;
        let seps = separators(&a[1])?;
        let bin = is_bin(&a[0]);
        let mut out = Vec::new();
        for tok in s.split(|ch| seps.contains(ch)).filter(|t| !t.is_empty()) {
            out.push(make(c, tok, bin)?);
        }
        c.list_value(out)
    }),
    b("string", "join", 2, |c, a| {
        let items = list(&a[0])?;
        let sep = flat_string(&a[1])?;
        let mut out = Vec::new();
        for (i, x) in items.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(&sep);
            }
            out.extend(flat_string(x)?);
        }
        c.str_value(&out)
    }),
    b("string", "concat", 2, |c, a| {
        let mut s = flat_string(&a[0])?;
        s.extend(flat_string(&a[1])?);
        c.str_value(&s)
    }),
    b("string", "substr", 2, substring_from),
    b("string", "substr", 3, |c, a| {
        let s = flat_string(&a[0])?;
        let start = int(&a[1])?;
        let len = non_neg(&a[2])?;
        let from = start_index(start, s.len())?;
        let to = (from + len).min(s.len());
        c.str_value(&s[from..to])
    }),
    b("string", "sub_string", 2, substring_from),
    b("string", "sub_string", 3, |c, a| {
        let s = flat_string(&a[0])?;
        let start = int(&a[1])?;
        let stop = int(&a[2])?;
        let from = start_index(start, s.len())?;
        if stop < start - 1 {
            return Err(function_clause());
        }
        let to = (stop as usize).min(s.len());
        c.str_value(&s[from..to])
    }),
    b("string", "str", 2, |_, a| {
        let s = flat_string(&a[0])?;
        let sub = flat_string(&a[1])?;
        Ok(Value::Int(find_first(&s, &sub).map_or(0, |i| i as i64 + 1)))
    }),
    b("string", "rstr", 2, |_, a| {
        let s = flat_string(&a[0])?;
        let sub = flat_string(&a[1])?;
        Ok(Value::Int(find_last(&s, &sub).map_or(0, |i| i as i64 + 1)))
    }),
    b("string", "chr", 2, |_, a| {
        let s = flat_string(&a[0])?;
        let ch = int(&a[1])?;
        Ok(Value::Int(
            s.iter()
                .position(|x| i64::from(*x) == ch)
                .map_or(0, |i| i as i64 + 1),
        ))
    }),
    b("string", "rchr", 2, |_, a| {
        let s = flat_string(&a[0])?;
        let ch = int(&a[1])?;
        Ok(Value::Int(
            s.iter()
                .rposition(|x| i64::from(*x) == ch)
                .map_or(0, |i| i as i64 + 1),
        ))
    }),
    b("string", "strip", 1, |c, a| {
        strip(c, &a[0], "both", u32::from(' '))
    }),
    b("string", "strip", 2, |c, a| {
        strip(c, &a[0], atom(&a[1])?, u32::from(' '))
    }),
    b("string", "strip", 3, |c, a| {
        let ch = u32::try_from(int(&a[2])?).map_err(|_| function_clause())?;
        strip(c, &a[0], atom(&a[1])?, ch)
    }),
    b("string", "to_upper", 1, |c, a| case_map(c, &a[0], true)),
    b("string", "to_lower", 1, |c, a| case_map(c, &a[0], false)),
    b("string", "uppercase", 1, |c, a| {
        let s: String = text(&chardata(&a[0])?).to_uppercase();
        let cps: Vec<u32> = s.chars().map(u32::from).collect();
        make(c, &cps, is_bin(&a[0]))
    }),
    b("string", "lowercase", 1, |c, a| {
        let s: String = text(&chardata(&a[0])?).to_lowercase();
        let cps: Vec<u32> = s.chars().map(u32::from).collect();
        make(c, &cps, is_bin(&a[0]))
    }),
    b("string", "len", 1, |_, a| {
        Ok(Value::Int(flat_string(&a[0])?.len() as i64))
    }),
    b("string", "length", 1, |_, a| {
        Ok(Value::Int(chardata(&a[0])?.len() as i64))
    }),
    b("string", "is_empty", 1, |_, a| {
        Ok(Value::boolean(chardata(&a[0])?.is_empty()))
    }),
    b("string", "reverse", 1, |c, a| {
        let mut s = chardata(&a[0])?;
        s.reverse();
        c.str_value(&s)
    }),
    b("string", "equal", 2, |_, a| {
        Ok(Value::boolean(chardata(&a[0])? == chardata(&a[1])?))
    }),
    b("string", "left", 2, |c, a| {
        pad(c, &a[0], non_neg(&a[1])?, u32::from(' '), true)
    }),
    b("string", "left", 3, |c, a| {
        pad(c, &a[0], non_neg(&a[1])?, char_arg(&a[2])?, true)
    }),
    b("string", "right", 2, |c, a| {
        pad(c, &a[0], non_neg(&a[1])?, u32::from(' '), false)
    }),
    b("string", "right", 3, |c, a| {
        pad(c, &a[0], non_neg(&a[1])?, char_arg(&a[2])?, false)
    }),
    b("string", "copies", 2, |c, a| {
        let s = flat_string(&a[0])?;
        let n = non_neg(&a[1])?;
        c.alloc((s.len() as u64).saturating_mul(n as u64))?;
        c.str_value(&s.repeat(n))
    }),
    b("string", "chars", 2, |c, a| {
        let ch = char_arg(&a[0])?;
        let n = non_neg(&a[1])?;
        c.alloc(n as u64)?;
        c.str_value(&vec![ch; n])
    }),
    b("string", "words", 1, |_, a| {
        let s = flat_string(&a[0])?;
        Ok(Value::Int(
            s.split(|c| *c == 32).filter(|w| !w.is_empty()).count() as i64,
        ))
    }),
    b("string", "sub_word", 2, |c, a| {
        sub_word(c, &a[0], &a[1], u32::from(' '))
    }),
    b("string", "sub_word", 3, |c, a| {
        sub_word(c, &a[0], &a[1], char_arg(&a[2])?)
    }),
    b("string", "to_integer", 1, |c, a| to_number(c, &a[0], false)),
    b("string", "to_float", 1, |c, a| to_number(c, &a[0], true)),
    b("string", "prefix", 2, |c, a| {
        let s = chardata(&a[0])?;
        let p = chardata(&a[1])?;
        if s.starts_with(&p) {
            make(c, &s[p.len()..], is_bin(&a[0]))
        } else {
            Ok(Value::static_atom("nomatch"))
        }
    }),
    b("string", "slice", 2, |c, a| {
        let s = chardata(&a[0])?;
        let start = non_neg(&a[1])?.min(s.len());
        make(c, &s[start..], is_bin(&a[0]))
    }),
    b("string", "slice", 3, |c, a| {
        let s = chardata(&a[0])?;
        let start = non_neg(&a[1])?.min(s.len());
        let end = match &a[2] {
            Value::Atom(t) if t.as_str() == "infinity" => s.len(),
            other => (start + non_neg(other)?).min(s.len()),
        };
        make(c, &s[start..end], is_bin(&a[0]))
    }),
    b("string", "find", 2, |c, a| find(c, &a[0], &a[1], "leading")),
    b("string", "find", 3, |c, a| {
        find(c, &a[0], &a[1], atom(&a[2])?)
    }),
    b("string", "split", 2, |c, a| {
        split(c, &a[0], &a[1], "leading")
    }),
    b("string", "split", 3, |c, a| {
        split(c, &a[0], &a[1], atom(&a[2])?)
    }),
    b("string", "replace", 3, |c, a| {
        replace(c, &a[0], &a[1], &a[2], "leading")
    }),
    b("string", "replace", 4, |c, a| {
        replace(c, &a[0], &a[1], &a[2], atom(&a[3])?)
    }),
    b("string", "trim", 1, |c, a| trim(c, &a[0], "both", None)),
    b("string", "trim", 2, |c, a| {
        trim(c, &a[0], atom(&a[1])?, None)
    }),
    b("string", "trim", 3, |c, a| {
        let chars = separators(&a[2])?;
        trim(c, &a[0], atom(&a[1])?, Some(chars))
    }),
    b("string", "pad", 2, |c, a| {
        let s = chardata(&a[0])?;
        let n = non_neg(&a[1])?;
        c.alloc(n as u64)?;
        let mut out = s.clone();
        if n > s.len() {
            out.extend(std::iter::repeat_n(32, n - s.len()));
        }
        c.str_value(&out)
    }),
];

/// `substr/2` and `sub_string/2`: the string from a 1-based position to its end.
fn substring_from(c: &mut Ctx<'_>, a: &[Value]) -> R<Value> {
    let s = flat_string(&a[0])?;
    let from = start_index(int(&a[1])?, s.len())?;
    c.str_value(&s[from..])
}

/// The 0-based index of a 1-based start position in a string of `len` code points; it may
/// stand just past the end.
fn start_index(start: i64, len: usize) -> R<usize> {
    if start < 1 || start as usize > len + 1 {
        return Err(function_clause());
    }
    Ok(start as usize - 1)
}

fn text(cps: &[u32]) -> String {
    cps.iter().filter_map(|c| char::from_u32(*c)).collect()
}

fn is_bin(v: &Value) -> bool {
    matches!(v, Value::Binary(_))
}

/// Chardata result: a binary (UTF-8) when the input was one, else a string.
fn make(c: &mut Ctx<'_>, cps: &[u32], bin: bool) -> R<Value> {
    if bin {
        c.bin(text(cps).into_bytes())
    } else {
        c.str_value(cps)
    }
}

fn char_arg(v: &Value) -> R<u32> {
    match v {
        Value::Int(i) if (0..=0x10FFFF).contains(i) => Ok(*i as u32),
        _ => Err(function_clause()),
    }
}

/// A separator list for `lexemes`/`trim`: a list of characters.
fn separators(v: &Value) -> R<Vec<u32>> {
    let items = list(v)?;
    items
        .iter()
        .map(|x| match x {
            Value::Int(i) if (0..=0x10FFFF).contains(i) => Ok(*i as u32),
            // "\r\n" as one grapheme separator.
            Value::Cons(_) => x
                .code_points()
                .and_then(|c| c.first().copied())
                .ok_or_else(Trap::badarg),
            _ => Err(Trap::badarg()),
        })
        .collect()
}

fn find_first(s: &[u32], sub: &[u32]) -> Option<usize> {
    if sub.is_empty() {
        return Some(0);
    }
    s.windows(sub.len()).position(|w| w == sub)
}

fn find_last(s: &[u32], sub: &[u32]) -> Option<usize> {
    if sub.is_empty() {
        return Some(s.len());
    }
    s.windows(sub.len()).rposition(|w| w == sub)
}

fn strip(c: &mut Ctx<'_>, v: &Value, dir: &str, ch: u32) -> R<Value> {
    let s = flat_string(v)?;
    let mut from = 0;
    let mut to = s.len();
    if matches!(dir, "left" | "both") {
        while from < to && s[from] == ch {
            from += 1;
        }
    }
    if matches!(dir, "right" | "both") {
        while to > from && s[to - 1] == ch {
            to -= 1;
        }
    }
    if !matches!(dir, "left" | "right" | "both") {
        return Err(function_clause());
    }
    c.str_value(&s[from..to])
}

fn latin1_case(ch: u32, upper: bool) -> u32 {
    if upper {
        match ch {
            0x61..=0x7A | 0xE0..=0xF6 | 0xF8..=0xFE => ch - 32,
            _ => ch,
        }
    } else {
        match ch {
            0x41..=0x5A | 0xC0..=0xD6 | 0xD8..=0xDE => ch + 32,
            _ => ch,
        }
    }
}

fn case_map(c: &mut Ctx<'_>, v: &Value, upper: bool) -> R<Value> {
    if let Value::Int(i) = v {
        let ch = u32::try_from(*i).map_err(|_| function_clause())?;
        return Ok(Value::Int(i64::from(latin1_case(ch, upper))));
    }
    let s = flat_string(v)?;
    let out: Vec<u32> = s.iter().map(|ch| latin1_case(*ch, upper)).collect();
    c.str_value(&out)
}

fn pad(c: &mut Ctx<'_>, v: &Value, n: usize, ch: u32, left: bool) -> R<Value> {
    c.alloc(n as u64)?;
    let s = flat_string(v)?;
    let out: Vec<u32> = if s.len() >= n {
        if left {
            s[..n].to_vec()
        } else {
            s[s.len() - n..].to_vec()
        }
    } else if left {
        let mut o = s.clone();
        o.extend(std::iter::repeat_n(ch, n - s.len()));
        o
    } else {
        let mut o: Vec<u32> = std::iter::repeat_n(ch, n - s.len()).collect();
        o.extend_from_slice(&s);
        o
    };
    c.str_value(&out)
}

fn sub_word(c: &mut Ctx<'_>, v: &Value, n: &Value, sep: u32) -> R<Value> {
    let s = flat_string(v)?;
    let n = int(n)?;
    if n < 1 {
        return Err(function_clause());
    }
    let word = s
        .split(|ch| *ch == sep)
        .filter(|w| !w.is_empty())
        .nth(n as usize - 1)
        .unwrap_or(&[]);
    c.str_value(word)
}

fn to_number(c: &mut Ctx<'_>, v: &Value, float: bool) -> R<Value> {
    let s = match v {
        Value::Binary(_) | Value::Nil | Value::Cons(_) => chardata(v)?,
        _ => return Err(Trap::badarg()),
    };
    let t = text(&s);
    let bytes = t.as_bytes();
    let mut i = 0;
    if matches!(bytes.first(), Some(b'-' | b'+')) {
        i = 1;
    }
    let digits_start = i;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        i += 1;
    }
    let err = |what: &'static str| {
        Ok(Value::tuple(vec![
            Value::static_atom("error"),
            Value::static_atom(what),
        ]))
    };
    if i == digits_start {
        return err(if float { "no_float" } else { "no_integer" });
    }
    let (num, end) = if float {
        if i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
            let mut j = i + 1;
            while j < bytes.len() && bytes[j].is_ascii_digit() {
                j += 1;
            }
            if j + 1 < bytes.len() && matches!(bytes[j], b'e' | b'E') {
                let mut k = j + 1;
                if matches!(bytes.get(k), Some(b'-' | b'+')) {
                    k += 1;
                }
                if bytes.get(k).is_some_and(|d| d.is_ascii_digit()) {
                    while k < bytes.len() && bytes[k].is_ascii_digit() {
                        k += 1;
                    }
                    j = k;
                }
            }
            match t[..j].parse::<f64>() {
                Ok(f) => (Value::Float(f), j),
                Err(_) => return err("no_float"),
            }
        } else {
            return err("no_float");
        }
    } else {
        match t[..i].parse::<i64>() {
            Ok(n) => (Value::Int(n), i),
            Err(_) => return Err(crate::eval::overflow()),
        }
    };
    let rest_cps: Vec<u32> = t[end..].chars().map(u32::from).collect();
    let rest = make(c, &rest_cps, is_bin(v))?;
    Ok(Value::tuple(vec![num, rest]))
}

fn find(c: &mut Ctx<'_>, v: &Value, pat: &Value, dir: &str) -> R<Value> {
    let s = chardata(v)?;
    let p = chardata(pat)?;
    let at = match dir {
        "leading" => find_first(&s, &p),
        "trailing" => find_last(&s, &p),
        _ => return Err(Trap::badarg()),
    };
    match at {
        Some(i) => make(c, &s[i..], is_bin(v)),
        None => Ok(Value::static_atom("nomatch")),
    }
}

fn split(c: &mut Ctx<'_>, v: &Value, pat: &Value, dir: &str) -> R<Value> {
    let s = chardata(v)?;
    let p = chardata(pat)?;
    let bin = is_bin(v);
    if p.is_empty() {
        let whole = make(c, &s, bin)?;
        return c.list_value(vec![whole]);
    }
    let mut parts: Vec<&[u32]> = Vec::new();
    match dir {
        "leading" => match find_first(&s, &p) {
            Some(i) => {
                parts.push(&s[..i]);
                parts.push(&s[i + p.len()..]);
            }
            None => parts.push(&s),
        },
        "trailing" => match find_last(&s, &p) {
            Some(i) => {
                parts.push(&s[..i]);
                parts.push(&s[i + p.len()..]);
            }
            None => parts.push(&s),
        },
        "all" => {
            let mut rest: &[u32] = &s;
            while let Some(i) = find_first(rest, &p) {
                parts.push(&rest[..i]);
                rest = &rest[i + p.len()..];
            }
            parts.push(rest);
        }
        _ => return Err(Trap::badarg()),
    }
    let mut out = Vec::with_capacity(parts.len());
    for part in parts {
        out.push(make(c, part, bin)?);
    }
    c.list_value(out)
}

/// `string:replace/3,4` returns chardata shaped like OTP's: the pieces around each match,
/// with the replacement between them.
fn replace(c: &mut Ctx<'_>, v: &Value, pat: &Value, rep: &Value, dir: &str) -> R<Value> {
    let parts = split(c, v, pat, dir)?;
    let items = list(&parts)?;
    let mut out = Vec::new();
    for (i, x) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(rep.clone());
        }
        out.push(x);
    }
    c.list_value(out)
}

fn is_ws(ch: u32) -> bool {
    matches!(ch, 9..=13 | 32 | 0x85 | 0xA0 | 0x1680 | 0x2000..=0x200A | 0x2028 | 0x2029 | 0x202F | 0x205F | 0x3000)
}

fn trim(c: &mut Ctx<'_>, v: &Value, dir: &str, chars: Option<Vec<u32>>) -> R<Value> {
    let s = chardata(v)?;
    let strip_it = |ch: u32| match &chars {
        Some(set) => set.contains(&ch),
        None => is_ws(ch),
    };
    let mut from = 0;
    let mut to = s.len();
    if matches!(dir, "leading" | "both") {
        while from < to && strip_it(s[from]) {
            from += 1;
        }
    }
    if matches!(dir, "trailing" | "both") {
        while to > from && strip_it(s[to - 1]) {
            to -= 1;
        }
    }
    if !matches!(dir, "leading" | "trailing" | "both") {
        return Err(Trap::badarg());
    }
    make(c, &s[from..to], is_bin(v))
}
