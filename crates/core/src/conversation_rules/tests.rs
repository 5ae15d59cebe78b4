//! Prefill and the other provider-wide conversation rules, swept across the five providers, plus
//! field cases 07 and 10.

use serde_json::{json, Value};

use crate::test_support::{bodies, fixture, request_for, requests_for, validation};
use crate::Provider;

/// The last message of a converted body (Gemini: the last of `contents`).
fn last_message(provider: Provider, body: &Value) -> Value {
    let key = if provider == Provider::Google { "contents" } else { "messages" };
    body[key].as_array().unwrap().last().unwrap().clone()
}

fn prefilled(content: &str) -> String {
    format!(
        r#"{{"customId":"p","model":"MODEL","messages":[{{"role":"user","content":"Answer in JSON"}},{{"role":"assistant","content":{content}}}],"generationConfig":{{"maxTokens":50}}}}"#
    )
}

#[test]
fn a_prefill_gets_what_each_provider_needs() {
    for content in [r#""{\"answer\": ""#, r#"[{"type":"text","text":"{\"answer\": "}]"#] {
        for provider in Provider::ALL {
            let request = request_for(provider, &prefilled(content));
            let (bodies, summary) = bodies(provider, &[request], false).unwrap();
            let body = &bodies[0];
            let last = last_message(provider, body);
            let text = match provider {
                Provider::Google => last["parts"][0]["text"].clone(),
                _ if last["content"].is_string() => last["content"].clone(),
                _ => last["content"][0]["text"].clone(),
            };
            let expected_text = if provider == Provider::Anthropic { "{\"answer\":" } else { "{\"answer\": " };
            assert_eq!(text, expected_text, "{provider:?} {content}");
            assert_eq!(last["role"], if provider == Provider::Google { "model" } else { "assistant" });
            assert_eq!(last.get("prefix"), (provider == Provider::Mistral).then_some(&json!(true)), "{provider:?}");
            let vllm = provider == Provider::Vllm;
            assert_eq!(body.get("continue_final_message"), vllm.then_some(&json!(true)), "{provider:?}");
            assert_eq!(body.get("add_generation_prompt"), vllm.then_some(&json!(false)), "{provider:?}");
            let warned: Vec<&str> = summary.warnings.iter().map(|warning| warning.field.as_str()).collect();
            if provider == Provider::Anthropic {
                assert_eq!(warned.len(), 1, "{:?}", summary.warnings);
                assert!(warned[0].starts_with("messages[1].content"), "{warned:?}");
                assert!(summary.warnings[0].message.contains("trailing whitespace"));
            } else {
                assert!(warned.is_empty(), "{provider:?}: {warned:?}");
            }
        }
    }
}

#[test]
fn a_conversation_ending_with_the_user_is_left_alone() {
    let json = r#"{"customId":"u","model":"MODEL","messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello "},{"role":"user","content":"Go on "}],"generationConfig":{"maxTokens":5}}"#;
    for provider in Provider::ALL {
        let (bodies, summary) = bodies(provider, &[request_for(provider, json)], false).unwrap();
        let text = bodies[0].to_string();
        assert!(text.contains("Hello ") && text.contains("Go on "), "{provider:?}: {text}");
        for key in ["prefix", "continue_final_message", "add_generation_prompt"] {
            assert!(!text.contains(key), "{provider:?}: {key} in {text}");
        }
        assert!(summary.warnings.is_empty(), "{provider:?}");
    }
}

#[test]
fn case_07_anthropic_prefills_are_sent_without_trailing_whitespace_and_reported_once() {
    let requests =
        requests_for(Provider::Anthropic, &fixture("field-cases/07-anthropic-prefill-trailing-space/requests.jsonl"));
    let (bodies, summary) = bodies(Provider::Anthropic, &requests, false).unwrap();
    assert_eq!(bodies[0]["messages"][1]["content"], "{\"capital\":");
    assert_eq!(bodies[1]["messages"][1]["content"], "<thinking>");
    assert_eq!(bodies[2]["messages"][1]["content"], json!([{"type": "text", "text": "1."}]));
    assert_eq!(summary.warnings.len(), 1, "{:?}", summary.warnings);
    let warning = &summary.warnings[0];
    assert_eq!((warning.index, warning.custom_id.as_str()), (0, "prefill-space"));
    assert!(warning.message.contains("2 more of the 3"), "{}", warning.message);
}

#[test]
fn case_10_mistral_marks_the_final_assistant_message_as_prefix() {
    let requests = requests_for(Provider::Mistral, &fixture("field-cases/10-mistral-assistant-last/requests.jsonl"));
    let (bodies, summary) = bodies(Provider::Mistral, &requests, false).unwrap();
    assert_eq!(
        bodies[0]["messages"][1],
        json!({"role": "assistant", "content": "Crimson leaves descend", "prefix": true})
    );
    assert_eq!(bodies[1]["messages"][1]["prefix"], true);
    assert_eq!(bodies[1]["messages"][0].get("prefix"), None);
    assert!(summary.warnings.is_empty());
}

#[test]
fn an_anthropic_prefill_of_only_whitespace_is_refused() {
    for content in [r#"" \n""#, r#"[{"type":"text","text":"Sure"},{"type":"text","text":"  "}]"#] {
        let request = request_for(Provider::Anthropic, &prefilled(content));
        let (index, field, message) = validation(bodies(Provider::Anthropic, &[request], false).unwrap_err());
        assert_eq!(index, Some(0));
        assert!(field.starts_with("messages[1].content"), "{field}");
        assert!(message.contains("only whitespace"), "{message}");
    }
}

/// A request with `providerKwargs` (and optionally a prefill), for the rule tables below.
fn with_kwargs(kwargs: &str, prefill: bool, config: &str) -> String {
    let assistant = if prefill { r#",{"role":"assistant","content":"Sure"}"# } else { "" };
    format!(
        r#"{{"customId":"k","model":"MODEL","messages":[{{"role":"user","content":"Hi"}}{assistant}],"generationConfig":{config},"providerKwargs":{kwargs}}}"#
    )
}

#[test]
fn rules_each_provider_enforces_are_refused_naming_the_field() {
    let thinking = r#""thinking":{"type":"enabled","budget_tokens":2000}"#;
    let cases: &[(Provider, String, bool, &str, &str, &str)] = &[
        (Provider::Anthropic, format!("{{{thinking}}}"), true, r#"{"maxTokens":4000}"#, "messages[1]", "thinking"),
        (Provider::Anthropic, r#"{"thinking":{"type":"adaptive"}}"#.into(), true, "{}", "messages[1]", "thinking"),
        (
            Provider::Anthropic,
            r#"{"output_config":{"format":{"type":"json_schema","schema":{"type":"object"}}}}"#.into(),
            true,
            "{}",
            "messages[1]",
            "structured output",
        ),
        (
            Provider::Anthropic,
            r#"{"thinking":{"type":"enabled","budget_tokens":512}}"#.into(),
            false,
            r#"{"maxTokens":4000}"#,
            "providerKwargs.thinking.budget_tokens",
            "at least 1024",
        ),
        (
            Provider::Anthropic,
            format!("{{{thinking}}}"),
            false,
            r#"{"maxTokens":2000}"#,
            "providerKwargs.thinking.budget_tokens",
            "less than max_tokens",
        ),
        (
            Provider::Anthropic,
            format!(r#"{{{thinking},"tool_choice":{{"type":"any"}}}}"#),
            false,
            r#"{"maxTokens":4000}"#,
            "providerKwargs.tool_choice",
            "forced tool choice",
        ),
        (
            Provider::Anthropic,
            format!("{{{thinking}}}"),
            false,
            r#"{"maxTokens":4000,"temperature":0.2}"#,
            "generationConfig.temperature",
            "temperature",
        ),
        (
            Provider::Anthropic,
            format!("{{{thinking}}}"),
            false,
            r#"{"maxTokens":4000,"topP":0.5}"#,
            "generationConfig.topP",
            "0.95",
        ),
        (
            Provider::Anthropic,
            format!("{{{thinking}}}"),
            false,
            r#"{"maxTokens":4000,"topK":5}"#,
            "generationConfig.topK",
            "top_k",
        ),
        (Provider::OpenAI, r#"{"top_logprobs":3}"#.into(), false, "{}", "providerKwargs.top_logprobs", "logprobs"),
        (Provider::OpenAI, r#"{"metadata":{"team":"a"}}"#.into(), false, "{}", "providerKwargs.metadata", "store"),
        (
            Provider::Azure,
            r#"{"metadata":{"team":"a"}}"#.into(),
            false,
            "{}",
            "providerKwargs.metadata",
            "Azure OpenAI refuses metadata",
        ),
        (Provider::Groq, r#"{"logprobs":true}"#.into(), false, "{}", "providerKwargs.logprobs", "logprobs true: Groq supports it on none of its models"),
        (
            Provider::Groq,
            r#"{"top_logprobs":2}"#.into(),
            false,
            "{}",
            "providerKwargs.top_logprobs",
            "top_logprobs 2: Groq supports it on none",
        ),
        (
            Provider::Groq,
            r#"{"logit_bias":{"1":-100}}"#.into(),
            false,
            "{}",
            "providerKwargs.logit_bias",
            "leave it out",
        ),
        (Provider::Groq, r#"{"n":2}"#.into(), false, "{}", "providerKwargs.n", "only the integer 1 as n, not 2"),
        (
            Provider::Groq,
            r#"{"metadata":{"team":"a"},"store":true}"#.into(),
            false,
            "{}",
            "providerKwargs.metadata",
            "metadata {\"team\":\"a\"}: Groq does not support it (groq-python CompletionCreateParams: \"not currently supported\"); leave it out (batch-router keeps your custom ids itself)",
        ),
        (Provider::Groq, r#"{"store":true}"#.into(), false, "{}", "providerKwargs.store", "store true: Groq does not support it"),
        (Provider::Groq, r#"{"store":"false"}"#.into(), false, "{}", "providerKwargs.store", "store \"false\": Groq"),
        (Provider::Groq, r#"{"n":1.0}"#.into(), false, "{}", "providerKwargs.n", "only the integer 1 as n, not 1.0"),
        (Provider::Groq, r#"{"n":"1"}"#.into(), false, "{}", "providerKwargs.n", "not \"1\""),
        (Provider::Anthropic, r#"{"max_tokens":0}"#.into(), false, "{}", "providerKwargs.max_tokens", "at least 1"),
        (Provider::Vllm, r#"{"stream":true}"#.into(), false, "{}", "providerKwargs.stream", "stream"),
        (
            Provider::Vllm,
            r#"{"top_logprobs":3,"logprobs":false}"#.into(),
            false,
            "{}",
            "providerKwargs.top_logprobs",
            "logprobs",
        ),
        (
            Provider::Vllm,
            r#"{"add_generation_prompt":true}"#.into(),
            true,
            "{}",
            "providerKwargs.add_generation_prompt",
            "prefill",
        ),
        (
            Provider::Vllm,
            r#"{"continue_final_message":false}"#.into(),
            true,
            "{}",
            "providerKwargs.continue_final_message",
            "prefill",
        ),
        (
            Provider::Vllm,
            r#"{"continue_final_message":true}"#.into(),
            false,
            "{}",
            "providerKwargs.continue_final_message",
            "add_generation_prompt",
        ),
        (
            Provider::Vllm,
            r#"{"structured_outputs":{"json":{"type":"object"},"regex":"a+"}}"#.into(),
            false,
            "{}",
            "providerKwargs.structured_outputs",
            "json and regex",
        ),
        (
            Provider::Google,
            r#"{"cachedContent":"cachedContents/abc","tools":[{"functionDeclarations":[]}]}"#.into(),
            false,
            "{}",
            "providerKwargs.cachedContent",
            "tools",
        ),
    ];
    for (provider, kwargs, prefill, config, expected_field, hint) in cases {
        let request = request_for(*provider, &with_kwargs(kwargs, *prefill, config));
        let error = bodies(*provider, &[request], true).unwrap_err();
        let (index, field, message) = validation(error);
        assert_eq!((index, field.as_str()), (Some(0), *expected_field), "{provider:?} {kwargs}");
        assert!(message.contains(hint), "{provider:?} {kwargs}: {message}");
    }
}

#[test]
fn the_same_settings_pass_where_the_rule_is_met() {
    let cases: &[(Provider, &str, bool, &str)] = &[
        (
            Provider::Anthropic,
            r#"{"thinking":{"type":"enabled","budget_tokens":1024}}"#,
            false,
            r#"{"maxTokens":2000}"#,
        ),
        (Provider::Anthropic, r#"{"thinking":{"type":"disabled"}}"#, true, r#"{"temperature":0.2}"#),
        // One of them: Claude 4.x models refuse temperature together with top_p (a model rule).
        (Provider::Anthropic, r#"{"thinking":{"type":"adaptive"},"temperature":1}"#, false, "{}"),
        (Provider::Anthropic, r#"{"thinking":{"type":"adaptive"},"top_p":0.95}"#, false, "{}"),
        (Provider::OpenAI, r#"{"top_logprobs":3,"logprobs":true}"#, false, "{}"),
        (Provider::OpenAI, r#"{"metadata":{"team":"a"},"store":true}"#, false, "{}"),
        (Provider::Azure, r#"{"metadata":{"team":"a"},"store":true}"#, false, "{}"),
        (Provider::Groq, r#"{"logprobs":false,"n":1,"store":false,"metadata":null}"#, false, "{}"),
        (Provider::Vllm, r#"{"stream":false}"#, false, "{}"),
        (Provider::Vllm, r#"{"continue_final_message":true,"add_generation_prompt":false}"#, true, "{}"),
        (Provider::Vllm, r#"{"continue_final_message":true,"add_generation_prompt":false}"#, false, "{}"),
        (Provider::Vllm, r#"{"structured_outputs":{"regex":"a+"}}"#, false, "{}"),
        (Provider::Google, r#"{"cachedContent":"cachedContents/abc"}"#, false, "{}"),
    ];
    for (provider, kwargs, prefill, config) in cases {
        let request = request_for(*provider, &with_kwargs(kwargs, *prefill, config));
        assert!(bodies(*provider, &[request], false).is_ok(), "{provider:?} {kwargs}");
    }
}

#[test]
fn gemini_cached_content_with_a_system_prompt_is_refused() {
    let json = r#"{"customId":"c","model":"MODEL","systemPrompt":"Be brief.","messages":[{"role":"user","content":"Hi"}],"providerKwargs":{"cachedContent":"cachedContents/abc"}}"#;
    let (_, field, message) =
        validation(bodies(Provider::Google, &[request_for(Provider::Google, json)], false).unwrap_err());
    assert_eq!(field, "providerKwargs.cachedContent");
    assert!(message.contains("systemPrompt"), "{message}");
}

#[test]
fn gemini_cached_content_with_unified_tools_is_refused() {
    let json = r#"{"customId":"c","model":"MODEL","messages":[{"role":"user","content":"Hi"}],"tools":[{"name":"f","parameters":{"type":"object"}}],"toolChoice":"auto","providerKwargs":{"cachedContent":"cachedContents/abc"}}"#;
    let (_, field, message) =
        validation(bodies(Provider::Google, &[request_for(Provider::Google, json)], false).unwrap_err());
    assert_eq!(field, "providerKwargs.cachedContent");
    assert!(message.contains("tools"), "{message}");
}

#[test]
fn groq_store_refusal_names_the_value_and_says_nothing_of_custom_ids() {
    let request = request_for(Provider::Groq, &with_kwargs(r#"{"store":true}"#, false, "{}"));
    let (_, _, message) = validation(bodies(Provider::Groq, &[request], false).unwrap_err());
    assert!(message.starts_with("store true: Groq does not support it"), "{message}");
    assert!(!message.contains("custom ids"), "{message}");
}

#[test]
fn a_forced_tool_choice_is_refused_whichever_field_turned_anthropic_thinking_on() {
    // A new-user trial found adaptive thinking from an effort (Opus 4.7), and thinking from
    // providerKwargs.thinking with the unified toolChoice, let through.
    let tools = r#""tools":[{"name":"f","parameters":{"type":"object"}}]"#;
    let line = |model: &str, extra: &str| {
        format!(r#"{{"customId":"t","model":"{model}","messages":[{{"role":"user","content":"hi"}}],{tools},{extra}}}"#)
    };
    let refusal = |json: String| {
        let request = request_for(Provider::Anthropic, &json);
        validation(bodies(Provider::Anthropic, &[request], false).unwrap_err())
    };
    let (index, field, message) =
        refusal(line("claude-opus-4-7", r#""toolChoice":"required","reasoning":{"effort":"high"}"#));
    assert_eq!((index, field.as_str()), (Some(0), "toolChoice"));
    assert!(message.contains("forced tool choice") && message.contains("(reasoning)"), "{message}");
    let (_, field, message) = refusal(line(
        "claude-sonnet-4-5",
        r#""toolChoice":{"name":"f"},"generationConfig":{"maxTokens":4000},"providerKwargs":{"thinking":{"type":"enabled","budget_tokens":2048}}"#,
    ));
    assert_eq!(field, "toolChoice");
    assert!(message.contains("(providerKwargs.thinking)"), "{message}");
    let (_, field, _) = refusal(line(
        "claude-opus-4-6",
        r#""toolChoice":"required","providerKwargs":{"thinking":{"type":"adaptive"}}"#,
    ));
    assert_eq!(field, "toolChoice");
    // Thinking turned off by the kwargs (merged last): the forced choice is sent.
    let off = line(
        "claude-opus-4-7",
        r#""toolChoice":"required","reasoning":{"effort":"high"},"providerKwargs":{"thinking":{"type":"disabled"}}"#,
    );
    let body = bodies(Provider::Anthropic, &[request_for(Provider::Anthropic, &off)], false).unwrap().0.remove(0);
    assert_eq!(body["tool_choice"], json!({"type": "any"}));
    // A prefill refused while thinking names what turned it on, not providerKwargs it does not have.
    let prefill = r#"{"customId":"p","model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"Sure"}],"generationConfig":{"maxTokens":4000},"reasoning":{"budgetTokens":2048}}"#;
    let (_, field, message) =
        validation(bodies(Provider::Anthropic, &[request_for(Provider::Anthropic, prefill)], false).unwrap_err());
    assert_eq!(field, "messages[1]");
    assert!(message.contains("(reasoning)") && !message.contains("providerKwargs"), "{message}");
}

/// Sonnet 5, Fable 5 and Mythos 5 think when `thinking` is left out (reference §7.2), so the
/// thinking rules hold with nothing sent (a new-user trial found a forced tool choice uploaded to
/// them); Sonnet 5 can turn thinking off, Fable and Mythos cannot, and the message says which.
#[test]
fn models_that_think_by_default_get_the_thinking_rules_with_nothing_sent() {
    let tools = r#""tools":[{"name":"f","parameters":{"type":"object"}}]"#;
    let line = |model: &str, extra: &str| {
        format!(
            r#"{{"customId":"d-1","model":"{model}","messages":[{{"role":"user","content":"hi"}}],{tools},{extra}}}"#
        )
    };
    let refusal = |json: String| {
        let request = request_for(Provider::Anthropic, &json);
        validation(bodies(Provider::Anthropic, &[request], false).unwrap_err())
    };
    for choice in [r#""toolChoice":"required""#, r#""toolChoice":{"name":"f"}"#] {
        let (index, field, message) = refusal(line("claude-sonnet-5", choice));
        assert_eq!((index, field.as_str()), (Some(0), "toolChoice"), "{message}");
        assert!(message.contains("claude-sonnet-5 thinks when thinking is left out"), "{message}");
        assert!(
            message.contains("reasoning.effort \"none\" turns it off") && message.contains("model rule:"),
            "{message}"
        );
    }
    let (_, field, message) = refusal(line("claude-fable-5", r#""toolChoice":"required""#));
    assert_eq!(field, "toolChoice");
    assert!(message.contains("cannot be turned off"), "{message}");
    let (_, field, _) = refusal(line("claude-mythos-5", r#""providerKwargs":{"tool_choice":{"type":"any"}}"#));
    assert_eq!(field, "providerKwargs.tool_choice");
    // Thinking turned off explicitly: the forced choice is sent, as `disabled` thinking.
    let off = request_for(
        Provider::Anthropic,
        &line("claude-sonnet-5", r#""toolChoice":"required","reasoning":{"effort":"none"}"#),
    );
    let (sent, _) = bodies(Provider::Anthropic, &[off], false).unwrap();
    assert_eq!(sent[0]["thinking"], json!({"type": "disabled"}));
    assert_eq!(sent[0]["tool_choice"]["type"], "any");
    // Opus 4.7 does not think with `thinking` left out: its forced choice is sent.
    let opus = request_for(Provider::Anthropic, &line("claude-opus-4-7", r#""toolChoice":"required""#));
    assert!(bodies(Provider::Anthropic, &[opus], false).is_ok());
}

/// A budget error with no `maxTokens` says the 4096 it names is the default batch-router filled
/// in (a new-user trial read it as a value it had set).
#[test]
fn a_budget_error_names_the_default_max_tokens_as_one() {
    let text = r#"{"customId":"b","model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}],"reasoning":{"budgetTokens":5000}}"#;
    let (_, field, message) =
        validation(bodies(Provider::Anthropic, &[request_for(Provider::Anthropic, text)], false).unwrap_err());
    assert_eq!(field, "reasoning.budgetTokens");
    assert!(
        message.contains("4096, the default batch-router sets when generationConfig.maxTokens is not given"),
        "{message}"
    );
    let given = text.replace(r#""reasoning""#, r#""generationConfig":{"maxTokens":3000},"reasoning""#);
    let (_, _, message) =
        validation(bodies(Provider::Anthropic, &[request_for(Provider::Anthropic, &given)], false).unwrap_err());
    assert!(message.contains("less than maxTokens (3000)"), "{message}");
    let kwarg = r#"{"customId":"b","model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}],"providerKwargs":{"thinking":{"type":"enabled","budget_tokens":5000}}}"#;
    let (_, field, message) =
        validation(bodies(Provider::Anthropic, &[request_for(Provider::Anthropic, kwarg)], false).unwrap_err());
    assert_eq!(field, "providerKwargs.thinking.budget_tokens");
    assert!(message.contains("the default batch-router sets"), "{message}");
}
