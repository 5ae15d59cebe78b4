//! Unified request → Gemini `GenerateContentRequest` (reference §3.1, §6), in lowerCamelCase.
//!
//! `providerKwargs` are deep-merged into the request object, last. So generation settings Gemini
//! has and the unified model lacks go under `generationConfig`, as in the API itself:
//! `{"generationConfig": {"responseMimeType": "application/json", "responseSchema": {…},
//! "thinkingConfig": {…}}}`, while `tools`, `toolConfig`, `safetySettings` and `cachedContent` sit at
//! the top. A generation setting written at the top level is refused with a hint rather than sent.

use serde::Serialize;
use serde_json::Value;

use crate::merge::deep_merge;
use crate::model::{ContentPartRef, MediaContent, Role, SourceType, UnifiedRequest};
use crate::CoreError;

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
}

/// `GenerationConfig` fields of the spec: written at the top level of `providerKwargs` they would
/// be unknown request fields, so they are refused with the right place named.
const GENERATION_CONFIG_FIELDS: &[&str] = &[
    "candidateCount",
    "stopSequences",
    "maxOutputTokens",
    "temperature",
    "topP",
    "topK",
    "seed",
    "responseMimeType",
    "responseSchema",
    "_responseJsonSchema",
    "responseJsonSchema",
    "responseFormat",
    "presencePenalty",
    "frequencyPenalty",
    "responseLogprobs",
    "logprobs",
    "enableEnhancedCivicAnswers",
    "responseModalities",
    "speechConfig",
    "thinkingConfig",
    "imageConfig",
    "mediaResolution",
];

/// Request fields in the snake_case spelling that proto-JSON also accepts; merged beside the
/// lowerCamelCase fields written here they would set one field twice.
const SNAKE_CASE_FIELDS: &[(&str, &str)] = &[
    ("system_instruction", "systemInstruction"),
    ("generation_config", "generationConfig"),
    ("safety_settings", "safetySettings"),
    ("tool_config", "toolConfig"),
    ("cached_content", "cachedContent"),
];

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
    check_provider_kwargs(index, request)?;
    let body = generate_content_request(index, request)?;
    let serialize_error = |error: serde_json::Error| {
        CoreError::invalid(index, &request.custom_id, "", format!("could not be serialized: {error}"))
    };
    match &request.provider_kwargs {
        None => serde_json::to_writer(&mut *out, &body).map_err(serialize_error),
        Some(kwargs) => {
            let mut merged = match serde_json::to_value(&body).map_err(serialize_error)? {
                Value::Object(map) => map,
                // A struct always serializes to an object; anything else is reported, not assumed.
                _ => return Err(CoreError::invalid(index, &request.custom_id, "", "could not be serialized")),
            };
            deep_merge(&mut merged, kwargs);
            serde_json::to_writer(&mut *out, &merged).map_err(serialize_error)
        }
    }
}

fn check_provider_kwargs(index: usize, request: &UnifiedRequest) -> Result<(), CoreError> {
    let Some(kwargs) = &request.provider_kwargs else {
        return Ok(());
    };
    for key in kwargs.keys() {
        let field = format!("providerKwargs.{key}");
        if GENERATION_CONFIG_FIELDS.contains(&key.as_str()) {
            return Err(CoreError::invalid(
                index,
                &request.custom_id,
                field,
                format!("`{key}` is a Gemini generationConfig field; write {{\"generationConfig\": {{\"{key}\": …}}}}"),
            ));
        }
        if let Some((_, camel)) = SNAKE_CASE_FIELDS.iter().find(|(snake, _)| snake == key) {
            return Err(CoreError::invalid(
                index,
                &request.custom_id,
                field,
                format!("write `{camel}`: the request is sent in lowerCamelCase"),
            ));
        }
        if key == "model" {
            return Err(CoreError::invalid(
                index,
                &request.custom_id,
                field,
                "a Gemini batch runs on one model; set the request's `model` instead",
            ));
        }
    }
    Ok(())
}

fn generate_content_request(index: usize, request: &UnifiedRequest) -> Result<GenerateContentRequest<'_>, CoreError> {
    let system_instruction = request.system_prompt.as_ref().map(|system| Content {
        role: None,
        parts: system.parts().into_iter().map(|text| Part::Text { text }).collect(),
    });
    let mut contents = Vec::with_capacity(request.messages.len());
    for (message_index, message) in request.messages.iter().enumerate() {
        // Validation refused (or, under dropUnsupported, reported) the sources left out here.
        let parts: Vec<Part> = message.content.parts().into_iter().filter_map(part).collect();
        if parts.is_empty() {
            return Err(CoreError::invalid(
                index,
                &request.custom_id,
                format!("messages[{message_index}].content"),
                "nothing Gemini accepts is left in this message after dropUnsupported",
            ));
        }
        let role = match message.role {
            Role::User => "user",
            Role::Assistant => "model",
        };
        contents.push(Content { role: Some(role), parts });
    }
    Ok(GenerateContentRequest {
        model: model_resource(&request.model),
        contents,
        system_instruction,
        generation_config: request.generation_config.as_ref().and_then(generation_config),
    })
}

fn part(part: ContentPartRef<'_>) -> Option<Part<'_>> {
    match part {
        ContentPartRef::Text(text) => Some(Part::Text { text }),
        ContentPartRef::Image(media) | ContentPartRef::Document(media) => media_part(media),
    }
}

fn media_part(media: &MediaContent) -> Option<Part<'_>> {
    match media.source_type {
        SourceType::Base64 => Some(Part::InlineData {
            inline_data: Blob {
                // Validation requires a media type for base64 data.
                mime_type: media.media_type.as_deref().unwrap_or("application/octet-stream"),
                data: &media.data,
            },
        }),
        SourceType::FileUri => Some(Part::FileData {
            file_data: FileData { mime_type: media.media_type.as_deref(), file_uri: &media.data },
        }),
        SourceType::Url => None,
    }
}

fn generation_config(config: &crate::model::GenerationConfig) -> Option<GenerationConfig<'_>> {
    let converted = GenerationConfig {
        max_output_tokens: config.max_tokens,
        temperature: config.temperature,
        top_p: config.top_p,
        top_k: config.top_k,
        stop_sequences: config.stop_sequences.as_deref(),
        presence_penalty: config.presence_penalty,
        frequency_penalty: config.frequency_penalty,
    };
    let empty = converted.max_output_tokens.is_none()
        && converted.temperature.is_none()
        && converted.top_p.is_none()
        && converted.top_k.is_none()
        && converted.stop_sequences.is_none()
        && converted.presence_penalty.is_none()
        && converted.frequency_penalty.is_none();
    (!empty).then_some(converted)
}
