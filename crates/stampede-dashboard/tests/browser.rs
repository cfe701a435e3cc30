//! The report and the live dashboard in a real headless Chromium: scripts run without console
//! errors, tables and charts are rendered, server-sent events update the pages, and the Stop
//! button (with its confirmation) reaches the run. Screenshots go to
//! `target/browser-artifacts/`. Skipped (with a message) when no Chromium is installed.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use serde_json::Value;
use stampede_browser_test::{Browser, artifacts_dir, file_url};
use stampede_dashboard::{Dashboard, LiveStatus, LogLevel};
use stampede_report::{RunOutcome, StopReason};
use std::time::Duration;

const UI_WAIT: Duration = Duration::from_secs(15);

fn count(browser: &mut Browser, selector: &str) -> u64 {
    let js = format!("document.querySelectorAll({selector:?}).length");
    browser.evaluate(&js).unwrap().as_u64().unwrap()
}

fn wait(browser: &mut Browser, condition: &str) -> Value {
    browser
        .wait_until(condition, UI_WAIT)
        .unwrap_or_else(|e| panic!("{e}\nconsole: {:?}", browser.messages()))
}

fn text(browser: &mut Browser, selector: &str) -> String {
    let js = format!("(document.querySelector({selector:?}) || {{}}).textContent || ''");
    browser.evaluate(&js).unwrap().as_str().unwrap().to_owned()
}

fn assert_no_console_errors(browser: &Browser, page: &str) {
    let errors = browser.console_errors();
    assert!(errors.is_empty(), "{page}: console errors: {errors:#?}");
}

#[test]
fn report_html_from_disk_renders_in_chromium() {
    let Some(mut browser) = Browser::launch_or_skip("report_html_from_disk_renders_in_chromium")
    else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (stats, _) = synthetic_run();
    write_report(tmp.path(), &stats);
    browser
        .navigate(&file_url(&tmp.path().join("report.html")))
        .unwrap();

    wait(
        &mut browser,
        "document.querySelectorAll('table').length >= 5 && document.querySelectorAll('figure.chart svg path.line').length >= 3",
    );
    assert!(count(&mut browser, "table") >= 5);
    assert!(count(&mut browser, "figure.chart svg") >= 3);
    assert!(count(&mut browser, "figure.chart svg path.line") >= 3);
    assert!(count(&mut browser, ".kpi") >= 4);
    // The chart script answers the mouse with a tooltip.
    let tip = browser
        .evaluate(
            "(function () {
               var svg = document.querySelector('figure.chart svg'), r = svg.getBoundingClientRect();
               svg.dispatchEvent(new MouseEvent('mousemove', {clientX: r.left + r.width / 2, clientY: r.top + r.height / 2, bubbles: true}));
               var tip = svg.parentNode.querySelector('.tip');
               return tip.hidden ? '' : tip.textContent;
             })()",
        )
        .unwrap();
    assert!(tip.as_str().unwrap().starts_with("t = "), "{tip}");
    browser
        .screenshot(&artifacts_dir().join("report-file.png"))
        .unwrap();
    assert_no_console_errors(&browser, "report.html");
}

#[test]
fn live_dashboard_renders_updates_and_stops_in_chromium() {
    let Some(mut browser) =
        Browser::launch_or_skip("live_dashboard_renders_updates_and_stops_in_chromium")
    else {
        return;
    };
    let (_tmp, dir) = run_dir();
    let (stats, series) = synthetic_run();
    let mut cfg = config(&dir);
    cfg.keep_alive = true;
    let (dashboard, info) = Dashboard::spawn_on_thread(cfg).unwrap();
    let mut stops = dashboard.stop_requests();
    let base = info.url();

    // Before any data: every page shows its empty state.
    browser.navigate(&format!("{base}status")).unwrap();
    wait(&mut browser, "document.body.dataset.live === 'open'");
    assert_eq!(text(&mut browser, "#state-text"), "Starting");
    assert_eq!(text(&mut browser, "#codes"), "No responses yet.");
    assert_eq!(text(&mut browser, "#errors"), "No errors so far.");
    browser.navigate(&format!("{base}graphs")).unwrap();
    // The charts are drawn by script once the page has loaded: wait for them.
    wait(
        &mut browser,
        "document.querySelectorAll('figure.chart .nodata:not([hidden])').length === 6",
    );
    assert_eq!(count(&mut browser, "figure.chart .nodata:not([hidden])"), 6);
    browser.navigate(&format!("{base}report")).unwrap();
    wait(
        &mut browser,
        "(function () { var d = document.getElementById('report-frame').contentDocument; return d && d.body && d.body.textContent.indexOf('No report yet') >= 0; })()",
    );
    browser
        .screenshot(&artifacts_dir().join("dashboard-empty-report.png"))
        .unwrap();
    assert_no_console_errors(&browser, "empty dashboard");

    write_report(&dir, &stats);
    publish_first(&dashboard, &stats, &series, 3);
    dashboard.publish_report(stats.clone());
    dashboard.log(LogLevel::Info, "run started: synthetic shop");
    dashboard.log(LogLevel::Warn, "phase 2 may be overloaded");

    // Status: values, timeline, tables; then a live update through the event stream.
    browser.navigate(&format!("{base}status")).unwrap();
    wait(&mut browser, "document.body.dataset.live === 'open'");
    wait(
        &mut browser,
        "document.getElementById('phase-now').textContent === '2 of 2'",
    );
    assert_eq!(count(&mut browser, "#kpis .kpi"), 7);
    assert_eq!(count(&mut browser, "#timeline .seg"), 2);
    assert_eq!(count(&mut browser, "#timeline .seg.current"), 1);
    assert!(count(&mut browser, "#codes tbody tr") >= 2);
    assert!(count(&mut browser, "#sessions tbody tr") >= 4);
    assert_eq!(text(&mut browser, "#phase-now"), "2 of 2");
    assert_eq!(text(&mut browser, "#state-text"), "Running");
    assert!(text(&mut browser, "[data-k=request_rate] .value").ends_with("/s"));
    assert!(text(&mut browser, "[data-k=p99] .value").contains("ms"));
    dashboard.publish_interval(&series[3]);
    dashboard.publish_status(LiveStatus {
        users: 123,
        ..status_at(&stats, &series[3], 1)
    });
    wait(
        &mut browser,
        "document.querySelector('[data-k=users] .value').textContent === '123'",
    );
    browser
        .screenshot(&artifacts_dir().join("dashboard-status.png"))
        .unwrap();

    // Graphs: six charts with lines and phase markers; a new interval is drawn live.
    browser.navigate(&format!("{base}graphs")).unwrap();
    wait(&mut browser, "window.stampedeDashboard.points.length === 4");
    wait(
        &mut browser,
        "document.querySelectorAll('figure.chart svg path.line').length >= 8",
    );
    assert_eq!(count(&mut browser, "figure.chart"), 6);
    assert!(count(&mut browser, "figure.chart svg line.phase") >= 6);
    dashboard.publish_interval(&series[4]);
    wait(&mut browser, "window.stampedeDashboard.points.length === 5");
    browser
        .screenshot(&artifacts_dir().join("dashboard-graphs.png"))
        .unwrap();

    // Logs: lines arrive live; the run directory is listed with links.
    browser.navigate(&format!("{base}logs")).unwrap();
    wait(
        &mut browser,
        "document.querySelectorAll('#log .line').length === 2",
    );
    dashboard.log(
        LogLevel::Error,
        "error_connect_econnrefused on 127.0.0.1:8080",
    );
    wait(
        &mut browser,
        "document.querySelectorAll('#log .line.error').length === 1",
    );
    wait(
        &mut browser,
        "document.querySelectorAll('#files tbody tr').length >= 6",
    );
    let link = browser
        .evaluate("document.querySelector('#files tbody a').getAttribute('href')")
        .unwrap();
    assert_eq!(link, "/files/csv_data/users.csv");
    browser
        .screenshot(&artifacts_dir().join("dashboard-logs.png"))
        .unwrap();

    // Report: the report in a frame, swapped when a new one is published.
    browser.navigate(&format!("{base}report")).unwrap();
    wait(
        &mut browser,
        "(function () { var d = document.getElementById('report-frame').contentDocument; return d && d.querySelectorAll('table').length >= 5 && d.querySelectorAll('figure.chart svg').length >= 3; })()",
    );
    dashboard.publish_report(stats.clone());
    wait(
        &mut browser,
        "document.getElementById('report-frame').getAttribute('src').indexOf('v=2') >= 0 && !document.getElementById('report-frame').classList.contains('loading')",
    );
    browser
        .screenshot(&artifacts_dir().join("dashboard-report.png"))
        .unwrap();

    // Stop: the button opens a confirmation; confirming reaches the run.
    browser.navigate(&format!("{base}status")).unwrap();
    wait(&mut browser, "document.body.dataset.live === 'open'");
    browser
        .evaluate("document.getElementById('stop-open').click()")
        .unwrap();
    assert_eq!(
        browser
            .evaluate("document.getElementById('stop-dialog').open")
            .unwrap(),
        true
    );
    browser
        .screenshot(&artifacts_dir().join("dashboard-stop-dialog.png"))
        .unwrap();
    assert!(!stops.is_pending(), "opening the dialog must not stop");
    browser
        .evaluate("document.getElementById('stop-confirm').click()")
        .unwrap();
    assert!(
        stops.wait_timeout(UI_WAIT),
        "the stop request did not arrive"
    );
    wait(&mut browser, "document.body.dataset.state === 'stopping'");
    wait(&mut browser, "!document.getElementById('toast').hidden");

    // The end (-k): final state, and the button now closes the dashboard.
    dashboard.finished(RunOutcome::new(StopReason::StopCommand, None));
    wait(&mut browser, "document.body.dataset.state === 'finished'");
    assert_eq!(text(&mut browser, "#stop-open"), "Close the dashboard");
    assert_eq!(
        text(&mut browser, "#state-text"),
        "Stopped: stopped on request"
    );
    browser
        .screenshot(&artifacts_dir().join("dashboard-finished.png"))
        .unwrap();
    assert_no_console_errors(&browser, "dashboard");
    browser.close();
    dashboard.shutdown();
}
