//! `reasoning` on every provider: the wire fields, and what each refuses or, under
//! `dropUnsupported`, leaves out with a warning.

use serde_json::{json, Value};

use crate::test_support::{bodies, request_for, validation};
use crate::Provider;

fn request(model: &str, reasoning: Value) -> Value {
    json!({"customId": "r-1", "model": model, "messages": [{"role": "user", "content": "Think."}],
           "generationConfig": {"maxTokens": 8000}, "reasoning": reasoning})
}

fn body(provider: Provider, request: &Value) -> Value {
    let parsed = request_for(provider, &request.to_string());
    bodies(provider, &[parsed], false).unwrap().0.remove(0)
}

fn refused(provider: Provider, request: &Value) -> String {
    let parsed = request_for(provider, &request.to_string());
    let (index, field, _) = validation(bodies(provider, std::slice::from_ref(&parsed), false).unwrap_err());
    assert_eq!(index, Some(0));
    // Under dropUnsupported the same request is sent without the setting, and a warning names it.
    if let Ok((sent, summary)) = bodies(provider, &[parsed], true) {
        assert!(summary.warnings.iter().any(|warning| warning.field == field), "{provider:?} {field}");
        let leftover = match field.as_str() {
            "reasoning.effort" => {
                ["reasoning_effort", "output_config"].iter().any(|key| sent[0].get(key).is_some())
                    || sent[0]["generationConfig"].get("thinkingConfig").is_some()
            }
            _ => false,
        };
        assert!(!leftover, "{provider:?}: {field} was sent: {}", sent[0]);
    }
    field
}

#[test]
fn effort_is_reasoning_effort_on_chat_providers() {
    for provider in [Provider::OpenAI, Provider::Mistral, Provider::Vllm] {
        // gpt-4.1-mini, OpenAI's model of these tests, does not reason (its model rule refuses an effort).
        let model = if provider == Provider::OpenAI { "o4-mini" } else { "MODEL" };
        assert_eq!(
            body(provider, &request(model, json!({"effort": "high"})))["reasoning_effort"],
            "high",
            "{provider:?}"
        );
    }
    let vllm = body(Provider::Vllm, &request("MODEL", json!({"effort": "low", "includeThoughts": false})));
    assert_eq!(vllm["include_reasoning"], false);
    assert!(body(Provider::OpenAI, &request("o4-mini", json!({"effort": "low"}))).get("include_reasoning").is_none());
}

#[test]
fn chat_providers_refuse_a_budget_and_values_they_lack() {
    for provider in [Provider::OpenAI, Provider::Mistral, Provider::Vllm] {
        assert_eq!(refused(provider, &request("MODEL", json!({"budgetTokens": 2048}))), "reasoning.budgetTokens");
    }
    assert_eq!(refused(Provider::Mistral, &request("MODEL", json!({"effort": "max"}))), "reasoning.effort");
    assert_eq!(refused(Provider::Vllm, &request("MODEL", json!({"effort": "minimal"}))), "reasoning.effort");
    assert_eq!(
        refused(Provider::OpenAI, &request("MODEL", json!({"includeThoughts": true}))),
        "reasoning.includeThoughts"
    );
    // Groq, Together AI and xAI return the reasoning their models do: asking to hide it is refused
    // (or dropped with a warning), never dropped without a word (a new-user trial found it).
    for provider in [Provider::Groq, Provider::Together, Provider::Xai] {
        for include in [true, false] {
            let asked = request("MODEL", json!({"includeThoughts": include}));
            assert_eq!(refused(provider, &asked), "reasoning.includeThoughts", "{provider:?} {include}");
        }
    }
    // OpenAI's chat completions return no reasoning: `false` is what they do.
    assert!(body(Provider::OpenAI, &request("MODEL", json!({"includeThoughts": false}))).get("reasoning").is_none());
}

#[test]
fn together_groq_and_xai_take_only_the_efforts_they_publish() {
    let cases: [(Provider, &[&str], &[&str]); 3] = [
        (Provider::Together, &["low", "medium", "high"], &["none", "minimal", "xhigh", "max"]),
        (Provider::Groq, &["none", "low", "medium", "high"], &["minimal", "xhigh", "max"]),
        (Provider::Xai, &["none", "low", "medium", "high"], &["minimal", "xhigh", "max"]),
    ];
    for (provider, sent, lacking) in cases {
        for effort in sent {
            let body = body(provider, &request("MODEL", json!({"effort": effort})));
            assert_eq!(body["reasoning_effort"], *effort, "{provider:?}: {body}");
        }
        for effort in lacking {
            let request = request("MODEL", json!({"effort": effort}));
            assert_eq!(refused(provider, &request), "reasoning.effort", "{provider:?} {effort}");
            let parsed = request_for(provider, &request.to_string());
            let (_, _, message) = validation(bodies(provider, &[parsed], false).unwrap_err());
            assert!(
                message.contains(&format!("no reasoning effort \"{effort}\" (it takes {})", sent.join(", "))),
                "{message}"
            );
            assert_eq!(
                message.contains("reasoning: {enabled: false}"),
                provider == Provider::Together && *effort == "none"
            );
        }
    }
}

#[test]
fn anthropic_budget_is_thinking_and_effort_is_output_config() {
    let sent = body(Provider::Anthropic, &request("claude-opus-4-6", json!({"budgetTokens": 2048, "effort": "high"})));
    assert_eq!(sent["thinking"], json!({"type": "enabled", "budget_tokens": 2048}));
    assert_eq!(sent["output_config"], json!({"effort": "high"}));
    let off = body(Provider::Anthropic, &request("claude-opus-4-6", json!({"effort": "none"})));
    assert_eq!(off["thinking"], json!({"type": "disabled"}));
    assert!(off.get("output_config").is_none());
}

#[test]
fn anthropic_refusals() {
    assert_eq!(
        refused(Provider::Anthropic, &request("claude-opus-4-6", json!({"budgetTokens": 512}))),
        "reasoning.budgetTokens"
    );
    assert_eq!(
        refused(Provider::Anthropic, &request("claude-opus-4-6", json!({"budgetTokens": 9000}))),
        "reasoning.budgetTokens"
    );
    assert_eq!(
        refused(Provider::Anthropic, &request("claude-opus-4-7", json!({"budgetTokens": 2048}))),
        "reasoning.budgetTokens"
    );
    assert_eq!(
        refused(Provider::Anthropic, &request("claude-sonnet-4-5", json!({"effort": "high"}))),
        "reasoning.effort"
    );
    let mut forced = request("claude-opus-4-6", json!({"budgetTokens": 2048}));
    forced["tools"] = json!([{"name": "f", "parameters": {"type": "object"}}]);
    forced["toolChoice"] = json!("required");
    assert_eq!(refused(Provider::Anthropic, &forced), "toolChoice");
    let mut hot = request("claude-opus-4-6", json!({"budgetTokens": 2048}));
    hot["generationConfig"]["temperature"] = json!(0.2);
    assert_eq!(refused(Provider::Anthropic, &hot), "generationConfig.temperature");
}

#[test]
fn gemini_budget_on_2_5_and_level_on_3() {
    let flash =
        body(Provider::Google, &request("gemini-2.5-flash", json!({"budgetTokens": 1024, "includeThoughts": true})));
    assert_eq!(flash["generationConfig"]["thinkingConfig"], json!({"thinkingBudget": 1024, "includeThoughts": true}));
    let off = body(Provider::Google, &request("gemini-2.5-flash", json!({"effort": "none"})));
    assert_eq!(off["generationConfig"]["thinkingConfig"], json!({"thinkingBudget": 0}));
    let three = body(Provider::Google, &request("gemini-3-pro-preview", json!({"effort": "low"})));
    assert_eq!(three["generationConfig"]["thinkingConfig"], json!({"thinkingLevel": "LOW"}));
    assert_eq!(refused(Provider::Google, &request("gemini-2.5-flash", json!({"effort": "high"}))), "reasoning.effort");
    assert_eq!(refused(Provider::Google, &request("gemini-2.5-pro", json!({"effort": "none"}))), "reasoning.effort");
    assert_eq!(
        refused(Provider::Google, &request("gemini-3-flash", json!({"budgetTokens": 1024}))),
        "reasoning.budgetTokens"
    );
    assert_eq!(refused(Provider::Google, &request("gemini-3-flash", json!({"effort": "xhigh"}))), "reasoning.effort");
}

/// A Gemini model the model table does not know (an alias, a newer model) gets the spec's fields
/// as given, never a model rule (README: "the provider's own rules only"); found by a new-user trial,
/// where `gemini-flash-latest` had an effort refused as if it were a 2.5 model.
#[test]
fn gemini_models_the_table_does_not_know_take_the_spec_fields_as_given() {
    for model in ["gemini-flash-latest", "gemini-pro-latest", "gemini-4-flash", "models/gemini-4-pro"] {
        let level = body(Provider::Google, &request(model, json!({"effort": "high", "includeThoughts": true})));
        assert_eq!(
            level["generationConfig"]["thinkingConfig"],
            json!({"thinkingLevel": "HIGH", "includeThoughts": true}),
            "{model}"
        );
        let minimal = body(Provider::Google, &request(model, json!({"effort": "minimal"})));
        assert_eq!(minimal["generationConfig"]["thinkingConfig"], json!({"thinkingLevel": "MINIMAL"}), "{model}");
        let budget = body(Provider::Google, &request(model, json!({"budgetTokens": 2048})));
        assert_eq!(budget["generationConfig"]["thinkingConfig"], json!({"thinkingBudget": 2048}), "{model}");
        let off = body(Provider::Google, &request(model, json!({"effort": "none"})));
        assert_eq!(off["generationConfig"]["thinkingConfig"], json!({"thinkingBudget": 0}), "{model}");
        // The spec's own enum still holds: it has no "xhigh" level.
        let parsed = request_for(Provider::Google, &request(model, json!({"effort": "xhigh"})).to_string());
        let (_, field, message) = validation(bodies(Provider::Google, &[parsed], false).unwrap_err());
        assert_eq!(field, "reasoning.effort", "{model}");
        assert!(message.contains("minimal, low, medium and high"), "{model}: {message}");
    }
    // Known models keep their rules.
    assert_eq!(refused(Provider::Google, &request("gemini-2.5-flash", json!({"effort": "low"}))), "reasoning.effort");
}

#[test]
fn anthropic_adaptive_models_turn_thinking_on_for_an_effort() {
    for model in ["claude-opus-4-7", "claude-opus-4-8", "claude-sonnet-5", "claude-fable-5"] {
        let sent = body(Provider::Anthropic, &request(model, json!({"effort": "high", "includeThoughts": true})));
        assert_eq!(sent["thinking"], json!({"type": "adaptive", "display": "summarized"}), "{model}");
        assert_eq!(sent["output_config"], json!({"effort": "high"}), "{model}");
        let plain = body(Provider::Anthropic, &request(model, json!({"effort": "low"})));
        assert_eq!(plain["thinking"], json!({"type": "adaptive"}), "{model}");
    }
    // Asking for the thoughts alone turns adaptive thinking on (omitting it means none on Opus 4.7).
    let thoughts = body(Provider::Anthropic, &request("claude-opus-4-7", json!({"includeThoughts": true})));
    assert_eq!(thoughts["thinking"], json!({"type": "adaptive", "display": "summarized"}));
    let hidden =
        body(Provider::Anthropic, &request("claude-sonnet-5", json!({"effort": "medium", "includeThoughts": false})));
    assert_eq!(hidden["thinking"], json!({"type": "adaptive", "display": "omitted"}));
    // Thoughts asked for with thinking turned off were sent as `disabled` without a word (a
    // new-user trial): refused, and left out under dropUnsupported.
    let off = request("claude-opus-4-7", json!({"effort": "none", "includeThoughts": true}));
    assert_eq!(refused(Provider::Anthropic, &off), "reasoning.includeThoughts");
    let off = body(Provider::Anthropic, &request("claude-opus-4-7", json!({"effort": "none"})));
    assert_eq!(off["thinking"], json!({"type": "disabled"}));
    // Opus 4.6 keeps its budget; display is documented there.
    let budget =
        body(Provider::Anthropic, &request("claude-opus-4-6", json!({"budgetTokens": 2048, "includeThoughts": false})));
    assert_eq!(budget["thinking"], json!({"type": "enabled", "budget_tokens": 2048, "display": "omitted"}));
    // Before 4.6 there is no documented display: hiding the thoughts is refused.
    assert_eq!(
        refused(
            Provider::Anthropic,
            &request("claude-sonnet-4-5", json!({"budgetTokens": 2048, "includeThoughts": false}))
        ),
        "reasoning.includeThoughts"
    );
}

#[test]
fn a_negative_budget_is_explained() {
    let text = request("gemini-2.5-flash", json!({"budgetTokens": -1})).to_string();
    let (index, field, message) = validation(crate::parse::parse_request_lines(&text).unwrap_err());
    assert_eq!((index, field.as_str()), (Some(0), "reasoning.budgetTokens"));
    assert!(message.contains("no dynamic budget") && message.contains("leave budgetTokens out"), "{message}");
    let fine = request_for(Provider::Google, &request("gemini-2.5-flash", json!({"budgetTokens": 1024})).to_string());
    assert_eq!(fine.reasoning.unwrap().budget_tokens, Some(1024));
}

#[test]
fn an_include_thoughts_refusal_says_what_was_asked() {
    let message = |provider: Provider, include: bool| {
        let parsed = request_for(provider, &request("MODEL", json!({"includeThoughts": include})).to_string());
        let (_, field, message) = validation(bodies(provider, &[parsed], false).unwrap_err());
        assert_eq!(field, "reasoning.includeThoughts", "{provider:?}");
        message
    };
    // `true` asks to return reasoning, on every chat provider that cannot be asked to.
    for provider in [Provider::OpenAI, Provider::Azure, Provider::Groq, Provider::Together, Provider::Xai] {
        let text = message(provider, true);
        assert!(text.contains("cannot be asked to return reasoning"), "{provider:?}: {text}");
        assert!(!text.contains("hide"), "{provider:?}: {text}");
    }
    assert!(message(Provider::Groq, true).contains("include_reasoning"));
    // `false` asks to hide it, which Mistral cannot.
    let text = message(Provider::Mistral, false);
    assert!(text.contains("cannot be asked to hide reasoning"), "{text}");
}

/// Anthropic: thoughts asked for while nothing turns thinking on were dropped without a word (a
/// new-user trial): refused (left out with a warning under dropUnsupported); a budget, an effort on
/// a model that thinks adaptively, or a model that thinks by default turn thinking on.
#[test]
fn anthropic_thoughts_without_thinking_are_refused() {
    for (model, reasoning) in [
        ("claude-opus-4-6", json!({"includeThoughts": true})),
        ("claude-sonnet-4-5", json!({"includeThoughts": true})),
        ("claude-3-7-sonnet-20250219", json!({"includeThoughts": true})),
        ("claude-sonnet-4-6", json!({"effort": "high", "includeThoughts": true})),
        ("claude-opus-4-5", json!({"effort": "high", "includeThoughts": true})),
        ("claude-3-5-haiku-latest", json!({"includeThoughts": true})),
    ] {
        assert_eq!(
            refused(Provider::Anthropic, &request(model, reasoning.clone())),
            "reasoning.includeThoughts",
            "{model} {reasoning}"
        );
    }
    for (model, reasoning) in [
        ("claude-opus-4-6", json!({"budgetTokens": 2048, "includeThoughts": true})),
        ("claude-sonnet-4-5", json!({"budgetTokens": 2048, "includeThoughts": true})),
        ("claude-opus-4-7", json!({"includeThoughts": true})),
        ("claude-sonnet-5", json!({"includeThoughts": true})),
        ("claude-opus-4-6", json!({"includeThoughts": false})),
    ] {
        body(Provider::Anthropic, &request(model, reasoning));
    }
    let mut kwargs = request("claude-opus-4-6", json!({"includeThoughts": true}));
    kwargs["providerKwargs"] = json!({"thinking": {"type": "adaptive"}});
    body(Provider::Anthropic, &kwargs);
}

/// Gemini: thoughts asked for with thinking off are reported refused on Vertex only (third-party,
/// reference §7.3): a warning, and sent.
#[test]
fn gemini_thoughts_with_thinking_off_warn() {
    let warned = |model: &str, reasoning: Value, kwargs: Option<Value>| {
        let mut text = request(model, reasoning);
        if let Some(kwargs) = kwargs {
            text["providerKwargs"] = kwargs;
        }
        let parsed = request_for(Provider::Google, &text.to_string());
        let (sent, summary) = bodies(Provider::Google, &[parsed], false).unwrap();
        let warning = summary.warnings.iter().find(|warning| warning.field == "reasoning.includeThoughts").cloned();
        (sent.into_iter().next().unwrap(), warning)
    };
    let (sent, warning) = warned("gemini-2.5-flash", json!({"effort": "none", "includeThoughts": true}), None);
    assert_eq!(sent["generationConfig"]["thinkingConfig"], json!({"thinkingBudget": 0, "includeThoughts": true}));
    assert!(warning.is_some_and(|warning| warning.message.contains("GM-INCLUDE-ERR")));
    let budget = json!({"generationConfig": {"thinkingConfig": {"thinkingBudget": 0}}});
    assert!(warned("gemini-2.5-flash", json!({"includeThoughts": true}), Some(budget)).1.is_some());
    assert!(warned("gemini-2.5-flash", json!({"effort": "none"}), None).1.is_none());
    assert!(warned("gemini-2.5-flash", json!({"budgetTokens": 1024, "includeThoughts": true}), None).1.is_none());
}
