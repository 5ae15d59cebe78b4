//! Operation → status, ids, cancel, delete and list.

use serde_json::{json, Value};

use super::{api, fixture, fixture_json, response, BASE};
use crate::http::Method;
use crate::model::{BatchStatus, ListOptions};
use crate::providers::google::{parse_operation, state_of};
use crate::providers::BatchApi;
use crate::CoreError;

#[test]
fn both_state_spellings_are_mapped() {
    let expected = [
        ("PENDING", BatchStatus::Validating),
        ("RUNNING", BatchStatus::InProgress),
        ("SUCCEEDED", BatchStatus::Completed),
        ("FAILED", BatchStatus::Failed),
        ("CANCELLED", BatchStatus::Cancelled),
        ("EXPIRED", BatchStatus::Expired),
    ];
    for (suffix, unified) in expected {
        for prefix in ["BATCH_STATE_", "JOB_STATE_"] {
            let raw = format!("{prefix}{suffix}");
            assert_eq!(state_of(&raw), Some(unified), "{raw}");
            let operation = json!({"name": "batches/b", "metadata": {"state": raw}, "done": unified.is_terminal()});
            let status = parse_operation("google", &operation).unwrap();
            assert_eq!((status.status, status.raw_status.as_str()), (unified, raw.as_str()));
        }
    }
    assert_eq!(state_of("BATCH_STATE_UNSPECIFIED"), None);
    assert_eq!(state_of("SUCCEEDED"), None);
}

#[test]
fn an_ended_state_before_done_is_still_finalising() {
    // Field case 14: `BATCH_STATE_SUCCEEDED` without `done` has no output yet.
    let status = parse_operation("google", &fixture_json("batch_succeeded_not_done.json")).unwrap();
    assert_eq!((status.status, status.raw_status.as_str()), (BatchStatus::InProgress, "BATCH_STATE_SUCCEEDED"));
    assert!(!status.status.is_terminal());
    assert_eq!(status.completed_at, None);
    for state in ["BATCH_STATE_FAILED", "JOB_STATE_CANCELLED", "BATCH_STATE_EXPIRED", "BATCH_STATE_PARTIALLY_SUCCEEDED"]
    {
        for done in [json!(false), Value::Null] {
            let operation = json!({"name": "batches/b", "metadata": {"state": state}, "done": done});
            let status = parse_operation("google", &operation).unwrap();
            assert_eq!((status.status, status.raw_status.as_str()), (BatchStatus::InProgress, state));
        }
    }
    // Its results are not there to read: not complete, rather than an empty result set.
    let Err(error) = api().result_sources(&status) else { panic!("no results expected") };
    assert!(
        matches!(error, CoreError::BatchNotComplete { ref status, .. } if status == "BATCH_STATE_SUCCEEDED"),
        "{error:?}"
    );
}

#[test]
fn done_without_output_is_an_error_not_an_empty_result_set() {
    // Field case 14 (b): done, succeeded, two requests, no output anywhere.
    let status = parse_operation("google", &fixture_json("batch_succeeded_done_without_output.json")).unwrap();
    assert_eq!(status.status, BatchStatus::Completed);
    assert_eq!(status.request_counts.total, 2);
    let Err(error) = api().result_sources(&status) else { panic!("no results expected") };
    assert!(matches!(error, CoreError::InvalidResponse { output_missing: true, .. }), "{error:?}");
}

#[test]
fn only_a_succeeded_batch_must_give_the_answers_its_stats_count() {
    let operation = |state: &str| {
        json!({"name": "batches/b", "done": true, "metadata": {"state": state,
            "batchStats": {"requestCount": "2", "successfulRequestCount": "2"}}})
    };
    let succeeded = parse_operation("google", &operation("BATCH_STATE_SUCCEEDED")).unwrap();
    let check = api().output_check(&succeeded).expect("a succeeded batch promises its answers");
    assert!(
        matches!(check.after_read(0), Err(CoreError::InvalidResponse { output_missing: true, ref message, .. }) if message.starts_with("batch batches/b is completed"))
    );
    // A cancelled or expired batch keeps no output, whatever its stats counted.
    for state in ["BATCH_STATE_CANCELLED", "BATCH_STATE_EXPIRED", "BATCH_STATE_FAILED"] {
        assert_eq!(api().output_check(&parse_operation("google", &operation(state)).unwrap()), None, "{state}");
    }
}

#[test]
fn done_decides_when_the_state_does_not() {
    let cases = [
        (json!({"name": "batches/b"}), BatchStatus::InProgress, "not_done"),
        (json!({"name": "batches/b", "done": true}), BatchStatus::Completed, "done"),
        (
            json!({"name": "batches/b", "done": true, "error": {"code": 1, "message": "cancelled"}}),
            BatchStatus::Cancelled,
            "done",
        ),
        (
            json!({"name": "batches/b", "done": true, "error": {"code": 13, "message": "internal"}}),
            BatchStatus::Failed,
            "done",
        ),
        (
            json!({"name": "batches/b", "done": true, "metadata": {"state": "BATCH_STATE_UNSPECIFIED"}}),
            BatchStatus::Completed,
            "BATCH_STATE_UNSPECIFIED",
        ),
        (
            json!({"name": "batches/b", "done": false, "metadata": {"state": "BATCH_STATE_SOMETHING_NEW"}}),
            BatchStatus::InProgress,
            "BATCH_STATE_SOMETHING_NEW",
        ),
    ];
    for (operation, unified, raw) in cases {
        let status = parse_operation("google", &operation).unwrap();
        assert_eq!((status.status, status.raw_status.as_str()), (unified, raw), "{operation}");
    }
    assert!(parse_operation("google", &json!({"done": true})).is_err(), "an operation needs a name");
}

#[test]
fn running_batch_counts_come_from_batch_stats() {
    let status = api().parse_status("r7unn1ng", &response(200, &fixture("batch_running.json"))).unwrap();
    assert_eq!(status.batch_id, "batches/r7unn1ng");
    assert_eq!(status.provider, "google");
    assert_eq!(status.status, BatchStatus::InProgress);
    let counts = status.request_counts;
    assert_eq!((counts.total, counts.succeeded, counts.errored, counts.processing), (10, 4, 1, 5));
    assert_eq!(status.created_at.as_deref(), Some("2026-03-02T09:15:27.118204Z"));
    assert_eq!(status.completed_at, None);
    assert_eq!(status.model.as_deref(), Some("gemini-2.5-flash"));
    assert_eq!(status.metadata, Some(json!({"displayName": "nightly-eval"})));
}

#[test]
fn counts_are_never_invented() {
    let status =
        parse_operation("google", &json!({"name": "batches/b", "metadata": {"state": "BATCH_STATE_RUNNING"}})).unwrap();
    assert_eq!(status.request_counts, Default::default());
    // Proto-JSON leaves out zero counts; the pending count is then what is left.
    let partial = parse_operation(
        "google",
        &json!({"name": "batches/b", "metadata": {"state": "BATCH_STATE_RUNNING", "batchStats": {"requestCount": "5", "successfulRequestCount": "2"}}}),
    )
    .unwrap();
    assert_eq!((partial.request_counts.total, partial.request_counts.processing), (5, 3));
}

#[test]
fn cancelled_batch_reports_what_was_cut_short() {
    let status = api().parse_status("c4nc3l", &response(200, &fixture("batch_cancelled.json"))).unwrap();
    assert_eq!(status.status, BatchStatus::Cancelled);
    assert_eq!((status.request_counts.succeeded, status.request_counts.cancelled), (3, 7));
    assert_eq!(status.completed_at.as_deref(), Some("2026-03-02T09:20:00Z"));
    assert_eq!(status.errors[0].code.as_deref(), Some("CANCELLED"));
    assert_eq!(status.errors[0].message, "The batch was cancelled.");
}

#[test]
fn bare_ids_and_full_names_give_the_same_urls() {
    let api = api();
    for id in ["abc123", "batches/abc123"] {
        assert_eq!(api.status_request(id).url, format!("{BASE}/v1beta/batches/abc123"));
        let cancel = api.cancel_request(id);
        assert_eq!((cancel.method, cancel.url), (Method::Post, format!("{BASE}/v1beta/batches/abc123:cancel")));
        let delete = api.delete_request(id).unwrap();
        assert_eq!((delete.method, delete.url), (Method::Delete, format!("{BASE}/v1beta/batches/abc123")));
        assert_eq!(api.canonical_batch_id(id), "batches/abc123");
    }
}

#[test]
fn cancel_answers_empty_and_asks_for_a_status_call() {
    let status = api().parse_cancel("abc123", &response(200, "{}")).unwrap();
    assert_eq!(status.batch_id, "batches/abc123");
    assert_eq!((status.status, status.raw_status.as_str()), (BatchStatus::InProgress, "cancel_requested"));
    assert_eq!(status.request_counts, Default::default());
    let as_operation = api().parse_cancel("c4nc3l", &response(200, &fixture("batch_cancelled.json"))).unwrap();
    assert_eq!(as_operation.status, BatchStatus::Cancelled);
    let missing = api()
        .parse_cancel("gone", &response(404, r#"{"error":{"code":404,"message":"Not found","status":"NOT_FOUND"}}"#));
    assert!(matches!(missing, Err(CoreError::BatchNotFound { ref batch_id, .. }) if batch_id == "gone"));
}

#[test]
fn delete_answers_empty() {
    assert!(api().parse_delete("abc123", &response(200, "{}")).is_ok());
    assert!(api().parse_delete("abc123", &response(200, "")).is_ok());
    // A page that is not the API's answer (a proxy's HTML) deletes nothing known (a trial found it taken as done).
    let page = api().parse_delete("abc123", &response(200, "<html>maintenance</html>"));
    assert!(matches!(&page, Err(CoreError::InvalidResponse { .. })), "{page:?}");
    assert!(matches!(api().parse_delete("abc123", &response(404, "")), Err(CoreError::BatchNotFound { .. })));
}

#[test]
fn status_404_is_batch_not_found() {
    let error = api().parse_status("batches/none", &response(404, r#"{"error":{"code":404,"status":"NOT_FOUND"}}"#));
    assert!(matches!(error, Err(CoreError::BatchNotFound { .. })));
}

#[test]
fn list_pages_with_page_tokens() {
    let api = api();
    let request = api.list_request(&ListOptions { limit: Some(50), after: Some("Cg5i/YX+Rj".into()) });
    assert_eq!(request.url, format!("{BASE}/v1beta/batches?pageSize=50&pageToken=Cg5i%2FYX%2BRj"));
    assert_eq!(api.list_request(&ListOptions::default()).url, format!("{BASE}/v1beta/batches"));

    let page = api.parse_list(&response(200, &fixture("batch_list.json"))).unwrap();
    let ids: Vec<&str> = page.batches.iter().map(|batch| batch.batch_id.as_str()).collect();
    assert_eq!(ids, ["batches/r7unn1ng", "batches/file1"]);
    assert_eq!(page.batches[1].status, BatchStatus::Completed);
    assert_eq!((page.has_more, page.next_cursor.as_deref()), (true, Some("Cg5iYXRjaGVzL2ZpbGUx")));

    let last = api.parse_list(&response(200, "{}")).unwrap();
    assert_eq!((last.batches.len(), last.has_more, last.next_cursor), (0, false, None));
}
