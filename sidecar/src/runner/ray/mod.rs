//! The Ray backend (`--backend ray`): each batch becomes one Ray job, submitted through Ray's Jobs
//! REST API, that runs vLLM over the batch's lines with Ray Data's LLM processor
//! (`sidecar/ray/batch_router_ray_job.py`, compiled into the binary and written to the shared
//! directory at start).
//!
//! Files: the sidecar copies the validated lines to `SHARED/<batch>/input.jsonl` and writes
//! `SHARED/<batch>/job.json` (paths, model, replicas, parallel sizes, batch size, engine kwargs);
//! the job writes `SHARED/<batch>/output.jsonl` line by line; when the job has ended the sidecar
//! copies that file into the run directory, splits it as for the local backend and removes
//! `SHARED/<batch>/`. Only a shared directory (same path on the sidecar and every node) is
//! supported; object-store URIs are not.
//!
//! States: PENDING keeps the batch `validating`, RUNNING makes it `in_progress` (progress is read
//! from the growing output file), SUCCEEDED finishes it, FAILED fails it with `ray_job_failed` (the
//! tail of the job's log in the message, the whole log in `runs/<batch>/ray-job.log`), and STOPPED
//! cancels it when the sidecar asked and fails it with `ray_job_stopped` otherwise.
//!
//! Restarts: the submission id is `batch-router-<batch id>` and is recorded before the job is
//! submitted, so a restarted sidecar asks Ray for that id: a job Ray knows is followed again
//! (never submitted twice); one Ray does not know was never submitted and is submitted now. A
//! sidecar that shuts down leaves its Ray jobs running for the next start to finish.

mod client;
mod line_rules;
mod options;

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::sync::watch;

pub use line_rules::check_line;
pub use options::RayOptions;

use client::{JobInfo, JobStatus, RayJobsClient};

use super::prepare::INPUT;
use super::process::{log_tail, OUTPUT};
use super::progress::Progress;
use super::settle::Ending;
use super::{Inner, Stop};
use crate::ids;
use crate::objects::{BatchErrorData, BatchStatus};

/// The entrypoint every job runs, shipped inside the binary.
pub const ENTRYPOINT_SOURCE: &str = include_str!("../../../ray/batch_router_ray_job.py");
pub const ENTRYPOINT_FILE: &str = "batch_router_ray_job.py";
const JOB_FILE: &str = "job.json";
pub const JOB_LOG: &str = "ray-job.log";
const LOG_LINES_IN_ERROR: usize = 12;
/// After this many failed status requests in a row the batch fails (at the default poll, about
/// ten minutes: room for a head node to restart).
const MAX_STATUS_FAILURES: u32 = 600;

/// Everything the runner needs to run batches on Ray.
#[derive(Debug, Clone)]
pub struct RayBackend {
    pub client: RayJobsClient,
    pub address: String,
    pub shared_dir: PathBuf,
    pub python: String,
    pub job_settings: Map<String, Value>,
    pub runtime_env: Map<String, Value>,
    pub poll: Duration,
}

impl RayBackend {
    /// Checks the options, creates the shared directory and writes the entrypoint into it.
    pub async fn open(options: &RayOptions, state_root: &Path) -> Result<Self, String> {
        options.check()?;
        let address = options.address()?;
        let shared_dir = options.ray_shared_dir.clone().unwrap_or_else(|| state_root.join("ray"));
        tokio::fs::create_dir_all(&shared_dir)
            .await
            .map_err(|error| format!("cannot create the Ray shared directory {}: {error}", shared_dir.display()))?;
        let script = shared_dir.join(ENTRYPOINT_FILE);
        write_replacing(&script, ENTRYPOINT_SOURCE.as_bytes())
            .await
            .map_err(|error| format!("cannot write the Ray entrypoint {}: {error}", script.display()))?;
        let mut job_settings = Map::new();
        job_settings.insert("replicas".into(), options.ray_replicas.into());
        job_settings.insert("tensor_parallel_size".into(), options.ray_tensor_parallel_size.into());
        job_settings.insert("pipeline_parallel_size".into(), options.ray_pipeline_parallel_size.into());
        job_settings.insert("batch_size".into(), options.ray_batch_size.into());
        job_settings.insert("engine_kwargs".into(), Value::Object(options.engine_kwargs()?));
        Ok(RayBackend {
            client: RayJobsClient::new(&address),
            address,
            shared_dir,
            python: options.ray_python.trim().to_owned(),
            job_settings,
            runtime_env: options.runtime_env()?,
            poll: Duration::from_millis(options.ray_poll_ms),
        })
    }

    pub fn submission_id(batch_id: &str) -> String {
        format!("batch-router-{batch_id}")
    }

    fn batch_dir(&self, batch_id: &str) -> PathBuf {
        self.shared_dir.join(batch_id)
    }

    /// The job's command line: `PYTHON ENTRYPOINT JOB.json`, paths quoted for the shell.
    pub fn entrypoint(&self, batch_id: &str) -> String {
        let script = self.shared_dir.join(ENTRYPOINT_FILE);
        let job = self.batch_dir(batch_id).join(JOB_FILE);
        format!("{} {} {}", self.python, shell_quote(&script), shell_quote(&job))
    }

    /// The job description the entrypoint reads.
    pub fn job_description(&self, batch_id: &str, model: &str) -> Value {
        let directory = self.batch_dir(batch_id);
        let mut job = self.job_settings.clone();
        job.insert("input".into(), directory.join(INPUT).display().to_string().into());
        job.insert("output".into(), directory.join(OUTPUT).display().to_string().into());
        job.insert("model".into(), model.into());
        job.insert("batch_id".into(), batch_id.into());
        Value::Object(job)
    }

    /// Copies the run's validated lines to the shared directory and writes the job description.
    async fn stage(&self, batch_id: &str, run_dir: &Path, model: &str) -> io::Result<()> {
        let directory = self.batch_dir(batch_id);
        tokio::fs::create_dir_all(&directory).await?;
        let _ = tokio::fs::remove_file(directory.join(OUTPUT)).await;
        if run_dir.join(INPUT) != directory.join(INPUT) {
            tokio::fs::copy(run_dir.join(INPUT), directory.join(INPUT)).await?;
        }
        let description =
            serde_json::to_vec_pretty(&self.job_description(batch_id, model)).map_err(io::Error::other)?;
        write_replacing(&directory.join(JOB_FILE), &description).await
    }
}

/// Runs (or, after a restart, follows again) the batch's Ray job until it ends. `None` when the
/// sidecar is shutting down: the job keeps running and the next start follows it.
pub(super) async fn run_job(
    inner: &Inner,
    ray: &RayBackend,
    batch_id: &str,
    run_dir: &Path,
    model: &str,
    stop: &mut watch::Receiver<Option<Stop>>,
) -> io::Result<Option<Ending>> {
    let submission_id = RayBackend::submission_id(batch_id);
    // Recorded before the job exists: a sidecar that dies after submitting still knows the id.
    inner.batches.update(batch_id, |record| record.run.ray_job = Some(submission_id.clone())).await?;

    if let Err(error) = ensure_submitted(ray, batch_id, &submission_id, run_dir, model).await {
        tracing::error!(batch_id, %error, "could not submit the Ray job");
        let _ = tokio::fs::remove_dir_all(ray.batch_dir(batch_id)).await;
        let message = format!(
            "Could not submit the batch as a Ray job to the Ray dashboard at {}: {error}. Nothing was run.",
            ray.address
        );
        return Ok(Some(Ending::Failed(BatchErrorData::new("ray_submit_failed", message))));
    }
    follow(inner, ray, batch_id, &submission_id, run_dir, stop).await
}

/// Submits the job unless Ray knows it already (a restart after the submission).
async fn ensure_submitted(
    ray: &RayBackend,
    batch_id: &str,
    submission_id: &str,
    run_dir: &Path,
    model: &str,
) -> Result<(), String> {
    if ray.client.status(submission_id).await.map_err(|error| error.to_string())?.is_some() {
        tracing::info!(batch_id, submission_id, "following the Ray job submitted earlier");
        return Ok(());
    }
    ray.stage(batch_id, run_dir, model).await.map_err(|error| format!("cannot stage the batch's files: {error}"))?;
    let mut metadata = Map::new();
    metadata.insert("batch_router_batch_id".into(), batch_id.into());
    let submitted = ray.client.submit(submission_id, &ray.entrypoint(batch_id), &ray.runtime_env, &metadata).await;
    if let Err(error) = submitted {
        // A submission whose answer was lost may have reached Ray all the same.
        return match ray.client.status(submission_id).await {
            Ok(Some(_)) => Ok(()),
            _ => Err(error.to_string()),
        };
    }
    tracing::info!(batch_id, submission_id, "Ray job submitted");
    Ok(())
}

async fn follow(
    inner: &Inner,
    ray: &RayBackend,
    batch_id: &str,
    submission_id: &str,
    run_dir: &Path,
    stop: &mut watch::Receiver<Option<Stop>>,
) -> io::Result<Option<Ending>> {
    let shared_output = ray.batch_dir(batch_id).join(OUTPUT);
    let mut cancel_sent = false;
    let mut failures = 0u32;
    let mut progress = Progress::default();
    let mut ticker = tokio::time::interval(ray.poll);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        if !cancel_sent {
            let requested = *stop.borrow_and_update();
            let cancelling =
                inner.batches.get(batch_id).await.is_some_and(|record| record.batch.status == BatchStatus::Cancelling);
            match requested {
                Some(Stop::Shutdown) => return Ok(None),
                Some(Stop::Cancel) => cancel_sent = send_stop(ray, batch_id, submission_id).await,
                None if cancelling => cancel_sent = send_stop(ray, batch_id, submission_id).await,
                None => {}
            }
        }
        tokio::select! {
            _ = ticker.tick() => {}
            changed = stop.changed(), if !cancel_sent => {
                if changed.is_err() {
                    // No stop can come any more; keep following.
                    cancel_sent = true;
                }
                continue;
            }
        }
        let info = match ray.client.status(submission_id).await {
            Ok(Some(info)) => info,
            Ok(None) => {
                let message = format!(
                    "The Ray cluster no longer knows the job {submission_id} (was the head node restarted?). Results \
                     it had written are kept; the other requests are in the error file."
                );
                return finish(
                    ray,
                    batch_id,
                    submission_id,
                    run_dir,
                    Ending::Failed(BatchErrorData::new("ray_job_lost", message)),
                )
                .await
                .map(Some);
            }
            Err(error) => {
                failures += 1;
                tracing::warn!(batch_id, %error, failures, "cannot read the Ray job's status");
                if failures >= MAX_STATUS_FAILURES {
                    let message = format!("The Ray dashboard at {} stopped answering: {error}.", ray.address);
                    return Ok(Some(Ending::Interrupted(BatchErrorData::new("ray_unreachable", message))));
                }
                continue;
            }
        };
        failures = 0;
        match info.status {
            JobStatus::Pending => {}
            JobStatus::Running => {
                mark_running(inner, batch_id).await?;
                super::task::report_progress(inner, batch_id, &shared_output, &mut progress, "the Ray job").await?;
            }
            JobStatus::Succeeded => {
                let ending = succeeded(inner, batch_id).await?;
                return finish(ray, batch_id, submission_id, run_dir, ending).await.map(Some);
            }
            JobStatus::Stopped if cancel_sent => {
                return finish(ray, batch_id, submission_id, run_dir, Ending::Cancelled).await.map(Some);
            }
            JobStatus::Stopped => {
                let message = format!(
                    "The Ray job {submission_id} was stopped outside the sidecar. Results it had written are kept; the \
                     other requests are in the error file."
                );
                let ending = Ending::Failed(BatchErrorData::new("ray_job_stopped", message));
                return finish(ray, batch_id, submission_id, run_dir, ending).await.map(Some);
            }
            JobStatus::Failed => {
                let ending = failed(ray, batch_id, submission_id, run_dir, &info).await;
                return finish(ray, batch_id, submission_id, run_dir, ending).await.map(Some);
            }
        }
    }
}

async fn send_stop(ray: &RayBackend, batch_id: &str, submission_id: &str) -> bool {
    match ray.client.stop(submission_id).await {
        Ok(stopped) => {
            tracing::info!(batch_id, submission_id, stopped, "asked Ray to stop the job");
            true
        }
        Err(error) => {
            // Asked again at the next poll.
            tracing::warn!(batch_id, %error, "could not ask Ray to stop the job");
            false
        }
    }
}

async fn mark_running(inner: &Inner, batch_id: &str) -> io::Result<()> {
    let now = ids::now();
    inner
        .batches
        .update(batch_id, |record| {
            if record.batch.status == BatchStatus::Validating {
                record.batch.status = BatchStatus::InProgress;
                record.batch.in_progress_at = Some(now);
            }
        })
        .await?;
    Ok(())
}

/// The job finished: `finalizing`, or `cancelled` with every result when a cancel came first.
async fn succeeded(inner: &Inner, batch_id: &str) -> io::Result<Ending> {
    let now = ids::now();
    let finalizing = inner
        .batches
        .update(batch_id, |record| {
            let batch = &mut record.batch;
            if batch.status == BatchStatus::Cancelling {
                return false;
            }
            if batch.in_progress_at.is_none() {
                batch.in_progress_at = Some(now);
            }
            batch.status = BatchStatus::Finalizing;
            batch.finalizing_at = Some(now);
            true
        })
        .await?
        .is_some_and(|(_, finalizing)| finalizing);
    Ok(if finalizing { Ending::Finished } else { Ending::Cancelled })
}

async fn failed(ray: &RayBackend, batch_id: &str, submission_id: &str, run_dir: &Path, info: &JobInfo) -> Ending {
    save_logs(ray, batch_id, submission_id, run_dir).await;
    let tail = log_tail(&run_dir.join(JOB_LOG), LOG_LINES_IN_ERROR).await;
    let reason = info.message.as_deref().and_then(|message| message.lines().next()).unwrap_or("no reason given");
    let message = format!(
        "The Ray job {submission_id} failed: {reason} Last lines of its log (full log: runs/{batch_id}/{JOB_LOG} in \
         the sidecar's state directory):\n{tail}"
    );
    Ending::Failed(BatchErrorData::new("ray_job_failed", message))
}

async fn save_logs(ray: &RayBackend, batch_id: &str, submission_id: &str, run_dir: &Path) {
    match ray.client.logs(submission_id).await {
        Ok(logs) => {
            if let Err(error) = tokio::fs::write(run_dir.join(JOB_LOG), logs).await {
                tracing::warn!(batch_id, %error, "could not save the Ray job's log");
            }
        }
        Err(error) => tracing::warn!(batch_id, %error, "could not fetch the Ray job's log"),
    }
}

/// Brings the job's output into the run directory (where the split reads it), keeps the job's log
/// and removes the batch's shared files.
async fn finish(
    ray: &RayBackend,
    batch_id: &str,
    submission_id: &str,
    run_dir: &Path,
    ending: Ending,
) -> io::Result<Ending> {
    if !run_dir.join(JOB_LOG).exists() {
        save_logs(ray, batch_id, submission_id, run_dir).await;
    }
    let shared_output = ray.batch_dir(batch_id).join(OUTPUT);
    let local_output = run_dir.join(OUTPUT);
    if shared_output != local_output {
        match tokio::fs::copy(&shared_output, &local_output).await {
            Ok(_) => {}
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                let _ = tokio::fs::remove_file(&local_output).await;
            }
            Err(error) => return Err(error),
        }
    }
    if let Err(error) = tokio::fs::remove_dir_all(ray.batch_dir(batch_id)).await {
        if error.kind() != io::ErrorKind::NotFound {
            tracing::warn!(batch_id, %error, "could not remove the batch's shared files");
        }
    }
    tracing::info!(batch_id, submission_id, ?ending, "Ray job ended");
    Ok(ending)
}

/// Writes a file through a temporary name beside it, so a reader never sees a part.
async fn write_replacing(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let temporary = path.with_extension(format!("tmp-{}", ids::new_request_id()));
    tokio::fs::write(&temporary, bytes).await?;
    match tokio::fs::rename(&temporary, path).await {
        Ok(()) => Ok(()),
        Err(error) => {
            let _ = tokio::fs::remove_file(&temporary).await;
            Err(error)
        }
    }
}

/// A path as one shell word.
fn shell_quote(path: &Path) -> String {
    let text = path.display().to_string();
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use serde_json::json;

    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        ray: RayOptions,
    }

    fn options(arguments: &[&str]) -> RayOptions {
        Flags::try_parse_from(std::iter::once("test").chain(arguments.iter().copied())).unwrap().ray
    }

    #[tokio::test]
    async fn opening_writes_the_entrypoint_and_jobs_carry_every_setting() {
        let root = tempfile::tempdir().unwrap();
        let shared = root.path().join("it's shared");
        let shared_flag = format!("--ray-shared-dir={}", shared.display());
        let options = options(&[
            "--ray-address=http://head:8265/",
            &shared_flag,
            "--ray-python=/opt/venv/bin/python",
            "--ray-replicas=4",
            "--ray-tensor-parallel-size=2",
            "--ray-pipeline-parallel-size=3",
            "--ray-batch-size=16",
            r#"--ray-engine-kwargs={"max_model_len": 8192}"#,
            r#"--ray-runtime-env={"env_vars": {"A": "1"}}"#,
        ]);
        let backend = RayBackend::open(&options, root.path()).await.unwrap();
        assert_eq!(backend.address, "http://head:8265");
        assert_eq!(std::fs::read_to_string(shared.join(ENTRYPOINT_FILE)).unwrap(), ENTRYPOINT_SOURCE);
        assert_eq!(backend.runtime_env["env_vars"]["A"], "1");

        let entrypoint = backend.entrypoint("batch_1");
        let expected = format!(
            "/opt/venv/bin/python '{0}/it'\\''s shared/batch_router_ray_job.py' '{0}/it'\\''s shared/batch_1/job.json'",
            root.path().display()
        );
        assert_eq!(entrypoint, expected);

        let job = backend.job_description("batch_1", "m");
        assert_eq!(job["model"], "m");
        assert_eq!(job["replicas"], 4);
        assert_eq!(job["tensor_parallel_size"], 2);
        assert_eq!(job["pipeline_parallel_size"], 3);
        assert_eq!(job["batch_size"], 16);
        assert_eq!(job["engine_kwargs"], json!({"max_model_len": 8192}));
        assert_eq!(job["input"], shared.join("batch_1").join(INPUT).display().to_string());
        assert_eq!(job["output"], shared.join("batch_1").join(OUTPUT).display().to_string());
    }

    #[tokio::test]
    async fn the_shared_directory_defaults_to_the_state_directory() {
        let root = tempfile::tempdir().unwrap();
        let backend = RayBackend::open(&options(&["--ray-address=http://127.0.0.1:8265"]), root.path()).await.unwrap();
        assert_eq!(backend.shared_dir, root.path().join("ray"));
        assert_eq!(backend.python, "python");
        assert_eq!(backend.job_settings["batch_size"], 32);
        assert_eq!(RayBackend::submission_id("batch_abc"), "batch-router-batch_abc");
    }

    #[test]
    fn bad_ray_settings_are_refused_with_the_flag_named() {
        let check = |arguments: &[&str]| options(arguments).check().unwrap_err();
        assert!(check(&[]).contains("--ray-address"));
        assert!(check(&["--ray-address=head:8265"]).contains("http://"));
        assert!(check(&["--ray-address=https://head:8265"]).contains("http://"));
        assert!(check(&["--ray-address=http://user:secret@head:8265"]).contains("credentials"));
        let error = check(&["--ray-address=http://head:8265", "--ray-engine-kwargs=[1]"]);
        assert!(error.contains("--ray-engine-kwargs"), "{error}");
        let error = check(&["--ray-address=http://head:8265", r#"--ray-engine-kwargs={"tensor_parallel_size": 2}"#]);
        assert!(error.contains("--ray-tensor-parallel-size"), "{error}");
        let error = check(&["--ray-address=http://head:8265", "--ray-runtime-env={broken"]);
        assert!(error.contains("--ray-runtime-env"), "{error}");
        let error = check(&["--ray-address=http://head:8265", "--ray-shared-dir=relative/dir"]);
        assert!(error.contains("absolute"), "{error}");
        assert!(Flags::try_parse_from(["test", "--ray-replicas=0"]).is_err());
    }
}
