//! The connection layer against scripted servers on 127.0.0.1:0.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use stampede_http::{Connector, Endpoint, Exchange, HttpClient, ResponseExpect, TransportOptions};
use stampede_model::{ErrorClass, Method, Scheme};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

fn expect() -> ResponseExpect {
    ResponseExpect::for_method(Method::Get).with_body(true)
}

fn endpoint(addr: SocketAddr) -> Arc<Endpoint> {
    Endpoint::new(Scheme::Http, "127.0.0.1", addr)
}

fn connector() -> Connector {
    Connector::new(
        TransportOptions {
            idle_timeout: Duration::from_secs(30),
            connect_timeout: Some(Duration::from_secs(30)),
            ..TransportOptions::default()
        },
        None,
    )
}

/// Reads one request head (and nothing after it); `false` at end of stream.
async fn read_request(s: &mut TcpStream) -> bool {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        match s.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return false,
        }
        if head.ends_with(b"\r\n\r\n") {
            return true;
        }
    }
}

/// A server that runs `script` for every accepted connection; returns its address and the
/// number of connections accepted so far.
async fn server<F, Fut>(script: F) -> (SocketAddr, Arc<AtomicUsize>)
where
    F: Fn(TcpStream, usize) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let n = count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(script(stream, n));
        }
    });
    (addr, accepted)
}

/// Answers every request on the connection with `response`.
async fn keep_alive_server(response: &'static [u8]) -> (SocketAddr, Arc<AtomicUsize>) {
    server(move |mut s, _| async move {
        while read_request(&mut s).await {
            if s.write_all(response).await.is_err() {
                return;
            }
        }
    })
    .await
}

async fn exchange(client: &mut HttpClient, connector: &Connector, ep: &Arc<Endpoint>) -> Exchange {
    client
        .exchange(connector, ep, GET, expect(), Instant::now())
        .await
}

#[tokio::test]
async fn keep_alive_reuses_one_connection() {
    let (addr, accepted) = keep_alive_server(OK).await;
    let (connector, ep) = (connector(), endpoint(addr));
    let mut client = HttpClient::default();
    for i in 0..200 {
        let ex = exchange(&mut client, &connector, &ep).await;
        assert_eq!(ex.outcome, Ok(()), "request {i}");
        assert_eq!(
            (ex.status, ex.reusable, ex.reconnected),
            (Some(200), true, false)
        );
        assert_eq!(ex.connect.is_some(), i == 0);
        assert_eq!(
            (ex.bytes_sent, ex.bytes_received),
            (GET.len() as u64, OK.len() as u64)
        );
        let (sent, first, done) = (ex.sent.unwrap(), ex.first_byte.unwrap(), ex.done);
        assert!(ex.start <= sent && sent <= first && first <= done);
        assert_eq!(client.response().unwrap().body(), b"hello");
        assert!(client.is_connected());
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn server_close_between_requests_reconnects_transparently() {
    // One response per connection, then the server closes without saying so.
    let (addr, accepted) = server(|mut s, _| async move {
        if read_request(&mut s).await {
            let _ = s.write_all(OK).await;
        }
    })
    .await;
    let (connector, ep) = (connector(), endpoint(addr));
    let mut client = HttpClient::default();
    let first = exchange(&mut client, &connector, &ep).await;
    assert_eq!(
        (first.outcome, first.reusable, first.reconnected),
        (Ok(()), true, false)
    );
    for _ in 0..20 {
        let ex = exchange(&mut client, &connector, &ep).await;
        assert_eq!(ex.outcome, Ok(()));
        assert!(ex.reconnected, "the stale connection was replaced");
        assert!(ex.connect.is_some());
        assert_eq!(client.response().unwrap().body(), b"hello");
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 21);
}

#[tokio::test]
async fn connection_close_is_honoured() {
    let (addr, accepted) =
        keep_alive_server(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
            .await;
    let (connector, ep) = (connector(), endpoint(addr));
    let mut client = HttpClient::default();
    for _ in 0..3 {
        let ex = exchange(&mut client, &connector, &ep).await;
        assert_eq!(
            (ex.outcome, ex.reusable, ex.reconnected),
            (Ok(()), false, false)
        );
        assert!(ex.connect.is_some());
        assert!(!client.is_connected());
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn close_delimited_body_ends_at_eof() {
    let (addr, _) = server(|mut s, _| async move {
        if read_request(&mut s).await {
            let _ = s.write_all(b"HTTP/1.0 200 OK\r\nServer: old\r\n\r\n").await;
            let _ = s.write_all(b"all of it").await;
        }
    })
    .await;
    let mut client = HttpClient::default();
    let ex = exchange(&mut client, &connector(), &endpoint(addr)).await;
    assert_eq!((ex.outcome, ex.reusable), (Ok(()), false));
    assert_eq!(client.response().unwrap().body(), b"all of it");
}

#[tokio::test]
async fn server_reset_mid_response_is_inet_reset() {
    let (addr, _) = server(|mut s, _| async move {
        if read_request(&mut s).await {
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart")
                .await;
            let _ = s.set_zero_linger();
        }
    })
    .await;
    let mut client = HttpClient::default();
    let ex = exchange(&mut client, &connector(), &endpoint(addr)).await;
    // The partial bytes may or may not be read before the reset arrives.
    assert_eq!(ex.outcome, Err(ErrorClass::InetReset));
    assert!(!client.is_connected());
}

#[tokio::test]
async fn server_close_mid_response_is_closed() {
    let (addr, _) = server(|mut s, _| async move {
        if read_request(&mut s).await {
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart")
                .await;
        }
    })
    .await;
    let mut client = HttpClient::default();
    let ex = exchange(&mut client, &connector(), &endpoint(addr)).await;
    assert_eq!(
        (ex.outcome, ex.status),
        (Err(ErrorClass::Closed), Some(200))
    );
    assert!(client.response().is_none());
}

#[tokio::test]
async fn close_before_any_byte_on_a_new_connection_is_closed() {
    let (addr, accepted) = server(|mut s, _| async move {
        read_request(&mut s).await;
    })
    .await;
    let mut client = HttpClient::default();
    let ex = exchange(&mut client, &connector(), &endpoint(addr)).await;
    assert_eq!(
        (ex.outcome, ex.reconnected),
        (Err(ErrorClass::Closed), false)
    );
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        1,
        "no retry on a fresh connection"
    );
}

#[tokio::test]
async fn a_second_close_after_the_reconnect_is_reported() {
    // First connection answers once; later connections close without answering.
    let (addr, accepted) = server(|mut s, n| async move {
        if read_request(&mut s).await && n == 0 {
            let _ = s.write_all(OK).await;
        }
    })
    .await;
    let (connector, ep) = (connector(), endpoint(addr));
    let mut client = HttpClient::default();
    assert_eq!(exchange(&mut client, &connector, &ep).await.outcome, Ok(()));
    let ex = exchange(&mut client, &connector, &ep).await;
    assert_eq!(
        (ex.outcome, ex.reconnected),
        (Err(ErrorClass::Closed), true)
    );
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        2,
        "one transparent retry only"
    );
}

#[tokio::test]
async fn malformed_status_is_no_status() {
    let (addr, _) = server(|mut s, _| async move {
        if read_request(&mut s).await {
            let _ = s.write_all(b"<html>not http</html>").await;
        }
    })
    .await;
    let mut client = HttpClient::default();
    let ex = exchange(&mut client, &connector(), &endpoint(addr)).await;
    assert_eq!(
        (ex.outcome, ex.status),
        (Err(ErrorClass::HttpNoStatus), None)
    );
    assert!(!client.is_connected());
}

#[tokio::test]
async fn extra_bytes_are_an_anomaly_and_end_reuse() {
    let (addr, _) = keep_alive_server(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA").await;
    let mut client = HttpClient::default();
    let ex = exchange(&mut client, &connector(), &endpoint(addr)).await;
    assert_eq!(ex.outcome, Ok(()));
    assert_eq!(
        (ex.anomaly, ex.reusable),
        (Some(ErrorClass::HttpBadContentLength), false)
    );
    assert_eq!(client.response().unwrap().body(), b"ok");
}

#[tokio::test]
async fn refused_port_is_connect_refused() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let mut client = HttpClient::default();
    let ex = exchange(&mut client, &connector(), &endpoint(addr)).await;
    assert_eq!(
        (ex.outcome, ex.connect, ex.sent),
        (Err(ErrorClass::ConnectRefused), None, None)
    );
}

#[tokio::test(start_paused = true)]
async fn stalled_server_times_out() {
    let (addr, _) = server(|mut s, _| async move {
        read_request(&mut s).await;
        // Hold the connection open and silent.
        tokio::time::sleep(Duration::from_secs(86_400)).await;
        drop(s);
    })
    .await;
    let connector = Connector::new(TransportOptions::default(), None);
    let mut client = HttpClient::default();
    let ex = exchange(&mut client, &connector, &endpoint(addr)).await;
    assert_eq!(ex.outcome, Err(ErrorClass::Timeout));
    let waited = ex.done - ex.sent.unwrap();
    assert!(waited >= Duration::from_secs(600), "{waited:?}");
    assert!(!client.is_connected());
}

/// The idle timer stays armed from one request to the next (it is not moved at every
/// request): a request sent long after the first one still gets its whole idle timeout.
#[tokio::test(start_paused = true)]
async fn a_later_request_gets_its_own_idle_timeout() {
    let (addr, _) = server(|mut s, _| async move {
        for _ in 0..3 {
            if !read_request(&mut s).await || s.write_all(OK).await.is_err() {
                return;
            }
        }
        // The fourth request gets no answer.
        read_request(&mut s).await;
        tokio::time::sleep(Duration::from_secs(86_400)).await;
    })
    .await;
    let connector = connector(); // idle timeout 30 s
    let ep = endpoint(addr);
    let mut client = HttpClient::default();
    for _ in 0..3 {
        assert_eq!(exchange(&mut client, &connector, &ep).await.outcome, Ok(()));
        // Think for 20 s: the deadline of the first wait has long passed by the last one.
        tokio::time::sleep(Duration::from_secs(20)).await;
    }
    let ex = exchange(&mut client, &connector, &ep).await;
    assert_eq!(ex.outcome, Err(ErrorClass::Timeout));
    let waited = ex.done - ex.sent.unwrap();
    assert!(
        waited >= Duration::from_secs(30) && waited < Duration::from_secs(31),
        "{waited:?}"
    );
}

/// Real time: with a paused clock, a loopback stack that delivers packets asynchronously (as
/// gVisor's does) can let the clock jump past the idle deadline before the data shows up.
#[tokio::test]
async fn a_slow_trickle_resets_the_idle_timer() {
    // Five pieces 300 ms apart with a 1 s idle timeout: 1.5 s in all.
    let (addr, _) = server(|mut s, _| async move {
        read_request(&mut s).await;
        for piece in OK.chunks(OK.len().div_ceil(5)) {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if s.write_all(piece).await.is_err() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_secs(60)).await;
    })
    .await;
    let connector = Connector::new(
        TransportOptions {
            idle_timeout: Duration::from_secs(1),
            ..TransportOptions::default()
        },
        None,
    );
    let mut client = HttpClient::default();
    let ex = exchange(&mut client, &connector, &endpoint(addr)).await;
    assert_eq!(ex.outcome, Ok(()));
    assert!(ex.done - ex.sent.unwrap() > Duration::from_secs(1));
}

#[tokio::test]
async fn interim_and_chunked_and_gzip_over_the_wire() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"<p>decoded</p>").unwrap();
    let gz = gz.finish().unwrap();
    let mut response = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    response.extend_from_slice(format!("{:x}\r\n", gz.len()).as_bytes());
    response.extend_from_slice(&gz);
    response.extend_from_slice(b"\r\n0\r\n\r\n");
    let response: &'static [u8] = response.leak();
    let (addr, _) = server(move |mut s, _| async move {
        while read_request(&mut s).await {
            // Dribble it out in small pieces.
            for piece in response.chunks(9) {
                if s.write_all(piece).await.is_err() {
                    return;
                }
                tokio::task::yield_now().await;
            }
        }
    })
    .await;
    let (connector, ep) = (connector(), endpoint(addr));
    let mut client = HttpClient::default();
    let want = expect().with_decoding(true);
    let ex = client
        .exchange(&connector, &ep, GET, want, Instant::now())
        .await;
    assert_eq!(
        (ex.outcome, ex.reusable, ex.bytes_received),
        (Ok(()), true, response.len() as u64)
    );
    let r = client.response().unwrap();
    assert_eq!(
        (r.status(), r.interim_responses(), r.body()),
        (200, 1, &b"<p>decoded</p>"[..])
    );
    assert!(r.bytes().starts_with(b"HTTP/1.1 200 OK\r\n"));
    // Without decoding, the raw gzip stream is kept.
    let ex = exchange(&mut client, &connector, &ep).await;
    assert_eq!(ex.outcome, Ok(()));
    assert_eq!(client.response().unwrap().body(), &gz[..]);
}

#[tokio::test]
async fn large_discarded_body_is_counted() {
    const SIZE: usize = 3 * 1024 * 1024;
    let (addr, _) = server(|mut s, _| async move {
        while read_request(&mut s).await {
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {SIZE}\r\n\r\n");
            if s.write_all(head.as_bytes()).await.is_err()
                || s.write_all(&vec![b'b'; SIZE]).await.is_err()
            {
                return;
            }
        }
    })
    .await;
    let (connector, ep) = (connector(), endpoint(addr));
    let mut client = HttpClient::default();
    for _ in 0..2 {
        let ex = client
            .exchange(
                &connector,
                &ep,
                GET,
                ResponseExpect::for_method(Method::Get),
                Instant::now(),
            )
            .await;
        assert_eq!((ex.outcome, ex.reusable), (Ok(()), true));
        let r = client.response().unwrap();
        assert_eq!((r.body_len(), r.body().len()), (SIZE as u64, 0));
        assert!(ex.bytes_received > SIZE as u64);
    }
    // The buffer never held the body.
    assert!(
        client.buffer_heap_size() <= 128 * 1024,
        "{}",
        client.buffer_heap_size()
    );
    client.release_buffers();
    assert_eq!(client.buffer_heap_size(), 0);
    assert!(client.response().is_none());
    assert!(client.is_connected());
    assert_eq!(exchange(&mut client, &connector, &ep).await.outcome, Ok(()));
}

#[tokio::test]
async fn a_new_endpoint_gets_a_new_connection() {
    let (a, count_a) = keep_alive_server(OK).await;
    let (b, count_b) =
        keep_alive_server(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n").await;
    let (connector, ep_a, ep_b) = (connector(), endpoint(a), endpoint(b));
    let mut client = HttpClient::default();
    for (ep, status) in [(&ep_a, 200), (&ep_a, 200), (&ep_b, 201), (&ep_a, 200)] {
        let ex = exchange(&mut client, &connector, ep).await;
        assert_eq!((ex.outcome, ex.status), (Ok(()), Some(status)));
    }
    assert_eq!(
        (
            count_a.load(Ordering::SeqCst),
            count_b.load(Ordering::SeqCst)
        ),
        (2, 1)
    );
}

#[tokio::test]
async fn a_dropped_exchange_does_not_poison_the_next() {
    // The first request is never answered; later ones are.
    let (addr, accepted) = server(|mut s, n| async move {
        while read_request(&mut s).await {
            if n == 0 {
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
            if s.write_all(OK).await.is_err() {
                return;
            }
        }
    })
    .await;
    let (connector, ep) = (connector(), endpoint(addr));
    let mut client = HttpClient::default();
    let dropped = tokio::time::timeout(
        Duration::from_millis(50),
        exchange(&mut client, &connector, &ep),
    )
    .await;
    assert!(dropped.is_err());
    let ex = exchange(&mut client, &connector, &ep).await;
    assert_eq!(ex.outcome, Ok(()));
    assert!(ex.connect.is_some(), "a fresh connection");
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn resolver_endpoints_work_with_the_client() {
    let (addr, _) = keep_alive_server(OK).await;
    let mut resolver = stampede_http::Resolver::default();
    let ep = resolver
        .resolve_parts(Scheme::Http, "localhost", addr.port())
        .await
        .unwrap();
    let mut client = HttpClient::default();
    assert_eq!(
        exchange(&mut client, &connector(), &ep).await.outcome,
        Ok(())
    );
}

/// Real time (see `a_slow_trickle_resets_the_idle_timer`); only a lower bound is checked,
/// which the enforced waits guarantee.
#[tokio::test]
async fn rate_limit_slows_the_download() {
    const BODY: usize = 8 * 1024;
    let (addr, _) = server(|mut s, _| async move {
        while read_request(&mut s).await {
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {BODY}\r\n\r\n");
            if s.write_all(head.as_bytes()).await.is_err()
                || s.write_all(&[b'r'; BODY]).await.is_err()
            {
                return;
            }
        }
    })
    .await;
    let (connector, ep) = (connector(), endpoint(addr));
    let mut client = HttpClient::default();
    // 32 KB/s, burst 1 KB: a quarter of a second for the 8 KB body.
    client.set_rate_limit(Some(stampede_model::RateLimit {
        kbytes_per_second: 32.0,
        burst_kbytes: 1.0,
    }));
    let ex = exchange(&mut client, &connector, &ep).await;
    assert_eq!(ex.outcome, Ok(()));
    let took = ex.done - ex.first_byte.unwrap();
    assert!(took >= Duration::from_millis(200), "{took:?}");
    assert_eq!(client.response().unwrap().body_len(), BODY as u64);
    client.set_rate_limit(None);
    assert_eq!(exchange(&mut client, &connector, &ep).await.outcome, Ok(()));
}

/// A server that answers one request with the client's address as the body, then closes
/// (first, so the client's ports are not left in TIME_WAIT for the next run).
async fn echo_peer_server(bind: &str) -> SocketAddr {
    let listener = TcpListener::bind(bind).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, peer)) = listener.accept().await {
            tokio::spawn(async move {
                if read_request(&mut s).await {
                    let body = peer.to_string();
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = s.write_all(reply.as_bytes()).await;
                }
            });
        }
    });
    addr
}

fn peer_of(client: &HttpClient) -> SocketAddr {
    std::str::from_utf8(client.response().unwrap().body())
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn source_address_and_port_range() {
    let addr = echo_peer_server("127.0.0.1:0").await;
    let ep = endpoint(addr);
    // A source address of the loopback network other than 127.0.0.1.
    let mut client = HttpClient::default();
    client.set_source_ip(Some("127.0.0.2".parse().unwrap()));
    assert_eq!(
        exchange(&mut client, &connector(), &ep).await.outcome,
        Ok(())
    );
    assert_eq!(peer_of(&client).ip().to_string(), "127.0.0.2");
    // Source ports handed out in turn from the range.
    let options = TransportOptions {
        port_range: Some(stampede_model::PortRange {
            min: 21000,
            max: 21999,
        }),
        ..TransportOptions::default()
    };
    let connector = Connector::new(options, None);
    let mut ports = Vec::new();
    for _ in 0..3 {
        let mut client = HttpClient::default();
        let ex = exchange(&mut client, &connector, &ep).await;
        assert_eq!(ex.outcome, Ok(()));
        ports.push(peer_of(&client).port());
    }
    assert!(
        ports.iter().all(|p| (21000..=21999).contains(p)),
        "{ports:?}"
    );
    assert_eq!((ports[1], ports[2]), (ports[0] + 1, ports[0] + 2));
}

#[tokio::test]
async fn ipv6_loopback() {
    let addr = echo_peer_server("[::1]:0").await;
    let mut client = HttpClient::default();
    let ep = Endpoint::new(Scheme::Http, "::1", addr);
    assert_eq!(
        exchange(&mut client, &connector(), &ep).await.outcome,
        Ok(())
    );
    assert!(peer_of(&client).is_ipv6());
    // A source address of the other family is not used for this destination.
    let mut client = HttpClient::default();
    client.set_source_ip(Some("127.0.0.1".parse().unwrap()));
    assert_eq!(
        exchange(&mut client, &connector(), &ep).await.outcome,
        Ok(())
    );
}
