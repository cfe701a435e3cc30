//! The HTTP server under the app: an accept loop and, per connection, hyper's HTTP/1.1
//! server driving the axum router.
//!
//! hyper is driven directly (not through `axum::serve`) so that a connection can be taken
//! back from the HTTP layer in the middle of a request: each accepted socket is duplicated
//! (`dup`), hyper gets one descriptor and the connection task keeps the other. When the
//! accounting middleware decides on a socket-level fault it marks its response; the service
//! wrapper below sees the mark, tells the connection task, and never answers. The task then
//! drops hyper's side and misbehaves on the raw descriptor: RST via SO_LINGER 0, garbage,
//! a truncated response, FIN, or silence.

use std::convert::Infallible;
use std::io;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use socket2::SockRef;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::app::SocketFaultMarker;
use crate::faults::SocketFault;

/// How long shutdown waits for in-flight requests before cutting connections.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// How long a connection closed by a fault keeps reading what the client still sends, so
/// that the close is a FIN and not a reset caused by unread input.
const LINGER_READ: Duration = Duration::from_secs(2);

/// What a `truncate` fault sends: a head promising 1000 bytes, then 100 of them.
const TRUNCATED_HEAD: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n";
/// What a `malformed` fault sends: no status line, binary noise.
const MALFORMED: &[u8] = b"\x00\x01\x02 this is not HTTP \xff\xfe{{{garbage}}}\r\n\r\n";

/// Resolves once shutdown was asked for (or the app handle is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|&s| s).await;
}

/// Accepts connections until `stop`, then lets in-flight requests finish (bounded).
pub(crate) async fn serve(listener: TcpListener, router: Router, mut stop: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(connection(stream, router.clone(), stop.clone()));
                }
                // Out of descriptors or similar: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            () = stopped(&mut stop) => break,
        }
    }
    drop(listener);
    let drain = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_GRACE, drain).await.is_err() {
        connections.shutdown().await;
    }
}

/// Serves one connection; on a socket-level fault, carries it out on the raw socket.
async fn connection(stream: TcpStream, router: Router, mut stop: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    let raw: std::net::TcpStream = match SockRef::from(&stream).try_clone() {
        Ok(socket) => socket.into(),
        Err(_) => return,
    };
    let (fault_tx, mut fault_rx) = mpsc::unbounded_channel::<SocketFault>();
    let service = service_fn(move |req: hyper::Request<Incoming>| {
        let router = router.clone();
        let fault_tx = fault_tx.clone();
        async move {
            let resp = match router.oneshot(req).await {
                Ok(resp) => resp,
                Err(never) => match never {},
            };
            if let Some(SocketFaultMarker(fault)) = resp.extensions().get().copied() {
                let _ = fault_tx.send(fault);
                // The connection task drops this future together with the connection.
                std::future::pending::<()>().await;
            }
            Ok::<_, Infallible>(resp)
        }
    });
    let mut builder = http1::Builder::new();
    builder.keep_alive(true).header_read_timeout(None);
    let mut conn = Box::pin(builder.serve_connection(TokioIo::new(stream), service));

    let fault = tokio::select! {
        _ = conn.as_mut() => return,
        Some(fault) = fault_rx.recv() => fault,
        () = stopped(&mut stop) => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
            return;
        }
    };
    // Close hyper's descriptor; the socket lives on through `raw`.
    drop(conn);
    let _ = socket_fault(raw, fault, stop).await;
}

async fn socket_fault(
    raw: std::net::TcpStream,
    fault: SocketFault,
    mut stop: watch::Receiver<bool>,
) -> io::Result<()> {
    if fault == SocketFault::Reset {
        // Closing with a zero linger time sends RST instead of FIN.
        SockRef::from(&raw).set_linger(Some(Duration::ZERO))?;
        drop(raw);
        return Ok(());
    }
    raw.set_nonblocking(true)?;
    let mut stream = TcpStream::from_std(raw)?;
    match fault {
        SocketFault::Stall => {
            // Say nothing; hold the socket until the client gives up or the app stops.
            tokio::select! {
                () = drain_until_eof(&mut stream) => {}
                () = stopped(&mut stop) => {}
            }
            return Ok(());
        }
        SocketFault::Malformed => stream.write_all(MALFORMED).await?,
        SocketFault::Truncate => {
            stream.write_all(TRUNCATED_HEAD).await?;
            stream.write_all(&[b'x'; 100]).await?;
        }
        SocketFault::Close | SocketFault::Reset => {}
    }
    stream.flush().await?;
    stream.shutdown().await?;
    tokio::select! {
        _ = tokio::time::timeout(LINGER_READ, drain_until_eof(&mut stream)) => {}
        () = stopped(&mut stop) => {}
    }
    Ok(())
}

/// Reads and discards until the peer closes (or the socket fails).
async fn drain_until_eof(stream: &mut TcpStream) {
    let mut buf = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buf).await {
        if n == 0 {
            break;
        }
    }
}
