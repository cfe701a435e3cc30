//! A worker: one thread with a current-thread runtime, owning its users (one task each), their
//! connections, its recorder, the request buffer the interpreter renders into, and its
//! endpoint table. Nothing here is shared with other workers on the hot path.
//!
//! The worker's mutable state ([`Local`]) lives in a thread-local: user tasks are spawned on
//! the current-thread runtime itself, so they must be `Send` and reach the state through
//! [`with_local`] between two `.await`s. (A `LocalSet` would let them hold an `Rc` instead, but
//! it adds a waker registration and a scheduling layer to every wake-up: measured, 0.1 µs of
//! CPU per request more, about 6 % of the user-space time.)

use crate::clock::RunClock;
use crate::endpoints::Endpoints;
use crate::host::WorkerHost;
use crate::shared::{Event, Shared};
use crate::sources::SourceAddrs;
use crate::user::UserTask;
use stampede_http::{Connector, ParseLimits};
use stampede_metrics::{Recorder, Snapshot};
use stampede_model::DumpTraffic;
use stampede_scheduler::Arrival;
use stampede_session::{HeaderSpan, Program, RequestBuf};
use std::cell::{OnceCell, RefCell};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::AbortHandle;
use tokio::time::Instant;

/// What the controller tells a worker.
#[derive(Debug)]
pub(crate) enum Command {
    /// Start a user now.
    Spawn(Arrival),
    /// Hand over the measurements (recording goes on into `recycled`, or a fresh snapshot).
    Collect(Option<Box<Snapshot>>),
    /// Stop: no new users; users waiting for a response may finish it until `grace_until`,
    /// every other user is cut now, the rest at `grace_until`.
    Stop { grace_until: Instant },
    /// Cut whatever is left, send the last measurements and end the thread.
    Shutdown,
}

/// Everything a worker needs, built by the controller.
#[derive(Debug)]
pub(crate) struct WorkerSetup {
    pub(crate) index: usize,
    pub(crate) program: Arc<Program>,
    pub(crate) shared: Arc<Shared>,
    pub(crate) recorder: Recorder,
    pub(crate) endpoints: Endpoints,
    pub(crate) connector: Connector,
    pub(crate) sources: Arc<SourceAddrs>,
    pub(crate) commands: mpsc::UnboundedReceiver<Command>,
}

/// The interpreter's companions, borrowed together for each call.
#[derive(Debug)]
pub(crate) struct Ctx {
    pub(crate) host: WorkerHost,
    pub(crate) buf: RequestBuf,
    pub(crate) spans: Vec<HeaderSpan>,
}

/// What every task of a worker holds (`Arc`; immutable).
#[derive(Debug)]
pub(crate) struct Worker {
    pub(crate) index: usize,
    pub(crate) program: Arc<Program>,
    pub(crate) shared: Arc<Shared>,
    pub(crate) clock: RunClock,
    pub(crate) connector: Connector,
    /// Source addresses of new users (`<ip>`, `<iprange>`).
    pub(crate) sources: Arc<SourceAddrs>,
    pub(crate) limits: ParseLimits,
    pub(crate) hibernate: Option<Duration>,
    /// A stop is in progress: users end at their next step. (Only this worker's thread
    /// touches it; atomic so that tasks can read it without the thread-local.)
    pub(crate) stopping: AtomicBool,
    /// Requests re-sent on a new connection after a kept-alive one was found closed.
    pub(crate) resent: AtomicU64,
    /// Signalled when the last user of the worker is gone.
    pub(crate) drained: Notify,
}

impl Worker {
    /// Whether a stop is in progress.
    #[inline]
    pub(crate) fn stopping(&self) -> bool {
        self.stopping.load(Ordering::Relaxed)
    }
}

/// A worker's mutable state, reached through [`with_local`] on the worker's thread only.
#[derive(Debug)]
pub(crate) struct Local {
    pub(crate) ctx: RefCell<Ctx>,
    pub(crate) endpoints: RefCell<Endpoints>,
    pub(crate) users: RefCell<Registry>,
}

thread_local! {
    static LOCAL: OnceCell<Local> = const { OnceCell::new() };
}

/// Installs the worker's state on this thread, before any of its tasks runs.
pub(crate) fn install_local(local: Local) {
    LOCAL.with(|cell| {
        let _ = cell.set(local);
    });
}

/// Runs `f` with this worker thread's state.
///
/// # Panics
/// When called on a thread that is not a worker's. User tasks only run on their worker's
/// thread (a current-thread runtime never moves tasks), where the state is installed before
/// the first task is spawned.
#[inline]
pub(crate) fn with_local<R>(f: impl FnOnce(&Local) -> R) -> R {
    LOCAL.with(|cell| match cell.get() {
        Some(local) => f(local),
        None => panic!("worker state used outside a worker thread"),
    })
}

/// [`with_local`] for destructors: `None` when the state is gone (thread exit) or absent.
pub(crate) fn try_with_local<R>(f: impl FnOnce(&Local) -> R) -> Option<R> {
    LOCAL.try_with(|cell| cell.get().map(f)).ok().flatten()
}

/// The worker's users: how to cut each, and whether it waits for a response.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    slots: Vec<Slot>,
    free: Vec<usize>,
    live: usize,
}

#[derive(Debug)]
enum Slot {
    Free,
    Used {
        abort: Option<AbortHandle>,
        busy: bool,
    },
}

impl Registry {
    fn reserve(&mut self) -> usize {
        self.live += 1;
        let used = Slot::Used {
            abort: None,
            busy: false,
        };
        match self.free.pop() {
            Some(i) => {
                self.slots[i] = used;
                i
            }
            None => {
                self.slots.push(used);
                self.slots.len() - 1
            }
        }
    }

    pub(crate) fn set_abort(&mut self, slot: usize, handle: AbortHandle) {
        if let Some(Slot::Used { abort, .. }) = self.slots.get_mut(slot) {
            *abort = Some(handle);
        }
    }

    /// Marks a user as waiting for a response (not cut by a graceful stop until the grace
    /// period ends).
    #[inline]
    pub(crate) fn set_busy(&mut self, slot: usize, value: bool) {
        if let Some(Slot::Used { busy, .. }) = self.slots.get_mut(slot) {
            *busy = value;
        }
    }

    /// The user of `slot` is gone; returns the number of users left.
    pub(crate) fn release(&mut self, slot: usize) -> usize {
        if let Some(s @ Slot::Used { .. }) = self.slots.get_mut(slot) {
            *s = Slot::Free;
            self.free.push(slot);
            self.live -= 1;
        }
        self.live
    }

    /// Cuts every user, or only those not waiting for a response.
    fn abort(&self, idle_only: bool) {
        for slot in &self.slots {
            if let Slot::Used {
                abort: Some(handle),
                busy,
            } = slot
                && (!idle_only || !busy)
            {
                handle.abort();
            }
        }
    }

    pub(crate) fn live(&self) -> usize {
        self.live
    }
}

/// The body of a worker thread: builds its runtime, says it is ready, waits for the start
/// signal (time 0 of the run), then runs until [`Command::Shutdown`].
pub(crate) fn thread_main(
    setup: WorkerSetup,
    ready: oneshot::Sender<std::io::Result<()>>,
    start: oneshot::Receiver<RunClock>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    if ready.send(Ok(())).is_err() {
        return;
    }
    let Ok(clock) = start.blocking_recv() else {
        return;
    };
    runtime.block_on(run(setup, clock));
}

async fn run(setup: WorkerSetup, clock: RunClock) {
    let WorkerSetup {
        index,
        program,
        shared,
        recorder,
        endpoints,
        connector,
        sources,
        mut commands,
    } = setup;
    let hibernate = program.hibernate();
    let traffic_dump = matches!(
        program.scenario().root.dumptraffic,
        DumpTraffic::Protocol | DumpTraffic::ProtocolLocal
    );
    let worker = Arc::new(Worker {
        index,
        program,
        shared: Arc::clone(&shared),
        clock,
        connector,
        sources,
        limits: ParseLimits::default(),
        hibernate,
        stopping: AtomicBool::new(false),
        resent: AtomicU64::new(0),
        drained: Notify::new(),
    });
    install_local(Local {
        ctx: RefCell::new(Ctx {
            host: WorkerHost::new(recorder, Arc::clone(&shared)).with_traffic_dump(traffic_dump),
            buf: RequestBuf::new(),
            spans: Vec::new(),
        }),
        endpoints: RefCell::new(endpoints),
        users: RefCell::new(Registry::default()),
    });
    while let Some(command) = commands.recv().await {
        match command {
            Command::Spawn(arrival) => spawn_user(&worker, arrival),
            Command::Collect(recycled) => {
                let (snapshot, dump) = with_local(|l| {
                    let mut ctx = l.ctx.borrow_mut();
                    let dump = ctx.host.take_dump();
                    let recorder = &mut ctx.host.recorder;
                    let fresh = match recycled {
                        Some(s) => *s,
                        None => recorder.snapshot().empty_like(),
                    };
                    (Box::new(recorder.swap_snapshot(fresh)), dump)
                });
                if let Some(lines) = dump {
                    shared.send(Event::Dump(lines));
                }
                shared.send(Event::Flushed { snapshot });
            }
            Command::Stop { grace_until } => begin_stop(&worker, grace_until),
            Command::Shutdown => break,
        }
    }
    // Cut whoever is left and wait until every user task is gone (each records its end).
    worker.stopping.store(true, Ordering::Relaxed);
    with_local(|l| l.users.borrow().abort(false));
    while with_local(|l| l.users.borrow().live()) > 0 {
        worker.drained.notified().await;
    }
    let (snapshot, dump) = with_local(|l| {
        let mut ctx = l.ctx.borrow_mut();
        (
            Box::new(ctx.host.recorder.take_snapshot()),
            ctx.host.take_dump(),
        )
    });
    if let Some(lines) = dump {
        shared.send(Event::Dump(lines));
    }
    shared.send(Event::Final {
        worker: index,
        snapshot,
        resent_requests: worker.resent.load(Ordering::Relaxed),
    });
}

fn spawn_user(worker: &Arc<Worker>, arrival: Arrival) {
    if worker.stopping() {
        worker.shared.user_gone(worker.index);
        return;
    }
    let slot = with_local(|l| {
        l.ctx
            .borrow_mut()
            .host
            .recorder
            .user_started(arrival.session);
        l.users.borrow_mut().reserve()
    });
    let task = UserTask::new(Arc::clone(worker), &arrival, slot);
    let handle = tokio::spawn(task.run());
    with_local(|l| l.users.borrow_mut().set_abort(slot, handle.abort_handle()));
}

/// Graceful (or, with a grace period that is over, immediate) stop of this worker's users.
fn begin_stop(worker: &Worker, grace_until: Instant) {
    let now = Instant::now();
    worker.stopping.store(true, Ordering::Relaxed);
    with_local(|l| l.users.borrow().abort(grace_until > now));
    if grace_until > now {
        tokio::spawn(async move {
            tokio::time::sleep_until(grace_until).await;
            with_local(|l| l.users.borrow().abort(false));
        });
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::barrier::GlobalBarrier;
    use crate::eval::SnippetCache;
    use stampede_http::TransportOptions;
    use stampede_metrics::Layout;
    use stampede_model::SessionId;

    const XML: &str = r#"<tsung><clients><client host="localhost"/></clients>
<servers><server host="127.0.0.1" port="9" type="tcp"/></servers>
<load><arrivalphase phase="1" duration="1" unit="second"><users arrivalrate="1" unit="second"/></arrivalphase></load>
<sessions><session name="s" probability="100" type="ts_http"><request><http url="/"/></request></session></sessions></tsung>"#;

    /// A worker for unit tests (not started); installs its state on this thread.
    pub(crate) fn worker() -> Arc<Worker> {
        let loaded = stampede_scenario::load_str(
            "t.xml",
            std::path::Path::new("."),
            XML,
            &Default::default(),
        )
        .unwrap();
        let scenario = Arc::new(loaded.scenario);
        let program = Arc::new(Program::new(Arc::clone(&scenario)));
        let layout = Layout::from_scenario(&scenario);
        let (tx, _rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared::new(
            0,
            0,
            1,
            GlobalBarrier::new(1, Duration::from_secs(1)),
            SnippetCache::default(),
            ".".into(),
            tx,
        ));
        install_local(Local {
            ctx: RefCell::new(Ctx {
                host: WorkerHost::new(Recorder::new(&layout), Arc::clone(&shared)),
                buf: RequestBuf::new(),
                spans: Vec::new(),
            }),
            endpoints: RefCell::new(Endpoints::default()),
            users: RefCell::new(Registry::default()),
        });
        Arc::new(Worker {
            index: 0,
            hibernate: program.hibernate(),
            program,
            shared,
            clock: RunClock::start_now(),
            connector: Connector::new(TransportOptions::default(), None),
            sources: Arc::default(),
            limits: ParseLimits::default(),
            stopping: AtomicBool::new(false),
            resent: AtomicU64::new(0),
            drained: Notify::new(),
        })
    }

    #[tokio::test]
    async fn a_user_task_is_small() {
        let w = worker();
        let arrival = Arrival {
            at: Duration::ZERO,
            user_id: 1,
            seed: 1,
            session: SessionId(0),
            source: stampede_scheduler::Source::Static,
        };
        let slot = with_local(|l| l.users.borrow_mut().reserve());
        let task = UserTask::new(Arc::clone(&w), &arrival, slot);
        let future = task.run();
        let size = std::mem::size_of_val(&future);
        eprintln!(
            "user task future: {size} bytes (User {}, HttpClient {})",
            std::mem::size_of::<stampede_session::User>(),
            std::mem::size_of::<stampede_http::HttpClient>()
        );
        drop(future);
        // The user (about 700 bytes) and the HTTP exchange in flight (about 700 more: the
        // connect future, over a kilobyte with TLS, is boxed for the moment it runs); a
        // hibernating user does not keep it. Every user pays it while thinking below
        // `hibernate`: the target is under 3 KB per such user in all.
        assert!(size <= 2048, "{size}");
    }
}
