//! Lines of a batch's `results_url` → unified results (reference §2.4; spec
//! `MessageBatchIndividualResponse`): `{"custom_id", "result": {"type": "succeeded" | "errored" |
//! "canceled" | "expired", …}}`.
//!
//! The common line (a succeeded message of text, thinking or tool-use blocks) is read in one pass,
//! message and all, by the scanner of `fast_line.rs`. Any other line is then read in one pass with
//! its `result` ([`OneLine`]); the general reader ([`decode_any_line`]) reads the line, then the
//! result, each from its own text, and is what a line that one pass cannot read whole (any error,
//! no `custom_id`, no `result`) goes to, so that errors keep the reader and the positions they have
//! always had. Past the scanner, the message is read last from its own text. `tests/one_pass.rs`
//! and `fast_line_tests.rs` check that the readers give the general reader's results.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::fast_line::{decode_common_line, scan_common_line, CommonLine};
use super::result_blocks::{blocks, Block};
use crate::model::object_only;
use crate::model::{
    FinishReason, OutputPart, ResultError, ResultStatus, ResultView, UnifiedResponse, UnifiedResult, Usage,
};
use crate::providers::common::string_field;
use crate::providers::lone_surrogates::decoded;
use crate::results::{
    field_names, malformed, no_response_message, says_nothing, BodyProblem, LineDecoder, NO_RESPONSE,
};
use crate::retry::is_retryable_request;
use crate::Provider;

const SOURCE: &str = "anthropic";

pub struct AnthropicLineDecoder;

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct Line<'a> {
    custom_id: Option<String>,
    #[serde(borrow)]
    result: Option<&'a RawValue>,
}
object_only!(deserialize only Line<'a>, "a result line object");

/// [`Line`] with its result read in the same pass, rather than skipped and read again.
#[derive(Deserialize)]
#[serde(remote = "Self")]
struct OneLine<'a> {
    custom_id: Option<String>,
    #[serde(borrow)]
    result: Option<Outcome<'a>>,
}
object_only!(deserialize only OneLine<'a>, "a result line object");

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct Outcome<'a> {
    #[serde(rename = "type")]
    kind: String,
    #[serde(borrow, default)]
    message: Option<&'a RawValue>,
    #[serde(borrow, default)]
    error: Option<&'a RawValue>,
}
object_only!(deserialize only Outcome<'a>, "a `result` object");

impl LineDecoder for AnthropicLineDecoder {
    fn decode_line(&mut self, line: &[u8], line_number: usize) -> UnifiedResult {
        let Ok(text) = crate::byte_scan::utf8_text(line) else {
            return malformed(SOURCE, line_number, None, "the line is not UTF-8", line);
        };
        decode_common_line(text).unwrap_or_else(|| {
            decoded(text, &mut |text| decode_in_one_pass(text).unwrap_or_else(|| decode_any_line(text, line_number)))
        })
    }

    fn decode_view<'line>(
        &mut self,
        line: &'line [u8],
        line_number: usize,
        out: &mut Vec<UnifiedResult>,
    ) -> Option<ResultView<'line>> {
        let text = crate::results::view_text(self, line, line_number, out)?;
        // Each line is one result, passed straight on.
        let result = match scan_common_line(text) {
            Some(CommonLine::View(view)) => return Some(view),
            Some(CommonLine::Result(result)) => result,
            None => decoded(text, &mut |text| {
                decode_in_one_pass(text).unwrap_or_else(|| decode_any_line(text, line_number))
            }),
        };
        out.push(result);
        None
    }
}

/// The result of a line read whole in one pass with its `result`; `None` for any other line (one
/// that cannot be read, or has no `custom_id` or `result`), whose errors the general reader words
/// and places.
pub(super) fn decode_in_one_pass(text: &str) -> Option<UnifiedResult> {
    match serde_json::from_str::<OneLine>(text) {
        Ok(OneLine { custom_id: Some(custom_id), result: Some(outcome) }) => Some(result_of(custom_id, outcome, text)),
        _ => None,
    }
}

/// Reads any line of UTF-8 text: the line, then its result from the result's own text.
pub(super) fn decode_any_line(text: &str, line_number: usize) -> UnifiedResult {
    let line = text.as_bytes();
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
        None => {
            let has = RawValue::from_string(text.to_owned()).map(|raw| field_names(&raw)).unwrap_or_default();
            return BodyProblem {
                status: ResultStatus::Errored,
                code: "missing_response".into(),
                message: format!("the line has no `result` (it has {has})"),
                retryable: is_retryable_request(None, None),
            }
            .into_result(custom_id, text);
        }
    };
    result_of(custom_id, outcome, text)
}

/// The unified result of a line's `result`; `text` is the whole line.
fn result_of(custom_id: String, outcome: Outcome, text: &str) -> UnifiedResult {
    match (outcome.kind.as_str(), outcome.message, outcome.error) {
        ("succeeded", Some(message), _) => match message_response(message) {
            Ok(response) => UnifiedResult::succeeded(custom_id, response),
            Err(problem) => problem.into_result(custom_id, text),
        },
        ("succeeded", None, _) => BodyProblem {
            status: ResultStatus::Errored,
            code: "missing_body".into(),
            message: "the result says succeeded but has no message".into(),
            retryable: true,
        }
        .into_result(custom_id, text),
        ("errored", _, error) => UnifiedResult::errored(custom_id, result_error(error, text)),
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
        (kind, _, _) => BodyProblem::other_kind(
            "unknown_result_type",
            format!("result type \"{kind}\" is not one batch-router knows; the line is kept in `raw`"),
        )
        .into_result(custom_id, text),
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
    UnifiedResult { custom_id, status, response: None, error: Some(error), attribution: None }
}

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct ErrorResponse {
    #[serde(default)]
    error: Option<ErrorDetail>,
    #[serde(default)]
    request_id: Option<String>,
}
object_only!(deserialize only ErrorResponse, "an `error` object");

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct ErrorDetail {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    message: Option<String>,
}
object_only!(deserialize only ErrorDetail, "an `error` object");

/// `{"type": "error", "error": {"type", "message"}, "request_id"}`. Whether it is retryable is the
/// core's one rule: overloaded, API (internal), rate-limit and timeout errors are; invalid requests,
/// authentication, permission and the rest are not. An errored result without an error says nothing
/// about the request, so it counts as never answered (retryable).
fn result_error(raw: Option<&RawValue>, line: &str) -> ResultError {
    // No error, or one that says nothing (`{}`, `{"type": "error", "error": {}}`): the request got
    // no answer, as an OpenAI line of status 0 (`no_response`, retryable).
    let no_answer = |why: &str| ResultError {
        code: NO_RESPONSE.into(),
        message: no_response_message(None, why),
        http_status: None,
        request_id: None,
        retryable: true,
        raw: RawValue::from_string(line.to_owned()).ok(),
    };
    let Some(raw) = raw.filter(|raw| raw.get() != "null") else {
        return no_answer("the result says errored but carries no error");
    };
    let parsed: Option<ErrorResponse> = serde_json::from_str(raw.get()).ok();
    let request_id = parsed.as_ref().and_then(|parsed| parsed.request_id.clone());
    // The documented wrapper `{type: "error", error: {…}}`, or the error object itself.
    let detail = parsed.and_then(|parsed| parsed.error).or_else(|| {
        serde_json::from_str::<ErrorDetail>(raw.get()).ok().filter(|detail| detail.kind.as_deref() != Some("error"))
    });
    let kind = detail.as_ref().and_then(|detail| detail.kind.clone()).filter(|kind| !kind.is_empty());
    let said = detail.and_then(|detail| detail.message).filter(|message| !message.is_empty());
    // The wrapper's own `type: "error"` says only that this is an error.
    let empty = || {
        serde_json::from_str::<serde_json::Value>(raw.get()).is_ok_and(|value| match value.as_object() {
            Some(fields) => {
                fields.iter().all(|(name, value)| (name == "type" && value == "error") || says_nothing(value))
            }
            None => says_nothing(&value),
        })
    };
    if kind.is_none() && said.is_none() && empty() {
        return no_answer("its error is empty");
    }
    let code = kind.unwrap_or_else(|| "error".into());
    let message = said.unwrap_or_else(|| "the request failed without a message".into());
    ResultError {
        retryable: is_retryable_request(None, Some(&code)),
        code,
        message,
        http_status: None,
        request_id,
        raw: Some(raw.to_owned()),
    }
}

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct Message {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    role: Option<String>,
    id: Option<String>,
    model: Option<String>,
    #[serde(default, deserialize_with = "blocks")]
    content: Option<Vec<Block>>,
    stop_reason: Option<String>,
    usage: Option<AnthropicUsage>,
}
object_only!(deserialize only Message, "a `message` object");

/// `Usage`: `input_tokens` alone leaves out the cache reads and writes; the total input is the sum
/// of the three (reference unified-features §6). `output_tokens` include thinking.
#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
pub(super) struct AnthropicUsage {
    #[serde(default)]
    pub(super) input_tokens: Option<u64>,
    #[serde(default)]
    pub(super) output_tokens: Option<u64>,
    #[serde(default)]
    pub(super) cache_read_input_tokens: Option<u64>,
    #[serde(default)]
    pub(super) cache_creation_input_tokens: Option<u64>,
    /// The cache writes split by lifetime: their sum when the single count is absent, and the
    /// 1-hour part, priced apart.
    #[serde(default)]
    pub(super) cache_creation: Option<CacheCreation>,
    #[serde(default)]
    pub(super) output_tokens_details: Option<OutputDetails>,
}
object_only!(deserialize only AnthropicUsage, "a `usage` object");

#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
pub(super) struct CacheCreation {
    #[serde(default)]
    pub(super) ephemeral_5m_input_tokens: Option<u64>,
    #[serde(default)]
    pub(super) ephemeral_1h_input_tokens: Option<u64>,
}
object_only!(deserialize only CacheCreation, "a `cache_creation` object");

#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
pub(super) struct OutputDetails {
    #[serde(default)]
    pub(super) thinking_tokens: Option<u64>,
}
object_only!(deserialize only OutputDetails, "an `output_tokens_details` object");

impl AnthropicUsage {
    /// Whether any count is given: a `usage` without one is no usage (see Gemini's `has_counts`).
    pub(super) fn has_counts(&self) -> bool {
        self.input_tokens.is_some()
            || self.output_tokens.is_some()
            || self.cache_read_input_tokens.is_some()
            || self.cache_creation_input_tokens.is_some()
            || self.cache_creation.is_some()
    }
}

impl From<AnthropicUsage> for Usage {
    // Saturating: counts are whatever the file says, and a sum past u64 must not wrap (or panic).
    fn from(usage: AnthropicUsage) -> Self {
        let one_hour = usage.cache_creation.as_ref().and_then(|split| split.ephemeral_1h_input_tokens);
        let cache_write = usage.cache_creation_input_tokens.or_else(|| {
            let split = usage.cache_creation?;
            Some(split.ephemeral_5m_input_tokens.unwrap_or(0).saturating_add(one_hour.unwrap_or(0)))
        });
        let input = usage
            .input_tokens
            .unwrap_or(0)
            .saturating_add(usage.cache_read_input_tokens.unwrap_or(0))
            .saturating_add(cache_write.unwrap_or(0));
        Usage {
            cache_read_tokens: usage.cache_read_input_tokens,
            cache_write_tokens: cache_write,
            // A part of the writes: never more than their total, whichever count gave it.
            cache_write_1h_tokens: one_hour.zip(cache_write).map(|(one_hour, total)| one_hour.min(total)),
            reasoning_tokens: usage.output_tokens_details.and_then(|details| details.thinking_tokens),
            ..Usage::from_totals(input, usage.output_tokens.unwrap_or(0))
        }
    }
}

/// Reads a Messages API response; `raw` keeps it untouched. A body that is not a message (another
/// `type`, or neither `content` nor `role`) is an error naming what it has.
fn message_response(body: &RawValue) -> Result<UnifiedResponse, BodyProblem> {
    let message: Message = crate::providers::exact_json::read_body(body.get()).map_err(|error| {
        BodyProblem::other_kind("unknown_body", format!("the message is not a readable Messages response: {error}"))
    })?;
    let is_message = match message.kind.as_deref() {
        Some(kind) => kind == "message",
        None => message.content.is_some() && message.role.is_some(),
    };
    if !is_message {
        return Err(BodyProblem::other_kind(
            "unknown_body",
            format!("the result's message is not a Messages response (it has {})", field_names(body)),
        ));
    }
    let content = message.content.unwrap_or_default();
    // As Gemini's reader says of parts it does not read (`google/response.rs`): blocks of other
    // kinds alone (server tool calls and their results, anything newer) would be an empty success.
    // A message with no block at all is an answer (Claude may end a turn with none).
    if !content.is_empty() && content.iter().all(|block| matches!(block, Block::Other)) {
        return Err(BodyProblem::other_kind(
            "unknown_body",
            "no content block of the message is text, thinking or a tool call (blocks such as \
             `server_tool_use` or `web_search_tool_result` are not read); the message is kept in `raw`"
                .to_owned(),
        ));
    }
    let reply =
        Reply { id: message.id, model: message.model, content, stop_reason: message.stop_reason, usage: message.usage };
    Ok(reply.response(body.to_owned()))
}

/// What a unified response keeps of a Messages response (`Message` in the spec): read by
/// [`message_response`], or by the one-pass reader of common lines (`fast_line.rs`).
#[derive(Default)]
pub(super) struct Reply {
    pub(super) id: Option<String>,
    pub(super) model: Option<String>,
    pub(super) content: Vec<Block>,
    pub(super) stop_reason: Option<String>,
    pub(super) usage: Option<AnthropicUsage>,
}

impl Reply {
    /// The unified response, with `raw` the message's text.
    pub(super) fn response(self, raw: Box<RawValue>) -> UnifiedResponse {
        let mut content: Vec<OutputPart> = self
            .content
            .into_iter()
            .filter_map(|block| match block {
                Block::Text { text } => Some(OutputPart::Text { text }),
                Block::Thinking { thinking, signature } => Some(OutputPart::Reasoning {
                    text: thinking,
                    signature,
                    provider: Some(Provider::Anthropic.name().to_owned()),
                }),
                Block::RedactedThinking { data } => {
                    Some(OutputPart::RedactedReasoning { data, provider: Some(Provider::Anthropic.name().to_owned()) })
                }
                Block::ToolUse { id, name, input } => {
                    Some(OutputPart::ToolCall { id, name, arguments: input, signature: None, provider: None })
                }
                Block::Other => None,
            })
            .collect();
        if self.stop_reason.as_deref() == Some("refusal") {
            // Claude refused (reference unified-features §1.2, §8.4): a refusal part after whatever
            // it wrote before stopping, with `stop_details`' explanation and category
            // (`RefusalStopDetails`). Read from `raw` here, for the rare refusal only, so that no
            // other message pays for the field; a value of another shape loses only the words.
            let message = serde_json::from_str::<Value>(raw.get()).unwrap_or_default();
            let detail = |name: &str| string_field(&message["stop_details"], name);
            content.push(OutputPart::Refusal {
                text: detail("explanation").unwrap_or_default(),
                category: detail("category"),
            });
        }
        let text = content
            .iter()
            .filter_map(|part| match part {
                OutputPart::Text { text } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        UnifiedResponse {
            embeddings: None,
            text,
            content,
            finish_reason: finish_reason(self.stop_reason.as_deref()),
            raw_finish_reason: self.stop_reason,
            usage: self.usage.filter(AnthropicUsage::has_counts).map(Usage::from),
            model: self.model,
            id: self.id,
            parsed: None,
            parse_error: None,
            candidates: None,
            raw,
        }
    }
}

/// Anthropic `stop_reason` → the shared finish reason; the raw value is kept beside it. The
/// vocabulary (spec `BetaStopReason`): `model_context_window_exceeded` is the answer cut off where
/// the context window filled up, a token limit as `max_tokens` is ("we exceeded the requested
/// `max_tokens` or the model's maximum"); `pause_turn` (a long turn paused, to be sent back to go
/// on) has no unified word and stays `other`.
pub fn finish_reason(stop_reason: Option<&str>) -> FinishReason {
    match stop_reason {
        Some("end_turn") | Some("stop_sequence") => FinishReason::Stop,
        Some("max_tokens" | "model_context_window_exceeded") => FinishReason::Length,
        Some("tool_use") => FinishReason::ToolCalls,
        Some("refusal") => FinishReason::ContentFilter,
        _ => FinishReason::Other,
    }
}
