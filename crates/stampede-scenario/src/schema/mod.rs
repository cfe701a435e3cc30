//! Structural validation, equivalent to the DTD validation Tsung performs before reading a
//! scenario: element nesting and order, known and required attributes, enumerated values.

mod content;
mod tables;

pub(crate) use tables::{PROTOCOL_ELEMENTS, SESSION_TYPES, element};

use crate::diagnostic::{Diags, did_you_mean, one_of};
use crate::xml::{Element, Node};
use content::Automaton;
use std::collections::HashMap;
use tables::{AttrType, Content, ElementDef, element_names};

/// Session types Stampede runs; the insides of other sessions are not checked.
pub(crate) const RUNNABLE_SESSION_TYPES: &[&str] = &["ts_http", "ts_webdav"];

/// Checks the tree and normalises tokenised attribute values (surrounding spaces dropped,
/// inner runs collapsed), as an XML validator does.
pub(crate) fn validate(root: &mut Element, diags: &mut Diags) {
    if root.name != "tsung" {
        diags
            .error(
                "wrong-root",
                root.name_span,
                format!(
                    "the root element is `<{}>`; a Tsung scenario starts with `<tsung>`",
                    root.name
                ),
            )
            .help_opt(
                did_you_mean(&root.name, ["tsung"]).map(|s| format!("did you mean `<{s}>`?")),
            );
        return;
    }
    let mut v = Validator {
        diags,
        automata: HashMap::new(),
    };
    v.element(root, None);
}

struct Validator<'d> {
    diags: &'d mut Diags,
    automata: HashMap<&'static str, Automaton>,
}

impl Validator<'_> {
    fn element(&mut self, el: &mut Element, parent: Option<&'static ElementDef>) {
        let Some(def) = element(&el.name) else {
            self.unknown_element(el, parent);
            return;
        };
        self.attributes(el, def);
        match def.content {
            Content::Foreign => {}
            Content::Empty => self.empty(el),
            Content::Text => self.text_only(el),
            Content::Model(_) => {
                if def.name == "session" && !is_runnable_session(el) {
                    return;
                }
                self.children(el, def);
            }
        }
    }

    fn unknown_element(&mut self, el: &Element, parent: Option<&'static ElementDef>) {
        let allowed: Vec<&'static str> = parent
            .and_then(|p| match p.content {
                Content::Model(m) => Some(m.names()),
                _ => None,
            })
            .unwrap_or_default();
        let suggestion = did_you_mean(&el.name, allowed.iter().copied())
            .or_else(|| did_you_mean(&el.name, element_names()));
        let help = match (suggestion, parent) {
            (Some(s), _) => format!("did you mean `<{s}>`?"),
            (None, Some(p)) if !allowed.is_empty() => {
                format!("`<{}>` may contain {}", p.name, tags(&allowed))
            }
            _ => "remove it".to_owned(),
        };
        self.diags
            .error(
                "unknown-element",
                el.name_span,
                format!("unknown element `<{}>`", el.name),
            )
            .help(help);
    }

    fn attributes(&mut self, el: &mut Element, def: &'static ElementDef) {
        if matches!(def.content, Content::Foreign) {
            return;
        }
        for attr in &mut el.attrs {
            let Some(adef) = def.attr(&attr.name) else {
                let names: Vec<&str> = def.attrs.iter().map(|a| a.name).collect();
                let help = match did_you_mean(&attr.name, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if names.is_empty() => format!("`<{}>` takes no attributes", def.name),
                    None => format!("`<{}>` takes {}", def.name, one_of(&names)),
                };
                self.diags
                    .error(
                        "unknown-attribute",
                        attr.name_span,
                        format!("`<{}>` has no attribute `{}`", def.name, attr.name),
                    )
                    .help(help);
                continue;
            };
            match adef.ty {
                AttrType::Cdata => {}
                AttrType::Nmtoken => {
                    attr.collapse_whitespace();
                    if let Some(bad) = attr.value.chars().find(|&c| !is_name_char(c)) {
                        let shown = if bad == ' ' {
                            "a space".to_owned()
                        } else {
                            format!("`{bad}`")
                        };
                        self.diags
                            .error(
                                "bad-nmtoken",
                                attr.value_span,
                                format!(
                                    "`{}=\"{}\"` contains {shown}, which a name token cannot hold",
                                    attr.name, attr.value
                                ),
                            )
                            .help(
                                "this attribute takes a single word made of letters, digits, \
                                 `.`, `-`, `_` and `:` (Tsung's DTD refuses anything else)",
                            );
                    }
                }
                AttrType::Enum(values) => {
                    attr.collapse_whitespace();
                    if !values.contains(&attr.value.as_str()) {
                        let help = match did_you_mean(&attr.value, values.iter().copied()) {
                            Some(s) => format!("did you mean `{s}`? Allowed: {}", one_of(values)),
                            None => format!("allowed values: {}", one_of(values)),
                        };
                        self.diags
                            .error(
                                "bad-value",
                                attr.value_span,
                                format!(
                                    "`{}` is not a valid value for `{}` of `<{}>`",
                                    attr.value, attr.name, def.name
                                ),
                            )
                            .help(help);
                    }
                }
            }
        }
        for adef in def.attrs.iter().filter(|a| a.required) {
            if el.attr(adef.name).is_none() {
                self.diags.error(
                    "missing-attribute",
                    el.name_span,
                    format!("`<{}>` needs a `{}` attribute", def.name, adef.name),
                );
            }
        }
    }

    fn empty(&mut self, el: &Element) {
        for node in &el.children {
            match node {
                Node::Element(child) => {
                    self.diags
                        .error(
                            "misplaced-element",
                            child.name_span,
                            format!("`<{}>` cannot contain other elements", el.name),
                        )
                        .help(format!("close `<{}>` before `<{}>`", el.name, child.name));
                }
                Node::Text(t) => self.stray_text(el, t),
                Node::Break => {}
            }
        }
    }

    fn text_only(&mut self, el: &Element) {
        for node in &el.children {
            if let Node::Element(child) = node {
                self.diags.error(
                    "misplaced-element",
                    child.name_span,
                    format!(
                        "`<{}>` holds text only; it cannot contain `<{}>`",
                        el.name, child.name
                    ),
                );
            }
        }
    }

    fn stray_text(&mut self, el: &Element, t: &crate::xml::Text) {
        let trimmed = t.text.trim();
        if trimmed.is_empty() {
            return;
        }
        let shown: String = trimmed.chars().take(30).collect();
        let ellipsis = if trimmed.chars().count() > 30 {
            "…"
        } else {
            ""
        };
        self.diags.error(
            "unexpected-text",
            trimmed_span(t),
            format!(
                "text `{shown}{ellipsis}` is not allowed inside `<{}>`",
                el.name
            ),
        );
    }

    fn children(&mut self, el: &mut Element, def: &'static ElementDef) {
        let Content::Model(model) = def.content else {
            return;
        };
        let automaton = self
            .automata
            .entry(def.name)
            .or_insert_with(|| Automaton::new(model));
        let mut set = automaton.initial();
        let mut misplaced: Vec<&str> = Vec::new();
        let mut problems: Vec<(crate::source::Span, String, String, &'static str)> = Vec::new();
        let known_names = model.names();
        for (index, node) in el.children.iter().enumerate() {
            let child = match node {
                Node::Element(c) => c,
                Node::Text(t) => {
                    let trimmed = t.text.trim();
                    if !trimmed.is_empty() {
                        let shown: String = trimmed.chars().take(30).collect();
                        problems.push((
                            trimmed_span(t),
                            format!("text `{shown}` is not allowed inside `<{}>`", el.name),
                            "only elements and comments go here".to_owned(),
                            "unexpected-text",
                        ));
                    }
                    continue;
                }
                Node::Break => continue,
            };
            if element(&child.name).is_none() {
                continue; // reported as unknown when the child is visited
            }
            let next = automaton.step(&set, &child.name);
            if !next.is_empty() {
                set = next;
                continue;
            }
            if !known_names.contains(&child.name.as_str()) {
                problems.push((
                    child.name_span,
                    format!("`<{}>` is not allowed inside `<{}>`", child.name, el.name),
                    format!("`<{}>` may contain {}", el.name, tags(&known_names)),
                    "misplaced-element",
                ));
                continue;
            }
            // A required element missing just before this one?
            let expected = automaton.expected(&set);
            let fix = expected.iter().find_map(|&e| {
                let after = automaton.step(&automaton.step(&set, e), &child.name);
                (!after.is_empty()).then_some((e, after))
            });
            if let Some((missing, after)) = fix
                && !el.elements().any(|c| c.name == missing)
            {
                problems.push((
                    child.name_span,
                    format!(
                        "`<{}>` is missing `<{missing}>` before `<{}>`",
                        el.name, child.name
                    ),
                    format!("the children of `<{}>` must follow {model}", el.name),
                    "missing-element",
                ));
                set = after;
                continue;
            }
            misplaced.push(
                known_names
                    .iter()
                    .copied()
                    .find(|n| *n == child.name)
                    .unwrap_or("?"),
            );
            let hint = match model {
                content::Particle::Seq(_) => order_hint(el, index, &known_names),
                _ => None,
            };
            let help = match (hint, expected.is_empty()) {
                (Some(h), _) => format!("{h}: the children of `<{}>` follow {model}", el.name),
                (None, true) => format!(
                    "nothing more may follow here; the children of `<{}>` must follow {model}",
                    el.name
                ),
                (None, false) => format!(
                    "expected {} here; the children of `<{}>` must follow {model}",
                    tags(&expected),
                    el.name
                ),
            };
            problems.push((
                child.name_span,
                format!("`<{}>` is out of place inside `<{}>`", child.name, el.name),
                help,
                "misplaced-element",
            ));
        }
        let has_unknown = el.elements().any(|c| element(&c.name).is_none());
        if !automaton.accepts(&set) && !has_unknown {
            let expected: Vec<&str> = automaton
                .expected(&set)
                .into_iter()
                .filter(|n| !misplaced.contains(n))
                .collect();
            if !expected.is_empty() {
                let msg = if el.elements().next().is_none() && expected.len() == 1 {
                    format!("`<{}>` needs at least one `<{}>`", el.name, expected[0])
                } else {
                    format!("`<{}>` is missing {}", el.name, tags(&expected))
                };
                problems.push((
                    el.name_span,
                    msg,
                    format!("the children of `<{}>` must follow {model}", el.name),
                    "missing-element",
                ));
            }
        }
        for (span, msg, help, code) in problems {
            self.diags.error(code, span, msg).help(help);
        }
        for node in &mut el.children {
            if let Node::Element(child) = node {
                self.element(child, Some(def));
            }
        }
    }
}

/// Whether a session is of a type Stampede runs (or has no valid type, in which case its
/// content is still checked).
pub(crate) fn is_runnable_session(session: &Element) -> bool {
    match session.value("type") {
        Some(t) => RUNNABLE_SESSION_TYPES.contains(&t) || !SESSION_TYPES.contains(&t),
        None => true,
    }
}

/// The span of a text node without its surrounding white space (when positions are exact).
fn trimmed_span(t: &crate::xml::Text) -> crate::source::Span {
    let lead = t.text.len() - t.text.trim_start().len();
    let len = t.text.trim().len();
    let start = (t.span.start as usize + lead).min(t.span.end as usize);
    let end = (start + len).min(t.span.end as usize);
    crate::source::Span::new(t.span.file, start, end)
}

/// For content models that are sequences: where a misplaced child belongs, from the order
/// of the model's names.
fn order_hint(el: &Element, child_index: usize, names: &[&str]) -> Option<String> {
    let name = match el.children.get(child_index) {
        Some(Node::Element(c)) => c.name.as_str(),
        _ => return None,
    };
    let rank = |n: &str| names.iter().position(|m| *m == n);
    let own = rank(name)?;
    let before: Vec<&Element> = el.children[..child_index]
        .iter()
        .filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
        .collect();
    if let Some(later) = before
        .iter()
        .find(|p| rank(&p.name).is_some_and(|r| r > own))
    {
        return Some(format!("`<{name}>` must come before `<{}>`", later.name));
    }
    let present = |n: &str| el.elements().any(|e| e.name == n);
    let prev = names[..own]
        .iter()
        .rev()
        .find(|n| present(n))
        .or(names[..own].last())?;
    Some(format!("`<{name}>` must come after `<{prev}>`"))
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '\u{B7}')
}

fn tags(names: &[&str]) -> String {
    let tagged: Vec<String> = names.iter().map(|n| format!("<{n}>")).collect();
    let refs: Vec<&str> = tagged.iter().map(String::as_str).collect();
    one_of(&refs)
}
