//! The model rules, as data. Every row of reference unified-features §7 that a unified field can
//! break is one entry here; adding a model is adding its id pattern to an entry (or one entry).
//! Patterns are model ids with `*` for any run of characters, matched whole and case-insensitively
//! (a leading `models/` of Gemini ids is ignored). Source tags are those of
//! `shared/reference/unified-features.md` §11 and `provider-changes.md`.

use super::{ModelRule, Rule, Setting};
use crate::model::ReasoningEffort::{self, High, Low, Max, Medium, Minimal, None as Off, Xhigh};
use crate::Provider::{Anthropic, Google, OpenAI};

/// OpenAI reasoning models that refuse sampling settings whatever the effort.
const OPENAI_REASONING: &[&str] =
    &["o1*", "o3*", "o4-mini*", "gpt-5", "gpt-5-mini*", "gpt-5-nano*", "gpt-5-pro*", "gpt-5-codex*", "gpt-5-20*"];
/// OpenAI models that do not reason: `reasoning_effort` (`reasoning.effort` on Responses) is a 400
/// `unsupported_parameter` ("'reasoning.effort' is not supported with this model"; third-party
/// reports: BoundaryML/baml#2708 for gpt-4.1, RageAgainstThePixel/OpenAI-DotNet#500 for gpt-4o,
/// Laisky/one-api#120 for gpt-5-chat). A `reasoning.summary` alone is reported accepted on gpt-4o
/// (BerriAI/litellm#38842), so `includeThoughts` is not refused.
const OPENAI_NO_REASONING: &[&str] =
    &["gpt-4o*", "gpt-4.1*", "gpt-4-*", "gpt-4", "gpt-3.5*", "chatgpt-4o*", "gpt-5-chat*"];
/// Claude models without extended thinking: Anthropic's list of models that think is Claude Sonnet
/// 3.7 and the Claude 4 models and later (docs.claude.com "Extended thinking", supported models).
const CLAUDE_NO_THINKING: &[&str] = &["claude-3-opus*", "claude-3-sonnet*", "claude-3-haiku*", "claude-3-5-*"];
/// Gemini models without thinking: 400 "thinking is not supported by this model" for any
/// `thinkingConfig` (googleapis/js-genai#681, with the maintainers' answer that gemini-2.0-flash
/// does not think; the 2.0 Flash Thinking experiment, retired, is not matched).
const GEMINI_NO_THINKING: &[&str] = &[
    "gemini-1.5*",
    "gemini-2.0-flash",
    "gemini-2.0-flash-0*",
    "gemini-2.0-flash-lite*",
    "gemini-2.0-flash-exp*",
    "gemini-2.0-pro*",
];
/// OpenAI models older than Structured Outputs (reference §1.1: "launched with
/// `gpt-4o-2024-08-06`; older models accept only `json_object`").
const OPENAI_BEFORE_STRUCTURED_OUTPUTS: &[&str] = &["gpt-3.5*", "gpt-4", "gpt-4-*", "gpt-4o-2024-05-13"];
/// Claude models before every model of Anthropic's structured-output list (reference §1.2, §9
/// item 8: the skill lists Fable 5, Opus 4.8, Sonnet 5, Haiku 4.5 and legacy Opus 4.5/4.1, its
/// migration guide Opus/Sonnet 4.6 too). The two lists disagree on recent models only; the models
/// released before Opus 4.1 are in neither.
const CLAUDE_BEFORE_STRUCTURED_OUTPUTS: &[&str] =
    &["claude-3*", "claude-sonnet-4", "claude-sonnet-4-2025*", "claude-opus-4", "claude-opus-4-2025*"];
/// Claude models that think when `thinking` is left out (reference §7.2: Sonnet 5 "`adaptive`
/// (default when omitted)"; Fable 5 / Mythos 5 "omit or `adaptive` only").
const CLAUDE_THINKS_BY_DEFAULT: &[&str] = &["claude-sonnet-5*", "claude-fable-5*", "claude-mythos-5*"];
/// GPT-5.1 and later: sampling settings only with effort `none`.
const OPENAI_EFFORT_NONE_SAMPLING: &[&str] = &["gpt-5.1*", "gpt-5.2*", "gpt-5.4*"];
/// Anthropic models after Opus 4.6: no sampling settings, no thinking budget.
const CLAUDE_ADAPTIVE_ONLY: &[&str] =
    &["claude-opus-4-7*", "claude-opus-4-8*", "claude-sonnet-5*", "claude-fable-5*", "claude-mythos-5*"];
/// Anthropic models that refuse a final assistant message.
const CLAUDE_NO_PREFILL: &[&str] = &[
    "claude-opus-4-6*",
    "claude-sonnet-4-6*",
    "claude-opus-4-7*",
    "claude-opus-4-8*",
    "claude-sonnet-5*",
    "claude-fable-5*",
    "claude-mythos-5*",
];

/// Source of the Gemini 2.5 thinking budget ranges (unified-features §3.3).
const THINKING_RANGES: &str = "GM-THINK-DOC (ranges quoted by 3rd parties); §3.3";

/// Source of the prompt-cache rule (unified-features §4.1, §7.1).
const PROMPT_CACHE_SOURCE: &str =
    "OA-SPEC PromptCacheOptionsParam; OA-CACHE-GUIDE (older models reject it, 400); §4.1, §7.1";

const fn entry(
    provider: crate::Provider,
    models: &'static [&'static str],
    rule: Rule,
    seen: &'static str,
    source: &'static str,
) -> ModelRule {
    ModelRule { provider, models, api_version: None, rule, seen, source }
}

const fn efforts(list: &'static [ReasoningEffort]) -> Rule {
    Rule::EffortValues(list)
}

/// The table. Order does not matter: every entry whose provider, pattern and API version match
/// applies.
pub static MODEL_RULES: &[ModelRule] = &[
    // ── Models that do not reason (a new-user trial: the setting was sent and fails a day later) ──
    entry(
        OpenAI,
        OPENAI_NO_REASONING,
        Rule::Refuses(Setting::Effort),
        "2026-05",
        "BoundaryML/baml#2708, RageAgainstThePixel/OpenAI-DotNet#500, Laisky/one-api#120 (3rd-party)",
    ),
    entry(
        Anthropic,
        CLAUDE_NO_THINKING,
        Rule::Refuses(Setting::BudgetTokens),
        "2025-11",
        "AN-THINK-DOC supported models",
    ),
    entry(Anthropic, CLAUDE_NO_THINKING, Rule::Refuses(Setting::Effort), "2025-11", "AN-THINK-DOC supported models"),
    entry(Google, GEMINI_NO_THINKING, Rule::Refuses(Setting::BudgetTokens), "2025-06", "googleapis/js-genai#681"),
    entry(Google, GEMINI_NO_THINKING, Rule::Refuses(Setting::Effort), "2025-06", "googleapis/js-genai#681"),
    entry(Google, GEMINI_NO_THINKING, Rule::Refuses(Setting::IncludeThoughts), "2025-06", "googleapis/js-genai#681"),
    // ── OpenAI (reference §7.1) ─────────────────────────────────────────────────────────────────
    entry(
        OpenAI,
        OPENAI_REASONING,
        Rule::Refuses(Setting::Temperature),
        "2026-08",
        "OA-ERR-TEMP; OA-COMM-TABLE (3rd-party); VERCEL-10932 (3rd-party); §7.1",
    ),
    entry(
        OpenAI,
        OPENAI_REASONING,
        Rule::Refuses(Setting::TopP),
        "2026-08",
        "OA-ERR-TEMP; OA-COMM-TABLE (3rd-party); §7.1",
    ),
    entry(
        OpenAI,
        OPENAI_REASONING,
        Rule::Refuses(Setting::PresencePenalty),
        "2026-08",
        "OA-COMM-TABLE (3rd-party); §7.1",
    ),
    entry(
        OpenAI,
        OPENAI_REASONING,
        Rule::Refuses(Setting::FrequencyPenalty),
        "2026-08",
        "OA-COMM-TABLE (3rd-party); §7.1",
    ),
    entry(
        OpenAI,
        OPENAI_REASONING,
        Rule::Refuses(Setting::Logprobs),
        "2026-08",
        "OA-ERR-TEMP; OA-COMM-TABLE (3rd-party); VERCEL-10932 (3rd-party); §7.1",
    ),
    entry(
        OpenAI,
        OPENAI_REASONING,
        Rule::Refuses(Setting::LogitBias),
        "2026-08",
        "OA-ERR-TEMP; OA-COMM-TABLE (3rd-party); VERCEL-10932 (3rd-party); §7.1",
    ),
    // "o-series (and reasoning models generally)": every reasoning model the table knows, GPT-5.x
    // included (a new-user trial found `max_tokens` sent to gpt-5).
    entry(
        OpenAI,
        OPENAI_REASONING,
        Rule::Refuses(Setting::LegacyMaxTokens),
        "2026-08-21",
        "OA-SPEC max_tokens (not compatible with o-series models); §7.1 (reasoning models generally)",
    ),
    entry(
        OpenAI,
        &["gpt-5.*"],
        Rule::Refuses(Setting::LegacyMaxTokens),
        "2026-08-21",
        "OA-SPEC max_tokens (not compatible with o-series models); §7.1 (reasoning models generally)",
    ),
    // Structured Outputs launched with gpt-4o-2024-08-06; older models take only `json_object`.
    entry(
        OpenAI,
        OPENAI_BEFORE_STRUCTURED_OUTPUTS,
        Rule::Refuses(Setting::ResponseJsonSchema),
        "2024-08-06",
        "OA-SO-BLOG; OA-COMM-TABLE (3rd-party); §1.1 (model support)",
    ),
    entry(
        OpenAI,
        OPENAI_EFFORT_NONE_SAMPLING,
        Rule::RefusesUnlessEffortNone(Setting::Logprobs),
        "2026-08",
        "OA-LATEST (quoted by 3rd parties); §7.1",
    ),
    // Models before GPT-5.6 reject `prompt_cache_options` (400); the families the table knows.
    entry(OpenAI, OPENAI_NO_REASONING, Rule::Refuses(Setting::PromptCacheOptions), "2026-08", PROMPT_CACHE_SOURCE),
    entry(OpenAI, OPENAI_REASONING, Rule::Refuses(Setting::PromptCacheOptions), "2026-08", PROMPT_CACHE_SOURCE),
    entry(
        OpenAI,
        &["gpt-5.1*", "gpt-5.2*", "gpt-5.4*", "gpt-5.5*"],
        Rule::Refuses(Setting::PromptCacheOptions),
        "2026-08",
        PROMPT_CACHE_SOURCE,
    ),
    // Only `24h` retention on gpt-5.5 and gpt-5.5-pro.
    entry(
        OpenAI,
        &["gpt-5.5", "gpt-5.5-20*", "gpt-5.5-pro*"],
        Rule::Refuses(Setting::InMemoryCacheRetention),
        "2026-08",
        "OA-SPEC prompt_cache_retention; OA-CACHE-GUIDE; §4.1, §7.1",
    ),
    // GPT-5.6 and later cache through `prompt_cache_options`; the older retention is deprecated.
    entry(
        OpenAI,
        &["gpt-5.6*"],
        Rule::Deprecates(Setting::CacheRetention, "set providerKwargs.prompt_cache_options (ttl \"30m\") instead"),
        "2026-08",
        "OA-SPEC prompt_cache_retention (deprecated for GPT-5.6+); OA-CACHE-GUIDE; §4.1",
    ),
    entry(
        OpenAI,
        &["o3*", "o4-mini*"],
        Rule::Refuses(Setting::StopSequences),
        "2026-08-21",
        "OA-SPEC StopConfiguration; NEMO-GR (3rd-party); §7.1",
    ),
    entry(
        OpenAI,
        OPENAI_EFFORT_NONE_SAMPLING,
        Rule::RefusesUnlessEffortNone(Setting::Temperature),
        "2026-08",
        "OA-LATEST (quoted by 3rd parties); §7.1",
    ),
    entry(
        OpenAI,
        OPENAI_EFFORT_NONE_SAMPLING,
        Rule::RefusesUnlessEffortNone(Setting::TopP),
        "2026-08",
        "OA-LATEST (quoted by 3rd parties); §7.1",
    ),
    entry(
        OpenAI,
        &["o1*", "o3*", "o4-mini*"],
        efforts(&[Low, Medium, High]),
        "2026-08-21",
        "OA-SPEC ReasoningEffort; §7.1",
    ),
    entry(
        OpenAI,
        &["gpt-5", "gpt-5-mini*", "gpt-5-nano*", "gpt-5-codex*", "gpt-5-20*"],
        efforts(&[Minimal, Low, Medium, High]),
        "2026-08",
        "OA-SPEC ReasoningEffort; AZ-REASONING; §7.1",
    ),
    entry(OpenAI, &["gpt-5-pro*"], efforts(&[High]), "2026-08", "AZ-REASONING; OA-LATEST; §7.1"),
    // gpt-5.1-codex-max is left out: `xhigh` came with it (OA-SPEC ReasoningEffort: "xhigh is
    // supported for all models after gpt-5.1-codex-max"; a new-user trial found it refused).
    entry(
        OpenAI,
        &["gpt-5.1", "gpt-5.1-20*", "gpt-5.1-chat*", "gpt-5.1-codex", "gpt-5.1-codex-20*", "gpt-5.1-codex-mini*"],
        efforts(&[Off, Low, Medium, High]),
        "2026-08",
        "OA-EFFORT-ERR (3rd-party: Unsupported value 'minimal'); OA-LATEST; §7.1",
    ),
    // `none` for codex-max is not documented either way: not refused.
    entry(
        OpenAI,
        &["gpt-5.1-codex-max*"],
        efforts(&[Off, Low, Medium, High, Xhigh]),
        "2026-12",
        "OA-SPEC ReasoningEffort (xhigh from gpt-5.1-codex-max); §7.1",
    ),
    entry(
        OpenAI,
        &["gpt-5.2*", "gpt-5.4*"],
        efforts(&[Off, Low, Medium, High, Xhigh]),
        "2026-08",
        "OA-LATEST; AZ-REASONING; §7.1",
    ),
    entry(
        OpenAI,
        &["o1-mini*", "o1-preview*"],
        Rule::Refuses(Setting::SystemPrompt),
        "2025-01",
        "OA-COMM-TABLE (3rd-party); §7.1",
    ),
    entry(
        OpenAI,
        &["o1-mini*", "o1-preview*"],
        Rule::Refuses(Setting::Tools),
        "2025-01",
        "OA-COMM-TABLE (3rd-party); §7.1",
    ),
    entry(
        OpenAI,
        &["o1-mini*", "o1-preview*"],
        Rule::Refuses(Setting::ResponseFormat),
        "2025-01",
        "OA-COMM-TABLE (3rd-party); §7.1",
    ),
    // ── Anthropic (reference §7.2; provider-changes C.2) ─────────────────────────────────────────
    entry(
        Anthropic,
        &["claude-sonnet-4*", "claude-opus-4*", "claude-haiku-4*"],
        Rule::RefusesTogether(Setting::Temperature, Setting::TopP),
        "2026-07",
        "AN-SKILL SKILL.md (\"keep at most one\"); FIELD (litellm#15097, 3rd-party); §7.2",
    ),
    entry(
        Anthropic,
        CLAUDE_ADAPTIVE_ONLY,
        Rule::Refuses(Setting::Temperature),
        "2026-04-16",
        "AN-SDK-TS MessageCreateParamsBase deprecation note; provider-changes C.2 [B18], [C10]; §7.2",
    ),
    entry(
        Anthropic,
        CLAUDE_ADAPTIVE_ONLY,
        Rule::Refuses(Setting::TopP),
        "2026-04-16",
        "AN-SDK-TS MessageCreateParamsBase deprecation note; provider-changes C.2 [C10]; §7.2",
    ),
    entry(
        Anthropic,
        CLAUDE_ADAPTIVE_ONLY,
        Rule::Refuses(Setting::TopK),
        "2026-04-16",
        "AN-SDK-TS MessageCreateParamsBase deprecation note; §7.2",
    ),
    entry(
        Anthropic,
        CLAUDE_ADAPTIVE_ONLY,
        Rule::Refuses(Setting::BudgetTokens),
        "2026-04-16",
        "AN-SKILL model-migration.md; provider-changes C.2 [C10]; §7.2",
    ),
    // Omitting `thinking` means no thinking on Opus 4.7/4.8; `budget_tokens` is refused there.
    entry(
        Anthropic,
        CLAUDE_ADAPTIVE_ONLY,
        Rule::AdaptiveThinking,
        "2026-07",
        "AN-SDK-TS ThinkingConfigAdaptive; AN-SKILL; §3.2, §7.2, §8.2",
    ),
    // `display` has a documented default on Opus/Sonnet 4.6 and every later model.
    entry(
        Anthropic,
        CLAUDE_NO_PREFILL,
        Rule::ThinkingDisplay,
        "2026-07",
        "AN-SDK-TS ThinkingConfigAdaptive; AN-SKILL; §3.2",
    ),
    entry(Anthropic, CLAUDE_NO_PREFILL, Rule::NoPrefill, "2026-07", "AN-ERR-DOC; AN-PREFILL-OBS (3rd-party); §7.2"),
    entry(Anthropic, CLAUDE_THINKS_BY_DEFAULT, Rule::ThinksByDefault, "2026-07", "AN-SKILL model-migration.md; §7.2"),
    entry(
        Anthropic,
        CLAUDE_BEFORE_STRUCTURED_OUTPUTS,
        Rule::Refuses(Setting::ResponseFormat),
        "2026-07",
        "AN-SKILL tool-use-concepts.md, model-migration.md (model lists); §1.2, §9 item 8",
    ),
    entry(
        Anthropic,
        CLAUDE_BEFORE_STRUCTURED_OUTPUTS,
        Rule::Refuses(Setting::StrictTools),
        "2026-07",
        "AN-SKILL tool-use-concepts.md, model-migration.md (model lists); §1.2, §2.1, §9 item 8",
    ),
    entry(
        Anthropic,
        &["claude-sonnet-4-5*", "claude-haiku-4-5*", "claude-opus-4-1*"],
        efforts(&[Off]),
        "2026-07",
        "AN-SKILL model-migration.md; §7.2",
    ),
    // The thinking models before those (Claude Sonnet 3.7, Sonnet 4 and Opus 4): the reference is
    // silent; the effort parameter came with Opus 4.5 (beta `effort-2025-11-24`, Anthropic's Opus 4.5
    // migration skill, references/effort.md) and Anthropic's effort page lists no earlier model, so
    // they think by budget only, as the models above.
    entry(
        Anthropic,
        &["claude-3-7-sonnet*", "claude-sonnet-4-2025*", "claude-opus-4-2025*", "claude-sonnet-4", "claude-opus-4"],
        efforts(&[Off]),
        "2026-12",
        "platform.claude.com effort (models listed); claude-opus-4-5-migration skill effort.md",
    ),
    entry(
        Anthropic,
        &["claude-opus-4-5*"],
        efforts(&[Off, Low, Medium, High]),
        "2026-07",
        "AN-SKILL model-migration.md; §7.2",
    ),
    entry(
        Anthropic,
        &["claude-opus-4-6*", "claude-sonnet-4-6*"],
        efforts(&[Off, Low, Medium, High, Max]),
        "2026-07",
        "AN-SKILL model-migration.md; §7.2",
    ),
    entry(
        Anthropic,
        &["claude-opus-4-7*", "claude-opus-4-8*", "claude-sonnet-5*"],
        efforts(&[Off, Low, Medium, High, Xhigh, Max]),
        "2026-07",
        "AN-SKILL model-migration.md; provider-changes C.2 [C10]; §7.2",
    ),
    // Fable 5 and Mythos 5 refuse `thinking: disabled` (effort "none").
    entry(
        Anthropic,
        &["claude-fable-5*", "claude-mythos-5*"],
        efforts(&[Low, Medium, High, Xhigh, Max]),
        "2026-07",
        "AN-SKILL model-migration.md; §7.2",
    ),
    ModelRule {
        provider: Anthropic,
        models: &["*"],
        api_version: Some("2026-10-21"),
        rule: Rule::Refuses(Setting::Temperature),
        seen: "2026-10-21",
        source: "provider-changes C.2 [C7], [C8], [C9]; AN-V2026 (3rd-party summaries); §7.2",
    },
    ModelRule {
        provider: Anthropic,
        models: &["*"],
        api_version: Some("2026-10-21"),
        rule: Rule::Refuses(Setting::TopP),
        seen: "2026-10-21",
        source: "provider-changes C.2 [C7], [C8], [C9]; §7.2",
    },
    ModelRule {
        provider: Anthropic,
        models: &["*"],
        api_version: Some("2026-10-21"),
        rule: Rule::Refuses(Setting::TopK),
        seen: "2026-10-21",
        source: "provider-changes C.2 [C7], [C8], [C9]; §7.2",
    },
    // ── Gemini (reference §7.3) ─────────────────────────────────────────────────────────────────
    entry(Google, &["gemini-2.5*"], Rule::ThinkingBudget, "2025-12-18", "GM-SPEC ThinkingConfig; GM-THINK-DOC; §7.3"),
    entry(
        Google,
        &["gemini-3*"],
        Rule::ThinkingLevels,
        "2025-12-18",
        "GM-SPEC ThinkingConfig.thinkingLevel; GM-G3-DOC; §7.3",
    ),
    entry(Google, &["gemini-2.5-pro*"], Rule::ThinkingAlwaysOn, "2026-08", "GM-THINK-DOC; §7.3"),
    // Budget ranges per model; Flash-Lite matches both Flash patterns, so it gets the narrower one.
    entry(Google, &["gemini-2.5-pro*"], Rule::ThinkingBudgetRange(128, 32768), "2025-12-18", THINKING_RANGES),
    entry(Google, &["gemini-2.5-flash*"], Rule::ThinkingBudgetRange(1, 24576), "2025-12-18", THINKING_RANGES),
    entry(Google, &["gemini-2.5-flash-lite*"], Rule::ThinkingBudgetRange(512, 24576), "2025-12-18", THINKING_RANGES),
    entry(
        Google,
        &["gemini-3*pro*"],
        efforts(&[Low, Medium, High]),
        "2026-08",
        "GM-THINK-DOC (per-model level table, quoted); §7.3",
    ),
    entry(
        Google,
        &["gemini-2*"],
        Rule::RefusesTogether(Setting::Tools, Setting::ResponseFormat),
        "2026-08",
        "GM-TOOLS-JSON-ERR (3rd-party; disputed for 3.x, so only 2.x); §7.3",
    ),
    // Every model: rules of the body (not model facts; `is_known` ignores `*` entries).
    entry(
        Google,
        &["*"],
        Rule::RefusesTogether(Setting::ResponseJsonSchema, Setting::ResponseSchema),
        "2025-12-18",
        "GM-SPEC GenerationConfig._responseJsonSchema (\"If set, response_schema must be omitted\"); §1.3",
    ),
    entry(
        crate::Provider::Vllm,
        &["*"],
        Rule::RisksTogether(Setting::ResponseFormat, Setting::StructuredOutputs),
        "2026-08",
        "VL-CHAT to_sampling_params (response_format becomes structured_outputs), check_structured_outputs_count; §1.5",
    ),
    entry(Google, &["gemini-3*"], Rule::ThoughtSignatures, "2026-08", "GM-SIG-ERR (3rd-party); GM-G3-DOC; §7.3"),
    // "All current models except `codestral-mamba`" take custom structured output (§1.4).
    entry(
        crate::Provider::Mistral,
        &["codestral-mamba*", "open-codestral-mamba*"],
        Rule::Refuses(Setting::ResponseJsonSchema),
        "2026-08",
        "MI-DOCS structured-output/custom.md; §1.4",
    ),
    // "Current models on the Developer API" (third-party reports): a warning for every model.
    entry(
        Google,
        &["*"],
        Rule::Risks(Setting::Logprobs),
        "2026-08",
        "GM-LOGPROBS-ERR (3rd-party: 400 \"Logprobs is not enabled for this model\"); §5, §7.3",
    ),
];

/// Mistral's model families (its docs' model list): none has a rule of its own in the table, so
/// they are all known as well as Mistral's.
const MISTRAL_MODELS: &[&str] = &[
    "mistral-*",
    "magistral-*",
    "ministral-*",
    "codestral-*",
    "pixtral-*",
    "devstral-*",
    "voxtral-*",
    "open-mistral-*",
    "open-mixtral-*",
    "open-codestral-*",
];

/// Model ids each provider's own API serves, by pattern: a model that matches another provider's
/// family is from that provider (`gpt-4o-mini` sent to Anthropic). Providers not listed (vLLM, Groq,
/// Azure deployments) serve models chosen by the user, so no model is foreign or unknown there.
pub static MODEL_FAMILIES: &[(crate::Provider, &[&str])] = &[
    (OpenAI, &["gpt-*", "o1*", "o3*", "o4*", "chatgpt-*", "davinci-*", "babbage-*", "text-embedding-*", "omni-*"]),
    (Anthropic, &["claude-*"]),
    (Google, &["gemini-*", "gemma-*", "text-embedding-*", "gemini-embedding-*", "embedding-*"]),
    (crate::Provider::Mistral, MISTRAL_MODELS),
];

/// The embedding models of each provider's family in [`MODEL_FAMILIES`]; its other models there
/// are chat models. An embeddings batch of a chat model, or a chat batch of an embedding model,
/// fails at the provider after upload (a new-user trial found both converted).
pub static EMBEDDING_MODELS: &[(crate::Provider, &[&str])] = &[
    (OpenAI, &["text-embedding-*"]),
    (Google, &["gemini-embedding-*", "text-embedding-*", "embedding-*"]),
    (crate::Provider::Mistral, &["mistral-embed*", "codestral-embed*"]),
];

/// Models the table knows to have no rule of their own (checked against the same sources): they
/// get no "unknown model" note. Every model matched by an entry of [`MODEL_RULES`] is known too.
pub static KNOWN_WITHOUT_RULES: &[(crate::Provider, &[&str])] = &[
    (OpenAI, &["gpt-4o*", "gpt-4.1*", "gpt-4-*", "gpt-4", "gpt-3.5*", "chatgpt-4o*", "text-embedding-*"]),
    (Anthropic, &["claude-3*", "claude-sonnet-4-2025*", "claude-opus-4-2025*", "claude-sonnet-4", "claude-opus-4"]),
    (Google, &["gemini-2.0*", "gemini-1.5*", "gemini-embedding-*", "text-embedding-*"]),
    (crate::Provider::Mistral, MISTRAL_MODELS),
];
