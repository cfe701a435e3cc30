//! The per-user cookie jar.
//!
//! Sending follows Tsung: a cookie goes with a request when its domain occurs anywhere in
//! `"." + Host header` (a substring test) and the request URL starts with its path; the jar's
//! order is Tsung's (a new cookie goes first, a replaced one keeps its place), the default
//! domain is `"." + host` and the default path `/`; `Secure` and `HttpOnly` are parsed but not
//! enforced. Storing follows RFC 6265 where Tsung has no rule: a cookie replaces the one with the
//! same name, domain and path; `Max-Age=0` or an `Expires` date in the past deletes it; a
//! positive `Max-Age` expires it; attribute names are case-insensitive and names and values are
//! trimmed.

use crate::response::ResponseView;
use crate::time::Nanos;

/// One stored cookie: name, value, domain and path in one allocation.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Cookie {
    data: Box<[u8]>,
    name_len: u32,
    value_len: u32,
    domain_len: u32,
    /// Monotonic expiry from `Max-Age`; `u64::MAX` = none.
    expires: u64,
}

impl std::fmt::Debug for Cookie {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}={}; domain={}; path={}",
            String::from_utf8_lossy(self.name()),
            String::from_utf8_lossy(self.value()),
            String::from_utf8_lossy(self.domain()),
            String::from_utf8_lossy(self.path())
        )
    }
}

impl Cookie {
    pub(crate) fn new(name: &[u8], value: &[u8], domain: &[u8], path: &[u8], expires: u64) -> Self {
        let mut data = Vec::with_capacity(name.len() + value.len() + domain.len() + path.len());
        data.extend_from_slice(name);
        data.extend_from_slice(value);
        data.extend_from_slice(domain);
        data.extend_from_slice(path);
        Cookie {
            data: data.into(),
            name_len: name.len() as u32,
            value_len: value.len() as u32,
            domain_len: domain.len() as u32,
            expires,
        }
    }

    pub(crate) fn name(&self) -> &[u8] {
        &self.data[..self.name_len as usize]
    }

    pub(crate) fn value(&self) -> &[u8] {
        let s = self.name_len as usize;
        &self.data[s..s + self.value_len as usize]
    }

    pub(crate) fn domain(&self) -> &[u8] {
        let s = (self.name_len + self.value_len) as usize;
        &self.data[s..s + self.domain_len as usize]
    }

    pub(crate) fn path(&self) -> &[u8] {
        &self.data[(self.name_len + self.value_len + self.domain_len) as usize..]
    }

    fn same_key(&self, other: &Cookie) -> bool {
        self.name() == other.name()
            && norm_domain(self.domain()).eq_ignore_ascii_case(norm_domain(other.domain()))
            && self.path() == other.path()
    }
}

fn norm_domain(d: &[u8]) -> &[u8] {
    d.strip_prefix(b".").unwrap_or(d)
}

/// A user's cookies.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct CookieJar {
    cookies: Vec<Cookie>,
}

/// What one `Set-Cookie` asks for.
enum SetCookie {
    Store(Cookie),
    Delete(Cookie),
}

impl CookieJar {
    pub(crate) fn is_empty(&self) -> bool {
        self.cookies.is_empty()
    }

    #[cfg(test)]
    pub(crate) fn cookies(&self) -> &[Cookie] {
        &self.cookies
    }

    pub(crate) fn clear(&mut self) {
        self.cookies.clear();
    }

    /// Heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.cookies.capacity() * std::mem::size_of::<Cookie>()
            + self.cookies.iter().map(|c| c.data.len()).sum::<usize>()
    }

    /// Stores the `Set-Cookie` headers of a response. `host` is the current server host (the
    /// default domain is `"." + host`). `unix_now` is asked only when an `Expires` date needs
    /// comparing.
    pub(crate) fn store_from(
        &mut self,
        response: &ResponseView<'_>,
        host: &str,
        now: Nanos,
        unix_now: &mut dyn FnMut() -> u64,
    ) {
        // Tsung builds the response's own list newest-first (a repeated key replaced in place),
        // then merges it into the jar.
        let mut fresh: Vec<SetCookie> = Vec::new();
        for value in response.header_values(b"set-cookie") {
            let Some(sc) = parse_set_cookie(value, host, now, unix_now) else {
                continue;
            };
            let c = match &sc {
                SetCookie::Store(c) | SetCookie::Delete(c) => c,
            };
            match fresh.iter().position(|f| match f {
                SetCookie::Store(o) | SetCookie::Delete(o) => o.same_key(c),
            }) {
                Some(i) => fresh[i] = sc,
                None => fresh.insert(0, sc),
            }
        }
        if fresh.is_empty() {
            return;
        }
        let was_empty = self.cookies.is_empty();
        for sc in fresh {
            match sc {
                SetCookie::Delete(c) => self.cookies.retain(|o| !o.same_key(&c)),
                SetCookie::Store(c) => match self.cookies.iter().position(|o| o.same_key(&c)) {
                    Some(i) => self.cookies[i] = c,
                    None if was_empty => self.cookies.push(c),
                    None => self.cookies.insert(0, c),
                },
            }
        }
    }

    /// Appends the `Cookie:` header for a request to `host_header` with `url`, followed by the
    /// request's own cookies (`extra`: name, value, domain, path), or nothing when none apply.
    pub(crate) fn write_header<'e>(
        &self,
        out: &mut Vec<u8>,
        host_header: &[u8],
        url: &[u8],
        now: Nanos,
        extra: impl Iterator<Item = (&'e [u8], &'e [u8], &'e [u8], &'e [u8])>,
    ) {
        let start = out.len();
        let mut any = false;
        let mut push = |out: &mut Vec<u8>, name: &[u8], value: &[u8]| {
            out.extend_from_slice(if any { b"; " } else { b"Cookie: " });
            any = true;
            out.extend_from_slice(name);
            out.push(b'=');
            out.extend_from_slice(value);
        };
        for c in &self.cookies {
            if c.expires <= now.0 || !matches(c.domain(), c.path(), host_header, url) {
                continue;
            }
            push(out, c.name(), c.value());
        }
        for (name, value, domain, path) in extra {
            if matches(domain, path, host_header, url) {
                push(out, name, value);
            }
        }
        if out.len() > start {
            out.extend_from_slice(b"\r\n");
        }
    }
}

/// Tsung's sending test: the domain occurs in `"." + host` and the URL starts with the path (for
/// an absolute URL, through a proxy, the path occurs anywhere in it and the domain is not
/// checked).
fn matches(domain: &[u8], path: &[u8], host_header: &[u8], url: &[u8]) -> bool {
    if url.starts_with(b"http") {
        return contains(url, path);
    }
    let domain_ok = if domain.is_empty() {
        true
    } else if let Some(rest) = domain.strip_prefix(b".") {
        // "." + host contains domain.
        contains_with_dot(host_header, rest)
    } else {
        contains(host_header, domain)
    };
    domain_ok && url.starts_with(path)
}

/// Whether `"." + host` contains `"." + rest`.
fn contains_with_dot(host: &[u8], rest: &[u8]) -> bool {
    if host.starts_with(rest) {
        return true;
    }
    host.windows(rest.len() + 1)
        .any(|w| w[0] == b'.' && &w[1..] == rest)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

fn trim(b: &[u8]) -> &[u8] {
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

fn parse_set_cookie(
    value: &[u8],
    host: &str,
    now: Nanos,
    unix_now: &mut dyn FnMut() -> u64,
) -> Option<SetCookie> {
    let mut fields = value.split(|&b| b == b';');
    let pair = fields.next()?;
    let (name, val) = match pair.iter().position(|&b| b == b'=') {
        Some(eq) => (trim(&pair[..eq]), trim(&pair[eq + 1..])),
        None => (trim(pair), &b""[..]),
    };
    if name.is_empty() {
        return None;
    }
    let mut domain: Option<Vec<u8>> = None;
    let mut path: Option<&[u8]> = None;
    let mut max_age: Option<i64> = None;
    let mut expires: Option<&[u8]> = None;
    for field in fields {
        let (k, v) = match field.iter().position(|&b| b == b'=') {
            Some(eq) => (trim(&field[..eq]), trim(&field[eq + 1..])),
            None => (trim(field), &b""[..]),
        };
        if k.eq_ignore_ascii_case(b"domain") {
            if !v.is_empty() {
                domain = Some(v.to_vec());
            }
        } else if k.eq_ignore_ascii_case(b"path") {
            if !v.is_empty() {
                path = Some(v);
            }
        } else if k.eq_ignore_ascii_case(b"max-age") {
            max_age = std::str::from_utf8(v).ok().and_then(|s| s.parse().ok());
        } else if k.eq_ignore_ascii_case(b"expires") {
            expires = Some(v);
        }
        // Secure, HttpOnly, SameSite, Version, Port, Comment…: parsed and ignored, as Tsung.
    }
    let domain = domain.unwrap_or_else(|| {
        let mut d = Vec::with_capacity(host.len() + 1);
        d.push(b'.');
        d.extend_from_slice(host.as_bytes());
        d
    });
    let path = path.unwrap_or(b"/");
    let mut expiry = u64::MAX;
    let mut delete = false;
    match max_age {
        Some(s) if s <= 0 => delete = true,
        Some(s) => {
            expiry = now
                .0
                .saturating_add((s as u64).saturating_mul(1_000_000_000))
        }
        None => {
            if let Some(date) = expires.and_then(http_date)
                && date <= unix_now() as i64
            {
                delete = true;
            }
        }
    }
    let c = Cookie::new(name, val, &domain, path, expiry);
    Some(if delete {
        SetCookie::Delete(c)
    } else {
        SetCookie::Store(c)
    })
}

/// Parses a cookie date the way RFC 6265 §5.1.1 does (tolerant of the usual formats:
/// `Sun, 06 Nov 1994 08:49:37 GMT`, `Sunday, 06-Nov-94 …`, `Sun Nov  6 08:49:37 1994`),
/// returning seconds since the Unix epoch.
pub(crate) fn http_date(s: &[u8]) -> Option<i64> {
    let is_delim = |c: u8| {
        c == 0x09
            || (0x20..=0x2F).contains(&c)
            || (0x3B..=0x40).contains(&c)
            || (0x5B..=0x60).contains(&c)
            || (0x7B..=0x7E).contains(&c)
    };
    let mut time: Option<(i64, i64, i64)> = None;
    let mut day: Option<i64> = None;
    let mut month: Option<i64> = None;
    let mut year: Option<i64> = None;
    for tok in s.split(|&c| is_delim(c)).filter(|t| !t.is_empty()) {
        let digits_prefix = |t: &[u8], min: usize, max: usize| -> Option<i64> {
            let n = t.iter().take_while(|c| c.is_ascii_digit()).count();
            if n < min || n > max {
                return None;
            }
            std::str::from_utf8(&t[..n]).ok()?.parse().ok()
        };
        if time.is_none() {
            let mut parts = tok.split(|&c| c == b':');
            if let (Some(h), Some(m), Some(sec), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
                && let (Some(h), Some(m), Some(sec)) = (
                    digits_prefix(h, 1, 2),
                    digits_prefix(m, 1, 2),
                    digits_prefix(sec, 1, 2),
                )
            {
                time = Some((h, m, sec));
                continue;
            }
        }
        if day.is_none()
            && let Some(d) = digits_prefix(tok, 1, 2)
        {
            day = Some(d);
            continue;
        }
        if month.is_none() && tok.len() >= 3 {
            const MONTHS: [&[u8]; 12] = [
                b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct",
                b"nov", b"dec",
            ];
            if let Some(m) = MONTHS.iter().position(|m| tok[..3].eq_ignore_ascii_case(m)) {
                month = Some(m as i64 + 1);
                continue;
            }
        }
        if year.is_none()
            && let Some(y) = digits_prefix(tok, 2, 4)
        {
            year = Some(y);
            continue;
        }
    }
    let (h, mi, sec) = time?;
    let (d, mo, mut y) = (day?, month?, year?);
    if (70..=99).contains(&y) {
        y += 1900;
    } else if (0..=69).contains(&y) {
        y += 2000;
    }
    if !(1..=31).contains(&d) || y < 1601 || h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::HeaderSpan;

    fn jar_after(jar: &mut CookieJar, head: &str, now: u64) {
        let raw = format!("HTTP/1.1 200 OK\r\n{head}\r\n");
        let mut spans: Vec<HeaderSpan> = Vec::new();
        let (status, len) = ResponseView::parse_head(raw.as_bytes(), &mut spans).unwrap();
        let r = ResponseView::new(status, raw.as_bytes(), len, &spans);
        jar.store_from(&r, "shop.example.com", Nanos(now), &mut || 1_700_000_000);
    }

    fn header(jar: &CookieJar, host: &str, url: &str, now: u64) -> String {
        let mut out = Vec::new();
        jar.write_header(
            &mut out,
            host.as_bytes(),
            url.as_bytes(),
            Nanos(now),
            std::iter::empty(),
        );
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn http_dates() {
        let cases: &[(&str, Option<i64>)] = &[
            ("Sun, 06 Nov 1994 08:49:37 GMT", Some(784_111_777)),
            ("Sunday, 06-Nov-94 08:49:37 GMT", Some(784_111_777)),
            ("Sun Nov  6 08:49:37 1994", Some(784_111_777)),
            ("Wed, 09-Jun-2021 10:18:14 GMT", Some(1_623_233_894)),
            ("Thu, 01 Jan 1970 00:00:00 GMT", Some(0)),
            ("garbage", None),
            ("", None),
        ];
        for (s, want) in cases {
            assert_eq!(http_date(s.as_bytes()), *want, "{s}");
        }
    }

    #[test]
    fn store_replace_and_send() {
        let mut jar = CookieJar::default();
        jar_after(
            &mut jar,
            "Set-Cookie: sid=abc; Path=/; HttpOnly\r\nSet-Cookie: lang=fr\r\n",
            0,
        );
        // An empty jar takes the response's list as is: newest first.
        assert_eq!(
            header(&jar, "shop.example.com", "/x", 0),
            "Cookie: lang=fr; sid=abc\r\n"
        );
        jar_after(&mut jar, "Set-Cookie: sid=def; path=/\r\n", 0);
        assert_eq!(
            header(&jar, "shop.example.com", "/x", 0),
            "Cookie: lang=fr; sid=def\r\n"
        );
        // A new cookie goes first.
        jar_after(&mut jar, "Set-Cookie: cart=1\r\n", 0);
        assert_eq!(
            header(&jar, "shop.example.com", "/", 0),
            "Cookie: cart=1; lang=fr; sid=def\r\n"
        );
        // Same name, other path: a separate cookie (RFC 6265).
        jar_after(&mut jar, "Set-Cookie: sid=admin; Path=/admin\r\n", 0);
        assert_eq!(jar.cookies().len(), 4);
        assert_eq!(
            header(&jar, "shop.example.com", "/admin/x", 0),
            "Cookie: sid=admin; cart=1; lang=fr; sid=def\r\n"
        );
        assert_eq!(
            header(&jar, "shop.example.com", "/", 0),
            "Cookie: cart=1; lang=fr; sid=def\r\n"
        );
    }

    #[test]
    fn domain_is_a_substring_test_and_port_is_ignored() {
        let mut jar = CookieJar::default();
        jar_after(
            &mut jar,
            "Set-Cookie: a=1\r\nSet-Cookie: b=2; Domain=example.com\r\n",
            0,
        );
        assert_eq!(
            header(&jar, "shop.example.com:8080", "/", 0),
            "Cookie: b=2; a=1\r\n"
        );
        assert_eq!(header(&jar, "www.example.com", "/", 0), "Cookie: b=2\r\n");
        assert_eq!(header(&jar, "other.org", "/", 0), "");
        // A proxied absolute URL: only the path is checked, anywhere in the URL.
        assert_eq!(
            header(&jar, "other.org", "http://other.org/", 0),
            "Cookie: b=2; a=1\r\n"
        );
    }

    #[test]
    fn deletion_and_expiry() {
        let mut jar = CookieJar::default();
        jar_after(
            &mut jar,
            "Set-Cookie: a=1\r\nSet-Cookie: b=2; Max-Age=10\r\n",
            0,
        );
        assert_eq!(
            header(&jar, "shop.example.com", "/", 0),
            "Cookie: b=2; a=1\r\n"
        );
        // Max-Age expiry is enforced.
        assert_eq!(
            header(&jar, "shop.example.com", "/", 11_000_000_000),
            "Cookie: a=1\r\n"
        );
        jar_after(
            &mut jar,
            "Set-Cookie: a=deleted; Expires=Thu, 01 Jan 1970 00:00:00 GMT\r\n",
            0,
        );
        assert_eq!(header(&jar, "shop.example.com", "/", 0), "Cookie: b=2\r\n");
        jar_after(&mut jar, "Set-Cookie: b=; Max-Age=0\r\n", 0);
        assert!(jar.is_empty());
        // An Expires date in the future keeps the cookie.
        jar_after(
            &mut jar,
            "Set-Cookie: c=3; expires=Wed, 09-Jun-2100 10:18:14 GMT\r\n",
            0,
        );
        assert_eq!(header(&jar, "shop.example.com", "/", 0), "Cookie: c=3\r\n");
    }

    #[test]
    fn request_cookies_follow_the_jar() {
        let mut jar = CookieJar::default();
        jar_after(&mut jar, "Set-Cookie: a=1\r\n", 0);
        let mut out = Vec::new();
        let extra = [(&b"k"[..], &b"v"[..], &b"."[..], &b"/"[..])];
        jar.write_header(
            &mut out,
            b"shop.example.com",
            b"/",
            Nanos(0),
            extra.into_iter(),
        );
        assert_eq!(out, b"Cookie: a=1; k=v\r\n");
    }

    proptest::proptest! {
        #[test]
        fn set_cookie_parsing_never_panics(v in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..80)) {
            let _ = parse_set_cookie(&v, "h", Nanos(0), &mut || 0);
            let _ = http_date(&v);
        }
    }
}
