//! The unified request: written once, converted to any provider's format.

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use std::fmt;

use super::named_variants::named_variants;
use super::object_only::object_only;

#[cfg(feature = "tsify")]
use tsify::Tsify;

/// One request of a batch, in the provider-neutral format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(remote = "Self", rename_all = "camelCase", deny_unknown_fields)]
pub struct UnifiedRequest {
    /// The caller's id for this request; results come back under it.
    pub custom_id: String,
    pub model: String,
    /// The model to use per provider (`{"anthropic": "claude-haiku-4-5"}`; names or aliases of the
    /// registry), so one request file runs on every provider. Falls back to `model`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional, type = "Record<string, string>"))]
    pub models: Option<std::collections::BTreeMap<String, String>>,
    /// The conversation (chat and Responses batches). Embedding requests carry `input` instead.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub messages: Vec<UnifiedMessage>,
    /// Embeddings only (`endpoint: "embeddings"`): one text, or several (one vector each, in order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub input: Option<EmbeddingInput>,
    /// Embeddings only: the vector length asked for (OpenAI `dimensions`, text-embedding-3 and later;
    /// Gemini `outputDimensionality`; Mistral `output_dimension`; vLLM `dimensions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub dimensions: Option<u32>,
    /// Embeddings only: what the vectors are for (Gemini `taskType`; no other provider takes one),
    /// in the unified spelling or Gemini's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional, type = "EmbeddingTaskType | Uppercase<EmbeddingTaskType>"))]
    pub task_type: Option<EmbeddingTaskType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub system_prompt: Option<SystemPrompt>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub generation_config: Option<GenerationConfig>,
    /// Ask for a JSON answer, optionally following a JSON Schema (structured output).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub response_format: Option<ResponseFormat>,
    /// How much the model reasons before answering, and whether its reasoning comes back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub reasoning: Option<Reasoning>,
    /// An opaque id of your end user, for the provider's abuse detection (OpenAI `safety_identifier`,
    /// Anthropic `metadata.user_id`). Hash it; never send personal data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub end_user_id: Option<String>,
    /// Functions the model may call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub tools: Option<Vec<Tool>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub tool_choice: Option<ToolChoice>,
    /// `false`: at most one tool call per answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub parallel_tool_calls: Option<bool>,
    /// A cache breakpoint after the system prompt (Anthropic `cache_control` on its last block).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub system_prompt_cache_control: Option<CacheControl>,
    /// Cache the whole request: a breakpoint the provider puts on the last cacheable block itself
    /// (Anthropic's top-level `cache_control`, reference unified-features §4.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub cache_control: Option<CacheControl>,
    /// A key that groups requests sharing a long prefix, for better cache hits (OpenAI, Azure OpenAI
    /// and Mistral `prompt_cache_key`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub prompt_cache_key: Option<String>,
    /// Provider-specific body fields, deep-merged into the provider's body last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "super::request_numbers::provider_kwargs")]
    #[cfg_attr(feature = "tsify", tsify(optional, type = "Record<string, unknown>"))]
    pub provider_kwargs: Option<Map<String, Value>>,
}
object_only!(UnifiedRequest, "a request object");

/// A system prompt: one string, or several that the provider receives as separate text blocks.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(untagged)]
pub enum SystemPrompt {
    Text(String),
    Parts(Vec<String>),
}

impl<'de> Deserialize<'de> for SystemPrompt {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        text_or_texts(deserializer, SystemPrompt::Text, SystemPrompt::Parts)
    }
}

/// Reads a string or an array of strings, by hand so that a wrong element keeps its path and the
/// error says what is expected (an untagged enum would only say "did not match any variant of
/// untagged enum …").
fn text_or_texts<'de, D: Deserializer<'de>, T>(
    deserializer: D,
    one: fn(String) -> T,
    many: fn(Vec<String>) -> T,
) -> Result<T, D::Error> {
    struct TextsVisitor<T> {
        one: fn(String) -> T,
        many: fn(Vec<String>) -> T,
    }
    impl<'de, T> Visitor<'de> for TextsVisitor<T> {
        type Value = T;
        fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
            formatter.write_str("a string or an array of strings")
        }
        fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
            Ok((self.one)(value.to_owned()))
        }
        fn visit_string<E: de::Error>(self, value: String) -> Result<T, E> {
            Ok((self.one)(value))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
            Vec::<String>::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(self.many)
        }
    }
    deserializer.deserialize_any(TextsVisitor { one, many })
}

impl SystemPrompt {
    /// The prompt's pieces, in order (a plain string held inline: no allocation).
    pub fn parts(&self) -> Parts<&str> {
        match self {
            SystemPrompt::Text(text) => Parts::One([text.as_str()]),
            SystemPrompt::Parts(parts) => Parts::Many(parts.iter().map(String::as_str).collect()),
        }
    }
}

/// Borrowed parts of a prompt or a message: a slice (through `Deref`) that holds a single part
/// inline, so the common plain-string content is viewed without allocating.
#[derive(Debug, Clone)]
pub enum Parts<T> {
    One([T; 1]),
    Many(Vec<T>),
}

impl<T> Parts<T> {
    pub fn as_slice(&self) -> &[T] {
        match self {
            Parts::One(one) => one,
            Parts::Many(many) => many,
        }
    }
}

impl<T> std::ops::Deref for Parts<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T> IntoIterator for Parts<T> {
    type Item = T;
    type IntoIter = PartsIntoIter<T>;
    fn into_iter(self) -> PartsIntoIter<T> {
        match self {
            Parts::One(one) => PartsIntoIter::One(one.into_iter()),
            Parts::Many(many) => PartsIntoIter::Many(many.into_iter()),
        }
    }
}

impl<'p, T> IntoIterator for &'p Parts<T> {
    type Item = &'p T;
    type IntoIter = std::slice::Iter<'p, T>;
    fn into_iter(self) -> std::slice::Iter<'p, T> {
        self.as_slice().iter()
    }
}

/// The owning iterator of [`Parts`].
pub enum PartsIntoIter<T> {
    One(std::array::IntoIter<T, 1>),
    Many(std::vec::IntoIter<T>),
}

impl<T> Iterator for PartsIntoIter<T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        match self {
            PartsIntoIter::One(one) => one.next(),
            PartsIntoIter::Many(many) => many.next(),
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            PartsIntoIter::One(one) => one.size_hint(),
            PartsIntoIter::Many(many) => many.size_hint(),
        }
    }
}

impl<T> ExactSizeIterator for PartsIntoIter<T> {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
    /// Answers to tool calls: only `tool_result` parts.
    Tool,
}
named_variants!(Role { User = "user", Assistant = "assistant", Tool = "tool" });

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct UnifiedMessage {
    pub role: Role,
    pub content: MessageContent,
}
object_only!(UnifiedMessage, "a message object");

/// A message's content: a plain string, or a list of parts (text, images, documents).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(untagged)]
pub enum MessageContent {
    Text(String),
    Parts(Vec<ContentPart>),
}

impl MessageContent {
    /// The content as parts; a plain string is one text part (held inline: no allocation, as
    /// conversion and validation ask for the parts of every message several times).
    pub fn parts(&self) -> Parts<ContentPartRef<'_>> {
        match self {
            MessageContent::Text(text) => Parts::One([ContentPartRef::Text(text)]),
            MessageContent::Parts(parts) => Parts::Many(
                parts
                    .iter()
                    .map(|part| match part {
                        ContentPart::Text(text) => ContentPartRef::Text(&text.text),
                        ContentPart::Image(image) => ContentPartRef::Image(image),
                        ContentPart::Document(document) => ContentPartRef::Document(document),
                        ContentPart::ToolCall(call) => ContentPartRef::ToolCall(call),
                        ContentPart::ToolResult(result) => ContentPartRef::ToolResult(result),
                        ContentPart::Reasoning(reasoning) => ContentPartRef::Reasoning(reasoning),
                        ContentPart::RedactedReasoning(redacted) => ContentPartRef::RedactedReasoning(redacted),
                    })
                    .collect(),
            ),
        }
    }
}

/// A borrowed view of one content part, so plain-string content needs no allocation.
#[derive(Debug, Clone, Copy)]
pub enum ContentPartRef<'a> {
    Text(&'a str),
    Image(&'a MediaContent),
    Document(&'a MediaContent),
    ToolCall(&'a ToolCallContent),
    ToolResult(&'a ToolResultContent),
    Reasoning(&'a ReasoningContent),
    RedactedReasoning(&'a RedactedReasoningContent),
}

// Hand-written so that errors inside a part keep their path (an untagged enum would only say
// "did not match any variant").
impl<'de> Deserialize<'de> for MessageContent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ContentVisitor;
        impl<'de> Visitor<'de> for ContentVisitor {
            type Value = MessageContent;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a string or an array of content parts")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
                Ok(MessageContent::Text(value.to_owned()))
            }
            fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
                Ok(MessageContent::Text(value))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                let parts = Vec::<ContentPart>::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                Ok(MessageContent::Parts(parts))
            }
        }
        deserializer.deserialize_any(ContentVisitor)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(remote = "Self", tag = "type", rename_all = "lowercase")]
pub enum ContentPart {
    Text(TextContent),
    Image(MediaContent),
    Document(MediaContent),
    /// A call the assistant made (the shape results give, so a result's content can be sent back).
    #[serde(rename = "tool_call")]
    ToolCall(ToolCallContent),
    /// The answer to one tool call, in a message of role `tool`.
    #[serde(rename = "tool_result")]
    ToolResult(ToolResultContent),
    /// The assistant's reasoning, replayed with its signature (Anthropic thinking, Gemini thoughts).
    Reasoning(ReasoningContent),
    /// Encrypted reasoning (Anthropic `redacted_thinking`), replayed unchanged.
    #[serde(rename = "redacted_reasoning")]
    RedactedReasoning(RedactedReasoningContent),
}
object_only!(ContentPart, "a content part object");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(remote = "Self", rename_all = "camelCase", deny_unknown_fields)]
pub struct ToolCallContent {
    /// The call's id; `tool_result` parts answer it by this id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub id: Option<String>,
    pub name: String,
    #[cfg_attr(feature = "tsify", tsify(type = "unknown"))]
    pub arguments: serde_json::Value,
    /// Gemini's `thoughtSignature` of the call, replayed with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub signature: Option<String>,
    /// The provider that made `signature` (results record it): another provider cannot verify it,
    /// so it is left out there, with a warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    // A provider name, read with `Provider::from_name` (a string keeps the enum's serde code out
    // of the request types: 3 KB less wasm, measured).
    #[cfg_attr(feature = "tsify", tsify(optional, type = "Provider"))]
    pub provider: Option<String>,
}
object_only!(ToolCallContent, "a tool_call part object");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(remote = "Self", rename_all = "camelCase", deny_unknown_fields)]
pub struct ToolResultContent {
    pub tool_call_id: String,
    /// The result: a string, or text parts.
    pub content: MessageContent,
    /// The tool failed; `content` says how.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub is_error: Option<bool>,
    /// A cache breakpoint after this result (Anthropic `cache_control` on the `tool_result` block).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub cache_control: Option<CacheControl>,
}
object_only!(ToolResultContent, "a tool_result part object");

impl ToolResultContent {
    /// The result's text parts, in order (a string `content` is one part).
    pub fn texts(&self) -> Vec<&str> {
        self.content
            .parts()
            .into_iter()
            .filter_map(|part| match part {
                ContentPartRef::Text(text) => Some(text),
                _ => None,
            })
            .collect()
    }

    /// The result as one text, for a provider that takes one (Gemini's `functionResponse`): its
    /// parts joined with a blank line, so that `"21"` and `"17"` stay two values, never `"2117"`.
    pub fn text(&self) -> String {
        self.texts().join("\n\n")
    }

    /// The result for a provider whose tool result takes a string or a list of text parts
    /// (Anthropic's `tool_result.content`, Responses' `function_call_output.output`): one text as
    /// a string, several as one `text_part` each, in order.
    pub fn content_value(&self, text_part: fn(&str) -> serde_json::Value) -> serde_json::Value {
        match self.texts().as_slice() {
            [] => serde_json::Value::String(String::new()),
            [one] => serde_json::Value::String((*one).to_owned()),
            several => serde_json::Value::Array(several.iter().map(|text| text_part(text)).collect()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(remote = "Self", rename_all = "camelCase", deny_unknown_fields)]
pub struct ReasoningContent {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub signature: Option<String>,
    /// The provider that made the reasoning (results record it): its signature is replayed to that
    /// provider only (reference §2.3, §8.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    // A provider name, read with `Provider::from_name` (a string keeps the enum's serde code out
    // of the request types: 3 KB less wasm, measured).
    #[cfg_attr(feature = "tsify", tsify(optional, type = "Provider"))]
    pub provider: Option<String>,
}
object_only!(ReasoningContent, "a reasoning part object");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct RedactedReasoningContent {
    pub data: String,
    /// The provider that encrypted it (results record it): replayed to that provider only; a
    /// part without one is taken as Anthropic's `redacted_thinking`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional, type = "Provider"))]
    pub provider: Option<String>,
}
object_only!(RedactedReasoningContent, "a redacted_reasoning part object");

/// Reasoning settings (reference unified-features §3, §8.1). Each provider takes some of them; the
/// rest are refused, or left out with a warning under `dropUnsupported`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(remote = "Self", rename_all = "camelCase", deny_unknown_fields)]
pub struct Reasoning {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub effort: Option<ReasoningEffort>,
    /// Tokens the model may spend thinking (Anthropic `budget_tokens`, Gemini 2.5 `thinkingBudget`).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "thinking_budget")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub budget_tokens: Option<u32>,
    /// Return the reasoning (or its summary) as `reasoning` parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub include_thoughts: Option<bool>,
}
object_only!(Reasoning, "a reasoning object");

/// `budgetTokens`: a count of tokens. Gemini's `-1` ("dynamic") has no unified spelling: leaving
/// the budget out lets the model decide, so a negative budget says that instead of "expected u32".
fn thinking_budget<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    let Some(budget) = Option::<i64>::deserialize(deserializer)? else { return Ok(None) };
    if budget < 0 {
        return Err(de::Error::custom(format!(
            "{budget} is not a token count; there is no dynamic budget (Gemini's -1): leave budgetTokens out to let the model decide, or give a number of tokens"
        )));
    }
    u32::try_from(budget)
        .map(Some)
        .map_err(|_| de::Error::custom(format!("{budget} tokens is more than any model takes")))
}

/// OpenAI's `ReasoningEffort` values, the widest set (spec).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "lowercase")]
pub enum ReasoningEffort {
    None,
    Minimal,
    Low,
    Medium,
    High,
    Xhigh,
    Max,
}
named_variants!(ReasoningEffort { None = "none", Minimal = "minimal", Low = "low", Medium = "medium", High = "high", Xhigh = "xhigh", Max = "max" });

/// A function the model may call (Vercel AI SDK / OpenAI words: `name`, `description`, `parameters`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(remote = "Self", rename_all = "camelCase", deny_unknown_fields)]
pub struct Tool {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub description: Option<String>,
    /// A JSON Schema of type object for the arguments.
    #[serde(deserialize_with = "super::request_numbers::parameters")]
    #[cfg_attr(feature = "tsify", tsify(type = "Record<string, unknown>"))]
    pub parameters: serde_json::Value,
    /// Constrain the arguments to the schema (OpenAI, Mistral, vLLM, Anthropic `strict`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub strict: Option<bool>,
    /// A cache breakpoint after this tool definition (Anthropic `cache_control`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub cache_control: Option<CacheControl>,
}
object_only!(Tool, "a tool object");

/// Which tool, if any, the model must call: `"auto"`, `"none"`, `"required"` or `{ name }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(untagged)]
pub enum ToolChoice {
    Mode(ToolChoiceMode),
    Named { name: String },
}

// Hand-written so that the error says what is expected (an untagged enum would only say "did not
// match any variant of untagged enum ToolChoice") and one inside `{ name }` keeps its path.
impl<'de> Deserialize<'de> for ToolChoice {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ChoiceVisitor;
        impl<'de> Visitor<'de> for ChoiceVisitor {
            type Value = ToolChoice;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("`auto`, `none`, `required` or {\"name\": <a tool's name>}")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<ToolChoice, E> {
                ToolChoiceMode::deserialize(de::value::StrDeserializer::<E>::new(value))
                    .map(ToolChoice::Mode)
                    .map_err(|_: E| E::invalid_value(de::Unexpected::Str(value), &self))
            }
            // Read to its end before it is refused, so that the error is placed after the array
            // (where request errors find their field), as the untagged reader placed it.
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ToolChoice, A::Error> {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Err(de::Error::invalid_type(de::Unexpected::Seq, &self))
            }
            // `{ name }` and nothing else: another key was once ignored, so `{"name": "f", "type":
            // "none"}` forced a call of `f` (a new-user trial).
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<ToolChoice, A::Error> {
                let mut name = None;
                while let Some(NameKey) = map.next_key::<NameKey>()? {
                    if name.is_some() {
                        return Err(de::Error::duplicate_field("name"));
                    }
                    name = Some(map.next_value::<String>()?);
                }
                name.map(|name| ToolChoice::Named { name }).ok_or_else(|| de::Error::missing_field("name"))
            }
        }
        /// The one key of a toolChoice object. Another is refused while it is read (so the error
        /// is placed at it, as a derived reader's is), naming the unified form: OpenAI's and
        /// Anthropic's shapes are the likely mistakes.
        struct NameKey;
        impl<'de> Deserialize<'de> for NameKey {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct KeyVisitor;
                impl Visitor<'_> for KeyVisitor {
                    type Value = NameKey;
                    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                        formatter.write_str("`name`")
                    }
                    fn visit_str<E: de::Error>(self, key: &str) -> Result<NameKey, E> {
                        if key == "name" {
                            return Ok(NameKey);
                        }
                        Err(E::custom(format_args!(
                            "unknown field `{key}`, expected `name`: a toolChoice object is {{\"name\": \"<a tool's name>\"}} (OpenAI's {{\"type\": \"function\", \"function\": {{\"name\": …}}}} and Anthropic's {{\"type\": \"tool\", \"name\": …}} are written so); the modes are the strings \"auto\", \"none\" and \"required\""
                        )))
                    }
                }
                deserializer.deserialize_identifier(KeyVisitor)
            }
        }
        deserializer.deserialize_any(ChoiceVisitor)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "lowercase")]
pub enum ToolChoiceMode {
    Auto,
    None,
    Required,
}
named_variants!(ToolChoiceMode { Auto = "auto", None = "none", Required = "required" });

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct TextContent {
    pub text: String,
    /// A cache breakpoint after this part (Anthropic `cache_control`).
    #[serde(default, rename = "cacheControl", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub cache_control: Option<CacheControl>,
}
object_only!(TextContent, "a text part object");

/// A prompt-cache breakpoint: the prompt up to and including the marked place is cached
/// (Anthropic `cache_control: { type: "ephemeral", ttl }`; automatic prefix caching elsewhere).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(remote = "Self", rename_all = "camelCase", deny_unknown_fields)]
pub struct CacheControl {
    /// How long the entry lives: `"5m"` (the default) or `"1h"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub ttl: Option<CacheTtl>,
}
object_only!(CacheControl, "a cacheControl object");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
pub enum CacheTtl {
    #[serde(rename = "5m")]
    FiveMinutes,
    #[serde(rename = "1h")]
    OneHour,
}
named_variants!(CacheTtl { FiveMinutes = "5m", OneHour = "1h" });

/// Where an image's or a document's bytes come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "snake_case")]
pub enum SourceType {
    /// `data` holds the base64-encoded bytes; `mediaType` is required.
    Base64,
    /// `data` is an http(s) URL.
    Url,
    /// `data` is a provider file URI (Gemini's Files API).
    FileUri,
}
named_variants!(SourceType { Base64 = "base64", Url = "url", FileUri = "file_uri" });

/// An image or a document (for example a PDF). Both share one shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(remote = "Self", rename_all = "camelCase", deny_unknown_fields)]
pub struct MediaContent {
    pub source_type: SourceType,
    /// MIME type, e.g. `image/png` or `application/pdf`; required for base64 data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub media_type: Option<String>,
    pub data: String,
    /// A file name for providers that want one (OpenAI file parts); derived when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub filename: Option<String>,
    /// A cache breakpoint after this part (Anthropic `cache_control`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub cache_control: Option<CacheControl>,
}
object_only!(MediaContent, "an image or document part object", then MediaContent::with_canonical_media_type);

impl MediaContent {
    /// The media type as providers compare it: a type and subtype are case-insensitive (RFC 2045
    /// §5.1) and take no surrounding space, but Anthropic checks `media_type` against its enum and
    /// the others pass the text on (a new-user trial sent `data:IMAGE/PNG;base64,…` and
    /// `"mimeType": "image/png "`). The type and subtype are lower-cased, parameters kept as
    /// written; a `data:` URL's own type, when `mediaType` is absent, is given as `mediaType` (the
    /// payload is not copied). Only when something changes: a canonical type costs one scan.
    fn with_canonical_media_type(mut self) -> Self {
        let needs = |media_type: &str| {
            let essence = media_type.split(';').next().unwrap_or_default();
            essence.bytes().any(|byte| byte.is_ascii_uppercase()) || media_type.trim() != media_type
        };
        let canonical = |media_type: &str| {
            let media_type = media_type.trim();
            let end = media_type.find(';').unwrap_or(media_type.len());
            format!("{}{}", media_type[..end].to_ascii_lowercase(), &media_type[end..])
        };
        match &self.media_type {
            Some(media_type) if needs(media_type) => self.media_type = Some(canonical(media_type)),
            Some(media_type) if !media_type.is_empty() => {}
            _ if self.source_type == SourceType::Base64 => {
                if let Ok(crate::media_data::Base64Data { url_media_type: Some(from_url), .. }) =
                    crate::media_data::split_data_url(&self.data)
                {
                    if needs(from_url) {
                        self.media_type = Some(canonical(from_url));
                    }
                }
            }
            _ => {}
        }
        self
    }
}

pub type ImageContent = MediaContent;
pub type DocumentContent = MediaContent;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(remote = "Self", rename_all = "camelCase", deny_unknown_fields)]
pub struct GenerationConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub max_tokens: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "super::request_numbers::float")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub temperature: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "super::request_numbers::float")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub top_p: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub top_k: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub stop_sequences: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "super::request_numbers::float")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub presence_penalty: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "super::request_numbers::float")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub frequency_penalty: Option<f64>,
    /// Best-effort reproducible sampling (OpenAI, vLLM `seed`; Mistral `random_seed`; Gemini
    /// `generationConfig.seed`, 32-bit). Anthropic has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub seed: Option<i64>,
    /// How many answers (candidates) to generate for the request: OpenAI, Mistral and vLLM `n`,
    /// Gemini `generationConfig.candidateCount`; Anthropic has none (more than 1 is refused). All
    /// come back in `response.candidates`, the first also as `response.content`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub candidate_count: Option<u32>,
}
object_only!(GenerationConfig, "a generationConfig object");

/// The answer's format (the Vercel AI SDK's `responseFormat`): JSON, following `schema` when one is
/// given ("JSON mode" without). Each provider's spelling and the schemas it refuses are in
/// `structured_output`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(remote = "Self", rename_all = "camelCase", deny_unknown_fields)]
pub struct ResponseFormat {
    #[serde(rename = "type")]
    pub kind: ResponseFormatKind,
    /// A JSON Schema the answer must follow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "super::request_numbers::schema")]
    #[cfg_attr(feature = "tsify", tsify(optional, type = "Record<string, unknown>"))]
    pub schema: Option<serde_json::Value>,
    /// The schema's name, where a provider takes one (OpenAI, Mistral, vLLM require it; `response`
    /// when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub description: Option<String>,
    /// Enforce the schema exactly (OpenAI, Mistral, vLLM `strict`); OpenAI then takes only its strict
    /// subset of JSON Schema. Not sent when absent (the providers' default is false). Anthropic and
    /// Gemini always enforce the schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub strict: Option<bool>,
}
object_only!(ResponseFormat, "a responseFormat object");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "lowercase")]
pub enum ResponseFormatKind {
    Json,
}
named_variants!(ResponseFormatKind { Json = "json" });

/// A batch to submit: which provider, the requests, and free-form metadata for the batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct UnifiedBatchMetadata {
    pub provider: String,
    /// The API every request goes to: `chat` (the default), `responses` (OpenAI, Azure OpenAI) or
    /// `embeddings` (OpenAI, Gemini, Mistral, vLLM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub endpoint: Option<crate::Endpoint>,
    pub requests: Vec<UnifiedRequest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional, type = "Record<string, string>"))]
    pub metadata: Option<Map<String, Value>>,
}

/// The text of an embeddings request: one string (one vector) or several (one vector each, in order).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(untagged)]
pub enum EmbeddingInput {
    Text(String),
    Texts(Vec<String>),
}

impl EmbeddingInput {
    /// The texts, in order; one text is a list of one.
    pub fn texts(&self) -> Vec<&str> {
        match self {
            EmbeddingInput::Text(text) => vec![text.as_str()],
            EmbeddingInput::Texts(texts) => texts.iter().map(String::as_str).collect(),
        }
    }

    /// How many vectors the request asks for.
    pub fn count(&self) -> usize {
        match self {
            EmbeddingInput::Text(_) => 1,
            EmbeddingInput::Texts(texts) => texts.len(),
        }
    }
}

impl<'de> Deserialize<'de> for EmbeddingInput {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        text_or_texts(deserializer, EmbeddingInput::Text, EmbeddingInput::Texts)
    }
}

/// What embeddings are for, in Gemini's `TaskType` vocabulary written in snake case
/// (endpoints-and-push.md §1.2 [GM-SPEC `TaskType`]). Gemini's own upper-case names are read too:
/// the field is Gemini's alone, and a user who copies its value from Gemini's docs means the same
/// task (`TASK_TYPE_UNSPECIFIED` is no task: the field is left out instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "snake_case")]
pub enum EmbeddingTaskType {
    RetrievalQuery,
    RetrievalDocument,
    SemanticSimilarity,
    Classification,
    Clustering,
    QuestionAnswering,
    FactVerification,
    CodeRetrievalQuery,
}
named_variants!(EmbeddingTaskType {
    RetrievalQuery = "retrieval_query" | "RETRIEVAL_QUERY",
    RetrievalDocument = "retrieval_document" | "RETRIEVAL_DOCUMENT",
    SemanticSimilarity = "semantic_similarity" | "SEMANTIC_SIMILARITY",
    Classification = "classification" | "CLASSIFICATION",
    Clustering = "clustering" | "CLUSTERING",
    QuestionAnswering = "question_answering" | "QUESTION_ANSWERING",
    FactVerification = "fact_verification" | "FACT_VERIFICATION",
    CodeRetrievalQuery = "code_retrieval_query" | "CODE_RETRIEVAL_QUERY",
});

impl EmbeddingTaskType {
    /// Gemini's enum value (`RETRIEVAL_DOCUMENT`, …).
    pub fn gemini_name(self) -> &'static str {
        match self {
            EmbeddingTaskType::RetrievalQuery => "RETRIEVAL_QUERY",
            EmbeddingTaskType::RetrievalDocument => "RETRIEVAL_DOCUMENT",
            EmbeddingTaskType::SemanticSimilarity => "SEMANTIC_SIMILARITY",
            EmbeddingTaskType::Classification => "CLASSIFICATION",
            EmbeddingTaskType::Clustering => "CLUSTERING",
            EmbeddingTaskType::QuestionAnswering => "QUESTION_ANSWERING",
            EmbeddingTaskType::FactVerification => "FACT_VERIFICATION",
            EmbeddingTaskType::CodeRetrievalQuery => "CODE_RETRIEVAL_QUERY",
        }
    }
}
