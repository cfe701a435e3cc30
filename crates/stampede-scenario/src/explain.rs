//! A human summary of what a loaded scenario will do: who arrives when, what each session
//! does, where variables come from, and what looks suspicious.

use crate::Loaded;
use crate::snippet;
use crate::source::SourceMap;
use stampede_model::{
    Action, Arrivals, DynVarSource, ErlCode, Extractor, FileOrder, ForBound, HttpRequest,
    JsonPathSource, LoopKind, MatchAction, MatchPattern, MatchWhen, RateSpec, Scenario, Segment,
    SetOption, Share, SourceLocation, Template, Thinktime, Url, VarId, VarTable, WwwAuthenticate,
};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

/// Describes the scenario: load phases, sessions and their actions, variables, warnings.
pub fn explain(loaded: &Loaded) -> String {
    let s = &loaded.scenario;
    let mut out = String::new();
    header(&mut out, loaded);
    load(&mut out, s);
    sessions(&mut out, s, &loaded.sources);
    variables(&mut out, s);
    warnings(&mut out, loaded);
    out
}

fn header(out: &mut String, loaded: &Loaded) {
    let s = &loaded.scenario;
    let file = s
        .files
        .paths
        .first()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "<scenario>".into());
    match &s.information.name {
        Some(name) if !name.is_empty() => {
            let _ = writeln!(out, "Scenario {name} ({file})");
        }
        _ => {
            let _ = writeln!(out, "Scenario {file}");
        }
    }
    if let Some(d) = s
        .information
        .description
        .as_deref()
        .filter(|d| !d.is_empty())
    {
        let _ = writeln!(out, "  {d}");
    }
    for server in &s.servers {
        let weight = if s.servers.len() > 1 {
            format!(", weight {}", num(server.weight))
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  target: {}:{} ({}{weight})",
            server.host,
            server.port,
            server.kind.as_str()
        );
    }
    if s.options.http_use_server_as_proxy {
        let _ = writeln!(
            out,
            "  the target is used as an HTTP proxy (http_use_server_as_proxy)"
        );
    }
    let gens: Vec<String> = s
        .clients
        .iter()
        .map(|c| {
            let mut parts = Vec::new();
            if c.use_controller_vm {
                parts.push("in the controller".to_owned());
            }
            if c.cpu > 1 {
                parts.push(format!("{} processes", c.cpu));
            }
            if s.clients.len() > 1 {
                parts.push(format!("weight {}", num(c.weight)));
            }
            parts.push(format!("max {} users", c.maxusers));
            let host = match &c.kind {
                stampede_model::ClientKind::Machine => c.host.clone(),
                stampede_model::ClientKind::Batch { scheduler, .. } => {
                    format!("{scheduler} batch nodes")
                }
            };
            format!("{host} ({})", parts.join(", "))
        })
        .collect();
    if !gens.is_empty() {
        let _ = writeln!(out, "  load generators: {}", gens.join("; "));
    }
    let mut notes = Vec::new();
    let o = &s.options;
    if let Some(t) = &o.thinktime {
        notes.push(format!(
            "default thinktime {}{}",
            thinktime(&t.thinktime, &s.variables),
            if t.override_all {
                " (replaces every thinktime)"
            } else {
                ""
            }
        ));
    }
    for f in &o.file_servers {
        notes.push(format!(
            "file `{}`: {} ({} line{}{})",
            f.name,
            f.path.display(),
            f.lines.len(),
            if f.lines.len() == 1 { "" } else { "s" },
            if f.local { ", local" } else { "" }
        ));
    }
    if !o.user_agents.is_empty() {
        notes.push(format!("{} user agents", o.user_agents.len()));
    }
    if let Some(seed) = o.seed {
        notes.push(format!("random seed {seed}"));
    }
    if let Some(t) = o.connect_timeout {
        notes.push(format!("connect timeout {}", fmt_duration(t)));
    }
    if o.idle_timeout != Duration::from_millis(600_000) {
        notes.push(format!("response timeout {}", fmt_duration(o.idle_timeout)));
    }
    if !notes.is_empty() {
        let _ = writeln!(out, "  options: {}", notes.join("; "));
    }
    out.push('\n');
}

fn rate_text(a: &Arrivals) -> String {
    let per_sec = a.rate_per_second;
    let (value, per) = if per_sec >= 1.0 {
        (per_sec, "s")
    } else if per_sec * 60.0 >= 1.0 {
        (per_sec * 60.0, "min")
    } else {
        (per_sec * 3600.0, "h")
    };
    let users = if value == 1.0 { "user" } else { "users" };
    let readable = format!("{} {users}/{per}", num(value));
    let written = match a.spec {
        RateSpec::Rate { value, unit } => {
            format!("arrivalrate=\"{}\" unit=\"{}\"", num(value), unit.as_str())
        }
        RateSpec::Interarrival { value, unit } => {
            format!("interarrival=\"{}\" unit=\"{}\"", num(value), unit.as_str())
        }
    };
    format!("{readable} ({written})")
}

fn load(out: &mut String, s: &Scenario) {
    let l = &s.load;
    let rounds = u64::from(l.loop_count) + 1;
    let phases_time: Duration = l.phases.iter().map(|p| p.duration).sum();
    let per_round: u64 = l
        .phases
        .iter()
        .map(|p| p.arrivals.expected_users(p.duration))
        .sum();
    let total = per_round.saturating_mul(rounds) + l.static_users.len() as u64;
    let _ = writeln!(
        out,
        "Load: {}{}, about {} in {}",
        plural(l.phases.len() as f64, "phase"),
        if l.static_users.is_empty() {
            String::new()
        } else {
            format!(
                " and {}",
                plural(l.static_users.len() as f64, "static user")
            )
        },
        plural(total as f64, "user"),
        fmt_duration(phases_time.saturating_mul(rounds as u32))
    );
    let mut start = Duration::ZERO;
    for p in &l.phases {
        let expected = p.arrivals.expected_users(p.duration);
        let mut line = format!(
            "  phase {:<3} at {:>9}  for {:>9}  {}  → ≈ {}",
            p.number,
            fmt_duration(start),
            fmt_duration(p.duration),
            rate_text(&p.arrivals),
            plural(expected as f64, "user")
        );
        if let Some(m) = p.arrivals.maxnumber {
            let _ = write!(line, " (maxnumber {m})");
        }
        if p.wait_all_sessions_end {
            line.push_str(", then waits for every session to end");
        }
        let _ = writeln!(out, "{line}");
        if !p.session_setup.is_empty() {
            let mix: Vec<String> = s
                .sessions
                .iter()
                .map(
                    |x| match p.session_setup.iter().find(|(id, _)| *id == x.id) {
                        Some((_, share)) => format!("{} {}", x.name, share_text(*share)),
                        None => format!("{} {} (default)", x.name, share_text(x.share)),
                    },
                )
                .collect();
            let _ = writeln!(
                out,
                "            session mix (session_setup): {}",
                mix.join(", ")
            );
        }
        start = start.saturating_add(p.duration);
    }
    for u in &l.static_users {
        let _ = writeln!(
            out,
            "  static user at {}: session {}",
            fmt_duration(u.start),
            s.session(u.session).name
        );
    }
    if l.loop_count > 0 {
        let _ = writeln!(
            out,
            "  loop=\"{}\": the phases run {rounds} times ({} in all)",
            l.loop_count,
            fmt_duration(phases_time.saturating_mul(rounds as u32))
        );
    }
    match l.duration {
        Some(d) => {
            let _ = writeln!(
                out,
                "  the test stops after {} (load duration), even mid-session",
                fmt_duration(d)
            );
        }
        None => {
            let _ = writeln!(
                out,
                "  the test ends when the last phase is over and every user has finished"
            );
        }
    }
    out.push('\n');
}

fn share_text(share: Share) -> String {
    match share {
        Share::Probability(p) => format!("{} %", num(p)),
        Share::Weight(w) => format!("weight {}", num(w)),
    }
}

/// Per-session static counts: requests and mean thinking time, with loops unrolled when
/// their bounds are known.
#[derive(Default)]
struct Tally {
    requests: f64,
    think: Duration,
    /// A loop whose count is unknown, or a dynamic thinktime, makes the numbers a floor.
    inexact: bool,
}

fn tally(actions: &[Action], factor: f64, t: &mut Tally) {
    for a in actions {
        match a {
            Action::Request(_) => t.requests += factor,
            Action::Thinktime(tt) => match mean_thinktime(tt) {
                Some(d) => t.think += d.mul_f64(factor),
                None => t.inexact = true,
            },
            Action::For(f) => match for_count(&f.from, &f.to, f.incr) {
                Some(n) => tally(&f.body, factor * n as f64, t),
                None => {
                    t.inexact = true;
                    tally(&f.body, factor, t);
                }
            },
            Action::Repeat(r) => {
                t.inexact = true;
                tally(&r.body, factor, t);
            }
            Action::Foreach(f) => {
                t.inexact = true;
                tally(&f.body, factor, t);
            }
            Action::If(i) => {
                t.inexact = true;
                tally(&i.body, factor, t);
            }
            Action::Transaction(tr) => tally(&tr.body, factor, t),
            Action::SetDynVars(_)
            | Action::ChangeType(_)
            | Action::SetOption(_)
            | Action::Interaction(_)
            | Action::Abort(_) => {}
        }
    }
}

/// Iterations of `<for>`: Tsung runs the body, then stops once the variable reached `to`.
fn for_count(from: &ForBound, to: &ForBound, incr: i64) -> Option<u64> {
    match (from, to) {
        (ForBound::Const(f), ForBound::Const(t)) if incr > 0 => {
            if f >= t {
                Some(1)
            } else {
                let span = (t - f) as u64;
                Some(1 + span.div_ceil(incr as u64))
            }
        }
        _ => None,
    }
}

fn mean_thinktime(t: &Thinktime) -> Option<Duration> {
    match t {
        Thinktime::Fixed(d) => Some(*d),
        Thinktime::Exponential { mean } => Some(*mean),
        Thinktime::Uniform { min, max } => Some((*min + *max) / 2),
        Thinktime::Dynamic { .. } | Thinktime::WaitGlobal => None,
    }
}

/// Percent of new users each session gets in the default mix.
fn shares_percent(s: &Scenario) -> Vec<f64> {
    let total: f64 = s
        .sessions
        .iter()
        .map(|x| match x.share {
            Share::Weight(w) => w,
            Share::Probability(p) => p,
        })
        .sum();
    s.sessions
        .iter()
        .map(|x| match x.share {
            Share::Probability(p) => p,
            Share::Weight(w) if total > 0.0 => 100.0 * w / total,
            Share::Weight(_) => 0.0,
        })
        .collect()
}

fn sessions(out: &mut String, s: &Scenario, sources: &SourceMap) {
    let _ = writeln!(out, "Sessions");
    let percents = shares_percent(s);
    for (session, pct) in s.sessions.iter().zip(percents) {
        let mut t = Tally::default();
        tally(&session.actions, 1.0, &mut t);
        let approx = if t.inexact { "at least " } else { "" };
        let share = match session.share {
            Share::Probability(_) => format!("{} %", num(pct)),
            Share::Weight(w) => format!("weight {} ({} %)", num(w), num(pct)),
        };
        let kind = match session.kind {
            stampede_model::SessionKind::Http => "",
            stampede_model::SessionKind::Webdav => ", WebDAV",
        };
        let _ = writeln!(
            out,
            "  {} — {share} of new users{kind}: {approx}{}, thinking {approx}{}",
            session.name,
            plural(t.requests, "request"),
            fmt_duration(t.think)
        );
        outline(out, &session.actions, s, sources, 2);
    }
    out.push('\n');
}

fn outline(out: &mut String, actions: &[Action], s: &Scenario, sources: &SourceMap, depth: usize) {
    let pad = "  ".repeat(depth);
    let vars = &s.variables;
    for a in actions {
        match a {
            Action::Request(r) => {
                let mut line = format!("{pad}{}", request_line(&r.http, vars));
                if let Some(tag) = &r.tag {
                    let _ = write!(line, "  [tag {tag}]");
                }
                let sets: Vec<&str> = r.dyn_variables.iter().map(|d| vars.name(d.var)).collect();
                if !sets.is_empty() {
                    let _ = write!(line, "  → sets {}", sets.join(", "));
                }
                let _ = writeln!(out, "{line}");
                for m in &r.matches {
                    let pattern = match &m.pattern {
                        MatchPattern::Static(p) => p.source().to_owned(),
                        MatchPattern::Dynamic(t) => template_text(t, vars),
                    };
                    let when = match m.when {
                        MatchWhen::Match => "matches",
                        MatchWhen::NoMatch => "does not match",
                    };
                    let action = match m.action {
                        MatchAction::Continue => "count it",
                        MatchAction::Log => "log it",
                        MatchAction::Dump => "log it and dump the response",
                        MatchAction::Abort => "abort the session",
                        MatchAction::AbortTest => "abort the whole test",
                        MatchAction::Restart => "restart the session",
                        MatchAction::Loop => "repeat the request",
                    };
                    let _ = writeln!(
                        out,
                        "{pad}    check: if the response {when} /{}/, {action}",
                        short(&pattern, 50)
                    );
                }
            }
            Action::Thinktime(t) => {
                let _ = writeln!(out, "{pad}think {}", thinktime(t, vars));
            }
            Action::Transaction(t) => {
                let _ = writeln!(out, "{pad}transaction {}:", s.transaction_name(t.id));
                outline(out, &t.body, s, sources, depth + 1);
            }
            Action::SetDynVars(d) => {
                let names: Vec<&str> = d.vars.iter().map(|v| vars.name(*v)).collect();
                if let DynVarSource::Eval { code } = &d.source {
                    let lines = code_lines(code, sources);
                    let _ = writeln!(
                        out,
                        "{pad}eval → {}: {} ({})",
                        names.join(", "),
                        snippet::summary(&code.source),
                        plural(lines as f64, "line")
                    );
                } else {
                    let _ = writeln!(
                        out,
                        "{pad}set {} ← {}",
                        names.join(", "),
                        source_text(&d.source, s)
                    );
                }
            }
            Action::For(f) => {
                let count = match for_count(&f.from, &f.to, f.incr) {
                    Some(n) => format!("×{n}"),
                    None => "×?".to_owned(),
                };
                let step = if f.incr == 1 {
                    String::new()
                } else {
                    format!(" step {}", f.incr)
                };
                let _ = writeln!(
                    out,
                    "{pad}for {} = {} to {}{step} ({count}):",
                    vars.name(f.var),
                    bound(&f.from, vars),
                    bound(&f.to, vars)
                );
                outline(out, &f.body, s, sources, depth + 1);
            }
            Action::Repeat(r) => {
                let kind = match r.condition.kind {
                    LoopKind::While => "while",
                    LoopKind::Until => "until",
                };
                let _ = writeln!(
                    out,
                    "{pad}repeat {} (at most {} times), {kind} {}:",
                    r.name,
                    r.max_repeat,
                    condition(&r.condition.test, vars)
                );
                outline(out, &r.body, s, sources, depth + 1);
            }
            Action::If(i) => {
                let _ = writeln!(out, "{pad}if {}:", condition(&i.test, vars));
                outline(out, &i.body, s, sources, depth + 1);
            }
            Action::Foreach(f) => {
                let filter = match &f.filter {
                    Some(fl) if fl.include => format!(" matching /{}/", fl.pattern.source()),
                    Some(fl) => format!(" not matching /{}/", fl.pattern.source()),
                    None => String::new(),
                };
                let _ = writeln!(
                    out,
                    "{pad}for each {} in {}{filter} (×?):",
                    vars.name(f.var),
                    vars.name(f.list)
                );
                outline(out, &f.body, s, sources, depth + 1);
            }
            Action::ChangeType(c) => {
                let _ = writeln!(
                    out,
                    "{pad}switch to {}:{} ({}){}",
                    c.host,
                    c.port,
                    c.server_kind.as_str(),
                    if c.restore {
                        ", restoring the stored connection"
                    } else {
                        ""
                    }
                );
            }
            Action::SetOption(o) => {
                let text = match o {
                    SetOption::ConnectTimeout(Some(d)) => {
                        format!("connect timeout {}", fmt_duration(*d))
                    }
                    SetOption::ConnectTimeout(None) => "no connect timeout".to_owned(),
                    SetOption::RateLimit(r) => format!(
                        "rate limit {} KB/s (burst {} KB)",
                        num(r.kbytes_per_second),
                        num(r.burst_kbytes)
                    ),
                    SetOption::Certificate { .. } => "client certificate".to_owned(),
                };
                let _ = writeln!(out, "{pad}set {text}");
            }
            Action::Interaction(i) => {
                let kind = match i.kind {
                    stampede_model::InteractionKind::Send => "send",
                    stampede_model::InteractionKind::Receive => "receive",
                };
                let _ = writeln!(out, "{pad}interaction {kind} {}", s.transaction_name(i.id));
            }
            Action::Abort(scope) => {
                let what = match scope {
                    stampede_model::AbortScope::Session => "abort the session",
                    stampede_model::AbortScope::All => "abort the whole test",
                };
                let _ = writeln!(out, "{pad}{what}");
            }
        }
    }
}

fn request_line(h: &HttpRequest, vars: &VarTable) -> String {
    let url = match &h.url {
        Url::Static(u) => match &u.authority {
            Some(a) => {
                let port = if a.port == a.scheme.default_port() {
                    String::new()
                } else {
                    format!(":{}", a.port)
                };
                format!("{}://{}{port}{}", a.scheme.as_str(), a.host, u.path)
            }
            None => u.path.to_string(),
        },
        Url::Dynamic(t) => template_text(t, vars),
    };
    let mut line = format!("{} {}", h.method.as_str(), short(&url, 80));
    if let Some(body) = &h.body
        && h.method.sends_body()
    {
        if body.is_literal() {
            let _ = write!(line, "  (body {} bytes)", body.literal_len());
        } else {
            let mut used: Vec<&str> = Vec::new();
            for v in body.vars() {
                if !used.contains(&vars.name(v)) {
                    used.push(vars.name(v));
                }
            }
            let _ = write!(
                line,
                "  (body ≥{} bytes with {})",
                body.literal_len(),
                used.iter()
                    .map(|n| format!("%%_{n}%%"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    match &h.www_authenticate {
        Some(WwwAuthenticate::Basic { .. }) => line.push_str("  (basic auth)"),
        Some(WwwAuthenticate::Digest(_)) => line.push_str("  (digest auth)"),
        None => {}
    }
    if h.oauth.is_some() {
        line.push_str("  (OAuth)");
    }
    line
}

fn thinktime(t: &Thinktime, vars: &VarTable) -> String {
    match t {
        Thinktime::Fixed(d) => fmt_duration(*d),
        Thinktime::Exponential { mean } => format!("{} on average (random)", fmt_duration(*mean)),
        Thinktime::Uniform { min, max } => {
            format!("{} to {} (uniform)", fmt_duration(*min), fmt_duration(*max))
        }
        Thinktime::Dynamic { value, .. } => format!("{} s", template_text(value, vars)),
        Thinktime::WaitGlobal => "until the global barrier opens (wait_global)".to_owned(),
    }
}

fn bound(b: &ForBound, vars: &VarTable) -> String {
    match b {
        ForBound::Const(v) => v.to_string(),
        ForBound::Dynamic(t) => template_text(t, vars),
    }
}

fn condition(c: &stampede_model::Condition, vars: &VarTable) -> String {
    let var = match c.var.index {
        Some(i) => format!("{}[{i}]", vars.name(c.var.var)),
        None => vars.name(c.var.var).to_owned(),
    };
    format!(
        "{var} {} \"{}\"",
        c.op.as_str(),
        template_text(&c.value, vars)
    )
}

fn source_text(src: &DynVarSource, s: &Scenario) -> String {
    let vars = &s.variables;
    match src {
        DynVarSource::RandomNumber { start, end } => format!("random number {start}..{end}"),
        DynVarSource::RandomString { length } => format!("random string of {length} letters"),
        DynVarSource::UrandomString { length } => format!("fixed pseudo-random string of {length}"),
        DynVarSource::File {
            file,
            delimiter,
            order,
        } => {
            let name = s
                .options
                .file_servers
                .get(file.index())
                .map(|f| f.name.as_str())
                .unwrap_or("?");
            let order = match order {
                FileOrder::Iter => "next line",
                FileOrder::Random => "random line",
            };
            format!(
                "{order} of file `{name}`, split on `{}`",
                String::from_utf8_lossy(delimiter)
            )
        }
        DynVarSource::Erlang { callback } => format!("{callback}()"),
        DynVarSource::Eval { code } => {
            format!("Erlang code: {}", snippet::summary(&code.source))
        }
        DynVarSource::JsonPath { from, path } => {
            let p = match path {
                JsonPathSource::Static(p) => p.source().to_owned(),
                JsonPathSource::Dynamic(t) => template_text(t, vars),
            };
            format!("JSONPath `{p}` of {}", vars.name(*from))
        }
        DynVarSource::Server => "the current server's host and port".to_owned(),
        DynVarSource::Value { value } => format!("\"{}\"", short(&template_text(value, vars), 40)),
    }
}

/// Text of a template with its markers written back.
fn template_text(t: &Template, vars: &VarTable) -> String {
    let mut out = String::new();
    for seg in t.segments() {
        match seg {
            Segment::Literal(b) => out.push_str(&String::from_utf8_lossy(b)),
            Segment::Var(v) => {
                let _ = write!(out, "%%_{}%%", vars.name(*v));
            }
            Segment::Call(c) => {
                let _ = write!(out, "%%{c}%%");
            }
        }
    }
    out
}

fn short(s: &str, max: usize) -> String {
    let one_line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let mut t: String = one_line.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

/// How many lines a snippet has: the lines of the scenario file its `code` attribute spans, or
/// its own lines when it has more (written with `&#10;`).
fn code_lines(code: &ErlCode, sources: &SourceMap) -> usize {
    let loc = code.location;
    let in_file = sources.file(loc.file).and_then(|f| {
        let line_start = f.line_start(loc.line);
        let rest = f.text.get(line_start..)?;
        let col = (loc.column as usize).saturating_sub(1);
        let start = line_start + rest.char_indices().nth(col).map(|(i, _)| i)?;
        let quote = f.text.get(..start)?.chars().next_back()?;
        if quote != '"' && quote != '\'' {
            return None;
        }
        let len = f.text.get(start..)?.find(quote)?;
        Some(f.text.get(start..start + len)?.matches('\n').count() + 1)
    });
    let own = code.source.lines().count().max(1);
    in_file.map_or(own, |n| n.max(own))
}

/// Where each variable is set and read, by line.
#[derive(Default)]
struct VarUse {
    set: Vec<String>,
    /// Lines of requests that read it (`file:line` outside the main file).
    used_lines: Vec<String>,
    /// Other places that read it (loop bounds, conditions…).
    used_in: Vec<&'static str>,
}

fn variables(out: &mut String, s: &Scenario) {
    let mut table: BTreeMap<VarId, VarUse> = BTreeMap::new();
    for session in &s.sessions {
        collect_vars(&session.actions, &mut table, s);
    }
    table.retain(|_, u| !u.set.is_empty() || !u.used_lines.is_empty() || !u.used_in.is_empty());
    if table.is_empty() {
        return;
    }
    let _ = writeln!(out, "Variables");
    let width = table
        .keys()
        .map(|v| s.variables.name(*v).chars().count())
        .max()
        .unwrap_or(0);
    for (v, u) in &table {
        let name = s.variables.name(*v);
        let set = if *v == VarTable::USERID {
            "built in (the user's number)".to_owned()
        } else if u.set.is_empty() {
            "never set".to_owned()
        } else {
            dedup(&u.set).join(", ")
        };
        let mut places = Vec::new();
        let lines = dedup(&u.used_lines);
        if !lines.is_empty() {
            places.push(format!(
                "on line{} {}",
                if lines.len() > 1 { "s" } else { "" },
                lines.join(", ")
            ));
        }
        let mut others: Vec<&str> = Vec::new();
        for o in &u.used_in {
            if !others.contains(o) {
                others.push(o);
            }
        }
        if !others.is_empty() {
            places.push(format!("in {}", others.join(", ")));
        }
        let used = if places.is_empty() {
            "never used".to_owned()
        } else {
            format!("used {}", places.join(" and "))
        };
        let _ = writeln!(out, "  {name:<width$}  set by {set}; {used}");
    }
    out.push('\n');
}

fn dedup(v: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in v {
        if !out.contains(s) {
            out.push(s.clone());
        }
    }
    out
}

/// Where a variable is read: a request's place, or a kind of construct.
#[derive(Clone, Copy)]
enum UsePlace<'a> {
    Line(&'a str),
    In(&'static str),
}

fn note_use(table: &mut BTreeMap<VarId, VarUse>, v: VarId, place: UsePlace<'_>) {
    let e = table.entry(v).or_default();
    match place {
        UsePlace::Line(l) => e.used_lines.push(l.to_owned()),
        UsePlace::In(what) => e.used_in.push(what),
    }
}

fn template_uses(table: &mut BTreeMap<VarId, VarUse>, t: &Template, place: UsePlace<'_>) {
    for v in t.vars() {
        note_use(table, v, place);
    }
}

/// `42` in the main file, `part.xml:42` in an included one.
fn line_text(s: &Scenario, l: SourceLocation) -> String {
    if l.file == 0 {
        return l.line.to_string();
    }
    let name = s
        .files
        .path_of(l)
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("{name}:{}", l.line)
}

fn collect_vars(actions: &[Action], table: &mut BTreeMap<VarId, VarUse>, s: &Scenario) {
    for a in actions {
        match a {
            Action::Request(r) => {
                let text = line_text(s, r.location);
                let l = UsePlace::Line(&text);
                let h = &r.http;
                if let Url::Dynamic(t) = &h.url {
                    template_uses(table, t, l);
                }
                for t in [
                    &h.body,
                    &h.content_type,
                    &h.if_modified_since,
                    &h.soap_action,
                ]
                .into_iter()
                .flatten()
                {
                    template_uses(table, t, l);
                }
                for hd in &h.headers {
                    template_uses(table, &hd.value, l);
                }
                for c in &h.add_cookies {
                    template_uses(table, &c.value, l);
                }
                match &h.www_authenticate {
                    Some(WwwAuthenticate::Basic { userid, passwd }) => {
                        template_uses(table, userid, l);
                        template_uses(table, passwd, l);
                    }
                    Some(WwwAuthenticate::Digest(d)) => {
                        for t in [&d.realm, &d.nonce, &d.opaque, &d.qop, &d.nc, &d.cnonce]
                            .into_iter()
                            .flatten()
                        {
                            template_uses(table, t, l);
                        }
                        template_uses(table, &d.userid, l);
                        template_uses(table, &d.passwd, l);
                    }
                    None => {}
                }
                if let Some(o) = &h.oauth {
                    for t in [&o.access_token, &o.access_token_secret]
                        .into_iter()
                        .flatten()
                    {
                        template_uses(table, t, l);
                    }
                }
                for m in &r.matches {
                    if let MatchPattern::Dynamic(t) = &m.pattern {
                        template_uses(table, t, l);
                    }
                }
                for d in &r.dyn_variables {
                    if let Extractor::JsonPath(JsonPathSource::Dynamic(t)) = &d.extractor {
                        template_uses(table, t, l);
                    }
                    let how = match &d.extractor {
                        Extractor::Regex(_) => "regex",
                        Extractor::HiddenInput(_) => "form field",
                        Extractor::XPath(_) => "XPath",
                        Extractor::JsonPath(_) => "JSONPath",
                        Extractor::Header { .. } => "header",
                        Extractor::PgsqlExpr(_) => "pgsql",
                    };
                    table
                        .entry(d.var)
                        .or_default()
                        .set
                        .push(format!("{how} on the response of line {text}"));
                }
            }
            Action::Thinktime(Thinktime::Dynamic { value, .. }) => {
                template_uses(table, value, UsePlace::In("a thinktime"))
            }
            Action::Thinktime(_) => {}
            Action::Transaction(t) => collect_vars(&t.body, table, s),
            Action::SetDynVars(d) => {
                let text = line_text(s, d.location);
                match &d.source {
                    DynVarSource::JsonPath { from, .. } => {
                        note_use(table, *from, UsePlace::Line(&text));
                    }
                    DynVarSource::Eval { code } => {
                        for lookup in snippet::dynvar_lookups(&code.source) {
                            if let Some(v) = s.variables.get(&lookup.name) {
                                note_use(table, v, UsePlace::Line(&text));
                            }
                        }
                    }
                    _ => {}
                }
                let what = match &d.source {
                    DynVarSource::RandomNumber { .. } => "random_number",
                    DynVarSource::RandomString { .. } => "random_string",
                    DynVarSource::UrandomString { .. } => "urandom_string",
                    DynVarSource::File { .. } => "file",
                    DynVarSource::Erlang { .. } => "erlang",
                    DynVarSource::Eval { .. } => "eval",
                    DynVarSource::JsonPath { .. } => "jsonpath",
                    DynVarSource::Server => "server",
                    DynVarSource::Value { .. } => "value",
                };
                for v in &d.vars {
                    table
                        .entry(*v)
                        .or_default()
                        .set
                        .push(format!("setdynvars {what} (line {text})"));
                }
            }
            Action::For(f) => {
                for b in [&f.from, &f.to] {
                    if let ForBound::Dynamic(t) = b {
                        template_uses(table, t, UsePlace::In("a for bound"));
                    }
                }
                table
                    .entry(f.var)
                    .or_default()
                    .set
                    .push("a for loop".into());
                collect_vars(&f.body, table, s);
            }
            Action::Repeat(r) => {
                note_use(
                    table,
                    r.condition.test.var.var,
                    UsePlace::In("a repeat condition"),
                );
                collect_vars(&r.body, table, s);
            }
            Action::If(i) => {
                note_use(table, i.test.var.var, UsePlace::In("an if condition"));
                template_uses(table, &i.test.value, UsePlace::In("an if condition"));
                collect_vars(&i.body, table, s);
            }
            Action::Foreach(f) => {
                note_use(table, f.list, UsePlace::In("a foreach"));
                table
                    .entry(f.var)
                    .or_default()
                    .set
                    .push("a foreach loop".into());
                collect_vars(&f.body, table, s);
            }
            Action::SetOption(SetOption::Certificate {
                cacertfile,
                keyfile,
                keypass,
                certfile,
            }) => {
                for t in [cacertfile, keyfile, keypass, certfile]
                    .into_iter()
                    .flatten()
                {
                    template_uses(table, t, UsePlace::In("a client certificate"));
                }
            }
            Action::SetOption(_)
            | Action::ChangeType(_)
            | Action::Interaction(_)
            | Action::Abort(_) => {}
        }
    }
}

fn warnings(out: &mut String, loaded: &Loaded) {
    let s = &loaded.scenario;
    let mut lines: Vec<String> = Vec::new();
    // Sessions nobody runs.
    let percents = shares_percent(s);
    for (session, pct) in s.sessions.iter().zip(&percents) {
        let static_user = s.load.static_users.iter().any(|u| u.session == session.id);
        let in_setup = s.load.phases.iter().any(|p| {
            p.session_setup
                .iter()
                .any(|(id, share)| *id == session.id && share.value() > 0.0)
        });
        let overridden_everywhere = !s.load.phases.is_empty()
            && s.load
                .phases
                .iter()
                .all(|p| p.session_setup.iter().any(|(id, _)| *id == session.id));
        let picked = *pct > 0.0 && !overridden_everywhere && !s.load.phases.is_empty();
        if !static_user && !in_setup && !picked {
            lines.push(format!(
                "session {} never runs: no arrival picks it (share 0) and no static user runs it",
                session.name
            ));
        }
        if count_requests(&session.actions) == 0 {
            lines.push(format!("session {} sends no request", session.name));
        }
    }
    // Phases that start nobody.
    for p in &s.load.phases {
        if p.arrivals.expected_users(p.duration) == 0 && p.arrivals.maxnumber != Some(0) {
            lines.push(format!(
                "phase {} is expected to start no user ({} for {})",
                p.number,
                rate_text(&p.arrivals),
                fmt_duration(p.duration)
            ));
        }
    }
    if s.load.phases.is_empty() && s.load.static_users.is_empty() {
        lines.push("nobody arrives: there is no phase and no static user".to_owned());
    }
    let phases_time: Duration = s.load.phases.iter().map(|p| p.duration).sum();
    if let Some(limit) = s.load.duration {
        let rounds = s.load.loop_count + 1;
        let all = phases_time.saturating_mul(rounds);
        if limit < all {
            lines.push(format!(
                "the load duration ({}) stops the test before the phases end ({})",
                fmt_duration(limit),
                fmt_duration(all)
            ));
        }
    }
    for w in &loaded.warnings {
        let place = match &w.file {
            Some(f) => format!("{}:{}: ", f.display(), w.line),
            None => String::new(),
        };
        lines.push(format!("{place}{}", w.message));
    }
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(out, "Warnings");
    for l in lines {
        let _ = writeln!(out, "  - {l}");
    }
}

fn count_requests(actions: &[Action]) -> usize {
    actions
        .iter()
        .map(|a| match a {
            Action::Request(_) => 1,
            other => count_requests(other.children()),
        })
        .sum()
}

/// `1 user`, `3 users`, `2.5 requests`.
fn plural(n: f64, word: &str) -> String {
    if n == 1.0 {
        format!("1 {word}")
    } else {
        format!("{} {word}s", num(n))
    }
}

/// A number without useless decimals: `2`, `0.5`, `33.33`.
fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// `1 h 30 min`, `10 min`, `1.5 s`, `250 ms`.
pub(crate) fn fmt_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        return "0 s".to_owned();
    }
    if ms < 1000 {
        return format!("{ms} ms");
    }
    if !ms.is_multiple_of(1000) {
        return format!("{} s", num(d.as_secs_f64()));
    }
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h} h"));
    }
    if m > 0 {
        parts.push(format!("{m} min"));
    }
    if s > 0 {
        parts.push(format!("{s} s"));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(fmt_duration(Duration::from_secs(5400)), "1 h 30 min");
        assert_eq!(fmt_duration(Duration::from_secs(600)), "10 min");
        assert_eq!(fmt_duration(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(fmt_duration(Duration::from_millis(250)), "250 ms");
        assert_eq!(fmt_duration(Duration::ZERO), "0 s");
    }

    #[test]
    fn for_loop_counts_follow_tsung() {
        let c = |f, t, i| for_count(&ForBound::Const(f), &ForBound::Const(t), i);
        assert_eq!(c(1, 3, 1), Some(3));
        assert_eq!(c(1, 4, 2), Some(3));
        assert_eq!(c(5, 1, 1), Some(1));
        assert_eq!(c(0, 100, 1), Some(101));
    }

    #[test]
    fn numbers() {
        assert_eq!(num(2.0), "2");
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(1.0 / 3.0), "0.333");
    }
}
