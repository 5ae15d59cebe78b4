//! Batch records: the public Batch object plus what the runner must remember across a restart (the
//! vLLM process). All records are kept in memory, ordered by id (ids sort by creation time), and
//! each change is written to disk before it becomes visible.

use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use super::StateDirectory;
use crate::ids;
use crate::objects::BatchObject;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredBatch {
    pub batch: BatchObject,
    #[serde(default)]
    pub run: RunRecord,
}

/// The vLLM process (or Ray job) of a running batch, for a restarted sidecar to settle.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Process id of `vllm run-batch`, which leads its own process group.
    pub pid: Option<u32>,
    /// The process's start time in clock ticks since boot (Linux), so a restarted sidecar never
    /// kills an unrelated process that reused the pid.
    pub process_start: Option<u64>,
    /// Lines sent to vLLM and lines refused before it.
    pub sent: u64,
    pub rejected: u64,
    /// The Ray job's submission id (`--backend ray`), recorded before it is submitted, so a
    /// restarted sidecar follows the job instead of submitting it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ray_job: Option<String>,
}

#[derive(Debug)]
pub struct BatchStore {
    state: StateDirectory,
    batches: Mutex<BTreeMap<String, StoredBatch>>,
}

impl BatchStore {
    /// Reads every record. A record that cannot be read is logged and left on disk untouched.
    pub async fn load(state: StateDirectory) -> io::Result<Self> {
        let mut batches = BTreeMap::new();
        let mut entries = tokio::fs::read_dir(state.batches_dir()).await?;
        while let Some(entry) = entries.next_entry().await? {
            let name = entry.file_name();
            let Some(id) = name.to_str().and_then(|name| name.strip_suffix(".json")) else {
                continue;
            };
            if !ids::is_batch_id(id) {
                continue;
            }
            let bytes = tokio::fs::read(entry.path()).await?;
            match serde_json::from_slice::<StoredBatch>(&bytes) {
                Ok(record) if record.batch.id == id => {
                    batches.insert(id.to_owned(), record);
                }
                Ok(_) => tracing::error!(batch_id = id, "skipping a batch record whose id does not match its name"),
                Err(error) => tracing::error!(batch_id = id, %error, "skipping an unreadable batch record"),
            }
        }
        Ok(BatchStore { state, batches: Mutex::new(batches) })
    }

    fn record_path(&self, id: &str) -> PathBuf {
        self.state.batches_dir().join(format!("{id}.json"))
    }

    async fn persist(&self, record: &StoredBatch) -> io::Result<()> {
        let bytes = serde_json::to_vec_pretty(record).map_err(io::Error::other)?;
        self.state.write_atomically(&self.record_path(&record.batch.id), &bytes).await
    }

    pub async fn insert(&self, record: StoredBatch) -> io::Result<()> {
        let mut batches = self.batches.lock().await;
        self.persist(&record).await?;
        batches.insert(record.batch.id.clone(), record);
        Ok(())
    }

    pub async fn get(&self, id: &str) -> Option<StoredBatch> {
        self.batches.lock().await.get(id).cloned()
    }

    /// Every record, oldest first.
    pub async fn all(&self) -> Vec<StoredBatch> {
        self.batches.lock().await.values().cloned().collect()
    }

    /// Changes one record and saves it; the change is kept only if it was saved. `None` when the
    /// batch is unknown. The closure sees the newest record, so checks inside it are race-free.
    pub async fn update<R>(
        &self,
        id: &str,
        change: impl FnOnce(&mut StoredBatch) -> R,
    ) -> io::Result<Option<(StoredBatch, R)>> {
        let mut batches = self.batches.lock().await;
        let Some(current) = batches.get(id) else {
            return Ok(None);
        };
        let mut record = current.clone();
        let answer = change(&mut record);
        if &record != current {
            self.persist(&record).await?;
            batches.insert(id.to_owned(), record.clone());
        }
        Ok(Some((record, answer)))
    }

    /// One page, newest first: up to `limit` batches created before `after` (all when `None`),
    /// and whether older ones remain.
    pub async fn page(&self, after: Option<&str>, limit: usize) -> (Vec<BatchObject>, bool) {
        let batches = self.batches.lock().await;
        let mut older = batches.iter().rev().filter(|(id, _)| after.is_none_or(|after| id.as_str() < after));
        let page: Vec<BatchObject> = older.by_ref().take(limit).map(|(_, record)| record.batch.clone()).collect();
        let has_more = older.next().is_some();
        (page, has_more)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str) -> StoredBatch {
        StoredBatch { batch: BatchObject::new(id.into(), "file-1".into(), None, 1), run: RunRecord::default() }
    }

    #[tokio::test]
    async fn records_survive_a_reload_and_pages_run_newest_first() {
        let root = tempfile::tempdir().unwrap();
        let state = StateDirectory::open(root.path()).await.unwrap();
        let store = BatchStore::load(state.clone()).await.unwrap();
        let ids: Vec<String> = (0..5).map(|_| ids::new_batch_id()).collect();
        for id in &ids {
            store.insert(record(id)).await.unwrap();
        }
        store.update(&ids[0], |record| record.run.pid = Some(42)).await.unwrap();

        let reloaded = BatchStore::load(state).await.unwrap();
        assert_eq!(reloaded.get(&ids[0]).await.unwrap().run.pid, Some(42));
        let (first, more) = reloaded.page(None, 2).await;
        assert_eq!(first.iter().map(|batch| &batch.id).collect::<Vec<_>>(), vec![&ids[4], &ids[3]]);
        assert!(more);
        let (rest, more) = reloaded.page(Some(&ids[3]), 10).await;
        assert_eq!(rest.iter().map(|batch| &batch.id).collect::<Vec<_>>(), vec![&ids[2], &ids[1], &ids[0]]);
        assert!(!more);
    }

    #[tokio::test]
    async fn unreadable_records_are_skipped() {
        let root = tempfile::tempdir().unwrap();
        let state = StateDirectory::open(root.path()).await.unwrap();
        std::fs::write(state.batches_dir().join("batch_abc.json"), b"{broken").unwrap();
        let store = BatchStore::load(state).await.unwrap();
        assert!(store.all().await.is_empty());
    }
}
