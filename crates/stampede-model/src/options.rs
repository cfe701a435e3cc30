//! `<options>`: global settings, with Tsung's code defaults.

use crate::{FileId, Thinktime};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Every global option an HTTP scenario can use. `Default` gives Tsung's code defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// `<option name="thinktime">`: already applied to every `<thinktime>` of the sessions
    /// during loading (empty thinktimes, inherited `random`, `override`); kept to explain it.
    pub thinktime: Option<ThinktimeDefault>,
    pub ssl: SslOptions,
    /// `connect_timeout` (ms); `None` = infinity, Tsung's effective default.
    pub connect_timeout: Option<Duration>,
    /// `max_retries` (3): retries on connect or send failure.
    pub max_retries: u32,
    /// `retry_timeout` (10 ms): backoff is `retry_number × retry_timeout`.
    pub retry_timeout: Duration,
    /// `idle_timeout` (600 000 ms): longest wait for a response; then `error_timeout`.
    pub idle_timeout: Duration,
    /// `global_ack_timeout` (the controller's effective 3 600 000 ms). Also read from the
    /// common misspelling `glocal_ack_timeout` (with a warning).
    pub global_ack_timeout: Duration,
    /// `global_number` (100): users the `wait_global` barrier waits for.
    pub global_number: u32,
    /// `hibernate` (10 s): thinktimes at least this long release per-user buffers.
    /// `None` = `infinity`.
    pub hibernate: Option<Duration>,
    /// `rate_limit`: token bucket on incoming bytes per user.
    pub rate_limit: Option<RateLimit>,
    /// `ports_range`: source ports chosen by Stampede per source IP.
    pub ports_range: Option<PortRange>,
    pub socket: SocketOptions,
    /// `seed`: makes runs reproducible (the CLI's `--seed` wins over it).
    pub seed: Option<u64>,
    /// `file_server` / `local_file_server`, indexed by [`FileId`].
    pub file_servers: Vec<FileServer>,
    /// `type="ts_http" name="user_agent"`: probabilities sum to 100. Empty: `Tsung`'s default
    /// agent string is replaced by Stampede's (see docs/compatibility.md).
    pub user_agents: Vec<UserAgent>,
    /// `type="ts_http" name="http_use_server_as_proxy"`: absolute-URI requests to the server.
    pub http_use_server_as_proxy: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            thinktime: None,
            ssl: SslOptions::default(),
            connect_timeout: None,
            max_retries: 3,
            retry_timeout: Duration::from_millis(10),
            idle_timeout: Duration::from_millis(600_000),
            global_ack_timeout: Duration::from_millis(3_600_000),
            global_number: 100,
            hibernate: Some(Duration::from_secs(10)),
            rate_limit: None,
            ports_range: None,
            socket: SocketOptions::default(),
            seed: None,
            file_servers: Vec::new(),
            user_agents: Vec::new(),
            http_use_server_as_proxy: false,
        }
    }
}

/// `<option name="thinktime" value|min+max random override>`.
#[derive(Clone, Debug, PartialEq)]
pub struct ThinktimeDefault {
    /// The thinktime an empty `<thinktime/>` gets (and every one, with `override`).
    pub thinktime: Thinktime,
    /// `random` as written, inherited by `<thinktime value=…>` without a `random` attribute.
    pub random: bool,
    /// `override="true"`: replaces every thinktime of every session.
    pub override_all: bool,
}

/// TLS settings (`ssl_*` options).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SslOptions {
    /// `ssl_ciphers` (OpenSSL cipher-list syntax), `None` = negotiate.
    pub ciphers: Option<String>,
    /// `ssl_versions` (e.g. `'tlsv1.2'`), `None` = negotiate.
    pub versions: Option<String>,
    /// `ssl_reuse_sessions` (true).
    pub reuse_sessions: bool,
    /// `ssl_disable_sni` (false): no SNI and no host-name verification.
    pub disable_sni: bool,
}

impl Default for SslOptions {
    fn default() -> Self {
        Self {
            ciphers: None,
            versions: None,
            reuse_sessions: true,
            disable_sni: false,
        }
    }
}

/// `rate_limit`: KB/s of incoming bytes per user, with a burst.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    pub kbytes_per_second: f64,
    pub burst_kbytes: f64,
}

/// `ports_range`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortRange {
    pub min: u16,
    pub max: u16,
}

/// Socket-level options.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SocketOptions {
    pub tcp_snd_buffer: Option<u32>,
    pub tcp_rcv_buffer: Option<u32>,
    pub udp_snd_buffer: Option<u32>,
    pub udp_rcv_buffer: Option<u32>,
    pub tcp_reuseaddr: bool,
    pub tcp_reuseport: bool,
    pub ip_transparent: bool,
    pub ip_bind_address_no_port: bool,
}

/// A `file_server`: a file loaded once at scenario load, one record per line.
#[derive(Clone, Debug, PartialEq)]
pub struct FileServer {
    pub id: FileId,
    /// `id` attribute (`default` when absent).
    pub name: String,
    /// The path as resolved (relative paths are taken from the scenario's directory).
    pub path: PathBuf,
    /// `local_file_server`: random reads only.
    pub local: bool,
    /// The lines, split on `\n` only (a `\r` stays), trailing empty lines dropped, as Tsung.
    pub lines: Arc<[Box<[u8]>]>,
}

/// One `<user_agent probability="P">string</user_agent>`.
#[derive(Clone, Debug, PartialEq)]
pub struct UserAgent {
    pub value: String,
    pub probability: f64,
}
