//! Clockify's data (spec `UserDtoV1`, `TimeEntryWithRatesDtoV1`, `WorkspaceDtoV1`): the
//! company's people as workspace members and their shifts as time entries, each record
//! starting from the spec's own example.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use maestro_kit::BuiltIn;
use serde_json::{Map, Value, json};

use super::shifts::{Catalogue, Shift, shifts};
use super::{Dataset, Filters, Refusal, check_template, template};
use crate::seed::{Company, mix};

/// Clockify ids are 24 hex digits.
fn object_id(seed: u64, tag: u64, n: u64) -> String {
    format!(
        "{:08x}{:016x}",
        (mix(seed, tag, n) >> 32) as u32,
        mix(seed, tag + 1, n)
    )
}

/// The demo's Clockify API key for `c`.
pub(crate) fn api_key(c: &Company) -> String {
    format!(
        "{:016x}{:016x}{:016x}",
        mix(c.seed, 801, 0),
        mix(c.seed, 801, 1),
        mix(c.seed, 801, 2)
    )
}

/// The demo's Clockify workspace id for `c`.
pub(crate) fn workspace_id(c: &Company) -> String {
    object_id(c.seed, 802, 0)
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// ISO 8601 duration of `seconds` (`PT7H30M`), as Clockify writes them.
fn iso_duration(seconds: i64) -> String {
    let (h, m, s) = (seconds / 3600, (seconds % 3600) / 60, seconds % 60);
    let mut out = String::from("PT");
    if h > 0 {
        out.push_str(&format!("{h}H"));
    }
    if m > 0 {
        out.push_str(&format!("{m}M"));
    }
    if s > 0 || out == "PT" {
        out.push_str(&format!("{s}S"));
    }
    out
}

struct Clockify {
    key: String,
    workspace: Value,
    workspace_id: String,
    users: Vec<Value>,
    /// User id → entries, newest start first (Clockify's order).
    entries: HashMap<String, Vec<Value>>,
    template: Map<String, Value>,
    seed: u64,
    added: u64,
}

/// Builds Clockify's data for `c`.
pub(crate) fn dataset(c: &Company, builtin: &'static BuiltIn) -> Box<dyn Dataset> {
    dataset_at(c, builtin, Utc::now())
}

/// Clockify's data for `c` as of `now` (its shifts finished or going on then).
pub(crate) fn dataset_at(
    c: &Company,
    builtin: &'static BuiltIn,
    now: DateTime<Utc>,
) -> Box<dyn Dataset> {
    let ws = workspace_id(c);
    let mut user_t = template(builtin, "users");
    // The spec types AccountStatus as an object and a string at once; leave it out (see the
    // provider file).
    user_t.remove("status");
    let entry_t = template(builtin, "time_entries");
    // A shift still going on is a running timer: Clockify lists it with its start and no end
    // (the spec marks no field nullable, so `end` and `duration` are left out).
    let worked = shifts(c, now);
    let mut users = Vec::new();
    let mut ids = Vec::new();
    for p in &c.people {
        let id = object_id(c.seed, 803, p.index as u64);
        let active = !(p.terminated_on.is_some() && p.terminated_in_gusto);
        let zone = c.locations[p.location].time_zone;
        let mut u = user_t.clone();
        u.insert("id".into(), json!(id));
        u.insert(
            "name".into(),
            json!(format!("{} {}", p.first_name, p.last_name)),
        );
        u.insert("email".into(), json!(p.work_email));
        u.insert("activeWorkspace".into(), json!(ws));
        u.insert("defaultWorkspace".into(), json!(ws));
        u.insert("customFields".into(), json!([]));
        u.insert(
            "memberships".into(),
            json!([{
                "userId": id,
                "targetId": ws,
                "membershipType": "WORKSPACE",
                "membershipStatus": if active { "ACTIVE" } else { "INACTIVE" },
                "hourlyRate": {"amount": 0, "currency": "USD"},
                "costRate": {"amount": 0, "currency": "USD"},
            }]),
        );
        if let Some(Value::Object(settings)) = u.get_mut("settings") {
            settings.insert("timeZone".into(), json!(zone));
        } else {
            u.insert("settings".into(), json!({"timeZone": zone}));
        }
        users.push(Value::Object(u));
        ids.push(id);
    }
    let mut entries: HashMap<String, Vec<Value>> = HashMap::new();
    let mut begun: Vec<(&Shift, Option<DateTime<Utc>>)> = worked
        .finished
        .iter()
        .map(|s| (s, Some(s.end)))
        .chain(worked.running.iter().map(|s| (s, None)))
        .collect();
    begun.sort_by_key(|(s, _)| s.start);
    for (s, end) in begun {
        let e = entry(
            &entry_t,
            c.seed,
            &ws,
            &ids[s.person],
            s.n,
            (s.start, end),
            s.project,
            &worked.catalogue,
        );
        entries.entry(ids[s.person].clone()).or_default().push(e);
    }
    // Newest start first, as Clockify lists them.
    for list in entries.values_mut() {
        list.reverse();
    }
    let mut workspace = check_template(builtin);
    workspace.insert("id".into(), json!(ws));
    workspace.insert("name".into(), json!(c.name));
    Box::new(Clockify {
        key: api_key(c),
        workspace: Value::Object(workspace),
        workspace_id: ws,
        users,
        entries,
        template: entry_t,
        seed: c.seed,
        added: 0,
    })
}

#[allow(clippy::too_many_arguments)]
fn entry(
    t: &Map<String, Value>,
    seed: u64,
    ws: &str,
    user: &str,
    n: u64,
    (start, end): (DateTime<Utc>, Option<DateTime<Utc>>),
    project: usize,
    cat: &Catalogue,
) -> Value {
    let (_, _, billable, rate) = cat
        .projects
        .get(project)
        .copied()
        .unwrap_or(("", "", false, None));
    let mut e = t.clone();
    e.insert("id".into(), json!(object_id(seed, 804, n)));
    e.insert("userId".into(), json!(user));
    e.insert("workspaceId".into(), json!(ws));
    e.insert(
        "projectId".into(),
        json!(object_id(seed, 805, project as u64)),
    );
    e.insert("taskId".into(), json!(object_id(seed, 806, project as u64)));
    e.insert("description".into(), json!("Shift"));
    e.insert("billable".into(), json!(billable));
    e.insert("isLocked".into(), json!(false));
    e.insert("type".into(), json!("REGULAR"));
    e.insert("tagIds".into(), json!([]));
    e.insert("customFieldValues".into(), json!([]));
    e.remove("kioskId");
    e.insert(
        "hourlyRate".into(),
        json!({"amount": rate.unwrap_or(0), "currency": "USD"}),
    );
    e.insert("costRate".into(), json!({"amount": 0, "currency": "USD"}));
    let interval = match end {
        Some(end) => json!({
            "start": ts(start),
            "end": ts(end),
            "duration": iso_duration((end - start).num_seconds()),
        }),
        None => json!({ "start": ts(start) }),
    };
    e.insert("timeInterval".into(), interval);
    Value::Object(e)
}

fn instant(filters: &Filters, name: &str) -> Result<Option<DateTime<Utc>>, Refusal> {
    match filters.get(name).and_then(Value::as_str) {
        None => Ok(None),
        Some(t) => DateTime::parse_from_rfc3339(t)
            .map(|d| Some(d.with_timezone(&Utc)))
            .map_err(|_| Refusal::bad(format!("`{name}` must be yyyy-MM-ddThh:mm:ssZ"))),
    }
}

impl Dataset for Clockify {
    fn key(&self) -> &str {
        &self.key
    }

    fn account(&self) -> (&'static str, String) {
        ("workspace_id", self.workspace_id.clone())
    }

    fn check(&self) -> Value {
        self.workspace.clone()
    }

    fn list(
        &self,
        stream: &str,
        path: &HashMap<String, String>,
        filters: &Filters,
    ) -> Result<Vec<Value>, Refusal> {
        match stream {
            "users" => {
                let status = filters
                    .get("status")
                    .and_then(Value::as_str)
                    .unwrap_or("ACTIVE");
                let memberships = filters.get("memberships").and_then(Value::as_str);
                Ok(self
                    .users
                    .iter()
                    .filter(|u| {
                        let s = u
                            .pointer("/memberships/0/membershipStatus")
                            .and_then(Value::as_str);
                        status == "ALL" || s == Some(status)
                    })
                    .map(|u| {
                        let mut u = u.clone();
                        if !matches!(memberships, Some("ALL" | "WORKSPACE"))
                            && let Value::Object(m) = &mut u
                        {
                            m.insert("memberships".into(), json!([]));
                        }
                        u
                    })
                    .collect())
            }
            "time_entries" => {
                let user = path.get("user_id").cloned().unwrap_or_default();
                if !self.users.iter().any(|u| u["id"] == json!(user)) {
                    return Err(Refusal::not_found(format!(
                        "User {user} is not in this workspace"
                    )));
                }
                let from = instant(filters, "start")?;
                let to = instant(filters, "end")?;
                let start_of = |e: &Value| {
                    e.pointer("/timeInterval/start")
                        .and_then(Value::as_str)
                        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                        .map(|d| d.with_timezone(&Utc))
                };
                Ok(self
                    .entries
                    .get(&user)
                    .map(|list| {
                        list.iter()
                            .filter(|e| {
                                let s = start_of(e);
                                from.is_none_or(|f| s.is_some_and(|s| s >= f))
                                    && to.is_none_or(|t| s.is_some_and(|s| s <= t))
                            })
                            .cloned()
                            .collect()
                    })
                    .unwrap_or_default())
            }
            other => Err(Refusal::not_found(format!("no stream {other}"))),
        }
    }

    fn add_like_last(&mut self, stream: &str) -> Option<String> {
        match stream {
            "time_entries" => {
                let user = self.users.first()?.get("id")?.as_str()?.to_owned();
                self.added += 1;
                let n = 9_000_000 + self.added;
                let start = Utc::now() - chrono::Duration::hours(3);
                let cat = Catalogue {
                    projects: vec![("Added", "Added", false, None)],
                    tasks: vec![],
                };
                let e = entry(
                    &self.template,
                    self.seed,
                    &self.workspace_id,
                    &user,
                    n,
                    (start, Some(start + chrono::Duration::seconds(5400))),
                    0,
                    &cat,
                );
                let id = e["id"].as_str().map(str::to_owned);
                self.entries.entry(user).or_default().insert(0, e);
                id
            }
            _ => None,
        }
    }

    fn all(&self, stream: &str) -> Vec<Value> {
        match stream {
            "users" => self.users.clone(),
            "time_entries" => self.entries.values().flatten().cloned().collect(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_read_like_clockifys() {
        assert_eq!(super::iso_duration(27_000), "PT7H30M");
        assert_eq!(super::iso_duration(3_600), "PT1H");
        assert_eq!(super::iso_duration(0), "PT0S");
    }
}
