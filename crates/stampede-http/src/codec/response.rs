//! A borrowed view of a complete response.

use stampede_model::HttpVersion;

use super::head::{BodyFraming, ContentCoding, HeaderSpan};
use super::parser::{Decoding, ResponseParser};

/// A complete response, as the parser holds it: `head bytes + body`, where the body is
/// de-chunked, decoded when that was asked for, and cut at the body cap.
#[derive(Clone, Copy, Debug)]
pub struct Response<'a> {
    parser: &'a ResponseParser,
}

impl<'a> Response<'a> {
    pub(crate) fn new(parser: &'a ResponseParser) -> Self {
        Self { parser }
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.parser.head_info().status
    }

    /// The protocol version of the status line.
    pub fn version(&self) -> HttpVersion {
        if self.parser.head_info().minor_version == 0 {
            HttpVersion::Http10
        } else {
            HttpVersion::Http11
        }
    }

    /// The reason phrase (may be empty).
    pub fn reason(&self) -> &'a [u8] {
        let head = self.parser.head_info();
        let start = head.reason_start as usize;
        self.parser
            .buf()
            .get(start..start + head.reason_len as usize)
            .unwrap_or(&[])
    }

    /// The whole response: head (status line, header fields, blank line) then body. This is
    /// what Tsung runs `<match>` and regexp `dyn_variable`s against.
    pub fn bytes(&self) -> &'a [u8] {
        self.parser.buf()
    }

    /// Length of the head in [`bytes`](Self::bytes); the body starts there.
    pub fn head_len(&self) -> usize {
        self.parser.head_info().len.min(self.parser.buf().len())
    }

    /// The header fields as offsets into [`bytes`](Self::bytes), in order.
    pub fn header_spans(&self) -> &'a [HeaderSpan] {
        self.parser.header_spans()
    }

    /// The head, blank line included.
    pub fn head(&self) -> &'a [u8] {
        let buf = self.parser.buf();
        &buf[..self.parser.head_info().len.min(buf.len())]
    }

    /// The body as kept: de-chunked, decoded if asked, at most the body cap. Empty when the
    /// body was not kept.
    pub fn body(&self) -> &'a [u8] {
        let buf = self.parser.buf();
        &buf[self.parser.head_info().len.min(buf.len())..]
    }

    /// Body bytes received (after de-chunking, before content decoding), kept or not.
    pub fn body_len(&self) -> u64 {
        self.parser.body_len()
    }

    /// The kept body is shorter than the real one (cap reached).
    pub fn body_truncated(&self) -> bool {
        self.parser.truncated()
    }

    /// How the body was delimited.
    pub fn framing(&self) -> BodyFraming {
        self.parser.head_info().framing
    }

    /// The `Content-Encoding` announced.
    pub fn content_coding(&self) -> ContentCoding {
        self.parser.head_info().coding
    }

    /// The body was decoded from gzip/deflate.
    pub fn content_decoded(&self) -> bool {
        self.parser.decoding() == Decoding::Decoded
    }

    /// Decoding was asked for and the body is not a valid stream of its coding: the body is
    /// left as received.
    pub fn content_decode_failed(&self) -> bool {
        self.parser.decoding() == Decoding::Failed
    }

    /// Interim (1xx) responses skipped before this one.
    pub fn interim_responses(&self) -> u16 {
        self.parser.interim()
    }

    /// The connection may carry another request.
    pub fn keep_alive(&self) -> bool {
        self.parser.reusable()
    }

    /// The header fields in order, as `(name, value)` byte slices.
    pub fn headers(&self) -> Headers<'a> {
        Headers {
            buf: self.parser.buf(),
            spans: self.parser.header_spans().iter(),
        }
    }

    /// The value of the first field with this name (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        self.headers()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v)
    }
}

/// Iterator over the header fields of a [`Response`].
#[derive(Clone, Debug)]
pub struct Headers<'a> {
    buf: &'a [u8],
    spans: std::slice::Iter<'a, HeaderSpan>,
}

impl<'a> Iterator for Headers<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let span = self.spans.next()?;
        Some((span.name(self.buf), span.value(self.buf)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.spans.size_hint()
    }
}

impl ExactSizeIterator for Headers<'_> {}
