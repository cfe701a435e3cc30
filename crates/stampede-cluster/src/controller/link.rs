//! Local agent processes: starting them, their three pipes, stopping and reaping them.
//!
//! Each agent's standard output is read by a thread of its own that decodes frames and
//! passes them to the controller's event channel; its standard error likewise, line by line.
//! The controller's loop therefore never blocks on one agent.

use crate::config::AgentCommand;
use crate::error::ClusterError;
use crate::frame::{read_message, write_message};
use crate::protocol::{FromAgent, ToAgent};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

/// What the reader threads report.
#[derive(Debug)]
pub(crate) enum Event {
    Message {
        agent: usize,
        message: FromAgent,
    },
    /// The agent's output ended (`error`: how, if not cleanly).
    Closed {
        agent: usize,
        error: Option<String>,
    },
    Stderr {
        agent: usize,
        line: String,
    },
}

/// One local agent process.
#[derive(Debug)]
pub(crate) struct AgentLink {
    pub pid: u32,
    child: Child,
    stdin: Option<BufWriter<ChildStdin>>,
    exit: Option<ExitStatus>,
}

impl AgentLink {
    /// Starts agent `index` in a process group of its own (so that a Ctrl-C in the terminal
    /// reaches only the controller, which forwards it as a graceful stop).
    pub fn spawn(
        index: usize,
        command: &AgentCommand,
        events: &Sender<Event>,
    ) -> Result<Self, ClusterError> {
        let mut cmd = Command::new(&command.program);
        cmd.args(&command.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt as _;
            cmd.process_group(0);
        }
        let spawn_error = |source| ClusterError::Spawn {
            index,
            program: command.program.display().to_string(),
            source,
        };
        let mut child = cmd.spawn().map_err(spawn_error)?;
        let pid = child.id();
        let stdin = child.stdin.take().map(BufWriter::new);
        let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(spawn_error(std::io::ErrorKind::BrokenPipe.into()));
        };
        let tx = events.clone();
        let reader = std::thread::Builder::new()
            .name(format!("stampede-agent-{index}-out"))
            .spawn(move || {
                let mut input = BufReader::with_capacity(64 << 10, stdout);
                loop {
                    let event = match read_message::<FromAgent>(&mut input) {
                        Ok(Some(message)) => Event::Message {
                            agent: index,
                            message,
                        },
                        Ok(None) => Event::Closed {
                            agent: index,
                            error: None,
                        },
                        Err(e) => Event::Closed {
                            agent: index,
                            error: Some(e.to_string()),
                        },
                    };
                    let last = matches!(event, Event::Closed { .. });
                    if tx.send(event).is_err() || last {
                        return;
                    }
                }
            });
        let tx = events.clone();
        let errors = std::thread::Builder::new()
            .name(format!("stampede-agent-{index}-err"))
            .spawn(move || {
                let mut input = BufReader::new(stderr);
                let mut line = Vec::new();
                loop {
                    line.clear();
                    match input.read_until(b'\n', &mut line) {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {
                            let text = String::from_utf8_lossy(&line).trim_end().to_owned();
                            if tx
                                .send(Event::Stderr {
                                    agent: index,
                                    line: text,
                                })
                                .is_err()
                            {
                                return;
                            }
                        }
                    }
                }
            });
        if let Err(source) = reader.and(errors) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(ClusterError::Io {
                what: format!("cannot start the threads reading agent {index}"),
                source,
            });
        }
        Ok(Self {
            pid,
            child,
            stdin,
            exit: None,
        })
    }

    /// Sends a message; false when the agent no longer reads (it is gone).
    pub fn send(&mut self, message: &ToAgent) -> bool {
        let Some(w) = self.stdin.as_mut() else {
            return false;
        };
        let ok = write_message(w, message).is_ok() && w.flush().is_ok();
        if !ok {
            self.stdin = None;
        }
        ok
    }

    /// Closes the agent's input: an agent that is still running takes it as an abort.
    pub fn close_input(&mut self) {
        self.stdin = None;
    }

    /// The exit status, if the process has ended.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        if self.exit.is_none() {
            self.exit = self.child.try_wait().ok().flatten();
        }
        self.exit
    }

    /// Waits up to `patience` for the process to end, then kills it; returns how it ended.
    pub fn reap(&mut self, patience: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + patience;
        while self.try_wait().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        if self.exit.is_none() {
            self.kill();
        }
        self.exit
    }

    /// Kills the process (SIGKILL) and reaps it.
    pub fn kill(&mut self) {
        self.stdin = None;
        if self.try_wait().is_none() {
            let _ = self.child.kill();
            self.exit = self.child.wait().ok();
        }
    }
}

/// `exit code 3`, `killed by signal 9`, … for messages.
pub(crate) fn describe_exit(status: Option<ExitStatus>) -> String {
    let Some(status) = status else {
        return "exit status unknown".into();
    };
    if let Some(code) = status.code() {
        return format!("exit code {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt as _;
        if let Some(signal) = status.signal() {
            return format!("killed by signal {signal}");
        }
    }
    status.to_string()
}
