//! One module per provider. Each implements [`BatchApi`]: it prepares the bytes of a batch, describes
//! every HTTP call as an [`HttpRequest`], and reads the provider's answers into unified values.

pub mod common;
pub mod google;
pub mod openai;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[cfg(feature = "tsify")]
use tsify::Tsify;

use crate::http::{HttpRequest, HttpResponse};
use crate::model::{BatchListPage, BatchStatusResponse, ListOptions, UnifiedRequest};
use crate::results::{IdMap, LineDecoder};
use crate::validate::{ValidationOptions, Warning};
use crate::{CoreError, Provider};

/// How to reach a provider. The key only ever lives in request headers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct ClientConfig {
    #[serde(default)]
    pub api_key: String,
    /// Replaces the provider's default base URL (e.g. `http://127.0.0.1:8080/v1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub base_url: Option<String>,
}

impl ClientConfig {
    pub fn base_url_or(&self, default: &str) -> String {
        self.base_url.as_deref().unwrap_or(default).trim_end_matches('/').to_owned()
    }
}

/// Options for preparing a batch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct PrepareOptions {
    #[serde(flatten)]
    pub validation: ValidationOptions,
    /// Batch metadata sent to providers that store it (string values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional, type = "Record<string, string>"))]
    pub metadata: Option<Map<String, Value>>,
    /// Forces how the batch is submitted where a provider offers both routes (Gemini); chosen
    /// from the provider's inline size limit when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub route: Option<SubmitRoute>,
}

/// How a batch reaches the provider: requests in the create call's body, or an uploaded file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "lowercase")]
pub enum SubmitRoute {
    Inline,
    File,
}

impl SubmitRoute {
    /// The value of `BatchSummary.route`.
    pub fn as_str(self) -> &'static str {
        match self {
            SubmitRoute::Inline => "inline",
            SubmitRoute::File => "file",
        }
    }
}

/// An id the provider would refuse, and the id sent in its place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct IdMapping {
    pub custom_id: String,
    pub provider_id: String,
}

/// What was prepared, without the bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct BatchSummary {
    pub provider: Provider,
    pub request_count: usize,
    /// Bytes of the provider JSONL.
    pub bytes: usize,
    /// The model when the batch has one model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub model: Option<String>,
    /// How the batch is submitted, e.g. `file` (upload then create) or `inline`.
    pub route: String,
    pub warnings: Vec<Warning>,
    pub id_map: Vec<IdMapping>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional, type = "Record<string, string>"))]
    pub metadata: Option<Map<String, Value>>,
}

/// A prepared batch: the provider JSONL (one provider request per line) and its summary.
#[derive(Debug, Clone)]
pub struct PreparedBatch {
    pub jsonl: Vec<u8>,
    pub summary: BatchSummary,
}

/// The next thing a multi-step operation needs.
#[derive(Debug)]
pub enum Step<T> {
    Send(HttpRequest),
    Done(T),
}

/// A multi-step submission: each call gets the previous step's response (none on the first call).
pub trait Submission {
    fn next(&mut self, response: Option<HttpResponse>) -> Result<Step<BatchStatusResponse>, CoreError>;
}

/// Where a batch's results are read from.
pub enum ResultSource {
    /// Fetch this and stream its body through the decoder.
    Fetch { request: HttpRequest, decoder: Box<dyn LineDecoder> },
    /// Results already in hand (e.g. inline in the status object), as JSONL.
    Inline { jsonl: Vec<u8>, decoder: Box<dyn LineDecoder> },
}

/// One provider's batch protocol, without I/O.
pub trait BatchApi {
    fn provider(&self) -> Provider;

    /// Validates and converts the requests into the provider's JSONL.
    fn prepare(&self, requests: &[UnifiedRequest], options: &PrepareOptions) -> Result<PreparedBatch, CoreError>;

    /// The steps that submit a prepared batch. The payload bytes are the prepared JSONL.
    fn submit(&self, summary: &BatchSummary) -> Box<dyn Submission>;

    fn status_request(&self, batch_id: &str) -> HttpRequest;
    fn parse_status(&self, batch_id: &str, response: &HttpResponse) -> Result<BatchStatusResponse, CoreError>;

    fn cancel_request(&self, batch_id: &str) -> HttpRequest;
    fn parse_cancel(&self, batch_id: &str, response: &HttpResponse) -> Result<BatchStatusResponse, CoreError>;

    fn list_request(&self, options: &ListOptions) -> HttpRequest;
    fn parse_list(&self, response: &HttpResponse) -> Result<BatchListPage, CoreError>;

    /// Where the results of a finished batch are, from its status.
    fn result_sources(&self, status: &BatchStatusResponse) -> Result<Vec<ResultSource>, CoreError>;

    /// Like [`BatchApi::result_sources`], given the custom ids of the submitted requests in
    /// submission order. A provider whose answers may lack the request's key (Gemini inline
    /// responses) matches them by position with these ids, and only when the counts agree.
    fn result_sources_with_ids(
        &self,
        status: &BatchStatusResponse,
        request_ids: &[String],
    ) -> Result<Vec<ResultSource>, CoreError> {
        let _ = request_ids;
        self.result_sources(status)
    }

    /// The request that deletes a batch record, for providers that have one.
    fn delete_request(&self, batch_id: &str) -> Result<HttpRequest, CoreError> {
        let _ = batch_id;
        Err(CoreError::invalid_batch(
            "batchId",
            format!("{} batches cannot be deleted", self.provider().display_name()),
        ))
    }

    fn parse_delete(&self, batch_id: &str, response: &HttpResponse) -> Result<(), CoreError> {
        if response.is_success() {
            Ok(())
        } else {
            Err(common::http_error(self.provider().name(), response, Some(batch_id)))
        }
    }
}

/// The protocol object for a provider.
pub fn api_for(provider: Provider, config: ClientConfig) -> Result<Box<dyn BatchApi>, CoreError> {
    match provider {
        Provider::OpenAI => Ok(Box::new(openai::OpenAiApi::new(config, openai::Dialect::OpenAi))),
        Provider::Vllm => Ok(Box::new(openai::OpenAiApi::new(config, openai::Dialect::Vllm))),
        Provider::Google => Ok(Box::new(google::GoogleApi::new(config))),
        other => Err(CoreError::invalid_batch(
            "provider",
            format!("{} is not available in this build yet", other.display_name()),
        )),
    }
}

/// Converts and validates without a client (the dry run).
pub fn prepare(
    provider: Provider,
    requests: &[UnifiedRequest],
    options: &PrepareOptions,
) -> Result<PreparedBatch, CoreError> {
    api_for(provider, ClientConfig::default())?.prepare(requests, options)
}

/// The provider-id → caller-id map for a result decoder, when ids were replaced.
pub fn id_map_of(mappings: &[IdMapping]) -> Option<IdMap> {
    if mappings.is_empty() {
        return None;
    }
    Some(mappings.iter().map(|mapping| (mapping.provider_id.clone(), mapping.custom_id.clone())).collect())
}
