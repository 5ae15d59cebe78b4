//! Unified request → one Message Batches request line `{"custom_id", "params"}`, where `params` is
//! a Messages API body (reference §2.1, §6; spec `MessageBatchIndividualRequestParams`).

use serde::Serialize;
use serde_json::Value;

use crate::conversation_rules::prefill_index;
use crate::media_data::{media_type, payload};
use crate::merge::deep_merge;
use crate::model::{ContentPartRef, MediaContent, MessageContent, SourceType, SystemPrompt, UnifiedRequest};
use crate::provider_kwargs::sendable;
use crate::providers::common::{WireContent, WireMessage};
use crate::structured_output::anthropic_output_format;
use crate::{CoreError, Provider};

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
}

/// `output_config` (TS SDK `OutputConfig`; reference §1.2): `format` carries the JSON Schema.
#[derive(Serialize)]
struct OutputConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<Value>,
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
    Text { text: &'a str },
    Image { source: Source<'a> },
    Document { source: Source<'a> },
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
    let params = params(request);
    let serialize_error = |error: serde_json::Error| {
        CoreError::invalid_batch("requests", format!("request {} could not be serialized: {error}", request.custom_id))
    };
    match &request.provider_kwargs {
        None => serde_json::to_writer(&mut *out, &Line { custom_id, params }).map_err(serialize_error)?,
        Some(kwargs) => {
            let Value::Object(mut merged) = serde_json::to_value(&params).map_err(serialize_error)? else {
                return Err(CoreError::invalid_batch("requests", "the params did not serialize to a JSON object"));
            };
            deep_merge(&mut merged, &sendable(Provider::Anthropic, kwargs));
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
            SystemPrompt::Text(text) => System::Text(text),
            SystemPrompt::Parts(parts) => System::Blocks(parts.iter().map(|text| Block::Text { text }).collect()),
        }),
        messages: request
            .messages
            .iter()
            .enumerate()
            .map(|(index, message)| {
                let content = content(&message.content);
                // Anthropic refuses a prefill that ends with whitespace (conversation_rules; the
                // batch summary says it was trimmed).
                let content = if Some(index) == prefill_index(request) { trim_end(content) } else { content };
                Message { role: message.role.as_str(), content }
            })
            .collect(),
        temperature: config.and_then(|config| config.temperature),
        top_p: config.and_then(|config| config.top_p),
        top_k: config.and_then(|config| config.top_k),
        stop_sequences: config.and_then(|config| config.stop_sequences.as_deref()),
        output_config: request
            .response_format
            .as_ref()
            .and_then(anthropic_output_format)
            .map(|format| OutputConfig { format: Some(format) }),
        // Penalties have no Anthropic field: validation refused them, or reported them as left out.
    }
}

fn content(content: &MessageContent) -> Content<'_> {
    match content {
        MessageContent::Text(text) => Content::Text(text),
        MessageContent::Parts(_) => Content::Parts(
            content
                .parts()
                .into_iter()
                .filter_map(|part| match part {
                    ContentPartRef::Text(text) => Some(Block::Text { text }),
                    ContentPartRef::Image(media) => source(media).map(|source| Block::Image { source }),
                    ContentPartRef::Document(media) => source(media).map(|source| Block::Document { source }),
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
            if let Some(Block::Text { text }) = blocks.last_mut() {
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
