//! A Gemini `GenerateContentResponse` → unified response, and a `Status` → result error
//! (reference §3.5, spec `Candidate`, `UsageMetadata`).
//!
//! Only the first candidate is read (a batch request asks for one unless `candidateCount` says
//! otherwise; `raw` keeps them all). Text parts are joined into `text`; parts marked
//! `thought: true` become reasoning; function calls become tool calls (with an id made up when
//! Gemini gives none, so that a result can be answered in the next turn). Usage: `candidatesTokenCount`
//! excludes thinking, so `outputTokens` is candidates + thoughts (`reasoningTokens` the thoughts);
//! `inputTokens` is `promptTokenCount` (cached content included) + `toolUsePromptTokenCount`, so that
//! input + output = `totalTokenCount`.

use std::mem::take;

use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::json_value_text::compact;
use crate::model::{Candidate, FinishReason, OutputPart, ResultError, UnifiedResponse, Usage};
use crate::providers::common::repeated_index;
use crate::providers::exact_json;
use crate::providers::openai::results::joined_text;
use crate::results::{field_names, no_response_message, says_nothing, BodyProblem, NO_RESPONSE};
use crate::retry::is_retryable_request;
use crate::sort_by_text::sort_by_number;
use crate::Provider;

use super::status::rpc_code_name;
use crate::model::object_only;

#[derive(Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
struct GenerateContentResponse {
    #[serde(default)]
    candidates: Option<Vec<ResponseCandidate>>,
    prompt_feedback: Option<PromptFeedback>,
    usage_metadata: Option<UsageMetadata>,
    model_version: Option<String>,
    response_id: Option<String>,
}
object_only!(deserialize only GenerateContentResponse, "a GenerateContentResponse object");

#[derive(Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
struct ResponseCandidate {
    #[serde(default)]
    index: Option<u32>,
    content: Option<Content>,
    finish_reason: Option<String>,
}
object_only!(deserialize only ResponseCandidate, "a candidate object");

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct Content {
    #[serde(default)]
    parts: Vec<Part>,
}
object_only!(deserialize only Content, "a `content` object");

#[derive(Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
struct Part {
    text: Option<String>,
    #[serde(default)]
    thought: bool,
    thought_signature: Option<String>,
    function_call: Option<FunctionCall>,
}
object_only!(deserialize only Part, "a part object");

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct FunctionCall {
    id: Option<String>,
    name: String,
    #[serde(default, deserialize_with = "exact_json::optional_value")]
    args: Option<Value>,
}
object_only!(deserialize only FunctionCall, "a `functionCall` object");

#[derive(Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
struct PromptFeedback {
    block_reason: Option<String>,
}
object_only!(deserialize only PromptFeedback, "a `promptFeedback` object");

/// The counts the unified usage is made of (also read by `fast_line.rs`).
#[derive(Deserialize, Default)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub(super) struct UsageMetadata {
    #[serde(default, deserialize_with = "count")]
    pub(super) prompt_token_count: Option<u64>,
    #[serde(default, deserialize_with = "count")]
    pub(super) candidates_token_count: Option<u64>,
    #[serde(default, deserialize_with = "count")]
    pub(super) cached_content_token_count: Option<u64>,
    #[serde(default, deserialize_with = "count")]
    pub(super) thoughts_token_count: Option<u64>,
    #[serde(default, deserialize_with = "count")]
    pub(super) tool_use_prompt_token_count: Option<u64>,
}
object_only!(deserialize only UsageMetadata, "a `usageMetadata` object");

/// A token count as a number, or as a string the way proto-JSON writes 64-bit integers.
fn count<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    // A number that is no count (`-5`, `1.5`) is refused, not read as absent (a new-user trial).
    let read = match Option::<Value>::deserialize(deserializer)? {
        Some(Value::Null) | None => return Ok(None),
        Some(Value::Number(number)) => number.as_u64().ok_or(Value::Number(number)),
        Some(Value::String(text)) => text.parse().map_err(|_| Value::String(text)),
        Some(other) => Err(other),
    };
    read.map(Some).map_err(|other| {
        let found = match other {
            Value::Number(_) | Value::String(_) => format!("invalid value: {}", compact(&other)),
            _ => format!("invalid type: {}", crate::results::json_kind(&other)),
        };
        serde::de::Error::custom(format!(
            "{found}, expected a token count (a whole number from 0 up, as a number or a string of digits)"
        ))
    })
}

impl UsageMetadata {
    /// Whether any count is given. `usageMetadata: {}` gives none, and is no usage (not 0 tokens,
    /// which would price a billed request at nothing), as a null or absent `usage` is on every
    /// provider (a new-user trial found 0/0/0 here and no usage on OpenAI).
    pub(super) fn has_counts(&self) -> bool {
        self.prompt_token_count.is_some()
            || self.candidates_token_count.is_some()
            || self.cached_content_token_count.is_some()
            || self.thoughts_token_count.is_some()
            || self.tool_use_prompt_token_count.is_some()
    }
}

impl From<UsageMetadata> for Usage {
    fn from(usage: UsageMetadata) -> Self {
        // Saturating: counts are whatever the file says, and a sum past u64 must not wrap (or panic).
        let input =
            usage.prompt_token_count.unwrap_or(0).saturating_add(usage.tool_use_prompt_token_count.unwrap_or(0));
        let output = usage.candidates_token_count.unwrap_or(0).saturating_add(usage.thoughts_token_count.unwrap_or(0));
        Usage {
            cache_read_tokens: usage.cached_content_token_count,
            reasoning_tokens: usage.thoughts_token_count,
            ..Usage::from_totals(input, output)
        }
    }
}

/// Reads a `GenerateContentResponse`. A prompt blocked before generation (no candidates, a
/// `promptFeedback.blockReason`) is a response whose content is a refusal part, finish reason
/// `content_filter` and the block reason as `rawFinishReason`. A body with none of the response's fields (an
/// embedding, anything unknown) is an error naming what it has.
pub fn generate_content_response(body: &RawValue) -> Result<UnifiedResponse, BodyProblem> {
    let response: GenerateContentResponse = crate::providers::exact_json::read_body(body.get()).map_err(|error| {
        BodyProblem::other_kind(
            "unknown_body",
            format!("the response is not a readable GenerateContentResponse: {error}"),
        )
    })?;
    let known = response.candidates.is_some()
        || response.prompt_feedback.is_some()
        || response.usage_metadata.is_some()
        || response.model_version.is_some()
        || response.response_id.is_some();
    if !known {
        return Err(other_kind(body));
    }
    let block_reason = response.prompt_feedback.and_then(|feedback| feedback.block_reason);
    let all = response.candidates.unwrap_or_default();
    if all.is_empty() && block_reason.is_none() {
        return Err(BodyProblem::other_kind(
            "empty_candidates",
            "the response has no candidate and no block reason: there is no answer to read".to_owned(),
        ));
    }
    // Parts of other kinds (an image's `inlineData`, `executableCode`, `codeExecutionResult`, …)
    // are not read: a body made only of them would be an empty success.
    let mut parts = all.iter().flat_map(|candidate| candidate.content.iter().flat_map(|content| &content.parts));
    if parts.clone().next().is_some() && parts.all(|part| part.text.is_none() && part.function_call.is_none()) {
        return Err(BodyProblem::other_kind(
            "unknown_body",
            "no part of the response is text, a thought or a function call (parts such as an image's \
             `inlineData` or `executableCode` are not read); the response is kept in `raw`"
                .to_owned(),
        ));
    }
    if all.len() > 1 {
        let indexes: Vec<u64> = all.iter().map(|candidate| u64::from(candidate_index(candidate))).collect();
        if let Some((earlier, later)) = repeated_index(&indexes) {
            return Err(BodyProblem::other_kind(
                "unknown_body",
                format!(
                    "candidates[{later}].index: {}, the index of candidates[{earlier}] too (a candidate without \
                     `index` is index 0); each candidate has its own index, so which answer is which cannot be \
                     known; the response is kept in `raw`",
                    indexes[later]
                ),
            ));
        }
    }
    let response_id = response.response_id.as_deref();
    let mut read =
        all.into_iter().enumerate().map(|(position, candidate)| read_candidate(candidate, position, response_id, body));
    let first = read.next();
    let rest = read.collect();
    let read = ReadResponse {
        first,
        rest,
        block_reason,
        usage: response.usage_metadata,
        model_version: response.model_version,
        response_id: response.response_id,
    };
    Ok(unified_response(read, body.to_owned()))
}

/// A `GenerateContentResponse` with its candidates read: what the unified response is made of.
/// Built by [`generate_content_response`], and by the one-pass reader of common lines
/// (`fast_line.rs`), so that both make the unified response with [`unified_response`].
pub(super) struct ReadResponse {
    pub(super) first: Option<Candidate>,
    /// The candidates after the first (`candidateCount` > 1).
    pub(super) rest: Vec<Candidate>,
    /// `promptFeedback.blockReason`: the prompt was blocked.
    pub(super) block_reason: Option<String>,
    pub(super) usage: Option<UsageMetadata>,
    pub(super) model_version: Option<String>,
    pub(super) response_id: Option<String>,
}

/// The unified response of a read `GenerateContentResponse` whose text is `raw`.
pub(super) fn unified_response(read: ReadResponse, raw: Box<RawValue>) -> UnifiedResponse {
    let ReadResponse { mut first, mut rest, block_reason, usage, model_version, response_id } = read;
    let several = !rest.is_empty();
    if several {
        // In the order of their `index` (a body may list candidates in any order), so the first is
        // candidate 0 and `candidates` go 0, 1, 2…; a candidate without an index is index 0.
        rest.splice(0..0, first.take());
        sort_by_number(&mut rest, |candidate| u64::from(candidate.index));
        first = Some(rest.remove(0));
    }
    let first_finish_reason = first.as_ref().map(|first| first.finish_reason);
    // The first candidate's fields are moved out unless the candidates are all kept.
    let (mut content, mut raw_finish_reason, text) = match &mut first {
        Some(first) if several => (first.content.clone(), first.raw_finish_reason.clone(), first.text.clone()),
        Some(first) => (take(&mut first.content), first.raw_finish_reason.take(), take(&mut first.text)),
        None => (Vec::new(), None, String::new()),
    };
    if first.is_none() {
        // A blocked prompt has no candidate: its refusal is the block reason (spec `PromptFeedback`).
        content.extend(
            block_reason.clone().map(|reason| OutputPart::Refusal { text: String::new(), category: Some(reason) }),
        );
    }
    let finish_reason = match (&raw_finish_reason, block_reason) {
        (None, Some(block_reason)) => {
            raw_finish_reason = Some(block_reason);
            FinishReason::ContentFilter
        }
        _ => first_finish_reason.unwrap_or(FinishReason::Other),
    };
    let candidates = several.then(|| first.into_iter().chain(rest).collect());
    UnifiedResponse {
        embeddings: None,
        text,
        finish_reason,
        raw_finish_reason,
        content,
        usage: usage.filter(UsageMetadata::has_counts).map(Usage::from),
        model: model_version,
        id: response_id,
        parsed: None,
        parse_error: None,
        candidates,
        raw,
    }
}

/// A candidate's index: proto3 JSON leaves a field at its default out, so a candidate without
/// `index` is index 0 (spec `Candidate.index`, int32), not its place in the list.
fn candidate_index(candidate: &ResponseCandidate) -> u32 {
    candidate.index.unwrap_or(0)
}

/// One `Candidate` of the response (`candidateCount` > 1 gives several; reference §5).
fn read_candidate(
    candidate: ResponseCandidate,
    position: usize,
    response_id: Option<&str>,
    body: &RawValue,
) -> Candidate {
    let mut content = Vec::new();
    let index = candidate_index(&candidate);
    let mut calls = 0;
    for part in candidate.content.map(|content| content.parts).unwrap_or_default() {
        if let Some(call) = part.function_call {
            let arguments = call.args.unwrap_or_else(|| Value::Object(Default::default()));
            let id =
                call.id.filter(|id| !id.is_empty()).unwrap_or_else(|| generated_call_id(response_id, index, calls));
            calls += 1;
            content.push(OutputPart::ToolCall {
                id: Some(id),
                name: call.name,
                arguments,
                // Gemini 3 refuses the call in a later turn without it (reference §2.3).
                provider: part.thought_signature.as_ref().map(|_| Provider::Google.name().to_owned()),
                signature: part.thought_signature,
            });
        } else if let Some(text) = part.text {
            content.extend(text_part(text, part.thought, part.thought_signature));
        }
    }
    if candidate.finish_reason.as_deref().is_some_and(refused) {
        content.push(OutputPart::Refusal {
            text: finish_message(body, position),
            category: candidate.finish_reason.clone(),
        });
    }
    candidate_of(index, candidate.finish_reason, content)
}

/// The `finishMessage` of the candidate at `position` in `body`'s list (spec `Candidate`), for a
/// refusal's words: read from the body for the rare refusal only, so that no other answer pays for
/// the field; a value of another type gives no words.
fn finish_message(body: &RawValue, position: usize) -> String {
    serde_json::from_str::<Value>(body.get())
        .ok()
        .and_then(|response| {
            Some(response.get("candidates")?.get(position)?.get("finishMessage")?.as_str()?.to_owned())
        })
        .unwrap_or_default()
}

/// Whether a `finishReason` says the answer was withheld on safety or policy grounds: Gemini has no
/// refusal field, and these stops are its refusals (reference unified-features §1.3, §8.4:
/// "`SAFETY`/`PROHIBITED_CONTENT`/`promptFeedback.blockReason` → `refusal` part"), the blocklist,
/// personal-data and image safety stops with them. A recitation stop (`RECITATION`) is no refusal:
/// `content_filter`, without a part.
pub(super) fn refused(finish_reason: &str) -> bool {
    map_finish_reason(Some(finish_reason), false) == FinishReason::ContentFilter
        && !finish_reason.ends_with("RECITATION")
}

/// The output of a `Part` with `text` and no function call: reasoning when it is a thought (with
/// its signature), else the text unless it is empty.
pub(super) fn text_part(text: String, thought: bool, signature: Option<String>) -> Option<OutputPart> {
    if thought {
        Some(OutputPart::Reasoning { text, signature, provider: Some(Provider::Google.name().to_owned()) })
    } else {
        (!text.is_empty()).then_some(OutputPart::Text { text })
    }
}

/// A candidate of `content` read from its parts.
pub(super) fn candidate_of(index: u32, raw_finish_reason: Option<String>, content: Vec<OutputPart>) -> Candidate {
    let has_tool_calls = content.iter().any(|part| matches!(part, OutputPart::ToolCall { .. }));
    Candidate {
        index,
        text: joined_text(&content),
        finish_reason: map_finish_reason(raw_finish_reason.as_deref(), has_tool_calls),
        raw_finish_reason,
        content,
        parsed: None,
        parse_error: None,
    }
}

/// The id of a function call Gemini sent without one (its `FunctionCall.id` is optional, and the
/// Developer API leaves it out; reference unified-features §2.4). A `tool_result` answers a call
/// by id, so a result's content could not be sent back as the next turn without one. Derived from
/// the response id, the candidate and the call's position: unique within a transcript of several
/// turns, and the same when the results are read again. Characters outside `[a-zA-Z0-9_-]` become
/// `_` (the set Anthropic's `tool_use.id` takes, should the transcript go there).
fn generated_call_id(response_id: Option<&str>, candidate: u32, call: usize) -> String {
    let response: String = response_id
        .unwrap_or("")
        .chars()
        .map(|character| if character.is_ascii_alphanumeric() || character == '-' { character } else { '_' })
        .collect();
    if response.is_empty() {
        format!("gemini_call_{candidate}_{call}")
    } else {
        format!("gemini_{response}_{candidate}_{call}")
    }
}

fn other_kind(body: &RawValue) -> BodyProblem {
    let embedding = serde_json::from_str::<Value>(body.get())
        .is_ok_and(|value| value.get("embedding").is_some() || value.get("embeddings").is_some());
    if embedding {
        return BodyProblem::other_kind(
            "embeddings_body",
            "the response is an embedding (an embeddings batch); batch-router does not read embeddings as results yet, it is kept in `raw`".to_owned(),
        );
    }
    BodyProblem::other_kind(
        "unknown_body",
        format!("the response is not a GenerateContentResponse (it has {}); it is kept in `raw`", field_names(body)),
    )
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

/// The error code of a `finishReason` that says the generation failed (spec `Candidate`): a
/// function call that is invalid, unasked for or one too many, an image generation that failed
/// or produced none: `generation_error`, retryable. A thought signature missing from the request
/// is the request's fault: `INVALID_ARGUMENT`, as Google names a bad request. Such an answer is no
/// success ([`crate::results::unless_generation_failed`]).
pub fn failed_generation(reason: &str) -> Option<&'static str> {
    match reason {
        "MALFORMED_FUNCTION_CALL" | "UNEXPECTED_TOOL_CALL" | "TOO_MANY_TOOL_CALLS" | "IMAGE_OTHER" | "NO_IMAGE" => {
            Some(crate::results::GENERATION_ERROR)
        }
        "MISSING_THOUGHT_SIGNATURE" => Some("INVALID_ARGUMENT"),
        _ => None,
    }
}

/// A `google.rpc.Status` `{code, message, details}` as a result error. `code` is the canonical
/// name of the rpc code (`RESOURCE_EXHAUSTED`): from `status` where the error names it (the HTTP
/// form `{code: 499, status: "CANCELLED"}`), else from an rpc `code`; an HTTP code without a name is
/// kept as `http_{code}`. Where there is a name, it decides whether the request may be retried (one
/// name, one answer, whichever HTTP status Google paired it with). `raw` is the line the status
/// came from.
pub fn status_error(status: &Value, raw_line: &str) -> ResultError {
    let number = status.get("code").and_then(Value::as_i64);
    let said = status.get("message").and_then(Value::as_str).filter(|message| !message.is_empty());
    let named = status.get("status").and_then(Value::as_str).filter(|name| !name.is_empty());
    // rpc code 0 is `OK`, and a Status of defaults (`{}`, as proto3 JSON writes it) says nothing:
    // neither is a failure of the request, which got no answer (field case 03; a new-user trial
    // found `code: "OK"`, not retryable). Never the name `OK` for an error.
    if named.is_none() && (number == Some(0) || says_nothing(status)) {
        let why = if number == Some(0) { "its error has code 0, which is OK" } else { "its error is empty" };
        return ResultError {
            code: NO_RESPONSE.to_owned(),
            message: no_response_message(said, why),
            http_status: None,
            request_id: None,
            retryable: true,
            raw: RawValue::from_string(raw_line.to_owned()).ok(),
        };
    }
    let message = said.unwrap_or("the request failed").to_owned();
    let http_status = number.filter(|code| (100..=599).contains(code)).map(|code| code as u16);
    let name = named.map(str::to_owned).or_else(|| number.filter(|_| http_status.is_none()).map(rpc_code_name));
    let (code, retryable) = match name {
        Some(name) => {
            let retryable = is_retryable_request(None, Some(&name));
            (name, retryable)
        }
        None => {
            let code = http_status.map(|status| format!("http_{status}")).unwrap_or_else(|| "error".to_owned());
            let retryable = is_retryable_request(http_status, Some(&code));
            (code, retryable)
        }
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
