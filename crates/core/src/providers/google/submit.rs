//! Submitting a prepared Gemini batch, by the route `prepare` chose (reference §3.1, §3.6).
//!
//! - `inline`: one call, `POST /v1beta/{model}:batchGenerateContent` whose body is the inline
//!   prefix, the prepared lines as a JSON array, and the suffix.
//! - `file`: the Files API's resumable upload, then the create call naming the file:
//!   1. `POST /upload/v1beta/files` with `x-goog-upload-command: start`; the session URL comes
//!      back in the `x-goog-upload-url` response header;
//!   2. `POST {session URL}` with the prepared JSONL and `x-goog-upload-command: upload, finalize`;
//!      the answer is `{"file": {"name": "files/…"}}`;
//!   3. `POST /v1beta/{model}:batchGenerateContent` with `inputConfig.fileName`.
//!
//! The API key goes to the session URL only when it has the base URL's origin: the upload id in
//! the URL is what authorizes the session, and the key must not follow a URL to another host.

use serde_json::json;

use crate::http::{origin, Body, HttpRequest, HttpResponse, Method};
use crate::json_value_text::compact;
use crate::model::BatchStatusResponse;
use crate::providers::common::{http_error, parse_json};
use crate::providers::{BatchSummary, Step, Submission, SubmissionCheckpoint, SubmitRoute, WebhookConfig};
use crate::CoreError;

use super::prepare::{display_name, inline_prefix, webhook_config_json, INLINE_SUFFIX};
use super::request::model_resource;
use super::status::parse_operation;
use super::GoogleApi;

enum State {
    Start,
    Creating,
    StartingUpload,
    Uploading,
    Finished,
}

pub struct GoogleSubmission {
    provider: &'static str,
    plan: Result<Plan, CoreError>,
    state: State,
    /// The uploaded file's `files/…` name, once known (from the upload's answer or a checkpoint).
    file_name: Option<String>,
}

struct Plan {
    route: SubmitRoute,
    api_key: String,
    base_url: String,
    create: HttpRequest,
    display_name: String,
    model: String,
    bytes: usize,
    webhook_config: Option<WebhookConfig>,
}

impl GoogleSubmission {
    pub fn new(api: &GoogleApi, summary: &BatchSummary) -> Self {
        GoogleSubmission { provider: api.name(), plan: plan(api, summary), state: State::Start, file_name: None }
    }

    /// Continues after `checkpoint`: on the file route, an uploaded file is not uploaded again.
    pub fn resuming_from(mut self, checkpoint: &SubmissionCheckpoint) -> Self {
        self.file_name = checkpoint.file_id.clone();
        self
    }

    fn plan(&self) -> Result<&Plan, CoreError> {
        self.plan.as_ref().map_err(Clone::clone)
    }

    fn start(&mut self) -> Result<HttpRequest, CoreError> {
        let plan = self.plan()?;
        if let Some(file_name) = self.file_name.clone() {
            if plan.route == SubmitRoute::Inline {
                return Err(CoreError::invalid_batch(
                    "checkpoint",
                    "an inline Gemini batch has no uploaded file to resume from",
                ));
            }
            return self.create_on(file_name);
        }
        let request = match plan.route {
            SubmitRoute::Inline => {
                let mut create = plan.create.clone();
                create.headers.push(("content-type".into(), "application/json".into()));
                create.body = Body::Payload {
                    prefix: inline_prefix(&plan.model, &plan.display_name, plan.webhook_config.as_ref()),
                    suffix: INLINE_SUFFIX.to_owned(),
                    lines_as_array: true,
                };
                create
            }
            SubmitRoute::File => {
                let body = json!({ "file": { "displayName": format!("{} input", plan.display_name) } });
                with_key(
                    HttpRequest::new(Method::Post, format!("{}/upload/v1beta/files", plan.base_url)),
                    &plan.api_key,
                )
                .header("x-goog-upload-protocol", "resumable")
                .header("x-goog-upload-command", "start")
                .header("x-goog-upload-header-content-length", plan.bytes.to_string())
                .header("x-goog-upload-header-content-type", "application/jsonl")
                .json(compact(&body))
            }
        };
        self.state = match plan.route {
            SubmitRoute::Inline => State::Creating,
            SubmitRoute::File => State::StartingUpload,
        };
        Ok(request)
    }

    fn upload(&mut self, response: &HttpResponse) -> Result<HttpRequest, CoreError> {
        if !response.is_success() {
            return Err(http_error(self.provider, response, None));
        }
        let plan = self.plan()?;
        let session_url = response.header("x-goog-upload-url").filter(|url| !url.is_empty()).ok_or_else(|| {
            CoreError::invalid_response(
                self.provider,
                "the upload start answer has no x-goog-upload-url header (in a browser, the server must expose it through CORS)",
            )
        })?;
        let mut request = HttpRequest::new(Method::Post, session_url.to_owned());
        if origin(session_url) == origin(&plan.base_url) {
            request = with_key(request, &plan.api_key);
        }
        let mut request =
            request.header("x-goog-upload-offset", "0").header("x-goog-upload-command", "upload, finalize");
        request.body = Body::Payload { prefix: String::new(), suffix: String::new(), lines_as_array: false };
        self.state = State::Uploading;
        Ok(request)
    }

    fn create_from_file(&mut self, response: &HttpResponse) -> Result<HttpRequest, CoreError> {
        if !response.is_success() {
            return Err(http_error(self.provider, response, None));
        }
        let file = parse_json(self.provider, "file upload", response)?;
        let file_name = file
            .pointer("/file/name")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| CoreError::invalid_response(self.provider, "file upload answer without `file.name`"))?;
        self.create_on(file_name.to_owned())
    }

    /// The create call on an uploaded file.
    fn create_on(&mut self, file_name: String) -> Result<HttpRequest, CoreError> {
        let plan = self.plan()?;
        let mut body = json!({
            "batch": {
                "model": model_resource(&plan.model),
                "displayName": plan.display_name,
                "inputConfig": { "fileName": file_name },
            }
        });
        if let Some(config) = &plan.webhook_config {
            body["batch"]["webhookConfig"] = webhook_config_json(config);
        }
        let request = plan.create.clone().json(compact(&body));
        self.file_name = Some(file_name);
        self.state = State::Creating;
        Ok(request)
    }

    fn created(&mut self, response: &HttpResponse) -> Result<BatchStatusResponse, CoreError> {
        if !response.is_success() {
            return Err(http_error(self.provider, response, None));
        }
        self.state = State::Finished;
        parse_operation(self.provider, &parse_json(self.provider, "batch", response)?)
    }
}

impl Submission for GoogleSubmission {
    fn next(&mut self, response: Option<HttpResponse>) -> Result<Step<BatchStatusResponse>, CoreError> {
        match (&self.state, response) {
            (State::Start, _) => Ok(Step::Send(self.start()?)),
            (State::StartingUpload, Some(response)) => Ok(Step::Send(self.upload(&response)?)),
            (State::Uploading, Some(response)) => Ok(Step::Send(self.create_from_file(&response)?)),
            (State::Creating, Some(response)) => Ok(Step::Done(self.created(&response)?)),
            (State::Finished, _) => Err(CoreError::invalid_response(self.provider, "the submission is already done")),
            (_, None) => Err(CoreError::invalid_response(self.provider, "a submission step got no response")),
        }
    }

    fn checkpoint(&self) -> SubmissionCheckpoint {
        SubmissionCheckpoint { file_id: self.file_name.clone() }
    }

    fn creates_batch(&self) -> bool {
        matches!(self.state, State::Creating)
    }
}

fn plan(api: &GoogleApi, summary: &BatchSummary) -> Result<Plan, CoreError> {
    let route = match summary.route.as_str() {
        "inline" => SubmitRoute::Inline,
        "file" => SubmitRoute::File,
        other => {
            return Err(CoreError::invalid_batch(
                "route",
                format!("unknown route \"{other}\"; a Gemini batch is sent `inline` or as a `file`"),
            ))
        }
    };
    let model = summary
        .model
        .clone()
        .filter(|model| !model.trim().is_empty())
        .ok_or_else(|| CoreError::invalid_batch("model", "a Gemini batch needs its model in the summary"))?;
    Ok(Plan {
        route,
        api_key: api.config.api_key.clone(),
        base_url: api.base_url.clone(),
        create: api
            .request(Method::Post, &format!("/v1beta/{}:{}", model_resource(&model), create_method(summary.endpoint))),
        display_name: display_name(summary.metadata.as_ref(), summary.request_count),
        model,
        bytes: summary.bytes,
        webhook_config: summary.webhook_config.clone(),
    })
}

fn with_key(request: HttpRequest, api_key: &str) -> HttpRequest {
    if api_key.is_empty() {
        request
    } else {
        request.header("x-goog-api-key", api_key)
    }
}

/// The create call: `batchGenerateContent`, or `asyncBatchEmbedContent` for embeddings
/// (endpoints-and-push.md §1.2 [GM-SPEC paths]).
fn create_method(endpoint: crate::Endpoint) -> &'static str {
    match endpoint {
        crate::Endpoint::Embeddings => "asyncBatchEmbedContent",
        _ => "batchGenerateContent",
    }
}
