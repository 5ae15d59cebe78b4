//! The `--ray-*` flags: where the Ray cluster is, where it reads and writes the batches' files, and
//! the Ray Data LLM settings passed to every job unchanged.

use std::path::PathBuf;

use clap::Args;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Args)]
pub struct RayOptions {
    /// The Ray dashboard's HTTP address (its Jobs REST API), e.g. `http://HEAD:8265`. Required with
    /// `--backend ray`. Plain HTTP only; put no credentials in it.
    #[arg(long, env = "BATCH_ROUTER_SIDECAR_RAY_ADDRESS", value_name = "URL")]
    pub ray_address: Option<String>,

    /// A directory that the sidecar and every Ray node see at the same path (an NFS or other
    /// shared mount). Each batch's input, job description and output go through it. Defaults to
    /// `STATE/ray`, which only a cluster on the sidecar's own machine can reach.
    #[arg(long, env = "BATCH_ROUTER_SIDECAR_RAY_SHARED_DIR", value_name = "DIR")]
    pub ray_shared_dir: Option<PathBuf>,

    /// The Python command on the Ray nodes (with `ray[data]` and vLLM installed) that runs the job's
    /// entrypoint; a shell word list, e.g. `/opt/venv/bin/python`.
    #[arg(long, env = "BATCH_ROUTER_SIDECAR_RAY_PYTHON", default_value = "python", value_name = "COMMAND")]
    pub ray_python: String,

    /// vLLM engine replicas per batch (Ray Data's `concurrency`): data parallelism across the cluster.
    #[arg(long, env = "BATCH_ROUTER_SIDECAR_RAY_REPLICAS", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub ray_replicas: u32,

    /// GPUs per replica that split each layer (vLLM's `tensor_parallel_size`).
    #[arg(long, env = "BATCH_ROUTER_SIDECAR_RAY_TENSOR_PARALLEL_SIZE", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub ray_tensor_parallel_size: u32,

    /// Pipeline stages per replica (vLLM's `pipeline_parallel_size`).
    #[arg(long, env = "BATCH_ROUTER_SIDECAR_RAY_PIPELINE_PARALLEL_SIZE", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub ray_pipeline_parallel_size: u32,

    /// Requests per batch sent to a vLLM engine (Ray Data LLM's `batch_size`; its default is 32).
    /// Results are written back batch by batch, so this is also the granularity of progress.
    #[arg(long, env = "BATCH_ROUTER_SIDECAR_RAY_BATCH_SIZE", default_value_t = 32,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub ray_batch_size: u32,

    /// More vLLM engine arguments as a JSON object (`engine_kwargs`), e.g. `{"max_model_len": 8192}`.
    #[arg(long, env = "BATCH_ROUTER_SIDECAR_RAY_ENGINE_KWARGS", value_name = "JSON")]
    pub ray_engine_kwargs: Option<String>,

    /// The Ray `runtime_env` of every job as a JSON object (`env_vars`, `pip`, …), sent as given.
    #[arg(long, env = "BATCH_ROUTER_SIDECAR_RAY_RUNTIME_ENV", value_name = "JSON")]
    pub ray_runtime_env: Option<String>,

    /// How often a running Ray job's status is asked for, in milliseconds.
    #[arg(long, env = "BATCH_ROUTER_SIDECAR_RAY_POLL_MS", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(50..=600_000))]
    pub ray_poll_ms: u64,
}

impl RayOptions {
    /// The address without a trailing slash; an error unless it is an `http://` URL.
    pub fn address(&self) -> Result<String, String> {
        let Some(address) = self.ray_address.as_deref().map(str::trim).filter(|address| !address.is_empty()) else {
            return Err("--backend ray needs --ray-address (the Ray dashboard, e.g. http://HEAD:8265)".into());
        };
        let Some(rest) = address.strip_prefix("http://") else {
            return Err("--ray-address must be an http:// URL of the Ray dashboard (e.g. http://HEAD:8265)".into());
        };
        if rest.is_empty() || rest.contains('@') {
            return Err("--ray-address must name a host (and must not carry credentials)".into());
        }
        Ok(address.trim_end_matches('/').to_owned())
    }

    pub fn engine_kwargs(&self) -> Result<Map<String, Value>, String> {
        let kwargs = json_object(self.ray_engine_kwargs.as_deref(), "--ray-engine-kwargs")?;
        for (key, flag) in [
            ("tensor_parallel_size", "--ray-tensor-parallel-size"),
            ("pipeline_parallel_size", "--ray-pipeline-parallel-size"),
        ] {
            if kwargs.contains_key(key) {
                return Err(format!("--ray-engine-kwargs must not set {key}: use {flag}"));
            }
        }
        Ok(kwargs)
    }

    pub fn runtime_env(&self) -> Result<Map<String, Value>, String> {
        json_object(self.ray_runtime_env.as_deref(), "--ray-runtime-env")
    }

    /// Every check of the Ray settings, for `--backend ray`.
    pub fn check(&self) -> Result<(), String> {
        self.address()?;
        self.engine_kwargs()?;
        self.runtime_env()?;
        if self.ray_python.trim().is_empty() {
            return Err("--ray-python must not be empty".into());
        }
        if let Some(directory) = &self.ray_shared_dir {
            if !directory.is_absolute() {
                return Err("--ray-shared-dir must be an absolute path (the Ray nodes see the same path)".into());
            }
        }
        Ok(())
    }
}

fn json_object(text: Option<&str>, flag: &str) -> Result<Map<String, Value>, String> {
    let Some(text) = text.filter(|text| !text.trim().is_empty()) else {
        return Ok(Map::new());
    };
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(format!("{flag} must be a JSON object")),
        Err(error) => Err(format!("{flag} is not valid JSON: {error}")),
    }
}
