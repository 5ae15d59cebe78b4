//! Conversation rules a provider enforces for every model, checked before upload (reference
//! unified-features §7, providers §6). In a batch a broken rule only shows after the batch has run,
//! as an errored result per request, so each is refused here with the request and field named, or
//! the request is changed so that the provider accepts it (and the change is reported).
//!
//! A final assistant message is a prefill (the answer continues it):
//! - Anthropic refuses trailing whitespace in it (field case 07): the converter trims it, and the
//!   batch carries one warning, as the AI SDK does. A prefill with thinking on, or with structured
//!   output, is refused.
//! - Mistral needs `"prefix": true` on it (case 10): the converter sets it.
//! - vLLM needs `continue_final_message: true` and `add_generation_prompt: false`: the converter
//!   sets both, and `providerKwargs` that contradict them are refused.
//! - OpenAI and Gemini take it as it is.
//!
//! Other provider-wide rules: `top_logprobs` needs `logprobs: true` (OpenAI, Azure, Together, xAI,
//! vLLM); OpenAI and Azure take `metadata` only with `store: true`; Groq refuses `logprobs`,
//! `top_logprobs`, `logit_bias`, `metadata`, `store` and an `n` other than 1; vLLM refuses `continue_final_message` together with
//! `add_generation_prompt` and more than one of `json`/`regex`/`choice` in `structured_outputs`
//! (`stream: true`, which every provider's batch refuses, is checked with every kwarg in
//! validate.rs); Anthropic, with thinking on, refuses `budget_tokens` below 1,024 or not below `max_tokens`, a forced tool
//! choice, a temperature or `top_k` change and `top_p` outside 0.95–1; Gemini refuses
//! `cachedContent` with a system instruction, tools or tool config.
//! Rules that depend on the model (Anthropic models without prefill, …) are not here.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::model::{ContentPart, MessageContent, ReasoningEffort, Role, ToolChoice, ToolChoiceMode, UnifiedRequest};
use crate::model_rules::{self, Rule};
use crate::providers::anthropic::DEFAULT_MAX_TOKENS;
use crate::validate::{RequestChecker, Warning};
use crate::{CoreError, Endpoint, Provider};

/// The index of the final message when it is from the assistant (a prefill).
pub fn prefill_index(request: &UnifiedRequest) -> Option<usize> {
    let last = request.messages.len().checked_sub(1)?;
    (request.messages[last].role == Role::Assistant).then_some(last)
}

/// The text a prefill ends with and where it is, when the prefill ends with a text (not media).
pub fn prefill_final_text(request: &UnifiedRequest) -> Option<(String, &str)> {
    let index = prefill_index(request)?;
    match &request.messages[index].content {
        MessageContent::Text(text) => Some((format!("messages[{index}].content"), text)),
        MessageContent::Parts(parts) => match parts.last()? {
            ContentPart::Text(text) => {
                Some((format!("messages[{index}].content[{}].text", parts.len() - 1), &text.text))
            }
            _ => None,
        },
    }
}

/// Whether Anthropic gets this request's prefill trimmed (it ends with whitespace).
pub fn anthropic_trims_prefill(request: &UnifiedRequest) -> bool {
    prefill_final_text(request).is_some_and(|(_, text)| text.ends_with(char::is_whitespace))
}

pub(crate) fn check(checker: &mut RequestChecker) -> Result<(), CoreError> {
    match checker.provider {
        Provider::Anthropic => anthropic(checker),
        // OpenAI's two pairing rules are chat completions' (a Responses body has `top_logprobs`
        // without `logprobs`, and its `metadata` has no `store` rule in OpenAI's spec); Azure
        // OpenAI serves the same bodies (endpoints-and-push.md §5.1).
        Provider::OpenAI | Provider::Azure if checker.endpoint == Endpoint::Chat => {
            logprobs(checker)?;
            openai(checker)
        }
        Provider::OpenAI | Provider::Azure => Ok(()),
        // Together's and xAI's request fields have no `metadata` or `store` (their own lists,
        // provider_kwargs/chat_fields.rs): OpenAI's pairing rule has nothing to apply to there.
        Provider::Together | Provider::Xai => logprobs(checker),
        Provider::Groq => groq(checker),
        Provider::Vllm => {
            logprobs(checker)?;
            vllm(checker)
        }
        Provider::Google => google(checker),
        Provider::Mistral => Ok(()),
    }
}

/// One warning for the whole batch about what the converter changed, named by the first request it
/// changed (one per request would flood the summary of a large batch).
pub fn batch_warning(provider: Provider, requests: &[UnifiedRequest]) -> Option<Warning> {
    if provider != Provider::Anthropic {
        return None;
    }
    let mut trimmed = requests.iter().enumerate().filter(|(_, request)| anthropic_trims_prefill(request));
    let (index, first) = trimmed.next()?;
    let more = trimmed.count();
    let which = match more {
        0 => "this request".to_owned(),
        more => format!("this request and {more} more of the {} in the batch", requests.len()),
    };
    let (field, _) = prefill_final_text(first)?;
    Some(Warning {
        index,
        custom_id: first.custom_id.clone(),
        field,
        message: format!(
            "Anthropic refuses a final assistant message (prefill) that ends with whitespace; the trailing whitespace of {which} was removed before sending"
        ),
    })
}

fn kwargs(request: &UnifiedRequest) -> Option<&Map<String, Value>> {
    request.provider_kwargs.as_ref()
}

fn kwarg<'a>(request: &'a UnifiedRequest, path: &[&str]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    rest.iter().try_fold(kwargs(request)?.get(*first)?, |value, key| value.get(key))
}

fn anthropic(checker: &mut RequestChecker) -> Result<(), CoreError> {
    let request = checker.request;
    if let Some((field, text)) = prefill_final_text(request) {
        if text.trim().is_empty() {
            return Err(checker.error(
                field,
                "the final assistant message (prefill) is only whitespace: Anthropic refuses trailing whitespace, and removing it would leave it empty",
            ));
        }
    }
    // `max_tokens: 0`, which a batch refuses (reference unified-features §7.2, "Batch-only
    // refusals"), is refused as the unified `maxTokens` is (`provider_kwargs::lifted`). A
    // per-request `service_tier`, listed there too, is only reported by third parties and is in
    // the spec's batch params, so it is sent.
    // The thinking sent: `providerKwargs.thinking` (merged last), else what the unified
    // `reasoning` writes (reasoning.rs: a budget enables it; an effort, or asking for the
    // thoughts, turns adaptive thinking on for models that think adaptively). The same rules hold
    // whichever set it (a new-user trial found adaptive thinking from an effort let through).
    let kwargs_thinking = kwarg(request, &["thinking", "type"]).and_then(Value::as_str);
    let unified_thinking = crate::reasoning::anthropic_thinking(request);
    let (thinking, set_by) = match kwargs_thinking {
        Some(kind) => (Some(kind), Cow::Borrowed("providerKwargs.thinking")),
        None => (unified_thinking.as_ref().and_then(|thinking| thinking["type"].as_str()), Cow::Borrowed("reasoning")),
    };
    // Nothing sent is not thinking off: Sonnet 5, Fable 5 and Mythos 5 think when `thinking` is
    // left out (reference §7.2; a new-user trial found a forced tool choice uploaded to them).
    let by_default = match thinking {
        None if checker.thinks_by_default => default_thinking(&request.model),
        None => None,
        Some(_) => None,
    };
    let thinking_on = by_default.is_some() || matches!(thinking, Some("enabled" | "adaptive"));
    let set_by = by_default.map(Cow::Owned).unwrap_or(set_by);
    if let Some(index) = prefill_index(request) {
        if thinking_on {
            return Err(checker.error(
                format!("messages[{index}]"),
                format!("Anthropic refuses a final assistant message (prefill) while thinking is on ({set_by}); end with a user message or turn thinking off"),
            ));
        }
        for path in [&["output_config", "format"][..], &["output_format"][..]] {
            if kwarg(request, path).is_some_and(|value| !value.is_null()) {
                return Err(checker.error(
                    format!("messages[{index}]"),
                    format!(
                        "Anthropic refuses a final assistant message (prefill) together with structured output (providerKwargs.{})",
                        path.join(".")
                    ),
                ));
            }
        }
    }
    if thinking_on {
        anthropic_thinking(checker, thinking == Some("enabled"), &set_by)?;
    }
    Ok(())
}

/// Why thinking is on when the request leaves it out, for messages, when the model thinks by
/// default (its model rule), with how to turn it off where the model can.
fn default_thinking(model: &str) -> Option<String> {
    let entry = model_rules::rules_for(Provider::Anthropic, model, None)
        .find(|entry| matches!(entry.rule, Rule::ThinksByDefault))?;
    let can_turn_off = !model_rules::has_rule(
        Provider::Anthropic,
        model,
        |rule| matches!(rule, Rule::EffortValues(values) if !values.contains(&ReasoningEffort::None)),
    );
    let off = if can_turn_off { "reasoning.effort \"none\" turns it off" } else { "it cannot be turned off" };
    Some(format!("{model} {} by default; {off} ({})", entry.rule.describe(), entry.citation()))
}

/// What Anthropic refuses while thinking is on (reference unified-features §3.2, §7.2).
fn anthropic_thinking(checker: &mut RequestChecker, enabled: bool, set_by: &str) -> Result<(), CoreError> {
    let request = checker.request;
    let config = request.generation_config.as_ref();
    let given_max_tokens = kwarg(request, &["max_tokens"])
        .and_then(Value::as_u64)
        .or_else(|| config.and_then(|config| config.max_tokens).map(u64::from));
    let max_tokens = given_max_tokens.unwrap_or(u64::from(DEFAULT_MAX_TOKENS));
    if enabled {
        // Spec `ThinkingConfigEnabled` requires `budget_tokens`; the unified budget writes it.
        let unified_budget = request.reasoning.as_ref().is_some_and(|reasoning| reasoning.budget_tokens.is_some());
        if kwarg(request, &["thinking", "budget_tokens"]).is_none() && !unified_budget {
            return Err(checker.error(
                "providerKwargs.thinking",
                "thinking type \"enabled\" needs budget_tokens (at least 1024 and less than max_tokens; spec ThinkingConfigEnabled): give it, or reasoning.budgetTokens, or use reasoning.effort",
            ));
        }
        if let Some(budget) = kwarg(request, &["thinking", "budget_tokens"]).and_then(Value::as_u64) {
            if budget < 1024 || budget >= max_tokens {
                return Err(checker.error(
                    "providerKwargs.thinking.budget_tokens",
                    format!(
                        "{budget} is out of range: Anthropic takes at least 1024 and less than max_tokens ({})",
                        crate::reasoning::max_tokens_named(max_tokens, given_max_tokens.is_some())
                    ),
                ));
            }
        }
    }
    // No forced tool choice while thinking (reference §2.2, §7.2): the kwarg's (merged last), else
    // the unified `toolChoice`.
    match kwarg(request, &["tool_choice", "type"]).and_then(Value::as_str) {
        Some(kind @ ("any" | "tool")) => {
            return Err(checker.error(
                "providerKwargs.tool_choice",
                format!("Anthropic refuses a forced tool choice (\"{kind}\") while thinking is on ({set_by}); use \"auto\" or \"none\""),
            ));
        }
        Some(_) => {}
        None => {
            if matches!(
                request.tool_choice,
                Some(ToolChoice::Mode(ToolChoiceMode::Required) | ToolChoice::Named { .. })
            ) {
                return Err(checker.error(
                    "toolChoice",
                    format!("Anthropic refuses a forced tool choice while thinking is on ({set_by}); use \"auto\" or \"none\""),
                ));
            }
        }
    }
    // The setting sent, and the field that set it.
    let setting = |unified: Option<f64>, unified_name: &str, kwargs_name: &str| {
        // providerKwargs are merged last, so theirs is the value sent.
        kwarg(request, &[kwargs_name])
            .and_then(Value::as_f64)
            .map(|value| (format!("providerKwargs.{kwargs_name}"), value))
            .or_else(|| unified.map(|value| (format!("generationConfig.{unified_name}"), value)))
    };
    if let Some((field, temperature)) =
        setting(config.and_then(|config| config.temperature), "temperature", "temperature")
    {
        if temperature != 1.0 {
            return Err(checker.error(
                field,
                format!("Anthropic refuses a temperature other than 1 while thinking is on ({set_by})"),
            ));
        }
    }
    if let Some((field, top_p)) = setting(config.and_then(|config| config.top_p), "topP", "top_p") {
        if !(0.95..=1.0).contains(&top_p) {
            return Err(checker
                .error(field, format!("Anthropic takes top_p only from 0.95 to 1 while thinking is on ({set_by})")));
        }
    }
    let top_k = config
        .and_then(|config| config.top_k)
        .map(|_| "generationConfig.topK")
        .or_else(|| kwarg(request, &["top_k"]).filter(|value| !value.is_null()).map(|_| "providerKwargs.top_k"));
    if let Some(field) = top_k {
        return Err(checker.error(field, format!("Anthropic refuses top_k while thinking is on ({set_by})")));
    }
    Ok(())
}

/// OpenAI chat completions take `metadata` only together with `store: true` (reference
/// unified-features §5); Azure OpenAI serves the same chat completions (endpoints-and-push.md §5.1).
fn openai(checker: &mut RequestChecker) -> Result<(), CoreError> {
    let request = checker.request;
    let metadata = kwarg(request, &["metadata"]).is_some_and(|value| !value.is_null());
    if metadata && kwarg(request, &["store"]).and_then(Value::as_bool) != Some(true) {
        return Err(checker.error(
            "providerKwargs.metadata",
            format!(
                "{} refuses metadata on a chat completion unless store is true; add providerKwargs.store: true or leave metadata out (batch-router keeps your custom ids itself)",
                checker.provider.display_name()
            ),
        ));
    }
    Ok(())
}

/// What Groq's chat completions refuse or do not support, from groq-python
/// `CompletionCreateParams` (at commit 9620fde0, generated from Groq's OpenAPI spec): `logprobs`,
/// `top_logprobs` and `logit_bias` are "not yet supported by any of our models" (Groq's
/// OpenAI-compatibility page, console.groq.com/docs/openai: supplying them is a 400); `metadata`
/// and `store` are "not currently supported"; `n` takes only 1 ("Other values will result in a 400
/// response"; the unified `candidateCount` is checked in validate.rs).
fn groq(checker: &mut RequestChecker) -> Result<(), CoreError> {
    const NO_MODEL: &str = "supports it on none of its models (groq-python CompletionCreateParams; a 400 per Groq's OpenAI-compatibility page); leave it out";
    const UNSUPPORTED: &str =
        "does not support it (groq-python CompletionCreateParams: \"not currently supported\"); leave it out";
    let request = checker.request;
    let present = |key: &str| kwarg(request, &[key]).filter(|value| !value.is_null());
    // `false` asks for what Groq does anyway.
    let not_false = |key: &str| present(key).filter(|value| *value != &Value::Bool(false));
    let refusals = [
        ("logprobs", not_false("logprobs"), NO_MODEL),
        ("top_logprobs", present("top_logprobs"), NO_MODEL),
        ("logit_bias", present("logit_bias"), NO_MODEL),
        ("metadata", present("metadata"), UNSUPPORTED),
        ("store", not_false("store"), UNSUPPORTED),
    ];
    if let Some((key, Some(value), reason)) = refusals.into_iter().find(|(_, value, _)| value.is_some()) {
        let value = crate::json_value_text::compact(value);
        // batch-router keeps the custom ids a user might have put in `metadata`.
        let ids = if key == "metadata" { " (batch-router keeps your custom ids itself)" } else { "" };
        return Err(checker.error(format!("providerKwargs.{key}"), format!("{key} {value}: Groq {reason}{ids}")));
    }
    if let Some(n) = present("n").filter(|value| value.as_u64() != Some(1)) {
        return Err(checker.error(
            "providerKwargs.n",
            format!(
                "Groq takes only the integer 1 as n, not {} (groq-python CompletionCreateParams.n: other values are a 400)",
                crate::json_value_text::compact(n)
            ),
        ));
    }
    Ok(())
}

/// `top_logprobs` without `logprobs: true` is refused (OpenAI spec `top_logprobs`; vLLM
/// `check_logprobs`).
fn logprobs(checker: &mut RequestChecker) -> Result<(), CoreError> {
    let request = checker.request;
    let top = kwarg(request, &["top_logprobs"]).filter(|value| !value.is_null());
    let on = kwarg(request, &["logprobs"]).and_then(Value::as_bool) == Some(true);
    if top.is_some() && !on {
        return Err(checker.error(
            "providerKwargs.top_logprobs",
            format!(
                "{} refuses top_logprobs without logprobs: true; add providerKwargs.logprobs",
                checker.provider.display_name()
            ),
        ));
    }
    Ok(())
}

/// vLLM's prefill switches and `structured_outputs` (vLLM `check_generation_prompt`,
/// `check_structured_outputs_count`; reference unified-features §7.5).
fn vllm(checker: &mut RequestChecker) -> Result<(), CoreError> {
    let request = checker.request;
    let continue_final = kwarg(request, &["continue_final_message"]).and_then(Value::as_bool);
    let generation_prompt = kwarg(request, &["add_generation_prompt"]).and_then(Value::as_bool);
    if let Some(index) = prefill_index(request) {
        let contradiction = if continue_final == Some(false) {
            Some("continue_final_message")
        } else if generation_prompt == Some(true) {
            Some("add_generation_prompt")
        } else {
            None
        };
        if let Some(key) = contradiction {
            return Err(checker.error(
                format!("providerKwargs.{key}"),
                format!(
                    "messages[{index}] is a final assistant message (prefill), which vLLM continues only with continue_final_message: true and add_generation_prompt: false (batch-router sets both); remove providerKwargs.{key}"
                ),
            ));
        }
    } else if continue_final == Some(true) && generation_prompt != Some(false) {
        return Err(checker.error(
            "providerKwargs.continue_final_message",
            "vLLM refuses continue_final_message together with add_generation_prompt (true unless set to false); set providerKwargs.add_generation_prompt to false",
        ));
    }
    if let Some(Value::Object(outputs)) = kwarg(request, &["structured_outputs"]) {
        let set: Vec<&str> = ["json", "regex", "choice"]
            .into_iter()
            .filter(|key| outputs.get(*key).is_some_and(|value| !value.is_null()))
            .collect();
        if set.len() > 1 {
            return Err(checker.error(
                "providerKwargs.structured_outputs",
                format!("vLLM takes only one of json, regex and choice; this sets {}", set.join(" and ")),
            ));
        }
    }
    Ok(())
}

/// Gemini refuses `cachedContent` together with a system instruction, tools or a tool config (they
/// belong in the cached content; reference unified-features §7.3).
fn google(checker: &mut RequestChecker) -> Result<(), CoreError> {
    let request = checker.request;
    if kwarg(request, &["cachedContent"]).is_none_or(Value::is_null) {
        return Ok(());
    }
    let clash = if request.system_prompt.is_some() {
        Some("systemPrompt")
    } else if request.tools.as_ref().is_some_and(|tools| !tools.is_empty()) {
        // The unified tools and tool choice become Gemini's `tools` and `toolConfig`.
        Some("tools")
    } else if request.tool_choice.is_some() {
        Some("toolChoice")
    } else {
        ["systemInstruction", "tools", "toolConfig"]
            .into_iter()
            .find(|key| kwarg(request, &[key]).is_some_and(|value| !value.is_null()))
    };
    match clash {
        Some(other) => Err(checker.error(
            "providerKwargs.cachedContent",
            format!("Gemini refuses cachedContent together with {other}: put it in the cached content instead"),
        )),
        None => Ok(()),
    }
}

pub mod vllm_server;

#[cfg(test)]
mod tests;
