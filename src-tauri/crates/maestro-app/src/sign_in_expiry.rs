//! The alert "a tool's sign-in expires soon": an OAuth connection whose refresh token has a
//! known end (the provider reported it in the token answer, e.g. QuickBooks' 100-day rolling
//! `x_refresh_token_expires_in`) raises a warning [`WARN_DAYS`] days before it and turns urgent
//! [`URGENT_DAYS`] days before it, with the reconnect fix. Once a refresh or a reconnect moves
//! the end beyond the warning, or the connection is gone, the alert resolves itself.

use chrono::{DateTime, Utc};
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_store::alerts::{self, NewAlert, Severity};
use maestro_store::connections::{self, Connection};

use crate::App;
use crate::connect::StoredCredential;
use crate::error::Result;

/// Alert kind of a sign-in that expires soon (or has expired).
pub const KIND: &str = "sign_in_expiring";
/// Days before the end at which the warning is raised.
pub const WARN_DAYS: i64 = 14;
/// Days before the end at which it turns urgent.
pub const URGENT_DAYS: i64 = 3;
const KEY_PREFIX: &str = "sign_in_expiry:";

/// The dedupe key of `connection`'s alert.
fn key(connection: ConnectionId) -> String {
    format!("{KEY_PREFIX}{connection}")
}

/// The alert for `connection` of `tool` whose sign-in ends at `ends`, seen at `now`; `None`
/// while more than [`WARN_DAYS`] days are left.
pub fn alert(
    connection: &Connection,
    tool: &str,
    ends: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<NewAlert> {
    let left = ends - now;
    if left > chrono::Duration::days(WARN_DAYS) {
        return None;
    }
    let date = ends.date_naive();
    let when = ends.format("%Y-%m-%d %H:%M UTC");
    let (severity, title, detail) = if left <= chrono::Duration::zero() {
        (
            Severity::Critical,
            format!("{tool}'s sign-in expired on {date}: reconnect it to sync again"),
            format!(
                "The sign-in that lets “{}” read from and write to {tool} ended at {when}; \
                 {tool} refuses it now, so nothing syncs with it. Use Reconnect and sign in \
                 to {tool} again.",
                connection.display_name
            ),
        )
    } else {
        let days = left.num_days();
        let in_words = match days {
            0 => "less than a day".to_owned(),
            1 => "1 day".to_owned(),
            n => format!("{n} days"),
        };
        let severity = if left <= chrono::Duration::days(URGENT_DAYS) {
            Severity::Critical
        } else {
            Severity::Warning
        };
        (
            severity,
            format!("{tool}'s sign-in expires on {date}: reconnect before then or syncing stops"),
            format!(
                "The sign-in that lets “{}” read from and write to {tool} ends at {when}, in \
                 {in_words}; {tool} sets this limit and syncing cannot renew it. Use Reconnect \
                 and sign in to {tool} again before then; the new sign-in starts a new period.",
                connection.display_name
            ),
        )
    };
    Some(NewAlert {
        company_id: connection.company_id,
        connection_id: Some(connection.id),
        kind: KIND.into(),
        severity,
        dedupe_key: key(connection.id),
        title,
        detail,
        action: Some("reconnect".into()),
    })
}

/// The provider's display name ("QuickBooks Online"), for messages.
fn tool_name(provider: &str) -> String {
    maestro_connectors::Registry::current()
        .get(provider)
        .map(|d| d.manifest.name.to_owned())
        .unwrap_or_else(|| provider.to_owned())
}

/// When the saved sign-in of an OAuth connection ends, when the provider said.
fn ends(secret: &serde_json::Value) -> Option<DateTime<Utc>> {
    match serde_json::from_value(secret.clone()).ok()? {
        StoredCredential::OAuth2 { tokens, .. } => tokens.refresh_expires_at,
        StoredCredential::Fields { .. } => None,
    }
}

impl App {
    /// Raises or updates the expiry alert of every connection whose sign-in ends within
    /// [`WARN_DAYS`] days and resolves the others' (including those of removed connections).
    /// Returns how many are open.
    pub async fn check_sign_in_expiry(&self, company_id: CompanyId) -> Result<usize> {
        let now = self.now();
        let mut tx = self.store().write().await?;
        let mut raised = Vec::new();
        for connection in connections::list(tx.conn(), company_id).await? {
            let saved = connections::load_credential(tx.conn(), company_id, connection.id).await?;
            let end = saved.and_then(|(_, secret)| ends(secret.expose()));
            let tool = tool_name(&connection.provider);
            match end.and_then(|end| alert(&connection, &tool, end, now)) {
                Some(a) => {
                    alerts::raise(tx.conn(), &a, now).await?;
                    raised.push(a.dedupe_key);
                }
                None => {
                    alerts::resolve(tx.conn(), company_id, &key(connection.id), now).await?;
                }
            }
        }
        for stale in alerts::open(tx.conn(), company_id).await? {
            if stale.kind == KIND && !raised.contains(&stale.dedupe_key) {
                alerts::resolve(tx.conn(), company_id, &stale.dedupe_key, now).await?;
            }
        }
        tx.commit().await?;
        Ok(raised.len())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::sync::Arc;

    use maestro_core::clock::ManualClock;
    use maestro_core::sensitive::Sensitive;
    use maestro_http::oauth::TokenSet;
    use maestro_store::{MemorySecretStore, NewKey};
    use serde_json::json;

    use super::*;

    fn t0() -> DateTime<Utc> {
        "2027-02-01T09:00:00Z".parse().unwrap()
    }

    async fn save_tokens(
        app: &App,
        company: CompanyId,
        connection: ConnectionId,
        ends: Option<DateTime<Utc>>,
    ) {
        let credential = StoredCredential::OAuth2 {
            client_id: "client".into(),
            client_secret: Some(Sensitive::new("secret".into())),
            tokens: TokenSet {
                access_token: Sensitive::new("at".into()),
                refresh_token: Some(Sensitive::new("rt".into())),
                expires_at: None,
                scope: None,
                refresh_expires_at: ends,
            },
        };
        let mut tx = app.store().write().await.unwrap();
        connections::save_credential(
            tx.conn(),
            company,
            connection,
            "oauth2",
            &Sensitive::new(serde_json::to_value(&credential).unwrap()),
            None,
            app.now(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }

    async fn open(app: &App, company: CompanyId) -> Vec<alerts::Alert> {
        let mut conn = app.conn().await.unwrap();
        alerts::open(&mut conn, company)
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.kind == KIND)
            .collect()
    }

    #[tokio::test]
    async fn warns_two_weeks_ahead_turns_urgent_three_days_ahead_and_resolves_on_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(t0()));
        let app = App::init(
            &dir.path().join("data"),
            NewKey::Keychain(Arc::new(MemorySecretStore::default())),
            "Bluebird Bakery",
            clock.clone(),
        )
        .await
        .unwrap();
        let company = app.company(None).await.unwrap().id;
        let connection = {
            let mut tx = app.store().write().await.unwrap();
            let c = connections::insert(
                tx.conn(),
                company,
                "justworks",
                "Justworks (payroll)",
                &json!({}),
                t0(),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
            c
        };
        let ends: DateTime<Utc> = "2027-03-01T12:30:00Z".parse().unwrap();
        save_tokens(&app, company, connection.id, Some(ends)).await;

        // 28 days left: nothing yet.
        assert_eq!(app.check_sign_in_expiry(company).await.unwrap(), 0);
        assert!(open(&app, company).await.is_empty());

        // 14 days left: a warning with the reconnect fix.
        clock.set("2027-02-15T12:30:00Z".parse().unwrap());
        assert_eq!(app.check_sign_in_expiry(company).await.unwrap(), 1);
        let [warning] = open(&app, company).await.try_into().unwrap();
        assert_eq!(warning.severity, "warning");
        assert_eq!(
            warning.title,
            "Justworks's sign-in expires on 2027-03-01: reconnect before then or syncing stops"
        );
        assert!(
            warning.detail.contains("2027-03-01 12:30 UTC, in 14 days"),
            "{}",
            warning.detail
        );
        assert!(warning.detail.contains("“Justworks (payroll)”"));
        assert_eq!(warning.action.as_deref(), Some("reconnect"));
        assert_eq!(warning.connection_id, Some(connection.id));

        // 3 days left: the same alert, urgent.
        clock.set("2027-02-26T12:30:00Z".parse().unwrap());
        app.check_sign_in_expiry(company).await.unwrap();
        let [urgent] = open(&app, company).await.try_into().unwrap();
        assert_eq!(urgent.id, warning.id);
        assert_eq!(urgent.severity, "critical");

        // Past the end.
        clock.set("2027-03-02T08:00:00Z".parse().unwrap());
        app.check_sign_in_expiry(company).await.unwrap();
        let [expired] = open(&app, company).await.try_into().unwrap();
        assert_eq!(
            expired.title,
            "Justworks's sign-in expired on 2027-03-01: reconnect it to sync again"
        );

        // A reconnect (or a rotation) saves a new end 100 days on: resolved.
        save_tokens(
            &app,
            company,
            connection.id,
            Some(app.now() + chrono::Duration::days(100)),
        )
        .await;
        assert_eq!(app.check_sign_in_expiry(company).await.unwrap(), 0);
        assert!(open(&app, company).await.is_empty());

        // A provider that reports no end raises nothing.
        save_tokens(&app, company, connection.id, None).await;
        clock.set("2027-06-09T08:00:00Z".parse().unwrap());
        assert_eq!(app.check_sign_in_expiry(company).await.unwrap(), 0);
    }

    #[test]
    fn under_a_day_left_is_said_so() {
        let connection = Connection {
            id: ConnectionId::new(),
            company_id: CompanyId::new(),
            provider: "quickbooks".into(),
            display_name: "QuickBooks".into(),
            config: json!({}),
            status: "active".into(),
            created_at: t0(),
            updated_at: t0(),
        };
        let a = alert(
            &connection,
            "QuickBooks Online",
            t0() + chrono::Duration::hours(5),
            t0(),
        )
        .unwrap();
        assert_eq!(a.severity, Severity::Critical);
        assert!(a.detail.contains("in less than a day"), "{}", a.detail);
        assert!(
            alert(
                &connection,
                "QuickBooks Online",
                t0() + chrono::Duration::days(15),
                t0()
            )
            .is_none()
        );
    }
}
