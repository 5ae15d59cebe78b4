//! OpenAI's Batch object → unified status (reference §1.4).

use serde_json::Value;

use crate::model::{BatchError, BatchStatus, BatchStatusResponse, RequestCounts};
use crate::time::unix_to_rfc3339;
use crate::CoreError;

use crate::providers::common::{string_field, u64_field};

/// Maps every documented OpenAI status; `cancelling` and `finalizing` are still in progress.
pub fn status_of(raw_status: &str) -> Option<BatchStatus> {
    Some(match raw_status {
        "validating" => BatchStatus::Validating,
        "in_progress" | "finalizing" | "cancelling" => BatchStatus::InProgress,
        "completed" => BatchStatus::Completed,
        "failed" => BatchStatus::Failed,
        "expired" => BatchStatus::Expired,
        "cancelled" => BatchStatus::Cancelled,
        _ => return None,
    })
}

pub fn parse_batch(provider: &str, batch: &Value) -> Result<BatchStatusResponse, CoreError> {
    let batch_id =
        string_field(batch, "id").ok_or_else(|| CoreError::invalid_response(provider, "batch object without `id`"))?;
    let raw_status = string_field(batch, "status")
        .ok_or_else(|| CoreError::invalid_response(provider, format!("batch {batch_id} without `status`")))?;
    let status = status_of(&raw_status).ok_or_else(|| {
        CoreError::invalid_response(provider, format!("batch {batch_id} has an unknown status \"{raw_status}\""))
    })?;
    let counts = batch.get("request_counts").cloned().unwrap_or(Value::Null);
    let total = u64_field(&counts, "total");
    let succeeded = u64_field(&counts, "completed");
    let errored = u64_field(&counts, "failed");
    let request_counts = RequestCounts::from_reported(status, total, succeeded, errored);
    let timestamp = |name: &str| batch.get(name).and_then(Value::as_i64).map(unix_to_rfc3339);
    let completed_at =
        ["completed_at", "failed_at", "cancelled_at", "expired_at"].iter().find_map(|name| timestamp(name));
    let errors = batch
        .pointer("/errors/data")
        .and_then(Value::as_array)
        .map(|errors| {
            errors
                .iter()
                .map(|error| BatchError {
                    code: string_field(error, "code"),
                    message: string_field(error, "message").unwrap_or_default(),
                    line: error.get("line").and_then(Value::as_u64),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(BatchStatusResponse {
        batch_id,
        provider: provider.to_owned(),
        status,
        raw_status,
        request_counts,
        created_at: timestamp("created_at"),
        completed_at: if status.is_terminal() { completed_at } else { None },
        expires_at: timestamp("expires_at"),
        model: string_field(batch, "model"),
        errors,
        metadata: batch.get("metadata").filter(|metadata| metadata.is_object()).cloned(),
        raw: batch.clone(),
    })
}
