//! Chat Completions bodies (OpenAI, vLLM and Mistral share them), legacy text completions (same
//! envelope, `choices[].text`), and their usage (reference unified-features §6).

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::model::object_only;
use crate::model::{Candidate, FinishReason, OutputPart, UnifiedResponse, Usage};
use crate::providers::answer_fields;
use crate::providers::common::string_field;
use crate::providers::exact_json;
use crate::results::BodyProblem;
use crate::sort_by_text::sort_by_number;

#[derive(Deserialize)]
#[serde(remote = "Self")]
pub(super) struct ChatCompletion {
    pub(super) id: Option<String>,
    pub(super) model: Option<String>,
    #[serde(default)]
    pub(super) choices: Option<Vec<Choice>>,
    pub(super) usage: Option<OpenAiUsage>,
}
object_only!(deserialize only ChatCompletion, "a chat completion object");

#[derive(Deserialize)]
#[serde(remote = "Self")]
pub(super) struct Choice {
    #[serde(default)]
    index: Option<u32>,
    #[serde(default)]
    message: Option<ChoiceMessage>,
    /// Text completions (`/v1/completions`) put the text here instead of in a message.
    #[serde(default)]
    text: Option<String>,
    finish_reason: Option<String>,
}
object_only!(deserialize only Choice, "a choice object");

#[derive(Deserialize)]
#[serde(remote = "Self")]
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
object_only!(deserialize only ChoiceMessage, "a `message` object");

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct ToolCall {
    id: Option<String>,
    function: Option<FunctionCall>,
    /// A call of a custom tool: `{name, input}`, its input free text (OpenAI spec
    /// `ChatCompletionMessageCustomToolCall`), read as the Responses `custom_tool_call` is.
    custom: Option<CustomCall>,
}
object_only!(deserialize only ToolCall, "a tool call object");

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct FunctionCall {
    name: String,
    /// A JSON string (OpenAI) or already an object (Mistral's spec allows both).
    #[serde(default, deserialize_with = "exact_json::optional_value")]
    arguments: Option<Value>,
}
object_only!(deserialize only FunctionCall, "a `function` object");

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct CustomCall {
    name: String,
    #[serde(default)]
    input: Option<String>,
}
object_only!(deserialize only CustomCall, "a `custom` object");

/// `CompletionUsage`: `prompt_tokens` already include cached tokens and `completion_tokens` the
/// reasoning tokens, which is what [`Usage`] means. Counts are nullable in some of Mistral's usage
/// objects; a null must not turn a success into an error.
#[derive(Deserialize)]
#[serde(remote = "Self")]
pub struct OpenAiUsage {
    #[serde(default)]
    prompt_tokens: Option<u64>,
    #[serde(default)]
    completion_tokens: Option<u64>,
    #[serde(default)]
    total_tokens: Option<u64>,
    #[serde(default)]
    prompt_tokens_details: Option<PromptDetails>,
    #[serde(default)]
    completion_tokens_details: Option<CompletionDetails>,
}
object_only!(deserialize only OpenAiUsage, "a `usage` object");

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct PromptDetails {
    #[serde(default)]
    cached_tokens: Option<u64>,
    /// GPT-5.6 and later.
    #[serde(default)]
    cache_write_tokens: Option<u64>,
}
object_only!(deserialize only PromptDetails, "a `prompt_tokens_details` object");

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct CompletionDetails {
    #[serde(default)]
    reasoning_tokens: Option<u64>,
}
object_only!(deserialize only CompletionDetails, "a `completion_tokens_details` object");

impl OpenAiUsage {
    /// Whether any count is given: `usage: {}` is no usage, as `usage: null` is (see Gemini's
    /// `has_counts`).
    fn has_counts(&self) -> bool {
        self.prompt_tokens.is_some() || self.completion_tokens.is_some() || self.total_tokens.is_some()
    }
}

impl From<OpenAiUsage> for Usage {
    fn from(usage: OpenAiUsage) -> Self {
        let prompt_details = usage.prompt_tokens_details;
        completion_usage(CompletionCounts {
            prompt: usage.prompt_tokens,
            completion: usage.completion_tokens,
            total: usage.total_tokens,
            cached: prompt_details.as_ref().and_then(|details| details.cached_tokens),
            cache_write: prompt_details.as_ref().and_then(|details| details.cache_write_tokens),
            reasoning: usage.completion_tokens_details.and_then(|details| details.reasoning_tokens),
        })
    }
}

/// The counts of a `CompletionUsage`, as read by either reader of chat bodies.
#[derive(Default)]
pub(super) struct CompletionCounts {
    pub prompt: Option<u64>,
    pub completion: Option<u64>,
    pub total: Option<u64>,
    pub cached: Option<u64>,
    pub cache_write: Option<u64>,
    pub reasoning: Option<u64>,
}

impl CompletionCounts {
    /// Whether any count is given (see [`OpenAiUsage::has_counts`]).
    pub(super) fn has_counts(&self) -> bool {
        self.prompt.is_some() || self.completion.is_some() || self.total.is_some()
    }
}

/// [`Usage`] of a `CompletionUsage`. A missing side is what the total leaves for it. OpenAI counts
/// reasoning inside `completion_tokens`; a compatible provider whose own total shows it counted
/// them beside (`total_tokens` = prompt + completion + reasoning: xAI's older reasoning models, as
/// a trial found and a third-party report describes) has them added, so `outputTokens` is every
/// generated token, reasoning included, as [`Usage`] promises, and `totalTokens` the provider's.
pub(super) fn completion_usage(counts: CompletionCounts) -> Usage {
    let (input, mut output) = match (counts.prompt, counts.completion, counts.total) {
        (None, Some(output), Some(total)) => (total.saturating_sub(output), output),
        (Some(input), None, Some(total)) => (input, total.saturating_sub(input)),
        (input, output, _) => (input.unwrap_or(0), output.unwrap_or(0)),
    };
    if let (Some(prompt), Some(completion), Some(total), Some(reasoning)) =
        (counts.prompt, counts.completion, counts.total, counts.reasoning)
    {
        if reasoning > 0 && prompt.checked_add(completion).and_then(|sum| sum.checked_add(reasoning)) == Some(total) {
            output = completion + reasoning;
        }
    }
    Usage {
        cache_read_tokens: counts.cached,
        cache_write_tokens: counts.cache_write,
        reasoning_tokens: counts.reasoning,
        ..Usage::from_totals(input, output)
    }
}

/// Reads a Chat Completions (or text completion) body. A body without any choice is not an answer.
pub fn chat_completion_response(body: &RawValue) -> Result<UnifiedResponse, BodyProblem> {
    let completion: ChatCompletion = crate::providers::exact_json::read_body(body.get()).map_err(|error| {
        BodyProblem::other_kind("unknown_body", format!("the body is not a readable chat completion: {error}"))
    })?;
    chat_completion_from(completion, body)
}

/// [`chat_completion_response`] of a body already read (`completion`).
pub(super) fn chat_completion_from(
    completion: ChatCompletion,
    body: &RawValue,
) -> Result<UnifiedResponse, BodyProblem> {
    // In the order of their `index` (the field exists to pin it; a body may list choices in any
    // order), so the first is choice 0 and `candidates` go 0, 1, 2…; a choice without an index
    // keeps its place in the list.
    let mut choices: Vec<(usize, Choice)> = completion.choices.unwrap_or_default().into_iter().enumerate().collect();
    sort_by_number(&mut choices, |(position, choice)| choice.index.map_or(*position as u64, u64::from));
    if choices.len() > 1 {
        // The spec requires `index` (`CreateChatCompletionResponse`); two choices with one index
        // cannot be told apart. The sort is stable, so a repeated index follows its first.
        let indexes: Vec<u64> =
            choices.iter().map(|(position, choice)| choice.index.map_or(*position as u64, u64::from)).collect();
        if let Some((earlier, later)) = crate::providers::common::repeated_index(&indexes) {
            let (index, earlier, later) = (indexes[later], choices[earlier].0, choices[later].0);
            return Err(BodyProblem::other_kind(
                "unknown_body",
                format!(
                    "choices[{later}].index: {index}, the index of choices[{earlier}] too; each choice has its own \
                     index, so which answer is which cannot be known"
                ),
            ));
        }
    }
    if choices.is_empty() {
        return Err(BodyProblem::other_kind("empty_choices", "the chat completion has no choices".to_owned()));
    }
    for (position, choice) in &choices {
        let problem = choice.message.as_ref().and_then(|message| {
            message_problem(*position, message).or_else(|| unread_message(*position, message, body))
        });
        if let Some(problem) = problem {
            return Err(BodyProblem::other_kind("unknown_body", problem));
        }
    }
    if choices[0].1.message.is_none() && choices[0].1.text.is_none() {
        return Err(BodyProblem::other_kind(
            "unknown_body",
            "the completion's first choice has neither a message nor text".to_owned(),
        ));
    }
    let several = choices.len() > 1;
    let mut candidates: Vec<Candidate> =
        choices.into_iter().map(|(position, choice)| candidate(position, choice)).collect();
    let first = candidates.remove(0);
    let candidates = several.then(|| {
        let mut all = vec![first.clone()];
        all.append(&mut candidates);
        all
    });
    Ok(UnifiedResponse {
        embeddings: None,
        text: first.text,
        finish_reason: first.finish_reason,
        raw_finish_reason: first.raw_finish_reason,
        content: first.content,
        usage: completion.usage.filter(OpenAiUsage::has_counts).map(Usage::from),
        model: completion.model,
        id: completion.id,
        parsed: None,
        parse_error: None,
        candidates,
        raw: body.to_owned(),
    })
}

/// What makes a choice's message unreadable, said at its path: `content` of a type the spec does
/// not allow (a string, an array of parts, or null), a part that is not an object, a part's text
/// that is not a string, or a tool call of no kind read here. Read as absent, any of these made an
/// empty or partial success.
fn message_problem(position: usize, message: &ChoiceMessage) -> Option<String> {
    let path = || format!("choices[{position}].message");
    if let Some(at) =
        message.tool_calls.iter().flatten().position(|call| call.function.is_none() && call.custom.is_none())
    {
        return Some(format!(
            "{}.tool_calls[{at}]: a tool call with neither `function` nor `custom`, which this reader does not know",
            path()
        ));
    }
    let parts = match message.content.as_ref()? {
        Value::Null | Value::String(_) => return None,
        Value::Array(parts) => parts,
        other => {
            return Some(answer_fields::wrong_type(
                &format!("{}.content", path()),
                other,
                "a string, an array of content parts or null",
            ))
        }
    };
    for (at, part) in parts.iter().enumerate() {
        let part_path = || format!("{}.content[{at}]", path());
        if !part.is_object() {
            return Some(answer_fields::wrong_type(&part_path(), part, "a content part object"));
        }
        let text = answer_fields::text(part, "text", &part_path);
        let text = match text {
            Ok(text) => text,
            Err(problem) => return Some(problem),
        };
        if text.is_none() && part.get("type").and_then(Value::as_str) == Some("text") {
            return Some(format!("{}: a `text` part without its `text`", part_path()));
        }
        if let Err(problem) = answer_fields::text(part, "signature", &part_path) {
            return Some(problem);
        }
        let chunks = match answer_fields::array(part, "thinking", &part_path, "an array of text chunks") {
            Ok(chunks) => chunks.unwrap_or_default(),
            Err(problem) => return Some(problem),
        };
        for (chunk_at, chunk) in chunks.iter().enumerate() {
            let chunk_path = || format!("{}.thinking[{chunk_at}]", part_path());
            if !chunk.is_object() {
                return Some(answer_fields::wrong_type(&chunk_path(), chunk, "a text chunk object"));
            }
            if let Err(problem) = answer_fields::text(chunk, "text", &chunk_path) {
                return Some(problem);
            }
        }
    }
    None
}

/// Why nothing of a choice's message can be read, as Gemini's reader says of parts it does not
/// read (`google/response.rs`): no text (`""` included), refusal, reasoning or tool call, and
/// something this reader does not read (content parts with neither `text` nor `thinking`, an
/// `audio` answer, a legacy `function_call`, any newer field). Read as an empty success, the
/// answer was lost. A message with nothing at all (`content: null`, as a content filter leaves
/// it) is an answer, its finish reason saying why it is empty. The body is read again only for a
/// message that has nothing read.
fn unread_message(position: usize, message: &ChoiceMessage, body: &RawValue) -> Option<String> {
    let read = match &message.content {
        Some(Value::String(_)) => true,
        Some(Value::Array(parts)) => {
            parts.iter().any(|part| part.get("text").is_some() || part.get("thinking").is_some())
        }
        _ => false,
    };
    if read
        || message.refusal.is_some()
        || message.reasoning_content.is_some()
        || message.reasoning.is_some()
        || message.tool_calls.as_ref().is_some_and(|calls| !calls.is_empty())
    {
        return None;
    }
    let value: Value = serde_json::from_str(body.get()).ok()?;
    let fields = value.get("choices")?.get(position)?.get("message")?.as_object()?;
    let (unread, _) =
        fields.iter().find(|(name, value)| name.as_str() != "role" && !crate::results::says_nothing(value))?;
    Some(format!(
        "choices[{position}].message has no text, refusal, reasoning or tool call, only `{unread}`, which is not \
         read; the response is kept in `raw`"
    ))
}

/// One choice as a candidate (`n` > 1 gives several; reference unified-features §5).
fn candidate(position: usize, choice: Choice) -> Candidate {
    let raw_finish_reason = choice.finish_reason.clone();
    let mut content = Vec::new();
    if let Some(message) = choice.message {
        message_parts(message, &mut content);
    } else if let Some(text) = choice.text.filter(|text| !text.is_empty()) {
        content.push(OutputPart::Text { text });
    }
    Candidate {
        index: choice.index.unwrap_or(position as u32),
        text: joined_text(&content),
        finish_reason: refusal_aware(map_finish_reason(raw_finish_reason.as_deref()), &content),
        raw_finish_reason,
        content,
        parsed: None,
        parse_error: None,
    }
}

fn message_parts(message: ChoiceMessage, content: &mut Vec<OutputPart>) {
    if let Some(reasoning) = message.reasoning_content.or(message.reasoning).filter(|text| !text.is_empty()) {
        content.push(OutputPart::Reasoning { text: reasoning, signature: None, provider: None });
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
                        content.push(OutputPart::Reasoning {
                            text,
                            signature: string_field(&part, "signature"),
                            provider: None,
                        });
                    }
                }
            }
        }
        _ => {}
    }
    if let Some(refusal) = message.refusal.filter(|text| !text.is_empty()) {
        content.push(OutputPart::Refusal { text: refusal, category: None });
    }
    // A call with neither a function nor a custom tool is refused by `message_problem`.
    for call in message.tool_calls.unwrap_or_default() {
        let (name, arguments) = match (call.function, call.custom) {
            (Some(function), _) => (function.name, arguments(function.arguments)),
            (None, Some(custom)) => (custom.name, Value::String(custom.input.unwrap_or_default())),
            (None, None) => continue,
        };
        content.push(OutputPart::ToolCall { id: call.id, name, arguments, signature: None, provider: None });
    }
}

/// Tool-call arguments: a JSON string is parsed (kept as the string when it is not JSON).
pub fn arguments(value: Option<Value>) -> Value {
    match value {
        Some(Value::String(text)) => crate::providers::lone_surrogates::value_of(&text).unwrap_or(Value::String(text)),
        Some(Value::Null) | None => Value::String(String::new()),
        Some(other) => other,
    }
}

/// The text parts joined (every provider's `text`): one allocation of the right size and no list
/// of the parts, which `join` needed (a vector allocated and freed per result).
pub fn joined_text(content: &[OutputPart]) -> String {
    let texts = || {
        content.iter().filter_map(|part| match part {
            OutputPart::Text { text } => Some(text.as_str()),
            _ => None,
        })
    };
    let mut joined = String::with_capacity(texts().map(str::len).sum());
    texts().for_each(|text| joined.push_str(text));
    joined
}

/// Whether the model only refused: a refusal part, and no text or tool call.
pub fn only_refused(content: &[OutputPart]) -> bool {
    let has = |wanted: fn(&OutputPart) -> bool| content.iter().any(wanted);
    has(|part| matches!(part, OutputPart::Refusal { .. }))
        && !has(|part| matches!(part, OutputPart::Text { .. } | OutputPart::ToolCall { .. }))
}

/// A refusal is `content_filter` on every endpoint and provider: chat says `stop` with
/// `message.refusal`, Responses says `completed` with a refusal part, Anthropic `refusal`
/// (mapped to `content_filter`, as the AI SDK maps it). The raw reason is kept beside it.
fn refusal_aware(reason: FinishReason, content: &[OutputPart]) -> FinishReason {
    if reason == FinishReason::Stop && only_refused(content) {
        FinishReason::ContentFilter
    } else {
        reason
    }
}

/// The error code of a chat finish reason that says the generation failed: `error` (Mistral,
/// Together and vLLM write it when the model or the engine failed mid-answer; vocabularies below).
/// Such an answer is no success ([`crate::results::unless_generation_failed`]).
pub fn failed_generation(reason: &str) -> Option<&'static str> {
    (reason == "error").then_some(crate::results::GENERATION_ERROR)
}

/// Chat finish reasons of every provider whose answers are chat completions. The vocabularies:
/// OpenAI and Azure OpenAI `stop|length|tool_calls|content_filter|function_call` (OpenAI spec
/// `CreateChatCompletionResponse`); Mistral adds `model_length` and `error` (unified-features §3.4,
/// [MI-SPEC]); Groq `stop|length|tool_calls|function_call` (groq-python
/// `types/chat/chat_completion.py`); Together `stop|eos|length|tool_calls|function_call`
/// (togethercomputer/openapi `FinishReason`), plus `error` and `""` (together-python
/// `types/common.py`); xAI `stop|length|end_turn` (its REST OpenAPI `Choice.finish_reason`) and
/// `tool_calls`; vLLM `stop|length|abort|error|repetition` (vllm `v1/engine/__init__.py`
/// `FINISH_REASON_STRINGS`) and `tool_calls`. Together's `eos` (the end-of-sequence token) and
/// xAI's `end_turn` are natural ends of the turn. An aborted or repetition-stopped answer stays
/// `Other`, with `rawFinishReason` saying which; a failed one (`error`) is an errored result
/// ([`failed_generation`]).
pub fn map_finish_reason(reason: Option<&str>) -> FinishReason {
    match reason {
        Some("stop" | "eos" | "end_turn") => FinishReason::Stop,
        Some("length" | "model_length") => FinishReason::Length,
        Some("tool_calls" | "function_call") => FinishReason::ToolCalls,
        Some("content_filter") => FinishReason::ContentFilter,
        Some("abort" | "error" | "repetition" | "") | None => FinishReason::Other,
        Some(_) => FinishReason::Other,
    }
}
