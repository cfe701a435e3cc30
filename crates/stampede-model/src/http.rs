//! The `<http>` request element.

use crate::Template;

/// An `<http>` request, with everything Tsung does not substitute already stored as literal
/// templates.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpRequest {
    pub url: Url,
    pub method: Method,
    pub version: HttpVersion,
    /// `contents`, or the bytes of `contents_from_file` (read at load time, as Tsung).
    /// `None` when neither is given.
    pub body: Option<Template>,
    /// `content_type`; `None` = `application/x-www-form-urlencoded` (sent only with a body
    /// method).
    pub content_type: Option<Template>,
    /// `if_modified_since`: sent as an `If-Modified-Since` header.
    pub if_modified_since: Option<Template>,
    /// `<http_header>` children, in order.
    pub headers: Vec<HttpHeader>,
    /// `<www_authenticate>`.
    pub www_authenticate: Option<WwwAuthenticate>,
    /// `<oauth>`.
    pub oauth: Option<OAuth>,
    /// `<soap action>`: a `SOAPAction: "…"` header.
    pub soap_action: Option<Template>,
    /// `<add_cookie>` children: sent with this request only, not stored in the jar.
    pub add_cookies: Vec<AddCookie>,
}

/// The request target as written in `url`.
#[derive(Clone, Debug, PartialEq)]
pub enum Url {
    /// Known at load time.
    Static(StaticUrl),
    /// Contains substitution markers: parsed after rendering, at run time. A rendered absolute
    /// URL switches the user's server like a static one.
    Dynamic(Template),
}

/// A URL known at load time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaticUrl {
    /// `Some` for an absolute URL (`http://h:p/…`): this request and the following relative
    /// ones go there.
    pub authority: Option<Authority>,
    /// Path and query, starting with `/` (an absolute URL with no path gets `/`).
    pub path: Box<str>,
}

/// Scheme, host and port of an absolute URL.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Authority {
    pub scheme: Scheme,
    pub host: Box<str>,
    /// Explicit port, or the scheme's default.
    pub port: u16,
}

impl Authority {
    /// Parses `http://host[:port]/path?q` or `https://…`. Returns the authority and the path
    /// (`/` when empty, `/?q` for a bare query). `None` if `url` is not an absolute http(s)
    /// URL.
    pub fn split_absolute(url: &str) -> Option<(Authority, String)> {
        let (scheme, rest) = if let Some(r) = strip_prefix_ci(url, "http://") {
            (Scheme::Http, r)
        } else if let Some(r) = strip_prefix_ci(url, "https://") {
            (Scheme::Https, r)
        } else {
            return None;
        };
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (hostport, path) = rest.split_at(end);
        if hostport.is_empty() {
            return None;
        }
        let (host, port) = split_host_port(hostport, scheme.default_port())?;
        let path = if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("/{path}")
        };
        Some((
            Authority {
                scheme,
                host: host.into(),
                port,
            },
            path,
        ))
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    if s.len() >= prefix.len()
        && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    {
        Some(&s[prefix.len()..])
    } else {
        None
    }
}

fn split_host_port(hostport: &str, default_port: u16) -> Option<(&str, u16)> {
    if let Some(rest) = hostport.strip_prefix('[') {
        // [v6]:port
        let close = rest.find(']')?;
        let host = &rest[..close];
        let after = &rest[close + 1..];
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None if after.is_empty() => default_port,
            None => return None,
        };
        return Some((host, port));
    }
    match hostport.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => Some((h, p.parse().ok()?)),
        Some(_) => Some((hostport, default_port)),
        None => Some((hostport, default_port)),
    }
}

/// `http` or `https`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// HTTP methods Tsung can send (ts_http and ts_webdav).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Options,
    Purge,
    Propfind,
    Proppatch,
    Copy,
    Move,
    Lock,
    Unlock,
    Mkcol,
    Mkactivity,
    Report,
    VersionControl,
}

impl Method {
    /// The token sent on the request line.
    pub fn as_str(self) -> &'static str {
        use Method::*;
        match self {
            Get => "GET",
            Post => "POST",
            Put => "PUT",
            Patch => "PATCH",
            Delete => "DELETE",
            Head => "HEAD",
            Options => "OPTIONS",
            Purge => "PURGE",
            Propfind => "PROPFIND",
            Proppatch => "PROPPATCH",
            Copy => "COPY",
            Move => "MOVE",
            Lock => "LOCK",
            Unlock => "UNLOCK",
            Mkcol => "MKCOL",
            Mkactivity => "MKACTIVITY",
            Report => "REPORT",
            VersionControl => "VERSION-CONTROL",
        }
    }

    /// Parses the DTD's method token (exact case, as the DTD requires).
    pub fn from_token(token: &str) -> Option<Method> {
        use Method::*;
        Some(match token {
            "GET" => Get,
            "POST" => Post,
            "PUT" => Put,
            "PATCH" => Patch,
            "DELETE" => Delete,
            "HEAD" => Head,
            "OPTIONS" => Options,
            "PURGE" => Purge,
            "PROPFIND" => Propfind,
            "PROPPATCH" => Proppatch,
            "COPY" => Copy,
            "MOVE" => Move,
            "LOCK" => Lock,
            "UNLOCK" => Unlock,
            "MKCOL" => Mkcol,
            "MKACTIVITY" => Mkactivity,
            "REPORT" => Report,
            "VERSION-CONTROL" => VersionControl,
            _ => return None,
        })
    }

    /// Whether Tsung sends the body, `Content-Type` and `Content-Length` with this method
    /// (POST, PUT, PATCH, DELETE, PURGE and the WebDAV methods that carry XML). GET, HEAD,
    /// OPTIONS and MKCOL never carry a body, even when `contents` is set.
    pub fn sends_body(self) -> bool {
        use Method::*;
        !matches!(self, Get | Head | Options | Mkcol)
    }

    /// A response to this method has no body whatever its headers say.
    pub fn response_has_no_body(self) -> bool {
        matches!(self, Method::Head)
    }

    /// Whether the method belongs to WebDAV (only valid in `ts_webdav` sessions).
    pub fn is_webdav(self) -> bool {
        use Method::*;
        matches!(
            self,
            Propfind
                | Proppatch
                | Copy
                | Move
                | Lock
                | Unlock
                | Mkcol
                | Mkactivity
                | Report
                | VersionControl
        )
    }
}

/// `version` on the request line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpVersion {
    Http10,
    Http11,
}

impl HttpVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpVersion::Http10 => "HTTP/1.0",
            HttpVersion::Http11 => "HTTP/1.1",
        }
    }
}

/// `<http_header name value encoding>`.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpHeader {
    pub name: Box<str>,
    pub value: Template,
    /// `encoding="base64"`: the rendered value is base64-encoded before sending.
    pub base64: bool,
}

/// `<www_authenticate>`.
#[derive(Clone, Debug, PartialEq)]
pub enum WwwAuthenticate {
    Basic { userid: Template, passwd: Template },
    Digest(DigestParams),
}

/// Digest (RFC 2617) parameters; the server's realm/nonce usually come from a
/// `dyn_variable header="www-authenticate/…"`.
#[derive(Clone, Debug, PartialEq)]
pub struct DigestParams {
    pub userid: Template,
    pub passwd: Template,
    pub realm: Option<Template>,
    pub nonce: Option<Template>,
    pub opaque: Option<Template>,
    pub qop: Option<Template>,
    /// `nc` (default `00000001`).
    pub nc: Option<Template>,
    /// `cnonce` (default: a fresh unique value per request).
    pub cnonce: Option<Template>,
}

/// `<oauth>` (OAuth 1.0 signing).
#[derive(Clone, Debug, PartialEq)]
pub struct OAuth {
    pub consumer_key: Template,
    pub consumer_secret: Template,
    pub access_token: Option<Template>,
    pub access_token_secret: Option<Template>,
    pub method: OAuthMethod,
}

/// OAuth signature method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OAuthMethod {
    HmacSha1,
    Plaintext,
    RsaSha1,
}

/// `<add_cookie key value domain path>`.
#[derive(Clone, Debug, PartialEq)]
pub struct AddCookie {
    pub key: Box<str>,
    pub value: Template,
    pub domain: Option<Box<str>>,
    pub path: Option<Box<str>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_urls() {
        let (a, p) = Authority::split_absolute("http://example.com:8080/a?b=1").unwrap();
        assert_eq!(
            (a.scheme, &*a.host, a.port, p.as_str()),
            (Scheme::Http, "example.com", 8080, "/a?b=1")
        );
        let (a, p) = Authority::split_absolute("https://h").unwrap();
        assert_eq!((a.port, p.as_str()), (443, "/"));
        let (a, p) = Authority::split_absolute("HTTP://h?x").unwrap();
        assert_eq!((a.port, p.as_str()), (80, "/?x"));
        let (a, _) = Authority::split_absolute("http://[::1]:9/").unwrap();
        assert_eq!((&*a.host, a.port), ("::1", 9));
        assert!(Authority::split_absolute("/relative").is_none());
        assert!(Authority::split_absolute("http:///x").is_none());
        assert!(Authority::split_absolute("http://h:notaport/").is_none());
    }

    #[test]
    fn body_methods() {
        assert!(!Method::Get.sends_body());
        assert!(Method::Delete.sends_body());
        assert!(!Method::Mkcol.sends_body());
        assert!(Method::Propfind.sends_body());
        assert_eq!(
            Method::from_token("VERSION-CONTROL"),
            Some(Method::VersionControl)
        );
        assert_eq!(Method::from_token("get"), None);
    }
}
