use maestro_sandbox::{Provider, Sandbox};
use serde_json::Value;

use crate::{config, start};

#[tokio::test]
async fn seeded_data_is_deterministic_across_starts() {
    let a = Sandbox::start(config()).await.unwrap();
    let b = Sandbox::start(config()).await.unwrap();
    assert_eq!(a.credentials(), b.credentials());
    assert_eq!(a.gusto_employees(), b.gusto_employees());
    assert_eq!(a.gusto_payrolls(), b.gusto_payrolls());
    assert_eq!(a.bamboohr_employees(), b.bamboohr_employees());
    assert_eq!(
        a.bamboohr_table("compensation"),
        b.bamboohr_table("compensation")
    );
    assert_eq!(a.harvest_users(), b.harvest_users());
    assert_eq!(a.harvest_time_entry_count(), b.harvest_time_entry_count());
    assert_eq!(
        a.harvest_time_entries(0, 500),
        b.harvest_time_entries(0, 500)
    );
    let mut other = config();
    other.seed = 7;
    let c = Sandbox::start(other).await.unwrap();
    assert_ne!(a.gusto_employees(), c.gusto_employees());
    for s in [a, b, c] {
        s.shutdown().await;
    }
}

#[tokio::test]
async fn same_people_everywhere_with_demo_discrepancies() {
    let sb = start().await;
    let g = sb.gusto_employees();
    let b = sb.bamboohr_employees();
    let h = sb.harvest_users();
    assert_eq!(g.len(), 25);
    assert_eq!(b.len(), 25);
    assert_eq!(h.len(), 26, "25 staff + 1 Harvest-only contractor");
    for e in &g {
        let email = e["work_email"].as_str().unwrap();
        assert!(email.ends_with("@bluebird.example"));
        assert!(b.iter().any(|x| x["workEmail"].as_str() == Some(email)));
        assert!(h.iter().any(|x| x["email"].as_str() == Some(email)));
    }
    assert!(
        b.iter()
            .all(|x| x["id"].as_str().unwrap().parse::<u32>().unwrap() >= 101)
    );
    let contractors: Vec<&Value> = h.iter().filter(|u| u["is_contractor"] == true).collect();
    assert_eq!(contractors.len(), 1);
    // Rate mismatch between BambooHR compensation and Gusto compensation.
    let co = sb.company();
    let p = &co.people[co.rate_mismatch.unwrap()];
    let ge = g
        .iter()
        .find(|e| e["uuid"] == p.gusto_uuid.as_str())
        .unwrap();
    let grate = ge["jobs"][0]["compensations"][0]["rate"]
        .as_str()
        .unwrap()
        .to_string();
    let comp = sb.bamboohr_table("compensation");
    let brow = comp
        .iter()
        .find(|r| r["employeeId"] == p.bamboo_id.to_string().as_str())
        .unwrap();
    assert_ne!(brow["rate"]["value"].as_str().unwrap(), grate);
    // Terminated in BambooHR, active in Gusto.
    let p = &co.people[co.stale_termination.unwrap()];
    let be = b
        .iter()
        .find(|e| e["id"] == p.bamboo_id.to_string().as_str())
        .unwrap();
    assert_eq!(be["status"], "Inactive");
    let ge = g
        .iter()
        .find(|e| e["uuid"] == p.gusto_uuid.as_str())
        .unwrap();
    assert_eq!(ge["terminated"], false);
    // One person terminated everywhere.
    let p = &co.people[co.terminated.unwrap()];
    let ge = g
        .iter()
        .find(|e| e["uuid"] == p.gusto_uuid.as_str())
        .unwrap();
    assert_eq!(ge["terminated"], true);
    // Realistic default volume: ~8 weeks of shifts for hourly staff.
    let n = sb.harvest_time_entry_count();
    assert!((300..2000).contains(&n), "{n} entries");
    assert!(
        sb.base_url(Provider::Gusto)
            .starts_with("http://127.0.0.1:")
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn the_new_hire_started_days_ago_in_every_tool_that_holds_people() {
    let sb = start().await;
    let c = sb.company();
    let p = &c.people[c.new_hire.expect("the demo has a new hire")];
    let start = c.today - chrono::Duration::days(maestro_sandbox::seed::NEW_HIRE_DAYS);
    assert_eq!(p.hire_date, start);
    assert!(p.pay.is_hourly() && p.terminated_on.is_none());
    for special in [c.rate_mismatch, c.stale_termination, c.terminated] {
        assert_ne!(special, c.new_hire);
    }
    let day = start.to_string();
    let bamboo = sb.bamboohr_employees();
    let b = bamboo
        .iter()
        .find(|e| e["workEmail"] == p.work_email.as_str())
        .unwrap();
    assert_eq!(b["hireDate"], day.as_str());
    let gusto = sb.gusto_employees();
    let g = gusto
        .iter()
        .find(|e| e["email"] == p.home_email.as_str())
        .unwrap();
    let jobs = g["jobs"].as_array().unwrap();
    assert!(
        jobs.iter().all(|j| j["hire_date"] == day.as_str()),
        "{jobs:?}"
    );
    for (provider, stream, member) in [
        (Provider::Rippling, "workers", "start_date"),
        (Provider::Zenefits, "employments", "hire_date"),
    ] {
        assert!(
            sb.records(provider, stream)
                .iter()
                .any(|r| r[member] == day.as_str()),
            "{provider:?}"
        );
    }
    // Tracked hours only since the start.
    let h = sb.harvest_time_entries(0, sb.harvest_time_entry_count());
    let theirs: Vec<&Value> = h
        .iter()
        .filter(|e| e["user"]["id"] == p.harvest_id)
        .collect();
    assert!(
        theirs
            .iter()
            .all(|e| e["spent_date"].as_str().unwrap() >= day.as_str())
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn the_new_hire_tells_no_other_demo_story() {
    let sb = start().await;
    let c = sb.company();
    let b = maestro_sandbox::benefits::situations(c);
    for other in [
        b.enrolled_without_deduction,
        b.deduction_without_enrollment,
        b.enrolled_after_termination,
    ] {
        assert_ne!(other, c.new_hire);
    }
    sb.shutdown().await;
}
