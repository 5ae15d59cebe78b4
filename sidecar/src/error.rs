//! The one error type of the HTTP API. Each answer has OpenAI's error shape
//! `{"error": {"message", "type", "param", "code"}}`; internal failures are logged in full and
//! answered with a generic message, so no path or system detail reaches the client.

use axum::extract::multipart::MultipartError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("No such {kind} object: {id}")]
    NotFound { kind: &'static str, id: String },
    #[error("{message}")]
    InvalidRequest { message: String, param: Option<&'static str>, code: Option<&'static str> },
    #[error("The upload is larger than this server's limit of {limit} bytes.")]
    TooLarge { limit: u64 },
    #[error("Missing or incorrect bearer token.")]
    Unauthorized,
    #[error("Unknown request URL: {method} {path}.")]
    UnknownUrl { method: String, path: String },
    #[error("Method {method} is not allowed on {path}.")]
    MethodNotAllowed { method: String, path: String },
    /// Detail for the log only.
    #[error("The server had an error while processing your request.")]
    Internal(String),
}

impl ApiError {
    pub fn invalid(message: impl Into<String>, param: Option<&'static str>) -> Self {
        ApiError::InvalidRequest { message: message.into(), param, code: None }
    }

    pub fn invalid_with_code(message: impl Into<String>, param: Option<&'static str>, code: &'static str) -> Self {
        ApiError::InvalidRequest { message: message.into(), param, code: Some(code) }
    }

    pub fn file_not_found(id: &str) -> Self {
        ApiError::NotFound { kind: "File", id: id.to_owned() }
    }

    pub fn batch_not_found(id: &str) -> Self {
        ApiError::NotFound { kind: "Batch", id: id.to_owned() }
    }

    fn status(&self) -> StatusCode {
        match self {
            ApiError::NotFound { .. } | ApiError::UnknownUrl { .. } => StatusCode::NOT_FOUND,
            ApiError::InvalidRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn kind_and_code(&self) -> (&'static str, Option<&'static str>, Option<&'static str>) {
        match self {
            ApiError::NotFound { .. } => ("invalid_request_error", None, None),
            ApiError::InvalidRequest { param, code, .. } => ("invalid_request_error", *param, *code),
            ApiError::TooLarge { .. } => ("invalid_request_error", Some("file"), Some("file_too_large")),
            ApiError::Unauthorized => ("invalid_request_error", None, Some("invalid_api_key")),
            ApiError::UnknownUrl { .. } => ("invalid_request_error", None, Some("unknown_url")),
            ApiError::MethodNotAllowed { .. } => ("invalid_request_error", None, Some("method_not_allowed")),
            ApiError::Internal(_) => ("server_error", None, None),
        }
    }

    /// Reads a multipart failure: a body over the limit is a 413, anything else the client's mistake.
    pub fn from_multipart(error: MultipartError, limit: u64) -> Self {
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge { limit }
        } else {
            ApiError::invalid(format!("The multipart body could not be read: {}", error.body_text()), None)
        }
    }
}

impl From<std::io::Error> for ApiError {
    fn from(error: std::io::Error) -> Self {
        ApiError::Internal(format!("I/O error: {error}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            tracing::error!(detail = %detail, "request failed");
        }
        let (kind, param, code) = self.kind_and_code();
        let body = json!({"error": {"message": self.to_string(), "type": kind, "param": param, "code": code}});
        (self.status(), Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn answer(error: ApiError) -> (StatusCode, serde_json::Value) {
        let response = error.into_response();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn internal_errors_do_not_leak_their_detail() {
        let (status, body) = answer(ApiError::Internal("/secret/path: permission denied".into())).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body["error"]["type"], "server_error");
        assert!(!body.to_string().contains("secret"), "{body}");
    }

    #[tokio::test]
    async fn errors_have_openai_shape() {
        let (status, body) = answer(ApiError::invalid_with_code("bad", Some("endpoint"), "invalid_endpoint")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body,
            json!({"error": {"message": "bad", "type": "invalid_request_error", "param": "endpoint",
                             "code": "invalid_endpoint"}})
        );
        let (status, body) = answer(ApiError::file_not_found("file-x")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["error"]["message"], "No such File object: file-x");
        assert_eq!(body["error"]["code"], serde_json::Value::Null);
    }
}
