//! Errors: start-up problems ([`GatewayError`]) and request failures ([`ApiError`]), which
//! render as JSON:API error objects with the right status code.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::jsonapi::MEDIA_TYPE;

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// The settings are unsafe or malformed.
    #[error("{0}")]
    Config(String),
    /// The address could not be bound.
    #[error("could not listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The TLS certificate could not be made or loaded.
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// The application failed.
    #[error(transparent)]
    App(#[from] maestro_app::AppError),
}

impl From<maestro_store::StoreError> for GatewayError {
    fn from(e: maestro_store::StoreError) -> Self {
        GatewayError::App(e.into())
    }
}

/// A failed request.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Short machine code ("forbidden").
    pub code: &'static str,
    /// Plain-language explanation.
    pub detail: String,
    /// Seconds to wait (429).
    pub retry_after: Option<u64>,
    /// The query parameter at fault, if any.
    pub parameter: Option<String>,
}

impl ApiError {
    /// An error with a status, code and explanation.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            detail: detail.into(),
            retry_after: None,
            parameter: None,
        }
    }

    /// 400 about one query parameter.
    pub fn bad_parameter(parameter: &str, detail: impl Into<String>) -> Self {
        ApiError {
            parameter: Some(parameter.to_owned()),
            ..ApiError::new(StatusCode::BAD_REQUEST, "invalid_parameter", detail)
        }
    }

    /// 404.
    pub fn not_found(detail: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    /// 500, with the cause logged rather than shown.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "gateway request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong inside Integration Maestro; the log has the details",
        )
    }

    /// The JSON:API error document.
    pub fn document(&self) -> serde_json::Value {
        let mut err = json!({
            "status": self.status.as_u16().to_string(),
            "code": self.code,
            "title": self.status.canonical_reason().unwrap_or("Error"),
            "detail": self.detail,
        });
        if let Some(p) = &self.parameter {
            err["source"] = json!({ "parameter": p });
        }
        json!({ "jsonapi": { "version": "1.1" }, "errors": [err] })
    }
}

impl From<maestro_app::AppError> for ApiError {
    fn from(e: maestro_app::AppError) -> Self {
        use maestro_app::ErrorCode;
        match e.code {
            ErrorCode::NotFound => ApiError::not_found(e.message),
            ErrorCode::Validation => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", e.message)
            }
            _ => ApiError::internal(e.message),
        }
    }
}

impl From<maestro_store::StoreError> for ApiError {
    fn from(e: maestro_store::StoreError) -> Self {
        match e {
            maestro_store::StoreError::NotFound(what) => {
                ApiError::not_found(format!("{what} does not exist"))
            }
            other => ApiError::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, self.document().to_string()).into_response();
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE));
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}
