//! Validation and conversion, exposed to JS: unified requests in, the provider's JSONL out.

use batch_router_core::parse::{json_request_lines, parse_numbered_request_lines, parse_request_array};
use batch_router_core::providers::{prepare, BatchSummary, PrepareOptions};
use batch_router_core::Provider;
use tsify::Ts;
use wasm_bindgen::prelude::*;

use crate::error::{read_options, to_js, to_js_error};

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

    /// The provider JSONL as UTF-8 bytes (one copy out of wasm memory, no decoding): what a
    /// transparency file is written from.
    #[wasm_bindgen(js_name = providerJsonlBytes)]
    pub fn provider_jsonl_bytes(&self) -> js_sys::Uint8Array {
        js_sys::Uint8Array::from(self.jsonl.as_slice())
    }
}

fn provider_of(name: &str) -> Result<Provider, JsValue> {
    Provider::from_name(name).map_err(to_js_error)
}

/// The text of UTF-8 bytes handed over from JS. Request text crosses as bytes: the bindings' own
/// string copy walks a JS string one character at a time in JS (a fifth of a conversion's time),
/// while `TextEncoder.encode` and one copy into wasm memory are native. A JS string always
/// encodes to valid UTF-8, so the error is for bytes a caller made itself.
pub(crate) fn utf8_text<'a>(bytes: &'a [u8], field: &str) -> Result<&'a str, JsValue> {
    std::str::from_utf8(bytes).map_err(|error| {
        to_js_error(batch_router_core::CoreError::invalid_batch(field, format!("not UTF-8 text: {error}")))
    })
}

/// Validates and converts a JSON array of unified requests (UTF-8 bytes of its text) for `provider`.
#[wasm_bindgen(js_name = prepareBatch)]
pub fn prepare_batch(
    provider: &str,
    requests_json: &[u8],
    options: Ts<PrepareOptions>,
) -> Result<PreparedBatch, JsValue> {
    let provider = provider_of(provider)?;
    let options = read_options(options, "options").map_err(to_js_error)?;
    let requests = parse_request_array(utf8_text(requests_json, "requests")?).map_err(to_js_error)?;
    let prepared = prepare(provider, requests, &options).map_err(to_js_error)?;
    Ok(PreparedBatch { jsonl: prepared.jsonl, summary: prepared.summary })
}

/// Request text written straight into the module's memory by `TextEncoder.encodeInto`: the bytes
/// need no intermediate `Uint8Array` in JS and no second copy into the module.
#[wasm_bindgen]
pub struct RequestText {
    bytes: Vec<u8>,
}

#[wasm_bindgen]
impl RequestText {
    #[wasm_bindgen(constructor)]
    pub fn new(capacity: usize) -> RequestText {
        RequestText { bytes: Vec::with_capacity(capacity) }
    }

    /// Room for at least `additional` more bytes, as a view of the memory after the text so far. It
    /// is valid only until the next call into the module (which may move or grow that memory).
    pub fn spare(&mut self, additional: usize) -> js_sys::Uint8Array {
        self.bytes.reserve(additional);
        let spare = self.bytes.spare_capacity_mut();
        // SAFETY: the view covers the vector's unused capacity, which nothing else uses; JS writes
        // into it before calling in again, and `commit` counts only what was written.
        unsafe { js_sys::Uint8Array::view_mut_raw(spare.as_mut_ptr().cast::<u8>(), spare.len()) }
    }

    /// Takes `written` bytes that JS wrote into the last `spare` view as text.
    pub fn commit(&mut self, written: usize) {
        let length = self.bytes.len() + written.min(self.bytes.capacity() - self.bytes.len());
        // SAFETY: those bytes are within the capacity and were written through the `spare` view.
        unsafe { self.bytes.set_len(length) }
    }
}

/// Validates and converts unified JSONL (its UTF-8 bytes, written into the module by JS, one
/// request per line) for `provider`. Errors name the line of the text as well as the request.
#[wasm_bindgen(js_name = prepareJsonl)]
pub fn prepare_jsonl(
    provider: &str,
    unified_jsonl: &RequestText,
    options: Ts<PrepareOptions>,
) -> Result<PreparedBatch, JsValue> {
    let provider = provider_of(provider)?;
    let options = read_options(options, "options").map_err(to_js_error)?;
    let (requests, lines) =
        parse_numbered_request_lines(utf8_text(&unified_jsonl.bytes, "requests")?).map_err(to_js_error)?;
    let prepared = prepare(provider, requests, &options).map_err(|error| to_js_error(error.at_line(&lines)))?;
    Ok(PreparedBatch { jsonl: prepared.jsonl, summary: prepared.summary })
}

/// The request lines of unified JSONL text, each checked to be JSON: `{ line, text }` with the
/// line's number as editors count. A byte-order mark, CRLF and blank lines are handled as
/// `prepareJsonl` handles them; a line that is not JSON is a validation error naming it.
#[wasm_bindgen(js_name = unifiedRequestLines, unchecked_return_type = "{ line: number; text: string }[]")]
pub fn unified_request_lines(unified_jsonl: &str) -> Result<JsValue, JsValue> {
    let lines = json_request_lines(unified_jsonl).map_err(to_js_error)?;
    let array = js_sys::Array::new_with_length(lines.len() as u32);
    for (position, line) in lines.iter().enumerate() {
        let entry = js_sys::Object::new();
        // Setting properties on a fresh object cannot fail.
        let _ = js_sys::Reflect::set(&entry, &"line".into(), &JsValue::from(line.number as u32));
        let _ = js_sys::Reflect::set(&entry, &"text".into(), &JsValue::from_str(line.text));
        array.set(position as u32, entry.into());
    }
    Ok(array.into())
}

/// An OpenAI batch input file (Chat Completions lines) as unified JSONL, one request per line, in
/// the file's order. Errors name the request (its position among the non-blank lines, its custom id)
/// and the field of the line's body.
#[wasm_bindgen(js_name = importOpenAIJsonl)]
pub fn import_openai_jsonl(openai_jsonl: &str) -> Result<String, JsValue> {
    let requests = batch_router_core::import::unified_from_openai_jsonl(openai_jsonl).map_err(to_js_error)?;
    let mut out = String::new();
    for request in &requests {
        let line =
            serde_json::to_string(request).map_err(|error| JsValue::from(js_sys::Error::new(&error.to_string())))?;
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}
