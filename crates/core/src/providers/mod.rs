//! One module per provider. Each implements [`BatchApi`]: it prepares the bytes of a batch, describes
//! every HTTP call as an [`HttpRequest`], and reads the provider's answers into unified values.

pub(crate) mod answer_fields;
pub mod anthropic;
pub mod common;
pub(crate) mod exact_json;
pub mod google;
pub(crate) mod json_scan;
pub(crate) mod json_text;
pub(crate) mod lone_surrogates;
pub mod mistral;
pub mod openai;
pub mod output_check;
#[cfg(test)]
mod scan_test_support;
pub mod xai;

#[cfg(test)]
mod prepare_options_tests;
#[cfg(test)]
mod result_kinds_tests;
#[cfg(test)]
mod resume_tests;
#[cfg(test)]
mod unkept_metadata_tests;

use std::borrow::Cow;
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[cfg(feature = "tsify")]
use tsify::Tsify;

use crate::http::{HttpRequest, HttpResponse};
use crate::model::{BatchListPage, BatchStatusResponse, ListOptions, UnifiedRequest};
use crate::results::{IdMap, IdRestoringDecoder, LineDecoder};
use crate::validate::{ValidationOptions, Warning};
use crate::{CoreError, Endpoint, Provider};
use output_check::OutputCheck;

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
    /// Azure OpenAI's resource endpoint, `https://{resource}.openai.azure.com`; the base URL is
    /// derived from it (and `api_version`) unless `base_url` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub endpoint: Option<String>,
    /// The provider's API version. Azure OpenAI: `v1` (the default) or a dated one such as
    /// `2024-10-21`, sent as `?api-version=` on every call. Anthropic: the `anthropic-version`
    /// header, `2023-06-01` (the default) or `2026-10-21` (give the same value to validation's
    /// `apiVersion`, so that the version's model rules are checked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub api_version: Option<String>,
    /// A bearer token (Azure: a Microsoft Entra ID token) sent instead of the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub bearer_token: Option<String>,
}

impl ClientConfig {
    pub fn base_url_or(&self, default: &str) -> String {
        self.base_url.as_deref().unwrap_or(default).trim_end_matches('/').to_owned()
    }
}

/// Options for preparing a batch.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct PrepareOptions {
    #[serde(flatten)]
    pub validation: ValidationOptions,
    /// The API the batch calls: `chat` when absent. A provider without it refuses the batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub endpoint: Option<Endpoint>,
    /// Batch metadata sent to providers that store it (string values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional, type = "Record<string, string>"))]
    pub metadata: Option<Map<String, Value>>,
    /// Forces how the batch is submitted where a provider offers both routes: `file` (upload, then
    /// create) or `inline` (the requests in the create call). Gemini and Mistral use `file` unless
    /// `inline` is asked for (Gemini's file lines carry each request's key; its inline answers may
    /// not); providers with a single route ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub route: Option<SubmitRoute>,
    /// Hours the provider may spend on the batch, where it can be chosen (Mistral: 1–168,
    /// default 24). Providers with a fixed window ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub timeout_hours: Option<u32>,
    /// Gemini's per-job webhook (Developer API): sent as the create body's `batch.webhookConfig`.
    /// Other providers take no per-batch webhook and refuse it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub webhook_config: Option<WebhookConfig>,
}

/// The fields of [`PrepareOptions`] as they are read, [`ValidationOptions`]' among them. A field
/// added to either struct is added here too (`prepare_options_read_back` fails until it is).
#[derive(Deserialize)]
#[serde(expecting = "struct PrepareOptions", rename_all = "camelCase")]
struct PrepareOptionFields {
    #[serde(default)]
    drop_unsupported: bool,
    #[serde(default)]
    api_version: Option<String>,
    #[serde(default)]
    custom_base_url: bool,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    endpoint: Option<Endpoint>,
    #[serde(default)]
    metadata: Option<Map<String, Value>>,
    #[serde(default)]
    route: Option<SubmitRoute>,
    #[serde(default)]
    timeout_hours: Option<u32>,
    #[serde(default)]
    webhook_config: Option<WebhookConfig>,
    #[serde(default)]
    vllm_args: Option<String>,
}

// Read through the flat field list: serde's `flatten` would buffer every value and read it a
// second way, which cost the wasm module 10 KB.
impl<'de> Deserialize<'de> for PrepareOptions {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let fields = PrepareOptionFields::deserialize(deserializer)?;
        Ok(PrepareOptions {
            validation: ValidationOptions {
                drop_unsupported: fields.drop_unsupported,
                api_version: fields.api_version,
                custom_base_url: fields.custom_base_url,
                model: fields.model,
                vllm_args: fields.vllm_args,
            },
            endpoint: fields.endpoint,
            metadata: fields.metadata,
            route: fields.route,
            timeout_hours: fields.timeout_hours,
            webhook_config: fields.webhook_config,
        })
    }
}

/// Gemini's per-job (dynamic) webhook, as the create body's `batch.webhookConfig`: the endpoints
/// notified when the batch ends, and metadata echoed to them. Deliveries are signed with an RS256
/// JWT (verify them with `verifyWebhook`'s `jwt` option). Not in the stored 2025-12 spec; shape as
/// sent by Google's JS SDK (endpoints-and-push.md §3.3 [GM-JS `types.ts` `WebhookConfig`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct WebhookConfig {
    /// The endpoints (URLs) to notify; at least one.
    pub uris: Vec<String>,
    /// Sent back with each delivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional, type = "Record<string, unknown>"))]
    pub user_metadata: Option<Map<String, Value>>,
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

    pub fn from_name(name: &str) -> Option<SubmitRoute> {
        match name {
            "inline" => Some(SubmitRoute::Inline),
            "file" => Some(SubmitRoute::File),
            _ => None,
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
    /// Notes that are not warnings: models the model-rules table does not know (only the
    /// provider's own rules were checked for them).
    #[serde(default)]
    pub notes: Vec<String>,
    /// Which requests asked for JSON (`responseFormat`): their answers get `parsed` when results are
    /// read with this summary.
    #[serde(default)]
    pub json_answers: crate::structured_output::JsonAnswers,
    /// An embeddings batch's input count per request (by the id sent), so that results are read
    /// as one vector per input: an answer with another count is an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional, type = "Record<string, number>"))]
    pub embedding_inputs: Option<crate::results::EmbeddingInputs>,
    pub id_map: Vec<IdMapping>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional, type = "Record<string, string>"))]
    pub metadata: Option<Map<String, Value>>,
    /// The processing window the submission asks for, where the provider takes one (Mistral).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub timeout_hours: Option<u32>,
    /// Gemini's per-job webhook the create call asks for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub webhook_config: Option<WebhookConfig>,
    /// The API the batch calls (`chat` in summaries written before endpoints existed).
    #[serde(default)]
    pub endpoint: Endpoint,
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

    /// What the submission has done so far that must not be done again: a submission resumed from
    /// it ([`BatchApi::resume_submission`]) starts after it.
    fn checkpoint(&self) -> SubmissionCheckpoint {
        SubmissionCheckpoint::default()
    }

    /// Whether the request `next` handed out last creates the batch. When such a request got no
    /// clear answer the batch may exist, so the caller looks for it before creating again. The
    /// default is the cautious answer.
    fn creates_batch(&self) -> bool {
        true
    }
}

/// The part of a submission that survives a restart: once the input file is uploaded and named, a
/// resumed submission creates the batch on it instead of uploading again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct SubmissionCheckpoint {
    /// The uploaded input file: an OpenAI, vLLM or Mistral file id, or Gemini's `files/…` name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub file_id: Option<String>,
}

/// A submission that can only fail, for a checkpoint a provider cannot resume from.
struct FailedSubmission(Option<CoreError>);

impl Submission for FailedSubmission {
    fn next(&mut self, _response: Option<HttpResponse>) -> Result<Step<BatchStatusResponse>, CoreError> {
        Err(self.0.take().unwrap_or_else(|| CoreError::invalid_batch("checkpoint", "the submission has failed")))
    }
}

/// Where a batch's results are read from.
pub enum ResultSource {
    /// Fetch this and stream its body through the decoder.
    Fetch { request: HttpRequest, decoder: Box<dyn LineDecoder> },
    /// Results already in hand (e.g. inline in the status object), as JSONL.
    Inline { jsonl: Vec<u8>, decoder: Box<dyn LineDecoder> },
    /// Results listed page by page (xAI): fetch `request`, let `pages` turn the answer into JSONL
    /// and the request for the next page, feed the JSONL to the decoder, and go on until no next
    /// page is named. All pages are one source (one result file).
    Paged { request: HttpRequest, decoder: Box<dyn LineDecoder>, pages: Rc<dyn ResultPages> },
}

/// Reads one page of a paginated result listing.
pub trait ResultPages {
    /// The page's results as JSONL (one provider result per line, as the provider wrote it) and
    /// the request for the next page, if there is one. A failed answer is the provider's error.
    fn read_page(&self, response: &HttpResponse) -> Result<(Vec<u8>, Option<HttpRequest>), CoreError>;
}

impl ResultSource {
    /// The same source, with a decoder that gives results back under the caller's ids.
    pub fn restoring_ids(self, id_map: Rc<IdMap>) -> Self {
        let wrap = |decoder| Box::new(IdRestoringDecoder::new(decoder, id_map)) as Box<dyn LineDecoder>;
        match self {
            ResultSource::Fetch { request, decoder } => ResultSource::Fetch { request, decoder: wrap(decoder) },
            ResultSource::Inline { jsonl, decoder } => ResultSource::Inline { jsonl, decoder: wrap(decoder) },
            ResultSource::Paged { request, decoder, pages } => {
                ResultSource::Paged { request, decoder: wrap(decoder), pages }
            }
        }
    }

    /// Tells the decoder the endpoint the batch was made for ([`LineDecoder::expect_endpoint`]).
    pub fn expect_endpoint(&mut self, endpoint: Endpoint) {
        let (ResultSource::Fetch { decoder, .. }
        | ResultSource::Inline { decoder, .. }
        | ResultSource::Paged { decoder, .. }) = self;
        decoder.expect_endpoint(endpoint);
    }
}

/// One provider's batch protocol, without I/O.
pub trait BatchApi {
    fn provider(&self) -> Provider;

    /// Validates and converts the requests into the provider's JSONL.
    fn prepare(&self, requests: &[UnifiedRequest], options: &PrepareOptions) -> Result<PreparedBatch, CoreError> {
        self.prepare_requests(Cow::Borrowed(requests), options)
    }

    /// [`BatchApi::prepare`] of borrowed or owned requests. Checking may change requests (each
    /// one's model for the provider, settings left out under `dropUnsupported`): owned requests are
    /// changed in place, borrowed ones are copied first — the whole batch, base64 data included.
    fn prepare_requests(
        &self,
        requests: Cow<'_, [UnifiedRequest]>,
        options: &PrepareOptions,
    ) -> Result<PreparedBatch, CoreError>;

    /// The steps that submit a prepared batch. The payload bytes are the prepared JSONL.
    fn submit(&self, summary: &BatchSummary) -> Box<dyn Submission>;

    /// The batch id as this provider's statuses spell it, for an id a caller may write in another
    /// accepted form (Gemini: a bare id is `batches/{id}`). Callers key what they store about a
    /// batch by it, so that both forms find the same records.
    fn canonical_batch_id(&self, batch_id: &str) -> String {
        batch_id.to_owned()
    }

    /// The steps that are left of a submission that reached `checkpoint` (the same batch, prepared
    /// again): with a file id, the batch is created on that file without uploading again.
    /// Providers without an upload step only resume from an empty checkpoint.
    fn resume_submission(&self, summary: &BatchSummary, checkpoint: &SubmissionCheckpoint) -> Box<dyn Submission> {
        match &checkpoint.file_id {
            None => self.submit(summary),
            Some(_) => Box::new(FailedSubmission(Some(CoreError::invalid_batch(
                "checkpoint",
                format!("{} batches are not submitted from an uploaded file", self.provider().display_name()),
            )))),
        }
    }

    fn status_request(&self, batch_id: &str) -> HttpRequest;
    fn parse_status(&self, batch_id: &str, response: &HttpResponse) -> Result<BatchStatusResponse, CoreError>;

    fn cancel_request(&self, batch_id: &str) -> HttpRequest;
    fn parse_cancel(&self, batch_id: &str, response: &HttpResponse) -> Result<BatchStatusResponse, CoreError>;

    fn list_request(&self, options: &ListOptions) -> HttpRequest;
    fn parse_list(&self, response: &HttpResponse) -> Result<BatchListPage, CoreError>;

    /// Reads a list answer together with the options it was requested with. Executors call this
    /// one: providers that page by number (Mistral) need the requested page to name the next.
    fn parse_list_page(&self, options: &ListOptions, response: &HttpResponse) -> Result<BatchListPage, CoreError> {
        let _ = options;
        self.parse_list(response)
    }

    /// A second status read some finished batches need before [`BatchApi::result_sources`] can
    /// find their results (Mistral: a job that names no result file carries its results only when
    /// read with `?inline=true`). Executors read it, parse it with [`BatchApi::parse_status`] and
    /// locate the results from that status. `None` for most batches.
    fn results_status_request(&self, status: &BatchStatusResponse) -> Option<HttpRequest> {
        let _ = status;
        None
    }

    /// The check that a read of a finished batch's results found some when its status counts
    /// answers (`output_check.rs`); `None` when the status promises none.
    fn output_check(&self, status: &BatchStatusResponse) -> Option<OutputCheck> {
        OutputCheck::of(self.provider().name(), status)
    }

    /// Where the results of a finished batch are, from its status.
    fn result_sources(&self, status: &BatchStatusResponse) -> Result<Vec<ResultSource>, CoreError>;

    /// [`BatchApi::result_sources`] for a batch whose ids were replaced at preparation
    /// (`BatchSummary.id_map`, as [`id_map_of`] makes it): the decoders give every result back under
    /// the caller's own id. A caller that only has the batch id (not the summary) passes the id map it
    /// stored. Provider ids never equal a caller's id in the same batch, so a [`ResultDecoder`] given
    /// the same map afterwards changes nothing.
    ///
    /// [`ResultDecoder`]: crate::results::ResultDecoder
    fn result_sources_with_ids(
        &self,
        status: &BatchStatusResponse,
        id_map: Option<IdMap>,
    ) -> Result<Vec<ResultSource>, CoreError> {
        let sources = self.result_sources(status)?;
        Ok(match id_map {
            None => sources,
            Some(id_map) => {
                let id_map = Rc::new(id_map);
                sources.into_iter().map(|source| source.restoring_ids(Rc::clone(&id_map))).collect()
            }
        })
    }

    /// Like [`BatchApi::result_sources`], given the custom ids of the submitted requests in
    /// submission order. A provider whose answers may lack the request's key (Gemini inline
    /// responses) matches them by position with these ids, and only when the counts agree.
    fn result_sources_in_order(
        &self,
        status: &BatchStatusResponse,
        request_ids: &[String],
    ) -> Result<Vec<ResultSource>, CoreError> {
        let _ = request_ids;
        self.result_sources(status)
    }

    /// Deletes a finished batch. Providers without a delete call answer with a validation error.
    fn delete_request(&self, _batch_id: &str) -> Result<HttpRequest, CoreError> {
        Err(operation_not_supported(self.provider(), "deleting a batch"))
    }

    /// A success with an empty body or a JSON one (Gemini's `Empty` is `{}`); any other body (an
    /// HTML page from a proxy) is not an answer of the API, so nothing is known to be deleted.
    fn parse_delete(&self, batch_id: &str, response: &HttpResponse) -> Result<(), CoreError> {
        if !response.is_success() {
            return Err(common::http_error(self.provider().name(), response, Some(batch_id)));
        }
        if !response.body.trim().is_empty() {
            common::parse_json(self.provider().name(), "batch deletion", response)?;
        }
        Ok(())
    }
}

/// The error for a lifecycle call the provider's API does not have.
pub fn operation_not_supported(provider: Provider, operation: &str) -> CoreError {
    CoreError::invalid_batch(
        "operation",
        format!("{operation} is not supported by the {} API", provider.display_name()),
    )
}

/// The protocol object for a provider.
pub fn api_for(provider: Provider, config: ClientConfig) -> Result<Box<dyn BatchApi>, CoreError> {
    // Every provider has a module; the Result stays for configuration checks a provider may need.
    match provider {
        Provider::OpenAI => Ok(Box::new(openai::OpenAiApi::new(config, openai::Dialect::OpenAi)?)),
        Provider::Vllm => Ok(Box::new(openai::OpenAiApi::new(config, openai::Dialect::Vllm)?)),
        Provider::Groq => Ok(Box::new(openai::OpenAiApi::new(config, openai::Dialect::Groq)?)),
        Provider::Azure => Ok(Box::new(openai::OpenAiApi::new(config, openai::Dialect::Azure)?)),
        Provider::Together => Ok(Box::new(openai::OpenAiApi::new(config, openai::Dialect::Together)?)),
        Provider::Xai => Ok(Box::new(xai::XaiApi::new(config))),
        Provider::Anthropic => Ok(Box::new(anthropic::AnthropicApi::new(config))),
        Provider::Mistral => Ok(Box::new(mistral::MistralApi::new(config))),
        Provider::Google => Ok(Box::new(google::GoogleApi::new(config))),
    }
}

/// Converts and validates without a client (the dry run).
///
/// `requests` may be borrowed or owned (a `Vec`): owned requests are changed in place where
/// checking changes them, instead of copying the whole batch (see [`BatchApi::prepare_requests`]).
pub fn prepare<'a>(
    provider: Provider,
    requests: impl Into<Cow<'a, [UnifiedRequest]>>,
    options: &PrepareOptions,
) -> Result<PreparedBatch, CoreError> {
    crate::endpoint::check_supported(provider, options.endpoint.unwrap_or_default())?;
    if options.webhook_config.is_some() && provider != Provider::Google {
        return Err(CoreError::invalid_batch(
            "webhookConfig",
            format!(
                "{} takes no per-batch webhook: webhookConfig is Gemini's (Developer API) only",
                provider.display_name()
            ),
        ));
    }
    let mut prepared = preparation_api(provider)?.prepare_requests(requests.into(), options);
    if let (Ok(prepared), Some(note)) = (&mut prepared, unkept_metadata_note(provider, options.metadata.as_ref())) {
        prepared.summary.notes.push(note);
    }
    prepared
}

/// A note naming the batch metadata keys `provider`'s batches have no place for (they are not
/// sent): Anthropic and Together AI batches keep none, Gemini keeps `displayName` (its display
/// name) and xAI `name` (reference §3.1, endpoints-and-push.md §5.4). The job tag is the
/// package's own, kept elsewhere (`job_tag.rs`), and never named.
#[inline(never)]
pub fn unkept_metadata_note(provider: Provider, metadata: Option<&Map<String, Value>>) -> Option<String> {
    let kept = match provider {
        Provider::Anthropic | Provider::Together => "",
        Provider::Google => "displayName",
        Provider::Xai => "name",
        _ => return None,
    };
    let mut unkept = String::new();
    let mut count = 0;
    for key in metadata?.keys() {
        if key != crate::job_tag::JOB_TAG_KEY && key != kept {
            if count > 0 {
                unkept.push_str(", ");
            }
            unkept.push_str(key);
            count += 1;
        }
    }
    if count == 0 {
        return None;
    }
    let place = if kept.is_empty() { "no metadata".to_owned() } else { format!("only metadata.{kept}") };
    let verb = if count == 1 { "was" } else { "were" };
    Some(format!("metadata: {} batches keep {place}, so {unkept} {verb} not sent", provider.display_name()))
}

/// The protocol object for converting and planning only, without a client configuration.
pub fn preparation_api(provider: Provider) -> Result<Box<dyn BatchApi>, CoreError> {
    // Conversion never reaches the network; a placeholder endpoint lets providers that are
    // addressed by resource (Azure) be built without one.
    let config = ClientConfig { endpoint: Some("https://resource.invalid".into()), ..ClientConfig::default() };
    api_for(provider, config)
}

/// The provider-id → caller-id map for a result decoder, when ids were replaced.
pub fn id_map_of(mappings: &[IdMapping]) -> Option<IdMap> {
    if mappings.is_empty() {
        return None;
    }
    Some(mappings.iter().map(|mapping| (mapping.provider_id.clone(), mapping.custom_id.clone())).collect())
}
