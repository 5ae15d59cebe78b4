//! batch-router's native sidecar: a local, OpenAI-compatible files-and-batches API whose batches run
//! with `vllm run-batch` (or as Ray jobs on a Ray cluster, `--backend ray`), so local batches go
//! through the same interface as OpenAI's.
//!
//! * [`config`] — flags and environment variables; safe defaults (loopback, token otherwise).
//! * [`routes`] — the HTTP API (`/v1/files`, `/v1/batches`, `/health`) and [`router`].
//! * [`runner`] — one task per batch: validation, the queue, the vLLM child process, cancel, and
//!   what a restart does with batches that were running (its module doc states each choice).
//! * [`store`] — the state directory, where every file, batch and run record lives.
//!
//! Two behaviours a caller must know (details in [`runner`]):
//! * **One model per batch.** vLLM serves one model per process; a file whose lines name more than
//!   one model fails as a whole with `model_mismatch` (the first differing line is named), as OpenAI
//!   refuses such a file. Split the file by model.
//! * **After a crash, running batches are marked failed, never re-run.** A restarted sidecar kills
//!   the vLLM process group its predecessor left behind, keeps every result vLLM had written, and
//!   fails the batch with `sidecar_restarted` (it completes instead if every request already had a
//!   result). Queued batches start again; no batch stays in progress. With `--backend ray` a
//!   batch's Ray job outlives the sidecar: a restarted sidecar follows it again by its submission
//!   id and finishes the batch (see [`runner`]'s `ray` module).
//!
//! Unix only: vLLM runs in its own process group, and a restart identifies a leftover vLLM process
//! by its start time in `/proc` (Linux; elsewhere a leftover process is not killed).

pub mod config;
pub mod error;
pub mod ids;
pub mod objects;
pub mod routes;
pub mod runner;
pub mod store;

use std::io::Write;
use std::sync::Arc;

pub use config::{Backend, Config};
pub use routes::{router, AppState};

use runner::{RayBackend, Runner, VllmCommand};
use store::{BatchStore, FileStore, StateDirectory};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Config(String),
    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },
}

fn io_context(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> StartError {
    let context = context.into();
    move |source| StartError::Io { context, source }
}

/// Opens the state directory, settles the batches an earlier run left unfinished, and restarts the
/// queued ones.
pub async fn open(config: &Config) -> Result<AppState, StartError> {
    config.check().map_err(StartError::Config)?;
    let root = config.state_directory();
    let state = StateDirectory::open(&root)
        .await
        .map_err(io_context(format!("cannot use the state directory {}", root.display())))?;
    let files = FileStore::open(state.clone()).await.map_err(io_context("cannot read the stored files"))?;
    let batches =
        Arc::new(BatchStore::load(state.clone()).await.map_err(io_context("cannot read the stored batches"))?);
    let command = VllmCommand { program: config.vllm_command.clone(), extra_args: config.vllm_args.clone() };
    let concurrency = usize::try_from(config.concurrency).unwrap_or(1);
    let ray = match config.backend {
        Backend::Ray => Some(RayBackend::open(&config.ray, state.root()).await.map_err(StartError::Config)?),
        Backend::Local => None,
    };
    let runner = Runner::new(files.clone(), Arc::clone(&batches), command, ray, concurrency, config.kill_grace());
    runner.recover().await;
    Ok(AppState {
        files,
        batches,
        runner,
        token: config.token.as_deref().map(Arc::from),
        max_upload_bytes: config.max_upload_bytes,
    })
}

/// Serves until SIGINT or SIGTERM, then stops running vLLM processes. The bound address is printed
/// on one stdout line, `listening on http://ADDRESS`, for a parent process to read.
pub async fn serve(config: Config) -> Result<(), StartError> {
    let state = open(&config).await?;
    let listener = tokio::net::TcpListener::bind(config.address)
        .await
        .map_err(io_context(format!("cannot listen on {}", config.address)))?;
    let address = listener.local_addr().map_err(io_context("cannot read the bound address"))?;
    // The signal handlers are installed before the address is printed: a parent that reads the
    // line and stops the sidecar at once must get the orderly shutdown, not the default action.
    let signals = ShutdownSignals::install();
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on http://{address}")
        .and_then(|()| stdout.flush())
        .map_err(io_context("cannot write to stdout"))?;
    drop(stdout);
    tracing::info!(%address, state_dir = %config.state_directory().display(), "sidecar ready");
    let runner = state.runner.clone();
    axum::serve(listener, router(state))
        .with_graceful_shutdown(signals.received())
        .await
        .map_err(io_context("the server failed"))?;
    runner.shutdown().await;
    Ok(())
}

/// SIGINT and SIGTERM listeners, registered when made (tokio's `ctrl_c()` registers only when
/// first polled, which is too late for a signal sent right after the address line).
struct ShutdownSignals {
    interrupt: Option<tokio::signal::unix::Signal>,
    terminate: Option<tokio::signal::unix::Signal>,
}

impl ShutdownSignals {
    fn install() -> Self {
        use tokio::signal::unix::{signal, SignalKind};
        let listen = |kind: SignalKind, name: &str| match signal(kind) {
            Ok(listener) => Some(listener),
            Err(error) => {
                tracing::warn!(%error, "cannot listen for {name}");
                None
            }
        };
        ShutdownSignals {
            interrupt: listen(SignalKind::interrupt(), "SIGINT"),
            terminate: listen(SignalKind::terminate(), "SIGTERM"),
        }
    }

    async fn received(mut self) {
        async fn next(listener: &mut Option<tokio::signal::unix::Signal>) {
            match listener {
                Some(listener) => {
                    listener.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        }
        tokio::select! {
            _ = next(&mut self.interrupt) => {}
            _ = next(&mut self.terminate) => {}
        }
        tracing::info!("shutting down");
    }
}
