//! Merging the agents' intervals into the run's intervals.
//!
//! Every agent closes its intervals on the same boundaries (`k × interval` after the common
//! start) and sends each one's full [`Snapshot`]. Snapshots merge exactly, so interval `k`
//! of the run is the sum of every agent's interval `k`. It is closed once every agent that is
//! still running has delivered it; an agent that finished or was lost is not waited for. An
//! agent's last interval is shorter and lands in the interval its end falls in.
//!
//! Live users and connections are levels; the run's maxima are the higher of the merged
//! levels at interval ends (exact) and the sums of the agents' levels at every status
//! (sampled every flush, as the single-process engine does).

use crate::protocol::unix_ns;
use stampede_engine::{LogLevel, Monitoring, RunObserver};
use stampede_metrics::{
    Aggregator, ClosedInterval, IntervalClock, IntervalSummary, Layout, Snapshot,
};
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

#[derive(Debug, Default)]
struct AgentIntervals {
    /// The highest run interval delivered.
    delivered: Option<u64>,
    /// Finished or lost: not waited for any more.
    done: bool,
    /// Net users and connections in the delivered snapshots.
    users: i64,
    connected: i64,
    intervals: u64,
}

#[derive(Debug)]
pub(crate) struct IntervalMerger {
    interval_ns: u64,
    start_wall: SystemTime,
    aggregator: Aggregator,
    /// Delivered data of intervals not closed yet.
    pending: BTreeMap<u64, Snapshot>,
    empty: Snapshot,
    agents: Vec<AgentIntervals>,
    series: Vec<IntervalSummary>,
    users_max: i64,
    connected_max: i64,
    /// The controller host's OS metrics and the munin nodes, read at each close.
    monitoring: Option<Monitoring>,
}

impl IntervalMerger {
    pub fn new(layout: &Layout, agents: usize, interval: Duration, start_wall: SystemTime) -> Self {
        Self {
            interval_ns: u64::try_from(interval.as_nanos())
                .unwrap_or(u64::MAX)
                .max(1),
            start_wall,
            aggregator: Aggregator::new(layout),
            pending: BTreeMap::new(),
            empty: Snapshot::new(layout),
            agents: (0..agents).map(|_| AgentIntervals::default()).collect(),
            series: Vec::new(),
            users_max: 0,
            connected_max: 0,
            monitoring: None,
        }
    }

    /// Samples `monitoring` into every interval closed from now on.
    pub fn with_monitoring(mut self, monitoring: Monitoring) -> Self {
        self.monitoring = Some(monitoring);
        self
    }

    /// The run interval an agent interval ending at `end_ns` (agent clock) belongs to.
    fn index_of(&self, end_ns: u64) -> u64 {
        end_ns.saturating_sub(1) / self.interval_ns
    }

    /// An agent's closed interval.
    pub fn deliver(&mut self, agent: usize, end_ns: u64, snapshot: &Snapshot) {
        let open = self.aggregator.interval_index();
        // Data for an interval already closed (an agent far behind) goes to the open one.
        let index = self.index_of(end_ns).max(open);
        let Some(a) = self.agents.get_mut(agent) else {
            return;
        };
        a.delivered = Some(a.delivered.map_or(index, |d| d.max(index)));
        a.users += snapshot.users.net();
        a.connected += snapshot.connections.net();
        a.intervals += 1;
        match self.pending.get_mut(&index) {
            Some(s) => s.merge(snapshot),
            None => {
                self.pending.insert(index, snapshot.clone());
            }
        }
    }

    /// The agent finished: nothing more comes from it.
    pub fn finished(&mut self, agent: usize) {
        if let Some(a) = self.agents.get_mut(agent) {
            a.done = true;
        }
    }

    /// The agent was lost: its process and every connection it held are gone, so its users
    /// and connections leave the levels (the counters keep what it delivered). Returns the
    /// first run interval whose data from it is missing.
    pub fn lost(&mut self, agent: usize) -> u64 {
        let open = self.aggregator.interval_index();
        let Some(a) = self.agents.get_mut(agent) else {
            return open;
        };
        a.done = true;
        let missing = a.delivered.map_or(0, |d| d + 1).max(open);
        let mut gone = self.empty.empty_like();
        gone.users.down = u64::try_from(a.users).unwrap_or(0);
        gone.connections.down = u64::try_from(a.connected).unwrap_or(0);
        a.users = 0;
        a.connected = 0;
        match self.pending.get_mut(&missing) {
            Some(s) => s.merge(&gone),
            None => {
                self.pending.insert(missing, gone);
            }
        }
        missing
    }

    /// The highest run interval an agent delivered, and how many it delivered.
    pub fn delivered(&self, agent: usize) -> (Option<u64>, u64) {
        self.agents
            .get(agent)
            .map_or((None, 0), |a| (a.delivered, a.intervals))
    }

    /// The sums of the agents' live levels at a status.
    pub fn note_levels(&mut self, users: i64, connected: i64) {
        self.users_max = self.users_max.max(users);
        self.connected_max = self.connected_max.max(connected);
    }

    /// Closes every interval that every running agent has delivered.
    pub fn close_ready(&mut self, observer: &mut dyn RunObserver) {
        loop {
            let k = self.aggregator.interval_index();
            let mut running = self.agents.iter().filter(|a| !a.done).peekable();
            if running.peek().is_none() {
                return;
            }
            if !running.all(|a| a.delivered.is_some_and(|d| d >= k)) {
                return;
            }
            let end = k.saturating_add(1).saturating_mul(self.interval_ns);
            self.close(end, observer);
        }
    }

    /// Every agent is done: closes the remaining intervals, the last one at `end_ns`.
    pub fn finish(&mut self, end_ns: u64, observer: &mut dyn RunObserver) {
        let last = self
            .pending
            .keys()
            .next_back()
            .copied()
            .unwrap_or(0)
            .max(self.index_of(end_ns))
            .max(self.aggregator.interval_index());
        while self.aggregator.interval_index() < last {
            let k = self.aggregator.interval_index();
            self.close(
                k.saturating_add(1).saturating_mul(self.interval_ns),
                observer,
            );
        }
        self.close(end_ns, observer);
    }

    fn close(&mut self, end_ns: u64, observer: &mut dyn RunObserver) {
        let k = self.aggregator.interval_index();
        if let Some(s) = self.pending.remove(&k) {
            self.aggregator.ingest(k, &s);
        }
        let wall = self.start_wall + Duration::from_nanos(end_ns);
        let dump_at = i64::try_from(unix_ns(wall) / 1_000_000_000).unwrap_or(i64::MAX);
        if let Some(monitoring) = &mut self.monitoring {
            let (samples, problems) = monitoring.sample();
            for p in &problems {
                observer.log(LogLevel::Warning, p);
            }
            self.aggregator.set_monitor(samples);
        }
        let closed = self
            .aggregator
            .close_interval(IntervalClock { end_ns, dump_at });
        let mut summary = closed.summary.clone();
        self.users_max = self.users_max.max(summary.users_max);
        self.connected_max = self.connected_max.max(summary.connected_max);
        summary.users_max = self.users_max;
        summary.connected_max = self.connected_max;
        observer.interval_closed(&ClosedInterval {
            summary: &summary,
            snapshot: closed.snapshot,
            cumulative: closed.cumulative,
        });
        self.series.push(summary);
    }

    /// What the open interval has received (whole agent intervals only).
    pub fn open_interval(&self) -> &Snapshot {
        self.pending
            .get(&self.aggregator.interval_index())
            .unwrap_or(&self.empty)
    }

    pub fn cumulative(&self) -> &Snapshot {
        self.aggregator.cumulative()
    }

    pub fn series(&self) -> &[IntervalSummary] {
        &self.series
    }

    pub fn maxima(&self) -> (i64, i64) {
        (self.users_max, self.connected_max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stampede_metrics::{Recorder, RequestLabel};
    use stampede_model::{RequestId, SessionId};

    fn layout() -> Layout {
        Layout {
            transactions: vec![],
            requests: vec![RequestLabel::default()],
            sessions: vec!["s".into()],
        }
    }

    #[derive(Default)]
    struct Seen(Vec<IntervalSummary>);
    impl RunObserver for Seen {
        fn interval_closed(&mut self, closed: &ClosedInterval<'_>) {
            self.0.push(closed.summary.clone());
        }
    }

    fn snap(requests: u64, users_up: u64, users_down: u64) -> Snapshot {
        let mut r = Recorder::new(&layout());
        for _ in 0..requests {
            r.record_request(RequestId(0), 1_000_000);
        }
        for _ in 0..users_up {
            r.user_started(SessionId(0));
        }
        let mut s = r.take_snapshot();
        s.users.down = users_down;
        s
    }

    const S: u64 = 1_000_000_000;

    #[test]
    fn intervals_close_when_every_running_agent_delivered() {
        let mut m =
            IntervalMerger::new(&layout(), 2, Duration::from_secs(1), SystemTime::UNIX_EPOCH);
        let mut seen = Seen::default();
        m.deliver(0, S, &snap(3, 2, 0));
        m.deliver(0, 2 * S, &snap(4, 0, 0));
        m.close_ready(&mut seen);
        assert!(seen.0.is_empty(), "agent 1 has not delivered interval 0");
        m.deliver(1, S, &snap(5, 1, 0));
        m.close_ready(&mut seen);
        assert_eq!(seen.0.len(), 1);
        assert_eq!(seen.0[0].request.count, 8);
        assert_eq!(seen.0[0].users, 3);
        // Agent 1 finishes with a short interval in interval 1 (ends at 1.5 s).
        m.deliver(1, S + S / 2, &snap(1, 0, 1));
        m.finished(1);
        m.close_ready(&mut seen);
        assert_eq!(seen.0.len(), 2);
        assert_eq!(seen.0[1].request.count, 5);
        assert_eq!(seen.0[1].users, 2);
        // Agent 0 is lost during interval 2: its two users leave the level.
        assert_eq!(m.lost(0), 2);
        m.finish(2 * S + S / 4, &mut seen);
        assert_eq!(seen.0.len(), 3);
        assert_eq!(seen.0[2].end_ns, 2 * S + S / 4);
        assert_eq!(seen.0[2].users, 0);
        assert_eq!(m.cumulative().request.count, 13);
        assert_eq!(m.maxima().0, 3);
    }

    #[test]
    fn an_agent_far_behind_lands_in_the_open_interval() {
        let mut m =
            IntervalMerger::new(&layout(), 1, Duration::from_secs(1), SystemTime::UNIX_EPOCH);
        let mut seen = Seen::default();
        m.deliver(0, S, &snap(1, 0, 0));
        m.close_ready(&mut seen);
        m.deliver(0, S, &snap(2, 0, 0));
        assert_eq!(m.open_interval().request.count, 2);
        m.finish(S + 1, &mut seen);
        assert_eq!(m.cumulative().request.count, 3);
    }
}
