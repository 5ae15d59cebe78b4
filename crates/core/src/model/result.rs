//! One result format for every provider: normalized content, finish reason and usage, with the
//! provider's own body kept untouched in `raw`.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

#[cfg(feature = "tsify")]
use tsify::Tsify;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "snake_case")]
pub enum ResultStatus {
    Succeeded,
    Errored,
    Cancelled,
    Expired,
}

/// One vocabulary for why generation stopped, whatever the provider called it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// Natural end of the turn or a stop sequence.
    Stop,
    /// The output-token limit was reached.
    Length,
    /// The model asked for tool calls.
    ToolCalls,
    /// Output was withheld by a safety or content filter, or refused.
    ContentFilter,
    /// Anything else; `rawFinishReason` says what.
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutputPart {
    Text {
        text: String,
    },
    /// Model reasoning ("thinking" for Anthropic, thought parts for Gemini, reasoning content for
    /// OpenAI-compatible servers).
    Reasoning {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "tsify", tsify(optional))]
        signature: Option<String>,
    },
    ToolCall {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "tsify", tsify(optional))]
        id: Option<String>,
        name: String,
        /// The arguments as the model produced them (parsed when they were a JSON string).
        #[cfg_attr(feature = "tsify", tsify(type = "unknown"))]
        arguments: Value,
    },
    Refusal {
        text: String,
    },
    /// Reasoning the provider returns encrypted (Anthropic `redacted_thinking`); `data` must be sent
    /// back unchanged in a later turn.
    RedactedReasoning {
        data: String,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub total_tokens: Option<u64>,
    /// Input tokens served from a prompt cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub cache_read_tokens: Option<u64>,
    /// Input tokens written to a prompt cache (Anthropic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub cache_write_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub reasoning_tokens: Option<u64>,
}

/// A successful response, normalized. `raw` is the provider's body, untouched.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct UnifiedResponse {
    /// All text parts joined.
    pub text: String,
    pub content: Vec<OutputPart>,
    pub finish_reason: FinishReason,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub raw_finish_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub usage: Option<Usage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub id: Option<String>,
    #[cfg_attr(feature = "tsify", tsify(type = "unknown"))]
    pub raw: Box<RawValue>,
}

/// Why one request has no response.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct ResultError {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub http_status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub request_id: Option<String>,
    /// Whether sending the same request again may succeed.
    pub retryable: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional, type = "unknown"))]
    pub raw: Option<Box<RawValue>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct UnifiedResult {
    pub custom_id: String,
    pub status: ResultStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub response: Option<UnifiedResponse>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub error: Option<ResultError>,
}

impl UnifiedResult {
    pub fn errored(custom_id: String, error: ResultError) -> Self {
        UnifiedResult { custom_id, status: ResultStatus::Errored, response: None, error: Some(error) }
    }
}
