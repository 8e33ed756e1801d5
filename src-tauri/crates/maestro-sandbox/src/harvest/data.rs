//! Harvest ground truth. Users/clients/projects/tasks are small JSON records; time entries are
//! compact structs rendered on demand so 100k+ entries stay cheap (≈64 bytes each).

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::gusto::data::num;
use crate::seed::{Company, at, mix};

/// One time entry, compactly.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub id: u64,
    pub user_id: u64,
    pub project: u16,
    pub task: u16,
    pub spent_date: NaiveDate,
    /// Hours × 100.
    pub centi_hours: u32,
    pub notes: Option<Box<str>>,
    pub is_running: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Entry {
    pub(crate) fn key(&self) -> (NaiveDate, u64) {
        (self.spent_date, self.id)
    }

    /// The local date-time `hour`:00 on the day worked.
    pub(crate) fn day_at(&self, hour: u32) -> chrono::NaiveDateTime {
        self.spent_date
            .and_hms_opt(hour.min(23), 0, 0)
            .unwrap_or_default()
    }
}

/// A project and its client (indices into the tables below).
#[derive(Debug, Clone)]
pub(crate) struct ProjectInfo {
    pub id: u64,
    pub name: &'static str,
    pub code: &'static str,
    pub client: usize,
    pub billable: bool,
    pub hourly_rate: Option<Decimal>,
}

pub(crate) const CLIENTS: [(u64, &str); 3] = [
    (8_100_001, "Bluebird Bakery & Café"),
    (8_100_002, "Hillside Weddings"),
    (8_100_003, "Corner Market Co-op"),
];
pub(crate) const TASKS: [(u64, &str, bool); 6] = [
    (9_200_001, "Baking", false),
    (9_200_002, "Counter Service", false),
    (9_200_003, "Delivery", true),
    (9_200_004, "Prep & Cleaning", false),
    (9_200_005, "Admin", false),
    (9_200_006, "Cake Decorating", true),
];
const NOTES: [&str; 8] = [
    "Morning bake",
    "Open shift",
    "Close shift",
    "Wholesale run",
    "Catering prep",
    "Inventory and ordering",
    "Deep clean",
    "Weekend brunch rush",
];

/// Harvest's mutable state.
#[derive(Debug, Clone)]
pub(crate) struct HarvestData {
    pub users: Vec<Value>,
    pub projects: Vec<ProjectInfo>,
    /// Sorted ascending by (spent_date, id).
    pub entries: Vec<Entry>,
    pub next_entry_id: u64,
    /// Harvest user id of the token owner.
    pub me: u64,
    pub base_created: DateTime<Utc>,
    /// (user id, project index) → user assignment id.
    pub assignments: HashMap<(u64, u16), u64>,
}

fn ts(d: DateTime<Utc>) -> String {
    d.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Unix seconds → Harvest timestamp.
pub(crate) fn ts_of(secs: i64) -> String {
    DateTime::<Utc>::from_timestamp(secs, 0)
        .map(ts)
        .unwrap_or_default()
}

struct Worker {
    user_id: u64,
    location: usize,
    department: usize,
    full_time: bool,
    from: NaiveDate,
    until: Option<NaiveDate>,
    contractor: bool,
}

/// Builds Harvest's initial state.
pub(crate) fn build(c: &Company, total_entries: Option<usize>) -> HarvestData {
    let created = at(c.today - Duration::days(900), 15);
    let mut users = Vec::new();
    for p in &c.people {
        let admin = p.index == 0;
        users.push(json!({
            "id": p.harvest_id,
            "first_name": p.first_name,
            "last_name": p.last_name,
            "email": p.work_email,
            "telephone": p.phone,
            "timezone": crate::seed::LocationSeed::harvest_zone(c.locations[p.location].time_zone),
            "has_access_to_all_future_projects": admin,
            "is_contractor": false,
            "is_active": !(p.terminated_on.is_some() && p.terminated_in_gusto),
            "weekly_capacity": if p.full_time { 144_000 } else { 86_400 },
            "default_hourly_rate": if p.pay.is_hourly() { num(Decimal::new(4_500, 2)) } else { num(Decimal::new(7_500, 2)) },
            "cost_rate": num(p.pay.hourly_equivalent()),
            "roles": [p.title],
            "access_roles": if admin { json!(["administrator"]) } else { json!(["member"]) },
            "avatar_url": "https://d3s3969qhosaug.cloudfront.net/v2/user.png",
            "created_at": ts(at(p.hire_date.max(created.date_naive()), 16)),
            "updated_at": ts(at(p.terminated_on.unwrap_or(p.hire_date).max(created.date_naive()), 18)),
        }));
    }
    let mut workers: Vec<Worker> = c
        .people
        .iter()
        .filter(|p| p.pay.is_hourly())
        .map(|p| Worker {
            user_id: p.harvest_id,
            location: p.location,
            department: p.department,
            full_time: p.full_time,
            from: p.hire_date,
            until: p.terminated_on.filter(|_| p.terminated_in_gusto),
            contractor: false,
        })
        .collect();
    if let Some(k) = &c.contractor {
        users.push(json!({
            "id": k.harvest_id,
            "first_name": k.first_name,
            "last_name": k.last_name,
            "email": k.email,
            "telephone": "",
            "timezone": "Pacific Time (US & Canada)",
            "has_access_to_all_future_projects": false,
            "is_contractor": true,
            "is_active": true,
            "weekly_capacity": 57_600,
            "default_hourly_rate": num(k.rate),
            "cost_rate": num(k.rate),
            "roles": ["Cake Decorator"],
            "access_roles": ["member"],
            "avatar_url": "https://d3s3969qhosaug.cloudfront.net/v2/user.png",
            "created_at": ts(at(c.today - Duration::days(200), 16)),
            "updated_at": ts(at(c.today - Duration::days(200), 16)),
        }));
        workers.push(Worker {
            user_id: k.harvest_id,
            location: 0,
            department: 0,
            full_time: false,
            from: c.today - Duration::days(200),
            until: None,
            contractor: true,
        });
    }
    let projects = vec![
        ProjectInfo {
            id: 7_300_001,
            name: "Mission Café Operations",
            code: "OPS-MIS",
            client: 0,
            billable: false,
            hourly_rate: None,
        },
        ProjectInfo {
            id: 7_300_002,
            name: "Pearl Street Café Operations",
            code: "OPS-PRL",
            client: 0,
            billable: false,
            hourly_rate: None,
        },
        ProjectInfo {
            id: 7_300_003,
            name: "Catering — Hillside Weddings",
            code: "CAT-HW",
            client: 1,
            billable: true,
            hourly_rate: Some(Decimal::new(5_500, 2)),
        },
        ProjectInfo {
            id: 7_300_004,
            name: "Wholesale Bread Orders",
            code: "WHS-CMC",
            client: 2,
            billable: true,
            hourly_rate: Some(Decimal::new(4_000, 2)),
        },
    ];
    let mut assignments = HashMap::new();
    let mut next_ua = 6_400_001u64;
    for u in &users {
        let uid = u["id"].as_u64().unwrap_or_default();
        for pi in 0..projects.len() as u16 {
            assignments.insert((uid, pi), next_ua);
            next_ua += 1;
        }
    }
    let seed = c.seed;
    let mut entries = Vec::new();
    let mut id = 2_000_000_001u64;
    let mut push = |w: &Worker, day: NaiveDate, n: u64, entries: &mut Vec<Entry>| {
        let h = mix(seed, w.user_id, day.to_epoch_days() as u64 * 4 + n);
        let quarters = if w.full_time {
            24 + h % 13
        } else {
            12 + h % 13
        };
        let project = if w.contractor || h.is_multiple_of(10) {
            2
        } else if w.department == 2 && h.is_multiple_of(4) {
            3
        } else {
            w.location.min(1) as u16
        };
        let task = if w.contractor {
            5
        } else {
            match w.department {
                0 => {
                    if h.is_multiple_of(3) {
                        3
                    } else {
                        0
                    }
                }
                1 => 1,
                2 => 2,
                _ => 4,
            }
        };
        let stamp = at(day, 23).timestamp() + (h % 3_000) as i64;
        entries.push(Entry {
            id,
            user_id: w.user_id,
            project,
            task,
            spent_date: day,
            centi_hours: (quarters * 25) as u32,
            notes: None,
            is_running: false,
            created_at: stamp,
            updated_at: stamp,
        });
        id += 1;
    };
    let yesterday = c.today - Duration::days(1);
    match total_entries {
        None => {
            for back in (0..56).rev() {
                let day = yesterday - Duration::days(back);
                for w in &workers {
                    let h = mix(seed, 500 + w.user_id, day.to_epoch_days() as u64);
                    let works = if w.contractor {
                        h % 7 < 2
                    } else if w.full_time {
                        h % 7 < 5
                    } else {
                        h % 7 < 3
                    };
                    if works && day >= w.from && w.until.is_none_or(|u| day <= u) {
                        push(w, day, 0, &mut entries);
                    }
                }
            }
        }
        Some(n) if !workers.is_empty() => {
            let per_day = workers.len();
            let days = n.div_ceil(per_day);
            let mut made = 0usize;
            for back in (0..days as i64).rev() {
                let day = yesterday - Duration::days(back);
                for w in &workers {
                    if made < n {
                        push(w, day, 0, &mut entries);
                        made += 1;
                    }
                }
            }
        }
        Some(_) => {}
    }
    HarvestData {
        users,
        projects,
        entries,
        next_entry_id: id,
        me: c.people.first().map(|p| p.harvest_id).unwrap_or_default(),
        base_created: created,
        assignments,
    }
}

impl HarvestData {
    fn user(&self, id: u64) -> Option<&Value> {
        self.users.iter().find(|u| u["id"].as_u64() == Some(id))
    }

    /// Renders an entry as Harvest's `TimeEntry`.
    pub(crate) fn render(&self, e: &Entry) -> Value {
        let p = &self.projects[usize::from(e.project).min(self.projects.len() - 1)];
        let (client_id, client_name) = CLIENTS[p.client];
        let (task_id, task_name, _) = TASKS[usize::from(e.task).min(TASKS.len() - 1)];
        let user = self.user(e.user_id);
        let name = user
            .map(|u| {
                format!(
                    "{} {}",
                    u["first_name"].as_str().unwrap_or_default(),
                    u["last_name"].as_str().unwrap_or_default()
                )
            })
            .unwrap_or_default();
        let cost_rate = user.map(|u| u["cost_rate"].clone()).unwrap_or(Value::Null);
        let hours = num(Decimal::new(i64::from(e.centi_hours), 2));
        let billable = p.billable;
        let ua_id = self
            .assignments
            .get(&(e.user_id, e.project))
            .copied()
            .unwrap_or_default();
        let created = ts_of(e.created_at);
        let base = ts(self.base_created);
        json!({
            "id": e.id,
            "spent_date": e.spent_date.to_string(),
            "user": {"id": e.user_id, "name": name},
            "client": {"id": client_id, "name": client_name, "currency": "USD"},
            "project": {"id": p.id, "name": p.name, "code": p.code},
            "task": {"id": task_id, "name": task_name},
            "user_assignment": {"id": ua_id, "is_project_manager": false, "is_active": true, "use_default_rates": true, "budget": null, "created_at": base, "updated_at": base, "hourly_rate": p.hourly_rate.map(num)},
            "task_assignment": {"id": 5_500_000 + u64::from(e.project) * 10 + u64::from(e.task), "billable": p.billable, "is_active": true, "created_at": base, "updated_at": base, "hourly_rate": p.hourly_rate.map(num), "budget": null},
            "hours": hours,
            "hours_without_timer": hours,
            "rounded_hours": hours,
            "notes": e.notes.as_deref().map(str::to_string).unwrap_or_else(|| NOTES[(e.id % NOTES.len() as u64) as usize].to_string()),
            "is_locked": false,
            "locked_reason": null,
            "is_closed": false,
            "is_billed": false,
            "timer_started_at": null,
            "started_time": null,
            "ended_time": null,
            "is_running": e.is_running,
            "billable": billable,
            "budgeted": false,
            "billable_rate": if billable { p.hourly_rate.map(num).unwrap_or(Value::Null) } else { Value::Null },
            "cost_rate": cost_rate,
            "created_at": created,
            "updated_at": ts_of(e.updated_at),
            "external_reference": null,
            "invoice": null,
        })
    }

    /// Inserts keeping (spent_date, id) order.
    pub(crate) fn insert(&mut self, e: Entry) {
        let pos = self.entries.partition_point(|x| x.key() < e.key());
        self.entries.insert(pos, e);
    }

    pub(crate) fn project_index(&self, id: u64) -> Option<u16> {
        self.projects
            .iter()
            .position(|p| p.id == id)
            .map(|i| i as u16)
    }

    pub(crate) fn clients_json(&self) -> Vec<Value> {
        let base = ts(self.base_created);
        CLIENTS
            .iter()
            .map(|(id, name)| json!({"id": id, "name": name, "is_active": true, "address": null, "statement_key": format!("{:x}", id * 7919), "currency": "USD", "created_at": base, "updated_at": base}))
            .collect()
    }

    pub(crate) fn projects_json(&self) -> Vec<Value> {
        let base = ts(self.base_created);
        self.projects
            .iter()
            .map(|p| {
                let (cid, cname) = CLIENTS[p.client];
                json!({
                    "id": p.id, "client": {"id": cid, "name": cname, "currency": "USD"}, "name": p.name, "code": p.code,
                    "is_active": true, "is_billable": p.billable, "is_fixed_fee": false, "bill_by": if p.billable { "Project" } else { "none" },
                    "hourly_rate": p.hourly_rate.map(num), "budget": null, "budget_by": "none", "budget_is_monthly": false,
                    "notify_when_over_budget": false, "over_budget_notification_percentage": 80.0, "over_budget_notification_date": null,
                    "show_budget_to_all": false, "cost_budget": null, "cost_budget_include_expenses": false, "fee": null, "notes": "",
                    "starts_on": null, "ends_on": null, "created_at": base, "updated_at": base,
                })
            })
            .collect()
    }

    pub(crate) fn tasks_json(&self) -> Vec<Value> {
        let base = ts(self.base_created);
        TASKS
            .iter()
            .map(|(id, name, billable)| json!({"id": id, "name": name, "billable_by_default": billable, "default_hourly_rate": null, "is_default": true, "is_active": true, "created_at": base, "updated_at": base}))
            .collect()
    }

    pub(crate) fn user_assignments_json(&self) -> Vec<Value> {
        let base = ts(self.base_created);
        let mut v: Vec<(u64, Value)> = self
            .assignments
            .iter()
            .map(|((uid, pi), id)| {
                let p = &self.projects[usize::from(*pi)];
                let name = self
                    .user(*uid)
                    .map(|u| format!("{} {}", u["first_name"].as_str().unwrap_or_default(), u["last_name"].as_str().unwrap_or_default()))
                    .unwrap_or_default();
                (*id, json!({
                    "id": id, "project": {"id": p.id, "name": p.name, "code": p.code}, "user": {"id": uid, "name": name},
                    "is_active": true, "is_project_manager": false, "use_default_rates": true, "hourly_rate": p.hourly_rate.map(num),
                    "budget": null, "created_at": base, "updated_at": base,
                }))
            })
            .collect();
        v.sort_by_key(|(id, _)| std::cmp::Reverse(*id));
        v.into_iter().map(|(_, j)| j).collect()
    }
}
