//! Mutual TLS for an emulator whose provider requires a client certificate (ADP): a test CA
//! made when the sandbox starts, a server certificate for `127.0.0.1` and `localhost` signed by
//! it, one client certificate and key signed by it (handed to the demo and the tests, as other
//! pre-issued credentials are), and a listener that completes each handshake only for a client
//! presenting a certificate that CA signed. A client without one, or with one from another CA,
//! is refused during the handshake and never reaches the routes.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use axum::Router;
use axum::serve::{IncomingStream, Listener};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::error::SandboxError;
use crate::server::{ConnHandle, KillStream, ServerHandle};

/// How long a client has to finish its handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// The sandbox's test CA and the identities it signed.
#[derive(Clone)]
pub struct MutualTls {
    /// The CA certificate (PEM): what a client must trust to reach the emulator.
    pub ca_pem: String,
    /// The client certificate the emulator accepts (PEM).
    pub client_cert_pem: String,
    /// Its private key (PEM, PKCS#8).
    pub client_key_pem: String,
    acceptor: TlsAcceptor,
}

impl std::fmt::Debug for MutualTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MutualTls").finish_non_exhaustive()
    }
}

fn tls(e: impl std::fmt::Display) -> SandboxError {
    SandboxError::Invalid(format!("the sandbox's test certificates: {e}"))
}

/// An Ed25519 key made from `seed` and `tag` (the same every start, so a saved demo
/// connection keeps working after a restart; signatures are deterministic too), or a random
/// one without a seed.
fn key(seed: Option<(u64, u64)>) -> Result<KeyPair, SandboxError> {
    let Some((seed, tag)) = seed else {
        return KeyPair::generate().map_err(tls);
    };
    use sha2::Digest;
    let secret = sha2::Sha256::digest(format!("maestro-sandbox-mtls:{seed}:{tag}").as_bytes());
    // PKCS#8 v1 for Ed25519 (RFC 8410): the fixed prefix, then the 32-byte secret.
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend_from_slice(&secret);
    KeyPair::try_from(der).map_err(tls)
}

/// A certificate for `names` (or a CN only) signed by `issuer`, for `usage`.
fn signed(
    names: Vec<String>,
    cn: &str,
    usage: ExtendedKeyUsagePurpose,
    issuer: &Issuer<'_, KeyPair>,
    seed: Option<(u64, u64)>,
) -> Result<(String, String), SandboxError> {
    let key = key(seed)?;
    let mut params = CertificateParams::new(names).map_err(tls)?;
    params.distinguished_name.push(DnType::CommonName, cn);
    params.extended_key_usages = vec![usage];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    let cert = params.signed_by(&key, issuer).map_err(tls)?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// A CA that signs certificates (the test CA, and another for tests of a stranger's).
pub(crate) fn ca(
    cn: &str,
    seed: Option<(u64, u64)>,
) -> Result<(String, Issuer<'static, KeyPair>), SandboxError> {
    let key = key(seed)?;
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(tls)?;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, cn);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let cert = params.self_signed(&key).map_err(tls)?;
    Ok((cert.pem(), Issuer::new(params, key)))
}

/// A client certificate and key (PEM) signed by `issuer`.
pub(crate) fn client_identity(
    issuer: &Issuer<'_, KeyPair>,
    cn: &str,
    seed: Option<(u64, u64)>,
) -> Result<(String, String), SandboxError> {
    signed(
        Vec::new(),
        cn,
        ExtendedKeyUsagePurpose::ClientAuth,
        issuer,
        seed,
    )
}

/// A client certificate and key signed by a CA the sandbox does not trust (for tests that a
/// stranger's certificate is refused).
pub fn foreign_client_identity() -> Result<(String, String), SandboxError> {
    let (_, other) = ca("Somebody else's CA", None)?;
    client_identity(&other, "not-the-sandbox-client", None)
}

impl MutualTls {
    /// The test CA, server certificate and client identity for `provider` (its display name,
    /// in the certificates' names), the same for the same `seed`.
    pub fn generate(provider: &str, seed: u64) -> Result<MutualTls, SandboxError> {
        let (ca_pem, issuer) = ca(
            &format!("Maestro sandbox {provider} test CA"),
            Some((seed, 1)),
        )?;
        let (server_pem, server_key) = signed(
            vec!["127.0.0.1".into(), "localhost".into()],
            "127.0.0.1",
            ExtendedKeyUsagePurpose::ServerAuth,
            &issuer,
            Some((seed, 2)),
        )?;
        let (client_cert_pem, client_key_pem) = client_identity(
            &issuer,
            &format!("maestro-sandbox-{provider}-client"),
            Some((seed, 3)),
        )?;
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(ca_pem.as_bytes()).map_err(tls)?)
            .map_err(tls)?;
        let provider_arc = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            Arc::new(roots),
            provider_arc.clone(),
        )
        .build()
        .map_err(tls)?;
        let config = rustls::ServerConfig::builder_with_provider(provider_arc)
            .with_safe_default_protocol_versions()
            .map_err(tls)?
            .with_client_cert_verifier(verifier)
            .with_single_cert(
                vec![CertificateDer::from_pem_slice(server_pem.as_bytes()).map_err(tls)?],
                PrivateKeyDer::from_pem_slice(server_key.as_bytes()).map_err(tls)?,
            )
            .map_err(tls)?;
        Ok(MutualTls {
            ca_pem,
            client_cert_pem,
            client_key_pem,
            acceptor: TlsAcceptor::from(Arc::new(config)),
        })
    }
}

/// A loopback listener that hands out only connections whose client completed the mutual TLS
/// handshake; the streams can be killed like the plain listener's (faults).
pub(crate) struct MutualTlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
}

impl Listener for MutualTlsListener {
    type Io = TlsStream<KillStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (inner, addr) = match self.tcp.accept().await {
                Ok(pair) => pair,
                Err(e) => {
                    tracing::debug!("sandbox accept error: {e}");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            };
            let _ = inner.set_nodelay(true);
            let stream = KillStream::new(inner, Arc::new(AtomicBool::new(false)));
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, self.acceptor.accept(stream)).await {
                Ok(Ok(tls)) => return (tls, addr),
                Ok(Err(e)) => tracing::debug!(%addr, "sandbox TLS handshake refused: {e}"),
                Err(_) => tracing::debug!(%addr, "sandbox TLS handshake timed out"),
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

impl axum::extract::connect_info::Connected<IncomingStream<'_, MutualTlsListener>> for ConnHandle {
    fn connect_info(stream: IncomingStream<'_, MutualTlsListener>) -> Self {
        stream.io().get_ref().0.handle()
    }
}

/// `https://127.0.0.1:<port>` of a bound listener.
pub(crate) fn https_url(listener: &TcpListener) -> io::Result<String> {
    Ok(format!("https://{}", listener.local_addr()?))
}

/// Serves `router` over mutual TLS on `listener` until the handle is shut down.
pub(crate) fn serve(listener: TcpListener, router: Router, tls: &MutualTls) -> ServerHandle {
    let (tx, rx) = oneshot::channel::<()>();
    let listener = MutualTlsListener {
        tcp: listener,
        acceptor: tls.acceptor.clone(),
    };
    let task = tokio::spawn(async move {
        let svc = router.into_make_service_with_connect_info::<ConnHandle>();
        let result = axum::serve(listener, svc)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
        if let Err(e) = result {
            tracing::warn!("sandbox mutual-TLS server stopped: {e}");
        }
    });
    ServerHandle {
        shutdown: Some(tx),
        task,
    }
}
