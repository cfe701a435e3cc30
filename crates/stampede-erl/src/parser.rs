//! A recursive-descent parser for Erlang expression sequences (`erl_parse:parse_exprs`), with
//! Erlang's operator precedences. Nesting is bounded so that no input overflows the stack.

use std::sync::Arc;

use crate::ast::{
    BinElem, BinOp, BinType, CatchClause, Clause, Expr, FunDef, NO_SLOT, Pat, Qualifier, Target,
    UnOp,
};
use crate::error::Diagnostic;
use crate::lexer::{Pos, Tok, Token};
use crate::value::Value;

/// Deepest nesting of expressions accepted.
const MAX_NESTING: u32 = 150;

pub(crate) struct Parser {
    toks: Vec<Token>,
    i: usize,
    depth: u32,
    next_fun_id: u32,
}

type PResult<T> = Result<T, Diagnostic>;

/// Parses a whole snippet: expressions separated by `,`, with an optional final `.`.
pub(crate) fn parse_snippet(toks: Vec<Token>) -> PResult<Vec<Expr>> {
    let mut p = Parser {
        toks,
        i: 0,
        depth: 0,
        next_fun_id: 1,
    };
    let exprs = p.exprs()?;
    if p.is_sym(".") {
        p.i += 1;
    }
    if !matches!(p.peek(), Tok::Eof) {
        let t = p.describe();
        return Err(
            Diagnostic::error(format!("syntax error before {t}"), p.pos()).with_help(
                "a snippet is one expression, usually `fun({Pid, DynVars}) -> ... end.`",
            ),
        );
    }
    Ok(exprs)
}

fn describe_tok(t: &Tok) -> String {
    match t {
        Tok::Atom(a) => format!("'{a}'"),
        Tok::Var(v) => v.clone(),
        Tok::Int(i) | Tok::Char(i) => i.to_string(),
        Tok::Float(f) => f.to_string(),
        Tok::Str(_) => "string".into(),
        Tok::Sym(s) => format!("'{s}'"),
        Tok::Eof => "end of snippet".into(),
    }
}

impl Parser {
    fn peek(&self) -> &Tok {
        self.toks.get(self.i).map(|t| &t.tok).unwrap_or(&Tok::Eof)
    }

    fn peek_at(&self, k: usize) -> &Tok {
        self.toks
            .get(self.i + k)
            .map(|t| &t.tok)
            .unwrap_or(&Tok::Eof)
    }

    fn pos(&self) -> Pos {
        self.toks
            .get(self.i)
            .or(self.toks.last())
            .map(|t| t.pos)
            .unwrap_or_default()
    }

    fn describe(&self) -> String {
        describe_tok(self.peek())
    }

    fn is_sym(&self, s: &str) -> bool {
        matches!(self.peek(), Tok::Sym(x) if *x == s)
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.is_sym(s) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, s: &str) -> PResult<Pos> {
        let pos = self.pos();
        if self.eat(s) {
            Ok(pos)
        } else {
            let mut d = Diagnostic::error(
                format!("syntax error before {}: expected '{s}'", self.describe()),
                pos,
            );
            if s == "end" {
                d = d.with_help("every `fun`, `case`, `if`, `try` and `begin` needs its `end`");
            }
            Err(d)
        }
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(Diagnostic::error(
                "expression nested too deeply",
                self.pos(),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// `Item sep Item sep ...`: one or more items separated by the symbol `sep`.
    fn separated<T>(
        &mut self,
        sep: &str,
        mut item: impl FnMut(&mut Self) -> PResult<T>,
    ) -> PResult<Vec<T>> {
        let mut out = vec![item(self)?];
        while self.eat(sep) {
            out.push(item(self)?);
        }
        Ok(out)
    }

    /// `E1, E2, ...`
    fn exprs(&mut self) -> PResult<Vec<Expr>> {
        self.separated(",", Self::expr)
    }

    pub(crate) fn expr(&mut self) -> PResult<Expr> {
        self.enter()?;
        let r = self.expr_inner();
        self.leave();
        r
    }

    fn expr_inner(&mut self) -> PResult<Expr> {
        let pos = self.pos();
        if self.eat("catch") {
            let e = self.expr()?;
            return Ok(Expr::Catch(Box::new(e), pos));
        }
        self.binary(0)
    }

    fn binop_info(&self) -> Option<(BinOp, u8, bool)> {
        // (op, precedence, right-associative)
        let Tok::Sym(s) = self.peek() else {
            return None;
        };
        Some(match *s {
            "=" => (BinOp::Send, 1, true), // placeholder: `=` is handled as a match below
            "!" => (BinOp::Send, 1, true),
            "orelse" => (BinOp::OrElse, 2, true),
            "andalso" => (BinOp::AndAlso, 3, true),
            "==" => (BinOp::Eq, 4, false),
            "/=" => (BinOp::Ne, 4, false),
            "=:=" => (BinOp::ExactEq, 4, false),
            "=/=" => (BinOp::ExactNe, 4, false),
            "<" => (BinOp::Lt, 4, false),
            "=<" => (BinOp::Le, 4, false),
            ">" => (BinOp::Gt, 4, false),
            ">=" => (BinOp::Ge, 4, false),
            "++" => (BinOp::Append, 5, true),
            "--" => (BinOp::Subtract, 5, true),
            "+" => (BinOp::Add, 6, false),
            "-" => (BinOp::Sub, 6, false),
            "bor" => (BinOp::Bor, 6, false),
            "bxor" => (BinOp::Bxor, 6, false),
            "bsl" => (BinOp::Bsl, 6, false),
            "bsr" => (BinOp::Bsr, 6, false),
            "or" => (BinOp::Or, 6, false),
            "xor" => (BinOp::Xor, 6, false),
            "*" => (BinOp::Mul, 7, false),
            "/" => (BinOp::FDiv, 7, false),
            "div" => (BinOp::Div, 7, false),
            "rem" => (BinOp::Rem, 7, false),
            "band" => (BinOp::Band, 7, false),
            "and" => (BinOp::And, 7, false),
            _ => return None,
        })
    }

    /// Precedence climbing over the binary operators.
    fn binary(&mut self, min_prec: u8) -> PResult<Expr> {
        let mut lhs = self.unary()?;
        loop {
            let Some((op, prec, right)) = self.binop_info() else {
                return Ok(lhs);
            };
            if prec < min_prec {
                return Ok(lhs);
            }
            let pos = self.pos();
            let is_match = self.is_sym("=");
            self.i += 1;
            let next_min = if right { prec } else { prec + 1 };
            self.enter()?;
            let rhs = if is_match && self.is_sym("catch") {
                self.expr()
            } else {
                self.binary(next_min)
            };
            self.leave();
            let rhs = rhs?;
            if is_match {
                let pat = expr_to_pat(lhs)?;
                lhs = Expr::Match(Box::new(pat), Box::new(rhs), pos);
            } else {
                if prec == 4 && self.binop_info().is_some_and(|(_, p, _)| p == 4) {
                    return Err(Diagnostic::error(
                        format!("syntax error before {}", self.describe()),
                        self.pos(),
                    )
                    .with_help("comparisons do not chain; use parentheses or `andalso`"));
                }
                lhs = Expr::Binary(op, Box::new(lhs), Box::new(rhs), pos);
            }
        }
    }

    fn unary(&mut self) -> PResult<Expr> {
        let pos = self.pos();
        let op = match self.peek() {
            Tok::Sym("-") => Some(UnOp::Neg),
            Tok::Sym("+") => Some(UnOp::Plus),
            Tok::Sym("not") => Some(UnOp::Not),
            Tok::Sym("bnot") => Some(UnOp::Bnot),
            _ => None,
        };
        if let Some(op) = op {
            self.i += 1;
            self.enter()?;
            let e = self.unary();
            self.leave();
            let e = e?;
            // Fold negative literals so that `-1` is a literal in patterns too.
            if op == UnOp::Neg {
                match e {
                    Expr::Lit(Value::Int(i), _) => {
                        return Ok(Expr::Lit(Value::Int(i.wrapping_neg()), pos));
                    }
                    Expr::Lit(Value::Float(f), _) => return Ok(Expr::Lit(Value::Float(-f), pos)),
                    _ => {}
                }
            }
            return Ok(Expr::Unary(op, Box::new(e), pos));
        }
        self.postfix()
    }

    fn postfix(&mut self) -> PResult<Expr> {
        let mut e = self.primary()?;
        loop {
            if self.is_sym(":") {
                let pos = e.pos();
                self.i += 1;
                let f = self.primary()?;
                if !self.is_sym("(") {
                    return Err(Diagnostic::error(
                        format!(
                            "syntax error before {}: expected '(' after a remote function name",
                            self.describe()
                        ),
                        self.pos(),
                    ));
                }
                let args = self.args()?;
                let target = match (e, f) {
                    (Expr::Lit(Value::Atom(m), _), Expr::Lit(Value::Atom(n), _)) => Target::Named {
                        module: Some(m.as_str().to_string()),
                        name: n.as_str().to_string(),
                    },
                    (m, f) => Target::Remote(Box::new(m), Box::new(f)),
                };
                e = Expr::Call { target, args, pos };
            } else if self.is_sym("(") {
                let pos = e.pos();
                let args = self.args()?;
                let target = match e {
                    Expr::Lit(Value::Atom(n), _) => Target::Named {
                        module: None,
                        name: n.as_str().to_string(),
                    },
                    other => Target::Dynamic(Box::new(other)),
                };
                e = Expr::Call { target, args, pos };
            } else if self.is_sym("#") {
                return Err(Diagnostic::error(
                    "maps and records are not supported in scenario snippets",
                    self.pos(),
                ));
            } else {
                return Ok(e);
            }
        }
    }

    fn args(&mut self) -> PResult<Vec<Expr>> {
        self.expect("(")?;
        if self.eat(")") {
            return Ok(Vec::new());
        }
        let a = self.exprs()?;
        self.expect(")")?;
        Ok(a)
    }

    fn primary(&mut self) -> PResult<Expr> {
        self.enter()?;
        let r = self.primary_inner();
        self.leave();
        r
    }

    fn primary_inner(&mut self) -> PResult<Expr> {
        let pos = self.pos();
        let tok = self.peek().clone();
        match tok {
            Tok::Int(i) | Tok::Char(i) => {
                self.i += 1;
                Ok(Expr::Lit(Value::Int(i), pos))
            }
            Tok::Float(f) => {
                self.i += 1;
                Ok(Expr::Lit(Value::Float(f), pos))
            }
            Tok::Atom(a) => {
                self.i += 1;
                Ok(Expr::Lit(Value::atom(&a), pos))
            }
            Tok::Var(v) => {
                self.i += 1;
                if v == "_" {
                    Ok(Expr::Wild(pos))
                } else {
                    Ok(Expr::Var {
                        name: Arc::from(v.as_str()),
                        slot: NO_SLOT,
                        pos,
                    })
                }
            }
            Tok::Str(s) => {
                self.i += 1;
                let mut all = s;
                // Adjacent string literals concatenate.
                while let Tok::Str(more) = self.peek() {
                    all.extend_from_slice(more);
                    self.i += 1;
                }
                let v = Value::list(all.iter().map(|c| Value::Int(i64::from(*c))).collect());
                Ok(Expr::Lit(v, pos))
            }
            Tok::Sym("(") => {
                self.i += 1;
                let e = self.expr()?;
                self.expect(")")?;
                Ok(e)
            }
            Tok::Sym("[") => self.list(),
            Tok::Sym("{") => {
                self.i += 1;
                if self.eat("}") {
                    return Ok(Expr::Tuple(Vec::new(), pos));
                }
                let items = self.exprs()?;
                self.expect("}")?;
                if let Some(vals) = literals(&items) {
                    return Ok(Expr::Lit(Value::tuple(vals), pos));
                }
                Ok(Expr::Tuple(items, pos))
            }
            Tok::Sym("<<") => self.binary_lit(),
            Tok::Sym("begin") => {
                self.i += 1;
                let body = self.exprs()?;
                self.expect("end")?;
                Ok(Expr::Block(body, pos))
            }
            Tok::Sym("case") => {
                self.i += 1;
                let e = self.expr()?;
                self.expect("of")?;
                let clauses = self.cr_clauses()?;
                self.expect("end")?;
                Ok(Expr::Case(Box::new(e), clauses, pos))
            }
            Tok::Sym("if") => {
                self.i += 1;
                let clauses = self.separated(";", |p| {
                    let guards = p.guard_seq()?;
                    p.expect("->")?;
                    Ok(Clause {
                        pats: Vec::new(),
                        guards,
                        body: p.exprs()?,
                        fresh: Vec::new(),
                    })
                })?;
                self.expect("end")?;
                Ok(Expr::If(clauses, pos))
            }
            Tok::Sym("fun") => self.fun(),
            Tok::Sym("try") => self.try_expr(),
            Tok::Sym("receive") => Err(Diagnostic::error(
                "`receive` is not available in scenario snippets",
                pos,
            )
            .with_help("snippets cannot wait for messages")),
            Tok::Sym("#") => Err(Diagnostic::error(
                "maps and records are not supported in scenario snippets",
                pos,
            )),
            Tok::Sym("?") => Err(Diagnostic::error(
                "macros (`?NAME`) are not available in scenario snippets",
                pos,
            )),
            _ => Err(Diagnostic::error(
                format!("syntax error before {}", self.describe()),
                pos,
            )),
        }
    }

    fn list(&mut self) -> PResult<Expr> {
        let pos = self.expect("[")?;
        if self.eat("]") {
            return Ok(Expr::Lit(Value::Nil, pos));
        }
        let first = self.expr()?;
        if self.eat("||") {
            let quals = self.qualifiers()?;
            self.expect("]")?;
            return Ok(Expr::ListComp(Box::new(first), quals, pos));
        }
        let mut items = vec![first];
        while self.eat(",") {
            items.push(self.expr()?);
        }
        let tail = if self.eat("|") {
            Some(Box::new(self.expr()?))
        } else {
            None
        };
        self.expect("]")?;
        // Constant lists are built once, at compile time.
        let tail_const = match &tail {
            None => Some(Value::Nil),
            Some(t) => match &**t {
                Expr::Lit(v, _) => Some(v.clone()),
                _ => None,
            },
        };
        if let Some(t) = tail_const
            && let Some(vals) = literals(&items)
        {
            return Ok(Expr::Lit(Value::list_with_tail(vals, t), pos));
        }
        Ok(Expr::List { items, tail, pos })
    }

    fn qualifiers(&mut self) -> PResult<Vec<Qualifier>> {
        self.separated(",", |p| {
            let e = p.expr()?;
            Ok(if p.eat("<-") {
                Qualifier::Generator {
                    pat: expr_to_pat(e)?,
                    expr: p.expr()?,
                    fresh: Vec::new(),
                }
            } else if p.eat("<=") {
                Qualifier::BinGenerator {
                    pat: expr_to_pat(e)?,
                    expr: p.expr()?,
                    fresh: Vec::new(),
                }
            } else {
                Qualifier::Filter(e)
            })
        })
    }

    fn binary_lit(&mut self) -> PResult<Expr> {
        let pos = self.expect("<<")?;
        let mut elems = Vec::new();
        if self.eat(">>") {
            return Ok(Expr::Bin(elems, pos));
        }
        loop {
            let epos = self.pos();
            // Element values are primaries (or unary minus): `:` and `/` belong to the element.
            let value = self.unary_in_binary()?;
            let size = if self.eat(":") {
                Some(self.unary_in_binary()?)
            } else {
                None
            };
            let mut elem = BinElem {
                value,
                size,
                ty: BinType::Integer,
                signed: false,
                little: false,
                unit: None,
                pos: epos,
            };
            if self.eat("/") {
                loop {
                    let tpos = self.pos();
                    let Tok::Atom(name) = self.peek().clone() else {
                        return Err(Diagnostic::error(
                            format!(
                                "syntax error before {}: expected a type specifier",
                                self.describe()
                            ),
                            tpos,
                        ));
                    };
                    self.i += 1;
                    match name.as_str() {
                        "integer" => elem.ty = BinType::Integer,
                        "float" => elem.ty = BinType::Float,
                        "binary" | "bytes" => elem.ty = BinType::Binary,
                        "bits" | "bitstring" => elem.ty = BinType::Bits,
                        "utf8" => elem.ty = BinType::Utf8,
                        "signed" => elem.signed = true,
                        "unsigned" => elem.signed = false,
                        "big" => elem.little = false,
                        "little" => elem.little = true,
                        "native" => elem.little = cfg!(target_endian = "little"),
                        "unit" => {
                            self.expect(":")?;
                            match self.peek().clone() {
                                Tok::Int(u) if (1..=256).contains(&u) => {
                                    self.i += 1;
                                    elem.unit = Some(u as u32);
                                }
                                _ => {
                                    return Err(Diagnostic::error("bad unit size", self.pos()));
                                }
                            }
                        }
                        other => {
                            return Err(Diagnostic::error(
                                format!(
                                    "binary type '{other}' is not supported in scenario snippets"
                                ),
                                tpos,
                            ));
                        }
                    }
                    if !self.eat("-") {
                        break;
                    }
                }
            }
            elems.push(elem);
            if self.eat(">>") {
                return Ok(Expr::Bin(elems, pos));
            }
            self.expect(",")?;
        }
    }

    fn unary_in_binary(&mut self) -> PResult<Expr> {
        let pos = self.pos();
        if self.eat("-") {
            let e = self.primary()?;
            if let Expr::Lit(Value::Int(i), _) = e {
                return Ok(Expr::Lit(Value::Int(-i), pos));
            }
            return Ok(Expr::Unary(UnOp::Neg, Box::new(e), pos));
        }
        let e = self.primary()?;
        // Allow calls like <<(integer_to_binary(X))/binary>> via parentheses only, as Erlang.
        Ok(e)
    }

    /// `G1, G2; G3` after `when` (or an `if` clause).
    fn guard_seq(&mut self) -> PResult<Vec<Vec<Expr>>> {
        self.separated(";", Self::exprs)
    }

    /// The rest of a clause after its head: `[when Guards] -> Body`.
    fn guards_and_body(&mut self) -> PResult<(Vec<Vec<Expr>>, Vec<Expr>)> {
        let guards = if self.eat("when") {
            self.guard_seq()?
        } else {
            Vec::new()
        };
        self.expect("->")?;
        Ok((guards, self.exprs()?))
    }

    /// Clauses of `case ... of` and `try ... of`: `Pat [when G] -> Body ; ...`.
    fn cr_clauses(&mut self) -> PResult<Vec<Clause>> {
        self.separated(";", |p| {
            let pat = expr_to_pat(p.expr()?)?;
            let (guards, body) = p.guards_and_body()?;
            Ok(Clause {
                pats: vec![pat],
                guards,
                body,
                fresh: Vec::new(),
            })
        })
    }

    fn fun(&mut self) -> PResult<Expr> {
        let pos = self.expect("fun")?;
        // fun m:f/A   |   fun f/A
        if let Tok::Atom(first) = self.peek().clone() {
            self.i += 1;
            let (module, name) = if self.eat(":") {
                match self.peek().clone() {
                    Tok::Atom(n) => {
                        self.i += 1;
                        (Some(first), n)
                    }
                    _ => {
                        return Err(Diagnostic::error(
                            format!("syntax error before {}", self.describe()),
                            self.pos(),
                        ));
                    }
                }
            } else {
                (None, first)
            };
            self.expect("/")?;
            let arity = match self.peek().clone() {
                Tok::Int(a) if (0..=255).contains(&a) => {
                    self.i += 1;
                    a as usize
                }
                _ => {
                    return Err(Diagnostic::error(
                        format!("syntax error before {}: expected an arity", self.describe()),
                        self.pos(),
                    ));
                }
            };
            return Ok(Expr::FunRef {
                module,
                name,
                arity,
                pos,
            });
        }
        let fun_name = match self.peek().clone() {
            Tok::Var(v) if matches!(self.peek_at(1), Tok::Sym("(")) => Some(v),
            _ => None,
        };
        let mut arity = None;
        let clauses = self.separated(";", |p| {
            let cpos = p.pos();
            if let Some(n) = &fun_name {
                match p.peek().clone() {
                    Tok::Var(v) if &v == n => p.i += 1,
                    _ => {
                        return Err(Diagnostic::error(
                            format!(
                                "syntax error before {}: each clause of a named fun starts with its name {n}",
                                p.describe()
                            ),
                            cpos,
                        ));
                    }
                }
            }
            p.expect("(")?;
            let mut pats = Vec::new();
            if !p.eat(")") {
                for e in p.exprs()? {
                    pats.push(expr_to_pat(e)?);
                }
                p.expect(")")?;
            }
            match arity {
                None => arity = Some(pats.len()),
                Some(a) if a != pats.len() => {
                    return Err(Diagnostic::error(
                        "head mismatch: the clauses of a fun must take the same number of arguments",
                        cpos,
                    ));
                }
                Some(_) => {}
            }
            let (guards, body) = p.guards_and_body()?;
            Ok(Clause {
                pats,
                guards,
                body,
                fresh: Vec::new(),
            })
        })?;
        self.expect("end")?;
        let id = self.next_fun_id;
        self.next_fun_id += 1;
        Ok(Expr::Fun(Arc::new(FunDef {
            id,
            arity: arity.unwrap_or(0),
            clauses,
            name: fun_name.map(|n| (n, NO_SLOT)),
            pos,
        })))
    }

    fn try_expr(&mut self) -> PResult<Expr> {
        let pos = self.expect("try")?;
        let body = self.exprs()?;
        let of = if self.eat("of") {
            self.cr_clauses()?
        } else {
            Vec::new()
        };
        let catches = if self.eat("catch") {
            self.separated(";", Self::catch_clause)?
        } else {
            Vec::new()
        };
        let after = if self.eat("after") {
            self.exprs()?
        } else {
            Vec::new()
        };
        if catches.is_empty() && after.is_empty() {
            return Err(Diagnostic::error(
                format!(
                    "syntax error before {}: `try` needs `catch` or `after`",
                    self.describe()
                ),
                self.pos(),
            ));
        }
        self.expect("end")?;
        Ok(Expr::Try {
            body,
            of,
            catches,
            after,
            pos,
        })
    }

    /// `[Class:]Reason[:Stack] [when G] -> Body` after `catch`.
    fn catch_clause(&mut self) -> PResult<CatchClause> {
        let class_first = matches!(self.peek(), Tok::Atom(_) | Tok::Var(_))
            && matches!(self.peek_at(1), Tok::Sym(":"));
        let first = if class_first {
            self.primary()?
        } else {
            self.expr()?
        };
        let (class, reason, stack) = if self.eat(":") {
            let reason =
                if matches!(self.peek(), Tok::Var(_)) && matches!(self.peek_at(1), Tok::Sym(":")) {
                    self.primary()?
                } else {
                    self.expr()?
                };
            let stack = if self.eat(":") {
                Some(expr_to_pat(self.expr()?)?)
            } else {
                None
            };
            (expr_to_pat(first)?, expr_to_pat(reason)?, stack)
        } else {
            (
                Pat::Lit(Value::static_atom("throw")),
                expr_to_pat(first)?,
                None,
            )
        };
        let (guards, body) = self.guards_and_body()?;
        Ok(CatchClause {
            class,
            reason,
            stack,
            guards,
            body,
            fresh: Vec::new(),
        })
    }
}

/// The values of expressions that are all literals.
fn literals(items: &[Expr]) -> Option<Vec<Value>> {
    items
        .iter()
        .map(|e| match e {
            Expr::Lit(v, _) => Some(v.clone()),
            _ => None,
        })
        .collect()
}

/// Turns an expression parsed in pattern position into a pattern (as `erl_parse` does).
pub(crate) fn expr_to_pat(e: Expr) -> PResult<Pat> {
    expr_to_pat_depth(e, 0)
}

fn expr_to_pat_depth(e: Expr, depth: u32) -> PResult<Pat> {
    if depth > MAX_NESTING {
        return Err(Diagnostic::error("pattern nested too deeply", e.pos()));
    }
    let d = depth + 1;
    Ok(match e {
        Expr::Lit(v, _) => Pat::Lit(v),
        Expr::Wild(_) => Pat::Wild,
        Expr::Var { name, slot, .. } => Pat::Var { name, slot },
        Expr::List { items, tail, .. } => Pat::List {
            items: items
                .into_iter()
                .map(|x| expr_to_pat_depth(x, d))
                .collect::<PResult<_>>()?,
            tail: match tail {
                Some(t) => Some(Box::new(expr_to_pat_depth(*t, d)?)),
                None => None,
            },
        },
        Expr::Tuple(items, _) => Pat::Tuple(
            items
                .into_iter()
                .map(|x| expr_to_pat_depth(x, d))
                .collect::<PResult<_>>()?,
        ),
        Expr::Match(p, rhs, _) => Pat::Alias(p, Box::new(expr_to_pat_depth(*rhs, d)?)),
        Expr::Binary(BinOp::Append, l, r, pos) => match *l {
            Expr::Lit(v, _) => match v.code_points() {
                Some(cps) => Pat::StrPrefix(cps, Box::new(expr_to_pat_depth(*r, d)?)),
                None => return Err(illegal_pattern(pos)),
            },
            _ => return Err(illegal_pattern(pos)),
        },
        Expr::Bin(elems, _) => {
            let mut out = Vec::new();
            for el in elems {
                out.push(BinElem {
                    value: expr_to_pat_depth(el.value, d)?,
                    size: el.size,
                    ty: el.ty,
                    signed: el.signed,
                    little: el.little,
                    unit: el.unit,
                    pos: el.pos,
                });
            }
            Pat::Bin(out)
        }
        other => return Err(illegal_pattern(other.pos())),
    })
}

fn illegal_pattern(pos: Pos) -> Diagnostic {
    Diagnostic::error("illegal pattern", pos).with_help(
        "patterns may contain variables, literals, lists, tuples, binaries and \"prefix\" ++ Rest",
    )
}
