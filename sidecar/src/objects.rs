//! The File, Batch and list objects exactly as OpenAI shapes them (reference §1.1, §1.4, §1.5), so
//! OpenAI clients, the official SDK among them, read this server's answers unchanged. Absent values
//! are `null`, as OpenAI sends them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub const PURPOSE_BATCH: &str = "batch";
pub const PURPOSE_BATCH_OUTPUT: &str = "batch_output";
pub const CHAT_COMPLETIONS: &str = batch_router_core::providers::openai::CHAT_COMPLETIONS_URL;
pub const COMPLETION_WINDOW: &str = "24h";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileObject {
    pub id: String,
    pub object: String,
    pub bytes: u64,
    pub created_at: i64,
    /// Files here never expire; they stay until deleted.
    pub expires_at: Option<i64>,
    pub filename: String,
    pub purpose: String,
    pub status: String,
    pub status_details: Option<String>,
}

impl FileObject {
    pub fn new(id: String, bytes: u64, created_at: i64, filename: String, purpose: &str) -> Self {
        FileObject {
            id,
            object: "file".into(),
            bytes,
            created_at,
            expires_at: None,
            filename,
            purpose: purpose.into(),
            status: "processed".into(),
            status_details: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeletedFile {
    pub id: String,
    pub object: &'static str,
    pub deleted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchStatus {
    Validating,
    Failed,
    InProgress,
    Finalizing,
    Completed,
    Expired,
    Cancelling,
    Cancelled,
}

impl BatchStatus {
    pub fn is_terminal(self) -> bool {
        matches!(self, BatchStatus::Completed | BatchStatus::Failed | BatchStatus::Cancelled | BatchStatus::Expired)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BatchStatus::Validating => "validating",
            BatchStatus::Failed => "failed",
            BatchStatus::InProgress => "in_progress",
            BatchStatus::Finalizing => "finalizing",
            BatchStatus::Completed => "completed",
            BatchStatus::Expired => "expired",
            BatchStatus::Cancelling => "cancelling",
            BatchStatus::Cancelled => "cancelled",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestCounts {
    pub total: u64,
    pub completed: u64,
    pub failed: u64,
}

/// One entry of `errors.data`: why a batch failed as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchErrorData {
    pub code: String,
    pub message: String,
    pub param: Option<String>,
    pub line: Option<u64>,
}

impl BatchErrorData {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        BatchErrorData { code: code.into(), message: message.into(), param: None, line: None }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchErrors {
    pub object: String,
    pub data: Vec<BatchErrorData>,
}

impl BatchErrors {
    pub fn one(error: BatchErrorData) -> Self {
        BatchErrors { object: "list".into(), data: vec![error] }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchObject {
    pub id: String,
    pub object: String,
    pub endpoint: String,
    /// The model every line asks for, known once the input file is validated.
    pub model: Option<String>,
    pub errors: Option<BatchErrors>,
    pub input_file_id: String,
    pub completion_window: String,
    pub status: BatchStatus,
    pub output_file_id: Option<String>,
    pub error_file_id: Option<String>,
    pub created_at: i64,
    pub in_progress_at: Option<i64>,
    /// Local batches never expire.
    pub expires_at: Option<i64>,
    pub finalizing_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub failed_at: Option<i64>,
    pub expired_at: Option<i64>,
    pub cancelling_at: Option<i64>,
    pub cancelled_at: Option<i64>,
    pub request_counts: RequestCounts,
    /// vLLM's output carries per-request usage only; the batch total is not computed.
    pub usage: Option<Value>,
    pub metadata: Option<Map<String, Value>>,
}

impl BatchObject {
    pub fn new(id: String, input_file_id: String, metadata: Option<Map<String, Value>>, created_at: i64) -> Self {
        BatchObject {
            id,
            object: "batch".into(),
            endpoint: CHAT_COMPLETIONS.into(),
            model: None,
            errors: None,
            input_file_id,
            completion_window: COMPLETION_WINDOW.into(),
            status: BatchStatus::Validating,
            output_file_id: None,
            error_file_id: None,
            created_at,
            in_progress_at: None,
            expires_at: None,
            finalizing_at: None,
            completed_at: None,
            failed_at: None,
            expired_at: None,
            cancelling_at: None,
            cancelled_at: None,
            request_counts: RequestCounts::default(),
            usage: None,
            metadata,
        }
    }
}

/// `GET /v1/batches`: newest first, paged with `after`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListPage<T> {
    pub object: &'static str,
    pub data: Vec<T>,
    pub first_id: Option<String>,
    pub last_id: Option<String>,
    pub has_more: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_batch_serializes_with_every_openai_field() {
        let batch = BatchObject::new("batch_1".into(), "file-1".into(), None, 1_700_000_000);
        let value = serde_json::to_value(&batch).unwrap();
        for field in [
            "id",
            "object",
            "endpoint",
            "errors",
            "input_file_id",
            "completion_window",
            "status",
            "output_file_id",
            "error_file_id",
            "created_at",
            "in_progress_at",
            "expires_at",
            "finalizing_at",
            "completed_at",
            "failed_at",
            "expired_at",
            "cancelling_at",
            "cancelled_at",
            "request_counts",
            "metadata",
        ] {
            assert!(value.get(field).is_some(), "missing {field}");
        }
        assert_eq!(value["status"], "validating");
        assert_eq!(value["object"], "batch");
        assert_eq!(value["request_counts"], serde_json::json!({"total": 0, "completed": 0, "failed": 0}));
    }

    #[test]
    fn status_names_match_serde() {
        for status in [
            BatchStatus::Validating,
            BatchStatus::Failed,
            BatchStatus::InProgress,
            BatchStatus::Finalizing,
            BatchStatus::Completed,
            BatchStatus::Expired,
            BatchStatus::Cancelling,
            BatchStatus::Cancelled,
        ] {
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
    }
}
