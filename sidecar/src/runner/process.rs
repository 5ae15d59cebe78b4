//! The `vllm run-batch` child process: started in its own process group (vLLM starts engine
//! processes of its own), its stdout and stderr written to log files in the run directory, and the
//! whole group killed on cancel, on shutdown, and by a restarted sidecar that finds it still running.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};

use nix::errno::Errno;
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use tokio::process::{Child, Command};

use crate::config::ENV_PREFIX;

pub const OUTPUT: &str = "output.jsonl";
pub const STDOUT_LOG: &str = "vllm.stdout.log";
pub const STDERR_LOG: &str = "vllm.stderr.log";

#[derive(Debug, Clone)]
pub struct VllmCommand {
    pub program: PathBuf,
    pub extra_args: Vec<String>,
}

/// Starts `<program> run-batch -i IN -o OUT --model M [extra args]` in a new process group.
pub fn spawn(command: &VllmCommand, run_dir: &Path, input: &Path, model: &str) -> io::Result<Child> {
    let stdout = std::fs::File::create(run_dir.join(STDOUT_LOG))?;
    let stderr = std::fs::File::create(run_dir.join(STDERR_LOG))?;
    let mut child = Command::new(&command.program);
    child
        .arg("run-batch")
        .arg("-i")
        .arg(input)
        .arg("-o")
        .arg(run_dir.join(OUTPUT))
        .arg("--model")
        .arg(model)
        .args(&command.extra_args)
        .current_dir(run_dir)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .process_group(0);
    // The sidecar's own settings (its token among them) are no business of vLLM's.
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(|name| name.starts_with(ENV_PREFIX)) {
            child.env_remove(name);
        }
    }
    child.spawn()
}

/// Sends `signal` to every process of the group led by `leader`. A group that is already gone is
/// not an error.
pub fn signal_group(leader: u32, signal: Signal) {
    let Ok(raw) = i32::try_from(leader) else {
        return;
    };
    match killpg(Pid::from_raw(raw), signal) {
        Ok(()) | Err(Errno::ESRCH) => {}
        Err(error) => tracing::warn!(pid = leader, %error, "could not signal the vLLM process group"),
    }
}

/// Stops a running child: SIGTERM to its group, SIGKILL after `grace`, then SIGKILL again for any
/// process of the group that outlived its leader.
pub async fn stop(child: &mut Child, grace: std::time::Duration) -> io::Result<ExitStatus> {
    let leader = child.id();
    if let Some(leader) = leader {
        signal_group(leader, Signal::SIGTERM);
    }
    let status = match tokio::time::timeout(grace, child.wait()).await {
        Ok(status) => status?,
        Err(_) => {
            if let Some(leader) = leader {
                signal_group(leader, Signal::SIGKILL);
            }
            child.wait().await?
        }
    };
    if let Some(leader) = leader {
        signal_group(leader, Signal::SIGKILL);
    }
    Ok(status)
}

/// The start time of a process in clock ticks since boot (field 22 of `/proc/PID/stat`), or `None`
/// where there is no such process or no `/proc`.
pub fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may itself contain spaces or parentheses.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(19)?.parse().ok()
}

/// Kills the process group a crashed sidecar left running, if its leader is still the process that
/// was started (same pid and start time), so a reused pid is never hit.
pub fn kill_leftover(pid: u32, started: Option<u64>) -> bool {
    match (started, process_start(pid)) {
        (Some(recorded), Some(current)) if recorded == current => {
            tracing::warn!(pid, "killing the vLLM process group left by an earlier sidecar");
            signal_group(pid, Signal::SIGKILL);
            true
        }
        _ => false,
    }
}

/// Whether a process exists and has not ended (a zombie has ended). Without `/proc`, `false`.
pub fn is_running(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let state = stat.rfind(')').and_then(|end| stat[end + 1..].split_whitespace().next());
    !matches!(state, Some("Z") | Some("X") | None)
}

/// Waits until a killed process has ended, at most `limit`, so its last writes are done before
/// its results are read.
pub async fn wait_until_gone(pid: u32, limit: std::time::Duration) {
    let deadline = tokio::time::Instant::now() + limit;
    while is_running(pid) && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Describes how the child ended, for the batch's error message.
pub fn describe_exit(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with code {code}"),
        (None, Some(signal)) => format!("was killed by signal {signal}"),
        (None, None) => "ended".into(),
    }
}

/// The last lines of a log file (at most `max_lines`, from its last 4 KiB).
pub async fn log_tail(path: &Path, max_lines: usize) -> String {
    const TAIL_BYTES: u64 = 4096;
    let Ok(bytes) = read_tail(path, TAIL_BYTES).await else {
        return String::new();
    };
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().filter(|line| !line.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(max_lines);
    lines[start..].join("\n")
}

async fn read_tail(path: &Path, max_bytes: u64) -> io::Result<Vec<u8>> {
    use tokio::io::{AsyncReadExt, AsyncSeekExt};
    let mut file = tokio::fs::File::open(path).await?;
    let length = file.metadata().await?.len();
    file.seek(io::SeekFrom::Start(length.saturating_sub(max_bytes))).await?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).await?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_start_time_of_this_process_is_readable() {
        if !Path::new("/proc/self/stat").exists() {
            return;
        }
        let start = process_start(std::process::id());
        assert!(start.is_some());
        assert_eq!(start, process_start(std::process::id()));
        assert_eq!(process_start(u32::MAX), None);
        assert!(is_running(std::process::id()));
        assert!(!is_running(u32::MAX));
    }

    #[test]
    fn a_recorded_start_time_that_differs_protects_the_process() {
        // This test process must never be signalled: its recorded start time is wrong.
        let pid = std::process::id();
        assert!(!kill_leftover(pid, process_start(pid).map(|start| start + 1)));
        assert!(!kill_leftover(pid, None));
    }

    #[tokio::test]
    async fn log_tails_keep_the_last_lines() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("log");
        std::fs::write(&path, "one\ntwo\n\nthree\nfour\n").unwrap();
        assert_eq!(log_tail(&path, 2).await, "three\nfour");
        assert_eq!(log_tail(&directory.path().join("missing"), 2).await, "");
    }
}
