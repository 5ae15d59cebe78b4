//! What several providers share: reading error bodies, JSON helpers.

use serde::Serialize;
use serde_json::Value;

use crate::error::{is_retryable_status, RetryHeaders};
use crate::http::HttpResponse;
use crate::json_value_text::compact;
use crate::model::{ContentPart, ContentPartRef, MessageContent, SystemPrompt, ToolResultContent, UnifiedRequest};
use crate::CoreError;

/// A chat message on the wire, as OpenAI, Mistral and Anthropic shape it: a role and content that is
/// a plain string or a list of the provider's own part type `P`.
#[derive(Serialize)]
pub struct WireMessage<'a, P: Serialize> {
    pub role: &'static str,
    pub content: WireContent<'a, P>,
}

#[derive(Serialize)]
#[serde(untagged)]
pub enum WireContent<'a, P: Serialize> {
    Text(&'a str),
    Parts(Vec<P>),
}

/// A tool message's content as OpenAI and Mistral take it: a string, or its text parts (their
/// specs take only text there), each made by `text_part`.
pub fn tool_result_content<'a, P: Serialize>(
    result: &'a ToolResultContent,
    text_part: impl Fn(&'a str) -> P,
) -> WireContent<'a, P> {
    match &result.content {
        MessageContent::Text(text) => WireContent::Text(text),
        MessageContent::Parts(_) => WireContent::Parts(
            result
                .content
                .parts()
                .into_iter()
                .filter_map(|part| match part {
                    ContentPartRef::Text(text) => Some(text_part(text)),
                    _ => None,
                })
                .collect(),
        ),
    }
}

/// Turns a non-2xx response into a [`CoreError`]. `batch_id` is given for calls about one batch, so
/// that 404 becomes `BatchNotFound`.
pub fn http_error(provider: &str, response: &HttpResponse, batch_id: Option<&str>) -> CoreError {
    let body: Option<Value> = serde_json::from_str(&response.body).ok();
    let request_id = request_id(response, body.as_ref());
    if response.status == 404 {
        if let Some(batch_id) = batch_id {
            return CoreError::BatchNotFound {
                provider: provider.to_owned(),
                batch_id: batch_id.to_owned(),
                request_id,
            };
        }
    }
    let (message, error_type) = match &body {
        Some(body) => error_message(body),
        None => (None, None),
    };
    let message = message.unwrap_or_else(|| {
        let text = response.body.trim();
        if text.is_empty() {
            format!("HTTP {}", response.status)
        } else {
            text.chars().take(500).collect()
        }
    });
    CoreError::Provider {
        provider: provider.to_owned(),
        status: response.status,
        message,
        error_type,
        request_id,
        retryable: is_retryable_status(response.status),
        body: body.map(Box::new),
        retry_headers: RetryHeaders::of(response),
    }
}

/// The message and type from the error shapes the providers use:
/// `{error: {message, type|status}}` (OpenAI, Anthropic, Google) or `{message}`/`{detail}` (Mistral).
fn error_message(body: &Value) -> (Option<String>, Option<String>) {
    let inner = body.get("error").filter(|error| error.is_object()).unwrap_or(body);
    let message = inner
        .get("message")
        .or_else(|| body.get("message"))
        .or_else(|| body.get("detail"))
        // Together's batch errors are `{"error": "<text>"}` (its OpenAPI `BatchErrorResponse`).
        .or_else(|| body.get("error").filter(|error| error.is_string()))
        .map(|value| match value {
            Value::String(text) => text.clone(),
            other => compact(other),
        });
    let error_type = inner
        .get("type")
        .or_else(|| inner.get("status"))
        .or_else(|| inner.get("code"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    (message, error_type)
}

fn request_id(response: &HttpResponse, body: Option<&Value>) -> Option<String> {
    ["x-request-id", "request-id", "x-goog-request-id"]
        .iter()
        .find_map(|name| response.header(name))
        .map(str::to_owned)
        .or_else(|| body?.get("request_id")?.as_str().map(str::to_owned))
}

/// Parses a JSON response body, or says which call's answer was not JSON.
pub fn parse_json(provider: &str, what: &str, response: &HttpResponse) -> Result<Value, CoreError> {
    // A lone surrogate escape (an inline answer cut inside an emoji) is read as U+FFFD.
    super::lone_surrogates::value_of(&response.body)
        .map_err(|error| CoreError::invalid_response(provider, format!("{what}: the body is not JSON ({error})")))
}

/// The first two positions (earlier, later) whose indexes are the same: choices and candidates
/// each have their own index, and which of two with one index is that answer cannot be known.
pub fn repeated_index(indexes: &[u64]) -> Option<(usize, usize)> {
    indexes.iter().enumerate().skip(1).find_map(|(later, index)| {
        indexes[..later].iter().position(|earlier| earlier == index).map(|earlier| (earlier, later))
    })
}

pub fn string_field(value: &Value, name: &str) -> Option<String> {
    value.get(name).and_then(Value::as_str).map(str::to_owned)
}

pub fn u64_field(value: &Value, name: &str) -> u64 {
    match value.get(name) {
        Some(Value::Number(number)) => number.as_u64().unwrap_or(0),
        // Proto-JSON sends int64 as strings.
        Some(Value::String(text)) => text.parse().unwrap_or(0),
        _ => 0,
    }
}

/// Room for a batch's JSONL, so the output is not grown by doubling (each doubling copies all
/// lines written so far, base64 payloads included): per request a fixed allowance for the line's
/// own fields, plus the bytes of its system prompt, texts and media data. Escapes and other fields
/// can still exceed it; then the vector grows as usual.
pub fn jsonl_capacity(requests: &[UnifiedRequest]) -> usize {
    const LINE_ALLOWANCE: usize = 256;
    const PART_ALLOWANCE: usize = 48;
    requests
        .iter()
        .map(|request| {
            let system = match &request.system_prompt {
                Some(SystemPrompt::Text(text)) => text.len(),
                Some(SystemPrompt::Parts(parts)) => parts.iter().map(|part| part.len() + PART_ALLOWANCE).sum(),
                None => 0,
            };
            let messages: usize = request
                .messages
                .iter()
                .map(|message| match &message.content {
                    MessageContent::Text(text) => text.len() + PART_ALLOWANCE,
                    MessageContent::Parts(parts) => parts
                        .iter()
                        .map(|part| {
                            PART_ALLOWANCE
                                + match part {
                                    ContentPart::Text(text) => text.text.len(),
                                    ContentPart::Image(media) | ContentPart::Document(media) => media.data.len(),
                                    _ => 0,
                                }
                        })
                        .sum(),
                })
                .sum();
            LINE_ALLOWANCE + system + messages
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> HttpResponse {
        HttpResponse { status, headers: vec![("x-request-id".into(), "req_9".into())], body: body.into() }
    }

    #[test]
    fn openai_error_body_is_read() {
        let error = http_error(
            "openai",
            &response(
                429,
                r#"{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}"#,
            ),
            None,
        );
        let CoreError::Provider { status, message, error_type, request_id, retryable, .. } = error else { panic!() };
        assert_eq!((status, message.as_str()), (429, "Rate limit reached"));
        assert_eq!(error_type.as_deref(), Some("requests"));
        assert_eq!(request_id.as_deref(), Some("req_9"));
        assert!(retryable);
    }

    #[test]
    fn anthropic_error_body_is_read_and_overloaded_is_retryable() {
        let response = HttpResponse {
            status: 529,
            headers: vec![("request-id".into(), "req_011CSHoEeqs5C35K2UUqR7Fy".into())],
            body: r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#.into(),
        };
        let error = http_error("anthropic", &response, Some("msgbatch_1"));
        let CoreError::Provider { status, message, error_type, request_id, retryable, .. } = error else { panic!() };
        assert_eq!((status, message.as_str()), (529, "Overloaded"));
        assert_eq!(error_type.as_deref(), Some("overloaded_error"));
        assert_eq!(request_id.as_deref(), Some("req_011CSHoEeqs5C35K2UUqR7Fy"));
        assert!(retryable);

        let invalid = HttpResponse {
            status: 400,
            headers: vec![],
            body: r#"{"type":"error","error":{"type":"invalid_request_error","message":"bad"},"request_id":"req_1"}"#
                .into(),
        };
        let CoreError::Provider { error_type, request_id, retryable, .. } = http_error("anthropic", &invalid, None)
        else {
            panic!()
        };
        assert_eq!(
            (error_type.as_deref(), request_id.as_deref(), retryable),
            (Some("invalid_request_error"), Some("req_1"), false)
        );
    }

    #[test]
    fn not_found_about_a_batch_is_batch_not_found() {
        let error = http_error("openai", &response(404, r#"{"error":{"message":"No batch"}}"#), Some("batch_x"));
        assert!(matches!(error, CoreError::BatchNotFound { ref batch_id, .. } if batch_id == "batch_x"));
    }

    #[test]
    fn non_json_body_is_kept_as_message() {
        let error = http_error("mistral", &response(502, "Bad Gateway"), None);
        let CoreError::Provider { message, retryable, .. } = error else { panic!() };
        assert_eq!(message, "Bad Gateway");
        assert!(retryable);
    }
}
