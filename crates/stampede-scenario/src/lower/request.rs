//! `<request>`: its `<match>` checks, `<dyn_variable>` extractions and the `<http>` element,
//! with substitution exactly where Tsung substitutes (`ts_http:subst/3`).

use super::text::{Mode, Place, has_markers};
use super::{Lower, VarEvent};
use crate::erlang;
use crate::schema::PROTOCOL_ELEMENTS;
use crate::source::Span;
use crate::xml::Element;
use stampede_model::template::{RawSegment, split_markers};
use stampede_model::{
    AddCookie, Authority, DigestParams, DynVariable, Extractor, HttpHeader, HttpRequest,
    HttpVersion, JsonPath, JsonPathSource, Match, MatchAction, MatchPattern, MatchWhen, Method,
    OAuth, OAuthMethod, Pattern, Request, RequestId, RequestInfo, SessionId, SessionKind,
    StaticUrl, Subst, Template, Url, WwwAuthenticate, XPath,
};
use std::time::Duration;

/// Tsung's built-in regex for a `<dyn_variable>` without an expression: the value of the
/// form field named like the variable.
pub(crate) fn hidden_input_regex(name: &str) -> String {
    format!(r#"name=["']{name}["'] (?:[^>]* )?value=["']([^"']*)["']"#)
}

impl Lower<'_> {
    pub(crate) fn request(&mut self, el: &Element, session: SessionId) -> Option<Request> {
        let tag = el.value("tag").filter(|t| !t.is_empty()).map(str::to_owned);
        if let Some(t) = &tag
            && self.opts.exclude_tags.iter().any(|x| x == t)
        {
            if !self.used_exclude_tags.contains(t) {
                self.used_exclude_tags.push(t.clone());
            }
            return None;
        }
        let subst = match el.value("subst") {
            Some("true") => Subst::True,
            Some("all_except_body") => Subst::AllExceptBody,
            _ => Subst::False,
        };
        let proto = el
            .elements()
            .find(|c| PROTOCOL_ELEMENTS.contains(&c.name.as_str()));
        let Some(http_el) = proto else {
            return None; // the grammar reported the missing protocol element
        };
        if http_el.name != "http" {
            self.diags
                .error(
                    "unsupported-protocol",
                    http_el.name_span,
                    format!(
                        "a `<{}>` request cannot be sent from an HTTP session",
                        http_el.name
                    ),
                )
                .help("HTTP sessions send `<http>` requests");
            return None;
        }
        self.literal_markers = Some(Vec::new());
        let matches: Vec<Match> = el
            .children_named("match")
            .filter_map(|m| self.match_el(m, subst))
            .collect();
        let http = self.http(http_el, subst);
        self.flush_literal_markers();
        // Extractions happen after the response: their variables are set after the uses.
        let dyn_variables: Vec<DynVariable> = el
            .children_named("dyn_variable")
            .filter_map(|d| self.dyn_variable(d, subst))
            .collect();
        let http = http?;
        let id = RequestId(self.requests.len() as u32);
        let url_text = http_el.value("url").unwrap_or("").to_owned();
        self.requests.push(RequestInfo {
            id,
            session,
            method: http.method,
            url: url_text,
            tag: tag.as_deref().map(Into::into),
            location: self.loc(http_el.name_span),
        });
        Some(Request {
            id,
            tag: tag.map(Into::into),
            subst,
            matches,
            dyn_variables,
            http,
            location: self.loc(el.name_span),
        })
    }

    fn http(&mut self, el: &Element, subst: Subst) -> Option<HttpRequest> {
        let on = subst != Subst::False;
        let mode = Mode::when(on);
        let method_name = el.value("method").unwrap_or("GET");
        let method = match Method::from_token(method_name) {
            Some(m) if m.is_webdav() && self.session_kind != SessionKind::Webdav => {
                self.diags
                    .error(
                        "bad-method",
                        el.value_span("method"),
                        format!("{method_name} needs a WebDAV session"),
                    )
                    .help("declare the session with `type=\"ts_webdav\"`");
                None
            }
            Some(m) => Some(m),
            None if matches!(method_name, "MERGE" | "CHECKOUT") => {
                self.diags
                    .error(
                        "bad-method",
                        el.value_span("method"),
                        format!("Tsung cannot send {method_name} requests"),
                    )
                    .note("the grammar lists it, but no Tsung plugin encodes it");
                None
            }
            None => None, // not a method at all: the grammar reported it
        };
        let version = match el.value("version") {
            Some("1.0") => HttpVersion::Http10,
            _ => HttpVersion::Http11,
        };
        let url = self.url(el, subst);
        // Body: contents_from_file wins over contents.
        let body = match (el.attr("contents_from_file"), el.attr("contents")) {
            (Some(file), contents) => {
                if contents.is_some() {
                    self.diags.warning(
                        "ignored-attribute",
                        el.attr_span("contents"),
                        "`contents` is ignored: `contents_from_file` gives the body",
                    );
                }
                self.body_file(&file.value, file.value_span)
            }
            (None, Some(contents)) => {
                let mode = match subst {
                    Subst::True => Mode::Subst,
                    Subst::AllExceptBody => Mode::BodyExcluded,
                    Subst::False => Mode::NoSubst,
                };
                Some(self.template(contents, mode, "body"))
            }
            (None, None) => None,
        };
        if let (Some(m), Some(_)) = (method, &body)
            && !m.sends_body()
        {
            let attr = if el.attr("contents_from_file").is_some() {
                "contents_from_file"
            } else {
                "contents"
            };
            self.diags
                .warning(
                    "body-not-sent",
                    el.attr_span(attr),
                    format!(
                        "{} requests carry no body: the contents are not sent",
                        m.as_str()
                    ),
                )
                .note(
                    "Tsung sends a body only with POST, PUT, PATCH, DELETE, PURGE and the WebDAV \
                     methods other than MKCOL",
                );
        }
        let content_type = el
            .attr("content_type")
            .map(|a| self.template(a, mode, "content_type"));
        let if_modified_since = el
            .attr("if_modified_since")
            .map(|a| self.template(a, Mode::Never, "if_modified_since"));
        if let (Some(m), Some(_)) = (method, &if_modified_since)
            && m.sends_body()
        {
            self.diags
                .warning(
                    "ignored-attribute",
                    el.attr_span("if_modified_since"),
                    format!(
                        "Tsung sends no If-Modified-Since header with {}",
                        m.as_str()
                    ),
                )
                .note("it is only sent with GET, HEAD, OPTIONS and MKCOL");
        }
        let headers = el
            .children_named("http_header")
            .filter_map(|h| self.http_header(h, mode))
            .collect();
        let www_authenticate = el
            .child("www_authenticate")
            .map(|a| self.www_authenticate(a, mode));
        let oauth = el.child("oauth").map(|o| self.oauth(o, mode));
        let soap_action = el
            .child("soap")
            .and_then(|s| s.attr("action"))
            .map(|a| self.template(a, Mode::Never, "SOAP action"));
        let add_cookies = el
            .children_named("add_cookie")
            .filter_map(|c| {
                let key = c.value("key")?;
                self.never_substituted(c, "key");
                self.never_substituted(c, "domain");
                self.never_substituted(c, "path");
                let value = self.template(c.attr("value")?, mode, "cookie value");
                Some(AddCookie {
                    key: key.into(),
                    value,
                    domain: c.value("domain").map(Into::into),
                    path: c.value("path").map(Into::into),
                })
            })
            .collect();
        Some(HttpRequest {
            url: url?,
            method: method?,
            version,
            body,
            content_type,
            if_modified_since,
            headers,
            www_authenticate,
            oauth,
            soap_action,
            add_cookies,
        })
    }

    /// Warns about markers in an attribute Tsung never substitutes.
    fn never_substituted(&mut self, el: &Element, name: &str) {
        if let Some(a) = el.attr(name)
            && has_markers(&a.value)
        {
            let _ = self.template(a, Mode::Never, name);
        }
    }

    fn url(&mut self, el: &Element, subst: Subst) -> Option<Url> {
        let attr = el.attr("url")?;
        let text = attr.value.as_str();
        let on = subst != Subst::False;
        let absolute = text.starts_with("http");
        if on && ((absolute && has_markers(text)) || text.starts_with("%%")) {
            let t = self.template(attr, Mode::Subst, "URL");
            return Some(Url::Dynamic(t));
        }
        if absolute {
            let wire = self.wire_bytes(text, &Place::Attr(attr), "URL");
            if !on {
                let _ = self.template(attr, Mode::NoSubst, "URL");
            }
            let text = url_text(&wire);
            let proper = text.starts_with("http://") || text.starts_with("https://");
            return match Authority::split_absolute(&text).filter(|_| proper) {
                Some((authority, path)) => {
                    self.previous_absolute = true;
                    Some(Url::Static(StaticUrl {
                        authority: Some(authority),
                        path: path.into(),
                    }))
                }
                None => {
                    self.diags
                        .error(
                            "bad-url",
                            attr.value_span,
                            format!("`{text}` is not a valid absolute URL"),
                        )
                        .help("write `http://host[:port]/path` or `https://host[:port]/path`");
                    None
                }
            };
        }
        if on && has_markers(text) {
            let t = self.template(attr, Mode::Subst, "URL");
            self.proxy_needs_absolute(attr.value_span);
            return Some(Url::Dynamic(t));
        }
        if !text.starts_with('/') {
            let help = if has_markers(text) {
                "this URL comes from a variable: add `subst=\"true\"` to the `<request>`".to_owned()
            } else {
                format!("write `/{}`", text.trim_start_matches("./"))
            };
            self.diags
                .error(
                    "bad-url",
                    attr.value_span,
                    format!("`{text}` is neither a path starting with `/` nor an absolute URL"),
                )
                .help(help);
            return None;
        }
        let template = self.template(attr, Mode::when(on), "URL");
        self.proxy_needs_absolute(attr.value_span);
        let path = url_text(template.as_literal().unwrap_or_default());
        Some(Url::Static(StaticUrl {
            authority: None,
            path: path.into(),
        }))
    }

    /// In proxy mode, Tsung needs an absolute URL before the first relative one.
    fn proxy_needs_absolute(&mut self, span: Span) {
        if self.options.http_use_server_as_proxy && !self.previous_absolute {
            self.diags
                .error(
                    "proxy-url",
                    span,
                    "with `http_use_server_as_proxy`, the first request of a session needs an absolute URL",
                )
                .note("Tsung refuses the scenario (`badurl_proxy`)")
                .help("write `http://host/path` for this request");
            self.previous_absolute = true;
        }
    }

    fn body_file(&mut self, value: &str, span: Span) -> Option<Template> {
        let path = super::options::resolve(&self.base_dir, value);
        match std::fs::read(&path) {
            Ok(bytes) => Some(Template::literal(bytes)),
            Err(e) => {
                let why = match e.kind() {
                    std::io::ErrorKind::NotFound => "it does not exist".to_owned(),
                    std::io::ErrorKind::IsADirectory => "it is a directory".to_owned(),
                    _ => e.to_string(),
                };
                self.diags
                    .error(
                        "missing-file",
                        span,
                        format!("cannot read `contents_from_file` `{}`: {why}", path.display()),
                    )
                    .help("relative paths are taken from the scenario's directory")
                    .note("Tsung reads the file when it loads the scenario and stops if it is missing");
                None
            }
        }
    }

    fn http_header(&mut self, el: &Element, mode: Mode) -> Option<HttpHeader> {
        let name = el.value("name")?.to_owned();
        self.never_substituted(el, "name");
        let base64 = match el.value("encoding").map(str::trim) {
            None => false,
            Some("base64") => true,
            Some(other) => {
                let other = other.to_owned();
                self.diags
                    .error(
                        "bad-value",
                        el.value_span("encoding"),
                        format!("header encoding `{other}` is not supported"),
                    )
                    .help("the only encoding is `base64`")
                    .note("Tsung stops with an error on other encodings");
                return None;
            }
        };
        let value = match el.attr("value") {
            Some(a) => {
                if base64 && mode == Mode::Subst && has_markers(&a.value) {
                    // Tsung encodes the value when it reads the scenario, so its markers were
                    // sent encoded as written; Stampede substitutes, then encodes.
                    self.diags
                        .warning(
                            "base64-marker",
                            a.value_span,
                            "this base64 header is substituted before it is encoded; Tsung encoded the text as written",
                        )
                        .note("see docs/compatibility.md, \"Running scenarios\"");
                }
                self.template(a, mode, &format!("`{name}` header"))
            }
            None => Template::default(),
        };
        Some(HttpHeader {
            name: name.into(),
            value,
            base64,
        })
    }

    fn www_authenticate(&mut self, el: &Element, mode: Mode) -> WwwAuthenticate {
        let mut field = |n: &str| el.attr(n).map(|a| self.template(a, mode, n));
        let userid = field("userid").unwrap_or_default();
        let passwd = field("passwd").unwrap_or_default();
        if el.value("type") != Some("digest") {
            return WwwAuthenticate::Basic { userid, passwd };
        }
        let realm = field("realm");
        let nonce = field("nonce");
        let opaque = field("opaque");
        let qop = field("qop");
        let nc = field("nc");
        let cnonce = match field("cnonce") {
            Some(c) => Some(c),
            // Tsung's default is the marker `%%ts_user_server:get_really_unique_id%%`, which
            // only becomes a fresh value when the request is substituted.
            None if mode == Mode::Subst => None,
            None => Some(Template::literal(
                b"%%ts_user_server:get_really_unique_id%%".to_vec(),
            )),
        };
        WwwAuthenticate::Digest(DigestParams {
            userid,
            passwd,
            realm,
            nonce,
            opaque,
            qop,
            nc,
            cnonce,
        })
    }

    fn oauth(&mut self, el: &Element, mode: Mode) -> OAuth {
        let consumer_key = el
            .attr("consumer_key")
            .map(|a| self.template(a, Mode::Never, "consumer_key"))
            .unwrap_or_default();
        let consumer_secret = el
            .attr("consumer_secret")
            .map(|a| self.template(a, Mode::Never, "consumer_secret"))
            .unwrap_or_default();
        let access_token = el
            .attr("access_token")
            .map(|a| self.template(a, mode, "access_token"));
        let access_token_secret = el
            .attr("access_token_secret")
            .map(|a| self.template(a, mode, "access_token_secret"));
        let method = match el.value("method") {
            Some("PLAINTEXT") => OAuthMethod::Plaintext,
            Some("RSA-SHA1") => OAuthMethod::RsaSha1,
            _ => OAuthMethod::HmacSha1,
        };
        OAuth {
            consumer_key,
            consumer_secret,
            access_token,
            access_token_secret,
            method,
        }
    }

    fn match_el(&mut self, el: &Element, request_subst: Subst) -> Option<Match> {
        let _ = request_subst;
        let action = match el.value("do") {
            Some("log") => MatchAction::Log,
            Some("dump") => MatchAction::Dump,
            Some("abort") => MatchAction::Abort,
            Some("abort_test") => MatchAction::AbortTest,
            Some("restart") => MatchAction::Restart,
            Some("loop") => MatchAction::Loop,
            _ => MatchAction::Continue,
        };
        let when = match el.value("when") {
            Some("nomatch") => MatchWhen::NoMatch,
            _ => MatchWhen::Match,
        };
        let subst = self.flag(el, "subst") == Some(true);
        let max_loop = self.u32_or(el, "max_loop", 20);
        let loop_back = self.u32_or(el, "loop_back", 0);
        let max_restart = self.u32_or(el, "max_restart", 3);
        let sleep_loop = self.u32_or(el, "sleep_loop", 5);
        let skip_headers = match el.value("skip_headers") {
            None | Some("no") => false,
            Some("http") => true,
            Some(other) => {
                self.diags
                    .warning(
                        "bad-value",
                        el.value_span("skip_headers"),
                        format!("`skip_headers=\"{other}\"` is treated as `no`"),
                    )
                    .help("use `http` to match the body only");
                false
            }
        };
        let apply_to_content = match el.attr("apply_to_content") {
            None => None,
            Some(a) => {
                let (m, f) = a.value.split_once(':').unwrap_or((a.value.as_str(), ""));
                let span = a.value_span;
                let (m, f) = (m.to_owned(), f.to_owned());
                Some(self.content_transform(&m, &f, span)?)
            }
        };
        let raw = el.first_text().map(|t| t.text.as_str()).unwrap_or("");
        let text_span = el.first_text().map(|t| t.span).unwrap_or(el.name_span);
        let regex = erlang::clean_str(erlang::strip_spaces(raw)).to_owned();
        if regex.is_empty() {
            self.diags.warning(
                "empty-match",
                el.name_span,
                "this `<match>` has an empty pattern: it matches every response",
            );
        }
        let has_any_marker = split_markers(regex.as_bytes())
            .iter()
            .any(|s| matches!(s, RawSegment::Var { .. } | RawSegment::Call { .. }));
        let pattern = if subst && has_any_marker {
            let t = self.template_in(
                &regex,
                &Place::Text(text_span),
                Mode::Subst,
                "match pattern",
            );
            MatchPattern::Dynamic(t)
        } else {
            if !subst && has_any_marker {
                self.diags
                    .warning(
                        "literal-marker",
                        text_span,
                        "this `<match>` pattern is used as written: it has no `subst=\"true\"`",
                    )
                    .help("add `subst=\"true\"` to the `<match>` to substitute its markers");
            }
            let span = if self.sources.slice(text_span).trim() == regex {
                let full = self.sources.slice(text_span);
                let lead = full.len() - full.trim_start().len();
                Span::new(
                    text_span.file,
                    text_span.start as usize + lead,
                    text_span.start as usize + lead + regex.len(),
                )
            } else {
                text_span
            };
            MatchPattern::Static(self.compile(&regex, span, "<match>")?)
        };
        Some(Match {
            pattern,
            when,
            action,
            name: el.value("name").unwrap_or("-").into(),
            max_loop: max_loop?,
            loop_back: loop_back?,
            sleep_loop: Duration::from_secs(u64::from(sleep_loop?)),
            max_restart: max_restart?,
            skip_headers,
            apply_to_content,
            location: self.loc(el.name_span),
        })
    }

    fn dyn_variable(&mut self, el: &Element, subst: Subst) -> Option<DynVariable> {
        let raw_name = el.value("name")?;
        let name = erlang::clean_str(raw_name).to_owned();
        let name_span = el.value_span("name");
        if name.contains(['\'', '\\']) {
            self.diags
                .error(
                    "bad-name",
                    name_span,
                    format!("variable name `{name}` cannot contain quotes or backslashes"),
                )
                .note("Tsung stops with a parse error on it");
            return None;
        }
        if el.attr("regexp").is_some() {
            let has_other = ["re", "xpath", "jsonpath", "header", "pgsql_expr"]
                .iter()
                .any(|a| el.attr(a).is_some());
            if !has_other {
                self.diags
                    .warning(
                        "ignored-attribute",
                        el.attr_span("regexp"),
                        format!(
                            "Tsung ignores `regexp` (the spelling before 1.4): this dyn_variable \
                             extracts the hidden form field `{name}` instead"
                        ),
                    )
                    .help("rename the attribute to `re` to use this expression");
            }
        }
        let present: Vec<&str> = ["re", "pgsql_expr", "xpath", "header", "jsonpath"]
            .into_iter()
            .filter(|a| el.attr(a).is_some())
            .collect();
        if present.len() > 1 {
            self.diags
                .error(
                    "bad-extractor",
                    el.name_span,
                    format!(
                        "a `<dyn_variable>` takes one expression, found {}",
                        crate::diagnostic::one_of(&present)
                    ),
                )
                .note("Tsung stops with an error");
            return None;
        }
        let decode = el.value("decode") == Some("html_entities");
        let extractor = match present.first().copied() {
            None => {
                let source = hidden_input_regex(&name);
                match Pattern::new(&source) {
                    Ok(p) => Extractor::HiddenInput(p),
                    Err(e) => {
                        self.diags
                            .error(
                                "bad-regex",
                                name_span,
                                format!(
                                    "the default pattern for `{name}` does not compile: {}",
                                    e.message
                                ),
                            )
                            .note(format!(
                                "without an expression, Tsung looks for the form field with the \
                                 variable's name: {source}"
                            ))
                            .help("give an explicit `re`");
                        return None;
                    }
                }
            }
            Some("re") => {
                let a = el.attr("re")?;
                Extractor::Regex(self.compile(&a.value, a.value_span, "re")?)
            }
            Some("xpath") => {
                let a = el.attr("xpath")?;
                match XPath::parse(&a.value) {
                    Ok(x) => Extractor::XPath(x),
                    Err(e) => {
                        self.diags
                            .error(
                                "bad-xpath",
                                path_error_span(a.value_span, a.value.len(), e.offset),
                                format!("the XPath does not parse: {}", e.message),
                            )
                            .note("Tsung stops with an error when it reads an invalid XPath");
                        return None;
                    }
                }
            }
            Some("jsonpath") => {
                let a = el.attr("jsonpath")?;
                if subst == Subst::True && has_markers(&a.value) {
                    let t = self.template(a, Mode::Subst, "JSONPath");
                    Extractor::JsonPath(JsonPathSource::Dynamic(t))
                } else {
                    if has_markers(&a.value) {
                        self.diags
                            .warning(
                                "literal-marker",
                                a.value_span,
                                "this JSONPath is used as written: markers are substituted only with `subst=\"true\"` on the request",
                            );
                    }
                    match JsonPath::parse(&a.value) {
                        Ok(p) => Extractor::JsonPath(JsonPathSource::Static(p)),
                        Err(e) => {
                            self.diags
                                .error(
                                    "bad-jsonpath",
                                    path_error_span(a.value_span, a.value.len(), e.offset),
                                    format!("the JSONPath does not parse: {}", e.message),
                                )
                                .help("Tsung understands paths like `a.b[3].c` and `a[?k=v].c`");
                            return None;
                        }
                    }
                }
            }
            Some("header") => {
                let h = el.value("header")?;
                let parts: Vec<&str> = h.split('/').filter(|p| !p.is_empty()).collect();
                match parts[..] {
                    [n] => Extractor::Header {
                        name: n.to_ascii_lowercase().into(),
                        param: None,
                    },
                    [n, p] => Extractor::Header {
                        name: n.to_ascii_lowercase().into(),
                        param: Some(p.into()),
                    },
                    _ => {
                        self.diags
                            .error(
                                "bad-extractor",
                                el.value_span("header"),
                                format!("`header=\"{h}\"` must be `name` or `name/parameter`"),
                            )
                            .note("Tsung stops with an error on it");
                        return None;
                    }
                }
            }
            Some(_) => {
                self.diags
                    .error(
                        "unsupported-protocol",
                        el.attr_span("pgsql_expr"),
                        "`pgsql_expr` only works in PostgreSQL sessions",
                    )
                    .help("use `re`, `xpath`, `jsonpath` or `header` on HTTP responses");
                return None;
            }
        };
        if decode && !matches!(extractor, Extractor::Regex(_) | Extractor::HiddenInput(_)) {
            self.diags.warning(
                "ignored-attribute",
                el.attr_span("decode"),
                "`decode` only applies to regular-expression extractions",
            );
        }
        let var = self.var(&name, name_span);
        self.events.push(VarEvent::Def(var, name_span));
        Some(DynVariable {
            var,
            extractor,
            decode_html_entities: decode,
        })
    }
}

/// The text of a static URL from the bytes Tsung sends: ASCII as is, other bytes
/// percent-encoded (a request line carries no raw non-ASCII bytes).
fn url_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii() {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn path_error_span(value: Span, len: usize, offset: usize) -> Span {
    if value.len() == len && offset < len {
        Span::new(
            value.file,
            value.start as usize + offset,
            value.start as usize + offset + 1,
        )
    } else {
        value
    }
}
