//! The syntax tree of Erlang expressions. Variables carry a frame slot, filled in by
//! [`crate::resolve`] after parsing.

use std::sync::Arc;

use crate::bifs::Bif;
use crate::lexer::Pos;
use crate::value::Value;

/// A slot not yet assigned by the resolver.
pub(crate) const NO_SLOT: u32 = u32::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    FDiv,
    Div,
    Rem,
    Band,
    Bor,
    Bxor,
    Bsl,
    Bsr,
    And,
    Or,
    Xor,
    AndAlso,
    OrElse,
    Append,
    Subtract,
    Eq,
    Ne,
    ExactEq,
    ExactNe,
    Lt,
    Le,
    Gt,
    Ge,
    Send,
}

impl BinOp {
    pub(crate) fn text(self) -> &'static str {
        use BinOp::*;
        match self {
            Add => "+",
            Sub => "-",
            Mul => "*",
            FDiv => "/",
            Div => "div",
            Rem => "rem",
            Band => "band",
            Bor => "bor",
            Bxor => "bxor",
            Bsl => "bsl",
            Bsr => "bsr",
            And => "and",
            Or => "or",
            Xor => "xor",
            AndAlso => "andalso",
            OrElse => "orelse",
            Append => "++",
            Subtract => "--",
            Eq => "==",
            Ne => "/=",
            ExactEq => "=:=",
            ExactNe => "=/=",
            Lt => "<",
            Le => "=<",
            Gt => ">",
            Ge => ">=",
            Send => "!",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UnOp {
    Neg,
    Plus,
    Not,
    Bnot,
}

/// Where a call goes.
#[derive(Clone, Debug)]
pub(crate) enum Target {
    /// `name(...)` or `mod:name(...)` as written, before resolution.
    Named {
        module: Option<String>,
        name: String,
    },
    /// A known built-in, resolved at compile time.
    Bif(&'static Bif),
    /// `F(...)` where `F` evaluates to a fun.
    Dynamic(Box<Expr>),
    /// `M:F(...)` with a module or function computed at run time.
    Remote(Box<Expr>, Box<Expr>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinType {
    Integer,
    Float,
    Binary,
    Bits,
    Utf8,
}

#[derive(Clone, Debug)]
pub(crate) struct BinElem<T> {
    pub value: T,
    pub size: Option<Expr>,
    pub ty: BinType,
    pub signed: bool,
    pub little: bool,
    pub unit: Option<u32>,
    pub pos: Pos,
}

#[derive(Clone, Debug)]
pub(crate) struct Clause {
    pub pats: Vec<Pat>,
    /// Alternatives (`;`) of conjunctions (`,`).
    pub guards: Vec<Vec<Expr>>,
    pub body: Vec<Expr>,
    /// Slots this clause binds for the first time; cleared before the clause is tried.
    pub fresh: Vec<u32>,
}

#[derive(Debug)]
pub(crate) struct FunDef {
    pub id: u32,
    pub arity: usize,
    pub clauses: Vec<Clause>,
    /// For `fun Name(...) -> ... end`: the name and the slot holding the fun itself.
    pub name: Option<(String, u32)>,
    pub pos: Pos,
}

#[derive(Clone, Debug)]
pub(crate) enum Qualifier {
    Generator {
        pat: Pat,
        expr: Expr,
        fresh: Vec<u32>,
    },
    BinGenerator {
        pat: Pat,
        expr: Expr,
        fresh: Vec<u32>,
    },
    Filter(Expr),
}

#[derive(Clone, Debug)]
pub(crate) struct CatchClause {
    pub class: Pat,
    pub reason: Pat,
    pub stack: Option<Pat>,
    pub guards: Vec<Vec<Expr>>,
    pub body: Vec<Expr>,
    pub fresh: Vec<u32>,
}

#[derive(Clone, Debug)]
pub(crate) enum Expr {
    Lit(Value, Pos),
    Var {
        name: Arc<str>,
        slot: u32,
        pos: Pos,
    },
    /// `_` (only valid in patterns; reported when used as a value).
    Wild(Pos),
    List {
        items: Vec<Expr>,
        tail: Option<Box<Expr>>,
        pos: Pos,
    },
    Tuple(Vec<Expr>, Pos),
    Bin(Vec<BinElem<Expr>>, Pos),
    Unary(UnOp, Box<Expr>, Pos),
    Binary(BinOp, Box<Expr>, Box<Expr>, Pos),
    Match(Box<Pat>, Box<Expr>, Pos),
    Call {
        target: Target,
        args: Vec<Expr>,
        pos: Pos,
    },
    Fun(Arc<FunDef>),
    /// `fun m:f/A` or `fun f/A`, resolved to a built-in fun value.
    FunRef {
        module: Option<String>,
        name: String,
        arity: usize,
        pos: Pos,
    },
    Case(Box<Expr>, Vec<Clause>, Pos),
    If(Vec<Clause>, Pos),
    Block(Vec<Expr>, Pos),
    Try {
        body: Vec<Expr>,
        of: Vec<Clause>,
        catches: Vec<CatchClause>,
        after: Vec<Expr>,
        pos: Pos,
    },
    Catch(Box<Expr>, Pos),
    ListComp(Box<Expr>, Vec<Qualifier>, Pos),
}

impl Expr {
    pub(crate) fn pos(&self) -> Pos {
        match self {
            Expr::Lit(_, p)
            | Expr::Var { pos: p, .. }
            | Expr::Wild(p)
            | Expr::List { pos: p, .. }
            | Expr::Tuple(_, p)
            | Expr::Bin(_, p)
            | Expr::Unary(_, _, p)
            | Expr::Binary(_, _, _, p)
            | Expr::Match(_, _, p)
            | Expr::Call { pos: p, .. }
            | Expr::FunRef { pos: p, .. }
            | Expr::Case(_, _, p)
            | Expr::If(_, p)
            | Expr::Block(_, p)
            | Expr::Try { pos: p, .. }
            | Expr::Catch(_, p)
            | Expr::ListComp(_, _, p) => *p,
            Expr::Fun(f) => f.pos,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) enum Pat {
    Wild,
    Var {
        name: Arc<str>,
        slot: u32,
    },
    Lit(Value),
    List {
        items: Vec<Pat>,
        tail: Option<Box<Pat>>,
    },
    Tuple(Vec<Pat>),
    Bin(Vec<BinElem<Pat>>),
    /// `P1 = P2`: both must match.
    Alias(Box<Pat>, Box<Pat>),
    /// `"prefix" ++ Rest`.
    StrPrefix(Vec<u32>, Box<Pat>),
}
