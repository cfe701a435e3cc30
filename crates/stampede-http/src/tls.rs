//! TLS client configuration, built once from the `ssl_*` options.
//!
//! * Certificates are verified against the webpki (Mozilla) roots, plus any extra roots, unless
//!   [`TlsOptions::insecure`] is set: then any certificate is accepted (the handshake
//!   signatures are still checked against the certificate's key).
//! * `ssl_disable_sni`: no SNI and no host-name check (the chain is still verified).
//! * `ssl_versions`: `tlsv1.2` / `tlsv1.3` (rustls has nothing older).
//! * `ssl_ciphers`: OpenSSL or IANA suite names that rustls implements; other names are
//!   ignored and listed by [`TlsClient::ignored_ciphers`].
//! * `ssl_reuse_sessions`: as Tsung, a user's first connection makes a full handshake and its
//!   reconnections may resume; `false` turns resumption off.

use std::fmt;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{
    ClientSessionMemoryCache, ClientSessionStore, Resumption, WebPkiServerVerifier,
};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms, ring};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, CipherSuite, ClientConfig, DigitallySignedStruct, NamedGroup, RootCertStore,
    SignatureScheme, SupportedCipherSuite, SupportedProtocolVersion,
};
use stampede_model::SslOptions;
use tokio_rustls::TlsConnector;

/// Sessions remembered for resumption (per [`TlsClient`], shared by its users).
const SESSION_CACHE: usize = 1024;

/// TLS settings of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsOptions {
    /// Accept any server certificate (self-signed staging servers). Default `false`:
    /// certificates are verified.
    pub insecure: bool,
    /// `ssl_disable_sni`: send no SNI and skip the host-name check.
    pub disable_sni: bool,
    /// `ssl_versions`, e.g. `'tlsv1.2'` or `tlsv1.2,tlsv1.3`; `None` = negotiate.
    pub versions: Option<String>,
    /// `ssl_ciphers`, OpenSSL cipher-list syntax; `None` = negotiate.
    pub ciphers: Option<String>,
    /// `ssl_reuse_sessions` (default `true`).
    pub reuse_sessions: bool,
    /// Trusted roots in addition to the webpki roots (DER), e.g. a staging CA.
    pub extra_roots: Vec<CertificateDer<'static>>,
}

impl Default for TlsOptions {
    fn default() -> Self {
        Self {
            insecure: false,
            disable_sni: false,
            versions: None,
            ciphers: None,
            reuse_sessions: true,
            extra_roots: Vec::new(),
        }
    }
}

impl TlsOptions {
    /// From the scenario's `ssl_*` options; `insecure` comes from the command line.
    pub fn from_model(ssl: &SslOptions, insecure: bool) -> Self {
        Self {
            insecure,
            disable_sni: ssl.disable_sni,
            versions: ssl.versions.clone(),
            ciphers: ssl.ciphers.clone(),
            reuse_sessions: ssl.reuse_sessions,
            extra_roots: Vec::new(),
        }
    }
}

/// A TLS option that cannot be honoured.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TlsConfigError {
    /// `ssl_versions` names a version rustls does not implement (SSLv3, TLS 1.0, TLS 1.1) or
    /// no version at all.
    #[error("ssl_versions `{0}`: Stampede supports only 'tlsv1.2' and 'tlsv1.3'")]
    UnsupportedVersion(String),
    /// The cipher suites left by `ssl_ciphers` cannot be used with the versions left by
    /// `ssl_versions`.
    #[error("ssl_ciphers `{ciphers}` has no suite usable with ssl_versions `{versions}`")]
    NoUsableSuite { ciphers: String, versions: String },
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
}

/// Ready-made TLS connectors (one per worker or per run; cheap to clone).
#[derive(Clone)]
pub struct TlsClient {
    /// For a user's first connection: stores sessions, never resumes.
    first: TlsConnector,
    /// For reconnections: resumes when it can.
    again: TlsConnector,
    ignored_ciphers: Arc<[String]>,
}

impl fmt::Debug for TlsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsClient")
            .field("ignored_ciphers", &self.ignored_ciphers)
            .finish_non_exhaustive()
    }
}

impl TlsClient {
    /// Builds the rustls configurations.
    pub fn new(options: &TlsOptions) -> Result<Self, TlsConfigError> {
        let (suites, ignored) = match &options.ciphers {
            Some(list) => select_suites(list),
            None => (ring::ALL_CIPHER_SUITES.to_vec(), Vec::new()),
        };
        let wanted = match &options.versions {
            Some(v) => parse_versions(v)?,
            None => vec![&rustls::version::TLS13, &rustls::version::TLS12],
        };
        let versions: Vec<&'static SupportedProtocolVersion> = wanted
            .iter()
            .copied()
            .filter(|v| suites.iter().any(|s| s.version() == *v))
            .collect();
        if versions.is_empty() {
            return Err(TlsConfigError::NoUsableSuite {
                ciphers: options.ciphers.clone().unwrap_or_default(),
                versions: options.versions.clone().unwrap_or_default(),
            });
        }
        let provider = Arc::new(CryptoProvider {
            cipher_suites: suites,
            ..ring::default_provider()
        });
        let verifier = verifier(options, &provider)?;
        let mut base = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&versions)?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        base.enable_sni = !options.disable_sni;
        // Both configurations must share the verifier and client-certificate resolver: rustls
        // only resumes a session stored under the same ones.
        let with = |resumption: Resumption| {
            let mut config = base.clone();
            config.resumption = resumption;
            Arc::new(config)
        };
        let (first, again) = if options.reuse_sessions {
            let cache = Arc::new(ClientSessionMemoryCache::new(SESSION_CACHE));
            (
                with(Resumption::store(Arc::new(StoreOnly(cache.clone())))),
                with(Resumption::store(cache)),
            )
        } else {
            (with(Resumption::disabled()), with(Resumption::disabled()))
        };
        Ok(Self {
            first: TlsConnector::from(first),
            again: TlsConnector::from(again),
            ignored_ciphers: ignored.into(),
        })
    }

    /// `ssl_ciphers` entries that were not used (unknown to rustls, OpenSSL keywords).
    pub fn ignored_ciphers(&self) -> &[String] {
        &self.ignored_ciphers
    }

    /// The connector for a user's first connection, or for a later one.
    pub(crate) fn connector(&self, first_connection: bool) -> &TlsConnector {
        if first_connection {
            &self.first
        } else {
            &self.again
        }
    }
}

fn verifier(
    options: &TlsOptions,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>, TlsConfigError> {
    if options.insecure {
        return Ok(Arc::new(AcceptAnyCertificate {
            algorithms: provider.signature_verification_algorithms,
        }));
    }
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for cert in &options.extra_roots {
        roots.add(cert.clone())?;
    }
    let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| rustls::Error::General(e.to_string()))?;
    if options.disable_sni {
        Ok(Arc::new(NoHostNameCheck { inner: webpki }))
    } else {
        Ok(webpki)
    }
}

/// `ssl_versions`: one Erlang atom (`'tlsv1.2'`) or a comma-separated list.
fn parse_versions(value: &str) -> Result<Vec<&'static SupportedProtocolVersion>, TlsConfigError> {
    let mut out = Vec::new();
    for token in value
        .split([',', ' ', '[', ']'])
        .map(|t| t.trim().trim_matches('\'').trim_matches('"'))
        .filter(|t| !t.is_empty())
    {
        let version = match token.to_ascii_lowercase().as_str() {
            "tlsv1.2" | "tls1.2" => &rustls::version::TLS12,
            "tlsv1.3" | "tls1.3" => &rustls::version::TLS13,
            _ => return Err(TlsConfigError::UnsupportedVersion(value.to_owned())),
        };
        if !out.contains(&version) {
            out.push(version);
        }
    }
    if out.is_empty() {
        return Err(TlsConfigError::UnsupportedVersion(value.to_owned()));
    }
    Ok(out)
}

/// OpenSSL names of the suites rustls implements (IANA names are accepted too).
const OPENSSL_NAMES: &[(&str, CipherSuite)] = &[
    (
        "TLS_AES_128_GCM_SHA256",
        CipherSuite::TLS13_AES_128_GCM_SHA256,
    ),
    (
        "TLS_AES_256_GCM_SHA384",
        CipherSuite::TLS13_AES_256_GCM_SHA384,
    ),
    (
        "TLS_CHACHA20_POLY1305_SHA256",
        CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
    ),
    (
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    ),
    (
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    ),
    (
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ),
    (
        "ECDHE-RSA-AES128-GCM-SHA256",
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ),
    (
        "ECDHE-RSA-AES256-GCM-SHA384",
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    ),
    (
        "ECDHE-RSA-CHACHA20-POLY1305",
        CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ),
];

/// The suites named in an OpenSSL-style list, in list order, and the entries not used.
/// When no entry names a usable suite, every suite is kept.
fn select_suites(list: &str) -> (Vec<SupportedCipherSuite>, Vec<String>) {
    let mut chosen: Vec<SupportedCipherSuite> = Vec::new();
    let mut ignored = Vec::new();
    for token in list
        .split([':', ',', ' '])
        .map(|t| t.trim().trim_matches('\'').trim_matches('"'))
        .filter(|t| !t.is_empty())
    {
        let by_openssl = OPENSSL_NAMES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(token))
            .map(|(_, suite)| *suite);
        let suite = ring::ALL_CIPHER_SUITES.iter().find(|s| {
            by_openssl == Some(s.suite())
                || s.suite()
                    .as_str()
                    .is_some_and(|iana| iana.eq_ignore_ascii_case(token))
        });
        match suite {
            Some(s) if !chosen.iter().any(|c| c.suite() == s.suite()) => chosen.push(*s),
            Some(_) => {}
            None => ignored.push(token.to_owned()),
        }
    }
    if chosen.is_empty() {
        chosen = ring::ALL_CIPHER_SUITES.to_vec();
    }
    (chosen, ignored)
}

/// Accepts any certificate; still checks that the handshake was signed by its key.
#[derive(Debug)]
struct AcceptAnyCertificate {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Full chain verification without the host-name check (`ssl_disable_sni`).
#[derive(Debug)]
struct NoHostNameCheck {
    inner: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for NoHostNameCheck {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // The chain is checked before the name: a name mismatch means the chain is good.
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// A session store that records sessions but never offers one: a user's first handshake is
/// a full one (Tsung's behaviour), and it seeds the cache its reconnections resume from.
#[derive(Debug)]
struct StoreOnly(Arc<ClientSessionMemoryCache>);

impl ClientSessionStore for StoreOnly {
    fn set_kx_hint(&self, server_name: ServerName<'static>, group: NamedGroup) {
        self.0.set_kx_hint(server_name, group);
    }

    fn kx_hint(&self, server_name: &ServerName<'_>) -> Option<NamedGroup> {
        self.0.kx_hint(server_name)
    }

    fn set_tls12_session(
        &self,
        server_name: ServerName<'static>,
        value: rustls::client::Tls12ClientSessionValue,
    ) {
        self.0.set_tls12_session(server_name, value);
    }

    fn tls12_session(
        &self,
        _server_name: &ServerName<'_>,
    ) -> Option<rustls::client::Tls12ClientSessionValue> {
        None
    }

    fn remove_tls12_session(&self, server_name: &ServerName<'static>) {
        self.0.remove_tls12_session(server_name);
    }

    fn insert_tls13_ticket(
        &self,
        server_name: ServerName<'static>,
        value: rustls::client::Tls13ClientSessionValue,
    ) {
        self.0.insert_tls13_ticket(server_name, value);
    }

    fn take_tls13_ticket(
        &self,
        _server_name: &ServerName<'static>,
    ) -> Option<rustls::client::Tls13ClientSessionValue> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        let ok: &[(&str, &[&SupportedProtocolVersion])] = &[
            ("'tlsv1.2'", &[&rustls::version::TLS12]),
            ("tlsv1.3", &[&rustls::version::TLS13]),
            (
                "['tlsv1.2','tlsv1.3']",
                &[&rustls::version::TLS12, &rustls::version::TLS13],
            ),
            ("TLSv1.2, tlsv1.2", &[&rustls::version::TLS12]),
        ];
        for (value, expected) in ok {
            assert_eq!(parse_versions(value).unwrap(), expected.to_vec(), "{value}");
        }
        for value in ["'tlsv1.1'", "sslv3", "", "''"] {
            assert!(
                matches!(
                    parse_versions(value),
                    Err(TlsConfigError::UnsupportedVersion(_))
                ),
                "{value}"
            );
        }
    }

    #[test]
    fn cipher_lists() {
        let (suites, ignored) = select_suites(
            "ECDHE-RSA-AES128-GCM-SHA256:EXP1024-RC4-SHA,!aNULL TLS_AES_256_GCM_SHA384",
        );
        let names: Vec<_> = suites.iter().map(|s| s.suite()).collect();
        assert_eq!(
            names,
            [
                CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                CipherSuite::TLS13_AES_256_GCM_SHA384
            ]
        );
        assert_eq!(ignored, ["EXP1024-RC4-SHA", "!aNULL"]);
        let (suites, _) = select_suites("tls_ecdhe_ecdsa_with_aes_256_gcm_sha384");
        assert_eq!(suites.len(), 1);
        let (suites, ignored) = select_suites("HIGH:!MD5");
        assert_eq!(
            (suites.len(), ignored.len()),
            (ring::ALL_CIPHER_SUITES.len(), 2)
        );
    }

    #[test]
    fn builds_configs() {
        let client = TlsClient::new(&TlsOptions::default()).unwrap();
        assert!(client.ignored_ciphers().is_empty());
        let insecure = TlsOptions {
            insecure: true,
            reuse_sessions: false,
            disable_sni: true,
            ..TlsOptions::default()
        };
        TlsClient::new(&insecure).unwrap();
        let only12 = TlsOptions {
            versions: Some("'tlsv1.2'".into()),
            ciphers: Some("ECDHE-RSA-AES256-GCM-SHA384".into()),
            ..TlsOptions::default()
        };
        TlsClient::new(&only12).unwrap();
        let clash = TlsOptions {
            versions: Some("'tlsv1.3'".into()),
            ciphers: Some("ECDHE-RSA-AES256-GCM-SHA384".into()),
            ..TlsOptions::default()
        };
        assert!(matches!(
            TlsClient::new(&clash),
            Err(TlsConfigError::NoUsableSuite { .. })
        ));
    }
}
