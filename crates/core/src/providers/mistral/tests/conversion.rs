//! Unified request → `{custom_id, body}` lines, checked against the shapes of the spec's
//! `BatchRequest` and `ChatCompletionRequest`.

use serde_json::{json, Value};

use super::*;
use crate::validate::ValidationOptions;
use crate::CoreError;

fn line_of(request_json: &str) -> Value {
    let mut out = Vec::new();
    write_line(&request(request_json), &mut out).unwrap();
    assert_eq!(out.last(), Some(&b'\n'));
    assert_eq!(out.iter().filter(|&&byte| byte == b'\n').count(), 1, "one line per request");
    serde_json::from_slice(&out).unwrap()
}

fn validation_field(error: CoreError) -> (Option<usize>, String, String) {
    match error {
        CoreError::Validation { index, field, message, .. } => (index, field, message),
        other => panic!("validation error expected, got {other:?}"),
    }
}

fn prepare_one(request_json: &str, drop_unsupported: bool) -> Result<PreparedBatch, CoreError> {
    let options = PrepareOptions {
        validation: ValidationOptions { drop_unsupported, ..Default::default() },
        ..Default::default()
    };
    api().prepare(&[request(request_json)], &options)
}

#[test]
fn converts_a_full_request() {
    let line = line_of(
        r#"{"customId":"q1","model":"mistral-small-latest","systemPrompt":"Be brief.",
            "messages":[{"role":"user","content":[{"type":"text","text":"Describe"},
               {"type":"image","sourceType":"base64","mediaType":"image/png","data":"iVBORw=="},
               {"type":"image","sourceType":"url","data":"https://example.com/a.jpg"},
               {"type":"document","sourceType":"url","data":"https://example.com/paper.pdf","filename":"paper.pdf"},
               {"type":"document","sourceType":"url","data":"https://example.com/other.pdf"}]},
             {"role":"assistant","content":[{"type":"text","text":"Sure."}]},{"role":"user","content":"More"}],
            "generationConfig":{"maxTokens":100,"temperature":1.5,"topP":0.9,"stopSequences":["END","STOP"],
               "presencePenalty":0.1,"frequencyPenalty":-0.1}}"#,
    );
    assert_eq!(
        line,
        json!({
            "custom_id": "q1",
            "body": {
                "model": "mistral-small-latest",
                "messages": [
                    {"role": "system", "content": "Be brief."},
                    {"role": "user", "content": [
                        {"type": "text", "text": "Describe"},
                        {"type": "image_url", "image_url": "data:image/png;base64,iVBORw=="},
                        {"type": "image_url", "image_url": "https://example.com/a.jpg"},
                        {"type": "document_url", "document_url": "https://example.com/paper.pdf", "document_name": "paper.pdf"},
                        {"type": "document_url", "document_url": "https://example.com/other.pdf"}
                    ]},
                    {"role": "assistant", "content": [{"type": "text", "text": "Sure."}]},
                    {"role": "user", "content": "More"}
                ],
                "max_tokens": 100, "temperature": 1.5, "top_p": 0.9, "stop": ["END", "STOP"],
                "presence_penalty": 0.1, "frequency_penalty": -0.1
            }
        })
    );
}

#[test]
fn a_minimal_request_has_only_model_and_messages() {
    let line = line_of(r#"{"customId":"m","model":"open-mistral-nemo","messages":[{"role":"user","content":"hi"}]}"#);
    assert_eq!(
        line,
        json!({"custom_id": "m", "body": {"model": "open-mistral-nemo", "messages": [{"role": "user", "content": "hi"}]}})
    );
}

#[test]
fn system_prompt_list_becomes_text_chunks_of_one_system_message() {
    let line = line_of(
        r#"{"customId":"s","model":"m","systemPrompt":["One.","Two."],"messages":[{"role":"user","content":"x"}]}"#,
    );
    let messages = line["body"]["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(
        messages[0],
        json!({"role": "system", "content": [{"type": "text", "text": "One."}, {"type": "text", "text": "Two."}]})
    );
}

#[test]
fn provider_kwargs_are_deep_merged_last() {
    let line = line_of(
        r#"{"customId":"k","model":"m","messages":[{"role":"user","content":"x"}],
            "generationConfig":{"temperature":0.5,"maxTokens":10},
            "providerKwargs":{"temperature":0.7,"random_seed":42,"safe_prompt":true,
              "response_format":{"type":"json_schema","json_schema":{"name":"math","schema":{"type":"object"},"strict":true}},
              "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}],
              "tool_choice":"any"}}"#,
    );
    let body = &line["body"];
    assert_eq!(body["temperature"], 0.7);
    assert_eq!(body["max_tokens"], 10);
    assert_eq!(body["random_seed"], 42);
    assert_eq!(body["safe_prompt"], true);
    assert_eq!(body["response_format"]["json_schema"]["name"], "math");
    assert_eq!(body["tools"][0]["function"]["name"], "get_weather");
    assert_eq!(body["tool_choice"], "any");
    assert_eq!(body["model"], "m");
}

#[test]
fn provider_kwargs_merge_into_nested_objects() {
    let line = line_of(
        r#"{"customId":"n","model":"m","messages":[{"role":"user","content":"x"}],
            "providerKwargs":{"messages":[{"role":"user","content":"replaced"}],"prediction":{"type":"content","content":"x"}}}"#,
    );
    // Arrays are replaced whole (crate::merge), objects are added.
    assert_eq!(line["body"]["messages"], json!([{"role": "user", "content": "replaced"}]));
    assert_eq!(line["body"]["prediction"]["content"], "x");
}

#[test]
fn base64_documents_are_refused_or_left_out_with_a_warning() {
    let json = r#"{"customId":"d","model":"m","messages":[{"role":"user","content":[{"type":"text","text":"Read"},
        {"type":"document","sourceType":"base64","mediaType":"application/pdf","data":"JVBERi0="}]}]}"#;
    let (index, field, message) = validation_field(prepare_one(json, false).unwrap_err());
    assert_eq!((index, field.as_str()), (Some(0), "messages[0].content[1].sourceType"));
    assert!(message.contains("documents only as url"), "{message}");

    let prepared = prepare_one(json, true).unwrap();
    assert_eq!(prepared.summary.warnings.len(), 1);
    assert_eq!(prepared.summary.warnings[0].field, "messages[0].content[1].sourceType");
    let line: Value = serde_json::from_slice(&prepared.jsonl).unwrap();
    assert_eq!(line["body"]["messages"][0]["content"], json!([{"type": "text", "text": "Read"}]));
}

#[test]
fn file_uri_images_and_assistant_images_are_refused() {
    let file_uri = r#"{"customId":"f","model":"m","messages":[{"role":"user","content":[
        {"type":"image","sourceType":"file_uri","mediaType":"image/png","data":"files/abc"}]}]}"#;
    assert_eq!(validation_field(prepare_one(file_uri, false).unwrap_err()).1, "messages[0].content[0].sourceType");
    let assistant = r#"{"customId":"a","model":"m","messages":[{"role":"user","content":"x"},{"role":"assistant","content":[
        {"type":"image","sourceType":"url","data":"https://example.com/a.png"}]}]}"#;
    assert_eq!(validation_field(prepare_one(assistant, false).unwrap_err()).1, "messages[1].content[0]");
}

#[test]
fn top_k_is_refused_or_left_out() {
    let json = r#"{"customId":"k","model":"m","messages":[{"role":"user","content":"x"}],"generationConfig":{"topK":40,"topP":0.5}}"#;
    let (_, field, message) = validation_field(prepare_one(json, false).unwrap_err());
    assert_eq!(field, "generationConfig.topK");
    assert!(message.contains("Mistral has no topK"), "{message}");
    let prepared = prepare_one(json, true).unwrap();
    let line: Value = serde_json::from_slice(&prepared.jsonl).unwrap();
    assert!(line["body"].get("top_k").is_none());
    assert_eq!(line["body"]["top_p"], 0.5);
}

#[test]
fn sampling_ranges_follow_the_spec() {
    let with_config = |config: &str| {
        format!(
            r#"{{"customId":"t","model":"m","messages":[{{"role":"user","content":"x"}}],"generationConfig":{config}}}"#
        )
    };
    for (config, expected_field) in [
        (r#"{"temperature":1.6}"#, "generationConfig.temperature"),
        (r#"{"topP":0}"#, "generationConfig.topP"),
        (r#"{"topP":1.1}"#, "generationConfig.topP"),
        (r#"{"presencePenalty":2.5}"#, "generationConfig.presencePenalty"),
        (r#"{"frequencyPenalty":-2.5}"#, "generationConfig.frequencyPenalty"),
    ] {
        let error = prepare_one(&with_config(config), false).unwrap_err();
        assert_eq!(validation_field(error).1, expected_field, "{config}");
    }
    for config in [r#"{"temperature":0}"#, r#"{"temperature":1.5}"#, r#"{"topP":1}"#, r#"{"topP":0.01}"#] {
        assert!(prepare_one(&with_config(config), false).is_ok(), "{config}");
    }
}

#[test]
fn several_models_in_one_batch_are_refused() {
    let mut requests = simple_requests(3);
    requests[2].model = "mistral-large-latest".into();
    let error = api().prepare(&requests, &PrepareOptions::default()).unwrap_err();
    let (index, field, message) = validation_field(error);
    assert_eq!((index, field.as_str()), (Some(2), "model"));
    assert!(message.contains("Mistral batches take one model"), "{message}");
    assert!(message.contains("\"m\"") && message.contains("\"mistral-large-latest\""), "{message}");
}
