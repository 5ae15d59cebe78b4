//! `batch-router-sidecar`: reads the configuration, logs to stderr (stdout carries only the
//! `listening on …` line) and serves until stopped.

use std::io::IsTerminal;
use std::process::ExitCode;

use batch_router_sidecar::{serve, Config, StartError};
use clap::Parser;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    let filter = EnvFilter::try_from_env("BATCH_ROUTER_SIDECAR_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let colours = std::io::stderr().is_terminal();
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(colours).init();
    match serve(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("batch-router-sidecar: {error}");
            match error {
                StartError::Config(_) => ExitCode::from(2),
                StartError::Io { .. } => ExitCode::FAILURE,
            }
        }
    }
}
