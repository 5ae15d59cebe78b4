//! OpenAI batch input lines → unified requests: fields mapped, the rest kept in providerKwargs or
//! refused, and unified → OpenAI → unified gives back the same request.

use serde_json::{json, Value};

use super::*;
use crate::test_support::{bodies, requests_for};
use crate::Provider;

/// Requests that use every field the OpenAI line can carry back (names and filenames given: OpenAI
/// needs them, so batch-router writes defaults when they are absent).
fn full_requests() -> Vec<UnifiedRequest> {
    let lines = [
        // A fine-tuned model, which the model rules do not know: gpt-4.1-mini does not reason.
        json!({"customId": "so", "model": "ft:gpt-4.1-mini:acme::so1", "systemPrompt": ["You extract.", "Be exact."],
            "messages": [{"role": "user", "content": [{"type": "text", "text": "Invoice?"},
                {"type": "image", "sourceType": "base64", "mediaType": "image/png", "data": "iVBORw0KGgo="},
                {"type": "image", "sourceType": "url", "data": "https://example.com/a.jpg"},
                {"type": "document", "sourceType": "base64", "mediaType": "application/pdf", "data": "JVBERi0=", "filename": "a.pdf"}]}],
            "generationConfig": {"maxTokens": 100, "temperature": 0.2, "topP": 0.9, "stopSequences": ["END"],
                                 "presencePenalty": 0.5, "frequencyPenalty": 0.1, "seed": 7},
            "responseFormat": {"type": "json", "name": "invoice", "description": "An invoice", "strict": true,
                "schema": {"type": "object", "additionalProperties": false, "properties": {"total": {"type": "number"}}, "required": ["total"]}},
            "reasoning": {"effort": "low"}, "endUserId": "user-hash", "promptCacheKey": "invoices-v1",
            "providerKwargs": {"logprobs": true, "top_logprobs": 2}}),
        json!({"customId": "tools", "model": "ft:gpt-4.1-mini:acme::so1", "systemPrompt": "Use tools.",
            "tools": [{"name": "get_weather", "description": "Weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}, "strict": false}],
            "toolChoice": {"name": "get_weather"}, "parallelToolCalls": false,
            "messages": [{"role": "user", "content": "Paris?"},
                {"role": "assistant", "content": [{"type": "text", "text": "Checking."},
                    {"type": "tool_call", "id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}},
                    {"type": "tool_call", "id": "call_2", "name": "get_weather", "arguments": "not json"}]},
                {"role": "tool", "content": [{"type": "tool_result", "toolCallId": "call_1", "content": "18°C"},
                                             {"type": "tool_result", "toolCallId": "call_2", "content": "?"}]},
                {"role": "user", "content": "Thanks"}]}),
        json!({"customId": "json-mode", "model": "ft:gpt-4.1-mini:acme::so1", "messages": [{"role": "user", "content": "JSON please"}],
               "responseFormat": {"type": "json"}, "toolChoice": "none", "tools": [{"name": "noop", "parameters": {"type": "object"}}]}),
    ];
    let jsonl: Vec<String> = lines.iter().map(Value::to_string).collect();
    requests_for(Provider::OpenAI, &jsonl.join("\n"))
}

fn openai_file(requests: &[UnifiedRequest]) -> String {
    let prepared = crate::providers::prepare(Provider::OpenAI, requests, &Default::default()).unwrap();
    String::from_utf8(prepared.jsonl).unwrap()
}

#[test]
fn unified_to_openai_to_unified_is_lossless() {
    let requests = full_requests();
    assert_eq!(unified_from_openai_jsonl(&openai_file(&requests)).unwrap(), requests);
}

#[test]
fn an_imported_file_converts_to_every_provider() {
    let line = json!({"custom_id": "c1", "method": "POST", "url": "/v1/chat/completions", "body": {
        "model": "gpt-4.1-mini", "max_tokens": 50,
        "messages": [{"role": "developer", "content": "Be brief."}, {"role": "user", "content": "Weather in Paris as JSON?"}],
        "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "additionalProperties": false, "properties": {"city": {"type": "string"}}, "required": ["city"]}}}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "w", "schema": {"type": "object", "additionalProperties": false, "properties": {"c": {"type": "number"}}, "required": ["c"]}}}}});
    let mut request = unified_from_openai_line(0, &line.to_string()).unwrap();
    assert_eq!(request.system_prompt, Some(SystemPrompt::Text("Be brief.".into())));
    assert_eq!(request.generation_config.as_ref().unwrap().max_tokens, Some(50));
    for provider in [Provider::Anthropic, Provider::Mistral, Provider::Vllm] {
        request.model = crate::test_support::model_of(provider).into();
        bodies(provider, std::slice::from_ref(&request), false).unwrap();
    }
    request.model = "gemini-3-flash".into();
    bodies(Provider::Google, &[request], false).unwrap();
}

#[test]
fn what_has_no_unified_field_is_kept_or_refused() {
    let line = |body: Value| {
        json!({"custom_id": "k", "method": "POST", "url": "/v1/chat/completions", "body": body}).to_string()
    };
    let kept = unified_from_openai_line(
        0,
        &line(json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "n": 2, "store": true})),
    )
    .unwrap();
    assert_eq!(kept.provider_kwargs.unwrap(), json!({"store": true}).as_object().unwrap().clone());
    // `n` has a unified field.
    assert_eq!(kept.generation_config.and_then(|config| config.candidate_count), Some(2));
    let refused = |body: Value| match unified_from_openai_line(3, &line(body)).unwrap_err() {
        CoreError::Validation { index, custom_id, field, .. } => (index, custom_id, field),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        refused(
            json!({"model": "m", "messages": [{"role": "user", "content": [{"type": "input_audio", "input_audio": {}}]}]})
        ),
        (Some(3), Some("k".into()), "body.messages[0].content[0]".into())
    );
    assert_eq!(
        refused(json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": [{"type": "custom", "custom": {"name": "g"}}]})).2,
        "body.tools[0]"
    );
    assert_eq!(
        refused(
            json!({"model": "m", "messages": [{"role": "user", "content": "x"}, {"role": "system", "content": "late"}]})
        )
        .2,
        "body.messages[1]"
    );
    let embeddings = json!({"custom_id": "e", "method": "POST", "url": "/v1/embeddings", "body": {}}).to_string();
    assert!(unified_from_openai_line(0, &embeddings).is_err());
}

#[test]
fn a_participant_name_is_refused_not_dropped() {
    let line = json!({"custom_id": "named", "method": "POST", "url": "/v1/chat/completions",
        "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "name": "bob", "content": "Hi"}]}});
    let error = unified_from_openai_line(0, &line.to_string()).unwrap_err();
    let CoreError::Validation { index, field, message, .. } = error else { panic!("{error:?}") };
    assert_eq!((index, field.as_str()), (Some(0), "body.messages[0].name"));
    assert!(message.contains("participant name"), "{message}");
}

/// A field with a unified form given a value of another type is refused at import: kept in
/// `providerKwargs`, `reasoning_effort: 3` reached OpenAI as it was and other providers as a key
/// they lack (found by a new-user trial). Null is no value.
#[test]
fn a_unified_field_of_the_wrong_type_is_refused_not_kept() {
    for (key, value) in
        [("reasoning_effort", json!(3)), ("safety_identifier", json!(["u"])), ("prompt_cache_key", json!({}))]
    {
        let mut body = json!({"model": "m", "messages": [{"role": "user", "content": "x"}]});
        body[key] = value.clone();
        let line = json!({"custom_id": "w", "method": "POST", "url": "/v1/chat/completions", "body": body});
        let error = unified_from_openai_line(0, &line.to_string()).unwrap_err();
        let CoreError::Validation { field, message, .. } = error else { panic!("{error:?}") };
        let kind = crate::results::json_kind(&value);
        assert_eq!((field, message), (format!("body.{key}"), format!("must be a string, not a JSON {kind}")));
        body[key] = Value::Null;
        let line = json!({"custom_id": "w", "method": "POST", "url": "/v1/chat/completions", "body": body});
        let request = unified_from_openai_line(0, &line.to_string()).unwrap();
        assert_eq!(request.provider_kwargs, None, "{key}");
    }
}

/// Errors of an imported file name its line, the line's own fields as they are and the body's
/// under `body.`, the key that was given (found by a new-user trial: no line, `body.url`,
/// `max_tokens` reported as `body.max_completion_tokens`, `custom_id: 7` read as "" and refused
/// later as empty).
#[test]
fn import_errors_name_the_line_and_the_key_given() {
    let ok = json!({"custom_id": "a", "method": "POST", "url": "/v1/chat/completions",
        "body": {"model": "m", "messages": [{"role": "user", "content": "x"}]}});
    let error_of = |bad: Value| {
        let text = format!("{ok}\n\n{bad}\n");
        match unified_from_openai_jsonl(&text).unwrap_err() {
            CoreError::Validation { index, custom_id, field, message, line } => {
                (index, custom_id, field, message, line)
            }
            other => panic!("{other:?}"),
        }
    };
    let mut bad = ok.clone();
    bad["custom_id"] = json!(7);
    assert_eq!(
        error_of(bad),
        (Some(1), None, "custom_id".into(), "must be a string, not a JSON number".into(), Some(3))
    );
    let mut bad = ok.clone();
    bad["url"] = json!("/v1/embeddings");
    let (_, custom_id, field, _, line) = error_of(bad);
    assert_eq!((custom_id.as_deref(), field.as_str(), line), (Some("a"), "url", Some(3)));
    let mut bad = ok.clone();
    bad["body"] = json!([]);
    assert_eq!(error_of(bad).2, "body");
    let mut bad = ok.clone();
    bad["body"]["max_tokens"] = json!("many");
    assert_eq!(error_of(bad).2, "body.max_tokens");
    let text = format!("{ok}\n{}\n", &ok.to_string()[..30]);
    let CoreError::Validation { message, line, .. } = unified_from_openai_jsonl(&text).unwrap_err() else { panic!() };
    assert_eq!((message.as_str(), line), ("is not JSON: it ends before its last value is closed (column 30)", Some(2)));
}

/// A string the unified form needs that is missing or of another type is refused at its place, not
/// read as "" and refused later as empty (found by the second new-user trial).
#[test]
fn a_needed_string_of_another_type_is_refused_where_it_is() {
    let line = |messages: Value| {
        json!({"custom_id": "s", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "m", "messages": messages}})
            .to_string()
    };
    for (messages, field, message) in [
        (
            json!([{"role": "user", "content": [{"type": "text", "text": 5}]}]),
            "body.messages[0].content[0].text",
            "must be a string, not a JSON number",
        ),
        (
            json!([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": 5}}]}]),
            "body.messages[0].content[0].image_url.url",
            "must be a string, not a JSON number",
        ),
        (
            json!([{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]),
            "body.messages[0].content[0].image_url.url",
            "is required",
        ),
        (
            json!([{"role": "user", "content": "q"}, {"role": "assistant", "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
                   {"role": "tool", "tool_call_id": 3, "content": "ok"}]),
            "body.messages[2].tool_call_id",
            "must be a string, not a JSON number",
        ),
    ] {
        let CoreError::Validation { field: got, message: said, .. } =
            unified_from_openai_line(0, &line(messages)).unwrap_err()
        else {
            panic!()
        };
        assert_eq!((got.as_str(), said.as_str()), (field, message));
    }
}

/// What a new-user trial found changed silently or misnamed at import: both token limits, an
/// image's detail level, a GET line, a line without `custom_id`, the legacy `function` role, and a
/// line that is not an object.
#[test]
fn an_import_refuses_what_it_would_change_or_misname() {
    let line = |change: &dyn Fn(&mut Value)| {
        let mut line = json!({"custom_id": "a", "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}});
        change(&mut line);
        line.to_string()
    };
    let refused = |text: &str| match unified_from_openai_line(0, text).unwrap_err() {
        CoreError::Validation { field, message, .. } => (field, message),
        other => panic!("{other:?}"),
    };
    let (field, message) = refused(&line(&|line| {
        line["body"]["max_tokens"] = json!(5);
        line["body"]["max_completion_tokens"] = json!(10);
    }));
    assert_eq!(field, "body.max_tokens");
    assert!(message.starts_with("5 conflicts with max_completion_tokens 10: give one"), "{message}");
    // The same number twice is one setting.
    let same = line(&|line| {
        line["body"]["max_tokens"] = json!(10);
        line["body"]["max_completion_tokens"] = json!(10);
    });
    let request = unified_from_openai_line(0, &same).unwrap();
    assert_eq!(request.generation_config.and_then(|config| config.max_tokens), Some(10));

    let image = |detail: Value| {
        line(&|line| {
            line["body"]["messages"][0]["content"] =
                json!([{"type": "image_url", "image_url": {"url": "https://x/y.png", "detail": detail.clone()}}]);
        })
    };
    let (field, message) = refused(&image(json!("low")));
    assert_eq!(field, "body.messages[0].content[0].image_url.detail");
    assert!(message.starts_with("\"low\" has no unified form"), "{message}");
    assert_eq!(refused(&image(json!(1))).1, "must be a string, not a JSON number");
    // `auto` is OpenAI's default: leaving it out changes nothing.
    assert!(unified_from_openai_line(0, &image(json!("auto"))).is_ok());

    let (field, message) = refused(&line(&|line| line["method"] = json!("GET")));
    assert_eq!(field, "method");
    assert!(message.contains("POST"), "{message}");

    let (field, message) = refused(&line(&|line| {
        line.as_object_mut().unwrap().remove("custom_id");
    }));
    assert_eq!((field.as_str(), message.as_str()), ("custom_id", "missing: every batch input line needs its own id"));
    let (field, message) = refused(&line(&|line| {
        let id = line.as_object_mut().unwrap().remove("custom_id").unwrap();
        line["customId"] = id;
    }));
    assert_eq!(field, "custom_id");
    assert!(message.contains("OpenAI's key is `custom_id`"), "{message}");

    let (field, message) = refused(&line(&|line| {
        line["body"]["messages"] =
            json!([{"role": "user", "content": "q"}, {"role": "function", "name": "f", "content": "x"}]);
    }));
    assert_eq!(field, "body.messages[1].role");
    assert!(message.contains("legacy \"function\" role"), "{message}");

    for (text, kind) in [("[1,2]", "an array"), ("\"x\"", "a string"), ("null", "null"), ("5", "a number")] {
        let (field, message) = refused(text);
        assert_eq!(field, "", "{text}");
        assert!(message.ends_with(&format!("not {kind}")), "{text}: {message}");
    }
    assert_eq!(refused(&line(&|line| line["url"] = json!(5))).0, "url");
}

/// OpenAI's deprecated `user` is the end-user id `safety_identifier` replaced (reference §5): it
/// becomes `endUserId` (a new-user trial found it kept in providerKwargs, which every other
/// provider refused); beside a `safety_identifier`, or longer than its 64 characters, it stays.
#[test]
fn the_deprecated_user_becomes_the_end_user_id() {
    let import = |extra: Value| {
        let mut body = json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "x"}]});
        for (key, value) in extra.as_object().unwrap() {
            body[key] = value.clone();
        }
        let line = json!({"custom_id": "u", "method": "POST", "url": "/v1/chat/completions", "body": body});
        unified_from_openai_line(0, &line.to_string()).unwrap()
    };
    let request = import(json!({"user": "hash-1"}));
    assert_eq!(request.end_user_id.as_deref(), Some("hash-1"));
    assert!(request.provider_kwargs.as_ref().is_none_or(|kwargs| !kwargs.contains_key("user")));
    let (sent, _) = bodies(Provider::OpenAI, &[request], false).unwrap();
    assert_eq!((sent[0]["safety_identifier"].as_str(), sent[0].get("user")), (Some("hash-1"), None));
    let both = import(json!({"user": "old", "safety_identifier": "new"}));
    assert_eq!(both.end_user_id.as_deref(), Some("new"));
    assert_eq!(both.provider_kwargs.unwrap()["user"], "old");
    let long = "u".repeat(65);
    let kept = import(json!({"user": long}));
    assert_eq!((kept.end_user_id, kept.provider_kwargs.unwrap()["user"].as_str().map(str::len)), (None, Some(65)));
}
