//! GraphQL over the canonical model (async-graphql): people with their employments,
//! compensations, pay statements (with earnings) and time entries, filtered and paged like the
//! REST list, under depth and complexity limits, scoped and audited like REST.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::{
    Context, EmptyMutation, EmptySubscription, ErrorExtensions, ID, InputObject, Json, Object,
    Schema, SimpleObject,
};
use async_graphql_axum::GraphQLResponse;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use maestro_core::model::EntityKind;
use serde_json::{Map, Value};

use crate::data::{Item, Loader};
use crate::guard::audit_access;
use crate::jsonapi::{Cursor, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Query};
use crate::keys::{Access, Principal};
use crate::resources::ResourceType;
use crate::state::Shared;

/// Expected entries of a per-person list, for the complexity estimate.
const LIST_COST: usize = 10;

/// The schema served at `/graphql`.
pub type ApiSchema = Schema<QueryRoot, EmptyMutation, EmptySubscription>;

/// Builds the schema with the configured limits.
pub fn schema(max_depth: usize, max_complexity: usize) -> ApiSchema {
    Schema::build(QueryRoot, EmptyMutation, EmptySubscription)
        .limit_depth(max_depth)
        .limit_complexity(max_complexity)
        .finish()
}

/// What resolvers need for one request.
struct RequestData {
    loader: Loader,
    principal: Principal,
    records: AtomicUsize,
}

fn data<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<&'a RequestData> {
    Ok(&ctx.data::<DataRef>()?.0)
}

fn allow<'a>(ctx: &'a Context<'_>, rtype: ResourceType) -> async_graphql::Result<&'a RequestData> {
    let d = data(ctx)?;
    if d.principal.allows(rtype.name(), Access::Read) {
        Ok(d)
    } else {
        Err(async_graphql::Error::new(format!(
            "this API key may not read {0}; give it the scope {0}:read",
            rtype.name()
        ))
        .extend_with(|_, e| e.set("code", "FORBIDDEN")))
    }
}

fn gql_err(e: crate::error::ApiError) -> async_graphql::Error {
    let code = e.code;
    async_graphql::Error::new(e.detail).extend_with(|_, ext| ext.set("code", code))
}

fn text(item: &Item, field: &str) -> Option<String> {
    item.attributes
        .get(field)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// Filters on people (exact matches).
#[derive(InputObject, Default)]
pub struct EmployeeFilter {
    /// Connector id ("gusto", "bamboohr", "harvest").
    provider: Option<String>,
    /// "active", "terminated", "pending", "inactive".
    employment_status: Option<String>,
    /// Work email.
    work_email: Option<String>,
    /// Last name.
    last_name: Option<String>,
}

/// Where the next page starts.
#[derive(SimpleObject)]
pub struct PageInfo {
    /// Pass as `after` for the next page.
    end_cursor: Option<String>,
    /// True when there is another page.
    has_next_page: bool,
}

/// One page of people.
#[derive(SimpleObject)]
pub struct EmployeePage {
    /// The people.
    nodes: Vec<Employee>,
    /// Paging.
    page_info: PageInfo,
}

/// Money: exact decimal amount as a string, ISO currency.
#[derive(SimpleObject)]
pub struct Money {
    /// Amount, e.g. "1234.50".
    amount: String,
    /// Currency, e.g. "USD".
    currency: String,
}

fn money(v: Option<&Value>) -> Option<Money> {
    let v = v?;
    Some(Money {
        amount: v.get("amount")?.as_str()?.to_owned(),
        currency: v.get("currency")?.as_str()?.to_owned(),
    })
}

/// A line of earnings on a pay statement.
#[derive(SimpleObject)]
pub struct Earning {
    /// Kind ("regular", "overtime"…).
    kind: Option<String>,
    /// Name as the payroll shows it.
    name: Option<String>,
    /// Amount.
    amount: Option<Money>,
    /// Hours, exact.
    hours: Option<String>,
}

/// A person.
pub struct Employee(Item);
/// A job held by a person.
pub struct Employment(Item);
/// A pay statement.
pub struct PayStatement(Item);
/// Any other canonical record (compensations, time entries…).
pub struct Record(Item);

async fn children(
    ctx: &Context<'_>,
    parent: &Item,
    kind: EntityKind,
) -> async_graphql::Result<Vec<Item>> {
    let rtype = ResourceType::Record(kind);
    let d = allow(ctx, rtype)?;
    let items = d
        .loader
        .related(parent, rtype, true)
        .await
        .map_err(gql_err)?;
    d.records.fetch_add(items.len(), Ordering::Relaxed);
    Ok(items)
}

#[Object]
impl Employee {
    /// Local record id (the REST id).
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// Connector id.
    async fn provider(&self) -> Option<String> {
        text(&self.0, "provider")
    }
    /// The provider's id.
    async fn remote_id(&self) -> Option<String> {
        text(&self.0, "remote_id")
    }
    /// Given name.
    async fn first_name(&self) -> Option<String> {
        text(&self.0, "first_name")
    }
    /// Family name.
    async fn last_name(&self) -> Option<String> {
        text(&self.0, "last_name")
    }
    /// Work email.
    async fn work_email(&self) -> Option<String> {
        text(&self.0, "work_email")
    }
    /// Employment status.
    async fn employment_status(&self) -> Option<String> {
        text(&self.0, "employment_status")
    }
    /// First day (YYYY-MM-DD).
    async fn start_date(&self) -> Option<String> {
        text(&self.0, "start_date")
    }
    /// Every attribute, exactly as the REST API shows it.
    async fn attributes(&self) -> Json<Map<String, Value>> {
        Json(self.0.attributes.clone())
    }
    /// Jobs held.
    #[graphql(complexity = "LIST_COST * child_complexity")]
    async fn employments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Employment>> {
        Ok(children(ctx, &self.0, EntityKind::Employment)
            .await?
            .into_iter()
            .map(Employment)
            .collect())
    }
    /// Pay rate history.
    #[graphql(complexity = "LIST_COST * child_complexity")]
    async fn compensations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Record>> {
        Ok(children(ctx, &self.0, EntityKind::Compensation)
            .await?
            .into_iter()
            .map(Record)
            .collect())
    }
    /// Pay statements.
    #[graphql(complexity = "LIST_COST * child_complexity")]
    async fn pay_statements(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PayStatement>> {
        Ok(children(ctx, &self.0, EntityKind::PayStatement)
            .await?
            .into_iter()
            .map(PayStatement)
            .collect())
    }
    /// Tracked time.
    #[graphql(complexity = "LIST_COST * child_complexity")]
    async fn time_entries(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Record>> {
        Ok(children(ctx, &self.0, EntityKind::TimeEntry)
            .await?
            .into_iter()
            .map(Record)
            .collect())
    }
}

#[Object]
impl Employment {
    /// Local record id.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// Job title.
    async fn job_title(&self) -> Option<String> {
        text(&self.0, "job_title")
    }
    /// Pay rate.
    async fn pay_rate(&self) -> Option<Money> {
        money(self.0.attributes.get("pay_rate"))
    }
    /// "hour", "year"…
    async fn pay_period(&self) -> Option<String> {
        text(&self.0, "pay_period")
    }
    /// Every attribute, exactly as the REST API shows it.
    async fn attributes(&self) -> Json<Map<String, Value>> {
        Json(self.0.attributes.clone())
    }
    /// Pay statements of the same person.
    #[graphql(complexity = "LIST_COST * child_complexity")]
    async fn pay_statements(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PayStatement>> {
        let Some(parent) = self.0.parent.clone() else {
            return Ok(Vec::new());
        };
        let person = Item {
            key: Some(parent),
            ..self.0.clone()
        };
        Ok(children(ctx, &person, EntityKind::PayStatement)
            .await?
            .into_iter()
            .map(PayStatement)
            .collect())
    }
}

#[Object]
impl PayStatement {
    /// Local record id.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// Pay date (YYYY-MM-DD).
    async fn check_date(&self) -> Option<String> {
        text(&self.0, "check_date")
    }
    /// Gross pay.
    async fn gross_pay(&self) -> Option<Money> {
        money(self.0.attributes.get("gross_pay"))
    }
    /// Net pay.
    async fn net_pay(&self) -> Option<Money> {
        money(self.0.attributes.get("net_pay"))
    }
    /// Earnings lines.
    async fn earnings(&self) -> Vec<Earning> {
        self.0
            .attributes
            .get("earnings")
            .and_then(Value::as_array)
            .map(|lines| {
                lines
                    .iter()
                    .map(|l| Earning {
                        kind: l.get("kind").and_then(Value::as_str).map(str::to_owned),
                        name: l.get("name").and_then(Value::as_str).map(str::to_owned),
                        amount: money(l.get("amount")),
                        hours: l.get("hours").and_then(Value::as_str).map(str::to_owned),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
    /// Every attribute, exactly as the REST API shows it.
    async fn attributes(&self) -> Json<Map<String, Value>> {
        Json(self.0.attributes.clone())
    }
}

#[Object]
impl Record {
    /// Local record id.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// JSON:API type name.
    async fn r#type(&self) -> &'static str {
        self.0.rtype.name()
    }
    /// Every attribute, exactly as the REST API shows it.
    async fn attributes(&self) -> Json<Map<String, Value>> {
        Json(self.0.attributes.clone())
    }
}

/// The root query.
pub struct QueryRoot;

#[Object]
impl QueryRoot {
    /// People, in record-id order, `first` at a time (at most 1,000).
    #[graphql(complexity = "first.map(|n| n.max(1) as usize).unwrap_or(50) * child_complexity")]
    async fn employees(
        &self,
        ctx: &Context<'_>,
        filter: Option<EmployeeFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<EmployeePage> {
        let rtype = ResourceType::Record(EntityKind::Employee);
        let d = allow(ctx, rtype)?;
        let size = first.map_or(DEFAULT_PAGE_SIZE, |n| u32::try_from(n).unwrap_or(0));
        if !(1..=MAX_PAGE_SIZE).contains(&size) {
            return Err(async_graphql::Error::new(format!(
                "first must be from 1 to {MAX_PAGE_SIZE}"
            )));
        }
        let mut query = Query {
            size,
            cursor: after
                .as_deref()
                .map(Cursor::decode)
                .transpose()
                .map_err(gql_err)?,
            ..Query::default()
        };
        let f = filter.unwrap_or_default();
        for (k, v) in [
            ("provider", f.provider),
            ("employment_status", f.employment_status),
            ("work_email", f.work_email),
            ("last_name", f.last_name),
        ] {
            if let Some(v) = v {
                query.filter.insert(k.into(), vec![v]);
            }
        }
        let (items, next) = crate::rest::page_of(&d.loader, rtype, &query)
            .await
            .map_err(gql_err)?;
        d.records.fetch_add(items.len(), Ordering::Relaxed);
        // Lists asked for under the nodes read only the children of this page's people.
        let nodes = ctx.look_ahead().field("nodes");
        for (field, kind) in [
            ("employments", EntityKind::Employment),
            ("compensations", EntityKind::Compensation),
            ("payStatements", EntityKind::PayStatement),
            ("timeEntries", EntityKind::TimeEntry),
        ] {
            let target = ResourceType::Record(kind);
            if nodes.field(field).exists() && d.principal.allows(target.name(), Access::Read) {
                let parents = items.iter().filter_map(|i| i.key.clone()).collect();
                d.loader
                    .prefetch_children(target, parents)
                    .await
                    .map_err(gql_err)?;
            }
        }
        Ok(EmployeePage {
            page_info: PageInfo {
                end_cursor: next.as_ref().map(Cursor::encode),
                has_next_page: next.is_some(),
            },
            nodes: items.into_iter().map(Employee).collect(),
        })
    }

    /// One person by local record id.
    async fn employee(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Employee>> {
        let rtype = ResourceType::Record(EntityKind::Employee);
        let d = allow(ctx, rtype)?;
        let item = d.loader.one(rtype, &id).await.map_err(gql_err)?;
        d.records
            .fetch_add(usize::from(item.is_some()), Ordering::Relaxed);
        Ok(item.map(Employee))
    }
}

/// `POST /graphql`: a JSON GraphQL request, read under the same body limit as REST
/// ([`crate::MAX_BODY_BYTES`], 413 beyond it).
pub async fn handler(
    State(shared): State<Arc<Shared>>,
    Extension(principal): Extension<Principal>,
    body: Bytes,
) -> Result<GraphQLResponse, crate::error::ApiError> {
    let request: async_graphql::Request = serde_json::from_slice(&body).map_err(|e| {
        crate::error::ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("the body is not a GraphQL request ({{\"query\": …}}): {e}"),
        )
    })?;
    let data = Arc::new(RequestData {
        loader: Loader::new(shared.app.clone(), principal.company_id()),
        principal: principal.clone(),
        records: AtomicUsize::new(0),
    });
    let request = request.data(DataRef(data.clone()));
    let response = shared.schema.execute(request).await;
    let count = data.records.load(Ordering::Relaxed);
    audit_access(&shared, &principal, "graphql.read", "/graphql", count).await?;
    Ok(response.into())
}

/// Shares [`RequestData`] with the resolvers while the handler keeps the count.
struct DataRef(Arc<RequestData>);
