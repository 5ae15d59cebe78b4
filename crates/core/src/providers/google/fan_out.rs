//! Gemini embeds one text per request (`EmbedContentRequest` has one `content`,
//! endpoints-and-push.md §1.2 [GM-SPEC], §1.6 "fan-out"). A unified embeddings request with N > 1
//! texts is therefore sent as N lines keyed `{customId}#{i}/{N}` (i from 0), and the N answers are
//! merged back into one unified result under the request's own id:
//! - all N succeeded: `response.embeddings` holds the N vectors in input order (by `i`, never by
//!   arrival), usage summed where any part reports it (Gemini reports none);
//! - any part failed, answered twice, or never came back: the request is one failed result whose
//!   error names the inputs concerned, and no vector is handed out, so a retry sends it whole.
//!
//! Keys of that form are reserved on Gemini (validation refuses such custom ids), so a merged
//! answer can only belong to the request it names. Answers are merged as soon as a request's last
//! part arrives: Gemini writes results in request order, so only a few requests are held at a time.

use std::collections::HashMap;
use std::rc::Rc;

use serde_json::value::RawValue;

use crate::model::{ResultError, ResultStatus, UnifiedResponse, UnifiedResult, Usage};
use crate::results::EmbeddingInputs;
use crate::sort_by_text::sort_by_text;

/// The key of input `index` of `count` of the request `custom_id`.
pub fn derived_key(custom_id: &str, index: usize, count: usize) -> String {
    format!("{custom_id}#{index}/{count}")
}

/// `(custom id, index, count)` of a derived key: `count` ≥ 2 and `index` < `count`, both plain
/// decimal numbers without leading zeros (so one request has exactly one spelling of each key).
pub fn parse_derived_key(key: &str) -> Option<(&str, usize, usize)> {
    // Every common line's key is checked: the bytes are searched from the end one at a time
    // (`rsplit_once` with a `char` goes through the standard library's `memrchr`, a few hundred
    // instructions on a short key in wasm32). Both are ASCII, so the splits are character boundaries.
    fn split(text: &str, at: u8) -> Option<(&str, &str)> {
        let place = text.bytes().rposition(|byte| byte == at)?;
        Some((&text[..place], &text[place + 1..]))
    }
    let (head, count) = split(key, b'/')?;
    let (custom_id, index) = split(head, b'#')?;
    let number = |text: &str| -> Option<usize> {
        let canonical = !text.is_empty()
            && text.bytes().all(|byte| byte.is_ascii_digit())
            && (text == "0" || !text.starts_with('0'));
        canonical.then(|| text.parse().ok()).flatten()
    };
    let (index, count) = (number(index)?, number(count)?);
    (count >= 2 && index < count).then_some((custom_id, index, count))
}

/// The answers of fanned-out requests, held until each request is complete.
#[derive(Default)]
pub struct FanIn {
    pending: HashMap<String, Group>,
    /// The batch's requests and their text counts, when known: a key is merged only when it
    /// names one of them, with its count, exactly.
    inputs: Option<Rc<EmbeddingInputs>>,
}

struct Group {
    parts: Vec<Option<UnifiedResult>>,
    received: usize,
    /// Inputs answered more than once: which answer is right cannot be known.
    repeated: Vec<usize>,
}

impl FanIn {
    /// Merges only the keys of these requests (the batch summary's `embeddingInputs`).
    pub fn expect_inputs(&mut self, inputs: Rc<EmbeddingInputs>) {
        self.inputs = Some(inputs);
    }

    /// Passes a result on, or holds it when it is one part of a fanned-out request (then the
    /// merged result is passed on once the last part is in).
    pub fn accept(&mut self, result: UnifiedResult, out: &mut Vec<UnifiedResult>) {
        let Some((custom_id, index, count)) = parse_derived_key(&result.custom_id) else {
            out.push(result);
            return;
        };
        // A key that names no request sent (another case, another count) comes through as the
        // provider labelled it, as any unknown key does, never as a part of a request made up.
        let sent = |inputs: &EmbeddingInputs| inputs.get(custom_id).and_then(|count| count.as_u64());
        if self.inputs.as_deref().is_some_and(|inputs| sent(inputs) != Some(count as u64)) {
            out.push(result);
            return;
        }
        let custom_id = custom_id.to_owned();
        let group = self.pending.entry(custom_id.clone()).or_insert_with(|| Group {
            parts: (0..count).map(|_| None).collect(),
            received: 0,
            repeated: Vec::new(),
        });
        if group.parts.len() != count {
            // Keys of one request always carry the same count; another count is not ours to merge.
            out.push(result);
            return;
        }
        match &mut group.parts[index] {
            Some(_) => group.repeated.push(index),
            slot @ None => {
                *slot = Some(result);
                group.received += 1;
            }
        }
        if group.received == count {
            if let Some(group) = self.pending.remove(&custom_id) {
                out.push(merge(custom_id, group));
            }
        }
    }

    /// Passes on the requests some of whose answers never came, as failed results.
    pub fn finish(&mut self, out: &mut Vec<UnifiedResult>) {
        let mut left: Vec<(String, Group)> = self.pending.drain().collect();
        sort_by_text(&mut left, |(custom_id, _)| custom_id.as_str());
        for (custom_id, group) in left {
            out.push(merge(custom_id, group));
        }
    }
}

fn list(indexes: &[usize]) -> String {
    indexes.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")
}

fn merge(custom_id: String, group: Group) -> UnifiedResult {
    // Parts matched by position (keyless inline answers) make the whole result so matched.
    let attribution = group.parts.iter().flatten().find_map(|part| part.attribution);
    let mut result = merge_parts(custom_id, group);
    result.attribution = attribution;
    result
}

fn merge_parts(custom_id: String, group: Group) -> UnifiedResult {
    let count = group.parts.len();
    let missing: Vec<usize> = (0..count).filter(|index| group.parts[*index].is_none()).collect();
    let failed: Vec<usize> = (0..count)
        .filter(|index| {
            group.parts[*index].as_ref().is_some_and(|part| {
                part.status != ResultStatus::Succeeded
                    || part.response.as_ref().and_then(|response| response.embeddings.as_ref()).map(Vec::len) != Some(1)
            })
        })
        .collect();
    if missing.is_empty() && failed.is_empty() && group.repeated.is_empty() {
        return succeeded(custom_id, group.parts.into_iter().flatten().collect());
    }
    let first_failure = failed.first().and_then(|index| group.parts[*index].as_ref());
    let mut problems = Vec::new();
    if !failed.is_empty() {
        let detail = first_failure
            .and_then(|part| part.error.as_ref())
            .map(|error| format!(" (input {}: {}: {})", failed[0], error.code, error.message))
            .unwrap_or_default();
        let detail = if detail.is_empty() && first_failure.is_some_and(|part| part.error.is_none()) {
            format!(" (input {}: the answer does not hold exactly one vector)", failed[0])
        } else {
            detail
        };
        problems.push(format!("input(s) {} failed{detail}", list(&failed)));
    }
    if !missing.is_empty() {
        problems.push(format!("input(s) {} have no answer in the results", list(&missing)));
    }
    if !group.repeated.is_empty() {
        problems.push(format!("input(s) {} were answered more than once", list(&group.repeated)));
    }
    let failures: Vec<&UnifiedResult> = failed.iter().filter_map(|index| group.parts[*index].as_ref()).collect();
    // One status for the whole request: the parts' own when they all agree and nothing else went
    // wrong (e.g. a cancelled batch), else errored.
    let status = match failures.first() {
        Some(first)
            if missing.is_empty()
                && group.repeated.is_empty()
                && failures
                    .iter()
                    .all(|part| part.status == first.status && part.status != ResultStatus::Succeeded) =>
        {
            first.status
        }
        _ => ResultStatus::Errored,
    };
    let retryable = group.repeated.is_empty()
        && failures.iter().all(|part| part.error.as_ref().is_none_or(|error| error.retryable));
    let code = match first_failure {
        Some(part) => {
            part.error.as_ref().map_or_else(|| "invalid_embeddings_body".to_owned(), |error| error.code.clone())
        }
        None if !missing.is_empty() => "missing_results".to_owned(),
        None => "duplicate_results".to_owned(),
    };
    let mut result = UnifiedResult::errored(
        custom_id,
        ResultError {
            code,
            message: format!(
                "this request's {count} texts were sent as {count} Gemini requests; {}",
                problems.join("; ")
            ),
            http_status: first_failure.and_then(|part| part.error.as_ref()).and_then(|error| error.http_status),
            request_id: None,
            retryable,
            raw: None,
        },
    );
    result.status = status;
    result
}

fn succeeded(custom_id: String, parts: Vec<UnifiedResult>) -> UnifiedResult {
    let mut embeddings = Vec::with_capacity(parts.len());
    let mut usage: Option<Usage> = None;
    let mut raws = Vec::with_capacity(parts.len());
    for part in parts {
        // `merge` checked that every part succeeded with exactly one vector.
        let Some(response) = part.response else { continue };
        if let Some(part_usage) = response.usage {
            let total = usage.get_or_insert_with(|| Usage::from_totals(0, 0));
            *total = Usage::from_totals(total.input_tokens + part_usage.input_tokens, 0);
        }
        embeddings.extend(response.embeddings.into_iter().flatten());
        raws.push(response.raw.get().to_owned());
    }
    // The parts' bodies, in input order, as one JSON array.
    let raw = RawValue::from_string(format!("[{}]", raws.join(",")))
        .unwrap_or_else(|_| RawValue::from_string("null".to_owned()).expect("`null` is JSON"));
    UnifiedResult::succeeded(custom_id, UnifiedResponse::embeddings_answer(embeddings, usage, None, None, raw))
}

#[cfg(test)]
mod tests;
