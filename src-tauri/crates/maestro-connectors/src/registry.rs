//! Every connector compiled in, by id.

use std::sync::Arc;

use crate::connector::{Connector, ConnectorContext};
use crate::error::Result;
use crate::manifest::Manifest;

/// How to build one connector.
#[derive(Clone, Copy)]
pub struct ConnectorDef {
    /// Its manifest.
    pub manifest: &'static Manifest,
    /// What builds an instance for one connection.
    pub builder: Builder,
}

/// What builds a connector: a hand-written module, or the kit's engine over a provider file.
#[derive(Clone, Copy)]
pub enum Builder {
    /// A hand-written connector.
    Module(fn(ConnectorContext) -> Result<Arc<dyn Connector>>),
    /// The kit's engine for this provider.
    Kit(&'static crate::kit::KitProvider),
}

impl ConnectorDef {
    /// The form field whose saved value signs this provider's webhooks, when its provider file
    /// says so (Checkr signs with the account's API key); `None` when the connection's own
    /// webhook secret signs them.
    pub fn webhook_secret_field(&self) -> Option<&'static str> {
        match self.builder {
            Builder::Kit(kit) => kit.file.webhook.as_ref()?.secret.as_deref(),
            Builder::Module(_) => None,
        }
    }

    /// A hand-written connector's entry.
    pub const fn module(
        manifest: &'static Manifest,
        build: fn(ConnectorContext) -> Result<Arc<dyn Connector>>,
    ) -> Self {
        Self {
            manifest,
            builder: Builder::Module(build),
        }
    }

    /// Builds an instance for one connection.
    pub fn build(&self, ctx: ConnectorContext) -> Result<Arc<dyn Connector>> {
        match self.builder {
            Builder::Module(build) => build(ctx),
            Builder::Kit(provider) => Ok(Arc::new(crate::kit::FileConnector::new(provider, ctx)?)),
        }
    }
}

impl std::fmt::Debug for ConnectorDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.manifest.id)
    }
}

/// The list of available connectors.
#[derive(Debug, Clone)]
pub struct Registry {
    defs: Vec<ConnectorDef>,
}

impl Registry {
    /// The connectors compiled into this build.
    pub fn builtin() -> Self {
        Self {
            defs: crate::providers::all(),
        }
    }

    /// Every connector this process knows: the compiled-in ones, then the user-defined ones
    /// installed from provider files (see [`crate::kit::custom`]).
    pub fn current() -> Self {
        let mut defs = crate::providers::all();
        defs.extend(crate::kit::custom::installed());
        Self { defs }
    }

    /// Every connector definition.
    pub fn all(&self) -> &[ConnectorDef] {
        &self.defs
    }

    /// The connector with `id`.
    pub fn get(&self, id: &str) -> Option<&ConnectorDef> {
        self.defs.iter().find(|d| d.manifest.id == id)
    }

    /// Adds a connector defined at run time (declarative connectors).
    pub fn register(&mut self, def: ConnectorDef) {
        self.defs.retain(|d| d.manifest.id != def.manifest.id);
        self.defs.push(def);
    }
}
