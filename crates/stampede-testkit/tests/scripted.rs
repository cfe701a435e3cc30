//! The scripted raw-TCP server plays its scripts byte for byte.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::ErrorKind;
use std::time::Duration;

use common::{read_response, request_bytes};
use stampede_testkit::{ScriptStep, ScriptedServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

#[tokio::test]
async fn respond_always_keeps_connections_alive() {
    let server = ScriptedServer::respond_always(OK).await.unwrap();
    let mut s = TcpStream::connect(server.addr()).await.unwrap();
    let mut buf = Vec::new();
    for i in 0..3 {
        let body = format!("n={i}");
        s.write_all(&request_bytes(
            "POST",
            "/x",
            "h",
            &[],
            Some(body.as_bytes()),
        ))
        .await
        .unwrap();
        assert_eq!(
            read_response(&mut s, &mut buf, false).await.unwrap().body,
            b"ok"
        );
    }
    drop(s);
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[2].request_line(), "POST /x HTTP/1.1");
    assert_eq!(requests[2].body(), b"n=2");
    assert_eq!(requests[2].header("host"), Some("h"));
    assert!(requests.iter().all(|r| r.connection == 0));
    assert_eq!(server.connections(), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn pipelined_and_chunked_requests_are_split_correctly() {
    let server = ScriptedServer::start(vec![vec![
        ScriptStep::ReadRequest,
        ScriptStep::ReadRequest,
        ScriptStep::Write(OK.to_vec()),
        ScriptStep::Close,
    ]])
    .await
    .unwrap();
    let mut s = TcpStream::connect(server.addr()).await.unwrap();
    let mut both =
        b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n".to_vec();
    both.extend_from_slice(b"GET /b HTTP/1.1\r\n\r\n");
    s.write_all(&both).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    assert_eq!(out, OK);
    let r = server.requests();
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].body(), b"3\r\nabc\r\n0\r\n\r\n");
    assert_eq!(r[1].request_line(), "GET /b HTTP/1.1");
    server.shutdown().await;
}

#[tokio::test]
async fn per_connection_scripts_then_the_last_one_repeats() {
    let server = ScriptedServer::start(vec![
        vec![ScriptStep::ReadRequest, ScriptStep::Reset],
        vec![
            ScriptStep::ReadRequest,
            ScriptStep::Write(b"HTTP/1.1 200 OK\r\n".to_vec()),
            ScriptStep::Sleep(Duration::from_millis(1)),
            ScriptStep::Write(b"Content-Length: 0\r\n\r\n".to_vec()),
            ScriptStep::Close,
        ],
    ])
    .await
    .unwrap();
    let get = request_bytes("GET", "/", "h", &[], None);

    let mut first = TcpStream::connect(server.addr()).await.unwrap();
    first.write_all(&get).await.unwrap();
    let mut out = Vec::new();
    let err = first.read_to_end(&mut out).await.unwrap_err();
    assert_eq!((out.len(), err.kind()), (0, ErrorKind::ConnectionReset));

    for _ in 0..2 {
        let mut s = TcpStream::connect(server.addr()).await.unwrap();
        s.write_all(&get).await.unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).await.unwrap();
        assert_eq!(out, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    }
    assert_eq!(server.connections(), 3);
    let per_conn: Vec<usize> = server.requests().iter().map(|r| r.connection).collect();
    assert_eq!(per_conn, [0, 1, 2]);
    server.shutdown().await;
}

#[tokio::test]
async fn stall_and_shutdown_write() {
    let server = ScriptedServer::start(vec![vec![
        ScriptStep::ReadRequest,
        ScriptStep::Write(b"partial".to_vec()),
        ScriptStep::Stall,
    ]])
    .await
    .unwrap();
    let mut s = TcpStream::connect(server.addr()).await.unwrap();
    s.write_all(&request_bytes("GET", "/", "h", &[], None))
        .await
        .unwrap();
    let mut buf = [0u8; 7];
    s.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"partial");
    assert_eq!(
        s.try_read(&mut buf).map_err(|e| e.kind()),
        Err(ErrorKind::WouldBlock)
    );
    server.shutdown().await;
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).await.unwrap();
    assert!(rest.is_empty());

    // ShutdownWrite: the client sees EOF while the server still reads.
    let server = ScriptedServer::start(vec![vec![
        ScriptStep::ShutdownWrite,
        ScriptStep::ReadRequest,
    ]])
    .await
    .unwrap();
    let mut s = TcpStream::connect(server.addr()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    assert!(out.is_empty());
    s.write_all(&request_bytes("GET", "/late", "h", &[], None))
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + common::PATIENCE;
    while server.requests().is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "request never read");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert_eq!(server.requests()[0].request_line(), "GET /late HTTP/1.1");
    drop(s);
    server.shutdown().await;
}

#[tokio::test]
async fn no_scripts_means_immediate_close() {
    let server = ScriptedServer::start(Vec::new()).await.unwrap();
    let mut s = TcpStream::connect(server.addr()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    assert!(out.is_empty());
    server.shutdown().await;
}
