//! Prompt caching on every provider: the wire fields, what is refused (naming request and field)
//! and what, under `dropUnsupported` or because caching is automatic, is a warning.

use serde_json::{json, Value};

use crate::test_support::{bodies, request_for, validation};
use crate::{CoreError, Provider};

fn cached_request() -> Value {
    json!({"customId": "c-1", "model": "MODEL",
           "systemPrompt": "A long shared prompt.",
           "systemPromptCacheControl": {"ttl": "1h"},
           "tools": [{"name": "lookup", "parameters": {"type": "object", "properties": {}}, "cacheControl": {"ttl": "1h"}}],
           "messages": [{"role": "user", "content": [
               {"type": "text", "text": "A long document.", "cacheControl": {"ttl": "5m"}},
               {"type": "text", "text": "The question."}]}]})
}

fn prepared(provider: Provider, request: &Value, drop_unsupported: bool) -> Result<(Value, Vec<String>), CoreError> {
    let parsed = request_for(provider, &request.to_string());
    bodies(provider, &[parsed], drop_unsupported).map(|(mut sent, summary)| {
        (sent.remove(0), summary.warnings.into_iter().map(|warning| warning.field).collect())
    })
}

fn refused(provider: Provider, request: &Value) -> (String, String) {
    let parsed = request_for(provider, &request.to_string());
    match bodies(provider, &[parsed], false).unwrap_err() {
        CoreError::Validation { index, custom_id, field, message, .. } => {
            assert_eq!(index, Some(0));
            assert_eq!(custom_id.as_deref(), Some("c-1"));
            (field, message)
        }
        other => panic!("validation error expected, got {other:?}"),
    }
}

#[test]
fn anthropic_puts_cache_control_on_system_tools_and_parts() {
    let (body, warnings) = prepared(Provider::Anthropic, &cached_request(), false).unwrap();
    assert_eq!(
        body["system"],
        json!([{"type": "text", "text": "A long shared prompt.",
                                       "cache_control": {"type": "ephemeral", "ttl": "1h"}}])
    );
    assert_eq!(body["tools"][0]["cache_control"], json!({"type": "ephemeral", "ttl": "1h"}));
    let content = &body["messages"][0]["content"];
    assert_eq!(content[0]["cache_control"], json!({"type": "ephemeral", "ttl": "5m"}));
    assert!(content[1].get("cache_control").is_none());
    assert!(warnings.iter().all(|field| !field.contains("cache")), "{warnings:?}");
}

#[test]
fn anthropic_system_parts_take_the_breakpoint_on_the_last_block() {
    let mut request = cached_request();
    request["systemPrompt"] = json!(["one", "two"]);
    let (body, _) = prepared(Provider::Anthropic, &request, false).unwrap();
    assert!(body["system"][0].get("cache_control").is_none());
    assert_eq!(body["system"][1]["cache_control"]["ttl"], "1h");
    // Without a breakpoint a plain system prompt stays a string.
    request["systemPrompt"] = json!("plain");
    request.as_object_mut().unwrap().remove("systemPromptCacheControl");
    let (body, _) = prepared(Provider::Anthropic, &request, false).unwrap();
    assert_eq!(body["system"], "plain");
}

#[test]
fn anthropic_refuses_a_fifth_breakpoint_and_a_cache_key() {
    let mut request = cached_request();
    request["messages"][0]["content"] = json!([
        {"type": "text", "text": "a", "cacheControl": {}}, {"type": "text", "text": "b", "cacheControl": {}},
        {"type": "text", "text": "c", "cacheControl": {}}]);
    let (field, message) = refused(Provider::Anthropic, &request);
    assert_eq!(field, "messages[0].content[2].cacheControl");
    assert!(message.contains("at most 4"), "{message}");

    let mut keyed = cached_request();
    keyed["promptCacheKey"] = json!("kb-v1");
    assert_eq!(refused(Provider::Anthropic, &keyed).0, "promptCacheKey");
    let (body, warnings) = prepared(Provider::Anthropic, &keyed, true).unwrap();
    assert!(warnings.contains(&"promptCacheKey".to_owned()));
    assert!(body.get("prompt_cache_key").is_none());
}

#[test]
fn a_ttl_other_than_5m_or_1h_is_refused_when_read() {
    let mut request = cached_request();
    request["systemPromptCacheControl"] = json!({"ttl": "10m"});
    let error = crate::parse::parse_request_lines(&request.to_string()).unwrap_err();
    let (_, field, message) = validation(error);
    assert!(field.starts_with("systemPromptCacheControl"), "{field:?}: {message}");
}

#[test]
fn openai_azure_and_mistral_send_the_key_and_warn_about_breakpoints() {
    for provider in [Provider::OpenAI, Provider::Azure, Provider::Mistral] {
        let mut request = cached_request();
        request["promptCacheKey"] = json!("kb-v1");
        let (body, warnings) = prepared(provider, &request, false).unwrap();
        assert_eq!(body["prompt_cache_key"], "kb-v1", "{provider:?}");
        let text = body.to_string();
        assert!(!text.contains("cache_control") && !text.contains("prompt_cache_breakpoint"), "{provider:?}: {text}");
        for field in ["tools[0].cacheControl", "systemPromptCacheControl", "messages[0].content[0].cacheControl"] {
            assert!(warnings.contains(&field.to_owned()), "{provider:?}: {field} in {warnings:?}");
        }
    }
}

#[test]
fn gemini_vllm_and_groq_refuse_breakpoints_and_keys_or_leave_them_out() {
    for provider in [Provider::Google, Provider::Vllm, Provider::Groq] {
        let (field, _) = refused(provider, &cached_request());
        assert_eq!(field, "tools[0].cacheControl", "{provider:?}");
        let (body, warnings) = prepared(provider, &cached_request(), true).unwrap();
        assert!(!body.to_string().contains("cache"), "{provider:?}: {body}");
        assert_eq!(warnings.iter().filter(|field| field.contains("acheControl")).count(), 3, "{provider:?}");

        let keyed = json!({"customId": "c-1", "model": "MODEL", "promptCacheKey": "kb-v1",
                           "messages": [{"role": "user", "content": "x"}]});
        assert_eq!(refused(provider, &keyed).0, "promptCacheKey", "{provider:?}");
        let (body, warnings) = prepared(provider, &keyed, true).unwrap();
        assert!(body.get("prompt_cache_key").is_none());
        assert_eq!(warnings, vec!["promptCacheKey".to_owned()]);
    }
}

#[test]
fn an_empty_key_is_refused_everywhere() {
    for provider in Provider::ALL {
        let request = json!({"customId": "c-1", "model": "MODEL", "promptCacheKey": "",
                             "messages": [{"role": "user", "content": "x"}]});
        assert_eq!(refused(provider, &request).0, "promptCacheKey", "{provider:?}");
    }
}

#[test]
fn anthropic_takes_breakpoints_on_images_and_documents() {
    let request = json!({"customId": "c-1", "model": "MODEL", "messages": [{"role": "user", "content": [
        {"type": "document", "sourceType": "base64", "mediaType": "application/pdf", "data": "JVBERi0=",
         "cacheControl": {"ttl": "1h"}},
        {"type": "image", "sourceType": "url", "data": "https://example.com/a.png", "cacheControl": {}},
        {"type": "text", "text": "Compare them."}]}]});
    let (body, _) = prepared(Provider::Anthropic, &request, false).unwrap();
    let content = &body["messages"][0]["content"];
    assert_eq!(content[0]["cache_control"], json!({"type": "ephemeral", "ttl": "1h"}));
    assert_eq!(content[1]["cache_control"], json!({"type": "ephemeral"}));
    let (_, warnings) = prepared(Provider::OpenAI, &request, false).unwrap();
    assert_eq!(warnings.iter().filter(|field| field.ends_with("cacheControl")).count(), 2);
}

#[test]
fn tool_results_take_a_breakpoint_on_the_part_not_inside_it() {
    let request = |result: Value| {
        json!({"customId": "c-1", "model": "MODEL",
               "tools": [{"name": "lookup", "parameters": {"type": "object", "properties": {}}}],
               "messages": [{"role": "user", "content": "Look it up."},
                   {"role": "assistant", "content": [{"type": "tool_call", "id": "call_1", "name": "lookup", "arguments": {}}]},
                   {"role": "tool", "content": [result]}]})
    };
    let on_part = request(json!({"type": "tool_result", "toolCallId": "call_1", "content": "a long answer",
                                 "cacheControl": {"ttl": "5m"}}));
    let (body, _) = prepared(Provider::Anthropic, &on_part, false).unwrap();
    let block = &body["messages"][2]["content"][0];
    assert_eq!(block["type"], "tool_result");
    assert_eq!(block["cache_control"], json!({"type": "ephemeral", "ttl": "5m"}));
    let (_, warnings) = prepared(Provider::OpenAI, &on_part, false).unwrap();
    assert!(warnings.contains(&"messages[2].content[0].cacheControl".to_owned()), "{warnings:?}");

    let inside = request(json!({"type": "tool_result", "toolCallId": "call_1",
                                "content": [{"type": "text", "text": "a long answer", "cacheControl": {}}]}));
    for provider in [Provider::Anthropic, Provider::OpenAI] {
        assert_eq!(refused(provider, &inside).0, "messages[2].content[0].content[0].cacheControl", "{provider:?}");
    }
}

/// Anthropic renders tools, then system, then messages, and needs 1-hour entries before 5-minute
/// ones (reference §4.2): a 1-hour breakpoint after a 5-minute one (the default) is refused.
#[test]
fn anthropic_refuses_a_one_hour_breakpoint_after_a_five_minute_one() {
    let mut request = cached_request();
    request["tools"][0]["cacheControl"] = json!({});
    let (field, message) = refused(Provider::Anthropic, &request);
    assert_eq!(field, "systemPromptCacheControl");
    assert!(message.contains("tools[0].cacheControl") && message.contains("1-hour"), "{message}");
    request["systemPromptCacheControl"] = json!({"ttl": "5m"});
    request["messages"][0]["content"][1]["cacheControl"] = json!({"ttl": "1h"});
    assert_eq!(refused(Provider::Anthropic, &request).0, "messages[0].content[1].cacheControl");
}

#[test]
fn a_system_prompt_breakpoint_without_a_system_prompt_is_refused_everywhere() {
    let mut request = cached_request();
    request.as_object_mut().unwrap().remove("systemPrompt");
    request.as_object_mut().unwrap().remove("tools");
    for provider in Provider::ALL {
        let (field, message) = refused(provider, &request);
        assert_eq!(field, "systemPromptCacheControl", "{provider:?}");
        assert_eq!(message, "there is no systemPrompt to cache", "{provider:?}");
    }
}
