//! One meaning per usage field, on every provider and body shape (field case 22).

use serde_json::{json, Value};

use super::*;

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
    // The line gives no lifetimes: no 1-hour part is claimed.
    assert_eq!(anthropic.cache_write_1h_tokens, None);
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

/// `completion_tokens` that leave reasoning out, as the line's own total shows (prompt + completion +
/// reasoning = total: xAI's older reasoning models): `outputTokens` is every generated token, reasoning
/// included, and `totalTokens` the provider's. Both readers of chat bodies (the one-pass reader of
/// common lines, and the general one, taken here for `logprobs`).
#[test]
fn reasoning_counted_beside_completion_tokens_is_added_to_output() {
    let usage = |completion: u64, total: Option<u64>| {
        let mut usage = json!({"prompt_tokens": 20, "completion_tokens": completion, "completion_tokens_details": {"reasoning_tokens": 290}});
        if let Some(total) = total {
            usage["total_tokens"] = json!(total);
        }
        usage
    };
    let bodies = |usage: Value| {
        [
            json!({"object": "chat.completion", "model": "grok-3-mini", "choices": [{"index": 0, "message": {"role": "assistant", "content": "4"}, "finish_reason": "stop"}], "usage": usage}),
            json!({"object": "chat.completion", "model": "grok-3-mini", "choices": [{"index": 0, "message": {"role": "assistant", "content": "4"}, "finish_reason": "stop", "logprobs": {"content": []}}], "usage": usage}),
        ]
    };
    // (completion, total) → (output, total)
    let cases = [
        ((10, Some(320)), (300, 320)),  // beside: the total proves it
        ((300, Some(320)), (300, 320)), // inside (OpenAI's meaning): unchanged
        ((10, None), (10, 30)),         // no total to tell: as written
        ((10, Some(31)), (10, 30)),     // a total that proves nothing: as written
    ];
    for ((completion, total), (output, expected_total)) in cases {
        for body in bodies(usage(completion, total)) {
            for provider in ["openai", "vllm"] {
                let read = usage_of(&one(provider, &success_line(provider, "a", &body)));
                assert_eq!(
                    (read.input_tokens, read.output_tokens, read.total_tokens),
                    (20, output, Some(expected_total)),
                    "{provider} {body}"
                );
                assert_eq!(read.reasoning_tokens, Some(290));
            }
        }
    }
}
