//! `<setdynvars sourcetype="eval" code="…">`: the snippet is compiled with
//! [`stampede_erl::compile`] when the scenario loads. Its errors and warnings point into the
//! XML file: snippet lines and columns are mapped back through the attribute value's
//! normalisation (quotes, references such as `&quot;` or `&#10;`, line breaks turned into
//! spaces). The variables it reads by a literal name are recorded for the definedness checks.

use super::{Lower, UseKind, VarEvent};
use crate::snippet;
use crate::xml::Attr;
use stampede_erl::Severity;
use stampede_model::ErlCode;

impl Lower<'_> {
    /// Compiles the snippet in `attr` (a `code` attribute), reporting its diagnostics.
    /// `None` when it does not compile.
    pub(crate) fn eval_code(&mut self, attr: &Attr) -> Option<ErlCode> {
        let code = attr.value.as_str();
        let sources = self.sources;
        let file_text = sources
            .file(attr.value_span.file)
            .map_or("", |f| f.text.as_str());
        let (compiled, found) = match stampede_erl::compile(code) {
            Ok(snippet) => (true, snippet.warnings().to_vec()),
            Err(e) => (false, e.diagnostics),
        };
        for d in found {
            let start = snippet::offset_of(code, d.line, d.column);
            let end = snippet::token_end(code, start);
            let span = attr.source_span(start, end, file_text);
            let draft = match d.severity {
                Severity::Error => self.diags.error("erlang-snippet", span, d.message),
                Severity::Warning => self.diags.warning("erlang-snippet", span, d.message),
            };
            draft.help_opt(d.help);
        }
        if !compiled {
            return None;
        }
        for lookup in snippet::dynvar_lookups(code) {
            let span = attr.source_span(lookup.start, lookup.end, file_text);
            let id = self.var(&lookup.name, span);
            self.events.push(VarEvent::Use(id, span, UseKind::Snippet));
        }
        Some(ErlCode {
            source: code.into(),
            location: self.loc(attr.value_span),
        })
    }
}
