//! Together AI through the shared OpenAI module: its upload route and purpose, the wrapped create
//! answer, uppercase statuses without counts, the bare-array list and its string errors
//! (endpoints-and-push.md §5.4; Together's OpenAPI document for the upload and error shapes).

use serde_json::{json, Value};

use super::*;
use crate::http::Body;
use crate::model::{BatchStatus, ListOptions};
use crate::providers::api_for;

fn api() -> Box<dyn BatchApi> {
    api_for(Provider::Together, ClientConfig { api_key: "tg-test".into(), ..Default::default() }).unwrap()
}

fn summary() -> BatchSummary {
    let metadata = json!({"team": "search"}).as_object().cloned();
    BatchSummary {
        endpoint: Default::default(),
        provider: Provider::Together,
        request_count: 1,
        bytes: 10,
        model: Some("m".into()),
        route: "file".into(),
        warnings: vec![],
        notes: Vec::new(),
        json_answers: Default::default(),
        embedding_inputs: None,
        id_map: vec![],
        metadata,
        timeout_hours: None,
        webhook_config: None,
    }
}

fn ok(body: Value) -> HttpResponse {
    HttpResponse { status: 200, headers: vec![], body: body.to_string() }
}

const JOB: &str = r#"{"id":"01234567-8901-2345-6789-012345678901","user_id":"u","input_file_id":"file-1",
    "status":"VALIDATING","created_at":"2024-01-15T14:30:00Z","endpoint":"/v1/chat/completions",
    "progress":0,"model_id":"meta-llama/Llama-3.3-70B-Instruct-Turbo"}"#;

#[test]
fn uploads_to_files_upload_with_the_batch_api_purpose_and_unwraps_the_created_job() {
    let api = api();
    let mut submission = api.submit(&summary());
    let Step::Send(upload) = submission.next(None).unwrap() else { panic!("upload expected") };
    assert_eq!(upload.url, "https://api.together.ai/v1/files/upload");
    assert!(upload.headers.contains(&("authorization".into(), "Bearer tg-test".into())));
    let Body::Payload { prefix, .. } = &upload.body else { panic!("payload expected") };
    for field in
        ["name=\"purpose\"\r\n\r\nbatch-api\r\n", "name=\"file_name\"\r\n\r\n", "name=\"file_type\"\r\n\r\njsonl"]
    {
        assert!(prefix.contains(field), "{field} missing in {prefix}");
    }
    let uploaded = ok(json!({"id": "file-1", "object": "file", "purpose": "batch-api"}));
    let Step::Send(create) = submission.next(Some(uploaded)).unwrap() else { panic!("create expected") };
    assert_eq!(create.url, "https://api.together.ai/v1/batches");
    let Body::Json { text } = &create.body else { panic!("json expected") };
    // No metadata: Together's CreateBatchRequest has none.
    assert_eq!(
        serde_json::from_str::<Value>(text).unwrap(),
        json!({"input_file_id": "file-1", "endpoint": "/v1/chat/completions", "completion_window": "24h"})
    );
    assert_eq!(submission.checkpoint().file_id.as_deref(), Some("file-1"));
    let job: Value = serde_json::from_str(JOB).unwrap();
    let created = HttpResponse { status: 201, headers: vec![], body: json!({"job": job, "warning": "w"}).to_string() };
    let Step::Done(status) = submission.next(Some(created)).unwrap() else { panic!("done expected") };
    assert_eq!(status.batch_id, "01234567-8901-2345-6789-012345678901");
    assert_eq!(status.status, BatchStatus::Validating);
    assert_eq!(status.raw_status, "VALIDATING");
    assert_eq!(status.model.as_deref(), Some("meta-llama/Llama-3.3-70B-Instruct-Turbo"));
    assert_eq!(status.created_at.as_deref(), Some("2024-01-15T14:30:00Z"));
}

#[test]
fn uppercase_statuses_map_and_failures_carry_the_error_string() {
    let api = api();
    let mut job: Value = serde_json::from_str(JOB).unwrap();
    for (raw, expected) in [
        ("IN_PROGRESS", BatchStatus::InProgress),
        ("CANCELING", BatchStatus::InProgress),
        ("COMPLETED", BatchStatus::Completed),
        ("FAILED", BatchStatus::Failed),
        ("EXPIRED", BatchStatus::Expired),
        ("CANCELLED", BatchStatus::Cancelled),
    ] {
        job["status"] = json!(raw);
        let status = api.parse_status("b", &ok(job.clone())).unwrap();
        assert_eq!((status.status, status.raw_status.as_str()), (expected, raw));
    }
    job["status"] = json!("FAILED");
    job["error"] = json!("input file has invalid lines");
    job["completed_at"] = json!("2024-01-15T15:45:30Z");
    let failed = api.parse_status("b", &ok(job)).unwrap();
    assert_eq!(failed.errors[0].message, "input file has invalid lines");
    assert_eq!(failed.completed_at.as_deref(), Some("2024-01-15T15:45:30Z"));
    // No counts are reported: none are made up.
    assert_eq!(failed.request_counts.total, 0);
    let not_found = HttpResponse { status: 404, headers: vec![], body: r#"{"error":"batch not found"}"#.into() };
    assert!(matches!(api.parse_status("b", &not_found), Err(CoreError::BatchNotFound { .. })));
    let bad = HttpResponse { status: 400, headers: vec![], body: r#"{"error":"bad endpoint"}"#.into() };
    assert!(api.parse_status("b", &bad).unwrap_err().to_string().contains("bad endpoint"));
}

#[test]
fn the_job_deadline_is_the_expiry() {
    // `job_deadline` of Together's `BatchJob` (togethercomputer/openapi, together-python
    // `types/batch.py`), an ISO-8601 time, given as RFC 3339 in UTC.
    let mut job: Value = serde_json::from_str(JOB).unwrap();
    job["job_deadline"] = json!("2024-01-16T14:30:00.000Z");
    let status = api().parse_status("b", &ok(job)).unwrap();
    assert_eq!(status.expires_at.as_deref(), Some("2024-01-16T14:30:00Z"));
    assert_eq!(status.created_at.as_deref(), Some("2024-01-15T14:30:00Z"));
}

#[test]
fn the_list_is_a_bare_array_read_without_paging_and_results_are_files() {
    let api = api();
    let list = api.list_request(&ListOptions { limit: Some(5), after: Some("x".into()) });
    assert_eq!(list.url, "https://api.together.ai/v1/batches");
    let job: Value = serde_json::from_str(JOB).unwrap();
    let page = api.parse_list(&ok(json!([job]))).unwrap();
    assert_eq!(page.batches.len(), 1);
    assert!(!page.has_more);
    let mut done = job.clone();
    done["status"] = json!("COMPLETED");
    done["output_file_id"] = json!("file-out");
    done["error_file_id"] = json!("file-err");
    let status = api.parse_status("b", &ok(done)).unwrap();
    let sources = api.result_sources(&status).unwrap();
    let urls: Vec<String> = sources
        .iter()
        .map(|source| match source {
            ResultSource::Fetch { request, .. } => request.url.clone(),
            _ => panic!("files expected"),
        })
        .collect();
    assert_eq!(
        urls,
        ["https://api.together.ai/v1/files/file-out/content", "https://api.together.ai/v1/files/file-err/content"]
    );
    assert_eq!(api.cancel_request("b").url, "https://api.together.ai/v1/batches/b/cancel");
}

#[test]
fn custom_ids_over_64_characters_are_sent_under_a_replacement_and_come_back_under_their_own() {
    let long = "x".repeat(65);
    let requests = crate::test_support::requests_for(
        Provider::Together,
        &format!(
            "{{\"customId\":\"ok\",\"model\":\"MODEL\",\"messages\":[{{\"role\":\"user\",\"content\":\"hi\"}}]}}\n{{\"customId\":\"{long}\",\"model\":\"MODEL\",\"messages\":[{{\"role\":\"user\",\"content\":\"hi\"}}]}}"
        ),
    );
    let prepared = crate::providers::prepare(Provider::Together, &requests, &Default::default()).unwrap();
    let lines: Vec<Value> = prepared
        .jsonl
        .split(|byte| *byte == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| serde_json::from_slice(line).unwrap())
        .collect();
    assert_eq!(lines[0]["custom_id"], "ok");
    let sent = lines[1]["custom_id"].as_str().unwrap().to_owned();
    assert!(sent.starts_with("br-1-") && sent.chars().count() <= 64, "{sent}");
    assert_eq!(prepared.summary.id_map.len(), 1);
    assert_eq!(
        (prepared.summary.id_map[0].custom_id.as_str(), prepared.summary.id_map[0].provider_id.as_str()),
        (long.as_str(), sent.as_str())
    );
    // A result line under the replacement is given back under the caller's id.
    let answer = format!(
        "{{\"id\":\"r\",\"custom_id\":\"{sent}\",\"response\":{{\"status_code\":200,\"body\":{{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\",\"choices\":[{{\"index\":0,\"message\":{{\"role\":\"assistant\",\"content\":\"hello\"}},\"finish_reason\":\"stop\"}}]}}}}}}\n"
    );
    let mut decoder = crate::results::ResultDecoder::new(
        Box::new(crate::providers::openai::OpenAiLineDecoder::new("output")),
        crate::providers::id_map_of(&prepared.summary.id_map),
    );
    let mut results = Vec::new();
    decoder.push(answer.as_bytes(), &mut results);
    decoder.finish(&mut results);
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].custom_id, long);
    // Ids of 64 characters or fewer are kept.
    assert!(crate::providers::prepare(Provider::Together, &requests[..1], &Default::default())
        .unwrap()
        .summary
        .id_map
        .is_empty());
}

#[test]
fn error_file_lines_decode_in_the_openai_envelope_or_as_a_bare_reason() {
    // Together documents that error lines pair the custom id with the failure reason, without the
    // shape (endpoints-and-push.md §10): OpenAI's envelope and a bare reason string are both read.
    use crate::model::ResultStatus;
    use crate::results::ResultDecoder;
    let api = api();
    let mut job: Value = serde_json::from_str(JOB).unwrap();
    job["status"] = json!("COMPLETED");
    job["error_file_id"] = json!("file-err");
    let status = api.parse_status("b", &ok(job)).unwrap();
    let ResultSource::Fetch { decoder, .. } = api.result_sources(&status).unwrap().remove(0) else { panic!() };
    let mut decoder = ResultDecoder::new(decoder, None);
    let mut results = Vec::new();
    let lines = concat!(
        r#"{"custom_id":"r1","error":"model not available"}"#,
        "\n",
        r#"{"custom_id":"r2","response":{"status_code":400,"body":{"error":{"message":"bad","type":"invalid_request_error"}}}}"#,
        "\n"
    );
    decoder.push(lines.as_bytes(), &mut results);
    decoder.finish(&mut results);
    assert_eq!(results.len(), 2);
    assert!(results.iter().all(|result| result.status == ResultStatus::Errored));
    assert_eq!(results[0].error.as_ref().unwrap().message, "model not available");
    assert_eq!(results[1].error.as_ref().unwrap().http_status, Some(400));
}

#[test]
fn without_files_upload_the_signed_url_route_is_taken() {
    let api = api();
    let mut submission = api.submit(&summary());
    let Step::Send(upload) = submission.next(None).unwrap() else { panic!("upload expected") };
    assert!(upload.url.ends_with("/files/upload"));
    let missing = HttpResponse { status: 404, headers: vec![], body: r#"{"error":"not found"}"#.into() };
    let Step::Send(start) = submission.next(Some(missing)).unwrap() else { panic!("signed route expected") };
    assert_eq!((start.method, start.url.as_str()), (Method::Post, "https://api.together.ai/v1/files"));
    assert!(start.manual_redirect);
    let Body::Json { text } = &start.body else { panic!("form expected") };
    assert!(text.contains("name=\"purpose\"\r\n\r\nbatch-api\r\n") && !text.contains("filename="), "{text}");
    assert!(text.ends_with("--\r\n"));
    let redirect = HttpResponse {
        status: 302,
        headers: vec![
            ("Location".into(), "https://storage.example/signed?sig=1".into()),
            ("X-Together-File-Id".into(), "file-7".into()),
        ],
        body: String::new(),
    };
    let Step::Send(put) = submission.next(Some(redirect)).unwrap() else { panic!("put expected") };
    assert_eq!((put.method, put.url.as_str()), (Method::Put, "https://storage.example/signed?sig=1"));
    assert!(put.headers.is_empty(), "the signed URL gets no key: {:?}", put.headers);
    assert!(matches!(put.body, Body::Payload { ref prefix, ref suffix, .. } if prefix.is_empty() && suffix.is_empty()));
    assert_eq!(submission.checkpoint().file_id, None, "not usable before preprocessing");
    let Step::Send(preprocess) = submission.next(Some(ok(json!({})))).unwrap() else { panic!("preprocess expected") };
    assert_eq!(preprocess.url, "https://api.together.ai/v1/files/file-7/preprocess");
    assert!(preprocess.headers.contains(&("authorization".into(), "Bearer tg-test".into())));
    assert!(!submission.creates_batch());
    let Step::Send(create) = submission.next(Some(ok(json!({"id": "file-7"})))).unwrap() else {
        panic!("create expected")
    };
    assert!(submission.creates_batch());
    let Body::Json { text } = &create.body else { panic!("json expected") };
    assert_eq!(serde_json::from_str::<Value>(text).unwrap()["input_file_id"], "file-7");
    // A redirect without its headers, or another failure, is an error, not a guess.
    let mut again = api.submit(&summary());
    again.next(None).unwrap();
    again.next(Some(HttpResponse { status: 405, headers: vec![], body: String::new() })).unwrap();
    assert!(again.next(Some(HttpResponse { status: 302, headers: vec![], body: String::new() })).is_err());
}

/// Together's `ChatCompletionRequest` has `max_tokens` (no `max_completion_tokens`) and a system
/// message whose content is a string only (its OpenAPI document): both are written that way.
#[test]
fn lines_carry_max_tokens_and_a_system_prompt_of_one_string() {
    let requests = crate::test_support::requests_for(
        Provider::Together,
        r#"{"customId":"a","model":"MODEL","systemPrompt":["Be terse.","Answer in French."],"messages":[{"role":"user","content":"hi"}],"generationConfig":{"maxTokens":9}}"#,
    );
    let prepared = crate::providers::prepare(Provider::Together, &requests, &Default::default()).unwrap();
    let line: Value = serde_json::from_slice(prepared.jsonl.trim_ascii_end()).unwrap();
    assert_eq!(line["body"]["max_tokens"], json!(9));
    assert!(line["body"].get("max_completion_tokens").is_none());
    assert_eq!(line["body"]["messages"][0], json!({"role": "system", "content": "Be terse.\n\nAnswer in French."}));
    // OpenAI keeps its own spelling and the parts.
    let openai = crate::test_support::requests_for(
        Provider::OpenAI,
        r#"{"customId":"a","model":"gpt-4o-mini","systemPrompt":["Be terse.","Answer in French."],"messages":[{"role":"user","content":"hi"}],"generationConfig":{"maxTokens":9}}"#,
    );
    let prepared = crate::providers::prepare(Provider::OpenAI, &openai, &Default::default()).unwrap();
    let line: Value = serde_json::from_slice(prepared.jsonl.trim_ascii_end()).unwrap();
    assert_eq!(line["body"]["max_completion_tokens"], json!(9));
    assert!(line["body"]["messages"][0]["content"].is_array());
}
