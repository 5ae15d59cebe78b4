//! Files on disk: a JSON File object beside the file's bytes. A file exists exactly when its JSON
//! record does; the record is written after the bytes and removed before them.

use std::io;
use std::path::{Path, PathBuf};

use super::StateDirectory;
use crate::ids;
use crate::objects::FileObject;

#[derive(Debug, Clone)]
pub struct FileStore {
    state: StateDirectory,
}

impl FileStore {
    /// Opens the store and removes bytes whose record was never written (a crash mid-upload).
    pub async fn open(state: StateDirectory) -> io::Result<Self> {
        let store = FileStore { state };
        let mut entries = tokio::fs::read_dir(store.state.files_dir()).await?;
        while let Some(entry) = entries.next_entry().await? {
            let name = entry.file_name();
            let Some(id) = name.to_str().and_then(|name| name.strip_suffix(".content")) else {
                continue;
            };
            if ids::is_file_id(id) && !tokio::fs::try_exists(store.record_path(id)).await? {
                tracing::warn!(file_id = id, "removing the bytes of a file whose record was never written");
                tokio::fs::remove_file(entry.path()).await?;
            }
        }
        Ok(store)
    }

    pub fn state(&self) -> &StateDirectory {
        &self.state
    }

    fn record_path(&self, id: &str) -> PathBuf {
        self.state.files_dir().join(format!("{id}.json"))
    }

    fn content_path(&self, id: &str) -> PathBuf {
        self.state.files_dir().join(format!("{id}.content"))
    }

    /// The File object, or `None` for an unknown or malformed id.
    pub async fn get(&self, id: &str) -> io::Result<Option<FileObject>> {
        if !ids::is_file_id(id) {
            return Ok(None);
        }
        match tokio::fs::read(self.record_path(id)).await {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(io::Error::other),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// The File object and its opened bytes.
    pub async fn open_content(&self, id: &str) -> io::Result<Option<(FileObject, tokio::fs::File)>> {
        let Some(file) = self.get(id).await? else {
            return Ok(None);
        };
        match tokio::fs::File::open(self.content_path(id)).await {
            Ok(content) => Ok(Some((file, content))),
            // Deleted between the two reads.
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Moves finished bytes from `content` (a path in the state's `tmp/`) into the store.
    pub async fn register(&self, content: &Path, filename: String, purpose: &str) -> io::Result<FileObject> {
        let bytes = tokio::fs::metadata(content).await?.len();
        let id = ids::new_file_id();
        tokio::fs::rename(content, self.content_path(&id)).await?;
        let file = FileObject::new(id, bytes, ids::now(), filename, purpose);
        let record = serde_json::to_vec_pretty(&file).map_err(io::Error::other)?;
        if let Err(error) = self.state.write_atomically(&self.record_path(&file.id), &record).await {
            let _ = tokio::fs::remove_file(self.content_path(&file.id)).await;
            return Err(error);
        }
        Ok(file)
    }

    /// Deletes a file; `false` when there was none.
    pub async fn delete(&self, id: &str) -> io::Result<bool> {
        if !ids::is_file_id(id) {
            return Ok(false);
        }
        match tokio::fs::remove_file(self.record_path(id)).await {
            Ok(()) => {}
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(error) => return Err(error),
        }
        match tokio::fs::remove_file(self.content_path(id)).await {
            Ok(()) => Ok(true),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(true),
            Err(error) => Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::PURPOSE_BATCH;

    async fn store() -> (tempfile::TempDir, FileStore) {
        let root = tempfile::tempdir().unwrap();
        let state = StateDirectory::open(root.path()).await.unwrap();
        (root, FileStore::open(state).await.unwrap())
    }

    #[tokio::test]
    async fn registered_files_can_be_read_and_deleted() {
        let (_root, store) = store().await;
        let temporary = store.state().temp_path();
        std::fs::write(&temporary, b"{\"a\":1}\n").unwrap();
        let file = store.register(&temporary, "in.jsonl".into(), PURPOSE_BATCH).await.unwrap();
        assert_eq!(file.bytes, 8);
        assert_eq!(store.get(&file.id).await.unwrap(), Some(file.clone()));
        assert!(store.open_content(&file.id).await.unwrap().is_some());
        assert!(store.delete(&file.id).await.unwrap());
        assert!(!store.delete(&file.id).await.unwrap());
        assert_eq!(store.get(&file.id).await.unwrap(), None);
    }

    #[tokio::test]
    async fn malformed_ids_never_touch_the_disk() {
        let (root, store) = store().await;
        std::fs::write(root.path().join("secret.json"), b"{}").unwrap();
        for id in ["../secret", "file-../../secret", "file-x/../../secret"] {
            assert_eq!(store.get(id).await.unwrap(), None, "{id}");
            assert!(!store.delete(id).await.unwrap(), "{id}");
        }
        assert!(root.path().join("secret.json").exists());
    }

    #[tokio::test]
    async fn bytes_without_a_record_are_removed_at_open() {
        let (root, store) = store().await;
        let orphan = root.path().join("files").join("file-abc123.content");
        std::fs::write(&orphan, b"x").unwrap();
        FileStore::open(store.state().clone()).await.unwrap();
        assert!(!orphan.exists());
    }
}
