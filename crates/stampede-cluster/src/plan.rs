//! How many generator processes a run gets, and why.
//!
//! Tsung runs each `<client>` as `cpu` Erlang VMs and, when a VM reaches `maxusers`
//! simultaneous users, starts another one on the same host for the rest of the load. Here
//! the number of processes is decided before the run, so that no process is expected to go
//! past either limit:
//!
//! * at least one process per `cpu` of every local `<client>` (Tsung's VMs);
//! * enough processes that the estimated peak of simultaneous users
//!   ([`crate::estimate_concurrency`]) divided among them stays within the smallest
//!   `maxusers` of the local clients and within the open-file budget of a process (3/4 of
//!   its open-file limit: every user holds a connection; the rest covers estimate error,
//!   listeners, log files and the runtime);
//! * or exactly `processes` when given (`--processes N`), with a warning if that puts a
//!   process over a limit.
//!
//! The engine gives every process an equal share of every phase and of the static users
//! ([`stampede_scheduler::Generators::split`]); all of them run on this machine, so the
//! weights of the local clients change nothing but the number of processes.

use crate::config::ClusterConfig;
use crate::estimate::{ConcurrencyEstimate, EstimateBasis, estimate_concurrency};
use crate::sysinfo;
use stampede_model::{ClientKind, Scenario};
use std::fmt::Write as _;

/// Share of the open-file limit a process may fill with user connections.
const FILE_BUDGET_NUM: u64 = 3;
const FILE_BUDGET_DEN: u64 = 4;

/// The decision and what it was based on.
#[derive(Clone, Debug, PartialEq)]
pub struct ProcessPlan {
    /// Generator processes to start.
    pub processes: usize,
    pub reason: PlanReason,
    /// Processes the local `<client>`s ask for (sum of their `cpu`; 1 without clients).
    pub client_processes: usize,
    /// The smallest `maxusers` of the local clients.
    pub maxusers: Option<u32>,
    /// Open files a process may hold.
    pub open_file_limit: Option<u64>,
    /// Users a process can keep connected within that limit.
    pub file_budget: Option<u64>,
    /// Users a process may have at once: the smaller of `maxusers` and `file_budget`.
    pub per_process_cap: Option<u64>,
    pub concurrency: ConcurrencyEstimate,
    /// The expected peak share of each process.
    pub users_per_process: u64,
    /// Reasons to worry (complete sentences).
    pub warnings: Vec<String>,
}

/// Why [`ProcessPlan::processes`] has its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanReason {
    /// `processes` was given.
    Override,
    /// The clients' `cpu` attributes.
    Clients,
    /// The peak of simultaneous users against `maxusers` and the open-file budget.
    Capacity,
    /// Capacity asked for more than `max_processes`.
    Capped,
}

/// Decides how many generator processes run `scenario`; see the module documentation.
pub fn plan_processes(scenario: &Scenario, config: &ClusterConfig) -> ProcessPlan {
    let hostname = sysinfo::hostname();
    let local: Vec<_> = scenario
        .clients
        .iter()
        .filter(|c| {
            config.run.local_clients
                || (!matches!(c.kind, ClientKind::Batch { .. })
                    && sysinfo::is_local_host(&c.host, hostname.as_deref()))
        })
        .collect();
    // Tsung forces cpu to 1 for users run in the controller's VM.
    let client_processes = local
        .iter()
        .map(|c| {
            if c.use_controller_vm {
                1
            } else {
                c.cpu.max(1) as usize
            }
        })
        .sum::<usize>()
        .max(1);
    let maxusers = local.iter().map(|c| c.maxusers.max(1)).min();
    let open_file_limit = config.files_per_process.or_else(sysinfo::open_file_limit);
    let file_budget = open_file_limit.map(|l| (l * FILE_BUDGET_NUM / FILE_BUDGET_DEN).max(1));
    let per_process_cap = match (maxusers, file_budget) {
        (Some(m), Some(f)) => Some(u64::from(m).min(f)),
        (Some(m), None) => Some(u64::from(m)),
        (None, f) => f,
    };
    let concurrency = estimate_concurrency(scenario, config.assumed_request_time);
    let needed = per_process_cap.map_or(1, |cap| concurrency.peak.div_ceil(cap).max(1));
    let max = config.max_processes.max(1);
    let mut warnings = Vec::new();
    let (processes, reason) = match config.processes {
        Some(n) => (n.max(1), PlanReason::Override),
        None if needed as usize > client_processes => {
            let n = usize::try_from(needed).unwrap_or(usize::MAX);
            if n > max {
                warnings.push(format!(
                    "about {} simultaneous users would need {n} generator processes; only {max} \
                     are started, so each may go past its limit (raise maxusers or the process \
                     limit, or give the number of processes)",
                    concurrency.peak
                ));
                (max, PlanReason::Capped)
            } else {
                (n, PlanReason::Capacity)
            }
        }
        None => (client_processes.min(max), PlanReason::Clients),
    };
    let users_per_process = concurrency.peak.div_ceil(processes as u64);
    if reason == PlanReason::Override
        && let Some(cap) = per_process_cap
        && users_per_process > cap
    {
        warnings.push(format!(
            "with {processes} generator processes each may have about {users_per_process} users \
             at once, more than {cap} ({}); expect error_connect_emfile beyond the open-file \
             limit",
            cap_reason(maxusers, file_budget)
        ));
    }
    ProcessPlan {
        processes,
        reason,
        client_processes,
        maxusers,
        open_file_limit,
        file_budget,
        per_process_cap,
        concurrency,
        users_per_process,
        warnings,
    }
}

fn cap_reason(maxusers: Option<u32>, file_budget: Option<u64>) -> String {
    match (maxusers, file_budget) {
        (Some(m), Some(f)) if u64::from(m) <= f => format!("maxusers {m}"),
        (_, Some(f)) => format!("3/4 of the open-file limit: {f}"),
        (Some(m), None) => format!("maxusers {m}"),
        (None, None) => "no limit".into(),
    }
}

impl ProcessPlan {
    /// One paragraph for the run log: how many processes and why.
    pub fn explain(&self) -> String {
        let c = &self.concurrency;
        let mut s = format!("{} generator process", self.processes);
        if self.processes != 1 {
            s.push_str("es");
        }
        let why = match self.reason {
            PlanReason::Override => "as requested".to_owned(),
            PlanReason::Clients => format!(
                "one per cpu of the local <client>s ({})",
                self.client_processes
            ),
            PlanReason::Capacity | PlanReason::Capped => format!(
                "so that each stays within {} simultaneous users ({})",
                self.per_process_cap.unwrap_or(0),
                cap_reason(self.maxusers, self.file_budget)
            ),
        };
        let _ = write!(s, ", {why}. ");
        match &c.basis {
            EstimateBasis::SessionLength { longest_session_s } => {
                let _ = write!(
                    s,
                    "Peak of simultaneous users: about {} (arrival rates × session lengths, \
                     longest session {longest_session_s:.0} s; {} arrivals in all)",
                    c.peak, c.arrivals
                );
            }
            EstimateBasis::Arrivals { unbounded_session } => {
                let _ = write!(
                    s,
                    "Peak of simultaneous users: at most {} (every arrival counted: the length \
                     of session `{unbounded_session}` cannot be bounded)",
                    c.peak
                );
            }
        }
        let _ = write!(s, "; about {} per process.", self.users_per_process);
        if let Some(limit) = self.open_file_limit {
            let _ = write!(s, " Open-file limit per process: {limit}.");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AgentCommand;
    use stampede_engine::RunConfig;

    fn scenario(clients: &str, users: u64) -> Scenario {
        let xml = format!(
            r#"<tsung><clients>{clients}</clients>
<servers><server host="127.0.0.1" port="80" type="tcp"/></servers>
<load><arrivalphase phase="1" duration="100" unit="second">
<users maxnumber="{users}" arrivalrate="10000" unit="second"/></arrivalphase></load>
<sessions><session name="s" probability="100" type="ts_http">
<request><http url="/"/></request><thinktime value="3600" random="false"/></session></sessions></tsung>"#
        );
        crate::test_support::scenario_from_xml(&xml)
    }

    fn config(processes: Option<usize>, files: u64) -> ClusterConfig {
        let mut c = ClusterConfig::new(
            "t.xml",
            AgentCommand::new("agent", ["x"]),
            RunConfig::default(),
        );
        c.processes = processes;
        c.files_per_process = Some(files);
        c
    }

    #[test]
    fn planning_table() {
        // (clients, users, --processes, open-file limit) → (processes, reason, per process)
        type Case<'a> = (&'a str, u64, Option<usize>, u64, usize, PlanReason, u64);
        let one = r#"<client host="localhost" maxusers="100000"/>"#;
        let cases: &[Case] = &[
            // Few users: one process.
            (one, 1_000, None, 20_000, 1, PlanReason::Clients, 1_000),
            // 100,000 users, 20,000 files → 15,000 per process → 7.
            (one, 100_000, None, 20_000, 7, PlanReason::Capacity, 14_286),
            // maxusers binds before the file budget (Tsung's default 800).
            (
                r#"<client host="localhost"/>"#,
                2_000,
                None,
                20_000,
                3,
                PlanReason::Capacity,
                667,
            ),
            // cpu asks for more processes than capacity needs.
            (
                r#"<client host="localhost" cpu="4" maxusers="100000"/>"#,
                1_000,
                None,
                20_000,
                4,
                PlanReason::Clients,
                250,
            ),
            // use_controller_vm forces cpu to 1, as in Tsung.
            (
                r#"<client host="localhost" cpu="4" use_controller_vm="true" maxusers="100000"/>"#,
                1_000,
                None,
                20_000,
                1,
                PlanReason::Clients,
                1_000,
            ),
            // Two local clients: their cpus add up; weights do not matter here.
            (
                r#"<client host="localhost" weight="3" cpu="2" maxusers="100000"/><client host="127.0.0.1" weight="1" maxusers="100000"/>"#,
                1_000,
                None,
                20_000,
                3,
                PlanReason::Clients,
                334,
            ),
            // The smallest maxusers of the local clients binds.
            (
                r#"<client host="localhost" maxusers="10000"/><client host="127.0.0.1" maxusers="2000"/>"#,
                10_000,
                None,
                20_000,
                5,
                PlanReason::Capacity,
                2_000,
            ),
            // A remote client is not counted (the engine refuses it without --local-clients).
            (
                r#"<client host="localhost" maxusers="100000"/><client host="gen-elsewhere" cpu="8" maxusers="100000"/>"#,
                1_000,
                None,
                20_000,
                1,
                PlanReason::Clients,
                1_000,
            ),
            // The override wins, either way.
            (
                one,
                100_000,
                Some(2),
                20_000,
                2,
                PlanReason::Override,
                50_000,
            ),
            (one, 10, Some(3), 20_000, 3, PlanReason::Override, 4),
            // 1,000,000 users: 67 processes of at most 15,000.
            (
                one,
                1_000_000,
                None,
                20_000,
                67,
                PlanReason::Capacity,
                14_926,
            ),
            // Past max_processes (256): capped with a warning.
            (
                r#"<client host="localhost" maxusers="100"/>"#,
                100_000,
                None,
                20_000,
                256,
                PlanReason::Capped,
                391,
            ),
        ];
        for (i, (clients, users, processes, files, want_p, want_reason, want_per)) in
            cases.iter().enumerate()
        {
            let plan = plan_processes(&scenario(clients, *users), &config(*processes, *files));
            assert_eq!(
                (plan.processes, plan.reason, plan.users_per_process),
                (*want_p, *want_reason, *want_per),
                "case {i}: {}",
                plan.explain()
            );
            assert!(!plan.explain().is_empty());
        }
    }

    #[test]
    fn overrides_past_a_limit_warn() {
        let one = r#"<client host="localhost" maxusers="100000"/>"#;
        let plan = plan_processes(&scenario(one, 100_000), &config(Some(2), 20_000));
        assert_eq!(plan.warnings.len(), 1, "{:?}", plan.warnings);
        assert!(plan.warnings[0].contains("50000"), "{}", plan.warnings[0]);
        let capped = plan_processes(
            &scenario(r#"<client host="localhost" maxusers="100"/>"#, 100_000),
            &config(None, 20_000),
        );
        assert_eq!(capped.warnings.len(), 1);
        let fine = plan_processes(&scenario(one, 100_000), &config(None, 20_000));
        assert!(fine.warnings.is_empty());
        assert_eq!(fine.file_budget, Some(15_000));
        assert_eq!(fine.per_process_cap, Some(15_000));
        assert!(
            fine.explain().contains("7 generator processes"),
            "{}",
            fine.explain()
        );
    }
}
