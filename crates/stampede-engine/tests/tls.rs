//! TLS: `type="ssl"` servers and `https://` URLs, with and without `tls_insecure`, against a
//! TLS server with a self-signed certificate made in the test.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use stampede_engine::{RunConfig, RunEnd};
use stampede_model::ErrorClass;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A keep-alive TLS server answering `200 secret` to every request, on its own thread.
/// Returns its address and the number of requests it answered.
fn tls_server() -> (SocketAddr, Arc<AtomicU64>) {
    let key = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert = key.cert.der().clone();
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.signing_key.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert], private)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let answered = Arc::new(AtomicU64::new(0));
    let count = answered.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, count) = (acceptor.clone(), count.clone());
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    loop {
                        let mut head = Vec::new();
                        let mut byte = [0u8; 1];
                        while !head.ends_with(b"\r\n\r\n") {
                            match tls.read(&mut byte).await {
                                Ok(1) => head.push(byte[0]),
                                _ => return,
                            }
                        }
                        count.fetch_add(1, Ordering::SeqCst);
                        let reply = b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret";
                        if tls.write_all(reply).await.is_err() || tls.flush().await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
    });
    (rx.recv().unwrap(), answered)
}

fn xml(server: &str, url: &str) -> String {
    format!(
        r#"<?xml version="1.0"?>
<tsung loglevel="notice">
  <clients><client host="localhost" use_controller_vm="true"/></clients>
  <servers>{server}</servers>
  <load>
    <arrivalphase phase="1" duration="100" unit="millisecond">
      <users arrivalrate="1000" unit="second" maxnumber="3"/>
    </arrivalphase>
  </load>
  <options><option name="max_retries" value="1"/></options>
  <sessions>
    <session name="s" probability="100" type="ts_http">
      <for from="1" to="4" incr="1" var="i">
        <request><match do="continue" when="match">secret</match><http url="{url}"/></request>
      </for>
    </session>
  </sessions>
</tsung>"#
    )
}

fn run_tls(xml: &str, insecure: bool) -> stampede_engine::RunSummary {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario(xml, 0, dir.path());
    let config = RunConfig {
        tls_insecure: insecure,
        ..config(dir.path())
    };
    run(sc, config).0
}

#[test]
fn ssl_server_with_a_self_signed_certificate() {
    let (addr, answered) = tls_server();
    let server = format!(
        r#"<server host="localhost" port="{}" type="ssl"/>"#,
        addr.port()
    );
    let summary = run_tls(&xml(&server, "/"), true);
    assert_eq!(summary.end, RunEnd::Completed);
    assert_eq!(summary.totals.status.get(200), 12);
    assert_eq!(summary.totals.counter(stampede_model::Counter::Match), 12);
    assert_eq!(answered.load(Ordering::SeqCst), 12);
    // One connection (one TLS handshake) per user.
    assert_eq!(summary.totals.connect.count, 3);

    // Without --insecure the certificate is refused: nothing is sent.
    let refused = run_tls(&xml(&server, "/"), false);
    assert_eq!(refused.totals.request.count, 0);
    assert_eq!(refused.totals.error(ErrorClass::ConnectTls), 6);
    assert_eq!(refused.totals.error(ErrorClass::AbortMaxConnRetries), 3);
    assert_eq!(answered.load(Ordering::SeqCst), 12);
}

#[test]
fn an_https_url_switches_to_tls() {
    let (addr, answered) = tls_server();
    // The server is plain HTTP; the absolute https URL takes the users to the TLS server.
    let server = r#"<server host="127.0.0.1" port="9" type="tcp"/>"#;
    let url = format!("https://localhost:{}/secret", addr.port());
    let summary = run_tls(&xml(server, &url), true);
    assert_eq!(summary.end, RunEnd::Completed);
    assert_eq!(summary.totals.status.get(200), 12);
    assert_eq!(answered.load(Ordering::SeqCst), 12);
}
