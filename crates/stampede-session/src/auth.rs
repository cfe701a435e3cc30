//! `Authorization` headers: Basic, Digest (RFC 2617, as Tsung writes it) and OAuth 1.0.

use crate::text::md5_hex;
use base64::Engine;
use hmac::Mac;

/// `Authorization: Basic base64(user:pass)\r\n`.
pub(crate) fn basic(out: &mut Vec<u8>, user: &[u8], pass: &[u8]) {
    let mut cred = Vec::with_capacity(user.len() + pass.len() + 1);
    cred.extend_from_slice(user);
    cred.push(b':');
    cred.extend_from_slice(pass);
    out.extend_from_slice(b"Authorization: Basic ");
    out.extend_from_slice(
        base64::engine::general_purpose::STANDARD
            .encode(&cred)
            .as_bytes(),
    );
    out.extend_from_slice(b"\r\n");
}

/// The values of a Digest header, substituted.
pub(crate) struct Digest<'a> {
    pub(crate) user: &'a [u8],
    pub(crate) pass: &'a [u8],
    pub(crate) realm: &'a [u8],
    pub(crate) nonce: &'a [u8],
    pub(crate) opaque: Option<&'a [u8]>,
    pub(crate) qop: Option<&'a [u8]>,
    pub(crate) nc: &'a [u8],
    pub(crate) cnonce: &'a [u8],
    pub(crate) method: &'a [u8],
    pub(crate) uri: &'a [u8],
}

fn join(parts: &[&[u8]]) -> Vec<u8> {
    let mut v = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            v.push(b':');
        }
        v.extend_from_slice(p);
    }
    v
}

/// `Authorization: Digest …\r\n` with Tsung's field order and quoting (`qop` is quoted).
pub(crate) fn digest(out: &mut Vec<u8>, d: &Digest<'_>) {
    let ha1 = md5_hex(&join(&[d.user, d.realm, d.pass]));
    let ha2 = md5_hex(&join(&[d.method, d.uri]));
    let response = match d.qop {
        None => md5_hex(&join(&[&ha1, d.nonce, &ha2])),
        Some(qop) => md5_hex(&join(&[&ha1, d.nonce, d.nc, d.cnonce, qop, &ha2])),
    };
    fn q(out: &mut Vec<u8>, k: &str, v: &[u8], first: bool) {
        if !first {
            out.extend_from_slice(b", ");
        }
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(b"=\"");
        out.extend_from_slice(v);
        out.push(b'"');
    }
    out.extend_from_slice(b"Authorization: Digest ");
    q(out, "username", d.user, true);
    q(out, "realm", d.realm, false);
    q(out, "nonce", d.nonce, false);
    q(out, "uri", d.uri, false);
    q(out, "response", &response, false);
    if let Some(o) = d.opaque {
        q(out, "opaque", o, false);
    }
    if let Some(qop) = d.qop {
        q(out, "qop", qop, false);
        out.extend_from_slice(b", nc=");
        out.extend_from_slice(d.nc);
        out.extend_from_slice(b", cnonce=\"");
        out.extend_from_slice(d.cnonce);
        out.push(b'"');
    }
    out.extend_from_slice(b"\r\n");
}

/// OAuth 1.0 percent-encoding: unreserved characters kept, every other byte `%XX`.
pub(crate) fn oauth_encode(s: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b);
        } else {
            out.push(b'%');
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xf)]);
        }
    }
}

fn percent_decode(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%'
            && i + 2 < s.len()
            && let (Some(h), Some(l)) = (
                (s[i + 1] as char).to_digit(16),
                (s[i + 2] as char).to_digit(16),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

/// `k=v&k2=v2` (decoded, empty pieces skipped), as Tsung's `oauth_uri:params_from_string`.
pub(crate) fn params_from(s: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    s.split(|&b| b == b'&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut kv = p.split(|&b| b == b'=').filter(|x| !x.is_empty());
            let k = kv.next().map(percent_decode).unwrap_or_default();
            let v = kv.next().map(percent_decode).unwrap_or_default();
            (k, v)
        })
        .collect()
}

/// The values of an OAuth signature, substituted.
pub(crate) struct OAuthInput<'a> {
    pub(crate) method: &'a [u8],
    /// `scheme://host[:port]/path`, no query.
    pub(crate) base_url: &'a [u8],
    pub(crate) url_params: Vec<(Vec<u8>, Vec<u8>)>,
    pub(crate) body_params: Vec<(Vec<u8>, Vec<u8>)>,
    pub(crate) consumer_key: &'a [u8],
    pub(crate) consumer_secret: &'a [u8],
    pub(crate) token: &'a [u8],
    pub(crate) token_secret: &'a [u8],
    /// `HMAC-SHA1` or `PLAINTEXT`.
    pub(crate) hmac: bool,
    pub(crate) nonce: &'a [u8],
    pub(crate) timestamp: u64,
}

/// `Authorization: OAuth …\r\n` with Tsung's parameter order: signature, token (when set), then
/// version, nonce, timestamp, signature method and consumer key.
pub(crate) fn oauth(out: &mut Vec<u8>, o: &OAuthInput<'_>) {
    let ts = o.timestamp.to_string();
    let method_name: &[u8] = if o.hmac { b"HMAC-SHA1" } else { b"PLAINTEXT" };
    let mut oauth_params: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    if !o.token.is_empty() {
        oauth_params.push((b"oauth_token".to_vec(), o.token.to_vec()));
    }
    oauth_params.extend([
        (b"oauth_version".to_vec(), b"1.0".to_vec()),
        (b"oauth_nonce".to_vec(), o.nonce.to_vec()),
        (b"oauth_timestamp".to_vec(), ts.into_bytes()),
        (b"oauth_signature_method".to_vec(), method_name.to_vec()),
        (b"oauth_consumer_key".to_vec(), o.consumer_key.to_vec()),
    ]);
    let mut key = Vec::new();
    oauth_encode(o.consumer_secret, &mut key);
    key.push(b'&');
    oauth_encode(o.token_secret, &mut key);
    let signature: Vec<u8> = if o.hmac {
        let mut all: Vec<(Vec<u8>, Vec<u8>)> = oauth_params.clone();
        all.extend(o.url_params.iter().cloned());
        all.extend(o.body_params.iter().cloned());
        all.sort();
        let mut params = Vec::new();
        for (i, (k, v)) in all.iter().enumerate() {
            if i > 0 {
                params.push(b'&');
            }
            oauth_encode(k, &mut params);
            params.push(b'=');
            oauth_encode(v, &mut params);
        }
        let mut base = Vec::new();
        oauth_encode(o.method, &mut base);
        base.push(b'&');
        oauth_encode(o.base_url, &mut base);
        base.push(b'&');
        oauth_encode(&params, &mut base);
        let mut mac = match hmac::Hmac::<sha1::Sha1>::new_from_slice(&key) {
            Ok(m) => m,
            Err(_) => return,
        };
        mac.update(&base);
        base64::engine::general_purpose::STANDARD
            .encode(mac.finalize().into_bytes())
            .into_bytes()
    } else {
        key
    };
    out.extend_from_slice(b"Authorization: OAuth ");
    let mut first = true;
    let mut field = |out: &mut Vec<u8>, k: &[u8], v: &[u8]| {
        if !first {
            out.extend_from_slice(b", ");
        }
        first = false;
        oauth_encode(k, out);
        out.extend_from_slice(b"=\"");
        oauth_encode(v, out);
        out.push(b'"');
    };
    field(out, b"oauth_signature", &signature);
    for (k, v) in &oauth_params {
        field(out, k, v);
    }
    out.extend_from_slice(b"\r\n");
}

/// `oauth_nonce`: ten characters from `[0-9A-Za-z]`.
pub(crate) fn nonce(mut draw: impl FnMut(usize) -> usize) -> [u8; 10] {
    const CHARS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut n = [0u8; 10];
    for c in &mut n {
        *c = CHARS[draw(CHARS.len())];
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_header() {
        let mut out = Vec::new();
        basic(&mut out, b"Aladdin", b"open sesame");
        assert_eq!(
            out,
            b"Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"
        );
    }

    #[test]
    fn rfc2617_example() {
        // The worked example of RFC 2617 §3.5.
        let mut out = Vec::new();
        digest(
            &mut out,
            &Digest {
                user: b"Mufasa",
                pass: b"Circle Of Life",
                realm: b"testrealm@host.com",
                nonce: b"dcd98b7102dd2f0e8b11d0f600bfb0c093",
                opaque: Some(b"5ccc069c403ebaf9f0171e9517f40e41"),
                qop: Some(b"auth"),
                nc: b"00000001",
                cnonce: b"0a4f113b",
                method: b"GET",
                uri: b"/dir/index.html",
            },
        );
        let s = String::from_utf8(out).unwrap();
        assert_eq!(
            s,
            "Authorization: Digest username=\"Mufasa\", realm=\"testrealm@host.com\", \
             nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", \
             response=\"6629fae49393a05397450978507c4ef1\", \
             opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", qop=\"auth\", nc=00000001, \
             cnonce=\"0a4f113b\"\r\n"
        );
    }

    #[test]
    fn oauth_hmac_sha1_known_signature() {
        // The request of RFC 5849 §3.4.1: query parameters and a form body.
        let mut out = Vec::new();
        oauth(
            &mut out,
            &OAuthInput {
                method: b"POST",
                base_url: b"http://example.com/request",
                url_params: params_from(b"b5=%3D%253D&a3=a&c%40=&a2=r%20b"),
                body_params: params_from(b"c2&a3=2+q"),
                consumer_key: b"9djdj82h48djs9d2",
                consumer_secret: b"j49sk3j29djd",
                token: b"kkk9d7dh3k39sjv7",
                token_secret: b"dh893hdasih9",
                hmac: true,
                nonce: b"7d8f3e4a",
                timestamp: 137131201,
            },
        );
        let s = String::from_utf8(out).unwrap();
        // Signature computed independently over Tsung's base string (which adds
        // oauth_version and keeps `+` in form values as is).
        assert!(
            s.starts_with(
                "Authorization: OAuth oauth_signature=\"fNCrmYBMsYMEM%2FcuuMeW45ClBew%3D\", "
            ),
            "{s}"
        );
        assert!(s.contains("oauth_token=\"kkk9d7dh3k39sjv7\", oauth_version=\"1.0\", oauth_nonce=\"7d8f3e4a\", oauth_timestamp=\"137131201\", oauth_signature_method=\"HMAC-SHA1\", oauth_consumer_key=\"9djdj82h48djs9d2\""), "{s}");
    }

    #[test]
    fn oauth_plaintext() {
        let mut out = Vec::new();
        oauth(
            &mut out,
            &OAuthInput {
                method: b"GET",
                base_url: b"http://h/x",
                url_params: vec![],
                body_params: vec![],
                consumer_key: b"ck",
                consumer_secret: b"c s",
                token: b"",
                token_secret: b"",
                hmac: false,
                nonce: b"n",
                timestamp: 1,
            },
        );
        assert_eq!(
            out,
            b"Authorization: OAuth oauth_signature=\"c%2520s%26\", oauth_version=\"1.0\", \
              oauth_nonce=\"n\", oauth_timestamp=\"1\", oauth_signature_method=\"PLAINTEXT\", \
              oauth_consumer_key=\"ck\"\r\n"
        );
    }
}
