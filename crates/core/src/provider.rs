//! The providers batch-router speaks to.

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
}

impl Provider {
    pub const ALL: [Provider; 5] =
        [Provider::OpenAI, Provider::Anthropic, Provider::Google, Provider::Mistral, Provider::Vllm];

    /// The name used in `UnifiedBatchMetadata.provider`, file paths and errors.
    pub fn name(self) -> &'static str {
        match self {
            Provider::OpenAI => "openai",
            Provider::Anthropic => "anthropic",
            Provider::Google => "google",
            Provider::Mistral => "mistral",
            Provider::Vllm => "vllm",
        }
    }

    /// A human-facing name for messages.
    pub fn display_name(self) -> &'static str {
        match self {
            Provider::OpenAI => "OpenAI",
            Provider::Anthropic => "Anthropic",
            Provider::Google => "Gemini",
            Provider::Mistral => "Mistral",
            Provider::Vllm => "vLLM",
        }
    }

    pub fn from_name(name: &str) -> Result<Provider, CoreError> {
        match name.to_ascii_lowercase().as_str() {
            "openai" => Ok(Provider::OpenAI),
            "anthropic" => Ok(Provider::Anthropic),
            "google" | "gemini" => Ok(Provider::Google),
            "mistral" => Ok(Provider::Mistral),
            "vllm" => Ok(Provider::Vllm),
            _ => Err(CoreError::invalid_batch(
                "provider",
                format!("unknown provider \"{name}\"; expected one of openai, anthropic, google, mistral, vllm"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_gemini_is_an_alias() {
        for provider in Provider::ALL {
            assert_eq!(Provider::from_name(provider.name()).unwrap(), provider);
        }
        assert_eq!(Provider::from_name("Gemini").unwrap(), Provider::Google);
        assert!(Provider::from_name("cohere").unwrap_err().to_string().contains("unknown provider"));
    }
}
