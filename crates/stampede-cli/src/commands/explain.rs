//! `stampede explain FILE`: what the scenario will do, on stdout.

use crate::args::Cli;
use crate::scenario_file::{Source, counts, load, print_diagnostics};
use anyhow::Result;
use stampede_scenario::LoadOptions;
use std::path::Path;
use std::process::ExitCode;

pub fn run(cli: &Cli, file: Option<&Path>, opts: &LoadOptions) -> Result<ExitCode> {
    let source = Source::resolve(file.or(cli.file.as_deref()))?;
    match load(&source, opts)? {
        Ok(loaded) => {
            print_diagnostics(&loaded.warnings, &loaded.sources);
            print!("{}", stampede_scenario::explain(&loaded));
            Ok(ExitCode::SUCCESS)
        }
        Err(failed) => {
            print_diagnostics(&failed.diagnostics, &failed.sources);
            eprintln!(
                "invalid: {} ({}); nothing to explain",
                source.display(),
                counts(&failed.diagnostics)
            );
            Ok(ExitCode::FAILURE)
        }
    }
}
