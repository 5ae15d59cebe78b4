//! Planning a job: cutting one list of unified requests into provider batches ("chunks") that each
//! fit the provider's limits, from the one table in [`crate::limits`].
//!
//! - Where a provider takes one model per batch (OpenAI, Gemini, Mistral, vLLM), requests are
//!   grouped by model first, in the order each model first appears.
//! - Each group is then cut, in request order, so that no chunk has more requests or more bytes
//!   than the route it will be sent by allows: the uploaded file, or the create call's body for
//!   an inline route (Anthropic always; Gemini and Mistral when `route: "inline"` is forced).
//!   Without a forced route Gemini and Mistral chunks are cut to the file limits, and preparing a
//!   chunk then picks its route as it does for any batch.
//! - A request's bytes are those of its provider line, prepared on its own (which also validates
//!   it, so a bad request is reported with its position in the job). A line in a batch can differ
//!   by a few bytes from the same line prepared alone (an Anthropic replacement id carries the
//!   request's position), so each line is counted with [`LINE_SLACK_BYTES`] more, and an inline
//!   body with [`INLINE_ENVELOPE_BYTES`] for what surrounds the lines.
//!
//! - Embedding jobs are also cut by inputs where a provider counts them across a batch (OpenAI:
//!   50,000 inputs summed over all requests, not lines; [`crate::endpoint`]).
//!
//! Custom ids must be unique across the whole job: results are merged by custom id.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

#[cfg(feature = "tsify")]
use tsify::Tsify;

use crate::endpoint::max_embedding_inputs_per_batch;
use crate::limits::{batch_limits, inline_limits, routes, Routes};
use crate::model::{EmbeddingInput, UnifiedRequest};
use crate::providers::{preparation_api, BatchApi, PrepareOptions, SubmitRoute};
use crate::{CoreError, Endpoint, Provider};

/// Bytes added to every measured line (see the module documentation).
pub const LINE_SLACK_BYTES: usize = 16;
/// Bytes reserved around the lines of an inline create body (the JSON that opens and closes it:
/// Gemini's carries the model and the display name).
pub const INLINE_ENVELOPE_BYTES: usize = 16 * 1024;

/// Limits a caller may set below the provider's own (never above).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct PlanOptions {
    /// At most this many requests per provider batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub max_requests_per_batch: Option<usize>,
    /// At most this many bytes per provider batch (its file, or its create body).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub max_bytes_per_batch: Option<usize>,
}

/// What the chunks of a plan were cut to.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct ChunkLimits {
    pub max_requests: usize,
    pub max_bytes: usize,
    /// Whether the bytes are an inline create body (true) or an uploaded file (false).
    pub inline_body: bool,
    pub one_model_per_batch: bool,
    /// Embedding batches: at most this many inputs per batch, counted across requests (OpenAI: 50,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub max_embedding_inputs: Option<usize>,
}

/// One provider batch of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct PlannedChunk {
    /// The model of every request in the chunk, where the provider takes one model per batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub model: Option<String>,
    /// Positions of the chunk's requests in the job's list, as `[start, end)` ranges in order.
    pub request_ranges: Vec<[usize; 2]>,
    pub request_count: usize,
    /// The bytes counted against the limit (an upper bound of what is sent).
    pub bytes: usize,
}

/// The chunks a job is sent as. Nothing is sent to plan it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct JobPlan {
    pub provider: Provider,
    pub request_count: usize,
    pub limits: ChunkLimits,
    pub chunks: Vec<PlannedChunk>,
}

/// The limits chunks are cut to, for `provider` sent by `route` (the provider's choice when
/// `None`), lowered by `options`.
pub fn chunk_limits(
    provider: Provider,
    route: Option<SubmitRoute>,
    options: &PlanOptions,
) -> Result<ChunkLimits, CoreError> {
    let batch = batch_limits(provider);
    let (max_requests, max_bytes, inline_body) = match (routes(provider), route) {
        (Routes::InlineOnly, _) => (batch.max_requests, batch.max_bytes, true),
        (Routes::FileOnly, _) | (Routes::Both, None | Some(SubmitRoute::File)) => {
            (batch.max_requests, batch.max_bytes, false)
        }
        (Routes::Both, Some(SubmitRoute::Inline)) => {
            let inline = inline_limits(provider).ok_or_else(|| {
                CoreError::invalid_batch("route", format!("{} has no inline route", provider.display_name()))
            })?;
            // A body must stay strictly below the inline limit.
            (batch.max_requests.min(inline.max_requests), inline.max_body_bytes.saturating_sub(1), true)
        }
    };
    let lower = |own: usize, asked: Option<usize>| asked.map_or(own, |asked| asked.min(own));
    let limits = ChunkLimits {
        max_requests: lower(max_requests, options.max_requests_per_batch),
        max_bytes: lower(max_bytes, options.max_bytes_per_batch),
        inline_body,
        one_model_per_batch: batch.one_model_per_batch,
        max_embedding_inputs: None,
    };
    if limits.max_requests == 0 {
        return Err(CoreError::invalid_batch("maxRequestsPerBatch", "must be at least 1"));
    }
    Ok(limits)
}

/// Plans `requests` for `provider`: validates every request, then cuts the job into chunks.
pub fn plan_job(
    provider: Provider,
    requests: &[UnifiedRequest],
    prepare_options: &PrepareOptions,
    options: &PlanOptions,
) -> Result<JobPlan, CoreError> {
    if requests.is_empty() {
        return Err(CoreError::invalid_batch("requests", "the job has no requests"));
    }
    check_unique_ids(requests)?;
    // Grouped by the model each request has on this provider (its `models` entry, the option).
    let chosen = crate::validate::with_models_chosen(provider, requests, &prepare_options.validation)?;
    let requests = &*chosen;
    let endpoint = prepare_options.endpoint.unwrap_or_default();
    crate::endpoint::check_supported(provider, endpoint)?;
    let mut limits = chunk_limits(provider, prepare_options.route, options)?;
    if endpoint == Endpoint::Embeddings {
        limits.max_embedding_inputs = max_embedding_inputs_per_batch(provider);
    }
    let max_inputs = limits.max_embedding_inputs.unwrap_or(usize::MAX);
    let inputs_of = |index: usize| requests[index].input.as_ref().map_or(0, EmbeddingInput::count);
    let api = preparation_api(provider)?;
    let sizes = measure(&*api, requests, prepare_options)?;
    let envelope = if limits.inline_body { INLINE_ENVELOPE_BYTES } else { 0 };
    if let Some((index, size)) = sizes.iter().enumerate().find(|(_, size)| envelope + **size > limits.max_bytes) {
        // The figures compared are the ones said: an inline create body keeps a reserve around its
        // lines (a trial read "142 bytes, over the 16525 bytes" when the reserve was left unsaid).
        let reserve = if envelope > 0 {
            format!(" plus the {envelope} bytes kept for the inline create body around the lines")
        } else {
            String::new()
        };
        let whose = if options.max_bytes_per_batch == Some(limits.max_bytes) {
            "plan.maxBytesPerBatch allows one batch".to_owned()
        } else {
            format!("one batch on {} may hold", provider.display_name())
        };
        return Err(CoreError::invalid(
            index,
            &requests[index].custom_id,
            "",
            format!(
                "this request alone takes about {size} bytes{reserve}, {} in all, over the {} bytes {whose}",
                envelope + size,
                limits.max_bytes,
            ),
        ));
    }
    let mut chunks = Vec::new();
    for group in groups(requests, limits.one_model_per_batch) {
        let model = limits.one_model_per_batch.then(|| requests[group[0]].model.clone());
        let mut current = ChunkBuilder::new(envelope);
        for index in group {
            let size = sizes[index];
            let inputs = inputs_of(index);
            if current.count > 0
                && (current.count >= limits.max_requests
                    || current.bytes + size > limits.max_bytes
                    || current.inputs + inputs > max_inputs)
            {
                chunks.push(std::mem::replace(&mut current, ChunkBuilder::new(envelope)).finish(model.clone()));
            }
            current.add(index, size);
            current.inputs += inputs;
        }
        chunks.push(current.finish(model));
    }
    Ok(JobPlan { provider, request_count: requests.len(), limits, chunks })
}

fn check_unique_ids(requests: &[UnifiedRequest]) -> Result<(), CoreError> {
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(requests.len());
    for (index, request) in requests.iter().enumerate() {
        if let Some(first) = seen.insert(request.custom_id.as_str(), index) {
            return Err(CoreError::invalid(
                index,
                &request.custom_id,
                "customId",
                format!("duplicate customId, already used by request {first}; a job merges results by customId"),
            ));
        }
    }
    Ok(())
}

/// Each request's line bytes (plus the slack), preparing it alone; a validation error names the
/// request's position in the job.
fn measure(
    api: &dyn BatchApi,
    requests: &[UnifiedRequest],
    prepare_options: &PrepareOptions,
) -> Result<Vec<usize>, CoreError> {
    // Metadata is checked once, with the first request; it does not change a line.
    let without_metadata = PrepareOptions { metadata: None, ..prepare_options.clone() };
    let mut sizes = Vec::with_capacity(requests.len());
    for (index, request) in requests.iter().enumerate() {
        let options = if index == 0 { prepare_options } else { &without_metadata };
        let prepared = match api.prepare(std::slice::from_ref(request), options) {
            Ok(prepared) => prepared,
            // A forced inline route refused for this request alone (Gemini's inline body limit) is
            // this request's error: the same request on the file route is not refused. Named by
            // the request, not only by the route (a trial's 21 MB request in a large job).
            Err(CoreError::Validation { index: None, field, message, .. })
                if options.route == Some(SubmitRoute::Inline)
                    && api
                        .prepare(
                            std::slice::from_ref(request),
                            &PrepareOptions { route: Some(SubmitRoute::File), ..options.clone() },
                        )
                        .is_ok() =>
            {
                return Err(CoreError::invalid(
                    index,
                    &request.custom_id,
                    field,
                    format!("this request alone: {message}"),
                ));
            }
            Err(error) => return Err(at_index(error, index)),
        };
        sizes.push(prepared.summary.bytes + LINE_SLACK_BYTES);
    }
    Ok(sizes)
}

/// A validation error about the only request of a one-request batch, moved to `index`.
fn at_index(error: CoreError, index: usize) -> CoreError {
    match error {
        CoreError::Validation { index: Some(0), custom_id, field, message, line } => {
            CoreError::Validation { index: Some(index), custom_id, field, message, line }
        }
        other => other,
    }
}

/// Request positions grouped by model (first-appearance order), or all in one group.
fn groups(requests: &[UnifiedRequest], by_model: bool) -> Vec<Vec<usize>> {
    if !by_model {
        return vec![(0..requests.len()).collect()];
    }
    let mut order: Vec<Vec<usize>> = Vec::new();
    let mut position: HashMap<&str, usize> = HashMap::new();
    for (index, request) in requests.iter().enumerate() {
        let group = *position.entry(request.model.as_str()).or_insert_with(|| {
            order.push(Vec::new());
            order.len() - 1
        });
        order[group].push(index);
    }
    order
}

struct ChunkBuilder {
    ranges: Vec<[usize; 2]>,
    count: usize,
    bytes: usize,
    /// Embedding inputs (array elements) of the chunk's requests.
    inputs: usize,
}

impl ChunkBuilder {
    fn new(envelope: usize) -> Self {
        ChunkBuilder { ranges: Vec::new(), count: 0, bytes: envelope, inputs: 0 }
    }

    fn add(&mut self, index: usize, size: usize) {
        match self.ranges.last_mut() {
            Some(range) if range[1] == index => range[1] = index + 1,
            _ => self.ranges.push([index, index + 1]),
        }
        self.count += 1;
        self.bytes += size;
    }

    fn finish(self, model: Option<String>) -> PlannedChunk {
        PlannedChunk { model, request_ranges: self.ranges, request_count: self.count, bytes: self.bytes }
    }
}

/// The positions a list of ranges covers, in order.
pub fn expand_ranges(ranges: &[[usize; 2]]) -> impl Iterator<Item = usize> + '_ {
    ranges.iter().flat_map(|range| range[0]..range[1])
}

#[cfg(test)]
mod tests;
