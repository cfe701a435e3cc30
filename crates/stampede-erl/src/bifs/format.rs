//! `io:format/1,2,3` and `io_lib:format/2`: Erlang's control sequences (`~p ~w ~s ~n ~B ~b
//! ~x ~X ~c ~f ~e ~g ~i ~P ~W ~~`, field width, precision, padding, `t` and `l` modifiers).
//! `io:format` output goes to the host's log.

use super::{Bif, b, chardata, int, list, ok_atom};
use crate::eval::{Ctx, R, Trap};
use crate::print::{self, Style};
use crate::value::Value;

pub(crate) static BIFS: &[Bif] = &[
    b("io", "format", 1, |c, a| log(c, &a[0], &Value::Nil)),
    b("io", "format", 2, |c, a| log(c, &a[0], &a[1])),
    b("io", "format", 3, |c, a| log(c, &a[1], &a[2])),
    b("io", "fwrite", 1, |c, a| log(c, &a[0], &Value::Nil)),
    b("io", "fwrite", 2, |c, a| log(c, &a[0], &a[1])),
    b("io", "fwrite", 3, |c, a| log(c, &a[1], &a[2])),
    b("io", "put_chars", 1, |c, a| {
        let cps = chardata(&a[0])?;
        let s: String = cps.iter().filter_map(|x| char::from_u32(*x)).collect();
        c.host.log(&s);
        Ok(ok_atom())
    }),
    b("io", "nl", 0, |c, _| {
        c.host.log("\n");
        Ok(ok_atom())
    }),
    b("io_lib", "format", 2, |c, a| {
        let s = format_to_string(c, &a[0], &a[1])?;
        c.text(&s)
    }),
    b("io_lib", "fwrite", 2, |c, a| {
        let s = format_to_string(c, &a[0], &a[1])?;
        c.text(&s)
    }),
    b("io_lib", "write", 1, |c, a| {
        let v = c.materialize_deep(&a[0], 0)?;
        let s = v.to_written();
        c.text(&s)
    }),
    b("io_lib", "print", 1, |c, a| {
        let v = c.materialize_deep(&a[0], 0)?;
        let s = v.to_pretty();
        c.text(&s)
    }),
];

fn log(c: &mut Ctx<'_>, fmt: &Value, args: &Value) -> R<Value> {
    let s = format_to_string(c, fmt, args)?;
    c.host.log(&s);
    Ok(ok_atom())
}

/// Formats like `io_lib:format/2`, flattened to text.
pub(crate) fn format_to_string(c: &mut Ctx<'_>, fmt: &Value, args: &Value) -> R<String> {
    let fmt_cps: Vec<u32> = match fmt {
        Value::Atom(a) => a.as_str().chars().map(u32::from).collect(),
        other => chardata(other)?,
    };
    let args = c.materialize_deep(args, 0)?;
    let mut args = list(&args)?.into_iter();
    let mut out = String::new();
    let mut i = 0;
    let next = |args: &mut std::vec::IntoIter<Value>| args.next().ok_or_else(Trap::badarg);
    while i < fmt_cps.len() {
        let ch = fmt_cps[i];
        i += 1;
        if ch != u32::from('~') {
            out.push(char::from_u32(ch).unwrap_or('?'));
            continue;
        }
        // ~F.P.PadModC
        let mut left = false;
        let mut precision: Option<usize> = None;
        let mut pad = ' ';
        let at = |i: usize| fmt_cps.get(i).and_then(|c| char::from_u32(*c));
        if at(i) == Some('-') {
            left = true;
            i += 1;
        }
        let field = if at(i) == Some('*') {
            let v = int(&next(&mut args)?)?;
            if v < 0 {
                left = true;
            }
            i += 1;
            Some(v.unsigned_abs() as usize)
        } else {
            digits_at(&fmt_cps, &mut i)
        };
        if at(i) == Some('.') {
            i += 1;
            if at(i) == Some('*') {
                precision =
                    Some(usize::try_from(int(&next(&mut args)?)?).map_err(|_| Trap::badarg())?);
                i += 1;
            } else {
                precision = digits_at(&fmt_cps, &mut i);
            }
            if at(i) == Some('.') {
                i += 1;
                match at(i) {
                    Some('*') => {
                        let v = int(&next(&mut args)?)?;
                        pad = char::from_u32(u32::try_from(v).map_err(|_| Trap::badarg())?)
                            .unwrap_or(' ');
                    }
                    Some(p) => pad = p,
                    None => return Err(Trap::badarg()),
                }
                i += 1;
            }
        }
        // Widths and precisions allocate: charge them before building anything.
        c.alloc((field.unwrap_or(0) as u64).saturating_add(precision.unwrap_or(0) as u64) / 2)?;
        while matches!(at(i), Some('t' | 'l' | 'k')) {
            i += 1;
        }
        let Some(ctl) = at(i) else {
            return Err(Trap::badarg());
        };
        i += 1;
        let piece: String = match ctl {
            '~' => "~".repeat(field.unwrap_or(1)),
            'n' => "\n".repeat(field.unwrap_or(1)),
            'c' => {
                let v = int(&next(&mut args)?)?;
                let ch = char::from_u32(u32::try_from(v).map_err(|_| Trap::badarg())?)
                    .ok_or_else(Trap::badarg)?;
                let n = precision.or(field).unwrap_or(1);
                let s: String = std::iter::repeat_n(ch, n).collect();
                adjust(s, field, left, pad)
            }
            'i' => {
                next(&mut args)?;
                String::new()
            }
            'w' | 'W' => {
                let v = next(&mut args)?;
                if ctl == 'W' {
                    next(&mut args)?;
                }
                term_field(print::print_term(&v, Style::W), field, left, pad)
            }
            'p' | 'P' => {
                let v = next(&mut args)?;
                if ctl == 'P' {
                    let depth = int(&next(&mut args)?)?;
                    limited(&v, depth)
                } else {
                    print::print_term(&v, Style::P)
                }
            }
            's' => {
                let v = next(&mut args)?;
                let cps: Vec<u32> = match &v {
                    Value::Atom(a) => a.as_str().chars().map(u32::from).collect(),
                    other => chardata(other)?,
                };
                let mut s: String = cps.iter().filter_map(|c| char::from_u32(*c)).collect();
                if let Some(p) = precision {
                    s = s.chars().take(p).collect();
                }
                adjust(s, field, left, pad)
            }
            'B' | 'b' | 'X' | 'x' | '#' | '+' => {
                let v = int(&next(&mut args)?)?;
                let base = precision.unwrap_or(10);
                if !(2..=36).contains(&base) {
                    return Err(Trap::badarg());
                }
                let mut digits = super::conv::int_to_radix(v, base as u32);
                if ctl.is_ascii_lowercase() {
                    digits = digits.to_lowercase();
                }
                let s = match ctl {
                    'X' | 'x' => {
                        let prefix = next(&mut args)?;
                        let p: String = match &prefix {
                            Value::Atom(a) => a.as_str().to_string(),
                            other => chardata(other)?
                                .iter()
                                .filter_map(|c| char::from_u32(*c))
                                .collect(),
                        };
                        match digits.strip_prefix('-') {
                            Some(rest) => format!("-{p}{rest}"),
                            None => format!("{p}{digits}"),
                        }
                    }
                    '#' | '+' => {
                        let (sign, rest) = match digits.strip_prefix('-') {
                            Some(r) => ("-", r.to_string()),
                            None => ("", digits.clone()),
                        };
                        format!("{sign}{base}#{rest}")
                    }
                    _ => digits,
                };
                adjust(s, field, left, pad)
            }
            'f' | 'e' | 'g' => {
                let v = next(&mut args)?;
                let Value::Float(x) = v else {
                    return Err(Trap::badarg());
                };
                let p = precision.unwrap_or(6);
                let s = match ctl {
                    'f' if p >= 1 => print::fixed(x, p),
                    'e' if p >= 2 => sci_e(x, p),
                    'g' if p >= 1 => g_format(x, p),
                    _ => return Err(Trap::badarg()),
                };
                adjust(s, field, left, pad)
            }
            _ => return Err(Trap::badarg()),
        };
        out.push_str(&piece);
        c.tick(1)?;
    }
    if args.next().is_some() {
        return Err(Trap::badarg());
    }
    c.alloc((out.len() as u64) / 2)?;
    Ok(out)
}

/// The decimal number spelt by the run of digits at `*i`, if there is one; `*i` moves past it.
fn digits_at(cps: &[u32], i: &mut usize) -> Option<usize> {
    let start = *i;
    let mut value = 0usize;
    while let Some(d) = cps
        .get(*i)
        .and_then(|c| char::from_u32(*c))
        .and_then(|c| c.to_digit(10))
    {
        value = value.saturating_mul(10).saturating_add(d as usize);
        *i += 1;
    }
    (*i > start).then_some(value)
}

/// Pads to the field width (right-aligned unless `left`) or truncates to it.
fn adjust(s: String, field: Option<usize>, left: bool, pad: char) -> String {
    let Some(f) = field else { return s };
    let n = s.chars().count();
    if n >= f {
        return s.chars().take(f).collect();
    }
    let padding: String = std::iter::repeat_n(pad, f - n).collect();
    if left { s + &padding } else { padding + &s }
}

/// `~w` in a field: too long a term prints as asterisks.
fn term_field(s: String, field: Option<usize>, left: bool, pad: char) -> String {
    match field {
        Some(f) if s.chars().count() > f => "*".repeat(f),
        _ => adjust(s, field, left, pad),
    }
}

/// `~g`: fixed notation when the number's magnitude fits the precision (and is below 10 000),
/// scientific otherwise, with Erlang's exact thresholds.
fn g_format(x: f64, p: usize) -> String {
    let a = x.abs();
    let e: Option<i64> = if a < 0.1 {
        Some(-2)
    } else if a < 1.0 {
        Some(-1)
    } else if a < 10.0 {
        Some(0)
    } else if a < 100.0 {
        Some(1)
    } else if a < 1000.0 {
        Some(2)
    } else if a < 10000.0 {
        Some(3)
    } else {
        None
    };
    let p = p as i64;
    match e {
        Some(e) if (p <= 1 && e == -1) || (p - 1 > e && e >= -1) => {
            print::fixed(x, (p - 1 - e) as usize)
        }
        _ if p <= 1 => sci_e(x, 2),
        _ => sci_e(x, p as usize),
    }
}

/// `~e`: `precision` significant digits, exponent without padding (`1.23457e+3`).
fn sci_e(x: f64, precision: usize) -> String {
    let p = precision.max(2) - 1;
    let s = format!("{:.*e}", p, x);
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mant}e{sign}{}", exp.abs())
}

/// `~P`: prints with a depth limit: the first `depth - 1` elements of each list or tuple,
/// the rest as `...`.
fn limited(v: &Value, depth: i64) -> String {
    fn go(v: &Value, depth: i64, out: &mut String) {
        if depth == 1 {
            out.push_str("...");
            return;
        }
        match v {
            Value::Cons(_)
                if v.code_points()
                    .is_some_and(|c| c.iter().all(|x| print::is_printable_latin1(*x))) =>
            {
                out.push_str(&v.to_pretty());
            }
            Value::Cons(_) => {
                out.push('[');
                let mut it = v.iter_list();
                for (k, x) in (0_i64..).zip(it.by_ref()) {
                    if depth > 0 && k >= depth - 1 {
                        out.push_str("|...]");
                        return;
                    }
                    if k > 0 {
                        out.push(',');
                    }
                    go(x, depth - 1, out);
                }
                if !matches!(it.end(), Value::Nil) {
                    out.push('|');
                    go(it.end(), depth - 1, out);
                }
                out.push(']');
            }
            Value::Tuple(t) => {
                out.push('{');
                for (k, x) in t.iter().enumerate() {
                    if k > 0 {
                        out.push(',');
                    }
                    if depth > 0 && k as i64 >= depth - 1 {
                        out.push_str("...");
                        break;
                    }
                    go(x, depth - 1, out);
                }
                out.push('}');
            }
            other => out.push_str(&other.to_pretty()),
        }
    }
    if depth <= 0 {
        return v.to_pretty();
    }
    let mut out = String::new();
    go(v, depth, &mut out);
    out
}
