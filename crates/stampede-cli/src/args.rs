//! Command-line arguments, compatible with `tsung [options] start|stop|status`.

use clap::{ArgAction, Parser, Subcommand};
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  stampede -f scenario.xml start        run a scenario (like `tsung -f scenario.xml start`)
  stampede validate scenario.xml        check a scenario and list every problem
  stampede validate *.xml               check several; exit status 1 if any is invalid
  stampede explain scenario.xml         describe what the scenario will do
  stampede -x landing,gif -f s.xml start   drop requests tagged `landing` or `gif`
  cat scenario.xml | stampede -f - validate

Without -f, the scenario is ~/.stampede/tsung.xml, or ~/.tsung/tsung.xml if that exists.

Exit status: 0 success, 1 invalid scenario or failed command, 2 bad usage,
3 the command is not available in this build.";

/// Runs Tsung XML load-test scenarios.
#[derive(Debug, Parser)]
#[command(
    name = "stampede",
    version,
    disable_version_flag = true,
    after_help = EXAMPLES,
    arg_required_else_help = true
)]
pub struct Cli {
    /// Scenario file; `-` reads it from standard input.
    #[arg(short = 'f', long = "file", value_name = "FILE", global = true)]
    pub file: Option<PathBuf>,

    /// Base directory for run logs (a per-run directory is created inside).
    #[arg(short = 'l', long = "log-dir", value_name = "LOGDIR", global = true)]
    pub log_dir: Option<PathBuf>,

    /// Run identifier, so that several runs can share a machine.
    #[arg(short = 'i', long = "id", value_name = "ID", global = true)]
    pub id: Option<String>,

    /// Do not start the web dashboard.
    #[arg(short = 'n', long = "no-dashboard", global = true)]
    pub no_dashboard: bool,

    /// Keep the dashboard running after the test ends.
    #[arg(short = 'k', long = "keep", global = true)]
    pub keep: bool,

    /// Comma-separated request tags to drop from the scenario.
    #[arg(
        short = 'x',
        long = "exclude-tags",
        value_name = "TAGS",
        value_delimiter = ',',
        global = true
    )]
    pub exclude_tags: Vec<String>,

    /// Print the version and exit.
    #[arg(short = 'v', long = "version", action = ArgAction::Version)]
    pub version: Option<bool>,

    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load the scenario and run the load test.
    Start,
    /// Stop the running test.
    Stop,
    /// Show the state of the running test.
    Status,
    /// Check scenario files and report every problem (default: the -f file).
    Validate {
        /// Scenario files to check.
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Describe what a scenario will do (default: the -f file).
    Explain {
        /// Scenario file to describe.
        #[arg(value_name = "FILE")]
        file: Option<PathBuf>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn tsung_style_options_before_the_command() {
        let cli =
            Cli::try_parse_from(["stampede", "-f", "s.xml", "-x", "a,b", "-n", "start"]).unwrap();
        assert_eq!(cli.file, Some(PathBuf::from("s.xml")));
        assert_eq!(cli.exclude_tags, vec!["a", "b"]);
        assert!(cli.no_dashboard);
        assert!(matches!(cli.command, Command::Start));
    }

    #[test]
    fn options_after_the_command_and_several_files() {
        let cli =
            Cli::try_parse_from(["stampede", "validate", "a.xml", "b.xml", "-x", "t"]).unwrap();
        match cli.command {
            Command::Validate { files } => assert_eq!(files.len(), 2),
            other => panic!("{other:?}"),
        }
        assert_eq!(cli.exclude_tags, vec!["t"]);
    }

    #[test]
    fn dash_v_prints_the_version() {
        let err = Cli::try_parse_from(["stampede", "-v"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::DisplayVersion);
    }
}
