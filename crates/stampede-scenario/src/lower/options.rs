//! `<options>`: global settings with Tsung's code defaults; file servers are read here.

use super::Lower;
use crate::diagnostic::did_you_mean;
use crate::erlang;
use crate::source::Span;
use crate::xml::Element;
use stampede_model::{FileId, FileServer, PortRange, RateLimit, UserAgent};
use std::path::Path;
use std::time::Duration;

/// Options Tsung knows (without a `type`).
const GENERIC: &[&str] = &[
    "thinktime",
    "ssl_ciphers",
    "ssl_versions",
    "ssl_reuse_sessions",
    "ssl_disable_sni",
    "seed",
    "rate_limit",
    "hibernate",
    "ports_range",
    "job_notify_port",
    "connect_timeout",
    "tcp_rcv_buffer",
    "udp_rcv_buffer",
    "tcp_snd_buffer",
    "udp_snd_buffer",
    "idle_timeout",
    "global_ack_timeout",
    "max_retries",
    "retry_timeout",
    "websocket_path",
    "websocket_frame",
    "websocket_subprotocols",
    "websocket_origin",
    "bosh_path",
    "file_server",
    "local_file_server",
    "global_number",
    "max_ssh_startup_per_core",
    "ip_transparent",
    "ip_bind_address_no_port",
    "tcp_reuseaddr",
    "tcp_reuseport",
];

pub(crate) fn options(el: &Element, cx: &mut Lower<'_>) {
    let mut user_agents: Vec<(UserAgent, Span)> = Vec::new();
    let mut bad_user_agent = false;
    for opt in el.children_named("option") {
        let name = opt.value("name").unwrap_or("").to_owned();
        match opt.value("type") {
            None => generic(opt, &name, cx),
            Some("ts_http") => match name.as_str() {
                "user_agent" => {
                    for ua in opt.children_named("user_agent") {
                        match user_agent(ua, cx) {
                            Some(u) => user_agents.push(u),
                            None => bad_user_agent = true,
                        }
                    }
                }
                "http_use_server_as_proxy" => {
                    if opt.value("value").map(str::trim) == Some("false") {
                        cx.diags
                            .warning(
                                "proxy-option",
                                opt.value_span("value"),
                                "proxy mode is ON: Tsung enables it whenever this option is \
                                 present, whatever its value",
                            )
                            .help("remove the option to send requests directly to the server");
                    }
                    cx.options.http_use_server_as_proxy = true;
                }
                other => {
                    cx.diags
                        .error(
                            "unknown-option",
                            opt.value_span("name"),
                            format!("unknown ts_http option `{other}`"),
                        )
                        .help(
                            "ts_http options are `user_agent` and `http_use_server_as_proxy` \
                             (Tsung stops with an error on any other)",
                        );
                }
            },
            Some(ty) => {
                if ty == "ts_jabber" && name == "global_number" {
                    if let Some(n) = cx.u32_or(opt, "value", cx.options.global_number) {
                        cx.options.global_number = n;
                    }
                } else if !cx.session_types.iter().any(|t| t == ty) {
                    cx.diags.warning(
                        "ignored-option",
                        opt.attr_span("type"),
                        format!(
                            "option `{name}` of type {ty} has no effect: no session is of type {ty}"
                        ),
                    );
                }
            }
        }
    }
    if !user_agents.is_empty() {
        let sum: f64 = user_agents.iter().map(|(u, _)| u.probability).sum();
        if (sum - 100.0).abs() >= 0.05 && !bad_user_agent {
            let first = user_agents[0].1;
            let list: Vec<String> = user_agents
                .iter()
                .map(|(u, _)| format!("{} ({})", u.probability, shorten(&u.value)))
                .collect();
            cx.diags
                .error(
                    "probability-sum",
                    first,
                    format!("user_agent probabilities add up to {sum}, not 100"),
                )
                .note(format!("probabilities: {}", list.join(", ")))
                .help("make them add up to 100");
        }
        cx.options.user_agents = user_agents.into_iter().map(|(u, _)| u).collect();
    }
}

fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(30).collect();
    if s.chars().count() > 30 {
        out.push('…');
    }
    out
}

fn user_agent(el: &Element, cx: &mut Lower<'_>) -> Option<(UserAgent, Span)> {
    let attr = el.attr("probability")?;
    let span = attr.value_span;
    let probability = match erlang::integer(&attr.value) {
        Ok(p) => p,
        Err(e) => {
            let help = if e == erlang::NumError::Float {
                "user_agent probabilities are whole percentages in Tsung"
            } else {
                "write a whole percentage, e.g. `80`"
            };
            cx.diags
                .error(
                    "bad-number",
                    span,
                    e.describe("probability", &attr.value, "a whole number"),
                )
                .help(help);
            return None;
        }
    };
    let raw = el.first_text().map(|t| t.text.as_str()).unwrap_or("");
    let value = erlang::clean_str(erlang::strip_spaces(raw)).to_owned();
    if value.is_empty() {
        cx.diags.warning(
            "empty-value",
            el.name_span,
            "this user agent is empty: the `User-Agent` header will be empty",
        );
    }
    Some((
        UserAgent {
            value,
            probability: probability as f64,
        },
        span,
    ))
}

fn ms(v: i64) -> Duration {
    Duration::from_millis(v.max(0) as u64)
}

fn generic(opt: &Element, name: &str, cx: &mut Lower<'_>) {
    let o = &mut *cx;
    match name {
        "thinktime" => o.thinktime_option(opt),
        "ssl_ciphers" => o.options.ssl.ciphers = opt.value("value").map(str::to_owned),
        "ssl_versions" => ssl_versions(opt, o),
        "ssl_reuse_sessions" => o.options.ssl.reuse_sessions = o.bool_atom(opt, "value", true),
        "ssl_disable_sni" => o.options.ssl.disable_sni = o.bool_atom(opt, "value", false),
        "seed" => {
            if let Ok(v) = o.int(opt, "value") {
                o.options.seed = v.map(|s| s as u64);
            }
        }
        "rate_limit" => {
            let rate = o.int_or(opt, "value", 512);
            if let Some(rate) = rate
                && let Some(max) = o.int_or(opt, "max", rate)
            {
                o.options.rate_limit = Some(RateLimit {
                    kbytes_per_second: rate as f64,
                    burst_kbytes: max as f64,
                });
            }
        }
        "hibernate" => match opt.value("value").map(str::trim) {
            Some("infinity") => o.options.hibernate = None,
            // Tsung's default for a missing value is 10000, then multiplied as seconds.
            None => o.options.hibernate = Some(Duration::from_secs(10_000)),
            Some(_) => {
                if let Ok(Some(s)) = o.int(opt, "value") {
                    o.options.hibernate = Some(Duration::from_secs(s as u64));
                }
            }
        },
        "ports_range" => {
            let min = o.int_or(opt, "min", 1025);
            let max = o.int_or(opt, "max", 65534);
            let on = match o.atom(opt, "value") {
                Ok(None) => true,
                Ok(Some(v)) if v == "on" => true,
                Ok(Some(v)) if v == "off" => false,
                Ok(Some(v)) => {
                    o.diags.error(
                        "bad-value",
                        opt.value_span("value"),
                        format!("ports_range value `{v}` must be `on` or `off`"),
                    );
                    return;
                }
                Err(_) => return,
            };
            if let (Some(min), Some(max), true) = (min, max, on) {
                match (u16::try_from(min), u16::try_from(max)) {
                    (Ok(lo), Ok(hi)) if lo >= 1 && lo <= hi => {
                        o.options.ports_range = Some(PortRange { min: lo, max: hi });
                    }
                    _ => {
                        o.diags
                            .error(
                                "bad-port",
                                opt.name_span,
                                format!("ports_range {min}–{max} is not a valid port range"),
                            )
                            .help("ports go from 1 to 65535 and min must not exceed max");
                    }
                }
            }
        }
        "connect_timeout" => {
            if let Some(v) = o.int_or(opt, "value", 30_000) {
                o.options.connect_timeout = Some(ms(v));
            }
        }
        "tcp_rcv_buffer" | "udp_rcv_buffer" | "tcp_snd_buffer" | "udp_snd_buffer" => {
            if let Some(v) = o.u32_or(opt, "value", 32_768) {
                let s = &mut o.options.socket;
                match name {
                    "tcp_rcv_buffer" => s.tcp_rcv_buffer = Some(v),
                    "udp_rcv_buffer" => s.udp_rcv_buffer = Some(v),
                    "tcp_snd_buffer" => s.tcp_snd_buffer = Some(v),
                    _ => s.udp_snd_buffer = Some(v),
                }
            }
        }
        "idle_timeout" => {
            if let Some(v) = o.int_or(opt, "value", 600_000) {
                o.options.idle_timeout = ms(v);
            }
        }
        "global_ack_timeout" => global_ack_timeout(opt, o),
        "glocal_ack_timeout" => {
            o.diags
                .warning(
                    "misspelt-option",
                    opt.value_span("name"),
                    "`glocal_ack_timeout` is read as `global_ack_timeout`",
                )
                .note("Tsung ignores this misspelling; Stampede applies the value")
                .help("spell it `global_ack_timeout`");
            global_ack_timeout(opt, o);
        }
        "max_retries" => {
            if let Some(v) = o.u32_or(opt, "value", 3) {
                o.options.max_retries = v;
            }
        }
        "retry_timeout" => {
            if let Some(v) = o.int_or(opt, "value", 10) {
                o.options.retry_timeout = ms(v);
            }
        }
        "file_server" | "local_file_server" => file_server(opt, name == "local_file_server", o),
        "global_number" => {
            if let Some(v) = o.u32_or(opt, "value", 100) {
                o.options.global_number = v;
            }
        }
        "ip_transparent" => o.options.socket.ip_transparent = o.bool_atom(opt, "value", false),
        "ip_bind_address_no_port" => {
            o.options.socket.ip_bind_address_no_port = o.bool_atom(opt, "value", false)
        }
        "tcp_reuseaddr" => o.options.socket.tcp_reuseaddr = o.bool_atom(opt, "value", false),
        "tcp_reuseport" => o.options.socket.tcp_reuseport = o.bool_atom(opt, "value", false),
        "job_notify_port" | "max_ssh_startup_per_core" => {
            let _ = o.int(opt, "value");
        }
        "websocket_path"
        | "websocket_frame"
        | "websocket_subprotocols"
        | "websocket_origin"
        | "bosh_path" => {}
        other => {
            let help = did_you_mean(other, GENERIC.iter().copied())
                .map(|s| format!("did you mean `{s}`?"));
            o.diags
                .warning(
                    "unknown-option",
                    opt.value_span("name"),
                    format!("unknown option `{other}` is ignored"),
                )
                .help_opt(help)
                .note("Tsung logs a warning and ignores it too");
        }
    }
}

/// `ssl_versions`: one version (an Erlang atom such as `'tlsv1.2'`) or a list; Stampede's TLS
/// speaks 1.2 and 1.3 only, so anything else is refused now rather than when users connect.
fn ssl_versions(opt: &Element, o: &mut Lower<'_>) {
    let Some(a) = opt.attr("value") else {
        return;
    };
    let tokens: Vec<String> = a
        .value
        .split([',', ' ', '[', ']'])
        .map(|t| {
            t.trim()
                .trim_matches('\'')
                .trim_matches('"')
                .to_ascii_lowercase()
        })
        .filter(|t| !t.is_empty())
        .collect();
    let bad: Vec<&String> = tokens
        .iter()
        .filter(|t| !matches!(t.as_str(), "tlsv1.2" | "tls1.2" | "tlsv1.3" | "tls1.3"))
        .collect();
    if tokens.is_empty() || !bad.is_empty() {
        let shown = bad.first().map(|b| b.as_str()).unwrap_or(a.value.as_str());
        o.diags
            .error(
                "unsupported",
                a.value_span,
                format!("TLS version `{shown}` is not supported: Stampede speaks TLS 1.2 and 1.3"),
            )
            .help("use `'tlsv1.2'` or `'tlsv1.3'`, or remove the option to negotiate");
        return;
    }
    o.options.ssl.versions = Some(a.value.clone());
}

fn global_ack_timeout(opt: &Element, o: &mut Lower<'_>) {
    if let Some(v) = o.int_or(opt, "value", 3_600_000) {
        o.options.global_ack_timeout = ms(v);
    }
}

fn file_server(opt: &Element, local: bool, o: &mut Lower<'_>) {
    let id = match o.atom(opt, "id") {
        Ok(Some(id)) => id,
        Ok(None) => "default".to_owned(),
        Err(_) => return,
    };
    let Some(attr) = opt.attr("value") else {
        o.diags.error(
            "missing-attribute",
            opt.name_span,
            "a file server needs `value`, the path of its file",
        );
        return;
    };
    if let Some(prev) = o
        .options
        .file_servers
        .iter()
        .find(|f| f.name == id && f.local == local)
    {
        let prev = prev.path.display().to_string();
        o.diags
            .warning(
                "duplicate-fileid",
                opt.value_span("id"),
                format!("file server id `{id}` is declared twice; this one is ignored"),
            )
            .note(format!("the first declaration reads `{prev}`"));
        return;
    }
    let path = resolve(&o.base_dir, &attr.value);
    let span = attr.value_span;
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            let why = match e.kind() {
                std::io::ErrorKind::NotFound => "it does not exist".to_owned(),
                std::io::ErrorKind::IsADirectory => "it is a directory".to_owned(),
                _ => e.to_string(),
            };
            o.diags
                .error(
                    "missing-file",
                    span,
                    format!(
                        "cannot read file server `{id}` at `{}`: {why}",
                        path.display()
                    ),
                )
                .note(
                    "Tsung refuses the scenario with `bad_filename` when a file server's file \
                     is missing",
                )
                .help("relative paths are taken from the scenario's directory");
            o.unreadable_file_servers.push((id, local));
            return;
        }
    };
    let lines = split_lines(&bytes);
    if lines.is_empty() {
        o.diags.warning(
            "empty-file",
            span,
            format!(
                "file server `{id}` (`{}`) has no lines: reading it fails",
                path.display()
            ),
        );
    }
    let fid = FileId(o.options.file_servers.len() as u32);
    o.options.file_servers.push(FileServer {
        id: fid,
        name: id,
        path,
        local,
        lines: lines.into(),
    });
}

/// Splits on `\n` only (a `\r` stays) and drops trailing empty lines, as Tsung does.
pub(crate) fn split_lines(bytes: &[u8]) -> Vec<Box<[u8]>> {
    let mut lines: Vec<Box<[u8]>> = bytes
        .split(|&b| b == b'\n')
        .map(|l| l.to_vec().into_boxed_slice())
        .collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

/// A path from the scenario, relative to the scenario's directory.
pub(crate) fn resolve(base: &Path, value: &str) -> std::path::PathBuf {
    let p = Path::new(value);
    if p.is_absolute() || base == Path::new(".") || base.as_os_str().is_empty() {
        p.to_path_buf()
    } else {
        base.join(p.strip_prefix(".").unwrap_or(p))
    }
}

/// Checks that need the sessions: `-x` tags that matched nothing.
pub(crate) fn after_sessions(root: &Element, cx: &mut Lower<'_>) {
    let _ = root;
    for tag in &cx.opts.exclude_tags {
        if !cx.used_exclude_tags.contains(tag) {
            cx.diags.warning(
                "unused-tag",
                None,
                format!("`-x {tag}`: no request has tag=\"{tag}\""),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_like_tsung() {
        let l = split_lines(b"a;1\r\nb;2\n\n\n");
        assert_eq!(l.len(), 2);
        assert_eq!(&*l[0], b"a;1\r");
        assert_eq!(split_lines(b"").len(), 0);
        assert_eq!(split_lines(b"x\n\ny").len(), 3);
    }
}
