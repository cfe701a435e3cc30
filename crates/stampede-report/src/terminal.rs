//! The end-of-run summary printed by the CLI: a compact plain-text table.

use crate::human;
use crate::stats_file::{SampleTotals, StatsFile};
use std::fmt::Write as _;
use std::path::Path;

fn sample_line(out: &mut String, name: &str, s: &SampleTotals) {
    let _ = writeln!(
        out,
        "  {:<20} {:>10} {:>10} {:>10} {:>10} {:>10}",
        truncate(name, 20),
        s.count,
        human::opt_ms(s.mean_ms),
        human::opt_ms(s.percentile("p50")),
        human::opt_ms(s.percentile("p99")),
        human::opt_ms(s.max_ms),
    );
}

/// The items joined with ` · `, or `none`.
fn joined_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(" · ")
    }
}

fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The summary, ending with the report's path when one is given.
pub fn render_summary(stats: &StatsFile, report: Option<&Path>) -> String {
    let mut out = String::new();
    let run = &stats.run;
    let t = &stats.totals;
    let verdict = if run.outcome.completed {
        "completed"
    } else {
        "NOT completed"
    };
    let _ = writeln!(
        out,
        "{} — {verdict} ({}) in {}",
        if run.scenario.name.is_empty() {
            "Stampede run"
        } else {
            &run.scenario.name
        },
        run.outcome.reason.describe(),
        human::seconds(run.duration_s)
    );
    let _ = writeln!(
        out,
        "  {:<20} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "", "count", "mean", "p50", "p99", "max"
    );
    for (name, s) in [
        ("request", &t.request),
        ("page", &t.page),
        ("connect", &t.connect),
        ("session", &t.session),
    ] {
        if s.count > 0 {
            sample_line(&mut out, name, s);
        }
    }
    for tr in &t.transactions {
        if tr.stats.count > 0 {
            sample_line(&mut out, &tr.stat_name, &tr.stats);
        }
    }
    let codes: Vec<String> = t
        .status
        .iter()
        .map(|(c, n)| format!("{} {}", stampede_metrics::status_key(c), n))
        .collect();
    let _ = writeln!(out, "  HTTP codes: {}", joined_or_none(&codes));
    let errors: Vec<String> = t.errors.iter().map(|(k, n)| format!("{k} {n}")).collect();
    let _ = writeln!(out, "  Errors: {}", joined_or_none(&errors));
    let started: u64 = t.sessions.iter().map(|s| s.started).sum();
    let completed: u64 = t.sessions.iter().map(|s| s.completed).sum();
    let aborted: u64 = t.sessions.iter().map(|s| s.aborted_total()).sum();
    let mut reasons: std::collections::BTreeMap<&str, u64> = Default::default();
    for s in &t.sessions {
        for (k, n) in &s.aborted {
            *reasons.entry(k).or_default() += n;
        }
    }
    let own_end = completed + aborted - reasons.get("test_stopped").copied().unwrap_or(0);
    let _ = write!(
        out,
        "  Sessions: started {started} · completed {completed}{} · aborted {aborted}",
        if own_end > 0 {
            format!(
                " ({} of those that ended on their own)",
                human::percent(completed as f64 / own_end as f64)
            )
        } else {
            String::new()
        }
    );
    if !reasons.is_empty() {
        let list: Vec<String> = reasons.iter().map(|(k, n)| format!("{k} {n}")).collect();
        let _ = write!(out, " ({})", list.join(", "));
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "  Users max {} · connections max {} · received {} · sent {}",
        t.users.max,
        t.connections.max,
        human::bytes(t.bytes_received),
        human::bytes(t.bytes_sent)
    );
    if let Some(path) = report {
        let _ = writeln!(out, "Report: {}", path.display());
    }
    out
}
