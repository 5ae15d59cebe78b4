//! A succeeded result read from a common line without being built: its strings are borrowed from
//! the line wherever they hold no escape, its `raw` is the line's own text, and its few parts sit
//! in place, so a reader that writes results straight out (the wasm module's result tape) skips
//! the result's heap blocks and their copies.
//!
//! A view serializes exactly as the [`UnifiedResult`] that [`ResultView::into_result`] builds from
//! it (same field names, order and skipped fields: the types below mirror `result.rs` for the
//! fields a common answer has; `parsed`, `parseError`, `candidates`, `embeddings`, `error` and
//! `attribution` are absent from both). A reader that has to change a result (restore an id, read
//! the answer as JSON, merge fanned-out parts) builds it with `into_result` first.

use std::borrow::Cow;

use serde::ser::SerializeSeq;
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use super::{FinishReason, OutputPart, ResultStatus, UnifiedResponse, UnifiedResult, Usage};

/// At most this many output parts are held in place; a line with more is read as a result.
pub const VIEW_PARTS: usize = 4;

/// A succeeded [`UnifiedResult`], borrowed from its line.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultView<'a> {
    pub custom_id: Cow<'a, str>,
    /// Always [`ResultStatus::Succeeded`] (see [`ResultView::succeeded`]).
    status: ResultStatus,
    pub response: ResponseView<'a>,
}

impl<'a> ResultView<'a> {
    pub fn succeeded(custom_id: Cow<'a, str>, response: ResponseView<'a>) -> Self {
        ResultView { custom_id, status: ResultStatus::Succeeded, response }
    }
}

/// A [`UnifiedResponse`] without candidates, embeddings or a JSON reading.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseView<'a> {
    pub text: Cow<'a, str>,
    pub content: PartsView<'a>,
    pub finish_reason: FinishReason,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_finish_reason: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Cow<'a, str>>,
    pub raw: &'a RawValue,
}

/// An [`OutputPart`] of text or reasoning.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PartView<'a> {
    Text {
        text: Cow<'a, str>,
    },
    Reasoning {
        text: Cow<'a, str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        signature: Option<Cow<'a, str>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        provider: Option<&'static str>,
    },
}

/// Up to [`VIEW_PARTS`] parts, in order, without a vector of their own.
#[derive(Debug, Default)]
pub struct PartsView<'a> {
    parts: [Option<PartView<'a>>; VIEW_PARTS],
    length: usize,
}

impl<'a> PartsView<'a> {
    /// Adds a part; `None` when there are already [`VIEW_PARTS`].
    pub fn push(&mut self, part: PartView<'a>) -> Option<()> {
        let slot = self.parts.get_mut(self.length)?;
        *slot = Some(part);
        self.length += 1;
        Some(())
    }

    pub fn len(&self) -> usize {
        self.length
    }

    pub fn is_empty(&self) -> bool {
        self.length == 0
    }

    /// The parts, in order.
    pub fn into_parts(self) -> impl Iterator<Item = PartView<'a>> {
        self.parts.into_iter().flatten()
    }

    pub fn iter(&self) -> impl Iterator<Item = &PartView<'a>> {
        self.parts[..self.length].iter().flatten()
    }

    /// The text parts joined, as `joined_text` joins them: borrowed when there is one.
    pub fn joined_text(&self) -> Cow<'a, str> {
        let texts = || {
            self.iter().filter_map(|part| match part {
                PartView::Text { text } => Some(text),
                PartView::Reasoning { .. } => None,
            })
        };
        let mut read = texts();
        let Some(first) = read.next() else { return Cow::Borrowed("") };
        if read.next().is_none() {
            return first.clone();
        }
        let mut joined = String::with_capacity(texts().map(|text| text.len()).sum());
        texts().for_each(|text| joined.push_str(text));
        Cow::Owned(joined)
    }
}

impl Serialize for PartsView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.length))?;
        for part in self.iter() {
            seq.serialize_element(part)?;
        }
        seq.end()
    }
}

/// A body the scanner has read as valid JSON, borrowed as a `RawValue`.
pub fn borrowed_raw(body: &str) -> &RawValue {
    debug_assert!(
        RawValue::from_string(body.to_owned()).is_ok_and(|raw| raw.get() == body),
        "the scanner accepted a body serde_json refuses: {body:?}"
    );
    // SAFETY: `RawValue` is `#[repr(transparent)]` over `str` (serde_json's `from_borrowed` makes
    // the same cast, from the `&str` it has checked), so both references have one layout; the text
    // is valid JSON (see `scanned_raw` in `providers/json_scan.rs`).
    unsafe { &*(std::ptr::from_ref::<str>(body) as *const RawValue) }
}

impl PartView<'_> {
    fn into_part(self) -> OutputPart {
        match self {
            PartView::Text { text } => OutputPart::Text { text: text.into_owned() },
            PartView::Reasoning { text, signature, provider } => OutputPart::Reasoning {
                text: text.into_owned(),
                signature: signature.map(Cow::into_owned),
                provider: provider.map(str::to_owned),
            },
        }
    }
}

impl ResultView<'_> {
    /// The result this view is.
    pub fn into_result(self) -> UnifiedResult {
        let ResponseView { text, content, finish_reason, raw_finish_reason, usage, model, id, raw } = self.response;
        let response = UnifiedResponse {
            text: text.into_owned(),
            content: content.into_parts().map(PartView::into_part).collect(),
            finish_reason,
            raw_finish_reason: raw_finish_reason.map(Cow::into_owned),
            usage,
            model: model.map(Cow::into_owned),
            id: id.map(Cow::into_owned),
            parsed: None,
            parse_error: None,
            candidates: None,
            embeddings: None,
            raw: raw.to_owned(),
        };
        UnifiedResult::succeeded(self.custom_id.into_owned(), response)
    }
}
