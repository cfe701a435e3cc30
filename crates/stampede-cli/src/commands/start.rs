//! `stampede start`: loads and checks the scenario. Running it needs the run engine, which
//! this build does not include, so the command stops after the checks and says so.

use super::EXIT_UNAVAILABLE;
use crate::args::Cli;
use crate::scenario_file::{Source, counts, load, print_diagnostics};
use anyhow::Result;
use stampede_scenario::LoadOptions;
use std::process::ExitCode;

pub fn run(cli: &Cli, opts: &LoadOptions) -> Result<ExitCode> {
    let source = Source::resolve(cli.file.as_deref())?;
    match load(&source, opts)? {
        Ok(loaded) => {
            print_diagnostics(&loaded.warnings, &loaded.sources);
            let s = &loaded.scenario;
            eprintln!(
                "{}: valid ({} session(s), {} request(s), {} phase(s))",
                source.display(),
                s.sessions.len(),
                s.requests.len(),
                s.load.phases.len()
            );
            eprintln!(
                "error: running load tests is not available in this build of stampede; \
                 use `stampede explain` to see what this scenario would do"
            );
            Ok(ExitCode::from(EXIT_UNAVAILABLE))
        }
        Err(failed) => {
            print_diagnostics(&failed.diagnostics, &failed.sources);
            eprintln!(
                "error: {} cannot run ({})",
                source.display(),
                counts(&failed.diagnostics)
            );
            Ok(ExitCode::FAILURE)
        }
    }
}
