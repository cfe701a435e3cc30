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
    // A generator process of a multi-process run, started by the controller: it speaks the
    // cluster protocol on stdin/stdout and is not meant to be started by hand.
    if std::env::args_os().nth(1).is_some_and(|a| a == "__agent") {
        return stampede_cluster::agent_stdio();
    }
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
