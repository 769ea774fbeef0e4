//! Errors: [`ServeError`] for starting and running the server, [`ApiError`]
//! for what a client is told (always JSON, always with a stable `code`).

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// Address asked for.
        addr: SocketAddr,
        /// Underlying error.
        source: std::io::Error,
    },
    /// Reading a file (the configuration) failed.
    #[error("{path}: {source}")]
    Io {
        /// File concerned.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The configuration is invalid.
    #[error("{}invalid serve config: {message}", path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default())]
    Config {
        /// File it came from, when it came from one.
        path: Option<PathBuf>,
        /// What is wrong (toml's messages include line and column).
        message: String,
    },
    /// The model could not be loaded.
    #[error("loading the model failed: {0}")]
    Model(String),
    /// Accepting or serving connections failed.
    #[error("server failed: {0}")]
    Server(std::io::Error),
    /// A worker thread could not be started.
    #[error("cannot start inference worker: {0}")]
    Worker(std::io::Error),
}

/// An error answer. The body is `{"error": {"code", "message", "field"?}}` so
/// clients can branch on `code` and show `message` to people.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code (`queue_full`, `too_many_texts`, …).
    pub code: &'static str,
    /// Human-readable explanation.
    pub message: String,
    /// The request field at fault (`texts[3]`), when there is one.
    pub field: Option<String>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl ApiError {
    /// An error not tied to a request field.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    /// Name the request field at fault.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// The JSON body as a string (used by the response and by tests).
    pub fn body(&self) -> String {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: &self.message,
                field: self.field.as_deref(),
            },
        };
        // Serialising plain strings cannot fail; fall back to a fixed body anyway.
        serde_json::to_string(&body)
            .unwrap_or_else(|_| r#"{"error":{"code":"internal","message":"?"}}"#.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            self.body(),
        )
            .into_response();
        if self.status == StatusCode::TOO_MANY_REQUESTS
            || self.status == StatusCode::SERVICE_UNAVAILABLE
        {
            // Batches finish in milliseconds; a one-second back-off is ample.
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_code_message_and_optional_field() {
        let e = ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "text_too_long", "too long")
            .with_field("texts[2]");
        let v: serde_json::Value = serde_json::from_str(&e.body()).unwrap();
        assert_eq!(v["error"]["code"], "text_too_long");
        assert_eq!(v["error"]["field"], "texts[2]");
        let plain = ApiError::new(StatusCode::NOT_FOUND, "not_found", "x");
        let v: serde_json::Value = serde_json::from_str(&plain.body()).unwrap();
        assert!(v["error"].get("field").is_none());
    }

    #[test]
    fn config_error_names_file_when_known() {
        let e = ServeError::Config {
            path: Some(PathBuf::from("a/serve.toml")),
            message: "bad".into(),
        };
        assert_eq!(e.to_string(), "a/serve.toml: invalid serve config: bad");
        let e = ServeError::Config {
            path: None,
            message: "bad".into(),
        };
        assert_eq!(e.to_string(), "invalid serve config: bad");
    }
}
