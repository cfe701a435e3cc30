//! Checks made before a run starts: where the load runs (`<clients>`), the open-file budget,
//! the seed.

use crate::config::RunConfig;
use crate::error::EngineError;
use stampede_model::{ClientKind, Scenario};
use stampede_scheduler::Generators;
use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};

/// File descriptors kept for things other than user connections (listeners of the dashboard,
/// log files, the runtime's own descriptors).
const RESERVED_FILES: u64 = 100;

/// What the engine decided before starting, for the CLI to show.
#[derive(Clone, Debug)]
pub struct Preflight {
    /// The seed the run will use.
    pub seed: u64,
    /// Worker threads.
    pub workers: usize,
    /// The open-file limit of the process (after raising the soft limit to the hard one), if
    /// known: about this many users can be connected at once.
    pub open_file_limit: Option<u64>,
    /// Things worth knowing before the run (each a complete sentence).
    pub warnings: Vec<String>,
    pub(crate) generators: Generators,
    pub(crate) generator_index: usize,
    /// Indices of the `<client>`s whose users run in this process.
    pub(crate) clients_here: Vec<usize>,
}

/// Checks `scenario` against this machine and `config`: refuses remote load generators unless
/// `local_clients` is set, raises the open-file limit as far as allowed and warns when
/// `maxusers` exceeds it, and settles the seed. [`crate::run`] calls it too; the CLI may call
/// it first to show the warnings before the run starts.
pub fn preflight(scenario: &Scenario, config: &RunConfig) -> Result<Preflight, EngineError> {
    let (index, count) = config.process;
    if count == 0 || index >= count {
        return Err(EngineError::BadProcess { index, count });
    }
    let hostname = local_hostname();
    let mut warnings = Vec::new();

    let total: f64 = scenario.clients.iter().map(|c| positive(c.weight)).sum();
    let is_remote = |c: &stampede_model::Client| {
        matches!(c.kind, ClientKind::Batch { .. }) || !is_local_host(&c.host, hostname.as_deref())
    };
    let remote: Vec<_> = scenario.clients.iter().filter(|c| is_remote(c)).collect();
    let clients_here = scenario
        .clients
        .iter()
        .enumerate()
        .filter(|(_, c)| config.local_clients || !is_remote(c))
        .map(|(i, _)| i)
        .collect();
    if !remote.is_empty() {
        let mut hosts: Vec<&str> = remote.iter().map(|c| c.host.as_str()).collect();
        hosts.dedup();
        let share = if total > 0.0 {
            100.0 * remote.iter().map(|c| positive(c.weight)).sum::<f64>() / total
        } else {
            100.0
        };
        if !config.local_clients {
            return Err(EngineError::RemoteClients {
                hosts: hosts.join(", "),
                share,
            });
        }
        warnings.push(format!(
            "the load of the remote <client>s ({}: {share:.0}%) runs on this machine \
             (--local-clients)",
            hosts.join(", ")
        ));
    }

    let open_file_limit = raise_open_file_limit();
    if let Some(limit) = open_file_limit {
        let budget = limit.saturating_sub(RESERVED_FILES);
        let maxusers: u64 = scenario
            .clients
            .iter()
            .map(|c| u64::from(c.maxusers) * u64::from(c.cpu.max(1)))
            .sum();
        if maxusers > budget {
            warnings.push(format!(
                "<clients> allow up to {maxusers} simultaneous users, but this process can keep \
                 only about {budget} connections open (open-file limit {limit}); beyond that, \
                 new connections fail with error_connect_emfile. Raise the limit (ulimit -n) \
                 or spread the load over several generator processes (--processes N)"
            ));
        }
    }

    let generators = if count > 1 {
        Generators::single().split(0, count as u32)
    } else {
        Generators::single()
    };
    let seed = config
        .seed
        .or(scenario.options.seed)
        .unwrap_or_else(clock_seed);
    Ok(Preflight {
        seed,
        workers: config.worker_count(),
        open_file_limit,
        warnings,
        generators,
        generator_index: index,
        clients_here,
    })
}

fn positive(w: f64) -> f64 {
    if w.is_finite() && w > 0.0 { w } else { 0.0 }
}

/// Whether a `<client host>` is this machine: `localhost`, a loopback address, or this
/// machine's host name (short or qualified).
pub(crate) fn is_local_host(host: &str, hostname: Option<&str>) -> bool {
    let h = host.trim().trim_matches(['[', ']']).to_ascii_lowercase();
    if h == "localhost" || h.ends_with(".localhost") || h == "localhost.localdomain" {
        return true;
    }
    if let Ok(ip) = h.parse::<IpAddr>() {
        return ip.is_loopback();
    }
    let Some(name) = hostname else {
        return false;
    };
    let name = name.trim().to_ascii_lowercase();
    let short = |s: &str| s.split('.').next().unwrap_or("").to_owned();
    !name.is_empty() && (h == name || short(&h) == short(&name))
}

fn clock_seed() -> u64 {
    let n = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    stampede_scheduler::mix_seed(n, u64::from(std::process::id()))
}

#[cfg(unix)]
fn local_hostname() -> Option<String> {
    nix::unistd::gethostname()
        .ok()
        .and_then(|s| s.into_string().ok())
}

#[cfg(not(unix))]
fn local_hostname() -> Option<String> {
    std::env::var("COMPUTERNAME").ok()
}

/// Raises the soft open-file limit to the hard one; returns the limit in force.
#[cfg(unix)]
fn raise_open_file_limit() -> Option<u64> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).ok()?;
    if soft < hard && setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_ok() {
        return Some(hard);
    }
    Some(soft)
}

#[cfg(not(unix))]
fn raise_open_file_limit() -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_hosts() {
        let cases: &[(&str, Option<&str>, bool)] = &[
            ("localhost", None, true),
            ("LOCALHOST", None, true),
            ("127.0.0.1", None, true),
            ("127.0.1.1", None, true),
            ("::1", None, true),
            ("[::1]", None, true),
            ("loadgen1", None, false),
            ("loadgen1", Some("loadgen1.example.org"), true),
            ("loadgen1.example.org", Some("loadgen1"), true),
            ("loadgen2", Some("loadgen1"), false),
            ("10.0.0.5", Some("loadgen1"), false),
        ];
        for (host, name, want) in cases {
            assert_eq!(is_local_host(host, *name), *want, "{host} {name:?}");
        }
    }
}
