//! User-defined connectors: a provider file the owner adds at run time (`maestro connectors add
//! FILE`, or the wizard), mapped with its `fields` tables, runs on the same engine as the
//! built-in ones and is listed beside them. The connectors installed in this process are kept
//! here, so every part of the app sees the same list.

use std::collections::HashMap;
use std::sync::{Mutex, RwLock};

use maestro_kit::file::AuthSpec;
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
    if let Some(message) = insecure_address(&file) {
        return Err(refuse(message));
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

/// The first address of `file` that credentials would reach unencrypted (see
/// [`maestro_http::url_policy`]), explained. A `{field}` placeholder stands for a form value:
/// one in the host cannot be shown to be this computer, so plain http there is refused too.
fn insecure_address(file: &ProviderFile) -> Option<String> {
    let mut addresses = vec![("base_url.production", Some(&file.base_url.production))];
    addresses.push(("base_url.sandbox", file.base_url.sandbox.as_ref()));
    addresses.push(("base_url.auth", file.base_url.auth.as_ref()));
    if let AuthSpec::OAuth2 {
        authorize_url,
        token_url,
        auth_base_url,
        ..
    } = &file.auth
    {
        // A path is joined to the auth host, checked above or at connect time.
        let absolute = |u: &String| !u.starts_with('/');
        addresses.push((
            "auth.authorize_url",
            Some(authorize_url).filter(|u| absolute(u)),
        ));
        addresses.push(("auth.token_url", Some(token_url).filter(|u| absolute(u))));
        addresses.push(("auth.auth_base_url", auth_base_url.as_ref()));
    }
    addresses.into_iter().find_map(|(key, text)| {
        let text = text?;
        match url::Url::parse(&without_placeholders(text)) {
            Err(_) => Some(format!("{key} `{text}` is not an https:// address")),
            Ok(url) => maestro_http::url_policy::require_secure(&url)
                .err()
                .map(|e| format!("{key}: {e}")),
        }
    })
}

/// `text` with every `{placeholder}` replaced by a plain word.
fn without_placeholders(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        match rest[open..].find('}') {
            Some(close) => {
                out.push_str("placeholder");
                rest = &rest[open + close + 1..];
            }
            None => {
                rest = &rest[open..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A user's provider file reading people from `base` with a bearer token, with `auth`
    /// replacing its sign-in section when given.
    fn file(base: &str, auth: Option<&str>) -> String {
        let auth = auth.unwrap_or("[auth]\ntype = \"bearer\"\nfield = \"token\"");
        format!(
            r#"id = "acme-hr-{n}"
name = "Acme HR"
category = "hris"
summary = "People from Acme HR"
docs_url = "https://acme.example/docs"
[base_url]
production = "{base}"
{auth}
[[fields]]
key = "token"
label = "Token"
help = "Settings, API"
secret = true
[[fields]]
key = "host"
label = "Host"
help = "Your Acme address"
[rate_limit]
requests = 10
per_seconds = 1
text = "10/s"
[check]
path = "/me"
account = "/name"
[[streams]]
name = "people"
entities = ["employee"]
path = "/people"
id = "/id"
[streams.fields]
full_name = "/name"
"#,
            // Distinct texts: loaded files are cached by their text.
            n = base.len() + auth.len()
        )
    }

    #[test]
    fn credentials_never_go_over_plain_http_to_another_computer() {
        for base in [
            "https://api.acme.example/v1",
            "https://{host}.acme.example/v1",
            "http://127.0.0.1:8080/v1",
            "http://localhost:3000",
        ] {
            let loaded = load("acme.toml", &file(base, None));
            assert!(loaded.is_ok(), "{base}: {:?}", loaded.err());
        }
        for base in [
            "http://api.acme.example/v1",
            "http://{host}/v1",
            "http://10.0.0.5/api",
            "{host}/v1",
        ] {
            let err = load("acme.toml", &file(base, None))
                .unwrap_err()
                .to_string();
            assert!(err.contains("base_url.production"), "{base}: {err}");
        }
        let err = load("acme.toml", &file("http://api.acme.example", None))
            .unwrap_err()
            .to_string();
        assert!(err.contains("not encrypted"), "{err}");
        let oauth = |authorize: &str, token: &str| {
            format!(
                "[auth]\ntype = \"oauth2\"\nauthorize_url = \"{authorize}\"\ntoken_url = \"{token}\""
            )
        };
        let ok = oauth("/oauth/authorize", "https://login.acme.example/token");
        assert!(load("acme.toml", &file("https://api.acme.example", Some(&ok))).is_ok());
        let bad = oauth("/oauth/authorize", "http://login.acme.example/token");
        let err = load("acme.toml", &file("https://api.acme.example", Some(&bad)))
            .unwrap_err()
            .to_string();
        assert!(err.contains("auth.token_url"), "{err}");
    }
}
