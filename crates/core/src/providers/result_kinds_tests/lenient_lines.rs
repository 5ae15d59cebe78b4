//! Lenient where it can be exact: cut lines keep their id, older vLLM lines decode (field cases 27, 28).

use serde_json::json;

use super::*;
use crate::model::{FinishReason, ResultStatus};

#[test]
fn a_cut_line_keeps_its_id_on_every_provider() {
    let body = json!({"object": "chat.completion", "choices": [{"message": {"content": "a long answer"}, "finish_reason": "stop"}]});
    for provider in PROVIDERS {
        let body = match provider {
            "anthropic" => {
                json!({"type": "message", "role": "assistant", "content": [{"type": "text", "text": "a long answer"}], "stop_reason": "end_turn"})
            }
            "google" => {
                json!({"candidates": [{"content": {"parts": [{"text": "a long answer"}]}, "finishReason": "STOP"}]})
            }
            _ => body.clone(),
        };
        let line = success_line(provider, "keep/me \"2\"", &body);
        let id_end = line.find("keep/me").unwrap() + 16;
        for cut in [id_end + 1, id_end + 10, line.find("a long").unwrap() + 3, line.len() - 1] {
            let text = format!("{}\n{}\n", &line[..cut], success_line(provider, "next", &body));
            let results = decode(provider, &text);
            assert_eq!(results.len(), 2, "{provider}");
            let error = results[0].error.as_ref().unwrap();
            assert_eq!(
                (results[0].custom_id.as_str(), error.code.as_str(), error.retryable),
                ("keep/me \"2\"", "malformed_result_line", true),
                "{provider} cut at {cut}: {}",
                &line[..cut]
            );
            assert_eq!((results[1].custom_id.as_str(), results[1].status), ("next", ResultStatus::Succeeded));
        }
        // Cut inside the id itself: nothing is guessed.
        let results = decode(provider, &line[..line.find("keep/me").unwrap() + 4]);
        assert_eq!(results[0].custom_id, "", "{provider}");
    }
}

#[test]
fn field_case_28_the_cut_middle_line_keeps_its_id() {
    let results = decode("openai", &fixture("field-cases/28-malformed-line-keeps-its-id/output.jsonl"));
    let summary: Vec<(&str, ResultStatus)> =
        results.iter().map(|result| (result.custom_id.as_str(), result.status)).collect();
    assert_eq!(
        summary,
        [
            ("keep-me-1", ResultStatus::Succeeded),
            ("keep-me-2", ResultStatus::Errored),
            ("keep-me-3", ResultStatus::Succeeded)
        ]
    );
    assert_eq!(results[1].error.as_ref().unwrap().code, "malformed_result_line");
}

#[test]
fn field_case_27_older_vllm_lines_decode_beside_newer_ones() {
    let older = fixture("field-cases/27-vllm-older-output-shape/output.jsonl");
    for provider in ["vllm", "openai", "mistral"] {
        let results = decode(provider, &older);
        let read: Vec<(&str, ResultStatus, FinishReason, u64, u64)> = results
            .iter()
            .map(|result| {
                let response = result.response.as_ref().unwrap_or_else(|| panic!("{provider}: {result:?}"));
                let usage = response.usage.as_ref().unwrap();
                (
                    result.custom_id.as_str(),
                    result.status,
                    response.finish_reason,
                    usage.input_tokens,
                    usage.output_tokens,
                )
            })
            .collect();
        assert_eq!(
            read,
            [
                ("request-1", ResultStatus::Succeeded, FinishReason::Stop, 25, 31),
                ("request-2", ResultStatus::Succeeded, FinishReason::Stop, 27, 5)
            ],
            "{provider}"
        );
        assert!(results[0].response.as_ref().unwrap().text.starts_with("Hello! It's great"));
    }
}

#[test]
fn older_vllm_failures_as_a_bare_error_object_are_errors() {
    for (code, retryable) in [(400, false), (500, true), (503, true)] {
        let line = json!({"id": "v", "custom_id": "x", "response": {"object": "error", "message": "boom", "type": "SomeError", "param": null, "code": code}, "error": null});
        let result = one("vllm", &line.to_string());
        let error = result.error.as_ref().unwrap();
        assert_eq!(
            (result.status, error.code.as_str(), error.message.as_str(), error.retryable),
            (ResultStatus::Errored, "SomeError", "boom", retryable),
            "{code}"
        );
    }
}

#[test]
fn anthropic_errors_are_read_with_or_without_their_wrapper() {
    for error in [
        json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
        json!({"type": "overloaded_error", "message": "Overloaded"}),
    ] {
        let line = json!({"custom_id": "x", "result": {"type": "errored", "error": error}});
        let error = one("anthropic", &line.to_string()).error.unwrap();
        assert_eq!(
            (error.code.as_str(), error.message.as_str(), error.retryable),
            ("overloaded_error", "Overloaded", true)
        );
    }
}

#[test]
fn a_line_with_neither_response_nor_error_says_what_it_has() {
    for provider in ["openai", "vllm", "mistral"] {
        let result = one(provider, r#"{"id":"batch_req_1","custom_id":"x","output":{"text":"?"}}"#);
        let error = result.error.unwrap();
        assert_eq!(error.code, "missing_response", "{provider}");
        assert!(error.message.contains("fields id, custom_id, output"), "{provider}: {}", error.message);
    }
    let anthropic = one("anthropic", r#"{"custom_id":"x","outcome":{}}"#).error.unwrap();
    assert!(anthropic.message.contains("fields custom_id, outcome"), "{}", anthropic.message);
    let google = one("google", r#"{"key":"x","answer":{}}"#).error.unwrap();
    assert!(google.message.contains("fields key, answer"), "{}", google.message);
}
