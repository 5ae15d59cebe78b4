//! Unified request → OpenAI batch line `{custom_id, method, url, body}` with a Chat Completions body.

use serde::Serialize;
use serde_json::{json, Value};

use crate::conversation_rules::prefill_index;
use crate::media_data::{media_type, MediaUrl};
use crate::merge::merged_text;
use crate::model::{ContentPartRef, MediaContent, MessageContent, Role, SourceType, UnifiedMessage, UnifiedRequest};
use crate::provider_kwargs::sendable;
use crate::providers::common::{tool_result_content, WireContent};
use crate::{reasoning, tools};

use super::tool_wire::{self, WireTool, WireToolCall};
use crate::structured_output::chat_response_format;
use crate::CoreError;

use super::common_line;
use super::responses_request::responses_body;
use super::Dialect;
use crate::Endpoint;

pub const CHAT_COMPLETIONS_URL: &str = "/v1/chat/completions";

#[derive(Serialize)]
struct Line<'a, B: Serialize> {
    custom_id: &'a str,
    method: &'static str,
    url: &'static str,
    body: B,
}

#[derive(Serialize)]
struct ChatBody<'a> {
    model: &'a str,
    messages: Vec<Message<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_completion_tokens: Option<u32>,
    /// Together only (see `Dialect::sends_max_tokens`).
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    top_p: Option<f64>,
    /// vLLM only; OpenAI (and the other dialects) have no top_k.
    #[serde(skip_serializing_if = "Option::is_none")]
    top_k: Option<u32>,
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
    seed: Option<i64>,
    /// Spec `CreateChatCompletionRequest.n` (1–128); Mistral and vLLM take it too.
    #[serde(skip_serializing_if = "Option::is_none")]
    n: Option<u32>,
    /// OpenAI only: the end-user id (spec `safety_identifier`, which replaces the deprecated `user`).
    #[serde(skip_serializing_if = "Option::is_none")]
    safety_identifier: Option<&'a str>,
    /// OpenAI and Azure OpenAI: groups requests for prompt-cache hits (spec `prompt_cache_key`).
    #[serde(skip_serializing_if = "Option::is_none")]
    prompt_cache_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning_effort: Option<&'static str>,
    /// vLLM only (reference §3.5).
    #[serde(skip_serializing_if = "Option::is_none")]
    include_reasoning: Option<bool>,
    /// vLLM only: a final assistant message is continued (a prefill) rather than followed by a new
    /// turn; vLLM needs both switches for that (reference unified-features §7.5).
    #[serde(skip_serializing_if = "Option::is_none")]
    continue_final_message: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    add_generation_prompt: Option<bool>,
}

/// A chat message (spec `ChatCompletionRequestMessage`): an assistant's may carry `tool_calls`
/// (then `content` may be left out), a `tool` message answers one call by `tool_call_id`.
#[derive(Serialize)]
struct Message<'a> {
    role: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<Content<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_calls: Vec<WireToolCall<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_call_id: Option<&'a str>,
}

impl<'a> Message<'a> {
    fn new(role: &'static str, content: Content<'a>) -> Self {
        Message { role, content: Some(content), tool_calls: Vec::new(), tool_call_id: None }
    }
}

type Content<'a> = WireContent<'a, Part<'a>>;

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Part<'a> {
    Text { text: &'a str },
    ImageUrl { image_url: ImageUrl<'a> },
    File { file: FileData<'a> },
}

#[derive(Serialize)]
struct ImageUrl<'a> {
    url: MediaUrl<'a>,
}

#[derive(Serialize)]
struct FileData<'a> {
    filename: String,
    file_data: MediaUrl<'a>,
}

/// Appends the request's chat batch line (with a trailing newline) to `out`.
pub fn write_line(request: &UnifiedRequest, dialect: Dialect, out: &mut Vec<u8>) -> Result<(), CoreError> {
    write_endpoint_line(request, dialect, Endpoint::Chat, out)
}

/// Appends the request's batch line for `endpoint` (chat completions, Responses or embeddings body,
/// `url` to match) to `out`. `providerKwargs` are deep-merged into the body last.
pub fn write_endpoint_line(
    request: &UnifiedRequest,
    dialect: Dialect,
    endpoint: Endpoint,
    out: &mut Vec<u8>,
) -> Result<(), CoreError> {
    match endpoint {
        Endpoint::Chat if common_line::is_common(request) => {
            common_line::write(request, dialect, out);
            Ok(())
        }
        Endpoint::Chat => write_general_line(request, dialect, out),
        Endpoint::Responses => write_body(request, dialect, endpoint, responses_body(request, dialect), out),
        Endpoint::Embeddings => write_body(request, dialect, endpoint, embeddings_body(request), out),
    }
}

/// A chat line through serde's derived writer, for every request (the common ones have their own
/// writer, `common_line`).
pub(super) fn write_general_line(
    request: &UnifiedRequest,
    dialect: Dialect,
    out: &mut Vec<u8>,
) -> Result<(), CoreError> {
    write_body(request, dialect, Endpoint::Chat, chat_body(request, dialect), out)
}

fn write_body<B: Serialize>(
    request: &UnifiedRequest,
    dialect: Dialect,
    endpoint: Endpoint,
    body: B,
    out: &mut Vec<u8>,
) -> Result<(), CoreError> {
    let serialize_error = |error: serde_json::Error| {
        CoreError::invalid_batch("requests", format!("request {} could not be serialized: {error}", request.custom_id))
    };
    let url = endpoint.openai_url();
    match &request.provider_kwargs {
        None => serde_json::to_writer(&mut *out, &line(request, url, body)).map_err(serialize_error)?,
        Some(kwargs) => {
            let kwargs = sendable(dialect.provider(), endpoint, kwargs);
            let Some(merged) = merged_text(&body, &kwargs).map_err(serialize_error)? else {
                unreachable!("a struct serializes to a JSON object")
            };
            serde_json::to_writer(&mut *out, &line(request, url, merged)).map_err(serialize_error)?;
        }
    }
    out.push(b'\n');
    Ok(())
}

fn line<'a, B: Serialize>(request: &'a UnifiedRequest, url: &'static str, body: B) -> Line<'a, B> {
    Line { custom_id: &request.custom_id, method: "POST", url, body }
}

/// An embeddings body (OpenAI spec `CreateEmbeddingRequest`, vLLM `EmbeddingCompletionRequest`):
/// `model`, `input` and `dimensions`; vectors come back as numbers (the server default `float`).
fn embeddings_body(request: &UnifiedRequest) -> Value {
    let mut body = serde_json::Map::new();
    body.insert("model".into(), json!(request.model));
    body.insert("input".into(), json!(request.input));
    if let Some(dimensions) = request.dimensions {
        body.insert("dimensions".into(), json!(dimensions));
    }
    Value::Object(body)
}

fn chat_body(request: &UnifiedRequest, dialect: Dialect) -> ChatBody<'_> {
    let mut messages = Vec::with_capacity(request.messages.len() + 1);
    if let Some(system) = &request.system_prompt {
        let parts = system.parts();
        let content = match parts.as_slice() {
            [only] => Content::Text(only),
            many => Content::Parts(many.iter().map(|text| Part::Text { text }).collect()),
        };
        messages.push(Message::new("system", content));
    }
    for message in &request.messages {
        push_message(message, &mut messages);
    }
    let config = request.generation_config.as_ref();
    let vllm_prefill = (dialect == Dialect::Vllm && prefill_index(request).is_some()).then_some(());
    ChatBody {
        model: &request.model,
        messages,
        max_completion_tokens: config.and_then(|config| config.max_tokens).filter(|_| !dialect.sends_max_tokens()),
        max_tokens: config.and_then(|config| config.max_tokens).filter(|_| dialect.sends_max_tokens()),
        temperature: config.and_then(|config| config.temperature),
        top_p: config.and_then(|config| config.top_p),
        top_k: config.and_then(|config| config.top_k).filter(|_| dialect.takes_top_k()),
        stop: config.and_then(|config| config.stop_sequences.as_deref()),
        presence_penalty: config.and_then(|config| config.presence_penalty),
        frequency_penalty: config.and_then(|config| config.frequency_penalty),
        response_format: request.response_format.as_ref().map(chat_response_format),
        tools: request.tools.as_deref().map(tool_wire::tools),
        tool_choice: request.tool_choice.as_ref().map(tool_wire::tool_choice),
        parallel_tool_calls: request.parallel_tool_calls,
        seed: config.and_then(|config| config.seed),
        n: dialect.n(config.and_then(|config| config.candidate_count)),
        // vLLM accepts `user` and ignores it (reference §5): validation reported it as left out.
        safety_identifier: request.end_user_id.as_deref().filter(|_| dialect == Dialect::OpenAi),
        // Validation refused it (or reported it as left out) on Groq and vLLM.
        prompt_cache_key: request
            .prompt_cache_key
            .as_deref()
            .filter(|_| matches!(dialect, Dialect::OpenAi | Dialect::Azure)),
        reasoning_effort: reasoning::chat_reasoning_effort(request, dialect.provider()),
        include_reasoning: reasoning::vllm_include_reasoning(request).filter(|_| dialect == Dialect::Vllm),
        continue_final_message: vllm_prefill.map(|_| true),
        add_generation_prompt: vllm_prefill.map(|_| false),
    }
}

/// One unified message as chat messages: a `tool` message becomes one message per result.
fn push_message<'a>(message: &'a UnifiedMessage, messages: &mut Vec<Message<'a>>) {
    let parts = message.content.parts();
    match message.role {
        Role::Tool => {
            for part in parts {
                if let ContentPartRef::ToolResult(result) = part {
                    let mut answer = Message::new("tool", Content::Text(""));
                    answer.content = Some(tool_result_content(result, |text| Part::Text { text }));
                    answer.tool_call_id = Some(&result.tool_call_id);
                    messages.push(answer);
                }
            }
        }
        Role::Assistant if parts.iter().any(|part| matches!(part, ContentPartRef::ToolCall(_))) => {
            let calls = tools::tool_calls(&parts)
                .into_iter()
                .map(|call| tool_wire::tool_call(call, call.id.clone().unwrap_or_default()))
                .collect();
            let has_text = parts.iter().any(|part| matches!(part, ContentPartRef::Text(_)));
            let mut assistant = Message::new("assistant", content(&message.content, message.role));
            if !has_text {
                assistant.content = None;
            }
            assistant.tool_calls = calls;
            messages.push(assistant);
        }
        role => messages.push(Message::new(role.as_str(), content(&message.content, role))),
    }
}

fn content(content: &MessageContent, role: Role) -> Content<'_> {
    match content {
        MessageContent::Text(text) => Content::Text(text),
        MessageContent::Parts(_) => {
            let mut document_number = 0;
            let parts: Vec<Part> = content
                .parts()
                .into_iter()
                .filter_map(|part| match part {
                    ContentPartRef::Text(text) => Some(Part::Text { text }),
                    // Validation refused (or, under dropUnsupported, reported) what is left out
                    // here; tool calls go to `tool_calls`, reasoning has no place (a warning says so).
                    _ if role == Role::Assistant => None,
                    ContentPartRef::Image(image) => {
                        image_url(image).map(|url| Part::ImageUrl { image_url: ImageUrl { url } })
                    }
                    ContentPartRef::Document(document) => {
                        document_number += 1;
                        file_data(document, document_number).map(|file| Part::File { file })
                    }
                    _ => None,
                })
                .collect();
            Content::Parts(parts)
        }
    }
}

fn image_url(image: &MediaContent) -> Option<MediaUrl<'_>> {
    match image.source_type {
        SourceType::Url => Some(MediaUrl::Given(&image.data)),
        SourceType::Base64 => Some(MediaUrl::data(image)),
        SourceType::FileUri => None,
    }
}

fn file_data(document: &MediaContent, number: usize) -> Option<FileData<'_>> {
    if document.source_type != SourceType::Base64 {
        return None;
    }
    let filename = document.filename.clone().unwrap_or_else(|| {
        let extension = match media_type(document) {
            Some("application/pdf") | None => "pdf",
            Some(other) => other.rsplit('/').next().unwrap_or("bin"),
        };
        format!("document-{number}.{extension}")
    });
    Some(FileData { filename, file_data: MediaUrl::data(document) })
}
