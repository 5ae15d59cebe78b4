//! A field of an answer whose JSON type the spec does not allow errors its result (`unknown_body`,
//! the body kept in `raw`); it is never read as absent, which made an empty success of an answer
//! whose text was an object, a boolean or a number (a new-user trial). Messages name the field's
//! path and what it takes, in JSON's words.

use serde_json::{json, Value};

use super::*;
use crate::model::ResultStatus;
use crate::results::{EmbeddingInputs, ResultDecoder};
use crate::Endpoint;

fn chat(message: Value) -> Value {
    json!({"object": "chat.completion", "choices": [{"index": 0, "message": message, "finish_reason": "stop"}]})
}

fn assert_unknown_body(provider: &str, body: &Value, words: &str) {
    let line = success_line(provider, "t-1", body);
    let result = one(provider, &line);
    let error = result.error.as_ref().unwrap_or_else(|| panic!("{provider} {body}: {result:?}"));
    assert_eq!((result.status, error.code.as_str()), (ResultStatus::Errored, "unknown_body"), "{provider} {body}");
    assert!(!error.retryable, "{body}");
    assert!(error.message.contains(words), "{provider} {body}: {}", error.message);
    assert_eq!(error.raw.as_ref().map(|raw| raw.get()), Some(line.as_str()), "the line is kept");
}

#[test]
fn a_chat_message_content_of_another_type_is_errored_at_its_path() {
    let content = |content: Value| chat(json!({"role": "assistant", "content": content}));
    let cases = [
        (
            content(json!({"text": "x"})),
            "choices[0].message.content: invalid type: object, expected a string, an array of content parts or null",
        ),
        (content(json!(true)), "choices[0].message.content: invalid type: boolean `true`"),
        (content(json!(42)), "choices[0].message.content: invalid type: number `42`"),
        (
            content(json!(["hello"])),
            "choices[0].message.content[0]: invalid type: string \"hello\", expected a content part object",
        ),
        (
            content(json!([{"type": "text", "text": 5}])),
            "choices[0].message.content[0].text: invalid type: number `5`, expected a string",
        ),
        (content(json!([{"type": "text"}])), "choices[0].message.content[0]: a `text` part without its `text`"),
        (
            content(json!([{"type": "thinking", "thinking": "hm"}, {"type": "text", "text": "A"}])),
            "choices[0].message.content[0].thinking: invalid type: string \"hm\", expected an array of text chunks",
        ),
        (
            content(json!([{"type": "thinking", "thinking": [{"type": "text", "text": ["hm"]}]}])),
            "choices[0].message.content[0].thinking[0].text: invalid type: array, expected a string",
        ),
        (
            chat(json!({"role": "assistant", "content": null, "tool_calls": [{"id": "c", "type": "newer"}]})),
            "choices[0].message.tool_calls[0]: a tool call with neither `function` nor `custom`",
        ),
    ];
    for provider in ["openai", "mistral", "vllm"] {
        for (body, words) in &cases {
            assert_unknown_body(provider, body, words);
        }
    }
    // The choice's place in the list is its path, whatever its index.
    let second = json!({"object": "chat.completion", "choices": [
        {"index": 0, "message": {"content": "A"}, "finish_reason": "stop"},
        {"index": 1, "message": {"content": 7}, "finish_reason": "stop"}]});
    assert_unknown_body("openai", &second, "choices[1].message.content: invalid type: number `7`");
}

#[test]
fn a_custom_tool_call_of_a_chat_answer_is_a_tool_call() {
    let body = chat(json!({"role": "assistant", "content": null,
        "tool_calls": [{"id": "c1", "type": "custom", "custom": {"name": "grep", "input": "a.*b"}}]}));
    let result = one("openai", &success_line("openai", "t-1", &body));
    let response = result.response.expect("an answer");
    assert_eq!(
        serde_json::to_value(&response.content).unwrap(),
        json!([{"type": "tool_call", "id": "c1", "name": "grep", "arguments": "a.*b"}])
    );
}

#[test]
fn a_responses_field_of_another_type_is_errored_at_its_path() {
    let responses = |output: Value| json!({"object": "response", "status": "completed", "output": output});
    let message = |content: Value| json!({"type": "message", "role": "assistant", "content": content});
    let cases = [
        (
            responses(json!([message(json!([{"type": "output_text", "text": {"v": 1}}]))])),
            "output[0].content[0].text: invalid type: object, expected a string",
        ),
        (
            responses(json!([message(json!("hi"))])),
            "output[0].content: invalid type: string \"hi\", expected an array of parts",
        ),
        (responses(json!([{"type": 5}])), "output[0].type: invalid type: number `5`, expected a string"),
        (
            responses(json!([message(json!([{"type": "refusal", "refusal": false}]))])),
            "output[0].content[0].refusal: invalid type: boolean `false`",
        ),
        (
            responses(json!([{"type": "function_call", "call_id": "c", "name": ["f"], "arguments": "{}"}])),
            "output[0].name: invalid type: array",
        ),
        (
            responses(json!([{"type": "reasoning", "summary": [{"type": "summary_text", "text": 3}]}])),
            "output[0].summary[0].text: invalid type: number `3`",
        ),
    ];
    for (body, words) in &cases {
        assert_unknown_body("openai", body, words);
    }
}

#[test]
fn a_gemini_token_count_that_is_no_count_is_errored_not_absent() {
    for count in [json!(-5), json!(1.5), json!("x"), json!(true)] {
        let body = json!({"candidates": [{"content": {"parts": [{"text": "A"}], "role": "model"}, "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": count, "candidatesTokenCount": 1}});
        let result = one("google", &success_line("google", "t-1", &body));
        let error = result.error.as_ref().unwrap_or_else(|| panic!("{body}: {result:?}"));
        assert_eq!(result.status, ResultStatus::Errored, "{body}");
        assert!(error.message.contains("expected a token count"), "{body}: {}", error.message);
        assert!(!error.message.contains("invalid digit"), "{}", error.message);
    }
}

fn embeddings_batch(line: &str) -> crate::model::UnifiedResult {
    let decoder = OpenAiLineDecoder::new("openai").for_endpoint(Some(Endpoint::Embeddings));
    let mut inputs = EmbeddingInputs::new();
    inputs.insert("t-1".into(), json!(1));
    let mut decoder = ResultDecoder::new(Box::new(decoder), None).with_embedding_inputs(Some(Rc::new(inputs)));
    let mut out = Vec::new();
    decoder.push(line.as_bytes(), &mut out);
    decoder.finish(&mut out);
    assert_eq!(out.len(), 1);
    out.remove(0)
}

#[test]
fn an_answer_in_an_embeddings_batch_is_errored_like_vectors_in_a_chat_batch() {
    let answers = [
        (chat(json!({"role": "assistant", "content": "hi"})), "completion_body"),
        (
            json!({"object": "chat.completion", "id": "x", "model": "m", "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}),
            "completion_body",
        ),
        (json!({"object": "response", "status": "completed", "output": []}), "responses_body"),
    ];
    for (body, code) in answers {
        let result = embeddings_batch(&success_line("openai", "t-1", &body));
        let error = result.error.as_ref().unwrap_or_else(|| panic!("{body}: {result:?}"));
        assert_eq!((result.status, error.code.as_str()), (ResultStatus::Errored, code), "{body}");
        assert!(error.message.contains("in an embeddings batch"), "{}", error.message);
    }
}

#[test]
fn an_empty_or_unreadable_vector_is_no_answer() {
    let body = |embedding: Value| json!({"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": embedding}]});
    let cases = [
        (json!([]), "data[0].embedding: empty"),
        (json!(["0.1", "0.2"]), "expected an array of numbers or a base64 string"),
        (json!([0.1, null]), "expected an array of numbers or a base64 string"),
    ];
    for (embedding, words) in cases {
        let result = embeddings_batch(&success_line("openai", "t-1", &body(embedding.clone())));
        let error = result.error.as_ref().unwrap_or_else(|| panic!("{embedding}: {result:?}"));
        assert_eq!(error.code, "invalid_embeddings_body", "{embedding}");
        assert!(error.message.contains(words), "{embedding}: {}", error.message);
        assert!(!error.message.contains("variant") && !error.message.contains(" column "), "{}", error.message);
        assert!(error.message.contains("data[0].embedding: "), "{}", error.message);
    }
    let result = embeddings_batch(&success_line("openai", "t-1", &body(json!([0.5]))));
    assert_eq!(result.response.and_then(|response| response.embeddings), Some(vec![vec![0.5]]));
}

/// serde's words (`u64`, `sequence`, `map`, `untagged enum`) and its `at line 1 column N` of a body
/// the user never saw are said in JSON's words, at the field's path (a new-user trial).
#[test]
fn a_body_that_cannot_be_read_says_so_at_its_field_in_json_words() {
    let usage = |tokens: Value| {
        json!({"object": "chat.completion", "choices": [{"index": 0, "message": {"content": "A"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": tokens, "completion_tokens": 1}})
    };
    let cases = [
        (
            "openai",
            usage(json!("5")),
            "usage.prompt_tokens: invalid type: string \"5\", expected a whole number from 0 up",
        ),
        (
            "openai",
            usage(json!(-5)),
            "usage.prompt_tokens: invalid value: integer `-5`, expected a whole number from 0 up",
        ),
        (
            "openai",
            chat(json!({"content": null, "tool_calls": {"id": "t"}})),
            "choices[0].message.tool_calls: invalid type: object, expected an array",
        ),
        (
            "anthropic",
            json!({"id": "m", "type": "message", "role": "assistant", "content": "hi", "stop_reason": "end_turn"}),
            "content: invalid type: string \"hi\", expected an array",
        ),
    ];
    for (provider, body, words) in cases {
        let result = one(provider, &success_line(provider, "t-1", &body));
        let error = result.error.as_ref().unwrap_or_else(|| panic!("{body}: {result:?}"));
        assert_eq!(result.status, ResultStatus::Errored, "{body}");
        assert!(error.message.ends_with(words), "{provider} {body}: {}", error.message);
    }
    // A line that is no object is wrong as a whole.
    let result = one("openai", "[1,2]");
    let message = &result.error.as_ref().unwrap().message;
    assert!(message.ends_with("could not be read: invalid type: array, expected a result line object"), "{message}");
}
