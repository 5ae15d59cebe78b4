//! The result kinds of issue 12, swept across the five providers' decoders: one meaning per usage
//! field, never an empty success, one retryable rule, cut lines keep their id, and the field cases
//! (tests/fixtures/field-cases/) that showed each fault.

use serde_json::{json, Value};

use crate::model::{AttributedBy, Attribution, FinishReason, ResultStatus, UnifiedResult, Usage};
use crate::providers::anthropic::AnthropicLineDecoder;
use crate::providers::google::{inline_lines, GoogleLineDecoder};
use crate::providers::mistral::MistralLineDecoder;
use crate::providers::openai::OpenAiLineDecoder;
use crate::results::{LineDecoder, ResultDecoder};

const PROVIDERS: [&str; 5] = ["openai", "anthropic", "google", "mistral", "vllm"];

fn fixture(path: &str) -> String {
    let path = format!("{}/../../tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn decoder(provider: &str) -> Box<dyn LineDecoder> {
    match provider {
        "openai" => Box::new(OpenAiLineDecoder::new("openai")),
        "vllm" => Box::new(OpenAiLineDecoder::new("vllm")),
        "anthropic" => Box::new(AnthropicLineDecoder),
        "google" => Box::new(GoogleLineDecoder::new("Gemini")),
        "mistral" => Box::new(MistralLineDecoder::new()),
        other => panic!("no provider {other}"),
    }
}

/// Decodes a whole file in small chunks, as downloads arrive.
fn decode(provider: &str, text: &str) -> Vec<UnifiedResult> {
    let mut decoder = ResultDecoder::new(decoder(provider), None);
    let mut out = Vec::new();
    for chunk in text.as_bytes().chunks(7) {
        decoder.push(chunk, &mut out);
    }
    decoder.finish(&mut out);
    out
}

fn one(provider: &str, line: &str) -> UnifiedResult {
    let mut results = decode(provider, line);
    assert_eq!(results.len(), 1, "{provider}: {line}");
    results.remove(0)
}

/// A result line of `provider` around a successful answer body of the provider's own kind.
fn success_line(provider: &str, id: &str, body: &Value) -> String {
    let line = match provider {
        "anthropic" => json!({"custom_id": id, "result": {"type": "succeeded", "message": body}}),
        "google" => json!({"key": id, "response": body}),
        "mistral" => json!({"id": "b", "custom_id": id, "response": {"status_code": 200, "body": body}, "error": null}),
        _ => {
            json!({"id": "b", "custom_id": id, "response": {"status_code": 200, "request_id": "r", "body": body}, "error": null})
        }
    };
    line.to_string()
}

fn usage_of(result: &UnifiedResult) -> Usage {
    assert_eq!(result.status, ResultStatus::Succeeded, "{result:?}");
    result.response.as_ref().and_then(|response| response.usage.clone()).expect("usage")
}

fn assert_one_meaning(label: &str, usage: &Usage) {
    assert_eq!(Some(usage.input_tokens + usage.output_tokens), usage.total_tokens, "{label}: {usage:?}");
    let input_parts = usage.cache_read_tokens.unwrap_or(0) + usage.cache_write_tokens.unwrap_or(0);
    assert!(input_parts <= usage.input_tokens, "{label}: cache parts exceed the input: {usage:?}");
    assert!(usage.reasoning_tokens.unwrap_or(0) <= usage.output_tokens, "{label}: reasoning exceeds output: {usage:?}");
}

// ----- Kind 1: one meaning per usage field -------------------------------------------------------

#[test]
fn field_case_22_the_same_usage_whichever_provider_reports_it() {
    let cases = [
        ("openai", "22-usage-cache-reasoning-semantics/openai-output.jsonl"),
        ("anthropic", "22-usage-cache-reasoning-semantics/anthropic-results.jsonl"),
        ("google", "22-usage-cache-reasoning-semantics/gemini-responses.jsonl"),
    ];
    for (provider, path) in cases {
        let usage = usage_of(&one(provider, &fixture(&format!("field-cases/{path}"))));
        assert_one_meaning(provider, &usage);
        assert_eq!(
            (usage.input_tokens, usage.cache_read_tokens, usage.output_tokens),
            (4411, Some(4000), 70),
            "{provider}"
        );
        assert_eq!(usage.total_tokens, Some(4481), "{provider}");
    }
    let anthropic =
        usage_of(&one("anthropic", &fixture("field-cases/22-usage-cache-reasoning-semantics/anthropic-results.jsonl")));
    assert_eq!(anthropic.cache_write_tokens, Some(400));
    for (provider, path) in [("openai", "openai-output.jsonl"), ("google", "gemini-responses.jsonl")] {
        let usage =
            usage_of(&one(provider, &fixture(&format!("field-cases/22-usage-cache-reasoning-semantics/{path}"))));
        assert_eq!(usage.reasoning_tokens, Some(50), "{provider}");
    }
}

/// Real-shaped usage of every provider and body shape: (provider, body, input, output, cache read,
/// cache write, reasoning).
#[allow(clippy::type_complexity)]
fn usage_table() -> Vec<(&'static str, &'static str, Value, u64, u64, Option<u64>, Option<u64>, Option<u64>)> {
    vec![
        (
            "openai",
            "chat, cache write (GPT-5.6+)",
            json!({"object": "chat.completion", "choices": [{"message": {"content": "x"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500,
                      "prompt_tokens_details": {"cached_tokens": 1024, "cache_write_tokens": 100}, "completion_tokens_details": {"reasoning_tokens": 256}}}),
            1200,
            300,
            Some(1024),
            Some(100),
            Some(256),
        ),
        (
            "openai",
            "Responses",
            json!({"object": "response", "status": "completed", "output": [{"type": "message", "content": [{"type": "output_text", "text": "x"}]}],
            "usage": {"input_tokens": 61, "input_tokens_details": {"cached_tokens": 32, "cache_write_tokens": 0}, "output_tokens": 148,
                      "output_tokens_details": {"reasoning_tokens": 128}, "total_tokens": 209}}),
            61,
            148,
            Some(32),
            Some(0),
            Some(128),
        ),
        (
            "anthropic",
            "cache split by lifetime, thinking",
            json!({"type": "message", "role": "assistant", "content": [{"type": "text", "text": "x"}], "stop_reason": "end_turn",
            "usage": {"input_tokens": 12, "cache_read_input_tokens": 0, "cache_creation": {"ephemeral_5m_input_tokens": 30, "ephemeral_1h_input_tokens": 70},
                      "output_tokens": 900, "output_tokens_details": {"thinking_tokens": 850}}}),
            112,
            900,
            Some(0),
            Some(100),
            Some(850),
        ),
        (
            "anthropic",
            "no cache fields",
            json!({"type": "message", "role": "assistant", "content": [], "stop_reason": "end_turn", "usage": {"input_tokens": 5, "output_tokens": 1}}),
            5,
            1,
            None,
            None,
            None,
        ),
        (
            "google",
            "tool-use prompt, thoughts, counts as strings",
            json!({"candidates": [{"content": {"parts": [{"text": "x"}]}, "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": "100", "toolUsePromptTokenCount": 40, "cachedContentTokenCount": 64, "candidatesTokenCount": 20, "thoughtsTokenCount": 30, "totalTokenCount": 190}}),
            140,
            50,
            Some(64),
            None,
            Some(30),
        ),
        (
            "mistral",
            "cached prompt",
            json!({"object": "chat.completion", "choices": [{"message": {"content": "x", "tool_calls": null}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 80, "completion_tokens": 20, "total_tokens": 100, "prompt_tokens_details": {"cached_tokens": 64}}}),
            80,
            20,
            Some(64),
            None,
            None,
        ),
        (
            "mistral",
            "a null count",
            json!({"object": "chat.completion", "choices": [{"message": {"content": "x"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": null, "completion_tokens": 7, "total_tokens": 17}}),
            10,
            7,
            None,
            None,
            None,
        ),
        (
            "vllm",
            "reasoning parser",
            json!({"object": "chat.completion", "choices": [{"message": {"content": "x", "reasoning_content": "hm"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 25, "completion_tokens": 31, "total_tokens": 56, "prompt_tokens_details": {"cached_tokens": 16}, "completion_tokens_details": {"reasoning_tokens": 12}}}),
            25,
            31,
            Some(16),
            None,
            Some(12),
        ),
    ]
}

#[test]
fn every_provider_and_body_shape_gives_usage_one_meaning() {
    for (provider, label, body, input, output, cache_read, cache_write, reasoning) in usage_table() {
        let usage = usage_of(&one(provider, &success_line(provider, "u", &body)));
        let label = format!("{provider} {label}");
        assert_one_meaning(&label, &usage);
        assert_eq!(
            (
                usage.input_tokens,
                usage.output_tokens,
                usage.cache_read_tokens,
                usage.cache_write_tokens,
                usage.reasoning_tokens
            ),
            (input, output, cache_read, cache_write, reasoning),
            "{label}"
        );
    }
    // The providers' own fixture files hold the sum too.
    let files = [
        ("openai", "openai/output.jsonl"),
        ("anthropic", "anthropic/results.jsonl"),
        ("google", "google/responses.jsonl"),
        ("mistral", "mistral/output.jsonl"),
        ("vllm", "field-cases/27-vllm-older-output-shape/output.jsonl"),
        ("openai", "field-cases/25-openai-responses-body-in-output/output.jsonl"),
    ];
    for (provider, path) in files {
        for result in decode(provider, &fixture(path)) {
            if let Some(usage) = result.response.as_ref().and_then(|response| response.usage.as_ref()) {
                assert_one_meaning(&format!("{path} {}", result.custom_id), usage);
            }
        }
    }
}

// ----- Kind 2: never an empty success ------------------------------------------------------------

#[test]
fn a_body_of_another_kind_is_errored_with_a_code_naming_it_on_every_provider() {
    let embeddings = json!({"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}], "model": "text-embedding-3-small", "usage": {"prompt_tokens": 3, "total_tokens": 3}});
    let moderation = json!({"id": "modr-1", "model": "omni-moderation-latest", "results": [{"flagged": false}]});
    let gemini_embedding = json!({"embedding": {"values": [0.1, 0.2]}});
    let unknown = json!({"answer": "42", "tokens": 3});
    for provider in PROVIDERS {
        let mut cases =
            vec![(json!({}), "unknown_body"), (unknown.clone(), "unknown_body"), (json!([1, 2]), "unknown_body")];
        match provider {
            "openai" | "vllm" | "mistral" => {
                cases.push((embeddings.clone(), "embeddings_body"));
                cases.push((moderation.clone(), "moderation_body"));
                cases.push((json!({"object": "chat.completion", "choices": []}), "empty_choices"));
                cases.push((
                    json!({"object": "chat.completion", "choices": [{"index": 0, "finish_reason": "stop"}]}),
                    "unknown_body",
                ));
                cases.push((json!("a string body"), "unknown_body"));
                // Lists of other kinds (scores, reranking) are not given a wrong name.
                cases.push((
                    json!({"object": "list", "data": [{"object": "score", "index": 0, "score": 0.9}]}),
                    "unknown_body",
                ));
                cases.push((
                    json!({"id": "rerank-1", "results": [{"index": 0, "relevance_score": 0.5}]}),
                    "unknown_body",
                ));
            }
            "google" => {
                cases.push((gemini_embedding.clone(), "embeddings_body"));
                cases.push((json!({"candidates": [], "usageMetadata": {"promptTokenCount": 3}}), "empty_candidates"));
            }
            _ => cases.push((json!({"type": "completion", "completion": "hi"}), "unknown_body")),
        }
        for (body, code) in cases {
            let line = success_line(provider, "x", &body);
            let result = one(provider, &line);
            assert_eq!((result.custom_id.as_str(), result.status), ("x", ResultStatus::Errored), "{provider}: {body}");
            let error = result.error.as_ref().unwrap();
            assert_eq!(error.code, code, "{provider}: {body}");
            assert!(!error.retryable, "{provider}: the same request gives the same kind again");
            let raw: Value = serde_json::from_str(error.raw.as_ref().expect("raw kept").get()).unwrap();
            assert_eq!(raw, serde_json::from_str::<Value>(&line).unwrap(), "{provider}: raw is the line");
        }
    }
}

#[test]
fn field_case_25_responses_bodies_decode_and_embeddings_are_named() {
    let results = decode("openai", &fixture("field-cases/25-openai-responses-body-in-output/output.jsonl"));
    assert_eq!(results.len(), 3);
    let first = results[0].response.as_ref().unwrap();
    assert_eq!((results[0].custom_id.as_str(), results[0].status), ("resp-1", ResultStatus::Succeeded));
    assert!(first.text.starts_with("[{\"number\": \"3.4500\""), "{}", first.text);
    assert_eq!(first.finish_reason, FinishReason::Stop);
    let usage = first.usage.as_ref().unwrap();
    assert_eq!((usage.input_tokens, usage.output_tokens, usage.reasoning_tokens), (5192, 10185, Some(5568)));

    let second = results[1].response.as_ref().unwrap();
    assert_eq!((results[1].custom_id.as_str(), results[1].status), ("resp-2", ResultStatus::Succeeded));
    assert_eq!((second.text.as_str(), second.finish_reason), ("", FinishReason::Length));
    assert_eq!(second.raw_finish_reason.as_deref(), Some("max_output_tokens"));
    assert_eq!(second.usage.as_ref().map(|usage| (usage.input_tokens, usage.output_tokens)), Some((120, 256)));

    assert_eq!((results[2].custom_id.as_str(), results[2].status), ("emb-1", ResultStatus::Errored));
    let error = results[2].error.as_ref().unwrap();
    assert_eq!(error.code, "embeddings_body");
    assert!(error.raw.as_ref().unwrap().get().contains("\"embedding\""));
}

// ----- Kind 3: retryable means the same everywhere -----------------------------------------------

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

// ----- Kind 9: lenient where it can be exact -----------------------------------------------------

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
        assert!(error.message.contains("fields custom_id, id, output"), "{provider}: {}", error.message);
    }
    let anthropic = one("anthropic", r#"{"custom_id":"x","outcome":{}}"#).error.unwrap();
    assert!(anthropic.message.contains("fields custom_id, outcome"), "{}", anthropic.message);
    let google = one("google", r#"{"key":"x","answer":{}}"#).error.unwrap();
    assert!(google.message.contains("fields answer, key"), "{}", google.message);
}

// ----- Kind 8: answers are never thrown away or silently misattributed ---------------------------

fn inline_results(operation: &Value, request_ids: Option<&[String]>) -> Vec<UnifiedResult> {
    let responses = operation["response"]["inlinedResponses"]["inlinedResponses"].as_array().unwrap();
    let jsonl = inline_lines("google", operation, responses, request_ids).unwrap();
    decode("google", std::str::from_utf8(&jsonl).unwrap())
}

#[test]
fn field_case_26_inline_answers_without_metadata_are_all_returned_and_say_how_they_were_matched() {
    let operation: Value =
        serde_json::from_str(&fixture("field-cases/26-gemini-inline-without-keys/operation.json")).unwrap();

    // storage: false — no submitted order: both answers come back, unattributed.
    let results = inline_results(&operation, None);
    assert_eq!(results.len(), 2);
    for (position, result) in results.iter().enumerate() {
        assert_eq!((result.custom_id.as_str(), result.status), ("", ResultStatus::Succeeded));
        assert_eq!(result.attribution, Some(Attribution { by: AttributedBy::None, position: position as u64 }));
    }
    let usage = usage_of(&results[0]);
    assert_eq!((usage.input_tokens, usage.output_tokens, usage.total_tokens), (8, 840, Some(848)));
    assert_eq!(usage_of(&results[1]).output_tokens, 312);

    // With the stored order: matched by position, and the results say so.
    let ids = vec!["what-is-ai".to_owned(), "qubits".to_owned()];
    let results = inline_results(&operation, Some(&ids));
    let matched: Vec<(&str, Option<Attribution>)> =
        results.iter().map(|result| (result.custom_id.as_str(), result.attribution)).collect();
    assert_eq!(
        matched,
        [
            ("what-is-ai", Some(Attribution { by: AttributedBy::Position, position: 0 })),
            ("qubits", Some(Attribution { by: AttributedBy::Position, position: 1 }))
        ]
    );
    assert!(results[0].response.as_ref().unwrap().text.starts_with("AI learns"));

    // An attribution is part of the result's JSON only when there is one.
    let json = serde_json::to_value(&results[0]).unwrap();
    assert_eq!(json["attribution"], json!({"by": "position", "position": 0}));
    let keyed = one(
        "google",
        r#"{"key":"k","response":{"candidates":[{"content":{"parts":[{"text":"x"}]},"finishReason":"STOP"}]}}"#,
    );
    assert!(serde_json::to_value(&keyed).unwrap().get("attribution").is_none());
}
