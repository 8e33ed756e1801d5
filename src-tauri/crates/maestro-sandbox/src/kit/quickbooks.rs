//! QuickBooks Online data for the kit emulator: the seeded company as one QuickBooks company
//! (realm), its people as Employees (same names and work emails as every tool, so identity
//! matching joins them; a leaver has a `ReleasedDate` and is inactive, as QuickBooks never
//! deletes a name), the Harvest-only contractor as a 1099 Vendor beside one supplier that is
//! not a person, their tracked shifts as TimeActivities (whole minutes as `Hours`/`Minutes`,
//! others as `StartTime`/`EndTime` in the person's zone), departments as Departments and
//! locations as Classes. Members are the XSDs' (specs/quickbooks.json). Times carry the
//! company's offset as QuickBooks' answers do (`-08:00`, Pacific standard time).
//!
//! Statements are read by [`super::statement`]: the routes pick the stream by the entity and
//! page; this dataset applies the `WHERE Metadata.LastUpdatedTime > '…'` filter and the order.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, NaiveDate, Offset, TimeZone, Utc};
use maestro_kit::BuiltIn;
use serde_json::{Map, Value, json};

use super::shifts::shifts;
use super::statement::{self, Statement};
use super::{Dataset, Filters, Refusal};
use crate::seed::{Company, mix};

/// The demo company's realm id (QuickBooks' are 16 to 19 digits).
pub(crate) fn realm_id(c: &Company) -> String {
    format!("9130{:012}", mix(c.seed, 2101, 0) % 1_000_000_000_000)
}

/// The OAuth client id of the demo's QuickBooks app (Intuit's are 50 characters, `AB…`).
pub(crate) fn client_id(c: &Company) -> String {
    format!(
        "AB{:016x}{:016x}{:016x}",
        mix(c.seed, 2103, 0),
        mix(c.seed, 2103, 1),
        mix(c.seed, 2103, 2)
    )
}

/// QuickBooks' answers carry Pacific time offsets.
fn offset() -> FixedOffset {
    FixedOffset::west_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

fn at(t: DateTime<Utc>) -> String {
    t.with_timezone(&offset())
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

fn day_at(d: NaiveDate, hour: u32) -> DateTime<Utc> {
    offset()
        .from_local_datetime(&d.and_hms_opt(hour, 0, 0).unwrap_or_default())
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| d.and_hms_opt(hour, 0, 0).unwrap_or_default().and_utc())
}

fn meta(created: DateTime<Utc>, updated: DateTime<Utc>) -> Value {
    json!({"CreateTime": at(created), "LastUpdatedTime": at(updated)})
}

/// A validation fault's code and `Message` by how its detail starts, as Intuit's "Handling
/// common errors" page lists them (developer.intuit.com/docs/00_quickbooks_online/2_build/
/// 20_explore_the_quickbooks_online_api/handling_common_errors): all are HTTP 400.
const VALIDATION: [(&str, &str, &str); 6] = [
    ("Stale Object Error", "5010", "Stale Object Error"),
    (
        "Duplicate Name Exists Error",
        "6240",
        "Duplicate Name Exists Error",
    ),
    ("Object Not Found", "610", "Object Not Found"),
    ("Invalid Reference Id", "2500", "Invalid Reference Id"),
    ("Required param missing", "2020", "Required param missing"),
    ("QueryParserError", "4000", "Error parsing query"),
];

/// A `Fault` body (IntuitRestServiceDef.xsd: `Error` with `Message`, `Detail`, `@code`,
/// `@element`; `Fault@type`) for an error status. A 400's code and message come from its
/// detail ([`VALIDATION`]; any other is 6000, "A business validation error has occurred");
/// 3200 authentication, 3201 authorization, 610 a path not found, 3001 throttled, 10000 a
/// system fault.
pub(crate) fn fault(status: u16, message: &str) -> Value {
    let (code, kind, headline) = match status {
        400 => VALIDATION
            .iter()
            .find(|(prefix, _, _)| message.starts_with(prefix))
            .map(|(_, code, headline)| (*code, "ValidationFault", *headline))
            .unwrap_or((
                "6000",
                "ValidationFault",
                "A business validation error has occurred while processing your request",
            )),
        401 => (
            "3200",
            "AuthenticationFault",
            "message=AuthenticationFailed; errorCode=003200; statusCode=401",
        ),
        403 => ("3201", "AuthorizationFault", "AuthorizationFailure"),
        404 => ("610", "ValidationFault", "Object Not Found"),
        429 => (
            "3001",
            "ThrottleExceeded",
            "message=ThrottleExceeded; errorCode=003001; statusCode=429",
        ),
        _ => (
            "10000",
            "SystemFault",
            "An application error has occurred while processing your request",
        ),
    };
    json!({
        "Fault": {
            "Error": [{"Message": headline, "Detail": message, "code": code, "element": ""}],
            "type": kind,
        },
        "time": at(Utc::now()),
    })
}

struct QuickBooks {
    realm: String,
    key: String,
    company: Value,
    /// Entity name → its objects, in the order QuickBooks lists them (by Id).
    objects: HashMap<&'static str, Vec<Value>>,
    /// Deleted objects as the change feed reports them (entity, tombstone).
    deleted: Vec<(&'static str, Value)>,
    /// The answer to each `requestid` written with (Intuit replays it for a repeat).
    answers: HashMap<String, (u16, Value)>,
    added: u64,
}

/// How far back the change feed reaches (Intuit's docs: change data capture, 30 days).
const CDC_DAYS: i64 = 30;
/// The most objects one change-feed answer holds (Intuit's docs: 1,000).
const CDC_CAP: usize = 1000;

/// The stream of each entity (the file's names).
const STREAMS: [(&str, &str); 5] = [
    ("employees", "Employee"),
    ("vendors", "Vendor"),
    ("time_activities", "TimeActivity"),
    ("departments", "Department"),
    ("classes", "Class"),
];

/// The name-list entities (with `Active`) among them; TimeActivity is a transaction.
const NAME_LISTS: [&str; 4] = ["Employee", "Vendor", "Department", "Class"];

fn entity_of(stream: &str) -> Option<&'static str> {
    STREAMS.iter().find(|(s, _)| *s == stream).map(|(_, e)| *e)
}

/// Builds QuickBooks' data for `c`.
pub(crate) fn dataset(c: &Company, builtin: &'static BuiltIn) -> Box<dyn Dataset> {
    dataset_at(c, builtin, Utc::now())
}

/// QuickBooks' data for `c` as of `now` (its shifts finished or going on then).
pub(crate) fn dataset_at(
    c: &Company,
    _builtin: &'static BuiltIn,
    now: DateTime<Utc>,
) -> Box<dyn Dataset> {
    let first_hire = c
        .people
        .iter()
        .map(|p| p.hire_date)
        .min()
        .unwrap_or(c.today);
    let opened = day_at(first_hire, 8);
    let departments: Vec<Value> = c
        .departments
        .iter()
        .enumerate()
        .map(|(i, d)| {
            json!({
                "Id": (i + 1).to_string(), "SyncToken": "0", "domain": "QBO", "sparse": false,
                "MetaData": meta(opened, opened),
                "Name": d.title, "SubDepartment": false, "FullyQualifiedName": d.title,
                "Active": true,
            })
        })
        .collect();
    let classes: Vec<Value> = c
        .locations
        .iter()
        .enumerate()
        .map(|(i, l)| {
            json!({
                "Id": (5_000_000_000_000u64 + i as u64 + 1).to_string(), "SyncToken": "0",
                "domain": "QBO", "sparse": false, "MetaData": meta(opened, opened),
                "Name": l.name, "SubClass": false, "FullyQualifiedName": l.name, "Active": true,
            })
        })
        .collect();
    let employee_id = |index: usize| (55 + index).to_string();
    let employees: Vec<Value> = c
        .people
        .iter()
        .map(|p| {
            let name = format!("{} {}", p.first_name, p.last_name);
            let hired = day_at(p.hire_date, 9);
            let updated = match p.terminated_on {
                Some(d) => day_at(d, 17),
                None => hired,
            };
            let mut e = json!({
                "Id": employee_id(p.index), "SyncToken": if p.terminated_on.is_some() { "1" } else { "0" },
                "domain": "QBO", "sparse": false, "MetaData": meta(hired, updated),
                "GivenName": p.first_name, "FamilyName": p.last_name,
                "DisplayName": name, "PrintOnCheckName": name,
                "Active": p.terminated_on.is_none(),
                "PrimaryEmailAddr": {"Address": p.work_email},
                "PrimaryPhone": {"FreeFormNumber": p.phone},
                "EmployeeNumber": format!("E{:03}", p.index + 1),
                "BillableTime": false,
                "BirthDate": p.birth_date.to_string(),
                "HiredDate": p.hire_date.to_string(),
            });
            if let (Some(d), Value::Object(m)) = (p.terminated_on, &mut e) {
                m.insert("ReleasedDate".into(), json!(d.to_string()));
            }
            e
        })
        .collect();
    let mut vendors = vec![json!({
        "Id": "30", "SyncToken": "0", "domain": "QBO", "sparse": false,
        "MetaData": meta(opened, opened),
        "CompanyName": "Valley Flour Mill", "DisplayName": "Valley Flour Mill",
        "PrintOnCheckName": "Valley Flour Mill", "Active": true,
        "PrimaryEmailAddr": {"Address": "orders@valleyflour.example"},
        "Vendor1099": false, "Balance": 0,
    })];
    if let Some(k) = &c.contractor {
        let name = format!("{} {}", k.first_name, k.last_name);
        vendors.push(json!({
            "Id": "31", "SyncToken": "0", "domain": "QBO", "sparse": false,
            "MetaData": meta(opened, opened),
            "GivenName": k.first_name, "FamilyName": k.last_name, "DisplayName": name,
            "PrintOnCheckName": name, "Active": true,
            "PrimaryEmailAddr": {"Address": k.email},
            "Vendor1099": true, "Balance": 0,
        }));
        // xs:decimal is a JSON number in QuickBooks' answers (written from the exact text).
        if let (Some(Value::Object(m)), Ok(rate)) = (
            vendors.last_mut(),
            serde_json::from_str::<Value>(&k.rate.to_string()),
        ) {
            m.insert("BillRate".into(), rate);
        }
    }
    // A time activity is entered once its shift has ended: QuickBooks has no running timer, and
    // one still going on would carry a LastUpdatedTime in the future, which every
    // change-data-capture poll would report as changed.
    let activities: Vec<Value> = shifts(c, now)
        .finished
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let p = &c.people[s.person];
            let end = s.end;
            let mut a = json!({
                "Id": (1000 + i).to_string(), "SyncToken": "0", "domain": "QBO", "sparse": false,
                "MetaData": meta(end, end),
                "TxnDate": s.day.to_string(),
                "NameOf": "Employee",
                "EmployeeRef": {"value": employee_id(p.index), "name": format!("{} {}", p.first_name, p.last_name)},
                "DepartmentRef": {"value": (p.department + 1).to_string()},
                "BillableStatus": "NotBillable", "Taxable": false,
                "Description": format!("Shift {}", s.n),
            });
            let Value::Object(m) = &mut a else {
                return a;
            };
            if s.seconds % 60 == 0 {
                m.insert("Hours".into(), json!(s.seconds / 3600));
                m.insert("Minutes".into(), json!((s.seconds % 3600) / 60));
            } else {
                let zone = |t: DateTime<Utc>| {
                    t.with_timezone(&s.zone)
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
                };
                m.insert("StartTime".into(), json!(zone(s.start)));
                m.insert("EndTime".into(), json!(zone(end)));
                m.insert("BreakHours".into(), json!(0));
                m.insert("BreakMinutes".into(), json!(0));
            }
            a
        })
        .collect();
    let company = json!({
        "Id": "1", "SyncToken": "3", "domain": "QBO", "sparse": false,
        "MetaData": meta(opened, opened),
        "CompanyName": c.name, "LegalName": c.legal_name,
        "CompanyStartDate": first_hire.to_string(), "Country": "US",
        "DefaultTimeZone": "America/Los_Angeles",
    });
    let mut objects = HashMap::new();
    objects.insert("Employee", employees);
    objects.insert("Vendor", vendors);
    objects.insert("TimeActivity", activities);
    objects.insert("Department", departments);
    objects.insert("Class", classes);
    Box::new(QuickBooks {
        realm: realm_id(c),
        key: client_id(c),
        company,
        objects,
        deleted: Vec::new(),
        answers: HashMap::new(),
        added: 0,
    })
}

/// The object's last change, for filters and order.
fn updated(v: &Value) -> Option<DateTime<Utc>> {
    v.pointer("/MetaData/LastUpdatedTime")
        .and_then(Value::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

impl QuickBooks {
    /// The objects a statement selects, filtered and ordered (not paged: the routes page).
    fn select(&self, st: &Statement) -> Result<Vec<Value>, Refusal> {
        let Some(all) = self.objects.get(st.entity.as_str()) else {
            return Err(Refusal::bad(statement::parse_error(&format!(
                "\"{}\", not an entity this company can query",
                st.entity
            ))));
        };
        let mut out: Vec<Value> = all.clone();
        // A name list answers its active names unless asked for others too (Intuit:
        // `SELECT * FROM Customer` "retrieves all active customers"); a transaction has no
        // Active.
        if NAME_LISTS.contains(&st.entity.as_str()) {
            let asked = st.active.clone().unwrap_or_else(|| vec![true]);
            out.retain(|v| asked.contains(&v["Active"].as_bool().unwrap_or(true)));
        } else if st.active.is_some() {
            return Err(Refusal::bad(statement::parse_error(&format!(
                "Active, not a member of {}",
                st.entity
            ))));
        }
        if let Some((member, after)) = &st.after {
            if !member.eq_ignore_ascii_case("Metadata.LastUpdatedTime") {
                return Err(Refusal::bad(statement::parse_error(&format!(
                    "\"{member}\", not a member the emulator filters on"
                ))));
            }
            out.retain(|v| updated(v).is_some_and(|u| u > *after));
        }
        if let Some((member, desc)) = &st.order {
            if !member.eq_ignore_ascii_case("Metadata.LastUpdatedTime") {
                return Err(Refusal::bad(statement::parse_error(&format!(
                    "\"{member}\", not a member the emulator orders by"
                ))));
            }
            out.sort_by_key(updated);
            if *desc {
                out.reverse();
            }
        }
        Ok(out)
    }
}

/// The Employee members whose XSD type is `xs:date` (IntuitNamesTypes.xsd).
const EMPLOYEE_DATES: [&str; 3] = ["BirthDate", "HiredDate", "ReleasedDate"];

/// Refuses an Employee body whose dates are not `YYYY-MM-DD`, as Intuit's validation does (a
/// 400 Fault naming the member); the routes already hold members to their JSON types.
fn check_employee_types(given: &Map<String, Value>) -> Result<(), Refusal> {
    for member in EMPLOYEE_DATES {
        if let Some(v) = given.get(member)
            && v.as_str()
                .is_none_or(|t| NaiveDate::parse_from_str(t, "%Y-%m-%d").is_err())
        {
            return Err(Refusal::bad(format!(
                "Invalid Date: {member} must be a date (YYYY-MM-DD), not {v}"
            )));
        }
    }
    Ok(())
}

impl QuickBooks {
    /// `POST …/employee`: a new employee (a unique DisplayName, as Intuit requires), or with
    /// `Id` a change on its current `SyncToken` (`sparse: true`: only the members sent; else
    /// the whole object); a stale SyncToken is the Fault "Stale Object Error" (5010).
    fn write_employee(&mut self, body: &Value) -> Result<(u16, Value), Refusal> {
        let Value::Object(given) = body else {
            return Err(Refusal::bad("The body must be an Employee object"));
        };
        check_employee_types(given)?;
        let now = Utc::now();
        let list = self.objects.entry("Employee").or_default();
        if let Some(id) = given.get("Id").and_then(Value::as_str) {
            let Some(current) = list.iter_mut().find(|e| e["Id"] == id) else {
                return Err(Refusal::bad(format!("Object Not Found: Employee {id}")));
            };
            let token = current["SyncToken"].as_str().unwrap_or("0").to_owned();
            if given.get("SyncToken").and_then(Value::as_str) != Some(token.as_str()) {
                return Err(Refusal::bad(format!(
                    "Stale Object Error: You and another user were working on the same thing. SyncToken {token} is the current one"
                )));
            }
            let next = token.parse::<u64>().unwrap_or(0) + 1;
            let created = current["MetaData"]["CreateTime"].clone();
            let mut updated = if given.get("sparse") == Some(&Value::Bool(true)) {
                current.clone()
            } else {
                json!({"Id": id, "domain": "QBO"})
            };
            if let Value::Object(m) = &mut updated {
                for (k, v) in given {
                    if k != "sparse" {
                        m.insert(k.clone(), v.clone());
                    }
                }
                m.insert("SyncToken".into(), json!(next.to_string()));
                m.insert("sparse".into(), json!(false));
                m.insert(
                    "MetaData".into(),
                    json!({"CreateTime": created, "LastUpdatedTime": at(now)}),
                );
            }
            *current = updated.clone();
            return Ok((200, json!({"Employee": updated, "time": at(now)})));
        }
        let display = given
            .get("DisplayName")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| {
                let part = |k: &str| {
                    given
                        .get(k)
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .trim()
                        .to_owned()
                };
                let n = format!("{} {}", part("GivenName"), part("FamilyName"));
                Some(n.trim().to_owned()).filter(|n| !n.is_empty())
            })
            .ok_or_else(|| Refusal::bad("Required param missing: DisplayName or a name"))?;
        // Unique among Employee, Vendor and Customer names (Intuit's Employee reference:
        // DisplayName); this company has no customers.
        let vendors = self.objects.get("Vendor").cloned().unwrap_or_default();
        let list = self.objects.entry("Employee").or_default();
        if list
            .iter()
            .chain(vendors.iter())
            .any(|e| e["DisplayName"] == display.as_str())
        {
            return Err(Refusal::bad(format!(
                "Duplicate Name Exists Error: The name supplied already exists. : {display}"
            )));
        }
        let id = (list
            .iter()
            .filter_map(|o| o["Id"].as_str()?.parse::<u64>().ok())
            .max()
            .unwrap_or(0)
            + 1)
        .to_string();
        let mut e = given.clone();
        e.insert("Id".into(), json!(id));
        e.insert("SyncToken".into(), json!("0"));
        e.insert("domain".into(), json!("QBO"));
        e.insert("sparse".into(), json!(false));
        e.insert("Active".into(), json!(true));
        e.insert("DisplayName".into(), json!(display));
        e.insert("MetaData".into(), meta(now, now));
        let e = Value::Object(e);
        list.push(e.clone());
        Ok((200, json!({"Employee": e, "time": at(now)})))
    }

    /// `POST …/timeactivity`: a time activity of an existing employee or vendor, on a day, with
    /// hours and minutes or a start and end.
    fn write_time_activity(&mut self, body: &Value) -> Result<(u16, Value), Refusal> {
        let Value::Object(given) = body else {
            return Err(Refusal::bad("The body must be a TimeActivity object"));
        };
        let (list_of, reference) = match given.get("NameOf").and_then(Value::as_str) {
            Some("Employee") => ("Employee", "EmployeeRef"),
            Some("Vendor") => ("Vendor", "VendorRef"),
            _ => return Err(Refusal::bad("NameOf must be Employee or Vendor")),
        };
        let who = given
            .get(reference)
            .and_then(|r| r.get("value"))
            .and_then(Value::as_str)
            .ok_or_else(|| Refusal::bad(format!("Required param missing: {reference}")))?;
        let Some(named) = self
            .objects
            .get(list_of)
            .and_then(|l| l.iter().find(|o| o["Id"] == who))
        else {
            return Err(Refusal::bad(format!(
                "Invalid Reference Id: {list_of} {who} does not exist"
            )));
        };
        // An inactive name takes no new transactions (Intuit: "Something you're trying to use
        // has been made inactive").
        if named["Active"] == false {
            return Err(Refusal::bad(format!(
                "Invalid Reference Id: Something you're trying to use has been made inactive: {list_of} {who}"
            )));
        }
        if given.get("TxnDate").and_then(Value::as_str).is_none() {
            return Err(Refusal::bad("Required param missing: TxnDate"));
        }
        let timed = given.contains_key("Hours") || given.contains_key("Minutes");
        let spanned = given.contains_key("StartTime") && given.contains_key("EndTime");
        if !timed && !spanned {
            return Err(Refusal::bad(
                "Required param missing: Hours and Minutes, or StartTime and EndTime",
            ));
        }
        let now = Utc::now();
        let list = self.objects.entry("TimeActivity").or_default();
        let id = (list
            .iter()
            .filter_map(|o| o["Id"].as_str()?.parse::<u64>().ok())
            .max()
            .unwrap_or(0)
            + 1)
        .to_string();
        let mut a = given.clone();
        a.insert("Id".into(), json!(id));
        a.insert("SyncToken".into(), json!("0"));
        a.insert("domain".into(), json!("QBO"));
        a.insert("sparse".into(), json!(false));
        a.insert("MetaData".into(), meta(now, now));
        let a = Value::Object(a);
        list.push(a.clone());
        Ok((200, json!({"TimeActivity": a, "time": at(now)})))
    }
}

impl Dataset for QuickBooks {
    fn writes(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("POST", "/v3/company/{realmId}/employee"),
            ("POST", "/v3/company/{realmId}/timeactivity"),
        ]
    }

    /// A write; a `requestid` seen before gets its first answer and changes nothing (Intuit's
    /// docs: REST API features, "Idempotency").
    fn write_with_query(
        &mut self,
        _method: &str,
        path: &str,
        _params: &HashMap<String, String>,
        query: &Filters,
        _headers: &axum::http::HeaderMap,
        body: &Value,
    ) -> Result<(u16, Value), Refusal> {
        let request_id = query
            .get("requestid")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if let Some(id) = &request_id {
            if id.len() > 50 {
                return Err(Refusal::bad("requestid may be at most 50 characters"));
            }
            if let Some(first) = self.answers.get(id) {
                return Ok(first.clone());
            }
        }
        let answer = if path.ends_with("/employee") {
            self.write_employee(body)?
        } else {
            self.write_time_activity(body)?
        };
        if let Some(id) = request_id {
            self.answers.insert(id, answer.clone());
        }
        Ok(answer)
    }

    fn key(&self) -> &str {
        &self.key
    }

    fn account(&self) -> (&'static str, String) {
        ("realm_id", self.realm.clone())
    }

    fn check(&self) -> Value {
        json!({"CompanyInfo": self.company, "time": at(Utc::now())})
    }

    fn list(
        &self,
        stream: &str,
        _path: &HashMap<String, String>,
        filters: &Filters,
    ) -> Result<Vec<Value>, Refusal> {
        let text = filters
            .get("query")
            .and_then(Value::as_str)
            .ok_or_else(|| Refusal::bad(statement::parse_error("no query")))?;
        let st = statement::parse(text).map_err(Refusal::bad)?;
        if entity_of(stream) != Some(st.entity.as_str()) {
            return Err(Refusal::bad(statement::parse_error(&format!(
                "\"{}\" where {stream} was asked for",
                st.entity
            ))));
        }
        self.select(&st)
    }

    fn add_like_last(&mut self, stream: &str) -> Option<String> {
        let entity = entity_of(stream)?;
        self.added += 1;
        let list = self.objects.get_mut(entity)?;
        let mut v = list.last()?.clone();
        let next_id = list
            .iter()
            .filter_map(|o| o["Id"].as_str()?.parse::<u64>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        let id = next_id.to_string();
        let now = Utc::now();
        let Value::Object(m) = &mut v else {
            return None;
        };
        m.insert("Id".into(), json!(id));
        m.insert("SyncToken".into(), json!("0"));
        m.insert("MetaData".into(), meta(now, now));
        if entity == "Employee" {
            let mut fields = Map::new();
            fields.insert("GivenName".into(), json!(format!("Added{}", self.added)));
            fields.insert(
                "PrimaryEmailAddr".into(),
                json!({"Address": format!("added{}@example.com", self.added)}),
            );
            m.extend(fields);
        }
        list.push(v);
        Some(id)
    }

    /// `GET /cdc?entities=A,B&changedSince=<date-time>`: per entity asked, the objects changed
    /// after the time and the tombstones of those deleted after it (`status: Deleted`, with
    /// only Id, domain and MetaData), at most 1,000 in all; a time older than 30 days, an
    /// unknown entity or a missing parameter is refused as Intuit's validation does.
    fn changes(&self, filters: &Filters) -> Result<Value, Refusal> {
        let text = |k: &str| filters.get(k).and_then(Value::as_str);
        let entities = text("entities")
            .ok_or_else(|| Refusal::bad("entities is required"))?
            .split(',')
            .map(str::trim)
            .collect::<Vec<_>>();
        let since = text("changedSince")
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| Refusal::bad("changedSince must be a date-time (ISO 8601)"))?;
        if since < Utc::now() - chrono::Duration::days(CDC_DAYS) {
            return Err(Refusal::bad(format!(
                "changedSince may be at most {CDC_DAYS} days back"
            )));
        }
        let mut responses = Vec::new();
        let mut room = CDC_CAP;
        for entity in entities {
            let Some((name, all)) = self.objects.get_key_value(entity) else {
                return Err(Refusal::bad(format!(
                    "{entity} is not an entity of change data capture"
                )));
            };
            let mut changed: Vec<Value> = all
                .iter()
                .filter(|v| updated(v).is_some_and(|u| u > since))
                .cloned()
                .collect();
            changed.extend(
                self.deleted
                    .iter()
                    .filter(|(e, t)| e == name && updated(t).is_some_and(|u| u > since))
                    .map(|(_, t)| t.clone()),
            );
            changed.truncate(room);
            room -= changed.len();
            let mut q = Map::new();
            if !changed.is_empty() {
                q.insert("startPosition".into(), json!(1));
                q.insert("maxResults".into(), json!(changed.len()));
                q.insert((*name).to_owned(), Value::Array(changed));
            }
            responses.push(Value::Object(q));
        }
        Ok(json!({
            "CDCResponse": [{"QueryResponse": responses}],
            "time": at(Utc::now()),
        }))
    }

    fn remove(&mut self, stream: &str, id: &str) -> bool {
        let Some(entity) = entity_of(stream) else {
            return false;
        };
        let Some(list) = self.objects.get_mut(entity) else {
            return false;
        };
        let Some(i) = list.iter().position(|o| o["Id"] == id) else {
            return false;
        };
        list.remove(i);
        let now = at(Utc::now());
        self.deleted.push((
            entity,
            json!({"Id": id, "domain": "QBO", "status": "Deleted", "MetaData": {"LastUpdatedTime": now}}),
        ));
        true
    }

    fn all(&self, stream: &str) -> Vec<Value> {
        entity_of(stream)
            .and_then(|e| self.objects.get(e))
            .cloned()
            .unwrap_or_default()
    }
}
