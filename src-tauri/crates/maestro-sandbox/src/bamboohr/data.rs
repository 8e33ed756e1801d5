//! BambooHR ground truth: employee field maps, tabular data, the change log, time off.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use crate::gusto::data::dec;
use crate::seed::{Company, Person, at, mix};

/// Change-log action, as `/employees/changed` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Inserted,
    Updated,
    Deleted,
}

impl Action {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Action::Inserted => "Inserted",
            Action::Updated => "Updated",
            Action::Deleted => "Deleted",
        }
    }
}

/// Time-off types (id, name, icon).
pub(crate) const TIME_OFF_TYPES: [(u32, &str, &str); 2] = [
    (78, "Vacation", "palm-trees"),
    (79, "Sick", "medical-briefcase"),
];

/// BambooHR's mutable state.
#[derive(Debug, Clone)]
pub(crate) struct BambooData {
    /// Employee id → field map (all BambooHR field names; values strings or null).
    pub employees: BTreeMap<u32, Map<String, Value>>,
    /// Table name → rows.
    pub tables: BTreeMap<String, Vec<Value>>,
    /// Employee id → last change.
    pub changes: BTreeMap<u32, (Action, DateTime<Utc>)>,
    /// Table name → employee id → last change of that table for that employee.
    pub table_changes: BTreeMap<String, BTreeMap<u32, DateTime<Utc>>>,
    pub time_off: Vec<Value>,
    /// Employee id → per type (id, accrued balance before requests).
    pub balances: BTreeMap<u32, Vec<(u32, Decimal)>>,
    /// List fields as `/meta/lists` answers them (archived options included).
    pub lists: Vec<Value>,
    /// Job locations as `/hris/org/locations` answers them (archived ones included).
    pub locations: Vec<Value>,
    /// Benefit plans as `/benefit/company_benefit` answers them.
    pub company_benefits: Vec<Value>,
    /// Enrollment records, past ones included (`/benefit/employee_benefit` answers current
    /// and future ones).
    pub employee_benefits: Vec<super::benefits::Enrollment>,
    /// `/benefits/settings/deduction_types/all`.
    pub deduction_types: Vec<Value>,
    pub next_employee_id: u32,
    pub next_row_id: u64,
    pub next_request_id: u64,
}

/// BambooHR stores empty dates as "0000-00-00".
pub(crate) const NO_DATE: &str = "0000-00-00";

fn pay_rate(p: &Person) -> String {
    format!("{} USD", dec(p.pay.rate(), 2))
}

fn employee_fields(c: &Company, p: &Person) -> Map<String, Value> {
    let loc = &c.locations[p.location];
    let sup = p.manager.map(|m| &c.people[m]);
    let terminated = p.terminated_on.is_some();
    let v = json!({
        "id": p.bamboo_id.to_string(),
        "employeeNumber": format!("{}", 1000 + p.bamboo_id),
        "firstName": p.first_name,
        "lastName": p.last_name,
        "middleName": null,
        "preferredName": null,
        "displayName": p.full_name(),
        "jobTitle": p.title,
        "department": c.departments[p.department].title,
        "division": c.name,
        "location": loc.name,
        "workEmail": p.work_email,
        "homeEmail": p.home_email,
        "workPhone": format!("({}) {}-{}", &loc.phone[..3], &loc.phone[3..6], &loc.phone[6..]),
        "workPhoneExtension": null,
        "mobilePhone": format!("({}) {}-{}", &p.phone[..3], &p.phone[3..6], &p.phone[6..]),
        "homePhone": null,
        "hireDate": p.hire_date.to_string(),
        "originalHireDate": p.hire_date.to_string(),
        "birthDate": p.birth_date.to_string(),
        "terminationDate": p.terminated_on.map(|d| d.to_string()).unwrap_or_else(|| NO_DATE.to_string()),
        "status": if terminated { "Inactive" } else { "Active" },
        "employmentHistoryStatus": if terminated { "Terminated" } else if p.full_time { "Full-Time" } else { "Part-Time" },
        "payRate": pay_rate(p),
        "payType": if p.pay.is_hourly() { "Hourly" } else { "Salary" },
        "payPer": if p.pay.is_hourly() { "Hour" } else { "Year" },
        "paySchedule": "Every other week",
        "exempt": if p.pay.is_hourly() { "Non-exempt" } else { "Exempt" },
        "supervisor": sup.map(|s| format!("{}, {}", s.last_name, s.first_name)),
        "supervisorEId": sup.map(|s| s.bamboo_id.to_string()),
        "supervisorEmail": sup.map(|s| s.work_email.clone()),
        "address1": format!("{} {} St", 100 + p.index * 17, ["Oak", "Pine", "Cedar", "Elm", "Maple"][p.index % 5]),
        "city": loc.city,
        "state": loc.state,
        "zipcode": loc.zip,
        "country": "United States",
        "photoUploaded": false,
        "photoUrl": "https://resources.bamboohr.com/images/photo_person_160x160.png",
        "customShirtSize": p.shirt_size,
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Builds BambooHR's initial state.
pub(crate) fn build(c: &Company) -> BambooData {
    let mut d = BambooData {
        employees: BTreeMap::new(),
        tables: BTreeMap::new(),
        changes: BTreeMap::new(),
        table_changes: BTreeMap::new(),
        time_off: Vec::new(),
        balances: BTreeMap::new(),
        lists: super::meta::lists(c),
        locations: super::meta::locations(c),
        company_benefits: super::benefits::plans(),
        employee_benefits: super::benefits::enrollments(c),
        deduction_types: super::benefits::deduction_types(),
        next_employee_id: 101 + c.people.len() as u32,
        next_row_id: 1,
        next_request_id: 1001,
    };
    for p in &c.people {
        let id = p.bamboo_id;
        d.employees.insert(id, employee_fields(c, p));
        let changed = at(p.terminated_on.unwrap_or(p.hire_date), 17);
        d.changes.insert(
            id,
            (
                if p.terminated_on.is_some() {
                    Action::Updated
                } else {
                    Action::Inserted
                },
                changed,
            ),
        );
        let sup = p.manager.map(|m| c.people[m].full_name());
        d.add_row(
            "jobInfo",
            id,
            json!({"date": p.hire_date.to_string(), "location": c.locations[p.location].name, "department": c.departments[p.department].title, "division": c.name, "jobTitle": p.title, "reportsTo": sup}),
            at(p.hire_date, 17),
        );
        d.add_row(
            "compensation",
            id,
            json!({
                "startDate": p.hire_date.to_string(),
                "rate": {"currency": "USD", "value": dec(p.pay.rate(), 2)},
                "type": if p.pay.is_hourly() { "Hourly" } else { "Salary" },
                "exempt": if p.pay.is_hourly() { "Non-exempt" } else { "Exempt" },
                "reason": "Hire",
                "comment": null,
                "paidPer": if p.pay.is_hourly() { "Hour" } else { "Year" },
                "paySchedule": "Every other week",
                "overtimeRate": if p.pay.is_hourly() { json!({"currency": "USD", "value": dec(p.pay.rate() * Decimal::new(15, 1), 2)}) } else { Value::Null },
            }),
            at(p.hire_date, 17),
        );
        d.add_row(
            "employmentStatus",
            id,
            json!({"date": p.hire_date.to_string(), "employmentStatus": if p.full_time { "Full-Time" } else { "Part-Time" }, "terminationReasonId": null, "terminationTypeId": null, "terminationRehireId": null, "terminationRegrettableId": null, "comment": null}),
            at(p.hire_date, 17),
        );
        if let Some(t) = p.terminated_on {
            d.add_row(
                "employmentStatus",
                id,
                json!({"date": t.to_string(), "employmentStatus": "Terminated", "terminationReasonId": "Resignation", "terminationTypeId": "Voluntary", "terminationRehireId": "Yes", "terminationRegrettableId": "Non-Regrettable", "comment": null}),
                at(t, 17),
            );
        }
        let bal = TIME_OFF_TYPES
            .iter()
            .map(|(t, _, _)| {
                (
                    *t,
                    Decimal::new(
                        (mix(c.seed, u64::from(*t), p.index as u64) % 6_000) as i64 + 1_600,
                        2,
                    ),
                )
            })
            .collect();
        d.balances.insert(id, bal);
        // A couple of time-off requests for about a third of the staff.
        if p.terminated_on.is_none() && mix(c.seed, 90, p.index as u64).is_multiple_of(3) {
            let offset = (mix(c.seed, 91, p.index as u64) % 50) as i64 - 25;
            let start = c.today + Duration::days(offset);
            let days = 1 + (mix(c.seed, 92, p.index as u64) % 3) as i64;
            let ty = TIME_OFF_TYPES[(p.index) % 2];
            let status = if offset < 0 {
                "approved"
            } else if offset % 2 == 0 {
                "requested"
            } else {
                "approved"
            };
            let dates = (0..days)
                .map(|i| (start + Duration::days(i), Decimal::from(8)))
                .collect::<Vec<_>>();
            d.add_time_off(
                id,
                &p.full_name(),
                ty.0,
                status,
                &dates,
                Some("Planned time off"),
                c.today - Duration::days(40),
            );
        }
    }
    d
}

impl BambooData {
    pub(crate) fn add_row(&mut self, table: &str, employee: u32, row: Value, when: DateTime<Utc>) {
        let mut row = row;
        if let Some(m) = row.as_object_mut() {
            let mut out = Map::new();
            out.insert("id".into(), Value::String(self.next_row_id.to_string()));
            out.insert("employeeId".into(), Value::String(employee.to_string()));
            out.extend(m.clone());
            row = Value::Object(out);
        }
        self.next_row_id += 1;
        self.tables.entry(table.to_string()).or_default().push(row);
        self.table_changes
            .entry(table.to_string())
            .or_default()
            .insert(employee, when);
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn add_time_off(
        &mut self,
        employee: u32,
        name: &str,
        type_id: u32,
        status: &str,
        dates: &[(NaiveDate, Decimal)],
        note: Option<&str>,
        created: NaiveDate,
    ) -> Value {
        let id = self.next_request_id;
        self.next_request_id += 1;
        let (ty_name, icon) = TIME_OFF_TYPES
            .iter()
            .find(|t| t.0 == type_id)
            .map(|t| (t.1, t.2))
            .unwrap_or(("Time Off", "palm-trees"));
        let total: Decimal = dates.iter().map(|d| d.1).sum();
        let start = dates.iter().map(|d| d.0).min().unwrap_or(created);
        let end = dates.iter().map(|d| d.0).max().unwrap_or(created);
        let mut date_map = Map::new();
        for (day, amt) in dates {
            date_map.insert(day.to_string(), crate::gusto::data::num(*amt));
        }
        let mut notes = Map::new();
        if let Some(n) = note {
            notes.insert("employee".into(), Value::String(n.into()));
        }
        let v = json!({
            "id": id,
            "employeeId": employee,
            "name": name,
            "start": start.to_string(),
            "end": end.to_string(),
            "created": created.to_string(),
            "status": {"lastChanged": created.to_string(), "lastChangedByUserId": 2369, "status": status},
            "type": {"id": type_id, "name": ty_name, "icon": icon},
            "amount": {"unit": "hours", "amount": crate::gusto::data::num(total)},
            "actions": {"view": true, "edit": true, "cancel": status == "requested", "approve": false, "deny": false, "bypass": false},
            "dates": date_map,
            "notes": notes,
        });
        self.time_off.push(v.clone());
        v
    }

    /// Records a change for `/employees/changed`.
    pub(crate) fn log_change(&mut self, id: u32, action: Action) {
        self.changes.insert(id, (action, Utc::now()));
    }
}
