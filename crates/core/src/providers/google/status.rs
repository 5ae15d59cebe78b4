//! A Gemini batch operation → unified status (reference §3.3, §3.4).
//!
//! The state is read from `metadata.state`, in the REST spelling `BATCH_STATE_*` or the SDKs'
//! `JOB_STATE_*`; an ended state counts only once the operation is `done` (before that the output
//! is not there yet, so the batch is still `in_progress`, `rawStatus` keeping the state). Where it is missing, unspecified or unknown, the operation's `done` decides:
//! not done is in progress; done with `error.code = 1` is cancelled, with another error failed,
//! without an error completed. `rawStatus` is the state as sent, or `done`/`not_done` when the
//! operation had no state. Counts come from `metadata.batchStats` (int64 as strings; proto-JSON
//! omits zeros) and stay 0 when Google sent none.

use serde_json::{json, Value};

use crate::model::{BatchError, BatchStatus, BatchStatusResponse, RequestCounts};
use crate::providers::common::{string_field, u64_field};
use crate::CoreError;

/// `google.rpc.Code` CANCELLED: the code a cancelled operation's error carries.
pub const RPC_CANCELLED: i64 = 1;

/// Maps both spellings of a batch state; `None` for the unspecified state and unknown values.
pub fn state_of(raw_state: &str) -> Option<BatchStatus> {
    let state = raw_state.strip_prefix("BATCH_STATE_").or_else(|| raw_state.strip_prefix("JOB_STATE_"))?;
    Some(match state {
        "PENDING" | "QUEUED" => BatchStatus::Validating,
        // Still running until Google reports the end (Vertex-style names included).
        "RUNNING" | "CANCELLING" | "UPDATING" | "PAUSED" => BatchStatus::InProgress,
        "SUCCEEDED" | "PARTIALLY_SUCCEEDED" => BatchStatus::Completed,
        "FAILED" => BatchStatus::Failed,
        "CANCELLED" => BatchStatus::Cancelled,
        "EXPIRED" => BatchStatus::Expired,
        _ => return None,
    })
}

/// The full resource name `batches/{id}` of a bare id or a full name.
pub fn batch_name(batch_id: &str) -> String {
    let id = batch_id.trim().trim_start_matches('/');
    if id.starts_with("batches/") {
        id.to_owned()
    } else {
        format!("batches/{id}")
    }
}

pub fn parse_operation(provider: &str, operation: &Value) -> Result<BatchStatusResponse, CoreError> {
    let metadata = operation.get("metadata").filter(|metadata| metadata.is_object());
    let field = |name: &str| metadata.and_then(|metadata| string_field(metadata, name));
    let batch_id = string_field(operation, "name")
        .or_else(|| field("name"))
        .map(|name| batch_name(&name))
        .ok_or_else(|| CoreError::invalid_response(provider, "batch operation without `name`"))?;
    let done = operation.get("done").and_then(Value::as_bool).unwrap_or(false);
    let error = operation.get("error").filter(|error| error.is_object());
    let raw_state = field("state");
    let status = match raw_state.as_deref().and_then(state_of) {
        // The state may read ended before the operation is `done` and holds its output (field
        // case 14): until then the batch is still finalising and its results cannot be read.
        Some(status) if status.is_terminal() && !done => BatchStatus::InProgress,
        Some(status) => status,
        None if done => match error.and_then(|error| error.get("code")).and_then(Value::as_i64) {
            Some(RPC_CANCELLED) => BatchStatus::Cancelled,
            Some(_) => BatchStatus::Failed,
            None if error.is_some() => BatchStatus::Failed,
            None => BatchStatus::Completed,
        },
        None => BatchStatus::InProgress,
    };
    let raw_status = raw_state.unwrap_or_else(|| if done { "done" } else { "not_done" }.to_owned());

    let stats = metadata.and_then(|metadata| metadata.get("batchStats")).cloned().unwrap_or(Value::Null);
    let total = u64_field(&stats, "requestCount");
    let succeeded = u64_field(&stats, "successfulRequestCount");
    let errored = u64_field(&stats, "failedRequestCount");
    let pending = if stats.get("pendingRequestCount").is_some() {
        u64_field(&stats, "pendingRequestCount")
    } else {
        total.saturating_sub(succeeded + errored)
    };
    // What is still pending when the batch ended was cut short by that end.
    let mut request_counts = RequestCounts { total, succeeded, errored, ..Default::default() };
    match status {
        BatchStatus::Validating | BatchStatus::InProgress => request_counts.processing = pending,
        BatchStatus::Cancelled => request_counts.cancelled = pending,
        BatchStatus::Expired => request_counts.expired = pending,
        BatchStatus::Completed | BatchStatus::Failed => {}
    }

    let errors = error
        .map(|error| {
            vec![BatchError {
                // Code 0 is `OK`: never the name of an error.
                code: error.get("code").and_then(Value::as_i64).filter(|code| *code != 0).map(rpc_code_name),
                message: string_field(error, "message").unwrap_or_default(),
                line: None,
            }]
        })
        .unwrap_or_default();
    Ok(BatchStatusResponse {
        batch_id,
        provider: provider.to_owned(),
        status,
        raw_status,
        request_counts,
        created_at: field("createTime"),
        completed_at: if status.is_terminal() { field("endTime") } else { None },
        expires_at: None,
        model: field("model").map(|model| model.strip_prefix("models/").unwrap_or(&model).to_owned()),
        errors,
        metadata: field("displayName").map(|name| json!({ "displayName": name })),
        raw: operation.clone(),
    })
}

/// The canonical name of a `google.rpc.Code`, or the number as text.
pub fn rpc_code_name(code: i64) -> String {
    let name = match code {
        0 => "OK",
        1 => "CANCELLED",
        2 => "UNKNOWN",
        3 => "INVALID_ARGUMENT",
        4 => "DEADLINE_EXCEEDED",
        5 => "NOT_FOUND",
        6 => "ALREADY_EXISTS",
        7 => "PERMISSION_DENIED",
        8 => "RESOURCE_EXHAUSTED",
        9 => "FAILED_PRECONDITION",
        10 => "ABORTED",
        11 => "OUT_OF_RANGE",
        12 => "UNIMPLEMENTED",
        13 => "INTERNAL",
        14 => "UNAVAILABLE",
        15 => "DATA_LOSS",
        16 => "UNAUTHENTICATED",
        other => return other.to_string(),
    };
    name.to_owned()
}
