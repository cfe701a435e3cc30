//! How the dashboard is set up, and what its start reports back.

use crate::error::DashboardError;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;

/// The dashboard's port when none is given, as Tsung's.
pub const DEFAULT_PORT: u16 = 8091;

/// Ports tried, from the requested one upwards, when it is taken.
pub const DEFAULT_PORT_ATTEMPTS: u16 = 20;

/// Log lines kept in memory.
pub const DEFAULT_LOG_CAPACITY: usize = 2_000;

/// How to run the dashboard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DashboardConfig {
    /// Where to listen; `127.0.0.1:8091` by default. Port 0 picks any free port.
    pub bind: SocketAddr,
    /// The run directory: the Logs page lists it and only files inside it are served.
    pub run_dir: PathBuf,
    /// Title of the pages (the scenario's name, usually).
    pub title: String,
    /// Whether the dashboard stays up after the run (`-k`): the pages then offer to close it.
    pub keep_alive: bool,
    /// Ports tried upwards from `bind`'s when it is taken (1 = only that port).
    pub port_attempts: u16,
    /// Extra `Host` names accepted when bound to a loopback address (`localhost`, the
    /// loopback addresses and the bound address are always accepted).
    pub allowed_hosts: Vec<String>,
    /// Log lines kept in memory (older ones are dropped).
    pub log_capacity: usize,
}

impl DashboardConfig {
    /// The defaults: `127.0.0.1:8091`, no `-k`.
    pub fn new(run_dir: impl Into<PathBuf>, title: impl Into<String>) -> Self {
        Self {
            bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), DEFAULT_PORT),
            run_dir: run_dir.into(),
            title: title.into(),
            keep_alive: false,
            port_attempts: DEFAULT_PORT_ATTEMPTS,
            allowed_hosts: Vec::new(),
            log_capacity: DEFAULT_LOG_CAPACITY,
        }
    }
}

/// Parses the `--dashboard ADDR` value: `IP:PORT`, `[IPv6]:PORT`, a bare `PORT` or `:PORT`
/// (on 127.0.0.1), or a bare IP (on port 8091). `localhost` stands for 127.0.0.1.
pub fn parse_bind(input: &str) -> Result<SocketAddr, DashboardError> {
    let text = input.trim();
    let invalid = |reason: &str| DashboardError::InvalidAddress {
        input: input.to_owned(),
        reason: reason.to_owned(),
    };
    if text.is_empty() {
        return Err(invalid("empty"));
    }
    let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let port_of = |p: &str| {
        p.parse::<u16>()
            .map_err(|_| invalid("the port must be a number from 0 to 65535"))
    };
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(SocketAddr::new(loopback, port_of(text)?));
    }
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    if let Ok(ip) = text.trim_matches(['[', ']']).parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, DEFAULT_PORT));
    }
    if let Some(port) = text.strip_prefix(':') {
        return Ok(SocketAddr::new(loopback, port_of(port)?));
    }
    if let Some(rest) = text.strip_prefix("localhost") {
        return match rest.strip_prefix(':') {
            Some(port) => Ok(SocketAddr::new(loopback, port_of(port)?)),
            None if rest.is_empty() => Ok(SocketAddr::new(loopback, DEFAULT_PORT)),
            None => Err(invalid("expected IP:PORT, PORT or IP")),
        };
    }
    Err(invalid(
        "expected IP:PORT, [IPv6]:PORT, PORT or IP (host names other than localhost are not resolved)",
    ))
}

/// What [`crate::start`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartInfo {
    /// The address listened on.
    pub addr: SocketAddr,
    /// The address asked for.
    pub requested: SocketAddr,
    /// Lines worth printing: the port moved, or the dashboard is reachable from other
    /// machines without authentication.
    pub notices: Vec<String>,
}

impl StartInfo {
    /// Whether another port than the one asked for is used.
    pub fn port_changed(&self) -> bool {
        self.requested.port() != 0 && self.addr.port() != self.requested.port()
    }

    /// The URL to print: `http://127.0.0.1:8091/` (a loopback address when bound to all
    /// interfaces).
    pub fn url(&self) -> String {
        url_of(self.addr)
    }
}

pub(crate) fn url_of(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}/", SocketAddr::new(ip, addr.port()))
}

/// The notices of a start.
pub(crate) fn notices(requested: SocketAddr, addr: SocketAddr) -> Vec<String> {
    let mut out = Vec::new();
    if requested.port() != 0 && requested.port() != addr.port() {
        out.push(format!(
            "port {} in use, using {}",
            requested.port(),
            addr.port()
        ));
    }
    if !addr.ip().is_loopback() {
        out.push(format!(
            "the dashboard listens on {addr} without authentication: anyone who can reach this address can read the run directory and stop the test"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bind_addresses() {
        let ok = [
            ("8092", "127.0.0.1:8092"),
            (":9000", "127.0.0.1:9000"),
            ("0.0.0.0", "0.0.0.0:8091"),
            ("10.1.2.3:80", "10.1.2.3:80"),
            ("[::1]:8091", "[::1]:8091"),
            ("::1", "[::1]:8091"),
            ("[::]", "[::]:8091"),
            ("localhost", "127.0.0.1:8091"),
            ("localhost:0", "127.0.0.1:0"),
            (" 127.0.0.1:1 ", "127.0.0.1:1"),
        ];
        for (input, want) in ok {
            let got = parse_bind(input).map(|a| a.to_string());
            assert_eq!(got.as_deref().ok(), Some(want), "{input}: {got:?}");
        }
        for bad in [
            "",
            "65536",
            "example.com:80",
            "localhost:x",
            "localhostx",
            "1.2.3.4:",
        ] {
            let err = parse_bind(bad).unwrap_err();
            assert!(
                err.to_string().contains("invalid dashboard address"),
                "{err}"
            );
        }
    }

    #[test]
    fn notices_say_what_changed() {
        let a = |s: &str| s.parse::<SocketAddr>().unwrap();
        assert_eq!(
            notices(a("127.0.0.1:8091"), a("127.0.0.1:8092")),
            ["port 8091 in use, using 8092"]
        );
        assert!(notices(a("127.0.0.1:0"), a("127.0.0.1:40000")).is_empty());
        assert!(notices(a("127.0.0.1:8091"), a("127.0.0.1:8091")).is_empty());
        let open = notices(a("0.0.0.0:8091"), a("0.0.0.0:8091"));
        assert_eq!(open.len(), 1);
        assert!(open[0].contains("without authentication"), "{open:?}");
    }

    #[test]
    fn urls_use_loopback_for_wildcards() {
        let info = |addr: &str| StartInfo {
            addr: addr.parse().unwrap(),
            requested: addr.parse().unwrap(),
            notices: Vec::new(),
        };
        assert_eq!(info("0.0.0.0:8091").url(), "http://127.0.0.1:8091/");
        assert_eq!(info("[::]:8091").url(), "http://[::1]:8091/");
        assert_eq!(info("10.0.0.1:80").url(), "http://10.0.0.1:80/");
        assert!(!info("10.0.0.1:80").port_changed());
    }
}
