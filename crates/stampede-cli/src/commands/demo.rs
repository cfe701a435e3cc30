//! `stampede demo`: the bundled scenario (`examples/demo.xml`, built into the binary) against
//! the demo app, started in this process on a free loopback port. Same outputs as `start`,
//! then where they are and a cross-check of the request counts.

use crate::args::{Cli, StatsTarget};
use crate::exit;
use crate::run::{self, Finished, RunRequest, ScenarioCopy, Settings};
use crate::scenario_file::{counts, print_diagnostics};
use crate::terminal::Console;
use anyhow::Result;
use stampede_engine::TargetOverride;
use stampede_scenario::LoadOptions;
use stampede_testkit::{AppConfig, TargetApp};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

/// The demo scenario.
const DEMO_XML: &str = include_str!("../../../../examples/demo.xml");
/// Its name in messages and in the run directory.
const DEMO_NAME: &str = "demo.xml";

pub fn run(cli: &Cli, duration: Option<Duration>) -> Result<ExitCode> {
    let console = Console::new(cli.stats_target() == StatsTarget::Stdout);
    let opts = LoadOptions::default();
    let loaded = match stampede_scenario::load_str(DEMO_NAME, Path::new("."), DEMO_XML, &opts) {
        Ok(loaded) => loaded,
        Err(failed) => {
            print_diagnostics(&failed.diagnostics, &failed.sources);
            console.error(&format!(
                "the built-in demo scenario does not load ({})",
                counts(&failed.diagnostics)
            ));
            return Ok(exit::code(exit::FAILURE));
        }
    };
    print_diagnostics(&loaded.warnings, &loaded.sources);
    let mut scenario = loaded.scenario;
    if let Some(limit) = duration {
        scenario.load.duration = Some(scenario.load.duration.map_or(limit, |d| d.min(limit)));
    }
    if cli.run.target.is_some() {
        console.note("demo: --target is not used; the demo runs against its own app");
    }

    let app = match TargetApp::start_blocking(AppConfig::default()) {
        Ok(app) => app,
        Err(e) => {
            console.error(&format!("cannot start the demo app on 127.0.0.1: {e}"));
            return Ok(exit::code(exit::ENVIRONMENT));
        }
    };
    console.say(&format!(
        "Demo app: {}/ (a small Rails-style site, in this process, loopback only)",
        app.base_url()
    ));
    let target = TargetOverride {
        host: app.addr().ip().to_string(),
        port: app.addr().port(),
    };
    let request = RunRequest {
        scenario,
        path_as_given: DEMO_NAME.to_owned(),
        copy: ScenarioCopy::Text {
            name: DEMO_NAME.to_owned(),
            text: DEMO_XML.to_owned(),
        },
        scenario_dir: None,
        target: Some(target),
    };
    let settings = Settings::from_cli(cli);
    let result = run::execute(request, &settings, &console, |finished| {
        tell_where_results_are(finished, &settings, &console);
        let served = app.counts().total();
        let measured = finished.stats.totals.request.count;
        let mut line = format!(
            "Cross-check: the target app counted {served} requests; Stampede counted {measured}"
        );
        if served == measured {
            line.push_str(" (they agree).");
        } else {
            line.push_str(
                ". They differ: responses still in flight when the run was aborted reach the \
                 app but are not measured.",
            );
        }
        console.say(&line);
    });
    app.shutdown_blocking();
    Ok(match result {
        Ok(finished) => exit::code(finished.code),
        Err(failed) => {
            console.error(&format!("{:#}", failed.error));
            exit::code(failed.code)
        }
    })
}

fn tell_where_results_are(finished: &Finished, settings: &Settings, console: &Console) {
    let dir = finished.run_dir.display();
    let mut text = format!("\nThe results are in {dir}/:\n");
    if let Some(report) = &finished.report {
        text.push_str(&format!(
            "  report.html     the report; open it in a browser: file://{}\n",
            report.display()
        ));
    }
    text.push_str("  stats.json      every figure, for scripts (docs/stats-json.md)\n");
    text.push_str("  timeseries.csv  the figures of every interval\n");
    if let StatsTarget::File(name) = &settings.stats {
        text.push_str(&format!(
            "  {name:<15} the statistics in Tsung's format (tsung_stats.pl reads it)\n"
        ));
    }
    text.push_str("  stampede.log    the run's log\n");
    text.push_str(&format!(
        "  {DEMO_NAME:<15} the scenario that ran (examples/demo.xml)\n"
    ));
    text.push_str(&format!(
        "Rebuild the report later with: stampede report {dir}"
    ));
    console.say(&text);
}
