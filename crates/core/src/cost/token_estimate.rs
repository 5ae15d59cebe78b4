//! Estimating a request's tokens before it is sent, without a tokenizer.
//!
//! Method: text is cut into the pieces a byte-pair encoder's pre-tokenizer would make (a
//! simplified form of OpenAI's `o200k_base` pattern: a word with the space or the single
//! punctuation mark before it, a run of punctuation with the line breaks after it, digits in
//! groups of three, line breaks, runs of spaces), each piece gets a class (its script: Latin,
//! accented Latin, Cyrillic, Greek, Arabic, Hebrew, Devanagari, other Indic scripts, Thai, Hangul,
//! Chinese and Japanese, Georgian and Armenian, other scripts; digits; ASCII punctuation; other
//! symbols; emoji; spaces; line breaks), and each piece costs the mean tokens that pieces of its
//! class and length cost in `o200k_base`. That table ([`super::token_costs`]) is fitted by
//! `bench/fit-token-estimate.mjs` on a tuning corpus (prose, Markdown, JavaScript, Rust, JSON,
//! 37 texts in 25 languages and scripts, emoji); `bench/token-estimate.mjs` measures the error on
//! held-out text the table was not fitted on (the README gives the figures).
//!
//! Every message adds [`TOKENS_PER_MESSAGE`] for its role and separators, a request
//! [`TOKENS_PER_REQUEST`] for the reply's priming (OpenAI's chat format). An image or a document
//! is not decoded (its size is not known without decoding it), so each counts
//! [`EstimateOptions::media_tokens`]; that part is not measured against a tokenizer. Other
//! providers' tokenizers are not published for offline use (Anthropic and Gemini count tokens
//! through an API call), so the error against them is not measured; a caller who needs their
//! count supplies a counter (`countTokens` in the package), and the estimate then uses the
//! counts it is given ([`EstimateOptions::input_tokens`]).

use serde::{Deserialize, Serialize};

#[cfg(feature = "tsify")]
use tsify::Tsify;

use super::token_costs::{Class, COSTS};
use crate::json_value_text::compact;
use crate::model::{ContentPartRef, ToolChoice, UnifiedRequest};
use serde_json::Value;

/// Role and separator tokens around each message (OpenAI's chat format).
pub const TOKENS_PER_MESSAGE: u64 = 3;
/// Tokens that prime the reply, once per request.
pub const TOKENS_PER_REQUEST: u64 = 3;
/// Tokens assumed for an image or a document when the caller gives no figure (a choice, not a
/// provider fact: a mid-sized image; set `mediaTokens` for your inputs).
pub const DEFAULT_MEDIA_TOKENS: u64 = 1_000;

/// Settings of the estimate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
    /// Each request's input tokens as the caller counted them (a real tokenizer or a provider's
    /// count endpoint), in request order; they replace the estimate. Must have one entry per request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub input_tokens: Option<Vec<u64>>,
}

/// Which class a character belongs to; `None` for a zero-width joiner (it takes its neighbour's).
fn class_of(character: char) -> Option<Class> {
    let code = character as u32;
    Some(match character {
        'a'..='z' | 'A'..='Z' => Class::Latin,
        '0'..='9' => Class::Digits,
        '\n' | '\r' => Class::Newlines,
        ' ' | '\t' => Class::Spaces,
        _ if character.is_ascii() => {
            if code < 0x20 {
                Class::Spaces
            } else {
                Class::Symbols
            }
        }
        _ if character.is_whitespace() => Class::Spaces,
        '\u{300}'..='\u{36F}' | '\u{1E00}'..='\u{1EFF}' => Class::Latin,
        '\u{C0}'..='\u{24F}' if character != '\u{D7}' && character != '\u{F7}' => Class::Latin,
        '\u{370}'..='\u{3FF}' | '\u{1F00}'..='\u{1FFF}' => Class::Greek,
        '\u{400}'..='\u{52F}' => Class::Cyrillic,
        '\u{590}'..='\u{5FF}' => Class::Hebrew,
        '\u{600}'..='\u{6FF}' | '\u{750}'..='\u{77F}' | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}' => {
            script_letter(character, Class::Arabic)
        }
        '\u{900}'..='\u{97F}' => script_letter(character, Class::Devanagari),
        '\u{980}'..='\u{DFF}' => script_letter(character, Class::Indic),
        '\u{E00}'..='\u{E7F}' => script_letter(character, Class::Thai),
        '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}' | '\u{AC00}'..='\u{D7AF}' => Class::Hangul,
        '\u{3040}'..='\u{30FF}' | '\u{3400}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{3FFFF}' => {
            Class::Wide
        }
        '\u{2600}'..='\u{27BF}' | '\u{1F000}'..='\u{1FAFF}' | '\u{FE0F}' => Class::Emoji,
        '\u{200C}' | '\u{200D}' => return None,
        // Georgian and Armenian: alphabets the encoder has learned; other scripts fall to bytes.
        '\u{530}'..='\u{58F}' | '\u{10A0}'..='\u{10FF}' | '\u{1C90}'..='\u{1CBF}' => Class::OtherLetter,
        _ if character.is_numeric() => Class::Digits,
        _ if character.is_alphabetic() => Class::RareLetter,
        _ => Class::OtherSymbols,
    })
}

/// Punctuation inside the Arabic, Indic and Thai blocks (commas, full stops, dandas, currency).
const SCRIPT_PUNCTUATION: [u32; 15] =
    [0x60C, 0x61B, 0x61F, 0x66A, 0x66B, 0x66C, 0x66D, 0x6D4, 0x964, 0x965, 0x970, 0xE3F, 0xE4F, 0xE5A, 0xE5B];

/// In a script's block every character is one of its letters (marks included) but digits and
/// punctuation.
fn script_letter(character: char, script: Class) -> Class {
    if character.is_numeric() {
        Class::Digits
    } else if SCRIPT_PUNCTUATION.contains(&(character as u32)) {
        Class::OtherSymbols
    } else {
        script
    }
}

fn is_letter(class: Class) -> bool {
    !matches!(
        class,
        Class::Digits | Class::Symbols | Class::OtherSymbols | Class::Emoji | Class::Spaces | Class::Newlines
    )
}

fn piece_tokens(class: Class, length: usize) -> f64 {
    let costs = &COSTS[class as usize];
    let table = costs.by_length.len();
    let cost = match length {
        0 => 0.0,
        _ if length <= table => costs.by_length[length - 1],
        _ => costs.by_length[table - 1] + (length - table) as f32 * costs.per_character_beyond,
    };
    f64::from(cost)
}

/// The estimated tokens of a piece of text (see the module's method).
pub fn estimate_text_tokens(text: &str) -> u64 {
    if text.is_empty() {
        return 0;
    }
    let mut characters: Vec<(char, Class)> = Vec::with_capacity(text.len());
    for character in text.chars() {
        // A joiner (zero-width) belongs to the run it sits in.
        let class =
            class_of(character).unwrap_or_else(|| characters.last().map_or(Class::OtherSymbols, |&(_, class)| class));
        characters.push((character, class));
    }
    let class_at = |index: usize| characters.get(index).map(|&(_, class)| class);
    let mut total = 0.0;
    let mut index = 0;
    let mut previous: Option<Class> = None;
    while index < characters.len() {
        let (character, class) = characters[index];
        let following = class_at(index + 1);
        match class {
            Class::Digits => {
                let mut end = index;
                while end < characters.len() && characters[end].1 == Class::Digits && end - index < 3 {
                    end += 1;
                }
                total += piece_tokens(Class::Digits, end - index);
                index = end;
                previous = Some(Class::Digits);
                continue;
            }
            Class::Newlines => {
                index = skip_line_breaks(&characters, index);
                total += piece_tokens(Class::Newlines, 1);
                previous = Some(Class::Newlines);
                continue;
            }
            _ => {}
        }
        // A single space, or a single mark after a letter or digit, joins the word that follows.
        let follows_word = previous.is_some_and(|previous| is_letter(previous) || previous == Class::Digits);
        let prefix = match (class, following) {
            (Class::Spaces, Some(next))
                if character == ' '
                    && (is_letter(next) || matches!(next, Class::Symbols | Class::OtherSymbols | Class::Emoji)) =>
            {
                1
            }
            (Class::Symbols, Some(next)) if is_letter(next) && follows_word => 1,
            _ => 0,
        };
        if class == Class::Spaces && prefix == 0 {
            let mut end = index;
            while end < characters.len() && characters[end].1 == Class::Spaces {
                end += 1;
            }
            let next = class_at(end);
            if next == Some(Class::Newlines) {
                // Spaces before a line break go with it.
                index = skip_line_breaks(&characters, index);
                total += piece_tokens(Class::Newlines, 1);
                previous = Some(Class::Newlines);
                continue;
            }
            // The last space of a run joins a following word or run of marks.
            if end - index >= 2 && next.is_some() && next != Some(Class::Digits) {
                end -= 1;
            }
            total += piece_tokens(Class::Spaces, end - index);
            index = end;
            previous = Some(Class::Spaces);
            continue;
        }
        let body = index + prefix;
        let body_class = characters[body].1;
        let mut end = body + 1;
        if is_letter(body_class) {
            let beyond_ascii = |character: char| !character.is_ascii() && class_of(character).is_some();
            let mut accented = beyond_ascii(characters[body].0);
            // A word ends where its script changes, or at a capital after a small letter (camelCase).
            while end < characters.len()
                && characters[end].1 == body_class
                && !(body_class == Class::Latin
                    && characters[end].0.is_uppercase()
                    && characters[end - 1].0.is_lowercase())
            {
                accented |= beyond_ascii(characters[end].0);
                end += 1;
            }
            // A Latin word with a letter beyond ASCII splits into more tokens than an ASCII one.
            let class = if body_class == Class::Latin && accented { Class::Accented } else { body_class };
            total += piece_tokens(class, end - body);
        } else {
            while end < characters.len() && characters[end].1 == body_class {
                end += 1;
            }
            total += piece_tokens(body_class, end - body);
            // The line breaks right after a run of marks are part of it.
            while end < characters.len() && characters[end].1 == Class::Newlines {
                end += 1;
            }
        }
        index = end;
        previous = Some(body_class);
    }
    total.round() as u64
}

/// The end of the line-break piece that starts at `start`: spaces and line breaks up to the last
/// line break (indentation after it is a piece of its own).
fn skip_line_breaks(characters: &[(char, Class)], start: usize) -> usize {
    let mut end = start;
    let mut last_break = start;
    while end < characters.len() && matches!(characters[end].1, Class::Newlines | Class::Spaces) {
        if characters[end].1 == Class::Newlines {
            last_break = end + 1;
        }
        end += 1;
    }
    last_break
}

/// A request's input as a tokenizer sees it: the tokens that do not depend on the text (the chat
/// format's per-request and per-message tokens, and the figure for each image or document) and
/// the texts to count (system prompt, message text, tool calls and results, reasoning, then the
/// tools, tool choice, structured-output schema and `providerKwargs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct InputParts {
    pub fixed_tokens: u64,
    pub texts: Vec<String>,
}

/// Calls `text` with each piece of text of a request's input, and returns its fixed tokens. An
/// embeddings request's input is its texts alone: no chat format around them (OpenAI counts an
/// embeddings request's `prompt_tokens` from the texts, endpoints-and-push.md §1.1); its
/// `providerKwargs` are counted too (see [`visit_definitions`]).
// One copy of the walk for both callers (a `dyn` closure, not a generic one: wasm size).
fn visit_input(request: &UnifiedRequest, options: &EstimateOptions, text: &mut dyn FnMut(&str)) -> u64 {
    if let Some(input) = &request.input {
        input.texts().into_iter().for_each(&mut *text);
        visit_definitions(request, text);
        return 0;
    }
    let media_tokens = options.media_tokens.unwrap_or(DEFAULT_MEDIA_TOKENS);
    let mut fixed = TOKENS_PER_REQUEST;
    if let Some(system) = &request.system_prompt {
        fixed += TOKENS_PER_MESSAGE;
        system.parts().iter().for_each(|part| text(part));
    }
    for message in &request.messages {
        fixed += TOKENS_PER_MESSAGE;
        for part in message.content.parts() {
            match part {
                ContentPartRef::Text(value) => text(value),
                ContentPartRef::Image(_) | ContentPartRef::Document(_) => fixed += media_tokens,
                // A replayed call is its name and its arguments as the model wrote them (JSON).
                ContentPartRef::ToolCall(call) => {
                    text(&call.name);
                    text(&compact(&call.arguments));
                }
                ContentPartRef::ToolResult(result) => text(&result.text()),
                ContentPartRef::Reasoning(reasoning) => text(&reasoning.text),
                // Encrypted reasoning is sent back as it came; its size says little about its
                // tokens, so it is counted as text of the same length (an upper bound, roughly).
                ContentPartRef::RedactedReasoning(redacted) => text(&redacted.data),
            }
        }
    }
    visit_definitions(request, text);
    fixed
}

/// The rest of the prompt: what the provider body carries besides the messages and is billed as
/// input all the same (tools and the structured-output schema are part of the prompt's prefix,
/// reference unified-features.md §4.1). Each tool's name, description and parameters schema (its
/// compact JSON), a named tool choice or the mode, the `responseFormat` schema with its name and
/// description, and every `providerKwargs` entry (its key and its value, a string as it is and
/// anything else as compact JSON: a setting that is not prompt text costs a few tokens too many,
/// never too few). A provider's own overhead for tool use (the system prompt Anthropic adds when
/// tools are given) is not published per model in the reference and is not counted.
fn visit_definitions(request: &UnifiedRequest, text: &mut dyn FnMut(&str)) {
    for tool in request.tools.iter().flatten() {
        text(&tool.name);
        tool.description.as_deref().into_iter().for_each(&mut *text);
        text(&compact(&tool.parameters));
    }
    match &request.tool_choice {
        Some(ToolChoice::Named { name }) => text(name),
        Some(ToolChoice::Mode(mode)) => text(mode.as_str()),
        None => {}
    }
    if let Some(format) = &request.response_format {
        format.name.as_deref().into_iter().chain(format.description.as_deref()).for_each(&mut *text);
        format.schema.iter().for_each(|schema| text(&compact(schema)));
    }
    for (key, value) in request.provider_kwargs.iter().flatten() {
        text(key);
        match value {
            Value::String(value) => text(value),
            value => text(&compact(value)),
        }
    }
}

/// The estimated input tokens of a request: its system prompt, messages and media, its tools,
/// tool choice, structured-output schema and `providerKwargs`.
pub fn estimate_input_tokens(request: &UnifiedRequest, options: &EstimateOptions) -> u64 {
    let mut texts = 0;
    let fixed = visit_input(request, options, &mut |text| texts += estimate_text_tokens(text));
    fixed + texts
}

/// A request's input split for a caller's own token counter: its input tokens are
/// `fixedTokens` + the sum of the counter over `texts`.
pub fn input_parts(request: &UnifiedRequest, options: &EstimateOptions) -> InputParts {
    let mut texts = Vec::new();
    let fixed_tokens = visit_input(request, options, &mut |text| texts.push(text.to_owned()));
    InputParts { fixed_tokens, texts }
}

/// The most output tokens a request may use: its `maxTokens`, or the caller's default, or
/// `None` when neither bounds it.
pub fn max_output_tokens(request: &UnifiedRequest, options: &EstimateOptions) -> Option<u64> {
    if request.input.is_some() {
        // Embeddings produce vectors, not tokens.
        return Some(0);
    }
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
        // "The quick brown fox jumps over the lazy dog." is 10 tokens in o200k_base; each piece
        // costs its class's mean, a little over one for short words.
        assert_eq!(estimate_text_tokens("The quick brown fox jumps over the lazy dog."), 11);
    }

    #[test]
    fn scripts_digits_and_symbols_are_priced_by_their_class() {
        // Real o200k_base counts in comments; the estimate is within a token or two.
        assert_eq!(estimate_text_tokens(""), 0);
        assert_eq!(estimate_text_tokens("1234567"), 3); // 123 456 7
        assert_eq!(estimate_text_tokens("internationalization"), 5); // long words split
        let wide = estimate_text_tokens("東京都は大きい"); // 5
        assert!((4..=6).contains(&wide), "{wide}");
        let emoji = estimate_text_tokens("🚀🚀"); // 4
        assert!((3..=5).contains(&emoji), "{emoji}");
        // A word of an alphabet the encoder has few merges for costs more than an English one.
        assert!(estimate_text_tokens("ሰላም ለዓለም") > estimate_text_tokens("hello world"));
    }

    #[test]
    fn pieces_follow_the_pre_tokenizer() {
        // camelCase splits, a single space or mark joins the word after it, indentation is a piece.
        assert_eq!(estimate_text_tokens("fooBar"), 2);
        assert_eq!(estimate_text_tokens("foo.bar"), 2);
        assert_eq!(estimate_text_tokens("a\n    b"), 4); // a, \n, 3 spaces, " b"
                                                         // A zero-width joiner stays in its word: no piece of its own.
        assert_eq!(estimate_text_tokens("ab\u{200D}cd"), estimate_text_tokens("abxcd"));
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
        let parts = input_parts(&with_image, &options);
        assert_eq!(parts, InputParts { fixed_tokens: 3 + 3 + 3 + 500, texts: vec!["Be brief".into(), "Hello".into()] });
    }

    /// A tool schema of some size: `count` properties, each with a description.
    fn big_schema(count: usize) -> serde_json::Value {
        let properties: serde_json::Map<String, serde_json::Value> = (0..count)
            .map(|index| {
                let description = format!("The value of field number {index} of the record, as the customer wrote it");
                (format!("field_{index}"), json!({"type": "string", "description": description}))
            })
            .collect();
        json!({"type": "object", "properties": properties, "required": ["field_0"], "additionalProperties": false})
    }

    #[test]
    fn tools_tool_choice_schemas_and_provider_kwargs_are_counted() {
        let base = json!({"customId": "a", "model": "m", "messages": [{"role": "user", "content": "Hello"}]});
        let options = EstimateOptions::default();
        let plain = estimate_input_tokens(&request(base.clone()), &options);
        let schema = big_schema(20);
        let schema_tokens = estimate_text_tokens(&compact(&schema));
        assert!(schema_tokens > 300, "{schema_tokens}");
        let with = |key: &str, value: serde_json::Value| {
            let mut with = base.clone();
            with[key] = value;
            estimate_input_tokens(&request(with), &options) - plain
        };
        let tool = json!([{"name": "lookup", "description": "Find a record", "parameters": schema}]);
        assert_eq!(with("tools", tool.clone()), 1 + estimate_text_tokens("Find a record") + schema_tokens);
        let format = json!({"type": "json", "name": "record", "schema": schema});
        assert_eq!(with("responseFormat", format), 1 + schema_tokens);
        let kwargs = json!({"instructions": "Answer in French, politely.", "top_logprobs": 2});
        assert_eq!(
            with("providerKwargs", kwargs),
            estimate_text_tokens("instructions")
                + estimate_text_tokens("Answer in French, politely.")
                + estimate_text_tokens("top_logprobs")
                + 1
        );
        let mut named = base.clone();
        named["tools"] = tool;
        named["toolChoice"] = json!({"name": "lookup"});
        let parts = input_parts(&request(named), &options);
        let texts: Vec<&str> = parts.texts.iter().map(String::as_str).collect();
        assert_eq!(texts, ["Hello", "lookup", "Find a record", compact(&schema).as_str(), "lookup"]);
        // An embeddings request's settings in providerKwargs are counted too.
        let embedding = json!({"customId": "e", "model": "m", "input": "Hello", "providerKwargs": {"user": "u-1"}});
        let embedding = input_parts(&request(embedding), &options);
        assert_eq!(embedding, InputParts { fixed_tokens: 0, texts: vec!["Hello".into(), "user".into(), "u-1".into()] });
    }

    /// The least the estimate counts per byte of JSON a feature adds to the provider's body: one
    /// token per [`BYTES_PER_TOKEN_BOUND`] bytes. Real tokenizers cut JSON schemas into about
    /// one token per 3 to 4 bytes; a converted body also adds wrapping (`"type":"function"`…) that
    /// a provider renders otherwise, so the bound is looser than the tokenizer.
    const BYTES_PER_TOKEN_BOUND: usize = 6;

    #[test]
    fn every_feature_sent_in_the_body_is_counted_on_every_provider() {
        use crate::test_support::{bodies, request_for};
        use crate::Provider;
        let schema = compact(&big_schema(12));
        let tool = format!(
            r#""tools": [{{"name": "lookup", "description": "Find the customer's record by the fields they gave", "parameters": {schema}}}]"#
        );
        let features = [
            ("tools", tool.clone()),
            ("tools and toolChoice", format!(r#"{tool}, "toolChoice": {{"name": "lookup"}}"#)),
            (
                "responseFormat",
                format!(
                    r#""responseFormat": {{"type": "json", "name": "record", "description": "The customer's record", "schema": {schema}}}"#
                ),
            ),
        ];
        let kwargs = [
            (
                Provider::OpenAI,
                r#""providerKwargs": {"prediction": {"type": "content", "content": "The customer record, as it was stored last week, with every field the form asks for"}}"#,
            ),
            (
                Provider::Anthropic,
                r#""providerKwargs": {"metadata": {"user_id": "customer-record-lookup-service-with-a-long-identifier"}}"#,
            ),
            (
                Provider::Google,
                r#""providerKwargs": {"safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_ONLY_HIGH"}, {"category": "HARM_CATEGORY_HATE_SPEECH", "threshold": "BLOCK_ONLY_HIGH"}]}"#,
            ),
        ];
        let base = r#"{"customId": "a", "model": "MODEL", "messages": [{"role": "user", "content": "Hello"}]"#;
        let options = EstimateOptions::default();
        for provider in Provider::ALL {
            let plain = request_for(provider, &format!("{base}}}"));
            let (plain_body, _) = bodies(provider, std::slice::from_ref(&plain), false).unwrap();
            let plain_bytes = compact(&plain_body[0]).len();
            let plain_tokens = estimate_input_tokens(&plain, &options);
            let provider_kwargs = kwargs
                .iter()
                .filter(|(with, _)| *with == provider)
                .map(|(_, kwargs)| ("providerKwargs", kwargs.to_string()));
            for (feature, fields) in features.iter().cloned().chain(provider_kwargs) {
                let with = request_for(provider, &format!("{base}, {fields}}}"));
                let body = match bodies(provider, std::slice::from_ref(&with), false) {
                    Ok((body, _)) => body,
                    Err(error) => panic!("{provider:?} {feature}: {error}"),
                };
                let added_bytes = compact(&body[0]).len() - plain_bytes;
                let added_tokens = estimate_input_tokens(&with, &options) - plain_tokens;
                assert!(added_bytes > 60, "{provider:?} {feature}: {added_bytes}");
                assert!(
                    added_tokens as usize * BYTES_PER_TOKEN_BOUND >= added_bytes,
                    "{provider:?} {feature}: {added_tokens} tokens for {added_bytes} bytes sent"
                );
            }
        }
    }

    #[test]
    fn the_callers_counts_replace_the_estimate() {
        let requests = [
            request(json!({"customId": "a", "model": "m", "messages": [{"role": "user", "content": "Hello"}]})),
            request(json!({"customId": "b", "model": "m", "messages": [{"role": "user", "content": "Hello"}]})),
        ];
        let prices = crate::cost::prices::PriceTable::default();
        let options = EstimateOptions { input_tokens: Some(vec![40, 2]), ..EstimateOptions::default() };
        let estimates = crate::cost::estimate_requests(crate::Provider::OpenAI, &requests, None, &prices, &options);
        assert_eq!(estimates.iter().map(|estimate| estimate.input_tokens).collect::<Vec<_>>(), vec![40, 2]);
        let batch = crate::cost::estimate_batch(crate::Provider::OpenAI, &requests, None, &prices, &options);
        assert_eq!(batch.input_tokens, 42);
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
