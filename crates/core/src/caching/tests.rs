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

/// The request's own `cacheControl`: "cache the whole request", Anthropic's top-level
/// `cache_control`, which marks the last cacheable block (reference §4.2); a breakpoint like the
/// others (counted, last in render order), and on other providers what their breakpoints are.
#[test]
fn the_request_cache_control_is_anthropic_top_level_cache_control() {
    let whole = json!({"customId": "c-1", "model": "MODEL", "cacheControl": {"ttl": "1h"},
                       "messages": [{"role": "user", "content": "A long document, then the question."}]});
    let (body, warnings) = prepared(Provider::Anthropic, &whole, false).unwrap();
    assert_eq!(body["cache_control"], json!({"type": "ephemeral", "ttl": "1h"}));
    assert!(warnings.iter().all(|field| !field.contains("cache")), "{warnings:?}");
    let mut plain = whole.clone();
    plain["cacheControl"] = json!({});
    assert_eq!(prepared(Provider::Anthropic, &plain, false).unwrap().0["cache_control"], json!({"type": "ephemeral"}));
    // Last in render order: a 1-hour one after a 5-minute breakpoint is refused, naming it.
    let mut late = cached_request();
    late["cacheControl"] = json!({"ttl": "1h"});
    let (field, message) = refused(Provider::Anthropic, &late);
    assert_eq!(field, "cacheControl", "{message}");
    assert!(message.contains("1-hour"), "{message}");
    // Counted: three breakpoints and the request's own make four (taken), a fifth is refused.
    let mut four = cached_request();
    four["cacheControl"] = json!({"ttl": "5m"});
    assert!(prepared(Provider::Anthropic, &four, false).is_ok());
    four["messages"][0]["content"][1]["cacheControl"] = json!({});
    assert_eq!(refused(Provider::Anthropic, &four).0, "cacheControl");
    // Other providers: a warning where prefix caching is automatic, refused where there is none.
    for provider in [Provider::OpenAI, Provider::Azure, Provider::Mistral] {
        let (body, warnings) = prepared(provider, &whole, false).unwrap();
        assert!(!body.to_string().contains("cache_control"), "{provider:?}");
        assert!(warnings.iter().any(|field| field == "cacheControl"), "{provider:?}: {warnings:?}");
    }
    for provider in [Provider::Google, Provider::Vllm, Provider::Groq, Provider::Together, Provider::Xai] {
        assert_eq!(refused(provider, &whole).0, "cacheControl", "{provider:?}");
        let (body, warnings) = prepared(provider, &whole, true).unwrap();
        assert!(!body.to_string().contains("cache"), "{provider:?}");
        assert!(warnings.iter().any(|field| field == "cacheControl"), "{provider:?}: {warnings:?}");
    }
    // Given as Anthropic's kwarg it would skip those checks: refused, naming the unified field.
    let kwarg = json!({"customId": "c-1", "model": "MODEL", "providerKwargs": {"cache_control": {"type": "ephemeral"}},
                       "messages": [{"role": "user", "content": "hi"}]});
    let (field, message) = refused(Provider::Anthropic, &kwarg);
    assert_eq!(field, "providerKwargs.cache_control");
    assert!(message.contains("set `cacheControl` instead"), "{message}");
}
