//! What a cluster run returns.

use crate::plan::ProcessPlan;
use stampede_engine::{RunEnd, RunSummary};
use stampede_metrics::Snapshot;
use std::time::Duration;

/// The merged run, as the single-process engine would report it, plus what each agent did.
#[derive(Clone, Debug)]
pub struct ClusterSummary {
    /// The whole run: every agent's measurements merged exactly (see [`AgentReport`] for
    /// what a lost agent could not deliver).
    pub run: RunSummary,
    /// How many processes ran, and why.
    pub plan: ProcessPlan,
    /// One entry per agent, by index.
    pub agents: Vec<AgentReport>,
    /// The latest an agent's time 0 came after the common start instant.
    pub start_skew: Duration,
}

/// One generator process.
#[derive(Clone, Debug)]
pub struct AgentReport {
    pub index: usize,
    pub pid: Option<u32>,
    pub outcome: AgentOutcome,
    pub workers: usize,
    pub users_launched: u64,
    /// Everything the agent measured, as it reported at its end (`None` if it was lost).
    pub totals: Option<Snapshot>,
    /// Intervals it delivered, and the last run interval among them.
    pub intervals_delivered: u64,
    pub last_interval: Option<u64>,
    /// Peak resident memory (at its end; for a lost agent, the highest it reported).
    pub peak_rss_bytes: Option<u64>,
    /// How long after the common start instant its time 0 was.
    pub start_offset: Option<Duration>,
    /// Its last lines of standard error.
    pub stderr_tail: Vec<String>,
}

/// How an agent ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AgentOutcome {
    /// It ran its share to the end and delivered everything.
    Finished { end: RunEnd },
    /// It died, hung or failed during the run: what it measured after its last delivered
    /// interval is missing from the merged results.
    Lost {
        reason: String,
        /// `exit code 101`, `killed by signal 9`, …
        exit: String,
        /// The first run interval without its data.
        missing_from_interval: u64,
    },
}

impl ClusterSummary {
    /// Agents that did not finish.
    pub fn lost_agents(&self) -> impl Iterator<Item = &AgentReport> {
        self.agents
            .iter()
            .filter(|a| matches!(a.outcome, AgentOutcome::Lost { .. }))
    }

    /// One sentence per lost agent, for the terminal and the report.
    pub fn losses(&self) -> Vec<String> {
        self.lost_agents()
            .filter_map(|a| match &a.outcome {
                AgentOutcome::Lost {
                    reason,
                    exit,
                    missing_from_interval,
                } => {
                    let mut s = format!(
                        "generator process {} (pid {}) was lost: {reason} ({exit}); its \
                         measurements from interval {missing_from_interval} on are missing",
                        a.index,
                        a.pid.map_or_else(|| "?".into(), |p| p.to_string()),
                    );
                    if let Some(last) = a.stderr_tail.last() {
                        s.push_str("; its last message: ");
                        s.push_str(last);
                    }
                    Some(s)
                }
                AgentOutcome::Finished { .. } => None,
            })
            .collect()
    }

    /// Sum of the agents' peak resident memory (the generators' footprint), when known for
    /// every agent.
    pub fn generators_peak_rss_bytes(&self) -> Option<u64> {
        self.agents.iter().map(|a| a.peak_rss_bytes).sum()
    }
}
