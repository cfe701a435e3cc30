//! Everything a run monitors: this machine (always, from `/proc`) and the scenario's munin
//! nodes, read once per interval when it closes.

use crate::munin::MuninMonitor;
use crate::os_monitor::{HostMonitor, monitored_nodes};
use stampede_metrics::HostSample;
use stampede_model::{MonitorKind, Scenario};
use std::time::Duration;

/// The monitors of a run; create it at the start (munin nodes are polled from then on, every
/// `interval`, on their own threads, which end when this is dropped).
#[derive(Debug)]
pub struct Monitoring {
    host: HostMonitor,
    munin: Vec<MuninMonitor>,
}

impl Monitoring {
    /// This machine (see [`monitored_nodes`]) and every `munin` `<monitor>` of `scenario`.
    pub fn start(scenario: &Scenario, interval: Duration) -> Self {
        let munin = scenario
            .monitoring
            .iter()
            .filter(|m| !m.batch)
            .filter_map(|m| match m.kind {
                MonitorKind::Munin { port } => Some(MuninMonitor::start(&m.host, port, interval)),
                MonitorKind::Erlang | MonitorKind::Snmp { .. } => None,
            })
            .collect();
        Self {
            host: HostMonitor::new(monitored_nodes(scenario)),
            munin,
        }
    }

    /// The readings for the interval closing now, and failures to log (one per failing
    /// munin node until it answers again).
    pub fn sample(&mut self) -> (Vec<HostSample>, Vec<String>) {
        let mut samples = self.host.sample();
        let mut problems = Vec::new();
        for m in &self.munin {
            let (sample, problem) = m.take();
            samples.extend(sample);
            problems.extend(problem);
        }
        (samples, problems)
    }
}
