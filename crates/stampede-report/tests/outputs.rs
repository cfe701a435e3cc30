//! Every output of a deterministic synthetic run: stats.json (snapshot), HTML structure
//! (snapshot of a normalised outline), CSV, terminal summary, and counts that agree everywhere.
#![allow(clippy::unwrap_used)]

use stampede_report::synthetic::{self, Synthetic};
use stampede_report::{StatsFile, generate_report, render_summary, write_outputs};

fn small() -> Synthetic {
    Synthetic {
        duration_s: 35,
        interval_s: 10,
        users_per_second: 3,
        ..Synthetic::default()
    }
}

/// Headings, tables (header cells and row counts) and chart counts of a page, one per line.
fn outline(html: &str) -> String {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start..];
        let tag_end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[1..tag_end];
        let name = tag
            .split(|c: char| c.is_whitespace() || c == '>')
            .next()
            .unwrap_or("");
        match name {
            "h1" | "h2" | "h3" => {
                let close = format!("</{name}>");
                let end = rest.find(&close).unwrap();
                let text = &rest[tag_end + 1..end];
                out.push(format!("{name}: {}", strip_tags(text)));
            }
            "table" => {
                let end = rest.find("</table>").unwrap();
                let table = &rest[..end];
                let headers: Vec<String> = table
                    .split("<th")
                    .skip(1)
                    .filter(|h| h.starts_with('>') || h.starts_with(' '))
                    .map(|h| strip_tags(&h[h.find('>').unwrap() + 1..h.find("</th>").unwrap()]))
                    .collect();
                let rows = table.matches("<tr>").count().saturating_sub(1);
                out.push(format!("  table [{}] rows={rows}", headers.join(" | ")));
            }
            "figure" => {
                let cap_start = rest.find("<figcaption>").unwrap() + "<figcaption>".len();
                let cap_end = rest.find("</figcaption>").unwrap();
                let figure_end = rest.find("</figure>").unwrap();
                let fig = &rest[..figure_end];
                out.push(format!(
                    "  chart \"{}\" series={} phases={}",
                    &rest[cap_start..cap_end],
                    fig.matches("class=\"key").count(),
                    fig.matches("class=\"phase\"").count()
                ));
            }
            _ => {}
        }
        rest = &rest[1..];
    }
    out.push(format!("svg={}", html.matches("<svg").count()));
    out.join("\n")
}

fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in s.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            _ if !inside => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn stats_json_snapshot() {
    let (stats, _, _) = synthetic::run(small());
    let json = serde_json::to_string_pretty(&stats).unwrap();
    insta::assert_snapshot!("stats_json", json);
}

#[test]
fn html_outline_snapshot() {
    let (stats, _, _) = synthetic::run(small());
    let html = stampede_report::html::render(&stats);
    insta::assert_snapshot!("html_outline", outline(&html));
}

#[test]
fn html_is_self_contained() {
    let (stats, _, _) = synthetic::run(small());
    let html = stampede_report::html::render(&stats);
    for needle in ["http://", "https://", "<link", "src=", "@import", "url("] {
        assert!(!html.contains(needle), "report references {needle}");
    }
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
}

#[test]
fn regenerating_from_stats_json_gives_the_same_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (stats, _, _) = synthetic::run(small());
    let written = write_outputs(tmp.path(), &stats).unwrap();
    let html = std::fs::read_to_string(&written.report_html).unwrap();
    let csv = std::fs::read_to_string(&written.timeseries_csv).unwrap();
    let reread = StatsFile::read(&written.stats_json).unwrap();
    assert_eq!(reread, stats);
    std::fs::remove_file(&written.report_html).unwrap();
    let again = generate_report(tmp.path()).unwrap();
    assert_eq!(std::fs::read_to_string(again.report_html).unwrap(), html);
    assert_eq!(std::fs::read_to_string(again.timeseries_csv).unwrap(), csv);
}

#[test]
fn wrong_schema_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("stats.json"), r#"{"schema":"other/9"}"#).unwrap();
    let err = generate_report(tmp.path()).unwrap_err().to_string();
    assert!(err.contains("unsupported schema"), "{err}");
    std::fs::write(tmp.path().join("stats.json"), "{").unwrap();
    assert!(generate_report(tmp.path()).is_err());
}

/// Sent requests = responses with a status + failures without one, and the same totals in
/// stats.json (totals, per-request rows, intervals), the CSV, tsung.log and the summary.
#[test]
fn counts_agree_across_outputs() {
    let (stats, agg, sent) = synthetic::run(small());
    let t = &stats.totals;
    let codes_total = t.status.total();
    let errors_without_request: u64 = t
        .errors
        .get("error_connect_econnrefused")
        .copied()
        .unwrap_or(0);
    let request_errors: u64 = t.requests.iter().flat_map(|r| r.errors.values()).sum();
    // Every request either got a status (and completed) or failed without one.
    assert_eq!(t.request.count, sent.with_status);
    assert_eq!(codes_total, sent.with_status);
    assert_eq!(request_errors, sent.without_status);
    assert_eq!(t.request.count + request_errors, sent.requests);
    assert_eq!(t.errors_total(), request_errors + errors_without_request);
    // Per-request rows add up to the totals.
    let row_counts: u64 = t.requests.iter().map(|r| r.stats.count).sum();
    let row_codes: u64 = t.requests.iter().flat_map(|r| r.codes.values()).sum();
    assert_eq!(row_counts, t.request.count);
    assert_eq!(row_codes, codes_total);
    // Intervals add up to the totals.
    let iv_requests: u64 = stats.intervals.iter().map(|s| s.request.count).sum();
    let iv_codes: u64 = stats.intervals.iter().map(|s| s.status.total()).sum();
    let iv_errors: u64 = stats.intervals.iter().map(|s| s.errors_total()).sum();
    assert_eq!(
        (iv_requests, iv_codes, iv_errors),
        (t.request.count, codes_total, t.errors_total())
    );
    // CSV.
    let csv = stampede_report::csv::render(&stats);
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let sum_col = |name: &str| -> u64 {
        csv.lines()
            .skip(1)
            .map(|l| l.split(',').nth(col(name)).unwrap().parse::<u64>().unwrap())
            .sum()
    };
    assert_eq!(sum_col("request_count"), t.request.count);
    let csv_codes: u64 = [
        "status_1xx",
        "status_2xx",
        "status_3xx",
        "status_4xx",
        "status_5xx",
        "status_other",
    ]
    .iter()
    .map(|c| sum_col(c))
    .sum();
    assert_eq!(csv_codes, codes_total);
    assert_eq!(sum_col("errors"), t.errors_total());
    // tsung.log: the last block's cumulative columns.
    let log = stampede_report::render_all(&stats.layout, agg.series(), None);
    let last_block = log.rsplit("# stats: dump at").next().unwrap();
    let field = |name: &str, idx: usize| -> u64 {
        last_block
            .lines()
            .find(|l| l.starts_with(&format!("stats: {name} ")))
            .map(|l| l.split(' ').nth(idx).unwrap().parse().unwrap())
            .unwrap_or(0)
    };
    let log_codes: u64 = t.status.iter().map(|(c, _)| field(&c.to_string(), 3)).sum();
    assert_eq!(log_codes, codes_total);
    let last_request = stats.intervals.last().unwrap().request.count;
    assert_eq!(
        field("request", 8) + last_request,
        t.request.count,
        "lagging global count"
    );
    assert_eq!(field("error_timeout", 3), t.errors["error_timeout"]);
    // Terminal summary.
    let summary = render_summary(&stats, None);
    let line = summary
        .lines()
        .find(|l| l.trim_start().starts_with("request"))
        .unwrap();
    assert!(
        line.split_whitespace()
            .any(|w| w == t.request.count.to_string()),
        "{line}"
    );
    for (code, n) in t.status.iter() {
        assert!(summary.contains(&format!("{code} {n}")), "{summary}");
    }
    // HTML: the Main statistics count and every code total.
    let html = stampede_report::html::render(&stats);
    assert!(html.contains(&stampede_report::human::count(t.request.count)));
}

#[test]
fn terminal_summary_snapshot() {
    let (stats, _, _) = synthetic::run(small());
    insta::assert_snapshot!(
        "terminal_summary",
        render_summary(&stats, Some(std::path::Path::new("/runs/x/report.html")))
    );
}

#[test]
fn csv_snapshot() {
    let (stats, _, _) = synthetic::run(small());
    insta::assert_snapshot!("timeseries_csv", stampede_report::csv::render(&stats));
}

#[test]
fn an_hour_long_series_stays_small() {
    let (stats, agg, _) = synthetic::run(Synthetic {
        duration_s: 3600,
        interval_s: 10,
        users_per_second: 1,
        workers: 2,
        flush_every_s: 10,
        ..Synthetic::default()
    });
    assert_eq!(stats.intervals.len(), 360);
    let bytes = agg.series_memory_bytes();
    assert!(bytes < 1024 * 1024, "series keeps {bytes} bytes");
}

#[test]
fn an_empty_run_still_renders() {
    let stats = StatsFile::build(
        stampede_report::RunInfo::default(),
        &stampede_metrics::Layout::default(),
        &[],
        &stampede_metrics::Snapshot::with_sizes(0, 0, 0),
    );
    let html = stampede_report::html::render(&stats);
    assert!(html.contains("No samples."));
    assert!(html.trim_end().ends_with("</html>"));
    let csv = stampede_report::csv::render(&stats);
    assert_eq!(csv.lines().count(), 1);
    let summary = render_summary(&stats, None);
    assert!(summary.contains("HTTP codes: none"), "{summary}");
}

#[test]
fn odd_values_do_not_break_the_page() {
    let (mut stats, _, _) = synthetic::run(small());
    stats.layout.transactions[0] = "<script>alert(1)</script>".into();
    stats.totals.transactions[0].stat_name = "tr_<script>".into();
    stats.run.scenario.name = "a & b </script>".into();
    stats.intervals[0].request.max = u64::MAX;
    stats.intervals[1].request.p99 = 1;
    let html = stampede_report::html::render(&stats);
    assert!(!html.contains("<script>alert"));
    assert_eq!(
        html.matches("</script>").count(),
        2,
        "only the two page scripts close"
    );
}
