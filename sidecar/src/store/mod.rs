//! The state directory: everything the sidecar knows lives here, so a restarted sidecar knows
//! every file and batch. Records are JSON files written atomically (temporary file, then rename).
//!
//! ```text
//! STATE/files/<file-id>.json      File object        STATE/files/<file-id>.content  its bytes
//! STATE/batches/<batch-id>.json   Batch object and run record (child pid, …)
//! STATE/runs/<batch-id>/          input.jsonl (lines sent to vLLM), rejected.jsonl, output.jsonl
//!                                 (vLLM's), vllm.stdout.log, vllm.stderr.log
//! STATE/tmp/                      uploads and records being written; emptied at start
//! ```

mod batches;
mod files;

pub use batches::{BatchStore, RunRecord, StoredBatch};
pub use files::FileStore;

use std::io;
use std::path::{Path, PathBuf};

use tokio::io::AsyncWriteExt;

use crate::ids;

#[derive(Debug, Clone)]
pub struct StateDirectory {
    root: PathBuf,
}

impl StateDirectory {
    /// Creates the layout and clears what an interrupted write left in `tmp/`.
    pub async fn open(root: &Path) -> io::Result<Self> {
        tokio::fs::create_dir_all(root).await?;
        // vLLM runs in the batch's run directory and gets paths from here: they must be absolute.
        let root = tokio::fs::canonicalize(root).await?;
        for sub in ["files", "batches", "runs"] {
            tokio::fs::create_dir_all(root.join(sub)).await?;
        }
        let directory = StateDirectory { root };
        match tokio::fs::remove_dir_all(directory.tmp_dir()).await {
            Ok(()) => {}
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) => return Err(error),
        }
        tokio::fs::create_dir_all(directory.tmp_dir()).await?;
        Ok(directory)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn files_dir(&self) -> PathBuf {
        self.root.join("files")
    }

    pub fn batches_dir(&self) -> PathBuf {
        self.root.join("batches")
    }

    /// The working directory of one batch's run. The id was checked by the caller's store.
    pub fn run_dir(&self, batch_id: &str) -> PathBuf {
        self.root.join("runs").join(batch_id)
    }

    fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// A fresh path in `tmp/`, on the same file system as the records, so a rename is atomic.
    pub fn temp_path(&self) -> PathBuf {
        self.tmp_dir().join(format!("tmp-{}", ids::new_request_id()))
    }

    /// Writes `bytes` to `path` so that a reader sees the old content or the new, never a part.
    pub async fn write_atomically(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        let temporary = self.temp_path();
        let result = async {
            let mut file = tokio::fs::File::create(&temporary).await?;
            file.write_all(bytes).await?;
            file.sync_all().await?;
            drop(file);
            tokio::fs::rename(&temporary, path).await
        }
        .await;
        if result.is_err() {
            let _ = tokio::fs::remove_file(&temporary).await;
        }
        result
    }
}

/// Removes a file when dropped unless [`TempFile::keep`] was called: an upload that fails or whose
/// client goes away leaves nothing behind.
#[derive(Debug)]
pub struct TempFile {
    path: Option<PathBuf>,
}

impl TempFile {
    pub fn new(path: PathBuf) -> Self {
        TempFile { path: Some(path) }
    }

    pub fn path(&self) -> &Path {
        self.path.as_deref().unwrap_or(Path::new(""))
    }

    /// The caller now owns the file (it was renamed into place).
    pub fn keep(mut self) -> PathBuf {
        self.path.take().unwrap_or_default()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn atomic_writes_replace_content_and_leave_no_temporary_files() {
        let root = tempfile::tempdir().unwrap();
        let state = StateDirectory::open(root.path()).await.unwrap();
        let target = state.batches_dir().join("record.json");
        state.write_atomically(&target, b"first").await.unwrap();
        state.write_atomically(&target, b"second").await.unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"second");
        assert_eq!(std::fs::read_dir(root.path().join("tmp")).unwrap().count(), 0);
    }

    #[tokio::test]
    async fn the_root_is_made_absolute() {
        let root = tempfile::tempdir().unwrap();
        let state = StateDirectory::open(&root.path().join("a").join("..").join("state")).await.unwrap();
        assert!(state.root().is_absolute());
        assert_eq!(state.root(), root.path().canonicalize().unwrap().join("state"));
        assert!(state.run_dir("batch_1").is_absolute());
    }

    #[tokio::test]
    async fn opening_clears_leftover_temporary_files() {
        let root = tempfile::tempdir().unwrap();
        let state = StateDirectory::open(root.path()).await.unwrap();
        std::fs::write(state.temp_path(), b"half an upload").unwrap();
        StateDirectory::open(root.path()).await.unwrap();
        assert_eq!(std::fs::read_dir(root.path().join("tmp")).unwrap().count(), 0);
    }

    #[test]
    fn a_temp_file_is_removed_unless_kept() {
        let root = tempfile::tempdir().unwrap();
        let dropped = root.path().join("dropped");
        std::fs::write(&dropped, b"x").unwrap();
        drop(TempFile::new(dropped.clone()));
        assert!(!dropped.exists());
        let kept = root.path().join("kept");
        std::fs::write(&kept, b"x").unwrap();
        assert_eq!(TempFile::new(kept.clone()).keep(), kept);
        assert!(kept.exists());
    }
}
