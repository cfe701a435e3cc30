//! The HTTP server: binding (with the next free port when the asked one is taken), routes,
//! and a bounded graceful shutdown.

mod files;
mod guard;
mod routes;
mod sse;

pub(crate) use guard::HostGuard;

use crate::error::DashboardError;
use crate::hub::Hub;
use std::future::IntoFuture as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// How long open downloads may go on after a shutdown is asked for.
const DRAIN: Duration = Duration::from_secs(2);

/// Listens on `requested`, or on the next free port above it (at most `attempts` ports in
/// all). Port 0 takes any free port.
pub(crate) async fn bind(
    requested: SocketAddr,
    attempts: u16,
) -> Result<TcpListener, DashboardError> {
    let first = requested.port();
    if first == 0 {
        return TcpListener::bind(requested)
            .await
            .map_err(|source| DashboardError::Bind {
                addr: requested,
                source,
            });
    }
    let mut last = first;
    for offset in 0..attempts.max(1) {
        let Some(port) = first.checked_add(offset) else {
            break;
        };
        last = port;
        let addr = SocketAddr::new(requested.ip(), port);
        match TcpListener::bind(addr).await {
            Ok(listener) => return Ok(listener),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => continue,
            Err(source) => return Err(DashboardError::Bind { addr, source }),
        }
    }
    Err(DashboardError::NoFreePort {
        ip: requested.ip(),
        first,
        last,
    })
}

/// Serves until the hub's shutdown signal, then lets open requests finish for at most
/// [`DRAIN`]. Event streams end at the signal.
pub(crate) async fn serve(listener: TcpListener, hub: Arc<Hub>, guard: HostGuard) {
    let app = routes::router(Arc::clone(&hub), guard);
    let mut signal = hub.shutdown.subscribe();
    let mut deadline = hub.shutdown.subscribe();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        let _ = signal.wait_for(|s| *s).await;
    });
    tokio::select! {
        _ = server.into_future() => {}
        _ = async {
            let _ = deadline.wait_for(|s| *s).await;
            tokio::time::sleep(DRAIN).await;
        } => {}
    }
}
