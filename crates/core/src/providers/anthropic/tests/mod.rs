//! Tests of the Anthropic module against shapes from the reference (§2) and the spec.

mod conversion;
mod lifecycle;
mod one_pass;
mod results;

use serde_json::Value;

use super::*;
use crate::parse::parse_request;

fn fixture(name: &str) -> String {
    let path = format!("{}/../../tests/fixtures/anthropic/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn api() -> AnthropicApi {
    AnthropicApi::new(ClientConfig {
        api_key: "sk-ant-test".into(),
        base_url: Some("http://127.0.0.1:9/".into()),
        ..Default::default()
    })
}

fn request(json: &str) -> UnifiedRequest {
    parse_request(0, json).unwrap()
}

/// A minimal valid request with `id`.
fn simple(id: &str) -> UnifiedRequest {
    let json = serde_json::json!({"customId": id, "model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "Hi"}], "generationConfig": {"maxTokens": 10}});
    request(&json.to_string())
}

fn response(status: u16, body: &str) -> HttpResponse {
    HttpResponse { status, headers: vec![], body: body.into() }
}

/// The prepared lines of a batch, parsed.
fn prepared_lines(requests: &[UnifiedRequest], options: &PrepareOptions) -> (Vec<Value>, BatchSummary) {
    let prepared = api().prepare(requests, options).unwrap();
    let text = String::from_utf8(prepared.jsonl).unwrap();
    assert!(text.ends_with('\n'));
    let lines = text.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    (lines, prepared.summary)
}

fn line_of(request_json: &str) -> Value {
    prepared_lines(&[request(request_json)], &PrepareOptions::default()).0.remove(0)
}

fn validation_field(error: CoreError) -> (String, String) {
    match error {
        CoreError::Validation { field, message, .. } => (field, message),
        other => panic!("validation error expected, got {other:?}"),
    }
}
