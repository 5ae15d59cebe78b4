//! Anthropic's Message Batches API (reference §2): every request inline in one
//! `POST /v1/messages/batches`, polled by id, results streamed from the batch's `results_url`.
//!
//! The base URL is the API's origin without `/v1` (as in Anthropic's SDKs): the default is
//! `https://api.anthropic.com`, and a custom one such as `http://127.0.0.1:4010` is used the same way.

mod checks;
mod common_line;
mod fast_line;
#[cfg(test)]
mod fast_line_tests;
pub(crate) mod ids;
mod request;
mod result_blocks;
mod results;
mod status;

#[cfg(test)]
mod tests;

pub use checks::{DOCUMENT_MEDIA_TYPE, IMAGE_MEDIA_TYPES};
pub use ids::{assign_provider_ids, is_valid_id};
pub use request::{uses_default_max_tokens, write_line, DEFAULT_MAX_TOKENS};
pub use results::{finish_reason, AnthropicLineDecoder};
pub use status::{parse_batch, parse_list, status_of};

use std::borrow::Cow;

use serde_json::Value;

use crate::http::{encode_component, origin, Body, HttpRequest, HttpResponse, Method};
use crate::limits::batch_limits;
use crate::model::{BatchListPage, BatchStatusResponse, ListOptions, UnifiedRequest};
use crate::validate::{check_batch_for, CheckedBatch, Warning};
use crate::{CoreError, Provider};

use super::common::{http_error, parse_json, string_field};
use super::{BatchApi, BatchSummary, ClientConfig, PrepareOptions, PreparedBatch, ResultSource, Step, Submission};

pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";
/// The API version every call names unless `ClientConfig.apiVersion` chooses another (pinned, so an
/// SDK's default moving to `2026-10-21` never changes it silently; provider-changes C.2).
pub const API_VERSION: &str = crate::model_rules::DEFAULT_ANTHROPIC_VERSION;
/// The create body is `{"requests":[` + the prepared lines joined by commas + `]}`.
pub const BODY_PREFIX: &str = "{\"requests\":[";
pub const BODY_SUFFIX: &str = "]}";

const PROVIDER: Provider = Provider::Anthropic;
const NAME: &str = "anthropic";

pub struct AnthropicApi {
    config: ClientConfig,
    base_url: String,
    version: String,
}

impl AnthropicApi {
    pub fn new(config: ClientConfig) -> Self {
        let base_url = config.base_url_or(DEFAULT_BASE_URL);
        let version = config.api_version.clone().unwrap_or_else(|| API_VERSION.to_owned());
        AnthropicApi { config, base_url, version }
    }

    /// A call to `url` with the headers every Anthropic call carries. The key is left out when none
    /// is configured, for proxies that add it themselves.
    fn call(&self, method: Method, url: String) -> HttpRequest {
        let request = HttpRequest::new(method, url).header("anthropic-version", self.version.clone());
        if self.config.api_key.is_empty() {
            request
        } else {
            request.header("x-api-key", self.config.api_key.clone())
        }
    }

    fn batches(&self, method: Method, path: &str) -> HttpRequest {
        self.call(method, format!("{}/v1/messages/batches{path}", self.base_url))
    }

    fn batch_path(batch_id: &str) -> String {
        format!("/{}", encode_component(batch_id))
    }

    fn create_request(&self) -> HttpRequest {
        let mut request = self.batches(Method::Post, "").header("content-type", "application/json");
        request.body = Body::Payload { prefix: BODY_PREFIX.into(), suffix: BODY_SUFFIX.into(), lines_as_array: true };
        request
    }

    /// The results URL as given by the batch (an absolute URL; a path is taken relative to the base).
    /// The key goes only to the API's own origin: a `results_url` elsewhere is fetched without it.
    fn results_request(&self, results_url: &str) -> HttpRequest {
        let url = if results_url.starts_with('/') {
            format!("{}{results_url}", self.base_url)
        } else {
            results_url.to_owned()
        };
        let mut request = if origin(&url) == origin(&self.base_url) {
            self.call(Method::Get, url)
        } else {
            HttpRequest::new(Method::Get, url).header("anthropic-version", self.version.clone())
        };
        request.streaming = true;
        request
    }
}

impl BatchApi for AnthropicApi {
    fn provider(&self) -> Provider {
        PROVIDER
    }

    fn prepare_requests(
        &self,
        requests: Cow<'_, [UnifiedRequest]>,
        options: &PrepareOptions,
    ) -> Result<PreparedBatch, CoreError> {
        prepare_within(requests, options, batch_limits(PROVIDER).max_bytes)
    }

    fn submit(&self, _summary: &BatchSummary) -> Box<dyn Submission> {
        Box::new(AnthropicSubmission { create: Some(self.create_request()) })
    }

    fn status_request(&self, batch_id: &str) -> HttpRequest {
        self.batches(Method::Get, &Self::batch_path(batch_id))
    }

    fn parse_status(&self, batch_id: &str, response: &HttpResponse) -> Result<BatchStatusResponse, CoreError> {
        if !response.is_success() {
            return Err(http_error(NAME, response, Some(batch_id)));
        }
        parse_batch(NAME, &parse_json(NAME, "batch", response)?)
    }

    fn cancel_request(&self, batch_id: &str) -> HttpRequest {
        self.batches(Method::Post, &format!("{}/cancel", Self::batch_path(batch_id)))
    }

    fn parse_cancel(&self, batch_id: &str, response: &HttpResponse) -> Result<BatchStatusResponse, CoreError> {
        self.parse_status(batch_id, response)
    }

    fn list_request(&self, options: &ListOptions) -> HttpRequest {
        let mut query = Vec::new();
        if let Some(limit) = options.limit {
            query.push(format!("limit={}", limit.clamp(1, 1000)));
        }
        if let Some(after) = &options.after {
            query.push(format!("after_id={}", encode_component(after)));
        }
        let path = if query.is_empty() { String::new() } else { format!("?{}", query.join("&")) };
        self.batches(Method::Get, &path)
    }

    fn parse_list(&self, response: &HttpResponse) -> Result<BatchListPage, CoreError> {
        if !response.is_success() {
            return Err(http_error(NAME, response, None));
        }
        parse_list(NAME, &parse_json(NAME, "batch list", response)?)
    }

    /// One source: the batch's `results_url`. A finished batch without one (archived: its status
    /// is finished only then) has lost its results; a batch still running has no results yet.
    fn result_sources(&self, status: &BatchStatusResponse) -> Result<Vec<ResultSource>, CoreError> {
        match string_field(&status.raw, "results_url").filter(|url| !url.is_empty()) {
            Some(url) => Ok(vec![ResultSource::Fetch {
                request: self.results_request(&url),
                decoder: Box::new(AnthropicLineDecoder),
            }]),
            None if status.status.is_terminal() => Err(CoreError::output_missing(
                NAME,
                &status.batch_id,
                "has ended but has no `results_url` (an archived batch's results are no longer available)",
            )),
            None => Err(CoreError::BatchNotComplete {
                provider: NAME.into(),
                batch_id: status.batch_id.clone(),
                status: status.raw_status.clone(),
            }),
        }
    }

    fn delete_request(&self, batch_id: &str) -> Result<HttpRequest, CoreError> {
        Ok(self.batches(Method::Delete, &Self::batch_path(batch_id)))
    }

    /// `{"id", "type": "message_batch_deleted"}`. Anthropic deletes only ended batches; deleting a
    /// running one is the provider's error.
    fn parse_delete(&self, batch_id: &str, response: &HttpResponse) -> Result<(), CoreError> {
        if !response.is_success() {
            return Err(http_error(NAME, response, Some(batch_id)));
        }
        let body = parse_json(NAME, "batch deletion", response)?;
        match body.get("type").and_then(Value::as_str) {
            Some("message_batch_deleted") => Ok(()),
            other => Err(CoreError::invalid_response(
                NAME,
                format!("batch deletion answered with type {other:?} instead of \"message_batch_deleted\""),
            )),
        }
    }
}

/// Validates and converts a batch whose create body may be at most `max_bytes` long.
fn prepare_within(
    requests: Cow<'_, [UnifiedRequest]>,
    options: &PrepareOptions,
    max_bytes: usize,
) -> Result<PreparedBatch, CoreError> {
    let CheckedBatch { requests: checked, mut warnings, notes } =
        check_batch_for(PROVIDER, options.endpoint.unwrap_or_default(), requests, &options.validation)?;
    let requests = &*checked;
    for (index, request) in requests.iter().enumerate() {
        checks::check_request(index, request)?;
    }
    let (replacements, id_map) = assign_provider_ids(requests);
    let mut jsonl = Vec::with_capacity(crate::providers::common::jsonl_capacity(requests));
    for (index, (request, replacement)) in requests.iter().zip(&replacements).enumerate() {
        write_line(request, replacement.as_deref().unwrap_or(&request.custom_id), &mut jsonl)?;
        // Stop as soon as the limit is passed rather than building a body that cannot be sent.
        if body_bytes(jsonl.len()) > max_bytes {
            return Err(CoreError::invalid_batch(
                "requests",
                format!(
                    "the request body would be over the Anthropic limit of {max_bytes} bytes (passed at request {index} of {}); split the batch",
                    requests.len()
                ),
            ));
        }
    }
    warnings.extend(default_max_tokens_warning(requests));
    let first_model = requests.first().map(|request| request.model.as_str());
    let one_model = requests.iter().all(|request| Some(request.model.as_str()) == first_model);
    let summary = BatchSummary {
        provider: PROVIDER,
        request_count: requests.len(),
        bytes: jsonl.len(),
        model: first_model.filter(|_| one_model).map(str::to_owned),
        route: "inline".into(),
        warnings,
        notes,
        json_answers: crate::structured_output::json_answers(requests),
        embedding_inputs: None,
        id_map,
        // Anthropic batches take no metadata; it stays in the summary for the caller's records.
        metadata: options.metadata.clone(),
        timeout_hours: None,
        webhook_config: None,
        endpoint: Default::default(),
    };
    Ok(PreparedBatch { jsonl, summary })
}

/// Bytes of the create body for `jsonl_bytes` of prepared lines: the prefix, the lines with their
/// line breaks turned into commas (the last one dropped), the suffix.
pub fn body_bytes(jsonl_bytes: usize) -> usize {
    BODY_PREFIX.len() + jsonl_bytes.saturating_sub(1) + BODY_SUFFIX.len()
}

/// One warning for every request that got [`DEFAULT_MAX_TOKENS`], named by the first of them (one
/// per request would flood the summary of a large batch).
fn default_max_tokens_warning(requests: &[UnifiedRequest]) -> Option<Warning> {
    let mut defaulted = requests.iter().enumerate().filter(|(_, request)| uses_default_max_tokens(request));
    let (index, first) = defaulted.next()?;
    let count = 1 + defaulted.count();
    let which = if count == 1 {
        "this request".to_owned()
    } else {
        format!("this request and {} more of the {} in the batch", count - 1, requests.len())
    };
    Some(Warning {
        index,
        custom_id: first.custom_id.clone(),
        field: "generationConfig.maxTokens".into(),
        message: format!(
            "not set; Anthropic requires max_tokens, so {DEFAULT_MAX_TOKENS} is set for {which}; set generationConfig.maxTokens to choose"
        ),
    })
}

/// One call: create the batch with every prepared line inline.
struct AnthropicSubmission {
    create: Option<HttpRequest>,
}

impl Submission for AnthropicSubmission {
    fn next(&mut self, response: Option<HttpResponse>) -> Result<Step<BatchStatusResponse>, CoreError> {
        if let Some(create) = self.create.take() {
            return Ok(Step::Send(create));
        }
        let response = response.ok_or_else(|| CoreError::invalid_response(NAME, "the create step got no response"))?;
        if !response.is_success() {
            return Err(http_error(NAME, &response, None));
        }
        Ok(Step::Done(parse_batch(NAME, &parse_json(NAME, "batch", &response)?)?))
    }
}
