//! Whole-scenario checks that need everything lowered: variables that nothing sets or that
//! are read before being set, and session shares.

use crate::diagnostic::{Diags, did_you_mean};
use crate::lower::{Lowered, UseKind, VarEvent};
use crate::source::{SourceMap, Span};
use stampede_model::{ErrorClass, Share, VarId, VarTable};
use std::collections::{HashMap, HashSet};

pub(crate) fn run(lowered: &Lowered, sources: &SourceMap, diags: &mut Diags) {
    variables(lowered, sources, diags);
    weights(lowered, diags);
}

fn variables(lowered: &Lowered, sources: &SourceMap, diags: &mut Diags) {
    let vars = &lowered.scenario.variables;
    // Which sessions set each variable (for the "set in another session" note).
    let mut set_in: HashMap<VarId, Vec<&str>> = HashMap::new();
    for (session, events) in lowered.scenario.sessions.iter().zip(&lowered.var_events) {
        for e in events {
            if let VarEvent::Def(v, _) = e {
                let list = set_in.entry(*v).or_default();
                if !list.contains(&session.name.as_str()) {
                    list.push(&session.name);
                }
            }
        }
    }
    for (session, events) in lowered.scenario.sessions.iter().zip(&lowered.var_events) {
        let defs: HashMap<VarId, Span> = events
            .iter()
            .filter_map(|e| match e {
                VarEvent::Def(v, s) => Some((*v, *s)),
                _ => None,
            })
            .fold(HashMap::new(), |mut m, (v, s)| {
                m.entry(v).or_insert(s);
                m
            });
        // Variables nothing sets: Tsung runs the scenario anyway, so they are warnings.
        let mut uses: Vec<(VarId, Span, &UseKind, usize)> = Vec::new();
        for e in events {
            if let VarEvent::Use(v, s, kind) = e
                && *v != VarTable::USERID
                && !defs.contains_key(v)
            {
                match uses.iter_mut().find(|(u, _, _, _)| u == v) {
                    Some(entry) => entry.3 += 1,
                    None => uses.push((*v, *s, kind, 0)),
                }
            }
        }
        for (v, span, kind, more) in uses {
            let name = vars.name(v);
            let defined: Vec<&str> = defs
                .keys()
                .map(|d| vars.name(*d))
                .chain(std::iter::once(VarTable::USERID_NAME))
                .collect();
            let help = match did_you_mean(name, defined.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "set it before use, e.g. with `<dyn_variable name=\"{name}\" re=\"…\"/>` in an \
                     earlier request, or `<setdynvars>`"
                ),
            };
            let (what, note) = never_set(name, kind);
            let d = diags
                .warning(
                    "undefined-variable",
                    span,
                    format!(
                        "variable `{name}` is never set in session `{}`: {what}",
                        session.name
                    ),
                )
                .help(help);
            if let Some(note) = note {
                d.note(note);
            }
            if more > 0 {
                d.note(format!("it is used {more} more time(s) in this session"));
            }
            if let Some(others) = set_in.get(&v) {
                d.note(format!(
                    "it is set in session {}, but each user runs one session and has its own variables",
                    others.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
                ));
            }
        }
        // Variables read before the first place that sets them.
        let loop_defs = loop_definitions(events);
        let mut defined: HashSet<VarId> = HashSet::new();
        let mut active: Vec<&HashSet<VarId>> = Vec::new();
        let mut warned: HashSet<VarId> = HashSet::new();
        for (i, e) in events.iter().enumerate() {
            match e {
                VarEvent::LoopStart => {
                    if let Some(set) = loop_defs.get(&i) {
                        active.push(set);
                    }
                }
                VarEvent::LoopEnd => {
                    active.pop();
                }
                VarEvent::Def(v, _) => {
                    defined.insert(*v);
                }
                VarEvent::Use(v, span, kind) => {
                    if *v == VarTable::USERID
                        || defined.contains(v)
                        || active.iter().any(|s| s.contains(v))
                        || !defs.contains_key(v)
                        || !warned.insert(*v)
                    {
                        continue;
                    }
                    let (l, c) = defs.get(v).map(|s| sources.line_col(*s)).unwrap_or((0, 0));
                    diags
                        .warning(
                            "used-before-set",
                            *span,
                            format!(
                                "variable `{}` is read before anything sets it",
                                vars.name(*v)
                            ),
                        )
                        .note(format!(
                            "it is first set at line {l}, column {c}; until then {}",
                            before_set(kind)
                        ));
                }
            }
        }
    }
}

/// What happens when a variable that nothing sets is read this way (the end of the
/// message), and a note when there is more to say.
fn never_set(name: &str, kind: &UseKind) -> (String, Option<String>) {
    let counted = |class: ErrorClass, element: &str| {
        (
            format!("the `<{element}>` finds no value for it"),
            Some(format!(
                "each time a user gets here, an `{}` error is counted",
                class.tsung_name()
            )),
        )
    };
    match kind {
        UseKind::Subst => (
            "Tsung sends the text `undefined` in its place".to_owned(),
            None,
        ),
        UseKind::If => counted(ErrorClass::IfUndef, "if"),
        UseKind::Repeat => counted(ErrorClass::RepeatUndef, "repeat"),
        UseKind::Foreach => counted(ErrorClass::ForeachUndef, "foreach"),
        UseKind::JsonFrom => (
            "`sourcetype=\"jsonpath\"` has no JSON to read".to_owned(),
            Some("Tsung crashed the user here".to_owned()),
        ),
        UseKind::Snippet => (
            format!("`ts_dynvars:lookup({name}, DynVars)` returns `false`"),
            Some(format!(
                "a snippet that expects `{{ok, Value}}` fails there (counted as `{}`)",
                ErrorClass::Eval.tsung_name()
            )),
        ),
    }
}

/// What a read finds before the variable is first set.
fn before_set(kind: &UseKind) -> &'static str {
    match kind {
        UseKind::Subst => "Tsung sends `undefined`",
        UseKind::If | UseKind::Repeat | UseKind::Foreach => "the test finds no value",
        UseKind::JsonFrom => "there is no JSON to read",
        UseKind::Snippet => "`ts_dynvars:lookup` returns `false`",
    }
}

/// For each `LoopStart` index: the variables set anywhere inside that loop.
fn loop_definitions(events: &[VarEvent]) -> HashMap<usize, HashSet<VarId>> {
    let mut out: HashMap<usize, HashSet<VarId>> = HashMap::new();
    let mut open: Vec<usize> = Vec::new();
    for (i, e) in events.iter().enumerate() {
        match e {
            VarEvent::LoopStart => {
                open.push(i);
                out.insert(i, HashSet::new());
            }
            VarEvent::LoopEnd => {
                open.pop();
            }
            VarEvent::Def(v, _) => {
                for start in &open {
                    if let Some(set) = out.get_mut(start) {
                        set.insert(*v);
                    }
                }
            }
            VarEvent::Use(..) => {}
        }
    }
    out
}

/// With weights, at least one session must be able to be picked.
fn weights(lowered: &Lowered, diags: &mut Diags) {
    let entries = &lowered.sessions;
    let weighted = entries
        .iter()
        .all(|e| matches!(e.share, Some(Share::Weight(_))));
    if entries.is_empty()
        || !weighted
        || lowered.scenario.load.phases.is_empty()
        || !lowered.facts.phases_with_setup.is_empty()
    {
        return;
    }
    let total: f64 = entries
        .iter()
        .filter_map(|e| e.share.map(Share::value))
        .sum();
    if total <= 0.0 {
        diags
            .error(
                "probability-sum",
                entries[0].share_span,
                "every session has weight 0: arriving users have no session to run",
            )
            .help("give at least one session a positive weight");
    }
}
