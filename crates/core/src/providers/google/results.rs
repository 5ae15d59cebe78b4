//! Where a finished Gemini batch keeps its results, how they are matched to requests, and how one
//! result line is read (reference §3.5).
//!
//! The output is looked for in the three places Google has been seen to put it, in this order:
//! `response.{responsesFile | inlinedResponses.inlinedResponses}` (observed wire data),
//! `response.output.*` (the discovery spec), `metadata.output.*` (what the official SDK reads).
//!
//! Matching is by key, never silently by position. File lines carry `key`; a line without one
//! becomes an errored result (`unmatched_result`) naming its line. Inline responses carry
//! `metadata.key`; where some do not, they are matched by position only when the caller passes
//! the submitted ids in order ([`crate::providers::BatchApi::result_sources_in_order`]) and the
//! number of responses equals the number submitted (and `batchStats.requestCount` where present);
//! otherwise reading the results fails with an error saying so.
//!
//! Inline responses are rewritten as file-style lines `{"key", "response" | "error"}`, so that one
//! decoder reads both routes.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::model::{ResultError, ResultStatus, UnifiedResult};
use crate::providers::common::u64_field;
use crate::providers::openai::results::malformed;
use crate::results::LineDecoder;
use crate::CoreError;

use super::response::{generate_content_response, status_error};
use super::status::RPC_CANCELLED;

/// Where a batch's results are.
#[derive(Debug, PartialEq)]
pub enum Output<'a> {
    /// The name of the responses file, `files/…`.
    File(&'a str),
    /// The `InlinedResponse` objects, in request order.
    Inline(&'a [Value]),
    /// The operation holds no output (a failed, cancelled or expired batch may have none).
    Missing,
}

pub fn locate_output(operation: &Value) -> Output<'_> {
    let places =
        [operation.get("response"), operation.pointer("/response/output"), operation.pointer("/metadata/output")];
    for place in places.into_iter().flatten() {
        if let Some(file) = place.get("responsesFile").and_then(Value::as_str).filter(|name| !name.is_empty()) {
            return Output::File(file);
        }
        if let Some(responses) = place.pointer("/inlinedResponses/inlinedResponses").and_then(Value::as_array) {
            return Output::Inline(responses);
        }
    }
    Output::Missing
}

/// Inline responses as file-style JSONL lines, each with the key of the request it answers.
pub fn inline_lines(
    provider: &str,
    operation: &Value,
    responses: &[Value],
    request_ids: Option<&[String]>,
) -> Result<Vec<u8>, CoreError> {
    let key_of = |response: &Value| response.pointer("/metadata/key").and_then(Value::as_str).map(str::to_owned);
    let unkeyed = responses.iter().filter(|response| key_of(response).is_none()).count();
    if unkeyed > 0 {
        check_positions(provider, operation, responses.len(), unkeyed, request_ids)?;
    }
    let mut jsonl = Vec::new();
    for (position, response) in responses.iter().enumerate() {
        // check_positions made sure the ids exist and line up whenever a key is missing.
        let key =
            key_of(response).or_else(|| request_ids.and_then(|ids| ids.get(position)).cloned()).unwrap_or_default();
        let mut line = serde_json::Map::new();
        line.insert("key".into(), Value::String(key));
        for field in ["response", "error"] {
            if let Some(value) = response.get(field).filter(|value| !value.is_null()) {
                line.insert(field.into(), value.clone());
            }
        }
        serde_json::to_writer(&mut jsonl, &line)
            .map_err(|error| CoreError::invalid_response(provider, format!("inline response {position}: {error}")))?;
        jsonl.push(b'\n');
    }
    Ok(jsonl)
}

fn check_positions(
    provider: &str,
    operation: &Value,
    count: usize,
    unkeyed: usize,
    request_ids: Option<&[String]>,
) -> Result<(), CoreError> {
    let Some(ids) = request_ids else {
        return Err(CoreError::invalid_response(
            provider,
            format!(
                "{unkeyed} of {count} inline responses carry no metadata.key; they can only be matched by position, which needs the submitted request ids in order (result_sources_in_order)"
            ),
        ));
    };
    let reported = operation
        .pointer("/metadata/batchStats")
        .filter(|stats| stats.get("requestCount").is_some())
        .map(|stats| u64_field(stats, "requestCount"));
    let counts_agree = ids.len() == count && reported.is_none_or(|reported| reported == count as u64);
    if !counts_agree {
        let reported = reported.map(|reported| format!(", batchStats.requestCount {reported}")).unwrap_or_default();
        return Err(CoreError::invalid_response(
            provider,
            format!(
                "{unkeyed} of {count} inline responses carry no metadata.key and the counts disagree ({} requests submitted{reported}); refusing to match results by position",
                ids.len()
            ),
        ));
    }
    Ok(())
}

/// Reads `{"key", "response": GenerateContentResponse}` and `{"key", "error": Status}` lines: the
/// responses file, and inline responses rewritten by [`inline_lines`].
pub struct GoogleLineDecoder {
    source: &'static str,
}

impl GoogleLineDecoder {
    pub fn new(source: &'static str) -> Self {
        GoogleLineDecoder { source }
    }
}

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(default)]
    key: Option<String>,
    #[serde(borrow, default)]
    response: Option<&'a RawValue>,
    #[serde(borrow, default)]
    error: Option<&'a RawValue>,
}

impl LineDecoder for GoogleLineDecoder {
    fn decode_line(&mut self, line: &[u8], line_number: usize) -> UnifiedResult {
        let text = match std::str::from_utf8(line) {
            Ok(text) => text,
            Err(_) => return malformed(self.source, line_number, None, "the line is not UTF-8", line),
        };
        let parsed: Line = match serde_json::from_str(text) {
            Ok(parsed) => parsed,
            Err(error) => return malformed(self.source, line_number, None, &error.to_string(), line),
        };
        let Some(custom_id) = parsed.key.filter(|key| !key.is_empty()) else {
            return UnifiedResult::errored(
                String::new(),
                ResultError {
                    code: "unmatched_result".into(),
                    message: format!(
                        "line {line_number} of the {} results has no key, so it cannot be matched to a request",
                        self.source
                    ),
                    http_status: None,
                    request_id: None,
                    retryable: false,
                    raw: RawValue::from_string(text.to_owned()).ok(),
                },
            );
        };
        let response = parsed.response.filter(|raw| raw.get() != "null");
        let error = parsed.error.filter(|raw| raw.get() != "null");
        match (response, error) {
            (Some(body), None) => match generate_content_response(body) {
                Ok(response) => {
                    UnifiedResult { custom_id, status: ResultStatus::Succeeded, response: Some(response), error: None }
                }
                Err(message) => malformed(self.source, line_number, Some(custom_id), &message, line),
            },
            (_, Some(error)) => {
                let status: Value = serde_json::from_str(error.get()).unwrap_or(Value::Null);
                let result_error = status_error(&status, text);
                let result_status = if status.get("code").and_then(Value::as_i64) == Some(RPC_CANCELLED) {
                    ResultStatus::Cancelled
                } else {
                    ResultStatus::Errored
                };
                UnifiedResult { custom_id, status: result_status, response: None, error: Some(result_error) }
            }
            (None, None) => UnifiedResult::errored(
                custom_id,
                ResultError {
                    code: "missing_response".into(),
                    message: format!("line {line_number} has neither a response nor an error"),
                    http_status: None,
                    request_id: None,
                    retryable: false,
                    raw: RawValue::from_string(text.to_owned()).ok(),
                },
            ),
        }
    }
}
