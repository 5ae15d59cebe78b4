//! Table-driven: for each rule, a request that breaks it is refused (or warned and left out) with
//! the model and the rule named, and the nearest legal request passes.

use serde_json::{json, Value};

use super::*;
use crate::test_support::bodies;
use crate::validate::{check_batch, ValidationOptions};

fn request(model: &str, extra: Value) -> UnifiedRequest {
    let mut base = json!({"customId": "r-7", "model": model, "messages": [{"role": "user", "content": "Say JSON."}]});
    for (key, value) in extra.as_object().unwrap() {
        base[key] = value.clone();
    }
    crate::parse::parse_request(0, &base.to_string()).unwrap()
}

fn options(drop_unsupported: bool, api_version: Option<&str>) -> ValidationOptions {
    ValidationOptions { drop_unsupported, api_version: api_version.map(str::to_owned), ..Default::default() }
}

struct Case {
    provider: Provider,
    model: &'static str,
    api_version: Option<&'static str>,
    broken: Value,
    field: &'static str,
    nearest_legal: Value,
}

fn cases() -> Vec<Case> {
    let case = |provider, model, broken: Value, field, nearest_legal: Value| Case {
        provider,
        model,
        api_version: None,
        broken,
        field,
        nearest_legal,
    };
    let tools = json!([{"name": "lookup", "parameters": {"type": "object", "properties": {}}}]);
    let schema = json!({"type": "json", "schema": {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"], "additionalProperties": false}});
    vec![
        case(
            Provider::OpenAI,
            "o3-mini",
            json!({"generationConfig": {"temperature": 0.2}}),
            "generationConfig.temperature",
            json!({"generationConfig": {"maxTokens": 100}}),
        ),
        case(
            Provider::OpenAI,
            "gpt-5-mini",
            json!({"generationConfig": {"topP": 0.9}}),
            "generationConfig.topP",
            json!({}),
        ),
        case(
            Provider::OpenAI,
            "o4-mini",
            json!({"generationConfig": {"presencePenalty": 0.5}}),
            "generationConfig.presencePenalty",
            json!({}),
        ),
        case(
            Provider::OpenAI,
            "gpt-5",
            json!({"generationConfig": {"frequencyPenalty": 0.5}}),
            "generationConfig.frequencyPenalty",
            json!({}),
        ),
        case(
            Provider::OpenAI,
            "o3",
            json!({"generationConfig": {"stopSequences": ["END"]}}),
            "generationConfig.stopSequences",
            json!({}),
        ),
        case(
            Provider::OpenAI,
            "gpt-5.1",
            json!({"generationConfig": {"temperature": 0.2}, "reasoning": {"effort": "low"}}),
            "generationConfig.temperature",
            json!({"generationConfig": {"temperature": 0.2}, "reasoning": {"effort": "none"}}),
        ),
        case(
            Provider::OpenAI,
            "gpt-5.2-2025-12-11",
            json!({"generationConfig": {"topP": 0.5}, "reasoning": {"effort": "high"}}),
            "generationConfig.topP",
            json!({"reasoning": {"effort": "high"}}),
        ),
        case(
            Provider::OpenAI,
            "o1",
            json!({"reasoning": {"effort": "minimal"}}),
            "reasoning.effort",
            json!({"reasoning": {"effort": "low"}}),
        ),
        case(
            Provider::OpenAI,
            "gpt-5-nano",
            json!({"reasoning": {"effort": "none"}}),
            "reasoning.effort",
            json!({"reasoning": {"effort": "minimal"}}),
        ),
        case(
            Provider::OpenAI,
            "gpt-5-pro",
            json!({"reasoning": {"effort": "medium"}}),
            "reasoning.effort",
            json!({"reasoning": {"effort": "high"}}),
        ),
        case(
            Provider::OpenAI,
            "gpt-5.1",
            json!({"reasoning": {"effort": "minimal"}}),
            "reasoning.effort",
            json!({"reasoning": {"effort": "none"}}),
        ),
        case(
            Provider::OpenAI,
            "gpt-5.1-codex-mini",
            json!({"reasoning": {"effort": "xhigh"}}),
            "reasoning.effort",
            json!({"reasoning": {"effort": "high"}}),
        ),
        // xhigh came with gpt-5.1-codex-max (a new-user trial found it refused by the gpt-5.1 rule).
        case(
            Provider::OpenAI,
            "gpt-5.1-codex-max",
            json!({"reasoning": {"effort": "minimal"}}),
            "reasoning.effort",
            json!({"reasoning": {"effort": "xhigh"}}),
        ),
        case(Provider::OpenAI, "o1-mini", json!({"systemPrompt": "Be brief."}), "systemPrompt", json!({})),
        case(Provider::OpenAI, "o1-preview", json!({"tools": tools}), "tools", json!({})),
        case(Provider::OpenAI, "o1-mini", json!({"responseFormat": {"type": "json"}}), "responseFormat", json!({})),
        // Structured Outputs came with gpt-4o-2024-08-06: older models take JSON mode only (§1.1;
        // a new-user trial found schemas sent to them).
        case(
            Provider::OpenAI,
            "gpt-4-turbo",
            json!({"responseFormat": schema.clone()}),
            "responseFormat.schema",
            json!({"responseFormat": {"type": "json"}}),
        ),
        case(
            Provider::OpenAI,
            "gpt-4o-2024-05-13",
            json!({"responseFormat": schema.clone()}),
            "responseFormat.schema",
            json!({"responseFormat": {"type": "json"}}),
        ),
        case(
            Provider::OpenAI,
            "gpt-3.5-turbo-0125",
            json!({"responseFormat": schema.clone()}),
            "responseFormat.schema",
            json!({"responseFormat": {"type": "json"}}),
        ),
        // Claude models released before every model of Anthropic's structured-output lists (§1.2).
        case(
            Provider::Anthropic,
            "claude-3-5-sonnet-20241022",
            json!({"responseFormat": schema.clone()}),
            "responseFormat",
            json!({}),
        ),
        case(
            Provider::Anthropic,
            "claude-sonnet-4-20250514",
            json!({"tools": [{"name": "lookup", "strict": true, "parameters": {"type": "object", "properties": {}, "additionalProperties": false}}]}),
            "tools[].strict",
            json!({"tools": tools.clone()}),
        ),
        // Mistral: every current model but codestral-mamba takes a schema (§1.4).
        case(
            Provider::Mistral,
            "codestral-mamba-latest",
            json!({"responseFormat": schema.clone()}),
            "responseFormat.schema",
            json!({"responseFormat": {"type": "json"}}),
        ),
        case(
            Provider::Anthropic,
            "claude-sonnet-4-5",
            json!({"generationConfig": {"temperature": 0.3, "topP": 0.9}}),
            "generationConfig.topP",
            json!({"generationConfig": {"temperature": 0.3}}),
        ),
        case(
            Provider::Anthropic,
            "claude-opus-4-7",
            json!({"generationConfig": {"temperature": 0.3}}),
            "generationConfig.temperature",
            json!({}),
        ),
        case(
            Provider::Anthropic,
            "claude-opus-4-8-20260901",
            json!({"generationConfig": {"topP": 0.9}}),
            "generationConfig.topP",
            json!({}),
        ),
        case(
            Provider::Anthropic,
            "claude-sonnet-5",
            json!({"generationConfig": {"topK": 5}}),
            "generationConfig.topK",
            json!({}),
        ),
        case(
            Provider::Anthropic,
            "claude-opus-4-7",
            json!({"reasoning": {"budgetTokens": 2048}, "generationConfig": {"maxTokens": 4096}}),
            "reasoning.budgetTokens",
            json!({"reasoning": {"effort": "high"}, "generationConfig": {"maxTokens": 4096}}),
        ),
        case(
            Provider::Anthropic,
            "claude-haiku-4-5",
            json!({"reasoning": {"effort": "high"}}),
            "reasoning.effort",
            json!({"reasoning": {"effort": "none"}}),
        ),
        case(
            Provider::Anthropic,
            "claude-3-7-sonnet-20250219",
            json!({"reasoning": {"effort": "low"}}),
            "reasoning.effort",
            json!({"reasoning": {"budgetTokens": 2048}, "generationConfig": {"maxTokens": 4096}}),
        ),
        case(
            Provider::Anthropic,
            "claude-sonnet-4-20250514",
            json!({"reasoning": {"effort": "high"}}),
            "reasoning.effort",
            json!({"reasoning": {"effort": "none"}}),
        ),
        case(
            Provider::Anthropic,
            "claude-opus-4-5",
            json!({"reasoning": {"effort": "max"}}),
            "reasoning.effort",
            json!({"reasoning": {"effort": "high"}}),
        ),
        case(
            Provider::Anthropic,
            "claude-opus-4-6",
            json!({"reasoning": {"effort": "xhigh"}}),
            "reasoning.effort",
            json!({"reasoning": {"effort": "max"}}),
        ),
        case(
            Provider::Anthropic,
            "claude-fable-5",
            json!({"reasoning": {"effort": "none"}}),
            "reasoning.effort",
            json!({"reasoning": {"effort": "low"}}),
        ),
        case(
            Provider::Google,
            "gemini-2.5-flash",
            json!({"reasoning": {"effort": "high"}}),
            "reasoning.effort",
            json!({"reasoning": {"budgetTokens": 1024}}),
        ),
        case(
            Provider::Google,
            "gemini-3-flash-preview",
            json!({"reasoning": {"budgetTokens": 1024}}),
            "reasoning.budgetTokens",
            json!({"reasoning": {"effort": "low"}}),
        ),
        case(
            Provider::Google,
            "models/gemini-2.5-pro",
            json!({"reasoning": {"effort": "none"}}),
            "reasoning.effort",
            json!({"reasoning": {"budgetTokens": 128}}),
        ),
        case(
            Provider::Google,
            "gemini-3-pro-preview",
            json!({"reasoning": {"effort": "minimal"}}),
            "reasoning.effort",
            json!({"reasoning": {"effort": "low"}}),
        ),
        case(
            Provider::Google,
            "gemini-2.0-flash",
            json!({"tools": tools, "responseFormat": schema}),
            "responseFormat",
            json!({"tools": tools}),
        ),
        // Models that do not reason (a new-user trial found each setting sent, to fail a day later).
        case(Provider::OpenAI, "gpt-4o-mini", json!({"reasoning": {"effort": "high"}}), "reasoning.effort", json!({})),
        case(Provider::OpenAI, "gpt-4.1", json!({"reasoning": {"effort": "none"}}), "reasoning.effort", json!({})),
        case(
            Provider::OpenAI,
            "gpt-5-chat-latest",
            json!({"reasoning": {"effort": "low"}}),
            "reasoning.effort",
            json!({"generationConfig": {"temperature": 0.5}}),
        ),
        case(
            Provider::Anthropic,
            "claude-3-haiku-20240307",
            json!({"generationConfig": {"maxTokens": 4000}, "reasoning": {"budgetTokens": 2000}}),
            "reasoning.budgetTokens",
            json!({"generationConfig": {"maxTokens": 4000}}),
        ),
        case(
            Provider::Anthropic,
            "claude-3-5-haiku-20241022",
            json!({"reasoning": {"effort": "high"}}),
            "reasoning.effort",
            json!({}),
        ),
        case(
            Provider::Google,
            "gemini-2.0-flash",
            json!({"reasoning": {"budgetTokens": 2000}}),
            "reasoning.budgetTokens",
            json!({}),
        ),
        case(
            Provider::Google,
            "gemini-1.5-pro-002",
            json!({"reasoning": {"effort": "low"}}),
            "reasoning.effort",
            json!({}),
        ),
        case(
            Provider::Google,
            "gemini-2.0-flash-lite",
            json!({"reasoning": {"includeThoughts": true}}),
            "reasoning.includeThoughts",
            json!({}),
        ),
    ]
    .into_iter()
    .chain(["temperature", "topP", "topK"].into_iter().map(|name| Case {
        provider: Provider::Anthropic,
        model: "claude-sonnet-4-5",
        api_version: Some("2026-10-21"),
        broken: json!({"generationConfig": {name: if name == "topK" { json!(5) } else { json!(0.5) }}}),
        field: match name {
            "temperature" => "generationConfig.temperature",
            "topP" => "generationConfig.topP",
            _ => "generationConfig.topK",
        },
        nearest_legal: json!({"generationConfig": {"maxTokens": 50}}),
    }))
    .collect()
}

#[test]
fn every_rule_refuses_with_model_and_rule_named_and_the_nearest_legal_request_passes() {
    for case in cases() {
        let label = format!("{} {} {}", case.provider.name(), case.model, case.broken);
        let broken = [request(case.model, case.broken.clone())];
        let error = check_batch(case.provider, &broken, &options(false, case.api_version)).unwrap_err();
        let CoreError::Validation { index, custom_id, field, message, .. } = error else { panic!("{label}") };
        assert_eq!(
            (index, custom_id.as_deref(), field.as_str()),
            (Some(0), Some("r-7"), case.field),
            "{label}: {message}"
        );
        assert!(message.contains(case.model), "{label}: model not named: {message}");
        assert!(message.contains("model rule:") && message.contains("fix:"), "{label}: {message}");
        let legal = [request(case.model, case.nearest_legal.clone())];
        let checked = check_batch(case.provider, &legal, &options(false, case.api_version));
        assert!(checked.is_ok(), "{label}: nearest legal request refused: {:?}", checked.err());
        // Under dropUnsupported the setting is left out with a warning naming the model.
        let dropped = check_batch(case.provider, &broken, &options(true, case.api_version)).unwrap();
        let warning = dropped.warnings.iter().find(|warning| warning.field == case.field).expect(&label);
        assert!(warning.message.contains(case.model) && warning.message.contains("left out"), "{label}");
        let body = serde_json::to_value(&dropped.requests[0]).unwrap();
        let mut path = case.field.split('.');
        let (first, second) = (path.next().unwrap(), path.next());
        let left = match second {
            Some(second) => body.get(first).and_then(|value| value.get(second)),
            None => body.get(first),
        };
        assert!(left.is_none(), "{label}: {} still sent", case.field);
    }
}

#[test]
fn the_2026_version_rules_hold_only_for_that_version() {
    let sampled = [request("claude-sonnet-4-5", json!({"generationConfig": {"temperature": 0.5}}))];
    assert!(check_batch(Provider::Anthropic, &sampled, &options(false, None)).is_ok());
    assert!(check_batch(Provider::Anthropic, &sampled, &options(false, Some("2023-06-01"))).is_ok());
    assert!(check_batch(Provider::Anthropic, &sampled, &options(false, Some("2026-10-21"))).is_err());
    let error = check_batch(Provider::Anthropic, &sampled, &options(false, Some("2025-01-01"))).unwrap_err();
    assert!(error.to_string().contains("unknown Anthropic API version"), "{error}");
}

/// Anthropic's 2026-10-21 version refuses document blocks in assistant turns (provider-changes
/// C.2); an image there, and a document in a user turn, stay accepted (a new-user trial found the
/// document sent, for a batch the provider fails).
#[test]
fn the_2026_version_refuses_documents_in_assistant_messages() {
    let document = json!({"type": "document", "sourceType": "url", "data": "https://example.com/a.pdf"});
    let image = json!({"type": "image", "sourceType": "url", "data": "https://example.com/a.png"});
    let turns = |assistant_part: &Value| {
        json!({"messages": [
            {"role": "user", "content": [{"type": "text", "text": "Read it"}, document]},
            {"role": "assistant", "content": [{"type": "text", "text": "Here it is"}, assistant_part]},
            {"role": "user", "content": "Summarise"}]})
    };
    let with_document = [request("claude-sonnet-4-5", turns(&document))];
    assert!(check_batch(Provider::Anthropic, &with_document, &options(false, None)).is_ok());
    let error = check_batch(Provider::Anthropic, &with_document, &options(false, Some("2026-10-21"))).unwrap_err();
    let CoreError::Validation { index, custom_id, field, message, .. } = error else { panic!() };
    assert_eq!((index, custom_id.as_deref(), field.as_str()), (Some(0), Some("r-7"), "messages[1].content[1]"));
    assert!(message.contains("claude-sonnet-4-5 on Anthropic API version 2026-10-21"), "{message}");
    assert!(message.contains("assistant messages"), "{message}");
    let with_image = [request("claude-sonnet-4-5", turns(&image))];
    assert!(check_batch(Provider::Anthropic, &with_image, &options(false, Some("2026-10-21"))).is_ok());
    // Under dropUnsupported the part is left out with a warning.
    let checked = check_batch(Provider::Anthropic, &with_document, &options(true, Some("2026-10-21"))).unwrap();
    assert!(checked.warnings.iter().any(|warning| warning.field == "messages[1].content[1]"), "{:?}", checked.warnings);
}

/// A budget on Gemini 3: the fix lists the levels the model takes — 3 Pro has no `minimal` (a
/// new-user trial followed the fix into a second refusal).
#[test]
fn a_budget_on_gemini_3_suggests_the_levels_of_that_model() {
    let budget = json!({"reasoning": {"budgetTokens": 2048}});
    for (model, levels) in [
        ("gemini-3-pro-preview", "(low, medium or high)"),
        ("gemini-3-flash-preview", "(minimal, low, medium or high)"),
    ] {
        let error =
            check_batch(Provider::Google, &[request(model, budget.clone())], &options(false, None)).unwrap_err();
        let CoreError::Validation { field, message, .. } = error else { panic!() };
        assert_eq!(field, "reasoning.budgetTokens");
        assert!(message.contains(&format!("give reasoning.effort {levels} instead")), "{model}: {message}");
    }
}

#[test]
fn a_prefill_is_refused_on_models_without_it_and_never_dropped() {
    let prefill = json!({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "{"}]});
    for drop in [false, true] {
        let error =
            check_batch(Provider::Anthropic, &[request("claude-opus-4-6", prefill.clone())], &options(drop, None))
                .unwrap_err();
        let CoreError::Validation { field, message, .. } = error else { panic!() };
        assert_eq!(field, "messages[1]");
        assert!(message.contains("claude-opus-4-6") && message.contains("prefill"), "{message}");
    }
    assert!(check_batch(Provider::Anthropic, &[request("claude-sonnet-4-5", prefill)], &options(false, None)).is_ok());
}

#[test]
fn unknown_models_get_provider_rules_only_and_a_note() {
    let unknown = [
        request("claude-nova-9", json!({"generationConfig": {"temperature": 0.3, "topP": 0.9}})),
        request("claude-nova-9", json!({"customId": "r-8"})),
    ];
    let checked = check_batch(Provider::Anthropic, &unknown, &options(false, None)).unwrap();
    assert_eq!(checked.notes.len(), 1, "{:?}", checked.notes);
    assert!(checked.notes[0].contains("unknown model \"claude-nova-9\" (2 requests)"), "{:?}", checked.notes);
    // Known models carry no note; self-hosted providers never do.
    let known = [request("gpt-4o-mini", json!({}))];
    assert!(check_batch(Provider::OpenAI, &known, &options(false, None)).unwrap().notes.is_empty());
    let vllm = [request("Qwen/Qwen3-8B", json!({}))];
    assert!(check_batch(Provider::Vllm, &vllm, &options(false, None)).unwrap().notes.is_empty());
    // Provider rules still hold for an unknown model.
    let bad = [request("gemini-9-ultra", json!({"generationConfig": {"seed": 3_000_000_000_i64}}))];
    assert!(check_batch(Provider::Google, &bad, &options(false, None)).is_err());
}

#[test]
fn a_model_of_another_provider_is_an_error_on_its_api_and_a_warning_behind_a_base_url() {
    for (provider, model) in [
        (Provider::Anthropic, "gpt-4o-mini"),
        (Provider::Google, "claude-sonnet-4-5"),
        (Provider::OpenAI, "gemini-2.5-flash"),
        (Provider::Mistral, "claude-haiku-4-5"),
    ] {
        let requests = [request(model, json!({}))];
        let error = check_batch(provider, &requests, &options(false, None)).unwrap_err();
        let CoreError::Validation { field, message, .. } = error else { panic!() };
        assert_eq!(field, "model", "{model}");
        assert!(message.contains(model) && message.contains(&format!("--model {}=", provider.name())), "{message}");
        let proxied = ValidationOptions { custom_base_url: true, ..Default::default() };
        let checked = check_batch(provider, &requests, &proxied).unwrap();
        assert!(checked.warnings.iter().any(|warning| warning.field == "model"), "{model}");
    }
    // Gemini's text-embedding models share a name with OpenAI's: never foreign on Google.
    assert!(foreign_owner(Provider::Google, "text-embedding-004").is_none());
    assert!(foreign_owner(Provider::Vllm, "gpt-4o-mini").is_none());
}

#[test]
fn models_per_provider_and_the_model_option_choose_the_model() {
    let one =
        request("gpt-4o-mini", json!({"models": {"anthropic": "claude-haiku-4-5", "gemini": "gemini-2.5-flash"}}));
    let (anthropic, summary) = bodies(Provider::Anthropic, std::slice::from_ref(&one), false).unwrap();
    assert_eq!(anthropic[0]["model"], "claude-haiku-4-5");
    assert!(summary.notes.is_empty());
    let (google, summary) = bodies(Provider::Google, std::slice::from_ref(&one), false).unwrap();
    assert_eq!(google[0]["model"], "models/gemini-2.5-flash");
    assert_eq!(summary.model.as_deref(), Some("gemini-2.5-flash"));
    let (openai, _) = bodies(Provider::OpenAI, std::slice::from_ref(&one), false).unwrap();
    assert_eq!(openai[0]["model"], "gpt-4o-mini");
    let chosen = ValidationOptions { model: Some("claude-sonnet-4-5".into()), ..Default::default() };
    let checked = check_batch(Provider::Anthropic, std::slice::from_ref(&one), &chosen).unwrap();
    assert_eq!(checked.requests[0].model, "claude-sonnet-4-5");
    let typo = request("gpt-4o-mini", json!({"models": {"antropic": "claude-haiku-4-5"}}));
    let error = check_batch(Provider::OpenAI, &[typo], &options(false, None)).unwrap_err();
    assert!(error.to_string().contains("antropic"), "{error}");
}

#[test]
fn one_provider_named_twice_in_models_is_refused() {
    // Two aliases of one provider: one of the two models was sent silently (a new-user trial).
    for (first, second) in [("gemini", "google"), ("together-ai", "togetherai")] {
        let twice = request("gpt-4o-mini", json!({"customId": "b", "models": {first: "model-a", second: "model-b"}}));
        // Refused on every provider, not only the one named twice: the request is ambiguous.
        for provider in [Provider::OpenAI, Provider::Google, Provider::Together] {
            let requests = [request("gpt-4o-mini", json!({"customId": "a"})), twice.clone()];
            let error = check_batch(provider, &requests, &options(false, None)).unwrap_err();
            let CoreError::Validation { index, custom_id, field, message, .. } = error else { panic!("{provider:?}") };
            assert_eq!(
                (index, custom_id.as_deref(), field.as_str()),
                (Some(1), Some("b"), format!("models.{second}").as_str())
            );
            assert!(message.contains(&format!("as models.{first}")), "{message}");
        }
    }
}

#[test]
fn patterns_match_whole_ids_with_stars() {
    assert!(pattern_matches("gpt-5", "gpt-5") && !pattern_matches("gpt-5", "gpt-5.1"));
    assert!(pattern_matches("gemini-3*pro*", "gemini-3-pro-preview"));
    assert!(!pattern_matches("gemini-3*pro*", "gemini-3-flash"));
    assert!(
        pattern_matches("*", "anything") && pattern_matches("a*b*c", "a-b-c") && !pattern_matches("a*b*c", "a-c-b")
    );
}

#[test]
fn every_entry_has_patterns_a_date_and_a_source() {
    for entry in MODEL_RULES {
        assert!(!entry.models.is_empty() && !entry.seen.is_empty() && !entry.source.is_empty(), "{entry:?}");
    }
}

#[test]
fn models_that_think_keep_their_reasoning_settings() {
    // The models next to the ones that do not reason: Claude Sonnet 3.7 and Claude 4 think, as do
    // Gemini 2.5 and OpenAI's reasoning models (their own rules still apply).
    let cases = [
        (
            Provider::Anthropic,
            "claude-3-7-sonnet-20250219",
            json!({"generationConfig": {"maxTokens": 4000}, "reasoning": {"budgetTokens": 2000}}),
        ),
        (
            Provider::Anthropic,
            "claude-sonnet-4-20250514",
            json!({"generationConfig": {"maxTokens": 4000}, "reasoning": {"budgetTokens": 2000}}),
        ),
        (Provider::Google, "gemini-2.5-flash", json!({"reasoning": {"budgetTokens": 2000, "includeThoughts": true}})),
        (Provider::OpenAI, "o3", json!({"reasoning": {"effort": "high"}})),
    ];
    for (provider, model, extra) in cases {
        let requests = [request(model, extra.clone())];
        let checked = check_batch(provider, &requests, &options(false, None));
        assert!(checked.is_ok(), "{model} {extra}: {:?}", checked.err());
    }
}

/// The structured-output rules leave models that have it alone, and a strict tool left out under
/// dropUnsupported is sent without `strict`.
#[test]
fn structured_output_rules_hold_for_older_models_only() {
    let schema = json!({"type": "json", "schema": {"type": "object", "properties": {}, "additionalProperties": false}});
    for (provider, model) in [
        (Provider::OpenAI, "gpt-4o-2024-08-06"),
        (Provider::OpenAI, "gpt-4o-mini"),
        (Provider::OpenAI, "gpt-4.1"),
        (Provider::Anthropic, "claude-sonnet-4-5"),
        (Provider::Anthropic, "claude-opus-4-1"),
        (Provider::Anthropic, "claude-sonnet-5"),
        (Provider::Mistral, "mistral-small-latest"),
    ] {
        let requests = [request(model, json!({"responseFormat": schema}))];
        let checked = check_batch(provider, &requests, &options(false, None));
        assert!(checked.is_ok(), "{model}: {:?}", checked.err());
    }
    let strict = json!({"tools": [{"name": "lookup", "strict": true, "parameters": {"type": "object", "properties": {}, "additionalProperties": false}}]});
    let requests = [request("claude-3-7-sonnet-20250219", strict)];
    let dropped = check_batch(Provider::Anthropic, &requests, &options(true, None)).unwrap();
    assert!(dropped.warnings.iter().any(|warning| warning.field == "tools[].strict"), "{:?}", dropped.warnings);
    let tools = dropped.requests[0].tools.as_ref().unwrap();
    assert_eq!((tools.len(), tools[0].strict), (1, None));
}

/// Gemini logprobs are refused on current models per third-party reports only (§5, §7.3): a
/// warning naming the model and the source, and sent; `responseLogprobs: false` asks for nothing.
#[test]
fn gemini_logprobs_warn_and_send() {
    let asked =
        [request("gemini-2.5-flash", json!({"providerKwargs": {"generationConfig": {"responseLogprobs": true}}}))];
    let checked = check_batch(Provider::Google, &asked, &options(true, None)).unwrap();
    let warning =
        checked.warnings.iter().find(|warning| warning.field == "providerKwargs.generationConfig.responseLogprobs");
    assert!(
        warning.is_some_and(|warning| warning.message.contains("gemini-2.5-flash")
            && warning.message.contains("GM-LOGPROBS-ERR")
            && warning.message.contains("sent as given")),
        "{:?}",
        checked.warnings
    );
    let kwargs = checked.requests[0].provider_kwargs.as_ref().unwrap();
    assert!(crate::provider_kwargs::at(kwargs, "generationConfig.responseLogprobs").is_some());
    let off = [request(
        "gemini-3-flash-preview",
        json!({"providerKwargs": {"generationConfig": {"responseLogprobs": false}}}),
    )];
    assert!(check_batch(Provider::Google, &off, &options(false, None)).unwrap().warnings.is_empty());
}

/// The range error names no -1 the unified field then refuses (a new-user trial followed it and
/// was refused): the dynamic budget is the kwarg's.
#[test]
fn the_budget_range_error_offers_only_what_the_field_takes() {
    let requests = [request("gemini-2.5-flash", json!({"reasoning": {"budgetTokens": 30000}}))];
    let error = check_batch(Provider::Google, &requests, &options(false, None)).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("from 1 to 24576 tokens") && !message.contains("(or -1"), "{message}");
    assert!(message.contains("providerKwargs.generationConfig.thinkingConfig.thinkingBudget: -1"), "{message}");
    let kwarg = [request(
        "gemini-2.5-flash",
        json!({"providerKwargs": {"generationConfig": {"thinkingConfig": {"thinkingBudget": 30000}}}}),
    )];
    let message = check_batch(Provider::Google, &kwarg, &options(false, None)).unwrap_err().to_string();
    assert!(message.contains("or -1 (dynamic)"), "{message}");
}

/// GPT-5.1 and later take sampling settings only at effort `none`; with no effort sent the
/// model's default applies, which the reference does not give per model (the spec's is `medium`):
/// a warning, not silence; effort `none` sent explicitly needs none.
#[test]
fn sampling_without_an_effort_on_gpt_5_1_warns_about_the_default() {
    let requests = [request("gpt-5.1", json!({"generationConfig": {"temperature": 0.2}}))];
    let checked = check_batch(Provider::OpenAI, &requests, &options(false, None)).unwrap();
    let warning = checked.warnings.iter().find(|warning| warning.field == "generationConfig.temperature");
    assert!(
        warning.is_some_and(|warning| warning.message.contains("gpt-5.1") && warning.message.contains("\"medium\"")),
        "{:?}",
        checked.warnings
    );
    assert_eq!(checked.requests[0].generation_config.as_ref().unwrap().temperature, Some(0.2));
    let explicit =
        [request("gpt-5.1", json!({"generationConfig": {"temperature": 0.2}, "reasoning": {"effort": "none"}}))];
    assert!(check_batch(Provider::OpenAI, &explicit, &options(false, None)).unwrap().warnings.is_empty());
}
