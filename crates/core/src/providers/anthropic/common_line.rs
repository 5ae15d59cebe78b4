//! The line of a common request written straight into the JSONL: text, and images and documents
//! from base64 or a URL, in user and assistant messages, with a plain system prompt and the
//! generation settings. serde's derived writer goes through a state machine per field and checks
//! every key and string byte by byte; this writes the same bytes with the keys as literals. Any
//! other request (tools, caching, reasoning, structured output, `providerKwargs`…) is written by
//! [`super::request::write_line`]'s general path; tests check that both give the same bytes.

use crate::conversation_rules::prefill_index;
use crate::media_data::{media_type, payload};
use crate::model::{
    ContentPart, GenerationConfig, MediaContent, MessageContent, Role, SourceType, SystemPrompt, UnifiedRequest,
};
use crate::providers::json_text::{field, optional, raw, string, string_array, value};

use super::request::DEFAULT_MAX_TOKENS;

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
        system_prompt: _,     // checked below
        generation_config: _, // written by `write`
        response_format: _,
        reasoning: _,
        end_user_id: _,
        tools: _,
        tool_choice: _,
        parallel_tool_calls: _,
        system_prompt_cache_control: _,
        cache_control: _,
        prompt_cache_key: _, // OpenAI's only: the general path leaves it out too
        provider_kwargs: _,
    } = request;
    // Likewise every setting (written by `write` where Anthropic has the setting; the general path leaves out the others too).
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
        && request.parallel_tool_calls.is_none()
        && request.response_format.is_none()
        && request.reasoning.is_none()
        && request.end_user_id.is_none()
        && request.system_prompt_cache_control.is_none()
        && request.cache_control.is_none()
        && matches!(request.system_prompt, None | Some(SystemPrompt::Text(_)))
        && request.messages.iter().all(|message| {
            matches!(message.role, Role::User | Role::Assistant)
                && match &message.content {
                    MessageContent::Text(_) => true,
                    MessageContent::Parts(parts) => parts.iter().all(|part| match part {
                        ContentPart::Text(text) => text.cache_control.is_none(),
                        ContentPart::Image(media) | ContentPart::Document(media) => {
                            media.cache_control.is_none()
                                && matches!(media.source_type, SourceType::Base64 | SourceType::Url)
                        }
                        _ => false,
                    }),
                }
        })
}

/// Appends the line of a request [`is_common`] accepted, with its trailing newline.
pub(super) fn write(request: &UnifiedRequest, custom_id: &str, out: &mut Vec<u8>) {
    let config = request.generation_config.as_ref();
    field(out, b"{\"custom_id\":", custom_id);
    field(out, b",\"params\":{\"model\":", &request.model);
    raw(out, b",\"max_tokens\":");
    value(out, &config.and_then(|config| config.max_tokens).unwrap_or(DEFAULT_MAX_TOKENS));
    if let Some(SystemPrompt::Text(system)) = &request.system_prompt {
        field(out, b",\"system\":", system);
    }
    raw(out, b",\"messages\":[");
    // Anthropic refuses a prefill that ends with whitespace: its last text is trimmed, as the
    // general path does (conversation_rules).
    let prefill = prefill_index(request);
    for (index, message) in request.messages.iter().enumerate() {
        if index > 0 {
            raw(out, b",");
        }
        raw(
            out,
            if message.role == Role::User {
                b"{\"role\":\"user\",\"content\":"
            } else {
                b"{\"role\":\"assistant\",\"content\":"
            },
        );
        let is_prefill = prefill == Some(index);
        match &message.content {
            MessageContent::Text(text) => string(out, trimmed(text, is_prefill)),
            MessageContent::Parts(parts) => {
                raw(out, b"[");
                for (position, part) in parts.iter().enumerate() {
                    if position > 0 {
                        raw(out, b",");
                    }
                    match part {
                        ContentPart::Text(text) => {
                            let text = trimmed(&text.text, is_prefill && position + 1 == parts.len());
                            field(out, b"{\"type\":\"text\",\"text\":", text);
                        }
                        ContentPart::Image(media) => media_block(out, b"{\"type\":\"image\",\"source\":", media),
                        ContentPart::Document(media) => media_block(out, b"{\"type\":\"document\",\"source\":", media),
                        // `is_common` let no other part through.
                        _ => {}
                    }
                    raw(out, b"}");
                }
                raw(out, b"]");
            }
        }
        raw(out, b"}");
    }
    raw(out, b"]");
    optional(out, b",\"temperature\":", config.and_then(|config| config.temperature));
    optional(out, b",\"top_p\":", config.and_then(|config| config.top_p));
    optional(out, b",\"top_k\":", config.and_then(|config| config.top_k));
    if let Some(stop_sequences) = config.and_then(|config| config.stop_sequences.as_deref()) {
        string_array(out, b",\"stop_sequences\":", stop_sequences);
    }
    raw(out, b"}}\n");
}

fn trimmed(text: &str, trim: bool) -> &str {
    if trim {
        text.trim_end()
    } else {
        text
    }
}

/// An image or document block up to its closing brace: its source, base64 or a URL.
fn media_block(out: &mut Vec<u8>, opening: &[u8], media: &MediaContent) {
    raw(out, opening);
    if media.source_type == SourceType::Url {
        field(out, b"{\"type\":\"url\",\"url\":", &media.data);
    } else {
        field(out, b"{\"type\":\"base64\",\"media_type\":", media_type(media).unwrap_or_default());
        field(out, b",\"data\":", payload(media));
    }
    raw(out, b"}");
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::request::{write_general_line, write_line};
    use super::*;
    use crate::parse::parse_request;

    const PIXEL: &str =
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

    fn lines(request: serde_json::Value) -> (bool, Vec<u8>, Vec<u8>) {
        let request = parse_request(0, &request.to_string()).unwrap();
        let (mut fast, mut general) = (Vec::new(), Vec::new());
        write_line(&request, "id-1", &mut fast).unwrap();
        write_general_line(&request, "id-1", &mut general).unwrap();
        (is_common(&request), fast, general)
    }

    #[test]
    fn common_requests_are_written_as_the_general_path_writes_them() {
        let image = json!({"type": "image", "sourceType": "base64", "mediaType": "image/png", "data": PIXEL});
        let contents = [
            json!("Hello \"there\" \\ \n\t\u{1} é ☃ 😀"),
            json!([{"type": "text", "text": "a"}, image, image]),
            json!([image, {"type": "text", "text": "last  \n"}]),
            json!([{"type": "image", "sourceType": "base64", "data": format!("data:image/png;base64,{PIXEL}")}]),
            json!([{"type": "image", "sourceType": "url", "data": "https://example.com/a\"b.png"}]),
            json!([{"type": "document", "sourceType": "base64", "mediaType": "application/pdf", "data": "JVBERi0xLjQK"}]),
            json!([{"type": "document", "sourceType": "url", "data": "https://example.com/a.pdf"}]),
            json!([]),
        ];
        let configs = [
            json!(null),
            json!({}),
            json!({"maxTokens": 256, "temperature": 0.2, "topP": 0.95, "topK": 40, "stopSequences": ["END", "\"q\""]}),
            json!({"temperature": 1e-7, "stopSequences": []}),
            // Settings Anthropic has no field for: both writers must leave them out alike.
            json!({"maxTokens": 9, "presencePenalty": -0.5, "frequencyPenalty": 1.5, "seed": -7, "candidateCount": 1}),
        ];
        for content in &contents {
            for config in &configs {
                for system in [json!(null), json!("Be brief.\n")] {
                    for prefill in [json!(null), json!("Sure:  "), content.clone()] {
                        let mut messages = vec![json!({"role": "user", "content": content})];
                        if !prefill.is_null() {
                            messages.push(json!({"role": "assistant", "content": prefill}));
                        }
                        let mut request =
                            json!({"customId": "c\"1", "model": "claude-sonnet-4-5", "messages": messages});
                        if !config.is_null() {
                            request["generationConfig"] = config.clone();
                        }
                        if !system.is_null() {
                            request["systemPrompt"] = system.clone();
                        }
                        let (common, fast, general) = lines(request.clone());
                        assert!(common, "{request}");
                        assert_eq!(String::from_utf8(fast).unwrap(), String::from_utf8(general).unwrap(), "{request}");
                    }
                }
            }
        }
    }

    #[test]
    fn other_requests_take_the_general_path() {
        let base =
            json!({"customId": "c", "model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "Hi"}]});
        let others = [
            json!({"providerKwargs": {"top_k": 3}}),
            json!({"tools": [{"name": "f", "parameters": {"type": "object"}}]}),
            json!({"toolChoice": "auto"}),
            json!({"parallelToolCalls": false}),
            json!({"endUserId": "u"}),
            json!({"systemPrompt": ["a", "b"]}),
            json!({"systemPrompt": "a", "systemPromptCacheControl": {}}),
            json!({"reasoning": {"budgetTokens": 1024}}),
            json!({"messages": [{"role": "user", "content": [{"type": "text", "text": "a", "cacheControl": {}}]}]}),
            json!({"messages": [{"role": "user", "content": [{"type": "image", "sourceType": "file_uri", "mediaType": "image/png", "data": "gs://b/a.png"}]}]}),
        ];
        for other in others {
            let mut request = base.clone();
            for (key, value) in other.as_object().unwrap() {
                request[key] = value.clone();
            }
            let (common, fast, general) = lines(request.clone());
            assert!(!common, "{request}");
            assert_eq!(fast, general, "{request}");
        }
    }
}
