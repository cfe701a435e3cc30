//! The helper against a real Chromium (skipped when none is installed): it sees console
//! errors and exceptions, evaluates scripts, times out, and saves screenshots.
#![allow(clippy::unwrap_used)]

use stampede_browser_test::{Browser, BrowserError, file_url};
use std::time::Duration;

const PAGE: &str = r#"<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head>
<body><h1>smoke</h1><ul><li>a</li><li>b</li></ul>
<script>
  console.log('hello');
  console.error('deliberate console error');
  setTimeout(function () { undefinedFunction(); }, 0);
  window.later = false;
  setTimeout(function () { window.later = 'done'; }, 50);
</script></body></html>"#;

#[test]
fn sees_errors_evaluates_and_takes_screenshots() {
    let Some(mut browser) = Browser::launch_or_skip("sees_errors_evaluates_and_takes_screenshots")
    else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("smoke page.html");
    std::fs::write(&page, PAGE).unwrap();
    browser.navigate(&file_url(&page)).unwrap();

    assert_eq!(
        browser
            .evaluate("document.querySelectorAll('li').length")
            .unwrap(),
        2
    );
    assert_eq!(
        browser
            .wait_until("window.later", Duration::from_secs(10))
            .unwrap(),
        "done"
    );
    match browser.wait_until("window.never", Duration::from_millis(200)) {
        Err(BrowserError::Timeout { .. }) => {}
        other => panic!("expected a timeout, got {other:?}"),
    }
    match browser.evaluate("(function () { throw new Error('thrown'); })()") {
        Err(BrowserError::Page(text)) => assert!(text.contains("thrown"), "{text}"),
        other => panic!("expected a page error, got {other:?}"),
    }

    let errors = browser.console_errors();
    let texts: Vec<&str> = errors.iter().map(|e| e.text.as_str()).collect();
    assert!(texts.contains(&"deliberate console error"), "{errors:#?}");
    assert!(
        texts.iter().any(|t| t.contains("undefinedFunction")),
        "{errors:#?}"
    );
    assert!(browser.messages().iter().any(|m| m.text == "hello"));
    browser.clear_messages();
    assert!(browser.console_errors().is_empty());

    let shot = tmp.path().join("shots/smoke.png");
    browser.screenshot(&shot).unwrap();
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    browser.close();
}

#[test]
fn a_failed_navigation_is_an_error() {
    let Some(mut browser) = Browser::launch_or_skip("a_failed_navigation_is_an_error") else {
        return;
    };
    // Nothing listens on this loopback port once the listener is dropped.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    match browser.navigate(&format!("http://127.0.0.1:{port}/")) {
        Err(BrowserError::Page(text)) => assert!(text.contains("ERR_"), "{text}"),
        other => panic!("expected a navigation error, got {other:?}"),
    }
}
