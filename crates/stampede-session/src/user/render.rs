//! Substitution and request rendering.

use super::State;
use crate::auth;
use crate::host::{CallArgs, EvalContext, Host};
use crate::program::Program;
use crate::program::request::{BodySpec, CompiledRequest, Part, UrlSpec, escape_spaces};
use crate::target::{Target, TargetRef};
use crate::time::Nanos;
use crate::value::{Value, write_uint};
use base64::Engine;
use stampede_model::{
    Authority, ErrorClass, FileId, FileOrder, ModFun, OAuthMethod, Segment, Template, VarTable,
};
use std::sync::Arc;

/// Buffers for rendering requests, owned by the engine (one per worker) and reused: rendering a
/// request allocates nothing once they have grown.
#[derive(Debug, Default)]
pub struct RequestBuf {
    out: Vec<u8>,
    url: Vec<u8>,
    body: Vec<u8>,
    scratch: Vec<u8>,
    authority: Vec<u8>,
}

impl RequestBuf {
    /// Empty buffers.
    pub fn new() -> Self {
        Self::default()
    }

    /// The last request rendered.
    pub fn bytes(&self) -> &[u8] {
        &self.out
    }
}

const CRLF: &[u8] = b"\r\n";

impl State {
    /// Appends a variable's text (`undefined` when unset, as Tsung).
    pub(super) fn write_var(&self, slot: u32, out: &mut Vec<u8>) {
        match self.vars.get(slot) {
            Some(v) => v.write_to(out),
            None if slot == VarTable::USERID.0 => write_uint(out, self.user_id),
            None => out.extend_from_slice(b"undefined"),
        }
    }

    /// Appends a rendered template.
    pub(super) fn write_template<H: Host>(
        &mut self,
        prog: &Program,
        tpl: &Template,
        host: &mut H,
        out: &mut Vec<u8>,
    ) {
        for seg in tpl.segments() {
            match seg {
                Segment::Literal(b) => out.extend_from_slice(b),
                Segment::Var(v) => self.write_var(v.0, out),
                Segment::Call(f) => {
                    if let Some(v) = self.call_function(prog, f, host) {
                        v.write_to(out);
                    }
                }
            }
        }
    }

    /// A rendered template in a new buffer.
    pub(super) fn render_owned<H: Host>(
        &mut self,
        prog: &Program,
        tpl: &Template,
        host: &mut H,
    ) -> Vec<u8> {
        if let Some(lit) = tpl.as_literal() {
            return lit.to_vec();
        }
        let mut v = Vec::new();
        self.write_template(prog, tpl, host, &mut v);
        v
    }

    /// A line of a file server: the run-wide next one (`iter`) or a random one.
    pub(super) fn file_line<H: Host>(
        &mut self,
        prog: &Program,
        file: FileId,
        order: FileOrder,
        host: &mut H,
    ) -> Value {
        let Some(fs) = prog.scenario().options.file_servers.get(file.index()) else {
            return Value::empty();
        };
        let n = fs.lines.len();
        if n == 0 {
            return Value::empty();
        }
        let i = match order {
            FileOrder::Iter => (host.next_line(file) % n as u64) as usize,
            FileOrder::Random => self.rng.below(n),
        };
        Value::bytes(fs.lines[i].to_vec())
    }

    /// `%%module:function%%` and `sourcetype="erlang"`: Tsung's built-ins natively, anything
    /// else through the host. `None` (counted as `error_eval`) when the call fails.
    pub(super) fn call_function<H: Host>(
        &mut self,
        prog: &Program,
        f: &ModFun,
        host: &mut H,
    ) -> Option<Value> {
        match (&*f.module, &*f.function) {
            ("ts_user_server", "get_unique_id") => {
                let mut s = Vec::new();
                self.write_var(VarTable::USERID.0, &mut s);
                Some(Value::bytes(s))
            }
            ("ts_user_server", "get_really_unique_id") => {
                let mut s = Vec::new();
                write_uint(&mut s, host.unix_time());
                s.push(b'-');
                self.write_var(VarTable::USERID.0, &mut s);
                Some(Value::bytes(s))
            }
            ("ts_file_server", "get_next_line" | "get_random_line" | "get_all_lines") => {
                let Some(file) = prog.default_file else {
                    host.error(ErrorClass::Eval);
                    return None;
                };
                Some(match &*f.function {
                    "get_next_line" => self.file_line(prog, file, FileOrder::Iter, host),
                    "get_random_line" => self.file_line(prog, file, FileOrder::Random, host),
                    _ => Value::List(
                        prog.scenario().options.file_servers[file.index()]
                            .lines
                            .iter()
                            .map(|l| Value::bytes(l.to_vec()))
                            .collect(),
                    ),
                })
            }
            _ => {
                let seed = self.rng.next_u64();
                let ctx = EvalContext {
                    program: prog,
                    vars: &self.vars,
                    user_id: self.user_id,
                    session: self.session,
                    seed,
                };
                match host.call(f, CallArgs::User(ctx)) {
                    Ok(v) => Some(v),
                    Err(_) => {
                        host.error(ErrorClass::Eval);
                        None
                    }
                }
            }
        }
    }

    fn proxy_origin(&self) -> TargetRef {
        self.extra
            .as_ref()
            .and_then(|e| e.proxy_origin.clone())
            .unwrap_or_else(|| Arc::clone(&self.target))
    }

    /// Renders `req` into `buf`: resolves the URL (an absolute one switches the user's target),
    /// then writes the head in Tsung's order and the body.
    pub(super) fn render<H: Host>(
        &mut self,
        prog: &Program,
        req: &CompiledRequest,
        now: Nanos,
        host: &mut H,
        buf: &mut RequestBuf,
    ) -> Result<(), ErrorClass> {
        let RequestBuf {
            out,
            url,
            body,
            scratch,
            authority,
        } = buf;
        // 1. The URL and the target.
        let mut static_path: Option<&[u8]> = None;
        match &req.url {
            UrlSpec::Static { path, absolute } => match absolute {
                Some(t) if prog.proxy => {
                    self.extra().proxy_origin = Some(Arc::clone(t));
                    url.clear();
                    absolute_url(t, path, url);
                }
                Some(t) => {
                    if !Arc::ptr_eq(&self.target, t) {
                        self.target = Arc::clone(t);
                    }
                    static_path = Some(path);
                }
                None if prog.proxy => {
                    url.clear();
                    absolute_url(&self.proxy_origin(), path, url);
                }
                None => static_path = Some(path),
            },
            UrlSpec::Dynamic(t) => {
                scratch.clear();
                self.write_template(prog, t, host, scratch);
                url.clear();
                if req.escape_url {
                    escape_spaces(scratch, url);
                } else {
                    url.extend_from_slice(scratch);
                }
                let parsed = if url.starts_with(b"http") {
                    std::str::from_utf8(url)
                        .ok()
                        .and_then(Authority::split_absolute)
                } else {
                    None
                };
                match parsed {
                    Some((a, _)) if prog.proxy => {
                        let ipv6 = self.target.ipv6;
                        self.extra().proxy_origin =
                            Some(Arc::new(Target::new(a.scheme, &a.host, a.port, ipv6)));
                    }
                    Some((a, path)) => {
                        if !self.target.same_endpoint(a.scheme, &a.host, a.port) {
                            let ipv6 = self.target.ipv6;
                            self.target = Arc::new(Target::new(a.scheme, &a.host, a.port, ipv6));
                        }
                        url.clear();
                        url.extend_from_slice(path.as_bytes());
                    }
                    None if prog.proxy => {
                        scratch.clear();
                        scratch.extend_from_slice(url);
                        url.clear();
                        absolute_url(&self.proxy_origin(), scratch, url);
                    }
                    None => {}
                }
            }
        }
        let url: &[u8] = static_path.unwrap_or(&url[..]);
        authority.clear();
        if prog.proxy {
            authority.extend_from_slice(self.proxy_origin().authority().as_bytes());
        } else {
            authority.extend_from_slice(self.target.authority().as_bytes());
        }
        let authority: &[u8] = &authority[..];
        // 2. The body.
        let body: &[u8] = match &req.body {
            BodySpec::None => &[],
            BodySpec::Static(b) => b,
            BodySpec::Dynamic(t) => {
                body.clear();
                self.write_template(prog, t, host, body);
                &body[..]
            }
        };
        // 3. The head.
        out.clear();
        out.reserve(req.size_hint + url.len() + body.len());
        for part in req.parts.iter() {
            match part {
                Part::Static(b) => out.extend_from_slice(b),
                Part::RequestLine => {
                    out.extend_from_slice(req.method.as_str().as_bytes());
                    out.push(b' ');
                    out.extend_from_slice(url);
                    out.push(b' ');
                    out.extend_from_slice(req.version.as_str().as_bytes());
                    out.extend_from_slice(CRLF);
                }
                Part::Host => {
                    out.extend_from_slice(b"Host: ");
                    out.extend_from_slice(authority);
                    out.extend_from_slice(CRLF);
                }
                Part::UserAgent => out.extend_from_slice(prog.user_agent_line(self.user_agent)),
                Part::Header {
                    prefix,
                    value,
                    base64,
                } => {
                    out.extend_from_slice(prefix);
                    if *base64 {
                        scratch.clear();
                        self.write_template(prog, value, host, scratch);
                        out.extend_from_slice(
                            base64::engine::general_purpose::STANDARD
                                .encode(&scratch[..])
                                .as_bytes(),
                        );
                    } else {
                        self.write_template(prog, value, host, out);
                    }
                    out.extend_from_slice(CRLF);
                }
                Part::ContentLength => {
                    out.extend_from_slice(b"Content-Length: ");
                    write_uint(out, body.len() as u64);
                    out.extend_from_slice(CRLF);
                }
                Part::Basic { user, pass } => {
                    let u = self.render_owned(prog, user, host);
                    let p = self.render_owned(prog, pass, host);
                    auth::basic(out, &u, &p);
                }
                Part::Digest(d) => {
                    let user = self.render_owned(prog, &d.userid, host);
                    let pass = self.render_owned(prog, &d.passwd, host);
                    let mut opt = |t: &Option<Template>, s: &mut State| {
                        t.as_ref().map(|t| s.render_owned(prog, t, host))
                    };
                    let realm = opt(&d.realm, self).unwrap_or_default();
                    let nonce = opt(&d.nonce, self).unwrap_or_default();
                    let opaque = opt(&d.opaque, self);
                    let qop = opt(&d.qop, self);
                    let nc = opt(&d.nc, self).unwrap_or_else(|| b"00000001".to_vec());
                    let cnonce = match opt(&d.cnonce, self) {
                        Some(c) => c,
                        None => {
                            let mut c = Vec::new();
                            write_uint(&mut c, host.unix_time());
                            c.push(b'-');
                            self.write_var(VarTable::USERID.0, &mut c);
                            c
                        }
                    };
                    auth::digest(
                        out,
                        &auth::Digest {
                            user: &user,
                            pass: &pass,
                            realm: &realm,
                            nonce: &nonce,
                            opaque: opaque.as_deref(),
                            qop: qop.as_deref(),
                            nc: &nc,
                            cnonce: &cnonce,
                            method: req.method.as_str().as_bytes(),
                            uri: url,
                        },
                    );
                }
                Part::OAuth(o) => {
                    let hmac = match o.method {
                        OAuthMethod::HmacSha1 => true,
                        OAuthMethod::Plaintext => false,
                        // Needs a private key file Stampede does not load.
                        OAuthMethod::RsaSha1 => return Err(ErrorClass::Unknown),
                    };
                    let key = self.render_owned(prog, &o.consumer_key, host);
                    let secret = self.render_owned(prog, &o.consumer_secret, host);
                    let token = o
                        .access_token
                        .as_ref()
                        .map(|t| self.render_owned(prog, t, host))
                        .unwrap_or_default();
                    let token_secret = o
                        .access_token_secret
                        .as_ref()
                        .map(|t| self.render_owned(prog, t, host))
                        .unwrap_or_default();
                    let (path, query) = split_query(url);
                    let mut base_url = Vec::new();
                    if path.starts_with(b"http") {
                        base_url.extend_from_slice(path);
                    } else {
                        let t = if prog.proxy {
                            self.proxy_origin()
                        } else {
                            Arc::clone(&self.target)
                        };
                        base_url.extend_from_slice(t.scheme.as_str().as_bytes());
                        base_url.extend_from_slice(b"://");
                        base_url.extend_from_slice(t.authority().to_ascii_lowercase().as_bytes());
                        base_url.extend_from_slice(path);
                    }
                    let query: Vec<u8> = query.iter().copied().filter(|&b| b != b'?').collect();
                    let body_params = if req.form_body {
                        auth::params_from(body)
                    } else {
                        Vec::new()
                    };
                    let rng = &mut self.rng;
                    let nonce = auth::nonce(|n| rng.below(n));
                    auth::oauth(
                        out,
                        &auth::OAuthInput {
                            method: req.method.as_str().as_bytes(),
                            base_url: &base_url,
                            url_params: auth::params_from(&query),
                            body_params,
                            consumer_key: &key,
                            consumer_secret: &secret,
                            token: &token,
                            token_secret: &token_secret,
                            hmac,
                            nonce: &nonce,
                            timestamp: host.unix_time(),
                        },
                    );
                }
                Part::Cookies(add) => {
                    if add.is_empty() {
                        if !self.cookies.is_empty() {
                            self.cookies
                                .write_header(out, authority, url, now, std::iter::empty());
                        }
                    } else {
                        let values: Vec<Vec<u8>> = add
                            .iter()
                            .map(|c| self.render_owned(prog, &c.value, host))
                            .collect();
                        let extra = add.iter().zip(values.iter()).map(|(c, v)| {
                            (
                                c.key.as_bytes(),
                                &v[..],
                                c.domain.as_deref().unwrap_or(".").as_bytes(),
                                c.path.as_deref().unwrap_or("/").as_bytes(),
                            )
                        });
                        self.cookies.write_header(out, authority, url, now, extra);
                    }
                }
            }
        }
        out.extend_from_slice(body);
        Ok(())
    }
}

/// `scheme://authority` + `path`.
fn absolute_url(t: &Target, path: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(t.scheme.as_str().as_bytes());
    out.extend_from_slice(b"://");
    out.extend_from_slice(t.authority().as_bytes());
    out.extend_from_slice(path);
}

/// Splits `path?query`.
fn split_query(url: &[u8]) -> (&[u8], &[u8]) {
    match url.iter().position(|&b| b == b'?') {
        Some(p) => (&url[..p], &url[p + 1..]),
        None => (url, &[]),
    }
}
