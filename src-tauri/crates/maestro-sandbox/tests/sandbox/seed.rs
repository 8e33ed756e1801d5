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
