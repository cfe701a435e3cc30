//! The tokio connection layer: connecting (TCP or TLS), sending a rendered request, reading
//! the response through the codec, with Tsung's timings and error classes.

mod client;
mod connect;
mod errors;
mod idle;
mod rate;
mod stream;

pub use client::{Exchange, HttpClient};
pub use connect::{ConnectTiming, Connection, Connector, TransportOptions};
