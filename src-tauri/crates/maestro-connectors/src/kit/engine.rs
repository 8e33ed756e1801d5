//! [`FileConnector`]: the one `Connector` every provider file runs on.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use maestro_core::clock::Clock;
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::model::{CanonicalRecord, EntityKind};
use maestro_core::sensitive::Sensitive;
use maestro_http::paginate::next_url_in_link_header;
use maestro_http::{ApiRequest, ApiResponse, ErrorRules, HttpError, ProviderSession};
use maestro_kit::file::{
    ChangesSpec, IncrementalSpec, PageStop, PaginatorSpec, PartitionSpec, StreamSpec,
};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use url::Url;

use super::capture::Wanted;
use super::cursor::{Inner, Part, Position};
use super::mappers::{MapCtx, MapError};
use super::{KitProvider, manifest};
use crate::connector::{
    CheckPackage, CheckReport, Connector, ConnectorContext, Page, ReadRequest, WebhookEvent,
    WriteOutcome, WriteRequest,
};
use crate::error::{ConnectorError, Result};
use crate::manifest::Manifest;

/// Pages a read may walk before it is taken for a loop (a provider repeating its last page).
const MAX_PAGES: u32 = 100_000;

/// One connection of a provider described by a file.
pub struct FileConnector {
    provider: &'static KitProvider,
    session: ProviderSession,
    config: BTreeMap<String, String>,
    company_id: CompanyId,
    connection_id: ConnectionId,
    clock: Arc<dyn Clock>,
    retry: maestro_http::RetryPolicy,
}

impl std::fmt::Debug for FileConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileConnector")
            .field("provider", &self.provider.file.id)
            .field("session", &self.session)
            .finish()
    }
}

/// What one response gave.
struct Fetched {
    records: Vec<CanonicalRecord>,
    deleted: Vec<String>,
    next: Option<Inner>,
}

impl FileConnector {
    /// A connector for `ctx` (form values in `ctx.config`, credentials in `ctx.auth`).
    pub fn new(provider: &'static KitProvider, ctx: ConnectorContext) -> Result<Self> {
        let file = provider.file;
        let mut config = ctx.config.clone();
        for f in &file.fields {
            let present = config.get(&f.key).is_some_and(|v| !v.trim().is_empty());
            if !present && let Some(d) = &f.default {
                config.insert(f.key.clone(), d.clone());
            }
        }
        let rules = ErrorRules {
            message_pointers: file
                .errors
                .message
                .iter()
                .filter(|m| m.starts_with('/'))
                .cloned()
                .collect(),
            text_body: file.errors.message.iter().any(|m| m == "text"),
            throttled: file.errors.throttled.clone(),
            reauthorize: file.errors.reauthorize.clone(),
            retry_after_headers: file.rate_limit.retry_after.clone(),
            throttle_wait: file
                .rate_limit
                .throttled_wait_secs
                .map(std::time::Duration::from_secs),
        };
        let mut session = ctx
            .share_limiter(ProviderSession::new(
                file.name.clone(),
                ctx.base_url.clone(),
                ctx.auth.clone(),
                provider.manifest.rate_limit,
                ctx.http.clone(),
            ))
            .with_retry_policy(ctx.retry.clone())
            .with_clock(ctx.clock.clone())
            .with_error_rules(rules);
        if let Some(hooks) = provider.hooks {
            hooks.validate(&config)?;
        }
        for (name, value) in &file.headers {
            let value = fill(value, &config, None, &file.name)?;
            session = session.with_header_named(name, &value)?;
        }
        Ok(Self {
            provider,
            session,
            config,
            company_id: ctx.company_id,
            connection_id: ctx.connection_id,
            clock: ctx.clock,
            retry: ctx.retry,
        })
    }

    /// The session (auth, limits, retries) for hooks that make their own requests.
    pub fn session(&self) -> &ProviderSession {
        &self.session
    }

    /// The form's values, defaults filled in.
    pub fn config(&self) -> &BTreeMap<String, String> {
        &self.config
    }

    /// The retry policy (for hooks that retry a write themselves).
    pub fn retry(&self) -> &maestro_http::RetryPolicy {
        &self.retry
    }

    /// Every record of `stream` as JSON text, following its paging, with `extra` query
    /// parameters on every request (a hook's lookup, e.g. one person's entries on one day; a
    /// partitioned stream's parents, with none).
    pub async fn list_raw(
        &self,
        stream: &str,
        extra: &[(&str, String)],
    ) -> Result<Vec<Box<RawValue>>> {
        let stream = self
            .provider
            .file
            .stream(stream)
            .ok_or_else(|| self.invalid(format!("no stream {stream}")))?;
        self.list_pages(stream, None, extra).await
    }

    /// Every page of `stream` (of one partition, when given).
    async fn list_pages(
        &self,
        stream: &StreamSpec,
        partition: Option<(&str, &str)>,
        extra: &[(&str, String)],
    ) -> Result<Vec<Box<RawValue>>> {
        let mut out = Vec::new();
        let mut inner: Option<Inner> = None;
        for _ in 0..MAX_PAGES {
            let mut request = self.request(stream, partition, inner.as_ref(), None)?;
            // A next link carries the filters already; every other page needs them again.
            if !matches!(inner, Some(Inner::Url(_))) && !extra.is_empty() {
                request.url.query_pairs_mut().extend_pairs(extra);
            }
            let resp = self.session.send(&request).await?;
            // 204 No Content: nothing (more) to read. ADP ends a collection so once `$skip`
            // passes its last record (the peer tap-adp's paginator; ADP's spec declares none).
            if resp.status == 204 {
                return Ok(out);
            }
            let pointers = Self::pointers(stream);
            let captured = Wanted::new(pointers.iter().copied())
                .capture(&resp.body)
                .ok_or_else(|| self.body_error(&resp.body))?;
            let list = captured.first().copied().flatten();
            if list.is_none() && empty_statement_page(stream, &captured) {
                return Ok(out);
            }
            let list = list
                .ok_or_else(|| self.decode_error(stream.records.clone(), "no list here".into()))?;
            let items: Vec<Box<RawValue>> = if stream.single {
                vec![list.to_owned()]
            } else {
                serde_json::from_str(list.get()).map_err(|e| {
                    self.decode_error(stream.name.clone(), format!("not a list: {e}"))
                })?
            };
            let count = items.len();
            out.extend(items);
            let texts = paging_texts(&captured);
            inner = self.next(stream, inner.as_ref(), &resp, count, &texts)?;
            if inner.is_none() {
                return Ok(out);
            }
        }
        Err(self.too_many_pages(stream))
    }

    /// Every record of a parent stream, each with the parent's own partition (placeholder
    /// name and value) when the parent is itself read per record of its parent (Paychex:
    /// workers per company, then each worker's pay rates), so a child can use both.
    fn list_parent<'s>(&'s self, name: &'s str) -> BoxFuture<'s, Result<Vec<ParentRecord>>> {
        Box::pin(async move {
            let stream = self
                .provider
                .file
                .stream(name)
                .ok_or_else(|| self.invalid(format!("no stream {name}")))?;
            let Some(p) = &stream.partition else {
                let all = self.list_raw(name, &[]).await?;
                return Ok(all.into_iter().map(|r| (None, r)).collect());
            };
            let mut out = Vec::new();
            for part in self.partitions(p).await? {
                let stream = with_outer(stream, part.outer.as_ref(), &self.config, self.name())?;
                let records = self
                    .list_pages(&stream, Some((&p.name, &part.value)), &[])
                    .await?;
                let outer = Some((p.name.clone(), part.value.clone()));
                out.extend(records.into_iter().map(|r| (outer.clone(), r)));
            }
            Ok(out)
        })
    }

    fn too_many_pages(&self, stream: &StreamSpec) -> ConnectorError {
        self.invalid(format!(
            "{MAX_PAGES} pages of {} and still no last page",
            stream.name
        ))
    }

    fn name(&self) -> &str {
        &self.provider.file.name
    }

    fn invalid(&self, message: impl Into<String>) -> ConnectorError {
        HttpError::Invalid {
            provider: self.name().to_owned(),
            message: message.into(),
        }
        .into()
    }

    fn decode_error(&self, path: String, message: String) -> ConnectorError {
        HttpError::Decode {
            provider: self.name().to_owned(),
            path,
            message,
        }
        .into()
    }

    /// The streams that read `kind`, in the file's order (Checkr's background checks come
    /// from its reports and from the invitations still waiting on a candidate).
    fn streams_for(&self, kind: EntityKind) -> Result<Vec<&'static StreamSpec>> {
        let streams: Vec<&'static StreamSpec> = self
            .provider
            .file
            .streams
            .iter()
            .filter(|s| {
                s.entities
                    .iter()
                    .any(|e| manifest::entity_kind(e) == Some(kind))
            })
            .collect();
        if streams.is_empty() {
            return Err(ConnectorError::Unsupported {
                provider: self.name().to_owned(),
                what: format!("reading {kind}"),
            });
        }
        Ok(streams)
    }

    fn today(&self) -> NaiveDate {
        self.clock.now().date_naive()
    }

    /// The request for one page of `stream`.
    fn request(
        &self,
        stream: &StreamSpec,
        partition: Option<(&str, &str)>,
        inner: Option<&Inner>,
        since: Option<DateTime<Utc>>,
    ) -> Result<ApiRequest> {
        let name = self.name();
        let mut query: Vec<(String, String)> = self.file_query()?;
        for (k, v) in &stream.query {
            query.push((k.clone(), fill(v, &self.config, partition, name)?));
        }
        let mut body = stream.body_json();
        if let Some(inc) = &stream.incremental {
            self.incremental(inc, since, &mut query, &mut body);
        }
        let mut next_url = None;
        match (&stream.paginator, inner) {
            (PaginatorSpec::None, _) => {}
            (
                PaginatorSpec::PageNumber {
                    param,
                    size_param,
                    size,
                    ..
                },
                _,
            ) => {
                let page = match inner {
                    None => 1,
                    Some(Inner::Page(n)) => *n,
                    Some(other) => return Err(self.misfit(other)),
                };
                query.push((param.clone(), page.to_string()));
                query.push((size_param.clone(), size.to_string()));
            }
            (
                PaginatorSpec::Offset {
                    param,
                    size_param,
                    size,
                    ..
                },
                _,
            ) => {
                let offset = match inner {
                    None => 0,
                    Some(Inner::Offset(n)) => *n,
                    Some(other) => return Err(self.misfit(other)),
                };
                query.push((param.clone(), offset.to_string()));
                query.push((size_param.clone(), size.to_string()));
            }
            (
                PaginatorSpec::NextUrl { .. } | PaginatorSpec::LinkHeader { .. },
                Some(Inner::Url(u)),
            ) => next_url = Some(self.same_origin(u)?),
            (
                PaginatorSpec::NextUrl {
                    size_param: Some(p),
                    size: Some(n),
                    ..
                }
                | PaginatorSpec::LinkHeader {
                    size_param: Some(p),
                    size: Some(n),
                },
                None,
            ) => query.push((p.clone(), n.to_string())),
            (PaginatorSpec::BodyCursor { param, .. }, Some(Inner::Token(t))) => {
                query.push((param.clone(), t.clone()))
            }
            (PaginatorSpec::Query { param, size }, _) => {
                let received = match inner {
                    None => 0,
                    Some(Inner::Offset(n)) => *n,
                    Some(other) => return Err(self.misfit(other)),
                };
                let Some((_, statement)) = query.iter_mut().find(|(k, _)| k == param) else {
                    return Err(self.invalid(format!("{} has no statement to page", stream.name)));
                };
                statement.push_str(&format!(
                    " STARTPOSITION {} MAXRESULTS {size}",
                    received + 1
                ));
            }
            (
                PaginatorSpec::HeaderCursor {
                    size_param, size, ..
                },
                _,
            ) => {
                body.insert(size_param.clone(), Value::from(*size));
                match inner {
                    None => {}
                    Some(Inner::Members(m)) => body.extend(m.clone()),
                    Some(other) => return Err(self.misfit(other)),
                }
            }
            (_, None) => {}
            (_, Some(other)) => return Err(self.misfit(other)),
        }
        let url = match next_url {
            Some(u) => u,
            None => {
                let path = fill(&stream.path, &self.config, partition, name)?;
                let mut url = self.session.url(&path)?;
                if !query.is_empty() {
                    url.query_pairs_mut().extend_pairs(&query);
                }
                url
            }
        };
        let mut request = if stream.method == "POST" {
            ApiRequest::search(url, Value::Object(body))
        } else {
            ApiRequest::get(url)
        };
        accept(&mut request, stream.accept.as_deref(), name)?;
        Ok(request)
    }

    /// The file's query parameters sent with every request (QuickBooks' `minorversion`).
    fn file_query(&self) -> Result<Vec<(String, String)>> {
        let file = self.provider.file;
        file.query
            .iter()
            .map(|(k, v)| Ok((k.clone(), fill(v, &self.config, None, &file.name)?)))
            .collect()
    }

    /// The API's address of `path` (placeholders filled), with the file's every-request query
    /// parameters: for hooks that make their own requests.
    pub fn url(&self, path: &str) -> Result<Url> {
        let path = fill(path, &self.config, None, self.name())?;
        let mut url = self.session.url(&path)?;
        let query = self.file_query()?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(&query);
        }
        Ok(url)
    }

    /// A saved position from another kind of paging (the file changed since it was saved).
    fn misfit(&self, inner: &Inner) -> ConnectorError {
        self.invalid(format!(
            "a saved position {inner:?} does not fit this provider's paging; run a full sync"
        ))
    }

    /// Adds the incremental start (and end) to the query or the body.
    fn incremental(
        &self,
        inc: &IncrementalSpec,
        since: Option<DateTime<Utc>>,
        query: &mut Vec<(String, String)>,
        body: &mut Map<String, Value>,
    ) {
        let lookback = inc
            .lookback
            .as_deref()
            .and_then(maestro_kit::days)
            .unwrap_or(0);
        let start = match since {
            Some(s) => s.checked_sub_signed(Duration::days(i64::from(lookback))),
            None => inc.full_read_days.and_then(|d| {
                let day = self
                    .today()
                    .checked_sub_signed(Duration::days(i64::from(d)))?;
                Some(day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
            }),
        };
        let Some(start) = start else { return };
        let end = (self.today() + Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc();
        let mut put = |k: &str, at: DateTime<Utc>| {
            let text = match inc.format.as_str() {
                "date" => at.date_naive().format("%Y-%m-%d").to_string(),
                "unix" => at.timestamp().to_string(),
                _ => at.to_rfc3339_opts(SecondsFormat::Secs, true),
            };
            if inc.location == "body" {
                body.insert(k.to_owned(), Value::String(text));
            } else {
                query.push((k.to_owned(), text));
            }
        };
        put(&inc.param, start);
        if let Some(end_param) = &inc.end_param {
            put(end_param, end);
        }
    }

    /// Parses a next link, refusing one that leaves the API's origin (the credentials would
    /// go with it).
    fn same_origin(&self, link: &str) -> Result<Url> {
        same_origin(self.session.base_url(), link).map_err(|m| self.invalid(m))
    }

    /// Where the next page starts, from the answer to page `inner`.
    fn next(
        &self,
        stream: &StreamSpec,
        inner: Option<&Inner>,
        resp: &ApiResponse,
        items: usize,
        captured: &[Option<String>],
    ) -> Result<Option<Inner>> {
        let text = |i: usize| captured.get(i).cloned().flatten().filter(|t| !t.is_empty());
        // An empty page is the end, whatever a cursor says (no API pages on past nothing).
        if items == 0 {
            return Ok(None);
        }
        Ok(match &stream.paginator {
            PaginatorSpec::None => None,
            PaginatorSpec::PageNumber { size, stop, .. } => {
                let page = match inner {
                    Some(Inner::Page(n)) => *n,
                    _ => 1,
                };
                if page >= MAX_PAGES {
                    return Err(self.invalid(format!(
                        "{} pages of {} and still no last page",
                        page, stream.name
                    )));
                }
                let last = match stop {
                    PageStop::ShortPage => items < *size as usize,
                    PageStop::Header { name, last } => match resp.header(name) {
                        Some(v) => v.trim().eq_ignore_ascii_case(last),
                        None => items < *size as usize,
                    },
                    PageStop::TotalPages { .. } => match text(1).and_then(|t| t.parse().ok()) {
                        Some(total) => page >= total,
                        None => items < *size as usize,
                    },
                    // Absent, null or empty: no next page.
                    PageStop::NextLink { .. } => text(1).is_none(),
                };
                (!last && items > 0).then_some(Inner::Page(page + 1))
            }
            PaginatorSpec::Offset {
                size,
                total,
                until_empty,
                ..
            } => {
                let offset = match inner {
                    Some(Inner::Offset(n)) => *n,
                    _ => 0,
                };
                let after = offset + items as u64;
                // The total the answer states, when the file names it; else a short page ends.
                let more = match total.as_ref().and_then(|_| text(1)) {
                    Some(t) => {
                        after
                            < t.trim().parse::<u64>().map_err(|_| {
                                self.decode_error(
                                    format!("{} total", stream.name),
                                    format!("`{t}` is not a count"),
                                )
                            })?
                    }
                    // Until an empty page or a 204 (ADP), whatever a page's length.
                    None if *until_empty => true,
                    None => items >= *size as usize,
                };
                (more && items > 0).then_some(Inner::Offset(after))
            }
            PaginatorSpec::NextUrl { .. } => match text(1) {
                Some(link) => {
                    let url = self.same_origin(&link)?;
                    if Some(&Inner::Url(url.to_string())) == inner {
                        return Err(
                            self.invalid(format!("the next link {link} is this page again"))
                        );
                    }
                    Some(Inner::Url(url.to_string()))
                }
                None => None,
            },
            PaginatorSpec::LinkHeader { .. } => match next_url_in_link_header(&resp.headers) {
                Some(link) => Some(Inner::Url(self.same_origin(&link)?.to_string())),
                None => None,
            },
            PaginatorSpec::BodyCursor { .. } => text(1).map(Inner::Token),
            // The next page starts after what came (a page may be shorter than asked while
            // more follow); the empty page, caught above, is the last.
            PaginatorSpec::Query { .. } => {
                let received = match inner {
                    Some(Inner::Offset(n)) => *n,
                    _ => 0,
                };
                Some(Inner::Offset(received + items as u64))
            }
            PaginatorSpec::HeaderCursor { headers, .. } => {
                let mut members = Map::new();
                for (header, member) in headers {
                    let Some(v) = resp.header(header).map(str::trim).filter(|v| !v.is_empty())
                    else {
                        return Ok(None);
                    };
                    let value = v.parse::<i64>().map(Value::from).unwrap_or(Value::from(v));
                    members.insert(member.clone(), value);
                }
                if Some(&Inner::Members(members.clone())) == inner {
                    return Err(
                        self.invalid(format!("{} sent this page's start again", stream.name))
                    );
                }
                Some(Inner::Members(members))
            }
        })
    }

    /// The JSON pointers a page of `stream` is read at: the records, and the paginator's.
    fn pointers(stream: &StreamSpec) -> Vec<&str> {
        let mut p = vec![stream.records.as_str()];
        match &stream.paginator {
            PaginatorSpec::NextUrl { pointer, .. } | PaginatorSpec::BodyCursor { pointer, .. } => {
                p.push(pointer)
            }
            // The list's parent: a statement that selects nothing leaves the list out
            // (QuickBooks: `{"QueryResponse": {}}`).
            PaginatorSpec::Query { .. } => p.push(
                stream
                    .records
                    .rsplit_once('/')
                    .map_or("", |(parent, _)| parent),
            ),
            PaginatorSpec::PageNumber {
                stop: PageStop::TotalPages { pointer } | PageStop::NextLink { pointer },
                ..
            } => p.push(pointer),
            PaginatorSpec::Offset {
                total: Some(pointer),
                ..
            } => p.push(pointer),
            _ => {}
        }
        p
    }

    /// Fetches and maps one page of `stream`.
    async fn fetch(
        &self,
        stream: &'static StreamSpec,
        kind: EntityKind,
        part: Option<(&str, &Part)>,
        inner: Option<&Inner>,
        since: Option<DateTime<Utc>>,
    ) -> Result<Fetched> {
        let outer = part.and_then(|(_, p)| p.outer.as_ref());
        let request = self.request(
            &with_outer(stream, outer, &self.config, self.name())?,
            part.map(|(n, p)| (n, p.value.as_str())),
            inner,
            since,
        )?;
        let mut resp = self.session.send(&request).await?;
        // 204 No Content: an empty last page (ADP's end of a collection; see `list_pages`).
        if resp.status == 204 {
            return Ok(Fetched {
                records: Vec::new(),
                deleted: Vec::new(),
                next: None,
            });
        }
        let mapper = match (&stream.map, &stream.fields) {
            (Some(name), _) => Some(
                self.provider
                    .mapper(name)
                    .ok_or_else(|| self.invalid(format!("no mapper `{name}`")))?,
            ),
            (None, Some(_)) => None,
            (None, None) => return Err(self.invalid(format!("{} has no mapper", stream.name))),
        };
        let provider = self.provider;
        let (company_id, connection_id) = (self.company_id, self.connection_id);
        let kept = part.and_then(|(_, p)| p.kept.clone());
        let body = std::mem::take(&mut resp.body);
        let decoded = tokio::task::spawn_blocking(move || {
            let ctx = MapCtx {
                company_id,
                connection_id,
                provider: &provider.file.id,
                parent: None,
            };
            decode_page(provider, stream, &body, kind, mapper, ctx, kept.as_deref())
        })
        .await
        .map_err(|e| self.invalid(format!("decoding stopped: {e}")))?;
        let (records, deleted, items, captured) =
            decoded.map_err(|(path, message)| self.decode_error(path, message))?;
        let next = self.next(stream, inner, &resp, items, &captured)?;
        Ok(Fetched {
            records,
            deleted,
            next,
        })
    }

    /// What changed since `since`, from the stream's change feed: `None` when the feed cannot
    /// tell (the start is older than its window, or its answer is at its cap, so more may have
    /// changed than it holds) and the stream must be read whole.
    async fn changes(
        &self,
        stream: &'static StreamSpec,
        changes: &'static ChangesSpec,
        kind: EntityKind,
        since: DateTime<Utc>,
    ) -> Result<Option<Page>> {
        let window = Duration::days(i64::from(changes.window_days));
        // A minute's margin: the feed's window is counted by the provider's clock.
        if since <= self.clock.now() - window + Duration::minutes(1) {
            tracing::info!(
                provider = %self.provider.file.id,
                stream = %stream.name,
                "the last sync is older than the change feed's window: reading everything"
            );
            return Ok(None);
        }
        let mut url = self.url(&changes.path)?;
        let mut query: Vec<(String, String)> = Vec::new();
        for (k, v) in &changes.query {
            query.push((k.clone(), fill(v, &self.config, None, self.name())?));
        }
        query.push((
            changes.since_param.clone(),
            since.to_rfc3339_opts(SecondsFormat::Secs, true),
        ));
        url.query_pairs_mut().extend_pairs(&query);
        let mut resp = self.session.send(&ApiRequest::get(url)).await?;
        let mapper = stream
            .map
            .as_deref()
            .and_then(|name| self.provider.mapper(name))
            .ok_or_else(|| self.invalid(format!("{} has no mapper", stream.name)))?;
        // The feed's answer read as a page of an unpaged stream: its list (found through
        // arrays, `/CDCResponse/0/…`) under `/items`.
        let feed = StreamSpec {
            records: "/items".to_owned(),
            deleted: changes.deleted.clone(),
            paginator: PaginatorSpec::None,
            single: false,
            ..stream.clone()
        };
        let provider = self.provider;
        let (company_id, connection_id) = (self.company_id, self.connection_id);
        let body = std::mem::take(&mut resp.body);
        let pointer = changes.records.clone();
        let decoded = tokio::task::spawn_blocking(move || {
            let ctx = MapCtx {
                company_id,
                connection_id,
                provider: &provider.file.id,
                parent: None,
            };
            let mut doc: Value = serde_json::from_slice(&body)
                .map_err(|e| ("(document)".to_owned(), e.to_string()))?;
            // No list at the pointer: nothing changed.
            let Some(list) = doc.pointer_mut(&pointer).map(Value::take) else {
                return Ok((Vec::new(), Vec::new(), 0, Vec::new()));
            };
            let page = serde_json::to_vec(&serde_json::json!({ "items": list }))
                .map_err(|e| ("(document)".to_owned(), e.to_string()))?;
            decode_page(provider, &feed, &page, kind, Some(mapper), ctx, None)
        })
        .await
        .map_err(|e| self.invalid(format!("decoding stopped: {e}")))?;
        let (records, deleted, items, _) =
            decoded.map_err(|(path, message)| self.decode_error(path, message))?;
        if items >= changes.cap as usize {
            tracing::info!(
                provider = %self.provider.file.id,
                stream = %stream.name,
                items,
                "the change feed's answer is at its cap: reading everything"
            );
            return Ok(None);
        }
        Ok(Some(Page {
            records,
            deleted,
            next: None,
        }))
    }

    /// Reads the parent stream whole and returns each parent's partition value (and kept
    /// members).
    async fn partitions(&self, p: &PartitionSpec) -> Result<Vec<Part>> {
        let parent = &p.parent;
        let mut out = Vec::new();
        for (i, (outer, raw)) in self.list_parent(parent).await?.iter().enumerate() {
            let item: Value = serde_json::from_str(raw.get())
                .map_err(|e| self.decode_error(format!("{parent}[{i}]"), e.to_string()))?;
            let at = || format!("{parent}[{i}]{}", p.key.replace('/', "."));
            let values = match item.pointer(&p.key) {
                // A list of values (Checkr's `report_ids`): one partition each.
                Some(Value::Array(list)) => list
                    .iter()
                    .map(|v| {
                        partition_value(v)
                            .ok_or_else(|| self.decode_error(at(), "not an id".into()))
                    })
                    .collect::<Result<Vec<_>>>()?,
                Some(v) => match partition_value(v) {
                    Some(value) => vec![value],
                    None => return Err(self.decode_error(at(), "missing".into())),
                },
                None => return Err(self.decode_error(at(), "missing".into())),
            };
            let values = if p.last_segment {
                values
                    .iter()
                    .map(|v| {
                        last_segment(v).ok_or_else(|| self.decode_error(at(), "not a link".into()))
                    })
                    .collect::<Result<Vec<_>>>()?
            } else {
                values
            };
            let kept = (!p.keep.is_empty()).then(|| keep_members(&item, &p.keep).to_string());
            for value in values {
                out.push(Part {
                    value,
                    kept: kept.clone(),
                    outer: outer.clone(),
                });
            }
        }
        Ok(out)
    }

    fn body_error(&self, body: &[u8]) -> ConnectorError {
        match maestro_http::decode::json::<serde::de::IgnoredAny>(self.name(), body) {
            Err(e) => e.into(),
            Ok(_) => self.decode_error("(document)".into(), "not the shape the spec gives".into()),
        }
    }
}

/// Whether a page without its list is a statement's empty answer: a `query` paginator's list
/// left out of its parent, which is there (QuickBooks' `{"QueryResponse": {}}`).
fn empty_statement_page(stream: &StreamSpec, captured: &[Option<&RawValue>]) -> bool {
    matches!(stream.paginator, PaginatorSpec::Query { .. })
        && captured
            .get(1)
            .copied()
            .flatten()
            .is_some_and(|parent| parent.get().trim_start().starts_with('{'))
}

/// A parent record with the parent's own partition (placeholder name and value), if any.
type ParentRecord = (Option<(String, String)>, Box<RawValue>);

/// A boxed future (the parent of a parent is read recursively).
type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// `stream` with the parent's own partition placeholder (`{partition.company_id}` in
/// `/companies/{partition.company_id}/checks`) filled in its path and query, checked like
/// any placeholder value; `stream` unchanged when the parent has none.
fn with_outer(
    stream: &StreamSpec,
    outer: Option<&(String, String)>,
    config: &BTreeMap<String, String>,
    provider: &str,
) -> Result<StreamSpec> {
    let mut out = stream.clone();
    if let Some((name, value)) = outer {
        let placeholder = format!("{{partition.{name}}}");
        let value = fill(&placeholder, config, Some((name, value)), provider)?;
        out.path = out.path.replace(&placeholder, &value);
        for v in out.query.values_mut() {
            *v = v.replace(&placeholder, &value);
        }
    }
    Ok(out)
}

/// Asks for the file's media type in `Accept` (Paychex's vendor types), when it names one.
fn accept(request: &mut ApiRequest, media_type: Option<&str>, provider: &str) -> Result<()> {
    if let Some(t) = media_type {
        let value = http::HeaderValue::from_str(t).map_err(|_| HttpError::Invalid {
            provider: provider.to_owned(),
            message: format!("the media type {t:?} cannot be sent in Accept"),
        })?;
        request.headers.insert(http::header::ACCEPT, value);
    }
    Ok(())
}

/// The last path segment of a link (ADP's `payDetailUri.href`), without its query or fragment.
fn last_segment(link: &str) -> Option<String> {
    let path = link.split(['?', '#']).next().unwrap_or(link);
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A partition value: a string or a number, as text.
fn partition_value(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A JSON object holding only `pointers`' members of `item`, at the same places.
fn keep_members(item: &Value, pointers: &[String]) -> Value {
    let mut out = Value::Object(Map::new());
    for p in pointers {
        let Some(v) = item.pointer(p) else { continue };
        let mut node = &mut out;
        let parts: Vec<&str> = p.split('/').skip(1).collect();
        for (i, seg) in parts.iter().enumerate() {
            let Value::Object(m) = node else { break };
            if i + 1 == parts.len() {
                m.insert((*seg).to_owned(), v.clone());
                break;
            }
            node = m
                .entry((*seg).to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
        }
    }
    out
}

/// The paginator's captured texts (the record list, first, is left out: it is read item by
/// item, never as one value).
fn paging_texts(captured: &[Option<&RawValue>]) -> Vec<Option<String>> {
    captured
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i == 0 {
                None
            } else {
                c.map(|r| unquote(r.get()))
            }
        })
        .collect()
}

/// A captured JSON string's text (or the captured text as is).
fn unquote(raw: &str) -> String {
    match serde_json::from_str::<Value>(raw) {
        Ok(Value::String(s)) => s,
        Ok(Value::Null) => String::new(),
        _ => raw.to_owned(),
    }
}

/// Records, deletions, how many items the page had, and the paginator's captured texts; or
/// the failing path and what is wrong.
type Decoded = (
    Vec<CanonicalRecord>,
    Vec<String>,
    usize,
    Vec<Option<String>>,
);

fn decode_page(
    provider: &KitProvider,
    stream: &StreamSpec,
    body: &[u8],
    kind: EntityKind,
    mapper: Option<super::Mapper>,
    ctx: MapCtx<'_>,
    kept: Option<&str>,
) -> std::result::Result<Decoded, (String, String)> {
    let pointers = FileConnector::pointers(stream);
    let captured = Wanted::new(pointers.iter().copied())
        .capture(body)
        .ok_or_else(|| {
            let message =
                maestro_http::decode::json::<serde::de::IgnoredAny>(&provider.file.name, body)
                    .err()
                    .map(|e| match e {
                        HttpError::Decode { message, .. } => message,
                        other => other.to_string(),
                    })
                    .unwrap_or_else(|| "not JSON".into());
            ("(document)".to_owned(), message)
        })?;
    let texts = paging_texts(&captured);
    if captured.first().copied().flatten().is_none() && empty_statement_page(stream, &captured) {
        return Ok((Vec::new(), Vec::new(), 0, texts));
    }
    let Some(list) = captured.first().copied().flatten() else {
        let at = if stream.records.is_empty() {
            "(document)".to_owned()
        } else {
            stream.records.trim_start_matches('/').replace('/', ".")
        };
        return Err((at, "the list of records is missing".into()));
    };
    let items: Vec<&RawValue> = if stream.single {
        vec![list]
    } else {
        serde_json::from_str(list.get())
            .map_err(|e| (stream.name.clone(), format!("not a list: {e}")))?
    };
    let kept_raw: Option<Box<RawValue>> =
        kept.and_then(|k| RawValue::from_string(k.to_owned()).ok());
    let ctx = MapCtx {
        parent: kept_raw.as_deref(),
        ..ctx
    };
    let mut records = Vec::with_capacity(items.len());
    let mut deleted = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(flag) = &stream.deleted {
            let v: Value = serde_json::from_str(item.get())
                .map_err(|e| (format!("{}[{i}]", stream.name), e.to_string()))?;
            let is_deleted = !matches!(
                v.pointer(flag),
                None | Some(Value::Null) | Some(Value::Bool(false))
            );
            if is_deleted {
                if let Some(id) = v.pointer(&stream.id) {
                    deleted.push(unquote(&id.to_string()));
                }
                continue;
            }
        }
        let mapped = match mapper {
            Some(m) => m(&ctx, item),
            None => super::declarative::map(&ctx, stream, item),
        };
        let mapped = mapped.map_err(|MapError { path, message }| {
            let path = if path == "(document)" || path == "(record)" {
                format!("{}[{i}]", stream.name)
            } else {
                format!("{}[{i}].{path}", stream.name)
            };
            (path, message)
        })?;
        records.extend(mapped.into_iter().filter(|r| r.kind() == kind));
    }
    Ok((records, deleted, items.len(), texts))
}

/// Fills `{config.x}`, `{x}` and `{partition.y}` in `template`. Values that would change the
/// shape of a URL (`/`, `?`, `#`, `%`, spaces) are refused.
fn fill(
    template: &str,
    config: &BTreeMap<String, String>,
    partition: Option<(&str, &str)>,
    provider: &str,
) -> Result<String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            out.push_str(&rest[open..]);
            return Ok(out);
        };
        let name = &rest[open + 1..open + close];
        let value = match name.split_once('.') {
            Some(("partition", key)) => partition.filter(|(k, _)| *k == key).map(|(_, v)| v),
            Some(("config", key)) => config.get(key).map(String::as_str),
            _ => config.get(name).map(String::as_str),
        };
        let key = name.rsplit('.').next().unwrap_or(name);
        let value = value
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ConnectorError::Config {
                field: key.to_owned(),
                message: format!("is required to reach {provider}"),
            })?;
        if value == "."
            || value == ".."
            || value
                .chars()
                .any(|c| matches!(c, '/' | '\\' | '?' | '#' | '%' | '{' | '}') || c.is_whitespace())
        {
            return Err(ConnectorError::Config {
                field: key.to_owned(),
                message: format!("`{value}` cannot be part of an address"),
            });
        }
        out.push_str(value);
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[async_trait]
impl Connector for FileConnector {
    fn manifest(&self) -> &'static Manifest {
        self.provider.manifest
    }

    async fn check(&self) -> Result<CheckReport> {
        if let Some(hooks) = self.provider.hooks
            && let Some(report) = hooks.check(self).await
        {
            return report;
        }
        let check = &self.provider.file.check;
        let url = self.url(&check.path)?;
        let mut request = ApiRequest::get(url);
        accept(&mut request, check.accept.as_deref(), self.name())?;
        let resp = self.session.send(&request).await?;
        let body: Value = resp.json()?;
        let account = match body.pointer(&check.account) {
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                return Err(self.decode_error(
                    check.account.trim_start_matches('/').replace('/', "."),
                    "the account's name is missing".into(),
                ));
            }
        };
        Ok(CheckReport {
            details: vec![format!(
                "{} accepted the saved credentials for {account}",
                self.name()
            )],
            account,
        })
    }

    async fn write(&self, request: &WriteRequest) -> Result<WriteOutcome> {
        if let Some(hooks) = self.provider.hooks
            && let Some(outcome) = hooks.write(self, request).await
        {
            return outcome;
        }
        Err(ConnectorError::Unsupported {
            provider: self.name().to_owned(),
            what: format!("writing {}", request.op.describe()),
        })
    }

    async fn check_packages(&self) -> Result<Vec<CheckPackage>> {
        if let Some(hooks) = self.provider.hooks
            && let Some(packages) = hooks.packages(self).await
        {
            return packages;
        }
        Err(ConnectorError::Unsupported {
            provider: self.name().to_owned(),
            what: "background check packages".into(),
        })
    }

    fn verify_webhook(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
        secret: &Sensitive<String>,
        now: DateTime<Utc>,
    ) -> Result<Vec<WebhookEvent>> {
        let Some(spec) = &self.provider.file.webhook else {
            return Err(ConnectorError::Unsupported {
                provider: self.name().to_owned(),
                what: "webhooks".into(),
            });
        };
        if let Err(e) = super::webhook::verify(spec, headers, body, secret, now) {
            // Refused deliveries are logged (never the secret, the signature or the body).
            tracing::warn!(provider = %self.provider.file.id, "webhook refused: {e}");
            return Err(e);
        }
        super::webhook::events(&self.provider.file.name, spec, body)
    }

    async fn read(&self, request: &ReadRequest) -> Result<Page> {
        let streams = self.streams_for(request.entity)?;
        let pos = match &request.page {
            None => Position::default(),
            Some(c) => Position::from_cursor(c)
                .ok_or_else(|| self.invalid(format!("a saved position {c:?} does not fit")))?,
        };
        let Some(stream) = streams.get(pos.stream).copied() else {
            return Err(self.invalid(format!(
                "a saved position names stream {} of {}; run a full sync",
                pos.stream,
                streams.len()
            )));
        };
        let index = pos.stream;
        let mut page = self.read_stream(stream, request, pos).await?;
        // The kind's next stream starts when this one is done.
        if page.next.is_none() && index + 1 < streams.len() {
            page.next = Some(
                Position {
                    stream: index + 1,
                    ..Position::default()
                }
                .to_cursor(),
            );
        }
        Ok(page)
    }
}

impl FileConnector {
    /// One page of `stream` from `pos` (a fresh position when `pos.pages` is 0).
    async fn read_stream(
        &self,
        stream: &'static StreamSpec,
        request: &ReadRequest,
        mut pos: Position,
    ) -> Result<Page> {
        let Some(p) = &stream.partition else {
            // A fresh read with a start: the change feed, when the stream has one and it can
            // answer (else the full read below).
            if pos.pages == 0
                && pos.inner.is_none()
                && let (Some(changes), Some(since)) = (&stream.changes, request.since)
                && let Some(page) = self.changes(stream, changes, request.entity, since).await?
            {
                return Ok(page);
            }
            pos.pages += 1;
            if pos.pages > MAX_PAGES {
                return Err(self.too_many_pages(stream));
            }
            let got = self
                .fetch(
                    stream,
                    request.entity,
                    None,
                    pos.inner.as_ref(),
                    request.since,
                )
                .await?;
            return Ok(Page {
                records: got.records,
                deleted: got.deleted,
                next: got.next.map(|inner| {
                    Position {
                        inner: Some(inner),
                        ..pos.clone()
                    }
                    .to_cursor()
                }),
            });
        };
        if pos.pages == 0 {
            pos.partitions = self.partitions(p).await?;
        }
        // Empty partitions are passed over within one call, so a page is rarely empty.
        loop {
            let Some(part) = pos.partitions.get(pos.index).cloned() else {
                return Ok(Page::default());
            };
            pos.pages += 1;
            if pos.pages > MAX_PAGES {
                return Err(self.too_many_pages(stream));
            }
            let got = self
                .fetch(
                    stream,
                    request.entity,
                    Some((&p.name, &part)),
                    pos.inner.as_ref(),
                    request.since,
                )
                .await?;
            match got.next {
                Some(inner) => pos.inner = Some(inner),
                None => {
                    pos.index += 1;
                    pos.inner = None;
                }
            }
            let done = pos.index >= pos.partitions.len();
            if !got.records.is_empty() || !got.deleted.is_empty() || done {
                return Ok(Page {
                    records: got.records,
                    deleted: got.deleted,
                    next: (!done).then(|| pos.to_cursor()),
                });
            }
        }
    }
}

/// `link` resolved against `base`; refused when it leaves `base`'s origin (scheme, host and
/// port), since the credentials would go with it. Shared by every next-link check.
pub(crate) fn same_origin(base: &Url, link: &str) -> std::result::Result<Url, String> {
    let url = base
        .join(link)
        .map_err(|e| format!("bad next link {link}: {e}"))?;
    if url.origin() != base.origin() {
        return Err(format!("the next link {link} leaves the API's address"));
    }
    Ok(url)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_link_partition_is_its_last_segment() {
        assert_eq!(
            last_segment("/payroll/v1/workers/G3X/pay-statements/PS-2?x=1").as_deref(),
            Some("PS-2")
        );
        assert_eq!(
            last_segment("https://api.adp.com/a/b/").as_deref(),
            Some("b")
        );
        assert_eq!(last_segment("/"), None);
    }

    #[test]
    fn placeholders_fill_from_config_and_partition() {
        let mut config = BTreeMap::new();
        config.insert("workspace_id".to_owned(), "w1".to_owned());
        let out = fill(
            "/v1/workspaces/{config.workspace_id}/user/{partition.user_id}/x",
            &config,
            Some(("user_id", "u9")),
            "P",
        )
        .unwrap();
        assert_eq!(out, "/v1/workspaces/w1/user/u9/x");
        config.insert("workspace_id".to_owned(), "../admin".to_owned());
        assert!(fill("/w/{workspace_id}", &config, None, "P").is_err());
        config.remove("workspace_id");
        let err = fill("/w/{workspace_id}", &config, None, "P").unwrap_err();
        assert!(err.to_string().contains("workspace_id"), "{err}");
    }

    #[test]
    fn kept_members_stay_where_they_were() {
        let item = json!({"id": "u1", "settings": {"timeZone": "Europe/Madrid", "x": 1}});
        let kept = keep_members(
            &item,
            &["/settings/timeZone".to_owned(), "/missing".to_owned()],
        );
        assert_eq!(kept, json!({"settings": {"timeZone": "Europe/Madrid"}}));
    }
}
