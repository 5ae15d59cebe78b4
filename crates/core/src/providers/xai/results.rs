//! xAI's paginated results (endpoints-and-push.md §5.2):
//! `GET /batches/{id}/results?limit=&pagination_token=` →
//! `{"results": [{"batch_request_id", "batch_result": {"response": {"chat_get_completion": {…}}}}
//! | {"batch_request_id", "batch_result": {"error": …}}], "pagination_token": "…"}`.
//! Each page becomes JSONL (one result per line, as xAI wrote it); each line is read as the
//! OpenAI output line it corresponds to, so chat completions decode exactly as OpenAI's do.

use std::cell::RefCell;
use std::collections::HashSet;

use serde_json::{json, Value};

use crate::http::{HttpRequest, HttpResponse};
use crate::json_value_text::compact;
use crate::line_scan::top_level_string;
use crate::model::UnifiedResult;
use crate::providers::answer_fields;
use crate::providers::common::{http_error, parse_json};
use crate::providers::exact_json;
use crate::providers::openai::{malformed, OpenAiLineDecoder};
use crate::providers::ResultPages;
use crate::results::{json_kind, LineDecoder};
use crate::CoreError;

use super::{next_token, ResultsPager};

const PROVIDER: &str = "xai";

/// Turns result pages into JSONL and names the next page, following `pagination_token` while it
/// is present and new: a page without results may still name a next one (token-paged listings
/// can return empty pages before later ones), and a token named a second time is the provider's
/// error, not the end, so that neither the rest of the results is dropped without a word nor the
/// same results read again in a loop.
pub struct XaiResultPages {
    pub(super) pager: ResultsPager,
    /// Every token this listing has followed.
    pub(super) followed: RefCell<HashSet<String>>,
}

impl ResultPages for XaiResultPages {
    fn read_page(&self, response: &HttpResponse) -> Result<(Vec<u8>, Option<HttpRequest>), CoreError> {
        if !response.is_success() {
            return Err(http_error(PROVIDER, response, None));
        }
        let body = parse_json(PROVIDER, "results page", response)?;
        // `results` (§5.2) or `batch_results` (as another client reads it).
        let items = ["results", "batch_results"]
            .iter()
            .find_map(|name| body.get(*name).and_then(Value::as_array))
            .ok_or_else(|| CoreError::invalid_response(PROVIDER, "results page without `results`"))?;
        let mut jsonl = Vec::new();
        for item in items {
            // Serialising a parsed value cannot fail.
            serde_json::to_writer(&mut jsonl, item).expect("a JSON value serialises");
            jsonl.push(b'\n');
        }
        let Some(token) = next_token(&body) else { return Ok((jsonl, None)) };
        if !self.followed.borrow_mut().insert(token.clone()) {
            return Err(CoreError::invalid_response(
                PROVIDER,
                format!(
                    "results page names pagination_token \"{token}\" again, after a page already read with it; \
                     stopped instead of reading the same results twice (the results so far were handed out)"
                ),
            ));
        }
        Ok((jsonl, Some(self.pager.page(&token))))
    }
}

/// One xAI result → a unified result, through the OpenAI decoder.
pub struct XaiLineDecoder;

impl LineDecoder for XaiLineDecoder {
    fn decode_line(&mut self, line: &[u8], line_number: usize) -> UnifiedResult {
        let Ok(text) = crate::byte_scan::utf8_text(line) else {
            let custom_id = top_level_string(line, "batch_request_id");
            return malformed(PROVIDER, line_number, custom_id, "the line is not UTF-8", line);
        };
        let item: Value = match exact_json::from_str(text) {
            Ok(item) => item,
            Err(error) => return malformed(PROVIDER, line_number, None, &error.to_string(), line),
        };
        // An id of another type is refused, not read as absent (its answer would lose its request).
        let custom_id = match answer_fields::text(&item, "batch_request_id", &String::new) {
            Ok(id) => id.unwrap_or_default().to_owned(),
            Err(reason) => return malformed(PROVIDER, line_number, Some(String::new()), &reason, line),
        };
        let result = item.get("batch_result").cloned().unwrap_or(Value::Null);
        let openai_line = match openai_line(&custom_id, &item, &result) {
            Ok(line) => line,
            Err(reason) => return malformed(PROVIDER, line_number, Some(custom_id), &reason, line),
        };
        OpenAiLineDecoder::new(PROVIDER).decode_line(compact(&openai_line).as_bytes(), line_number)
    }
}

/// The OpenAI output line with the same meaning: an answer as `{status_code: 200, body}`, an error
/// as `{error: {code?, message}}`; or why the result is neither.
fn openai_line(custom_id: &str, item: &Value, result: &Value) -> Result<Value, String> {
    let error = result
        .get("error")
        .filter(|error| !error.is_null())
        .or_else(|| item.get("error_message").filter(|message| message.is_string()));
    if let Some(error) = error {
        let error = match error {
            Value::String(message) => json!({ "message": message }),
            Value::Object(_) => error.clone(),
            other => json!({ "message": compact(other) }),
        };
        return Ok(json!({ "custom_id": custom_id, "error": error }));
    }
    let not_an_object = |place: &str, value: &Value| format!("`{place}` is a JSON {}, not an object", json_kind(value));
    let response = match result {
        Value::Null => return Err("the result has neither `batch_result` nor an error".into()),
        Value::Object(_) => match result.get("response") {
            Some(Value::Object(response)) => response,
            Some(other) => return Err(not_an_object("batch_result.response", other)),
            None => return Err("the result has neither `batch_result.response` nor an error".into()),
        },
        other => return Err(not_an_object("batch_result", other)),
    };
    // Keyed by the request's kind; chat lives under `chat_get_completion` (§5.2).
    let body = response
        .get("chat_get_completion")
        .or_else(|| response.values().next())
        .ok_or("`batch_result.response` holds no answer (it is an empty object)")?;
    Ok(json!({ "custom_id": custom_id, "response": { "status_code": 200, "body": body } }))
}
