//! The `stampede` command.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod args;
mod commands;
mod scenario_file;
mod terminal;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match commands::run(&cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
