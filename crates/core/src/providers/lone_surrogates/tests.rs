//! Answers holding lone surrogate escapes, on every provider's result form: read as U+FFFD, a
//! success as any other, `raw` kept as the provider wrote it (a new-user trial lost them as
//! `unknown_body`).

use serde_json::{json, Value};

use super::replaced;
use crate::http::HttpResponse;
use crate::model::{OutputPart, ResultStatus, UnifiedResult};
use crate::providers::common::parse_json;
use crate::providers::google::inline_lines;
use crate::providers::result_kinds_tests::{decode, one, success_line};

/// The escapes an answer cut inside an emoji can end with, and the text each is read as.
const CUTS: [(&str, &str); 5] = [
    (r"\ud83d", "\u{fffd}"),
    (r"\ude00", "\u{fffd}"),
    (r"\ud83d\ude00", "\u{1f600}"),
    (r"\ud83d\ud83d\ude00x", "\u{fffd}\u{1f600}x"),
    (r"\\ud83d", r"\ud83d"),
];

fn body_of(provider: &str) -> Value {
    match provider {
        "anthropic" => json!({"id": "msg_1", "type": "message", "role": "assistant", "model": "m",
            "content": [{"type": "text", "text": "Sure @@"}], "stop_reason": "max_tokens",
            "usage": {"input_tokens": 3, "output_tokens": 2}}),
        "google" => json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "Sure @@"}]},
            "finishReason": "MAX_TOKENS"}], "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 2}}),
        "responses" => json!({"id": "resp_1", "object": "response", "status": "incomplete",
            "incomplete_details": {"reason": "max_output_tokens"}, "model": "m",
            "output": [{"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Sure @@"}]}],
            "usage": {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}}),
        _ => json!({"object": "chat.completion", "model": "m", "choices": [{"index": 0,
            "message": {"role": "assistant", "content": "Sure @@"}, "finish_reason": "length"}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}}),
    }
}

fn assert_read(label: &str, result: &UnifiedResult, text: &str, raw_body: &str) {
    assert_eq!(result.status, ResultStatus::Succeeded, "{label}: {result:?}");
    let response = result.response.as_ref().unwrap();
    assert_eq!(response.text, format!("Sure {text}"), "{label}");
    assert_eq!(response.finish_reason, crate::model::FinishReason::Length, "{label}");
    assert_eq!(response.raw.get(), raw_body, "{label}: raw is the body as the provider wrote it");
}

#[test]
fn an_answer_cut_inside_an_emoji_is_a_success_on_every_provider() {
    for provider in ["openai", "vllm", "mistral", "anthropic", "google", "responses"] {
        let decoder = if provider == "responses" { "openai" } else { provider };
        let template = success_line(decoder, "cut", &body_of(provider));
        let body_template = body_of(provider).to_string();
        for (escape, text) in CUTS {
            let line = template.replace("@@", escape);
            let label = format!("{provider} {escape}");
            let result = one(decoder, &line);
            assert_eq!(result.custom_id, "cut", "{label}");
            assert_read(&label, &result, text, &body_template.replace("@@", escape));
        }
    }
}

#[test]
fn a_lone_surrogate_anywhere_in_the_line_leaves_the_rest_as_read() {
    // In a key, a tool call's arguments (JSON text in a string), an answer read as JSON.
    let line = r#"{"key":"k\ud83d","response":{"candidates":[{"content":{"parts":[{"text":"{\"a\":\"\\ud83d\"}"}]},"finishReason":"STOP"}]}}"#;
    let result = one("google", line);
    assert_eq!(result.status, ResultStatus::Succeeded, "{result:?}");
    assert_eq!(result.custom_id, "k\u{fffd}");
    let mut result = result;
    crate::results::JsonPolicy::Always.apply(&mut result);
    assert_eq!(result.response.as_ref().unwrap().parsed, Some(json!({"a": "\u{fffd}"})));
    let chat = json!({"choices": [{"index": 0, "message": {"content": null, "tool_calls": [{"id": "c", "type": "function",
        "function": {"name": "f", "arguments": "{\"a\":\"@@\"}"}}]}, "finish_reason": "tool_calls"}]});
    let line = success_line("openai", "t", &chat).replace("@@", r"\\ud83d");
    let result = one("openai", &line);
    let arguments = match &result.response.as_ref().unwrap().content[0] {
        OutputPart::ToolCall { arguments, .. } => arguments.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(arguments, json!({"a": "\u{fffd}"}));
}

#[test]
fn an_error_whose_message_holds_a_lone_surrogate_keeps_its_code_and_message() {
    let gemini = r#"{"key":"e","error":{"code":400,"message":"bad \ud83d","status":"INVALID_ARGUMENT"}}"#;
    let openai = r#"{"id":"b","custom_id":"e","response":{"status_code":400,"request_id":"r","body":{"error":{"message":"bad \ud83d","type":"invalid_request_error","code":"invalid_value"}}},"error":null}"#;
    let anthropic = r#"{"custom_id":"e","result":{"type":"errored","error":{"type":"error","error":{"type":"invalid_request_error","message":"bad \ud83d"}}}}"#;
    for (provider, line, code) in [
        ("google", gemini, "INVALID_ARGUMENT"),
        ("openai", openai, "invalid_value"),
        ("anthropic", anthropic, "invalid_request_error"),
    ] {
        let result = one(provider, line);
        let error = result.error.as_ref().unwrap();
        assert_eq!((error.code.as_str(), error.message.as_str()), (code, "bad \u{fffd}"), "{provider}: {result:?}");
        let raw = error.raw.as_ref().unwrap().get();
        assert!(raw.contains(r"bad \ud83d") && line.contains(raw), "{provider}: raw is as written: {raw}");
    }
}

#[test]
fn a_line_that_cannot_be_read_for_another_reason_is_still_malformed() {
    let line = r#"{"key":"m","response":{"candidates":[{"content":{"parts":[{"text":"a \ud83d"}]}}]},}"#;
    let results = decode("google", line);
    let error = results[0].error.as_ref().unwrap();
    assert_eq!(error.code, "malformed_result_line");
    assert!(!error.message.contains("hex escape"), "{}", error.message);
    assert!(error.raw.as_ref().unwrap().get().contains(r"\\ud83d"), "the preview is of the line as written");
}

#[test]
fn bodies_with_lone_surrogates_read_as_json_the_inline_route_included() {
    let body = r#"{"name":"batches/1","done":true,"response":{"inlinedResponses":{"inlinedResponses":[{"metadata":{"key":"a"},"response":{"candidates":[{"content":{"parts":[{"text":"Sure \ud83d"}]},"finishReason":"MAX_TOKENS"}]}}]}}}"#;
    let response = HttpResponse { status: 200, headers: Vec::new(), body: body.to_owned() };
    let operation = parse_json("google", "batch", &response).unwrap();
    let responses = operation.pointer("/response/inlinedResponses/inlinedResponses").unwrap().as_array().unwrap();
    let jsonl = inline_lines("google", &operation, responses, None).unwrap();
    let result = one("google", std::str::from_utf8(&jsonl).unwrap().trim_end());
    assert_eq!(result.response.as_ref().unwrap().text, "Sure \u{fffd}", "{result:?}");
}

#[test]
fn only_lone_surrogate_escapes_are_replaced_each_by_six_bytes() {
    assert_eq!(replaced(r#""a\ud83d\ude00 \n \\ud83d \u00e9""#), None);
    assert_eq!(replaced(r#""\ud83d""#).as_deref(), Some(r#""\ufffd""#));
    assert_eq!(replaced(r#""\uDE00\ud83d\ude00\uD83D""#).as_deref(), Some(r#""\ufffd\ud83d\ude00\ufffd""#));
    assert_eq!(replaced(r#""\\\ud83d\n""#).as_deref(), Some(r#""\\\ufffd\n""#));
    // A cut escape is left for the reader to refuse.
    assert_eq!(replaced(r#""\ud8"#), None);
}
