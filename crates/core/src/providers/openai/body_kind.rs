//! What kind of body an OpenAI-style output line carries (OpenAI, vLLM and Mistral share the
//! envelope; a batch's `endpoint` decides the body: reference providers §1.3, §6). A body is read
//! only as the kind it shows itself to be; any other kind becomes an error that names it, never an
//! empty success.

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::model::{ResultStatus, UnifiedResponse};
use crate::providers::common::string_field;
use crate::results::{field_names, BodyProblem};
use crate::retry::is_retryable_request;

use super::chat_body::{chat_completion_from, chat_completion_response, ChatCompletion, Choice, OpenAiUsage};
use super::responses_body::responses_response;
use crate::embeddings::embeddings_response;
use crate::model::object_only;
use crate::Endpoint;

/// Only the fields that tell the kinds apart; the values are skipped.
#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
struct Shape {
    #[serde(default)]
    object: Option<String>,
    #[serde(default)]
    choices: Option<IgnoredAny>,
    #[serde(default)]
    output: Option<IgnoredAny>,
    #[serde(default)]
    data: Option<IgnoredAny>,
    #[serde(default)]
    results: Option<IgnoredAny>,
    #[serde(default)]
    pages: Option<IgnoredAny>,
}
object_only!(deserialize only Shape, "a response body object");

/// [`Shape`] and a chat completion read in one pass: most bodies are chat completions, and this
/// spares reading them twice. A body this cannot read (a field of another type than these) is read
/// as [`Shape`] and then as its kind, as before; where this reads a body, those give the same.
#[derive(Deserialize)]
#[serde(remote = "Self")]
struct ShapedChat {
    #[serde(default)]
    object: Option<String>,
    id: Option<String>,
    model: Option<String>,
    #[serde(default)]
    choices: Option<Vec<Choice>>,
    usage: Option<OpenAiUsage>,
    #[serde(default)]
    output: Option<IgnoredAny>,
    #[serde(default)]
    data: Option<IgnoredAny>,
    #[serde(default)]
    results: Option<IgnoredAny>,
    #[serde(default)]
    pages: Option<IgnoredAny>,
}
object_only!(deserialize only ShapedChat, "a chat completion object");

/// Reads a successful body as a chat completion, a text completion or a Responses object, or says
/// what other kind it is, for a batch whose endpoint is not known.
pub fn decode_body(body: &RawValue) -> Result<UnifiedResponse, BodyProblem> {
    decode_body_of(body, None, None, "")
}

/// [`decode_body`] for a batch of `endpoint` (as its batch object names it; `None`: not known).
/// An answer is read only as the batch's own kind: a body of another endpoint's kind (a chat
/// completion in an embeddings or Responses batch, a Responses object in a chat batch, an
/// embeddings list outside an embeddings batch) is an error naming `custom_id` and both
/// endpoints, never a silently wrong answer. An embeddings batch reads an embeddings list
/// (`response.embeddings`), checked against the request's input count (`embedding_inputs`) when it
/// is known.
pub fn decode_body_of(
    body: &RawValue,
    endpoint: Option<Endpoint>,
    embedding_inputs: Option<usize>,
    custom_id: &str,
) -> Result<UnifiedResponse, BodyProblem> {
    // The body's kind must be the batch's, when the batch's is known.
    let fits = |kind: Endpoint| endpoint.is_none_or(|endpoint| endpoint == kind);
    let mismatch = |kind: Endpoint| wrong_endpoint(custom_id, endpoint.unwrap_or(kind), kind);
    let read_embeddings = || {
        if endpoint == Some(Endpoint::Embeddings) {
            embeddings_response(body, embedding_inputs)
        } else {
            Err(mismatch(Endpoint::Embeddings))
        }
    };
    let (shape, completion) = match serde_json::from_str::<ShapedChat>(body.get()) {
        Ok(shaped) => {
            let shape = Shape {
                object: shaped.object,
                choices: shaped.choices.as_ref().map(|_| IgnoredAny),
                output: shaped.output,
                data: shaped.data,
                results: shaped.results,
                pages: shaped.pages,
            };
            let completion =
                ChatCompletion { id: shaped.id, model: shaped.model, choices: shaped.choices, usage: shaped.usage };
            (shape, Some(completion))
        }
        Err(_) => (serde_json::from_str(body.get()).unwrap_or_default(), None),
    };
    let read_chat = move || match completion {
        _ if !fits(Endpoint::Chat) => Err(mismatch(Endpoint::Chat)),
        Some(completion) => chat_completion_from(completion, body),
        None => chat_completion_response(body),
    };
    let read_responses =
        || if fits(Endpoint::Responses) { responses_response(body) } else { Err(mismatch(Endpoint::Responses)) };
    let object = shape.object.as_deref();
    match object {
        Some("error") => return Err(error_object(body)),
        Some("response") => return read_responses(),
        Some("chat.completion" | "text_completion") => return read_chat(),
        Some("embedding") => return read_embeddings(),
        _ => {}
    }
    if shape.choices.is_some() {
        read_chat()
    } else if shape.output.is_some() {
        read_responses()
    } else if shape.data.is_some() && first_item_has(body, "data", &["embedding"], true) {
        read_embeddings()
    } else if shape.results.is_some() && first_item_has(body, "results", &["flagged", "categories"], false) {
        Err(BodyProblem::other_kind(
            "moderation_body",
            "the body is a moderation or classification result (a /v1/moderations batch), not an answer; it is kept in `raw`".to_owned(),
        ))
    } else if shape.pages.is_some() {
        Err(BodyProblem::other_kind(
            "ocr_body",
            "the body is an OCR result (a /v1/ocr batch), not an answer; it is kept in `raw`".to_owned(),
        ))
    } else {
        Err(BodyProblem::other_kind(
            "unknown_body",
            format!(
                "the body is not a chat completion, text completion or Responses object (it has {}); it is kept in `raw`",
                field_names(body)
            ),
        ))
    }
}

/// Whether the first element of the list `field` has one of `keys` (an embedding's `embedding`, a
/// moderation's `flagged`), so that other lists (scores, reranking) are not given a wrong name; an
/// empty list counts when `empty_counts` (an embeddings list with no vector: `{"object": "list",
/// "data": []}` is read as one, and refused as such, not called a body of no known kind).
fn first_item_has(body: &RawValue, field: &str, keys: &[&str], empty_counts: bool) -> bool {
    let value: serde_json::Value = serde_json::from_str(body.get()).unwrap_or_default();
    let Some(items) = value.get(field).and_then(serde_json::Value::as_array) else { return false };
    items.first().map_or(empty_counts, |item| keys.iter().any(|key| item.get(*key).is_some()))
}

/// An error object where an answer was expected (older vLLM wrote failures as the bare `response`):
/// `{object: "error", message, type, code}`, the HTTP status as a number in `code`.
fn error_object(body: &RawValue) -> BodyProblem {
    let value: serde_json::Value = serde_json::from_str(body.get()).unwrap_or_default();
    let status = value.get("code").and_then(serde_json::Value::as_u64).filter(|code| (100..600).contains(code));
    let code = string_field(&value, "type")
        .or_else(|| string_field(&value, "code"))
        .or_else(|| status.map(|status| format!("http_{status}")))
        .unwrap_or_else(|| "error".to_owned());
    BodyProblem {
        status: ResultStatus::Errored,
        retryable: is_retryable_request(status.map(|status| status as u16), Some(&code)),
        message: string_field(&value, "message").unwrap_or_else(|| "the request failed".to_owned()),
        code,
    }
}

/// A body of `found`'s kind in a batch of `expected` (or, with `expected == found`, an embeddings
/// list in a batch whose endpoint is not known, which cannot be told to be one): not retryable,
/// as sending the request again gives the same kind. The code names the body's kind.
fn wrong_endpoint(custom_id: &str, expected: Endpoint, found: Endpoint) -> BodyProblem {
    let (code, kind) = match found {
        Endpoint::Chat => ("completion_body", "a chat or text completion (/v1/chat/completions)"),
        Endpoint::Responses => ("responses_body", "a Responses object (/v1/responses)"),
        Endpoint::Embeddings => ("embeddings_body", "an embeddings list (/v1/embeddings)"),
    };
    let batch = match expected {
        _ if expected == found => "a batch not known to be of /v1/embeddings",
        Endpoint::Chat => "a chat batch (/v1/chat/completions expected)",
        Endpoint::Responses => "a Responses batch (/v1/responses expected)",
        Endpoint::Embeddings => "an embeddings batch (/v1/embeddings expected)",
    };
    BodyProblem::wrong_endpoint(custom_id, code, kind, batch)
}
