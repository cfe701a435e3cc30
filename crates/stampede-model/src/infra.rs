//! Load generators (`<clients>`), targets (`<servers>`) and OS monitoring (`<monitoring>`).

use std::net::IpAddr;

/// A `<client>`: a load generator (host or local process) and its share of the load.
#[derive(Clone, Debug, PartialEq)]
pub struct Client {
    /// `host`; `localhost` for the local machine.
    pub host: String,
    /// `use_controller_vm`: run users in the controller's own process.
    pub use_controller_vm: bool,
    /// `maxusers` (code default 800): most simultaneous users per generator process.
    pub maxusers: u32,
    /// `weight` (default 1): share of arrival rates, `maxnumber` and static users.
    pub weight: f64,
    /// `cpu` (default 1): processes to start on that host, each with `weight / cpu`.
    pub cpu: u32,
    pub kind: ClientKind,
    /// `<ip>` children, used round-robin as source addresses.
    pub ips: Vec<IpSource>,
    /// `<iprange>`: a random source address per user.
    pub iprange: Option<IpRange>,
}

/// `type` of a `<client>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientKind {
    Machine,
    /// Hosts come from a batch scheduler (`batch` = torque, pbs, lsf, oar).
    Batch {
        scheduler: String,
        scan_intf: Option<String>,
    },
}

/// One `<ip>` source address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IpSource {
    Addr(IpAddr),
    /// `value="resolve"`: the address of the client's host name.
    Resolve,
    /// `scan="true" value="eth0"`: every address of that interface.
    ScanInterface(String),
}

/// `<iprange version="v4" value="10.0.1-20.0-254"/>`: inclusive ranges per octet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpRange {
    pub octets: [(u8, u8); 4],
}

/// A `<server>`: where users send traffic, chosen per user by weight.
#[derive(Clone, Debug, PartialEq)]
pub struct Server {
    pub host: String,
    pub port: u16,
    pub kind: ServerKind,
    /// `weight` (default 1).
    pub weight: f64,
}

/// `type` of a `<server>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ServerKind {
    Tcp,
    Ssl,
    Udp,
    Tcp6,
    Ssl6,
    Udp6,
    Bosh,
    BoshSsl,
    Websocket,
    WebsocketSsl,
    Erlang,
}

impl ServerKind {
    /// The attribute value as written in XML.
    pub fn as_str(self) -> &'static str {
        match self {
            ServerKind::Tcp => "tcp",
            ServerKind::Ssl => "ssl",
            ServerKind::Udp => "udp",
            ServerKind::Tcp6 => "tcp6",
            ServerKind::Ssl6 => "ssl6",
            ServerKind::Udp6 => "udp6",
            ServerKind::Bosh => "bosh",
            ServerKind::BoshSsl => "bosh_ssl",
            ServerKind::Websocket => "websocket",
            ServerKind::WebsocketSsl => "websocket_ssl",
            ServerKind::Erlang => "erlang",
        }
    }

    /// Whether traffic to this server is wrapped in TLS.
    pub fn is_tls(self) -> bool {
        matches!(
            self,
            ServerKind::Ssl | ServerKind::Ssl6 | ServerKind::BoshSsl | ServerKind::WebsocketSsl
        )
    }

    /// Whether the address family must be IPv6.
    pub fn is_ipv6(self) -> bool {
        matches!(self, ServerKind::Tcp6 | ServerKind::Ssl6 | ServerKind::Udp6)
    }
}

/// A `<monitor>`: OS metrics of a target host.
#[derive(Clone, Debug, PartialEq)]
pub struct Monitor {
    pub host: String,
    /// `batch="true"`: `host` names a batch scheduler whose nodes are all monitored.
    pub batch: bool,
    pub kind: MonitorKind,
    /// `<mysqladmin port username password>` (erlang monitors only).
    pub mysqladmin: Option<MysqlAdmin>,
}

impl Monitor {
    /// Whether `host` (a `<monitor host>`) names the machine called `hostname` (its full host
    /// name, when known): `localhost`, a loopback address, or that name in full or short form.
    pub fn names_this_machine(host: &str, hostname: Option<&str>) -> bool {
        let host = host.trim();
        if host.eq_ignore_ascii_case("localhost") {
            return true;
        }
        if let Ok(ip) = host.trim_matches(['[', ']']).parse::<IpAddr>() {
            return ip.is_loopback();
        }
        let Some(full) = hostname.map(str::trim).filter(|h| !h.is_empty()) else {
            return false;
        };
        let short = full.split('.').next().unwrap_or(full);
        host.eq_ignore_ascii_case(full) || host.eq_ignore_ascii_case(short)
    }
}

/// How a host is monitored.
#[derive(Clone, Debug, PartialEq)]
pub enum MonitorKind {
    /// An agent on the host (Tsung starts an Erlang node over ssh).
    Erlang,
    Snmp {
        version: SnmpVersion,
        community: String,
        port: u16,
        oids: Vec<SnmpOid>,
    },
    Munin {
        port: u16,
    },
}

/// SNMP protocol version (code default v2; the DTD says v1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnmpVersion {
    V1,
    V2,
}

/// An extra `<oid>` to poll.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnmpOid {
    pub value: String,
    pub name: String,
    /// sample, counter or sum.
    pub kind: String,
    /// Erlang fun applied to the value.
    pub eval: Option<String>,
}

/// `<mysqladmin>` inside an erlang monitor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MysqlAdmin {
    pub port: u16,
    pub username: String,
    pub password: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::Monitor;

    #[test]
    fn loopback_and_own_names_are_this_machine() {
        let here = Some("box.example.org");
        for h in [
            "localhost",
            "LOCALHOST",
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "[::1]",
            " box ",
            "BOX.example.org",
        ] {
            assert!(Monitor::names_this_machine(h, here), "{h}");
        }
        for h in ["10.0.0.5", "db.example.org", "::2", "", "boxer"] {
            assert!(!Monitor::names_this_machine(h, here), "{h}");
        }
        assert!(!Monitor::names_this_machine("box", None));
        assert!(!Monitor::names_this_machine("box", Some("  ")));
        assert!(Monitor::names_this_machine("localhost", None));
    }
}
