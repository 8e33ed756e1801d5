//! A client certificate for mutual TLS (ADP signs one per app and environment): the owner's
//! PEM certificate and private key, checked before any request is made — both PEM, the key the
//! certificate's own, the certificate in force today — and clients that present it on every
//! handshake, the token request's included. A handshake the server refuses is told apart from
//! other connection failures ([`refused_certificate`]).

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::client::ClientOptions;
use crate::error::HttpError;

/// Why a certificate and key cannot be used, in words for the owner.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// The certificate field does not hold a PEM certificate.
    #[error(
        "the client certificate is not a PEM certificate: paste the whole file, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----"
    )]
    CertificateNotPem,
    /// The key field does not hold a PEM private key.
    #[error(
        "the private key is not a PEM private key: paste the whole key file, from -----BEGIN PRIVATE KEY----- (or RSA/EC PRIVATE KEY) to its END line"
    )]
    KeyNotPem,
    /// The key is of a kind TLS cannot sign with.
    #[error("the private key is of a kind that cannot be used for TLS (use RSA, ECDSA or Ed25519)")]
    KeyUnsupported,
    /// The key is not the certificate's.
    #[error(
        "the private key does not match the client certificate: use the key that made the certificate signing request"
    )]
    KeyMismatch,
    /// The certificate's validity ended.
    #[error("the client certificate expired on {0}: ask for a new one and paste it here")]
    Expired(String),
    /// The certificate's validity has not begun.
    #[error("the client certificate is not valid before {0}")]
    NotYetValid(String),
}

/// A checked certificate and key. `Debug` shows the subject and dates, never the key.
#[derive(Clone)]
pub struct ClientIdentity {
    identity: reqwest::Identity,
    subject: String,
    not_after: DateTime<Utc>,
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientIdentity")
            .field("subject", &self.subject)
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

impl ClientIdentity {
    /// Checks `cert_pem` and `key_pem` as of `now`: both PEM, the key the certificate's, the
    /// certificate in force. Nothing is sent anywhere.
    pub fn from_pem(
        cert_pem: &str,
        key_pem: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, IdentityError> {
        let cert_der = CertificateDer::from_pem_slice(cert_pem.trim().as_bytes())
            .map_err(|_| IdentityError::CertificateNotPem)?;
        let key_der = PrivateKeyDer::from_pem_slice(key_pem.trim().as_bytes())
            .map_err(|_| IdentityError::KeyNotPem)?;
        let (_, cert) = x509_parser::parse_x509_certificate(cert_der.as_ref())
            .map_err(|_| IdentityError::CertificateNotPem)?;
        let signing = rustls::crypto::aws_lc_rs::sign::any_supported_type(&key_der)
            .map_err(|_| IdentityError::KeyUnsupported)?;
        let public = signing.public_key().ok_or(IdentityError::KeyUnsupported)?;
        if public.as_ref() != cert.tbs_certificate.subject_pki.raw {
            return Err(IdentityError::KeyMismatch);
        }
        let at = |t: x509_parser::time::ASN1Time| {
            DateTime::<Utc>::from_timestamp(t.timestamp(), 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
        };
        let not_before = at(cert.validity().not_before);
        let not_after = at(cert.validity().not_after);
        if now >= not_after {
            return Err(IdentityError::Expired(
                not_after.format("%Y-%m-%d").to_string(),
            ));
        }
        if now < not_before {
            return Err(IdentityError::NotYetValid(
                not_before.format("%Y-%m-%d %H:%M UTC").to_string(),
            ));
        }
        let mut bundle = cert_pem.trim().as_bytes().to_vec();
        bundle.push(b'\n');
        bundle.extend_from_slice(key_pem.trim().as_bytes());
        bundle.push(b'\n');
        let identity =
            reqwest::Identity::from_pem(&bundle).map_err(|_| IdentityError::KeyNotPem)?;
        Ok(ClientIdentity {
            identity,
            subject: cert.subject().to_string(),
            not_after,
        })
    }

    /// The certificate's subject (e.g. `CN=acme-payroll, O=Acme`).
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// When the certificate stops being valid.
    pub fn not_after(&self) -> DateTime<Utc> {
        self.not_after
    }
}

/// Where a mutual-TLS client sends its certificate and whom it trusts.
#[derive(Debug, Clone)]
pub struct MutualTls {
    /// The certificate and key presented on every handshake.
    pub identity: ClientIdentity,
    /// PEM certificates trusted instead of the usual roots (the local sandbox's own CA);
    /// empty for the public roots.
    pub trust_only: Vec<String>,
}

impl MutualTls {
    fn apply(&self, mut builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, String> {
        builder = builder.identity(self.identity.identity.clone());
        if !self.trust_only.is_empty() {
            let mut roots = Vec::new();
            for pem in &self.trust_only {
                roots.push(
                    reqwest::Certificate::from_pem(pem.as_bytes())
                        .map_err(|e| format!("a trusted certificate does not read: {e}"))?,
                );
            }
            builder = builder.tls_certs_only(roots);
        }
        Ok(builder)
    }
}

/// [`crate::build_client`] presenting `tls`'s certificate.
pub fn build_client_with_identity(
    options: &ClientOptions,
    tls: &MutualTls,
) -> Result<reqwest::Client, HttpError> {
    let invalid = |message: String| HttpError::Invalid {
        provider: "network".into(),
        message,
    };
    let builder = crate::client::client_builder(options);
    tls.apply(builder)
        .map_err(invalid)?
        .build()
        .map_err(|e| invalid(format!("the HTTP client could not start: {e}")))
}

/// A token client (no redirects, as [`crate::oauth::token_http_client`]) presenting `tls`'s
/// certificate.
pub fn token_client_with_identity(tls: &MutualTls) -> Result<reqwest::Client, HttpError> {
    let invalid = |message: String| HttpError::Invalid {
        provider: "network".into(),
        message,
    };
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .user_agent(crate::client::USER_AGENT);
    tls.apply(builder)
        .map_err(invalid)?
        .build()
        .map_err(|e| invalid(format!("the token client could not start: {e}")))
}

/// Whether a connection failure's words say the server refused the client certificate during
/// the handshake (TLS alerts `certificate_required`, `bad_certificate`, `unknown_ca`,
/// `certificate_expired`, `certificate_revoked`, `access_denied`, or the handshake failing).
pub fn refused_certificate(message: &str) -> bool {
    let m = message.to_ascii_lowercase().replace(['_', ' '], "");
    [
        "certificaterequired",
        "badcertificate",
        "unknownca",
        "certificateexpired",
        "certificaterevoked",
        "certificateunknown",
        "unsupportedcertificate",
        "accessdenied",
        "handshakefailure",
    ]
    .iter()
    .any(|alert| m.contains(alert))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn cert(days_from_now: (i64, i64)) -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["acme-payroll".into()]).unwrap();
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now + time::Duration::days(days_from_now.0);
        params.not_after = now + time::Duration::days(days_from_now.1);
        let c = params.self_signed(&key).unwrap();
        (c.pem(), key.serialize_pem())
    }

    #[test]
    fn a_matching_current_pair_is_accepted() {
        let (c, k) = cert((-1, 30));
        let id = ClientIdentity::from_pem(&c, &k, Utc::now()).unwrap();
        assert!(id.not_after() > Utc::now());
        assert!(!format!("{id:?}").contains("PRIVATE"));
    }

    #[test]
    fn each_mistake_is_named() {
        let (c, k) = cert((-1, 30));
        let (_, other_key) = cert((-1, 30));
        let now = Utc::now();
        assert_eq!(
            ClientIdentity::from_pem("not a cert", &k, now).unwrap_err(),
            IdentityError::CertificateNotPem
        );
        assert_eq!(
            ClientIdentity::from_pem(&c, &c, now).unwrap_err(),
            IdentityError::KeyNotPem
        );
        assert_eq!(
            ClientIdentity::from_pem(&c, &other_key, now).unwrap_err(),
            IdentityError::KeyMismatch
        );
        let (old, old_key) = cert((-60, -2));
        let err = ClientIdentity::from_pem(&old, &old_key, now).unwrap_err();
        assert!(matches!(err, IdentityError::Expired(_)), "{err:?}");
        assert!(err.to_string().contains("expired on"), "{err}");
        let (early, early_key) = cert((5, 30));
        assert!(matches!(
            ClientIdentity::from_pem(&early, &early_key, now).unwrap_err(),
            IdentityError::NotYetValid(_)
        ));
    }

    #[test]
    fn handshake_refusals_are_recognised() {
        assert!(refused_certificate(
            "received fatal alert: CertificateRequired"
        ));
        assert!(refused_certificate("peer sent alert: BadCertificate"));
        assert!(!refused_certificate("Connection refused (os error 111)"));
    }
}
