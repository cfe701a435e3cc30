//! One user's HTTP client: its connection, its response buffer, and the request/response
//! exchange with Tsung's reconnect semantics and timings.

use std::future::{Future, poll_fn};
use std::net::IpAddr;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use stampede_model::{ErrorClass, RateLimit};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;

use super::connect::{ConnectTiming, Connection, Connector};
use super::errors::{is_closed, is_eof, read_error, send_error};
use super::idle::IdleTimer;
use super::rate::TokenBucket;
use crate::codec::{ParseLimits, Progress, Response, ResponseExpect, ResponseParser};
use crate::dns::Endpoint;

/// What one request/response exchange did: Tsung's measurements and the outcome. `Copy`, no
/// heap data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exchange {
    /// When the user was ready to send (given by the caller): the start of Tsung's `request`
    /// sample, before any (re)connect.
    pub start: Instant,
    /// The connection opened during this exchange, if any (the last one when a stale
    /// kept-alive connection was replaced): Tsung's `connect` sample.
    pub connect: Option<ConnectTiming>,
    /// When the request was completely written.
    pub sent: Option<Instant>,
    /// When the first response byte arrived.
    pub first_byte: Option<Instant>,
    /// When the response completed, or the exchange failed.
    pub done: Instant,
    /// Request bytes written (`size_sent`); only the attempt that got a response counts.
    pub bytes_sent: u64,
    /// Response bytes read (`size_rcv`), including interim responses and excess bytes.
    pub bytes_received: u64,
    /// The status code if a status line was read, even when the exchange then failed.
    pub status: Option<u16>,
    /// `Ok` when a complete response is available from [`HttpClient::response`].
    pub outcome: Result<(), ErrorClass>,
    /// A complete response was followed by bytes it did not announce
    /// (`HttpBadContentLength`, or `HttpUnexpectedChunkData` after a chunked body): Tsung
    /// counts the error and still uses the response.
    pub anomaly: Option<ErrorClass>,
    /// A kept-alive connection turned out to be closed by the server and was replaced, the
    /// request sent again (not an error).
    pub reconnected: bool,
    /// The connection stays open for the next request.
    pub reusable: bool,
}

impl Exchange {
    fn new(start: Instant) -> Self {
        Self {
            start,
            connect: None,
            sent: None,
            first_byte: None,
            done: start,
            bytes_sent: 0,
            bytes_received: 0,
            status: None,
            outcome: Err(ErrorClass::Unknown),
            anomaly: None,
            reconnected: false,
            reusable: false,
        }
    }

    /// Tsung's `request` sample: from `start` to the end of the response.
    pub fn request_time(&self) -> Duration {
        self.done.saturating_duration_since(self.start)
    }

    /// Time to first byte, counted from `start`.
    pub fn time_to_first_byte(&self) -> Option<Duration> {
        self.first_byte
            .map(|t| t.saturating_duration_since(self.start))
    }
}

/// Why the read side stopped without a complete response.
enum ReadFailure {
    /// Closed or reset before any byte: on a kept-alive connection this is the server having
    /// closed it while the user was idle.
    NothingReceived(ErrorClass),
    Failed(ErrorClass),
}

/// A user's HTTP client. One connection at a time, no pipelining, like a Tsung user.
///
/// The engine keeps one per user and calls [`exchange`](Self::exchange) for each request;
/// the complete response is then readable with [`response`](Self::response) until the next
/// exchange. [`release_buffers`](Self::release_buffers) frees the response buffers during
/// long think times.
#[derive(Debug)]
pub struct HttpClient {
    conn: Option<Connection>,
    parser: ResponseParser,
    source: Option<IpAddr>,
    /// Per-user `connect_timeout` (`<set_option>`); `None` = the connector's.
    connect_timeout: Option<Option<Duration>>,
    /// Whether this user has connected before (TLS: full handshake first, resume later).
    connected_before: bool,
    /// `rate_limit` on received bytes (boxed: rarely used).
    rate: Option<Box<TokenBucket>>,
    /// An exchange started and did not finish (its future was dropped): the connection is in
    /// an unknown state.
    in_flight: bool,
    /// The idle-timeout timer, kept from one exchange to the next and armed lazily (see
    /// [`IdleTimer`]): a fresh timer per request would be inserted into and removed from the
    /// runtime's timer wheel every time.
    timer: IdleTimer,
}

impl Default for HttpClient {
    fn default() -> Self {
        Self::new(ParseLimits::default())
    }
}

impl HttpClient {
    /// A client with no connection and no buffer yet.
    pub fn new(limits: ParseLimits) -> Self {
        Self {
            conn: None,
            parser: ResponseParser::new(limits),
            source: None,
            connect_timeout: None,
            connected_before: false,
            rate: None,
            in_flight: false,
            timer: IdleTimer::default(),
        }
    }

    /// Source address for this user's connections (`<ip>` / `<iprange>`); `None` = the
    /// kernel's choice.
    pub fn set_source_ip(&mut self, source: Option<IpAddr>) {
        self.source = source;
    }

    /// Overrides the connect timeout for this user (`<set_option name="connect_timeout">`).
    pub fn set_connect_timeout(&mut self, timeout: Option<Duration>) {
        self.connect_timeout = Some(timeout);
    }

    /// Limits the bytes this user receives (`rate_limit`, also per session with
    /// `<set_option>`): after a read that exceeds the tokens the user waits before reading on,
    /// as Tsung does. `None` removes the limit.
    pub fn set_rate_limit(&mut self, limit: Option<RateLimit>) {
        self.rate = limit.map(|l| Box::new(TokenBucket::new(l)));
    }

    /// Whether a connection is open (Tsung's `connected` gauge: compare before and after an
    /// exchange).
    pub fn is_connected(&self) -> bool {
        self.conn.is_some()
    }

    /// The open connection, if any.
    pub fn connection(&self) -> Option<&Connection> {
        self.conn.as_ref()
    }

    /// Closes the connection (end of session, `change_type`, a `<set_option>` that needs a new
    /// connection).
    pub fn close(&mut self) {
        self.conn = None;
    }

    /// The complete response of the last exchange.
    pub fn response(&self) -> Option<Response<'_>> {
        self.parser.response()
    }

    /// Frees the response buffers and the timer (the last response is gone). The connection
    /// stays open.
    pub fn release_buffers(&mut self) {
        self.parser.release();
        self.timer = IdleTimer::default();
    }

    /// Heap bytes held by the response buffers.
    pub fn buffer_heap_size(&self) -> usize {
        self.parser.heap_size()
    }

    /// Sends `request` (complete request bytes) to `endpoint` and reads the response.
    ///
    /// * Reuses the open connection when it goes to the same endpoint (same `Arc`), else
    ///   opens one (one attempt; the caller applies `max_retries`/`retry_timeout`).
    /// * A kept-alive connection found closed by the server, at send time or as a close
    ///   before any response byte, is replaced and the request sent again, once, without an
    ///   error.
    /// * `idle_timeout` bounds every wait for the peer (write, first byte, each further read).
    /// * After any failure the connection is closed.
    pub async fn exchange(
        &mut self,
        connector: &Connector,
        endpoint: &Arc<Endpoint>,
        request: &[u8],
        expect: ResponseExpect,
        start: Instant,
    ) -> Exchange {
        let mut ex = Exchange::new(start);
        let idle = connector.options().idle_timeout;
        if self.in_flight
            || self
                .conn
                .as_ref()
                .is_some_and(|c| !Arc::ptr_eq(c.endpoint(), endpoint))
        {
            self.conn = None;
        }
        self.parser.start(expect);
        let mut retry_allowed = true;
        loop {
            let conn = match self.conn.take() {
                Some(conn) => conn,
                None => {
                    let timeout = self
                        .connect_timeout
                        .unwrap_or(connector.options().connect_timeout);
                    // Boxed: the connect future (with a TLS handshake, over a kilobyte) would
                    // otherwise be part of every exchange future, and so of every user's task,
                    // for a step taken once per connection.
                    let connect = Box::pin(connector.connect(
                        endpoint,
                        self.source,
                        timeout,
                        !self.connected_before,
                    ));
                    match connect.await {
                        Ok((conn, timing)) => {
                            self.connected_before = true;
                            ex.connect = Some(timing);
                            conn
                        }
                        Err(class) => {
                            ex.done = Instant::now();
                            ex.outcome = Err(class);
                            return ex;
                        }
                    }
                }
            };
            let reused = conn.is_reused();
            let conn = self.conn.insert(conn);
            self.in_flight = true;

            // --- send -------------------------------------------------------------------
            let write_from = ex.connect.map_or(start, |c| c.ended);
            let write = async {
                conn.stream.write_all(request).await?;
                if conn.stream.is_tls() {
                    conn.stream.flush().await?;
                }
                Ok::<(), std::io::Error>(())
            };
            match with_deadline(write, &mut self.timer, write_from + idle).await {
                Some(Ok(())) => {}
                Some(Err(e)) => {
                    self.conn = None;
                    self.in_flight = false;
                    if reused && retry_allowed && is_closed(&e) {
                        retry_allowed = false;
                        ex.reconnected = true;
                        continue;
                    }
                    ex.done = Instant::now();
                    ex.outcome = Err(send_error(&e));
                    return ex;
                }
                None => {
                    self.conn = None;
                    self.in_flight = false;
                    ex.done = Instant::now();
                    ex.outcome = Err(ErrorClass::Timeout);
                    return ex;
                }
            }
            let sent = Instant::now();
            ex.sent = Some(sent);
            ex.bytes_sent = request.len() as u64;

            // --- receive ----------------------------------------------------------------
            let timer = &mut self.timer;
            let rate = self.rate.as_deref_mut();
            let read =
                read_response(conn, &mut self.parser, timer, rate, idle, sent, &mut ex).await;
            self.in_flight = false;
            ex.bytes_received = self.parser.received();
            ex.status = self.parser.status();
            match read {
                Ok(()) => {
                    ex.outcome = Ok(());
                    ex.anomaly = self.parser.framing_anomaly();
                    ex.reusable = self.parser.reusable();
                    if ex.reusable {
                        conn.response_done();
                    } else {
                        self.conn = None;
                    }
                    return ex;
                }
                Err(ReadFailure::NothingReceived(class)) => {
                    self.conn = None;
                    if reused && retry_allowed {
                        retry_allowed = false;
                        ex.reconnected = true;
                        ex.sent = None;
                        self.parser.start(expect);
                        continue;
                    }
                    ex.outcome = Err(class);
                    return ex;
                }
                Err(ReadFailure::Failed(class)) => {
                    self.conn = None;
                    ex.outcome = Err(class);
                    return ex;
                }
            }
        }
    }
}

/// Reads until the parser has a complete response. Sets `first_byte` and `done`.
async fn read_response(
    conn: &mut Connection,
    parser: &mut ResponseParser,
    timer: &mut IdleTimer,
    mut rate: Option<&mut TokenBucket>,
    idle: Duration,
    sent: Instant,
    ex: &mut Exchange,
) -> Result<(), ReadFailure> {
    let mut deadline = sent + idle;
    loop {
        let read = with_deadline(conn.stream.read_buf(parser.read_buffer()), timer, deadline).await;
        let read = match read {
            Some(read) => read,
            None => {
                ex.done = Instant::now();
                return Err(ReadFailure::Failed(ErrorClass::Timeout));
            }
        };
        match read {
            Ok(n) if n > 0 => {
                let mut now = Instant::now();
                if ex.first_byte.is_none() {
                    ex.first_byte = Some(now);
                }
                if let Some(bucket) = rate.as_deref_mut() {
                    let wait = bucket.take(n, now);
                    if !wait.is_zero() {
                        tokio::time::sleep(wait).await;
                        now = Instant::now();
                    }
                }
                ex.done = now;
                match parser.on_read(n) {
                    Ok(Progress::Complete) => return Ok(()),
                    Ok(Progress::NeedMore) => {
                        deadline = now + idle;
                        continue;
                    }
                    Err(class) => return Err(ReadFailure::Failed(class)),
                }
            }
            // End of stream; for TLS also a peer that closes without close_notify.
            Ok(_) => {}
            Err(e) if is_eof(&e) => {}
            Err(e) => {
                ex.done = Instant::now();
                let class = read_error(&e);
                return Err(
                    if parser.received() == 0 && class == ErrorClass::InetReset {
                        ReadFailure::NothingReceived(class)
                    } else {
                        ReadFailure::Failed(class)
                    },
                );
            }
        }
        ex.done = Instant::now();
        if parser.received() == 0 {
            return Err(ReadFailure::NothingReceived(ErrorClass::Closed));
        }
        return match parser.feed_eof() {
            Ok(_) => Ok(()),
            Err(class) => Err(ReadFailure::Failed(class)),
        };
    }
}

/// Awaits `fut` until `deadline` (`None` when the deadline passed first). The timer is only
/// looked at when `fut` is not ready at once.
async fn with_deadline<F: Future>(
    fut: F,
    timer: &mut IdleTimer,
    deadline: Instant,
) -> Option<F::Output> {
    let mut fut = pin!(fut);
    poll_fn(|cx| {
        if let Poll::Ready(output) = fut.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        timer.poll_expired(cx, deadline).map(|()| None)
    })
    .await
}
