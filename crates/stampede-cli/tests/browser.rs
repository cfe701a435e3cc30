//! A real `start` with its live dashboard, seen in headless Chromium: pages render their tables
//! and charts without console errors; afterwards `report.html` renders from disk. Screenshots
//! go to `target/browser-artifacts/`. Skipped (with a message) without Chromium.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use stampede_browser_test::{Browser, artifacts_dir, file_url};
use std::time::Duration;

const UI_WAIT: Duration = Duration::from_secs(20);

fn count(browser: &mut Browser, selector: &str) -> u64 {
    let js = format!("document.querySelectorAll({selector:?}).length");
    browser.evaluate(&js).unwrap().as_u64().unwrap()
}

fn wait(browser: &mut Browser, condition: &str) {
    if let Err(e) = browser.wait_until(condition, UI_WAIT) {
        panic!("{e}\nconsole: {:?}", browser.messages());
    }
}

#[test]
fn live_dashboard_and_report_of_a_real_run() {
    let Some(mut browser) = Browser::launch_or_skip("live_dashboard_and_report_of_a_real_run")
    else {
        return;
    };
    let sandbox = Sandbox::new();
    let app = app();
    // About 6 s of steady load, so that several intervals close while the page is open.
    let file = sandbox.scenario(
        "live.xml",
        &scenario_xml(
            r#"<arrivalphase phase="1" duration="3" unit="second">
                 <users arrivalrate="4" unit="second" maxnumber="12"/>
               </arrivalphase>"#,
            r#"<for from="1" to="12" incr="1" var="i">
                 <request><http url="/communities"/></request>
                 <thinktime value="0.25"/>
               </for>"#,
        ),
    );
    let logs = sandbox.logs();
    let mut running = sandbox.spawn(&[
        "-f",
        file.to_str().unwrap(),
        "-l",
        logs.to_str().unwrap(),
        "--dashboard",
        "127.0.0.1:0",
        "--target",
        &target(&app),
        "--interval",
        "1s",
        "start",
    ]);
    let url = running.line_after("Dashboard:");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(!url.ends_with(":0/"), "port 0 became a real port: {url}");

    browser.navigate(&format!("{url}status")).unwrap();
    wait(&mut browser, "document.body.dataset.live === 'open'");
    wait(
        &mut browser,
        "document.getElementById('state-text').textContent === 'Running'",
    );
    // At least one closed interval: the request rate and the HTTP codes are shown.
    wait(
        &mut browser,
        "document.querySelectorAll('#codes tbody tr').length >= 1",
    );
    assert_eq!(count(&mut browser, "#kpis .kpi"), 7);
    assert!(count(&mut browser, "#timeline .seg") >= 1);
    browser
        .screenshot(&artifacts_dir().join("cli-dashboard.png"))
        .unwrap();
    let errors = browser.console_errors();
    assert!(errors.is_empty(), "status page: {errors:#?}");

    browser.navigate(&format!("{url}graphs")).unwrap();
    wait(&mut browser, "window.stampedeDashboard.points.length >= 2");
    wait(
        &mut browser,
        "document.querySelectorAll('figure.chart svg path.line').length >= 2",
    );
    browser
        .screenshot(&artifacts_dir().join("cli-dashboard-graphs.png"))
        .unwrap();
    let errors = browser.console_errors();
    assert!(errors.is_empty(), "graphs page: {errors:#?}");

    // The page goes away with the run; do not count the reconnect attempts after that.
    browser.navigate("about:blank").unwrap();
    browser.clear_messages();
    let (status, stdout, stderr) = running.wait();
    assert_eq!(status.code(), Some(0), "{stdout}\n{stderr}");

    let dir = sandbox.run_dir();
    let stats = stats(&dir);
    assert_eq!(requests(&stats), app.counts().total());
    browser
        .navigate(&file_url(&dir.join("report.html")))
        .unwrap();
    assert!(count(&mut browser, "table") >= 5);
    assert!(count(&mut browser, "figure.chart svg") >= 3);
    assert!(count(&mut browser, "figure.chart svg path.line") >= 3);
    browser
        .screenshot(&artifacts_dir().join("cli-report.png"))
        .unwrap();
    let errors = browser.console_errors();
    assert!(errors.is_empty(), "report.html: {errors:#?}");
    app.shutdown_blocking();
}
