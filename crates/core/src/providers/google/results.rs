//! Where a finished Gemini batch keeps its results, how they are matched to requests, and how one
//! result line is read (reference §3.5).
//!
//! The output is looked for in the three places Google has been seen to put it, in this order:
//! `response.{responsesFile | inlinedResponses.inlinedResponses}` (observed wire data),
//! `response.output.*` (the discovery spec), `metadata.output.*` (what the official SDK reads).
//!
//! Matching is by the key the provider echoes: `key` on file lines, `metadata.key` on inline
//! responses. No answer is thrown away and none is silently given to a request by position:
//! - an inline response without its key is matched by position only when the submitted ids are
//!   known in order (the caller's, else the operation's own `inputConfig`), their number equals the
//!   number of responses (and `batchStats.requestCount`), and every response that does carry a key
//!   sits at its own request's position; its result then says `attribution: {by: "position"}`;
//! - otherwise (and for a file line without `key`) the answer is still returned, with an empty
//!   custom id and `attribution: {by: "none"}`.
//!
//! Inline responses are rewritten as file-style lines `{"key", "response" | "error",
//! "attribution"?}`, so that one decoder reads both routes.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::model::{AttributedBy, Attribution, ResultStatus, ResultView, UnifiedResult};
use crate::providers::common::u64_field;
use crate::results::{field_names, malformed, unless_generation_failed, BodyProblem, LineDecoder};
use crate::retry::is_retryable_request;
use crate::{CoreError, Endpoint};

use super::embeddings::{embed_content_response, is_embedding};
use super::fan_out::{parse_derived_key, FanIn};
use super::fast_line::{decode_common_line, scan_common_line};
use super::response::{failed_generation, generate_content_response, status_error};
use crate::model::object_only;
use crate::providers::lone_surrogates::decoded;

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

/// Inline responses as file-style JSONL lines, each with the key of the request it answers, or
/// with an `attribution` saying how (or that no) request was found for it.
pub fn inline_lines(
    provider: &str,
    operation: &Value,
    responses: &[Value],
    request_ids: Option<&[String]>,
) -> Result<Vec<u8>, CoreError> {
    // The caller's ids are its requests' custom ids: a request of several embedding texts was sent
    // as several keyed lines (`fan_out`), so when their count differs from the answers' the
    // operation's own list of submitted keys is tried instead (position still has to agree).
    let submitted = request_ids
        .filter(|ids| ids.len() == responses.len())
        .map(<[String]>::to_vec)
        .or_else(|| submitted_keys(operation));
    let trusted_order = submitted.as_deref().filter(|ids| positions_agree(operation, responses, ids));
    let mut jsonl = Vec::new();
    for (position, response) in responses.iter().enumerate() {
        let mut line = serde_json::Map::new();
        match key_of(response) {
            Some(key) => {
                line.insert("key".into(), Value::String(key));
            }
            None => {
                let by_position = trusted_order.and_then(|ids| ids.get(position));
                let by = if by_position.is_some() { AttributedBy::Position } else { AttributedBy::None };
                line.insert("key".into(), Value::String(by_position.cloned().unwrap_or_default()));
                let attribution = Attribution { by, position: position as u64 };
                line.insert("attribution".into(), serde_json::to_value(attribution).unwrap_or(Value::Null));
            }
        }
        if response.is_object() {
            for field in ["response", "error"] {
                if let Some(value) = response.get(field).filter(|value| !value.is_null()) {
                    line.insert(field.into(), value.clone());
                }
            }
        } else {
            // Not an `InlinedResponse` at all: passed on whole as the response, which the reader
            // refuses as a body it cannot read, so the result keeps it in `raw`.
            line.insert("response".into(), response.clone());
        }
        serde_json::to_writer(&mut jsonl, &line)
            .map_err(|error| CoreError::invalid_response(provider, format!("inline response {position}: {error}")))?;
        jsonl.push(b'\n');
    }
    Ok(jsonl)
}

fn key_of(response: &Value) -> Option<String> {
    response.pointer("/metadata/key").and_then(Value::as_str).filter(|key| !key.is_empty()).map(str::to_owned)
}

/// The keys of the requests as the operation itself lists them (`inputConfig` of an inline batch),
/// in order, when it lists every one.
fn submitted_keys(operation: &Value) -> Option<Vec<String>> {
    let requests = ["/metadata/inputConfig/requests/requests", "/metadata/input_config/requests/requests"]
        .iter()
        .find_map(|pointer| operation.pointer(pointer).and_then(Value::as_array))?;
    requests.iter().map(key_of).collect()
}

/// Whether position links each answer to its request: as many submitted ids as answers (and as
/// `batchStats.requestCount` says), and every echoed key at its own request's position.
fn positions_agree(operation: &Value, responses: &[Value], ids: &[String]) -> bool {
    let reported = operation
        .pointer("/metadata/batchStats")
        .filter(|stats| stats.get("requestCount").is_some())
        .map(|stats| u64_field(stats, "requestCount"));
    ids.len() == responses.len()
        && reported.is_none_or(|reported| reported == responses.len() as u64)
        && responses.iter().zip(ids).all(|(response, id)| key_of(response).is_none_or(|key| &key == id))
}

/// Reads `{"key", "response": GenerateContentResponse}` and `{"key", "error": Status}` lines: the
/// responses file, and inline responses rewritten by [`inline_lines`].
///
/// Answers to a request sent as several lines (an embeddings request of several texts, keys
/// `{customId}#{i}/{N}`) are merged into one result by [`FanIn`] when read through
/// [`LineDecoder::decode_into`] (as [`crate::results::ResultDecoder`] does).
pub struct GoogleLineDecoder {
    source: &'static str,
    fan_in: FanIn,
    /// The batch's kind (generateContent: chat; asyncBatchEmbedContent: embeddings), when known:
    /// an answer of the other kind is an error, not a result. Known from the operation
    /// ([`batch_endpoint`]), else from the submission's record ([`LineDecoder::expect_endpoint`]),
    /// else told by the first answer read: a batch answers one kind, so it never hands out both.
    endpoint: Option<Endpoint>,
    /// Whether `endpoint` was told by the first answer (errors then say so).
    kind_from_answers: bool,
}

impl GoogleLineDecoder {
    pub fn new(source: &'static str) -> Self {
        GoogleLineDecoder { source, fan_in: FanIn::default(), endpoint: None, kind_from_answers: false }
    }

    /// The decoder for a batch of `endpoint` ([`batch_endpoint`]).
    pub fn for_endpoint(mut self, endpoint: Option<Endpoint>) -> Self {
        self.endpoint = endpoint;
        self
    }

    /// Whether the one-pass readers (generateContent answers only) may read a line.
    fn reads_answers(&self) -> bool {
        self.endpoint != Some(Endpoint::Embeddings)
    }

    /// An answer of `kind` was read: when nothing said the batch's kind, it is now this one.
    fn answered(&mut self, kind: Endpoint) {
        if self.endpoint.is_none() {
            self.endpoint = Some(kind);
            self.kind_from_answers = true;
        }
    }

    /// What the batch was expected to answer, for an error: `kind`, and how it is known.
    fn expected(&self, known: &'static str, from_answers: &'static str) -> &'static str {
        if self.kind_from_answers {
            from_answers
        } else {
            known
        }
    }

    /// A fanned-out embedding's parts are merged unless the batch is known to be a generate batch
    /// (where such a key is no part of ours, and comes through as the provider labelled it).
    fn merges_parts(&self) -> bool {
        self.endpoint != Some(Endpoint::Chat) || self.kind_from_answers
    }
}

/// The kind of batch an operation is, from the `@type` of its metadata (`GenerateContentBatch`,
/// `EmbedContentBatch`) or of its response (`GenerateContentBatchOutput`,
/// `EmbedContentBatchOutput`…, reference §3.5); `None` when neither says.
/// Without a `@type`, an inline batch's requests as the operation lists them say it: a
/// `GenerateContentRequest` has `contents`, an `EmbedContentRequest` `content`.
pub fn batch_endpoint(operation: &Value) -> Option<Endpoint> {
    let typed = ["/metadata/@type", "/response/@type"].iter().find_map(|pointer| {
        let kind = operation.pointer(pointer)?.as_str()?;
        let name = kind.rsplit('.').next().unwrap_or(kind);
        if name.contains("EmbedContent") {
            Some(Endpoint::Embeddings)
        } else if name.contains("GenerateContent") {
            Some(Endpoint::Chat)
        } else {
            None
        }
    });
    typed.or_else(|| {
        let request =
            ["/metadata/inputConfig/requests/requests/0/request", "/metadata/input_config/requests/requests/0/request"]
                .iter()
                .find_map(|pointer| operation.pointer(pointer))?;
        if request.get("contents").is_some() {
            Some(Endpoint::Chat)
        } else {
            request.get("content").map(|_| Endpoint::Embeddings)
        }
    })
}

/// An embedding in a generateContent batch: not retryable, the request would be answered the
/// same way again.
fn embedding_in_generate_batch(custom_id: &str, expected: &str) -> BodyProblem {
    BodyProblem::wrong_endpoint(custom_id, "embeddings_body", "an EmbedContentResponse", expected)
}

/// A body in an embeddings batch that is no `EmbedContentResponse`: a `GenerateContentResponse`
/// is named as such; any other shape is the problem the answer reader finds in it.
fn not_an_embedding(custom_id: &str, body: &RawValue, expected: &str) -> BodyProblem {
    match generate_content_response(body) {
        Ok(_) => BodyProblem::wrong_endpoint(custom_id, "completion_body", "a GenerateContentResponse", expected),
        Err(problem) => problem,
    }
}

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct Line<'a> {
    #[serde(default)]
    key: Option<String>,
    #[serde(borrow, default)]
    response: Option<&'a RawValue>,
    #[serde(borrow, default)]
    error: Option<&'a RawValue>,
    /// Set by [`inline_lines`] for answers without an echoed key.
    #[serde(default)]
    attribution: Option<Attribution>,
}
object_only!(deserialize only Line<'a>, "a result line object");

impl LineDecoder for GoogleLineDecoder {
    fn expect_embedding_inputs(&mut self, inputs: std::rc::Rc<crate::results::EmbeddingInputs>) {
        self.fan_in.expect_inputs(inputs);
    }

    /// The operation's own word (`@type`, its requests) comes first.
    fn expect_endpoint(&mut self, endpoint: Endpoint) {
        self.endpoint.get_or_insert(endpoint);
    }

    fn decode_line(&mut self, line: &[u8], line_number: usize) -> UnifiedResult {
        let text = match crate::byte_scan::utf8_text(line) {
            Ok(text) => text,
            Err(_) => return malformed(self.source, line_number, None, "the line is not UTF-8", line),
        };
        let result = match self.reads_answers().then(|| decode_common_line(text)).flatten() {
            Some(result) => {
                self.answered(Endpoint::Chat);
                result
            }
            None => decoded(text, &mut |text| self.decode_any_line(text, line_number)),
        };
        unless_generation_failed(result, failed_generation, text)
    }

    fn decode_into(&mut self, line: &[u8], line_number: usize, out: &mut Vec<UnifiedResult>) {
        let result = self.decode_line(line, line_number);
        if self.merges_parts() {
            self.fan_in.accept(result, out);
        } else {
            out.push(result);
        }
    }

    fn decode_view<'line>(
        &mut self,
        line: &'line [u8],
        line_number: usize,
        out: &mut Vec<UnifiedResult>,
    ) -> Option<ResultView<'line>> {
        let text = crate::results::view_text(self, line, line_number, out)?;
        let scanned = self.reads_answers().then(|| scan_common_line(text)).flatten();
        if scanned.is_some() {
            self.answered(Endpoint::Chat);
        }
        let result = match scanned {
            // `FanIn` passes on at once what is not one part of a fanned-out request (nor a failed
            // generation, which is no success).
            Some(view)
                if (parse_derived_key(&view.custom_id).is_none() || !self.merges_parts())
                    && view.response.raw_finish_reason.as_deref().and_then(failed_generation).is_none() =>
            {
                return Some(view)
            }
            Some(view) => view.into_result(),
            None => decoded(text, &mut |text| self.decode_any_line(text, line_number)),
        };
        let result = unless_generation_failed(result, failed_generation, text);
        if self.merges_parts() {
            self.fan_in.accept(result, out);
        } else {
            out.push(result);
        }
        None
    }

    fn finish(&mut self, out: &mut Vec<UnifiedResult>) {
        self.fan_in.finish(out);
    }
}

impl GoogleLineDecoder {
    /// Reads any line, the common shape included (the reader [`decode_common_line`] falls back to).
    pub(super) fn decode_any_line(&mut self, text: &str, line_number: usize) -> UnifiedResult {
        let line = text.as_bytes();
        let parsed: Line = match serde_json::from_str(text) {
            Ok(parsed) => parsed,
            Err(error) => return malformed(self.source, line_number, None, &error.to_string(), line),
        };
        let key = parsed.key.filter(|key| !key.is_empty());
        // A file line without its key is returned unattributed rather than dropped.
        let attribution = parsed.attribution.or_else(|| {
            key.is_none()
                .then(|| Attribution { by: AttributedBy::None, position: line_number.saturating_sub(1) as u64 })
        });
        let custom_id = key.unwrap_or_default();
        let response = parsed.response.filter(|raw| raw.get() != "null");
        let error = parsed.error.filter(|raw| raw.get() != "null");
        let mut result = match (response, error) {
            (Some(body), None) if is_embedding(body) => match self.endpoint {
                Some(Endpoint::Chat) => {
                    let expected = self.expected(
                        "a generateContent batch (GenerateContentResponse expected)",
                        "a batch whose first answer was a GenerateContentResponse (its kind is not recorded)",
                    );
                    embedding_in_generate_batch(&custom_id, expected).into_result(custom_id, text)
                }
                _ => match embed_content_response(body) {
                    Ok(response) => {
                        self.answered(Endpoint::Embeddings);
                        UnifiedResult::succeeded(custom_id, response)
                    }
                    Err(problem) => problem.into_result(custom_id, text),
                },
            },
            (Some(body), None) if self.endpoint == Some(Endpoint::Embeddings) => {
                let expected = self.expected(
                    "an embeddings batch (EmbedContentResponse expected)",
                    "a batch whose first answer was an EmbedContentResponse (its kind is not recorded)",
                );
                not_an_embedding(&custom_id, body, expected).into_result(custom_id, text)
            }
            (Some(body), None) => match generate_content_response(body) {
                Ok(response) => {
                    self.answered(Endpoint::Chat);
                    UnifiedResult::succeeded(custom_id, response)
                }
                Err(problem) => problem.into_result(custom_id, text),
            },
            (_, Some(error)) => {
                let status: Value = serde_json::from_str(error.get()).unwrap_or(Value::Null);
                let result_error = status_error(&status, text);
                let result_status =
                    if result_error.code == "CANCELLED" { ResultStatus::Cancelled } else { ResultStatus::Errored };
                let mut result = UnifiedResult::errored(custom_id, result_error);
                result.status = result_status;
                result
            }
            (None, None) => {
                let has = RawValue::from_string(text.to_owned()).map(|raw| field_names(&raw)).unwrap_or_default();
                BodyProblem {
                    status: ResultStatus::Errored,
                    code: "missing_response".into(),
                    message: format!("line {line_number} has neither a response nor an error (it has {has})"),
                    retryable: is_retryable_request(None, None),
                }
                .into_result(custom_id, text)
            }
        };
        result.attribution = attribution;
        result
    }
}
