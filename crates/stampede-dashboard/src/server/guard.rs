//! Who may talk to the dashboard: `Host` checks against DNS rebinding, and same-origin
//! checks on the Stop request against cross-site requests.

use axum::http::{HeaderMap, header};
use std::net::SocketAddr;

/// The `Host` values accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HostGuard {
    /// Off when bound to a non-loopback address: the names that reach it are not known.
    check: bool,
    allowed: Vec<String>,
}

impl HostGuard {
    pub(crate) fn new(addr: SocketAddr, extra: &[String]) -> Self {
        let port = addr.port();
        let mut allowed = vec![
            format!("127.0.0.1:{port}"),
            format!("localhost:{port}"),
            format!("[::1]:{port}"),
            addr.to_string(),
        ];
        for host in extra {
            let host = host.trim().to_ascii_lowercase();
            if host.is_empty() {
                continue;
            }
            if !host.contains(':') || host.ends_with(']') {
                allowed.push(format!("{host}:{port}"));
            }
            allowed.push(host);
        }
        Self {
            check: addr.ip().is_loopback(),
            allowed,
        }
    }

    /// Whether a request with this `Host` header may be served. Requests without `Host` come
    /// from non-browser clients (browsers always send it) and are served.
    pub(crate) fn allows(&self, headers: &HeaderMap) -> bool {
        if !self.check {
            return true;
        }
        match headers.get(header::HOST).map(|h| h.to_str()) {
            None => true,
            Some(Ok(host)) => {
                let host = host.trim().to_ascii_lowercase();
                self.allowed.contains(&host)
            }
            Some(Err(_)) => false,
        }
    }
}

/// Checks that a state-changing request comes from the dashboard's own pages or from a
/// non-browser client, never from a page of another site: a present `Origin` must be this
/// server, `Sec-Fetch-Site` (when sent) must say same-origin, and the body must be JSON
/// (which a cross-site form cannot send, and a cross-site script cannot send without a
/// preflight this server never answers).
pub(crate) fn check_same_origin(headers: &HeaderMap) -> Result<(), &'static str> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(origin) = text("origin") {
        let host = text("host").ok_or("a request with an Origin must have a Host")?;
        let expected = format!("http://{host}");
        if !origin.eq_ignore_ascii_case(&expected) {
            return Err("cross-origin request refused");
        }
    }
    if let Some(site) = text("sec-fetch-site")
        && !matches!(site, "same-origin" | "none")
    {
        return Err("cross-site request refused");
    }
    let json = text("content-type").is_some_and(|ct| {
        ct.split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
    });
    if !json {
        return Err("the request must be application/json");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn loopback_binds_check_the_host() {
        let guard = HostGuard::new("127.0.0.1:8091".parse().unwrap(), &["MyBox".into()]);
        let cases = [
            (vec![("host", "127.0.0.1:8091")], true),
            (vec![("host", "LOCALHOST:8091")], true),
            (vec![("host", "[::1]:8091")], true),
            (vec![("host", "mybox:8091")], true),
            (vec![("host", "mybox")], true),
            (vec![], true),
            (vec![("host", "evil.example:8091")], false),
            (vec![("host", "127.0.0.1:8092")], false),
            (vec![("host", "localhost")], false),
        ];
        for (pairs, want) in cases {
            assert_eq!(guard.allows(&headers(&pairs)), want, "{pairs:?}");
        }
        let open = HostGuard::new("0.0.0.0:8091".parse().unwrap(), &[]);
        assert!(open.allows(&headers(&[("host", "anything:1")])));
    }

    #[test]
    fn stop_requests_must_be_same_origin_json() {
        let json = ("content-type", "application/json");
        let host = ("host", "127.0.0.1:8091");
        let cases: [(Vec<(&'static str, &'static str)>, bool); 8] = [
            (vec![host, json], true),
            (vec![host, json, ("origin", "http://127.0.0.1:8091")], true),
            (
                vec![host, ("content-type", "application/json; charset=utf-8")],
                true,
            ),
            (vec![host, json, ("sec-fetch-site", "same-origin")], true),
            (vec![host, json, ("origin", "http://evil.example")], false),
            (vec![host, json, ("origin", "null")], false),
            (vec![host, json, ("sec-fetch-site", "cross-site")], false),
            (vec![host, ("content-type", "text/plain")], false),
        ];
        for (pairs, want) in cases {
            assert_eq!(
                check_same_origin(&headers(&pairs)).is_ok(),
                want,
                "{pairs:?}"
            );
        }
    }
}
