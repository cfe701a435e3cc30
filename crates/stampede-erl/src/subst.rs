//! Turning a term into the bytes substituted into a request, as Tsung's
//! `ts_utils:term_to_list/1` does for `%%_var%%`.

use crate::print;
use crate::value::Value;

/// The bytes Tsung substitutes for a variable holding `v`:
/// * integers in decimal; atoms by name; floats as `float_to_list/1` writes them
///   (`1.50000000000000000000e+00`);
/// * binaries as they are; strings and iolists (nested lists of bytes and binaries, also with
///   a binary tail) flattened;
/// * characters above 255 inside a string as UTF-8 (Tsung would fail on them);
/// * anything else (tuples, funs, pids), which Tsung cannot substitute and crashes on, as its
///   `~p` text.
pub fn to_subst_bytes(v: &Value) -> Vec<u8> {
    match v {
        Value::Int(i) => i.to_string().into_bytes(),
        Value::Atom(a) => a.as_str().as_bytes().to_vec(),
        Value::Float(f) => print::float_to_list_default(*f).into_bytes(),
        Value::Binary(b) => b.to_vec(),
        Value::Nil | Value::Cons(_) => {
            flatten_iolist(v).unwrap_or_else(|| v.to_pretty().into_bytes())
        }
        Value::Tuple(_) | Value::Fun(_) | Value::Pid(_) | Value::DynVars => {
            v.to_pretty().into_bytes()
        }
    }
}

fn flatten_iolist(v: &Value) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut stack: Vec<&Value> = vec![v];
    while let Some(x) = stack.pop() {
        match x {
            Value::Nil => {}
            Value::Binary(b) => out.extend_from_slice(b),
            Value::Int(i) if (0..=255).contains(i) => out.push(*i as u8),
            Value::Int(i) => {
                let c = char::from_u32(u32::try_from(*i).ok()?)?;
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
            Value::Cons(c) => {
                stack.push(&c.tail);
                stack.push(&c.head);
            }
            _ => return None,
        }
    }
    Some(out)
}
