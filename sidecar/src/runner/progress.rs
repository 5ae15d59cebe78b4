//! Progress of a running batch, read from vLLM's output file as it grows. vLLM versions that write
//! each result as it finishes show steady progress; the newest `run-batch` writes all results at the
//! end, so its counts jump from zero to the total.

use std::io;
use std::path::Path;

use batch_router_core::jsonl::LineSplitter;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::result_lines::read_output_line;

/// At most this much of the file is read per poll, so a poll stays short.
const MAX_BYTES_PER_POLL: u64 = 16 * 1024 * 1024;

#[derive(Debug, Default)]
pub struct Progress {
    offset: u64,
    splitter: LineSplitter,
    pub succeeded: u64,
    pub failed: u64,
}

impl Progress {
    /// Reads what was appended since the last poll; `true` when the counts changed.
    pub async fn poll(&mut self, output: &Path) -> io::Result<bool> {
        let mut file = match tokio::fs::File::open(output).await {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(error) => return Err(error),
        };
        let before = (self.succeeded, self.failed);
        let length = file.metadata().await?.len();
        if length < self.offset {
            // The file was written anew (opened with truncation): count from the start.
            *self = Progress::default();
        }
        file.seek(io::SeekFrom::Start(self.offset)).await?;
        let mut chunk = Vec::new();
        file.take(MAX_BYTES_PER_POLL).read_to_end(&mut chunk).await?;
        self.offset += chunk.len() as u64;
        let (succeeded, failed) = (&mut self.succeeded, &mut self.failed);
        self.splitter.push(&chunk, |line, _| match read_output_line(line) {
            Some(line) if line.succeeded => *succeeded += 1,
            Some(_) => *failed += 1,
            None => {}
        });
        Ok(before != (self.succeeded, self.failed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const SUCCESS: &str =
        r#"{"id":"v","custom_id":"a","response":{"status_code":200,"request_id":"r","body":{}},"error":null}"#;
    const FAILURE: &str =
        r#"{"id":"v","custom_id":"b","response":{"status_code":400,"request_id":"r","body":null},"error":"no"}"#;

    #[tokio::test]
    async fn counts_complete_lines_as_the_file_grows() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("output.jsonl");
        let mut progress = Progress::default();
        assert!(!progress.poll(&path).await.unwrap());

        let mut file = std::fs::File::create(&path).unwrap();
        write!(file, "{SUCCESS}\n{}", &FAILURE[..20]).unwrap();
        assert!(progress.poll(&path).await.unwrap());
        assert_eq!((progress.succeeded, progress.failed), (1, 0));

        writeln!(file, "{}", &FAILURE[20..]).unwrap();
        assert!(progress.poll(&path).await.unwrap());
        assert_eq!((progress.succeeded, progress.failed), (1, 1));
        assert!(!progress.poll(&path).await.unwrap());

        std::fs::write(&path, format!("{SUCCESS}\n")).unwrap();
        progress.poll(&path).await.unwrap();
        assert_eq!((progress.succeeded, progress.failed), (1, 0));
    }
}
