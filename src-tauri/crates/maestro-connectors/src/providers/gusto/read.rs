//! Reads: one page per call. Lists use `page`/`per` and `X-Total-Pages`; payrolls walk the
//! history in year-long windows ([`Walk`]); per-parent lists (pay statements per payroll,
//! enrollments per employee) carry a [`Nested`] cursor.

use maestro_core::model::{CanonicalRecord, EntityKind};
use maestro_http::{ApiRequest, HttpError, PageCursor, decode, paginate};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::history::Walk;
use super::{Gusto, api, map};
use crate::connector::{Page, ReadRequest};
use crate::error::{ConnectorError, Result};

/// Largest `per` Gusto allows (payroll endpoints cap it at 100).
pub const PER: u32 = 100;

/// Items of one list response, typed and raw, and the next page number.
pub struct Listed<T> {
    pub items: Vec<(T, Value)>,
    pub next: Option<u32>,
}

/// Where a per-parent read stands: the parents left on the current parent page, whether more
/// parent pages follow, and the page of the first parent's children to read next.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Nested {
    parent_page: u32,
    parents: Vec<String>,
    parents_done: bool,
    child_page: u32,
    /// Pay statements: where the walk through the payroll history stands.
    #[serde(default)]
    walk: Option<Walk>,
}

/// A position as a page token.
fn token<T: Serialize>(position: &T) -> Result<PageCursor> {
    serde_json::to_string(position)
        .map(PageCursor::Token)
        .map_err(|e| ConnectorError::Config {
            field: "cursor".into(),
            message: format!("Gusto could not save its position: {e}"),
        })
}

fn bad_cursor(c: &PageCursor) -> ConnectorError {
    ConnectorError::Config {
        field: "cursor".into(),
        message: format!("Gusto cannot resume from {c:?}"),
    }
}

/// Decodes a list body twice: raw values (kept verbatim) and typed items (errors name the
/// field path, e.g. `[3].jobs[0].rate`).
fn decode_list<T: DeserializeOwned>(body: &[u8]) -> Result<Vec<(T, Value)>> {
    let raw: Vec<Value> = decode::json("Gusto", body)?;
    let typed: Vec<T> = decode::json("Gusto", body)?;
    Ok(typed.into_iter().zip(raw).collect())
}

/// Decodes an object body, typed and raw.
fn decode_one<T: DeserializeOwned>(body: &[u8]) -> Result<(T, Value)> {
    Ok((decode::json("Gusto", body)?, decode::json("Gusto", body)?))
}

impl Gusto {
    pub(super) fn url(&self, path: &str, query: &[(&str, String)]) -> Result<Url> {
        let mut url = self.session.url(path)?;
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        Ok(url)
    }

    pub(super) async fn get_one<T: DeserializeOwned>(&self, path: &str) -> Result<(T, Value)> {
        let resp = self
            .session
            .send(&ApiRequest::get(self.url(path, &[])?))
            .await?;
        decode_one(&resp.body)
    }

    /// One page of a list; `page: None` reads an unpaginated list whole.
    pub(super) async fn list<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        page: Option<u32>,
    ) -> Result<Listed<T>> {
        let mut q = query.to_vec();
        if let Some(n) = page {
            q.push(("page", n.to_string()));
            q.push(("per", PER.to_string()));
        }
        let resp = self
            .session
            .send(&ApiRequest::get(self.url(path, &q)?))
            .await?;
        let items = decode_list(&resp.body)?;
        let next = page
            .and_then(|n| paginate::next_page_number(n, items.len(), PER as usize, &resp.headers));
        Ok(Listed { items, next })
    }

    fn company_path(&self, tail: &str) -> String {
        format!("/v1/companies/{}{tail}", self.company_uuid)
    }

    pub(super) async fn read_page(&self, req: &ReadRequest) -> Result<Page> {
        use EntityKind as K;
        if matches!(req.entity, K::PayStatement | K::BenefitEnrollment) {
            return self.read_nested(req).await;
        }
        if req.entity == K::PayrollRun {
            return self.read_payroll_runs(req).await;
        }
        let page = match &req.page {
            None => 1,
            Some(PageCursor::Page(n)) => *n,
            Some(other) => return Err(bad_cursor(other)),
        };
        let c = self.map_ctx();
        let (records, next): (Vec<CanonicalRecord>, Option<u32>) = match req.entity {
            K::Company => {
                let (co, raw) = self.get_one::<api::Company>(&self.company_path("")).await?;
                (vec![map::company(&c, &co, &raw).into()], None)
            }
            K::Employee | K::Employment | K::Compensation => {
                // Custom fields come only when asked for (spec `Employee.custom_fields`).
                let include = match req.entity {
                    K::Compensation => vec![("include", "all_compensations".to_owned())],
                    K::Employee => vec![("include", "custom_fields".to_owned())],
                    _ => vec![],
                };
                let path = self.company_path("/employees");
                let l = self
                    .list::<api::Employee>(&path, &include, Some(page))
                    .await?;
                (people(&c, req.entity, &l.items), l.next)
            }
            K::Department => {
                let path = self.company_path("/departments");
                let l = self.list::<api::Department>(&path, &[], None).await?;
                let recs = l
                    .items
                    .iter()
                    .map(|(d, raw)| map::department(&c, d, raw).into());
                (recs.collect(), None)
            }
            K::Location => {
                let path = self.company_path("/locations");
                let l = self.list::<api::Location>(&path, &[], Some(page)).await?;
                let recs = l
                    .items
                    .iter()
                    .map(|(x, raw)| map::location(&c, x, raw).into());
                (recs.collect(), l.next)
            }
            K::TimeOffPolicy => {
                let path = self.company_path("/time_off_policies");
                let l = self.list::<api::TimeOffPolicy>(&path, &[], None).await?;
                let recs = l
                    .items
                    .iter()
                    .map(|(t, raw)| map::time_off_policy(&c, t, raw).into());
                (recs.collect(), None)
            }
            K::BenefitPlan => {
                let path = self.company_path("/company_benefits");
                let l = self.list::<api::CompanyBenefit>(&path, &[], None).await?;
                let recs = l
                    .items
                    .iter()
                    .map(|(b, raw)| map::benefit_plan(&c, b, raw).into());
                (recs.collect(), None)
            }
            other => {
                return Err(ConnectorError::Unsupported {
                    provider: "Gusto".into(),
                    what: format!("reading {other}"),
                });
            }
        };
        Ok(Page {
            records,
            deleted: vec![],
            next: next.map(PageCursor::Page),
        })
    }

    /// One page of payroll runs (drafts included), walking the history.
    async fn read_payroll_runs(&self, req: &ReadRequest) -> Result<Page> {
        let walk = match &req.page {
            None => self.begin_walk(req).await?,
            Some(PageCursor::Token(t)) => {
                serde_json::from_str(t).map_err(|_| bad_cursor(&PageCursor::Token(t.clone())))?
            }
            // A position saved before payrolls were read in windows (a page of the last 6
            // months): the walk starts over, as re-reading a payroll is harmless and skipping
            // one would have a full read delete it.
            Some(PageCursor::Page(_)) => self.begin_walk(req).await?,
            Some(other) => return Err(bad_cursor(other)),
        };
        let c = self.map_ctx();
        let (items, next) = self.payroll_page(&walk, true).await?;
        let records = items
            .iter()
            .map(|(p, raw)| map::payroll_run(&c, p, raw).map(Into::into))
            .collect::<Result<_>>()?;
        Ok(Page {
            records,
            deleted: vec![],
            next: next.as_ref().map(token).transpose()?,
        })
    }

    /// A new walk through the payroll history: back to the company's join date, or only the
    /// open window for an incremental read.
    async fn begin_walk(&self, req: &ReadRequest) -> Result<Walk> {
        let today = self.clock.now().date_naive();
        if req.since.is_some() {
            return Ok(Walk::begin(today, None, true));
        }
        let (company, _) = self.get_one::<api::Company>(&self.company_path("")).await?;
        let join = company
            .join_date
            .as_deref()
            .and_then(|d| d.trim().parse().ok());
        Ok(Walk::begin(today, join, false))
    }

    /// One page of the walk's window: the payrolls it keeps, and where the walk goes next.
    async fn payroll_page(
        &self,
        walk: &Walk,
        unprocessed: bool,
    ) -> Result<(Vec<(api::Payroll, Value)>, Option<Walk>)> {
        let l = self.payrolls(unprocessed, walk).await?;
        let next = walk.after(l.items.len(), l.next);
        let kept = l.items.into_iter().filter(|(p, _)| walk.keeps(p)).collect();
        Ok((kept, next))
    }

    /// Regular and off-cycle payrolls of the walk's window and page; with `unprocessed` also
    /// drafts. Totals included.
    async fn payrolls(&self, unprocessed: bool, walk: &Walk) -> Result<Listed<api::Payroll>> {
        let statuses = if unprocessed {
            "processed,unprocessed"
        } else {
            "processed"
        };
        let window = walk.current();
        let query = [
            ("processing_statuses", statuses.to_owned()),
            ("payroll_types", "regular,off_cycle".to_owned()),
            ("include", "totals".to_owned()),
            ("start_date", window.start.to_string()),
            ("end_date", window.end.to_string()),
        ];
        self.list(&self.company_path("/payrolls"), &query, Some(walk.page))
            .await
    }

    async fn read_nested(&self, req: &ReadRequest) -> Result<Page> {
        let mut cur = match &req.page {
            None => Nested {
                parent_page: 1,
                child_page: 1,
                ..Nested::default()
            },
            Some(PageCursor::Token(t)) => {
                serde_json::from_str(t).map_err(|_| bad_cursor(&PageCursor::Token(t.clone())))?
            }
            Some(other) => return Err(bad_cursor(other)),
        };
        let token = |cur: &Nested| {
            let done = cur.parents.is_empty() && cur.parents_done;
            (!done).then(|| PageCursor::Token(serde_json::to_string(cur).unwrap_or_default()))
        };
        if cur.parents.is_empty() {
            self.next_parents(req, &mut cur).await?;
            if cur.parents.is_empty() {
                return Ok(Page {
                    next: token(&cur),
                    ..Page::default()
                });
            }
        }
        let parent = cur.parents[0].clone();
        let (records, more) = match self.children(req.entity, &parent, cur.child_page).await {
            Err(ConnectorError::Http(HttpError::NotFound { .. })) => (vec![], false),
            other => other?,
        };
        if more {
            cur.child_page += 1;
        } else {
            cur.parents.remove(0);
            cur.child_page = 1;
        }
        Ok(Page {
            records,
            deleted: vec![],
            next: token(&cur),
        })
    }

    /// The next page of parents: processed payrolls (walking the history) or employees.
    async fn next_parents(&self, req: &ReadRequest, cur: &mut Nested) -> Result<()> {
        if req.entity == EntityKind::PayStatement {
            let walk = match cur.walk.take() {
                Some(w) => w,
                None => self.begin_walk(req).await?,
            };
            let (items, next) = self.payroll_page(&walk, false).await?;
            cur.parents = items
                .iter()
                .filter_map(|(p, _)| p.id().map(str::to_owned))
                .collect();
            match next {
                Some(w) => cur.walk = Some(w),
                None => cur.parents_done = true,
            }
            return Ok(());
        }
        let path = self.company_path("/employees");
        let l = self
            .list::<api::Employee>(&path, &[], Some(cur.parent_page))
            .await?;
        cur.parents = l.items.into_iter().map(|(e, _)| e.uuid).collect();
        match l.next {
            Some(n) => cur.parent_page = n,
            None => cur.parents_done = true,
        }
        Ok(())
    }

    /// One page of a parent's children and whether more pages follow.
    async fn children(
        &self,
        entity: EntityKind,
        parent: &str,
        page: u32,
    ) -> Result<(Vec<CanonicalRecord>, bool)> {
        let c = self.map_ctx();
        if entity == EntityKind::BenefitEnrollment {
            let path = format!("/v1/employees/{parent}/employee_benefits");
            let l = self
                .list::<api::EmployeeBenefit>(&path, &[], Some(page))
                .await?;
            let recs = l
                .items
                .iter()
                .map(|(b, raw)| map::benefit_enrollment(&c, parent, b, raw).into());
            return Ok((recs.collect(), l.next.is_some()));
        }
        let path = self.company_path(&format!("/payrolls/{parent}"));
        let query = [
            ("include", "taxes,benefits,deductions".to_owned()),
            ("page", page.to_string()),
            ("per", PER.to_string()),
        ];
        let resp = self
            .session
            .send(&ApiRequest::get(self.url(&path, &query)?))
            .await?;
        let (payroll, raw) = decode_one::<api::Payroll>(&resp.body)?;
        let comps = payroll
            .employee_compensations
            .as_deref()
            .unwrap_or_default();
        let raws = raw.get("employee_compensations").and_then(Value::as_array);
        let recs = comps.iter().enumerate().filter_map(|(i, ec)| {
            let item_raw = raws.and_then(|r| r.get(i)).cloned().unwrap_or_default();
            map::pay_statement(&c, &payroll, ec, &item_raw).map(Into::into)
        });
        let more = paginate::next_page_number(page, comps.len(), PER as usize, &resp.headers);
        Ok((recs.collect(), more.is_some()))
    }
}

/// Employees, their jobs, or their jobs' compensations from one employee page.
fn people(
    c: &map::Ctx,
    entity: EntityKind,
    items: &[(api::Employee, Value)],
) -> Vec<CanonicalRecord> {
    let mut out = Vec::new();
    for (e, raw) in items {
        if entity == EntityKind::Employee {
            out.push(map::employee(c, e, raw).into());
            continue;
        }
        let raw_jobs = raw.get("jobs").and_then(Value::as_array);
        for (ji, j) in e.jobs.as_deref().unwrap_or_default().iter().enumerate() {
            let job_raw = raw_jobs
                .and_then(|r| r.get(ji))
                .cloned()
                .unwrap_or_default();
            if entity == EntityKind::Employment {
                out.push(map::employment(c, e, j, &job_raw).into());
                continue;
            }
            let raw_comps = job_raw.get("compensations").and_then(Value::as_array);
            for (ci, comp) in j
                .compensations
                .as_deref()
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                let comp_raw = raw_comps
                    .and_then(|r| r.get(ci))
                    .cloned()
                    .unwrap_or_default();
                if let Some(rec) = map::compensation(c, e, j, comp, &comp_raw) {
                    out.push(rec.into());
                }
            }
        }
    }
    out
}
