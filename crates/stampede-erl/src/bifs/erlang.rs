//! `erlang` BIFs: type tests, term access, numbers, time and exceptions.

use super::{Bif, b, int, iodata};
use crate::error::ExceptionClass;
use crate::eval::{Ctx, Exc, R, Trap, num, overflow};
use crate::value::Value;

pub(crate) static BIFS: &[Bif] = &[
    b("erlang", "is_atom", 1, |_, a| {
        Ok(Value::boolean(matches!(a[0], Value::Atom(_))))
    })
    .guard(),
    b("erlang", "is_binary", 1, |_, a| {
        Ok(Value::boolean(matches!(a[0], Value::Binary(_))))
    })
    .guard(),
    b("erlang", "is_bitstring", 1, |_, a| {
        Ok(Value::boolean(matches!(a[0], Value::Binary(_))))
    })
    .guard(),
    b("erlang", "is_boolean", 1, |_, a| {
        Ok(Value::boolean(
            a[0].is_atom_named("true") || a[0].is_atom_named("false"),
        ))
    })
    .guard(),
    b("erlang", "is_float", 1, |_, a| {
        Ok(Value::boolean(matches!(a[0], Value::Float(_))))
    })
    .guard(),
    b("erlang", "is_function", 1, |_, a| {
        Ok(Value::boolean(matches!(a[0], Value::Fun(_))))
    })
    .guard(),
    b("erlang", "is_function", 2, |_, a| {
        let n = int(&a[1])?;
        Ok(Value::boolean(
            matches!(&a[0], Value::Fun(f) if f.arity() as i64 == n),
        ))
    })
    .guard(),
    b("erlang", "is_integer", 1, |_, a| {
        Ok(Value::boolean(matches!(a[0], Value::Int(_))))
    })
    .guard(),
    b("erlang", "is_list", 1, |_, a| {
        Ok(Value::boolean(a[0].is_list()))
    })
    .guard(),
    b("erlang", "is_number", 1, |_, a| {
        Ok(Value::boolean(a[0].is_number()))
    })
    .guard(),
    b("erlang", "is_pid", 1, |_, a| {
        Ok(Value::boolean(matches!(a[0], Value::Pid(_))))
    })
    .guard(),
    b("erlang", "is_tuple", 1, |_, a| {
        Ok(Value::boolean(matches!(a[0], Value::Tuple(_))))
    })
    .guard(),
    b("erlang", "is_map", 1, |_, _| Ok(Value::boolean(false))).guard(),
    b("erlang", "is_reference", 1, |_, _| {
        Ok(Value::boolean(false))
    })
    .guard(),
    b("erlang", "is_port", 1, |_, _| Ok(Value::boolean(false))).guard(),
    b("erlang", "is_record", 2, |_, a| {
        is_record(&a[0], &a[1], None)
    })
    .guard(),
    b("erlang", "is_record", 3, |_, a| {
        is_record(&a[0], &a[1], Some(&a[2]))
    })
    .guard(),
    b("erlang", "length", 1, |c, a| {
        let n = a[0].list_len().ok_or_else(Trap::badarg)?;
        c.tick(n as u64 / 8)?;
        Ok(Value::Int(n as i64))
    })
    .guard(),
    b("erlang", "hd", 1, |_, a| match &a[0] {
        Value::Cons(c) => Ok(c.head.clone()),
        _ => Err(Trap::badarg()),
    })
    .guard(),
    b("erlang", "tl", 1, |_, a| match &a[0] {
        Value::Cons(c) => Ok(c.tail.clone()),
        _ => Err(Trap::badarg()),
    })
    .guard(),
    b("erlang", "element", 2, |_, a| match (&a[0], &a[1]) {
        (Value::Int(i), Value::Tuple(t)) if *i >= 1 && (*i as usize) <= t.len() => {
            Ok(t[*i as usize - 1].clone())
        }
        _ => Err(Trap::badarg()),
    })
    .guard(),
    b("erlang", "setelement", 3, |c, a| match (&a[0], &a[1]) {
        (Value::Int(i), Value::Tuple(t)) if *i >= 1 && (*i as usize) <= t.len() => {
            let mut items = t.to_vec();
            items[*i as usize - 1] = a[2].clone();
            c.alloc(items.len() as u64)?;
            Ok(Value::tuple(items))
        }
        _ => Err(Trap::badarg()),
    })
    .auto(),
    b("erlang", "tuple_size", 1, |_, a| match &a[0] {
        Value::Tuple(t) => Ok(Value::Int(t.len() as i64)),
        _ => Err(Trap::badarg()),
    })
    .guard(),
    b("erlang", "size", 1, |_, a| match &a[0] {
        Value::Tuple(t) => Ok(Value::Int(t.len() as i64)),
        Value::Binary(b) => Ok(Value::Int(b.len() as i64)),
        _ => Err(Trap::badarg()),
    })
    .guard(),
    b("erlang", "byte_size", 1, |_, a| match &a[0] {
        Value::Binary(b) => Ok(Value::Int(b.len() as i64)),
        _ => Err(Trap::badarg()),
    })
    .guard(),
    b("erlang", "bit_size", 1, |_, a| match &a[0] {
        Value::Binary(b) => Ok(Value::Int(b.len() as i64 * 8)),
        _ => Err(Trap::badarg()),
    })
    .guard(),
    b("erlang", "abs", 1, |_, a| match &a[0] {
        Value::Int(i) => i.checked_abs().map(Value::Int).ok_or_else(overflow),
        Value::Float(f) => Ok(Value::Float(f.abs())),
        _ => Err(Trap::badarg()),
    })
    .guard(),
    b("erlang", "float", 1, |_, a| match &a[0] {
        Value::Int(_) | Value::Float(_) => Ok(Value::Float(num(&a[0]))),
        _ => Err(Trap::badarg()),
    })
    .guard(),
    b("erlang", "round", 1, |_, a| to_int_by(&a[0], f64::round)).guard(),
    b("erlang", "trunc", 1, |_, a| to_int_by(&a[0], f64::trunc)).guard(),
    b("erlang", "ceil", 1, |_, a| to_int_by(&a[0], f64::ceil)).guard(),
    b("erlang", "floor", 1, |_, a| to_int_by(&a[0], f64::floor)).guard(),
    b("erlang", "max", 2, |_, a| {
        Ok(if a[0].compare(&a[1]).is_lt() {
            a[1].clone()
        } else {
            a[0].clone()
        })
    })
    .guard(),
    b("erlang", "min", 2, |_, a| {
        Ok(if a[1].compare(&a[0]).is_lt() {
            a[1].clone()
        } else {
            a[0].clone()
        })
    })
    .guard(),
    b("erlang", "self", 0, |c, _| Ok(c.pid.clone())).guard(),
    b("erlang", "node", 0, |_, _| {
        Ok(Value::static_atom("nonode@nohost"))
    })
    .guard(),
    b("erlang", "node", 1, |_, _| {
        Ok(Value::static_atom("nonode@nohost"))
    })
    .guard(),
    b("erlang", "now", 0, |c, _| {
        Ok(now_tuple(c.host.now_micros()))
    })
    .auto(),
    b("erlang", "timestamp", 0, |c, _| {
        Ok(now_tuple(c.host.now_micros()))
    }),
    b("os", "timestamp", 0, |c, _| {
        Ok(now_tuple(c.host.now_micros()))
    }),
    b("os", "system_time", 0, |c, _| {
        Ok(Value::Int(micros(c) * 1000))
    }),
    b("os", "system_time", 1, |c, a| system_time(c, &a[0])),
    b("erlang", "system_time", 0, |c, _| {
        Ok(Value::Int(micros(c) * 1000))
    }),
    b("erlang", "system_time", 1, |c, a| system_time(c, &a[0])),
    b("erlang", "monotonic_time", 0, |c, _| {
        Ok(Value::Int(micros(c) * 1000))
    }),
    b("erlang", "monotonic_time", 1, |c, a| system_time(c, &a[0])),
    b("erlang", "unique_integer", 0, |c, _| {
        Ok(Value::Int((c.host.random_u64() >> 2) as i64))
    }),
    b("erlang", "unique_integer", 1, |c, _| {
        Ok(Value::Int((c.host.random_u64() >> 2) as i64))
    }),
    b("erlang", "throw", 1, |_, a| {
        Err(raise(ExceptionClass::Throw, a[0].clone()))
    })
    .auto(),
    b("erlang", "error", 1, |_, a| {
        Err(raise(ExceptionClass::Error, a[0].clone()))
    })
    .auto(),
    b("erlang", "error", 2, |_, a| {
        Err(raise(ExceptionClass::Error, a[0].clone()))
    })
    .auto(),
    b("erlang", "exit", 1, |_, a| {
        Err(raise(ExceptionClass::Exit, a[0].clone()))
    })
    .auto(),
    b("erlang", "md5", 1, |c, a| {
        use md5::Digest;
        let data = iodata(&a[0])?;
        c.tick(data.len() as u64 / 64)?;
        c.bin(md5::Md5::digest(&data).to_vec())
    }),
    b("erlang", "binary_part", 3, |c, a| {
        let (Value::Binary(bin), Value::Int(start), Value::Int(len)) = (&a[0], &a[1], &a[2]) else {
            return Err(Trap::badarg());
        };
        let (start, len) = (i128::from(*start), i128::from(*len));
        let (s, e) = if len >= 0 {
            (start, start + len)
        } else {
            (start + len, start)
        };
        if s < 0 || e > bin.len() as i128 {
            return Err(Trap::badarg());
        }
        c.bin(bin[s as usize..e as usize].to_vec())
    })
    .guard(),
    b("erlang", "binary_part", 2, |c, a| match &a[1] {
        Value::Tuple(t) if t.len() == 2 => {
            let bin = a[0].clone();
            let part = [bin, t[0].clone(), t[1].clone()];
            super::find("erlang", "binary_part", 3).map_or(Err(Trap::badarg()), |b| (b.f)(c, &part))
        }
        _ => Err(Trap::badarg()),
    })
    .guard(),
    b("erlang", "split_binary", 2, |c, a| {
        let (Value::Binary(bin), Value::Int(pos)) = (&a[0], &a[1]) else {
            return Err(Trap::badarg());
        };
        if *pos < 0 || *pos as usize > bin.len() {
            return Err(Trap::badarg());
        }
        let (l, r) = bin.split_at(*pos as usize);
        let l = c.bin(l.to_vec())?;
        let r = c.bin(r.to_vec())?;
        Ok(Value::tuple(vec![l, r]))
    })
    .auto(),
    b("erlang", "iolist_size", 1, |_, a| {
        Ok(Value::Int(iodata(&a[0])?.len() as i64))
    })
    .auto(),
    b("erlang", "fun_info", 2, |_, a| match (&a[0], &a[1]) {
        (Value::Fun(f), Value::Atom(k)) if k.as_str() == "arity" => Ok(Value::tuple(vec![
            Value::static_atom("arity"),
            Value::Int(f.arity() as i64),
        ])),
        _ => Err(Trap::badarg()),
    }),
];

fn is_record(v: &Value, tag: &Value, size: Option<&Value>) -> R<Value> {
    Ok(Value::boolean(match v {
        Value::Tuple(t) => {
            t.first().is_some_and(|h| h.exactly_equals(tag))
                && size.is_none_or(|s| matches!(s, Value::Int(n) if *n as usize == t.len()))
        }
        _ => false,
    }))
}

/// An integer as it is, or a float rounded to one by `rounding` (`round`, `trunc`, …).
fn to_int_by(v: &Value, rounding: fn(f64) -> f64) -> R<Value> {
    match v {
        Value::Int(i) => Ok(Value::Int(*i)),
        Value::Float(f) => float_to_int(rounding(*f)),
        _ => Err(Trap::badarg()),
    }
}

fn float_to_int(f: f64) -> R<Value> {
    if f.is_finite() && f.abs() < 9.2e18 {
        Ok(Value::Int(f as i64))
    } else {
        Err(overflow())
    }
}

fn micros(c: &mut Ctx<'_>) -> i64 {
    i64::try_from(c.host.now_micros()).unwrap_or(i64::MAX / 1000)
}

/// `{MegaSecs, Secs, MicroSecs}`.
pub(crate) fn now_tuple(us: u64) -> Value {
    let secs = us / 1_000_000;
    Value::tuple(vec![
        Value::Int((secs / 1_000_000) as i64),
        Value::Int((secs % 1_000_000) as i64),
        Value::Int((us % 1_000_000) as i64),
    ])
}

fn system_time(c: &mut Ctx<'_>, unit: &Value) -> R<Value> {
    let us = micros(c);
    let v = match unit {
        Value::Atom(a) => match a.as_str() {
            "second" | "seconds" => us / 1_000_000,
            "millisecond" | "milli_seconds" => us / 1000,
            "microsecond" | "micro_seconds" => us,
            "nanosecond" | "nano_seconds" | "native" => us.saturating_mul(1000),
            _ => return Err(Trap::badarg()),
        },
        Value::Int(per_sec) if *per_sec > 0 => {
            ((us as i128) * (*per_sec as i128) / 1_000_000) as i64
        }
        _ => return Err(Trap::badarg()),
    };
    Ok(Value::Int(v))
}

pub(crate) fn raise(class: ExceptionClass, reason: Value) -> Trap {
    Trap::Exc(Box::new(Exc {
        class,
        reason,
        context: None,
        pos: None,
    }))
}
