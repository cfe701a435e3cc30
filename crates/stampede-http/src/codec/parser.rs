//! The incremental response parser and its buffer.

use flate2::Decompress;
use stampede_model::{ErrorClass, Method};

use super::chunked::ChunkDecoder;
use super::decode::{DecodeOutcome, decode_body};
use super::head::{
    BodyFraming, ContentCoding, HeadInfo, HeadParse, HeaderSpan, check_status_prefix,
    contains_head_end, parse_head, parser_config,
};
use super::response::Response;

/// Interim (1xx) responses skipped before the parser gives up on a response.
const MAX_INTERIM: u16 = 16;
/// Smallest free space offered to a read.
const MIN_READ: usize = 1024;

/// Size limits of the parser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseLimits {
    /// Longest head (status line, header fields, blank line); beyond it the response is
    /// `HttpBadResponse`. Default 64 KiB.
    pub max_head: usize,
    /// Most header fields in one head. Default 256.
    pub max_headers: usize,
    /// Body bytes kept when the body is wanted ([`ResponseExpect::keep_body`]); bytes beyond
    /// are counted but dropped and the response is marked truncated. Also caps decoded
    /// (gunzipped) bodies. Default 16 MiB.
    pub max_body: usize,
    /// Buffer allocated on the first read after a release. Default 4 KiB.
    pub initial_buffer: usize,
    /// Largest single read while the body is streaming in. Default 64 KiB.
    pub max_read: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        Self {
            max_head: 64 * 1024,
            max_headers: 256,
            max_body: 16 * 1024 * 1024,
            initial_buffer: 4096,
            max_read: 64 * 1024,
        }
    }
}

/// What the request implies about its response.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResponseExpect {
    /// The request was `HEAD`: the response has no body whatever its headers say.
    pub head_request: bool,
    /// Keep the body (up to [`ParseLimits::max_body`]) for checks and extractions. When
    /// `false` the body is counted and dropped as it arrives.
    pub keep_body: bool,
    /// Decode a `gzip`/`deflate` body (only with `keep_body`), as Tsung does before matching.
    pub decode_content: bool,
}

impl ResponseExpect {
    /// For a request with this method; the body is not kept.
    pub const fn for_method(method: Method) -> Self {
        Self {
            head_request: matches!(method, Method::Head),
            keep_body: false,
            decode_content: false,
        }
    }

    /// Keep the body or not.
    pub const fn with_body(mut self, keep: bool) -> Self {
        self.keep_body = keep;
        self
    }

    /// Decode content encodings or not (only effective when the body is kept).
    pub const fn with_decoding(mut self, decode: bool) -> Self {
        self.decode_content = decode;
        self
    }
}

/// Result of handing bytes to the parser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// The response is not complete yet.
    NeedMore,
    /// The response is complete; see [`ResponseParser::response`].
    Complete,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// No response started (new, or buffers released).
    Idle,
    Head,
    Body,
    Done,
    Failed(ErrorClass),
}

/// What happened to a `Content-Encoding` decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decoding {
    NotDone,
    Decoded,
    Failed,
}

/// Incremental HTTP/1.x response parser that owns the response buffer.
///
/// Start each response with [`start`](Self::start), then [`feed`](Self::feed) bytes as they
/// arrive (and [`feed_eof`](Self::feed_eof) when the peer closes) until
/// [`Progress::Complete`] or an error. The buffer, header table and inflate state are kept
/// from one response to the next, so steady-state parsing does not allocate;
/// [`release`](Self::release) frees them while the user is idle.
#[derive(Debug)]
pub struct ResponseParser {
    limits: ParseLimits,
    config: httparse::ParserConfig,
    /// `head bytes + kept body` (+ bytes of the current read not processed yet).
    buf: Vec<u8>,
    /// Second buffer for content decoding; swapped with `buf`.
    scratch: Vec<u8>,
    headers: Vec<HeaderSpan>,
    inflater: Option<Box<Decompress>>,
    expect: ResponseExpect,
    phase: Phase,
    head: HeadInfo,
    /// Status code once a status line was seen, even if the response then failed.
    status: Option<u16>,
    head_tries: u32,
    /// Head bytes already searched for the end-of-head marker.
    scanned: usize,
    prefix_ok: bool,
    /// Start of the bytes not processed yet.
    processed: usize,
    body_end: usize,
    /// Body bytes seen (after de-chunking, before content decoding), kept or not.
    body_len: u64,
    /// Bytes still expected for a `Content-Length` body.
    remaining: u64,
    chunks: ChunkDecoder,
    keep_alive: bool,
    truncated: bool,
    decoding: Decoding,
    interim: u16,
    /// Bytes received for this response (interim responses and excess bytes included).
    received: u64,
    /// Bytes received after the end of the response.
    trailing: u64,
}

impl Default for ResponseParser {
    fn default() -> Self {
        Self::new(ParseLimits::default())
    }
}

impl ResponseParser {
    /// A parser with no buffer allocated yet.
    pub fn new(limits: ParseLimits) -> Self {
        Self {
            limits,
            config: parser_config(),
            buf: Vec::new(),
            scratch: Vec::new(),
            headers: Vec::new(),
            inflater: None,
            expect: ResponseExpect::default(),
            phase: Phase::Idle,
            head: HeadInfo {
                len: 0,
                status: 0,
                minor_version: 1,
                reason_start: 0,
                reason_len: 0,
                framing: BodyFraming::None,
                keep_alive: false,
                coding: ContentCoding::Identity,
            },
            status: None,
            head_tries: 0,
            scanned: 0,
            prefix_ok: false,
            processed: 0,
            body_end: 0,
            body_len: 0,
            remaining: 0,
            chunks: ChunkDecoder::new(),
            keep_alive: false,
            truncated: false,
            decoding: Decoding::NotDone,
            interim: 0,
            received: 0,
            trailing: 0,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &ParseLimits {
        &self.limits
    }

    /// Forgets the previous response and prepares for a new one. Keeps allocated capacity.
    pub fn start(&mut self, expect: ResponseExpect) {
        self.expect = expect;
        self.buf.clear();
        self.headers.clear();
        self.phase = Phase::Head;
        self.status = None;
        self.head_tries = 0;
        self.scanned = 0;
        self.prefix_ok = false;
        self.processed = 0;
        self.body_end = 0;
        self.body_len = 0;
        self.remaining = 0;
        self.keep_alive = false;
        self.truncated = false;
        self.decoding = Decoding::NotDone;
        self.interim = 0;
        self.received = 0;
        self.trailing = 0;
    }

    /// Hands the next bytes of the response to the parser.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Progress, ErrorClass> {
        self.buf.extend_from_slice(bytes);
        self.on_read(bytes.len())
    }

    /// The peer closed the connection: completes a close-delimited body, or fails the
    /// response with `Closed`.
    pub fn feed_eof(&mut self) -> Result<Progress, ErrorClass> {
        match self.phase {
            Phase::Done => Ok(Progress::Complete),
            Phase::Failed(e) => Err(e),
            Phase::Body if self.head.framing == BodyFraming::Close => {
                self.finish(self.buf.len());
                Ok(Progress::Complete)
            }
            Phase::Idle | Phase::Head | Phase::Body => {
                self.phase = Phase::Failed(ErrorClass::Closed);
                Err(ErrorClass::Closed)
            }
        }
    }

    /// The complete response, if the last one completed.
    pub fn response(&self) -> Option<Response<'_>> {
        (self.phase == Phase::Done).then_some(Response::new(self))
    }

    /// The status code, as soon as the status line has been read (also when the response
    /// failed afterwards, as Tsung counts it at that moment).
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// Whether the response is complete.
    pub fn is_complete(&self) -> bool {
        self.phase == Phase::Done
    }

    /// Bytes received for this response, interim responses and excess bytes included.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Whether the connection can carry another request: the response is complete, framed by
    /// length or chunks, not followed by stray bytes, and neither HTTP/1.0 without keep-alive
    /// nor `Connection: close`.
    pub fn reusable(&self) -> bool {
        self.phase == Phase::Done && self.keep_alive
    }

    /// Bytes received after the end of the complete response. Non-zero means the framing
    /// was violated (the server sent more than it announced); the connection is then not
    /// reusable.
    pub fn excess_bytes(&self) -> u64 {
        self.trailing
    }

    /// The framing violation to count when bytes followed the response:
    /// `HttpUnexpectedChunkData` after a chunked body, `HttpBadContentLength` otherwise.
    pub fn framing_anomaly(&self) -> Option<ErrorClass> {
        (self.trailing > 0).then_some(match self.head.framing {
            BodyFraming::Chunked => ErrorClass::HttpUnexpectedChunkData,
            _ => ErrorClass::HttpBadContentLength,
        })
    }

    /// Frees the buffers (while the user thinks); the next response allocates them again.
    /// The last response is no longer available afterwards.
    pub fn release(&mut self) {
        self.buf = Vec::new();
        self.scratch = Vec::new();
        self.headers = Vec::new();
        self.inflater = None;
        self.phase = Phase::Idle;
    }

    /// Heap bytes held by the parser's buffers (capacity, not length).
    pub fn heap_size(&self) -> usize {
        self.buf.capacity()
            + self.scratch.capacity()
            + self.headers.capacity() * std::mem::size_of::<HeaderSpan>()
            + self
                .inflater
                .as_ref()
                .map_or(0, |_| std::mem::size_of::<Decompress>())
    }

    // --- for the connection layer: read straight into the buffer -------------------------

    /// The buffer, with free capacity for the next read. Bytes read must be appended (the
    /// length grows), then announced with [`on_read`](Self::on_read).
    pub(crate) fn read_buffer(&mut self) -> &mut Vec<u8> {
        let want = match (self.phase, self.head.framing) {
            (Phase::Body, BodyFraming::Length(_)) => {
                // One more byte than the rest of the body, so the read that completes it is
                // short (and the runtime knows the socket is drained).
                let rest = usize::try_from(self.remaining).unwrap_or(usize::MAX);
                rest.saturating_add(1).clamp(MIN_READ, self.limits.max_read)
            }
            (Phase::Body, _) => self
                .buf
                .len()
                .clamp(self.limits.initial_buffer, self.limits.max_read),
            _ => {
                if self.buf.capacity() == 0 {
                    self.limits.initial_buffer
                } else {
                    self.buf.len().clamp(MIN_READ, self.limits.max_read)
                }
            }
        };
        if self.buf.capacity() - self.buf.len() < want.max(1) {
            self.buf.reserve(want.max(1));
        }
        &mut self.buf
    }

    /// `n` bytes were appended to the buffer by a read.
    pub(crate) fn on_read(&mut self, n: usize) -> Result<Progress, ErrorClass> {
        self.received += n as u64;
        match self.process() {
            Ok(p) => Ok(p),
            Err(e) => {
                self.phase = Phase::Failed(e);
                Err(e)
            }
        }
    }

    // --- for the response view -----------------------------------------------------------

    pub(crate) fn buf(&self) -> &[u8] {
        &self.buf
    }

    pub(crate) fn head_info(&self) -> &HeadInfo {
        &self.head
    }

    pub(crate) fn header_spans(&self) -> &[HeaderSpan] {
        &self.headers
    }

    pub(crate) fn body_len(&self) -> u64 {
        self.body_len
    }

    pub(crate) fn truncated(&self) -> bool {
        self.truncated
    }

    pub(crate) fn decoding(&self) -> Decoding {
        self.decoding
    }

    pub(crate) fn interim(&self) -> u16 {
        self.interim
    }

    // --- the state machine -----------------------------------------------------------------

    fn process(&mut self) -> Result<Progress, ErrorClass> {
        loop {
            match self.phase {
                Phase::Head => {
                    if !self.parse_head()? {
                        return Ok(Progress::NeedMore);
                    }
                }
                Phase::Body => return self.parse_body(),
                Phase::Done => {
                    // Bytes after a complete response: nobody asked for them.
                    let end = self.body_end;
                    if self.buf.len() > end {
                        self.trailing += (self.buf.len() - end) as u64;
                        self.buf.truncate(end);
                        self.keep_alive = false;
                    }
                    return Ok(Progress::Complete);
                }
                Phase::Failed(e) => return Err(e),
                // Bytes without a request: treat as the start of a response.
                Phase::Idle => self.phase = Phase::Head,
            }
        }
    }

    /// Tries to complete the head; `Ok(false)` when more bytes are needed.
    fn parse_head(&mut self) -> Result<bool, ErrorClass> {
        let len = self.buf.len();
        if !self.prefix_ok {
            if !check_status_prefix(&self.buf)? {
                return Ok(false);
            }
            self.prefix_ok = true;
        }
        // Re-run the full parser only when the new bytes can end the head.
        if self.head_tries > 0 && !contains_head_end(&self.buf, self.scanned) {
            self.scanned = len;
            return if len > self.limits.max_head {
                Err(ErrorClass::HttpBadResponse)
            } else {
                Ok(false)
            };
        }
        self.head_tries += 1;
        self.scanned = len;
        let parsed = parse_head(
            &self.buf,
            &self.config,
            self.limits.max_headers,
            self.expect.head_request,
            &mut self.headers,
        )?;
        let info = match parsed {
            HeadParse::Partial(status) => {
                if status.is_some() {
                    self.status = status;
                }
                return if len > self.limits.max_head {
                    Err(ErrorClass::HttpBadResponse)
                } else {
                    Ok(false)
                };
            }
            HeadParse::Complete(info) => info,
        };
        if info.len > self.limits.max_head {
            return Err(ErrorClass::HttpBadResponse);
        }
        if (100..200).contains(&info.status) && info.status != 101 {
            // `100 Continue` and other interim responses: skip to the final one.
            self.interim += 1;
            if self.interim > MAX_INTERIM {
                return Err(ErrorClass::HttpBadResponse);
            }
            self.buf.copy_within(info.len.., 0);
            self.buf.truncate(len - info.len);
            self.headers.clear();
            self.head_tries = 0;
            self.scanned = 0;
            self.prefix_ok = false;
            return Ok(true);
        }
        self.status = Some(info.status);
        self.head = info;
        self.keep_alive = info.keep_alive;
        self.processed = info.len;
        self.body_end = info.len;
        match info.framing {
            BodyFraming::None | BodyFraming::Length(0) => self.finish(info.len),
            BodyFraming::Length(n) => {
                self.remaining = n;
                self.phase = Phase::Body;
            }
            BodyFraming::Chunked => {
                self.chunks = ChunkDecoder::new();
                self.phase = Phase::Body;
            }
            BodyFraming::Close => self.phase = Phase::Body,
        }
        Ok(true)
    }

    fn parse_body(&mut self) -> Result<Progress, ErrorClass> {
        let start = self.processed;
        let len = self.buf.len();
        match self.head.framing {
            BodyFraming::Length(_) => {
                let avail = len - start;
                let take = usize::try_from(self.remaining).map_or(avail, |r| r.min(avail));
                self.accept_body(start, take);
                self.remaining -= take as u64;
                if self.remaining == 0 {
                    self.finish(start + take);
                    return Ok(Progress::Complete);
                }
            }
            BodyFraming::Chunked => {
                let mut pos = start;
                while pos < len {
                    let step = self.chunks.step(&self.buf[pos..len])?;
                    if let Some((s, l)) = step.data {
                        self.accept_body(pos + s, l);
                    }
                    pos += step.consumed;
                    if step.done {
                        self.finish(pos);
                        return Ok(Progress::Complete);
                    }
                }
            }
            BodyFraming::Close => self.accept_body(start, len - start),
            BodyFraming::None => {
                self.finish(start);
                return Ok(Progress::Complete);
            }
        }
        self.buf.truncate(self.body_end);
        self.processed = self.body_end;
        Ok(Progress::NeedMore)
    }

    /// Body bytes at `buf[from..from + len]` (all bytes before `from` are processed): keep
    /// what the cap allows, contiguous after the body kept so far.
    fn accept_body(&mut self, from: usize, len: usize) {
        self.body_len += len as u64;
        let cap = if self.expect.keep_body {
            self.limits.max_body
        } else {
            0
        };
        let kept = self.body_end - self.head.len;
        let keep = cap.saturating_sub(kept).min(len);
        if keep < len && self.expect.keep_body {
            self.truncated = true;
        }
        if keep > 0 {
            if from != self.body_end {
                self.buf.copy_within(from..from + keep, self.body_end);
            }
            self.body_end += keep;
        }
    }

    /// The response ends at `end` in the buffer (bytes beyond are excess).
    fn finish(&mut self, end: usize) {
        if self.buf.len() > end {
            self.trailing += (self.buf.len() - end) as u64;
            self.keep_alive = false;
        }
        self.buf.truncate(self.body_end);
        self.processed = self.body_end;
        self.phase = Phase::Done;
        let coding = self.head.coding;
        if self.expect.decode_content
            && self.expect.keep_body
            && matches!(coding, ContentCoding::Gzip | ContentCoding::Deflate)
            && self.body_end > self.head.len
        {
            self.decode(coding);
        }
    }

    /// Replaces the body with its decoded form; on failure the body stays as received.
    fn decode(&mut self, coding: ContentCoding) {
        if self.truncated {
            // A cut stream cannot be decoded reliably.
            self.decoding = Decoding::Failed;
            return;
        }
        let head_len = self.head.len;
        self.scratch.clear();
        self.scratch.extend_from_slice(&self.buf[..head_len]);
        let outcome = decode_body(
            &mut self.inflater,
            coding,
            &self.buf[head_len..self.body_end],
            &mut self.scratch,
            self.limits.max_body,
        );
        match outcome {
            DecodeOutcome::Complete | DecodeOutcome::Truncated => {
                std::mem::swap(&mut self.buf, &mut self.scratch);
                self.body_end = self.buf.len();
                self.processed = self.body_end;
                self.truncated = outcome == DecodeOutcome::Truncated;
                self.decoding = Decoding::Decoded;
            }
            DecodeOutcome::Invalid => self.decoding = Decoding::Failed,
        }
    }
}
