//! Unified request → one Message Batches request line `{"custom_id", "params"}`, where `params` is
//! a Messages API body (reference §2.1, §6; spec `MessageBatchIndividualRequestParams`).

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{json, Value};

use crate::caching::{anthropic_cache_control, part_cache_control};
use crate::conversation_rules::prefill_index;
use crate::media_data::{media_type, payload};
use crate::merge::merged_text;
use crate::model::{
    ContentPartRef, MediaContent, MessageContent, Role, SourceType, SystemPrompt, ToolChoice, ToolChoiceMode,
    UnifiedRequest,
};
use crate::provider_kwargs::sendable;
use crate::providers::common::{WireContent, WireMessage};
use crate::reasoning;
use crate::structured_output::anthropic_output_format;
use crate::tools::{anthropic_redacted, anthropic_tool_use_ids, object_arguments, replayable_signature};
use crate::{CoreError, Endpoint, Provider};

use super::common_line;

/// Sent as `max_tokens` when a request sets no `generationConfig.maxTokens`: Anthropic requires the
/// field. The batch summary carries a warning whenever it is used.
pub const DEFAULT_MAX_TOKENS: u32 = 4096;

#[derive(Serialize)]
struct Line<'a, P: Serialize> {
    custom_id: &'a str,
    params: P,
}

#[derive(Serialize)]
struct Params<'a> {
    model: &'a str,
    max_tokens: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    system: Option<System<'a>>,
    messages: Vec<Message<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    top_p: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    top_k: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stop_sequences: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output_config: Option<OutputConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tools: Option<Vec<WireTool<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_choice: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    thinking: Option<Value>,
    /// The end-user id (spec `Metadata.user_id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<Value>,
    /// The request's own breakpoint, on its last cacheable block (AN-SDK-TS
    /// `MessageCreateParamsBase.cache_control`; reference §4.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    cache_control: Option<Value>,
}

/// A tool (spec `Tool`; `strict` from the TS SDK, reference §2.1).
#[derive(Serialize)]
struct WireTool<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    input_schema: &'a Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    strict: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cache_control: Option<Value>,
}

/// `output_config` (TS SDK `OutputConfig`; reference §1.2): `format` carries the JSON Schema.
#[derive(Serialize)]
struct OutputConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    effort: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum System<'a> {
    Text(&'a str),
    Blocks(Vec<Block<'a>>),
}

type Message<'a> = WireMessage<'a, Block<'a>>;
type Content<'a> = WireContent<'a, Block<'a>>;

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Block<'a> {
    Text {
        text: &'a str,
        /// Spec `CacheControlEphemeral` (reference §4.2).
        #[serde(skip_serializing_if = "Option::is_none")]
        cache_control: Option<Value>,
    },
    Image {
        source: Source<'a>,
        #[serde(skip_serializing_if = "Option::is_none")]
        cache_control: Option<Value>,
    },
    Document {
        source: Source<'a>,
        #[serde(skip_serializing_if = "Option::is_none")]
        cache_control: Option<Value>,
    },
    /// Spec `RequestThinkingBlock`: replayed with its signature, unchanged.
    Thinking {
        thinking: &'a str,
        signature: &'a str,
    },
    RedactedThinking {
        data: &'a str,
    },
    /// Spec `RequestToolUseBlock`: `input` is an object, not a string.
    ToolUse {
        id: String,
        name: &'a str,
        input: std::borrow::Cow<'a, Value>,
    },
    /// Spec `RequestToolResultBlock`.
    ToolResult {
        tool_use_id: String,
        /// A string, or text blocks when the result has several parts (kept apart).
        content: Value,
        #[serde(skip_serializing_if = "Option::is_none")]
        is_error: Option<bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        cache_control: Option<Value>,
    },
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Source<'a> {
    Base64 { media_type: &'a str, data: &'a str },
    Url { url: &'a str },
}

/// Whether the request leaves `max_tokens` to [`DEFAULT_MAX_TOKENS`] (neither
/// `generationConfig.maxTokens` nor `providerKwargs.max_tokens` sets it).
pub fn uses_default_max_tokens(request: &UnifiedRequest) -> bool {
    request.generation_config.as_ref().and_then(|config| config.max_tokens).is_none()
        && !request.provider_kwargs.as_ref().is_some_and(|kwargs| kwargs.contains_key("max_tokens"))
}

/// Appends the request's line (with a trailing newline) to `out`, sent under `custom_id` (the
/// caller's id, or its replacement).
pub fn write_line(request: &UnifiedRequest, custom_id: &str, out: &mut Vec<u8>) -> Result<(), CoreError> {
    if common_line::is_common(request) {
        common_line::write(request, custom_id, out);
        return Ok(());
    }
    write_general_line(request, custom_id, out)
}

/// [`write_line`] through serde's derived writer, for every request (the common ones have their
/// own writer, `common_line`).
pub(super) fn write_general_line(
    request: &UnifiedRequest,
    custom_id: &str,
    out: &mut Vec<u8>,
) -> Result<(), CoreError> {
    let params = params(request);
    let serialize_error = |error: serde_json::Error| {
        CoreError::invalid_batch("requests", format!("request {} could not be serialized: {error}", request.custom_id))
    };
    match &request.provider_kwargs {
        None => serde_json::to_writer(&mut *out, &Line { custom_id, params }).map_err(serialize_error)?,
        Some(kwargs) => {
            let kwargs = sendable(Provider::Anthropic, Endpoint::Chat, kwargs);
            let Some(merged) = merged_text(&params, &kwargs).map_err(serialize_error)? else {
                return Err(CoreError::invalid_batch("requests", "the params did not serialize to a JSON object"));
            };
            serde_json::to_writer(&mut *out, &Line { custom_id, params: merged }).map_err(serialize_error)?;
        }
    }
    out.push(b'\n');
    Ok(())
}

fn params(request: &UnifiedRequest) -> Params<'_> {
    let config = request.generation_config.as_ref();
    Params {
        model: &request.model,
        max_tokens: config.and_then(|config| config.max_tokens).unwrap_or(DEFAULT_MAX_TOKENS),
        system: request.system_prompt.as_ref().map(|system| match system {
            // A breakpoint goes on the last block, so a plain string becomes one text block.
            SystemPrompt::Text(text) if request.system_prompt_cache_control.is_none() => System::Text(text),
            _ => {
                let parts = system.parts();
                let last = parts.len() - 1;
                System::Blocks(
                    parts
                        .into_iter()
                        .enumerate()
                        .map(|(index, text)| Block::Text {
                            text,
                            cache_control: request
                                .system_prompt_cache_control
                                .as_ref()
                                .filter(|_| index == last)
                                .map(anthropic_cache_control),
                        })
                        .collect(),
                )
            }
        }),
        messages: messages(request),
        temperature: config.and_then(|config| config.temperature),
        top_p: config.and_then(|config| config.top_p),
        top_k: config.and_then(|config| config.top_k),
        stop_sequences: config.and_then(|config| config.stop_sequences.as_deref()),
        tools: request.tools.as_ref().map(|tools| {
            tools
                .iter()
                .map(|tool| WireTool {
                    name: &tool.name,
                    description: tool.description.as_deref(),
                    input_schema: &tool.parameters,
                    strict: tool.strict,
                    cache_control: tool.cache_control.as_ref().map(anthropic_cache_control),
                })
                .collect()
        }),
        tool_choice: tool_choice(request),
        output_config: output_config(request),
        thinking: reasoning::anthropic_thinking(request),
        metadata: request.end_user_id.as_ref().map(|id| json!({ "user_id": id })),
        cache_control: request.cache_control.as_ref().map(anthropic_cache_control),
        // Penalties have no Anthropic field: validation refused them, or reported them as left out.
    }
}

/// The messages, with tool results in user turns: every result of one assistant turn in one user
/// message, first, followed by the user's next words when they come right after (reference §2.3:
/// all results in the next user message, `tool_result` blocks first).
fn messages(request: &UnifiedRequest) -> Vec<Message<'_>> {
    let mut messages: Vec<Message> = Vec::with_capacity(request.messages.len());
    let mut previous_role = None;
    let tool_use_ids = anthropic_tool_use_ids(request);
    for (index, message) in request.messages.iter().enumerate() {
        let content = content(&message.content, &tool_use_ids);
        // Anthropic refuses a prefill that ends with whitespace (conversation_rules; the
        // batch summary says it was trimmed).
        let content = if Some(index) == prefill_index(request) { trim_end(content) } else { content };
        let joins_results = previous_role == Some(Role::Tool) && matches!(message.role, Role::Tool | Role::User);
        previous_role = Some(message.role);
        if joins_results {
            if let Some(Message { content: Content::Parts(blocks), .. }) = messages.last_mut() {
                match content {
                    Content::Text(text) => blocks.push(Block::Text { text, cache_control: None }),
                    Content::Parts(more) => blocks.extend(more),
                }
                continue;
            }
        }
        let role = if message.role == Role::Tool { "user" } else { message.role.as_str() };
        messages.push(Message { role, content });
    }
    messages
}

fn output_config(request: &UnifiedRequest) -> Option<OutputConfig> {
    let format = request.response_format.as_ref().and_then(anthropic_output_format);
    let effort = reasoning::anthropic_effort(request);
    (format.is_some() || effort.is_some()).then_some(OutputConfig { format, effort })
}

/// `tool_choice` (TS SDK `ToolChoice*`, reference §2.2): `required` is `any`; one call at most is
/// `disable_parallel_tool_use` on the choice (`auto` when none is given).
fn tool_choice(request: &UnifiedRequest) -> Option<Value> {
    let mut choice = match &request.tool_choice {
        Some(ToolChoice::Mode(ToolChoiceMode::Auto)) => json!({ "type": "auto" }),
        Some(ToolChoice::Mode(ToolChoiceMode::None)) => return Some(json!({ "type": "none" })),
        Some(ToolChoice::Mode(ToolChoiceMode::Required)) => json!({ "type": "any" }),
        Some(ToolChoice::Named { name }) => json!({ "type": "tool", "name": name }),
        None if request.parallel_tool_calls == Some(false) => json!({ "type": "auto" }),
        None => return None,
    };
    if request.parallel_tool_calls == Some(false) {
        choice["disable_parallel_tool_use"] = json!(true);
    }
    Some(choice)
}

fn content<'a>(content: &'a MessageContent, tool_use_ids: &HashMap<String, String>) -> Content<'a> {
    // Every call id is in the map, and validation made each result answer a call.
    let tool_use_id = |id: &str| tool_use_ids.get(id).cloned().unwrap_or_else(|| id.to_owned());
    match content {
        MessageContent::Text(text) => Content::Text(text),
        MessageContent::Parts(given) => Content::Parts(
            content
                .parts()
                .into_iter()
                .zip(given)
                .filter_map(|(part, given)| match part {
                    ContentPartRef::Text(text) => Some(Block::Text {
                        text,
                        cache_control: part_cache_control(given).map(anthropic_cache_control),
                    }),
                    ContentPartRef::Image(media) => source(media).map(|source| Block::Image {
                        source,
                        cache_control: media.cache_control.as_ref().map(anthropic_cache_control),
                    }),
                    ContentPartRef::Document(media) => source(media).map(|source| Block::Document {
                        source,
                        cache_control: media.cache_control.as_ref().map(anthropic_cache_control),
                    }),
                    ContentPartRef::ToolCall(call) => Some(Block::ToolUse {
                        id: tool_use_id(call.id.as_deref().unwrap_or_default()),
                        name: &call.name,
                        // Validation refused arguments that are no JSON object.
                        input: object_arguments(&call.arguments).unwrap_or(std::borrow::Cow::Borrowed(&call.arguments)),
                    }),
                    ContentPartRef::ToolResult(result) => Some(Block::ToolResult {
                        tool_use_id: tool_use_id(&result.tool_call_id),
                        content: result.content_value(|text| json!({"type": "text", "text": text})),
                        is_error: result.is_error,
                        cache_control: result.cache_control.as_ref().map(anthropic_cache_control),
                    }),
                    // Without its signature Anthropic refuses reasoning; validation warned it is left out.
                    ContentPartRef::Reasoning(reasoning) => replayable_signature(
                        reasoning.signature.as_deref(),
                        reasoning.provider.as_deref(),
                        Provider::Anthropic,
                    )
                    .map(|signature| Block::Thinking { thinking: &reasoning.text, signature }),
                    // Another provider's encrypted reasoning: validation warned it is left out.
                    ContentPartRef::RedactedReasoning(redacted) => {
                        anthropic_redacted(redacted).then_some(Block::RedactedThinking { data: &redacted.data })
                    }
                })
                .collect(),
        ),
    }
}

/// The content without whitespace at its end, when it ends with text.
fn trim_end(content: Content<'_>) -> Content<'_> {
    match content {
        Content::Text(text) => Content::Text(text.trim_end()),
        Content::Parts(mut blocks) => {
            if let Some(Block::Text { text, .. }) = blocks.last_mut() {
                *text = text.trim_end();
            }
            Content::Parts(blocks)
        }
    }
}

/// `None` for a source Anthropic cannot take (`file_uri`), which validation refused or reported.
fn source(media: &MediaContent) -> Option<Source<'_>> {
    match media.source_type {
        SourceType::Base64 => {
            Some(Source::Base64 { media_type: media_type(media).unwrap_or_default(), data: payload(media) })
        }
        SourceType::Url => Some(Source::Url { url: &media.data }),
        SourceType::FileUri => None,
    }
}
