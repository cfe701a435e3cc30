//! A small driver of the cluster crate for tests and benchmarks, until the `stampede` command
//! offers the same (`stampede … --processes N start`, hidden `stampede __agent`).
//!
//! ```text
//! stampede-cluster-harness agent
//!     speak the agent protocol on standard input and output
//! stampede-cluster-harness run -f FILE [--processes N] [--target HOST:PORT] [--seed N]
//!     [--workers N] [--interval-ms N] [--flush-ms N] [-l DIR]
//!     run FILE over N local agents (this program's `agent`); status lines and the log on
//!     standard error, a JSON summary on standard output (and DIR/stats.json with -l)
//! ```

use stampede_cluster::{AgentCommand, AgentOutcome, ClusterConfig, ClusterSummary};
use stampede_engine::{LiveStatus, LogLevel, RunConfig, RunObserver, StopHandle};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("agent") => stampede_cluster::agent_stdio(),
        Some("run") => match run(&args[1..]) {
            Ok(code) => code,
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "error: {e}");
                ExitCode::from(2)
            }
        },
        _ => {
            let _ = writeln!(
                std::io::stderr(),
                "usage: stampede-cluster-harness agent | run -f FILE [--processes N] \
                 [--target HOST:PORT] [--seed N] [--workers N] [--interval-ms N] \
                 [--flush-ms N] [-l DIR]"
            );
            ExitCode::from(2)
        }
    }
}

struct Options {
    file: PathBuf,
    processes: Option<usize>,
    run: RunConfig,
    log_dir: Option<PathBuf>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut file = None;
    let mut processes = None;
    let mut log_dir = None;
    let mut run = RunConfig::default();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        let number = |v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag}: `{v}` is not a number"))
        };
        match flag.as_str() {
            "-f" => file = Some(PathBuf::from(value()?)),
            "-l" => log_dir = Some(PathBuf::from(value()?)),
            "--processes" => processes = Some(number(value()?)? as usize),
            "--target" => run.target = Some(value()?.parse().map_err(|e| format!("{e}"))?),
            "--seed" => run.seed = Some(number(value()?)?),
            "--workers" => run.workers = number(value()?)? as usize,
            "--interval-ms" => run.interval = Duration::from_millis(number(value()?)?),
            "--flush-ms" => run.flush = Duration::from_millis(number(value()?)?),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let file = file.ok_or("-f FILE is required")?;
    run.scenario_dir = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok(Options {
        file,
        processes,
        run,
        log_dir,
    })
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    let opts = parse(args)?;
    let loaded = stampede_scenario::load_file(&opts.file, &Default::default())
        .map_err(|f| stampede_scenario::render(&f.diagnostics, &f.sources, false))?;
    let agent = AgentCommand::current_exe(["agent"]).map_err(|e| e.to_string())?;
    let mut config = ClusterConfig::new(&opts.file, agent, opts.run);
    config.processes = opts.processes;
    let summary = stampede_cluster::run(
        Arc::new(loaded.scenario),
        config,
        Printer::default(),
        StopHandle::new(),
    )
    .map_err(|e| e.to_string())?;
    let json = summary_json(&summary);
    let text = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?;
    let _ = writeln!(std::io::stdout(), "{text}");
    if let Some(dir) = opts.log_dir {
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        std::fs::write(dir.join("stats.json"), &text).map_err(|e| e.to_string())?;
    }
    Ok(if summary.lost_agents().next().is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Status lines (about one a second) and log messages on standard error.
#[derive(Default)]
struct Printer {
    last: Option<Instant>,
}

impl RunObserver for Printer {
    fn progress(&mut self, live: &LiveStatus<'_>) {
        if self
            .last
            .is_some_and(|t| t.elapsed() < Duration::from_secs(1))
        {
            return;
        }
        self.last = Some(Instant::now());
        let _ = writeln!(
            std::io::stderr(),
            "status elapsed={:.1} users={} connected={} launched={} requests={} errors={}",
            live.elapsed.as_secs_f64(),
            live.users,
            live.connected,
            live.users_launched,
            live.requests,
            live.errors
        );
    }

    fn log(&mut self, level: LogLevel, text: &str) {
        let _ = writeln!(std::io::stderr(), "log {level:?}: {text}");
    }
}

fn summary_json(s: &ClusterSummary) -> serde_json::Value {
    let t = &s.run.totals;
    let statuses: serde_json::Map<String, serde_json::Value> = t
        .status
        .iter()
        .map(|(code, n)| (code.to_string(), n.into()))
        .collect();
    let agents: Vec<serde_json::Value> = s
        .agents
        .iter()
        .map(|a| {
            serde_json::json!({
                "index": a.index,
                "pid": a.pid,
                "finished": matches!(a.outcome, AgentOutcome::Finished { .. }),
                "users_launched": a.users_launched,
                "requests": a.totals.as_ref().map(|t| t.request.count),
                "peak_rss_bytes": a.peak_rss_bytes,
                "start_offset_ms": a.start_offset.map(|d| d.as_secs_f64() * 1e3),
            })
        })
        .collect();
    serde_json::json!({
        "end": s.run.end.name(),
        "duration_s": s.run.duration.as_secs_f64(),
        "processes": s.plan.processes,
        "plan": s.plan.explain(),
        "requests": t.request.count,
        "sessions": t.session.count,
        "statuses": statuses,
        "errors": t.errors_total(),
        "users_launched": s.run.users_launched,
        "users_max": s.run.users_max,
        "connected_max": s.run.connected_max,
        "generators_peak_rss_bytes": s.generators_peak_rss_bytes(),
        "start_skew_ms": s.start_skew.as_secs_f64() * 1e3,
        "losses": s.losses(),
        "agents": agents,
    })
}
