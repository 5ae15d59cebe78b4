//! Starts the built sidecar binary on port 0 with the stand-in vLLM and talks to it over HTTP.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde_json::{json, Value};

pub fn stand_in() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/stand-ins/vllm")
}

pub fn request_line(custom_id: &str, model: &str, text: &str) -> String {
    json!({"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions",
           "body": {"model": model, "messages": [{"role": "user", "content": text}]}})
    .to_string()
}

pub fn lines(count: usize, model: &str) -> String {
    (0..count)
        .map(|index| request_line(&format!("r-{index}"), model, &format!("text {index}")))
        .collect::<Vec<_>>()
        .join("\n")
}

pub struct Sidecar {
    child: Option<Child>,
    pub base: String,
    pub state_dir: PathBuf,
    client: reqwest::Client,
    token: Option<String>,
}

/// Starts the binary in the parent of `state_dir`; `extra` are more flags, `env` more environment
/// variables.
pub fn start(state_dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Sidecar {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(state_dir.with_extension("log")).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_batch-router-sidecar"));
    // A relative state directory, as a person would type it: vLLM must still get usable paths.
    command.current_dir(state_dir.parent().unwrap()).arg("--state-dir").arg(state_dir.file_name().unwrap());
    // Defaults that a test may replace.
    let given = |flag: &str| extra.iter().any(|argument| argument.starts_with(flag));
    if !given("--vllm-command") {
        command.arg("--vllm-command").arg(stand_in());
    }
    if !given("--kill-grace-ms") {
        command.args(["--kill-grace-ms", "2000"]);
    }
    command.args(extra).envs(env.iter().copied()).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(log);
    let mut child = command.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = sender.send(line);
    });
    let line = receiver.recv_timeout(Duration::from_secs(20)).expect("the sidecar printed no address");
    let base =
        line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("unexpected line {line:?}")).to_owned();
    let token = env.iter().find(|(name, _)| *name == "BATCH_ROUTER_SIDECAR_TOKEN").map(|(_, value)| value.to_string());
    Sidecar { child: Some(child), base, state_dir: state_dir.to_path_buf(), client: reqwest::Client::new(), token }
}

impl Sidecar {
    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// `kill -9`: no chance to clean up.
    pub fn kill_hard(mut self) {
        let mut child = self.child.take().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
    }

    /// SIGTERM, and the exit code once the sidecar has ended.
    pub fn terminate(mut self) -> Option<i32> {
        let mut child = self.child.take().unwrap();
        kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status.code();
            }
            assert!(Instant::now() < deadline, "the sidecar did not stop after SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn with_token(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let response = self.with_token(self.client.get(format!("{}{path}", self.base))).send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let request = self.client.post(format!("{}{path}", self.base)).json(&body);
        let response = self.with_token(request).send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }

    pub async fn upload(&self, content: &str) -> String {
        let part = reqwest::multipart::Part::bytes(content.as_bytes().to_vec()).file_name("batch.jsonl");
        let form = reqwest::multipart::Form::new().text("purpose", "batch").part("file", part);
        let request = self.client.post(format!("{}/v1/files", self.base)).multipart(form);
        let response = self.with_token(request).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let file: Value = response.json().await.unwrap();
        file["id"].as_str().unwrap().to_owned()
    }

    pub async fn create(&self, file_id: &str) -> String {
        let body = json!({"input_file_id": file_id, "endpoint": "/v1/chat/completions", "completion_window": "24h"});
        let (status, batch) = self.post("/v1/batches", body).await;
        assert_eq!(status, 200, "{batch}");
        batch["id"].as_str().unwrap().to_owned()
    }

    pub async fn batch(&self, batch_id: &str) -> Value {
        let (status, batch) = self.get(&format!("/v1/batches/{batch_id}")).await;
        assert_eq!(status, 200, "{batch}");
        batch
    }

    /// Polls until `done` holds for the batch.
    pub async fn wait_until(&self, batch_id: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let batch = self.batch(batch_id).await;
            if done(&batch) {
                return batch;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}: {batch}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    pub async fn wait_for_end(&self, batch_id: &str) -> Value {
        self.wait_until(batch_id, "the batch to end", |batch| {
            ["completed", "failed", "cancelled"].contains(&batch["status"].as_str().unwrap_or(""))
        })
        .await
    }

    pub async fn content(&self, file_id: &Value) -> Vec<Value> {
        let file_id = file_id.as_str().unwrap_or_else(|| panic!("no file id: {file_id}"));
        let request = self.client.get(format!("{}/v1/files/{file_id}/content", self.base));
        let response = self.with_token(request).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let text = response.text().await.unwrap();
        text.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
    }

    /// The run record the sidecar keeps on disk for a batch.
    pub fn record(&self, batch_id: &str) -> Value {
        Self::record_at(&self.state_dir, batch_id)
    }

    pub fn record_at(state_dir: &Path, batch_id: &str) -> Value {
        let path = state_dir.join("batches").join(format!("{batch_id}.json"));
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    pub fn run_file(&self, batch_id: &str, name: &str) -> PathBuf {
        self.state_dir.join("runs").join(batch_id).join(name)
    }
}

impl Drop for Sidecar {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM);
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Whether a process exists and has not ended (zombies have ended).
pub fn is_running(pid: u64) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let state = stat.rfind(')').and_then(|end| stat[end + 1..].split_whitespace().next().map(str::to_owned));
    !matches!(state.as_deref(), Some("Z") | Some("X") | None)
}

pub async fn wait_until_gone(pid: u64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while is_running(pid) {
        assert!(Instant::now() < deadline, "process {pid} is still running");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
