//! `report.html`: one self-contained page (inline CSS, SVG and a little script; nothing is
//! fetched), generated from a [`StatsFile`].

mod chart;
mod monitor;

use crate::columns::{RateRow, Rules, SampleRow, TsungTables};
use crate::human;
use crate::stats_file::{SampleTotals, StatsFile};
use chart::{Chart, Series, Unit};
use stampede_metrics::{IntervalSummary, PERCENTILES, status_key};
use std::fmt::Write as _;

/// The file's name in a run directory.
pub const REPORT_HTML: &str = "report.html";

const STYLE: &str = include_str!("style.css");
const SCRIPT: &str = include_str!("script.js");
const PALETTE: [&str; 8] = [
    "#3b5bdb", "#e8590c", "#2f9e44", "#c2255c", "#7048e8", "#0c8599", "#f59f00", "#495057",
];

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// How the run went, in one word and a colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Completed, under 1 % errors, at least 99 % of sessions finished.
    Good,
    /// Stopped early, or some errors or failed sessions.
    Warning,
    /// 5 % errors or more, under 90 % finished sessions, or ended by an error.
    Bad,
}

/// Key figures of the header.
#[derive(Clone, Debug, PartialEq)]
pub struct Headline {
    /// The verdict.
    pub verdict: Verdict,
    /// Errors / (completed requests + errors).
    pub error_rate: Option<f64>,
    /// Sessions that finished / sessions that ended on their own (test stop excluded).
    pub session_success: Option<f64>,
    /// 99th percentile of `request` (ms).
    pub p99_ms: Option<f64>,
}

impl Headline {
    /// The headline of a run.
    pub fn of(stats: &StatsFile) -> Self {
        let t = &stats.totals;
        let errors = t.errors_total();
        let attempts = t.request.count + errors;
        let error_rate = (attempts > 0).then(|| errors as f64 / attempts as f64);
        let completed: u64 = t.sessions.iter().map(|s| s.completed).sum();
        let failed: u64 = t
            .sessions
            .iter()
            .flat_map(|s| s.aborted.iter())
            .filter(|(k, _)| k.as_str() != "test_stopped")
            .map(|(_, n)| n)
            .sum();
        let session_success =
            (completed + failed > 0).then(|| completed as f64 / (completed + failed) as f64);
        let er = error_rate.unwrap_or(0.0);
        let ss = session_success.unwrap_or(1.0);
        let outcome = &stats.run.outcome;
        let verdict =
            if er >= 0.05 || ss < 0.90 || matches!(outcome.reason, crate::StopReason::Error) {
                Verdict::Bad
            } else if er >= 0.01 || ss < 0.99 || !outcome.completed {
                Verdict::Warning
            } else {
                Verdict::Good
            };
        Self {
            verdict,
            error_rate,
            session_success,
            p99_ms: t.request.percentile("p99"),
        }
    }
}

struct Page<'a> {
    stats: &'a StatsFile,
    out: String,
    chart_data: serde_json::Map<String, serde_json::Value>,
}

/// The whole page.
pub fn render(stats: &StatsFile) -> String {
    let mut page = Page {
        stats,
        out: String::with_capacity(256 * 1024),
        chart_data: serde_json::Map::new(),
    };
    page.document();
    page.out
}

impl Page<'_> {
    fn w(&mut self, s: &str) {
        self.out.push_str(s);
    }

    fn document(&mut self) {
        let stats = self.stats;
        let run = &stats.run;
        let title = if run.scenario.name.is_empty() {
            "Stampede report".to_owned()
        } else {
            format!("{} — Stampede report", run.scenario.name)
        };
        let _ = write!(
            self.out,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body>",
            esc(&title)
        );
        let _ = write!(
            self.out,
            "<header class=\"top\"><div class=\"brand\">Stampede load test report</div><h1>{}</h1><p class=\"sub\">{} · {} · {}</p></header><main>",
            esc(if run.scenario.name.is_empty() {
                &run.scenario.path
            } else {
                &run.scenario.name
            }),
            esc(&run.started_at),
            esc(&human::seconds(run.duration_s)),
            esc(&run.scenario.path)
        );
        self.verdict();
        let monitor_rows = monitor::rows(&stats.intervals);
        self.w("<nav class=\"toc\"><a href=\"#graphs\">Graphs</a><a href=\"#main\">Main statistics</a><a href=\"#transactions\">Transactions</a><a href=\"#requests\">Requests</a><a href=\"#sessions\">Sessions</a><a href=\"#network\">Network</a>");
        if !monitor_rows.is_empty() {
            self.w("<a href=\"#monitoring\">Server monitoring</a>");
        }
        self.w("<a href=\"#counters\">Counters</a><a href=\"#codes\">HTTP codes</a><a href=\"#errors\">Errors</a><a href=\"#run\">Run</a></nav>");
        let tables = TsungTables::compute(stats, Rules::Stampede);
        self.graphs();
        self.main_statistics(&tables);
        self.transactions(&tables);
        self.requests();
        self.sessions();
        self.network(&tables);
        self.monitoring(&monitor_rows);
        self.counters(&tables);
        self.codes(&tables);
        self.errors(&tables);
        self.run_info();
        let _ = write!(
            self.out,
            "<footer>Generated by Stampede {} from <code>stats.json</code> ({}). Tsung-style columns use every interval and the whole run; <code>tsung.log</code> keeps Tsung's own conventions.</footer></main>",
            esc(&run.stampede_version),
            esc(&stats.schema)
        );
        let data = serde_json::Value::Object(std::mem::take(&mut self.chart_data)).to_string();
        let data = data.replace("</", "<\\/");
        let _ = writeln!(
            self.out,
            "<script type=\"application/json\" id=\"chart-data\">{data}</script><script>{SCRIPT}</script></body></html>"
        );
    }

    fn verdict(&mut self) {
        let stats = self.stats;
        let h = Headline::of(stats);
        let t = &stats.totals;
        let (class, word) = match h.verdict {
            Verdict::Good => ("ok", "Healthy run"),
            Verdict::Warning => ("warn", "Needs a look"),
            Verdict::Bad => ("bad", "Failing"),
        };
        let outcome = &stats.run.outcome;
        let status = if outcome.completed {
            format!("Completed: {}", outcome.reason.describe())
        } else {
            format!("Not completed: {}", outcome.reason.describe())
        };
        let _ = write!(
            self.out,
            "<section class=\"verdict {class}\" id=\"verdict\"><div class=\"badge\"><b>{word}</b><span>{}</span>{}</div><div class=\"kpis\">",
            esc(&status),
            outcome
                .detail
                .as_deref()
                .map(|d| format!("<span>{}</span>", esc(d)))
                .unwrap_or_default()
        );
        let rate = if stats.run.duration_s > 0.0 {
            t.request.count as f64 / stats.run.duration_s
        } else {
            0.0
        };
        let kpis = [
            ("Requests", human::count(t.request.count), human::rate(rate)),
            (
                "Error rate",
                h.error_rate.map_or("–".into(), human::percent),
                format!("{} errors", human::count(t.errors_total())),
            ),
            (
                "p99 response",
                human::opt_ms(h.p99_ms),
                format!("mean {}", human::opt_ms(t.request.mean_ms)),
            ),
            (
                "Sessions finished",
                h.session_success.map_or("–".into(), human::percent),
                format!(
                    "{} started",
                    human::count(t.sessions.iter().map(|s| s.started).sum())
                ),
            ),
            (
                "Users max",
                t.users.max.to_string(),
                format!("{} connections max", t.connections.max),
            ),
            (
                "Received",
                human::bytes(t.bytes_received),
                format!("{} sent", human::bytes(t.bytes_sent)),
            ),
        ];
        for (label, value, note) in kpis {
            let _ = write!(
                self.out,
                "<div class=\"kpi\"><div class=\"label\">{}</div><div class=\"value\">{}</div><div class=\"note\">{}</div></div>",
                esc(label),
                esc(&value),
                esc(&note)
            );
        }
        self.w("</div></section>");
    }

    fn graphs(&mut self) {
        let stats = self.stats;
        let iv = &stats.intervals;
        let x: Vec<f64> = iv.iter().map(|s| s.end_ns as f64 / 1e9).collect();
        let x_max = x.last().copied().unwrap_or(0.0).max(stats.run.duration_s);
        let phases: Vec<(f64, String)> = stats
            .run
            .phases
            .iter()
            .map(|p| (p.start_s, format!("phase {}", p.number)))
            .collect();
        let per_s = |f: &dyn Fn(&IntervalSummary) -> u64| -> Vec<Option<f64>> {
            iv.iter()
                .map(|s| {
                    let d = s.duration_s();
                    (d > 0.0).then(|| f(s) as f64 / d)
                })
                .collect()
        };
        let ms_of = |f: &dyn Fn(&IntervalSummary) -> Option<f64>| -> Vec<Option<f64>> {
            iv.iter().map(f).collect()
        };
        let series = |name: &str, i: usize, values: Vec<Option<f64>>, dashed: bool| Series {
            name: name.to_owned(),
            color: PALETTE[i % PALETTE.len()],
            values,
            dashed,
        };
        let mut charts: Vec<Chart<'_>> = Vec::new();
        let mut latency = vec![
            series(
                "request mean",
                0,
                ms_of(&|s| s.request.mean_ns().map(|v| v / 1e6)),
                false,
            ),
            series(
                "request p99",
                0,
                ms_of(&|s| (s.request.count > 0).then(|| s.request.p99 as f64 / 1e6)),
                true,
            ),
        ];
        if stats.totals.page.count > 0 {
            latency.push(series(
                "page mean",
                1,
                ms_of(&|s| s.page.mean_ns().map(|v| v / 1e6)),
                false,
            ));
        }
        if stats.totals.connect.count > 0 {
            latency.push(series(
                "connect mean",
                2,
                ms_of(&|s| s.connect.mean_ns().map(|v| v / 1e6)),
                false,
            ));
        }
        charts.push(Chart {
            id: "latency".into(),
            title: "Response time (mean and p99)".into(),
            unit: Unit::Ms,
            x: &x,
            series: latency,
            phases: &phases,
            x_max,
        });
        let mut tr_series = Vec::new();
        for (i, t) in stats
            .totals
            .transactions
            .iter()
            .enumerate()
            .filter(|(_, t)| t.stats.count > 0)
            .take(PALETTE.len())
        {
            tr_series.push(series(
                &t.stat_name,
                tr_series.len(),
                iv.iter()
                    .map(|s| {
                        s.transactions
                            .get(i)
                            .and_then(|m| m.mean_ns())
                            .map(|v| v / 1e6)
                    })
                    .collect(),
                false,
            ));
        }
        if !tr_series.is_empty() {
            charts.push(Chart {
                id: "transactions".into(),
                title: "Transactions (mean duration)".into(),
                unit: Unit::Ms,
                x: &x,
                series: tr_series,
                phases: &phases,
                x_max,
            });
        }
        charts.push(Chart {
            id: "throughput".into(),
            title: "Throughput".into(),
            unit: Unit::PerSecond,
            x: &x,
            series: vec![
                series("requests/s", 0, per_s(&|s| s.request.count), false),
                series("pages/s", 1, per_s(&|s| s.page.count), false),
                series("users started/s", 2, per_s(&|s| s.users_started), false),
            ],
            phases: &phases,
            x_max,
        });
        charts.push(Chart {
            id: "users".into(),
            title: "Simultaneous users and open connections".into(),
            unit: Unit::Count,
            x: &x,
            series: vec![
                series(
                    "users",
                    4,
                    iv.iter().map(|s| Some(s.users as f64)).collect(),
                    false,
                ),
                series(
                    "connections",
                    5,
                    iv.iter().map(|s| Some(s.connected as f64)).collect(),
                    false,
                ),
            ],
            phases: &phases,
            x_max,
        });
        let mut codes: Vec<(u16, u64)> = stats.totals.status.iter().collect();
        codes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let code_series: Vec<Series> = codes
            .iter()
            .take(PALETTE.len())
            .enumerate()
            .map(|(i, (code, _))| {
                let code = *code;
                series(
                    &status_key(code),
                    i,
                    per_s(&move |s: &IntervalSummary| s.status.get(code)),
                    false,
                )
            })
            .collect();
        if !code_series.is_empty() {
            charts.push(Chart {
                id: "codes".into(),
                title: "HTTP status codes (responses/s)".into(),
                unit: Unit::PerSecond,
                x: &x,
                series: code_series,
                phases: &phases,
                x_max,
            });
        }
        let mut errors: Vec<(usize, u64)> = stampede_model::ErrorClass::ALL
            .iter()
            .map(|e| {
                (
                    e.index(),
                    iv.iter()
                        .map(|s| s.errors.get(e.index()).copied().unwrap_or(0))
                        .sum(),
                )
            })
            .filter(|(_, n)| *n > 0)
            .collect();
        errors.sort_by_key(|e| std::cmp::Reverse(e.1));
        let error_series: Vec<Series> = errors
            .iter()
            .take(PALETTE.len())
            .enumerate()
            .map(|(i, (e, _))| {
                let e = *e;
                let name = stampede_model::ErrorClass::ALL
                    .get(e)
                    .map_or("error", |c| c.tsung_name());
                series(
                    name,
                    i + 3,
                    per_s(&move |s: &IntervalSummary| s.errors.get(e).copied().unwrap_or(0)),
                    false,
                )
            })
            .collect();
        let has_errors = !error_series.is_empty();
        if has_errors {
            charts.push(Chart {
                id: "errors".into(),
                title: "Errors (per second)".into(),
                unit: Unit::PerSecond,
                x: &x,
                series: error_series,
                phases: &phases,
                x_max,
            });
        }
        let kbit = |f: &dyn Fn(&IntervalSummary) -> u64| {
            per_s(f)
                .into_iter()
                .map(|v| v.map(|v| v * 8.0 / 1000.0))
                .collect::<Vec<_>>()
        };
        charts.push(Chart {
            id: "network".into(),
            title: "Network throughput".into(),
            unit: Unit::KbitPerSecond,
            x: &x,
            series: vec![
                series("received", 0, kbit(&|s| s.bytes_received), false),
                series("sent", 1, kbit(&|s| s.bytes_sent), false),
            ],
            phases: &phases,
            x_max,
        });

        self.w("<section id=\"graphs\"><h2>Graphs</h2>");
        let _ = write!(
            self.out,
            "<p class=\"hint\">One point per {} interval, at its end; dashed vertical lines mark the start of each arrival phase. Hover for values.</p><div class=\"charts\">",
            esc(&human::seconds(stats.run.interval_s))
        );
        for c in &charts {
            let html = chart::render(c, &mut self.chart_data);
            self.w(&html);
        }
        if !has_errors {
            self.w("<p class=\"empty\">No errors during the run.</p>");
        }
        self.w("</div></section>");
    }

    fn sample_table(&mut self, rows: &[SampleRow]) {
        let secs = self.stats.run.interval_s;
        let interval = if secs.fract() == 0.0 {
            format!("{secs:.0}s")
        } else {
            format!("{secs:.1}s")
        };
        let _ = write!(
            self.out,
            "<div class=\"table-wrap\"><table><thead><tr><th>Name</th><th>Highest {interval} mean</th><th>Lowest {interval} mean</th><th>Highest rate</th><th>Mean rate</th><th>Mean</th><th>Count</th></tr></thead><tbody>"
        );
        for r in rows {
            let _ = write!(
                self.out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&r.name),
                human::opt_ms(r.highest_mean_ms),
                human::opt_ms(r.lowest_mean_ms),
                human::rate(r.highest_rate),
                human::rate(r.mean_rate),
                human::opt_ms(r.mean_ms),
                human::count(r.count)
            );
        }
        self.w("</tbody></table></div>");
    }

    fn percentile_table(&mut self, rows: &[(String, &SampleTotals)]) {
        self.w(
            "<div class=\"table-wrap\"><table><thead><tr><th>Name</th><th>Count</th><th>Min</th>",
        );
        for (label, _) in PERCENTILES {
            let _ = write!(self.out, "<th>{label}</th>");
        }
        self.w("<th>Max</th><th>Mean</th><th>Stddev</th></tr></thead><tbody>");
        for (name, s) in rows {
            let _ = write!(
                self.out,
                "<tr><td>{}</td><td>{}</td><td>{}</td>",
                esc(name),
                human::count(s.count),
                human::opt_ms(s.min_ms)
            );
            for (label, _) in PERCENTILES {
                let _ = write!(self.out, "<td>{}</td>", human::opt_ms(s.percentile(label)));
            }
            let _ = write!(
                self.out,
                "<td>{}</td><td>{}</td><td>{}</td></tr>",
                human::opt_ms(s.max_ms),
                human::opt_ms(s.mean_ms),
                human::opt_ms(s.stddev_ms)
            );
        }
        self.w("</tbody></table></div>");
    }

    fn main_statistics(&mut self, tables: &TsungTables) {
        let t = &self.stats.totals;
        self.w("<section id=\"main\"><h2>Main statistics</h2><p class=\"hint\">Tsung's columns: interval means and rates over the run; Mean and Count cover every sample.</p>");
        if tables.main.is_empty() {
            self.w("<p class=\"empty\">No samples.</p>");
        } else {
            self.sample_table(&tables.main);
        }
        self.w("<h3>Percentiles</h3>");
        let rows: Vec<(String, &SampleTotals)> = [
            ("request", &t.request),
            ("page", &t.page),
            ("connect", &t.connect),
            ("session", &t.session),
        ]
        .into_iter()
        .filter(|(_, s)| s.count > 0)
        .map(|(n, s)| (n.to_owned(), s))
        .collect();
        self.percentile_table(&rows);
        self.w("</section>");
    }

    fn transactions(&mut self, tables: &TsungTables) {
        self.w("<section id=\"transactions\"><h2>Transactions</h2>");
        if tables.transactions.is_empty() {
            self.w("<p class=\"empty\">No transaction in this run.</p></section>");
            return;
        }
        self.sample_table(&tables.transactions);
        self.w("<h3>Percentiles</h3>");
        let rows: Vec<(String, &SampleTotals)> = self
            .stats
            .totals
            .transactions
            .iter()
            .filter(|t| t.stats.count > 0)
            .map(|t| (t.stat_name.clone(), &t.stats))
            .collect();
        self.percentile_table(&rows);
        self.w("</section>");
    }

    fn requests(&mut self) {
        let t = &self.stats.totals;
        self.w("<section id=\"requests\"><h2>Requests</h2><p class=\"hint\">Every request of the scenario: completed count, durations (2-digit precision percentiles), status codes and errors.</p>");
        if t.requests.is_empty() {
            self.w("<p class=\"empty\">No request in this scenario.</p></section>");
            return;
        }
        self.w("<div class=\"table-wrap\"><table><thead><tr><th>#</th><th class=\"text\">Session</th><th class=\"text\">Method</th><th class=\"text\">URL</th><th>Count</th><th>Mean</th><th>p50</th><th>p90</th><th>p99</th><th>Max</th><th class=\"text\">Codes</th><th class=\"text\">Errors</th></tr></thead><tbody>");
        for r in &t.requests {
            let codes: String = r
                .codes
                .iter()
                .map(|(c, n)| {
                    let class = c.chars().next().map_or("", |d| match d {
                        '2' => " c2",
                        '3' => " c3",
                        '4' => " c4",
                        '5' => " c5",
                        _ => "",
                    });
                    format!(
                        "<span class=\"pill{class}\">{} × {}</span>",
                        esc(c),
                        human::count(*n)
                    )
                })
                .collect();
            let errors: String = r
                .errors
                .iter()
                .map(|(e, n)| {
                    format!(
                        "<span class=\"pill err\">{} × {}</span>",
                        esc(e),
                        human::count(*n)
                    )
                })
                .collect();
            let s = &r.stats;
            let _ = write!(
                self.out,
                "<tr><td>{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td><td class=\"url\" title=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"text\">{codes}</td><td class=\"text\">{errors}</td></tr>",
                r.id,
                esc(&r.session),
                esc(&r.method),
                esc(&r.url),
                esc(&r.url),
                human::count(s.count),
                human::opt_ms(s.mean_ms),
                human::opt_ms(s.percentile("p50")),
                human::opt_ms(s.percentile("p90")),
                human::opt_ms(s.percentile("p99")),
                human::opt_ms(s.max_ms)
            );
        }
        self.w("</tbody></table></div></section>");
    }

    fn sessions(&mut self) {
        let t = &self.stats.totals;
        self.w("<section id=\"sessions\"><h2>Did users finish their tasks?</h2><p class=\"hint\">Users per session: how many ran the session to its end, and why the others stopped. Success leaves out users cut by the end of the test.</p>");
        if t.sessions.is_empty() {
            self.w("<p class=\"empty\">No session.</p></section>");
            return;
        }
        self.w("<div class=\"table-wrap\"><table><thead><tr><th>Session</th><th>Started</th><th>Completed</th><th>Aborted</th><th class=\"text\">Aborted by reason</th><th>Cut by test end</th><th>Still running</th><th>Success</th></tr></thead><tbody>");
        let mut total = (0u64, 0u64, 0u64, 0u64, 0u64);
        for s in &t.sessions {
            let cut = s.aborted.get("test_stopped").copied().unwrap_or(0);
            let aborted = s.aborted_total() - cut;
            let ended = s.completed + aborted;
            let reasons: String = s
                .aborted
                .iter()
                .filter(|(k, _)| k.as_str() != "test_stopped")
                .map(|(k, n)| {
                    format!(
                        "<span class=\"pill err\">{} × {}</span>",
                        esc(k),
                        human::count(*n)
                    )
                })
                .collect();
            let success = (ended > 0).then(|| s.completed as f64 / ended as f64);
            let class = match success {
                Some(v) if v >= 0.99 => " class=\"good\"",
                Some(v) if v < 0.9 => " class=\"bad\"",
                _ => "",
            };
            let _ = write!(
                self.out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"text\">{reasons}</td><td>{}</td><td>{}</td><td{class}>{}</td></tr>",
                esc(&s.name),
                human::count(s.started),
                human::count(s.completed),
                human::count(aborted),
                human::count(cut),
                human::count(s.running),
                success.map_or("–".into(), human::percent)
            );
            total.0 += s.started;
            total.1 += s.completed;
            total.2 += aborted;
            total.3 += cut;
            total.4 += s.running;
        }
        if t.sessions.len() > 1 {
            let ended = total.1 + total.2;
            let _ = write!(
                self.out,
                "<tr><td><b>all sessions</b></td><td>{}</td><td>{}</td><td>{}</td><td></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                human::count(total.0),
                human::count(total.1),
                human::count(total.2),
                human::count(total.3),
                human::count(total.4),
                if ended > 0 {
                    human::percent(total.1 as f64 / ended as f64)
                } else {
                    "–".into()
                }
            );
        }
        self.w("</tbody></table></div></section>");
    }

    fn rate_table(
        &mut self,
        rows: &[RateRow],
        first: &str,
        mean_rate: bool,
        total_header: &str,
        fmt_total: &dyn Fn(u64) -> String,
        fmt_rate: &dyn Fn(f64) -> String,
    ) {
        let _ = write!(
            self.out,
            "<div class=\"table-wrap\"><table><thead><tr><th>{}</th><th>Highest rate</th>{}<th>{}</th></tr></thead><tbody>",
            esc(first),
            if mean_rate { "<th>Mean rate</th>" } else { "" },
            esc(total_header)
        );
        for r in rows {
            let _ = write!(
                self.out,
                "<tr><td>{}</td><td>{}</td>",
                esc(&r.name),
                fmt_rate(r.highest_rate)
            );
            if mean_rate {
                let _ = write!(self.out, "<td>{}</td>", fmt_rate(r.mean_rate));
            }
            let _ = write!(self.out, "<td>{}</td></tr>", fmt_total(r.total));
        }
        self.w("</tbody></table></div>");
    }

    fn network(&mut self, tables: &TsungTables) {
        self.w("<section id=\"network\"><h2>Network throughput</h2>");
        if tables.network.is_empty() {
            self.w("<p class=\"empty\">No traffic.</p>");
        } else {
            self.rate_table(
                &tables.network,
                "Name",
                true,
                "Total",
                &human::bytes,
                &human::bits_per_second,
            );
        }
        self.w("</section>");
    }

    /// Only when some host was monitored.
    fn monitoring(&mut self, rows: &[monitor::MonitorRow]) {
        if rows.is_empty() {
            return;
        }
        self.w("<section id=\"monitoring\"><h2>Server monitoring</h2><p class=\"hint\">OS metrics of the monitored hosts, read once per interval (the generator's own machine is always monitored; cpu: 100 % = every core busy).</p><div class=\"table-wrap\"><table><thead><tr><th>Host</th><th>Metric</th><th>Highest interval mean</th><th>Lowest interval mean</th><th>Mean</th></tr></thead><tbody>");
        for r in rows {
            let _ = write!(
                self.out,
                "<tr><td>{}</td><td>{}</td><td>{:.2}</td><td>{:.2}</td><td>{:.2}</td></tr>",
                esc(&r.node),
                r.label(),
                r.highest,
                r.lowest,
                r.mean
            );
        }
        self.w("</tbody></table></div></section>");
    }

    fn counters(&mut self, tables: &TsungTables) {
        self.w("<section id=\"counters\"><h2>Counters</h2>");
        if tables.counters.is_empty() {
            self.w("<p class=\"empty\">No match counter moved.</p>");
        } else {
            self.rate_table(
                &tables.counters,
                "Name",
                true,
                "Total",
                &human::count,
                &human::rate,
            );
        }
        self.w("<h3>Maximum values</h3><div class=\"table-wrap\"><table><thead><tr><th>Name</th><th>Max</th></tr></thead><tbody>");
        for (name, v) in &tables.maxima {
            let value = u64::try_from(*v).map_or_else(|_| v.to_string(), human::count);
            let _ = write!(self.out, "<tr><td>{}</td><td>{value}</td></tr>", esc(name));
        }
        self.w("</tbody></table></div></section>");
    }

    fn codes(&mut self, tables: &TsungTables) {
        self.w("<section id=\"codes\"><h2>HTTP return codes</h2>");
        if tables.codes.is_empty() {
            self.w("<p class=\"empty\">No HTTP response.</p>");
        } else {
            self.rate_table(
                &tables.codes,
                "Code",
                true,
                "Total",
                &human::count,
                &human::rate,
            );
        }
        self.w("</section>");
    }

    fn errors(&mut self, tables: &TsungTables) {
        self.w("<section id=\"errors\"><h2>Errors</h2>");
        if tables.errors.is_empty() {
            self.w("<p class=\"empty\">No errors.</p>");
        } else {
            self.rate_table(
                &tables.errors,
                "Name",
                false,
                "Total",
                &human::count,
                &human::rate,
            );
        }
        self.w("</section>");
    }

    fn run_info(&mut self) {
        let run = &self.stats.run;
        self.w("<section id=\"run\"><h2>Run</h2><dl class=\"meta\">");
        let mut item = |k: &str, v: String| {
            let _ = write!(self.out, "<dt>{}</dt><dd>{}</dd>", esc(k), v);
        };
        item("Scenario", esc(&run.scenario.path));
        if run.scenario.files.len() > 1 {
            item(
                "Included files",
                run.scenario.files[1..]
                    .iter()
                    .map(|f| esc(f))
                    .collect::<Vec<_>>()
                    .join("<br>"),
            );
        }
        item(
            "Command",
            format!("<code>{}</code>", esc(&run.command_line.join(" "))),
        );
        item("Started", esc(&run.started_at));
        item("Ended", esc(&run.ended_at));
        item("Duration", esc(&human::seconds(run.duration_s)));
        item("Interval", esc(&human::seconds(run.interval_s)));
        item("Seed", run.seed.map_or("–".into(), |s| s.to_string()));
        item(
            "Outcome",
            esc(&format!(
                "{} ({}){}",
                if run.outcome.completed {
                    "completed"
                } else {
                    "not completed"
                },
                run.outcome.reason.describe(),
                run.outcome
                    .detail
                    .as_deref()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            )),
        );
        self.w("</dl>");
        if !run.phases.is_empty() {
            self.w("<h3>Arrival phases</h3><div class=\"table-wrap\"><table><thead><tr><th>Phase</th><th>Started at</th><th>Duration</th><th>Arrival rate</th></tr></thead><tbody>");
            for p in &run.phases {
                let _ = write!(
                    self.out,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.3} users/s</td></tr>",
                    p.number,
                    esc(&human::seconds(p.start_s)),
                    esc(&human::seconds(p.duration_s)),
                    p.users_per_second
                );
            }
            self.w("</tbody></table></div>");
        }
        self.w("</section>");
    }
}
