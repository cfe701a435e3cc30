//! Compile diagnostics and run-time errors.

use std::fmt;

use crate::lexer::Pos;
use crate::value::Value;

/// How serious a [`Diagnostic`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The snippet cannot run.
    Error,
    /// The snippet runs, but this part fails or misbehaves whenever it is reached.
    Warning,
}

/// One message about a snippet, positioned within the snippet's text (1-based).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, naming the object (`unknown function lists:revers/1`).
    pub message: String,
    /// 1-based line within the snippet.
    pub line: u32,
    /// 1-based column (in characters) within the line.
    pub column: u32,
    /// How to fix it, when there is something to say.
    pub help: Option<String>,
}

impl Diagnostic {
    pub(crate) fn error(message: impl Into<String>, pos: Pos) -> Self {
        Self {
            severity: Severity::Error,
            message: message.into(),
            line: pos.line,
            column: pos.column,
            help: None,
        }
    }

    pub(crate) fn warning(message: impl Into<String>, pos: Pos) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(message, pos)
        }
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}:{}: {sev}: {}", self.line, self.column, self.message)?;
        if let Some(h) = &self.help {
            write!(f, " (help: {h})")?;
        }
        Ok(())
    }
}

/// Why a snippet did not compile: at least one error-level diagnostic (warnings found on the
/// way are included too).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct CompileError {
    /// Every diagnostic, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// The class of an Erlang exception.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExceptionClass {
    /// `error:Reason` (badarg, badmatch, …).
    Error,
    /// `throw:Value`.
    Throw,
    /// `exit:Reason`.
    Exit,
}

impl ExceptionClass {
    /// The class's atom name.
    pub fn name(self) -> &'static str {
        match self {
            ExceptionClass::Error => "error",
            ExceptionClass::Throw => "throw",
            ExceptionClass::Exit => "exit",
        }
    }
}

/// Which resource bound a snippet ran into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitKind {
    /// Too many evaluation steps ([`crate::Limits::max_reductions`]).
    Reductions,
    /// Too many list cells, tuple elements or binary bytes built ([`crate::Limits::max_heap_cells`]).
    Heap,
    /// Too deep a nesting of non-tail calls ([`crate::Limits::max_depth`]).
    Depth,
}

impl fmt::Display for LimitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LimitKind::Reductions => "reduction limit",
            LimitKind::Heap => "memory limit",
            LimitKind::Depth => "call depth limit",
        })
    }
}

/// Why running a snippet failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum EvalError {
    /// An uncaught Erlang exception; Tsung would have crashed the user here.
    #[error("{}", describe_exception(*class, reason, context.as_deref(), *line, *column))]
    Exception {
        /// error, throw or exit.
        class: ExceptionClass,
        /// The exception's reason (`badarg`, `{badmatch, false}`, …).
        reason: Value,
        /// The function that raised it, when known (`re:replace/4`).
        context: Option<String>,
        /// 1-based line in the snippet of the expression that failed, when known.
        line: Option<u32>,
        /// 1-based column of that expression, when known.
        column: Option<u32>,
    },
    /// The snippet ran into one of its [`crate::Limits`] and was stopped.
    #[error("snippet stopped: {0} exceeded")]
    LimitExceeded(LimitKind),
}

fn describe_exception(
    class: ExceptionClass,
    reason: &Value,
    context: Option<&str>,
    line: Option<u32>,
    column: Option<u32>,
) -> String {
    let mut s = format!("{}:{}", class.name(), reason.to_pretty());
    if let Some(c) = context {
        s.push_str(&format!(" in {c}"));
    }
    if let (Some(l), Some(c)) = (line, column) {
        s.push_str(&format!(" at {l}:{c}"));
    }
    s
}
