//! The common Gemini result line read in one pass: `{"key", "response": GenerateContentResponse}`
//! (reference §3.5) with one candidate whose parts are text or thought text. Most lines of a
//! generate batch are this shape, and the general reader reads them twice with serde (the line,
//! skipping over the response, then the response), after searching the response for `"embedding"`.
//!
//! The scanner reads each known key at most once, turning parts and the candidate into output
//! with the functions the general reader uses (`response.rs`: `text_part`, `candidate_of`,
//! `unified_response`), and checks the values it skips: those serde ignores too — unknown keys,
//! `role`, `totalTokenCount`, `promptTokensDetails`, `safetyRatings`, `citationMetadata`,
//! `avgLogprobs`, … (spec `GenerateContentResponse`, `Candidate`, `UsageMetadata`). Anything
//! else — a key with an escape, a duplicate, an empty or missing `key`, `attribution` (an inline
//! answer matched by position), an error, an embedding, a function call, no candidate or several,
//! a count that is neither a plain unsigned integer nor a string of one — gives `None`, and the
//! line is read by the general reader in `results.rs`. Where this answers, that reader gives the
//! same result (`fast_line_tests.rs` checks it on many variants).

use std::borrow::Cow;

use crate::model::{borrowed_raw, FinishReason, PartView, PartsView, ResponseView, ResultView, UnifiedResult, Usage};
use crate::provider::Provider;
use crate::providers::json_scan::{Scanner, Seen};

use super::response::{map_finish_reason, refused, UsageMetadata};

/// The result of `line`, or `None` when it is not the common shape.
pub(super) fn decode_common_line(line: &str) -> Option<UnifiedResult> {
    scan_common_line(line).map(ResultView::into_result)
}

/// The result of `line` borrowed from it (see [`ResultView`]), or `None` when it is not the
/// common shape. What `unified_response` makes of a response with one candidate.
pub(super) fn scan_common_line(line: &str) -> Option<ResultView<'_>> {
    let mut scanner = Scanner::new(line);
    let mut key = None;
    let mut body = None;
    // Filled in place, as are its candidate and parts: moved out of the readers that read them,
    // these few hundred bytes were copied a dozen times a line (each a `memory.copy` in wasm).
    let mut response = ScannedResponse::default();
    let mut seen = Seen::default();
    scanner.fields(&mut |scanner, name| match name {
        "key" => {
            seen.first(0)?;
            key = Some(scanner.string()?);
            Some(())
        }
        "response" => {
            seen.first(1)?;
            scanner.space();
            let start = scanner.at;
            scanner.response(&mut response)?;
            body = Some((start, scanner.at));
            Some(())
        }
        // An error line is the general reader's.
        "error" => seen.first(2).and_then(|_| scanner.null()),
        // Set on inline answers without a key (`inline_lines`).
        "attribution" => None,
        _ => scanner.skip(0),
    })?;
    scanner.end()?;
    // A line without its key is returned unattributed by the general reader.
    let key = key.filter(|key| !key.is_empty())?;
    let (start, end) = body?;
    // `response` has read its candidate (else it gave `None`). Its fields are taken one by one:
    // the parts, destructured out of the candidate and the response, were copied each time.
    let mut raw_finish_reason = response.candidate.finish_reason;
    let block_reason = response.block_reason;
    // A candidate of text parts has no tool call.
    let candidate_finish_reason = map_finish_reason(raw_finish_reason.as_deref(), false);
    let finish_reason = match (&raw_finish_reason, block_reason) {
        (None, Some(block_reason)) => {
            raw_finish_reason = Some(block_reason);
            FinishReason::ContentFilter
        }
        _ => candidate_finish_reason,
    };
    let response = ResponseView {
        text: response.candidate.content.joined_text(),
        content: response.candidate.content,
        finish_reason,
        raw_finish_reason,
        usage: response.usage.filter(UsageMetadata::has_counts).map(Usage::from),
        model: response.model_version,
        id: response.response_id,
        raw: borrowed_raw(&line[start..end]),
    };
    Some(ResultView::succeeded(key, response))
}

/// A `GenerateContentResponse` as the scanner reads it.
#[derive(Default)]
struct ScannedResponse<'a> {
    /// Whether `candidate` has been read.
    has_candidate: bool,
    candidate: ScannedCandidate<'a>,
    block_reason: Option<Cow<'a, str>>,
    usage: Option<UsageMetadata>,
    model_version: Option<Cow<'a, str>>,
    response_id: Option<Cow<'a, str>>,
}

/// A `Candidate`'s output and finish reason.
#[derive(Default)]
struct ScannedCandidate<'a> {
    content: PartsView<'a>,
    finish_reason: Option<Cow<'a, str>>,
}

impl<'a> Scanner<'a> {
    /// A `GenerateContentResponse` with exactly one candidate, read into `response` (empty).
    fn response(&mut self, response: &mut ScannedResponse<'a>) -> Option<()> {
        let mut seen = Seen::default();
        self.fields(&mut |scanner, name| match name {
            "candidates" => {
                seen.first(0)?;
                scanner.eat(b'[')?;
                scanner.candidate(&mut response.candidate)?;
                response.has_candidate = true;
                scanner.eat(b']')
            }
            "promptFeedback" => {
                seen.first(1)?;
                response.block_reason = scanner.nullable(Scanner::block_reason)?.flatten();
                Some(())
            }
            "usageMetadata" => {
                seen.first(2)?;
                // `null` leaves it out; read in place, as the candidate is.
                if scanner.peek()? == b'n' {
                    return scanner.null();
                }
                scanner.usage_metadata(response.usage.insert(UsageMetadata::default()))
            }
            "modelVersion" => {
                seen.first(3)?;
                response.model_version = scanner.optional_string()?;
                Some(())
            }
            "responseId" => {
                seen.first(4)?;
                response.response_id = scanner.optional_string()?;
                Some(())
            }
            // An `EmbedContentResponse` (`is_embedding`) is the general reader's.
            "embedding" => None,
            _ => scanner.skip(0),
        })?;
        response.has_candidate.then_some(())
    }

    /// A `Candidate` with its content and finish reason, as `read_candidate` reads it (its index,
    /// checked as it checks it, only matters among several candidates), read into `candidate`
    /// (empty).
    fn candidate(&mut self, candidate: &mut ScannedCandidate<'a>) -> Option<()> {
        let ScannedCandidate { content, finish_reason } = candidate;
        let mut seen = Seen::default();
        self.fields(&mut |scanner, name| match name {
            "index" => {
                seen.first(0)?;
                let read = scanner.nullable(Scanner::unsigned)?;
                read.map(u32::try_from).transpose().ok()?;
                Some(())
            }
            "content" => {
                seen.first(1)?;
                scanner.nullable(|scanner| scanner.content(content)).map(drop)
            }
            "finishReason" => {
                seen.first(2)?;
                *finish_reason = scanner.optional_string()?;
                // A refusal's part (its `finishMessage`) is made by the general reader.
                (!finish_reason.as_deref().is_some_and(refused)).then_some(())
            }
            _ => scanner.skip(0),
        })
    }

    /// A `Content`: the output of its parts (`role` is skipped).
    fn content(&mut self, content: &mut PartsView<'a>) -> Option<()> {
        let mut seen = Seen::default();
        self.fields(&mut |scanner, name| match name {
            "parts" => {
                seen.first(0)?;
                scanner.eat(b'[')?;
                if scanner.peek()? == b']' {
                    scanner.at += 1;
                    return Some(());
                }
                // Parts none of which has text (an image's `inlineData`, …) are the general reader's.
                let mut any_text = false;
                loop {
                    scanner.part(content, &mut any_text)?;
                    match scanner.peek()? {
                        b',' => scanner.at += 1,
                        b']' => {
                            scanner.at += 1;
                            return any_text.then_some(());
                        }
                        _ => return None,
                    }
                }
            }
            _ => scanner.skip(0),
        })
    }

    /// The output of a `Part` of text, thought text or neither (`inlineData` and the like are
    /// skipped, as serde skips them), as `text_part` makes it, added to `content`; one with a
    /// function call, or more parts than a view holds, are the general reader's.
    fn part(&mut self, content: &mut PartsView<'a>, any_text: &mut bool) -> Option<()> {
        let mut text = None;
        let mut thought = false;
        let mut signature = None;
        let mut seen = Seen::default();
        self.fields(&mut |scanner, name| match name {
            "text" => {
                seen.first(0)?;
                text = scanner.optional_string()?;
                Some(())
            }
            "thought" => {
                seen.first(1)?;
                thought = match scanner.peek()? {
                    b't' => scanner.word("true").map(|_| true)?,
                    _ => scanner.word("false").map(|_| false)?,
                };
                Some(())
            }
            "thoughtSignature" => {
                seen.first(2)?;
                signature = scanner.optional_string()?;
                Some(())
            }
            "functionCall" => seen.first(3).and_then(|_| scanner.null()),
            _ => scanner.skip(0),
        })?;
        *any_text |= text.is_some();
        match text {
            Some(text) if thought => {
                content.push(PartView::Reasoning { text, signature, provider: Some(Provider::Google.name()) })
            }
            Some(text) if !text.is_empty() => content.push(PartView::Text { text }),
            _ => Some(()),
        }
    }

    /// An object, each key handed to `field` to read its value: [`Scanner::object`] with one copy
    /// of the loop for all the objects of the line (a copy per object made the wasm module 2.6 KB
    /// larger).
    #[inline(never)]
    fn fields(&mut self, field: &mut dyn FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        loop {
            let key = self.key()?;
            self.eat(b':')?;
            field(self, key)?;
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// `PromptFeedback.blockReason`.
    fn block_reason(&mut self) -> Option<Option<Cow<'a, str>>> {
        let mut block_reason = None;
        let mut seen = Seen::default();
        self.fields(&mut |scanner, name| match name {
            "blockReason" => {
                seen.first(0)?;
                block_reason = scanner.optional_string()?;
                Some(())
            }
            _ => scanner.skip(0),
        })?;
        Some(block_reason)
    }

    /// The counts `UsageMetadata` keeps, each read as `response::count` reads it, into `usage`
    /// (empty).
    fn usage_metadata(&mut self, usage: &mut UsageMetadata) -> Option<()> {
        let mut seen = Seen::default();
        self.fields(&mut |scanner, name| {
            let (bit, count) = match name {
                "promptTokenCount" => (0, &mut usage.prompt_token_count),
                "candidatesTokenCount" => (1, &mut usage.candidates_token_count),
                "cachedContentTokenCount" => (2, &mut usage.cached_content_token_count),
                "thoughtsTokenCount" => (3, &mut usage.thoughts_token_count),
                "toolUsePromptTokenCount" => (4, &mut usage.tool_use_prompt_token_count),
                _ => return scanner.skip(0),
            };
            seen.first(bit)?;
            *count = scanner.optional_count()?;
            Some(())
        })
    }

    /// A token count or `null`: a plain unsigned integer, or a string of one as proto3 JSON writes
    /// 64-bit integers (parsed as `response::count` parses it; one that does not parse is not read
    /// here).
    #[inline(never)]
    fn optional_count(&mut self) -> Option<Option<u64>> {
        match self.peek()? {
            b'"' => self.string()?.parse().ok().map(Some),
            b'n' => self.null().map(|_| None),
            _ => self.unsigned().map(Some),
        }
    }

    /// A string or `null` (one function for all of them: the module is smaller).
    #[inline(never)]
    fn optional_string(&mut self) -> Option<Option<Cow<'a, str>>> {
        self.nullable(Scanner::string)
    }
}
