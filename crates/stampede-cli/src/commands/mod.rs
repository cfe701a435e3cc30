//! One module per command.

mod demo;
mod explain;
mod report;
mod start;
mod status;
mod stop;
mod validate;

use crate::args::{Cli, Command};
use anyhow::Result;
use stampede_scenario::LoadOptions;
use std::process::ExitCode;

/// Runs the command given on the command line.
pub fn run(cli: &Cli) -> Result<ExitCode> {
    let opts = LoadOptions {
        exclude_tags: cli
            .exclude_tags
            .iter()
            .filter(|t| !t.is_empty())
            .cloned()
            .collect(),
    };
    match &cli.command {
        Command::Start => start::run(cli, &opts),
        Command::Demo { duration } => demo::run(cli, *duration),
        Command::Stop => stop::run(cli),
        Command::Status => status::run(cli),
        Command::Report { dir } => report::run(cli, dir.as_deref()),
        Command::Validate { files } => validate::run(cli, files, &opts),
        Command::Explain { file } => explain::run(cli, file.as_deref(), &opts),
    }
}
