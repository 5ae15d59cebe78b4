//! Mistral's `BatchJob` → unified status (reference §4.4; spec `BatchJob`, `BatchJobStatus`).

use serde_json::Value;

use crate::model::{BatchError, BatchStatus, BatchStatusResponse, RequestCounts};
use crate::providers::common::{string_field, u64_field};
use crate::providers::output_check::{names_any, until_files_named};
use crate::time::unix_to_rfc3339;
use crate::CoreError;

/// Maps every `BatchJobStatus`. A requested cancellation is still running until Mistral reports
/// `CANCELLED`; the raw status says which it is. [`parse_job`] then keeps a finished file job
/// `in_progress` until it names its result files.
pub fn status_of(raw_status: &str) -> Option<BatchStatus> {
    Some(match raw_status {
        "QUEUED" => BatchStatus::Validating,
        "RUNNING" | "CANCELLATION_REQUESTED" => BatchStatus::InProgress,
        "SUCCESS" => BatchStatus::Completed,
        "FAILED" => BatchStatus::Failed,
        "TIMEOUT_EXCEEDED" => BatchStatus::Expired,
        "CANCELLED" => BatchStatus::Cancelled,
        _ => return None,
    })
}

pub fn parse_job(provider: &str, job: &Value) -> Result<BatchStatusResponse, CoreError> {
    let batch_id =
        string_field(job, "id").ok_or_else(|| CoreError::invalid_response(provider, "batch job without `id`"))?;
    let raw_status = string_field(job, "status")
        .ok_or_else(|| CoreError::invalid_response(provider, format!("batch job {batch_id} without `status`")))?;
    let status = status_of(&raw_status).ok_or_else(|| {
        CoreError::invalid_response(provider, format!("batch job {batch_id} has an unknown status \"{raw_status}\""))
    })?;
    let total = u64_field(job, "total_requests");
    let succeeded = u64_field(job, "succeeded_requests");
    let errored = u64_field(job, "failed_requests");
    // A job made from files writes its results to files: finished before it names one (and
    // carries no `outputs`), it is not readable yet (field case 14). An inline job's results may
    // come only with `?inline=true` (`results_status_request`), so its status is taken as it is.
    let readable = names_any(job, &["output_file", "error_file", "outputs"]) || !names_any(job, &["input_files"]);
    let reported = RequestCounts { total, succeeded, errored, ..Default::default() };
    let status = until_files_named(status, &reported, readable);
    // Only these three are reported (`completed_requests` is left in `raw`: its relation to the
    // other two is undocumented, reference §10). What neither succeeded nor failed is still
    // running, or was cut short by the cancellation or timeout that ended the job.
    let request_counts = RequestCounts::from_reported(status, total, succeeded, errored);
    let timestamp = |name: &str| job.get(name).and_then(Value::as_i64).map(unix_to_rfc3339);
    let errors = job
        .get("errors")
        .and_then(Value::as_array)
        .map(|errors| {
            errors
                .iter()
                .map(|error| BatchError {
                    code: None,
                    message: string_field(error, "message").unwrap_or_default(),
                    line: None,
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
        completed_at: if status.is_terminal() { timestamp("completed_at") } else { None },
        // A job states no deadline; `timeout_hours` is not echoed in the job object.
        expires_at: None,
        model: string_field(job, "model"),
        errors,
        metadata: job.get("metadata").filter(|metadata| metadata.is_object()).cloned(),
        raw: job.clone(),
    })
}
