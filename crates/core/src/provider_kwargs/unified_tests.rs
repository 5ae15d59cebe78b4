//! `providerKwargs` that replace what the request builds itself, or a unified setting: a new-user
//! trial's items 1, 2 and 11.

use serde_json::json;

use crate::model::UnifiedRequest;
use crate::parse::parse_request_lines;
use crate::test_support::{bodies, request_for, validation};
use crate::validate::{validate_batch_for, ValidationOptions};
use crate::{CoreError, Endpoint, Provider};

const HI: &str = r#""messages":[{"role":"user","content":"hi"}]"#;

fn line(model: &str, rest: &str) -> UnifiedRequest {
    let text = format!(r#"{{"customId":"a","model":"{model}",{HI}{rest}}}"#);
    parse_request_lines(&text).unwrap().remove(0)
}

fn line_with_id(id: &str, model: &str, rest: &str) -> UnifiedRequest {
    let text = format!(r#"{{"customId":"{id}","model":"{model}",{HI}{rest}}}"#);
    parse_request_lines(&text).unwrap().remove(0)
}

fn refused(provider: Provider, endpoint: Endpoint, request: UnifiedRequest) -> (String, String) {
    let error: CoreError =
        validate_batch_for(provider, endpoint, &[request], &ValidationOptions::default()).expect_err("refused");
    let (_, field, message) = validation(error);
    (field, message)
}

#[test]
fn keys_built_from_the_request_are_refused_naming_the_unified_field() {
    let cases: &[(Provider, Endpoint, &str, &str)] = &[
        (Provider::OpenAI, Endpoint::Chat, r#"{"model":"o3"}"#, "`model`"),
        (Provider::OpenAI, Endpoint::Chat, r#"{"messages":[]}"#, "`messages`"),
        (Provider::Groq, Endpoint::Chat, r#"{"messages":[]}"#, "`messages`"),
        (Provider::Mistral, Endpoint::Chat, r#"{"model":"mistral-large-latest"}"#, "`model`"),
        (Provider::Anthropic, Endpoint::Chat, r#"{"model":"claude-opus-4-7"}"#, "`model`"),
        (Provider::Anthropic, Endpoint::Chat, r#"{"system":"x"}"#, "`systemPrompt`"),
        (Provider::Google, Endpoint::Chat, r#"{"contents":[]}"#, "`messages`"),
        (Provider::Google, Endpoint::Chat, r#"{"systemInstruction":{"parts":[{"text":"x"}]}}"#, "`systemPrompt`"),
        (Provider::OpenAI, Endpoint::Responses, r#"{"input":"other"}"#, "`messages`"),
        (Provider::OpenAI, Endpoint::Responses, r#"{"instructions":"x"}"#, "`systemPrompt`"),
    ];
    for (provider, endpoint, kwargs, unified) in cases {
        let request =
            request_for(*provider, &format!(r#"{{"customId":"a","model":"MODEL",{HI},"providerKwargs":{kwargs}}}"#));
        let key = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(kwargs).unwrap();
        let key = key.keys().next().unwrap().clone();
        let (field, message) = refused(*provider, *endpoint, request);
        assert_eq!(field, format!("providerKwargs.{key}"), "{provider:?} {kwargs}");
        assert!(message.contains(&format!("set {unified} instead")), "{provider:?} {kwargs}: {message}");
    }
}

#[test]
fn a_kwarg_model_does_not_get_past_one_model_per_batch() {
    let requests = [
        line_with_id("a", "gpt-4o-mini", ""),
        line_with_id("b", "gpt-4o-mini", r#","generationConfig":{"temperature":0.3},"providerKwargs":{"model":"o3"}"#),
    ];
    let error = validate_batch_for(Provider::OpenAI, Endpoint::Chat, &requests, &ValidationOptions::default())
        .expect_err("refused");
    let (index, field, message) = validation(error);
    assert_eq!((index, field.as_str()), (Some(1), "providerKwargs.model"));
    assert!(message.contains("one model"), "{message}");
}

#[test]
fn a_kwarg_gets_the_model_rules_of_the_setting_it_replaces() {
    let cases: &[(Provider, Endpoint, &str, &str, &str)] = &[
        (Provider::OpenAI, Endpoint::Chat, "o3", r#"{"temperature":0.2}"#, "temperature"),
        (Provider::OpenAI, Endpoint::Chat, "o3", r#"{"reasoning_effort":"minimal"}"#, "reasoning_effort"),
        (Provider::OpenAI, Endpoint::Responses, "o3", r#"{"reasoning":{"effort":"minimal"}}"#, "reasoning.effort"),
        (Provider::OpenAI, Endpoint::Chat, "gpt-5", r#"{"top_p":0.2}"#, "top_p"),
        (Provider::Anthropic, Endpoint::Chat, "claude-opus-4-7", r#"{"temperature":0.2}"#, "temperature"),
    ];
    for (provider, endpoint, model, kwargs, key) in cases {
        let request = line(model, &format!(r#","generationConfig":{{"maxTokens":50}},"providerKwargs":{kwargs}"#));
        let (field, message) = refused(*provider, *endpoint, request);
        assert_eq!(field, format!("providerKwargs.{key}"), "{model} {kwargs}: {message}");
        assert!(message.starts_with(&format!("{model} ")) && message.contains("model rule"), "{message}");
        assert!(!message.contains("generationConfig."), "{message}");
    }
    // Claude 4.x: temperature together with top_p, one of them given as a kwarg.
    let request = line(
        "claude-sonnet-4-5",
        r#","generationConfig":{"maxTokens":5,"temperature":0.2},"providerKwargs":{"top_p":0.5}"#,
    );
    let (field, message) = refused(Provider::Anthropic, Endpoint::Chat, request);
    assert_eq!(field, "providerKwargs.top_p");
    assert!(message.contains("generationConfig.temperature together with providerKwargs.top_p"), "{message}");
}

#[test]
fn a_kwarg_gets_the_range_and_type_checks_of_the_setting_it_replaces() {
    let cases: &[(Provider, Endpoint, &str, &str, &str)] = &[
        (Provider::Anthropic, Endpoint::Chat, r#"{"max_tokens":-1}"#, "max_tokens", "whole number"),
        (Provider::Anthropic, Endpoint::Chat, r#"{"max_tokens":0}"#, "max_tokens", "at least 1"),
        (Provider::OpenAI, Endpoint::Responses, r#"{"max_output_tokens":5}"#, "max_output_tokens", "at least 16"),
        (Provider::OpenAI, Endpoint::Chat, r#"{"max_completion_tokens":"5"}"#, "max_completion_tokens", "whole number"),
        (Provider::OpenAI, Endpoint::Chat, r#"{"max_completion_tokens":-5}"#, "max_completion_tokens", "whole number"),
        (Provider::OpenAI, Endpoint::Chat, r#"{"temperature":9}"#, "temperature", "OpenAI accepts 0 to 2"),
        (
            Provider::Google,
            Endpoint::Chat,
            r#"{"generationConfig":{"temperature":9}}"#,
            "generationConfig.temperature",
            "0 to 2",
        ),
        (Provider::Mistral, Endpoint::Chat, r#"{"random_seed":-1}"#, "random_seed", "at least 0"),
        (Provider::OpenAI, Endpoint::Chat, r#"{"reasoning_effort":"extreme"}"#, "reasoning_effort", "unknown value"),
        (Provider::OpenAI, Endpoint::Responses, r#"{"store":"yes"}"#, "store", "true or false"),
        (Provider::OpenAI, Endpoint::Chat, r#"{"stream":true}"#, "stream", "never streams"),
        (Provider::Anthropic, Endpoint::Chat, r#"{"stream":true}"#, "stream", "never streams"),
        (Provider::Vllm, Endpoint::Chat, r#"{"stream":true}"#, "stream", "never streams"),
    ];
    for (provider, endpoint, kwargs, key, words) in cases {
        let request =
            request_for(*provider, &format!(r#"{{"customId":"a","model":"MODEL",{HI},"providerKwargs":{kwargs}}}"#));
        let (field, message) = refused(*provider, *endpoint, request);
        assert_eq!(field, format!("providerKwargs.{key}"), "{provider:?} {kwargs}: {message}");
        assert!(message.contains(words), "{provider:?} {kwargs}: {message}");
    }
}

#[test]
fn a_kwarg_that_passes_the_checks_is_still_sent_in_place_of_the_unified_value() {
    let request = line(
        "o3",
        r#","generationConfig":{"maxTokens":50},"providerKwargs":{"reasoning_effort":"low","max_completion_tokens":100}"#,
    );
    let (bodies, _) = bodies(Provider::OpenAI, &[request], false).unwrap();
    assert_eq!(bodies[0]["reasoning_effort"], json!("low"));
    assert_eq!(bodies[0]["max_completion_tokens"], json!(100));
    assert!(bodies[0].get("reasoning").is_none());
}

#[test]
fn drop_unsupported_leaves_a_refused_kwarg_out_as_the_kwarg() {
    let request = line("o3", r#","providerKwargs":{"temperature":0.2,"seed":1}"#);
    let (bodies, summary) = bodies(Provider::OpenAI, &[request], true).unwrap();
    assert!(bodies[0].get("temperature").is_none(), "{}", bodies[0]);
    assert_eq!(bodies[0]["seed"], json!(1));
    let warning = summary.warnings.iter().find(|warning| warning.field == "providerKwargs.temperature");
    assert!(
        warning.is_some_and(|warning| warning.message.contains("o3 refuses providerKwargs.temperature")),
        "{:?}",
        summary.warnings
    );
}

/// A kwarg value the model rules read is checked against the spec's type first: `"abc"` as a
/// thinking budget passed every rule and failed the batch at the provider (a session found).
#[test]
fn kwarg_values_the_model_rules_read_are_checked_against_the_spec() {
    let thinking = |config: &str| format!(r#","providerKwargs":{{"generationConfig":{{"thinkingConfig":{config}}}}}"#);
    let budget = "providerKwargs.generationConfig.thinkingConfig.thinkingBudget";
    let include = "providerKwargs.generationConfig.thinkingConfig.includeThoughts";
    let level = "providerKwargs.generationConfig.thinkingConfig.thinkingLevel";
    let cases: Vec<(Provider, Endpoint, &str, String, &str, &str)> = vec![
        (
            Provider::Google,
            Endpoint::Chat,
            "gemini-2.5-flash",
            thinking(r#"{"thinkingBudget":"abc"}"#),
            budget,
            "-1 (dynamic)",
        ),
        (
            Provider::Google,
            Endpoint::Chat,
            "gemini-2.5-flash",
            thinking(r#"{"thinkingBudget":-5}"#),
            budget,
            "whole number",
        ),
        (
            Provider::Google,
            Endpoint::Chat,
            "gemini-2.5-pro",
            thinking(r#"{"thinkingBudget":2.5}"#),
            budget,
            "whole number",
        ),
        // Gemini 3 sends a raw budget with a warning (disputed), but not one of the wrong type.
        (
            Provider::Google,
            Endpoint::Chat,
            "gemini-3-flash-preview",
            thinking(r#"{"thinkingBudget":"1024"}"#),
            budget,
            "whole number",
        ),
        (
            Provider::Google,
            Endpoint::Chat,
            "gemini-2.5-flash",
            thinking(r#"{"includeThoughts":"yes"}"#),
            include,
            "true or false",
        ),
        (
            Provider::Google,
            Endpoint::Chat,
            "gemini-3-flash-preview",
            thinking(r#"{"thinkingLevel":"EXTREME"}"#),
            level,
            "\"MINIMAL\"",
        ),
        (
            Provider::Google,
            Endpoint::Chat,
            "gemini-3-flash-preview",
            thinking(r#"{"thinkingLevel":2}"#),
            level,
            "\"HIGH\"",
        ),
        (
            Provider::Google,
            Endpoint::Chat,
            "gemini-2.5-flash",
            r#","providerKwargs":{"generationConfig":{"responseMimeType":1}}"#.into(),
            "providerKwargs.generationConfig.responseMimeType",
            "a string",
        ),
        (
            Provider::OpenAI,
            Endpoint::Chat,
            "gpt-5.5",
            r#","providerKwargs":{"prompt_cache_retention":"forever"}"#.into(),
            "providerKwargs.prompt_cache_retention",
            "\"in_memory\" or \"24h\"",
        ),
        (
            Provider::OpenAI,
            Endpoint::Responses,
            "gpt-5.6",
            r#","providerKwargs":{"prompt_cache_options":{"ttl":"1h"}}"#.into(),
            "providerKwargs.prompt_cache_options.ttl",
            "\"30m\"",
        ),
        (
            Provider::OpenAI,
            Endpoint::Chat,
            "gpt-4o-mini",
            r#","providerKwargs":{"logprobs":"yes"}"#.into(),
            "providerKwargs.logprobs",
            "true or false",
        ),
        (
            Provider::Anthropic,
            Endpoint::Chat,
            "claude-opus-4-6",
            r#","providerKwargs":{"output_config":{"effort":"minimal"}}"#.into(),
            "providerKwargs.output_config.effort",
            "\"low\"",
        ),
    ];
    for (provider, endpoint, model, rest, path, words) in cases {
        let request = line_with_id("item-4", model, &rest);
        let error = validate_batch_for(provider, endpoint, &[request], &ValidationOptions::default()).unwrap_err();
        let CoreError::Validation { index, custom_id, field, message, .. } = error else { panic!("{rest}") };
        assert_eq!((index, custom_id.as_deref(), field.as_str()), (Some(0), Some("item-4"), path), "{rest}");
        assert!(message.contains(words), "{rest}: {message}");
    }
}

/// Anthropic's `thinking.budget_tokens` kwarg is a whole number (spec `ThinkingConfigEnabled`);
/// `"2k"` slipped past the range check of thinking, which reads numbers only.
#[test]
fn an_anthropic_budget_kwarg_of_the_wrong_type_is_refused() {
    let rest = r#","generationConfig":{"maxTokens":8192},"providerKwargs":{"thinking":{"type":"enabled","budget_tokens":"2k"}}"#;
    let (field, message) = refused(Provider::Anthropic, Endpoint::Chat, line("claude-sonnet-4-5", rest));
    assert_eq!(field, "providerKwargs.thinking.budget_tokens", "{message}");
    assert!(message.contains("whole number"), "{message}");
}

/// The providers' values are case-sensitive: a value in another case is refused, as the model
/// rules (which compare exactly) would otherwise not see it (`"IN_MEMORY"` on gpt-5.5, `"Disabled"`
/// on Fable 5, a trial found); Anthropic's `thinking` is an object with a `type`. Gemini's
/// `thinkingLevel` is taken in any case.
#[test]
fn enum_values_are_spelt_exactly_and_thinking_is_typed() {
    let cases = [
        (
            Provider::OpenAI,
            "gpt-5.5",
            r#","providerKwargs":{"prompt_cache_retention":"IN_MEMORY"}"#,
            "providerKwargs.prompt_cache_retention",
        ),
        (
            Provider::OpenAI,
            "gpt-5.6",
            r#","providerKwargs":{"prompt_cache_options":{"ttl":"30M"}}"#,
            "providerKwargs.prompt_cache_options.ttl",
        ),
        (
            Provider::Anthropic,
            "claude-fable-5",
            r#","providerKwargs":{"thinking":{"type":"Disabled"}}"#,
            "providerKwargs.thinking.type",
        ),
        (
            Provider::Anthropic,
            "claude-opus-4-6",
            r#","providerKwargs":{"output_config":{"effort":"LOW"}}"#,
            "providerKwargs.output_config.effort",
        ),
        (
            Provider::Anthropic,
            "claude-sonnet-4-5",
            r#","providerKwargs":{"thinking":"yes"}"#,
            "providerKwargs.thinking",
        ),
        (
            Provider::Anthropic,
            "claude-sonnet-4-5",
            r#","providerKwargs":{"thinking":{"budget_tokens":2048}}"#,
            "providerKwargs.thinking",
        ),
    ];
    for (provider, model, rest, path) in cases {
        let (field, message) = refused(provider, Endpoint::Chat, line(model, rest));
        assert_eq!(field, path, "{rest}: {message}");
        assert!(message.starts_with("must be"), "{rest}: {message}");
    }
    let level = line(
        "gemini-3-flash-preview",
        r#","providerKwargs":{"generationConfig":{"thinkingConfig":{"thinkingLevel":"low"}}}"#,
    );
    assert!(validate_batch_for(Provider::Google, Endpoint::Chat, &[level], &ValidationOptions::default()).is_ok());
}

/// The value checks name only fields of each provider's schema, so they need not ask it.
#[test]
fn every_checked_kwarg_value_is_a_field_of_the_schema() {
    for provider in Provider::ALL {
        for endpoint in [Endpoint::Chat, Endpoint::Responses, Endpoint::Embeddings] {
            for (path, _) in super::expected(provider, endpoint) {
                assert!(crate::provider_kwargs::is_known(provider, endpoint, path), "{provider:?} {endpoint:?} {path}");
            }
        }
    }
}
