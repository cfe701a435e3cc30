//! `stampede [-i ID] stop`: asks the run with that id to stop gracefully (SIGTERM), then waits
//! until it has written its results and exited.

use crate::args::Cli;
use crate::exit;
use crate::run::id_flag;
use crate::run::instance::{Found, Registry, send_signal};
use crate::run::status_file::{LiveFile, NOT_STARTED, RunState};
use anyhow::{Context, Result};
use nix::sys::signal::Signal;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// How long `stop` waits for the run to exit: the engine's grace period for requests in
/// flight (5 s) plus writing the outputs, with a wide margin.
const WAIT: Duration = Duration::from_secs(60);

pub fn run(cli: &Cli) -> Result<ExitCode> {
    let id = cli.instance_id();
    let registry = Registry::from_home();
    let record = match registry.find(id) {
        Found::Running(record) => record,
        Found::NotRunning => {
            eprintln!("{NOT_STARTED}{}: nothing to stop", with_id(cli));
            return Ok(exit::code(exit::FAILURE));
        }
    };
    let kept =
        LiveFile::read(&registry.status_path(id)).map(|l| l.state) == Some(RunState::Finished);
    send_signal(record.pid, Signal::SIGTERM)
        .with_context(|| format!("cannot signal the run's process (pid {})", record.pid))?;
    if kept {
        println!(
            "Closing the dashboard kept open by the finished run{} (pid {}); its results are in {}",
            with_id(cli),
            record.pid,
            record.run_dir.display()
        );
    } else {
        println!(
            "Stopping the run{} (pid {}): requests in flight finish, then every result is written to {}",
            with_id(cli),
            record.pid,
            record.run_dir.display()
        );
    }
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if !record.is_alive() || registry.find(id) == Found::NotRunning {
            println!("Stopped.");
            return Ok(exit::code(exit::SUCCESS));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!(
        "The run is still stopping after {} s; run `stampede{} stop` again to abort it.",
        WAIT.as_secs(),
        id_flag(id)
    );
    Ok(exit::code(exit::FAILURE))
}

/// ` with id `x`` for a run started with -i.
pub fn with_id(cli: &Cli) -> String {
    cli.id
        .as_deref()
        .map(|i| format!(" with id `{i}`"))
        .unwrap_or_default()
}
