//! The response as the interpreter reads it: the raw head followed by the decoded body, plus the
//! header positions the HTTP client already found.

/// Where one header line's name and value are in [`ResponseView::raw`] (byte offsets; the value
/// without surrounding whitespace).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeaderSpan {
    /// Start of the header name.
    pub name_start: u32,
    /// End of the header name (the colon's position).
    pub name_end: u32,
    /// Start of the value.
    pub value_start: u32,
    /// End of the value.
    pub value_end: u32,
}

/// A complete response, borrowed from the engine for one call.
///
/// `raw` is the status line and headers exactly as received (ending with the empty line),
/// immediately followed by the body **after** transfer and content decoding (chunks joined,
/// gzip/deflate undone). This is what Tsung matches regular expressions against. The body may
/// be left out (empty) when the request's [`crate::SendRequest::keep_body`] was false.
#[derive(Clone, Copy, Debug)]
pub struct ResponseView<'a> {
    status: u16,
    raw: &'a [u8],
    head_len: usize,
    headers: &'a [HeaderSpan],
}

impl<'a> ResponseView<'a> {
    /// A response: `raw[..head_len]` is the head (status line, headers, empty line), the rest
    /// the decoded body; `headers` indexes the header lines in `raw`. Out-of-range values are
    /// clamped, spans outside `raw` are ignored.
    pub fn new(status: u16, raw: &'a [u8], head_len: usize, headers: &'a [HeaderSpan]) -> Self {
        Self {
            status,
            raw,
            head_len: head_len.min(raw.len()),
            headers,
        }
    }

    /// A response with nothing in it (the server closed the connection before answering).
    pub fn empty() -> ResponseView<'static> {
        ResponseView {
            status: 0,
            raw: &[],
            head_len: 0,
            headers: &[],
        }
    }

    /// Finds the status and header lines of `raw` (for engines and tests that have no header
    /// index of their own): fills `spans` and returns `(status, head_len)`, or `None` when `raw`
    /// has no complete head.
    pub fn parse_head(raw: &[u8], spans: &mut Vec<HeaderSpan>) -> Option<(u16, usize)> {
        spans.clear();
        let head_end = find(raw, b"\r\n\r\n")? + 4;
        let status_end = find(raw, b"\r\n")?;
        let status_line = &raw[..status_end];
        let status = status_line
            .split(|&b| b == b' ')
            .nth(1)
            .and_then(|s| std::str::from_utf8(s).ok())
            .and_then(|s| s.parse::<u16>().ok())
            .unwrap_or(0);
        let mut pos = status_end + 2;
        while pos + 2 <= head_end - 2 {
            let line_end = find(&raw[pos..head_end], b"\r\n").map(|p| p + pos)?;
            let line = &raw[pos..line_end];
            if let Some(colon) = line.iter().position(|&b| b == b':') {
                let mut vs = pos + colon + 1;
                let mut ve = line_end;
                while vs < ve && (raw[vs] == b' ' || raw[vs] == b'\t') {
                    vs += 1;
                }
                while ve > vs && (raw[ve - 1] == b' ' || raw[ve - 1] == b'\t') {
                    ve -= 1;
                }
                spans.push(HeaderSpan {
                    name_start: pos as u32,
                    name_end: (pos + colon) as u32,
                    value_start: vs as u32,
                    value_end: ve as u32,
                });
            }
            pos = line_end + 2;
        }
        Some((status, head_end))
    }

    /// The HTTP status code (0 when unknown).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Head and decoded body.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The status line and headers, with the final empty line.
    pub fn head(&self) -> &'a [u8] {
        &self.raw[..self.head_len]
    }

    /// The decoded body.
    pub fn body(&self) -> &'a [u8] {
        &self.raw[self.head_len..]
    }

    /// Header `(name, value)` pairs in order.
    pub fn headers(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + 'a {
        let raw = self.raw;
        self.headers.iter().filter_map(move |h| {
            let name = raw.get(h.name_start as usize..h.name_end as usize)?;
            let value = raw.get(h.value_start as usize..h.value_end as usize)?;
            Some((name, value))
        })
    }

    /// Values of the headers called `name` (ASCII case-insensitive), in order.
    pub fn header_values<'n>(&self, name: &'n [u8]) -> impl Iterator<Item = &'a [u8]> + 'n
    where
        'a: 'n,
    {
        // Names are compared first (by length, mostly): values are only sliced for matches.
        let raw = self.raw;
        self.headers
            .iter()
            .filter(move |h| {
                (h.name_end.wrapping_sub(h.name_start)) as usize == name.len()
                    && raw
                        .get(h.name_start as usize..h.name_end as usize)
                        .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .filter_map(move |h| raw.get(h.value_start as usize..h.value_end as usize))
    }
}

pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_head_finds_headers() {
        let raw =
            b"HTTP/1.1 201 Created\r\nLocation: /items/7\r\nSet-Cookie:  a=1 \r\nX:\r\n\r\nbody";
        let mut spans = Vec::new();
        let (status, head_len) = ResponseView::parse_head(raw, &mut spans).unwrap();
        assert_eq!(status, 201);
        let r = ResponseView::new(status, raw, head_len, &spans);
        assert_eq!(r.body(), b"body");
        let hs: Vec<_> = r.headers().collect();
        assert_eq!(
            hs,
            vec![
                (&b"Location"[..], &b"/items/7"[..]),
                (&b"Set-Cookie"[..], &b"a=1"[..]),
                (&b"X"[..], &b""[..]),
            ]
        );
        assert_eq!(r.header_values(b"location").next(), Some(&b"/items/7"[..]));
        assert!(ResponseView::parse_head(b"HTTP/1.1 200 OK\r\n", &mut spans).is_none());
    }

    #[test]
    fn spans_outside_the_response_are_ignored() {
        let raw = b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\n\r\n";
        let span = |n: (u32, u32), v: (u32, u32)| HeaderSpan {
            name_start: n.0,
            name_end: n.1,
            value_start: v.0,
            value_end: v.1,
        };
        let spans = [
            span((17, 27), (29, 32)),
            span((17, 27), (29, 99)),
            span((90, 100), (29, 32)),
            span((27, 17), (29, 32)),
            span((17, 27), (32, 29)),
        ];
        let r = ResponseView::new(200, raw, raw.len(), &spans);
        let values: Vec<_> = r.header_values(b"SET-COOKIE").collect();
        assert_eq!(values, vec![&b"a=1"[..]]);
        assert_eq!(r.headers().count(), 1);
    }
}
