//! Several choices (OpenAI-family `n`, Gemini `candidateCount`) are read in the order of their
//! `index`, whatever order the body lists them in: the response is choice 0, `candidates` go 0, 1, 2.

use serde_json::{json, Value};

use super::*;
use crate::model::FinishReason;

fn texts(result: &UnifiedResult) -> (String, Vec<(u32, String)>) {
    let response = result.response.as_ref().expect("a response");
    let candidates = response.candidates.as_ref().expect("candidates");
    (response.text.clone(), candidates.iter().map(|candidate| (candidate.index, candidate.text.clone())).collect())
}

fn chat(choices: Value) -> Value {
    json!({"object": "chat.completion", "model": "m", "choices": choices,
           "usage": {"prompt_tokens": 3, "completion_tokens": 6, "total_tokens": 9}})
}

#[test]
fn openai_family_choices_follow_their_index() {
    let body = chat(json!([
        {"index": 2, "message": {"role": "assistant", "content": "two"}, "finish_reason": "stop"},
        {"index": 0, "message": {"role": "assistant", "content": "zero"}, "finish_reason": "length"},
        {"index": 1, "message": {"role": "assistant", "content": "one"}, "finish_reason": "stop"}
    ]));
    for provider in ["openai", "vllm", "mistral"] {
        let result = one(provider, &success_line(provider, "a", &body));
        let (text, candidates) = texts(&result);
        assert_eq!(text, "zero", "{provider}");
        assert_eq!(result.response.as_ref().unwrap().finish_reason, FinishReason::Length, "{provider}");
        assert_eq!(candidates, [(0, "zero".into()), (1, "one".into()), (2, "two".into())], "{provider}");
    }
}

#[test]
fn openai_family_choices_in_order_or_without_index_keep_their_places() {
    let in_order = chat(json!([
        {"index": 0, "message": {"content": "zero"}, "finish_reason": "stop"},
        {"index": 1, "message": {"content": "one"}, "finish_reason": "stop"}
    ]));
    let (text, candidates) = texts(&one("openai", &success_line("openai", "a", &in_order)));
    assert_eq!((text.as_str(), candidates), ("zero", vec![(0, "zero".into()), (1, "one".into())]));
    let without = chat(json!([
        {"message": {"content": "first"}, "finish_reason": "stop"},
        {"message": {"content": "second"}, "finish_reason": "stop"}
    ]));
    let (text, candidates) = texts(&one("openai", &success_line("openai", "a", &without)));
    assert_eq!((text.as_str(), candidates), ("first", vec![(0, "first".into()), (1, "second".into())]));
}

#[test]
fn gemini_candidates_follow_their_index() {
    let body = json!({"candidates": [
        {"index": 1, "content": {"role": "model", "parts": [{"text": "one"}]}, "finishReason": "STOP"},
        {"index": 0, "content": {"role": "model", "parts": [{"text": "zero"}]}, "finishReason": "MAX_TOKENS"}
    ], "usageMetadata": {"promptTokenCount": 2, "candidatesTokenCount": 4, "totalTokenCount": 6}});
    let result = one("google", &success_line("google", "a", &body));
    let (text, candidates) = texts(&result);
    assert_eq!(text, "zero");
    assert_eq!(result.response.as_ref().unwrap().finish_reason, FinishReason::Length);
    assert_eq!(candidates, [(0, "zero".into()), (1, "one".into())]);
}

#[test]
fn a_gemini_candidate_without_index_is_index_0() {
    // Proto3 JSON leaves a field at its default out: the second candidate listed is candidate 0
    // (a new-user trial's line, where it was read as index 1 and the other became the response).
    let body = json!({"candidates": [
        {"content": {"role": "model", "parts": [{"text": "second"}]}, "finishReason": "STOP", "index": 1},
        {"content": {"role": "model", "parts": [{"text": "first"}]}, "finishReason": "MAX_TOKENS"}
    ], "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 4}});
    let result = one("google", &success_line("google", "p3", &body));
    let (text, candidates) = texts(&result);
    assert_eq!(text, "first");
    assert_eq!(result.response.as_ref().unwrap().finish_reason, FinishReason::Length);
    assert_eq!(candidates, [(0, "first".into()), (1, "second".into())]);
}

#[test]
fn candidates_or_choices_that_repeat_an_index_error_the_result_at_it() {
    let part = |text: &str| json!({"role": "model", "parts": [{"text": text}]});
    let gemini = [
        (json!([{"index": 1, "content": part("x")}, {"index": 1, "content": part("y")}]), "candidates[1].index: 1"),
        (
            json!([{"content": part("x")}, {"index": 1, "content": part("y")}, {"index": 0, "content": part("z")}]),
            "candidates[2].index: 0",
        ),
    ];
    for (candidates, path) in gemini {
        let result = one("google", &success_line("google", "d", &json!({"candidates": candidates})));
        let error = result.error.as_ref().expect("an error");
        assert_eq!(
            (result.status, error.code.as_str(), error.retryable),
            (ResultStatus::Errored, "unknown_body", false)
        );
        assert!(error.message.starts_with(path), "{}", error.message);
    }
    let body = chat(json!([
        {"index": 0, "message": {"content": "a"}, "finish_reason": "stop"},
        {"index": 1, "message": {"content": "b"}, "finish_reason": "stop"},
        {"index": 0, "message": {"content": "c"}, "finish_reason": "stop"}
    ]));
    for provider in ["openai", "vllm", "mistral"] {
        let result = one(provider, &success_line(provider, "d", &body));
        let error = result.error.as_ref().expect("an error");
        assert_eq!(error.code, "unknown_body", "{provider}");
        assert!(error.message.starts_with("choices[2].index: 0, the index of choices[0] too"), "{}", error.message);
    }
}
