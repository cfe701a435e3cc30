//! The run's progress on the terminal: a live line redrawn at every flush when standard error
//! is a terminal, else one plain, timestamped line per statistics interval.

use crate::terminal::Console;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use stampede_engine::StopKind;
use stampede_report::human;
use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

/// What the progress line shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProgressView {
    pub elapsed: Duration,
    /// `<load duration>`, else the end of the last phase.
    pub planned: Option<Duration>,
    /// The phase in progress (1-based position) and the number of phases.
    pub phase: Option<(u32, u32)>,
    pub users: i64,
    /// Requests per second.
    pub rate: f64,
    /// `error_*` events so far.
    pub errors: u64,
    /// 99th percentile of the request time in the last interval.
    pub p99_ms: Option<f64>,
    pub stopping: Option<StopKind>,
}

/// `12 s / 20 s · phase 2/2 · 23 users · 45.20/s · 0 errors · p99 12.3 ms`.
pub fn describe(v: &ProgressView) -> String {
    let mut out = String::new();
    match v.stopping {
        Some(StopKind::Graceful) => out.push_str("stopping · "),
        Some(StopKind::Abort) => out.push_str("aborting · "),
        None => {}
    }
    let elapsed = human::seconds(v.elapsed.as_secs() as f64);
    match v.planned {
        Some(p) if v.elapsed > p && v.phase.is_none() => {
            let _ = write!(out, "{elapsed} · phases over, users finishing");
        }
        Some(p) => {
            let _ = write!(
                out,
                "{elapsed} / {}",
                human::seconds(p.as_secs_f64().ceil())
            );
        }
        None => out.push_str(&elapsed),
    }
    if let Some((n, total)) = v.phase {
        let _ = write!(out, " · phase {n}/{total}");
    }
    let _ = write!(
        out,
        " · {} user{} · {} · {} error{}",
        v.users.max(0),
        if v.users == 1 { "" } else { "s" },
        req_per_sec(v.rate),
        v.errors,
        if v.errors == 1 { "" } else { "s" }
    );
    if let Some(p99) = v.p99_ms {
        let _ = write!(out, " · p99 {}", human::ms(p99));
    }
    out
}

/// `45.2 req/s`, `1 234 req/s`.
pub fn req_per_sec(v: f64) -> String {
    if !v.is_finite() || v < 0.0 {
        "– req/s".to_owned()
    } else if v >= 100.0 {
        format!("{} req/s", human::count(v.round() as u64))
    } else {
        format!("{v:.1} req/s")
    }
}

/// Draws the progress.
#[derive(Debug)]
pub struct Progress {
    console: Console,
    bar: Option<ProgressBar>,
    color: bool,
}

impl Progress {
    /// A live bar on standard error when `live` (a terminal), else plain lines.
    pub fn new(console: &Console, live: bool) -> Self {
        let bar = live.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(4));
            if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}") {
                bar.set_style(style);
            }
            bar.set_message("starting");
            console.set_bar(Some(bar.clone()));
            bar
        });
        Self {
            console: console.clone(),
            bar,
            color: console.color(),
        }
    }

    /// The run started; `planned` is its expected length, when known.
    pub fn started(&self, planned: Option<Duration>) {
        let Some(bar) = &self.bar else { return };
        let (spinner, gauge) = if self.color {
            ("{spinner:.cyan}", "{bar:20.cyan/blue}")
        } else {
            ("{spinner}", "{bar:20}")
        };
        let length = planned
            .filter(|p| !p.is_zero())
            .map(|p| p.as_millis().max(1) as u64);
        let template = match length {
            Some(_) => format!("{spinner} [{gauge}] {{msg}}"),
            None => format!("{spinner} {{msg}}"),
        };
        if let Ok(style) = ProgressStyle::with_template(&template) {
            bar.set_style(style.progress_chars("=> "));
        }
        if let Some(length) = length {
            bar.set_length(length);
        }
    }

    /// After every flush: redraws the live line.
    pub fn flush(&self, view: &ProgressView) {
        if let Some(bar) = &self.bar {
            if let Some(len) = bar.length() {
                bar.set_position((view.elapsed.as_millis() as u64).min(len));
            }
            bar.set_message(describe(view));
            bar.tick();
        }
    }

    /// At every closed interval: one plain line, when there is no live line.
    pub fn interval(&self, view: &ProgressView) {
        if self.bar.is_none() {
            self.console
                .note(&format!("[{}] {}", clock_now(), describe(view)));
        }
    }

    /// The run is over: the live line goes away.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
            self.console.set_bar(None);
        }
    }
}

/// The local time, `HH:MM:SS`.
fn clock_now() -> String {
    let stamp = stampede_report::local_rfc3339(SystemTime::now());
    stamp.get(11..19).unwrap_or(&stamp).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_the_run_in_one_line() {
        let v = ProgressView {
            elapsed: Duration::from_millis(12_400),
            planned: Some(Duration::from_secs(20)),
            phase: Some((2, 2)),
            users: 23,
            rate: 45.2,
            errors: 0,
            p99_ms: Some(12.34),
            stopping: None,
        };
        assert_eq!(
            describe(&v),
            "12 s / 20 s · phase 2/2 · 23 users · 45.2 req/s · 0 errors · p99 12.3 ms"
        );
        let quiet = ProgressView {
            planned: None,
            phase: None,
            users: 1,
            errors: 1,
            p99_ms: None,
            stopping: Some(StopKind::Graceful),
            ..v.clone()
        };
        assert_eq!(
            describe(&quiet),
            "stopping · 12 s · 1 user · 45.2 req/s · 1 error"
        );
        let finishing = ProgressView {
            elapsed: Duration::from_secs(28),
            phase: None,
            ..v
        };
        assert_eq!(
            describe(&finishing),
            "28 s · phases over, users finishing · 23 users · 45.2 req/s · 0 errors · p99 12.3 ms"
        );
    }
}
