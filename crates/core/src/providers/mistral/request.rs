//! Unified request → Mistral batch line `{custom_id, body}` (no `method`/`url`, unlike OpenAI) with a
//! chat completions body (reference §4.2, §6; spec `BatchRequest`, `ChatCompletionRequest`).

use serde::Serialize;
use serde_json::{Map, Value};

use crate::conversation_rules::prefill_index;
use crate::media_data::MediaUrl;
use crate::merge::{deep_merge, merged_text};
use crate::model::{ContentPartRef, MediaContent, MessageContent, Role, SourceType, UnifiedRequest};
use crate::provider_kwargs::sendable;
use crate::providers::common::{tool_result_content, WireContent};
use crate::providers::openai::tool_wire::{self, WireTool, WireToolCall};
use crate::structured_output::chat_response_format;
use crate::tools::{self, call_name, mistral_tool_call_ids};
use crate::{CoreError, Endpoint, Provider};

#[derive(Serialize)]
struct Line<'a, B: Serialize> {
    custom_id: &'a str,
    body: B,
}

/// Only fields of the spec's `ChatCompletionRequest`, which refuses unknown keys.
#[derive(Serialize)]
struct ChatBody<'a> {
    /// The guide calls it optional when the job names the model, but the spec's
    /// `ChatCompletionRequest` requires it, so every body carries it.
    model: &'a str,
    messages: Vec<Message<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    top_p: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stop: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    presence_penalty: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    frequency_penalty: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_format: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tools: Option<Vec<WireTool<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_choice: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parallel_tool_calls: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning_effort: Option<&'static str>,
    /// Mistral's name for the seed (spec `random_seed`, an integer ≥ 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    random_seed: Option<i64>,
    /// Spec `ChatCompletionRequest.n` (≥ 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    n: Option<u32>,
    /// Groups requests for prompt-cache hits (spec `ChatCompletionRequest.prompt_cache_key`).
    #[serde(skip_serializing_if = "Option::is_none")]
    prompt_cache_key: Option<&'a str>,
}

/// A chat message (spec `SystemMessage`, `UserMessage`, `AssistantMessage`). `prefix` marks a final
/// assistant message as the start of the answer: without it Mistral refuses a conversation that
/// ends with the assistant (reference unified-features §7.4, field case 10).
#[derive(Serialize)]
struct Message<'a> {
    role: &'static str,
    content: Content<'a>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    prefix: bool,
    /// Spec `AssistantMessage.tool_calls`, with ids remapped to Mistral's nine characters.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_calls: Vec<WireToolCall<'a>>,
    /// Spec `ToolMessage`: the (remapped) id of the call answered, and the function's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_call_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
}

impl<'a> Message<'a> {
    fn new(role: &'static str, content: Content<'a>) -> Self {
        Message { role, content, prefix: false, tool_calls: Vec::new(), tool_call_id: None, name: None }
    }
}

type Content<'a> = WireContent<'a, Part<'a>>;

/// Content chunks (spec `TextChunk`, `ImageURLChunk`, `DocumentURLChunk`).
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Part<'a> {
    Text {
        text: &'a str,
    },
    /// The spec takes a plain string (an http(s) or `data:` URL) or `{url, detail}`; the string is
    /// the shorter of the two.
    ImageUrl {
        image_url: MediaUrl<'a>,
    },
    DocumentUrl {
        document_url: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        document_name: Option<&'a str>,
    },
}

/// Appends the request's batch line (with a trailing newline) to `out`.
pub fn write_line(request: &UnifiedRequest, out: &mut Vec<u8>) -> Result<(), CoreError> {
    if super::common_line::is_common(request) {
        super::common_line::write(request, out);
        return Ok(());
    }
    write_general_line(request, out)
}

/// [`write_line`] through serde's derived writer, for every request (the common ones have their
/// own writer, `common_line`).
pub(super) fn write_general_line(request: &UnifiedRequest, out: &mut Vec<u8>) -> Result<(), CoreError> {
    let body = chat_body(request);
    let serialize_error = |reason: String| {
        CoreError::invalid_batch("requests", format!("request {} could not be serialized: {reason}", request.custom_id))
    };
    match &request.provider_kwargs {
        None => serde_json::to_writer(&mut *out, &Line { custom_id: &request.custom_id, body })
            .map_err(|error| serialize_error(error.to_string()))?,
        Some(kwargs) => {
            let kwargs = sendable(Provider::Mistral, Endpoint::Chat, kwargs);
            let merged = match merged_text(&body, &kwargs) {
                Ok(Some(merged)) => merged,
                Ok(None) => return Err(serialize_error("the body is not a JSON object".into())),
                Err(error) => return Err(serialize_error(error.to_string())),
            };
            serde_json::to_writer(&mut *out, &Line { custom_id: &request.custom_id, body: merged })
                .map_err(|error| serialize_error(error.to_string()))?;
        }
    }
    out.push(b'\n');
    Ok(())
}

/// Appends the request's embeddings line (spec `EmbeddingRequest`, which refuses unknown keys:
/// `model`, `input`, `output_dimension`; endpoints-and-push.md §1.3) to `out`.
pub fn write_embeddings_line(request: &UnifiedRequest, out: &mut Vec<u8>) -> Result<(), CoreError> {
    let mut body = Map::new();
    body.insert("model".into(), Value::String(request.model.clone()));
    body.insert("input".into(), serde_json::to_value(&request.input).unwrap_or(Value::Null));
    if let Some(dimensions) = request.dimensions {
        body.insert("output_dimension".into(), Value::from(dimensions));
    }
    if let Some(kwargs) = &request.provider_kwargs {
        deep_merge(&mut body, &sendable(Provider::Mistral, Endpoint::Embeddings, kwargs));
    }
    serde_json::to_writer(&mut *out, &Line { custom_id: &request.custom_id, body }).map_err(|error| {
        CoreError::invalid_batch("requests", format!("request {} could not be serialized: {error}", request.custom_id))
    })?;
    out.push(b'\n');
    Ok(())
}

fn chat_body(request: &UnifiedRequest) -> ChatBody<'_> {
    let mut messages = Vec::with_capacity(request.messages.len() + 1);
    if let Some(system) = &request.system_prompt {
        // A system message takes a string or text chunks (spec `SystemMessage`); several prompts
        // stay separate chunks rather than being joined.
        let content = match system.parts().as_slice() {
            [only] => Content::Text(only),
            many => Content::Parts(many.iter().map(|text| Part::Text { text }).collect()),
        };
        messages.push(Message::new("system", content));
    }
    let prefill = prefill_index(request);
    let ids = mistral_tool_call_ids(request);
    let id_of = |id: &str| ids.get(id).cloned().unwrap_or_else(|| id.to_owned());
    for (index, message) in request.messages.iter().enumerate() {
        let parts = message.content.parts();
        if message.role == Role::Tool {
            for part in parts {
                if let ContentPartRef::ToolResult(result) = part {
                    let mut answer = Message::new("tool", Content::Text(""));
                    answer.content = tool_result_content(result, |text| Part::Text { text });
                    answer.tool_call_id = Some(id_of(&result.tool_call_id));
                    answer.name = Some(call_name(request, &result.tool_call_id));
                    messages.push(answer);
                }
            }
            continue;
        }
        let mut converted = Message::new(message.role.as_str(), content(&message.content, message.role));
        converted.prefix = prefill == Some(index);
        converted.tool_calls = tools::tool_calls(&parts)
            .into_iter()
            .map(|call| tool_wire::tool_call(call, id_of(call.id.as_deref().unwrap_or_default())))
            .collect();
        if !converted.tool_calls.is_empty() && !parts.iter().any(|part| matches!(part, ContentPartRef::Text(_))) {
            // The spec's example sends an empty string beside tool calls (reference §2.3).
            converted.content = Content::Text("");
        }
        messages.push(converted);
    }
    let config = request.generation_config.as_ref();
    ChatBody {
        model: &request.model,
        messages,
        max_tokens: config.and_then(|config| config.max_tokens),
        temperature: config.and_then(|config| config.temperature),
        top_p: config.and_then(|config| config.top_p),
        stop: config.and_then(|config| config.stop_sequences.as_deref()),
        presence_penalty: config.and_then(|config| config.presence_penalty),
        frequency_penalty: config.and_then(|config| config.frequency_penalty),
        response_format: request.response_format.as_ref().map(chat_response_format),
        tools: request.tools.as_deref().map(tool_wire::tools),
        tool_choice: request.tool_choice.as_ref().map(tool_wire::tool_choice),
        parallel_tool_calls: request.parallel_tool_calls,
        reasoning_effort: crate::reasoning::chat_reasoning_effort(request, Provider::Mistral),
        random_seed: config.and_then(|config| config.seed),
        n: config.and_then(|config| config.candidate_count),
        prompt_cache_key: request.prompt_cache_key.as_deref(),
    }
}

fn content(content: &MessageContent, role: Role) -> Content<'_> {
    match content {
        MessageContent::Text(text) => Content::Text(text),
        MessageContent::Parts(_) => Content::Parts(
            content
                .parts()
                .into_iter()
                .filter_map(|part| match part {
                    ContentPartRef::Text(text) => Some(Part::Text { text }),
                    // Validation refused (or, under dropUnsupported, reported) what is left out here.
                    _ if role == Role::Assistant => None,
                    ContentPartRef::Image(image) => image_url(image).map(|image_url| Part::ImageUrl { image_url }),
                    ContentPartRef::Document(document) => document_url(document),
                    // Tool calls go to `tool_calls`; reasoning is left out (validation warned).
                    _ => None,
                })
                .collect(),
        ),
    }
}

fn image_url(image: &MediaContent) -> Option<MediaUrl<'_>> {
    match image.source_type {
        SourceType::Url => Some(MediaUrl::Given(&image.data)),
        SourceType::Base64 => Some(MediaUrl::data(image)),
        SourceType::FileUri => None,
    }
}

/// Documents go by URL only: the spec types `document_url` as a plain string and nowhere says a
/// `data:` URL is accepted, so the capability table allows `url` sources alone.
fn document_url(document: &MediaContent) -> Option<Part<'_>> {
    (document.source_type == SourceType::Url)
        .then(|| Part::DocumentUrl { document_url: &document.data, document_name: document.filename.as_deref() })
}
