//! BambooHR payloads as the public OpenAPI spec describes them (`bamboohr-public.openapi.yaml`).
//! Only the fields we map are typed; everything else stays in the raw JSON. Ids are strings in
//! some endpoints and integers in others, and empty dates come as `""` or `"0000-00-00"`, so the
//! [`flex`] helpers accept both.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use maestro_core::money::Money;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;

/// `GET /api/v1/company_information`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompanyInformation {
    pub legal_name: Option<String>,
    pub display_name: Option<String>,
    pub address: Option<CompanyAddress>,
    pub phone: Option<String>,
}

/// The company's address (`country` is not in the spec but some accounts send it).
#[derive(Debug, Deserialize)]
pub struct CompanyAddress {
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
    pub country: Option<String>,
}

/// `GET /api/v1/employees` (cursor list); items are decoded one by one.
#[derive(Debug, Deserialize)]
pub struct EmployeeList {
    pub data: Vec<Value>,
    pub meta: Option<CursorMeta>,
    #[serde(rename = "_links")]
    pub links: Option<Links>,
}

/// `meta` of the employee list.
#[derive(Debug, Deserialize)]
pub struct CursorMeta {
    pub total: Option<u64>,
    pub page: Option<CursorPage>,
}

/// `meta.page` of the employee list.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CursorPage {
    pub next_cursor: Option<String>,
}

/// `_links` (`{next: {href}}`).
#[derive(Debug, Default, Deserialize)]
pub struct Links {
    pub next: Option<Link>,
}

/// One hypermedia link.
#[derive(Debug, Deserialize)]
pub struct Link {
    pub href: Option<String>,
}

/// An item of the employee list (only the id is needed; details come from Get Employee).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmployeeListItem {
    #[serde(deserialize_with = "flex::id")]
    pub employee_id: String,
    pub work_email: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_text")]
    pub department_id: Option<String>,
    pub department_name: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_text")]
    pub location_id: Option<String>,
    pub location_name: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_text")]
    pub reports_to_id: Option<String>,
}

/// `GET /api/v1/employees/{id}?fields=…` (custom fields are read from the raw object).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmployeeDetail {
    #[serde(deserialize_with = "flex::id")]
    pub id: String,
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    pub last_name: Option<String>,
    pub preferred_name: Option<String>,
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_text")]
    pub employee_number: Option<String>,
    pub work_email: Option<String>,
    pub home_email: Option<String>,
    pub work_phone: Option<String>,
    pub mobile_phone: Option<String>,
    pub home_phone: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_date")]
    pub birth_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "flex::opt_date")]
    pub hire_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "flex::opt_date")]
    pub termination_date: Option<NaiveDate>,
    pub status: Option<String>,
    pub employment_status: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_text")]
    pub department_id: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_text")]
    pub location_id: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_text")]
    pub reports_to_id: Option<String>,
    /// Classic name of `employmentStatus`.
    pub employment_history_status: Option<String>,
}

/// `POST /api/v1/reports/custom?format=JSON`: one object per employee, `id` plus one key per
/// requested field (the same shape as Get Employee).
#[derive(Debug, Deserialize)]
pub struct CustomReport {
    #[serde(default)]
    pub employees: Vec<Value>,
}

/// `GET /api/v1_2/datasets/{datasetName}/fields` (`DatasetFieldsResponse`).
#[derive(Debug, Deserialize)]
pub struct DatasetFields {
    #[serde(default)]
    pub fields: Vec<DatasetField>,
    pub pagination: Option<DatasetPagination>,
}

/// A dataset field (`Field`): its machine-readable name.
#[derive(Debug, Deserialize)]
pub struct DatasetField {
    pub name: Option<String>,
}

/// The `Pagination` object of the fields list (the spec's examples give numbers as text).
#[derive(Debug, Deserialize)]
pub struct DatasetPagination {
    #[serde(default, deserialize_with = "flex::opt_text")]
    pub total_pages: Option<String>,
}

/// `POST /api/v2/datasets/{datasetName}/data` (`DatasetDataResponseV2`); rows are decoded one
/// by one.
#[derive(Debug, Deserialize)]
pub struct DatasetData {
    #[serde(default)]
    pub data: Vec<Value>,
    pub meta: Option<PageMeta>,
}

/// One dataset row: the requested fields and their values.
#[derive(Debug, Deserialize)]
pub struct DatasetRow {
    pub fields: serde_json::Map<String, Value>,
}

/// `GET /api/v1/employees/changed?since=`.
#[derive(Debug, Deserialize)]
pub struct ChangedEmployees {
    #[serde(deserialize_with = "flex::map_or_empty")]
    pub employees: BTreeMap<String, ChangedEmployee>,
}

/// One entry of the changed-employees map.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangedEmployee {
    #[serde(deserialize_with = "flex::id")]
    pub id: String,
    /// `Inserted`, `Updated` or `Deleted`.
    pub action: String,
    pub last_changed: Option<DateTime<Utc>>,
}

/// `GET /api/v1/employees/changed/tables/{table}?since=`.
#[derive(Debug, Deserialize)]
pub struct ChangedTable {
    #[serde(deserialize_with = "flex::map_or_empty")]
    pub employees: BTreeMap<String, ChangedTableEmployee>,
}

/// The rows of one changed employee.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangedTableEmployee {
    pub last_changed: Option<DateTime<Utc>>,
    #[serde(default)]
    pub rows: Vec<Value>,
}

/// A `jobInfo` table row.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobInfoRow {
    #[serde(deserialize_with = "flex::id")]
    pub id: String,
    #[serde(default, deserialize_with = "flex::opt_date")]
    pub date: Option<NaiveDate>,
    pub job_title: Option<String>,
}

/// A `compensation` table row (`rate` is `{value, currency}` or `"25.00 USD"`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompensationRow {
    #[serde(deserialize_with = "flex::id")]
    pub id: String,
    #[serde(default, deserialize_with = "flex::opt_date")]
    pub start_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "flex::opt_money")]
    pub rate: Option<Money>,
    /// `Hourly`, `Salary`, `Commission`…
    #[serde(rename = "type")]
    pub pay_type: Option<String>,
    /// `Exempt` / `Non-exempt`.
    pub exempt: Option<String>,
    pub reason: Option<String>,
    /// `Hour`, `Day`, `Week`, `Month`, `Quarter`, `Year`, `Paycheck`, `Piece`.
    pub paid_per: Option<String>,
    pub pay_schedule: Option<String>,
}

/// An `employmentStatus` table row.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmploymentStatusRow {
    #[serde(default, deserialize_with = "flex::opt_date")]
    pub date: Option<NaiveDate>,
    pub employment_status: Option<String>,
}

/// `GET /api/v1/meta/lists` item.
#[derive(Debug, Deserialize)]
pub struct ListField {
    pub alias: Option<String>,
    #[serde(default)]
    pub options: Vec<Value>,
}

/// An option of a list field (a department), `ListFieldOption` in the spec.
#[derive(Debug, Deserialize)]
pub struct ListOption {
    #[serde(deserialize_with = "flex::id")]
    pub id: String,
    pub name: String,
    /// `yes` for an option kept only so that historical data can refer to it (spec).
    #[serde(default)]
    pub archived: Option<String>,
}

impl ListOption {
    /// Whether the option is archived (not a current value).
    pub fn is_archived(&self) -> bool {
        self.archived
            .as_deref()
            .is_some_and(|a| a.trim().eq_ignore_ascii_case("yes"))
    }
}

/// `GET /api/v1/meta/fields` item.
#[derive(Debug, Deserialize)]
pub struct MetaField {
    pub alias: Option<String>,
    pub deprecated: Option<bool>,
}

/// `GET /api/v1/hris/org/locations` page.
#[derive(Debug, Deserialize)]
pub struct LocationPage {
    pub data: Vec<Value>,
    pub meta: Option<PageMeta>,
}

/// Page/pageSize metadata.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageMeta {
    pub total_pages: Option<u32>,
}

/// A job location.
#[derive(Debug, Deserialize)]
pub struct LocationItem {
    #[serde(deserialize_with = "flex::id")]
    pub id: String,
    pub label: Option<String>,
    /// Archived locations are not current ones (the endpoint leaves them out by default).
    #[serde(default)]
    pub archived: Option<bool>,
    pub address: Option<LocationAddress>,
}

/// A location's address (`state`/`country` present with `expand=state,country`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocationAddress {
    pub address1: Option<String>,
    pub address2: Option<String>,
    pub city: Option<String>,
    pub state: Option<NamedCode>,
    pub zipcode: Option<String>,
    pub country: Option<NamedCode>,
    pub timezone: Option<String>,
}

/// An expanded state or country.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NamedCode {
    pub name: Option<String>,
    pub abbreviation: Option<String>,
    pub iso_code: Option<String>,
}

/// `GET /api/v1/meta/time_off/types`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeOffTypes {
    pub time_off_types: Vec<Value>,
}

/// A time-off type (the canonical policy).
#[derive(Debug, Deserialize)]
pub struct TimeOffType {
    #[serde(deserialize_with = "flex::id")]
    pub id: String,
    pub name: String,
    pub units: Option<String>,
}

/// `GET /api/v1/time_off/requests` item.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeOffRequestItem {
    #[serde(deserialize_with = "flex::id")]
    pub id: String,
    #[serde(deserialize_with = "flex::id")]
    pub employee_id: String,
    #[serde(deserialize_with = "flex::date")]
    pub start: NaiveDate,
    #[serde(deserialize_with = "flex::date")]
    pub end: NaiveDate,
    #[serde(default, deserialize_with = "flex::opt_date")]
    pub created: Option<NaiveDate>,
    pub status: RequestStatus,
    #[serde(rename = "type")]
    pub kind: Option<RequestType>,
    pub amount: Option<RequestAmount>,
    pub notes: Option<RequestNotes>,
}

/// `status` of a request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestStatus {
    pub status: String,
    #[serde(default, deserialize_with = "flex::opt_date")]
    pub last_changed: Option<NaiveDate>,
}

/// `type` of a request.
#[derive(Debug, Deserialize)]
pub struct RequestType {
    #[serde(deserialize_with = "flex::id")]
    pub id: String,
    pub name: Option<String>,
}

/// `amount` of a request.
#[derive(Debug, Deserialize)]
pub struct RequestAmount {
    pub unit: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_decimal")]
    pub amount: Option<Decimal>,
}

/// `notes` of a request.
#[derive(Debug, Deserialize)]
pub struct RequestNotes {
    pub employee: Option<String>,
}

/// `GET /api/v1/employees/{id}/time_off/calculator` item.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BalanceEntry {
    #[serde(deserialize_with = "flex::id")]
    pub time_off_type: String,
    pub units: Option<String>,
    #[serde(deserialize_with = "flex::decimal")]
    pub balance: Decimal,
    #[serde(default, deserialize_with = "flex::opt_date")]
    pub end: Option<NaiveDate>,
    #[serde(default, deserialize_with = "flex::opt_decimal")]
    pub used_year_to_date: Option<Decimal>,
}

/// `GET /api/v1/benefit/company_benefit` (`CompanyBenefitsListResponse`); plans are decoded
/// one by one.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompanyBenefits {
    #[serde(default)]
    pub company_benefits: Vec<Value>,
}

/// `CompanyBenefitSummary`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompanyBenefit {
    #[serde(deserialize_with = "flex::id")]
    pub id: String,
    #[serde(default, deserialize_with = "flex::opt_text")]
    pub name: Option<String>,
    /// health, dental, vision, retirement, hsa, flex, life, disability, reimbursement,
    /// supplemental, other.
    #[serde(rename = "type", default, deserialize_with = "flex::opt_text")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_text")]
    pub deduction_type_id: Option<String>,
}

/// `GET /api/v1/benefit/employee_benefit` (`EmployeeBenefitsListResponse`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmployeeBenefits {
    #[serde(default)]
    pub employee_benefits: Vec<Value>,
}

/// One employee's enrollments: the records are decoded one by one.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmployeeBenefitGroup {
    #[serde(deserialize_with = "flex::id")]
    pub employee_id: String,
    #[serde(default)]
    pub employee_benefit: Vec<Value>,
}

/// One per-plan enrollment record.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmployeeBenefit {
    #[serde(deserialize_with = "flex::id")]
    pub company_benefit_id: String,
    #[serde(default, deserialize_with = "flex::opt_text")]
    pub enrollment_status: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_date")]
    pub enrollment_status_effective_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "flex::opt_date")]
    pub deduction_start_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "flex::opt_date")]
    pub deduction_end_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "flex::opt_text")]
    pub currency_code: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_decimal")]
    pub employee_amount: Option<Decimal>,
    #[serde(default, deserialize_with = "flex::opt_text")]
    pub employee_amount_type: Option<String>,
    #[serde(default, deserialize_with = "flex::opt_decimal")]
    pub company_amount: Option<Decimal>,
    #[serde(default, deserialize_with = "flex::opt_text")]
    pub company_amount_type: Option<String>,
}

/// One of `GET /api/v1/benefits/settings/deduction_types/all` (`BenefitDeductionType`); the id
/// is an integer for leaf types and a slug for grouped parents.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeductionType {
    #[serde(deserialize_with = "flex::id")]
    pub id: String,
    #[serde(default, deserialize_with = "flex::opt_text")]
    pub deduction_type_name: Option<String>,
    #[serde(default)]
    pub sub_types: Vec<DeductionType>,
}

/// Lenient deserializers for BambooHR's loosely typed JSON.
pub mod flex {
    use std::collections::BTreeMap;
    use std::fmt;
    use std::marker::PhantomData;
    use std::str::FromStr;

    use chrono::NaiveDate;
    use maestro_core::money::{Currency, Money};
    use rust_decimal::Decimal;
    use serde::de::{DeserializeOwned, Error, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    /// An id sent as a string or an integer.
    pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        opt_text(d)?.ok_or_else(|| D::Error::custom("missing id"))
    }

    /// Text or a number as text; null and `""` are None.
    pub fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            Value::String(s) if s.trim().is_empty() => Ok(None),
            Value::String(s) => Ok(Some(s)),
            Value::Number(n) => Ok(Some(n.to_string())),
            other => Err(D::Error::custom(format!("expected text, got {other}"))),
        }
    }

    /// A `YYYY-MM-DD` date; null, `""` and `"0000-00-00"` are None.
    pub fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) if s.trim().is_empty() || s.starts_with("0000-00-00") => Ok(None),
            Some(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map(Some)
                .map_err(|e| D::Error::custom(format!("`{s}` is not a YYYY-MM-DD date: {e}"))),
        }
    }

    /// A required `YYYY-MM-DD` date.
    pub fn date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        opt_date(d)?.ok_or_else(|| D::Error::custom("missing date"))
    }

    /// An exact decimal from a JSON string or number (numbers via their shortest text form);
    /// text that a Decimal cannot hold exactly is an error.
    pub fn opt_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        let text = match Value::deserialize(d)? {
            Value::Null => return Ok(None),
            Value::String(s) if s.trim().is_empty() => return Ok(None),
            Value::String(s) => s.trim().to_owned(),
            Value::Number(n) => n.to_string(),
            other => return Err(D::Error::custom(format!("expected a number, got {other}"))),
        };
        // Exact or an error: an amount with more digits than a Decimal holds is never rounded.
        Decimal::from_str_exact(&text)
            .or_else(|e| match text.contains(['e', 'E']) {
                true => Decimal::from_scientific(&text),
                false => Err(e),
            })
            .map(Some)
            .map_err(|e| D::Error::custom(format!("`{text}` is not a decimal number: {e}")))
    }

    /// A required exact decimal.
    pub fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        opt_decimal(d)?.ok_or_else(|| D::Error::custom("missing number"))
    }

    /// A currency amount: `{"value":"25.00","currency":"USD"}` or `"25.00 USD"`; empty is None.
    pub fn opt_money<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Money>, D::Error> {
        let (amount, code) = match Value::deserialize(d)? {
            Value::Null => return Ok(None),
            Value::String(s) if s.trim().is_empty() => return Ok(None),
            Value::String(s) => {
                return Money::from_str(s.trim()).map(Some).map_err(|e| {
                    D::Error::custom(format!("`{s}` is not an amount with a currency: {e}"))
                });
            }
            Value::Object(map) => {
                let amount = match map.get("value") {
                    None | Some(Value::Null) => return Ok(None),
                    Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
                    Some(Value::String(s)) => s.trim().to_owned(),
                    Some(Value::Number(n)) => n.to_string(),
                    Some(other) => {
                        return Err(D::Error::custom(format!(
                            "value: expected an amount, got {other}"
                        )));
                    }
                };
                let code = map
                    .get("currency")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                (amount, code)
            }
            other => return Err(D::Error::custom(format!("expected an amount, got {other}"))),
        };
        let currency = Currency::from_code_ignore_case(&code)
            .map_err(|e| D::Error::custom(format!("currency `{code}`: {e}")))?;
        Money::parse(&amount, currency)
            .map(Some)
            .map_err(|e| D::Error::custom(format!("`{amount}` is not an amount: {e}")))
    }

    /// A JSON object keyed by id; PHP sends an empty one as `[]`. Field paths stay intact.
    pub fn map_or_empty<'de, D, T>(d: D) -> Result<BTreeMap<String, T>, D::Error>
    where
        D: Deserializer<'de>,
        T: DeserializeOwned,
    {
        struct MapVisitor<T>(PhantomData<T>);
        impl<'de, T: DeserializeOwned> Visitor<'de> for MapVisitor<T> {
            type Value = BTreeMap<String, T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object keyed by id")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(key) = map.next_key::<String>()? {
                    out.insert(key, map.next_value::<T>()?);
                }
                Ok(out)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                match seq.next_element::<IgnoredAny>()? {
                    None => Ok(BTreeMap::new()),
                    Some(_) => Err(A::Error::custom("expected an object, got a non-empty list")),
                }
            }
            fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
                Ok(BTreeMap::new())
            }
        }
        d.deserialize_any(MapVisitor(PhantomData))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn balance(v: Value) -> Result<BalanceEntry, serde_json::Error> {
        serde_json::from_value(serde_json::json!({"timeOffType": "78", "balance": v}))
    }

    #[test]
    fn amounts_parse_exactly_or_not_at_all() {
        assert_eq!(
            balance("24.50".into()).unwrap().balance.to_string(),
            "24.50"
        );
        assert_eq!(
            balance(serde_json::json!(12.25)).unwrap().balance,
            Decimal::new(1225, 2)
        );
        // 29 decimal places cannot be held exactly: an error, not a silently rounded amount.
        let long = "0.12345678901234567890123456789";
        assert!(balance(long.into()).is_err(), "{long} was rounded");
        assert!(balance("12,5".into()).is_err());
    }
}
