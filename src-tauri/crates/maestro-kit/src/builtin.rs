//! The provider files and specs compiled into this build, parsed once.

use std::sync::OnceLock;

use crate::file::ProviderFile;
use crate::openapi::Spec;

/// A built-in provider: its file and its spec.
#[derive(Debug)]
pub struct BuiltIn {
    /// The provider file.
    pub file: ProviderFile,
    /// The trimmed published spec the file names.
    pub spec: Spec,
}

/// (file name, provider file text, spec file name, spec text).
const SOURCES: [(&str, &str, &str, &str); 12] = [
    (
        "harvest.toml",
        include_str!("../providers/harvest.toml"),
        "harvest.json",
        include_str!("../specs/harvest.json"),
    ),
    (
        "clockify.toml",
        include_str!("../providers/clockify.toml"),
        "clockify.json",
        include_str!("../specs/clockify.json"),
    ),
    (
        "toggl.toml",
        include_str!("../providers/toggl.toml"),
        "toggl.json",
        include_str!("../specs/toggl.json"),
    ),
    (
        "rippling.toml",
        include_str!("../providers/rippling.toml"),
        "rippling.json",
        include_str!("../specs/rippling.json"),
    ),
    (
        "checkr.toml",
        include_str!("../providers/checkr.toml"),
        "checkr.json",
        include_str!("../specs/checkr.json"),
    ),
    (
        "goodhire.toml",
        include_str!("../providers/goodhire.toml"),
        "goodhire.json",
        include_str!("../specs/goodhire.json"),
    ),
    (
        // No published spec: zenefits.json transcribes the documented facts (see the file).
        "zenefits.toml",
        include_str!("../providers/zenefits.toml"),
        "zenefits.json",
        include_str!("../specs/zenefits.json"),
    ),
    (
        // An UNOFFICIAL reconstruction of Justworks' Partner API (see the file).
        "justworks.toml",
        include_str!("../providers/justworks.toml"),
        "justworks.json",
        include_str!("../specs/justworks.json"),
    ),
    (
        // No published spec: trinet.json transcribes the documented facts (see the file).
        "trinet.toml",
        include_str!("../providers/trinet.toml"),
        "trinet.json",
        include_str!("../specs/trinet.json"),
    ),
    (
        // Paychex's published External API (its list answers typed as one record: see the file).
        "paychex.toml",
        include_str!("../providers/paychex.toml"),
        "paychex.json",
        include_str!("../specs/paychex.json"),
    ),
    (
        // Ballerina's 2021 derivation of ADP's API Explorer specs (workers, pay statements,
        // worker lifecycle events), merged: not published by ADP (see the file).
        "adp.toml",
        include_str!("../providers/adp.toml"),
        "adp.json",
        include_str!("../specs/adp.json"),
    ),
    (
        // No published spec: quickbooks.json transcribes Intuit's XSDs and REST docs (see the
        // file).
        "quickbooks.toml",
        include_str!("../providers/quickbooks.toml"),
        "quickbooks.json",
        include_str!("../specs/quickbooks.json"),
    ),
];

/// Every built-in provider, parsed on first use. A built-in file that does not parse is a bug
/// of this build, caught by the tests; it is left out (and logged) rather than taking the app
/// down.
pub fn builtin() -> &'static [BuiltIn] {
    static ALL: OnceLock<Vec<BuiltIn>> = OnceLock::new();
    ALL.get_or_init(|| {
        SOURCES
            .iter()
            .filter_map(|(name, text, spec_name, spec_text)| {
                let file = ProviderFile::parse(name, text)
                    .map_err(|e| tracing::error!("built-in provider file refused: {e}"))
                    .ok()?;
                let spec = Spec::parse(spec_text)
                    .map_err(|e| tracing::error!("built-in spec {spec_name} refused: {e}"))
                    .ok()?;
                Some(BuiltIn { file, spec })
            })
            .collect()
    })
}

impl BuiltIn {
    /// The spec's operation for a method and a path of the file.
    pub fn operation(&self, method: &str, path: &str) -> Option<crate::openapi::Operation<'_>> {
        self.spec
            .operation(method, path, self.file.spec_base_path())
    }

    /// The spec's schema of one record of `stream`: the file's `response_items_schema`, else
    /// the items of the list at the stream's `records` pointer in the success response.
    pub fn item_schema(&self, stream: &crate::file::StreamSpec) -> Option<serde_json::Value> {
        if let Some(p) = &stream.response_items_schema {
            return self.spec.schema_at(p).cloned();
        }
        let op = self.operation(&stream.method, &stream.path)?;
        let mut node = self.spec.resolve(op.response_schema()?);
        if stream.single {
            return Some(node.clone());
        }
        for seg in stream.records.split('/').skip(1) {
            node = self.spec.resolve(node.get("properties")?.get(seg)?);
        }
        node.get("items").map(|i| self.spec.resolve(i).clone())
    }
}

/// The built-in provider `id`.
pub fn builtin_file(id: &str) -> Option<&'static BuiltIn> {
    builtin().iter().find(|b| b.file.id == id)
}

/// The raw sources, for tests that check every file parses.
pub fn sources() -> impl Iterator<Item = (&'static str, &'static str)> {
    SOURCES.iter().map(|(name, text, _, _)| (*name, *text))
}
