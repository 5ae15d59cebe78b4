//! Groq and Azure OpenAI through the shared OpenAI module: what differs is where calls go, how the
//! key is sent and the create body's `endpoint`; lines, statuses and results are OpenAI's.

use serde_json::{json, Value};

use super::*;
use crate::http::Body;
use crate::model::ListOptions;
use crate::parse::parse_request;
use crate::providers::{api_for, prepare, PrepareOptions};

fn summary(provider: Provider) -> BatchSummary {
    BatchSummary {
        provider,
        request_count: 1,
        bytes: 10,
        model: Some("m".into()),
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
    }
}

fn config(api_key: &str) -> ClientConfig {
    ClientConfig { api_key: api_key.into(), ..Default::default() }
}

fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request.headers.iter().find(|(header, _)| header == name).map(|(_, value)| value.as_str())
}

/// The create request a submission sends once the upload answered with `file-1`.
fn create_request(api: &dyn BatchApi, provider: Provider) -> (HttpRequest, HttpRequest) {
    let mut submission = api.submit(&summary(provider));
    let Step::Send(upload) = submission.next(None).unwrap() else { panic!("upload expected") };
    let uploaded = HttpResponse { status: 200, headers: vec![], body: r#"{"id":"file-1"}"#.into() };
    let Step::Send(create) = submission.next(Some(uploaded)).unwrap() else { panic!("create expected") };
    (upload, create)
}

fn create_body(create: &HttpRequest) -> Value {
    let Body::Json { text } = &create.body else { panic!("json body expected") };
    serde_json::from_str(text).unwrap()
}

#[test]
fn groq_is_openai_under_its_own_base_url_with_a_bearer_key() {
    let api = api_for(Provider::Groq, config("gsk-test")).unwrap();
    let (upload, create) = create_request(api.as_ref(), Provider::Groq);
    assert_eq!(upload.url, "https://api.groq.com/openai/v1/files");
    assert_eq!(header(&upload, "authorization"), Some("Bearer gsk-test"));
    assert_eq!(create.url, "https://api.groq.com/openai/v1/batches");
    assert_eq!(
        create_body(&create),
        json!({"input_file_id": "file-1", "endpoint": "/v1/chat/completions", "completion_window": "24h"})
    );
    assert_eq!(api.status_request("batch_1").url, "https://api.groq.com/openai/v1/batches/batch_1");
    assert_eq!(api.cancel_request("batch_1").url, "https://api.groq.com/openai/v1/batches/batch_1/cancel");
}

#[test]
fn azure_sends_the_api_key_header_on_the_v1_api_and_a_bare_create_endpoint() {
    let config = ClientConfig { endpoint: Some("https://res.openai.azure.com/".into()), ..config("az-key") };
    let api = api_for(Provider::Azure, config).unwrap();
    let (upload, create) = create_request(api.as_ref(), Provider::Azure);
    assert_eq!(upload.url, "https://res.openai.azure.com/openai/v1/files");
    assert_eq!(header(&upload, "api-key"), Some("az-key"));
    assert_eq!(header(&upload, "authorization"), None);
    let Body::Payload { prefix, .. } = &upload.body else { panic!("payload expected") };
    assert!(prefix.contains("name=\"purpose\"\r\n\r\nbatch\r\n"));
    assert_eq!(
        create_body(&create),
        json!({"input_file_id": "file-1", "endpoint": "/chat/completions", "completion_window": "24h"})
    );
}

#[test]
fn azure_dated_versions_go_on_every_call_and_entra_tokens_as_bearer() {
    let config = ClientConfig {
        endpoint: Some("https://res.openai.azure.com".into()),
        api_version: Some("2024-10-21".into()),
        bearer_token: Some("entra-token".into()),
        ..config("")
    };
    let api = api_for(Provider::Azure, config).unwrap();
    let status = api.status_request("batch_1");
    assert_eq!(status.url, "https://res.openai.azure.com/openai/batches/batch_1?api-version=2024-10-21");
    assert_eq!(header(&status, "authorization"), Some("Bearer entra-token"));
    assert_eq!(header(&status, "api-key"), None);
    let list = api.list_request(&ListOptions { limit: Some(5), after: None });
    assert_eq!(list.url, "https://res.openai.azure.com/openai/batches?limit=5&api-version=2024-10-21");
}

#[test]
fn azure_without_an_endpoint_is_refused_but_converts_for_a_dry_run() {
    let error = api_for(Provider::Azure, config("k")).err().expect("an error");
    assert!(error.to_string().contains("endpoint"), "{error}");
    let request =
        parse_request(0, r#"{"customId":"a","model":"my-deployment","messages":[{"role":"user","content":"hi"}]}"#)
            .unwrap();
    let prepared = prepare(Provider::Azure, &[request], &PrepareOptions::default()).unwrap();
    let line: Value = serde_json::from_slice(&prepared.jsonl).unwrap();
    // Lines keep `/v1/chat/completions` and name the deployment as the model (§5.1 [AZ-BATCH-REST]).
    assert_eq!(line["url"], "/v1/chat/completions");
    assert_eq!(line["body"]["model"], "my-deployment");
}

#[test]
fn one_model_per_batch_and_groq_takes_no_documents() {
    let request = |id: &str, model: &str| {
        parse_request(
            0,
            &format!(r#"{{"customId":"{id}","model":"{model}","messages":[{{"role":"user","content":"hi"}}]}}"#),
        )
        .unwrap()
    };
    let mixed = [request("a", "deployment-1"), request("b", "deployment-2")];
    assert!(prepare(Provider::Azure, &mixed, &PrepareOptions::default()).is_err());
    assert!(prepare(Provider::Groq, &mixed, &PrepareOptions::default()).is_err());
    let document = parse_request(
        0,
        r#"{"customId":"d","model":"m","messages":[{"role":"user","content":[
            {"type":"document","sourceType":"base64","mediaType":"application/pdf","data":"JVBE"}]}]}"#,
    )
    .unwrap();
    let error = prepare(Provider::Groq, &[document], &PrepareOptions::default()).unwrap_err();
    assert!(error.to_string().contains("Groq"), "{error}");
}
