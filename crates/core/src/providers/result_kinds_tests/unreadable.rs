//! An answer with nothing readable in it is no success, and an error that says nothing is no
//! answer (field cases 25 and 03, as a new-user trial found them again): the rule Gemini's reader
//! had, on every decoder that builds a success from a body.

use serde_json::{json, Value};

use super::*;
use crate::model::ResultStatus;
use crate::providers::xai::XaiLineDecoder;
use crate::Endpoint;

fn responses(output: Value) -> Value {
    json!({"id": "resp_1", "object": "response", "status": "completed", "model": "gpt-5", "output": output,
        "usage": {"input_tokens": 10, "output_tokens": 20, "total_tokens": 30}})
}

fn chat(message: Value) -> Value {
    json!({"id": "c", "object": "chat.completion", "created": 1, "model": "m",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 9, "total_tokens": 10}})
}

/// Errored `unknown_body`, not retryable, the body kept in `raw`, the message saying `words`.
fn assert_unreadable(result: &UnifiedResult, words: &str, label: &str) {
    assert_eq!(result.status, ResultStatus::Errored, "{label}: {result:?}");
    let error = result.error.as_ref().unwrap();
    assert_eq!((error.code.as_str(), error.retryable), ("unknown_body", false), "{label}: {error:?}");
    assert!(error.message.contains(words), "{label}: {}", error.message);
    assert!(error.message.contains("kept in `raw`"), "{label}: {}", error.message);
    assert!(error.raw.as_ref().is_some_and(|raw| raw.get().contains("\"body\"")), "{label}");
}

#[test]
fn a_responses_body_with_no_item_read_is_unknown_body() {
    let unreadable = [
        ("web_search_call", json!([{"type": "web_search_call", "id": "ws_1", "status": "completed"}])),
        (
            "image_generation_call",
            json!([{"type": "image_generation_call", "id": "ig_1", "status": "completed", "result": "iVBORw0KGgo="}]),
        ),
        ("brand_new_item", json!([{"type": "brand_new_item", "id": "x_1", "payload": {"a": 1}}])),
        (
            "a message with parts of other kinds",
            json!([{"type": "message", "id": "m", "role": "assistant", "content": [{"type": "output_audio", "data": "AAAA"}]}]),
        ),
        ("no output item", json!([])),
    ];
    for provider in ["openai", "vllm", "mistral"] {
        for (words, output) in &unreadable {
            let result = one(provider, &success_line(provider, "r", &responses(output.clone())));
            assert_unreadable(&result, words, &format!("{provider} {output}"));
        }
    }
}

#[test]
fn a_responses_body_with_a_known_item_stays_an_answer_even_empty() {
    let answers = [
        // Known empty text, a tool call alone, reasoning without a summary, a message with no part,
        // and a built-in tool item beside text.
        json!([{"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": ""}]}]),
        json!([{"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"}]),
        json!([{"type": "reasoning", "id": "rs_1", "summary": []}]),
        json!([{"type": "message", "role": "assistant", "content": []}]),
        json!([{"type": "web_search_call", "id": "ws_1"}, {"type": "message", "content": [{"type": "output_text", "text": "hi"}]}]),
    ];
    for output in answers {
        let result = one("openai", &success_line("openai", "r", &responses(output.clone())));
        assert_eq!(result.status, ResultStatus::Succeeded, "{output}: {result:?}");
    }
    // An `incomplete` response with no item is the answer its finish reason explains.
    let mut incomplete = responses(json!([]));
    incomplete["status"] = json!("incomplete");
    incomplete["incomplete_details"] = json!({"reason": "max_output_tokens"});
    let result = one("openai", &success_line("openai", "r", &incomplete));
    assert_eq!(result.status, ResultStatus::Succeeded, "{result:?}");
}

#[test]
fn a_chat_message_of_only_unread_things_is_unknown_body() {
    let unreadable = [
        ("only `content`", json!({"role": "assistant", "content": [{"type": "output_audio", "data": "AAAA"}]})),
        (
            "only `audio`",
            json!({"role": "assistant", "content": null, "audio": {"id": "audio_1", "data": "AAAA", "transcript": "hi", "expires_at": 1}}),
        ),
        (
            "only `function_call`",
            json!({"role": "assistant", "content": null, "function_call": {"name": "f", "arguments": "{}"}}),
        ),
    ];
    for provider in ["openai", "vllm", "mistral"] {
        for (words, message) in &unreadable {
            let result = one(provider, &success_line(provider, "c", &chat(message.clone())));
            assert_unreadable(&result, words, &format!("{provider} {message}"));
            assert!(result.error.unwrap().message.contains("choices[0].message"));
        }
    }
    // Through xAI's results, which are read as OpenAI lines.
    let item = json!({"batch_request_id": "x", "batch_result": {"response": {"chat_get_completion": chat(unreadable[1].1.clone())}}});
    let result = XaiLineDecoder.decode_line(item.to_string().as_bytes(), 1);
    assert_eq!(result.error.map(|error| error.code), Some("unknown_body".to_owned()));
}

#[test]
fn a_chat_message_with_anything_read_stays_an_answer() {
    let answers = [
        json!({"role": "assistant", "content": ""}),
        json!({"role": "assistant", "content": null}),
        json!({"role": "assistant", "content": null, "tool_calls": [{"id": "t", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}),
        json!({"role": "assistant", "content": null, "refusal": "no"}),
        json!({"role": "assistant", "content": [{"type": "output_audio", "data": "AAAA"}, {"type": "text", "text": "hi"}]}),
        json!({"role": "assistant", "content": "hi", "audio": {"id": "a"}}),
        json!({"role": "assistant", "content": null, "audio": null, "function_call": null}),
    ];
    for provider in ["openai", "mistral"] {
        for message in &answers {
            let result = one(provider, &success_line(provider, "c", &chat(message.clone())));
            assert_eq!(result.status, ResultStatus::Succeeded, "{provider} {message}: {result:?}");
        }
    }
}

/// `no_response`, retryable, a message that says there was no answer (and never the rpc name `OK`).
fn assert_no_answer(result: &UnifiedResult, label: &str) {
    assert_eq!(result.status, ResultStatus::Errored, "{label}: {result:?}");
    let error = result.error.as_ref().unwrap();
    assert_eq!((error.code.as_str(), error.retryable), ("no_response", true), "{label}: {error:?}");
    assert!(error.message.starts_with("the provider produced no"), "{label}: {}", error.message);
    assert!(error.raw.is_some(), "{label}");
}

#[test]
fn an_error_that_says_nothing_is_no_answer_on_every_provider() {
    let lines = [
        ("google", json!({"key": "x", "error": {"code": 0, "message": ""}})),
        ("google", json!({"key": "x", "error": {}})),
        ("google", json!({"key": "x", "error": {"code": 0}})),
        ("google", json!({"key": "x", "error": {"code": 0, "message": "", "details": []}})),
        ("openai", json!({"custom_id": "x", "response": null, "error": {}})),
        ("openai", json!({"custom_id": "x", "response": null, "error": {"code": null, "message": ""}})),
        ("vllm", json!({"custom_id": "x", "response": null, "error": ""})),
        ("mistral", json!({"custom_id": "x", "error": {}})),
        ("anthropic", json!({"custom_id": "x", "result": {"type": "errored"}})),
        ("anthropic", json!({"custom_id": "x", "result": {"type": "errored", "error": {}}})),
        (
            "anthropic",
            json!({"custom_id": "x", "result": {"type": "errored", "error": {"type": "error", "error": {}}}}),
        ),
    ];
    for (provider, line) in lines {
        assert_no_answer(&one(provider, &line.to_string()), &format!("{provider} {line}"));
    }
    let result = XaiLineDecoder
        .decode_line(json!({"batch_request_id": "x", "batch_result": {"error": {}}}).to_string().as_bytes(), 1);
    assert_no_answer(&result, "xai");
    // Gemini's code 0 with words keeps them; an error that says something keeps its meaning.
    let result = one("google", &json!({"key": "x", "error": {"code": 0, "message": "lost"}}).to_string());
    assert_no_answer(&result, "google code 0 with a message");
    assert!(result.error.unwrap().message.ends_with(": lost"));
    let result = one("google", &json!({"key": "x", "error": {"message": "bad"}}).to_string());
    assert_eq!(result.error.map(|error| (error.code, error.retryable)), Some(("error".to_owned(), false)));
    let result = one("anthropic", &json!({"custom_id": "x", "result": {"type": "errored", "error": {"type": "error", "error": {"type": "invalid_request_error", "message": "m"}}}}).to_string());
    assert_eq!(result.error.map(|error| error.code), Some("invalid_request_error".to_owned()));
}

#[test]
fn status_0_with_an_error_without_a_code_is_one_code_on_openai_and_mistral() {
    for provider in ["openai", "vllm", "mistral"] {
        let line = json!({"custom_id": "x", "response": {"status_code": 0, "request_id": "", "body": {}}, "error": {"message": "dropped"}});
        let result = one(provider, &line.to_string());
        assert_no_answer(&result, provider);
        let error = result.error.unwrap();
        assert!(error.message.ends_with(": dropped"), "{provider}: {}", error.message);
        assert_eq!(error.http_status, None);
        // A failing status with a codeless error is `http_…` on both.
        let line = json!({"custom_id": "x", "response": {"status_code": 503, "body": {"error": {"message": "busy"}}}, "error": null});
        let error = one(provider, &line.to_string()).error.unwrap();
        assert_eq!(
            (error.code.as_str(), error.message.as_str(), error.retryable),
            ("http_503", "busy", true),
            "{provider}"
        );
    }
}

#[test]
fn a_status_code_of_another_type_is_said_in_json_words() {
    let line = json!({"custom_id": "x", "response": {"status_code": "0", "request_id": "", "body": {}}, "error": null});
    for provider in ["openai", "mistral"] {
        let error = one(provider, &line.to_string()).error.unwrap();
        assert_eq!(error.code, "malformed_result_line", "{provider}");
        assert!(error.message.contains("expected a whole number from 0 to 65535"), "{provider}: {}", error.message);
        assert!(!error.message.contains("u16"), "{provider}: {}", error.message);
    }
}

#[test]
fn an_embeddings_list_with_no_vector_is_named_so() {
    let body = json!({"object": "list", "data": [], "model": "text-embedding-3-small", "usage": {"prompt_tokens": 0, "total_tokens": 0}});
    let line = success_line("openai", "e", &body);
    let mut decoder = OpenAiLineDecoder::new("openai").for_endpoint(Some(Endpoint::Embeddings));
    let error = decoder.decode_line(line.as_bytes(), 1).error.unwrap();
    assert_eq!((error.code.as_str(), error.retryable), ("embeddings_count_mismatch", true));
    assert!(error.message.contains("no vector"), "{}", error.message);
    // In a batch of another kind, it is named as the embeddings list it is.
    let mut decoder = OpenAiLineDecoder::new("openai").for_endpoint(Some(Endpoint::Chat));
    assert_eq!(decoder.decode_line(line.as_bytes(), 1).error.unwrap().code, "embeddings_body");
}

#[test]
fn a_usage_object_without_a_count_is_no_usage() {
    let bodies = [
        ("openai", {
            let mut body = chat(json!({"role": "assistant", "content": "hi"}));
            body["usage"] = json!({});
            body
        }),
        ("mistral", {
            let mut body = chat(json!({"role": "assistant", "content": [{"type": "text", "text": "hi"}]}));
            body["usage"] = json!({"prompt_tokens": null});
            body
        }),
        ("openai", {
            let mut body = responses(json!([{"type": "message", "content": [{"type": "output_text", "text": "hi"}]}]));
            body["usage"] = json!({});
            body
        }),
        (
            "anthropic",
            json!({"type": "message", "role": "assistant", "content": [{"type": "text", "text": "hi"}], "usage": {}}),
        ),
        (
            "google",
            json!({"candidates": [{"content": {"parts": [{"text": "hi"}]}, "finishReason": "STOP"}], "usageMetadata": {}}),
        ),
    ];
    for (provider, body) in bodies {
        let result = one(provider, &success_line(provider, "u", &body));
        assert_eq!(result.status, ResultStatus::Succeeded, "{provider}: {result:?}");
        assert_eq!(result.response.unwrap().usage, None, "{provider}: {body}");
    }
    // A count of 0 is a count.
    let body =
        json!({"candidates": [{"content": {"parts": [{"text": "hi"}]}}], "usageMetadata": {"promptTokenCount": 0}});
    assert_eq!(usage_of(&one("google", &success_line("google", "u", &body))).input_tokens, 0);
}
