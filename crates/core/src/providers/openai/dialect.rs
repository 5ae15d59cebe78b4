//! The servers that speak OpenAI's files + batches protocol, and the few facts in which they differ:
//! default base URL, how the key is sent, the create call's `endpoint` value, and which extra body
//! fields a line may carry. Everything else (upload, create, status, results, cancel, list) is the
//! OpenAI module's, shared.

use crate::Provider;

use crate::Endpoint;

/// OpenAI proper, or a server that speaks its batch protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    OpenAi,
    /// The local sidecar running vLLM, which also takes `top_k`.
    Vllm,
    /// Groq: OpenAI's shapes under `/openai/v1` (endpoints-and-push.md §5.3).
    Groq,
    /// Azure OpenAI Global Batch: OpenAI's object model on a resource endpoint, with `api-key`
    /// or Entra auth and deployment names as models (endpoints-and-push.md §5.1).
    Azure,
    /// Together AI: OpenAI-style lines and batch object, its own upload route and purpose, a
    /// wrapped create answer, uppercase statuses, no metadata (endpoints-and-push.md §5.4).
    Together,
    /// xAI: only its lines are written here (OpenAI-style, for its OpenAI-compatible upload,
    /// §5.2); its batch protocol is `providers::xai`.
    Xai,
}

/// How a dialect sends the caller's credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyHeader {
    /// `authorization: Bearer <key>`.
    Bearer,
    /// `api-key: <key>` (Azure's key header, endpoints-and-push.md §5.1 [AZ-BATCH-REST]).
    ApiKey,
}

impl Dialect {
    pub fn provider(self) -> Provider {
        match self {
            Dialect::OpenAi => Provider::OpenAI,
            Dialect::Vllm => Provider::Vllm,
            Dialect::Groq => Provider::Groq,
            Dialect::Azure => Provider::Azure,
            Dialect::Together => Provider::Together,
            Dialect::Xai => Provider::Xai,
        }
    }

    /// The base URL when none is configured; Azure's depends on the resource (see `azure_base_url`).
    pub fn default_base_url(self) -> Option<&'static str> {
        match self {
            Dialect::OpenAi => Some(super::DEFAULT_BASE_URL),
            Dialect::Vllm => Some("http://127.0.0.1:8765/v1"),
            // "Base `https://api.groq.com/openai/v1`" (endpoints-and-push.md §5.3 [BW-GROQ; GROQ-3P]).
            Dialect::Groq => Some("https://api.groq.com/openai/v1"),
            Dialect::Azure => None,
            // The server of Together's OpenAPI document (togethercomputer/openapi `openapi.yaml`
            // @090263aa, `servers`); the older host `api.together.xyz` (§5.4) serves the same API.
            Dialect::Together => Some("https://api.together.ai/v1"),
            // "Base `https://api.x.ai/v1`" (endpoints-and-push.md §5.2 [BW-XAI]).
            Dialect::Xai => Some("https://api.x.ai/v1"),
        }
    }

    pub fn key_header(self) -> KeyHeader {
        match self {
            Dialect::Azure => KeyHeader::ApiKey,
            _ => KeyHeader::Bearer,
        }
    }

    /// Whether a chat line may carry `top_k` (vLLM's request schema has it, and Together's
    /// `ChatCompletionRequest` in its OpenAPI document).
    pub fn takes_top_k(self) -> bool {
        matches!(self, Dialect::Vllm | Dialect::Together)
    }

    /// The `n` a chat line carries for `candidateCount`: Groq takes only 1 (groq-python
    /// `CompletionCreateParams.n`), so a larger count, refused or left out by validation under
    /// `dropUnsupported`, is not sent.
    pub fn n(self, candidate_count: Option<u32>) -> Option<u32> {
        candidate_count.filter(|count| self != Dialect::Groq || *count == 1)
    }

    /// Whether the output limit is sent as `max_tokens` rather than `max_completion_tokens`:
    /// Together's `ChatCompletionRequest` (its OpenAPI document, togethercomputer/openapi) has
    /// only `max_tokens`, and would ignore the other.
    pub fn sends_max_tokens(self) -> bool {
        self == Dialect::Together
    }

    /// The upload call's path and its form fields besides the file. Together uploads to
    /// `/files/upload` with `purpose=batch-api`, `file_name` (required) and `file_type`
    /// (Together's OpenAPI `POST /files/upload`; purpose per endpoints-and-push.md §5.4). xAI's
    /// OpenAI-compatible upload takes no `purpose` (§5.2 [BW-XAI]).
    pub fn upload(self) -> (&'static str, &'static [(&'static str, &'static str)]) {
        match self {
            Dialect::Together => (
                "/files/upload",
                &[("purpose", "batch-api"), ("file_name", "batch_input.jsonl"), ("file_type", "jsonl")],
            ),
            Dialect::Xai => ("/files", &[]),
            _ => ("/files", &[("purpose", "batch")]),
        }
    }

    /// Whether the create call carries the batch's metadata (Together's `CreateBatchRequest` has
    /// no metadata field: the job tag is not kept there, see `job_tag.rs`).
    pub fn sends_metadata(self) -> bool {
        self != Dialect::Together
    }

    /// The create call's `endpoint`. Azure's create sample writes it without `/v1` while its lines
    /// keep `/v1/chat/completions` (endpoints-and-push.md §5.1 [AZ-BATCH-REST]); Groq's SDK types
    /// it as `/v1/chat/completions` (§5.3 [GROQ-SDK]).
    pub fn create_endpoint(self, endpoint: Endpoint) -> &'static str {
        match self {
            // By analogy with its chat sample (endpoints-and-push.md §5.1): the path without `/v1`.
            Dialect::Azure => &endpoint.openai_url()[3..],
            _ => endpoint.openai_url(),
        }
    }
}

/// Azure's base URL for a resource endpoint (`https://{resource}.openai.azure.com`): the v1 API
/// (`/openai/v1`, no `api-version`) unless a dated API version is asked for, which lives under
/// `/openai` with `?api-version=` on every call (endpoints-and-push.md §5.1 [AZ-V1; AZ-BATCH]).
/// An endpoint given with its `/openai/v1` or `/openai` path (the portal shows the v1 URL) is read
/// as its resource, never doubled into `/openai/v1/openai/v1`.
pub fn azure_base_url(endpoint: &str, api_version: Option<&str>) -> String {
    let endpoint = endpoint.trim_end_matches('/');
    let endpoint = endpoint.strip_suffix("/openai/v1").or_else(|| endpoint.strip_suffix("/openai")).unwrap_or(endpoint);
    match dated_api_version(api_version) {
        None => format!("{endpoint}/openai/v1"),
        Some(_) => format!("{endpoint}/openai"),
    }
}

/// The `api-version` query value, for a dated (legacy) Azure API version; `None` for the v1 API.
pub fn dated_api_version(api_version: Option<&str>) -> Option<&str> {
    api_version.filter(|version| !version.is_empty() && *version != "v1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn azure_uses_the_v1_api_unless_a_dated_version_is_asked_for() {
        assert_eq!(azure_base_url("https://res.openai.azure.com/", None), "https://res.openai.azure.com/openai/v1");
        // The portal's v1 URL, or the /openai path, names the same resource (a new-user trial
        // found it doubled).
        for given in [
            "https://res.openai.azure.com/openai/v1",
            "https://res.openai.azure.com/openai/v1/",
            "https://res.openai.azure.com/openai",
        ] {
            assert_eq!(azure_base_url(given, None), "https://res.openai.azure.com/openai/v1");
            assert_eq!(azure_base_url(given, Some("2024-10-21")), "https://res.openai.azure.com/openai");
        }
        assert_eq!(
            azure_base_url("https://res.openai.azure.com", Some("v1")),
            "https://res.openai.azure.com/openai/v1"
        );
        assert_eq!(
            azure_base_url("https://res.openai.azure.com", Some("2024-10-21")),
            "https://res.openai.azure.com/openai"
        );
        assert_eq!(dated_api_version(Some("2024-10-21")), Some("2024-10-21"));
        assert_eq!(dated_api_version(Some("v1")), None);
    }

    #[test]
    fn only_azure_sends_an_api_key_header_and_a_bare_create_endpoint() {
        assert_eq!(Dialect::Azure.key_header(), KeyHeader::ApiKey);
        assert_eq!(Dialect::Groq.key_header(), KeyHeader::Bearer);
        assert_eq!(Dialect::Azure.create_endpoint(Endpoint::Chat), "/chat/completions");
        assert_eq!(Dialect::Azure.create_endpoint(Endpoint::Responses), "/responses");
        assert_eq!(Dialect::Groq.create_endpoint(Endpoint::Chat), "/v1/chat/completions");
        assert_eq!(Dialect::OpenAi.create_endpoint(Endpoint::Embeddings), "/v1/embeddings");
        assert!(Dialect::Vllm.takes_top_k() && !Dialect::Groq.takes_top_k());
    }
}
