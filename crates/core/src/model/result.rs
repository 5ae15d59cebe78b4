//! One result format for every provider: normalized content, finish reason and usage, with the
//! provider's own body kept untouched in `raw`.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

#[cfg(feature = "tsify")]
use tsify::Tsify;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "snake_case")]
pub enum ResultStatus {
    Succeeded,
    Errored,
    Cancelled,
    Expired,
}

/// One vocabulary for why generation stopped, whatever the provider called it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// Natural end of the turn or a stop sequence.
    Stop,
    /// The output-token limit was reached.
    Length,
    /// The model asked for tool calls.
    ToolCalls,
    /// Output was withheld by a safety or content filter, or refused.
    ContentFilter,
    /// Anything else; `rawFinishReason` says what.
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutputPart {
    Text {
        text: String,
    },
    /// Model reasoning ("thinking" for Anthropic, thought parts for Gemini, reasoning content for
    /// OpenAI-compatible servers).
    Reasoning {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "tsify", tsify(optional))]
        signature: Option<String>,
        /// The provider whose reasoning this is (every reader records it; a signature only its maker
        /// verifies): sent to another provider, the signature is left out.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "tsify", tsify(optional, type = "Provider"))]
        provider: Option<String>,
    },
    ToolCall {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "tsify", tsify(optional))]
        id: Option<String>,
        name: String,
        /// The arguments as the model produced them (parsed when they were a JSON string).
        #[cfg_attr(feature = "tsify", tsify(type = "unknown"))]
        arguments: Value,
        /// Gemini's `thoughtSignature` on the call, to send back with it in the next turn.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "tsify", tsify(optional))]
        signature: Option<String>,
        /// The provider that made `signature` (set only with a signature).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "tsify", tsify(optional, type = "Provider"))]
        provider: Option<String>,
    },
    /// The model refused: OpenAI's `refusal` text, Anthropic's `stop_reason: "refusal"` (its
    /// `stop_details.explanation` as `text`), Gemini's safety stops and blocked prompts (the
    /// candidate's `finishMessage` as `text`; empty when the provider gives no words).
    Refusal {
        text: String,
        /// Why, in the provider's words: Anthropic's `stop_details.category`, Gemini's
        /// `finishReason` or `promptFeedback.blockReason`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "tsify", tsify(optional))]
        category: Option<String>,
    },
    /// Reasoning the provider returns encrypted (Anthropic `redacted_thinking`, a Responses
    /// reasoning item's `encrypted_content`); `data` must be sent back unchanged in a later turn.
    RedactedReasoning {
        data: String,
        /// The provider that encrypted it (`anthropic`, `openai`): only that provider can read it,
        /// so sent to another, it is left out.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "tsify", tsify(optional, type = "Provider"))]
        provider: Option<String>,
    },
}

/// Token usage with one meaning for every provider and body shape (the provider's own numbers stay
/// in `raw`):
///
/// - `input_tokens`: every prompt token, cache reads and cache writes included (Anthropic's
///   `input_tokens` alone excludes both, so its three input counts are added; Gemini's tool-use
///   prompt tokens are added to `promptTokenCount`).
/// - `output_tokens`: every generated token, reasoning included (Gemini's `candidatesTokenCount`
///   excludes thoughts, so `thoughtsTokenCount` is added).
/// - `cache_read_tokens`, `cache_write_tokens`, `reasoning_tokens`: parts of the two above, present
///   where the provider reports them; `cache_write_1h_tokens` is the part of `cache_write_tokens`
///   written to a 1-hour cache entry (Anthropic `ttl: "1h"`, priced higher than a 5-minute write).
/// - `total_tokens`: always `input_tokens + output_tokens`, also for providers that report no total
///   (Anthropic), so the sum holds everywhere; a provider total that disagrees stays in `raw`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    /// Every prompt token, cache reads and writes included.
    pub input_tokens: u64,
    /// Every generated token, reasoning included.
    pub output_tokens: u64,
    /// `input_tokens + output_tokens`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub total_tokens: Option<u64>,
    /// The part of `input_tokens` served from a prompt cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub cache_read_tokens: Option<u64>,
    /// The part of `input_tokens` written to a prompt cache, of any lifetime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub cache_write_tokens: Option<u64>,
    /// The part of `cache_write_tokens` written to a 1-hour cache entry (Anthropic's
    /// `cache_creation.ephemeral_1h_input_tokens`, a breakpoint with `ttl: "1h"`), priced at the
    /// 1-hour write rate (Anthropic: 2× input, against 1.25× for the 5-minute rest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub cache_write_1h_tokens: Option<u64>,
    /// The part of `output_tokens` spent on reasoning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub reasoning_tokens: Option<u64>,
}

impl Usage {
    /// A usage from the provider's counts once they mean what the fields say; the total is their sum.
    pub fn from_totals(input_tokens: u64, output_tokens: u64) -> Usage {
        Usage {
            input_tokens,
            output_tokens,
            total_tokens: Some(input_tokens.saturating_add(output_tokens)),
            ..Usage::default()
        }
    }
}

/// A successful response, normalized. `raw` is the provider's body, untouched.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct UnifiedResponse {
    /// All text parts joined.
    pub text: String,
    pub content: Vec<OutputPart>,
    pub finish_reason: FinishReason,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub raw_finish_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub usage: Option<Usage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub id: Option<String>,
    /// The answer's JSON, parsed, when the request asked for JSON (`responseFormat`). Results read
    /// without knowing the requests (a plain decode of a result file) fall back to parsing any text
    /// that is a JSON object or array.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional, type = "unknown"))]
    pub parsed: Option<Value>,
    /// Why the answer to a request that asked for JSON does not parse (for example cut off by the
    /// token limit: `finishReason` is then `length`). Reported here, never thrown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub parse_error: Option<String>,
    /// Every answer, in the provider's order, when more than one came back (`candidateCount` > 1:
    /// OpenAI, Mistral and vLLM `choices`, Gemini `candidates`). The first is also the response's
    /// own `text`, `content`, `finishReason` and `parsed`; `usage` covers all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub candidates: Option<Vec<Candidate>>,
    /// Embedding batches: one vector per input, in input order (mapped by the provider's `index`).
    /// Chat and Responses answers have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub embeddings: Option<Vec<Vec<f64>>>,
    #[cfg_attr(feature = "tsify", tsify(type = "unknown"))]
    pub raw: Box<RawValue>,
}

/// One of several answers to a request (see [`UnifiedResponse::candidates`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Candidate {
    /// The provider's index of the answer (`choices[].index`, `candidates[].index`).
    pub index: u32,
    /// All text parts joined.
    pub text: String,
    pub content: Vec<OutputPart>,
    pub finish_reason: FinishReason,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub raw_finish_reason: Option<String>,
    /// As [`UnifiedResponse::parsed`], for this answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional, type = "unknown"))]
    pub parsed: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub parse_error: Option<String>,
}

/// Reads `text` as the JSON answer a request asked for: the value, or why it is not JSON.
fn parse_json_answer(
    text: &str,
    content: &[OutputPart],
    finish_reason: FinishReason,
) -> (Option<Value>, Option<String>) {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        // An answer made of tool calls has no JSON text to read, and that is not an error.
        if content.iter().any(|part| matches!(part, OutputPart::ToolCall { .. })) {
            return (None, None);
        }
        let why = if finish_reason == FinishReason::ContentFilter { " (it was filtered or refused)" } else { "" };
        return (None, Some(format!("the answer has no text to read as JSON{why}")));
    }
    match crate::providers::lone_surrogates::value_of(trimmed) {
        Ok(value) => (Some(value), None),
        Err(error) => {
            let cut =
                if finish_reason == FinishReason::Length { " (the answer was cut off by the token limit)" } else { "" };
            (None, Some(format!("the answer is not valid JSON{cut}: {error}")))
        }
    }
}

/// Whether a text looks like a JSON object or array (the fallback when the request is not known).
pub(crate) fn looks_like_json(text: &str) -> bool {
    // Most answers start with a visible ASCII character, which decides at once; only a text that
    // starts with whitespace or a non-ASCII byte is trimmed (by the same Unicode rule as before).
    match text.as_bytes().first() {
        Some(b'{' | b'[') => true,
        Some(&byte) if byte.is_ascii() && !byte.is_ascii_whitespace() && byte != 0x0B => false,
        None => false,
        Some(_) => matches!(text.trim_start().as_bytes().first(), Some(b'{' | b'[')),
    }
}

impl UnifiedResponse {
    /// An embeddings answer: one vector per input, in input order (`embeddings`), no text, finish
    /// reason `stop`, and the provider's body as `raw`.
    pub fn embeddings_answer(
        embeddings: Vec<Vec<f64>>,
        usage: Option<Usage>,
        model: Option<String>,
        id: Option<String>,
        raw: Box<RawValue>,
    ) -> Self {
        UnifiedResponse {
            candidates: None,
            text: String::new(),
            content: Vec::new(),
            finish_reason: FinishReason::Stop,
            raw_finish_reason: None,
            usage,
            model,
            id,
            parsed: None,
            parse_error: None,
            embeddings: Some(embeddings),
            raw,
        }
    }

    /// Fills `parsed` or `parse_error` (of every candidate too) for a request that asked for JSON.
    pub fn with_json_answer(mut self) -> Self {
        self.read_json_answer();
        self
    }

    /// [`UnifiedResponse::with_json_answer`] in place (a response is large: a decoder fills it
    /// where it lies rather than moving it through).
    pub fn read_json_answer(&mut self) {
        (self.parsed, self.parse_error) = parse_json_answer(&self.text, &self.content, self.finish_reason);
        for candidate in self.candidates.iter_mut().flatten() {
            (candidate.parsed, candidate.parse_error) =
                parse_json_answer(&candidate.text, &candidate.content, candidate.finish_reason);
        }
    }

    /// The fallback when the request is not known: a text that is a JSON object or array is read
    /// as a JSON answer; any other text is left alone.
    pub fn with_parsed_json(mut self) -> Self {
        self.read_json_looking_answer();
        self
    }

    /// [`UnifiedResponse::with_parsed_json`] in place.
    pub fn read_json_looking_answer(&mut self) {
        let any = looks_like_json(&self.text)
            || self.candidates.iter().flatten().any(|candidate| looks_like_json(&candidate.text));
        if !any {
            return;
        }
        self.read_json_answer();
        if !looks_like_json(&self.text) {
            (self.parsed, self.parse_error) = (None, None);
        }
        for candidate in self.candidates.iter_mut().flatten() {
            if !looks_like_json(&candidate.text) {
                (candidate.parsed, candidate.parse_error) = (None, None);
            }
        }
    }
}

/// Why one request has no response.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct ResultError {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub http_status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub request_id: Option<String>,
    /// Whether sending the same request again may succeed.
    pub retryable: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional, type = "unknown"))]
    pub raw: Option<Box<RawValue>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct UnifiedResult {
    pub custom_id: String,
    pub status: ResultStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub response: Option<UnifiedResponse>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub error: Option<ResultError>,
    /// Present only when the provider did not echo the request's key with this answer (Gemini inline
    /// answers without `metadata`, file lines without `key`): how `custom_id` was chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub attribution: Option<Attribution>,
}

/// How an answer without an echoed key was linked to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Attribution {
    pub by: AttributedBy,
    /// The answer's 0-based position in the provider's output.
    pub position: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "snake_case")]
pub enum AttributedBy {
    /// `custom_id` is the id submitted at the same position. Providers document that answers keep
    /// the requests' order, but large inline Gemini jobs were seen to break it: trust it less than a key.
    Position,
    /// No link was possible (no submitted order known, or the counts or echoed keys disagree):
    /// `custom_id` is empty and the answer is returned so that it is not lost.
    None,
}

impl UnifiedResult {
    pub fn errored(custom_id: String, error: ResultError) -> Self {
        UnifiedResult {
            custom_id,
            status: ResultStatus::Errored,
            response: None,
            error: Some(error),
            attribution: None,
        }
    }

    pub fn succeeded(custom_id: String, response: UnifiedResponse) -> Self {
        UnifiedResult {
            custom_id,
            status: ResultStatus::Succeeded,
            response: Some(response),
            error: None,
            attribution: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::looks_like_json;

    /// The first-byte shortcut answers as trimming the whole text did, for every leading byte.
    #[test]
    fn looks_like_json_agrees_with_trimming_the_text() {
        let trimmed = |text: &str| {
            let text = text.trim();
            text.starts_with('{') || text.starts_with('[')
        };
        let mut texts: Vec<String> = vec![String::new(), " ".into(), "\u{85}".into(), "\u{a0}[1]".into()];
        for lead in ['\u{0}', '\t', '\n', '\u{b}', '\u{c}', '\r', '\u{1c}', ' ', '\u{85}', '\u{a0}', '\u{3000}', 'é'] {
            for rest in ["", "{}", "[1]", "x", " {", "\u{2028}["] {
                texts.push(format!("{lead}{rest}"));
                texts.push(format!("{lead}{lead}{rest}"));
            }
        }
        texts.extend((0..=0x7f_u8).map(|byte| format!("{}{{\"a\":1}}", char::from(byte))));
        texts.extend((0..=0x7f_u8).map(|byte| format!("{}", char::from(byte))));
        for text in &texts {
            assert_eq!(looks_like_json(text), trimmed(text), "{text:?}");
        }
    }
}
