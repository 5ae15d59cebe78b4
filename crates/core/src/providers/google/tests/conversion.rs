//! Unified request → `GenerateContentRequest`.

use serde_json::{json, Value};

use super::{request, simple};
use crate::providers::google::{model_resource, write_request};
use crate::providers::{prepare, PrepareOptions};
use crate::validate::ValidationOptions;
use crate::{CoreError, Provider, UnifiedRequest};

fn converted(request: &UnifiedRequest) -> Value {
    let mut out = Vec::new();
    write_request(0, request, &mut out).unwrap();
    serde_json::from_slice(&out).unwrap()
}

fn validation_field(error: CoreError) -> (Option<usize>, String, String) {
    match error {
        CoreError::Validation { index, field, message, .. } => (index, field, message),
        other => panic!("validation error expected, got {other:?}"),
    }
}

#[test]
fn converts_a_full_request() {
    let body = converted(&request(
        r#"{"customId":"q1","model":"gemini-2.5-flash","systemPrompt":"Be brief.",
            "messages":[
              {"role":"user","content":[{"type":"text","text":"Describe these"},
                 {"type":"image","sourceType":"base64","mediaType":"image/png","data":"iVBORw=="},
                 {"type":"image","sourceType":"file_uri","mediaType":"image/jpeg","data":"https://generativelanguage.googleapis.com/v1beta/files/img-1"},
                 {"type":"document","sourceType":"base64","mediaType":"application/pdf","data":"JVBERi0="},
                 {"type":"document","sourceType":"file_uri","data":"https://generativelanguage.googleapis.com/v1beta/files/doc-1"}]},
              {"role":"assistant","content":"Sure."},
              {"role":"user","content":"More"}],
            "generationConfig":{"maxTokens":100,"temperature":0.2,"topP":0.9,"topK":40,"stopSequences":["END"],
               "presencePenalty":0.1,"frequencyPenalty":-0.1}}"#,
    ));
    assert_eq!(
        body,
        json!({
            "model": "models/gemini-2.5-flash",
            "contents": [
                {"role": "user", "parts": [
                    {"text": "Describe these"},
                    {"inlineData": {"mimeType": "image/png", "data": "iVBORw=="}},
                    {"fileData": {"mimeType": "image/jpeg", "fileUri": "https://generativelanguage.googleapis.com/v1beta/files/img-1"}},
                    {"inlineData": {"mimeType": "application/pdf", "data": "JVBERi0="}},
                    {"fileData": {"fileUri": "https://generativelanguage.googleapis.com/v1beta/files/doc-1"}}
                ]},
                {"role": "model", "parts": [{"text": "Sure."}]},
                {"role": "user", "parts": [{"text": "More"}]}
            ],
            "systemInstruction": {"parts": [{"text": "Be brief."}]},
            "generationConfig": {
                "maxOutputTokens": 100, "temperature": 0.2, "topP": 0.9, "topK": 40, "stopSequences": ["END"],
                "presencePenalty": 0.1, "frequencyPenalty": -0.1
            }
        })
    );
}

#[test]
fn never_sends_assistant_or_snake_case() {
    let text = serde_json::to_string(&converted(&request(
        r#"{"customId":"r","model":"m","systemPrompt":"s","messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}],
            "generationConfig":{"maxTokens":5}}"#,
    )))
    .unwrap();
    assert!(!text.contains("assistant"), "{text}");
    assert!(!text.contains('_'), "{text}");
}

#[test]
fn system_prompt_list_becomes_several_parts() {
    let body = converted(&request(
        r#"{"customId":"s","model":"m","systemPrompt":["One.","Two."],"messages":[{"role":"user","content":"x"}]}"#,
    ));
    assert_eq!(body["systemInstruction"], json!({"parts": [{"text": "One."}, {"text": "Two."}]}));
}

#[test]
fn absent_settings_are_left_out() {
    let body = converted(&simple("p", "hi"));
    assert_eq!(
        body,
        json!({"model": "models/gemini-2.5-flash", "contents": [{"role": "user", "parts": [{"text": "hi"}]}]})
    );
}

#[test]
fn provider_kwargs_merge_into_the_request_last() {
    let body = converted(&request(
        r#"{"customId":"k","model":"m","messages":[{"role":"user","content":"x"}],"generationConfig":{"temperature":0.5,"maxTokens":10},
            "providerKwargs":{
              "generationConfig":{"temperature":0.7,"responseMimeType":"application/json",
                 "responseSchema":{"type":"OBJECT","properties":{"answer":{"type":"STRING"}}},
                 "thinkingConfig":{"thinkingBudget":1024,"includeThoughts":true}},
              "tools":[{"functionDeclarations":[{"name":"get_weather","parameters":{"type":"OBJECT"}}]}],
              "safetySettings":[{"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_NONE"}]}}"#,
    ));
    let config = &body["generationConfig"];
    assert_eq!(config["temperature"], 0.7);
    assert_eq!(config["maxOutputTokens"], 10);
    assert_eq!(config["responseMimeType"], "application/json");
    assert_eq!(config["responseSchema"]["properties"]["answer"]["type"], "STRING");
    assert_eq!(config["thinkingConfig"], json!({"thinkingBudget": 1024, "includeThoughts": true}));
    assert_eq!(body["tools"][0]["functionDeclarations"][0]["name"], "get_weather");
    assert_eq!(body["safetySettings"][0]["threshold"], "BLOCK_NONE");
}

#[test]
fn misplaced_provider_kwargs_are_refused_with_the_right_place() {
    let cases = [
        (r#"{"responseMimeType":"application/json"}"#, "providerKwargs.responseMimeType", "generationConfig"),
        (r#"{"thinkingConfig":{"thinkingBudget":0}}"#, "providerKwargs.thinkingConfig", "generationConfig"),
        (r#"{"generation_config":{"seed":1}}"#, "providerKwargs.generation_config", "generationConfig"),
        (r#"{"model":"models/other"}"#, "providerKwargs.model", "one model"),
    ];
    for (kwargs, expected_field, hint) in cases {
        let mut request = simple("k", "x");
        request.provider_kwargs = Some(serde_json::from_str(kwargs).unwrap());
        let error =
            prepare(Provider::Google, &[simple("first", "x"), request], &PrepareOptions::default()).unwrap_err();
        let (index, field, message) = validation_field(error);
        assert_eq!((index, field.as_str()), (Some(1), expected_field), "{kwargs}");
        assert!(message.contains(hint), "{message}");
    }
}

#[test]
fn url_sources_are_refused_by_default_and_dropped_on_request() {
    let with_url = request(
        r#"{"customId":"u","model":"m","messages":[{"role":"user","content":[{"type":"text","text":"What is this?"},
            {"type":"image","sourceType":"url","data":"https://example.com/cat.png"}]}]}"#,
    );
    let error = prepare(Provider::Google, std::slice::from_ref(&with_url), &PrepareOptions::default()).unwrap_err();
    let (_, field, message) = validation_field(error);
    assert_eq!(field, "messages[0].content[1].sourceType");
    assert!(message.contains("base64 or file_uri"), "{message}");

    let options = PrepareOptions {
        validation: ValidationOptions { drop_unsupported: true, ..Default::default() },
        route: Some(crate::providers::SubmitRoute::File),
        ..Default::default()
    };
    let prepared = prepare(Provider::Google, &[with_url], &options).unwrap();
    assert_eq!(prepared.summary.warnings.len(), 1);
    let line: Value = serde_json::from_slice(&prepared.jsonl).unwrap();
    assert_eq!(line["request"]["contents"][0]["parts"], json!([{"text": "What is this?"}]));

    let only_url = request(
        r#"{"customId":"o","model":"m","messages":[{"role":"user","content":[{"type":"document","sourceType":"url","data":"https://example.com/a.pdf"}]}]}"#,
    );
    let (_, field, _) = validation_field(prepare(Provider::Google, &[only_url], &options).unwrap_err());
    assert_eq!(field, "messages[0].content");
}

#[test]
fn assistant_turns_may_carry_media() {
    let body = converted(&request(
        r#"{"customId":"a","model":"m","messages":[{"role":"user","content":"Draw"},
            {"role":"assistant","content":[{"type":"image","sourceType":"base64","mediaType":"image/png","data":"iVBORw=="}]},
            {"role":"user","content":"Again"}]}"#,
    ));
    assert_eq!(
        body["contents"][1],
        json!({"role": "model", "parts": [{"inlineData": {"mimeType": "image/png", "data": "iVBORw=="}}]})
    );
}

#[test]
fn at_most_five_stop_sequences() {
    let five = request(
        r#"{"customId":"s","model":"m","messages":[{"role":"user","content":"x"}],"generationConfig":{"stopSequences":["a","b","c","d","e"]}}"#,
    );
    assert!(prepare(Provider::Google, std::slice::from_ref(&five), &PrepareOptions::default()).is_ok());
    let mut six = five;
    six.generation_config.as_mut().unwrap().stop_sequences.as_mut().unwrap().push("f".into());
    let (_, field, _) = validation_field(prepare(Provider::Google, &[six], &PrepareOptions::default()).unwrap_err());
    assert_eq!(field, "generationConfig.stopSequences");
}

#[test]
fn a_batch_takes_one_model() {
    let mut other = simple("b", "x");
    other.model = "gemini-2.5-pro".into();
    let error = prepare(Provider::Google, &[simple("a", "x"), other], &PrepareOptions::default()).unwrap_err();
    let (index, field, message) = validation_field(error);
    assert_eq!((index, field.as_str()), (Some(1), "model"));
    assert!(message.contains("Gemini batches take one model"), "{message}");
}

#[test]
fn model_names_become_resource_names_once() {
    assert_eq!(model_resource("gemini-2.5-flash"), "models/gemini-2.5-flash");
    assert_eq!(model_resource("models/gemini-2.5-flash"), "models/gemini-2.5-flash");
    assert_eq!(model_resource("tunedModels/my-model"), "tunedModels/my-model");
}
