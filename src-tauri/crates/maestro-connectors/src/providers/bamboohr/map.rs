//! BambooHR payloads → canonical records. Pure functions: no I/O, no clock (today is passed in).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::model::{
    Address, Company, Compensation, Department, Employee, Employment, EmploymentStatus,
    EmploymentType, FlsaStatus, Location, LocationType, PayFrequency, PayPeriod, PhoneKind,
    PhoneNumber, Provenance, TimeOffBalance, TimeOffKind, TimeOffPolicy, TimeOffRequest,
    TimeOffStatus, TimeUnit,
};
use maestro_core::sensitive::Sensitive;
use serde_json::Value;

use super::api;
use super::{ID, NAME};
use crate::error::{ConnectorError, Result};

/// Who the records belong to.
#[derive(Debug, Clone, Copy)]
pub struct Origin {
    /// The local company.
    pub company_id: CompanyId,
    /// This connection.
    pub connection_id: ConnectionId,
}

impl Origin {
    fn provenance(&self, remote_id: &str, modified: Option<DateTime<Utc>>) -> Provenance {
        Provenance {
            connection_id: self.connection_id,
            provider: ID.into(),
            remote_id: remote_id.into(),
            remote_modified_at: modified,
        }
    }
}

/// A record that does not map, naming the entity, the record and the field.
pub fn bad(entity: &str, remote_id: &str, message: impl Into<String>) -> ConnectorError {
    ConnectorError::Mapping {
        provider: NAME.into(),
        entity: entity.into(),
        remote_id: remote_id.into(),
        message: message.into(),
    }
}

/// Lower-case letters and digits only, for matching free-text list values.
fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase()
}

fn text(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// The company (BambooHR has no company id; the subdomain identifies it).
pub fn company(o: &Origin, remote_id: &str, c: api::CompanyInformation, raw: Value) -> Company {
    let address = c.address.map(|a| Address {
        street_1: text(a.line1),
        street_2: text(a.line2),
        city: text(a.city),
        state: text(a.state),
        postal_code: text(a.zip),
        country: text(a.country),
    });
    let legal_name = text(c.legal_name);
    Company {
        provenance: o.provenance(remote_id, None),
        company_id: o.company_id,
        name: text(c.display_name)
            .or_else(|| legal_name.clone())
            .unwrap_or_else(|| remote_id.to_owned()),
        legal_name,
        eins: Vec::new(),
        entity_type: None,
        email: None,
        phone: text(c.phone),
        address,
        raw: raw.into(),
    }
}

/// An employee from Get Employee; `custom` are the custom-field aliases that were requested.
pub fn employee(
    o: &Origin,
    e: api::EmployeeDetail,
    list: Option<api::EmployeeListItem>,
    raw: Value,
    custom: &[String],
    today: NaiveDate,
    modified: Option<DateTime<Utc>>,
) -> Employee {
    let phone_numbers = [
        (e.work_phone, PhoneKind::Work),
        (e.mobile_phone, PhoneKind::Mobile),
        (e.home_phone, PhoneKind::Home),
    ]
    .into_iter()
    .filter_map(|(n, kind)| text(n).map(|number| PhoneNumber { number, kind }))
    .collect();
    // The ids are documented for Get Employee and the list; the list fills those a row lacks.
    let (list_department, list_location, list_manager) = list
        .map(|l| (l.department_id, l.location_id, l.reports_to_id))
        .unwrap_or_default();
    let employment = e.employment_status.or(e.employment_history_status);
    let terminated = e.termination_date.is_some_and(|d| d <= today)
        || employment
            .as_deref()
            .is_some_and(|s| norm(s) == "terminated");
    let employment_status = match e.status.as_deref().map(norm).as_deref() {
        _ if terminated => EmploymentStatus::Terminated,
        Some("inactive") => EmploymentStatus::Inactive,
        _ if e.hire_date.is_some_and(|d| d > today) => EmploymentStatus::Pending,
        _ => EmploymentStatus::Active,
    };
    let custom_fields: BTreeMap<String, Value> = custom
        .iter()
        .filter_map(|k| raw.get(k).map(|v| (k.clone(), v.clone())))
        .collect();
    Employee {
        provenance: o.provenance(&e.id, modified),
        company_id: o.company_id,
        first_name: text(e.first_name),
        middle_name: text(e.middle_name),
        last_name: text(e.last_name),
        preferred_name: text(e.preferred_name),
        display_full_name: text(e.display_name),
        employee_number: e.employee_number,
        work_email: text(e.work_email),
        personal_email: text(e.home_email),
        phone_numbers,
        date_of_birth: e.birth_date.map(Sensitive::new),
        ssn: None,
        employment_status,
        hire_date: e.hire_date,
        start_date: e.hire_date,
        termination_date: e.termination_date,
        manager_remote_id: e.reports_to_id.or(list_manager),
        department_remote_id: e.department_id.or(list_department),
        work_location_remote_id: e.location_id.or(list_location),
        home_location_remote_id: None,
        custom_fields,
        raw: raw.into(),
    }
}

/// A department (an option of the `department` list field).
pub fn department(o: &Origin, d: api::ListOption, raw: Value) -> Department {
    Department {
        provenance: o.provenance(&d.id, None),
        company_id: o.company_id,
        name: d.name,
        parent_remote_id: None,
        raw: raw.into(),
    }
}

/// A job location.
pub fn location(o: &Origin, l: api::LocationItem, raw: Value) -> Location {
    let a = l.address;
    let (address, time_zone) = match a {
        Some(a) => (
            Address {
                street_1: text(a.address1),
                street_2: text(a.address2),
                city: text(a.city),
                state: a.state.and_then(|s| text(s.abbreviation).or(text(s.name))),
                postal_code: text(a.zipcode),
                country: a.country.and_then(|c| text(c.iso_code).or(text(c.name))),
            },
            text(a.timezone),
        ),
        None => (Address::default(), None),
    };
    Location {
        provenance: o.provenance(&l.id, None),
        company_id: o.company_id,
        name: text(l.label),
        location_type: Some(LocationType::Work),
        address,
        time_zone,
        phone: None,
        raw: raw.into(),
    }
}

fn unit(s: Option<&str>, entity: &str, id: &str) -> Result<Option<TimeUnit>> {
    match s.map(norm).as_deref() {
        None | Some("") => Ok(None),
        Some("hours" | "hour") => Ok(Some(TimeUnit::Hours)),
        Some("days" | "day") => Ok(Some(TimeUnit::Days)),
        Some(other) => Err(bad(entity, id, format!("units: unknown unit `{other}`"))),
    }
}

/// The kind of leave, guessed from the type's name (the label stays in `raw`).
fn kind(name: &str) -> TimeOffKind {
    let n = norm(name);
    let has = |w: &str| n.contains(w);
    if has("sick") {
        TimeOffKind::Sick
    } else if has("vacation") || has("pto") || has("paidtimeoff") || has("annual") {
        TimeOffKind::Vacation
    } else if has("personal") {
        TimeOffKind::Personal
    } else if has("jury") {
        TimeOffKind::JuryDuty
    } else if has("volunt") {
        TimeOffKind::Volunteer
    } else if has("bereave") {
        TimeOffKind::Bereavement
    } else if has("holiday") {
        TimeOffKind::Holiday
    } else if has("parental") || has("maternity") || has("paternity") {
        TimeOffKind::Parental
    } else {
        TimeOffKind::Other
    }
}

/// A time-off type, BambooHR's category that requests and balances refer to.
pub fn policy(o: &Origin, t: api::TimeOffType, raw: Value) -> Result<TimeOffPolicy> {
    Ok(TimeOffPolicy {
        provenance: o.provenance(&t.id, None),
        company_id: o.company_id,
        kind: Some(kind(&t.name)),
        unit: unit(t.units.as_deref(), "time_off_policy", &t.id)?,
        name: t.name,
        paid: None,
        raw: raw.into(),
    })
}

/// A time-off request.
pub fn time_off_request(
    o: &Origin,
    r: api::TimeOffRequestItem,
    raw: Value,
) -> Result<TimeOffRequest> {
    let status = match norm(&r.status.status).as_str() {
        "requested" => TimeOffStatus::Requested,
        "approved" => TimeOffStatus::Approved,
        "denied" | "declined" => TimeOffStatus::Declined,
        "canceled" | "cancelled" | "superceded" | "superseded" => TimeOffStatus::Cancelled,
        "deleted" => TimeOffStatus::Deleted,
        other => {
            return Err(bad(
                "time_off_request",
                &r.id,
                format!("status.status: unknown status `{other}`"),
            ));
        }
    };
    let (amount, unit) = match r.amount {
        Some(a) => (
            a.amount,
            unit(a.unit.as_deref(), "time_off_request", &r.id)?,
        ),
        None => (None, None),
    };
    Ok(TimeOffRequest {
        provenance: o.provenance(&r.id, None),
        company_id: o.company_id,
        employee_remote_id: r.employee_id,
        kind: r.kind.as_ref().and_then(|t| t.name.as_deref()).map(kind),
        policy_remote_id: r.kind.map(|t| t.id),
        approver_remote_id: None,
        status,
        start_date: r.start,
        end_date: r.end,
        amount,
        unit,
        note: r.notes.and_then(|n| text(n.employee)),
        raw: raw.into(),
    })
}

/// One balance line of the time-off calculator.
pub fn balance(
    o: &Origin,
    employee_id: &str,
    b: api::BalanceEntry,
    raw: Value,
) -> Result<TimeOffBalance> {
    let id = format!("{employee_id}:{}", b.time_off_type);
    let unit = unit(b.units.as_deref(), "time_off_balance", &id)?
        .ok_or_else(|| bad("time_off_balance", &id, "units: missing"))?;
    Ok(TimeOffBalance {
        provenance: o.provenance(&id, None),
        company_id: o.company_id,
        employee_remote_id: employee_id.into(),
        policy_remote_id: b.time_off_type,
        balance: b.balance,
        used: b.used_year_to_date,
        unit,
        as_of: b.end,
        raw: raw.into(),
    })
}

/// `paidPer` (with `type` and `paySchedule` as fallbacks) → period; `Ok(None)` for piece rates,
/// which the canonical model cannot express.
fn pay_period(row: &api::CompensationRow) -> Result<Option<PayPeriod>, String> {
    let per = row.paid_per.as_deref().map(norm).unwrap_or_default();
    Ok(Some(match per.as_str() {
        "hour" => PayPeriod::Hour,
        "day" => PayPeriod::Day,
        "week" => PayPeriod::Week,
        "month" => PayPeriod::Month,
        "quarter" => PayPeriod::Quarter,
        "year" => PayPeriod::Year,
        "piece" => return Ok(None),
        "paycheck" => match pay_frequency(row.pay_schedule.as_deref()) {
            Some(PayFrequency::Weekly) => PayPeriod::Week,
            Some(PayFrequency::Biweekly) => PayPeriod::TwoWeeks,
            Some(PayFrequency::Semimonthly) => PayPeriod::HalfMonth,
            Some(PayFrequency::Monthly) => PayPeriod::Month,
            Some(PayFrequency::Quarterly) => PayPeriod::Quarter,
            Some(PayFrequency::Annually) => PayPeriod::Year,
            _ => return Err("paidPer: `Paycheck` with a pay schedule we cannot place".into()),
        },
        "" => match row.pay_type.as_deref().map(norm).as_deref() {
            Some("hourly") => PayPeriod::Hour,
            Some("salary") => PayPeriod::Year,
            _ => return Err("paidPer: missing".into()),
        },
        other => return Err(format!("paidPer: unknown period `{other}`")),
    }))
}

fn pay_frequency(schedule: Option<&str>) -> Option<PayFrequency> {
    let s = norm(schedule?);
    let has = |w: &str| s.contains(w);
    Some(if has("semimonth") || has("twiceamonth") {
        PayFrequency::Semimonthly
    } else if has("biweek") || has("everyotherweek") || has("fortnight") {
        PayFrequency::Biweekly
    } else if has("week") {
        PayFrequency::Weekly
    } else if has("month") {
        PayFrequency::Monthly
    } else if has("quarter") {
        PayFrequency::Quarterly
    } else if has("semiannual") {
        PayFrequency::Semiannually
    } else if has("annual") || has("year") {
        PayFrequency::Annually
    } else {
        return None;
    })
}

fn flsa(row: &api::CompensationRow) -> Option<FlsaStatus> {
    let salaried = row.pay_type.as_deref().is_some_and(|t| norm(t) == "salary");
    match norm(row.exempt.as_deref()?).as_str() {
        "exempt" => Some(FlsaStatus::Exempt),
        "nonexempt" if salaried => Some(FlsaStatus::SalariedNonExempt),
        "nonexempt" => Some(FlsaStatus::NonExempt),
        _ => None,
    }
}

fn employment_type(status: &str) -> Option<EmploymentType> {
    Some(match norm(status).as_str() {
        "fulltime" => EmploymentType::FullTime,
        "parttime" => EmploymentType::PartTime,
        "intern" | "internship" => EmploymentType::Intern,
        "contractor" | "contract" => EmploymentType::Contractor,
        "freelance" | "freelancer" => EmploymentType::Freelance,
        "seasonal" => EmploymentType::Seasonal,
        "temporary" | "temp" => EmploymentType::Temporary,
        _ => return None,
    })
}

/// A compensation row; `Ok(None)` when it has no rate or a piece rate.
pub fn compensation(
    o: &Origin,
    employee_id: &str,
    row: api::CompensationRow,
    raw: Value,
    modified: Option<DateTime<Utc>>,
) -> Result<Option<Compensation>> {
    let Some(rate) = row.rate else {
        return Ok(None);
    };
    let Some(period) = pay_period(&row).map_err(|m| bad("compensation", &row.id, m))? else {
        return Ok(None);
    };
    let effective_date = row
        .start_date
        .ok_or_else(|| bad("compensation", &row.id, "startDate: missing"))?;
    Ok(Some(Compensation {
        provenance: o.provenance(&row.id, modified),
        company_id: o.company_id,
        employee_remote_id: employee_id.into(),
        employment_remote_id: None,
        effective_date,
        rate,
        period,
        flsa_status: flsa(&row),
        reason: text(row.reason.clone()),
        raw: raw.into(),
    }))
}

/// The rows of one employee's history tables.
#[derive(Debug, Default)]
pub struct History {
    /// `jobInfo` rows with their raw JSON.
    pub jobs: Vec<(api::JobInfoRow, Value)>,
    /// `compensation` rows.
    pub pay: Vec<api::CompensationRow>,
    /// `employmentStatus` rows.
    pub statuses: Vec<api::EmploymentStatusRow>,
    /// When the employee last changed (incremental reads).
    pub modified: Option<DateTime<Utc>>,
}

/// The row of `rows` in effect on `day` (latest `date(row) <= day`).
fn in_effect<T>(rows: &[T], day: NaiveDate, date: impl Fn(&T) -> Option<NaiveDate>) -> Option<&T> {
    rows.iter()
        .filter(|r| date(r).is_none_or(|d| d <= day))
        .max_by_key(|r| date(r))
}

/// One employment per `jobInfo` row, with the pay and status in effect at the end of that job
/// (today for the current job).
pub fn employments(
    o: &Origin,
    employee_id: &str,
    h: History,
    today: NaiveDate,
) -> Result<Vec<Employment>> {
    let History {
        mut jobs,
        mut pay,
        statuses,
        modified,
    } = h;
    // Rows without a rate (BambooHR keeps some) say nothing about pay.
    pay.retain(|c| c.rate.is_some());
    jobs.sort_by_key(|(j, _)| j.date);
    let next_dates: Vec<Option<NaiveDate>> = (0..jobs.len())
        .map(|i| jobs.get(i + 1).and_then(|(j, _)| j.date))
        .collect();
    let mut out = Vec::with_capacity(jobs.len());
    for ((job, raw), next) in jobs.into_iter().zip(next_dates) {
        let last_day = match next.and_then(|d| d.pred_opt()) {
            Some(d) => d,
            None => job.date.map_or(today, |d| d.max(today)),
        };
        let comp = in_effect(&pay, last_day, |c| c.start_date);
        let (pay_rate, pay_period, pay_frequency, flsa_status) = match comp {
            Some(c) => (
                c.rate,
                pay_period(c).map_err(|m| {
                    bad("employment", &job.id, format!("compensation {}: {m}", c.id))
                })?,
                pay_frequency(c.pay_schedule.as_deref()),
                flsa(c),
            ),
            None => (None, None, None, None),
        };
        let status = in_effect(&statuses, last_day, |s| s.date);
        out.push(Employment {
            provenance: o.provenance(&job.id, modified),
            company_id: o.company_id,
            employee_remote_id: employee_id.into(),
            job_title: text(job.job_title),
            pay_rate: pay_period.and(pay_rate),
            pay_period,
            pay_frequency,
            flsa_status,
            employment_type: status
                .and_then(|s| s.employment_status.as_deref())
                .and_then(employment_type),
            effective_date: job.date,
            raw: raw.into(),
        });
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn row(json: Value) -> api::CompensationRow {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn periods_from_paid_per_type_and_schedule() {
        let r = row(
            serde_json::json!({"id":"1","rate":{"value":"25.00","currency":"USD"},"paidPer":"Hour"}),
        );
        assert_eq!(pay_period(&r).unwrap(), Some(PayPeriod::Hour));
        let r = row(serde_json::json!({"id":"1","type":"Salary"}));
        assert_eq!(pay_period(&r).unwrap(), Some(PayPeriod::Year));
        let r = row(serde_json::json!({"id":"1","paidPer":"Paycheck","paySchedule":"Bi-Weekly"}));
        assert_eq!(pay_period(&r).unwrap(), Some(PayPeriod::TwoWeeks));
        let r = row(serde_json::json!({"id":"1","paidPer":"Piece"}));
        assert_eq!(pay_period(&r).unwrap(), None);
        assert!(pay_period(&row(serde_json::json!({"id":"1","paidPer":"Fortnight?"}))).is_err());
        assert_eq!(
            pay_frequency(Some("Semi-Monthly")),
            Some(PayFrequency::Semimonthly)
        );
    }

    #[test]
    fn rates_parse_exactly_in_both_shapes() {
        let a = row(serde_json::json!({"id":"1","rate":"1234.5678 USD"}));
        assert_eq!(a.rate.unwrap().to_string(), "1234.5678 USD");
        let b = row(serde_json::json!({"id":"1","rate":{"value":"0.10","currency":"eur"}}));
        assert_eq!(b.rate.unwrap().to_string(), "0.10 EUR");
        assert!(
            row(serde_json::json!({"id":"1","rate":{"value":"","currency":"USD"}}))
                .rate
                .is_none()
        );
        assert!(
            serde_json::from_value::<api::CompensationRow>(
                serde_json::json!({"id":"1","rate":"$25"})
            )
            .is_err()
        );
    }
}
