//! Helpers shared by the tests that sweep one rule across every provider.

use serde_json::Value;

use crate::parse::parse_request_lines;
use crate::providers::{prepare, BatchSummary, PrepareOptions};
use crate::validate::ValidationOptions;
use crate::{CoreError, Provider, UnifiedRequest};

/// A file of `tests/fixtures/`, read at test time (never from `../shared`).
pub fn fixture(path: &str) -> String {
    let path = format!("{}/../../tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// A model name each provider's batch accepts.
pub fn model_of(provider: Provider) -> &'static str {
    match provider {
        Provider::OpenAI => "gpt-4.1-mini",
        Provider::Anthropic => "claude-sonnet-4-5",
        Provider::Google => "gemini-2.5-flash",
        Provider::Mistral => "mistral-small-latest",
        Provider::Vllm => "Qwen/Qwen2.5-0.5B-Instruct",
        Provider::Groq => "llama-3.1-8b-instant",
        Provider::Azure => "gpt-4o-mini-batch",
        Provider::Together => "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        Provider::Xai => "grok-3-mini",
    }
}

/// Requests from JSONL text, with `MODEL` replaced by the provider's model.
pub fn requests_for(provider: Provider, jsonl: &str) -> Vec<UnifiedRequest> {
    parse_request_lines(&jsonl.replace("\"MODEL\"", &format!("\"{}\"", model_of(provider)))).unwrap()
}

/// One request (JSON) for `provider`, `MODEL` replaced.
pub fn request_for(provider: Provider, json: &str) -> UnifiedRequest {
    requests_for(provider, json).remove(0)
}

/// Prepares `requests` for `provider`; on success the provider bodies (the chat body, Anthropic's
/// `params`, Gemini's `request`), in order, and the summary.
pub fn bodies(
    provider: Provider,
    requests: &[UnifiedRequest],
    drop_unsupported: bool,
) -> Result<(Vec<Value>, BatchSummary), CoreError> {
    let options = PrepareOptions {
        validation: ValidationOptions { drop_unsupported, ..Default::default() },
        ..Default::default()
    };
    let prepared = prepare(provider, requests, &options)?;
    let text = String::from_utf8(prepared.jsonl).unwrap();
    let key = match provider {
        Provider::Anthropic => "params",
        Provider::Google => "request",
        Provider::OpenAI | Provider::Mistral | Provider::Vllm | Provider::Groq | Provider::Azure => "body",
        Provider::Together | Provider::Xai => "body",
    };
    let bodies = text
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap()[key].clone())
        .inspect(|body| assert!(body.is_object(), "{provider:?}: no `{key}` in the line"))
        .collect();
    Ok((bodies, prepared.summary))
}

/// The (index, field, message) of a validation error.
pub fn validation(error: CoreError) -> (Option<usize>, String, String) {
    match error {
        CoreError::Validation { index, field, message, .. } => (index, field, message),
        other => panic!("validation error expected, got {other:?}"),
    }
}
