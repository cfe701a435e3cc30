//! Finding, starting and killing the Chromium process.

use crate::BrowserError;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How to start the browser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LaunchOptions {
    /// Chromium executable; `None` searches with [`find_chromium`].
    pub executable: Option<PathBuf>,
    /// Viewport width in CSS pixels.
    pub width: u32,
    /// Viewport height in CSS pixels.
    pub height: u32,
    /// Limit of every single wait (start, navigation, script, screenshot).
    pub timeout: Duration,
}

impl Default for LaunchOptions {
    fn default() -> Self {
        Self {
            executable: None,
            width: 1280,
            height: 900,
            timeout: Duration::from_secs(30),
        }
    }
}

const CANDIDATES: [&str; 4] = [
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
];

/// The Chromium executable: `$STAMPEDE_CHROMIUM` if set, else the first of `chromium`,
/// `chromium-browser`, `google-chrome`, `google-chrome-stable` found on `PATH`.
pub fn find_chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("STAMPEDE_CHROMIUM") {
        let path = PathBuf::from(path);
        return path.is_file().then_some(path);
    }
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .flat_map(|dir| CANDIDATES.iter().map(move |name| dir.join(name)))
        .find(|p| p.is_file())
}

/// A running Chromium, killed (with its helper processes) on drop.
#[derive(Debug)]
pub(crate) struct Process {
    child: Child,
    /// Holds the profile and Chromium's output; removed on drop.
    dir: tempfile::TempDir,
}

impl Process {
    /// Starts Chromium on a fresh profile and returns it with the WebSocket URL of its
    /// DevTools endpoint.
    pub(crate) fn start(
        executable: &Path,
        options: &LaunchOptions,
    ) -> Result<(Self, String), BrowserError> {
        let dir = tempfile::Builder::new()
            .prefix("stampede-chromium-")
            .tempdir()
            .map_err(|source| BrowserError::Io {
                path: std::env::temp_dir(),
                source,
            })?;
        let profile = dir.path().join("profile");
        let output = dir.path().join("chromium-output.txt");
        let out_file = std::fs::File::create(&output).map_err(|source| BrowserError::Io {
            path: output.clone(),
            source,
        })?;
        let err_file = out_file.try_clone().map_err(|source| BrowserError::Io {
            path: output.clone(),
            source,
        })?;
        let child = Command::new(executable)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
                "--disable-extensions",
                "--disable-default-apps",
                "--disable-dev-shm-usage",
                "--no-default-browser-check",
                "--disable-domain-reliability",
                "--disable-client-side-phishing-detection",
                "--safebrowsing-disable-auto-update",
                "--hide-scrollbars",
                "--mute-audio",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!(
                "--window-size={},{}",
                options.width, options.height
            ))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::from(out_file))
            .stderr(Stdio::from(err_file))
            // Same process group as the test: a Ctrl-C on `cargo test` reaches it too.
            .spawn()
            .map_err(|e| BrowserError::Launch(format!("{}: {e}", executable.display())))?;
        let mut process = Process { child, dir };
        let url = process.wait_for_endpoint(&profile, options.timeout)?;
        Ok((process, url))
    }

    /// Reads `DevToolsActivePort` (port, then path) that Chromium writes into the profile.
    fn wait_for_endpoint(
        &mut self,
        profile: &Path,
        timeout: Duration,
    ) -> Result<String, BrowserError> {
        let deadline = Instant::now() + timeout;
        let file = profile.join("DevToolsActivePort");
        loop {
            if let Ok(text) = std::fs::read_to_string(&file) {
                let mut lines = text.lines();
                if let (Some(port), Some(path)) = (lines.next(), lines.next())
                    && port.trim().parse::<u16>().is_ok()
                {
                    return Ok(format!("ws://127.0.0.1:{}{}", port.trim(), path.trim()));
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(BrowserError::Launch(format!(
                    "exited with {status}; output:\n{}",
                    self.output_tail()
                )));
            }
            if Instant::now() >= deadline {
                return Err(BrowserError::Launch(format!(
                    "no DevTools endpoint after {:.0} s; output:\n{}",
                    timeout.as_secs_f64(),
                    self.output_tail()
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The last lines Chromium printed, for error messages.
    pub(crate) fn output_tail(&self) -> String {
        let text = std::fs::read_to_string(self.dir.path().join("chromium-output.txt"))
            .unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Waits up to `grace` for Chromium to exit by itself, then kills it and every process
    /// it started.
    pub(crate) fn stop(&mut self, grace: Duration) {
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill_all();
    }

    fn kill_all(&mut self) {
        // Helpers (zygote, renderers) end with the browser; kill any left over all the same.
        let helpers = descendants(self.child.id());
        let _ = self.child.kill();
        let _ = self.child.wait();
        for pid in helpers {
            if let Ok(pid) = i32::try_from(pid) {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(pid),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
        }
    }
}

/// Every process below `root` (from `/proc`; empty where there is none).
fn descendants(root: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let parents: Vec<(u32, u32)> = entries
        .flatten()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            // `pid (comm) state ppid …`; comm may contain spaces and parentheses.
            let after = &stat[stat.rfind(')')? + 1..];
            let ppid: u32 = after.split_whitespace().nth(1)?.parse().ok()?;
            Some((pid, ppid))
        })
        .collect();
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parents
                .iter()
                .filter(|(_, ppid)| *ppid == parent)
                .map(|(pid, _)| *pid),
        );
        i += 1;
    }
    found.remove(0);
    found
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_child_processes() {
        let mut child = Command::new("sh")
            .args(["-c", "sleep 30 & sleep 30 & wait"])
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut found = descendants(child.id());
        while found.len() < 2 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
            found = descendants(child.id());
        }
        assert_eq!(found.len(), 2, "{found:?}");
        for pid in found {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(i32::try_from(pid).unwrap()),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    #[test]
    fn a_missing_executable_is_a_launch_error() {
        let options = LaunchOptions {
            timeout: Duration::from_millis(200),
            ..LaunchOptions::default()
        };
        let err = Process::start(Path::new("/nonexistent/chromium"), &options).unwrap_err();
        assert!(matches!(err, BrowserError::Launch(_)), "{err}");
    }

    #[test]
    fn a_process_that_exits_early_is_reported_with_its_output() {
        // `false` exits at once without writing DevToolsActivePort.
        let Some(exe) = ["/bin/false", "/usr/bin/false"]
            .iter()
            .map(Path::new)
            .find(|p| p.is_file())
        else {
            return;
        };
        let options = LaunchOptions {
            timeout: Duration::from_secs(5),
            ..LaunchOptions::default()
        };
        let err = Process::start(exe, &options).unwrap_err();
        assert!(err.to_string().contains("exited"), "{err}");
    }
}
