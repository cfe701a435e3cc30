//! Exit statuses: what the shell learns about how a command ended.

use std::process::ExitCode;

/// The command did what it was asked; for `start` and `demo`, the run completed (every phase
/// ran and every user finished, or `<load duration>` was reached).
pub const SUCCESS: u8 = 0;
/// The scenario is invalid or cannot run, or a command failed (`stop`/`status` with no run
/// in progress, `report` without `stats.json`).
pub const FAILURE: u8 = 1;
/// Bad usage: unknown option or command, malformed value.
pub const USAGE: u8 = 2;
/// The run was stopped before its end: Ctrl-C, SIGTERM, `stampede stop`, the dashboard's Stop,
/// or the scenario itself (`abort_test`). Every output was written.
pub const STOPPED: u8 = 3;
/// The run was aborted (second Ctrl-C): users were cut without waiting for their requests in
/// flight. Every output was written.
pub const ABORTED: u8 = 4;
/// The run could not start or could not finish because of its environment: the run
/// directory, the dashboard's address, another run with the same `-i`, threads, TLS set-up,
/// a `--target` that does not resolve, an output that could not be written.
pub const ENVIRONMENT: u8 = 5;

/// The exit statuses, for `--help`.
pub const HELP: &str = "\
Exit status:
  0  success; for start and demo: the run completed (all phases done, or <load duration> reached)
  1  invalid scenario, or the command failed (stop/status: no run in progress)
  2  bad usage
  3  the run was stopped before its end (Ctrl-C, SIGTERM, `stampede stop`, the dashboard's
     Stop, or the scenario's abort_test); all results were written
  4  the run was aborted (second Ctrl-C); all results measured so far were written
  5  environment error: run directory, dashboard address, same -i already running, --target
     that does not resolve, TLS set-up, an output that could not be written";

/// `code` as a process exit code.
pub fn code(code: u8) -> ExitCode {
    ExitCode::from(code)
}
