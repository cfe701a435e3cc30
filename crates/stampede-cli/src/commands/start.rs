//! `stampede -f FILE start`: loads the scenario, runs the load test, writes every result.

use crate::args::{Cli, StatsTarget};
use crate::exit;
use crate::run::{self, RunRequest, ScenarioCopy, Settings};
use crate::scenario_file::{Source, counts, load_keeping_input, path_as_given, print_diagnostics};
use crate::terminal::Console;
use anyhow::{Context, Result};
use stampede_scenario::LoadOptions;
use std::process::ExitCode;

pub fn run(cli: &Cli, opts: &LoadOptions) -> Result<ExitCode> {
    let console = Console::new(cli.stats_target() == StatsTarget::Stdout);
    let source = Source::resolve(cli.file.as_deref())?;
    let (loaded, stdin) = load_keeping_input(&source, opts)?;
    let loaded = match loaded {
        Ok(loaded) => loaded,
        Err(failed) => {
            print_diagnostics(&failed.diagnostics, &failed.sources);
            console.error(&format!(
                "{} cannot run ({})",
                source.display(),
                counts(&failed.diagnostics)
            ));
            return Ok(exit::code(exit::FAILURE));
        }
    };
    print_diagnostics(&loaded.warnings, &loaded.sources);
    let scenario = loaded.scenario;
    let files = scenario.files.paths.clone();
    let (copy, scenario_dir) = match (&source, stdin) {
        (Source::File(main), _) => (ScenarioCopy::Files(files), run::scenario_dir_of(main)),
        (Source::Stdin, bytes) => (
            ScenarioCopy::Stdin {
                bytes: bytes.unwrap_or_default(),
                others: files.into_iter().skip(1).collect(),
            },
            std::env::current_dir().context("cannot find the current directory")?,
        ),
    };
    if let Some(target) = &cli.run.target {
        console.note(&format!(
            "--target: connections to the scenario's servers go to {target}"
        ));
    }
    let request = RunRequest {
        scenario,
        path_as_given: path_as_given(&source),
        copy,
        scenario_dir: Some(scenario_dir),
        target: cli.run.target.clone(),
    };
    Ok(
        match run::execute(request, &Settings::from_cli(cli), &console, |_| {}) {
            Ok(finished) => exit::code(finished.code),
            Err(failed) => {
                console.error(&format!("{:#}", failed.error));
                exit::code(failed.code)
            }
        },
    )
}
