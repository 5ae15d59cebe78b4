use serde_json::{json, Value};

use super::*;
use crate::http::Body;
use crate::model::{BatchStatus, ResultStatus};
use crate::providers::openai::OpenAiLineDecoder;
use crate::results::{LineDecoder, ResultDecoder};

fn api() -> XaiApi {
    XaiApi::new(ClientConfig { api_key: "xai-test".into(), ..Default::default() })
}

fn ok(body: Value) -> HttpResponse {
    HttpResponse { status: 200, headers: vec![], body: body.to_string() }
}

fn batch(state: Value, cancel_time: Option<&str>) -> Value {
    let mut batch = json!({"batch_id": "b1", "name": "batch-router [job_1.0.1]",
        "create_time": "2025-07-01T10:00:00Z", "expire_time": "2025-07-02T10:00:00Z", "state": state});
    if let Some(time) = cancel_time {
        batch["cancel_time"] = json!(time);
    }
    batch
}

fn state(total: u64, pending: u64, success: u64, error: u64, cancelled: u64) -> Value {
    json!({"num_requests": total, "num_pending": pending, "num_success": success,
        "num_error": error, "num_cancelled": cancelled})
}

#[test]
fn the_status_is_derived_from_the_counters() {
    let cases = [
        (batch(state(0, 0, 0, 0, 0), None), BatchStatus::Validating, "validating"),
        (batch(state(3, 2, 1, 0, 0), None), BatchStatus::InProgress, "in_progress"),
        (batch(state(3, 0, 2, 1, 0), None), BatchStatus::Completed, "completed"),
        (batch(state(3, 1, 2, 0, 0), Some("2025-07-01T11:00:00Z")), BatchStatus::InProgress, "cancelling"),
        (batch(state(3, 0, 1, 0, 2), Some("2025-07-01T11:00:00Z")), BatchStatus::Cancelled, "cancelled"),
    ];
    for (object, expected, raw) in cases {
        let status = parse_batch(&object).unwrap();
        assert_eq!((status.status, status.raw_status.as_str()), (expected, raw), "{object}");
    }
    let status = parse_batch(&batch(
        json!({"num_requests": "3", "num_pending": "1", "num_success": "1",
        "num_error": "1", "num_cancelled": "0"}),
        None,
    ))
    .unwrap();
    assert_eq!(status.request_counts.total, 3);
    assert_eq!(status.request_counts.processing, 1);
    assert_eq!(status.request_counts.succeeded, 1);
    assert_eq!(status.request_counts.errored, 1);
    assert_eq!(status.created_at.as_deref(), Some("2025-07-01T10:00:00Z"));
    assert_eq!(status.metadata, Some(json!({"name": "batch-router [job_1.0.1]"})));
    assert!(parse_batch(&json!({"state": {}})).is_err());
}

#[test]
fn submits_through_the_openai_compatible_upload_with_the_tag_in_the_name() {
    let api = api();
    let mut metadata = serde_json::Map::new();
    metadata.insert("name".into(), json!("nightly"));
    metadata.insert(JOB_TAG_KEY.into(), json!("job_1.0.1"));
    let summary = BatchSummary {
        endpoint: Default::default(),
        provider: Provider::Xai,
        request_count: 1,
        bytes: 10,
        model: None,
        route: "file".into(),
        warnings: vec![],
        notes: Vec::new(),
        json_answers: Default::default(),
        embedding_inputs: None,
        id_map: vec![],
        metadata: Some(metadata),
        timeout_hours: None,
        webhook_config: None,
    };
    let mut submission = api.submit(&summary);
    let Step::Send(upload) = submission.next(None).unwrap() else { panic!("upload expected") };
    assert_eq!(upload.url, "https://api.x.ai/v1/files");
    assert!(upload.headers.contains(&("authorization".into(), "Bearer xai-test".into())));
    let Body::Payload { prefix, .. } = &upload.body else { panic!("payload expected") };
    assert!(!prefix.contains("purpose"), "xAI's upload takes no purpose: {prefix}");
    assert!(!submission.creates_batch());
    let Step::Send(create) = submission.next(Some(ok(json!({"id": "file-9"})))).unwrap() else { panic!() };
    assert!(submission.creates_batch());
    let Body::Json { text } = &create.body else { panic!("json expected") };
    assert_eq!(
        serde_json::from_str::<Value>(text).unwrap(),
        json!({"input_file_id": "file-9", "name": "nightly [job_1.0.1]"})
    );
    let Step::Done(status) = submission.next(Some(ok(batch(state(0, 0, 0, 0, 0), None)))).unwrap() else {
        panic!("done expected")
    };
    assert_eq!(status.batch_id, "b1");
    assert_eq!(batch_name(None), DEFAULT_NAME);
    assert_eq!(api.cancel_request("b1").url, "https://api.x.ai/v1/batches/b1:cancel");
}

#[test]
fn results_are_read_page_after_page() {
    let api = api();
    let status = parse_batch(&batch(state(2, 0, 1, 1, 0), None)).unwrap();
    let mut sources = api.result_sources(&status).unwrap();
    let ResultSource::Paged { request, decoder, pages } = sources.remove(0) else { panic!("paged expected") };
    assert_eq!(request.url, "https://api.x.ai/v1/batches/b1/results?limit=100");
    let completion = json!({"id": "c1", "object": "chat.completion", "model": "grok-3-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "4"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6}});
    let first = ok(json!({"results": [
        {"batch_request_id": "r1", "batch_result": {"response": {"chat_get_completion": completion}}}],
        "pagination_token": "tok/2"}));
    let (jsonl, next) = pages.read_page(&first).unwrap();
    let next = next.expect("a second page");
    assert_eq!(next.url, "https://api.x.ai/v1/batches/b1/results?limit=100&pagination_token=tok%2F2");
    let second = ok(json!({"results": [
        {"batch_request_id": "r2", "batch_result": {"error": {"code": "invalid_request", "message": "bad"}}},
        {"batch_request_id": "r3", "error_message": "timed out"}]}));
    let (more, last) = pages.read_page(&second).unwrap();
    assert!(last.is_none());
    // An empty page that names a next page is followed; a token named twice is an error.
    let empty = ok(json!({"results": [], "pagination_token": "tok/3"}));
    let (nothing, after_empty) = pages.read_page(&empty).unwrap();
    assert!(nothing.is_empty());
    assert_eq!(
        after_empty.expect("the page after an empty one").url,
        "https://api.x.ai/v1/batches/b1/results?limit=100&pagination_token=tok%2F3"
    );
    let repeated = ok(json!({"results": [], "pagination_token": "tok/2"}));
    let error = pages.read_page(&repeated).unwrap_err();
    assert!(matches!(error, CoreError::InvalidResponse { .. }), "{error:?}");
    assert!(error.to_string().contains("pagination_token \"tok/2\" again"), "{error}");
    let mut results = Vec::new();
    let mut decoder = ResultDecoder::new(decoder, None);
    decoder.push(&jsonl, &mut results);
    decoder.push(&more, &mut results);
    decoder.finish(&mut results);
    assert_eq!(results.len(), 3);
    assert_eq!(results[0].custom_id, "r1");
    assert_eq!(results[0].status, ResultStatus::Succeeded);
    assert_eq!(results[0].response.as_ref().unwrap().text, "4");
    assert_eq!(results[1].custom_id, "r2");
    assert_eq!(results[1].status, ResultStatus::Errored);
    assert_eq!(results[1].error.as_ref().unwrap().message, "bad");
    assert_eq!(results[2].error.as_ref().unwrap().message, "timed out");
    let failed = HttpResponse { status: 500, headers: vec![], body: "{}".into() };
    assert!(pages.read_page(&failed).is_err());
}

#[test]
fn the_list_pages_by_token() {
    let api = api();
    let list = api.list_request(&ListOptions { limit: Some(10), after: Some("t1".into()) });
    assert_eq!(list.url, "https://api.x.ai/v1/batches?limit=10&pagination_token=t1");
    let page =
        api.parse_list(&ok(json!({"batches": [batch(state(1, 1, 0, 0, 0), None)], "pagination_token": "t2"}))).unwrap();
    assert_eq!(page.batches.len(), 1);
    assert_eq!(page.next_cursor.as_deref(), Some("t2"));
    let last = api.parse_list(&ok(json!({"batches": []}))).unwrap();
    assert!(!last.has_more);
}

#[test]
fn a_line_that_is_not_utf8_is_reported_as_the_other_decoders_report_one() {
    let line =
        b"{\"batch_request_id\":\"r-7\",\"batch_result\":{\"response\":{\"chat_get_completion\":{\"note\":\"\xff\"}}}}";
    let result = XaiLineDecoder.decode_line(line, 3);
    let error = result.error.as_ref().unwrap();
    assert_eq!(
        (result.custom_id.as_str(), result.status, error.code.as_str(), error.retryable),
        ("r-7", ResultStatus::Errored, "malformed_result_line", true)
    );
    assert_eq!(error.message, "line 3 of the xai result file could not be read: the line is not UTF-8");
    // OpenAI's decoder words the same line the same way.
    let openai = OpenAiLineDecoder::new("xai").decode_line(line, 3);
    assert_eq!(openai.error.unwrap().message, error.message);
}

/// A result that is neither an answer nor an error says which part is wrong (found by a new-user
/// trial: `response: […]` was "has neither `batch_result.response` nor an error"); the id is kept.
#[test]
fn a_result_that_is_no_answer_says_why() {
    for (item, reason) in [
        (json!({"batch_request_id": "r-1"}), "the result has neither `batch_result` nor an error"),
        (
            json!({"batch_request_id": "r-1", "batch_result": {}}),
            "the result has neither `batch_result.response` nor an error",
        ),
        (json!({"batch_request_id": "r-1", "batch_result": ["x"]}), "`batch_result` is a JSON array, not an object"),
        (
            json!({"batch_request_id": "r-1", "batch_result": {"response": ["x"]}}),
            "`batch_result.response` is a JSON array, not an object",
        ),
        (
            json!({"batch_request_id": "r-1", "batch_result": {"response": {}}}),
            "`batch_result.response` holds no answer (it is an empty object)",
        ),
    ] {
        let result = XaiLineDecoder.decode_line(item.to_string().as_bytes(), 2);
        let error = result.error.as_ref().unwrap();
        assert_eq!(
            (result.custom_id.as_str(), error.code.as_str(), error.message.as_str()),
            (
                "r-1",
                "malformed_result_line",
                format!("line 2 of the xai result file could not be read: {reason}").as_str()
            ),
            "{item}"
        );
    }
}

/// An id of another JSON type is refused at its field, not read as absent: the answer would be
/// handed out as an answer to no request (`customId: ""`).
#[test]
fn a_request_id_that_is_not_a_string_is_refused_at_its_field() {
    let completion = json!({"object": "chat.completion", "choices": [{"index": 0, "message": {"content": "hi"}, "finish_reason": "stop"}]});
    let item = json!({"batch_request_id": 5, "batch_result": {"response": {"chat_get_completion": completion}}});
    let result = XaiLineDecoder.decode_line(item.to_string().as_bytes(), 3);
    let error = result.error.as_ref().expect("errored");
    assert_eq!(error.code, "malformed_result_line");
    assert!(
        error.message.ends_with("batch_request_id: invalid type: number `5`, expected a string"),
        "{}",
        error.message
    );
}
