//! Lines of a batch's `results_url` → unified results (reference §2.4; spec
//! `MessageBatchIndividualResponse`): `{"custom_id", "result": {"type": "succeeded" | "errored" |
//! "canceled" | "expired", …}}`.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::model::{FinishReason, OutputPart, ResultError, ResultStatus, UnifiedResponse, UnifiedResult, Usage};
use crate::providers::openai::malformed;
use crate::results::LineDecoder;

const SOURCE: &str = "anthropic";

pub struct AnthropicLineDecoder;

#[derive(Deserialize)]
struct Line<'a> {
    custom_id: Option<String>,
    #[serde(borrow)]
    result: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Outcome<'a> {
    #[serde(rename = "type")]
    kind: String,
    #[serde(borrow, default)]
    message: Option<&'a RawValue>,
    #[serde(borrow, default)]
    error: Option<&'a RawValue>,
}

impl LineDecoder for AnthropicLineDecoder {
    fn decode_line(&mut self, line: &[u8], line_number: usize) -> UnifiedResult {
        let Ok(text) = std::str::from_utf8(line) else {
            return malformed(SOURCE, line_number, None, "the line is not UTF-8", line);
        };
        let parsed: Line = match serde_json::from_str(text) {
            Ok(parsed) => parsed,
            Err(error) => return malformed(SOURCE, line_number, None, &error.to_string(), line),
        };
        let Some(custom_id) = parsed.custom_id else {
            return malformed(SOURCE, line_number, None, "the line has no `custom_id`", line);
        };
        let outcome = match parsed.result.map(|raw| serde_json::from_str::<Outcome>(raw.get())) {
            Some(Ok(outcome)) => outcome,
            Some(Err(error)) => return malformed(SOURCE, line_number, Some(custom_id), &error.to_string(), line),
            None => return malformed(SOURCE, line_number, Some(custom_id), "the line has no `result`", line),
        };
        match (outcome.kind.as_str(), outcome.message, outcome.error) {
            ("succeeded", Some(message), _) => match message_response(message) {
                Ok(response) => {
                    UnifiedResult { custom_id, status: ResultStatus::Succeeded, response: Some(response), error: None }
                }
                Err(reason) => malformed(SOURCE, line_number, Some(custom_id), &reason, line),
            },
            ("errored", _, Some(error)) => UnifiedResult::errored(custom_id, result_error(error)),
            ("canceled", _, _) => ended_early(
                custom_id,
                ResultStatus::Cancelled,
                "batch_cancelled",
                "the batch was cancelled before this request was processed",
            ),
            ("expired", _, _) => ended_early(
                custom_id,
                ResultStatus::Expired,
                "batch_expired",
                "the batch's 24-hour window ended before this request was processed",
            ),
            (kind, _, _) => {
                let reason = format!("result type \"{kind}\" without its documented fields, or unknown");
                malformed(SOURCE, line_number, Some(custom_id), &reason, line)
            }
        }
    }
}

/// Cancelled and expired requests were never run: sending them again may succeed.
fn ended_early(custom_id: String, status: ResultStatus, code: &str, message: &str) -> UnifiedResult {
    let error = ResultError {
        code: code.into(),
        message: message.into(),
        http_status: None,
        request_id: None,
        retryable: true,
        raw: None,
    };
    UnifiedResult { custom_id, status, response: None, error: Some(error) }
}

#[derive(Deserialize)]
struct ErrorResponse {
    #[serde(default)]
    error: Option<ErrorDetail>,
    #[serde(default)]
    request_id: Option<String>,
}

#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// `{"type": "error", "error": {"type", "message"}, "request_id"}`. Only an invalid request needs
/// fixing before it is sent again; every other error type may pass on a retry (reference §2.4).
fn result_error(raw: &RawValue) -> ResultError {
    let parsed: Option<ErrorResponse> = serde_json::from_str(raw.get()).ok();
    let request_id = parsed.as_ref().and_then(|parsed| parsed.request_id.clone());
    let detail = parsed.and_then(|parsed| parsed.error);
    let code = detail.as_ref().and_then(|detail| detail.kind.clone()).unwrap_or_else(|| "error".into());
    let message =
        detail.and_then(|detail| detail.message).unwrap_or_else(|| "the request failed without a message".into());
    ResultError {
        retryable: code != "invalid_request_error",
        code,
        message,
        http_status: None,
        request_id,
        raw: Some(raw.to_owned()),
    }
}

#[derive(Deserialize)]
struct Message {
    id: Option<String>,
    model: Option<String>,
    #[serde(default)]
    content: Vec<Block>,
    stop_reason: Option<String>,
    usage: Option<AnthropicUsage>,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Block {
    Text {
        text: String,
    },
    Thinking {
        thinking: String,
        #[serde(default)]
        signature: Option<String>,
    },
    RedactedThinking {
        data: String,
    },
    ToolUse {
        #[serde(default)]
        id: Option<String>,
        name: String,
        #[serde(default)]
        input: Value,
    },
    /// Server tool calls and their results, citations blocks and anything newer stay in `raw`.
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct AnthropicUsage {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
    cache_read_input_tokens: Option<u64>,
    cache_creation_input_tokens: Option<u64>,
}

/// Reads a Messages API response; `raw` keeps it untouched.
fn message_response(body: &RawValue) -> Result<UnifiedResponse, String> {
    let message: Message =
        serde_json::from_str(body.get()).map_err(|error| format!("the message is not a Messages response: {error}"))?;
    let content: Vec<OutputPart> = message
        .content
        .into_iter()
        .filter_map(|block| match block {
            Block::Text { text } => Some(OutputPart::Text { text }),
            Block::Thinking { thinking, signature } => Some(OutputPart::Reasoning { text: thinking, signature }),
            Block::RedactedThinking { data } => Some(OutputPart::RedactedReasoning { data }),
            Block::ToolUse { id, name, input } => Some(OutputPart::ToolCall { id, name, arguments: input }),
            Block::Other => None,
        })
        .collect();
    let text = content
        .iter()
        .filter_map(|part| match part {
            OutputPart::Text { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    Ok(UnifiedResponse {
        text,
        content,
        finish_reason: finish_reason(message.stop_reason.as_deref()),
        raw_finish_reason: message.stop_reason,
        usage: message.usage.map(|usage| Usage {
            input_tokens: usage.input_tokens,
            output_tokens: usage.output_tokens,
            // Anthropic reports no total; its input count excludes cached tokens.
            total_tokens: None,
            cache_read_tokens: usage.cache_read_input_tokens,
            cache_write_tokens: usage.cache_creation_input_tokens,
            reasoning_tokens: None,
        }),
        model: message.model,
        id: message.id,
        raw: body.to_owned(),
    })
}

/// Anthropic `stop_reason` → the shared finish reason; the raw value is kept beside it.
pub fn finish_reason(stop_reason: Option<&str>) -> FinishReason {
    match stop_reason {
        Some("end_turn") | Some("stop_sequence") => FinishReason::Stop,
        Some("max_tokens") => FinishReason::Length,
        Some("tool_use") => FinishReason::ToolCalls,
        Some("refusal") => FinishReason::ContentFilter,
        _ => FinishReason::Other,
    }
}
