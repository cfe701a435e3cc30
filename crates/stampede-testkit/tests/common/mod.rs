//! A deliberately small HTTP/1.1 client for exercising the target app: requests are written
//! by hand, responses parsed with httparse (Content-Length, chunked, or until close).
#![allow(dead_code, clippy::unwrap_used)]

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Upper bound for any single wait in these tests; never reached when things work.
pub const PATIENCE: Duration = Duration::from_secs(20);

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Bytes of the head exactly as received.
    pub head: String,
    pub chunked: bool,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The value of the hidden `authenticity_token` input, found the way Tsung's default
    /// `dyn_variable` regex finds it.
    pub fn hidden_token(&self) -> String {
        between(&self.text(), "name=\"authenticity_token\" value=\"", "\"").unwrap()
    }

    /// Every hidden token on the page, in order.
    pub fn hidden_tokens(&self) -> Vec<String> {
        let text = self.text();
        text.split("name=\"authenticity_token\" value=\"")
            .skip(1)
            .map(|s| s[..s.find('"').unwrap()].to_owned())
            .collect()
    }

    pub fn meta_token(&self) -> String {
        between(&self.text(), "<meta name=\"csrf-token\" content=\"", "\"").unwrap()
    }

    /// The `_app_session` cookie set by this response.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .find_map(|(_, v)| v.strip_prefix("_app_session="))
            .map(|v| v[..v.find(';').unwrap_or(v.len())].to_owned())
    }
}

pub fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let len = text[from..].find(end)?;
    Some(text[from..from + len].to_owned())
}

pub fn urlencode(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// Reads one response from `stream`; `buf` carries bytes between responses.
pub async fn read_response(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    head_request: bool,
) -> io::Result<Response> {
    let (head_len, status, headers) = loop {
        let mut hs = [httparse::EMPTY_HEADER; 64];
        let mut r = httparse::Response::new(&mut hs);
        match r.parse(buf) {
            Ok(httparse::Status::Complete(n)) => {
                let headers = r
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_owned(),
                            String::from_utf8_lossy(h.value).into_owned(),
                        )
                    })
                    .collect::<Vec<_>>();
                break (n, r.code.unwrap(), headers);
            }
            Ok(httparse::Status::Partial) => {
                if fill(stream, buf).await? == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("eof in head after {} bytes", buf.len()),
                    ));
                }
            }
            Err(e) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{e}: {:?}", String::from_utf8_lossy(buf)),
                ));
            }
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_len]).into_owned();
    buf.drain(..head_len);
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let chunked = get("transfer-encoding").is_some_and(|v| v.contains("chunked"));
    let body = if head_request || status == 204 || status == 304 {
        Vec::new()
    } else if chunked {
        let mut body = Vec::new();
        loop {
            match httparse::parse_chunk_size(buf) {
                Ok(httparse::Status::Complete((skip, size))) => {
                    let size = size as usize;
                    if size == 0 {
                        while !buf[skip..].starts_with(b"\r\n") || buf.len() < skip + 2 {
                            if fill(stream, buf).await? == 0 {
                                return Err(io::ErrorKind::UnexpectedEof.into());
                            }
                        }
                        buf.drain(..skip + 2);
                        break;
                    }
                    while buf.len() < skip + size + 2 {
                        if fill(stream, buf).await? == 0 {
                            return Err(io::ErrorKind::UnexpectedEof.into());
                        }
                    }
                    body.extend_from_slice(&buf[skip..skip + size]);
                    buf.drain(..skip + size + 2);
                }
                Ok(httparse::Status::Partial) => {
                    if fill(stream, buf).await? == 0 {
                        return Err(io::ErrorKind::UnexpectedEof.into());
                    }
                }
                Err(_) => return Err(io::ErrorKind::InvalidData.into()),
            }
        }
        body
    } else if let Some(len) = get("content-length") {
        let len: usize = len.trim().parse().unwrap();
        while buf.len() < len {
            if fill(stream, buf).await? == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("body ended after {} of {len} bytes", buf.len()),
                ));
            }
        }
        buf.drain(..len).collect()
    } else {
        while fill(stream, buf).await? > 0 {}
        std::mem::take(buf)
    };
    Ok(Response {
        status,
        headers,
        body,
        head,
        chunked,
    })
}

async fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<usize> {
    let mut chunk = [0u8; 8192];
    let n = tokio::time::timeout(PATIENCE, stream.read(&mut chunk))
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "no bytes from server"))??;
    buf.extend_from_slice(&chunk[..n]);
    Ok(n)
}

/// Builds request bytes the way Tsung would send them.
pub fn request_bytes(
    method: &str,
    path: &str,
    host: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Vec<u8> {
    let mut out = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: Tsung\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(body) = body {
        out.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    if let Some(body) = body {
        bytes.extend_from_slice(body);
    }
    bytes
}

/// A browser-like user: one keep-alive connection, a cookie jar holding the session cookie.
pub struct Browser {
    pub addr: SocketAddr,
    pub cookie: Option<String>,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
    pub requests: u64,
}

impl Browser {
    pub fn new(addr: SocketAddr) -> Self {
        Browser {
            addr,
            cookie: None,
            stream: None,
            buf: Vec::new(),
            requests: 0,
        }
    }

    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        extra: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Response {
        if self.stream.is_none() {
            self.stream = Some(TcpStream::connect(self.addr).await.unwrap());
            self.buf.clear();
        }
        let mut headers: Vec<(&str, &str)> = extra.to_vec();
        let cookie_header;
        if let Some(c) = &self.cookie {
            cookie_header = format!("_app_session={c}");
            headers.push(("Cookie", &cookie_header));
        }
        if body.is_some()
            && !extra
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        {
            headers.push(("Content-Type", "application/x-www-form-urlencoded"));
        }
        let bytes = request_bytes(method, path, &self.addr.to_string(), &headers, body);
        let stream = self.stream.as_mut().unwrap();
        stream.write_all(&bytes).await.unwrap();
        let resp = read_response(stream, &mut self.buf, method == "HEAD")
            .await
            .unwrap();
        self.requests += 1;
        if let Some(c) = resp.session_cookie() {
            self.cookie = Some(c);
        }
        if resp
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"))
        {
            self.stream = None;
        }
        resp
    }

    pub async fn get(&mut self, path: &str) -> Response {
        self.send("GET", path, &[], None).await
    }

    pub async fn post_form(&mut self, path: &str, pairs: &[(&str, &str)]) -> Response {
        let body = urlencode(pairs);
        self.send("POST", path, &[], Some(body.as_bytes())).await
    }

    /// Turns an absolute URL from a `Location` header into a path on this server.
    pub fn path_of(&self, location: &str) -> String {
        let prefix = format!("http://{}", self.addr);
        location
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("{location} is not on {prefix}"))
            .to_owned()
    }
}
