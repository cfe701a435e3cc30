//! One virtual user: a sans-IO state machine that walks its session's instructions.

mod flow;
mod render;
mod respond;

pub use render::RequestBuf;

use crate::cookies::CookieJar;
use crate::host::{AbortReason, Host, Outcome};
use crate::program::{Instr, Program};
use crate::response::ResponseView;
use crate::rng::UserRng;
use crate::step::{ConnectionId, ConnectionOptions, SendRequest, Step};
use crate::target::TargetRef;
use crate::time::Nanos;
use crate::value::Value;
use crate::vars::{Slot, Vars};
use stampede_model::{ErrorClass, HttpVersion, SessionId, TransactionId, VarTable};
use std::sync::Arc;

/// Where the user is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    NotStarted,
    /// Between entry points, executing instructions.
    Running,
    /// A request was handed to the engine; its response (or error) is awaited.
    AwaitingResponse,
    /// Waiting for `wake_at` (thinktime, back-off, `sleep_loop`).
    Sleeping,
    /// At the `wait_global` barrier.
    Global,
    Finished,
}

/// What the instruction loop stopped on (turned into a [`Step`] that borrows the user).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Yield {
    Send,
    Wait(Nanos),
    Global,
    Finished(Outcome),
    StopTest,
}

/// A connection and HTTP state put aside by `<change_type store="true">`.
#[derive(Clone, Debug)]
struct Stored {
    conn: u32,
    cookies: CookieJar,
    user_agent: u16,
}

/// Rarely used per-user state, allocated on first use.
#[derive(Clone, Debug, Default)]
struct Extra {
    /// `<set_option>` changes; `None` = the scenario's settings.
    options: Option<ConnectionOptions>,
    /// `http_use_server_as_proxy`: the origin of the last absolute URL.
    proxy_origin: Option<TargetRef>,
    stored: Option<Stored>,
}

/// "Not set" for the Tsung loop counters kept per user (`loop_count`, `restart_count`).
const UNSET: i32 = -1;
/// "No page in progress".
const NO_PAGE: u64 = u64::MAX;
/// Instructions executed in one call without yielding before the user yields anyway (a session
/// looping without requests must not starve its worker).
const BUDGET: u32 = 100_000;

/// The state that changes; split from the program so that instructions borrowed from the
/// program can be executed while the state is mutated.
#[derive(Debug)]
struct State {
    session: SessionId,
    pc: u32,
    user_id: u64,
    rng: UserRng,
    started: Nanos,
    page_start: u64,
    send_at: Nanos,
    wake_at: Nanos,
    target: TargetRef,
    conn: u32,
    conn_seq: u32,
    retries: u32,
    loop_count: i32,
    restart_count: i32,
    user_agent: u16,
    phase: Phase,
    outcome: Outcome,
    vars: Vars,
    cookies: CookieJar,
    /// Open transactions, oldest first.
    transactions: Vec<(TransactionId, Nanos)>,
    extra: Option<Box<Extra>>,
}

/// A virtual user running one session of a [`Program`].
///
/// Drive it from one task: call [`User::start`], then act on each [`Step`]: send the request
/// and call [`User::on_response`] (or [`User::on_error`]); wait and call [`User::on_timer`];
/// stop at [`Step::Finished`] or [`Step::StopTest`]. Every entry point takes `now`, the
/// engine's monotonic time since the start of the run; request bytes are written into a
/// [`RequestBuf`] the caller owns and reuses.
#[derive(Debug)]
pub struct User {
    program: Arc<Program>,
    st: State,
}

/// The value of a variable slot, `tsung_userid` falling back to the user id.
pub(crate) fn lookup_var(vars: &Vars, slot: Slot, user_id: u64) -> Option<Value> {
    match vars.get(slot) {
        Some(v) => Some(v.clone()),
        None if slot == VarTable::USERID.0 => Some(Value::Int(user_id as i64)),
        None => None,
    }
}

fn is_connect_failure(e: ErrorClass) -> bool {
    use ErrorClass::*;
    matches!(
        e,
        ConnectRefused
            | ConnectTimeout
            | ConnectEtimedout
            | ConnectReset
            | ConnectHostUnreachable
            | ConnectNetUnreachable
            | ConnectAddrNotAvail
            | ConnectAddrInUse
            | ConnectEmfile
            | ConnectNxdomain
            | ConnectClosed
            | ConnectTls
            | ConnectOther
    )
}

impl User {
    /// A user for `session`, on a server drawn by weight with its own random generator.
    /// `seed` should come from the scheduler ([`stampede_model`]-independent: any `u64`);
    /// everything the user draws follows from it.
    pub fn new(program: Arc<Program>, session: SessionId, user_id: u64, seed: u64) -> User {
        let mut rng = UserRng::new(seed);
        let server = program.server_for(rng.unit());
        Self::build(program, session, user_id, rng, server)
    }

    /// A user on a given server (an index into the scenario's `<servers>`).
    pub fn with_server(
        program: Arc<Program>,
        session: SessionId,
        user_id: u64,
        seed: u64,
        server: usize,
    ) -> User {
        Self::build(program, session, user_id, UserRng::new(seed), server)
    }

    fn build(
        program: Arc<Program>,
        session: SessionId,
        user_id: u64,
        mut rng: UserRng,
        server: usize,
    ) -> User {
        let target = program
            .servers
            .get(server)
            .or_else(|| program.servers.first())
            .cloned()
            .unwrap_or_else(|| {
                Arc::new(crate::Target::new(
                    stampede_model::Scheme::Http,
                    "localhost",
                    80,
                    false,
                ))
            });
        let user_agent = program.user_agent_for(rng.unit());
        User {
            program,
            st: State {
                session,
                pc: 0,
                user_id,
                rng,
                started: Nanos::ZERO,
                page_start: NO_PAGE,
                send_at: Nanos::ZERO,
                wake_at: Nanos::ZERO,
                target,
                conn: 0,
                conn_seq: 0,
                retries: 0,
                loop_count: UNSET,
                restart_count: UNSET,
                user_agent,
                phase: Phase::NotStarted,
                outcome: Outcome::Completed,
                vars: Vars::default(),
                cookies: CookieJar::default(),
                transactions: Vec::new(),
                extra: None,
            },
        }
    }

    /// Starts the session at `now`. Like Tsung, the first action runs 1 ms later: the answer
    /// is always a [`Step::Wait`].
    pub fn start(&mut self, now: Nanos) -> Step<'static> {
        if self.st.phase != Phase::NotStarted {
            return Step::Wait(self.st.wake_at);
        }
        self.st.started = now;
        self.st.phase = Phase::Sleeping;
        self.st.wake_at = now.after_millis(1);
        Step::Wait(self.st.wake_at)
    }

    /// The response to the last [`Step::Send`] is complete (`now`: when its last byte arrived).
    pub fn on_response<'a, H: Host>(
        &'a mut self,
        now: Nanos,
        response: &ResponseView<'_>,
        host: &mut H,
        buf: &'a mut RequestBuf,
    ) -> Step<'a> {
        let y = self.st.response(&self.program, now, response, host, buf);
        self.step(y, buf)
    }

    /// The last [`Step::Send`] failed (connect, send, idle timeout, socket error, malformed
    /// response), or — at any time — the test is stopping ([`ErrorClass::Abort`]) or the server
    /// closed an idle connection ([`ErrorClass::Closed`] while not awaiting a response: not an
    /// error for persistent sessions).
    ///
    /// The interpreter counts `error` and applies Tsung's policy: connect failures are retried
    /// up to `max_retries` times after `retry_timeout × attempt` (then
    /// `error_abort_max_conn_retries` ends the session); send failures are retried after
    /// `retry_timeout` on persistent sessions (then `error_abort_max_send_retries`); a
    /// connection closed while awaiting a response on a persistent session counts
    /// `error_closed` and the session goes on as if the response had been empty; every other
    /// error ends the session.
    pub fn on_error<'a, H: Host>(
        &'a mut self,
        now: Nanos,
        error: ErrorClass,
        host: &mut H,
        buf: &'a mut RequestBuf,
    ) -> Step<'a> {
        let y = self.st.error(&self.program, now, error, host, buf);
        self.step(y, buf)
    }

    /// The time of the last [`Step::Wait`] has come, or the [`Step::WaitGlobal`] barrier
    /// opened.
    pub fn on_timer<'a, H: Host>(
        &'a mut self,
        now: Nanos,
        host: &mut H,
        buf: &'a mut RequestBuf,
    ) -> Step<'a> {
        let y = match self.st.phase {
            Phase::Finished => Yield::Finished(self.st.outcome),
            // A timer while a response is awaited is the idle timeout.
            Phase::AwaitingResponse => {
                self.st
                    .error(&self.program, now, ErrorClass::Timeout, host, buf)
            }
            Phase::NotStarted => {
                self.st.started = now;
                self.st.run(&self.program, now, host, buf)
            }
            Phase::Running | Phase::Sleeping | Phase::Global => {
                self.st.run(&self.program, now, host, buf)
            }
        };
        self.step(y, buf)
    }

    fn step<'a>(&'a self, y: Yield, buf: &'a RequestBuf) -> Step<'a> {
        match y {
            Yield::Wait(t) => Step::Wait(t),
            Yield::Global => Step::WaitGlobal,
            Yield::Finished(o) => Step::Finished(o),
            Yield::StopTest => Step::StopTest,
            Yield::Send => {
                let st = &self.st;
                let Some(Instr::Request(req)) = self
                    .program
                    .session(st.session)
                    .and_then(|s| s.code.get(st.pc as usize))
                else {
                    return Step::Finished(st.outcome);
                };
                let (stored, options) = match &st.extra {
                    Some(e) => (
                        e.stored.as_ref().map(|s| ConnectionId(s.conn)),
                        e.options
                            .as_ref()
                            .unwrap_or(&self.program.connection_options),
                    ),
                    None => (None, &self.program.connection_options),
                };
                Step::Send(SendRequest {
                    request: req.id,
                    method: req.method,
                    bytes: buf.bytes(),
                    target: &st.target,
                    connection: ConnectionId(st.conn),
                    stored_connection: stored,
                    keep_body: req.keep_body,
                    close_after: req.version == HttpVersion::Http10,
                    options,
                })
            }
        }
    }

    /// The user's id (`tsung_userid`).
    pub fn user_id(&self) -> u64 {
        self.st.user_id
    }

    /// The session it runs.
    pub fn session(&self) -> SessionId {
        self.st.session
    }

    /// Its current server.
    pub fn target(&self) -> &TargetRef {
        &self.st.target
    }

    /// The innermost open transaction (the one started last and not yet ended).
    pub fn innermost_transaction(&self) -> Option<TransactionId> {
        self.st.transactions.last().map(|(id, _)| *id)
    }

    /// Whether the session is over.
    pub fn is_finished(&self) -> bool {
        self.st.phase == Phase::Finished
    }

    /// The program it runs.
    pub fn program(&self) -> &Arc<Program> {
        &self.program
    }

    /// The value of a variable, by name (for tests, dumps and debugging).
    pub fn var(&self, name: &str) -> Option<Value> {
        let id = self.program.scenario().variables.get(name)?;
        lookup_var(&self.st.vars, id.0, self.st.user_id)
    }

    /// Bytes this user holds on the heap (variables, cookies, open transactions, extras), on
    /// top of `size_of::<User>()`.
    pub fn heap_bytes(&self) -> usize {
        self.st.vars.heap_bytes()
            + self.st.transactions.capacity() * std::mem::size_of::<(TransactionId, Nanos)>()
            + self.st.cookies.heap_bytes()
            + self
                .st
                .extra
                .as_ref()
                .map_or(0, |_| std::mem::size_of::<Extra>())
    }
}

impl State {
    fn extra(&mut self) -> &mut Extra {
        self.extra.get_or_insert_with(Box::default)
    }

    fn new_connection(&mut self) {
        self.conn_seq = self.conn_seq.wrapping_add(1);
        self.conn = self.conn_seq;
    }

    fn transaction_now(&self) -> Option<TransactionId> {
        self.transactions.last().map(|(t, _)| *t)
    }

    /// Ends the session: open transactions get their sample, then the session's.
    fn finish<H: Host>(&mut self, now: Nanos, outcome: Outcome, host: &mut H) -> Yield {
        for (id, start) in self.transactions.drain(..).rev() {
            host.transaction(id, now.since(start));
        }
        host.session_end(now.since(self.started), outcome);
        self.phase = Phase::Finished;
        self.outcome = outcome;
        self.extra = None;
        match outcome {
            Outcome::Aborted(AbortReason::StopTest) => Yield::StopTest,
            o => Yield::Finished(o),
        }
    }

    fn fail<H: Host>(&mut self, now: Nanos, error: ErrorClass, host: &mut H) -> Yield {
        host.error(error);
        self.finish(now, Outcome::Aborted(AbortReason::Error(error)), host)
    }

    fn sleep(&mut self, until: Nanos) -> Yield {
        self.phase = Phase::Sleeping;
        self.wake_at = until;
        Yield::Wait(until)
    }

    fn error<H: Host>(
        &mut self,
        prog: &Program,
        now: Nanos,
        error: ErrorClass,
        host: &mut H,
        buf: &mut RequestBuf,
    ) -> Yield {
        let persistent = prog.session(self.session).is_some_and(|s| s.persistent);
        match self.phase {
            Phase::Finished => return Yield::Finished(self.outcome),
            Phase::AwaitingResponse => {}
            Phase::NotStarted | Phase::Running | Phase::Sleeping | Phase::Global => {
                // Not waiting for anything from the network.
                let resume = if self.phase == Phase::Global {
                    Yield::Global
                } else {
                    Yield::Wait(self.wake_at)
                };
                return match error {
                    ErrorClass::Closed if persistent => {
                        self.new_connection();
                        resume
                    }
                    e if e.ends_session() => {
                        if self.phase == Phase::NotStarted {
                            self.started = now;
                        }
                        self.fail(now, e, host)
                    }
                    e => {
                        host.error(e);
                        resume
                    }
                };
            }
        }
        host.error(error);
        let max = prog.max_retries();
        match error {
            e if is_connect_failure(e) => {
                if self.retries < max {
                    self.retries += 1;
                    let backoff = prog.retry_timeout().saturating_mul(self.retries);
                    self.sleep(now.after(backoff))
                } else {
                    self.fail(now, ErrorClass::AbortMaxConnRetries, host)
                }
            }
            ErrorClass::SendClosed | ErrorClass::Send => {
                if self.retries >= max {
                    self.fail(now, ErrorClass::AbortMaxSendRetries, host)
                } else if persistent {
                    self.retries += 1;
                    if error == ErrorClass::SendClosed {
                        self.new_connection();
                    }
                    self.sleep(now.after(prog.retry_timeout()))
                } else {
                    self.finish(now, Outcome::Aborted(AbortReason::Error(error)), host)
                }
            }
            ErrorClass::Closed if persistent => {
                // Tsung goes on as if the (empty) response were complete.
                self.new_connection();
                self.response(prog, now, &ResponseView::empty(), host, buf)
            }
            e if e.ends_session() => {
                self.finish(now, Outcome::Aborted(AbortReason::Error(e)), host)
            }
            _ => {
                // Not a transport failure: the request is done, go on.
                self.pc += 1;
                self.phase = Phase::Running;
                self.run(prog, now, host, buf)
            }
        }
    }

    /// Executes instructions from `pc` until one needs the engine.
    fn run<H: Host>(
        &mut self,
        prog: &Program,
        now: Nanos,
        host: &mut H,
        buf: &mut RequestBuf,
    ) -> Yield {
        self.phase = Phase::Running;
        let Some(session) = prog.session(self.session) else {
            return self.finish(now, Outcome::Completed, host);
        };
        let code = &session.code;
        let mut budget = BUDGET;
        loop {
            let Some(instr) = code.get(self.pc as usize) else {
                return self.finish(now, Outcome::Completed, host);
            };
            budget -= 1;
            if budget == 0 {
                return self.sleep(now);
            }
            match instr {
                Instr::Request(req) => {
                    return match self.render(prog, req, now, host, buf) {
                        Ok(()) => {
                            self.phase = Phase::AwaitingResponse;
                            self.send_at = now;
                            Yield::Send
                        }
                        Err(e) => self.fail(now, e, host),
                    };
                }
                Instr::Think(t) => {
                    self.pc += 1;
                    match self.think_millis(prog, t, host) {
                        Ok(Some(ms)) => return self.sleep(now.after_millis(ms)),
                        Ok(None) => {
                            self.phase = Phase::Global;
                            return Yield::Global;
                        }
                        Err(e) => return self.fail(now, e, host),
                    }
                }
                Instr::TransactionStart(id) => {
                    self.transactions.push((*id, now));
                    self.pc += 1;
                }
                Instr::TransactionEnd(id) => {
                    if let Some(pos) = self.transactions.iter().rposition(|(t, _)| t == id) {
                        let (_, start) = self.transactions.remove(pos);
                        host.transaction(*id, now.since(start));
                    }
                    self.pc += 1;
                }
                Instr::SetDynVars(s) => {
                    self.set_dynvars(prog, s, host);
                    self.pc += 1;
                }
                Instr::ForStart { .. }
                | Instr::ForEnd { .. }
                | Instr::IfStart { .. }
                | Instr::RepeatEnd { .. }
                | Instr::ForeachStart { .. }
                | Instr::ForeachEnd { .. } => {
                    if let Err(e) = self.control(prog, instr, host) {
                        return self.fail(now, e, host);
                    }
                }
                Instr::ChangeType(c) => {
                    self.change_type(prog, c);
                    self.pc += 1;
                }
                Instr::SetOption(o) => {
                    self.set_option(prog, o, host);
                    self.pc += 1;
                }
                Instr::Interaction(i) => {
                    host.interaction(i.kind, i.id, now);
                    self.pc += 1;
                }
                Instr::Abort(stampede_model::AbortScope::Session) => {
                    host.count(stampede_model::Counter::AbortSession);
                    return self.finish(now, Outcome::Aborted(AbortReason::AbortAction), host);
                }
                Instr::Abort(stampede_model::AbortScope::All) => {
                    return self.finish(now, Outcome::Aborted(AbortReason::StopTest), host);
                }
            }
        }
    }
}
