//! One user: a task that drives a [`stampede_session::User`] over its HTTP connection, sleeps
//! its thinktimes and waits at the global barrier.
//!
//! Per request the task copies the rendered bytes into its own buffer (the worker's
//! `RequestBuf` is shared by all its users and cannot be borrowed across an `.await`), runs
//! the exchange, records what it measured and hands the response to the interpreter. Nothing
//! is allocated per request once the buffers have grown; a long thinktime (`hibernate`)
//! releases them.

use crate::clock::ns;
use crate::dump::{self, DumpRecord};
use crate::host::WorkerHost;
use crate::worker::{Ctx, Worker, try_with_local, with_local};
use stampede_http::{Endpoint, Exchange, HttpClient, Resolver, ResponseExpect};
use stampede_model::{ErrorClass, Method, RateLimit, RequestId};
use stampede_scheduler::Arrival;
use stampede_session::{
    HeaderSpan, Nanos, RequestBuf, ResponseView, SendRequest, Step, Target, TargetRef, User,
};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, UNIX_EPOCH};

/// A user that will wait at least this long gives its buffers back (the response buffer is
/// 4 KiB and more): it costs one allocation at its next request, at most one a second. Shorter
/// waits keep them, so tight loops allocate nothing. (`hibernate`, 10 s by default, goes
/// further and frees the task itself.)
const RELEASE_BUFFERS_AFTER: Duration = Duration::from_secs(1);

/// What the task does next: a [`Step`] with nothing borrowed.
#[derive(Clone, Copy, Debug)]
enum Next {
    Send(SendInfo),
    Wait(Nanos),
    Global,
    Finished,
    StopTest,
}

/// The parts of a [`SendRequest`] the task needs after the borrow ends (the bytes are in the
/// task's buffer, the target in its `target` field).
#[derive(Clone, Copy, Debug)]
struct SendInfo {
    /// The `now` of the call that returned the request: the start of the `request` sample.
    at: Nanos,
    request: RequestId,
    method: Method,
    connection: u32,
    stored: Option<u32>,
    keep_body: bool,
    close_after: bool,
}

/// Connection settings applied to the user's client.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Applied {
    connect_timeout: Option<Duration>,
    rate_limit: Option<RateLimit>,
}

/// A user and its connection(s).
#[derive(Debug)]
pub(crate) struct UserTask {
    w: Arc<Worker>,
    user: User,
    client: HttpClient,
    /// A connection put aside by `<change_type store="true">`, with its id.
    stored: Option<Box<(u32, HttpClient)>>,
    /// The connection id `client` stands for.
    conn: u32,
    /// The request being sent.
    req: Vec<u8>,
    /// The target of the last request, and its endpoint.
    target: Option<TargetRef>,
    endpoint: Option<Arc<Endpoint>>,
    applied: Applied,
    /// Source address of the user's connections.
    source: Option<std::net::IpAddr>,
    slot: usize,
}

impl UserTask {
    pub(crate) fn new(w: Arc<Worker>, arrival: &Arrival, slot: usize) -> Self {
        let user = User::new(
            Arc::clone(&w.program),
            arrival.session,
            arrival.user_id,
            arrival.seed,
        );
        let source = w.sources.pick(arrival.user_id, arrival.seed);
        let mut client = HttpClient::new(w.limits);
        client.set_source_ip(source);
        let applied = Applied {
            connect_timeout: w.connector.options().connect_timeout,
            rate_limit: None,
        };
        Self {
            w,
            user,
            client,
            stored: None,
            conn: 0,
            req: Vec::new(),
            target: None,
            endpoint: None,
            applied,
            source,
            slot,
        }
    }

    /// Starts the user's session now; the future runs it to its end. If the task is cut
    /// (stop), `Drop` records the end. (Not an `async fn`: the future is `drive`'s own, so the
    /// user's state is not stored twice.)
    pub(crate) fn run(mut self) -> impl Future<Output = ()> {
        let now = self.w.clock.now();
        let next = match self.user.start(now) {
            Step::Wait(t) => Next::Wait(t),
            _ => Next::Wait(now),
        };
        self.drive(next)
    }

    /// The user's life from `next` on. Written as a function returning an `async move` block
    /// (not an `async fn`): the block uses the moved `self` in place, where an `async fn` would
    /// keep both the argument and its local copy in the future (656 bytes more per user).
    #[allow(clippy::manual_async_fn)]
    fn drive(mut self, mut next: Next) -> impl Future<Output = ()> {
        async move {
            loop {
                if self.w.stopping() && !matches!(next, Next::Finished | Next::StopTest) {
                    next = self.stop_now();
                }
                next = match next {
                    Next::Send(info) => self.send(info).await,
                    Next::Wait(until) => {
                        let now = self.w.clock.now();
                        if self.hibernates(until, now) {
                            hibernate(self, until);
                            return;
                        }
                        self.sleep(until, now).await;
                        self.on_timer()
                    }
                    Next::Global => {
                        self.w.shared.barrier.wait().await;
                        self.on_timer()
                    }
                    Next::Finished => break,
                    Next::StopTest => {
                        let user_id = self.user.user_id();
                        self.w
                            .shared
                            .send(crate::shared::Event::StopTest { user_id });
                        break;
                    }
                };
            }
        }
    }

    /// Whether waiting until `until` is long enough to hibernate (`hibernate` option).
    fn hibernates(&self, until: Nanos, now: Nanos) -> bool {
        self.w
            .hibernate
            .is_some_and(|h| until > now && until.since(now) >= h)
    }

    async fn sleep(&mut self, until: Nanos, now: Nanos) {
        if until <= now {
            // Nothing to wait for; still let the other users run.
            tokio::task::yield_now().await;
            return;
        }
        if until.since(now) >= RELEASE_BUFFERS_AFTER {
            self.release_buffers();
        }
        tokio::time::sleep_until(self.w.clock.instant(until)).await;
    }

    /// A long thinktime: give the buffers back (the connection stays open).
    fn release_buffers(&mut self) {
        self.client.release_buffers();
        if let Some(stored) = &mut self.stored {
            stored.1.release_buffers();
        }
        self.req = Vec::new();
    }

    fn on_timer(&mut self) -> Next {
        let now = self.w.clock.now();
        if self.w.stopping() {
            return self.stop_now();
        }
        self.advance(now, None, |user, host, buf| user.on_timer(now, host, buf))
    }

    /// Gives the user an event (`event` calls one of its `on_*` methods) and carries out the
    /// step it answers with. `request` is the request the event concerns, if any.
    fn advance(
        &mut self,
        now: Nanos,
        request: Option<RequestId>,
        event: impl for<'a> FnOnce(&'a mut User, &mut WorkerHost, &'a mut RequestBuf) -> Step<'a>,
    ) -> Next {
        let Self {
            user,
            client,
            req,
            target,
            endpoint,
            applied,
            ..
        } = self;
        with_local(|l| {
            let mut ctx = l.ctx.borrow_mut();
            let Ctx { host, buf, .. } = &mut *ctx;
            host.begin(user.session(), request);
            let step = event(user, host, buf);
            convert(step, now, req, target, endpoint, client, applied, host)
        })
    }

    /// Ends the session now (test stopping): `error_abort`, outcome `test_stopped`.
    fn stop_now(&mut self) -> Next {
        let now = self.w.clock.now();
        let user = &mut self.user;
        with_local(|l| {
            let mut ctx = l.ctx.borrow_mut();
            let Ctx { host, buf, .. } = &mut *ctx;
            host.begin(user.session(), None);
            match user.on_error(now, ErrorClass::Abort, host, buf) {
                Step::StopTest => Next::StopTest,
                _ => Next::Finished,
            }
        })
    }

    /// Sends a request and feeds the outcome to the interpreter.
    async fn send(&mut self, info: SendInfo) -> Next {
        self.select_connection(info.connection, info.stored);
        if self.endpoint.is_none()
            && let Err(class) = self.resolve().await
        {
            let now = self.w.clock.now();
            return self.transport_error(now, info.request, class);
        }
        let expect = ResponseExpect::for_method(info.method)
            .with_body(info.keep_body)
            .with_decoding(info.keep_body);
        let start = self.w.clock.instant(info.at);
        let was_connected = self.client.is_connected();
        let slot = self.slot;
        with_local(|l| l.users.borrow_mut().set_busy(slot, true));
        let ex = match &self.endpoint {
            Some(endpoint) => {
                self.client
                    .exchange(&self.w.connector, endpoint, &self.req, expect, start)
                    .await
            }
            None => {
                with_local(|l| l.users.borrow_mut().set_busy(slot, false));
                let now = self.w.clock.now();
                return self.transport_error(now, info.request, ErrorClass::ConnectOther);
            }
        };
        if ex.reconnected {
            self.w.resent.fetch_add(1, Ordering::Relaxed);
        }
        let now = self.w.clock.nanos(ex.done);
        let w = &self.w;
        let Self {
            user,
            client,
            req,
            target,
            endpoint,
            applied,
            ..
        } = self;
        with_local(|l| {
            l.users.borrow_mut().set_busy(slot, false);
            let mut ctx = l.ctx.borrow_mut();
            let Ctx { host, buf, spans } = &mut *ctx;
            let is_connected = client.is_connected();
            host.record_exchange(info.request, &ex, was_connected, is_connected);
            if let Some(out) = &mut host.dump
                && ex.outcome.is_ok()
            {
                dump_exchange(out, w, user, &info, &ex, req, target.as_deref(), now);
            }
            if info.close_after && is_connected {
                // An HTTP/1.0 request: the server closes after answering.
                client.close();
                host.recorder.connection_closed();
            }
            let step = match ex.outcome {
                Ok(()) => {
                    host.begin(user.session(), None);
                    match client.response() {
                        Some(r) => {
                            spans.clear();
                            spans.extend(r.header_spans().iter().map(|h| {
                                let (n, v) = (h.name_range(), h.value_range());
                                HeaderSpan {
                                    name_start: n.start as u32,
                                    name_end: n.end as u32,
                                    value_start: v.start as u32,
                                    value_end: v.end as u32,
                                }
                            }));
                            let view =
                                ResponseView::new(r.status(), r.bytes(), r.head_len(), spans);
                            user.on_response(now, &view, host, buf)
                        }
                        None => user.on_response(now, &ResponseView::empty(), host, buf),
                    }
                }
                Err(class) => {
                    host.begin(user.session(), Some(info.request));
                    user.on_error(now, class, host, buf)
                }
            };
            convert(step, now, req, target, endpoint, client, applied, host)
        })
    }

    /// A failure before anything was sent (name resolution).
    fn transport_error(&mut self, now: Nanos, request: RequestId, class: ErrorClass) -> Next {
        self.advance(now, Some(request), |user, host, buf| {
            user.on_error(now, class, host, buf)
        })
    }

    /// Looks up the endpoint of the current target.
    async fn resolve(&mut self) -> Result<(), ErrorClass> {
        let Some(target) = self.target.clone() else {
            return Err(ErrorClass::ConnectOther);
        };
        let known = with_local(|l| l.endpoints.borrow_mut().get(&target));
        let resolved = match known {
            Some(r) => r,
            None => {
                let r = Resolver::lookup(
                    target.scheme,
                    &target.host,
                    target.port,
                    crate::endpoints::family(&target),
                )
                .await;
                with_local(|l| l.endpoints.borrow_mut().insert(&target, r.clone()));
                r
            }
        };
        self.endpoint = Some(resolved?);
        Ok(())
    }

    /// Puts the client on the connection the interpreter asks for: keeps the current one aside
    /// for `<change_type store="true">`, brings a stored one back, or closes it.
    fn select_connection(&mut self, id: u32, stored: Option<u32>) {
        if id != self.conn {
            let restored = match &self.stored {
                Some(s) if s.0 == id => self.stored.take().map(|b| b.1),
                _ => None,
            };
            if stored == Some(self.conn) {
                let fresh = restored.unwrap_or_else(|| self.new_client());
                let current = std::mem::replace(&mut self.client, fresh);
                if let Some(old) = self.stored.replace(Box::new((self.conn, current))) {
                    self.close_client(old.1);
                }
            } else if let Some(back) = restored {
                let current = std::mem::replace(&mut self.client, back);
                self.close_client(current);
            } else if self.client.is_connected() {
                self.client.close();
                connection_closed();
            }
            self.conn = id;
            // The restored client may be connected elsewhere: check the endpoint again.
            self.endpoint = None;
        }
        if let Some(s) = &self.stored
            && stored != Some(s.0)
            && let Some(old) = self.stored.take()
        {
            self.close_client(old.1);
        }
    }

    fn new_client(&self) -> HttpClient {
        let mut client = HttpClient::new(self.w.limits);
        client.set_source_ip(self.source);
        if self.applied.connect_timeout != self.w.connector.options().connect_timeout {
            client.set_connect_timeout(self.applied.connect_timeout);
        }
        client.set_rate_limit(self.applied.rate_limit);
        client
    }

    fn close_client(&self, mut client: HttpClient) {
        if client.is_connected() {
            client.close();
            connection_closed();
        }
    }
}

/// Appends the traffic dump line of a completed exchange (`dumptraffic="protocol"`).
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn dump_exchange(
    out: &mut String,
    w: &Worker,
    user: &User,
    info: &SendInfo,
    ex: &Exchange,
    request: &[u8],
    target: Option<&Target>,
    now: Nanos,
) {
    let scenario = w.program.scenario();
    let unix_micros = w
        .clock
        .wall(now)
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
    // The transactions open when the request was sent (the response's later actions have
    // not run yet).
    let transaction = user
        .innermost_transaction()
        .and_then(|t| scenario.transactions.get(t.index()))
        .map(|n| &**n);
    let tag = scenario
        .requests
        .get(info.request.index())
        .and_then(|r| r.tag.as_deref());
    dump::write_line(
        out,
        &DumpRecord {
            unix_micros,
            user_id: user.user_id(),
            method: info.method,
            host: target.map_or("", |t| &t.host),
            request,
            status: ex.status,
            size: ex.bytes_received,
            duration_ns: ns(ex.request_time()),
            transaction,
            anomaly: ex.anomaly,
            tag,
        },
    );
}

/// Hibernation (Tsung's `hibernate`): the user's task ends, which frees its future (the
/// largest part of a user, sized for a request in flight); the user's state and connection
/// wait in a small timer task that starts a new task for it at `until`.
fn hibernate(mut task: UserTask, until: Nanos) {
    task.release_buffers();
    let slot = task.slot;
    let deadline = task.w.clock.instant(until);
    let sleeper = tokio::spawn(async move {
        tokio::time::sleep_until(deadline).await;
        wake(task);
    });
    with_local(|l| l.users.borrow_mut().set_abort(slot, sleeper.abort_handle()));
}

/// The end of a hibernation: the user runs again in a task of its own.
fn wake(mut task: UserTask) {
    let slot = task.slot;
    let next = task.on_timer();
    let handle = tokio::spawn(task.drive(next));
    with_local(|l| l.users.borrow_mut().set_abort(slot, handle.abort_handle()));
}

/// Turns the interpreter's answer into [`Next`], copying what must outlive the borrow: the
/// request bytes into `req`, a new target (and forgetting the endpoint), changed connection
/// settings into the client.
#[allow(clippy::too_many_arguments)]
#[inline]
fn convert(
    step: Step<'_>,
    now: Nanos,
    req: &mut Vec<u8>,
    target: &mut Option<TargetRef>,
    endpoint: &mut Option<Arc<Endpoint>>,
    client: &mut HttpClient,
    applied: &mut Applied,
    host: &mut WorkerHost,
) -> Next {
    match step {
        Step::Send(s) => {
            apply_send(&s, req, target, endpoint, client, applied, host);
            Next::Send(SendInfo {
                at: now,
                request: s.request,
                method: s.method,
                connection: s.connection.0,
                stored: s.stored_connection.map(|c| c.0),
                keep_body: s.keep_body,
                close_after: s.close_after,
            })
        }
        Step::Wait(t) => Next::Wait(t),
        Step::WaitGlobal => Next::Global,
        Step::Finished(_) => Next::Finished,
        Step::StopTest => Next::StopTest,
    }
}

#[inline]
fn apply_send(
    s: &SendRequest<'_>,
    req: &mut Vec<u8>,
    target: &mut Option<TargetRef>,
    endpoint: &mut Option<Arc<Endpoint>>,
    client: &mut HttpClient,
    applied: &mut Applied,
    host: &mut WorkerHost,
) {
    req.clear();
    req.extend_from_slice(s.bytes);
    if !target.as_ref().is_some_and(|t| Arc::ptr_eq(t, s.target)) {
        *target = Some(Arc::clone(s.target));
        *endpoint = None;
    }
    let o = s.options;
    if o.connect_timeout != applied.connect_timeout {
        client.set_connect_timeout(o.connect_timeout);
        applied.connect_timeout = o.connect_timeout;
    }
    if o.rate_limit != applied.rate_limit {
        client.set_rate_limit(o.rate_limit);
        applied.rate_limit = o.rate_limit;
    }
    if o.certificate.is_some() {
        host.warn_once("certificate", || {
            "<set_option name=\"certificate\">: client certificates are not supported yet; \
             connections are made without one"
                .to_owned()
        });
    }
}

impl Drop for UserTask {
    fn drop(&mut self) {
        let now = self.w.clock.now();
        let left = try_with_local(|l| {
            if let Ok(mut ctx) = l.ctx.try_borrow_mut() {
                let Ctx { host, buf, .. } = &mut *ctx;
                if !self.user.is_finished() {
                    // Cut by a stop: the interpreter records error_abort, open transactions and
                    // the end of the session (outcome test_stopped).
                    host.begin(self.user.session(), None);
                    let _ = self.user.on_error(now, ErrorClass::Abort, host, buf);
                }
                if self.client.is_connected() {
                    self.client.close();
                    host.recorder.connection_closed();
                }
                if let Some(stored) = &mut self.stored
                    && stored.1.is_connected()
                {
                    stored.1.close();
                    host.recorder.connection_closed();
                }
            }
            l.users
                .try_borrow_mut()
                .map_or(usize::MAX, |mut users| users.release(self.slot))
        });
        self.w.shared.user_gone(self.w.index);
        if left == Some(0) {
            self.w.drained.notify_one();
        }
    }
}

/// A connection of the user closed (`connected` −1).
fn connection_closed() {
    with_local(|l| l.ctx.borrow_mut().host.recorder.connection_closed());
}
