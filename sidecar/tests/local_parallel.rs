//! One machine, several GPUs, with the local backend: vLLM's own parallel options reach
//! `vllm run-batch` unchanged (from flags or from the environment variable), so one batch uses
//! every GPU. vLLM reads them as engine arguments (reference §5.1: run-batch takes all engine args).

mod common;

use common::{lines, start};

#[tokio::test]
async fn tensor_pipeline_and_data_parallel_options_are_passed_to_vllm() {
    let root = tempfile::tempdir().unwrap();
    let state_dir = root.path().join("state");
    let flags = [
        "--vllm-arg=--tensor-parallel-size=2",
        "--vllm-arg=--pipeline-parallel-size=2",
        "--vllm-arg",
        "--data-parallel-size=2",
    ];
    let sidecar = start(&state_dir, &flags, &[]);
    let batch_id = sidecar.create(&sidecar.upload(&lines(2, "tiny")).await).await;
    let batch = sidecar.wait_for_end(&batch_id).await;
    assert_eq!(batch["status"], "completed", "{batch}");
    let log = std::fs::read_to_string(sidecar.run_file(&batch_id, "vllm.stdout.log")).unwrap();
    let expected =
        r#""--model","tiny","--tensor-parallel-size=2","--pipeline-parallel-size=2","--data-parallel-size=2""#;
    assert!(log.contains(expected), "{log}");
    drop(sidecar);

    // The same from the environment: words separated by spaces, a flag and its value as two words.
    let state_dir = root.path().join("state-from-env");
    let env = [("BATCH_ROUTER_SIDECAR_VLLM_ARGS", "--tensor-parallel-size 4 --data-parallel-size 2")];
    let sidecar = start(&state_dir, &[], &env);
    let batch_id = sidecar.create(&sidecar.upload(&lines(1, "tiny")).await).await;
    assert_eq!(sidecar.wait_for_end(&batch_id).await["status"], "completed");
    let log = std::fs::read_to_string(sidecar.run_file(&batch_id, "vllm.stdout.log")).unwrap();
    let expected = r#""--model","tiny","--tensor-parallel-size","4","--data-parallel-size","2""#;
    assert!(log.contains(expected), "{log}");
}
