//! The canonical fields a declarative mapping (a user-defined provider file's `fields`) may
//! fill, per kind, and which of them a record cannot do without.

/// (kind, fields it may map, fields it must map; `a|b` = one of them).
pub const FIELDS: [(&str, &[&str], &[&str]); 3] = [
    (
        "employee",
        &[
            "first_name",
            "last_name",
            "full_name",
            "work_email",
            "personal_email",
            "employee_number",
            "phone",
            "status",
            "hire_date",
            "termination_date",
            "updated_at",
        ],
        &["first_name|last_name|full_name"],
    ),
    (
        "contractor",
        &[
            "first_name",
            "last_name",
            "full_name",
            "business_name",
            "email",
            "phone",
            "status",
            "updated_at",
        ],
        &["first_name|last_name|full_name|business_name"],
    ),
    (
        "time_entry",
        &[
            "employee_id",
            "work_date",
            "hours",
            "seconds",
            "started_at",
            "ended_at",
            "notes",
            "project_id",
            "project_name",
            "task_name",
            "client_name",
            "billable",
            "updated_at",
        ],
        &[
            "employee_id",
            "hours|seconds|started_at",
            "work_date|started_at",
        ],
    ),
];

/// The canonical statuses a `status` field may translate to.
pub const STATUSES: [&str; 4] = ["active", "inactive", "terminated", "pending"];

/// The fields kind `kind` may map, and must map.
pub fn fields_of(kind: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
    FIELDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map(|(_, may, must)| (*may, *must))
}
