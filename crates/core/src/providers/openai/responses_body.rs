//! Responses API bodies (`/v1/responses` batches; reference endpoints-and-push §2.2–2.4, spec
//! `Response`). Items are read by `type`, never by position: text from `message` items'
//! `output_text` (only the `final_answer` ones when a message says so), refusals, reasoning
//! summaries (or `reasoning_text` content) as reasoning, `encrypted_content` as redacted reasoning,
//! `function_call` and `custom_tool_call` items as tool calls. Built-in tool items and types this
//! reader does not know stay in `raw`.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::model::{FinishReason, OutputPart, ResultStatus, UnifiedResponse, Usage};
use crate::providers::answer_fields;
use crate::providers::common::string_field;
use crate::results::BodyProblem;
use crate::Provider;

use super::chat_body::{arguments, joined_text};
use crate::model::object_only;

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct Response {
    id: Option<String>,
    model: Option<String>,
    status: Option<String>,
    #[serde(default)]
    error: Option<Value>,
    #[serde(default)]
    incomplete_details: Option<IncompleteDetails>,
    #[serde(default)]
    output: Vec<Value>,
    #[serde(default)]
    usage: Option<ResponseUsage>,
}
object_only!(deserialize only Response, "a response object");

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct IncompleteDetails {
    reason: Option<String>,
}
object_only!(deserialize only IncompleteDetails, "an `incomplete_details` object");

/// `ResponseUsage`: `input_tokens` include cached tokens, `output_tokens` the reasoning tokens.
#[derive(Deserialize)]
#[serde(remote = "Self")]
struct ResponseUsage {
    #[serde(default)]
    input_tokens: Option<u64>,
    #[serde(default)]
    output_tokens: Option<u64>,
    #[serde(default)]
    input_tokens_details: Option<InputDetails>,
    #[serde(default)]
    output_tokens_details: Option<OutputDetails>,
}
object_only!(deserialize only ResponseUsage, "a `usage` object");

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct InputDetails {
    #[serde(default)]
    cached_tokens: Option<u64>,
    #[serde(default)]
    cache_write_tokens: Option<u64>,
}
object_only!(deserialize only InputDetails, "an `input_tokens_details` object");

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct OutputDetails {
    #[serde(default)]
    reasoning_tokens: Option<u64>,
}
object_only!(deserialize only OutputDetails, "an `output_tokens_details` object");

impl ResponseUsage {
    /// Whether any count is given: `usage: {}` is no usage, as `usage: null` is (see Gemini's
    /// `has_counts`).
    fn has_counts(&self) -> bool {
        self.input_tokens.is_some() || self.output_tokens.is_some()
    }
}

impl From<ResponseUsage> for Usage {
    fn from(usage: ResponseUsage) -> Self {
        let input = usage.input_tokens_details;
        Usage {
            cache_read_tokens: input.as_ref().and_then(|details| details.cached_tokens),
            cache_write_tokens: input.as_ref().and_then(|details| details.cache_write_tokens),
            reasoning_tokens: usage.output_tokens_details.and_then(|details| details.reasoning_tokens),
            ..Usage::from_totals(usage.input_tokens.unwrap_or(0), usage.output_tokens.unwrap_or(0))
        }
    }
}

/// Reads a `Response` body. `failed` becomes an error with the response's own error code,
/// `cancelled` a cancelled result, `queued`/`in_progress` an error (the response never finished);
/// `completed` and `incomplete` are answers.
pub fn responses_response(body: &RawValue) -> Result<UnifiedResponse, BodyProblem> {
    let response: Response = crate::providers::exact_json::read_body(body.get()).map_err(|error| {
        BodyProblem::other_kind("unknown_body", format!("the body is not a readable Responses object: {error}"))
    })?;
    let status = response.status.as_deref();
    match status {
        Some("failed") => {
            let error = response.error.unwrap_or(Value::Null);
            let code = string_field(&error, "code").unwrap_or_else(|| "response_failed".to_owned());
            let message = string_field(&error, "message").unwrap_or_else(|| "the response failed".to_owned());
            return Err(BodyProblem::failed(code, message));
        }
        Some("cancelled") => {
            return Err(BodyProblem {
                status: ResultStatus::Cancelled,
                code: "response_cancelled".to_owned(),
                message: "the response was cancelled before it finished".to_owned(),
                retryable: true,
            })
        }
        Some(unfinished @ ("queued" | "in_progress")) => {
            return Err(BodyProblem {
                status: ResultStatus::Errored,
                code: "response_not_finished".to_owned(),
                message: format!("the response ended the batch with status \"{unfinished}\""),
                retryable: true,
            })
        }
        _ => {}
    }
    if let Some(problem) = not_an_object(&response.output) {
        return Err(BodyProblem::other_kind("unknown_body", problem));
    }
    if let Some(problem) = nothing_readable(status, &response.output) {
        return Err(BodyProblem::other_kind("unknown_body", problem));
    }
    let (content, text) = output_parts(&response.output);
    let incomplete_reason = response.incomplete_details.and_then(|details| details.reason);
    let finish_reason = finish_reason(status, incomplete_reason.as_deref(), &content, &text);
    Ok(UnifiedResponse {
        embeddings: None,
        text,
        finish_reason,
        raw_finish_reason: incomplete_reason.or(response.status),
        content,
        usage: response.usage.filter(ResponseUsage::has_counts).map(Usage::from),
        model: response.model,
        id: response.id,
        parsed: None,
        parse_error: None,
        candidates: None,
        raw: body.to_owned(),
    })
}

/// `completed` (or no status) + a tool call → `tool_calls`; + a refusal and no answer text (`text`:
/// a commentary message's words are no answer) → `content_filter` (as on chat:
/// `chat_body::only_refused`); else `stop`. `incomplete` → from `incomplete_details.reason`.
fn finish_reason(
    status: Option<&str>,
    incomplete_reason: Option<&str>,
    content: &[OutputPart],
    text: &str,
) -> FinishReason {
    match (status, incomplete_reason) {
        (Some("incomplete"), Some("max_output_tokens")) => FinishReason::Length,
        (Some("incomplete"), Some("content_filter")) => FinishReason::ContentFilter,
        (Some("incomplete"), _) => FinishReason::Other,
        (Some("completed") | None, _) => {
            let has = |wanted: fn(&OutputPart) -> bool| content.iter().any(wanted);
            if has(|part| matches!(part, OutputPart::ToolCall { .. })) {
                FinishReason::ToolCalls
            } else if text.is_empty() && has(|part| matches!(part, OutputPart::Refusal { .. })) {
                FinishReason::ContentFilter
            } else {
                FinishReason::Stop
            }
        }
        _ => FinishReason::Other,
    }
}

/// The first output item, or part of an item's `content` or `summary`, that is not a JSON object,
/// or a field this reader takes from an item or part whose value is of another JSON type than the
/// spec's (`Response.output`), said at its path: such a value has no `type`, or would be read as
/// absent, and skipping it as an item of a newer kind would make an empty or partial answer a success.
fn not_an_object(items: &[Value]) -> Option<String> {
    items.iter().enumerate().find_map(|(at, item)| item_problem(at, item).err())
}

/// Why nothing of the answer can be read from `items`, as Gemini's reader says of parts it does
/// not read (`google/response.rs`): no item is of a kind read here (built-in tool calls such as
/// `web_search_call` or `image_generation_call`, and kinds newer than this reader, stay in `raw`),
/// or only messages whose parts are all of such kinds, or a finished response with no item at all.
/// Such a body would be an empty success. A known item that is empty (a message with empty text,
/// a reasoning item without a summary) is an answer, and so is an `incomplete` response with no
/// item (its finish reason says why).
fn nothing_readable(status: Option<&str>, items: &[Value]) -> Option<String> {
    if items.is_empty() {
        return (status != Some("incomplete")).then(|| {
            "the response has no output item: there is no answer to read; the response is kept in `raw`".to_owned()
        });
    }
    if items.iter().any(readable_item) {
        return None;
    }
    let first = match kind(&items[0]) {
        Some("message") => "a message with parts of other kinds",
        Some(other) => other,
        None => "an item without a type",
    };
    Some(format!(
        "no output item of the response is a message's text or refusal, reasoning or a tool call (the first is \
         {first}, which batch-router does not read); the response is kept in `raw`"
    ))
}

/// Whether [`output_parts`] reads `item`: a message with no parts or a text or refusal part,
/// reasoning, or a function or custom tool call.
fn readable_item(item: &Value) -> bool {
    match kind(item) {
        Some("reasoning" | "function_call" | "custom_tool_call") => true,
        Some("message") => match item.get("content").and_then(Value::as_array) {
            Some(parts) if !parts.is_empty() => {
                parts.iter().any(|part| matches!(kind(part), Some("output_text" | "refusal")))
            }
            _ => true,
        },
        _ => false,
    }
}

/// The string fields read from each item type, and from the parts of its `content` and `summary`.
const ITEM_TEXTS: [(&str, &[&str]); 4] = [
    ("message", &["phase"]),
    ("reasoning", &["encrypted_content"]),
    ("function_call", &["call_id", "id", "name", "arguments"]),
    ("custom_tool_call", &["call_id", "id", "name", "input"]),
];
const PART_TEXTS: [(&str, &str); 4] =
    [("output_text", "text"), ("refusal", "refusal"), ("summary_text", "text"), ("reasoning_text", "text")];

fn item_problem(at: usize, item: &Value) -> Result<(), String> {
    let path = || format!("output[{at}]");
    if !item.is_object() {
        return Err(format!("the response's output item {at} is not a JSON object"));
    }
    let item_type = answer_fields::text(item, "type", &path)?;
    let Some((_, fields)) = ITEM_TEXTS.iter().find(|(name, _)| Some(*name) == item_type) else { return Ok(()) };
    for field in *fields {
        answer_fields::text(item, field, &path)?;
    }
    for field in ["content", "summary"] {
        if item_type == Some("message") && field == "summary" {
            continue;
        }
        let parts = answer_fields::array(item, field, &path, "an array of parts")?.unwrap_or_default();
        if let Some(part) = parts.iter().position(|part| !part.is_object()) {
            return Err(format!(
                "the response's output item {at} has a `{field}` part ({part}) that is not a JSON object"
            ));
        }
        for (part_at, part) in parts.iter().enumerate() {
            let part_path = || format!("{}.{field}[{part_at}]", path());
            let part_type = answer_fields::text(part, "type", &part_path)?;
            if let Some((_, key)) = PART_TEXTS.iter().find(|(name, _)| Some(*name) == part_type) {
                answer_fields::text(part, key, &part_path)?;
            }
        }
    }
    Ok(())
}

/// Every item read, in order, and the answer's text: the text of the `final_answer` messages when
/// a message has that phase, else of every message (endpoints-and-push §2.3). A `commentary`
/// message (the model's words between tool calls) stays in the content, which is the turn as the
/// model gave it and is sent back as is.
fn output_parts(items: &[Value]) -> (Vec<OutputPart>, String) {
    let prefers_final = items
        .iter()
        .any(|item| kind(item) == Some("message") && string_field(item, "phase").as_deref() == Some("final_answer"));
    let mut content = Vec::new();
    let mut text = String::new();
    for item in items {
        match kind(item) {
            Some("message") => {
                let first = content.len();
                message_parts(item, &mut content);
                if !prefers_final || string_field(item, "phase").as_deref() == Some("final_answer") {
                    text.push_str(&joined_text(&content[first..]));
                }
            }
            Some("reasoning") => reasoning_parts(item, &mut content),
            Some("function_call") => content.push(OutputPart::ToolCall {
                id: string_field(item, "call_id").or_else(|| string_field(item, "id")),
                name: string_field(item, "name").unwrap_or_default(),
                arguments: arguments(item.get("arguments").cloned()),
                signature: None,
                provider: None,
            }),
            Some("custom_tool_call") => content.push(OutputPart::ToolCall {
                id: string_field(item, "call_id").or_else(|| string_field(item, "id")),
                name: string_field(item, "name").unwrap_or_default(),
                arguments: item.get("input").cloned().unwrap_or(Value::String(String::new())),
                signature: None,
                provider: None,
            }),
            // Built-in tool calls and anything newer: kept in `raw` only.
            _ => {}
        }
    }
    (content, text)
}

fn message_parts(item: &Value, content: &mut Vec<OutputPart>) {
    for part in item.get("content").and_then(Value::as_array).into_iter().flatten() {
        match kind(part) {
            Some("output_text") => {
                if let Some(text) = string_field(part, "text").filter(|text| !text.is_empty()) {
                    content.push(OutputPart::Text { text });
                }
            }
            Some("refusal") => {
                if let Some(text) = string_field(part, "refusal").filter(|text| !text.is_empty()) {
                    content.push(OutputPart::Refusal { text, category: None });
                }
            }
            _ => {}
        }
    }
}

/// The summary texts joined (the `reasoning_text` content when there is no summary, as
/// open-weight models return), then the encrypted reasoning to send back in a later turn.
fn reasoning_parts(item: &Value, content: &mut Vec<OutputPart>) {
    let texts = |field: &str, part_type: &str| -> Vec<String> {
        item.get(field)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|part| kind(part) == Some(part_type))
            .filter_map(|part| string_field(part, "text"))
            .filter(|text| !text.is_empty())
            .collect()
    };
    let mut text = texts("summary", "summary_text");
    if text.is_empty() {
        text = texts("content", "reasoning_text");
    }
    if !text.is_empty() {
        content.push(OutputPart::Reasoning { text: text.join("\n\n"), signature: None, provider: None });
    }
    if let Some(data) = string_field(item, "encrypted_content").filter(|data| !data.is_empty()) {
        content.push(OutputPart::RedactedReasoning { data, provider: Some(Provider::OpenAI.name().to_owned()) });
    }
}

fn kind(value: &Value) -> Option<&str> {
    value.get("type").and_then(Value::as_str)
}
