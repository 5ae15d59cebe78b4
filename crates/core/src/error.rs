//! Errors as data: each has a stable `code` (the serde tag) that the TypeScript package turns into
//! its error classes.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case", rename_all_fields = "camelCase")]
pub enum CoreError {
    /// Bad input, found before anything was sent. `index`/`customId` name the request when the
    /// problem is in one request; `field` is a path inside it (e.g. `messages[0].content`).
    #[error("{}", validation_message(.index, .custom_id, .field, .message))]
    Validation { index: Option<usize>, custom_id: Option<String>, field: String, message: String },
    /// The provider answered with an HTTP error.
    #[error("{provider} API error (HTTP {status}): {message}")]
    Provider {
        provider: String,
        status: u16,
        message: String,
        error_type: Option<String>,
        request_id: Option<String>,
        retryable: bool,
        body: Option<Box<Value>>,
        /// The headers that say when to try again, for the retry policy (`retry.rs`). Boxed, like
        /// `body`, to keep `CoreError` small.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_headers: Option<Box<RetryHeaders>>,
    },
    #[error("{provider} batch {batch_id} was not found")]
    BatchNotFound { provider: String, batch_id: String, request_id: Option<String> },
    #[error("{provider} batch {batch_id} is not complete (status {status})")]
    BatchNotComplete { provider: String, batch_id: String, status: String },
    /// The provider's answer did not have the documented shape.
    #[error("unexpected response from {provider}: {message}")]
    InvalidResponse { provider: String, message: String },
    /// The request never got an HTTP answer (DNS, refused connection, reset).
    #[error("connection error: {message}")]
    Connection { message: String },
    #[error("the operation was aborted")]
    Aborted,
}

/// The headers of an HTTP error that say when to try again, as sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetryHeaders {
    /// `retry-after`: seconds or an HTTP date. Kept as text: reading a date needs the caller's clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<String>,
    /// `retry-after-ms`: milliseconds (OpenAI and Anthropic send it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<String>,
}

impl RetryHeaders {
    /// The retry headers of a response, when it has any.
    pub fn of(response: &crate::http::HttpResponse) -> Option<Box<RetryHeaders>> {
        let headers = RetryHeaders {
            retry_after: response.header("retry-after").map(str::to_owned),
            retry_after_ms: response.header("retry-after-ms").map(str::to_owned),
        };
        (headers != RetryHeaders::default()).then(|| Box::new(headers))
    }
}

fn validation_message(index: &Option<usize>, custom_id: &Option<String>, field: &str, message: &str) -> String {
    let mut text = String::new();
    match (index, custom_id) {
        (Some(index), Some(id)) => text.push_str(&format!("request {index} (customId \"{id}\"): ")),
        (Some(index), None) => text.push_str(&format!("request {index}: ")),
        (None, Some(id)) => text.push_str(&format!("request customId \"{id}\": ")),
        (None, None) => {}
    }
    if !field.is_empty() {
        text.push_str(field);
        text.push_str(": ");
    }
    text.push_str(message);
    text
}

impl CoreError {
    /// A validation error about one field of one request.
    pub fn invalid(index: usize, custom_id: &str, field: impl Into<String>, message: impl Into<String>) -> Self {
        CoreError::Validation {
            index: Some(index),
            custom_id: Some(custom_id.to_owned()),
            field: field.into(),
            message: message.into(),
        }
    }

    /// A validation error about the batch as a whole.
    pub fn invalid_batch(field: impl Into<String>, message: impl Into<String>) -> Self {
        CoreError::Validation { index: None, custom_id: None, field: field.into(), message: message.into() }
    }

    pub fn invalid_response(provider: &str, message: impl Into<String>) -> Self {
        CoreError::InvalidResponse { provider: provider.to_owned(), message: message.into() }
    }

    /// Whether trying the same call again may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            CoreError::Provider { retryable, .. } => *retryable,
            CoreError::Connection { .. } => true,
            _ => false,
        }
    }
}

/// Whether an HTTP status is worth retrying: timeouts, conflicts, rate limits, server errors and
/// Anthropic's 529 "overloaded".
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 409 | 429) || status >= 500
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_message_names_request_and_field() {
        let error = CoreError::invalid(3, "q-3", "generationConfig.temperature", "must be between 0 and 2");
        assert_eq!(
            error.to_string(),
            "request 3 (customId \"q-3\"): generationConfig.temperature: must be between 0 and 2"
        );
    }

    #[test]
    fn errors_serialize_with_a_stable_code() {
        let error =
            CoreError::BatchNotFound { provider: "openai".into(), batch_id: "batch_1".into(), request_id: None };
        let value = serde_json::to_value(&error).unwrap();
        assert_eq!(value["code"], "batch_not_found");
        assert_eq!(value["batchId"], "batch_1");
    }

    #[test]
    fn retryable_statuses() {
        for status in [408, 409, 429, 500, 502, 503, 529] {
            assert!(is_retryable_status(status), "{status}");
        }
        for status in [400, 401, 403, 404, 422] {
            assert!(!is_retryable_status(status), "{status}");
        }
    }
}
