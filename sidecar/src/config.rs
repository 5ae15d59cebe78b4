//! Command-line flags and their environment variables, and the checks that make the defaults safe:
//! loopback unless told otherwise, and a bearer token required for any other address.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use batch_router_core::limits::batch_limits;
use batch_router_core::Provider;
use clap::Parser;

use crate::runner::RayOptions;

/// Every variable of this program starts with this; none is passed on to vLLM.
pub const ENV_PREFIX: &str = "BATCH_ROUTER_SIDECAR_";

/// Where batches run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    Local,
    Ray,
}

#[derive(Debug, Clone, Parser)]
#[command(
    name = "batch-router-sidecar",
    version,
    about = "A local OpenAI-compatible files-and-batches API that runs each batch with `vllm run-batch`."
)]
pub struct Config {
    /// Address to listen on. Port 0 picks a free port; the chosen address is printed on stdout as
    /// `listening on http://ADDRESS`. Any address other than loopback requires --token.
    #[arg(long, env = "BATCH_ROUTER_SIDECAR_ADDRESS", default_value = "127.0.0.1:0")]
    pub address: SocketAddr,

    /// Directory for uploaded files, batch records, results and vLLM logs. Defaults to
    /// $XDG_STATE_HOME/batch-router-sidecar (or ~/.local/state/batch-router-sidecar).
    #[arg(long, env = "BATCH_ROUTER_SIDECAR_STATE_DIR")]
    pub state_dir: Option<PathBuf>,

    /// The vLLM executable; each batch runs `<command> run-batch -i IN -o OUT --model M [args]`.
    #[arg(long, env = "BATCH_ROUTER_SIDECAR_VLLM_COMMAND", default_value = "vllm")]
    pub vllm_command: PathBuf,

    /// One extra argument for `vllm run-batch` (repeat the flag for more, e.g.
    /// `--vllm-arg=--max-model-len=8192`). The environment variable holds them separated by spaces.
    #[arg(
        long = "vllm-arg",
        env = "BATCH_ROUTER_SIDECAR_VLLM_ARGS",
        value_delimiter = ' ',
        allow_hyphen_values = true,
        value_name = "ARG"
    )]
    pub vllm_args: Vec<String>,

    /// How many batches run at the same time (one vLLM process each). One suits a single GPU.
    #[arg(long, env = "BATCH_ROUTER_SIDECAR_CONCURRENCY", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=64))]
    pub concurrency: u32,

    /// Bearer token that every /v1 request must send (`Authorization: Bearer TOKEN`). Prefer the
    /// environment variable: command lines are visible to other users.
    #[arg(long, env = "BATCH_ROUTER_SIDECAR_TOKEN", hide_env_values = true)]
    pub token: Option<String>,

    /// Largest accepted upload in bytes, enforced while the upload streams to disk.
    #[arg(long, env = "BATCH_ROUTER_SIDECAR_MAX_UPLOAD_BYTES", default_value_t = default_max_upload_bytes())]
    pub max_upload_bytes: u64,

    /// Where batches run: `local` (one `vllm run-batch` process per batch on this machine) or
    /// `ray` (one Ray job per batch on a Ray cluster, with Ray Data's LLM processor; needs
    /// --ray-address).
    #[arg(long, env = "BATCH_ROUTER_SIDECAR_BACKEND", value_enum, default_value_t = Backend::Local)]
    pub backend: Backend,

    #[command(flatten)]
    pub ray: RayOptions,

    /// How long a cancelled vLLM process group gets after SIGTERM before SIGKILL, in milliseconds.
    #[arg(long, env = "BATCH_ROUTER_SIDECAR_KILL_GRACE_MS", default_value_t = 10_000)]
    pub kill_grace_ms: u64,
}

fn default_max_upload_bytes() -> u64 {
    u64::try_from(batch_limits(Provider::Vllm).max_bytes).unwrap_or(u64::MAX)
}

impl Config {
    /// Refuses settings that would expose the API or cannot work.
    pub fn check(&self) -> Result<(), String> {
        if let Some(token) = &self.token {
            if token.trim().is_empty() {
                return Err("the token must not be empty".into());
            }
        }
        if !self.address.ip().is_loopback() && self.token.is_none() {
            return Err(format!(
                "refusing to listen on {} without a token: any address other than loopback requires \
                 --token (or {ENV_PREFIX}TOKEN)",
                self.address
            ));
        }
        match self.backend {
            Backend::Ray => self.ray.check()?,
            Backend::Local if self.ray.ray_address.is_some() => {
                return Err("--ray-address is set but the backend is local: add --backend ray".into());
            }
            Backend::Local => {}
        }
        if self.max_upload_bytes == 0 {
            return Err("--max-upload-bytes must be at least 1".into());
        }
        Ok(())
    }

    pub fn state_directory(&self) -> PathBuf {
        if let Some(directory) = &self.state_dir {
            return directory.clone();
        }
        let base = std::env::var_os("XDG_STATE_HOME")
            .filter(|value| !value.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local").join("state")));
        match base {
            Some(base) => base.join("batch-router-sidecar"),
            None => PathBuf::from("batch-router-sidecar-state"),
        }
    }

    pub fn kill_grace(&self) -> Duration {
        Duration::from_millis(self.kill_grace_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(arguments: &[&str]) -> Config {
        Config::try_parse_from(std::iter::once("batch-router-sidecar").chain(arguments.iter().copied())).unwrap()
    }

    #[test]
    fn defaults_are_loopback_one_batch_at_a_time_and_plain_vllm() {
        let config = parse(&[]);
        assert_eq!(config.address.to_string(), "127.0.0.1:0");
        assert_eq!(config.concurrency, 1);
        assert_eq!(config.vllm_command, PathBuf::from("vllm"));
        assert!(config.vllm_args.is_empty());
        assert_eq!(config.max_upload_bytes, 2_000_000_000);
        assert!(config.check().is_ok());
    }

    #[test]
    fn vllm_arguments_may_start_with_dashes() {
        let config = parse(&["--vllm-arg=--max-model-len=4096", "--vllm-arg", "--enforce-eager"]);
        assert_eq!(config.vllm_args, vec!["--max-model-len=4096", "--enforce-eager"]);
    }

    #[test]
    fn a_non_loopback_address_needs_a_token() {
        let error = parse(&["--address", "0.0.0.0:8080"]).check().unwrap_err();
        assert!(error.contains("requires --token"), "{error}");
        assert!(parse(&["--address", "0.0.0.0:8080", "--token", "secret"]).check().is_ok());
        assert!(parse(&["--address", "[::1]:0"]).check().is_ok());
        assert!(parse(&["--token", " "]).check().is_err());
    }

    #[test]
    fn the_backend_is_local_unless_ray_is_asked_for_with_an_address() {
        assert_eq!(parse(&[]).backend, Backend::Local);
        let error = parse(&["--backend", "ray"]).check().unwrap_err();
        assert!(error.contains("--ray-address"), "{error}");
        let config = parse(&["--backend", "ray", "--ray-address", "http://127.0.0.1:8265"]);
        assert_eq!(config.backend, Backend::Ray);
        assert!(config.check().is_ok());
        let error = parse(&["--ray-address", "http://127.0.0.1:8265"]).check().unwrap_err();
        assert!(error.contains("--backend ray"), "{error}");
    }

    #[test]
    fn concurrency_must_be_positive() {
        let arguments = ["batch-router-sidecar", "--concurrency", "0"];
        assert!(Config::try_parse_from(arguments).is_err());
    }
}
