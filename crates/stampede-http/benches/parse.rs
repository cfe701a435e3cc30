//! Response parsing cost per response (the pure codec, no I/O).
//!
//! `cargo bench -p stampede-http --bench parse`
//!
//! A head byte-identical to the last one parsed on the thread is not parsed again (the common
//! case under load: same resource, same second). The `_repeated` cases measure that; the
//! others alternate two heads that differ in one byte of `Date`, so every head is parsed.

use std::hint::black_box;
use std::io::Write;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use stampede_http::codec::{Progress, ResponseExpect, ResponseParser};
use stampede_model::Method;

/// A typical nginx response with a 100-byte body.
fn nginx_100() -> Vec<u8> {
    nginx_100_at(b'0')
}

/// The same response a different second.
fn nginx_100_at(second: u8) -> Vec<u8> {
    let body = [b'x'; 100];
    let mut r = b"HTTP/1.1 200 OK\r\n\
Server: nginx/1.24.0\r\n\
Date: Tue, 25 Nov 2025 10:00:0_ GMT\r\n\
Content-Type: text/html\r\n\
Content-Length: 100\r\n\
Last-Modified: Mon, 24 Nov 2025 09:00:00 GMT\r\n\
Connection: keep-alive\r\n\
ETag: \"6744f1e0-64\"\r\n\
Accept-Ranges: bytes\r\n\r\n"
        .to_vec();
    if let Some(at) = r.iter().position(|&b| b == b'_') {
        r[at] = second;
    }
    r.extend_from_slice(&body);
    r
}

/// The same page, chunked in 4 chunks with an extension and a trailer.
fn chunked_100() -> Vec<u8> {
    let mut r = b"HTTP/1.1 200 OK\r\n\
Server: nginx/1.24.0\r\n\
Date: Tue, 25 Nov 2025 10:00:00 GMT\r\n\
Content-Type: text/html\r\n\
Transfer-Encoding: chunked\r\n\
Connection: keep-alive\r\n\r\n"
        .to_vec();
    for i in 0..4 {
        if i == 0 {
            r.extend_from_slice(b"19;name=value\r\n");
        } else {
            r.extend_from_slice(b"19\r\n");
        }
        r.extend_from_slice(&[b'y'; 25]);
        r.extend_from_slice(b"\r\n");
    }
    r.extend_from_slice(b"0\r\nX-Trailer: 1\r\n\r\n");
    r
}

/// The chunked page with another `Date`.
fn chunked_100_alt() -> Vec<u8> {
    let mut r = chunked_100();
    if let Some(at) = r.windows(8).position(|w| w == b"10:00:00") {
        r[at + 7] = b'1';
    }
    r
}

/// The gzip page with one more header field.
fn gzip_page_alt() -> Vec<u8> {
    let mut r = gzip_page();
    r.splice(17..17, b"X-Alt: 1\r\n".iter().copied());
    r
}

fn gzip_page() -> Vec<u8> {
    let body =
        b"<html><body>hello world, this is a page with some repeated text</body></html>".repeat(20);
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(&body).unwrap_or_default();
    let gz = e.finish().unwrap_or_default();
    let mut r = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
        gz.len()
    )
    .into_bytes();
    r.extend_from_slice(&gz);
    r
}

fn parse_once(parser: &mut ResponseParser, bytes: &[u8], expect: ResponseExpect) -> u16 {
    parser.start(expect);
    match parser.feed(bytes) {
        Ok(Progress::Complete) => parser.response().map_or(0, |r| r.status()),
        _ => 0,
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Elements(1));
    let discard = ResponseExpect::for_method(Method::Get);
    let keep = discard.with_body(true);
    let pairs = [
        (
            "nginx_100b_discard",
            nginx_100(),
            nginx_100_at(b'1'),
            discard,
        ),
        ("nginx_100b_keep", nginx_100(), nginx_100_at(b'1'), keep),
        ("chunked_100b_keep", chunked_100(), chunked_100_alt(), keep),
        (
            "chunked_100b_discard",
            chunked_100(),
            chunked_100_alt(),
            discard,
        ),
        (
            "gzip_1_5kb_decode",
            gzip_page(),
            gzip_page_alt(),
            keep.with_decoding(true),
        ),
    ];
    for (name, a, b, expect) in pairs {
        let mut parser = ResponseParser::default();
        assert_eq!(parse_once(&mut parser, &a, expect), 200, "{name}");
        assert_eq!(parse_once(&mut parser, &b, expect), 200, "{name}");
        let mut flip = false;
        group.bench_function(name, |bench| {
            bench.iter(|| {
                flip = !flip;
                let bytes = if flip { &a } else { &b };
                parse_once(&mut parser, black_box(bytes), expect)
            })
        });
        group.bench_function(format!("{name}_repeated"), |bench| {
            bench.iter(|| parse_once(&mut parser, black_box(&a), expect))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
