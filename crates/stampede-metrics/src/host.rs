//! OS metrics of monitored hosts (Tsung's `<monitoring>`, and the generator's own machine,
//! which Tsung always monitors): one reading per host and interval, and Tsung's statistics of
//! them for `tsung.log`.
//!
//! The readings are taken outside this crate (it touches no file); it only keeps them in the
//! interval series and computes the `stats: {cpu,"node"} …` lines.

use crate::tsung::{TsungNum, TsungSample};
use serde::{Deserialize, Serialize};

/// One OS metric, named as Tsung names it in `tsung.log`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HostMetric {
    /// CPU busy, percent of all cores (100 = every core busy).
    Cpu,
    /// Memory available for new work, MB.
    Freemem,
    /// One-minute load average.
    Load,
    /// Packets received during the interval.
    Recvpackets,
    /// Packets sent during the interval.
    Sentpackets,
}

impl HostMetric {
    /// Every metric, in `tsung.log` order.
    pub const ALL: [HostMetric; 5] = [
        HostMetric::Cpu,
        HostMetric::Freemem,
        HostMetric::Load,
        HostMetric::Recvpackets,
        HostMetric::Sentpackets,
    ];

    /// Tsung's name (`cpu`, `freemem`, `load`, `recvpackets`, `sentpackets`).
    pub fn tsung_name(self) -> &'static str {
        match self {
            HostMetric::Cpu => "cpu",
            HostMetric::Freemem => "freemem",
            HostMetric::Load => "load",
            HostMetric::Recvpackets => "recvpackets",
            HostMetric::Sentpackets => "sentpackets",
        }
    }

    /// Whether Tsung computes it as the difference of a counter between two readings (its
    /// `sample_counter`): the first value it prints is then an Erlang integer.
    fn is_counter(self) -> bool {
        matches!(self, HostMetric::Recvpackets | HostMetric::Sentpackets)
    }
}

/// One host's reading for one interval. A metric that could not be read is `None`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HostSample {
    /// Tsung's node name for the host: `tsung_controller@HOST` for the generator's own machine,
    /// `os_mon@HOST` for a `<monitor>` entry.
    pub node: String,
    /// CPU busy since the previous reading, percent of all cores (100 = every core busy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<f64>,
    /// Memory available, MB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freemem: Option<f64>,
    /// One-minute load average.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<f64>,
    /// Packets received since the previous reading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recvpackets: Option<u64>,
    /// Packets sent since the previous reading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentpackets: Option<u64>,
}

impl HostSample {
    /// The value of one metric, if it was read.
    pub fn get(&self, metric: HostMetric) -> Option<f64> {
        match metric {
            HostMetric::Cpu => self.cpu,
            HostMetric::Freemem => self.freemem,
            HostMetric::Load => self.load,
            HostMetric::Recvpackets => self.recvpackets.map(|v| v as f64),
            HostMetric::Sentpackets => self.sentpackets.map(|v| v as f64),
        }
    }
}

/// Tsung's running statistics of one host metric (one value per interval at most).
#[derive(Clone, Debug)]
pub(crate) struct HostState {
    pub(crate) metric: HostMetric,
    pub(crate) node: String,
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
}

impl HostState {
    pub(crate) fn new(metric: HostMetric, node: String) -> Self {
        Self {
            metric,
            node,
            count: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }

    /// The line of an interval with `value` (or none); `None` before the first value.
    pub(crate) fn line(&mut self, value: Option<f64>) -> Option<TsungSample> {
        if self.count == 0 && value.is_none() {
            return None;
        }
        let first = self.count == 0;
        let (count, mean, stddev) = match value {
            // Tsung's first value keeps an integer zero variance; a counter's first
            // difference is an Erlang integer too.
            Some(v) if first && self.metric.is_counter() => {
                (1, TsungNum::Int(v as i64), TsungNum::Int(0))
            }
            Some(v) if first => (1, TsungNum::Float(v), TsungNum::Int(0)),
            Some(v) => (1, TsungNum::Float(v), TsungNum::Float(0.0)),
            None => (0, TsungNum::Int(0), TsungNum::Int(0)),
        };
        let global_mean = if first {
            TsungNum::Int(0)
        } else {
            TsungNum::Float(self.sum / self.count as f64)
        };
        let global_count = self.count;
        if let Some(v) = value {
            self.count += 1;
            self.sum += v;
            self.min = self.min.min(v);
            self.max = self.max.max(v);
        }
        Some(TsungSample {
            name: self.metric.tsung_name().to_owned(),
            count,
            mean,
            stddev,
            max: self.max,
            min: self.min,
            global_mean,
            global_count,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gauge_prints_like_tsung_sample() {
        let mut s = HostState::new(HostMetric::Cpu, "n".into());
        assert_eq!(s.line(None), None);
        let a = s.line(Some(20.0)).unwrap();
        assert_eq!(
            (a.count, a.mean, a.stddev, a.max, a.min, a.global_mean),
            (
                1,
                TsungNum::Float(20.0),
                TsungNum::Int(0),
                20.0,
                20.0,
                TsungNum::Int(0)
            )
        );
        let b = s.line(Some(40.0)).unwrap();
        assert_eq!(b.stddev, TsungNum::Float(0.0));
        assert_eq!((b.max, b.min), (40.0, 20.0));
        assert_eq!((b.global_mean, b.global_count), (TsungNum::Float(20.0), 1));
        let c = s.line(None).unwrap();
        assert_eq!((c.count, c.mean), (0, TsungNum::Int(0)));
        assert_eq!((c.global_mean, c.global_count), (TsungNum::Float(30.0), 2));
    }

    #[test]
    fn a_counter_starts_with_an_integer() {
        let mut s = HostState::new(HostMetric::Recvpackets, "n".into());
        let a = s.line(Some(120.0)).unwrap();
        assert_eq!(a.mean, TsungNum::Int(120));
        let b = s.line(Some(80.0)).unwrap();
        assert_eq!(b.mean, TsungNum::Float(80.0));
        assert_eq!(b.name, "recvpackets");
    }

    #[test]
    fn samples_round_trip_in_json() {
        let h = HostSample {
            node: "tsung_controller@box".into(),
            cpu: Some(12.5),
            freemem: Some(900.25),
            load: None,
            recvpackets: Some(3),
            sentpackets: Some(4),
        };
        let json = serde_json::to_string(&h).unwrap();
        assert!(!json.contains("load"), "{json}");
        assert_eq!(serde_json::from_str::<HostSample>(&json).unwrap(), h);
        assert_eq!(h.get(HostMetric::Sentpackets), Some(4.0));
    }
}
