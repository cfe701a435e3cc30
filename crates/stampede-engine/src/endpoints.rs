//! Where users connect: a per-worker table from (scheme, host, port) to a resolved
//! [`Endpoint`], filled at start with the scenario's servers and absolute URLs, and the
//! `--target` redirection.
//!
//! A user keeps the endpoint of its current target, so the table is only consulted when a user
//! starts or changes target; requests reuse the same `Arc<Endpoint>`, which is what lets the
//! HTTP client keep its connection.

use crate::config::TargetOverride;
use crate::error::EngineError;
use stampede_http::{AddrFamily, Endpoint, Resolver};
use stampede_model::{Action, ErrorClass, Scenario, Scheme, Url};
use stampede_session::Target;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;

type Resolved = Result<Arc<Endpoint>, ErrorClass>;

#[derive(Clone, Debug, PartialEq, Eq)]
struct Key {
    scheme: Scheme,
    host: Box<str>,
    port: u16,
    ipv6: bool,
}

impl Key {
    fn of(t: &Target) -> Key {
        Key {
            scheme: t.scheme,
            host: t.host.clone(),
            port: t.port,
            ipv6: t.ipv6,
        }
    }

    fn matches(&self, t: &Target) -> bool {
        self.scheme == t.scheme
            && self.port == t.port
            && self.ipv6 == t.ipv6
            && *self.host == *t.host
    }
}

/// `--target`: the scenario's server hosts and the address that replaces them.
#[derive(Clone, Debug)]
struct Redirect {
    /// Lower-cased host names of the scenario's `<server>`s.
    hosts: Vec<String>,
    addr: SocketAddr,
}

/// The endpoint table of a worker.
#[derive(Clone, Debug, Default)]
pub(crate) struct Endpoints {
    entries: Vec<(Key, Resolved)>,
    redirect: Option<Redirect>,
}

impl Endpoints {
    /// The table for `scenario`, with every `<server>` and every static absolute URL resolved
    /// now (names that do not resolve are remembered as `error_connect_nxdomain`, and listed
    /// in the returned warnings).
    pub(crate) async fn prepare(
        scenario: &Scenario,
        servers: &[Arc<Target>],
        target: Option<&TargetOverride>,
    ) -> Result<(Endpoints, Vec<String>), EngineError> {
        let redirect = match target {
            Some(t) => Some(Redirect {
                hosts: scenario
                    .servers
                    .iter()
                    .map(|s| s.host.to_ascii_lowercase())
                    .collect(),
                addr: resolve_override(t)?,
            }),
            None => None,
        };
        let mut table = Endpoints {
            entries: Vec::new(),
            redirect,
        };
        let mut targets: Vec<Target> = servers.iter().map(|t| (**t).clone()).collect();
        let ipv6 = scenario.servers.first().is_some_and(|s| s.kind.is_ipv6());
        for session in &scenario.sessions {
            session.walk(|a| {
                if let Action::Request(r) = a
                    && let Url::Static(u) = &r.http.url
                    && let Some(auth) = &u.authority
                {
                    targets.push(Target::new(auth.scheme, &auth.host, auth.port, ipv6));
                }
            });
        }
        let mut warnings = Vec::new();
        for t in &targets {
            if table.find(t).is_some() {
                continue;
            }
            let resolved = table.resolve(t).await;
            if resolved.is_err() {
                warnings.push(format!(
                    "cannot resolve {}: its requests will fail with error_connect_nxdomain",
                    t.host
                ));
            }
            table.insert(t, resolved);
        }
        Ok((table, warnings))
    }

    /// The endpoint of `target`, if known (a redirected one is created and kept on first use).
    pub(crate) fn get(&mut self, target: &Target) -> Option<Resolved> {
        if let Some(found) = self.find(target) {
            return Some(found);
        }
        let redirected = self.redirected(target)?;
        self.entries.push((Key::of(target), Ok(redirected.clone())));
        Some(Ok(redirected))
    }

    fn find(&self, target: &Target) -> Option<Resolved> {
        self.entries
            .iter()
            .find(|(k, _)| k.matches(target))
            .map(|(_, r)| r.clone())
    }

    /// Remembers the endpoint of `target`.
    pub(crate) fn insert(&mut self, target: &Target, resolved: Resolved) {
        if !self.entries.iter().any(|(k, _)| k.matches(target)) {
            self.entries.push((Key::of(target), resolved));
        }
    }

    async fn resolve(&self, target: &Target) -> Resolved {
        if let Some(r) = self.redirected(target) {
            return Ok(r);
        }
        Resolver::lookup(target.scheme, &target.host, target.port, family(target)).await
    }

    fn redirected(&self, target: &Target) -> Option<Arc<Endpoint>> {
        let r = self.redirect.as_ref()?;
        // The name stays the scenario's (Host header, TLS server name); the address changes.
        r.hosts
            .iter()
            .any(|h| h.eq_ignore_ascii_case(&target.host))
            .then(|| Endpoint::new(target.scheme, &target.host, r.addr))
    }
}

/// The address family a target asks for.
pub(crate) fn family(t: &Target) -> AddrFamily {
    if t.ipv6 {
        AddrFamily::PreferV6
    } else {
        AddrFamily::PreferV4
    }
}

fn resolve_override(t: &TargetOverride) -> Result<SocketAddr, EngineError> {
    let unresolved = |reason: String| EngineError::TargetUnresolved {
        target: t.to_string(),
        reason,
    };
    let mut addrs = (t.host.as_str(), t.port)
        .to_socket_addrs()
        .map_err(|e| unresolved(e.to_string()))?;
    let all: Vec<SocketAddr> = addrs.by_ref().collect();
    all.iter()
        .find(|a| a.is_ipv4())
        .or_else(|| all.first())
        .copied()
        .ok_or_else(|| unresolved("no address".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn redirect_keeps_the_name_and_changes_the_address() {
        let mut table = Endpoints {
            entries: Vec::new(),
            redirect: Some(Redirect {
                hosts: vec!["www.example.org".into()],
                addr: "127.0.0.1:9999".parse().unwrap(),
            }),
        };
        let t = Target::new(Scheme::Https, "WWW.example.org", 443, false);
        let e = table.get(&t).unwrap().unwrap();
        assert_eq!(e.addr(), "127.0.0.1:9999".parse().unwrap());
        assert_eq!(e.host(), "WWW.example.org");
        assert_eq!(e.scheme(), Scheme::Https);
        let other = Target::new(Scheme::Http, "127.0.0.2", 80, false);
        assert!(table.get(&other).is_none());
        let again = table.get(&t).unwrap().unwrap();
        assert!(Arc::ptr_eq(&e, &again));
        let resolved = table.resolve(&other).await.unwrap();
        assert_eq!(resolved.addr(), "127.0.0.2:80".parse().unwrap());
    }

    #[test]
    fn entries_are_found_by_scheme_host_and_port() {
        let mut table = Endpoints::default();
        let t = Target::new(Scheme::Http, "127.0.0.1", 8080, false);
        let e = Endpoint::new(Scheme::Http, "127.0.0.1", "127.0.0.1:8080".parse().unwrap());
        table.insert(&t, Ok(e.clone()));
        assert!(Arc::ptr_eq(&table.get(&t).unwrap().unwrap(), &e));
        let https = Target::new(Scheme::Https, "127.0.0.1", 8080, false);
        assert!(table.get(&https).is_none());
    }
}
