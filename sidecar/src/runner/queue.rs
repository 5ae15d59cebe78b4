//! The run queue: batches take a place in line when they are created (or restarted) and run in that
//! order, at most `capacity` at a time. A batch that leaves the line early (refused, cancelled)
//! gives up its place without holding up the others.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;

#[derive(Debug)]
pub struct RunQueue {
    state: Mutex<State>,
    changed: Notify,
}

#[derive(Debug)]
struct State {
    waiting: VecDeque<String>,
    running: usize,
    capacity: usize,
}

impl RunQueue {
    pub fn new(capacity: usize) -> Arc<Self> {
        let state = State { waiting: VecDeque::new(), running: 0, capacity: capacity.max(1) };
        Arc::new(RunQueue { state: Mutex::new(state), changed: Notify::new() })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Every change under this lock is a single step, so a panic cannot leave it half-done.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes the last place in line.
    pub fn join(self: &Arc<Self>, batch_id: &str) -> Place {
        self.state().waiting.push_back(batch_id.to_owned());
        Place { queue: Arc::clone(self), batch_id: batch_id.to_owned() }
    }
}

/// A place in line; dropping it leaves the line.
#[derive(Debug)]
pub struct Place {
    queue: Arc<RunQueue>,
    batch_id: String,
}

impl Place {
    /// Waits until this batch is first in line and a run slot is free.
    pub async fn turn(&self) -> Slot {
        loop {
            let notified = self.queue.changed.notified();
            tokio::pin!(notified);
            // Registered before the check, so a change between the check and the wait is not missed.
            notified.as_mut().enable();
            {
                let mut state = self.queue.state();
                if state.running < state.capacity && state.waiting.front() == Some(&self.batch_id) {
                    state.waiting.pop_front();
                    state.running += 1;
                    return Slot { queue: Arc::clone(&self.queue) };
                }
            }
            notified.await;
        }
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        self.queue.state().waiting.retain(|waiting| *waiting != self.batch_id);
        self.queue.changed.notify_waiters();
    }
}

/// A run slot (one vLLM process); dropping it lets the next batch run.
#[derive(Debug)]
pub struct Slot {
    queue: Arc<RunQueue>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.queue.state().running -= 1;
        self.queue.changed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    async fn admitted(place: &Place) -> Option<Slot> {
        tokio::time::timeout(Duration::from_millis(50), place.turn()).await.ok()
    }

    #[tokio::test]
    async fn batches_run_in_the_order_they_joined() {
        let queue = RunQueue::new(1);
        let first = queue.join("a");
        let second = queue.join("b");
        assert!(admitted(&second).await.is_none(), "b waits for a, which is ahead");
        let slot = admitted(&first).await.unwrap();
        assert!(admitted(&second).await.is_none(), "b waits for a's slot");
        drop(slot);
        assert!(admitted(&second).await.is_some());
    }

    #[tokio::test]
    async fn leaving_the_line_lets_the_next_batch_through() {
        let queue = RunQueue::new(1);
        let first = queue.join("a");
        let second = queue.join("b");
        let waiter = tokio::spawn(async move { second.turn().await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(first);
        let slot = tokio::time::timeout(Duration::from_secs(1), waiter).await.unwrap().unwrap();
        drop(slot);
    }

    #[tokio::test]
    async fn capacity_allows_several_runs() {
        let queue = RunQueue::new(2);
        let places: Vec<Place> = ["a", "b", "c"].iter().map(|id| queue.join(id)).collect();
        let first = admitted(&places[0]).await.unwrap();
        let _second = admitted(&places[1]).await.unwrap();
        assert!(admitted(&places[2]).await.is_none());
        drop(first);
        assert!(admitted(&places[2]).await.is_some());
    }
}
