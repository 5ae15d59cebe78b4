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

use super::chat_body::{joined_text, map_finish_reason, only_refused};
use crate::model::{FinishReason, OutputPart, UnifiedResponse, UnifiedResult, Usage};

/// Deeper skipped values go to the general reader (serde_json stops at 128).
const MAX_SKIPPED_DEPTH: u32 = 64;

/// The result of `line`, or `None` when it is not the common shape.
pub(super) fn decode_common_line(line: &str) -> Option<UnifiedResult> {
    let mut scanner = Scanner { text: line, bytes: line.as_bytes(), at: 0 };
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

/// The body as `raw`, without the second check `RawValue::from_string` would make: the scanner has
/// already read every byte of it as strict JSON (strings, escapes, numbers, literals, nesting), and
/// the span starts and ends on the body's braces, as `RawValue` keeps it (no outer whitespace).
/// Debug builds (the tests) still make the check, so a scanner that let invalid JSON through fails
/// them instead of handing it out.
fn scanned_raw(body: &str) -> Box<RawValue> {
    debug_assert!(
        RawValue::from_string(body.to_owned()).is_ok_and(|raw| raw.get() == body),
        "the scanner accepted a body serde_json refuses: {body:?}"
    );
    let json: Box<str> = Box::from(body);
    // SAFETY: `RawValue` is `#[repr(transparent)]` over `str` (serde_json's `from_owned` makes
    // the same cast, from the `Box<str>` it has checked), so both boxes have one layout and one
    // allocation; `transmute` also refuses to compile if their sizes ever differ. The text is
    // valid JSON: see above, and `the_scanner_hands_out_only_valid_json` in `fast_line_tests.rs`.
    unsafe { std::mem::transmute::<Box<str>, Box<RawValue>>(json) }
}

/// Which keys of an object were read, to send duplicates to the general reader.
#[derive(Default)]
struct Seen(u32);

impl Seen {
    fn first(&mut self, bit: u32) -> Option<()> {
        let mask = 1 << bit;
        let first = self.0 & mask == 0;
        self.0 |= mask;
        first.then_some(())
    }
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

/// `CompletionUsage` as read ([`super::chat_body::OpenAiUsage`] turns it into [`Usage`] the same way).
#[derive(Default)]
struct Counts {
    prompt: Option<u64>,
    completion: Option<u64>,
    total: Option<u64>,
    cached: Option<u64>,
    cache_write: Option<u64>,
    reasoning: Option<u64>,
}

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
            content.push(OutputPart::Refusal { text: text.into_owned() });
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
            usage: self.usage.map(Counts::usage),
            model: self.model.map(Cow::into_owned),
            id: self.id.map(Cow::into_owned),
            parsed: None,
            parse_error: None,
            candidates: None,
            raw,
        }
    }
}

impl Counts {
    fn usage(self) -> Usage {
        let (input, output) = match (self.prompt, self.completion, self.total) {
            (None, Some(output), Some(total)) => (total.saturating_sub(output), output),
            (Some(input), None, Some(total)) => (input, total.saturating_sub(input)),
            (input, output, _) => (input.unwrap_or(0), output.unwrap_or(0)),
        };
        Usage {
            cache_read_tokens: self.cached,
            cache_write_tokens: self.cache_write,
            reasoning_tokens: self.reasoning,
            ..Usage::from_totals(input, output)
        }
    }
}

/// Byte start and end of the body in the line.
type Span = (usize, usize);

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
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
            "audio" => seen.first(7).and_then(|_| scanner.skip(0)),
            "function_call" => seen.first(8).and_then(|_| scanner.skip(0)),
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

    // The JSON grammar.

    fn space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.space();
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// Only whitespace is left.
    fn end(&mut self) -> Option<()> {
        self.peek().is_none().then_some(())
    }

    fn word(&mut self, word: &str) -> Option<()> {
        self.space();
        self.bytes[self.at..].starts_with(word.as_bytes()).then(|| self.at += word.len())
    }

    fn null(&mut self) -> Option<()> {
        self.word("null")
    }

    /// `null` as `None`, else the value `read` reads.
    fn nullable<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        if self.peek()? == b'n' {
            self.null().map(|_| None)
        } else {
            read(self).map(Some)
        }
    }

    /// An object, each key handed to `field` to read its value.
    fn object(&mut self, mut field: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
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

    /// A key without escapes.
    fn key(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.at;
        loop {
            match *self.bytes.get(self.at)? {
                b'"' => break,
                b'\\' | 0..=0x1f => return None,
                _ => self.at += 1,
            }
        }
        self.at += 1;
        Some(&self.text[start..self.at - 1])
    }

    /// A plain unsigned integer (what serde reads as `u64`); a sign, fraction or exponent is not one.
    fn unsigned(&mut self) -> Option<u64> {
        self.space();
        let start = self.at;
        let mut value: u64 = 0;
        while let Some(&digit @ b'0'..=b'9') = self.bytes.get(self.at) {
            value = value.checked_mul(10)?.checked_add(u64::from(digit - b'0'))?;
            self.at += 1;
        }
        let digits = self.at - start;
        let leading_zero = digits > 1 && self.bytes[start] == b'0';
        let more = matches!(self.bytes.get(self.at), Some(b'.' | b'e' | b'E'));
        (digits > 0 && !leading_zero && !more).then_some(value)
    }

    /// A string, borrowed from the line when it has no escapes.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.eat(b'"')?;
        let start = self.at;
        self.plain_run();
        match *self.bytes.get(self.at)? {
            b'"' => {
                self.at += 1;
                return Some(Cow::Borrowed(&self.text[start..self.at - 1]));
            }
            b'\\' => {}
            _ => return None,
        }
        let mut owned = String::from(&self.text[start..self.at]);
        loop {
            match *self.bytes.get(self.at)? {
                b'"' => {
                    self.at += 1;
                    return Some(Cow::Owned(owned));
                }
                b'\\' => {
                    self.at += 1;
                    let escape = *self.bytes.get(self.at)?;
                    self.at += 1;
                    owned.push(match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.escaped_char()?,
                        _ => return None,
                    });
                }
                0..=0x1f => return None,
                _ => {
                    // Stops only at ASCII bytes, so both ends are character boundaries.
                    let run = self.at;
                    self.plain_run();
                    owned.push_str(&self.text[run..self.at]);
                }
            }
        }
    }

    /// Moves over the bytes of a string that need no attention: all but `"`, `\\` and controls.
    /// Eight at a time while none of them is one (the zero-byte and less-than bit tricks: exact
    /// when no byte matches, since bytes of 0x80 and up never set a flag).
    fn plain_run(&mut self) {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGHS: u64 = 0x8080_8080_8080_8080;
        let has_zero = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS;
        while let Some(chunk) = self.bytes.get(self.at..self.at + 8) {
            let word = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).unwrap_or_default());
            let quote = has_zero(word ^ (ONES * u64::from(b'"')));
            let backslash = has_zero(word ^ (ONES * u64::from(b'\\')));
            let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
            if quote | backslash | control != 0 {
                break;
            }
            self.at += 8;
        }
        while let Some(&byte) = self.bytes.get(self.at) {
            if byte == b'"' || byte == b'\\' || byte < 0x20 {
                break;
            }
            self.at += 1;
        }
    }

    /// The character of `\uXXXX` (after the `u`), a surrogate pair as one; a lone surrogate is not one.
    fn escaped_char(&mut self) -> Option<char> {
        let unit = self.hex4()?;
        match unit {
            0xD800..=0xDBFF => {
                (self.bytes.get(self.at..self.at + 2)? == b"\\u").then_some(())?;
                self.at += 2;
                let low = self.hex4()?;
                (0xDC00..=0xDFFF).contains(&low).then_some(())?;
                char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
            }
            0xDC00..=0xDFFF => None,
            _ => char::from_u32(unit),
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.bytes.get(self.at..self.at + 4)?;
        let mut unit = 0;
        for &digit in digits {
            unit = unit * 16 + char::from(digit).to_digit(16)?;
        }
        self.at += 4;
        Some(unit)
    }

    /// Skips a value the result does not keep, checking that it is JSON.
    fn skip(&mut self, depth: u32) -> Option<()> {
        if depth > MAX_SKIPPED_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => self.object(|scanner, _| scanner.skip(depth + 1)),
            b'[' => {
                self.at += 1;
                if self.peek()? == b']' {
                    self.at += 1;
                    return Some(());
                }
                loop {
                    self.skip(depth + 1)?;
                    match self.peek()? {
                        b',' => self.at += 1,
                        b']' => {
                            self.at += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b'n' => self.null(),
            b't' => self.word("true"),
            b'f' => self.word("false"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// Any JSON number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self) -> Option<()> {
        if self.bytes.get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        match *self.bytes.get(self.at)? {
            b'0' => self.at += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            self.bytes.get(self.at)?.is_ascii_digit().then_some(())?;
            self.digits();
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.at) {
            self.at += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.at) {
                self.at += 1;
            }
            self.bytes.get(self.at)?.is_ascii_digit().then_some(())?;
            self.digits();
        }
        Some(())
    }

    fn digits(&mut self) {
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
    }
}
