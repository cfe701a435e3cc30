//! Stampede's HTTP/1.1 client, the hot path of the product.
//!
//! * [`codec`]: the pure response parser (content-length, chunked, close-delimited, 1xx,
//!   HEAD/204/304, gzip/deflate) and request-head writers. No I/O.
//! * [`HttpClient`]: one user's connection and response buffer; [`HttpClient::exchange`] sends
//!   a request rendered by the session interpreter and reads the response, with Tsung's
//!   reconnect semantics, timings and error classes.
//! * [`Connector`]: opens TCP/TLS connections with the run's socket options.
//! * [`Resolver`] / [`Endpoint`]: where to connect, resolved once per name.
//! * [`TlsClient`]: the rustls configuration built once from the `ssl_*` options.
//!
//! On plain TCP the steady state allocates nothing per request: the response buffer, header
//! table and inflate state are reused, the request bytes are borrowed, and the idle-timeout
//! timer is kept by the client and re-armed only when it goes off. A head identical to the
//! last one parsed on the thread is not parsed again, and common heads skip `httparse`. A
//! response usually costs one `write` and one `read` system call.
//!
//! ```no_run
//! # async fn run() -> Result<(), stampede_model::ErrorClass> {
//! use stampede_http::{Connector, HttpClient, Resolver, ResponseExpect, TransportOptions};
//! use stampede_model::{Method, Scheme};
//! use tokio::time::Instant;
//!
//! // Once per worker.
//! let connector = Connector::new(TransportOptions::default(), None);
//! let mut resolver = Resolver::default();
//! let endpoint = resolver.resolve_parts(Scheme::Http, "localhost", 8080).await?;
//!
//! // Once per user, then for each request rendered by the session interpreter:
//! let mut client = HttpClient::default();
//! let request = b"GET / HTTP/1.1\r\nHost: localhost:8080\r\n\r\n";
//! let expect = ResponseExpect::for_method(Method::Get).with_body(true);
//! let exchange = client.exchange(&connector, &endpoint, request, expect, Instant::now()).await;
//! exchange.outcome?;
//! if let Some(response) = client.response() {
//!     let _whole = response.bytes(); // head + decoded body, for <match> and regexps
//!     let _status = response.status();
//! }
//! // During a long think time:
//! client.release_buffers();
//! # Ok(())
//! # }
//! ```

pub mod codec;
mod dns;
mod net;
mod tls;

pub use codec::{ParseLimits, Response, ResponseExpect, ResponseParser};
pub use dns::{AddrFamily, Endpoint, Resolved, Resolver};
pub use net::{ConnectTiming, Connection, Connector, Exchange, HttpClient, TransportOptions};
pub use tls::{TlsClient, TlsConfigError, TlsOptions};
