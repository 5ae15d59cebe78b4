//! `reasoning`: effort, thinking budget and returned thoughts in each provider's spelling, and what
//! each cannot express (reference unified-features §3, §7, §8.2).

#[cfg(test)]
mod tests;

use serde_json::{json, Value};

use crate::model::{ReasoningEffort, UnifiedRequest};
use crate::model_rules::{self, Rule};
use crate::providers::anthropic::DEFAULT_MAX_TOKENS;
use crate::validate::RequestChecker;
use crate::{CoreError, Provider};

/// How a Gemini model is told how much to think: Gemini 3 takes `thinkingLevel`, earlier models
/// `thinkingBudget` ("use with earlier models results in an error", spec
/// `ThinkingConfig.thinkingLevel`; reference §3.3), each a rule of the model-rules table. A model
/// the table does not know (`gemini-flash-latest`, a newer model) gets the spec's fields as the
/// request gives them: an effort as `thinkingLevel`, a budget as `thinkingBudget`; the provider's
/// own rules apply, never a model rule (found by a new-user trial: such models had an effort
/// refused as if they were 2.5 models).
#[derive(Clone, Copy, PartialEq, Eq)]
enum GeminiThinking {
    Levels,
    Budget,
    Unknown,
}

fn gemini_thinking(model: &str) -> GeminiThinking {
    if model_rules::has_rule(Provider::Google, model, |rule| matches!(rule, Rule::ThinkingLevels)) {
        GeminiThinking::Levels
    } else if model_rules::is_known(Provider::Google, model) {
        GeminiThinking::Budget
    } else {
        GeminiThinking::Unknown
    }
}

/// Whether a chat provider has the effort value: spec enums, Mistral's stops at `xhigh`; vLLM passes
/// low/medium/high to the chat template (reference §3.4, §3.5); Together, Groq and xAI per their own
/// published values (below).
fn chat_effort_known(provider: Provider, effort: ReasoningEffort) -> bool {
    chat_efforts(provider).contains(&effort)
}

/// The effort values a chat provider takes.
fn chat_efforts(provider: Provider) -> &'static [ReasoningEffort] {
    use ReasoningEffort as Effort;
    const LOW_TO_HIGH: &[ReasoningEffort] = &[Effort::Low, Effort::Medium, Effort::High];
    const NONE_TO_HIGH: &[ReasoningEffort] = &[Effort::None, Effort::Low, Effort::Medium, Effort::High];
    match provider {
        Provider::Mistral => &[Effort::None, Effort::Minimal, Effort::Low, Effort::Medium, Effort::High, Effort::Xhigh],
        // Together: `reasoning_effort` enum low/medium/high (togethercomputer/openapi
        // `ChatCompletionRequest`, at commit 090263aa); it turns reasoning off with its own
        // `reasoning.enabled`, which can go in providerKwargs.
        Provider::Vllm | Provider::Together => LOW_TO_HIGH,
        // Groq: none/default/low/medium/high (groq-python `CompletionCreateParams`, at commit
        // 9620fde0). xAI: none/low/medium/high on grok-4.3, low/high before it (the AI SDK's
        // @ai-sdk/xai 4.0.0-canary.61 release note, third-party; docs.x.ai "effort levels").
        Provider::Groq | Provider::Xai => NONE_TO_HIGH,
        _ => &[Effort::None, Effort::Minimal, Effort::Low, Effort::Medium, Effort::High, Effort::Xhigh, Effort::Max],
    }
}

/// `reasoning_effort` for the chat providers (a value the provider lacks was refused, or
/// left out under dropUnsupported).
pub fn chat_reasoning_effort(request: &UnifiedRequest, provider: Provider) -> Option<&'static str> {
    request
        .reasoning
        .as_ref()?
        .effort
        .filter(|effort| chat_effort_known(provider, *effort))
        .map(ReasoningEffort::as_str)
}

/// vLLM's `include_reasoning` (reference §3.5).
pub fn vllm_include_reasoning(request: &UnifiedRequest) -> Option<bool> {
    request.reasoning.as_ref()?.include_thoughts
}

/// Whether an Anthropic model thinks adaptively (a rule of the model-rules table).
fn anthropic_adaptive(model: &str) -> bool {
    model_rules::has_rule(Provider::Anthropic, model, |rule| matches!(rule, Rule::AdaptiveThinking))
}

/// Whether an Anthropic model takes `thinking.display` (a rule of the model-rules table).
fn anthropic_display(model: &str) -> bool {
    model_rules::has_rule(Provider::Anthropic, model, |rule| matches!(rule, Rule::ThinkingDisplay))
}

/// Anthropic `thinking`: enabled with the budget, adaptive for an effort (or asked-for thoughts)
/// on models that think adaptively, or disabled for effort `none`; `display` from
/// `includeThoughts` where the model takes it (AN-SDK-TS `ThinkingConfigEnabled`,
/// `ThinkingConfigAdaptive`, `ThinkingConfigDisabled`; reference §3.2, §8.2).
pub fn anthropic_thinking(request: &UnifiedRequest) -> Option<Value> {
    let reasoning = request.reasoning.as_ref()?;
    let mut thinking = match (reasoning.budget_tokens, reasoning.effort) {
        (Some(budget), _) => json!({ "type": "enabled", "budget_tokens": budget }),
        (None, Some(ReasoningEffort::None)) => return Some(json!({ "type": "disabled" })),
        // Omitting `thinking` means no thinking on Opus 4.7/4.8 (reference §7.2): an effort, or
        // asking for the thoughts, turns adaptive thinking on.
        (None, effort)
            if anthropic_adaptive(&request.model) && (effort.is_some() || reasoning.include_thoughts == Some(true)) =>
        {
            json!({ "type": "adaptive" })
        }
        _ => return None,
    };
    if let (Some(include), true) = (reasoning.include_thoughts, anthropic_display(&request.model)) {
        thinking["display"] = json!(if include { "summarized" } else { "omitted" });
    }
    Some(thinking)
}

/// The `max_tokens` a budget is held to, for messages: a default filled in is said to be one (a
/// new-user trial read "less than maxTokens (4096)" without having set it).
pub(crate) fn max_tokens_named(max_tokens: u64, given: bool) -> String {
    if given {
        max_tokens.to_string()
    } else {
        format!("{max_tokens}, the default batch-router sets when generationConfig.maxTokens is not given")
    }
}

/// Anthropic `output_config.effort` (TS SDK `OutputConfig`; `none` is thinking disabled instead).
pub fn anthropic_effort(request: &UnifiedRequest) -> Option<&'static str> {
    // A model that takes no effort had it refused or left out by its model rule (model_rules).
    let sendable = |effort: &ReasoningEffort| !matches!(effort, ReasoningEffort::None | ReasoningEffort::Minimal);
    request.reasoning.as_ref()?.effort.filter(sendable).map(ReasoningEffort::as_str)
}

/// Gemini `generationConfig.thinkingConfig` (spec `ThinkingConfig`).
pub fn gemini_thinking_config(request: &UnifiedRequest) -> Option<Value> {
    let reasoning = request.reasoning.as_ref()?;
    let mut config = serde_json::Map::new();
    let kind = gemini_thinking(&request.model);
    if kind != GeminiThinking::Budget {
        if let Some(level) = reasoning.effort.and_then(gemini_level) {
            config.insert("thinkingLevel".into(), json!(level));
        }
    }
    if kind != GeminiThinking::Levels {
        if let Some(budget) = reasoning.budget_tokens {
            config.insert("thinkingBudget".into(), json!(budget));
        } else if reasoning.effort == Some(ReasoningEffort::None) {
            // 0 turns thinking off on 2.5 Flash and Flash-Lite (reference §3.3), and is the spec's
            // way to ask a model the table does not know for no thoughts; models that cannot turn
            // it off had effort "none" refused or left out by their model rule.
            config.insert("thinkingBudget".into(), json!(0));
        }
    }
    if let Some(include) = reasoning.include_thoughts {
        config.insert("includeThoughts".into(), json!(include));
    }
    (!config.is_empty()).then_some(Value::Object(config))
}

fn gemini_level(effort: ReasoningEffort) -> Option<&'static str> {
    match effort {
        ReasoningEffort::Minimal => Some("MINIMAL"),
        ReasoningEffort::Low => Some("LOW"),
        ReasoningEffort::Medium => Some("MEDIUM"),
        ReasoningEffort::High => Some("HIGH"),
        _ => None,
    }
}

/// Checks `reasoning` for the provider of `checker`.
pub(crate) fn check(checker: &mut RequestChecker) -> Result<(), CoreError> {
    let request = checker.request;
    let Some(reasoning) = &request.reasoning else { return Ok(()) };
    let provider = checker.provider;
    let name = provider.display_name();
    let effort = reasoning.effort;
    let effort_name = effort.map(ReasoningEffort::as_str).unwrap_or_default();
    if reasoning.budget_tokens == Some(0) {
        return Err(
            checker.error("reasoning.budgetTokens", "must be at least 1; use effort \"none\" to turn thinking off")
        );
    }
    match provider {
        // Groq and Azure OpenAI take OpenAI's chat body (endpoints-and-push.md §5.1, §5.3).
        Provider::OpenAI
        | Provider::Azure
        | Provider::Groq
        | Provider::Mistral
        | Provider::Vllm
        | Provider::Together
        | Provider::Xai => {
            // Chat completions have no thinking budget (reference §3.1, §3.4, §3.5).
            if reasoning.budget_tokens.is_some() {
                checker.unsupported("reasoning.budgetTokens", format!("{name} has no thinking budget; use effort"))?;
            }
            if effort.is_some_and(|effort| !chat_effort_known(provider, effort)) {
                let values: Vec<&str> = chat_efforts(provider).iter().map(|effort| effort.as_str()).collect();
                let hint = match (provider, effort) {
                    (Provider::Together, Some(ReasoningEffort::None)) => {
                        "; Together's own reasoning: {enabled: false} can go in providerKwargs"
                    }
                    _ => "",
                };
                checker.unsupported(
                    "reasoning.effort",
                    format!("{name} has no reasoning effort \"{effort_name}\" (it takes {}){hint}", values.join(", ")),
                )?;
            }
            // OpenAI chat completions return no reasoning text (reference §3.1); Mistral returns it
            // whenever it reasons and cannot hide it (§3.4).
            // Groq, Together AI and xAI return the reasoning their models do, so `false` cannot be
            // kept either (a new-user trial found it dropped without a word).
            let unexpressible = match provider {
                // The Responses endpoint returns reasoning summaries (`reasoning.summary`).
                Provider::OpenAI | Provider::Azure => {
                    reasoning.include_thoughts == Some(true) && checker.endpoint != crate::Endpoint::Responses
                }
                Provider::Groq | Provider::Together | Provider::Xai => {
                    reasoning.include_thoughts.is_some() && checker.endpoint != crate::Endpoint::Responses
                }
                Provider::Mistral => reasoning.include_thoughts == Some(false),
                _ => false,
            };
            if unexpressible {
                // The wording follows the value asked for: `true` asks to return reasoning,
                // `false` to hide it.
                let verb = if reasoning.include_thoughts == Some(true) { "return" } else { "hide" };
                let hint = match provider {
                    Provider::OpenAI | Provider::Azure => "; the Responses endpoint returns reasoning summaries",
                    // Groq's own switches (groq-python `CompletionCreateParams`), not mapped here.
                    Provider::Groq => "; Groq's own `include_reasoning` or `reasoning_format` can go in providerKwargs",
                    _ => "",
                };
                checker.unsupported(
                    "reasoning.includeThoughts",
                    format!(
                        "{name} chat completions cannot be asked to {verb} reasoning through includeThoughts{hint}"
                    ),
                )?;
            }
        }
        Provider::Anthropic => check_anthropic(checker, reasoning.budget_tokens, effort)?,
        Provider::Google => check_gemini(checker, reasoning.budget_tokens, effort)?,
    }
    Ok(())
}

fn check_anthropic(
    checker: &mut RequestChecker,
    budget: Option<u32>,
    effort: Option<ReasoningEffort>,
) -> Result<(), CoreError> {
    let request = checker.request;
    // Models that refuse a budget or an effort: model_rules, checked before this.
    if let Some(budget) = budget {
        let given = request.generation_config.as_ref().and_then(|config| config.max_tokens);
        let max_tokens = given.unwrap_or(DEFAULT_MAX_TOKENS);
        // "budget_tokens ≥ 1,024 and < max_tokens" (reference §3.2).
        if budget < 1024 || budget >= max_tokens {
            return Err(checker.error(
                "reasoning.budgetTokens",
                format!(
                    "{budget} is out of range: Anthropic takes at least 1024 and less than maxTokens ({})",
                    max_tokens_named(u64::from(max_tokens), given.is_some())
                ),
            ));
        }
        // A forced tool choice while thinking: conversation_rules.rs, whichever field turned it on.
    }
    match effort {
        Some(ReasoningEffort::Minimal) => {
            checker.unsupported("reasoning.effort", "Anthropic has no effort \"minimal\"")?;
        }
        Some(ReasoningEffort::None) if budget.is_some() => {
            return Err(checker.error("reasoning.effort", "\"none\" turns thinking off, but budgetTokens turns it on"));
        }
        _ => {}
    }
    let include_thoughts = request.reasoning.as_ref().and_then(|reasoning| reasoning.include_thoughts);
    // Thoughts asked for while nothing turns thinking on were left out without a word (a new-user
    // trial): the unified thinking sent, a `thinking` kwarg (checked in conversation_rules.rs), or
    // the model's default.
    let kwargs_thinking = request.provider_kwargs.as_ref().is_some_and(|kwargs| kwargs.contains_key("thinking"));
    if include_thoughts == Some(true) && !kwargs_thinking {
        let sent = anthropic_thinking(request);
        let kind = sent.as_ref().and_then(|thinking| thinking["type"].as_str());
        let by_default =
            model_rules::has_rule(Provider::Anthropic, &request.model, |rule| matches!(rule, Rule::ThinksByDefault));
        if kind == Some("disabled") {
            checker.unsupported(
                "reasoning.includeThoughts",
                "true asks for thoughts, but effort \"none\" turns thinking off; keep one of the two",
            )?;
        } else if kind.is_none() && !by_default {
            checker.unsupported(
                "reasoning.includeThoughts",
                format!("true, but nothing turns thinking on for {}: give reasoning.budgetTokens", request.model),
            )?;
        }
    }
    // `thinking.display` is documented from Opus/Sonnet 4.6 on (reference §3.2); older models
    // return the thinking they do, which is what `true` asks for anyway.
    if include_thoughts == Some(false) && !anthropic_display(&request.model) {
        checker.unsupported(
            "reasoning.includeThoughts",
            format!(
                "{} returns the thinking it does; thinking.display (\"omitted\") is documented from Opus/Sonnet 4.6 on",
                request.model
            ),
        )?;
    }
    Ok(())
}

fn check_gemini(
    checker: &mut RequestChecker,
    budget: Option<u32>,
    effort: Option<ReasoningEffort>,
) -> Result<(), CoreError> {
    let model = checker.request.model.clone();
    let request = checker.request;
    // Thoughts asked for with thinking off: a 400 on Vertex per a third-party report (reference
    // §7.3, GM-INCLUDE-ERR), so a warning; the budget may be a kwarg.
    let kwarg_budget = request
        .provider_kwargs
        .as_ref()
        .and_then(|kwargs| crate::provider_kwargs::at(kwargs, "generationConfig.thinkingConfig.thinkingBudget"))
        .and_then(Value::as_i64);
    let off = effort == Some(ReasoningEffort::None) || kwarg_budget == Some(0);
    if off && request.reasoning.as_ref().and_then(|reasoning| reasoning.include_thoughts) == Some(true) {
        checker.notice(
            "reasoning.includeThoughts",
            "true with thinking off: a 400 on Vertex (GM-INCLUDE-ERR, 3rd-party; reference §7.3); sent as given",
        );
    }
    // A budget on Gemini 3, an effort on 2.5, effort "none" where thinking cannot be turned off:
    // model rules (model_rules), checked before this.
    let kind = gemini_thinking(&model);
    if kind == GeminiThinking::Levels
        || (kind == GeminiThinking::Unknown && effort.is_some_and(|effort| effort != ReasoningEffort::None))
    {
        if effort.is_some_and(|effort| gemini_level(effort).is_none()) {
            let levels = if kind == GeminiThinking::Levels { "Gemini 3 has" } else { "Gemini's thinkingLevel has" };
            checker.unsupported(
                "reasoning.effort",
                format!(
                    "{levels} the levels minimal, low, medium and high, not \"{}\"",
                    effort.map(ReasoningEffort::as_str).unwrap_or_default()
                ),
            )?;
        }
    } else {
        match effort {
            Some(ReasoningEffort::None) if budget.is_some() => {
                return Err(
                    checker.error("reasoning.effort", "\"none\" turns thinking off, but budgetTokens turns it on")
                );
            }
            Some(ReasoningEffort::None) | None => {}
            Some(_) => checker.unsupported(
                "reasoning.effort",
                format!("{model} takes a thinking budget (budgetTokens), not an effort level"),
            )?,
        }
    }
    Ok(())
}
