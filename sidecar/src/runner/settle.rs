//! Ending a batch: vLLM's single result file is split into OpenAI's output file (2xx, no error) and
//! error file (everything else), refused input lines are added to the error file, and every sent
//! request without a result gets an error line saying why (cancelled, failed, missing). Each file is
//! registered with `purpose: batch_output` and the batch takes its final status.

use std::collections::HashSet;
use std::io;
use std::path::Path;

use tokio::io::{AsyncWriteExt, BufReader, BufWriter};

use super::lines::{is_blank, LineKind, LineReader};
use super::prepare::{INPUT, REJECTED};
use super::process::OUTPUT;
use super::result_lines::{read_output_line, sent_custom_id, unfinished_line};
use crate::ids;
use crate::objects::{BatchErrorData, BatchErrors, BatchStatus, RequestCounts, PURPOSE_BATCH_OUTPUT};
use crate::store::{BatchStore, FileStore, TempFile};

/// How the run ended, as far as the runner knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// vLLM exited successfully.
    Finished,
    /// The run failed; requests without a result are reported as failed.
    Failed(BatchErrorData),
    Cancelled,
    /// The sidecar stopped while vLLM was running: the batch is complete if every request has a
    /// result, and failed with this error otherwise.
    Interrupted(BatchErrorData),
}

/// Files a batch's results and gives the batch its final status.
pub async fn settle(
    files: &FileStore,
    batches: &BatchStore,
    batch_id: &str,
    run_dir: &Path,
    ending: Ending,
) -> io::Result<()> {
    let state = files.state();
    let output_temp = TempFile::new(state.temp_path());
    let errors_temp = TempFile::new(state.temp_path());
    let mut output = BufWriter::new(tokio::fs::File::create(output_temp.path()).await?);
    let mut errors = BufWriter::new(tokio::fs::File::create(errors_temp.path()).await?);
    let mut counts = RequestCounts::default();

    let answered = split_vllm_output(&run_dir.join(OUTPUT), &mut output, &mut errors, &mut counts).await?;
    let missing = count_unanswered(&run_dir.join(INPUT), &answered).await?;
    let (status, batch_error, code, message) = decide(ending, answered.len(), missing, batch_id);
    counts.failed += copy_lines(&run_dir.join(REJECTED), &mut errors).await?;
    let unanswered = write_unanswered(&run_dir.join(INPUT), &answered, &mut errors, code, message).await?;
    // A cancelled batch's requests that never ran are in the error file (`batch_cancelled`) but in
    // no count: OpenAI's counts have no `cancelled`, and its readers (batch-router's among them)
    // take total − completed − failed of a cancelled batch as the cancelled requests. Counted as
    // failed, they read as errored in the status while the results said cancelled (a new-user trial).
    let error_lines = counts.failed + unanswered;
    if status != BatchStatus::Cancelled {
        counts.failed += unanswered;
    }
    output.flush().await?;
    errors.flush().await?;
    drop((output, errors));

    let filename = |kind: &str| format!("{batch_id}_{kind}.jsonl");
    let output_file_id = match counts.completed {
        0 => None,
        _ => Some(files.register(&output_temp.keep(), filename("output"), PURPOSE_BATCH_OUTPUT).await?.id),
    };
    let error_file_id = match error_lines {
        0 => None,
        _ => Some(files.register(&errors_temp.keep(), filename("error"), PURPOSE_BATCH_OUTPUT).await?.id),
    };
    let now = ids::now();
    batches
        .update(batch_id, |record| {
            let batch = &mut record.batch;
            batch.status = status;
            batch.output_file_id = output_file_id;
            batch.error_file_id = error_file_id;
            counts.total = batch.request_counts.total.max(counts.completed + error_lines);
            batch.request_counts = counts;
            match status {
                BatchStatus::Completed => batch.completed_at = Some(now),
                BatchStatus::Cancelled => batch.cancelled_at = Some(now),
                _ => batch.failed_at = Some(now),
            }
            if let Some(error) = batch_error {
                batch.errors = Some(BatchErrors::one(error));
            }
            record.run.pid = None;
            record.run.process_start = None;
        })
        .await?;
    remove_intermediate_files(run_dir).await;
    Ok(())
}

/// The final status, the batch error (if it failed) and how requests without a result are reported.
fn decide(
    ending: Ending,
    answered: usize,
    missing: u64,
    batch_id: &str,
) -> (BatchStatus, Option<BatchErrorData>, &'static str, &'static str) {
    const FAILED: (&str, &str) = ("batch_failed", "The batch failed before this request finished.");
    match ending {
        Ending::Finished if answered == 0 && missing > 0 => {
            let error = BatchErrorData::new(
                "vllm_no_output",
                format!(
                    "vllm run-batch exited successfully but wrote no results (its log: runs/{batch_id}/ \
                     in the sidecar's state directory)."
                ),
            );
            (BatchStatus::Failed, Some(error), FAILED.0, FAILED.1)
        }
        Ending::Finished => {
            (BatchStatus::Completed, None, "missing_result", "vllm run-batch wrote no result for this request.")
        }
        Ending::Interrupted(_) if missing == 0 => (BatchStatus::Completed, None, FAILED.0, FAILED.1),
        Ending::Failed(error) | Ending::Interrupted(error) => (BatchStatus::Failed, Some(error), FAILED.0, FAILED.1),
        Ending::Cancelled => {
            (BatchStatus::Cancelled, None, "batch_cancelled", "The batch was cancelled before this request finished.")
        }
    }
}

async fn open_lines(path: &Path) -> io::Result<Option<LineReader<BufReader<tokio::fs::File>>>> {
    match tokio::fs::File::open(path).await {
        Ok(file) => Ok(Some(LineReader::new(BufReader::with_capacity(256 * 1024, file)))),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

/// Copies vLLM's lines into the output or error file; returns the ids that got a result.
async fn split_vllm_output(
    path: &Path,
    output: &mut BufWriter<tokio::fs::File>,
    errors: &mut BufWriter<tokio::fs::File>,
    counts: &mut RequestCounts,
) -> io::Result<HashSet<String>> {
    let mut answered = HashSet::new();
    let Some(mut lines) = open_lines(path).await? else {
        return Ok(answered);
    };
    let mut buffer = Vec::new();
    while let Some(kind) = lines.next_line(&mut buffer).await? {
        if kind == LineKind::Complete && is_blank(&buffer) {
            continue;
        }
        let read = match kind {
            LineKind::Complete => read_output_line(&buffer),
            LineKind::TooLong => None,
        };
        let Some(line) = read else {
            // A line cut off by a crash or kill; its request is reported as unanswered instead.
            tracing::warn!(line = lines.line_number(), "skipping an unreadable line of vLLM's output");
            continue;
        };
        if !answered.insert(line.custom_id) {
            tracing::warn!(line = lines.line_number(), "skipping a second vLLM result for the same custom_id");
            continue;
        }
        let (target, count) = match line.succeeded {
            true => (&mut *output, &mut counts.completed),
            false => (&mut *errors, &mut counts.failed),
        };
        target.write_all(&buffer).await?;
        target.write_all(b"\n").await?;
        *count += 1;
    }
    Ok(answered)
}

async fn count_unanswered(input: &Path, answered: &HashSet<String>) -> io::Result<u64> {
    let mut missing = 0;
    for_each_sent_id(input, |custom_id| missing += u64::from(!answered.contains(custom_id))).await?;
    Ok(missing)
}

async fn write_unanswered(
    input: &Path,
    answered: &HashSet<String>,
    errors: &mut BufWriter<tokio::fs::File>,
    code: &str,
    message: &str,
) -> io::Result<u64> {
    let Some(mut lines) = open_lines(input).await? else {
        return Ok(0);
    };
    let mut buffer = Vec::new();
    let mut written = 0;
    while let Some(kind) = lines.next_line(&mut buffer).await? {
        if let (LineKind::Complete, Some(custom_id)) = (kind, sent_custom_id(&buffer)) {
            if !answered.contains(&custom_id) {
                errors.write_all(&unfinished_line(&custom_id, code, message)).await?;
                written += 1;
            }
        }
    }
    Ok(written)
}

/// Calls `visit` with the custom_id of every line sent to vLLM.
async fn for_each_sent_id(input: &Path, mut visit: impl FnMut(&str)) -> io::Result<()> {
    let Some(mut lines) = open_lines(input).await? else {
        return Ok(());
    };
    let mut buffer = Vec::new();
    while let Some(kind) = lines.next_line(&mut buffer).await? {
        if let (LineKind::Complete, Some(custom_id)) = (kind, sent_custom_id(&buffer)) {
            visit(&custom_id);
        }
    }
    Ok(())
}

async fn copy_lines(path: &Path, target: &mut BufWriter<tokio::fs::File>) -> io::Result<u64> {
    let Some(mut lines) = open_lines(path).await? else {
        return Ok(0);
    };
    let mut buffer = Vec::new();
    let mut copied = 0;
    while let Some(kind) = lines.next_line(&mut buffer).await? {
        if kind == LineKind::Complete && !is_blank(&buffer) {
            target.write_all(&buffer).await?;
            target.write_all(b"\n").await?;
            copied += 1;
        }
    }
    Ok(copied)
}

/// The run's copies of the requests and results are in the registered files now; the logs stay.
pub async fn remove_intermediate_files(run_dir: &Path) {
    for name in [INPUT, REJECTED, OUTPUT] {
        match tokio::fs::remove_file(run_dir.join(name)).await {
            Ok(()) => {}
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) => tracing::warn!(file = name, %error, "could not remove a finished run's file"),
        }
    }
}
