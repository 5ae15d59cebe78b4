//! xAI's batch object → unified status. xAI has no status string (endpoints-and-push.md §5.2,
//! §5.7): the status is derived from the counters in `state`, and `rawStatus` names the derived
//! state in OpenAI's words so callers see what it was derived to.
//!
//! - `num_requests == 0`: the uploaded file's requests are not counted in yet → `validating`.
//! - `num_pending > 0`: `in_progress`, or `cancelling` once `cancel_time` is set.
//! - `num_pending == 0`: `cancelled` when `cancel_time` is set, otherwise `completed`.
//!
//! A batch whose `expire_time` passes with requests pending is not told apart (what xAI does then
//! is unconfirmed, §10): it stays `in_progress` until its counters settle.

use serde_json::Value;

use crate::model::{BatchStatus, BatchStatusResponse, RequestCounts};
use crate::time::{rfc3339_to_unix_millis, unix_to_rfc3339};
use crate::CoreError;

use crate::providers::common::string_field;

const PROVIDER: &str = "xai";

pub fn parse_batch(batch: &Value) -> Result<BatchStatusResponse, CoreError> {
    let batch_id = string_field(batch, "batch_id")
        .or_else(|| string_field(batch, "id"))
        .ok_or_else(|| CoreError::invalid_response(PROVIDER, "batch object without `batch_id`"))?;
    let state = batch.get("state").cloned().unwrap_or(Value::Null);
    let count = |name: &str| state.get(name).and_then(count_of).unwrap_or(0);
    let (total, pending) = (count("num_requests"), count("num_pending"));
    let (succeeded, errored, cancelled) = (count("num_success"), count("num_error"), count("num_cancelled"));
    let cancel_time = timestamp(batch, "cancel_time");
    let (status, raw_status) = match (total, pending, cancel_time.is_some()) {
        (0, 0, false) => (BatchStatus::Validating, "validating"),
        (_, 0, true) => (BatchStatus::Cancelled, "cancelled"),
        (_, 0, false) => (BatchStatus::Completed, "completed"),
        (_, _, true) => (BatchStatus::InProgress, "cancelling"),
        (_, _, false) => (BatchStatus::InProgress, "in_progress"),
    };
    let request_counts = RequestCounts { total, processing: pending, succeeded, errored, cancelled, expired: 0 };
    let completed_at = match status {
        BatchStatus::Cancelled => cancel_time.clone(),
        BatchStatus::Completed => timestamp(batch, "complete_time").or_else(|| timestamp(batch, "update_time")),
        _ => None,
    };
    let name = string_field(batch, "name");
    Ok(BatchStatusResponse {
        batch_id,
        provider: PROVIDER.to_owned(),
        status,
        raw_status: raw_status.to_owned(),
        request_counts,
        created_at: timestamp(batch, "create_time"),
        completed_at,
        expires_at: timestamp(batch, "expire_time"),
        model: None,
        errors: Vec::new(),
        // The name is xAI's only batch metadata; a job tag rides in it (`job_tag.rs`).
        metadata: name.map(|name| serde_json::json!({ "name": name })),
        raw: batch.clone(),
    })
}

/// Counters are numbers, or strings where a gRPC gateway writes 64-bit integers as text.
fn count_of(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| value.as_str()?.parse().ok())
}

/// An RFC 3339 timestamp (or Unix seconds) as RFC 3339 in UTC.
fn timestamp(batch: &Value, name: &str) -> Option<String> {
    match batch.get(name)? {
        Value::Number(number) => number.as_i64().map(unix_to_rfc3339),
        Value::String(text) => rfc3339_to_unix_millis(text).map(|millis| unix_to_rfc3339(millis.div_euclid(1000))),
        _ => None,
    }
}
