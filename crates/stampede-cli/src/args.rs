//! Command-line arguments, compatible with `tsung [options] start|stop|status`.

use crate::duration;
use clap::{ArgAction, Parser, Subcommand};
use stampede_engine::TargetOverride;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

const EXAMPLES: &str = "\
Examples:
  stampede demo                         a 30 s load test of the built-in demo app, with dashboard
  stampede -f scenario.xml start        run a scenario (like `tsung -f scenario.xml start`)
  stampede -f s.xml -n -l /tmp/runs start   no dashboard; run directory under /tmp/runs
  stampede -f s.xml --target 127.0.0.1:8080 start   send the load to another address
  stampede -i shop -f s.xml start       run with an id, so several runs can share a machine
  stampede -i shop status               how the run with id `shop` is doing
  stampede -i shop stop                 stop it gracefully (all results are written)
  stampede report ~/.stampede/log/20240307-090502   rebuild report.html from stats.json
  stampede validate *.xml               check scenarios; exit status 1 if any is invalid
  stampede explain scenario.xml         describe what the scenario will do
  stampede -x landing,gif -f s.xml start   drop requests tagged `landing` or `gif`
  cat scenario.xml | stampede -f - validate

Without -f, the scenario is ~/.stampede/tsung.xml, or ~/.tsung/tsung.xml if that exists.
Runs are written to ~/.stampede/log/YYYYMMDD-HHMMSS/ (or under -l DIR): the scenario copy,
tsung.log, stats.json, report.html, timeseries.csv, match.log, stampede.log.
";

const START_HELP: &str = "\
Examples:
  stampede -f scenario.xml start
  stampede -f scenario.xml -n -l /tmp/runs --interval 1s start
  stampede -f scenario.xml --target staging.example:443 --insecure start
  stampede -f scenario.xml -k --dashboard 0.0.0.0:8091 start
  stampede -f scenario.xml -m - start > tsung.log     statistics on stdout

Ctrl-C (or SIGTERM, or `stampede stop`) stops gracefully: no new users, requests in flight
finish, every result is written. A second Ctrl-C aborts at once (results still written).";

const STOP_HELP: &str = "\
Examples:
  stampede stop              stop the run started without -i
  stampede -i shop stop      stop the run started with -i shop

The run stops gracefully and writes every result; `stop` waits until it has exited.
Run `stop` again while it is stopping to abort at once.";

const STATUS_HELP: &str = "\
Examples:
  stampede status
  stampede -i shop status

Prints `Stampede is running [OK]`, the current request rate, users, connected users and
phase; or `Stampede is not started` (exit status 1).";

const DEMO_HELP: &str = "\
Examples:
  stampede demo                  with the live dashboard on http://127.0.0.1:8091/
  stampede demo -n -l /tmp/demo  no dashboard; results under /tmp/demo

Starts the demo app (a small Rails-style site) on a free loopback port and runs the bundled
scenario examples/demo.xml against it: about 60 users over 20 s, about 550 requests. Nothing
to install and nothing leaves this machine.";

const REPORT_HELP: &str = "\
Examples:
  stampede report ~/.stampede/log/20240307-090502
  stampede report                the most recent run under ~/.stampede/log (or -l DIR)";

const VALIDATE_HELP: &str = "\
Examples:
  stampede validate scenario.xml
  stampede validate *.xml
  stampede -f scenario.xml validate
  cat scenario.xml | stampede -f - validate";

const EXPLAIN_HELP: &str = "\
Examples:
  stampede explain scenario.xml
  stampede -x landing -f scenario.xml explain";

/// Runs Tsung XML load-test scenarios.
#[derive(Debug, Parser)]
#[command(
    name = "stampede",
    version,
    disable_version_flag = true,
    after_help = format!("{EXAMPLES}\n{}", crate::exit::HELP),
    arg_required_else_help = true
)]
pub struct Cli {
    /// Scenario file; `-` reads it from standard input.
    #[arg(short = 'f', long = "file", value_name = "FILE", global = true)]
    pub file: Option<PathBuf>,

    /// Base directory for run logs (a per-run directory is created inside) [default:
    /// ~/.stampede/log].
    #[arg(short = 'l', long = "log-dir", value_name = "LOGDIR", global = true)]
    pub log_dir: Option<PathBuf>,

    /// Run identifier, so that several runs can share a machine (`stop` and `status` find
    /// the run by it).
    #[arg(short = 'i', long = "id", value_name = "ID", global = true, value_parser = parse_id)]
    pub id: Option<String>,

    /// Do not start the web dashboard.
    #[arg(short = 'n', long = "no-dashboard", global = true)]
    pub no_dashboard: bool,

    /// Keep the dashboard running after the test ends, until Stop, Ctrl-C or `stampede stop`.
    #[arg(short = 'k', long = "keep", global = true)]
    pub keep: bool,

    /// Name of the statistics file in the run directory; `-` writes it to standard output
    /// (then every message goes to standard error).
    #[arg(
        short = 'm',
        long = "stats-file",
        value_name = "FILE",
        default_value = "tsung.log",
        global = true,
        value_parser = parse_stats_file
    )]
    pub stats_file: String,

    /// Comma-separated request tags to drop from the scenario.
    #[arg(
        short = 'x',
        long = "exclude-tags",
        value_name = "TAGS",
        value_delimiter = ',',
        global = true
    )]
    pub exclude_tags: Vec<String>,

    /// Warm-up: wait this long before the first user starts (Tsung's default is 1 s;
    /// Stampede's is 0). Seconds, or a duration such as 500ms.
    #[arg(short = 'w', long = "warmup", value_name = "SEC", global = true, value_parser = duration::parse)]
    pub warmup: Option<Duration>,

    /// Print the version and exit.
    #[arg(short = 'v', long = "version", action = ArgAction::Version)]
    pub version: Option<bool>,

    #[command(flatten)]
    pub run: RunArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options of a run beyond Tsung's.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Run options (beyond Tsung's)")]
pub struct RunArgs {
    /// Send every connection for the scenario's servers (and absolute URLs on their hosts)
    /// to HOST:PORT instead; requests are unchanged (Host header, TLS name, cookies).
    #[arg(long, value_name = "HOST:PORT", global = true)]
    pub target: Option<TargetOverride>,

    /// Seed of every random choice, to repeat a run exactly (default: the scenario's, else
    /// drawn and printed).
    #[arg(long, value_name = "N", global = true)]
    pub seed: Option<u64>,

    /// Statistics interval: one tsung.log block, one point of the graphs.
    #[arg(long, value_name = "DURATION", default_value = "10s", global = true, value_parser = duration::parse_positive)]
    pub interval: Duration,

    /// Worker threads [default: one per core].
    #[arg(long, value_name = "N", global = true)]
    pub workers: Option<usize>,

    /// Generator processes [default: planned from <client cpu maxusers> and the open-file
    /// limit, so that no process runs out of file descriptors].
    #[arg(long, value_name = "N", global = true, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub processes: Option<u32>,

    /// Accept any TLS certificate (self-signed test servers). Certificates are verified by
    /// default.
    #[arg(long, global = true)]
    pub insecure: bool,

    /// Run the share of remote <client> hosts on this machine too.
    #[arg(long, global = true)]
    pub local_clients: bool,

    /// Dashboard address: IP:PORT, PORT or IP; port 0 picks a free port. If the port is
    /// taken, the next free one is used.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8091", global = true, value_parser = parse_dashboard)]
    pub dashboard: SocketAddr,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load the scenario and run the load test; writes every result to a new run directory.
    #[command(after_help = START_HELP)]
    Start,
    /// Stop the running test gracefully (the one with -i ID, if given).
    #[command(after_help = STOP_HELP)]
    Stop,
    /// Show the state of the running test (the one with -i ID, if given).
    #[command(after_help = STATUS_HELP)]
    Status,
    /// Run the built-in demo: the bundled scenario against the demo app, on loopback.
    #[command(after_help = DEMO_HELP)]
    Demo {
        /// Ends the demo's load after this long (`<load duration>`), for quick checks and
        /// tests. Hidden: the demo is meant to run as written.
        #[arg(long, value_name = "DURATION", hide = true, value_parser = duration::parse_positive)]
        duration: Option<Duration>,
    },
    /// Regenerate report.html and timeseries.csv of a run directory from its stats.json.
    #[command(after_help = REPORT_HELP)]
    Report {
        /// The run directory [default: the most recent run under the log directory].
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Check scenario files and report every problem (default: the -f file).
    #[command(after_help = VALIDATE_HELP)]
    Validate {
        /// Scenario files to check.
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Describe what a scenario will do (default: the -f file).
    #[command(after_help = EXPLAIN_HELP)]
    Explain {
        /// Scenario file to describe.
        #[arg(value_name = "FILE")]
        file: Option<PathBuf>,
    },
}

/// Where the statistics (`-m`) go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatsTarget {
    /// A file of that name in the run directory.
    File(String),
    /// Standard output (`-m -`).
    Stdout,
}

impl Cli {
    /// The `-m` choice.
    pub fn stats_target(&self) -> StatsTarget {
        if self.stats_file == "-" {
            StatsTarget::Stdout
        } else {
            StatsTarget::File(self.stats_file.clone())
        }
    }

    /// The `-i` id, or `default`.
    pub fn instance_id(&self) -> &str {
        self.id.as_deref().unwrap_or(DEFAULT_ID)
    }
}

/// The id of a run started without `-i`.
pub const DEFAULT_ID: &str = "default";

fn parse_id(text: &str) -> Result<String, String> {
    let ok = !text.is_empty()
        && text.len() <= 64
        && !text.starts_with('.')
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if ok {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "`{text}`: an id is 1 to 64 letters, digits, `-`, `_` or `.` (not starting with `.`)"
        ))
    }
}

fn parse_stats_file(text: &str) -> Result<String, String> {
    let plain = !text.is_empty()
        && text != "."
        && text != ".."
        && !text.contains('/')
        && !text.contains('\\');
    if plain {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "`{text}`: give a file name (it is created in the run directory), or `-` for standard output"
        ))
    }
}

fn parse_dashboard(text: &str) -> Result<SocketAddr, String> {
    stampede_dashboard::parse_bind(text).map_err(|e| e.to_string())
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
        assert_eq!(cli.stats_target(), StatsTarget::File("tsung.log".into()));
        assert_eq!(cli.instance_id(), "default");
        assert_eq!(cli.run.interval, Duration::from_secs(10));
        assert_eq!(cli.run.dashboard.to_string(), "127.0.0.1:8091");
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
    fn run_options_anywhere() {
        let cli = Cli::try_parse_from([
            "stampede",
            "--target",
            "127.0.0.1:9000",
            "-f",
            "s.xml",
            "start",
            "--seed",
            "7",
            "--interval",
            "500ms",
            "-w",
            "2",
            "-m",
            "-",
            "-i",
            "shop-1",
            "--dashboard",
            "127.0.0.1:0",
        ])
        .unwrap();
        assert_eq!(cli.run.target.as_ref().unwrap().port, 9000);
        assert_eq!(cli.run.seed, Some(7));
        assert_eq!(cli.run.interval, Duration::from_millis(500));
        assert_eq!(cli.warmup, Some(Duration::from_secs(2)));
        assert_eq!(cli.stats_target(), StatsTarget::Stdout);
        assert_eq!(cli.instance_id(), "shop-1");
        assert_eq!(cli.run.dashboard.port(), 0);
    }

    #[test]
    fn bad_values_are_usage_errors() {
        for args in [
            &["stampede", "-i", "../x", "status"][..],
            &["stampede", "-i", "", "status"],
            &["stampede", "-m", "a/b.log", "start"],
            &["stampede", "--interval", "0s", "start"],
            &["stampede", "--interval", "10 parsecs", "start"],
            &["stampede", "--target", "nohost", "start"],
            &["stampede", "--dashboard", "example.com:80", "start"],
        ] {
            let err = Cli::try_parse_from(args).unwrap_err();
            assert_eq!(
                err.kind(),
                clap::error::ErrorKind::ValueValidation,
                "{args:?}"
            );
        }
    }

    #[test]
    fn demo_takes_a_hidden_duration_and_report_an_optional_dir() {
        let cli = Cli::try_parse_from(["stampede", "demo", "--duration", "3s", "-n"]).unwrap();
        match cli.command {
            Command::Demo { duration } => assert_eq!(duration, Some(Duration::from_secs(3))),
            other => panic!("{other:?}"),
        }
        let cli = Cli::try_parse_from(["stampede", "report"]).unwrap();
        assert!(matches!(cli.command, Command::Report { dir: None }));
    }

    #[test]
    fn dash_v_prints_the_version() {
        let err = Cli::try_parse_from(["stampede", "-v"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::DisplayVersion);
    }
}
