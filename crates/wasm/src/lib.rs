//! WebAssembly bindings of `batch-router-core`: thin glue that parses input, exposes the core's
//! preparation, and executes the core's HTTP steps with `fetch` (the global one, or one the caller
//! injects). Bulk data (requests, results) crosses as JSON text or bytes; small values as typed
//! objects generated with tsify.

mod abortable;
mod client;
mod cost;
mod error;
mod fetch;
mod jobs;
mod prepared;
mod result_stream;
mod result_tape;
#[cfg(target_arch = "wasm32")]
mod small_blocks;
mod submission_run;

/// Small blocks come from free lists (`small_blocks.rs`).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: small_blocks::SmallBlocks = small_blocks::SmallBlocks::new();

pub use client::BatchClient;
pub use prepared::PreparedBatch;
pub use result_stream::ResultStream;
pub use submission_run::SubmissionRun;

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
