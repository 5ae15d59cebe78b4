//! Runs batches with `vllm run-batch`, one task per batch: validate the input file, wait for a run
//! slot, run vLLM, then split its results into OpenAI's output and error files.
//!
//! Choices:
//! * **One model per batch.** vLLM serves one model per process, so a file whose lines ask for more
//!   than one model fails as a whole with `model_mismatch` (see [`prepare`]), as OpenAI refuses
//!   such a file; the caller splits it by model.
//! * **A queue.** A batch stays `validating` until its turn: batches run in the order they were
//!   created, at most `--concurrency` at a time (default 1: one GPU). Validation happens at once,
//!   so a refused file fails without waiting for its turn.
//! * **Cancel** sends SIGTERM to vLLM's whole process group and SIGKILL after the grace period.
//!   Results vLLM had written are kept; the other requests go to the error file as
//!   `batch_cancelled`, counted in neither `completed` nor `failed` (OpenAI's counts have no
//!   `cancelled`: total − completed − failed of a cancelled batch are its cancelled requests).
//! * **Restart: mark failed, never re-run.** The run record (vLLM's pid and start time) is in the
//!   state directory. A restarted sidecar kills the process group a crashed predecessor left
//!   running, keeps the results vLLM had written, and marks the batch `failed` with code
//!   `sidecar_restarted` (or `completed`, if every request already had a result). Re-running could
//!   repeat hours of GPU work, or crash the sidecar again in a loop; the caller decides. A batch
//!   that was `finalizing` (vLLM had finished) is finalized again and completes; one that was
//!   `cancelling` ends `cancelled`; one still `validating` simply starts again. No batch is left in
//!   progress.
//! * **Ray** (`--backend ray`, module `ray`): the same steps, but the run is a Ray job; a restart or a
//!   shutdown never ends it, and a restarted sidecar follows it again by its submission id.
//! * **Shutdown** (SIGINT/SIGTERM) stops running vLLM processes and fails their batches with
//!   `sidecar_stopped`; queued batches stay queued for the next start.

mod lines;
mod prepare;
mod process;
mod progress;
mod queue;
mod ray;
mod result_lines;
mod settle;
mod task;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::watch;
use tokio_util::task::TaskTracker;

pub use process::VllmCommand;
pub use ray::{RayBackend, RayOptions};

use crate::objects::{BatchErrorData, BatchStatus};
use crate::store::{BatchStore, FileStore, StoredBatch};
use queue::RunQueue;
use settle::Ending;

/// Why a batch's task is asked to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Cancel,
    Shutdown,
}

#[derive(Clone)]
pub struct Runner {
    inner: Arc<Inner>,
}

struct Inner {
    files: FileStore,
    batches: Arc<BatchStore>,
    command: VllmCommand,
    /// `Some` with `--backend ray`: batches run as Ray jobs instead of local vLLM processes.
    ray: Option<RayBackend>,
    kill_grace: Duration,
    queue: Arc<RunQueue>,
    stops: Mutex<HashMap<String, watch::Sender<Option<Stop>>>>,
    tasks: TaskTracker,
}

impl Inner {
    fn stops(&self) -> MutexGuard<'_, HashMap<String, watch::Sender<Option<Stop>>>> {
        // A panic while holding this lock cannot leave the map half-changed: every use is one call.
        self.stops.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Runner {
    pub fn new(
        files: FileStore,
        batches: Arc<BatchStore>,
        command: VllmCommand,
        ray: Option<RayBackend>,
        concurrency: usize,
        kill_grace: Duration,
    ) -> Self {
        Runner {
            inner: Arc::new(Inner {
                files,
                batches,
                command,
                ray,
                kill_grace,
                queue: RunQueue::new(concurrency),
                stops: Mutex::new(HashMap::new()),
                tasks: TaskTracker::new(),
            }),
        }
    }

    /// Starts the task of a new (or still `validating`) batch; it takes the last place in line.
    pub fn start(&self, batch_id: &str) {
        let place = self.inner.queue.join(batch_id);
        self.spawn(
            batch_id,
            |inner, batch_id, stop| async move { task::run_batch(&inner, &batch_id, place, stop).await },
        );
    }

    /// Asks a batch's task to stop; `false` when the batch has no task (it has ended).
    pub fn stop(&self, batch_id: &str, stop: Stop) -> bool {
        match self.inner.stops().get(batch_id) {
            Some(sender) => {
                sender.send_modify(|current| {
                    current.get_or_insert(stop);
                });
                true
            }
            None => false,
        }
    }

    /// Settles what an earlier sidecar left unfinished (see the module doc) and restarts queued
    /// batches, oldest first.
    pub async fn recover(&self) {
        for record in self.inner.batches.all().await {
            let batch_id = record.batch.id.clone();
            if record.run.ray_job.is_some() && self.resume_ray_job(&record) {
                continue;
            }
            let ending = match record.batch.status {
                BatchStatus::Validating => {
                    self.start(&batch_id);
                    continue;
                }
                BatchStatus::InProgress => Ending::Interrupted(BatchErrorData::new(
                    "sidecar_restarted",
                    "The sidecar stopped (it crashed or was killed) while vLLM was running this batch. Results \
                     vLLM had written are kept; the other requests are in the error file. Submit them again.",
                )),
                BatchStatus::Cancelling => Ending::Cancelled,
                BatchStatus::Finalizing => Ending::Finished,
                BatchStatus::Completed | BatchStatus::Failed | BatchStatus::Cancelled | BatchStatus::Expired => {
                    settle::remove_intermediate_files(&self.inner.files.state().run_dir(&batch_id)).await;
                    continue;
                }
            };
            if let Some(pid) = record.run.pid {
                if process::kill_leftover(pid, record.run.process_start) {
                    process::wait_until_gone(pid, Duration::from_secs(5)).await;
                }
            }
            tracing::info!(batch_id, status = record.batch.status.as_str(), "settling a batch left by an earlier run");
            self.spawn(&batch_id, move |inner, batch_id, _stop| async move {
                task::settle_or_fail(&inner, &batch_id, ending).await;
            });
        }
    }

    /// Follows again the Ray job of a batch that was running when an earlier sidecar stopped;
    /// `false` when the batch has no such job to follow (it ended, or this sidecar has no Ray).
    fn resume_ray_job(&self, record: &StoredBatch) -> bool {
        let status = record.batch.status;
        let running = matches!(status, BatchStatus::Validating | BatchStatus::InProgress | BatchStatus::Cancelling);
        if !running || self.inner.ray.is_none() {
            return false;
        }
        let Some(model) = record.batch.model.clone() else {
            return false;
        };
        tracing::info!(
            batch_id = record.batch.id,
            status = status.as_str(),
            "following a Ray job started by an earlier run"
        );
        self.spawn(&record.batch.id, move |inner, batch_id, stop| async move {
            task::resume_ray_job(&inner, &batch_id, &model, stop).await;
        });
        true
    }

    /// Stops every running vLLM process, fails its batch, and waits for the tasks to end.
    pub async fn shutdown(&self) {
        for sender in self.inner.stops().values() {
            sender.send_modify(|current| {
                current.get_or_insert(Stop::Shutdown);
            });
        }
        self.inner.tasks.close();
        let limit = self.inner.kill_grace + Duration::from_secs(30);
        if tokio::time::timeout(limit, self.inner.tasks.wait()).await.is_err() {
            tracing::warn!("some batch tasks did not end in time");
        }
    }

    fn spawn<F, Fut>(&self, batch_id: &str, make: F)
    where
        F: FnOnce(Arc<Inner>, String, watch::Receiver<Option<Stop>>) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let (sender, receiver) = watch::channel(None);
        self.inner.stops().insert(batch_id.to_owned(), sender);
        let inner = Arc::clone(&self.inner);
        let work = make(Arc::clone(&inner), batch_id.to_owned(), receiver);
        let batch_id = batch_id.to_owned();
        self.inner.tasks.spawn(async move {
            work.await;
            inner.stops().remove(&batch_id);
        });
    }
}
