//! Connectors: the [`Connector`] contract, the [`Registry`], and one module per provider under
//! [`providers`]. A provider module is endpoints plus mapping: a static manifest, raw serde types
//! (`api.rs`), the mapping to canonical records (`map.rs`) and the `Connector` impl.

mod connector;
mod error;
pub mod kit;
pub mod manifest;
pub mod providers;
mod registry;

pub use connector::{
    BackgroundCheckOrder, CheckPackage, CheckReport, Connector, ConnectorContext, EmployeeChanges,
    NewEmployee, NewTimeEntry, NewTimeOffRequest, Page, ReadRequest, WebhookEvent, WorkLocation,
    WriteOp, WriteOutcome, WriteRequest,
};
pub use error::{ConnectorError, Result};
pub use manifest::{
    AuthKind, Category, ConfigField, EntitySupport, FieldKind, KeyScheme, Manifest,
};
pub use registry::{Builder, ConnectorDef, Registry};
