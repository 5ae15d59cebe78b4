//! A small client of Ray's Jobs REST API, on the Ray dashboard (Ray 2.60,
//! `ray/dashboard/modules/job/job_head.py`; docs.ray.io "Ray Jobs REST API"):
//!
//! * `POST /api/jobs/` `{entrypoint, submission_id, runtime_env, metadata}` → `{job_id, submission_id}`;
//!   a submission id that already exists is refused (an error status naming it).
//! * `GET /api/jobs/{submission_id}` → job details with `status` (PENDING, RUNNING, STOPPED,
//!   SUCCEEDED, FAILED) and `message`; 404 for an unknown id.
//! * `POST /api/jobs/{submission_id}/stop` → `{stopped}`; `GET /api/jobs/{submission_id}/logs` → `{logs}`.
//!
//! The dashboard refuses POSTs that carry browser `Sec-Fetch-*` headers; reqwest sends none.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Map, Value};

/// A Ray job's state (`ray.job_submission.JobStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobStatus {
    Pending,
    Running,
    Stopped,
    Succeeded,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct JobInfo {
    pub status: JobStatus,
    #[serde(default)]
    pub message: Option<String>,
}

/// What went wrong talking to Ray: no answer, or an answer that is an error.
#[derive(Debug, thiserror::Error)]
pub enum RayError {
    /// The URL is left out: it is the operator's and may be long; the address is in the config.
    #[error("cannot reach the Ray dashboard: {0}")]
    Connection(String),
    #[error("the Ray dashboard answered {status}: {body}")]
    Status { status: u16, body: String },
    #[error("the Ray dashboard sent an unreadable answer: {0}")]
    Unreadable(String),
}

#[derive(Debug, Clone)]
pub struct RayJobsClient {
    base: String,
    http: reqwest::Client,
}

const ERROR_BODY_CHARS: usize = 2000;

impl RayJobsClient {
    /// `address` is the dashboard's `http://HOST:PORT`, checked by the options.
    pub fn new(address: &str) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap_or_default();
        RayJobsClient { base: address.trim_end_matches('/').to_owned(), http }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Option<String>, RayError> {
        let response = request.send().await.map_err(connection)?;
        let status = response.status().as_u16();
        let body = response.text().await.map_err(connection)?;
        match status {
            200..=299 => Ok(Some(body)),
            404 => Ok(None),
            _ => Err(RayError::Status { status, body: body.chars().take(ERROR_BODY_CHARS).collect() }),
        }
    }

    /// Submits a job; the caller asks for its status when this fails (it may exist already).
    pub async fn submit(
        &self,
        submission_id: &str,
        entrypoint: &str,
        runtime_env: &Map<String, Value>,
        metadata: &Map<String, Value>,
    ) -> Result<(), RayError> {
        let body = json!({
            "entrypoint": entrypoint,
            "submission_id": submission_id,
            "runtime_env": runtime_env,
            "metadata": metadata,
        });
        match self.send(self.http.post(self.url("/api/jobs/")).json(&body)).await? {
            Some(_) => Ok(()),
            None => Err(RayError::Status { status: 404, body: "the Jobs API was not found".into() }),
        }
    }

    /// The job's state, `None` when Ray does not know the id.
    pub async fn status(&self, submission_id: &str) -> Result<Option<JobInfo>, RayError> {
        let Some(body) = self.send(self.http.get(self.url(&format!("/api/jobs/{submission_id}")))).await? else {
            return Ok(None);
        };
        serde_json::from_str(&body).map(Some).map_err(|error| RayError::Unreadable(error.to_string()))
    }

    /// Asks Ray to stop the job (SIGTERM to its driver, then SIGKILL); `false` when it had ended.
    pub async fn stop(&self, submission_id: &str) -> Result<bool, RayError> {
        #[derive(Deserialize)]
        struct Stopped {
            stopped: bool,
        }
        let request = self.http.post(self.url(&format!("/api/jobs/{submission_id}/stop")));
        let Some(body) = self.send(request).await? else {
            return Ok(false);
        };
        let stopped: Stopped = serde_json::from_str(&body).map_err(|error| RayError::Unreadable(error.to_string()))?;
        Ok(stopped.stopped)
    }

    /// The job driver's whole log.
    pub async fn logs(&self, submission_id: &str) -> Result<String, RayError> {
        #[derive(Deserialize)]
        struct Logs {
            logs: String,
        }
        let request = self.http.get(self.url(&format!("/api/jobs/{submission_id}/logs")));
        let Some(body) = self.send(request).await? else {
            return Ok(String::new());
        };
        let logs: Logs = serde_json::from_str(&body).map_err(|error| RayError::Unreadable(error.to_string()))?;
        Ok(logs.logs)
    }
}

fn connection(error: reqwest::Error) -> RayError {
    RayError::Connection(error.without_url().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_details_as_ray_sends_them_are_read() {
        // An answer of a Ray 2.60 head (GET /api/jobs/ID), shortened.
        let body = r#"{"type": "SUBMISSION", "job_id": "02000000", "submission_id": "try-1",
            "status": "SUCCEEDED", "message": "Job finished successfully.", "error_type": null,
            "start_time": 1795995290932, "end_time": 1795995299437, "metadata": null, "driver_exit_code": 0}"#;
        let info: JobInfo = serde_json::from_str(body).unwrap();
        assert_eq!(info.status, JobStatus::Succeeded);
        assert_eq!(info.message.as_deref(), Some("Job finished successfully."));
        for (text, status) in [
            ("PENDING", JobStatus::Pending),
            ("RUNNING", JobStatus::Running),
            ("STOPPED", JobStatus::Stopped),
            ("FAILED", JobStatus::Failed),
        ] {
            let info: JobInfo = serde_json::from_value(json!({"status": text})).unwrap();
            assert_eq!(info.status, status);
        }
        assert!(serde_json::from_value::<JobInfo>(json!({"status": "UNKNOWN"})).is_err());
    }

    #[tokio::test]
    async fn an_unreachable_dashboard_is_a_connection_error_without_the_url() {
        // Port 9 on loopback: nothing listens there in the test environment.
        let client = RayJobsClient::new("http://127.0.0.1:9");
        let error = client.status("batch-router-x").await.unwrap_err();
        assert!(matches!(error, RayError::Connection(_)), "{error}");
        assert!(!error.to_string().contains("127.0.0.1:9/api"), "{error}");
    }
}
