//! Unified chat requests as Responses lines (`url: "/v1/responses"`): every feature in the
//! Responses spelling, the settings Responses lacks refused, and the create call's endpoint.

use serde_json::{json, Value};

use crate::http::Body;
use crate::parse::parse_request_lines;
use crate::providers::{api_for, prepare, ClientConfig, PrepareOptions, Step};
use crate::test_support::validation;
use crate::validate::ValidationOptions;
use crate::{CoreError, Endpoint, Provider};

fn lines(provider: Provider, jsonl: &str, drop_unsupported: bool) -> Result<Vec<Value>, CoreError> {
    let options = PrepareOptions {
        validation: ValidationOptions { drop_unsupported, ..Default::default() },
        endpoint: Some(Endpoint::Responses),
        ..PrepareOptions::default()
    };
    let prepared = prepare(provider, parse_request_lines(jsonl).unwrap(), &options)?;
    let text = String::from_utf8(prepared.jsonl).unwrap();
    Ok(text.lines().map(|line| serde_json::from_str(line).unwrap()).collect())
}

#[test]
fn text_system_prompt_and_settings_use_the_responses_names() {
    let request = r#"{"customId":"r-1","model":"gpt-5-mini","systemPrompt":"Answer briefly.","messages":[{"role":"user","content":"Capital of France?"}],"generationConfig":{"maxTokens":2000},"endUserId":"u-hash","promptCacheKey":"k1","reasoning":{"effort":"low","includeThoughts":true}}"#;
    let line = &lines(Provider::OpenAI, request, false).unwrap()[0];
    assert_eq!((line["url"].as_str(), line["method"].as_str()), (Some("/v1/responses"), Some("POST")));
    assert_eq!(
        line["body"],
        json!({"model": "gpt-5-mini", "instructions": "Answer briefly.",
               "input": [{"role": "user", "content": "Capital of France?"}],
               "max_output_tokens": 2000,
               "reasoning": {"effort": "low", "summary": "auto"},
               "safety_identifier": "u-hash", "prompt_cache_key": "k1", "store": false})
    );
}

#[test]
fn several_candidates_are_refused_on_responses() {
    let request = r#"{"customId":"r-1","model":"gpt-4.1-mini","messages":[{"role":"user","content":"Hi"}],"generationConfig":{"candidateCount":2}}"#;
    let error = lines(Provider::OpenAI, request, false).unwrap_err();
    let CoreError::Validation { field, .. } = &error else { panic!("{error:?}") };
    assert_eq!(field, "generationConfig.candidateCount");
}

/// Sampling settings on a model that takes them (gpt-5-mini refuses them: a model rule).
#[test]
fn sampling_settings_use_the_responses_names() {
    let request = r#"{"customId":"r-1","model":"gpt-4.1-mini","messages":[{"role":"user","content":"Hi"}],"generationConfig":{"temperature":0.5,"topP":0.9}}"#;
    let line = &lines(Provider::OpenAI, request, false).unwrap()[0];
    assert_eq!((line["body"]["temperature"].as_f64(), line["body"]["top_p"].as_f64()), (Some(0.5), Some(0.9)));
}

#[test]
fn images_documents_tools_and_transcripts_become_input_items() {
    let request = r#"{"customId":"r-2","model":"gpt-5-mini","systemPrompt":["One.","Two."],"messages":[
        {"role":"user","content":[{"type":"text","text":"Look"},{"type":"image","sourceType":"url","data":"https://example.com/cat.png"},{"type":"document","sourceType":"base64","data":"JVBERi0=","mediaType":"application/pdf","filename":"a.pdf"}]},
        {"role":"assistant","content":[{"type":"text","text":"Checking."},{"type":"tool_call","id":"call_1","name":"lookup","arguments":{"q":"cat"}}]},
        {"role":"tool","content":[{"type":"tool_result","toolCallId":"call_1","content":"a cat"}]}],
        "tools":[{"name":"lookup","description":"Find","parameters":{"type":"object","properties":{"q":{"type":"string"}},"required":["q"],"additionalProperties":false}}],
        "toolChoice":{"name":"lookup"},"parallelToolCalls":false,
        "responseFormat":{"type":"json","name":"answer","schema":{"type":"object","properties":{"a":{"type":"string"}},"required":["a"],"additionalProperties":false},"strict":true}}"#
        .replace('\n', "");
    let body = lines(Provider::OpenAI, &request, false).unwrap()[0]["body"].clone();
    assert_eq!(
        body["input"],
        json!([
            {"role": "system", "content": [{"type": "input_text", "text": "One."}, {"type": "input_text", "text": "Two."}]},
            {"role": "user", "content": [
                {"type": "input_text", "text": "Look"},
                {"type": "input_image", "image_url": "https://example.com/cat.png", "detail": "auto"},
                {"type": "input_file", "filename": "a.pdf", "file_data": "data:application/pdf;base64,JVBERi0="}]},
            {"role": "assistant", "content": "Checking."},
            {"type": "function_call", "call_id": "call_1", "name": "lookup", "arguments": "{\"q\":\"cat\"}"},
            {"type": "function_call_output", "call_id": "call_1", "output": "a cat"}
        ])
    );
    assert!(body.get("instructions").is_none());
    assert_eq!(
        body["tools"],
        json!([{"type": "function", "name": "lookup", "description": "Find", "strict": false,
                "parameters": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"], "additionalProperties": false}}])
    );
    assert_eq!(body["tool_choice"], json!({"type": "function", "name": "lookup"}));
    assert_eq!(body["parallel_tool_calls"], json!(false));
    assert_eq!(
        body["text"],
        json!({"format": {"type": "json_schema", "name": "answer", "strict": true,
                          "schema": {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"], "additionalProperties": false}}})
    );
    let json_mode = r#"{"customId":"r","model":"m","messages":[{"role":"user","content":"Answer in JSON"}],"responseFormat":{"type":"json"}}"#;
    assert_eq!(
        lines(Provider::OpenAI, json_mode, false).unwrap()[0]["body"]["text"],
        json!({"format": {"type": "json_object"}})
    );
}

#[test]
fn settings_the_responses_endpoint_lacks_are_refused_or_dropped_with_a_warning() {
    for (config, field) in [
        (r#"{"stopSequences":["x"]}"#, "generationConfig.stopSequences"),
        (r#"{"seed":1}"#, "generationConfig.seed"),
        (r#"{"presencePenalty":1}"#, "generationConfig.presencePenalty"),
        (r#"{"maxTokens":8}"#, "generationConfig.maxTokens"),
    ] {
        let request = format!(
            r#"{{"customId":"r","model":"m","messages":[{{"role":"user","content":"x"}}],"generationConfig":{config}}}"#
        );
        let (index, found, _) = validation(lines(Provider::OpenAI, &request, false).unwrap_err());
        assert_eq!((index, found.as_str()), (Some(0), field));
    }
    let request = r#"{"customId":"r","model":"m","messages":[{"role":"user","content":"x"}],"generationConfig":{"seed":1,"maxTokens":100}}"#;
    let body = lines(Provider::OpenAI, request, true).unwrap()[0]["body"].clone();
    assert!(body.get("seed").is_none());
    assert_eq!(body["max_output_tokens"], json!(100));
}

#[test]
fn only_openai_and_azure_offer_responses_and_the_create_call_names_it() {
    let request = r#"{"customId":"r","model":"m","messages":[{"role":"user","content":"x"}]}"#;
    for provider in [Provider::Anthropic, Provider::Google, Provider::Mistral, Provider::Vllm, Provider::Groq] {
        assert_eq!(validation(lines(provider, request, false).unwrap_err()).1, "endpoint", "{provider:?}");
    }
    for (provider, expected) in [(Provider::OpenAI, "/v1/responses"), (Provider::Azure, "/responses")] {
        let line = &lines(provider, request, false).unwrap()[0];
        assert_eq!(line["url"], "/v1/responses");
        let options = PrepareOptions { endpoint: Some(Endpoint::Responses), ..PrepareOptions::default() };
        let config = ClientConfig {
            api_key: "k".into(),
            endpoint: Some("https://res.openai.azure.com".into()),
            ..ClientConfig::default()
        };
        let api = api_for(provider, config).unwrap();
        let prepared = api.prepare(&parse_request_lines(request).unwrap(), &options).unwrap();
        let mut submission = api.resume_submission(
            &prepared.summary,
            &crate::providers::SubmissionCheckpoint { file_id: Some("file-1".into()) },
        );
        let Step::Send(create) = submission.next(None).unwrap() else { panic!("a create call was expected") };
        let Body::Json { text } = &create.body else { panic!("a JSON create body was expected") };
        let body: Value = serde_json::from_str(text).unwrap();
        assert_eq!(body["endpoint"], expected, "{provider:?}");
    }
}

/// The chat completions rule that `metadata` needs `store: true` is not applied to Responses lines
/// (batch-router sends `store: false` there by default; `CreateResponse.metadata` has no such rule),
/// while a chat line with the same request is still refused.
#[test]
fn metadata_without_store_is_sent_on_responses() {
    let jsonl = r#"{"customId":"m","model":"gpt-5","messages":[{"role":"user","content":"Hi"}],"providerKwargs":{"metadata":{"team":"a"}}}"#;
    for provider in [Provider::OpenAI, Provider::Azure] {
        let sent = lines(provider, jsonl, false).unwrap();
        assert_eq!(sent[0]["body"]["metadata"], json!({"team": "a"}), "{provider:?}");
        let chat = prepare(provider, parse_request_lines(jsonl).unwrap(), &PrepareOptions::default());
        let Err(error) = chat else { panic!("{provider:?}: the chat line is refused") };
        let (_, field, _) = validation(error);
        assert_eq!(field, "providerKwargs.metadata");
    }
}

#[test]
fn a_tool_results_text_parts_become_input_text_parts() {
    // Never joined into one text ("21" and "17" as "2117", found by a new-user trial).
    let request = r#"{"customId":"r-9","model":"gpt-5-mini","messages":[{"role":"user","content":"Temps?"},
        {"role":"assistant","content":[{"type":"tool_call","id":"call_1","name":"temps","arguments":{}}]},
        {"role":"tool","content":[{"type":"tool_result","toolCallId":"call_1","content":[{"type":"text","text":"21"},{"type":"text","text":"17"}]}]}],
        "tools":[{"name":"temps","parameters":{"type":"object"}}]}"#
        .replace('\n', "");
    let body = lines(Provider::OpenAI, &request, false).unwrap()[0]["body"].clone();
    assert_eq!(
        body["input"][2],
        json!({"type": "function_call_output", "call_id": "call_1",
               "output": [{"type": "input_text", "text": "21"}, {"type": "input_text", "text": "17"}]})
    );
}

/// A document URL: OpenAI's Responses `input_file` takes it as `file_url` (OA-SPEC
/// `InputFileContent`); chat has no URL spelling for a file, and Azure's Responses lines are not
/// documented to take one, so both refuse it before upload (a new-user trial found it dropped).
#[test]
fn a_document_url_is_a_file_url_on_openai_responses_and_refused_where_there_is_none() {
    let request = |filename: &str| {
        format!(
            r#"{{"customId":"d-1","model":"gpt-4.1-mini","messages":[{{"role":"user","content":[{{"type":"text","text":"Summarise"}},{{"type":"document","sourceType":"url","data":"https://example.com/report.pdf"{filename}}}]}}]}}"#
        )
    };
    let body = lines(Provider::OpenAI, &request(""), false).unwrap()[0]["body"].clone();
    assert_eq!(
        body["input"][0]["content"][1],
        json!({"type": "input_file", "file_url": "https://example.com/report.pdf"})
    );
    let named = lines(Provider::OpenAI, &request(r#","filename":"q3.pdf""#), false).unwrap()[0]["body"].clone();
    assert_eq!(
        named["input"][0]["content"][1],
        json!({"type": "input_file", "filename": "q3.pdf", "file_url": "https://example.com/report.pdf"})
    );
    let (index, field, message) = validation(lines(Provider::Azure, &request(""), false).unwrap_err());
    assert_eq!((index, field.as_str()), (Some(0), "messages[0].content[1].sourceType"));
    assert!(message.contains("only as base64"), "{message}");
    // Chat Completions on OpenAI: the same request refused, as before.
    let chat = prepare(
        Provider::OpenAI,
        parse_request_lines(&request("")).unwrap(),
        &PrepareOptions { endpoint: Some(Endpoint::Chat), ..PrepareOptions::default() },
    );
    assert_eq!(validation(chat.unwrap_err()).1, "messages[0].content[1].sourceType");
}
