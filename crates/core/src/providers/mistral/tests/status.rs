//! `BatchJob` in each state → unified status, counts and timestamps.

use serde_json::json;

use super::*;
use crate::model::{BatchStatus, RequestCounts};
use crate::CoreError;

fn job(state: &str) -> BatchStatusResponse {
    api()
        .parse_status("b6f2c1a4-5d3e-4f7a-9c8b-2e1d0a9f8b7c", &response(200, &fixture(&format!("job_{state}.json"))))
        .unwrap()
}

fn counts(total: u64, processing: u64, succeeded: u64, errored: u64, cancelled: u64, expired: u64) -> RequestCounts {
    RequestCounts { total, processing, succeeded, errored, cancelled, expired }
}

#[test]
fn every_state_is_mapped_and_kept_raw() {
    let expected = [
        ("queued", "QUEUED", BatchStatus::Validating, counts(0, 0, 0, 0, 0, 0)),
        ("running", "RUNNING", BatchStatus::InProgress, counts(3, 2, 1, 0, 0, 0)),
        ("success", "SUCCESS", BatchStatus::Completed, counts(3, 0, 2, 1, 0, 0)),
        ("failed", "FAILED", BatchStatus::Failed, counts(0, 0, 0, 0, 0, 0)),
        ("timeout_exceeded", "TIMEOUT_EXCEEDED", BatchStatus::Expired, counts(3, 0, 1, 0, 0, 2)),
        ("cancellation_requested", "CANCELLATION_REQUESTED", BatchStatus::InProgress, counts(3, 2, 1, 0, 0, 0)),
        ("cancelled", "CANCELLED", BatchStatus::Cancelled, counts(3, 0, 1, 0, 2, 0)),
    ];
    for (state, raw, unified, request_counts) in expected {
        let status = job(state);
        assert_eq!((status.status, status.raw_status.as_str()), (unified, raw), "{state}");
        assert_eq!(status.request_counts, request_counts, "{state}");
        assert_eq!(status.provider, "mistral");
        assert_eq!(status.raw, fixture_json(&format!("job_{state}.json")));
    }
}

#[test]
fn a_finished_file_job_that_names_no_result_file_yet_is_still_in_progress() {
    // Field case 14's kind: answers counted, but no output or error file and no `outputs`.
    for (raw, unified) in [
        ("SUCCESS", BatchStatus::Completed),
        ("TIMEOUT_EXCEEDED", BatchStatus::Expired),
        ("CANCELLED", BatchStatus::Cancelled),
    ] {
        let mut body = fixture_json("job_success.json");
        body["status"] = json!(raw);
        body["output_file"] = Value::Null;
        body["error_file"] = Value::Null;
        let status = parse_job("mistral", &body).unwrap();
        assert_eq!((status.status, status.raw_status.as_str()), (BatchStatus::InProgress, raw));
        assert_eq!(status.completed_at, None);
        // Either file, or inline outputs, make it readable.
        for (field, value) in [
            ("output_file", json!("7d8a35c2-6f1e-4b0a-8e3d-91c2b4a5f6e7")),
            ("error_file", json!("0c4b9e2f-1a3d-4e5f-8a7b-6c5d4e3f2a1b")),
            ("outputs", json!([{"custom_id": "0"}])),
        ] {
            let mut named = body.clone();
            named[field] = value;
            assert_eq!(parse_job("mistral", &named).unwrap().status, unified, "{raw} with {field}");
        }
        // An inline job's results may come only with `?inline=true`: its status is taken as it is.
        let mut inline = body.clone();
        inline["input_files"] = json!([]);
        assert_eq!(parse_job("mistral", &inline).unwrap().status, unified, "{raw} inline");
    }
    // Nothing answered: nothing to wait for.
    let mut nothing = fixture_json("job_success.json");
    nothing["status"] = json!("TIMEOUT_EXCEEDED");
    nothing["output_file"] = Value::Null;
    nothing["error_file"] = Value::Null;
    nothing["succeeded_requests"] = json!(0);
    nothing["failed_requests"] = json!(0);
    assert_eq!(parse_job("mistral", &nothing).unwrap().status, BatchStatus::Expired);
    // A failed job is taken at its word.
    let failed = fixture_json("job_failed.json");
    assert_eq!(parse_job("mistral", &failed).unwrap().status, BatchStatus::Failed);
}

#[test]
fn status_of_knows_every_documented_status_and_nothing_else() {
    for raw in ["QUEUED", "RUNNING", "SUCCESS", "FAILED", "TIMEOUT_EXCEEDED", "CANCELLATION_REQUESTED", "CANCELLED"] {
        assert!(status_of(raw).is_some(), "{raw}");
    }
    assert_eq!(status_of("running"), None);
    let error = parse_job("mistral", &json!({"id": "j", "status": "PAUSED", "created_at": 0})).unwrap_err();
    assert!(error.to_string().contains("unknown status \"PAUSED\""), "{error}");
    assert!(parse_job("mistral", &json!({"status": "QUEUED"})).is_err());
}

#[test]
fn counts_are_the_reported_ones_without_completed_requests() {
    // `completed_requests` disagrees with succeeded + failed here; only the latter two are used.
    let status = parse_job(
        "mistral",
        &json!({"id": "j", "status": "RUNNING", "created_at": 0, "total_requests": 10,
                "completed_requests": 9, "succeeded_requests": 4, "failed_requests": 1}),
    )
    .unwrap();
    assert_eq!(status.request_counts, counts(10, 5, 4, 1, 0, 0));
}

#[test]
fn timestamps_model_and_metadata_are_read() {
    let success = job("success");
    assert_eq!(success.created_at.as_deref(), Some("2025-10-27T15:11:40Z"));
    assert_eq!(success.completed_at.as_deref(), Some("2025-10-27T15:12:14Z"));
    assert_eq!(success.expires_at, None);
    assert_eq!(success.model.as_deref(), Some("mistral-small-latest"));
    assert_eq!(success.metadata.unwrap()["job_type"], "testing");
    let running = job("running");
    assert_eq!(running.completed_at, None);
}

#[test]
fn a_failed_job_keeps_its_errors() {
    let failed = job("failed");
    assert_eq!(failed.errors.len(), 1);
    assert_eq!(failed.errors[0].message, "Line 1 of the input file is not valid JSON");
    assert_eq!(failed.raw["errors"][0]["count"], 1);
}

#[test]
fn a_missing_job_is_batch_not_found_and_other_errors_are_provider_errors() {
    let error = api().parse_status("nope", &response(404, r#"{"detail":"Batch job not found"}"#)).unwrap_err();
    assert!(matches!(error, CoreError::BatchNotFound { ref batch_id, .. } if batch_id == "nope"));
    let error =
        api().parse_status("j", &response(401, r#"{"message":"Unauthorized","request_id":"abc123"}"#)).unwrap_err();
    let CoreError::Provider { status, message, retryable, request_id, .. } = error else { panic!() };
    assert_eq!((status, message.as_str(), retryable), (401, "Unauthorized", false));
    assert_eq!(request_id.as_deref(), Some("abc123"));
    assert!(matches!(api().parse_status("j", &response(200, "<html>")), Err(CoreError::InvalidResponse { .. })));
}
