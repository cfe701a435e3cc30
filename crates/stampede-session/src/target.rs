//! Where a request goes: scheme, host and port of the connection, and the `Host` header that
//! names it.

use stampede_model::{Scheme, Server, ServerKind};
use std::sync::Arc;

/// The server a request is sent to. Shared (`Arc`) between the program and its users: a user
/// switching target clones a pointer.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Target {
    /// `http` or `https` (TLS).
    pub scheme: Scheme,
    /// Host name or IP address, as written (IPv6 without brackets).
    pub host: Box<str>,
    /// TCP port.
    pub port: u16,
    /// The scenario asked for IPv6 (`tcp6`/`ssl6` servers, and absolute URLs met while on one).
    pub ipv6: bool,
    /// The `Host` header value: the host (IPv6 literals in brackets) and `:port` unless the
    /// port is the scheme's default.
    authority: Box<str>,
}

impl Target {
    /// A target; `authority` is derived.
    pub fn new(scheme: Scheme, host: &str, port: u16, ipv6: bool) -> Target {
        let bracketed = host.contains(':') && !host.starts_with('[');
        let mut authority = String::with_capacity(host.len() + 8);
        if bracketed {
            authority.push('[');
        }
        authority.push_str(host);
        if bracketed {
            authority.push(']');
        }
        if port != scheme.default_port() {
            authority.push(':');
            authority.push_str(&port.to_string());
        }
        Target {
            scheme,
            host: host.into(),
            port,
            ipv6,
            authority: authority.into(),
        }
    }

    /// The target of a `<server>`.
    pub fn from_server(server: &Server) -> Target {
        Self::from_kind(server.kind, &server.host, server.port)
    }

    /// The target of a `<server>` or `<change_type>` of this kind.
    pub fn from_kind(kind: ServerKind, host: &str, port: u16) -> Target {
        let scheme = if kind.is_tls() {
            Scheme::Https
        } else {
            Scheme::Http
        };
        Target::new(scheme, host, port, kind.is_ipv6())
    }

    /// Whether the connection is wrapped in TLS.
    pub fn is_tls(&self) -> bool {
        self.scheme == Scheme::Https
    }

    /// The `Host` header value.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// Same scheme, host and port.
    pub(crate) fn same_endpoint(&self, scheme: Scheme, host: &str, port: u16) -> bool {
        self.scheme == scheme && self.port == port && &*self.host == host
    }
}

/// A shared target.
pub type TargetRef = Arc<Target>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_rules() {
        let cases = [
            (Scheme::Http, "example.com", 80, "example.com"),
            (Scheme::Http, "example.com", 8080, "example.com:8080"),
            (Scheme::Https, "example.com", 443, "example.com"),
            (Scheme::Https, "example.com", 80, "example.com:80"),
            (Scheme::Http, "::1", 8080, "[::1]:8080"),
            (Scheme::Http, "[::1]", 80, "[::1]"),
        ];
        for (scheme, host, port, want) in cases {
            assert_eq!(Target::new(scheme, host, port, false).authority(), want);
        }
    }
}
