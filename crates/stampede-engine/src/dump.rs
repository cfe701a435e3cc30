//! `dumptraffic="protocol"` (and `protocol_local`): one line per HTTP response in Tsung's
//! `tsung.dump` format. Each worker appends its lines to a buffer of its own and hands the
//! buffer over at every flush; with the dump off the buffer does not exist.

use stampede_model::{ErrorClass, Method};
use std::fmt::Write;

/// The traffic dump's file name in the run directory.
pub const TRAFFIC_DUMP: &str = "tsung.dump";

/// The first line of `tsung.dump` (Tsung's header for the protocol dump).
pub const TRAFFIC_DUMP_HEADER: &str =
    "#date;pid;id;http method;host;URL;HTTP status;size;duration;transaction;match;error;tag";

/// What one line says about one response.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DumpRecord<'a> {
    /// When the response was complete, in microseconds since the Unix epoch.
    pub(crate) unix_micros: u64,
    pub(crate) user_id: u64,
    pub(crate) method: Method,
    /// The server's host name, as written in the scenario.
    pub(crate) host: &'a str,
    /// The rendered request; its request target is the `URL` column.
    pub(crate) request: &'a [u8],
    pub(crate) status: Option<u16>,
    /// Bytes received for the response (status line, headers and body).
    pub(crate) size: u64,
    /// Time from sending the request to the end of the response.
    pub(crate) duration_ns: u64,
    /// The innermost open transaction's name, without the `tr_` prefix.
    pub(crate) transaction: Option<&'a str>,
    /// A framing anomaly the response was still used with.
    pub(crate) anomaly: Option<ErrorClass>,
    pub(crate) tag: Option<&'a str>,
}

/// Appends the line of `r`, newline included.
///
/// Columns: the date (epoch seconds, printed as Erlang prints a float), a process id standing
/// for the user (`<0.USERID.0>`), the user id, the method in lower case, the host, the
/// request target, the status code (`error_no_http_status` without one), the size in bytes,
/// the duration in ms with three decimals, the innermost transaction (`-` when none), the
/// match column (always empty, as in Tsung), the error (a framing anomaly, else empty) and
/// the request's tag.
pub(crate) fn write_line(out: &mut String, r: &DumpRecord<'_>) {
    write_epoch(out, r.unix_micros);
    let _ = write!(out, ";<0.{}.0>;{};", r.user_id, r.user_id);
    out.extend(r.method.as_str().chars().map(|c| c.to_ascii_lowercase()));
    out.push(';');
    out.push_str(r.host);
    out.push(';');
    out.push_str(&String::from_utf8_lossy(request_target(r.request)));
    out.push(';');
    match r.status {
        Some(code) => {
            let _ = write!(out, "{code}");
        }
        None => out.push_str("error_no_http_status"),
    }
    let _ = write!(
        out,
        ";{};{:.3};",
        r.size,
        r.duration_ns as f64 / 1_000_000.0
    );
    match r.transaction {
        Some(name) => {
            out.push_str("tr_");
            out.push_str(name);
        }
        None => out.push('-'),
    }
    // The match column: Tsung leaves it empty.
    out.push_str(";;");
    if let Some(e) = r.anomaly.filter(|e| is_framing_anomaly(*e)) {
        out.push_str(e.tsung_name());
    }
    out.push(';');
    out.push_str(r.tag.unwrap_or(""));
    out.push('\n');
}

/// The errors Tsung writes in the error column: those met on a response it still used.
fn is_framing_anomaly(e: ErrorClass) -> bool {
    matches!(
        e,
        ErrorClass::HttpBadContentLength | ErrorClass::HttpUnexpectedChunkData
    )
}

/// The request target of a rendered request: the second word of its first line.
fn request_target(request: &[u8]) -> &[u8] {
    let line_end = request
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(request.len());
    let line = &request[..line_end];
    line.split(|&b| b == b' ').nth(1).unwrap_or_default()
}

/// Appends a Unix time the way Erlang's `~w` prints the float `Seconds + Micro / 1e6`: the
/// shortest digits that read back as the same float, in plain notation (`1764146115.87345`)
/// unless the exponent form is shorter (`1.7641461e9` for a whole second ending in zeros).
pub(crate) fn write_epoch(out: &mut String, unix_micros: u64) {
    let value = (unix_micros / 1_000_000) as f64 + (unix_micros % 1_000_000) as f64 / 1_000_000.0;
    write_erlang_float(out, value);
}

/// Appends a non-negative float as Erlang's `~w` does (shortest round-trip digits; plain
/// notation unless the exponent form is strictly shorter). Allocates nothing.
fn write_erlang_float(out: &mut String, value: f64) {
    let mut sci = StackStr::default();
    if value == 0.0 || !value.is_finite() || value < 0.0 || write!(sci, "{value:e}").is_err() {
        let _ = write!(out, "{value:?}");
        return;
    }
    // `{:e}` gives the shortest round-trip digits: `d.ddde±x` or `de±x`.
    let (mantissa, exp_text) = sci.as_str().split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i64 = exp_text.parse().unwrap_or(0);
    let (first, rest) = mantissa.split_at(1);
    let rest = rest.strip_prefix('.').unwrap_or(rest);
    let len = 1 + rest.len() as i64;
    // Digits before the decimal point in plain notation.
    let place = exp + 1;
    // `d.ddde±x`, with `d.0` for a single digit.
    let exp_len = if rest.is_empty() { 3 } else { len + 1 } + 1 + exp_text.len() as i64;
    let exp_form = |out: &mut String| {
        out.push_str(first);
        out.push('.');
        out.push_str(if rest.is_empty() { "0" } else { rest });
        out.push('e');
        out.push_str(exp_text);
    };
    if place <= 0 {
        // 0.000ddd
        if 2 - place + len <= exp_len {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-place) as usize));
            out.push_str(first);
            out.push_str(rest);
        } else {
            exp_form(out);
        }
    } else if place >= len {
        // ddd000.0
        if place + 2 <= exp_len {
            out.push_str(first);
            out.push_str(rest);
            out.extend(std::iter::repeat_n('0', (place - len) as usize));
            out.push_str(".0");
        } else {
            exp_form(out);
        }
    } else {
        // ddd.ddd
        let (int, frac) = rest.split_at((place - 1) as usize);
        out.push_str(first);
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    }
}

/// A short string on the stack (a formatted float).
#[derive(Default)]
struct StackStr {
    buf: [u8; 32],
    len: usize,
}

impl StackStr {
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default()
    }
}

impl Write for StackStr {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let slot = self.buf.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn erl(value: f64) -> String {
        let mut s = String::new();
        write_erlang_float(&mut s, value);
        s
    }

    #[test]
    fn floats_print_as_erlang_prints_them() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1.0"),
            (0.5, "0.5"),
            (100.0, "100.0"),
            (1000.0, "1.0e3"),
            (1234.5, "1234.5"),
            (123_456.0, "123456.0"),
            (1_764_146_100.0, "1.7641461e9"),
            (1_764_146_115.0, "1764146115.0"),
            (1_764_146_115.5, "1764146115.5"),
            (0.001, "0.001"),
        ];
        for (value, want) in cases {
            assert_eq!(erl(*value), *want, "{value}");
        }
    }

    #[test]
    fn epochs_keep_microseconds() {
        let mut s = String::new();
        write_epoch(&mut s, 1_464_874_561_873_457);
        assert_eq!(s, "1464874561.873457");
        s.clear();
        write_epoch(&mut s, 1_464_874_561_000_010);
        assert_eq!(s, "1464874561.00001");
    }

    fn record() -> DumpRecord<'static> {
        DumpRecord {
            unix_micros: 1_464_874_561_873_457,
            user_id: 12,
            method: Method::Get,
            host: "example.test",
            request: b"GET /a/b?c=d HTTP/1.1\r\nHost: example.test\r\n\r\n",
            status: Some(200),
            size: 1534,
            duration_ns: 12_345_678,
            transaction: None,
            anomaly: None,
            tag: None,
        }
    }

    fn line(r: &DumpRecord<'_>) -> String {
        let mut s = String::new();
        write_line(&mut s, r);
        s
    }

    #[test]
    fn lines_have_tsungs_columns() {
        let cases: Vec<(DumpRecord<'static>, &str)> = vec![
            (
                record(),
                "1464874561.873457;<0.12.0>;12;get;example.test;/a/b?c=d;200;1534;12.346;-;;;\n",
            ),
            (
                DumpRecord {
                    method: Method::Post,
                    status: Some(404),
                    transaction: Some("login"),
                    tag: Some("slow"),
                    request: b"POST http://proxy.test/x HTTP/1.0\r\n\r\n",
                    ..record()
                },
                "1464874561.873457;<0.12.0>;12;post;example.test;http://proxy.test/x;404;1534;12.346;tr_login;;;slow\n",
            ),
            (
                DumpRecord {
                    status: None,
                    anomaly: Some(ErrorClass::HttpBadContentLength),
                    duration_ns: 500,
                    ..record()
                },
                "1464874561.873457;<0.12.0>;12;get;example.test;/a/b?c=d;error_no_http_status;1534;0.001;-;;error_http_bad_content_length;\n",
            ),
            (
                // Only framing anomalies go to the error column.
                DumpRecord {
                    anomaly: Some(ErrorClass::ConnectRefused),
                    request: b"",
                    ..record()
                },
                "1464874561.873457;<0.12.0>;12;get;example.test;;200;1534;12.346;-;;;\n",
            ),
        ];
        for (r, want) in cases {
            assert_eq!(line(&r), want);
        }
    }

    #[test]
    fn header_has_thirteen_columns() {
        assert_eq!(TRAFFIC_DUMP_HEADER.split(';').count(), 13);
        let l = line(&record());
        assert_eq!(l.trim_end().split(';').count(), 13);
    }
}
