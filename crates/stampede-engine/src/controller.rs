//! The controller: runs on the thread that called [`crate::run`]. It starts the workers,
//! follows the arrival plan and hands each new user to the least busy worker, collects the
//! workers' measurements every flush period, closes intervals, talks to the observer, and
//! stops the run (end of the plan, `<load duration>`, a stop request, a user's `abort_test`).
//!
//! Workers never wait for the controller: arrivals and collection requests are messages on
//! unbounded channels, answers come back the same way.

use crate::barrier::GlobalBarrier;
use crate::clock::{RunClock, unix_seconds};
use crate::config::RunConfig;
use crate::endpoints::Endpoints;
use crate::error::EngineError;
use crate::eval::SnippetCache;
use crate::monitoring::Monitoring;
use crate::observer::{
    LiveStatus, LogLevel, PhaseProgress, RunEnd, RunObserver, RunStarted, RunSummary,
};
use crate::preflight::Preflight;
use crate::shared::{Event, Shared};
use crate::sources::SourceAddrs;
use crate::stop::{StopHandle, StopKind};
use crate::worker::{self, Command, WorkerSetup};
use stampede_http::{Connector, TlsClient, TlsOptions, TransportOptions};
use stampede_metrics::{Aggregator, IntervalClock, Layout, Recorder, Snapshot};
use stampede_model::{Action, Counter, Scenario, Scheme, Url};
use stampede_scheduler::{DoneReason, Next, Scheduler};
use stampede_session::{Nanos, Program};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, sleep_until};

/// How long the controller waits for every worker's answer to a collection before closing the
/// interval without the missing ones (their data then lands in the next interval).
const MIN_COLLECT_WAIT: Duration = Duration::from_secs(2);

struct WorkerHandle {
    commands: mpsc::UnboundedSender<Command>,
    thread: Option<JoinHandle<()>>,
    start: Option<oneshot::Sender<RunClock>>,
    finished: bool,
}

/// A collection in progress.
struct Round {
    remaining: usize,
    /// The interval closes when it completes.
    closes: bool,
    /// Give up waiting then.
    deadline: Instant,
}

/// A stop in progress.
struct Stopping {
    end: RunEnd,
    /// The stop strength already passed to the workers.
    kind: StopKind,
}

struct Controller<'a> {
    config: &'a RunConfig,
    observer: &'a mut dyn RunObserver,
    stop: &'a StopHandle,
    shared: Arc<Shared>,
    workers: Vec<WorkerHandle>,
    events: mpsc::UnboundedReceiver<Event>,
    clock: RunClock,
    scheduler: Scheduler,
    /// When the scheduler wants to be asked again (time since the start).
    scheduler_wake: Option<Duration>,
    arrivals_done: bool,
    stopping: Option<Stopping>,
    stop_seen: u8,
    load_duration: Option<Duration>,
    planned_arrivals: Duration,
    phase: Option<PhaseProgress>,
    phase_count: u32,
    launched: u64,
    next_worker: usize,
    /// The controller's own measurements (`newphase`).
    own: Recorder,
    aggregator: Aggregator,
    /// Snapshots the aggregator is done with, handed back to workers for recording. Kept
    /// boxed: they travel boxed through the channels, so no flush allocates.
    #[allow(clippy::vec_box)]
    pool: Vec<Box<Snapshot>>,
    round: Option<Round>,
    next_flush: Instant,
    /// End of the open interval (time since the start).
    next_boundary: Nanos,
    last_progress: (Instant, u64, u64),
    resent: u64,
    /// OS metrics of this machine and the munin nodes, read when an interval closes (`None`:
    /// not monitored by this process).
    monitoring: Option<Monitoring>,
}

/// Runs the scenario; see [`crate::run`].
pub(crate) async fn run(
    scenario: Arc<Scenario>,
    config: &RunConfig,
    pre: Preflight,
    observer: &mut dyn RunObserver,
    stop: &StopHandle,
) -> Result<RunSummary, EngineError> {
    let program = Arc::new(Program::new(Arc::clone(&scenario)));
    let layout = Layout::from_scenario(&scenario);
    let (snippets, problems) = SnippetCache::build(&scenario);
    for p in &problems {
        observer.log(LogLevel::Error, p);
    }
    let tls = build_tls(&scenario, config, observer)?;
    let (endpoints, warnings) =
        Endpoints::prepare(&scenario, program.servers(), config.target.as_ref()).await?;
    for w in &warnings {
        observer.log(LogLevel::Warning, w);
    }
    let scenario_dir =
        std::fs::canonicalize(&config.scenario_dir).unwrap_or_else(|_| config.scenario_dir.clone());
    let (events_tx, events) = mpsc::unbounded_channel();
    let (number, ack_timeout) = program.global_barrier();
    let n = pre.workers.max(1);
    let shared = Arc::new(Shared::new(
        scenario.options.file_servers.len(),
        scenario.transactions.len(),
        n,
        GlobalBarrier::new(number, ack_timeout),
        snippets,
        scenario_dir,
        events_tx,
    ));
    let transport = TransportOptions::from_model(&scenario.options);
    let (sources, problems) = SourceAddrs::from_clients(
        pre.clients_here
            .iter()
            .filter_map(|&i| scenario.clients.get(i)),
    );
    for p in &problems {
        observer.log(LogLevel::Warning, p);
    }
    let sources = Arc::new(sources);

    let mut workers = Vec::with_capacity(n);
    for index in 0..n {
        let (commands, receiver) = mpsc::unbounded_channel();
        let (ready_tx, ready_rx) = oneshot::channel();
        let (start_tx, start_rx) = oneshot::channel();
        let setup = WorkerSetup {
            index,
            program: Arc::clone(&program),
            shared: Arc::clone(&shared),
            recorder: Recorder::new(&layout),
            endpoints: endpoints.clone(),
            connector: Connector::new(transport.clone(), tls.clone()),
            sources: Arc::clone(&sources),
            commands: receiver,
        };
        let thread = std::thread::Builder::new()
            .name(format!("stampede-worker-{index}"))
            .spawn(move || worker::thread_main(setup, ready_tx, start_rx))
            .map_err(|source| EngineError::Thread { index, source })?;
        workers.push(WorkerHandle {
            commands,
            thread: Some(thread),
            start: Some(start_tx),
            finished: false,
        });
        match ready_rx.await {
            Ok(Ok(())) => {}
            Ok(Err(source)) => {
                return Err(EngineError::Runtime {
                    what: format!("worker {index}"),
                    source,
                });
            }
            Err(_) => return Err(EngineError::WorkerLost { index }),
        }
    }

    let scheduler = Scheduler::new(&scenario, pre.seed, &pre.generators, pre.generator_index);
    let planned_arrivals = scheduler.phases().iter().map(|p| p.duration).sum();
    let monitoring = config
        .monitor_host
        .then(|| Monitoring::start(&scenario, config.interval()));
    let clock = RunClock::start_now();
    for w in &mut workers {
        if let Some(start) = w.start.take() {
            let _ = start.send(clock);
        }
    }
    observer.run_started(&RunStarted {
        seed: pre.seed,
        workers: n,
        started_at: clock.wall_start(),
        layout: &layout,
        phases: scheduler.phases(),
        static_users: scheduler.static_users(),
        load_duration: scheduler.load_duration(),
    });
    let now = Instant::now();
    let mut controller = Controller {
        config,
        observer,
        stop,
        shared,
        workers,
        events,
        clock,
        load_duration: scheduler.load_duration(),
        phase_count: scheduler.phases().len() as u32,
        scheduler,
        scheduler_wake: Some(Duration::ZERO),
        arrivals_done: false,
        stopping: None,
        stop_seen: 0,
        planned_arrivals,
        phase: None,
        launched: 0,
        next_worker: 0,
        own: Recorder::new(&layout),
        aggregator: Aggregator::new(&layout),
        pool: Vec::new(),
        round: None,
        next_flush: now + config.flush(),
        next_boundary: Nanos::from_duration(config.interval()),
        last_progress: (now, 0, 0),
        resent: 0,
        monitoring,
    };
    let end = controller.main_loop().await?;
    controller.shutdown(end, pre.seed, layout).await
}

fn build_tls(
    scenario: &Scenario,
    config: &RunConfig,
    observer: &mut dyn RunObserver,
) -> Result<Option<TlsClient>, EngineError> {
    let mut needed = scenario.servers.iter().any(|s| s.kind.is_tls());
    for session in &scenario.sessions {
        session.walk(|a| {
            if let Action::Request(r) = a
                && let Url::Static(u) = &r.http.url
                && u.authority
                    .as_ref()
                    .is_some_and(|a| a.scheme == Scheme::Https)
            {
                needed = true;
            }
        });
    }
    match TlsClient::new(&TlsOptions::from_model(
        &scenario.options.ssl,
        config.tls_insecure,
    )) {
        Ok(tls) => {
            if needed && !tls.ignored_ciphers().is_empty() {
                observer.log(
                    LogLevel::Warning,
                    &format!(
                        "ssl_ciphers: ignored (unknown to the TLS library): {}",
                        tls.ignored_ciphers().join(", ")
                    ),
                );
            }
            Ok(Some(tls))
        }
        Err(e) if needed => Err(EngineError::Tls(e.to_string())),
        Err(e) => {
            observer.log(
                LogLevel::Warning,
                &format!("TLS is not available ({e}): https requests will fail"),
            );
            Ok(None)
        }
    }
}

impl Controller<'_> {
    /// Runs until the plan is done and every user finished, or a stop completed.
    async fn main_loop(&mut self) -> Result<RunEnd, EngineError> {
        loop {
            self.check_workers()?;
            self.check_stop_request();
            let elapsed = self.clock.elapsed();
            if self.stopping.is_none()
                && let Some(limit) = self.load_duration
                && elapsed >= limit
            {
                self.begin_stop(RunEnd::DurationReached, StopKind::Graceful);
            }
            if self.stopping.is_none() && !self.arrivals_done {
                self.drive_scheduler();
            }
            // A collection in progress completes first (its interval may be due).
            if self.shared.live_users() == 0 && self.round.is_none() {
                if let Some(s) = &self.stopping {
                    return Ok(s.end.clone());
                }
                if self.arrivals_done {
                    return Ok(RunEnd::Completed);
                }
            }
            let now = Instant::now();
            if self.round.as_ref().is_some_and(|r| now >= r.deadline) {
                self.finish_round(now);
            }
            if self.round.is_none() && now >= self.next_flush {
                self.start_round(now);
            }
            let wake = self.next_wake();
            let seen = self.stop_seen;
            tokio::select! {
                biased;
                event = self.events.recv() => {
                    if let Some(event) = event {
                        self.handle(event);
                    }
                }
                () = self.stop.stronger_than(seen) => {}
                () = self.shared.idle.notified() => {}
                () = sleep_until(wake) => {}
            }
        }
    }

    fn next_wake(&self) -> Instant {
        let mut wake = match &self.round {
            Some(r) => r.deadline,
            None => self.next_flush,
        };
        if self.stopping.is_none() {
            if !self.arrivals_done
                && let Some(at) = self.scheduler_wake
            {
                wake = wake.min(self.clock.instant(Nanos::from_duration(at)));
            }
            if let Some(limit) = self.load_duration {
                wake = wake.min(self.clock.instant(Nanos::from_duration(limit)));
            }
        }
        wake
    }

    /// A worker thread that ended on its own has died.
    fn check_workers(&self) -> Result<(), EngineError> {
        for (index, w) in self.workers.iter().enumerate() {
            if !w.finished && w.thread.as_ref().is_some_and(JoinHandle::is_finished) {
                return Err(EngineError::WorkerLost { index });
            }
        }
        Ok(())
    }

    fn check_stop_request(&mut self) {
        let level = self.stop.level();
        if level <= self.stop_seen {
            return;
        }
        self.stop_seen = level;
        if let Some(req) = self.stop.requested() {
            let end = match req.kind {
                StopKind::Graceful => RunEnd::Stopped { by: req.by },
                StopKind::Abort => RunEnd::Aborted { by: req.by },
            };
            self.begin_stop(end, req.kind);
        }
    }

    /// Ends arrivals and tells the workers to stop their users. An abort after a graceful stop
    /// cuts the users still finishing their requests.
    fn begin_stop(&mut self, end: RunEnd, kind: StopKind) {
        let upgrade = match &self.stopping {
            None => true,
            Some(s) => s.kind == StopKind::Graceful && kind == StopKind::Abort,
        };
        if !upgrade {
            return;
        }
        let grace = match kind {
            StopKind::Graceful => self.config.stop_grace,
            StopKind::Abort => Duration::ZERO,
        };
        let grace_until = Instant::now() + grace;
        for w in &self.workers {
            let _ = w.commands.send(Command::Stop { grace_until });
        }
        // An abort after a graceful stop keeps the first reason unless it came from outside.
        let end = match (&self.stopping, &end) {
            (Some(s), RunEnd::DurationReached | RunEnd::StoppedByScenario { .. }) => s.end.clone(),
            _ => end,
        };
        self.stopping = Some(Stopping { end, kind });
        self.arrivals_done = true;
        self.phase = None;
    }

    fn drive_scheduler(&mut self) {
        loop {
            let now = self.clock.elapsed();
            match self.scheduler.next(now) {
                Next::Launch(arrival) => self.dispatch(arrival),
                Next::PhaseStart(p) => {
                    if p.counts_newphase {
                        self.own.count(Counter::NewPhase);
                    }
                    self.phase = Some(PhaseProgress {
                        index: p.index,
                        number: p.number,
                        count: self.phase_count,
                        started: p.at,
                        duration: p.duration,
                    });
                    self.observer.phase_started(&p);
                }
                Next::PhaseEnd(p) => {
                    if p.overloaded() {
                        self.observer.log(
                            LogLevel::Warning,
                            &format!(
                                "phase {} ended with {} of its {} users not started: the \
                                 generator may be overloaded",
                                p.index + 1,
                                p.unlaunched,
                                p.planned
                            ),
                        );
                    }
                    self.phase = None;
                    self.observer.phase_ended(&p);
                }
                Next::Sleep { until } => {
                    self.scheduler_wake = Some(until);
                    return;
                }
                Next::WaitAllSessionsEnd { or_until } => {
                    if self.shared.live_users() == 0 {
                        self.scheduler.all_sessions_ended(now);
                        continue;
                    }
                    self.scheduler_wake = or_until;
                    return;
                }
                Next::Done(DoneReason::AllLaunched) => {
                    self.arrivals_done = true;
                    self.scheduler_wake = None;
                    return;
                }
                Next::Done(DoneReason::LoadDuration) => {
                    self.begin_stop(RunEnd::DurationReached, StopKind::Graceful);
                    return;
                }
            }
        }
    }

    fn dispatch(&mut self, arrival: stampede_scheduler::Arrival) {
        let n = self.workers.len();
        let index = self.shared.least_busy_worker(self.next_worker);
        self.next_worker = (index + 1) % n.max(1);
        self.shared.user_dispatched(index);
        self.launched += 1;
        if self.workers[index]
            .commands
            .send(Command::Spawn(arrival))
            .is_err()
        {
            self.shared.user_gone(index);
        }
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Flushed { snapshot } => self.ingest(snapshot),
            Event::Final {
                worker,
                snapshot,
                resent_requests,
            } => {
                if let Some(w) = self.workers.get_mut(worker) {
                    w.finished = true;
                }
                self.resent += resent_requests;
                self.ingest(snapshot);
            }
            Event::Log(level, text) => self.observer.log(level, &text),
            Event::Match(line) => self.observer.match_logged(&line),
            Event::Dump(lines) => self.observer.traffic_dumped(&lines),
            Event::StopTest { user_id } => {
                if self.stopping.is_none() {
                    self.begin_stop(RunEnd::StoppedByScenario { user_id }, StopKind::Graceful);
                }
            }
        }
    }

    fn ingest(&mut self, snapshot: Box<Snapshot>) {
        let index = self.aggregator.interval_index();
        self.aggregator.ingest(index, &snapshot);
        self.pool.push(snapshot);
        if let Some(round) = &mut self.round {
            round.remaining = round.remaining.saturating_sub(1);
            if round.remaining == 0 {
                self.finish_round(Instant::now());
            }
        }
    }

    /// Asks every worker for its measurements.
    fn start_round(&mut self, now: Instant) {
        let boundary = self.clock.instant(self.next_boundary);
        let closes = now >= boundary;
        let fresh = match self.pool.pop() {
            Some(s) => *s,
            None => self.own.snapshot().empty_like(),
        };
        let own = self.own.swap_snapshot(fresh);
        self.aggregator
            .ingest(self.aggregator.interval_index(), &own);
        self.pool.push(Box::new(own));
        let mut asked = 0;
        for w in &self.workers {
            if !w.finished && w.commands.send(Command::Collect(self.pool.pop())).is_ok() {
                asked += 1;
            }
        }
        let flush = self.config.flush();
        self.round = Some(Round {
            remaining: asked,
            closes,
            deadline: now + (flush * 4).max(MIN_COLLECT_WAIT),
        });
        let next_boundary = if closes {
            boundary + self.config.interval()
        } else {
            boundary
        };
        self.next_flush = (now + flush).min(next_boundary.max(now));
        if asked == 0 {
            self.finish_round(now);
        }
    }

    fn finish_round(&mut self, now: Instant) {
        let Some(round) = self.round.take() else {
            return;
        };
        if round.closes {
            let end = self.next_boundary;
            self.close_interval(end);
            let interval = Nanos::from_duration(self.config.interval());
            self.next_boundary = Nanos(end.0.saturating_add(interval.0));
            // A controller that fell behind by more than an interval closes one long interval.
            let elapsed = self.clock.nanos(now);
            while self.next_boundary <= elapsed {
                self.next_boundary = Nanos(self.next_boundary.0.saturating_add(interval.0));
            }
        }
        self.progress(now);
    }

    fn close_interval(&mut self, end: Nanos) {
        let clock = IntervalClock {
            end_ns: end.0,
            dump_at: unix_seconds(self.clock.wall(end)) as i64,
        };
        if let Some(monitoring) = &mut self.monitoring {
            let (samples, problems) = monitoring.sample();
            for p in &problems {
                self.observer.log(LogLevel::Warning, p);
            }
            self.aggregator.set_monitor(samples);
        }
        let closed = self.aggregator.close_interval(clock);
        self.observer.interval_closed(&closed);
    }

    fn progress(&mut self, now: Instant) {
        let open = self.aggregator.open_interval();
        let closed = self.aggregator.cumulative();
        let requests = open.request.count + closed.request.count;
        let errors = open.errors_total() + closed.errors_total();
        let (then, last_requests, last_errors) = self.last_progress;
        let dt = now.saturating_duration_since(then).as_secs_f64();
        let rate = |now: u64, before: u64| {
            if dt > 0.0 {
                now.saturating_sub(before) as f64 / dt
            } else {
                0.0
            }
        };
        let live = LiveStatus {
            elapsed: self.clock.elapsed(),
            load_duration: self.load_duration,
            planned_arrivals: self.planned_arrivals,
            phase: self.phase,
            users: self.aggregator.users().current,
            users_max: self.aggregator.users().max,
            connected: self.aggregator.connected().current,
            users_launched: self.launched,
            requests,
            requests_per_sec: rate(requests, last_requests),
            errors,
            errors_per_sec: rate(errors, last_errors),
            stopping: self.stopping.as_ref().map(|s| s.kind),
            open_interval: open,
            closed_intervals: closed,
        };
        self.observer.progress(&live);
        self.last_progress = (now, requests, errors);
    }

    /// Cuts what is left, collects every worker's last measurements, closes the last
    /// interval and builds the summary.
    async fn shutdown(
        mut self,
        end: RunEnd,
        seed: u64,
        layout: Layout,
    ) -> Result<RunSummary, EngineError> {
        for w in &self.workers {
            let _ = w.commands.send(Command::Shutdown);
        }
        // Outstanding collection answers still count; the round itself is over.
        self.round = None;
        while !self.workers.iter().all(|w| w.finished) {
            let event = tokio::select! {
                event = self.events.recv() => event,
                () = tokio::time::sleep(Duration::from_millis(100)) => {
                    self.check_lost_workers()?;
                    continue;
                }
            };
            let Some(event) = event else { break };
            self.handle(event);
        }
        for w in &mut self.workers {
            if let Some(t) = w.thread.take() {
                let _ = t.join();
            }
        }
        // Anything sent before the threads ended (logs, match lines).
        while let Ok(event) = self.events.try_recv() {
            self.handle(event);
        }
        let own = self.own.take_snapshot();
        self.aggregator
            .ingest(self.aggregator.interval_index(), &own);
        let end_at = self.clock.now();
        self.close_interval(end_at);
        self.progress(Instant::now());
        Ok(RunSummary {
            end,
            seed,
            workers: self.workers.len(),
            started_at: self.clock.wall_start(),
            duration: end_at.as_duration(),
            users_launched: self.launched,
            users_max: self.aggregator.users().max,
            connected_max: self.aggregator.connected().max,
            resent_requests: self.resent,
            totals: self.aggregator.cumulative().clone(),
            series: self.aggregator.series().to_vec(),
            layout,
        })
    }

    /// During shutdown: a worker whose thread ended without its last measurements died.
    fn check_lost_workers(&mut self) -> Result<(), EngineError> {
        while let Ok(event) = self.events.try_recv() {
            self.handle(event);
        }
        self.check_workers()
    }
}
