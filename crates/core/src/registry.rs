//! One registry of providers: names and aliases, the environment variables a client reads, and the
//! shape of each provider's batch ids. The router, the CLI and the docs read it (the wasm crate
//! exports it as `providerRegistry()`), so a new provider is added here and in its module only.

use serde::Serialize;

#[cfg(feature = "tsify")]
use tsify::Tsify;

use crate::Provider;

/// How a provider's batch ids look, where that is distinctive enough to tell the provider from an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchIdShape {
    /// Ids start with this text.
    Prefix(&'static str),
    /// Ids are this text followed by a UUID (more specific than a [`BatchIdShape::Prefix`] of the
    /// same text, which it takes precedence over).
    PrefixedUuid(&'static str),
    /// Ids are bare UUIDs.
    Uuid,
}

impl BatchIdShape {
    pub fn matches(self, batch_id: &str) -> bool {
        match self {
            BatchIdShape::Prefix(prefix) => batch_id.starts_with(prefix),
            BatchIdShape::PrefixedUuid(prefix) => batch_id.strip_prefix(prefix).is_some_and(is_uuid),
            BatchIdShape::Uuid => is_uuid(batch_id),
        }
    }

    /// The shape as the docs write it.
    pub fn describe(self) -> String {
        match self {
            BatchIdShape::Prefix(prefix) => format!("{prefix}…"),
            BatchIdShape::PrefixedUuid(prefix) => format!("{prefix}<UUID>"),
            BatchIdShape::Uuid => "a UUID".to_owned(),
        }
    }
}

fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(group, length)| {
            group.len() == length && group.chars().all(|character| character.is_ascii_hexdigit())
        })
}

/// What the package needs to know about a provider besides its protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderInfo {
    /// The name in `UnifiedBatchMetadata.provider`, `--provider`, file paths and errors.
    pub name: &'static str,
    /// The name for people.
    pub display_name: &'static str,
    /// Other names accepted for it (lower case).
    pub aliases: &'static [&'static str],
    /// The TypeScript class that speaks to it.
    pub class_name: &'static str,
    /// Environment variables holding the key, first match wins.
    pub key_variables: &'static [&'static str],
    /// Environment variable holding a base URL override.
    pub base_url_variable: Option<&'static str>,
    /// Environment variable holding the resource endpoint, for providers addressed by resource (Azure).
    pub endpoint_variable: Option<&'static str>,
    /// Environment variable holding an API version, for providers with dated versions (Azure).
    pub api_version_variable: Option<&'static str>,
    /// Whether a key (or token) is needed when no custom base URL is given.
    pub requires_key: bool,
    /// The shape of its batch ids, when it is distinctive: ids are only inferred from these.
    pub batch_id_shape: Option<BatchIdShape>,
    /// The provider its batch ids look like, so that such an id is inferred as that provider's
    /// (the CLI then says so, and suggests `--provider`).
    pub batch_ids_like: Option<Provider>,
}

pub fn info(provider: Provider) -> ProviderInfo {
    let base = ProviderInfo {
        name: "",
        display_name: "",
        aliases: &[],
        class_name: "",
        key_variables: &[],
        base_url_variable: None,
        endpoint_variable: None,
        api_version_variable: None,
        requires_key: true,
        batch_id_shape: None,
        batch_ids_like: None,
    };
    match provider {
        // Batch ids `batch_…` (providers.md §1.4).
        Provider::OpenAI => ProviderInfo {
            name: "openai",
            display_name: "OpenAI",
            class_name: "OpenAIProvider",
            key_variables: &["OPENAI_API_KEY"],
            base_url_variable: Some("OPENAI_BASE_URL"),
            batch_id_shape: Some(BatchIdShape::Prefix("batch_")),
            ..base
        },
        // Batch ids `msgbatch_…` (providers.md §2).
        Provider::Anthropic => ProviderInfo {
            name: "anthropic",
            display_name: "Anthropic",
            class_name: "AnthropicProvider",
            key_variables: &["ANTHROPIC_API_KEY"],
            base_url_variable: Some("ANTHROPIC_BASE_URL"),
            batch_id_shape: Some(BatchIdShape::Prefix("msgbatch_")),
            ..base
        },
        // Batches are resources named `batches/{id}` (providers.md §3).
        Provider::Google => ProviderInfo {
            name: "google",
            display_name: "Gemini",
            aliases: &["gemini"],
            class_name: "GoogleProvider",
            key_variables: &["GOOGLE_API_KEY", "GEMINI_API_KEY"],
            base_url_variable: Some("GEMINI_BASE_URL"),
            batch_id_shape: Some(BatchIdShape::Prefix("batches/")),
            ..base
        },
        // Job ids are UUIDs (providers.md §4).
        Provider::Mistral => ProviderInfo {
            name: "mistral",
            display_name: "Mistral",
            class_name: "MistralProvider",
            key_variables: &["MISTRAL_API_KEY"],
            base_url_variable: Some("MISTRAL_BASE_URL"),
            batch_id_shape: Some(BatchIdShape::Uuid),
            ..base
        },
        // The sidecar's ids look like OpenAI's, so they are never inferred; its token is optional.
        Provider::Vllm => ProviderInfo {
            name: "vllm",
            display_name: "vLLM",
            class_name: "VLLMProvider",
            key_variables: &["BATCH_ROUTER_SIDECAR_TOKEN"],
            requires_key: false,
            batch_ids_like: Some(Provider::OpenAI),
            ..base
        },
        // `GROQ_API_KEY` and `GROQ_BASE_URL` are what Groq's own SDK reads (groq-sdk client
        // constructor, code index id 873485644). Its ids are OpenAI-shaped (`batch_…`, endpoints
        // §5.3), so they are not inferred.
        Provider::Groq => ProviderInfo {
            name: "groq",
            display_name: "Groq",
            class_name: "GroqProvider",
            key_variables: &["GROQ_API_KEY"],
            base_url_variable: Some("GROQ_BASE_URL"),
            batch_ids_like: Some(Provider::OpenAI),
            ..base
        },
        // The variables openai-node's `AzureOpenAI` reads (src/azure.ts, code index id 60816162472):
        // `AZURE_OPENAI_API_KEY`, `AZURE_OPENAI_ENDPOINT`, `OPENAI_API_VERSION`. A key or an Entra
        // token is required. Azure's batch ids are `batch_` + a UUID
        // (`batch_6caaf24d-54a5-46be-b1b7-518884fcbdde` in its REST sample, endpoints §5.1
        // [AZ-BATCH-REST]), while OpenAI's are `batch_` + hex without dashes: without this shape a
        // fresh Azure id was taken for OpenAI's.
        Provider::Azure => ProviderInfo {
            name: "azure",
            display_name: "Azure OpenAI",
            aliases: &["azure-openai"],
            class_name: "AzureOpenAIProvider",
            key_variables: &["AZURE_OPENAI_API_KEY"],
            endpoint_variable: Some("AZURE_OPENAI_ENDPOINT"),
            api_version_variable: Some("OPENAI_API_VERSION"),
            batch_id_shape: Some(BatchIdShape::PrefixedUuid("batch_")),
            ..base
        },
        // `TOGETHER_API_KEY` is what Together's docs and SDKs read (its batch tutorial,
        // docs.together.ai/docs/inference/batch/tutorial), `TOGETHER_BASE_URL` the base URL its
        // Python SDK reads. Batch ids are bare UUIDs (OpenAPI `BatchJob.id`, format uuid), the
        // same shape as Mistral's job ids, so they are not inferred.
        Provider::Together => ProviderInfo {
            name: "together",
            display_name: "Together AI",
            aliases: &["togetherai", "together-ai"],
            class_name: "TogetherProvider",
            key_variables: &["TOGETHER_API_KEY"],
            base_url_variable: Some("TOGETHER_BASE_URL"),
            batch_ids_like: Some(Provider::Mistral),
            ..base
        },
        // `XAI_API_KEY` (endpoints §5.2 [BW-XAI]); `XAI_BASE_URL` is this package's own name for
        // the override (no SDK variable was found). xAI's batch-id shape is not documented, so
        // ids are not inferred.
        Provider::Xai => ProviderInfo {
            name: "xai",
            display_name: "xAI",
            aliases: &["grok"],
            class_name: "XAIProvider",
            key_variables: &["XAI_API_KEY"],
            base_url_variable: Some("XAI_BASE_URL"),
            ..base
        },
    }
}

/// The provider a batch id belongs to, from its shape; `None` when no provider claims it. Shapes
/// that contain others (`msgbatch_` ends in `batch_`) are prefixes, so their order does not
/// matter; a [`BatchIdShape::PrefixedUuid`] is more specific than a prefix and wins over it.
pub fn provider_of_batch_id(batch_id: &str) -> Option<Provider> {
    let claims = |provider: &Provider, specific: bool| {
        info(*provider)
            .batch_id_shape
            .is_some_and(|shape| matches!(shape, BatchIdShape::PrefixedUuid(_)) == specific && shape.matches(batch_id))
    };
    let specific = Provider::ALL.into_iter().find(|provider| claims(provider, true));
    specific.or_else(|| Provider::ALL.into_iter().find(|provider| claims(provider, false)))
}

/// A registry entry as the TypeScript package and the docs read it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct ProviderEntry {
    pub name: Provider,
    pub display_name: String,
    pub aliases: Vec<String>,
    pub class_name: String,
    pub key_variables: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub base_url_variable: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub endpoint_variable: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub api_version_variable: Option<String>,
    pub requires_key: bool,
    /// The batch-id shape the CLI infers the provider from, as the docs write it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub batch_id_shape: Option<String>,
    /// The provider whose batch-id shape its ids share (they are inferred as that one's).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub batch_ids_like: Option<Provider>,
    /// The endpoints its batch API offers (the CLI's `--provider all` takes the providers with
    /// the batch's endpoint).
    pub endpoints: Vec<crate::Endpoint>,
}

/// Every provider, in the order the docs list them.
pub fn entries() -> Vec<ProviderEntry> {
    let strings = |items: &[&str]| items.iter().map(|item| (*item).to_owned()).collect();
    Provider::ALL
        .into_iter()
        .map(|provider| {
            let info = info(provider);
            ProviderEntry {
                name: provider,
                display_name: info.display_name.to_owned(),
                aliases: strings(info.aliases),
                class_name: info.class_name.to_owned(),
                key_variables: strings(info.key_variables),
                base_url_variable: info.base_url_variable.map(str::to_owned),
                endpoint_variable: info.endpoint_variable.map(str::to_owned),
                api_version_variable: info.api_version_variable.map(str::to_owned),
                requires_key: info.requires_key,
                batch_id_shape: info.batch_id_shape.map(BatchIdShape::describe),
                batch_ids_like: info.batch_ids_like,
                endpoints: crate::endpoint::endpoints_of(provider).to_vec(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_ids_are_inferred_only_from_distinctive_shapes() {
        assert_eq!(provider_of_batch_id("batch_abc123"), Some(Provider::OpenAI));
        assert_eq!(provider_of_batch_id("msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d"), Some(Provider::Anthropic));
        assert_eq!(provider_of_batch_id("batches/123"), Some(Provider::Google));
        assert_eq!(provider_of_batch_id("0f9c1b62-3a4d-4e5f-8a7b-1c2d3e4f5a6b"), Some(Provider::Mistral));
        assert_eq!(provider_of_batch_id("0f9c1b62-3a4d-4e5f-8a7b-1c2d3e4f5a6"), None);
        assert_eq!(provider_of_batch_id("job-42"), None);
        // Azure's ids are `batch_` + a UUID; OpenAI's are `batch_` + hex without dashes.
        assert_eq!(provider_of_batch_id("batch_6caaf24d-54a5-46be-b1b7-518884fcbdde"), Some(Provider::Azure));
        assert_eq!(provider_of_batch_id("batch_67f3a1b2c4d5e6f708192a3b"), Some(Provider::OpenAI));
        assert_eq!(provider_of_batch_id("batch_6caaf24d-54a5"), Some(Provider::OpenAI));
    }

    #[test]
    fn a_provider_whose_ids_look_like_another_s_names_it() {
        // A Together id was taken for Mistral's with no hint (a new-user trial): the entry says so.
        let uuid = "0f9c1b62-3a4d-4e5f-8a7b-1c2d3e4f5a6b";
        for provider in Provider::ALL {
            let Some(like) = info(provider).batch_ids_like else { continue };
            assert!(info(provider).batch_id_shape.is_none(), "{provider:?} is inferred itself");
            assert!(info(like).batch_id_shape.is_some(), "{provider:?} looks like {like:?}, which is never inferred");
        }
        assert_eq!(info(Provider::Together).batch_ids_like, Some(provider_of_batch_id(uuid).unwrap()));
        assert_eq!(info(Provider::Groq).batch_ids_like, provider_of_batch_id("batch_abc123"));
        let json = serde_json::to_value(entries()).unwrap();
        let together = json.as_array().unwrap().iter().find(|entry| entry["name"] == "together").unwrap();
        assert_eq!(together["batchIdsLike"], "mistral");
    }

    #[test]
    fn every_provider_has_a_complete_entry() {
        let entries = entries();
        assert_eq!(entries.len(), Provider::ALL.len());
        for entry in &entries {
            assert!(!entry.display_name.is_empty() && entry.class_name.ends_with("Provider"), "{entry:?}");
            assert!(!entry.key_variables.is_empty(), "{entry:?}");
        }
        let azure = entries.iter().find(|entry| entry.name == Provider::Azure).unwrap();
        assert_eq!(azure.endpoint_variable.as_deref(), Some("AZURE_OPENAI_ENDPOINT"));
        let json = serde_json::to_value(&entries[2]).unwrap();
        assert_eq!(json["name"], "google");
        assert_eq!(json["aliases"][0], "gemini");
        assert_eq!(json["batchIdShape"], "batches/…");
    }

    #[test]
    fn names_and_aliases_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for provider in Provider::ALL {
            let info = info(provider);
            for name in std::iter::once(info.name).chain(info.aliases.iter().copied()) {
                assert!(seen.insert(name), "{name} is used twice");
            }
        }
    }
}
