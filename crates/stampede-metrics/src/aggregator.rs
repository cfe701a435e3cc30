//! [`Aggregator`]: merges worker snapshots into intervals, the interval series and the
//! cumulative view of the run. Memory stays flat: full histograms exist only for the open
//! interval and the cumulative view; closed intervals keep an [`IntervalSummary`].

use crate::host::HostSample;
use crate::layout::Layout;
use crate::snapshot::Snapshot;
use crate::summary::IntervalSummary;

/// When an interval is closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntervalClock {
    /// End of the interval, in ns since the start of the run (monotonic clock).
    pub end_ns: u64,
    /// Wall-clock Unix time in seconds at the close (`# stats: dump at` in `tsung.log`).
    pub dump_at: i64,
}

/// A level and the highest value it reached.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Level {
    /// Current value.
    pub current: i64,
    /// Highest value seen since the start of the run.
    pub max: i64,
}

/// What [`Aggregator::close_interval`] returns: the interval just closed.
#[derive(Clone, Copy, Debug)]
pub struct ClosedInterval<'a> {
    /// The kept summary (also the last entry of [`Aggregator::series`]).
    pub summary: &'a IntervalSummary,
    /// The full merged data of the interval (valid until the next `close_interval`).
    pub snapshot: &'a Snapshot,
    /// Everything since the start of the run, this interval included.
    pub cumulative: &'a Snapshot,
}

/// Collects worker snapshots and turns them into the run's statistics.
///
/// Usage: every worker flush, `ingest(interval, &snapshot)`; when every worker has flushed for
/// the interval (every `--interval`, default 10 s), `close_interval(clock)`, then write the
/// outputs of the [`ClosedInterval`]. At the end of the run, flush the workers, close a last
/// (shorter) interval and read [`Aggregator::series`] and [`Aggregator::cumulative`].
///
/// Live users and open connections are levels computed from the snapshots' deltas; their
/// maxima are the highest levels seen at an ingest, so their precision is the flush period
/// (flush every 500 ms for an exact-enough `users` max).
#[derive(Debug)]
pub struct Aggregator {
    index: u64,
    start_ns: u64,
    open: Snapshot,
    early: Option<Box<Snapshot>>,
    closed: Snapshot,
    cumulative: Snapshot,
    series: Vec<IntervalSummary>,
    users: Level,
    connected: Level,
    /// Host readings for the open interval (see [`Aggregator::set_monitor`]).
    monitor: Vec<HostSample>,
}

impl Aggregator {
    /// An aggregator for a run with this layout; interval 0 is open.
    pub fn new(layout: &Layout) -> Self {
        Self {
            index: 0,
            start_ns: 0,
            open: Snapshot::new(layout),
            early: None,
            closed: Snapshot::new(layout),
            cumulative: Snapshot::new(layout),
            series: Vec::new(),
            users: Level::default(),
            connected: Level::default(),
            monitor: Vec::new(),
        }
    }

    /// The index of the open interval (0 for the first).
    pub fn interval_index(&self) -> u64 {
        self.index
    }

    /// Adds a worker's snapshot, taken during interval `interval`. Data for the open interval
    /// (or a late one) goes into the open interval; data for a later interval (a worker that
    /// already flushed past the boundary) is held until the open interval closes.
    pub fn ingest(&mut self, interval: u64, snapshot: &Snapshot) {
        if interval > self.index {
            let early = self
                .early
                .get_or_insert_with(|| Box::new(snapshot.empty_like()));
            early.merge(snapshot);
        } else {
            self.open.merge(snapshot);
        }
        self.users.current += snapshot.users.net();
        self.users.max = self.users.max.max(self.users.current);
        self.connected.current += snapshot.connections.net();
        self.connected.max = self.connected.max.max(self.connected.current);
    }

    /// Closes the open interval at `clock`, folds it into the cumulative view, keeps its
    /// summary, and opens the next one.
    pub fn close_interval(&mut self, clock: IntervalClock) -> ClosedInterval<'_> {
        self.cumulative.merge(&self.open);
        let mut summary = IntervalSummary::from_snapshot(&self.open);
        summary.index = self.index;
        summary.start_ns = self.start_ns;
        summary.end_ns = clock.end_ns.max(self.start_ns);
        summary.dump_at = clock.dump_at;
        summary.users = self.cumulative.users.net();
        summary.users_max = self.users.max.max(summary.users);
        summary.connected = self.cumulative.connections.net();
        summary.connected_max = self.connected.max.max(summary.connected);
        summary.monitor = std::mem::take(&mut self.monitor);
        self.series.push(summary);

        std::mem::swap(&mut self.open, &mut self.closed);
        self.open.reset();
        if let Some(early) = self.early.take() {
            self.open.merge(&early);
        }
        self.index += 1;
        self.start_ns = clock.end_ns.max(self.start_ns);
        ClosedInterval {
            // Just pushed above, so the series is not empty.
            summary: &self.series[self.series.len() - 1],
            snapshot: &self.closed,
            cumulative: &self.cumulative,
        }
    }

    /// The monitored hosts' readings for the open interval; they go into its summary when it
    /// closes (a later call replaces an earlier one).
    pub fn set_monitor(&mut self, samples: Vec<HostSample>) {
        self.monitor = samples;
    }

    /// Summaries of every closed interval, oldest first.
    pub fn series(&self) -> &[IntervalSummary] {
        &self.series
    }

    /// Everything in the closed intervals.
    pub fn cumulative(&self) -> &Snapshot {
        &self.cumulative
    }

    /// What the open interval has received so far (for a live view).
    pub fn open_interval(&self) -> &Snapshot {
        &self.open
    }

    /// Live users (current level, highest level seen).
    pub fn users(&self) -> Level {
        self.users
    }

    /// Open connections (current level, highest level seen).
    pub fn connected(&self) -> Level {
        self.connected
    }

    /// Everything received so far, closed and open intervals together (allocates a copy).
    pub fn live_totals(&self) -> Snapshot {
        let mut all = self.cumulative.clone();
        all.merge(&self.open);
        if let Some(early) = &self.early {
            all.merge(early);
        }
        all
    }

    /// Approximate heap bytes held by the kept series (summaries), for memory checks.
    pub fn series_memory_bytes(&self) -> usize {
        self.series.capacity() * std::mem::size_of::<IntervalSummary>()
            + self
                .series
                .iter()
                .map(|s| {
                    s.transactions.capacity() * std::mem::size_of::<crate::SampleSummary>()
                        + (s.errors.capacity() + s.counters.capacity()) * 8
                        + s.status.iter().count() * std::mem::size_of::<(u16, u64)>()
                })
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::RequestLabel;
    use crate::recorder::Recorder;
    use stampede_model::{RequestId, SessionId};

    fn layout() -> Layout {
        Layout {
            transactions: vec![],
            requests: vec![RequestLabel::default()],
            sessions: vec!["s".into()],
        }
    }

    fn clock(end_s: u64) -> IntervalClock {
        IntervalClock {
            end_ns: end_s * 1_000_000_000,
            dump_at: 1_700_000_000 + end_s as i64,
        }
    }

    #[test]
    fn intervals_fold_into_the_cumulative_view() {
        let l = layout();
        let mut agg = Aggregator::new(&l);
        let mut w1 = Recorder::new(&l);
        let mut w2 = Recorder::new(&l);
        w1.user_started(SessionId(0));
        w1.record_request(RequestId(0), 1_000_000);
        w2.user_started(SessionId(0));
        w2.record_request(RequestId(0), 3_000_000);
        agg.ingest(0, &w1.take_snapshot());
        agg.ingest(0, &w2.take_snapshot());
        let closed = agg.close_interval(clock(10));
        assert_eq!(closed.summary.request.count, 2);
        assert_eq!(closed.summary.users, 2);
        assert_eq!(closed.summary.users_max, 2);
        assert_eq!(closed.snapshot.request.count, 2);

        w1.user_finished(SessionId(0), crate::SessionEnd::Completed, 5);
        w1.record_request(RequestId(0), 2_000_000);
        agg.ingest(1, &w1.take_snapshot());
        let closed = agg.close_interval(clock(20));
        assert_eq!(closed.summary.index, 1);
        assert_eq!(closed.summary.start_ns, 10_000_000_000);
        assert_eq!(closed.summary.request.count, 1);
        assert_eq!(closed.summary.users, 1);
        assert_eq!(closed.summary.users_max, 2);
        assert_eq!(closed.cumulative.request.count, 3);
        assert_eq!(agg.series().len(), 2);
    }

    #[test]
    fn early_data_waits_for_its_interval() {
        let l = layout();
        let mut agg = Aggregator::new(&l);
        let mut w = Recorder::new(&l);
        w.record_page(7);
        agg.ingest(1, &w.take_snapshot());
        assert_eq!(agg.close_interval(clock(10)).summary.page.count, 0);
        assert_eq!(agg.open_interval().page.count, 1);
        assert_eq!(agg.live_totals().page.count, 1);
        assert_eq!(agg.close_interval(clock(20)).summary.page.count, 1);
    }

    #[test]
    fn empty_intervals_still_produce_summaries() {
        let mut agg = Aggregator::new(&layout());
        for i in 1..=3 {
            agg.close_interval(clock(i * 10));
        }
        assert_eq!(agg.series().len(), 3);
        assert!(agg.series().iter().all(|s| s.request.count == 0));
    }
}
