//! Handler tests through `tower::ServiceExt::oneshot`, with batches run by the stand-in vLLM.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use axum::Router;
use clap::Parser;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

use super::router;
use crate::Config;

const BOUNDARY: &str = "test-boundary-4f1c";

fn stand_in() -> String {
    format!("{}/../tests/stand-ins/vllm", env!("CARGO_MANIFEST_DIR"))
}

struct Sidecar {
    app: Router,
    _root: tempfile::TempDir,
}

async fn sidecar(extra: &[&str]) -> Sidecar {
    let root = tempfile::tempdir().unwrap();
    let state_dir = root.path().to_str().unwrap().to_owned();
    let vllm = stand_in();
    let mut arguments = vec!["batch-router-sidecar", "--state-dir", &state_dir, "--vllm-command", &vllm];
    arguments.extend_from_slice(extra);
    let config = Config::try_parse_from(arguments).unwrap();
    let state = crate::open(&config).await.unwrap();
    Sidecar { app: router(state), _root: root }
}

fn request_line(custom_id: &str, model: &str, text: &str) -> String {
    json!({"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions",
           "body": {"model": model, "messages": [{"role": "user", "content": text}], "max_tokens": 10}})
    .to_string()
}

fn multipart(fields: &[(&str, &str)], file: Option<&[u8]>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    if let Some(file) = file {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n\
                 Content-Type: application/jsonl\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(file);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

impl Sidecar {
    async fn send(&self, request: Request<Body>) -> (StatusCode, Vec<u8>) {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        (status, response.into_body().collect().await.unwrap().to_bytes().to_vec())
    }

    async fn call(&self, method: Method, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut builder = Request::builder().method(method).uri(uri);
        let body = match body {
            Some(body) => {
                builder = builder.header("content-type", "application/json");
                Body::from(body.to_string())
            }
            None => Body::empty(),
        };
        let (status, bytes) = self.send(builder.body(body).unwrap()).await;
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    async fn upload_raw(&self, body: Vec<u8>, token: Option<&str>) -> (StatusCode, Value) {
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri("/v1/files")
            .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"));
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        let (status, bytes) = self.send(builder.body(Body::from(body)).unwrap()).await;
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    async fn upload(&self, content: &str) -> String {
        let (status, file) = self.upload_raw(multipart(&[("purpose", "batch")], Some(content.as_bytes())), None).await;
        assert_eq!(status, StatusCode::OK, "{file}");
        file["id"].as_str().unwrap().to_owned()
    }

    async fn create(&self, file_id: &str) -> Value {
        let body = json!({"input_file_id": file_id, "endpoint": "/v1/chat/completions", "completion_window": "24h"});
        let (status, batch) = self.call(Method::POST, "/v1/batches", Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{batch}");
        batch
    }

    async fn wait_for_end(&self, batch_id: &str) -> Value {
        for _ in 0..300 {
            let (status, batch) = self.call(Method::GET, &format!("/v1/batches/{batch_id}"), None).await;
            assert_eq!(status, StatusCode::OK);
            if ["completed", "failed", "cancelled"].contains(&batch["status"].as_str().unwrap()) {
                return batch;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("batch {batch_id} did not end");
    }

    async fn content(&self, file_id: &str) -> Vec<Value> {
        let request = Request::get(format!("/v1/files/{file_id}/content")).body(Body::empty()).unwrap();
        let (status, bytes) = self.send(request).await;
        assert_eq!(status, StatusCode::OK);
        String::from_utf8(bytes).unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect()
    }
}

#[tokio::test]
async fn health_answers_without_a_token() {
    let sidecar = sidecar(&["--token", "secret"]).await;
    let (status, body) = sidecar.call(Method::GET, "/health", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn the_token_guards_every_api_route() {
    let sidecar = sidecar(&["--token", "secret"]).await;
    let (status, body) = sidecar.call(Method::GET, "/v1/batches", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "invalid_api_key");
    let upload = multipart(&[("purpose", "batch")], Some(b"{}"));
    assert_eq!(sidecar.upload_raw(upload.clone(), Some("wrong")).await.0, StatusCode::UNAUTHORIZED);
    let (status, file) = sidecar.upload_raw(upload, Some("secret")).await;
    assert_eq!(status, StatusCode::OK, "{file}");
}

#[tokio::test]
async fn files_upload_retrieve_download_and_delete() {
    let sidecar = sidecar(&[]).await;
    let content = format!("{}\n", request_line("a", "m", "hi"));
    let (status, file) = sidecar.upload_raw(multipart(&[("purpose", "batch")], Some(content.as_bytes())), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(file["object"], "file");
    assert_eq!(file["purpose"], "batch");
    assert_eq!(file["filename"], "in.jsonl");
    assert_eq!(file["bytes"], content.len());
    assert!(file["id"].as_str().unwrap().starts_with("file-"));
    let id = file["id"].as_str().unwrap();

    let (status, retrieved) = sidecar.call(Method::GET, &format!("/v1/files/{id}"), None).await;
    assert_eq!((status, &retrieved), (StatusCode::OK, &file));
    let request = Request::get(format!("/v1/files/{id}/content")).body(Body::empty()).unwrap();
    assert_eq!(sidecar.send(request).await, (StatusCode::OK, content.into_bytes()));

    let (status, deleted) = sidecar.call(Method::DELETE, &format!("/v1/files/{id}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(deleted, json!({"id": id, "object": "file", "deleted": true}));
    let (status, body) = sidecar.call(Method::GET, &format!("/v1/files/{id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["type"], "invalid_request_error");
}

#[tokio::test]
async fn uploads_need_purpose_batch_and_a_file() {
    let sidecar = sidecar(&[]).await;
    let (status, body) = sidecar.upload_raw(multipart(&[("purpose", "fine-tune")], Some(b"{}")), None).await;
    assert_eq!((status, &body["error"]["param"]), (StatusCode::BAD_REQUEST, &json!("purpose")));
    let (status, body) = sidecar.upload_raw(multipart(&[], Some(b"{}")), None).await;
    assert_eq!((status, &body["error"]["param"]), (StatusCode::BAD_REQUEST, &json!("purpose")));
    let (status, body) = sidecar.upload_raw(multipart(&[("purpose", "batch")], None), None).await;
    assert_eq!((status, &body["error"]["param"]), (StatusCode::BAD_REQUEST, &json!("file")));
}

#[tokio::test]
async fn uploads_over_the_limit_are_refused_and_leave_nothing() {
    let sidecar = sidecar(&["--max-upload-bytes", "1000"]).await;
    let (status, body) = sidecar.upload_raw(multipart(&[("purpose", "batch")], Some(&[b'x'; 1001])), None).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["error"]["code"], "file_too_large");
    let leftovers = std::fs::read_dir(sidecar._root.path().join("tmp")).unwrap().count()
        + std::fs::read_dir(sidecar._root.path().join("files")).unwrap().count();
    assert_eq!(leftovers, 0);
    // Far over the limit, the body limit itself stops the upload.
    let (status, _) = sidecar.upload_raw(multipart(&[("purpose", "batch")], Some(&vec![b'x'; 200_000])), None).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, _) = sidecar.upload_raw(multipart(&[("purpose", "batch")], Some(&[b'x'; 1000])), None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn ids_never_reach_outside_the_state_directory() {
    let sidecar = sidecar(&[]).await;
    std::fs::write(sidecar._root.path().join("secret.json"), r#"{"id":"x"}"#).unwrap();
    for id in ["..%2Fsecret", "file-..%2F..%2Fsecret", "%2E%2E", "file-a.json", "file-%00"] {
        let (status, _) = sidecar.call(Method::GET, &format!("/v1/files/{id}"), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{id}");
        let (status, _) = sidecar.call(Method::GET, &format!("/v1/files/{id}/content"), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{id}");
        let (status, _) = sidecar.call(Method::GET, &format!("/v1/batches/{id}"), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{id}");
    }
    assert!(sidecar._root.path().join("secret.json").exists());
}

#[tokio::test]
async fn batch_creation_is_checked() {
    let sidecar = sidecar(&[]).await;
    let file_id = sidecar.upload(&request_line("a", "m", "hi")).await;
    let cases = [
        (json!({"input_file_id": file_id, "endpoint": "/v1/responses", "completion_window": "24h"}), "endpoint"),
        (
            json!({"input_file_id": file_id, "endpoint": "/v1/chat/completions", "completion_window": "1h"}),
            "completion_window",
        ),
        (
            json!({"input_file_id": "file-nothere", "endpoint": "/v1/chat/completions", "completion_window": "24h"}),
            "input_file_id",
        ),
        (
            json!({"input_file_id": file_id, "endpoint": "/v1/chat/completions", "completion_window": "24h",
                   "metadata": {"k": 1}}),
            "metadata",
        ),
    ];
    for (body, param) in cases {
        let (status, answer) = sidecar.call(Method::POST, "/v1/batches", Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert_eq!(answer["error"]["param"], param, "{answer}");
    }
    let (status, answer) = sidecar.call(Method::POST, "/v1/batches", Some(json!({"endpoint": 3}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
}

#[tokio::test]
async fn a_batch_runs_to_completion_and_its_results_are_split() {
    let sidecar = sidecar(&[]).await;
    let input = [
        request_line("ok-1", "tiny", "hello"),
        request_line("engine", "tiny", "ENGINE_ERROR"),
        "this is not json".to_owned(),
        request_line("ok-2", "tiny", "world"),
    ]
    .join("\n");
    let file_id = sidecar.upload(&input).await;
    let metadata = json!({"purpose": "test"});
    let body = json!({"input_file_id": file_id, "endpoint": "/v1/chat/completions", "completion_window": "24h",
                      "metadata": metadata});
    let (status, created) = sidecar.call(Method::POST, "/v1/batches", Some(body)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(created["status"], "validating");
    assert_eq!(created["metadata"], metadata);

    let batch = sidecar.wait_for_end(created["id"].as_str().unwrap()).await;
    assert_eq!(batch["status"], "completed", "{batch}");
    assert_eq!(batch["model"], "tiny");
    assert_eq!(batch["request_counts"], json!({"total": 4, "completed": 2, "failed": 2}));
    for field in ["in_progress_at", "finalizing_at", "completed_at"] {
        assert!(batch[field].is_i64(), "{field}: {batch}");
    }

    let output = sidecar.content(batch["output_file_id"].as_str().unwrap()).await;
    let ids: Vec<&str> = output.iter().map(|line| line["custom_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["ok-1", "ok-2"]);
    assert_eq!(output[0]["response"]["status_code"], 200);
    assert_eq!(output[0]["response"]["body"]["choices"][0]["message"]["content"], "echo: hello");

    let errors = sidecar.content(batch["error_file_id"].as_str().unwrap()).await;
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0]["custom_id"], "engine");
    assert_eq!(errors[0]["error"]["error"]["type"], "BadRequestError");
    assert_eq!(errors[1]["custom_id"], Value::Null);
    assert_eq!(errors[1]["response"]["status_code"], 400);
    assert_eq!(errors[1]["response"]["body"]["error"]["code"], "invalid_json_line");

    let (_, output_file) =
        sidecar.call(Method::GET, &format!("/v1/files/{}", batch["output_file_id"].as_str().unwrap()), None).await;
    assert_eq!(output_file["purpose"], "batch_output");
}

#[tokio::test]
async fn an_embeddings_batch_runs_and_refuses_chat_lines() {
    let sidecar = sidecar(&[]).await;
    let embeddings = |custom_id: &str, input: Value| {
        json!({"custom_id": custom_id, "method": "POST", "url": "/v1/embeddings", "body": {"model": "tiny", "input": input}})
            .to_string()
    };
    let input = [
        embeddings("e-1", json!(["alpha", "beta"])),
        request_line("chat", "tiny", "hi"),
        embeddings("e-2", json!("gamma")),
    ]
    .join("\n");
    let file_id = sidecar.upload(&input).await;
    let body = json!({"input_file_id": file_id, "endpoint": "/v1/embeddings", "completion_window": "24h"});
    let (status, created) = sidecar.call(Method::POST, "/v1/batches", Some(body)).await;
    assert_eq!((status, created["endpoint"].as_str()), (StatusCode::OK, Some("/v1/embeddings")), "{created}");
    let batch = sidecar.wait_for_end(created["id"].as_str().unwrap()).await;
    assert_eq!(batch["request_counts"], json!({"total": 3, "completed": 2, "failed": 1}), "{batch}");
    let output = sidecar.content(batch["output_file_id"].as_str().unwrap()).await;
    let vectors: Vec<usize> =
        output.iter().map(|line| line["response"]["body"]["data"].as_array().unwrap().len()).collect();
    assert_eq!(vectors, [2, 1]);
    let errors = sidecar.content(batch["error_file_id"].as_str().unwrap()).await;
    assert_eq!(errors[0]["custom_id"], "chat");
    assert_eq!(errors[0]["response"]["body"]["error"]["code"], "url_mismatch");
}

#[tokio::test]
async fn cancelling_a_finished_batch_is_refused_and_unknown_batches_are_404() {
    let sidecar = sidecar(&[]).await;
    let file_id = sidecar.upload(&request_line("a", "tiny", "hi")).await;
    let batch = sidecar.create(&file_id).await;
    let id = batch["id"].as_str().unwrap();
    assert_eq!(sidecar.wait_for_end(id).await["status"], "completed");
    let (status, body) = sidecar.call(Method::POST, &format!("/v1/batches/{id}/cancel"), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "batch_not_cancellable");
    let (status, _) = sidecar.call(Method::POST, "/v1/batches/batch_0000/cancel", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_queued_batch_can_be_cancelled_before_it_runs() {
    let sidecar = sidecar(&[]).await;
    let slow = sidecar.upload(&request_line("a", "tiny-slow-300", "hi")).await;
    let queued = sidecar.upload(&[request_line("q1", "tiny", "a"), request_line("q2", "tiny", "b")].join("\n")).await;
    let running = sidecar.create(&slow).await;
    let waiting = sidecar.create(&queued).await;
    let waiting_id = waiting["id"].as_str().unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (_, current) = sidecar.call(Method::GET, &format!("/v1/batches/{waiting_id}"), None).await;
    assert_eq!(current["status"], "validating", "one batch runs at a time: {current}");

    let (status, cancelling) = sidecar.call(Method::POST, &format!("/v1/batches/{waiting_id}/cancel"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cancelling["status"], "cancelling");
    let cancelled = sidecar.wait_for_end(waiting_id).await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["in_progress_at"], Value::Null);
    assert_eq!(cancelled["output_file_id"], Value::Null);
    let errors = sidecar.content(cancelled["error_file_id"].as_str().unwrap()).await;
    assert_eq!(errors.len(), 2);
    assert!(errors.iter().all(|line| line["error"]["code"] == "batch_cancelled"));
    // Cancelled, not failed: counted in neither (total − completed − failed are the cancelled).
    assert_eq!(cancelled["request_counts"], serde_json::json!({"total": 2, "completed": 0, "failed": 0}));
    assert_eq!(sidecar.wait_for_end(running["id"].as_str().unwrap()).await["status"], "completed");
}

#[tokio::test]
async fn batches_list_newest_first_with_cursors() {
    let sidecar = sidecar(&[]).await;
    let file_id = sidecar.upload(&request_line("a", "tiny", "hi")).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(sidecar.create(&file_id).await["id"].as_str().unwrap().to_owned());
    }
    let (status, page) = sidecar.call(Method::GET, "/v1/batches?limit=2", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["object"], "list");
    let listed: Vec<&str> =
        page["data"].as_array().unwrap().iter().map(|batch| batch["id"].as_str().unwrap()).collect();
    assert_eq!(listed, [ids[2].as_str(), ids[1].as_str()]);
    assert_eq!((page["first_id"].as_str(), page["last_id"].as_str()), (Some(ids[2].as_str()), Some(ids[1].as_str())));
    assert_eq!(page["has_more"], true);

    let (_, rest) = sidecar.call(Method::GET, &format!("/v1/batches?limit=2&after={}", ids[1]), None).await;
    assert_eq!(rest["data"].as_array().unwrap().len(), 1);
    assert_eq!(rest["data"][0]["id"], ids[0].as_str());
    assert_eq!(rest["has_more"], false);

    for query in ["limit=0", "limit=101", "after=nonsense", "limit=abc"] {
        let (status, _) = sidecar.call(Method::GET, &format!("/v1/batches?{query}"), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
    }
    for id in &ids {
        sidecar.wait_for_end(id).await;
    }
}

#[tokio::test]
async fn unknown_urls_answer_in_openai_shape() {
    let sidecar = sidecar(&[]).await;
    let (status, body) = sidecar.call(Method::GET, "/v1/models", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "unknown_url");
    let (status, body) = sidecar.call(Method::PUT, "/v1/batches", None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["error"]["code"], "method_not_allowed");
}
