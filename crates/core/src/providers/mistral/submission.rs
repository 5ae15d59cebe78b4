//! Submitting a prepared batch (reference §4.1, §4.3): on the file route, upload the JSONL with
//! `purpose=batch` and create the job on the file's id; on the inline route, create the job with
//! the prepared lines as its `requests` array.

use serde_json::{json, Map, Value};

use crate::http::{Body, HttpRequest, HttpResponse};
use crate::json_value_text::compact;
use crate::model::BatchStatusResponse;
use crate::providers::common::{http_error, parse_json, string_field};
use crate::providers::{BatchSummary, Step, Submission, SubmissionCheckpoint};
use crate::CoreError;

use super::options::{Route, DEFAULT_TIMEOUT_HOURS};
use super::status::parse_job;

enum State {
    Start,
    Uploading,
    Creating,
}

pub struct MistralSubmission {
    provider: &'static str,
    route: Option<Route>,
    route_name: String,
    upload: HttpRequest,
    /// `POST /v1/batch/jobs`, without its body yet.
    create: HttpRequest,
    /// The create fields other than the input (`input_files` or `requests`).
    job: Map<String, Value>,
    state: State,
    /// The uploaded file, once known (from the upload's answer or a checkpoint).
    file_id: Option<String>,
}

impl MistralSubmission {
    pub fn new(provider: &'static str, summary: &BatchSummary, upload: HttpRequest, create: HttpRequest) -> Self {
        let mut job = Map::new();
        job.insert("endpoint".into(), json!(summary.endpoint.openai_url()));
        if let Some(model) = &summary.model {
            job.insert("model".into(), json!(model));
        }
        if let Some(metadata) = &summary.metadata {
            job.insert("metadata".into(), Value::Object(metadata.clone()));
        }
        job.insert("timeout_hours".into(), json!(summary.timeout_hours.unwrap_or(DEFAULT_TIMEOUT_HOURS)));
        MistralSubmission {
            provider,
            route: Route::from_name(&summary.route),
            route_name: summary.route.clone(),
            upload,
            create,
            job,
            state: State::Start,
            file_id: None,
        }
    }

    /// Continues after `checkpoint`: on the file route, an uploaded file is not uploaded again.
    pub fn resuming_from(mut self, checkpoint: &SubmissionCheckpoint) -> Self {
        self.file_id = checkpoint.file_id.clone();
        self
    }

    fn create_on_file(&self, file_id: String) -> HttpRequest {
        let mut body = self.job.clone();
        body.insert("input_files".into(), json!([file_id]));
        self.create.clone().json(compact(&Value::Object(body)))
    }

    /// The job's fields, then `"requests":[` + the prepared lines joined by commas + `]}`.
    fn create_inline(&self) -> HttpRequest {
        let fields = compact(&Value::Object(self.job.clone()));
        // `fields` is a non-empty JSON object (it always has `endpoint`), so it ends with `}`
        // and the requests can be added as its last member.
        let open = fields.strip_suffix('}').unwrap_or(&fields);
        let mut request = self.create.clone();
        request.headers.push(("content-type".into(), "application/json".into()));
        request.body =
            Body::Payload { prefix: format!("{open},\"requests\":["), suffix: "]}".into(), lines_as_array: true };
        request
    }

    fn created(&self, response: &HttpResponse) -> Result<Step<BatchStatusResponse>, CoreError> {
        if !response.is_success() {
            return Err(http_error(self.provider, response, None));
        }
        Ok(Step::Done(parse_job(self.provider, &parse_json(self.provider, "batch job", response)?)?))
    }
}

impl Submission for MistralSubmission {
    fn next(&mut self, response: Option<HttpResponse>) -> Result<Step<BatchStatusResponse>, CoreError> {
        match (&self.state, response) {
            (State::Start, _) => match self.route {
                Some(Route::File) => {
                    if let Some(file_id) = self.file_id.clone() {
                        self.state = State::Creating;
                        return Ok(Step::Send(self.create_on_file(file_id)));
                    }
                    self.state = State::Uploading;
                    Ok(Step::Send(self.upload.clone()))
                }
                Some(Route::Inline) if self.file_id.is_some() => Err(CoreError::invalid_batch(
                    "checkpoint",
                    "an inline Mistral batch has no uploaded file to resume from",
                )),
                Some(Route::Inline) => {
                    self.state = State::Creating;
                    Ok(Step::Send(self.create_inline()))
                }
                None => Err(CoreError::invalid_batch(
                    "route",
                    format!(
                        "the batch summary names route \"{}\"; Mistral takes \"file\" or \"inline\"",
                        self.route_name
                    ),
                )),
            },
            (State::Uploading, Some(response)) => {
                if !response.is_success() {
                    return Err(http_error(self.provider, &response, None));
                }
                let file = parse_json(self.provider, "file upload", &response)?;
                let file_id = string_field(&file, "id")
                    .ok_or_else(|| CoreError::invalid_response(self.provider, "file upload answer without `id`"))?;
                self.file_id = Some(file_id.clone());
                self.state = State::Creating;
                Ok(Step::Send(self.create_on_file(file_id)))
            }
            (State::Creating, Some(response)) => self.created(&response),
            (_, None) => Err(CoreError::invalid_response(self.provider, "a submission step got no response")),
        }
    }

    fn checkpoint(&self) -> SubmissionCheckpoint {
        SubmissionCheckpoint { file_id: self.file_id.clone() }
    }

    fn creates_batch(&self) -> bool {
        matches!(self.state, State::Creating)
    }
}
