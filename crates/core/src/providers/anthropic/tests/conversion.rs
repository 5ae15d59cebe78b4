//! Unified requests → request lines and the create body.

use std::borrow::Cow;

use serde_json::json;

use super::*;
use crate::http::payload_bytes;
use crate::limits::batch_limits;
use crate::validate::ValidationOptions;

#[test]
fn converts_a_full_request() {
    // Claude 3.7: Claude 4.x refuses temperature with topP (a model rule).
    let line = line_of(
        r#"{"customId":"q1","model":"claude-3-7-sonnet-20250219","systemPrompt":"Be brief.",
            "messages":[{"role":"user","content":[{"type":"text","text":"Describe"},
               {"type":"image","sourceType":"base64","mediaType":"image/png","data":"iVBORw=="},
               {"type":"image","sourceType":"url","data":"https://example.com/a.jpg"},
               {"type":"document","sourceType":"base64","mediaType":"application/pdf","data":"JVBERi0=","filename":"a.pdf"},
               {"type":"document","sourceType":"url","data":"https://example.com/b.pdf"}]},
             {"role":"assistant","content":"Sure."},{"role":"user","content":"More"}],
            "generationConfig":{"maxTokens":100,"temperature":0.2,"topP":0.9,"topK":40,"stopSequences":["END"]}}"#,
    );
    assert_eq!(
        line,
        json!({
            "custom_id": "q1",
            "params": {
                "model": "claude-3-7-sonnet-20250219",
                "max_tokens": 100,
                "system": "Be brief.",
                "messages": [
                    {"role": "user", "content": [
                        {"type": "text", "text": "Describe"},
                        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw=="}},
                        {"type": "image", "source": {"type": "url", "url": "https://example.com/a.jpg"}},
                        {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0="}},
                        {"type": "document", "source": {"type": "url", "url": "https://example.com/b.pdf"}}
                    ]},
                    {"role": "assistant", "content": "Sure."},
                    {"role": "user", "content": "More"}
                ],
                "temperature": 0.2, "top_p": 0.9, "top_k": 40, "stop_sequences": ["END"]
            }
        })
    );
}

#[test]
fn a_system_prompt_list_becomes_text_blocks() {
    let line = line_of(
        r#"{"customId":"s","model":"m","systemPrompt":["One."],"messages":[{"role":"user","content":"x"}],"generationConfig":{"maxTokens":5}}"#,
    );
    assert_eq!(line["params"]["system"], json!([{"type": "text", "text": "One."}]));
    let line = line_of(
        r#"{"customId":"s","model":"m","systemPrompt":["One.","Two."],"messages":[{"role":"user","content":"x"}],"generationConfig":{"maxTokens":5}}"#,
    );
    assert_eq!(line["params"]["system"], json!([{"type": "text", "text": "One."}, {"type": "text", "text": "Two."}]));
}

#[test]
fn missing_max_tokens_gets_the_default_and_one_warning() {
    let without = |id: &str| {
        request(&format!(r#"{{"customId":"{id}","model":"m","messages":[{{"role":"user","content":"x"}}]}}"#))
    };
    let (lines, summary) = prepared_lines(&[simple("set"), without("a"), without("b")], &PrepareOptions::default());
    assert_eq!(lines[0]["params"]["max_tokens"], 10);
    assert_eq!(lines[1]["params"]["max_tokens"], DEFAULT_MAX_TOKENS);
    assert_eq!(lines[2]["params"]["max_tokens"], 4096);
    assert_eq!(summary.warnings.len(), 1);
    let warning = &summary.warnings[0];
    assert_eq!((warning.index, warning.custom_id.as_str()), (1, "a"));
    assert_eq!(warning.field, "generationConfig.maxTokens");
    assert!(warning.message.contains("4096") && warning.message.contains("1 more of the 3"), "{}", warning.message);

    let (_, summary) = prepared_lines(&[simple("set")], &PrepareOptions::default());
    assert!(summary.warnings.is_empty());
}

#[test]
fn max_tokens_from_provider_kwargs_is_not_reported_as_defaulted() {
    let line_request = request(
        r#"{"customId":"k","model":"m","messages":[{"role":"user","content":"x"}],"providerKwargs":{"max_tokens":333}}"#,
    );
    let (lines, summary) = prepared_lines(&[line_request], &PrepareOptions::default());
    assert_eq!(lines[0]["params"]["max_tokens"], 333);
    assert!(summary.warnings.is_empty());
}

#[test]
fn provider_kwargs_are_deep_merged_last() {
    let line = line_of(
        r#"{"customId":"k","model":"m","messages":[{"role":"user","content":"x"}],
            "generationConfig":{"maxTokens":2048,"temperature":0.5},
            "providerKwargs":{"temperature":1,"thinking":{"type":"enabled","budget_tokens":1024},
              "tools":[{"name":"get_weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],
              "tool_choice":{"type":"auto"},"metadata":{"user_id":"u-1"}}}"#,
    );
    let params = &line["params"];
    assert_eq!(params["temperature"], 1);
    assert_eq!(params["max_tokens"], 2048);
    assert_eq!(params["thinking"], json!({"type": "enabled", "budget_tokens": 1024}));
    assert_eq!(params["tools"][0]["name"], "get_weather");
    assert_eq!(params["tool_choice"], json!({"type": "auto"}));
    assert_eq!(params["metadata"], json!({"user_id": "u-1"}));
    assert_eq!(line["custom_id"], "k");
}

#[test]
fn penalties_are_refused_or_left_out_with_a_warning() {
    let json = r#"{"customId":"p","model":"m","messages":[{"role":"user","content":"x"}],"generationConfig":{"maxTokens":5,"presencePenalty":0.5,"frequencyPenalty":0.1}}"#;
    let (field, message) = validation_field(api().prepare(&[request(json)], &PrepareOptions::default()).unwrap_err());
    assert_eq!(field, "generationConfig.presencePenalty");
    assert!(message.contains("Anthropic"), "{message}");

    let options = PrepareOptions {
        validation: ValidationOptions { drop_unsupported: true, ..Default::default() },
        ..Default::default()
    };
    let (lines, summary) = prepared_lines(&[request(json)], &options);
    let fields: Vec<&str> = summary.warnings.iter().map(|warning| warning.field.as_str()).collect();
    assert_eq!(fields, ["generationConfig.presencePenalty", "generationConfig.frequencyPenalty"]);
    assert!(lines[0]["params"].get("presence_penalty").is_none());
    assert!(lines[0]["params"].get("frequency_penalty").is_none());
}

#[test]
fn file_uri_sources_are_refused_or_left_out() {
    let json = r#"{"customId":"f","model":"m","messages":[{"role":"user","content":[{"type":"text","text":"Look"},{"type":"image","sourceType":"file_uri","mediaType":"image/png","data":"files/abc"}]}],"generationConfig":{"maxTokens":5}}"#;
    let (field, _) = validation_field(api().prepare(&[request(json)], &PrepareOptions::default()).unwrap_err());
    assert_eq!(field, "messages[0].content[1].sourceType");

    let options = PrepareOptions {
        validation: ValidationOptions { drop_unsupported: true, ..Default::default() },
        ..Default::default()
    };
    let (lines, summary) = prepared_lines(&[request(json)], &options);
    assert_eq!(lines[0]["params"]["messages"][0]["content"], json!([{"type": "text", "text": "Look"}]));
    assert_eq!(summary.warnings[0].field, "messages[0].content[1].sourceType");

    let only_file = r#"{"customId":"o","model":"m","messages":[{"role":"user","content":[{"type":"document","sourceType":"file_uri","mediaType":"application/pdf","data":"files/abc"}]}],"generationConfig":{"maxTokens":5}}"#;
    let (field, message) = validation_field(api().prepare(&[request(only_file)], &options).unwrap_err());
    assert_eq!(field, "messages[0].content");
    assert!(message.contains("empty"), "{message}");
}

#[test]
fn the_first_message_must_come_from_the_user() {
    let requests = [
        simple("fine"),
        request(
            r#"{"customId":"starts-with-assistant","model":"m","messages":[{"role":"assistant","content":"Hello"},{"role":"user","content":"x"}]}"#,
        ),
    ];
    let error = api().prepare(&requests, &PrepareOptions::default()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "request 1 (customId \"starts-with-assistant\"): messages[0].role: Anthropic requires the first message to be from the user, not the assistant"
    );
}

#[test]
fn base64_media_types_are_checked() {
    let with_part = |part: &str| {
        request(&format!(
            r#"{{"customId":"i","model":"m","messages":[{{"role":"user","content":[{{"type":"text","text":"x"}},{part}]}}],"generationConfig":{{"maxTokens":5}}}}"#
        ))
    };
    for media_type in IMAGE_MEDIA_TYPES {
        let part = format!(r#"{{"type":"image","sourceType":"base64","mediaType":"{media_type}","data":"AAAA"}}"#);
        assert!(api().prepare(&[with_part(&part)], &PrepareOptions::default()).is_ok(), "{media_type}");
    }
    let refused = [
        r#"{"type":"image","sourceType":"base64","mediaType":"image/bmp","data":"AAAA"}"#,
        r#"{"type":"image","sourceType":"base64","mediaType":"application/pdf","data":"AAAA"}"#,
        r#"{"type":"document","sourceType":"base64","mediaType":"text/plain","data":"AAAA"}"#,
    ];
    for part in refused {
        let (field, message) =
            validation_field(api().prepare(&[with_part(part)], &PrepareOptions::default()).unwrap_err());
        assert_eq!(field, "messages[0].content[1].mediaType", "{part}");
        // A PDF in an image part is refused on every provider first (validate.rs), for its kind.
        assert!(message.contains("is not accepted") || message.contains("is not an image type"), "{message}");
    }
    // A URL source carries no media type to check.
    let url = r#"{"type":"image","sourceType":"url","mediaType":"image/bmp","data":"https://example.com/a.bmp"}"#;
    assert!(api().prepare(&[with_part(url)], &PrepareOptions::default()).is_ok());
}

#[test]
fn temperature_above_one_is_refused() {
    let json = r#"{"customId":"t","model":"m","messages":[{"role":"user","content":"x"}],"generationConfig":{"temperature":1.2}}"#;
    let (field, message) = validation_field(api().prepare(&[request(json)], &PrepareOptions::default()).unwrap_err());
    assert_eq!(field, "generationConfig.temperature");
    assert!(message.contains("0 to 1"), "{message}");
}

#[test]
fn ids_anthropic_would_refuse_are_replaced_and_recorded() {
    let requests = [simple("kept-1"), simple("user@example.com"), simple("kept_2")];
    let (lines, summary) = prepared_lines(&requests, &PrepareOptions::default());
    assert_eq!(lines[0]["custom_id"], "kept-1");
    assert_eq!(lines[2]["custom_id"], "kept_2");
    assert_eq!(summary.id_map.len(), 1);
    let mapping = &summary.id_map[0];
    assert_eq!(mapping.custom_id, "user@example.com");
    assert_eq!(lines[1]["custom_id"], mapping.provider_id.as_str());
    assert!(is_valid_id(&mapping.provider_id));
}

#[test]
fn the_summary_describes_an_inline_batch() {
    let mut other_model = simple("b");
    other_model.model = "claude-haiku-4-5".into();
    let prepared = api().prepare(&[simple("a"), other_model], &PrepareOptions::default()).unwrap();
    let summary = &prepared.summary;
    assert_eq!((summary.provider, summary.request_count, summary.route.as_str()), (Provider::Anthropic, 2, "inline"));
    assert_eq!(summary.bytes, prepared.jsonl.len());
    assert_eq!(summary.model, None, "the batch mixes models");
    let single = api().prepare(&[simple("a")], &PrepareOptions::default()).unwrap();
    assert_eq!(single.summary.model.as_deref(), Some("claude-sonnet-4-5"));
}

#[test]
fn the_create_body_is_the_lines_as_a_requests_array() {
    let prepared = api().prepare(&[simple("a"), simple("b")], &PrepareOptions::default()).unwrap();
    let mut submission = api().submit(&prepared.summary);
    let Step::Send(create) = submission.next(None).unwrap() else { panic!("a request expected") };
    let Body::Payload { prefix, suffix, lines_as_array } = &create.body else { panic!("payload body expected") };
    assert!(*lines_as_array);
    let bytes = payload_bytes(prefix, &prepared.jsonl, suffix, *lines_as_array);
    assert_eq!(bytes.len(), body_bytes(prepared.jsonl.len()));
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    let requests = body.as_object().unwrap();
    assert_eq!(requests.keys().collect::<Vec<_>>(), ["requests"]);
    let ids: Vec<&str> =
        body["requests"].as_array().unwrap().iter().map(|line| line["custom_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["a", "b"]);
}

#[test]
fn a_batch_over_the_byte_limit_is_refused_while_preparing() {
    assert_eq!(batch_limits(Provider::Anthropic).max_bytes, 256_000_000);
    let requests = [simple("a"), simple("b"), simple("c")];
    let exact = body_bytes(api().prepare(&requests, &PrepareOptions::default()).unwrap().jsonl.len());
    assert!(prepare_within(Cow::Borrowed(&requests), &PrepareOptions::default(), exact).is_ok());
    let error = prepare_within(Cow::Borrowed(&requests), &PrepareOptions::default(), exact - 1).unwrap_err();
    let (field, message) = validation_field(error);
    assert_eq!(field, "requests");
    assert!(message.contains("passed at request 2 of 3"), "{message}");
}

#[test]
fn a_batch_over_the_request_limit_is_refused() {
    let template = simple("r");
    let requests: Vec<UnifiedRequest> =
        (0..100_001).map(|index| UnifiedRequest { custom_id: format!("r{index}"), ..template.clone() }).collect();
    let (field, message) = validation_field(api().prepare(&requests, &PrepareOptions::default()).unwrap_err());
    assert_eq!(field, "requests");
    assert!(message.contains("100000"), "{message}");
}
