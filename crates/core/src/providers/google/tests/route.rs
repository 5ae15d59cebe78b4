//! Route choice and the two line forms.

use serde_json::{json, Value};

use super::simple;
use crate::http::payload_bytes;
use crate::providers::google::{display_name, inline_prefix, INLINE_SUFFIX};
use crate::providers::{prepare, PrepareOptions, PreparedBatch, SubmitRoute};
use crate::{CoreError, Provider, UnifiedRequest};

fn prepared(requests: &[UnifiedRequest], options: &PrepareOptions) -> PreparedBatch {
    prepare(Provider::Google, requests, options).unwrap()
}

/// The create body the inline route sends for a prepared batch.
fn inline_body(batch: &PreparedBatch) -> Vec<u8> {
    let name = display_name(batch.summary.metadata.as_ref(), batch.summary.request_count);
    let prefix = inline_prefix(batch.summary.model.as_deref().unwrap(), &name, batch.summary.webhook_config.as_ref());
    payload_bytes(&prefix, &batch.jsonl, INLINE_SUFFIX, true)
}

#[test]
fn a_small_batch_goes_inline_as_inlined_requests_when_asked() {
    let inline = PrepareOptions { route: Some(SubmitRoute::Inline), ..Default::default() };
    let batch = prepared(&[simple("req-1", "Why is the sky blue?"), simple("req-2", "Hi")], &inline);
    assert_eq!(batch.summary.route, "inline");
    assert_eq!(batch.summary.request_count, 2);
    assert_eq!(batch.summary.bytes, batch.jsonl.len());
    assert_eq!(batch.summary.model.as_deref(), Some("gemini-2.5-flash"));
    let lines: Vec<Value> = batch
        .jsonl
        .split(|&byte| byte == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| serde_json::from_slice(line).unwrap())
        .collect();
    assert_eq!(
        lines[0],
        json!({"request": {"model": "models/gemini-2.5-flash", "contents": [{"role": "user", "parts": [{"text": "Why is the sky blue?"}]}]},
               "metadata": {"key": "req-1"}})
    );
    assert_eq!(lines[1]["metadata"]["key"], "req-2");

    let body: Value = serde_json::from_slice(&inline_body(&batch)).unwrap();
    assert_eq!(body["batch"]["model"], "models/gemini-2.5-flash");
    assert_eq!(body["batch"]["displayName"], "batch-router (2 requests)");
    let requests = body["batch"]["inputConfig"]["requests"]["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1]["request"]["contents"][0]["parts"][0]["text"], "Hi");
}

#[test]
fn the_file_route_writes_key_and_request_lines() {
    let options = PrepareOptions { route: Some(SubmitRoute::File), ..Default::default() };
    let batch = prepared(&[simple("request-1", "Describe photosynthesis."), simple("request-2", "x")], &options);
    assert_eq!(batch.summary.route, "file");
    let text = String::from_utf8(batch.jsonl).unwrap();
    let first: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(
        first,
        json!({"key": "request-1", "request": {"model": "models/gemini-2.5-flash", "contents": [{"role": "user", "parts": [{"text": "Describe photosynthesis."}]}]}})
    );
    assert_eq!(text.lines().count(), 2);
}

#[test]
fn display_name_comes_from_metadata() {
    let metadata = json!({"displayName": "nightly \"eval\"", "team": "x"}).as_object().unwrap().clone();
    let options = PrepareOptions { metadata: Some(metadata), ..Default::default() };
    let batch = prepared(&[simple("a", "x")], &options);
    let body: Value = serde_json::from_slice(&inline_body(&batch)).unwrap();
    assert_eq!(body["batch"]["displayName"], "nightly \"eval\"");
}

/// Pads one request so that the inline create body is exactly `target` bytes (below the limit),
/// measured on the body that would be sent.
fn batch_with_inline_body(target: usize) -> Vec<UnifiedRequest> {
    let mut requests = vec![simple("big", "a"), simple("small", "x")];
    let inline = PrepareOptions { route: Some(SubmitRoute::Inline), ..Default::default() };
    let base = inline_body(&prepared(&requests, &inline)).len();
    requests[0].messages[0].content = crate::MessageContent::Text("a".repeat(1 + target - base));
    assert_eq!(inline_body(&prepared(&requests, &inline)).len(), target);
    requests
}

#[test]
fn the_file_route_is_the_default_and_inline_is_refused_at_its_limit() {
    let limit = 20_000_000;
    let below = batch_with_inline_body(limit - 1);
    // Small or large, a batch goes as a file unless inline is asked for: file lines carry keys.
    assert_eq!(prepared(&below, &PrepareOptions::default()).summary.route, "file");
    let small = prepared(&[simple("req-1", "Hi")], &PrepareOptions::default());
    assert_eq!(small.summary.route, "file");
    let inline = PrepareOptions { route: Some(SubmitRoute::Inline), ..Default::default() };
    assert_eq!(prepared(&below, &inline).summary.route, "inline");

    // One more byte of text makes the body exactly the limit, which is no longer "under" it.
    let mut at_limit = below.clone();
    let crate::MessageContent::Text(text) = &below[0].messages[0].content else { unreachable!() };
    at_limit[0].messages[0].content = crate::MessageContent::Text(format!("{text}a"));
    assert_eq!(prepared(&at_limit, &PrepareOptions::default()).summary.route, "file");

    let forced = PrepareOptions { route: Some(SubmitRoute::Inline), ..Default::default() };
    match prepare(Provider::Google, &at_limit, &forced).unwrap_err() {
        CoreError::Validation { field, message, .. } => {
            assert_eq!(field, "route");
            assert!(message.contains("would be 20000000 bytes"), "{message}");
        }
        other => panic!("validation error expected, got {other:?}"),
    }
    let forced_file = PrepareOptions { route: Some(SubmitRoute::File), ..Default::default() };
    assert_eq!(prepared(&below, &forced_file).summary.route, "file");
}

#[test]
fn a_per_job_webhook_is_checked_kept_in_the_summary_and_counted_in_the_inline_body() {
    let config: crate::providers::WebhookConfig =
        serde_json::from_value(json!({"uris": ["https://hooks.example.com/gemini"], "userMetadata": {"job": "j-1"}}))
            .unwrap();
    let options =
        PrepareOptions { route: Some(SubmitRoute::Inline), webhook_config: Some(config.clone()), ..Default::default() };
    let batch = prepared(&[simple("req-1", "Hi")], &options);
    assert_eq!(batch.summary.webhook_config.as_ref(), Some(&config));
    let body: Value = serde_json::from_slice(&inline_body(&batch)).unwrap();
    assert_eq!(
        body["batch"]["webhookConfig"],
        json!({"uris": ["https://hooks.example.com/gemini"], "userMetadata": {"job": "j-1"}})
    );

    let refused = |uris: Value| {
        let config = serde_json::from_value(json!({ "uris": uris })).unwrap();
        let options = PrepareOptions { webhook_config: Some(config), ..Default::default() };
        match prepare(Provider::Google, &[simple("req-1", "Hi")], &options) {
            Err(CoreError::Validation { field, .. }) => field,
            other => panic!("refusal expected, got {other:?}"),
        }
    };
    assert_eq!(refused(json!([])), "webhookConfig.uris");
    assert_eq!(refused(json!(["https://ok.example", "ftp://no.example"])), "webhookConfig.uris[1]");
    // No other provider takes a per-batch webhook.
    let options = PrepareOptions { webhook_config: Some(config), ..Default::default() };
    let openai = prepare(Provider::OpenAI, &[simple("req-1", "Hi")], &options);
    assert!(matches!(openai, Err(CoreError::Validation { ref field, .. }) if field == "webhookConfig"), "{openai:?}");
}
