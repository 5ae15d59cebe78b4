//! Retryable means the same everywhere (field case 03).

use serde_json::json;

use super::*;
use crate::model::ResultStatus;

/// (HTTP status, retryable) for a line that failed with that status and an error body.
const STATUS_TABLE: [(u16, bool); 14] = [
    (400, false),
    (401, false),
    (403, false),
    (404, false),
    (413, false),
    (422, false),
    (408, true),
    (409, true),
    (429, true),
    (500, true),
    (502, true),
    (503, true),
    (504, true),
    (529, true),
];

#[test]
fn the_status_decides_retryable_on_every_provider_line_format() {
    for (status, retryable) in STATUS_TABLE {
        let error_body = json!({"error": {"message": "failed", "type": "some_type", "code": null}});
        let lines = [
            (
                "openai",
                json!({"custom_id": "x", "response": {"status_code": status, "request_id": "r", "body": error_body}, "error": null}),
            ),
            (
                "vllm",
                json!({"custom_id": "x", "response": {"status_code": status, "request_id": "r", "body": error_body}, "error": null}),
            ),
            // vLLM's own error object carries the status as its code.
            (
                "vllm",
                json!({"custom_id": "x", "response": null, "error": {"object": "error", "message": "failed", "type": "SomeError", "code": status}}),
            ),
            (
                "mistral",
                json!({"custom_id": "x", "response": {"status_code": status, "body": {"object": "error", "message": "failed", "type": "some_type"}}, "error": null}),
            ),
            ("google", json!({"key": "x", "error": {"code": status, "message": "failed"}})),
        ];
        for (provider, line) in lines {
            let result = one(provider, &line.to_string());
            let error = result.error.as_ref().unwrap();
            assert_eq!((error.retryable, error.http_status), (retryable, Some(status)), "{provider} {status}: {line}");
        }
    }
}

#[test]
fn no_answer_at_all_is_retryable_on_every_provider() {
    let lines = [
        ("openai", r#"{"custom_id":"x","response":{"status_code":0,"request_id":"","body":{}},"error":null}"#),
        ("openai", r#"{"custom_id":"x","response":null,"error":null}"#),
        ("vllm", r#"{"custom_id":"x","response":{"status_code":0,"body":null},"error":null}"#),
        ("mistral", r#"{"custom_id":"x","response":{"status_code":0,"body":null},"error":null}"#),
        ("mistral", r#"{"custom_id":"x","response":null,"error":null}"#),
        ("anthropic", r#"{"custom_id":"x"}"#),
        ("anthropic", r#"{"custom_id":"x","result":{"type":"errored"}}"#),
        ("google", r#"{"key":"x"}"#),
    ];
    for (provider, line) in lines {
        let result = one(provider, line);
        assert_eq!(result.status, ResultStatus::Errored, "{provider}: {line}");
        assert!(result.error.as_ref().unwrap().retryable, "{provider}: {line}");
    }
}

#[test]
fn provider_error_types_follow_the_same_rule() {
    let anthropic = [
        ("overloaded_error", true),
        ("api_error", true),
        ("rate_limit_error", true),
        ("timeout_error", true),
        ("invalid_request_error", false),
        ("authentication_error", false),
        ("permission_error", false),
        ("not_found_error", false),
        ("billing_error", false),
    ];
    for (kind, retryable) in anthropic {
        let line = json!({"custom_id": "x", "result": {"type": "errored", "error": {"type": "error", "error": {"type": kind, "message": "m"}}}});
        let error = one("anthropic", &line.to_string()).error.unwrap();
        assert_eq!((error.code.as_str(), error.retryable), (kind, retryable));
    }
    let gemini = [
        (14, "UNAVAILABLE", true),
        (8, "RESOURCE_EXHAUSTED", true),
        (13, "INTERNAL", true),
        (4, "DEADLINE_EXCEEDED", true),
        (10, "ABORTED", true),
        (3, "INVALID_ARGUMENT", false),
        (7, "PERMISSION_DENIED", false),
        (5, "NOT_FOUND", false),
        (9, "FAILED_PRECONDITION", false),
    ];
    for (code, name, retryable) in gemini {
        let error =
            one("google", &json!({"key": "x", "error": {"code": code, "message": "m"}}).to_string()).error.unwrap();
        assert_eq!((error.code.as_str(), error.retryable), (name, retryable));
    }
    let openai = [
        ("batch_expired", true),
        ("server_error", true),
        ("rate_limit_exceeded", true),
        ("invalid_request", false),
        ("invalid_prompt", false),
    ];
    for provider in ["openai", "vllm", "mistral"] {
        for (code, retryable) in openai {
            let line = json!({"custom_id": "x", "response": null, "error": {"code": code, "message": "m"}});
            let error = one(provider, &line.to_string()).error.unwrap();
            assert_eq!((error.code.as_str(), error.retryable), (code, retryable), "{provider}");
        }
    }
}

#[test]
fn field_case_03_status_0_is_errored_and_retryable() {
    let text = format!(
        "{}{}",
        fixture("field-cases/03-openai-status0-empty-body/output.jsonl"),
        fixture("field-cases/03-openai-status0-empty-body/errors.jsonl")
    );
    let results = decode("openai", &text);
    let summary: Vec<(&str, ResultStatus)> =
        results.iter().map(|result| (result.custom_id.as_str(), result.status)).collect();
    assert_eq!(
        summary,
        [("chat-1", ResultStatus::Succeeded), ("chat-2", ResultStatus::Succeeded), ("chat-3", ResultStatus::Errored)]
    );
    let error = results[2].error.as_ref().unwrap();
    assert_eq!((error.code.as_str(), error.retryable, error.http_status), ("no_response", true, None));
    assert!(error.message.contains("no HTTP answer"), "{}", error.message);
    assert!(error.raw.is_some());
}

/// A response envelope that holds no status and no usable body (its fields null, empty or absent)
/// got no answer: retryable, never read as a body of an unknown kind.
#[test]
fn an_envelope_without_status_or_body_is_no_answer_on_every_openai_protocol_provider() {
    let responses = [
        json!({"request_id": "", "body": {}}),
        json!({"request_id": ""}),
        json!({"status_code": null, "body": null}),
        json!({"status_code": 0, "body": {}}),
    ];
    for provider in ["openai", "vllm", "mistral"] {
        for response in &responses {
            let line = json!({"custom_id": "x", "response": response, "error": null}).to_string();
            let result = one(provider, &line);
            assert_eq!(result.status, ResultStatus::Errored, "{provider}: {line}");
            let error = result.error.as_ref().unwrap();
            assert!(error.retryable, "{provider}: {line}");
            assert!(
                ["no_response", "missing_body"].contains(&error.code.as_str()),
                "{provider}: {line}: {}",
                error.code
            );
        }
    }
}

/// Requests that never ran because the batch was cancelled or expired have that status on every
/// provider that writes OpenAI's envelope.
#[test]
fn batch_cancelled_and_expired_codes_give_their_status_on_every_openai_protocol_provider() {
    for provider in ["openai", "vllm", "mistral"] {
        for (code, status) in [("batch_cancelled", ResultStatus::Cancelled), ("batch_expired", ResultStatus::Expired)] {
            let line = json!({"custom_id": "x", "response": null, "error": {"code": code, "message": "m"}});
            let result = one(provider, &line.to_string());
            assert_eq!(result.status, status, "{provider}: {code}");
            assert!(result.error.unwrap().retryable, "{provider}: {code}");
        }
    }
}

/// Gemini writes one error three ways: an rpc code, the HTTP form with its canonical name, or the
/// name alone. The name decides, so all three give one answer.
#[test]
fn a_gemini_error_means_the_same_in_its_rpc_and_http_forms() {
    let forms = [
        (json!({"code": 1, "message": "m"}), "CANCELLED", ResultStatus::Cancelled, true),
        (json!({"code": 499, "message": "m", "status": "CANCELLED"}), "CANCELLED", ResultStatus::Cancelled, true),
        (json!({"status": "CANCELLED", "message": "m"}), "CANCELLED", ResultStatus::Cancelled, true),
        (json!({"code": 14, "message": "m"}), "UNAVAILABLE", ResultStatus::Errored, true),
        (json!({"code": 503, "message": "m", "status": "UNAVAILABLE"}), "UNAVAILABLE", ResultStatus::Errored, true),
        (json!({"code": 3, "message": "m"}), "INVALID_ARGUMENT", ResultStatus::Errored, false),
        (
            json!({"code": 400, "message": "m", "status": "INVALID_ARGUMENT"}),
            "INVALID_ARGUMENT",
            ResultStatus::Errored,
            false,
        ),
        (
            json!({"code": 429, "message": "m", "status": "RESOURCE_EXHAUSTED"}),
            "RESOURCE_EXHAUSTED",
            ResultStatus::Errored,
            true,
        ),
    ];
    for (error, code, status, retryable) in forms {
        let result = one("google", &json!({"key": "x", "error": error}).to_string());
        assert_eq!(result.status, status, "{error}");
        let result_error = result.error.unwrap();
        assert_eq!((result_error.code.as_str(), result_error.retryable), (code, retryable), "{error}");
    }
}
