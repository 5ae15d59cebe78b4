//! The batch line of a common request written straight into the JSONL: text, and images from
//! base64 or a URL from the user; text from the assistant (a final one as the answer's `prefix`);
//! a system prompt; the generation settings. serde's derived writer goes through a state machine
//! per field and checks every key and string byte by byte (a base64 payload included); this writes
//! the same bytes with the keys as literals (issue 18: Mistral's multimodal conversion was among
//! the closest to the floor). Any other request (documents, tools, structured output, reasoning,
//! `providerKwargs`, tool results…) is written by [`super::request`]'s general path; tests check
//! that both give the same bytes.

use crate::conversation_rules::prefill_index;
use crate::model::{ContentPart, GenerationConfig, MessageContent, Role, SourceType, SystemPrompt, UnifiedRequest};
use crate::providers::json_text::{chat_message, field, optional, raw, string, string_array, ImageUrl};

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
        end_user_id: _, // Mistral has none: the general path leaves it out too
        tools: _,
        tool_choice: _,
        parallel_tool_calls: _,
        system_prompt_cache_control: _, // Anthropic's only
        cache_control: _,               // Anthropic's only: refused, or warned and left out
        prompt_cache_key: _,
        provider_kwargs: _,
    } = request;
    // Likewise every setting (all written by `write`; `topK` is not Mistral's, and left out).
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
        && request.prompt_cache_key.is_none()
        && request.messages.iter().all(|message| match (&message.content, message.role) {
            (_, Role::Tool) => false,
            (MessageContent::Text(_), _) => true,
            (MessageContent::Parts(parts), role) => parts.iter().all(|part| match part {
                ContentPart::Text(_) => true,
                ContentPart::Image(media) => {
                    role == Role::User && matches!(media.source_type, SourceType::Base64 | SourceType::Url)
                }
                _ => false,
            }),
        })
}

/// Appends the batch line of a request [`is_common`] accepted, with its trailing newline.
pub(super) fn write(request: &UnifiedRequest, out: &mut Vec<u8>) {
    field(out, b"{\"custom_id\":", &request.custom_id);
    field(out, b",\"body\":{\"model\":", &request.model);
    raw(out, b",\"messages\":[");
    let mut first = true;
    match &request.system_prompt {
        Some(SystemPrompt::Text(system)) => {
            field(out, b"{\"role\":\"system\",\"content\":", system);
            raw(out, b"}");
            first = false;
        }
        Some(SystemPrompt::Parts(parts)) => {
            raw(out, b"{\"role\":\"system\",\"content\":");
            // One prompt is a string, several are text chunks (as the general path sends them).
            if let [only] = parts.as_slice() {
                string(out, only);
            } else {
                text_chunks(out, parts.iter().map(String::as_str));
            }
            raw(out, b"}");
            first = false;
        }
        None => {}
    }
    let prefill = prefill_index(request);
    for (index, message) in request.messages.iter().enumerate() {
        if !first {
            raw(out, b",");
        }
        first = false;
        chat_message(out, message, ImageUrl::Text);
        if prefill == Some(index) {
            raw(out, b",\"prefix\":true");
        }
        raw(out, b"}");
    }
    raw(out, b"]");
    if let Some(config) = &request.generation_config {
        // serde's order: the fields of the general path's `ChatBody`.
        optional(out, b",\"max_tokens\":", config.max_tokens);
        optional(out, b",\"temperature\":", config.temperature);
        optional(out, b",\"top_p\":", config.top_p);
        if let Some(stop) = &config.stop_sequences {
            string_array(out, b",\"stop\":", stop);
        }
        optional(out, b",\"presence_penalty\":", config.presence_penalty);
        optional(out, b",\"frequency_penalty\":", config.frequency_penalty);
        optional(out, b",\"random_seed\":", config.seed);
        optional(out, b",\"n\":", config.candidate_count);
    }
    raw(out, b"}}\n");
}

/// `texts` as an array of text chunks.
fn text_chunks<'a>(out: &mut Vec<u8>, texts: impl Iterator<Item = &'a str>) {
    raw(out, b"[");
    for (position, text) in texts.enumerate() {
        if position > 0 {
            raw(out, b",");
        }
        field(out, b"{\"type\":\"text\",\"text\":", text);
        raw(out, b"}");
    }
    raw(out, b"]");
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::request::{write_general_line, write_line};
    use super::*;
    use crate::parse::parse_request;

    const PIXEL: &str =
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

    fn lines(request: &serde_json::Value) -> (bool, String, String) {
        let request = parse_request(0, &request.to_string()).unwrap();
        let (mut fast, mut general) = (Vec::new(), Vec::new());
        write_line(&request, &mut fast).unwrap();
        write_general_line(&request, &mut general).unwrap();
        (is_common(&request), String::from_utf8(fast).unwrap(), String::from_utf8(general).unwrap())
    }

    #[test]
    fn common_requests_are_written_as_the_general_path_writes_them() {
        let image = json!({"type": "image", "sourceType": "base64", "mediaType": "image/png", "data": PIXEL});
        let contents = [
            json!("Hello \"there\" \\ \n\t\u{1} é ☃ 😀"),
            json!([{"type": "text", "text": "a", "cacheControl": {}}, image, image]),
            json!([{"type": "image", "sourceType": "base64", "data": format!("data:image/png;base64,{PIXEL}")}]),
            json!([{"type": "image", "sourceType": "base64", "data": PIXEL}]),
            json!([{"type": "image", "sourceType": "url", "data": "https://example.com/a\"b.png"}]),
            json!([]),
        ];
        let configs = [
            json!(null),
            json!({}),
            json!({"maxTokens": 256, "temperature": 0.2, "topP": 0.95, "topK": 40, "stopSequences": ["END", "\"q\""],
                   "presencePenalty": -0.5, "frequencyPenalty": 1.5, "seed": 7, "candidateCount": 2}),
            json!({"temperature": 1e-7, "stopSequences": []}),
        ];
        let systems = [json!(null), json!("Be brief.\n"), json!(["Only \"one\"."]), json!(["One.", "Two."])];
        for content in &contents {
            for config in &configs {
                for system in &systems {
                    for prefill in [json!(null), json!("Sure:  "), json!([{"type": "text", "text": "a "}])] {
                        for follow_up in [false, true] {
                            let mut messages = vec![json!({"role": "user", "content": content})];
                            if !prefill.is_null() {
                                messages.push(json!({"role": "assistant", "content": prefill}));
                                if follow_up {
                                    messages.push(json!({"role": "user", "content": "More."}));
                                }
                            }
                            let mut request =
                                json!({"customId": "c\"1", "model": "mistral-small-latest", "messages": messages});
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
        let base = json!({"customId": "c", "model": "m", "messages": [{"role": "user", "content": "Hi"}]});
        let document = json!({"type": "document", "sourceType": "url", "data": "https://example.com/a.pdf"});
        let others = [
            json!({"providerKwargs": {"safe_prompt": true}}),
            json!({"tools": [{"name": "f", "parameters": {"type": "object"}}]}),
            json!({"toolChoice": "auto"}),
            json!({"parallelToolCalls": false}),
            json!({"promptCacheKey": "k"}),
            json!({"reasoning": {"effort": "low"}}),
            json!({"responseFormat": {"type": "json"}}),
            json!({"messages": [{"role": "user", "content": [document]}]}),
            json!({"messages": [{"role": "user", "content": [{"type": "image", "sourceType": "file_uri", "mediaType": "image/png", "data": "gs://b/a.png"}]}]}),
            json!({"messages": [
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": [{"type": "text", "text": "a"}, {"type": "image", "sourceType": "url", "data": "https://example.com/a.png"}]},
            ]}),
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
