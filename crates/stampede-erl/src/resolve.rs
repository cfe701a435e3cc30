//! Compile-time checks and variable resolution: assigns each variable a frame slot, resolves
//! calls to built-ins, and reports unbound variables, unknown or unsupported functions, wrong
//! arities, illegal guards and constant expressions that always fail.

use std::collections::HashMap;
use std::sync::Arc;

use crate::ast::{BinElem, BinOp, Clause, Expr, FunDef, Pat, Qualifier, Target};
use crate::bifs::{self, Lookup};
use crate::error::Diagnostic;
use crate::eval::arith;
use crate::lexer::Pos;
use crate::value::Value;

pub(crate) struct Resolver {
    scope: HashMap<Arc<str>, u32>,
    next_slot: u32,
    pub diags: Vec<Diagnostic>,
    /// Regex sources (with their option lists) seen as literals, for pre-compilation.
    pub literal_regexes: Vec<(Value, Value, Pos)>,
}

/// Result of resolving a snippet: how many slots a frame needs.
pub(crate) struct Resolved {
    pub slots: u32,
}

pub(crate) fn resolve(exprs: &mut [Expr]) -> (Resolved, Resolver) {
    let mut r = Resolver {
        scope: HashMap::new(),
        next_slot: 0,
        diags: Vec::new(),
        literal_regexes: Vec::new(),
    };
    for e in exprs.iter_mut() {
        r.expr(e, false);
    }
    (Resolved { slots: r.next_slot }, r)
}

impl Resolver {
    fn new_slot(&mut self) -> u32 {
        let s = self.next_slot;
        self.next_slot += 1;
        s
    }

    fn exprs(&mut self, es: &mut [Expr], guard: bool) {
        for e in es {
            self.expr(e, guard);
        }
    }

    fn guard_seq(&mut self, gs: &mut [Vec<Expr>]) {
        for conj in gs {
            self.exprs(conj, true);
        }
    }

    fn illegal_guard(&mut self, pos: Pos) {
        self.diags.push(
            Diagnostic::error("illegal guard expression", pos)
                .with_help("guards may only use guard BIFs (is_integer/1, length/1, element/2, …), comparisons and arithmetic"),
        );
    }

    fn expr(&mut self, e: &mut Expr, guard: bool) {
        match e {
            Expr::Lit(..) => {}
            Expr::Var { name, slot, pos } => match self.scope.get(name) {
                Some(s) => *slot = *s,
                None => {
                    self.diags.push(
                        Diagnostic::error(format!("variable '{name}' is unbound"), *pos)
                            .with_help(format!("bind {name} before using it (for example `{{ok, {name}}} = ts_dynvars:lookup(name, DynVars)`)")),
                    );
                    let s = self.new_slot();
                    self.scope.insert(name.clone(), s);
                    *slot = s;
                }
            },
            Expr::Wild(pos) => self.diags.push(
                Diagnostic::error("variable '_' is unbound", *pos)
                    .with_help("`_` can only be used in patterns"),
            ),
            Expr::List { items, tail, .. } => {
                self.exprs(items, guard);
                if let Some(t) = tail {
                    self.expr(t, guard);
                }
            }
            Expr::Tuple(items, _) => self.exprs(items, guard),
            Expr::Bin(elems, _) => {
                for el in elems {
                    self.expr(&mut el.value, guard);
                    if let Some(s) = &mut el.size {
                        self.expr(s, guard);
                    }
                }
            }
            Expr::Unary(_, x, _) => self.expr(x, guard),
            Expr::Binary(op, l, r, pos) => {
                if *op == BinOp::Send {
                    self.diags.push(Diagnostic::error(
                        "sending messages (`!`) is not available in scenario snippets",
                        *pos,
                    ));
                }
                self.expr(l, guard);
                self.expr(r, guard);
                self.check_constant_arith(*op, l, r, *pos);
            }
            Expr::Match(p, x, pos) => {
                if guard {
                    self.illegal_guard(*pos);
                }
                self.expr(x, guard);
                let mut fresh = Vec::new();
                self.pat(p, false, &mut fresh, &HashMap::new());
            }
            Expr::Call { target, args, pos } => {
                self.exprs(args, guard);
                self.call(target, args, *pos, guard);
            }
            Expr::Fun(def) => {
                if guard {
                    self.illegal_guard(def.pos);
                }
                if let Some(d) = Arc::get_mut(def) {
                    self.fun(d);
                }
            }
            Expr::FunRef {
                module,
                name,
                arity,
                pos,
            } => {
                let m = module.clone().unwrap_or_else(|| "erlang".into());
                if module.is_none() && bifs::find(&m, name, *arity).is_none() {
                    self.diags.push(
                        Diagnostic::error(format!("function {name}/{arity} undefined"), *pos).with_help(
                            "snippets have no local functions; name a module: `fun lists:reverse/1`",
                        ),
                    );
                } else {
                    self.check_exists(&m, name, *arity, *pos);
                }
            }
            Expr::Case(x, clauses, pos) => {
                if guard {
                    self.illegal_guard(*pos);
                }
                self.expr(x, guard);
                self.clauses(clauses);
            }
            Expr::If(clauses, pos) => {
                if guard {
                    self.illegal_guard(*pos);
                }
                self.clauses(clauses);
            }
            Expr::Block(body, pos) => {
                if guard {
                    self.illegal_guard(*pos);
                }
                self.exprs(body, guard);
            }
            Expr::Try {
                body,
                of,
                catches,
                after,
                pos,
            } => {
                if guard {
                    self.illegal_guard(*pos);
                }
                let before = self.scope.clone();
                self.exprs(body, false);
                self.clauses(of);
                // Variables bound in the body are not safe in the handlers: resolve catch
                // clauses from the scope before the body.
                let after_body = std::mem::replace(&mut self.scope, before);
                let mut exports: HashMap<Arc<str>, u32> = HashMap::new();
                for c in catches.iter_mut() {
                    let saved = self.scope.clone();
                    let start = self.next_slot;
                    let mut fresh = Vec::new();
                    self.pat(&mut c.class, false, &mut fresh, &exports);
                    self.pat(&mut c.reason, false, &mut fresh, &exports);
                    if let Some(s) = &mut c.stack {
                        self.pat(s, false, &mut fresh, &exports);
                    }
                    self.guard_seq(&mut c.guards);
                    self.exprs(&mut c.body, false);
                    c.fresh = (start..self.next_slot).collect();
                    c.fresh.extend(fresh);
                    for (k, v) in &self.scope {
                        exports.entry(k.clone()).or_insert(*v);
                    }
                    self.scope = saved;
                }
                for (k, v) in after_body {
                    self.scope.entry(k).or_insert(v);
                }
                for (k, v) in exports {
                    self.scope.entry(k).or_insert(v);
                }
                self.exprs(after, false);
            }
            Expr::Catch(x, pos) => {
                if guard {
                    self.illegal_guard(*pos);
                }
                self.expr(x, false);
            }
            Expr::ListComp(x, quals, pos) => {
                if guard {
                    self.illegal_guard(*pos);
                }
                let saved = self.scope.clone();
                let mut gens: Vec<usize> = Vec::new();
                for (i, q) in quals.iter_mut().enumerate() {
                    match q {
                        Qualifier::Generator { pat, expr, fresh }
                        | Qualifier::BinGenerator { pat, expr, fresh } => {
                            self.expr(expr, false);
                            fresh.push(self.next_slot);
                            let mut tmp = Vec::new();
                            self.pat(pat, true, &mut tmp, &HashMap::new());
                            gens.push(i);
                        }
                        Qualifier::Filter(f) => self.expr(f, false),
                    }
                }
                self.expr(x, false);
                let end = self.next_slot;
                // Everything bound from a generator on is local to each of its iterations.
                for i in gens {
                    if let Some(
                        Qualifier::Generator { fresh, .. } | Qualifier::BinGenerator { fresh, .. },
                    ) = quals.get_mut(i)
                    {
                        let start = fresh.first().copied().unwrap_or(end);
                        *fresh = (start..end).collect();
                    }
                }
                self.scope = saved;
            }
        }
    }

    fn fun(&mut self, d: &mut FunDef) {
        let saved = self.scope.clone();
        if let Some((name, slot)) = &mut d.name {
            let s = self.new_slot();
            *slot = s;
            self.scope.insert(Arc::from(name.as_str()), s);
        }
        let base = self.scope.clone();
        for c in d.clauses.iter_mut() {
            self.scope = base.clone();
            let start = self.next_slot;
            let mut fresh = Vec::new();
            for p in c.pats.iter_mut() {
                self.pat(p, true, &mut fresh, &HashMap::new());
            }
            self.guard_seq(&mut c.guards);
            self.exprs(&mut c.body, false);
            c.fresh = (start..self.next_slot).collect();
        }
        self.scope = saved;
    }

    /// `case`/`try ... of` clauses: variables bound in a clause are visible after the
    /// construct; the same name in several clauses shares one slot.
    fn clauses(&mut self, clauses: &mut [Clause]) {
        let base = self.scope.clone();
        let mut exports: HashMap<Arc<str>, u32> = HashMap::new();
        for c in clauses.iter_mut() {
            self.scope = base.clone();
            let mut fresh = Vec::new();
            for p in c.pats.iter_mut() {
                self.pat(p, false, &mut fresh, &exports);
            }
            self.guard_seq(&mut c.guards);
            c.fresh = fresh;
            self.exprs(&mut c.body, false);
            for (k, v) in &self.scope {
                if !base.contains_key(k) {
                    exports.entry(k.clone()).or_insert(*v);
                }
            }
        }
        self.scope = base;
        for (k, v) in exports {
            self.scope.insert(k, v);
        }
    }

    /// Resolves a pattern. `shadow`: every variable is new (fun heads, generators).
    fn pat(
        &mut self,
        p: &mut Pat,
        shadow: bool,
        fresh: &mut Vec<u32>,
        shared: &HashMap<Arc<str>, u32>,
    ) {
        match p {
            Pat::Wild | Pat::Lit(_) => {}
            Pat::Var { name, slot, .. } => {
                if !shadow && let Some(s) = self.scope.get(name) {
                    *slot = *s;
                    return;
                }
                let s = match shared.get(name) {
                    Some(s) if !shadow => *s,
                    _ => self.new_slot(),
                };
                self.scope.insert(name.clone(), s);
                fresh.push(s);
                *slot = s;
            }
            Pat::List { items, tail } => {
                for i in items {
                    self.pat(i, shadow, fresh, shared);
                }
                if let Some(t) = tail {
                    self.pat(t, shadow, fresh, shared);
                }
            }
            Pat::Tuple(items) => {
                for i in items {
                    self.pat(i, shadow, fresh, shared);
                }
            }
            Pat::Alias(a, b) => {
                self.pat(a, shadow, fresh, shared);
                self.pat(b, false, fresh, shared);
            }
            Pat::StrPrefix(_, rest) => self.pat(rest, shadow, fresh, shared),
            Pat::Bin(elems) => {
                for BinElem { value, size, .. } in elems {
                    if let Some(s) = size {
                        self.expr(s, true);
                    }
                    self.pat(value, shadow, fresh, shared);
                }
            }
        }
    }

    fn call(&mut self, target: &mut Target, args: &[Expr], pos: Pos, guard: bool) {
        let arity = args.len();
        match target {
            Target::Named { module, name } => {
                let m = module.clone();
                let n = name.clone();
                match m {
                    None => match bifs::find("erlang", &n, arity).filter(|b| b.auto) {
                        Some(b) => {
                            if guard && !b.guard {
                                self.illegal_guard(pos);
                            }
                            *target = Target::Bif(b);
                        }
                        None => {
                            let mut d =
                                Diagnostic::error(format!("function {n}/{arity} undefined"), pos);
                            if let Some(s) = bifs::suggest(None, &n, arity) {
                                d = d.with_help(format!("did you mean {s}?"));
                            } else {
                                d = d.with_help("snippets have no local functions; call a module function such as lists:reverse/1");
                            }
                            self.diags.push(d);
                        }
                    },
                    Some(m) => {
                        if self.check_exists(&m, &n, arity, pos)
                            && let Some(b) = bifs::find(&m, &n, arity)
                        {
                            if guard && !b.guard {
                                self.illegal_guard(pos);
                            }
                            if m == "re" {
                                self.note_regex(&n, args);
                            }
                            *target = Target::Bif(b);
                        }
                    }
                }
            }
            Target::Dynamic(x) => {
                if guard {
                    self.illegal_guard(pos);
                }
                self.expr(x, false);
                if let Expr::Fun(def) = &**x
                    && def.arity != arity
                {
                    self.diags.push(Diagnostic::error(
                        format!(
                            "this fun takes {} argument(s) but is called with {arity}",
                            def.arity
                        ),
                        pos,
                    ));
                }
            }
            Target::Remote(m, f) => {
                if guard {
                    self.illegal_guard(pos);
                }
                self.expr(m, false);
                self.expr(f, false);
            }
            Target::Bif(_) => {}
        }
    }

    fn note_regex(&mut self, function: &str, args: &[Expr]) {
        let Some(Expr::Lit(re, pos)) = args.get(1) else {
            return;
        };
        let opts_index = match (function, args.len()) {
            ("run" | "split", 3) => Some(2),
            ("replace", 4) => Some(3),
            ("run" | "split", 2) | ("replace", 3) => None,
            _ => return,
        };
        let opts = match opts_index.map(|i| args.get(i)) {
            None => Value::Nil,
            Some(Some(Expr::Lit(o, _))) => o.clone(),
            Some(_) => return,
        };
        self.literal_regexes.push((re.clone(), opts, *pos));
    }

    /// Reports an unknown, unsupported or wrong-arity remote function. True when it exists.
    fn check_exists(&mut self, m: &str, n: &str, arity: usize, pos: Pos) -> bool {
        match bifs::lookup(m, n, arity) {
            Lookup::Found => true,
            Lookup::Unsupported(why) => {
                let mut d = Diagnostic::error(
                    format!("`{m}:{n}/{arity}` is not available in scenarios"),
                    pos,
                );
                if !why.is_empty() {
                    d = d.with_help(why);
                }
                self.diags.push(d);
                false
            }
            Lookup::WrongArity(arities) => {
                let list: Vec<String> = arities.iter().map(|a| format!("{m}:{n}/{a}")).collect();
                self.diags.push(
                    Diagnostic::error(format!("function {m}:{n}/{arity} undefined"), pos)
                        .with_help(format!(
                            "{m}:{n} takes {} argument(s): {}",
                            arities
                                .iter()
                                .map(|a| a.to_string())
                                .collect::<Vec<_>>()
                                .join(" or "),
                            list.join(", ")
                        )),
                );
                false
            }
            Lookup::UnknownFunction => {
                let mut d = Diagnostic::error(format!("function {m}:{n}/{arity} undefined"), pos);
                if let Some(s) = bifs::suggest(Some(m), n, arity) {
                    d = d.with_help(format!("did you mean {s}?"));
                }
                self.diags.push(d);
                false
            }
            Lookup::UnknownModule => {
                let mut d = Diagnostic::error(
                    format!("module `{m}` is not available in scenarios (calling {m}:{n}/{arity})"),
                    pos,
                );
                d = match bifs::suggest_module(m) {
                    Some(s) => d.with_help(format!("did you mean {s}?")),
                    None => d.with_help(
                        "Stampede cannot load compiled Erlang modules; only Tsung's built-ins and common OTP functions are available",
                    ),
                };
                self.diags.push(d);
                false
            }
        }
    }

    fn check_constant_arith(&mut self, op: BinOp, l: &Expr, r: &Expr, pos: Pos) {
        use BinOp::*;
        if !matches!(
            op,
            Add | Sub | Mul | FDiv | Div | Rem | Band | Bor | Bxor | Bsl | Bsr
        ) {
            return;
        }
        let non_number = |e: &Expr| match e {
            Expr::Lit(v, _) if !v.is_number() => Some(v.to_pretty()),
            Expr::Tuple(..)
            | Expr::List { .. }
            | Expr::Bin(..)
            | Expr::Fun(..)
            | Expr::ListComp(..) => Some("this operand".to_string()),
            _ => None,
        };
        if let Some(what) = non_number(l).or_else(|| non_number(r)) {
            self.diags.push(
                Diagnostic::warning(
                    format!("this expression will fail with a 'badarith' exception: {what} is not a number"),
                    pos,
                )
                .with_help("convert first, e.g. list_to_integer/1 or binary_to_integer/1"),
            );
            return;
        }
        if let (Expr::Lit(a, _), Expr::Lit(b, _)) = (l, r)
            && arith(op, a, b).is_err()
        {
            self.diags.push(Diagnostic::warning(
                format!(
                    "this expression will fail: {} {} {} raises an exception",
                    a.to_pretty(),
                    op.text(),
                    b.to_pretty()
                ),
                pos,
            ));
        }
    }
}
