//! Runs the target app on `127.0.0.1:PORT` (default 8080) until interrupted, e.g. to run
//! `examples/demo.xml` with Tsung itself for comparison:
//!
//! ```text
//! cargo run -p stampede-testkit --example target_app -- 8080
//! tsung -f examples/demo.xml start
//! curl http://127.0.0.1:8080/_control/counts
//! ```

use std::net::{Ipv4Addr, SocketAddr};

use stampede_testkit::{AppConfig, TargetApp};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> std::io::Result<()> {
    let port = match std::env::args().nth(1) {
        Some(arg) => arg.parse().map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("not a port: {arg}"),
            )
        })?,
        None => 8080,
    };
    let config = AppConfig {
        bind: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        ..AppConfig::default()
    };
    let app = TargetApp::start(config).await?;
    tokio::signal::ctrl_c().await?;
    app.shutdown().await;
    Ok(())
}
