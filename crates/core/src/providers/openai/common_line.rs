//! The chat line of a common request written straight into the JSONL (every dialect): text and
//! images from base64 or a URL from the user, text from the assistant, a plain system prompt and
//! the generation settings. serde's derived writer goes through a state machine per field and
//! checks every key and string byte by byte; this writes the same bytes with the keys as literals.
//! Any other request (documents, tools, structured output, reasoning, `providerKwargs`…) is
//! written by [`super::request`]'s general path; tests check that both give the same bytes.

use crate::conversation_rules::prefill_index;
use crate::model::{ContentPart, GenerationConfig, MessageContent, Role, SourceType, SystemPrompt, UnifiedRequest};
use crate::providers::json_text::{chat_message, field, optional, raw, string_array, value, ImageUrl};

use super::Dialect;

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
        system_prompt_cache_control: _, // Anthropic's only: the general path leaves it out too
        cache_control: _,               // likewise
        prompt_cache_key: _,
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
        && request.parallel_tool_calls.is_none()
        && request.response_format.is_none()
        && request.reasoning.is_none()
        && request.end_user_id.is_none()
        && request.prompt_cache_key.is_none()
        && matches!(request.system_prompt, None | Some(SystemPrompt::Text(_)))
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

/// Appends the chat line of a request [`is_common`] accepted, with its trailing newline.
pub(super) fn write(request: &UnifiedRequest, dialect: Dialect, out: &mut Vec<u8>) {
    field(out, b"{\"custom_id\":", &request.custom_id);
    field(out, b",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":", &request.model);
    raw(out, b",\"messages\":[");
    let mut first = true;
    if let Some(SystemPrompt::Text(system)) = &request.system_prompt {
        field(out, b"{\"role\":\"system\",\"content\":", system);
        raw(out, b"}");
        first = false;
    }
    for message in &request.messages {
        if !first {
            raw(out, b",");
        }
        first = false;
        chat_message(out, message, ImageUrl::Object);
        raw(out, b"}");
    }
    raw(out, b"]");
    let config = request.generation_config.as_ref();
    if let Some(max_tokens) = config.and_then(|config| config.max_tokens) {
        raw(out, if dialect.sends_max_tokens() { b",\"max_tokens\":" } else { b",\"max_completion_tokens\":" });
        value(out, &max_tokens);
    }
    if let Some(config) = config {
        optional(out, b",\"temperature\":", config.temperature);
        optional(out, b",\"top_p\":", config.top_p);
        optional(out, b",\"top_k\":", config.top_k.filter(|_| dialect.takes_top_k()));
        if let Some(stop) = &config.stop_sequences {
            string_array(out, b",\"stop\":", stop);
        }
        optional(out, b",\"presence_penalty\":", config.presence_penalty);
        optional(out, b",\"frequency_penalty\":", config.frequency_penalty);
        optional(out, b",\"seed\":", config.seed);
        optional(out, b",\"n\":", dialect.n(config.candidate_count));
    }
    // vLLM continues a final assistant message (a prefill) instead of answering it.
    if dialect == Dialect::Vllm && prefill_index(request).is_some() {
        raw(out, b",\"continue_final_message\":true,\"add_generation_prompt\":false");
    }
    raw(out, b"}}\n");
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::request::{write_general_line, write_line};
    use super::*;
    use crate::parse::parse_request;

    const PIXEL: &str =
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
    const DIALECTS: [Dialect; 6] =
        [Dialect::OpenAi, Dialect::Vllm, Dialect::Groq, Dialect::Azure, Dialect::Together, Dialect::Xai];

    fn lines(request: &serde_json::Value, dialect: Dialect) -> (bool, String, String) {
        let request = parse_request(0, &request.to_string()).unwrap();
        let (mut fast, mut general) = (Vec::new(), Vec::new());
        write_line(&request, dialect, &mut fast).unwrap();
        write_general_line(&request, dialect, &mut general).unwrap();
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
                   "presencePenalty": -0.5, "frequencyPenalty": 1.5, "seed": -7, "candidateCount": 2}),
            json!({"temperature": 1e-7, "stopSequences": []}),
        ];
        for content in &contents {
            for config in &configs {
                for system in [json!(null), json!("Be brief.\n")] {
                    for prefill in [json!(null), json!("Sure:  "), json!([{"type": "text", "text": "a "}])] {
                        let mut messages = vec![json!({"role": "user", "content": content})];
                        if !prefill.is_null() {
                            messages.push(json!({"role": "assistant", "content": prefill}));
                        }
                        let mut request = json!({"customId": "c\"1", "model": "m", "messages": messages});
                        if !config.is_null() {
                            request["generationConfig"] = config.clone();
                        }
                        if !system.is_null() {
                            request["systemPrompt"] = system.clone();
                        }
                        for dialect in DIALECTS {
                            let (common, fast, general) = lines(&request, dialect);
                            assert!(common, "{request}");
                            assert_eq!(fast, general, "{dialect:?} {request}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn other_requests_take_the_general_path() {
        let base = json!({"customId": "c", "model": "m", "messages": [{"role": "user", "content": "Hi"}]});
        let document =
            json!({"type": "document", "sourceType": "base64", "mediaType": "application/pdf", "data": "JVBERi0xLjQK"});
        let others = [
            json!({"providerKwargs": {"top_k": 3}}),
            json!({"tools": [{"name": "f", "parameters": {"type": "object"}}]}),
            json!({"toolChoice": "auto"}),
            json!({"parallelToolCalls": false}),
            json!({"endUserId": "u"}),
            json!({"promptCacheKey": "k"}),
            json!({"systemPrompt": ["a", "b"]}),
            json!({"reasoning": {"effort": "low"}}),
            json!({"responseFormat": {"type": "json"}}),
            json!({"messages": [{"role": "user", "content": [document]}]}),
            json!({"messages": [{"role": "user", "content": [{"type": "image", "sourceType": "file_uri", "mediaType": "image/png", "data": "gs://b/a.png"}]}]}),
        ];
        for other in others {
            let mut request = base.clone();
            for (key, value) in other.as_object().unwrap() {
                request[key] = value.clone();
            }
            for dialect in DIALECTS {
                let (common, fast, general) = lines(&request, dialect);
                assert!(!common, "{request}");
                assert_eq!(fast, general, "{dialect:?} {request}");
            }
        }
    }
}
