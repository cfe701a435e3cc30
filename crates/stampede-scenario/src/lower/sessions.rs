//! `<sessions>`: each session's share, kind and actions.

use super::attrs::Reported;
use super::{Lower, VarEvent};
use crate::schema::{RUNNABLE_SESSION_TYPES, SESSION_TYPES};
use crate::source::Span;
use crate::xml::Element;
use stampede_model::{Session, SessionId, SessionKind, Share};

/// A session as declared, runnable or not (for shares and name references).
#[derive(Clone, Debug)]
pub(crate) struct SessionEntry {
    pub name: String,
    pub name_span: Span,
    /// `None` when it was not valid (reported).
    pub share: Option<Share>,
    /// The `probability` or `weight` attribute.
    pub share_span: Span,
    /// The model's id, for sessions Stampede runs.
    pub id: Option<SessionId>,
}

type SessionsOut = (Vec<Session>, Vec<SessionEntry>, Vec<Vec<VarEvent>>);

pub(crate) fn sessions(el: &Element, cx: &mut Lower<'_>) -> SessionsOut {
    let mut sessions = Vec::new();
    let mut entries: Vec<SessionEntry> = Vec::new();
    let mut events = Vec::new();
    for s in el.children_named("session") {
        let name = s.value("name").unwrap_or("").to_owned();
        let kind = s.value("type").unwrap_or("").to_owned();
        let share = share(s, cx).ok();
        let share_span = if s.attr("weight").is_some() {
            s.value_span("weight")
        } else {
            s.value_span("probability")
        };
        if let Some(prev) = entries.iter().find(|e| e.name == name) {
            let (l, c) = cx.sources.line_col(prev.name_span);
            cx.diags
                .warning(
                    "duplicate-session",
                    s.value_span("name"),
                    format!("a session named `{name}` already exists"),
                )
                .note(format!(
                    "the first one is at line {l}, column {c}; `<user session>` refers to it"
                ));
        }
        let mut entry = SessionEntry {
            name: name.clone(),
            name_span: s.value_span("name"),
            share,
            share_span,
            id: None,
        };
        let runnable = RUNNABLE_SESSION_TYPES.contains(&kind.as_str());
        if !runnable {
            if SESSION_TYPES.contains(&kind.as_str()) {
                cx.diags
                    .error(
                        "unsupported-protocol",
                        s.value_span("type"),
                        format!("sessions of type {kind} are not supported: Stampede runs HTTP scenarios"),
                    )
                    .help("only `ts_http` and `ts_webdav` sessions can run");
            }
            entries.push(entry);
            continue;
        }
        let id = SessionId(sessions.len() as u32);
        entry.id = Some(id);
        entries.push(entry);
        cx.events = Vec::new();
        cx.session_kind = if kind == "ts_webdav" {
            SessionKind::Webdav
        } else {
            SessionKind::Http
        };
        cx.previous_absolute = false;
        let actions = cx.actions(s, id, super::actions::Parent::Session);
        let persistent = cx.bool_atom(s, "persistent", true);
        let bidi = cx.bool_atom(s, "bidi", false);
        sessions.push(Session {
            id,
            name,
            share: share.unwrap_or(Share::Probability(0.0)),
            kind: cx.session_kind,
            persistent,
            bidi,
            actions,
            location: cx.loc(s.name_span),
        });
        events.push(std::mem::take(&mut cx.events));
    }
    (sessions, entries, events)
}

/// Tsung's `get_popularity`: probability or weight, never both, never mixed across sessions.
fn share(s: &Element, cx: &mut Lower<'_>) -> Result<Share, Reported> {
    let probability = cx.number(s, "probability")?;
    let weight = cx.number(s, "weight")?;
    match (probability, weight) {
        (None, None) => {
            cx.diags
                .error(
                    "missing-share",
                    s.name_span,
                    "a session needs `probability` (a percentage) or `weight`",
                )
                .help("e.g. `probability=\"100\"` for a single session");
            Err(Reported)
        }
        (Some(_), Some(_)) => {
            cx.diags
                .error(
                    "mixed-shares",
                    s.attr_span("weight"),
                    "a session takes `probability` or `weight`, not both",
                )
                .note("Tsung refuses it: \"can't mix probabilities and weights\"");
            Err(Reported)
        }
        (Some(p), None) => {
            if cx.use_weights == Some(true) {
                cx.diags
                    .error(
                        "mixed-shares",
                        s.attr_span("probability"),
                        "this session uses `probability` but earlier ones use `weight`",
                    )
                    .help("use weights everywhere, or probabilities everywhere");
                return Err(Reported);
            }
            cx.use_weights = Some(false);
            Ok(Share::Probability(p))
        }
        (None, Some(w)) => {
            if cx.use_weights == Some(false) {
                cx.diags
                    .error(
                        "mixed-shares",
                        s.attr_span("weight"),
                        "this session uses `weight` but earlier ones use `probability`",
                    )
                    .help("use weights everywhere, or probabilities everywhere");
                return Err(Reported);
            }
            cx.use_weights = Some(true);
            Ok(Share::Weight(w))
        }
    }
}
