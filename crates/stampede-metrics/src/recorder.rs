//! [`Recorder`]: the per-worker, lock-free measurement sink on the hot path.

use crate::layout::Layout;
use crate::outcome::{AbortReason, SessionEnd};
use crate::snapshot::Snapshot;
use stampede_model::{Counter, ErrorClass, RequestId, SessionId, TransactionId};

/// One completed HTTP exchange, for [`Recorder::record_response`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Response {
    /// Which request of the scenario.
    pub request: RequestId,
    /// The status code of the response.
    pub status: u16,
    /// Tsung's `request` time: from "ready to send" (before a (re)connect, so connect time is
    /// included when one was needed) to the end of the response, in nanoseconds.
    pub elapsed_ns: u64,
    /// Bytes written for this request (`size_sent`).
    pub bytes_sent: u64,
    /// Bytes read for this response (`size_rcv`).
    pub bytes_received: u64,
}

/// Measurements of one worker thread.
///
/// Every method is a handful of integer operations on memory owned by the worker: no lock, no
/// atomic, no channel, no allocation once the tables are sized (they are preallocated from the
/// [`Layout`]; a histogram allocates only when a duration beyond its initial range arrives,
/// see [`crate::HistogramSpec`]). Ids outside the layout are counted in the totals and ignored
/// for the per-id rows; nothing panics.
///
/// The engine hands the accumulated data to the aggregator with [`Recorder::take_snapshot`] or
/// [`Recorder::swap_snapshot`] (every flush: e.g. every 500 ms and at every interval end).
#[derive(Debug)]
pub struct Recorder {
    data: Snapshot,
}

impl Recorder {
    /// A recorder with one row per transaction, request and session of `layout`.
    pub fn new(layout: &Layout) -> Self {
        Self {
            data: Snapshot::new(layout),
        }
    }

    /// A `request` sample for a completed request (also its per-request row).
    #[inline]
    pub fn record_request(&mut self, request: RequestId, elapsed_ns: u64) {
        self.data.request.record(elapsed_ns);
        if let Some(row) = self.data.requests.get_mut(request.index()) {
            row.sample.record(elapsed_ns);
        }
    }

    /// A `page` sample.
    #[inline]
    pub fn record_page(&mut self, elapsed_ns: u64) {
        self.data.page.record(elapsed_ns);
    }

    /// A `connect` sample (one successful connection set-up, TLS handshake included).
    #[inline]
    pub fn record_connect(&mut self, elapsed_ns: u64) {
        self.data.connect.record(elapsed_ns);
    }

    /// A `tr_<name>` sample (a transaction or an interaction).
    #[inline]
    pub fn record_transaction(&mut self, transaction: TransactionId, elapsed_ns: u64) {
        if let Some(t) = self.data.transactions.get_mut(transaction.index()) {
            t.record(elapsed_ns);
        }
    }

    /// A parsed status line. Tsung counts codes when the status line is parsed, not when the
    /// response completes, so call this as soon as the code is known. (A request's row holds 8
    /// distinct codes without allocating; a ninth distinct code grows it once.)
    #[inline]
    pub fn count_status(&mut self, request: RequestId, code: u16) {
        self.data.status.add(code);
        if let Some(row) = self.data.requests.get_mut(request.index()) {
            row.add_code(code, 1);
        }
    }

    /// An error (`error_*`), attributed to a request when there is one.
    #[inline]
    pub fn count_error(&mut self, request: Option<RequestId>, class: ErrorClass) {
        if let Some(n) = self.data.errors.get_mut(class.index()) {
            *n += 1;
        }
        if let Some(row) = request.and_then(|r| self.data.requests.get_mut(r.index()))
            && let Some(n) = row.errors.get_mut(class.index())
        {
            *n += 1;
        }
    }

    /// Bytes written to the network (`size_sent`).
    #[inline]
    pub fn add_bytes_sent(&mut self, bytes: u64) {
        self.data.bytes_sent += bytes;
    }

    /// Bytes read from the network (`size_rcv`).
    #[inline]
    pub fn add_bytes_received(&mut self, bytes: u64) {
        self.data.bytes_received += bytes;
    }

    /// A named counter event (`match`, `nomatch`, `newphase`, …). `users_count` and
    /// `finish_users_count` are maintained by [`Recorder::user_started`] and
    /// [`Recorder::user_finished`]; do not count them here as well.
    #[inline]
    pub fn count(&mut self, counter: Counter) {
        if let Some(n) = self.data.counters.get_mut(counter.index()) {
            *n += 1;
        }
    }

    /// The usual end of a request, all at once: status, `request` sample, bytes. Equivalent to
    /// [`Recorder::count_status`] + [`Recorder::record_request`] + the two byte counters.
    #[inline]
    pub fn record_response(&mut self, r: &Response) {
        self.data.status.add(r.status);
        self.data.request.record(r.elapsed_ns);
        if let Some(row) = self.data.requests.get_mut(r.request.index()) {
            row.add_code(r.status, 1);
            row.sample.record(r.elapsed_ns);
        }
        self.data.bytes_sent += r.bytes_sent;
        self.data.bytes_received += r.bytes_received;
    }

    /// A user started `session`: `users` +1, `users_count` +1, the session's `started` +1.
    #[inline]
    pub fn user_started(&mut self, session: SessionId) {
        self.data.users.up += 1;
        self.count(Counter::UsersCount);
        if let Some(s) = self.data.sessions.get_mut(session.index()) {
            s.started += 1;
        }
    }

    /// A user's session ended after `elapsed_ns` (thinktimes included): `users` −1 and the
    /// outcome counted. Except for [`AbortReason::TestStopped`] (Tsung kills such users without
    /// measuring them), it also records a `session` sample and counts `finish_users_count`.
    /// Errors are not counted here: count them with [`Recorder::count_error`] where they occur.
    #[inline]
    pub fn user_finished(&mut self, session: SessionId, end: SessionEnd, elapsed_ns: u64) {
        self.data.users.down += 1;
        if end != SessionEnd::Aborted(AbortReason::TestStopped) {
            self.data.session.record(elapsed_ns);
            self.count(Counter::FinishUsersCount);
        }
        if let Some(s) = self.data.sessions.get_mut(session.index()) {
            s.add_end(end);
        }
    }

    /// A connection opened (`connected` +1).
    #[inline]
    pub fn connection_opened(&mut self) {
        self.data.connections.up += 1;
    }

    /// A connection closed, by either side (`connected` −1).
    #[inline]
    pub fn connection_closed(&mut self) {
        self.data.connections.down += 1;
    }

    /// Heap bytes held by the recorder.
    pub fn memory_bytes(&self) -> usize {
        self.data.memory_bytes()
    }

    /// What was recorded since the last take/swap.
    pub fn snapshot(&self) -> &Snapshot {
        &self.data
    }

    /// Returns what was recorded since the last take/swap and starts afresh. Allocates a new
    /// empty snapshot; [`Recorder::swap_snapshot`] reuses one instead.
    pub fn take_snapshot(&mut self) -> Snapshot {
        let fresh = self.data.empty_like();
        std::mem::replace(&mut self.data, fresh)
    }

    /// Like [`Recorder::take_snapshot`], but recording continues into `recycled` (reset first),
    /// typically a snapshot the aggregator has finished with: no allocation.
    pub fn swap_snapshot(&mut self, mut recycled: Snapshot) -> Snapshot {
        recycled.reset();
        if recycled.transactions.len() != self.data.transactions.len()
            || recycled.requests.len() != self.data.requests.len()
            || recycled.sessions.len() != self.data.sessions.len()
        {
            recycled = self.data.empty_like();
        }
        std::mem::replace(&mut self.data, recycled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::RequestLabel;

    fn layout() -> Layout {
        Layout {
            transactions: vec!["login".into()],
            requests: vec![RequestLabel::default(); 2],
            sessions: vec!["s".into()],
        }
    }

    #[test]
    fn response_is_the_sum_of_its_parts() {
        let mut a = Recorder::new(&layout());
        let mut b = Recorder::new(&layout());
        let r = Response {
            request: RequestId(1),
            status: 200,
            elapsed_ns: 1_500_000,
            bytes_sent: 100,
            bytes_received: 2000,
        };
        a.record_response(&r);
        b.count_status(r.request, r.status);
        b.record_request(r.request, r.elapsed_ns);
        b.add_bytes_sent(r.bytes_sent);
        b.add_bytes_received(r.bytes_received);
        assert_eq!(a.snapshot(), b.snapshot());
        assert_eq!(a.snapshot().requests[1].codes, vec![(200, 1)]);
    }

    #[test]
    fn unknown_ids_count_in_totals_only() {
        let mut r = Recorder::new(&layout());
        r.record_request(RequestId(99), 10);
        r.record_transaction(TransactionId(99), 10);
        r.count_status(RequestId(99), 500);
        r.count_error(Some(RequestId(99)), ErrorClass::Timeout);
        r.user_started(SessionId(7));
        let s = r.snapshot();
        assert_eq!(s.request.count, 1);
        assert_eq!(s.status.get(500), 1);
        assert_eq!(s.error(ErrorClass::Timeout), 1);
        assert_eq!(s.counter(Counter::UsersCount), 1);
        assert!(s.requests.iter().all(|r| r.sample.count == 0));
    }

    #[test]
    fn test_stopped_users_are_not_measured() {
        let mut r = Recorder::new(&layout());
        r.user_started(SessionId(0));
        r.user_started(SessionId(0));
        r.user_finished(SessionId(0), SessionEnd::Completed, 5);
        r.user_finished(
            SessionId(0),
            SessionEnd::Aborted(AbortReason::TestStopped),
            9,
        );
        let s = r.snapshot();
        assert_eq!(s.session.count, 1);
        assert_eq!(s.counter(Counter::FinishUsersCount), 1);
        assert_eq!(s.users.net(), 0);
        assert_eq!(s.sessions[0].completed, 1);
        assert_eq!(s.sessions[0].aborted_by(AbortReason::TestStopped), 1);
    }

    #[test]
    fn memory_stays_bounded_for_big_scenarios() {
        let big = Layout {
            transactions: (0..20).map(|i| format!("t{i}")).collect(),
            requests: vec![RequestLabel::default(); 200],
            sessions: vec!["s".into(); 5],
        };
        let r = Recorder::new(&big);
        let bytes = r.memory_bytes();
        // 4 + 20 latency histograms (3 digits) + 200 per-request ones (2 digits).
        assert!(bytes < 8 * 1024 * 1024, "{bytes}");
        assert!(bytes > 1024 * 1024, "{bytes}");
    }

    #[test]
    fn take_and_swap_start_afresh() {
        let mut r = Recorder::new(&layout());
        r.record_page(5);
        let first = r.take_snapshot();
        assert_eq!(first.page.count, 1);
        assert!(r.snapshot().is_empty());
        r.record_page(6);
        let second = r.swap_snapshot(first);
        assert_eq!(second.page.count, 1);
        assert!(r.snapshot().is_empty());
    }
}
