//! Tools and tool transcripts on every provider: wire shapes, id remapping, merged results, and the
//! refusals naming request and field.

use serde_json::{json, Value};

use crate::test_support::{bodies, request_for, validation};
use crate::Provider;

const ALL: [Provider; 5] = [Provider::OpenAI, Provider::Anthropic, Provider::Google, Provider::Mistral, Provider::Vllm];

fn weather_tool() -> Value {
    json!({"name": "get_weather", "description": "Weather in a city",
           "parameters": {"type": "object", "additionalProperties": false,
                          "properties": {"city": {"type": "string"}}, "required": ["city"]}})
}

/// A transcript: the user asks, the assistant calls two tools, both answer, the user goes on.
fn transcript() -> Value {
    json!({"customId": "t-1", "model": "MODEL", "tools": [weather_tool()], "toolChoice": "auto",
        "messages": [
            {"role": "user", "content": "Weather in Paris and Rome?"},
            {"role": "assistant", "content": [
                {"type": "text", "text": "Checking."},
                {"type": "tool_call", "id": "call_paris.1", "name": "get_weather", "arguments": {"city": "Paris"}},
                {"type": "tool_call", "id": "call_rome.2", "name": "get_weather", "arguments": {"city": "Rome"}}]},
            {"role": "tool", "content": [
                {"type": "tool_result", "toolCallId": "call_paris.1", "content": "18°C"},
                {"type": "tool_result", "toolCallId": "call_rome.2", "content": "timeout", "isError": true}]},
            {"role": "user", "content": "Thanks. And tomorrow?"}]})
}

fn body_of(provider: Provider, request: &Value) -> Value {
    let request = request_for(provider, &request.to_string());
    bodies(provider, &[request], false).unwrap().0.remove(0)
}

fn refusal(provider: Provider, request: &Value) -> (String, String) {
    let request = request_for(provider, &request.to_string());
    let (index, field, message) = validation(bodies(provider, &[request], false).unwrap_err());
    assert_eq!(index, Some(0));
    (field, message)
}

#[test]
fn definitions_and_choice_in_each_providers_shape() {
    let mut request = transcript();
    request["toolChoice"] = json!({"name": "get_weather"});
    request["parallelToolCalls"] = json!(false);
    for provider in [Provider::OpenAI, Provider::Mistral, Provider::Vllm] {
        let body = body_of(provider, &request);
        assert_eq!(body["tools"][0]["type"], "function", "{provider:?}");
        assert_eq!(body["tools"][0]["function"]["name"], "get_weather");
        assert_eq!(body["tools"][0]["function"]["parameters"], weather_tool()["parameters"]);
        assert_eq!(body["tool_choice"], json!({"type": "function", "function": {"name": "get_weather"}}));
        assert_eq!(body["parallel_tool_calls"], false);
    }
    let anthropic = body_of(Provider::Anthropic, &request);
    assert_eq!(anthropic["tools"][0]["input_schema"], weather_tool()["parameters"]);
    assert_eq!(
        anthropic["tool_choice"],
        json!({"type": "tool", "name": "get_weather", "disable_parallel_tool_use": true})
    );
    request["parallelToolCalls"] = json!(true);
    let gemini = body_of(Provider::Google, &request);
    assert_eq!(
        gemini["tools"],
        json!([{"functionDeclarations": [{"name": "get_weather", "description": "Weather in a city",
                                          "parametersJsonSchema": weather_tool()["parameters"]}]}])
    );
    assert_eq!(
        gemini["toolConfig"],
        json!({"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}})
    );
}

#[test]
fn required_is_any_where_the_provider_says_so() {
    let mut request = transcript();
    request["toolChoice"] = json!("required");
    assert_eq!(body_of(Provider::OpenAI, &request)["tool_choice"], "required");
    assert_eq!(body_of(Provider::Anthropic, &request)["tool_choice"], json!({"type": "any"}));
    assert_eq!(body_of(Provider::Google, &request)["toolConfig"]["functionCallingConfig"]["mode"], "ANY");
}

#[test]
fn openai_transcript_has_tool_calls_and_one_tool_message_per_result() {
    let body = body_of(Provider::OpenAI, &transcript());
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(
        messages.iter().map(|message| message["role"].as_str().unwrap()).collect::<Vec<_>>(),
        ["user", "assistant", "tool", "tool", "user"]
    );
    assert_eq!(
        messages[1]["tool_calls"][0],
        json!({"id": "call_paris.1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}})
    );
    assert_eq!(messages[2], json!({"role": "tool", "tool_call_id": "call_paris.1", "content": "18°C"}));
}

#[test]
fn anthropic_merges_results_into_one_user_turn_first() {
    let body = body_of(Provider::Anthropic, &transcript());
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 3);
    assert_eq!(
        messages[1]["content"][1],
        json!({"type": "tool_use", "id": "call_paris_1", "name": "get_weather", "input": {"city": "Paris"}})
    );
    assert_eq!(messages[2]["role"], "user");
    assert_eq!(
        messages[2]["content"][0],
        json!({"type": "tool_result", "tool_use_id": "call_paris_1", "content": "18°C"})
    );
    assert_eq!(messages[2]["content"][1]["is_error"], true);
    assert_eq!(messages[2]["content"][2], json!({"type": "text", "text": "Thanks. And tomorrow?"}));
}

#[test]
fn gemini_sends_function_calls_and_responses_in_one_user_turn() {
    let mut request = transcript();
    request["messages"][1]["content"][1]["signature"] = json!("sig-1");
    let body = body_of(Provider::Google, &request);
    let contents = body["contents"].as_array().unwrap();
    assert_eq!(contents.len(), 3);
    assert_eq!(
        contents[1]["parts"][1],
        json!({"functionCall": {"id": "call_paris.1", "name": "get_weather", "args": {"city": "Paris"}}, "thoughtSignature": "sig-1"})
    );
    assert_eq!(contents[2]["role"], "user");
    assert_eq!(
        contents[2]["parts"][0],
        json!({"functionResponse": {"id": "call_paris.1", "name": "get_weather", "response": {"result": "18°C"}}})
    );
    assert_eq!(contents[2]["parts"][1]["functionResponse"]["response"], json!({"error": "timeout"}));
    assert_eq!(contents[2]["parts"][2], json!({"text": "Thanks. And tomorrow?"}));
}

#[test]
fn mistral_ids_are_nine_characters_and_agree_between_call_and_result() {
    let body = body_of(Provider::Mistral, &transcript());
    let messages = body["messages"].as_array().unwrap();
    let call_id = messages[1]["tool_calls"][0]["id"].as_str().unwrap();
    assert_eq!(call_id.len(), 9);
    assert!(call_id.bytes().all(|byte| byte.is_ascii_alphanumeric()), "{call_id}");
    assert_ne!(call_id, messages[1]["tool_calls"][1]["id"].as_str().unwrap());
    assert_eq!(messages[2], json!({"role": "tool", "content": "18°C", "tool_call_id": call_id, "name": "get_weather"}));
    // Deterministic: the same request sends the same ids.
    assert_eq!(body, body_of(Provider::Mistral, &transcript()));
}

#[test]
fn every_call_must_be_answered() {
    let mut request = transcript();
    request["messages"][2]["content"].as_array_mut().unwrap().pop();
    for provider in ALL {
        let (field, message) = refusal(provider, &request);
        assert_eq!(field, "messages[3]", "{provider:?}");
        assert!(message.contains("call_rome.2"), "{message}");
    }
    // Ending with a call unanswered names the last message, not one past the end (held-out request).
    let mut ends_open = request.clone();
    ends_open["messages"].as_array_mut().unwrap().pop();
    for provider in ALL {
        assert_eq!(refusal(provider, &ends_open).0, "messages[2]", "{provider:?}");
    }
    let mut ends_with_calls = ends_open.clone();
    ends_with_calls["messages"].as_array_mut().unwrap().pop();
    assert_eq!(refusal(Provider::Anthropic, &ends_with_calls).0, "messages[1]");
    let mut unknown = transcript();
    unknown["messages"][2]["content"][1]["toolCallId"] = json!("nope");
    assert_eq!(refusal(Provider::OpenAI, &unknown).0, "messages[2].content[1].toolCallId");
}

#[test]
fn a_call_answered_twice_is_named_so() {
    let mut twice = transcript();
    twice["messages"][2]["content"][1]["toolCallId"] = json!("call_paris.1");
    for provider in ALL {
        let (field, message) = refusal(provider, &twice);
        assert_eq!(field, "messages[2].content[1].toolCallId", "{provider:?}");
        assert!(message.starts_with("\"call_paris.1\" is answered twice"), "{provider:?}: {message}");
    }
    // A result for a call of an earlier turn, after that turn was answered, is a second answer too.
    let mut late = transcript();
    late["messages"].as_array_mut().unwrap().push(json!({"role": "assistant", "content": "Let me see."}));
    late["messages"].as_array_mut().unwrap().push(
        json!({"role": "tool", "content": [{"type": "tool_result", "toolCallId": "call_rome.2", "content": "20°C"}]}),
    );
    let (field, message) = refusal(Provider::OpenAI, &late);
    assert_eq!(field, "messages[5].content[0].toolCallId");
    assert!(message.contains("answered twice"), "{message}");
}

#[test]
fn bad_definitions_and_choices_are_refused() {
    let cases = [
        (json!({"tools": [{"name": "has space", "parameters": {"type": "object"}}]}), "tools[0].name"),
        (json!({"tools": [weather_tool(), weather_tool()]}), "tools[1].name"),
        (json!({"tools": [{"name": "f", "parameters": {"type": "string"}}]}), "tools[0].parameters"),
        (json!({"tools": [weather_tool()], "toolChoice": {"name": "other"}}), "toolChoice.name"),
        (json!({"toolChoice": "auto"}), "toolChoice"),
    ];
    for (extra, expected) in cases {
        let mut request = json!({"customId": "d", "model": "MODEL", "messages": [{"role": "user", "content": "hi"}]});
        for (key, value) in extra.as_object().unwrap() {
            request[key] = value.clone();
        }
        for provider in ALL {
            assert_eq!(refusal(provider, &request).0, expected, "{provider:?} {extra}");
        }
    }
}

/// At most 128 tools on OpenAI, Azure OpenAI (OpenAI's schema; a new-user trial sent 129 there)
/// and Mistral; 128 pass.
#[test]
fn at_most_128_tools_where_the_schema_says_so() {
    let tools = |count: usize| -> Vec<Value> {
        (0..count)
            .map(|index| json!({"name": format!("tool_{index}"), "parameters": {"type": "object", "properties": {}}}))
            .collect()
    };
    for (provider, model) in
        [(Provider::OpenAI, "MODEL"), (Provider::Azure, "gpt-4o-mini"), (Provider::Mistral, "mistral-small-latest")]
    {
        let request = |count: usize| json!({"customId": "t", "model": model, "messages": [{"role": "user", "content": "hi"}], "tools": tools(count)});
        let (field, message) = refusal(provider, &request(129));
        assert_eq!(field, "tools", "{provider:?}");
        assert!(message.contains("129 tools") && message.contains("at most 128"), "{provider:?}: {message}");
        body_of(provider, &request(128));
    }
}

#[test]
fn strict_tools_follow_the_providers_schema_rules() {
    let open = json!({"customId": "s", "model": "MODEL", "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"name": "f", "strict": true, "parameters": {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}}]});
    assert_eq!(refusal(Provider::OpenAI, &open).0, "tools[0].parameters.additionalProperties");
    assert_eq!(refusal(Provider::Anthropic, &open).0, "tools[0].parameters.additionalProperties");
}

#[test]
fn gemini_cannot_limit_parallel_calls() {
    let mut request = transcript();
    request["parallelToolCalls"] = json!(false);
    assert_eq!(refusal(Provider::Google, &request).0, "parallelToolCalls");
    let request = request_for(Provider::Google, &request.to_string());
    let (_, summary) = bodies(Provider::Google, &[request], true).unwrap();
    assert!(summary.warnings.iter().any(|warning| warning.field == "parallelToolCalls"));
}

#[test]
fn reasoning_is_replayed_where_a_provider_takes_it_and_reported_elsewhere() {
    let mut request = transcript();
    request["messages"][1]["content"]
        .as_array_mut()
        .unwrap()
        .insert(0, json!({"type": "reasoning", "text": "Two cities.", "signature": "EqoB"}));
    let anthropic = body_of(Provider::Anthropic, &request);
    assert_eq!(
        anthropic["messages"][1]["content"][0],
        json!({"type": "thinking", "thinking": "Two cities.", "signature": "EqoB"})
    );
    let gemini = body_of(Provider::Google, &request);
    assert_eq!(
        gemini["contents"][1]["parts"][0],
        json!({"text": "Two cities.", "thought": true, "thoughtSignature": "EqoB"})
    );
    let parsed = request_for(Provider::OpenAI, &request.to_string());
    let (sent, summary) = bodies(Provider::OpenAI, &[parsed], false).unwrap();
    // Reasoning has no place in a chat message: only the text is left (a warning says so).
    assert_eq!(sent[0]["messages"][1]["content"], json!([{"type": "text", "text": "Checking."}]));
    assert!(summary.warnings.iter().any(|warning| warning.field == "messages[1].content[0]"));
}

/// `strict` on a tool has no Gemini field: the declaration goes without it and the batch warns,
/// instead of leaving it out silently (found by a held-out request).
#[test]
fn a_strict_tool_on_gemini_is_sent_with_a_warning() {
    let mut tool = weather_tool();
    tool["strict"] = json!(true);
    let request = json!({"customId": "s", "model": "MODEL", "tools": [tool], "messages": [{"role": "user", "content": "Paris?"}]});
    let (sent, summary) =
        bodies(Provider::Google, &[request_for(Provider::Google, &request.to_string())], false).unwrap();
    assert_eq!(sent[0]["tools"][0]["functionDeclarations"][0].get("strict"), None);
    let fields: Vec<&str> = summary.warnings.iter().map(|warning| warning.field.as_str()).collect();
    assert_eq!(fields, ["tools[0].strict"]);
    for provider in [Provider::OpenAI, Provider::Anthropic, Provider::Mistral, Provider::Vllm] {
        let (_, summary) = bodies(provider, &[request_for(provider, &request.to_string())], false).unwrap();
        assert!(summary.warnings.iter().all(|warning| warning.field != "tools[0].strict"), "{provider:?}");
    }
}

/// OpenAI's strict tools do not hold for parallel calls (reference §1.1): a warning unless
/// `parallelToolCalls: false` (found by a held-out request that sent strict tools with parallel calls).
#[test]
fn strict_tools_with_parallel_calls_warn_on_openai() {
    let mut tool = weather_tool();
    tool["strict"] = json!(true);
    let warned = |provider: Provider, extra: Value| {
        let mut request = json!({"customId": "p", "model": "MODEL", "tools": [tool.clone()], "messages": [{"role": "user", "content": "Paris?"}]});
        for (key, value) in extra.as_object().unwrap() {
            request[key] = value.clone();
        }
        let (_, summary) = bodies(provider, &[request_for(provider, &request.to_string())], false).unwrap();
        summary.warnings.iter().any(|warning| warning.field == "parallelToolCalls")
    };
    assert!(warned(Provider::OpenAI, json!({})));
    assert!(warned(Provider::OpenAI, json!({"parallelToolCalls": true})));
    assert!(!warned(Provider::OpenAI, json!({"parallelToolCalls": false})));
    assert!(!warned(Provider::OpenAI, json!({"toolChoice": "none"})));
    assert!(!warned(Provider::Mistral, json!({})));
}

#[test]
fn string_arguments_are_parsed_for_anthropic_and_gemini_or_refused() {
    let mut request = transcript();
    request["messages"][1]["content"][1]["arguments"] = json!("{\"city\": \"Paris\"}");
    let anthropic = body_of(Provider::Anthropic, &request);
    assert_eq!(anthropic["messages"][1]["content"][1]["input"], json!({"city": "Paris"}));
    let gemini = body_of(Provider::Google, &request);
    assert_eq!(gemini["contents"][1]["parts"][1]["functionCall"]["args"], json!({"city": "Paris"}));
    // OpenAI takes the string as it is.
    let openai = body_of(Provider::OpenAI, &request);
    assert_eq!(openai["messages"][1]["tool_calls"][0]["function"]["arguments"], "{\"city\": \"Paris\"}");
    for arguments in [json!("{\"city\": \"unterminated"), json!("[1, 2]"), json!(7)] {
        request["messages"][1]["content"][1]["arguments"] = arguments.clone();
        for provider in [Provider::Anthropic, Provider::Google] {
            let (field, message) = refusal(provider, &request);
            assert_eq!(field, "messages[1].content[1].arguments", "{provider:?} {arguments}");
            assert!(message.contains("JSON object"), "{message}");
        }
    }
}

/// Signatures are verified by the provider that made them: one recorded as another provider's is
/// left out with a warning (the Anthropic thinking block with it), one of the same provider is sent.
#[test]
fn signatures_go_back_only_to_the_provider_that_made_them() {
    let with_reasoning = |provider: &str| {
        let mut request = transcript();
        let content = request["messages"][1]["content"].as_array_mut().unwrap();
        content
            .insert(0, json!({"type": "reasoning", "text": "Two cities.", "signature": "c2ln", "provider": provider}));
        content[2]["signature"] = json!("Y2FsbA");
        content[2]["provider"] = json!(provider);
        request
    };
    let warned = |provider: Provider, request: &Value, field: &str| {
        let parsed = request_for(provider, &request.to_string());
        let (sent, summary) = bodies(provider, &[parsed], false).unwrap();
        assert!(
            summary.warnings.iter().any(|warning| warning.field == field),
            "{provider:?} {field}: {:?}",
            summary.warnings
        );
        sent.into_iter().next().unwrap()
    };
    // Gemini's reasoning to Anthropic: the thinking block is left out.
    let anthropic = warned(Provider::Anthropic, &with_reasoning("google"), "messages[1].content[0].signature");
    assert_eq!(anthropic["messages"][1]["content"][0], json!({"type": "text", "text": "Checking."}));
    // Anthropic's reasoning (and a call signature it claims) to Gemini: sent without the signatures.
    let gemini = warned(Provider::Google, &with_reasoning("anthropic"), "messages[1].content[0].signature");
    assert_eq!(gemini["contents"][1]["parts"][0], json!({"text": "Two cities.", "thought": true}));
    assert!(gemini["contents"][1]["parts"][2].get("thoughtSignature").is_none());
    // Mistral's reasoning (its ThinkChunk signature, recorded since a new-user trial found it
    // unattributed and sent on as Anthropic's and Gemini's own) goes to neither.
    let anthropic = warned(Provider::Anthropic, &with_reasoning("mistral"), "messages[1].content[0].signature");
    assert_eq!(anthropic["messages"][1]["content"][0], json!({"type": "text", "text": "Checking."}));
    let gemini = warned(Provider::Google, &with_reasoning("mistral"), "messages[1].content[0].signature");
    assert_eq!(gemini["contents"][1]["parts"][0], json!({"text": "Two cities.", "thought": true}));
    // The same provider: sent as it came.
    let same = body_of(Provider::Google, &with_reasoning("google"));
    assert_eq!(same["contents"][1]["parts"][0]["thoughtSignature"], "c2ln");
    assert_eq!(same["contents"][1]["parts"][2]["thoughtSignature"], "Y2FsbA");
    let same = body_of(Provider::Anthropic, &with_reasoning("anthropic"));
    assert_eq!(same["messages"][1]["content"][0]["signature"], "c2ln");
}

/// Encrypted reasoning is read back only by the provider that encrypted it: OpenAI's (a Responses
/// reasoning item's `encrypted_content`) is never sent to Anthropic as `redacted_thinking`, which
/// fails there; Anthropic's own, or a part naming no provider, is (a new-user trial found OpenAI's
/// sent, and the warning elsewhere calling every such part Anthropic's).
#[test]
fn encrypted_reasoning_goes_back_only_to_the_provider_that_encrypted_it() {
    let with_redacted = |provider: Option<&str>| {
        let mut request = transcript();
        let mut part = json!({"type": "redacted_reasoning", "data": "gAAAAB"});
        if let Some(provider) = provider {
            part["provider"] = json!(provider);
        }
        request["messages"][1]["content"].as_array_mut().unwrap().insert(0, part);
        request
    };
    let sent = |target: Provider, request: &Value| {
        let parsed = request_for(target, &request.to_string());
        bodies(target, &[parsed], false).unwrap()
    };
    for origin in [None, Some("anthropic")] {
        let (body, _) = sent(Provider::Anthropic, &with_redacted(origin));
        assert_eq!(
            body[0]["messages"][1]["content"][0],
            json!({"type": "redacted_thinking", "data": "gAAAAB"}),
            "{origin:?}"
        );
    }
    let (body, summary) = sent(Provider::Anthropic, &with_redacted(Some("openai")));
    assert_eq!(body[0]["messages"][1]["content"][0], json!({"type": "text", "text": "Checking."}));
    let warning = summary.warnings.iter().find(|warning| warning.field == "messages[1].content[0]").unwrap();
    assert!(
        warning.message.contains("OpenAI's encrypted reasoning") && warning.message.contains("not by Anthropic"),
        "{}",
        warning.message
    );
    let (body, summary) = sent(Provider::Google, &with_redacted(Some("openai")));
    assert_eq!(body[0]["contents"][1]["parts"][0], json!({"text": "Checking."}));
    let warning = summary.warnings.iter().find(|warning| warning.field == "messages[1].content[0]").unwrap();
    assert!(warning.message.contains("OpenAI's encrypted reasoning"), "{}", warning.message);
    // A provider name no provider has is refused, as on reasoning and tool calls.
    let (index, field, _) = validation(
        bodies(
            Provider::Anthropic,
            &[request_for(Provider::Anthropic, &with_redacted(Some("opnai")).to_string())],
            false,
        )
        .unwrap_err(),
    );
    assert_eq!((index, field.as_str()), (Some(0), "messages[1].content[0].provider"));
    // OpenAI's own, back to OpenAI's chat body: no place for it, said without contradiction.
    let (_, summary) = sent(Provider::OpenAI, &with_redacted(Some("openai")));
    let warning = summary.warnings.iter().find(|warning| warning.field == "messages[1].content[0]").unwrap();
    assert!(warning.message.contains("OpenAI takes no encrypted reasoning back"), "{}", warning.message);
    let (_, summary) = sent(Provider::Google, &with_redacted(None));
    let warning = summary.warnings.iter().find(|warning| warning.field == "messages[1].content[0]").unwrap();
    assert!(warning.message.contains("Anthropic's encrypted reasoning"), "{}", warning.message);
}

/// Anthropic's 24 optional / 16 union-typed properties hold for all strict schemas of a request
/// together (reference §1.2): schemas that pass alone are refused together.
#[test]
fn anthropic_property_limits_are_summed_over_the_request() {
    let schema = |count: usize, union: bool| {
        let properties: serde_json::Map<String, Value> = (0..count)
            .map(|index| {
                let property = if union { json!({"type": ["string", "null"]}) } else { json!({"type": "string"}) };
                (format!("p{index}"), property)
            })
            .collect();
        let required: Vec<String> = if union { properties.keys().cloned().collect() } else { Vec::new() };
        json!({"type": "object", "additionalProperties": false, "properties": properties, "required": required})
    };
    let request = |tools: Vec<Value>, format: Option<Value>| {
        let mut request = json!({"customId": "limits", "model": "claude-haiku-4-5",
            "messages": [{"role": "user", "content": "Go."}], "tools": tools});
        if let Some(format) = format {
            request["responseFormat"] = json!({"type": "json", "schema": format});
        }
        request
    };
    let tool = |name: &str, parameters: Value| json!({"name": name, "strict": true, "parameters": parameters});
    let (field, message) =
        refusal(Provider::Anthropic, &request(vec![tool("a", schema(13, false))], Some(schema(12, false))));
    assert_eq!(field, "responseFormat.schema");
    assert!(message.contains("25 optional") && message.contains("13 in tools[0].parameters"), "{message}");
    let (field, _) =
        refusal(Provider::Anthropic, &request(vec![tool("a", schema(13, false)), tool("b", schema(12, false))], None));
    assert_eq!(field, "tools[1].parameters");
    let (field, message) =
        refusal(Provider::Anthropic, &request(vec![tool("a", schema(9, true))], Some(schema(8, true))));
    assert_eq!(field, "responseFormat.schema");
    assert!(message.contains("17 union-typed"), "{message}");
    // Within the limits, or with the second tool not strict, the request is sent.
    body_of(Provider::Anthropic, &request(vec![tool("a", schema(12, false))], Some(schema(12, false))));
    let mut loose = tool("b", schema(13, false));
    loose["strict"] = json!(false);
    body_of(Provider::Anthropic, &request(vec![tool("a", schema(13, false)), loose], None));
}

/// `c.1` and `c:1` both sanitise to `c_1`: Anthropic refuses duplicate tool-use ids, so the second
/// gets a suffix, in its call and in its result alike; an id that is already valid keeps its spelling.
#[test]
fn anthropic_ids_stay_distinct_after_sanitising() {
    let mut request = transcript();
    request["messages"][1]["content"][1]["id"] = json!("c.1");
    request["messages"][1]["content"][2]["id"] = json!("c:1");
    request["messages"][1]["content"]
        .as_array_mut()
        .unwrap()
        .push(json!({"type": "tool_call", "id": "c_1", "name": "get_weather", "arguments": {"city": "Oslo"}}));
    request["messages"][2]["content"][0]["toolCallId"] = json!("c.1");
    request["messages"][2]["content"][1]["toolCallId"] = json!("c:1");
    request["messages"][2]["content"]
        .as_array_mut()
        .unwrap()
        .push(json!({"type": "tool_result", "toolCallId": "c_1", "content": "5°C"}));
    let sent = body_of(Provider::Anthropic, &request);
    let calls: Vec<&str> = sent["messages"][1]["content"].as_array().unwrap()[1..]
        .iter()
        .map(|block| block["id"].as_str().unwrap())
        .collect();
    assert_eq!(calls, ["c_1_2", "c_1_3", "c_1"]);
    let results: Vec<&str> = sent["messages"][2]["content"].as_array().unwrap()[..3]
        .iter()
        .map(|block| block["tool_use_id"].as_str().unwrap())
        .collect();
    assert_eq!(results, calls);
}

/// A result whose text is a JSON object with an `error` key is Gemini's failure form: unless
/// `isError` says it failed, it is wrapped as the result; other objects go as they are.
#[test]
fn gemini_error_form_follows_is_error_only() {
    let mut request = transcript();
    request["messages"][2]["content"][0]["content"] = json!("{\"error\":\"boom\"}");
    request["messages"][2]["content"][1] =
        json!({"type": "tool_result", "toolCallId": "call_rome.2", "content": "{\"temp\":12}", "isError": false});
    let body = body_of(Provider::Google, &request);
    let parts = &body["contents"][2]["parts"];
    assert_eq!(parts[0]["functionResponse"]["response"], json!({"result": {"error": "boom"}}));
    assert_eq!(parts[1]["functionResponse"]["response"], json!({"temp": 12}));
}

/// A replayed Gemini call without its signature is warned about on Gemini 3 and on 2.5 while it
/// thinks (reference §2.3, §7.3), not on 2.5 with thinking off.
#[test]
fn gemini_warns_about_unsigned_calls_on_thinking_models() {
    let warned = |model: &str, reasoning: Value| {
        let mut request = transcript();
        request["model"] = json!(model);
        request["reasoning"] = reasoning;
        let parsed = request_for(Provider::Google, &request.to_string());
        let (_, summary) = bodies(Provider::Google, &[parsed], true).unwrap();
        summary.warnings.iter().any(|warning| warning.field == "messages[1].content[1].signature")
    };
    assert!(warned("gemini-3-flash", Value::Null));
    assert!(warned("gemini-2.5-flash", json!({"budgetTokens": 1024})));
    assert!(warned("gemini-2.5-pro", Value::Null));
    assert!(!warned("gemini-2.5-flash", json!({"effort": "none"})));
    assert!(!warned("gemini-2.0-flash", Value::Null));
}

#[test]
fn a_local_ref_in_tool_parameters_that_names_nothing_is_refused() {
    let mut request = transcript();
    request["tools"][0]["parameters"]["properties"]["city"] = json!({"$ref": "#/$defs/city"});
    for provider in Provider::ALL {
        let (field, message) = refusal(provider, &request);
        assert_eq!(field, "tools[0].parameters.properties.city.$ref", "{provider:?}: {message}");
        assert!(message.contains("names no definition"), "{provider:?}: {message}");
    }
}

#[test]
fn a_tool_results_text_parts_stay_apart_on_every_provider() {
    // A new-user trial found "21" and "17" sent as "2117" to Anthropic, Gemini and Responses.
    let mut request = transcript();
    request["messages"][2]["content"][0]["content"] =
        json!([{"type": "text", "text": "21"}, {"type": "text", "text": "17"}]);
    let anthropic = body_of(Provider::Anthropic, &request);
    let result = &anthropic["messages"][2]["content"][0];
    assert_eq!(result["type"], "tool_result");
    assert_eq!(result["content"], json!([{"type": "text", "text": "21"}, {"type": "text", "text": "17"}]));
    // One text stays a string.
    assert_eq!(anthropic["messages"][2]["content"][1]["content"], "timeout");
    let google = body_of(Provider::Google, &request);
    assert_eq!(google["contents"][2]["parts"][0]["functionResponse"]["response"], json!({"result": "21\n\n17"}));
    for provider in [Provider::OpenAI, Provider::Mistral, Provider::Vllm] {
        let body = body_of(provider, &request);
        let text = body["messages"].as_array().unwrap().iter().find(|message| message["role"] == "tool").unwrap()
            ["content"]
            .clone();
        assert!(
            text == json!([{"type": "text", "text": "21"}, {"type": "text", "text": "17"}]) || text == "21\n\n17",
            "{provider:?}: {text}"
        );
    }
}

/// A failed tool result (`isError`) where the body has no error flag is sent as the result with a
/// warning on every such provider; Anthropic and Gemini write the flag, without a warning.
#[test]
fn an_error_flag_without_a_place_warns_on_every_provider_without_one() {
    for provider in Provider::ALL {
        let request = request_for(provider, &transcript().to_string());
        let (_, summary) = bodies(provider, &[request], false).unwrap();
        let warned = summary.warnings.iter().any(|warning| warning.field == "messages[2].content[1].isError");
        assert_eq!(
            warned,
            !matches!(provider, Provider::Anthropic | Provider::Google),
            "{provider:?}: {:?}",
            summary.warnings
        );
    }
}
