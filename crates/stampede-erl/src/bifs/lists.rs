//! The `lists` module.

use super::{Bif, b, function_clause, int, list, non_neg};
use crate::eval::{Ctx, R, Trap, truth};
use crate::lexer::Pos;
use crate::value::Value;

pub(crate) static BIFS: &[Bif] = &[
    b("lists", "nth", 2, |_, a| {
        let n = int(&a[0])?;
        if n < 1 {
            return Err(function_clause());
        }
        a[1].iter_list()
            .nth(n as usize - 1)
            .cloned()
            .ok_or_else(function_clause)
    }),
    b("lists", "nthtail", 2, |_, a| {
        let n = non_neg(&a[0])?;
        let mut cur = &a[1];
        for _ in 0..n {
            match cur {
                Value::Cons(c) => cur = &c.tail,
                _ => return Err(function_clause()),
            }
        }
        Ok(cur.clone())
    }),
    b("lists", "seq", 2, |c, a| {
        seq(c, int(&a[0])?, int(&a[1])?, 1)
    }),
    b("lists", "seq", 3, |c, a| {
        seq(c, int(&a[0])?, int(&a[1])?, int(&a[2])?)
    }),
    b("lists", "map", 2, |c, a| {
        let items = list(&a[1])?;
        let mut out = Vec::with_capacity(items.len());
        for x in items {
            out.push(c.apply(&a[0], vec![x], Pos::default())?);
        }
        c.list_value(out)
    }),
    b("lists", "flatmap", 2, |c, a| {
        let items = list(&a[1])?;
        let mut out = Vec::new();
        for x in items {
            let r = c.apply(&a[0], vec![x], Pos::default())?;
            out.extend(list(&r)?);
        }
        c.list_value(out)
    }),
    b("lists", "filtermap", 2, |c, a| {
        let items = list(&a[1])?;
        let mut out = Vec::new();
        for x in items {
            let r = c.apply(&a[0], vec![x.clone()], Pos::default())?;
            match &r {
                Value::Atom(t) if t.as_str() == "true" => out.push(x),
                Value::Atom(t) if t.as_str() == "false" => {}
                Value::Tuple(t) if t.len() == 2 && t[0].is_atom_named("true") => {
                    out.push(t[1].clone())
                }
                _ => return Err(Trap::badarg()),
            }
        }
        c.list_value(out)
    }),
    b("lists", "foldl", 3, |c, a| {
        let mut acc = a[1].clone();
        for x in list(&a[2])? {
            acc = c.apply(&a[0], vec![x, acc], Pos::default())?;
        }
        Ok(acc)
    }),
    b("lists", "foldr", 3, |c, a| {
        let mut acc = a[1].clone();
        for x in list(&a[2])?.into_iter().rev() {
            acc = c.apply(&a[0], vec![x, acc], Pos::default())?;
        }
        Ok(acc)
    }),
    b("lists", "mapfoldl", 3, |c, a| {
        let mut acc = a[1].clone();
        let mut out = Vec::new();
        for x in list(&a[2])? {
            let r = c.apply(&a[0], vec![x, acc], Pos::default())?;
            match &r {
                Value::Tuple(t) if t.len() == 2 => {
                    out.push(t[0].clone());
                    acc = t[1].clone();
                }
                _ => return Err(Trap::badarg()),
            }
        }
        let l = c.list_value(out)?;
        Ok(Value::tuple(vec![l, acc]))
    }),
    b("lists", "filter", 2, |c, a| {
        let mut out = Vec::new();
        for x in list(&a[1])? {
            if pred(c, &a[0], &x)? {
                out.push(x);
            }
        }
        c.list_value(out)
    }),
    b("lists", "partition", 2, |c, a| {
        let mut yes = Vec::new();
        let mut no = Vec::new();
        for x in list(&a[1])? {
            if pred(c, &a[0], &x)? {
                yes.push(x);
            } else {
                no.push(x);
            }
        }
        let y = c.list_value(yes)?;
        let n = c.list_value(no)?;
        Ok(Value::tuple(vec![y, n]))
    }),
    b("lists", "any", 2, |c, a| {
        for x in list(&a[1])? {
            if pred(c, &a[0], &x)? {
                return Ok(Value::boolean(true));
            }
        }
        Ok(Value::boolean(false))
    }),
    b("lists", "all", 2, |c, a| {
        for x in list(&a[1])? {
            if !pred(c, &a[0], &x)? {
                return Ok(Value::boolean(false));
            }
        }
        Ok(Value::boolean(true))
    }),
    b("lists", "foreach", 2, |c, a| {
        for x in list(&a[1])? {
            c.apply(&a[0], vec![x], Pos::default())?;
        }
        Ok(super::ok_atom())
    }),
    b("lists", "takewhile", 2, |c, a| {
        let mut out = Vec::new();
        for x in list(&a[1])? {
            if !pred(c, &a[0], &x)? {
                break;
            }
            out.push(x);
        }
        c.list_value(out)
    }),
    b("lists", "dropwhile", 2, |c, a| {
        let mut cur = a[1].clone();
        loop {
            let next = match &cur {
                Value::Cons(cell) => {
                    if !pred(c, &a[0], &cell.head)? {
                        return Ok(cur.clone());
                    }
                    cell.tail.clone()
                }
                Value::Nil => return Ok(Value::Nil),
                _ => return Err(function_clause()),
            };
            cur = next;
        }
    }),
    b("lists", "flatten", 1, |c, a| {
        let out = flatten(c, &a[0])?;
        c.list_value(out)
    }),
    b("lists", "flatten", 2, |c, a| {
        let mut out = flatten(c, &a[0])?;
        out.extend(list(&a[1])?);
        c.list_value(out)
    }),
    b("lists", "append", 1, |c, a| {
        let mut out = Vec::new();
        for l in list(&a[0])? {
            out.extend(list(&l)?);
        }
        c.list_value(out)
    }),
    b("lists", "append", 2, |c, a| {
        c.append(a[0].clone(), a[1].clone())
    }),
    b("lists", "subtract", 2, |c, a| {
        c.subtract(a[0].clone(), a[1].clone())
    }),
    b("lists", "concat", 1, |c, a| {
        let mut s = String::new();
        for x in list(&a[0])? {
            match &x {
                Value::Atom(t) => s.push_str(t.as_str()),
                Value::Int(i) => s.push_str(&i.to_string()),
                Value::Float(f) => s.push_str(&crate::print::float_to_list_default(*f)),
                Value::Nil | Value::Cons(_) => {
                    let cps = x.code_points().ok_or_else(Trap::badarg)?;
                    s.extend(cps.iter().filter_map(|c| char::from_u32(*c)));
                }
                _ => return Err(Trap::badarg()),
            }
        }
        c.text(&s)
    }),
    b("lists", "reverse", 1, |c, a| {
        let mut items = list(&a[0])?;
        items.reverse();
        c.list_value(items)
    }),
    b("lists", "reverse", 2, |c, a| {
        let mut items = list(&a[0])?;
        items.reverse();
        c.alloc(items.len() as u64)?;
        Ok(Value::list_with_tail(items, a[1].clone()))
    }),
    b("lists", "member", 2, |c, a| {
        let items = list(&a[1])?;
        c.tick(items.len() as u64 / 8)?;
        Ok(Value::boolean(
            items.iter().any(|x| x.exactly_equals(&a[0])),
        ))
    }),
    b("lists", "keyfind", 3, |_, a| {
        let n = key_pos(&a[1])?;
        Ok(list(&a[2])?
            .into_iter()
            .find(|t| key_matches(t, n, &a[0]))
            .unwrap_or(Value::boolean(false)))
    }),
    b("lists", "keysearch", 3, |_, a| {
        let n = key_pos(&a[1])?;
        Ok(list(&a[2])?
            .into_iter()
            .find(|t| key_matches(t, n, &a[0]))
            .map(|t| Value::tuple(vec![Value::static_atom("value"), t]))
            .unwrap_or(Value::boolean(false)))
    }),
    b("lists", "keymember", 3, |_, a| {
        let n = key_pos(&a[1])?;
        Ok(Value::boolean(
            list(&a[2])?.iter().any(|t| key_matches(t, n, &a[0])),
        ))
    }),
    b("lists", "keydelete", 3, |c, a| {
        let n = key_pos(&a[1])?;
        let mut items = list(&a[2])?;
        if let Some(i) = items.iter().position(|t| key_matches(t, n, &a[0])) {
            items.remove(i);
        }
        c.list_value(items)
    }),
    b("lists", "keyreplace", 4, |c, a| {
        let n = key_pos(&a[1])?;
        let mut items = list(&a[2])?;
        if let Some(i) = items.iter().position(|t| key_matches(t, n, &a[0])) {
            items[i] = a[3].clone();
        }
        c.list_value(items)
    }),
    b("lists", "keystore", 4, |c, a| {
        let n = key_pos(&a[1])?;
        let mut items = list(&a[2])?;
        match items.iter().position(|t| key_matches(t, n, &a[0])) {
            Some(i) => items[i] = a[3].clone(),
            None => items.push(a[3].clone()),
        }
        c.list_value(items)
    }),
    b("lists", "keytake", 3, |c, a| {
        let n = key_pos(&a[1])?;
        let mut items = list(&a[2])?;
        match items.iter().position(|t| key_matches(t, n, &a[0])) {
            Some(i) => {
                let t = items.remove(i);
                let rest = c.list_value(items)?;
                Ok(Value::tuple(vec![Value::static_atom("value"), t, rest]))
            }
            None => Ok(Value::boolean(false)),
        }
    }),
    b("lists", "keysort", 2, |c, a| {
        let n = key_pos(&a[0])?;
        let mut items = list(&a[1])?;
        for t in &items {
            if !matches!(t, Value::Tuple(x) if x.len() >= n) {
                return Err(function_clause());
            }
        }
        items.sort_by(|x, y| key_of(x, n).compare(key_of(y, n)));
        c.list_value(items)
    }),
    b("lists", "sublist", 2, |c, a| {
        let n = non_neg(&a[1])?;
        let items: Vec<Value> = list(&a[0])?.into_iter().take(n).collect();
        c.list_value(items)
    }),
    b("lists", "sublist", 3, |c, a| {
        let start = int(&a[1])?;
        let n = non_neg(&a[2])?;
        let items = list(&a[0])?;
        if start < 1 || start as usize > items.len() + 1 {
            return Err(function_clause());
        }
        let out: Vec<Value> = items.into_iter().skip(start as usize - 1).take(n).collect();
        c.list_value(out)
    }),
    b("lists", "last", 1, |_, a| {
        let items = list(&a[0])?;
        items.last().cloned().ok_or_else(function_clause)
    }),
    b("lists", "droplast", 1, |c, a| {
        let mut items = list(&a[0])?;
        if items.pop().is_none() {
            return Err(function_clause());
        }
        c.list_value(items)
    }),
    b("lists", "sum", 1, |_, a| {
        let mut acc = Value::Int(0);
        for x in list(&a[0])? {
            acc = crate::eval::arith(crate::ast::BinOp::Add, &acc, &x)?;
        }
        Ok(acc)
    }),
    b("lists", "max", 1, |_, a| {
        let items = list(&a[0])?;
        let mut it = items.into_iter();
        let first = it.next().ok_or_else(function_clause)?;
        Ok(it.fold(first, |m, x| if m.compare(&x).is_lt() { x } else { m }))
    }),
    b("lists", "min", 1, |_, a| {
        let items = list(&a[0])?;
        let mut it = items.into_iter();
        let first = it.next().ok_or_else(function_clause)?;
        Ok(it.fold(first, |m, x| if x.compare(&m).is_lt() { x } else { m }))
    }),
    b("lists", "sort", 1, |c, a| {
        let mut items = list(&a[0])?;
        c.tick(items.len() as u64)?;
        items.sort_by(|x, y| x.compare(y));
        c.list_value(items)
    }),
    b("lists", "sort", 2, |c, a| {
        let items = list(&a[1])?;
        c.tick(items.len() as u64)?;
        // Insertion by binary search keeps the comparison count low and stays stable.
        let mut out: Vec<Value> = Vec::with_capacity(items.len());
        for x in items {
            let mut lo = 0;
            let mut hi = out.len();
            while lo < hi {
                let mid = (lo + hi) / 2;
                let le = c.apply(&a[0], vec![out[mid].clone(), x.clone()], Pos::default())?;
                if truth(&le) == Some(true) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            out.insert(lo, x);
        }
        c.list_value(out)
    }),
    b("lists", "usort", 1, |c, a| {
        let mut items = list(&a[0])?;
        c.tick(items.len() as u64)?;
        items.sort_by(|x, y| x.compare(y));
        items.dedup_by(|x, y| x.compare(y).is_eq());
        c.list_value(items)
    }),
    b("lists", "uniq", 1, |c, a| {
        let items = list(&a[0])?;
        let mut out: Vec<Value> = Vec::new();
        for x in items {
            c.tick(out.len() as u64 / 8 + 1)?;
            if !out.iter().any(|y| y.exactly_equals(&x)) {
                out.push(x);
            }
        }
        c.list_value(out)
    }),
    b("lists", "zip", 2, |c, a| {
        let l = list(&a[0])?;
        let r = list(&a[1])?;
        if l.len() != r.len() {
            return Err(function_clause());
        }
        c.alloc(l.len() as u64 * 3)?;
        Ok(Value::list(
            l.into_iter()
                .zip(r)
                .map(|(x, y)| Value::tuple(vec![x, y]))
                .collect(),
        ))
    }),
    b("lists", "unzip", 1, |c, a| {
        let mut l = Vec::new();
        let mut r = Vec::new();
        for t in list(&a[0])? {
            match &t {
                Value::Tuple(x) if x.len() == 2 => {
                    l.push(x[0].clone());
                    r.push(x[1].clone());
                }
                _ => return Err(function_clause()),
            }
        }
        let l = c.list_value(l)?;
        let r = c.list_value(r)?;
        Ok(Value::tuple(vec![l, r]))
    }),
    b("lists", "split", 2, |c, a| {
        let n = non_neg(&a[0])?;
        let mut items = list(&a[1])?;
        if n > items.len() {
            return Err(Trap::badarg());
        }
        let rest = items.split_off(n);
        let l = c.list_value(items)?;
        let r = c.list_value(rest)?;
        Ok(Value::tuple(vec![l, r]))
    }),
    b("lists", "splitwith", 2, |c, a| {
        let items = list(&a[1])?;
        let mut i = 0;
        while i < items.len() && pred(c, &a[0], &items[i])? {
            i += 1;
        }
        let mut items = items;
        let rest = items.split_off(i);
        let l = c.list_value(items)?;
        let r = c.list_value(rest)?;
        Ok(Value::tuple(vec![l, r]))
    }),
    b("lists", "join", 2, |c, a| {
        let items = list(&a[1])?;
        let mut out = Vec::new();
        for (i, x) in items.into_iter().enumerate() {
            if i > 0 {
                out.push(a[0].clone());
            }
            out.push(x);
        }
        c.list_value(out)
    }),
    b("lists", "duplicate", 2, |c, a| {
        let n = non_neg(&a[0])?;
        c.alloc(n as u64)?;
        Ok(Value::list(vec![a[1].clone(); n]))
    }),
    b("lists", "delete", 2, |c, a| {
        let mut items = list(&a[1])?;
        if let Some(i) = items.iter().position(|x| x.exactly_equals(&a[0])) {
            items.remove(i);
        }
        c.list_value(items)
    }),
    b("lists", "prefix", 2, |_, a| {
        let p = list(&a[0])?;
        let l = list(&a[1])?;
        Ok(Value::boolean(
            p.len() <= l.len() && p.iter().zip(&l).all(|(x, y)| x.exactly_equals(y)),
        ))
    }),
    b("lists", "suffix", 2, |_, a| {
        let p = list(&a[0])?;
        let l = list(&a[1])?;
        Ok(Value::boolean(
            p.len() <= l.len()
                && p.iter()
                    .zip(&l[l.len() - p.len()..])
                    .all(|(x, y)| x.exactly_equals(y)),
        ))
    }),
    b("lists", "enumerate", 1, |c, a| {
        let items = list(&a[0])?;
        c.alloc(items.len() as u64 * 3)?;
        Ok(Value::list(
            items
                .into_iter()
                .enumerate()
                .map(|(i, x)| Value::tuple(vec![Value::Int(i as i64 + 1), x]))
                .collect(),
        ))
    }),
];

fn pred(c: &mut Ctx<'_>, f: &Value, x: &Value) -> R<bool> {
    let r = c.apply(f, vec![x.clone()], Pos::default())?;
    truth(&r).ok_or_else(Trap::badarg)
}

fn seq(c: &mut Ctx<'_>, from: i64, to: i64, step: i64) -> R<Value> {
    let (f, t, s) = (i128::from(from), i128::from(to), i128::from(step));
    let valid = (s > 0 && t >= f - s) || (s < 0 && t <= f - s) || (s == 0 && f == t);
    if !valid {
        return Err(function_clause());
    }
    let n = if step == 0 {
        1
    } else {
        ((i128::from(to) - i128::from(from)) / i128::from(step) + 1).max(0) as u64
    };
    c.alloc(n)?;
    let mut out = Vec::with_capacity(n as usize);
    let mut x = from;
    for _ in 0..n {
        out.push(Value::Int(x));
        x = x.saturating_add(step);
    }
    Ok(Value::list(out))
}

fn key_pos(v: &Value) -> R<usize> {
    match v {
        Value::Int(n) if *n >= 1 => Ok(*n as usize),
        _ => Err(Trap::badarg()),
    }
}

fn key_matches(t: &Value, n: usize, key: &Value) -> bool {
    matches!(t, Value::Tuple(x) if x.len() >= n && x[n - 1].compare(key).is_eq())
}

fn key_of(t: &Value, n: usize) -> &Value {
    match t {
        Value::Tuple(x) => &x[n - 1],
        other => other,
    }
}

/// Flattens a deep list (iteratively); a non-list tail is an error.
fn flatten(c: &mut Ctx<'_>, v: &Value) -> R<Vec<Value>> {
    let mut out = Vec::new();
    let mut stack: Vec<&Value> = vec![v];
    while let Some(x) = stack.pop() {
        match x {
            Value::Nil => {}
            Value::Cons(cell) => {
                c.tick(1)?;
                if !cell.tail.is_list() {
                    return Err(function_clause());
                }
                stack.push(&cell.tail);
                match &cell.head {
                    h @ (Value::Cons(_) | Value::Nil) => stack.push(h),
                    other => out.push(other.clone()),
                }
            }
            _ => return Err(function_clause()),
        }
    }
    Ok(out)
}
