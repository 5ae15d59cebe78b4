//! Base URLs, cancelling, listing, deleting, and where the results of a finished job are.

use serde_json::{json, Value};

use super::*;
use crate::http::Method;
use crate::model::BatchStatus;
use crate::providers::api_for;
use crate::CoreError;

#[test]
fn default_and_custom_base_urls() {
    let default = api_for(Provider::Mistral, ClientConfig::default()).unwrap();
    assert_eq!(default.provider(), Provider::Mistral);
    let status = default.status_request("b6f2c1a4-5d3e-4f7a-9c8b-2e1d0a9f8b7c");
    assert_eq!(status.url, "https://api.mistral.ai/v1/batch/jobs/b6f2c1a4-5d3e-4f7a-9c8b-2e1d0a9f8b7c");
    assert!(status.headers.iter().all(|(name, _)| name != "authorization"), "no key, no header");
    let custom = api().status_request("a/b");
    assert_eq!((custom.method, custom.url.as_str()), (Method::Get, "http://127.0.0.1:9/v1/batch/jobs/a%2Fb"));
    assert!(has_auth(&custom));
    assert_eq!(api().status_request_with_outputs("j").url, "http://127.0.0.1:9/v1/batch/jobs/j?inline=true");
}

#[test]
fn cancel_requests_cancellation_and_reads_the_job() {
    let request = api().cancel_request("b6f2c1a4-5d3e-4f7a-9c8b-2e1d0a9f8b7c");
    assert_eq!(
        (request.method, request.url.as_str()),
        (Method::Post, "http://127.0.0.1:9/v1/batch/jobs/b6f2c1a4-5d3e-4f7a-9c8b-2e1d0a9f8b7c/cancel")
    );
    let status = api()
        .parse_cancel(
            "b6f2c1a4-5d3e-4f7a-9c8b-2e1d0a9f8b7c",
            &response(200, &fixture("job_cancellation_requested.json")),
        )
        .unwrap();
    assert_eq!((status.status, status.raw_status.as_str()), (BatchStatus::InProgress, "CANCELLATION_REQUESTED"));
    assert!(matches!(api().parse_cancel("x", &response(404, "{}")), Err(CoreError::BatchNotFound { .. })));
}

#[test]
fn list_pages_by_number_until_total_is_reached() {
    let first = ListOptions { limit: Some(2), after: None };
    assert_eq!(api().list_request(&first).url, "http://127.0.0.1:9/v1/batch/jobs?page_size=2");
    assert_eq!(api().list_request(&ListOptions::default()).url, "http://127.0.0.1:9/v1/batch/jobs");
    let page = api().parse_list_page(&first, &response(200, &fixture("list.json"))).unwrap();
    assert_eq!(page.batches.len(), 2);
    assert_eq!(page.batches[0].status, BatchStatus::Completed);
    // The cursor counts the jobs listed so far.
    assert_eq!((page.has_more, page.next_cursor.as_deref()), (true, Some("2")));

    let second = ListOptions { limit: Some(2), after: page.next_cursor };
    assert_eq!(api().list_request(&second).url, "http://127.0.0.1:9/v1/batch/jobs?page=1&page_size=2");
    let page = api().parse_list_page(&second, &response(200, &fixture("list.json"))).unwrap();
    assert_eq!(page.next_cursor.as_deref(), Some("4"));
    let last = ListOptions { limit: Some(2), after: page.next_cursor };
    assert_eq!(api().list_request(&last).url, "http://127.0.0.1:9/v1/batch/jobs?page=2&page_size=2");
    let page = api().parse_list_page(&last, &response(200, &fixture("list.json"))).unwrap();
    assert_eq!((page.has_more, page.next_cursor), (false, None));

    // Without options the answer is the first page of 100: 5 jobs fit.
    let page = api().parse_list(&response(200, &fixture("list.json"))).unwrap();
    assert_eq!((page.batches.len(), page.has_more), (2, false));
    let empty = api().parse_list(&response(200, r#"{"object":"list","total":0}"#)).unwrap();
    assert!(empty.batches.is_empty() && !empty.has_more);
}

#[test]
fn a_cursor_continues_where_its_page_ended_whatever_the_next_limit() {
    // After a page of 2, a limit of 5 must not start at page 1 of 5 (jobs 5 to 9): it asks for
    // page 1 of 2, the jobs from offset 2, and moves on from offset 4.
    let after_two = ListOptions { limit: Some(5), after: Some("2".into()) };
    assert_eq!(api().list_request(&after_two).url, "http://127.0.0.1:9/v1/batch/jobs?page=1&page_size=2");
    let page = api().parse_list_page(&after_two, &response(200, &fixture("list.json"))).unwrap();
    assert_eq!((page.has_more, page.next_cursor.as_deref()), (true, Some("4")));
    let after_six = ListOptions { limit: Some(4), after: Some("6".into()) };
    assert_eq!(api().list_request(&after_six).url, "http://127.0.0.1:9/v1/batch/jobs?page=2&page_size=3");
    let after_hundred = ListOptions { limit: None, after: Some("100".into()) };
    assert_eq!(api().list_request(&after_hundred).url, "http://127.0.0.1:9/v1/batch/jobs?page=1&page_size=100");
    let from_start = ListOptions { limit: Some(3), after: Some("0".into()) };
    assert_eq!(api().list_request(&from_start).url, "http://127.0.0.1:9/v1/batch/jobs?page_size=3");
}

#[test]
fn list_refuses_a_cursor_that_is_not_an_offset_and_an_answer_without_total() {
    let options = ListOptions { limit: None, after: Some("batch_9".into()) };
    assert_eq!(api().list_request(&options).url, "http://127.0.0.1:9/v1/batch/jobs?page=batch_9");
    let error = api().parse_list_page(&options, &response(200, &fixture("list.json"))).unwrap_err();
    assert!(matches!(error, CoreError::Validation { ref field, .. } if field == "after"), "{error:?}");
    let error = api().parse_list(&response(200, r#"{"object":"list","data":[]}"#)).unwrap_err();
    assert!(error.to_string().contains("without `total`"), "{error}");
    assert!(matches!(api().parse_list(&response(500, "oops")), Err(CoreError::Provider { retryable: true, .. })));
}

#[test]
fn delete_removes_the_job() {
    let request = api().delete_request("b6f2c1a4-5d3e-4f7a-9c8b-2e1d0a9f8b7c").unwrap();
    assert_eq!(
        (request.method, request.url.as_str()),
        (Method::Delete, "http://127.0.0.1:9/v1/batch/jobs/b6f2c1a4-5d3e-4f7a-9c8b-2e1d0a9f8b7c")
    );
    assert!(has_auth(&request));
    assert!(api()
        .parse_delete("b6f2c1a4-5d3e-4f7a-9c8b-2e1d0a9f8b7c", &response(200, &fixture("delete.json")))
        .is_ok());
    let refused = api().parse_delete("j", &response(200, r#"{"id":"j","object":"batch","deleted":false}"#));
    assert!(matches!(refused, Err(CoreError::InvalidResponse { .. })));
    assert!(matches!(api().parse_delete("j", &response(404, "{}")), Err(CoreError::BatchNotFound { .. })));
    // Providers without a delete call say so.
    let openai = api_for(Provider::OpenAI, ClientConfig::default()).unwrap();
    let error = openai.delete_request("batch_1").unwrap_err();
    assert!(error.to_string().contains("deleting a batch is not supported by the OpenAI API"), "{error}");
}

#[test]
fn results_are_the_output_and_error_files() {
    let status = api().parse_status("j", &response(200, &fixture("job_success.json"))).unwrap();
    let sources = api().result_sources(&status).unwrap();
    let requests: Vec<&HttpRequest> = sources
        .iter()
        .map(|source| match source {
            ResultSource::Fetch { request, .. } => request,
            ResultSource::Inline { .. } | ResultSource::Paged { .. } => panic!("files expected"),
        })
        .collect();
    let urls: Vec<&str> = requests.iter().map(|request| request.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "http://127.0.0.1:9/v1/files/7d8a35c2-6f1e-4b0a-8e3d-91c2b4a5f6e7/content",
            "http://127.0.0.1:9/v1/files/0c4b9e2f-1a3d-4e5f-8a7b-6c5d4e3f2a1b/content"
        ]
    );
    assert!(requests.iter().all(|request| request.streaming && request.method == Method::Get && has_auth(request)));

    // A timed-out job's partial output is read as well.
    let expired = api().parse_status("j", &response(200, &fixture("job_timeout_exceeded.json"))).unwrap();
    assert_eq!(api().result_sources(&expired).unwrap().len(), 1);
}

#[test]
fn results_need_a_finished_job() {
    let running = api().parse_status("j", &response(200, &fixture("job_running.json"))).unwrap();
    assert!(
        matches!(api().result_sources(&running), Err(CoreError::BatchNotComplete { ref status, .. }) if status == "RUNNING")
    );
    // A failed job without files has nothing to read.
    let failed = api().parse_status("j", &response(200, &fixture("job_failed.json"))).unwrap();
    assert!(api().result_sources(&failed).unwrap().is_empty());
    // Succeeded requests with nowhere to read them from: no source, and a read that finds no
    // result is refused (the executor runs `output_check` after the last source).
    let mut cancelled = api().parse_status("j", &response(200, &fixture("job_cancelled.json"))).unwrap();
    cancelled.raw["output_file"] = Value::Null;
    assert!(api().result_sources(&cancelled).unwrap().is_empty());
    let error = api().output_check(&cancelled).expect("answers counted").after_read(0).unwrap_err();
    assert!(
        matches!(&error, CoreError::InvalidResponse { output_missing: true, message, .. } if message.contains("1 succeeded and 0 errored of 3 requests")),
        "{error:?}"
    );
}

#[test]
fn inline_outputs_are_a_result_source() {
    let mut job = fixture_json("job_success.json");
    job["output_file"] = Value::Null;
    job["error_file"] = Value::Null;
    let outputs: Vec<Value> =
        fixture("output.jsonl").lines().take(2).map(|line| serde_json::from_str(line).unwrap()).collect();
    job["outputs"] = Value::Array(outputs);
    let status = parse_job("mistral", &job).unwrap();
    let mut sources = api().result_sources(&status).unwrap();
    assert_eq!(sources.len(), 1);
    let Some(ResultSource::Inline { jsonl, decoder }) = sources.pop() else { panic!("inline source expected") };
    let mut decoder = crate::results::ResultDecoder::new(decoder, None);
    let mut results = Vec::new();
    decoder.push(&jsonl, &mut results);
    decoder.finish(&mut results);
    let ids: Vec<&str> = results.iter().map(|result| result.custom_id.as_str()).collect();
    assert_eq!(ids, ["0", "1"]);
    assert!(results.iter().all(|result| result.response.is_some()));
}

#[test]
fn a_finished_inline_job_without_files_or_outputs_is_read_again_with_its_outputs() {
    let mut job = fixture_json("job_success.json");
    job["input_files"] = json!([]);
    job["output_file"] = Value::Null;
    job["error_file"] = Value::Null;
    let bare = parse_job("mistral", &job).unwrap();
    let request = api().results_status_request(&bare).expect("a second read");
    assert_eq!(
        (request.method, request.url.as_str()),
        (Method::Get, "http://127.0.0.1:9/v1/batch/jobs/b6f2c1a4-5d3e-4f7a-9c8b-2e1d0a9f8b7c?inline=true")
    );
    assert!(has_auth(&request));

    // Files, outputs, a running job or a job without results need no second read.
    let with_files = api().parse_status("j", &response(200, &fixture("job_success.json"))).unwrap();
    assert!(api().results_status_request(&with_files).is_none());
    job["outputs"] = Value::Array(vec![serde_json::from_str(fixture("output.jsonl").lines().next().unwrap()).unwrap()]);
    assert!(api().results_status_request(&parse_job("mistral", &job).unwrap()).is_none());
    let running = api().parse_status("j", &response(200, &fixture("job_running.json"))).unwrap();
    assert!(api().results_status_request(&running).is_none());
    let failed = api().parse_status("j", &response(200, &fixture("job_failed.json"))).unwrap();
    assert!(api().results_status_request(&failed).is_none());
    // Other providers never need one.
    let openai = api_for(Provider::OpenAI, ClientConfig::default()).unwrap();
    assert!(openai.results_status_request(&bare).is_none());
}
