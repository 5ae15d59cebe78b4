//! A million-vector embeddings result file is decoded in bounded memory: the file (about 40 MB of
//! JSONL, generated chunk by chunk and never held whole) goes through the same `ResultDecoder` the
//! wasm `ResultStream` uses, in 64 KiB chunks, each chunk's results consumed and dropped as a
//! caller of `getResults` does. A counting allocator records the most bytes ever allocated at
//! once; it must stay far below the file's size. (Its own test binary, so the allocator counts
//! nothing else.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use batch_router_core::providers::openai::OpenAiLineDecoder;
use batch_router_core::results::ResultDecoder;
use batch_router_core::{Endpoint, ResultStatus};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(pointer, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const LINES: usize = 1_000;
const VECTORS_PER_LINE: usize = 1_000;
const CHUNK: usize = 64 * 1024;

/// One output line of `VECTORS_PER_LINE` two-number vectors, listed in reverse index order.
fn line(number: usize) -> Vec<u8> {
    let mut text = format!(
        r#"{{"id":"batch_req_{number}","custom_id":"r{number}","response":{{"status_code":200,"request_id":"q","body":{{"object":"list","model":"text-embedding-3-small","data":["#
    );
    for index in (0..VECTORS_PER_LINE).rev() {
        let separator = if index + 1 == VECTORS_PER_LINE { "" } else { "," };
        text.push_str(&format!(r#"{separator}{{"index":{index},"embedding":[{index}.5,-0.25]}}"#));
    }
    text.push_str(r#"],"usage":{"prompt_tokens":1000,"total_tokens":1000}}},"error":null}"#);
    text.push('\n');
    text.into_bytes()
}

#[test]
fn a_million_vectors_decode_in_bounded_memory() {
    let decoder = OpenAiLineDecoder::new("openai").for_endpoint(Some(Endpoint::Embeddings));
    let mut results = ResultDecoder::new(Box::new(decoder), None);
    let mut out = Vec::new();
    let (mut file_bytes, mut vectors, mut pending) = (0usize, 0usize, Vec::new());
    let mut consume = |out: &mut Vec<batch_router_core::UnifiedResult>| {
        for result in out.drain(..) {
            assert_eq!(result.status, ResultStatus::Succeeded, "{:?}", result.error);
            let embeddings = result.response.and_then(|response| response.embeddings).unwrap();
            assert_eq!(embeddings.len(), VECTORS_PER_LINE);
            assert_eq!(embeddings[7], vec![7.5, -0.25], "vectors are in index order");
            vectors += embeddings.len();
        }
    };
    PEAK.store(CURRENT.load(Ordering::Relaxed), Ordering::Relaxed);
    let baseline = CURRENT.load(Ordering::Relaxed);
    for number in 0..LINES {
        pending.extend_from_slice(&line(number));
        while pending.len() >= CHUNK {
            let rest = pending.split_off(CHUNK);
            results.push(&pending, &mut out);
            file_bytes += pending.len();
            pending = rest;
            consume(&mut out);
        }
    }
    results.push(&pending, &mut out);
    file_bytes += pending.len();
    results.finish(&mut out);
    consume(&mut out);
    assert_eq!(vectors, LINES * VECTORS_PER_LINE);
    let peak = PEAK.load(Ordering::Relaxed) - baseline;
    // One line (about 40 KB of text, its parsed vectors and its raw copy) plus a chunk at a time.
    assert!(file_bytes > 35_000_000, "the file is {file_bytes} bytes");
    assert!(peak < 2_000_000, "peak {peak} bytes for a {file_bytes}-byte file");
    println!("decoded {vectors} vectors from {file_bytes} bytes; peak allocation {peak} bytes");
}
