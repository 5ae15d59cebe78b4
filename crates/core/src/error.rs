//! Errors as data: each has a stable `code` (the serde tag) that the TypeScript package turns into
//! its error classes.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case", rename_all_fields = "camelCase")]
pub enum CoreError {
    /// Bad input, found before anything was sent. `index`/`customId` name the request when the
    /// problem is in one request; `field` is a path inside it (e.g. `messages[0].content`), left
    /// out when the error is about no field (a line that is not JSON); `line` is the 1-based line
    /// of unified JSONL text the request came from, when it came from text.
    #[error("{}", validation_message(.index, .custom_id, .line, .field, .message))]
    Validation {
        index: Option<usize>,
        custom_id: Option<String>,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        field: String,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        line: Option<usize>,
    },
    /// Several requests are invalid: every request is checked before an error is raised, so one
    /// run names them all. `errors` holds the first [`MAX_REPORTED`] `Validation` errors in
    /// request order, `total` how many there were. Raised only for two or more: one is a
    /// `Validation` of its own. The message is the first error's, then how many more there are.
    #[error("{}", several_message(.errors, .total))]
    Validations { errors: Vec<CoreError>, total: usize },
    /// The provider answered with an HTTP error.
    #[error("{provider} API error (HTTP {status}): {message}")]
    Provider {
        provider: String,
        status: u16,
        message: String,
        error_type: Option<String>,
        request_id: Option<String>,
        retryable: bool,
        body: Option<Box<Value>>,
        /// The headers that say when to try again, for the retry policy (`retry.rs`). Boxed, like
        /// `body`, to keep `CoreError` small.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_headers: Option<Box<RetryHeaders>>,
    },
    #[error("{provider} batch {batch_id} was not found")]
    BatchNotFound { provider: String, batch_id: String, request_id: Option<String> },
    #[error("{provider} batch {batch_id} is not complete (status {status})")]
    BatchNotComplete { provider: String, batch_id: String, status: String },
    /// The provider's answer did not have the documented shape. `output_missing`: it is a
    /// finished batch whose status counts answers but whose output holds none of them (not there
    /// yet, or lost; field case 14), which jobs tell apart (they wait, then send the requests
    /// again).
    #[error("unexpected response from {provider}: {message}")]
    InvalidResponse {
        provider: String,
        message: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        output_missing: bool,
    },
    /// The request never got an HTTP answer (DNS, refused connection, reset).
    #[error("connection error: {message}")]
    Connection { message: String },
    #[error("the operation was aborted")]
    Aborted,
}

/// The headers of an HTTP error that say when to try again, as sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetryHeaders {
    /// `retry-after`: seconds or an HTTP date. Kept as text: reading a date needs the caller's clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<String>,
    /// `retry-after-ms`: milliseconds (OpenAI and Anthropic send it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<String>,
}

impl RetryHeaders {
    /// The retry headers of a response, when it has any.
    pub fn of(response: &crate::http::HttpResponse) -> Option<Box<RetryHeaders>> {
        let headers = RetryHeaders {
            retry_after: response.header("retry-after").map(str::to_owned),
            retry_after_ms: response.header("retry-after-ms").map(str::to_owned),
        };
        (headers != RetryHeaders::default()).then(|| Box::new(headers))
    }
}

fn validation_message(
    index: &Option<usize>,
    custom_id: &Option<String>,
    line: &Option<usize>,
    field: &str,
    message: &str,
) -> String {
    let mut text = String::new();
    let mut details = Vec::new();
    if let Some(line) = line {
        details.push(format!("line {line}"));
    }
    if let Some(id) = custom_id {
        details.push(format!("customId \"{id}\""));
    }
    match (index, details.is_empty()) {
        (Some(index), true) => text.push_str(&format!("request {index}: ")),
        (Some(index), false) => text.push_str(&format!("request {index} ({}): ", details.join(", "))),
        (None, false) => text.push_str(&format!("request {}: ", details.join(", "))),
        (None, true) => {}
    }
    if !field.is_empty() {
        text.push_str(field);
        text.push_str(": ");
    }
    text.push_str(message);
    text
}

impl CoreError {
    /// A validation error about one field of one request. `field` and `message` are text or owned
    /// text (`&str`, `String`): each call site only moves them, and the error is built out of line
    /// (`validation` below), so the many call sites stay small.
    #[inline]
    pub fn invalid<'a>(
        index: usize,
        custom_id: &str,
        field: impl Into<Cow<'a, str>>,
        message: impl Into<Cow<'a, str>>,
    ) -> Self {
        validation(Some(index), Some(custom_id), field.into(), message.into())
    }

    /// A validation error about the batch as a whole.
    #[inline]
    pub fn invalid_batch<'a>(field: impl Into<Cow<'a, str>>, message: impl Into<Cow<'a, str>>) -> Self {
        validation(None, None, field.into(), message.into())
    }

    /// The same error with the line of unified JSONL its request came from (`lines[index]`), when
    /// it names a request and no line yet (each of [`CoreError::Validations`]' errors).
    pub fn at_line(self, lines: &[usize]) -> Self {
        match self {
            CoreError::Validation { index: Some(index), custom_id, field, message, line: None } => {
                CoreError::Validation { index: Some(index), custom_id, field, message, line: lines.get(index).copied() }
            }
            CoreError::Validations { errors, total } => {
                CoreError::Validations { errors: errors.into_iter().map(|error| error.at_line(lines)).collect(), total }
            }
            other => other,
        }
    }

    /// The same error without a line: for requests that did not come from the caller's text.
    pub fn without_line(self) -> Self {
        match self {
            CoreError::Validation { index, custom_id, field, message, .. } => {
                CoreError::Validation { index, custom_id, field, message, line: None }
            }
            CoreError::Validations { errors, total } => {
                CoreError::Validations { errors: errors.into_iter().map(CoreError::without_line).collect(), total }
            }
            other => other,
        }
    }

    #[inline]
    pub fn invalid_response<'a>(provider: &str, message: impl Into<Cow<'a, str>>) -> Self {
        invalid_response(provider, message.into())
    }

    /// [`CoreError::InvalidResponse`] with `output_missing`: `message` says what the batch's
    /// status promised, after "batch {batch_id} ".
    #[cold]
    #[inline(never)]
    pub fn output_missing(provider: &str, batch_id: &str, message: &str) -> Self {
        CoreError::InvalidResponse {
            provider: provider.to_owned(),
            message: format!("batch {batch_id} {message}"),
            output_missing: true,
        }
    }

    /// Whether trying the same call again may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            CoreError::Provider { retryable, .. } => *retryable,
            CoreError::Connection { .. } => true,
            _ => false,
        }
    }
}

/// `CoreError::Validation`, built once here for every call site (errors are the cold path).
#[cold]
#[inline(never)]
fn validation(index: Option<usize>, custom_id: Option<&str>, field: Cow<'_, str>, message: Cow<'_, str>) -> CoreError {
    CoreError::Validation {
        index,
        custom_id: custom_id.map(str::to_owned),
        field: field.into_owned(),
        message: message.into_owned(),
        line: None,
    }
}

/// How many of a batch's invalid requests [`CoreError::Validations`] holds: enough to show what
/// is wrong across a file, few enough that a file with the same fault on every line does not make
/// an error of megabytes.
pub const MAX_REPORTED: usize = 100;

/// The validation errors of a batch's requests, gathered while every request is checked
/// ([`CoreError::Validations`]).
#[derive(Debug, Default)]
pub struct Invalid {
    errors: Vec<CoreError>,
    total: usize,
}

impl Invalid {
    /// Keeps a request's validation error, in request order (after those of the same request or
    /// none); any other error (not about the input) is returned, to end the check at once.
    pub fn push(&mut self, error: CoreError) -> Result<(), CoreError> {
        match error {
            CoreError::Validation { .. } => {
                self.total += 1;
                self.keep(error);
                Ok(())
            }
            CoreError::Validations { errors, total } => {
                self.total += total;
                errors.into_iter().for_each(|error| self.keep(error));
                Ok(())
            }
            other => Err(other),
        }
    }

    /// Inserted in order, not sorted at the end: a sort of errors was 6 KB of module.
    fn keep(&mut self, error: CoreError) {
        let order = |error: &CoreError| match error {
            CoreError::Validation { index, .. } => index.map_or(0, |index| index + 1),
            _ => 0,
        };
        let key = order(&error);
        let at = self.errors.partition_point(|kept| order(kept) <= key);
        if at < MAX_REPORTED {
            self.errors.insert(at, error);
            self.errors.truncate(MAX_REPORTED);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// `Ok` when no request was invalid; the one error; or [`CoreError::Validations`], in request
    /// order (a batch's own errors, which name no request, first).
    pub fn finish(mut self) -> Result<(), CoreError> {
        match self.total {
            0 => Ok(()),
            1 => Err(self.errors.remove(0)),
            total => Err(CoreError::Validations { errors: self.errors, total }),
        }
    }
}

#[cold]
#[inline(never)]
fn several_message(errors: &[CoreError], total: &usize) -> String {
    let first = errors.first().map(ToString::to_string).unwrap_or_default();
    let more = total.saturating_sub(1);
    let noun = if more == 1 { "request" } else { "requests" };
    if *total > errors.len() {
        format!("{first} (and {more} more invalid {noun}; the first {} are listed in `errors`)", errors.len())
    } else {
        format!("{first} (and {more} more invalid {noun}, listed in `errors`)")
    }
}

/// `CoreError::InvalidResponse`, built once here for every call site.
#[cold]
#[inline(never)]
fn invalid_response(provider: &str, message: Cow<'_, str>) -> CoreError {
    CoreError::InvalidResponse { provider: provider.to_owned(), message: message.into_owned(), output_missing: false }
}

/// Whether an HTTP status is worth retrying: timeouts, conflicts, rate limits, server errors and
/// Anthropic's 529 "overloaded".
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 409 | 429) || status >= 500
}

/// What serde's messages name in Rust's or serde's words, and their JSON words.
const EXPECTED_IN_JSON_WORDS: [(&str, &str); 7] = [
    (", expected u32", ", expected a whole number from 0 to 4294967295"),
    // An HTTP status (`status_code: "0"` said `expected u16`: a new-user trial).
    (", expected u16", ", expected a whole number from 0 to 65535"),
    (", expected i64", ", expected a whole number"),
    (", expected f64", ", expected a number"),
    (", expected a sequence", ", expected an array"),
    (", expected a map", ", expected an object"),
    (", expected u64", ", expected a whole number from 0 up"),
];
const FOUND_IN_JSON_WORDS: [(&str, &str); 4] = [
    ("invalid type: sequence", "invalid type: array"),
    ("invalid type: map", "invalid type: object"),
    ("invalid type: unit value", "invalid type: undefined"),
    // A name a field does not take: "variant" is Rust's word for it.
    ("unknown variant `", "unknown value `"),
];
/// serde_json's message for the 128th array or object inside one another (its reader's limit, and
/// `providers/exact_json.rs`'s).
const TOO_DEEP: &str = "recursion limit exceeded";

/// serde's message in JSON's words: an error says what its field takes, not which Rust type reads
/// it (`expected u32`, found by a new-user trial for `"maxTokens": "100"`), for requests and for
/// options passed from JavaScript alike.
pub fn in_json_words(message: &str) -> String {
    if message == TOO_DEEP {
        return "nested too deeply: at most 127 arrays and objects may stand inside one another".to_owned();
    }
    let mut message = message.to_owned();
    if let Some((serde, json)) = EXPECTED_IN_JSON_WORDS.iter().find(|(serde, _)| message.ends_with(serde)) {
        message.truncate(message.len() - serde.len());
        message.push_str(json);
    } else if let Some(at) = message.rfind(", expected struct ").filter(|at| !message[at + 18..].contains(' ')) {
        // A derived struct's reader names the Rust type (`struct ModelPrice`): it reads an object.
        message.replace_range(at.., ", expected an object");
    }
    if let Some((serde, json)) = FOUND_IN_JSON_WORDS.iter().find(|(serde, _)| message.starts_with(serde)) {
        message.replace_range(..serde.len(), json);
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_message_names_request_and_field() {
        let error = CoreError::invalid(3, "q-3", "generationConfig.temperature", "must be between 0 and 2");
        assert_eq!(
            error.to_string(),
            "request 3 (customId \"q-3\"): generationConfig.temperature: must be between 0 and 2"
        );
    }

    #[test]
    fn validation_message_names_line_and_leaves_an_empty_field_out() {
        let error = CoreError::Validation {
            index: Some(3),
            custom_id: None,
            field: String::new(),
            message: "not JSON".into(),
            line: Some(5),
        };
        assert_eq!(error.to_string(), "request 3 (line 5): not JSON");
        let value = serde_json::to_value(&error).unwrap();
        assert_eq!(value["line"], 5);
        assert!(value.get("field").is_none(), "{value}");
        let with_id = CoreError::invalid(0, "a", "messages", "missing").at_line(&[2]);
        assert_eq!(with_id.to_string(), "request 0 (line 2, customId \"a\"): messages: missing");
        assert_eq!(serde_json::to_value(&with_id).unwrap()["field"], "messages");
        assert_eq!(with_id.without_line().to_string(), "request 0 (customId \"a\"): messages: missing");
    }

    #[test]
    fn errors_serialize_with_a_stable_code() {
        let error =
            CoreError::BatchNotFound { provider: "openai".into(), batch_id: "batch_1".into(), request_id: None };
        let value = serde_json::to_value(&error).unwrap();
        assert_eq!(value["code"], "batch_not_found");
        assert_eq!(value["batchId"], "batch_1");
    }

    #[test]
    fn retryable_statuses() {
        for status in [408, 409, 429, 500, 502, 503, 529] {
            assert!(is_retryable_status(status), "{status}");
        }
        for status in [400, 401, 403, 404, 422] {
            assert!(!is_retryable_status(status), "{status}");
        }
    }
}
