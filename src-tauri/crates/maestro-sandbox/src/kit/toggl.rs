//! Toggl Track's data (spec `models.SimpleWorkspaceUser`, `workspace.Workspace`, and the
//! Reports API's `detailed.GroupedTimeEntry` rows): the company's people as workspace users and
//! their shifts as report rows, times at each person's own offset.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use maestro_kit::BuiltIn;
use serde_json::{Map, Value, json};

use super::shifts::{Catalogue, Shift, shifts};
use super::{Dataset, Filters, Refusal, check_template, template};
use crate::seed::{Company, mix};

/// The demo's Toggl API token for `c` (32 hex digits).
pub(crate) fn api_token(c: &Company) -> String {
    format!("{:016x}{:016x}", mix(c.seed, 901, 0), mix(c.seed, 901, 1))
}

/// The demo's Toggl workspace id for `c`.
pub(crate) fn workspace_id(c: &Company) -> u64 {
    3_000_000 + mix(c.seed, 902, 0) % 1_000_000
}

fn user_id(c: &Company, index: usize) -> u64 {
    9_000_000 + (mix(c.seed, 903, 0) % 1_000) * 1_000 + index as u64
}

struct Row {
    day: NaiveDate,
    value: Value,
}

struct Toggl {
    key: String,
    workspace_id: u64,
    workspace: Value,
    users: Vec<Value>,
    /// Report rows (one entry each), in date order.
    rows: Vec<Row>,
    added: u64,
}

/// Builds Toggl's data for `c`.
pub(crate) fn dataset(c: &Company, builtin: &'static BuiltIn) -> Box<dyn Dataset> {
    dataset_at(c, builtin, Utc::now())
}

/// Toggl's data for `c` as of `now` (its shifts finished or going on then).
pub(crate) fn dataset_at(
    c: &Company,
    builtin: &'static BuiltIn,
    now: DateTime<Utc>,
) -> Box<dyn Dataset> {
    let ws = workspace_id(c);
    let user_t = template(builtin, "users");
    let row_t = template(builtin, "time_entries");
    let users = c
        .people
        .iter()
        .map(|p| {
            let active = !(p.terminated_on.is_some() && p.terminated_in_gusto);
            let mut u = user_t.clone();
            u.insert("id".into(), json!(user_id(c, p.index)));
            u.insert("email".into(), json!(p.work_email));
            u.insert(
                "fullname".into(),
                json!(format!("{} {}", p.first_name, p.last_name)),
            );
            u.insert("inactive".into(), json!(!active));
            u.insert("is_active".into(), json!(active));
            u.insert("is_admin".into(), json!(p.index == 0));
            u.insert(
                "role".into(),
                json!(if p.index == 0 { "admin" } else { "user" }),
            );
            Value::Object(u)
        })
        .collect();
    // The Reports API's rows (`detailed.SingleTimeEntry`) have no form for a running timer
    // (`stop` and `at` are strings, `seconds` a length): a shift is reported once it has ended.
    let worked = shifts(c, now);
    let rows = worked
        .finished
        .iter()
        .map(|s| Row {
            day: s.day,
            value: row(&row_t, c, s, &worked.catalogue),
        })
        .collect();
    let mut workspace = check_template(builtin);
    workspace.insert("id".into(), json!(ws));
    workspace.insert("name".into(), json!(c.name));
    workspace.insert("default_currency".into(), json!("USD"));
    workspace.remove("api_token");
    Box::new(Toggl {
        key: api_token(c),
        workspace_id: ws,
        workspace: Value::Object(workspace),
        users,
        rows,
        added: 0,
    })
}

fn local(t: DateTime<Utc>, s: &Shift) -> String {
    t.with_timezone(&s.zone)
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn row(t: &Map<String, Value>, c: &Company, s: &Shift, cat: &Catalogue) -> Value {
    let p = &c.people[s.person];
    let (project, client, billable, rate) = cat
        .projects
        .get(s.project)
        .copied()
        .unwrap_or(("", "", false, None));
    let mut r = t.clone();
    r.insert("user_id".into(), json!(user_id(c, s.person)));
    r.insert(
        "username".into(),
        json!(format!("{} {}", p.first_name, p.last_name)),
    );
    r.insert("email".into(), json!(p.work_email));
    r.insert("project_id".into(), json!(5_000_000 + s.project as u64));
    r.insert("project_name".into(), json!(project));
    r.insert("project_color".into(), json!("#0b83d9"));
    r.insert("project_hex".into(), json!("#0b83d9"));
    r.insert("client_name".into(), json!(client));
    r.insert("task_id".into(), json!(6_000_000 + s.task as u64));
    r.insert(
        "task_name".into(),
        json!(cat.tasks.get(s.task).copied().unwrap_or("")),
    );
    r.insert("description".into(), json!("Shift"));
    r.insert("billable".into(), json!(billable));
    r.insert("hourly_rate_in_cents".into(), json!(rate.unwrap_or(0)));
    r.insert("billable_amount_in_cents".into(), json!(0));
    r.insert("currency".into(), json!("USD"));
    r.insert("tag_ids".into(), json!([]));
    r.insert("tag_names".into(), json!([]));
    r.insert(
        "time_entries".into(),
        json!([{
            "id": 4_000_000_000u64 + s.n % 1_000_000_000,
            "seconds": s.seconds,
            "start": local(s.start, s),
            "stop": local(s.end, s),
            "at": s.end.to_rfc3339_opts(SecondsFormat::Secs, true),
        }]),
    );
    Value::Object(r)
}

fn date(filters: &Filters, name: &str) -> Result<Option<NaiveDate>, Refusal> {
    match filters.get(name).and_then(Value::as_str) {
        None => Ok(None),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| Refusal::bad(format!("{name} must be a date (YYYY-MM-DD)"))),
    }
}

/// Rows grouped as Toggl groups them: one per person, project, task, description and
/// billable flag, in the order of their first entry, the entries of each in `time_entries`.
fn group<'a>(rows: impl Iterator<Item = &'a Row>) -> Vec<Value> {
    let mut order: Vec<Value> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    for r in rows {
        let v = &r.value;
        let key = [
            "user_id",
            "project_id",
            "task_id",
            "description",
            "billable",
        ]
        .iter()
        .map(|k| v.get(*k).map(Value::to_string).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("|");
        let entries = v
            .get("time_entries")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        match at.get(&key) {
            Some(&i) => {
                if let Some(Value::Array(list)) = order[i].get_mut("time_entries") {
                    list.extend(entries);
                }
            }
            None => {
                at.insert(key, order.len());
                order.push(v.clone());
            }
        }
    }
    order
}

impl Dataset for Toggl {
    fn key(&self) -> &str {
        &self.key
    }

    fn account(&self) -> (&'static str, String) {
        ("workspace_id", self.workspace_id.to_string())
    }

    fn check(&self) -> Value {
        self.workspace.clone()
    }

    fn list(
        &self,
        stream: &str,
        _path: &HashMap<String, String>,
        filters: &Filters,
    ) -> Result<Vec<Value>, Refusal> {
        match stream {
            "users" => Ok(self.users.clone()),
            "time_entries" => {
                let from = date(filters, "start_date")?;
                let to = date(filters, "end_date")?;
                if let (Some(f), Some(t)) = (from, to)
                    && t < f
                {
                    return Err(Refusal::bad("end_date must not be before start_date"));
                }
                let rows = self
                    .rows
                    .iter()
                    .filter(|r| from.is_none_or(|f| r.day >= f) && to.is_none_or(|t| r.day <= t));
                let mut out: Vec<Value> = if filters.get("grouped") == Some(&Value::Bool(true)) {
                    group(rows)
                } else {
                    rows.map(|r| r.value.clone()).collect()
                };
                for (i, r) in out.iter_mut().enumerate() {
                    if let Value::Object(m) = r {
                        m.insert("row_number".into(), json!(i + 1));
                    }
                }
                Ok(out)
            }
            other => Err(Refusal::not_found(format!("no stream {other}"))),
        }
    }

    fn add_like_last(&mut self, stream: &str) -> Option<String> {
        if stream != "time_entries" {
            return None;
        }
        let last = self.rows.last()?;
        let mut value = last.value.clone();
        self.added += 1;
        let id = 4_900_000_000u64 + self.added;
        let entry = value.pointer_mut("/time_entries/0")?;
        entry["id"] = json!(id);
        entry["at"] = json!(Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true));
        let day = last.day;
        self.rows.push(Row { day, value });
        Some(id.to_string())
    }

    fn all(&self, stream: &str) -> Vec<Value> {
        match stream {
            "users" => self.users.clone(),
            "time_entries" => self.rows.iter().map(|r| r.value.clone()).collect(),
            _ => Vec::new(),
        }
    }
}
