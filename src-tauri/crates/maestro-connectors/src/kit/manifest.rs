//! A provider file → the [`Manifest`] the registry, the wizard and the scheduler read. The
//! manifest holds `'static` text: a file is made into one once (built-ins at start-up, a
//! user's file when it is added), so the little it keeps is leaked on purpose.

use maestro_core::model::EntityKind;
use maestro_http::RateLimit;
use maestro_kit::ProviderFile;
use maestro_kit::file::{AuthSpec, ClientAuthSpec, KeyLocation};

use crate::manifest::{
    AuthKind, Category, ConfigField, EntitySupport, FieldKind, KeyScheme, Manifest,
};

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

fn leak_slice<T>(v: Vec<T>) -> &'static [T] {
    Box::leak(v.into_boxed_slice())
}

/// The category named in a file.
pub fn category(name: &str) -> Option<Category> {
    Some(match name {
        "payroll" => Category::Payroll,
        "hris" => Category::Hris,
        "benefits" => Category::Benefits,
        "time_tracking" => Category::TimeTracking,
        "background_checks" => Category::BackgroundChecks,
        "accounting" => Category::Accounting,
        "chat" => Category::Chat,
        "e_signature" => Category::ESignature,
        "compliance" => Category::Compliance,
        "custom" => Category::Custom,
        _ => return None,
    })
}

/// The canonical kind named in a file.
pub fn entity_kind(name: &str) -> Option<EntityKind> {
    Some(match name {
        "employee" => EntityKind::Employee,
        "contractor" => EntityKind::Contractor,
        "time_entry" => EntityKind::TimeEntry,
        "department" => EntityKind::Department,
        "location" => EntityKind::Location,
        "compensation" => EntityKind::Compensation,
        "time_off_request" => EntityKind::TimeOffRequest,
        "background_check" => EntityKind::BackgroundCheck,
        "employment" => EntityKind::Employment,
        "candidate" => EntityKind::Candidate,
        "company" => EntityKind::Company,
        "benefit_plan" => EntityKind::BenefitPlan,
        "benefit_enrollment" => EntityKind::BenefitEnrollment,
        "payroll_run" => EntityKind::PayrollRun,
        "pay_statement" => EntityKind::PayStatement,
        _ => return None,
    })
}

/// Makes the manifest of `file`.
pub fn from_file(file: &ProviderFile) -> Result<Manifest, String> {
    let category = category(&file.category)
        .ok_or_else(|| format!("category `{}` is unknown", file.category))?;
    let auth = match &file.auth {
        AuthSpec::ApiKey {
            location: KeyLocation::Header,
            name,
            field,
            prefix,
        } => AuthKind::ApiKey {
            scheme: KeyScheme::Header {
                name: leak(&name.to_ascii_lowercase()),
                field: leak(field),
                prefix: leak(prefix.as_deref().unwrap_or_default()),
            },
        },
        AuthSpec::ApiKey {
            location: KeyLocation::Query,
            name,
            field,
            ..
        } => AuthKind::ApiKey {
            scheme: KeyScheme::Query {
                name: leak(name),
                field: leak(field),
            },
        },
        AuthSpec::Basic {
            username_field,
            password: Some(password),
            ..
        } => AuthKind::ApiKey {
            scheme: KeyScheme::Basic {
                username_field: leak(username_field),
                password: leak(password),
            },
        },
        AuthSpec::Basic {
            username_field,
            password_field: Some(password_field),
            ..
        } => AuthKind::ApiKey {
            scheme: KeyScheme::BasicFields {
                username_field: leak(username_field),
                password_field: leak(password_field),
            },
        },
        AuthSpec::Basic { .. } => return Err("basic auth needs a password".into()),
        AuthSpec::Bearer { field } => AuthKind::ApiKey {
            scheme: KeyScheme::Bearer {
                token_field: leak(field),
            },
        },
        AuthSpec::OAuth2 {
            authorize_url,
            token_url,
            pkce,
            scopes,
            ..
        } => AuthKind::OAuth2 {
            authorize_path: leak(authorize_url),
            token_path: leak(token_url),
            pkce: *pkce,
            scopes: leak_slice(scopes.iter().map(|s| leak(s)).collect()),
        },
        AuthSpec::ClientCredentials {
            token_url,
            client_id_field,
            client_secret_field,
            client_auth,
            method,
            scopes,
            client_certificate,
        } => AuthKind::ApiKey {
            scheme: KeyScheme::ClientCredentials {
                token_url: leak(token_url),
                client_id_field: leak(client_id_field),
                client_secret_field: leak(client_secret_field),
                basic: *client_auth == ClientAuthSpec::Basic,
                get: method == "GET",
                scopes: leak_slice(scopes.iter().map(|s| leak(s)).collect()),
                client_certificate: client_certificate
                    .as_ref()
                    .map(|c| (leak(&c.cert_field), leak(&c.key_field))),
            },
        },
    };
    let config = file
        .fields
        .iter()
        .map(|f| ConfigField {
            key: leak(&f.key),
            label: leak(&f.label),
            help: leak(&f.help),
            kind: if f.secret {
                FieldKind::Secret
            } else {
                FieldKind::Text
            },
            required: f.required,
            pattern: f.pattern.as_deref().map(leak),
            example: f.example.as_deref().map(leak),
            default: f.default.as_deref().map(leak),
            multiline: f.multiline,
        })
        .collect();
    let mut entities: Vec<EntitySupport> = Vec::new();
    for s in &file.streams {
        for e in &s.entities {
            let kind = entity_kind(e).ok_or_else(|| format!("entity `{e}` is unknown"))?;
            if entities.iter().any(|x| x.kind == kind) {
                continue;
            }
            entities.push(EntitySupport {
                kind,
                read: true,
                incremental: s.incremental.is_some() || s.changes.is_some(),
                write: file.writes.iter().any(|w| w == e),
                webhook: file.webhook.is_some(),
            });
        }
    }
    let max_page_size = file
        .streams
        .iter()
        .filter_map(|s| match &s.paginator {
            maestro_kit::file::PaginatorSpec::PageNumber { size, .. }
            | maestro_kit::file::PaginatorSpec::Offset { size, .. }
            | maestro_kit::file::PaginatorSpec::HeaderCursor { size, .. }
            | maestro_kit::file::PaginatorSpec::Query { size, .. } => Some(*size),
            maestro_kit::file::PaginatorSpec::NextUrl { size, .. }
            | maestro_kit::file::PaginatorSpec::LinkHeader { size, .. } => *size,
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let auth_base = match &file.auth {
        AuthSpec::OAuth2 {
            auth_base_url: Some(url),
            ..
        } => Some(leak(url)),
        _ => file.base_url.auth.as_deref().map(leak),
    };
    Ok(Manifest {
        id: leak(&file.id),
        name: leak(&file.name),
        category,
        version: leak(&file.version),
        summary: leak(&file.summary),
        auth,
        config: leak_slice(config),
        entities: leak_slice(entities),
        rate_limit: RateLimit::per_seconds(file.rate_limit.requests, file.rate_limit.per_seconds),
        rate_limit_text: leak(&file.rate_limit.text),
        max_page_size,
        production_base_url: leak(&file.base_url.production),
        sandbox_base_url: file.base_url.sandbox.as_deref().map(leak),
        auth_base_url: auth_base,
        docs_url: leak(&file.docs_url),
    })
}
