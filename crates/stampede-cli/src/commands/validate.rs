//! `stampede validate FILE...`: every diagnostic on stderr, one verdict per file on stdout.

use crate::args::Cli;
use crate::scenario_file::{Source, counts, load, print_diagnostics};
use anyhow::Result;
use stampede_scenario::LoadOptions;
use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(cli: &Cli, files: &[PathBuf], opts: &LoadOptions) -> Result<ExitCode> {
    let sources: Vec<Source> = if files.is_empty() {
        vec![Source::resolve(cli.file.as_deref())?]
    } else {
        files
            .iter()
            .map(|f| Source::resolve(Some(f)))
            .collect::<Result<_>>()?
    };
    let mut all_valid = true;
    for source in &sources {
        let name = source.display();
        match load(source, opts)? {
            Ok(loaded) => {
                print_diagnostics(&loaded.warnings, &loaded.sources);
                println!("valid: {name} ({})", counts(&loaded.warnings));
            }
            Err(failed) => {
                all_valid = false;
                print_diagnostics(&failed.diagnostics, &failed.sources);
                println!("invalid: {name} ({})", counts(&failed.diagnostics));
            }
        }
    }
    Ok(if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
