//! WebAssembly bindings of `batch-router-core`: thin, synchronous glue that parses input, exposes
//! the core's preparation, hands out the core's HTTP steps as plain objects and reads their answers
//! (the TypeScript runs fetch). Bulk data (requests, results) crosses as JSON text or bytes; small
//! values as typed objects generated with tsify.

mod client;
mod cost;
mod error;
mod exchange;
mod jobs;
mod prepared;
mod result_stream;
mod result_tape;
mod submission_run;

/// The module's allocator: talc (a well-kept allocator crate for WebAssembly) instead of the
/// standard library's dlmalloc. Decoding allocates a handful of small blocks per result and frees
/// them all when its piece has crossed to JavaScript, piece after piece; dlmalloc's bins, splits
/// and merges for those were about 5 % of a Gemini decode's profile. talc takes 3.2 % fewer
/// instructions per 8 MB of Gemini decode (issue 18, measured 2026-12-01; README, decode) and a
/// smaller module. A size-class free list of our own in front of dlmalloc took 7 % fewer, but an
/// allocator is not what this project exists for: the kept library wins.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

pub use client::{BatchClient, ResultsOpening};
pub use prepared::PreparedBatch;
pub use result_stream::ResultStream;
pub use submission_run::{BatchFinder, SubmissionRun};

use wasm_bindgen::prelude::*;

/// The version of the core this module was built from.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Every provider the package speaks to: names, aliases, environment variables and batch-id shapes.
#[wasm_bindgen(js_name = providerRegistry, unchecked_return_type = "ProviderEntry[]")]
pub fn provider_registry() -> Result<JsValue, JsValue> {
    error::to_js(&batch_router_core::registry::entries())
}

/// The provider a batch id belongs to, from its documented shape; `undefined` when it cannot be told.
#[wasm_bindgen(js_name = providerOfBatchId, unchecked_return_type = "Provider | undefined")]
pub fn provider_of_batch_id(batch_id: &str) -> JsValue {
    match batch_router_core::registry::provider_of_batch_id(batch_id) {
        Some(provider) => JsValue::from_str(provider.name()),
        None => JsValue::UNDEFINED,
    }
}
