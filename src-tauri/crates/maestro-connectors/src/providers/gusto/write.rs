//! Writes (create, update, terminate an employee) and webhook parsing.
//!
//! Gusto has no idempotency header: creation looks the work email up first, termination checks
//! the employee's terminations, and updates echo the current `version` (409 → re-read, retry
//! once).

use http::Method;
use maestro_core::model::EntityKind;
use maestro_http::{ApiRequest, HttpError};
use serde_json::{Map, Value, json};

use super::{Gusto, api};
use crate::connector::{EmployeeChanges, NewEmployee, WebhookEvent, WriteOutcome};
use crate::error::{ConnectorError, Result};

fn outcome(remote_id: &str, applied_now: bool) -> WriteOutcome {
    WriteOutcome {
        remote_id: remote_id.to_owned(),
        applied_now,
    }
}

impl Gusto {
    async fn send_json(&self, method: Method, path: &str, body: Value) -> Result<Value> {
        let req = ApiRequest::json(method, self.url(path, &[])?, body);
        let resp = self.session.send(&req).await?;
        if resp.body.is_empty() {
            return Ok(Value::Null);
        }
        Ok(resp.json()?)
    }

    /// The employee with `email` as work email, scanning the name search's pages.
    async fn find_by_email(&self, email: &str, last_name: &str) -> Result<Option<String>> {
        let path = format!("/v1/companies/{}/employees", self.company_uuid);
        let query = [("search_term", last_name.to_owned())];
        let mut page = Some(1);
        while let Some(n) = page {
            let l = self.list::<api::Employee>(&path, &query, Some(n)).await?;
            let hit = l.items.iter().find(|(e, _)| {
                e.work_email
                    .as_deref()
                    .is_some_and(|w| w.trim().eq_ignore_ascii_case(email.trim()))
            });
            if let Some((e, _)) = hit {
                return Ok(Some(e.uuid.clone()));
            }
            page = l.next;
        }
        Ok(None)
    }

    pub(super) async fn create_employee(&self, new: &NewEmployee) -> Result<WriteOutcome> {
        if let Some(id) = self.find_by_email(&new.work_email, &new.last_name).await? {
            return Ok(outcome(&id, false));
        }
        let mut body = json!({
            "first_name": new.first_name,
            "last_name": new.last_name,
            "work_email": new.work_email,
            "self_onboarding": false,
        });
        if let Some(dob) = &new.date_of_birth {
            body["date_of_birth"] = json!(dob.expose().to_string());
        }
        let path = format!("/v1/companies/{}/employees", self.company_uuid);
        let created = self.send_json(Method::POST, &path, body).await?;
        let id = created
            .get("uuid")
            .and_then(Value::as_str)
            .ok_or_else(|| HttpError::Decode {
                provider: "Gusto".into(),
                path: "uuid".into(),
                message: "the created employee has no uuid".into(),
            })?
            .to_owned();
        if let (Some(title), Some(start)) = (&new.job_title, new.start_date) {
            let body = json!({ "title": title, "hire_date": start.to_string() });
            self.send_json(Method::POST, &format!("/v1/employees/{id}/jobs"), body)
                .await?;
        }
        if let Some(dept) = &new.department {
            self.add_to_department(&id, dept).await?;
        }
        Ok(outcome(&id, true))
    }

    /// PUT `path` with `fields` and the record's current `version`; on 409 re-reads the version
    /// and tries once more.
    async fn put_versioned(&self, path: &str, fields: &Map<String, Value>) -> Result<Value> {
        let mut retried = false;
        loop {
            let (current, _) = self.get_one::<Value>(path).await?;
            let mut body = fields.clone();
            body.insert(
                "version".into(),
                current.get("version").cloned().unwrap_or(Value::Null),
            );
            match self.send_json(Method::PUT, path, Value::Object(body)).await {
                Err(ConnectorError::Http(HttpError::Conflict { .. })) if !retried => retried = true,
                other => return other,
            }
        }
    }

    pub(super) async fn update_employee(
        &self,
        id: &str,
        changes: &EmployeeChanges,
    ) -> Result<WriteOutcome> {
        let mut fields = Map::new();
        let pairs = [
            ("first_name", &changes.first_name),
            ("last_name", &changes.last_name),
            ("work_email", &changes.work_email),
        ];
        for (key, value) in pairs {
            if let Some(v) = value {
                fields.insert(key.into(), json!(v));
            }
        }
        let path = format!("/v1/employees/{id}");
        if !fields.is_empty() {
            self.put_versioned(&path, &fields).await?;
        }
        if let Some(title) = &changes.job_title {
            let (employee, _) = self.get_one::<api::Employee>(&path).await?;
            let job =
                super::map::primary_job(&employee).ok_or_else(|| ConnectorError::Mapping {
                    provider: "Gusto".into(),
                    entity: "employee".into(),
                    remote_id: id.into(),
                    message: "has no job whose title could be changed".into(),
                })?;
            let mut fields = Map::new();
            fields.insert("title".into(), json!(title));
            self.put_versioned(&format!("/v1/jobs/{}", job.uuid), &fields)
                .await?;
        }
        if let Some(dept) = &changes.department {
            self.add_to_department(id, dept).await?;
        }
        Ok(outcome(id, true))
    }

    /// Adds the employee to the department titled `title` (PUT `/v1/departments/{uuid}/add`).
    async fn add_to_department(&self, employee: &str, title: &str) -> Result<()> {
        let path = format!("/v1/companies/{}/departments", self.company_uuid);
        let l = self.list::<api::Department>(&path, &[], None).await?;
        let found = l.items.into_iter().find(|(d, _)| {
            d.title
                .as_deref()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case(title.trim()))
        });
        let Some((dept, _)) = found else {
            return Err(ConnectorError::Mapping {
                provider: "Gusto".into(),
                entity: "department".into(),
                remote_id: title.into(),
                message: "no department with this name exists in Gusto".into(),
            });
        };
        let body = json!({ "version": dept.version, "employees": [{ "uuid": employee }] });
        let path = format!("/v1/departments/{}/add", dept.uuid);
        self.send_json(Method::PUT, &path, body).await?;
        Ok(())
    }

    pub(super) async fn terminate(
        &self,
        id: &str,
        date: chrono::NaiveDate,
    ) -> Result<WriteOutcome> {
        let (employee, _) = self
            .get_one::<api::Employee>(&format!("/v1/employees/{id}"))
            .await?;
        let already = employee
            .terminations
            .as_deref()
            .unwrap_or_default()
            .iter()
            .any(|t| t.effective_date == Some(date));
        if already {
            return Ok(outcome(id, false));
        }
        let body = json!({ "effective_date": date.to_string(), "run_termination_payroll": false });
        let path = format!("/v1/employees/{id}/terminations");
        self.send_json(Method::POST, &path, body).await?;
        Ok(outcome(id, true))
    }
}

fn entity_of(entity_type: &str) -> Option<EntityKind> {
    Some(match entity_type {
        "Employee" => EntityKind::Employee,
        "EmployeeJobCompensation" => EntityKind::Compensation,
        "Payroll" => EntityKind::PayrollRun,
        "Company" => EntityKind::Company,
        "Location" => EntityKind::Location,
        "CompanyBenefit" => EntityKind::BenefitPlan,
        "EmployeeBenefit" => EntityKind::BenefitEnrollment,
        "Contractor" => EntityKind::Contractor,
        "BankAccount" => EntityKind::BankAccount,
        _ => return None,
    })
}

/// A verified body: one event or an array of them.
pub fn parse_events(body: &[u8]) -> Result<Vec<WebhookEvent>> {
    let value: Value = maestro_http::decode::json("Gusto", body)?;
    let events: Vec<api::Event> = if value.is_array() {
        maestro_http::decode::json("Gusto", body)?
    } else {
        vec![maestro_http::decode::json("Gusto", body)?]
    };
    Ok(events
        .into_iter()
        .map(|e| WebhookEvent {
            entity: e.entity_type.as_deref().and_then(entity_of),
            remote_id: e.entity_uuid,
            event_type: e.event_type,
        })
        .collect())
}
