//! `providerKwargs` keys that stand for something the unified request already says.
//!
//! * Keys built from the request itself ([`built_from_request`]): the model and the conversation
//!   (and the system prompt) are written by the converter from the checked request; a kwarg would
//!   replace them unchecked (one model per batch, the model rules), so it is refused, naming the
//!   unified field to use.
//! * Keys a unified setting also writes ([`lifted`]): a kwarg replaces the setting's value (README
//!   "providerKwargs"), so its value gets the setting's checks. The kwarg's value is put in a copy
//!   of the request in place of the unified one, which is then checked as usual (ranges, types,
//!   the model rules); the checker names the kwarg instead of the unified field.
//! * `stream`: a batch never streams; `true` is refused on every provider.
//!
//! Which key each converter writes from which unified field is read from the converters' bodies,
//! which cite their specs: OpenAI-shaped chat `providers/openai/request.rs` `ChatBody` (OpenAI spec
//! `CreateChatCompletionRequest`), Responses `responses_request.rs` `ResponsesBody` (`CreateResponse`),
//! Anthropic `providers/anthropic/request.rs` `Params` (`MessageBatchIndividualRequestParams`),
//! Mistral `providers/mistral/request.rs` `ChatBody` (`ChatCompletionRequest`), Gemini
//! `providers/google/request.rs` (`GenerateContentRequest`, `GenerationConfig`); reference
//! unified-features §0 and the seed row of §5.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::model::{GenerationConfig, Reasoning, ReasoningEffort, UnifiedRequest};
use crate::{Endpoint, Provider};

/// Body keys written from the request itself, with the unified field that writes them.
pub(crate) fn built_from_request(provider: Provider, endpoint: Endpoint) -> &'static [(&'static str, &'static str)] {
    match (endpoint, provider) {
        // An embeddings line's texts: OpenAI, vLLM and Mistral `input`, Gemini `content`.
        (Endpoint::Embeddings, _) => &[("model", "model"), ("input", "input"), ("content", "input")],
        (Endpoint::Responses, _) => &[("model", "model"), ("input", "messages"), ("instructions", "systemPrompt")],
        // Top-level `cache_control` (reference §4.2) is the request's own `cacheControl`, whose
        // breakpoint is counted and ordered with the others (`caching.rs`).
        (Endpoint::Chat, Provider::Anthropic) => &[
            ("model", "model"),
            ("messages", "messages"),
            ("system", "systemPrompt"),
            ("cache_control", "cacheControl"),
        ],
        (Endpoint::Chat, Provider::Google) => {
            &[("model", "model"), ("contents", "messages"), ("systemInstruction", "systemPrompt")]
        }
        (Endpoint::Chat, _) => &[("model", "model"), ("messages", "messages")],
    }
}

/// The unified setting a kwarg stands for, and so the type its value must have.
#[derive(Clone, Copy)]
enum Lift {
    MaxTokens,
    Temperature,
    TopP,
    TopK,
    PresencePenalty,
    FrequencyPenalty,
    Seed,
    CandidateCount,
    Effort,
}

impl Lift {
    /// The unified field, as the checks name it.
    fn field(self) -> &'static str {
        match self {
            Lift::MaxTokens => "generationConfig.maxTokens",
            Lift::Temperature => "generationConfig.temperature",
            Lift::TopP => "generationConfig.topP",
            Lift::TopK => "generationConfig.topK",
            Lift::PresencePenalty => "generationConfig.presencePenalty",
            Lift::FrequencyPenalty => "generationConfig.frequencyPenalty",
            Lift::Seed => "generationConfig.seed",
            Lift::CandidateCount => "generationConfig.candidateCount",
            Lift::Effort => "reasoning.effort",
        }
    }

    /// Puts `value` in `request` as this setting, or says what the value must be.
    fn apply(self, value: &Value, request: &mut UnifiedRequest) -> Result<(), String> {
        if let Lift::Effort = self {
            let effort =
                ReasoningEffort::deserialize(value).map_err(|error| crate::error::in_json_words(&error.to_string()))?;
            request.reasoning.get_or_insert_with(Reasoning::default).effort = Some(effort);
            return Ok(());
        }
        let whole = || value.as_u64().and_then(|number| u32::try_from(number).ok()).ok_or(WHOLE);
        let number = || value.as_f64().ok_or("must be a number");
        let config = request.generation_config.get_or_insert_with(GenerationConfig::default);
        match self {
            Lift::MaxTokens => config.max_tokens = Some(whole()?),
            Lift::TopK => config.top_k = Some(whole()?),
            Lift::CandidateCount => config.candidate_count = Some(whole()?),
            Lift::Temperature => config.temperature = Some(number()?),
            Lift::TopP => config.top_p = Some(number()?),
            Lift::PresencePenalty => config.presence_penalty = Some(number()?),
            Lift::FrequencyPenalty => config.frequency_penalty = Some(number()?),
            Lift::Seed => config.seed = Some(value.as_i64().ok_or("must be a whole number")?),
            Lift::Effort => {}
        }
        Ok(())
    }
}

/// Kwarg paths (dot-separated inside objects) a unified setting also writes, per body.
fn lifts(provider: Provider, endpoint: Endpoint) -> &'static [(&'static str, Lift)] {
    use Lift::*;
    match (endpoint, provider) {
        (Endpoint::Embeddings, _) => &[],
        (Endpoint::Responses, _) => &[
            ("max_output_tokens", MaxTokens),
            ("temperature", Temperature),
            ("top_p", TopP),
            ("reasoning.effort", Effort),
        ],
        (Endpoint::Chat, Provider::Anthropic) => {
            &[("max_tokens", MaxTokens), ("temperature", Temperature), ("top_p", TopP), ("top_k", TopK)]
        }
        (Endpoint::Chat, Provider::Google) => &[
            ("generationConfig.maxOutputTokens", MaxTokens),
            ("generationConfig.temperature", Temperature),
            ("generationConfig.topP", TopP),
            ("generationConfig.topK", TopK),
            ("generationConfig.presencePenalty", PresencePenalty),
            ("generationConfig.frequencyPenalty", FrequencyPenalty),
            ("generationConfig.seed", Seed),
            ("generationConfig.candidateCount", CandidateCount),
        ],
        // Mistral's effort values are its own (`reasoning_effort`), so it is not read as the unified one.
        (Endpoint::Chat, Provider::Mistral) => &[
            ("max_tokens", MaxTokens),
            ("temperature", Temperature),
            ("top_p", TopP),
            ("presence_penalty", PresencePenalty),
            ("frequency_penalty", FrequencyPenalty),
            ("random_seed", Seed),
            ("n", CandidateCount),
        ],
        // Groq takes `n` as the integer 1 only, refused otherwise by its own rule (conversation_rules).
        (Endpoint::Chat, Provider::Groq) => &OPENAI_CHAT[..OPENAI_CHAT.len() - 1],
        (Endpoint::Chat, _) => OPENAI_CHAT,
    }
}

/// OpenAI's chat body and the OpenAI-shaped ones (Azure, Groq, Together, xAI, vLLM): `max_tokens`
/// is the older name of `max_completion_tokens` (Together's only one); `top_k` is vLLM's and
/// Together's. A key a provider's schema lacks is refused as unknown instead.
const OPENAI_CHAT: &[(&str, Lift)] = {
    use Lift::*;
    &[
        ("max_completion_tokens", MaxTokens),
        ("max_tokens", MaxTokens),
        ("temperature", Temperature),
        ("top_p", TopP),
        ("top_k", TopK),
        ("presence_penalty", PresencePenalty),
        ("frequency_penalty", FrequencyPenalty),
        ("seed", Seed),
        ("reasoning_effort", Effort),
        // Last: not Groq's (above).
        ("n", CandidateCount),
    ]
};

/// What a whole `u32` must be.
const WHOLE: &str = "must be a whole number from 0 to 4294967295";

/// What a kwarg's value must be, per the provider's spec, and the words that say so (written out
/// whole: no formatting code for a message that rarely shows). Checked before the model rules
/// read the value (a rule reading `thinkingBudget` as a number let `"abc"` through to fail at the
/// provider, a session found).
#[derive(Clone, Copy)]
enum Expect {
    Boolean,
    Text,
    /// A whole number from the first to the second.
    Whole(i64, i64, &'static str),
    /// One of these strings, spelt exactly (the providers' values are case-sensitive; a value in
    /// another case also slipped past the model rules, which compare exactly, a trial found).
    OneOf(&'static [&'static str], &'static str),
    /// One of these strings in any ASCII case: Gemini's `thinkingLevel`, whose docs spell it both
    /// ways and which `model_rules/body.rs` reads in any case.
    OneOfAnyCase(&'static [&'static str], &'static str),
    /// An object with a string `type` (Anthropic's `thinking`, spec `ThinkingConfigParam`).
    Typed(&'static str),
}

impl Expect {
    fn accepts(self, value: &Value) -> bool {
        match self {
            Expect::Boolean => value.is_boolean(),
            Expect::Text => value.is_string(),
            Expect::Whole(low, high, _) => value.as_i64().is_some_and(|number| (low..=high).contains(&number)),
            Expect::OneOf(names, _) => value.as_str().is_some_and(|text| names.contains(&text)),
            Expect::OneOfAnyCase(names, _) => {
                value.as_str().is_some_and(|text| names.iter().any(|name| name.eq_ignore_ascii_case(text)))
            }
            Expect::Typed(_) => value.get("type").is_some_and(Value::is_string),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Expect::Boolean => "must be true or false",
            Expect::Text => "must be a string",
            Expect::Whole(_, _, words)
            | Expect::OneOf(_, words)
            | Expect::OneOfAnyCase(_, words)
            | Expect::Typed(words) => words,
        }
    }
}

/// Kwarg paths the model rules (`model_rules/body.rs`) read a value from, and what the value must
/// be: Gemini spec `ThinkingConfig` (`thinkingBudget` int32: -1 dynamic, 0 off, reference
/// unified-features §3.3; `includeThoughts` boolean; `thinkingLevel` enum), `GenerationConfig`
/// (`responseMimeType` string, `responseLogprobs` boolean); OpenAI spec `prompt_cache_retention`
/// (`in_memory` | `24h`), `PromptCacheOptionsParam` (`ttl` `30m`, `mode`), `logprobs`,
/// `top_logprobs` (0–20, §0); Anthropic `output_config.effort` (AN-SDK-TS `OutputConfig`, §3.2),
/// `thinking.budget_tokens` (spec `ThinkingConfigEnabled`: an integer), `thinking.type` (spec
/// `ThinkingConfigParam`: `enabled`, `disabled`; `adaptive` per AN-SDK-TS, §3.2).
fn expected(provider: Provider, endpoint: Endpoint) -> &'static [(&'static str, Expect)] {
    use Expect::*;
    const RETENTION: (&str, Expect) =
        ("prompt_cache_retention", OneOf(&["in_memory", "24h"], "must be \"in_memory\" or \"24h\""));
    const CACHE_TTL: (&str, Expect) = ("prompt_cache_options.ttl", OneOf(&["30m"], "must be \"30m\""));
    const CACHE_MODE: (&str, Expect) =
        ("prompt_cache_options.mode", OneOf(&["implicit", "explicit"], "must be \"implicit\" or \"explicit\""));
    const TOP_LOGPROBS: (&str, Expect) = ("top_logprobs", Whole(0, 20, "must be a whole number from 0 to 20"));
    match (endpoint, provider) {
        (Endpoint::Embeddings, _) => &[],
        (Endpoint::Responses, _) => &[RETENTION, CACHE_TTL, CACHE_MODE, TOP_LOGPROBS],
        (Endpoint::Chat, Provider::Google) => &[
            (
                "generationConfig.thinkingConfig.thinkingBudget",
                Whole(
                    -1,
                    i32::MAX as i64,
                    "must be a whole number of at least -1: a budget in tokens, 0 (thinking off) or -1 (dynamic)",
                ),
            ),
            ("generationConfig.thinkingConfig.includeThoughts", Boolean),
            (
                "generationConfig.thinkingConfig.thinkingLevel",
                OneOfAnyCase(
                    &["MINIMAL", "LOW", "MEDIUM", "HIGH", "THINKING_LEVEL_UNSPECIFIED"],
                    "must be \"MINIMAL\", \"LOW\", \"MEDIUM\", \"HIGH\" or \"THINKING_LEVEL_UNSPECIFIED\"",
                ),
            ),
            ("generationConfig.responseMimeType", Text),
            ("generationConfig.responseLogprobs", Boolean),
        ],
        // Its range (1,024 ≤ budget < `max_tokens`) is a rule of thinking (`conversation_rules`).
        (Endpoint::Chat, Provider::Anthropic) => &[
            (
                "output_config.effort",
                OneOf(
                    &["low", "medium", "high", "xhigh", "max"],
                    "must be \"low\", \"medium\", \"high\", \"xhigh\" or \"max\"",
                ),
            ),
            (
                "thinking",
                Typed("must be an object with a type: {\"type\": \"enabled\", \"budget_tokens\": …}, {\"type\": \"disabled\"} or {\"type\": \"adaptive\"}"),
            ),
            ("thinking.budget_tokens", Whole(0, u32::MAX as i64, WHOLE)),
            (
                "thinking.type",
                OneOf(&["enabled", "disabled", "adaptive"], "must be \"enabled\", \"disabled\" or \"adaptive\""),
            ),
        ],
        // The bodies checked against OpenAI's spec; Together's `logprobs` is a number, for one.
        (Endpoint::Chat, Provider::OpenAI | Provider::Azure | Provider::Vllm) => {
            &[RETENTION, CACHE_TTL, CACHE_MODE, ("logprobs", Boolean), TOP_LOGPROBS]
        }
        (Endpoint::Chat, _) => &[],
    }
}

/// Kwargs that take `true` or `false` only, and the providers that check them here: `stream` on
/// every provider (a batch never streams, so `true` is refused: vLLM run-batch refuses it per line,
/// reference providers §5.2, and a batch result file has no place for a stream), `store` on OpenAI
/// and Azure OpenAI (spec `CreateChatCompletionRequest.store`, `CreateResponse.store`: a boolean;
/// Responses lines are written with `store: false`). Groq refuses `store` itself (conversation_rules).
pub(crate) const SWITCHES: &[(&str, &[Provider])] =
    &[("stream", &Provider::ALL), ("store", &[Provider::OpenAI, Provider::Azure])];

/// The value at `path` (dot-separated) inside `kwargs`.
pub(crate) fn at<'a>(kwargs: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut keys = path.split('.');
    let first = kwargs.get(keys.next()?)?;
    keys.try_fold(first, |value, key| value.get(key))
}

/// Removes the value at `path` (dot-separated) from `kwargs`, and an object it leaves empty (an
/// Anthropic `thinking` without its `type` is a 400; an empty object says nothing anywhere).
pub(crate) fn remove_at(kwargs: &mut Map<String, Value>, path: &str) {
    match path.split_once('.') {
        None => {
            kwargs.remove(path);
        }
        Some((head, rest)) => {
            if let Some(Value::Object(inner)) = kwargs.get_mut(head) {
                remove_at(inner, rest);
                if inner.is_empty() {
                    kwargs.remove(head);
                }
            }
        }
    }
}

/// A unified field whose value came from a kwarg: the checks' errors name the kwarg.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Renamed {
    pub(crate) unified: &'static str,
    pub(crate) kwarg: &'static str,
}

/// A copy of a request with kwarg values in the unified settings' places, and those settings.
pub(crate) type Lifted = (UnifiedRequest, Vec<Renamed>);

/// The request as it is sent, for checking: each kwarg a unified setting also writes put in that
/// setting's place (the kwarg is merged last, so its value is the one sent). `None` when no such
/// kwarg is given. An error is the kwarg's path and what its value must be.
pub(crate) fn lifted(
    provider: Provider,
    endpoint: Endpoint,
    request: &UnifiedRequest,
) -> Result<Option<Lifted>, (&'static str, String)> {
    let Some(kwargs) = &request.provider_kwargs else { return Ok(None) };
    // Every path of the table is a field of the provider's schema (a test holds them together).
    for (path, expect) in expected(provider, endpoint) {
        let Some(value) = at(kwargs, path).filter(|value| !value.is_null()) else { continue };
        if !expect.accepts(value) {
            return Err((path, expect.describe().into()));
        }
    }
    let mut found = None;
    for (path, lift) in lifts(provider, endpoint) {
        // A null is left to the provider (it reads as unset); a key the provider's schema lacks is
        // refused as unknown (`unknown_keys`), not as the unified setting.
        let Some(value) = at(kwargs, path).filter(|value| !value.is_null()) else { continue };
        if !super::is_known(provider, endpoint, path) {
            continue;
        }
        let (copy, renamed) = found.get_or_insert_with(|| (request.clone(), Vec::new()));
        lift.apply(value, copy).map_err(|message| (*path, message))?;
        renamed.retain(|known: &Renamed| known.unified != lift.field());
        renamed.push(Renamed { unified: lift.field(), kwarg: path });
    }
    Ok(found)
}

#[cfg(test)]
#[path = "unified_tests.rs"]
mod tests;
