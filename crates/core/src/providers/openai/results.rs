//! OpenAI output and error file lines → unified results (reference §1.6, §1.7). The same envelope
//! comes from vLLM `run-batch` and Mistral, so other modules reuse the body readers here.
//!
//! Bodies are read by the kind they show ([`decode_body`]): chat completions, text completions and
//! Responses objects are answers; any other kind is an error naming it. Older vLLM versions wrote
//! the completion directly as `response` (no `status_code`/`body` envelope); both shapes are read.

use std::rc::Rc;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::model::object_only;
use crate::model::{ResultError, ResultStatus, UnifiedResult};
use crate::results::{
    field_names, no_response_message, says_nothing, unless_generation_failed, with_reasoning_provider, EmbeddingInputs,
    LineDecoder, NO_RESPONSE,
};
use crate::retry::is_retryable_request;
use crate::Endpoint;

pub use super::body_kind::{decode_body, decode_body_of};
pub use super::chat_body::{chat_completion_response, failed_generation, joined_text, map_finish_reason, OpenAiUsage};
pub use crate::results::malformed;

use super::fast_line::decode_common_line;

pub struct OpenAiLineDecoder {
    source: &'static str,
    endpoint: Option<Endpoint>,
    embedding_inputs: Option<Rc<EmbeddingInputs>>,
}

impl OpenAiLineDecoder {
    pub fn new(source: &'static str) -> Self {
        OpenAiLineDecoder { source, endpoint: None, embedding_inputs: None }
    }

    /// The decoder for a batch of `endpoint` (as the batch object names it): bodies are read only
    /// as that endpoint's kind (an embeddings batch's into `response.embeddings`); a body of
    /// another kind is an errored result ([`decode_body_of`]).
    pub fn for_endpoint(mut self, endpoint: Option<Endpoint>) -> Self {
        self.endpoint = endpoint;
        self
    }
}

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct Line<'a> {
    #[serde(default)]
    custom_id: Option<String>,
    #[serde(borrow, default)]
    response: Option<&'a RawValue>,
    #[serde(borrow, default)]
    error: Option<&'a RawValue>,
}
object_only!(deserialize only Line<'a>, "a result line object");

/// `response` as the envelope `{status_code, request_id, body}`, or in the older vLLM shape the body
/// itself (`status_code` and `body` both absent).
#[derive(Deserialize)]
#[serde(remote = "Self")]
struct ResponseEnvelope<'a> {
    #[serde(default)]
    status_code: Option<u16>,
    #[serde(default)]
    request_id: Option<String>,
    #[serde(borrow, default)]
    body: Option<&'a RawValue>,
}
object_only!(deserialize only ResponseEnvelope<'a>, "a `response` object");

/// The status, request id and body of a line's `response`.
pub struct Envelope<'a> {
    pub status_code: Option<u16>,
    pub request_id: Option<String>,
    pub body: Option<&'a RawValue>,
}

/// Reads `response`: the envelope, or (older vLLM) a bare body, told apart by the envelope's fields:
/// a `response` with any of `status_code`, `request_id` or `body` (even null) is an envelope. A null
/// `body`, or an empty one without a status, is no body: the request got no answer (field case 03),
/// never an answer of an unknown kind.
pub fn envelope(response: &RawValue) -> Result<Envelope<'_>, String> {
    let parsed: ResponseEnvelope = serde_json::from_str(response.get()).map_err(|error| error.to_string())?;
    let bare_body = parsed.status_code.is_none()
        && parsed.body.is_none()
        && parsed.request_id.is_none()
        && !is_empty_object(response)
        && !has_envelope_field(response);
    Ok(Envelope {
        status_code: parsed.status_code,
        request_id: parsed.request_id,
        body: if bare_body {
            Some(response)
        } else {
            parsed.body.filter(|raw| raw.get() != "null" && !(parsed.status_code.is_none() && is_empty_object(raw)))
        },
    })
}

/// A line whose `response` is the usual envelope, read in one pass. `None` for anything else (a bare vLLM body, an envelope without any of its
/// fields, a line that does not parse), which the two-pass reading in `decode_line` handles as
/// before; where this answers, that reading gives the same.
fn enveloped_line(text: &str) -> Option<LineHead<'_>> {
    #[derive(Deserialize)]
    #[serde(remote = "Self")]
    struct EnvelopedLine<'a> {
        #[serde(default)]
        custom_id: Option<String>,
        #[serde(borrow, default)]
        response: Option<ResponseEnvelope<'a>>,
        #[serde(borrow, default)]
        error: Option<&'a RawValue>,
    }
    object_only!(deserialize only EnvelopedLine<'a>, "a result line object");
    let parsed: EnvelopedLine = serde_json::from_str(text).ok()?;
    let envelope = match parsed.response {
        None => None,
        Some(response)
            if response.status_code.is_none() && response.request_id.is_none() && response.body.is_none() =>
        {
            return None
        }
        Some(response) => Some(Envelope {
            status_code: response.status_code,
            request_id: response.request_id,
            body: response
                .body
                .filter(|raw| raw.get() != "null" && !(response.status_code.is_none() && is_empty_object(raw))),
        }),
    };
    let error = parsed.error.filter(|raw| raw.get() != "null");
    Some(LineHead {
        custom_id: parsed.custom_id.unwrap_or_default(),
        has_response: envelope.is_some(),
        error,
        envelope,
    })
}

/// What a line says before its body is read.
struct LineHead<'a> {
    custom_id: String,
    has_response: bool,
    error: Option<&'a RawValue>,
    envelope: Option<Envelope<'a>>,
}

fn is_empty_object(raw: &RawValue) -> bool {
    let text = raw.get().trim();
    text.starts_with('{')
        && matches!(serde_json::from_str::<Value>(text), Ok(Value::Object(object)) if object.is_empty())
}

/// Whether `response` names an envelope field whose value is null (serde reads those as absent).
/// Only asked of a `response` with no status, request id or body, so the parse is off the hot path.
fn has_envelope_field(response: &RawValue) -> bool {
    matches!(serde_json::from_str::<Value>(response.get()), Ok(Value::Object(object))
        if ["status_code", "request_id", "body"].iter().any(|name| object.contains_key(*name)))
}

/// The status of a result whose error has this code: OpenAI names requests that never ran because
/// the batch expired or was cancelled `batch_expired` / `batch_cancelled` (reference §1.7); Mistral
/// and vLLM write the same envelope.
pub fn status_of_error_code(code: &str) -> ResultStatus {
    match code {
        "batch_expired" => ResultStatus::Expired,
        "batch_cancelled" | "batch_canceled" => ResultStatus::Cancelled,
        _ => ResultStatus::Errored,
    }
}

/// A request's input count, when the batch's counts are known.
pub fn inputs_of(inputs: &Option<Rc<EmbeddingInputs>>, custom_id: &str) -> Option<usize> {
    let count = inputs.as_ref()?.get(custom_id)?.as_u64()?;
    usize::try_from(count).ok()
}

impl LineDecoder for OpenAiLineDecoder {
    fn expect_embedding_inputs(&mut self, inputs: Rc<EmbeddingInputs>) {
        self.embedding_inputs = Some(inputs);
    }

    fn decode_line(&mut self, line: &[u8], line_number: usize) -> UnifiedResult {
        let text = match crate::byte_scan::utf8_text(line) {
            Ok(text) => text,
            Err(_) => return malformed(self.source, line_number, None, "the line is not UTF-8", line),
        };
        // The one-pass reader reads chat answers only, which only a chat batch (or one of an
        // endpoint not known) takes.
        let result = match self
            .endpoint
            .is_none_or(|endpoint| endpoint == Endpoint::Chat)
            .then(|| decode_common_line(text))
            .flatten()
        {
            Some(result) => result,
            None => {
                crate::providers::lone_surrogates::decoded(text, &mut |text| self.decode_any_line(text, line_number))
            }
        };
        with_reasoning_provider(unless_generation_failed(result, failed_generation, text), self.source)
    }
}

impl OpenAiLineDecoder {
    /// Reads any line, the common shape included (the reader [`decode_common_line`] falls back to).
    pub(super) fn decode_any_line(&mut self, text: &str, line_number: usize) -> UnifiedResult {
        let line = text.as_bytes();
        let LineHead { custom_id, has_response, error, envelope } = match enveloped_line(text) {
            Some(line) => line,
            None => {
                let parsed: Line = match serde_json::from_str(text) {
                    Ok(parsed) => parsed,
                    Err(error) => return malformed(self.source, line_number, None, &error.to_string(), line),
                };
                let custom_id = parsed.custom_id.unwrap_or_default();
                let response = parsed.response.filter(|raw| raw.get() != "null");
                let error = parsed.error.filter(|raw| raw.get() != "null");
                match response.map(envelope).transpose() {
                    Ok(envelope) => LineHead { custom_id, has_response: response.is_some(), error, envelope },
                    Err(error) => return malformed(self.source, line_number, Some(custom_id), &error, line),
                }
            }
        };
        let status_code = envelope.as_ref().and_then(|envelope| envelope.status_code);
        let request_id = envelope.as_ref().and_then(|envelope| envelope.request_id.clone());
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
                let described = LineParts { has_response, status_code, line: text };
                let result_error = line_error(error, body, &described, request_id);
                let status = status_of_error_code(&result_error.code);
                UnifiedResult { custom_id, status, response: None, error: Some(result_error), attribution: None }
            }
        }
    }
}

struct LineParts<'a> {
    has_response: bool,
    status_code: Option<u16>,
    line: &'a str,
}

/// Reads the error of a line: OpenAI's `{code, message}`, vLLM's `{error: {…, code: int}}` or
/// plain string, or an HTTP error body `{error: {message, type, code}}` in `response.body`.
/// Whether it is retryable is the core's one rule ([`is_retryable_request`]).
fn line_error(
    error: Option<&RawValue>,
    body: Option<&RawValue>,
    parts: &LineParts,
    request_id: Option<String>,
) -> ResultError {
    let error_value: Option<Value> = error.and_then(|raw| serde_json::from_str(raw.get()).ok());
    let body_value: Option<Value> = body.and_then(|raw| serde_json::from_str(raw.get()).ok());
    // An error that says nothing (`{}`, `{"code": null, "message": ""}`) is no detail, as on
    // Mistral: the request got no answer.
    let empty_error = error_value.as_ref().is_some_and(says_nothing);
    let detail = error_value
        .as_ref()
        .map(|error| match error.get("error") {
            Some(inner) if inner.is_object() => inner.clone(),
            _ => error.clone(),
        })
        .or_else(|| body_value.as_ref().and_then(|body| body.get("error").cloned()))
        .filter(|detail| !says_nothing(detail));
    // vLLM puts the HTTP status as a number in the error's `code`.
    let numeric_status = detail
        .as_ref()
        .and_then(|detail| detail.get("code"))
        .and_then(Value::as_u64)
        .filter(|code| (100..600).contains(code))
        .map(|code| code as u16);
    let status = parts.status_code.filter(|status| !(200..300).contains(status)).or(numeric_status);
    let (code, message) = match &detail {
        Some(Value::String(message)) => ("error".to_owned(), message.clone()),
        Some(detail) => {
            let said = detail.get("message").and_then(Value::as_str).filter(|message| !message.is_empty());
            let code = match detail.get("code") {
                Some(Value::String(code)) if !code.is_empty() => Some(code.clone()),
                Some(Value::Number(number)) => Some(
                    detail.get("type").and_then(Value::as_str).map(str::to_owned).unwrap_or_else(|| number.to_string()),
                ),
                _ => detail.get("type").and_then(Value::as_str).filter(|kind| !kind.is_empty()).map(str::to_owned),
            };
            match code {
                Some(code) => (code, said.unwrap_or("request failed").to_owned()),
                None => codeless(status, said),
            }
        }
        None if empty_error && status.is_none_or(|status| status == 0) => {
            (NO_RESPONSE.to_owned(), no_response_message(None, "its error is empty"))
        }
        None => no_detail(parts, status),
    };
    let error_type = detail.as_ref().map(|_| code.as_str());
    ResultError {
        retryable: is_retryable_request(status, error_type),
        code,
        message,
        http_status: status.filter(|status| *status != 0),
        request_id: request_id.filter(|id| !id.is_empty()),
        raw: RawValue::from_string(parts.line.to_owned()).ok(),
    }
}

/// The code and message of an error without a code or type (OpenAI's and Mistral's lines alike):
/// at status 0, or for an error that says nothing, [`NO_RESPONSE`] (the request got no answer);
/// at a failing HTTP status, `http_{status}`; else `error`. The error's own message is kept.
pub fn codeless(status: Option<u16>, said: Option<&str>) -> (String, String) {
    match status {
        Some(0) => (NO_RESPONSE.to_owned(), no_response_message(said, "status 0, and an error with no code")),
        Some(status) if !(200..300).contains(&status) => (
            format!("http_{status}"),
            said.map_or_else(|| format!("the request failed with HTTP {status}"), str::to_owned),
        ),
        _ => ("error".to_owned(), said.unwrap_or("request failed").to_owned()),
    }
}

/// The code and message of a line that says nothing about why it failed.
fn no_detail(parts: &LineParts, status: Option<u16>) -> (String, String) {
    match status {
        Some(0) => (
            NO_RESPONSE.into(),
            "the provider produced no HTTP answer for this request (status 0, no body, no error)".into(),
        ),
        Some(status) => (format!("http_{status}"), format!("the request failed with HTTP {status}")),
        None if parts.has_response => (
            "missing_body".into(),
            format!(
                "the line's response has no body{}",
                parts.status_code.map(|status| format!(" (status {status})")).unwrap_or_default()
            ),
        ),
        None => {
            let has = RawValue::from_string(parts.line.to_owned()).map(|raw| field_names(&raw)).unwrap_or_default();
            ("missing_response".into(), format!("the line has neither a response nor an error (it has {has})"))
        }
    }
}

#[cfg(test)]
mod one_pass_tests {
    use super::*;

    /// A line's custom id, whether it has a response, its error, and its status, request id and body.
    type Read = (String, bool, Option<String>, Option<(Option<u16>, Option<String>, Option<String>)>);

    /// The two-pass reading the one-pass [`enveloped_line`] stands in for.
    fn two_pass(text: &str) -> Read {
        let parsed: Line = serde_json::from_str(text).unwrap();
        let response = parsed.response.filter(|raw| raw.get() != "null");
        let envelope = response.map(|raw| envelope(raw).unwrap());
        (
            parsed.custom_id.unwrap_or_default(),
            response.is_some(),
            parsed.error.filter(|raw| raw.get() != "null").map(|raw| raw.get().to_owned()),
            envelope.map(|envelope| {
                (envelope.status_code, envelope.request_id, envelope.body.map(|raw| raw.get().to_owned()))
            }),
        )
    }

    #[test]
    fn the_one_pass_reading_agrees_with_the_two_pass_one_or_declines() {
        let lines = [
            r#"{"custom_id":"a","response":{"status_code":200,"request_id":"r","body":{"choices":[]}},"error":null}"#,
            r#"{"custom_id":"b","response":{"status_code":500,"body":null},"error":{"code":"x"}}"#,
            r#"{"custom_id":"c","response":{"body":{}}}"#,
            r#"{"custom_id":"d","response":{"request_id":"r"}}"#,
            r#"{"custom_id":"e","response":null,"error":{"code":"batch_expired"}}"#,
            r#"{"custom_id":"f"}"#,
            r#"{"custom_id":"g","response":{"status_code":null,"body":null}}"#,
            r#"{"custom_id":"h","response":{"choices":[{"message":{"content":"hi"}}]}}"#,
            r#"{"custom_id":"i","response":{}}"#,
            r#"{"custom_id":"j","response":"text"}"#,
            r#"{"custom_id":"k","response":{"status_code":200,"body":{"id":1}}}"#,
        ];
        let mut declined = 0;
        for text in lines {
            match enveloped_line(text) {
                Some(LineHead { custom_id, has_response, error, envelope }) => {
                    let one_pass: Read = (
                        custom_id,
                        has_response,
                        error.map(|raw| raw.get().to_owned()),
                        envelope.map(|envelope| {
                            (envelope.status_code, envelope.request_id, envelope.body.map(|raw| raw.get().to_owned()))
                        }),
                    );
                    assert_eq!(one_pass, two_pass(text), "{text}");
                }
                None => declined += 1,
            }
        }
        // The bare bodies, the envelopes without a field and the string `response` are left to the
        // two-pass reading.
        assert_eq!(declined, 4);
    }

    #[test]
    fn a_chat_body_read_in_one_pass_is_read_as_before() {
        let bodies = [
            r#"{"object":"chat.completion","id":"x","model":"m","choices":[{"index":0,"message":{"content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2}}"#,
            r#"{"choices":[{"text":"t","finish_reason":"length"}],"output":5}"#,
            // `usage` of another shape: the one-pass reading fails and the body is read as before.
            r#"{"object":"chat.completion","choices":[{"message":{"content":"hi"}}],"usage":{"prompt_tokens":"x"},"output":[1]}"#,
        ];
        for text in bodies {
            let body: Box<RawValue> = serde_json::from_str(text).unwrap();
            let one_pass = decode_body(&body).map(|response| serde_json::to_string(&response).unwrap());
            let before = chat_completion_response(&body).map(|response| serde_json::to_string(&response).unwrap());
            assert_eq!(one_pass.map_err(|problem| problem.code), before.map_err(|problem| problem.code), "{text}");
        }
    }
}
