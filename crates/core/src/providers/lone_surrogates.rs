//! Lone UTF-16 surrogate escapes in answers: an answer cut inside an emoji is written by
//! `JSON.stringify` and Python's `json.dumps` with half of its surrogate pair (`"Sure \ud83d"`).
//! `JSON.parse` reads it; serde_json refuses it in a string, and a Rust string cannot hold it. So a
//! line that did not read as a success and holds such an escape is read again with each lone
//! surrogate escape replaced by `\ufffd` (U+FFFD, the replacement character; the same six bytes, so
//! every position stays), and its `raw` is taken back from the original text, as `JSON.parse`
//! gives it. Only on that path: a line that reads as a success is never scanned.

use serde_json::value::RawValue;

use crate::model::{ResultStatus, UnifiedResult};

/// `decode(text)`, or, when that is not a success and `text` holds lone surrogate escapes, `decode`
/// of the text with each read as U+FFFD, its `raw` bodies taken back from `text`.
/// (`dyn`: one copy of this in the module for every decoder that calls it.)
pub(crate) fn decoded(text: &str, decode: &mut dyn FnMut(&str) -> UnifiedResult) -> UnifiedResult {
    let first = decode(text);
    if first.status == ResultStatus::Succeeded {
        return first;
    }
    let Some(replaced) = replaced(text) else { return first };
    let mut again = decode(&replaced);
    if let Some(response) = again.response.as_mut() {
        if let Some(raw) = original_span(&response.raw, text, &replaced) {
            response.raw = raw;
        }
    }
    if let Some(error) = again.error.as_mut() {
        match error.raw.as_ref().map(|raw| original_span(raw, text, &replaced)) {
            Some(Some(raw)) => error.raw = Some(raw),
            // Not a span of the line (a line that cannot be read keeps a preview of its text):
            // the first reading's, made from the original text.
            Some(None) => error.raw = first.error.and_then(|error| error.raw),
            None => {}
        }
    }
    again
}

/// [`crate::providers::exact_json::from_str`] of text from a provider (a body, an answer's JSON),
/// lone surrogate escapes read as U+FFFD when the text does not read otherwise.
pub(crate) fn value_of(text: &str) -> serde_json::Result<serde_json::Value> {
    super::exact_json::from_str(text).or_else(|error| match replaced(text) {
        Some(replaced) => super::exact_json::from_str(&replaced),
        None => Err(error),
    })
}

/// The text of `raw` as it stands in `original`: `raw` is a span of `replaced` (the same length).
fn original_span(raw: &RawValue, original: &str, replaced: &str) -> Option<Box<RawValue>> {
    let start = replaced.find(raw.get())?;
    let span = original.get(start..start + raw.get().len())?;
    RawValue::from_string(span.to_owned()).ok()
}

/// `text` with every lone surrogate escape (`\uD800`–`\uDFFF` not part of a high-low pair) written
/// `\ufffd`, or `None` when it has none. Escapes are read as JSON reads them (`\\` is one escape),
/// so `\\ud83d` (a backslash, then text) is left alone.
pub(crate) fn replaced(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let unit_at = |at: usize| -> Option<u32> {
        (bytes.get(at..at + 2)? == b"\\u").then_some(())?;
        u32::from_str_radix(text.get(at + 2..at + 6)?, 16).ok()
    };
    let mut lone = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] != b'\\' {
            at += 1;
            continue;
        }
        match unit_at(at) {
            Some(0xD800..=0xDBFF) if unit_at(at + 6).is_some_and(|low| (0xDC00..=0xDFFF).contains(&low)) => at += 12,
            Some(0xD800..=0xDFFF) => {
                lone.push(at);
                at += 6;
            }
            Some(_) => at += 6,
            None => at += 2,
        }
    }
    if lone.is_empty() {
        return None;
    }
    let mut out = text.as_bytes().to_vec();
    for at in lone {
        out[at + 2..at + 6].copy_from_slice(b"fffd");
    }
    // Only ASCII hex digits were replaced by ASCII.
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests;
