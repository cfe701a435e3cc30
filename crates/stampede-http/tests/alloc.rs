//! Allocation and memory measurements of the client side.
//!
//! Its own harness (`harness = false`): the servers run in a child process (this binary
//! started again), so the global allocation counters see only the client. Checks:
//! * steady-state plain-HTTP exchanges allocate nothing (content-length and chunked bodies);
//! * the heap held by an idle connected user after `release_buffers`, plain and TLS.
//!
//! It also prints the struct sizes.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::alloc::System;
use std::io::{BufRead, BufReader, Read as _};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use stampede_http::{
    Connector, Endpoint, Exchange, HttpClient, ResponseExpect, ResponseParser, TlsClient,
    TlsOptions, TransportOptions,
};
use stampede_model::{Method, Scheme};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const CHILD: &str = "STAMPEDE_HTTP_ALLOC_SERVER";

const NGINX: &[u8] = b"HTTP/1.1 200 OK\r\n\
Server: nginx/1.24.0\r\n\
Date: Tue, 25 Nov 2025 10:00:00 GMT\r\n\
Content-Type: text/html\r\n\
Content-Length: 100\r\n\
Connection: keep-alive\r\n\
Accept-Ranges: bytes\r\n\r\n\
xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";

const CHUNKED: &[u8] = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
19;ext=1\r\nyyyyyyyyyyyyyyyyyyyyyyyyy\r\n19\r\nyyyyyyyyyyyyyyyyyyyyyyyyy\r\n0\r\nT: 1\r\n\r\n";

fn main() {
    if std::env::var_os(CHILD).is_some() {
        child_server();
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .env(CHILD, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ports: Vec<u16> = loop {
        let line = lines.next().unwrap().unwrap();
        if let Some(rest) = line.strip_prefix("PORTS ") {
            break rest.split(' ').map(|p| p.parse().unwrap()).collect();
        }
    };
    let plain: SocketAddr = ([127, 0, 0, 1], ports[0]).into();
    let tls: SocketAddr = ([127, 0, 0, 1], ports[1]).into();

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut failures = 0;
    rt.block_on(async {
        failures += steady_state(
            plain,
            b"/nginx",
            false,
            "content-length 100 B, body dropped",
        )
        .await;
        failures += steady_state(plain, b"/nginx", true, "content-length 100 B, body kept").await;
        failures += steady_state(plain, b"/chunked", true, "chunked 50 B, body kept").await;
        tls_per_request(tls).await;
        failures += idle_memory(plain, Scheme::Http, 200).await;
        failures += idle_memory(tls, Scheme::Https, 50).await;
    });
    sizes();
    drop(child.stdin.take());
    let _ = child.wait();
    println!("{} passed, {} failed", 5 - failures, failures);
    if failures > 0 {
        std::process::exit(1);
    }
}

fn request(path: &[u8]) -> Vec<u8> {
    let mut r = Vec::new();
    stampede_http::codec::write_request_line(
        &mut r,
        Method::Get,
        path,
        stampede_model::HttpVersion::Http11,
    );
    stampede_http::codec::write_header(&mut r, b"Host", b"localhost");
    stampede_http::codec::end_head(&mut r);
    r
}

fn plain_connector() -> Connector {
    Connector::new(TransportOptions::default(), None)
}

fn tls_connector() -> Connector {
    let tls = TlsClient::new(&TlsOptions {
        insecure: true,
        ..TlsOptions::default()
    })
    .unwrap();
    Connector::new(TransportOptions::default(), Some(tls))
}

async fn run(
    client: &mut HttpClient,
    c: &Connector,
    ep: &Arc<Endpoint>,
    req: &[u8],
    expect: ResponseExpect,
) -> Exchange {
    let ex = client.exchange(c, ep, req, expect, Instant::now()).await;
    assert_eq!((ex.outcome, ex.status), (Ok(()), Some(200)));
    ex
}

/// Returns 1 on failure.
async fn steady_state(addr: SocketAddr, path: &[u8], keep: bool, what: &str) -> u32 {
    let connector = plain_connector();
    let ep = Endpoint::new(Scheme::Http, "127.0.0.1", addr);
    let req = request(path);
    let expect = ResponseExpect::for_method(Method::Get).with_body(keep);
    let mut client = HttpClient::default();
    for _ in 0..200 {
        run(&mut client, &connector, &ep, &req, expect).await;
    }
    const N: usize = 5000;
    let region = Region::new(GLOBAL);
    for _ in 0..N {
        run(&mut client, &connector, &ep, &req, expect).await;
    }
    let change = region.change();
    let allocs = change.allocations + change.reallocations;
    println!("steady state, {what}: {allocs} allocations in {N} exchanges");
    u32::from(allocs != 0)
}

async fn tls_per_request(addr: SocketAddr) {
    let connector = tls_connector();
    let ep = Endpoint::new(Scheme::Https, "localhost", addr);
    let req = request(b"/nginx");
    let expect = ResponseExpect::for_method(Method::Get);
    let mut client = HttpClient::default();
    for _ in 0..100 {
        run(&mut client, &connector, &ep, &req, expect).await;
    }
    const N: usize = 1000;
    let region = Region::new(GLOBAL);
    for _ in 0..N {
        run(&mut client, &connector, &ep, &req, expect).await;
    }
    let c = region.change();
    println!(
        "steady state, TLS 1.3 keep-alive: {:.1} allocations per exchange (inside rustls)",
        (c.allocations + c.reallocations) as f64 / N as f64
    );
}

fn live_bytes(s: stats_alloc::Stats) -> isize {
    s.bytes_allocated as isize - s.bytes_deallocated as isize + s.bytes_reallocated
}

/// Heap held per idle connected user; returns 1 above the 3 KiB budget (plain only).
async fn idle_memory(addr: SocketAddr, scheme: Scheme, users: usize) -> u32 {
    let connector = if scheme == Scheme::Https {
        tls_connector()
    } else {
        plain_connector()
    };
    let ep = Endpoint::new(scheme, "localhost", addr);
    let req = request(b"/nginx");
    let expect = ResponseExpect::for_method(Method::Get).with_body(true);
    let mut clients: Vec<HttpClient> = Vec::with_capacity(users);
    // Warm up runtime structures (I/O driver slab pages, session cache) outside the count.
    let mut warm = HttpClient::default();
    run(&mut warm, &connector, &ep, &req, expect).await;
    let before = live_bytes(GLOBAL.stats());
    for _ in 0..users {
        let mut client = HttpClient::default();
        run(&mut client, &connector, &ep, &req, expect).await;
        client.release_buffers();
        assert!(client.is_connected());
        clients.push(client);
    }
    let heap = (live_bytes(GLOBAL.stats()) - before) as f64 / users as f64;
    let inline = std::mem::size_of::<HttpClient>();
    let total = heap + inline as f64;
    let label = if scheme == Scheme::Https {
        "TLS"
    } else {
        "plain"
    };
    println!(
        "idle connected user, {label}: {heap:.0} B heap + {inline} B HttpClient = {total:.0} B"
    );
    drop(clients);
    u32::from(scheme == Scheme::Http && total > 3072.0)
}

fn sizes() {
    use std::mem::size_of;
    println!("size_of HttpClient = {}", size_of::<HttpClient>());
    println!("size_of ResponseParser = {}", size_of::<ResponseParser>());
    println!(
        "size_of Connection = {}",
        size_of::<stampede_http::Connection>()
    );
    println!("size_of Exchange = {}", size_of::<Exchange>());
    println!("size_of Connector = {}", size_of::<Connector>());
    println!("size_of Endpoint = {}", size_of::<Endpoint>());
}

// --- the child process: keep-alive servers, plain and TLS ----------------------------------

fn child_server() {
    // Stop when the parent closes stdin (or after two minutes, whatever happens).
    std::thread::spawn(|| {
        let mut sink = [0u8; 64];
        while matches!(std::io::stdin().read(&mut sink), Ok(n) if n > 0) {}
        std::process::exit(0);
    });
    std::thread::spawn(|| {
        std::thread::sleep(Duration::from_secs(120));
        std::process::exit(0);
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let plain = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let secure = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!(
            "PORTS {} {}",
            plain.local_addr().unwrap().port(),
            secure.local_addr().unwrap().port()
        );
        let key = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
        let private =
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.signing_key.serialize_der()));
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![key.cert.der().clone()], private)
        .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        tokio::spawn(async move {
            while let Ok((s, _)) = plain.accept().await {
                tokio::spawn(serve(s));
            }
        });
        while let Ok((s, _)) = secure.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(s).await {
                    serve(tls).await;
                }
            });
        }
    });
}

async fn serve<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(mut s: S) {
    let mut buf = vec![0u8; 8192];
    let mut len = 0;
    loop {
        match s.read(&mut buf[len..]).await {
            Ok(0) | Err(_) => return,
            Ok(n) => len += n,
        }
        while let Some(end) = buf[..len].windows(4).position(|w| w == b"\r\n\r\n") {
            let response = if buf[..end].windows(8).any(|w| w == b"/chunked") {
                CHUNKED
            } else {
                NGINX
            };
            if s.write_all(response).await.is_err() || s.flush().await.is_err() {
                return;
            }
            buf.copy_within(end + 4..len, 0);
            len -= end + 4;
        }
        if len == buf.len() {
            return;
        }
    }
}
