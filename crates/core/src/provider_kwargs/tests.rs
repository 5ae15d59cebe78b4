//! Misplaced and misspelled `providerKwargs`, swept across the five providers, plus field case 11.

use serde_json::{json, Map, Value};

use super::{sendable, unknown_keys};
use crate::test_support::{bodies, fixture, request_for, requests_for, validation};
use crate::{Endpoint, Provider};

fn kwargs(text: &str) -> Map<String, Value> {
    serde_json::from_str(text).unwrap()
}

fn with_kwargs(kwargs: &str) -> String {
    format!(
        r#"{{"customId":"k","model":"MODEL","messages":[{{"role":"user","content":"Hi"}}],"generationConfig":{{"maxTokens":50,"temperature":0.2}},"providerKwargs":{kwargs}}}"#
    )
}

/// (provider, kwargs, the path refused, the place named in the message)
const MISPLACED: &[(Provider, &str, &str, &str)] = &[
    (Provider::OpenAI, r#"{"maxCompletionTokens":5}"#, "maxCompletionTokens", "did you mean `max_completion_tokens`"),
    (Provider::OpenAI, r#"{"reasoningEffort":"low"}"#, "reasoningEffort", "did you mean `reasoning_effort`"),
    (Provider::OpenAI, r#"{"temprature":0.5}"#, "temprature", "did you mean `temperature`"),
    (Provider::OpenAI, r#"{"repetition_penalty":1.1}"#, "repetition_penalty", "vLLM extension"),
    (Provider::Vllm, r#"{"minP":0.1}"#, "minP", "did you mean `min_p`"),
    (Provider::Vllm, r#"{"chatTemplateKwargs":{}}"#, "chatTemplateKwargs", "did you mean `chat_template_kwargs`"),
    (Provider::Anthropic, r#"{"stopSequences":["x"]}"#, "stopSequences", "did you mean `stop_sequences`"),
    (Provider::Anthropic, r#"{"toolChoice":{"type":"auto"}}"#, "toolChoice", "did you mean `tool_choice`"),
    (Provider::Anthropic, r#"{"frequency_penalty":0.1}"#, "frequency_penalty", "the fields there are"),
    (Provider::Mistral, r#"{"randomSeed":1}"#, "randomSeed", "did you mean `random_seed`"),
    (Provider::Mistral, r#"{"max_completion_tokens":1}"#, "max_completion_tokens", "did you mean `max_tokens`"),
    (Provider::Mistral, r#"{"seed":1}"#, "seed", "did you mean `random_seed`"),
    (Provider::Anthropic, r#"{"max_completion_tokens":10}"#, "max_completion_tokens", "did you mean `max_tokens`"),
    (Provider::Anthropic, r#"{"stop":["x"]}"#, "stop", "did you mean `stop_sequences`"),
    (Provider::OpenAI, r#"{"max_output_tokens":10}"#, "max_output_tokens", "did you mean `max_completion_tokens`"),
    (Provider::OpenAI, r#"{"stop_sequences":["x"]}"#, "stop_sequences", "did you mean `stop`"),
    (Provider::Google, r#"{"max_tokens":10}"#, "max_tokens", "`generationConfig.maxOutputTokens`"),
    (Provider::Google, r#"{"system":"Be brief"}"#, "system", "`systemInstruction`"),
    (Provider::Google, r#"{"generationConfig":{"n":2}}"#, "generationConfig.n", "`generationConfig.candidateCount`"),
    (Provider::Mistral, r#"{"top_k":5}"#, "top_k", "the fields there are"),
    (
        Provider::Google,
        r#"{"thinking_config":{"thinking_budget":0}}"#,
        "thinking_config",
        "`generationConfig.thinkingConfig`",
    ),
    (
        Provider::Google,
        r#"{"thinkingConfig":{"thinkingBudget":0}}"#,
        "thinkingConfig",
        "`generationConfig.thinkingConfig`",
    ),
    (Provider::Google, r#"{"temperature":0.1}"#, "temperature", "`generationConfig.temperature`"),
    (Provider::Google, r#"{"max_output_tokens":10}"#, "max_output_tokens", "`generationConfig.maxOutputTokens`"),
    (
        Provider::Google,
        r#"{"response_mime_type":"application/json"}"#,
        "response_mime_type",
        "`generationConfig.responseMimeType`",
    ),
    (
        Provider::Google,
        r#"{"generation_config":{"thinking_config":{"thinking_budget":0}}}"#,
        "generation_config",
        "`generationConfig`",
    ),
    (Provider::Google, r#"{"safety_settings":[]}"#, "safety_settings", "`safetySettings`"),
    (
        Provider::Google,
        r#"{"generationConfig":{"thinking_config":{"thinkingBudget":0}}}"#,
        "generationConfig.thinking_config",
        "`generationConfig.thinkingConfig`",
    ),
    (
        Provider::Google,
        r#"{"generationConfig":{"thinkingBudget":0}}"#,
        "generationConfig.thinkingBudget",
        "`generationConfig.thinkingConfig.thinkingBudget`",
    ),
    (
        Provider::Google,
        r#"{"generationConfig":{"thinkingConfig":{"thinking_budget":0}}}"#,
        "generationConfig.thinkingConfig.thinking_budget",
        "`generationConfig.thinkingConfig.thinkingBudget`",
    ),
    (
        Provider::Google,
        r#"{"generationConfig":{"safetySettings":[]}}"#,
        "generationConfig.safetySettings",
        "`safetySettings`",
    ),
];

#[test]
fn misplaced_and_misspelled_kwargs_are_refused_naming_the_right_place() {
    for (provider, kwargs, path, hint) in MISPLACED {
        let request = request_for(*provider, &with_kwargs(kwargs));
        let error = bodies(*provider, &[request], false).unwrap_err();
        let (index, field, message) = validation(error);
        assert_eq!(
            (index, field.as_str()),
            (Some(0), format!("providerKwargs.{path}").as_str()),
            "{provider:?} {kwargs}"
        );
        assert!(message.contains(hint), "{provider:?} {kwargs}: {message}");
        assert!(message.contains("dropUnsupported"), "{message}");
    }
}

#[test]
fn under_drop_unsupported_a_misplaced_key_is_left_out_with_a_warning() {
    for (provider, kwargs, path, _) in MISPLACED {
        let request = request_for(*provider, &with_kwargs(kwargs));
        let (bodies, summary) = bodies(*provider, &[request], true).unwrap();
        let field = format!("providerKwargs.{path}");
        assert!(summary.warnings.iter().any(|warning| warning.field == field), "{provider:?}: {:?}", summary.warnings);
        let (parent, leaf) = path.rsplit_once('.').unwrap_or(("", path));
        let object = parent.split('.').filter(|key| !key.is_empty()).fold(&bodies[0], |value, key| &value[key]);
        assert_eq!(object.get(leaf), None, "{provider:?}: {path} sent in {}", bodies[0]);
    }
}

#[test]
fn fields_the_spec_has_are_sent_at_their_level() {
    let cases: &[(Provider, &str, &str)] = &[
        // Not `reasoning_effort`: the test's OpenAI model (gpt-4.1-mini) does not reason.
        (Provider::OpenAI, r#"{"logit_bias":{"50256":-100},"seed":7}"#, "logit_bias"),
        (
            Provider::Vllm,
            r#"{"repetition_penalty":1.1,"min_p":0.05,"chat_template_kwargs":{"enable_thinking":false}}"#,
            "min_p",
        ),
        // Not `output_config.effort`: the test's Anthropic model (claude-sonnet-4-5) takes no effort.
        (
            Provider::Anthropic,
            r#"{"metadata":{"user_id":"u"},"output_config":{"format":{"type":"json_schema","schema":{"type":"object"}}}}"#,
            "output_config",
        ),
        (Provider::Mistral, r#"{"random_seed":1,"safe_prompt":true}"#, "random_seed"),
        (
            Provider::Google,
            r#"{"safetySettings":[],"generationConfig":{"seed":3,"thinkingConfig":{"thinkingBudget":0}}}"#,
            "thinkingBudget",
        ),
    ];
    for (provider, kwargs, sent) in cases {
        let request = request_for(*provider, &with_kwargs(kwargs));
        let (bodies, summary) = bodies(*provider, &[request], false).unwrap();
        assert!(bodies[0].to_string().contains(sent), "{provider:?}");
        assert!(summary.warnings.is_empty(), "{provider:?}: {:?}", summary.warnings);
    }
}

#[test]
fn case_11_gemini_snake_case_thinking_config_is_refused_naming_generation_config() {
    let requests = requests_for(
        Provider::Google,
        &fixture("field-cases/11-gemini-thinking-config-placement/requests-snake-top.jsonl"),
    );
    let (index, field, message) = validation(bodies(Provider::Google, &requests, false).unwrap_err());
    assert_eq!((index, field.as_str()), (Some(0), "providerKwargs.thinking_config"));
    assert!(message.contains("generationConfig.thinkingConfig"), "{message}");
    // With dropUnsupported nothing reaches the top level of the request.
    let (bodies, summary) = bodies(Provider::Google, &requests, true).unwrap();
    assert_eq!(bodies[0].get("thinking_config"), None);
    assert_eq!(summary.warnings[0].field, "providerKwargs.thinking_config");
}

#[test]
fn case_11_nested_thinking_config_merges_with_the_unified_settings_in_both_routes() {
    let requests = requests_for(
        Provider::Google,
        &fixture("field-cases/11-gemini-thinking-config-placement/requests-nested.jsonl"),
    );
    for route in [crate::providers::SubmitRoute::Inline, crate::providers::SubmitRoute::File] {
        let options = crate::providers::PrepareOptions { route: Some(route), ..Default::default() };
        let prepared = crate::providers::prepare(Provider::Google, &requests, &options).unwrap();
        let line: Value = serde_json::from_slice(prepared.jsonl.strip_suffix(b"\n").unwrap()).unwrap();
        let request = &line["request"];
        assert_eq!(
            request["generationConfig"],
            json!({"maxOutputTokens": 50, "temperature": 0.2, "thinkingConfig": {"thinkingBudget": 0}}),
            "{route:?}"
        );
        let keys: Vec<&String> = request.as_object().unwrap().keys().collect();
        assert!(keys.iter().all(|key| !key.contains('_')), "{route:?}: {keys:?}");
    }
}

#[test]
fn sendable_borrows_when_everything_is_known_and_drops_only_unknown_keys() {
    let known = kwargs(r#"{"generationConfig":{"seed":1}}"#);
    assert!(matches!(sendable(Provider::Google, Endpoint::Chat, &known), std::borrow::Cow::Borrowed(_)));
    let mixed = kwargs(r#"{"tools":[],"temperature":1,"generationConfig":{"seed":1,"thinking_config":{}}}"#);
    assert_eq!(
        Value::Object(sendable(Provider::Google, Endpoint::Chat, &mixed).into_owned()),
        json!({"tools": [], "generationConfig": {"seed": 1}})
    );
    let paths: Vec<String> =
        unknown_keys(Provider::Google, Endpoint::Chat, &mixed).into_iter().map(|unknown| unknown.path).collect();
    // In the order they were written (objects keep their key order).
    assert_eq!(paths, ["temperature", "generationConfig.thinking_config"]);
}

#[test]
fn objects_below_the_checked_levels_are_passed_through() {
    // Tools, schemas and the like are the provider's to check; only the levels settings merge into are.
    let free =
        kwargs(r#"{"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"anything":1}}}}"#);
    assert!(unknown_keys(Provider::OpenAI, Endpoint::Chat, &free).is_empty());
}

/// Fields of each OpenAI-compatible provider's own published chat request (`chat_fields.rs`), one
/// per request so that each is seen to pass on its own.
const OWN_FIELDS: &[(Provider, &str)] = &[
    (Provider::Together, r#"{"top_k":5}"#),
    (Provider::Together, r#"{"repetition_penalty":1.1}"#),
    (Provider::Together, r#"{"min_p":0.1}"#),
    (Provider::Together, r#"{"echo":true}"#),
    (Provider::Together, r#"{"safety_model":"meta-llama/Meta-Llama-Guard-3-8B"}"#),
    (Provider::Together, r#"{"context_length_exceeded_behavior":"truncate"}"#),
    (Provider::Together, r#"{"logprobs":3}"#),
    (Provider::Together, r#"{"reasoning":{"enabled":false}}"#),
    (Provider::Together, r#"{"chat_template_kwargs":{"enable_thinking":false}}"#),
    (Provider::Groq, r#"{"reasoning_format":"parsed"}"#),
    (Provider::Groq, r#"{"include_reasoning":false}"#),
    (Provider::Groq, r#"{"search_settings":{"include_domains":["example.com"]}}"#),
    (Provider::Groq, r#"{"citation_options":"disabled"}"#),
    (Provider::Xai, r#"{"search_parameters":{"mode":"off"}}"#),
    (Provider::Xai, r#"{"web_search_options":{}}"#),
    (Provider::Xai, r#"{"deferred":false}"#),
];

#[test]
fn each_openai_compatible_provider_takes_the_fields_of_its_own_request() {
    for (provider, kwargs) in OWN_FIELDS {
        let request = request_for(*provider, &with_kwargs(kwargs));
        let (bodies, summary) = bodies(*provider, &[request], false)
            .unwrap_or_else(|error| panic!("{provider:?} {kwargs} refused: {error:?}"));
        let key = kwargs.split('"').nth(1).unwrap();
        assert_eq!(bodies[0][key], serde_json::from_str::<Value>(kwargs).unwrap()[key], "{provider:?} {kwargs}");
        assert!(summary.warnings.is_empty(), "{provider:?}: {:?}", summary.warnings);
    }
}

/// (provider, kwargs, the path refused, what the message says)
const NOT_THEIRS: &[(Provider, &str, &str, &str)] = &[
    // Together's output limit is `max_tokens`; it has no `max_completion_tokens`.
    (
        Provider::Together,
        r#"{"max_completion_tokens":5}"#,
        "max_completion_tokens",
        "Together AI's chat completion body (ChatCompletionRequest) has no field `max_completion_tokens` at the top level; did you mean `max_tokens`?",
    ),
    (Provider::Together, r#"{"user":"u1"}"#, "user", "Together AI's chat completion body"),
    (Provider::Groq, r#"{"top_k":5}"#, "top_k", "Groq's chat completion body (CompletionCreateParams) has no field `top_k`"),
    (Provider::Groq, r#"{"search_parameters":{}}"#, "search_parameters", "Groq's chat completion body"),
    (Provider::Xai, r#"{"top_k":5}"#, "top_k", "xAI's chat completion body (ChatRequest) has no field `top_k`"),
    (Provider::Xai, r#"{"reasoning_format":"parsed"}"#, "reasoning_format", "xAI's chat completion body"),
    // Azure publishes no list of its own: OpenAI's applies.
    (Provider::Azure, r#"{"reasoning_format":"parsed"}"#, "reasoning_format", "Azure OpenAI's (OpenAI's) chat"),
];

#[test]
fn a_field_another_provider_has_is_refused_naming_the_providers_own_body() {
    for (provider, kwargs, path, says) in NOT_THEIRS {
        let request = request_for(*provider, &with_kwargs(kwargs));
        let error = bodies(*provider, &[request], false).unwrap_err();
        let (index, field, message) = validation(error);
        assert_eq!((index, field.as_str()), (Some(0), format!("providerKwargs.{path}").as_str()), "{provider:?}");
        assert!(message.contains(says), "{provider:?} {kwargs}: {message}");
        assert!(!message.contains("OpenAI's chat completion body has"), "{provider:?}: {message}");
    }
    // The list a refusal shows is the provider's own.
    let request = request_for(Provider::Together, &with_kwargs(r#"{"zzzz_unknown":1}"#));
    let (_, _, message) = validation(bodies(Provider::Together, &[request], false).unwrap_err());
    assert!(message.contains("repetition_penalty") && !message.contains("max_completion_tokens"), "{message}");
}

#[test]
fn a_kwarg_naming_a_field_the_package_writes_replaces_it_on_every_openai_compatible_provider() {
    // `maxTokens: 50` is written as each provider's output limit; the kwarg of that name wins, as
    // deep_merge does for every provider.
    let cases: &[(Provider, &str)] = &[
        (Provider::OpenAI, "max_completion_tokens"),
        (Provider::Azure, "max_completion_tokens"),
        (Provider::Groq, "max_completion_tokens"),
        (Provider::Xai, "max_completion_tokens"),
        (Provider::Together, "max_tokens"),
        (Provider::Mistral, "max_tokens"),
    ];
    for (provider, limit) in cases {
        let request = request_for(*provider, &with_kwargs(&format!(r#"{{"{limit}":7}}"#)));
        let (bodies, summary) = bodies(*provider, &[request], false).unwrap();
        assert_eq!(bodies[0][*limit], 7, "{provider:?}: {}", bodies[0]);
        assert!(summary.warnings.is_empty(), "{provider:?}: {:?}", summary.warnings);
    }
    // Together's `top_k`: from unified `topK` and from the kwarg alike, the kwarg winning.
    let request = request_for(
        Provider::Together,
        r#"{"customId":"k","model":"MODEL","messages":[{"role":"user","content":"Hi"}],"generationConfig":{"topK":3},"providerKwargs":{"top_k":9}}"#,
    );
    let (bodies, _) = bodies(Provider::Together, &[request], false).unwrap();
    assert_eq!(bodies[0]["top_k"], 9, "{}", bodies[0]);
}

/// A value that is not an object where Gemini's body has a checked level (`generationConfig`,
/// `generationConfig.thinkingConfig`) has no keys to check and, merged, replaced the settings the
/// package wrote there (maxTokens, temperature, the response schema, reasoning) without a word.
#[test]
fn a_value_that_is_not_an_object_at_a_checked_level_is_refused_or_left_out() {
    for (kwargs, path) in [
        (r#"{"generationConfig":[5]}"#, "generationConfig"),
        (r#"{"generationConfig":"fast"}"#, "generationConfig"),
        (r#"{"generationConfig":null}"#, "generationConfig"),
        (r#"{"generationConfig":{"thinkingConfig":[1]}}"#, "generationConfig.thinkingConfig"),
    ] {
        let request = request_for(Provider::Google, &with_kwargs(kwargs));
        let (index, field, message) =
            validation(bodies(Provider::Google, std::slice::from_ref(&request), false).unwrap_err());
        assert_eq!((index, field.as_str()), (Some(0), format!("providerKwargs.{path}").as_str()), "{kwargs}");
        assert!(message.contains(&format!("takes an object at `{path}`")), "{kwargs}: {message}");

        let (bodies, summary) = bodies(Provider::Google, &[request], true).unwrap();
        assert!(summary.warnings.iter().any(|warning| warning.field == format!("providerKwargs.{path}")), "{kwargs}");
        let config = &bodies[0]["generationConfig"];
        assert_eq!(
            (config["maxOutputTokens"].as_u64(), config["temperature"].as_f64()),
            (Some(50), Some(0.2)),
            "{kwargs}: {}",
            bodies[0]
        );
    }
}
