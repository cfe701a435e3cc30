//! The last head parsed on this thread, to skip parsing a byte-identical one.
//!
//! Under load, a worker thread receives the same head again and again: same server, same
//! resource, same second (`Date` has a one-second resolution). Parsing a head depends only on
//! its own bytes (and on the request being `HEAD`, and on the header limit), so when the new
//! response starts with exactly the bytes of the last head parsed here, its parse is the same:
//! comparing about 250 bytes replaces the parse. Any difference, anywhere in the head, is a
//! miss and the head is parsed as usual.

use std::cell::RefCell;

use super::head::{HeadInfo, HeaderSpan};

/// Heads longer than this, or with more fields, are not kept.
const MAX_HEAD: usize = 1024;
const MAX_FIELDS: usize = 32;

#[derive(Debug)]
struct LastHead {
    /// The head's bytes; empty when nothing is kept.
    bytes: Vec<u8>,
    info: Option<HeadInfo>,
    spans: Vec<HeaderSpan>,
    head_request: bool,
    max_headers: usize,
}

thread_local! {
    static LAST: RefCell<LastHead> = const {
        RefCell::new(LastHead {
            bytes: Vec::new(),
            info: None,
            spans: Vec::new(),
            head_request: false,
            max_headers: 0,
        })
    };
}

/// The parse of the head at the start of `buf` if it is the last one kept on this thread
/// (then `spans` holds its fields).
#[inline]
pub(crate) fn lookup(
    buf: &[u8],
    max_headers: usize,
    head_request: bool,
    spans: &mut Vec<HeaderSpan>,
) -> Option<HeadInfo> {
    LAST.with(|last| {
        let last = last.try_borrow().ok()?;
        let info = last.info?;
        if last.head_request != head_request
            || last.max_headers != max_headers
            || buf.get(..last.bytes.len())? != last.bytes.as_slice()
        {
            return None;
        }
        spans.clear();
        spans.extend_from_slice(&last.spans);
        Some(info)
    })
}

/// Keeps a head just parsed (`head` is its bytes, `info.len` long).
#[inline]
pub(crate) fn store(
    head: &[u8],
    info: &HeadInfo,
    spans: &[HeaderSpan],
    max_headers: usize,
    head_request: bool,
) {
    if head.len() > MAX_HEAD || spans.len() > MAX_FIELDS || head.len() != info.len {
        return;
    }
    LAST.with(|last| {
        let Ok(mut last) = last.try_borrow_mut() else {
            return;
        };
        last.bytes.clear();
        last.bytes.extend_from_slice(head);
        last.spans.clear();
        last.spans.extend_from_slice(spans);
        last.info = Some(*info);
        last.head_request = head_request;
        last.max_headers = max_headers;
    });
}

/// Forgets the head kept on this thread.
#[cfg(test)]
pub(crate) fn clear() {
    LAST.with(|last| {
        if let Ok(mut last) = last.try_borrow_mut() {
            last.bytes.clear();
            last.info = None;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::super::head::{HeadParse, parse_head, parser_config};
    use super::*;
    use proptest::prelude::*;

    const HEADS: &[&[u8]] = &[
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nabc",
        b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: keep-alive\r\n\r\nabcd",
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc",
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef",
        b"HTTP/1.1 200 OK\nContent-Length: 3\n\nabc",
        b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabc",
        b"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX: 1\r\n\r\nabc",
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX: 1\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n",
    ];

    /// Everything a parse says, for comparisons.
    fn parse(buf: &[u8], max: usize, head_request: bool) -> String {
        let mut spans = Vec::new();
        let r = parse_head(buf, &parser_config(), max, head_request, &mut spans);
        let spans = match r {
            Ok(HeadParse::Complete(_)) => spans,
            _ => Vec::new(),
        };
        format!("{r:?} {spans:?}")
    }

    fn cold(buf: &[u8], max: usize, head_request: bool) -> String {
        clear();
        parse(buf, max, head_request)
    }

    #[test]
    fn a_repeated_head_is_found_and_parses_the_same() {
        for head in HEADS {
            let fresh = cold(head, 256, false);
            let mut spans = Vec::new();
            let hit = lookup(head, 256, false, &mut spans);
            assert_eq!(
                hit.is_some(),
                fresh.starts_with("Ok(Complete"),
                "{:?}",
                String::from_utf8_lossy(head)
            );
            assert_eq!(parse(head, 256, false), fresh);
        }
    }

    #[test]
    fn the_request_method_and_the_limit_are_part_of_the_key() {
        let head = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX: 1\r\n\r\n";
        clear();
        parse(head, 256, false);
        let mut spans = Vec::new();
        assert!(lookup(head, 256, true, &mut spans).is_none());
        assert!(lookup(head, 1, false, &mut spans).is_none());
        assert!(lookup(head, 256, false, &mut spans).is_some());
        assert_eq!(parse(head, 256, true), cold(head, 256, true));
        assert_eq!(parse(head, 1, false), cold(head, 1, false));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Whatever was parsed before on this thread, a parse gives what a first parse gives.
        #[test]
        fn any_sequence_parses_as_each_head_alone(
            seq in prop::collection::vec((0..HEADS.len(), any::<bool>(), 1usize..4), 1..12),
        ) {
            clear();
            let mut warm = Vec::new();
            for &(i, head_request, max) in &seq {
                warm.push(parse(HEADS[i], max, head_request));
            }
            for (&(i, head_request, max), warm) in seq.iter().zip(&warm) {
                prop_assert_eq!(warm, &cold(HEADS[i], max, head_request));
            }
        }
    }
}
