//! [`TokenManager`]: hands out a valid access token for one connection.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use maestro_core::clock::Clock;
use maestro_core::sensitive::Sensitive;
use tokio::sync::Mutex;

use super::grants::{client_credentials_at, refresh_at};
use super::{OAuthClientConfig, OAuthError, TokenSet};

/// Default lead time before expiry at which the access token is refreshed: 5 minutes.
pub const DEFAULT_REFRESH_MARGIN_SECS: i64 = 300;

/// Durable storage for a connection's tokens (implemented over the encrypted store).
#[async_trait]
pub trait TokenPersistence: Send + Sync {
    /// Saves `tokens` durably; returns only once they would survive a crash.
    async fn save(&self, tokens: &TokenSet) -> Result<(), OAuthError>;
}

/// Keeps one connection's tokens fresh.
///
/// - Refreshes ahead of expiry (when less than the margin is left; 5 minutes by default).
/// - One refresh at a time: concurrent callers wait for it and reuse its result.
/// - A rotated refresh token is saved through [`TokenPersistence::save`] **before** the new access
///   token is handed to anyone (access token, refresh token and both expiries in one save). If
///   saving fails, [`OAuthError::Persist`] is returned and the new tokens are kept in memory
///   only, unused: providers that revoke the old refresh token once the new access token is used
///   (Gusto) never revoke the one on disk, and providers that keep it only for a while after the
///   rotation (Intuit: 24 hours) still have the new one to accept. The next refresh first
///   retries saving them, and uses them only once they are saved. A crash before the save lands
///   leaves the old tokens on disk, which both kinds of provider still honour (Intuit: within 24
///   hours of the rotation).
/// - The refresh token's own expiry ([`TokenSet::refresh_expires_at`]) is kept when a refresh
///   answer does not report one for the same refresh token.
/// - `invalid_grant` is remembered: later calls fail with the same error without a request.
pub struct TokenManager {
    config: OAuthClientConfig,
    http: reqwest::Client,
    persistence: Arc<dyn TokenPersistence>,
    clock: Arc<dyn Clock>,
    margin: chrono::Duration,
    /// The provider account's limiter, when the token endpoint counts against its limit.
    limiter: Option<Arc<crate::RateLimiter>>,
    state: Mutex<State>,
}

struct State {
    tokens: TokenSet,
    /// Renewed tokens the provider issued whose save failed: never handed out until saved.
    unsaved: Option<TokenSet>,
    /// Set once the provider said the authorization is gone.
    dead: Option<OAuthError>,
}

impl fmt::Debug for TokenManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenManager")
            .field("provider", &self.config.provider_name)
            .field("margin", &self.margin)
            .finish_non_exhaustive()
    }
}

impl TokenManager {
    /// A manager starting from `initial` (as loaded from the store). `http` should not follow
    /// redirects (see [`super::token_http_client`]).
    pub fn new(
        config: OAuthClientConfig,
        http: reqwest::Client,
        initial: TokenSet,
        persistence: Arc<dyn TokenPersistence>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        TokenManager {
            config,
            http,
            persistence,
            clock,
            margin: chrono::Duration::seconds(DEFAULT_REFRESH_MARGIN_SECS),
            limiter: None,
            state: Mutex::new(State {
                tokens: initial,
                unsaved: None,
                dead: None,
            }),
        }
    }

    /// Refresh when less than `margin` of the access token's life is left.
    #[must_use]
    pub fn with_refresh_margin(mut self, margin: chrono::Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Counts each refresh in `limiter`, the provider account's: for a token endpoint on the
    /// API's host, which counts it against the account's limit.
    #[must_use]
    pub fn with_limiter(mut self, limiter: Arc<crate::RateLimiter>) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// A valid access token, refreshing first when it expires within the margin.
    pub async fn access_token(&self) -> Result<Sensitive<String>, OAuthError> {
        let mut state = self.state.lock().await;
        if let Some(error) = &state.dead {
            return Err(error.clone());
        }
        let now = self.clock.now();
        if !state.tokens.expires_within(now, self.margin) {
            return Ok(state.tokens.access_token.clone());
        }
        match self.refresh_locked(&mut state).await {
            // A transient failure while refreshing early (the network, or saving the renewed
            // tokens, which are kept for the next try): the current token still works.
            Err(OAuthError::Http(reason) | OAuthError::Persist(reason))
                if state
                    .tokens
                    .expires_at
                    .is_some_and(|at| at > self.clock.now()) =>
            {
                tracing::warn!(provider = %self.config.provider_name, %reason,
                    "early token refresh failed; using the current token");
                Ok(state.tokens.access_token.clone())
            }
            other => other,
        }
    }

    /// Refreshes now, whatever the expiry says (e.g. after the provider answered 401).
    pub async fn force_refresh(&self) -> Result<Sensitive<String>, OAuthError> {
        let mut state = self.state.lock().await;
        if let Some(error) = &state.dead {
            return Err(error.clone());
        }
        self.refresh_locked(&mut state).await
    }

    /// After a 401 for `rejected`: refreshes unless another caller already replaced that token,
    /// in which case the current one is returned. Many requests failing at once cause one refresh.
    pub async fn refresh_after_rejection(
        &self,
        rejected: &Sensitive<String>,
    ) -> Result<Sensitive<String>, OAuthError> {
        let mut state = self.state.lock().await;
        if let Some(error) = &state.dead {
            return Err(error.clone());
        }
        if state.tokens.access_token != *rejected {
            return Ok(state.tokens.access_token.clone());
        }
        self.refresh_locked(&mut state).await
    }

    /// The provider's display name.
    pub fn provider_name(&self) -> &str {
        &self.config.provider_name
    }

    /// A copy of the tokens currently held.
    pub async fn tokens(&self) -> TokenSet {
        self.state.lock().await.tokens.clone()
    }

    /// Saves the tokens a failed save left in memory; once saved they are the current ones.
    async fn save_unsaved(&self, state: &mut State) -> Result<(), OAuthError> {
        let Some(pending) = state.unsaved.take() else {
            return Ok(());
        };
        match self.persistence.save(&pending).await {
            Ok(()) => {
                tracing::info!(provider = %self.config.provider_name,
                    "saved the renewed tokens an earlier save had failed to write");
                state.tokens = pending;
                Ok(())
            }
            Err(error) => {
                state.unsaved = Some(pending);
                Err(OAuthError::Persist(persist_reason(error)))
            }
        }
    }

    async fn refresh_locked(&self, state: &mut State) -> Result<Sensitive<String>, OAuthError> {
        let provider = &self.config.provider_name;
        let had_unsaved = state.unsaved.is_some();
        self.save_unsaved(state).await?;
        let now = self.clock.now();
        if had_unsaved && !state.tokens.expires_within(now, self.margin) {
            return Ok(state.tokens.access_token.clone());
        }
        let asks = state.tokens.refresh_token.is_some() || self.config.client_secret.is_some();
        let sent = match &self.limiter {
            Some(limiter) if asks => Some(limiter.acquire().await),
            _ => None,
        };
        let renewed = match &state.tokens.refresh_token {
            Some(refresh_token) => refresh_at(&self.config, &self.http, refresh_token, now).await,
            None if self.config.client_secret.is_some() => {
                client_credentials_at(&self.config, &self.http, now).await
            }
            None => Err(OAuthError::NoRefreshToken {
                provider: provider.clone(),
            }),
        };
        if let (Some(limiter), Some(sent)) = (&self.limiter, sent) {
            limiter.answered(sent);
        }
        let renewed = match renewed {
            Ok(tokens) => tokens,
            Err(error) => {
                if error.needs_reconnect() {
                    tracing::warn!(provider = %provider, %error, "authorization needs reconnecting");
                    state.dead = Some(error.clone());
                }
                return Err(error);
            }
        };
        let mut renewed = renewed;
        let rotated = renewed.refresh_token != state.tokens.refresh_token;
        if !rotated && renewed.refresh_expires_at.is_none() {
            renewed.refresh_expires_at = state.tokens.refresh_expires_at;
        }
        if let Err(error) = self.persistence.save(&renewed).await {
            let reason = persist_reason(error);
            if rotated {
                // Kept unused until a save lands: the provider still honours the refresh token
                // on disk, and the unsaved one is there for the next try.
                tracing::error!(provider = %provider, %reason,
                    "could not save the rotated refresh token; not using the new tokens until saved");
                state.unsaved = Some(renewed);
                return Err(OAuthError::Persist(reason));
            }
            tracing::warn!(provider = %provider, %reason,
                "could not save the renewed access token; the refresh token is unchanged");
        }
        tracing::info!(provider = %provider, rotated, "access token refreshed");
        state.tokens = renewed;
        Ok(state.tokens.access_token.clone())
    }
}

/// The reason inside a persistence error, without repeating "could not save".
fn persist_reason(error: OAuthError) -> String {
    match error {
        OAuthError::Persist(reason) => reason,
        other => other.to_string(),
    }
}
