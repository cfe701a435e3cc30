//! Tsung's own helpers that snippets and `%%module:function%%` markers call: `ts_dynvars`,
//! `ts_user_server`, `ts_file_server`, `ts_digest` and a few `ts_utils` functions. Each
//! returns what Tsung's returns.

use super::{Bif, b, function_clause, iodata, non_neg};
use crate::eval::{Ctx, R, Trap};
use crate::value::Value;

pub(crate) static BIFS: &[Bif] = &[
    b("ts_dynvars", "lookup", 2, |c, a| lookup(c, &a[0], &a[1])).dynvars(),
    b("ts_dynvars", "lookup", 3, |c, a| {
        let r = lookup(c, &a[0], &a[1])?;
        if r.is_atom_named("false") {
            Ok(Value::ok(a[2].clone()))
        } else {
            Ok(r)
        }
    })
    .dynvars(),
    b("ts_user_server", "get_unique_id", 1, |c, a| {
        let id = unique_id(c, &a[0])?;
        c.text(&id)
    })
    .dynvars(),
    b("ts_user_server", "get_really_unique_id", 1, |c, a| {
        // [[integer_to_list(Sec), "-", get_unique_id(...)]]
        let secs = (c.host.now_micros() / 1_000_000).to_string();
        let id = unique_id(c, &a[0])?;
        let inner = Value::list(vec![
            Value::string(&secs),
            Value::string("-"),
            Value::string(&id),
        ]);
        c.alloc((secs.len() + id.len() + 4) as u64)?;
        Ok(Value::list(vec![inner]))
    })
    .dynvars(),
    b("ts_file_server", "get_next_line", 0, |c, _| {
        file_line(c, None, false, true)
    }),
    b("ts_file_server", "get_next_line", 1, |c, a| {
        file_call(c, &a[0], false)
    })
    .dynvars(),
    b("ts_file_server", "get_random_line", 0, |c, _| {
        file_line(c, None, true, true)
    }),
    b("ts_file_server", "get_random_line", 1, |c, a| {
        file_call(c, &a[0], true)
    })
    .dynvars(),
    b("ts_file_server", "get_all_lines", 0, |c, _| {
        all_lines(c, None, true)
    }),
    b("ts_file_server", "get_all_lines", 1, |c, a| match &a[0] {
        Value::Tuple(t) if t.len() == 2 && matches!(t[0], Value::Pid(_)) => {
            all_lines(c, None, false)
        }
        Value::Atom(a) if a.as_str() == "default" => all_lines(c, None, true),
        Value::Atom(a) => {
            let id = a.as_str().to_string();
            all_lines(c, Some(&id), true)
        }
        _ => Err(function_clause()),
    })
    .dynvars(),
    b("ts_digest", "md5hex", 1, |c, a| {
        use md5::Digest;
        let data = iodata(&a[0])?;
        let hex = hex_lower(&md5::Md5::digest(&data));
        c.text(&hex)
    }),
    b("ts_digest", "shahex", 1, |c, a| {
        use sha1::Digest;
        let data = iodata(&a[0])?;
        let hex = hex_lower(&sha1::Sha1::digest(&data));
        c.text(&hex)
    }),
    b("ts_utils", "now_sec", 0, |c, _| {
        Ok(Value::Int((c.host.now_micros() / 1_000_000) as i64))
    }),
    b("ts_utils", "term_to_list", 1, |c, a| match &a[0] {
        Value::Int(_) | Value::Atom(_) | Value::Float(_) | Value::Binary(_) => {
            let bytes = crate::subst::to_subst_bytes(&a[0]);
            c.bytes_str(&bytes)
        }
        Value::Nil | Value::Cons(_) => Ok(a[0].clone()),
        _ => Err(function_clause()),
    }),
    b("ts_utils", "to_lower", 1, |c, a| {
        let s = super::flat_string(&a[0])?;
        let out: Vec<u32> = s
            .iter()
            .map(|ch| match ch {
                0x41..=0x5A | 0xC0..=0xD6 | 0xD8..=0xDE => ch + 32,
                _ => *ch,
            })
            .collect();
        c.str_value(&out)
    }),
    b("ts_utils", "randomstr", 1, |c, a| {
        let n = non_neg(&a[0])?;
        c.alloc(n as u64)?;
        let s: Vec<u32> = (0..n)
            .map(|_| 97 + 1 + (c.host.random_u64() % 25) as u32)
            .collect();
        c.str_value(&s)
    }),
    b("ts_utils", "randombinstr", 1, |c, a| {
        let n = non_neg(&a[0])?;
        c.alloc(n as u64)?;
        let s: Vec<u8> = (0..n)
            .map(|_| 97 + 1 + (c.host.random_u64() % 25) as u8)
            .collect();
        c.bin(s)
    }),
    b("ts_utils", "random_alphanumstr", 1, |c, a| {
        const CHARS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let n = non_neg(&a[0])?;
        c.alloc(n as u64)?;
        let s: Vec<u8> = (0..n)
            .map(|_| CHARS[(c.host.random_u64() % CHARS.len() as u64) as usize])
            .collect();
        c.bytes_str(&s)
    }),
    b("ts_utils", "encode_base64", 1, |c, a| {
        use base64::Engine as _;
        let data = iodata(&a[0])?;
        let s = base64::engine::general_purpose::STANDARD.encode(data);
        c.text(&s)
    }),
    b("ts_utils", "decode_base64", 1, |c, a| {
        use base64::Engine as _;
        let data = iodata(&a[0])?;
        let out = base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|_| Trap::badarg())?;
        c.bytes_str(&out)
    }),
    b("ts_utils", "export_text", 1, |c, a| {
        let bytes = match &a[0] {
            Value::Binary(b) => b.to_vec(),
            other => other.latin1_string_bytes().ok_or_else(function_clause)?,
        };
        let mut out = String::new();
        for ch in bytes {
            match ch {
                b'<' => out.push_str("&lt;"),
                b'>' => out.push_str("&gt;"),
                b'&' => out.push_str("&amp;"),
                b'\'' => out.push_str("&apos;"),
                b'"' => out.push_str("&quot;"),
                other => out.push(char::from(other)),
            }
        }
        c.text(&out)
    }),
    b("ts_utils", "list_to_number", 1, |_, a| {
        let s = super::flat_string(&a[0])?;
        let text: String = s.iter().filter_map(|c| char::from_u32(*c)).collect();
        super::conv::parse_float(&text).or_else(|_| super::conv::parse_int(&text, 10))
    }),
];

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `ts_dynvars:lookup/2`: `{ok, Value}` or `false`. The key must be an atom (or
/// `{Atom, Index}` for a list element), as in Tsung.
fn lookup(c: &mut Ctx<'_>, key: &Value, dynvars: &Value) -> R<Value> {
    let (name, index) = match key {
        Value::Atom(a) => (a.as_str().to_string(), None),
        Value::Tuple(t) if t.len() == 2 => match (&t[0], &t[1]) {
            (Value::Atom(a), Value::Int(i)) => (a.as_str().to_string(), Some(*i)),
            _ => return Err(function_clause()),
        },
        _ => return Err(function_clause()),
    };
    let found = match dynvars {
        Value::DynVars => c.host.lookup(&name),
        Value::Nil => None,
        Value::Cons(_) => dynvars.iter_list().find_map(|e| match e {
            Value::Tuple(t) if t.len() == 2 && t[0].is_atom_named(&name) => Some(t[1].clone()),
            _ => None,
        }),
        _ => return Err(function_clause()),
    };
    match (found, index) {
        (None, _) => Ok(Value::boolean(false)),
        (Some(v), None) => Ok(Value::ok(v)),
        (Some(v), Some(i)) => {
            if i < 1 {
                return Err(function_clause());
            }
            let item = v
                .iter_list()
                .nth(i as usize - 1)
                .cloned()
                .ok_or_else(function_clause)?;
            Ok(Value::ok(item))
        }
    }
}

/// `ts_user_server:get_unique_id/1`: the user id as a string (`"0"` without one).
fn unique_id(c: &mut Ctx<'_>, arg: &Value) -> R<String> {
    let dynvars = match arg {
        Value::Tuple(t) if t.len() == 2 => &t[1],
        _ => return Err(function_clause()),
    };
    let v = lookup(c, &Value::static_atom("tsung_userid"), dynvars)?;
    Ok(match v {
        Value::Tuple(t) if t.len() == 2 => {
            String::from_utf8_lossy(&crate::subst::to_subst_bytes(&t[1])).into_owned()
        }
        _ => "0".to_string(),
    })
}

/// `get_next_line/1` and `get_random_line/1`: with `{Pid, DynVars}` (a substitution) the
/// line itself; with a file id, `{ok, Line}`.
fn file_call(c: &mut Ctx<'_>, arg: &Value, random: bool) -> R<Value> {
    match arg {
        Value::Tuple(t) if t.len() == 2 && matches!(t[0], Value::Pid(_)) => {
            file_line(c, None, random, false)
        }
        Value::Atom(a) if a.as_str() == "default" => file_line(c, None, random, true),
        Value::Atom(a) => {
            let id = a.as_str().to_string();
            file_line(c, Some(&id), random, true)
        }
        _ => Err(function_clause()),
    }
}

/// `get_all_lines`: every line as a list of binaries; `{ok, Lines}` when called with a file id.
fn all_lines(c: &mut Ctx<'_>, id: Option<&str>, wrap_ok: bool) -> R<Value> {
    let Some(lines) = c.host.all_lines(id) else {
        let name = id.unwrap_or("default");
        return Err(Trap::tagged(
            "badarg",
            Value::tuple(vec![Value::static_atom("no_such_file"), Value::atom(name)]),
        ));
    };
    c.alloc_bytes(lines.iter().map(Vec::len).sum::<usize>() + lines.len())?;
    let v = Value::list_of_binaries(lines);
    Ok(if wrap_ok { Value::ok(v) } else { v })
}

fn file_line(c: &mut Ctx<'_>, id: Option<&str>, random: bool, wrap_ok: bool) -> R<Value> {
    let line = if random {
        c.host.random_line(id)
    } else {
        c.host.next_line(id)
    };
    let Some(line) = line else {
        let name = id.unwrap_or("default");
        return Err(Trap::tagged(
            "badarg",
            Value::tuple(vec![Value::static_atom("no_such_file"), Value::atom(name)]),
        ));
    };
    c.alloc_bytes(line.len())?;
    let v = Value::binary(line);
    Ok(if wrap_ok { Value::ok(v) } else { v })
}
