//! Mistral output and error file lines → unified results (reference §4.6).
//!
//! The documented output line is OpenAI's envelope without `request_id`:
//! `{"id", "custom_id", "response": {"status_code", "body"}, "error"}`; its body is a chat completion,
//! read by the OpenAI module's reader. The error file's lines are undocumented (reference §10), so
//! both an envelope with an HTTP error body and a plain `{custom_id, error: {message, code}}` are read.

use std::rc::Rc;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::json_value_text::compact;
use crate::model::object_only;
use crate::model::{ResultError, UnifiedResult};
use crate::providers::lone_surrogates::decoded;
use crate::providers::openai::results::{
    codeless, decode_body_of, envelope, failed_generation, inputs_of, status_of_error_code,
};
use crate::results::{
    field_names, malformed, no_response_message, says_nothing, unless_generation_failed, with_reasoning_provider,
    EmbeddingInputs, LineDecoder, NO_RESPONSE,
};
use crate::retry::is_retryable_request;
use crate::Endpoint;

const SOURCE: &str = "mistral";

#[derive(Debug, Default)]
pub struct MistralLineDecoder {
    endpoint: Option<Endpoint>,
    embedding_inputs: Option<Rc<EmbeddingInputs>>,
}

impl MistralLineDecoder {
    pub fn new() -> Self {
        MistralLineDecoder::default()
    }

    /// The decoder for a job of `endpoint` (as the job names it): bodies are read only as that
    /// endpoint's kind (an embeddings job's into `response.embeddings`).
    pub fn for_endpoint(endpoint: Option<Endpoint>) -> Self {
        MistralLineDecoder { endpoint, embedding_inputs: None }
    }
}

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct Line<'a> {
    /// Nullable in the spec's `BatchRequest`, so it may come back null.
    #[serde(default)]
    custom_id: Option<String>,
    #[serde(borrow, default)]
    response: Option<&'a RawValue>,
    #[serde(borrow, default)]
    error: Option<&'a RawValue>,
}
object_only!(deserialize only Line<'a>, "a result line object");

impl LineDecoder for MistralLineDecoder {
    fn expect_embedding_inputs(&mut self, inputs: Rc<EmbeddingInputs>) {
        self.embedding_inputs = Some(inputs);
    }

    fn decode_line(&mut self, line: &[u8], line_number: usize) -> UnifiedResult {
        let Ok(text) = crate::byte_scan::utf8_text(line) else {
            return malformed(SOURCE, line_number, None, "the line is not UTF-8", line);
        };
        let result = decoded(text, &mut |text| self.decode_text(text, line_number));
        with_reasoning_provider(unless_generation_failed(result, failed_generation, text), SOURCE)
    }
}

impl MistralLineDecoder {
    /// Reads a line of UTF-8 text.
    fn decode_text(&self, text: &str, line_number: usize) -> UnifiedResult {
        let line = text.as_bytes();
        let parsed: Line = match serde_json::from_str(text) {
            Ok(parsed) => parsed,
            Err(error) => return malformed(SOURCE, line_number, None, &error.to_string(), line),
        };
        let custom_id = parsed.custom_id.unwrap_or_default();
        let error = parsed.error.filter(|raw| raw.get() != "null");
        let response = parsed.response.filter(|raw| raw.get() != "null");
        let envelope = match response.map(envelope).transpose() {
            Ok(envelope) => envelope,
            Err(error) => return malformed(SOURCE, line_number, Some(custom_id), &error, line),
        };
        let status_code = envelope.as_ref().and_then(|envelope| envelope.status_code);
        let body = envelope.as_ref().and_then(|envelope| envelope.body);
        let success = error.is_none() && status_code.is_none_or(|code| (200..300).contains(&code));
        match (success, body) {
            (true, Some(body)) => {
                match decode_body_of(body, self.endpoint, inputs_of(&self.embedding_inputs, &custom_id), &custom_id) {
                    Ok(response) => UnifiedResult::succeeded(custom_id, response),
                    Err(problem) => problem.into_result(custom_id, text),
                }
            }
            _ => {
                let result_error = line_error(error, body, status_code, response.is_some(), text);
                let status = status_of_error_code(&result_error.code);
                let mut result = UnifiedResult::errored(custom_id, result_error);
                result.status = status;
                result
            }
        }
    }
}

/// The error of a line, from the first place that has one: the line's `error` (an object, an
/// object wrapping `error`, or a string), then the response body (Mistral's HTTP error body
/// `{object: "error", message, type, code}`, OpenAI's `{error: {…}}`, or FastAPI's `{detail}`).
fn line_error(
    error: Option<&RawValue>,
    body: Option<&RawValue>,
    status_code: Option<u16>,
    has_response: bool,
    line: &str,
) -> ResultError {
    let parse = |raw: &RawValue| serde_json::from_str::<Value>(raw.get()).ok();
    // An error that says nothing (field case 03's `body: {}` with status 0, `error: {}`): no detail.
    let said = |value: &Value| !says_nothing(value);
    let error = error.and_then(parse);
    let empty_error = error.as_ref().is_some_and(says_nothing);
    let detail = error.map(unwrap_error).filter(said).or_else(|| body.and_then(parse).map(unwrap_error).filter(said));
    let failed_status = status_code.filter(|status| !(200..300).contains(status));
    let (code, message) = match &detail {
        Some(Value::String(message)) => ("error".to_owned(), message.clone()),
        Some(detail) => {
            let said = text_of(detail.get("message")).or_else(|| text_of(detail.get("detail")));
            match text_of(detail.get("code")).or_else(|| text_of(detail.get("type"))) {
                Some(code) => (code, said.unwrap_or_else(|| "the request failed".to_owned())),
                // The same code as OpenAI's lines give (`no_response` at status 0, `http_…`).
                None => codeless(status_code, said.as_deref()),
            }
        }
        None if empty_error && status_code.is_none_or(|status| status == 0) => {
            (NO_RESPONSE.to_owned(), no_response_message(None, "its error is empty"))
        }
        None => match status_code {
            Some(0) => (NO_RESPONSE.into(), "the provider produced no HTTP answer for this request (status 0)".into()),
            Some(status) if failed_status.is_some() => {
                (format!("http_{status}"), format!("the request failed with HTTP {status}"))
            }
            _ if has_response => ("missing_body".into(), "the line's response has no body".into()),
            _ => {
                let has = RawValue::from_string(line.to_owned()).map(|raw| field_names(&raw)).unwrap_or_default();
                ("missing_response".into(), format!("the line has neither a response nor an error (it has {has})"))
            }
        },
    };
    ResultError {
        retryable: is_retryable_request(
            status_code.filter(|status| !(200..300).contains(status)),
            detail.as_ref().map(|_| code.as_str()),
        ),
        code,
        message,
        http_status: failed_status.filter(|status| *status != 0),
        request_id: None,
        raw: RawValue::from_string(line.to_owned()).ok(),
    }
}

fn unwrap_error(value: Value) -> Value {
    match value {
        Value::Object(mut object) => match object.remove("error") {
            Some(inner @ (Value::Object(_) | Value::String(_))) => inner,
            Some(other) => {
                object.insert("error".into(), other);
                Value::Object(object)
            }
            None => Value::Object(object),
        },
        other => other,
    }
}

/// A field as text: strings as they are, numbers and objects (Mistral's 422 `message` is an
/// object) as JSON; empty and null values count as absent.
fn text_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Null => None,
        Value::String(text) if text.is_empty() => None,
        Value::String(text) => Some(text.clone()),
        other => Some(compact(other)),
    }
}
