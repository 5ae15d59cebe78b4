//! Estimating a request's tokens before it is sent, without a tokenizer.
//!
//! Method (fitted against OpenAI's `o200k_base` encoding on this repository's own text, code and
//! JSON; `bench/token-estimate.mjs` measures the error on other files of each kind, on non-Latin
//! scripts and on requests with images): text is cut into runs of one character class, and each
//! run is charged what a byte-pair encoder typically spends on it:
//! - a word of Latin letters (accented ones included) costs one token per [`LETTERS_PER_TOKEN`]
//!   letters, at least one — common words are one token whatever their length;
//! - digits are encoded in groups of at most three;
//! - punctuation and symbols: one token per [`SYMBOLS_PER_TOKEN`] characters, at least one;
//! - a single space or line break merges into its neighbour (nothing); a longer run of spaces
//!   (indentation) costs [`INDENT_TOKENS`];
//! - Chinese, Japanese and Korean characters cost [`WIDE_TOKENS_PER_CHARACTER`] each, emoji
//!   [`EMOJI_TOKENS_PER_CHARACTER`];
//! - a word of another alphabet costs one token per [`OTHER_LETTERS_PER_TOKEN`] letters
//!   (Cyrillic [`CYRILLIC_LETTERS_PER_TOKEN`], Thai [`THAI_LETTERS_PER_TOKEN`]).
//!
//! Every message adds [`TOKENS_PER_MESSAGE`] for its role and separators, a request
//! [`TOKENS_PER_REQUEST`] for the reply's priming (OpenAI's chat format). An image or a document
//! is not decoded (its size is not known without decoding it), so each counts
//! [`EstimateOptions::media_tokens`]; that part is not measured against a tokenizer. Other
//! providers' tokenizers are not available offline, so their error is not measured either.

use serde::{Deserialize, Serialize};

#[cfg(feature = "tsify")]
use tsify::Tsify;

use crate::model::{ContentPartRef, UnifiedRequest};

/// Latin letters per token in a word.
pub const LETTERS_PER_TOKEN: f64 = 8.0;
/// Letters per token in a word of an alphabet other than Latin, Cyrillic or Thai.
pub const OTHER_LETTERS_PER_TOKEN: f64 = 3.5;
/// Cyrillic letters per token (`o200k_base` has many Cyrillic words).
pub const CYRILLIC_LETTERS_PER_TOKEN: f64 = 4.5;
/// Thai letters per token (Thai writes no spaces between words, so runs are long).
pub const THAI_LETTERS_PER_TOKEN: f64 = 2.5;
/// Punctuation characters per token (`",` and `":` merge into one token, operators too).
pub const SYMBOLS_PER_TOKEN: f64 = 5.0;
/// Tokens of a run of two or more spaces or tabs.
pub const INDENT_TOKENS: f64 = 0.25;
/// Tokens per Chinese, Japanese or Korean character.
pub const WIDE_TOKENS_PER_CHARACTER: f64 = 0.7;
/// Tokens per emoji or pictograph.
pub const EMOJI_TOKENS_PER_CHARACTER: f64 = 2.0;
/// Role and separator tokens around each message (OpenAI's chat format).
pub const TOKENS_PER_MESSAGE: u64 = 3;
/// Tokens that prime the reply, once per request.
pub const TOKENS_PER_REQUEST: u64 = 3;
/// Tokens assumed for an image or a document when the caller gives no figure (a choice, not a
/// provider fact: a mid-sized image; set `mediaTokens` for your inputs).
pub const DEFAULT_MEDIA_TOKENS: u64 = 1_000;

/// Settings of the estimate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct EstimateOptions {
    /// Tokens counted for each image or document (default [`DEFAULT_MEDIA_TOKENS`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub media_tokens: Option<u64>,
    /// The most output tokens of a request that sets no `maxTokens`; without it such a request's
    /// worst case is unknown and the job's highest cost is left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub default_max_output_tokens: Option<u64>,
}

#[derive(Clone, Copy, PartialEq)]
enum CharacterClass {
    Letter,
    Cyrillic,
    Thai,
    OtherLetter,
    Digit,
    Symbol,
    Space,
    Wide,
    Emoji,
}

fn class_of(character: char) -> CharacterClass {
    match character {
        'a'..='z' | 'A'..='Z' | '\u{C0}'..='\u{24F}' if character.is_alphabetic() => CharacterClass::Letter,
        '0'..='9' => CharacterClass::Digit,
        _ if character.is_whitespace() => CharacterClass::Space,
        _ if character.is_ascii() => CharacterClass::Symbol,
        '\u{400}'..='\u{52F}' => CharacterClass::Cyrillic,
        '\u{E00}'..='\u{E7F}' => CharacterClass::Thai,
        '\u{2600}'..='\u{27BF}' | '\u{1F000}'..='\u{1FAFF}' => CharacterClass::Emoji,
        _ if is_wide(character) => CharacterClass::Wide,
        // Combining marks belong to the word they sit in (Devanagari vowel signs).
        _ if character.is_alphabetic() || is_combining_mark(character) => CharacterClass::OtherLetter,
        _ => CharacterClass::Symbol,
    }
}

/// Han, kana, Hangul and CJK punctuation: about a token per character or less.
fn is_wide(character: char) -> bool {
    matches!(character as u32,
        0x1100..=0x11FF | 0x2E80..=0x9FFF | 0xA960..=0xA97F | 0xAC00..=0xD7FF | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
}

fn is_combining_mark(character: char) -> bool {
    matches!(character as u32, 0x0300..=0x036F | 0x0900..=0x0DFF | 0x0E00..=0x0FFF)
}

fn run_tokens(class: CharacterClass, length: usize) -> f64 {
    let length = length as f64;
    match class {
        CharacterClass::Letter => (length / LETTERS_PER_TOKEN).ceil(),
        CharacterClass::Cyrillic => (length / CYRILLIC_LETTERS_PER_TOKEN).ceil(),
        CharacterClass::Thai => (length / THAI_LETTERS_PER_TOKEN).ceil(),
        CharacterClass::OtherLetter => (length / OTHER_LETTERS_PER_TOKEN).ceil(),
        CharacterClass::Digit => (length / 3.0).ceil(),
        CharacterClass::Symbol => (length / SYMBOLS_PER_TOKEN).ceil(),
        CharacterClass::Space if length >= 2.0 => INDENT_TOKENS,
        CharacterClass::Space => 0.0,
        CharacterClass::Wide => length * WIDE_TOKENS_PER_CHARACTER,
        CharacterClass::Emoji => length * EMOJI_TOKENS_PER_CHARACTER,
    }
}

/// The estimated tokens of a piece of text.
pub fn estimate_text_tokens(text: &str) -> u64 {
    let mut total = 0.0;
    let mut current: Option<(CharacterClass, usize)> = None;
    for character in text.chars() {
        let class = class_of(character);
        current = match current {
            Some((run_class, length)) if run_class == class => Some((run_class, length + 1)),
            Some((run_class, length)) => {
                total += run_tokens(run_class, length);
                Some((class, 1))
            }
            None => Some((class, 1)),
        };
    }
    if let Some((run_class, length)) = current {
        total += run_tokens(run_class, length);
    }
    total.round() as u64
}

/// The estimated input tokens of a request: its system prompt, messages and media.
pub fn estimate_input_tokens(request: &UnifiedRequest, options: &EstimateOptions) -> u64 {
    let media_tokens = options.media_tokens.unwrap_or(DEFAULT_MEDIA_TOKENS);
    let mut total = TOKENS_PER_REQUEST;
    if let Some(system) = &request.system_prompt {
        total += TOKENS_PER_MESSAGE + system.parts().iter().map(|part| estimate_text_tokens(part)).sum::<u64>();
    }
    for message in &request.messages {
        total += TOKENS_PER_MESSAGE;
        for part in message.content.parts() {
            total += match part {
                ContentPartRef::Text(text) => estimate_text_tokens(text),
                ContentPartRef::Image(_) | ContentPartRef::Document(_) => media_tokens,
                // A replayed call is its name and its arguments as the model wrote them (JSON).
                ContentPartRef::ToolCall(call) => {
                    estimate_text_tokens(&call.name) + estimate_text_tokens(&call.arguments.to_string())
                }
                ContentPartRef::ToolResult(result) => estimate_text_tokens(&result.text()),
                ContentPartRef::Reasoning(reasoning) => estimate_text_tokens(&reasoning.text),
                // Encrypted reasoning is sent back as it came; its size says little about its
                // tokens, so it is counted as text of the same length (an upper bound, roughly).
                ContentPartRef::RedactedReasoning(data) => estimate_text_tokens(data),
            };
        }
    }
    total
}

/// The most output tokens a request may use: its `maxTokens`, or the caller's default, or
/// `None` when neither bounds it.
pub fn max_output_tokens(request: &UnifiedRequest, options: &EstimateOptions) -> Option<u64> {
    request
        .generation_config
        .as_ref()
        .and_then(|config| config.max_tokens)
        .map(u64::from)
        .or(options.default_max_output_tokens)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(value: serde_json::Value) -> UnifiedRequest {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn english_words_cost_about_one_token_each() {
        // "The quick brown fox jumps over the lazy dog." is 10 tokens in o200k_base.
        assert_eq!(estimate_text_tokens("The quick brown fox jumps over the lazy dog."), 10);
    }

    #[test]
    fn long_words_digits_and_wide_characters_cost_more() {
        assert_eq!(estimate_text_tokens("internationalization"), 3);
        assert_eq!(estimate_text_tokens("1234567"), 3);
        assert_eq!(estimate_text_tokens("東京都は大きい"), 5);
        assert_eq!(estimate_text_tokens("🚀🚀"), 4);
        assert_eq!(estimate_text_tokens("привет"), 2);
        assert_eq!(estimate_text_tokens(""), 0);
    }

    #[test]
    fn a_request_counts_messages_system_prompt_and_media() {
        let text_only =
            request(json!({"customId": "a", "model": "m", "messages": [{"role": "user", "content": "Hello"}]}));
        assert_eq!(estimate_input_tokens(&text_only, &EstimateOptions::default()), 3 + 3 + 1);
        let with_image = request(json!({"customId": "b", "model": "m", "systemPrompt": "Be brief",
            "messages": [{"role": "user", "content": [{"type": "text", "text": "Hello"},
                {"type": "image", "sourceType": "url", "data": "https://example.com/a.png"}]}]}));
        let options = EstimateOptions { media_tokens: Some(500), ..EstimateOptions::default() };
        assert_eq!(estimate_input_tokens(&with_image, &options), 3 + (3 + 2) + 3 + 1 + 500);
    }

    #[test]
    fn the_output_bound_is_max_tokens_or_the_default() {
        let bounded =
            request(json!({"customId": "a", "model": "m", "messages": [], "generationConfig": {"maxTokens": 50}}));
        let unbounded = request(json!({"customId": "b", "model": "m", "messages": []}));
        let options = EstimateOptions { default_max_output_tokens: Some(900), ..EstimateOptions::default() };
        assert_eq!(max_output_tokens(&bounded, &options), Some(50));
        assert_eq!(max_output_tokens(&unbounded, &options), Some(900));
        assert_eq!(max_output_tokens(&unbounded, &EstimateOptions::default()), None);
    }
}
