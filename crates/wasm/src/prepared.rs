//! Validation and conversion, exposed to JS: unified requests in, the provider's JSONL out.

use batch_router_core::parse::{parse_request_array, parse_request_lines};
use batch_router_core::providers::{prepare, BatchSummary, PrepareOptions};
use batch_router_core::Provider;
use tsify::Ts;
use wasm_bindgen::prelude::*;

use crate::error::{to_js, to_js_error};

/// A validated, converted batch. The JSONL stays in wasm memory until it is submitted.
#[wasm_bindgen]
pub struct PreparedBatch {
    pub(crate) jsonl: Vec<u8>,
    pub(crate) summary: BatchSummary,
}

#[wasm_bindgen]
impl PreparedBatch {
    #[wasm_bindgen(getter, unchecked_return_type = "BatchSummary")]
    pub fn summary(&self) -> Result<JsValue, JsValue> {
        to_js(&self.summary)
    }

    /// The provider JSONL as text (for the transparency files), decoded straight from wasm memory.
    #[wasm_bindgen(js_name = providerJsonl, unchecked_return_type = "string")]
    pub fn provider_jsonl(&self) -> JsValue {
        // serde_json only writes UTF-8, so the lossy path never replaces anything.
        match std::str::from_utf8(&self.jsonl) {
            Ok(text) => JsValue::from_str(text),
            Err(_) => JsValue::from_str(&String::from_utf8_lossy(&self.jsonl)),
        }
    }
}

fn provider_of(name: &str) -> Result<Provider, JsValue> {
    Provider::from_name(name).map_err(to_js_error)
}

/// Validates and converts a JSON array of unified requests (as text) for `provider`.
#[wasm_bindgen(js_name = prepareBatch)]
pub fn prepare_batch(
    provider: &str,
    requests_json: &str,
    options: Ts<PrepareOptions>,
) -> Result<PreparedBatch, JsValue> {
    let provider = provider_of(provider)?;
    let options = options.to_rust().map_err(|error| JsValue::from(js_sys::Error::new(&error.to_string())))?;
    let requests = parse_request_array(requests_json).map_err(to_js_error)?;
    let prepared = prepare(provider, &requests, &options).map_err(to_js_error)?;
    Ok(PreparedBatch { jsonl: prepared.jsonl, summary: prepared.summary })
}

/// Validates and converts unified JSONL text (one request per line) for `provider`.
#[wasm_bindgen(js_name = prepareJsonl)]
pub fn prepare_jsonl(
    provider: &str,
    unified_jsonl: &str,
    options: Ts<PrepareOptions>,
) -> Result<PreparedBatch, JsValue> {
    let provider = provider_of(provider)?;
    let options = options.to_rust().map_err(|error| JsValue::from(js_sys::Error::new(&error.to_string())))?;
    let requests = parse_request_lines(unified_jsonl).map_err(to_js_error)?;
    let prepared = prepare(provider, &requests, &options).map_err(to_js_error)?;
    Ok(PreparedBatch { jsonl: prepared.jsonl, summary: prepared.summary })
}
