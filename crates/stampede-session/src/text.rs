//! Small text helpers: HTML character references, hex digests, header parameters.

use md5::Digest;

/// Named character references recognised (the common HTML ones; others stay as written).
const ENTITIES: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("nbsp", '\u{a0}'),
    ("copy", '©'),
    ("reg", '®'),
    ("trade", '™'),
    ("hellip", '…'),
    ("mdash", '—'),
    ("ndash", '–'),
    ("lsquo", '‘'),
    ("rsquo", '’'),
    ("ldquo", '“'),
    ("rdquo", '”'),
    ("laquo", '«'),
    ("raquo", '»'),
    ("middot", '·'),
    ("bull", '•'),
    ("euro", '€'),
    ("pound", '£'),
    ("yen", '¥'),
    ("cent", '¢'),
    ("sect", '§'),
    ("deg", '°'),
    ("plusmn", '±'),
    ("times", '×'),
    ("divide", '÷'),
    ("eacute", 'é'),
    ("egrave", 'è'),
    ("ecirc", 'ê'),
    ("agrave", 'à'),
    ("aacute", 'á'),
    ("ccedil", 'ç'),
    ("ouml", 'ö'),
    ("uuml", 'ü'),
    ("auml", 'ä'),
    ("szlig", 'ß'),
    ("ntilde", 'ñ'),
];

/// Decodes the character reference starting at `s` (which begins with `&`): returns the decoded
/// character and the length consumed, or `None` when it is not a known reference.
pub(crate) fn char_ref(s: &[u8]) -> Option<(char, usize)> {
    let end = s.iter().take(12).position(|&b| b == b';')?;
    let body = &s[1..end];
    let c = if let Some(num) = body.strip_prefix(b"#") {
        let n = if let Some(hex) = num.strip_prefix(b"x").or_else(|| num.strip_prefix(b"X")) {
            u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?
        } else {
            std::str::from_utf8(num).ok()?.parse::<u32>().ok()?
        };
        char::from_u32(n)?
    } else {
        let name = std::str::from_utf8(body).ok()?;
        ENTITIES.iter().find(|(n, _)| *n == name)?.1
    };
    Some((c, end + 1))
}

/// `decode="html_entities"`: replaces character references (`&amp;`, `&#39;`, `&#x2F;`…) with
/// the characters, UTF-8 encoded. Unknown references stay as written.
pub(crate) fn decode_entities(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'&'
            && let Some((c, len)) = char_ref(&s[i..])
        {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            i += len;
            continue;
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

/// Lower-case hexadecimal.
pub(crate) fn hex(bytes: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 0xf)]);
    }
}

/// `ts_digest:md5hex`.
pub(crate) fn md5_hex(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(32);
    hex(&md5::Md5::digest(data), &mut out);
    out
}

/// `ts_digest:shahex`.
pub(crate) fn sha1_hex(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(40);
    hex(&sha1::Sha1::digest(data), &mut out);
    out
}

pub(crate) fn trim(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end]
}

/// Removes surrounding double quotes and backslash escapes (mochiweb's `unquote_header`).
fn unquote(v: &[u8]) -> Vec<u8> {
    let Some(inner) = v.strip_prefix(b"\"") else {
        return v.to_vec();
    };
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        match inner[i] {
            b'"' => break,
            b'\\' if i + 1 < inner.len() => {
                out.push(inner[i + 1]);
                i += 2;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// A parameter of a header value, as Tsung reads `header="name/param"`: for
/// `WWW-Authenticate` and `Authentication-Info`, `Scheme k=v, k="v"`; for other headers,
/// `type; k=v; k=v`. Parameter names compare case-insensitively; quotes are removed.
pub(crate) fn header_param(header: &str, value: &[u8], param: &str) -> Option<Vec<u8>> {
    let auth = header.eq_ignore_ascii_case("www-authenticate")
        || header.eq_ignore_ascii_case("authentication-info");
    let params: &[u8] = if auth {
        // Drop the scheme (the first space-separated word).
        let v = trim(value);
        match v.iter().position(|&b| b == b' ') {
            Some(p) => &v[p + 1..],
            None => &[],
        }
    } else {
        match value.iter().position(|&b| b == b';') {
            Some(p) => &value[p + 1..],
            None => &[],
        }
    };
    let sep = if auth { b',' } else { b';' };
    split_params(params, sep).find_map(|part| {
        let part = trim(part);
        let eq = part.iter().position(|&b| b == b'=')?;
        let (k, v) = (trim(&part[..eq]), trim(&part[eq + 1..]));
        (!k.is_empty() && !v.is_empty() && k.eq_ignore_ascii_case(param.as_bytes()))
            .then(|| unquote(v))
    })
}

/// Splits on `sep` outside double-quoted strings.
fn split_params(s: &[u8], sep: u8) -> impl Iterator<Item = &[u8]> {
    let mut start = 0;
    let mut in_quotes = false;
    let mut parts = Vec::new();
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'\\' if in_quotes => i += 1,
            b'"' => in_quotes = !in_quotes,
            c if c == sep && !in_quotes => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(&s[start.min(s.len())..]);
    parts.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities() {
        let cases = [
            ("a&amp;b", "a&b"),
            ("&lt;x&gt;", "<x>"),
            ("it&#39;s &#x2F; &#X41;", "it's / A"),
            ("&unknown; & &amp", "&unknown; & &amp"),
            ("caf&eacute;", "café"),
            ("&#xD800;", "&#xD800;"),
        ];
        for (i, o) in cases {
            assert_eq!(decode_entities(i.as_bytes()), o.as_bytes(), "{i}");
        }
    }

    #[test]
    fn digests() {
        assert_eq!(md5_hex(b""), b"d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(
            sha1_hex(b"abc"),
            b"a9993e364706816aba3e25717850c26c9cd0d89d"
        );
    }

    #[test]
    fn header_params() {
        let www = br#"Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b", opaque="5ccc""#;
        assert_eq!(
            header_param("www-authenticate", www, "realm").unwrap(),
            b"testrealm@host.com"
        );
        assert_eq!(
            header_param("www-authenticate", www, "qop").unwrap(),
            b"auth,auth-int"
        );
        assert_eq!(
            header_param("WWW-Authenticate", www, "NONCE").unwrap(),
            b"dcd98b"
        );
        assert!(header_param("www-authenticate", www, "stale").is_none());
        let ct = b"text/html; charset=utf-8; q=\"a;b\"";
        assert_eq!(
            header_param("content-type", ct, "charset").unwrap(),
            b"utf-8"
        );
        assert_eq!(header_param("content-type", ct, "q").unwrap(), b"a;b");
        assert!(header_param("content-type", b"text/html", "charset").is_none());
    }
}
