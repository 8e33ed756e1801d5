//! Raw Harvest API v2 types (spec `harvest/harvest-openapi.yaml`), only the fields we map. The
//! whole object is kept as `raw` next to the canonical record.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

/// `GET /v2/users` item (`User`).
#[derive(Debug, Clone, Deserialize)]
pub struct User {
    /// Harvest user id.
    pub id: u64,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Login email.
    pub email: Option<String>,
    /// Phone, often `""`.
    pub telephone: Option<String>,
    /// Contractor rather than employee.
    pub is_contractor: Option<bool>,
    /// False when archived.
    pub is_active: Option<bool>,
    /// Last change.
    pub updated_at: Option<DateTime<Utc>>,
}

/// `{id, name}` reference embedded in a time entry.
#[derive(Debug, Clone, Deserialize)]
pub struct NamedRef {
    /// Id.
    pub id: u64,
    /// Display name.
    pub name: Option<String>,
    /// Currency code: the spec's `TimeEntry.client` has none, but the API's own examples for
    /// clients carry one; read when present.
    #[serde(default)]
    pub currency: Option<String>,
}

/// `GET /v2/time_entries` item (`TimeEntry`).
#[derive(Debug, Clone, Deserialize)]
pub struct TimeEntry {
    /// Harvest time entry id.
    pub id: u64,
    /// Day worked.
    pub spent_date: NaiveDate,
    /// Who tracked it.
    pub user: NamedRef,
    /// Client.
    pub client: Option<NamedRef>,
    /// Project.
    pub project: Option<NamedRef>,
    /// Task.
    pub task: Option<NamedRef>,
    /// Tracked hours, exact.
    #[serde(deserialize_with = "exact::decimal")]
    pub hours: Decimal,
    /// Notes.
    pub notes: Option<String>,
    /// Billable to the client.
    pub billable: Option<bool>,
    /// Billable hourly rate.
    #[serde(default, deserialize_with = "exact::optional_decimal")]
    pub billable_rate: Option<Decimal>,
    /// Cost hourly rate.
    #[serde(default, deserialize_with = "exact::optional_decimal")]
    pub cost_rate: Option<Decimal>,
    /// Last change.
    pub updated_at: Option<DateTime<Utc>>,
}

/// `GET /v2/company` (`Company`): the spec lists no currency.
#[derive(Debug, Clone, Deserialize)]
pub struct Company {
    /// Account name.
    pub name: Option<String>,
    /// True when time is tracked with start/end times (creating by duration is then refused).
    pub wants_timestamp_timers: Option<bool>,
}

/// `GET /v2/users/me`.
#[derive(Debug, Clone, Deserialize)]
pub struct Me {
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Login email.
    pub email: Option<String>,
}

/// Exact decimals from JSON numbers.
///
/// Harvest sends hours and rates as JSON numbers. serde_json (without `arbitrary_precision`)
/// holds them as f64, whose shortest round-trip text is the text that was sent for anything up
/// to 15 significant digits, so `Decimal::from_str_exact` on that text is exact for every value
/// Harvest produces. Decimal strings are accepted too.
pub mod exact {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, de::Error};
    use serde_json::Value;

    /// The exact decimal of a JSON number or numeric string.
    pub fn from_value<E: Error>(v: &Value) -> Result<Decimal, E> {
        let text = match v {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.trim().to_owned(),
            other => {
                return Err(E::custom(format!(
                    "expected a decimal number, found {other}"
                )));
            }
        };
        Decimal::from_str_exact(&text)
            .or_else(|_| Decimal::from_scientific(&text))
            .map_err(|_| E::custom(format!("expected a decimal number, found {v}")))
    }

    /// Deserializes a required decimal.
    pub fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        from_value(&Value::deserialize(d)?)
    }

    /// Deserializes a nullable decimal.
    pub fn optional_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            v => from_value(&v).map(Some),
        }
    }
}

/// The parts of a time entry the idempotency lookup needs (also the `POST` answer).
#[derive(Debug, Clone, Deserialize)]
pub struct EntryNotes {
    /// Harvest time entry id.
    pub id: u64,
    /// Notes, where the idempotency marker lives.
    pub notes: Option<String>,
}
