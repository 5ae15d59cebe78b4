//! The model rules see `providerKwargs` as the body is sent (a new-user trial found every rule
//! bypassed by giving the setting as a kwarg): each case below was converted and uploaded before.

use serde_json::{json, Value};

use super::*;
use crate::test_support::validation;
use crate::validate::{check_batch, check_batch_for, ValidationOptions};
use crate::Endpoint;

fn request(model: &str, extra: Value) -> UnifiedRequest {
    let mut base = json!({"customId": "r-7", "model": model, "messages": [{"role": "user", "content": "Say JSON."}]});
    for (key, value) in extra.as_object().unwrap() {
        base[key] = value.clone();
    }
    crate::parse::parse_request(0, &base.to_string()).unwrap()
}

fn options(drop_unsupported: bool) -> ValidationOptions {
    ValidationOptions { drop_unsupported, ..Default::default() }
}

/// (provider, model, request fields, the field named, a word of the rule's source, the kwarg path
/// left out under dropUnsupported)
type Case = (Provider, &'static str, Value, &'static str, &'static str, &'static str);

fn cases() -> Vec<Case> {
    let thinking = |config: Value| json!({"providerKwargs": {"generationConfig": {"thinkingConfig": config}}});
    let level_kwarg = "providerKwargs.generationConfig.thinkingConfig.thinkingLevel";
    let budget_kwarg = "providerKwargs.generationConfig.thinkingConfig.thinkingBudget";
    let tools = json!([{"name": "lookup", "parameters": {"type": "object", "properties": {}}}]);
    vec![
        (
            Provider::Google,
            "gemini-3-flash-preview",
            thinking(json!({"thinkingLevel": "LOW", "thinkingBudget": 1024})),
            budget_kwarg,
            "GM-G3-DOC",
            "generationConfig.thinkingConfig.thinkingBudget",
        ),
        (
            Provider::Google,
            "gemini-3-flash-preview",
            json!({"reasoning": {"effort": "low"}, "providerKwargs": {"generationConfig": {"thinkingConfig": {"thinkingBudget": 1024}}}}),
            budget_kwarg,
            "GM-G3-DOC",
            "generationConfig.thinkingConfig.thinkingBudget",
        ),
        (
            Provider::Google,
            "gemini-3-pro-preview",
            thinking(json!({"thinkingLevel": "MINIMAL"})),
            level_kwarg,
            "GM-THINK-DOC",
            "generationConfig.thinkingConfig.thinkingLevel",
        ),
        (
            Provider::Google,
            "gemini-2.5-flash",
            thinking(json!({"thinkingLevel": "high"})),
            level_kwarg,
            "GM-SPEC ThinkingConfig",
            "generationConfig.thinkingConfig.thinkingLevel",
        ),
        (
            Provider::Google,
            "gemini-2.5-pro",
            thinking(json!({"thinkingBudget": 0})),
            budget_kwarg,
            "GM-THINK-DOC",
            "generationConfig.thinkingConfig.thinkingBudget",
        ),
        (
            Provider::Google,
            "gemini-2.5-flash",
            json!({"tools": tools, "providerKwargs": {"generationConfig": {"responseMimeType": "application/json"}}}),
            "providerKwargs.generationConfig.responseMimeType",
            "GM-TOOLS-JSON-ERR",
            "generationConfig.responseMimeType",
        ),
        (
            Provider::Google,
            "gemini-2.0-flash",
            json!({"responseFormat": {"type": "json"}, "providerKwargs": {"tools": [{"googleSearch": {}}]}}),
            "responseFormat",
            "GM-TOOLS-JSON-ERR",
            "",
        ),
        (
            Provider::Google,
            "gemini-3-flash-preview",
            json!({"responseFormat": {"type": "json", "schema": {"type": "object"}},
                   "providerKwargs": {"generationConfig": {"responseSchema": {"type": "OBJECT"}}}}),
            "providerKwargs.generationConfig.responseSchema",
            "GM-SPEC GenerationConfig._responseJsonSchema",
            "generationConfig.responseSchema",
        ),
        (
            Provider::OpenAI,
            "o3",
            json!({"providerKwargs": {"logprobs": true}}),
            "providerKwargs.logprobs",
            "OA-ERR-TEMP",
            "logprobs",
        ),
        (
            Provider::OpenAI,
            "o3-mini",
            json!({"providerKwargs": {"logit_bias": {"50256": -100}}}),
            "providerKwargs.logit_bias",
            "OA-ERR-TEMP",
            "logit_bias",
        ),
        (
            Provider::OpenAI,
            "o3",
            json!({"providerKwargs": {"max_tokens": 500}}),
            "providerKwargs.max_tokens",
            "OA-SPEC max_tokens",
            "max_tokens",
        ),
        (
            Provider::OpenAI,
            "o4-mini",
            json!({"providerKwargs": {"stop": ["END"]}}),
            "providerKwargs.stop",
            "OA-SPEC StopConfiguration",
            "stop",
        ),
        (
            Provider::OpenAI,
            "gpt-5.1",
            json!({"reasoning": {"effort": "low"}, "providerKwargs": {"top_logprobs": 3}}),
            "providerKwargs.top_logprobs",
            "OA-LATEST",
            "top_logprobs",
        ),
        // Out of the model's thinking budget range (reference §3.3), and a level of any value on 2.5.
        (
            Provider::Google,
            "gemini-2.5-flash",
            thinking(json!({"thinkingBudget": 30000})),
            budget_kwarg,
            "GM-THINK-DOC (ranges",
            "generationConfig.thinkingConfig.thinkingBudget",
        ),
        (
            Provider::Google,
            "gemini-2.5-pro",
            thinking(json!({"thinkingBudget": 64})),
            budget_kwarg,
            "GM-THINK-DOC (ranges",
            "generationConfig.thinkingConfig.thinkingBudget",
        ),
        (
            Provider::Google,
            "gemini-2.5-flash-lite",
            thinking(json!({"thinkingBudget": 256})),
            budget_kwarg,
            "GM-THINK-DOC (ranges",
            "generationConfig.thinkingConfig.thinkingBudget",
        ),
        (
            Provider::Google,
            "gemini-2.5-flash",
            json!({"reasoning": {"budgetTokens": 30000}}),
            "reasoning.budgetTokens",
            "GM-THINK-DOC (ranges",
            "",
        ),
        (
            Provider::Google,
            "gemini-2.5-flash",
            thinking(json!({"thinkingLevel": "THINKING_LEVEL_UNSPECIFIED"})),
            level_kwarg,
            "GM-SPEC ThinkingConfig",
            "generationConfig.thinkingConfig.thinkingLevel",
        ),
        // Anthropic's effort kwarg against the model's efforts (reference §7.2).
        (
            Provider::Anthropic,
            "claude-sonnet-4-5",
            json!({"providerKwargs": {"output_config": {"effort": "high"}}}),
            "providerKwargs.output_config.effort",
            "AN-SKILL",
            "output_config.effort",
        ),
        // `in_memory` retention on gpt-5.5 and gpt-5.5-pro; options before GPT-5.6 (§4.1, §7.1).
        (
            Provider::OpenAI,
            "gpt-5.5",
            json!({"providerKwargs": {"prompt_cache_retention": "in_memory"}}),
            "providerKwargs.prompt_cache_retention",
            "OA-CACHE-GUIDE",
            "prompt_cache_retention",
        ),
        (
            Provider::OpenAI,
            "gpt-5.5-pro",
            json!({"providerKwargs": {"prompt_cache_retention": "in_memory"}}),
            "providerKwargs.prompt_cache_retention",
            "OA-CACHE-GUIDE",
            "prompt_cache_retention",
        ),
        (
            Provider::OpenAI,
            "gpt-5.5",
            json!({"providerKwargs": {"prompt_cache_options": {"mode": "explicit"}}}),
            "providerKwargs.prompt_cache_options",
            "OA-CACHE-GUIDE",
            "prompt_cache_options",
        ),
        (
            Provider::OpenAI,
            "gpt-4o-mini",
            json!({"providerKwargs": {"prompt_cache_options": {"mode": "explicit"}}}),
            "providerKwargs.prompt_cache_options",
            "OA-CACHE-GUIDE",
            "prompt_cache_options",
        ),
        (
            Provider::Anthropic,
            "claude-opus-4-7",
            json!({"generationConfig": {"maxTokens": 4096}, "providerKwargs": {"thinking": {"type": "enabled", "budget_tokens": 2048}}}),
            "providerKwargs.thinking.budget_tokens",
            "§7.2",
            "thinking.budget_tokens",
        ),
        // Anthropic's `thinking` kwarg: `disabled` is the effort "none", `enabled` thinking by
        // budget (a new-user trial found both sent to Fable 5, which refuses them, §7.2).
        (
            Provider::Anthropic,
            "claude-fable-5",
            json!({"providerKwargs": {"thinking": {"type": "disabled"}}}),
            "providerKwargs.thinking.type",
            "AN-SKILL",
            "thinking.type",
        ),
        (
            Provider::Anthropic,
            "claude-mythos-5",
            json!({"generationConfig": {"maxTokens": 4096}, "providerKwargs": {"thinking": {"type": "enabled", "budget_tokens": 2048}}}),
            "providerKwargs.thinking.budget_tokens",
            "AN-SKILL",
            "thinking.type",
        ),
        // max_tokens is refused on reasoning models generally, GPT-5.x too (§7.1; a new-user trial
        // found it sent to gpt-5).
        (
            Provider::OpenAI,
            "gpt-5",
            json!({"providerKwargs": {"max_tokens": 500}}),
            "providerKwargs.max_tokens",
            "OA-SPEC",
            "max_tokens",
        ),
        (
            Provider::OpenAI,
            "gpt-5.1",
            json!({"providerKwargs": {"max_tokens": 500}}),
            "providerKwargs.max_tokens",
            "OA-SPEC",
            "max_tokens",
        ),
        (
            Provider::OpenAI,
            "gpt-4",
            json!({"providerKwargs": {"response_format": {"type": "json_schema", "json_schema": {"name": "a", "schema": {"type": "object"}}}}}),
            "providerKwargs.response_format",
            "OA-SO-BLOG",
            "response_format",
        ),
        (
            Provider::Anthropic,
            "claude-3-5-haiku-latest",
            json!({"generationConfig": {"maxTokens": 4096}, "providerKwargs": {"thinking": {"type": "enabled", "budget_tokens": 2048}}}),
            "providerKwargs.thinking.budget_tokens",
            "AN-THINK-DOC",
            "thinking",
        ),
    ]
}

#[test]
fn a_setting_given_as_a_kwarg_breaks_the_model_rule_as_the_unified_field_would() {
    for (provider, model, fields, field, source, kwarg) in cases() {
        let label = format!("{provider:?} {model} {fields}");
        let requests = [request(model, fields.clone())];
        let error = check_batch(provider, &requests, &options(false)).expect_err(&label);
        let (index, named, message) = validation(error);
        assert_eq!((index, named.as_str()), (Some(0), field), "{label}: {message}");
        assert!(message.contains(model) && message.contains(source), "{label}: {message}");
        if kwarg.is_empty() {
            continue;
        }
        // Under dropUnsupported the kwarg is left out of what is converted, with a warning.
        let checked = check_batch(provider, &requests, &options(true)).expect(&label);
        assert!(checked.warnings.iter().any(|warning| warning.field == field), "{label}");
        let kwargs = checked.requests[0].provider_kwargs.clone().unwrap_or_default();
        assert!(crate::provider_kwargs::at(&kwargs, kwarg).is_none(), "{label}: {kwargs:?}");
    }
}

#[test]
fn the_nearest_legal_kwargs_pass() {
    let legal = [
        (
            Provider::Google,
            "gemini-3-flash-preview",
            json!({"generationConfig": {"thinkingConfig": {"thinkingLevel": "MINIMAL"}}}),
        ),
        (Provider::Google, "gemini-2.5-flash", json!({"generationConfig": {"thinkingConfig": {"thinkingBudget": 0}}})),
        (Provider::Google, "gemini-2.5-pro", json!({"generationConfig": {"thinkingConfig": {"thinkingBudget": -1}}})),
        (Provider::Google, "gemini-2.5-flash", json!({"generationConfig": {"responseMimeType": "text/plain"}})),
        (
            Provider::Google,
            "gemini-2.5-flash",
            json!({"generationConfig": {"responseSchema": {"type": "OBJECT"}, "responseMimeType": "application/json"}}),
        ),
        (Provider::OpenAI, "gpt-4o-mini", json!({"logprobs": true, "logit_bias": {"1": 2}, "stop": ["END"]})),
        (Provider::OpenAI, "o3", json!({"max_completion_tokens": 500})),
        (Provider::OpenAI, "gpt-4o-mini", json!({"max_tokens": 500})),
        (Provider::OpenAI, "gpt-4", json!({"response_format": {"type": "json_object"}})),
        (Provider::OpenAI, "gpt-5.5", json!({"prompt_cache_retention": "24h"})),
        (Provider::OpenAI, "gpt-5.1", json!({"prompt_cache_retention": "in_memory"})),
        (Provider::OpenAI, "gpt-5.6", json!({"prompt_cache_options": {"mode": "explicit", "ttl": "30m"}})),
        (
            Provider::Google,
            "gemini-2.5-flash-lite",
            json!({"generationConfig": {"thinkingConfig": {"thinkingBudget": 512}}}),
        ),
        (
            Provider::Google,
            "gemini-2.5-flash",
            json!({"generationConfig": {"thinkingConfig": {"thinkingBudget": 24576}}}),
        ),
        (Provider::Google, "gemini-2.5-pro", json!({"generationConfig": {"thinkingConfig": {"thinkingBudget": 128}}})),
        (Provider::Anthropic, "claude-opus-4-6", json!({"output_config": {"effort": "max"}})),
    ];
    for (provider, model, kwargs) in legal {
        let requests = [request(model, json!({"providerKwargs": kwargs}))];
        let checked = check_batch(provider, &requests, &options(false));
        assert!(checked.is_ok(), "{model} {kwargs}: {checked:?}");
    }
}

#[test]
fn unconfirmed_rules_warn_and_send() {
    // A raw thinkingBudget on Gemini 3 is disputed (unified-features §8.4, §9 item 17).
    let requests = [request(
        "gemini-3-flash-preview",
        json!({"providerKwargs": {"generationConfig": {"thinkingConfig": {"thinkingBudget": 1024}}}}),
    )];
    let checked = check_batch(Provider::Google, &requests, &options(false)).unwrap();
    let warning = &checked.warnings[0];
    assert_eq!(warning.field, "providerKwargs.generationConfig.thinkingConfig.thinkingBudget");
    assert!(warning.message.contains("gemini-3-flash-preview") && warning.message.contains("disputed"));
    // vLLM: response_format becomes structured_outputs; both together is not confirmed to fail.
    let requests = [request(
        "my-model",
        json!({"responseFormat": {"type": "json"}, "providerKwargs": {"structured_outputs": {"regex": "a+"}}}),
    )];
    let checked = check_batch_for(Provider::Vllm, Endpoint::Chat, &requests[..], &options(false)).unwrap();
    let warning = checked.warnings.iter().find(|warning| warning.field == "providerKwargs.structured_outputs");
    assert!(warning.is_some_and(|warning| warning.message.contains("VL-CHAT")), "{:?}", checked.warnings);
    assert!(checked.requests[0].provider_kwargs.as_ref().unwrap().contains_key("structured_outputs"));
}

/// `prompt_cache_retention` is deprecated on GPT-5.6 and later (reference §4.1): sent as given,
/// with a warning naming the model, the rule and what replaces it, on chat and Responses, even
/// under `dropUnsupported`; older models get no warning for it.
#[test]
fn cache_retention_on_gpt_5_6_warns_and_sends() {
    for endpoint in [Endpoint::Chat, Endpoint::Responses] {
        for (retention, drop) in [("24h", false), ("in_memory", false), ("24h", true)] {
            let requests = [request("gpt-5.6-mini", json!({"providerKwargs": {"prompt_cache_retention": retention}}))];
            let checked = check_batch_for(Provider::OpenAI, endpoint, &requests[..], &options(drop)).unwrap();
            let warning =
                checked.warnings.iter().find(|warning| warning.field == "providerKwargs.prompt_cache_retention");
            let message =
                &warning.unwrap_or_else(|| panic!("{endpoint:?} {retention}: {:?}", checked.warnings)).message;
            assert!(message.contains("gpt-5.6-mini deprecates providerKwargs.prompt_cache_retention"), "{message}");
            assert!(message.contains("prompt_cache_options") && message.contains("sent as given"), "{message}");
            assert!(!message.contains("given as"), "the kwarg is the setting: named once: {message}");
            assert!(message.contains("model rule: OpenAI gpt-5.6*"), "{message}");
            let kwargs = checked.requests[0].provider_kwargs.as_ref().unwrap();
            assert_eq!(kwargs["prompt_cache_retention"], retention, "{endpoint:?}");
        }
        let older = [request("gpt-5.5", json!({"providerKwargs": {"prompt_cache_retention": "24h"}}))];
        let checked = check_batch_for(Provider::OpenAI, endpoint, &older[..], &options(false)).unwrap();
        assert!(checked.warnings.is_empty(), "{:?}", checked.warnings);
    }
}

/// Anthropic's `thinking` kwarg is checked as the body sends it: `enabled` needs `budget_tokens`
/// (spec `ThinkingConfigEnabled`), the type is one of the three, and what the models take passes
/// (Opus 4.7 takes `disabled`; Fable 5 `adaptive`).
#[test]
fn anthropic_thinking_kwargs_are_checked_as_sent() {
    let with = |model: &str, thinking: Value| {
        [request(model, json!({"generationConfig": {"maxTokens": 4096}, "providerKwargs": {"thinking": thinking}}))]
    };
    let (_, field, message) = validation(
        check_batch(Provider::Anthropic, &with("claude-sonnet-4-5", json!({"type": "enabled"})), &options(false))
            .unwrap_err(),
    );
    assert_eq!(field, "providerKwargs.thinking");
    assert!(message.contains("needs budget_tokens") && message.contains("ThinkingConfigEnabled"), "{message}");
    let (_, field, message) = validation(
        check_batch(Provider::Anthropic, &with("claude-sonnet-4-5", json!({"type": "on"})), &options(false))
            .unwrap_err(),
    );
    assert_eq!(field, "providerKwargs.thinking.type");
    assert!(message.contains("\"enabled\", \"disabled\" or \"adaptive\""), "{message}");
    for (model, thinking) in [
        ("claude-sonnet-4-5", json!({"type": "enabled", "budget_tokens": 2048})),
        ("claude-sonnet-4-5", json!({"type": "disabled"})),
        ("claude-opus-4-7", json!({"type": "disabled"})),
        ("claude-fable-5", json!({"type": "adaptive"})),
        // A model without thinking: `disabled` is its default, not a thinking setting.
        ("claude-3-5-haiku-latest", json!({"type": "disabled"})),
    ] {
        let requests = with(model, thinking.clone());
        let checked = check_batch(Provider::Anthropic, &requests, &options(false));
        assert!(checked.is_ok(), "{model} {thinking}: {checked:?}");
    }
    // Left out under dropUnsupported, the kwarg takes its emptied object with it (`thinking: {}`
    // is a 400 of its own); a sibling setting stays.
    let requests = [request(
        "claude-fable-5",
        json!({"providerKwargs": {"thinking": {"type": "disabled"}, "output_config": {"effort": "high"}}}),
    )];
    let checked = check_batch(Provider::Anthropic, &requests, &options(false));
    assert!(checked.is_ok(), "output_config.effort is the effort sent: {checked:?}");
    let requests = [request(
        "claude-fable-5",
        json!({"providerKwargs": {"thinking": {"type": "disabled"}, "metadata": {"user_id": "u"}}}),
    )];
    let checked = check_batch(Provider::Anthropic, &requests, &options(true)).unwrap();
    let kwargs = checked.requests[0].provider_kwargs.clone().unwrap();
    assert_eq!(Value::Object(kwargs), json!({"metadata": {"user_id": "u"}}));
}

#[test]
fn every_model_entries_make_no_model_known() {
    assert!(!is_known(Provider::Google, "gemini-9-ultra"));
}

/// A Responses kwarg with the unified field's own name (`reasoning.effort`): named once as the
/// kwarg in the field and the message, never `providerKwargs.providerKwargs.…` (a new-user trial).
#[test]
fn a_kwarg_named_like_its_unified_field_is_named_once() {
    let options = options(false);
    for (model, effort) in [("gpt-4.1-mini", "high"), ("gpt-5-mini", "xhigh")] {
        let requests = [request(model, json!({"providerKwargs": {"reasoning": {"effort": effort}}}))];
        let error = check_batch_for(Provider::OpenAI, Endpoint::Responses, &requests, &options).unwrap_err();
        let (_, field, message) = validation(error);
        assert_eq!(field, "providerKwargs.reasoning.effort", "{model}");
        assert!(!message.contains("providerKwargs.providerKwargs"), "{model}: {message}");
        assert!(
            message.contains(&format!("{model} ")) && message.contains("providerKwargs.reasoning.effort"),
            "{message}"
        );
    }
}

/// Under dropUnsupported a setting given as kwargs goes whole: o3's `logprobs` with its
/// `top_logprobs`, which alone was then refused "without logprobs: true" (a new-user trial).
#[test]
fn a_dropped_kwarg_setting_goes_with_every_kwarg_that_writes_it() {
    let requests = [request("o3", json!({"providerKwargs": {"logprobs": true, "top_logprobs": 3}}))];
    let checked = check_batch(Provider::OpenAI, &requests, &options(true)).unwrap();
    let kwargs = checked.requests[0].provider_kwargs.as_ref().map(|kwargs| kwargs.len()).unwrap_or(0);
    assert_eq!(kwargs, 0, "{:?}", checked.requests[0].provider_kwargs);
    assert!(
        checked.warnings.iter().any(|warning| warning.field == "providerKwargs.logprobs"),
        "{:?}",
        checked.warnings
    );
}
