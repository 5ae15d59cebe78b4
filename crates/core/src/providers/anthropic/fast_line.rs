//! The common Anthropic result line read in one pass, message and all: `{"custom_id", "result":
//! {"type": "succeeded", "message": {Message}}}` (reference §2.4; spec
//! `MessageBatchIndividualResponse`, `MessageBatchSucceededResult`), where the `Message` has
//! `type: "message"`, `id`, `role`, `model`, `stop_reason`, a `usage` of counts (spec `Usage`:
//! `input_tokens`, `output_tokens`, the cache counts, `cache_creation` by lifetime; `service_tier`,
//! `server_tool_use` and the rest are skipped, as the general reader skips them) and `content` of
//! text, thinking, redacted thinking and tool-use blocks (spec `ContentBlock`). The general reader
//! skips the message, then reads it again from its own text; this reads it once, and `raw` is its
//! span in the line.
//!
//! The scanner reads the keys the result keeps, each at most once, and skips the others as the
//! general reader does (checking that they are JSON). Anything else — another result type, a key
//! with an escape, a duplicate, a message without `type: "message"`, a block of another kind or
//! with a field the general reader would refuse, a count that is not a plain unsigned integer —
//! gives `None`, and the line goes to the readers of `results.rs`, which word and place every
//! error. Where this answers, they give the same result (`fast_line_tests.rs` checks it on many
//! generated lines).

use std::borrow::Cow;

use super::result_blocks::Block;
use super::results::{finish_reason, AnthropicUsage, CacheCreation, OutputDetails, Reply};
use crate::model::{borrowed_raw, PartView, PartsView, ResponseView, ResultView, UnifiedResult, Usage, VIEW_PARTS};
use crate::provider::Provider;
use crate::providers::exact_json;
use crate::providers::json_scan::{scanned_raw, Scanner, Seen, Span};
use crate::skipped_value::SkippedValue;

/// A common line as read: a view borrowed from it (see [`ResultView`]) when its blocks are text
/// and thinking, at most [`VIEW_PARTS`] of them, or else its result.
pub(super) enum CommonLine<'a> {
    View(ResultView<'a>),
    Result(UnifiedResult),
}

/// The result of `line`, or `None` when it is not the common shape.
pub(super) fn decode_common_line(line: &str) -> Option<UnifiedResult> {
    Some(match scan_common_line(line)? {
        CommonLine::View(view) => view.into_result(),
        CommonLine::Result(result) => result,
    })
}

/// The result of `line`, as a view where it can be (see [`CommonLine`]), or `None` when it is
/// not the common shape. What [`Reply::response`] makes of the message.
pub(super) fn scan_common_line(line: &str) -> Option<CommonLine<'_>> {
    let mut scanner = Scanner::new(line);
    let mut custom_id = None;
    let mut message = None;
    let mut seen = Seen::default();
    scanner.object(|scanner, key| match key {
        "custom_id" => {
            seen.first(0)?;
            custom_id = Some(scanner.string()?);
            Some(())
        }
        "result" => {
            seen.first(1)?;
            message = Some(scanner.succeeded_result()?);
            Some(())
        }
        // Not read by the general reader either.
        _ => scanner.skip(0),
    })?;
    scanner.end()?;
    let (span, reply) = message?;
    let custom_id = custom_id?;
    let body = &line[span.0..span.1];
    let ScannedReply { id, model, content, stop_reason, usage } = reply;
    Some(match content {
        Content::Parts(parts) => {
            let response = ResponseView {
                text: parts.joined_text(),
                content: parts,
                finish_reason: finish_reason(stop_reason.as_deref()),
                raw_finish_reason: stop_reason,
                usage: usage.filter(AnthropicUsage::has_counts).map(Usage::from),
                model,
                id,
                raw: borrowed_raw(body),
            };
            CommonLine::View(ResultView::succeeded(custom_id, response))
        }
        Content::Blocks(content) => {
            let reply = Reply {
                id: id.map(Cow::into_owned),
                model: model.map(Cow::into_owned),
                content,
                stop_reason: stop_reason.map(Cow::into_owned),
                usage,
            };
            CommonLine::Result(UnifiedResult::succeeded(custom_id.into_owned(), reply.response(scanned_raw(body))))
        }
    })
}

/// A `Message` as the scanner reads it.
#[derive(Default)]
struct ScannedReply<'a> {
    id: Option<Cow<'a, str>>,
    model: Option<Cow<'a, str>>,
    content: Content<'a>,
    stop_reason: Option<Cow<'a, str>>,
    usage: Option<AnthropicUsage>,
}

/// The blocks a message keeps: in place while they are text and thinking and fit a view, else
/// as [`Reply`] holds them. One lives on the stack while a line is read; boxing the parts would
/// bring back the allocation a view is there to save.
#[allow(clippy::large_enum_variant)]
enum Content<'a> {
    Parts(PartsView<'a>),
    Blocks(Vec<Block>),
}

impl Default for Content<'_> {
    fn default() -> Self {
        Content::Parts(PartsView::default())
    }
}

/// A content block as read.
enum ScannedBlock<'a> {
    Part(PartView<'a>),
    Block(Block),
    /// A block of a kind the result does not keep.
    Other,
}

impl<'a> Content<'a> {
    fn add(&mut self, block: ScannedBlock<'a>) {
        if let Content::Parts(parts) = self {
            match block {
                ScannedBlock::Other => return,
                ScannedBlock::Part(part) if parts.len() < VIEW_PARTS => {
                    parts.push(part);
                    return;
                }
                _ => *self = Content::Blocks(std::mem::take(parts).into_parts().map(part_block).collect()),
            }
        }
        if let Content::Blocks(blocks) = self {
            match block {
                ScannedBlock::Part(part) => blocks.push(part_block(part)),
                ScannedBlock::Block(block) => blocks.push(block),
                ScannedBlock::Other => {}
            }
        }
    }
}

/// The block a part was read from.
fn part_block(part: PartView<'_>) -> Block {
    match part {
        PartView::Text { text } => Block::Text { text: text.into_owned() },
        PartView::Reasoning { text, signature, .. } => {
            Block::Thinking { thinking: text.into_owned(), signature: signature.map(Cow::into_owned) }
        }
    }
}

/// The fields of a content block as read: each string field is absent, null or a string; `input`
/// is the span of its value. Which of them the block keeps depends on its `type`.
#[derive(Default)]
struct BlockFields<'a> {
    kind: Option<Cow<'a, str>>,
    text: Option<Option<Cow<'a, str>>>,
    thinking: Option<Option<Cow<'a, str>>>,
    signature: Option<Option<Cow<'a, str>>>,
    data: Option<Option<Cow<'a, str>>>,
    id: Option<Option<Cow<'a, str>>>,
    name: Option<Option<Cow<'a, str>>>,
    input: Option<Span>,
}

/// A string field as kept: `None` when absent or null (for a required field, whose null the
/// general reader refuses, that sends the line to it).
fn owned(field: Option<Option<Cow<'_, str>>>) -> Option<String> {
    field.flatten().map(Cow::into_owned)
}

impl<'a> Scanner<'a> {
    /// `result`: `{"type": "succeeded", "message": {…}}`; an `error` beside them is skipped, as the
    /// general reader skips it for a success.
    fn succeeded_result(&mut self) -> Option<(Span, ScannedReply<'a>)> {
        let mut succeeded = false;
        let mut message = None;
        let mut seen = Seen::default();
        self.object(|scanner, key| match key {
            "type" => {
                seen.first(0)?;
                succeeded = scanner.string()? == "succeeded";
                succeeded.then_some(())
            }
            "message" => {
                seen.first(1)?;
                scanner.space();
                let start = scanner.at;
                let reply = scanner.message_reply()?;
                message = Some(((start, scanner.at), reply));
                Some(())
            }
            "error" => seen.first(2).and_then(|_| scanner.skip(0)),
            _ => scanner.skip(0),
        })?;
        succeeded.then_some(())?;
        message
    }

    /// A Messages response that says `type: "message"`.
    fn message_reply(&mut self) -> Option<ScannedReply<'a>> {
        let mut reply = ScannedReply::default();
        let mut is_message = false;
        let mut seen = Seen::default();
        self.object(|scanner, key| {
            let (bit, field) = match key {
                "type" => {
                    seen.first(0)?;
                    is_message = scanner.string()? == "message";
                    return is_message.then_some(());
                }
                "content" => {
                    seen.first(1)?;
                    reply.content = scanner.nullable(Scanner::content_blocks)?.unwrap_or_default();
                    return Some(());
                }
                "usage" => {
                    seen.first(2)?;
                    reply.usage = scanner.nullable(Scanner::message_usage)?;
                    return Some(());
                }
                // Read (a string or null) only to tell a message from another body.
                "role" => {
                    seen.first(3)?;
                    return scanner.nullable(Scanner::string).map(drop);
                }
                "id" => (4, &mut reply.id),
                "model" => (5, &mut reply.model),
                "stop_reason" => {
                    seen.first(6)?;
                    reply.stop_reason = scanner.nullable(Scanner::string)?;
                    // A refusal's part (its `stop_details`) is made by the general reader.
                    return (reply.stop_reason.as_deref() != Some("refusal")).then_some(());
                }
                _ => return scanner.skip(0),
            };
            seen.first(bit)?;
            *field = scanner.nullable(Scanner::string)?;
            Some(())
        })?;
        is_message.then_some(reply)
    }

    /// `content`: an array of block objects.
    fn content_blocks(&mut self) -> Option<Content<'a>> {
        self.eat(b'[')?;
        let mut blocks = Content::default();
        if self.peek()? == b']' {
            self.at += 1;
            return Some(blocks);
        }
        // Blocks of other kinds alone are the general reader's (it refuses them as no answer).
        let mut only_unread = true;
        loop {
            let block = self.content_block()?;
            only_unread &= matches!(block, ScannedBlock::Other);
            blocks.add(block);
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return (!only_unread).then_some(blocks);
                }
                _ => return None,
            }
        }
    }

    /// One block, as `result_blocks.rs` reads it: every field any kind reads is read whatever the
    /// block's kind (strings or null here; `input` any JSON value), the kind's own are required
    /// as it requires them, and a block of a kind it does not keep is [`Block::Other`].
    fn content_block(&mut self) -> Option<ScannedBlock<'a>> {
        let mut fields = BlockFields::default();
        let mut seen = Seen::default();
        self.object(|scanner, key| {
            let (bit, field) = match key {
                "type" => {
                    seen.first(0)?;
                    fields.kind = Some(scanner.string()?);
                    return Some(());
                }
                "input" => {
                    seen.first(1)?;
                    scanner.space();
                    let start = scanner.at;
                    scanner.skip(0)?;
                    fields.input = Some((start, scanner.at));
                    return Some(());
                }
                "text" => (2, &mut fields.text),
                "thinking" => (3, &mut fields.thinking),
                "signature" => (4, &mut fields.signature),
                "data" => (5, &mut fields.data),
                "id" => (6, &mut fields.id),
                "name" => (7, &mut fields.name),
                _ => return scanner.skip_block_value(),
            };
            seen.first(bit)?;
            *field = Some(scanner.nullable(Scanner::string)?);
            Some(())
        })?;
        // `input` is read into a value whatever the kind; its own text gives the same value (the
        // skip above has checked it is JSON no deeper than the general reader reaches).
        let input = match fields.input {
            Some((start, end)) => Some(exact_json::from_str(&self.text[start..end]).ok()?),
            None => None,
        };
        Some(match fields.kind?.as_ref() {
            "text" => ScannedBlock::Part(PartView::Text { text: fields.text.flatten()? }),
            "thinking" => ScannedBlock::Part(PartView::Reasoning {
                text: fields.thinking.flatten()?,
                signature: fields.signature.flatten(),
                provider: Some(Provider::Anthropic.name()),
            }),
            "redacted_thinking" => ScannedBlock::Block(Block::RedactedThinking { data: owned(fields.data)? }),
            "tool_use" => ScannedBlock::Block(Block::ToolUse {
                id: owned(fields.id),
                name: owned(fields.name)?,
                input: input.unwrap_or_default(),
            }),
            _ => ScannedBlock::Other,
        })
    }

    /// Skips the value of a key a block does not read. The general reader reads it into a value it
    /// drops ([`SkippedValue`]), which also refuses numbers too large for a float: a value other
    /// than null is checked by that reader on its own text.
    fn skip_block_value(&mut self) -> Option<()> {
        if self.peek()? == b'n' {
            return self.null();
        }
        let start = self.at;
        self.skip(0)?;
        serde_json::from_str::<SkippedValue>(&self.text[start..self.at]).ok().map(drop)
    }

    /// `usage`: the counts, each a plain unsigned integer or null.
    fn message_usage(&mut self) -> Option<AnthropicUsage> {
        let mut usage = AnthropicUsage::default();
        let mut seen = Seen::default();
        self.object(|scanner, key| {
            let (bit, count) = match key {
                "input_tokens" => (0, &mut usage.input_tokens),
                "output_tokens" => (1, &mut usage.output_tokens),
                "cache_read_input_tokens" => (2, &mut usage.cache_read_input_tokens),
                "cache_creation_input_tokens" => (3, &mut usage.cache_creation_input_tokens),
                "cache_creation" => {
                    seen.first(4)?;
                    usage.cache_creation = scanner.nullable(Scanner::cache_creation)?;
                    return Some(());
                }
                "output_tokens_details" => {
                    seen.first(5)?;
                    usage.output_tokens_details = scanner.nullable(Scanner::output_tokens_details)?;
                    return Some(());
                }
                // `service_tier`, `server_tool_use` and anything newer.
                _ => return scanner.skip(0),
            };
            seen.first(bit)?;
            *count = scanner.nullable(Scanner::unsigned)?;
            Some(())
        })?;
        Some(usage)
    }

    /// `cache_creation`: the cache writes by lifetime (spec `CacheCreation`).
    fn cache_creation(&mut self) -> Option<CacheCreation> {
        let mut split = CacheCreation::default();
        let mut seen = Seen::default();
        self.object(|scanner, key| {
            let (bit, count) = match key {
                "ephemeral_5m_input_tokens" => (0, &mut split.ephemeral_5m_input_tokens),
                "ephemeral_1h_input_tokens" => (1, &mut split.ephemeral_1h_input_tokens),
                _ => return scanner.skip(0),
            };
            seen.first(bit)?;
            *count = scanner.nullable(Scanner::unsigned)?;
            Some(())
        })?;
        Some(split)
    }

    fn output_tokens_details(&mut self) -> Option<OutputDetails> {
        let mut details = OutputDetails::default();
        let mut seen = Seen::default();
        self.object(|scanner, key| match key {
            "thinking_tokens" => {
                seen.first(0)?;
                details.thinking_tokens = scanner.nullable(Scanner::unsigned)?;
                Some(())
            }
            _ => scanner.skip(0),
        })?;
        Some(details)
    }
}
