//! The common OpenAI output line read in one pass: a 2xx envelope around a chat completion with one
//! choice whose message is plain text (or a refusal, or reasoning). Most lines of a chat batch are
//! this shape, and serde reads them twice (the envelope, skipping over the body, then the body).
//!
//! The scanner reads only the keys it knows, each at most once, and validates the values it skips.
//! Anything else — another key, a key with an escape, a duplicate, an error, a non-2xx status,
//! another body kind, tool calls, logprobs, several choices, a number that is not a plain unsigned
//! integer — gives `None`, and the line is read by the general reader in `results.rs`. Where this
//! answers, that reader gives the same result (`fast_line_tests.rs` checks it on many variants).

use std::borrow::Cow;

use serde_json::value::RawValue;

use super::chat_body::{completion_usage, joined_text, map_finish_reason, only_refused, CompletionCounts};
use crate::model::{FinishReason, OutputPart, UnifiedResponse, UnifiedResult};
use crate::providers::json_scan::{scanned_raw, Scanner, Seen, Span};

/// The result of `line`, or `None` when it is not the common shape.
pub(super) fn decode_common_line(line: &str) -> Option<UnifiedResult> {
    let mut scanner = Scanner::new(line);
    let mut custom_id = None;
    let mut body = None;
    let mut seen = Seen::default();
    scanner.object(|scanner, key| match key {
        "id" => seen.first(0).and_then(|_| scanner.skip(0)),
        "custom_id" => {
            seen.first(1)?;
            custom_id = scanner.nullable(Scanner::string)?;
            Some(())
        }
        "response" => {
            seen.first(2)?;
            body = Some(scanner.envelope()?);
            Some(())
        }
        // An error line is the general reader's.
        "error" => seen.first(3).and_then(|_| scanner.null()),
        _ => None,
    })?;
    scanner.end()?;
    let (span, completion) = body?;
    let raw = scanned_raw(&line[span.0..span.1]);
    let custom_id = custom_id.map(Cow::into_owned).unwrap_or_default();
    Some(UnifiedResult::succeeded(custom_id, completion.response(raw)))
}

/// The fields of a chat completion the unified result keeps.
#[derive(Default)]
struct Completion<'a> {
    id: Option<Cow<'a, str>>,
    model: Option<Cow<'a, str>>,
    index: Option<u32>,
    finish_reason: Option<Cow<'a, str>>,
    content: Option<Cow<'a, str>>,
    refusal: Option<Cow<'a, str>>,
    reasoning_content: Option<Cow<'a, str>>,
    reasoning: Option<Cow<'a, str>>,
    usage: Option<Counts>,
}

/// `CompletionUsage` as read ([`super::chat_body::completion_usage`] turns it into `Usage` for both readers).
type Counts = CompletionCounts;

impl Completion<'_> {
    /// The response as `chat_completion_from` builds it for a single choice.
    fn response(self, raw: Box<RawValue>) -> UnifiedResponse {
        let mut content = Vec::new();
        let reasoning = self.reasoning_content.or(self.reasoning).filter(|text| !text.is_empty());
        if let Some(text) = reasoning {
            content.push(OutputPart::Reasoning { text: text.into_owned(), signature: None, provider: None });
        }
        if let Some(text) = self.content.filter(|text| !text.is_empty()) {
            content.push(OutputPart::Text { text: text.into_owned() });
        }
        if let Some(text) = self.refusal.filter(|text| !text.is_empty()) {
            content.push(OutputPart::Refusal { text: text.into_owned(), category: None });
        }
        let raw_finish_reason = self.finish_reason.map(Cow::into_owned);
        let mut finish_reason = map_finish_reason(raw_finish_reason.as_deref());
        if finish_reason == FinishReason::Stop && only_refused(&content) {
            finish_reason = FinishReason::ContentFilter;
        }
        UnifiedResponse {
            embeddings: None,
            text: joined_text(&content),
            finish_reason,
            raw_finish_reason,
            content,
            usage: self.usage.filter(Counts::has_counts).map(completion_usage),
            model: self.model.map(Cow::into_owned),
            id: self.id.map(Cow::into_owned),
            parsed: None,
            parse_error: None,
            candidates: None,
            raw,
        }
    }
}

impl<'a> Scanner<'a> {
    /// `response`: `{status_code: 2xx, request_id, body: {chat completion}}`, nothing else.
    fn envelope(&mut self) -> Option<(Span, Completion<'a>)> {
        let mut status_code = None;
        let mut body = None;
        let mut seen = Seen::default();
        self.object(|scanner, key| match key {
            "status_code" => {
                seen.first(0)?;
                status_code = Some(scanner.unsigned()?);
                Some(())
            }
            "request_id" => {
                seen.first(1)?;
                scanner.nullable(Scanner::string).map(drop)
            }
            "body" => {
                seen.first(2)?;
                scanner.space();
                let start = scanner.at;
                let completion = scanner.completion()?;
                body = Some(((start, scanner.at), completion));
                Some(())
            }
            _ => None,
        })?;
        (200..300).contains(&status_code?).then_some(())?;
        body
    }

    /// A chat completion body with exactly one choice.
    fn completion(&mut self) -> Option<Completion<'a>> {
        let mut completion = Completion::default();
        let mut seen = Seen::default();
        let mut choices = false;
        self.object(|scanner, key| match key {
            "id" => {
                seen.first(0)?;
                completion.id = scanner.nullable(Scanner::string)?;
                Some(())
            }
            "object" => {
                seen.first(1)?;
                (scanner.string()? == "chat.completion").then_some(())
            }
            "model" => {
                seen.first(2)?;
                completion.model = scanner.nullable(Scanner::string)?;
                Some(())
            }
            "choices" => {
                seen.first(3)?;
                choices = true;
                scanner.eat(b'[')?;
                scanner.choice(&mut completion)?;
                scanner.eat(b']')
            }
            "usage" => {
                seen.first(4)?;
                completion.usage = scanner.nullable(Scanner::usage)?;
                Some(())
            }
            "created" => seen.first(5).and_then(|_| scanner.skip(0)),
            "system_fingerprint" => seen.first(6).and_then(|_| scanner.skip(0)),
            "service_tier" => seen.first(7).and_then(|_| scanner.skip(0)),
            _ => None,
        })?;
        choices.then_some(completion)
    }

    /// The one choice: an index, a message, a finish reason, no logprobs.
    fn choice(&mut self, completion: &mut Completion<'a>) -> Option<()> {
        let mut seen = Seen::default();
        let mut message = false;
        self.object(|scanner, key| match key {
            "index" => {
                seen.first(0)?;
                let index = scanner.nullable(Scanner::unsigned)?;
                completion.index = index.map(u32::try_from).transpose().ok()?;
                Some(())
            }
            "message" => {
                seen.first(1)?;
                message = true;
                scanner.message(completion)
            }
            "finish_reason" => {
                seen.first(2)?;
                completion.finish_reason = scanner.nullable(Scanner::string)?;
                Some(())
            }
            "logprobs" => seen.first(3).and_then(|_| scanner.null()),
            _ => None,
        })?;
        message.then_some(())
    }

    /// A message with text content (or none), and no tool calls.
    fn message(&mut self, completion: &mut Completion<'a>) -> Option<()> {
        let mut seen = Seen::default();
        self.object(|scanner, key| match key {
            "content" => {
                seen.first(0)?;
                completion.content = scanner.nullable(Scanner::string)?;
                Some(())
            }
            "refusal" => {
                seen.first(1)?;
                completion.refusal = scanner.nullable(Scanner::string)?;
                Some(())
            }
            "reasoning_content" => {
                seen.first(2)?;
                completion.reasoning_content = scanner.nullable(Scanner::string)?;
                Some(())
            }
            "reasoning" => {
                seen.first(3)?;
                completion.reasoning = scanner.nullable(Scanner::string)?;
                Some(())
            }
            "tool_calls" => {
                seen.first(4)?;
                if scanner.peek()? == b'[' {
                    scanner.eat(b'[')?;
                    scanner.eat(b']')
                } else {
                    scanner.null()
                }
            }
            // Not read by the general reader either.
            "role" => seen.first(5).and_then(|_| scanner.skip(0)),
            "annotations" => seen.first(6).and_then(|_| scanner.skip(0)),
            // A message of these alone is no answer: the general reader says so.
            "audio" => seen.first(7).and_then(|_| scanner.null()),
            "function_call" => seen.first(8).and_then(|_| scanner.null()),
            _ => None,
        })
    }

    fn usage(&mut self) -> Option<Counts> {
        let mut counts = Counts::default();
        let mut seen = Seen::default();
        self.object(|scanner, key| {
            let count = match key {
                "prompt_tokens" => {
                    seen.first(0)?;
                    &mut counts.prompt
                }
                "completion_tokens" => {
                    seen.first(1)?;
                    &mut counts.completion
                }
                "total_tokens" => {
                    seen.first(2)?;
                    &mut counts.total
                }
                "prompt_tokens_details" => {
                    seen.first(3)?;
                    return scanner.nullable(|scanner| scanner.prompt_details(&mut counts)).map(drop);
                }
                "completion_tokens_details" => {
                    seen.first(4)?;
                    return scanner.nullable(|scanner| scanner.completion_details(&mut counts)).map(drop);
                }
                _ => return None,
            };
            *count = scanner.nullable(Scanner::unsigned)?;
            Some(())
        })?;
        Some(counts)
    }

    fn prompt_details(&mut self, counts: &mut Counts) -> Option<()> {
        let mut seen = Seen::default();
        self.object(|scanner, key| match key {
            "cached_tokens" => {
                seen.first(0)?;
                counts.cached = scanner.nullable(Scanner::unsigned)?;
                Some(())
            }
            "cache_write_tokens" => {
                seen.first(1)?;
                counts.cache_write = scanner.nullable(Scanner::unsigned)?;
                Some(())
            }
            "audio_tokens" => seen.first(2).and_then(|_| scanner.skip(0)),
            _ => None,
        })
    }

    fn completion_details(&mut self, counts: &mut Counts) -> Option<()> {
        let mut seen = Seen::default();
        self.object(|scanner, key| match key {
            "reasoning_tokens" => {
                seen.first(0)?;
                counts.reasoning = scanner.nullable(Scanner::unsigned)?;
                Some(())
            }
            "audio_tokens" => seen.first(1).and_then(|_| scanner.skip(0)),
            "accepted_prediction_tokens" => seen.first(2).and_then(|_| scanner.skip(0)),
            "rejected_prediction_tokens" => seen.first(3).and_then(|_| scanner.skip(0)),
            _ => None,
        })
    }
}
