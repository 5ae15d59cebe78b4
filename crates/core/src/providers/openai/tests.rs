use serde_json::{json, Value};

use super::*;
use crate::http::Body;
use crate::model::{BatchStatus, FinishReason, OutputPart, ResultStatus, UnifiedResult};
use crate::parse::parse_request;
use crate::providers::{api_for, PrepareOptions};
use crate::results::ResultDecoder;

fn fixture(name: &str) -> String {
    let path = format!("{}/../../tests/fixtures/openai/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn api() -> OpenAiApi {
    OpenAiApi::new(
        ClientConfig {
            api_key: "sk-test".into(),
            base_url: Some("http://127.0.0.1:9/v1/".into()),
            ..Default::default()
        },
        Dialect::OpenAi,
    )
    .unwrap()
}

fn line_of(request_json: &str) -> Value {
    let request = parse_request(0, request_json).unwrap();
    let mut out = Vec::new();
    write_line(&request, Dialect::OpenAi, &mut out).unwrap();
    assert_eq!(out.last(), Some(&b'\n'));
    serde_json::from_slice(&out).unwrap()
}

fn response(status: u16, body: &str) -> HttpResponse {
    HttpResponse { status, headers: vec![], body: body.into() }
}

#[test]
fn converts_a_full_request() {
    let line = line_of(
        r#"{"customId":"q1","model":"gpt-4o-mini","systemPrompt":"Be brief.",
            "messages":[{"role":"user","content":[{"type":"text","text":"Describe"},
               {"type":"image","sourceType":"base64","mediaType":"image/png","data":"iVBORw=="},
               {"type":"image","sourceType":"url","data":"https://example.com/a.jpg"},
               {"type":"document","sourceType":"base64","mediaType":"application/pdf","data":"JVBERi0="}]},
             {"role":"assistant","content":"Sure."},{"role":"user","content":"More"}],
            "generationConfig":{"maxTokens":100,"temperature":0.2,"topP":0.9,"stopSequences":["END"],
               "presencePenalty":0.1,"frequencyPenalty":-0.1}}"#,
    );
    assert_eq!(
        line,
        json!({
            "custom_id": "q1", "method": "POST", "url": "/v1/chat/completions",
            "body": {
                "model": "gpt-4o-mini",
                "messages": [
                    {"role": "system", "content": "Be brief."},
                    {"role": "user", "content": [
                        {"type": "text", "text": "Describe"},
                        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw=="}},
                        {"type": "image_url", "image_url": {"url": "https://example.com/a.jpg"}},
                        {"type": "file", "file": {"filename": "document-1.pdf", "file_data": "data:application/pdf;base64,JVBERi0="}}
                    ]},
                    {"role": "assistant", "content": "Sure."},
                    {"role": "user", "content": "More"}
                ],
                "max_completion_tokens": 100, "temperature": 0.2, "top_p": 0.9, "stop": ["END"],
                "presence_penalty": 0.1, "frequency_penalty": -0.1
            }
        })
    );
}

#[test]
fn system_prompt_list_becomes_text_parts() {
    let line = line_of(
        r#"{"customId":"s","model":"m","systemPrompt":["One.","Two."],"messages":[{"role":"user","content":"x"}]}"#,
    );
    assert_eq!(
        line["body"]["messages"][0],
        json!({"role": "system", "content": [{"type": "text", "text": "One."}, {"type": "text", "text": "Two."}]})
    );
}

#[test]
fn provider_kwargs_are_deep_merged_last() {
    let line = line_of(
        r#"{"customId":"k","model":"m","messages":[{"role":"user","content":"x"}],"generationConfig":{"temperature":0.5},
            "providerKwargs":{"temperature":0.7,"response_format":{"type":"json_object"},"reasoning_effort":"low"}}"#,
    );
    assert_eq!(line["body"]["temperature"], 0.7);
    assert_eq!(line["body"]["response_format"], json!({"type": "json_object"}));
    assert_eq!(line["body"]["reasoning_effort"], "low");
}

#[test]
fn vllm_dialect_keeps_top_k() {
    let request = parse_request(
        0,
        r#"{"customId":"v","model":"m","messages":[{"role":"user","content":"x"}],"generationConfig":{"topK":40}}"#,
    )
    .unwrap();
    let mut out = Vec::new();
    write_line(&request, Dialect::Vllm, &mut out).unwrap();
    let line: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(line["body"]["top_k"], 40);
}

#[test]
fn prepare_validates_and_writes_one_line_per_request() {
    let requests: Vec<_> = (0..3)
        .map(|index| {
            parse_request(
                index,
                &format!(r#"{{"customId":"r{index}","model":"m","messages":[{{"role":"user","content":"x"}}]}}"#),
            )
            .unwrap()
        })
        .collect();
    let prepared = api().prepare(&requests, &PrepareOptions::default()).unwrap();
    let text = String::from_utf8(prepared.jsonl).unwrap();
    assert_eq!(text.lines().count(), 3);
    assert_eq!(prepared.summary.request_count, 3);
    assert_eq!(prepared.summary.bytes, text.len());
    assert_eq!(prepared.summary.model.as_deref(), Some("m"));
    let mut bad = requests.clone();
    bad[1].generation_config = Some(crate::GenerationConfig { top_k: Some(3), ..Default::default() });
    assert!(api().prepare(&bad, &PrepareOptions::default()).is_err());
}

#[test]
fn metadata_limits_are_checked() {
    let request =
        parse_request(0, r#"{"customId":"a","model":"m","messages":[{"role":"user","content":"x"}]}"#).unwrap();
    let options = PrepareOptions { metadata: Some(json!({"k": 1}).as_object().unwrap().clone()), ..Default::default() };
    let error = api().prepare(&[request], &options).unwrap_err();
    assert!(error.to_string().contains("metadata.k"), "{error}");
}

#[test]
fn submission_uploads_then_creates() {
    let summary = BatchSummary {
        provider: Provider::OpenAI,
        request_count: 1,
        bytes: 10,
        model: Some("m".into()),
        route: "file".into(),
        warnings: vec![],
        id_map: vec![],
        notes: vec![],
        json_answers: Default::default(),
        embedding_inputs: None,
        metadata: Some(json!({"job": "j1"}).as_object().unwrap().clone()),
        timeout_hours: None,
        webhook_config: None,
        endpoint: Default::default(),
    };
    let mut submission = api().submit(&summary);
    let Step::Send(upload) = submission.next(None).unwrap() else { panic!() };
    assert_eq!(upload.url, "http://127.0.0.1:9/v1/files");
    assert_eq!(upload.method, Method::Post);
    assert!(upload.headers.contains(&("authorization".into(), "Bearer sk-test".into())));
    let Body::Payload { prefix, suffix, lines_as_array: false } = &upload.body else { panic!("payload body expected") };
    assert!(prefix.contains("name=\"purpose\"\r\n\r\nbatch\r\n"));
    assert!(prefix.contains("filename=\"batch_input.jsonl\""));
    assert!(suffix.ends_with("--\r\n"));

    let Step::Send(create) =
        submission.next(Some(response(200, r#"{"id":"file-abc","object":"file","purpose":"batch"}"#))).unwrap()
    else {
        panic!()
    };
    assert_eq!(create.url, "http://127.0.0.1:9/v1/batches");
    let Body::Json { text } = &create.body else { panic!() };
    let body: Value = serde_json::from_str(text).unwrap();
    assert_eq!(
        body,
        json!({"input_file_id": "file-abc", "endpoint": "/v1/chat/completions", "completion_window": "24h", "metadata": {"job": "j1"}})
    );
    let created = r#"{"id":"batch_1","object":"batch","endpoint":"/v1/chat/completions","input_file_id":"file-abc","completion_window":"24h","status":"validating","created_at":1711471533}"#;
    let Step::Done(status) = submission.next(Some(response(200, created))).unwrap() else { panic!() };
    assert_eq!(status.batch_id, "batch_1");
    assert_eq!(status.status, BatchStatus::Validating);
}

#[test]
fn submission_reports_upload_errors() {
    let summary = BatchSummary {
        provider: Provider::OpenAI,
        request_count: 1,
        bytes: 1,
        model: None,
        route: "file".into(),
        warnings: vec![],
        id_map: vec![],
        notes: vec![],
        json_answers: Default::default(),
        embedding_inputs: None,
        metadata: None,
        timeout_hours: None,
        webhook_config: None,
        endpoint: Default::default(),
    };
    let mut submission = api().submit(&summary);
    submission.next(None).unwrap();
    let error = submission
        .next(Some(response(
            401,
            r#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}"#,
        )))
        .err()
        .unwrap();
    assert!(matches!(error, CoreError::Provider { status: 401, retryable: false, .. }));
}

#[test]
fn every_status_is_mapped_and_kept_raw() {
    let expected = [
        ("validating", BatchStatus::Validating),
        ("in_progress", BatchStatus::InProgress),
        ("finalizing", BatchStatus::InProgress),
        ("cancelling", BatchStatus::InProgress),
        ("completed", BatchStatus::Completed),
        ("failed", BatchStatus::Failed),
        ("expired", BatchStatus::Expired),
        ("cancelled", BatchStatus::Cancelled),
    ];
    for (raw, unified) in expected {
        let batch = json!({"id": "b", "status": raw, "created_at": 0, "output_file_id": "file-o", "request_counts": {"total": 10, "completed": 4, "failed": 1}});
        let status = parse_batch("openai", &batch).unwrap();
        assert_eq!((status.status, status.raw_status.as_str()), (unified, raw));
    }
    assert!(parse_batch("openai", &json!({"id": "b", "status": "paused"})).is_err());
}

#[test]
fn completed_batch_fixture() {
    let status = api().parse_status("batch_abc123", &response(200, &fixture("batch_completed.json"))).unwrap();
    assert_eq!(status.status, BatchStatus::Completed);
    assert_eq!(status.request_counts.total, 100);
    assert_eq!(status.request_counts.succeeded, 95);
    assert_eq!(status.request_counts.errored, 5);
    assert_eq!(status.request_counts.processing, 0);
    assert_eq!(status.created_at.as_deref(), Some("2024-03-26T16:45:33Z"));
    assert_eq!(status.completed_at.as_deref(), Some("2024-03-26T22:46:03Z"));
    assert_eq!(status.metadata.unwrap()["customer_id"], "user_123456789");
    let sources = api()
        .result_sources(
            &parse_batch("openai", &serde_json::from_str(&fixture("batch_completed.json")).unwrap()).unwrap(),
        )
        .unwrap();
    let urls: Vec<String> = sources
        .iter()
        .map(|source| match source {
            ResultSource::Fetch { request, .. } => request.url.clone(),
            ResultSource::Inline { .. } | ResultSource::Paged { .. } => panic!("OpenAI results are files"),
        })
        .collect();
    assert_eq!(
        urls,
        ["http://127.0.0.1:9/v1/files/file-cvaTdG/content", "http://127.0.0.1:9/v1/files/file-HOWS94/content"]
    );
}

#[test]
fn in_progress_counts_show_what_is_still_processing() {
    let status = parse_batch(
        "openai",
        &json!({"id": "b", "status": "in_progress", "created_at": 0, "request_counts": {"total": 10, "completed": 4, "failed": 1}}),
    )
    .unwrap();
    assert_eq!(status.request_counts.processing, 5);
    let cancelled = parse_batch(
        "openai",
        &json!({"id": "b", "status": "cancelled", "created_at": 0, "error_file_id": "file-e", "request_counts": {"total": 10, "completed": 4, "failed": 1}}),
    )
    .unwrap();
    assert_eq!((cancelled.request_counts.cancelled, cancelled.request_counts.processing), (5, 0));
}

#[test]
fn a_finished_batch_that_names_no_result_file_yet_is_still_in_progress() {
    // Field case 14's kind: `completed` ("results ready", reference §1.4) before the files are
    // named. Still finalising, the raw status kept, nothing to read yet.
    let counts = json!({"total": 2, "completed": 2, "failed": 0});
    for (raw, files) in [
        ("completed", json!({"output_file_id": null, "error_file_id": null})),
        ("completed", json!({"output_file_id": ""})),
        ("expired", json!({})),
        ("cancelled", json!({"output_file_id": null})),
    ] {
        let mut batch = json!({"id": "b", "status": raw, "created_at": 0, "completed_at": 1, "request_counts": counts});
        batch.as_object_mut().unwrap().extend(files.as_object().unwrap().clone());
        let status = parse_batch("openai", &batch).unwrap();
        assert_eq!((status.status, status.raw_status.as_str()), (BatchStatus::InProgress, raw), "{batch}");
        assert_eq!((status.completed_at, status.request_counts.processing), (None, 0));
    }
    // Either file is enough (an all-failed batch has only an error file).
    for file in ["output_file_id", "error_file_id"] {
        let batch =
            json!({"id": "b", "status": "completed", "created_at": 0, file: "file-1", "request_counts": counts});
        assert_eq!(parse_batch("openai", &batch).unwrap().status, BatchStatus::Completed);
    }
    // A batch that counts no answer has no file to wait for: an expired batch that ran nothing,
    // a failed one (its input was refused), one without counts.
    for (raw, unified, counts) in [
        ("expired", BatchStatus::Expired, json!({"total": 2, "completed": 0, "failed": 0})),
        ("failed", BatchStatus::Failed, json!({"total": 2, "completed": 1, "failed": 0})),
        ("completed", BatchStatus::Completed, json!({"total": 0, "completed": 0, "failed": 0})),
    ] {
        let batch = json!({"id": "b", "status": raw, "created_at": 0, "request_counts": counts});
        assert_eq!(parse_batch("openai", &batch).unwrap().status, unified, "{batch}");
    }
}

#[test]
fn a_finished_batch_whose_counts_promise_results_cannot_be_read_as_empty() {
    // A failed batch is taken at its word, but answers it counts must be read: a read that finds
    // none (no file named, or empty files) is refused after its last source.
    let batch = json!({"id": "b", "status": "failed", "created_at": 0, "request_counts": {"total": 2, "completed": 1, "failed": 0}});
    let status = parse_batch("openai", &batch).unwrap();
    assert!(api().result_sources(&status).unwrap().is_empty());
    let check = api().output_check(&status).expect("an answer counted");
    let error = check.after_read(0).unwrap_err();
    assert!(
        matches!(&error, CoreError::InvalidResponse { output_missing: true, message, .. } if message == "batch b is failed with 1 succeeded and 0 errored of 2 requests, but its output holds no result (not written yet, or lost); read the results again later"),
        "{error:?}"
    );
    // Nothing answered: nothing to check.
    let refused = json!({"id": "b", "status": "failed", "created_at": 0, "request_counts": {"total": 2, "completed": 0, "failed": 0}});
    assert_eq!(api().output_check(&parse_batch("openai", &refused).unwrap()), None);
}

#[test]
fn failed_batch_keeps_its_errors() {
    let status = api().parse_status("batch_fail1", &response(200, &fixture("batch_failed.json"))).unwrap();
    assert_eq!(status.status, BatchStatus::Failed);
    assert_eq!(status.errors[0].code.as_deref(), Some("invalid_json_line"));
    assert_eq!(status.errors[0].line, Some(1));
}

#[test]
fn status_404_is_batch_not_found() {
    let error =
        api().parse_status("batch_missing", &response(404, r#"{"error":{"message":"No batch found"}}"#)).unwrap_err();
    assert!(matches!(error, CoreError::BatchNotFound { .. }));
}

#[test]
fn list_pages_through_after() {
    let request = api().list_request(&ListOptions { limit: Some(500), after: Some("batch_9".into()) });
    assert_eq!(request.url, "http://127.0.0.1:9/v1/batches?limit=100&after=batch_9");
    let page = api()
        .parse_list(&response(
            200,
            r#"{"object":"list","data":[{"id":"batch_2","status":"completed","created_at":1},{"id":"batch_1","status":"failed","created_at":0}],"first_id":"batch_2","last_id":"batch_1","has_more":true}"#,
        ))
        .unwrap();
    assert_eq!(page.batches.len(), 2);
    assert_eq!(page.next_cursor.as_deref(), Some("batch_1"));
    let last = api().parse_list(&response(200, r#"{"object":"list","data":[],"has_more":false}"#)).unwrap();
    assert_eq!((last.has_more, last.next_cursor), (false, None));
}

fn decode(text: &str, chunk_size: usize) -> Vec<UnifiedResult> {
    let mut decoder = ResultDecoder::new(Box::new(OpenAiLineDecoder::new("openai")), None);
    let mut out = Vec::new();
    for chunk in text.as_bytes().chunks(chunk_size) {
        decoder.push(chunk, &mut out);
    }
    decoder.finish(&mut out);
    out
}

#[test]
fn output_file_lines_become_normalized_results() {
    let results = decode(&fixture("output.jsonl"), 7);
    assert_eq!(results.len(), 2);
    let first = &results[0];
    assert_eq!((first.custom_id.as_str(), first.status), ("request-2", ResultStatus::Succeeded));
    let response = first.response.as_ref().unwrap();
    assert_eq!(response.text, "Hello.");
    assert_eq!(response.finish_reason, FinishReason::Stop);
    assert_eq!(response.usage.as_ref().unwrap().input_tokens, 22);
    assert_eq!(response.model.as_deref(), Some("gpt-3.5-turbo-0125"));
    let raw: Value = serde_json::from_str(response.raw.get()).unwrap();
    assert_eq!(raw["system_fingerprint"], "fp_123");

    let second = results[1].response.as_ref().unwrap();
    assert_eq!(second.finish_reason, FinishReason::ToolCalls);
    assert_eq!(
        second.content,
        vec![OutputPart::ToolCall {
            id: Some("call_1".into()),
            name: "get_weather".into(),
            arguments: json!({"city": "Paris"}),
            signature: None,
            provider: None
        }]
    );
    let usage = second.usage.as_ref().unwrap();
    assert_eq!((usage.cache_read_tokens, usage.reasoning_tokens), (Some(10), Some(4)));
}

#[test]
fn error_file_lines_are_expired_or_errored() {
    let results = decode(&fixture("errors.jsonl"), 1 << 16);
    assert_eq!(results[0].status, ResultStatus::Expired);
    assert_eq!(results[0].error.as_ref().unwrap().code, "batch_expired");
    let bad_request = &results[1];
    assert_eq!(bad_request.status, ResultStatus::Errored);
    let error = bad_request.error.as_ref().unwrap();
    assert_eq!((error.code.as_str(), error.http_status, error.retryable), ("invalid_value", Some(400), false));
    assert_eq!(error.request_id.as_deref(), Some("req_400"));
    assert!(error.message.contains("temperature"));
    let rate_limited = results[2].error.as_ref().unwrap();
    assert_eq!((rate_limited.http_status, rate_limited.retryable), (Some(429), true));
}

#[test]
fn vllm_error_shapes_are_read() {
    let lines = concat!(
        r#"{"id":"vllm-1","custom_id":"a","response":{"status_code":400,"request_id":"vllm-batch-1","body":null},"error":{"error":{"message":"bad","type":"BadRequestError","param":null,"code":400}}}"#,
        "\n",
        r#"{"id":"vllm-2","custom_id":"b","response":{"status_code":400,"request_id":"vllm-batch-2","body":null},"error":"URL /v1/x was used."}"#,
        "\n"
    );
    let results = decode(lines, 64);
    let first = results[0].error.as_ref().unwrap();
    assert_eq!((first.code.as_str(), first.message.as_str(), first.http_status), ("BadRequestError", "bad", Some(400)));
    assert_eq!(results[1].error.as_ref().unwrap().message, "URL /v1/x was used.");
}

#[test]
fn a_malformed_line_becomes_an_errored_result_and_decoding_goes_on() {
    let text = format!(
        "{{\"custom_id\": \"x\", \"response\": {{\"status_code\": 200, \"body\": \n{}",
        fixture("output.jsonl")
    );
    let results = decode(&text, 5);
    assert_eq!(results.len(), 3);
    let error = results[0].error.as_ref().unwrap();
    assert_eq!(error.code, "malformed_result_line");
    assert!(error.message.contains("line 1"), "{}", error.message);
    assert_eq!(results[1].status, ResultStatus::Succeeded);
}

#[test]
fn api_for_builds_openai_and_vllm() {
    assert_eq!(api_for(Provider::OpenAI, ClientConfig::default()).unwrap().provider(), Provider::OpenAI);
    assert_eq!(api_for(Provider::Vllm, ClientConfig::default()).unwrap().provider(), Provider::Vllm);
}
