//! Shared test helpers: a connector context pointed at a test server.

use std::collections::BTreeMap;
use std::sync::Arc;

use maestro_connectors::{Connector, ConnectorContext, Page, ReadRequest, Registry};
use maestro_core::clock::SystemClock;
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::model::{CanonicalRecord, EntityKind};
use maestro_http::{Auth, ClientOptions, PageCursor, RetryPolicy, build_client};
use url::Url;

/// A context for `base_url` with `auth` and `config`, fast retries, plain HTTP allowed.
pub fn context(base_url: &str, auth: Auth, config: &[(&str, &str)]) -> ConnectorContext {
    ConnectorContext {
        company_id: CompanyId::new(),
        connection_id: ConnectionId::new(),
        config: config
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>(),
        base_url: Url::parse(base_url).unwrap(),
        auth_base_url: Some(Url::parse(base_url).unwrap()),
        auth,
        http: build_client(&ClientOptions {
            tls13_only: false,
            connect_timeout: std::time::Duration::from_secs(2),
            request_timeout: std::time::Duration::from_secs(3),
        })
        .unwrap(),
        clock: Arc::new(SystemClock),
        retry: RetryPolicy::fast(),
        limiter: None,
    }
}

/// Builds the registered connector `id` for `ctx`.
pub fn connector(id: &str, ctx: ConnectorContext) -> Arc<dyn Connector> {
    let registry = Registry::builtin();
    let def = registry
        .get(id)
        .unwrap_or_else(|| panic!("{id} is not registered"));
    def.build(ctx).unwrap()
}

/// Reads every page of `entity`, returning all records and the number of pages.
pub async fn read_all(
    c: &dyn Connector,
    entity: EntityKind,
    since: Option<chrono::DateTime<chrono::Utc>>,
) -> (Vec<CanonicalRecord>, usize) {
    let mut page: Option<PageCursor> = None;
    let mut out = Vec::new();
    let mut pages = 0;
    loop {
        let Page { records, next, .. } = c
            .read(&ReadRequest {
                entity,
                page: page.clone(),
                since,
            })
            .await
            .unwrap_or_else(|e| panic!("reading {entity}: {e}"));
        pages += 1;
        out.extend(records);
        match next {
            Some(n) => page = Some(n),
            None => return (out, pages),
        }
    }
}

/// Terminates the first active employee `c` reads, effective `day`, then reads them back
/// terminated on that day (the write's answer names them).
pub async fn terminate_an_active_employee_and_read_back(c: &dyn Connector, day: chrono::NaiveDate) {
    use maestro_connectors::{WriteOp, WriteRequest};
    use maestro_core::model::EmploymentStatus;
    use maestro_http::IdempotencyKey;

    let (people, _) = read_all(c, EntityKind::Employee, None).await;
    let active = people
        .iter()
        .find_map(|r| match r {
            CanonicalRecord::Employee(e) if e.employment_status == EmploymentStatus::Active => {
                Some(e.provenance.remote_id.clone())
            }
            _ => None,
        })
        .unwrap();
    let out = c
        .write(&WriteRequest {
            op: WriteOp::TerminateEmployee {
                remote_id: active.clone(),
                effective_date: day,
            },
            idempotency_key: IdempotencyKey::from_stable("term:1"),
        })
        .await
        .unwrap();
    assert_eq!(out.remote_id, active);
    let (after, _) = read_all(c, EntityKind::Employee, None).await;
    let e = after
        .iter()
        .find_map(|r| match r {
            CanonicalRecord::Employee(e) if e.provenance.remote_id == active => Some(e),
            _ => None,
        })
        .unwrap();
    assert_eq!(e.employment_status, EmploymentStatus::Terminated);
    assert_eq!(e.termination_date, Some(day));
}
