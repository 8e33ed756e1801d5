//! Harvest records → canonical records (the mappers the provider file names).

use maestro_core::model::{
    CanonicalRecord, Contractor, ContractorType, EmploymentStatus, PhoneKind, PhoneNumber,
    RawPayload, TimeEntry,
};
use maestro_core::money::{Currency, Money};
use serde_json::value::RawValue;

use super::api;
use crate::kit::mappers::{MapCtx, MapError, decode, known_employee};

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn status(user: &api::User) -> EmploymentStatus {
    // Harvest archives people; archived is not the same as terminated.
    if user.is_active.unwrap_or(true) {
        EmploymentStatus::Active
    } else {
        EmploymentStatus::Inactive
    }
}

/// A user: a [`Contractor`] when `is_contractor`, else an [`Employee`].
pub fn user(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let user: api::User = decode(raw)?;
    Ok(vec![user_record(ctx, &user, RawPayload::from_raw(raw))])
}

fn user_record(ctx: &MapCtx<'_>, user: &api::User, raw: RawPayload) -> CanonicalRecord {
    let provenance = ctx.provenance(user.id.to_string(), user.updated_at);
    if user.is_contractor.unwrap_or(false) {
        return Contractor {
            provenance,
            company_id: ctx.company_id,
            contractor_type: Some(ContractorType::Individual),
            first_name: non_empty(&user.first_name),
            last_name: non_empty(&user.last_name),
            business_name: None,
            email: non_empty(&user.email),
            phone: non_empty(&user.telephone),
            tax_id: None,
            status: status(user),
            start_date: None,
            address: None,
            raw,
        }
        .into();
    }
    let first = non_empty(&user.first_name);
    let last = non_empty(&user.last_name);
    let full = [first.as_deref(), last.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let mut e = known_employee(
        ctx,
        provenance,
        (!full.is_empty()).then_some(full),
        non_empty(&user.email),
        status(user),
        raw,
    );
    // Harvest gives the name in parts: keep them as given, not split from the whole.
    e.first_name = first;
    e.last_name = last;
    e.phone_numbers = non_empty(&user.telephone)
        .map(|number| PhoneNumber {
            number,
            kind: PhoneKind::Work,
        })
        .into_iter()
        .collect();
    e.into()
}

/// The rate of an entry, in its client's currency: the billable rate, else the cost rate.
/// Harvest's spec gives no currency for either (neither `TimeEntry.client` nor `Company` has
/// one), so an entry whose client names no currency has no rate rather than a guessed one
/// (every non-USD account was labelled USD before).
fn rate(entry: &api::TimeEntry) -> Option<Money> {
    let currency = entry
        .client
        .as_ref()
        .and_then(|c| c.currency.as_deref())
        .and_then(|code| Currency::from_code_ignore_case(code).ok())?;
    entry
        .billable_rate
        .or(entry.cost_rate)
        .map(|amount| Money::new(amount, currency))
}

/// A time entry. `started_time`/`ended_time` ("8:00am") are zone-less local times and stay in
/// `raw`; no instant is made up from them.
pub fn time_entry(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let entry: api::TimeEntry = decode(raw)?;
    Ok(vec![time_entry_record(
        ctx,
        &entry,
        RawPayload::from_raw(raw),
    )])
}

fn time_entry_record(ctx: &MapCtx<'_>, entry: &api::TimeEntry, raw: RawPayload) -> CanonicalRecord {
    let name = |r: &Option<api::NamedRef>| r.as_ref().and_then(|r| non_empty(&r.name));
    TimeEntry {
        provenance: ctx.provenance(entry.id.to_string(), entry.updated_at),
        company_id: ctx.company_id,
        employee_remote_id: entry.user.id.to_string(),
        work_date: entry.spent_date,
        started_at: None,
        ended_at: None,
        time_zone: None,
        hours: entry.hours,
        project_remote_id: entry.project.as_ref().map(|p| p.id.to_string()),
        project_name: name(&entry.project),
        task_name: name(&entry.task),
        client_name: name(&entry.client),
        notes: non_empty(&entry.notes),
        billable: entry.billable.unwrap_or(false),
        rate: rate(entry),
        raw,
    }
    .into()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;
    use serde_json::json;

    fn ctx() -> MapCtx<'static> {
        MapCtx {
            company_id: maestro_core::ids::CompanyId::new(),
            connection_id: maestro_core::ids::ConnectionId::new(),
            provider: "harvest",
            parent: None,
        }
    }

    #[test]
    fn contractors_and_employees_split_on_is_contractor() {
        let raw = json!({"id": 7, "first_name": "Ana", "last_name": "Diaz", "email": "a@x.co",
            "telephone": "", "is_contractor": true, "is_active": false,
            "updated_at": "2020-05-01T22:34:52Z"});
        let u: api::User = serde_json::from_value(raw.clone()).unwrap();
        let CanonicalRecord::Contractor(c) = user_record(&ctx(), &u, raw.clone().into()) else {
            panic!("not a contractor")
        };
        assert_eq!(c.status, EmploymentStatus::Inactive);
        assert_eq!(c.phone, None);
        assert_eq!(c.raw, raw);
        assert_eq!(c.provenance.remote_id, "7");
    }

    #[test]
    fn hours_and_rates_are_exact() {
        let raw = json!({"id": 1, "spent_date": "2017-03-02", "user": {"id": 5, "name": "K"},
            "client": null, "project": {"id": 9, "name": "Web"}, "task": null,
            "hours": 2.11, "notes": "", "billable": false, "billable_rate": null, "cost_rate": 50.1,
            "started_time": "8:00am", "updated_at": "2017-06-27T16:47:14Z"});
        let e: api::TimeEntry = serde_json::from_value(raw.clone()).unwrap();
        let CanonicalRecord::TimeEntry(t) = time_entry_record(&ctx(), &e, raw.into()) else {
            panic!("not a time entry")
        };
        assert_eq!(t.hours, Decimal::new(211, 2));
        assert_eq!(t.rate, None, "no currency is given, so no rate is guessed");
        assert_eq!(t.started_at, None);
        assert_eq!(t.notes, None);
        assert_eq!(t.project_remote_id.as_deref(), Some("9"));
    }

    #[test]
    fn billable_rates_use_the_client_currency() {
        let raw = json!({"id": 1, "spent_date": "2017-03-02", "user": {"id": 5, "name": "K"},
            "client": {"id": 3, "name": "ABC", "currency": "EUR"}, "hours": 1.0,
            "billable": true, "billable_rate": 90.0, "cost_rate": 40.0});
        let e: api::TimeEntry = serde_json::from_value(raw.clone()).unwrap();
        let CanonicalRecord::TimeEntry(t) = time_entry_record(&ctx(), &e, raw.into()) else {
            panic!("not a time entry")
        };
        let rate = t.rate.unwrap();
        assert_eq!(
            (rate.amount, rate.currency),
            (Decimal::new(90, 0), Currency::EUR)
        );
    }

    #[test]
    fn cost_rates_use_the_client_currency_too() {
        let raw = json!({"id": 1, "spent_date": "2017-03-02", "user": {"id": 5, "name": "K"},
            "client": {"id": 3, "name": "ABC", "currency": "GBP"}, "hours": 1.0,
            "billable": false, "billable_rate": null, "cost_rate": 40.5});
        let e: api::TimeEntry = serde_json::from_value(raw.clone()).unwrap();
        let CanonicalRecord::TimeEntry(t) = time_entry_record(&ctx(), &e, raw.into()) else {
            panic!("not a time entry")
        };
        let rate = t.rate.unwrap();
        assert_eq!(
            (rate.amount, rate.currency),
            (Decimal::new(405, 1), Currency::GBP)
        );
    }
}
