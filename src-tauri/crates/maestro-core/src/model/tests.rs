#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::json;

use super::*;
use crate::ids::{CompanyId, ConnectionId};
use crate::money::{Currency, Money};
use crate::sensitive::Sensitive;

fn prov(id: &str) -> Provenance {
    Provenance {
        remote_modified_at: Some(ts("2025-03-01T10:00:00Z")),
        ..Provenance::new(ConnectionId::new(), "gusto", id)
    }
}

fn ts(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn usd(s: &str) -> Money {
    Money::parse(s, Currency::USD).unwrap()
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str_exact(s).unwrap()
}

fn employee(company_id: CompanyId) -> Employee {
    Employee {
        provenance: prov("emp-1"),
        company_id,
        first_name: Some("Ada".into()),
        middle_name: None,
        last_name: Some("Lovelace".into()),
        preferred_name: Some("Ada".into()),
        display_full_name: Some("Ada Lovelace".into()),
        employee_number: Some("E-7".into()),
        work_email: Some("ada@example.com".into()),
        personal_email: None,
        phone_numbers: vec![PhoneNumber {
            number: "+1 555 0100".into(),
            kind: PhoneKind::Mobile,
        }],
        date_of_birth: Some(Sensitive::new(date("1985-12-10"))),
        ssn: Some(Sensitive::new("987-65-4321".into())),
        employment_status: EmploymentStatus::Active,
        hire_date: Some(date("2024-01-15")),
        start_date: Some(date("2024-02-01")),
        termination_date: None,
        manager_remote_id: Some("emp-0".into()),
        department_remote_id: Some("dep-1".into()),
        work_location_remote_id: Some("loc-1".into()),
        home_location_remote_id: None,
        custom_fields: BTreeMap::from([("shirt_size".to_owned(), json!("M"))]),
        raw: json!({"uuid": "emp-1", "ssn": "xxx"}).into(),
    }
}

fn pay_statement(company_id: CompanyId) -> PayStatement {
    PayStatement {
        provenance: prov("ps-1"),
        company_id,
        employee_remote_id: "emp-1".into(),
        payroll_run_remote_id: Some("run-1".into()),
        period_start: Some(date("2025-03-01")),
        period_end: Some(date("2025-03-15")),
        check_date: Some(date("2025-03-20")),
        gross_pay: usd("2000.00"),
        net_pay: usd("1493.00"),
        total_hours: Some(dec("80.00")),
        payment_method: Some(PaymentMethod::DirectDeposit),
        earnings: vec![
            Earning {
                kind: EarningKind::Regular,
                name: "Regular Hours".into(),
                amount: usd("1800.00"),
                hours: Some(dec("72.00")),
            },
            Earning {
                kind: EarningKind::Overtime,
                name: "Overtime".into(),
                amount: usd("200.00"),
                hours: Some(dec("8")),
            },
        ],
        employee_deductions: vec![Deduction {
            name: "401(k)".into(),
            amount: usd("100.00"),
            pre_tax: true,
        }],
        taxes: vec![
            Tax {
                name: "Federal Income Tax".into(),
                kind: Some(TaxKind::Federal),
                amount: usd("254.00"),
                employer: false,
            },
            Tax {
                name: "Social Security".into(),
                kind: Some(TaxKind::Fica),
                amount: usd("124.00"),
                employer: false,
            },
            Tax {
                name: "Medicare".into(),
                kind: Some(TaxKind::Fica),
                amount: usd("29.00"),
                employer: false,
            },
            Tax {
                name: "Social Security (employer)".into(),
                kind: Some(TaxKind::Fica),
                amount: usd("124.00"),
                employer: true,
            },
        ],
        employer_contributions: vec![Contribution {
            name: "401(k) match".into(),
            amount: usd("60.00"),
        }],
        raw: json!({}).into(),
    }
}

/// One sample of every entity kind.
fn samples() -> Vec<CanonicalRecord> {
    let c = CompanyId::new();
    let raw = json!({"id": 1});
    vec![
        Company {
            provenance: prov("co-1"),
            company_id: c,
            name: "Acme".into(),
            legal_name: Some("Acme LLC".into()),
            eins: vec!["12-3456789".into()],
            entity_type: Some("LLC".into()),
            email: None,
            phone: None,
            address: Some(Address {
                city: Some("Austin".into()),
                country: Some("US".into()),
                ..Address::default()
            }),
            raw: raw.clone().into(),
        }
        .into(),
        employee(c).into(),
        Employment {
            provenance: prov("job-1"),
            company_id: c,
            employee_remote_id: "emp-1".into(),
            job_title: Some("Engineer".into()),
            pay_rate: Some(usd("45.5000")),
            pay_period: Some(PayPeriod::Hour),
            pay_frequency: Some(PayFrequency::Biweekly),
            flsa_status: Some(FlsaStatus::NonExempt),
            employment_type: Some(EmploymentType::FullTime),
            effective_date: Some(date("2024-02-01")),
            raw: raw.clone().into(),
        }
        .into(),
        Compensation {
            provenance: prov("comp-1"),
            company_id: c,
            employee_remote_id: "emp-1".into(),
            employment_remote_id: Some("job-1".into()),
            effective_date: date("2024-02-01"),
            rate: usd("95000"),
            period: PayPeriod::Year,
            flsa_status: Some(FlsaStatus::Exempt),
            reason: Some("Promotion".into()),
            raw: raw.clone().into(),
        }
        .into(),
        Department {
            provenance: prov("dep-1"),
            company_id: c,
            name: "R&D".into(),
            parent_remote_id: None,
            raw: raw.clone().into(),
        }
        .into(),
        Location {
            provenance: prov("loc-1"),
            company_id: c,
            name: Some("HQ".into()),
            location_type: Some(LocationType::Work),
            address: Address {
                street_1: Some("1 Main St".into()),
                state: Some("TX".into()),
                postal_code: Some("78701".into()),
                ..Address::default()
            },
            time_zone: Some("America/Chicago".into()),
            phone: None,
            raw: raw.clone().into(),
        }
        .into(),
        TimeOffPolicy {
            provenance: prov("pol-1"),
            company_id: c,
            name: "PTO".into(),
            kind: Some(TimeOffKind::Vacation),
            unit: Some(TimeUnit::Hours),
            paid: Some(true),
            raw: raw.clone().into(),
        }
        .into(),
        TimeOffRequest {
            provenance: prov("tor-1"),
            company_id: c,
            employee_remote_id: "emp-1".into(),
            policy_remote_id: Some("pol-1".into()),
            approver_remote_id: None,
            status: TimeOffStatus::Approved,
            kind: Some(TimeOffKind::Vacation),
            start_date: date("2025-07-01"),
            end_date: date("2025-07-03"),
            amount: Some(dec("2.5")),
            unit: Some(TimeUnit::Days),
            note: None,
            raw: raw.clone().into(),
        }
        .into(),
        TimeOffBalance {
            provenance: prov("bal-1"),
            company_id: c,
            employee_remote_id: "emp-1".into(),
            policy_remote_id: "pol-1".into(),
            balance: dec("40.25"),
            used: None,
            unit: TimeUnit::Hours,
            as_of: Some(date("2025-03-01")),
            raw: raw.clone().into(),
        }
        .into(),
        TimeEntry {
            provenance: prov("te-1"),
            company_id: c,
            employee_remote_id: "user-9".into(),
            work_date: date("2025-03-03"),
            started_at: Some(ts("2025-03-03T14:00:00Z")),
            ended_at: Some(ts("2025-03-03T16:30:00Z")),
            time_zone: Some("Europe/Paris".into()),
            hours: dec("2.50"),
            project_remote_id: Some("p-1".into()),
            project_name: Some("Website".into()),
            task_name: Some("Design".into()),
            client_name: Some("Globex".into()),
            notes: None,
            billable: true,
            rate: Some(usd("120.00")),
            raw: raw.clone().into(),
        }
        .into(),
        TimesheetEntry {
            provenance: prov("ts-1"),
            company_id: c,
            employee_remote_id: "emp-1".into(),
            work_date: date("2025-03-03"),
            hours: dec("8.00"),
            earning_kind: EarningKind::Regular,
            notes: None,
            raw: raw.clone().into(),
        }
        .into(),
        PayrollRun {
            provenance: prov("run-1"),
            company_id: c,
            status: PayrollRunStatus::Paid,
            run_type: Some(PayrollRunType::Regular),
            period_start: date("2025-03-01"),
            period_end: date("2025-03-15"),
            check_date: Some(date("2025-03-20")),
            totals: PayrollTotals {
                gross_pay: Some(usd("2000.00")),
                net_pay: Some(usd("1493.00")),
                ..PayrollTotals::default()
            },
            raw: raw.clone().into(),
        }
        .into(),
        pay_statement(c).into(),
        BenefitPlan {
            provenance: prov("plan-1"),
            company_id: c,
            name: "Gold PPO".into(),
            kind: BenefitKind::Medical,
            carrier: Some("Aetna".into()),
            description: None,
            raw: raw.clone().into(),
        }
        .into(),
        BenefitEnrollment {
            provenance: prov("enr-1"),
            company_id: c,
            employee_remote_id: "emp-1".into(),
            plan_remote_id: "plan-1".into(),
            status: Some(EnrollmentStatus::Active),
            employee_contribution: Some(usd("75.00")),
            company_contribution: Some(usd("300.00")),
            coverage_start: Some(date("2024-03-01")),
            coverage_end: None,
            employee_contribution_percent: None,
            company_contribution_percent: None,
            deduction_start: Some(date("2024-03-01")),
            deduction_end: None,
            raw: raw.clone().into(),
        }
        .into(),
        BankAccount {
            provenance: prov("ba-1"),
            company_id: c,
            employee_remote_id: "emp-1".into(),
            bank_name: Some("First Bank".into()),
            routing_number: Some(Sensitive::new("021000021".into())),
            account_number: Some(Sensitive::new("000123456789".into())),
            account_last4: Some("6789".into()),
            account_type: Some(BankAccountType::Checking),
            raw: raw.clone().into(),
        }
        .into(),
        Dependent {
            provenance: prov("dep-9"),
            company_id: c,
            employee_remote_id: "emp-1".into(),
            first_name: Some("Byron".into()),
            middle_name: None,
            last_name: Some("Lovelace".into()),
            relationship: Some(Relationship::Child),
            date_of_birth: Some(Sensitive::new(date("2015-05-05"))),
            ssn: None,
            raw: raw.clone().into(),
        }
        .into(),
        BackgroundCheck {
            provenance: prov("bg-1"),
            company_id: c,
            candidate_remote_id: "cand-1".into(),
            package: Some("tasker_standard".into()),
            status: BackgroundCheckStatus::Completed,
            result: Some(BackgroundCheckResult::Clear),
            adjudication: None,
            submitted_at: Some(ts("2025-01-01T09:00:00Z")),
            completed_at: Some(ts("2025-01-03T09:00:00Z")),
            report_url: None,
            raw: raw.clone().into(),
        }
        .into(),
        SignatureRequest {
            provenance: prov("env-1"),
            company_id: c,
            title: "Offer letter".into(),
            status: SignatureRequestStatus::PartiallySigned,
            signers: vec![
                Signer {
                    name: Some("Ada".into()),
                    email: "ada@example.com".into(),
                    status: SignerStatus::Signed,
                    signed_at: Some(ts("2025-01-02T12:00:00Z")),
                },
                Signer {
                    name: None,
                    email: "ceo@example.com".into(),
                    status: SignerStatus::Sent,
                    signed_at: None,
                },
            ],
            documents: vec![SignatureDocument {
                remote_id: Some("doc-1".into()),
                name: "offer.pdf".into(),
            }],
            sent_at: Some(ts("2025-01-01T12:00:00Z")),
            completed_at: None,
            raw: raw.clone().into(),
        }
        .into(),
        Contractor {
            provenance: prov("ctr-1"),
            company_id: c,
            contractor_type: Some(ContractorType::Business),
            first_name: None,
            last_name: None,
            business_name: Some("Pixel Co".into()),
            email: Some("billing@pixel.example".into()),
            phone: None,
            tax_id: Some(Sensitive::new("98-7654321".into())),
            status: EmploymentStatus::Active,
            start_date: None,
            address: None,
            raw: raw.clone().into(),
        }
        .into(),
        Candidate {
            provenance: prov("cand-1"),
            company_id: c,
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            email: Some("ada@home.example".into()),
            raw: raw.into(),
        }
        .into(),
    ]
}

#[test]
fn entity_kind_names_are_stable_and_unique() {
    assert_eq!(EntityKind::ALL.len(), 21);
    let names: HashSet<&str> = EntityKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(names.len(), EntityKind::ALL.len());
    for kind in EntityKind::ALL {
        assert_eq!(
            serde_json::to_value(kind).unwrap(),
            json!(kind.as_str()),
            "{kind:?}"
        );
        assert_eq!(kind.as_str().parse::<EntityKind>().unwrap(), *kind);
        assert_eq!(kind.to_string(), kind.as_str());
    }
    assert_eq!(EntityKind::PayStatement.as_str(), "pay_statement");
    assert_eq!(EntityKind::TimeEntry.as_str(), "time_entry");
    assert_eq!(
        "paystub".parse::<EntityKind>(),
        Err(UnknownEntityKind("paystub".into()))
    );
}

#[test]
fn samples_cover_every_kind_with_matching_consts() {
    let records = samples();
    let kinds: Vec<EntityKind> = records.iter().map(CanonicalRecord::kind).collect();
    assert_eq!(kinds, EntityKind::ALL);
    assert_eq!(Employee::KIND, EntityKind::Employee);
    assert_eq!(PayStatement::KIND, EntityKind::PayStatement);
    assert_eq!(TimesheetEntry::KIND, EntityKind::TimesheetEntry);
    assert_eq!(Contractor::KIND, EntityKind::Contractor);
}

#[test]
fn every_record_round_trips_through_json() {
    for record in samples() {
        let tagged = serde_json::to_value(&record).unwrap();
        assert_eq!(tagged["kind"], json!(record.kind().as_str()));
        let back: CanonicalRecord = serde_json::from_value(tagged).unwrap();
        assert_eq!(back, record);
        let bare = record.to_json().unwrap();
        let again = CanonicalRecord::from_json(record.kind(), bare).unwrap();
        assert_eq!(again, record);
        assert_eq!(again.raw(), record.raw());
    }
}

#[test]
fn every_record_writes_the_canonical_text_of_its_json_tree() {
    // The stored text and content hash of a record must not depend on whether the tree or
    // the direct writer made it.
    for record in samples() {
        let mut tree = record.to_json().unwrap();
        tree.as_object_mut().unwrap().remove("raw");
        let mut expected = Vec::new();
        crate::canonical_json::write_value(&tree, &mut expected);
        let mut direct = Vec::new();
        record.write_data_text(&mut direct).unwrap();
        assert_eq!(
            String::from_utf8(direct).unwrap(),
            String::from_utf8(expected).unwrap(),
            "{}",
            record.kind()
        );
    }
}

#[test]
fn trait_accessors() {
    fn describe<E: CanonicalEntity>(e: &E) -> String {
        format!("{}:{}:{}", E::KIND, e.provenance().provider, e.remote_id())
    }
    let c = CompanyId::new();
    let e = employee(c);
    assert_eq!(describe(&e), "employee:gusto:emp-1");
    assert_eq!(e.company_id(), c);
    assert_eq!(CanonicalEntity::raw(&e).get("uuid"), Some(json!("emp-1")));
    let record = CanonicalRecord::from(e.clone());
    assert_eq!(record.company_id(), c);
    assert_eq!(record.provenance(), &e.provenance);
}

#[test]
fn debug_never_shows_sensitive_values() {
    for record in samples() {
        let text = format!("{record:?} {record:#?}");
        for secret in [
            "987-65-4321",
            "4321",
            "1985-12-10",
            "1985",
            "021000021",
            "000123456789",
            "98-7654321",
            "2015-05-05",
        ] {
            assert!(!text.contains(secret), "{secret} leaked in {text}");
        }
    }
    let e = employee(CompanyId::new());
    assert!(format!("{e:?}").contains("<redacted>"));
}

#[test]
fn sensitive_values_are_stored_transparently() {
    let json = serde_json::to_value(employee(CompanyId::new())).unwrap();
    assert_eq!(json["ssn"], json!("987-65-4321"));
    assert_eq!(json["date_of_birth"], json!("1985-12-10"));
}

#[test]
fn employee_json_shape() {
    let json = serde_json::to_value(employee(CompanyId::new())).unwrap();
    assert_eq!(json["employment_status"], json!("active"));
    assert_eq!(json["hire_date"], json!("2024-01-15"));
    assert_eq!(json["provenance"]["provider"], json!("gusto"));
    assert_eq!(
        json["provenance"]["remote_modified_at"],
        json!("2025-03-01T10:00:00Z")
    );
    assert_eq!(json["phone_numbers"][0]["kind"], json!("mobile"));
    assert_eq!(json["custom_fields"]["shirt_size"], json!("M"));
}

#[test]
fn pay_statement_json_keeps_exact_strings() {
    let json = serde_json::to_value(pay_statement(CompanyId::new())).unwrap();
    assert_eq!(
        json["gross_pay"],
        json!({"amount": "2000.00", "currency": "USD"})
    );
    assert_eq!(json["total_hours"], json!("80.00"));
    assert_eq!(json["earnings"][0]["kind"], json!("regular"));
    assert_eq!(json["earnings"][1]["hours"], json!("8"));
    assert_eq!(json["employee_deductions"][0]["pre_tax"], json!(true));
    assert_eq!(json["taxes"][3]["employer"], json!(true));
    assert_eq!(json["payment_method"], json!("direct_deposit"));
}

#[test]
fn pay_statement_arithmetic() {
    let ps = pay_statement(CompanyId::new());
    assert_eq!(ps.computed_net_pay().unwrap(), ps.net_pay);
    assert_eq!(ps.earnings_total().unwrap(), ps.gross_pay);
    let mut mixed = ps.clone();
    mixed.taxes[0].amount = Money::from_minor(100, Currency::CAD);
    assert!(mixed.computed_net_pay().is_err());
}

#[test]
fn optional_and_list_fields_may_be_missing() {
    let c = CompanyId::new();
    let conn = ConnectionId::new();
    let minimal = json!({
        "provenance": {"connection_id": conn, "provider": "toggl", "remote_id": "42"},
        "company_id": c,
        "employee_remote_id": "u1",
        "work_date": "2025-03-03",
        "hours": "1.25"
    });
    let entry: TimeEntry = serde_json::from_value(minimal).unwrap();
    assert_eq!(entry.hours, dec("1.25"));
    assert!(!entry.billable);
    assert!(entry.started_at.is_none() && entry.rate.is_none());
    assert_eq!(entry.provenance.remote_modified_at, None);
    assert_eq!(entry.raw, serde_json::Value::Null);

    let bad_hours = json!({
        "provenance": {"connection_id": conn, "provider": "toggl", "remote_id": "42"},
        "company_id": c,
        "employee_remote_id": "u1",
        "work_date": "2025-03-03",
        "hours": 1.25
    });
    assert!(serde_json::from_value::<TimeEntry>(bad_hours).is_err());
}

#[test]
fn enum_wire_names() {
    assert_eq!(
        serde_json::to_value(PayPeriod::TwoWeeks).unwrap(),
        json!("two_weeks")
    );
    assert_eq!(
        serde_json::to_value(PayPeriod::HalfMonth).unwrap(),
        json!("half_month")
    );
    assert_eq!(
        serde_json::to_value(FlsaStatus::SalariedNonExempt).unwrap(),
        json!("salaried_non_exempt")
    );
    assert_eq!(
        serde_json::to_value(EmploymentType::FullTime).unwrap(),
        json!("full_time")
    );
    assert_eq!(
        serde_json::to_value(EarningKind::Form1099).unwrap(),
        json!("form_1099")
    );
    assert_eq!(
        serde_json::to_value(TimeUnit::Hours).unwrap(),
        json!("hours")
    );
    assert_eq!(
        serde_json::to_value(EmploymentStatus::Terminated).unwrap(),
        json!("terminated")
    );
}

#[test]
fn without_sensitive_drops_values_and_provider_names_for_them() {
    let mut e = employee(CompanyId::new());
    e.raw = serde_json::json!({"birthDate": "1990-01-02", "ssn": "123-45-6789", "workEmail": "a@b.example",
        "nested": [{"accountNumber": "000123"}]}).into();
    let record = CanonicalRecord::Employee(e);
    assert!(record.may_hold_sensitive());
    let clean = record.without_sensitive().unwrap();
    let CanonicalRecord::Employee(c) = &clean else {
        panic!()
    };
    assert!(c.ssn.is_none() && c.date_of_birth.is_none());
    let text = clean.to_json().unwrap().to_string();
    for secret in [
        "1990-01-02",
        "123-45-6789",
        "000123",
        "987-65-4321",
        "1985-12-10",
    ] {
        assert!(!text.contains(secret), "{text}");
    }
    assert!(text.contains("a@b.example"), "other fields stay");
}
