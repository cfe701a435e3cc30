//! Conversion BIFs between integers, floats, atoms, strings, binaries and tuples.

use super::{Bif, atom, b, int, iodata, list};
use crate::eval::{R, Trap};
use crate::print;
use crate::value::Value;

pub(crate) static BIFS: &[Bif] = &[
    b("erlang", "integer_to_list", 1, |c, a| {
        let s = int(&a[0])?.to_string();
        c.text(&s)
    })
    .auto(),
    b("erlang", "integer_to_list", 2, |c, a| {
        let s = int_to_radix(int(&a[0])?, radix(&a[1])?);
        c.text(&s)
    })
    .auto(),
    b("erlang", "integer_to_binary", 1, |c, a| {
        let s = int(&a[0])?.to_string();
        c.bin(s.into_bytes())
    })
    .auto(),
    b("erlang", "integer_to_binary", 2, |c, a| {
        let s = int_to_radix(int(&a[0])?, radix(&a[1])?);
        c.bin(s.into_bytes())
    })
    .auto(),
    b("erlang", "list_to_integer", 1, |_, a| {
        parse_int(&string_of(&a[0])?, 10)
    })
    .auto(),
    b("erlang", "list_to_integer", 2, |_, a| {
        parse_int(&string_of(&a[0])?, radix(&a[1])?)
    })
    .auto(),
    b("erlang", "binary_to_integer", 1, |_, a| {
        parse_int(&binary_text(&a[0])?, 10)
    })
    .auto(),
    b("erlang", "binary_to_integer", 2, |_, a| {
        parse_int(&binary_text(&a[0])?, radix(&a[1])?)
    })
    .auto(),
    b("erlang", "list_to_float", 1, |_, a| {
        parse_float(&string_of(&a[0])?)
    })
    .auto(),
    b("erlang", "binary_to_float", 1, |_, a| {
        parse_float(&binary_text(&a[0])?)
    })
    .auto(),
    b("erlang", "float_to_list", 1, |c, a| {
        let s = print::float_to_list_default(float_arg(&a[0])?);
        c.text(&s)
    })
    .auto(),
    b("erlang", "float_to_list", 2, |c, a| {
        let s = float_with_options(float_arg(&a[0])?, &a[1])?;
        c.text(&s)
    })
    .auto(),
    b("erlang", "float_to_binary", 1, |c, a| {
        let s = print::float_to_list_default(float_arg(&a[0])?);
        c.bin(s.into_bytes())
    })
    .auto(),
    b("erlang", "float_to_binary", 2, |c, a| {
        let s = float_with_options(float_arg(&a[0])?, &a[1])?;
        c.bin(s.into_bytes())
    })
    .auto(),
    b("erlang", "atom_to_list", 1, |c, a| {
        let s = atom(&a[0])?.to_string();
        c.text(&s)
    })
    .auto(),
    b("erlang", "atom_to_binary", 1, |c, a| {
        let s = atom(&a[0])?.to_string();
        c.bin(s.into_bytes())
    })
    .auto(),
    b("erlang", "atom_to_binary", 2, |c, a| {
        let s = atom(&a[0])?.to_string();
        match atom(&a[1])? {
            "latin1" => {
                let bytes: Option<Vec<u8>> = s
                    .chars()
                    .map(|ch| u8::try_from(u32::from(ch)).ok())
                    .collect();
                c.bin(bytes.ok_or_else(Trap::badarg)?)
            }
            "utf8" | "unicode" => c.bin(s.into_bytes()),
            _ => Err(Trap::badarg()),
        }
    })
    .auto(),
    b("erlang", "list_to_atom", 1, |_, a| {
        to_atom(&string_of(&a[0])?)
    })
    .auto(),
    b("erlang", "list_to_existing_atom", 1, |_, a| {
        to_atom(&string_of(&a[0])?)
    })
    .auto(),
    b("erlang", "binary_to_atom", 1, |_, a| {
        to_atom(&binary_text(&a[0])?)
    })
    .auto(),
    b("erlang", "binary_to_atom", 2, |_, a| {
        to_atom(&binary_text(&a[0])?)
    })
    .auto(),
    b("erlang", "binary_to_existing_atom", 2, |_, a| {
        to_atom(&binary_text(&a[0])?)
    })
    .auto(),
    b("erlang", "binary_to_list", 1, |c, a| match &a[0] {
        Value::Binary(bin) => c.bytes_str(&bin.clone()),
        _ => Err(Trap::badarg()),
    })
    .auto(),
    b("erlang", "binary_to_list", 3, |c, a| {
        let (Value::Binary(bin), Value::Int(s), Value::Int(e)) = (&a[0], &a[1], &a[2]) else {
            return Err(Trap::badarg());
        };
        if *s < 1 || e < s || *e as usize > bin.len() {
            return Err(Trap::badarg());
        }
        let part = bin[*s as usize - 1..*e as usize].to_vec();
        c.bytes_str(&part)
    })
    .auto(),
    b("erlang", "list_to_binary", 1, |c, a| {
        if !a[0].is_list() {
            return Err(Trap::badarg());
        }
        let bytes = iodata(&a[0])?;
        c.bin(bytes)
    })
    .auto(),
    b("erlang", "iolist_to_binary", 1, |c, a| match &a[0] {
        Value::Binary(_) => Ok(a[0].clone()),
        _ => {
            let bytes = iodata(&a[0])?;
            c.bin(bytes)
        }
    })
    .auto(),
    b("erlang", "tuple_to_list", 1, |c, a| match &a[0] {
        Value::Tuple(t) => c.list_value(t.to_vec()),
        _ => Err(Trap::badarg()),
    })
    .auto(),
    b("erlang", "list_to_tuple", 1, |c, a| {
        let items = list(&a[0])?;
        c.alloc(items.len() as u64)?;
        Ok(Value::tuple(items))
    })
    .auto(),
    b("erlang", "list_to_bitstring", 1, |c, a| {
        let bytes = iodata(&a[0])?;
        c.bin(bytes)
    })
    .auto(),
];

fn radix(v: &Value) -> R<u32> {
    match v {
        Value::Int(r) if (2..=36).contains(r) => Ok(*r as u32),
        _ => Err(Trap::badarg()),
    }
}

pub(crate) fn int_to_radix(i: i64, radix: u32) -> String {
    if radix == 10 {
        return i.to_string();
    }
    let neg = i < 0;
    let mut n = i.unsigned_abs();
    let mut digits = Vec::new();
    loop {
        let d = (n % u64::from(radix)) as u32;
        digits.push(
            std::char::from_digit(d, radix)
                .unwrap_or('0')
                .to_ascii_uppercase(),
        );
        n /= u64::from(radix);
        if n == 0 {
            break;
        }
    }
    if neg {
        digits.push('-');
    }
    digits.iter().rev().collect()
}

/// A flat string argument as Rust text (`badarg` otherwise).
fn string_of(v: &Value) -> R<String> {
    let cps = match v {
        Value::Nil => Vec::new(),
        Value::Cons(_) => v.code_points().ok_or_else(Trap::badarg)?,
        _ => return Err(Trap::badarg()),
    };
    cps.iter()
        .map(|c| char::from_u32(*c).ok_or_else(Trap::badarg))
        .collect()
}

fn binary_text(v: &Value) -> R<String> {
    match v {
        Value::Binary(b) => Ok(String::from_utf8_lossy(b).into_owned()),
        _ => Err(Trap::badarg()),
    }
}

pub(crate) fn parse_int(s: &str, radix: u32) -> R<Value> {
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(Trap::badarg());
    }
    let text = if neg {
        format!("-{digits}")
    } else {
        digits.to_string()
    };
    i64::from_str_radix(&text, radix)
        .map(Value::Int)
        .map_err(|_| crate::eval::overflow())
}

/// Erlang's float syntax: digits, a point, digits, optional exponent.
pub(crate) fn parse_float(s: &str) -> R<Value> {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mant, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let Some((ip, fp)) = mant.split_once('.') else {
        return Err(Trap::badarg());
    };
    let digits = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit());
    if !digits(ip) || !digits(fp) {
        return Err(Trap::badarg());
    }
    if let Some(e) = exp {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        if !digits(e) {
            return Err(Trap::badarg());
        }
    }
    s.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(Value::Float)
        .ok_or_else(Trap::badarg)
}

fn float_arg(v: &Value) -> R<f64> {
    match v {
        Value::Float(f) => Ok(*f),
        _ => Err(Trap::badarg()),
    }
}

fn to_atom(s: &str) -> R<Value> {
    if s.chars().count() > 255 {
        return Err(Trap::atom("system_limit"));
    }
    Ok(Value::atom(s))
}

/// `float_to_list/2` options: `{decimals, N}`, `{scientific, N}`, `compact`, `short`.
fn float_with_options(f: f64, opts: &Value) -> R<String> {
    let mut decimals: Option<usize> = None;
    let mut scientific: Option<usize> = None;
    let mut compact = false;
    let mut short = false;
    for o in list(opts)? {
        match &o {
            Value::Atom(a) if a.as_str() == "compact" => compact = true,
            Value::Atom(a) if a.as_str() == "short" => short = true,
            Value::Tuple(t) if t.len() == 2 => match (&t[0], &t[1]) {
                (Value::Atom(k), Value::Int(n))
                    if k.as_str() == "decimals" && (0..=253).contains(n) =>
                {
                    decimals = Some(*n as usize);
                    scientific = None;
                }
                (Value::Atom(k), Value::Int(n))
                    if k.as_str() == "scientific" && (0..=249).contains(n) =>
                {
                    scientific = Some(*n as usize);
                    decimals = None;
                }
                _ => return Err(Trap::badarg()),
            },
            _ => return Err(Trap::badarg()),
        }
    }
    if short {
        return Ok(print::float_short(f));
    }
    if let Some(n) = decimals {
        let mut s = print::fixed(f, n);
        if compact && s.contains('.') {
            let trimmed = s.trim_end_matches('0');
            s = if trimmed.ends_with('.') {
                format!("{trimmed}0")
            } else {
                trimmed.to_string()
            };
        }
        return Ok(s);
    }
    Ok(print::scientific(f, scientific.unwrap_or(20)))
}
