//! The agent: one generator process. It reads the controller's messages on one byte stream,
//! runs its share of the load with [`stampede_engine::run`], and sends everything the engine
//! reports back on another (see [`crate::protocol`]).

use crate::error::ClusterError;
use crate::frame::{FrameError, read_message, write_message};
use crate::protocol::{
    AgentFinished, AgentReady, AgentSetup, FromAgent, PROTOCOL_VERSION, ScenarioSource, StopCause,
    ToAgent, WireLogLevel, WireMatchLine, WireRunConfig, WireRunEnd, WireStatus, from_unix_ns,
    nanos, unix_ns,
};
use crate::sysinfo;
use stampede_engine::{
    LiveStatus, LogLevel, MatchLine, PhaseEnd, PhaseStart, RunConfig, RunObserver, RunStarted,
    StopHandle, TargetOverride,
};
use stampede_metrics::{ClosedInterval, Layout};
use stampede_model::Scenario;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Longest wait for the common start instant (a controller clock far ahead is a mistake).
const MAX_START_WAIT: Duration = Duration::from_secs(60);

/// Traffic dump lines go in messages of about this size at most (far below the frame limit,
/// even with JSON escaping).
const DUMP_CHUNK: usize = 4 << 20;

/// `text` cut after newlines into pieces of at most `max` bytes (a single longer line is a
/// piece of its own).
fn line_chunks(text: &str, max: usize) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let cut = if rest.len() <= max {
            rest.len()
        } else {
            let window = rest.get(..=max).unwrap_or(rest);
            match window.rfind('\n') {
                Some(i) => i + 1,
                None => rest.find('\n').map_or(rest.len(), |i| i + 1),
            }
        };
        let (piece, tail) = rest.split_at(cut);
        rest = tail;
        Some(piece)
    })
}

/// The engine's own warning about `maxusers` against the open-file limit of one process
/// starts with this; in an agent the controller's plan has already settled that question.
const ENGINE_MAXUSERS_WARNING: &str = "<clients> allow up to";

/// The software version both sides announce.
pub(crate) fn software() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Runs an agent on standard input and output (what the hidden `__agent` subcommand of the
/// `stampede` command calls). Errors go to standard error; the exit code is 0 when the agent
/// ran its share (or was told to stop before starting), 1 otherwise.
pub fn agent_stdio() -> ExitCode {
    match agent_main(io::stdin(), io::stdout().lock()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(io::stderr(), "stampede agent: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs an agent: reads [`ToAgent`] messages from `input`, writes [`FromAgent`] messages to
/// `output`, runs the engine in the calling thread. Returns when the run is over (or was
/// refused). Nothing but protocol frames is ever written to `output`.
pub fn agent_main(
    input: impl Read + Send + 'static,
    output: impl Write,
) -> Result<(), ClusterError> {
    let mut input = BufReader::new(input);
    let mut out = Output::new(output);

    match read_message::<ToAgent>(&mut input)? {
        Some(ToAgent::Hello { protocol, .. }) if protocol == PROTOCOL_VERSION => {
            out.send(&hello())?;
            out.flush()?;
        }
        Some(ToAgent::Hello { protocol, .. }) => {
            let err = ClusterError::VersionMismatch {
                peer: "the controller".into(),
                ours: PROTOCOL_VERSION,
                theirs: protocol,
            };
            return Err(refuse(&mut out, err));
        }
        other => return Err(refuse(&mut out, unexpected("a hello", other.as_ref()))),
    }

    let setup = match read_message::<ToAgent>(&mut input)? {
        Some(ToAgent::Setup(setup)) => setup,
        other => return Err(refuse(&mut out, unexpected("the setup", other.as_ref()))),
    };
    let scenario = match load_scenario(&setup) {
        Ok(s) => s,
        Err(e) => return Err(refuse(&mut out, e)),
    };
    let config = run_config(&setup.run);
    let pre = match stampede_engine::preflight(&scenario, &config) {
        Ok(p) => p,
        Err(e) => return Err(refuse(&mut out, e.into())),
    };
    out.send(&FromAgent::Ready(Box::new(AgentReady {
        layout: Layout::from_scenario(&scenario),
        workers: pre.workers,
        open_file_limit: pre.open_file_limit,
    })))?;
    out.flush()?;

    let at = match read_message::<ToAgent>(&mut input)? {
        Some(ToAgent::Start { at_unix_ns }) => from_unix_ns(at_unix_ns),
        // Stopped (or the controller went away) before the start: nothing to do.
        Some(ToAgent::Stop { .. } | ToAgent::Abort { .. }) | None => return Ok(()),
        other => return Err(refuse(&mut out, unexpected("the start", other.as_ref()))),
    };
    let stop = StopHandle::new();
    listen_for_stops(input, stop.clone())?;
    if let Ok(wait) = at.duration_since(SystemTime::now()) {
        std::thread::sleep(wait.min(MAX_START_WAIT));
    }

    let load_duration = scenario.load.duration;
    let mut forwarder = Forwarder {
        out,
        stop: stop.clone(),
        started: false,
        load_duration,
    };
    let result = stampede_engine::run(Arc::new(scenario), config, &mut forwarder, stop);
    let mut out = forwarder.out;
    match result {
        Ok(summary) => {
            let (_, peak) = sysinfo::memory();
            out.send(&FromAgent::Finished(Box::new(AgentFinished {
                end: WireRunEnd::from(&summary.end),
                duration_ns: nanos(summary.duration),
                users_launched: summary.users_launched,
                users_max: summary.users_max,
                connected_max: summary.connected_max,
                resent_requests: summary.resent_requests,
                totals: Box::new(summary.totals),
                peak_rss_bytes: peak,
            })))?;
            out.flush()?;
            Ok(())
        }
        Err(e) => {
            let _ = out.send(&FromAgent::Failed {
                error: e.to_string(),
            });
            let _ = out.flush();
            Err(e.into())
        }
    }
}

fn hello() -> FromAgent {
    FromAgent::Hello {
        protocol: PROTOCOL_VERSION,
        software: software(),
        pid: std::process::id(),
    }
}

/// Tells the controller why the agent will not run (best effort) and returns the error.
fn refuse<W: Write>(out: &mut Output<W>, err: ClusterError) -> ClusterError {
    if matches!(err, ClusterError::VersionMismatch { .. }) {
        let _ = out.send(&hello());
    }
    let _ = out.send(&FromAgent::Refused {
        reason: err.to_string(),
    });
    let _ = out.flush();
    err
}

fn unexpected(wanted: &str, got: Option<&ToAgent>) -> ClusterError {
    let what = match got {
        None => format!("the stream ended before {wanted}"),
        Some(m) => format!("expected {wanted}, got {}", message_name(m)),
    };
    ClusterError::Unexpected {
        peer: "the controller".into(),
        what,
    }
}

fn message_name(m: &ToAgent) -> &'static str {
    match m {
        ToAgent::Hello { .. } => "hello",
        ToAgent::Setup(_) => "setup",
        ToAgent::Start { .. } => "start",
        ToAgent::Stop { .. } => "stop",
        ToAgent::Abort { .. } => "abort",
    }
}

fn load_scenario(setup: &AgentSetup) -> Result<Scenario, ClusterError> {
    let opts = stampede_scenario::LoadOptions {
        exclude_tags: setup.exclude_tags.clone(),
    };
    let loaded = match &setup.scenario {
        ScenarioSource::Path { path } => stampede_scenario::load_file(path, &opts),
        ScenarioSource::Bytes {
            name,
            base_dir,
            bytes,
        } => stampede_scenario::load_bytes(name, base_dir, bytes, &opts),
    };
    loaded.map(|l| l.scenario).map_err(|failed| {
        let errors: Vec<_> = failed.errors().cloned().collect();
        ClusterError::Scenario(stampede_scenario::render(&errors, &failed.sources, false))
    })
}

fn run_config(w: &WireRunConfig) -> RunConfig {
    RunConfig {
        workers: w.workers,
        seed: Some(w.seed),
        interval: Duration::from_nanos(w.interval_ns),
        flush: Duration::from_nanos(w.flush_ns),
        target: w.target.as_ref().map(|(host, port)| TargetOverride {
            host: host.clone(),
            port: *port,
        }),
        tls_insecure: w.tls_insecure,
        stop_grace: Duration::from_nanos(w.stop_grace_ns),
        process: w.process,
        scenario_dir: w.scenario_dir.clone(),
        local_clients: w.local_clients,
        // The controller process samples the host once for the whole run.
        monitor_host: false,
    }
}

/// Turns the controller's stop messages into stop requests; the end of the stream (the
/// controller is gone) aborts the run.
fn listen_for_stops(
    mut input: BufReader<impl Read + Send + 'static>,
    stop: StopHandle,
) -> Result<(), ClusterError> {
    std::thread::Builder::new()
        .name("stampede-agent-control".into())
        .spawn(move || {
            loop {
                match read_message::<ToAgent>(&mut input) {
                    Ok(Some(ToAgent::Stop { by })) => stop.stop(&by),
                    Ok(Some(ToAgent::Abort { by })) => stop.abort(&by),
                    Ok(Some(_)) => {}
                    Ok(None) | Err(_) => {
                        stop.abort("the controller closed the connection");
                        return;
                    }
                }
            }
        })
        .map(drop)
        .map_err(|source| ClusterError::Io {
            what: "cannot start the agent's control thread".into(),
            source,
        })
}

/// The agent's output stream. Once a write fails (the controller is gone) nothing more is
/// written.
struct Output<W: Write> {
    w: BufWriter<W>,
    broken: bool,
}

impl<W: Write> Output<W> {
    fn new(w: W) -> Self {
        Self {
            w: BufWriter::with_capacity(64 << 10, w),
            broken: false,
        }
    }

    fn send(&mut self, m: &FromAgent) -> Result<(), FrameError> {
        if self.broken {
            return Err(FrameError::Io(io::ErrorKind::BrokenPipe.into()));
        }
        let r = write_message(&mut self.w, m);
        if let Err(FrameError::Io(_)) = &r {
            self.broken = true;
        }
        r
    }

    fn flush(&mut self) -> Result<(), FrameError> {
        if self.broken {
            return Err(FrameError::Io(io::ErrorKind::BrokenPipe.into()));
        }
        self.w.flush().map_err(|e| {
            self.broken = true;
            FrameError::Io(e)
        })
    }
}

/// The engine observer of an agent: every event becomes a message to the controller.
struct Forwarder<W: Write> {
    out: Output<W>,
    stop: StopHandle,
    started: bool,
    load_duration: Option<Duration>,
}

impl<W: Write> Forwarder<W> {
    fn send(&mut self, m: &FromAgent, flush: bool) {
        let mut r = self.out.send(m);
        if r.is_ok() && flush {
            r = self.out.flush();
        }
        match r {
            Ok(()) => {}
            Err(FrameError::TooLarge { len, max }) => {
                let text = format!("a message of {len} bytes was not sent (limit {max} bytes)");
                let _ = self.out.send(&FromAgent::Log {
                    level: WireLogLevel::Warning,
                    text,
                    before_start: false,
                });
            }
            // The controller is gone: nobody will see the results; stop now.
            Err(_) => self.stop.abort("the controller is gone"),
        }
    }
}

impl<W: Write> RunObserver for Forwarder<W> {
    fn run_started(&mut self, started: &RunStarted<'_>) {
        self.started = true;
        let m = FromAgent::Started {
            started_at_unix_ns: unix_ns(started.started_at),
            seed: started.seed,
            workers: started.workers,
        };
        self.send(&m, true);
    }

    fn phase_started(&mut self, phase: &PhaseStart) {
        self.send(&FromAgent::PhaseStarted(phase.into()), true);
    }

    fn phase_ended(&mut self, phase: &PhaseEnd) {
        self.send(&FromAgent::PhaseEnded(phase.into()), true);
    }

    fn interval_closed(&mut self, closed: &ClosedInterval<'_>) {
        let m = FromAgent::Interval {
            index: closed.summary.index,
            end_ns: closed.summary.end_ns,
            snapshot: Box::new(closed.snapshot.clone()),
        };
        self.send(&m, true);
    }

    fn progress(&mut self, live: &LiveStatus<'_>) {
        let stop_cause = live.stopping.map(|_| {
            if self.stop.is_stopping() {
                StopCause::Controller
            } else if self.load_duration.is_some_and(|d| live.elapsed >= d) {
                StopCause::LoadDuration
            } else {
                StopCause::Scenario
            }
        });
        let (rss, _) = sysinfo::memory();
        let m = FromAgent::Status(WireStatus {
            elapsed_ns: nanos(live.elapsed),
            users: live.users,
            connected: live.connected,
            users_launched: live.users_launched,
            requests: live.requests,
            errors: live.errors,
            stopping: live.stopping.map(Into::into),
            stop_cause,
            rss_bytes: rss,
        });
        self.send(&m, true);
    }

    fn match_logged(&mut self, line: &MatchLine) {
        self.send(
            &FromAgent::Match(Box::new(WireMatchLine::from(line))),
            false,
        );
    }

    fn traffic_dumped(&mut self, lines: &str) {
        for chunk in line_chunks(lines, DUMP_CHUNK) {
            self.send(
                &FromAgent::TrafficDump {
                    lines: chunk.to_owned(),
                },
                false,
            );
        }
    }

    fn log(&mut self, level: LogLevel, text: &str) {
        if !self.started && text.starts_with(ENGINE_MAXUSERS_WARNING) {
            return;
        }
        let m = FromAgent::Log {
            level: level.into(),
            text: text.to_owned(),
            before_start: !self.started,
        };
        self.send(&m, false);
    }
}

#[cfg(test)]
mod tests {
    use super::line_chunks;

    #[test]
    fn dump_lines_are_cut_after_newlines() {
        let cases: &[(&str, usize, &[&str])] = &[
            ("", 10, &[]),
            ("a\nb\n", 10, &["a\nb\n"]),
            ("aa\nbb\ncc\n", 6, &["aa\nbb\n", "cc\n"]),
            ("aa\nbb\ncc\n", 3, &["aa\n", "bb\n", "cc\n"]),
            // A line longer than the limit goes alone.
            ("aaaaaa\nb\n", 3, &["aaaaaa\n", "b\n"]),
            ("x\naaaaaa\nb\n", 3, &["x\n", "aaaaaa\n", "b\n"]),
        ];
        for (text, max, want) in cases {
            let got: Vec<&str> = line_chunks(text, *max).collect();
            assert_eq!(got, *want, "{text:?} {max}");
            assert_eq!(got.concat(), *text);
        }
    }
}
