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
    /// Builds an instance for one connection.
    pub build: fn(ConnectorContext) -> Result<Arc<dyn Connector>>,
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
