//! CPU cost of a full keep-alive exchange on the client thread (user and kernel time), against
//! an in-process loopback server running on other threads.
//!
//! `cargo bench -p stampede-http --bench exchange [-- USERS SECONDS]`
//! `cargo bench -p stampede-http --bench exchange -- serve SECONDS` only runs the server (its
//! port is printed) so another client, e.g. wrk, can be measured against the same server.
//!
//! The client runs on a current-thread runtime; its CPU time is read from
//! `/proc/thread-self/stat`, so the server threads are not counted.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use stampede_http::{Connector, Endpoint, HttpClient, ResponseExpect, TransportOptions};
use stampede_model::{Method, Scheme};
use tokio::time::Instant;

const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\n\
Server: nginx/1.24.0\r\n\
Date: Tue, 25 Nov 2025 10:00:00 GMT\r\n\
Content-Type: text/html\r\n\
Content-Length: 100\r\n\
Connection: keep-alive\r\n\
Accept-Ranges: bytes\r\n\r\n\
xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";

const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: Stampede\r\n\r\n";

/// Blocking server, one thread per connection, answering each request head.
fn server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { return };
            std::thread::spawn(move || {
                let _ = s.set_nodelay(true);
                let mut buf = [0u8; 4096];
                let mut carry = 0usize;
                loop {
                    let n = match s.read(&mut buf[carry..]) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    let len = carry + n;
                    let mut start = 0;
                    while let Some(end) = buf[start..len].windows(4).position(|w| w == b"\r\n\r\n")
                    {
                        if s.write_all(RESPONSE).is_err() {
                            return;
                        }
                        start += end + 4;
                    }
                    buf.copy_within(start..len, 0);
                    carry = len - start;
                    if carry == buf.len() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

/// (user, system) CPU seconds of the calling thread.
fn thread_cpu() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 100.0
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (tick(11), tick(12))
}

fn main() {
    let args: Vec<String> = std::env::args().filter(|a| !a.starts_with('-')).collect();
    let users: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(8);
    let seconds: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(3);
    let addr = server();
    if args.get(1).is_some_and(|a| a == "serve") {
        println!("serving on {addr}");
        std::thread::sleep(Duration::from_secs(seconds));
        return;
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let connector = Arc::new(Connector::new(TransportOptions::default(), None));
        let ep = Endpoint::new(Scheme::Http, "127.0.0.1", addr);
        let expect = ResponseExpect::for_method(Method::Get);
        let stop = Instant::now() + Duration::from_secs(seconds);
        let (u0, s0) = thread_cpu();
        let wall = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..users {
            let (connector, ep) = (connector.clone(), ep.clone());
            tasks.push(tokio::spawn(async move {
                let mut client = HttpClient::default();
                let mut done = 0u64;
                while Instant::now() < stop {
                    let ex = client.exchange(&connector, &ep, REQUEST, expect, Instant::now()).await;
                    if ex.outcome.is_err() {
                        break;
                    }
                    done += 1;
                }
                done
            }));
        }
        let mut total = 0u64;
        for t in tasks {
            total += t.await.unwrap_or(0);
        }
        let elapsed = wall.elapsed().as_secs_f64();
        let (u1, s1) = thread_cpu();
        let per = |cpu: f64| cpu * 1e6 / total.max(1) as f64;
        println!(
            "{users} users, {total} requests in {elapsed:.2} s = {:.0} req/s; client thread CPU per request: user {:.2} µs, system {:.2} µs",
            total as f64 / elapsed,
            per(u1 - u0),
            per(s1 - s0),
        );
    });
}
