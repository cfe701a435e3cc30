//! Errors of starting the dashboard (once it runs, requests fail per request, never the run).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

/// Why the dashboard could not start.
#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    /// The `--dashboard` value is not an address.
    #[error("invalid dashboard address `{input}`: {reason}")]
    InvalidAddress {
        /// The value given.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Listening failed for another reason than the port being taken.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// Every port tried was taken.
    #[error("no free port for the dashboard on {ip}: ports {first} to {last} are in use")]
    NoFreePort {
        /// The address.
        ip: IpAddr,
        /// First port tried.
        first: u16,
        /// Last port tried.
        last: u16,
    },
    /// The run directory cannot be used.
    #[error("run directory {path}: {source}")]
    RunDir {
        /// The directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The dashboard's thread or runtime could not be created.
    #[error("cannot start the dashboard's thread: {0}")]
    Thread(std::io::Error),
}
