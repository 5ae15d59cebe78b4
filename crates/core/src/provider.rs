//! The providers batch-router speaks to. Everything else the package needs to know about each one
//! (aliases, environment variables, batch-id shapes) is in [`crate::registry`].

use serde::{Deserialize, Serialize};

#[cfg(feature = "tsify")]
use tsify::Tsify;

use crate::CoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    OpenAI,
    Anthropic,
    Google,
    Mistral,
    Vllm,
    Groq,
    Azure,
    Together,
    Xai,
}

impl Provider {
    pub const ALL: [Provider; 9] = [
        Provider::OpenAI,
        Provider::Anthropic,
        Provider::Google,
        Provider::Mistral,
        Provider::Vllm,
        Provider::Groq,
        Provider::Azure,
        Provider::Together,
        Provider::Xai,
    ];

    /// The name used in `UnifiedBatchMetadata.provider`, file paths and errors.
    pub fn name(self) -> &'static str {
        crate::registry::info(self).name
    }

    /// A human-facing name for messages.
    pub fn display_name(self) -> &'static str {
        crate::registry::info(self).display_name
    }

    /// The provider of a name or alias (`gemini` is Google), in any case.
    pub fn from_name(name: &str) -> Result<Provider, CoreError> {
        // `name` in ASCII lower case equals `known`, without building the lower-case copy: this
        // runs for every entry of every request's `models`.
        let is = |known: &str| {
            known.len() == name.len()
                && name.bytes().zip(known.bytes()).all(|(given, known)| given.to_ascii_lowercase() == known)
        };
        Provider::ALL
            .into_iter()
            .find(|provider| {
                let info = crate::registry::info(*provider);
                is(info.name) || info.aliases.iter().any(|alias| is(alias))
            })
            .ok_or_else(|| {
                let names: Vec<&str> = Provider::ALL.iter().map(|provider| provider.name()).collect();
                CoreError::invalid_batch(
                    "provider",
                    format!("unknown provider \"{name}\"; expected one of {}", names.join(", ")),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_aliases_resolve() {
        for provider in Provider::ALL {
            assert_eq!(Provider::from_name(provider.name()).unwrap(), provider);
        }
        assert_eq!(Provider::from_name("Gemini").unwrap(), Provider::Google);
        assert_eq!(Provider::from_name("azure-openai").unwrap(), Provider::Azure);
        let error = Provider::from_name("cohere").unwrap_err().to_string();
        assert!(error.contains("unknown provider") && error.contains("groq"), "{error}");
    }

    #[test]
    fn the_serde_name_is_the_registry_name() {
        for provider in Provider::ALL {
            assert_eq!(serde_json::to_value(provider).unwrap(), provider.name());
        }
    }
}
