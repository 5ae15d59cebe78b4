//! How a chunk of decoded results crosses to JavaScript without its provider bodies being parsed
//! twice. Each result's `raw` (the provider's body, or an error's line) is taken out and sent as
//! UTF-8 bytes, all of a chunk's in one buffer with their byte lengths; the result itself is
//! written with `raw` as the placeholder `0`, all of a chunk's in one JSON array, which JavaScript
//! parses in one `JSON.parse`
//! and then gives each `raw` a getter that decodes and parses its bytes only when it is read
//! (`npm/src/lazy-raw.ts`): a body nobody reads is neither decoded nor parsed.
//!
//! A response's `text` is most often its text parts joined; such a `text` crosses as `""`, flagged,
//! and JavaScript joins it again, so the answer is neither written nor parsed twice.

use batch_router_core::model::{OutputPart, UnifiedResult};
use serde_json::value::RawValue;

/// The length given for a result that has no `raw` in that place.
pub const NO_RAW: u32 = u32::MAX;

/// A chunk of results as they cross the boundary.
pub struct Handover {
    /// A JSON array of the results, each `raw` written as `0`.
    pub results: String,
    /// The `raw` texts as UTF-8, one after the other, in the order of `raw_lengths`.
    pub raws: Vec<u8>,
    /// Two per result: the byte length of `response.raw`, then of `error.raw` ([`NO_RAW`] when
    /// absent).
    pub raw_lengths: Vec<u32>,
    /// One per result: 1 when its `response.text` crossed as `""` and is its text parts joined.
    pub text_from_content: Vec<u8>,
}

/// Splits `results` into the results without their bodies and the bodies as text.
pub fn hand_over(results: &mut [UnifiedResult]) -> Handover {
    let placeholder = || RawValue::from_string("0".to_owned()).expect("0 is a JSON value");
    let mut handover = Handover {
        results: String::new(),
        raws: Vec::with_capacity(results.len() * 512),
        raw_lengths: Vec::with_capacity(results.len() * 2),
        text_from_content: Vec::with_capacity(results.len()),
    };
    let mut text = Vec::with_capacity(results.len() * 256);
    text.push(b'[');
    for (index, result) in results.iter_mut().enumerate() {
        let response_raw = result.response.as_mut().map(|response| std::mem::replace(&mut response.raw, placeholder()));
        let error_raw =
            result.error.as_mut().and_then(|error| error.raw.as_mut().map(|raw| std::mem::replace(raw, placeholder())));
        for raw in [&response_raw, &error_raw] {
            handover.raw_lengths.push(match raw {
                Some(raw) => {
                    handover.raws.extend_from_slice(raw.get().as_bytes());
                    u32::try_from(raw.get().len()).unwrap_or(NO_RAW - 1)
                }
                None => NO_RAW,
            });
        }
        let joined_text = result
            .response
            .as_mut()
            .filter(|response| !response.text.is_empty() && is_joined_text(&response.text, &response.content))
            .map(|response| std::mem::take(&mut response.text));
        handover.text_from_content.push(u8::from(joined_text.is_some()));
        if index > 0 {
            text.push(b',');
        }
        // Serializing our own types cannot fail: every map has string keys.
        let _ = serde_json::to_writer(&mut text, result);
        // Put the bodies back, so the caller's results are unchanged.
        if let (Some(response), Some(raw)) = (result.response.as_mut(), response_raw) {
            response.raw = raw;
        }
        if let (Some(response), Some(text)) = (result.response.as_mut(), joined_text) {
            response.text = text;
        }
        if let (Some(error), Some(raw)) = (result.error.as_mut(), error_raw) {
            error.raw = Some(raw);
        }
    }
    text.push(b']');
    // serde_json writes valid UTF-8.
    handover.results = String::from_utf8(text).unwrap_or_default();
    handover
}

/// Whether `text` is the texts of `content`'s text parts joined, as JavaScript joins them again.
fn is_joined_text(text: &str, content: &[OutputPart]) -> bool {
    let mut rest = text;
    for part in content {
        if let OutputPart::Text { text: part } = part {
            match rest.strip_prefix(part.as_str()) {
                Some(after) => rest = after,
                None => return false,
            }
        }
    }
    rest.is_empty()
}
