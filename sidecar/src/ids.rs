//! Object ids and the clock. Ids are checked strictly before they name anything on disk: a prefix
//! and ASCII letters and digits only, so no id can reach outside the state directory.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub const FILE_PREFIX: &str = "file-";
pub const BATCH_PREFIX: &str = "batch_";
const MAX_SUFFIX: usize = 64;

/// The last timestamp used in a batch id, so ids made in the same microsecond still increase.
static LAST_BATCH_MICROS: AtomicU64 = AtomicU64::new(0);
/// Mixed into ids if the system's random source ever fails.
static FALLBACK_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Seconds since the Unix epoch, as OpenAI's objects count time.
pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|elapsed| elapsed.as_secs() as i64).unwrap_or(0)
}

fn now_micros() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|elapsed| elapsed.as_micros() as u64).unwrap_or(0)
}

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    if getrandom::fill(&mut buffer).is_err() {
        // Ids only need to be unique, not secret: time, process and a counter make them so.
        let seed = now_micros() ^ u64::from(std::process::id()).rotate_left(32);
        let counter = FALLBACK_COUNTER.fetch_add(1, Ordering::Relaxed);
        for (index, byte) in buffer.iter_mut().enumerate() {
            *byte = (seed.wrapping_mul(0x9e37_79b9_7f4a_7c15).wrapping_add(counter) >> ((index % 8) * 8)) as u8;
        }
    }
    buffer.iter().map(|byte| format!("{byte:02x}")).collect()
}

pub fn new_file_id() -> String {
    format!("{FILE_PREFIX}{}", random_hex(12))
}

/// Batch ids sort by creation time (16 hex digits of microseconds, then randomness), which gives
/// the list its newest-first order and makes `after` cursors stable.
pub fn new_batch_id() -> String {
    let mut micros = 0;
    // The closure always returns Some, so the update always succeeds; `micros` is what it stored.
    let _ = LAST_BATCH_MICROS.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |last| {
        micros = now_micros().max(last + 1);
        Some(micros)
    });
    format!("{BATCH_PREFIX}{micros:016x}{}", random_hex(4))
}

/// The `id` of one line of an output or error file.
pub fn new_line_id() -> String {
    format!("batch_req_{}", random_hex(12))
}

pub fn new_request_id() -> String {
    format!("req_{}", random_hex(12))
}

pub fn is_file_id(id: &str) -> bool {
    has_safe_suffix(id, FILE_PREFIX)
}

pub fn is_batch_id(id: &str) -> bool {
    has_safe_suffix(id, BATCH_PREFIX)
}

fn has_safe_suffix(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix).is_some_and(|suffix| {
        !suffix.is_empty() && suffix.len() <= MAX_SUFFIX && suffix.bytes().all(|byte| byte.is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_pass_their_own_checks() {
        assert!(is_file_id(&new_file_id()));
        assert!(is_batch_id(&new_batch_id()));
        assert_ne!(new_file_id(), new_file_id());
    }

    #[test]
    fn ids_that_could_name_other_paths_are_refused() {
        for id in ["file-", "file-../x", "file-a/b", "file-a.json", "file-%2e", "file-a\0", "batch_x", "/etc/passwd"] {
            assert!(!is_file_id(id), "{id:?}");
        }
        assert!(!is_file_id(&format!("file-{}", "a".repeat(65))));
        for id in ["batch_", "batch_..", "batch_a b", "file-abc"] {
            assert!(!is_batch_id(id), "{id:?}");
        }
    }

    #[test]
    fn batch_ids_increase_with_creation() {
        let ids: Vec<String> = (0..200).map(|_| new_batch_id()).collect();
        for pair in ids.windows(2) {
            assert!(pair[0][..22] < pair[1][..22], "{} then {}", pair[0], pair[1]);
        }
    }
}
