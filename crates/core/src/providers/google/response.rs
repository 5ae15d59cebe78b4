//! A Gemini `GenerateContentResponse` → unified response, and a `Status` → result error
//! (reference §3.5, spec `Candidate`, `UsageMetadata`).
//!
//! Only the first candidate is read (a batch request asks for one unless `candidateCount` says
//! otherwise; `raw` keeps them all). Text parts are joined into `text`; parts marked
//! `thought: true` become reasoning; function calls become tool calls. Usage: `outputTokens` is
//! `candidatesTokenCount`, which excludes thinking; thinking is `reasoningTokens`.

use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::error::is_retryable_status;
use crate::model::{FinishReason, OutputPart, ResultError, UnifiedResponse, Usage};
use crate::providers::openai::results::joined_text;

use super::status::rpc_code_name;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GenerateContentResponse {
    #[serde(default)]
    candidates: Vec<Candidate>,
    prompt_feedback: Option<PromptFeedback>,
    usage_metadata: Option<UsageMetadata>,
    model_version: Option<String>,
    response_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Candidate {
    content: Option<Content>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Content {
    #[serde(default)]
    parts: Vec<Part>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Part {
    text: Option<String>,
    #[serde(default)]
    thought: bool,
    thought_signature: Option<String>,
    function_call: Option<FunctionCall>,
}

#[derive(Deserialize)]
struct FunctionCall {
    id: Option<String>,
    name: String,
    #[serde(default)]
    args: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PromptFeedback {
    block_reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UsageMetadata {
    #[serde(default, deserialize_with = "count")]
    prompt_token_count: Option<u64>,
    #[serde(default, deserialize_with = "count")]
    candidates_token_count: Option<u64>,
    #[serde(default, deserialize_with = "count")]
    total_token_count: Option<u64>,
    #[serde(default, deserialize_with = "count")]
    cached_content_token_count: Option<u64>,
    #[serde(default, deserialize_with = "count")]
    thoughts_token_count: Option<u64>,
}

/// A token count as a number, or as a string the way proto-JSON writes 64-bit integers.
fn count<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    match Option::<Value>::deserialize(deserializer)? {
        Some(Value::Number(number)) => Ok(number.as_u64()),
        Some(Value::String(text)) => text.parse().map(Some).map_err(serde::de::Error::custom),
        Some(Value::Null) | None => Ok(None),
        Some(other) => Err(serde::de::Error::custom(format!("a token count, got {other}"))),
    }
}

impl From<UsageMetadata> for Usage {
    fn from(usage: UsageMetadata) -> Self {
        Usage {
            input_tokens: usage.prompt_token_count.unwrap_or(0),
            output_tokens: usage.candidates_token_count.unwrap_or(0),
            total_tokens: usage.total_token_count,
            cache_read_tokens: usage.cached_content_token_count,
            cache_write_tokens: None,
            reasoning_tokens: usage.thoughts_token_count,
        }
    }
}

/// Reads a `GenerateContentResponse`. A prompt blocked before generation (no candidates, a
/// `promptFeedback.blockReason`) is a response with no content, finish reason `content_filter`
/// and the block reason as `rawFinishReason`.
pub fn generate_content_response(body: &RawValue) -> Result<UnifiedResponse, String> {
    let response: GenerateContentResponse = serde_json::from_str(body.get())
        .map_err(|error| format!("the response is not a GenerateContentResponse: {error}"))?;
    let candidate = response.candidates.into_iter().next();
    let mut content = Vec::new();
    let mut raw_finish_reason = None;
    if let Some(candidate) = candidate {
        raw_finish_reason = candidate.finish_reason;
        for part in candidate.content.map(|content| content.parts).unwrap_or_default() {
            if let Some(call) = part.function_call {
                let arguments = call.args.unwrap_or_else(|| Value::Object(Default::default()));
                content.push(OutputPart::ToolCall { id: call.id, name: call.name, arguments });
            } else if let Some(text) = part.text {
                if part.thought {
                    content.push(OutputPart::Reasoning { text, signature: part.thought_signature });
                } else if !text.is_empty() {
                    content.push(OutputPart::Text { text });
                }
            }
        }
    }
    let blocked = response.prompt_feedback.and_then(|feedback| feedback.block_reason);
    let finish_reason = match (&raw_finish_reason, blocked) {
        (None, Some(block_reason)) => {
            raw_finish_reason = Some(block_reason);
            FinishReason::ContentFilter
        }
        _ => {
            let has_tool_calls = content.iter().any(|part| matches!(part, OutputPart::ToolCall { .. }));
            map_finish_reason(raw_finish_reason.as_deref(), has_tool_calls)
        }
    };
    Ok(UnifiedResponse {
        text: joined_text(&content),
        finish_reason,
        raw_finish_reason,
        content,
        usage: response.usage_metadata.map(Usage::from),
        model: response.model_version,
        id: response.response_id,
        raw: body.to_owned(),
    })
}

/// Gemini's `finishReason` in the unified vocabulary. A natural stop that produced function
/// calls is `tool_calls`, as Gemini has no reason of its own for it.
pub fn map_finish_reason(reason: Option<&str>, has_tool_calls: bool) -> FinishReason {
    match reason {
        Some("STOP") | None if has_tool_calls => FinishReason::ToolCalls,
        Some("STOP") => FinishReason::Stop,
        Some("MAX_TOKENS") => FinishReason::Length,
        Some(
            "SAFETY"
            | "RECITATION"
            | "BLOCKLIST"
            | "PROHIBITED_CONTENT"
            | "SPII"
            | "IMAGE_SAFETY"
            | "IMAGE_PROHIBITED_CONTENT"
            | "IMAGE_RECITATION",
        ) => FinishReason::ContentFilter,
        _ => FinishReason::Other,
    }
}

/// A `google.rpc.Status` `{code, message, details}` as a result error. `code` is the canonical
/// name of the rpc code (`RESOURCE_EXHAUSTED`); a code in the HTTP range is kept as `http_{code}`
/// with its HTTP status. `raw` is the line the status came from.
pub fn status_error(status: &Value, raw_line: &str) -> ResultError {
    let number = status.get("code").and_then(Value::as_i64);
    let message = status.get("message").and_then(Value::as_str).unwrap_or("the request failed").to_owned();
    let (code, http_status, retryable) = match number {
        Some(code @ 100..=599) => {
            let status = code as u16;
            (format!("http_{code}"), Some(status), is_retryable_status(status))
        }
        // DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE.
        Some(code) => (rpc_code_name(code), None, matches!(code, 4 | 8 | 10 | 13 | 14)),
        None => ("error".to_owned(), None, false),
    };
    ResultError {
        code,
        message,
        http_status,
        request_id: None,
        retryable,
        raw: RawValue::from_string(raw_line.to_owned()).ok(),
    }
}
