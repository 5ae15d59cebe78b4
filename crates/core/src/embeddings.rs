//! Embedding batches: the checks of a unified embeddings request (`input`, `dimensions`,
//! `taskType`) per provider, and the reading of the OpenAI-shaped embeddings body that OpenAI,
//! Mistral and vLLM return (`data[].embedding` by `index`, `usage.prompt_tokens`).
//!
//! Facts: endpoints-and-push.md §1.1 (OpenAI `CreateEmbeddingRequest`/`CreateEmbeddingResponse`),
//! §1.2 (Gemini `EmbedContentRequest`), §1.3 (Mistral `EmbeddingRequest`, which forbids unknown
//! keys), §1.4 (vLLM `EmbeddingCompletionRequest`).

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::endpoint::{max_embedding_inputs_per_batch, max_inputs_per_request};
use crate::model::object_only;
use crate::model::{EmbeddingInput, ResultStatus, UnifiedRequest, UnifiedResponse, Usage};
use crate::providers::exact_json;
use crate::results::{BodyProblem, EmbeddingInputs};
use crate::validate::RequestChecker;
use crate::{CoreError, Endpoint, Provider};

/// Checks one request of an embeddings batch.
pub(crate) fn check_request(checker: &mut RequestChecker) -> Result<(), CoreError> {
    let request = checker.request;
    if !request.messages.is_empty() {
        return Err(checker.error("messages", "an embeddings request carries `input` (the texts), not messages"));
    }
    for (field, present) in chat_fields(request) {
        if present {
            return Err(
                checker.error(field, "is a chat setting; an embeddings request takes input, dimensions and taskType")
            );
        }
    }
    let Some(input) = &request.input else {
        return Err(checker.error("input", "is required for an embeddings request (a string or an array of strings)"));
    };
    let texts = input.texts();
    if texts.is_empty() {
        return Err(checker.error("input", "must hold at least one text"));
    }
    if let Some(position) = texts.iter().position(|text| text.is_empty()) {
        let field = match input {
            EmbeddingInput::Text(_) => "input".to_owned(),
            EmbeddingInput::Texts(_) => format!("input[{position}]"),
        };
        return Err(checker.error(field, "must not be empty (providers refuse empty texts)"));
    }
    let provider = checker.provider;
    if let Some(max) = max_inputs_per_request(provider) {
        if texts.len() > max {
            let reason = format!(
                "{} takes at most {max} inputs per request: split it into several requests",
                provider.display_name()
            );
            return Err(checker.error("input", format!("{} inputs given; {reason}", texts.len())));
        }
    }
    if request.dimensions == Some(0) {
        return Err(checker.error("dimensions", "must be at least 1"));
    }
    if let Some(rule) = fixed_size_model(provider, &request.model) {
        let kwarg = dimensions_key(provider);
        let field = if request.dimensions.is_some() {
            Some("dimensions".to_owned())
        } else {
            request
                .provider_kwargs
                .as_ref()
                .filter(|kwargs| kwargs.contains_key(kwarg))
                .map(|_| format!("providerKwargs.{kwarg}"))
        };
        if let Some(field) = field {
            return Err(
                checker.error(field, format!("model \"{}\" returns vectors of one fixed size: {rule}", request.model))
            );
        }
    }
    if request.task_type.is_some() && provider != Provider::Google {
        checker.unsupported(
            "taskType",
            format!("{} embeddings take no task type (only Gemini's do)", provider.display_name()),
        )?;
    }
    check_kwargs_against_unified(checker)
}

/// `providerKwargs` keys that the unified request already writes: a size or task type given both
/// ways is a conflict, not a silent override. The texts and the model are always the unified
/// request's (a Gemini request of several texts is sent as several lines, each with its own
/// `content`): `provider_kwargs::built_from_request`, checked with every kwarg.
fn check_kwargs_against_unified(checker: &RequestChecker) -> Result<(), CoreError> {
    let request = checker.request;
    let Some(kwargs) = &request.provider_kwargs else { return Ok(()) };
    let conflicts = [
        ("dimensions", request.dimensions.is_some(), dimensions_key(checker.provider)),
        ("taskType", request.task_type.is_some(), "taskType"),
    ];
    // Base64 vectors are decoded as little-endian float32 (the SDKs' layout, §1.1, §1.4); another
    // dtype or byte order would be decoded into wrong numbers, so it is asked for as numbers only.
    if kwargs.get("encoding_format").and_then(serde_json::Value::as_str) == Some("base64") {
        let decodable: [(&str, &[&str]); 3] =
            [("output_dtype", &["float"]), ("embed_dtype", &["float32"]), ("endianness", &["little", "native"])];
        for (key, fine) in decodable {
            if let Some(value) =
                kwargs.get(key).and_then(serde_json::Value::as_str).filter(|value| !fine.contains(value))
            {
                return Err(checker.error(
                    format!("providerKwargs.{key}"),
                    format!(
                        "\"{value}\" with encoding_format \"base64\" cannot be decoded (base64 vectors are read as little-endian float32); use encoding_format \"float\""
                    ),
                ));
            }
        }
    }
    for (unified, set, key) in conflicts {
        if set && kwargs.contains_key(key) {
            return Err(checker.error(
                format!("providerKwargs.{key}"),
                format!("conflicts with the request's `{unified}`: give it one way only"),
            ));
        }
    }
    Ok(())
}

/// Why `model` takes no output size, for the models the reference names: OpenAI's `dimensions`
/// works only on `text-embedding-3` and later models, so not on `text-embedding-ada-002` (§1.1
/// [OA-SPEC `CreateEmbeddingRequest.dimensions`]); Gemini's `outputDimensionality` is refused by
/// the old `models/embedding-001` (§1.2 [GM-SPEC `EmbedContentRequest`]).
fn fixed_size_model(provider: Provider, model: &str) -> Option<&'static str> {
    match provider {
        Provider::OpenAI if model.starts_with("text-embedding-ada-") => {
            Some("OpenAI takes `dimensions` only on text-embedding-3 and later models")
        }
        Provider::Google if model.strip_prefix("models/").unwrap_or(model) == "embedding-001" => {
            Some("Gemini's embedding-001 does not take `outputDimensionality`")
        }
        _ => None,
    }
}

/// The body field the unified `dimensions` is written to (endpoints-and-push.md §1.6).
fn dimensions_key(provider: Provider) -> &'static str {
    match provider {
        Provider::Google => "outputDimensionality",
        Provider::Mistral => "output_dimension",
        _ => "dimensions",
    }
}

/// In a chat or Responses batch, the embedding fields are a mistake worth naming.
pub(crate) fn refuse_embedding_fields(checker: &RequestChecker) -> Result<(), CoreError> {
    let request = checker.request;
    for (field, present) in [
        ("input", request.input.is_some()),
        ("dimensions", request.dimensions.is_some()),
        ("taskType", request.task_type.is_some()),
    ] {
        if present {
            return Err(checker.error(
                field,
                format!(
                    "is for embeddings; set the batch's endpoint to \"embeddings\" (this batch's is \"{}\")",
                    checker.endpoint.name()
                ),
            ));
        }
    }
    Ok(())
}

fn chat_fields(request: &UnifiedRequest) -> [(&'static str, bool); 11] {
    [
        ("systemPrompt", request.system_prompt.is_some()),
        ("generationConfig", request.generation_config.is_some()),
        ("responseFormat", request.response_format.is_some()),
        ("reasoning", request.reasoning.is_some()),
        ("tools", request.tools.is_some()),
        ("toolChoice", request.tool_choice.is_some()),
        ("parallelToolCalls", request.parallel_tool_calls.is_some()),
        ("systemPromptCacheControl", request.system_prompt_cache_control.is_some()),
        ("cacheControl", request.cache_control.is_some()),
        ("promptCacheKey", request.prompt_cache_key.is_some()),
        ("endUserId", request.end_user_id.is_some()),
    ]
}

/// The number of embedding inputs of the requests (array elements, not lines).
pub fn input_count(requests: &[UnifiedRequest]) -> usize {
    requests.iter().map(|request| request.input.as_ref().map_or(0, EmbeddingInput::count)).sum()
}

/// Refuses a batch with more inputs than the provider counts across one batch (OpenAI: 50,000).
pub(crate) fn check_batch_inputs(provider: Provider, requests: &[UnifiedRequest]) -> Result<(), CoreError> {
    let Some(max) = max_embedding_inputs_per_batch(provider) else { return Ok(()) };
    let count = input_count(requests);
    if count > max {
        return Err(CoreError::invalid_batch(
            "requests",
            format!(
                "{count} embedding inputs exceed the {} limit of {max} inputs per batch (counted across all requests); split the batch (BatchRouter jobs do this automatically)",
                provider.display_name()
            ),
        ));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct EmbeddingsBody {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    model: Option<String>,
    data: Vec<EmbeddingItem>,
    #[serde(default)]
    usage: Option<EmbeddingsUsage>,
}
object_only!(deserialize only EmbeddingsBody, "an embeddings response object");

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct EmbeddingItem {
    #[serde(default)]
    index: Option<usize>,
    embedding: Vector,
}
object_only!(deserialize only EmbeddingItem, "an embedding object");

enum Vector {
    Numbers(Vec<f64>),
    /// `encoding_format: "base64"`: little-endian float32 bytes, as the official SDKs decode them
    /// (endpoints-and-push.md §1.1 [OA-NODE-1312], §1.4 [VL-EMB]).
    Base64(String),
}

// By hand: an untagged derive buffers the vector and reads its numbers with serde_json's float
// reader, one unit off in the last place for some; they are read exactly instead (exact_json.rs).
// Anything else is refused with the derive's message, placed where it placed it (after the value).
impl<'de> Deserialize<'de> for Vector {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <&RawValue>::deserialize(deserializer)?.get();
        let vector = if text.starts_with('"') {
            serde_json::from_str(text).ok().map(Vector::Base64)
        } else {
            exact_json::read_numbers(text).map(Vector::Numbers)
        };
        // In JSON's words: serde's untagged derive said "data did not match any variant of
        // untagged enum Vector" (a new-user trial).
        vector.ok_or_else(|| {
            serde::de::Error::custom(format!(
                "invalid value: {}, expected an array of numbers or a base64 string",
                described(text)
            ))
        })
    }
}

/// What a vector's text is, in JSON's words, for the message of one that cannot be read.
fn described(text: &str) -> &'static str {
    match text.as_bytes().first() {
        Some(b'[') => "an array that is not all numbers",
        Some(b'"') => "a string",
        Some(b'{') => "an object",
        Some(b'n') => "null",
        Some(b't' | b'f') => "a boolean",
        _ => "a number",
    }
}

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct EmbeddingsUsage {
    #[serde(default)]
    prompt_tokens: u64,
}
object_only!(deserialize only EmbeddingsUsage, "a `usage` object");

/// Each request's input count, by custom id, for a batch of the embeddings endpoint (the
/// summary's `embeddingInputs`); `None` for any other batch.
pub fn embedding_inputs(requests: &[UnifiedRequest], endpoint: Endpoint) -> Option<EmbeddingInputs> {
    (endpoint == Endpoint::Embeddings).then(|| {
        requests
            .iter()
            .map(|request| (request.custom_id.clone(), request.input.as_ref().map_or(0, EmbeddingInput::count).into()))
            .collect()
    })
}

/// Reads an OpenAI-shaped embeddings body (`{object: "list", data: [{index, embedding}], usage}`)
/// into `response.embeddings`, in input order by `index`: one vector per input, the indexes
/// 0..n-1 each once. `inputs` is the request's input count when its request is known: another
/// count of vectors is `embeddings_count_mismatch` (retryable, as a Gemini text without answer
/// is). Items without `index` (the spec requires it; Mistral's marks it optional) are taken in
/// array order only when every item lacks it and their count is known to match.
pub fn embeddings_response(body: &RawValue, inputs: Option<usize>) -> Result<UnifiedResponse, BodyProblem> {
    let invalid = |message: String| BodyProblem::other_kind("invalid_embeddings_body", message);
    let parsed: EmbeddingsBody = crate::providers::exact_json::read_body(body.get())
        .map_err(|error| invalid(format!("the embeddings body cannot be read: {error}")))?;
    let count = parsed.data.len();
    // Every request has at least one input: a list with no vector answers none of them, whether
    // or not the request's input count is known here.
    if count == 0 && inputs.is_none() {
        return Err(BodyProblem {
            status: ResultStatus::Errored,
            code: "embeddings_count_mismatch".to_owned(),
            message: "the embeddings list has no vector (`data` is empty), and a request has at least one input; \
                      none is handed out"
                .to_owned(),
            retryable: true,
        });
    }
    if let Some(inputs) = inputs.filter(|inputs| *inputs != count) {
        return Err(BodyProblem {
            status: ResultStatus::Errored,
            code: "embeddings_count_mismatch".to_owned(),
            message: format!(
                "{count} vectors for {inputs} inputs; one vector per input is expected, so none is handed out"
            ),
            retryable: true,
        });
    }
    let without_index = parsed.data.iter().position(|item| item.index.is_none());
    if let Some(position) = without_index {
        if inputs.is_none() || parsed.data.iter().any(|item| item.index.is_some()) {
            return Err(invalid(format!(
                "data[{position}] has no `index`, so the input it belongs to is unknown{}",
                if inputs.is_none() {
                    " (the request's input count is not known here to match them by position)"
                } else {
                    ""
                }
            )));
        }
    }
    let mut slots: Vec<Option<Vec<f64>>> = vec![None; count];
    for (position, item) in parsed.data.into_iter().enumerate() {
        // Without any index (checked above), the count matches: array order is input order.
        let index = item.index.unwrap_or(position);
        let vector = match item.embedding {
            Vector::Numbers(values) => values,
            Vector::Base64(text) => decode_float32_base64(&text)
                .ok_or_else(|| invalid(format!("data[{position}].embedding is not base64 float32 data")))?,
        };
        // Every model's vector has at least one number (a request's `dimensions` is at least 1:
        // OpenAI spec `CreateEmbeddingRequest.dimensions`, `minimum: 1`): an empty one is no
        // answer, and handing it out would be an empty success.
        if vector.is_empty() {
            return Err(invalid(format!("data[{position}].embedding: empty, and a vector has at least one number")));
        }
        match slots.get_mut(index) {
            Some(slot @ None) => *slot = Some(vector),
            Some(Some(_)) => return Err(invalid(format!("index {index} appears twice in `data`"))),
            None => return Err(invalid(format!("index {index} is outside the {count} vectors of `data`"))),
        }
    }
    // Every index is in 0..count and none repeats, so every slot is filled.
    let embeddings: Vec<Vec<f64>> = slots.into_iter().flatten().collect();
    let usage = parsed.usage.map(|usage| Usage::from_totals(usage.prompt_tokens, 0));
    Ok(UnifiedResponse::embeddings_answer(embeddings, usage, parsed.model, parsed.id, body.to_owned()))
}

/// Base64 (standard alphabet, padding optional) of little-endian float32 values.
pub fn decode_float32_base64(text: &str) -> Option<Vec<f64>> {
    let mut bytes = Vec::with_capacity(text.len() / 4 * 3);
    let mut buffer = 0u32;
    let mut bits = 0;
    for byte in text.bytes().filter(|byte| *byte != b'=') {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((buffer >> bits) as u8);
        }
    }
    if bytes.len() % 4 != 0 {
        return None;
    }
    Some(
        bytes
            .chunks_exact(4)
            .map(|chunk| f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]) as f64)
            .collect(),
    )
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod kwargs_tests;
