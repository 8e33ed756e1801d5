//! TLS 1.3 for a LAN binding: a certificate generated once per installation and kept in the
//! encrypted store, its SHA-256 fingerprint for clients to pin, and a listener that completes
//! handshakes off the accept loop.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use maestro_app::App;
use maestro_core::sensitive::Sensitive;
use maestro_store::api_keys::{self, TlsIdentity};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::error::GatewayError;

/// TLS handshakes in progress at once; connections beyond it are dropped unanswered.
const MAX_HANDSHAKES: usize = 64;

/// The saved identity, or a new one (generated and saved).
pub async fn identity(app: &App) -> Result<TlsIdentity, GatewayError> {
    let mut tx = app.store().write().await?;
    if let Some(found) = api_keys::tls_identity(tx.conn()).await? {
        return Ok(found);
    }
    let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    if let Ok(host) = std::env::var("HOSTNAME")
        && !host.is_empty()
    {
        names.push(host);
    }
    let generated =
        rcgen::generate_simple_self_signed(names).map_err(|e| GatewayError::Tls(e.to_string()))?;
    let identity = TlsIdentity {
        cert_pem: generated.cert.pem(),
        key_pem: Sensitive::new(generated.signing_key.serialize_pem()),
        created_at: app.now(),
    };
    api_keys::set_tls_identity(tx.conn(), &identity).await?;
    tx.commit().await?;
    Ok(identity)
}

/// SHA-256 fingerprint of the certificate, as colon-separated upper-case hex.
pub fn fingerprint(identity: &TlsIdentity) -> Result<String, GatewayError> {
    let der = CertificateDer::from_pem_slice(identity.cert_pem.as_bytes())
        .map_err(|e| GatewayError::Tls(format!("the saved certificate does not read: {e}")))?;
    Ok(Sha256::digest(der.as_ref())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":"))
}

/// A rustls acceptor that speaks TLS 1.3 only.
pub fn acceptor(identity: &TlsIdentity) -> Result<TlsAcceptor, GatewayError> {
    let cert = CertificateDer::from_pem_slice(identity.cert_pem.as_bytes())
        .map_err(|e| GatewayError::Tls(e.to_string()))?;
    let key = PrivateKeyDer::from_pem_slice(identity.key_pem.expose().as_bytes())
        .map_err(|e| GatewayError::Tls(e.to_string()))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| GatewayError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .map_err(|e| GatewayError::Tls(e.to_string()))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// How long a client has to complete its TLS handshake.
const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Accepted TLS connections, handshaken in their own tasks. A client outside the allowlist is
/// dropped at accept, before any handshake; at most [`MAX_HANDSHAKES`] handshakes run at once
/// (each within [`HANDSHAKE_TIMEOUT`]) and connections beyond that are dropped unanswered.
pub struct TlsListener {
    local: SocketAddr,
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
}

impl TlsListener {
    /// Starts accepting on `tcp`, from clients for which `allows` is true.
    pub fn new(
        tcp: TcpListener,
        acceptor: TlsAcceptor,
        allows: impl Fn(IpAddr) -> bool + Send + 'static,
    ) -> std::io::Result<Self> {
        let local = tcp.local_addr()?;
        let (tx, ready) = mpsc::channel(64);
        let slots = Arc::new(Semaphore::new(MAX_HANDSHAKES));
        tokio::spawn(async move {
            loop {
                let Ok((stream, peer)) = tcp.accept().await else {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                };
                if tx.is_closed() {
                    return;
                }
                if !allows(peer.ip()) {
                    tracing::warn!(%peer, "local API: client outside the allowlist dropped at accept");
                    drop(stream);
                    continue;
                }
                let Ok(slot) = slots.clone().try_acquire_owned() else {
                    tracing::warn!(%peer, "local API: too many TLS handshakes at once; connection dropped");
                    drop(stream);
                    continue;
                };
                let acceptor = acceptor.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    let handshake =
                        tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await;
                    drop(slot);
                    match handshake {
                        Ok(Ok(tls)) => {
                            let _ = tx.send((tls, peer)).await;
                        }
                        Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(TlsListener { local, ready })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            if let Some(conn) = self.ready.recv().await {
                return conn;
            }
            // The accept task ended: nothing more will arrive.
            std::future::pending::<()>().await;
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// The client address of a connection, plain or TLS.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, TcpListener>> for Peer {
    fn connect_info(stream: axum::serve::IncomingStream<'_, TcpListener>) -> Self {
        Peer(*stream.remote_addr())
    }
}

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, TlsListener>> for Peer {
    fn connect_info(stream: axum::serve::IncomingStream<'_, TlsListener>) -> Self {
        Peer(*stream.remote_addr())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use tokio::io::AsyncReadExt;

    fn test_acceptor() -> TlsAcceptor {
        let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        acceptor(&TlsIdentity {
            cert_pem: generated.cert.pem(),
            key_pem: Sensitive::new(generated.signing_key.serialize_pem()),
            created_at: chrono::Utc::now(),
        })
        .unwrap()
    }

    /// True when the server closes `stream` (EOF or reset) within `wait`, while the client has
    /// sent nothing (a server waiting for a ClientHello keeps it open).
    async fn closed_without_answer(stream: &mut TcpStream, wait: std::time::Duration) -> bool {
        let mut buf = [0u8; 64];
        matches!(
            tokio::time::timeout(wait, stream.read(&mut buf)).await,
            Ok(Ok(0) | Err(_))
        )
    }

    #[tokio::test]
    async fn handshakes_in_flight_are_capped() {
        let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = tcp.local_addr().unwrap();
        let _listener = TlsListener::new(tcp, test_acceptor(), |_| true).unwrap();
        // Idle clients that never finish a handshake hold every slot ...
        let mut first = TcpStream::connect(addr).await.unwrap();
        assert!(
            !closed_without_answer(&mut first, std::time::Duration::from_millis(300)).await,
            "a client within the cap was dropped"
        );
        let mut idle = vec![first];
        for _ in 1..MAX_HANDSHAKES {
            idle.push(TcpStream::connect(addr).await.unwrap());
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        // ... so one more is dropped at once instead of queueing another handshake task.
        let mut extra = TcpStream::connect(addr).await.unwrap();
        assert!(
            closed_without_answer(&mut extra, std::time::Duration::from_secs(2)).await,
            "a connection beyond the handshake cap was handshaken"
        );
    }
}
