//! Where to connect: [`Endpoint`]s resolved once per (scheme, host, port) and cached in a small
//! per-worker [`Resolver`].

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use rustls::pki_types::ServerName;
use stampede_model::{Authority, ErrorClass, Scheme};

/// A resolved target: scheme, host name (for TLS) and socket address. Users share them
/// through `Arc`; two requests go to the same place when their endpoints are the same `Arc`.
pub struct Endpoint {
    scheme: Scheme,
    host: Box<str>,
    addr: SocketAddr,
    server_name: ServerName<'static>,
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}://{} ({})",
            self.scheme.as_str(),
            self.host,
            self.addr
        )
    }
}

impl Endpoint {
    /// An endpoint for `host` (the name as written, used for SNI and certificate checks) at
    /// an already known address.
    pub fn new(scheme: Scheme, host: &str, addr: SocketAddr) -> Arc<Self> {
        let server_name = match ServerName::try_from(host) {
            Ok(name) => name.to_owned(),
            // Not a valid DNS name (e.g. contains `_`): TLS falls back to the address.
            Err(_) => ServerName::IpAddress(addr.ip().into()),
        };
        Arc::new(Self {
            scheme,
            host: host.into(),
            addr,
            server_name,
        })
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host as written in the scenario or URL.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The address connections go to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub(crate) fn server_name(&self) -> &ServerName<'static> {
        &self.server_name
    }
}

/// Which address family to use when a name has both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AddrFamily {
    /// IPv4 first (Tsung's `tcp`/`ssl` server types), IPv6 if the name has no IPv4 address.
    #[default]
    PreferV4,
    /// IPv6 first (`tcp6`/`ssl6`).
    PreferV6,
}

impl AddrFamily {
    fn pick(self, addrs: impl Iterator<Item = SocketAddr>) -> Option<SocketAddr> {
        let mut fallback = None;
        for addr in addrs {
            let preferred = match self {
                AddrFamily::PreferV4 => addr.is_ipv4(),
                AddrFamily::PreferV6 => addr.is_ipv6(),
            };
            if preferred {
                return Some(addr);
            }
            fallback.get_or_insert(addr);
        }
        fallback
    }
}

/// The result of resolving a host: an endpoint, or `ConnectNxdomain`.
pub type Resolved = Result<Arc<Endpoint>, ErrorClass>;

/// A per-worker cache of resolved endpoints. Host names are looked up once (with the system
/// resolver, off the runtime thread); IP literals never reach the resolver. Failures are
/// cached too, so a name that does not resolve costs one lookup, not one per user.
#[derive(Debug, Default)]
pub struct Resolver {
    family: AddrFamily,
    /// host → (scheme, port, result): scenarios use a handful of hosts.
    cache: HashMap<Box<str>, Vec<(Scheme, u16, Resolved)>>,
}

impl Resolver {
    /// An empty cache.
    pub fn new(family: AddrFamily) -> Self {
        Self {
            family,
            cache: HashMap::new(),
        }
    }

    /// The endpoint for an authority, looked up on first use.
    pub async fn resolve(&mut self, authority: &Authority) -> Resolved {
        self.resolve_parts(authority.scheme, &authority.host, authority.port)
            .await
    }

    /// The endpoint for `scheme://host:port`, looked up on first use.
    pub async fn resolve_parts(&mut self, scheme: Scheme, host: &str, port: u16) -> Resolved {
        if let Some(found) = self.cached(scheme, host, port) {
            return found;
        }
        let resolved = Self::lookup(scheme, host, port, self.family).await;
        self.insert(scheme, host, port, resolved.clone());
        resolved
    }

    /// The cached result, without any lookup (for callers that must not hold the resolver
    /// across an await: `cached`, then [`lookup`](Self::lookup), then [`insert`](Self::insert)).
    pub fn cached(&self, scheme: Scheme, host: &str, port: u16) -> Option<Resolved> {
        if let Some(endpoint) = literal(scheme, host, port) {
            return Some(Ok(endpoint));
        }
        self.cache
            .get(host)?
            .iter()
            .find(|(s, p, _)| *s == scheme && *p == port)
            .map(|(_, _, r)| r.clone())
    }

    /// Records a lookup result.
    pub fn insert(&mut self, scheme: Scheme, host: &str, port: u16, resolved: Resolved) {
        let entries = self.cache.entry(host.into()).or_default();
        entries.retain(|(s, p, _)| !(*s == scheme && *p == port));
        entries.push((scheme, port, resolved));
    }

    /// Resolves without the cache. A name with no address is `ConnectNxdomain`.
    pub async fn lookup(scheme: Scheme, host: &str, port: u16, family: AddrFamily) -> Resolved {
        if let Some(endpoint) = literal(scheme, host, port) {
            return Ok(endpoint);
        }
        let addrs = tokio::net::lookup_host((host, port))
            .await
            .map_err(|_| ErrorClass::ConnectNxdomain)?;
        let addr = family.pick(addrs).ok_or(ErrorClass::ConnectNxdomain)?;
        Ok(Endpoint::new(scheme, host, addr))
    }
}

/// An IP literal (`127.0.0.1`, `::1`, `[::1]`) needs no lookup.
fn literal(scheme: Scheme, host: &str, port: u16) -> Option<Arc<Endpoint>> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let ip: IpAddr = bare.parse().ok()?;
    Some(Endpoint::new(scheme, host, SocketAddr::new(ip, port)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_preference() {
        let v4: SocketAddr = "127.0.0.1:80".parse().unwrap();
        let v6: SocketAddr = "[::1]:80".parse().unwrap();
        assert_eq!(AddrFamily::PreferV4.pick([v6, v4].into_iter()), Some(v4));
        assert_eq!(AddrFamily::PreferV6.pick([v4, v6].into_iter()), Some(v6));
        assert_eq!(AddrFamily::PreferV4.pick([v6].into_iter()), Some(v6));
        assert_eq!(AddrFamily::PreferV4.pick([].into_iter()), None);
    }

    #[test]
    fn literals_skip_the_cache() {
        let r = Resolver::default();
        let e = r.cached(Scheme::Https, "[::1]", 8443).unwrap().unwrap();
        assert_eq!(e.addr(), "[::1]:8443".parse().unwrap());
        assert!(matches!(e.server_name(), ServerName::IpAddress(_)));
        assert!(r.cached(Scheme::Http, "localhost", 80).is_none());
    }

    #[test]
    fn server_names() {
        let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
        assert!(matches!(
            Endpoint::new(Scheme::Https, "localhost", addr).server_name(),
            ServerName::DnsName(_)
        ));
        assert!(matches!(
            Endpoint::new(Scheme::Https, "bad_name!", addr).server_name(),
            ServerName::IpAddress(_)
        ));
    }

    #[tokio::test]
    async fn resolves_and_caches() {
        let mut r = Resolver::default();
        let a = r
            .resolve_parts(Scheme::Http, "localhost", 8080)
            .await
            .unwrap();
        assert!(a.addr().ip().is_loopback());
        assert_eq!(a.addr().port(), 8080);
        let b = r
            .resolve_parts(Scheme::Http, "localhost", 8080)
            .await
            .unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        let c = r
            .resolve_parts(Scheme::Https, "localhost", 8080)
            .await
            .unwrap();
        assert!(!Arc::ptr_eq(&a, &c));
        // An empty name fails inside the system resolver, without any query on the network;
        // the failure is cached.
        assert_eq!(
            r.resolve_parts(Scheme::Http, "", 80).await.err(),
            Some(ErrorClass::ConnectNxdomain)
        );
        assert_eq!(
            r.cached(Scheme::Http, "", 80).map(|r| r.err()),
            Some(Some(ErrorClass::ConnectNxdomain))
        );
    }
}
