//! OpenAI output and error file lines → unified results (reference §1.6, §1.7). The same envelope
//! comes from vLLM `run-batch` and Mistral, so other modules reuse the body readers here.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::error::is_retryable_status;
use crate::model::{FinishReason, OutputPart, ResultError, ResultStatus, UnifiedResponse, UnifiedResult, Usage};
use crate::providers::common::string_field;
use crate::results::LineDecoder;

pub struct OpenAiLineDecoder {
    source: &'static str,
}

impl OpenAiLineDecoder {
    pub fn new(source: &'static str) -> Self {
        OpenAiLineDecoder { source }
    }
}

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(default)]
    custom_id: Option<String>,
    #[serde(borrow, default)]
    response: Option<&'a RawValue>,
    #[serde(borrow, default)]
    error: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct ResponseEnvelope<'a> {
    status_code: Option<u16>,
    request_id: Option<String>,
    #[serde(borrow, default)]
    body: Option<&'a RawValue>,
}

impl LineDecoder for OpenAiLineDecoder {
    fn decode_line(&mut self, line: &[u8], line_number: usize) -> UnifiedResult {
        let text = match std::str::from_utf8(line) {
            Ok(text) => text,
            Err(_) => return malformed(self.source, line_number, None, "the line is not UTF-8", line),
        };
        let parsed: Line = match serde_json::from_str(text) {
            Ok(parsed) => parsed,
            Err(error) => return malformed(self.source, line_number, None, &error.to_string(), line),
        };
        let custom_id = parsed.custom_id.unwrap_or_default();
        let response = parsed.response.filter(|raw| raw.get() != "null");
        let error = parsed.error.filter(|raw| raw.get() != "null");
        let envelope = match response.map(|raw| serde_json::from_str::<ResponseEnvelope>(raw.get())).transpose() {
            Ok(envelope) => envelope,
            Err(error) => return malformed(self.source, line_number, Some(custom_id), &error.to_string(), line),
        };
        let status_code = envelope.as_ref().and_then(|envelope| envelope.status_code);
        let request_id = envelope.as_ref().and_then(|envelope| envelope.request_id.clone());
        let body = envelope.as_ref().and_then(|envelope| envelope.body).filter(|raw| raw.get() != "null");
        let success = error.is_none() && status_code.is_none_or(|code| (200..300).contains(&code));
        match (success, body) {
            (true, Some(body)) => match chat_completion_response(body) {
                Ok(response) => {
                    UnifiedResult { custom_id, status: ResultStatus::Succeeded, response: Some(response), error: None }
                }
                Err(message) => malformed(self.source, line_number, Some(custom_id), &message, line),
            },
            _ => {
                let result_error = line_error(error, body, status_code, request_id, text);
                let status = match result_error.code.as_str() {
                    "batch_expired" => ResultStatus::Expired,
                    "batch_cancelled" | "batch_canceled" => ResultStatus::Cancelled,
                    _ => ResultStatus::Errored,
                };
                UnifiedResult { custom_id, status, response: None, error: Some(result_error) }
            }
        }
    }
}

/// An errored result for a line that could not be read, naming the file's line.
pub fn malformed(
    source: &str,
    line_number: usize,
    custom_id: Option<String>,
    reason: &str,
    line: &[u8],
) -> UnifiedResult {
    let preview: String = String::from_utf8_lossy(line).chars().take(200).collect();
    let raw = serde_json::to_string(&preview).ok().and_then(|text| RawValue::from_string(text).ok());
    UnifiedResult::errored(
        custom_id.unwrap_or_default(),
        ResultError {
            code: "malformed_result_line".into(),
            message: format!("line {line_number} of the {source} result file could not be read: {reason}"),
            http_status: None,
            request_id: None,
            retryable: false,
            raw,
        },
    )
}

/// Reads the error of a line: OpenAI's `{code, message}`, vLLM's `{error: {…, code: int}}` or
/// plain string, or an HTTP error body `{error: {message, type, code}}` in `response.body`.
fn line_error(
    error: Option<&RawValue>,
    body: Option<&RawValue>,
    status_code: Option<u16>,
    request_id: Option<String>,
    line: &str,
) -> ResultError {
    let error_value: Option<Value> = error.and_then(|raw| serde_json::from_str(raw.get()).ok());
    let body_value: Option<Value> = body.and_then(|raw| serde_json::from_str(raw.get()).ok());
    let detail = error_value
        .as_ref()
        .map(|error| match error.get("error") {
            Some(inner) if inner.is_object() => inner.clone(),
            _ => error.clone(),
        })
        .or_else(|| body_value.as_ref().and_then(|body| body.get("error").cloned()));
    let (code, message) = match &detail {
        Some(Value::String(message)) => ("error".to_owned(), message.clone()),
        Some(detail) => {
            let code = match detail.get("code") {
                Some(Value::String(code)) => code.clone(),
                Some(Value::Number(number)) => {
                    detail.get("type").and_then(Value::as_str).map(str::to_owned).unwrap_or_else(|| number.to_string())
                }
                _ => detail.get("type").and_then(Value::as_str).unwrap_or("error").to_owned(),
            };
            let message = detail.get("message").and_then(Value::as_str).unwrap_or("request failed").to_owned();
            (code, message)
        }
        None => match status_code {
            Some(status) => (format!("http_{status}"), format!("the request failed with HTTP {status}")),
            None => ("missing_response".into(), "the line has neither a response nor an error".into()),
        },
    };
    let retryable = match status_code {
        Some(status) if !(200..300).contains(&status) => is_retryable_status(status),
        _ => matches!(code.as_str(), "batch_expired" | "batch_cancelled" | "rate_limit_exceeded" | "server_error"),
    };
    ResultError {
        code,
        message,
        http_status: status_code.filter(|status| !(200..300).contains(status)),
        request_id,
        retryable,
        raw: RawValue::from_string(line.to_owned()).ok(),
    }
}

#[derive(Deserialize)]
struct ChatCompletion {
    id: Option<String>,
    model: Option<String>,
    #[serde(default)]
    choices: Option<Vec<Choice>>,
    usage: Option<OpenAiUsage>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    message: Option<ChoiceMessage>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct ChoiceMessage {
    content: Option<Value>,
    refusal: Option<String>,
    /// Reasoning text from OpenAI-compatible servers (vLLM, DeepSeek-style).
    reasoning_content: Option<String>,
    reasoning: Option<String>,
    /// Mistral sends `"tool_calls": null` when there are none.
    #[serde(default)]
    tool_calls: Option<Vec<ToolCall>>,
}

#[derive(Deserialize)]
struct ToolCall {
    id: Option<String>,
    function: Option<FunctionCall>,
}

#[derive(Deserialize)]
struct FunctionCall {
    name: String,
    /// A JSON string (OpenAI) or already an object (Mistral's spec allows both).
    #[serde(default)]
    arguments: Option<Value>,
}

#[derive(Deserialize)]
pub struct OpenAiUsage {
    // Nullable in some of Mistral's usage objects; a null must not turn a success into an error.
    #[serde(default)]
    prompt_tokens: Option<u64>,
    #[serde(default)]
    completion_tokens: Option<u64>,
    total_tokens: Option<u64>,
    prompt_tokens_details: Option<PromptDetails>,
    completion_tokens_details: Option<CompletionDetails>,
}

#[derive(Deserialize)]
struct PromptDetails {
    cached_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct CompletionDetails {
    reasoning_tokens: Option<u64>,
}

impl From<OpenAiUsage> for Usage {
    fn from(usage: OpenAiUsage) -> Self {
        Usage {
            input_tokens: usage.prompt_tokens.unwrap_or(0),
            output_tokens: usage.completion_tokens.unwrap_or(0),
            total_tokens: usage.total_tokens,
            cache_read_tokens: usage.prompt_tokens_details.and_then(|details| details.cached_tokens),
            cache_write_tokens: None,
            reasoning_tokens: usage.completion_tokens_details.and_then(|details| details.reasoning_tokens),
        }
    }
}

/// Reads a Chat Completions response body (OpenAI, vLLM and Mistral share it).
pub fn chat_completion_response(body: &RawValue) -> Result<UnifiedResponse, String> {
    let completion: ChatCompletion = serde_json::from_str(body.get())
        .map_err(|error| format!("the response body is not a chat completion: {error}"))?;
    let choice = completion.choices.unwrap_or_default().into_iter().next();
    let raw_finish_reason = choice.as_ref().and_then(|choice| choice.finish_reason.clone());
    let mut content = Vec::new();
    if let Some(message) = choice.and_then(|choice| choice.message) {
        if let Some(reasoning) = message.reasoning_content.or(message.reasoning).filter(|text| !text.is_empty()) {
            content.push(OutputPart::Reasoning { text: reasoning, signature: None });
        }
        match message.content {
            Some(Value::String(text)) if !text.is_empty() => content.push(OutputPart::Text { text }),
            // Some compatible servers send content as a list of typed parts; Mistral's reasoning
            // models send `{"type": "thinking", "thinking": [text chunks]}` before the answer.
            Some(Value::Array(parts)) => {
                for part in parts {
                    if let Some(text) = part.get("text").and_then(Value::as_str) {
                        content.push(OutputPart::Text { text: text.to_owned() });
                    } else if let Some(Value::Array(thinking)) = part.get("thinking") {
                        let text: String =
                            thinking.iter().filter_map(|chunk| chunk.get("text").and_then(Value::as_str)).collect();
                        if !text.is_empty() {
                            content.push(OutputPart::Reasoning { text, signature: string_field(&part, "signature") });
                        }
                    }
                }
            }
            _ => {}
        }
        if let Some(refusal) = message.refusal.filter(|text| !text.is_empty()) {
            content.push(OutputPart::Refusal { text: refusal });
        }
        for call in message.tool_calls.unwrap_or_default() {
            let Some(function) = call.function else {
                continue;
            };
            let arguments = match function.arguments {
                Some(Value::String(text)) => serde_json::from_str(&text).unwrap_or(Value::String(text)),
                Some(Value::Null) | None => Value::String(String::new()),
                Some(other) => other,
            };
            content.push(OutputPart::ToolCall { id: call.id, name: function.name, arguments });
        }
    }
    Ok(UnifiedResponse {
        text: joined_text(&content),
        finish_reason: map_finish_reason(raw_finish_reason.as_deref()),
        raw_finish_reason,
        content,
        usage: completion.usage.map(Usage::from),
        model: completion.model,
        id: completion.id,
        raw: body.to_owned(),
    })
}

pub fn joined_text(content: &[OutputPart]) -> String {
    content
        .iter()
        .filter_map(|part| match part {
            OutputPart::Text { text } => Some(text.as_str()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("")
}

/// OpenAI-style finish reasons (also Mistral's and vLLM's).
pub fn map_finish_reason(reason: Option<&str>) -> FinishReason {
    match reason {
        Some("stop") => FinishReason::Stop,
        Some("length") | Some("model_length") => FinishReason::Length,
        Some("tool_calls") | Some("function_call") => FinishReason::ToolCalls,
        Some("content_filter") => FinishReason::ContentFilter,
        _ => FinishReason::Other,
    }
}
