//! The built binary on a real port, running batches with the stand-in vLLM.

mod common;

use common::{is_running, lines, request_line, start, wait_until_gone};
use serde_json::{json, Value};

fn state() -> (tempfile::TempDir, std::path::PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let state_dir = root.path().join("state");
    (root, state_dir)
}

#[tokio::test]
async fn upload_create_poll_and_read_results() {
    let (_root, state_dir) = state();
    let env = [("BATCH_ROUTER_SIDECAR_TOKEN", "local-secret")];
    let sidecar = start(&state_dir, &["--vllm-arg=--max-model-len=64", "--vllm-arg", "--enforce-eager"], &env);
    let streaming = json!({"custom_id": "streaming", "method": "POST", "url": "/v1/chat/completions",
                           "body": {"model": "tiny", "stream": true, "messages": [{"role": "user", "content": "x"}]}});
    let input = [
        request_line("ok-1", "tiny", "first"),
        "{\"custom_id\": \"broken\", ".to_owned(),
        request_line("engine", "tiny", "ENGINE_ERROR please"),
        request_line("ok-1", "tiny", "a duplicate id"),
        request_line("string", "tiny", "STRING_ERROR please"),
        streaming.to_string(),
        String::new(),
        request_line("ok-2", "tiny", "second"),
    ]
    .join("\n");
    let file_id = sidecar.upload(&input).await;
    let batch_id = sidecar.create(&file_id).await;
    let batch = sidecar.wait_for_end(&batch_id).await;

    // The malformed lines never reached the stand-in, which aborts on one as vLLM does.
    assert_eq!(batch["status"], "completed", "{batch}");
    assert_eq!(batch["request_counts"], json!({"total": 7, "completed": 2, "failed": 5}));
    let output = sidecar.content(&batch["output_file_id"]).await;
    let succeeded: Vec<&str> = output.iter().map(|line| line["custom_id"].as_str().unwrap()).collect();
    assert_eq!(succeeded, ["ok-1", "ok-2"]);
    assert_eq!(output[0]["response"]["body"]["object"], "chat.completion");
    assert_eq!(output[0]["response"]["body"]["choices"][0]["message"]["content"], "echo: first");

    let errors = sidecar.content(&batch["error_file_id"]).await;
    let by_id = |id: &str| errors.iter().find(|line| line["custom_id"] == id).cloned().unwrap_or(Value::Null);
    assert_eq!(by_id("engine")["error"]["error"]["code"], 400);
    assert_eq!(by_id("string")["error"], "Unexpected error in the stand-in engine");
    assert_eq!(by_id("streaming")["response"]["body"]["error"]["code"], "stream_not_supported");
    let duplicate = errors.iter().find(|line| line["response"]["body"]["error"]["code"] == "duplicate_custom_id");
    assert_eq!(duplicate.unwrap()["custom_id"], "ok-1");
    let broken = errors.iter().find(|line| line["response"]["body"]["error"]["code"] == "invalid_json_line").unwrap();
    assert_eq!(broken["response"]["status_code"], 400);
    assert!(broken["response"]["body"]["error"]["message"].as_str().unwrap().starts_with("Line 2: "));
    assert_eq!(errors.len(), 5);

    // vLLM got the model and the extra arguments, but none of the sidecar's variables (its token).
    let log = std::fs::read_to_string(sidecar.run_file(&batch_id, "vllm.stdout.log")).unwrap();
    assert!(log.contains(r#""--model","tiny","--max-model-len=64","--enforce-eager""#), "{log}");
    assert!(log.contains("sidecar variables: none"), "{log}");
    assert!(!sidecar.run_file(&batch_id, "output.jsonl").exists(), "intermediate files are removed");

    let (status, _) = sidecar.get(&format!("/v1/files/{}", batch["output_file_id"].as_str().unwrap())).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn progress_shows_while_running_and_cancel_kills_the_process_group() {
    let (_root, state_dir) = state();
    let sidecar = start(&state_dir, &[], &[]);
    let model = "tiny-slow-150-spawn-child";
    let batch_id = sidecar.create(&sidecar.upload(&lines(20, model)).await).await;
    let running = sidecar
        .wait_until(&batch_id, "progress", |batch| {
            batch["status"] == "in_progress" && batch["request_counts"]["completed"].as_u64() >= Some(2)
        })
        .await;
    assert_eq!(running["request_counts"]["total"], 20);
    let leader = sidecar.record(&batch_id)["run"]["pid"].as_u64().expect("the child pid is recorded");
    let grandchild: u64 =
        std::fs::read_to_string(sidecar.run_file(&batch_id, "stand-in-child.pid")).unwrap().trim().parse().unwrap();
    assert!(is_running(leader) && is_running(grandchild));

    let (status, cancelling) = sidecar.post(&format!("/v1/batches/{batch_id}/cancel"), json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(cancelling["status"], "cancelling");
    assert!(cancelling["cancelling_at"].is_i64());
    let batch = sidecar.wait_for_end(&batch_id).await;
    assert_eq!(batch["status"], "cancelled", "{batch}");
    assert!(batch["cancelled_at"].is_i64());
    assert!(!is_running(leader), "vLLM ended before the batch was cancelled");
    // The grandchild never ends by itself: only the signal to the whole group stops it.
    wait_until_gone(grandchild).await;

    let output = sidecar.content(&batch["output_file_id"]).await;
    let errors = sidecar.content(&batch["error_file_id"]).await;
    assert!(output.len() >= 2 && output.len() < 20, "{} results", output.len());
    assert_eq!(output.len() + errors.len(), 20);
    assert!(errors.iter().all(|line| line["error"]["code"] == "batch_cancelled" && line["response"].is_null()));
    // The cancelled requests are in no count: total − completed − failed (OpenAI's counts have no `cancelled`).
    assert_eq!(batch["request_counts"], json!({"total": 20, "completed": output.len(), "failed": 0}));
}

#[tokio::test]
async fn a_crashing_vllm_fails_the_batch_with_its_exit_code_and_stderr() {
    let (_root, state_dir) = state();
    let sidecar = start(&state_dir, &[], &[]);
    let batch_id = sidecar.create(&sidecar.upload(&lines(5, "tiny-crash-after-2")).await).await;
    let batch = sidecar.wait_for_end(&batch_id).await;
    assert_eq!(batch["status"], "failed", "{batch}");
    assert!(batch["failed_at"].is_i64());
    let error = &batch["errors"]["data"][0];
    assert_eq!(error["code"], "vllm_failed");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("exited with code 3"), "{message}");
    assert!(message.contains("RuntimeError: CUDA error: out of memory (stand-in crash)"), "{message}");
    assert!(!message.contains(state_dir.to_str().unwrap()), "no absolute paths: {message}");
    assert_eq!(sidecar.content(&batch["output_file_id"]).await.len(), 2);
    let errors = sidecar.content(&batch["error_file_id"]).await;
    assert_eq!(errors.len(), 3);
    assert!(errors.iter().all(|line| line["error"]["code"] == "batch_failed"));
    assert!(sidecar.run_file(&batch_id, "vllm.stderr.log").exists());
}

#[tokio::test]
async fn a_vllm_that_writes_nothing_or_cannot_start_fails_the_batch() {
    let (_root, state_dir) = state();
    let sidecar = start(&state_dir, &[], &[]);
    let batch_id = sidecar.create(&sidecar.upload(&lines(3, "tiny-write-nothing")).await).await;
    let batch = sidecar.wait_for_end(&batch_id).await;
    assert_eq!(batch["status"], "failed");
    assert_eq!(batch["errors"]["data"][0]["code"], "vllm_no_output");
    assert_eq!(sidecar.content(&batch["error_file_id"]).await.len(), 3);
    drop(sidecar);

    let (_root, state_dir) = state();
    let sidecar = start(&state_dir, &["--vllm-command", "/nonexistent/vllm"], &[]);
    let batch_id = sidecar.create(&sidecar.upload(&lines(2, "tiny")).await).await;
    let batch = sidecar.wait_for_end(&batch_id).await;
    assert_eq!(batch["status"], "failed");
    assert_eq!(batch["errors"]["data"][0]["code"], "vllm_not_started");
}

#[tokio::test]
async fn a_file_that_mixes_models_is_refused_clearly() {
    let (_root, state_dir) = state();
    let sidecar = start(&state_dir, &[], &[]);
    let input = [request_line("a", "model-a", "x"), request_line("b", "model-b", "y")].join("\n");
    let batch_id = sidecar.create(&sidecar.upload(&input).await).await;
    let batch = sidecar.wait_for_end(&batch_id).await;
    assert_eq!(batch["status"], "failed");
    assert_eq!(batch["in_progress_at"], Value::Null, "vLLM never ran");
    let error = &batch["errors"]["data"][0];
    assert_eq!(
        (&error["code"], &error["line"], &error["param"]),
        (&json!("model_mismatch"), &json!(2), &json!("body.model"))
    );
    assert!(error["message"].as_str().unwrap().contains("split the file by model"));
}

#[tokio::test]
async fn cancel_escalates_to_sigkill_when_vllm_ignores_sigterm() {
    let (_root, state_dir) = state();
    let sidecar = start(&state_dir, &["--kill-grace-ms", "300"], &[]);
    let batch_id = sidecar.create(&sidecar.upload(&lines(50, "tiny-slow-100-ignore-term")).await).await;
    sidecar.wait_until(&batch_id, "a result", |batch| batch["request_counts"]["completed"].as_u64() >= Some(1)).await;
    let leader = sidecar.record(&batch_id)["run"]["pid"].as_u64().unwrap();
    sidecar.post(&format!("/v1/batches/{batch_id}/cancel"), json!({})).await;
    let batch = sidecar.wait_for_end(&batch_id).await;
    assert_eq!(batch["status"], "cancelled");
    assert!(!is_running(leader));
    let log = std::fs::read_to_string(sidecar.run_file(&batch_id, "vllm.stderr.log")).unwrap();
    assert!(log.contains("ignoring SIGTERM"), "SIGTERM came first: {log}");
}

#[tokio::test]
async fn a_non_loopback_address_without_a_token_refuses_to_start() {
    let (_root, state_dir) = state();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_batch-router-sidecar"))
        .args(["--address", "0.0.0.0:0", "--state-dir"])
        .arg(&state_dir)
        .env_remove("BATCH_ROUTER_SIDECAR_TOKEN")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("requires --token"));
}
