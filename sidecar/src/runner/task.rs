//! The life of one batch: validating → (queued) → in_progress → finalizing → completed, or failed /
//! cancelled on the way. Every path ends in [`settle`], so no batch is left in progress.

use std::io;
use std::path::Path;
use std::process::ExitStatus;
use std::time::Duration;

use nix::sys::signal::Signal;
use tokio::sync::watch;

use super::prepare::{prepare, Preparation, Prepared, INPUT};
use super::process::{self, OUTPUT, STDERR_LOG};
use super::progress::Progress;
use super::queue::Place;
use super::ray;
use super::settle::{remove_intermediate_files, settle, Ending};
use super::{Inner, Stop};
use crate::ids;
use crate::objects::{BatchErrorData, BatchErrors, BatchStatus, RequestCounts};

const PROGRESS_INTERVAL: Duration = Duration::from_millis(500);
const STDERR_LINES_IN_ERROR: usize = 12;

pub(super) async fn run_batch(inner: &Inner, batch_id: &str, place: Place, stop: watch::Receiver<Option<Stop>>) {
    if let Err(error) = drive(inner, batch_id, place, stop).await {
        tracing::error!(batch_id, %error, "a batch failed on an internal error");
        let error = BatchErrorData::new("internal_error", format!("The sidecar could not run this batch: {error}."));
        settle_or_fail(inner, batch_id, Ending::Failed(error)).await;
    }
}

/// Settles the batch; if even that fails (a full disk, say), marks it failed without result files.
pub(super) async fn settle_or_fail(inner: &Inner, batch_id: &str, ending: Ending) {
    let run_dir = inner.files.state().run_dir(batch_id);
    let Err(error) = settle(&inner.files, &inner.batches, batch_id, &run_dir, ending).await else {
        return;
    };
    tracing::error!(batch_id, %error, "could not file a batch's results");
    let failure =
        BatchErrorData::new("internal_error", format!("The sidecar could not file this batch's results: {error}."));
    if let Err(error) = fail(inner, batch_id, failure).await {
        tracing::error!(batch_id, %error, "could not record a batch's failure");
    }
}

async fn drive(inner: &Inner, batch_id: &str, place: Place, mut stop: watch::Receiver<Option<Stop>>) -> io::Result<()> {
    let Some(record) = inner.batches.get(batch_id).await else {
        return Ok(());
    };
    let run_dir = inner.files.state().run_dir(batch_id);
    tokio::fs::create_dir_all(&run_dir).await?;
    let rule = inner.ray.as_ref().map(|_| ray::check_line as super::prepare::LineRule);
    let prepared =
        match prepare(&inner.files, &record.batch.input_file_id, &record.batch.endpoint, &run_dir, rule).await? {
            Preparation::Ready(prepared) => prepared,
            Preparation::Refused(error) => {
                fail(inner, batch_id, error).await?;
                remove_intermediate_files(&run_dir).await;
                return Ok(());
            }
        };
    record_preparation(inner, batch_id, &prepared).await?;
    let Prepared { model: Some(model), sent: 1.., .. } = prepared else {
        // Every line was refused: nothing to run, the error file says why.
        return settle(&inner.files, &inner.batches, batch_id, &run_dir, Ending::Finished).await;
    };

    let slot = tokio::select! {
        slot = place.turn() => slot,
        reason = requested_stop(&mut stop) => return stopped_before_run(inner, batch_id, &run_dir, reason).await,
    };
    drop(place);
    let already_stopped = *stop.borrow();
    if let Some(reason) = already_stopped {
        return stopped_before_run(inner, batch_id, &run_dir, reason).await;
    }
    let ending = match &inner.ray {
        Some(ray) => match ray::run_job(inner, ray, batch_id, &run_dir, &model, &mut stop).await? {
            Some(ending) => ending,
            // Shutting down: the Ray job runs on, and the next start follows it.
            None => return Ok(()),
        },
        None => run_vllm(inner, batch_id, &run_dir, &model, &mut stop).await?,
    };
    // The GPU is free again: the next batch may start while this one's results are filed.
    drop(slot);
    settle(&inner.files, &inner.batches, batch_id, &run_dir, ending).await
}

/// Follows the Ray job of a batch an earlier sidecar started, then files its results.
pub(super) async fn resume_ray_job(
    inner: &Inner,
    batch_id: &str,
    model: &str,
    mut stop: watch::Receiver<Option<Stop>>,
) {
    let Some(ray) = &inner.ray else {
        return;
    };
    let run_dir = inner.files.state().run_dir(batch_id);
    match ray::run_job(inner, ray, batch_id, &run_dir, model, &mut stop).await {
        Ok(Some(ending)) => settle_or_fail(inner, batch_id, ending).await,
        Ok(None) => {}
        Err(error) => {
            tracing::error!(batch_id, %error, "a batch failed on an internal error");
            let error =
                BatchErrorData::new("internal_error", format!("The sidecar could not run this batch: {error}."));
            settle_or_fail(inner, batch_id, Ending::Failed(error)).await;
        }
    }
}

async fn record_preparation(inner: &Inner, batch_id: &str, prepared: &Prepared) -> io::Result<()> {
    inner
        .batches
        .update(batch_id, |record| {
            record.batch.model = prepared.model.clone();
            record.batch.request_counts =
                RequestCounts { total: prepared.total, completed: 0, failed: prepared.rejected };
            record.run.sent = prepared.sent;
            record.run.rejected = prepared.rejected;
        })
        .await?;
    Ok(())
}

async fn stopped_before_run(inner: &Inner, batch_id: &str, run_dir: &Path, reason: Stop) -> io::Result<()> {
    match reason {
        Stop::Cancel => settle(&inner.files, &inner.batches, batch_id, run_dir, Ending::Cancelled).await,
        // Still queued: the next start validates it again and runs it.
        Stop::Shutdown => Ok(()),
    }
}

/// Resolves once a stop is requested (at once if it already was).
async fn requested_stop(stop: &mut watch::Receiver<Option<Stop>>) -> Stop {
    loop {
        if let Some(reason) = *stop.borrow_and_update() {
            return reason;
        }
        if stop.changed().await.is_err() {
            // The runner dropped the sender: no stop can come any more.
            std::future::pending::<()>().await;
        }
    }
}

/// Kills the process group when dropped, so no path out of a run leaves vLLM running.
struct GroupGuard(Option<u32>);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(leader) = self.0 {
            process::signal_group(leader, Signal::SIGKILL);
        }
    }
}

async fn run_vllm(
    inner: &Inner,
    batch_id: &str,
    run_dir: &Path,
    model: &str,
    stop: &mut watch::Receiver<Option<Stop>>,
) -> io::Result<Ending> {
    let output = run_dir.join(OUTPUT);
    match tokio::fs::remove_file(&output).await {
        Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
        _ => {}
    }
    let mut child = match process::spawn(&inner.command, run_dir, &run_dir.join(INPUT), model) {
        Ok(child) => child,
        Err(error) => {
            let message = format!("Could not start `{}`: {error}.", inner.command.program.display());
            return Ok(Ending::Failed(BatchErrorData::new("vllm_not_started", message)));
        }
    };
    let pid = child.id();
    let _guard = GroupGuard(pid);
    let process_start = pid.and_then(process::process_start);
    let now = ids::now();
    inner
        .batches
        .update(batch_id, |record| {
            record.run.pid = pid;
            record.run.process_start = process_start;
            if record.batch.status == BatchStatus::Validating {
                record.batch.status = BatchStatus::InProgress;
                record.batch.in_progress_at = Some(now);
            }
        })
        .await?;
    tracing::info!(batch_id, pid, model, "vllm run-batch started");

    let mut progress = Progress::default();
    let mut ticker = tokio::time::interval(PROGRESS_INTERVAL);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            status = child.wait() => {
                let status = status?;
                tracing::info!(batch_id, status = %status, "vllm run-batch ended");
                return ended(inner, batch_id, run_dir, status, stop).await;
            }
            reason = requested_stop(stop) => {
                let status = process::stop(&mut child, inner.kill_grace).await?;
                tracing::info!(batch_id, status = %status, reason = ?reason, "vllm run-batch stopped");
                return Ok(stopped_ending(reason));
            }
            _ = ticker.tick() => report_progress(inner, batch_id, &output, &mut progress, "vLLM").await?,
        }
    }
}

fn stopped_ending(reason: Stop) -> Ending {
    match reason {
        Stop::Cancel => Ending::Cancelled,
        Stop::Shutdown => Ending::Interrupted(BatchErrorData::new(
            "sidecar_stopped",
            "The sidecar was shut down while vLLM was running this batch. Results vLLM had written are kept; \
             the other requests are in the error file.",
        )),
    }
}

/// Reads what `engine` (vLLM, or the Ray job) has written to `output` so far into the batch's
/// request counts. Progress is a courtesy: a read that fails is logged, and the final split reads
/// the file again.
pub(super) async fn report_progress(
    inner: &Inner,
    batch_id: &str,
    output: &Path,
    progress: &mut Progress,
    engine: &str,
) -> io::Result<()> {
    match progress.poll(output).await {
        Ok(true) => {
            let (succeeded, failed) = (progress.succeeded, progress.failed);
            inner
                .batches
                .update(batch_id, |record| {
                    let counts = &mut record.batch.request_counts;
                    counts.completed = succeeded;
                    counts.failed = record.run.rejected + failed;
                })
                .await?;
        }
        Ok(false) => {}
        Err(error) => tracing::warn!(batch_id, %error, "could not read {engine}'s output for progress"),
    }
    Ok(())
}

async fn ended(
    inner: &Inner,
    batch_id: &str,
    run_dir: &Path,
    status: ExitStatus,
    stop: &watch::Receiver<Option<Stop>>,
) -> io::Result<Ending> {
    let already_stopped = *stop.borrow();
    if let Some(reason) = already_stopped {
        return Ok(stopped_ending(reason));
    }
    if !status.success() {
        let tail = process::log_tail(&run_dir.join(STDERR_LOG), STDERR_LINES_IN_ERROR).await;
        let message = format!(
            "vllm run-batch {}. Last lines of its stderr (full log: runs/{batch_id}/{STDERR_LOG} in the sidecar's \
             state directory):\n{tail}",
            process::describe_exit(status)
        );
        return Ok(Ending::Failed(BatchErrorData::new("vllm_failed", message)));
    }
    let now = ids::now();
    let finalizing = inner
        .batches
        .update(batch_id, |record| {
            let batch = &mut record.batch;
            let running = batch.status == BatchStatus::InProgress;
            if running {
                batch.status = BatchStatus::Finalizing;
                batch.finalizing_at = Some(now);
            }
            running
        })
        .await?
        .is_some_and(|(_, finalizing)| finalizing);
    // A cancel that arrived as vLLM finished wins: the batch ends cancelled, with every result.
    Ok(if finalizing { Ending::Finished } else { Ending::Cancelled })
}

/// Marks a batch failed as a whole, without result files.
async fn fail(inner: &Inner, batch_id: &str, error: BatchErrorData) -> io::Result<()> {
    let now = ids::now();
    inner
        .batches
        .update(batch_id, |record| {
            record.batch.status = BatchStatus::Failed;
            record.batch.failed_at = Some(now);
            record.batch.errors = Some(BatchErrors::one(error));
            record.run.pid = None;
            record.run.process_start = None;
        })
        .await?;
    Ok(())
}
