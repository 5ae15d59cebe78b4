//! Unified request → Gemini `GenerateContentRequest` (reference §3.1, §6), in lowerCamelCase.
//!
//! `providerKwargs` are deep-merged into the request object, last. So generation settings Gemini
//! has and the unified model lacks go under `generationConfig`, as in the API itself:
//! `{"generationConfig": {"responseMimeType": "application/json", "responseSchema": {…},
//! "thinkingConfig": {…}}}`, while `tools`, `toolConfig`, `safetySettings` and `cachedContent` sit at
//! the top. A key the spec does not have at its level (a generation setting at the top level, a
//! snake_case spelling) is refused by validation, naming the right place (`provider_kwargs`).

use serde::Serialize;
use serde_json::{json, Value};

use crate::media_data::{media_type, payload};
use crate::merge::merged_text;
use crate::model::{ContentPartRef, MediaContent, Role, SourceType, ToolChoice, ToolChoiceMode, UnifiedRequest};
use crate::provider_kwargs::sendable;
use crate::structured_output::gemini_response_fields;
use crate::tools::{call_name, object_arguments, replayable_signature};
use crate::{CoreError, Endpoint, Provider};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GenerateContentRequest<'a> {
    /// Required by the spec's `GenerateContentRequest`; the official SDK sends it inside inlined
    /// requests too. It always equals the batch's model.
    model: String,
    contents: Vec<Content<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    system_instruction: Option<Content<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    generation_config: Option<GenerationConfig<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tools: Option<[WireTool<'a>; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_config: Option<Value>,
}

/// Spec `Tool` with `functionDeclarations`; the arguments' schema goes to `parametersJsonSchema`
/// (JSON Schema, as given) rather than `parameters` (an OpenAPI subset; reference §2.1, §8.2).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireTool<'a> {
    function_declarations: Vec<FunctionDeclaration<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FunctionDeclaration<'a> {
    name: &'a str,
    /// Required by the spec's `FunctionDeclaration` (the SDK calls it optional): empty when absent.
    description: &'a str,
    parameters_json_schema: &'a Value,
}

#[derive(Serialize)]
struct Content<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    parts: Vec<Part<'a>>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Part<'a> {
    Text {
        text: &'a str,
    },
    InlineData {
        #[serde(rename = "inlineData")]
        inline_data: Blob<'a>,
    },
    FileData {
        #[serde(rename = "fileData")]
        file_data: FileData<'a>,
    },
    /// A model turn's call (spec `FunctionCall`), with the `thoughtSignature` it came with.
    FunctionCall {
        #[serde(rename = "functionCall")]
        function_call: FunctionCall<'a>,
        #[serde(rename = "thoughtSignature", skip_serializing_if = "Option::is_none")]
        thought_signature: Option<&'a str>,
    },
    FunctionResponse {
        #[serde(rename = "functionResponse")]
        function_response: FunctionResponse<'a>,
    },
    /// Reasoning replayed as a thought part (spec `Part.thought`, `Part.thoughtSignature`).
    Thought {
        text: &'a str,
        thought: bool,
        #[serde(rename = "thoughtSignature", skip_serializing_if = "Option::is_none")]
        thought_signature: Option<&'a str>,
    },
}

#[derive(Serialize)]
struct FunctionCall<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    name: &'a str,
    args: std::borrow::Cow<'a, Value>,
}

/// Spec `FunctionResponse`: `response` is an object; a plain result is wrapped as `{"result": …}`,
/// a failure as `{"error": …}` (reference §2.3).
#[derive(Serialize)]
struct FunctionResponse<'a> {
    id: &'a str,
    name: &'a str,
    response: Value,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Blob<'a> {
    mime_type: &'a str,
    data: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FileData<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    mime_type: Option<&'a str>,
    file_uri: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GenerationConfig<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    max_output_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    top_p: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    top_k: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stop_sequences: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    presence_penalty: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    frequency_penalty: Option<f64>,
    /// Spec `GenerationConfig.seed` (int32; validation refuses larger values).
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<i64>,
    /// Spec `GenerationConfig.candidateCount`.
    #[serde(skip_serializing_if = "Option::is_none")]
    candidate_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_mime_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_json_schema: Option<&'a Value>,
    /// Under `generationConfig`, where the spec has it (reference §3.3).
    #[serde(skip_serializing_if = "Option::is_none")]
    thinking_config: Option<Value>,
}

/// The model's resource name: `models/{id}`, or a tuned model's `tunedModels/{id}` as given.
pub fn model_resource(model: &str) -> String {
    let model = model.trim();
    if model.starts_with("models/") || model.starts_with("tunedModels/") {
        model.to_owned()
    } else {
        format!("models/{model}")
    }
}

/// Appends the request's `GenerateContentRequest` JSON (no newline) to `out`. `index` names the
/// request in errors.
pub fn write_request(index: usize, request: &UnifiedRequest, out: &mut Vec<u8>) -> Result<(), CoreError> {
    if super::common_line::is_common(request) {
        super::common_line::write(request, out);
        return Ok(());
    }
    write_general_request(index, request, out)
}

/// [`write_request`] through serde's derived writer, for every request (the common ones have their
/// own writer, `common_line`).
pub(super) fn write_general_request(
    index: usize,
    request: &UnifiedRequest,
    out: &mut Vec<u8>,
) -> Result<(), CoreError> {
    check_provider_kwargs(index, request)?;
    let body = generate_content_request(index, request)?;
    let serialize_error = |error: serde_json::Error| {
        CoreError::invalid(index, &request.custom_id, "", format!("could not be serialized: {error}"))
    };
    match &request.provider_kwargs {
        None => serde_json::to_writer(&mut *out, &body).map_err(serialize_error),
        Some(kwargs) => {
            let kwargs = sendable(Provider::Google, Endpoint::Chat, kwargs);
            match merged_text(&body, &kwargs).map_err(serialize_error)? {
                Some(merged) => {
                    out.extend_from_slice(merged.get().as_bytes());
                    Ok(())
                }
                // A struct always serializes to an object; anything else is reported, not assumed.
                None => Err(CoreError::invalid(index, &request.custom_id, "", "could not be serialized")),
            }
        }
    }
}

/// Keys the schema does not have are checked by validation (`provider_kwargs`); `model` is one it
/// has, but a batch runs on one model.
fn check_provider_kwargs(index: usize, request: &UnifiedRequest) -> Result<(), CoreError> {
    match &request.provider_kwargs {
        Some(kwargs) if kwargs.contains_key("model") => Err(CoreError::invalid(
            index,
            &request.custom_id,
            "providerKwargs.model",
            "a Gemini batch runs on one model; set the request's `model` instead",
        )),
        _ => Ok(()),
    }
}

fn generate_content_request(index: usize, request: &UnifiedRequest) -> Result<GenerateContentRequest<'_>, CoreError> {
    let system_instruction = request.system_prompt.as_ref().map(|system| Content {
        role: None,
        parts: system.parts().into_iter().map(|text| Part::Text { text }).collect(),
    });
    let mut contents: Vec<Content> = Vec::with_capacity(request.messages.len());
    let mut previous_role = None;
    for (message_index, message) in request.messages.iter().enumerate() {
        // Validation refused (or, under dropUnsupported, reported) the sources left out here.
        let parts: Vec<Part> =
            message.content.parts().into_iter().filter_map(|content_part| part(request, content_part)).collect();
        if parts.is_empty() {
            return Err(CoreError::invalid(
                index,
                &request.custom_id,
                format!("messages[{message_index}].content"),
                "nothing Gemini accepts is left in this message after dropUnsupported",
            ));
        }
        // Function responses go in one user turn (the official SDK sends them with role `user`),
        // together with the user's next words (reference §2.3).
        let joins_results = previous_role == Some(Role::Tool) && matches!(message.role, Role::Tool | Role::User);
        previous_role = Some(message.role);
        if let (true, Some(last)) = (joins_results, contents.last_mut()) {
            last.parts.extend(parts);
            continue;
        }
        let role = match message.role {
            Role::User | Role::Tool => "user",
            Role::Assistant => "model",
        };
        contents.push(Content { role: Some(role), parts });
    }
    Ok(GenerateContentRequest {
        model: model_resource(&request.model),
        contents,
        system_instruction,
        generation_config: generation_config(request),
        tools: request.tools.as_ref().map(|tools| {
            [WireTool {
                function_declarations: tools
                    .iter()
                    .map(|tool| FunctionDeclaration {
                        name: &tool.name,
                        description: tool.description.as_deref().unwrap_or_default(),
                        parameters_json_schema: &tool.parameters,
                    })
                    .collect(),
            }]
        }),
        tool_config: request.tool_choice.as_ref().map(tool_config),
    })
}

fn part<'a>(request: &'a UnifiedRequest, part: ContentPartRef<'a>) -> Option<Part<'a>> {
    match part {
        ContentPartRef::Text(text) => Some(Part::Text { text }),
        ContentPartRef::Image(media) | ContentPartRef::Document(media) => media_part(media),
        ContentPartRef::ToolCall(call) => Some(Part::FunctionCall {
            function_call: FunctionCall {
                id: call.id.as_deref(),
                name: &call.name,
                args: object_arguments(&call.arguments).unwrap_or(std::borrow::Cow::Borrowed(&call.arguments)),
            },
            thought_signature: replayable_signature(
                call.signature.as_deref(),
                call.provider.as_deref(),
                Provider::Google,
            ),
        }),
        ContentPartRef::ToolResult(result) => {
            let text = result.text();
            let key = if result.is_error == Some(true) { "error" } else { "result" };
            let response = match crate::providers::exact_json::from_str(&text) {
                // An object with an `error` key is Gemini's failure form (reference §2.3): a result
                // that did not fail is wrapped, so `isError` alone decides.
                Ok(object @ Value::Object(_)) if result.is_error != Some(true) && object.get("error").is_none() => {
                    object
                }
                Ok(object @ Value::Object(_)) if result.is_error != Some(true) => json!({ "result": object }),
                _ => json!({ key: text }),
            };
            Some(Part::FunctionResponse {
                function_response: FunctionResponse {
                    id: &result.tool_call_id,
                    name: call_name(request, &result.tool_call_id),
                    response,
                },
            })
        }
        ContentPartRef::Reasoning(reasoning) => Some(Part::Thought {
            text: &reasoning.text,
            thought: true,
            thought_signature: replayable_signature(
                reasoning.signature.as_deref(),
                reasoning.provider.as_deref(),
                Provider::Google,
            ),
        }),
        // Anthropic's encrypted reasoning means nothing to Gemini; validation warned it is left out.
        ContentPartRef::RedactedReasoning(_) => None,
    }
}

/// Spec `ToolConfig.functionCallingConfig` (reference §2.2): `required` is `ANY`, a named tool is
/// `ANY` limited to it.
fn tool_config(choice: &ToolChoice) -> Value {
    let config = match choice {
        ToolChoice::Mode(ToolChoiceMode::Auto) => json!({ "mode": "AUTO" }),
        ToolChoice::Mode(ToolChoiceMode::None) => json!({ "mode": "NONE" }),
        ToolChoice::Mode(ToolChoiceMode::Required) => json!({ "mode": "ANY" }),
        ToolChoice::Named { name } => json!({ "mode": "ANY", "allowedFunctionNames": [name] }),
    };
    json!({ "functionCallingConfig": config })
}

fn media_part(media: &MediaContent) -> Option<Part<'_>> {
    match media.source_type {
        SourceType::Base64 => Some(Part::InlineData {
            inline_data: Blob {
                // Validation requires a media type for base64 data (given, or from a data: URL).
                mime_type: media_type(media).unwrap_or("application/octet-stream"),
                data: payload(media),
            },
        }),
        SourceType::FileUri => Some(Part::FileData {
            file_data: FileData { mime_type: media.media_type.as_deref(), file_uri: &media.data },
        }),
        SourceType::Url => None,
    }
}

static NO_SETTINGS: crate::model::GenerationConfig = crate::model::GenerationConfig {
    max_tokens: None,
    temperature: None,
    top_p: None,
    top_k: None,
    stop_sequences: None,
    presence_penalty: None,
    frequency_penalty: None,
    seed: None,
    candidate_count: None,
};

fn generation_config(request: &UnifiedRequest) -> Option<GenerationConfig<'_>> {
    let config = request.generation_config.as_ref().unwrap_or(&NO_SETTINGS);
    let (response_mime_type, response_json_schema) = match &request.response_format {
        Some(format) => {
            let (mime_type, schema) = gemini_response_fields(format);
            (Some(mime_type), schema)
        }
        None => (None, None),
    };
    let converted = GenerationConfig {
        max_output_tokens: config.max_tokens,
        temperature: config.temperature,
        top_p: config.top_p,
        top_k: config.top_k,
        stop_sequences: config.stop_sequences.as_deref(),
        presence_penalty: config.presence_penalty,
        frequency_penalty: config.frequency_penalty,
        seed: config.seed,
        candidate_count: config.candidate_count,
        response_mime_type,
        response_json_schema,
        thinking_config: crate::reasoning::gemini_thinking_config(request),
    };
    let empty = converted.max_output_tokens.is_none()
        && converted.temperature.is_none()
        && converted.top_p.is_none()
        && converted.top_k.is_none()
        && converted.stop_sequences.is_none()
        && converted.presence_penalty.is_none()
        && converted.frequency_penalty.is_none()
        && converted.seed.is_none()
        && converted.candidate_count.is_none()
        && converted.response_mime_type.is_none()
        && converted.thinking_config.is_none();
    (!empty).then_some(converted)
}
