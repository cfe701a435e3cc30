//! [`ScriptedServer`]: a raw TCP server that plays a fixed script on each connection, for
//! testing HTTP clients against exact bytes and socket behaviour.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use socket2::SockRef;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

/// Largest request head [`ScriptStep::ReadRequest`] accepts.
const MAX_HEAD: usize = 64 * 1024;

/// One step of a connection's script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptStep {
    /// Read one HTTP/1.x request: the head, then a body by `Content-Length` or chunked
    /// encoding. It is recorded (see [`ScriptedServer::requests`]). If the client closes or
    /// sends something unparsable first, the connection ends.
    ReadRequest,
    /// Write these bytes as they are.
    Write(Vec<u8>),
    /// Pause (follows `tokio::time`, so a paused test clock applies).
    Sleep(Duration),
    /// Send FIN but keep the connection open for reading.
    ShutdownWrite,
    /// Close the connection (FIN). Ends the script.
    Close,
    /// Close the connection with RST (SO_LINGER 0). Ends the script.
    Reset,
    /// Send nothing more; keep the connection open until the client closes it or the server
    /// shuts down. Ends the script.
    Stall,
    /// Play this connection's script again from the top. Only loops when the script read a
    /// request since the top (otherwise the connection ends), so it cannot spin.
    Repeat,
}

/// A request received by a [`ScriptedServer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedRequest {
    /// Index of the connection it came on (0 for the first accepted connection).
    pub connection: usize,
    /// The request exactly as received: head and body, still chunk-encoded if it was.
    pub raw: Vec<u8>,
    head_len: usize,
}

impl ReceivedRequest {
    /// The request line, e.g. `GET / HTTP/1.1`.
    pub fn request_line(&self) -> &str {
        let head = &self.raw[..self.head_len];
        let end = head
            .windows(2)
            .position(|w| w == b"\r\n")
            .unwrap_or(head.len());
        std::str::from_utf8(&head[..end]).unwrap_or("")
    }

    /// The first header with this name (case-insensitive), as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        let head = std::str::from_utf8(&self.raw[..self.head_len]).ok()?;
        head.split("\r\n").skip(1).find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    /// The request body as received (still chunk-encoded if it was).
    pub fn body(&self) -> &[u8] {
        &self.raw[self.head_len..]
    }
}

#[derive(Debug, Default)]
struct Record {
    accepted: AtomicUsize,
    requests: Mutex<Vec<ReceivedRequest>>,
}

/// A TCP server on `127.0.0.1:0` that plays scripts: connection *i* plays script *i*, later
/// connections play the last script (no scripts at all: connections are closed at once).
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use stampede_testkit::{ScriptStep, ScriptedServer};
/// let server = ScriptedServer::start(vec![vec![
///     ScriptStep::ReadRequest,
///     ScriptStep::Write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi".to_vec()),
///     ScriptStep::Reset,
/// ]])
/// .await?;
/// // … connect a client to server.addr() …
/// assert_eq!(server.requests()[0].request_line(), "GET / HTTP/1.1");
/// server.shutdown().await;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct ScriptedServer {
    addr: SocketAddr,
    record: Arc<Record>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl ScriptedServer {
    /// Starts the server on the current tokio runtime.
    pub async fn start(scripts: Vec<Vec<ScriptStep>>) -> io::Result<ScriptedServer> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let record = Arc::new(Record::default());
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, scripts, record.clone(), stop_rx));
        Ok(ScriptedServer {
            addr,
            record,
            stop,
            task,
        })
    }

    /// A keep-alive server that answers every request on every connection with `response`.
    pub async fn respond_always(response: impl Into<Vec<u8>>) -> io::Result<ScriptedServer> {
        Self::start(vec![vec![
            ScriptStep::ReadRequest,
            ScriptStep::Write(response.into()),
            ScriptStep::Repeat,
        ]])
        .await
    }

    /// The address to connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.record.accepted.load(Ordering::SeqCst)
    }

    /// Requests read so far, in the order they completed.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.record
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Stops accepting, ends every connection and waits for it.
    pub async fn shutdown(self) {
        self.stop.send_replace(true);
        let _ = self.task.await;
    }
}

async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|&s| s).await;
}

async fn accept_loop(
    listener: TcpListener,
    scripts: Vec<Vec<ScriptStep>>,
    record: Arc<Record>,
    mut stop: watch::Receiver<bool>,
) {
    let scripts = Arc::new(scripts);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let index = record.accepted.fetch_add(1, Ordering::SeqCst);
                let scripts = scripts.clone();
                let record = record.clone();
                let stop = stop.clone();
                connections.spawn(async move {
                    let script = scripts.get(index).or(scripts.last()).map_or(&[][..], Vec::as_slice);
                    let mut conn = Connection { stream, index, buf: Vec::new(), record, stop };
                    let _ = conn.play(script).await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            () = stopped(&mut stop) => break,
        }
    }
    // Connections watch `stop` themselves; cut whatever still runs.
    connections.shutdown().await;
}

struct Connection {
    stream: TcpStream,
    index: usize,
    /// Bytes read but not yet consumed by a request (pipelining).
    buf: Vec<u8>,
    record: Arc<Record>,
    stop: watch::Receiver<bool>,
}

impl Connection {
    async fn play(&mut self, script: &[ScriptStep]) -> io::Result<()> {
        loop {
            let mut read_any = false;
            for step in script {
                match step {
                    ScriptStep::ReadRequest => {
                        let Some(raw_and_head) = self.read_request().await? else {
                            return Ok(());
                        };
                        let (raw, head_len) = raw_and_head;
                        self.record
                            .requests
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .push(ReceivedRequest {
                                connection: self.index,
                                raw,
                                head_len,
                            });
                        read_any = true;
                    }
                    ScriptStep::Write(bytes) => {
                        self.stream.write_all(bytes).await?;
                        self.stream.flush().await?;
                    }
                    ScriptStep::Sleep(d) => tokio::time::sleep(*d).await,
                    ScriptStep::ShutdownWrite => self.stream.shutdown().await?,
                    ScriptStep::Close => return Ok(()),
                    ScriptStep::Reset => {
                        SockRef::from(&self.stream).set_linger(Some(Duration::ZERO))?;
                        return Ok(());
                    }
                    ScriptStep::Stall => {
                        let mut sink = [0u8; 4096];
                        loop {
                            tokio::select! {
                                n = self.stream.read(&mut sink) => if matches!(n, Ok(0) | Err(_)) { return Ok(()) },
                                () = stopped(&mut self.stop) => return Ok(()),
                            }
                        }
                    }
                    ScriptStep::Repeat => break,
                }
            }
            if !script.contains(&ScriptStep::Repeat) || !read_any {
                return Ok(());
            }
        }
    }

    /// Reads more bytes into `buf`; `false` on EOF or when the server stops.
    async fn fill(&mut self) -> io::Result<bool> {
        let mut chunk = [0u8; 8192];
        tokio::select! {
            n = self.stream.read(&mut chunk) => {
                let n = n?;
                self.buf.extend_from_slice(&chunk[..n]);
                Ok(n > 0)
            }
            () = stopped(&mut self.stop) => Ok(false),
        }
    }

    /// One request from the stream: its raw bytes and the length of its head. `None` when
    /// the client closed first or sent something that is not HTTP/1.x.
    async fn read_request(&mut self) -> io::Result<Option<(Vec<u8>, usize)>> {
        let (head_len, body) = loop {
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut req = httparse::Request::new(&mut headers);
            match req.parse(&self.buf) {
                Ok(httparse::Status::Complete(len)) => break (len, body_framing(req.headers)),
                Ok(httparse::Status::Partial) if self.buf.len() < MAX_HEAD => {
                    if !self.fill().await? {
                        return Ok(None);
                    }
                }
                _ => return Ok(None),
            }
        };
        let total = match body {
            Framing::Length(n) => {
                while self.buf.len() < head_len + n {
                    if !self.fill().await? {
                        return Ok(None);
                    }
                }
                head_len + n
            }
            Framing::Chunked => loop {
                match chunked_end(&self.buf[head_len..]) {
                    Some(end) => break head_len + end,
                    None => {
                        if !self.fill().await? {
                            return Ok(None);
                        }
                    }
                }
            },
        };
        let rest = self.buf.split_off(total);
        let raw = std::mem::replace(&mut self.buf, rest);
        Ok(Some((raw, head_len)))
    }
}

enum Framing {
    Length(usize),
    Chunked,
}

fn body_framing(headers: &[httparse::Header<'_>]) -> Framing {
    let value = |name: &str| {
        headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .and_then(|h| std::str::from_utf8(h.value).ok())
    };
    if value("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked")) {
        return Framing::Chunked;
    }
    Framing::Length(
        value("content-length")
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0),
    )
}

/// Where a complete chunked body ends within `body` (after the last chunk and trailers).
fn chunked_end(body: &[u8]) -> Option<usize> {
    let mut pos = 0;
    loop {
        let httparse::Status::Complete((skip, size)) =
            httparse::parse_chunk_size(&body[pos..]).ok()?
        else {
            return None;
        };
        pos += skip;
        if size == 0 {
            // Trailers, each ending in CRLF, then an empty line.
            loop {
                let line_end = body[pos..].windows(2).position(|w| w == b"\r\n")?;
                pos += line_end + 2;
                if line_end == 0 {
                    return Some(pos);
                }
            }
        }
        let size = usize::try_from(size).ok()?;
        pos = pos.checked_add(size)?.checked_add(2)?;
        if pos > body.len() {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_end_where_they_should() {
        let cases: &[(&[u8], Option<usize>)] = &[
            (b"0\r\n\r\n", Some(5)),
            (b"3\r\nabc\r\n0\r\n\r\nGET", Some(13)),
            (b"3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n", Some(21)),
            (b"3\r\nabc\r\n", None),
            (b"3\r\nab", None),
            (b"zz\r\n", None),
        ];
        for (body, want) in cases {
            assert_eq!(
                chunked_end(body),
                *want,
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn received_request_accessors() {
        let raw = b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi".to_vec();
        let r = ReceivedRequest {
            connection: 0,
            head_len: raw.len() - 2,
            raw,
        };
        assert_eq!(r.request_line(), "POST /x HTTP/1.1");
        assert_eq!(r.header("content-length"), Some("2"));
        assert_eq!(r.header("missing"), None);
        assert_eq!(r.body(), b"hi");
    }
}
