//! The model rules see the body that is sent, not only the unified fields: `providerKwargs` are
//! merged into the converted body last (README "providerKwargs"), so a kwarg that writes a rule's
//! body field gives that setting (a new-user trial found every rule bypassed this way). This is
//! the one place that says which kwarg paths write which setting, per provider and endpoint; the
//! kwargs that stand for a unified *value* (`temperature`, `reasoning_effort`, …) are also put in
//! the checked copy of the request by `provider_kwargs::lifted`, and named through it.
//!
//! Paths are the fields of each provider's body (specs: OpenAI `CreateChatCompletionRequest`,
//! `CreateResponse`; Anthropic `MessageBatchIndividualRequestParams`; Gemini
//! `GenerateContentRequest`, `GenerationConfig`, `ThinkingConfig`; Mistral
//! `ChatCompletionRequest`; vLLM `ChatCompletionRequest`; reference unified-features §0 table).

use serde::Deserialize;
use serde_json::{Map, Value};

use super::Setting;
use crate::model::{ReasoningEffort, UnifiedRequest};
use crate::provider_kwargs::at;
use crate::{Endpoint, Provider};

/// Gemini's thinking level and budget (spec `ThinkingConfig`).
const GEMINI_LEVEL: &str = "generationConfig.thinkingConfig.thinkingLevel";
const GEMINI_BUDGET: &str = "generationConfig.thinkingConfig.thinkingBudget";
/// Gemini's JSON output switch: only `application/json` is JSON output (spec `responseMimeType`).
const GEMINI_MIME_TYPE: &str = "generationConfig.responseMimeType";
/// OpenAI's cache retention: the value `in_memory` is one rule's setting, any value another's
/// (reference §4.1, §7.1).
const CACHE_RETENTION: &str = "prompt_cache_retention";
/// Gemini's log probabilities switch (spec `GenerationConfig.responseLogprobs`).
const GEMINI_LOGPROBS: &str = "generationConfig.responseLogprobs";
/// Anthropic's effort (AN-SDK-TS `OutputConfig`; reference §3.2).
const ANTHROPIC_EFFORT: &str = "output_config.effort";
/// Anthropic's thinking switch (spec `ThinkingConfigParam`; `adaptive` per AN-SDK-TS, reference
/// §3.2, §7.2): `enabled` is thinking by budget; `disabled` is the effort `none` for the rules of
/// the efforts a model takes ([`Body::effort`]), not a setting a model without thinking refuses.
const ANTHROPIC_THINKING: &str = "thinking.type";

impl Setting {
    /// Whether `value` at the kwarg path `path` (one of [`Setting::kwarg_paths`]) gives this
    /// setting: some kwargs give a setting only at one value.
    pub(crate) fn written_by(self, path: &str, value: &Value) -> bool {
        match path {
            GEMINI_MIME_TYPE => value.as_str().is_some_and(|mime| mime.eq_ignore_ascii_case("application/json")),
            CACHE_RETENTION if self == Setting::InMemoryCacheRetention => value.as_str() == Some("in_memory"),
            ANTHROPIC_THINKING => value.as_str() == Some(if self == Setting::Effort { "disabled" } else { "enabled" }),
            // `false` asks for no log probabilities.
            GEMINI_LOGPROBS => value.as_bool() == Some(true),
            // A schema is OpenAI's `json_schema` format; `json_object` is JSON mode.
            "response_format" | "text.format" if self == Setting::ResponseJsonSchema => {
                value.get("type").and_then(Value::as_str) == Some("json_schema")
            }
            _ => true,
        }
    }

    /// The `providerKwargs` paths that write this setting's field of the body.
    pub(crate) fn kwarg_paths(self, provider: Provider, endpoint: Endpoint) -> &'static [&'static str] {
        use Provider::*;
        let openai_shaped = !matches!(provider, Anthropic | Google | Mistral);
        match (endpoint, self) {
            (Endpoint::Embeddings, _) => &[],
            (Endpoint::Responses, Setting::Tools) => &["tools"],
            (Endpoint::Responses, Setting::ResponseFormat | Setting::ResponseJsonSchema) => &["text.format"],
            (Endpoint::Responses, Setting::Logprobs) => &["top_logprobs"],
            (Endpoint::Responses, Setting::PromptCacheOptions) => &["prompt_cache_options"],
            (Endpoint::Responses, Setting::InMemoryCacheRetention | Setting::CacheRetention) => &[CACHE_RETENTION],
            (Endpoint::Responses, _) => &[],
            (_, Setting::Tools) => &["tools"],
            (_, Setting::ResponseFormat) => match provider {
                Google => &[GEMINI_MIME_TYPE, "generationConfig.responseSchema", "generationConfig.responseJsonSchema"],
                Anthropic => &["output_config.format", "output_format"],
                _ => &["response_format"],
            },
            (_, Setting::StopSequences) => match provider {
                Google => &["generationConfig.stopSequences"],
                Anthropic => &["stop_sequences"],
                _ => &["stop"],
            },
            (_, Setting::BudgetTokens) => match provider {
                Google => &[GEMINI_BUDGET],
                Anthropic => &["thinking.budget_tokens", ANTHROPIC_THINKING],
                _ => &[],
            },
            (_, Setting::Effort) => match provider {
                Google => &[GEMINI_LEVEL],
                Anthropic => &[ANTHROPIC_EFFORT],
                _ => &[],
            },
            (_, Setting::IncludeThoughts) if provider == Google => &["generationConfig.thinkingConfig.includeThoughts"],
            (_, Setting::Logprobs) if openai_shaped => &["logprobs", "top_logprobs"],
            (_, Setting::Logprobs) if provider == Google => &[GEMINI_LOGPROBS],
            (_, Setting::LogitBias) if openai_shaped => &["logit_bias"],
            (_, Setting::LegacyMaxTokens) if openai_shaped => &["max_tokens"],
            (_, Setting::PromptCacheOptions) if openai_shaped => &["prompt_cache_options"],
            (_, Setting::InMemoryCacheRetention | Setting::CacheRetention) if openai_shaped => &[CACHE_RETENTION],
            (_, Setting::ResponseSchema) if provider == Google => &["generationConfig.responseSchema"],
            (_, Setting::ResponseJsonSchema) if provider == Google => {
                &["generationConfig.responseJsonSchema", "generationConfig._responseJsonSchema"]
            }
            (_, Setting::ResponseJsonSchema) if openai_shaped || provider == Mistral => &["response_format"],
            (_, Setting::StructuredOutputs) if provider == Vllm => &["structured_outputs"],
            _ => &[],
        }
    }
}

/// One request's body as the rules see it: the unified request (with lifted kwarg values) and the
/// kwargs merged over it.
pub(crate) struct Body<'a> {
    pub(crate) request: &'a UnifiedRequest,
    kwargs: Option<&'a Map<String, Value>>,
    provider: Provider,
    endpoint: Endpoint,
}

/// Where a setting is given: `None` in the unified field, or the kwarg path that writes it.
pub(crate) type Source = Option<&'static str>;

impl<'a> Body<'a> {
    pub(crate) fn new(request: &'a UnifiedRequest, provider: Provider, endpoint: Endpoint) -> Self {
        Body { request, kwargs: request.provider_kwargs.as_ref(), provider, endpoint }
    }

    fn kwarg(&self, path: &str) -> Option<&'a Value> {
        at(self.kwargs?, path).filter(|value| !value.is_null())
    }

    /// Where `setting` is given, a kwarg first (it is merged last, so it is what is sent).
    pub(crate) fn given(&self, setting: Setting) -> Option<Source> {
        let kwarg = setting
            .kwarg_paths(self.provider, self.endpoint)
            .iter()
            .copied()
            .find(|path| self.kwarg(path).is_some_and(|value| setting.written_by(path, value)));
        match kwarg {
            Some(path) => Some(Some(path)),
            None => setting.present(self.request).then_some(None),
        }
    }

    /// The reasoning effort sent: Gemini's `thinkingLevel` or Anthropic's `output_config.effort`
    /// kwarg (values checked against the specs' enums by `provider_kwargs::lifted`), or the
    /// unified (or lifted) one.
    pub(crate) fn effort(&self) -> Option<(ReasoningEffort, Source)> {
        if self.provider == Provider::Anthropic && self.endpoint == Endpoint::Chat {
            if let Some(effort) = self.kwarg(ANTHROPIC_EFFORT) {
                let effort = ReasoningEffort::deserialize(effort).ok()?;
                return Some((effort, Some(ANTHROPIC_EFFORT)));
            }
            if self.kwarg(ANTHROPIC_THINKING).is_some_and(|kind| Setting::Effort.written_by(ANTHROPIC_THINKING, kind)) {
                return Some((ReasoningEffort::None, Some(ANTHROPIC_THINKING)));
            }
        }
        if self.provider == Provider::Google && self.endpoint == Endpoint::Chat {
            if let Some(level) = self.kwarg(GEMINI_LEVEL) {
                let effort = match level.as_str().map(str::to_ascii_uppercase).as_deref() {
                    Some("MINIMAL") => ReasoningEffort::Minimal,
                    Some("LOW") => ReasoningEffort::Low,
                    Some("MEDIUM") => ReasoningEffort::Medium,
                    Some("HIGH") => ReasoningEffort::High,
                    // Another value is the provider's to judge (its enum has `THINKING_LEVEL_UNSPECIFIED`).
                    _ => return None,
                };
                return Some((effort, Some(GEMINI_LEVEL)));
            }
        }
        self.request.reasoning.as_ref()?.effort.map(|effort| (effort, None))
    }

    /// The thinking budget sent (a kwarg's, as the whole number checked by
    /// `provider_kwargs::lifted`), and where.
    pub(crate) fn budget(&self) -> Option<(i64, Source)> {
        match self.given(Setting::BudgetTokens)? {
            Some(path) => self.kwarg(path)?.as_i64().map(|budget| (budget, Some(path))),
            None => self.request.reasoning.as_ref()?.budget_tokens.map(|budget| (i64::from(budget), None)),
        }
    }
}
