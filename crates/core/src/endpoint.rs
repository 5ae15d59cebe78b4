//! Which API a batch calls: chat (the default), OpenAI's Responses, or embeddings; which providers
//! offer each in their batch API, and the limits that only embedding batches have.
//!
//! Facts (endpoints-and-push.md §0, §1, §2): OpenAI takes all three (`/v1/chat/completions`,
//! `/v1/responses`, `/v1/embeddings`); Azure OpenAI takes `/v1/responses` lines [AZ-BATCH-REST] but
//! its FAQ says embeddings are not supported for batch [AZ-BATCH] (§8: disputed, so refused here);
//! Gemini (`asyncBatchEmbedContent`), Mistral and vLLM `run-batch` take embeddings; Anthropic and
//! Groq take chat only.

use serde::{Deserialize, Serialize};

#[cfg(feature = "tsify")]
use tsify::Tsify;

use crate::{CoreError, Provider};

/// The API every request of a batch goes to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "lowercase")]
pub enum Endpoint {
    /// Chat completions (each provider's own chat API).
    #[default]
    Chat,
    /// OpenAI's Responses API (`/v1/responses`): the same unified chat requests, sent as Responses bodies.
    Responses,
    /// Embeddings: requests carry `input` (one text or several) instead of messages.
    Embeddings,
}

impl Endpoint {
    pub const ALL: [Endpoint; 3] = [Endpoint::Chat, Endpoint::Responses, Endpoint::Embeddings];

    /// The name in `UnifiedBatchMetadata.endpoint` and `--endpoint`.
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Chat => "chat",
            Endpoint::Responses => "responses",
            Endpoint::Embeddings => "embeddings",
        }
    }

    /// The `url` of an OpenAI-protocol batch line (OpenAI, vLLM, Azure, Groq, Mistral's `endpoint`).
    pub fn openai_url(self) -> &'static str {
        match self {
            Endpoint::Chat => "/v1/chat/completions",
            Endpoint::Responses => "/v1/responses",
            Endpoint::Embeddings => "/v1/embeddings",
        }
    }

    /// The endpoint of an OpenAI-protocol `url` or create `endpoint` (with or without `/v1`).
    pub fn from_openai_url(url: &str) -> Option<Endpoint> {
        let path = url.strip_prefix("/v1").unwrap_or(url);
        Endpoint::ALL.into_iter().find(|endpoint| &endpoint.openai_url()[3..] == path)
    }

    pub fn from_name(name: &str) -> Result<Endpoint, CoreError> {
        Endpoint::ALL.into_iter().find(|endpoint| endpoint.name() == name).ok_or_else(|| {
            CoreError::invalid_batch(
                "endpoint",
                format!("unknown endpoint \"{name}\"; expected chat, responses or embeddings"),
            )
        })
    }
}

/// The endpoints `provider`'s batch API offers.
pub fn endpoints_of(provider: Provider) -> &'static [Endpoint] {
    match provider {
        Provider::OpenAI => &Endpoint::ALL,
        Provider::Azure => &[Endpoint::Chat, Endpoint::Responses],
        Provider::Google | Provider::Mistral | Provider::Vllm => &[Endpoint::Chat, Endpoint::Embeddings],
        _ => &[Endpoint::Chat],
    }
}

/// Refuses an endpoint the provider's batch API lacks, before anything is prepared or sent.
pub fn check_supported(provider: Provider, endpoint: Endpoint) -> Result<(), CoreError> {
    let offered = endpoints_of(provider);
    if offered.contains(&endpoint) {
        return Ok(());
    }
    let names: Vec<&str> = offered.iter().map(|endpoint| endpoint.name()).collect();
    Err(CoreError::invalid_batch(
        "endpoint",
        format!(
            "{} batches do not offer the {} endpoint (they take: {})",
            provider.display_name(),
            endpoint.name(),
            names.join(", ")
        ),
    ))
}

/// At most this many embedding inputs (array elements, not lines) in one batch: OpenAI limits
/// `/v1/embeddings` batches to 50,000 inputs summed across all requests (endpoints-and-push.md §1.1
/// [OA-SPEC `CreateBatchRequest.endpoint`]). `None`: no such limit is documented.
pub fn max_embedding_inputs_per_batch(provider: Provider) -> Option<usize> {
    match provider {
        Provider::OpenAI => Some(50_000),
        _ => None,
    }
}

/// At most this many inputs in one embeddings request: OpenAI arrays take ≤ 2,048 items
/// (§1.1 [OA-SPEC `CreateEmbeddingRequest.input`]). Gemini takes one `content` per request (§1.2
/// [GM-SPEC `EmbedContentRequest`]), so a request of several texts is sent as one line per text
/// and merged back (`providers::google::fan_out`): no limit here.
pub fn max_inputs_per_request(provider: Provider) -> Option<usize> {
    match provider {
        Provider::OpenAI => Some(2_048),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_urls_round_trip() {
        for endpoint in Endpoint::ALL {
            assert_eq!(Endpoint::from_name(endpoint.name()).unwrap(), endpoint);
            assert_eq!(Endpoint::from_openai_url(endpoint.openai_url()), Some(endpoint));
            assert_eq!(serde_json::to_value(endpoint).unwrap(), endpoint.name());
        }
        assert_eq!(Endpoint::from_openai_url("/chat/completions"), Some(Endpoint::Chat));
        assert_eq!(Endpoint::from_openai_url("/v1/moderations"), None);
        assert!(Endpoint::from_name("completions").unwrap_err().to_string().contains("unknown endpoint"));
    }

    #[test]
    fn a_provider_without_the_endpoint_refuses_it_by_name() {
        let error = check_supported(Provider::Anthropic, Endpoint::Embeddings).unwrap_err().to_string();
        assert!(error.contains("embeddings") && error.contains("chat"), "{error}");
        assert!(check_supported(Provider::Azure, Endpoint::Embeddings).is_err());
        assert!(check_supported(Provider::Groq, Endpoint::Responses).is_err());
        assert!(check_supported(Provider::Google, Endpoint::Responses).is_err());
        for provider in [Provider::OpenAI, Provider::Google, Provider::Mistral, Provider::Vllm] {
            assert!(check_supported(provider, Endpoint::Embeddings).is_ok(), "{provider:?}");
        }
        assert!(check_supported(Provider::Azure, Endpoint::Responses).is_ok());
        for provider in Provider::ALL {
            assert!(check_supported(provider, Endpoint::Chat).is_ok());
        }
    }
}
