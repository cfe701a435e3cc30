//! Error classes: every failure a user can meet while running, as a `Copy` value that maps to
//! Tsung's `error_*` counter name. The hot path counts these, it never builds strings.

/// A failure counted under Tsung's `error_*` counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorClass {
    // --- connecting ---------------------------------------------------------------------
    /// `error_connect_econnrefused`
    ConnectRefused,
    /// `error_connect_timeout`: the `connect_timeout` option expired.
    ConnectTimeout,
    /// `error_connect_etimedout`: the kernel gave up.
    ConnectEtimedout,
    /// `error_connect_econnreset`
    ConnectReset,
    /// `error_connect_ehostunreach`
    ConnectHostUnreachable,
    /// `error_connect_enetunreach`
    ConnectNetUnreachable,
    /// `error_connect_eaddrnotavail`: no free local address/port.
    ConnectAddrNotAvail,
    /// `error_connect_eaddrinuse`
    ConnectAddrInUse,
    /// `error_connect_emfile`: the process ran out of file descriptors.
    ConnectEmfile,
    /// `error_connect_nxdomain`: the host name does not resolve.
    ConnectNxdomain,
    /// `error_connect_closed`: the server closed during connect (TLS handshake included).
    ConnectClosed,
    /// `error_connect_tls`: the TLS handshake failed (certificate, protocol). Tsung reports
    /// the SSL reason; Stampede groups them.
    ConnectTls,
    /// `error_connect_other`: any other connect failure.
    ConnectOther,
    /// `error_abort_max_conn_retries`: the user gave up connecting; its session ends.
    AbortMaxConnRetries,

    // --- sending ------------------------------------------------------------------------
    /// `error_send_connection_closed`
    SendClosed,
    /// `error_send`: another send failure.
    Send,
    /// `error_abort_max_send_retries`
    AbortMaxSendRetries,

    // --- waiting for the response -------------------------------------------------------
    /// `error_timeout`: `idle_timeout` ran out waiting for a response; the session ends.
    Timeout,
    /// `error_inet_econnreset`: the connection was reset while waiting.
    InetReset,
    /// `error_inet_other`: another socket error while waiting.
    InetOther,
    /// `error_closed`: the server closed before the response was complete.
    Closed,
    /// `error_unknown_data`: data arrived while the user was not waiting for any.
    UnknownData,

    // --- HTTP framing -------------------------------------------------------------------
    /// `error_http_bad_content_length`
    HttpBadContentLength,
    /// `error_http_unexpected_chunkdata`
    HttpUnexpectedChunkData,
    /// `error_no_http_status`: the response does not start with a status line.
    HttpNoStatus,
    /// `error_http_bad_response`: any other malformed response (headers, chunk framing).
    HttpBadResponse,

    // --- dynamic variables and control flow ---------------------------------------------
    /// `error_xml_unparsable`: an xpath `dyn_variable` met a body it cannot parse.
    XmlUnparsable,
    /// `error_json_unparsable`
    JsonUnparsable,
    /// `error_if_undef`: an `<if>` tested an undefined variable.
    IfUndef,
    /// `error_repeat_undef`: a `<repeat>` tested an undefined variable. (Tsung puts the repeat's
    /// name inside the counter name; see docs/compatibility.md.)
    RepeatUndef,
    /// `error_foreach_undef`: a `<foreach>` over an undefined variable.
    ForeachUndef,
    /// `error_eval`: an Erlang snippet failed at run time (bad argument, step limit…).
    Eval,

    // --- the run --------------------------------------------------------------------------
    /// `error_abort`: the test was stopped (duration reached, Ctrl-C, `stampede stop`) while
    /// this user was still running.
    Abort,
    /// `error_unknown`: anything else. Should stay at zero.
    Unknown,
}

impl ErrorClass {
    /// Number of classes; [`ErrorClass::index`] is below it, for dense per-class arrays.
    pub const COUNT: usize = Self::ALL.len();

    /// A dense index in `0..COUNT`.
    #[inline]
    pub fn index(self) -> usize {
        self as usize
    }

    /// Tsung's counter name.
    pub fn tsung_name(self) -> &'static str {
        use ErrorClass::*;
        match self {
            ConnectRefused => "error_connect_econnrefused",
            ConnectTimeout => "error_connect_timeout",
            ConnectEtimedout => "error_connect_etimedout",
            ConnectReset => "error_connect_econnreset",
            ConnectHostUnreachable => "error_connect_ehostunreach",
            ConnectNetUnreachable => "error_connect_enetunreach",
            ConnectAddrNotAvail => "error_connect_eaddrnotavail",
            ConnectAddrInUse => "error_connect_eaddrinuse",
            ConnectEmfile => "error_connect_emfile",
            ConnectNxdomain => "error_connect_nxdomain",
            ConnectClosed => "error_connect_closed",
            ConnectTls => "error_connect_tls",
            ConnectOther => "error_connect_other",
            AbortMaxConnRetries => "error_abort_max_conn_retries",
            SendClosed => "error_send_connection_closed",
            Send => "error_send",
            AbortMaxSendRetries => "error_abort_max_send_retries",
            Timeout => "error_timeout",
            InetReset => "error_inet_econnreset",
            InetOther => "error_inet_other",
            Closed => "error_closed",
            UnknownData => "error_unknown_data",
            HttpBadContentLength => "error_http_bad_content_length",
            HttpUnexpectedChunkData => "error_http_unexpected_chunkdata",
            HttpNoStatus => "error_no_http_status",
            HttpBadResponse => "error_http_bad_response",
            XmlUnparsable => "error_xml_unparsable",
            JsonUnparsable => "error_json_unparsable",
            IfUndef => "error_if_undef",
            RepeatUndef => "error_repeat_undef",
            ForeachUndef => "error_foreach_undef",
            Eval => "error_eval",
            Abort => "error_abort",
            Unknown => "error_unknown",
        }
    }

    /// Whether a user meeting this error ends its session (Tsung's behaviour). Connect and
    /// send failures are retried first; only the `Abort*` classes end the session for them.
    pub fn ends_session(self) -> bool {
        use ErrorClass::*;
        matches!(
            self,
            AbortMaxConnRetries
                | AbortMaxSendRetries
                | Timeout
                | InetReset
                | InetOther
                | Closed
                | UnknownData
                | HttpBadContentLength
                | HttpUnexpectedChunkData
                | HttpNoStatus
                | HttpBadResponse
                | Abort
                | Unknown
        )
    }

    /// Every class, for tables and tests.
    pub const ALL: [ErrorClass; 34] = {
        use ErrorClass::*;
        [
            ConnectRefused,
            ConnectTimeout,
            ConnectEtimedout,
            ConnectReset,
            ConnectHostUnreachable,
            ConnectNetUnreachable,
            ConnectAddrNotAvail,
            ConnectAddrInUse,
            ConnectEmfile,
            ConnectNxdomain,
            ConnectClosed,
            ConnectTls,
            ConnectOther,
            AbortMaxConnRetries,
            SendClosed,
            Send,
            AbortMaxSendRetries,
            Timeout,
            InetReset,
            InetOther,
            Closed,
            UnknownData,
            HttpBadContentLength,
            HttpUnexpectedChunkData,
            HttpNoStatus,
            HttpBadResponse,
            XmlUnparsable,
            JsonUnparsable,
            IfUndef,
            RepeatUndef,
            ForeachUndef,
            Eval,
            Abort,
            Unknown,
        ]
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_prefixed() {
        let mut names: Vec<_> = ErrorClass::ALL.iter().map(|e| e.tsung_name()).collect();
        assert!(names.iter().all(|n| n.starts_with("error_")));
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ErrorClass::ALL.len());
        for (i, e) in ErrorClass::ALL.iter().enumerate() {
            assert_eq!(e.index(), i);
        }
    }
}
