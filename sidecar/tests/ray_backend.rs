//! The Ray backend against a real Ray head (Ray's Jobs REST API, Ray Data), with the stand-in
//! engine module in place of vLLM (`tests/stand-ins/ray_data_llm.py`). Ignored by a plain
//! `cargo test`: scripts/test-ray.sh starts a head on loopback inside a network namespace, runs
//! these with `--ignored`, and stops the head. BATCH_ROUTER_TEST_RAY_ADDRESS names the dashboard
//! and BATCH_ROUTER_TEST_RAY_PYTHON the Python the jobs run with.

mod common;

use std::path::{Path, PathBuf};

use common::{request_line, start, Sidecar};
use serde_json::{json, Value};

fn ray_address() -> String {
    std::env::var("BATCH_ROUTER_TEST_RAY_ADDRESS").expect("run through scripts/test-ray.sh (no Ray address given)")
}

fn stand_in_module() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/stand-ins/ray_data_llm.py").canonicalize().unwrap()
}

fn start_ray(state_dir: &Path) -> Sidecar {
    let python = std::env::var("BATCH_ROUTER_TEST_RAY_PYTHON").unwrap_or_else(|_| "python3".into());
    let runtime_env = json!({"env_vars": {"BATCH_ROUTER_RAY_LLM_MODULE": stand_in_module()}}).to_string();
    let flags = [
        "--backend=ray".to_owned(),
        format!("--ray-address={}", ray_address()),
        format!("--ray-python={python}"),
        format!("--ray-runtime-env={runtime_env}"),
        "--ray-batch-size=2".to_owned(),
        "--ray-poll-ms=200".to_owned(),
    ];
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    start(state_dir, &flags, &[])
}

fn state() -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let state_dir = root.path().join("state");
    (root, state_dir)
}

fn numbered(count: usize, model: &str) -> Vec<String> {
    (0..count).map(|index| request_line(&format!("r-{index}"), model, &format!("text {index}"))).collect()
}

/// The Ray dashboard, asked directly (what the sidecar did, seen from Ray's side).
async fn ray_job(submission_id: &str) -> Value {
    let url = format!("{}/api/jobs/{submission_id}", ray_address());
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

async fn ray_jobs_of(batch_id: &str) -> Vec<Value> {
    let jobs: Value = reqwest::get(format!("{}/api/jobs/", ray_address())).await.unwrap().json().await.unwrap();
    let jobs: Vec<Value> = match jobs {
        Value::Array(jobs) => jobs,
        Value::Object(jobs) => jobs.into_values().collect(),
        other => panic!("unexpected job list {other}"),
    };
    jobs.into_iter().filter(|job| job["metadata"]["batch_router_batch_id"] == batch_id).collect()
}

fn ids(lines: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = lines.iter().map(|line| line["custom_id"].as_str().unwrap().to_owned()).collect();
    ids.sort();
    ids
}

#[tokio::test]
#[ignore = "needs a Ray head: scripts/test-ray.sh"]
async fn a_batch_runs_as_one_ray_job_and_its_results_are_split_into_output_and_error_files() {
    let (_root, state_dir) = state();
    let sidecar = start_ray(&state_dir);
    let mut lines = numbered(4, "tiny");
    lines.insert(2, request_line("r-engine", "tiny", "ENGINE_ERROR please"));
    lines.push(request_line("r-refused", "tiny", "x").replace("\"POST\"", "\"GET\""));
    // What the Ray path would drop is refused before anything is submitted.
    let mut with_tools: Value = serde_json::from_str(&request_line("r-tools", "tiny", "x")).unwrap();
    with_tools["body"]["tools"] = json!([]);
    lines.push(with_tools.to_string());
    let batch_id = sidecar.create(&sidecar.upload(&lines.join("\n")).await).await;

    let batch = sidecar.wait_for_end(&batch_id).await;
    assert_eq!(batch["status"], "completed", "{batch}");
    assert_eq!(batch["request_counts"], json!({"total": 7, "completed": 4, "failed": 3}));
    let output = sidecar.content(&batch["output_file_id"]).await;
    assert_eq!(ids(&output), ["r-0", "r-1", "r-2", "r-3"]);
    for line in &output {
        let text = format!("echo: text {}", &line["custom_id"].as_str().unwrap()[2..]);
        assert_eq!(line["response"]["body"]["choices"][0]["message"]["content"], text.as_str(), "{line}");
        assert_eq!(line["response"]["status_code"], 200);
    }
    let errors = sidecar.content(&batch["error_file_id"]).await;
    assert_eq!(ids(&errors), ["r-engine", "r-refused", "r-tools"]);
    let tools = errors.iter().find(|line| line["custom_id"] == "r-tools").unwrap();
    assert_eq!(tools["response"]["body"]["error"]["code"], "unsupported_by_ray_backend");
    assert_eq!(tools["response"]["body"]["error"]["param"], "body.tools");
    let engine = errors.iter().find(|line| line["custom_id"] == "r-engine").unwrap();
    assert!(engine["error"].as_str().unwrap().contains("stand-in engine error"), "{engine}");

    // One Ray job, under the recorded submission id, with the batch's id as metadata.
    let submission_id = format!("batch-router-{batch_id}");
    assert_eq!(sidecar.record(&batch_id)["run"]["ray_job"], submission_id.as_str());
    let job = ray_job(&submission_id).await;
    assert_eq!(job["status"], "SUCCEEDED", "{job}");
    assert_eq!(ray_jobs_of(&batch_id).await.len(), 1);
    let log = std::fs::read_to_string(sidecar.run_file(&batch_id, "ray-job.log")).unwrap();
    assert!(log.contains("wrote 5 result lines"), "{log}");
    let shared = state_dir.join("ray").join(&batch_id);
    let left: Vec<_> = std::fs::read_dir(&shared)
        .map(|entries| entries.flatten().map(|entry| entry.file_name()).collect())
        .unwrap_or_default();
    assert!(
        !shared.exists(),
        "the shared files are removed: {left:?} {}",
        std::fs::read_to_string(state_dir.with_extension("log")).unwrap_or_default()
    );
}

#[tokio::test]
#[ignore = "needs a Ray head: scripts/test-ray.sh"]
async fn progress_is_reported_and_cancel_stops_the_ray_job_keeping_finished_lines() {
    let (_root, state_dir) = state();
    let sidecar = start_ray(&state_dir);
    let batch_id = sidecar.create(&sidecar.upload(&numbered(24, "tiny-slow-500").join("\n")).await).await;
    sidecar
        .wait_until(&batch_id, "progress while running", |batch| {
            batch["status"] == "in_progress" && batch["request_counts"]["completed"].as_u64() >= Some(2)
        })
        .await;
    let (status, cancelling) = sidecar.post(&format!("/v1/batches/{batch_id}/cancel"), json!({})).await;
    assert_eq!(status, 200, "{cancelling}");
    assert_eq!(cancelling["status"], "cancelling");

    let batch = sidecar.wait_for_end(&batch_id).await;
    assert_eq!(batch["status"], "cancelled", "{batch}");
    let output = sidecar.content(&batch["output_file_id"]).await;
    let errors = sidecar.content(&batch["error_file_id"]).await;
    assert!(output.len() >= 2 && output.len() < 24, "{} results kept", output.len());
    assert_eq!(output.len() + errors.len(), 24);
    assert!(errors.iter().all(|line| line["error"]["code"] == "batch_cancelled"), "{errors:?}");
    assert_eq!(batch["request_counts"], json!({"total": 24, "completed": output.len(), "failed": 0}));
    assert_eq!(ray_job(&format!("batch-router-{batch_id}")).await["status"], "STOPPED");
}

#[tokio::test]
#[ignore = "needs a Ray head: scripts/test-ray.sh"]
async fn a_sidecar_killed_or_stopped_mid_job_finds_its_ray_job_again_and_finishes_it_once() {
    let (_root, state_dir) = state();
    let sidecar = start_ray(&state_dir);
    let batch_id = sidecar.create(&sidecar.upload(&numbered(24, "tiny-slow-500").join("\n")).await).await;
    sidecar
        .wait_until(&batch_id, "the job to run", |batch| {
            batch["status"] == "in_progress" && batch["request_counts"]["completed"].as_u64() >= Some(2)
        })
        .await;
    sidecar.kill_hard();

    // A graceful stop leaves the Ray job running and the batch in progress for the next start.
    let sidecar = start_ray(&state_dir);
    assert_eq!(sidecar.terminate(), Some(0));
    let record = Sidecar::record_at(&state_dir, &batch_id);
    assert_eq!(record["batch"]["status"], "in_progress", "{record}");
    assert_eq!(ray_job(&format!("batch-router-{batch_id}")).await["status"], "RUNNING");

    let sidecar = start_ray(&state_dir);
    let batch = sidecar.wait_for_end(&batch_id).await;
    assert_eq!(batch["status"], "completed", "{batch}");
    assert_eq!(batch["request_counts"], json!({"total": 24, "completed": 24, "failed": 0}));
    let output = sidecar.content(&batch["output_file_id"]).await;
    let expected: Vec<String> = {
        let mut expected: Vec<String> = (0..24).map(|index| format!("r-{index}")).collect();
        expected.sort();
        expected
    };
    assert_eq!(ids(&output), expected, "every request once");
    assert_eq!(ray_jobs_of(&batch_id).await.len(), 1, "the job was never submitted twice");
}

#[tokio::test]
#[ignore = "needs a Ray head: scripts/test-ray.sh"]
async fn a_failing_ray_job_fails_the_batch_with_the_tail_of_its_log() {
    let (_root, state_dir) = state();
    let sidecar = start_ray(&state_dir);
    let batch_id = sidecar.create(&sidecar.upload(&numbered(3, "fail-job").join("\n")).await).await;
    let batch = sidecar.wait_for_end(&batch_id).await;
    assert_eq!(batch["status"], "failed", "{batch}");
    let error = &batch["errors"]["data"][0];
    assert_eq!(error["code"], "ray_job_failed");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("cannot be loaded (fail-job)"), "{message}");
    let errors = sidecar.content(&batch["error_file_id"]).await;
    assert_eq!(errors.len(), 3);
    assert!(errors.iter().all(|line| line["error"]["code"] == "batch_failed"));
    assert_eq!(ray_job(&format!("batch-router-{batch_id}")).await["status"], "FAILED");
}

#[tokio::test]
#[ignore = "needs a Ray head: scripts/test-ray.sh"]
async fn a_ray_job_stopped_outside_the_sidecar_fails_the_batch_keeping_finished_lines() {
    let (_root, state_dir) = state();
    let sidecar = start_ray(&state_dir);
    let batch_id = sidecar.create(&sidecar.upload(&numbered(24, "tiny-slow-500").join("\n")).await).await;
    sidecar
        .wait_until(&batch_id, "some results", |batch| batch["request_counts"]["completed"].as_u64() >= Some(2))
        .await;
    // Someone stops the job in Ray's dashboard (POST, as the dashboard's own client does).
    let url = format!("{}/api/jobs/batch-router-{batch_id}/stop", ray_address());
    let stopped: Value = reqwest::Client::new().post(url).send().await.unwrap().json().await.unwrap();
    assert_eq!(stopped["stopped"], true);

    let batch = sidecar.wait_for_end(&batch_id).await;
    assert_eq!(batch["status"], "failed", "{batch}");
    assert_eq!(batch["errors"]["data"][0]["code"], "ray_job_stopped");
    let output = sidecar.content(&batch["output_file_id"]).await;
    let errors = sidecar.content(&batch["error_file_id"]).await;
    assert!(output.len() >= 2 && output.len() < 24, "{} results kept", output.len());
    assert_eq!(output.len() + errors.len(), 24);
    assert!(errors.iter().all(|line| line["error"]["code"] == "batch_failed"), "{errors:?}");
}
