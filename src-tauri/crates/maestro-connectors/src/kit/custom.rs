//! User-defined connectors: a provider file the owner adds at run time (`maestro connectors add
//! FILE`, or the wizard), mapped with its `fields` tables, runs on the same engine as the
//! built-in ones and is listed beside them. The connectors installed in this process are kept
//! here, so every part of the app sees the same list.

use std::collections::HashMap;
use std::sync::{Mutex, RwLock};

use maestro_kit::{FileError, ProviderFile};

use super::KitProvider;
use crate::registry::ConnectorDef;

/// Why a user's provider file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CustomError {
    /// The file does not read: the line and the field say where.
    #[error(transparent)]
    File(#[from] FileError),
    /// The file reads but cannot run here.
    #[error("{file}: {message}")]
    Refused {
        /// The file's name.
        file: String,
        /// Why.
        message: String,
    },
}

static INSTALLED: RwLock<Vec<ConnectorDef>> = RwLock::new(Vec::new());

/// Providers made from file texts, so a text loaded again (each time a store opens) is not
/// made (and leaked) twice.
static MADE: Mutex<Option<HashMap<String, &'static KitProvider>>> = Mutex::new(None);

/// Reads a user's provider file. Its streams must be mapped with `fields` (mappers are
/// compiled in), and its id may not be a built-in connector's.
pub fn load(name: &str, text: &str) -> Result<&'static KitProvider, CustomError> {
    let file = ProviderFile::parse(name, text)?;
    let refuse = |message: String| CustomError::Refused {
        file: name.to_owned(),
        message,
    };
    if crate::providers::all()
        .iter()
        .any(|d| d.manifest.id == file.id)
    {
        return Err(refuse(format!(
            "`{}` is the id of a built-in connector; give yours another id",
            file.id
        )));
    }
    if let Some(s) = file.streams.iter().find(|s| s.map.is_some()) {
        return Err(refuse(format!(
            "stream `{}` names a compiled-in mapper; a file you add maps its records with `fields`",
            s.name
        )));
    }
    if file.streams.iter().all(|s| s.entities.is_empty()) {
        return Err(refuse(
            "the file reads nothing: give a stream `entities`".into(),
        ));
    }
    let mut made = MADE.lock().unwrap_or_else(|e| e.into_inner());
    let cache = made.get_or_insert_with(HashMap::new);
    if let Some(p) = cache.get(text) {
        return Ok(p);
    }
    let file: &'static ProviderFile = Box::leak(Box::new(file));
    let provider = KitProvider::new(file, Vec::new(), None).map_err(refuse)?;
    let provider: &'static KitProvider = Box::leak(Box::new(provider));
    cache.insert(text.to_owned(), provider);
    Ok(provider)
}

/// Makes `provider` available to this process (replacing one with the same id).
pub fn install(provider: &'static KitProvider) {
    let mut all = INSTALLED.write().unwrap_or_else(|e| e.into_inner());
    all.retain(|d| d.manifest.id != provider.manifest.id);
    all.push(provider.def());
}

/// Takes the connector `id` away from this process; true when it was installed.
pub fn uninstall(id: &str) -> bool {
    let mut all = INSTALLED.write().unwrap_or_else(|e| e.into_inner());
    let before = all.len();
    all.retain(|d| d.manifest.id != id);
    all.len() != before
}

/// The user-defined connectors installed in this process.
pub fn installed() -> Vec<ConnectorDef> {
    INSTALLED.read().map(|all| all.clone()).unwrap_or_default()
}
