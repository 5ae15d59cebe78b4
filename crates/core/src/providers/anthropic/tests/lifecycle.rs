//! Create, retrieve, list, cancel, delete and the status mapping.

use serde_json::json;

use super::*;
use crate::http::Method;
use crate::model::{BatchStatus, RequestCounts};
use crate::providers::api_for;

const BATCH_ID: &str = "msgbatch_013Zva2CMHLNnXjNJJKqJ2EF";

fn assert_anthropic_headers(request: &HttpRequest) {
    assert!(request.headers.contains(&("x-api-key".into(), "sk-ant-test".into())), "{:?}", request.headers);
    assert!(request.headers.contains(&("anthropic-version".into(), "2023-06-01".into())), "{:?}", request.headers);
}

#[test]
fn api_for_builds_the_anthropic_api() {
    assert_eq!(api_for(Provider::Anthropic, ClientConfig::default()).unwrap().provider(), Provider::Anthropic);
}

#[test]
fn the_default_base_url_is_anthropics() {
    let api = AnthropicApi::new(ClientConfig { api_key: "sk-ant-test".into(), base_url: None, ..Default::default() });
    let request = api.status_request(BATCH_ID);
    assert_eq!(request.url, format!("https://api.anthropic.com/v1/messages/batches/{BATCH_ID}"));
    assert_anthropic_headers(&request);
}

#[test]
fn without_a_key_no_key_header_is_sent() {
    let api = AnthropicApi::new(ClientConfig { api_key: String::new(), base_url: None, ..Default::default() });
    let request = api.status_request(BATCH_ID);
    assert!(request.headers.iter().all(|(name, _)| name != "x-api-key"));
    assert!(request.headers.contains(&("anthropic-version".into(), "2023-06-01".into())));
}

#[test]
fn submission_creates_the_batch_in_one_call() {
    let prepared = api().prepare(&[simple("a")], &PrepareOptions::default()).unwrap();
    let mut submission = api().submit(&prepared.summary);
    let Step::Send(create) = submission.next(None).unwrap() else { panic!("a request expected") };
    assert_eq!((create.method, create.url.as_str()), (Method::Post, "http://127.0.0.1:9/v1/messages/batches"));
    assert_anthropic_headers(&create);
    assert!(create.headers.contains(&("content-type".into(), "application/json".into())));
    assert_eq!(
        create.body,
        Body::Payload { prefix: "{\"requests\":[".into(), suffix: "]}".into(), lines_as_array: true }
    );
    let Step::Done(status) = submission.next(Some(response(200, &fixture("batch_in_progress.json")))).unwrap() else {
        panic!("the batch expected")
    };
    assert_eq!((status.batch_id.as_str(), status.status), (BATCH_ID, BatchStatus::InProgress));
}

#[test]
fn submission_reports_provider_errors() {
    let mut submission = api().submit(&api().prepare(&[simple("a")], &PrepareOptions::default()).unwrap().summary);
    submission.next(None).unwrap();
    let body = r#"{"type":"error","error":{"type":"invalid_request_error","message":"requests: too many items"}}"#;
    let error = submission.next(Some(response(400, body))).err().unwrap();
    let CoreError::Provider { status, message, error_type, retryable, .. } = error else { panic!("{error:?}") };
    assert_eq!((status, message.as_str(), retryable), (400, "requests: too many items", false));
    assert_eq!(error_type.as_deref(), Some("invalid_request_error"));
}

#[test]
fn an_in_progress_batch() {
    let status = api().parse_status(BATCH_ID, &response(200, &fixture("batch_in_progress.json"))).unwrap();
    assert_eq!((status.status, status.raw_status.as_str()), (BatchStatus::InProgress, "in_progress"));
    assert_eq!(status.request_counts, RequestCounts { total: 100, processing: 100, ..Default::default() });
    assert_eq!(status.created_at.as_deref(), Some("2024-08-20T18:37:24.100435Z"));
    assert_eq!(status.expires_at.as_deref(), Some("2024-08-21T18:37:24.100435Z"));
    assert_eq!(status.completed_at, None);
    assert_eq!(status.raw["type"], "message_batch");
    let error = api().result_sources(&status).err().unwrap();
    assert!(matches!(error, CoreError::BatchNotComplete { ref status, .. } if status == "in_progress"), "{error:?}");
}

#[test]
fn a_canceling_batch_is_still_in_progress() {
    let status = api().parse_status(BATCH_ID, &response(200, &fixture("batch_canceling.json"))).unwrap();
    assert_eq!((status.status, status.raw_status.as_str()), (BatchStatus::InProgress, "canceling"));
}

#[test]
fn an_ended_batch_with_expired_requests_is_expired_and_counts_pass_through() {
    let status = api().parse_status(BATCH_ID, &response(200, &fixture("batch_ended.json"))).unwrap();
    assert_eq!((status.status, status.raw_status.as_str()), (BatchStatus::Expired, "ended"));
    assert_eq!(
        status.request_counts,
        RequestCounts { total: 100, processing: 0, succeeded: 95, errored: 3, cancelled: 0, expired: 2 }
    );
    assert_eq!(status.completed_at.as_deref(), Some("2024-08-20T19:12:05.772301Z"));
}

#[test]
fn an_ended_batch_after_a_cancel_is_cancelled() {
    let status = api().parse_status(BATCH_ID, &response(200, &fixture("batch_ended_cancelled.json"))).unwrap();
    assert_eq!(status.status, BatchStatus::Cancelled);
    assert_eq!((status.request_counts.cancelled, status.request_counts.succeeded), (60, 40));
}

#[test]
fn an_ended_batch_whose_unfinished_requests_all_expired_is_expired() {
    let status = api().parse_status(BATCH_ID, &response(200, &fixture("batch_ended_expired.json"))).unwrap();
    assert_eq!(status.status, BatchStatus::Expired);
    assert_eq!(status.request_counts.expired, 30);
}

#[test]
fn every_branch_of_the_status_rule() {
    let counts =
        |errored, cancelled, expired| RequestCounts { succeeded: 5, errored, cancelled, expired, ..Default::default() };
    let cases = [
        ("in_progress", false, counts(0, 0, 0), Some(BatchStatus::InProgress)),
        ("canceling", true, counts(0, 0, 0), Some(BatchStatus::InProgress)),
        ("ended", true, counts(0, 3, 2), Some(BatchStatus::Cancelled)),
        ("ended", true, counts(0, 0, 0), Some(BatchStatus::Cancelled)),
        ("ended", false, counts(0, 0, 2), Some(BatchStatus::Expired)),
        ("ended", false, RequestCounts { expired: 4, ..Default::default() }, Some(BatchStatus::Expired)),
        ("ended", false, counts(1, 0, 2), Some(BatchStatus::Expired)),
        ("ended", false, counts(0, 1, 2), Some(BatchStatus::Expired)),
        ("ended", false, counts(3, 0, 0), Some(BatchStatus::Completed)),
        ("ended", false, counts(0, 0, 0), Some(BatchStatus::Completed)),
        ("paused", false, counts(0, 0, 0), None),
    ];
    for (raw, cancel_initiated, counts, expected) in cases {
        assert_eq!(status_of(raw, cancel_initiated, &counts), expected, "{raw} {cancel_initiated} {counts:?}");
    }
    assert!(parse_batch("anthropic", &json!({"id": "b", "processing_status": "paused"})).is_err());
    assert!(parse_batch("anthropic", &json!({"id": "b"})).is_err());
}

#[test]
fn retrieve_cancel_and_delete_requests() {
    let status = api().status_request("msgbatch/odd id");
    assert_eq!(
        (status.method, status.url.as_str()),
        (Method::Get, "http://127.0.0.1:9/v1/messages/batches/msgbatch%2Fodd%20id")
    );
    assert_anthropic_headers(&status);
    let cancel = api().cancel_request(BATCH_ID);
    assert_eq!(
        (cancel.method, cancel.url.as_str()),
        (Method::Post, "http://127.0.0.1:9/v1/messages/batches/msgbatch_013Zva2CMHLNnXjNJJKqJ2EF/cancel")
    );
    assert_anthropic_headers(&cancel);
    let cancelled = api().parse_cancel(BATCH_ID, &response(200, &fixture("batch_canceling.json"))).unwrap();
    assert_eq!(cancelled.raw_status, "canceling");
    let delete = api().delete_request(BATCH_ID).unwrap();
    assert_eq!(
        (delete.method, delete.url.as_str()),
        (Method::Delete, "http://127.0.0.1:9/v1/messages/batches/msgbatch_013Zva2CMHLNnXjNJJKqJ2EF")
    );
    assert_anthropic_headers(&delete);
}

#[test]
fn delete_answers() {
    assert!(api().parse_delete(BATCH_ID, &response(200, &fixture("batch_deleted.json"))).is_ok());
    let still_running = r#"{"type":"error","error":{"type":"invalid_request_error","message":"Batch must be ended before it can be deleted."}}"#;
    let error = api().parse_delete(BATCH_ID, &response(400, still_running)).unwrap_err();
    assert!(matches!(error, CoreError::Provider { status: 400, retryable: false, .. }), "{error:?}");
    let missing = r#"{"type":"error","error":{"type":"not_found_error","message":"Not found"}}"#;
    let error = api().parse_delete(BATCH_ID, &response(404, missing)).unwrap_err();
    assert!(matches!(error, CoreError::BatchNotFound { ref batch_id, .. } if batch_id == BATCH_ID));
    let error = api().parse_delete(BATCH_ID, &response(200, &fixture("batch_in_progress.json"))).unwrap_err();
    assert!(matches!(error, CoreError::InvalidResponse { .. }), "{error:?}");
}

#[test]
fn providers_without_delete_say_so() {
    let openai = api_for(Provider::OpenAI, ClientConfig::default()).unwrap();
    let (field, message) = validation_field(openai.delete_request("batch_1").unwrap_err());
    assert_eq!(field, "operation");
    assert_eq!(message, "deleting a batch is not supported by the OpenAI API");
}

#[test]
fn status_404_is_batch_not_found() {
    let body = r#"{"type":"error","error":{"type":"not_found_error","message":"Message batch not found"}}"#;
    let error = api().parse_status("msgbatch_missing", &response(404, body)).unwrap_err();
    assert!(matches!(error, CoreError::BatchNotFound { ref batch_id, .. } if batch_id == "msgbatch_missing"));
}

#[test]
fn list_pages_through_after_id() {
    let request = api().list_request(&ListOptions { limit: Some(5000), after: Some("msgbatch_9".into()) });
    assert_eq!(request.url, "http://127.0.0.1:9/v1/messages/batches?limit=1000&after_id=msgbatch_9");
    assert_anthropic_headers(&request);
    assert_eq!(api().list_request(&ListOptions::default()).url, "http://127.0.0.1:9/v1/messages/batches");
    assert_eq!(
        api().list_request(&ListOptions { limit: Some(0), after: None }).url,
        "http://127.0.0.1:9/v1/messages/batches?limit=1"
    );

    let page = api().parse_list(&response(200, &fixture("batch_list.json"))).unwrap();
    let statuses: Vec<BatchStatus> = page.batches.iter().map(|batch| batch.status).collect();
    assert_eq!(statuses, [BatchStatus::InProgress, BatchStatus::Expired]);
    assert!(page.has_more);
    assert_eq!(page.next_cursor.as_deref(), Some("msgbatch_01Qh2rAfpWmkE2NLq3EjZ3xv"));

    let last =
        api().parse_list(&response(200, r#"{"data":[],"has_more":false,"first_id":null,"last_id":null}"#)).unwrap();
    assert_eq!((last.batches.len(), last.has_more, last.next_cursor), (0, false, None));
    assert!(api().parse_list(&response(200, r#"{"has_more":false}"#)).is_err());
}

#[test]
fn results_come_from_the_results_url() {
    let status = api().parse_status(BATCH_ID, &response(200, &fixture("batch_ended.json"))).unwrap();
    let sources = api().result_sources(&status).unwrap();
    let [ResultSource::Fetch { request, .. }] = sources.as_slice() else { panic!("one fetched source expected") };
    // The batch's own URL, not one built from the base URL.
    assert_eq!(request.url, format!("https://api.anthropic.com/v1/messages/batches/{BATCH_ID}/results"));
    assert_eq!(request.method, Method::Get);
    assert!(request.streaming);
    let has_key = |request: &HttpRequest| request.headers.iter().any(|(name, _)| name == "x-api-key");
    // These tests' base URL is 127.0.0.1: the key is not sent to another origin.
    assert!(!has_key(request));

    let mut moved = status.clone();
    moved.raw["results_url"] = json!("https://results.example.com/v9/batch-results?id=7");
    let sources = api().result_sources(&moved).unwrap();
    let [ResultSource::Fetch { request, .. }] = sources.as_slice() else { panic!("one fetched source expected") };
    assert_eq!(request.url, "https://results.example.com/v9/batch-results?id=7");
    assert!(!has_key(request));

    let mut relative = status.clone();
    relative.raw["results_url"] = json!("/v1/messages/batches/x/results");
    let sources = api().result_sources(&relative).unwrap();
    let [ResultSource::Fetch { request, .. }] = sources.as_slice() else { panic!("one fetched source expected") };
    assert_eq!(request.url, "http://127.0.0.1:9/v1/messages/batches/x/results");
    assert_anthropic_headers(request);
}

#[test]
fn an_ended_batch_without_results_url_is_still_in_progress() {
    // Field case 14's kind: `ended` before `results_url` is set (reference §2.2: "set once
    // processing ends"). Not readable yet: still finalising, `rawStatus` kept.
    for fixture_name in ["batch_ended.json", "batch_ended_cancelled.json", "batch_ended_expired.json"] {
        for url in [Value::Null, json!("")] {
            let mut batch: Value = serde_json::from_str(&fixture(fixture_name)).unwrap();
            batch["results_url"] = url;
            let status = parse_batch("anthropic", &batch).unwrap();
            assert_eq!(
                (status.status, status.raw_status.as_str()),
                (BatchStatus::InProgress, "ended"),
                "{fixture_name}"
            );
            assert_eq!(status.completed_at, None);
            let error = api().result_sources(&status).err().unwrap();
            assert!(matches!(error, CoreError::BatchNotComplete { ref status, .. } if status == "ended"), "{error:?}");
        }
    }
}

#[test]
fn an_archived_batch_without_results_url_has_ended_and_its_results_are_missing() {
    // Archived: "results no longer available" (reference §2.2). Waiting would never end.
    let mut batch: Value = serde_json::from_str(&fixture("batch_ended.json")).unwrap();
    batch["results_url"] = Value::Null;
    batch["archived_at"] = json!("2024-09-18T19:12:05Z");
    let status = parse_batch("anthropic", &batch).unwrap();
    assert_eq!(status.status, BatchStatus::Expired);
    let error = api().result_sources(&status).err().unwrap();
    assert!(
        matches!(error, CoreError::InvalidResponse { output_missing: true, ref message, .. } if message.contains("results_url") && message.contains(BATCH_ID)),
        "{error:?}"
    );
}
