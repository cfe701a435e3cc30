//! The fast path of the head parser, for the heads servers actually send: `HTTP/1.x NNN
//! reason`, then `name: value` lines ending in CRLF, then an empty line.
//!
//! It accepts a strict subset of what the lenient `httparse` configuration accepts and gives
//! exactly the same result for it (the differential tests below hold it to that). Anything
//! else — bare LF line ends, leading empty lines, extra spaces in the status line, a space
//! before a colon, folded or unreadable header lines, obs-text in the reason, too many fields,
//! a head not complete yet — is left to `httparse` (`None`).
//!
//! Header values are scanned eight bytes at a time for their end (the first control byte),
//! which also checks that they hold no forbidden byte.

use stampede_model::ErrorClass;

use super::head::{FieldFacts, HeadParse, HeaderSpan, StatusLine, head_info};

/// `tchar` of RFC 9110: the bytes of a header name.
static TCHAR: [bool; 256] = tchar_table();

const fn tchar_table() -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        b += 1;
    }
    table
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// A mask with the high bit of each byte of `w` set where that byte may be a control byte
/// (below 0x20, or DEL). The lowest byte flagged is always one; higher flags may be false
/// (a borrow from a lower byte), so only the lowest is used.
#[inline]
fn control_mask(w: u64) -> u64 {
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGHS;
    let del = w ^ (ONES * 0x7f);
    let is_del = del.wrapping_sub(ONES) & !del & HIGHS;
    below_space | is_del
}

/// The high bit of each byte of `x` set where that byte is in `lo..=hi`. Exact for every
/// byte, provided all bytes of `x` are below 0x80 (no carry crosses a byte).
#[inline]
pub(crate) const fn in_range(x: u64, lo: u8, hi: u8) -> u64 {
    let at_least_lo = x.wrapping_add(ONES * (0x80 - lo as u64));
    let above_hi = x.wrapping_add(ONES * (0x7f - hi as u64));
    at_least_lo & !above_hi & HIGHS
}

/// The high bit of each byte of `w` set where that byte is not a letter, digit or `-` (the
/// bytes of nearly every header name). Exact for every byte.
#[inline]
fn not_name_mask(w: u64) -> u64 {
    let ascii = w & !HIGHS;
    let alnum_dash = in_range(ascii | (ONES * 0x20), b'a', b'z')
        | in_range(ascii, b'0', b'9')
        | in_range(ascii, b'-', b'-');
    !alnum_dash & HIGHS | (w & HIGHS)
}

/// The index of the first byte of `s` whose lane is set in `mask_of(word)`, eight bytes at a
/// time; the bytes after the last whole word are tested one by one with `is_stop`.
#[inline]
fn first_stop(
    s: &[u8],
    mask_of: impl Fn(u64) -> u64,
    is_stop: impl Fn(u8) -> bool,
) -> Option<usize> {
    let mut chunks = s.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        let mask = mask_of(word);
        if mask != 0 {
            return Some(at + (mask.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| is_stop(b))
        .map(|i| at + i)
}

/// The index of the first control byte of `s`.
#[inline]
fn first_control(s: &[u8]) -> Option<usize> {
    first_stop(s, control_mask, |b| b < 0x20 || b == 0x7f)
}

/// The position of the colon ending the header name that starts at `from`; `None` when the
/// name is empty, holds a byte that is not a `tchar`, or the buffer ends.
#[inline]
fn name_end(buf: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        let rest = buf.get(at..)?;
        at += first_stop(rest, not_name_mask, |b| {
            !(b.is_ascii_alphanumeric() || b == b'-')
        })?;
        match buf[at] {
            b':' if at > from => return Some(at),
            b if TCHAR[usize::from(b)] => at += 1,
            _ => return None,
        }
    }
}

/// The position of the CR that ends the field value starting at `from`; `None` when another
/// control byte than HTAB comes first or the buffer ends.
#[inline]
fn value_end(buf: &[u8], mut from: usize) -> Option<usize> {
    loop {
        let at = from + first_control(buf.get(from..)?)?;
        match buf[at] {
            b'\r' => return Some(at),
            b'\t' => from = at + 1,
            _ => return None,
        }
    }
}

/// `HTTP/1.x NNN reason CRLF`: the status line and where the header fields start.
#[inline]
fn status_line(buf: &[u8]) -> Option<(StatusLine, usize)> {
    let line = buf.get(..12)?;
    if &line[..7] != b"HTTP/1." || line[8] != b' ' {
        return None;
    }
    let minor_version = match line[7] {
        b'0' => 0,
        b'1' => 1,
        _ => return None,
    };
    let mut status = 0u16;
    for &d in &line[9..12] {
        if !d.is_ascii_digit() {
            return None;
        }
        status = status * 10 + u16::from(d - b'0');
    }
    let (reason_start, reason_end) = match *buf.get(12)? {
        b'\r' => (12, 12),
        b' ' => {
            // Several spaces before the reason: httparse skips them.
            if *buf.get(13)? == b' ' {
                return None;
            }
            let mut i = 13;
            loop {
                match *buf.get(i)? {
                    b'\r' => break,
                    b'\t' | 0x20..=0x7e => i += 1,
                    _ => return None,
                }
            }
            (13, i)
        }
        _ => return None,
    };
    if *buf.get(reason_end + 1)? != b'\n' {
        return None;
    }
    let reason_len = (reason_end - reason_start) as u32;
    let line = StatusLine {
        status,
        minor_version,
        reason_start: if reason_len == 0 {
            0
        } else {
            reason_start as u32
        },
        reason_len,
    };
    Some((line, reason_end + 2))
}

/// Parses a complete, well-formed head at the start of `buf` (filling `spans` with the header
/// offsets), or says `None`: then `httparse` must decide, and `spans` is to be cleared.
pub(crate) fn parse(
    buf: &[u8],
    max_headers: usize,
    head_request: bool,
    spans: &mut Vec<HeaderSpan>,
) -> Option<Result<HeadParse, ErrorClass>> {
    if buf.len() > u32::MAX as usize {
        return None;
    }
    let (line, mut pos) = status_line(buf)?;
    spans.clear();
    let mut facts = FieldFacts::default();
    loop {
        let first = *buf.get(pos)?;
        if first == b'\r' {
            if *buf.get(pos + 1)? != b'\n' {
                return None;
            }
            pos += 2;
            break;
        }
        let name_start = pos;
        pos = name_end(buf, pos)?;
        let name_end = pos;
        pos += 1;
        while matches!(*buf.get(pos)?, b' ' | b'\t') {
            pos += 1;
        }
        let value_start = pos;
        let cr = value_end(buf, pos)?;
        if *buf.get(cr + 1)? != b'\n' {
            return None;
        }
        let mut end = cr;
        while end > value_start && matches!(buf[end - 1], b' ' | b'\t') {
            end -= 1;
        }
        pos = cr + 2;
        // A line starting with whitespace continues this field (obsolete folding).
        if matches!(*buf.get(pos)?, b' ' | b'\t') || spans.len() == max_headers {
            return None;
        }
        let (value_start, end) = if end == value_start {
            (0, 0)
        } else {
            (value_start, end)
        };
        spans.push(HeaderSpan {
            name_start: name_start as u32,
            name_end: name_end as u32,
            value_start: value_start as u32,
            value_end: end as u32,
        });
        facts.note(&buf[name_start..name_end], &buf[value_start..end]);
    }
    Some(head_info(pos, line, &facts, head_request))
}

#[cfg(test)]
mod tests {
    use super::super::head::{parse_head_httparse, parser_config};
    use super::*;
    use proptest::prelude::*;

    /// The fast path's answer, and httparse's for the same bytes.
    fn both(buf: &[u8]) -> (Option<Result<HeadParse, ErrorClass>>, Vec<HeaderSpan>) {
        let mut spans = Vec::new();
        let fast = parse(buf, 256, false, &mut spans);
        (fast, spans)
    }

    fn httparse(buf: &[u8], max: usize) -> (Result<HeadParse, ErrorClass>, Vec<HeaderSpan>) {
        let mut spans = Vec::new();
        let r = parse_head_httparse(buf, &parser_config(), max, false, &mut spans);
        (r, spans)
    }

    /// Whenever the fast path answers, httparse answers the same.
    fn agrees(buf: &[u8], max: usize) -> Result<bool, String> {
        let mut spans = Vec::new();
        let Some(fast) = parse(buf, max, false, &mut spans) else {
            return Ok(false);
        };
        let (slow, slow_spans) = httparse(buf, max);
        let same = format!("{fast:?}") == format!("{slow:?}") && spans == slow_spans;
        if same {
            Ok(true)
        } else {
            Err(format!(
                "{:?}: fast {fast:?} {spans:?}, httparse {slow:?} {slow_spans:?}",
                String::from_utf8_lossy(buf)
            ))
        }
    }

    const NGINX: &[u8] =
        b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Thu, 26 Nov 2026 06:18:03 GMT\r\n\
Content-Type: text/plain\r\nContent-Length: 100\r\nLast-Modified: Thu, 26 Nov 2026 06:18:02 GMT\r\n\
Connection: keep-alive\r\nETag: \"6b07cf1a-64\"\r\nAccept-Ranges: bytes\r\n\r\nbody";

    #[test]
    fn common_heads_take_the_fast_path_and_agree() {
        let table: &[&[u8]] = &[
            NGINX,
            b"HTTP/1.1 200 OK\r\n\r\n",
            b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n",
            b"HTTP/1.1 204\r\n\r\n",
            b"HTTP/1.1 200 \r\nX:\r\n\r\n",
            b"HTTP/1.1 301 Moved\tPermanently \r\nLocation: /a\r\nEmpty:   \r\nX-Tab:\tv\t \r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nConnection: Keep-Alive, x\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n",
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nX-Long: 0123456789abcdef0123456789abcdef\xc3\xa9\xff tail\r\n\r\n",
        ];
        for head in table {
            assert_eq!(
                agrees(head, 256),
                Ok(true),
                "{:?}",
                String::from_utf8_lossy(head)
            );
        }
    }

    #[test]
    fn unusual_heads_are_left_to_httparse() {
        let table: &[&[u8]] = &[
            b"HTTP/1.1 200 OK\nContent-Length: 2\n\n",
            b"\r\nHTTP/1.1 200 OK\r\n\r\n",
            b"HTTP/1.1  200  OK\r\n\r\n",
            b"HTTP/1.1 200  OK\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nBad\0Header: x\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nX: a\x7fb\r\n\r\n",
            b"HTTP/1.1 200 \xe9t\xe9\r\n\r\n",
            b"HTTP/2 200 OK\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nX: 1\r\n",
            b"HTTP/1.1 200 OK\r\nX: 1\r\n\r",
            b"HTTP/1.1 2x0 OK\r\n\r\n",
        ];
        for head in table {
            assert_eq!(
                agrees(head, 256),
                Ok(false),
                "{:?}",
                String::from_utf8_lossy(head)
            );
        }
        // More fields than allowed: httparse reports the error.
        assert_eq!(
            agrees(b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n", 1),
            Ok(false)
        );
        assert_eq!(agrees(b"HTTP/1.1 200 OK\r\nA: 1\r\n\r\n", 1), Ok(true));
    }

    #[test]
    fn nginx_head_in_detail() {
        let (fast, spans) = both(NGINX);
        let Some(Ok(HeadParse::Complete(info))) = fast else {
            panic!("{fast:?}")
        };
        assert_eq!(info.len, NGINX.len() - 4);
        assert_eq!(spans.len(), 8);
        assert_eq!(spans[3].name(NGINX), b"Content-Length");
        assert_eq!(spans[3].value(NGINX), b"100");
        assert_eq!(info.framing, super::super::BodyFraming::Length(100));
        assert!(info.keep_alive);
    }

    #[test]
    fn name_bytes_by_word() {
        for b in 0..=255u8 {
            let mut w = [b'a'; 8];
            for lane in 0..8 {
                w[lane] = b;
                let flagged = not_name_mask(u64::from_le_bytes(w)) != 0;
                assert_eq!(
                    flagged,
                    !(b.is_ascii_alphanumeric() || b == b'-'),
                    "{b} {lane}"
                );
                w[lane] = b'a';
            }
        }
        assert_eq!(name_end(b"Content-Length: 1", 0), Some(14));
        assert_eq!(name_end(b"X_a.b~c: 1", 0), Some(7));
        assert_eq!(name_end(b": 1", 0), None);
        assert_eq!(name_end(b"Content Length: 1", 0), None);
        assert_eq!(name_end(b"Content-Length", 0), None);
        assert_eq!(name_end(b"X-\xe9: 1", 0), None);
    }

    #[test]
    fn the_first_control_byte_is_found_in_every_lane() {
        for len in 1..20 {
            for at in 0..len {
                for byte in [0u8, b'\t', b'\r', b'\n', 0x1f, 0x7f] {
                    let mut s = vec![b'a'; len];
                    s[at] = byte;
                    // Control bytes after the first one do not matter.
                    for later in s.iter_mut().skip(at + 1).step_by(3) {
                        *later = 0x01;
                    }
                    assert_eq!(first_control(&s), Some(at), "{len} {at} {byte}");
                }
            }
            for byte in [b' ', b'~', 0x80, 0xff] {
                assert_eq!(first_control(&vec![byte; len]), None, "{len} {byte}");
            }
        }
    }

    /// Bytes that make header lines interesting for both parsers.
    fn head_byte() -> impl Strategy<Value = u8> {
        prop_oneof![
            8 => prop::sample::select(b"aZ09-_:;, \t\r\n\"=/".to_vec()),
            1 => any::<u8>(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn the_fast_path_agrees_with_httparse(
            line in prop::sample::select(vec![
                &b"HTTP/1.1 200 OK\r\n"[..], b"HTTP/1.0 304 \r\n", b"HTTP/1.1 100\r\n",
                b"HTTP/1.1 200  x\r\n", b"HTTP/1.1 200 a\tb\r\n",
            ]),
            fields in prop::collection::vec(prop::collection::vec(head_byte(), 0..24), 0..8),
            ending in prop::sample::select(vec![&b"\r\n"[..], b"\n", b"", b"\r\n\r\n"]),
            max in 1usize..10,
        ) {
            let mut head = line.to_vec();
            for f in &fields {
                head.extend_from_slice(f);
                head.extend_from_slice(b"\r\n");
            }
            head.extend_from_slice(ending);
            prop_assert!(agrees(&head, max).is_ok(), "{:?}", agrees(&head, max));
        }

        #[test]
        fn well_formed_fields_agree(
            fields in prop::collection::vec(
                ("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,16}", "[ \t]{0,2}", "[ -~\t\u{80}-\u{ff}]{0,40}"),
                0..12,
            ),
        ) {
            let mut head = b"HTTP/1.1 200 OK\r\n".to_vec();
            for (name, ows, value) in &fields {
                head.extend_from_slice(name.as_bytes());
                head.push(b':');
                head.extend_from_slice(ows.as_bytes());
                head.extend_from_slice(value.as_bytes());
                head.extend_from_slice(b"\r\n");
            }
            head.extend_from_slice(b"\r\n");
            prop_assert_eq!(agrees(&head, 256), Ok(true));
        }
    }
}
