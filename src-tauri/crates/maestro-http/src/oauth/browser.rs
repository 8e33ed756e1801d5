//! Opening the provider's consent page in the owner's browser.

use url::Url;

use super::OAuthError;

/// Opens a URL for the owner. The production implementation is [`SystemBrowser`]; tests
/// substitute one that performs the request themselves.
pub trait BrowserOpener: Send + Sync {
    /// Opens `url` and returns without waiting for the owner.
    fn open(&self, url: &Url) -> Result<(), OAuthError>;
}

/// The owner's default system browser (never an embedded webview, per RFC 8252 §8.12).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemBrowser;

impl BrowserOpener for SystemBrowser {
    fn open(&self, url: &Url) -> Result<(), OAuthError> {
        if !matches!(url.scheme(), "https" | "http") {
            return Err(OAuthError::Browser(format!(
                "refusing to open a {} address",
                url.scheme()
            )));
        }
        open::that_detached(url.as_str()).map_err(|e| OAuthError::Browser(e.to_string()))
    }
}
