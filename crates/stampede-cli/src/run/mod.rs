//! Running a loaded scenario, for `start` and `demo`: the instance id, the run directory and
//! its files, the dashboard, signals, the warm-up, the engine, and the end-of-run outputs.

pub mod dashboard;
pub mod files;
pub mod instance;
pub mod observer;
pub mod outputs;
pub mod progress;
pub mod signals;
pub mod status_file;
pub mod window;

use crate::args::{Cli, StatsTarget};
use crate::exit;
use crate::terminal::{self, Console};
use anyhow::{Context, anyhow};
use files::{RUN_LOG, RunFiles};
use instance::{InstanceRecord, Registry};
use observer::{CliObserver, TLS_HINT};
use outputs::RunFacts;
use progress::Progress;
use signals::Signals;
use stampede_dashboard::Dashboard;
use stampede_engine::{EngineError, RunConfig, RunSummary, StopHandle, TargetOverride};
use stampede_metrics::Layout;
use stampede_model::{ErrorClass, Scenario};
use stampede_report::{
    RunDir, RunOutcome, ScenarioInfo, StatsFile, StopReason, TsungLogWriter, local_rfc3339,
    render_summary, write_outputs,
};
use status_file::{LiveFile, RunState};
use std::fs::File;
use std::io::BufWriter;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// What to save in the run directory as the scenario.
#[derive(Clone, Debug)]
pub enum ScenarioCopy {
    /// The scenario's files (main file first, then included entity files), copied byte for
    /// byte under their names.
    Files(Vec<PathBuf>),
    /// A scenario read from standard input (saved as `tsung_stdin.xml`), and the entity files
    /// it included.
    Stdin {
        bytes: Vec<u8>,
        others: Vec<PathBuf>,
    },
    /// A scenario built into the binary, saved under `name`.
    Text { name: String, text: String },
}

/// A scenario to run.
#[derive(Debug)]
pub struct RunRequest {
    pub scenario: Scenario,
    /// The scenario as given on the command line (`-` for standard input).
    pub path_as_given: String,
    pub copy: ScenarioCopy,
    /// The directory `file:read_file/1` in snippets is confined to; `None`: the run directory.
    pub scenario_dir: Option<PathBuf>,
    /// `--target`, or the demo app's address.
    pub target: Option<TargetOverride>,
}

/// The command line's settings of a run.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `-i` (or `default`).
    pub id: String,
    /// `-l`.
    pub log_base: Option<PathBuf>,
    /// `--dashboard`, or `None` with `-n`.
    pub dashboard: Option<SocketAddr>,
    /// `-k`.
    pub keep: bool,
    /// `-m`.
    pub stats: StatsTarget,
    /// `-w`.
    pub warmup: Duration,
    pub seed: Option<u64>,
    pub interval: Duration,
    /// 0: one per core.
    pub workers: usize,
    pub insecure: bool,
    pub local_clients: bool,
    /// `--processes`: generator processes (`None`: planned).
    pub processes: Option<usize>,
    /// `-x`: request tags dropped when loading (the generator processes load the scenario
    /// again).
    pub exclude_tags: Vec<String>,
}

impl Settings {
    /// The settings given on the command line.
    pub fn from_cli(cli: &Cli) -> Self {
        Self {
            id: cli.instance_id().to_owned(),
            log_base: cli.log_dir.clone(),
            dashboard: (!cli.no_dashboard).then_some(cli.run.dashboard),
            keep: cli.keep,
            stats: cli.stats_target(),
            warmup: cli.warmup.unwrap_or_default(),
            seed: cli.run.seed,
            interval: cli.run.interval,
            workers: cli.run.workers.unwrap_or(0),
            insecure: cli.run.insecure,
            local_clients: cli.run.local_clients,
            processes: cli.run.processes.map(|n| n as usize),
            exclude_tags: cli.exclude_tags.clone(),
        }
    }
}

/// A run that took place (whatever its end).
#[derive(Debug)]
pub struct Finished {
    /// The exit status it gives.
    pub code: u8,
    pub run_dir: PathBuf,
    /// `stats.json`'s content.
    pub stats: StatsFile,
    /// `report.html`, if it was written.
    pub report: Option<PathBuf>,
}

/// A run that could not take place, or could not finish.
#[derive(Debug)]
pub struct Failed {
    pub code: u8,
    pub error: anyhow::Error,
}

fn environment(error: anyhow::Error) -> Failed {
    Failed {
        code: exit::ENVIRONMENT,
        error,
    }
}

/// Runs `request` with `settings`. `on_finished` is called once the outputs are written and
/// the summary printed (before `-k` keeps the dashboard open).
pub fn execute(
    request: RunRequest,
    settings: &Settings,
    console: &Console,
    on_finished: impl FnOnce(&Finished),
) -> Result<Finished, Failed> {
    let claim = Registry::from_home()
        .claim(&settings.id)
        .map_err(|e| environment(anyhow!(e)))?;
    let stop = StopHandle::new();
    let signals = Signals::install(stop.clone(), console.clone()).map_err(environment)?;

    let run_dir = RunDir::create(settings.log_base.as_deref())
        .context("cannot create the run directory")
        .map_err(environment)?;
    save_scenario(&run_dir, &request.copy).map_err(environment)?;
    console.say(&format!("Log directory is: {}", run_dir.path().display()));

    let scenario = Arc::new(request.scenario);
    let facts = RunFacts {
        scenario: ScenarioInfo::of(&scenario, &request.path_as_given),
        command_line: std::env::args().collect(),
        interval: settings.interval,
    };
    let dashboard = match settings.dashboard {
        Some(bind) => Some(
            dashboard::start(
                run_dir.path(),
                &facts.scenario.name,
                bind,
                settings.keep,
                dashboard::Wiring {
                    stop: stop.clone(),
                    wake: signals.sender(),
                    run_over: signals.over_flag(),
                },
                console,
            )
            .map_err(environment)?,
        ),
        None => None,
    };
    // From here on, failures must also close the dashboard.
    let close_dashboard = |d: &Option<Dashboard>| {
        if let Some(d) = d {
            d.shutdown();
        }
    };
    let layout = Layout::from_scenario(&scenario);
    let (tsung_log, run_log) = match open_logs(&run_dir, &settings.stats, &layout) {
        Ok(logs) => logs,
        Err(e) => {
            close_dashboard(&dashboard);
            return Err(environment(e));
        }
    };

    if let Err(e) = publish_instance(
        &claim,
        settings,
        run_dir.path(),
        dashboard.as_ref(),
        &request.path_as_given,
    ) {
        close_dashboard(&dashboard);
        return Err(environment(e));
    }

    warm_up(settings.warmup, &signals, &stop, console);

    let progress = Progress::new(console, terminal::stderr_is_terminal());
    let files = RunFiles::new(
        console,
        run_dir.path().to_path_buf(),
        Arc::clone(&scenario),
        tsung_log,
        run_log,
    );
    let mut observer = CliObserver::new(
        console,
        progress,
        facts.clone(),
        settings.insecure,
        files,
        dashboard.clone(),
        claim.status_path().to_path_buf(),
    );
    let config = RunConfig {
        workers: settings.workers,
        seed: settings.seed,
        interval: settings.interval,
        target: request.target,
        tls_insecure: settings.insecure,
        scenario_dir: request
            .scenario_dir
            .unwrap_or_else(|| run_dir.path().to_path_buf()),
        local_clients: settings.local_clients,
        ..RunConfig::default()
    };
    let result = match cluster_config(&request.copy, &run_dir, &scenario, config.clone(), settings)
    {
        Ok(Some(cluster)) => {
            // The plan's explanation reaches the terminal through the observer's log.
            stampede_cluster::run(Arc::clone(&scenario), cluster, &mut observer, stop)
                .map(|s| {
                    for loss in s.losses() {
                        console.error(&loss);
                        observer.run_log("error", &loss);
                    }
                    s.run
                })
                .map_err(RunFailure::Cluster)
        }
        Ok(None) => stampede_engine::run(Arc::clone(&scenario), config, &mut observer, stop)
            .map_err(RunFailure::Engine),
        Err(e) => Err(RunFailure::Setup(e)),
    };
    signals.run_over();

    let summary = match result {
        Ok(summary) => summary,
        Err(e) => {
            let text = e.to_string();
            engine_failed(&text, &mut observer, dashboard.as_ref(), console);
            close_dashboard(&dashboard);
            let code = match e {
                RunFailure::Engine(EngineError::RemoteClients { .. })
                | RunFailure::Cluster(stampede_cluster::ClusterError::Engine(
                    EngineError::RemoteClients { .. },
                )) => exit::FAILURE,
                _ => exit::ENVIRONMENT,
            };
            return Err(Failed {
                code,
                error: anyhow!(text),
            });
        }
    };
    let finished = finish(
        summary,
        &mut observer,
        &facts,
        &run_dir,
        dashboard.as_ref(),
        settings,
        console,
    );
    on_finished(&finished);

    if let Some(d) = &dashboard
        && settings.keep
    {
        keep_open(d, &claim, &signals, &settings.id, console);
    }
    close_dashboard(&dashboard);
    drop(claim);
    Ok(finished)
}

/// Writes the instance record and a first status, for `stampede stop` and `status`.
fn publish_instance(
    claim: &instance::Claim,
    settings: &Settings,
    run_dir: &Path,
    dashboard: Option<&Dashboard>,
    scenario: &str,
) -> anyhow::Result<()> {
    let record = InstanceRecord {
        id: settings.id.clone(),
        pid: std::process::id(),
        process_start: instance::process_start(std::process::id()),
        run_dir: run_dir.to_path_buf(),
        dashboard: dashboard.map(Dashboard::url),
        started_at: local_rfc3339(SystemTime::now()),
        scenario: scenario.to_owned(),
    };
    let starting = LiveFile {
        state: RunState::Starting,
        updated_unix_ms: outputs::unix_ms(SystemTime::now()),
        ..LiveFile::default()
    };
    claim
        .publish(&record)
        .and_then(|()| starting.write(claim.status_path()))
        .context(
            "cannot write the instance files under ~/.stampede/run (needed by `stampede stop` and `status`)",
        )
}

/// Why a run could not be carried out.
#[derive(Debug, thiserror::Error)]
enum RunFailure {
    #[error(transparent)]
    Engine(EngineError),
    #[error(transparent)]
    Cluster(stampede_cluster::ClusterError),
    #[error("cannot prepare the generator processes: {0:#}")]
    Setup(anyhow::Error),
}

/// The settings of a multi-process run, or `None` when one process is enough (the plan
/// from `<client cpu maxusers>` and the open-file limit, or `--processes`).
fn cluster_config(
    copy: &ScenarioCopy,
    run_dir: &RunDir,
    scenario: &Scenario,
    run: RunConfig,
    settings: &Settings,
) -> anyhow::Result<Option<stampede_cluster::ClusterConfig>> {
    use stampede_cluster::{AgentCommand, ClusterConfig, ScenarioSource};
    let agent = AgentCommand::current_exe(["__agent"])
        .context("cannot find this executable to start generator processes")?;
    // Agents read the scenario the controller loaded: the original file, or the bytes.
    let source = match copy {
        ScenarioCopy::Files(paths) => match paths.first() {
            Some(path) => ScenarioSource::Path { path: path.clone() },
            None => return Ok(None),
        },
        ScenarioCopy::Stdin { bytes, .. } => ScenarioSource::Bytes {
            name: "tsung_stdin.xml".into(),
            base_dir: std::env::current_dir().context("cannot read the current directory")?,
            bytes: bytes.clone(),
        },
        ScenarioCopy::Text { name, text } => ScenarioSource::Bytes {
            name: name.into(),
            base_dir: run_dir.path().to_path_buf(),
            bytes: text.clone().into_bytes(),
        },
    };
    let mut cluster = ClusterConfig::new(PathBuf::new(), agent, run);
    cluster.scenario = source;
    cluster.processes = settings.processes;
    cluster.exclude_tags = settings.exclude_tags.clone();
    let plan = stampede_cluster::plan_processes(scenario, &cluster);
    Ok((plan.processes > 1).then_some(cluster))
}

/// The engine could not run: closes what was opened and says why everywhere.
fn engine_failed(
    text: &str,
    observer: &mut CliObserver,
    dashboard: Option<&Dashboard>,
    console: &Console,
) {
    for p in observer.close(SystemTime::now()) {
        console.error(&p);
    }
    let text = text.to_owned();
    observer.run_log("error", &text);
    if let Some(d) = dashboard {
        d.log(stampede_dashboard::LogLevel::Error, text.clone());
        d.finished(RunOutcome::new(StopReason::Error, Some(text)));
    }
}

/// `-k`: keeps the dashboard up until Stop, a signal or `stampede stop`.
fn keep_open(
    dashboard: &Dashboard,
    claim: &instance::Claim,
    signals: &Signals,
    id: &str,
    console: &Console,
) {
    let kept = LiveFile {
        state: RunState::Finished,
        updated_unix_ms: outputs::unix_ms(SystemTime::now()),
        ..LiveFile::default()
    };
    let _ = kept.write(claim.status_path());
    console.say(&format!(
        "Dashboard kept open at {} (-k): press Ctrl-C, its Stop button, or run `stampede{} stop` to close it",
        dashboard.url(),
        id_flag(id)
    ));
    signals.wait();
}

/// ` -i ID` for messages, empty for the default id.
pub fn id_flag(id: &str) -> String {
    if id == crate::args::DEFAULT_ID {
        String::new()
    } else {
        format!(" -i {id}")
    }
}

/// Writes the end-of-run outputs and prints the summary.
fn finish(
    summary: RunSummary,
    observer: &mut CliObserver,
    facts: &RunFacts,
    run_dir: &RunDir,
    dashboard: Option<&Dashboard>,
    settings: &Settings,
    console: &Console,
) -> Finished {
    let mut problems = observer.close(SystemTime::now());
    let outcome = outputs::outcome(&summary.end);
    let info = outputs::run_info(
        facts,
        Some(summary.seed),
        summary.started_at,
        summary.duration,
        observer.phases(),
        outcome.clone(),
    );
    let stats = StatsFile::build(info, &summary.layout, &summary.series, &summary.totals);
    let report = match write_outputs(run_dir.path(), &stats) {
        Ok(out) => Some(out.report_html),
        Err(e) => {
            problems.push(e.to_string());
            None
        }
    };
    let text = format!("run ended: {}", summary.end.name());
    observer.run_log("info", &text);
    if let Some(d) = dashboard {
        d.publish_report(stats.clone());
        d.finished(outcome);
    }
    console.say("");
    console.say(render_summary(&stats, report.as_deref()).trim_end());
    if summary.totals.error(ErrorClass::ConnectTls) > 0 && !settings.insecure {
        console.warn(TLS_HINT);
    }
    if summary.resent_requests > 0 {
        console.note(&format!(
            "{} request(s) were sent again on a new connection after the server closed a kept-alive one (not an error)",
            summary.resent_requests
        ));
    }
    let mut code = outputs::exit_code(&summary.end);
    if !problems.is_empty() {
        for p in &problems {
            console.error(&format!("not written: {p}"));
        }
        code = exit::ENVIRONMENT;
    }
    Finished {
        code,
        run_dir: run_dir.path().to_path_buf(),
        stats,
        report,
    }
}

/// Saves the scenario into the run directory.
fn save_scenario(run_dir: &RunDir, copy: &ScenarioCopy) -> anyhow::Result<()> {
    match copy {
        ScenarioCopy::Files(files) => {
            run_dir.copy_scenario(files)?;
        }
        ScenarioCopy::Stdin { bytes, others } => {
            run_dir.write_stdin_scenario(bytes)?;
            run_dir.copy_scenario(others)?;
        }
        ScenarioCopy::Text { name, text } => {
            let path = run_dir.file(name);
            std::fs::write(&path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    Ok(())
}

/// `tsung.log` (or `-m FILE`, or standard output) and `stampede.log`.
fn open_logs(
    run_dir: &RunDir,
    target: &StatsTarget,
    layout: &Layout,
) -> anyhow::Result<(TsungLogWriter, BufWriter<File>)> {
    let tsung_log = open_tsung_log(run_dir, target, layout)?;
    let path = run_dir.file(RUN_LOG);
    let run_log = File::create(&path)
        .map(BufWriter::new)
        .with_context(|| format!("cannot create {}", path.display()))?;
    Ok((tsung_log, run_log))
}

/// `tsung.log` (or `-m FILE`) in the run directory, or standard output with `-m -`.
fn open_tsung_log(
    run_dir: &RunDir,
    target: &StatsTarget,
    layout: &Layout,
) -> anyhow::Result<TsungLogWriter> {
    Ok(match target {
        StatsTarget::File(name) => TsungLogWriter::create(run_dir.file(name), layout)?,
        StatsTarget::Stdout => {
            TsungLogWriter::with_writer("<stdout>", Box::new(std::io::stdout()), layout)
        }
    })
}

/// `-w`: waits before the run starts, unless a stop comes first.
fn warm_up(warmup: Duration, signals: &Signals, stop: &StopHandle, console: &Console) {
    if warmup.is_zero() {
        return;
    }
    console.note(&format!(
        "warm-up: the first user starts in {} (-w)",
        stampede_report::human::seconds(warmup.as_secs_f64())
    ));
    let until = Instant::now() + warmup;
    while !stop.is_stopping() {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        signals.wait_timeout(left);
    }
}

/// The scenario's directory, for a scenario read from `main`.
pub fn scenario_dir_of(main: &Path) -> PathBuf {
    let parent = match main.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    parent
        .canonicalize()
        .unwrap_or_else(|_| parent.to_path_buf())
}
