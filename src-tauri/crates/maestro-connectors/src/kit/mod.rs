//! The connector kit's engine: one [`Connector`](crate::Connector) for every provider
//! described by a provider file (`maestro-kit`), with a typed mapper per stream. Auth, paging,
//! partitions, incremental reads, next-link origin checks, body caps, rate limits, retries and
//! decode errors that name the field are written once here.

mod capture;
mod cursor;
pub mod custom;
mod declarative;
mod engine;
mod hooks;
mod manifest;
pub mod mappers;
mod webhook;

use std::sync::OnceLock;

use maestro_kit::ProviderFile;

pub use engine::FileConnector;
pub(crate) use engine::same_origin;
pub use hooks::Hooks;
pub use mappers::{MapCtx, Mapper};

use crate::manifest::Manifest;
use crate::registry::{Builder, ConnectorDef};

/// A provider the engine can run: its file, the manifest made from it, and its mappers.
#[derive(Debug)]
pub struct KitProvider {
    /// The provider file.
    pub file: &'static ProviderFile,
    /// The manifest made from it (what the wizard and the registry show).
    pub manifest: &'static Manifest,
    /// Mapper name → mapper.
    pub mappers: Vec<(String, Mapper)>,
    /// The provider's hand-written parts, if it has any.
    pub hooks: Option<&'static dyn Hooks>,
}

impl KitProvider {
    /// Makes a provider from a file and the mappers its streams name. Fails, naming the
    /// stream, when a stream's mapper is unknown.
    pub fn new(
        file: &'static ProviderFile,
        mappers: Vec<(String, Mapper)>,
        hooks: Option<&'static dyn Hooks>,
    ) -> Result<KitProvider, String> {
        for s in &file.streams {
            if let Some(name) = &s.map
                && !mappers.iter().any(|(n, _)| n == name)
            {
                return Err(format!(
                    "stream `{}` names the mapper `{name}`, which this build does not have",
                    s.name
                ));
            }
        }
        Ok(KitProvider {
            manifest: Box::leak(Box::new(manifest::from_file(file)?)),
            file,
            mappers,
            hooks,
        })
    }

    /// The mapper called `name`.
    pub fn mapper(&self, name: &str) -> Option<Mapper> {
        self.mappers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, m)| *m)
    }

    /// The registry entry.
    pub fn def(&'static self) -> ConnectorDef {
        ConnectorDef {
            manifest: self.manifest,
            builder: Builder::Kit(self),
        }
    }
}

/// The built-in providers that run on the kit, made once.
pub fn builtin() -> &'static [KitProvider] {
    static ALL: OnceLock<Vec<KitProvider>> = OnceLock::new();
    ALL.get_or_init(|| {
        maestro_kit::builtin()
            .iter()
            .filter_map(|b| {
                KitProvider::new(
                    &b.file,
                    mappers::builtin(),
                    crate::providers::hooks(&b.file.id),
                )
                .map_err(|e| tracing::error!(provider = %b.file.id, "kit provider refused: {e}"))
                .ok()
            })
            .collect()
    })
}

/// The sign-in callback's parameters a built-in provider file keeps as settings (`[auth]
/// callback_fields`: QuickBooks' `realmId` → `realm_id`), as (parameter, field) pairs; none
/// for other providers.
pub fn callback_fields(provider_id: &str) -> Vec<(String, String)> {
    builtin()
        .iter()
        .find(|p| p.file.id == provider_id)
        .map(|p| match &p.file.auth {
            maestro_kit::file::AuthSpec::OAuth2 {
                callback_fields, ..
            } => callback_fields
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            _ => Vec::new(),
        })
        .unwrap_or_default()
}
