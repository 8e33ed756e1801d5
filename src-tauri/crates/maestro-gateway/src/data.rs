//! Reading what the API serves from the store, scoped to one company, with sensitive fields
//! removed: resource items, whole-type loads indexed for relationships, and keyset pages.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use maestro_app::App;
use maestro_core::ids::{CompanyId, RecordId};
use maestro_core::model::{EntityKind, SENSITIVE_FIELDS, strip_sensitive};
use maestro_store::api_read::{self, RecordText};
use maestro_store::records::{self, StoredRecord};
use serde_json::{Map, Value, json};
use tokio::sync::Mutex;

use crate::error::ApiError;
use crate::resources::ResourceType;

/// One resource: type, id and attributes (sensitive values already removed).
#[derive(Debug, Clone)]
pub struct Item {
    /// Its type.
    pub rtype: ResourceType,
    /// Its id (the local record id for records).
    pub id: String,
    /// Its attributes.
    pub attributes: Map<String, Value>,
    /// Extra facts (record version, validity).
    pub meta: Option<Value>,
    /// (connection, remote id): what children point at.
    pub key: Option<(String, String)>,
    /// (connection, employee remote id): the person a child points at.
    pub parent: Option<(String, String)>,
}

/// The item of a stored record.
pub fn record_item(rec: &StoredRecord) -> Item {
    let listed = RecordText {
        record_id: rec.record_id.to_string(),
        connection_id: rec.connection_id.to_string(),
        provider: rec.provider.clone(),
        remote_id: rec.remote_id.clone(),
        version: rec.version,
        valid_from: rec.valid_from,
        remote_modified_at: rec.remote_modified_at,
        // Its fields are already a tree (`rec.data`); the text is not read.
        data: String::new(),
    };
    item_from_parts(rec.kind, listed, rec.data.clone())
}

/// A record's `meta`: its version and validity.
pub fn record_meta(rec: &RecordText) -> Value {
    json!({
        "version": rec.version,
        "valid_from": rec.valid_from.to_rfc3339(),
        "remote_modified_at": rec.remote_modified_at.map(|t| t.to_rfc3339()),
    })
}

/// The item of record `rec` of `kind` (as the store lists it; its text is not read) with
/// canonical fields `data`: its bookkeeping fields and sensitive values removed, provider,
/// remote id and connection added.
pub fn item_from_parts(kind: EntityKind, rec: RecordText, data: Value) -> Item {
    let mut attributes = match data {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    attributes.remove("provenance");
    attributes.remove("company_id");
    attributes.remove("raw");
    let parent = attributes
        .get("employee_remote_id")
        .and_then(Value::as_str)
        .map(|r| (rec.connection_id.clone(), r.to_owned()));
    let mut value = Value::Object(attributes);
    strip_sensitive(&mut value);
    let mut attributes = match value {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    attributes.insert("provider".into(), json!(rec.provider));
    attributes.insert("remote_id".into(), json!(rec.remote_id));
    attributes.insert("connection_id".into(), json!(rec.connection_id));
    let meta = record_meta(&rec);
    Item {
        rtype: ResourceType::Record(kind),
        id: rec.record_id,
        attributes,
        meta: Some(meta),
        key: Some((rec.connection_id, rec.remote_id)),
        parent,
    }
}

/// The canonical fields of a record read as text (a record whose text is not JSON is corrupt).
pub fn parse_data(rec: &RecordText) -> Result<Value, ApiError> {
    serde_json::from_str(&rec.data).map_err(|e| {
        ApiError::internal(maestro_store::StoreError::Corrupt(format!(
            "record {} is not JSON: {e}",
            rec.record_id
        )))
    })
}

fn plain_item<T: serde::Serialize>(rtype: ResourceType, id: &str, value: &T) -> Item {
    let mut v = serde_json::to_value(value).unwrap_or(Value::Null);
    strip_sensitive(&mut v);
    let mut attributes = match v {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    attributes.remove("id");
    attributes.remove("company_id");
    Item {
        rtype,
        id: id.to_owned(),
        attributes,
        meta: None,
        key: None,
        parent: None,
    }
}

/// Hides the values of a conflict about a sensitive field (which field differs still shows).
fn mask_conflict(attributes: &mut Map<String, Value>) {
    let hidden = json!("(hidden: sensitive)");
    for key in ["base_value", "resolution"] {
        if attributes.get(key).is_some_and(|v| !v.is_null()) {
            attributes.insert(key.into(), hidden.clone());
        }
    }
    if let Some(Value::Array(sources)) = attributes.get_mut("sources") {
        for s in sources {
            if let Some(obj) = s.as_object_mut() {
                obj.insert("value".into(), hidden.clone());
            }
        }
    }
}

/// Every item of one type, with lookups for relationships.
#[derive(Debug, Default)]
pub struct Indexed {
    /// The items, in id order.
    pub items: Vec<Item>,
    by_id: HashMap<String, usize>,
    by_key: HashMap<(String, String), usize>,
    by_parent: HashMap<(String, String), Vec<usize>>,
}

impl Indexed {
    fn new(items: Vec<Item>) -> Self {
        let mut ix = Indexed::default();
        for (i, item) in items.iter().enumerate() {
            ix.by_id.insert(item.id.clone(), i);
            if let Some(k) = &item.key {
                ix.by_key.insert(k.clone(), i);
            }
            if let Some(p) = &item.parent {
                ix.by_parent.entry(p.clone()).or_default().push(i);
            }
        }
        ix.items = items;
        ix
    }

    /// The item with this id.
    pub fn get(&self, id: &str) -> Option<&Item> {
        self.by_id.get(id).map(|&i| &self.items[i])
    }

    /// The item with this (connection, remote id).
    pub fn by_key(&self, key: &(String, String)) -> Option<&Item> {
        self.by_key.get(key).map(|&i| &self.items[i])
    }

    /// The items whose parent is `key`.
    pub fn children(&self, key: &(String, String)) -> Vec<&Item> {
        self.by_parent
            .get(key)
            .map(|ix| ix.iter().map(|&i| &self.items[i]).collect())
            .unwrap_or_default()
    }
}

/// A (connection, remote id) key: what children point at.
type Key = (String, String);

/// Reads for one request of one company; whole-type loads are cached for the request.
pub struct Loader {
    app: App,
    company_id: CompanyId,
    cache: Mutex<HashMap<ResourceType, Arc<Indexed>>>,
    /// Per child type, the children of the parents [`Loader::prefetch_children`] was given.
    children: Mutex<HashMap<ResourceType, ChildrenOf>>,
}

/// The children of some parents only.
struct ChildrenOf {
    parents: HashSet<Key>,
    index: Arc<Indexed>,
}

impl Loader {
    /// A loader for `company_id`.
    pub fn new(app: App, company_id: CompanyId) -> Self {
        Loader {
            app,
            company_id,
            cache: Mutex::new(HashMap::new()),
            children: Mutex::new(HashMap::new()),
        }
    }

    async fn conn(
        &self,
    ) -> Result<maestro_store::sqlx::pool::PoolConnection<maestro_store::sqlx::Sqlite>, ApiError>
    {
        self.app
            .store()
            .pool()
            .acquire()
            .await
            .map_err(|e| ApiError::internal(maestro_store::StoreError::from(e)))
    }

    /// One keyset page of live records of `kind` after record id `after`.
    pub async fn record_page(
        &self,
        kind: EntityKind,
        after: Option<RecordId>,
        limit: u32,
    ) -> Result<Vec<Item>, ApiError> {
        self.record_texts(kind, after, limit)
            .await?
            .into_iter()
            .map(|rec| {
                let data = parse_data(&rec)?;
                Ok(item_from_parts(kind, rec, data))
            })
            .collect()
    }

    /// One keyset page of live records of `kind` after record id `after`, as stored (their
    /// canonical text, without the provider payload).
    pub async fn record_texts(
        &self,
        kind: EntityKind,
        after: Option<RecordId>,
        limit: u32,
    ) -> Result<Vec<RecordText>, ApiError> {
        let mut conn = self.conn().await?;
        Ok(api_read::current_page_texts(&mut conn, self.company_id, kind, after, limit).await?)
    }

    /// Hands every live record of `kind` to `each` as an item, in record-id order, a page at
    /// a time ([`records::for_each_current`]). Stops at the first error.
    pub async fn for_each_record(
        &self,
        kind: EntityKind,
        mut each: impl FnMut(Item) -> Result<(), ApiError>,
    ) -> Result<(), ApiError> {
        let mut conn = self.conn().await?;
        records::for_each_current(&mut conn, self.company_id, kind, |r| each(record_item(&r))).await
    }

    /// Reads the items of the record type `target` whose parent is one of `parents` (a page's
    /// employees, for an `include`), a batch at a time, so [`Loader::related`] answers for
    /// those parents without holding every item of the type (years of time entries).
    pub async fn prefetch_children(
        &self,
        target: ResourceType,
        parents: HashSet<Key>,
    ) -> Result<(), ApiError> {
        let Some(kind) = target.kind() else {
            return Ok(());
        };
        if self.cache.lock().await.contains_key(&target) {
            return Ok(());
        }
        let mut kept = Vec::new();
        self.for_each_record(kind, |item| {
            if item.parent.as_ref().is_some_and(|p| parents.contains(p)) {
                kept.push(item);
            }
            Ok(())
        })
        .await?;
        let index = Arc::new(Indexed::new(kept));
        self.children
            .lock()
            .await
            .insert(target, ChildrenOf { parents, index });
        Ok(())
    }

    /// Every item of `rtype`, indexed (cached for the request).
    pub async fn all(&self, rtype: ResourceType) -> Result<Arc<Indexed>, ApiError> {
        if let Some(ix) = self.cache.lock().await.get(&rtype) {
            return Ok(ix.clone());
        }
        let items = self.load_all(rtype).await?;
        let ix = Arc::new(Indexed::new(items));
        self.cache.lock().await.insert(rtype, ix.clone());
        Ok(ix)
    }

    async fn load_all(&self, rtype: ResourceType) -> Result<Vec<Item>, ApiError> {
        let mut conn = self.conn().await?;
        let company = self.company_id;
        Ok(match rtype {
            ResourceType::Record(kind) => {
                drop(conn);
                let mut out = Vec::new();
                self.for_each_record(kind, |item| {
                    out.push(item);
                    Ok(())
                })
                .await?;
                out
            }
            ResourceType::Connection => maestro_store::connections::list(&mut conn, company)
                .await?
                .iter()
                .map(|c| plain_item(rtype, &c.id.to_string(), c))
                .collect(),
            ResourceType::SyncRun => maestro_store::sync_runs::recent(&mut conn, company, 10_000)
                .await?
                .iter()
                .map(|r| plain_item(rtype, &r.id, r))
                .collect(),
            ResourceType::Alert => maestro_store::alerts::open(&mut conn, company)
                .await?
                .iter()
                .map(|a| plain_item(rtype, &a.id, a))
                .collect(),
            ResourceType::Conflict => maestro_store::conflicts::list(&mut conn, company, None)
                .await?
                .iter()
                .map(|c| {
                    let mut item = plain_item(rtype, &c.id, c);
                    if SENSITIVE_FIELDS.contains(&c.field.as_str()) {
                        mask_conflict(&mut item.attributes);
                    }
                    item
                })
                .collect(),
        })
    }

    /// One item by id, or None.
    pub async fn one(&self, rtype: ResourceType, id: &str) -> Result<Option<Item>, ApiError> {
        match rtype {
            ResourceType::Record(kind) => {
                let Ok(record_id) = id.parse::<RecordId>() else {
                    return Ok(None);
                };
                let mut conn = self.conn().await?;
                let versions = records::history(&mut conn, self.company_id, record_id).await?;
                Ok(versions
                    .iter()
                    .rev()
                    .find(|v| v.valid_to.is_none())
                    .filter(|v| !v.deleted && v.kind == kind)
                    .map(record_item))
            }
            _ => Ok(self.all(rtype).await?.get(id).cloned()),
        }
    }

    /// The related items of `item` through relationship `target` (to-many children or the
    /// to-one employee).
    pub async fn related(
        &self,
        item: &Item,
        target: ResourceType,
        to_many: bool,
    ) -> Result<Vec<Item>, ApiError> {
        if to_many {
            let Some(k) = &item.key else {
                return Ok(Vec::new());
            };
            if let Some(c) = self.children.lock().await.get(&target)
                && c.parents.contains(k)
            {
                return Ok(c.index.children(k).into_iter().cloned().collect());
            }
        }
        let ix = self.all(target).await?;
        Ok(if to_many {
            match &item.key {
                Some(k) => ix.children(k).into_iter().cloned().collect(),
                None => Vec::new(),
            }
        } else {
            item.parent
                .as_ref()
                .and_then(|p| ix.by_key(p))
                .cloned()
                .into_iter()
                .collect()
        })
    }
}
