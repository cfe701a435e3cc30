//! Erlang terms: integers, floats, atoms, lists (proper and improper), tuples, binaries, funs
//! and pids, with Erlang's equality and term order.
//!
//! Lists are cons cells, as in Erlang, so `[H|T]` is O(1) in both directions. Dropping a long or
//! deeply nested term never recurses on the Rust stack (see [`Cons`]'s `Drop`).

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use crate::eval::Closure;

/// An Erlang atom.
#[derive(Clone)]
pub struct Atom(AtomRepr);

#[derive(Clone)]
enum AtomRepr {
    Static(&'static str),
    Shared(Arc<str>),
}

impl Atom {
    /// An atom from a static name (no allocation).
    pub const fn from_static(name: &'static str) -> Self {
        Self(AtomRepr::Static(name))
    }

    /// An atom with the given name.
    pub fn new(name: &str) -> Self {
        Self(AtomRepr::Shared(Arc::from(name)))
    }

    /// The atom's name.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            AtomRepr::Static(s) => s,
            AtomRepr::Shared(s) => s,
        }
    }
}

impl PartialEq for Atom {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}
impl Eq for Atom {}

impl fmt::Debug for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::print::quote_atom(self.as_str()))
    }
}

/// One list cell `[head | tail]`.
pub struct Cons {
    /// The first element.
    pub head: Value,
    /// The rest of the list: `[]`, another cell, or anything else for an improper list.
    pub tail: Value,
}

impl fmt::Debug for Cons {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{:?}|{:?}]", self.head, self.tail)
    }
}

impl Drop for Cons {
    fn drop(&mut self) {
        // Unlink iteratively: a list of a million cells, or an iolist nested a million deep,
        // must not recurse a million times.
        let mut work: Vec<Value> = Vec::new();
        for v in [
            std::mem::replace(&mut self.head, Value::Nil),
            std::mem::replace(&mut self.tail, Value::Nil),
        ] {
            if v.is_shared_container() {
                work.push(v);
            }
        }
        while let Some(v) = work.pop() {
            match v {
                Value::Cons(arc) => {
                    if let Ok(mut cell) = Arc::try_unwrap(arc) {
                        for v in [
                            std::mem::replace(&mut cell.head, Value::Nil),
                            std::mem::replace(&mut cell.tail, Value::Nil),
                        ] {
                            if v.is_shared_container() {
                                work.push(v);
                            }
                        }
                    }
                }
                Value::Tuple(mut arc) => {
                    if let Some(items) = Arc::get_mut(&mut arc) {
                        for item in items.iter_mut() {
                            let v = std::mem::replace(item, Value::Nil);
                            if v.is_shared_container() {
                                work.push(v);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// An Erlang term.
///
/// Strings are lists of integers (code points), as in Erlang; binaries are byte strings.
#[derive(Clone)]
pub enum Value {
    /// An integer. Stampede's integers are 64-bit: arithmetic that overflows raises
    /// `system_limit` instead of growing into a bignum.
    Int(i64),
    /// A float.
    Float(f64),
    /// An atom (`ok`, `true`, `'hello world'`).
    Atom(Atom),
    /// The empty list `[]`.
    Nil,
    /// A list cell.
    Cons(Arc<Cons>),
    /// A tuple.
    Tuple(Arc<[Value]>),
    /// A binary.
    Binary(Arc<[u8]>),
    /// A fun.
    Fun(Arc<Fun>),
    /// A process identifier (opaque; snippets only pass it around).
    Pid(u64),
    /// The user's dynamic variables, as passed to a snippet in `{Pid, DynVars}`. Resolved through
    /// the host by `ts_dynvars:lookup/2`; turned into Tsung's `[{Name, Value}]` list when a
    /// snippet inspects it otherwise.
    DynVars,
}

/// A fun value: a closure from snippet code or a reference to a built-in (`fun lists:reverse/1`).
pub struct Fun(pub(crate) FunKind);

pub(crate) enum FunKind {
    Closure(Closure),
    Builtin(&'static crate::bifs::Bif),
}

impl Fun {
    /// The number of arguments the fun takes.
    pub fn arity(&self) -> usize {
        match &self.0 {
            FunKind::Closure(c) => c.def.arity,
            FunKind::Builtin(b) => usize::from(b.arity),
        }
    }
}

impl fmt::Debug for Fun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            FunKind::Closure(c) => write!(f, "#Fun<erl_eval.{}.{}>", c.def.id, c.def.arity),
            FunKind::Builtin(b) => write!(f, "fun {}:{}/{}", b.module, b.name, b.arity),
        }
    }
}

impl Value {
    /// `true` or `false`.
    pub fn boolean(b: bool) -> Self {
        Value::Atom(Atom::from_static(if b { "true" } else { "false" }))
    }

    /// An atom with the given name.
    pub fn atom(name: &str) -> Self {
        Value::Atom(Atom::new(name))
    }

    /// An atom from a static name (no allocation).
    pub const fn static_atom(name: &'static str) -> Self {
        Value::Atom(Atom::from_static(name))
    }

    /// A binary holding `bytes` (Tsung stores regex captures and file lines as binaries).
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Value::Binary(Arc::from(bytes))
    }

    /// A binary taking ownership of `bytes`.
    pub fn binary(bytes: Vec<u8>) -> Self {
        Value::Binary(Arc::from(bytes))
    }

    /// An Erlang string (a list of code points) from Rust text.
    pub fn string(text: &str) -> Self {
        let chars: Vec<Value> = text
            .chars()
            .map(|c| Value::Int(i64::from(u32::from(c))))
            .collect();
        Value::list(chars)
    }

    /// An Erlang string (a list of byte values) from bytes.
    pub fn byte_string(bytes: &[u8]) -> Self {
        Self::list(bytes.iter().map(|b| Value::Int(i64::from(*b))).collect())
    }

    /// A proper list.
    pub fn list(items: Vec<Value>) -> Self {
        Self::list_with_tail(items, Value::Nil)
    }

    /// A list ending in `tail` (improper unless `tail` is a list).
    pub fn list_with_tail(items: Vec<Value>, tail: Value) -> Self {
        let mut acc = tail;
        for item in items.into_iter().rev() {
            acc = Value::cons(item, acc);
        }
        acc
    }

    /// `[head | tail]`.
    pub fn cons(head: Value, tail: Value) -> Self {
        Value::Cons(Arc::new(Cons { head, tail }))
    }

    /// A list of binaries, as an xpath extraction stores it.
    pub fn list_of_binaries<I, B>(items: I) -> Self
    where
        I: IntoIterator<Item = B>,
        B: AsRef<[u8]>,
    {
        Self::list(
            items
                .into_iter()
                .map(|b| Value::from_bytes(b.as_ref()))
                .collect(),
        )
    }

    /// A tuple.
    pub fn tuple(items: Vec<Value>) -> Self {
        Value::Tuple(Arc::from(items))
    }

    /// `{ok, Value}`.
    pub fn ok(v: Value) -> Self {
        Self::tuple(vec![Value::static_atom("ok"), v])
    }

    /// Whether this is the atom `name`.
    pub fn is_atom_named(&self, name: &str) -> bool {
        matches!(self, Value::Atom(a) if a.as_str() == name)
    }

    /// Whether this is an integer or a float.
    pub fn is_number(&self) -> bool {
        matches!(self, Value::Int(_) | Value::Float(_))
    }

    /// Whether this is `[]` or a list cell (proper or not).
    pub fn is_list(&self) -> bool {
        matches!(self, Value::Nil | Value::Cons(_) | Value::DynVars)
    }

    fn is_shared_container(&self) -> bool {
        matches!(self, Value::Cons(_) | Value::Tuple(_))
    }

    /// The elements of a proper list, or `None` when this is not a proper list.
    pub fn list_to_vec(&self) -> Option<Vec<Value>> {
        let mut out = Vec::new();
        let mut cur = self;
        loop {
            match cur {
                Value::Nil => return Some(out),
                Value::Cons(c) => {
                    out.push(c.head.clone());
                    cur = &c.tail;
                }
                _ => return None,
            }
        }
    }

    /// Iterates over list cells' heads; stops at the first non-cell tail (see [`ListIter::tail`]).
    pub fn iter_list(&self) -> ListIter<'_> {
        ListIter { cur: self }
    }

    /// The length of a proper list.
    pub fn list_len(&self) -> Option<usize> {
        let mut n = 0usize;
        let mut cur = self;
        loop {
            match cur {
                Value::Nil => return Some(n),
                Value::Cons(c) => {
                    n += 1;
                    cur = &c.tail;
                }
                _ => return None,
            }
        }
    }

    /// The bytes of a string (a flat list of integers 0..=255), or `None`.
    pub fn latin1_string_bytes(&self) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        for v in self.iter_list().by_ref() {
            match v {
                Value::Int(i) if (0..=255).contains(i) => out.push(*i as u8),
                _ => return None,
            }
        }
        matches!(self.iter_list().end(), Value::Nil).then_some(out)
    }

    /// The code points of a flat string, or `None`.
    pub fn code_points(&self) -> Option<Vec<u32>> {
        let mut out = Vec::new();
        let mut it = self.iter_list();
        for v in it.by_ref() {
            match v {
                Value::Int(i) if (0..=0x10FFFF).contains(i) => out.push(*i as u32),
                _ => return None,
            }
        }
        matches!(it.end(), Value::Nil).then_some(out)
    }

    /// Erlang's `~p` rendering of this term.
    pub fn to_pretty(&self) -> String {
        crate::print::print_term(self, crate::print::Style::P)
    }

    /// Erlang's `~w` rendering of this term.
    pub fn to_written(&self) -> String {
        crate::print::print_term(self, crate::print::Style::W)
    }

    /// The rank of this term's type in Erlang's term order.
    fn type_rank(&self) -> u8 {
        match self {
            Value::Int(_) | Value::Float(_) => 0,
            Value::Atom(_) => 1,
            Value::Fun(_) => 3,
            Value::Pid(_) => 5,
            Value::Tuple(_) => 6,
            Value::Nil | Value::Cons(_) | Value::DynVars => 8,
            Value::Binary(_) => 9,
        }
    }

    /// Erlang's term order (`<`, `==`...): numbers compare by value, so `1 == 1.0`.
    pub fn compare(&self, other: &Value) -> Ordering {
        compare_terms(self, other, false)
    }

    /// Exact equality (`=:=`): `1 =/= 1.0`.
    pub fn exactly_equals(&self, other: &Value) -> bool {
        compare_terms(self, other, true) == Ordering::Equal
    }
}

/// Iterator over the heads of a list's cells.
#[derive(Debug)]
pub struct ListIter<'a> {
    cur: &'a Value,
}

impl<'a> ListIter<'a> {
    /// What remains after the last cell visited: `[]` for a proper list fully iterated.
    pub fn end(&self) -> &'a Value {
        self.cur
    }
}

impl<'a> Iterator for ListIter<'a> {
    type Item = &'a Value;
    fn next(&mut self) -> Option<&'a Value> {
        match self.cur {
            Value::Cons(c) => {
                self.cur = &c.tail;
                Some(&c.head)
            }
            _ => None,
        }
    }
}

fn compare_numbers(a: &Value, b: &Value, exact: bool) -> Ordering {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (Value::Int(x), Value::Float(y)) => {
            let o = (*x as f64).partial_cmp(y).unwrap_or(Ordering::Equal);
            if o == Ordering::Equal && exact {
                // Under exact comparison an integer sorts before the equal float.
                Ordering::Less
            } else {
                o
            }
        }
        (Value::Float(x), Value::Int(y)) => {
            let o = x.partial_cmp(&(*y as f64)).unwrap_or(Ordering::Equal);
            if o == Ordering::Equal && exact {
                Ordering::Greater
            } else {
                o
            }
        }
        _ => Ordering::Equal,
    }
}

/// Compares two terms without recursing on the Rust stack.
fn compare_terms(a: &Value, b: &Value, exact: bool) -> Ordering {
    let mut work: Vec<(&Value, &Value)> = vec![(a, b)];
    while let Some((x, y)) = work.pop() {
        let rx = x.type_rank();
        let ry = y.type_rank();
        if rx != ry {
            return rx.cmp(&ry);
        }
        let o = match (x, y) {
            (Value::Int(_) | Value::Float(_), _) => compare_numbers(x, y, exact),
            (Value::Atom(p), Value::Atom(q)) => p.as_str().cmp(q.as_str()),
            (Value::Pid(p), Value::Pid(q)) => p.cmp(q),
            (Value::Fun(p), Value::Fun(q)) => {
                (Arc::as_ptr(p) as usize).cmp(&(Arc::as_ptr(q) as usize))
            }
            (Value::Binary(p), Value::Binary(q)) => p.cmp(q),
            (Value::Tuple(p), Value::Tuple(q)) => {
                if p.len() != q.len() {
                    p.len().cmp(&q.len())
                } else {
                    for (i, j) in p.iter().zip(q.iter()).rev() {
                        work.push((i, j));
                    }
                    Ordering::Equal
                }
            }
            (Value::Nil, Value::Nil) | (Value::DynVars, Value::DynVars) => Ordering::Equal,
            (Value::Nil, _) => Ordering::Less,
            (_, Value::Nil) => Ordering::Greater,
            (Value::Cons(p), Value::Cons(q)) => {
                work.push((&p.tail, &q.tail));
                work.push((&p.head, &q.head));
                Ordering::Equal
            }
            _ => Ordering::Equal,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// Exact equality (`=:=`).
impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        self.exactly_equals(other)
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_pretty())
    }
}

/// Renders as `~p` does.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_pretty())
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Float(x)
    }
}

impl From<&str> for Value {
    /// An Erlang string (list of code points).
    fn from(s: &str) -> Self {
        Value::string(s)
    }
}
