//! Facts about this machine and process that the plan and the reports need.

/// The open-file limit a generator process can reach: the hard `RLIMIT_NOFILE` (the engine
/// raises its soft limit to it). `None` when unknown.
#[cfg(unix)]
pub(crate) fn open_file_limit() -> Option<u64> {
    use nix::sys::resource::{Resource, getrlimit};
    let (_soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).ok()?;
    // RLIM_INFINITY and absurd values: no practical limit.
    (hard < u64::from(u32::MAX)).then_some(hard)
}

#[cfg(not(unix))]
pub(crate) fn open_file_limit() -> Option<u64> {
    None
}

/// This machine's host name.
#[cfg(unix)]
pub(crate) fn hostname() -> Option<String> {
    nix::unistd::gethostname()
        .ok()
        .and_then(|s| s.into_string().ok())
}

#[cfg(not(unix))]
pub(crate) fn hostname() -> Option<String> {
    std::env::var("COMPUTERNAME").ok()
}

/// Available cores.
pub(crate) fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `(current, peak)` resident memory of this process in bytes, from `/proc/self/status`
/// (Linux); `None` elsewhere.
pub(crate) fn memory() -> (Option<u64>, Option<u64>) {
    let Ok(text) = std::fs::read_to_string("/proc/self/status") else {
        return (None, None);
    };
    parse_status(&text)
}

fn parse_status(text: &str) -> (Option<u64>, Option<u64>) {
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.trim().strip_suffix("kB"))
            .and_then(|n| n.trim().parse::<u64>().ok())
            .map(|kib| kib * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Whether a `<client host>` names this machine: `localhost`, a loopback address, or this
/// machine's host name (short or qualified).
pub(crate) fn is_local_host(host: &str, hostname: Option<&str>) -> bool {
    let h = host.trim().trim_matches(['[', ']']).to_ascii_lowercase();
    if h == "localhost" || h.ends_with(".localhost") || h == "localhost.localdomain" {
        return true;
    }
    if let Ok(ip) = h.parse::<std::net::IpAddr>() {
        return ip.is_loopback();
    }
    let Some(name) = hostname else {
        return false;
    };
    let name = name.trim().to_ascii_lowercase();
    let short = |s: &str| s.split('.').next().unwrap_or("").to_owned();
    !name.is_empty() && (h == name || short(&h) == short(&name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_fields() {
        let text = "Name:\tx\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n";
        assert_eq!(parse_status(text), (Some(1024 * 1024), Some(2048 * 1024)));
        assert_eq!(parse_status("nothing"), (None, None));
    }

    #[test]
    fn local_hosts() {
        let cases: &[(&str, Option<&str>, bool)] = &[
            ("localhost", None, true),
            ("127.0.0.1", None, true),
            ("[::1]", None, true),
            ("gen1", Some("gen1.example.org"), true),
            ("gen2", Some("gen1"), false),
            ("10.0.0.5", Some("gen1"), false),
        ];
        for (host, name, want) in cases {
            assert_eq!(is_local_host(host, *name), *want, "{host} {name:?}");
        }
    }
}
