//! The `stampede` command.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod args;
mod commands;
mod duration;
mod exit;
mod run;
mod scenario_file;
mod terminal;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return exit::code(if e.use_stderr() {
                exit::USAGE
            } else {
                exit::SUCCESS
            });
        }
    };
    match commands::run(&cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            exit::code(exit::FAILURE)
        }
    }
}
