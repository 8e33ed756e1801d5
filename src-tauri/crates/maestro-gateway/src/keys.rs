//! API keys: scopes, the caller they identify, and the owner's key administration (create,
//! list, revoke), each audited.

use maestro_app::{App, AppError, ErrorCode};
use maestro_core::ids::CompanyId;
use maestro_store::api_keys::{self, ApiKey, CreatedKey};
use maestro_store::audit::{self, AuditEvent};

use crate::resources::ResourceType;

/// Read or write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read.
    Read,
    /// Write (includes read).
    Write,
}

impl Access {
    fn as_str(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
        }
    }
}

/// Scope names that are not resource types.
pub const EVENTS_SCOPE: &str = "events";

/// Requests per minute of a new key unless chosen.
pub const DEFAULT_RATE_PER_MINUTE: u32 = 600;

/// Checks scope strings (`employees:read`, `time_entries:write`, `*:read`, `events:read`) and
/// returns them normalised.
pub fn parse_scopes(scopes: &[String]) -> Result<Vec<String>, AppError> {
    let mut out = Vec::new();
    for s in scopes.iter().flat_map(|s| s.split(',')) {
        let s = s.trim();
        if s.is_empty() {
            continue;
        }
        let (entity, access) = s.split_once(':').ok_or_else(|| bad_scope(s))?;
        if !matches!(access, "read" | "write") {
            return Err(bad_scope(s));
        }
        if entity != "*" && entity != EVENTS_SCOPE && ResourceType::from_name(entity).is_none() {
            return Err(bad_scope(s));
        }
        let scope = format!("{entity}:{access}");
        if !out.contains(&scope) {
            out.push(scope);
        }
    }
    if out.is_empty() {
        return Err(AppError::new(
            ErrorCode::Validation,
            "give the key at least one scope, for example --scope employees:read",
        ));
    }
    Ok(out)
}

fn bad_scope(s: &str) -> AppError {
    AppError::new(
        ErrorCode::Validation,
        format!(
            "'{s}' is not a scope; write ENTITY:read or ENTITY:write with ENTITY one of *, \
             events, {}",
            ResourceType::ALL
                .iter()
                .map(|t| t.name())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
}

/// The caller of a request: an unrevoked key.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The key.
    pub key: ApiKey,
}

impl Principal {
    /// True when the key grants `access` to `entity` (write implies read; `*` is every entity).
    pub fn allows(&self, entity: &str, access: Access) -> bool {
        self.key.scopes.iter().any(|s| {
            let Some((e, a)) = s.split_once(':') else {
                return false;
            };
            let entity_ok = e == entity || e == "*";
            let access_ok = a == access.as_str() || a == "write";
            entity_ok && access_ok
        })
    }

    /// The company the key belongs to.
    pub fn company_id(&self) -> CompanyId {
        self.key.company_id
    }

    /// Who acts, in audit entries.
    pub fn actor(&self) -> String {
        format!("api-key:{}", self.key.id)
    }
}

/// Creates a key for `company_id`; the returned secret is shown once and never stored.
pub async fn create_key(
    app: &App,
    company_id: CompanyId,
    name: &str,
    scopes: &[String],
    rate_per_minute: Option<u32>,
) -> Result<CreatedKey, AppError> {
    let scopes = parse_scopes(scopes)?;
    let rate = rate_per_minute.unwrap_or(DEFAULT_RATE_PER_MINUTE);
    if rate == 0 {
        return Err(AppError::new(
            ErrorCode::Validation,
            "the rate limit must allow at least one request per minute",
        ));
    }
    let now = app.now();
    let mut tx = app.store().write().await?;
    let created = api_keys::create(tx.conn(), company_id, name, &scopes, rate, now).await?;
    audit::append(
        tx.conn(),
        &AuditEvent::new("owner", "api_key.create", &created.key.id)
            .company(company_id)
            .detail(serde_json::json!({
                "name": created.key.name,
                "scopes": created.key.scopes,
                "rate_per_minute": rate,
            })),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(created)
}

/// The company's keys (hashes are never returned).
pub async fn list_keys(app: &App, company_id: CompanyId) -> Result<Vec<ApiKey>, AppError> {
    let mut conn = app
        .store()
        .pool()
        .acquire()
        .await
        .map_err(maestro_store::StoreError::from)?;
    Ok(api_keys::list(&mut conn, company_id).await?)
}

/// Revokes a key at once; audited.
pub async fn revoke_key(app: &App, company_id: CompanyId, id: &str) -> Result<(), AppError> {
    let now = app.now();
    let mut tx = app.store().write().await?;
    let revoked = api_keys::revoke(tx.conn(), company_id, id, now)
        .await
        .map_err(|e| match e {
            maestro_store::StoreError::NotFound(_) => AppError::new(
                ErrorCode::NotFound,
                format!("there is no API key '{id}' (see `maestro api-key list`)"),
            ),
            other => other.into(),
        })?;
    if !revoked {
        return Err(AppError::new(
            ErrorCode::Validation,
            format!("API key '{id}' was already revoked"),
        ));
    }
    audit::append(
        tx.conn(),
        &AuditEvent::new("owner", "api_key.revoke", id).company(company_id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Saves the secret a provider signs the webhooks of a connection with; audited.
pub async fn set_webhook_secret(
    app: &App,
    company_id: CompanyId,
    connection_id: maestro_core::ids::ConnectionId,
    secret: &maestro_core::sensitive::Sensitive<String>,
) -> Result<(), AppError> {
    let now = app.now();
    let mut tx = app.store().write().await?;
    maestro_store::connections::get(tx.conn(), company_id, connection_id).await?;
    api_keys::set_webhook_secret(tx.conn(), company_id, connection_id, secret, now).await?;
    audit::append(
        tx.conn(),
        &AuditEvent::new("owner", "webhook.secret_set", &connection_id.to_string())
            .company(company_id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn principal(scopes: &[&str]) -> Principal {
        Principal {
            key: ApiKey {
                id: "k".into(),
                company_id: CompanyId::new(),
                name: "t".into(),
                prefix: "mk_live_".into(),
                scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
                rate_per_minute: 1,
                created_at: chrono::Utc::now(),
                last_used_at: None,
                revoked_at: None,
            },
        }
    }

    #[test]
    fn scopes_grant_what_they_name() {
        let p = principal(&["employees:read", "time_entries:write"]);
        assert!(p.allows("employees", Access::Read));
        assert!(!p.allows("employees", Access::Write));
        assert!(p.allows("time_entries", Access::Read));
        assert!(p.allows("time_entries", Access::Write));
        assert!(!p.allows("pay_statements", Access::Read));
        let all = principal(&["*:read"]);
        assert!(all.allows("pay_statements", Access::Read));
        assert!(!all.allows("employees", Access::Write));
    }

    #[test]
    fn scope_strings_are_checked() {
        let ok = parse_scopes(&["employees:read, *:write".into(), "events:read".into()]).unwrap();
        assert_eq!(ok, vec!["employees:read", "*:write", "events:read"]);
        assert!(parse_scopes(&["pets:read".into()]).is_err());
        assert!(parse_scopes(&["employees:delete".into()]).is_err());
        assert!(parse_scopes(&["employees".into()]).is_err());
        assert!(parse_scopes(&[]).is_err());
    }
}
