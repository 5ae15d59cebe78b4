//! One table of what each provider accepts: batch limits and request capabilities. Validation,
//! preparation and job planning (`planning.rs`) all read it, so a changed limit is changed here only.

use crate::model::SourceType;
use crate::{Endpoint, Provider};

/// Size limits of one provider batch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchLimits {
    pub max_requests: usize,
    /// Bytes of the uploaded file or request body.
    pub max_bytes: usize,
    /// Whether every request of a batch must use the same model.
    pub one_model_per_batch: bool,
}

/// What a provider's request format can express.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Capabilities {
    pub top_k: bool,
    pub presence_penalty: bool,
    pub frequency_penalty: bool,
    pub temperature_max: f64,
    pub max_stop_sequences: Option<usize>,
    pub image_sources: &'static [SourceType],
    pub document_sources: &'static [SourceType],
    /// Whether assistant turns may carry images or documents.
    pub assistant_media: bool,
    /// Whether, where they may carry media, assistant turns may carry documents.
    pub assistant_documents: bool,
}

const MB: usize = 1_000_000;

pub fn batch_limits(provider: Provider) -> BatchLimits {
    match provider {
        // 50,000 requests and 200 MB per input file (reference §1.8).
        Provider::OpenAI => BatchLimits { max_requests: 50_000, max_bytes: 200 * MB, one_model_per_batch: true },
        // 100,000 requests or 256 MB (reference §2.5; the spec's maxItems says 10,000, see §8).
        Provider::Anthropic => BatchLimits { max_requests: 100_000, max_bytes: 256 * MB, one_model_per_batch: false },
        // A batch is created on one model; input files up to 2 GB (reference §3.7).
        Provider::Google => BatchLimits { max_requests: usize::MAX, max_bytes: 2_000 * MB, one_model_per_batch: true },
        // Files up to 512 MB; one model per job (reference §4.1, §4.7).
        Provider::Mistral => BatchLimits { max_requests: 1_000_000, max_bytes: 512 * MB, one_model_per_batch: true },
        // The sidecar's own upload limit; one vLLM process serves one model.
        Provider::Vllm => BatchLimits { max_requests: usize::MAX, max_bytes: 2_000 * MB, one_model_per_batch: true },
        // Input file ≤ 100 MB (Groq SDK docstring, endpoints-and-push.md §5.3 [GROQ-SDK]). No request
        // count is documented (§10); whether a batch may mix models is not either, so OpenAI's rule
        // is kept: a job is then split by model instead of risking a batch Groq fails.
        Provider::Groq => BatchLimits { max_requests: usize::MAX, max_bytes: 100 * MB, one_model_per_batch: true },
        // ≤ 100,000 requests and 200 MB per file; every line names the same deployment
        // (endpoints-and-push.md §5.1 [AZ-BATCH; AZ-LIMITS; AZ-BATCH-REST]).
        Provider::Azure => BatchLimits { max_requests: 100_000, max_bytes: 200 * MB, one_model_per_batch: true },
        // 50,000 requests and 100 MB per file (endpoints-and-push.md §5.4 [TG-DOCS]); the create
        // call names one `model_id` (Together's OpenAPI `CreateBatchRequest`), so one model a batch.
        Provider::Together => BatchLimits { max_requests: 50_000, max_bytes: 100 * MB, one_model_per_batch: true },
        // No file or request limit is documented beyond "batches > 100,000 requests may be
        // throttled" and 25 MB per add-requests call (§5.2 [XAI-GUIDE-OLD]): the package keeps
        // each batch at 100,000 requests and 25 MB, the sizes xAI states it handles well. Models
        // may mix (each line names its own), but one model per batch keeps pricing per batch simple.
        Provider::Xai => BatchLimits { max_requests: 100_000, max_bytes: 25 * MB, one_model_per_batch: true },
    }
}

const INLINE_OR_URL: &[SourceType] = &[SourceType::Base64, SourceType::Url];
const INLINE_ONLY: &[SourceType] = &[SourceType::Base64];
const INLINE_OR_FILE_URI: &[SourceType] = &[SourceType::Base64, SourceType::FileUri];
const NONE: &[SourceType] = &[];

/// What `provider` can express on `endpoint` with `api_version` (Anthropic's
/// `anthropic-version`): its chat capabilities, except that
/// - an OpenAI Responses body takes a document by URL (`input_file.file_url`, OA-SPEC
///   `InputFileContent`; providers.md §6 notes); Azure's Responses lines are not documented to
///   take one: base64 only;
/// - Anthropic's API version 2026-10-21 refuses document blocks in assistant turns
///   (provider-changes.md C.2 [C7], [C8], [C9]).
pub fn capabilities(provider: Provider, endpoint: Endpoint, api_version: Option<&str>) -> Capabilities {
    let chat = chat_capabilities(provider);
    match (provider, endpoint) {
        (Provider::OpenAI, Endpoint::Responses) => Capabilities { document_sources: INLINE_OR_URL, ..chat },
        (Provider::Anthropic, _) if api_version == Some("2026-10-21") => {
            Capabilities { assistant_documents: false, ..chat }
        }
        _ => chat,
    }
}

fn chat_capabilities(provider: Provider) -> Capabilities {
    match provider {
        // No top_k anywhere in the spec; stop takes at most 4 strings; PDFs only as file data (§6).
        // Azure serves OpenAI's models with OpenAI's request schema (endpoints-and-push.md §5.1).
        Provider::OpenAI | Provider::Azure => Capabilities {
            top_k: false,
            presence_penalty: true,
            frequency_penalty: true,
            temperature_max: 2.0,
            max_stop_sequences: Some(4),
            image_sources: INLINE_OR_URL,
            document_sources: INLINE_ONLY,
            assistant_media: false,
            assistant_documents: false,
        },
        // No penalties; temperature 0–1 (§6).
        Provider::Anthropic => Capabilities {
            top_k: true,
            presence_penalty: false,
            frequency_penalty: false,
            temperature_max: 1.0,
            max_stop_sequences: None,
            image_sources: INLINE_OR_URL,
            document_sources: INLINE_OR_URL,
            assistant_media: true,
            assistant_documents: true,
        },
        // stopSequences at most 5. Media only as inline bytes or a Files API URI: a batch request has
        // no URL part, and HTTPS `fileUri` support in batches is unconfirmed (§6, §3.7, §10). A plain
        // URL must be downloaded and sent as base64 before it reaches the core.
        Provider::Google => Capabilities {
            top_k: true,
            presence_penalty: true,
            frequency_penalty: true,
            temperature_max: 2.0,
            max_stop_sequences: Some(5),
            image_sources: INLINE_OR_FILE_URI,
            document_sources: INLINE_OR_FILE_URI,
            assistant_media: true,
            assistant_documents: true,
        },
        // No top_k; temperature 0–1.5 (§6).
        Provider::Mistral => Capabilities {
            top_k: false,
            presence_penalty: true,
            frequency_penalty: true,
            temperature_max: 1.5,
            max_stop_sequences: None,
            image_sources: INLINE_OR_URL,
            document_sources: &[SourceType::Url],
            assistant_media: false,
            assistant_documents: false,
        },
        // vLLM's chat request takes top_k; no file/PDF part type (§5, §6).
        Provider::Vllm => Capabilities {
            top_k: true,
            presence_penalty: true,
            frequency_penalty: true,
            temperature_max: 2.0,
            max_stop_sequences: None,
            image_sources: INLINE_OR_URL,
            document_sources: NONE,
            assistant_media: false,
            assistant_documents: false,
        },
        // OpenAI's chat body (endpoints-and-push.md §5.3: "OpenAI shapes"). The reference names no
        // document (`file`) part for Groq, so documents are refused rather than sent on a guess.
        Provider::Groq => Capabilities {
            top_k: false,
            presence_penalty: true,
            frequency_penalty: true,
            temperature_max: 2.0,
            max_stop_sequences: Some(4),
            image_sources: INLINE_OR_URL,
            document_sources: NONE,
            assistant_media: false,
            assistant_documents: false,
        },
        // OpenAI-style chat bodies for open models (endpoints-and-push.md §5.4); their servers take
        // `top_k` (Together's chat schema lists it, openapi.yaml `ChatCompletionRequest`). No
        // document part is named, so documents are refused; stop sequences are not capped there.
        Provider::Together => Capabilities {
            top_k: true,
            presence_penalty: true,
            frequency_penalty: true,
            temperature_max: 2.0,
            max_stop_sequences: None,
            image_sources: INLINE_OR_URL,
            document_sources: NONE,
            assistant_media: false,
            assistant_documents: false,
        },
        // xAI's chat completion body is OpenAI's (`chat_get_completion` carries it, §5.2); no
        // document part is named, so documents are refused.
        Provider::Xai => Capabilities {
            top_k: false,
            presence_penalty: true,
            frequency_penalty: true,
            temperature_max: 2.0,
            max_stop_sequences: Some(4),
            image_sources: INLINE_OR_URL,
            document_sources: NONE,
            assistant_media: false,
            assistant_documents: false,
        },
    }
}

/// Limits of the inline route, for providers whose create call can carry the requests in its body
/// as an alternative to an uploaded file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InlineLimits {
    /// Bytes of the whole create body; a batch must stay strictly below.
    pub max_body_bytes: usize,
    /// Requests in one inline create call.
    pub max_requests: usize,
}

pub fn inline_limits(provider: Provider) -> Option<InlineLimits> {
    match provider {
        // "total request size under 20MB" (reference §3.7); counted in decimal megabytes, the
        // smaller reading.
        Provider::Google => Some(InlineLimits { max_body_bytes: 20 * MB, max_requests: usize::MAX }),
        // "fewer than 10,000" requests inline; no byte limit is documented (reference §4.3, §4.7).
        Provider::Mistral => Some(InlineLimits {
            max_body_bytes: usize::MAX,
            max_requests: crate::providers::mistral::INLINE_MAX_REQUESTS,
        }),
        // Anthropic is inline only (its limit is `batch_limits`); the OpenAI protocol takes files only.
        Provider::OpenAI | Provider::Anthropic | Provider::Vllm | Provider::Groq | Provider::Azure => None,
        Provider::Together | Provider::Xai => None,
    }
}

/// How a provider takes a batch's requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Routes {
    /// Only inside the create call; `batch_limits` is then the create body's limit (Anthropic).
    InlineOnly,
    /// Only as an uploaded file (OpenAI, vLLM).
    FileOnly,
    /// Either; `inline_limits` holds the inline route's limits (Gemini, Mistral).
    Both,
}

pub fn routes(provider: Provider) -> Routes {
    match provider {
        Provider::Anthropic => Routes::InlineOnly,
        Provider::OpenAI | Provider::Vllm | Provider::Groq | Provider::Azure => Routes::FileOnly,
        Provider::Together | Provider::Xai => Routes::FileOnly,
        Provider::Google | Provider::Mistral => Routes::Both,
    }
}
