//! The interpreter: evaluates resolved expressions over a frame of variable slots, with a
//! reduction counter, a heap budget and a depth bound so that no snippet can hang the caller
//! or overflow its stack.

use std::sync::Arc;

use crate::ast::{BinElem, BinOp, BinType, Clause, Expr, FunDef, Pat, Qualifier, Target, UnOp};
use crate::bifs::{self, Bif};
use crate::error::{EvalError, ExceptionClass, LimitKind};
use crate::host::Host;
use crate::lexer::Pos;
use crate::value::{Fun, FunKind, Value};

/// Per-call resource bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Evaluation steps (one per expression evaluated, plus one per element a built-in walks).
    pub max_reductions: u64,
    /// List cells, tuple elements and binary bytes / 8 built by the snippet.
    pub max_heap_cells: u64,
    /// Nesting of expression evaluation and non-tail calls. Tail calls do not nest.
    pub max_depth: u32,
    /// Stack the interpreter may use below the frame that started the call, in bytes; a second
    /// guard next to `max_depth` whose cost per level depends on the build. Keep it well under
    /// the stack size of the thread that runs snippets.
    pub max_stack_bytes: usize,
}

impl Default for Limits {
    /// One million reductions, four million heap cells (a 4 MB string), depth 1000, 512 KiB of
    /// stack (Tokio's worker threads have 2 MiB).
    fn default() -> Self {
        Self {
            max_reductions: 1_000_000,
            max_heap_cells: 4_000_000,
            max_depth: 1_000,
            max_stack_bytes: 512 * 1024,
        }
    }
}

/// A fun created by snippet code, with the variables it captured.
pub(crate) struct Closure {
    pub def: Arc<FunDef>,
    pub env: Vec<Option<Value>>,
}

/// An Erlang exception in flight.
#[derive(Clone, Debug)]
pub(crate) struct Exc {
    pub class: ExceptionClass,
    pub reason: Value,
    pub context: Option<String>,
    pub pos: Option<Pos>,
}

/// Why evaluation stopped early: an exception (catchable) or a limit (never catchable).
#[derive(Clone, Debug)]
pub(crate) enum Trap {
    Exc(Box<Exc>),
    Limit(LimitKind),
}

pub(crate) type R<T> = Result<T, Trap>;

impl Trap {
    pub(crate) fn error(reason: Value) -> Trap {
        Trap::Exc(Box::new(Exc {
            class: ExceptionClass::Error,
            reason,
            context: None,
            pos: None,
        }))
    }

    pub(crate) fn badarg() -> Trap {
        Trap::error(Value::static_atom("badarg"))
    }

    pub(crate) fn atom(reason: &'static str) -> Trap {
        Trap::error(Value::static_atom(reason))
    }

    pub(crate) fn tagged(tag: &'static str, v: Value) -> Trap {
        Trap::error(Value::tuple(vec![Value::static_atom(tag), v]))
    }

    pub(crate) fn into_eval_error(self) -> EvalError {
        match self {
            Trap::Limit(k) => EvalError::LimitExceeded(k),
            Trap::Exc(e) => EvalError::Exception {
                class: e.class,
                reason: e.reason,
                context: e.context,
                line: e.pos.map(|p| p.line),
                column: e.pos.map(|p| p.column),
            },
        }
    }
}

pub(crate) type Frame = Vec<Option<Value>>;

enum Tail {
    Value(Value),
    Call(Value, Vec<Value>, Pos),
}

/// The evaluation context of one call.
pub(crate) struct Ctx<'h> {
    pub host: &'h mut dyn Host,
    pub limits: Limits,
    pub reductions: u64,
    pub heap: u64,
    pub depth: u32,
    pub pid: Value,
    pub regexes: Arc<crate::bifs::RegexCache>,
    /// Address of a local in the frame that created this context.
    stack_base: usize,
}

/// The address of a local variable: how deep the stack currently is.
#[inline(never)]
fn stack_marker() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

impl<'h> Ctx<'h> {
    pub(crate) fn new(
        host: &'h mut dyn Host,
        limits: Limits,
        regexes: Arc<crate::bifs::RegexCache>,
    ) -> Self {
        let pid = Value::Pid(host.user_id());
        Self {
            host,
            limits,
            reductions: 0,
            heap: 0,
            depth: 0,
            pid,
            regexes,
            stack_base: stack_marker(),
        }
    }

    /// Charges `n` reductions.
    pub(crate) fn tick(&mut self, n: u64) -> R<()> {
        self.reductions = self.reductions.saturating_add(n);
        if self.reductions > self.limits.max_reductions {
            return Err(Trap::Limit(LimitKind::Reductions));
        }
        Ok(())
    }

    /// Charges `n` heap cells (and as many reductions: building is work too).
    pub(crate) fn alloc(&mut self, n: u64) -> R<()> {
        self.heap = self.heap.saturating_add(n);
        if self.heap > self.limits.max_heap_cells {
            return Err(Trap::Limit(LimitKind::Heap));
        }
        self.tick(n / 4)
    }

    /// Charges a binary of `bytes` bytes.
    pub(crate) fn alloc_bytes(&mut self, bytes: usize) -> R<()> {
        self.alloc((bytes as u64).div_ceil(8))
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > self.limits.max_depth
            || stack_marker().abs_diff(self.stack_base) > self.limits.max_stack_bytes
        {
            return Err(Trap::Limit(LimitKind::Depth));
        }
        Ok(())
    }

    /// `DynVars` as Tsung's list of `{Name, Value}` tuples.
    pub(crate) fn materialize_dynvars(&mut self) -> R<Value> {
        let entries = self.host.entries();
        self.alloc(entries.len() as u64 * 3)?;
        Ok(Value::list(
            entries
                .into_iter()
                .map(|(k, v)| Value::tuple(vec![Value::atom(&k), v]))
                .collect(),
        ))
    }

    /// Replaces `DynVars` anywhere inside `v` (used before printing).
    pub(crate) fn materialize_deep(&mut self, v: &Value, depth: u32) -> R<Value> {
        if depth > 64 {
            return Ok(v.clone());
        }
        Ok(match v {
            Value::DynVars => self.materialize_dynvars()?,
            Value::Cons(_) => {
                let mut items = Vec::new();
                let mut it = v.iter_list();
                for x in it.by_ref() {
                    items.push(self.materialize_deep(x, depth + 1)?);
                }
                let tail = it.end().clone();
                Value::list_with_tail(items, tail)
            }
            Value::Tuple(t) => {
                let mut items = Vec::with_capacity(t.len());
                for x in t.iter() {
                    items.push(self.materialize_deep(x, depth + 1)?);
                }
                Value::tuple(items)
            }
            other => other.clone(),
        })
    }

    // ----------------------------------------------------------------------------------------
    // Expressions

    pub(crate) fn eval_body(&mut self, body: &[Expr], f: &mut Frame) -> R<Value> {
        let mut last = Value::Nil;
        for e in body {
            last = self.eval(e, f)?;
        }
        Ok(last)
    }

    pub(crate) fn eval(&mut self, e: &Expr, f: &mut Frame) -> R<Value> {
        self.enter()?;
        let r = self.eval_inner(e, f);
        self.depth -= 1;
        r
    }

    fn eval_inner(&mut self, e: &Expr, f: &mut Frame) -> R<Value> {
        self.tick(1)?;
        match e {
            Expr::Lit(v, _) => Ok(v.clone()),
            Expr::Var { name, slot, pos } => match f.get(*slot as usize) {
                Some(Some(v)) => Ok(v.clone()),
                _ => Err(at(Trap::tagged("unbound", Value::atom(name)), *pos, None)),
            },
            Expr::Wild(pos) => Err(at(
                Trap::tagged("unbound", Value::static_atom("_")),
                *pos,
                None,
            )),
            Expr::List { items, tail, .. } => {
                let mut vals = Vec::with_capacity(items.len());
                for i in items {
                    vals.push(self.eval(i, f)?);
                }
                let t = match tail {
                    Some(t) => self.eval(t, f)?,
                    None => Value::Nil,
                };
                self.alloc(vals.len() as u64)?;
                Ok(Value::list_with_tail(vals, t))
            }
            Expr::Tuple(items, _) => {
                let mut vals = Vec::with_capacity(items.len());
                for i in items {
                    vals.push(self.eval(i, f)?);
                }
                self.alloc(vals.len() as u64 + 1)?;
                Ok(Value::tuple(vals))
            }
            Expr::Bin(elems, pos) => self.build_binary(elems, f).map_err(|t| at(t, *pos, None)),
            Expr::Unary(op, x, pos) => {
                let v = self.eval(x, f)?;
                unary(*op, v).map_err(|t| at(t, *pos, None))
            }
            Expr::Binary(BinOp::AndAlso, l, r, pos) => {
                let lv = self.eval(l, f)?;
                match truth(&lv) {
                    Some(true) => self.eval(r, f),
                    Some(false) => Ok(lv),
                    None => Err(at(Trap::tagged("badarg", lv), *pos, None)),
                }
            }
            Expr::Binary(BinOp::OrElse, l, r, pos) => {
                let lv = self.eval(l, f)?;
                match truth(&lv) {
                    Some(false) => self.eval(r, f),
                    Some(true) => Ok(lv),
                    None => Err(at(Trap::tagged("badarg", lv), *pos, None)),
                }
            }
            Expr::Binary(op, l, r, pos) => {
                let lv = self.eval(l, f)?;
                let rv = self.eval(r, f)?;
                self.binop(*op, lv, rv).map_err(|t| at(t, *pos, None))
            }
            Expr::Match(p, x, pos) => {
                let v = self.eval(x, f)?;
                if self.match_pat(p, &v, f)? {
                    Ok(v)
                } else {
                    Err(at(Trap::tagged("badmatch", v), *pos, None))
                }
            }
            Expr::Call { .. } | Expr::Case(..) | Expr::If(..) | Expr::Block(..) => {
                match self.eval_tail(e, f)? {
                    Tail::Value(v) => Ok(v),
                    Tail::Call(fun, args, pos) => self.apply(&fun, args, pos),
                }
            }
            Expr::Fun(def) => Ok(Value::Fun(Arc::new(Fun(FunKind::Closure(Closure {
                def: def.clone(),
                env: f.clone(),
            }))))),
            Expr::FunRef {
                module,
                name,
                arity,
                pos,
            } => {
                let m = module.as_deref().unwrap_or("erlang");
                match bifs::find(m, name, *arity) {
                    Some(b) => Ok(Value::Fun(Arc::new(Fun(FunKind::Builtin(b))))),
                    None => Err(at(undef(m, name, *arity), *pos, None)),
                }
            }
            Expr::Try {
                body,
                of,
                catches,
                after,
                pos,
            } => {
                let r = self.eval_try(body, of, catches, f, *pos);
                if !after.is_empty() {
                    self.eval_body(after, f)?;
                }
                r
            }
            Expr::Catch(x, _) => match self.eval(x, f) {
                Ok(v) => Ok(v),
                Err(Trap::Limit(k)) => Err(Trap::Limit(k)),
                Err(Trap::Exc(e)) => Ok(match e.class {
                    ExceptionClass::Throw => e.reason,
                    ExceptionClass::Exit => {
                        Value::tuple(vec![Value::static_atom("EXIT"), e.reason])
                    }
                    ExceptionClass::Error => Value::tuple(vec![
                        Value::static_atom("EXIT"),
                        Value::tuple(vec![e.reason, Value::Nil]),
                    ]),
                }),
            },
            Expr::ListComp(x, quals, _) => {
                let mut out = Vec::new();
                self.list_comp(x, quals, f, &mut out)?;
                Ok(Value::list(out))
            }
        }
    }

    /// Evaluates `e` in tail position: a call to a fun is returned instead of made, so that
    /// loops through named funs run in constant stack.
    fn eval_tail(&mut self, e: &Expr, f: &mut Frame) -> R<Tail> {
        match e {
            Expr::Call { target, args, pos } => {
                let mut vals = Vec::with_capacity(args.len());
                match target {
                    Target::Bif(b) => {
                        for a in args {
                            vals.push(self.eval(a, f)?);
                        }
                        self.call_bif(b, vals, *pos).map(Tail::Value)
                    }
                    Target::Dynamic(x) => {
                        let fun = self.eval(x, f)?;
                        for a in args {
                            vals.push(self.eval(a, f)?);
                        }
                        Ok(Tail::Call(fun, vals, *pos))
                    }
                    Target::Remote(m, n) => {
                        let mv = self.eval(m, f)?;
                        let nv = self.eval(n, f)?;
                        for a in args {
                            vals.push(self.eval(a, f)?);
                        }
                        let (Value::Atom(ma), Value::Atom(na)) = (&mv, &nv) else {
                            return Err(at(
                                Trap::tagged("badfun", Value::tuple(vec![mv, nv])),
                                *pos,
                                None,
                            ));
                        };
                        match bifs::find(ma.as_str(), na.as_str(), vals.len()) {
                            Some(b) => self.call_bif(b, vals, *pos).map(Tail::Value),
                            None => {
                                Err(at(undef(ma.as_str(), na.as_str(), vals.len()), *pos, None))
                            }
                        }
                    }
                    Target::Named { module, name } => Err(at(
                        undef(module.as_deref().unwrap_or("erlang"), name, args.len()),
                        *pos,
                        None,
                    )),
                }
            }
            Expr::Case(x, clauses, pos) => {
                let v = self.eval(x, f)?;
                for c in clauses {
                    if self.clause_matches(c, std::slice::from_ref(&v), f)? {
                        return self.body_tail(&c.body, f);
                    }
                }
                Err(at(Trap::tagged("case_clause", v), *pos, None))
            }
            Expr::If(clauses, pos) => {
                for c in clauses {
                    if self.guards_pass(&c.guards, f)? {
                        return self.body_tail(&c.body, f);
                    }
                }
                Err(at(Trap::atom("if_clause"), *pos, None))
            }
            Expr::Block(body, _) => self.body_tail(body, f),
            other => self.eval(other, f).map(Tail::Value),
        }
    }

    fn body_tail(&mut self, body: &[Expr], f: &mut Frame) -> R<Tail> {
        let Some((last, init)) = body.split_last() else {
            return Ok(Tail::Value(Value::Nil));
        };
        for e in init {
            self.eval(e, f)?;
        }
        self.tick(1)?;
        self.eval_tail(last, f)
    }

    pub(crate) fn call_bif(&mut self, b: &'static Bif, mut args: Vec<Value>, pos: Pos) -> R<Value> {
        if !b.takes_dynvars {
            for a in args.iter_mut() {
                if matches!(a, Value::DynVars) {
                    *a = self.materialize_dynvars()?;
                }
            }
        }
        (b.f)(self, &args)
            .map_err(|t| at(t, pos, Some(format!("{}:{}/{}", b.module, b.name, b.arity))))
    }

    /// Applies a fun value to arguments (used by `lists:map/2` and friends too).
    pub(crate) fn apply(&mut self, fun: &Value, args: Vec<Value>, pos: Pos) -> R<Value> {
        self.enter()?;
        let r = self.apply_loop(fun.clone(), args, pos);
        self.depth -= 1;
        r
    }

    fn apply_loop(&mut self, mut fun: Value, mut args: Vec<Value>, mut pos: Pos) -> R<Value> {
        loop {
            self.tick(1)?;
            let Value::Fun(fv) = &fun else {
                return Err(at(Trap::tagged("badfun", fun), pos, None));
            };
            if fv.arity() != args.len() {
                let reason = Value::tuple(vec![
                    Value::static_atom("badarity"),
                    Value::tuple(vec![fun.clone(), Value::list(args)]),
                ]);
                return Err(at(Trap::error(reason), pos, None));
            }
            let c = match &fv.0 {
                FunKind::Builtin(b) => return self.call_bif(b, args, pos),
                FunKind::Closure(c) => c,
            };
            let mut frame: Frame = c.env.clone();
            if let Some((_, slot)) = &c.def.name
                && let Some(s) = frame.get_mut(*slot as usize)
            {
                *s = Some(fun.clone());
            }
            let def = c.def.clone();
            let mut chosen = None;
            for clause in &def.clauses {
                if self.clause_matches(clause, &args, &mut frame)? {
                    chosen = Some(clause);
                    break;
                }
            }
            let Some(clause) = chosen else {
                return Err(at(Trap::atom("function_clause"), pos, None));
            };
            match self.body_tail(&clause.body, &mut frame)? {
                Tail::Value(v) => return Ok(v),
                Tail::Call(next, next_args, p) => {
                    fun = next;
                    args = next_args;
                    pos = p;
                }
            }
        }
    }

    fn clause_matches(&mut self, c: &Clause, args: &[Value], f: &mut Frame) -> R<bool> {
        for s in &c.fresh {
            if let Some(x) = f.get_mut(*s as usize) {
                *x = None;
            }
        }
        for (p, v) in c.pats.iter().zip(args) {
            if !self.match_pat(p, v, f)? {
                return Ok(false);
            }
        }
        self.guards_pass(&c.guards, f)
    }

    fn guards_pass(&mut self, guards: &[Vec<Expr>], f: &mut Frame) -> R<bool> {
        if guards.is_empty() {
            return Ok(true);
        }
        'alt: for conj in guards {
            for g in conj {
                match self.eval(g, f) {
                    Ok(v) if v.is_atom_named("true") => {}
                    Ok(_) => continue 'alt,
                    Err(Trap::Limit(k)) => return Err(Trap::Limit(k)),
                    Err(Trap::Exc(_)) => continue 'alt,
                }
            }
            return Ok(true);
        }
        Ok(false)
    }

    fn eval_try(
        &mut self,
        body: &[Expr],
        of: &[Clause],
        catches: &[crate::ast::CatchClause],
        f: &mut Frame,
        pos: Pos,
    ) -> R<Value> {
        match self.eval_body(body, f) {
            Ok(v) => {
                if of.is_empty() {
                    return Ok(v);
                }
                for c in of {
                    if self.clause_matches(c, std::slice::from_ref(&v), f)? {
                        return self.eval_body(&c.body, f);
                    }
                }
                Err(at(Trap::tagged("try_clause", v), pos, None))
            }
            Err(Trap::Limit(k)) => Err(Trap::Limit(k)),
            Err(Trap::Exc(e)) => {
                let class = Value::static_atom(e.class.name());
                for c in catches {
                    for s in &c.fresh {
                        if let Some(x) = f.get_mut(*s as usize) {
                            *x = None;
                        }
                    }
                    if !self.match_pat(&c.class, &class, f)?
                        || !self.match_pat(&c.reason, &e.reason, f)?
                    {
                        continue;
                    }
                    if let Some(sp) = &c.stack
                        && !self.match_pat(sp, &Value::Nil, f)?
                    {
                        continue;
                    }
                    if self.guards_pass(&c.guards, f)? {
                        return self.eval_body(&c.body, f);
                    }
                }
                Err(Trap::Exc(e))
            }
        }
    }

    fn list_comp(
        &mut self,
        x: &Expr,
        quals: &[Qualifier],
        f: &mut Frame,
        out: &mut Vec<Value>,
    ) -> R<()> {
        let Some((q, rest)) = quals.split_first() else {
            let v = self.eval(x, f)?;
            self.alloc(1)?;
            out.push(v);
            return Ok(());
        };
        match q {
            Qualifier::Generator { pat, expr, fresh } => {
                let list = self.eval(expr, f)?;
                let list = if matches!(list, Value::DynVars) {
                    self.materialize_dynvars()?
                } else {
                    list
                };
                let mut it = list.iter_list();
                for item in it.by_ref() {
                    self.tick(1)?;
                    for s in fresh {
                        if let Some(x) = f.get_mut(*s as usize) {
                            *x = None;
                        }
                    }
                    if self.match_pat(pat, item, f)? {
                        self.enter()?;
                        let r = self.list_comp(x, rest, f, out);
                        self.depth -= 1;
                        r?;
                    }
                }
                if !matches!(it.end(), Value::Nil) {
                    return Err(Trap::tagged("bad_generator", list.clone()));
                }
                Ok(())
            }
            Qualifier::BinGenerator { pat, expr, fresh } => {
                let bin = self.eval(expr, f)?;
                let Value::Binary(bytes) = &bin else {
                    return Err(Trap::tagged("bad_generator", bin));
                };
                // Only byte-sized elements (`<<C>> <= Bin`) are supported.
                for b in bytes.iter() {
                    self.tick(1)?;
                    for s in fresh {
                        if let Some(x) = f.get_mut(*s as usize) {
                            *x = None;
                        }
                    }
                    let one = Value::from_bytes(&[*b]);
                    if self.match_pat(pat, &one, f)? {
                        self.enter()?;
                        let r = self.list_comp(x, rest, f, out);
                        self.depth -= 1;
                        r?;
                    }
                }
                Ok(())
            }
            Qualifier::Filter(cond) => {
                let v = self.eval(cond, f)?;
                match truth(&v) {
                    Some(true) => {
                        self.enter()?;
                        let r = self.list_comp(x, rest, f, out);
                        self.depth -= 1;
                        r
                    }
                    Some(false) => Ok(()),
                    None => Err(Trap::tagged("bad_filter", v)),
                }
            }
        }
    }

    // ----------------------------------------------------------------------------------------
    // Operators

    fn binop(&mut self, op: BinOp, l: Value, r: Value) -> R<Value> {
        use BinOp::*;
        Ok(match op {
            Add | Sub | Mul | FDiv | Div | Rem | Band | Bor | Bxor | Bsl | Bsr => {
                arith(op, &l, &r)?
            }
            And | Or | Xor => match (truth(&l), truth(&r)) {
                (Some(a), Some(b)) => Value::boolean(match op {
                    And => a && b,
                    Or => a || b,
                    _ => a ^ b,
                }),
                _ => return Err(Trap::badarg()),
            },
            Eq => Value::boolean(l.compare(&r).is_eq()),
            Ne => Value::boolean(!l.compare(&r).is_eq()),
            ExactEq => Value::boolean(l.exactly_equals(&r)),
            ExactNe => Value::boolean(!l.exactly_equals(&r)),
            Lt => Value::boolean(l.compare(&r).is_lt()),
            Le => Value::boolean(l.compare(&r).is_le()),
            Gt => Value::boolean(l.compare(&r).is_gt()),
            Ge => Value::boolean(l.compare(&r).is_ge()),
            Append => self.append(l, r)?,
            Subtract => self.subtract(l, r)?,
            Send => return Err(Trap::badarg()),
            AndAlso | OrElse => return Err(Trap::badarg()),
        })
    }

    pub(crate) fn append(&mut self, l: Value, r: Value) -> R<Value> {
        let l = if matches!(l, Value::DynVars) {
            self.materialize_dynvars()?
        } else {
            l
        };
        let Some(items) = l.list_to_vec() else {
            return Err(Trap::badarg());
        };
        if items.is_empty() {
            return Ok(r);
        }
        self.alloc(items.len() as u64)?;
        Ok(Value::list_with_tail(items, r))
    }

    pub(crate) fn subtract(&mut self, l: Value, r: Value) -> R<Value> {
        let (Some(mut items), Some(remove)) = (l.list_to_vec(), r.list_to_vec()) else {
            return Err(Trap::badarg());
        };
        self.tick((items.len() as u64).saturating_mul(remove.len() as u64 / 8 + 1))?;
        for x in &remove {
            if let Some(i) = items.iter().position(|y| y.exactly_equals(x)) {
                items.remove(i);
            }
        }
        self.alloc(items.len() as u64)?;
        Ok(Value::list(items))
    }

    // ----------------------------------------------------------------------------------------
    // Patterns

    pub(crate) fn match_pat(&mut self, p: &Pat, v: &Value, f: &mut Frame) -> R<bool> {
        self.tick(1)?;
        Ok(match p {
            Pat::Wild => true,
            Pat::Var { slot, .. } => match f.get_mut(*slot as usize) {
                Some(s @ None) => {
                    *s = Some(v.clone());
                    true
                }
                Some(Some(bound)) => bound.exactly_equals(v),
                None => false,
            },
            Pat::Lit(l) => {
                if matches!(v, Value::DynVars) {
                    let m = self.materialize_dynvars()?;
                    l.exactly_equals(&m)
                } else {
                    l.exactly_equals(v)
                }
            }
            Pat::Tuple(ps) => match v {
                Value::Tuple(items) if items.len() == ps.len() => {
                    for (p, x) in ps.iter().zip(items.iter()) {
                        if !self.match_pat(p, x, f)? {
                            return Ok(false);
                        }
                    }
                    true
                }
                _ => false,
            },
            Pat::List { items, tail } => {
                let owned;
                let mut cur = if matches!(v, Value::DynVars) {
                    owned = self.materialize_dynvars()?;
                    &owned
                } else {
                    v
                };
                for p in items {
                    match cur {
                        Value::Cons(c) => {
                            if !self.match_pat(p, &c.head, f)? {
                                return Ok(false);
                            }
                            cur = &c.tail;
                        }
                        _ => return Ok(false),
                    }
                }
                match tail {
                    Some(t) => self.match_pat(t, cur, f)?,
                    None => matches!(cur, Value::Nil),
                }
            }
            Pat::Alias(a, b) => self.match_pat(a, v, f)? && self.match_pat(b, v, f)?,
            Pat::StrPrefix(prefix, rest) => {
                let mut cur = v;
                for c in prefix {
                    match cur {
                        Value::Cons(cell) if matches!(cell.head, Value::Int(i) if i == i64::from(*c)) =>
                        {
                            cur = &cell.tail;
                        }
                        _ => return Ok(false),
                    }
                }
                self.match_pat(rest, cur, f)?
            }
            Pat::Bin(elems) => match v {
                Value::Binary(b) => self.match_binary(elems, b, f)?,
                _ => false,
            },
        })
    }

    fn match_binary(&mut self, elems: &[BinElem<Pat>], bytes: &[u8], f: &mut Frame) -> R<bool> {
        let mut rest = bytes;
        for (i, el) in elems.iter().enumerate() {
            let is_last = i + 1 == elems.len();
            // A literal string segment: `<<"prefix", Rest/binary>>`.
            if let Pat::Lit(lit) = &el.value
                && lit.is_list()
            {
                let Some(cps) = lit.code_points() else {
                    return Ok(false);
                };
                let want: Vec<u8> = if el.ty == BinType::Utf8 {
                    cps.iter()
                        .filter_map(|c| char::from_u32(*c))
                        .collect::<String>()
                        .into_bytes()
                } else {
                    cps.iter().map(|c| *c as u8).collect()
                };
                if !rest.starts_with(&want) {
                    return Ok(false);
                }
                rest = &rest[want.len()..];
                continue;
            }
            let size = match &el.size {
                Some(e) => {
                    let mut tmp = f.clone();
                    match self.eval(e, &mut tmp)? {
                        Value::Int(n) if n >= 0 => Some(n as u64),
                        _ => return Ok(false),
                    }
                }
                None => None,
            };
            let seg: Value = match el.ty {
                BinType::Integer => {
                    let bits = size.unwrap_or(8) * u64::from(el.unit.unwrap_or(1));
                    if bits % 8 != 0 || bits > 64 {
                        return Err(Trap::badarg());
                    }
                    let n = (bits / 8) as usize;
                    if rest.len() < n {
                        return Ok(false);
                    }
                    let (chunk, tail) = rest.split_at(n);
                    rest = tail;
                    Value::Int(bytes_to_int(chunk, el.little, el.signed))
                }
                BinType::Float => {
                    let bits = size.unwrap_or(64) * u64::from(el.unit.unwrap_or(1));
                    let n = (bits / 8) as usize;
                    if rest.len() < n || !(n == 4 || n == 8) {
                        return Ok(false);
                    }
                    let (chunk, tail) = rest.split_at(n);
                    rest = tail;
                    let mut buf = chunk.to_vec();
                    if el.little {
                        buf.reverse();
                    }
                    if n == 8 {
                        let mut a = [0u8; 8];
                        a.copy_from_slice(&buf);
                        Value::Float(f64::from_be_bytes(a))
                    } else {
                        let mut a = [0u8; 4];
                        a.copy_from_slice(&buf);
                        Value::Float(f64::from(f32::from_be_bytes(a)))
                    }
                }
                BinType::Binary | BinType::Bits => {
                    let n = match size {
                        Some(s) => (s * u64::from(el.unit.unwrap_or(8)) / 8) as usize,
                        None if is_last => rest.len(),
                        None => return Err(Trap::badarg()),
                    };
                    if rest.len() < n {
                        return Ok(false);
                    }
                    let (chunk, tail) = rest.split_at(n);
                    rest = tail;
                    Value::from_bytes(chunk)
                }
                BinType::Utf8 => {
                    let Some((c, len)) = decode_utf8_char(rest) else {
                        return Ok(false);
                    };
                    rest = &rest[len..];
                    Value::Int(i64::from(c))
                }
            };
            if !self.match_pat(&el.value, &seg, f)? {
                return Ok(false);
            }
        }
        Ok(rest.is_empty())
    }

    fn build_binary(&mut self, elems: &[BinElem<Expr>], f: &mut Frame) -> R<Value> {
        let mut out: Vec<u8> = Vec::new();
        for el in elems {
            let v = self.eval(&el.value, f)?;
            let size = match &el.size {
                Some(e) => match self.eval(e, f)? {
                    Value::Int(n) if n >= 0 => Some(n as u64),
                    _ => return Err(Trap::badarg()),
                },
                None => None,
            };
            match (el.ty, &v) {
                (BinType::Integer | BinType::Utf8, Value::Cons(_) | Value::Nil) => {
                    // A string literal segment.
                    let Some(cps) = v.code_points() else {
                        return Err(Trap::badarg());
                    };
                    if el.ty == BinType::Utf8 {
                        for c in cps {
                            push_utf8(&mut out, c)?;
                        }
                    } else {
                        out.extend(cps.iter().map(|c| *c as u8));
                    }
                }
                (BinType::Integer, Value::Int(i)) => {
                    let bits = size.unwrap_or(8) * u64::from(el.unit.unwrap_or(1));
                    if bits % 8 != 0 || bits > 64 {
                        return Err(Trap::badarg());
                    }
                    let n = (bits / 8) as usize;
                    let be = i.to_be_bytes();
                    let mut chunk = be[8 - n..].to_vec();
                    if el.little {
                        chunk.reverse();
                    }
                    out.extend_from_slice(&chunk);
                }
                (BinType::Float, Value::Int(_) | Value::Float(_)) => {
                    let x = match v {
                        Value::Int(i) => i as f64,
                        Value::Float(x) => x,
                        _ => 0.0,
                    };
                    let bits = size.unwrap_or(64);
                    let mut chunk = if bits == 32 {
                        (x as f32).to_be_bytes().to_vec()
                    } else {
                        x.to_be_bytes().to_vec()
                    };
                    if el.little {
                        chunk.reverse();
                    }
                    out.extend_from_slice(&chunk);
                }
                (BinType::Binary | BinType::Bits, Value::Binary(b)) => match size {
                    Some(s) => {
                        let n = (s * u64::from(el.unit.unwrap_or(8)) / 8) as usize;
                        if b.len() < n {
                            return Err(Trap::badarg());
                        }
                        out.extend_from_slice(&b[..n]);
                    }
                    None => out.extend_from_slice(b),
                },
                (BinType::Utf8, Value::Int(c)) => {
                    let c = u32::try_from(*c).map_err(|_| Trap::badarg())?;
                    push_utf8(&mut out, c)?;
                }
                _ => return Err(Trap::badarg()),
            }
        }
        self.alloc_bytes(out.len())?;
        Ok(Value::binary(out))
    }
}

fn push_utf8(out: &mut Vec<u8>, c: u32) -> R<()> {
    let ch = char::from_u32(c).ok_or_else(Trap::badarg)?;
    let mut buf = [0u8; 4];
    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
    Ok(())
}

pub(crate) fn decode_utf8_char(b: &[u8]) -> Option<(u32, usize)> {
    let len = match *b.first()? {
        0x00..=0x7F => 1,
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    let s = std::str::from_utf8(b.get(..len)?).ok()?;
    s.chars().next().map(|c| (u32::from(c), len))
}

fn bytes_to_int(chunk: &[u8], little: bool, signed: bool) -> i64 {
    let mut v: u64 = 0;
    let mut bytes = chunk.to_vec();
    if little {
        bytes.reverse();
    }
    for b in &bytes {
        v = (v << 8) | u64::from(*b);
    }
    let bits = chunk.len() * 8;
    if signed && bits > 0 && bits < 64 && v & (1 << (bits - 1)) != 0 {
        (v as i64) - (1i64 << bits)
    } else {
        v as i64
    }
}

/// Attaches a position and function name to an exception that has none yet.
pub(crate) fn at(t: Trap, pos: Pos, context: Option<String>) -> Trap {
    match t {
        Trap::Exc(mut e) => {
            if e.pos.is_none() {
                e.pos = Some(pos);
            }
            if e.context.is_none() {
                e.context = context;
            }
            Trap::Exc(e)
        }
        other => other,
    }
}

pub(crate) fn undef(m: &str, f: &str, a: usize) -> Trap {
    let mut t = Trap::atom("undef");
    if let Trap::Exc(e) = &mut t {
        e.context = Some(format!("{m}:{f}/{a}"));
    }
    t
}

pub(crate) fn truth(v: &Value) -> Option<bool> {
    match v {
        Value::Atom(a) if a.as_str() == "true" => Some(true),
        Value::Atom(a) if a.as_str() == "false" => Some(false),
        _ => None,
    }
}

fn unary(op: UnOp, v: Value) -> R<Value> {
    match (op, &v) {
        (UnOp::Neg, Value::Int(i)) => i.checked_neg().map(Value::Int).ok_or_else(overflow),
        (UnOp::Neg, Value::Float(x)) => Ok(Value::Float(-x)),
        (UnOp::Plus, Value::Int(_) | Value::Float(_)) => Ok(v),
        (UnOp::Bnot, Value::Int(i)) => Ok(Value::Int(!i)),
        (UnOp::Not, _) => match truth(&v) {
            Some(b) => Ok(Value::boolean(!b)),
            None => Err(Trap::badarg()),
        },
        _ => Err(Trap::atom("badarith")),
    }
}

pub(crate) fn overflow() -> Trap {
    Trap::atom("system_limit")
}

/// Arithmetic with Erlang's rules: integers stay integers (64-bit here, overflow raises
/// `system_limit`), `/` always gives a float, mixing gives floats.
pub(crate) fn arith(op: BinOp, l: &Value, r: &Value) -> R<Value> {
    use BinOp::*;
    let badarith = || Trap::atom("badarith");
    match (l, r) {
        (Value::Int(a), Value::Int(b)) => {
            let (a, b) = (*a, *b);
            let v = match op {
                Add => a.checked_add(b).ok_or_else(overflow)?,
                Sub => a.checked_sub(b).ok_or_else(overflow)?,
                Mul => a.checked_mul(b).ok_or_else(overflow)?,
                FDiv => {
                    if b == 0 {
                        return Err(badarith());
                    }
                    return Ok(Value::Float(a as f64 / b as f64));
                }
                Div => {
                    if b == 0 {
                        return Err(badarith());
                    }
                    a.checked_div(b).ok_or_else(overflow)?
                }
                Rem => {
                    if b == 0 {
                        return Err(badarith());
                    }
                    a.checked_rem(b).ok_or_else(overflow)?
                }
                Band => a & b,
                Bor => a | b,
                Bxor => a ^ b,
                Bsl | Bsr => {
                    let shift = if op == Bsl {
                        b
                    } else {
                        b.checked_neg().ok_or_else(overflow)?
                    };
                    if shift >= 0 {
                        if shift >= 63
                            || (a != 0 && a.unsigned_abs().leading_zeros() <= shift as u32)
                        {
                            if a == 0 {
                                0
                            } else {
                                return Err(overflow());
                            }
                        } else {
                            a << shift
                        }
                    } else {
                        let s = shift.unsigned_abs().min(63) as u32;
                        a >> s
                    }
                }
                _ => return Err(badarith()),
            };
            Ok(Value::Int(v))
        }
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
            let a = num(l);
            let b = num(r);
            let v = match op {
                Add => a + b,
                Sub => a - b,
                Mul => a * b,
                FDiv => {
                    if b == 0.0 {
                        return Err(badarith());
                    }
                    a / b
                }
                _ => return Err(badarith()),
            };
            if v.is_finite() {
                Ok(Value::Float(v))
            } else {
                Err(badarith())
            }
        }
        _ => Err(badarith()),
    }
}

pub(crate) fn num(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        _ => 0.0,
    }
}
