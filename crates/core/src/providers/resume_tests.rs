//! Submissions run step by step and resumed from a checkpoint, for every provider: the upload is
//! not repeated once the file is named, and the step that creates the batch is marked.

use super::*;
use crate::http::{Body, Method};
use crate::parse::parse_request;

fn fixture(path: &str) -> String {
    let path = format!("{}/../../tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn ok(body: &str) -> HttpResponse {
    HttpResponse { status: 200, headers: vec![], body: body.into() }
}

fn send(step: Result<Step<BatchStatusResponse>, CoreError>) -> HttpRequest {
    match step.unwrap() {
        Step::Send(request) => request,
        Step::Done(status) => panic!("expected a request, got {status:?}"),
    }
}

fn done(step: Result<Step<BatchStatusResponse>, CoreError>) -> BatchStatusResponse {
    match step.unwrap() {
        Step::Done(status) => status,
        Step::Send(request) => panic!("expected the end, got {request:?}"),
    }
}

fn prepared(provider: Provider, model: &str, route: Option<SubmitRoute>) -> (Box<dyn BatchApi>, BatchSummary) {
    let api = api_for(
        provider,
        ClientConfig { api_key: "key".into(), base_url: Some("http://127.0.0.1:9".into()), ..Default::default() },
    )
    .unwrap();
    let request = parse_request(
        0,
        &format!(r#"{{"customId":"a","model":"{model}","messages":[{{"role":"user","content":"hi"}}],"generationConfig":{{"maxTokens":5}}}}"#),
    )
    .unwrap();
    let summary = api.prepare(&[request], &PrepareOptions { route, ..PrepareOptions::default() }).unwrap().summary;
    (api, summary)
}

fn body_text(request: &HttpRequest) -> &str {
    match &request.body {
        Body::Json { text } => text,
        other => panic!("expected a JSON body, got {other:?}"),
    }
}

#[test]
fn openai_checkpoints_the_file_and_resumes_at_create() {
    let (api, summary) = prepared(Provider::OpenAI, "gpt-4o-mini", None);
    let mut submission = api.submit(&summary);
    assert_eq!(submission.checkpoint(), SubmissionCheckpoint::default());
    let upload = send(submission.next(None));
    assert!(upload.url.ends_with("/files"));
    assert!(!submission.creates_batch());
    let create = send(submission.next(Some(ok(r#"{"id":"file-77","object":"file"}"#))));
    assert!(submission.creates_batch());
    assert_eq!(submission.checkpoint().file_id.as_deref(), Some("file-77"));

    // A new process: the same batch, resumed from the checkpoint, creates on the same file.
    let mut resumed = api.resume_submission(&summary, &submission.checkpoint());
    let again = send(resumed.next(None));
    assert!(resumed.creates_batch());
    assert_eq!(again, create);
    assert!(body_text(&again).contains(r#""input_file_id":"file-77""#));
    let status = done(resumed.next(Some(ok(&fixture("openai/batch_completed.json")))));
    assert_eq!(status.batch_id, "batch_abc123");
    assert_eq!(resumed.checkpoint().file_id.as_deref(), Some("file-77"));
}

#[test]
fn vllm_resumes_like_openai() {
    let (api, summary) = prepared(Provider::Vllm, "qwen", None);
    let checkpoint = SubmissionCheckpoint { file_id: Some("file-1".into()) };
    let mut resumed = api.resume_submission(&summary, &checkpoint);
    let create = send(resumed.next(None));
    assert_eq!((create.method, create.url.ends_with("/batches")), (Method::Post, true));
}

#[test]
fn mistral_resumes_on_the_file_route_only() {
    let (api, summary) = prepared(Provider::Mistral, "mistral-small-latest", Some(SubmitRoute::File));
    let mut submission = api.submit(&summary);
    let upload = send(submission.next(None));
    assert!(upload.url.ends_with("/v1/files"));
    assert!(!submission.creates_batch());
    let create = send(submission.next(Some(ok(&fixture("mistral/file_upload.json")))));
    assert!(submission.creates_batch());
    let checkpoint = submission.checkpoint();
    let file_id = checkpoint.file_id.clone().unwrap();
    assert!(body_text(&create).contains(&file_id));

    let mut resumed = api.resume_submission(&summary, &checkpoint);
    assert_eq!(send(resumed.next(None)), create);
    assert!(resumed.creates_batch());

    let (api, inline) = prepared(Provider::Mistral, "mistral-small-latest", Some(SubmitRoute::Inline));
    let mut fresh = api.resume_submission(&inline, &SubmissionCheckpoint::default());
    send(fresh.next(None));
    assert!(fresh.creates_batch());
    assert_eq!(fresh.checkpoint(), SubmissionCheckpoint::default());
    let mut wrong = api.resume_submission(&inline, &checkpoint);
    assert!(matches!(wrong.next(None), Err(CoreError::Validation { .. })));
}

#[test]
fn gemini_resumes_after_the_upload_and_restarts_an_unfinished_one() {
    let (api, summary) = prepared(Provider::Google, "gemini-2.5-flash", Some(SubmitRoute::File));
    let mut submission = api.submit(&summary);
    send(submission.next(None));
    assert!(!submission.creates_batch());
    let started = HttpResponse {
        status: 200,
        headers: vec![("x-goog-upload-url".into(), "http://127.0.0.1:9/upload/v1beta/files?upload_id=1".into())],
        body: "{}".into(),
    };
    send(submission.next(Some(started)));
    assert!(!submission.creates_batch());
    // Between the start of an upload and its end, nothing is kept: a resumed one starts over.
    assert_eq!(submission.checkpoint(), SubmissionCheckpoint::default());
    let create = send(submission.next(Some(ok(&fixture("google/file_uploaded.json")))));
    assert!(submission.creates_batch());
    let checkpoint = submission.checkpoint();
    assert_eq!(checkpoint.file_id.as_deref(), Some("files/in-r7unn1ng"));

    let mut resumed = api.resume_submission(&summary, &checkpoint);
    assert_eq!(send(resumed.next(None)), create);
    let status = done(resumed.next(Some(ok(&fixture("google/batch_created.json")))));
    assert_eq!(status.batch_id, "batches/a1b2c3d4e5");

    let (api, inline) = prepared(Provider::Google, "gemini-2.5-flash", Some(SubmitRoute::Inline));
    let mut inline_submission = api.submit(&inline);
    send(inline_submission.next(None));
    assert!(inline_submission.creates_batch());
    assert!(api.resume_submission(&inline, &checkpoint).next(None).is_err());
}

#[test]
fn anthropic_has_one_step_that_creates_and_nothing_to_resume_from() {
    let (api, summary) = prepared(Provider::Anthropic, "claude-sonnet-4-5", None);
    let mut submission = api.resume_submission(&summary, &SubmissionCheckpoint::default());
    let create = send(submission.next(None));
    assert!(create.url.ends_with("/v1/messages/batches"));
    assert!(submission.creates_batch());
    assert_eq!(submission.checkpoint(), SubmissionCheckpoint::default());
    let checkpoint = SubmissionCheckpoint { file_id: Some("file-1".into()) };
    let error = api.resume_submission(&summary, &checkpoint).next(None).unwrap_err();
    assert!(error.to_string().contains("not submitted from an uploaded file"), "{error}");
}
