//! `stampede stop`.

use crate::args::Cli;
use anyhow::Result;
use std::process::ExitCode;

pub fn run(cli: &Cli) -> Result<ExitCode> {
    let which = cli
        .id
        .as_deref()
        .map(|i| format!(" with id `{i}`"))
        .unwrap_or_default();
    eprintln!("No Stampede run{which} is in progress: nothing to stop.");
    Ok(ExitCode::FAILURE)
}
