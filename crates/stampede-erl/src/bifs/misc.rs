//! `random`, `rand`, `crypto`, `base64`, `binary`, URI encoding (`http_uri`, `uri_string`,
//! `edoc_lib`), `proplists`, `math`, `calendar`, `unicode` and `file:read_file/1`.
//!
//! Random numbers come from the host's generator, which the run seeds: seeding calls
//! (`random:seed/1,3`, `rand:seed/1,2`) are accepted and do not change the sequence, so a
//! run with a fixed `--seed` stays reproducible.

use super::{Bif, atom, b, chardata, int, iodata, list, non_neg};
use crate::eval::{Ctx, R, Trap};
use crate::value::Value;

use base64::Engine as _;

pub(crate) static BIFS: &[Bif] = &[
    b("random", "uniform", 0, |c, _| {
        Ok(Value::Float(uniform_float(c)))
    }),
    b("random", "uniform", 1, |c, a| uniform_int(c, &a[0])),
    b("random", "seed", 0, |_, _| {
        Ok(Value::static_atom("undefined"))
    }),
    b("random", "seed", 1, |_, a| match &a[0] {
        Value::Tuple(t) if t.len() == 3 && t.iter().all(|x| matches!(x, Value::Int(_))) => {
            Ok(Value::static_atom("undefined"))
        }
        _ => Err(super::function_clause()),
    }),
    b("random", "seed", 3, |_, a| {
        for x in a {
            int(x)?;
        }
        Ok(Value::static_atom("undefined"))
    }),
    b("random", "seed0", 0, |_, _| {
        Ok(Value::tuple(vec![
            Value::Int(3172),
            Value::Int(9814),
            Value::Int(20125),
        ]))
    }),
    b("rand", "uniform", 0, |c, _| {
        Ok(Value::Float(uniform_float(c)))
    }),
    b("rand", "uniform", 1, |c, a| uniform_int(c, &a[0])),
    b("rand", "uniform_real", 0, |c, _| {
        Ok(Value::Float(uniform_float(c)))
    }),
    b("rand", "normal", 0, |c, _| {
        // Box–Muller.
        let u1 = uniform_float(c);
        let u2 = uniform_float(c);
        Ok(Value::Float(
            (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos(),
        ))
    }),
    b("rand", "seed", 1, |_, a| rand_state(&a[0])),
    b("rand", "seed", 2, |_, a| rand_state(&a[0])),
    b("crypto", "hash", 2, |c, a| {
        let data = iodata(&a[1])?;
        c.tick(data.len() as u64 / 64)?;
        let digest = match atom(&a[0])? {
            "md5" => {
                use md5::Digest;
                md5::Md5::digest(&data).to_vec()
            }
            "sha" => {
                use sha1::Digest;
                sha1::Sha1::digest(&data).to_vec()
            }
            _ => {
                return Err(Trap::tagged(
                    "badarg",
                    Value::string("unsupported hash algorithm (md5 and sha are available)"),
                ));
            }
        };
        c.bin(digest)
    }),
    b("crypto", "md5", 1, |c, a| {
        use md5::Digest;
        let data = iodata(&a[0])?;
        c.bin(md5::Md5::digest(&data).to_vec())
    }),
    b("crypto", "sha", 1, |c, a| {
        use sha1::Digest;
        let data = iodata(&a[0])?;
        c.bin(sha1::Sha1::digest(&data).to_vec())
    }),
    b("crypto", "strong_rand_bytes", 1, |c, a| {
        let n = non_neg(&a[0])?;
        c.alloc_bytes(n)?;
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            out.extend_from_slice(&c.host.random_u64().to_le_bytes());
        }
        out.truncate(n);
        Ok(Value::binary(out))
    }),
    b("crypto", "rand_uniform", 2, |c, a| {
        let lo = int(&a[0])?;
        let hi = int(&a[1])?;
        if hi <= lo {
            return Err(Trap::badarg());
        }
        let span = (hi - lo) as u64;
        Ok(Value::Int(lo + bounded(c, span) as i64))
    }),
    b("binary", "encode_hex", 1, |c, a| match &a[0] {
        Value::Binary(bin) => {
            let s: String = bin.iter().map(|x| format!("{x:02X}")).collect();
            c.bin(s.into_bytes())
        }
        _ => Err(Trap::badarg()),
    }),
    b("binary", "decode_hex", 1, |c, a| match &a[0] {
        Value::Binary(bin) if bin.len() % 2 == 0 => {
            let mut out = Vec::with_capacity(bin.len() / 2);
            for pair in bin.chunks(2) {
                let s = std::str::from_utf8(pair).map_err(|_| Trap::badarg())?;
                out.push(u8::from_str_radix(s, 16).map_err(|_| Trap::badarg())?);
            }
            c.bin(out)
        }
        _ => Err(Trap::badarg()),
    }),
    b("binary", "bin_to_list", 1, |c, a| match &a[0] {
        Value::Binary(bin) => c.bytes_str(&bin.clone()),
        _ => Err(Trap::badarg()),
    }),
    b("binary", "list_to_bin", 1, |c, a| {
        let bytes = iodata(&a[0])?;
        c.bin(bytes)
    }),
    b("binary", "part", 3, |c, a| {
        let (Value::Binary(bin), Value::Int(s), Value::Int(l)) = (&a[0], &a[1], &a[2]) else {
            return Err(Trap::badarg());
        };
        let (s, l) = (i128::from(*s), i128::from(*l));
        let (from, to) = if l >= 0 { (s, s + l) } else { (s + l, s) };
        if from < 0 || to > bin.len() as i128 {
            return Err(Trap::badarg());
        }
        c.bin(bin[from as usize..to as usize].to_vec())
    }),
    b("binary", "at", 2, |_, a| match (&a[0], &a[1]) {
        (Value::Binary(bin), Value::Int(i)) if *i >= 0 && (*i as usize) < bin.len() => {
            Ok(Value::Int(i64::from(bin[*i as usize])))
        }
        _ => Err(Trap::badarg()),
    }),
    b("binary", "first", 1, |_, a| match &a[0] {
        Value::Binary(bin) if !bin.is_empty() => Ok(Value::Int(i64::from(bin[0]))),
        _ => Err(Trap::badarg()),
    }),
    b("binary", "last", 1, |_, a| match &a[0] {
        Value::Binary(bin) if !bin.is_empty() => Ok(Value::Int(i64::from(bin[bin.len() - 1]))),
        _ => Err(Trap::badarg()),
    }),
    b("binary", "copy", 2, |c, a| match &a[0] {
        Value::Binary(bin) => {
            let n = non_neg(&a[1])?;
            c.alloc_bytes(bin.len().saturating_mul(n))?;
            Ok(Value::binary(bin.repeat(n)))
        }
        _ => Err(Trap::badarg()),
    }),
    b("binary", "split", 2, |c, a| {
        bin_split(c, &a[0], &a[1], &Value::Nil)
    }),
    b("binary", "split", 3, |c, a| {
        bin_split(c, &a[0], &a[1], &a[2])
    }),
    b("binary", "replace", 3, |c, a| {
        bin_replace(c, &a[0], &a[1], &a[2], &Value::Nil)
    }),
    b("binary", "replace", 4, |c, a| {
        bin_replace(c, &a[0], &a[1], &a[2], &a[3])
    }),
    b("binary", "match", 2, |_, a| {
        let Value::Binary(bin) = &a[0] else {
            return Err(Trap::badarg());
        };
        let pats = bin_patterns(&a[1])?;
        Ok(match find_any(bin, &pats, 0) {
            Some((at, len)) => Value::tuple(vec![Value::Int(at as i64), Value::Int(len as i64)]),
            None => Value::static_atom("nomatch"),
        })
    }),
    b("base64", "encode", 1, |c, a| {
        let data = iodata(&a[0])?;
        c.bin(
            base64::engine::general_purpose::STANDARD
                .encode(data)
                .into_bytes(),
        )
    }),
    b("base64", "encode_to_string", 1, |c, a| {
        let data = iodata(&a[0])?;
        let s = base64::engine::general_purpose::STANDARD.encode(data);
        c.text(&s)
    }),
    b("base64", "decode", 1, |c, a| {
        let out = b64_decode(&a[0])?;
        c.bin(out)
    }),
    b("base64", "mime_decode", 1, |c, a| {
        let out = b64_decode(&a[0])?;
        c.bin(out)
    }),
    b("base64", "decode_to_string", 1, |c, a| {
        let out = b64_decode(&a[0])?;
        c.bytes_str(&out)
    }),
    b("http_uri", "encode", 1, |c, a| {
        let bin = matches!(a[0], Value::Binary(_));
        let cps = chardata(&a[0])?;
        let mut out: Vec<u32> = Vec::with_capacity(cps.len());
        for ch in cps {
            if HTTP_URI_RESERVED.contains(&ch) {
                for x in format!("%{ch:02X}").chars() {
                    out.push(u32::from(x));
                }
            } else {
                out.push(ch);
            }
        }
        string_or_binary(c, &out, bin)
    }),
    b("http_uri", "decode", 1, |c, a| {
        let bin = matches!(a[0], Value::Binary(_));
        let cps = chardata(&a[0])?;
        let out = percent_decode(&cps);
        string_or_binary(c, &out, bin)
    }),
    b("uri_string", "quote", 1, |c, a| uri_quote(c, &a[0], &[])),
    b("uri_string", "quote", 2, |c, a| {
        let safe = chardata(&a[1])?;
        uri_quote(c, &a[0], &safe)
    }),
    b("uri_string", "unquote", 1, |c, a| {
        let bin = matches!(a[0], Value::Binary(_));
        let bytes: Vec<u8> = match &a[0] {
            Value::Binary(b) => b.to_vec(),
            other => text_of(&chardata(other)?).into_bytes(),
        };
        let decoded = percent_decode_bytes(&bytes);
        if bin {
            c.bin(decoded)
        } else {
            let s = String::from_utf8_lossy(&decoded).into_owned();
            c.text(&s)
        }
    }),
    b("edoc_lib", "escape_uri", 1, |c, a| {
        let cps = match &a[0] {
            Value::Nil | Value::Cons(_) => a[0].code_points().ok_or_else(super::function_clause)?,
            _ => return Err(super::function_clause()),
        };
        let mut out = String::new();
        for ch in cps {
            match char::from_u32(ch) {
                Some(x) if x.is_ascii_alphanumeric() || matches!(x, '.' | '-' | '_') => out.push(x),
                _ if ch > 0x7F => {
                    // Two bytes, as edoc encodes characters up to 16 bits.
                    escape_byte(&mut out, (((ch & 0xC0) >> 6) + 0xC0) as u8);
                    escape_byte(&mut out, ((ch & 0x3F) + 0x80) as u8);
                }
                _ => escape_byte(&mut out, ch as u8),
            }
        }
        c.text(&out)
    }),
    b("proplists", "get_value", 2, |_, a| {
        proplist_get(&a[0], &a[1], Value::static_atom("undefined"))
    }),
    b("proplists", "get_value", 3, |_, a| {
        proplist_get(&a[0], &a[1], a[2].clone())
    }),
    b("proplists", "lookup", 2, |_, a| {
        for item in list(&a[1])? {
            match &item {
                Value::Tuple(t) if !t.is_empty() && t[0].exactly_equals(&a[0]) => {
                    return Ok(item.clone());
                }
                x if x.exactly_equals(&a[0]) && matches!(x, Value::Atom(_)) => {
                    return Ok(Value::tuple(vec![a[0].clone(), Value::boolean(true)]));
                }
                _ => {}
            }
        }
        Ok(Value::static_atom("none"))
    }),
    b("proplists", "get_bool", 2, |_, a| {
        let v = proplist_get(&a[0], &a[1], Value::boolean(false))?;
        Ok(Value::boolean(v.is_atom_named("true")))
    }),
    b("math", "pow", 2, |_, a| float2(&a[0], &a[1], f64::powf)),
    b("math", "sqrt", 1, |_, a| float1(&a[0], f64::sqrt)),
    b("math", "log", 1, |_, a| float1(&a[0], f64::ln)),
    b("math", "log10", 1, |_, a| float1(&a[0], f64::log10)),
    b("math", "log2", 1, |_, a| float1(&a[0], f64::log2)),
    b("math", "exp", 1, |_, a| float1(&a[0], f64::exp)),
    b("math", "floor", 1, |_, a| float1(&a[0], f64::floor)),
    b("math", "ceil", 1, |_, a| float1(&a[0], f64::ceil)),
    b("math", "sin", 1, |_, a| float1(&a[0], f64::sin)),
    b("math", "cos", 1, |_, a| float1(&a[0], f64::cos)),
    b("math", "pi", 0, |_, _| {
        Ok(Value::Float(std::f64::consts::PI))
    }),
    b("calendar", "universal_time", 0, |c, _| {
        Ok(datetime(c.host.now_micros() / 1_000_000))
    }),
    b("calendar", "local_time", 0, |c, _| {
        Ok(datetime(c.host.now_micros() / 1_000_000))
    }),
    b("calendar", "now_to_datetime", 1, |_, a| {
        Ok(datetime(now_secs(&a[0])?))
    }),
    b("calendar", "now_to_universal_time", 1, |_, a| {
        Ok(datetime(now_secs(&a[0])?))
    }),
    b("calendar", "now_to_local_time", 1, |_, a| {
        Ok(datetime(now_secs(&a[0])?))
    }),
    b("calendar", "datetime_to_gregorian_seconds", 1, |_, a| {
        let Value::Tuple(dt) = &a[0] else {
            return Err(super::function_clause());
        };
        let (Some(Value::Tuple(d)), Some(Value::Tuple(t))) = (dt.first(), dt.get(1)) else {
            return Err(super::function_clause());
        };
        if d.len() != 3 || t.len() != 3 {
            return Err(super::function_clause());
        }
        let days = days_from_civil(int(&d[0])?, int(&d[1])?, int(&d[2])?) + GREGORIAN_EPOCH_DAYS;
        Ok(Value::Int(
            days * 86400 + int(&t[0])? * 3600 + int(&t[1])? * 60 + int(&t[2])?,
        ))
    }),
    b("unicode", "characters_to_list", 1, |c, a| {
        let cps = chardata(&a[0])?;
        c.str_value(&cps)
    }),
    b("unicode", "characters_to_binary", 1, |c, a| {
        let cps = chardata(&a[0])?;
        c.bin(text_of(&cps).into_bytes())
    }),
    b("file", "read_file", 1, |c, a| {
        let path = match &a[0] {
            Value::Binary(bin) => String::from_utf8_lossy(bin).into_owned(),
            Value::Atom(x) => x.as_str().to_string(),
            other => text_of(&chardata(other)?),
        };
        match c.host.read_file(&path) {
            Ok(bytes) => {
                c.tick(bytes.len() as u64 / 4096)?;
                Ok(Value::ok(Value::binary(bytes)))
            }
            Err(e) => Ok(Value::tuple(vec![
                Value::static_atom("error"),
                Value::static_atom(e.reason_atom()),
            ])),
        }
    }),
];

fn text_of(cps: &[u32]) -> String {
    cps.iter().filter_map(|c| char::from_u32(*c)).collect()
}

fn string_or_binary(c: &mut Ctx<'_>, cps: &[u32], bin: bool) -> R<Value> {
    if bin {
        let bytes: Vec<u8> = cps.iter().map(|x| *x as u8).collect();
        c.bin(bytes)
    } else {
        c.str_value(cps)
    }
}

/// Characters `http_uri:encode/1` escapes (OTP 25).
const HTTP_URI_RESERVED: &[u32] = &[
    32, 34, 35, 37, 38, 39, 43, 44, 47, 58, 59, 60, 61, 62, 63, 64, 91, 92, 93, 94, 123, 124, 125,
];

fn hex_val(c: u32) -> Option<u32> {
    char::from_u32(c).and_then(|x| x.to_digit(16))
}

/// `%XX` sequences decoded; malformed ones kept as they are.
fn percent_decode(cps: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(cps.len());
    let mut i = 0;
    while i < cps.len() {
        if cps[i] == 37
            && let (Some(h), Some(l)) = (
                cps.get(i + 1).copied().and_then(hex_val),
                cps.get(i + 2).copied().and_then(hex_val),
            )
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(cps[i]);
        i += 1;
    }
    out
}

fn percent_decode_bytes(b: &[u8]) -> Vec<u8> {
    let cps: Vec<u32> = b.iter().map(|x| u32::from(*x)).collect();
    percent_decode(&cps).into_iter().map(|x| x as u8).collect()
}

/// `uri_string:quote/1,2`: everything except unreserved characters (and `safe`) becomes `%XX`
/// of its UTF-8 bytes.
fn uri_quote(c: &mut Ctx<'_>, v: &Value, safe: &[u32]) -> R<Value> {
    let bin = matches!(v, Value::Binary(_));
    let s = text_of(&chardata(v)?);
    let mut out = String::new();
    for ch in s.chars() {
        if ch.is_ascii_alphanumeric()
            || matches!(ch, '-' | '.' | '_' | '~')
            || safe.contains(&u32::from(ch))
        {
            out.push(ch);
        } else {
            let mut buf = [0u8; 4];
            for byte in ch.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    if bin {
        c.bin(out.into_bytes())
    } else {
        c.text(&out)
    }
}

fn escape_byte(out: &mut String, b: u8) {
    out.push_str(&format!("%{b:02x}"));
}

fn b64_decode(v: &Value) -> R<Vec<u8>> {
    let data: Vec<u8> = iodata(v)?
        .into_iter()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(&data)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(&data))
        .map_err(|_| Trap::badarg())
}

fn uniform_float(c: &mut Ctx<'_>) -> f64 {
    // In (0, 1), 53 bits, as Erlang's uniform never returns 0.0.
    loop {
        let x = (c.host.random_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        if x > 0.0 {
            return x;
        }
    }
}

/// Unbiased integer in `[0, span)`.
fn bounded(c: &mut Ctx<'_>, span: u64) -> u64 {
    let zone = u64::MAX - (u64::MAX % span);
    loop {
        let r = c.host.random_u64();
        if r < zone {
            return r % span;
        }
    }
}

fn uniform_int(c: &mut Ctx<'_>, n: &Value) -> R<Value> {
    match n {
        Value::Int(n) if *n >= 1 => Ok(Value::Int(1 + bounded(c, *n as u64) as i64)),
        _ => Err(super::function_clause()),
    }
}

fn rand_state(alg: &Value) -> R<Value> {
    let name = atom(alg)?;
    if !matches!(
        name,
        "exsss"
            | "exsplus"
            | "exs64"
            | "exsp"
            | "exs1024"
            | "exs1024s"
            | "exrop"
            | "exro928ss"
            | "dummy"
    ) {
        return Err(Trap::badarg());
    }
    Ok(Value::tuple(vec![
        Value::static_atom("rand_state"),
        alg.clone(),
    ]))
}

fn proplist_get(key: &Value, l: &Value, default: Value) -> R<Value> {
    for item in list(l)? {
        match &item {
            Value::Tuple(t) if !t.is_empty() && t[0].exactly_equals(key) => {
                return Ok(if t.len() == 2 { t[1].clone() } else { default });
            }
            Value::Atom(_) if item.exactly_equals(key) => return Ok(Value::boolean(true)),
            _ => {}
        }
    }
    Ok(default)
}

fn float1(x: &Value, f: fn(f64) -> f64) -> R<Value> {
    if !x.is_number() {
        return Err(Trap::badarg());
    }
    let r = f(crate::eval::num(x));
    if r.is_finite() {
        Ok(Value::Float(r))
    } else {
        Err(Trap::atom("badarith"))
    }
}

fn float2(x: &Value, y: &Value, f: fn(f64, f64) -> f64) -> R<Value> {
    if !x.is_number() || !y.is_number() {
        return Err(Trap::badarg());
    }
    let r = f(crate::eval::num(x), crate::eval::num(y));
    if r.is_finite() {
        Ok(Value::Float(r))
    } else {
        Err(Trap::atom("badarith"))
    }
}

/// Days from 0000-01-01 to 1970-01-01 in the proleptic Gregorian calendar.
const GREGORIAN_EPOCH_DAYS: i64 = 719_528;

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn datetime(secs: u64) -> Value {
    let secs = secs as i64;
    let (y, m, d) = civil_from_days(secs.div_euclid(86400));
    let t = secs.rem_euclid(86400);
    Value::tuple(vec![
        Value::tuple(vec![Value::Int(y), Value::Int(m), Value::Int(d)]),
        Value::tuple(vec![
            Value::Int(t / 3600),
            Value::Int(t / 60 % 60),
            Value::Int(t % 60),
        ]),
    ])
}

fn now_secs(v: &Value) -> R<u64> {
    match v {
        Value::Tuple(t) if t.len() == 3 => {
            let mega = int(&t[0])?;
            let s = int(&t[1])?;
            Ok(u64::try_from(mega * 1_000_000 + s).map_err(|_| Trap::badarg())?)
        }
        _ => Err(super::function_clause()),
    }
}

fn bin_patterns(v: &Value) -> R<Vec<Vec<u8>>> {
    match v {
        Value::Binary(b) if !b.is_empty() => Ok(vec![b.to_vec()]),
        Value::Cons(_) => list(v)?
            .iter()
            .map(|x| match x {
                Value::Binary(b) if !b.is_empty() => Ok(b.to_vec()),
                _ => Err(Trap::badarg()),
            })
            .collect(),
        _ => Err(Trap::badarg()),
    }
}

/// The leftmost (then longest) occurrence of any pattern at or after `from`.
fn find_any(hay: &[u8], pats: &[Vec<u8>], from: usize) -> Option<(usize, usize)> {
    (from..hay.len()).find_map(|i| {
        pats.iter()
            .filter(|p| hay[i..].starts_with(p))
            .map(|p| p.len())
            .max()
            .map(|l| (i, l))
    })
}

fn has_global(opts: &Value) -> R<bool> {
    Ok(list(opts)?.iter().any(|o| o.is_atom_named("global")))
}

fn bin_split(c: &mut Ctx<'_>, subj: &Value, pat: &Value, opts: &Value) -> R<Value> {
    let Value::Binary(bin) = subj else {
        return Err(Trap::badarg());
    };
    let pats = bin_patterns(pat)?;
    let global = has_global(opts)?;
    let trim_all = list(opts)?.iter().any(|o| o.is_atom_named("trim_all"));
    let mut parts: Vec<Value> = Vec::new();
    let mut pos = 0;
    while let Some((at, len)) = find_any(bin, &pats, pos) {
        parts.push(Value::from_bytes(&bin[pos..at]));
        pos = at + len;
        if !global {
            break;
        }
    }
    parts.push(Value::from_bytes(&bin[pos..]));
    if trim_all {
        parts.retain(|p| !matches!(p, Value::Binary(b) if b.is_empty()));
    }
    c.alloc_bytes(bin.len())?;
    c.list_value(parts)
}

fn bin_replace(c: &mut Ctx<'_>, subj: &Value, pat: &Value, rep: &Value, opts: &Value) -> R<Value> {
    let Value::Binary(bin) = subj else {
        return Err(Trap::badarg());
    };
    let Value::Binary(r) = rep else {
        return Err(Trap::badarg());
    };
    let pats = bin_patterns(pat)?;
    let global = has_global(opts)?;
    let mut out = Vec::with_capacity(bin.len());
    let mut pos = 0;
    while let Some((at, len)) = find_any(bin, &pats, pos) {
        out.extend_from_slice(&bin[pos..at]);
        out.extend_from_slice(r);
        pos = at + len;
        if !global {
            break;
        }
    }
    out.extend_from_slice(&bin[pos..]);
    c.bin(out)
}
