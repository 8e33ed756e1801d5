//! Benefits across systems: each person's enrollments in the benefits system (BambooHR…) next
//! to what payroll deducts and what the HRIS says about their employment, for the person page,
//! and the two benefit alerts ([`rules`] says exactly when each is raised): "enrolled but
//! payroll deducts nothing" (and the reverse) and "left but still enrolled". Each alert resolves
//! itself once its cause is gone.
//!
//! People are joined through their identity (the people screen's links): an enrollment's
//! employee record, the HRIS employee record and the payroll employee record of one person.
//! The benefits system is every connection holding enrollments other than the payroll compared
//! (the one the routes read, else every payroll connection).

pub mod rules;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use maestro_connectors::{Category, Registry};
use maestro_core::ids::{CompanyId, ConnectionId, RecordId};
use maestro_core::model::{
    BenefitEnrollment, BenefitKind, BenefitPlan, Employee, EmploymentStatus, EnrollmentStatus,
    PayStatement,
};
use maestro_core::money::Money;
use maestro_store::alerts::{self, NewAlert, Severity};
use maestro_store::identities::{self, IdentityId, PERSON};
use maestro_store::records::{self, Payload, StoredAt};
use maestro_store::sqlx::SqliteConnection;
use rust_decimal::Decimal;
use serde::Serialize;

use self::rules::{Enrolled, Finding, PersonBenefits, Statement};
use crate::App;
use crate::error::{AppError, Result};

/// Alert kind: enrolled in the benefits system, no matching deduction in payroll.
pub const KIND_NO_DEDUCTION: &str = "benefit_deduction_missing";
/// Alert kind: a benefit deduction in payroll, no enrollment in the benefits system.
pub const KIND_NO_ENROLLMENT: &str = "benefit_enrollment_missing";
/// Alert kind: terminated in the HRIS, still enrolled in benefits.
pub const KIND_AFTER_TERMINATION: &str = "benefit_after_termination";
const KINDS: [&str; 3] = [
    KIND_NO_DEDUCTION,
    KIND_NO_ENROLLMENT,
    KIND_AFTER_TERMINATION,
];

/// One enrollment on the person page, with the system that says so.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnrollmentView {
    /// The plan's name.
    pub plan: String,
    /// The plan's kind ("medical", "retirement"…).
    pub kind: BenefitKind,
    /// Status ("active", "pending", "waived", "terminated"), when known.
    pub status: Option<EnrollmentStatus>,
    /// What the employee pays per pay period.
    pub employee_amount: Option<Money>,
    /// What the employee pays as a percentage of pay ("4" is 4 %).
    pub employee_percent: Option<Decimal>,
    /// What the company pays per pay period.
    pub company_amount: Option<Money>,
    /// What the company pays as a percentage of pay.
    pub company_percent: Option<Decimal>,
    /// Coverage start.
    pub coverage_start: Option<NaiveDate>,
    /// Coverage end.
    pub coverage_end: Option<NaiveDate>,
    /// First deduction day.
    pub deduction_start: Option<NaiveDate>,
    /// Last deduction day.
    pub deduction_end: Option<NaiveDate>,
    /// Connector id of the system that says so.
    pub provider: String,
    /// That connection's name.
    pub connection: String,
    /// The enrollment record.
    pub record_id: RecordId,
    /// The line on the latest pay statement that matches it, if any.
    pub deducted_as: Option<String>,
}

/// One deduction line of the person's latest pay statement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeductionView {
    /// The payroll's label.
    pub name: String,
    /// Amount withheld.
    pub amount: Money,
    /// The kind of benefit the label reads as, if any.
    pub kind: Option<BenefitKind>,
    /// Whether an enrollment explains it.
    pub matched: bool,
}

/// The person's latest pay statement's deductions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeductionsView {
    /// Connector id of the payroll.
    pub provider: String,
    /// That connection's name.
    pub connection: String,
    /// First day of the period.
    pub period_start: NaiveDate,
    /// Last day of the period.
    pub period_end: NaiveDate,
    /// Pay day.
    pub check_date: Option<NaiveDate>,
    /// The lines.
    pub deductions: Vec<DeductionView>,
}

/// A person's benefits for the person page.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct PersonBenefitsView {
    /// Enrollments, by plan.
    pub enrollments: Vec<EnrollmentView>,
    /// What payroll deducted on their latest statement.
    pub payroll: Option<DeductionsView>,
}

/// An employee record with what the checks need.
struct Staff {
    record_id: RecordId,
    connection_id: ConnectionId,
    remote_id: String,
    name: String,
    status: EmploymentStatus,
    termination_date: Option<NaiveDate>,
}

/// Everything read once for a pass.
#[derive(Default)]
struct Snapshot {
    names: HashMap<ConnectionId, (String, String)>,
    hris: BTreeSet<ConnectionId>,
    payroll: BTreeSet<ConnectionId>,
    staff: Vec<Staff>,
    identity_of: HashMap<RecordId, IdentityId>,
    plans: HashMap<(ConnectionId, String), (String, BenefitKind)>,
    enrollments: Vec<(StoredAt, BenefitEnrollment)>,
    /// Per payroll connection: the latest period's end, and each employee's latest statement.
    statements: HashMap<(ConnectionId, String), PayStatement>,
    latest_period: HashMap<ConnectionId, NaiveDate>,
    /// Payroll connections whose statements list deductions at all: one whose connector does
    /// not read them (ADP's statements give no way to tell a benefit from a tax) cannot show
    /// that a deduction is missing.
    itemised: BTreeSet<ConnectionId>,
}

fn category(provider: &str) -> Option<Category> {
    Registry::current()
        .get(provider)
        .map(|d| d.manifest.category)
}

fn provider_name(id: &str) -> String {
    Registry::current()
        .get(id)
        .map(|d| d.manifest.name.to_owned())
        .unwrap_or_else(|| id.to_owned())
}

fn person_name(e: &Employee) -> String {
    e.display_full_name.clone().unwrap_or_else(|| {
        [e.first_name.as_deref(), e.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
    })
}

async fn each<E: maestro_core::model::CanonicalEntity>(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    mut f: impl FnMut(StoredAt, E),
) -> Result<()> {
    records::for_each_current_entity(conn, company_id, Payload::Skip, |at, e| {
        f(at, e?);
        Ok::<_, AppError>(())
    })
    .await
}

impl Snapshot {
    async fn read(app: &App, company_id: CompanyId) -> Result<Snapshot> {
        let routes = app.route_settings(company_id).await?;
        let mut conn = app.conn().await?;
        let mut s = Snapshot::default();
        for c in maestro_store::connections::list(&mut conn, company_id).await? {
            match category(&c.provider) {
                Some(Category::Hris) if routes.hris.is_none_or(|h| h == c.id) => {
                    s.hris.insert(c.id);
                }
                Some(Category::Payroll) if routes.payroll.is_none_or(|p| p == c.id) => {
                    s.payroll.insert(c.id);
                }
                _ => {}
            }
            s.names
                .insert(c.id, (c.provider.clone(), c.display_name.clone()));
        }
        each(&mut conn, company_id, |at, e: Employee| {
            s.staff.push(Staff {
                record_id: at.record_id,
                connection_id: at.connection_id,
                remote_id: e.provenance.remote_id.clone(),
                name: person_name(&e),
                status: e.employment_status,
                termination_date: e.termination_date,
            });
        })
        .await?;
        each(&mut conn, company_id, |at, p: BenefitPlan| {
            s.plans.insert(
                (at.connection_id, p.provenance.remote_id.clone()),
                (p.name, p.kind),
            );
        })
        .await?;
        let payroll = s.payroll.clone();
        each(&mut conn, company_id, |at, e: BenefitEnrollment| {
            if !payroll.contains(&at.connection_id) {
                s.enrollments.push((at, e));
            }
        })
        .await?;
        let mut statements: HashMap<(ConnectionId, String), PayStatement> = HashMap::new();
        let mut latest: HashMap<ConnectionId, NaiveDate> = HashMap::new();
        let mut itemised = BTreeSet::new();
        each(&mut conn, company_id, |at, p: PayStatement| {
            let Some(end) = p.period_end.filter(|_| payroll.contains(&at.connection_id)) else {
                return;
            };
            if !p.employee_deductions.is_empty() {
                itemised.insert(at.connection_id);
            }
            let l = latest.entry(at.connection_id).or_insert(end);
            *l = (*l).max(end);
            let key = (at.connection_id, p.employee_remote_id.clone());
            if statements
                .get(&key)
                .is_none_or(|old| old.period_end.is_none_or(|e| e < end))
            {
                statements.insert(key, p);
            }
        })
        .await?;
        s.statements = statements;
        s.latest_period = latest;
        s.itemised = itemised;
        s.identity_of = identities::links(&mut conn, company_id, PERSON)
            .await?
            .into_iter()
            .map(|l| (l.record_id, l.identity_id))
            .collect();
        Ok(s)
    }

    fn names(&self, c: ConnectionId) -> (String, String) {
        self.names
            .get(&c)
            .cloned()
            .unwrap_or_else(|| (String::new(), String::new()))
    }

    fn enrolled(&self, at: &StoredAt, e: &BenefitEnrollment) -> Enrolled {
        let (plan, kind) = self
            .plans
            .get(&(at.connection_id, e.plan_remote_id.clone()))
            .cloned()
            .unwrap_or_else(|| (e.plan_remote_id.clone(), BenefitKind::Other));
        Enrolled {
            plan_id: e.plan_remote_id.clone(),
            plan,
            kind,
            status: e.status,
            employee_amount: e.employee_contribution,
            employee_percent: e.employee_contribution_percent,
            coverage_start: e.coverage_start,
            coverage_end: e.coverage_end,
            deduction_start: e.deduction_start,
            deduction_end: e.deduction_end,
        }
    }

    /// People as the checks see them: per identity, the records of each system.
    fn people(&self) -> Vec<Person<'_>> {
        let staff_at: HashMap<(ConnectionId, &str), &Staff> = self
            .staff
            .iter()
            .map(|s| ((s.connection_id, s.remote_id.as_str()), s))
            .collect();
        let benefits: BTreeSet<ConnectionId> = self
            .enrollments
            .iter()
            .map(|(at, _)| at.connection_id)
            .collect();
        let mut by_identity: BTreeMap<String, Person<'_>> = BTreeMap::new();
        let key = |s: &Staff| {
            self.identity_of
                .get(&s.record_id)
                .map_or_else(|| s.record_id.to_string(), |i| i.to_string())
        };
        for s in &self.staff {
            let p = by_identity.entry(key(s)).or_default();
            if self.hris.contains(&s.connection_id) {
                p.hris.get_or_insert(s);
            }
            if self.payroll.contains(&s.connection_id) {
                p.payroll.get_or_insert(s);
            }
            if benefits.contains(&s.connection_id) {
                p.benefits.get_or_insert(s);
            }
        }
        for (at, e) in &self.enrollments {
            if let Some(s) = staff_at.get(&(at.connection_id, e.employee_remote_id.as_str())) {
                let p = by_identity.entry(key(s)).or_default();
                p.enrollments.push((at, e));
            }
        }
        by_identity.into_values().collect()
    }

    /// The payroll record's statement of the latest period, if it has one and its payroll's
    /// statements list deductions.
    fn latest_statement(&self, payroll: &Staff) -> Option<&PayStatement> {
        if !self.itemised.contains(&payroll.connection_id) {
            return None;
        }
        let latest = self.latest_period.get(&payroll.connection_id)?;
        self.statements
            .get(&(payroll.connection_id, payroll.remote_id.clone()))
            .filter(|s| s.period_end == Some(*latest))
    }
}

/// One person's records in each system.
#[derive(Default)]
struct Person<'a> {
    hris: Option<&'a Staff>,
    payroll: Option<&'a Staff>,
    benefits: Option<&'a Staff>,
    enrollments: Vec<(&'a StoredAt, &'a BenefitEnrollment)>,
}

impl Person<'_> {
    fn name(&self) -> String {
        [self.hris, self.benefits, self.payroll]
            .into_iter()
            .flatten()
            .map(|s| s.name.clone())
            .find(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "Someone".into())
    }

    /// The HRIS's termination date, when it has terminated them.
    fn terminated_on(&self) -> Option<NaiveDate> {
        self.hris
            .filter(|h| h.status == EmploymentStatus::Terminated)
            .and_then(|h| h.termination_date)
    }
}

fn statement_of(p: &PayStatement) -> Option<Statement> {
    Some(Statement {
        period_start: p.period_start?,
        period_end: p.period_end?,
        deductions: p
            .employee_deductions
            .iter()
            .map(|d| (d.name.clone(), d.amount))
            .collect(),
    })
}

fn pays(e: &Enrolled) -> String {
    match (&e.employee_amount, e.employee_percent) {
        (Some(m), _) => format!("{m} per pay period"),
        (None, Some(p)) => format!("{}% of pay", p.normalize()),
        (None, None) => "a share".into(),
    }
}

fn kind_word(kind: BenefitKind) -> &'static str {
    match kind {
        BenefitKind::Medical => "medical",
        BenefitKind::Dental => "dental",
        BenefitKind::Vision => "vision",
        BenefitKind::Life => "life insurance",
        BenefitKind::Disability => "disability",
        BenefitKind::Retirement => "retirement",
        BenefitKind::Hsa => "HSA",
        BenefitKind::Fsa => "FSA",
        BenefitKind::Commuter => "commuter",
        BenefitKind::Other => "benefit",
    }
}

fn slug(s: &str) -> String {
    s.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The alert for one finding about `p`.
fn alert(company_id: CompanyId, s: &Snapshot, p: &Person<'_>, f: &Finding) -> Option<NewAlert> {
    let name = p.name();
    let benefits = p
        .benefits
        .map(|b| provider_name(&s.names(b.connection_id).0));
    let payroll = p
        .payroll
        .map(|b| provider_name(&s.names(b.connection_id).0));
    Some(match f {
        Finding::NoDeduction { enrolled, period } => {
            let (b, pay) = (benefits?, payroll?);
            NewAlert {
                company_id,
                connection_id: p.payroll.map(|x| x.connection_id),
                kind: KIND_NO_DEDUCTION.into(),
                severity: Severity::Warning,
                dedupe_key: format!(
                    "benefits:no_deduction:{}:{}",
                    p.benefits?.record_id, enrolled.plan_id
                ),
                title: format!(
                    "{name} is enrolled in {} but payroll deducts nothing for it",
                    enrolled.plan
                ),
                detail: format!(
                    "{b} has {name} enrolled in {} ({}), paying {}, but {pay} took no {} \
                     deduction from their pay for {} to {}. Add the deduction in {pay} before \
                     the next payroll, or, if {name} is no longer enrolled, end the enrollment \
                     in {b}.",
                    enrolled.plan,
                    kind_word(enrolled.kind),
                    pays(enrolled),
                    kind_word(enrolled.kind),
                    period.0,
                    period.1
                ),
                action: Some("review".into()),
            }
        }
        Finding::NoEnrollment {
            line,
            amount,
            kind,
            period,
        } => {
            let (b, pay) = (benefits?, payroll?);
            NewAlert {
                company_id,
                connection_id: p.payroll.map(|x| x.connection_id),
                kind: KIND_NO_ENROLLMENT.into(),
                severity: Severity::Warning,
                dedupe_key: format!(
                    "benefits:no_enrollment:{}:{}",
                    p.payroll?.record_id,
                    slug(line)
                ),
                title: format!(
                    "{name} pays for {} in payroll but is not enrolled in {b}",
                    kind_word(*kind)
                ),
                detail: format!(
                    "{pay} deducted {amount} for \"{line}\" from {name}'s pay for {} to {}, but \
                     {b} has no {} enrollment for them. If they enrolled, record the enrollment \
                     in {b}; if not, stop the deduction in {pay} and refund what was taken.",
                    period.0,
                    period.1,
                    kind_word(*kind)
                ),
                action: Some("review".into()),
            }
        }
        Finding::AfterTermination {
            enrolled,
            terminated_on,
        } => {
            let b = benefits?;
            let hris = p
                .hris
                .map(|h| provider_name(&s.names(h.connection_id).0))
                .unwrap_or_else(|| b.clone());
            let until = enrolled
                .deduction_end
                .or(enrolled.coverage_end)
                .map_or_else(|| "with no end date".to_owned(), |d| format!("until {d}"));
            NewAlert {
                company_id,
                connection_id: p.benefits.map(|x| x.connection_id),
                kind: KIND_AFTER_TERMINATION.into(),
                severity: Severity::Warning,
                dedupe_key: format!(
                    "benefits:after_termination:{}:{}",
                    p.benefits?.record_id, enrolled.plan_id
                ),
                title: format!(
                    "{name} left on {terminated_on} but is still enrolled in {}",
                    enrolled.plan
                ),
                detail: format!(
                    "{hris} ended {name}'s employment on {terminated_on}, but {b} still has them \
                     enrolled in {} {until}. End the enrollment in {b} (coverage usually ends on \
                     {}, the last day of the month they left) and tell the carrier, or the \
                     company keeps paying the premium.",
                    enrolled.plan,
                    rules::month_end(*terminated_on)
                ),
                action: Some("review".into()),
            }
        }
    })
}

impl App {
    /// Runs the benefit rules over every person (after syncs of people, benefits or pay):
    /// raises an alert per finding and resolves the benefit alerts whose cause is gone.
    /// Returns the number of open benefit alerts.
    pub async fn check_benefits(&self, company_id: CompanyId) -> Result<usize> {
        let s = Snapshot::read(self, company_id).await?;
        let reverse = !s.enrollments.is_empty();
        let mut raised = Vec::new();
        for p in s.people() {
            if p.enrollments.is_empty() && p.benefits.is_none() {
                continue;
            }
            let input = PersonBenefits {
                enrollments: p
                    .enrollments
                    .iter()
                    .map(|(at, e)| s.enrolled(at, e))
                    .collect(),
                statement: p
                    .payroll
                    .and_then(|pr| s.latest_statement(pr))
                    .and_then(statement_of),
                terminated_on: p.terminated_on(),
            };
            // The reverse rule needs the person in the benefits system.
            let reverse = reverse && p.benefits.is_some();
            for f in rules::check(&input, reverse) {
                if let Some(a) = alert(company_id, &s, &p, &f) {
                    raised.push(a);
                }
            }
        }
        let now = self.now();
        let mut tx = self.store().write().await?;
        let keys: BTreeSet<String> = raised.iter().map(|a| a.dedupe_key.clone()).collect();
        for a in &raised {
            alerts::raise(tx.conn(), a, now).await?;
        }
        for a in alerts::open(tx.conn(), company_id).await? {
            if KINDS.contains(&a.kind.as_str()) && !keys.contains(&a.dedupe_key) {
                alerts::resolve(tx.conn(), company_id, &a.dedupe_key, now).await?;
            }
        }
        tx.commit().await?;
        Ok(keys.len())
    }

    /// A person's enrollments (with the system that says so) next to what payroll deducted on
    /// their latest pay statement. `identity_id` comes from [`App::people`].
    pub async fn person_benefits(
        &self,
        company_id: CompanyId,
        identity_id: IdentityId,
    ) -> Result<PersonBenefitsView> {
        let s = Snapshot::read(self, company_id).await?;
        let id = identity_id.to_string();
        let Some(p) = s.people().into_iter().find(|p| {
            [p.hris, p.payroll, p.benefits]
                .into_iter()
                .flatten()
                .any(|x| {
                    s.identity_of.get(&x.record_id).map(ToString::to_string) == Some(id.clone())
                })
        }) else {
            return Ok(PersonBenefitsView::default());
        };
        let statement = p.payroll.and_then(|pr| {
            s.statements
                .get(&(pr.connection_id, pr.remote_id.clone()))
                .map(|st| (pr, st))
        });
        let mut view = PersonBenefitsView::default();
        let lines: Vec<String> = statement
            .map(|(_, st)| {
                st.employee_deductions
                    .iter()
                    .map(|d| d.name.clone())
                    .collect()
            })
            .unwrap_or_default();
        for (at, e) in &p.enrollments {
            let enrolled = s.enrolled(at, e);
            let (provider, connection) = s.names(at.connection_id);
            view.enrollments.push(EnrollmentView {
                deducted_as: lines.iter().find(|l| enrolled.matches_line(l)).cloned(),
                plan: enrolled.plan,
                kind: enrolled.kind,
                status: e.status,
                employee_amount: e.employee_contribution,
                employee_percent: e.employee_contribution_percent,
                company_amount: e.company_contribution,
                company_percent: e.company_contribution_percent,
                coverage_start: e.coverage_start,
                coverage_end: e.coverage_end,
                deduction_start: e.deduction_start,
                deduction_end: e.deduction_end,
                provider,
                connection,
                record_id: at.record_id,
            });
        }
        view.enrollments.sort_by(|a, b| {
            (&a.plan, a.coverage_start, a.coverage_end).cmp(&(
                &b.plan,
                b.coverage_start,
                b.coverage_end,
            ))
        });
        if let Some((pr, st)) = statement
            && let (Some(period_start), Some(period_end)) = (st.period_start, st.period_end)
        {
            let (provider, connection) = s.names(pr.connection_id);
            let live: Vec<Enrolled> = p
                .enrollments
                .iter()
                .map(|(at, e)| s.enrolled(at, e))
                .filter(|e| {
                    matches!(
                        e.status,
                        Some(EnrollmentStatus::Active | EnrollmentStatus::Pending)
                    )
                })
                .collect();
            view.payroll = Some(DeductionsView {
                provider,
                connection,
                period_start,
                period_end,
                check_date: st.check_date,
                deductions: st
                    .employee_deductions
                    .iter()
                    .map(|d| DeductionView {
                        name: d.name.clone(),
                        amount: d.amount,
                        kind: rules::deduction_kind(&d.name),
                        matched: live.iter().any(|e| e.matches_line(&d.name)),
                    })
                    .collect(),
            });
        }
        Ok(view)
    }
}
