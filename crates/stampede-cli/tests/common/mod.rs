//! Helpers of the CLI's integration tests: a sandbox (its own HOME and log directory), the
//! binary run in it, scenarios written by the test, the target app, bounded waits.
#![allow(dead_code, clippy::unwrap_used)]

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;
use stampede_testkit::{AppConfig, TargetApp};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Every wait of these tests is bounded by this.
pub const WAIT: Duration = Duration::from_secs(60);

/// A HOME of its own (so `~/.stampede` is not the real one) and a log directory.
#[derive(Debug)]
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        std::fs::create_dir_all(dir.path().join("logs")).unwrap();
        Self { dir }
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn logs(&self) -> PathBuf {
        self.dir.path().join("logs")
    }

    /// The binary with this sandbox's HOME, no colours.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_stampede"));
        c.args(args)
            .env("HOME", self.home())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        c
    }

    /// Runs the binary to its end (bounded).
    pub fn run(&self, args: &[&str]) -> Output {
        let running = self.spawn(args);
        let (status, stdout, stderr) = running.wait();
        Output {
            status,
            stdout: stdout.into_bytes(),
            stderr: stderr.into_bytes(),
        }
    }

    /// Starts the binary, capturing its output as it comes.
    pub fn spawn(&self, args: &[&str]) -> Running {
        let mut child = self
            .cmd(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (stdout, out_reader) = capture(child.stdout.take().unwrap());
        let (stderr, err_reader) = capture(child.stderr.take().unwrap());
        Running {
            child,
            stdout,
            stderr,
            readers: vec![out_reader, err_reader],
        }
    }

    /// Runs `-f FILE -n -l LOGS --target TARGET OPTIONS… start` to its end: a run of `file`
    /// against `target`, without the dashboard, under the sandbox's log directory.
    pub fn start(&self, file: &Path, target: &str, options: &[&str]) -> Output {
        let logs = self.logs();
        self.run(&start_args(file, &logs, target, options))
    }

    /// The same run as [`Sandbox::start`], started in the background.
    pub fn spawn_start(&self, file: &Path, target: &str, options: &[&str]) -> Running {
        let logs = self.logs();
        self.spawn(&start_args(file, &logs, target, options))
    }

    /// The run directories under the log directory, oldest first.
    pub fn run_dirs(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(self.logs())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        dirs
    }

    /// The only run directory.
    pub fn run_dir(&self) -> PathBuf {
        let dirs = self.run_dirs();
        assert_eq!(dirs.len(), 1, "{dirs:?}");
        dirs[0].clone()
    }

    /// Writes a scenario file into the sandbox.
    pub fn scenario(&self, name: &str, xml: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, xml).unwrap();
        path
    }
}

fn start_args<'a>(
    file: &'a Path,
    logs: &'a Path,
    target: &'a str,
    options: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec![
        "-f",
        file.to_str().unwrap(),
        "-n",
        "-l",
        logs.to_str().unwrap(),
        "--target",
        target,
    ];
    args.extend_from_slice(options);
    args.push("start");
    args
}

fn capture(stream: impl Read + Send + 'static) -> (Arc<Mutex<String>>, JoinHandle<()>) {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&text);
    let reader = std::thread::spawn(move || {
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap_or(0) > 0 {
            sink.lock().unwrap().push_str(&line);
            line.clear();
        }
    });
    (text, reader)
}

/// A running `stampede`.
#[derive(Debug)]
pub struct Running {
    pub child: Child,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    readers: Vec<JoinHandle<()>>,
}

impl Running {
    pub fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until standard output has a line starting with `prefix`; returns the rest of it.
    pub fn line_after(&mut self, prefix: &str) -> String {
        let found = wait_until(|| self.stdout().lines().any(|l| l.starts_with(prefix)));
        assert!(
            found,
            "no `{prefix}` line\nstdout: {}\nstderr: {}",
            self.stdout(),
            self.stderr()
        );
        self.stdout()
            .lines()
            .find_map(|l| l.strip_prefix(prefix).map(|r| r.trim().to_owned()))
            .unwrap()
    }

    pub fn signal(&self, signal: Signal) {
        kill(Pid::from_raw(self.child.id() as i32), signal).unwrap();
    }

    /// Waits for the exit (bounded: killed and failed after [`WAIT`]).
    pub fn wait(mut self) -> (ExitStatus, String, String) {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // The pipes end with the process: read them to the end.
                for reader in self.readers.drain(..) {
                    reader.join().unwrap();
                }
                return (status, self.stdout(), self.stderr());
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "stampede did not exit within {WAIT:?}\nstdout: {}\nstderr: {}",
                    self.stdout(),
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // A failed test must not leave a load generator behind.
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Polls `f` every 20 ms until it holds, at most [`WAIT`].
pub fn wait_until(mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    f()
}

/// The target app on 127.0.0.1:0, on its own runtime.
pub fn app() -> TargetApp {
    TargetApp::start_blocking(AppConfig::default()).unwrap()
}

/// `--target` for the app.
pub fn target(app: &TargetApp) -> String {
    app.addr().to_string()
}

/// A scenario for the app (its `<server>` is replaced by `--target`): `phase` is the body of
/// `<load>`, `session` the body of the one session.
pub fn scenario_xml(load: &str, session: &str) -> String {
    format!(
        r#"<?xml version="1.0"?>
<!DOCTYPE tsung SYSTEM "/usr/share/tsung/tsung-1.0.dtd">
<tsung loglevel="notice">
  <clients><client host="localhost" use_controller_vm="true"/></clients>
  <servers><server host="localhost" port="8080" type="tcp"/></servers>
  <load>{load}</load>
  <sessions>
    <session name="browse" probability="100" type="ts_http">
{session}
    </session>
  </sessions>
</tsung>
"#
    )
}

/// Users that keep going for minutes: a long loop of requests with short thinktimes.
pub fn endless(users: u32) -> String {
    scenario_xml(
        &format!(
            r#"<arrivalphase phase="1" duration="200" unit="millisecond">
                 <users arrivalrate="100" unit="second" maxnumber="{users}"/>
               </arrivalphase>"#
        ),
        r#"<for from="1" to="100000" incr="1" var="i">
             <request><http url="/health"/></request>
             <thinktime value="0.02"/>
           </for>"#,
    )
}

/// `stats.json` of a run directory.
pub fn stats(run_dir: &Path) -> Value {
    let text = std::fs::read_to_string(run_dir.join("stats.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Sum of the values of a JSON object of counts.
pub fn sum(v: &Value) -> u64 {
    v.as_object()
        .map_or(0, |m| m.values().map(|n| n.as_u64().unwrap()).sum())
}

/// `totals.request.count` of `stats.json`.
pub fn requests(stats: &Value) -> u64 {
    stats["totals"]["request"]["count"].as_u64().unwrap()
}

/// Checks that a `tsung.log` is complete: blocks with their lines, `EndMonitor` last; returns
/// the number of blocks and the sum of the `request` counts.
pub fn check_tsung_log(path: &Path) -> (usize, u64) {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("# stats: dump at "), "{text}");
    let last = lines.last().unwrap();
    assert!(
        last.starts_with("EndMonitor:{") && last.ends_with('}'),
        "{text}"
    );
    let mut blocks = 0;
    let mut requests = 0;
    for line in &lines[..lines.len() - 1] {
        if let Some(at) = line.strip_prefix("# stats: dump at ") {
            at.parse::<u64>().unwrap();
            blocks += 1;
        } else if let Some(rest) = line.strip_prefix("stats: request ") {
            requests += rest.split(' ').next().unwrap().parse::<u64>().unwrap();
        } else {
            assert!(line.starts_with("stats: "), "{line}");
        }
    }
    (blocks, requests)
}

/// Standard output and error of a command that must have exited with status 0 (the test
/// fails with both printed otherwise).
#[allow(dead_code)]
pub fn succeeded(out: &Output) -> (String, String) {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    (stdout, stderr)
}
