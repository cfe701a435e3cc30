//! Opening connections: socket options, source address and port, connect timeout, TLS
//! handshake.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use stampede_model::{ErrorClass, Options, PortRange, Scheme};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::Instant;

use super::errors::connect_error;
use super::stream::Stream;
use crate::dns::Endpoint;
use crate::tls::TlsClient;

/// Transport settings of a run (Tsung's global options).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransportOptions {
    /// `connect_timeout` for TCP connect plus TLS handshake; `None` = no limit (Tsung's
    /// default; the kernel gives up with `etimedout`).
    pub connect_timeout: Option<Duration>,
    /// `idle_timeout`: longest silence while sending the request or waiting for (more of)
    /// the response. Default 600 s.
    pub idle_timeout: Duration,
    /// `tcp_snd_buffer` (`SO_SNDBUF`); `None` = the kernel's autotuning.
    pub send_buffer: Option<u32>,
    /// `tcp_rcv_buffer` (`SO_RCVBUF`); `None` = the kernel's autotuning.
    pub recv_buffer: Option<u32>,
    /// `tcp_reuseaddr`
    pub reuse_addr: bool,
    /// `tcp_reuseport`
    pub reuse_port: bool,
    /// `ip_transparent` (Linux, needs `CAP_NET_ADMIN`).
    pub ip_transparent: bool,
    /// `ip_bind_address_no_port` (Linux): bind a source address without reserving a port.
    pub bind_address_no_port: bool,
    /// `ports_range`: source ports handed out in turn; on `eaddrinuse` the next one is tried
    /// once, as Tsung does.
    pub port_range: Option<PortRange>,
}

impl Default for TransportOptions {
    fn default() -> Self {
        Self {
            connect_timeout: None,
            idle_timeout: Duration::from_secs(600),
            send_buffer: None,
            recv_buffer: None,
            reuse_addr: false,
            reuse_port: false,
            ip_transparent: false,
            bind_address_no_port: false,
            port_range: None,
        }
    }
}

impl TransportOptions {
    /// From the scenario's `<options>`.
    pub fn from_model(options: &Options) -> Self {
        Self {
            connect_timeout: options.connect_timeout,
            idle_timeout: options.idle_timeout,
            send_buffer: options.socket.tcp_snd_buffer,
            recv_buffer: options.socket.tcp_rcv_buffer,
            reuse_addr: options.socket.tcp_reuseaddr,
            reuse_port: options.socket.tcp_reuseport,
            ip_transparent: options.socket.ip_transparent,
            bind_address_no_port: options.socket.ip_bind_address_no_port,
            port_range: options.ports_range,
        }
    }
}

/// When a connect attempt started and when the connection was ready (TLS handshake
/// included): Tsung's `connect` sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectTiming {
    pub started: Instant,
    pub ended: Instant,
}

impl ConnectTiming {
    /// The `connect` sample.
    pub fn duration(&self) -> Duration {
        self.ended.saturating_duration_since(self.started)
    }
}

/// Opens connections: one per worker (or shared), immutable after construction apart from
/// the source-port cursor.
#[derive(Debug)]
pub struct Connector {
    options: TransportOptions,
    tls: Option<TlsClient>,
    next_port: AtomicU32,
}

impl Connector {
    /// A connector; `tls` is needed for `https` endpoints (without it they fail with
    /// `ConnectTls`).
    pub fn new(options: TransportOptions, tls: Option<TlsClient>) -> Self {
        Self {
            options,
            tls,
            next_port: AtomicU32::new(0),
        }
    }

    /// The options in force.
    pub fn options(&self) -> &TransportOptions {
        &self.options
    }

    /// Opens a connection to `endpoint`, from `source` when given, within `timeout`
    /// (`None` = no limit). `first_connection` selects a full TLS handshake (a user's first
    /// connection) over session resumption.
    pub async fn connect(
        &self,
        endpoint: &Arc<Endpoint>,
        source: Option<IpAddr>,
        timeout: Option<Duration>,
        first_connection: bool,
    ) -> Result<(Connection, ConnectTiming), ErrorClass> {
        let started = Instant::now();
        let open = self.open(endpoint, source, first_connection);
        let stream = match timeout {
            Some(limit) => tokio::time::timeout(limit, open)
                .await
                .map_err(|_| ErrorClass::ConnectTimeout)??,
            None => open.await?,
        };
        let ended = Instant::now();
        Ok((
            Connection {
                stream,
                endpoint: endpoint.clone(),
                responses: 0,
            },
            ConnectTiming { started, ended },
        ))
    }

    async fn open(
        &self,
        endpoint: &Endpoint,
        source: Option<IpAddr>,
        first_connection: bool,
    ) -> Result<Stream, ErrorClass> {
        let tcp = self.tcp(endpoint.addr(), source).await?;
        match endpoint.scheme() {
            Scheme::Http => Ok(Stream::Plain(tcp)),
            Scheme::Https => {
                let tls = self.tls.as_ref().ok_or(ErrorClass::ConnectTls)?;
                let stream = tls
                    .connector(first_connection)
                    .connect(endpoint.server_name().clone(), tcp)
                    .await
                    .map_err(|e| connect_error(&e))?;
                Ok(Stream::Tls(Box::new(stream)))
            }
        }
    }

    async fn tcp(&self, addr: SocketAddr, source: Option<IpAddr>) -> Result<TcpStream, ErrorClass> {
        // With a port range, an `eaddrinuse` is retried once with the next port (Tsung).
        let attempts = if self.options.port_range.is_some() {
            2
        } else {
            1
        };
        let mut last = ErrorClass::ConnectOther;
        for _ in 0..attempts {
            let socket = self.socket(addr, source).map_err(|e| connect_error(&e))?;
            match socket.connect(addr).await {
                Ok(stream) => return Ok(stream),
                Err(e) => {
                    last = connect_error(&e);
                    if last != ErrorClass::ConnectAddrInUse {
                        break;
                    }
                }
            }
        }
        Err(last)
    }

    /// A configured, possibly bound, socket for `addr`.
    fn socket(&self, addr: SocketAddr, source: Option<IpAddr>) -> io::Result<TcpSocket> {
        let o = &self.options;
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        socket.set_nodelay(true)?;
        if let Some(size) = o.send_buffer {
            socket.set_send_buffer_size(size)?;
        }
        if let Some(size) = o.recv_buffer {
            socket.set_recv_buffer_size(size)?;
        }
        if o.reuse_addr {
            socket.set_reuseaddr(true)?;
        }
        if o.reuse_port {
            socket.set_reuseport(true)?;
        }
        // A source address of the other family cannot be used for this destination.
        let source = source.filter(|ip| ip.is_ipv4() == addr.is_ipv4());
        let port = o.port_range.map_or(0, |range| self.next_port(range));
        if source.is_some() || port != 0 {
            let ip = source.unwrap_or(if addr.is_ipv4() {
                IpAddr::V4(Ipv4Addr::UNSPECIFIED)
            } else {
                IpAddr::V6(Ipv6Addr::UNSPECIFIED)
            });
            set_linux_options(
                &socket,
                o.ip_transparent,
                o.bind_address_no_port && port == 0,
            )?;
            socket.bind(SocketAddr::new(ip, port))?;
        }
        Ok(socket)
    }

    fn next_port(&self, range: PortRange) -> u16 {
        let (min, max) = (range.min.min(range.max), range.min.max(range.max));
        let span = u32::from(max - min) + 1;
        let n = self.next_port.fetch_add(1, Ordering::Relaxed) % span;
        // n < span ≤ 65536, so min + n ≤ max.
        min + n as u16
    }
}

#[cfg(target_os = "linux")]
fn set_linux_options(socket: &TcpSocket, transparent: bool, no_port: bool) -> io::Result<()> {
    use nix::sys::socket::{setsockopt, sockopt};
    if transparent {
        setsockopt(socket, sockopt::IpTransparent, &true)?;
    }
    if no_port {
        setsockopt(socket, sockopt::IpBindAddressNoPort, &true)?;
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn set_linux_options(_socket: &TcpSocket, _transparent: bool, _no_port: bool) -> io::Result<()> {
    Ok(())
}

/// An open connection to one endpoint.
#[derive(Debug)]
pub struct Connection {
    pub(crate) stream: Stream,
    endpoint: Arc<Endpoint>,
    /// Responses completed on this connection; more than zero means it is a kept-alive one.
    responses: u32,
}

impl Connection {
    /// Where it goes.
    pub fn endpoint(&self) -> &Arc<Endpoint> {
        &self.endpoint
    }

    /// Whether it already carried a complete response (kept alive).
    pub fn is_reused(&self) -> bool {
        self.responses > 0
    }

    /// Whether it is a TLS connection.
    pub fn is_tls(&self) -> bool {
        self.stream.is_tls()
    }

    pub(crate) fn response_done(&mut self) {
        self.responses = self.responses.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_cycle_through_the_range() {
        let connector = Connector::new(
            TransportOptions {
                port_range: Some(PortRange {
                    min: 5000,
                    max: 5002,
                }),
                ..TransportOptions::default()
            },
            None,
        );
        let range = PortRange {
            min: 5000,
            max: 5002,
        };
        let ports: Vec<u16> = (0..5).map(|_| connector.next_port(range)).collect();
        assert_eq!(ports, [5000, 5001, 5002, 5000, 5001]);
        let full = PortRange {
            min: 0,
            max: u16::MAX,
        };
        connector.next_port.store(u32::MAX, Ordering::Relaxed);
        // u32::MAX % 65536 = 65535; then the counter wraps to 0.
        assert_eq!(connector.next_port(full), u16::MAX);
        assert_eq!(connector.next_port(full), 0);
    }

    #[test]
    fn model_options() {
        let mut model = Options {
            connect_timeout: Some(Duration::from_millis(250)),
            ..Options::default()
        };
        model.socket.tcp_rcv_buffer = Some(65536);
        let o = TransportOptions::from_model(&model);
        assert_eq!(o.connect_timeout, Some(Duration::from_millis(250)));
        assert_eq!(o.idle_timeout, Duration::from_millis(600_000));
        assert_eq!(o.recv_buffer, Some(65536));
        assert_eq!(o.port_range, None);
    }
}
