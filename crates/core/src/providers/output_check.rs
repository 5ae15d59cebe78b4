//! A finished batch whose status counts answers must give some when read (field case 14 (b)): a
//! read of its output that finds no result at all is [`CoreError::OutputMissing`], never an empty
//! batch. The output may not be written yet (the status ran ahead of it) or may be lost; either
//! way the caller is told, and nothing of an earlier read is replaced (the TypeScript keeps a
//! read's files only once it completes).
//!
//! Only "none at all" is checked. A read that finds fewer results than the counts is not an error:
//! counts and lines do not match one to one everywhere (Gemini counts each line of a request sent
//! as several, OpenAI counts its `batch_expired` lines as failed), and every request without a line
//! is already answered for: a job makes it `missing_result` and sends it again, and an expired or
//! cancelled batch's `getResults` gives it a result saying so.

use crate::model::{BatchStatus, BatchStatusResponse, RequestCounts};
use crate::CoreError;

/// What a finished batch's status promises its output holds (see the module documentation).
#[derive(Debug, Clone, PartialEq)]
pub struct OutputCheck {
    provider: &'static str,
    batch_id: String,
    status: BatchStatus,
    counts: RequestCounts,
}

impl OutputCheck {
    /// The check of a read of a finished batch's results; `None` when its status promises none.
    /// Not inlined: every provider's `output_check` calls it.
    #[inline(never)]
    pub fn of(provider: &'static str, status: &BatchStatusResponse) -> Option<OutputCheck> {
        promises_output(status.status, &status.request_counts).then(|| OutputCheck {
            provider,
            batch_id: status.batch_id.clone(),
            status: status.status,
            counts: status.request_counts,
        })
    }

    /// After the read's last source: `results` results were read in all.
    #[inline(never)]
    pub fn after_read(&self, results: u64) -> Result<(), CoreError> {
        if results > 0 {
            return Ok(());
        }
        let RequestCounts { total, succeeded, errored, .. } = self.counts;
        let message = format!(
            "is {} with {succeeded} succeeded and {errored} errored of {total} requests, but its output holds \
             no result (not written yet, or lost); read the results again later",
            self.status.as_str()
        );
        Err(CoreError::output_missing(self.provider, &self.batch_id, &message))
    }
}

/// Whether a batch of this status and these counts has results to read: a completed batch one for
/// each request it counts, any other finished batch one for each request answered.
pub fn promises_output(status: BatchStatus, counts: &RequestCounts) -> bool {
    let answered = counts.succeeded + counts.errored;
    match status {
        BatchStatus::Completed => answered + counts.total > 0,
        BatchStatus::Failed | BatchStatus::Cancelled | BatchStatus::Expired => answered > 0,
        BatchStatus::Validating | BatchStatus::InProgress => false,
    }
}

/// The status of a batch whose results are files, once its status object is read: a finished
/// status that promises results while the batch names no result file yet is still `in_progress`
/// (field case 14: OpenAI's `completed` means "results ready"; the status can run ahead of the
/// files), the provider's status kept as `rawStatus`. A failed batch keeps its status: nothing
/// says it writes files.
#[inline(never)]
pub fn until_files_named(status: BatchStatus, counts: &RequestCounts, names_a_file: bool) -> BatchStatus {
    if status != BatchStatus::Failed && !names_a_file && promises_output(status, counts) {
        BatchStatus::InProgress
    } else {
        status
    }
}

/// Whether `object` has any of `fields` as a non-empty string or a non-empty list (a result file
/// named, results listed).
#[inline(never)]
pub fn names_any(object: &serde_json::Value, fields: &[&str]) -> bool {
    fields.iter().any(|name| match object.get(name) {
        Some(serde_json::Value::String(text)) => !text.is_empty(),
        Some(serde_json::Value::Array(list)) => !list.is_empty(),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    fn status(status: BatchStatus, total: u64, succeeded: u64, errored: u64) -> BatchStatusResponse {
        BatchStatusResponse {
            batch_id: "batch_1".into(),
            provider: "openai".into(),
            status,
            raw_status: status.as_str().into(),
            request_counts: RequestCounts { total, succeeded, errored, ..Default::default() },
            created_at: None,
            completed_at: None,
            expires_at: None,
            model: None,
            errors: Vec::new(),
            metadata: None,
            raw: Value::Null,
        }
    }

    #[test]
    fn a_read_without_any_result_of_a_batch_that_counts_answers_is_an_error_naming_batch_and_counts() {
        let check = OutputCheck::of("openai", &status(BatchStatus::Completed, 2, 2, 0)).expect("answers promised");
        let error = check.after_read(0).unwrap_err();
        assert!(
            matches!(&error, CoreError::InvalidResponse { output_missing: true, provider, .. } if provider == "openai")
        );
        assert_eq!(
            error.to_string(),
            "unexpected response from openai: batch batch_1 is completed with 2 succeeded and 0 errored of 2 requests, \
             but its output holds no result (not written yet, or lost); read the results again later"
        );
        // One result is enough: fewer than the counts is not this error (see the module documentation).
        assert_eq!(check.after_read(1), Ok(()));
    }

    #[test]
    fn which_statuses_promise_answers() {
        // A completed batch promises a result for each request it counts, even when the counts of
        // its outcomes are left out (Gemini's proto-JSON omits zeros).
        assert!(OutputCheck::of("google", &status(BatchStatus::Completed, 2, 0, 0)).is_some());
        assert!(OutputCheck::of("mistral", &status(BatchStatus::Completed, 0, 0, 1)).is_some());
        // Nothing counted (Together reports no counts): nothing to check.
        assert!(OutputCheck::of("together", &status(BatchStatus::Completed, 0, 0, 0)).is_none());
        // An ended-early or failed batch promises only what was answered.
        assert!(OutputCheck::of("openai", &status(BatchStatus::Expired, 5, 0, 0)).is_none());
        assert!(OutputCheck::of("openai", &status(BatchStatus::Expired, 5, 1, 0)).is_some());
        assert!(OutputCheck::of("anthropic", &status(BatchStatus::Cancelled, 5, 0, 2)).is_some());
        assert!(OutputCheck::of("mistral", &status(BatchStatus::Failed, 5, 0, 0)).is_none());
        // A running batch is not read.
        assert!(OutputCheck::of("openai", &status(BatchStatus::InProgress, 5, 5, 0)).is_none());
        assert!(OutputCheck::of("openai", &status(BatchStatus::Validating, 5, 0, 0)).is_none());
    }

    #[test]
    fn a_finished_status_that_promises_results_waits_for_its_files() {
        let counts = |total, succeeded, errored| RequestCounts { total, succeeded, errored, ..Default::default() };
        let waiting = [
            (BatchStatus::Completed, counts(2, 2, 0)),
            (BatchStatus::Completed, counts(2, 0, 0)),
            (BatchStatus::Expired, counts(3, 1, 0)),
            (BatchStatus::Cancelled, counts(3, 0, 1)),
        ];
        for (status, counts) in waiting {
            assert_eq!(until_files_named(status, &counts, false), BatchStatus::InProgress, "{status:?} {counts:?}");
            assert_eq!(until_files_named(status, &counts, true), status, "{status:?} {counts:?}");
        }
        let ended = [
            (BatchStatus::Completed, counts(0, 0, 0)),
            (BatchStatus::Expired, counts(3, 0, 0)),
            (BatchStatus::Cancelled, counts(3, 0, 0)),
            (BatchStatus::Failed, counts(3, 2, 1)),
        ];
        for (status, counts) in ended {
            assert_eq!(until_files_named(status, &counts, false), status, "{status:?} {counts:?}");
        }
        assert_eq!(until_files_named(BatchStatus::InProgress, &counts(2, 2, 0), false), BatchStatus::InProgress);
    }
}
