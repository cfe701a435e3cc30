//! TLS against a rustls server with a self-signed certificate made in the test.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rustls::HandshakeKind;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use stampede_http::{
    Connector, Endpoint, HttpClient, ResponseExpect, TlsClient, TlsOptions, TransportOptions,
};
use stampede_model::{ErrorClass, Method, Scheme};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;

const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

struct Server {
    addr: SocketAddr,
    cert: CertificateDer<'static>,
    accepted: Arc<AtomicUsize>,
    /// Handshake kind of each accepted connection, in order.
    kinds: Arc<Mutex<Vec<Option<HandshakeKind>>>>,
}

/// A TLS server for `names` that answers `per_connection` requests on each connection, then
/// closes it.
async fn tls_server(names: &[&str], per_connection: usize) -> Server {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let key = rcgen::generate_simple_self_signed(names).unwrap();
    let cert = key.cert.der().clone();
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.signing_key.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert.clone()], private)
    .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let kinds = Arc::new(Mutex::new(Vec::new()));
    let (count, kinds2) = (accepted.clone(), kinds.clone());
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let (acceptor, kinds) = (acceptor.clone(), kinds2.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                kinds.lock().unwrap().push(tls.get_ref().1.handshake_kind());
                for _ in 0..per_connection {
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") {
                        match tls.read(&mut byte).await {
                            Ok(1) => head.push(byte[0]),
                            _ => return,
                        }
                    }
                    let reply = b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret";
                    if tls.write_all(reply).await.is_err() || tls.flush().await.is_err() {
                        return;
                    }
                }
                let _ = tls.shutdown().await;
            });
        }
    });
    Server {
        addr,
        cert,
        accepted,
        kinds,
    }
}

fn connector(tls: TlsOptions) -> Connector {
    let options = TransportOptions {
        idle_timeout: Duration::from_secs(30),
        connect_timeout: Some(Duration::from_secs(30)),
        ..TransportOptions::default()
    };
    Connector::new(options, Some(TlsClient::new(&tls).unwrap()))
}

fn endpoint(host: &str, addr: SocketAddr) -> Arc<Endpoint> {
    Endpoint::new(Scheme::Https, host, addr)
}

async fn get(
    client: &mut HttpClient,
    connector: &Connector,
    ep: &Arc<Endpoint>,
) -> Result<(), ErrorClass> {
    let expect = ResponseExpect::for_method(Method::Get).with_body(true);
    let ex = client
        .exchange(connector, ep, GET, expect, Instant::now())
        .await;
    if ex.outcome.is_ok() {
        assert_eq!(client.response().unwrap().body(), b"secret");
    }
    ex.outcome
}

#[tokio::test]
async fn self_signed_fails_verification_by_default() {
    let server = tls_server(&["localhost"], 1).await;
    let mut client = HttpClient::default();
    let result = get(
        &mut client,
        &connector(TlsOptions::default()),
        &endpoint("localhost", server.addr),
    )
    .await;
    assert_eq!(result, Err(ErrorClass::ConnectTls));
    assert!(!client.is_connected());
}

#[tokio::test]
async fn insecure_accepts_self_signed() {
    let server = tls_server(&["localhost"], 10).await;
    let insecure = TlsOptions {
        insecure: true,
        ..TlsOptions::default()
    };
    let (connector, ep) = (connector(insecure), endpoint("localhost", server.addr));
    let mut client = HttpClient::default();
    for _ in 0..10 {
        assert_eq!(get(&mut client, &connector, &ep).await, Ok(()));
        assert!(client.connection().unwrap().is_tls() || !client.is_connected());
    }
    assert_eq!(
        server.accepted.load(Ordering::SeqCst),
        1,
        "kept alive over TLS"
    );
}

#[tokio::test]
async fn extra_root_verifies_and_checks_the_name() {
    let server = tls_server(&["localhost"], 1).await;
    let trusted = TlsOptions {
        extra_roots: vec![server.cert.clone()],
        ..TlsOptions::default()
    };
    let connector = connector(trusted.clone());
    let mut client = HttpClient::default();
    assert_eq!(
        get(&mut client, &connector, &endpoint("localhost", server.addr)).await,
        Ok(())
    );
    // The certificate does not name 127.0.0.1.
    let mut client = HttpClient::default();
    let by_ip = endpoint("127.0.0.1", server.addr);
    assert_eq!(
        get(&mut client, &connector, &by_ip).await,
        Err(ErrorClass::ConnectTls)
    );
    // ssl_disable_sni also skips the name check, not the chain check.
    let no_sni = TlsOptions {
        disable_sni: true,
        ..trusted
    };
    let mut client = HttpClient::default();
    assert_eq!(
        get(&mut client, &self::connector(no_sni), &by_ip).await,
        Ok(())
    );
    let mut client = HttpClient::default();
    let untrusted_no_sni = TlsOptions {
        disable_sni: true,
        ..TlsOptions::default()
    };
    assert_eq!(
        get(&mut client, &self::connector(untrusted_no_sni), &by_ip).await,
        Err(ErrorClass::ConnectTls)
    );
}

#[tokio::test]
async fn first_connection_is_full_and_reconnections_resume() {
    // One request per connection: every request reconnects.
    let server = tls_server(&["localhost"], 1).await;
    let insecure = TlsOptions {
        insecure: true,
        ..TlsOptions::default()
    };
    let (connector, ep) = (
        connector(insecure.clone()),
        endpoint("localhost", server.addr),
    );
    let mut client = HttpClient::default();
    for _ in 0..3 {
        assert_eq!(get(&mut client, &connector, &ep).await, Ok(()));
    }
    // A second user starts with a full handshake too.
    let mut other = HttpClient::default();
    assert_eq!(get(&mut other, &connector, &ep).await, Ok(()));
    let kinds = server.kinds.lock().unwrap().clone();
    use HandshakeKind::*;
    assert_eq!(
        kinds,
        [Some(Full), Some(Resumed), Some(Resumed), Some(Full)]
    );

    // ssl_reuse_sessions=false: always full.
    let server = tls_server(&["localhost"], 1).await;
    let no_reuse = TlsOptions {
        reuse_sessions: false,
        ..insecure
    };
    let (connector, ep) = (
        self::connector(no_reuse),
        endpoint("localhost", server.addr),
    );
    let mut client = HttpClient::default();
    for _ in 0..3 {
        assert_eq!(get(&mut client, &connector, &ep).await, Ok(()));
    }
    assert_eq!(
        server.kinds.lock().unwrap().clone(),
        [Some(Full), Some(Full), Some(Full)]
    );
}

#[tokio::test]
async fn tls12_only() {
    let server = tls_server(&["localhost"], 1).await;
    let options = TlsOptions {
        insecure: true,
        versions: Some("'tlsv1.2'".into()),
        ..TlsOptions::default()
    };
    let mut client = HttpClient::default();
    assert_eq!(
        get(
            &mut client,
            &connector(options),
            &endpoint("localhost", server.addr)
        )
        .await,
        Ok(())
    );
}

#[tokio::test]
async fn https_without_tls_config_is_connect_tls() {
    let server = tls_server(&["localhost"], 1).await;
    let connector = Connector::new(TransportOptions::default(), None);
    let mut client = HttpClient::default();
    assert_eq!(
        get(&mut client, &connector, &endpoint("localhost", server.addr)).await,
        Err(ErrorClass::ConnectTls)
    );
}

#[tokio::test(start_paused = true)]
async fn silent_tls_server_hits_the_connect_timeout() {
    // Accepts TCP, never answers the ClientHello.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((tcp, _)) = listener.accept().await {
            held.push(tcp);
        }
    });
    let options = TransportOptions {
        connect_timeout: Some(Duration::from_secs(5)),
        ..TransportOptions::default()
    };
    let tls = TlsClient::new(&TlsOptions::default()).unwrap();
    let connector = Connector::new(options, Some(tls));
    let mut client = HttpClient::default();
    let expect = ResponseExpect::for_method(Method::Get);
    let ex = client
        .exchange(
            &connector,
            &endpoint("localhost", addr),
            GET,
            expect,
            Instant::now(),
        )
        .await;
    assert_eq!(ex.outcome, Err(ErrorClass::ConnectTimeout));
    assert!(ex.done - ex.start >= Duration::from_secs(5));
}
