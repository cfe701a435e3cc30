//! Tsung's view of an interval: the numbers of one `tsung.log` block, with Tsung's exact
//! statistics definitions (reference: Tsung's `ts_stats_mon` / `ts_mon`).
//!
//! * Sample lines: `name count mean stddev max min global_mean global_count`, where `count`,
//!   `mean` and the population `stddev` are of the interval, `max`/`min` are running since the
//!   start of the test, and `global_mean`/`global_count` **lag one interval**: they cover every
//!   interval before this one (Tsung prints them before folding the interval in).
//! * A sample is omitted until its first data, then printed every interval (zeros when idle).
//! * `users current max`; `connected delta current`; counters, codes, sizes and errors as
//!   `delta cumulative`, each omitted until it first moves (except `users_count` and
//!   `finish_users_count`, which Tsung always prints).
//! * Where Tsung prints an Erlang integer rather than a float (an idle interval's mean and
//!   stddev, a global mean before any fold, the stddev of the very first `session`/`tr_*`
//!   sample when it is alone in its interval) the value is [`TsungNum::Int`]. Formatting is
//!   `stampede-report`'s job.
//!
//! The formatting is the report crate's; this module only computes.

use crate::host::{HostMetric, HostState};
use crate::layout::Layout;
use crate::status::{FIRST_CODE, LAST_CODE};
use crate::summary::{IntervalSummary, SampleSummary};
use stampede_model::{Counter, ErrorClass};

/// A number as Tsung's Erlang code holds it: an integer or a float (they print differently).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TsungNum {
    /// An Erlang integer.
    Int(i64),
    /// An Erlang float.
    Float(f64),
}

impl TsungNum {
    /// The value as a float.
    pub fn as_f64(self) -> f64 {
        match self {
            TsungNum::Int(i) => i as f64,
            TsungNum::Float(f) => f,
        }
    }
}

/// A sample line: `stats: name count mean stddev max min global_mean global_count`.
/// Durations in milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct TsungSample {
    /// `request`, `page`, `connect`, `session`, `tr_<name>`.
    pub name: String,
    /// Samples in the interval.
    pub count: u64,
    /// Mean of the interval (ms).
    pub mean: TsungNum,
    /// Population standard deviation of the interval (ms).
    pub stddev: TsungNum,
    /// Largest sample since the start of the test (ms).
    pub max: f64,
    /// Smallest sample since the start of the test (ms).
    pub min: f64,
    /// Mean of every interval before this one (ms).
    pub global_mean: TsungNum,
    /// Samples in every interval before this one.
    pub global_count: u64,
}

/// One line of a block.
#[derive(Clone, Debug, PartialEq)]
pub enum TsungLine {
    /// `stats: users <current> <max>`.
    Users {
        /// Live users.
        current: i64,
        /// Most live users since the start.
        max: i64,
    },
    /// A sample line.
    Sample(TsungSample),
    /// `stats: <name> <delta> <total>` (for `connected`: the change and the current level).
    Count {
        /// `connected`, `users_count`, `200`, `size_rcv`, `error_…`, `match`, …
        name: String,
        /// Change during the interval.
        delta: i64,
        /// Cumulative value (current level for `connected`).
        total: i64,
    },
    /// A monitored host's sample line: `stats: {<metric>,"<node>"} count mean stddev max min
    /// global_mean global_count` (`sample.name` is the metric's name).
    Host {
        /// Tsung's node name (`tsung_controller@HOST`, `os_mon@HOST`).
        node: String,
        /// The statistics; `name` is `cpu`, `freemem`, `load`, `recvpackets` or `sentpackets`.
        sample: TsungSample,
    },
}

/// One `# stats: dump at <dump_at>` block.
#[derive(Clone, Debug, PartialEq)]
pub struct TsungBlock {
    /// Unix seconds.
    pub dump_at: i64,
    /// Lines in Tsung's order: users, session, users_count, finish_users_count, request,
    /// connect, page, tr_*, host samples, then connected, codes, sizes, counters, errors.
    pub lines: Vec<TsungLine>,
}

#[derive(Clone, Debug)]
struct SampleState {
    name: String,
    /// `session` and `tr_*` live in a dictionary in Tsung; their first sample keeps an integer
    /// zero variance.
    dict_style: bool,
    count: u64,
    sum: u128,
    min: u64,
    max: u64,
}

impl SampleState {
    fn new(name: String, dict_style: bool) -> Self {
        Self {
            name,
            dict_style,
            count: 0,
            sum: 0,
            min: u64::MAX,
            max: 0,
        }
    }

    fn line(&mut self, s: &SampleSummary) -> Option<TsungSample> {
        if self.count == 0 && s.count == 0 {
            return None;
        }
        let ms = |ns: f64| ns / 1e6;
        let (mean, stddev) = match (s.mean_ns(), s.stddev_ns()) {
            (Some(mean), Some(sd)) => {
                let sd = if self.dict_style && self.count == 0 && s.count == 1 {
                    TsungNum::Int(0)
                } else {
                    TsungNum::Float(ms(sd))
                };
                (TsungNum::Float(ms(mean)), sd)
            }
            _ => (TsungNum::Int(0), TsungNum::Int(0)),
        };
        let global_mean = if self.count == 0 {
            TsungNum::Int(0)
        } else {
            TsungNum::Float(ms(self.sum as f64 / self.count as f64))
        };
        let global_count = self.count;
        if s.count > 0 {
            self.min = self.min.min(s.min);
            self.max = self.max.max(s.max);
        }
        self.count += s.count;
        self.sum += s.sum;
        Some(TsungSample {
            name: self.name.clone(),
            count: s.count,
            mean,
            stddev,
            max: ms(self.max as f64),
            min: ms(self.min as f64),
            global_mean,
            global_count,
        })
    }
}

/// Turns a run's interval summaries, in order, into `tsung.log` blocks.
#[derive(Clone, Debug)]
pub struct TsungView {
    request: SampleState,
    page: SampleState,
    connect: SampleState,
    session: SampleState,
    transactions: Vec<SampleState>,
    codes: Vec<u64>,
    errors: Vec<u64>,
    counters: Vec<u64>,
    bytes_received: u64,
    bytes_sent: u64,
    connections_seen: bool,
    /// One state per (host, metric) seen, in order of first appearance.
    hosts: Vec<HostState>,
}

impl TsungView {
    /// A view for a run with this layout (for the `tr_*` names).
    pub fn new(layout: &Layout) -> Self {
        Self {
            request: SampleState::new("request".into(), false),
            page: SampleState::new("page".into(), false),
            connect: SampleState::new("connect".into(), false),
            session: SampleState::new("session".into(), true),
            transactions: layout
                .transactions
                .iter()
                .map(|t| SampleState::new(format!("tr_{t}"), true))
                .collect(),
            codes: vec![0; usize::from(LAST_CODE - FIRST_CODE) + 1],
            errors: vec![0; ErrorClass::COUNT],
            counters: vec![0; Counter::COUNT],
            bytes_received: 0,
            bytes_sent: 0,
            connections_seen: false,
            hosts: Vec::new(),
        }
    }

    /// The block of the next interval. Summaries must be given in order, each exactly once.
    pub fn block(&mut self, s: &IntervalSummary) -> TsungBlock {
        let mut lines = Vec::new();
        lines.push(TsungLine::Users {
            current: s.users,
            max: s.users_max,
        });
        lines.extend(self.session.line(&s.session).map(TsungLine::Sample));
        for c in [Counter::UsersCount, Counter::FinishUsersCount] {
            let delta = s.counters.get(c.index()).copied().unwrap_or(0);
            self.counters[c.index()] += delta;
            lines.push(count_line(c.tsung_name(), delta, self.counters[c.index()]));
        }
        for (state, summary) in [
            (&mut self.request, &s.request),
            (&mut self.connect, &s.connect),
            (&mut self.page, &s.page),
        ] {
            lines.extend(state.line(summary).map(TsungLine::Sample));
        }
        let empty = SampleSummary::default();
        for (i, state) in self.transactions.iter_mut().enumerate() {
            let summary = s.transactions.get(i).unwrap_or(&empty);
            lines.extend(state.line(summary).map(TsungLine::Sample));
        }
        self.host_lines(s, &mut lines);

        if self.connections_seen || s.connections_opened + s.connections_closed > 0 {
            self.connections_seen = true;
            lines.push(TsungLine::Count {
                name: "connected".into(),
                delta: s.connections_opened as i64 - s.connections_closed as i64,
                total: s.connected,
            });
        }
        for (code, n) in s.status.iter() {
            if let Some(slot) = code
                .checked_sub(FIRST_CODE)
                .and_then(|i| self.codes.get_mut(usize::from(i)))
            {
                *slot += n;
            }
        }
        for (i, total) in self.codes.iter().enumerate() {
            if *total > 0 {
                let code = FIRST_CODE + i as u16;
                lines.push(count_line(&code.to_string(), s.status.get(code), *total));
            }
        }
        self.bytes_received += s.bytes_received;
        self.bytes_sent += s.bytes_sent;
        if self.bytes_received > 0 {
            lines.push(count_line(
                "size_rcv",
                s.bytes_received,
                self.bytes_received,
            ));
        }
        if self.bytes_sent > 0 {
            lines.push(count_line("size_sent", s.bytes_sent, self.bytes_sent));
        }
        for c in Counter::ALL {
            if matches!(c, Counter::UsersCount | Counter::FinishUsersCount) {
                continue;
            }
            let delta = s.counters.get(c.index()).copied().unwrap_or(0);
            self.counters[c.index()] += delta;
            if self.counters[c.index()] > 0 {
                lines.push(count_line(c.tsung_name(), delta, self.counters[c.index()]));
            }
        }
        for e in ErrorClass::ALL {
            let delta = s.errors.get(e.index()).copied().unwrap_or(0);
            self.errors[e.index()] += delta;
            if self.errors[e.index()] > 0 {
                lines.push(count_line(e.tsung_name(), delta, self.errors[e.index()]));
            }
        }
        TsungBlock {
            dump_at: s.dump_at,
            lines,
        }
    }
}

impl TsungView {
    /// The host sample lines: every (host, metric) seen so far, zeros when it has no value in
    /// this interval.
    fn host_lines(&mut self, s: &IntervalSummary, lines: &mut Vec<TsungLine>) {
        for h in &s.monitor {
            for metric in HostMetric::ALL {
                if h.get(metric).is_some()
                    && !self
                        .hosts
                        .iter()
                        .any(|st| st.metric == metric && st.node == h.node)
                {
                    self.hosts.push(HostState::new(metric, h.node.clone()));
                }
            }
        }
        for state in &mut self.hosts {
            let value = s
                .monitor
                .iter()
                .find(|h| h.node == state.node)
                .and_then(|h| h.get(state.metric));
            if let Some(sample) = state.line(value) {
                lines.push(TsungLine::Host {
                    node: state.node.clone(),
                    sample,
                });
            }
        }
    }
}

fn count_line(name: &str, delta: u64, total: u64) -> TsungLine {
    TsungLine::Count {
        name: name.to_owned(),
        delta: delta as i64,
        total: total as i64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(request: &[(u64, u128, u128, u64, u64)]) -> IntervalSummary {
        let mut s = IntervalSummary::default();
        if let Some(&(count, sum, sum_sq, min, max)) = request.first() {
            s.request = SampleSummary {
                count,
                sum,
                sum_sq,
                min,
                max,
                ..SampleSummary::default()
            };
        }
        s.counters = vec![0; Counter::COUNT];
        s.errors = vec![0; ErrorClass::COUNT];
        s
    }

    fn request_line(b: &TsungBlock) -> Option<&TsungSample> {
        b.lines.iter().find_map(|l| match l {
            TsungLine::Sample(s) if s.name == "request" => Some(s),
            _ => None,
        })
    }

    #[test]
    fn global_columns_lag_one_interval_and_extremes_run() {
        let mut v = TsungView::new(&Layout::default());
        // Nothing yet: the request line is omitted.
        assert!(request_line(&v.block(&summary(&[]))).is_none());
        // 2 ms and 4 ms.
        let b = v.block(&summary(&[(
            2,
            6_000_000,
            20_000_000_000_000,
            2_000_000,
            4_000_000,
        )]));
        let r = request_line(&b).unwrap();
        assert_eq!(r.count, 2);
        assert_eq!(r.mean, TsungNum::Float(3.0));
        assert_eq!(r.stddev, TsungNum::Float(1.0));
        assert_eq!((r.max, r.min), (4.0, 2.0));
        assert_eq!((r.global_mean, r.global_count), (TsungNum::Int(0), 0));
        // Idle interval: zeros, running extremes, globals include the previous interval only.
        let b = v.block(&summary(&[]));
        let r = request_line(&b).unwrap();
        assert_eq!(
            (r.count, r.mean, r.stddev),
            (0, TsungNum::Int(0), TsungNum::Int(0))
        );
        assert_eq!((r.max, r.min), (4.0, 2.0));
        assert_eq!((r.global_mean, r.global_count), (TsungNum::Float(3.0), 2));
        // One 10 ms sample: a new max; the globals still exclude it.
        let b = v.block(&summary(&[(
            1,
            10_000_000,
            100_000_000_000_000,
            10_000_000,
            10_000_000,
        )]));
        let r = request_line(&b).unwrap();
        assert_eq!(r.stddev, TsungNum::Float(0.0));
        assert_eq!((r.max, r.min), (10.0, 2.0));
        assert_eq!((r.global_mean, r.global_count), (TsungNum::Float(3.0), 2));
        let b = v.block(&summary(&[]));
        let r = request_line(&b).unwrap();
        assert_eq!(r.global_count, 3);
        assert_eq!(r.global_mean, TsungNum::Float(16.0 / 3.0));
    }

    #[test]
    fn first_lonely_dictionary_sample_has_integer_stddev() {
        let layout = Layout {
            transactions: vec!["t".into()],
            ..Layout::default()
        };
        let mut v = TsungView::new(&layout);
        let mut s = summary(&[]);
        s.transactions = vec![SampleSummary {
            count: 1,
            sum: 5_000_000,
            sum_sq: 25_000_000_000_000,
            min: 5_000_000,
            max: 5_000_000,
            ..SampleSummary::default()
        }];
        let find = |b: &TsungBlock| {
            b.lines
                .iter()
                .find_map(|l| match l {
                    TsungLine::Sample(s) if s.name == "tr_t" => Some(s.stddev),
                    _ => None,
                })
                .unwrap()
        };
        assert_eq!(find(&v.block(&s)), TsungNum::Int(0));
        assert_eq!(find(&v.block(&s)), TsungNum::Float(0.0));
    }

    #[test]
    fn counters_appear_when_they_first_move_then_stay() {
        let mut v = TsungView::new(&Layout::default());
        let names = |b: &TsungBlock| -> Vec<String> {
            b.lines
                .iter()
                .filter_map(|l| match l {
                    TsungLine::Count { name, delta, total } => {
                        Some(format!("{name} {delta} {total}"))
                    }
                    _ => None,
                })
                .collect()
        };
        let quiet = summary(&[]);
        assert_eq!(
            names(&v.block(&quiet)),
            ["users_count 0 0", "finish_users_count 0 0"]
        );
        let mut busy = summary(&[]);
        busy.status.add_n(200, 3);
        busy.errors[ErrorClass::Timeout.index()] = 1;
        busy.connections_opened = 2;
        busy.connected = 2;
        busy.bytes_received = 10;
        busy.counters[Counter::Match.index()] = 4;
        assert_eq!(
            names(&v.block(&busy)),
            [
                "users_count 0 0",
                "finish_users_count 0 0",
                "connected 2 2",
                "200 3 3",
                "size_rcv 10 10",
                "match 4 4",
                "error_timeout 1 1"
            ]
        );
        let mut closing = summary(&[]);
        closing.connections_closed = 2;
        assert_eq!(
            names(&v.block(&closing)),
            [
                "users_count 0 0",
                "finish_users_count 0 0",
                "connected -2 0",
                "200 0 3",
                "size_rcv 0 10",
                "match 0 4",
                "error_timeout 0 1"
            ]
        );
    }
}
