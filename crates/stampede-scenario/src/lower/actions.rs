//! The action tree of a session: thinktimes, transactions, loops, conditions, options.

use super::text::{Mode, Place, has_markers};
use super::{Lower, UseKind, VarEvent};
use crate::erlang;
use crate::source::Span;
use crate::xml::Element;
use stampede_model::{
    AbortScope, Action, ChangeType, CmpOp, Condition, ForBound, ForLoop, Foreach, ForeachFilter,
    If, Interaction, InteractionKind, LoopCondition, LoopKind, Pattern, RateLimit, Repeat,
    SessionId, SetOption, Template, Transaction, VarRef,
};
use std::time::Duration;

/// Where a list of actions sits (for messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Parent {
    Session,
    Other,
}

impl Lower<'_> {
    /// Lowers the action children of `el`.
    pub(crate) fn actions(
        &mut self,
        el: &Element,
        session: SessionId,
        parent: Parent,
    ) -> Vec<Action> {
        let _ = parent;
        let mut out = Vec::new();
        for child in el.elements() {
            if let Some(a) = self.action(child, session) {
                out.push(a);
            }
        }
        out
    }

    fn action(&mut self, el: &Element, session: SessionId) -> Option<Action> {
        match el.name.as_str() {
            "request" => self
                .request(el, session)
                .map(|r| Action::Request(Box::new(r))),
            "thinktime" => self.thinktime(el).map(Action::Thinktime),
            "transaction" => self.transaction_el(el, session),
            "setdynvars" => self.setdynvars(el).map(Action::SetDynVars),
            "for" => self.for_loop(el, session),
            "repeat" => self.repeat(el, session),
            "if" => self.if_el(el, session),
            "foreach" => self.foreach(el, session),
            "change_type" => self.change_type(el),
            "set_option" => self.set_option(el),
            "interaction" => self.interaction(el),
            "abort" => Some(Action::Abort(match el.value("type") {
                Some("all") => AbortScope::All,
                _ => AbortScope::Session,
            })),
            "while" | "until" => {
                self.diags
                    .warning(
                        "ignored-element",
                        el.name_span,
                        format!("`<{}>` is ignored here: it only counts as the last child of `<repeat>`", el.name),
                    )
                    .note("Tsung ignores it too");
                None
            }
            _ => None,
        }
    }

    /// A transaction or interaction name becomes the Erlang atom `tr_<name>` in Tsung.
    fn tr_name_ok(&mut self, name: &str, span: Span, what: &str) -> bool {
        let ok = name.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || c == '_'
                || c == '@'
                || (('\u{c0}'..='\u{ff}').contains(&c) && c != '\u{d7}' && c != '\u{f7}')
        });
        if !ok {
            let suggestion: String = name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            self.diags
                .error(
                    "bad-name",
                    span,
                    format!("{what} `{name}` cannot be used: Tsung names its statistic `tr_{name}`, which must be one Erlang atom"),
                )
                .help(format!("use letters, digits and `_`, e.g. `{suggestion}`"))
                .note("Tsung stops with a parse error on this name");
        }
        ok
    }

    fn transaction_el(&mut self, el: &Element, session: SessionId) -> Option<Action> {
        let name = el.value("name")?.to_owned();
        let span = el.value_span("name");
        let ok = self.tr_name_ok(&name, span, "transaction name");
        let id = self.transaction(&name, span);
        let body = self.actions(el, session, Parent::Other);
        ok.then_some(Action::Transaction(Transaction { id, body }))
    }

    fn interaction(&mut self, el: &Element) -> Option<Action> {
        let name = el.value("id")?.to_owned();
        let span = el.value_span("id");
        if !self.tr_name_ok(&name, span, "interaction id") {
            return None;
        }
        let kind = match el.value("action") {
            Some("receive") => InteractionKind::Receive,
            _ => InteractionKind::Send,
        };
        let id = self.transaction(&name, span);
        Some(Action::Interaction(Interaction { kind, id }))
    }

    /// A variable name Tsung reads as an atom; returns its id.
    fn atom_var(&mut self, el: &Element, attr: &str, what: &str) -> Option<stampede_model::VarId> {
        let a = el.attr(attr)?;
        let span = a.value_span;
        match erlang::atom(&a.value) {
            Some(name) => Some(self.var(&name, span)),
            None => {
                let value = a.value.clone();
                self.bad_atom(&value, span, what);
                None
            }
        }
    }

    fn for_loop(&mut self, el: &Element, session: SessionId) -> Option<Action> {
        let var = self.atom_var(el, "var", "a `for` variable");
        let from = self.for_bound(el, "from");
        let to = self.for_bound(el, "to");
        let incr = self.int_or(el, "incr", 1);
        if incr == Some(0) {
            self.diags
                .error(
                    "bad-loop",
                    el.value_span("incr"),
                    "`incr=\"0\"` makes the loop endless",
                )
                .help("use a positive increment");
        }
        if let (Some(ForBound::Const(f)), Some(ForBound::Const(t))) = (&from, &to)
            && f > t
        {
            self.diags
                .warning(
                    "bad-loop",
                    el.value_span("from"),
                    format!("`from` ({f}) is greater than `to` ({t}): the body still runs once"),
                )
                .note("Tsung tests the bound after each pass");
        }
        if let Some(v) = var {
            self.events.push(VarEvent::Def(v, el.value_span("var")));
        }
        self.events.push(VarEvent::LoopStart);
        let body = self.actions(el, session, Parent::Other);
        self.events.push(VarEvent::LoopEnd);
        Some(Action::For(ForLoop {
            var: var?,
            from: from?,
            to: to?,
            incr: incr.filter(|i| *i > 0)?,
            body,
        }))
    }

    /// `from`/`to`: an integer, or text starting with `%%_` read when the loop starts.
    fn for_bound(&mut self, el: &Element, name: &str) -> Option<ForBound> {
        let attr = el.attr(name)?;
        if attr.value.starts_with("%%_") {
            let t = self.template_in(
                &attr.value,
                &Place::Attr(attr),
                Mode::Subst,
                &format!("`{name}` bound"),
            );
            return Some(ForBound::Dynamic(t));
        }
        match erlang::integer(&attr.value) {
            Ok(v) => Some(ForBound::Const(v)),
            Err(e) => {
                let value = attr.value.clone();
                self.diags
                    .error(
                        "bad-loop",
                        attr.value_span,
                        format!("`{name}=\"{value}\"` is neither a whole number nor a `%%_variable%%`"),
                    )
                    .note(match e {
                        erlang::NumError::Signed => "Tsung reads a signed number as text here and runs the body once with that text",
                        _ => "Tsung reads it as text and the loop runs its body once",
                    })
                    .help("write a non-negative whole number, or `%%_name%%`");
                None
            }
        }
    }

    /// The comparison of `if`, `while` and `until`: exactly one of eq/neq/gt/gte/lt/lte.
    fn comparison(&mut self, el: &Element, var: VarRef, substitute: bool) -> Option<Condition> {
        let ops = [
            ("eq", CmpOp::Eq),
            ("neq", CmpOp::Neq),
            ("gt", CmpOp::Gt),
            ("gte", CmpOp::Gte),
            ("lt", CmpOp::Lt),
            ("lte", CmpOp::Lte),
        ];
        let present: Vec<(&str, CmpOp)> = ops
            .iter()
            .copied()
            .filter(|(n, _)| el.attr(n).is_some())
            .collect();
        let [(name, op)] = present[..] else {
            let msg = if present.is_empty() {
                format!(
                    "`<{}>` needs one comparison: eq, neq, gt, gte, lt or lte",
                    el.name
                )
            } else {
                format!("`<{}>` takes only one comparison", el.name)
            };
            self.diags
                .error("bad-condition", el.name_span, msg)
                .note("Tsung stops with a parse error");
            return None;
        };
        let attr = el.attr(name)?;
        let value = if substitute && has_markers(&attr.value) {
            self.template_in(
                &attr.value,
                &Place::Attr(attr),
                Mode::Subst,
                "comparison value",
            )
        } else {
            if !substitute && has_markers(&attr.value) {
                self.diags
                    .warning(
                        "literal-marker",
                        attr.value_span,
                        format!("`{}` is compared as written: Tsung does not substitute the values of `<{}>`", attr.value, el.name),
                    )
                    .help("compare with a constant, or move the test into an `<if>`, whose value is substituted");
            }
            Template::literal(attr.value.as_bytes().to_vec())
        };
        Some(Condition { var, op, value })
    }

    fn if_el(&mut self, el: &Element, session: SessionId) -> Option<Action> {
        let var = self.var_ref(el)?;
        let test = self.comparison(el, var, true);
        let body = self.actions(el, session, Parent::Other);
        Some(Action::If(If { test: test?, body }))
    }

    /// `var="name"` or `var="list[N]"` (Tsung's `get_dynvar_name`).
    fn var_ref(&mut self, el: &Element) -> Option<VarRef> {
        let attr = el.attr("var")?;
        let raw = attr.value.as_str();
        let span = attr.value_span;
        let (name, index) = match raw.strip_suffix(']').and_then(|r| r.rsplit_once('[')) {
            Some((n, i))
                if !n.is_empty() && !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()) =>
            {
                (n, i.parse::<u32>().ok())
            }
            _ => (raw, None),
        };
        let id = self.var(name, span);
        self.events.push(VarEvent::Use(id, span, UseKind::If));
        Some(VarRef { var: id, index })
    }

    fn repeat(&mut self, el: &Element, session: SessionId) -> Option<Action> {
        let name = el.value("name")?.to_owned();
        let max_repeat = self.u32_or(el, "max_repeat", 20);
        let children: Vec<&Element> = el.elements().collect();
        let (last, body_els) = children.split_last()?;
        if !matches!(last.name.as_str(), "while" | "until") {
            self.diags
                .error(
                    "repeat-condition",
                    last.name_span,
                    "the last element inside `<repeat>` must be `<while>` or `<until>`",
                )
                .help("end the loop with e.g. `<until var=\"done\" eq=\"true\"/>`")
                .note("Tsung refuses the scenario");
            return None;
        }
        let counter = self.var(&name, el.value_span("name"));
        self.events.push(VarEvent::LoopStart);
        let mut body = Vec::new();
        for child in body_els {
            if let Some(a) = self.action(child, session) {
                body.push(a);
            }
        }
        let cond_var = self.atom_var(last, "var", "the variable of a loop condition");
        if let Some(v) = cond_var {
            self.events
                .push(VarEvent::Use(v, last.value_span("var"), UseKind::Repeat));
        }
        self.events
            .push(VarEvent::Def(counter, el.value_span("name")));
        self.events.push(VarEvent::LoopEnd);
        let test = self.comparison(
            last,
            VarRef {
                var: cond_var?,
                index: None,
            },
            false,
        )?;
        let kind = if last.name == "while" {
            LoopKind::While
        } else {
            LoopKind::Until
        };
        Some(Action::Repeat(Repeat {
            name: name.into(),
            max_repeat: max_repeat?,
            body,
            condition: LoopCondition { kind, test },
        }))
    }

    fn foreach(&mut self, el: &Element, session: SessionId) -> Option<Action> {
        let var = self.atom_var(el, "name", "a `foreach` variable");
        let list = self.atom_var(el, "in", "a `foreach` list");
        if let Some(l) = list {
            self.events
                .push(VarEvent::Use(l, el.value_span("in"), UseKind::Foreach));
        }
        let filter = match (el.attr("include"), el.attr("exclude")) {
            (Some(inc), ex) => {
                if ex.is_some() {
                    self.diags.warning(
                        "ignored-attribute",
                        el.attr_span("exclude"),
                        "`exclude` is ignored when `include` is given, as in Tsung",
                    );
                }
                self.compile(&inc.value, inc.value_span, "include")
                    .map(|pattern| ForeachFilter {
                        include: true,
                        pattern,
                    })
            }
            (None, Some(ex)) => self
                .compile(&ex.value, ex.value_span, "exclude")
                .map(|pattern| ForeachFilter {
                    include: false,
                    pattern,
                }),
            (None, None) => None,
        };
        if let Some(v) = var {
            self.events.push(VarEvent::Def(v, el.value_span("name")));
        }
        self.events.push(VarEvent::LoopStart);
        let body = self.actions(el, session, Parent::Other);
        self.events.push(VarEvent::LoopEnd);
        let bad_filter =
            (el.attr("include").is_some() || el.attr("exclude").is_some()) && filter.is_none();
        if bad_filter {
            return None;
        }
        Some(Action::Foreach(Foreach {
            var: var?,
            list: list?,
            filter,
            body,
        }))
    }

    /// Compiles a regular expression, reporting where it fails.
    pub(crate) fn compile(&mut self, source: &str, span: Span, what: &str) -> Option<Pattern> {
        match Pattern::new(source) {
            Ok(p) => Some(p),
            Err(e) => {
                let at = e
                    .offset
                    .filter(|o| *o <= source.len() && span.len() == source.len())
                    .map(|o| {
                        Span::new(
                            span.file,
                            span.start as usize + o,
                            span.start as usize + o + 1,
                        )
                    })
                    .unwrap_or(span);
                self.diags
                    .error(
                        "bad-regex",
                        at,
                        format!(
                            "the regular expression of `{what}` does not compile: {}",
                            e.message
                        ),
                    )
                    .note(format!("expression: {source}"));
                None
            }
        }
    }

    fn change_type(&mut self, el: &Element) -> Option<Action> {
        let new_type = el.value("new_type")?;
        if !crate::schema::RUNNABLE_SESSION_TYPES.contains(&new_type) {
            self.diags
                .error(
                    "unsupported-protocol",
                    el.value_span("new_type"),
                    format!(
                        "switching to {new_type} is not supported: Stampede runs HTTP scenarios"
                    ),
                )
                .help("only `ts_http` and `ts_webdav` can be switched to");
            return None;
        }
        let host = el.value("host")?.to_owned();
        let port = super::infra::port(el, "port", self);
        let st = el.value("server_type")?;
        let kind = match super::infra::server_kind(st) {
            Some(k) if super::infra::http_capable(k) => Some(k),
            Some(k) => {
                self.diags
                    .error(
                        "unsupported",
                        el.value_span("server_type"),
                        format!("a `{}` server cannot carry HTTP", k.as_str()),
                    )
                    .help("use `tcp`, `ssl`, `tcp6` or `ssl6`");
                None
            }
            None => {
                self.diags
                    .error(
                        "bad-value",
                        el.value_span("server_type"),
                        format!("unknown server type `{st}`"),
                    )
                    .help("use `tcp`, `ssl`, `tcp6` or `ssl6`");
                None
            }
        };
        Some(Action::ChangeType(ChangeType {
            host: host.into(),
            port: port?,
            server_kind: kind?,
            store: self.flag(el, "store") == Some(true),
            restore: self.flag(el, "restore") == Some(true),
            bidi: self.flag(el, "bidi") == Some(true),
        }))
    }

    fn set_option(&mut self, el: &Element) -> Option<Action> {
        if let Some(ty) = el.value("type") {
            self.diags
                .error(
                    "unsupported",
                    el.attr_span("type"),
                    format!("`<set_option type=\"{ty}\">` is not supported"),
                )
                .note("Tsung loops forever while reading it");
            return None;
        }
        let name = el.value("name")?;
        match name {
            "rate_limit" => {
                let Ok(Some(rate)) = self.int(el, "value") else {
                    if el.attr("value").is_none() {
                        self.diags.error(
                            "missing-attribute",
                            el.name_span,
                            "`<set_option name=\"rate_limit\">` needs `value` (KB/s)",
                        );
                    }
                    return None;
                };
                let max = self.int_or(el, "max", rate)?;
                Some(Action::SetOption(SetOption::RateLimit(RateLimit {
                    kbytes_per_second: rate as f64,
                    burst_kbytes: max as f64,
                })))
            }
            "connect_timeout" => {
                let Ok(Some(ms)) = self.int(el, "value") else {
                    if el.attr("value").is_none() {
                        self.diags.error(
                            "missing-attribute",
                            el.name_span,
                            "`<set_option name=\"connect_timeout\">` needs `value` (ms)",
                        );
                    }
                    return None;
                };
                Some(Action::SetOption(SetOption::ConnectTimeout(Some(
                    Duration::from_millis(ms as u64),
                ))))
            }
            "certificate" => {
                self.diags
                    .error(
                        "unsupported",
                        el.attr_span("name"),
                        "client certificates are not supported yet: `<set_option \
                         name=\"certificate\">` cannot be honoured",
                    )
                    .help(
                        "remove this element if the server does not require a client \
                         certificate",
                    )
                    .note(
                        "Stampede's HTTP client cannot present a client certificate; running \
                         without it would test something else",
                    );
                None
            }
            other => {
                self.diags
                    .error(
                        "unknown-option",
                        el.value_span("name"),
                        format!("`{other}` cannot be set inside a session"),
                    )
                    .help("a session can set `rate_limit` or `connect_timeout`")
                    .note("Tsung stops with an error on other names");
                None
            }
        }
    }
}
