//! How a run is configured: everything that is not in the scenario.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// Settings of one run. `Default` gives the CLI's defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct RunConfig {
    /// Worker threads, each with its own users, connections and recorder. `0` = one per
    /// available core.
    pub workers: usize,
    /// The run seed (`--seed`). `None`: the scenario's `seed` option, or else one drawn from
    /// the clock (reported in [`crate::RunSummary::seed`] so the run can be repeated).
    pub seed: Option<u64>,
    /// Statistics interval (Tsung's `dumpstats_interval`, 10 s).
    pub interval: Duration,
    /// How often the workers hand their measurements to the aggregator (and the observer gets
    /// [`crate::RunObserver::progress`]). At most `interval`.
    pub flush: Duration,
    /// `--target host:port`: connect there instead of the scenario's servers (see
    /// [`TargetOverride`]).
    pub target: Option<TargetOverride>,
    /// Accept any server certificate (self-signed test servers).
    pub tls_insecure: bool,
    /// On a graceful stop (and at `<load duration>`), how long requests in flight may take to
    /// complete before their users are cut.
    pub stop_grace: Duration,
    /// This process's place among the generator processes of the run: `(index, count)`.
    /// `(0, 1)` for a single process.
    pub process: (usize, usize),
    /// The scenario's directory: `file:read_file/1` in snippets is confined to it.
    pub scenario_dir: PathBuf,
    /// Run the share of `<client>`s on other hosts here too (`--local-clients`). Without it a
    /// scenario that names remote load generators is refused (they need the cluster feature).
    pub local_clients: bool,
    /// Sample this machine's OS metrics (`cpu`, `freemem`, `load`, packets) once per interval,
    /// as Tsung always does for its controller host, under Tsung's node names (see
    /// [`crate::monitored_nodes`]), and poll the scenario's munin nodes (see
    /// [`crate::Monitoring`]). Off in the cluster's agents: the controller process samples.
    pub monitor_host: bool,
}

impl Default for RunConfig {
    fn default() -> Self {
        Self {
            workers: 0,
            seed: None,
            interval: Duration::from_secs(10),
            flush: Duration::from_millis(500),
            target: None,
            tls_insecure: false,
            stop_grace: Duration::from_secs(5),
            process: (0, 1),
            scenario_dir: PathBuf::from("."),
            local_clients: false,
            monitor_host: true,
        }
    }
}

impl RunConfig {
    /// Worker threads actually started.
    pub fn worker_count(&self) -> usize {
        if self.workers > 0 {
            self.workers
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        }
    }

    /// The interval, never zero.
    pub(crate) fn interval(&self) -> Duration {
        self.interval.max(Duration::from_millis(1))
    }

    /// The flush period: never zero, never longer than the interval.
    pub(crate) fn flush(&self) -> Duration {
        self.flush
            .max(Duration::from_millis(1))
            .min(self.interval())
    }
}

/// `--target host:port`: every connection to a host named by the scenario's `<server>`s goes
/// to this address instead, whatever port the scenario or an absolute URL names. Requests are
/// unchanged (`Host` header, TLS server name, cookies), like `curl --connect-to`; so absolute
/// URLs and redirects the application builds from its own host name keep working.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TargetOverride {
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    pub port: u16,
}

/// Why a `--target` value is not `host:port`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not host:port (examples: localhost:8080, 10.0.0.5:80, [::1]:8080)")]
pub struct TargetOverrideError(String);

impl FromStr for TargetOverride {
    type Err = TargetOverrideError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || TargetOverrideError(s.to_owned());
        let (host, port) = if let Some(rest) = s.strip_prefix('[') {
            let (host, after) = rest.split_once(']').ok_or_else(bad)?;
            (host, after.strip_prefix(':').ok_or_else(bad)?)
        } else {
            let (host, port) = s.rsplit_once(':').ok_or_else(bad)?;
            if host.contains(':') {
                return Err(bad());
            }
            (host, port)
        };
        if host.is_empty() || host.contains(['/', ' ']) {
            return Err(bad());
        }
        let port: u16 = port.parse().map_err(|_| bad())?;
        Ok(TargetOverride {
            host: host.to_owned(),
            port,
        })
    }
}

impl fmt::Display for TargetOverride {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_override_parses() {
        let cases: &[(&str, Option<(&str, u16)>)] = &[
            ("localhost:8080", Some(("localhost", 8080))),
            ("10.0.0.5:80", Some(("10.0.0.5", 80))),
            ("[::1]:8443", Some(("::1", 8443))),
            ("localhost", None),
            ("::1:80", None),
            (":80", None),
            ("host:99999", None),
            ("http://h:80", None),
        ];
        for (text, want) in cases {
            let got = text.parse::<TargetOverride>().ok();
            let got = got.as_ref().map(|t| (t.host.as_str(), t.port));
            assert_eq!(got, *want, "{text}");
        }
        let t: TargetOverride = "[::1]:8443".parse().unwrap();
        assert_eq!(t.to_string(), "[::1]:8443");
    }

    #[test]
    fn flush_is_bounded_by_the_interval() {
        let c = RunConfig {
            interval: Duration::from_millis(200),
            flush: Duration::from_secs(1),
            ..RunConfig::default()
        };
        assert_eq!(c.flush(), Duration::from_millis(200));
        let z = RunConfig {
            interval: Duration::ZERO,
            flush: Duration::ZERO,
            ..RunConfig::default()
        };
        assert_eq!(z.interval(), Duration::from_millis(1));
        assert_eq!(z.flush(), Duration::from_millis(1));
        assert!(RunConfig::default().worker_count() >= 1);
    }
}
