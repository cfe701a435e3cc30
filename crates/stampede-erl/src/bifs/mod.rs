//! The standard library available to snippets: Tsung's helpers and the OTP functions real
//! scenarios call, each implemented with Erlang's semantics. Known OTP functions that a
//! sandboxed snippet must not use are listed as unsupported so that messages can name them.

mod conv;
mod erlang;
mod format;
mod lists;
mod misc;
mod re;
mod string;
mod tsung;

use crate::eval::{Ctx, R, Trap};
use crate::value::Value;

pub(crate) use re::RegexCache;

pub(crate) type BifFn = fn(&mut Ctx<'_>, &[Value]) -> R<Value>;

/// A built-in function.
pub(crate) struct Bif {
    pub module: &'static str,
    pub name: &'static str,
    pub arity: u8,
    pub f: BifFn,
    /// Allowed in guards.
    pub guard: bool,
    /// Callable without a module (`length(L)`).
    pub auto: bool,
    /// Receives `DynVars` as the opaque handle rather than as a list.
    pub takes_dynvars: bool,
}

impl std::fmt::Debug for Bif {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}/{}", self.module, self.name, self.arity)
    }
}

pub(crate) const fn b(module: &'static str, name: &'static str, arity: u8, f: BifFn) -> Bif {
    Bif {
        module,
        name,
        arity,
        f,
        guard: false,
        auto: false,
        takes_dynvars: false,
    }
}

impl Bif {
    /// Auto-imported and allowed in guards.
    pub(crate) const fn guard(mut self) -> Self {
        self.guard = true;
        self.auto = true;
        self
    }
    /// Auto-imported.
    pub(crate) const fn auto(mut self) -> Self {
        self.auto = true;
        self
    }
    pub(crate) const fn dynvars(mut self) -> Self {
        self.takes_dynvars = true;
        self
    }
}

fn tables() -> [&'static [Bif]; 8] {
    [
        erlang::BIFS,
        conv::BIFS,
        lists::BIFS,
        string::BIFS,
        re::BIFS,
        format::BIFS,
        misc::BIFS,
        tsung::BIFS,
    ]
}

fn all() -> impl Iterator<Item = &'static Bif> {
    tables().into_iter().flat_map(|t| t.iter())
}

/// Finds a supported built-in.
pub(crate) fn find(module: &str, name: &str, arity: usize) -> Option<&'static Bif> {
    all().find(|b| b.module == module && b.name == name && usize::from(b.arity) == arity)
}

/// Outcome of looking a remote function up at compile time.
pub(crate) enum Lookup {
    Found,
    Unsupported(&'static str),
    WrongArity(Vec<u8>),
    UnknownFunction,
    UnknownModule,
}

/// Known OTP functions that snippets may not call, with a hint.
const UNSUPPORTED: &[(&str, &str, &str)] = &[
    ("os", "cmd", "snippets cannot run programs"),
    (
        "os",
        "getenv",
        "snippets cannot read the environment; use a <setdynvars> variable",
    ),
    ("os", "putenv", "snippets cannot change the environment"),
    ("os", "type", ""),
    ("file", "write_file", "snippets cannot write files"),
    (
        "file",
        "open",
        "use file:read_file/1 to read a file next to the scenario",
    ),
    ("file", "close", ""),
    ("file", "read", "use file:read_file/1"),
    (
        "file",
        "read_line",
        "use <setdynvars sourcetype=\"file\"> or ts_file_server:get_next_line/1",
    ),
    ("file", "delete", "snippets cannot modify files"),
    ("file", "rename", "snippets cannot modify files"),
    ("file", "make_dir", "snippets cannot modify files"),
    ("file", "list_dir", ""),
    ("file", "consult", ""),
    ("file", "write", "snippets cannot write files"),
    (
        "erlang",
        "halt",
        "snippets cannot stop the load generator; use <abort/>",
    ),
    ("erlang", "spawn", "snippets cannot start processes"),
    ("erlang", "spawn_link", "snippets cannot start processes"),
    ("erlang", "send", "snippets cannot send messages"),
    ("erlang", "open_port", "snippets cannot open ports"),
    ("erlang", "register", ""),
    (
        "erlang",
        "put",
        "the process dictionary does not persist in Stampede; use dynamic variables",
    ),
    (
        "erlang",
        "get",
        "the process dictionary does not persist in Stampede; use dynamic variables",
    ),
    (
        "erlang",
        "erase",
        "the process dictionary does not persist in Stampede",
    ),
    ("erlang", "process_flag", ""),
    ("erlang", "apply", "call the function directly"),
    ("erlang", "list_to_pid", ""),
    ("erlang", "garbage_collect", ""),
    ("timer", "sleep", "use <thinktime> between requests instead"),
    (
        "init",
        "stop",
        "snippets cannot stop the load generator; use <abort/>",
    ),
    (
        "httpc",
        "request",
        "make the request with a <request> element",
    ),
    ("gen_tcp", "connect", "snippets cannot open connections"),
    ("gen_udp", "open", "snippets cannot open sockets"),
    ("rpc", "call", "snippets cannot make remote calls"),
    (
        "code",
        "load_file",
        "Stampede cannot load compiled Erlang modules",
    ),
    ("ets", "new", ""),
    ("ets", "lookup", ""),
    ("ets", "insert", ""),
];

/// Modules snippets may not use at all.
const UNSUPPORTED_MODULES: &[&str] = &[
    "os",
    "file",
    "gen_tcp",
    "gen_udp",
    "httpc",
    "inets",
    "rpc",
    "code",
    "ets",
    "dets",
    "mnesia",
    "net_adm",
    "net_kernel",
    "ssl",
    "init",
    "timer",
    "gen_server",
    "global",
    "application",
    "erl_eval",
    "compile",
    "port",
    "filelib",
];

pub(crate) fn lookup(module: &str, name: &str, arity: usize) -> Lookup {
    if find(module, name, arity).is_some() {
        return Lookup::Found;
    }
    if let Some((_, _, why)) = UNSUPPORTED
        .iter()
        .find(|(m, n, _)| *m == module && *n == name)
    {
        return Lookup::Unsupported(why);
    }
    let arities: Vec<u8> = all()
        .filter(|b| b.module == module && b.name == name)
        .map(|b| b.arity)
        .collect();
    if !arities.is_empty() {
        return Lookup::WrongArity(arities);
    }
    if UNSUPPORTED_MODULES.contains(&module) {
        return Lookup::Unsupported("");
    }
    if all().any(|b| b.module == module) {
        Lookup::UnknownFunction
    } else {
        Lookup::UnknownModule
    }
}

/// The closest known function name, as `module:name/arity`.
pub(crate) fn suggest(module: Option<&str>, name: &str, arity: usize) -> Option<String> {
    let mut best: Option<(f64, &Bif)> = None;
    for b in all() {
        let m_ok = match module {
            Some(m) => b.module == m,
            None => b.auto,
        };
        if !m_ok {
            continue;
        }
        let score = strsim::jaro_winkler(name, b.name)
            + if usize::from(b.arity) == arity {
                0.05
            } else {
                0.0
            };
        if score > 0.85 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, b));
        }
    }
    // A local call to a function that lives in another module (`nth(1, L)`).
    if module.is_none() && best.is_none() {
        for b in all() {
            if b.name == name && usize::from(b.arity) == arity {
                return Some(format!("{}:{}/{}", b.module, b.name, b.arity));
            }
        }
    }
    best.map(|(_, b)| {
        if module.is_none() {
            format!("{}/{}", b.name, b.arity)
        } else {
            format!("{}:{}/{}", b.module, b.name, b.arity)
        }
    })
}

pub(crate) fn suggest_module(module: &str) -> Option<&'static str> {
    let mut best: Option<(f64, &'static str)> = None;
    for b in all() {
        let s = strsim::jaro_winkler(module, b.module);
        if s > 0.85 && best.is_none_or(|(x, _)| s > x) {
            best = Some((s, b.module));
        }
    }
    best.map(|(_, m)| m)
}

/// Every supported `module:function/arity`.
pub(crate) fn names() -> impl Iterator<Item = (&'static str, &'static str, u8)> {
    all().map(|b| (b.module, b.name, b.arity))
}

// ------------------------------------------------------------------------------------------------
// Argument helpers shared by the modules.

pub(crate) fn int(v: &Value) -> R<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        _ => Err(Trap::badarg()),
    }
}

pub(crate) fn non_neg(v: &Value) -> R<usize> {
    match v {
        Value::Int(i) if *i >= 0 => Ok(*i as usize),
        _ => Err(Trap::badarg()),
    }
}

pub(crate) fn atom(v: &Value) -> R<&str> {
    match v {
        Value::Atom(a) => Ok(a.as_str()),
        _ => Err(Trap::badarg()),
    }
}

pub(crate) fn list(v: &Value) -> R<Vec<Value>> {
    v.list_to_vec().ok_or_else(Trap::badarg)
}

pub(crate) fn function_clause() -> Trap {
    Trap::atom("function_clause")
}

/// The bytes of iodata (binaries, bytes 0..255 and nested lists of them; an improper tail may
/// be a binary), flattened without recursion.
pub(crate) fn iodata(v: &Value) -> R<Vec<u8>> {
    let mut out = Vec::new();
    let mut stack: Vec<&Value> = vec![v];
    while let Some(x) = stack.pop() {
        match x {
            Value::Binary(b) => out.extend_from_slice(b),
            Value::Nil => {}
            Value::Int(i) if (0..=255).contains(i) && !std::ptr::eq(x, v) => out.push(*i as u8),
            Value::Cons(c) => {
                stack.push(&c.tail);
                stack.push(&c.head);
                if !matches!(c.tail, Value::Nil | Value::Cons(_) | Value::Binary(_)) {
                    return Err(Trap::badarg());
                }
            }
            _ => return Err(Trap::badarg()),
        }
    }
    Ok(out)
}

/// The code points of chardata (strings, binaries as UTF-8, nested lists of them).
pub(crate) fn chardata(v: &Value) -> R<Vec<u32>> {
    let mut out = Vec::new();
    let mut stack: Vec<&Value> = vec![v];
    while let Some(x) = stack.pop() {
        match x {
            Value::Binary(b) => match std::str::from_utf8(b) {
                Ok(s) => out.extend(s.chars().map(u32::from)),
                Err(_) => out.extend(b.iter().map(|c| u32::from(*c))),
            },
            Value::Nil => {}
            Value::Int(i) if (0..=0x10FFFF).contains(i) && !std::ptr::eq(x, v) => {
                out.push(*i as u32)
            }
            Value::Cons(c) => {
                stack.push(&c.tail);
                stack.push(&c.head);
            }
            _ => return Err(Trap::badarg()),
        }
    }
    Ok(out)
}

/// The code points of a flat string (the classic `string` functions require one).
pub(crate) fn flat_string(v: &Value) -> R<Vec<u32>> {
    match v {
        Value::Nil => Ok(Vec::new()),
        Value::Cons(_) => v.code_points().ok_or_else(function_clause),
        _ => Err(function_clause()),
    }
}

impl Ctx<'_> {
    /// A string (list of code points), charged to the heap.
    pub(crate) fn str_value(&mut self, cps: &[u32]) -> R<Value> {
        self.alloc(cps.len() as u64)?;
        Ok(Value::list(
            cps.iter().map(|c| Value::Int(i64::from(*c))).collect(),
        ))
    }

    /// A string of bytes (latin1), charged to the heap.
    pub(crate) fn bytes_str(&mut self, b: &[u8]) -> R<Value> {
        self.alloc(b.len() as u64)?;
        Ok(Value::byte_string(b))
    }

    /// A binary, charged to the heap.
    pub(crate) fn bin(&mut self, b: Vec<u8>) -> R<Value> {
        self.alloc_bytes(b.len())?;
        Ok(Value::binary(b))
    }

    /// A list, charged to the heap.
    pub(crate) fn list_value(&mut self, items: Vec<Value>) -> R<Value> {
        self.alloc(items.len() as u64)?;
        Ok(Value::list(items))
    }

    /// Text from Rust as an Erlang string.
    pub(crate) fn text(&mut self, s: &str) -> R<Value> {
        let cps: Vec<u32> = s.chars().map(u32::from).collect();
        self.str_value(&cps)
    }
}

pub(crate) fn ok_atom() -> Value {
    Value::static_atom("ok")
}
