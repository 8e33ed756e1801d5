//! Conflict rules, without I/O: which kind of system owns each field (the source of truth),
//! a three-way merge of two systems' values against the last value they agreed on, and when a
//! result needs the owner's approval instead of being applied.
//!
//! The merge of one field of one person, with `base` the last value both systems held and
//! `left`/`right` their current values:
//! - both equal → in step;
//! - one still equals `base` → the other one changed: take the change;
//! - both changed differently (or there is no `base` yet) → the system that owns the field wins
//!   when it is one of the two; otherwise it is a real conflict for the review queue.
//!
//! Whatever wins, the other system only ever gets a *proposed* write, and a change of pay is
//! never applied without the owner's approval (design §6): it goes to the review queue with
//! the rule's suggestion.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use maestro_connectors::Category;
use maestro_core::ids::{ConnectionId, RecordId};
use maestro_core::model::{EmploymentStatus, PayPeriod};
use maestro_core::money::Money;
use serde::{Deserialize, Serialize};

/// A field compared across systems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Job title.
    JobTitle,
    /// Department name.
    Department,
    /// Who the person reports to.
    Manager,
    /// Current pay rate and the period it is expressed in.
    PayRate,
    /// Employment status (active, terminated…).
    EmploymentStatus,
    /// Hours worked.
    Hours,
}

impl Field {
    /// Every field, in declaration order.
    pub const ALL: &'static [Field] = &[
        Field::JobTitle,
        Field::Department,
        Field::Manager,
        Field::PayRate,
        Field::EmploymentStatus,
        Field::Hours,
    ];

    /// Stable snake_case name (storage, CLI).
    pub const fn as_str(self) -> &'static str {
        match self {
            Field::JobTitle => "job_title",
            Field::Department => "department",
            Field::Manager => "manager",
            Field::PayRate => "pay_rate",
            Field::EmploymentStatus => "employment_status",
            Field::Hours => "hours",
        }
    }

    /// The field in plain words.
    pub const fn label(self) -> &'static str {
        match self {
            Field::JobTitle => "job title",
            Field::Department => "department",
            Field::Manager => "manager",
            Field::PayRate => "pay rate",
            Field::EmploymentStatus => "employment status",
            Field::Hours => "hours",
        }
    }

    /// Who owns the field unless the owner says otherwise: pay from payroll, title,
    /// department, manager and status from the HRIS, hours from time tracking.
    pub const fn default_owner(self) -> Category {
        match self {
            Field::PayRate => Category::Payroll,
            Field::JobTitle | Field::Department | Field::Manager | Field::EmploymentStatus => {
                Category::Hris
            }
            Field::Hours => Category::TimeTracking,
        }
    }

    /// True when no change to this field is applied without the owner's approval.
    pub const fn needs_approval(self) -> bool {
        matches!(self, Field::PayRate)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A field name that is not one of [`Field::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "there is no field called '{0}'; fields: job_title, department, manager, pay_rate, employment_status, hours"
)]
pub struct UnknownField(pub String);

impl FromStr for Field {
    type Err = UnknownField;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Field::ALL
            .iter()
            .copied()
            .find(|f| f.as_str() == s.trim())
            .ok_or_else(|| UnknownField(s.to_owned()))
    }
}

/// Stable name of a connector category ("payroll", "hris", "time_tracking"…).
pub const fn category_name(c: Category) -> &'static str {
    match c {
        Category::Payroll => "payroll",
        Category::Hris => "hris",
        Category::Benefits => "benefits",
        Category::TimeTracking => "time_tracking",
        Category::BackgroundChecks => "background_checks",
        Category::Accounting => "accounting",
        Category::Chat => "chat",
        Category::ESignature => "e_signature",
        Category::Compliance => "compliance",
        Category::Custom => "custom",
    }
}

/// The category named `name` (as [`category_name`] spells it).
pub fn parse_category(name: &str) -> Option<Category> {
    [
        Category::Payroll,
        Category::Hris,
        Category::Benefits,
        Category::TimeTracking,
        Category::BackgroundChecks,
        Category::Accounting,
        Category::Chat,
        Category::ESignature,
        Category::Compliance,
        Category::Custom,
    ]
    .into_iter()
    .find(|c| category_name(*c) == name.trim())
}

/// The source of truth per field: the defaults, with the owner's choices on top.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldOwners {
    overrides: BTreeMap<Field, Category>,
}

impl FieldOwners {
    /// Makes `owner` the source of truth for `field`.
    pub fn set(&mut self, field: Field, owner: Category) {
        self.overrides.insert(field, owner);
    }

    /// The category that owns `field`.
    pub fn owner(&self, field: Field) -> Category {
        self.overrides
            .get(&field)
            .copied()
            .unwrap_or(field.default_owner())
    }
}

/// One field's value in one system, in a form that compares the way people mean it: money
/// exactly with its currency (`25.5 USD` equals `25.50 USD`, never `25.50 CAD`), dates as
/// dates, text with surrounding and repeated spaces ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum FieldValue {
    /// Text (title, department name).
    Text(String),
    /// A calendar date.
    Date(NaiveDate),
    /// A pay rate per period.
    Pay {
        /// The rate, exact.
        rate: Money,
        /// The period it is expressed in.
        period: PayPeriod,
    },
    /// An employment status.
    Status(EmploymentStatus),
    /// Another person, by a key both systems share (their work email, lower-cased).
    Person(String),
}

impl FieldValue {
    /// Text with surrounding and repeated whitespace removed; `None` when empty.
    pub fn text(s: &str) -> Option<FieldValue> {
        let t = s.split_whitespace().collect::<Vec<_>>().join(" ");
        (!t.is_empty()).then_some(FieldValue::Text(t))
    }

    /// A value the owner typed for `field`, read like the values it replaces (`like`): a pay
    /// rate takes an amount ("31.50") in the same currency and period.
    pub fn parse_for(field: Field, input: &str, like: Option<&FieldValue>) -> Result<Self, String> {
        match (field, like) {
            (Field::PayRate, Some(FieldValue::Pay { rate, period })) => {
                let amount = input
                    .trim()
                    .trim_start_matches('$')
                    .split_whitespace()
                    .next()
                    .unwrap_or_default();
                let money = Money::parse(amount, rate.currency)
                    .map_err(|e| format!("'{input}' is not an amount: {e}"))?;
                if money.is_negative() {
                    return Err("a pay rate cannot be negative".into());
                }
                Ok(FieldValue::Pay {
                    rate: money,
                    period: *period,
                })
            }
            (Field::PayRate, _) => {
                Err("this pay rate has no current value to take its currency from".into())
            }
            (Field::Manager, _) => FieldValue::text(&input.to_lowercase())
                .map(|v| match v {
                    FieldValue::Text(t) => FieldValue::Person(t),
                    other => other,
                })
                .ok_or_else(|| "give the manager's work email".into()),
            (Field::EmploymentStatus, _) => {
                serde_json::from_value(serde_json::Value::String(input.trim().to_lowercase()))
                    .map(FieldValue::Status)
                    .map_err(|_| {
                        format!("'{input}' is not a status (active, pending, inactive, terminated)")
                    })
            }
            _ => FieldValue::text(input).ok_or_else(|| "the value is empty".into()),
        }
    }
}

impl fmt::Display for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::Text(t) | FieldValue::Person(t) => f.write_str(t),
            FieldValue::Date(d) => write!(f, "{d}"),
            FieldValue::Pay { rate, period } => {
                let per = serde_json::to_value(period)
                    .ok()
                    .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
                    .unwrap_or_default();
                write!(f, "{rate} per {per}")
            }
            FieldValue::Status(s) => {
                let name = serde_json::to_value(s)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                f.write_str(&name)
            }
        }
    }
}

/// One of the two systems being compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Which {
    /// The first system (the HRIS when comparing HRIS and payroll).
    Left,
    /// The second system (payroll).
    Right,
}

impl Which {
    /// The other side.
    pub const fn other(self) -> Which {
        match self {
            Which::Left => Which::Right,
            Which::Right => Which::Left,
        }
    }
}

/// Why a value wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Only this system changed since the systems last agreed.
    OnlyChange,
    /// Both changed (or they never agreed) and this system owns the field.
    Owner,
}

/// The result of the three-way merge of one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merge {
    /// Both systems hold the same value.
    InStep(FieldValue),
    /// `winner`'s value should be written to the other system.
    Take {
        /// The system whose value wins.
        winner: Which,
        /// Why.
        reason: Reason,
    },
    /// Both changed differently and neither owns the field.
    Conflict,
}

/// The three-way merge of one field: `base` is the last value both systems held (None when
/// they never agreed), `owner` the category that owns the field, `left`/`right` each
/// system's category and current value.
pub fn merge(
    base: Option<&FieldValue>,
    owner: Category,
    left: (Category, &FieldValue),
    right: (Category, &FieldValue),
) -> Merge {
    let (lc, lv) = left;
    let (rc, rv) = right;
    if lv == rv {
        return Merge::InStep(lv.clone());
    }
    if let Some(b) = base {
        if lv == b {
            return Merge::Take {
                winner: Which::Right,
                reason: Reason::OnlyChange,
            };
        }
        if rv == b {
            return Merge::Take {
                winner: Which::Left,
                reason: Reason::OnlyChange,
            };
        }
    }
    match (lc == owner, rc == owner) {
        (true, false) => Merge::Take {
            winner: Which::Left,
            reason: Reason::Owner,
        },
        (false, true) => Merge::Take {
            winner: Which::Right,
            reason: Reason::Owner,
        },
        _ => Merge::Conflict,
    }
}

/// What to do about one field of one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Nothing: the systems agree on this value (it becomes the new base).
    InStep(FieldValue),
    /// Apply `winner`'s value: propose a write to the other system.
    Apply {
        /// The system whose value wins.
        winner: Which,
        /// Why.
        reason: Reason,
    },
    /// Put it in the review queue, with the rules' suggestion when they have one.
    Review {
        /// The side the rules would pick (applied only with the owner's approval).
        suggested: Option<Which>,
    },
}

/// The merge of `field` followed by the approval policy: a change to a field that needs
/// approval (pay) goes to the review queue with the merge's winner as the suggestion.
pub fn decide(
    field: Field,
    base: Option<&FieldValue>,
    owners: &FieldOwners,
    left: (Category, &FieldValue),
    right: (Category, &FieldValue),
) -> Decision {
    match merge(base, owners.owner(field), left, right) {
        Merge::InStep(v) => Decision::InStep(v),
        Merge::Take { winner, .. } if field.needs_approval() => Decision::Review {
            suggested: Some(winner),
        },
        Merge::Take { winner, reason } => Decision::Apply { winner, reason },
        Merge::Conflict => Decision::Review { suggested: None },
    }
}

/// An employee record as the linking fallback needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmployeeRef {
    /// Local record id.
    pub record_id: RecordId,
    /// Its connection.
    pub connection_id: ConnectionId,
    /// The connection's category.
    pub category: Category,
    /// Work email, as given.
    pub work_email: Option<String>,
}

/// Two records of one person in two systems, compared field by field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkedPair {
    /// The record in the first system (the HRIS).
    pub left: RecordId,
    /// The record in the second system (payroll).
    pub right: RecordId,
}

impl LinkedPair {
    /// A key that stays the same for as long as both records exist (alerts, review queue).
    pub fn key(&self) -> String {
        format!("{}:{}", self.left, self.right)
    }
}

/// Work email as a matching key: trimmed and lower-cased; None when empty.
pub fn normalise_email(email: &str) -> Option<String> {
    let e = email.trim().to_lowercase();
    (!e.is_empty()).then_some(e)
}

/// The fallback link between systems until identity resolution supplies confirmed links:
/// records sharing a normalised work email, one of category `left` and one of `right`.
/// An email held by two records of the same connection is ambiguous and is left out.
pub fn pair_by_work_email(
    records: &[EmployeeRef],
    left: Category,
    right: Category,
) -> Vec<LinkedPair> {
    let mut by_email: BTreeMap<String, Vec<&EmployeeRef>> = BTreeMap::new();
    for r in records {
        if let Some(e) = r.work_email.as_deref().and_then(normalise_email) {
            by_email.entry(e).or_default().push(r);
        }
    }
    let mut out = Vec::new();
    for group in by_email.values() {
        let ambiguous = group.iter().enumerate().any(|(i, a)| {
            group
                .iter()
                .skip(i + 1)
                .any(|b| b.connection_id == a.connection_id)
        });
        if ambiguous {
            continue;
        }
        for l in group.iter().filter(|r| r.category == left) {
            for r in group.iter().filter(|r| r.category == right) {
                out.push(LinkedPair {
                    left: l.record_id,
                    right: r.record_id,
                });
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use maestro_core::money::Currency;

    const H: Category = Category::Hris;
    const P: Category = Category::Payroll;
    const T: Category = Category::TimeTracking;

    fn t(s: &str) -> FieldValue {
        FieldValue::text(s).unwrap()
    }

    fn pay(amount: &str, currency: Currency) -> FieldValue {
        FieldValue::Pay {
            rate: Money::parse(amount, currency).unwrap(),
            period: PayPeriod::Hour,
        }
    }

    #[test]
    fn defaults_follow_the_design_and_the_owner_can_change_them() {
        let mut owners = FieldOwners::default();
        assert_eq!(owners.owner(Field::PayRate), P);
        assert_eq!(owners.owner(Field::JobTitle), H);
        assert_eq!(owners.owner(Field::Department), H);
        assert_eq!(owners.owner(Field::Manager), H);
        assert_eq!(owners.owner(Field::Hours), T);
        owners.set(Field::JobTitle, P);
        assert_eq!(owners.owner(Field::JobTitle), P);
        assert_eq!(owners.owner(Field::Department), H);
    }

    #[test]
    fn names_round_trip() {
        for f in Field::ALL {
            assert_eq!(f.as_str().parse::<Field>().unwrap(), *f);
        }
        assert!("salary".parse::<Field>().is_err());
        for c in [P, H, T, Category::Accounting] {
            assert_eq!(parse_category(category_name(c)), Some(c));
        }
        assert_eq!(parse_category("nope"), None);
    }

    #[test]
    fn one_side_changed_takes_the_change_whoever_owns_the_field() {
        let base = t("Baker");
        // HRIS changed, payroll did not.
        assert_eq!(
            merge(Some(&base), P, (H, &t("Head Baker")), (P, &base)),
            Merge::Take {
                winner: Which::Left,
                reason: Reason::OnlyChange
            }
        );
        // Payroll changed, HRIS (the owner) did not: the change still wins.
        assert_eq!(
            merge(Some(&base), H, (H, &base), (P, &t("Pastry Chef"))),
            Merge::Take {
                winner: Which::Right,
                reason: Reason::OnlyChange
            }
        );
    }

    #[test]
    fn both_changed_to_the_same_value_is_in_step() {
        assert_eq!(
            merge(Some(&t("Baker")), H, (H, &t("Chef")), (P, &t("Chef"))),
            Merge::InStep(t("Chef"))
        );
    }

    #[test]
    fn both_changed_differently_owner_wins_or_conflict() {
        let base = t("Baker");
        assert_eq!(
            merge(Some(&base), H, (H, &t("Chef")), (P, &t("Cook"))),
            Merge::Take {
                winner: Which::Left,
                reason: Reason::Owner
            }
        );
        assert_eq!(
            merge(Some(&base), P, (H, &t("Chef")), (P, &t("Cook"))),
            Merge::Take {
                winner: Which::Right,
                reason: Reason::Owner
            }
        );
        // The owner (time tracking) is neither system: a real conflict.
        assert_eq!(
            merge(Some(&base), T, (H, &t("Chef")), (P, &t("Cook"))),
            Merge::Conflict
        );
        // Never agreed before: as if both changed.
        assert_eq!(
            merge(None, T, (H, &t("Chef")), (P, &t("Cook"))),
            Merge::Conflict
        );
    }

    #[test]
    fn money_compares_exactly_with_its_currency() {
        assert_eq!(pay("25.5", Currency::USD), pay("25.50", Currency::USD));
        assert_ne!(pay("25.50", Currency::USD), pay("25.50", Currency::CAD));
        assert_ne!(pay("25.50", Currency::USD), pay("25.51", Currency::USD));
        let yearly = FieldValue::Pay {
            rate: Money::parse("25.50", Currency::USD).unwrap(),
            period: PayPeriod::Year,
        };
        assert_ne!(pay("25.50", Currency::USD), yearly);
        assert_eq!(
            merge(
                Some(&pay("20", Currency::USD)),
                P,
                (H, &pay("20.00", Currency::USD)),
                (P, &pay("20.000", Currency::USD))
            ),
            Merge::InStep(pay("20.00", Currency::USD))
        );
    }

    #[test]
    fn dates_compare_as_dates_and_text_ignores_spacing() {
        let a = FieldValue::Date(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
        let b = FieldValue::Date("2026-03-01".parse().unwrap());
        assert_eq!(a, b);
        assert_eq!(t("  Head   Baker "), t("Head Baker"));
        assert_ne!(t("Head Baker"), t("Head baker"));
        assert_eq!(FieldValue::text("   "), None);
    }

    #[test]
    fn pay_changes_always_go_to_review_with_the_suggestion() {
        let owners = FieldOwners::default();
        let base = pay("20.00", Currency::USD);
        // Payroll owns pay and both differ: review, suggesting payroll.
        assert_eq!(
            decide(
                Field::PayRate,
                None,
                &owners,
                (H, &pay("20.00", Currency::USD)),
                (P, &pay("21.00", Currency::USD))
            ),
            Decision::Review {
                suggested: Some(Which::Right)
            }
        );
        // Only the HRIS changed the rate: still not applied without approval.
        assert_eq!(
            decide(
                Field::PayRate,
                Some(&base),
                &owners,
                (H, &pay("22.00", Currency::USD)),
                (P, &base)
            ),
            Decision::Review {
                suggested: Some(Which::Left)
            }
        );
        // A title change by the owner system is applied.
        assert_eq!(
            decide(
                Field::JobTitle,
                None,
                &owners,
                (H, &t("Chef")),
                (P, &t("Cook"))
            ),
            Decision::Apply {
                winner: Which::Left,
                reason: Reason::Owner
            }
        );
    }

    /// Every combination of base, left, right over a small domain and every owner: the
    /// merge never picks a side that did not change when the other did, never overrides
    /// agreement, and flags a conflict only when both changed and neither owns the field.
    #[test]
    fn merge_laws_hold_exhaustively() {
        let domain = [t("A"), t("B"), t("C")];
        let bases: Vec<Option<&FieldValue>> = std::iter::once(None)
            .chain(domain.iter().map(Some))
            .collect();
        for base in &bases {
            for l in &domain {
                for r in &domain {
                    for owner in [H, P, T] {
                        let m = merge(*base, owner, (H, l), (P, r));
                        let l_changed = base.is_none_or(|b| b != l);
                        let r_changed = base.is_none_or(|b| b != r);
                        match &m {
                            Merge::InStep(v) => assert!(l == r && v == l),
                            Merge::Take { winner, reason } => {
                                assert_ne!(l, r);
                                let (won_changed, lost_changed, won_cat) = match winner {
                                    Which::Left => (l_changed, r_changed, H),
                                    Which::Right => (r_changed, l_changed, P),
                                };
                                assert!(won_changed, "{base:?} {l:?} {r:?}");
                                match reason {
                                    Reason::OnlyChange => assert!(!lost_changed),
                                    Reason::Owner => {
                                        assert!(lost_changed);
                                        assert_eq!(won_cat, owner);
                                    }
                                }
                            }
                            Merge::Conflict => {
                                assert!(l != r && l_changed && r_changed && owner == T);
                            }
                        }
                        // Swapping the sides mirrors the result.
                        let mirrored = merge(*base, owner, (P, r), (H, l));
                        match (&m, &mirrored) {
                            (Merge::Take { winner: a, .. }, Merge::Take { winner: b, .. }) => {
                                assert_eq!(a.other(), *b);
                            }
                            (a, b) => assert_eq!(a, b),
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn typed_values_are_read_like_the_values_they_replace() {
        let like = pay("20.00", Currency::USD);
        assert_eq!(
            FieldValue::parse_for(Field::PayRate, "$31.5", Some(&like)).unwrap(),
            pay("31.50", Currency::USD)
        );
        assert!(FieldValue::parse_for(Field::PayRate, "lots", Some(&like)).is_err());
        assert!(FieldValue::parse_for(Field::PayRate, "-3", Some(&like)).is_err());
        assert_eq!(
            FieldValue::parse_for(Field::JobTitle, " Head Baker ", None).unwrap(),
            t("Head Baker")
        );
        assert_eq!(
            FieldValue::parse_for(Field::EmploymentStatus, "Terminated", None).unwrap(),
            FieldValue::Status(EmploymentStatus::Terminated)
        );
        assert_eq!(
            pay("31.50", Currency::USD).to_string(),
            "31.50 USD per hour"
        );
    }

    #[test]
    fn pairs_by_work_email_across_categories_and_skips_ambiguity() {
        let hris = ConnectionId::new();
        let payroll = ConnectionId::new();
        let time = ConnectionId::new();
        let r = |c: ConnectionId, cat: Category, email: Option<&str>| EmployeeRef {
            record_id: RecordId::new(),
            connection_id: c,
            category: cat,
            work_email: email.map(str::to_owned),
        };
        let ann_h = r(hris, H, Some("Ann@Bluebird.example "));
        let ann_p = r(payroll, P, Some("ann@bluebird.example"));
        let ann_t = r(time, T, Some("ann@bluebird.example"));
        let bo_h = r(hris, H, Some("bo@bluebird.example"));
        let dup_h1 = r(hris, H, Some("dup@bluebird.example"));
        let dup_h2 = r(hris, H, Some("dup@bluebird.example"));
        let dup_p = r(payroll, P, Some("dup@bluebird.example"));
        let none_p = r(payroll, P, None);
        let all = [
            ann_h.clone(),
            ann_p.clone(),
            ann_t,
            bo_h,
            dup_h1,
            dup_h2,
            dup_p,
            none_p,
        ];
        let pairs = pair_by_work_email(&all, H, P);
        assert_eq!(
            pairs,
            vec![LinkedPair {
                left: ann_h.record_id,
                right: ann_p.record_id
            }]
        );
        assert_eq!(
            pairs[0].key(),
            format!("{}:{}", ann_h.record_id, ann_p.record_id)
        );
    }
}
