//! Preparing a Gemini batch: the route, then the lines in that route's form.
//!
//! Each request is serialized once; the exact size of the inline create body follows from those
//! bytes, so the route is known before any line is written (nothing is estimated or rewritten).
//! The prepared JSONL then holds, per line:
//! - route `inline`: one `InlinedRequest` `{"request": …, "metadata": {"key": customId}}`; the
//!   create body is [`inline_prefix`] + the lines joined by commas + [`INLINE_SUFFIX`];
//! - route `file`: `{"key": customId, "request": …}`, the file uploaded as is (reference §3.2).
//!
//! Gemini stores no batch metadata: of `PrepareOptions.metadata` only a string `displayName` is
//! used (as the batch's required display name); other keys are not sent.

use std::borrow::Cow;
use std::ops::Range;

use serde_json::{Map, Value};

use crate::json_value_text::compact;
use crate::limits::{batch_limits, inline_limits};
use crate::model::UnifiedRequest;
use crate::providers::{BatchSummary, PrepareOptions, PreparedBatch, SubmitRoute, WebhookConfig};
use crate::validate::{check_batch_for, CheckedBatch};
use crate::{CoreError, Endpoint, Provider};

use super::embeddings::write_embed_request;
use super::fan_out::derived_key;
use super::request::{model_resource, write_request};
use crate::providers::common::jsonl_capacity;

/// Closes the inline create body opened by [`inline_prefix`].
pub const INLINE_SUFFIX: &str = "]}}}}";
const INLINE_LINE_OPEN: &str = "{\"request\":";
const INLINE_LINE_KEY: &str = ",\"metadata\":{\"key\":";
const INLINE_LINE_CLOSE: &str = "}}";

pub fn prepare(requests: Cow<'_, [UnifiedRequest]>, options: &PrepareOptions) -> Result<PreparedBatch, CoreError> {
    let provider = Provider::Google;
    let endpoint = options.endpoint.unwrap_or_default();
    let CheckedBatch { requests: checked, warnings, notes } =
        check_batch_for(provider, endpoint, requests, &options.validation)?;
    let requests = &*checked;
    // validate_batch refuses an empty batch, and checked that every request has this model.
    let model = requests.first().map(|request| request.model.clone()).unwrap_or_default();

    // Every line is written once, straight into the JSONL in the file route's form
    // (`{"key":…,"request":…}`), so a base64 payload is copied only into the output. The positions
    // of each key and body are kept: the rarer inline route rebuilds its lines from them.
    let mut jsonl = Vec::with_capacity(jsonl_capacity(requests));
    let mut lines: Vec<LineParts> = Vec::with_capacity(requests.len());
    for (index, request) in requests.iter().enumerate() {
        match (endpoint, request.input.as_ref().map(|input| input.texts())) {
            // One line per text: Gemini embeds one `content` per request (`fan_out.rs`).
            (Endpoint::Embeddings, Some(texts)) if texts.len() > 1 => {
                for (position, text) in texts.iter().enumerate() {
                    let key = json_string(&derived_key(&request.custom_id, position, texts.len()));
                    let line = open_file_line(&mut jsonl, &key);
                    write_embed_request(index, request, text, &mut jsonl)?;
                    lines.push(close_file_line(&mut jsonl, line));
                }
                continue;
            }
            (Endpoint::Embeddings, texts) => {
                let text = texts.as_ref().and_then(|texts| texts.first().map(|text| text.to_string()));
                let line = open_file_line(&mut jsonl, &json_string(&request.custom_id));
                write_embed_request(index, request, &text.unwrap_or_default(), &mut jsonl)?;
                lines.push(close_file_line(&mut jsonl, line));
            }
            _ => {
                let line = open_file_line(&mut jsonl, &json_string(&request.custom_id));
                write_request(index, request, &mut jsonl)?;
                lines.push(close_file_line(&mut jsonl, line));
            }
        }
    }
    let line_count = lines.len();

    if let Some(config) = &options.webhook_config {
        check_webhook_config(config)?;
    }
    let prefix = inline_prefix(
        &model,
        &display_name(options.metadata.as_ref(), requests.len()),
        options.webhook_config.as_ref(),
    );
    let per_line = INLINE_LINE_OPEN.len() + INLINE_LINE_KEY.len() + INLINE_LINE_CLOSE.len();
    let inline_body_bytes = prefix.len()
        + INLINE_SUFFIX.len()
        + lines.iter().map(|line| line.body.len() + line.key.len()).sum::<usize>()
        + per_line * line_count
        + line_count.saturating_sub(1);
    let route = choose_route(options.route, inline_body_bytes)?;
    if route == SubmitRoute::Inline {
        jsonl = inline_lines(&jsonl, &lines);
    }
    let limits = batch_limits(provider);
    if route == SubmitRoute::File && jsonl.len() > limits.max_bytes {
        return Err(CoreError::invalid_batch(
            "requests",
            format!(
                "the batch file would be {} bytes, over the Gemini limit of {} bytes; split the batch",
                jsonl.len(),
                limits.max_bytes
            ),
        ));
    }
    let summary = BatchSummary {
        provider,
        request_count: requests.len(),
        bytes: jsonl.len(),
        model: Some(model),
        route: route.as_str().to_owned(),
        warnings,
        notes,
        json_answers: crate::structured_output::json_answers(requests),
        // Each text is its own line, keyed `id#i/N`; the counts say which keys are the batch's
        // own, so that an answer under another (`D#1/3` for `d`) is never merged into a request.
        embedding_inputs: crate::embeddings::embedding_inputs(requests, endpoint),
        id_map: Vec::new(),
        metadata: options.metadata.clone(),
        timeout_hours: None,
        webhook_config: options.webhook_config.clone(),
        endpoint,
    };
    Ok(PreparedBatch { jsonl, summary })
}

/// Where one file-route line's key and request body sit in the JSONL.
struct LineParts {
    key: Range<usize>,
    body: Range<usize>,
}

const FILE_LINE_OPEN: &str = "{\"key\":";
const FILE_LINE_REQUEST: &str = ",\"request\":";

/// Starts a file-route line up to its request body; returns where its key and body begin.
fn open_file_line(jsonl: &mut Vec<u8>, key: &str) -> LineParts {
    jsonl.extend_from_slice(FILE_LINE_OPEN.as_bytes());
    let key_start = jsonl.len();
    jsonl.extend_from_slice(key.as_bytes());
    let key = key_start..jsonl.len();
    jsonl.extend_from_slice(FILE_LINE_REQUEST.as_bytes());
    let body_start = jsonl.len();
    LineParts { key, body: body_start..body_start }
}

/// Ends a file-route line after its request body.
fn close_file_line(jsonl: &mut Vec<u8>, mut line: LineParts) -> LineParts {
    line.body.end = jsonl.len();
    jsonl.extend_from_slice(b"}\n");
    line
}

/// The lines in the inline route's form (`{"request":…,"metadata":{"key":…}}`), from file-route lines.
fn inline_lines(file_lines: &[u8], lines: &[LineParts]) -> Vec<u8> {
    let per_line = INLINE_LINE_OPEN.len() + INLINE_LINE_KEY.len() + INLINE_LINE_CLOSE.len() + 1;
    let mut jsonl = Vec::with_capacity(file_lines.len() + lines.len() * per_line);
    for line in lines {
        jsonl.extend_from_slice(INLINE_LINE_OPEN.as_bytes());
        jsonl.extend_from_slice(&file_lines[line.body.clone()]);
        jsonl.extend_from_slice(INLINE_LINE_KEY.as_bytes());
        jsonl.extend_from_slice(&file_lines[line.key.clone()]);
        jsonl.extend_from_slice(INLINE_LINE_CLOSE.as_bytes());
        jsonl.push(b'\n');
    }
    jsonl
}

/// The file route unless the caller asks for `inline`: file lines always carry the request's `key`,
/// while inline answers have been seen to come back without their `metadata` and out of order, so
/// that position would be their only link (field case 26). An inline route over the limit is
/// refused here rather than by Google.
fn choose_route(forced: Option<SubmitRoute>, inline_body_bytes: usize) -> Result<SubmitRoute, CoreError> {
    let max = inline_limits(Provider::Google).map_or(0, |limits| limits.max_body_bytes);
    let fits_inline = inline_body_bytes < max;
    match forced {
        Some(SubmitRoute::Inline) if !fits_inline => Err(CoreError::invalid_batch(
            "route",
            format!(
                "the inline create body would be {inline_body_bytes} bytes; Gemini takes inline batches below {max} bytes. Use the file route"
            ),
        )),
        Some(route) => Ok(route),
        None => Ok(SubmitRoute::File),
    }
}

/// The inline create body up to the opening of the requests array. `model` is also bound from
/// the URL; it is repeated here because the spec's `GenerateContentBatch` requires it.
pub fn inline_prefix(model: &str, display_name: &str, webhook_config: Option<&WebhookConfig>) -> String {
    format!(
        "{{\"batch\":{{\"model\":{},\"displayName\":{},{}\"inputConfig\":{{\"requests\":{{\"requests\":[",
        json_string(&model_resource(model)),
        json_string(display_name),
        webhook_config
            .map(|config| format!("\"webhookConfig\":{},", compact(&webhook_config_json(config))))
            .unwrap_or_default()
    )
}

/// `batch.webhookConfig` as sent (endpoints-and-push.md §3.3 [GM-JS `WebhookConfig`]).
pub fn webhook_config_json(config: &WebhookConfig) -> Value {
    let mut object = Map::new();
    object.insert("uris".into(), Value::from(config.uris.clone()));
    if let Some(metadata) = &config.user_metadata {
        object.insert("userMetadata".into(), Value::Object(metadata.clone()));
    }
    Value::Object(object)
}

/// A per-job webhook names at least one endpoint, each an absolute http(s) URL.
fn check_webhook_config(config: &WebhookConfig) -> Result<(), CoreError> {
    if config.uris.is_empty() {
        return Err(CoreError::invalid_batch("webhookConfig.uris", "a Gemini per-job webhook needs at least one URI"));
    }
    for (index, uri) in config.uris.iter().enumerate() {
        if !(uri.starts_with("https://") || uri.starts_with("http://")) || uri.contains(char::is_whitespace) {
            return Err(CoreError::invalid_batch(
                format!("webhookConfig.uris[{index}]"),
                "a webhook URI must be an absolute http(s) URL",
            ));
        }
    }
    Ok(())
}

/// The batch's display name: `metadata.displayName` when it is a non-empty string, else a name
/// saying what the batch holds.
pub fn display_name(metadata: Option<&Map<String, Value>>, request_count: usize) -> String {
    metadata
        .and_then(|metadata| metadata.get("displayName"))
        .and_then(Value::as_str)
        .filter(|name| !name.trim().is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| format!("batch-router ({request_count} requests)"))
}

fn json_string(text: &str) -> String {
    // Serializing a string cannot fail.
    serde_json::to_string(text).unwrap_or_default()
}
