//! Credentials of the local API (`maestro-gateway`): API keys (only their SHA-256 is kept),
//! the secrets providers sign their webhooks with, and the gateway's generated TLS identity.

use chrono::{DateTime, Utc};
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::sensitive::Sensitive;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use crate::error::{Result, StoreError};
use crate::store::parse_col;
use crate::time::{fmt_ts, parse_ts};

/// What every key starts with, so a leaked one is recognisable.
pub const KEY_PREFIX: &str = "mk_live_";

/// An API key as stored (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiKey {
    /// Id, shown in lists and written in the audit log.
    pub id: String,
    /// The company whose data it reads and writes.
    pub company_id: CompanyId,
    /// A name chosen by the owner ("payroll export script").
    pub name: String,
    /// The first characters of the key, to recognise it.
    pub prefix: String,
    /// Scopes such as `employees:read`, `time_entries:write`, `*:read`.
    pub scopes: Vec<String>,
    /// Requests allowed per minute.
    pub rate_per_minute: u32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last used (recorded at most about once a minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked (a revoked key is refused).
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new key: the stored record and the key itself, to show once.
#[derive(Debug)]
pub struct CreatedKey {
    /// The stored record.
    pub key: ApiKey,
    /// The key to hand to the owner; it cannot be shown again.
    pub secret: Sensitive<String>,
}

/// SHA-256 (hex) of a presented key: what is stored and looked up.
pub fn hash_key(presented: &str) -> String {
    hex::encode(Sha256::digest(presented.as_bytes()))
}

const COLUMNS: &str = "id, company_id, name, prefix, scopes, rate_per_minute, created_at, \
                       last_used_at, revoked_at";

fn decode(row: &SqliteRow) -> Result<ApiKey> {
    let opt_ts = |col: &str| -> Result<Option<DateTime<Utc>>> {
        row.try_get::<Option<String>, _>(col)?
            .map(|s| parse_ts(&s))
            .transpose()
    };
    let scopes: String = row.try_get("scopes")?;
    Ok(ApiKey {
        id: row.try_get("id")?,
        company_id: parse_col(
            &row.try_get::<String, _>("company_id")?,
            "api_keys.company_id",
        )?,
        name: row.try_get("name")?,
        prefix: row.try_get("prefix")?,
        scopes: serde_json::from_str(&scopes)
            .map_err(|_| StoreError::Corrupt("column api_keys.scopes".into()))?,
        rate_per_minute: u32::try_from(row.try_get::<i64, _>("rate_per_minute")?)
            .map_err(|_| StoreError::Corrupt("column api_keys.rate_per_minute".into()))?,
        created_at: parse_ts(&row.try_get::<String, _>("created_at")?)?,
        last_used_at: opt_ts("last_used_at")?,
        revoked_at: opt_ts("revoked_at")?,
    })
}

/// Creates a key of 32 random bytes for `company_id`; only its hash is stored.
pub async fn create(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    name: &str,
    scopes: &[String],
    rate_per_minute: u32,
    at: DateTime<Utc>,
) -> Result<CreatedKey> {
    if name.trim().is_empty() {
        return Err(StoreError::Invalid("give the key a name".into()));
    }
    if scopes.is_empty() {
        return Err(StoreError::Invalid(
            "give the key at least one scope (for example employees:read)".into(),
        ));
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = format!("{KEY_PREFIX}{}", hex::encode(bytes));
    let prefix: String = secret.chars().take(KEY_PREFIX.len() + 6).collect();
    let id = uuid::Uuid::now_v7().to_string();
    let scopes_json =
        serde_json::to_string(scopes).map_err(|e| StoreError::Invalid(format!("scopes: {e}")))?;
    sqlx::query(
        "INSERT INTO api_keys (id, company_id, name, prefix, key_hash, scopes, rate_per_minute,
            created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .bind(&id)
    .bind(company_id.to_string())
    .bind(name.trim())
    .bind(&prefix)
    .bind(hash_key(&secret))
    .bind(scopes_json)
    .bind(i64::from(rate_per_minute))
    .bind(fmt_ts(at))
    .execute(&mut *conn)
    .await?;
    let key = get(conn, company_id, &id).await?;
    Ok(CreatedKey {
        key,
        secret: Sensitive::new(secret),
    })
}

/// One key of `company_id`.
pub async fn get(conn: &mut SqliteConnection, company_id: CompanyId, id: &str) -> Result<ApiKey> {
    let sql = format!("SELECT {COLUMNS} FROM api_keys WHERE company_id = ?1 AND id = ?2");
    let row = sqlx::query(&sql)
        .bind(company_id.to_string())
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("API key {id}")))?;
    decode(&row)
}

/// The key whose hash is `key_hash`, revoked or not (any company).
pub async fn find_by_hash(conn: &mut SqliteConnection, key_hash: &str) -> Result<Option<ApiKey>> {
    let sql = format!("SELECT {COLUMNS} FROM api_keys WHERE key_hash = ?1");
    let row = sqlx::query(&sql)
        .bind(key_hash)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(decode).transpose()
}

/// Every key of `company_id`, oldest first.
pub async fn list(conn: &mut SqliteConnection, company_id: CompanyId) -> Result<Vec<ApiKey>> {
    let sql =
        format!("SELECT {COLUMNS} FROM api_keys WHERE company_id = ?1 ORDER BY created_at, id");
    let rows = sqlx::query(&sql)
        .bind(company_id.to_string())
        .fetch_all(conn)
        .await?;
    rows.iter().map(decode).collect()
}

/// Revokes a key; false when it was already revoked.
pub async fn revoke(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    id: &str,
    at: DateTime<Utc>,
) -> Result<bool> {
    get(&mut *conn, company_id, id).await?;
    let done = sqlx::query(
        "UPDATE api_keys SET revoked_at = ?3 WHERE company_id = ?1 AND id = ?2
           AND revoked_at IS NULL",
    )
    .bind(company_id.to_string())
    .bind(id)
    .bind(fmt_ts(at))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records that a key was used at `at`.
pub async fn touch(conn: &mut SqliteConnection, id: &str, at: DateTime<Utc>) -> Result<()> {
    sqlx::query("UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1")
        .bind(id)
        .bind(fmt_ts(at))
        .execute(conn)
        .await?;
    Ok(())
}

/// Saves the secret a provider signs the webhooks of `connection_id` with.
pub async fn set_webhook_secret(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
    secret: &Sensitive<String>,
    at: DateTime<Utc>,
) -> Result<()> {
    if secret.expose().is_empty() {
        return Err(StoreError::Invalid("the webhook secret is empty".into()));
    }
    sqlx::query(
        "INSERT INTO webhook_secrets (company_id, connection_id, secret, updated_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (company_id, connection_id) DO UPDATE SET secret = ?3, updated_at = ?4",
    )
    .bind(company_id.to_string())
    .bind(connection_id.to_string())
    .bind(secret.expose())
    .bind(fmt_ts(at))
    .execute(conn)
    .await?;
    Ok(())
}

/// The webhook secret of `connection_id`, if one was saved.
pub async fn webhook_secret(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
) -> Result<Option<Sensitive<String>>> {
    let row = sqlx::query(
        "SELECT secret FROM webhook_secrets WHERE company_id = ?1 AND connection_id = ?2",
    )
    .bind(company_id.to_string())
    .bind(connection_id.to_string())
    .fetch_optional(conn)
    .await?;
    row.map(|r| Ok(Sensitive::new(r.try_get::<String, _>("secret")?)))
        .transpose()
}

/// The gateway's TLS identity: certificate and private key, PEM.
#[derive(Debug, Clone)]
pub struct TlsIdentity {
    /// Certificate (PEM).
    pub cert_pem: String,
    /// Private key (PEM).
    pub key_pem: Sensitive<String>,
    /// When it was generated.
    pub created_at: DateTime<Utc>,
}

/// The saved TLS identity, if any.
pub async fn tls_identity(conn: &mut SqliteConnection) -> Result<Option<TlsIdentity>> {
    let row = sqlx::query("SELECT cert_pem, key_pem, created_at FROM gateway_tls WHERE id = 1")
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        Ok(TlsIdentity {
            cert_pem: r.try_get("cert_pem")?,
            key_pem: Sensitive::new(r.try_get("key_pem")?),
            created_at: parse_ts(&r.try_get::<String, _>("created_at")?)?,
        })
    })
    .transpose()
}

/// Saves (replaces) the TLS identity.
pub async fn set_tls_identity(conn: &mut SqliteConnection, identity: &TlsIdentity) -> Result<()> {
    sqlx::query(
        "INSERT INTO gateway_tls (id, cert_pem, key_pem, created_at) VALUES (1, ?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET cert_pem = ?1, key_pem = ?2, created_at = ?3",
    )
    .bind(&identity.cert_pem)
    .bind(identity.key_pem.expose())
    .bind(fmt_ts(identity.created_at))
    .execute(conn)
    .await?;
    Ok(())
}
