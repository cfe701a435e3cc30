//! The response head: status line and header fields parsed with `httparse`, turned into
//! offsets into the receive buffer plus the facts that decide the body framing.

use std::mem::MaybeUninit;
use std::ops::Range;

use stampede_model::ErrorClass;

/// Header fields parsed without a heap-allocated array, the common case.
const INLINE_HEADERS: usize = 64;

/// One header field as byte offsets into the response buffer ([`Response::bytes`]).
///
/// [`Response::bytes`]: super::Response::bytes
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeaderSpan {
    pub(crate) name_start: u32,
    pub(crate) name_end: u32,
    pub(crate) value_start: u32,
    pub(crate) value_end: u32,
}

impl HeaderSpan {
    /// Where the name is.
    pub fn name_range(&self) -> Range<usize> {
        self.name_start as usize..self.name_end as usize
    }

    /// Where the value is, without surrounding whitespace.
    pub fn value_range(&self) -> Range<usize> {
        self.value_start as usize..self.value_end as usize
    }

    /// The name bytes within `buf` (the buffer the response was parsed from).
    pub fn name<'a>(&self, buf: &'a [u8]) -> &'a [u8] {
        buf.get(self.name_range()).unwrap_or(&[])
    }

    /// The value bytes within `buf`.
    pub fn value<'a>(&self, buf: &'a [u8]) -> &'a [u8] {
        buf.get(self.value_range()).unwrap_or(&[])
    }
}

/// How the body of a response is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyFraming {
    /// No body: a response to HEAD, 1xx, 204 or 304.
    None,
    /// `Content-Length`.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// The body runs until the server closes the connection (HTTP/1.0 style, or a
    /// `Transfer-Encoding` that does not end in `chunked`).
    Close,
}

/// The `Content-Encoding` of a response, as far as Stampede can decode it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContentCoding {
    /// No encoding, or `identity`.
    Identity,
    /// `gzip` / `x-gzip`.
    Gzip,
    /// `deflate` (zlib-wrapped, or raw deflate as some servers send).
    Deflate,
    /// Anything else (`br`, `zstd`, a list of several codings): left as received.
    Other,
}

/// What the head of a final (non-1xx, or 101) response says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HeadInfo {
    /// Bytes of the head, blank line included: the body starts here.
    pub len: usize,
    pub status: u16,
    /// `0` for HTTP/1.0, `1` for HTTP/1.1.
    pub minor_version: u8,
    pub reason_start: u32,
    pub reason_len: u32,
    pub framing: BodyFraming,
    /// Whether the connection may carry another request after this response.
    pub keep_alive: bool,
    pub coding: ContentCoding,
}

/// Result of trying to parse a head from the start of a buffer.
#[derive(Debug)]
pub(crate) enum HeadParse {
    /// More bytes are needed; the status code if the status line is already there.
    Partial(Option<u16>),
    Complete(HeadInfo),
}

/// The lenient parser settings: a load tester accepts what real servers send, and, like
/// Tsung, skips header lines it cannot read.
pub(crate) fn parser_config() -> httparse::ParserConfig {
    let mut config = httparse::ParserConfig::default();
    config
        .allow_spaces_after_header_name_in_responses(true)
        .allow_obsolete_multiline_headers_in_responses(true)
        .allow_multiple_spaces_in_response_status_delimiters(true)
        .ignore_invalid_headers_in_responses(true);
    config
}

/// Whether `buf` can still start with a status line: `HTTP/` after optional empty lines.
/// `Err(HttpNoStatus)` as soon as it cannot.
pub(crate) fn check_status_prefix(buf: &[u8]) -> Result<bool, ErrorClass> {
    let mut i = 0;
    while i < buf.len() && (buf[i] == b'\r' || buf[i] == b'\n') {
        i += 1;
    }
    let rest = &buf[i..];
    const PREFIX: &[u8] = b"HTTP/";
    let n = rest.len().min(PREFIX.len());
    if rest[..n] != PREFIX[..n] {
        return Err(ErrorClass::HttpNoStatus);
    }
    Ok(n == PREFIX.len())
}

/// Whether `buf[from..]` contains the end of a head (`\n\n` or `\n\r\n`), looking back two
/// bytes before `from` so a marker split across two reads is found.
pub(crate) fn contains_head_end(buf: &[u8], from: usize) -> bool {
    let start = from.saturating_sub(2);
    let window = &buf[start..];
    window.iter().enumerate().any(|(i, &b)| {
        b == b'\n'
            && match window.get(i + 1) {
                Some(b'\n') => true,
                Some(b'\r') => window.get(i + 2) == Some(&b'\n'),
                _ => false,
            }
    })
}

/// Parses the head at the start of `buf`, filling `spans` with the header offsets. A head
/// identical to the last one parsed on this thread is not parsed again; common, well-formed
/// heads take the fast path; `httparse` decides on everything else.
pub(crate) fn parse_head(
    buf: &[u8],
    config: &httparse::ParserConfig,
    max_headers: usize,
    head_request: bool,
    spans: &mut Vec<HeaderSpan>,
) -> Result<HeadParse, ErrorClass> {
    if let Some(info) = super::head_cache::lookup(buf, max_headers, head_request, spans) {
        return Ok(HeadParse::Complete(info));
    }
    let parsed = match super::head_fast::parse(buf, max_headers, head_request, spans) {
        Some(parsed) => parsed,
        None => parse_head_httparse(buf, config, max_headers, head_request, spans),
    };
    if let Ok(HeadParse::Complete(info)) = &parsed
        && let Some(head) = buf.get(..info.len)
    {
        super::head_cache::store(head, info, spans, max_headers, head_request);
    }
    parsed
}

/// [`parse_head`] with `httparse` and its lenient settings, for any input.
pub(crate) fn parse_head_httparse(
    buf: &[u8],
    config: &httparse::ParserConfig,
    max_headers: usize,
    head_request: bool,
    spans: &mut Vec<HeaderSpan>,
) -> Result<HeadParse, ErrorClass> {
    let mut inline: [MaybeUninit<httparse::Header<'_>>; INLINE_HEADERS] =
        [const { MaybeUninit::uninit() }; INLINE_HEADERS];
    let mut response = httparse::Response::new(&mut []);
    match config.parse_response_with_uninit_headers(&mut response, buf, &mut inline) {
        Err(httparse::Error::TooManyHeaders) if max_headers > INLINE_HEADERS => {
            // Rare: more fields than the inline array holds.
            let mut heap: Vec<MaybeUninit<httparse::Header<'_>>> = Vec::new();
            heap.resize_with(max_headers, MaybeUninit::uninit);
            let mut response = httparse::Response::new(&mut []);
            let result = config.parse_response_with_uninit_headers(&mut response, buf, &mut heap);
            finish_parse(buf, result, &response, head_request, spans)
        }
        result => finish_parse(buf, result, &response, head_request, spans),
    }
}

fn finish_parse(
    buf: &[u8],
    result: httparse::Result<usize>,
    response: &httparse::Response<'_, '_>,
    head_request: bool,
    spans: &mut Vec<HeaderSpan>,
) -> Result<HeadParse, ErrorClass> {
    let len = match result {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(HeadParse::Partial(response.code)),
        Err(httparse::Error::Version | httparse::Error::Status) => {
            return Err(ErrorClass::HttpNoStatus);
        }
        Err(_) => return Err(ErrorClass::HttpBadResponse),
    };
    let (Some(status), Some(minor_version)) = (response.code, response.version) else {
        return Err(ErrorClass::HttpNoStatus);
    };
    let base = buf.as_ptr() as usize;
    let offset = |s: &[u8]| (s.as_ptr() as usize).saturating_sub(base) as u32;
    let reason = response.reason.unwrap_or("").as_bytes();

    spans.clear();
    spans.reserve(response.headers.len());
    let mut facts = FieldFacts::default();
    for header in response.headers.iter() {
        let name = header.name.as_bytes();
        // httparse has already stripped the whitespace around the value.
        let value = header.value;
        let name_start = offset(name);
        let value_start = if value.is_empty() { 0 } else { offset(value) };
        spans.push(HeaderSpan {
            name_start,
            name_end: name_start + name.len() as u32,
            value_start,
            value_end: value_start + value.len() as u32,
        });
        facts.note(name, value);
    }
    let status_line = StatusLine {
        status,
        minor_version,
        reason_start: if reason.is_empty() { 0 } else { offset(reason) },
        reason_len: reason.len() as u32,
    };
    head_info(len, status_line, &facts, head_request)
}

/// What the status line says.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StatusLine {
    pub status: u16,
    pub minor_version: u8,
    /// Offset of the reason phrase (0 when it is empty).
    pub reason_start: u32,
    pub reason_len: u32,
}

/// The head's facts once every header field was noted: body framing and connection reuse.
pub(crate) fn head_info(
    len: usize,
    line: StatusLine,
    facts: &FieldFacts,
    head_request: bool,
) -> Result<HeadParse, ErrorClass> {
    let StatusLine {
        status,
        minor_version,
        reason_start,
        reason_len,
    } = line;
    let keep_alive = !facts.conn_close && (minor_version == 1 || facts.conn_keep_alive);
    let no_body = head_request || (100..200).contains(&status) || status == 204 || status == 304;
    let framing = if no_body {
        BodyFraming::None
    } else if facts.te_present {
        if facts.chunked {
            BodyFraming::Chunked
        } else {
            BodyFraming::Close
        }
    } else if facts.bad_length {
        return Err(ErrorClass::HttpBadContentLength);
    } else if let Some(n) = facts.length {
        BodyFraming::Length(n)
    } else {
        BodyFraming::Close
    };
    let keep_alive = keep_alive && framing != BodyFraming::Close && status != 101;
    Ok(HeadParse::Complete(HeadInfo {
        len,
        status,
        minor_version,
        reason_start,
        reason_len,
        framing,
        keep_alive,
        coding: facts.coding,
    }))
}

/// The header fields that matter for framing and connection reuse.
#[derive(Debug)]
pub(crate) struct FieldFacts {
    length: Option<u64>,
    bad_length: bool,
    te_present: bool,
    chunked: bool,
    conn_close: bool,
    conn_keep_alive: bool,
    coding: ContentCoding,
}

impl Default for FieldFacts {
    fn default() -> Self {
        Self {
            length: None,
            bad_length: false,
            te_present: false,
            chunked: false,
            conn_close: false,
            conn_keep_alive: false,
            coding: ContentCoding::Identity,
        }
    }
}

impl FieldFacts {
    #[inline]
    pub(crate) fn note(&mut self, name: &[u8], value: &[u8]) {
        // Every name below starts with c, p or t: most fields are passed over at once.
        if matches!(name.first().map(|b| b | 0x20), Some(b'c' | b'p' | b't')) {
            self.note_candidate(name, value);
        }
    }

    fn note_candidate(&mut self, name: &[u8], value: &[u8]) {
        match name.len() {
            10 if eq_lower(name, b"connection") => self.connection(value),
            14 if eq_lower(name, b"content-length") => self.content_length(value),
            16 if eq_lower(name, b"content-encoding") => {
                self.coding = content_coding(value);
            }
            16 if eq_lower(name, b"proxy-connection") => self.connection(value),
            17 if eq_lower(name, b"transfer-encoding") => {
                self.te_present = true;
                // Only the last coding decides; a later field overrides an earlier one.
                self.chunked = tokens(value)
                    .last()
                    .is_some_and(|t| t.eq_ignore_ascii_case(b"chunked"));
            }
            _ => {}
        }
    }

    fn connection(&mut self, value: &[u8]) {
        // The common single-token values first.
        if eq_lower(value, b"keep-alive") {
            self.conn_keep_alive = true;
            return;
        }
        if value.eq_ignore_ascii_case(b"close") {
            self.conn_close = true;
            return;
        }
        for token in tokens(value) {
            if token.eq_ignore_ascii_case(b"close") {
                self.conn_close = true;
            } else if token.eq_ignore_ascii_case(b"keep-alive") {
                self.conn_keep_alive = true;
            }
        }
    }

    /// Several fields, or a comma-separated list, are accepted when every value agrees.
    fn content_length(&mut self, value: &[u8]) {
        // Digits only (the common case) cannot hold a comma.
        if let Some(n) = parse_decimal(value) {
            if self.length.is_none_or(|l| l == n) {
                self.length = Some(n);
            } else {
                self.bad_length = true;
            }
            return;
        }
        if !value.contains(&b',') {
            self.bad_length = true;
            return;
        }
        let mut any = false;
        for token in value.split(|&b| b == b',').map(trim) {
            any = true;
            match parse_decimal(token) {
                Some(n) if self.length.is_none_or(|l| l == n) => self.length = Some(n),
                _ => self.bad_length = true,
            }
        }
        if !any {
            self.bad_length = true;
        }
    }
}

/// `a.eq_ignore_ascii_case(lower)` for a literal `lower` without upper-case letters, eight
/// bytes at a time: a letter of `lower` also matches its upper case, every other byte only
/// itself.
#[inline]
fn eq_lower(a: &[u8], lower: &[u8]) -> bool {
    if a.len() != lower.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| {
        s.get(at..at + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok())
            .map_or(0, u64::from_le_bytes)
    };
    let same = |at: usize| {
        let l = word(lower, at);
        // 0x20 where `lower` has a letter: the case bit.
        let case = super::head_fast::in_range(l & 0x7f7f_7f7f_7f7f_7f7f, b'a', b'z') >> 2;
        (word(a, at) | case) == l
    };
    match a.len() {
        0..8 => a.eq_ignore_ascii_case(lower),
        n => {
            // Whole words, the last one overlapping the one before.
            let mut at = 0;
            while at + 8 < n {
                if !same(at) {
                    return false;
                }
                at += 8;
            }
            same(n - 8)
        }
    }
}

fn content_coding(value: &[u8]) -> ContentCoding {
    let mut codings = tokens(value).filter(|t| !t.eq_ignore_ascii_case(b"identity"));
    let Some(first) = codings.next() else {
        return ContentCoding::Identity;
    };
    if codings.next().is_some() {
        return ContentCoding::Other;
    }
    if first.eq_ignore_ascii_case(b"gzip") || first.eq_ignore_ascii_case(b"x-gzip") {
        ContentCoding::Gzip
    } else if first.eq_ignore_ascii_case(b"deflate") {
        ContentCoding::Deflate
    } else {
        ContentCoding::Other
    }
}

/// Non-empty comma-separated tokens of a field value, trimmed.
fn tokens(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(trim)
        .filter(|t| !t.is_empty())
}

/// A non-negative decimal below 2^63 with nothing else around it.
pub(crate) fn parse_decimal(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 18 {
        return None;
    }
    let mut n: u64 = 0;
    for &b in s {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
    }
    Some(n)
}

fn trim(s: &[u8]) -> &[u8] {
    let is_ws = |b: &u8| *b == b' ' || *b == b'\t';
    let start = s.iter().position(|b| !is_ws(b)).unwrap_or(s.len());
    let end = s.iter().rposition(|b| !is_ws(b)).map_or(start, |e| e + 1);
    &s[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(head: &[u8], head_request: bool) -> Result<HeadParse, ErrorClass> {
        let mut spans = Vec::new();
        parse_head(head, &parser_config(), 256, head_request, &mut spans)
    }

    fn complete(head: &str) -> HeadInfo {
        match parse(head.as_bytes(), false) {
            Ok(HeadParse::Complete(info)) => info,
            other => panic!("{head:?}: {other:?}"),
        }
    }

    #[test]
    fn framing_table() {
        use BodyFraming::*;
        // (head, framing, keep_alive)
        let table: &[(&str, BodyFraming, bool)] = &[
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
                Length(5),
                true,
            ),
            (
                "HTTP/1.1 200 OK\r\ncontent-length:5\r\n\r\n",
                Length(5),
                true,
            ),
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n",
                Length(5),
                true,
            ),
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
                Length(5),
                true,
            ),
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                Length(0),
                true,
            ),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                Chunked,
                true,
            ),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n",
                Chunked,
                true,
            ),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 9\r\n\r\n",
                Chunked,
                true,
            ),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
                Close,
                false,
            ),
            ("HTTP/1.1 200 OK\r\n\r\n", Close, false),
            (
                "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n",
                None,
                true,
            ),
            ("HTTP/1.1 304 Not Modified\r\n\r\n", None, true),
            ("HTTP/1.1 101 Switching Protocols\r\n\r\n", None, false),
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\n",
                Length(5),
                false,
            ),
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: x, Close\r\n\r\n",
                Length(5),
                false,
            ),
            (
                "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n",
                Length(5),
                false,
            ),
            (
                "HTTP/1.0 200 OK\r\nContent-Length: 5\r\nConnection: Keep-Alive\r\n\r\n",
                Length(5),
                true,
            ),
            ("HTTP/1.0 200 OK\r\n\r\n", Close, false),
            ("HTTP/1.1 200 OK\nContent-Length: 2\n\n", Length(2), true),
            (
                "\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n",
                Length(2),
                true,
            ),
            (
                "HTTP/1.1  200  OK\r\nContent-Length : 2\r\n\r\n",
                Length(2),
                true,
            ),
            ("HTTP/1.1 200\r\nContent-Length: 2\r\n\r\n", Length(2), true),
        ];
        for (head, framing, keep_alive) in table {
            let info = complete(head);
            assert_eq!(
                (info.framing, info.keep_alive),
                (*framing, *keep_alive),
                "{head:?}"
            );
            assert_eq!(info.len, head.len(), "{head:?}");
        }
    }

    #[test]
    fn head_request_has_no_body() {
        let Ok(HeadParse::Complete(info)) =
            parse(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n", true)
        else {
            panic!()
        };
        assert_eq!(info.framing, BodyFraming::None);
        assert!(info.keep_alive);
    }

    #[test]
    fn bad_content_length() {
        for head in [
            "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
        ] {
            assert_eq!(
                parse(head.as_bytes(), false).err(),
                Some(ErrorClass::HttpBadContentLength),
                "{head}"
            );
        }
    }

    #[test]
    fn status_errors() {
        let table: &[(&[u8], ErrorClass)] = &[
            (b"HTTP/2 200 OK\r\n\r\n", ErrorClass::HttpNoStatus),
            (b"HTTP/1.1 2x0 OK\r\n\r\n", ErrorClass::HttpNoStatus),
            (
                b"HTTP/1.1 200 OK\r\nBad\0Header: x\r\n\r\n",
                ErrorClass::HttpBadResponse,
            ),
        ];
        for (head, class) in table {
            assert_eq!(
                parse(head, false).err(),
                Some(*class),
                "{:?}",
                String::from_utf8_lossy(head)
            );
        }
        assert_eq!(
            check_status_prefix(b"<html>"),
            Err(ErrorClass::HttpNoStatus)
        );
        assert_eq!(check_status_prefix(b"HT"), Ok(false));
        assert_eq!(check_status_prefix(b"\r\nHTTP/1.1"), Ok(true));
    }

    #[test]
    fn unreadable_header_lines_are_skipped() {
        let mut spans = Vec::new();
        let head = b"HTTP/1.1 200 OK\r\nno colon here\r\nX: 1\r\nContent-Length: 0\r\n\r\n";
        let Ok(HeadParse::Complete(info)) =
            parse_head(head, &parser_config(), 256, false, &mut spans)
        else {
            panic!()
        };
        assert_eq!((info.framing, spans.len()), (BodyFraming::Length(0), 2));
    }

    #[test]
    fn partial_reports_status() {
        match parse(b"HTTP/1.1 404 Not Found\r\nServer: x", false) {
            Ok(HeadParse::Partial(Some(404))) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn codings() {
        let table: &[(&str, ContentCoding)] = &[
            ("gzip", ContentCoding::Gzip),
            ("X-GZIP", ContentCoding::Gzip),
            ("deflate", ContentCoding::Deflate),
            ("identity", ContentCoding::Identity),
            ("", ContentCoding::Identity),
            ("br", ContentCoding::Other),
            ("gzip, br", ContentCoding::Other),
        ];
        for (value, coding) in table {
            assert_eq!(content_coding(value.as_bytes()), *coding, "{value}");
        }
    }

    #[test]
    fn eq_lower_is_eq_ignore_ascii_case() {
        for lower in [
            &b"connection"[..],
            b"content-length",
            b"content-encoding",
            b"proxy-connection",
            b"transfer-encoding",
            b"keep-alive",
            b"close",
            b"",
        ] {
            assert!(eq_lower(lower, lower));
            assert!(eq_lower(&lower.to_ascii_uppercase(), lower));
            assert!(!eq_lower(&lower[..lower.len().saturating_sub(1)], lower) || lower.is_empty());
            // Every byte value at every position.
            for at in 0..lower.len() {
                for b in 0..=255u8 {
                    let mut a = lower.to_vec();
                    a[at] = b;
                    assert_eq!(
                        eq_lower(&a, lower),
                        a.eq_ignore_ascii_case(lower),
                        "{:?} {at} {b}",
                        String::from_utf8_lossy(lower)
                    );
                }
            }
        }
    }

    #[test]
    fn head_end_marker() {
        assert!(contains_head_end(b"a\r\n\r\n", 0));
        assert!(contains_head_end(b"a\n\n", 0));
        assert!(contains_head_end(b"a\r\n\r\n", 4));
        assert!(!contains_head_end(b"a\r\nb\r\n", 0));
        assert!(!contains_head_end(b"a\r\n\r", 0));
    }

    #[test]
    fn spans_point_into_buffer() {
        let head = b"HTTP/1.1 200 Fine\r\nX-A:  one \r\nEmpty:\r\n\r\n";
        let mut spans = Vec::new();
        let Ok(HeadParse::Complete(info)) =
            parse_head(head, &parser_config(), 256, false, &mut spans)
        else {
            panic!()
        };
        let reason = info.reason_start as usize..(info.reason_start + info.reason_len) as usize;
        assert_eq!(&head[reason], b"Fine");
        assert_eq!(&head[spans[0].name_range()], b"X-A");
        assert_eq!(&head[spans[0].value_range()], b"one");
        assert_eq!(spans.len(), 2);
        assert_eq!(
            (spans[0].name(head), spans[0].value(head)),
            (&b"X-A"[..], &b"one"[..])
        );
        assert_eq!(
            (spans[1].name(head), spans[1].value(head)),
            (&b"Empty"[..], &b""[..])
        );
    }
}
