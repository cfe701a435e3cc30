//! [`Snapshot`]: everything measured during some span of time by one or more workers. The
//! unit that moves between threads (worker → aggregator) and processes (agent → controller).

use crate::histogram::HistogramSpec;
use crate::layout::Layout;
use crate::outcome::{AbortReason, SessionEnd};
use crate::sample::SampleStats;
use crate::status::StatusCounts;
use serde::{Deserialize, Serialize};
use stampede_model::{Counter, ErrorClass};

/// Statistics of one request of the scenario (one row of the per-request table).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestStats {
    /// Completed requests: the `request` samples of this request.
    pub sample: SampleStats,
    /// `(status code, count)`, sorted by code (code 0 = outside 100..=599).
    pub codes: Vec<(u16, u64)>,
    /// Errors attributed to this request, indexed by [`ErrorClass::index`].
    pub errors: Vec<u64>,
}

/// Distinct status codes a request row holds without allocating.
const CODES_PER_REQUEST: usize = 8;

impl RequestStats {
    fn new() -> Self {
        Self {
            sample: SampleStats::new(HistogramSpec::PER_REQUEST),
            codes: Vec::with_capacity(CODES_PER_REQUEST),
            errors: vec![0; ErrorClass::COUNT],
        }
    }

    /// Counts `n` responses with `code` (codes outside 100..=599 count as 0).
    #[inline]
    pub fn add_code(&mut self, code: u16, n: u64) {
        let code = if (100..=599).contains(&code) { code } else { 0 };
        match self.codes.binary_search_by_key(&code, |(c, _)| *c) {
            Ok(i) => self.codes[i].1 = self.codes[i].1.wrapping_add(n),
            Err(i) => self.codes.insert(i, (code, n)),
        }
    }

    /// Responses that carried a status code.
    pub fn codes_total(&self) -> u64 {
        self.codes.iter().map(|(_, n)| n).sum()
    }

    /// Errors attributed to this request.
    pub fn errors_total(&self) -> u64 {
        self.errors.iter().sum()
    }

    fn merge(&mut self, other: &RequestStats) {
        self.sample.merge(&other.sample);
        for &(code, n) in &other.codes {
            self.add_code(code, n);
        }
        add_dense(&mut self.errors, &other.errors);
    }

    fn reset(&mut self) {
        self.sample.reset();
        self.codes.clear();
        self.errors.fill(0);
    }
}

/// Users of one session: started, and how they ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionOutcomes {
    /// Users that started this session.
    pub started: u64,
    /// Users that ran it to its end.
    pub completed: u64,
    /// Users that ended early, indexed by [`AbortReason::index`].
    pub aborted: Vec<u64>,
}

impl Default for SessionOutcomes {
    fn default() -> Self {
        Self {
            started: 0,
            completed: 0,
            aborted: vec![0; AbortReason::COUNT],
        }
    }
}

impl SessionOutcomes {
    /// Users that ended early, whatever the reason.
    pub fn aborted_total(&self) -> u64 {
        self.aborted.iter().sum()
    }

    /// Users that ended early for `reason`.
    pub fn aborted_by(&self, reason: AbortReason) -> u64 {
        self.aborted.get(reason.index()).copied().unwrap_or(0)
    }

    /// Counts one end.
    #[inline]
    pub fn add_end(&mut self, end: SessionEnd) {
        match end {
            SessionEnd::Completed => self.completed += 1,
            SessionEnd::Aborted(reason) => {
                if let Some(n) = self.aborted.get_mut(reason.index()) {
                    *n += 1;
                }
            }
        }
    }

    fn merge(&mut self, other: &SessionOutcomes) {
        self.started = self.started.wrapping_add(other.started);
        self.completed = self.completed.wrapping_add(other.completed);
        add_dense(&mut self.aborted, &other.aborted);
    }

    fn reset(&mut self) {
        self.started = 0;
        self.completed = 0;
        self.aborted.fill(0);
    }
}

/// Movements of a level (live users, open connections) during a span: the level changed by
/// `up − down`. Deltas merge exactly; levels and maxima are tracked by the aggregator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GaugeDelta {
    /// Increments.
    pub up: u64,
    /// Decrements.
    pub down: u64,
}

impl GaugeDelta {
    /// `up − down`.
    pub fn net(&self) -> i64 {
        (self.up as i64).wrapping_sub(self.down as i64)
    }

    fn merge(&mut self, other: &GaugeDelta) {
        self.up = self.up.wrapping_add(other.up);
        self.down = self.down.wrapping_add(other.down);
    }
}

/// Everything measured during a span of time, by one worker or merged from many.
///
/// `merge` is exact, commutative and associative (wrapping integer sums, so even absurd input
/// from another process cannot make it panic) (integer sums, min/max, histogram bucket sums), so
/// snapshots can be combined in any grouping: per worker → per interval → per run, or per agent
/// → per cluster. Vectors indexed by ids grow to the longer of the two operands, so merging
/// snapshots of different layouts never panics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// `request`: every completed request.
    pub request: SampleStats,
    /// `page`: runs of consecutive requests (Tsung's definition).
    pub page: SampleStats,
    /// `connect`: successful connection set-ups (TLS included).
    pub connect: SampleStats,
    /// `session`: user lifetimes, for users that ended (not those cut by the end of the test).
    pub session: SampleStats,
    /// `tr_<name>`, indexed by [`stampede_model::TransactionId`].
    pub transactions: Vec<SampleStats>,
    /// Per-request rows, indexed by [`stampede_model::RequestId`].
    pub requests: Vec<RequestStats>,
    /// Every status code received (counted when the status line is parsed).
    pub status: StatusCounts,
    /// Every error, indexed by [`ErrorClass::index`].
    pub errors: Vec<u64>,
    /// Named counters, indexed by [`Counter::index`].
    pub counters: Vec<u64>,
    /// `size_rcv`: bytes received.
    pub bytes_received: u64,
    /// `size_sent`: bytes sent.
    pub bytes_sent: u64,
    /// Users started (`up`) and ended (`down`).
    pub users: GaugeDelta,
    /// Connections opened (`up`) and closed (`down`): Tsung's `connected`.
    pub connections: GaugeDelta,
    /// Session outcomes, indexed by [`stampede_model::SessionId`].
    pub sessions: Vec<SessionOutcomes>,
}

impl Snapshot {
    /// An empty snapshot with one row per transaction, request and session of `layout`.
    pub fn new(layout: &Layout) -> Self {
        Self::with_sizes(
            layout.transaction_count(),
            layout.request_count(),
            layout.session_count(),
        )
    }

    /// An empty snapshot with the given table sizes.
    pub fn with_sizes(transactions: usize, requests: usize, sessions: usize) -> Self {
        Self {
            request: SampleStats::new(HistogramSpec::LATENCY),
            page: SampleStats::new(HistogramSpec::LATENCY),
            connect: SampleStats::new(HistogramSpec::LATENCY),
            session: SampleStats::new(HistogramSpec::SESSION),
            transactions: (0..transactions)
                .map(|_| SampleStats::new(HistogramSpec::LATENCY))
                .collect(),
            requests: (0..requests).map(|_| RequestStats::new()).collect(),
            status: StatusCounts::default(),
            errors: vec![0; ErrorClass::COUNT],
            counters: vec![0; Counter::COUNT],
            bytes_received: 0,
            bytes_sent: 0,
            users: GaugeDelta::default(),
            connections: GaugeDelta::default(),
            sessions: vec![SessionOutcomes::default(); sessions],
        }
    }

    /// An empty snapshot with the same table sizes as `self`.
    pub fn empty_like(&self) -> Self {
        Self::with_sizes(
            self.transactions.len(),
            self.requests.len(),
            self.sessions.len(),
        )
    }

    /// Adds everything in `other` to `self`.
    pub fn merge(&mut self, other: &Snapshot) {
        self.request.merge(&other.request);
        self.page.merge(&other.page);
        self.connect.merge(&other.connect);
        self.session.merge(&other.session);
        grow(&mut self.transactions, other.transactions.len(), || {
            SampleStats::new(HistogramSpec::LATENCY)
        });
        for (a, b) in self.transactions.iter_mut().zip(&other.transactions) {
            a.merge(b);
        }
        grow(&mut self.requests, other.requests.len(), RequestStats::new);
        for (a, b) in self.requests.iter_mut().zip(&other.requests) {
            a.merge(b);
        }
        self.status.merge(&other.status);
        add_dense(&mut self.errors, &other.errors);
        add_dense(&mut self.counters, &other.counters);
        self.bytes_received = self.bytes_received.wrapping_add(other.bytes_received);
        self.bytes_sent = self.bytes_sent.wrapping_add(other.bytes_sent);
        self.users.merge(&other.users);
        self.connections.merge(&other.connections);
        grow(
            &mut self.sessions,
            other.sessions.len(),
            SessionOutcomes::default,
        );
        for (a, b) in self.sessions.iter_mut().zip(&other.sessions) {
            a.merge(b);
        }
    }

    /// Zeroes everything, keeping table sizes and allocated memory.
    pub fn reset(&mut self) {
        self.request.reset();
        self.page.reset();
        self.connect.reset();
        self.session.reset();
        self.transactions.iter_mut().for_each(SampleStats::reset);
        self.requests.iter_mut().for_each(RequestStats::reset);
        self.status.reset();
        self.errors.fill(0);
        self.counters.fill(0);
        self.bytes_received = 0;
        self.bytes_sent = 0;
        self.users = GaugeDelta::default();
        self.connections = GaugeDelta::default();
        self.sessions.iter_mut().for_each(SessionOutcomes::reset);
    }

    /// The count of one error class.
    pub fn error(&self, class: ErrorClass) -> u64 {
        self.errors.get(class.index()).copied().unwrap_or(0)
    }

    /// Every error, all classes together.
    pub fn errors_total(&self) -> u64 {
        self.errors.iter().sum()
    }

    /// The value of one counter.
    pub fn counter(&self, counter: Counter) -> u64 {
        self.counters.get(counter.index()).copied().unwrap_or(0)
    }

    /// Session outcomes of every session added together.
    pub fn sessions_total(&self) -> SessionOutcomes {
        let mut total = SessionOutcomes::default();
        for s in &self.sessions {
            total.merge(s);
        }
        total
    }

    /// True when nothing at all was recorded.
    pub fn is_empty(&self) -> bool {
        let zero = |v: &[u64]| v.iter().all(|n| *n == 0);
        [&self.request, &self.page, &self.connect, &self.session]
            .into_iter()
            .chain(&self.transactions)
            .all(|s| s.count == 0)
            && self
                .requests
                .iter()
                .all(|r| r.sample.count == 0 && r.codes.is_empty() && zero(&r.errors))
            && self.status.total() == 0
            && zero(&self.errors)
            && zero(&self.counters)
            && self.bytes_received == 0
            && self.bytes_sent == 0
            && self.users == GaugeDelta::default()
            && self.connections == GaugeDelta::default()
            && self
                .sessions
                .iter()
                .all(|s| s.started == 0 && s.completed == 0 && zero(&s.aborted))
    }

    /// Heap bytes held (histograms and tables), to size workers and aggregators.
    pub fn memory_bytes(&self) -> usize {
        let samples = [&self.request, &self.page, &self.connect, &self.session]
            .into_iter()
            .chain(&self.transactions)
            .map(SampleStats::memory_bytes)
            .sum::<usize>();
        let requests = self
            .requests
            .iter()
            .map(|r| {
                r.sample.memory_bytes()
                    + r.codes.capacity() * std::mem::size_of::<(u16, u64)>()
                    + r.errors.capacity() * 8
            })
            .sum::<usize>();
        let sessions = self
            .sessions
            .iter()
            .map(|s| s.aborted.capacity() * 8)
            .sum::<usize>();
        samples
            + requests
            + sessions
            + std::mem::size_of::<[u64; 501]>()
            + (self.errors.capacity() + self.counters.capacity()) * 8
            + self.transactions.capacity() * std::mem::size_of::<SampleStats>()
            + self.requests.capacity() * std::mem::size_of::<RequestStats>()
            + self.sessions.capacity() * std::mem::size_of::<SessionOutcomes>()
    }
}

fn grow<T>(v: &mut Vec<T>, len: usize, make: impl FnMut() -> T) {
    if v.len() < len {
        v.resize_with(len, make);
    }
}

fn add_dense(into: &mut Vec<u64>, from: &[u64]) {
    if into.len() < from.len() {
        into.resize(from.len(), 0);
    }
    for (a, b) in into.iter_mut().zip(from) {
        *a = a.wrapping_add(*b);
    }
}
