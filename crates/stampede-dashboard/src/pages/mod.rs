//! The HTML pages. Each is one self-contained document (inline CSS and script, nothing
//! fetched from elsewhere) carrying the current status as JSON; the script renders it and
//! keeps it live from the server-sent events.

use crate::live::Identity;
use stampede_report::html::esc;
use std::fmt::Write as _;

const STYLE: &str = include_str!("dashboard.css");
const SCRIPT: &str = include_str!("dashboard.js");

/// Content-Security-Policy of the pages: inline style and script only, requests to this
/// server only, never framed (the Stop button cannot be clickjacked).
pub(crate) const PAGE_CSP: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Content-Security-Policy of the live report: framed by the Report page only.
pub(crate) const REPORT_CSP: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

/// The dashboard's pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Page {
    Status,
    Report,
    Graphs,
    Logs,
}

impl Page {
    pub(crate) const ALL: [Page; 4] = [Page::Status, Page::Report, Page::Graphs, Page::Logs];

    pub(crate) fn path(self) -> &'static str {
        match self {
            Page::Status => "/status",
            Page::Report => "/report",
            Page::Graphs => "/graphs",
            Page::Logs => "/logs",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Page::Status => "Status",
            Page::Report => "Report",
            Page::Graphs => "Graphs",
            Page::Logs => "Logs",
        }
    }

    fn id(self) -> &'static str {
        match self {
            Page::Status => "status",
            Page::Report => "report",
            Page::Graphs => "graphs",
            Page::Logs => "logs",
        }
    }

    fn body(self) -> &'static str {
        match self {
            Page::Status => STATUS_BODY,
            Page::Report => REPORT_BODY,
            Page::Graphs => GRAPHS_BODY,
            Page::Logs => LOGS_BODY,
        }
    }
}

const STATUS_BODY: &str = r#"<section class="progress-card" aria-label="Progress">
<div class="clock"><div><div class="label">Elapsed</div><div class="big" id="elapsed">–</div><div class="note" id="planned">&nbsp;</div></div>
<div class="phase-now"><div class="label">Phase</div><div class="big" id="phase-now">–</div><div class="note" id="phase-note">&nbsp;</div></div></div>
<div class="progress" role="progressbar" aria-label="Run progress" id="progress"><i id="progress-fill"></i></div>
<div class="timeline" id="timeline"></div>
</section>
<div class="kpis" id="kpis"></div>
<div class="cols">
<section><h2>HTTP codes</h2><p class="hint">Last interval and whole run so far.</p><div class="table-wrap" id="codes"></div></section>
<section><h2>Sessions</h2><p class="hint">Users started and how their sessions ended so far.</p><div id="sessions"></div></section>
</div>
<section><h2>Errors</h2><div class="table-wrap" id="errors"></div></section>"#;

const REPORT_BODY: &str = r#"<div class="report-bar"><span id="report-note">The report of the run so far, regenerated at each statistics interval.</span>
<label class="toggle"><input type="checkbox" id="report-auto" checked> Update automatically</label>
<a class="button" href="/report/live.html" target="_blank" rel="noopener">Open in a new tab</a>
<a class="button" href="/report/live.html?download=1">Download</a></div>
<div class="frame-wrap" id="frame-wrap"><iframe id="report-frame" title="Report" src="/report/live.html"></iframe></div>"#;

const GRAPHS_BODY: &str = r#"<p class="hint page-hint" id="graphs-note">One point per statistics interval; dashed lines mark the start of each phase.</p>
<div class="charts" id="charts"></div>"#;

const LOGS_BODY: &str = r#"<section><div class="section-head"><h2>Log</h2><label class="toggle"><input type="checkbox" id="log-follow" checked> Follow</label></div>
<div class="log" id="log" role="log" aria-live="polite"></div></section>
<section><h2>Run directory</h2><p class="hint" id="files-note">&nbsp;</p><div class="table-wrap" id="files"></div></section>"#;

/// A whole page, carrying `status_json` (the `/api/status` document) for its first render.
pub(crate) fn render(page: Page, identity: &Identity, status_json: &str) -> String {
    let mut out = String::with_capacity(STYLE.len() + SCRIPT.len() + 8 * 1024);
    let title = if identity.title.is_empty() {
        "Stampede".to_owned()
    } else {
        identity.title.clone()
    };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><link rel=\"icon\" href=\"data:,\"><title>{} · {} — Stampede</title><style>{STYLE}</style></head>",
        esc(page.label()),
        esc(&title)
    );
    let _ = write!(
        out,
        "<body data-page=\"{}\" data-state=\"starting\" data-live=\"connecting\"><header class=\"top\"><div class=\"head-text\"><div class=\"brand\">Stampede · live dashboard</div><h1 id=\"title\">{}</h1><p class=\"sub\" id=\"subtitle\">{}</p></div><div class=\"head-actions\"><span class=\"state\" id=\"state\"><i></i><b id=\"state-text\">Starting</b></span><button type=\"button\" class=\"stop\" id=\"stop-open\">Stop the run</button></div></header>",
        page.id(),
        esc(&title),
        esc(&identity.run_dir)
    );
    out.push_str("<nav class=\"tabs\" aria-label=\"Pages\">");
    for p in Page::ALL {
        let current = if p == page {
            " aria-current=\"page\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "<a href=\"{}\"{current}>{}</a>",
            p.path(),
            esc(p.label())
        );
    }
    out.push_str("<span class=\"live\" id=\"live\"><i></i><span id=\"live-text\">Connecting…</span></span></nav>");
    out.push_str("<div class=\"toast\" id=\"toast\" role=\"status\" hidden></div>");
    let _ = write!(
        out,
        "<main id=\"main\"><noscript><p class=\"empty\">This page needs JavaScript; the same data is at <a href=\"/api/status\">/api/status</a>.</p></noscript>{}</main>",
        page.body()
    );
    out.push_str(STOP_DIALOG);
    // `</` cannot end the script element from inside the JSON.
    let data = status_json.replace("</", "<\\/");
    let _ = write!(
        out,
        "<script type=\"application/json\" id=\"initial-status\">{data}</script><script>{SCRIPT}</script></body></html>"
    );
    out
}

const STOP_DIALOG: &str = r#"<dialog id="stop-dialog" aria-labelledby="stop-title"><h2 id="stop-title">Stop the run?</h2>
<p id="stop-text">Users stop gracefully, the last statistics are flushed, and <code>tsung.log</code>, <code>stats.json</code> and <code>report.html</code> are written. The run cannot be resumed.</p>
<div class="dialog-actions"><button type="button" id="stop-cancel" class="button">Cancel</button><button type="button" id="stop-confirm" class="danger">Stop the run</button></div></dialog>"#;

/// The live report's place-holder before the first interval closes.
pub(crate) fn report_placeholder(identity: &Identity, interval_s: Option<f64>) -> String {
    let when = interval_s.map_or_else(
        || "when the first statistics interval closes".to_owned(),
        |s| format!("when the first statistics interval closes (every {s:.0} s)"),
    );
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\"><title>Report — {}</title><style>{STYLE}</style></head><body class=\"placeholder\"><main><section><h2>No report yet</h2><p class=\"hint\">The report of the run appears here {}.</p></section></main></body></html>",
        esc(&identity.title),
        esc(&when)
    )
}

/// The live report with a notice at the top saying the run is still going (inserted after
/// `<body…>`; a document without one is returned unchanged).
pub(crate) fn with_live_notice(report: &str, elapsed: &str) -> String {
    let Some(start) = report.find("<body") else {
        return report.to_owned();
    };
    let Some(end) = report[start..].find('>').map(|i| start + i + 1) else {
        return report.to_owned();
    };
    let notice = format!(
        "<div role=\"note\" style=\"background:#eef2ff;color:#3538cd;border-bottom:1px solid #c7d2fe;padding:8px 32px;font:13px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif\"><b>Run in progress ({})</b> — figures cover the intervals closed so far; the verdict and the outcome are final only when the run ends.</div>",
        esc(elapsed)
    );
    let mut out = String::with_capacity(report.len() + notice.len());
    out.push_str(&report[..end]);
    out.push_str(&notice);
    out.push_str(&report[end..]);
    out
}

/// A small page for errors (404…).
pub(crate) fn message(title: &str, text: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\"><title>{0}</title><style>{STYLE}</style></head><body class=\"placeholder\"><main><section><h2>{0}</h2><p class=\"hint\">{1}</p><p><a href=\"/status\">Back to the dashboard</a></p></section></main></body></html>",
        esc(title),
        esc(text)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_live_notice_goes_after_the_body_tag() {
        let html = with_live_notice("<html><body class=\"x\"><h1>r</h1></body></html>", "1m 05s");
        assert!(html.starts_with("<html><body class=\"x\"><div role=\"note\""));
        assert!(html.contains("Run in progress (1m 05s)"));
        assert!(html.ends_with("<h1>r</h1></body></html>"));
        assert_eq!(with_live_notice("<p>no body</p>", "x"), "<p>no body</p>");
    }

    #[test]
    fn pages_escape_what_they_show_and_embed_the_status() {
        let identity = Identity {
            title: "<shop> & co".into(),
            run_dir: "/tmp/\"run\"".into(),
            keep_alive: false,
        };
        let html = render(Page::Graphs, &identity, r#"{"title":"</script><b>"}"#);
        assert!(html.contains("&lt;shop&gt; &amp; co"));
        assert!(html.contains("/tmp/&quot;run&quot;"));
        assert!(html.contains(r#"{"title":"<\/script><b>"}"#));
        assert!(html.contains("data-page=\"graphs\""));
        assert!(html.contains("<a href=\"/graphs\" aria-current=\"page\">Graphs</a>"));
        for external in ["src=\"http", "href=\"http", "url(http", "@import"] {
            assert!(!html.contains(external), "{external}");
        }
    }
}
