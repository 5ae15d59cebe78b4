//! Decoding result files chunk by chunk into unified results.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use serde_json::value::RawValue;

use crate::jsonl::LineSplitter;
use crate::line_scan::top_level_string;
use crate::model::{looks_like_json, OutputPart, ResultError, ResultStatus, ResultView, UnifiedResult};
use crate::retry::is_retryable_request;
use crate::structured_output::JsonAnswers;

/// Turns one line of a provider's result file into a unified result. A malformed line must become
/// an errored result, never a panic or a lost line.
pub trait LineDecoder {
    fn decode_line(&mut self, line: &[u8], line_number: usize) -> UnifiedResult;

    /// What [`ResultDecoder`] calls: the results of one line, which may be none yet when a line is
    /// one part of a request (Gemini embeddings sent one text per line) and the rest is still to come.
    fn decode_into(&mut self, line: &[u8], line_number: usize, out: &mut Vec<UnifiedResult>) {
        out.push(self.decode_line(line, line_number));
    }

    /// [`LineDecoder::decode_into`] for a reader that writes results out as they come
    /// ([`ResultDecoder::push_to`]): a common line may come back as a view borrowed from it, when
    /// the decoder would have passed its result straight on (nothing held, nothing merged); any
    /// other line's results are put in `out` as `decode_into` puts them, and `None` is returned.
    fn decode_view<'line>(
        &mut self,
        line: &'line [u8],
        line_number: usize,
        out: &mut Vec<UnifiedResult>,
    ) -> Option<ResultView<'line>> {
        self.decode_into(line, line_number, out);
        None
    }

    /// The results still held when the file ends.
    fn finish(&mut self, out: &mut Vec<UnifiedResult>) {
        let _ = out;
    }

    /// The batch's embedding input counts, by the ids the lines carry, when its requests are
    /// known; decoders of embeddings answers check each answer's vector count against them.
    fn expect_embedding_inputs(&mut self, inputs: Rc<EmbeddingInputs>) {
        let _ = inputs;
    }

    /// The endpoint the batch was made for, as its submission recorded it: a decoder that cannot
    /// always tell it from the batch object (Gemini's operation may carry no `@type`) reads answers
    /// of that kind only.
    fn expect_endpoint(&mut self, endpoint: crate::Endpoint) {
        let _ = endpoint;
    }
}

/// Maps the ids sent to the provider back to the caller's ids (for providers that restrict ids).
pub type IdMap = HashMap<String, String>;

/// How many inputs each request of an embeddings batch has (a number), by custom id: its answer
/// must hold exactly that many vectors. A JSON map, whose code the module has already (a map type
/// of its own added 23 KB to the wasm module).
pub type EmbeddingInputs = serde_json::Map<String, serde_json::Value>;

/// Which answers are read as JSON (`parsed`, `parseError`), from the batch's [`JsonAnswers`].
#[derive(Debug, Clone, Default)]
pub enum JsonPolicy {
    /// The requests are not known: any text that is a JSON object or array (the fallback).
    #[default]
    Guess,
    Never,
    Always,
    /// Only the answers to these custom ids.
    Ids(Rc<HashSet<String>>),
}

impl JsonPolicy {
    pub fn new(answers: &JsonAnswers) -> Self {
        match answers {
            JsonAnswers::Unknown => JsonPolicy::Guess,
            JsonAnswers::None => JsonPolicy::Never,
            JsonAnswers::All => JsonPolicy::Always,
            JsonAnswers::Some(ids) => JsonPolicy::Ids(Rc::new(ids.iter().cloned().collect())),
        }
    }

    /// Whether the policy leaves a view's result as it is (no JSON to read in it).
    pub fn leaves(&self, view: &ResultView<'_>) -> bool {
        match self {
            JsonPolicy::Guess => !looks_like_json(&view.response.text),
            JsonPolicy::Never => true,
            JsonPolicy::Always => false,
            JsonPolicy::Ids(ids) => !ids.contains(view.custom_id.as_ref()),
        }
    }

    /// Fills `parsed` / `parseError` of a result's response as the policy says, in place.
    pub fn apply(&self, result: &mut UnifiedResult) {
        let asked = match self {
            JsonPolicy::Guess => None,
            JsonPolicy::Never => Some(false),
            JsonPolicy::Always => Some(true),
            JsonPolicy::Ids(ids) => Some(ids.contains(&result.custom_id)),
        };
        if let Some(response) = result.response.as_mut() {
            match asked {
                None => response.read_json_looking_answer(),
                Some(true) => response.read_json_answer(),
                Some(false) => {}
            }
        }
    }
}

/// Feeds chunks of a result file through a [`LineDecoder`].
pub struct ResultDecoder {
    splitter: LineSplitter,
    decoder: Box<dyn LineDecoder>,
    /// Lines decoded so far (blank lines are not decoded).
    lines_decoded: usize,
    id_map: Option<IdMap>,
    json: JsonPolicy,
}

impl ResultDecoder {
    /// A decoder that reads JSON answers by the fallback ([`JsonPolicy::Guess`]); see
    /// [`ResultDecoder::with_json_policy`].
    pub fn new(decoder: Box<dyn LineDecoder>, id_map: Option<IdMap>) -> Self {
        ResultDecoder { splitter: LineSplitter::new(), decoder, lines_decoded: 0, id_map, json: JsonPolicy::Guess }
    }

    /// Reads JSON answers as the batch's requests asked.
    pub fn with_json_policy(mut self, json: JsonPolicy) -> Self {
        self.json = json;
        self
    }

    /// Checks embeddings answers against the batch's input counts (by the caller's ids).
    pub fn with_embedding_inputs(mut self, inputs: Option<Rc<EmbeddingInputs>>) -> Self {
        if let Some(inputs) = inputs {
            self.decoder.expect_embedding_inputs(inputs);
        }
        self
    }

    // Results are decoded straight into `out` and finished where they lie: a result is a few
    // hundred bytes, and moving each through a second vector and the policy showed in profiles.
    pub fn push(&mut self, chunk: &[u8], out: &mut Vec<UnifiedResult>) {
        let Self { splitter, decoder, lines_decoded, id_map, json } = self;
        let start = out.len();
        splitter.push(chunk, |line, number| {
            *lines_decoded += 1;
            decoder.decode_into(line, number, out);
        });
        finish_results(&mut out[start..], id_map.as_ref(), json);
    }

    pub fn finish(&mut self, out: &mut Vec<UnifiedResult>) {
        let Self { splitter, decoder, lines_decoded, id_map, json } = self;
        let start = out.len();
        splitter.finish(|line, number| {
            *lines_decoded += 1;
            decoder.decode_into(line, number, out);
        });
        decoder.finish(out);
        finish_results(&mut out[start..], id_map.as_ref(), json);
    }

    /// [`ResultDecoder::push`], handing each result to `sink` as soon as it is read, in order:
    /// a common line the policy and the id map leave as it is as a [`ResultView`] (its result is
    /// never built), any other as a [`UnifiedResult`]. `scratch` holds a line's results on the way
    /// and is left empty.
    pub fn push_to(&mut self, chunk: &[u8], scratch: &mut Vec<UnifiedResult>, sink: &mut dyn ResultSink) {
        let Self { splitter, decoder, lines_decoded, id_map, json } = self;
        splitter.push(chunk, |line, number| {
            *lines_decoded += 1;
            // Matched by reference: a view is a few hundred bytes, and moving it out of the Option
            // is a copy (a `memory.copy` in wasm) for every line.
            let decoded = decoder.decode_view(line, number, scratch);
            match &decoded {
                Some(view) if id_map.is_none() && json.leaves(view) => sink.view(view),
                _ => scratch.extend(decoded.map(ResultView::into_result)),
            }
            hand_over(scratch, id_map.as_ref(), json, sink);
        });
    }

    /// [`ResultDecoder::finish`], handing the results to `sink` as [`ResultDecoder::push_to`] does.
    pub fn finish_to(&mut self, scratch: &mut Vec<UnifiedResult>, sink: &mut dyn ResultSink) {
        // `finish` finishes them.
        self.finish(scratch);
        scratch.iter().for_each(|result| sink.result(result));
        scratch.clear();
    }

    /// Lines decoded so far.
    pub fn lines(&self) -> usize {
        self.lines_decoded
    }
}

/// Wraps a [`LineDecoder`] so that its results come back under the caller's ids (several result
/// sources of one batch share the map).
pub struct IdRestoringDecoder {
    inner: Box<dyn LineDecoder>,
    id_map: Rc<IdMap>,
}

impl IdRestoringDecoder {
    pub fn new(inner: Box<dyn LineDecoder>, id_map: Rc<IdMap>) -> Self {
        IdRestoringDecoder { inner, id_map }
    }
}

impl LineDecoder for IdRestoringDecoder {
    fn decode_line(&mut self, line: &[u8], line_number: usize) -> UnifiedResult {
        restore_id(self.inner.decode_line(line, line_number), Some(&self.id_map))
    }

    fn decode_into(&mut self, line: &[u8], line_number: usize, out: &mut Vec<UnifiedResult>) {
        let start = out.len();
        self.inner.decode_into(line, line_number, out);
        self.restore_from(start, out);
    }

    fn finish(&mut self, out: &mut Vec<UnifiedResult>) {
        let start = out.len();
        self.inner.finish(out);
        self.restore_from(start, out);
    }

    /// `inputs` are by the caller's ids; the lines carry the ids sent.
    fn expect_embedding_inputs(&mut self, inputs: Rc<EmbeddingInputs>) {
        let mut sent = (*inputs).clone();
        for (sent_id, caller_id) in self.id_map.iter() {
            if let Some(count) = inputs.get(caller_id) {
                sent.remove(caller_id);
                sent.insert(sent_id.clone(), count.clone());
            }
        }
        self.inner.expect_embedding_inputs(Rc::new(sent));
    }

    fn expect_endpoint(&mut self, endpoint: crate::Endpoint) {
        self.inner.expect_endpoint(endpoint);
    }
}

impl IdRestoringDecoder {
    fn restore_from(&self, start: usize, out: &mut [UnifiedResult]) {
        for result in &mut out[start..] {
            if let Some(original) = self.id_map.get(&result.custom_id) {
                result.custom_id = original.clone();
            }
        }
    }
}

fn restore_id(mut result: UnifiedResult, id_map: Option<&IdMap>) -> UnifiedResult {
    restore_id_in_place(&mut result, id_map);
    result
}

fn restore_id_in_place(result: &mut UnifiedResult, id_map: Option<&IdMap>) {
    if let Some(original) = id_map.and_then(|map| map.get(&result.custom_id)) {
        result.custom_id = original.clone();
    }
}

/// `line` as text for a [`LineDecoder::decode_view`]; a line that is not UTF-8 is decoded by
/// `decode_into` (which reports it) and `None` returned.
pub fn view_text<'line, D: LineDecoder + ?Sized>(
    decoder: &mut D,
    line: &'line [u8],
    line_number: usize,
    out: &mut Vec<UnifiedResult>,
) -> Option<&'line str> {
    match crate::byte_scan::utf8_text(line) {
        Ok(text) => Some(text),
        Err(_) => {
            decoder.decode_into(line, line_number, out);
            None
        }
    }
}

/// Where [`ResultDecoder::push_to`] hands results, in order.
pub trait ResultSink {
    /// A result of a common line, not built.
    fn view(&mut self, view: &ResultView<'_>);
    /// Any other result, finished (id restored, JSON read as the policy says).
    fn result(&mut self, result: &UnifiedResult);
}

/// Finishes the results in `scratch` and hands them to `sink`, leaving `scratch` empty.
fn hand_over(scratch: &mut Vec<UnifiedResult>, id_map: Option<&IdMap>, json: &JsonPolicy, sink: &mut dyn ResultSink) {
    finish_results(scratch, id_map, json);
    scratch.iter().for_each(|result| sink.result(result));
    scratch.clear();
}

/// The caller's ids back, then the JSON policy, on results just decoded.
fn finish_results(results: &mut [UnifiedResult], id_map: Option<&IdMap>, json: &JsonPolicy) {
    for result in results {
        restore_id_in_place(result, id_map);
        json.apply(result);
    }
}

/// An errored result (`malformed_result_line`) for a line that could not be read, naming the
/// file's line. When the line is cut short, its id (`custom_id`, or Gemini's `key`) is recovered
/// from what is left, so the request can be sent again: an unreadable answer is retryable, like
/// any garbled answer (see `retry.rs`).
pub fn malformed(
    source: &str,
    line_number: usize,
    custom_id: Option<String>,
    reason: &str,
    line: &[u8],
) -> UnifiedResult {
    let custom_id = custom_id
        .or_else(|| top_level_string(line, "custom_id"))
        .or_else(|| top_level_string(line, "key"))
        .unwrap_or_default();
    // serde's message in JSON's words, without its `at line 1 column N` (the line is named above).
    let reason = match reason.rfind(" at line ") {
        Some(at) if reason[at..].contains(" column ") => &reason[..at],
        _ => reason,
    };
    let reason = crate::error::in_json_words(reason);
    let preview: String = String::from_utf8_lossy(line).chars().take(200).collect();
    let raw = serde_json::to_string(&preview).ok().and_then(|text| RawValue::from_string(text).ok());
    UnifiedResult::errored(
        custom_id,
        ResultError {
            code: "malformed_result_line".into(),
            message: format!("line {line_number} of the {source} result file could not be read: {reason}"),
            http_status: None,
            request_id: None,
            retryable: true,
            raw,
        },
    )
}

/// Why a body that came with a success is not an answer: a body of another kind (embeddings,
/// moderation, anything unknown) or a response that itself says it failed. Never an empty success.
#[derive(Debug, Clone, PartialEq)]
pub struct BodyProblem {
    pub status: ResultStatus,
    pub code: String,
    pub message: String,
    pub retryable: bool,
}

impl BodyProblem {
    /// A body that is not the shape an answer has: sending the request again gives the same kind.
    pub fn other_kind(code: &str, message: String) -> BodyProblem {
        BodyProblem { status: ResultStatus::Errored, code: code.to_owned(), message, retryable: false }
    }

    /// An answer of another kind (`found`) than its batch's endpoint (`batch`) asks for: not this
    /// batch's answer. One wording for every provider.
    pub fn wrong_endpoint(custom_id: &str, code: &str, found: &str, batch: &str) -> BodyProblem {
        BodyProblem::other_kind(
            code,
            format!(
                "request \"{custom_id}\": the body is {found} in {batch}, not this batch's answer; it is kept in `raw`"
            ),
        )
    }

    /// A response that failed for the reason `code` (its provider's error type).
    pub fn failed(code: String, message: String) -> BodyProblem {
        let retryable = is_retryable_request(None, Some(&code));
        BodyProblem { status: ResultStatus::Errored, code, message, retryable }
    }

    /// The errored (or cancelled) result, with the whole line as `raw`.
    pub fn into_result(self, custom_id: String, line: &str) -> UnifiedResult {
        let error = ResultError {
            code: self.code,
            message: self.message,
            http_status: None,
            request_id: None,
            retryable: self.retryable,
            raw: RawValue::from_string(line.to_owned()).ok(),
        };
        UnifiedResult { custom_id, status: self.status, response: None, error: Some(error), attribution: None }
    }
}

/// The code of a request the provider produced no answer for (field case 03): an OpenAI-protocol
/// line with status 0, an error entry that says nothing (`{}`, Gemini's `{code: 0, message: ""}`,
/// the rpc code 0 being `OK`, not a failure) on every provider. Retryable (`retry.rs`): the
/// request itself was never judged.
pub const NO_RESPONSE: &str = "no_response";

/// The message of a [`NO_RESPONSE`] error: the provider's own words when it gave any, else why
/// the request counts as unanswered (`why`).
pub fn no_response_message(said: Option<&str>, why: &str) -> String {
    match said.filter(|said| !said.is_empty()) {
        Some(said) => format!("the provider produced no answer for this request ({why}): {said}"),
        None => format!("the provider produced no answer for this request ({why})"),
    }
}

/// Whether an error value says nothing: null, `""`, `0`, `false`, or an array or object of only
/// such values (`{}`, `{"code": 0, "message": ""}`, `{"error": {}}`), as proto3 JSON writes a
/// `Status` whose fields are all at their defaults. Asked only of errors, off the path of answers.
pub fn says_nothing(value: &serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::Null => true,
        Value::Bool(value) => !value,
        Value::Number(number) => number.as_f64() == Some(0.0),
        Value::String(text) => text.is_empty(),
        Value::Array(items) => items.iter().all(says_nothing),
        Value::Object(fields) => fields.values().all(says_nothing),
    }
}

/// The code of a result whose answer came back with a finish reason that says the provider's
/// generation failed (OpenAI-compatible `finish_reason: "error"`, Gemini's
/// `MALFORMED_FUNCTION_CALL`…): errored, and retryable (see `retry.rs`), as the same request may
/// be answered next time.
pub const GENERATION_ERROR: &str = "generation_error";

/// `result` unchanged, unless it succeeded with a finish reason that `failure` says is a failed
/// generation (the error code to give it): then the errored result of that code, naming the
/// request and the finish reason, the whole `line` as `raw`. Never a success that failed.
pub fn unless_generation_failed(
    result: UnifiedResult,
    failure: fn(&str) -> Option<&'static str>,
    line: &str,
) -> UnifiedResult {
    let reason = result.response.as_ref().and_then(|response| response.raw_finish_reason.as_deref());
    let Some((reason, code)) = reason.and_then(|reason| Some((reason, failure(reason)?))) else {
        return result;
    };
    // A code other than `generation_error` is the request's fault (Gemini's
    // `MISSING_THOUGHT_SIGNATURE`): said so, not "the generation failed" (a new-user trial).
    let message = if code == GENERATION_ERROR {
        format!("request \"{}\": the provider's generation failed (finish reason {reason})", result.custom_id)
    } else {
        format!(
            "request \"{}\": the provider refused the request as it was sent (finish reason {reason}); change the request before sending it again",
            result.custom_id
        )
    };
    BodyProblem::failed(code.to_owned(), message).into_result(result.custom_id, line)
}

/// `result` with `provider` recorded on each reasoning part that names none: the chat and Responses
/// bodies that several providers share do not say whose answer they are (a Mistral thinking chunk
/// carries Mistral's signature), and a signature goes back only to the provider that made it
/// (`tools::replayable_signature`). Only the parts of the answer are looked at, not the body.
pub fn with_reasoning_provider(mut result: UnifiedResult, provider: &str) -> UnifiedResult {
    fn record(content: &mut [OutputPart], provider: &str) {
        for part in content {
            if let OutputPart::Reasoning { provider: recorded @ None, .. } = part {
                *recorded = Some(provider.to_owned());
            }
        }
    }
    if let Some(response) = result.response.as_mut() {
        record(&mut response.content, provider);
        for candidate in response.candidates.iter_mut().flatten() {
            record(&mut candidate.content, provider);
        }
    }
    result
}

/// The top-level field names of a JSON object body, for messages about bodies of unknown shape.
pub fn field_names(body: &RawValue) -> String {
    match serde_json::from_str::<serde_json::Value>(body.get()) {
        Ok(serde_json::Value::Object(object)) if object.is_empty() => "an empty object".to_owned(),
        Ok(serde_json::Value::Object(object)) => {
            let names: Vec<&str> = object.keys().map(String::as_str).take(12).collect();
            format!("fields {}", names.join(", "))
        }
        Ok(other) => format!("a JSON {}", json_kind(&other)),
        Err(_) => "no readable JSON".to_owned(),
    }
}

pub(crate) fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// The results of a chunk as JSONL text, one result per line. This is what crosses to JavaScript:
/// it is appended to the results file as it is, and one `JSON.parse` there is faster than building
/// objects field by field.
pub fn results_to_jsonl(results: &[UnifiedResult]) -> String {
    let mut out = Vec::with_capacity(results.len() * 512);
    for result in results {
        // Serializing our own types cannot fail: every map has string keys.
        if serde_json::to_writer(&mut out, result).is_ok() {
            out.push(b'\n');
        }
    }
    // serde_json writes valid UTF-8.
    String::from_utf8(out).unwrap_or_default()
}
