//! The messages between the controller and its agents, version [`PROTOCOL_VERSION`].
//!
//! The protocol knows nothing about pipes or processes: it is a sequence of
//! [`frame`](crate::frame)s in each direction over any byte stream, so an agent on another
//! machine can later speak it over TCP unchanged.
//!
//! ```text
//! controller                                   agent
//!   Hello{protocol} ─────────────────────────►
//!                   ◄───────────────────────── Hello{protocol, pid}   (or Refused)
//!   Setup{scenario, run config, (i, P)} ─────►
//!                   ◄───────────────────────── Ready{layout}          (or Refused)
//!   Start{at: wall clock} ───────────────────►        (every agent waits for the same instant)
//!                   ◄───────────────────────── Started, then while running:
//!                                              Status (every flush), Interval (every interval),
//!                                              PhaseStarted/PhaseEnded, Match, Log
//!   Stop / Abort ────────────────────────────►        (at any time)
//!                   ◄───────────────────────── Finished{summary} (or Failed), then end of stream
//! ```
//!
//! `Hello` has the same shape in every version, so two builds that do not match can always
//! tell each other so. Every other message may change with the version.

use serde::{Deserialize, Serialize};
use stampede_engine::{LogLevel, MatchLine, PhaseEnd, PhaseStart, RunEnd, StopKind};
use stampede_metrics::{Layout, Snapshot};
use stampede_model::{Counter, RequestId, SessionId, SourceLocation, TransactionId};
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The version of the message set below. Both sides refuse to talk to another version.
pub const PROTOCOL_VERSION: u32 = 2;

/// Controller → agent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToAgent {
    /// First message: who is talking.
    Hello {
        protocol: u32,
        /// The controller's software version, for messages.
        software: String,
    },
    /// What to run.
    Setup(Box<AgentSetup>),
    /// Start the run at this wall-clock instant (ns since the Unix epoch).
    Start { at_unix_ns: u64 },
    /// Graceful stop.
    Stop { by: String },
    /// Immediate stop.
    Abort { by: String },
}

/// Agent → controller.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromAgent {
    /// First message: who is talking.
    Hello {
        protocol: u32,
        software: String,
        /// The agent's process id.
        pid: u32,
    },
    /// The agent will not take part (version mismatch, scenario not loadable, bad setup).
    Refused { reason: String },
    /// The scenario is loaded and checked; the agent waits for `Start`.
    Ready(Box<AgentReady>),
    /// The engine failed (before or during the run); the agent ends.
    Failed { error: String },
    /// The engine started: time 0 of this agent.
    Started {
        started_at_unix_ns: u64,
        seed: u64,
        workers: usize,
    },
    /// An arrival phase began on this agent.
    PhaseStarted(WirePhaseStart),
    /// An arrival phase ended on this agent.
    PhaseEnded(WirePhaseEnd),
    /// A closed statistics interval: everything this agent measured in it.
    Interval {
        index: u64,
        /// End of the interval in ns since the agent's time 0.
        end_ns: u64,
        snapshot: Box<Snapshot>,
    },
    /// Live figures, after every flush.
    Status(WireStatus),
    /// A `match.log` line.
    Match(Box<WireMatchLine>),
    /// Whole `tsung.dump` lines (`dumptraffic="protocol"`), newlines included.
    TrafficDump { lines: String },
    /// A message for the run log.
    Log {
        level: WireLogLevel,
        text: String,
        /// Logged before the engine started (plan warnings, the same on every agent).
        before_start: bool,
    },
    /// The run ended on this agent; nothing follows.
    Finished(Box<AgentFinished>),
}

/// Where the agent gets the scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScenarioSource {
    /// A file the agent can read (local agents).
    Path { path: PathBuf },
    /// The file's bytes (a scenario read from standard input, or a remote agent). Relative
    /// file names inside it are taken from `base_dir` on the agent's machine.
    Bytes {
        name: PathBuf,
        base_dir: PathBuf,
        #[serde(with = "base64_bytes")]
        bytes: Vec<u8>,
    },
}

/// Everything an agent needs to run its share.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentSetup {
    pub scenario: ScenarioSource,
    /// Tsung's `-x`: request tags to drop.
    pub exclude_tags: Vec<String>,
    pub run: WireRunConfig,
}

/// [`stampede_engine::RunConfig`] on the wire.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WireRunConfig {
    pub workers: usize,
    /// Always set: the controller settles the seed so that every agent uses the same one.
    pub seed: u64,
    pub interval_ns: u64,
    pub flush_ns: u64,
    /// `--target host:port`.
    pub target: Option<(String, u16)>,
    pub tls_insecure: bool,
    pub stop_grace_ns: u64,
    /// `(index, count)` of this agent among the generator processes.
    pub process: (usize, usize),
    pub scenario_dir: PathBuf,
    pub local_clients: bool,
}

/// The agent's answer to `Setup`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentReady {
    /// The layout of the scenario as the agent loaded it (must equal the controller's).
    pub layout: Layout,
    pub workers: usize,
    /// The agent's open-file limit.
    pub open_file_limit: Option<u64>,
}

/// Live figures of one agent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WireStatus {
    pub elapsed_ns: u64,
    pub users: i64,
    pub connected: i64,
    pub users_launched: u64,
    pub requests: u64,
    pub errors: u64,
    /// A stop in progress on the agent, and where it came from.
    pub stopping: Option<WireStopKind>,
    pub stop_cause: Option<StopCause>,
    /// Resident memory of the agent process.
    pub rss_bytes: Option<u64>,
}

/// [`StopKind`] on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WireStopKind {
    Graceful,
    Abort,
}

/// Why an agent is stopping.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopCause {
    /// The controller asked for it.
    Controller,
    /// `<load duration>` was reached.
    LoadDuration,
    /// A user stopped the test (`abort_test`): the whole run must stop.
    Scenario,
}

/// [`PhaseStart`] on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WirePhaseStart {
    pub index: u32,
    pub number: u32,
    pub at_ns: u64,
    pub users: u64,
    pub duration_ns: u64,
    pub counts_newphase: bool,
}

/// [`PhaseEnd`] on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WirePhaseEnd {
    pub index: u32,
    pub at_ns: u64,
    pub planned: u64,
    pub launched: u64,
    pub unlaunched: u64,
}

/// [`MatchLine`] on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireMatchLine {
    pub timestamp_unix_ns: u64,
    pub user_id: u64,
    pub session: u32,
    pub action: u32,
    pub request: u32,
    /// Index into [`Counter::ALL`].
    pub event: u32,
    pub transaction: Option<u32>,
    pub name: String,
    /// `(file, line, column)`.
    pub location: (u16, u32, u32),
    #[serde(default, with = "base64_opt")]
    pub dump: Option<Vec<u8>>,
}

/// [`LogLevel`] on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WireLogLevel {
    Error,
    Warning,
    Notice,
    Info,
    Debug,
}

/// What an agent reports at the end of its run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentFinished {
    pub end: WireRunEnd,
    pub duration_ns: u64,
    pub users_launched: u64,
    pub users_max: i64,
    pub connected_max: i64,
    pub resent_requests: u64,
    /// Everything the agent measured (the sum of its intervals).
    pub totals: Box<Snapshot>,
    /// Peak resident memory of the agent process.
    pub peak_rss_bytes: Option<u64>,
}

/// [`RunEnd`] on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "end", rename_all = "snake_case")]
pub enum WireRunEnd {
    Completed,
    DurationReached,
    StoppedByScenario { user_id: u64 },
    Stopped { by: String },
    Aborted { by: String },
}

// ---- conversions ---------------------------------------------------------------------------

/// Nanoseconds of a duration, saturating.
pub(crate) fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Nanoseconds since the Unix epoch (0 before it).
pub(crate) fn unix_ns(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, nanos)
}

/// The wall-clock time of nanoseconds since the Unix epoch.
pub(crate) fn from_unix_ns(ns: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_nanos(ns)
}

impl From<StopKind> for WireStopKind {
    fn from(k: StopKind) -> Self {
        match k {
            StopKind::Graceful => WireStopKind::Graceful,
            StopKind::Abort => WireStopKind::Abort,
        }
    }
}

impl From<WireStopKind> for StopKind {
    fn from(k: WireStopKind) -> Self {
        match k {
            WireStopKind::Graceful => StopKind::Graceful,
            WireStopKind::Abort => StopKind::Abort,
        }
    }
}

impl From<LogLevel> for WireLogLevel {
    fn from(l: LogLevel) -> Self {
        match l {
            LogLevel::Error => WireLogLevel::Error,
            LogLevel::Warning => WireLogLevel::Warning,
            LogLevel::Notice => WireLogLevel::Notice,
            LogLevel::Info => WireLogLevel::Info,
            LogLevel::Debug => WireLogLevel::Debug,
        }
    }
}

impl From<WireLogLevel> for LogLevel {
    fn from(l: WireLogLevel) -> Self {
        match l {
            WireLogLevel::Error => LogLevel::Error,
            WireLogLevel::Warning => LogLevel::Warning,
            WireLogLevel::Notice => LogLevel::Notice,
            WireLogLevel::Info => LogLevel::Info,
            WireLogLevel::Debug => LogLevel::Debug,
        }
    }
}

impl From<&RunEnd> for WireRunEnd {
    fn from(e: &RunEnd) -> Self {
        match e {
            RunEnd::Completed => WireRunEnd::Completed,
            RunEnd::DurationReached => WireRunEnd::DurationReached,
            RunEnd::StoppedByScenario { user_id } => {
                WireRunEnd::StoppedByScenario { user_id: *user_id }
            }
            RunEnd::Stopped { by } => WireRunEnd::Stopped { by: by.clone() },
            RunEnd::Aborted { by } => WireRunEnd::Aborted { by: by.clone() },
        }
    }
}

impl From<WireRunEnd> for RunEnd {
    fn from(e: WireRunEnd) -> Self {
        match e {
            WireRunEnd::Completed => RunEnd::Completed,
            WireRunEnd::DurationReached => RunEnd::DurationReached,
            WireRunEnd::StoppedByScenario { user_id } => RunEnd::StoppedByScenario { user_id },
            WireRunEnd::Stopped { by } => RunEnd::Stopped { by },
            WireRunEnd::Aborted { by } => RunEnd::Aborted { by },
        }
    }
}

impl From<&PhaseStart> for WirePhaseStart {
    fn from(p: &PhaseStart) -> Self {
        Self {
            index: p.index,
            number: p.number,
            at_ns: nanos(p.at),
            users: p.users,
            duration_ns: nanos(p.duration),
            counts_newphase: p.counts_newphase,
        }
    }
}

impl From<&WirePhaseStart> for PhaseStart {
    fn from(p: &WirePhaseStart) -> Self {
        Self {
            index: p.index,
            number: p.number,
            at: Duration::from_nanos(p.at_ns),
            users: p.users,
            duration: Duration::from_nanos(p.duration_ns),
            counts_newphase: p.counts_newphase,
        }
    }
}

impl From<&PhaseEnd> for WirePhaseEnd {
    fn from(p: &PhaseEnd) -> Self {
        Self {
            index: p.index,
            at_ns: nanos(p.at),
            planned: p.planned,
            launched: p.launched,
            unlaunched: p.unlaunched,
        }
    }
}

impl From<&MatchLine> for WireMatchLine {
    fn from(m: &MatchLine) -> Self {
        Self {
            timestamp_unix_ns: unix_ns(m.timestamp),
            user_id: m.user_id,
            session: m.session.0,
            action: m.action,
            request: m.request.0,
            event: m.event.index() as u32,
            transaction: m.transaction.map(|t| t.0),
            name: m.name.clone(),
            location: (m.location.file, m.location.line, m.location.column),
            dump: m.dump.clone(),
        }
    }
}

impl WireMatchLine {
    /// The engine's form; `None` when the event is not a known counter.
    pub fn to_match_line(&self) -> Option<MatchLine> {
        let event = *Counter::ALL.get(self.event as usize)?;
        Some(MatchLine {
            timestamp: from_unix_ns(self.timestamp_unix_ns),
            user_id: self.user_id,
            session: SessionId(self.session),
            action: self.action,
            request: RequestId(self.request),
            event,
            transaction: self.transaction.map(TransactionId),
            name: self.name.clone(),
            location: SourceLocation {
                file: self.location.0,
                line: self.location.1,
                column: self.location.2,
            },
            dump: self.dump.clone(),
        })
    }
}

mod base64_bytes {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

mod base64_opt {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        bytes: &Option<Vec<u8>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(b) => s.serialize_some(&STANDARD.encode(b)),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Vec<u8>>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(text) => STANDARD
                .decode(text)
                .map(Some)
                .map_err(serde::de::Error::custom),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{read_message, write_message};

    fn round_trip<T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(m: T) {
        let mut buf = Vec::new();
        write_message(&mut buf, &m).unwrap();
        let back: T = read_message(&mut &buf[..]).unwrap().unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn every_message_round_trips() {
        let layout = Layout {
            transactions: vec!["t".into()],
            requests: vec![],
            sessions: vec!["s".into()],
        };
        let mut snapshot = Snapshot::new(&layout);
        snapshot.request.record(1_500_000);
        snapshot.users.up = 3;
        round_trip(ToAgent::Hello {
            protocol: PROTOCOL_VERSION,
            software: "0.1.0".into(),
        });
        round_trip(ToAgent::Setup(Box::new(AgentSetup {
            scenario: ScenarioSource::Bytes {
                name: "a.xml".into(),
                base_dir: "/tmp".into(),
                bytes: b"<tsung/>\0\xff".to_vec(),
            },
            exclude_tags: vec!["x".into()],
            run: WireRunConfig {
                workers: 1,
                seed: 7,
                interval_ns: 10,
                flush_ns: 5,
                target: Some(("::1".into(), 80)),
                tls_insecure: true,
                stop_grace_ns: 3,
                process: (1, 3),
                scenario_dir: "/tmp".into(),
                local_clients: false,
            },
        })));
        round_trip(ToAgent::Start { at_unix_ns: 42 });
        round_trip(ToAgent::Abort { by: "me".into() });
        round_trip(FromAgent::Interval {
            index: 2,
            end_ns: 30,
            snapshot: Box::new(snapshot.clone()),
        });
        round_trip(FromAgent::Match(Box::new(WireMatchLine {
            timestamp_unix_ns: 1,
            user_id: 2,
            session: 0,
            action: 1,
            request: 0,
            event: 3,
            transaction: None,
            name: "m".into(),
            location: (0, 4, 5),
            dump: Some(vec![0, 1, 255]),
        })));
        round_trip(FromAgent::TrafficDump {
            lines: "1.5;<0.1.0>;1;get;h;/;200;10;0.100;-;;;\n".into(),
        });
        round_trip(FromAgent::Finished(Box::new(AgentFinished {
            end: WireRunEnd::StoppedByScenario { user_id: 9 },
            duration_ns: 1,
            users_launched: 3,
            users_max: 3,
            connected_max: 2,
            resent_requests: 0,
            totals: Box::new(snapshot),
            peak_rss_bytes: Some(1 << 20),
        })));
        round_trip(FromAgent::Status(WireStatus {
            stopping: Some(WireStopKind::Graceful),
            stop_cause: Some(StopCause::Scenario),
            ..WireStatus::default()
        }));
    }

    #[test]
    fn hello_is_readable_across_versions() {
        // A future agent's hello with extra fields still decodes, so the version check can
        // produce a clear message.
        let text = br#"{"type":"hello","protocol":7,"software":"9.9","pid":1,"features":["x"]}"#;
        let m: FromAgent = serde_json::from_slice(text).unwrap();
        assert!(matches!(m, FromAgent::Hello { protocol: 7, .. }));
    }

    #[test]
    fn match_lines_convert_both_ways() {
        let w = WireMatchLine {
            timestamp_unix_ns: 1_700_000_000_123_456_789,
            user_id: 5,
            session: 1,
            action: 2,
            request: 3,
            event: Counter::NoMatch.index() as u32,
            transaction: Some(0),
            name: "n".into(),
            location: (0, 10, 3),
            dump: None,
        };
        let line = w.to_match_line().unwrap();
        assert_eq!(line.event, Counter::NoMatch);
        assert_eq!(WireMatchLine::from(&line), w);
        let bad = WireMatchLine { event: 999, ..w };
        assert!(bad.to_match_line().is_none());
    }
}
