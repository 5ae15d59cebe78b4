//! One status model for every provider's batch.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[cfg(feature = "tsify")]
use tsify::Tsify;

/// The unified batch status. The provider's own value is kept beside it as `rawStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "snake_case")]
pub enum BatchStatus {
    Validating,
    InProgress,
    Completed,
    Failed,
    Cancelled,
    Expired,
}

impl BatchStatus {
    /// Whether the batch has reached an end and will not change any more.
    pub fn is_terminal(self) -> bool {
        matches!(self, BatchStatus::Completed | BatchStatus::Failed | BatchStatus::Cancelled | BatchStatus::Expired)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BatchStatus::Validating => "validating",
            BatchStatus::InProgress => "in_progress",
            BatchStatus::Completed => "completed",
            BatchStatus::Failed => "failed",
            BatchStatus::Cancelled => "cancelled",
            BatchStatus::Expired => "expired",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct RequestCounts {
    pub total: u64,
    pub processing: u64,
    pub succeeded: u64,
    pub errored: u64,
    pub cancelled: u64,
    pub expired: u64,
}

impl RequestCounts {
    /// Counts from a provider that reports only a total, the succeeded and the failed (OpenAI,
    /// Mistral): what is left is still running, or was cut short by the cancellation or expiry that
    /// ended the batch.
    pub fn from_reported(status: BatchStatus, total: u64, succeeded: u64, errored: u64) -> Self {
        let unfinished = total.saturating_sub(succeeded + errored);
        let mut counts = RequestCounts { total, succeeded, errored, ..Default::default() };
        match status {
            BatchStatus::Validating | BatchStatus::InProgress => counts.processing = unfinished,
            BatchStatus::Cancelled => counts.cancelled = unfinished,
            BatchStatus::Expired => counts.expired = unfinished,
            BatchStatus::Completed | BatchStatus::Failed => {}
        }
        counts
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct BatchStatusResponse {
    pub batch_id: String,
    pub provider: String,
    pub status: BatchStatus,
    /// The provider's own status value, e.g. `finalizing` or `canceling`.
    pub raw_status: String,
    pub request_counts: RequestCounts,
    /// RFC 3339 timestamps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub completed_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub expires_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub model: Option<String>,
    /// Batch-level errors the provider reported (for example a failed validation).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub errors: Vec<BatchError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional, type = "Record<string, unknown>"))]
    pub metadata: Option<Value>,
    /// The provider's batch object, untouched.
    #[cfg_attr(feature = "tsify", tsify(type = "unknown"))]
    pub raw: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct BatchError {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub code: Option<String>,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub line: Option<u64>,
}

/// One page of a provider's batch list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct BatchListPage {
    pub batches: Vec<BatchStatusResponse>,
    pub has_more: bool,
    /// Pass as `after` to fetch the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct ListOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub limit: Option<u32>,
    /// The cursor from a previous page's `nextCursor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub after: Option<String>,
}
