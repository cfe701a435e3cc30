//! `<load>`: arrival phases, `session_setup` overrides and static users.

use super::Lower;
use super::sessions::SessionEntry;
use crate::diagnostic::did_you_mean;
use crate::source::Span;
use crate::xml::Element;
use stampede_model::{
    ArrivalPhase, Arrivals, Load, Pattern, RateSpec, SessionId, Share, StaticUser, TimeUnit,
};
use std::time::Duration;

/// `<load>` as read, before session names are known.
#[derive(Debug)]
pub(crate) struct RawLoad {
    duration: Option<Duration>,
    duration_span: Option<Span>,
    loop_count: u32,
    phases: Vec<RawPhase>,
    statics: Vec<RawStatic>,
}

#[derive(Debug)]
struct RawPhase {
    number: u32,
    span: Span,
    duration: Duration,
    wait_all_sessions_end: bool,
    arrivals: Option<Arrivals>,
    arrivals_span: Span,
    setups: Vec<RawSetup>,
}

#[derive(Debug)]
struct RawSetup {
    pattern: String,
    span: Span,
    share: Share,
}

#[derive(Debug)]
struct RawStatic {
    pattern: String,
    span: Span,
    start: Duration,
}

fn unit(s: Option<&str>) -> TimeUnit {
    match s {
        Some("millisecond") => TimeUnit::Millisecond,
        Some("minute") => TimeUnit::Minute,
        Some("hour") => TimeUnit::Hour,
        _ => TimeUnit::Second,
    }
}

fn duration_of(value: f64, unit: TimeUnit) -> Duration {
    Duration::try_from_secs_f64(value * unit.seconds()).unwrap_or(Duration::MAX)
}

/// An empty load (when `<load>` is missing; the grammar already reported it).
pub(crate) fn empty() -> Load {
    Load {
        duration: None,
        loop_count: 0,
        phases: Vec::new(),
        static_users: Vec::new(),
    }
}

pub(crate) fn read(el: &Element, cx: &mut Lower<'_>) -> RawLoad {
    let load_unit = unit(el.value("unit"));
    let duration = cx.int_or(el, "duration", 0).filter(|d| *d > 0);
    let loop_count = cx.u32_or(el, "loop", 0).unwrap_or(0);
    let mut raw = RawLoad {
        duration: duration.map(|d| duration_of(d as f64, load_unit)),
        duration_span: duration.map(|_| el.value_span("duration")),
        loop_count,
        phases: Vec::new(),
        statics: Vec::new(),
    };
    for child in el.elements() {
        match child.name.as_str() {
            "arrivalphase" => {
                if let Some(p) = phase(child, cx) {
                    raw.phases.push(p);
                }
            }
            "user" => {
                if let Some(s) = static_user(child, cx) {
                    raw.statics.push(s);
                }
            }
            _ => {}
        }
    }
    raw
}

fn phase(el: &Element, cx: &mut Lower<'_>) -> Option<RawPhase> {
    let number = cx.u32_or(el, "phase", 0);
    let duration = cx.int(el, "duration").ok().flatten();
    let wait = match cx.atom(el, "wait_all_sessions_end") {
        Ok(None) => Some(false),
        Ok(Some(v)) if v == "true" => Some(true),
        Ok(Some(v)) if v == "false" => Some(false),
        Ok(Some(v)) => {
            cx.diags.error(
                "bad-value",
                el.value_span("wait_all_sessions_end"),
                format!("`wait_all_sessions_end=\"{v}\"` must be `true` or `false`"),
            );
            None
        }
        Err(_) => None,
    };
    let phase_unit = unit(el.value("unit"));
    let mut setups = Vec::new();
    let mut arrivals = None;
    let mut arrivals_span = el.name_span;
    let users: Vec<&Element> = el.children_named("users").collect();
    if users.len() > 1 {
        cx.diags
            .warning(
                "ignored-element",
                users[0].name_span,
                "only the last `<users>` of a phase counts",
            )
            .note("Tsung reads each one in turn and keeps the last");
    }
    for child in el.elements() {
        match child.name.as_str() {
            "users" => {
                arrivals_span = child.name_span;
                arrivals = users_rate(child, cx);
            }
            "session_setup" => {
                if let Some(s) = session_setup(child, cx) {
                    setups.push(s);
                }
            }
            _ => {}
        }
    }
    if users.is_empty() {
        cx.diags
            .error(
                "missing-element",
                el.name_span,
                "this phase has no `<users>`: nobody arrives",
            )
            .help("add e.g. `<users arrivalrate=\"1\" unit=\"second\"/>`");
    }
    Some(RawPhase {
        number: number?,
        span: el.value_span("phase"),
        duration: duration_of(duration? as f64, phase_unit),
        wait_all_sessions_end: wait?,
        arrivals,
        arrivals_span,
        setups,
    })
}

fn users_rate(el: &Element, cx: &mut Lower<'_>) -> Option<Arrivals> {
    let u = unit(el.value("unit"));
    let maxnumber = cx.int(el, "maxnumber");
    let inter = cx.number(el, "interarrival");
    let rate = cx.number(el, "arrivalrate");
    let (Ok(maxnumber), Ok(inter), Ok(rate)) = (maxnumber, inter, rate) else {
        return None;
    };
    let maxnumber = maxnumber.map(|m| m as u64);
    if maxnumber == Some(0) {
        cx.diags
            .warning(
                "no-users",
                el.value_span("maxnumber"),
                "`maxnumber=\"0\"`: this phase starts no users",
            )
            .help("remove the phase, or raise maxnumber");
    }
    let spec = match (inter, rate) {
        (Some(_), Some(_)) => {
            cx.diags
                .error(
                    "arrival-rate",
                    el.attr_span("arrivalrate"),
                    "`<users>` takes either `interarrival` or `arrivalrate`, not both",
                )
                .help("keep one of them");
            return None;
        }
        (None, None) => {
            cx.diags
                .error(
                    "arrival-rate",
                    el.name_span,
                    "`<users>` needs `interarrival` (mean time between users) or `arrivalrate` \
                     (users per unit)",
                )
                .help("e.g. `<users arrivalrate=\"10\" unit=\"second\"/>`");
            return None;
        }
        (Some(v), None) => RateSpec::Interarrival { value: v, unit: u },
        (None, Some(v)) => RateSpec::Rate { value: v, unit: u },
    };
    let (value, name) = match spec {
        RateSpec::Interarrival { value, .. } => (value, "interarrival"),
        RateSpec::Rate { value, .. } => (value, "arrivalrate"),
    };
    if value <= 0.0 {
        cx.diags
            .error(
                "arrival-rate",
                el.value_span(name),
                format!("`{name}` must be greater than 0"),
            )
            .note(
                "Tsung refuses it (with the misleading message \"arrivalrate and interarrival \
                 can't be defined simultaneously\")",
            );
        return None;
    }
    let rate_per_second = match spec {
        RateSpec::Interarrival { value, unit } => 1.0 / (value * unit.seconds()),
        RateSpec::Rate { value, unit } => value / unit.seconds(),
    };
    Some(Arrivals {
        rate_per_second,
        maxnumber,
        spec,
    })
}

/// A `probability`/`weight` pair with Tsung's rules for mixing them.
fn session_setup(el: &Element, cx: &mut Lower<'_>) -> Option<RawSetup> {
    let pattern = el.value("name")?.to_owned();
    let weight = cx.number(el, "weight").ok()?;
    let probability = cx.number(el, "probability").ok()?;
    let share = match (cx.use_weights, weight) {
        (None | Some(false), None) => match probability {
            Some(p) => {
                cx.use_weights = Some(false);
                Share::Probability(p)
            }
            None => {
                cx.diags.error(
                    "missing-attribute",
                    el.name_span,
                    "`<session_setup>` needs `probability` (or `weight`)",
                );
                return None;
            }
        },
        (_, Some(w)) => {
            cx.use_weights = Some(true);
            Share::Weight(w)
        }
        (Some(true), None) => {
            cx.diags
                .error(
                    "mixed-shares",
                    el.attr_span("probability"),
                    "this `session_setup` needs a `weight`: weights are already in use",
                )
                .help("use weights everywhere, or probabilities everywhere");
            return None;
        }
    };
    Some(RawSetup {
        pattern,
        span: el.value_span("name"),
        share,
    })
}

fn static_user(el: &Element, cx: &mut Lower<'_>) -> Option<RawStatic> {
    let pattern = el.value("session")?.to_owned();
    let start = match cx.number(el, "start_time") {
        Ok(Some(v)) => v,
        Ok(None) => {
            cx.diags
                .error(
                    "missing-attribute",
                    el.name_span,
                    "a static `<user>` needs `start_time`",
                )
                .note("Tsung stops with an arithmetic error without it");
            return None;
        }
        Err(_) => return None,
    };
    Some(RawStatic {
        pattern,
        span: el.value_span("session"),
        start: duration_of(start, unit(el.value("unit"))),
    })
}

/// Tsung's `ts_utils:wildcard/2`: `^name$` as a regular expression in which the first `*`
/// becomes `.*` and the first `?` becomes `.{1}`.
fn wildcard_regex(pattern: &str) -> String {
    let p = format!("^{}", pattern.replacen('*', ".*", 1));
    format!("{}$", p.replacen('?', ".{1}", 1))
}

fn is_wildcard(pattern: &str) -> bool {
    pattern.contains(['*', '?'])
}

/// The sessions a name or pattern designates (indices into `entries`).
fn expand(
    pattern: &str,
    span: Span,
    entries: &[SessionEntry],
    what: &str,
    cx: &mut Lower<'_>,
) -> Vec<usize> {
    let re = match Pattern::new(&wildcard_regex(pattern)) {
        Ok(re) => re,
        Err(e) => {
            cx.diags.error(
                "bad-pattern",
                span,
                format!("`{pattern}` is not a valid session pattern: {}", e.message),
            );
            return Vec::new();
        }
    };
    let found: Vec<usize> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| re.is_match(e.name.as_bytes()))
        .map(|(i, _)| i)
        .collect();
    if found.is_empty() {
        let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        let help =
            did_you_mean(pattern, names.iter().copied()).map(|s| format!("did you mean `{s}`?"));
        if is_wildcard(pattern) {
            cx.diags
                .warning(
                    "unknown-session",
                    span,
                    format!("{what} `{pattern}` matches no session"),
                )
                .help_opt(help)
                .note("Tsung silently ignores it");
        } else {
            cx.diags
                .error(
                    "unknown-session",
                    span,
                    format!("{what} refers to session `{pattern}`, which does not exist"),
                )
                .help_opt(help.or_else(|| Some(format!("sessions: {}", names.join(", ")))))
                .note("Tsung would silently ignore it");
        }
    }
    found
}

pub(crate) fn resolve(raw: RawLoad, entries: &[SessionEntry], cx: &mut Lower<'_>) -> Load {
    // Phases: unique numbers, sorted.
    let mut phases: Vec<(ArrivalPhase, Span, Span, bool)> = Vec::new();
    let mut seen: Vec<(u32, Span)> = Vec::new();
    let mut reported_plain_sum = false;
    for p in raw.phases {
        if let Some((_, first)) = seen.iter().find(|(n, _)| *n == p.number) {
            let (l, c) = cx.sources.line_col(*first);
            cx.diags
                .error(
                    "duplicate-phase",
                    p.span,
                    format!("phase {} is defined twice", p.number),
                )
                .note(format!("first defined at line {l}, column {c}"))
                .help("give each arrivalphase its own `phase` number");
            continue;
        }
        seen.push((p.number, p.span));
        let mut setup: Vec<(SessionId, Share)> = Vec::new();
        for s in &p.setups {
            for i in expand(&s.pattern, s.span, entries, "session_setup", cx) {
                if let Some(id) = entries[i].id
                    && !setup.iter().any(|(sid, _)| *sid == id)
                {
                    setup.push((id, s.share));
                }
            }
        }
        let has_setup = !p.setups.is_empty();
        // Without overrides every phase has the same total: report it once.
        let check = has_setup || !reported_plain_sum;
        if check && check_phase_sum(&p, entries, cx) && !has_setup {
            reported_plain_sum = true;
        }
        let Some(arrivals) = p.arrivals else {
            continue;
        };
        let _ = p.arrivals_span;
        phases.push((
            ArrivalPhase {
                number: p.number,
                duration: p.duration,
                wait_all_sessions_end: p.wait_all_sessions_end,
                arrivals,
                session_setup: setup,
            },
            p.span,
            p.arrivals_span,
            has_setup,
        ));
    }
    phases.sort_by_key(|(p, ..)| p.number);
    // Static users.
    let mut statics: Vec<(StaticUser, Span)> = Vec::new();
    for s in raw.statics {
        for i in expand(&s.pattern, s.span, entries, "static user", cx) {
            if let Some(id) = entries[i].id {
                statics.push((
                    StaticUser {
                        start: s.start,
                        session: id,
                    },
                    s.span,
                ));
            }
        }
    }
    statics.sort_by_key(|(s, _)| s.start);
    // Things that never start.
    if let (Some(limit), Some(limit_span)) = (raw.duration, raw.duration_span) {
        let mut start = Duration::ZERO;
        for (p, span, _, _) in &phases {
            if start >= limit {
                cx.diags
                    .warning(
                        "phase-never-starts",
                        *span,
                        format!(
                            "phase {} never starts: it would begin {} after the start, but \
                             `<load duration>` stops the test after {}",
                            p.number,
                            crate::explain::fmt_duration(start),
                            crate::explain::fmt_duration(limit)
                        ),
                    )
                    .note(format!(
                        "the test duration is set at {}",
                        cx.sources
                            .path(limit_span.file)
                            .map(|f| {
                                let (l, c) = cx.sources.line_col(limit_span);
                                format!("{}:{l}:{c}", f.display())
                            })
                            .unwrap_or_default()
                    ));
            }
            start = start.saturating_add(p.duration);
        }
        for (s, span) in &statics {
            if s.start >= limit {
                cx.diags.warning(
                    "phase-never-starts",
                    *span,
                    format!(
                        "this static user never starts: its start_time ({}) is past the test \
                         duration ({})",
                        crate::explain::fmt_duration(s.start),
                        crate::explain::fmt_duration(limit)
                    ),
                );
            }
        }
    }
    cx.facts.phase_spans = phases.iter().map(|(_, s, _, _)| *s).collect();
    cx.facts.phases_with_setup = phases
        .iter()
        .enumerate()
        .filter(|(_, p)| p.3)
        .map(|(i, _)| i)
        .collect();
    cx.facts.static_user_spans = statics.iter().map(|(_, s)| *s).collect();
    cx.facts.load_duration_span = raw.duration_span;
    Load {
        duration: raw.duration,
        loop_count: raw.loop_count,
        phases: phases.into_iter().map(|(p, ..)| p).collect(),
        static_users: statics.into_iter().map(|(s, _)| s).collect(),
    }
}

/// Tsung checks, per phase, that session probabilities (with that phase's session_setup
/// overrides) add up to 100 ±0.05. Returns true when it reported a problem.
fn check_phase_sum(p: &RawPhase, entries: &[SessionEntry], cx: &mut Lower<'_>) -> bool {
    if cx.use_weights == Some(true) || entries.is_empty() {
        return false;
    }
    if entries.iter().any(|e| e.share.is_none()) {
        return false; // a session without a share was reported already
    }
    let mut shares: Vec<(String, f64, bool)> = Vec::new();
    for e in entries {
        let mut value = e.share.map(Share::value).unwrap_or(0.0);
        let mut overridden = false;
        for s in &p.setups {
            let re = Pattern::new(&wildcard_regex(&s.pattern)).ok();
            if re.is_some_and(|re| re.is_match(e.name.as_bytes())) {
                value = s.share.value();
                overridden = true;
                break;
            }
        }
        shares.push((e.name.clone(), value, overridden));
    }
    let sum: f64 = shares.iter().map(|s| s.1).sum();
    if (100.0 - sum).abs() < 0.05 {
        return false;
    }
    let list: Vec<String> = shares
        .iter()
        .map(|(n, v, o)| {
            if *o {
                format!("{n}: {v} (session_setup)")
            } else {
                format!("{n}: {v}")
            }
        })
        .collect();
    let sum_text = format!("{}", (sum * 1000.0).round() / 1000.0);
    let (span, msg) = match p.setups.first() {
        Some(s) => (
            s.span,
            format!(
                "in phase {}, session probabilities (with its session_setup) add up to {sum_text}, not 100",
                p.number
            ),
        ),
        None => (
            entries[0].share_span,
            format!("session probabilities add up to {sum_text}, not 100"),
        ),
    };
    cx.diags
        .error("probability-sum", span, msg)
        .note(list.join(", "))
        .note("Tsung refuses it: \"Total sum of session popularity is not equal to 100\"")
        .help("make the probabilities add up to 100, or use `weight` (relative shares)");
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_like_tsung() {
        assert_eq!(wildcard_regex("foo*"), "^foo.*$");
        assert_eq!(wildcard_regex("foo?"), "^foo.{1}$");
        assert_eq!(wildcard_regex("a*b*"), "^a.*b*$");
        let re = Pattern::new(&wildcard_regex("foo*")).unwrap();
        for (name, m) in [
            ("foo1", true),
            ("foobar", true),
            ("bar", false),
            ("barfoo", false),
        ] {
            assert_eq!(re.is_match(name.as_bytes()), m, "{name}");
        }
    }
}
