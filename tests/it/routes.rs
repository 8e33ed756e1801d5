//! Routes through the outbox against the sandbox: a new hire in BambooHR becomes exactly one
//! Gusto employee (dry run writes nothing; planning and running again, a failed first attempt,
//! a dropped connection and a write whose result was lost all still give one); a termination
//! waits for approval; Harvest hours per employee per Gusto pay period equal the sandbox's
//! ground truth exactly, and Toggl Track's and Clockify's (the same shifts, tracked with start
//! and end times) give payroll the same hours.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{Duration, NaiveDate, Utc};
use maestro_app::App;
use maestro_app::routes::{PlanState, WriteResult};
use maestro_connectors::{NewEmployee, WriteOp, WriteRequest};
use maestro_core::clock::ManualClock;
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_http::IdempotencyKey;
use maestro_sandbox::{FaultPlan, Provider, Sandbox, SandboxConfig};
use maestro_store::outbox::OutboxStatus;
use maestro_sync::Mode;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::support::app_in;

struct World {
    _dir: tempfile::TempDir,
    sandbox: Sandbox,
    app: App,
    clock: Arc<ManualClock>,
    company: CompanyId,
}

async fn world(time_entries: Option<usize>) -> World {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig {
        time_entries,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = app_in(dir.path(), clock.clone()).await;
    let company = app.company(None).await.unwrap().id;
    World {
        _dir: dir,
        sandbox,
        app,
        clock,
        company,
    }
}

async fn connect(w: &World, provider: &str) -> ConnectionId {
    let company = w.app.company(None).await.unwrap();
    let provider = match provider {
        "bamboohr" => Provider::BambooHr,
        "harvest" => Provider::Harvest,
        "toggl" => Provider::Toggl,
        "clockify" => Provider::Clockify,
        _ => Provider::Gusto,
    };
    w.app
        .connect_sandbox_provider(&company, &w.sandbox, provider)
        .await
        .unwrap()
        .id
}

async fn sync(w: &World, connection: ConnectionId) {
    for o in w
        .app
        .sync_connection(w.company, connection, None, Mode::Full)
        .await
        .unwrap()
    {
        assert!(o.error.is_none(), "{o:?}");
    }
}

fn gusto_with_email(w: &World, email: &str) -> Vec<Value> {
    w.sandbox
        .gusto_employees()
        .into_iter()
        .filter(|e| {
            e["work_email"]
                .as_str()
                .is_some_and(|x| x.eq_ignore_ascii_case(email))
        })
        .collect()
}

fn hire(first: &str, last: &str, email: &str, start: NaiveDate) -> WriteOp {
    WriteOp::CreateEmployee(NewEmployee {
        first_name: first.into(),
        last_name: last.into(),
        work_email: email.into(),
        job_title: Some("Pastry Chef".into()),
        department: None,
        start_date: Some(start),
        date_of_birth: None,
    })
}

async fn write(w: &World, connection: ConnectionId, op: WriteOp) -> String {
    w.app
        .connector(w.company, connection)
        .await
        .unwrap()
        .write(&WriteRequest {
            op,
            idempotency_key: IdempotencyKey::new(),
        })
        .await
        .unwrap()
        .remote_id
}

async fn audit_actions(w: &World) -> Vec<String> {
    let mut out = Vec::new();
    w.app.export_audit(&mut out).await.unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["action"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_new_hire_reaches_gusto_exactly_once_and_a_termination_waits_for_approval() {
    let w = world(Some(50)).await;
    let bamboo = connect(&w, "bamboohr").await;
    let gusto = connect(&w, "gusto").await;
    sync(&w, bamboo).await;
    sync(&w, gusto).await;

    // Before the hire: nobody to create (everyone in BambooHR is already in Gusto).
    let baseline = w.app.plan_routes(w.company, true).await.unwrap();
    assert!(
        baseline
            .writes
            .iter()
            .all(|x| x.operation != "create_employee"),
        "{:#?}",
        baseline.writes
    );
    assert!(baseline.notes.iter().any(|n| n.contains("accounting")));

    let email = "grace.hopper@bluebird.example";
    let start = w.sandbox.company().today + Duration::days(7);
    write(&w, bamboo, hire("Grace", "Hopper", email, start)).await;
    sync(&w, bamboo).await;
    let gusto_before = w.sandbox.gusto_employees().len();

    // Dry run: the exact diff, and nothing written anywhere.
    let dry = w.app.plan_routes(w.company, true).await.unwrap();
    let creates: Vec<_> = dry
        .writes
        .iter()
        .filter(|x| x.operation == "create_employee")
        .collect();
    assert_eq!(creates.len(), 1, "{:#?}", dry.writes);
    let c = creates[0];
    assert_eq!(c.connection_id, gusto);
    assert_eq!(c.state, PlanState::New);
    assert!(c.outbox_id.is_none());
    assert!(!c.requires_approval);
    let diff: BTreeMap<&str, Option<&str>> = c
        .changes
        .iter()
        .map(|f| (f.field.as_str(), f.after.as_deref()))
        .collect();
    assert_eq!(diff["first_name"], Some("Grace"));
    assert_eq!(diff["last_name"], Some("Hopper"));
    assert_eq!(diff["work_email"], Some(email));
    assert_eq!(diff["start_date"], Some(start.to_string().as_str()));
    assert!(c.changes.iter().all(|f| f.before.is_none()));
    assert!(w.app.outbox(w.company, None).await.unwrap().is_empty());
    assert_eq!(w.sandbox.gusto_employees().len(), gusto_before);
    assert!(!audit_actions(&w).await.iter().any(|a| a == "routes.plan"));

    // Plan for real, twice: queued once.
    let first = w.app.plan_routes(w.company, false).await.unwrap();
    let queued = first
        .writes
        .iter()
        .find(|x| x.operation == "create_employee")
        .unwrap();
    assert_eq!(queued.state, PlanState::New);
    let id = queued.outbox_id.clone().unwrap();
    let again = w.app.plan_routes(w.company, false).await.unwrap();
    let same = again
        .writes
        .iter()
        .find(|x| x.operation == "create_employee")
        .unwrap();
    assert_eq!(same.state, PlanState::Queued(OutboxStatus::Pending));
    assert_eq!(same.outbox_id.as_deref(), Some(id.as_str()));
    let creates_queued = |items: &[maestro_store::outbox::OutboxItem]| {
        items
            .iter()
            .filter(|i| i.operation == "create_employee")
            .count()
    };
    assert_eq!(
        creates_queued(&w.app.outbox(w.company, None).await.unwrap()),
        1
    );

    // Gusto fails every request: the attempt is retried later, nothing is created.
    w.sandbox.set_faults(
        Provider::Gusto,
        FaultPlan {
            server_errors: 50,
            ..FaultPlan::default()
        },
    );
    let failed = w.app.process_outbox(w.company).await.unwrap();
    let a = failed.attempts.iter().find(|a| a.outbox_id == id).unwrap();
    assert!(
        matches!(a.result, WriteResult::Retrying { .. }),
        "{:?}",
        a.result
    );
    assert!(gusto_with_email(&w, email).is_empty());
    w.sandbox.set_faults(Provider::Gusto, FaultPlan::default());
    // Not due yet.
    let early = w.app.process_outbox(w.company).await.unwrap();
    assert!(early.attempts.iter().all(|a| a.outbox_id != id));

    // Later, with the first request's connection dropped: written once.
    w.clock.advance(Duration::minutes(2));
    w.sandbox.set_faults(
        Provider::Gusto,
        FaultPlan {
            dropped_connections: 1,
            ..FaultPlan::default()
        },
    );
    let ok = w.app.process_outbox(w.company).await.unwrap();
    let a = ok.attempts.iter().find(|a| a.outbox_id == id).unwrap();
    assert_eq!(a.attempt, 2);
    let WriteResult::Written {
        remote_id,
        applied_now,
    } = &a.result
    else {
        panic!("{:?}", a.result)
    };
    assert!(applied_now);
    let created = gusto_with_email(&w, email);
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["uuid"].as_str(), Some(remote_id.as_str()));
    assert_eq!(w.sandbox.gusto_employees().len(), gusto_before + 1);

    // Running and planning again change nothing, before and after Gusto is synced.
    w.clock.advance(Duration::hours(2));
    assert!(
        w.app
            .process_outbox(w.company)
            .await
            .unwrap()
            .attempts
            .is_empty()
    );
    let replan = w.app.plan_routes(w.company, false).await.unwrap();
    let done = replan
        .writes
        .iter()
        .find(|x| x.operation == "create_employee")
        .unwrap();
    assert_eq!(done.state, PlanState::Queued(OutboxStatus::Done));
    sync(&w, gusto).await;
    let synced = w.app.plan_routes(w.company, false).await.unwrap();
    assert!(
        synced
            .writes
            .iter()
            .all(|x| x.operation != "create_employee")
    );
    assert!(
        w.app
            .process_outbox(w.company)
            .await
            .unwrap()
            .attempts
            .is_empty()
    );
    assert_eq!(gusto_with_email(&w, email).len(), 1);
    assert_eq!(
        creates_queued(&w.app.outbox(w.company, None).await.unwrap()),
        1
    );

    // A write that reached Gusto but whose result was lost: the retry finds it, writes nothing.
    let alan = "alan.turing@bluebird.example";
    write(&w, bamboo, hire("Alan", "Turing", alan, start)).await;
    sync(&w, bamboo).await;
    let plan = w.app.plan_routes(w.company, false).await.unwrap();
    let alan_item = plan
        .writes
        .iter()
        .find(|x| x.summary.contains(alan))
        .unwrap();
    write(&w, gusto, alan_item.op.clone()).await;
    let run = w.app.process_outbox(w.company).await.unwrap();
    let a = run
        .attempts
        .iter()
        .find(|a| Some(&a.outbox_id) == alan_item.outbox_id.as_ref())
        .unwrap();
    assert!(
        matches!(
            a.result,
            WriteResult::Written {
                applied_now: false,
                ..
            }
        ),
        "{:?}",
        a.result
    );
    assert_eq!(gusto_with_email(&w, alan).len(), 1);

    // A termination changes pay: planned, then it waits for approval.
    let person = w
        .sandbox
        .company()
        .people
        .iter()
        .find(|p| p.terminated_on.is_none())
        .unwrap()
        .clone();
    let last_day = w.sandbox.company().today + Duration::days(14);
    w.sandbox
        .terminate_employee(Provider::BambooHr, &person.bamboo_id.to_string(), last_day)
        .unwrap();
    sync(&w, bamboo).await;
    let plan = w.app.plan_routes(w.company, false).await.unwrap();
    let term = plan
        .writes
        .iter()
        .find(|x| {
            x.operation == "terminate_employee"
                && x.op
                    == WriteOp::TerminateEmployee {
                        remote_id: person.gusto_uuid.clone(),
                        effective_date: last_day,
                    }
        })
        .unwrap_or_else(|| panic!("{:#?}", plan.writes));
    assert!(term.requires_approval);
    let term_id = term.outbox_id.clone().unwrap();
    let waiting = w
        .app
        .outbox(w.company, Some(OutboxStatus::AwaitingApproval))
        .await
        .unwrap();
    assert!(waiting.iter().any(|i| i.id == term_id));
    let run = w.app.process_outbox(w.company).await.unwrap();
    assert!(run.attempts.iter().all(|a| a.outbox_id != term_id));
    assert!(run.awaiting_approval >= 1);
    let terminations = |w: &World| {
        w.sandbox
            .gusto_employees()
            .into_iter()
            .find(|e| e["uuid"].as_str() == Some(person.gusto_uuid.as_str()))
            .unwrap()["terminations"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|t| t["effective_date"].as_str() == Some(last_day.to_string().as_str()))
            .count()
    };
    assert_eq!(terminations(&w), 0);

    let approved = w.app.approve(w.company, &term_id).await.unwrap();
    assert_eq!(approved.status, OutboxStatus::Pending);
    assert!(w.app.approve(w.company, &term_id).await.is_err());
    let run = w.app.process_outbox(w.company).await.unwrap();
    let a = run
        .attempts
        .iter()
        .find(|a| a.outbox_id == term_id)
        .unwrap();
    assert!(
        matches!(a.result, WriteResult::Written { .. }),
        "{:?}",
        a.result
    );
    assert_eq!(terminations(&w), 1);

    // Every write is audited.
    let actions = audit_actions(&w).await;
    let writes = actions.iter().filter(|a| *a == "outbox.write").count();
    assert_eq!(writes, 3, "{actions:?}");
    assert!(actions.iter().any(|a| a == "outbox.write_retry"));
    assert!(actions.iter().any(|a| a == "outbox.approve"));
    assert!(
        w.app
            .verify_audit(&maestro_app::NoProgress)
            .await
            .unwrap()
            .is_intact()
    );
    w.sandbox.shutdown().await;
}

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(&v.to_string()).unwrap()
}

#[tokio::test]
async fn harvest_hours_per_employee_per_gusto_pay_period_equal_the_ground_truth() {
    let w = world(Some(3_000)).await;
    let harvest = connect(&w, "harvest").await;
    let gusto = connect(&w, "gusto").await;
    sync(&w, harvest).await;
    sync(&w, gusto).await;

    // The sandbox's biweekly schedule, as its payrolls show it.
    let (latest_start, latest_end) = w
        .sandbox
        .gusto_payrolls()
        .iter()
        .filter(|p| p["off_cycle"] != Value::Bool(true))
        .map(|p| {
            let d = |k: &str| {
                p["pay_period"][k]
                    .as_str()
                    .unwrap()
                    .parse::<NaiveDate>()
                    .unwrap()
            };
            (d("start_date"), d("end_date"))
        })
        .max_by_key(|(_, end)| *end)
        .unwrap();

    // Ground truth: Harvest user → email → Gusto employee.
    let gusto_by_email: BTreeMap<String, String> = w
        .sandbox
        .gusto_employees()
        .iter()
        .filter_map(|e| {
            Some((
                e["work_email"].as_str()?.to_lowercase(),
                e["uuid"].as_str()?.to_owned(),
            ))
        })
        .collect();
    let user_to_gusto: BTreeMap<u64, String> = w
        .sandbox
        .harvest_users()
        .iter()
        .filter(|u| u["is_contractor"] != Value::Bool(true))
        .filter_map(|u| {
            let email = u["email"].as_str()?.to_lowercase();
            Some((u["id"].as_u64()?, gusto_by_email.get(&email)?.clone()))
        })
        .collect();
    let entries = w
        .sandbox
        .harvest_time_entries(0, w.sandbox.harvest_time_entry_count());
    let truth = |start: NaiveDate, end: NaiveDate| {
        let mut sums: BTreeMap<String, (Decimal, usize)> = BTreeMap::new();
        for e in &entries {
            let day: NaiveDate = e["spent_date"].as_str().unwrap().parse().unwrap();
            if day < start || day > end || e["is_running"] == Value::Bool(true) {
                continue;
            }
            if let Some(g) = user_to_gusto.get(&e["user"]["id"].as_u64().unwrap()) {
                let s = sums.entry(g.clone()).or_default();
                s.0 += dec(&e["hours"]);
                s.1 += 1;
            }
        }
        sums
    };

    // The next pay period (default) and the latest paid one (--period).
    let next = w.app.hours_preview(w.company, None).await.unwrap();
    assert_eq!(next.period.start, latest_end + Duration::days(1));
    assert_eq!(next.period.end, latest_end + Duration::days(14));
    let last = w
        .app
        .hours_preview(w.company, Some(latest_start + Duration::days(3)))
        .await
        .unwrap();
    assert_eq!(
        (last.period.start, last.period.end),
        (latest_start, latest_end)
    );

    for preview in [&next, &last] {
        let expected = truth(preview.period.start, preview.period.end);
        let got: BTreeMap<String, (Decimal, usize)> = preview
            .employees
            .iter()
            .map(|e| (e.payroll_remote_id.clone(), (e.total, e.lines.len())))
            .collect();
        assert!(!got.is_empty(), "no hours in {}", preview.period);
        assert_eq!(got, expected, "period {}", preview.period);
        let total: Decimal = expected.values().map(|(h, _)| *h).sum();
        assert_eq!(preview.total, total);
        for e in &preview.employees {
            let sum: Decimal = e.lines.iter().map(|l| l.hours).sum();
            assert_eq!(sum, e.total);
            assert!(e.calculation().ends_with(&format!("= {}", e.total)));
            assert!(e.lines.windows(2).all(|p| p[0].date <= p[1].date));
        }
    }

    // Approving the preview is recorded with its totals; the plan shows the preview too.
    let approved = w.app.approve_hours(w.company, None).await.unwrap();
    assert_eq!(approved, next);
    assert!(
        audit_actions(&w)
            .await
            .iter()
            .any(|a| a == "routes.hours.approve")
    );
    let plan = w.app.plan_routes(w.company, true).await.unwrap();
    assert_eq!(plan.hours.as_ref(), Some(&next));
    assert!(plan.notes.iter().any(|n| n.contains("ends at the preview")));
    w.sandbox.shutdown().await;
}

#[tokio::test]
async fn toggl_and_clockify_give_payroll_the_same_hours_as_harvest() {
    let w = world(None).await;
    let gusto = connect(&w, "gusto").await;
    sync(&w, gusto).await;
    let mut totals = Vec::new();
    for tracker in ["harvest", "toggl", "clockify"] {
        let id = connect(&w, tracker).await;
        sync(&w, id).await;
        let mut routes = w.app.route_settings(w.company).await.unwrap();
        routes.time_tracking = Some(id);
        w.app.set_route_settings(w.company, &routes).await.unwrap();
        // The last paid period: every shift in it is finished in every tracker.
        let paid = w
            .sandbox
            .gusto_payrolls()
            .iter()
            .filter(|p| p["off_cycle"] != Value::Bool(true))
            .filter_map(|p| {
                p["pay_period"]["start_date"]
                    .as_str()?
                    .parse::<NaiveDate>()
                    .ok()
            })
            .max()
            .unwrap();
        let preview = w
            .app
            .hours_preview(w.company, Some(paid + Duration::days(3)))
            .await
            .unwrap();
        let per_person: BTreeMap<String, Decimal> = preview
            .employees
            .iter()
            .map(|e| (e.payroll_remote_id.clone(), e.total))
            .collect();
        assert!(!per_person.is_empty(), "{tracker}: no hours");
        totals.push((tracker, preview.total, per_person));
        let plan = w.app.plan_routes(w.company, true).await.unwrap();
        assert!(plan.hours.is_some(), "{tracker}: {:?}", plan.notes);
    }
    let (_, harvest_total, harvest) = &totals[0];
    for (tracker, total, per_person) in &totals[1..] {
        assert_eq!(per_person, harvest, "{tracker} per person");
        assert_eq!(total, harvest_total, "{tracker} total");
    }
    w.sandbox.shutdown().await;
}
