//! The controller: plans the processes, starts the agents, merges what they send and drives
//! the same [`RunObserver`] the single-process engine drives.

mod link;
mod merge;
mod phases;

use crate::agent::software;
use crate::config::ClusterConfig;
use crate::error::ClusterError;
use crate::plan::{ProcessPlan, plan_processes};
use crate::protocol::{
    AgentFinished, AgentSetup, FromAgent, PROTOCOL_VERSION, StopCause, ToAgent, WireRunConfig,
    WireRunEnd, WireStatus, from_unix_ns, nanos,
};
use crate::summary::{AgentOutcome, AgentReport, ClusterSummary};
use crate::sysinfo;
use link::{AgentLink, Event, describe_exit};
use merge::IntervalMerger;
use phases::PhaseTracker;
use stampede_engine::{
    LiveStatus, LogLevel, Monitoring, RunEnd, RunObserver, RunStarted, RunSummary, StopHandle,
    StopKind,
};
use stampede_metrics::Layout;
use stampede_model::Scenario;
use stampede_scheduler::{Generators, Scheduler};
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant, SystemTime};

/// Lines of an agent's standard error kept for reports.
const STDERR_TAIL: usize = 20;
/// After a stop was forwarded (beyond the graceful stop's grace), how long agents get before
/// the next step (abort, then kill).
const STOP_SLACK: Duration = Duration::from_secs(10);
/// How long a finished or lost agent's process gets to exit before it is killed.
const EXIT_PATIENCE: Duration = Duration::from_secs(5);

/// Runs `scenario` over several local generator processes and merges their measurements.
/// Blocks the calling thread, which calls `observer` exactly as [`stampede_engine::run`]
/// does: the observer sees one run.
///
/// Errors are returned for what prevents the run: the plan's checks
/// ([`stampede_engine::preflight`]), an agent that cannot be started, speaks another
/// protocol version, refuses the scenario or fails before the start. Once the run is going,
/// an agent that dies, hangs or fails is reported in [`ClusterSummary::agents`] and the run
/// goes on with the others.
pub fn run(
    scenario: Arc<Scenario>,
    config: ClusterConfig,
    mut observer: impl RunObserver,
    stop: StopHandle,
) -> Result<ClusterSummary, ClusterError> {
    let observer: &mut dyn RunObserver = &mut observer;
    let mut single = config.run.clone();
    single.process = (0, 1);
    let pre = stampede_engine::preflight(&scenario, &single)?;
    let plan = plan_processes(&scenario, &config);
    observer.log(LogLevel::Notice, &plan.explain());
    for w in &plan.warnings {
        observer.log(LogLevel::Warning, w);
    }
    let count = plan.processes;
    let workers = if config.run.workers > 0 {
        config.run.workers
    } else {
        sysinfo::cores().div_ceil(count).max(1)
    };
    let (tx, rx) = mpsc::channel();
    let mut links = Vec::with_capacity(count);
    for index in 0..count {
        match AgentLink::spawn(index, &config.agent_command, &tx) {
            Ok(link) => links.push(link),
            Err(e) => {
                for l in &mut links {
                    l.kill();
                }
                return Err(e);
            }
        }
    }
    drop(tx);
    for (i, l) in links.iter().enumerate() {
        observer.log(
            LogLevel::Info,
            &format!("generator process {i} of {count}: pid {}", l.pid),
        );
    }
    let layout = Layout::from_scenario(&scenario);
    let agents = links
        .into_iter()
        .enumerate()
        .map(|(index, link)| Agent::new(index, link))
        .collect();
    let mut c = Controller {
        config,
        scenario,
        observer,
        stop,
        rx,
        agents,
        layout,
        plan,
        seed: pre.seed,
        workers,
        merger: None,
        phases: None,
        start: None,
        stop_sent: None,
        scenario_stop: None,
        logged_once: HashSet::new(),
        last_progress: None,
    };
    if let Err(e) = c.start_agents() {
        c.kill_all();
        return Err(e);
    }
    c.main_loop();
    Ok(c.finish())
}

/// The state of one agent, as the controller sees it.
#[derive(Debug)]
enum State {
    Starting,
    Ready,
    Running,
    Finished(Box<AgentFinished>),
    Lost {
        reason: String,
        exit: String,
        missing_from_interval: u64,
    },
}

#[derive(Debug)]
struct Agent {
    index: usize,
    link: AgentLink,
    state: State,
    hello: bool,
    workers: usize,
    last_heard: Instant,
    status: WireStatus,
    peak_rss: Option<u64>,
    start_offset: Option<Duration>,
    stderr: VecDeque<String>,
}

impl Agent {
    fn new(index: usize, link: AgentLink) -> Self {
        Self {
            index,
            link,
            state: State::Starting,
            hello: false,
            workers: 0,
            last_heard: Instant::now(),
            status: WireStatus::default(),
            peak_rss: None,
            start_offset: None,
            stderr: VecDeque::new(),
        }
    }

    fn done(&self) -> bool {
        matches!(self.state, State::Finished(_) | State::Lost { .. })
    }

    fn stderr_text(&self) -> String {
        if self.stderr.is_empty() {
            String::new()
        } else {
            let lines: Vec<&str> = self.stderr.iter().map(String::as_str).collect();
            format!("\nits last messages:\n  {}", lines.join("\n  "))
        }
    }
}

/// The run's clock: the common start instant on both clocks.
#[derive(Clone, Copy, Debug)]
struct Start {
    instant: Instant,
    wall: SystemTime,
}

/// A stop forwarded to the agents.
#[derive(Clone, Copy, Debug)]
struct StopSent {
    kind: StopKind,
    at: Instant,
}

struct Controller<'o> {
    config: ClusterConfig,
    scenario: Arc<Scenario>,
    observer: &'o mut dyn RunObserver,
    stop: StopHandle,
    rx: Receiver<Event>,
    agents: Vec<Agent>,
    layout: Layout,
    plan: ProcessPlan,
    seed: u64,
    workers: usize,
    merger: Option<IntervalMerger>,
    phases: Option<PhaseTracker>,
    start: Option<Start>,
    stop_sent: Option<StopSent>,
    /// The agent whose user stopped the test (`abort_test`).
    scenario_stop: Option<usize>,
    /// Messages every agent logs before its start, logged once.
    logged_once: HashSet<String>,
    last_progress: Option<(Instant, u64, u64)>,
}

impl Controller<'_> {
    // ---- start-up ---------------------------------------------------------------------------

    /// Handshake, setup, common start; returns once every agent's engine has started.
    fn start_agents(&mut self) -> Result<(), ClusterError> {
        let count = self.agents.len();
        let run = &self.config.run;
        let base = WireRunConfig {
            workers: self.workers,
            seed: self.seed,
            interval_ns: nanos(run.interval),
            flush_ns: nanos(run.flush),
            target: run.target.as_ref().map(|t| (t.host.clone(), t.port)),
            tls_insecure: run.tls_insecure,
            stop_grace_ns: nanos(run.stop_grace),
            process: (0, count),
            scenario_dir: run.scenario_dir.clone(),
            local_clients: run.local_clients,
        };
        for a in &mut self.agents {
            let setup = AgentSetup {
                scenario: self.config.scenario.clone(),
                exclude_tags: self.config.exclude_tags.clone(),
                run: WireRunConfig {
                    process: (a.index, count),
                    ..base.clone()
                },
            };
            let hello = ToAgent::Hello {
                protocol: PROTOCOL_VERSION,
                software: software(),
            };
            // A failed send shows up as the agent's output closing.
            let _ = a.link.send(&hello) && a.link.send(&ToAgent::Setup(Box::new(setup)));
        }
        let deadline = Instant::now() + self.config.startup_timeout;
        while self.agents.iter().any(|a| !matches!(a.state, State::Ready)) {
            let event = self.next_startup_event(deadline, "become ready")?;
            self.startup_event(event)?;
        }

        let delay = Duration::from_millis(200 + 5 * count as u64).min(Duration::from_secs(2));
        let start = Start {
            instant: Instant::now() + delay,
            wall: SystemTime::now() + delay,
        };
        self.start = Some(start);
        let at_unix_ns = crate::protocol::unix_ns(start.wall);
        for a in &mut self.agents {
            let _ = a.link.send(&ToAgent::Start { at_unix_ns });
        }
        let deadline = start.instant + self.config.startup_timeout;
        let mut backlog = Vec::new();
        while self
            .agents
            .iter()
            .any(|a| !matches!(a.state, State::Running))
        {
            let event = self.next_startup_event(deadline, "start its run")?;
            match event {
                Event::Message {
                    agent,
                    message:
                        FromAgent::Started {
                            started_at_unix_ns,
                            workers,
                            ..
                        },
                } => {
                    if let Some(a) = self.agents.get_mut(agent) {
                        a.state = State::Running;
                        a.workers = workers;
                        a.last_heard = Instant::now();
                        a.start_offset = from_unix_ns(started_at_unix_ns)
                            .duration_since(start.wall)
                            .ok()
                            .or(Some(Duration::ZERO));
                    }
                }
                Event::Message {
                    agent,
                    message: FromAgent::Failed { error },
                } => return Err(self.failed(agent, error)),
                Event::Message { agent, message } => backlog.push((agent, message)),
                other => self.startup_event(other)?,
            }
        }

        // Every agent runs; the run starts for the observer.
        let whole = Scheduler::new(&self.scenario, self.seed, &Generators::single(), 0);
        let generators = Generators::single().split(0, count as u32);
        let mut planned = vec![0u64; whole.phases().len()];
        for i in 0..count {
            let share = Scheduler::new(&self.scenario, self.seed, &generators, i);
            for (sum, p) in planned.iter_mut().zip(share.phases()) {
                *sum += p.users;
            }
        }
        self.phases = Some(PhaseTracker::new(planned, count));
        let mut merger =
            IntervalMerger::new(&self.layout, count, self.config.run.interval, start.wall);
        if self.config.run.monitor_host {
            // Sampled here once for the whole run; the agents do not sample.
            merger =
                merger.with_monitoring(Monitoring::start(&self.scenario, self.config.run.interval));
        }
        self.merger = Some(merger);
        self.observer.run_started(&RunStarted {
            seed: self.seed,
            workers: self.agents.iter().map(|a| a.workers).sum(),
            started_at: start.wall,
            layout: &self.layout,
            phases: whole.phases(),
            static_users: self.scenario.load.static_users.len(),
            load_duration: whole.load_duration(),
        });
        self.last_progress = Some((Instant::now(), 0, 0));
        for (agent, message) in backlog {
            self.message(agent, message);
        }
        Ok(())
    }

    fn next_startup_event(&mut self, deadline: Instant, what: &str) -> Result<Event, ClusterError> {
        let wait = deadline.saturating_duration_since(Instant::now());
        match self.rx.recv_timeout(wait) {
            Ok(event) => Ok(event),
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                let (index, stderr) = self
                    .agents
                    .iter()
                    .find(|a| !matches!(a.state, State::Running))
                    .map_or((0, String::new()), |a| (a.index, a.stderr_text()));
                Err(ClusterError::Timeout {
                    index,
                    what: what.to_owned(),
                    timeout: self.config.startup_timeout,
                    stderr,
                })
            }
        }
    }

    /// An event before every agent started.
    fn startup_event(&mut self, event: Event) -> Result<(), ClusterError> {
        match event {
            Event::Stderr { agent, line } => {
                self.stderr_line(agent, line);
                Ok(())
            }
            Event::Closed { agent, error } => {
                let reason = match error {
                    Some(e) => format!("its output broke off: {e}"),
                    None => "it exited".to_owned(),
                };
                Err(self.failed(agent, reason))
            }
            Event::Message { agent, message } => {
                let Some(a) = self.agents.get_mut(agent) else {
                    return Ok(());
                };
                match message {
                    FromAgent::Hello { protocol, .. } if protocol != PROTOCOL_VERSION => {
                        Err(ClusterError::VersionMismatch {
                            peer: format!("agent {agent}"),
                            ours: PROTOCOL_VERSION,
                            theirs: protocol,
                        })
                    }
                    FromAgent::Hello { .. } => {
                        a.hello = true;
                        Ok(())
                    }
                    FromAgent::Refused { reason } => {
                        self.settle_stderr(agent);
                        let stderr = self.agents[agent].stderr_text();
                        Err(ClusterError::Refused {
                            index: agent,
                            reason,
                            stderr,
                        })
                    }
                    FromAgent::Ready(ready) if a.hello => {
                        if ready.layout != self.layout {
                            return Err(ClusterError::LayoutMismatch {
                                index: agent,
                                detail: layout_difference(&self.layout, &ready.layout),
                            });
                        }
                        a.workers = ready.workers;
                        a.state = State::Ready;
                        Ok(())
                    }
                    FromAgent::Failed { error } => Err(self.failed(agent, error)),
                    FromAgent::Log { level, text, .. } => {
                        self.observer
                            .log(level.into(), &format!("generator process {agent}: {text}"));
                        Ok(())
                    }
                    other => Err(ClusterError::Unexpected {
                        peer: format!("agent {agent}"),
                        what: format!("unexpected message before the start: {}", kind(&other)),
                    }),
                }
            }
        }
    }

    /// An agent that failed before the start: the error, with its exit and last messages.
    fn failed(&mut self, agent: usize, reason: String) -> ClusterError {
        self.settle_stderr(agent);
        let Some(a) = self.agents.get_mut(agent) else {
            return ClusterError::AgentFailed {
                index: agent,
                reason,
                stderr: String::new(),
            };
        };
        let exit = describe_exit(a.link.reap(Duration::from_secs(2)));
        ClusterError::AgentFailed {
            index: agent,
            reason: format!("{reason} ({exit})"),
            stderr: a.stderr_text(),
        }
    }

    /// Collects what an ending agent still writes to standard error (briefly).
    fn settle_stderr(&mut self, agent: usize) {
        if let Some(a) = self.agents.get_mut(agent) {
            a.link.reap(Duration::from_secs(2));
        }
        let deadline = Instant::now() + Duration::from_millis(200);
        while let Ok(event) = self
            .rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            if let Event::Stderr { agent, line } = event {
                self.stderr_line(agent, line);
            }
        }
    }

    fn kill_all(&mut self) {
        for a in &mut self.agents {
            a.link.kill();
        }
    }

    // ---- running ----------------------------------------------------------------------------

    fn main_loop(&mut self) {
        let flush = self.config.run.flush.max(Duration::from_millis(1));
        let mut next_tick = Instant::now() + flush;
        while !self.agents.iter().all(Agent::done) {
            let wait = next_tick
                .saturating_duration_since(Instant::now())
                .min(Duration::from_millis(100));
            match self.rx.recv_timeout(wait) {
                Ok(event) => {
                    self.event(event);
                    for _ in 0..10_000 {
                        match self.rx.try_recv() {
                            Ok(event) => self.event(event),
                            Err(_) => break,
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    for i in 0..self.agents.len() {
                        self.lose(i, "its connection closed".into());
                    }
                }
            }
            self.check_stop();
            self.check_agents();
            self.close_ready();
            let now = Instant::now();
            if now >= next_tick {
                self.progress(now);
                next_tick = now + flush;
            }
        }
    }

    fn event(&mut self, event: Event) {
        match event {
            Event::Message { agent, message } => {
                if let Some(a) = self.agents.get_mut(agent) {
                    a.last_heard = Instant::now();
                }
                self.message(agent, message);
            }
            Event::Closed { agent, error } => {
                let reason = match error {
                    Some(e) => format!("its output broke off ({e})"),
                    None => "it exited without finishing its run".into(),
                };
                self.lose(agent, reason);
            }
            Event::Stderr { agent, line } => self.stderr_line(agent, line),
        }
    }

    fn stderr_line(&mut self, agent: usize, line: String) {
        if line.is_empty() {
            return;
        }
        self.observer.log(
            LogLevel::Warning,
            &format!("generator process {agent} (stderr): {line}"),
        );
        if let Some(a) = self.agents.get_mut(agent) {
            if a.stderr.len() == STDERR_TAIL {
                a.stderr.pop_front();
            }
            a.stderr.push_back(line);
        }
    }

    fn message(&mut self, agent: usize, message: FromAgent) {
        if self.agents.get(agent).is_none_or(Agent::done) {
            return;
        }
        match message {
            FromAgent::Status(status) => self.status(agent, status),
            FromAgent::Interval {
                end_ns, snapshot, ..
            } => {
                if let Some(m) = self.merger.as_mut() {
                    m.deliver(agent, end_ns, &snapshot);
                }
            }
            FromAgent::PhaseStarted(p) => {
                if let Some(start) = self.phases.as_mut().and_then(|t| t.started(&p)) {
                    self.observer.phase_started(&start);
                }
            }
            FromAgent::PhaseEnded(p) => {
                if let Some(t) = self.phases.as_mut() {
                    t.ended(agent, &p);
                }
                self.phase_ends();
            }
            FromAgent::Match(line) => {
                if let Some(line) = line.to_match_line() {
                    self.observer.match_logged(&line);
                }
            }
            FromAgent::TrafficDump { lines } => self.observer.traffic_dumped(&lines),
            FromAgent::Log {
                level,
                text,
                before_start,
            } => {
                if !before_start {
                    self.observer
                        .log(level.into(), &format!("generator process {agent}: {text}"));
                } else if self.logged_once.insert(text.clone()) {
                    self.observer.log(level.into(), &text);
                }
            }
            FromAgent::Finished(finished) => {
                if let Some(m) = self.merger.as_mut() {
                    m.finished(agent);
                }
                let a = &mut self.agents[agent];
                a.peak_rss = finished.peak_rss_bytes.or(a.peak_rss);
                a.status.users_launched = finished.users_launched;
                a.status.requests = finished.totals.request.count;
                a.status.errors = finished.totals.errors_total();
                a.status.users = 0;
                a.status.connected = 0;
                a.state = State::Finished(finished);
                a.link.close_input();
                self.phase_ends();
            }
            FromAgent::Failed { error } => self.lose(agent, format!("its engine failed: {error}")),
            FromAgent::Hello { .. }
            | FromAgent::Refused { .. }
            | FromAgent::Ready(_)
            | FromAgent::Started { .. } => {}
        }
    }

    fn status(&mut self, agent: usize, status: WireStatus) {
        let scenario_stop = status.stop_cause == Some(StopCause::Scenario);
        let a = &mut self.agents[agent];
        if let Some(rss) = status.rss_bytes {
            a.peak_rss = Some(a.peak_rss.map_or(rss, |p| p.max(rss)));
        }
        a.status = status;
        let running = self.agents.iter().filter(|a| !a.done());
        let (users, connected) = running.fold((0, 0), |(u, c), a| {
            (u + a.status.users, c + a.status.connected)
        });
        if let Some(m) = self.merger.as_mut() {
            m.note_levels(users, connected);
        }
        // A user stopped the test on one agent: the whole run stops, as in Tsung.
        if scenario_stop && self.scenario_stop.is_none() && self.stop_sent.is_none() {
            self.scenario_stop = Some(agent);
            let by = format!("a user of generator process {agent} stopped the test");
            for a in &mut self.agents {
                if a.index != agent && !a.done() {
                    let _ = a.link.send(&ToAgent::Stop { by: by.clone() });
                }
            }
        }
    }

    fn phase_ends(&mut self) {
        let done: Vec<bool> = self.agents.iter().map(Agent::done).collect();
        let ends = self
            .phases
            .as_mut()
            .map(|t| t.completed_ends(&done))
            .unwrap_or_default();
        for end in &ends {
            self.observer.phase_ended(end);
        }
    }

    fn close_ready(&mut self) {
        if let Some(m) = self.merger.as_mut() {
            m.close_ready(self.observer);
        }
    }

    /// The agent is gone without finishing: its delivered data stays, the rest is lost.
    fn lose(&mut self, agent: usize, reason: String) {
        let Some(a) = self.agents.get_mut(agent) else {
            return;
        };
        if a.done() {
            return;
        }
        let exit = describe_exit(a.link.reap(Duration::from_secs(1)));
        let missing = self.merger.as_mut().map_or(0, |m| m.lost(agent));
        let a = &mut self.agents[agent];
        a.state = State::Lost {
            reason: reason.clone(),
            exit: exit.clone(),
            missing_from_interval: missing,
        };
        let left = self.agents.iter().filter(|a| !a.done()).count();
        self.observer.log(
            LogLevel::Error,
            &format!(
                "generator process {agent} (pid {}) was lost: {reason} ({exit}); its \
                 measurements from interval {missing} on are missing, and its users and \
                 connections are gone; the run goes on with {left} process(es)",
                self.agents[agent].link.pid
            ),
        );
        self.phase_ends();
    }

    /// Forwards stop requests; escalates when agents do not stop in time.
    fn check_stop(&mut self) {
        let Some(req) = self.stop.requested() else {
            return;
        };
        let escalate = self.stop_sent.is_some_and(|s| s.kind == StopKind::Graceful)
            && req.kind == StopKind::Abort;
        if self.stop_sent.is_some() && !escalate {
            return;
        }
        let message = match req.kind {
            StopKind::Graceful => ToAgent::Stop { by: req.by.clone() },
            StopKind::Abort => ToAgent::Abort { by: req.by.clone() },
        };
        for a in &mut self.agents {
            if !a.done() {
                let _ = a.link.send(&message);
            }
        }
        self.stop_sent = Some(StopSent {
            kind: req.kind,
            at: Instant::now(),
        });
    }

    /// Silent agents, and agents that do not stop when told to.
    fn check_agents(&mut self) {
        let now = Instant::now();
        let silence = self.config.silence_limit;
        let grace = self.config.run.stop_grace;
        let mut to_lose = Vec::new();
        for a in &mut self.agents {
            if a.done() {
                continue;
            }
            if now.duration_since(a.last_heard) > silence {
                a.link.kill();
                to_lose.push((
                    a.index,
                    format!("it sent nothing for {silence:?} and was killed"),
                ));
            } else if let Some(s) = self.stop_sent {
                let waited = now.duration_since(s.at);
                if s.kind == StopKind::Graceful && waited > grace + STOP_SLACK {
                    let _ = a.link.send(&ToAgent::Abort {
                        by: "the graceful stop took too long".into(),
                    });
                } else if s.kind == StopKind::Abort && waited > STOP_SLACK {
                    a.link.kill();
                    to_lose.push((
                        a.index,
                        format!("it did not stop within {STOP_SLACK:?} of an abort and was killed"),
                    ));
                }
            }
        }
        if let Some(s) = self.stop_sent
            && s.kind == StopKind::Graceful
            && now.duration_since(s.at) > grace + STOP_SLACK
        {
            self.stop_sent = Some(StopSent {
                kind: StopKind::Abort,
                at: now,
            });
        }
        for (agent, reason) in to_lose {
            self.lose(agent, reason);
        }
    }

    fn progress(&mut self, now: Instant) {
        let (Some(merger), Some(start)) = (self.merger.as_ref(), self.start) else {
            return;
        };
        let live: Vec<&Agent> = self
            .agents
            .iter()
            .filter(|a| !matches!(a.state, State::Lost { .. }))
            .collect();
        let sum = |f: fn(&WireStatus) -> u64| self.agents.iter().map(|a| f(&a.status)).sum::<u64>();
        let requests = sum(|s| s.requests);
        let errors = sum(|s| s.errors);
        let users: i64 = live.iter().map(|a| a.status.users).sum();
        let connected: i64 = live.iter().map(|a| a.status.connected).sum();
        let (then, last_requests, last_errors) = self.last_progress.unwrap_or((now, 0, 0));
        let dt = now.saturating_duration_since(then).as_secs_f64();
        let rate = |now: u64, before: u64| {
            if dt > 0.0 {
                now.saturating_sub(before) as f64 / dt
            } else {
                0.0
            }
        };
        let stopping = match (self.stop_sent, self.scenario_stop) {
            (Some(s), _) => Some(s.kind),
            (None, _) => live
                .iter()
                .filter_map(|a| a.status.stopping)
                .map(StopKind::from)
                .max_by_key(|k| matches!(k, StopKind::Abort)),
        };
        let whole_phases = self.phases.as_ref().and_then(PhaseTracker::current);
        let planned_arrivals: Duration = self
            .scenario
            .load
            .phases
            .iter()
            .map(|p| p.duration)
            .sum::<Duration>()
            .saturating_mul(self.scenario.load.loop_count.saturating_add(1));
        let (users_max, _) = merger.maxima();
        let status = LiveStatus {
            elapsed: now.saturating_duration_since(start.instant),
            load_duration: self.scenario.load.duration,
            planned_arrivals,
            phase: whole_phases,
            users,
            users_max: users_max.max(users),
            connected,
            users_launched: sum(|s| s.users_launched),
            requests,
            requests_per_sec: rate(requests, last_requests),
            errors,
            errors_per_sec: rate(errors, last_errors),
            stopping,
            open_interval: merger.open_interval(),
            closed_intervals: merger.cumulative(),
        };
        self.observer.progress(&status);
        self.last_progress = Some((now, requests, errors));
    }

    // ---- the end ----------------------------------------------------------------------------

    fn finish(mut self) -> ClusterSummary {
        let start = self.start.unwrap_or(Start {
            instant: Instant::now(),
            wall: SystemTime::now(),
        });
        // The run's end: the latest agent end on the run's clock.
        let end_ns = self
            .agents
            .iter()
            .filter_map(|a| match &a.state {
                State::Finished(f) => Some(
                    f.duration_ns
                        .saturating_add(a.start_offset.map_or(0, nanos)),
                ),
                _ => None,
            })
            .max()
            .unwrap_or_else(|| nanos(start.instant.elapsed()));
        if let Some(m) = self.merger.as_mut() {
            m.finish(end_ns, self.observer);
        }
        self.progress(Instant::now());
        for a in &mut self.agents {
            a.link.close_input();
        }
        for a in &mut self.agents {
            a.link.reap(EXIT_PATIENCE);
        }
        // The reader threads end with the processes; keep their last stderr lines.
        let deadline = Instant::now() + Duration::from_secs(1);
        loop {
            match self
                .rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(Event::Stderr { agent, line }) => self.stderr_line(agent, line),
                Ok(_) => {}
                Err(_) => break,
            }
        }
        let end = self.run_end();
        let merger = self.merger.take();
        let (users_max, connected_max) = merger.as_ref().map_or((0, 0), IntervalMerger::maxima);
        let mut agents = Vec::with_capacity(self.agents.len());
        let mut users_launched = 0;
        let mut resent = 0;
        for a in self.agents {
            let (last_interval, intervals) =
                merger.as_ref().map_or((None, 0), |m| m.delivered(a.index));
            let (outcome, totals) = match a.state {
                State::Finished(f) => {
                    resent += f.resent_requests;
                    (
                        AgentOutcome::Finished {
                            end: RunEnd::from(f.end),
                        },
                        Some(*f.totals),
                    )
                }
                State::Lost {
                    reason,
                    exit,
                    missing_from_interval,
                } => (
                    AgentOutcome::Lost {
                        reason,
                        exit,
                        missing_from_interval,
                    },
                    None,
                ),
                State::Starting | State::Ready | State::Running => (
                    AgentOutcome::Lost {
                        reason: "it never finished".into(),
                        exit: "exit status unknown".into(),
                        missing_from_interval: 0,
                    },
                    None,
                ),
            };
            users_launched += a.status.users_launched;
            agents.push(AgentReport {
                index: a.index,
                pid: Some(a.link.pid),
                outcome,
                workers: a.workers,
                users_launched: a.status.users_launched,
                totals,
                intervals_delivered: intervals,
                last_interval,
                peak_rss_bytes: a.peak_rss,
                start_offset: a.start_offset,
                stderr_tail: a.stderr.into_iter().collect(),
            });
        }
        let start_skew = agents
            .iter()
            .filter_map(|a| a.start_offset)
            .max()
            .unwrap_or_default();
        let (totals, series) = match merger {
            Some(m) => (m.cumulative().clone(), m.series().to_vec()),
            None => (stampede_metrics::Snapshot::new(&self.layout), Vec::new()),
        };
        ClusterSummary {
            run: RunSummary {
                end,
                seed: self.seed,
                workers: agents.iter().map(|a| a.workers).sum(),
                started_at: start.wall,
                duration: Duration::from_nanos(end_ns),
                users_launched,
                users_max,
                connected_max,
                resent_requests: resent,
                totals,
                series,
                layout: self.layout,
            },
            plan: self.plan,
            agents,
            start_skew,
        }
    }

    /// How the whole run ended: a stop from outside, else a user's `abort_test`, else
    /// `<load duration>`, else completion.
    fn run_end(&self) -> RunEnd {
        if let Some(req) = self.stop.requested() {
            return match req.kind {
                StopKind::Graceful => RunEnd::Stopped { by: req.by },
                StopKind::Abort => RunEnd::Aborted { by: req.by },
            };
        }
        let ends: Vec<&WireRunEnd> = self
            .agents
            .iter()
            .filter_map(|a| match &a.state {
                State::Finished(f) => Some(&f.end),
                _ => None,
            })
            .collect();
        if let Some(user_id) = ends.iter().find_map(|e| match e {
            WireRunEnd::StoppedByScenario { user_id } => Some(*user_id),
            _ => None,
        }) {
            return RunEnd::StoppedByScenario { user_id };
        }
        if ends
            .iter()
            .any(|e| matches!(e, WireRunEnd::DurationReached))
        {
            return RunEnd::DurationReached;
        }
        RunEnd::Completed
    }
}

fn kind(m: &FromAgent) -> &'static str {
    match m {
        FromAgent::Hello { .. } => "hello",
        FromAgent::Refused { .. } => "refused",
        FromAgent::Ready(_) => "ready",
        FromAgent::Failed { .. } => "failed",
        FromAgent::Started { .. } => "started",
        FromAgent::PhaseStarted(_) => "phase_started",
        FromAgent::PhaseEnded(_) => "phase_ended",
        FromAgent::Interval { .. } => "interval",
        FromAgent::Status(_) => "status",
        FromAgent::Match(_) => "match",
        FromAgent::TrafficDump { .. } => "traffic_dump",
        FromAgent::Log { .. } => "log",
        FromAgent::Finished(_) => "finished",
    }
}

fn layout_difference(ours: &Layout, theirs: &Layout) -> String {
    format!(
        "{} requests, {} transactions, {} sessions here; {}, {}, {} there",
        ours.requests.len(),
        ours.transactions.len(),
        ours.sessions.len(),
        theirs.requests.len(),
        theirs.transactions.len(),
        theirs.sessions.len()
    )
}
