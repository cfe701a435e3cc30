//! Socket and TLS failures mapped to Tsung's error classes.

use std::io;

use stampede_model::ErrorClass;

/// Whether the error wraps a TLS protocol or certificate failure.
fn is_tls(e: &io::Error) -> bool {
    e.get_ref()
        .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
}

fn is_emfile(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
}

/// A failure while creating, binding or connecting a socket, or during the TLS handshake.
pub(crate) fn connect_error(e: &io::Error) -> ErrorClass {
    use io::ErrorKind::*;
    if is_tls(e) {
        return ErrorClass::ConnectTls;
    }
    if is_emfile(e) {
        return ErrorClass::ConnectEmfile;
    }
    match e.kind() {
        ConnectionRefused => ErrorClass::ConnectRefused,
        TimedOut => ErrorClass::ConnectEtimedout,
        ConnectionReset => ErrorClass::ConnectReset,
        HostUnreachable => ErrorClass::ConnectHostUnreachable,
        NetworkUnreachable => ErrorClass::ConnectNetUnreachable,
        AddrNotAvailable => ErrorClass::ConnectAddrNotAvail,
        AddrInUse => ErrorClass::ConnectAddrInUse,
        UnexpectedEof | BrokenPipe | ConnectionAborted | NotConnected => ErrorClass::ConnectClosed,
        _ => ErrorClass::ConnectOther,
    }
}

/// The peer is gone: what a send on a connection closed by the server reports.
pub(crate) fn is_closed(e: &io::Error) -> bool {
    use io::ErrorKind::*;
    matches!(
        e.kind(),
        BrokenPipe | ConnectionReset | ConnectionAborted | NotConnected | WriteZero | UnexpectedEof
    )
}

/// A failure while writing the request.
pub(crate) fn send_error(e: &io::Error) -> ErrorClass {
    if is_closed(e) {
        ErrorClass::SendClosed
    } else {
        ErrorClass::Send
    }
}

/// A TLS stream that ended without `close_notify`: for HTTP this is an ordinary close.
pub(crate) fn is_eof(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::UnexpectedEof
}

/// A failure while waiting for the response.
pub(crate) fn read_error(e: &io::Error) -> ErrorClass {
    match e.kind() {
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => ErrorClass::InetReset,
        io::ErrorKind::UnexpectedEof => ErrorClass::Closed,
        _ => ErrorClass::InetOther,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_table() {
        use io::ErrorKind::*;
        let table = [
            (ConnectionRefused, ErrorClass::ConnectRefused),
            (TimedOut, ErrorClass::ConnectEtimedout),
            (ConnectionReset, ErrorClass::ConnectReset),
            (HostUnreachable, ErrorClass::ConnectHostUnreachable),
            (NetworkUnreachable, ErrorClass::ConnectNetUnreachable),
            (AddrNotAvailable, ErrorClass::ConnectAddrNotAvail),
            (AddrInUse, ErrorClass::ConnectAddrInUse),
            (UnexpectedEof, ErrorClass::ConnectClosed),
            (PermissionDenied, ErrorClass::ConnectOther),
        ];
        for (kind, class) in table {
            assert_eq!(connect_error(&io::Error::from(kind)), class, "{kind:?}");
        }
        assert_eq!(
            connect_error(&io::Error::from_raw_os_error(libc::EMFILE)),
            ErrorClass::ConnectEmfile
        );
        assert_eq!(
            connect_error(&io::Error::from_raw_os_error(libc::ENFILE)),
            ErrorClass::ConnectEmfile
        );
        assert_eq!(
            connect_error(&io::Error::from_raw_os_error(libc::ECONNREFUSED)),
            ErrorClass::ConnectRefused
        );
        let tls = io::Error::new(InvalidData, rustls::Error::DecryptError);
        assert_eq!(connect_error(&tls), ErrorClass::ConnectTls);
    }

    #[test]
    fn send_and_read_tables() {
        use io::ErrorKind::*;
        for kind in [
            BrokenPipe,
            ConnectionReset,
            ConnectionAborted,
            NotConnected,
            WriteZero,
        ] {
            assert_eq!(
                send_error(&io::Error::from(kind)),
                ErrorClass::SendClosed,
                "{kind:?}"
            );
        }
        assert_eq!(
            send_error(&io::Error::from(PermissionDenied)),
            ErrorClass::Send
        );
        assert_eq!(
            read_error(&io::Error::from(ConnectionReset)),
            ErrorClass::InetReset
        );
        assert_eq!(
            read_error(&io::Error::from(InvalidData)),
            ErrorClass::InetOther
        );
        assert!(is_eof(&io::Error::from(UnexpectedEof)));
    }
}
