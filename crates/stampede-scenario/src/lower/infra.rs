//! `<tsung>` attributes, `<information>`, `<clients>`, `<servers>` and `<monitoring>`.

use super::Lower;
use crate::erlang;
use crate::xml::Element;
use stampede_model::{
    Backend, Client, ClientKind, DumpTraffic, Information, IpRange, IpSource, LogLevel, Monitor,
    MonitorKind, MysqlAdmin, RootOptions, Server, ServerKind, SnmpOid, SnmpVersion,
};
use std::net::IpAddr;

pub(crate) fn root(el: &Element, cx: &mut Lower<'_>) -> RootOptions {
    let loglevel = match el.value("loglevel") {
        Some("emergency") => LogLevel::Emergency,
        Some("critical") => LogLevel::Critical,
        Some("error") => LogLevel::Error,
        Some("warning") => LogLevel::Warning,
        Some("info") => LogLevel::Info,
        Some("debug") => LogLevel::Debug,
        _ => LogLevel::Notice,
    };
    let dumptraffic = match el.value("dumptraffic") {
        Some("true") => DumpTraffic::True,
        Some("light") => DumpTraffic::Light,
        Some("protocol") => DumpTraffic::Protocol,
        Some("protocol_local") => DumpTraffic::ProtocolLocal,
        _ => DumpTraffic::False,
    };
    let backend = match el.value("backend") {
        Some("json") => Backend::Json,
        Some("fullstats") => Backend::Fullstats,
        Some("rrdtool") => Backend::Rrdtool,
        _ => Backend::Text,
    };
    root_warnings(el, cx);
    RootOptions {
        loglevel,
        dumptraffic,
        backend,
        version: el.value("version").map(str::to_owned),
    }
}

/// Warnings for the `<tsung>` attribute values whose output Stampede does not produce.
fn root_warnings(el: &Element, cx: &mut Lower<'_>) {
    if let Some(mode @ ("true" | "light")) = el.value("dumptraffic") {
        let what = if mode == "true" {
            "raw packet dump"
        } else {
            "raw packet dump cut to 44 bytes"
        };
        cx.diags
            .warning(
                "unsupported-dumptraffic",
                el.value_span("dumptraffic"),
                format!(
                    "`dumptraffic=\"{mode}\"` ({what}) is not supported: no tsung.dump is written"
                ),
            )
            .help("use `dumptraffic=\"protocol\"` for one line per HTTP request in tsung.dump");
    }
    match el.value("backend") {
        Some("json") => {
            cx.diags
                .warning(
                    "unsupported-backend",
                    el.value_span("backend"),
                    "`backend=\"json\"` is not supported: tsung.log is written in Tsung's text \
                     format",
                )
                .note("stats.json in the run directory has the same figures as JSON, and more");
        }
        Some("fullstats") => {
            cx.diags
                .warning(
                    "unsupported-backend",
                    el.value_span("backend"),
                    "`backend=\"fullstats\"` is not supported: tsung.log is written in Tsung's \
                     text format and no tsung-fullstats.log is written",
                )
                .note(
                    "stats.json in the run directory has the full distribution of every sample \
                     as HDR histograms (percentiles included)",
                );
        }
        _ => {}
    }
}

pub(crate) fn information(el: &Element) -> Information {
    let text = |name: &str| {
        el.child(name).map(|c| {
            c.children
                .iter()
                .filter_map(|n| match n {
                    crate::xml::Node::Text(t) => Some(t.text.as_str()),
                    _ => None,
                })
                .collect::<String>()
                .trim()
                .to_owned()
        })
    };
    Information {
        name: text("name"),
        description: text("description"),
        username: text("username"),
        organisation: text("organisation"),
    }
}

pub(crate) fn clients(el: &Element, cx: &mut Lower<'_>) -> Vec<Client> {
    let mut out = Vec::new();
    let mut controller_vm = false;
    for c in el.children_named("client") {
        let weight = cx.int_or(c, "weight", 1);
        let maxusers = cx.u32_or(c, "maxusers", 800);
        let mut cpu = cx.u32_or(c, "cpu", 1);
        controller_vm |= cx.flag(c, "use_controller_vm") == Some(true);
        let kind = if c.value("type") == Some("batch") {
            let Some(scheduler) = c.value("batch") else {
                cx.diags
                    .error(
                        "missing-attribute",
                        c.name_span,
                        "a batch client needs `batch` (torque, pbs, lsf or oar)",
                    )
                    .note("Tsung stops with an error when it is missing");
                continue;
            };
            ClientKind::Batch {
                scheduler: scheduler.to_owned(),
                scan_intf: c.value("scan_intf").map(str::to_owned),
            }
        } else {
            ClientKind::Machine
        };
        let host = c.value("host").unwrap_or("").to_owned();
        if kind == ClientKind::Machine && host.is_empty() {
            cx.diags.error(
                "missing-attribute",
                c.name_span,
                "`<client>` needs a `host` (use `localhost` for this machine)",
            );
        }
        if controller_vm && cpu.is_some_and(|n| n > 1) {
            cx.diags
                .warning(
                    "ignored-attribute",
                    c.attr_span("cpu"),
                    "`cpu` is forced to 1 when `use_controller_vm` is true, as Tsung does",
                )
                .note("`use_controller_vm` applies to this client and every client after it");
            cpu = Some(1);
        }
        let mut ips = Vec::new();
        for ip in c.children_named("ip") {
            let value = ip.value("value").unwrap_or("");
            if cx.flag(ip, "scan") == Some(true) {
                let iface = if value.is_empty() { "eth0" } else { value };
                ips.push(IpSource::ScanInterface(iface.to_owned()));
            } else if value == "resolve" {
                ips.push(IpSource::Resolve);
            } else {
                match value.parse::<IpAddr>() {
                    Ok(a) => ips.push(IpSource::Addr(a)),
                    Err(_) => {
                        cx.diags
                            .error(
                                "bad-address",
                                ip.value_span("value"),
                                format!("`{value}` is not an IP address"),
                            )
                            .help(
                                "write an address (`192.168.0.2`), `resolve` (the client's own \
                                 address) or `scan=\"true\" value=\"eth0\"`",
                            );
                    }
                }
            }
        }
        let iprange = c.child("iprange").and_then(|r| iprange(r, cx));
        let (Some(weight), Some(maxusers), Some(cpu)) = (weight, maxusers, cpu) else {
            continue;
        };
        out.push(Client {
            host,
            use_controller_vm: controller_vm,
            maxusers,
            weight: weight as f64,
            cpu,
            kind,
            ips,
            iprange,
        });
    }
    out
}

fn iprange(el: &Element, cx: &mut Lower<'_>) -> Option<IpRange> {
    let value = el.value("value").unwrap_or("");
    if let Some(v) = el.value("version")
        && v != "v4"
    {
        cx.diags.error(
            "bad-value",
            el.value_span("version"),
            format!("iprange version `{v}` is not supported: Tsung handles only `v4`"),
        );
        return None;
    }
    let parts: Vec<&str> = value.split('.').filter(|p| !p.is_empty()).collect();
    let parse_octet = |s: &str| s.trim().parse::<u8>().ok();
    let mut octets = [(0u8, 0u8); 4];
    let ok = parts.len() == 4
        && parts.iter().enumerate().all(|(i, p)| {
            let range = match p.split_once('-') {
                Some((a, b)) => parse_octet(a).zip(parse_octet(b)),
                None => parse_octet(p).map(|v| (v, v)),
            };
            match range {
                Some((a, b)) if a <= b => {
                    octets[i] = (a, b);
                    true
                }
                _ => false,
            }
        });
    if !ok {
        cx.diags
            .error(
                "bad-address",
                el.value_span("value"),
                format!("`{value}` is not an IPv4 range"),
            )
            .help("write four octets, each a number or `min-max`, e.g. `10.0.1-20.0-254`");
        return None;
    }
    Some(IpRange { octets })
}

pub(crate) fn servers(el: &Element, cx: &mut Lower<'_>) -> Vec<Server> {
    let mut out = Vec::new();
    for s in el.children_named("server") {
        let host = s.value("host").unwrap_or("").to_owned();
        let port = port(s, "port", cx);
        let weight = cx.number(s, "weight").ok().map(|w| w.unwrap_or(1.0));
        let kind = s.value("type").and_then(server_kind);
        if let Some(k) = kind
            && !http_capable(k)
            && cx
                .session_types
                .iter()
                .any(|t| t == "ts_http" || t == "ts_webdav")
        {
            cx.diags
                .error(
                    "unsupported",
                    s.value_span("type"),
                    format!("a `{}` server cannot carry HTTP sessions", k.as_str()),
                )
                .help("use `tcp`, `ssl`, `tcp6` or `ssl6`");
        }
        if let (Some(port), Some(weight), Some(kind)) = (port, weight, kind) {
            out.push(Server {
                host,
                port,
                kind,
                weight,
            });
        }
    }
    out
}

/// Whether an HTTP session can use a server of this type.
pub(crate) fn http_capable(k: ServerKind) -> bool {
    matches!(
        k,
        ServerKind::Tcp | ServerKind::Ssl | ServerKind::Tcp6 | ServerKind::Ssl6
    )
}

/// Tsung's `set_net_type`: server type names, including `ws`/`wss` which the DTD refuses on
/// `<server>` but `change_type` accepts.
pub(crate) fn server_kind(s: &str) -> Option<ServerKind> {
    Some(match s {
        "tcp" => ServerKind::Tcp,
        "tcp6" => ServerKind::Tcp6,
        "udp" => ServerKind::Udp,
        "udp6" => ServerKind::Udp6,
        "ssl" => ServerKind::Ssl,
        "ssl6" => ServerKind::Ssl6,
        "websocket" | "ws" => ServerKind::Websocket,
        "websocket_ssl" | "wss" => ServerKind::WebsocketSsl,
        "bosh" => ServerKind::Bosh,
        "bosh_ssl" => ServerKind::BoshSsl,
        "erlang" => ServerKind::Erlang,
        _ => return None,
    })
}

/// A TCP port attribute: an integer from 1 to 65535.
pub(crate) fn port(el: &Element, name: &str, cx: &mut Lower<'_>) -> Option<u16> {
    let attr = el.attr(name)?;
    let value = attr.value.clone();
    let span = attr.value_span;
    match erlang::integer(&value) {
        Ok(p) if (1..=65535).contains(&p) => Some(p as u16),
        Ok(p) => {
            cx.diags
                .error("bad-port", span, format!("port {p} is out of range"))
                .help("a TCP port is a number from 1 to 65535");
            None
        }
        Err(e) => {
            cx.diags
                .error("bad-port", span, e.describe(name, &value, "a port number"));
            None
        }
    }
}

pub(crate) fn monitoring(el: &Element, cx: &mut Lower<'_>) -> Vec<Monitor> {
    let mut out = Vec::new();
    for m in el.children_named("monitor") {
        let host = m.value("host").unwrap_or("").to_owned();
        let batch = cx.flag(m, "batch") == Some(true);
        let ty = m.value("type").unwrap_or("erlang");
        for child in m.elements() {
            let expected = match child.name.as_str() {
                "snmp" => "snmp",
                "munin" => "munin",
                "mysqladmin" => "erlang",
                _ => continue,
            };
            if expected != ty {
                cx.diags.warning(
                    "ignored-element",
                    child.name_span,
                    format!(
                        "`<{}>` is ignored in a monitor of type `{ty}` (it applies to type `{expected}`)",
                        child.name
                    ),
                );
            }
        }
        let kind = match ty {
            "snmp" => {
                let snmp = m.child("snmp");
                let version = match snmp.and_then(|s| s.value("version")) {
                    Some("v1") => SnmpVersion::V1,
                    _ => SnmpVersion::V2,
                };
                let community = snmp
                    .and_then(|s| s.value("community"))
                    .unwrap_or("public")
                    .to_owned();
                let Some(port) = snmp
                    .and_then(|s| s.attr("port").map(|_| s))
                    .map_or(Some(161), |s| port(s, "port", cx))
                else {
                    continue;
                };
                let mut oids = Vec::new();
                for oid in snmp.into_iter().flat_map(|s| s.children_named("oid")) {
                    let value = oid.value("value").unwrap_or("").to_owned();
                    if !value
                        .split('.')
                        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                    {
                        cx.diags
                            .error(
                                "bad-value",
                                oid.value_span("value"),
                                format!("`{value}` is not an SNMP OID"),
                            )
                            .help(
                                "write numbers separated by dots, e.g. `1.3.6.1.4.1.2021.10.1.3.1`",
                            );
                        continue;
                    }
                    let kind = oid.value("type").unwrap_or("sample").to_owned();
                    if !matches!(kind.as_str(), "sample" | "counter" | "sum") {
                        cx.diags.error(
                            "bad-value",
                            oid.value_span("type"),
                            format!("OID type `{kind}` is not `sample`, `counter` or `sum`"),
                        );
                        continue;
                    }
                    oids.push(SnmpOid {
                        value,
                        name: oid.value("name").unwrap_or("").to_owned(),
                        kind,
                        eval: oid.value("eval").map(str::to_owned),
                    });
                }
                MonitorKind::Snmp {
                    version,
                    community,
                    port,
                    oids,
                }
            }
            "munin" => {
                let Some(port) = m
                    .child("munin")
                    .filter(|c| c.attr("port").is_some())
                    .map_or(Some(4949), |c| port(c, "port", cx))
                else {
                    continue;
                };
                MonitorKind::Munin { port }
            }
            _ => MonitorKind::Erlang,
        };
        let mysqladmin = if ty == "erlang" {
            match m.child("mysqladmin") {
                Some(my) => {
                    let Some(port) = (if my.attr("port").is_some() {
                        port(my, "port", cx)
                    } else {
                        Some(3306)
                    }) else {
                        continue;
                    };
                    Some(MysqlAdmin {
                        port,
                        username: my.value("username").unwrap_or("root").to_owned(),
                        password: my.value("password").map(str::to_owned),
                    })
                }
                None => None,
            }
        } else {
            None
        };
        monitor_warnings(m, &host, batch, &kind, mysqladmin.is_some(), cx);
        out.push(Monitor {
            host,
            batch,
            kind,
            mysqladmin,
        });
    }
    out
}

/// Warnings for the `<monitor>` entries that are not sampled: only `erlang` monitors of this
/// machine and `munin` monitors are (the generator's own machine is always monitored).
fn monitor_warnings(
    m: &Element,
    host: &str,
    batch: bool,
    kind: &MonitorKind,
    mysqladmin: bool,
    cx: &mut Lower<'_>,
) {
    const ALWAYS: &str = "this machine is always monitored: `{cpu,\"tsung_controller@HOST\"}`, \
                          `freemem`, `load` and packets are in tsung.log and the report";
    let what = match kind {
        _ if batch => Some((
            m.value_span("batch"),
            format!(
                "the nodes of batch job `{host}` are not monitored: Stampede does not query \
                 batch schedulers"
            ),
        )),
        MonitorKind::Snmp { .. } => Some((
            m.value_span("type"),
            format!("`{host}` is not monitored: SNMP monitoring is not supported"),
        )),
        // Polled over munin-node's TCP protocol, wherever it is.
        MonitorKind::Munin { .. } => None,
        MonitorKind::Erlang if !is_this_machine(host) => Some((
            m.value_span("host"),
            format!(
                "`{host}` is not monitored: it is not this machine, and Stampede does not \
                 start a monitoring agent on other hosts (Tsung starts an Erlang node there \
                 over ssh)"
            ),
        )),
        MonitorKind::Erlang => None,
    };
    if let Some((span, message)) = what {
        cx.diags
            .warning("unsupported-monitor", span, message)
            .help(ALWAYS);
    }
    if mysqladmin && let Some(my) = m.child("mysqladmin") {
        cx.diags.warning(
            "unsupported-monitor",
            my.name_span,
            format!(
                "MySQL statistics of `{host}` (`mysql_threads`, `mysql_questions` from \
                 `mysqladmin status`) are not collected"
            ),
        );
    }
}

/// Whether `host` names this machine: `localhost`, a loopback address or its host name.
fn is_this_machine(host: &str) -> bool {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").ok();
    Monitor::names_this_machine(host, name.as_deref())
}
