//! The resource types the API serves: every canonical entity kind plus connections, sync
//! runs, alerts and conflicts, with their JSON:API type names and relationships.

use maestro_core::model::EntityKind;

/// One resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceType {
    /// Canonical records of one kind.
    Record(EntityKind),
    /// Provider connections.
    Connection,
    /// Sync runs.
    SyncRun,
    /// Alerts that need attention.
    Alert,
    /// Conflicts between systems.
    Conflict,
}

/// Kinds that point at a person through `employee_remote_id` (same connection).
pub const EMPLOYEE_CHILDREN: &[EntityKind] = &[
    EntityKind::Employment,
    EntityKind::Compensation,
    EntityKind::PayStatement,
    EntityKind::TimeEntry,
    EntityKind::TimesheetEntry,
    EntityKind::TimeOffRequest,
    EntityKind::TimeOffBalance,
    EntityKind::BenefitEnrollment,
    EntityKind::Dependent,
    EntityKind::BankAccount,
];

impl ResourceType {
    /// Every type, records first.
    pub const ALL: &'static [ResourceType] = &[
        ResourceType::Record(EntityKind::Company),
        ResourceType::Record(EntityKind::Employee),
        ResourceType::Record(EntityKind::Employment),
        ResourceType::Record(EntityKind::Compensation),
        ResourceType::Record(EntityKind::Department),
        ResourceType::Record(EntityKind::Location),
        ResourceType::Record(EntityKind::TimeOffPolicy),
        ResourceType::Record(EntityKind::TimeOffRequest),
        ResourceType::Record(EntityKind::TimeOffBalance),
        ResourceType::Record(EntityKind::TimeEntry),
        ResourceType::Record(EntityKind::TimesheetEntry),
        ResourceType::Record(EntityKind::PayrollRun),
        ResourceType::Record(EntityKind::PayStatement),
        ResourceType::Record(EntityKind::BenefitPlan),
        ResourceType::Record(EntityKind::BenefitEnrollment),
        ResourceType::Record(EntityKind::BankAccount),
        ResourceType::Record(EntityKind::Dependent),
        ResourceType::Record(EntityKind::BackgroundCheck),
        ResourceType::Record(EntityKind::SignatureRequest),
        ResourceType::Record(EntityKind::Contractor),
        ResourceType::Record(EntityKind::Candidate),
        ResourceType::Connection,
        ResourceType::SyncRun,
        ResourceType::Alert,
        ResourceType::Conflict,
    ];

    /// The JSON:API type and URL segment, plural snake_case ("pay_statements").
    pub fn name(self) -> &'static str {
        match self {
            ResourceType::Record(kind) => match kind {
                EntityKind::Company => "companies",
                EntityKind::Employee => "employees",
                EntityKind::Employment => "employments",
                EntityKind::Compensation => "compensations",
                EntityKind::Department => "departments",
                EntityKind::Location => "locations",
                EntityKind::TimeOffPolicy => "time_off_policies",
                EntityKind::TimeOffRequest => "time_off_requests",
                EntityKind::TimeOffBalance => "time_off_balances",
                EntityKind::TimeEntry => "time_entries",
                EntityKind::TimesheetEntry => "timesheet_entries",
                EntityKind::PayrollRun => "payroll_runs",
                EntityKind::PayStatement => "pay_statements",
                EntityKind::BenefitPlan => "benefit_plans",
                EntityKind::BenefitEnrollment => "benefit_enrollments",
                EntityKind::BankAccount => "bank_accounts",
                EntityKind::Dependent => "dependents",
                EntityKind::BackgroundCheck => "background_checks",
                EntityKind::SignatureRequest => "signature_requests",
                EntityKind::Contractor => "contractors",
                EntityKind::Candidate => "candidates",
            },
            ResourceType::Connection => "connections",
            ResourceType::SyncRun => "sync_runs",
            ResourceType::Alert => "alerts",
            ResourceType::Conflict => "conflicts",
        }
    }

    /// The type named `name`.
    pub fn from_name(name: &str) -> Option<ResourceType> {
        ResourceType::ALL.iter().copied().find(|t| t.name() == name)
    }

    /// The entity kind of a record type.
    pub fn kind(self) -> Option<EntityKind> {
        match self {
            ResourceType::Record(k) => Some(k),
            _ => None,
        }
    }

    /// Relationships that can be included: (name, target type, to-many).
    pub fn relationships(self) -> Vec<(&'static str, ResourceType, bool)> {
        match self {
            ResourceType::Record(EntityKind::Employee) => EMPLOYEE_CHILDREN
                .iter()
                .map(|k| {
                    let t = ResourceType::Record(*k);
                    (t.name(), t, true)
                })
                .collect(),
            ResourceType::Record(k) if EMPLOYEE_CHILDREN.contains(&k) => vec![(
                "employee",
                ResourceType::Record(EntityKind::Employee),
                false,
            )],
            _ => Vec::new(),
        }
    }
}
