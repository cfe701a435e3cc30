//! OS metrics of the generator's own machine, read from `/proc` once per statistics interval
//! on the controller thread, with Tsung's definitions (its `erlang` monitor):
//!
//! * `cpu`: busy time since the previous reading, percent of all cores (100 = every core
//!   busy); busy is every state of `/proc/stat`'s `cpu` line but `idle` and `iowait`.
//! * `freemem`: `MemAvailable` in MB, or `MemFree + Buffers + Cached` on kernels without it.
//! * `load`: the one-minute load average.
//! * `recvpackets`, `sentpackets`: packets since the previous reading, summed over the
//!   interfaces whose name contains `eth` (as Tsung's `netstat -in` filter); nothing when no
//!   such interface exists or a counter went backwards.
//!
//! Tsung always monitors its controller host (`tsung_controller@HOST`); `<monitor>` entries
//! that name this machine are sampled too, under `os_mon@HOST` as Tsung names them.

use stampede_metrics::HostSample;
use stampede_model::{Monitor, MonitorKind, Scenario};
use std::path::PathBuf;

/// Cumulative CPU time of `/proc/stat`'s first line (clock ticks).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct CpuTimes {
    /// Every state but idle and iowait.
    pub(crate) busy: u64,
    /// Every state.
    pub(crate) total: u64,
}

/// Parses the aggregate `cpu` line of `/proc/stat`.
pub(crate) fn parse_stat(text: &str) -> Option<CpuTimes> {
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    // user nice system idle iowait irq softirq steal [guest guest_nice]: guest time is
    // already counted in user and nice.
    let states = fields.get(..fields.len().min(8))?;
    if states.len() < 4 {
        return None;
    }
    let total: u64 = states.iter().sum();
    let idle = states[3] + states.get(4).copied().unwrap_or(0);
    Some(CpuTimes {
        busy: total.saturating_sub(idle),
        total,
    })
}

/// Percent of all cores busy between two readings; `None` when no time passed.
pub(crate) fn cpu_percent(before: CpuTimes, after: CpuTimes) -> Option<f64> {
    let total = after.total.checked_sub(before.total)?;
    let busy = after.busy.checked_sub(before.busy)?;
    (total > 0).then(|| (100.0 * busy as f64 / total as f64).min(100.0))
}

/// Memory available in MB from `/proc/meminfo`.
pub(crate) fn parse_meminfo(text: &str) -> Option<f64> {
    let field = |name: &str| -> Option<u64> {
        text.lines().find_map(|l| {
            let rest = l.strip_prefix(name)?.strip_prefix(':')?;
            rest.split_whitespace().next()?.parse().ok()
        })
    };
    let kb = match field("MemAvailable") {
        Some(kb) => kb,
        None => field("MemFree")? + field("Buffers")? + field("Cached")?,
    };
    Some(kb as f64 / 1024.0)
}

/// The one-minute load average from `/proc/loadavg`.
pub(crate) fn parse_loadavg(text: &str) -> Option<f64> {
    text.split_whitespace().next()?.parse().ok()
}

/// `(received, sent)` packets of the interfaces whose name contains `eth`, from
/// `/proc/net/dev`; `None` when there is none.
pub(crate) fn parse_net_dev(text: &str) -> Option<(u64, u64)> {
    let mut found = false;
    let (mut rx, mut tx) = (0u64, 0u64);
    for line in text.lines() {
        let Some((name, counters)) = line.split_once(':') else {
            continue;
        };
        if !name.trim().contains("eth") {
            continue;
        }
        let fields: Vec<&str> = counters.split_whitespace().collect();
        // Receive: bytes packets …(8 fields); transmit: bytes packets …
        let (Some(r), Some(t)) = (fields.get(1), fields.get(9)) else {
            continue;
        };
        let (Ok(r), Ok(t)) = (r.parse::<u64>(), t.parse::<u64>()) else {
            continue;
        };
        found = true;
        rx = rx.saturating_add(r);
        tx = tx.saturating_add(t);
    }
    found.then_some((rx, tx))
}

/// This machine's short host name (before the first dot), as Tsung names its nodes.
fn short_hostname() -> Option<String> {
    let name = full_hostname()?;
    let short = name.split('.').next().unwrap_or(&name).to_owned();
    (!short.is_empty()).then_some(short)
}

#[cfg(unix)]
fn full_hostname() -> Option<String> {
    nix::unistd::gethostname()
        .ok()
        .and_then(|s| s.into_string().ok())
}

#[cfg(not(unix))]
fn full_hostname() -> Option<String> {
    std::env::var("COMPUTERNAME").ok()
}

/// Whether `host` (a `<monitor host>`) is this machine: `localhost`, a loopback address, or
/// this machine's host name (full or short).
pub fn is_this_machine(host: &str) -> bool {
    Monitor::names_this_machine(host, full_hostname().as_deref())
}

/// Tsung's node names of the hosts this process samples for `scenario`: the controller
/// (`tsung_controller@HOST`) first, then `os_mon@HOST` for each `erlang` `<monitor>` naming
/// this machine by another name (batch entries aside).
pub fn monitored_nodes(scenario: &Scenario) -> Vec<String> {
    let short = short_hostname().unwrap_or_else(|| "localhost".to_owned());
    let mut nodes = vec![format!("tsung_controller@{short}")];
    for m in &scenario.monitoring {
        if m.batch || !matches!(m.kind, MonitorKind::Erlang) || !is_this_machine(&m.host) {
            continue;
        }
        if m.host.eq_ignore_ascii_case(&short) {
            continue;
        }
        let node = format!("os_mon@{}", m.host.trim());
        if !nodes.contains(&node) {
            nodes.push(node);
        }
    }
    nodes
}

/// Samples this machine from `/proc`; create it at the start of the run (the first interval's
/// `cpu` and packets are measured from then).
#[derive(Debug)]
pub struct HostMonitor {
    nodes: Vec<String>,
    proc_root: PathBuf,
    cpu: Option<CpuTimes>,
    packets: Option<(u64, u64)>,
}

impl HostMonitor {
    /// A monitor recording its readings under each of `nodes` (see [`monitored_nodes`]).
    pub fn new(nodes: Vec<String>) -> Self {
        Self::with_proc_root(nodes, PathBuf::from("/proc"))
    }

    /// The same, reading `<proc_root>/stat`, `meminfo`, `loadavg` and `net/dev`.
    pub fn with_proc_root(nodes: Vec<String>, proc_root: PathBuf) -> Self {
        let mut m = Self {
            nodes,
            proc_root,
            cpu: None,
            packets: None,
        };
        m.cpu = m.read("stat").as_deref().and_then(parse_stat);
        m.packets = m.read("net/dev").as_deref().and_then(parse_net_dev);
        m
    }

    fn read(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.proc_root.join(name)).ok()
    }

    /// Reads the metrics now: one sample per node (the same reading under every name).
    pub fn sample(&mut self) -> Vec<HostSample> {
        if self.nodes.is_empty() {
            return Vec::new();
        }
        let cpu_now = self.read("stat").as_deref().and_then(parse_stat);
        let cpu = match (self.cpu, cpu_now) {
            (Some(before), Some(after)) => cpu_percent(before, after),
            _ => None,
        };
        if cpu_now.is_some() {
            self.cpu = cpu_now;
        }
        let packets_now = self.read("net/dev").as_deref().and_then(parse_net_dev);
        let (recv, sent) = match (self.packets, packets_now) {
            (Some((r0, s0)), Some((r1, s1))) => (r1.checked_sub(r0), s1.checked_sub(s0)),
            _ => (None, None),
        };
        if packets_now.is_some() {
            self.packets = packets_now;
        }
        let reading = HostSample {
            node: String::new(),
            cpu,
            freemem: self.read("meminfo").as_deref().and_then(parse_meminfo),
            load: self.read("loadavg").as_deref().and_then(parse_loadavg),
            recvpackets: recv,
            sentpackets: sent,
        };
        self.nodes
            .iter()
            .map(|node| HostSample {
                node: node.clone(),
                ..reading.clone()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &str = "cpu  100 10 50 800 40 5 5 0 7 0\ncpu0 50 5 25 400 20 2 3 0 0 0\nintr 1 2\n";

    #[test]
    fn stat_keeps_busy_and_total() {
        // total: 100+10+50+800+40+5+5+0 (guest left out); idle: 800+40.
        assert_eq!(
            parse_stat(STAT),
            Some(CpuTimes {
                busy: 170,
                total: 1010
            })
        );
        assert_eq!(parse_stat("cpu0 1 2 3 4\n"), None);
        assert_eq!(parse_stat("cpu  1 x 3 4\n"), None);
        assert_eq!(parse_stat("cpu  1 2 3\n"), None);
        // Old kernels: four states.
        assert_eq!(
            parse_stat("cpu  1 2 3 4\n"),
            Some(CpuTimes { busy: 6, total: 10 })
        );
    }

    #[test]
    fn cpu_percent_is_of_all_cores() {
        let a = CpuTimes {
            busy: 1000,
            total: 4000,
        };
        // Two cores for one second (200 ticks): one fully busy → 50 %.
        let b = CpuTimes {
            busy: 1100,
            total: 4200,
        };
        assert_eq!(cpu_percent(a, b), Some(50.0));
        let all = CpuTimes {
            busy: 1200,
            total: 4200,
        };
        assert_eq!(cpu_percent(a, all), Some(100.0));
        assert_eq!(cpu_percent(a, a), None);
        assert_eq!(cpu_percent(b, a), None);
    }

    #[test]
    fn meminfo_prefers_mem_available() {
        let with = "MemTotal: 8000000 kB\nMemFree: 1024 kB\nMemAvailable: 204800 kB\nBuffers: 1 kB\nCached: 2 kB\n";
        assert_eq!(parse_meminfo(with), Some(200.0));
        let old = "MemTotal: 8000000 kB\nMemFree: 1024 kB\nBuffers: 512 kB\nCached: 512 kB\n";
        assert_eq!(parse_meminfo(old), Some(2.0));
        assert_eq!(parse_meminfo("MemTotal: 1 kB\n"), None);
    }

    #[test]
    fn loadavg_is_the_first_field() {
        assert_eq!(parse_loadavg("1.48 1.27 1.53 2/90 28773\n"), Some(1.48));
        assert_eq!(parse_loadavg(""), None);
        assert_eq!(parse_loadavg("x 1 2"), None);
    }

    #[test]
    fn net_dev_sums_eth_interfaces() {
        let text = "Inter-|   Receive                                                |  Transmit\n \
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n\
    lo: 9999 777 0 0 0 0 0 0 9999 777 0 0 0 0 0 0\n\
  eth0: 1000 10 0 0 0 0 0 0 2000 20 0 0 0 0 0 0\n\
  veth1a2b: 500 5 0 0 0 0 0 0 600 6 0 0 0 0 0 0\n\
  ens3: 100 1 0 0 0 0 0 0 100 1 0 0 0 0 0 0\n";
        assert_eq!(parse_net_dev(text), Some((15, 26)));
        assert_eq!(
            parse_net_dev("  lo: 1 2 0 0 0 0 0 0 3 4 0 0 0 0 0 0\n"),
            None
        );
    }

    #[test]
    fn this_machine_is_known_by_its_host_name() {
        // The rules themselves are tested with `Monitor::names_this_machine`.
        assert!(is_this_machine("localhost"));
        assert!(!is_this_machine("db.example.invalid"));
        if let Some(name) = full_hostname() {
            assert!(is_this_machine(&name));
        }
    }

    #[test]
    fn readings_come_from_the_proc_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("net")).unwrap();
        let write = |name: &str, text: &str| std::fs::write(root.join(name), text).unwrap();
        write("stat", "cpu  100 0 0 300 0 0 0 0\n");
        write("net/dev", "eth0: 0 10 0 0 0 0 0 0 0 20 0 0 0 0 0 0\n");
        write("meminfo", "MemAvailable: 2048 kB\n");
        write("loadavg", "0.50 0.40 0.30 1/2 3\n");
        let mut m = HostMonitor::with_proc_root(
            vec!["tsung_controller@a".into(), "os_mon@localhost".into()],
            root.to_path_buf(),
        );
        write("stat", "cpu  175 0 0 325 0 0 0 0\n");
        write("net/dev", "eth0: 0 15 0 0 0 0 0 0 0 27 0 0 0 0 0 0\n");
        let s = m.sample();
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].node, "os_mon@localhost");
        assert_eq!(s[0].cpu, Some(75.0));
        assert_eq!(s[0].freemem, Some(2.0));
        assert_eq!(s[0].load, Some(0.5));
        assert_eq!((s[0].recvpackets, s[0].sentpackets), (Some(5), Some(7)));
        // A counter that went backwards gives no packets.
        write("net/dev", "eth0: 0 1 0 0 0 0 0 0 0 1 0 0 0 0 0 0\n");
        let s = m.sample();
        assert_eq!((s[0].recvpackets, s[0].sentpackets), (None, None));
        assert_eq!(s[0].cpu, None);
    }
}
