//! A `<request>` compiled for fast rendering: the request line and every constant header
//! pre-rendered into byte runs, in Tsung's header order, with the per-user parts (host,
//! user agent, cookies, substituted values, signatures) left as holes.

use crate::target::{Target, TargetRef};
use stampede_model::{
    AddCookie, Authority, DigestParams, DynVariable, HttpHeader, HttpVersion, Match, Method, OAuth,
    Request, RequestId, Subst, Template, Url,
};
use std::sync::Arc;

/// The URL of a request.
#[derive(Clone, Debug)]
pub(crate) enum UrlSpec {
    /// Known at load time: the path to send and, for an absolute URL, the target it switches
    /// the user to.
    Static {
        path: Box<[u8]>,
        absolute: Option<TargetRef>,
    },
    /// Rendered per request; an absolute result switches the user's target.
    Dynamic(Template),
}

/// One piece of the request head after the request line.
#[derive(Clone, Debug)]
pub(crate) enum Part {
    /// Constant bytes (several constant headers coalesced).
    Static(Box<[u8]>),
    /// `prefix` + rendered value (base64-encoded if asked) + CRLF.
    Header {
        prefix: Box<[u8]>,
        value: Template,
        base64: bool,
    },
    /// The request line (when the URL is not constant, or in proxy mode).
    RequestLine,
    /// `Host: <authority of the target>`.
    Host,
    /// The user's `User-Agent` line.
    UserAgent,
    /// `Content-Length: <body length>`.
    ContentLength,
    /// `Authorization: Basic …`.
    Basic { user: Template, pass: Template },
    /// `Authorization: Digest …`.
    Digest(Box<DigestParams>),
    /// `Authorization: OAuth …`.
    OAuth(Box<OAuth>),
    /// `Cookie:` from the user's jar, then the request's `<add_cookie>`s.
    Cookies(Box<[AddCookie]>),
}

/// The body of a request.
#[derive(Clone, Debug)]
pub(crate) enum BodySpec {
    /// GET, HEAD and OPTIONS never send one.
    None,
    Static(Box<[u8]>),
    Dynamic(Template),
}

/// A compiled `<request>`.
#[derive(Clone, Debug)]
pub(crate) struct CompiledRequest {
    pub(crate) id: RequestId,
    /// 1-based position in the session's flattened action list (Tsung's request id).
    pub(crate) action: u32,
    pub(crate) method: Method,
    pub(crate) version: HttpVersion,
    pub(crate) url: UrlSpec,
    /// Escape spaces of a rendered URL as `%20` (Tsung does when substitution is on).
    pub(crate) escape_url: bool,
    pub(crate) parts: Box<[Part]>,
    pub(crate) body: BodySpec,
    /// The response body is needed (matches or dynamic variables).
    pub(crate) keep_body: bool,
    /// The body is a form (`application/x-www-form-urlencoded`): OAuth signs its parameters.
    pub(crate) form_body: bool,
    /// The last request of a page (set by the program after flattening).
    pub(crate) end_page: bool,
    pub(crate) matches: Box<[Match]>,
    /// In Tsung's evaluation order (reverse document order).
    pub(crate) dyn_variables: Box<[DynVariable]>,
    /// Bytes of the constant parts, to size the output buffer.
    pub(crate) size_hint: usize,
}

const CRLF: &[u8] = b"\r\n";
const FORM: &[u8] = b"application/x-www-form-urlencoded";

/// Headers Tsung never sends from `<http_header>` directly: they override the built-in ones
/// at the built-in position instead.
const BUILT_IN: [&str; 4] = ["host", "user-agent", "content-type", "content-length"];

/// Builds the parts list, merging adjacent constant bytes.
struct Parts {
    out: Vec<Part>,
    pending: Vec<u8>,
}

impl Parts {
    fn bytes(&mut self, b: &[u8]) {
        self.pending.extend_from_slice(b);
    }

    fn hole(&mut self, part: Part) {
        if !self.pending.is_empty() {
            self.out
                .push(Part::Static(std::mem::take(&mut self.pending).into()));
        }
        self.out.push(part);
    }

    /// `Name: value\r\n`, constant when the value is.
    fn header(&mut self, name: &str, value: &Template, base64: bool) {
        match value.as_literal() {
            Some(lit) => {
                self.bytes(name.as_bytes());
                self.bytes(b": ");
                if base64 {
                    use base64::Engine;
                    let enc = base64::engine::general_purpose::STANDARD.encode(lit);
                    self.bytes(enc.as_bytes());
                } else {
                    self.bytes(lit);
                }
                self.bytes(CRLF);
            }
            None => {
                let mut prefix = name.as_bytes().to_vec();
                prefix.extend_from_slice(b": ");
                self.hole(Part::Header {
                    prefix: prefix.into(),
                    value: value.clone(),
                    base64,
                });
            }
        }
    }

    fn finish(mut self) -> (Box<[Part]>, usize) {
        let mut size = self.pending.len();
        if !self.pending.is_empty() {
            self.out
                .push(Part::Static(std::mem::take(&mut self.pending).into()));
        }
        size += self
            .out
            .iter()
            .map(|p| match p {
                Part::Static(b) => b.len(),
                _ => 32,
            })
            .sum::<usize>();
        (self.out.into(), size)
    }
}

/// Escapes spaces as `%20`, the only escaping Tsung applies to URLs.
pub(crate) fn escape_spaces(url: &[u8], out: &mut Vec<u8>) {
    for &b in url {
        if b == b' ' {
            out.extend_from_slice(b"%20");
        } else {
            out.push(b);
        }
    }
}

/// Compiles a request. `proxy` is `http_use_server_as_proxy`; `targets` interns the targets
/// of absolute URLs so that equal ones share one allocation.
pub(crate) fn compile(
    req: &Request,
    action: u32,
    proxy: bool,
    ipv6: bool,
    targets: &mut Vec<TargetRef>,
) -> CompiledRequest {
    let http = &req.http;
    let subst = req.subst != Subst::False;
    // Tsung keeps <http_header>s (and <add_cookie>s) in reverse document order unless the
    // request substitutes, which reverses them back. In that order, the first of a built-in
    // name overrides the built-in header, and the others are sent.
    let mut lookup: Vec<&HttpHeader> = http.headers.iter().collect();
    if !subst {
        lookup.reverse();
    }
    let custom_order = lookup.clone();
    let find = |name: &str| -> Option<&HttpHeader> {
        lookup
            .iter()
            .copied()
            .find(|h| h.name.eq_ignore_ascii_case(name))
    };
    let sends_body = http.method.sends_body();

    let url = match &http.url {
        Url::Static(s) => {
            let mut path = Vec::with_capacity(s.path.len());
            if subst {
                escape_spaces(s.path.as_bytes(), &mut path);
            } else {
                path.extend_from_slice(s.path.as_bytes());
            }
            let absolute = s.authority.as_ref().map(|a| intern(targets, a, ipv6));
            UrlSpec::Static {
                path: path.into(),
                absolute,
            }
        }
        Url::Dynamic(t) => UrlSpec::Dynamic(t.clone()),
    };

    let mut parts = Parts {
        out: Vec::new(),
        pending: Vec::new(),
    };
    // 1. Request line.
    match &url {
        UrlSpec::Static { path, .. } if !proxy => {
            parts.bytes(http.method.as_str().as_bytes());
            parts.bytes(b" ");
            parts.bytes(path);
            parts.bytes(b" ");
            parts.bytes(http.version.as_str().as_bytes());
            parts.bytes(CRLF);
        }
        _ => parts.hole(Part::RequestLine),
    }
    // 2. If-Modified-Since (only on the no-body path, as Tsung).
    let ims_first = !sends_body && http.if_modified_since.is_some();
    if !sends_body && let Some(ims) = &http.if_modified_since {
        parts.header("If-Modified-Since", ims, false);
    }
    // 3. Host, 4. User-Agent.
    match find("host") {
        Some(h) => parts.header("Host", &h.value, h.base64),
        None => parts.hole(Part::Host),
    }
    match find("user-agent") {
        Some(h) => parts.header("User-Agent", &h.value, h.base64),
        None => parts.hole(Part::UserAgent),
    }
    // 5. Content-Type / Content-Length.
    if let Some(h) = find("content-type") {
        parts.header("Content-Type", &h.value, h.base64);
    } else if sends_body {
        match &http.content_type {
            Some(ct) => parts.header("Content-Type", ct, false),
            None => parts.header("Content-Type", &Template::literal(FORM), false),
        }
    }
    if let Some(h) = find("content-length") {
        parts.header("Content-Length", &h.value, h.base64);
    } else if sends_body {
        parts.hole(Part::ContentLength);
    }
    // 6–7. Authorization and SOAPAction, in the order of Tsung's code path.
    let auth = |parts: &mut Parts| match &http.www_authenticate {
        Some(stampede_model::WwwAuthenticate::Basic { userid, passwd }) => {
            parts.hole(Part::Basic {
                user: userid.clone(),
                pass: passwd.clone(),
            });
        }
        Some(stampede_model::WwwAuthenticate::Digest(d)) => {
            parts.hole(Part::Digest(Box::new(d.clone())));
        }
        None => {}
    };
    let oauth = |parts: &mut Parts| {
        if let Some(o) = &http.oauth {
            parts.hole(Part::OAuth(Box::new(o.clone())));
        }
    };
    let soap = |parts: &mut Parts| {
        if let Some(action) = &http.soap_action {
            let mut t: Vec<stampede_model::Segment> =
                vec![stampede_model::Segment::Literal(b"\"".to_vec().into())];
            t.extend(action.segments().iter().cloned());
            t.push(stampede_model::Segment::Literal(b"\"".to_vec().into()));
            parts.header("SOAPAction", &Template::from_segments(t), false);
        }
    };
    if sends_body {
        auth(&mut parts);
        soap(&mut parts);
        oauth(&mut parts);
    } else if ims_first {
        soap(&mut parts);
        auth(&mut parts);
        oauth(&mut parts);
    } else {
        auth(&mut parts);
        oauth(&mut parts);
        soap(&mut parts);
    }
    // 8. Cookie.
    let mut add: Vec<AddCookie> = http.add_cookies.clone();
    if !subst {
        add.reverse();
    }
    parts.hole(Part::Cookies(add.into()));
    // 9. Custom headers.
    for h in custom_order {
        if BUILT_IN.iter().any(|b| h.name.eq_ignore_ascii_case(b)) {
            continue;
        }
        parts.header(&h.name, &h.value, h.base64);
    }
    parts.bytes(CRLF);
    let (parts, size_hint) = parts.finish();

    let body = if !sends_body {
        BodySpec::None
    } else {
        match &http.body {
            None => BodySpec::Static(Box::default()),
            Some(t) => match t.as_literal() {
                Some(lit) => BodySpec::Static(lit.into()),
                None => BodySpec::Dynamic(t.clone()),
            },
        }
    };
    let body_len = match &body {
        BodySpec::Static(b) => b.len(),
        _ => 0,
    };
    let mut dyn_variables = req.dyn_variables.clone();
    dyn_variables.reverse();
    CompiledRequest {
        id: req.id,
        action,
        method: http.method,
        version: http.version,
        url,
        escape_url: subst,
        parts,
        body,
        keep_body: !req.matches.is_empty() || !req.dyn_variables.is_empty(),
        form_body: match &http.content_type {
            None => true,
            Some(t) => t.as_literal() == Some(FORM),
        },
        end_page: true,
        matches: req.matches.clone().into(),
        dyn_variables: dyn_variables.into(),
        size_hint: size_hint + body_len,
    }
}

/// The shared target of an absolute URL (IPv6 when the scenario's first server is, as Tsung).
fn intern(targets: &mut Vec<TargetRef>, a: &Authority, ipv6: bool) -> TargetRef {
    if let Some(t) = targets
        .iter()
        .find(|t| t.same_endpoint(a.scheme, &a.host, a.port))
    {
        return Arc::clone(t);
    }
    let t = Arc::new(Target::new(a.scheme, &a.host, a.port, ipv6));
    targets.push(Arc::clone(&t));
    t
}
