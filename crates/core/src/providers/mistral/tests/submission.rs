//! Preparing (routes, timeout, metadata) and submitting on both routes.

use serde_json::{json, Map, Value};

use super::*;
use crate::http::{payload_bytes, Body, Method};
use crate::model::BatchStatus;
use crate::providers::{Step, SubmitRoute};
use crate::CoreError;

fn metadata(value: Value) -> Option<Map<String, Value>> {
    Some(value.as_object().unwrap().clone())
}

fn json_body(request: &HttpRequest) -> Value {
    let Body::Json { text } = &request.body else { panic!("JSON body expected, got {:?}", request.body) };
    assert!(request.headers.contains(&("content-type".into(), "application/json".into())));
    serde_json::from_str(text).unwrap()
}

#[test]
fn prepare_defaults_to_the_file_route_and_a_24_hour_timeout() {
    let prepared = api().prepare(&simple_requests(3), &PrepareOptions::default()).unwrap();
    let text = String::from_utf8(prepared.jsonl.clone()).unwrap();
    assert_eq!(text.lines().count(), 3);
    let summary = &prepared.summary;
    assert_eq!((summary.provider, summary.request_count, summary.bytes), (Provider::Mistral, 3, text.len()));
    assert_eq!((summary.route.as_str(), summary.timeout_hours), ("file", Some(24)));
    assert_eq!(summary.model.as_deref(), Some("m"));
    assert!(summary.id_map.is_empty());
}

#[test]
fn routes_and_timeouts_are_checked() {
    let prepare = |route: Option<&str>, timeout_hours: Option<u32>, count: usize| {
        let route = route.map(|name| SubmitRoute::from_name(name).expect("a route name"));
        let options = PrepareOptions { route, timeout_hours, ..Default::default() };
        api().prepare(&simple_requests(count), &options)
    };
    let inline = prepare(Some("inline"), Some(168), 2).unwrap();
    assert_eq!((inline.summary.route.as_str(), inline.summary.timeout_hours), ("inline", Some(168)));
    assert_eq!(prepare(Some("file"), Some(1), 2).unwrap().summary.route, "file");
    assert!(prepare(Some("inline"), None, INLINE_MAX_REQUESTS).is_ok());

    let field = |error: CoreError| match error {
        CoreError::Validation { field, message, .. } => (field, message),
        other => panic!("{other:?}"),
    };
    let (name, message) = field(prepare(Some("inline"), None, INLINE_MAX_REQUESTS + 1).unwrap_err());
    assert_eq!(name, "route");
    assert!(message.contains("fewer than 10,000") && message.contains("10000"), "{message}");
    // An unknown route name cannot reach the core: it is not a SubmitRoute.
    assert!(serde_json::from_str::<PrepareOptions>(r#"{"route":"stream"}"#).is_err());
    for hours in [0, 169] {
        let (name, message) = field(prepare(None, Some(hours), 1).unwrap_err());
        assert_eq!(name, "timeoutHours");
        assert!(message.contains("1 to 168"), "{message}");
    }
}

#[test]
fn metadata_limits_are_checked() {
    let check = |value: Value| {
        let options = PrepareOptions { metadata: metadata(value), ..Default::default() };
        api().prepare(&simple_requests(1), &options).map(|_| ()).map_err(|error| error.to_string())
    };
    assert!(check(json!({"job_type": "testing", "k": "v".repeat(512), "k".repeat(32): "v"})).is_ok());
    let too_long_key = "k".repeat(33);
    for (value, expected) in [
        (json!({too_long_key.clone(): "v"}), format!("metadata.{too_long_key}")),
        (json!({"": "v"}), "metadata.".to_owned()),
        (json!({"k": "v".repeat(513)}), "metadata.k: values are 1 to 512".to_owned()),
        (json!({"k": ""}), "metadata.k: values are 1 to 512".to_owned()),
        (json!({"k": 1}), "metadata.k: values must be strings".to_owned()),
    ] {
        let error = check(value).unwrap_err();
        assert!(error.contains(&expected), "{error}");
    }
}

fn summary(route: &str) -> BatchSummary {
    BatchSummary {
        provider: Provider::Mistral,
        request_count: 2,
        bytes: 10,
        model: Some("mistral-small-latest".into()),
        route: route.into(),
        warnings: vec![],
        id_map: vec![],
        notes: vec![],
        json_answers: Default::default(),
        embedding_inputs: None,
        metadata: metadata(json!({"job_type": "testing"})),
        timeout_hours: Some(48),
        webhook_config: None,
        endpoint: Default::default(),
    }
}

#[test]
fn the_file_route_uploads_then_creates_the_job() {
    let mut submission = api().submit(&summary("file"));
    let Step::Send(upload) = submission.next(None).unwrap() else { panic!() };
    assert_eq!((upload.method, upload.url.as_str()), (Method::Post, "http://127.0.0.1:9/v1/files"));
    assert!(has_auth(&upload));
    let content_type = upload.headers.iter().find(|(name, _)| name == "content-type").unwrap();
    assert!(content_type.1.starts_with("multipart/form-data; boundary="));
    let Body::Payload { prefix, suffix, lines_as_array: false } = &upload.body else { panic!("payload expected") };
    assert!(prefix.contains("name=\"purpose\"\r\n\r\nbatch\r\n"), "{prefix}");
    assert!(prefix.contains("name=\"file\"; filename=\"batch_input.jsonl\""), "{prefix}");
    assert!(suffix.ends_with("--\r\n"));

    let Step::Send(create) = submission.next(Some(response(200, &fixture("file_upload.json")))).unwrap() else {
        panic!()
    };
    assert_eq!((create.method, create.url.as_str()), (Method::Post, "http://127.0.0.1:9/v1/batch/jobs"));
    assert!(has_auth(&create));
    assert_eq!(
        json_body(&create),
        json!({
            "input_files": ["e85980c9-409e-4a46-9304-36588f6292b0"],
            "endpoint": "/v1/chat/completions",
            "model": "mistral-small-latest",
            "metadata": {"job_type": "testing"},
            "timeout_hours": 48
        })
    );
    let Step::Done(status) = submission.next(Some(response(200, &fixture("job_queued.json")))).unwrap() else {
        panic!()
    };
    assert_eq!(
        (status.batch_id.as_str(), status.status),
        ("b6f2c1a4-5d3e-4f7a-9c8b-2e1d0a9f8b7c", BatchStatus::Validating)
    );
}

#[test]
fn the_inline_route_creates_the_job_with_the_requests_in_one_call() {
    let options = PrepareOptions { route: Some(SubmitRoute::Inline), ..Default::default() };
    let prepared = api().prepare(&simple_requests(2), &options).unwrap();
    let mut submission = api().submit(&prepared.summary);
    let Step::Send(create) = submission.next(None).unwrap() else { panic!() };
    assert_eq!((create.method, create.url.as_str()), (Method::Post, "http://127.0.0.1:9/v1/batch/jobs"));
    assert!(has_auth(&create));
    assert!(create.headers.contains(&("content-type".into(), "application/json".into())));
    let Body::Payload { prefix, suffix, lines_as_array: true } = &create.body else { panic!("array payload expected") };
    let body: Value = serde_json::from_slice(&payload_bytes(prefix, &prepared.jsonl, suffix, true)).unwrap();
    let lines: Vec<Value> =
        String::from_utf8(prepared.jsonl).unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(body, json!({"endpoint": "/v1/chat/completions", "model": "m", "timeout_hours": 24, "requests": lines}));
    assert_eq!(
        body["requests"][1],
        json!({"custom_id": "r1", "body": {"model": "m", "messages": [{"role": "user", "content": "x"}]}})
    );
    let Step::Done(status) = submission.next(Some(response(200, &fixture("job_queued.json")))).unwrap() else {
        panic!()
    };
    assert_eq!(status.raw_status, "QUEUED");
}

#[test]
fn submission_errors_are_provider_errors() {
    let mut upload_refused = api().submit(&summary("file"));
    upload_refused.next(None).unwrap();
    let error = upload_refused.next(Some(response(401, r#"{"message":"Unauthorized"}"#))).err().unwrap();
    assert!(matches!(error, CoreError::Provider { status: 401, retryable: false, .. }), "{error:?}");

    let mut create_refused = api().submit(&summary("inline"));
    create_refused.next(None).unwrap();
    let body =
        r#"{"object":"error","message":"Invalid model: nope","type":"invalid_model","param":null,"code":"1500"}"#;
    let CoreError::Provider { status, message, error_type, .. } =
        create_refused.next(Some(response(400, body))).err().unwrap()
    else {
        panic!()
    };
    assert_eq!((status, message.as_str(), error_type.as_deref()), (400, "Invalid model: nope", Some("invalid_model")));

    let mut unknown_route = api().submit(&summary("ftp"));
    assert!(matches!(unknown_route.next(None), Err(CoreError::Validation { ref field, .. }) if field == "route"));
    let mut upload_without_id = api().submit(&summary("file"));
    upload_without_id.next(None).unwrap();
    assert!(matches!(
        upload_without_id.next(Some(response(200, r#"{"object":"file"}"#))),
        Err(CoreError::InvalidResponse { .. })
    ));
}
