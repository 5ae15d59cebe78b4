//! `providerKwargs` on embeddings and Responses lines: checked against that endpoint's schema
//! (OpenAI `CreateEmbeddingRequest` / `CreateResponse`, Mistral `EmbeddingRequest`, Gemini
//! `EmbedContentRequest`), every known key sent, unknown keys refused by request and field, and a
//! key that repeats a unified field refused as a conflict.

use serde_json::{json, Value};

use crate::model::UnifiedRequest;
use crate::parse::parse_request_lines;
use crate::providers::{prepare, PrepareOptions};
use crate::test_support::validation;
use crate::validate::ValidationOptions;
use crate::{CoreError, Endpoint, Provider};

fn options(endpoint: Endpoint) -> PrepareOptions {
    PrepareOptions { validation: ValidationOptions::default(), endpoint: Some(endpoint), ..PrepareOptions::default() }
}

fn bodies(provider: Provider, endpoint: Endpoint, jsonl: &str) -> Result<Vec<Value>, CoreError> {
    let requests: Vec<UnifiedRequest> = parse_request_lines(jsonl).unwrap();
    let prepared = prepare(provider, &requests, &options(endpoint))?;
    let text = String::from_utf8(prepared.jsonl).unwrap();
    Ok(text
        .lines()
        .map(|line| {
            let line: Value = serde_json::from_str(line).unwrap();
            line.get("body").or_else(|| line.get("request")).cloned().unwrap()
        })
        .collect())
}

fn embedding(model: &str, kwargs: Value) -> String {
    let second = json!({"customId": "second", "model": model, "input": "beta", "providerKwargs": kwargs});
    format!("{}\n{second}\n", json!({"customId": "first", "model": model, "input": "alpha"}))
}

#[test]
fn every_known_embeddings_key_reaches_the_line() {
    let cases = [
        (Provider::OpenAI, "text-embedding-3-small", json!({"encoding_format": "base64", "user": "u-1"})),
        (
            Provider::Vllm,
            "e5",
            json!({"encoding_format": "float", "normalize": true, "truncate_prompt_tokens": 64, "use_activation": false}),
        ),
        (
            Provider::Mistral,
            "mistral-embed",
            json!({"output_dtype": "int8", "output_dimension": 512, "encoding_format": "float", "metadata": {"k": "v"}}),
        ),
        (
            Provider::Google,
            "gemini-embedding-001",
            json!({"title": "A title", "taskType": "RETRIEVAL_DOCUMENT", "outputDimensionality": 768}),
        ),
    ];
    for (provider, model, kwargs) in cases {
        let bodies = bodies(provider, Endpoint::Embeddings, &embedding(model, kwargs.clone())).unwrap();
        for (key, value) in kwargs.as_object().unwrap() {
            assert_eq!(bodies[1].get(key), Some(value), "{provider:?} {key}: {}", bodies[1]);
            assert_eq!(bodies[0].get(key), None, "{provider:?} {key} leaked into another line");
        }
    }
}

#[test]
fn unknown_embeddings_keys_are_refused_by_request_and_field() {
    let cases = [
        (Provider::OpenAI, json!({"output_dimension": 5}), "providerKwargs.output_dimension", "`dimensions`"),
        (Provider::OpenAI, json!({"normalize": true}), "providerKwargs.normalize", "vLLM extension"),
        (Provider::Mistral, json!({"dimensions": 5}), "providerKwargs.dimensions", "`output_dimension`"),
        (Provider::Mistral, json!({"user": "u"}), "providerKwargs.user", "EmbeddingRequest"),
        (
            Provider::Google,
            json!({"output_dimensionality": 5}),
            "providerKwargs.output_dimensionality",
            "`outputDimensionality`",
        ),
        (Provider::Google, json!({"generationConfig": {}}), "providerKwargs.generationConfig", "EmbedContentRequest"),
        (
            Provider::Vllm,
            json!({"reasoning_effort": "low"}),
            "providerKwargs.reasoning_effort",
            "vLLM's embeddings body",
        ),
    ];
    for (provider, kwargs, field, hint) in cases {
        let error = bodies(provider, Endpoint::Embeddings, &embedding("m", kwargs)).unwrap_err();
        let text = error.to_string();
        let (index, got_field, message) = validation(error);
        assert_eq!((index, got_field.as_str()), (Some(1), field), "{provider:?}: {message}");
        assert!(message.contains(hint), "{provider:?}: {message}");
        assert!(text.contains("second"), "the custom id is named: {text}");
    }
}

#[test]
fn a_key_given_both_ways_or_owned_by_the_request_is_a_conflict() {
    let cases = [
        (Provider::OpenAI, r#""dimensions":8"#, json!({"dimensions": 16}), "providerKwargs.dimensions"),
        (Provider::Mistral, r#""dimensions":8"#, json!({"output_dimension": 16}), "providerKwargs.output_dimension"),
        (
            Provider::Google,
            r#""dimensions":8"#,
            json!({"outputDimensionality": 16}),
            "providerKwargs.outputDimensionality",
        ),
        (Provider::Google, r#""taskType":"clustering""#, json!({"taskType": "CLUSTERING"}), "providerKwargs.taskType"),
        (
            Provider::Google,
            r#""dimensions":8"#,
            json!({"content": {"parts": [{"text": "x"}]}}),
            "providerKwargs.content",
        ),
        (Provider::OpenAI, r#""dimensions":8"#, json!({"input": ["other"]}), "providerKwargs.input"),
        (
            Provider::Mistral,
            r#""dimensions":8"#,
            json!({"encoding_format": "base64", "output_dtype": "int8"}),
            "providerKwargs.output_dtype",
        ),
        (
            Provider::Vllm,
            r#""dimensions":8"#,
            json!({"encoding_format": "base64", "endianness": "big"}),
            "providerKwargs.endianness",
        ),
    ];
    for (provider, unified, kwargs, field) in cases {
        let line = format!(r#"{{"customId":"c","model":"m","input":"x",{unified},"providerKwargs":{kwargs}}}"#);
        let (index, got_field, message) = validation(bodies(provider, Endpoint::Embeddings, &line).unwrap_err());
        assert_eq!((index, got_field.as_str()), (Some(0), field), "{provider:?}: {message}");
    }
}

fn responses_line(kwargs: Value) -> String {
    json!({"customId": "r-1", "model": "gpt-4.1", "messages": [{"role": "user", "content": "Hi"}],
           "providerKwargs": kwargs})
    .to_string()
}

#[test]
fn responses_kwargs_are_checked_against_create_response_and_sent() {
    let kwargs = json!({"include": ["reasoning.encrypted_content"], "max_tool_calls": 3, "truncation": "auto",
                        "text": {"verbosity": "low"}, "store": true});
    for provider in [Provider::OpenAI, Provider::Azure] {
        let body = &bodies(provider, Endpoint::Responses, &responses_line(kwargs.clone())).unwrap()[0];
        for (key, value) in kwargs.as_object().unwrap() {
            assert_eq!(body.get(key), Some(value), "{provider:?} {key}: {body}");
        }
    }
    for (kwargs, field, hint) in [
        (json!({"max_completion_tokens": 100}), "providerKwargs.max_completion_tokens", "`max_output_tokens`"),
        (json!({"response_format": {"type": "json_object"}}), "providerKwargs.response_format", "CreateResponse"),
        (json!({"reasoning_effort": "low"}), "providerKwargs.reasoning_effort", "CreateResponse"),
    ] {
        let error = bodies(Provider::OpenAI, Endpoint::Responses, &responses_line(kwargs)).unwrap_err();
        let text = error.to_string();
        let (index, got_field, message) = validation(error);
        assert_eq!((index, got_field.as_str()), (Some(0), field), "{message}");
        assert!(message.contains(hint), "{message}");
        assert!(text.contains("r-1"), "{text}");
    }
    // The chat body still takes chat keys (not `reasoning_effort` here: the test's model does not
    // reason, and its model rule refuses an effort given as a kwarg too).
    let chat =
        bodies(Provider::OpenAI, Endpoint::Chat, &responses_line(json!({"logit_bias": {"50256": -100}}))).unwrap();
    assert_eq!(chat[0]["logit_bias"]["50256"], -100);
}

#[test]
fn dimensions_on_a_model_of_one_fixed_size_are_refused_with_model_and_rule() {
    let cases = [
        (
            Provider::OpenAI,
            r#"{"customId":"ada","model":"text-embedding-ada-002","input":["a","b"],"dimensions":256}"#,
            "dimensions",
            "text-embedding-3",
        ),
        (
            Provider::OpenAI,
            r#"{"customId":"ada","model":"text-embedding-ada-002","input":"a","providerKwargs":{"dimensions":8}}"#,
            "providerKwargs.dimensions",
            "text-embedding-3",
        ),
        (
            Provider::Google,
            r#"{"customId":"old","model":"embedding-001","input":"a","dimensions":256}"#,
            "dimensions",
            "embedding-001",
        ),
        (
            Provider::Google,
            r#"{"customId":"old","model":"models/embedding-001","input":"a","providerKwargs":{"outputDimensionality":8}}"#,
            "providerKwargs.outputDimensionality",
            "embedding-001",
        ),
    ];
    for (provider, line, field, rule) in cases {
        let (index, got_field, message) = validation(bodies(provider, Endpoint::Embeddings, line).unwrap_err());
        assert_eq!((index, got_field.as_str()), (Some(0), field), "{message}");
        assert!(message.contains("fixed size") && message.contains(rule), "{message}");
    }
    // The same models without a size, and a later model with one, are fine.
    assert!(bodies(
        Provider::OpenAI,
        Endpoint::Embeddings,
        r#"{"customId":"ada","model":"text-embedding-ada-002","input":"a"}"#
    )
    .is_ok());
    assert!(bodies(
        Provider::OpenAI,
        Endpoint::Embeddings,
        r#"{"customId":"v3","model":"text-embedding-3-large","input":"a","dimensions":256}"#
    )
    .is_ok());
}
