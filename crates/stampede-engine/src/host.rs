//! The worker's side of the session interpreter ([`stampede_session::Host`]): metric events go
//! into the worker's [`Recorder`], run-wide state is reached through [`Shared`], Erlang goes to
//! `stampede-erl`. Also records what the engine itself measures per exchange.

use crate::clock::{ns, unix_seconds};
use crate::eval;
use crate::observer::{LogLevel, MatchLine};
use crate::shared::{Event, Shared};
use stampede_http::Exchange;
use stampede_metrics::{AbortReason as MAbort, Recorder, Response, SessionEnd};
use stampede_model::{
    Counter, ErlCode, ErrorClass, FileId, InteractionKind, ModFun, RequestId, SessionId,
    TransactionId,
};
use stampede_session::{
    AbortReason, CallArgs, EvalContext, EvalError, Host, MatchEvent, Nanos, Outcome, Value,
};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Snippet failures logged per worker; later ones are only counted (`error_eval`).
const LOGGED_EVAL_FAILURES: usize = 20;

/// Per-worker host state.
#[derive(Debug)]
pub(crate) struct WorkerHost {
    pub(crate) recorder: Recorder,
    shared: Arc<Shared>,
    /// The session of the user being driven (for `session_end`).
    session: SessionId,
    /// The request whose transport error is being reported: the next `error` is attributed
    /// to it.
    request: Option<RequestId>,
    /// Output of snippets, forwarded to the run log.
    logs: Vec<String>,
    eval_failures: usize,
    warned: HashSet<&'static str>,
    /// Traffic dump lines since the last flush; `None` when the dump is off.
    pub(crate) dump: Option<String>,
}

impl WorkerHost {
    pub(crate) fn new(recorder: Recorder, shared: Arc<Shared>) -> Self {
        Self {
            recorder,
            shared,
            session: SessionId(0),
            request: None,
            logs: Vec::new(),
            eval_failures: 0,
            warned: HashSet::new(),
            dump: None,
        }
    }

    /// Turns the traffic dump (`dumptraffic="protocol"`) on or off.
    pub(crate) fn with_traffic_dump(mut self, on: bool) -> Self {
        self.dump = on.then(String::new);
        self
    }

    /// The traffic dump lines since the last call, if there are any.
    pub(crate) fn take_dump(&mut self) -> Option<String> {
        self.dump
            .as_mut()
            .filter(|d| !d.is_empty())
            .map(std::mem::take)
    }

    /// Before calling the interpreter for a user: its session, and the request a transport
    /// error is about (if any).
    #[inline]
    pub(crate) fn begin(&mut self, session: SessionId, request: Option<RequestId>) {
        self.session = session;
        self.request = request;
    }

    /// Logs `text` once per worker under `key`.
    pub(crate) fn warn_once(&mut self, key: &'static str, text: impl FnOnce() -> String) {
        if self.warned.insert(key) {
            self.shared.log(LogLevel::Warning, text());
        }
    }

    /// What an exchange measured: `connect` sample, `connected` changes, status code,
    /// `request` sample and sizes. `was_connected` / `is_connected`: the user's connection
    /// before and after.
    #[inline]
    pub(crate) fn record_exchange(
        &mut self,
        request: RequestId,
        ex: &Exchange,
        was_connected: bool,
        is_connected: bool,
    ) {
        let rec = &mut self.recorder;
        let opened = ex.connect.is_some();
        if let Some(c) = ex.connect {
            rec.record_connect(ns(c.duration()));
            rec.connection_opened();
        }
        // The previous connection is gone when it was replaced or dropped; the new one when
        // it did not survive the exchange.
        if was_connected && (opened || !is_connected) {
            rec.connection_closed();
        }
        if opened && !is_connected {
            rec.connection_closed();
        }
        match (ex.status, ex.outcome) {
            (Some(status), Ok(())) => rec.record_response(&Response {
                request,
                status,
                elapsed_ns: ns(ex.request_time()),
                bytes_sent: ex.bytes_sent,
                bytes_received: ex.bytes_received,
            }),
            (status, outcome) => {
                if let Some(code) = status {
                    // Tsung counts the code as soon as the status line is parsed.
                    rec.count_status(request, code);
                }
                if outcome.is_ok() {
                    rec.record_request(request, ns(ex.request_time()));
                }
                rec.add_bytes_sent(ex.bytes_sent);
                rec.add_bytes_received(ex.bytes_received);
            }
        }
        if let Some(anomaly) = ex.anomaly {
            // Tsung counts a framing anomaly and still uses the response.
            rec.count_error(Some(request), anomaly);
        }
    }

    fn flush_logs(&mut self) {
        for text in self.logs.drain(..) {
            let text = text.trim_end().to_owned();
            self.shared.log(LogLevel::Info, text);
        }
    }

    fn eval_failed(&mut self, what: impl FnOnce() -> String) {
        self.eval_failures += 1;
        if self.eval_failures <= LOGGED_EVAL_FAILURES {
            let mut text = what();
            if self.eval_failures == LOGGED_EVAL_FAILURES {
                text.push_str(" (further failures of this worker are only counted as error_eval)");
            }
            self.shared.log(LogLevel::Warning, text);
        }
    }
}

/// The metrics crate's name for how a session ended.
pub(crate) fn session_end(outcome: Outcome) -> SessionEnd {
    match outcome {
        Outcome::Completed => SessionEnd::Completed,
        Outcome::Aborted(reason) => SessionEnd::Aborted(match reason {
            AbortReason::Error(ErrorClass::Abort) => MAbort::TestStopped,
            AbortReason::Error(e) => MAbort::Error(e),
            AbortReason::Match => MAbort::MatchAbort,
            AbortReason::MaxRestart => MAbort::MatchRestartLimit,
            AbortReason::AbortAction => MAbort::AbortAction,
            AbortReason::StopTest => MAbort::MatchAbortTest,
        }),
    }
}

impl Host for WorkerHost {
    #[inline]
    fn transaction(&mut self, id: TransactionId, elapsed: Duration) {
        self.recorder.record_transaction(id, ns(elapsed));
    }

    #[inline]
    fn page(&mut self, elapsed: Duration) {
        self.recorder.record_page(ns(elapsed));
    }

    fn session_end(&mut self, elapsed: Duration, outcome: Outcome) {
        self.recorder
            .user_finished(self.session, session_end(outcome), ns(elapsed));
    }

    #[inline]
    fn count(&mut self, counter: Counter) {
        self.recorder.count(counter);
    }

    #[inline]
    fn error(&mut self, error: ErrorClass) {
        self.recorder.count_error(self.request.take(), error);
    }

    fn next_line(&mut self, file: FileId) -> u64 {
        self.shared.next_line(file.index())
    }

    fn unix_time(&mut self) -> u64 {
        unix_seconds(SystemTime::now())
    }

    fn match_event(&mut self, event: &MatchEvent<'_>) {
        self.shared.send(Event::Match(Box::new(MatchLine {
            timestamp: SystemTime::now(),
            user_id: event.user_id,
            session: event.session,
            action: event.action,
            request: event.request,
            event: event.event,
            transaction: event.transaction,
            name: event.name.to_owned(),
            location: event.location,
            dump: event.dump.map(<[u8]>::to_vec),
        })));
    }

    fn interaction(&mut self, kind: InteractionKind, id: TransactionId, now: Nanos) {
        match kind {
            InteractionKind::Send => self.shared.interaction_send(id.index(), now),
            InteractionKind::Receive => {
                if let Some(sent) = self.shared.interaction_receive(id.index()) {
                    self.recorder.record_transaction(id, ns(now.since(sent)));
                }
            }
        }
    }

    fn eval(&mut self, code: &ErlCode, ctx: &EvalContext<'_>) -> Result<Value, EvalError> {
        let shared = Arc::clone(&self.shared);
        let result = shared.snippets.eval(&shared, code, ctx, &mut self.logs);
        self.flush_logs();
        if let Err(e) = &result {
            let scenario = ctx.program().scenario();
            self.eval_failed(|| {
                format!(
                    "{}: eval snippet failed for user {}: {e}",
                    eval::place(scenario, code.location),
                    ctx.user_id()
                )
            });
        }
        result
    }

    fn call(&mut self, function: &ModFun, args: CallArgs<'_>) -> Result<Value, EvalError> {
        let shared = Arc::clone(&self.shared);
        let result = eval::call(&shared, function, args, &mut self.logs);
        self.flush_logs();
        if let Err(e) = &result {
            self.eval_failed(|| format!("{function} failed: {e}"));
        }
        result
    }
}
