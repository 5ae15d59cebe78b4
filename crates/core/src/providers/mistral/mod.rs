//! Mistral's Batch API (reference §4): chat completion requests as `{custom_id, body}` lines,
//! submitted as an uploaded file (the default) or inline, one model per job; the job polled,
//! cancelled, listed by page and deleted; results read from its output and error files (or from
//! inline `outputs` when a job carries them).
//!
//! The base URL is the host without `/v1` (default `https://api.mistral.ai`); every path here
//! starts with `/v1`, as in the spec.

mod common_line;
mod options;
mod paging;
mod request;
mod results;
mod status;
mod submission;

#[cfg(test)]
mod tests;

pub use options::{Route, DEFAULT_TIMEOUT_HOURS, INLINE_MAX_REQUESTS};
pub use request::{write_embeddings_line, write_line};
pub use results::MistralLineDecoder;
pub use status::{parse_job, status_of};

use std::borrow::Cow;

use serde_json::Value;

use crate::http::{encode_component, multipart_envelope, Body, HttpRequest, HttpResponse, Method};
use crate::json_value_text::compact;
use crate::limits::batch_limits;
use crate::model::{BatchListPage, BatchStatusResponse, ListOptions, UnifiedRequest};
use crate::validate::{check_batch_for, CheckedBatch};
use crate::{CoreError, Endpoint, Provider};

use super::common::{http_error, parse_json, u64_field};
use super::{
    BatchApi, BatchSummary, ClientConfig, PrepareOptions, PreparedBatch, ResultSource, Submission, SubmissionCheckpoint,
};
use options::{check_metadata, check_top_p, choose_route, timeout_hours};
use paging::{parse_cursor, Window};
use submission::MistralSubmission;

pub const DEFAULT_BASE_URL: &str = "https://api.mistral.ai";
pub const CHAT_COMPLETIONS_ENDPOINT: &str = "/v1/chat/completions";
/// The page size Mistral uses when none is asked for (spec, `GET /v1/batch/jobs`).
pub const DEFAULT_PAGE_SIZE: u64 = 100;
const MULTIPART_BOUNDARY: &str = "batch-router-3c9e51b7a2d4";

pub struct MistralApi {
    config: ClientConfig,
    base_url: String,
}

impl MistralApi {
    pub fn new(config: ClientConfig) -> Self {
        let base_url = config.base_url_or(DEFAULT_BASE_URL);
        MistralApi { config, base_url }
    }

    fn name(&self) -> &'static str {
        Provider::Mistral.name()
    }

    fn request(&self, method: Method, path: &str) -> HttpRequest {
        let request = HttpRequest::new(method, format!("{}{path}", self.base_url));
        if self.config.api_key.is_empty() {
            request
        } else {
            request.header("authorization", format!("Bearer {}", self.config.api_key))
        }
    }

    fn job_path(batch_id: &str) -> String {
        format!("/v1/batch/jobs/{}", encode_component(batch_id))
    }

    fn upload_request(&self) -> HttpRequest {
        let (prefix, suffix) = multipart_envelope(
            MULTIPART_BOUNDARY,
            &[("purpose", "batch")],
            "file",
            "batch_input.jsonl",
            "application/jsonl",
        );
        let mut request = self
            .request(Method::Post, "/v1/files")
            .header("content-type", format!("multipart/form-data; boundary={MULTIPART_BOUNDARY}"));
        request.body = Body::Payload { prefix, suffix, lines_as_array: false };
        request
    }

    fn file_content_request(&self, file_id: &str) -> HttpRequest {
        let mut request = self.request(Method::Get, &format!("/v1/files/{}/content", encode_component(file_id)));
        request.streaming = true;
        request
    }

    /// `GET /v1/batch/jobs/{id}?inline=true`: the job with its results in `outputs`. Polling does not
    /// use it (a finished file job would bring every result along); executors ask for it through
    /// [`BatchApi::results_status_request`] when a finished job names no result file, and
    /// [`BatchApi::result_sources`] reads `outputs` from the status parsed from this answer.
    pub fn status_request_with_outputs(&self, batch_id: &str) -> HttpRequest {
        self.request(Method::Get, &format!("{}?inline=true", Self::job_path(batch_id)))
    }
}

impl BatchApi for MistralApi {
    fn provider(&self) -> Provider {
        Provider::Mistral
    }

    fn prepare_requests(
        &self,
        requests: Cow<'_, [UnifiedRequest]>,
        options: &PrepareOptions,
    ) -> Result<PreparedBatch, CoreError> {
        let provider = Provider::Mistral;
        let endpoint = options.endpoint.unwrap_or_default();
        let CheckedBatch { requests: checked, warnings, notes } =
            check_batch_for(provider, endpoint, requests, &options.validation)?;
        let requests = &*checked;
        check_top_p(requests)?;
        let route = choose_route(options.route, requests.len())?;
        let timeout_hours = timeout_hours(options.timeout_hours)?;
        check_metadata(options.metadata.as_ref())?;
        let mut jsonl = Vec::with_capacity(crate::providers::common::jsonl_capacity(requests));
        for request in requests {
            match endpoint {
                Endpoint::Embeddings => write_embeddings_line(request, &mut jsonl)?,
                _ => write_line(request, &mut jsonl)?,
            }
        }
        let max_bytes = batch_limits(provider).max_bytes;
        if route == Route::File && jsonl.len() > max_bytes {
            return Err(CoreError::invalid_batch(
                "requests",
                format!(
                    "the batch file would be {} bytes, over Mistral's limit of {max_bytes} bytes; split the batch",
                    jsonl.len()
                ),
            ));
        }
        let summary = BatchSummary {
            provider,
            request_count: requests.len(),
            bytes: jsonl.len(),
            model: requests.first().map(|request| request.model.clone()),
            route: route.as_str().into(),
            warnings,
            notes,
            json_answers: crate::structured_output::json_answers(requests),
            embedding_inputs: crate::embeddings::embedding_inputs(requests, endpoint),
            id_map: Vec::new(),
            metadata: options.metadata.clone(),
            timeout_hours: Some(timeout_hours),
            webhook_config: None,
            endpoint,
        };
        Ok(PreparedBatch { jsonl, summary })
    }

    fn submit(&self, summary: &BatchSummary) -> Box<dyn Submission> {
        self.resume_submission(summary, &SubmissionCheckpoint::default())
    }

    fn resume_submission(&self, summary: &BatchSummary, checkpoint: &SubmissionCheckpoint) -> Box<dyn Submission> {
        Box::new(
            MistralSubmission::new(
                self.name(),
                summary,
                self.upload_request(),
                self.request(Method::Post, "/v1/batch/jobs"),
            )
            .resuming_from(checkpoint),
        )
    }

    fn status_request(&self, batch_id: &str) -> HttpRequest {
        self.request(Method::Get, &Self::job_path(batch_id))
    }

    fn parse_status(&self, batch_id: &str, response: &HttpResponse) -> Result<BatchStatusResponse, CoreError> {
        if !response.is_success() {
            return Err(http_error(self.name(), response, Some(batch_id)));
        }
        parse_job(self.name(), &parse_json(self.name(), "batch job", response)?)
    }

    fn cancel_request(&self, batch_id: &str) -> HttpRequest {
        self.request(Method::Post, &format!("{}/cancel", Self::job_path(batch_id)))
    }

    fn parse_cancel(&self, batch_id: &str, response: &HttpResponse) -> Result<BatchStatusResponse, CoreError> {
        self.parse_status(batch_id, response)
    }

    /// `page` and `page_size` for the offset in the cursor (see [`paging`]) and `limit`. A cursor
    /// that is not an offset is sent as the page, for Mistral to refuse.
    fn list_request(&self, options: &ListOptions) -> HttpRequest {
        let mut query = Vec::new();
        match options.after.as_deref().map(|cursor| (cursor, parse_cursor(cursor))) {
            None | Some((_, Ok(0))) => {
                if let Some(limit) = options.limit {
                    query.push(format!("page_size={}", limit.max(1)));
                }
            }
            Some((_, Ok(offset))) => {
                let window = Window::at(offset, options.limit);
                query.push(format!("page={}", window.page));
                query.push(format!("page_size={}", window.size));
            }
            Some((cursor, Err(_))) => {
                query.push(format!("page={}", encode_component(cursor)));
                if let Some(limit) = options.limit {
                    query.push(format!("page_size={}", limit.max(1)));
                }
            }
        }
        let path =
            if query.is_empty() { "/v1/batch/jobs".to_owned() } else { format!("/v1/batch/jobs?{}", query.join("&")) };
        self.request(Method::Get, &path)
    }

    /// Reads the answer as the first page of the default size; paging callers use
    /// [`BatchApi::parse_list_page`].
    fn parse_list(&self, response: &HttpResponse) -> Result<BatchListPage, CoreError> {
        self.parse_list_page(&ListOptions::default(), response)
    }

    fn parse_list_page(&self, options: &ListOptions, response: &HttpResponse) -> Result<BatchListPage, CoreError> {
        if !response.is_success() {
            return Err(http_error(self.name(), response, None));
        }
        let offset = options.after.as_deref().map(parse_cursor).transpose()?.unwrap_or(0);
        let window = Window::at(offset, options.limit);
        let body = parse_json(self.name(), "batch job list", response)?;
        if body.get("total").is_none() {
            return Err(CoreError::invalid_response(self.name(), "batch job list without `total`"));
        }
        let total = u64_field(&body, "total");
        let batches = match body.get("data") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(jobs)) => {
                jobs.iter().map(|job| parse_job(self.name(), job)).collect::<Result<Vec<_>, _>>()?
            }
            Some(_) => {
                return Err(CoreError::invalid_response(self.name(), "batch job list whose `data` is not a list"))
            }
        };
        let next_offset = window.end();
        let has_more = next_offset < total;
        Ok(BatchListPage { batches, has_more, next_cursor: has_more.then(|| next_offset.to_string()) })
    }

    fn delete_request(&self, batch_id: &str) -> Result<HttpRequest, CoreError> {
        Ok(self.request(Method::Delete, &Self::job_path(batch_id)))
    }

    fn parse_delete(&self, batch_id: &str, response: &HttpResponse) -> Result<(), CoreError> {
        if !response.is_success() {
            return Err(http_error(self.name(), response, Some(batch_id)));
        }
        let body = parse_json(self.name(), "batch job deletion", response)?;
        // `deleted` defaults to true in the spec's `DeleteBatchJobResponse`.
        match body.get("deleted") {
            Some(Value::Bool(false)) => Err(CoreError::invalid_response(
                self.name(),
                format!("Mistral answered that batch job {batch_id} was not deleted"),
            )),
            _ => Ok(()),
        }
    }

    /// A finished job that has results but names no output or error file and carries no `outputs`
    /// (an inline job read without `?inline=true`) is read again with `?inline=true`.
    fn results_status_request(&self, status: &BatchStatusResponse) -> Option<HttpRequest> {
        let names_a_file =
            ["output_file", "error_file"].iter().any(|field| status.raw.get(field).and_then(Value::as_str).is_some());
        let carries_outputs = status.raw.get("outputs").and_then(Value::as_array).is_some_and(|list| !list.is_empty());
        let counts = &status.request_counts;
        let has_results = counts.succeeded + counts.errored > 0;
        (status.status.is_terminal() && has_results && !names_a_file && !carries_outputs)
            .then(|| self.status_request_with_outputs(&status.batch_id))
    }

    /// The output and error files when the job names them; otherwise inline `outputs` when the
    /// status carries them (from [`MistralApi::status_request_with_outputs`]).
    fn result_sources(&self, status: &BatchStatusResponse) -> Result<Vec<ResultSource>, CoreError> {
        if !status.status.is_terminal() {
            return Err(CoreError::BatchNotComplete {
                provider: self.name().to_owned(),
                batch_id: status.batch_id.clone(),
                status: status.raw_status.clone(),
            });
        }
        let mut sources = Vec::new();
        let endpoint = status.raw.get("endpoint").and_then(Value::as_str).and_then(Endpoint::from_openai_url);
        for field in ["output_file", "error_file"] {
            if let Some(file_id) = status.raw.get(field).and_then(Value::as_str).filter(|id| !id.is_empty()) {
                sources.push(ResultSource::Fetch {
                    request: self.file_content_request(file_id),
                    decoder: Box::new(MistralLineDecoder::for_endpoint(endpoint)),
                });
            }
        }
        if sources.is_empty() {
            if let Some(outputs) = status.raw.get("outputs").and_then(Value::as_array).filter(|list| !list.is_empty()) {
                let mut jsonl = Vec::new();
                for output in outputs {
                    // Serializing a `Value` cannot fail.
                    jsonl.extend_from_slice(compact(output).as_bytes());
                    jsonl.push(b'\n');
                }
                sources.push(ResultSource::Inline {
                    jsonl,
                    decoder: Box::new(MistralLineDecoder::for_endpoint(endpoint)),
                });
            }
        }
        // Answers counted but neither a file nor inline outputs to read them from (even with
        // `?inline=true`): the read finds no result, which its `output_check` refuses.
        Ok(sources)
    }
}
