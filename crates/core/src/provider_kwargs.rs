//! `providerKwargs` checked against the provider's request schema before anything is sent.
//!
//! A key the schema does not have at that level is an error that names the right place: a field of
//! another level (Gemini `thinkingConfig` at the top instead of `generationConfig.thinkingConfig`),
//! another spelling (snake_case `thinking_config`, camelCase `maxTokens` where the API is snake_case)
//! or a near miss (`temprature`). Unknown keys would otherwise be refused for the whole line, or
//! ignored without a word (vLLM, Gemini's proto-JSON parser for some spellings). With
//! `dropUnsupported` the key is left out, with a warning.
//!
//! The known fields come from the official specs (`known_fields.rs`, generated), per endpoint: a
//! Responses line is checked against OpenAI's `CreateResponse`, an embeddings line against OpenAI's
//! `CreateEmbeddingRequest`, Mistral's `EmbeddingRequest` or Gemini's `EmbedContentRequest`. vLLM's
//! chat request is OpenAI's plus the extra fields listed in [`VLLM_EXTRA_FIELDS`], its embeddings
//! request OpenAI's plus [`VLLM_EMBEDDING_EXTRA_FIELDS`]. Together AI, Groq and xAI chat lines are
//! checked against each provider's own published request (`chat_fields.rs`); Azure OpenAI's
//! against OpenAI's, as it publishes no list of its own.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::known_fields::{
    ANTHROPIC_MESSAGE_PARAMS, GEMINI_EMBED_CONTENT_REQUEST, GEMINI_GENERATE_CONTENT_REQUEST, GEMINI_GENERATION_CONFIG,
    GEMINI_THINKING_CONFIG, MISTRAL_CHAT_COMPLETION, MISTRAL_EMBEDDING_REQUEST, OPENAI_CHAT_COMPLETION,
    OPENAI_CREATE_EMBEDDING, OPENAI_CREATE_RESPONSE,
};
use crate::{Endpoint, Provider};

mod chat_fields;
use chat_fields::{GROQ_CHAT_FIELDS, TOGETHER_CHAT_FIELDS, XAI_CHAT_FIELDS};
mod unified;
pub(crate) use unified::{at, built_from_request, lifted, remove_at, Lifted, Renamed, SWITCHES};

/// Fields vLLM's `EmbeddingCompletionRequest` takes beyond OpenAI's `CreateEmbeddingRequest`:
/// those endpoints-and-push.md §1.4 [VL-EMB] names (`truncate_prompt_tokens`, `normalize`,
/// `embed_dtype`, `endianness`), plus the rest of its pooling, completion and embed mixins in vLLM
/// `vllm/entrypoints/pooling/base/protocol.py` (read at commit 020638a6): `add_special_tokens`,
/// `cache_salt`, `mm_processor_kwargs`, `padding`, `priority`, `request_id`, `truncation_side`,
/// `use_activation`. That newer vLLM refuses `normalize` (replaced by `use_activation`); older
/// servers take it, so both are known here and the server decides.
pub const VLLM_EMBEDDING_EXTRA_FIELDS: &[&str] = &[
    "add_special_tokens",
    "cache_salt",
    "embed_dtype",
    "endianness",
    "mm_processor_kwargs",
    "normalize",
    "padding",
    "priority",
    "request_id",
    "truncate_prompt_tokens",
    "truncation_side",
    "use_activation",
];

/// Fields vLLM's `ChatCompletionRequest` takes beyond OpenAI's: its sampling parameters and its
/// extra parameters (vLLM `vllm/entrypoints/openai/protocol.py`, sections
/// `chat-completion-sampling-params` and `chat-completion-extra-params`; reference providers §5,
/// unified-features §3.5, §7.5). vLLM ignores any other key with only a server log line.
pub const VLLM_EXTRA_FIELDS: &[&str] = &[
    "add_generation_prompt",
    "add_special_tokens",
    "allowed_token_ids",
    "bad_words",
    "best_of",
    "cache_salt",
    "chat_template",
    "chat_template_kwargs",
    "continue_final_message",
    "documents",
    "echo",
    "guided_choice",
    "guided_decoding_backend",
    "guided_grammar",
    "guided_json",
    "guided_regex",
    "guided_whitespace_pattern",
    "ignore_eos",
    "include_reasoning",
    "include_stop_str_in_output",
    "kv_transfer_params",
    "length_penalty",
    "logits_processors",
    "min_p",
    "min_tokens",
    "mm_processor_kwargs",
    "priority",
    "prompt_logprobs",
    "repetition_penalty",
    "request_id",
    "return_tokens_as_token_ids",
    "skip_special_tokens",
    "spaces_between_special_tokens",
    "stop_token_ids",
    "structural_tag",
    "structured_outputs",
    "top_k",
    "truncate_prompt_tokens",
    "use_beam_search",
    "vllm_xargs",
];

/// One level of a provider's body that `providerKwargs` merge into: its path from the body's top
/// (empty for the top) and the fields it has.
struct Level {
    path: &'static str,
    fields: &'static [&'static [&'static str]],
}

impl Level {
    fn has(&self, key: &str) -> bool {
        self.fields.iter().any(|fields| fields.contains(&key))
    }

    fn full_name(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn describe(&self) -> String {
        if self.path.is_empty() {
            "at the top level".to_owned()
        } else {
            format!("in `{}`", self.path)
        }
    }
}

fn levels(provider: Provider, endpoint: Endpoint) -> &'static [Level] {
    match (endpoint, provider) {
        // Azure OpenAI takes OpenAI's Responses lines (endpoints-and-push.md §2, §5.3).
        (Endpoint::Responses, _) => &[Level { path: "", fields: &[OPENAI_CREATE_RESPONSE] }],
        (Endpoint::Embeddings, Provider::Vllm) => {
            &[Level { path: "", fields: &[OPENAI_CREATE_EMBEDDING, VLLM_EMBEDDING_EXTRA_FIELDS] }]
        }
        (Endpoint::Embeddings, Provider::Mistral) => &[Level { path: "", fields: &[MISTRAL_EMBEDDING_REQUEST] }],
        (Endpoint::Embeddings, Provider::Google) => &[Level { path: "", fields: &[GEMINI_EMBED_CONTENT_REQUEST] }],
        (Endpoint::Embeddings, _) => &[Level { path: "", fields: &[OPENAI_CREATE_EMBEDDING] }],
        (Endpoint::Chat, provider) => chat_levels(provider),
    }
}

fn chat_levels(provider: Provider) -> &'static [Level] {
    match provider {
        // Azure OpenAI publishes no chat schema of its own: its lines are OpenAI's chat body
        // (endpoints-and-push.md §5.1), checked against OpenAI's fields.
        Provider::OpenAI | Provider::Azure => &[Level { path: "", fields: &[OPENAI_CHAT_COMPLETION] }],
        // Each checked against its own published request (sources in `chat_fields.rs`).
        Provider::Groq => &[Level { path: "", fields: &[GROQ_CHAT_FIELDS] }],
        Provider::Together => &[Level { path: "", fields: &[TOGETHER_CHAT_FIELDS] }],
        Provider::Xai => &[Level { path: "", fields: &[XAI_CHAT_FIELDS] }],
        Provider::Vllm => &[Level { path: "", fields: &[OPENAI_CHAT_COMPLETION, VLLM_EXTRA_FIELDS] }],
        Provider::Anthropic => &[Level { path: "", fields: &[ANTHROPIC_MESSAGE_PARAMS] }],
        Provider::Mistral => &[Level { path: "", fields: &[MISTRAL_CHAT_COMPLETION] }],
        Provider::Google => &[
            Level { path: "", fields: &[GEMINI_GENERATE_CONTENT_REQUEST] },
            Level { path: "generationConfig", fields: &[GEMINI_GENERATION_CONFIG] },
            Level { path: "generationConfig.thinkingConfig", fields: &[GEMINI_THINKING_CONFIG] },
        ],
    }
}

fn schema_name(provider: Provider, endpoint: Endpoint) -> &'static str {
    match (endpoint, provider) {
        (Endpoint::Responses, Provider::Azure) => "Azure OpenAI's (OpenAI's) Responses body (CreateResponse)",
        (Endpoint::Responses, _) => "OpenAI's Responses body (CreateResponse)",
        (Endpoint::Embeddings, Provider::Vllm) => "vLLM's embeddings body",
        (Endpoint::Embeddings, Provider::Mistral) => "Mistral's embeddings body (EmbeddingRequest)",
        (Endpoint::Embeddings, Provider::Google) => "Gemini's EmbedContentRequest",
        (Endpoint::Embeddings, _) => "OpenAI's embeddings body (CreateEmbeddingRequest)",
        (Endpoint::Chat, Provider::OpenAI) => "OpenAI's chat completion body",
        (Endpoint::Chat, Provider::Groq) => "Groq's chat completion body (CompletionCreateParams)",
        (Endpoint::Chat, Provider::Azure) => "Azure OpenAI's (OpenAI's) chat completion body",
        (Endpoint::Chat, Provider::Together) => "Together AI's chat completion body (ChatCompletionRequest)",
        (Endpoint::Chat, Provider::Xai) => "xAI's chat completion body (ChatRequest)",
        (Endpoint::Chat, Provider::Vllm) => "vLLM's chat completion body",
        (Endpoint::Chat, Provider::Anthropic) => "Anthropic's batch request params",
        (Endpoint::Chat, Provider::Mistral) => "Mistral's chat completion body",
        (Endpoint::Chat, Provider::Google) => "Gemini's GenerateContentRequest",
    }
}

/// A key the provider's schema does not have where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownKey {
    /// Its path inside `providerKwargs`, e.g. `thinking_config` or `generationConfig.thinking_config`.
    pub path: String,
    pub message: String,
}

/// Every key of `kwargs` that `provider`'s request schema for `endpoint` lacks at its level, with
/// the place it belongs.
pub fn unknown_keys(provider: Provider, endpoint: Endpoint, kwargs: &Map<String, Value>) -> Vec<UnknownKey> {
    let schema = Schema { provider, endpoint };
    let mut found = Vec::new();
    walk(schema, "", kwargs, &mut |level, key| {
        found.push(UnknownKey { path: level.full_name(key), message: explain(schema, level, key) });
    });
    found
}

/// A provider's request schema for one endpoint.
#[derive(Clone, Copy)]
struct Schema {
    provider: Provider,
    endpoint: Endpoint,
}

impl Schema {
    fn levels(self) -> &'static [Level] {
        levels(self.provider, self.endpoint)
    }
}

/// `kwargs` without the keys [`unknown_keys`] reports: what is merged into the body. Validation
/// refused those keys, or (under `dropUnsupported`) reported them as left out.
pub fn sendable(provider: Provider, endpoint: Endpoint, kwargs: &Map<String, Value>) -> Cow<'_, Map<String, Value>> {
    let schema = Schema { provider, endpoint };
    let mut any = false;
    walk(schema, "", kwargs, &mut |_, _| any = true);
    if !any {
        return Cow::Borrowed(kwargs);
    }
    Cow::Owned(filtered(schema, "", kwargs))
}

/// Whether `path` (dot-separated, as in `generationConfig.temperature`) is a field of
/// `provider`'s request schema for `endpoint`.
/// Below the levels [`levels`] lists (Responses `reasoning.effort`) only the level's own key is
/// known.
fn is_known(provider: Provider, endpoint: Endpoint, path: &str) -> bool {
    let schema = Schema { provider, endpoint };
    let (mut level, mut key) = path.rsplit_once('.').unwrap_or(("", path));
    while level_at(schema, level).is_none() {
        (level, key) = level.rsplit_once('.').unwrap_or(("", level));
    }
    level_at(schema, level).is_some_and(|level| level.has(key))
}

fn level_at(schema: Schema, path: &str) -> Option<&'static Level> {
    schema.levels().iter().find(|level| level.path == path)
}

fn child_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Whether `value`, at `key` of the level at `path`, stands where the schema has a level of its own
/// (Gemini's `generationConfig` and `generationConfig.thinkingConfig`) and is not an object: it has
/// no keys to check, and merged it would replace every setting the package wrote there.
fn misshapen(schema: Schema, path: &str, key: &str, value: &Value) -> bool {
    !value.is_object() && level_at(schema, &child_path(path, key)).is_some()
}

fn walk(schema: Schema, path: &str, object: &Map<String, Value>, report: &mut dyn FnMut(&Level, &str)) {
    let Some(level) = level_at(schema, path) else { return };
    for (key, value) in object {
        if !level.has(key) || misshapen(schema, path, key, value) {
            report(level, key);
            continue;
        }
        if let Value::Object(inner) = value {
            walk(schema, &child_path(path, key), inner, report);
        }
    }
}

fn filtered(schema: Schema, path: &str, object: &Map<String, Value>) -> Map<String, Value> {
    let Some(level) = level_at(schema, path) else { return object.clone() };
    let mut kept = Map::with_capacity(object.len());
    for (key, value) in object {
        if !level.has(key) || misshapen(schema, path, key, value) {
            continue;
        }
        let value = match value {
            Value::Object(inner) => Value::Object(filtered(schema, &child_path(path, key), inner)),
            other => other.clone(),
        };
        kept.insert(key.clone(), value);
    }
    kept
}

fn explain(schema: Schema, level: &Level, key: &str) -> String {
    if level.has(key) {
        // A known key reported: its value is not the object the level below takes ([`misshapen`]).
        return format!(
            "{} takes an object at `{}` (its fields are checked there), not another kind of value",
            schema_name(schema.provider, schema.endpoint),
            level.full_name(key)
        );
    }
    let head = format!("{} has no field `{key}` {}", schema_name(schema.provider, schema.endpoint), level.describe());
    if schema.provider == Provider::OpenAI
        && (VLLM_EXTRA_FIELDS.contains(&key) || VLLM_EMBEDDING_EXTRA_FIELDS.contains(&key))
    {
        return format!("{head}; `{key}` is a vLLM extension that OpenAI does not take");
    }
    match suggestion(schema, level, key) {
        Some(right) => format!("{head}; did you mean `{right}`?"),
        None => {
            let mut names: Vec<&str> = level.fields.iter().flat_map(|fields| fields.iter().copied()).collect();
            // Equal names are the same text, so a stable sort gives what an unstable one did.
            crate::sort_by_text::sort_by_text(&mut names, |name| name);
            format!("{head}; the fields there are: {}", names.join(", "))
        }
    }
}

/// Where `key` most likely belongs: the same name at another level, the same name in another
/// spelling (snake_case / camelCase), or the nearest name by edit distance. The level it was
/// written at is preferred, then the others in order.
fn suggestion(schema: Schema, written_at: &Level, key: &str) -> Option<String> {
    let all = schema.levels();
    let ordered = std::iter::once(written_at).chain(all.iter().filter(|level| level.path != written_at.path));
    let candidates: Vec<(&Level, &str)> = ordered
        .flat_map(|level| level.fields.iter().flat_map(|fields| fields.iter()).map(move |field| (level, *field)))
        .collect();
    if let Some((level, field)) = candidates.iter().find(|(_, field)| *field == key) {
        return Some(level.full_name(field));
    }
    let normalized = normalize(key);
    if let Some((level, field)) = candidates.iter().find(|(_, field)| normalize(field) == normalized) {
        return Some(level.full_name(field));
    }
    // Short names are a letter apart from other fields (`top_k`, `top_p`): no guess for them.
    // The same setting under another provider's name (`max_completion_tokens` for Anthropic).
    if let Some(group) = SAME_SETTING.iter().find(|group| group.iter().any(|name| normalize(name) == normalized)) {
        if let Some((level, field)) = candidates.iter().find(|(_, field)| group.contains(field)) {
            return Some(level.full_name(field));
        }
    }
    let allowed = normalized.len() / 5;
    candidates
        .iter()
        .map(|(level, field)| (edit_distance(&normalize(field), &normalized), level, field))
        .filter(|(distance, _, _)| *distance <= allowed)
        .min_by_key(|(distance, _, _)| *distance)
        .map(|(_, level, field)| level.full_name(field))
}

/// One setting under the names different providers give it, for suggestions across spellings that
/// are not a simple case change.
const SAME_SETTING: &[&[&str]] = &[
    &["max_tokens", "max_completion_tokens", "maxOutputTokens", "max_output_tokens", "maxTokens"],
    &["stop", "stop_sequences", "stopSequences"],
    &["seed", "random_seed"],
    &["system", "systemInstruction", "system_instruction", "system_prompt", "systemPrompt"],
    &["n", "candidateCount", "candidate_count"],
    &["top_k", "topK"],
    &["response_format", "responseMimeType", "response_mime_type"],
    &["dimensions", "output_dimension", "outputDimensionality", "output_dimensionality"],
];

/// Lower case without `_` and `-`: `thinking_config`, `thinkingConfig` and `ThinkingConfig` agree.
fn normalize(name: &str) -> String {
    name.chars().filter(|character| *character != '_' && *character != '-').flat_map(char::to_lowercase).collect()
}

fn edit_distance(left: &str, right: &str) -> usize {
    let right: Vec<char> = right.chars().collect();
    let mut previous: Vec<usize> = (0..=right.len()).collect();
    for (i, left_char) in left.chars().enumerate() {
        let mut current = vec![i + 1; right.len() + 1];
        for (j, right_char) in right.iter().enumerate() {
            let substitution = previous[j] + usize::from(left_char != *right_char);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[right.len()]
}

#[cfg(test)]
mod tests;
