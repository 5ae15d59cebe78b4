//! Unified request → Responses body (OpenAI spec `CreateResponse`; endpoints-and-push.md §2.1), for
//! batches whose endpoint is `responses` (OpenAI and Azure OpenAI lines with `url: "/v1/responses"`).
//!
//! The same unified chat request as for `/v1/chat/completions`, in the Responses spelling:
//! - a one-text system prompt is `instructions`; several texts are one `system` message of
//!   `input_text` parts;
//! - user content parts are `input_text`, `input_image` (`detail: "auto"`, required by the spec)
//!   and `input_file` (a base64 `data:` URL with a file name, or a document URL as `file_url`);
//! - assistant tool calls are `function_call` items (arguments as a JSON string), tool results
//!   `function_call_output` items;
//! - structured output is `text.format` (`json_schema` with `name`/`schema` inside, or `json_object`);
//! - tools are flat `FunctionTool`s; `strict` is required by the spec and sent as given, `false`
//!   when absent (the Chat Completions default);
//! - `reasoning.effort`, and `reasoning.summary: "auto"` when reasoning is asked back
//!   (`includeThoughts`); `max_output_tokens` (reasoning included);
//! - `store: false` (the API's default is `true`: batch results arrive in the output file, so
//!   nothing needs to be stored server-side; `providerKwargs: {store: true}` turns it back on).

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::json_value_text::compact;
use crate::media_data::data_url;
use crate::model::{ContentPartRef, MediaContent, MessageContent, Role, SourceType, UnifiedMessage, UnifiedRequest};
use crate::structured_output::DEFAULT_SCHEMA_NAME;
use crate::{reasoning, tools};

use super::Dialect;

#[derive(Serialize)]
pub(super) struct ResponsesBody<'a> {
    model: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    instructions: Option<&'a str>,
    input: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_output_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    top_p: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tools: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_choice: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parallel_tool_calls: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    safety_identifier: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prompt_cache_key: Option<&'a str>,
    store: bool,
}

pub(super) fn responses_body(request: &UnifiedRequest, dialect: Dialect) -> ResponsesBody<'_> {
    let mut input = Vec::with_capacity(request.messages.len() + 1);
    let mut instructions = None;
    if let Some(system) = &request.system_prompt {
        match system.parts().as_slice() {
            [only] => instructions = Some(*only),
            many => input.push(json!({
                "role": "system",
                "content": many.iter().map(|text| json!({"type": "input_text", "text": text})).collect::<Vec<_>>(),
            })),
        }
    }
    for message in &request.messages {
        push_items(message, &mut input);
    }
    let config = request.generation_config.as_ref();
    ResponsesBody {
        model: &request.model,
        instructions,
        input,
        max_output_tokens: config.and_then(|config| config.max_tokens),
        temperature: config.and_then(|config| config.temperature),
        top_p: config.and_then(|config| config.top_p),
        text: request.response_format.as_ref().map(|format| {
            let format = match &format.schema {
                None => json!({"type": "json_object"}),
                Some(schema) => {
                    let mut wire = Map::new();
                    wire.insert("type".into(), json!("json_schema"));
                    wire.insert("name".into(), json!(format.name.as_deref().unwrap_or(DEFAULT_SCHEMA_NAME)));
                    if let Some(description) = &format.description {
                        wire.insert("description".into(), json!(description));
                    }
                    wire.insert("schema".into(), schema.clone());
                    if let Some(strict) = format.strict {
                        wire.insert("strict".into(), json!(strict));
                    }
                    Value::Object(wire)
                }
            };
            json!({ "format": format })
        }),
        reasoning: reasoning_field(request, dialect),
        tools: request.tools.as_ref().map(|tools| {
            tools
                .iter()
                .map(|tool| {
                    let mut wire = Map::new();
                    wire.insert("type".into(), json!("function"));
                    wire.insert("name".into(), json!(tool.name));
                    if let Some(description) = &tool.description {
                        wire.insert("description".into(), json!(description));
                    }
                    wire.insert("parameters".into(), tool.parameters.clone());
                    wire.insert("strict".into(), json!(tool.strict.unwrap_or(false)));
                    Value::Object(wire)
                })
                .collect()
        }),
        tool_choice: request.tool_choice.as_ref().map(|choice| match choice {
            crate::model::ToolChoice::Named { name } => json!({"type": "function", "name": name}),
            mode => super::tool_wire::tool_choice(mode),
        }),
        parallel_tool_calls: request.parallel_tool_calls,
        safety_identifier: request.end_user_id.as_deref().filter(|_| dialect == Dialect::OpenAi),
        prompt_cache_key: request.prompt_cache_key.as_deref(),
        store: false,
    }
}

fn reasoning_field(request: &UnifiedRequest, dialect: Dialect) -> Option<Value> {
    let effort = reasoning::chat_reasoning_effort(request, dialect.provider());
    let summary = request.reasoning.as_ref().and_then(|reasoning| reasoning.include_thoughts) == Some(true);
    let mut wire = Map::new();
    if let Some(effort) = effort {
        wire.insert("effort".into(), json!(effort));
    }
    if summary {
        wire.insert("summary".into(), json!("auto"));
    }
    (!wire.is_empty()).then_some(Value::Object(wire))
}

/// One unified message as Responses input items.
fn push_items(message: &UnifiedMessage, input: &mut Vec<Value>) {
    let parts = message.content.parts();
    match message.role {
        Role::Tool => {
            for part in parts {
                if let ContentPartRef::ToolResult(result) = part {
                    input.push(json!({
                        "type": "function_call_output",
                        "call_id": result.tool_call_id,
                        "output": result.content_value(|text| json!({"type": "input_text", "text": text})),
                    }));
                }
            }
        }
        Role::Assistant => {
            let text: String = parts
                .iter()
                .filter_map(|part| match part {
                    ContentPartRef::Text(text) => Some(*text),
                    _ => None,
                })
                .collect();
            if !text.is_empty() {
                input.push(json!({"role": "assistant", "content": text}));
            }
            // Reasoning of earlier turns has no place here without its item id (a warning says so).
            for call in tools::tool_calls(&parts) {
                let arguments = match &call.arguments {
                    Value::String(text) => text.clone(),
                    other => compact(other),
                };
                input.push(json!({
                    "type": "function_call",
                    "call_id": call.id.clone().unwrap_or_default(),
                    "name": call.name,
                    "arguments": arguments,
                }));
            }
        }
        Role::User => input.push(json!({"role": "user", "content": user_content(&message.content)})),
    }
}

fn user_content(content: &MessageContent) -> Value {
    match content {
        MessageContent::Text(text) => json!(text),
        MessageContent::Parts(_) => {
            let mut document_number = 0;
            let parts: Vec<Value> = content
                .parts()
                .into_iter()
                .filter_map(|part| match part {
                    ContentPartRef::Text(text) => Some(json!({"type": "input_text", "text": text})),
                    ContentPartRef::Image(image) => {
                        image_url(image).map(|url| json!({"type": "input_image", "image_url": url, "detail": "auto"}))
                    }
                    ContentPartRef::Document(document) => {
                        document_number += 1;
                        file_part(document, document_number)
                    }
                    _ => None,
                })
                .collect();
            Value::Array(parts)
        }
    }
}

fn image_url(image: &MediaContent) -> Option<String> {
    match image.source_type {
        SourceType::Url => Some(image.data.clone()),
        SourceType::Base64 => Some(data_url(image)),
        SourceType::FileUri => None,
    }
}

/// A document as `input_file`: base64 as a `data:` URL with a file name, a URL as `file_url` (with
/// its file name when one is given). A Files API URI has no spelling here: validation refused it.
fn file_part(document: &MediaContent, number: usize) -> Option<Value> {
    match document.source_type {
        SourceType::Base64 => {
            let filename = document.filename.clone().unwrap_or_else(|| format!("document-{number}.pdf"));
            Some(json!({"type": "input_file", "filename": filename, "file_data": data_url(document)}))
        }
        SourceType::Url => Some(match &document.filename {
            Some(filename) => json!({"type": "input_file", "filename": filename, "file_url": document.data}),
            None => json!({"type": "input_file", "file_url": document.data}),
        }),
        SourceType::FileUri => None,
    }
}
