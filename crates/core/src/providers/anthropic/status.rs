//! Anthropic's MessageBatch object → unified status (reference §2.2; spec `MessageBatch`).

use serde_json::Value;

use crate::model::{BatchListPage, BatchStatus, BatchStatusResponse, RequestCounts};
use crate::CoreError;

use crate::providers::common::{string_field, u64_field};
use crate::providers::output_check::names_any;

/// The unified status of a batch:
///
/// * `in_progress` → `in_progress`;
/// * `canceling` → `in_progress` (the raw status says a cancel is under way);
/// * `ended` → `cancelled` when `cancel_initiated_at` is set; otherwise `expired` when any request
///   expired, i.e. the 24-hour window ran out (reference §0: "`ended` with `request_counts.expired>0`",
///   as OpenAI calls a batch expired once its window closed, whatever finished before); otherwise
///   `completed` (per-request errors are in the results).
///
/// [`parse_batch`] then keeps an `ended` batch `in_progress` until its `results_url` is set.
///
/// `None` for a status the API does not document.
pub fn status_of(raw_status: &str, cancel_initiated: bool, counts: &RequestCounts) -> Option<BatchStatus> {
    Some(match raw_status {
        "in_progress" | "canceling" => BatchStatus::InProgress,
        "ended" if cancel_initiated => BatchStatus::Cancelled,
        "ended" if counts.expired > 0 => BatchStatus::Expired,
        "ended" => BatchStatus::Completed,
        _ => return None,
    })
}

pub fn parse_batch(provider: &str, batch: &Value) -> Result<BatchStatusResponse, CoreError> {
    let batch_id =
        string_field(batch, "id").ok_or_else(|| CoreError::invalid_response(provider, "batch object without `id`"))?;
    let raw_status = string_field(batch, "processing_status").ok_or_else(|| {
        CoreError::invalid_response(provider, format!("batch {batch_id} without `processing_status`"))
    })?;
    let counts = batch.get("request_counts").unwrap_or(&Value::Null);
    let mut request_counts = RequestCounts {
        total: 0,
        processing: u64_field(counts, "processing"),
        succeeded: u64_field(counts, "succeeded"),
        errored: u64_field(counts, "errored"),
        cancelled: u64_field(counts, "canceled"),
        expired: u64_field(counts, "expired"),
    };
    // The counts sum to the number of requests in the batch (reference §2.2).
    request_counts.total = request_counts.processing
        + request_counts.succeeded
        + request_counts.errored
        + request_counts.cancelled
        + request_counts.expired;
    let cancel_initiated = batch.get("cancel_initiated_at").is_some_and(|value| !value.is_null());
    let status = status_of(&raw_status, cancel_initiated, &request_counts).ok_or_else(|| {
        CoreError::invalid_response(provider, format!("batch {batch_id} has an unknown status \"{raw_status}\""))
    })?;
    // `results_url` is "set once processing ends" (reference §2.2): an ended batch without it
    // cannot be read yet, so it is still finalising (field case 14, as a Gemini batch before its
    // operation is `done`), `rawStatus` keeping `ended`. An archived batch's results are gone for
    // good: it stays ended (reading them is an error).
    let status = if status.is_terminal() && !names_any(batch, &["results_url", "archived_at"]) {
        BatchStatus::InProgress
    } else {
        status
    };
    Ok(BatchStatusResponse {
        batch_id,
        provider: provider.to_owned(),
        status,
        raw_status,
        request_counts,
        // Already RFC 3339 strings.
        created_at: string_field(batch, "created_at"),
        completed_at: if status.is_terminal() { string_field(batch, "ended_at") } else { None },
        expires_at: string_field(batch, "expires_at"),
        // A batch may mix models and has no metadata of its own.
        model: None,
        errors: Vec::new(),
        metadata: None,
        raw: batch.clone(),
    })
}

/// One page of `GET /v1/messages/batches`: `{data, has_more, first_id, last_id}`; the next page is
/// `after_id = last_id`.
pub fn parse_list(provider: &str, body: &Value) -> Result<BatchListPage, CoreError> {
    let data = body
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| CoreError::invalid_response(provider, "batch list without `data`"))?;
    let batches = data.iter().map(|batch| parse_batch(provider, batch)).collect::<Result<Vec<_>, _>>()?;
    let has_more = body.get("has_more").and_then(Value::as_bool).unwrap_or(false);
    let next_cursor = if has_more {
        string_field(body, "last_id").or_else(|| batches.last().map(|batch| batch.batch_id.clone()))
    } else {
        None
    };
    Ok(BatchListPage { batches, has_more, next_cursor })
}
