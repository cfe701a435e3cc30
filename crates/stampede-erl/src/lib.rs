//! A small, sandboxed evaluator for the Erlang snippets embedded in Tsung scenarios:
//! `<setdynvars sourcetype="eval" code="fun({Pid,DynVars}) -> ... end.">`, `%%module:function%%`
//! substitutions and `sourcetype="erlang" callback="module:function"`.
//!
//! * [`compile`] parses and checks a snippet once (syntax, unbound variables, unknown or
//!   unsupported functions with suggestions, wrong arities, illegal guards, constant expressions
//!   that always fail) and returns a [`Snippet`] that is cheap to clone and share across threads.
//! * [`Snippet::call`] applies the snippet's fun to `{Pid, DynVars}` for one user, through a
//!   [`Host`] that provides everything from the outside world (variables, file servers, files,
//!   randomness, clock, log). Every call is bounded by [`Limits`].
//! * [`call_builtin`] runs a `%%module:function%%` / `callback=` built-in; [`callbacks`] and
//!   [`builtin_functions`] list what exists, [`check_callback`] explains what does not.
//! * [`to_subst_bytes`] renders a value the way Tsung substitutes it into a request.
//!
//! The crate is pure: no threads, no clock reads, no file or network access of its own.

mod ast;
mod bifs;
mod error;
mod eval;
mod host;
mod lexer;
mod parser;
mod print;
mod resolve;
mod subst;
mod value;

use std::sync::Arc;

pub use error::{CompileError, Diagnostic, EvalError, ExceptionClass, LimitKind, Severity};
pub use eval::Limits;
pub use host::{FileError, Host, TestHost, sandbox_path};
pub use print::float_short;
pub use subst::to_subst_bytes;
pub use value::{Atom, Cons, Fun, ListIter, Value};

use ast::Expr;
use bifs::RegexCache;
use eval::{Ctx, Trap};
use lexer::Pos;

/// A compiled snippet: cheap to clone, shareable between threads, run once per user with
/// [`Snippet::call`].
#[derive(Clone, Debug)]
pub struct Snippet {
    inner: Arc<Compiled>,
}

#[derive(Debug)]
struct Compiled {
    exprs: Vec<Expr>,
    slots: u32,
    warnings: Vec<Diagnostic>,
    regexes: Arc<RegexCache>,
}

/// Parses and checks a snippet (the text of a `code=` attribute, after XML unescaping).
///
/// Positions in diagnostics are 1-based lines and columns within `source`; the caller maps
/// them to the scenario file. Warnings do not make compilation fail; they are available from
/// [`Snippet::warnings`].
pub fn compile(source: &str) -> Result<Snippet, CompileError> {
    let fail = |d: Diagnostic| CompileError {
        diagnostics: vec![d],
    };
    let toks = lexer::tokenize(source).map_err(fail)?;
    let mut exprs = parser::parse_snippet(toks).map_err(fail)?;
    let (resolved, resolver) = resolve::resolve(&mut exprs);
    let mut diags = resolver.diags;
    if let Some(last) = exprs.last() {
        check_result_shape(last, &mut diags);
    }
    let mut regexes = RegexCache::default();
    for (pattern, options, pos) in &resolver.literal_regexes {
        if let Err(msg) = regexes.precompile(pattern, options) {
            diags.push(
                Diagnostic::error(
                    format!("invalid regular expression {}: {msg}", pattern.to_pretty()),
                    *pos,
                )
                .with_help("Erlang's re module uses PCRE syntax"),
            );
        }
    }
    diags.sort_by_key(|d| (d.line, d.column));
    if diags.iter().any(|d| d.severity == Severity::Error) {
        return Err(CompileError { diagnostics: diags });
    }
    Ok(Snippet {
        inner: Arc::new(Compiled {
            exprs,
            slots: resolved.slots,
            warnings: diags,
            regexes: Arc::new(regexes),
        }),
    })
}

/// The snippet must evaluate to a fun taking `{Pid, DynVars}`.
fn check_result_shape(last: &Expr, diags: &mut Vec<Diagnostic>) {
    let help = "a snippet is a fun of one argument: fun({Pid, DynVars}) -> ... end.";
    match last {
        Expr::Fun(def) if def.arity != 1 => diags.push(
            Diagnostic::error(
                format!("the snippet's fun takes {} argument(s); Tsung calls it with one, {{Pid, DynVars}}", def.arity),
                def.pos,
            )
            .with_help(help),
        ),
        Expr::Lit(..)
        | Expr::List { .. }
        | Expr::Tuple(..)
        | Expr::Bin(..)
        | Expr::ListComp(..)
        | Expr::Unary(..)
        | Expr::Binary(..) => diags.push(
            Diagnostic::error("the snippet does not evaluate to a fun", last.pos()).with_help(help),
        ),
        _ => {}
    }
}

impl Snippet {
    /// Warnings found while compiling (constant expressions that always fail, …).
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.inner.warnings
    }

    /// Runs the snippet for one user: evaluates it to a fun and applies that fun to
    /// `{Pid, DynVars}`. `DynVars` resolves through `host`.
    pub fn call(&self, host: &mut dyn Host, limits: &Limits) -> Result<Value, EvalError> {
        let mut ctx = Ctx::new(host, *limits, self.inner.regexes.clone());
        let mut frame = vec![None; self.inner.slots as usize];
        let run = |ctx: &mut Ctx<'_>, frame: &mut eval::Frame| -> Result<Value, Trap> {
            let fun = ctx.eval_body(&self.inner.exprs, frame)?;
            let arg = Value::tuple(vec![ctx.pid.clone(), Value::DynVars]);
            let pos = self.inner.exprs.last().map(Expr::pos).unwrap_or_default();
            ctx.apply(&fun, vec![arg], pos)
        };
        run(&mut ctx, &mut frame).map_err(Trap::into_eval_error)
    }
}

/// Runs a built-in `module:function` the way `%%module:function%%` and
/// `<setdynvars sourcetype="erlang" callback="module:function">` do: applied to
/// `{Pid, DynVars}`, with default [`Limits`]. The value is what Tsung's function returns
/// (for example a string for `ts_user_server:get_unique_id`).
pub fn call_builtin(module: &str, function: &str, host: &mut dyn Host) -> Result<Value, EvalError> {
    let mut ctx = Ctx::new(host, Limits::default(), Arc::new(RegexCache::default()));
    let arg = Value::tuple(vec![ctx.pid.clone(), Value::DynVars]);
    apply_in(&mut ctx, module, function, vec![arg])
}

/// Applies any supported function to explicit arguments (for example
/// `ts_digest:md5hex/1` for `<match apply_to_content=...>`).
pub fn apply_builtin(
    module: &str,
    function: &str,
    args: Vec<Value>,
    host: &mut dyn Host,
    limits: &Limits,
) -> Result<Value, EvalError> {
    let mut ctx = Ctx::new(host, *limits, Arc::new(RegexCache::default()));
    apply_in(&mut ctx, module, function, args)
}

fn apply_in(
    ctx: &mut Ctx<'_>,
    module: &str,
    function: &str,
    args: Vec<Value>,
) -> Result<Value, EvalError> {
    match bifs::find(module, function, args.len()) {
        Some(b) => ctx
            .call_bif(b, args, Pos::default())
            .map_err(Trap::into_eval_error),
        None => Err(eval::undef(module, function, args.len()).into_eval_error()),
    }
}

/// The built-ins that work as `%%module:function%%` or `callback="module:function"` (they
/// take `{Pid, DynVars}`).
pub fn callbacks() -> &'static [(&'static str, &'static str)] {
    &[
        ("ts_user_server", "get_unique_id"),
        ("ts_user_server", "get_really_unique_id"),
        ("ts_file_server", "get_next_line"),
        ("ts_file_server", "get_random_line"),
        ("ts_file_server", "get_all_lines"),
    ]
}

/// Why a `module:function` named by a scenario cannot be called.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct UnknownCallback {
    /// What is wrong (`module `my_mod` is not available in scenarios`).
    pub message: String,
    /// A suggestion, when there is one.
    pub help: Option<String>,
}

/// Checks a `%%module:function%%` or `callback="module:function"` name at load time.
pub fn check_callback(module: &str, function: &str) -> Result<(), UnknownCallback> {
    if callbacks()
        .iter()
        .any(|(m, f)| *m == module && *f == function)
    {
        return Ok(());
    }
    let exists_other = bifs::names().any(|(m, f, _)| m == module && f == function);
    let module_known = bifs::names().any(|(m, _, _)| m == module);
    let (message, help) = if exists_other {
        (
            format!(
                "`{module}:{function}` cannot be used as a substitution or callback: it does not take {{Pid, DynVars}}"
            ),
            Some("call it from a <setdynvars sourcetype=\"eval\"> snippet instead".to_string()),
        )
    } else if module_known {
        let similar = callbacks()
            .iter()
            .filter(|(m, _)| *m == module)
            .map(|(m, f)| (strsim::jaro_winkler(function, f), format!("{m}:{f}")))
            .filter(|(s, _)| *s > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, n)| format!("did you mean {n}?"));
        (
            format!("function `{module}:{function}` does not exist"),
            similar,
        )
    } else {
        (
            format!("module `{module}` is not available in scenarios (needed by `{module}:{function}`)"),
            Some(
                "Stampede cannot load compiled Erlang modules; use a <setdynvars sourcetype=\"eval\"> snippet or one of Tsung's built-ins"
                    .to_string(),
            ),
        )
    };
    Err(UnknownCallback { message, help })
}

/// Every function snippets can call, as `(module, function, arity)`.
pub fn builtin_functions() -> impl Iterator<Item = (&'static str, &'static str, u8)> {
    bifs::names()
}
