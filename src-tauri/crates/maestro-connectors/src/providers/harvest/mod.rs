//! Harvest (time tracking, API v2): people from `/v2/users` (employees and contractors), tracked
//! time from `/v2/time_entries`, and idempotent time entry creation.
//!
//! Every list call asks for the largest page (`per_page=2000`) and then follows `links.next`
//! exactly as given (cursor pagination). Harvest has no webhooks and no deletion feed.

mod api;
mod map;
mod write;

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::SecondsFormat;
use maestro_core::model::{EntityKind, RawPayload};
use maestro_core::money::Currency;
use maestro_core::sensitive::Sensitive;
use maestro_http::paginate::next_url_in_body;
use maestro_http::{
    ApiRequest, ApiResponse, Auth, HttpError, PageCursor, ProviderSession, RateLimit,
};
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::value::RawValue;
use tokio::sync::OnceCell;
use url::Url;

use crate::connector::{CheckReport, Connector, ConnectorContext, Page, ReadRequest};
use crate::connector::{WriteOp, WriteOutcome, WriteRequest};
use crate::error::{ConnectorError, Result};
use crate::manifest::{
    AuthKind, Category, ConfigField, EntitySupport, FieldKind, KeyScheme, Manifest, reads,
};
use crate::registry::ConnectorDef;

/// Display name used in messages.
const NAME: &str = "Harvest";

/// The Harvest connector's static description.
pub static MANIFEST: Manifest = Manifest {
    id: "harvest",
    name: NAME,
    category: Category::TimeTracking,
    version: "1.0.0",
    summary: "Time tracking: people (employees and contractors) and tracked time. Connects with \
              a personal access token and account id; Harvest also offers OAuth 2.0 \
              (id.getharvest.com /oauth2/authorize, /api/v2/oauth2/token).",
    auth: AuthKind::ApiKey {
        scheme: KeyScheme::Bearer {
            token_field: "access_token",
        },
    },
    config: &[
        ConfigField {
            key: "account_id",
            label: "Account ID",
            help: "Create a personal access token at id.getharvest.com/developers; the page \
                   shows the account ID next to it.",
            kind: FieldKind::Text,
            required: true,
            pattern: Some(r"^[0-9]+$"),
            example: Some("123456"),
            default: None,
        },
        ConfigField {
            key: "access_token",
            label: "Personal access token",
            help: "From id.getharvest.com/developers → Create new personal access token.",
            kind: FieldKind::Secret,
            required: true,
            pattern: None,
            example: None,
            default: None,
        },
    ],
    entities: &[
        reads(EntityKind::Employee, true),
        reads(EntityKind::Contractor, true),
        EntitySupport {
            kind: EntityKind::TimeEntry,
            read: true,
            incremental: true,
            write: true,
            webhook: false,
        },
    ],
    rate_limit: RateLimit::per_seconds(100, 15),
    rate_limit_text: "100 requests per 15 seconds",
    max_page_size: 2000,
    production_base_url: "https://api.harvestapp.com",
    sandbox_base_url: None,
    auth_base_url: Some("https://id.getharvest.com"),
    docs_url: "https://help.getharvest.com/api-v2/",
};

/// The registry entry.
pub fn def() -> ConnectorDef {
    ConnectorDef::module(&MANIFEST, build)
}

fn build(ctx: ConnectorContext) -> Result<Arc<dyn Connector>> {
    Ok(Arc::new(Harvest::new(ctx)?))
}

/// One Harvest connection.
#[derive(Debug)]
pub struct Harvest {
    session: ProviderSession,
    owner: map::Owner,
    account_id: String,
    retry: maestro_http::RetryPolicy,
    /// The account currency, read once from `/v2/company`.
    currency: OnceCell<Currency>,
}

impl Harvest {
    /// A connector for `ctx` (`Auth::Bearer` with the token; `account_id` in the config).
    pub fn new(ctx: ConnectorContext) -> Result<Self> {
        let account_id = ctx.require("account_id")?.trim().to_owned();
        if !account_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ConnectorError::Config {
                field: "account_id".into(),
                message: "must be the digits shown at id.getharvest.com/developers".into(),
            });
        }
        let auth = match (&ctx.auth, ctx.config.get("access_token")) {
            (Auth::None, Some(token)) if !token.trim().is_empty() => {
                Auth::Bearer(Sensitive::new(token.trim().to_owned()))
            }
            (auth, _) => auth.clone(),
        };
        let session = ProviderSession::new(
            NAME,
            ctx.base_url.clone(),
            auth,
            MANIFEST.rate_limit,
            ctx.http.clone(),
        )
        .with_header("harvest-account-id", &account_id)?
        .with_header("user-agent", maestro_http::client::USER_AGENT)?
        .with_retry_policy(ctx.retry.clone())
        .with_clock(ctx.clock.clone());
        Ok(Self {
            session,
            owner: map::Owner {
                company_id: ctx.company_id,
                connection_id: ctx.connection_id,
            },
            account_id,
            retry: ctx.retry,
            currency: OnceCell::new(),
        })
    }

    /// `path` on the API host with `per_page=2000` and the given extra query pairs.
    fn list_url(&self, path: &str, extra: &[(&str, String)]) -> Result<Url> {
        let mut url = self.session.url(path)?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("per_page", &MANIFEST.max_page_size.to_string());
            for (k, v) in extra {
                q.append_pair(k, v);
            }
        }
        Ok(url)
    }

    /// Where a read starts: the saved `links.next` URL, or the first page.
    fn page_url(&self, path: &str, request: &ReadRequest) -> Result<Url> {
        match &request.page {
            None => {
                let since = request.since.map(|s| {
                    (
                        "updated_since",
                        s.to_rfc3339_opts(SecondsFormat::Secs, true),
                    )
                });
                self.list_url(path, &since.into_iter().collect::<Vec<_>>())
            }
            Some(PageCursor::Url(next)) => self.same_host(next),
            Some(other) => Err(invalid(format!("unexpected page cursor {other:?}"))),
        }
    }

    /// Parses a `links.next` URL, refusing one that points away from the API host (the
    /// credentials go with it).
    fn same_host(&self, link: &str) -> Result<Url> {
        let url = Url::parse(link).map_err(|e| invalid(format!("bad next link {link}: {e}")))?;
        if url.origin() != self.session.base_url().origin() {
            return Err(invalid(format!("next link {link} leaves the API host")));
        }
        Ok(url)
    }

    /// GETs one list page and turns each item under `key` into `map(typed, raw)`, with the next
    /// page, decoded on a blocking thread so a sync can store the previous page meanwhile.
    async fn list_page<T, R, F>(
        &self,
        url: Url,
        key: &'static str,
        map: F,
    ) -> Result<(Vec<R>, Option<PageCursor>)>
    where
        T: DeserializeOwned,
        R: Send + 'static,
        F: Fn(T, RawPayload) -> R + Send + 'static,
    {
        let resp = self.session.send(&ApiRequest::get(url)).await?;
        decode_page(resp, key, map).await
    }

    /// The account currency (`/v2/company` `currency`, USD when absent), read once: cost
    /// rates, and billable rates of clients without a currency.
    async fn currency(&self) -> Result<Currency> {
        self.currency
            .get_or_try_init(|| async {
                let company = self.company().await?;
                Ok(company_currency(&company))
            })
            .await
            .copied()
    }

    async fn company(&self) -> Result<api::Company> {
        let url = self.session.url("/v2/company")?;
        Ok(self.session.get_json::<api::Company>(url).await?.0)
    }

    async fn read_users(&self, request: &ReadRequest) -> Result<Page> {
        let url = self.page_url("/v2/users", request)?;
        let want_contractors = request.entity == EntityKind::Contractor;
        let owner = self.owner;
        let (users, next) = self
            .list_page(url, "users", move |u: api::User, raw| {
                (u.is_contractor.unwrap_or(false) == want_contractors)
                    .then(|| map::user(&owner, &u, raw))
            })
            .await?;
        let records = users.into_iter().flatten().collect();
        Ok(Page {
            records,
            deleted: Vec::new(),
            next,
        })
    }

    async fn read_time_entries(&self, request: &ReadRequest) -> Result<Page> {
        let url = self.page_url("/v2/time_entries", request)?;
        let resp = self.session.send(&ApiRequest::get(url)).await?;
        let currency = self.currency().await?;
        let owner = self.owner;
        let (records, next) = decode_page(resp, "time_entries", move |e: api::TimeEntry, raw| {
            map::time_entry(&owner, &e, currency, raw)
        })
        .await?;
        Ok(Page {
            records,
            deleted: Vec::new(),
            next,
        })
    }
}

fn company_currency(company: &api::Company) -> Currency {
    match company
        .currency
        .as_deref()
        .map(Currency::from_code_ignore_case)
    {
        Some(Ok(c)) => c,
        Some(Err(e)) => {
            tracing::warn!(error = %e, "Harvest company currency not understood; assuming USD");
            Currency::USD
        }
        None => Currency::USD,
    }
}

fn invalid(message: String) -> ConnectorError {
    HttpError::Invalid {
        provider: NAME.into(),
        message,
    }
    .into()
}

fn decode_error(path: String, message: String) -> ConnectorError {
    HttpError::Decode {
        provider: NAME.into(),
        path,
        message,
    }
    .into()
}

/// [`decode_list`] on a blocking thread, so a sync can store the previous page meanwhile.
async fn decode_page<T, R, F>(
    resp: ApiResponse,
    key: &'static str,
    map: F,
) -> Result<(Vec<R>, Option<PageCursor>)>
where
    T: DeserializeOwned,
    R: Send + 'static,
    F: Fn(T, RawPayload) -> R + Send + 'static,
{
    tokio::task::spawn_blocking(move || decode_list::<T, R, F>(&resp.body, key, map))
        .await
        .map_err(|e| decode_error(key.to_owned(), format!("decoding stopped: {e}")))?
}

/// Reads a list page and maps each item under `key` (typed, and its JSON text as the raw
/// payload), with the `links.next` cursor. No tree of the page is built: the items are
/// borrowed slices of the body, each decoded straight into its type and copied once.
fn decode_list<T, R, F>(body: &[u8], key: &str, map: F) -> Result<(Vec<R>, Option<PageCursor>)>
where
    T: DeserializeOwned,
    F: Fn(T, RawPayload) -> R,
{
    let (items, links) = match one_pass(body, key) {
        Some(page) => page,
        // A page that does not read in one pass is read again step by step, to say what is
        // wrong with it.
        None => step_by_step(body, key)?,
    };
    let next = match links {
        Some(links) => next_url_in_body(&links, "/next").map(PageCursor::Url),
        None => None,
    };
    let out = items
        .into_iter()
        .enumerate()
        .map(|(i, raw)| {
            Ok(map(
                decode_item::<T>(key, i, raw)?,
                RawPayload::from_raw(raw),
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((out, next))
}

/// A list page's item texts and its `links`.
type ListParts<'a> = (Vec<&'a RawValue>, Option<Value>);

/// The item texts under `key` and the `links` of a list page, in one pass over the body
/// (the page's other members skipped); `None` when the page is not that shape.
fn one_pass<'a>(body: &'a [u8], key: &str) -> Option<ListParts<'a>> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let parts = serde::de::DeserializeSeed::deserialize(ListSeed { key }, &mut de).ok()?;
    de.end().ok()?;
    match parts {
        (Some(items), links) => Some((items, links)),
        (None, _) => None,
    }
}

/// Reads a list page's top level, keeping the list named `key` (as item texts) and `links`.
struct ListSeed<'k> {
    key: &'k str,
}

impl<'de> serde::de::DeserializeSeed<'de> for ListSeed<'_> {
    type Value = (Option<Vec<&'de RawValue>>, Option<Value>);

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for ListSeed<'_> {
    type Value = (Option<Vec<&'de RawValue>>, Option<Value>);

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "a page with a {} list", self.key)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let (mut items, mut links) = (None, None);
        while let Some(name) = map.next_key::<String>()? {
            if name == self.key {
                items = Some(map.next_value()?);
            } else if name == "links" {
                links = Some(map.next_value()?);
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok((items, links))
    }
}

/// [`one_pass`], a member at a time, naming what is missing or malformed.
fn step_by_step<'a>(body: &'a [u8], key: &str) -> Result<ListParts<'a>> {
    let page: HashMap<String, &RawValue> = maestro_http::decode::json(NAME, body)?;
    let items = page
        .get(key)
        .ok_or_else(|| decode_error(key.to_owned(), "missing list".into()))?;
    let items: Vec<&RawValue> = serde_json::from_str(items.get())
        .map_err(|e| decode_error(key.to_owned(), format!("not a list: {e}")))?;
    let links = match page.get("links") {
        Some(links) => Some(
            serde_json::from_str(links.get())
                .map_err(|e| decode_error("links".into(), e.to_string()))?,
        ),
        None => None,
    };
    Ok((items, links))
}

/// Decodes item `index` of the list `key`, naming the failing field as `key[index].field`.
fn decode_item<T: DeserializeOwned>(key: &str, index: usize, raw: &RawValue) -> Result<T> {
    maestro_http::decode::json::<T>(NAME, raw.get().as_bytes()).map_err(|e| match e {
        HttpError::Decode { path, message, .. } => {
            let path = if path == "(document)" {
                format!("{key}[{index}]")
            } else {
                format!("{key}[{index}].{path}")
            };
            decode_error(path, message)
        }
        other => other.into(),
    })
}

#[async_trait]
impl Connector for Harvest {
    fn manifest(&self) -> &'static Manifest {
        &MANIFEST
    }

    async fn check(&self) -> Result<CheckReport> {
        let company = self.company().await?;
        let _ = self.currency.set(company_currency(&company));
        let me_url = self.session.url("/v2/users/me")?;
        let (me, _) = self.session.get_json::<api::Me>(me_url).await?;
        let who = [me.first_name, me.last_name]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let mut details = vec![format!(
            "Signed in as {who}{}",
            me.email.map(|e| format!(" ({e})")).unwrap_or_default()
        )];
        if company.wants_timestamp_timers == Some(true) {
            details.push(
                "This account tracks start and end times; Harvest refuses new entries given \
                 only as hours"
                    .into(),
            );
        }
        let name = company.name.unwrap_or_else(|| "Harvest".into());
        Ok(CheckReport {
            account: format!("{name} (account {})", self.account_id),
            details,
        })
    }

    async fn read(&self, request: &ReadRequest) -> Result<Page> {
        match request.entity {
            EntityKind::Employee | EntityKind::Contractor => self.read_users(request).await,
            EntityKind::TimeEntry => self.read_time_entries(request).await,
            other => Err(ConnectorError::Unsupported {
                provider: NAME.into(),
                what: format!("reading {other}"),
            }),
        }
    }

    async fn write(&self, request: &WriteRequest) -> Result<WriteOutcome> {
        match &request.op {
            WriteOp::CreateTimeEntry(entry) => {
                self.create_time_entry(entry, &request.idempotency_key)
                    .await
            }
            other => Err(ConnectorError::Unsupported {
                provider: NAME.into(),
                what: format!("writing {}", op_name(other)),
            }),
        }
    }
}

fn op_name(op: &WriteOp) -> &'static str {
    match op {
        WriteOp::CreateEmployee(_) => "new employees",
        WriteOp::UpdateEmployee { .. } => "employee changes",
        WriteOp::TerminateEmployee { .. } => "terminations",
        WriteOp::CreateTimeEntry(_) => "time entries",
        WriteOp::CreateTimeOffRequest(_) => "time-off requests",
        WriteOp::UpdatePayRate { .. } => "pay rates",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Item {
        id: u64,
    }

    /// Each item's id and text, and the next page.
    type Decoded = (Vec<(u64, String)>, Option<PageCursor>);

    fn decode(body: &str) -> Result<Decoded> {
        decode_list::<Item, _, _>(body.as_bytes(), "time_entries", |item, raw| {
            (item.id, raw.as_str().to_owned())
        })
    }

    fn message(body: &str) -> String {
        decode(body)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn a_list_page_reads_in_one_pass_as_it_does_step_by_step() {
        let body = r#"{"time_entries":[{"id":1,"hours":1.5},{"id":2,"notes":"a \"b\""}],
            "per_page":2000,"links":{"next":"https://api.harvestapp.com/v2/time_entries?page=2",
            "previous":null},"page":1,"total_entries":2}"#;
        let (items, links) = one_pass(body.as_bytes(), "time_entries").unwrap();
        let (items2, links2) = step_by_step(body.as_bytes(), "time_entries").unwrap();
        let texts: Vec<&str> = items.iter().map(|r| r.get()).collect();
        let texts2: Vec<&str> = items2.iter().map(|r| r.get()).collect();
        assert_eq!(texts, texts2);
        assert_eq!(links, links2);
        let (decoded, next) = decode(body).unwrap();
        assert_eq!(decoded[1], (2, r#"{"id":2,"notes":"a \"b\""}"#.to_owned()));
        assert_eq!(
            next,
            Some(PageCursor::Url(
                "https://api.harvestapp.com/v2/time_entries?page=2".into()
            ))
        );
        let (_, last) = decode(r#"{"time_entries":[],"links":{"next":null}}"#).unwrap();
        assert_eq!(last, None);
    }

    #[test]
    fn a_page_of_another_shape_says_what_is_wrong() {
        assert!(one_pass(b"{\"users\":[]}", "time_entries").is_none());
        assert!(message(r#"{"users":[]}"#).contains("missing list"));
        assert!(message(r#"{"time_entries":{"id":1}}"#).contains("not a list"));
        let item = message(r#"{"time_entries":[{"id":1},{"id":"x"}]}"#);
        assert!(item.contains("time_entries[1]"), "{item}");
        assert!(!message(r#"{"time_entries":[]} trailing"#).is_empty());
        assert!(!message("<html>").is_empty());
    }
}
