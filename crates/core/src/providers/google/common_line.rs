//! The `GenerateContentRequest` of a common request written straight into the JSONL: text, and
//! images and documents as base64 data or a file URI, in user and model turns; a system prompt;
//! the generation settings. serde's derived writer goes through a state machine per field and
//! checks every key and string byte by byte (a base64 payload included); this writes the same
//! bytes with the keys as literals (issue 18: Gemini's multimodal conversion was the closest to
//! the floor). Any other request (tools, structured output, reasoning, `providerKwargs`, tool
//! results, a URL source…) is written by [`super::request`]'s general path; tests check that both
//! give the same bytes.

use crate::media_data::{media_type, payload};
use crate::model::{ContentPart, GenerationConfig, MediaContent, MessageContent, Role, SourceType, UnifiedRequest};
use crate::providers::json_text::{field, optional, raw, string, string_array};

/// Whether `request` has the common shape this module writes.
pub(super) fn is_common(request: &UnifiedRequest) -> bool {
    // Every field named, so that a field added to requests cannot slip past this writer unwritten:
    // it must be checked below (or written by `write`) before this compiles again.
    let UnifiedRequest {
        custom_id: _,
        model: _,
        models: _,            // the model is chosen before a line is written
        messages: _,          // checked below
        input: _,             // embeddings only: not a chat line
        dimensions: _,        // embeddings only
        task_type: _,         // embeddings only
        system_prompt: _,     // written by `write`, text or parts
        generation_config: _, // written by `write`
        response_format: _,
        reasoning: _,
        end_user_id: _, // Gemini has none: the general path leaves it out too
        tools: _,
        tool_choice: _,
        parallel_tool_calls: _,         // likewise
        system_prompt_cache_control: _, // Anthropic's only
        cache_control: _,               // Anthropic's only: refused, or warned and left out
        prompt_cache_key: _,            // OpenAI's only
        provider_kwargs: _,
    } = request;
    // Likewise every setting (all written by `write`).
    if let Some(GenerationConfig {
        max_tokens: _,
        temperature: _,
        top_p: _,
        top_k: _,
        stop_sequences: _,
        presence_penalty: _,
        frequency_penalty: _,
        seed: _,
        candidate_count: _,
    }) = &request.generation_config
    {}
    request.provider_kwargs.is_none()
        && request.tools.is_none()
        && request.tool_choice.is_none()
        && request.response_format.is_none()
        && request.reasoning.is_none()
        && request.messages.iter().all(|message| match &message.content {
            _ if message.role == Role::Tool => false,
            MessageContent::Text(_) => true,
            // An empty message is the general path's error.
            MessageContent::Parts(parts) => {
                !parts.is_empty()
                    && parts.iter().all(|part| match part {
                        ContentPart::Text(_) => true,
                        ContentPart::Image(media) | ContentPart::Document(media) => sent_as_is(media),
                        _ => false,
                    })
            }
        })
}

/// A source Gemini takes as it is: base64 data (`inlineData`) or a file URI (`fileData`). A URL
/// is dropped by the general path (validation refused or reported it).
fn sent_as_is(media: &MediaContent) -> bool {
    matches!(media.source_type, SourceType::Base64 | SourceType::FileUri)
}

/// Appends the `GenerateContentRequest` JSON of a request [`is_common`] accepted (no newline).
pub(super) fn write(request: &UnifiedRequest, out: &mut Vec<u8>) {
    // `model_resource`, without building the name.
    let model = request.model.trim();
    if model.starts_with("models/") || model.starts_with("tunedModels/") {
        field(out, b"{\"model\":", model);
    } else {
        raw(out, b"{\"model\":\"models/");
        let mut quoted = Vec::new();
        string(&mut quoted, model);
        raw(out, &quoted[1..]);
    }
    raw(out, b",\"contents\":[");
    for (position, message) in request.messages.iter().enumerate() {
        if position > 0 {
            raw(out, b",");
        }
        raw(
            out,
            if message.role == Role::User {
                b"{\"role\":\"user\",\"parts\":["
            } else {
                b"{\"role\":\"model\",\"parts\":["
            },
        );
        match &message.content {
            MessageContent::Text(text) => field(out, b"{\"text\":", text),
            MessageContent::Parts(parts) => {
                for (position, part) in parts.iter().enumerate() {
                    if position > 0 {
                        raw(out, b",");
                    }
                    match part {
                        ContentPart::Text(text) => field(out, b"{\"text\":", &text.text),
                        ContentPart::Image(media) | ContentPart::Document(media) => media_part(media, out),
                        // `is_common` let no other part through.
                        _ => {}
                    }
                    raw(out, b"}");
                }
            }
        }
        if matches!(message.content, MessageContent::Text(_)) {
            raw(out, b"}");
        }
        raw(out, b"]}");
    }
    raw(out, b"]");
    if let Some(system) = &request.system_prompt {
        raw(out, b",\"systemInstruction\":{\"parts\":[");
        for (position, text) in system.parts().iter().enumerate() {
            if position > 0 {
                raw(out, b",");
            }
            field(out, b"{\"text\":", text);
            raw(out, b"}");
        }
        raw(out, b"]}");
    }
    if let Some(config) = request.generation_config.as_ref().filter(|config| has_settings(config)) {
        // serde's order: the fields of the general path's `GenerationConfig`.
        raw(out, b",\"generationConfig\":{");
        let open = out.len();
        optional(out, b",\"maxOutputTokens\":", config.max_tokens);
        optional(out, b",\"temperature\":", config.temperature);
        optional(out, b",\"topP\":", config.top_p);
        optional(out, b",\"topK\":", config.top_k);
        if let Some(stop) = &config.stop_sequences {
            string_array(out, b",\"stopSequences\":", stop);
        }
        optional(out, b",\"presencePenalty\":", config.presence_penalty);
        optional(out, b",\"frequencyPenalty\":", config.frequency_penalty);
        optional(out, b",\"seed\":", config.seed);
        optional(out, b",\"candidateCount\":", config.candidate_count);
        // Every setting was written with a leading comma: the first one's goes.
        out.remove(open);
        raw(out, b"}");
    }
    raw(out, b"}");
}

/// Whether some setting is given (the general path leaves out an empty `generationConfig`).
fn has_settings(config: &GenerationConfig) -> bool {
    config.max_tokens.is_some()
        || config.temperature.is_some()
        || config.top_p.is_some()
        || config.top_k.is_some()
        || config.stop_sequences.is_some()
        || config.presence_penalty.is_some()
        || config.frequency_penalty.is_some()
        || config.seed.is_some()
        || config.candidate_count.is_some()
}

/// An `inlineData` or `fileData` part, without its closing brace.
fn media_part(media: &MediaContent, out: &mut Vec<u8>) {
    if media.source_type == SourceType::FileUri {
        raw(out, b"{\"fileData\":{");
        if let Some(mime_type) = &media.media_type {
            field(out, b"\"mimeType\":", mime_type);
            raw(out, b",");
        }
        field(out, b"\"fileUri\":", &media.data);
    } else {
        // Validation requires a media type for base64 data (given, or from a data: URL).
        field(out, b"{\"inlineData\":{\"mimeType\":", media_type(media).unwrap_or("application/octet-stream"));
        field(out, b",\"data\":", payload(media));
    }
    raw(out, b"}");
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::request::{write_general_request, write_request};
    use super::*;
    use crate::parse::parse_request;

    const PIXEL: &str =
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

    fn lines(request: &serde_json::Value) -> (bool, String, String) {
        let request = parse_request(0, &request.to_string()).unwrap();
        let (mut fast, mut general) = (Vec::new(), Vec::new());
        let written = write_request(0, &request, &mut fast).map(|()| String::from_utf8(fast).unwrap());
        let general_written =
            write_general_request(0, &request, &mut general).map(|()| String::from_utf8(general).unwrap());
        let text = |result: Result<String, crate::CoreError>| result.unwrap_or_else(|error| format!("error: {error}"));
        (is_common(&request), text(written), text(general_written))
    }

    #[test]
    fn common_requests_are_written_as_the_general_path_writes_them() {
        let image = json!({"type": "image", "sourceType": "base64", "mediaType": "image/png", "data": PIXEL});
        let pdf =
            json!({"type": "document", "sourceType": "base64", "mediaType": "application/pdf", "data": "JVBERi0xLjQK"});
        let contents = [
            json!("Hello \"there\" \\ \n\t\u{1} é ☃ 😀"),
            json!([{"type": "text", "text": "a", "cacheControl": {}}, image, image, pdf]),
            json!([{"type": "image", "sourceType": "base64", "data": format!("data:image/png;base64,{PIXEL}")}]),
            json!([{"type": "image", "sourceType": "file_uri", "mediaType": "image/png", "data": "gs://b/a\"b.png"}]),
            json!([{"type": "document", "sourceType": "file_uri", "data": "https://generativelanguage.googleapis.com/v1beta/files/x"}]),
            json!([{"type": "text", "text": ""}]),
        ];
        let configs = [
            json!(null),
            json!({}),
            json!({"maxTokens": 256, "temperature": 0.2, "topP": 0.95, "topK": 40, "stopSequences": ["END", "\"q\""],
                   "presencePenalty": -0.5, "frequencyPenalty": 1.5, "seed": -7, "candidateCount": 2}),
            json!({"temperature": 1e-7, "stopSequences": []}),
            json!({"seed": 3}),
        ];
        let systems = [json!(null), json!("Be brief.\n"), json!(["One.", "Two \"2\"."])];
        for model in ["gemini-2.5-flash", " models/gemini-2.5-pro ", "tunedModels/t\"1", "gemini-\u{1}x"] {
            for content in &contents {
                for config in &configs {
                    for system in &systems {
                        for reply in [json!(null), json!("Sure:  "), json!([{"type": "text", "text": "a "}])] {
                            let mut messages = vec![json!({"role": "user", "content": content})];
                            if !reply.is_null() {
                                messages.push(json!({"role": "assistant", "content": reply}));
                                messages.push(json!({"role": "user", "content": "More."}));
                            }
                            let mut request = json!({"customId": "c\"1", "model": model, "messages": messages});
                            if !config.is_null() {
                                request["generationConfig"] = config.clone();
                            }
                            if !system.is_null() {
                                request["systemPrompt"] = system.clone();
                            }
                            let (common, fast, general) = lines(&request);
                            assert!(common, "{request}");
                            assert_eq!(fast, general, "{request}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn other_requests_take_the_general_path() {
        let base =
            json!({"customId": "c", "model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "Hi"}]});
        let url = json!({"type": "image", "sourceType": "url", "mediaType": "image/png", "data": "https://example.com/a.png"});
        let others = [
            json!({"providerKwargs": {"generationConfig": {"topK": 3}}}),
            json!({"tools": [{"name": "f", "parameters": {"type": "object"}}]}),
            json!({"toolChoice": "auto"}),
            json!({"reasoning": {"effort": "low"}}),
            json!({"responseFormat": {"type": "json"}}),
            json!({"messages": [{"role": "user", "content": [{"type": "text", "text": "a"}, url]}]}),
            json!({"messages": [{"role": "user", "content": [url]}]}),
            json!({"messages": [{"role": "user", "content": []}]}),
            json!({"messages": [
                {"role": "user", "content": "Weather?"},
                {"role": "assistant", "content": [{"type": "tool_call", "id": "t1", "name": "f", "arguments": {}}]},
                {"role": "tool", "content": [{"type": "tool_result", "toolCallId": "t1", "content": "sunny"}]},
            ]}),
        ];
        for other in others {
            let mut request = base.clone();
            for (key, value) in other.as_object().unwrap() {
                request[key] = value.clone();
            }
            let (common, fast, general) = lines(&request);
            assert!(!common, "{request}");
            assert_eq!(fast, general, "{request}");
        }
    }
}
