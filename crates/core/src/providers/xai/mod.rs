//! xAI's batch API (endpoints-and-push.md §5.2). Requests go in through xAI's OpenAI-compatible
//! route — OpenAI-style JSONL lines uploaded to `POST /files` (no `purpose`), then
//! `POST /batches {input_file_id, name}` — so one call creates a batch with all its requests and
//! nothing is half-submitted. Everything after that is xAI's own: the batch object has no status
//! string (it is derived from the request counters, `status.rs`), results are listed page by page
//! (`GET /batches/{id}/results?limit=&pagination_token=`, `results.rs`), and cancelling is
//! `POST /batches/{id}:cancel`.
//!
//! The REST shapes come from third-party clients (batchwork, tryAGI's .NET SDK; §5.2, §10): the
//! readers here accept the documented field names and the alternatives those clients read.

mod results;
mod status;

#[cfg(test)]
mod tests;

pub use results::{XaiLineDecoder, XaiResultPages};
pub use status::parse_batch;

use std::borrow::Cow;
use std::rc::Rc;

use serde_json::{json, Value};

use crate::http::{encode_component, HttpRequest, HttpResponse, Method};
use crate::job_tag::JOB_TAG_KEY;
use crate::json_value_text::compact;
use crate::limits::batch_limits;
use crate::model::{BatchListPage, BatchStatusResponse, ListOptions, UnifiedRequest};
use crate::validate::{check_batch_for, CheckedBatch};
use crate::{CoreError, Provider};

use super::common::{http_error, parse_json, string_field};
use super::openai::{check_metadata, write_line, Dialect, OpenAiApi};
use super::{
    BatchApi, BatchSummary, ClientConfig, PrepareOptions, PreparedBatch, ResultSource, Step, Submission,
    SubmissionCheckpoint,
};

const PROVIDER: &str = "xai";
/// Results asked for per page (the page size batchwork uses; xAI's maximum is not documented).
pub const RESULTS_PAGE_SIZE: u32 = 100;
/// The batch name when the caller gives none.
pub const DEFAULT_NAME: &str = "batch-router";

pub struct XaiApi {
    /// The OpenAI module speaking xAI's dialect: base URL, auth, the upload call.
    openai: OpenAiApi,
}

impl XaiApi {
    pub fn new(config: ClientConfig) -> Self {
        // xAI has a default base URL, so this never fails (only Azure needs an endpoint).
        let openai = OpenAiApi::new(config, Dialect::Xai).expect("xAI has a default base URL");
        XaiApi { openai }
    }

    fn request(&self, method: Method, path: &str) -> HttpRequest {
        self.openai.authorized(method, path)
    }

    fn results_request(&self, batch_id: &str) -> HttpRequest {
        let path = format!("/batches/{}/results?limit={RESULTS_PAGE_SIZE}", encode_component(batch_id));
        let mut request = self.request(Method::Get, &path);
        request.streaming = true;
        request
    }
}

/// The batch name sent at creation: the caller's `metadata.name`, or [`DEFAULT_NAME`]; a job
/// tag (`metadata.batch_router_job`, see `job_tag.rs`) is appended as ` [<tag>]` so a lost create
/// can be found in the list by name.
pub fn batch_name(metadata: Option<&serde_json::Map<String, Value>>) -> String {
    let name = metadata
        .and_then(|metadata| metadata.get("name"))
        .and_then(Value::as_str)
        .filter(|name| !name.trim().is_empty())
        .unwrap_or(DEFAULT_NAME);
    match metadata.and_then(|metadata| metadata.get(JOB_TAG_KEY)).and_then(Value::as_str) {
        Some(tag) if !name.ends_with(&format!("[{tag}]")) => format!("{name} [{tag}]"),
        _ => name.to_owned(),
    }
}

impl BatchApi for XaiApi {
    fn provider(&self) -> Provider {
        Provider::Xai
    }

    fn prepare_requests(
        &self,
        requests: Cow<'_, [UnifiedRequest]>,
        options: &PrepareOptions,
    ) -> Result<PreparedBatch, CoreError> {
        let CheckedBatch { requests: checked, warnings, notes } =
            check_batch_for(Provider::Xai, options.endpoint.unwrap_or_default(), requests, &options.validation)?;
        let requests = &*checked;
        let mut jsonl = Vec::with_capacity(crate::providers::common::jsonl_capacity(requests));
        for request in requests {
            write_line(request, Dialect::Xai, &mut jsonl)?;
        }
        let limits = batch_limits(Provider::Xai);
        if jsonl.len() > limits.max_bytes {
            return Err(CoreError::invalid_batch(
                "requests",
                format!(
                    "the batch file would be {} bytes, over the xAI limit of {} bytes; split the batch",
                    jsonl.len(),
                    limits.max_bytes
                ),
            ));
        }
        // xAI keeps only a name; the metadata is checked like OpenAI's (the name is one of its
        // values) and stays in the summary for the caller's records.
        check_metadata(options.metadata.as_ref())?;
        Ok(PreparedBatch {
            summary: BatchSummary {
                endpoint: crate::Endpoint::Chat,
                provider: Provider::Xai,
                request_count: requests.len(),
                bytes: jsonl.len(),
                model: requests.first().map(|request| request.model.clone()),
                route: "file".into(),
                warnings,
                notes,
                json_answers: crate::structured_output::json_answers(requests),
                embedding_inputs: None,
                id_map: Vec::new(),
                metadata: options.metadata.clone(),
                timeout_hours: None,
                webhook_config: None,
            },
            jsonl,
        })
    }

    fn submit(&self, summary: &BatchSummary) -> Box<dyn Submission> {
        self.resume_submission(summary, &SubmissionCheckpoint::default())
    }

    fn resume_submission(&self, summary: &BatchSummary, checkpoint: &SubmissionCheckpoint) -> Box<dyn Submission> {
        Box::new(XaiSubmission {
            upload: self.openai.upload_request(),
            create: self.request(Method::Post, "/batches"),
            name: batch_name(summary.metadata.as_ref()),
            state: State::Start,
            file_id: checkpoint.file_id.clone(),
        })
    }

    fn status_request(&self, batch_id: &str) -> HttpRequest {
        self.request(Method::Get, &format!("/batches/{}", encode_component(batch_id)))
    }

    fn parse_status(&self, batch_id: &str, response: &HttpResponse) -> Result<BatchStatusResponse, CoreError> {
        if !response.is_success() {
            return Err(http_error(PROVIDER, response, Some(batch_id)));
        }
        parse_batch(&parse_json(PROVIDER, "batch", response)?)
    }

    fn cancel_request(&self, batch_id: &str) -> HttpRequest {
        self.request(Method::Post, &format!("/batches/{}:cancel", encode_component(batch_id)))
    }

    fn parse_cancel(&self, batch_id: &str, response: &HttpResponse) -> Result<BatchStatusResponse, CoreError> {
        self.parse_status(batch_id, response)
    }

    fn list_request(&self, options: &ListOptions) -> HttpRequest {
        let mut query = Vec::new();
        if let Some(limit) = options.limit {
            query.push(format!("limit={}", limit.clamp(1, 100)));
        }
        if let Some(after) = &options.after {
            query.push(format!("pagination_token={}", encode_component(after)));
        }
        let path = if query.is_empty() { "/batches".to_owned() } else { format!("/batches?{}", query.join("&")) };
        self.request(Method::Get, &path)
    }

    fn parse_list(&self, response: &HttpResponse) -> Result<BatchListPage, CoreError> {
        if !response.is_success() {
            return Err(http_error(PROVIDER, response, None));
        }
        let body = parse_json(PROVIDER, "batch list", response)?;
        // `batches` (xAI's list, as tryAGI's SDK reads it) or `data` (xai-rust's reading).
        let items = ["batches", "data"]
            .iter()
            .find_map(|name| body.get(*name).and_then(Value::as_array))
            .ok_or_else(|| CoreError::invalid_response(PROVIDER, "batch list without `batches`"))?;
        let batches = items.iter().map(parse_batch).collect::<Result<Vec<_>, _>>()?;
        let next_cursor = next_token(&body);
        Ok(BatchListPage { batches, has_more: next_cursor.is_some(), next_cursor })
    }

    fn result_sources(&self, status: &BatchStatusResponse) -> Result<Vec<ResultSource>, CoreError> {
        let pager = self.results_pager(&status.batch_id);
        Ok(vec![ResultSource::Paged {
            request: pager.first.clone(),
            decoder: Box::new(XaiLineDecoder),
            pages: Rc::new(XaiResultPages { pager, followed: Default::default() }),
        }])
    }
}

impl XaiApi {
    fn results_pager(&self, batch_id: &str) -> ResultsPager {
        ResultsPager { first: self.results_request(batch_id) }
    }
}

/// Builds the request of each results page from the first one (same URL and headers, the next
/// `pagination_token`).
pub struct ResultsPager {
    first: HttpRequest,
}

impl ResultsPager {
    pub fn page(&self, token: &str) -> HttpRequest {
        let mut request = self.first.clone();
        request.url = format!("{}&pagination_token={}", self.first.url, encode_component(token));
        request
    }
}

/// The token of the next page: `pagination_token` (§5.2), or `next_page_token`/`next_token` as
/// some clients read it; an empty token ends the listing.
pub fn next_token(body: &Value) -> Option<String> {
    ["pagination_token", "next_page_token", "next_token"]
        .iter()
        .find_map(|name| string_field(body, name))
        .filter(|token| !token.is_empty())
}

enum State {
    Start,
    Uploading,
    Creating,
}

struct XaiSubmission {
    upload: HttpRequest,
    create: HttpRequest,
    name: String,
    state: State,
    file_id: Option<String>,
}

impl XaiSubmission {
    fn create_on(&mut self, file_id: String) -> Step<BatchStatusResponse> {
        let body = json!({ "input_file_id": file_id, "name": self.name });
        self.file_id = Some(file_id);
        self.state = State::Creating;
        Step::Send(self.create.clone().json(compact(&body)))
    }
}

impl Submission for XaiSubmission {
    fn next(&mut self, response: Option<HttpResponse>) -> Result<Step<BatchStatusResponse>, CoreError> {
        match (&self.state, response) {
            (State::Start, _) => match self.file_id.clone() {
                Some(file_id) => Ok(self.create_on(file_id)),
                None => {
                    self.state = State::Uploading;
                    Ok(Step::Send(self.upload.clone()))
                }
            },
            (State::Uploading, Some(response)) => {
                let file_id = super::openai::uploaded_file_id(PROVIDER, &response)?;
                Ok(self.create_on(file_id))
            }
            (State::Creating, Some(response)) => {
                if !response.is_success() {
                    return Err(http_error(PROVIDER, &response, None));
                }
                Ok(Step::Done(parse_batch(&parse_json(PROVIDER, "batch", &response)?)?))
            }
            (_, None) => Err(CoreError::invalid_response(PROVIDER, "a submission step got no response")),
        }
    }

    fn checkpoint(&self) -> SubmissionCheckpoint {
        SubmissionCheckpoint { file_id: self.file_id.clone() }
    }

    fn creates_batch(&self) -> bool {
        matches!(self.state, State::Creating)
    }
}
