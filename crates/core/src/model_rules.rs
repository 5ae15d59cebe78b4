//! Model rules: what a provider refuses for some *models* or *API versions* only (reference
//! unified-features §7, provider-changes C.1–C.3). A batch line that breaks one fails hours after
//! upload, so each is checked before anything is sent, naming the request, the field, the model
//! and the rule, and how to fix it; under `dropUnsupported` the setting is left out with a warning.
//!
//! The rules are data ([`MODEL_RULES`] in `table.rs`): provider, model-id patterns, API version
//! where it matters, the rule, the date it was seen and its source. Conversion code asks the table
//! too ([`has_rule`]), so no model-name test lives anywhere else. A model the table does not know
//! gets the provider's rules only and an "unknown model" note in the batch summary, never an error.
//! A model of another provider's family (`gpt-4o-mini` sent to Anthropic) is refused on that
//! provider's own API and only warned about behind a custom base URL (a proxy may route it).

mod body;
#[cfg(test)]
mod body_tests;
mod table;
#[cfg(test)]
mod tests;

pub use table::{EMBEDDING_MODELS, KNOWN_WITHOUT_RULES, MODEL_FAMILIES, MODEL_RULES};

use std::borrow::Cow;

use crate::conversation_rules::prefill_index;
use crate::model::{ReasoningEffort, UnifiedRequest};
use crate::validate::RequestChecker;
use crate::{CoreError, Provider};

/// Anthropic's API version when none is chosen (the `anthropic-version` header batch-router pins).
pub const DEFAULT_ANTHROPIC_VERSION: &str = "2023-06-01";
/// The Anthropic API versions batch-router knows the rules of.
pub const ANTHROPIC_VERSIONS: [&str; 2] = ["2023-06-01", "2026-10-21"];

/// One entry of the table.
#[derive(Debug, Clone, Copy)]
pub struct ModelRule {
    pub provider: Provider,
    /// Model-id patterns (`*` = any characters), matched whole and case-insensitively.
    pub models: &'static [&'static str],
    /// The API version the rule belongs to; `None`: every version.
    pub api_version: Option<&'static str>,
    pub rule: Rule,
    /// When the rule was seen (date of the source).
    pub seen: &'static str,
    /// Where it comes from (source tags of the reference files).
    pub source: &'static str,
}

/// A unified setting a rule is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    Temperature,
    TopP,
    TopK,
    PresencePenalty,
    FrequencyPenalty,
    StopSequences,
    BudgetTokens,
    Effort,
    IncludeThoughts,
    Tools,
    ResponseFormat,
    SystemPrompt,
    // Body fields no unified field writes: given only through `providerKwargs` (`body.rs`).
    /// OpenAI `logprobs` / `top_logprobs`.
    Logprobs,
    /// OpenAI `logit_bias`.
    LogitBias,
    /// OpenAI chat `max_tokens`, the older name of `max_completion_tokens` (which `maxTokens` writes).
    LegacyMaxTokens,
    /// OpenAI `prompt_cache_options`.
    PromptCacheOptions,
    /// Gemini `generationConfig.responseSchema` (the OpenAPI subset).
    ResponseSchema,
    /// Gemini `generationConfig.responseJsonSchema`, which a `responseFormat` schema writes.
    ResponseJsonSchema,
    /// vLLM `structured_outputs`.
    StructuredOutputs,
    /// OpenAI `prompt_cache_retention: "in_memory"` (the value `24h` is not this setting).
    InMemoryCacheRetention,
    /// OpenAI `prompt_cache_retention`, any value.
    CacheRetention,
    /// A tool with `strict: true` (Anthropic strict tool use, structured output's sibling).
    StrictTools,
}

impl Setting {
    /// The unified field path.
    pub fn field(self) -> &'static str {
        match self {
            Setting::Temperature => "generationConfig.temperature",
            Setting::TopP => "generationConfig.topP",
            Setting::TopK => "generationConfig.topK",
            Setting::PresencePenalty => "generationConfig.presencePenalty",
            Setting::FrequencyPenalty => "generationConfig.frequencyPenalty",
            Setting::StopSequences => "generationConfig.stopSequences",
            Setting::BudgetTokens => "reasoning.budgetTokens",
            Setting::Effort => "reasoning.effort",
            Setting::IncludeThoughts => "reasoning.includeThoughts",
            Setting::Tools => "tools",
            Setting::ResponseFormat => "responseFormat",
            Setting::SystemPrompt => "systemPrompt",
            Setting::Logprobs => "providerKwargs.logprobs",
            Setting::LogitBias => "providerKwargs.logit_bias",
            Setting::LegacyMaxTokens => "providerKwargs.max_tokens",
            Setting::PromptCacheOptions => "providerKwargs.prompt_cache_options",
            Setting::ResponseSchema => "providerKwargs.generationConfig.responseSchema",
            Setting::ResponseJsonSchema => "responseFormat.schema",
            Setting::StructuredOutputs => "providerKwargs.structured_outputs",
            Setting::InMemoryCacheRetention => "providerKwargs.prompt_cache_retention \"in_memory\"",
            Setting::CacheRetention => "providerKwargs.prompt_cache_retention",
            Setting::StrictTools => "tools[].strict",
        }
    }

    fn present(self, request: &UnifiedRequest) -> bool {
        let config = request.generation_config.as_ref();
        let reasoning = request.reasoning.as_ref();
        match self {
            Setting::Temperature => config.is_some_and(|config| config.temperature.is_some()),
            Setting::TopP => config.is_some_and(|config| config.top_p.is_some()),
            Setting::TopK => config.is_some_and(|config| config.top_k.is_some()),
            Setting::PresencePenalty => config.is_some_and(|config| config.presence_penalty.is_some()),
            Setting::FrequencyPenalty => config.is_some_and(|config| config.frequency_penalty.is_some()),
            Setting::StopSequences => config.is_some_and(|config| config.stop_sequences.is_some()),
            Setting::BudgetTokens => reasoning.is_some_and(|reasoning| reasoning.budget_tokens.is_some()),
            Setting::Effort => reasoning.is_some_and(|reasoning| reasoning.effort.is_some()),
            Setting::IncludeThoughts => reasoning.is_some_and(|reasoning| reasoning.include_thoughts.is_some()),
            Setting::Tools => request.tools.as_ref().is_some_and(|tools| !tools.is_empty()),
            Setting::ResponseFormat => request.response_format.is_some(),
            Setting::SystemPrompt => request.system_prompt.is_some(),
            Setting::ResponseJsonSchema => {
                request.response_format.as_ref().is_some_and(|format| format.schema.is_some())
            }
            Setting::StrictTools => request.tools.iter().flatten().any(|tool| tool.strict == Some(true)),
            Setting::Logprobs
            | Setting::LogitBias
            | Setting::LegacyMaxTokens
            | Setting::PromptCacheOptions
            | Setting::ResponseSchema
            | Setting::StructuredOutputs
            | Setting::InMemoryCacheRetention
            | Setting::CacheRetention => false,
        }
    }

    /// Leaves the setting out (and what only makes sense with it: a tool choice with the tools).
    pub(crate) fn remove(self, request: &mut UnifiedRequest) {
        let config = request.generation_config.as_mut();
        let reasoning = request.reasoning.as_mut();
        match self {
            Setting::Temperature => config.into_iter().for_each(|config| config.temperature = None),
            Setting::TopP => config.into_iter().for_each(|config| config.top_p = None),
            Setting::TopK => config.into_iter().for_each(|config| config.top_k = None),
            Setting::PresencePenalty => config.into_iter().for_each(|config| config.presence_penalty = None),
            Setting::FrequencyPenalty => config.into_iter().for_each(|config| config.frequency_penalty = None),
            Setting::StopSequences => config.into_iter().for_each(|config| config.stop_sequences = None),
            Setting::BudgetTokens => reasoning.into_iter().for_each(|reasoning| reasoning.budget_tokens = None),
            Setting::Effort => reasoning.into_iter().for_each(|reasoning| reasoning.effort = None),
            Setting::IncludeThoughts => reasoning.into_iter().for_each(|reasoning| reasoning.include_thoughts = None),
            Setting::Tools => {
                request.tools = None;
                request.tool_choice = None;
                request.parallel_tool_calls = None;
            }
            Setting::ResponseFormat => request.response_format = None,
            Setting::SystemPrompt => {
                request.system_prompt = None;
                request.system_prompt_cache_control = None;
            }
            Setting::ResponseJsonSchema => request.response_format = None,
            Setting::StrictTools => request.tools.iter_mut().flatten().for_each(|tool| tool.strict = None),
            // Only in `providerKwargs`: left out there (`check` returns the path).
            Setting::Logprobs
            | Setting::LogitBias
            | Setting::LegacyMaxTokens
            | Setting::PromptCacheOptions
            | Setting::ResponseSchema
            | Setting::StructuredOutputs
            | Setting::InMemoryCacheRetention
            | Setting::CacheRetention => {}
        }
    }
}

/// What a model refuses or needs.
#[derive(Debug, Clone, Copy)]
pub enum Rule {
    /// The setting is refused.
    Refuses(Setting),
    /// The setting is refused unless `reasoning.effort` is `"none"` (OpenAI GPT-5.1 and later).
    RefusesUnlessEffortNone(Setting),
    /// The two settings are refused together (the second is the one reported and left out).
    RefusesTogether(Setting, Setting),
    /// The two settings together are reported to fail, unconfirmed by the reference: a warning.
    RisksTogether(Setting, Setting),
    /// The setting is reported to fail, by third parties only: a warning.
    Risks(Setting),
    /// The reasoning efforts the model takes (`none` = thinking off).
    EffortValues(&'static [ReasoningEffort]),
    /// A final assistant message (prefill) is refused: a message-order rule.
    NoPrefill,
    /// Thinking is set with a budget (`thinkingBudget`): an effort other than `none` is refused.
    ThinkingBudget,
    /// Thinking is set with a level (`thinkingLevel`, the renamed parameter): a budget is refused.
    ThinkingLevels,
    /// Thinking cannot be turned off: effort `none` is refused.
    ThinkingAlwaysOn,
    /// A thinking budget above 0 must lie in this range of tokens (0 and -1 are the switches
    /// off and dynamic, which other rules judge).
    ThinkingBudgetRange(u32, u32),
    /// Function calls of a transcript need the signatures they came with (a warning, not a refusal).
    ThoughtSignatures,
    /// Thinking is `adaptive`: an effort turns it on with `thinking: {type: "adaptive"}` (a
    /// conversion rule, never a refusal).
    AdaptiveThinking,
    /// Takes `thinking.display` (`summarized` or `omitted`), so returned thoughts can be asked for
    /// or hidden (a conversion rule, never a refusal).
    ThinkingDisplay,
    /// Thinks when the request leaves `thinking` out: the rules that hold while thinking is on
    /// hold then too (conversation_rules.rs).
    ThinksByDefault,
    /// The setting is deprecated on the model, with what replaces it: sent as given, with a warning.
    Deprecates(Setting, &'static str),
}

impl Rule {
    /// The rule in a few words.
    pub fn describe(&self) -> String {
        match self {
            Rule::Refuses(setting) => format!("refuses {}", setting.field()),
            Rule::RefusesUnlessEffortNone(setting) => {
                format!("refuses {} unless reasoning.effort is \"none\"", setting.field())
            }
            Rule::RefusesTogether(first, second) => {
                format!("refuses {} together with {}", first.field(), second.field())
            }
            Rule::RisksTogether(first, second) => {
                format!("may refuse {} together with {} (unconfirmed)", first.field(), second.field())
            }
            Rule::Risks(setting) => format!("may refuse {} (third-party reports)", setting.field()),
            Rule::EffortValues(values) => {
                let names: Vec<&str> = values.iter().map(|effort| effort.as_str()).collect();
                format!("takes reasoning.effort {} only", names.join(", "))
            }
            Rule::NoPrefill => "refuses a final assistant message (prefill)".into(),
            Rule::ThinkingBudget => "takes a thinking budget (reasoning.budgetTokens), not an effort level".into(),
            Rule::ThinkingLevels => "takes a thinking level (reasoning.effort), not a budget".into(),
            Rule::ThinkingAlwaysOn => {
                "cannot turn thinking off (reasoning.effort \"none\", or a thinking budget of 0)".into()
            }
            Rule::ThinkingBudgetRange(low, high) => format!("takes a thinking budget from {low} to {high} tokens"),
            Rule::ThoughtSignatures => "needs each function call's thought signature in a transcript".into(),
            Rule::AdaptiveThinking => "thinks adaptively: an effort is sent with thinking type \"adaptive\"".into(),
            Rule::ThinkingDisplay => "takes thinking.display (summarized or omitted)".into(),
            Rule::ThinksByDefault => "thinks when thinking is left out".into(),
            Rule::Deprecates(setting, _) => format!("deprecates {}", setting.field()),
        }
    }
}

impl ModelRule {
    /// Where the rule comes from, for messages: patterns, version, date, source.
    pub fn citation(&self) -> String {
        let version = self.api_version.map(|version| format!(", API version {version}")).unwrap_or_default();
        format!(
            "model rule: {} {}{version}, seen {}, source {}",
            self.provider.display_name(),
            self.models.join(" "),
            self.seen,
            self.source
        )
    }
}

/// The model id as the table matches it: lower case, without Gemini's `models/` prefix.
fn normalized(model: &str) -> String {
    let lower = model.trim().to_ascii_lowercase();
    lower.strip_prefix("models/").map(str::to_owned).unwrap_or(lower)
}

/// Whether `pattern` (with `*` for any run of characters) matches all of `text`.
pub fn pattern_matches(pattern: &str, text: &str) -> bool {
    let mut pieces = pattern.split('*');
    let first = pieces.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else { return false };
    let pieces: Vec<&str> = pieces.collect();
    let Some((last, middle)) = pieces.split_last() else { return rest.is_empty() };
    for piece in middle {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Not inlined: the pattern lists are constants, and inlined, each list's loop was unrolled into
/// one call of `pattern_matches` per pattern at every caller (85 in the batch check); the lookup
/// runs once per model of a batch (`ModelFactsCache`).
#[inline(never)]
fn any_matches(patterns: &[&str], model: &str) -> bool {
    patterns.iter().any(|pattern| pattern_matches(pattern, model))
}

/// The API version rules are looked up for: the chosen one (Anthropic), or the default.
pub fn effective_api_version(provider: Provider, chosen: Option<&str>) -> Option<&str> {
    match provider {
        Provider::Anthropic => Some(chosen.unwrap_or(DEFAULT_ANTHROPIC_VERSION)),
        _ => None,
    }
}

/// The entries that apply to `model` on `provider` with `api_version`.
pub fn rules_for<'a>(
    provider: Provider,
    model: &'a str,
    api_version: Option<&'a str>,
) -> impl Iterator<Item = &'static ModelRule> + 'a {
    let model = normalized(model);
    MODEL_RULES.iter().filter(move |entry| {
        entry.provider == provider
            && entry.api_version.is_none_or(|version| Some(version) == api_version)
            && any_matches(entry.models, &model)
    })
}

/// Whether a rule of the kind `kind` holds for `model` (conversion code asks this instead of
/// testing model names itself). Version-bound rules are not considered.
pub fn has_rule(provider: Provider, model: &str, kind: fn(&Rule) -> bool) -> bool {
    rules_for(provider, model, None).any(|entry| kind(&entry.rule))
}

/// Whether the table knows `model` on `provider`: a rule matches it, or it is listed as having none.
pub fn is_known(provider: Provider, model: &str) -> bool {
    let normalized = normalized(model);
    // Entries of one API version only (every model, `*`) say nothing about a model.
    // Nor do entries of every model (`*` alone): rules of the provider's body.
    MODEL_RULES.iter().any(|entry| {
        entry.provider == provider
            && entry.api_version.is_none()
            && entry.models != ["*"]
            && any_matches(entry.models, &normalized)
    }) || KNOWN_WITHOUT_RULES.iter().any(|(owner, patterns)| *owner == provider && any_matches(patterns, &normalized))
}

/// Whether the table is about this provider's models at all (its own API names the models);
/// vLLM, Groq, Azure OpenAI, Together AI and xAI have no family in [`MODEL_FAMILIES`]: no model
/// of theirs gets a note, and no other provider's model is refused there.
pub fn names_models(provider: Provider) -> bool {
    MODEL_FAMILIES.iter().any(|(owner, _)| *owner == provider)
}

/// The provider whose model family `model` belongs to, when it is not `provider`'s own.
pub fn foreign_owner(provider: Provider, model: &str) -> Option<Provider> {
    let model = normalized(model);
    let family = |owner: Provider| {
        MODEL_FAMILIES.iter().any(|(family_owner, patterns)| *family_owner == owner && any_matches(patterns, &model))
    };
    if !names_models(provider) || family(provider) {
        return None;
    }
    MODEL_FAMILIES.iter().map(|(owner, _)| *owner).find(|owner| *owner != provider && family(*owner))
}

/// Whether `model`, of `provider`'s own family, is an embedding model ([`EMBEDDING_MODELS`]);
/// `None` when the table does not know the model as one of the provider's.
pub fn is_embedding_model(provider: Provider, model: &str) -> Option<bool> {
    let model = normalized(model);
    let own = MODEL_FAMILIES.iter().any(|(owner, patterns)| *owner == provider && any_matches(patterns, &model));
    own.then(|| EMBEDDING_MODELS.iter().any(|(owner, patterns)| *owner == provider && any_matches(patterns, &model)))
}

/// What the table says about one model on one provider and API version: the answers of
/// [`foreign_owner`], [`is_known`], [`is_embedding_model`] and [`rules_for`].
#[derive(Debug, Clone)]
pub(crate) struct ModelFacts {
    pub(crate) foreign: Option<Provider>,
    pub(crate) embedding: Option<bool>,
    /// The provider names its models and the table does not know this one.
    pub(crate) unknown: bool,
    rules: Vec<&'static ModelRule>,
}

impl ModelFacts {
    /// Whether one of the model's rules is `wanted`.
    pub(crate) fn has(&self, wanted: impl Fn(&Rule) -> bool) -> bool {
        self.rules.iter().any(|entry| wanted(&entry.rule))
    }

    fn look_up(provider: Provider, model: &str, api_version: Option<&str>) -> ModelFacts {
        let foreign = foreign_owner(provider, model);
        let unknown = foreign.is_none() && names_models(provider) && !is_known(provider, model);
        let embedding = is_embedding_model(provider, model);
        ModelFacts { foreign, embedding, unknown, rules: rules_for(provider, model, api_version).collect() }
    }
}

/// [`ModelFacts`] per model for the requests of one batch. The table is matched by pattern, which
/// costs more than the rest of a request's checks; a batch names few models (most one), so each is
/// looked up once and then found by comparing the id.
pub(crate) struct ModelFactsCache<'v> {
    provider: Provider,
    api_version: Option<&'v str>,
    /// Model id → facts, in the order first seen; searched from the most recent.
    entries: Vec<(String, ModelFacts)>,
}

impl<'v> ModelFactsCache<'v> {
    /// Past this many models a batch is looked up per request, so the search stays short.
    const MAX_MODELS: usize = 16;

    pub(crate) fn new(provider: Provider, api_version: Option<&'v str>) -> Self {
        ModelFactsCache { provider, api_version, entries: Vec::new() }
    }

    pub(crate) fn facts(&mut self, model: &str) -> Cow<'_, ModelFacts> {
        let position = match self.entries.iter().rposition(|(known, _)| known == model) {
            Some(position) => position,
            None => {
                let facts = ModelFacts::look_up(self.provider, model, self.api_version);
                if self.entries.len() >= Self::MAX_MODELS {
                    return Cow::Owned(facts);
                }
                self.entries.push((model.to_owned(), facts));
                self.entries.len() - 1
            }
        };
        Cow::Borrowed(&self.entries[position].1)
    }
}

/// The thinking levels a Gemini 3 model takes, for a fix: its own effort list where the table
/// has one (3 Pro: no `minimal`), else every level.
fn levels(facts: &ModelFacts) -> String {
    let own = facts.rules.iter().find_map(|entry| match entry.rule {
        Rule::EffortValues(values) => Some(values),
        _ => None,
    });
    let names: Vec<&str> = match own {
        Some(values) => {
            values.iter().filter(|value| **value != ReasoningEffort::None).map(|value| value.as_str()).collect()
        }
        None => vec!["minimal", "low", "medium", "high"],
    };
    match names.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// A setting a broken rule leaves out (under `dropUnsupported`), and the kwarg path it was given
/// at (`None`: the unified field).
pub(crate) type Dropped = (Setting, body::Source);

/// Checks `checker`'s request against every rule of its model (`facts`, looked up for the
/// request's model), as the body is sent: unified fields and `providerKwargs` merged
/// ([`body::Body`]). Returns the settings to leave out (only under `dropUnsupported`; otherwise a
/// broken rule is an error). Rules the reference marks unconfirmed only warn.
pub(crate) fn check(checker: &mut RequestChecker, facts: &ModelFacts) -> Result<Vec<Dropped>, CoreError> {
    let request = checker.request;
    let body = body::Body::new(request, checker.provider, checker.endpoint);
    let model = request.model.as_str();
    let effort = body.effort();
    let thinking = effort.is_some_and(|(effort, _)| effort != ReasoningEffort::None);
    let mut dropped: Vec<Dropped> = Vec::new();
    for entry in facts.rules.iter().copied() {
        let given = |setting: Setting| body.given(setting).map(|source| (setting, source));
        let effort_given = || effort.map(|(_, source)| (Setting::Effort, source));
        // Written only for a broken ThinkingLevels rule (no allocation otherwise).
        let levels_fix: String;
        let broken = match entry.rule {
            Rule::Refuses(setting) => given(setting).map(|found| (found, None)),
            // No effort sent is the model's default effort, which the reference does not give per
            // model (the spec's default is `medium`, under which the setting is refused): a
            // warning (below), so that a default that reasons is not taken for "none".
            Rule::RefusesUnlessEffortNone(setting) if thinking || effort.is_none() => given(setting).map(|found| {
                let fix = if thinking {
                    "or set reasoning.effort to \"none\""
                } else {
                    "or set reasoning.effort to \"none\" (none is given; the spec's default is \"medium\")"
                };
                (found, Some(fix))
            }),
            Rule::Deprecates(setting, instead) => given(setting).map(|found| (found, Some(instead))),
            Rule::Risks(setting) => given(setting).map(|found| (found, None)),
            Rule::RefusesTogether(first, second) | Rule::RisksTogether(first, second) => {
                given(first).and(given(second)).map(|found| (found, Some("keep only one of the two")))
            }
            Rule::EffortValues(values) if effort.is_some_and(|(effort, _)| !values.contains(&effort)) => {
                effort_given().map(|found| (found, Some("use one of the efforts the model takes")))
            }
            // A `thinkingLevel` kwarg is refused whatever its level ("use with earlier models
            // results in an error", spec `ThinkingConfig.thinkingLevel`; reference §3.3).
            Rule::ThinkingBudget => match given(Setting::Effort) {
                Some(found @ (_, Some(_))) => Some((found, Some("give a thinkingBudget instead"))),
                _ if thinking => {
                    effort_given().map(|found| (found, Some("give reasoning.budgetTokens (thinkingBudget) instead")))
                }
                _ => None,
            },
            // -1 (dynamic) is only a kwarg's value: the unified budget is a token count.
            Rule::ThinkingBudgetRange(low, high) => match body.budget() {
                Some((budget, source)) if budget > 0 && !(i64::from(low)..=i64::from(high)).contains(&budget) => {
                    let alternative = match source {
                        None => "or give a budget in that range (a dynamic budget is providerKwargs.generationConfig.thinkingConfig.thinkingBudget: -1)",
                        Some(_) => "or give a budget in that range, or -1 (dynamic)",
                    };
                    Some(((Setting::BudgetTokens, source), Some(alternative)))
                }
                _ => None,
            },
            Rule::ThinkingLevels => match given(Setting::BudgetTokens) {
                // Both a level and a budget: a 400 (GM-G3-DOC; §7.3).
                Some(found) if effort.is_some() => Some((found, Some("keep only the thinking level"))),
                // A raw `thinkingBudget` alone is "backward compatible" per the Gemini API docs and
                // deprecated per Vertex's (unified-features §8.4, §9 item 17): sent, with a warning.
                Some((_, Some(path))) => {
                    checker.notice(
                        format!("providerKwargs.{path}"),
                        format!(
                            "{model} {} (thinkingBudget on Gemini 3 is disputed: intermittent 400s are reported); sent as given ({})",
                            entry.rule.describe(),
                            entry.citation()
                        ),
                    );
                    continue;
                }
                found => {
                    levels_fix = format!("give reasoning.effort ({}) instead", levels(facts));
                    found.map(|found| (found, Some(levels_fix.as_str())))
                }
            },
            Rule::ThinkingAlwaysOn => match effort {
                Some((ReasoningEffort::None, source)) => Some(((Setting::Effort, source), Some("choose a level"))),
                _ => match body.budget() {
                    Some((0, source)) => Some(((Setting::BudgetTokens, source), Some("give a budget above 0"))),
                    _ => None,
                },
            },
            Rule::NoPrefill => {
                let Some(index) = prefill_index(request) else { continue };
                // A message cannot be left out without changing the conversation: always an error.
                return Err(checker.error(
                    format!("messages[{index}]"),
                    format!(
                        "{model} {}; fix: end the conversation with a user message ({})",
                        entry.rule.describe(),
                        entry.citation()
                    ),
                ));
            }
            _ => None,
        };
        let Some(((setting, source), alternative)) = broken else { continue };
        if dropped.iter().any(|(known, _)| *known == setting) {
            continue;
        }
        let field: Cow<str> = match source {
            Some(path) => Cow::Owned(format!("providerKwargs.{path}")),
            None => Cow::Borrowed(setting.field()),
        };
        let given_as =
            if source.is_some() && field != setting.field() { format!(" (given as {field})") } else { String::new() };
        let fix = match alternative {
            Some(alternative) => format!("leave {field} out, {alternative}"),
            None => format!("leave {field} out"),
        };
        let message = format!("{model} {}{given_as}; fix: {fix} ({})", entry.rule.describe(), entry.citation());
        let warn = match entry.rule {
            Rule::RisksTogether(..) | Rule::Risks(_) | Rule::Deprecates(..) => true,
            Rule::RefusesUnlessEffortNone(_) => effort.is_none(),
            _ => false,
        };
        if warn {
            checker.notice(field, format!("{message}; sent as given"));
            continue;
        }
        checker.unsupported(field, message)?;
        dropped.push((setting, source));
    }
    Ok(dropped)
}
