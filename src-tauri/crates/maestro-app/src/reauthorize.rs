//! Reconnecting an OAuth connection: sign in again through the browser with the saved client
//! registration, replace the saved tokens, and test. (API-key connections are reconnected
//! with new field values: [`App::reconnect`].)

use maestro_connectors::{AuthKind, CheckReport};
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_http::oauth::BrowserOpener;
use maestro_store::connections;

use crate::App;
use crate::connect::{
    StoredCredential, auth_base, config_values, oauth_config, oauth_error, resolve_base_url,
};
use crate::error::{AppError, ErrorCode, Result};

/// How long the owner has to finish signing in before the attempt is abandoned.
const SIGN_IN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

impl App {
    /// Whether a saved connection signs in with OAuth (its fix is [`App::reauthorize`]) rather
    /// than with typed keys.
    pub async fn uses_oauth(
        &self,
        company_id: CompanyId,
        connection_id: ConnectionId,
    ) -> Result<bool> {
        let mut conn = self.conn().await?;
        let connection = connections::get(&mut conn, company_id, connection_id).await?;
        Ok(matches!(
            self.manifest(&connection.provider)?.auth,
            AuthKind::OAuth2 { .. }
        ))
    }

    /// Signs an OAuth connection in again (the "reconnect" fix after a revoked or expired
    /// grant): runs authorization code + PKCE in `browser` with the saved client id, saves the
    /// new tokens (audited as `credential.replace`), then tests the connection, which clears
    /// the "needs reconnect" state and its alert. Nothing is replaced if signing in fails.
    pub async fn reauthorize(
        &self,
        company_id: CompanyId,
        connection_id: ConnectionId,
        browser: &dyn BrowserOpener,
    ) -> Result<CheckReport> {
        let mut conn = self.conn().await?;
        let connection = connections::get(&mut conn, company_id, connection_id).await?;
        let saved = connections::load_credential(&mut conn, company_id, connection_id).await?;
        drop(conn);
        let manifest = self.manifest(&connection.provider)?;
        if !matches!(manifest.auth, AuthKind::OAuth2 { .. }) {
            return Err(AppError::new(
                ErrorCode::Validation,
                format!(
                    "{} signs in with a key, not through the browser; enter the new key instead",
                    connection.display_name
                ),
            ));
        }
        let (client_id, client_secret) = match saved
            .and_then(|(_, secret)| serde_json::from_value(secret.expose().clone()).ok())
        {
            Some(StoredCredential::OAuth2 {
                client_id,
                client_secret,
                ..
            }) => (client_id, client_secret),
            _ => {
                return Err(AppError::new(
                    ErrorCode::Validation,
                    format!(
                        "{} has no saved app registration to sign in with; remove it and connect it again",
                        connection.display_name
                    ),
                ));
            }
        };
        let values = config_values(&connection.config);
        let base_url = resolve_base_url(manifest, &connection.config, &values)?;
        let cfg = oauth_config(
            manifest,
            &auth_base(manifest, &connection.config, &base_url)?,
            &client_id,
            client_secret.as_ref(),
        )?;
        let http = maestro_http::oauth::token_http_client().map_err(oauth_error)?;
        let tokens =
            maestro_http::oauth::authorize_with_pkce(&cfg, browser, &http, SIGN_IN_TIMEOUT)
                .await
                .map_err(oauth_error)?;
        let credential = StoredCredential::OAuth2 {
            client_id,
            client_secret,
            tokens,
        };
        self.replace_credential(
            company_id,
            connection_id,
            &credential,
            serde_json::json!({"method": "oauth"}),
        )
        .await?;
        self.check_connection(company_id, connection_id).await
    }
}
