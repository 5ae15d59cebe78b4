//! `--backend ray` with no Ray dashboard at the address: the batch fails with `ray_submit_failed`
//! naming the address, every request is reported, and nothing is left in the shared directory.
//! No Ray needed (the address is a closed loopback port), so this runs in the plain `cargo test`.

mod common;

use common::{lines, start};

#[tokio::test]
async fn an_unreachable_ray_dashboard_fails_the_batch_before_anything_runs() {
    let root = tempfile::tempdir().unwrap();
    let state_dir = root.path().join("state");
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let address = format!("--ray-address=http://127.0.0.1:{port}");
    let sidecar = start(&state_dir, &["--backend=ray", &address, "--ray-poll-ms=100"], &[]);
    let batch_id = sidecar.create(&sidecar.upload(&lines(3, "tiny")).await).await;
    let batch = sidecar.wait_for_end(&batch_id).await;
    assert_eq!(batch["status"], "failed", "{batch}");
    let error = &batch["errors"]["data"][0];
    assert_eq!(error["code"], "ray_submit_failed");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains(&format!("http://127.0.0.1:{port}")) && message.contains("Nothing was run"), "{message}");
    let errors = sidecar.content(&batch["error_file_id"]).await;
    assert_eq!(errors.len(), 3);
    assert!(errors.iter().all(|line| line["error"]["code"] == "batch_failed"));
    let shared = state_dir.join("ray");
    let entries: Vec<_> = std::fs::read_dir(&shared).unwrap().flatten().map(|entry| entry.file_name()).collect();
    assert_eq!(entries, ["batch_router_ray_job.py"], "only the entrypoint is in {}", shared.display());
}
