//! The `re` module (PCRE, as Erlang's): `replace/3,4`, `run/2,3`, `split/2,3`, `compile/1,2`.
//! Results have the shapes Erlang gives them (iodata by default for `replace`, binaries for
//! `split`, `{Offset, Length}` captures for `run`).

use std::collections::HashMap;
use std::sync::Arc;

use pcre2::bytes::{Regex, RegexBuilder};

use super::{Bif, b, chardata, iodata, list};
use crate::eval::{Ctx, R, Trap};
use crate::value::Value;

pub(crate) static BIFS: &[Bif] = &[
    b("re", "replace", 3, |c, a| {
        replace(c, &a[0], &a[1], &a[2], &Value::Nil)
    }),
    b("re", "replace", 4, |c, a| {
        replace(c, &a[0], &a[1], &a[2], &a[3])
    }),
    b("re", "run", 2, |c, a| run(c, &a[0], &a[1], &Value::Nil)),
    b("re", "run", 3, |c, a| run(c, &a[0], &a[1], &a[2])),
    b("re", "split", 2, |c, a| split(c, &a[0], &a[1], &Value::Nil)),
    b("re", "split", 3, |c, a| split(c, &a[0], &a[1], &a[2])),
    b("re", "compile", 1, |_, a| compile_value(&a[0], &Value::Nil)),
    b("re", "compile", 2, |_, a| compile_value(&a[0], &a[1])),
];

/// Compile-time flags that select a distinct compiled regex.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Flags {
    caseless: bool,
    multiline: bool,
    dotall: bool,
    extended: bool,
    unicode: bool,
    ungreedy: bool,
    anchored: bool,
    dollar_endonly: bool,
    ucp: bool,
}

/// Regexes compiled ahead of time from literal patterns in the snippet.
#[derive(Debug, Default)]
pub(crate) struct RegexCache {
    map: HashMap<(Vec<u8>, Flags), Arc<Regex>>,
}

impl RegexCache {
    /// Compiles `pattern` (a literal from the snippet) with the compile flags found in
    /// `options`; returns the engine's message when it does not compile.
    pub(crate) fn precompile(&mut self, pattern: &Value, options: &Value) -> Result<(), String> {
        let Ok(opts) = Options::parse(options) else {
            return Ok(());
        };
        let Ok(bytes) = to_bytes(pattern, opts.flags.unicode) else {
            return Ok(());
        };
        let re = build(&bytes, opts.flags)?;
        self.map.insert((bytes, opts.flags), Arc::new(re));
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Return {
    Iodata,
    List,
    Binary,
    Index,
}

#[derive(Clone, Debug)]
enum CaptureSpec {
    All,
    AllButFirst,
    First,
    None,
    AllNames,
    Groups(Vec<Value>),
}

#[derive(Clone, Debug)]
struct Options {
    flags: Flags,
    global: bool,
    ret: Option<Return>,
    capture: CaptureSpec,
    offset: usize,
    trim: bool,
    parts: Option<i64>,
    notempty: bool,
    group: bool,
}

impl Options {
    fn parse(v: &Value) -> R<Self> {
        let mut o = Options {
            flags: Flags::default(),
            global: false,
            ret: None,
            capture: CaptureSpec::All,
            offset: 0,
            trim: false,
            parts: None,
            notempty: false,
            group: false,
        };
        for item in list(v)? {
            match &item {
                Value::Atom(a) => match a.as_str() {
                    "global" => o.global = true,
                    "caseless" => o.flags.caseless = true,
                    "multiline" => o.flags.multiline = true,
                    "dotall" => o.flags.dotall = true,
                    "extended" => o.flags.extended = true,
                    "unicode" => o.flags.unicode = true,
                    "ungreedy" => o.flags.ungreedy = true,
                    "anchored" => o.flags.anchored = true,
                    "dollar_endonly" => o.flags.dollar_endonly = true,
                    "ucp" => o.flags.ucp = true,
                    "trim" => o.trim = true,
                    "group" => o.group = true,
                    "notempty" => o.notempty = true,
                    "notbol" | "noteol" | "notempty_atstart" | "firstline" | "no_auto_capture"
                    | "dupnames" | "bsr_anycrlf" | "bsr_unicode" | "never_utf" => {}
                    _ => return Err(Trap::badarg()),
                },
                Value::Tuple(t) if !t.is_empty() => match (&t[0], t.len()) {
                    (Value::Atom(k), 2) if k.as_str() == "return" => {
                        o.ret = Some(match &t[1] {
                            Value::Atom(r) if r.as_str() == "list" => Return::List,
                            Value::Atom(r) if r.as_str() == "binary" => Return::Binary,
                            Value::Atom(r) if r.as_str() == "iodata" => Return::Iodata,
                            Value::Atom(r) if r.as_str() == "index" => Return::Index,
                            _ => return Err(Trap::badarg()),
                        });
                    }
                    (Value::Atom(k), 2 | 3) if k.as_str() == "capture" => {
                        o.capture = match &t[1] {
                            Value::Atom(s) => match s.as_str() {
                                "all" => CaptureSpec::All,
                                "all_but_first" => CaptureSpec::AllButFirst,
                                "first" => CaptureSpec::First,
                                "none" => CaptureSpec::None,
                                "all_names" => CaptureSpec::AllNames,
                                _ => return Err(Trap::badarg()),
                            },
                            l @ (Value::Cons(_) | Value::Nil) => CaptureSpec::Groups(list(l)?),
                            _ => return Err(Trap::badarg()),
                        };
                        if let Some(ty) = t.get(2) {
                            o.ret = Some(match ty {
                                Value::Atom(r) if r.as_str() == "list" => Return::List,
                                Value::Atom(r) if r.as_str() == "binary" => Return::Binary,
                                Value::Atom(r) if r.as_str() == "index" => Return::Index,
                                _ => return Err(Trap::badarg()),
                            });
                        }
                    }
                    (Value::Atom(k), 2) if k.as_str() == "offset" => {
                        o.offset = super::non_neg(&t[1])?;
                    }
                    (Value::Atom(k), 2) if k.as_str() == "parts" => {
                        o.parts = Some(match &t[1] {
                            Value::Int(n) => *n,
                            Value::Atom(a) if a.as_str() == "infinity" => -1,
                            _ => return Err(Trap::badarg()),
                        });
                    }
                    (Value::Atom(k), 2)
                        if matches!(
                            k.as_str(),
                            "newline" | "match_limit" | "match_limit_recursion"
                        ) => {}
                    _ => return Err(Trap::badarg()),
                },
                _ => return Err(Trap::badarg()),
            }
        }
        Ok(o)
    }
}

/// Subject, pattern or replacement as bytes: iodata, or UTF-8 encoded chardata under `unicode`.
fn to_bytes(v: &Value, unicode: bool) -> R<Vec<u8>> {
    if let Value::Binary(b) = v {
        return Ok(b.to_vec());
    }
    if unicode {
        let cps = chardata(v)?;
        let s: String = cps
            .iter()
            .map(|c| char::from_u32(*c).ok_or_else(Trap::badarg))
            .collect::<R<String>>()?;
        Ok(s.into_bytes())
    } else {
        iodata(v)
    }
}

/// The pattern as text for the engine: in byte mode, bytes above 127 become `\x{..}`.
fn pattern_text(bytes: &[u8], unicode: bool) -> Result<String, String> {
    if unicode {
        return String::from_utf8(bytes.to_vec()).map_err(|_| "invalid UTF-8 in pattern".into());
    }
    let mut s = String::with_capacity(bytes.len());
    for &b in bytes {
        if b < 0x80 {
            s.push(char::from(b));
        } else {
            s.push_str(&format!("\\x{{{b:02x}}}"));
        }
    }
    Ok(s)
}

fn build(bytes: &[u8], f: Flags) -> Result<Regex, String> {
    let mut text = pattern_text(bytes, f.unicode)?;
    if f.ungreedy {
        text = format!("(?U){text}");
    }
    if f.anchored {
        text = format!("\\G(?:{text})");
    }
    if f.dollar_endonly {
        text = text.replace("$)", "\\z)");
    }
    RegexBuilder::new()
        .caseless(f.caseless)
        .multi_line(f.multiline)
        .dotall(f.dotall)
        .extended(f.extended)
        .utf(f.unicode)
        .ucp(f.ucp)
        .jit_if_available(true)
        .build(&text)
        .map_err(|e| e.to_string())
}

/// A pattern argument: a string/binary, or a `{re_pattern, Source, Options}` from `compile`.
fn regex(c: &mut Ctx<'_>, pattern: &Value, opts: &mut Options) -> R<Arc<Regex>> {
    let source = match pattern {
        Value::Tuple(t) if t.len() == 3 && t[0].is_atom_named("re_pattern") => {
            let inner = Options::parse(&t[2])?;
            opts.flags = Flags {
                unicode: opts.flags.unicode || inner.flags.unicode,
                ..inner.flags
            };
            &t[1]
        }
        other => other,
    };
    let bytes = to_bytes(source, opts.flags.unicode)?;
    if let Some(re) = c.regexes.map.get(&(bytes.clone(), opts.flags)) {
        return Ok(re.clone());
    }
    c.tick(bytes.len() as u64 * 4 + 50)?;
    build(&bytes, opts.flags).map(Arc::new).map_err(|msg| {
        Trap::tagged(
            "badarg",
            Value::tuple(vec![
                Value::static_atom("re_compile_error"),
                Value::string(&msg),
            ]),
        )
    })
}

fn compile_value(pattern: &Value, options: &Value) -> R<Value> {
    let opts = Options::parse(options)?;
    let bytes = to_bytes(pattern, opts.flags.unicode)?;
    match build(&bytes, opts.flags) {
        Ok(_) => Ok(Value::ok(Value::tuple(vec![
            Value::static_atom("re_pattern"),
            pattern.clone(),
            options.clone(),
        ]))),
        Err(msg) => Ok(Value::tuple(vec![
            Value::static_atom("error"),
            Value::tuple(vec![Value::string(&msg), Value::Int(0)]),
        ])),
    }
}

/// One match: every group's byte range (`None` when unset).
type Groups = Vec<Option<(usize, usize)>>;

/// What every `re` call starts with: its options, the subject's bytes and the compiled
/// pattern (whose own options may add to the call's).
fn prepare(
    c: &mut Ctx<'_>,
    subj: &Value,
    pattern: &Value,
    options: &Value,
) -> R<(Options, Vec<u8>, Arc<Regex>)> {
    let mut opts = Options::parse(options)?;
    let subject = to_bytes(subj, opts.flags.unicode)?;
    let re = regex(c, pattern, &mut opts)?;
    Ok((opts, subject, re))
}

/// Finds the first match at or after the `offset` option, or every match with `global`.
fn matches(
    c: &mut Ctx<'_>,
    re: &Regex,
    subject: &[u8],
    opts: &Options,
    global: bool,
) -> R<Vec<Groups>> {
    let (notempty, unicode) = (opts.notempty, opts.flags.unicode);
    let mut out = Vec::new();
    // Without groups, `find_at` reuses the engine's pooled match data: much cheaper.
    let no_groups = re.captures_len() == 1;
    let mut locs = if no_groups {
        None
    } else {
        Some(re.capture_locations())
    };
    let mut pos = opts.offset;
    while pos <= subject.len() {
        c.tick(1 + (subject.len() - pos) as u64 / 64)?;
        let found = match &mut locs {
            None => re.find_at(subject, pos),
            Some(l) => re.captures_read_at(l, subject, pos),
        }
        .map_err(|_| Trap::badarg())?;
        let Some(m) = found else { break };
        let (s, e) = (m.start(), m.end());
        if notempty && s == e {
            pos = next_char(subject, e, unicode);
            continue;
        }
        let groups: Groups = match &locs {
            None => vec![Some((s, e))],
            Some(l) => (0..l.len()).map(|i| l.get(i)).collect(),
        };
        out.push(groups);
        if !global {
            break;
        }
        pos = if e == s {
            next_char(subject, e, unicode)
        } else {
            e
        };
        if e == s && e == subject.len() {
            break;
        }
    }
    Ok(out)
}

fn next_char(subject: &[u8], at: usize, unicode: bool) -> usize {
    if !unicode {
        return at + 1;
    }
    let mut i = at + 1;
    while i < subject.len() && (subject[i] & 0xC0) == 0x80 {
        i += 1;
    }
    i
}

/// The replacement template: literal bytes and group references.
enum Piece {
    Lit(Vec<u8>),
    Group(usize),
}

fn parse_replacement(r: &[u8]) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    let push_lit = |out: &mut Vec<Piece>, b: u8| {
        if let Some(Piece::Lit(l)) = out.last_mut() {
            l.push(b);
        } else {
            out.push(Piece::Lit(vec![b]));
        }
    };
    let mut i = 0;
    while i < r.len() {
        match r[i] {
            b'&' => {
                out.push(Piece::Group(0));
                i += 1;
            }
            b'\\' if i + 1 < r.len() => {
                let n = r[i + 1];
                if n.is_ascii_digit() {
                    let mut j = i + 1;
                    let mut g = 0usize;
                    while j < r.len() && r[j].is_ascii_digit() {
                        g = g
                            .saturating_mul(10)
                            .saturating_add(usize::from(r[j] - b'0'));
                        j += 1;
                    }
                    out.push(Piece::Group(g));
                    i = j;
                } else if n == b'g' && r.get(i + 2) == Some(&b'{') {
                    let mut j = i + 3;
                    let mut g = 0usize;
                    while j < r.len() && r[j].is_ascii_digit() {
                        g = g
                            .saturating_mul(10)
                            .saturating_add(usize::from(r[j] - b'0'));
                        j += 1;
                    }
                    if r.get(j) == Some(&b'}') {
                        out.push(Piece::Group(g));
                        i = j + 1;
                    } else {
                        push_lit(&mut out, n);
                        i += 2;
                    }
                } else {
                    push_lit(&mut out, n);
                    i += 2;
                }
            }
            b => {
                push_lit(&mut out, b);
                i += 1;
            }
        }
    }
    out
}

fn group_bytes<'s>(subject: &'s [u8], g: &Groups, n: usize) -> &'s [u8] {
    match g.get(n) {
        Some(Some((s, e))) => &subject[*s..*e],
        _ => &[],
    }
}

fn replace(
    c: &mut Ctx<'_>,
    subj: &Value,
    pattern: &Value,
    repl: &Value,
    options: &Value,
) -> R<Value> {
    let (opts, subject, re) = prepare(c, subj, pattern, options)?;
    let rep = to_bytes(repl, opts.flags.unicode)?;
    let found = matches(c, &re, &subject, &opts, opts.global)?;
    let ret = opts.ret.unwrap_or(Return::Iodata);
    if found.is_empty() {
        return match ret {
            Return::Iodata => Ok(subj.clone()),
            _ => result_bytes(c, &subject, ret, opts.flags.unicode),
        };
    }
    let template = parse_replacement(&rep);
    // Build Erlang's iodata shape: untouched parts and replacements as binaries, the rest of the
    // subject as the (improper) tail.
    let iodata = matches!(ret, Return::Iodata | Return::Index);
    let mut parts: Vec<Value> = Vec::new();
    let mut flat: Vec<u8> = Vec::with_capacity(subject.len() + 16);
    let mut pos = 0;
    for g in &found {
        let Some(Some((s, e))) = g.first().copied() else {
            continue;
        };
        if s > pos {
            if iodata {
                parts.push(Value::from_bytes(&subject[pos..s]));
            }
            flat.extend_from_slice(&subject[pos..s]);
        }
        c.alloc_bytes(rep.len() + 8)?;
        let mut pieces: Vec<Value> = Vec::new();
        for p in &template {
            let bytes: &[u8] = match p {
                Piece::Lit(l) => l,
                Piece::Group(n) => group_bytes(&subject, g, *n),
            };
            flat.extend_from_slice(bytes);
            if iodata {
                pieces.push(Value::from_bytes(bytes));
            }
        }
        if iodata {
            parts.push(match (pieces.len(), &template.first()) {
                (1, Some(Piece::Lit(_))) => pieces.remove(0),
                _ => Value::list(pieces),
            });
        }
        pos = e;
    }
    flat.extend_from_slice(&subject[pos..]);
    c.alloc_bytes(subject.len())?;
    match ret {
        Return::Iodata | Return::Index => {
            c.alloc(parts.len() as u64)?;
            let tail = if pos < subject.len() {
                Value::from_bytes(&subject[pos..])
            } else {
                Value::Nil
            };
            Ok(Value::list_with_tail(parts, tail))
        }
        _ => result_bytes(c, &flat, ret, opts.flags.unicode),
    }
}

fn result_bytes(c: &mut Ctx<'_>, bytes: &[u8], ret: Return, unicode: bool) -> R<Value> {
    match ret {
        Return::List => {
            if unicode {
                let s = String::from_utf8_lossy(bytes);
                let cps: Vec<u32> = s.chars().map(u32::from).collect();
                c.str_value(&cps)
            } else {
                c.bytes_str(bytes)
            }
        }
        _ => c.bin(bytes.to_vec()),
    }
}

fn capture_value(
    c: &mut Ctx<'_>,
    subject: &[u8],
    g: &Groups,
    n: Option<usize>,
    ret: Return,
    unicode: bool,
) -> R<Value> {
    let range = n.and_then(|n| g.get(n).copied().flatten());
    match ret {
        Return::Index | Return::Iodata => Ok(match range {
            Some((s, e)) => Value::tuple(vec![Value::Int(s as i64), Value::Int((e - s) as i64)]),
            None => Value::tuple(vec![Value::Int(-1), Value::Int(0)]),
        }),
        Return::List | Return::Binary => {
            let bytes = match range {
                Some((s, e)) => &subject[s..e],
                None => &[][..],
            };
            result_bytes(c, bytes, ret, unicode)
        }
    }
}

fn run(c: &mut Ctx<'_>, subj: &Value, pattern: &Value, options: &Value) -> R<Value> {
    let (opts, subject, re) = prepare(c, subj, pattern, options)?;
    let found = matches(c, &re, &subject, &opts, opts.global)?;
    if found.is_empty() {
        return Ok(Value::static_atom("nomatch"));
    }
    if matches!(opts.capture, CaptureSpec::None) {
        return Ok(Value::static_atom("match"));
    }
    let ret = opts.ret.unwrap_or(Return::Index);
    let names = re.capture_names().to_vec();
    let ngroups = re.captures_len();
    let wanted: Vec<Option<usize>> = match &opts.capture {
        CaptureSpec::All => (0..ngroups).map(Some).collect(),
        CaptureSpec::AllButFirst => (1..ngroups).map(Some).collect(),
        CaptureSpec::First => vec![Some(0)],
        CaptureSpec::None => Vec::new(),
        CaptureSpec::AllNames => {
            let mut named: Vec<(String, usize)> = names
                .iter()
                .enumerate()
                .filter_map(|(i, n)| n.clone().map(|n| (n, i)))
                .collect();
            named.sort();
            named.into_iter().map(|(_, i)| Some(i)).collect()
        }
        CaptureSpec::Groups(gs) => gs
            .iter()
            .map(|g| match g {
                Value::Int(n) if *n >= 0 && (*n as usize) < ngroups => Some(*n as usize),
                Value::Int(_) => None,
                other => {
                    let name = if let Value::Atom(a) = other {
                        Some(a.as_str().to_string())
                    } else {
                        other
                            .code_points()
                            .map(|cps| cps.iter().filter_map(|c| char::from_u32(*c)).collect())
                    };
                    name.and_then(|n| names.iter().position(|x| x.as_deref() == Some(n.as_str())))
                }
            })
            .collect(),
    };
    let mut all = Vec::new();
    for g in &found {
        let mut caps = Vec::with_capacity(wanted.len());
        for w in &wanted {
            caps.push(capture_value(c, &subject, g, *w, ret, opts.flags.unicode)?);
        }
        all.push(c.list_value(caps)?);
    }
    let payload = if opts.global {
        c.list_value(all)?
    } else {
        all.into_iter().next().unwrap_or(Value::Nil)
    };
    Ok(Value::tuple(vec![Value::static_atom("match"), payload]))
}

fn split(c: &mut Ctx<'_>, subj: &Value, pattern: &Value, options: &Value) -> R<Value> {
    let (opts, subject, re) = prepare(c, subj, pattern, options)?;
    let ret = match opts.ret.unwrap_or(Return::Iodata) {
        Return::List => Return::List,
        _ => Return::Binary,
    };
    let found = matches(c, &re, &subject, &opts, true)?;
    let limit = match opts.parts {
        Some(n) if n > 0 => Some(n as usize),
        _ => None,
    };
    let mut pieces: Vec<Vec<Value>> = Vec::new();
    let mut pos = 0;
    for g in &found {
        if limit.is_some_and(|l| pieces.len() + 1 >= l) {
            break;
        }
        let Some(Some((s, e))) = g.first().copied() else {
            continue;
        };
        // An empty match at the very start of the subject does not split.
        if s == e && s == 0 {
            continue;
        }
        let mut piece = vec![result_bytes(c, &subject[pos..s], ret, opts.flags.unicode)?];
        for n in 1..g.len() {
            piece.push(capture_value(
                c,
                &subject,
                g,
                Some(n),
                ret,
                opts.flags.unicode,
            )?);
        }
        pieces.push(piece);
        pos = e;
    }
    pieces.push(vec![result_bytes(
        c,
        &subject[pos..],
        ret,
        opts.flags.unicode,
    )?]);
    let is_empty =
        |v: &Value| matches!(v, Value::Nil) || matches!(v, Value::Binary(b) if b.is_empty());
    if opts.trim || opts.parts == Some(0) {
        while pieces.last().is_some_and(|p| p.iter().all(is_empty)) {
            pieces.pop();
        }
    }
    let out: Vec<Value> = if opts.group {
        let mut v = Vec::new();
        for p in pieces {
            v.push(c.list_value(p)?);
        }
        v
    } else {
        pieces.into_iter().flatten().collect()
    };
    c.list_value(out)
}
