//! Problems found while loading a scenario.

use crate::source::{SourceMap, Span};
use std::fmt;
use std::path::PathBuf;

/// How serious a [`Diagnostic`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The scenario cannot be run.
    Error,
    /// The scenario runs, but probably not as its author expects.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One problem, with where it is and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error (the scenario cannot run) or warning.
    pub severity: Severity,
    /// A stable, kebab-case identifier of the kind of problem (e.g. `unknown-element`), for
    /// tests and tooling.
    pub code: &'static str,
    /// What is wrong, in one sentence.
    pub message: String,
    /// The file the problem is in (`None` for problems not tied to a file).
    pub file: Option<PathBuf>,
    /// 1-based line of the start of `span` (0 when there is no span).
    pub line: u32,
    /// 1-based column, in characters (0 when there is no span).
    pub col: u32,
    /// The offending text.
    pub span: Option<Span>,
    /// What to do about it.
    pub help: Option<String>,
    /// Extra facts that explain the problem.
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// `true` for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// `file:line:col: severity: message` on one line (no source excerpt; see
    /// [`crate::render`] for the full form).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}:{}:{}: ", file.display(), self.line, self.col)?;
        }
        write!(f, "{}: {}", self.severity, self.message)
    }
}

/// A diagnostic under construction; becomes a [`Diagnostic`] when pushed.
#[derive(Debug)]
pub(crate) struct Draft {
    severity: Severity,
    code: &'static str,
    message: String,
    span: Option<Span>,
    help: Option<String>,
    notes: Vec<String>,
}

impl Draft {
    /// Sets the `help:` line.
    pub(crate) fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the `help:` line when there is one.
    pub(crate) fn help_opt(&mut self, help: Option<String>) -> &mut Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    /// Adds a `note:` line.
    pub(crate) fn note(&mut self, note: impl Into<String>) -> &mut Self {
        self.notes.push(note.into());
        self
    }
}

/// Collects diagnostics during a load.
#[derive(Debug, Default)]
pub(crate) struct Diags {
    drafts: Vec<Draft>,
}

impl Diags {
    pub(crate) fn error(
        &mut self,
        code: &'static str,
        span: impl Into<Option<Span>>,
        message: impl Into<String>,
    ) -> &mut Draft {
        self.push(Severity::Error, code, span.into(), message.into())
    }

    pub(crate) fn warning(
        &mut self,
        code: &'static str,
        span: impl Into<Option<Span>>,
        message: impl Into<String>,
    ) -> &mut Draft {
        self.push(Severity::Warning, code, span.into(), message.into())
    }

    fn push(
        &mut self,
        severity: Severity,
        code: &'static str,
        span: Option<Span>,
        message: String,
    ) -> &mut Draft {
        self.drafts.push(Draft {
            severity,
            code,
            message,
            span,
            help: None,
            notes: Vec::new(),
        });
        let last = self.drafts.len() - 1;
        &mut self.drafts[last]
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.drafts.iter().any(|d| d.severity == Severity::Error)
    }

    /// Finishes every draft, sorted by file and position (diagnostics without a span last),
    /// keeping the discovery order between equal positions.
    pub(crate) fn finish(self, sources: &SourceMap) -> Vec<Diagnostic> {
        let mut out: Vec<Diagnostic> = self
            .drafts
            .into_iter()
            .map(|d| {
                let (file, line, col) = match d.span {
                    Some(span) => {
                        let (line, col) = sources.line_col(span);
                        (sources.path(span.file).map(PathBuf::from), line, col)
                    }
                    None => (None, 0, 0),
                };
                Diagnostic {
                    severity: d.severity,
                    code: d.code,
                    message: d.message,
                    file,
                    line,
                    col,
                    span: d.span,
                    help: d.help,
                    notes: d.notes,
                }
            })
            .collect();
        out.sort_by_key(|d| match d.span {
            Some(s) => (0, s.file, s.start),
            None => (1, 0, 0),
        });
        dedup(&mut out);
        out
    }
}

/// Drops exact repeats (same code, place and message), which nested checks can produce.
fn dedup(diags: &mut Vec<Diagnostic>) {
    let mut seen = std::collections::HashSet::new();
    diags.retain(|d| seen.insert((d.code, d.span, d.message.clone())));
}

/// Suggests the closest candidate to `word`, if one is close enough to be a likely typo.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    let mut best: Option<(f64, &'a str)> = None;
    for cand in candidates {
        if cand == word {
            continue;
        }
        let score = if cand.eq_ignore_ascii_case(word) {
            1.0
        } else {
            strsim::jaro_winkler(&lower, &cand.to_ascii_lowercase())
        };
        if score >= 0.8 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, cand));
        }
    }
    best.map(|(_, c)| c)
}

/// `"a`, `b` or `c"` for messages.
pub(crate) fn one_of(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} or {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let cands = ["thinktime", "transaction", "request"];
        assert_eq!(did_you_mean("thinkTime", cands), Some("thinktime"));
        assert_eq!(did_you_mean("thinktim", cands), Some("thinktime"));
        assert_eq!(did_you_mean("reqest", cands), Some("request"));
        assert_eq!(did_you_mean("zzz", cands), None);
    }

    #[test]
    fn lists() {
        assert_eq!(one_of(&["a"]), "`a`");
        assert_eq!(one_of(&["a", "b", "c"]), "`a`, `b` or `c`");
    }
}
