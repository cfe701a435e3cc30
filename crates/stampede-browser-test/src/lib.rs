//! Dev-only tooling: drives a headless Chromium over the DevTools protocol so that tests can
//! load a page, let its scripts run, inspect the DOM, collect console errors and save
//! screenshots.
//!
//! Nothing here is used by the `stampede` binary; crates take it as a dev-dependency.
//!
//! ```no_run
//! use stampede_browser_test::{Browser, artifacts_dir};
//! use std::time::Duration;
//!
//! let Some(mut browser) = Browser::launch_or_skip("my_page_renders") else {
//!     return; // Chromium is not installed: the test said why and passes as skipped.
//! };
//! browser.navigate("http://127.0.0.1:8091/").unwrap();
//! let tables = browser.evaluate("document.querySelectorAll('table').length").unwrap();
//! assert!(tables.as_u64().unwrap() > 0);
//! browser.wait_until("document.body.dataset.ready === 'yes'", Duration::from_secs(5)).unwrap();
//! browser.screenshot(&artifacts_dir().join("my-page.png")).unwrap();
//! assert!(browser.console_errors().is_empty(), "{:?}", browser.console_errors());
//! ```
//!
//! Chromium is searched in `$STAMPEDE_CHROMIUM`, then as `chromium`, `chromium-browser`,
//! `google-chrome` and `google-chrome-stable` on `PATH`. When none is found,
//! [`Browser::launch_or_skip`] prints why and returns `None`, unless
//! `STAMPEDE_REQUIRE_BROWSER=1` is set, in which case it panics (for CI machines that must run
//! the browser tests). Every wait is bounded, and Chromium and its helper processes are killed when
//! the [`Browser`] is dropped, on every path (panics included).

mod cdp;
mod console;
mod launch;

pub use cdp::Browser;
pub use console::ConsoleMessage;
pub use launch::{LaunchOptions, find_chromium};

use std::path::{Path, PathBuf};

/// What went wrong while driving the browser.
#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    /// No Chromium executable was found.
    #[error("no Chromium found (set STAMPEDE_CHROMIUM or install the `chromium` package)")]
    NotFound,
    /// Chromium did not start or did not open its DevTools endpoint.
    #[error("Chromium did not start: {0}")]
    Launch(String),
    /// A wait ran out of time.
    #[error("timed out after {seconds:.1} s waiting for {what}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// The limit, in seconds.
        seconds: f64,
    },
    /// The DevTools protocol answered with an error or an unexpected message.
    #[error("DevTools protocol: {0}")]
    Protocol(String),
    /// A script threw or a navigation failed.
    #[error("page: {0}")]
    Page(String),
    /// A file could not be written or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The WebSocket to Chromium failed.
    #[error("DevTools connection: {0}")]
    WebSocket(String),
}

/// `target/browser-artifacts/` of the workspace (or `$STAMPEDE_BROWSER_ARTIFACTS`), created if
/// needed: where tests put screenshots for CI to keep.
pub fn artifacts_dir() -> PathBuf {
    let dir = match std::env::var_os("STAMPEDE_BROWSER_ARTIFACTS") {
        Some(dir) => PathBuf::from(dir),
        None => target_dir().join("browser-artifacts"),
    };
    // A missing directory shows up as an error when a screenshot is written there.
    let _ = std::fs::create_dir_all(&dir);
    dir
}

fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .and_then(Path::parent)
        .map_or_else(|| manifest.join("target"), |root| root.join("target"))
}

/// A `file://` URL for an absolute path (characters outside the unreserved set are
/// percent-encoded).
pub fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            url.push(char::from(b));
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_are_encoded() {
        assert_eq!(
            file_url(Path::new("/tmp/a b/report.html")),
            "file:///tmp/a%20b/report.html"
        );
        assert_eq!(file_url(Path::new("/x/é")), "file:///x/%C3%A9");
    }

    #[test]
    fn artifacts_live_under_target() {
        if std::env::var_os("STAMPEDE_BROWSER_ARTIFACTS").is_none() {
            assert!(artifacts_dir().ends_with("browser-artifacts"));
        }
    }
}
