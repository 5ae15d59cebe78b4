//! A sidecar killed with `kill -9` mid-batch, or stopped with SIGTERM, and started again: every batch
//! is settled, none is left in progress, and no vLLM process is left running.

mod common;

use common::{is_running, lines, request_line, start};
use serde_json::{json, Value};

fn state() -> (tempfile::TempDir, std::path::PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let state_dir = root.path().join("state");
    (root, state_dir)
}

#[tokio::test]
async fn kill_9_mid_batch_then_restart_settles_the_running_batch_and_runs_the_queued_one() {
    let (_root, state_dir) = state();
    let sidecar = start(&state_dir, &[], &[]);
    let running_file = sidecar.upload(&lines(30, "tiny-slow-100")).await;
    let running = sidecar.create(&running_file).await;
    let queued = sidecar.create(&sidecar.upload(&lines(3, "tiny")).await).await;
    sidecar
        .wait_until(&running, "some results", |batch| {
            batch["status"] == "in_progress" && batch["request_counts"]["completed"].as_u64() >= Some(2)
        })
        .await;
    assert_eq!(sidecar.batch(&queued).await["status"], "validating");
    let vllm = sidecar.record(&running)["run"]["pid"].as_u64().unwrap();

    sidecar.kill_hard();
    assert!(is_running(vllm), "vLLM outlives a killed sidecar (its own process group)");

    // The restarted sidecar kills the leftover vLLM before it starts serving.
    let sidecar = start(&state_dir, &[], &[]);
    assert!(!is_running(vllm), "the leftover vLLM was killed");
    let batch = sidecar.wait_for_end(&running).await;
    assert_eq!(batch["status"], "failed", "{batch}");
    assert_eq!(batch["errors"]["data"][0]["code"], "sidecar_restarted");
    let output = sidecar.content(&batch["output_file_id"]).await;
    let errors = sidecar.content(&batch["error_file_id"]).await;
    assert!(output.len() >= 2 && output.len() < 30, "{} results kept", output.len());
    assert_eq!(output.len() + errors.len(), 30);
    assert!(errors.iter().all(|line| line["error"]["code"] == "batch_failed"));
    assert_eq!(batch["request_counts"], json!({"total": 30, "completed": output.len(), "failed": errors.len()}));

    let queued = sidecar.wait_for_end(&queued).await;
    assert_eq!(queued["status"], "completed", "{queued}");
    assert_eq!(queued["request_counts"]["completed"], 3);

    // Files and batches from before the crash are all still known.
    let (status, _) = sidecar.get(&format!("/v1/files/{running_file}")).await;
    assert_eq!(status, 200);
    let (_, list) = sidecar.get("/v1/batches").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn sigterm_stops_vllm_and_fails_the_running_batch_at_once() {
    let (_root, state_dir) = state();
    let sidecar = start(&state_dir, &[], &[]);
    let running = sidecar.create(&sidecar.upload(&lines(40, "tiny-slow-100")).await).await;
    sidecar.wait_until(&running, "a result", |batch| batch["request_counts"]["completed"].as_u64() >= Some(1)).await;
    let vllm = sidecar.record(&running)["run"]["pid"].as_u64().unwrap();

    assert_eq!(sidecar.terminate(), Some(0));
    assert!(!is_running(vllm));
    let record = common::Sidecar::record_at(&state_dir, &running);
    assert_eq!(record["batch"]["status"], "failed", "{record}");
    assert_eq!(record["batch"]["errors"]["data"][0]["code"], "sidecar_stopped");

    let sidecar = start(&state_dir, &[], &[]);
    let batch = sidecar.batch(&running).await;
    assert_eq!(batch["status"], "failed");
    assert!(!sidecar.content(&batch["output_file_id"]).await.is_empty());
}

/// Writes a state directory by hand, as a crashed sidecar would have left it.
fn crashed_state(state_dir: &std::path::Path, batch_id: &str, status: &str, sent: &[String], written: &[String]) {
    for directory in ["files", "batches", "runs"] {
        std::fs::create_dir_all(state_dir.join(directory)).unwrap();
    }
    let run_dir = state_dir.join("runs").join(batch_id);
    std::fs::create_dir_all(&run_dir).unwrap();
    std::fs::write(run_dir.join("input.jsonl"), sent.join("\n") + "\n").unwrap();
    std::fs::write(run_dir.join("output.jsonl"), written.join("\n") + "\n").unwrap();
    let record = json!({
        "batch": {
            "id": batch_id, "object": "batch", "endpoint": "/v1/chat/completions", "model": "tiny", "errors": null,
            "input_file_id": "file-gone", "completion_window": "24h", "status": status,
            "output_file_id": null, "error_file_id": null, "created_at": 1, "in_progress_at": 2,
            "expires_at": null, "finalizing_at": null, "completed_at": null, "failed_at": null,
            "expired_at": null, "cancelling_at": null, "cancelled_at": null,
            "request_counts": {"total": sent.len(), "completed": 0, "failed": 0}, "usage": null, "metadata": null
        },
        // A pid that is not running: nothing must be killed.
        "run": {"pid": 4_000_000, "process_start": 1, "sent": sent.len(), "rejected": 0}
    });
    std::fs::write(state_dir.join("batches").join(format!("{batch_id}.json")), record.to_string()).unwrap();
}

fn vllm_success(custom_id: &str) -> String {
    json!({"id": "vllm-1", "custom_id": custom_id,
           "response": {"status_code": 200, "request_id": "vllm-batch-1",
                        "body": {"object": "chat.completion", "choices": []}},
           "error": null})
    .to_string()
}

#[tokio::test]
async fn restarts_finish_finalizing_batches_and_complete_interrupted_ones_with_every_result() {
    let (_root, state_dir) = state();
    let sent: Vec<String> = (0..3).map(|index| request_line(&format!("r-{index}"), "tiny", "x")).collect();
    let results: Vec<String> = (0..3).map(|index| vllm_success(&format!("r-{index}"))).collect();
    crashed_state(&state_dir, "batch_0000finalizing", "finalizing", &sent, &results);
    crashed_state(&state_dir, "batch_0001allwritten", "in_progress", &sent, &results);
    crashed_state(&state_dir, "batch_0002cancelling", "cancelling", &sent, &results[..1]);
    let cut_off = format!("{}\n{}", results[0], &results[1][..30]);
    crashed_state(&state_dir, "batch_0003cutoff", "in_progress", &sent, &[cut_off]);

    let sidecar = start(&state_dir, &[], &[]);
    for (batch_id, status, completed) in [
        ("batch_0000finalizing", "completed", 3),
        ("batch_0001allwritten", "completed", 3),
        ("batch_0002cancelling", "cancelled", 1),
        ("batch_0003cutoff", "failed", 1),
    ] {
        let batch = sidecar.wait_for_end(batch_id).await;
        assert_eq!(batch["status"], status, "{batch}");
        // A cancelled batch's unfinished requests are in no count (total − completed − failed).
        let failed = if status == "cancelled" { 0 } else { 3 - completed };
        assert_eq!(batch["request_counts"], json!({"total": 3, "completed": completed, "failed": failed}));
        if completed < 3 {
            let errors = sidecar.content(&batch["error_file_id"]).await;
            assert_eq!(errors.len(), 3 - completed, "{batch_id}");
            assert!(errors.iter().all(|line| line["response"] == Value::Null), "{batch_id}");
        } else {
            assert_eq!(batch["error_file_id"], Value::Null);
        }
    }
}
