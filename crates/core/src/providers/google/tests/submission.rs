//! The submission state machines of both routes.

use serde_json::{json, Value};

use super::{api, fixture, response, BASE};
use crate::http::{Body, HttpRequest, HttpResponse, Method};
use crate::model::BatchStatus;
use crate::providers::google::GoogleApi;
use crate::providers::{api_for, BatchApi, BatchSummary, ClientConfig, Step, SubmissionCheckpoint};
use crate::{CoreError, Provider};

fn summary(route: &str) -> BatchSummary {
    BatchSummary {
        provider: Provider::Google,
        request_count: 2,
        bytes: 2048,
        model: Some("gemini-2.5-flash".into()),
        route: route.into(),
        warnings: vec![],
        id_map: vec![],
        notes: vec![],
        json_answers: Default::default(),
        embedding_inputs: None,
        metadata: Some(json!({"displayName": "nightly-eval"}).as_object().unwrap().clone()),
        timeout_hours: None,
        webhook_config: None,
        endpoint: Default::default(),
    }
}

fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
}

fn send(step: Step<crate::BatchStatusResponse>) -> HttpRequest {
    match step {
        Step::Send(request) => request,
        Step::Done(status) => panic!("a request was expected, got {status:?}"),
    }
}

#[test]
fn inline_route_creates_in_one_call() {
    let mut submission = api().submit(&summary("inline"));
    let create = send(submission.next(None).unwrap());
    assert_eq!(create.method, Method::Post);
    assert_eq!(create.url, format!("{BASE}/v1beta/models/gemini-2.5-flash:batchGenerateContent"));
    assert_eq!(header(&create, "x-goog-api-key"), Some("gm-test-key"));
    assert_eq!(header(&create, "content-type"), Some("application/json"));
    let Body::Payload { prefix, suffix, lines_as_array: true } = &create.body else { panic!("array payload expected") };
    let body: Value = serde_json::from_str(&format!("{prefix}{{\"request\":{{}}}}{suffix}")).unwrap();
    assert_eq!(
        body,
        json!({"batch": {"model": "models/gemini-2.5-flash", "displayName": "nightly-eval",
               "inputConfig": {"requests": {"requests": [{"request": {}}]}}}})
    );
    let Step::Done(status) = submission.next(Some(response(200, &fixture("batch_created.json")))).unwrap() else {
        panic!("done expected")
    };
    assert_eq!(status.batch_id, "batches/a1b2c3d4e5");
    assert_eq!(status.status, BatchStatus::Validating);
    assert_eq!(status.request_counts.total, 2);
}

#[test]
fn file_route_uploads_resumably_then_creates() {
    let mut submission = api().submit(&summary("file"));
    let start = send(submission.next(None).unwrap());
    assert_eq!((start.method, start.url.as_str()), (Method::Post, format!("{BASE}/upload/v1beta/files").as_str()));
    assert_eq!(header(&start, "x-goog-api-key"), Some("gm-test-key"));
    assert_eq!(header(&start, "x-goog-upload-protocol"), Some("resumable"));
    assert_eq!(header(&start, "x-goog-upload-command"), Some("start"));
    assert_eq!(header(&start, "x-goog-upload-header-content-length"), Some("2048"));
    assert_eq!(header(&start, "x-goog-upload-header-content-type"), Some("application/jsonl"));
    let Body::Json { text } = &start.body else { panic!("json body expected") };
    assert_eq!(serde_json::from_str::<Value>(text).unwrap(), json!({"file": {"displayName": "nightly-eval input"}}));

    let session = format!("{BASE}/upload/v1beta/files?upload_id=ADPycdu1&upload_protocol=resumable");
    let started = HttpResponse {
        status: 200,
        headers: vec![("X-Goog-Upload-URL".into(), session.clone()), ("X-Goog-Upload-Status".into(), "active".into())],
        body: String::new(),
    };
    let upload = send(submission.next(Some(started)).unwrap());
    assert_eq!((upload.method, upload.url.as_str()), (Method::Post, session.as_str()));
    assert_eq!(header(&upload, "x-goog-upload-offset"), Some("0"));
    assert_eq!(header(&upload, "x-goog-upload-command"), Some("upload, finalize"));
    assert_eq!(header(&upload, "x-goog-api-key"), Some("gm-test-key"));
    assert_eq!(upload.body, Body::Payload { prefix: String::new(), suffix: String::new(), lines_as_array: false });

    let create = send(submission.next(Some(response(200, &fixture("file_uploaded.json")))).unwrap());
    assert_eq!(create.url, format!("{BASE}/v1beta/models/gemini-2.5-flash:batchGenerateContent"));
    let Body::Json { text } = &create.body else { panic!("json body expected") };
    assert_eq!(
        serde_json::from_str::<Value>(text).unwrap(),
        json!({"batch": {"model": "models/gemini-2.5-flash", "displayName": "nightly-eval",
               "inputConfig": {"fileName": "files/in-r7unn1ng"}}})
    );
    let Step::Done(status) = submission.next(Some(response(200, &fixture("batch_running.json")))).unwrap() else {
        panic!("done expected")
    };
    assert_eq!(status.batch_id, "batches/r7unn1ng");
    assert!(submission.next(Some(response(200, "{}"))).is_err());
}

#[test]
fn the_key_never_follows_a_session_url_to_another_host() {
    let mut submission = api().submit(&summary("file"));
    submission.next(None).unwrap();
    let started = HttpResponse {
        status: 200,
        headers: vec![("x-goog-upload-url".into(), "https://uploads.example.net/u?upload_id=1".into())],
        body: String::new(),
    };
    let upload = send(submission.next(Some(started)).unwrap());
    assert_eq!(header(&upload, "x-goog-api-key"), None);
}

#[test]
fn a_missing_session_url_is_reported() {
    let mut submission = api().submit(&summary("file"));
    submission.next(None).unwrap();
    let error = submission.next(Some(response(200, ""))).err().unwrap();
    assert!(
        matches!(&error, CoreError::InvalidResponse { message, .. } if message.contains("x-goog-upload-url")),
        "{error}"
    );
}

#[test]
fn create_errors_carry_googles_message() {
    let mut submission = api().submit(&summary("inline"));
    submission.next(None).unwrap();
    let body = r#"{"error":{"code":400,"message":"* BatchGenerateContentRequest.batch.input_config: input_config is required","status":"INVALID_ARGUMENT"}}"#;
    let error = submission.next(Some(response(400, body))).err().unwrap();
    let CoreError::Provider { status, message, error_type, retryable, .. } = error else { panic!("{error:?}") };
    assert_eq!((status, error_type.as_deref(), retryable), (400, Some("INVALID_ARGUMENT"), false));
    assert!(message.contains("input_config is required"));
}

#[test]
fn a_summary_without_route_or_model_fails_at_the_first_step() {
    assert!(api().submit(&summary("multipart")).next(None).is_err());
    let mut without_model = summary("inline");
    without_model.model = None;
    assert!(api().submit(&without_model).next(None).is_err());
}

#[test]
fn default_and_custom_base_urls() {
    let default =
        api_for(Provider::Google, ClientConfig { api_key: "k".into(), base_url: None, ..Default::default() }).unwrap();
    assert_eq!(default.provider(), Provider::Google);
    assert_eq!(default.status_request("batches/x").url, "https://generativelanguage.googleapis.com/v1beta/batches/x");
    let custom = GoogleApi::new(ClientConfig {
        api_key: String::new(),
        base_url: Some("https://proxy.local/gemini/".into()),
        ..Default::default()
    });
    let request = custom.status_request("x");
    assert_eq!(request.url, "https://proxy.local/gemini/v1beta/batches/x");
    assert!(request.headers.is_empty(), "no key, no header");
}

#[test]
fn the_key_is_only_ever_a_header() {
    let api = api();
    let mut submission = api.submit(&summary("inline"));
    let create = send(submission.next(None).unwrap());
    for request in [create, api.status_request("b"), api.cancel_request("b")] {
        assert!(!request.url.contains("gm-test-key"), "{}", request.url);
    }
}

/// A per-job webhook (endpoints-and-push.md §3.3): `batch.webhookConfig` in the create body of
/// both routes, from the prepare options through the summary.
#[test]
fn a_per_job_webhook_goes_into_the_create_body_of_both_routes() {
    let config: crate::providers::WebhookConfig = serde_json::from_value(
        json!({"uris": ["https://hooks.example.com/gemini"], "userMetadata": {"job": "nightly-42"}}),
    )
    .unwrap();
    let expected = json!({"uris": ["https://hooks.example.com/gemini"], "userMetadata": {"job": "nightly-42"}});
    let with_webhook = |route: &str| BatchSummary { webhook_config: Some(config.clone()), ..summary(route) };

    let mut inline = api().submit(&with_webhook("inline"));
    let create = send(inline.next(None).unwrap());
    let Body::Payload { prefix, suffix, .. } = &create.body else { panic!("array payload expected") };
    let body: Value = serde_json::from_str(&format!("{prefix}{{\"request\":{{}}}}{suffix}")).unwrap();
    assert_eq!(body["batch"]["webhookConfig"], expected);
    assert_eq!(body["batch"]["inputConfig"], json!({"requests": {"requests": [{"request": {}}]}}));

    // The file route, resumed after its upload: the create call names the file and the webhook.
    let checkpoint = SubmissionCheckpoint { file_id: Some("files/in-r7unn1ng".into()) };
    let mut file = api().resume_submission(&with_webhook("file"), &checkpoint);
    let create = send(file.next(None).unwrap());
    let Body::Json { text } = &create.body else { panic!("json body expected") };
    let body: Value = serde_json::from_str(text).unwrap();
    assert_eq!(body["batch"]["webhookConfig"], expected);
    assert_eq!(body["batch"]["inputConfig"], json!({"fileName": "files/in-r7unn1ng"}));
}
