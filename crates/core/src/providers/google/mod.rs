//! Google's Gemini Batch API, Developer API flavour (reference §3): one model per batch, requests
//! sent inline in the create call or as an uploaded JSONL file, a long-running operation to poll,
//! results inline in the operation or in a responses file.
//!
//! Ids: a batch is the resource name `batches/{id}`; every call accepts the bare id or the full
//! name, and statuses report the full name. The base URL is the host root (default
//! `https://generativelanguage.googleapis.com`); paths add `/v1beta`, `/upload/v1beta` and
//! `/download/v1beta` themselves. The key travels in `x-goog-api-key`.
//!
//! Plain http(s) URL media is refused by validation (see `limits`); downloading such media and
//! sending it as base64 is left to the layer that does I/O.
//!
//! Cancel answers `{}`: [`BatchApi::parse_cancel`] then reports the batch as `in_progress` with
//! `rawStatus` `cancel_requested` and no counts, and the caller should fetch the status to see
//! the cancellation land (an answer that is an operation is read as one).

mod common_line;
mod embeddings;
pub mod fan_out;
mod fast_line;
mod prepare;
mod request;
mod response;
mod results;
mod status;
mod submit;

#[cfg(test)]
mod fast_line_tests;
#[cfg(test)]
mod tests;

pub use prepare::{display_name, inline_prefix, INLINE_SUFFIX};
pub use request::{model_resource, write_request};
pub use response::{generate_content_response, map_finish_reason};
pub use results::{batch_endpoint, inline_lines, locate_output, GoogleLineDecoder, Output};
pub use status::{batch_name, parse_operation, state_of};

use std::borrow::Cow;

use serde_json::Value;

use crate::http::{encode_component, HttpRequest, HttpResponse, Method};
use crate::model::{BatchListPage, BatchStatus, BatchStatusResponse, ListOptions, RequestCounts, UnifiedRequest};
use crate::{CoreError, Provider};

use super::common::{http_error, parse_json, string_field};
use super::output_check::OutputCheck;
use super::{
    BatchApi, BatchSummary, ClientConfig, PrepareOptions, PreparedBatch, ResultSource, Submission, SubmissionCheckpoint,
};

pub const DEFAULT_BASE_URL: &str = "https://generativelanguage.googleapis.com";

pub struct GoogleApi {
    config: ClientConfig,
    base_url: String,
}

impl GoogleApi {
    pub fn new(config: ClientConfig) -> Self {
        let base_url = config.base_url_or(DEFAULT_BASE_URL);
        GoogleApi { config, base_url }
    }

    fn name(&self) -> &'static str {
        Provider::Google.name()
    }

    fn request(&self, method: Method, path: &str) -> HttpRequest {
        let request = HttpRequest::new(method, format!("{}{path}", self.base_url));
        if self.config.api_key.is_empty() {
            request
        } else {
            request.header("x-goog-api-key", self.config.api_key.clone())
        }
    }

    /// `/v1beta/batches/{id}` for a bare id or a full name, the id percent-encoded.
    fn batch_path(&self, batch_id: &str) -> String {
        let name = batch_name(batch_id);
        let id = name.strip_prefix("batches/").unwrap_or(&name);
        format!("/v1beta/batches/{}", encode_component(id))
    }

    /// `GET /download/v1beta/files/{id}:download?alt=media`, streamed.
    fn download_request(&self, file_name: &str) -> HttpRequest {
        let id = file_name.trim().strip_prefix("files/").unwrap_or(file_name.trim());
        let mut request =
            self.request(Method::Get, &format!("/download/v1beta/files/{}:download?alt=media", encode_component(id)));
        request.streaming = true;
        request
    }

    /// The result sources; `request_ids` (submission order) allow matching keyless inline
    /// responses by position.
    fn sources(
        &self,
        status: &BatchStatusResponse,
        request_ids: Option<&[String]>,
    ) -> Result<Vec<ResultSource>, CoreError> {
        if !status.status.is_terminal() {
            return Err(CoreError::BatchNotComplete {
                provider: self.name().to_owned(),
                batch_id: status.batch_id.clone(),
                status: status.raw_status.clone(),
            });
        }
        // The operation says its kind; an answer of the other kind is an error, not a result.
        let endpoint = batch_endpoint(&status.raw);
        match locate_output(&status.raw) {
            Output::File(file_name) => Ok(vec![ResultSource::Fetch {
                request: self.download_request(file_name),
                decoder: Box::new(GoogleLineDecoder::new("Gemini").for_endpoint(endpoint)),
            }]),
            Output::Inline(responses) => Ok(vec![ResultSource::Inline {
                jsonl: inline_lines(self.name(), &status.raw, responses, request_ids)?,
                decoder: Box::new(GoogleLineDecoder::new("Gemini inline").for_endpoint(endpoint)),
            }]),
            Output::Missing if status.status == BatchStatus::Completed => Err(CoreError::output_missing(
                self.name(),
                &status.batch_id,
                "succeeded but its operation holds no output",
            )),
            // Failed, cancelled and expired batches may end without any output.
            Output::Missing => Ok(Vec::new()),
        }
    }
}

impl BatchApi for GoogleApi {
    fn provider(&self) -> Provider {
        Provider::Google
    }

    fn prepare_requests(
        &self,
        requests: Cow<'_, [UnifiedRequest]>,
        options: &PrepareOptions,
    ) -> Result<PreparedBatch, CoreError> {
        prepare::prepare(requests, options)
    }

    fn submit(&self, summary: &BatchSummary) -> Box<dyn Submission> {
        Box::new(submit::GoogleSubmission::new(self, summary))
    }

    fn canonical_batch_id(&self, batch_id: &str) -> String {
        batch_name(batch_id)
    }

    fn resume_submission(&self, summary: &BatchSummary, checkpoint: &SubmissionCheckpoint) -> Box<dyn Submission> {
        Box::new(submit::GoogleSubmission::new(self, summary).resuming_from(checkpoint))
    }

    fn status_request(&self, batch_id: &str) -> HttpRequest {
        self.request(Method::Get, &self.batch_path(batch_id))
    }

    /// A succeeded batch only: a failed, cancelled or expired one may keep no output whatever its
    /// `batchStats` counted (its requests then get results saying so).
    fn output_check(&self, status: &BatchStatusResponse) -> Option<OutputCheck> {
        (status.status == BatchStatus::Completed).then(|| OutputCheck::of(self.name(), status)).flatten()
    }

    fn parse_status(&self, batch_id: &str, response: &HttpResponse) -> Result<BatchStatusResponse, CoreError> {
        if !response.is_success() {
            return Err(http_error(self.name(), response, Some(batch_id)));
        }
        parse_operation(self.name(), &parse_json(self.name(), "batch", response)?)
    }

    fn cancel_request(&self, batch_id: &str) -> HttpRequest {
        self.request(Method::Post, &format!("{}:cancel", self.batch_path(batch_id)))
    }

    fn parse_cancel(&self, batch_id: &str, response: &HttpResponse) -> Result<BatchStatusResponse, CoreError> {
        if !response.is_success() {
            return Err(http_error(self.name(), response, Some(batch_id)));
        }
        let body: Value = if response.body.trim().is_empty() {
            Value::Object(Default::default())
        } else {
            parse_json(self.name(), "cancel", response)?
        };
        if body.get("name").is_some() || body.get("metadata").is_some() {
            return parse_operation(self.name(), &body);
        }
        Ok(BatchStatusResponse {
            batch_id: batch_name(batch_id),
            provider: self.name().to_owned(),
            status: BatchStatus::InProgress,
            raw_status: "cancel_requested".into(),
            request_counts: RequestCounts::default(),
            created_at: None,
            completed_at: None,
            expires_at: None,
            model: None,
            errors: Vec::new(),
            metadata: None,
            raw: body,
        })
    }

    fn list_request(&self, options: &ListOptions) -> HttpRequest {
        let mut query = Vec::new();
        if let Some(limit) = options.limit {
            query.push(format!("pageSize={}", limit.max(1)));
        }
        if let Some(token) = options.after.as_deref().filter(|token| !token.is_empty()) {
            query.push(format!("pageToken={}", encode_component(token)));
        }
        let path = if query.is_empty() {
            "/v1beta/batches".to_owned()
        } else {
            format!("/v1beta/batches?{}", query.join("&"))
        };
        self.request(Method::Get, &path)
    }

    fn parse_list(&self, response: &HttpResponse) -> Result<BatchListPage, CoreError> {
        if !response.is_success() {
            return Err(http_error(self.name(), response, None));
        }
        let body = parse_json(self.name(), "batch list", response)?;
        // proto-JSON leaves out an empty list.
        let operations = match body.get("operations") {
            None | Some(Value::Null) => &[][..],
            Some(Value::Array(operations)) => operations.as_slice(),
            Some(_) => return Err(CoreError::invalid_response(self.name(), "`operations` is not a list")),
        };
        let batches = operations
            .iter()
            .map(|operation| parse_operation(self.name(), operation))
            .collect::<Result<Vec<_>, _>>()?;
        let next_cursor = string_field(&body, "nextPageToken").filter(|token| !token.is_empty());
        Ok(BatchListPage { batches, has_more: next_cursor.is_some(), next_cursor })
    }

    fn result_sources(&self, status: &BatchStatusResponse) -> Result<Vec<ResultSource>, CoreError> {
        self.sources(status, None)
    }

    fn result_sources_in_order(
        &self,
        status: &BatchStatusResponse,
        request_ids: &[String],
    ) -> Result<Vec<ResultSource>, CoreError> {
        self.sources(status, Some(request_ids))
    }

    fn delete_request(&self, batch_id: &str) -> Result<HttpRequest, CoreError> {
        Ok(self.request(Method::Delete, &self.batch_path(batch_id)))
    }
}
