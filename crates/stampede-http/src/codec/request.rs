//! Request-head writers: append to a caller-owned `Vec<u8>`, no intermediate strings.

use stampede_model::{HttpVersion, Method};

/// Appends `METHOD target VERSION\r\n`.
#[inline]
pub fn write_request_line(out: &mut Vec<u8>, method: Method, target: &[u8], version: HttpVersion) {
    let method = method.as_str().as_bytes();
    let version = version.as_str().as_bytes();
    out.reserve(method.len() + target.len() + version.len() + 4);
    out.extend_from_slice(method);
    out.push(b' ');
    out.extend_from_slice(target);
    out.push(b' ');
    out.extend_from_slice(version);
    out.extend_from_slice(b"\r\n");
}

/// Appends `name: value\r\n`. The bytes are written as given: callers must not pass CR or LF
/// in either part.
#[inline]
pub fn write_header(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.reserve(name.len() + value.len() + 4);
    out.extend_from_slice(name);
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// Appends `name: <decimal value>\r\n` (e.g. `Content-Length`) without formatting machinery.
#[inline]
pub fn write_header_u64(out: &mut Vec<u8>, name: &[u8], value: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut v = value;
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    write_header(out, name, &digits[i..]);
}

/// Appends the blank line that ends the head.
#[inline]
pub fn end_head(out: &mut Vec<u8>) {
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_head() {
        let mut out = Vec::new();
        write_request_line(&mut out, Method::Post, b"/a?b=1", HttpVersion::Http11);
        write_header(&mut out, b"Host", b"localhost:8080");
        write_header_u64(&mut out, b"Content-Length", 0);
        write_header_u64(&mut out, b"X-Big", u64::MAX);
        write_header_u64(&mut out, b"X-N", 1024);
        end_head(&mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "POST /a?b=1 HTTP/1.1\r\nHost: localhost:8080\r\nContent-Length: 0\r\n\
             X-Big: 18446744073709551615\r\nX-N: 1024\r\n\r\n"
        );
        let mut out = Vec::new();
        write_request_line(&mut out, Method::VersionControl, b"/", HttpVersion::Http10);
        assert_eq!(out, b"VERSION-CONTROL / HTTP/1.0\r\n");
    }
}
