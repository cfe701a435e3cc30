//! The dashboard's picture of the run: what the run published, bounded in memory.

use crate::input::{LiveStatus, LogLine, RunPlan, RunState};
use crate::views::{
    LogView, LogsView, OutcomeView, PhaseView, SeriesPoint, StatusView, TotalsView,
};
use stampede_metrics::IntervalSummary;
use stampede_report::{RunOutcome, StatsFile};
use std::collections::VecDeque;
use std::sync::Arc;

/// Intervals kept for the graphs: a day of 10-second intervals. Older ones are dropped (the
/// totals keep counting them).
pub const MAX_POINTS: usize = 8_640;
/// Longest log line kept, in bytes; longer lines are cut.
pub const MAX_LOG_LINE: usize = 2_000;

/// Fixed facts about the dashboard, shown on its pages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Identity {
    pub title: String,
    pub run_dir: String,
    pub keep_alive: bool,
}

#[derive(Debug)]
pub(crate) struct LiveState {
    identity: Identity,
    plan: RunPlan,
    status: LiveStatus,
    has_status: bool,
    stop_requested: bool,
    /// Actual start of each phase (index in the plan), once seen.
    phase_started: Vec<Option<f64>>,
    points: VecDeque<SeriesPoint>,
    totals: TotalsView,
    logs: VecDeque<LogView>,
    log_capacity: usize,
    log_seq: u64,
    logs_dropped: u64,
    report: Option<Arc<StatsFile>>,
    report_version: u64,
}

fn cut(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

impl LiveState {
    pub(crate) fn new(identity: Identity, log_capacity: usize) -> Self {
        Self {
            identity,
            plan: RunPlan::default(),
            status: LiveStatus::default(),
            has_status: false,
            stop_requested: false,
            phase_started: Vec::new(),
            points: VecDeque::new(),
            totals: TotalsView::default(),
            logs: VecDeque::new(),
            log_capacity: log_capacity.max(1),
            log_seq: 0,
            logs_dropped: 0,
            report: None,
            report_version: 0,
        }
    }

    pub(crate) fn identity(&self) -> &Identity {
        &self.identity
    }

    pub(crate) fn set_plan(&mut self, plan: RunPlan) {
        self.phase_started.resize(plan.phases.len(), None);
        self.plan = plan;
    }

    /// Keeps the new gauges. A finished run stays finished, and a run stopped from the
    /// dashboard shows as stopping until it finishes, whatever the publisher still says.
    pub(crate) fn apply_status(&mut self, mut status: LiveStatus) {
        status.state = match (&self.status.state, status.state) {
            (RunState::Finished(old), new) if !matches!(new, RunState::Finished(_)) => {
                RunState::Finished(old.clone())
            }
            (_, RunState::Starting | RunState::Running) if self.stop_requested => {
                RunState::Stopping
            }
            (_, new) => new,
        };
        if let Some(i) = status.phase {
            if i >= self.phase_started.len() {
                self.phase_started.resize(i + 1, None);
            }
            // Phases before the current one that were never seen started no later than it.
            let now = status.phase_started.unwrap_or(status.elapsed).as_secs_f64();
            for started in &mut self.phase_started[..i] {
                started.get_or_insert(now);
            }
            match status.phase_started {
                Some(at) => self.phase_started[i] = Some(at.as_secs_f64()),
                None => {
                    self.phase_started[i].get_or_insert(now);
                }
            }
        }
        self.status = status;
        self.has_status = true;
    }

    pub(crate) fn apply_interval(&mut self, summary: &IntervalSummary) -> SeriesPoint {
        let point = SeriesPoint::of(summary);
        self.totals.add(&point);
        if !self.has_status {
            // Nobody publishes gauges: take them from the interval.
            self.status.users = u64::try_from(point.users).unwrap_or(0);
            self.status.max_users = u64::try_from(point.users_max).unwrap_or(0);
            self.status.connected = u64::try_from(point.connected).unwrap_or(0);
            let end = std::time::Duration::from_secs_f64(point.t.max(0.0));
            self.status.elapsed = self.status.elapsed.max(end);
        }
        if self.points.len() >= MAX_POINTS {
            self.points.pop_front();
        }
        self.points.push_back(point.clone());
        point
    }

    pub(crate) fn push_log(&mut self, line: LogLine) -> LogView {
        let view = LogView {
            seq: self.log_seq,
            at_unix_ms: line.at_unix_ms,
            level: line.level,
            text: cut(line.text, MAX_LOG_LINE),
        };
        self.log_seq += 1;
        if self.logs.len() >= self.log_capacity {
            self.logs.pop_front();
            self.logs_dropped += 1;
        }
        self.logs.push_back(view.clone());
        view
    }

    pub(crate) fn set_report(&mut self, stats: Arc<StatsFile>) -> u64 {
        self.report = Some(stats);
        self.report_version += 1;
        self.report_version
    }

    pub(crate) fn report(&self) -> Option<(u64, Arc<StatsFile>)> {
        self.report
            .as_ref()
            .map(|r| (self.report_version, Arc::clone(r)))
    }

    pub(crate) fn finish(&mut self, outcome: RunOutcome) {
        self.status.state = RunState::Finished(outcome);
    }

    /// Marks a stop asked for from the dashboard; returns the state before.
    pub(crate) fn request_stop(&mut self) -> RunState {
        let before = self.status.state.clone();
        self.stop_requested = true;
        if matches!(before, RunState::Starting | RunState::Running) {
            self.status.state = RunState::Stopping;
        }
        before
    }

    pub(crate) fn series(&self) -> Vec<SeriesPoint> {
        self.points.iter().cloned().collect()
    }

    pub(crate) fn logs(&self) -> LogsView {
        LogsView {
            lines: self.logs.iter().cloned().collect(),
            dropped: self.logs_dropped,
        }
    }

    pub(crate) fn status_view(&self) -> StatusView {
        let plan = &self.plan;
        let last = self.points.back().cloned();
        let outcome = match &self.status.state {
            RunState::Finished(o) => Some(OutcomeView {
                completed: o.completed,
                reason: o.reason,
                description: o.reason.describe(),
                detail: o.detail.clone(),
            }),
            _ => None,
        };
        StatusView {
            phase: self.status.phase.map_or(0, |i| i + 1),
            phase_total: plan.phases.len(),
            users: self.status.users,
            connected_users: self.status.connected,
            request_rate: last.as_ref().map_or(0.0, |p| p.rate),
            cpu_controller: last.as_ref().and_then(|p| p.cpu_controller),
            state: self.status.state.word(),
            outcome,
            title: self.identity.title.clone(),
            scenario: plan.scenario.clone(),
            scenario_path: plan.scenario_path.clone(),
            started_at: plan.started_at.clone(),
            run_dir: self.identity.run_dir.clone(),
            elapsed_s: self.status.elapsed.as_secs_f64(),
            planned_s: plan.planned.map(|d| d.as_secs_f64()),
            max_users: self.status.max_users.max(self.status.users),
            interval_s: (!plan.interval.is_zero()).then_some(plan.interval.as_secs_f64()),
            last_interval: last,
            totals: self.totals.clone(),
            phases: plan
                .phases
                .iter()
                .enumerate()
                .map(|(i, p)| PhaseView {
                    number: p.number,
                    planned_start_s: p.start_s,
                    duration_s: p.duration_s,
                    users_per_second: p.users_per_second,
                    started_s: self.phase_started.get(i).copied().flatten(),
                })
                .collect(),
            report_version: self.report_version,
            series_len: self.points.len(),
            log_seq: self.log_seq,
            keep_alive: self.identity.keep_alive,
            stop_requested: self.stop_requested,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LogLevel;
    use stampede_report::{PhaseInfo, StopReason};
    use std::time::Duration;

    fn state() -> LiveState {
        LiveState::new(
            Identity {
                title: "t".into(),
                run_dir: "/tmp/run".into(),
                keep_alive: false,
            },
            3,
        )
    }

    fn running(elapsed_s: u64, phase: Option<usize>) -> LiveStatus {
        LiveStatus {
            elapsed: Duration::from_secs(elapsed_s),
            phase,
            phase_started: None,
            users: 4,
            max_users: 6,
            connected: 2,
            state: RunState::Running,
        }
    }

    #[test]
    fn phases_record_when_they_started() {
        let mut s = state();
        s.set_plan(RunPlan {
            phases: vec![
                PhaseInfo {
                    number: 1,
                    start_s: 0.0,
                    duration_s: 10.0,
                    users_per_second: 1.0,
                },
                PhaseInfo {
                    number: 2,
                    start_s: 10.0,
                    duration_s: 10.0,
                    users_per_second: 2.0,
                },
            ],
            ..RunPlan::default()
        });
        s.apply_status(running(0, None));
        assert_eq!(s.status_view().phase, 0);
        s.apply_status(running(1, Some(0)));
        s.apply_status(running(11, Some(1)));
        s.apply_status(running(12, Some(1)));
        let v = s.status_view();
        assert_eq!((v.phase, v.phase_total), (2, 2));
        assert_eq!(v.phases[0].started_s, Some(1.0));
        assert_eq!(v.phases[1].started_s, Some(11.0));
        // A precise start given by the run wins.
        s.apply_status(LiveStatus {
            phase_started: Some(Duration::from_millis(10_250)),
            ..running(13, Some(1))
        });
        assert_eq!(s.status_view().phases[1].started_s, Some(10.25));
    }

    #[test]
    fn finished_and_stopping_are_sticky() {
        let mut s = state();
        s.apply_status(running(1, None));
        assert_eq!(s.request_stop(), RunState::Running);
        s.apply_status(running(2, None));
        assert_eq!(s.status_view().state, "stopping");
        s.finish(RunOutcome::new(StopReason::StopCommand, None));
        s.apply_status(running(3, None));
        let v = s.status_view();
        assert_eq!(v.state, "finished");
        assert_eq!(v.outcome.map(|o| o.reason), Some(StopReason::StopCommand));
        assert!(v.stop_requested);
    }

    #[test]
    fn logs_are_bounded_and_numbered() {
        let mut s = state();
        for i in 0..5 {
            s.push_log(LogLine::now(LogLevel::Info, format!("line {i}")));
        }
        let long = s.push_log(LogLine::now(LogLevel::Warn, "é".repeat(MAX_LOG_LINE)));
        assert!(long.text.len() <= MAX_LOG_LINE + '…'.len_utf8());
        let logs = s.logs();
        assert_eq!(logs.lines.len(), 3);
        assert_eq!(logs.dropped, 3);
        assert_eq!(logs.lines[0].seq, 3);
        assert_eq!(s.status_view().log_seq, 6);
    }

    #[test]
    fn gauges_come_from_intervals_when_no_status_is_published() {
        let mut s = state();
        let summary = IntervalSummary {
            end_ns: 10_000_000_000,
            users: 5,
            users_max: 9,
            connected: 3,
            ..IntervalSummary::default()
        };
        s.apply_interval(&summary);
        let v = s.status_view();
        assert_eq!((v.users, v.max_users, v.connected_users), (5, 9, 3));
        assert_eq!(v.elapsed_s, 10.0);
        assert_eq!(v.series_len, 1);
        s.apply_status(running(11, None));
        s.apply_interval(&summary);
        assert_eq!(s.status_view().users, 4);
    }

    #[test]
    fn the_controller_cpu_comes_from_the_last_interval() {
        use stampede_metrics::HostSample;
        let mut s = state();
        assert_eq!(s.status_view().cpu_controller, None);
        let host = |node: &str, cpu: f64| HostSample {
            node: node.into(),
            cpu: Some(cpu),
            freemem: None,
            load: None,
            recvpackets: None,
            sentpackets: None,
        };
        let summary = IntervalSummary {
            end_ns: 10_000_000_000,
            monitor: vec![host("os_mon@db", 90.0), host("tsung_controller@box", 42.5)],
            ..IntervalSummary::default()
        };
        s.apply_interval(&summary);
        assert_eq!(s.status_view().cpu_controller, Some(42.5));
        let json = serde_json::to_value(s.status_view()).unwrap();
        assert_eq!(json["cpu_controller"], 42.5);
        // An interval without samples (monitoring off in this process) has none.
        s.apply_interval(&IntervalSummary::default());
        assert_eq!(s.status_view().cpu_controller, None);
    }

    #[test]
    fn the_series_is_bounded() {
        let mut s = state();
        for i in 0..(MAX_POINTS as u64 + 5) {
            s.apply_interval(&IntervalSummary {
                index: i,
                ..IntervalSummary::default()
            });
        }
        let series = s.series();
        assert_eq!(series.len(), MAX_POINTS);
        assert_eq!(series[0].index, 5);
        assert_eq!(s.status_view().totals.intervals, MAX_POINTS as u64 + 5);
    }
}
