//! OpenAI's Batch object → unified status (reference §1.4).

use serde_json::Value;

use crate::model::{BatchError, BatchStatus, BatchStatusResponse, RequestCounts};
use crate::time::{rfc3339_to_unix_millis, unix_to_rfc3339};
use crate::CoreError;

use crate::providers::common::{string_field, u64_field};
use crate::providers::output_check::{names_any, until_files_named};

/// Maps every documented OpenAI status; `cancelling` and `finalizing` are still in progress.
/// [`parse_batch`] then keeps a finished batch `in_progress` until it names its result files.
/// Together's `CANCELING` (one `l`, endpoints-and-push.md §5.4 [TG-PY]) is read as `cancelling`.
pub fn status_of(raw_status: &str) -> Option<BatchStatus> {
    Some(match raw_status {
        "validating" => BatchStatus::Validating,
        "in_progress" | "finalizing" | "cancelling" | "canceling" => BatchStatus::InProgress,
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
    // Azure's samples spell statuses capitalised (`"Validating"`) while its status table and
    // OpenAI use lower case (endpoints-and-push.md §5.1 traps, §8 item 10): both are read.
    let status = status_of(&raw_status.to_ascii_lowercase()).ok_or_else(|| {
        CoreError::invalid_response(provider, format!("batch {batch_id} has an unknown status \"{raw_status}\""))
    })?;
    let counts = batch.get("request_counts").cloned().unwrap_or(Value::Null);
    let total = u64_field(&counts, "total");
    let succeeded = u64_field(&counts, "completed");
    let errored = u64_field(&counts, "failed");
    // Results are the output and error files: a finished batch that names neither is not
    // readable yet (field case 14).
    let reported = RequestCounts { total, succeeded, errored, ..Default::default() };
    let status = until_files_named(status, &reported, names_any(batch, &["output_file_id", "error_file_id"]));
    let request_counts = RequestCounts::from_reported(status, total, succeeded, errored);
    // Together reports no counts, one `error` string and `model_id` (§5.4 [TG-PY]).
    let together_error = string_field(batch, "error").filter(|message| !message.is_empty()).map(|message| BatchError {
        code: None,
        message,
        line: None,
    });
    let timestamp = |name: &str| timestamp_of(batch.get(name)?);
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
    let errors = match together_error {
        Some(error) if Vec::is_empty(&errors) => vec![error],
        _ => errors,
    };
    Ok(BatchStatusResponse {
        batch_id,
        provider: provider.to_owned(),
        status,
        raw_status,
        request_counts,
        created_at: timestamp("created_at"),
        completed_at: if status.is_terminal() { completed_at } else { None },
        // Together's `BatchJob` names it `job_deadline` (togethercomputer/openapi `BatchJob`,
        // together-python `types/batch.py`; endpoints-and-push.md §5.4).
        expires_at: timestamp("expires_at").or_else(|| timestamp("job_deadline")),
        model: string_field(batch, "model").or_else(|| string_field(batch, "model_id")),
        errors,
        metadata: batch.get("metadata").filter(|metadata| metadata.is_object()).cloned(),
        raw: batch.clone(),
    })
}

/// A timestamp as Unix seconds (OpenAI) or an ISO-8601 string (Azure's samples, endpoints-and-push.md
/// §5.1 traps), as RFC 3339 in UTC.
fn timestamp_of(value: &Value) -> Option<String> {
    match value {
        Value::Number(number) => number.as_i64().map(unix_to_rfc3339),
        Value::String(text) => rfc3339_to_unix_millis(text).map(|millis| unix_to_rfc3339(millis.div_euclid(1000))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn capitalised_statuses_and_iso_timestamps_are_read_as_azure_writes_them() {
        // The shape of Azure's REST sample (endpoints-and-push.md §5.1 [AZ-BATCH-REST]).
        let batch = json!({
            "id": "batch_6caaf24d-54a5-46be-b1b7-518884fcbdde", "object": "batch", "status": "Validating",
            "created_at": "2024-07-19T14:11:26.000Z", "expires_at": "2024-07-20T14:11:26Z",
            "request_counts": {"total": 0, "completed": 0, "failed": 0}
        });
        let status = parse_batch("azure", &batch).unwrap();
        assert_eq!(status.status, BatchStatus::Validating);
        assert_eq!(status.raw_status, "Validating");
        assert_eq!(status.created_at.as_deref(), Some("2024-07-19T14:11:26Z"));
        assert_eq!(status.expires_at.as_deref(), Some("2024-07-20T14:11:26Z"));
        let done = json!({"id": "b", "status": "Completed", "completed_at": 1_721_398_286});
        let status = parse_batch("azure", &done).unwrap();
        assert_eq!(status.status, BatchStatus::Completed);
        assert_eq!(status.completed_at.as_deref(), Some("2024-07-19T14:11:26Z"));
        assert!(parse_batch("azure", &json!({"id": "b", "status": "Paused"})).is_err());
    }
}
