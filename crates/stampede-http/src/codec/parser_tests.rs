//! Table, split and property tests of the response parser.

use std::io::Write;

use proptest::prelude::*;
use stampede_model::{ErrorClass, Method};

use super::*;

/// Everything observable about one parsed response.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Seen {
    status: u16,
    whole: Vec<u8>,
    body: Vec<u8>,
    body_len: u64,
    keep_alive: bool,
    framing: BodyFraming,
    excess: u64,
    anomaly: Option<ErrorClass>,
    truncated: bool,
    decoded: bool,
    interim: u16,
    header_count: usize,
}

/// Feeds `parts` in order (then EOF when `eof`), stopping at completion or error.
fn run_parts(
    parser: &mut ResponseParser,
    parts: &[&[u8]],
    expect: ResponseExpect,
    eof: bool,
) -> Result<Seen, ErrorClass> {
    parser.start(expect);
    let mut progress = Progress::NeedMore;
    for part in parts {
        progress = parser.feed(part)?;
    }
    if eof {
        progress = parser.feed_eof()?;
    }
    assert_eq!(progress, Progress::Complete, "incomplete");
    let r = parser.response().expect("complete response");
    assert_eq!(r.bytes().len(), r.head().len() + r.body().len());
    Ok(Seen {
        status: r.status(),
        whole: r.bytes().to_vec(),
        body: r.body().to_vec(),
        body_len: r.body_len(),
        keep_alive: r.keep_alive(),
        framing: r.framing(),
        excess: parser.excess_bytes(),
        anomaly: parser.framing_anomaly(),
        truncated: r.body_truncated(),
        decoded: r.content_decoded(),
        interim: r.interim_responses(),
        header_count: r.headers().len(),
    })
}

fn run(bytes: &[u8], expect: ResponseExpect, eof: bool) -> Result<Seen, ErrorClass> {
    run_parts(&mut ResponseParser::default(), &[bytes], expect, eof)
}

const GET: ResponseExpect = ResponseExpect::for_method(Method::Get).with_body(true);
const GET_DISCARD: ResponseExpect = ResponseExpect::for_method(Method::Get);
const HEAD: ResponseExpect = ResponseExpect::for_method(Method::Head).with_body(true);

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Valid responses.
/// (name, bytes, expect, needs EOF, status, body, keep_alive)
type Case = (
    &'static str,
    Vec<u8>,
    ResponseExpect,
    bool,
    u16,
    Vec<u8>,
    bool,
);

fn valid_table() -> Vec<Case> {
    let gz = gzip(b"compressed hello");
    let mut gz_resp = format!(
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
        gz.len()
    )
    .into_bytes();
    gz_resp.extend_from_slice(&gz);
    let mut gz_chunked =
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for piece in gz.chunks(7) {
        gz_chunked.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        gz_chunked.extend_from_slice(piece);
        gz_chunked.extend_from_slice(b"\r\n");
    }
    gz_chunked.extend_from_slice(b"0\r\n\r\n");
    let decode = GET.with_decoding(true);
    let b = |s: &str| s.as_bytes().to_vec();
    vec![
        (
            "length",
            b("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
            GET,
            false,
            200,
            b("hello"),
            true,
        ),
        (
            "length zero",
            b("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
            GET,
            false,
            200,
            b(""),
            true,
        ),
        (
            "chunked with extensions and trailers",
            b(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n7\r\n, world\r\n0;x\r\nT: 1\r\nU: 2\r\n\r\n",
            ),
            GET,
            false,
            200,
            b("hello, world"),
            true,
        ),
        (
            "chunked empty",
            b("HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
            GET,
            false,
            404,
            b(""),
            true,
        ),
        (
            "close delimited",
            b("HTTP/1.1 200 OK\r\n\r\nuntil the end"),
            GET,
            true,
            200,
            b("until the end"),
            false,
        ),
        (
            "http/1.0 close delimited",
            b("HTTP/1.0 200 OK\r\nServer: old\r\n\r\nbody"),
            GET,
            true,
            200,
            b("body"),
            false,
        ),
        (
            "http/1.0 with length",
            b("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"),
            GET,
            false,
            200,
            b("ok"),
            false,
        ),
        (
            "http/1.0 keep-alive",
            b("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"),
            GET,
            false,
            200,
            b("ok"),
            true,
        ),
        (
            "connection close",
            b("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"),
            GET,
            false,
            200,
            b("ok"),
            false,
        ),
        (
            "head",
            b("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"),
            HEAD,
            false,
            200,
            b(""),
            true,
        ),
        (
            "204",
            b("HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n"),
            GET,
            false,
            204,
            b(""),
            true,
        ),
        (
            "304",
            b("HTTP/1.1 304 Not Modified\r\nETag: x\r\n\r\n"),
            GET,
            false,
            304,
            b(""),
            true,
        ),
        (
            "100 continue",
            b("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"),
            GET,
            false,
            201,
            b("ok"),
            true,
        ),
        (
            "103 early hints twice",
            b(
                "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 103 Early Hints\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
            ),
            GET,
            false,
            200,
            b("x"),
            true,
        ),
        (
            "lf only",
            b("HTTP/1.1 200 OK\nContent-Length: 3\n\nabc"),
            GET,
            false,
            200,
            b("abc"),
            true,
        ),
        (
            "no reason",
            b("HTTP/1.1 500\r\nContent-Length: 1\r\n\r\nx"),
            GET,
            false,
            500,
            b("x"),
            true,
        ),
        (
            "folded header",
            b("HTTP/1.1 200 OK\r\nX-Long: a\r\n  b\r\nContent-Length: 1\r\n\r\nx"),
            GET,
            false,
            200,
            b("x"),
            true,
        ),
        (
            "discarded body",
            b("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
            GET_DISCARD,
            false,
            200,
            b(""),
            true,
        ),
        (
            "discarded chunked",
            b("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
            GET_DISCARD,
            false,
            200,
            b(""),
            true,
        ),
        (
            "gzip decoded",
            gz_resp.clone(),
            decode,
            false,
            200,
            b("compressed hello"),
            true,
        ),
        ("gzip kept raw", gz_resp, GET, false, 200, gz.clone(), true),
        (
            "gzip chunked decoded",
            gz_chunked,
            decode,
            false,
            200,
            b("compressed hello"),
            true,
        ),
    ]
}

#[test]
fn valid_responses() {
    for (name, bytes, expect, eof, status, body, keep_alive) in valid_table() {
        let seen = run(&bytes, expect, eof).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(
            (seen.status, &seen.body, seen.keep_alive),
            (status, &body, keep_alive),
            "{name}"
        );
        assert_eq!((seen.excess, seen.anomaly), (0, None), "{name}");
        assert!(seen.whole.ends_with(&body), "{name}");
    }
}

#[test]
fn whole_response_is_head_then_decoded_body() {
    let seen = run(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n",
        GET,
        false,
    )
    .unwrap();
    assert_eq!(
        seen.whole,
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nabcdef"
    );
    assert_eq!((seen.body_len, seen.framing), (6, BodyFraming::Chunked));

    let seen = run(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
        GET,
        false,
    )
    .unwrap();
    assert_eq!(seen.whole, b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx");
    assert_eq!((seen.interim, seen.header_count), (1, 1));
}

#[test]
fn discarded_bodies_are_counted() {
    let body = vec![b'z'; 10_000];
    let mut resp = b"HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n".to_vec();
    resp.extend_from_slice(&body);
    let seen = run(&resp, GET_DISCARD, false).unwrap();
    assert_eq!(
        (seen.body.len(), seen.body_len, seen.truncated),
        (0, 10_000, false)
    );
    assert_eq!(
        seen.whole,
        b"HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n"
    );
}

#[test]
fn body_cap_truncates() {
    let limits = ParseLimits {
        max_body: 4,
        ..ParseLimits::default()
    };
    let mut parser = ResponseParser::new(limits);
    let seen = run_parts(
        &mut parser,
        &[b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789"],
        GET,
        false,
    )
    .unwrap();
    assert_eq!(
        (seen.body.as_slice(), seen.body_len, seen.truncated),
        (&b"0123"[..], 10, true)
    );
    let seen = run_parts(
        &mut parser,
        &[b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n"],
        GET,
        false,
    )
    .unwrap();
    assert_eq!(
        (seen.body.as_slice(), seen.body_len, seen.truncated),
        (&b"abcd"[..], 6, true)
    );
    // A truncated gzip body is not decoded.
    let gz = gzip(&[b'q'; 1000]);
    let mut resp = format!(
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
        gz.len()
    )
    .into_bytes();
    resp.extend_from_slice(&gz);
    let seen = run_parts(&mut parser, &[&resp], GET.with_decoding(true), false).unwrap();
    assert!(!seen.decoded && seen.truncated);
}

#[test]
fn errors() {
    let table: &[(&str, &[u8], bool, ErrorClass)] = &[
        (
            "html instead of a status line",
            b"<html>",
            false,
            ErrorClass::HttpNoStatus,
        ),
        ("garbage", b"\x00\x01\x02", false, ErrorClass::HttpNoStatus),
        (
            "http/2 version",
            b"HTTP/2.0 200 OK\r\n\r\n",
            false,
            ErrorClass::HttpNoStatus,
        ),
        (
            "bad status code",
            b"HTTP/1.1 abc OK\r\n\r\n",
            false,
            ErrorClass::HttpNoStatus,
        ),
        (
            "nul in a header",
            b"HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n",
            false,
            ErrorClass::HttpBadResponse,
        ),
        (
            "bad content-length",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
            false,
            ErrorClass::HttpBadContentLength,
        ),
        (
            "conflicting content-length",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            false,
            ErrorClass::HttpBadContentLength,
        ),
        (
            "bad chunk size",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            false,
            ErrorClass::HttpUnexpectedChunkData,
        ),
        (
            "chunk data too long",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
            false,
            ErrorClass::HttpUnexpectedChunkData,
        ),
        ("eof before anything", b"", true, ErrorClass::Closed),
        (
            "eof in head",
            b"HTTP/1.1 200 OK\r\nContent-",
            true,
            ErrorClass::Closed,
        ),
        (
            "eof in length body",
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
            true,
            ErrorClass::Closed,
        ),
        (
            "eof in chunked body",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
            true,
            ErrorClass::Closed,
        ),
    ];
    for (name, bytes, eof, class) in table {
        assert_eq!(run(bytes, GET, *eof).err(), Some(*class), "{name}");
    }
}

#[test]
fn errors_stick() {
    let mut parser = ResponseParser::default();
    parser.start(GET);
    assert_eq!(parser.feed(b"nope"), Err(ErrorClass::HttpNoStatus));
    assert_eq!(
        parser.feed(b"HTTP/1.1 200 OK\r\n\r\n"),
        Err(ErrorClass::HttpNoStatus)
    );
    assert_eq!(parser.feed_eof(), Err(ErrorClass::HttpNoStatus));
    assert!(parser.response().is_none());
}

#[test]
fn status_is_known_before_the_body_fails() {
    let mut parser = ResponseParser::default();
    parser.start(GET);
    assert_eq!(
        parser.feed(b"HTTP/1.1 503 Busy\r\nContent-Length: 9\r\n\r\nab"),
        Ok(Progress::NeedMore)
    );
    assert_eq!(parser.status(), Some(503));
    assert_eq!(parser.feed_eof(), Err(ErrorClass::Closed));
    assert_eq!(parser.status(), Some(503));
    assert_eq!(parser.received(), 42);
}

#[test]
fn excess_bytes_are_reported() {
    // Pipelined or over-long: the first response is complete, the rest is excess.
    let two = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    let seen = run(two, GET, false).unwrap();
    assert_eq!((seen.body.as_slice(), seen.excess), (&b"ok"[..], 38));
    assert_eq!(
        (seen.anomaly, seen.keep_alive),
        (Some(ErrorClass::HttpBadContentLength), false)
    );
    assert_eq!(
        seen.whole,
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    );

    let chunked =
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\ngarbage";
    let seen = run(chunked, GET, false).unwrap();
    assert_eq!(
        (seen.excess, seen.anomaly),
        (7, Some(ErrorClass::HttpUnexpectedChunkData))
    );

    let head = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody";
    let seen = run(head, HEAD, false).unwrap();
    assert_eq!(
        (seen.excess, seen.anomaly),
        (4, Some(ErrorClass::HttpBadContentLength))
    );

    // Bytes arriving after completion count as excess too.
    let mut parser = ResponseParser::default();
    parser.start(GET);
    assert_eq!(
        parser.feed(b"HTTP/1.1 204 No Content\r\n\r\n"),
        Ok(Progress::Complete)
    );
    assert!(parser.reusable());
    assert_eq!(parser.feed(b"late"), Ok(Progress::Complete));
    assert_eq!((parser.excess_bytes(), parser.reusable()), (4, false));
    assert_eq!(
        parser.response().unwrap().bytes(),
        b"HTTP/1.1 204 No Content\r\n\r\n"
    );
}

#[test]
fn head_limits() {
    let limits = ParseLimits {
        max_head: 1024,
        max_headers: 100,
        ..ParseLimits::default()
    };
    let mut parser = ResponseParser::new(limits);
    let huge = format!("HTTP/1.1 200 OK\r\nX-Big: {}\r\n\r\n", "a".repeat(2000));
    assert_eq!(
        run_parts(&mut parser, &[huge.as_bytes()], GET, false).err(),
        Some(ErrorClass::HttpBadResponse)
    );
    // Arriving slowly, without an end of head, it fails as soon as the limit is passed.
    parser.start(GET);
    let mut result = Ok(Progress::NeedMore);
    for chunk in huge.as_bytes()[..1500].chunks(10) {
        result = parser.feed(chunk);
        if result.is_err() {
            break;
        }
    }
    assert_eq!(result, Err(ErrorClass::HttpBadResponse));

    let mut many = String::from("HTTP/1.1 200 OK\r\n");
    for i in 0..80 {
        many.push_str(&format!("X-{i}: v\r\n"));
    }
    many.push_str("Content-Length: 0\r\n\r\n");
    let seen = run_parts(
        &mut ResponseParser::new(ParseLimits {
            max_headers: 100,
            ..limits
        }),
        &[many.as_bytes()],
        GET,
        false,
    );
    assert_eq!(seen.map(|s| s.header_count), Ok(81));
    let too_many = ParseLimits {
        max_headers: 50,
        ..ParseLimits::default()
    };
    assert_eq!(
        run_parts(
            &mut ResponseParser::new(too_many),
            &[many.as_bytes()],
            GET,
            false
        )
        .err(),
        Some(ErrorClass::HttpBadResponse)
    );
}

#[test]
fn headers_view() {
    let mut parser = ResponseParser::default();
    parser.start(GET);
    parser
        .feed(b"HTTP/1.1 302 Found\r\nLocation: /next\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nContent-Length: 0\r\n\r\n")
        .unwrap();
    let r = parser.response().unwrap();
    assert_eq!((r.status(), r.reason()), (302, &b"Found"[..]));
    assert_eq!(r.header("location"), Some(&b"/next"[..]));
    assert_eq!(r.header("SET-COOKIE"), Some(&b"a=1"[..]));
    let cookies: Vec<_> = r
        .headers()
        .filter(|(n, _)| n.eq_ignore_ascii_case(b"set-cookie"))
        .map(|(_, v)| v)
        .collect();
    assert_eq!(cookies, [&b"a=1"[..], &b"b=2"[..]]);
    assert_eq!(r.header("missing"), None);
    assert_eq!(r.version(), stampede_model::HttpVersion::Http11);
}

#[test]
fn buffers_are_reused_and_released() {
    let mut parser = ResponseParser::default();
    let resp = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX: y\r\n\r\nhello";
    run_parts(&mut parser, &[resp], GET, false).unwrap();
    let size = parser.heap_size();
    assert!(size > 0);
    for _ in 0..100 {
        run_parts(&mut parser, &[resp], GET, false).unwrap();
    }
    assert_eq!(parser.heap_size(), size);
    parser.release();
    assert_eq!(parser.heap_size(), 0);
    assert!(parser.response().is_none());
    run_parts(&mut parser, &[resp], GET, false).unwrap();
}

/// Feeds `bytes` split at the given cut points.
fn run_split(
    bytes: &[u8],
    cuts: &[usize],
    expect: ResponseExpect,
    eof: bool,
) -> Result<Seen, ErrorClass> {
    let mut parts = Vec::new();
    let mut last = 0;
    for &cut in cuts {
        parts.push(&bytes[last..cut]);
        last = cut;
    }
    parts.push(&bytes[last..]);
    run_parts(&mut ResponseParser::default(), &parts, expect, eof)
}

#[test]
fn every_single_split_gives_the_same_result() {
    for (name, bytes, expect, eof, ..) in valid_table() {
        let whole = run(&bytes, expect, eof).unwrap();
        for cut in 0..=bytes.len() {
            assert_eq!(
                run_split(&bytes, &[cut], expect, eof),
                Ok(whole.clone()),
                "{name} cut at {cut}"
            );
        }
    }
}

#[test]
fn byte_by_byte_gives_the_same_result() {
    for (name, bytes, expect, eof, ..) in valid_table() {
        let whole = run(&bytes, expect, eof).unwrap();
        let cuts: Vec<usize> = (1..bytes.len()).collect();
        assert_eq!(run_split(&bytes, &cuts, expect, eof), Ok(whole), "{name}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_chunking_gives_the_same_result(
        case in 0usize..22,
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let table = valid_table();
        let (name, bytes, expect, eof, ..) = &table[case % table.len()];
        let whole = run(bytes, *expect, *eof).unwrap();
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len() + 1)).collect();
        points.sort_unstable();
        prop_assert_eq!(run_split(bytes, &points, *expect, *eof), Ok(whole), "{}", name);
    }

    #[test]
    fn generated_chunked_bodies_decode_exactly(
        body in proptest::collection::vec(any::<u8>(), 0..600),
        sizes in proptest::collection::vec(1usize..80, 1..20),
        extensions in any::<bool>(),
        trailers in any::<bool>(),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..10),
        keep in any::<bool>(),
    ) {
        let mut resp = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        let mut rest = &body[..];
        let mut i = 0;
        while !rest.is_empty() {
            let n = sizes[i % sizes.len()].min(rest.len());
            let ext = if extensions && i % 2 == 0 { ";name=\"v\"" } else { "" };
            resp.extend_from_slice(format!("{n:X}{ext}\r\n").as_bytes());
            resp.extend_from_slice(&rest[..n]);
            resp.extend_from_slice(b"\r\n");
            rest = &rest[n..];
            i += 1;
        }
        resp.extend_from_slice(b"0\r\n");
        if trailers {
            resp.extend_from_slice(b"Trailer-A: 1\r\nTrailer-B: 2\r\n");
        }
        resp.extend_from_slice(b"\r\n");
        let mut points: Vec<usize> = cuts.iter().map(|c| c.index(resp.len() + 1)).collect();
        points.sort_unstable();
        let expect = if keep { GET } else { GET_DISCARD };
        let seen = run_split(&resp, &points, expect, false).unwrap();
        prop_assert_eq!(seen.body_len, body.len() as u64);
        prop_assert_eq!(seen.body, if keep { body.clone() } else { Vec::new() });
        prop_assert!(seen.keep_alive);
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        parts in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..8),
        keep in any::<bool>(),
        head in any::<bool>(),
    ) {
        let expect = ResponseExpect { head_request: head, keep_body: keep, decode_content: keep };
        let mut parser = ResponseParser::default();
        parser.start(expect);
        for part in &parts {
            let _ = parser.feed(part);
        }
        let _ = parser.feed_eof();
        if let Some(r) = parser.response() {
            let _ = (r.bytes(), r.body(), r.headers().count(), r.reason());
        }
    }

    #[test]
    fn framed_garbage_never_panics(
        body in proptest::collection::vec(any::<u8>(), 0..200),
        chunked in any::<bool>(),
        gz in any::<bool>(),
    ) {
        let mut resp = b"HTTP/1.1 200 OK\r\n".to_vec();
        if chunked {
            resp.extend_from_slice(b"Transfer-Encoding: chunked\r\n");
        }
        if gz {
            resp.extend_from_slice(b"Content-Encoding: gzip\r\n");
        }
        resp.extend_from_slice(b"\r\n");
        resp.extend_from_slice(&body);
        let mut parser = ResponseParser::default();
        parser.start(GET.with_decoding(true));
        let _ = parser.feed(&resp);
        let _ = parser.feed_eof();
    }
}
