//! Gemini embedding batches (endpoints-and-push.md §1.2): `models/{m}:asyncBatchEmbedContent`
//! whose lines are `EmbedContentRequest`s `{model, content: {parts: [{text}]}, taskType?,
//! outputDimensionality?}` (one text, one vector per request; `model`, required by the spec, is
//! the batch's), and
//! whose answers are `EmbedContentResponse`s `{embedding: {values: [...]}}`, without token usage
//! [GM-SPEC]. Routes, keys and result locations are those of generate batches.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};

use crate::merge::deep_merge;
use crate::model::object_only;
use crate::model::{UnifiedRequest, UnifiedResponse};
use crate::provider_kwargs::sendable;
use crate::providers::exact_json;
use crate::results::BodyProblem;
use crate::{CoreError, Endpoint, Provider};

/// Writes one `EmbedContentRequest` of the request: the one for `text`, one of its texts (a
/// request of several texts is sent as one line per text, see `fan_out`).
pub fn write_embed_request(
    index: usize,
    request: &UnifiedRequest,
    text: &str,
    out: &mut Vec<u8>,
) -> Result<(), CoreError> {
    let mut body = Map::new();
    // Required by the spec's `EmbedContentRequest`; always the batch's model.
    body.insert("model".into(), json!(super::request::model_resource(&request.model)));
    body.insert("content".into(), json!({"parts": [{"text": text}]}));
    if let Some(task_type) = request.task_type {
        body.insert("taskType".into(), json!(task_type.gemini_name()));
    }
    if let Some(dimensions) = request.dimensions {
        body.insert("outputDimensionality".into(), json!(dimensions));
    }
    if let Some(kwargs) = &request.provider_kwargs {
        deep_merge(&mut body, &sendable(Provider::Google, Endpoint::Embeddings, kwargs));
    }
    serde_json::to_writer(&mut *out, &Value::Object(body))
        .map_err(|error| CoreError::invalid(index, &request.custom_id, "", format!("could not be serialized: {error}")))
}

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct EmbedContentResponse {
    embedding: ContentEmbedding,
}
object_only!(deserialize only EmbedContentResponse, "an EmbedContentResponse object");

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct ContentEmbedding {
    #[serde(default, deserialize_with = "exact_json::numbers")]
    values: Vec<f64>,
}
object_only!(deserialize only ContentEmbedding, "an `embedding` object");

/// Whether an answer body is an `EmbedContentResponse` (cheap: only bodies that name `embedding`
/// are parsed for it).
pub fn is_embedding(body: &RawValue) -> bool {
    #[derive(Deserialize)]
    #[serde(remote = "Self")]
    struct Shape {
        #[serde(default)]
        embedding: Option<serde::de::IgnoredAny>,
    }
    object_only!(deserialize only Shape, "a response body object");
    body.get().contains("\"embedding\"")
        && serde_json::from_str::<Shape>(body.get()).is_ok_and(|shape| shape.embedding.is_some())
}

/// An `EmbedContentResponse` as a unified response with one vector and no usage.
pub fn embed_content_response(body: &RawValue) -> Result<UnifiedResponse, BodyProblem> {
    let parsed: EmbedContentResponse = crate::providers::exact_json::read_body(body.get()).map_err(|error| {
        BodyProblem::other_kind("invalid_embeddings_body", format!("the embedding cannot be read: {error}"))
    })?;
    // A vector has at least one number (`outputDimensionality`, like OpenAI's `dimensions`, is at
    // least 1); an empty or missing `values` handed out would be an empty success.
    if parsed.embedding.values.is_empty() {
        return Err(BodyProblem::other_kind(
            "invalid_embeddings_body",
            "the embedding's `values` are missing or empty (a vector has at least one number)".to_owned(),
        ));
    }
    Ok(UnifiedResponse::embeddings_answer(vec![parsed.embedding.values], None, None, None, body.to_owned()))
}
