//! The result kinds of issue 12, swept across the five providers' decoders: one meaning per usage
//! field, never an empty success, one retryable rule, cut lines keep their id, and the field cases
//! (tests/fixtures/field-cases/) that showed each fault.

mod arrays;
mod attribution;
mod body_kinds;
mod choice_order;
mod endpoint_kinds;
mod field_types;
mod generation_errors;
mod lenient_lines;
mod retryable;
mod unreadable;
mod usage;

use std::rc::Rc;

use serde_json::{json, Value};

use crate::model::{ResultStatus, UnifiedResult, Usage};
use crate::providers::anthropic::AnthropicLineDecoder;
use crate::providers::google::GoogleLineDecoder;
use crate::providers::mistral::MistralLineDecoder;
use crate::providers::openai::OpenAiLineDecoder;
use crate::results::{LineDecoder, ResultDecoder};

pub(super) const PROVIDERS: [&str; 5] = ["openai", "anthropic", "google", "mistral", "vllm"];

pub(super) fn fixture(path: &str) -> String {
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
pub(super) fn decode(provider: &str, text: &str) -> Vec<UnifiedResult> {
    let mut decoder = ResultDecoder::new(decoder(provider), None);
    let mut out = Vec::new();
    for chunk in text.as_bytes().chunks(7) {
        decoder.push(chunk, &mut out);
    }
    decoder.finish(&mut out);
    out
}

pub(super) fn one(provider: &str, line: &str) -> UnifiedResult {
    let mut results = decode(provider, line);
    assert_eq!(results.len(), 1, "{provider}: {line}");
    results.remove(0)
}

/// A result line of `provider` around a successful answer body of the provider's own kind.
pub(super) fn success_line(provider: &str, id: &str, body: &Value) -> String {
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

pub(super) fn usage_of(result: &UnifiedResult) -> Usage {
    assert_eq!(result.status, ResultStatus::Succeeded, "{result:?}");
    result.response.as_ref().and_then(|response| response.usage.clone()).expect("usage")
}

pub(super) fn assert_one_meaning(label: &str, usage: &Usage) {
    assert_eq!(Some(usage.input_tokens + usage.output_tokens), usage.total_tokens, "{label}: {usage:?}");
    let input_parts = usage.cache_read_tokens.unwrap_or(0) + usage.cache_write_tokens.unwrap_or(0);
    assert!(input_parts <= usage.input_tokens, "{label}: cache parts exceed the input: {usage:?}");
    let one_hour = usage.cache_write_1h_tokens.unwrap_or(0);
    assert!(one_hour <= usage.cache_write_tokens.unwrap_or(0), "{label}: 1-hour writes exceed the writes: {usage:?}");
    assert!(usage.reasoning_tokens.unwrap_or(0) <= usage.output_tokens, "{label}: reasoning exceeds output: {usage:?}");
}
