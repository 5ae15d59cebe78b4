//! OpenAI's Batch API (reference §1): upload a JSONL file with `purpose=batch`, create the batch on
//! `/v1/chat/completions`, poll it, read the output and error files. The same protocol drives the
//! local vLLM sidecar, Groq, Azure OpenAI and Together AI: their differences are a [`Dialect`]
//! (`dialect.rs`). xAI's own protocol (`providers::xai`) borrows the lines and the upload.

mod body_kind;
mod chat_body;
mod common_line;
mod dialect;
mod fast_line;
pub mod input_line;
mod request;
mod responses_body;
mod responses_request;
pub mod results;
mod status;
pub(crate) mod tool_wire;

/// Tool-call arguments as results give them (a JSON string parsed), also for imported input lines.
pub use chat_body::arguments as parsed_arguments;

#[cfg(test)]
mod dialect_tests;
#[cfg(test)]
mod fast_line_tests;
#[cfg(test)]
mod finish_reason_tests;
#[cfg(test)]
mod responses_request_tests;
#[cfg(test)]
mod responses_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod together_tests;

pub use dialect::{azure_base_url, dated_api_version, Dialect, KeyHeader};
pub use request::{write_endpoint_line, write_line, CHAT_COMPLETIONS_URL};
pub use results::{malformed, OpenAiLineDecoder};
pub use status::{parse_batch, status_of};

use std::borrow::Cow;

use serde_json::{json, Map, Value};

use crate::http::{encode_component, multipart_envelope, Body, HttpRequest, HttpResponse, Method};
use crate::limits::batch_limits;
use crate::model::{BatchListPage, BatchStatusResponse, ListOptions, UnifiedRequest};
use crate::validate::{check_batch_for, CheckedBatch};

use super::anthropic::ids::assign_ids_where;

/// Together AI's longest custom id, in characters (endpoints-and-push.md §5.4 [TG-SKILL]).
const TOGETHER_MAX_ID_CHARS: usize = 64;
use crate::json_value_text::compact;
use crate::{CoreError, Endpoint, Provider};

use super::common::{http_error, parse_json, string_field};
use super::{
    BatchApi, BatchSummary, ClientConfig, PrepareOptions, PreparedBatch, ResultSource, Step, Submission,
    SubmissionCheckpoint,
};

pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
const MULTIPART_BOUNDARY: &str = "batch-router-7d4a1f0c9b2e";

pub struct OpenAiApi {
    config: ClientConfig,
    dialect: Dialect,
    base_url: String,
}

impl OpenAiApi {
    /// Fails only for Azure without a resource endpoint or base URL.
    pub fn new(config: ClientConfig, dialect: Dialect) -> Result<Self, CoreError> {
        let base_url = match (dialect.default_base_url(), &config.base_url, &config.endpoint) {
            (_, Some(base_url), _) => base_url.trim_end_matches('/').to_owned(),
            (Some(default), None, _) => default.to_owned(),
            (None, None, Some(endpoint)) => azure_base_url(endpoint, config.api_version.as_deref()),
            (None, None, None) => {
                return Err(CoreError::invalid_batch(
                    "endpoint",
                    format!(
                        "{} needs the resource endpoint (https://<resource>.openai.azure.com) or a base URL",
                        dialect.provider().display_name()
                    ),
                ))
            }
        };
        Ok(OpenAiApi { config, dialect, base_url })
    }

    fn name(&self) -> &'static str {
        self.provider().name()
    }

    fn request(&self, method: Method, path: &str) -> HttpRequest {
        let mut url = format!("{}{path}", self.base_url);
        if let Some(version) = dated_api_version(self.config.api_version.as_deref()) {
            let separator = if path.contains('?') { '&' } else { '?' };
            url = format!("{url}{separator}api-version={}", encode_component(version));
        }
        let request = HttpRequest::new(method, url);
        // An Entra token goes as a bearer token (endpoints-and-push.md §5.1 [AZ-BATCH; AZ-V1]).
        if let Some(token) = self.config.bearer_token.as_deref().filter(|token| !token.is_empty()) {
            return request.header("authorization", format!("Bearer {token}"));
        }
        if self.config.api_key.is_empty() {
            return request;
        }
        match self.dialect.key_header() {
            KeyHeader::Bearer => request.header("authorization", format!("Bearer {}", self.config.api_key)),
            KeyHeader::ApiKey => request.header("api-key", self.config.api_key.clone()),
        }
    }

    fn file_content_request(&self, file_id: &str) -> HttpRequest {
        let mut request = self.request(Method::Get, &format!("/files/{}/content", encode_component(file_id)));
        request.streaming = true;
        request
    }
}

impl BatchApi for OpenAiApi {
    fn provider(&self) -> Provider {
        self.dialect.provider()
    }

    fn prepare_requests(
        &self,
        requests: Cow<'_, [UnifiedRequest]>,
        options: &PrepareOptions,
    ) -> Result<PreparedBatch, CoreError> {
        let provider = self.provider();
        let endpoint = options.endpoint.unwrap_or_default();
        let CheckedBatch { requests: checked, warnings, notes } =
            check_batch_for(provider, endpoint, requests, &options.validation)?;
        let mut checked = checked;
        // Together: "custom_id … max 64 chars" (endpoints-and-push.md §5.4 [TG-SKILL]); a longer
        // id is sent under a replacement and results come back under the caller's id (`id_map`).
        let id_map = if self.dialect == Dialect::Together {
            let (replacements, id_map) =
                assign_ids_where(&checked, |id| (1..=TOGETHER_MAX_ID_CHARS).contains(&id.chars().count()));
            if !id_map.is_empty() {
                for (request, replacement) in checked.to_mut().iter_mut().zip(replacements) {
                    if let Some(replacement) = replacement {
                        request.custom_id = replacement;
                    }
                }
            }
            id_map
        } else {
            Vec::new()
        };
        let requests = &*checked;
        let mut jsonl = Vec::with_capacity(crate::providers::common::jsonl_capacity(requests));
        for request in requests {
            write_endpoint_line(request, self.dialect, endpoint, &mut jsonl)?;
        }
        let limits = batch_limits(provider);
        if jsonl.len() > limits.max_bytes {
            return Err(CoreError::invalid_batch(
                "requests",
                format!(
                    "the batch file would be {} bytes, over the {} limit of {} bytes; split the batch",
                    jsonl.len(),
                    provider.display_name(),
                    limits.max_bytes
                ),
            ));
        }
        check_metadata(options.metadata.as_ref())?;
        let summary = BatchSummary {
            provider,
            request_count: requests.len(),
            bytes: jsonl.len(),
            model: requests.first().map(|request| request.model.clone()),
            route: "file".into(),
            warnings,
            notes,
            json_answers: crate::structured_output::json_answers(requests),
            embedding_inputs: crate::embeddings::embedding_inputs(requests, endpoint),
            id_map,
            metadata: options.metadata.clone(),
            timeout_hours: None,
            webhook_config: None,
            endpoint,
        };
        Ok(PreparedBatch { jsonl, summary })
    }

    fn submit(&self, summary: &BatchSummary) -> Box<dyn Submission> {
        self.resume_submission(summary, &SubmissionCheckpoint::default())
    }

    fn resume_submission(&self, summary: &BatchSummary, checkpoint: &SubmissionCheckpoint) -> Box<dyn Submission> {
        Box::new(OpenAiSubmission {
            upload: self.upload_request(),
            create: self.request(Method::Post, "/batches"),
            endpoint: self.dialect.create_endpoint(summary.endpoint),
            metadata: summary.metadata.clone().filter(|_| self.dialect.sends_metadata()),
            unwrap_job: self.dialect == Dialect::Together,
            signed_upload: (self.dialect == Dialect::Together).then(|| self.signed_upload()),
            provider: self.name(),
            state: SubmitState::Start,
            file_id: checkpoint.file_id.clone(),
        })
    }

    fn status_request(&self, batch_id: &str) -> HttpRequest {
        self.request(Method::Get, &format!("/batches/{}", encode_component(batch_id)))
    }

    fn parse_status(&self, batch_id: &str, response: &HttpResponse) -> Result<BatchStatusResponse, CoreError> {
        if !response.is_success() {
            return Err(http_error(self.name(), response, Some(batch_id)));
        }
        parse_batch(self.name(), &parse_json(self.name(), "batch", response)?)
    }

    fn cancel_request(&self, batch_id: &str) -> HttpRequest {
        self.request(Method::Post, &format!("/batches/{}/cancel", encode_component(batch_id)))
    }

    fn parse_cancel(&self, batch_id: &str, response: &HttpResponse) -> Result<BatchStatusResponse, CoreError> {
        self.parse_status(batch_id, response)
    }

    fn list_request(&self, options: &ListOptions) -> HttpRequest {
        if self.dialect == Dialect::Together {
            // Together's list takes no paging parameters and answers with every batch
            // (OpenAPI `GET /batches`: a bare array).
            return self.request(Method::Get, "/batches");
        }
        let mut query = Vec::new();
        if let Some(limit) = options.limit {
            query.push(format!("limit={}", limit.clamp(1, 100)));
        }
        if let Some(after) = &options.after {
            query.push(format!("after={}", encode_component(after)));
        }
        let path = if query.is_empty() { "/batches".to_owned() } else { format!("/batches?{}", query.join("&")) };
        self.request(Method::Get, &path)
    }

    fn parse_list(&self, response: &HttpResponse) -> Result<BatchListPage, CoreError> {
        if !response.is_success() {
            return Err(http_error(self.name(), response, None));
        }
        let body = parse_json(self.name(), "batch list", response)?;
        // OpenAI pages `{data, has_more, last_id}`; Together answers with a bare array (§5.4).
        let data = body
            .get("data")
            .or(Some(&body))
            .and_then(Value::as_array)
            .ok_or_else(|| CoreError::invalid_response(self.name(), "batch list without `data`"))?;
        let batches = data.iter().map(|batch| parse_batch(self.name(), batch)).collect::<Result<Vec<_>, _>>()?;
        let has_more = body.get("has_more").and_then(Value::as_bool).unwrap_or(false);
        let next_cursor = if has_more {
            string_field(&body, "last_id").or_else(|| batches.last().map(|batch| batch.batch_id.clone()))
        } else {
            None
        };
        Ok(BatchListPage { batches, has_more, next_cursor })
    }

    fn result_sources(&self, status: &BatchStatusResponse) -> Result<Vec<ResultSource>, CoreError> {
        let mut sources = Vec::new();
        // The batch object names its endpoint; an embeddings batch's bodies are vectors.
        let endpoint = status.raw.get("endpoint").and_then(Value::as_str).and_then(Endpoint::from_openai_url);
        for field in ["output_file_id", "error_file_id"] {
            if let Some(file_id) = status.raw.get(field).and_then(Value::as_str).filter(|id| !id.is_empty()) {
                sources.push(ResultSource::Fetch {
                    request: self.file_content_request(file_id),
                    decoder: Box::new(OpenAiLineDecoder::new(self.name()).for_endpoint(endpoint)),
                });
            }
        }
        Ok(sources)
    }
}

impl OpenAiApi {
    pub(crate) fn upload_request(&self) -> HttpRequest {
        let (path, fields) = self.dialect.upload();
        let (prefix, suffix) =
            multipart_envelope(MULTIPART_BOUNDARY, fields, "file", "batch_input.jsonl", "application/jsonl");
        let mut request = self
            .request(Method::Post, path)
            .header("content-type", format!("multipart/form-data; boundary={MULTIPART_BOUNDARY}"));
        request.body = Body::Payload { prefix, suffix, lines_as_array: false };
        request
    }

    /// Together's signed-URL upload, the route its Python SDK takes (endpoints-and-push.md §5.4
    /// [BW-TG]): `POST /files` with the form fields only answers 302 with `Location` (the signed
    /// URL) and `X-Together-File-Id`; the bytes go there by `PUT` (without the key: the URL is
    /// signed); `POST /files/{id}/preprocess` then makes the file usable.
    fn signed_upload(&self) -> SignedUpload {
        let (_, fields) = self.dialect.upload();
        let (mut prefix, _) =
            multipart_envelope(MULTIPART_BOUNDARY, fields, "file", "batch_input.jsonl", "application/jsonl");
        // The form without its file part: the fields, then the closing boundary.
        let cut = prefix.rfind(&format!("--{MULTIPART_BOUNDARY}\r\n")).unwrap_or(prefix.len());
        prefix.truncate(cut);
        prefix.push_str(&format!("--{MULTIPART_BOUNDARY}--\r\n"));
        let mut start = self
            .request(Method::Post, "/files")
            .header("content-type", format!("multipart/form-data; boundary={MULTIPART_BOUNDARY}"));
        start.body = Body::Json { text: prefix };
        start.manual_redirect = true;
        SignedUpload { start, files: self.request(Method::Post, "/files") }
    }

    /// A call to this provider with its auth (for protocols that borrow this module's pieces).
    pub(crate) fn authorized(&self, method: Method, path: &str) -> HttpRequest {
        self.request(method, path)
    }
}

/// The uploaded file's id from an upload answer.
pub(crate) fn uploaded_file_id(provider: &str, response: &HttpResponse) -> Result<String, CoreError> {
    if !response.is_success() {
        return Err(http_error(provider, response, None));
    }
    let file = parse_json(provider, "file upload", response)?;
    string_field(&file, "id").ok_or_else(|| CoreError::invalid_response(provider, "file upload answer without `id`"))
}

/// OpenAI metadata: at most 16 pairs, keys ≤ 64 characters, string values ≤ 512 (reference §1.3).
pub fn check_metadata(metadata: Option<&Map<String, Value>>) -> Result<(), CoreError> {
    let Some(metadata) = metadata else {
        return Ok(());
    };
    if metadata.len() > 16 {
        return Err(CoreError::invalid_batch("metadata", "at most 16 metadata pairs are allowed"));
    }
    for (key, value) in metadata {
        let field = format!("metadata.{key}");
        if key.chars().count() > 64 {
            return Err(CoreError::invalid_batch(field, "keys are at most 64 characters"));
        }
        match value {
            Value::String(text) if text.chars().count() <= 512 => {}
            Value::String(_) => return Err(CoreError::invalid_batch(field, "values are at most 512 characters")),
            _ => return Err(CoreError::invalid_batch(field, "values must be strings")),
        }
    }
    Ok(())
}

enum SubmitState {
    Start,
    Uploading,
    /// Together's signed-URL route: waiting for the 302, for the PUT, for the preprocess call.
    AskingForUrl,
    Putting(String),
    Preprocessing(String),
    Creating,
}

/// The calls of Together's signed-URL upload (see `OpenAiApi::signed_upload`).
struct SignedUpload {
    /// `POST /files` with the form fields, redirect not followed.
    start: HttpRequest,
    /// `POST /files` with the key: `/{id}/preprocess` is appended.
    files: HttpRequest,
}

struct OpenAiSubmission {
    upload: HttpRequest,
    create: HttpRequest,
    /// The create body's `endpoint` value.
    endpoint: &'static str,
    metadata: Option<Map<String, Value>>,
    /// Together wraps the created batch as `{"job": …, "warning"?}` (§5.4 [TG-PY]).
    unwrap_job: bool,
    /// Together: the signed-URL upload, taken when `/files/upload` is not there (404 or 405).
    signed_upload: Option<SignedUpload>,
    provider: &'static str,
    state: SubmitState,
    /// The uploaded file, once known (from the upload's answer or a checkpoint).
    file_id: Option<String>,
}

impl OpenAiSubmission {
    fn create_on(&mut self, file_id: String) -> Step<BatchStatusResponse> {
        let mut body = json!({
            "input_file_id": file_id,
            "endpoint": self.endpoint,
            "completion_window": "24h",
        });
        if let Some(metadata) = &self.metadata {
            body["metadata"] = Value::Object(metadata.clone());
        }
        self.file_id = Some(file_id);
        self.state = SubmitState::Creating;
        Step::Send(self.create.clone().json(compact(&body)))
    }
}

impl Submission for OpenAiSubmission {
    fn next(&mut self, response: Option<HttpResponse>) -> Result<Step<BatchStatusResponse>, CoreError> {
        match (&self.state, response) {
            (SubmitState::Start, _) => match self.file_id.clone() {
                Some(file_id) => Ok(self.create_on(file_id)),
                None => {
                    self.state = SubmitState::Uploading;
                    Ok(Step::Send(self.upload.clone()))
                }
            },
            (SubmitState::Uploading, Some(response)) => {
                if let (Some(signed), 404 | 405) = (&self.signed_upload, response.status) {
                    self.state = SubmitState::AskingForUrl;
                    return Ok(Step::Send(signed.start.clone()));
                }
                let file_id = uploaded_file_id(self.provider, &response)?;
                Ok(self.create_on(file_id))
            }
            (SubmitState::AskingForUrl, Some(response)) => {
                let (location, file_id) = match (response.header("location"), response.header("x-together-file-id")) {
                    (Some(location), Some(file_id)) if (300..400).contains(&response.status) => {
                        (location.to_owned(), file_id.to_owned())
                    }
                    _ if !(300..400).contains(&response.status) => {
                        return Err(http_error(self.provider, &response, None))
                    }
                    _ => {
                        return Err(CoreError::invalid_response(
                            self.provider,
                            "the upload redirect names no Location or X-Together-File-Id",
                        ))
                    }
                };
                let mut put = HttpRequest::new(Method::Put, location);
                put.body = Body::Payload { prefix: String::new(), suffix: String::new(), lines_as_array: false };
                self.state = SubmitState::Putting(file_id);
                Ok(Step::Send(put))
            }
            (SubmitState::Putting(file_id), Some(response)) => {
                if !response.is_success() {
                    return Err(http_error(self.provider, &response, None));
                }
                let file_id = file_id.clone();
                let signed = self.signed_upload.as_ref().expect("only the signed route puts");
                let mut preprocess = signed.files.clone();
                preprocess.url = format!("{}/{}/preprocess", preprocess.url, encode_component(&file_id));
                self.state = SubmitState::Preprocessing(file_id);
                Ok(Step::Send(preprocess))
            }
            (SubmitState::Preprocessing(file_id), Some(response)) => {
                if !response.is_success() {
                    return Err(http_error(self.provider, &response, None));
                }
                let file_id = file_id.clone();
                Ok(self.create_on(file_id))
            }
            (SubmitState::Creating, Some(response)) => {
                if !response.is_success() {
                    return Err(http_error(self.provider, &response, None));
                }
                let body = parse_json(self.provider, "batch", &response)?;
                let batch = match body.get("job") {
                    Some(job) if self.unwrap_job && job.is_object() => job,
                    _ => &body,
                };
                Ok(Step::Done(parse_batch(self.provider, batch)?))
            }
            (_, None) => Err(CoreError::invalid_response(self.provider, "a submission step got no response")),
        }
    }

    fn checkpoint(&self) -> SubmissionCheckpoint {
        SubmissionCheckpoint { file_id: self.file_id.clone() }
    }

    fn creates_batch(&self) -> bool {
        matches!(self.state, SubmitState::Creating)
    }
}
