//! What a user asks the engine to do next.

use crate::host::Outcome;
use crate::target::TargetRef;
use crate::time::Nanos;
use stampede_model::{Method, RateLimit, RequestId};
use std::time::Duration;

/// The answer to every entry point of a [`crate::User`].
#[derive(Debug)]
pub enum Step<'a> {
    /// Send this request, then call `on_response` (or `on_error`).
    Send(SendRequest<'a>),
    /// Call `on_timer` at this time (a thinktime, a retry back-off, a match `sleep_loop`, the
    /// 1 ms pause before the first action). A deadline at or before `now` means "right away".
    Wait(Nanos),
    /// Wait at the `wait_global` barrier (`global_number` users, `global_ack_timeout`), then
    /// call `on_timer`.
    WaitGlobal,
    /// The session is over (already recorded through [`crate::Host::session_end`]). Close the
    /// user's connections.
    Finished(Outcome),
    /// The session is over and the whole test must stop (`<abort type="all"/>`,
    /// `<match do="abort_test">`).
    StopTest,
}

/// Identifies one of a user's connections. A request carries the id of the connection it must
/// use: when the engine holds no open connection under that id (or the target differs), it
/// opens one. Ids change when Tsung would close the connection (`<change_type>`, a client
/// certificate, a retry after the server closed it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionId(pub u32);

/// A client certificate set by `<set_option name="certificate">` (paths already substituted).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ClientCertificate {
    /// CA certificates to verify the server with.
    pub cacertfile: Option<String>,
    /// The private key.
    pub keyfile: Option<String>,
    /// The private key's password.
    pub keypass: Option<String>,
    /// The client certificate.
    pub certfile: Option<String>,
}

/// Connection settings of a user: the scenario's, changed by `<set_option>`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ConnectionOptions {
    /// `connect_timeout`; `None` = no limit.
    pub connect_timeout: Option<Duration>,
    /// `rate_limit` on incoming bytes.
    pub rate_limit: Option<RateLimit>,
    pub certificate: Option<ClientCertificate>,
}

/// A request to send.
#[derive(Debug)]
pub struct SendRequest<'a> {
    /// Which request of the scenario this is (for per-request statistics and dumps).
    pub request: RequestId,
    /// Its method (`HEAD` responses have no body).
    pub method: Method,
    /// The complete request: head and body.
    pub bytes: &'a [u8],
    /// Where to connect (for `http_use_server_as_proxy`, the proxy: the configured server).
    pub target: &'a TargetRef,
    /// The connection to send it on; see [`ConnectionId`].
    pub connection: ConnectionId,
    /// A connection put aside by `<change_type store="true">` that must stay open (every
    /// other connection of the user may be closed).
    pub stored_connection: Option<ConnectionId>,
    /// Keep the decoded response body: matches or dynamic variables need it. When false, the
    /// engine may discard the body as it arrives (the head is always needed: cookies).
    pub keep_body: bool,
    /// The request was sent as HTTP/1.0: the server closes the connection after answering.
    pub close_after: bool,
    /// Connection settings for this user.
    pub options: &'a ConnectionOptions,
}

impl SendRequest<'_> {
    /// A `HEAD` request: the response has no body whatever its headers say.
    pub fn expects_no_body(&self) -> bool {
        self.method.response_has_no_body()
    }
}
