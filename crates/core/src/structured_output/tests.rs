//! `responseFormat` on every provider: the wire shapes, the refusals naming the schema path, and
//! `parsed` on results.

use serde_json::{json, Value};

use crate::model::{FinishReason, UnifiedResponse};
use crate::structured_output::{json_answers, JsonAnswers};
use crate::test_support::{bodies, request_for, validation};
use crate::CoreError;
use crate::Provider;

const ALL: [Provider; 5] = [Provider::OpenAI, Provider::Anthropic, Provider::Google, Provider::Mistral, Provider::Vllm];

fn with_format(format: Value) -> String {
    json!({"customId": "so-1", "model": "MODEL", "messages": [{"role": "user", "content": "Extract the total as JSON."}],
           "responseFormat": format})
    .to_string()
}

fn invoice_schema() -> Value {
    json!({"type": "object", "additionalProperties": false,
           "properties": {"total": {"type": "number"}, "note": {"type": ["string", "null"]}},
           "required": ["total", "note"]})
}

fn body(provider: Provider, format: Value) -> Value {
    let request = request_for(provider, &with_format(format));
    bodies(provider, &[request], false).unwrap().0.remove(0)
}

fn refusal(provider: Provider, format: Value) -> (String, String) {
    let request = request_for(provider, &with_format(format));
    let (index, field, message) = validation(bodies(provider, &[request], false).unwrap_err());
    assert_eq!(index, Some(0));
    (field, message)
}

#[test]
fn a_schema_is_sent_in_each_providers_spelling() {
    let format = json!({"type": "json", "schema": invoice_schema(), "name": "invoice", "description": "An invoice", "strict": true});
    let chat = json!({"type": "json_schema", "json_schema": {"name": "invoice", "description": "An invoice", "schema": invoice_schema(), "strict": true}});
    for provider in [Provider::OpenAI, Provider::Mistral, Provider::Vllm] {
        assert_eq!(body(provider, format.clone())["response_format"], chat, "{provider:?}");
    }
    assert_eq!(
        body(Provider::Anthropic, format.clone())["output_config"],
        json!({"format": {"type": "json_schema", "schema": invoice_schema()}})
    );
    let gemini = body(Provider::Google, format);
    assert_eq!(gemini["generationConfig"]["responseMimeType"], "application/json");
    assert_eq!(gemini["generationConfig"]["responseJsonSchema"], invoice_schema());
}

/// OpenAI writes the answer's keys in the schema's order and Gemini orders its output by it: the
/// schema (and a tool's parameters) must reach the provider with its properties in the order given,
/// not sorted (found by a held-out request; `serde_json` `preserve_order`).
#[test]
fn schemas_and_tool_parameters_keep_their_property_order() {
    let schema = r#"{"type":"object","additionalProperties":false,"properties":{"zeta":{"type":"string"},"alpha":{"type":"object","additionalProperties":false,"properties":{"y":{"type":"integer"},"b":{"type":"integer"}},"required":["y","b"]},"mid":{"type":"boolean"}},"required":["zeta","alpha","mid"]}"#;
    let text = format!(
        r#"{{"customId":"order","model":"MODEL","messages":[{{"role":"user","content":"JSON please"}}],"responseFormat":{{"type":"json","schema":{schema}}},"tools":[{{"name":"t","parameters":{schema}}}]}}"#
    );
    for provider in ALL {
        let request = request_for(provider, &text);
        // Gemini 2.x refuses tools with a response format: send the schema alone there.
        let request =
            if provider == Provider::Google { crate::UnifiedRequest { tools: None, ..request } } else { request };
        let sent = bodies(provider, &[request], false).unwrap().0.remove(0).to_string();
        let positions: Vec<usize> = ["\"zeta\"", "\"alpha\"", "\"y\"", "\"b\"", "\"mid\""]
            .iter()
            .map(|key| sent.find(key).unwrap_or_else(|| panic!("{provider:?}: {key} missing in {sent}")))
            .collect();
        assert!(positions.windows(2).all(|pair| pair[0] < pair[1]), "{provider:?} reordered the schema: {sent}");
    }
}

#[test]
fn the_name_defaults_and_strict_is_only_sent_when_given() {
    let sent = body(Provider::OpenAI, json!({"type": "json", "schema": {"type": "object"}}));
    assert_eq!(sent["response_format"]["json_schema"], json!({"name": "response", "schema": {"type": "object"}}));
}

#[test]
fn json_mode_without_a_schema() {
    for provider in [Provider::OpenAI, Provider::Mistral, Provider::Vllm] {
        assert_eq!(body(provider, json!({"type": "json"}))["response_format"], json!({"type": "json_object"}));
    }
    let gemini = body(Provider::Google, json!({"type": "json"}));
    assert_eq!(gemini["generationConfig"], json!({"responseMimeType": "application/json"}));
    let (field, message) = refusal(Provider::Anthropic, json!({"type": "json"}));
    assert_eq!(field, "responseFormat");
    assert!(message.contains("no JSON mode"), "{message}");
    let request = request_for(Provider::Anthropic, &with_format(json!({"type": "json"})));
    let (sent, summary) = bodies(Provider::Anthropic, &[request], true).unwrap();
    assert!(sent[0].get("output_config").is_none());
    assert!(summary.warnings.iter().any(|warning| warning.field == "responseFormat"));
}

/// Mistral's JSON mode needs the prompt to ask for JSON (reference §1.4, §7.4; a new-user trial
/// found it sent without): the same check, and a prompt that says it passes.
#[test]
fn mistral_json_mode_needs_the_word_json() {
    let text = r#"{"customId":"j","model":"mistral-small-latest","messages":[{"role":"user","content":"Hello"}],"responseFormat":{"type":"json"}}"#;
    let request = request_for(Provider::Mistral, text);
    let (index, field, message) = validation(bodies(Provider::Mistral, &[request], false).unwrap_err());
    assert_eq!((index, field.as_str()), (Some(0), "responseFormat"));
    assert!(message.contains("Mistral's JSON mode requires the word \"JSON\""), "{message}");
    assert_eq!(body(Provider::Mistral, json!({"type": "json"}))["response_format"], json!({"type": "json_object"}));
}

#[test]
fn openai_json_mode_needs_the_word_json() {
    // Azure OpenAI too (its JSON mode page; a new-user trial found it unchecked there).
    for (provider, model) in [(Provider::OpenAI, "MODEL"), (Provider::Azure, "gpt-4o-mini")] {
        let text = format!(
            r#"{{"customId":"j","model":"{model}","messages":[{{"role":"user","content":"Hello"}}],"responseFormat":{{"type":"json"}}}}"#
        );
        let request = request_for(provider, &text);
        let (_, field, message) = validation(bodies(provider, &[request], false).unwrap_err());
        assert_eq!(field, "responseFormat");
        assert!(message.contains(&format!("{}'s JSON mode", provider.display_name())), "{message}");
    }
}

#[test]
fn openai_strict_rules_name_the_schema_path() {
    let open = json!({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]});
    let (field, _) = refusal(Provider::OpenAI, json!({"type": "json", "schema": open.clone(), "strict": true}));
    assert_eq!(field, "responseFormat.schema.additionalProperties");
    // Not strict: OpenAI takes any schema.
    body(Provider::OpenAI, json!({"type": "json", "schema": open}));
    let optional = json!({"type": "object", "additionalProperties": false,
        "properties": {"item": {"type": "object", "additionalProperties": false,
            "properties": {"a": {"type": "string"}, "b": {"type": "string"}}, "required": ["a"]}},
        "required": ["item"]});
    let (field, message) = refusal(Provider::OpenAI, json!({"type": "json", "schema": optional, "strict": true}));
    assert_eq!(field, "responseFormat.schema.properties.item.required");
    assert!(message.contains("\"b\""), "{message}");
    // The hint names the property's own type (a new-user trial found `["string", "null"]` offered for
    // a number).
    for (property, hint) in [
        (json!({"type": "number"}), "give it `type: [\"number\", \"null\"]`"),
        (json!({"type": ["integer", "boolean"]}), "give it `type: [\"integer\",\"boolean\",\"null\"]`"),
        (
            json!({"anyOf": [{"type": "string"}]}),
            "let it be null (add \"null\" to its `type`, or `{\"type\": \"null\"}` to its `anyOf`)",
        ),
    ] {
        let schema =
            json!({"type": "object", "additionalProperties": false, "properties": {"n": property}, "required": []});
        let (_, message) = refusal(Provider::OpenAI, json!({"type": "json", "schema": schema, "strict": true}));
        assert!(message.ends_with(&format!("\"n\" is not (to make it optional, list it and {hint})")), "{message}");
    }
    let all_of = json!({"type": "object", "additionalProperties": false, "properties": {"x": {"allOf": [{"type": "string"}]}}, "required": ["x"]});
    let (field, _) = refusal(Provider::OpenAI, json!({"type": "json", "schema": all_of, "strict": true}));
    assert_eq!(field, "responseFormat.schema.properties.x.allOf");
    let (field, _) =
        refusal(Provider::OpenAI, json!({"type": "json", "schema": {"anyOf": [{"type": "object"}]}, "strict": true}));
    assert_eq!(field, "responseFormat.schema");
}

#[test]
fn anthropic_refuses_what_its_grammar_cannot_take() {
    let cases = [
        (
            json!({"type": "object", "properties": {"a": {"type": "string"}}}),
            "responseFormat.schema.additionalProperties",
        ),
        (
            json!({"type": "object", "additionalProperties": false, "properties": {"n": {"type": "integer", "minimum": 1}}}),
            "responseFormat.schema.properties.n.minimum",
        ),
        (
            json!({"type": "object", "additionalProperties": false, "properties": {"s": {"type": "string", "maxLength": 5}}}),
            "responseFormat.schema.properties.s.maxLength",
        ),
        (
            json!({"type": "object", "additionalProperties": false, "properties": {"l": {"type": "array", "minItems": 2}}}),
            "responseFormat.schema.properties.l.minItems",
        ),
        (
            json!({"type": "object", "additionalProperties": false, "$defs": {"node": {"type": "object", "additionalProperties": false,
                "properties": {"child": {"$ref": "#/$defs/node"}}}}, "properties": {"root": {"$ref": "#/$defs/node"}}}),
            "responseFormat.schema.$defs.node.properties.child.$ref",
        ),
    ];
    for (schema, expected) in cases {
        let (field, _) = refusal(Provider::Anthropic, json!({"type": "json", "schema": schema}));
        assert_eq!(field, expected);
    }
    let properties: serde_json::Map<String, Value> =
        (0..25).map(|index| (format!("p{index}"), json!({"type": "string"}))).collect();
    let many_optional = json!({"type": "object", "additionalProperties": false, "properties": properties});
    let (field, message) = refusal(Provider::Anthropic, json!({"type": "json", "schema": many_optional}));
    assert_eq!(field, "responseFormat.schema");
    assert!(message.contains("24"), "{message}");
    body(Provider::Anthropic, json!({"type": "json", "schema": invoice_schema()}));
}

#[test]
fn anthropic_refuses_structured_output_with_a_prefill() {
    let request = request_for(
        Provider::Anthropic,
        &json!({"customId": "p", "model": "MODEL", "responseFormat": {"type": "json", "schema": invoice_schema()},
                "messages": [{"role": "user", "content": "JSON please"}, {"role": "assistant", "content": "{"}]})
        .to_string(),
    );
    let (_, field, message) = validation(bodies(Provider::Anthropic, &[request], false).unwrap_err());
    assert_eq!(field, "messages[1]");
    assert!(message.contains("responseFormat"), "{message}");
}

#[test]
fn gemini_refuses_keywords_outside_its_list() {
    let schema = json!({"type": "object", "properties": {"code": {"type": "string", "pattern": "^[A-Z]+$"}}});
    let (field, message) = refusal(Provider::Google, json!({"type": "json", "schema": schema}));
    assert_eq!(field, "responseFormat.schema.properties.code.pattern");
    assert!(message.contains("pattern"), "{message}");
    let (field, _) = refusal(Provider::Google, json!({"type": "json", "schema": {"type": "object", "const": 1}}));
    assert_eq!(field, "responseFormat.schema.const");
    let (field, _) = refusal(
        Provider::Google,
        json!({"type": "json", "schema": {"type": "object", "properties": {"a": {"$ref": "#/$defs/a", "description": "x"}},
                                           "$defs": {"a": {"type": "string"}}}}),
    );
    assert_eq!(field, "responseFormat.schema.properties.a.description");
}

#[test]
fn shape_errors_are_refused_everywhere() {
    for provider in ALL {
        let (field, _) = refusal(provider, json!({"type": "json", "schema": invoice_schema(), "name": "has space"}));
        assert_eq!(field, "responseFormat.name", "{provider:?}");
        let (field, _) = refusal(provider, json!({"type": "json", "schema": "not a schema"}));
        assert_eq!(field, "responseFormat.schema", "{provider:?}");
        let (field, _) = refusal(provider, json!({"type": "json", "strict": true}));
        assert_eq!(field, "responseFormat", "{provider:?}");
    }
}

fn response(text: &str, finish_reason: FinishReason) -> UnifiedResponse {
    UnifiedResponse {
        embeddings: None,
        text: text.to_owned(),
        content: vec![],
        finish_reason,
        raw_finish_reason: None,
        usage: None,
        model: None,
        id: None,
        parsed: None,
        parse_error: None,
        candidates: None,
        raw: serde_json::value::to_raw_value(&json!({})).unwrap(),
    }
}

#[test]
fn json_answers_are_parsed_and_cut_ones_reported() {
    let parsed = response(" {\"total\": 3} ", FinishReason::Stop).with_parsed_json();
    assert_eq!(parsed.parsed, Some(json!({"total": 3})));
    assert_eq!(parsed.parse_error, None);
    let cut = response("{\"total\": 3, \"no", FinishReason::Length).with_parsed_json();
    assert_eq!(cut.parsed, None);
    assert!(cut.parse_error.as_deref().unwrap().contains("token limit"), "{:?}", cut.parse_error);
    let prose = response("The total is 3.", FinishReason::Stop).with_parsed_json();
    assert_eq!((prose.parsed, prose.parse_error), (None, None));
}

/// One result line of each provider with `lines` answers (chat `choices`, Gemini `candidates`).
fn decode(provider: Provider, body: Value, answers: &JsonAnswers) -> crate::model::UnifiedResult {
    use crate::providers::{google::GoogleLineDecoder, openai::results::OpenAiLineDecoder};
    use crate::results::{JsonPolicy, LineDecoder, ResultDecoder};
    let (decoder, line): (Box<dyn LineDecoder>, Value) = match provider {
        Provider::Google => (Box::new(GoogleLineDecoder::new("Gemini")), json!({"key": "q", "response": body})),
        _ => (
            Box::new(OpenAiLineDecoder::new("OpenAI")),
            json!({"id": "l", "custom_id": "q", "response": {"status_code": 200, "request_id": "r", "body": body}, "error": null}),
        ),
    };
    let mut decoder = ResultDecoder::new(decoder, None).with_json_policy(JsonPolicy::new(answers));
    let mut out = Vec::new();
    decoder.push(format!("{line}\n").as_bytes(), &mut out);
    decoder.finish(&mut out);
    out.remove(0)
}

fn chat_body(texts: &[(&str, &str)]) -> Value {
    let choices: Vec<Value> = texts
        .iter()
        .enumerate()
        .map(|(index, (text, finish))| json!({"index": index, "message": {"role": "assistant", "content": text, "refusal": null}, "finish_reason": finish}))
        .collect();
    json!({"id": "c", "object": "chat.completion", "model": "m", "choices": choices, "usage": {"prompt_tokens": 5, "completion_tokens": 9, "total_tokens": 14}})
}

fn gemini_body(texts: &[(&str, &str)]) -> Value {
    let candidates: Vec<Value> = texts
        .iter()
        .enumerate()
        .map(|(index, (text, finish))| json!({"index": index, "content": {"role": "model", "parts": [{"text": text}]}, "finishReason": finish}))
        .collect();
    json!({"candidates": candidates, "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 9, "totalTokenCount": 14}, "modelVersion": "gemini-2.5-flash"})
}

#[test]
fn every_candidate_comes_back_the_first_also_as_the_response() {
    for provider in [Provider::OpenAI, Provider::Mistral, Provider::Vllm, Provider::Google] {
        let (stop, length) = if provider == Provider::Google { ("STOP", "MAX_TOKENS") } else { ("stop", "length") };
        let texts = [("{\"a\": 1}", stop), ("{\"a\": 2}", stop), ("{\"a\":", length)];
        let body = if provider == Provider::Google { gemini_body(&texts) } else { chat_body(&texts) };
        let result = decode(provider, body, &JsonAnswers::All);
        let response = result.response.expect("succeeded");
        assert_eq!(response.text, "{\"a\": 1}", "{provider:?}");
        assert_eq!(response.parsed, Some(json!({"a": 1})), "{provider:?}");
        let candidates = response.candidates.expect("candidates");
        assert_eq!(candidates.len(), 3, "{provider:?}");
        assert_eq!(candidates.iter().map(|candidate| candidate.index).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(candidates[1].parsed, Some(json!({"a": 2})), "{provider:?}");
        assert_eq!(candidates[2].finish_reason, FinishReason::Length, "{provider:?}");
        assert!(candidates[2].parse_error.as_deref().unwrap().contains("token limit"), "{provider:?}");
        // One answer: no candidates array.
        let one = if provider == Provider::Google { gemini_body(&texts[..1]) } else { chat_body(&texts[..1]) };
        assert!(decode(provider, one, &JsonAnswers::All).response.unwrap().candidates.is_none());
    }
}

#[test]
fn parsed_follows_what_the_request_asked_for() {
    let json_text = chat_body(&[("[1, 2]", "stop")]);
    // The request asked for JSON: parsed; the request did not: left as text.
    let asked = decode(Provider::OpenAI, json_text.clone(), &JsonAnswers::Some(vec!["q".into()]));
    assert_eq!(asked.response.unwrap().parsed, Some(json!([1, 2])));
    let not_asked = decode(Provider::OpenAI, json_text.clone(), &JsonAnswers::Some(vec!["other".into()]));
    assert_eq!(not_asked.response.unwrap().parsed, None);
    assert_eq!(decode(Provider::OpenAI, json_text.clone(), &JsonAnswers::None).response.unwrap().parsed, None);
    // Asked, but prose: reported on the result, not thrown.
    let prose = decode(Provider::OpenAI, chat_body(&[("Sure! Here it is", "stop")]), &JsonAnswers::All);
    let response = prose.response.unwrap();
    assert_eq!(response.parsed, None);
    assert!(response.parse_error.unwrap().contains("not valid JSON"));
    // Not known (a plain decode): the documented fallback parses a JSON-looking text only.
    assert_eq!(
        decode(Provider::OpenAI, json_text, &JsonAnswers::Unknown).response.unwrap().parsed,
        Some(json!([1, 2]))
    );
    let prose = decode(Provider::OpenAI, chat_body(&[("Sure!", "stop")]), &JsonAnswers::Unknown).response.unwrap();
    assert_eq!((prose.parsed, prose.parse_error), (None, None));
}

#[test]
fn json_answers_of_a_batch_are_in_its_summary() {
    use crate::test_support::requests_for;
    let lines = r#"{"customId":"a","model":"MODEL","messages":[{"role":"user","content":"Reply in JSON"}],"responseFormat":{"type":"json"}}
{"customId":"b","model":"MODEL","messages":[{"role":"user","content":"Hi"}]}"#;
    let requests = requests_for(Provider::OpenAI, lines);
    let (_, summary) = bodies(Provider::OpenAI, &requests, false).unwrap();
    assert_eq!(summary.json_answers, JsonAnswers::Some(vec!["a".into()]));
    assert_eq!(json_answers(&requests[..1]), JsonAnswers::All);
    assert_eq!(json_answers(&requests[1..]), JsonAnswers::None);
    let text = serde_json::to_value(&summary).unwrap();
    assert_eq!(text["jsonAnswers"], json!({"some": ["a"]}));
}

#[test]
fn candidate_count_is_sent_where_a_provider_has_it_and_refused_on_anthropic_and_groq() {
    let json = r#"{"customId":"n","model":"MODEL","messages":[{"role":"user","content":"x"}],"generationConfig":{"candidateCount":3,"maxTokens":10}}"#;
    for provider in [Provider::OpenAI, Provider::Mistral, Provider::Vllm, Provider::Azure] {
        assert_eq!(bodies(provider, &[request_for(provider, json)], false).unwrap().0[0]["n"], 3, "{provider:?}");
    }
    let (google, _) = bodies(Provider::Google, &[request_for(Provider::Google, json)], false).unwrap();
    assert_eq!(google[0]["generationConfig"]["candidateCount"], 3);
    let error = bodies(Provider::Anthropic, &[request_for(Provider::Anthropic, json)], false).unwrap_err();
    assert!(
        matches!(&error, CoreError::Validation { field, .. } if field == "generationConfig.candidateCount"),
        "{error}"
    );
    let (anthropic, summary) = bodies(Provider::Anthropic, &[request_for(Provider::Anthropic, json)], true).unwrap();
    assert!(anthropic[0].get("n").is_none());
    assert!(summary.warnings.iter().any(|warning| warning.field == "generationConfig.candidateCount"));
    let zero = json.replace("\"candidateCount\":3", "\"candidateCount\":0");
    assert!(bodies(Provider::OpenAI, &[request_for(Provider::OpenAI, &zero)], false).is_err());
    let many = json.replace("\"candidateCount\":3", "\"candidateCount\":129");
    assert!(bodies(Provider::OpenAI, &[request_for(Provider::OpenAI, &many)], false).is_err());
    // Groq takes only n = 1 (groq-python `CompletionCreateParams.n`): more is refused, or left out.
    let error = bodies(Provider::Groq, &[request_for(Provider::Groq, json)], false).unwrap_err();
    assert!(
        matches!(&error, CoreError::Validation { field, message, .. }
            if field == "generationConfig.candidateCount" && message.contains("Groq returns one answer")),
        "{error}"
    );
    let (groq, summary) = bodies(Provider::Groq, &[request_for(Provider::Groq, json)], true).unwrap();
    assert!(groq[0].get("n").is_none());
    assert!(summary.warnings.iter().any(|warning| warning.field == "generationConfig.candidateCount"));
    let one = json.replace("\"candidateCount\":3", "\"candidateCount\":1");
    assert_eq!(bodies(Provider::Groq, &[request_for(Provider::Groq, &one)], false).unwrap().0[0]["n"], 1);
}

/// "Cycles are only allowed inside non-required properties" (reference §1.3 (b)): a cycle through
/// required properties is refused naming the property; an optional or array one is sent.
#[test]
fn gemini_refuses_a_cycle_through_required_properties() {
    let cyclic = |required: bool| {
        json!({"type": "object", "properties": {"name": {"type": "string"}, "next": {"$ref": "#"}},
               "required": if required { json!(["name", "next"]) } else { json!(["name"]) }})
    };
    let (field, message) = refusal(Provider::Google, json!({"type": "json", "schema": cyclic(true)}));
    assert_eq!(field, "responseFormat.schema.properties.next");
    assert!(message.contains("not required"), "{message}");
    body(Provider::Google, json!({"type": "json", "schema": cyclic(false)}));
    let through_defs = json!({"$defs": {"node": {"type": "object", "properties": {"child": {"$ref": "#/$defs/node"}}, "required": ["child"]}},
                              "type": "object", "properties": {"root": {"$ref": "#/$defs/node"}}});
    let (field, _) = refusal(Provider::Google, json!({"type": "json", "schema": through_defs}));
    assert_eq!(field, "responseFormat.schema.$defs.node.properties.child");
    let list = json!({"type": "object", "properties": {"kids": {"type": "array", "items": {"$ref": "#"}}}, "required": ["kids"]});
    body(Provider::Google, json!({"type": "json", "schema": list}));
}

/// A keyword value of the wrong shape (`properties` as an array, a property given as a type name)
/// makes no JSON Schema: refused for every provider, strict or not, in response schemas and tool
/// parameters, naming the path (found by a new-user trial: `properties: […]` passed Anthropic's and
/// OpenAI's strict checks and every other provider unchecked).
#[test]
fn keyword_values_of_the_wrong_shape_are_refused_everywhere() {
    let object = |extra: Value| {
        let mut schema = json!({"type": "object", "additionalProperties": false, "properties": {}, "required": []});
        schema.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        schema
    };
    let cases = [
        (json!({"properties": [{"name": "a", "type": "string"}]}), ".properties", "`properties` must be an object of schemas, not an array"),
        (json!({"properties": {"a": "string"}, "required": ["a"]}), ".properties.a", "must be a schema (an object such as {\"type\": \"string\"}), not the string \"string\""),
        (json!({"properties": {"a": {"type": "object", "additionalProperties": false, "properties": {"b": 5}, "required": ["b"]}}, "required": ["a"]}), ".properties.a.properties.b", "must be a schema (an object such as {\"type\": \"string\"}), not the number 5"),
        (json!({"required": "a"}), ".required", "`required` must be an array of property names (strings), not the string \"a\""),
        (json!({"properties": {"a": {"type": "str"}}, "required": ["a"]}), ".properties.a.type", "`type` must be one of \"null\", \"boolean\", \"object\", \"array\", \"number\", \"string\", \"integer\", or a non-empty array of them, not the string \"str\""),
        (json!({"properties": {"a": {"type": "array", "items": "string"}}, "required": ["a"]}), ".properties.a.items", "`items` must be a schema (an object, or `true`/`false`) or an array of schemas, not the string \"string\""),
        (json!({"properties": {"a": {"anyOf": []}}, "required": ["a"]}), ".properties.a.anyOf", "`anyOf` must be a non-empty array of schemas, not an empty array"),
        (json!({"properties": {"a": {"anyOf": [{"type": "string"}, null]}}, "required": ["a"]}), ".properties.a.anyOf[1]", "must be a schema (an object such as {\"type\": \"string\"}), not null"),
        (json!({"properties": {"a": {"type": "string", "enum": "x"}}, "required": ["a"]}), ".properties.a.enum", "`enum` must be an array, not the string \"x\""),
        (json!({"properties": {"a": {"type": "array", "items": {"type": "string"}, "minItems": -1}}, "required": ["a"]}), ".properties.a.minItems", "`minItems` must be a non-negative integer, not the number -1"),
        (json!({"properties": {"a": {"type": "string", "description": 5}}, "required": ["a"]}), ".properties.a.description", "`description` must be a string, not the number 5"),
        (json!({"$defs": {"a": []}}), ".$defs.a", "must be a schema (an object such as {\"type\": \"string\"}), not an empty array"),
        // A wrong member of an array is named by its index, with what it is (found by a new-user
        // trial: these said "not an array").
        (json!({"properties": {"a": {"type": "string"}}, "required": ["a", 1]}), ".required[1]", "must be a property name (a string), not the number 1"),
        (json!({"properties": {"a": {"type": ["string", "nil"]}}, "required": ["a"]}), ".properties.a.type[1]", "must be a JSON Schema type name (\"null\", \"boolean\", \"object\", \"array\", \"number\", \"string\" or \"integer\"), not the string \"nil\""),
        // Sub-schemas under every keyword that holds one are checked, and the keywords of earlier
        // drafts and of the meta-data vocabulary (the trial found these passed).
        (json!({"properties": {"a": {"type": "object", "additionalProperties": false, "properties": {}, "required": [], "propertyNames": {"properties": []}}}, "required": ["a"]}), ".properties.a.propertyNames.properties", "`properties` must be an object of schemas, not an empty array"),
        (json!({"dependencies": {"x": 5}}), ".dependencies.x", "must be a schema or an array of property names, not the number 5"),
        (json!({"dependentRequired": {"a": "b"}}), ".dependentRequired.a", "must be an array of property names, not the string \"b\""),
        (json!({"properties": {"a": {"type": "number", "exclusiveMinimum": "0"}}, "required": ["a"]}), ".properties.a.exclusiveMinimum", "`exclusiveMinimum` must be a number (a boolean in draft 4), not the string \"0\""),
        (json!({"properties": {"a": {"type": "array", "items": {"type": "string"}, "uniqueItems": "yes"}}, "required": ["a"]}), ".properties.a.uniqueItems", "`uniqueItems` must be `true` or `false`, not the string \"yes\""),
    ];
    for (extra, path, message) in cases {
        let schema = object(extra);
        for (provider, strict) in ALL.iter().map(|provider| (*provider, false)).chain([(Provider::OpenAI, true)]) {
            let format = json!({"type": "json", "schema": schema.clone(), "strict": strict});
            assert_eq!(
                refusal(provider, format),
                (format!("responseFormat.schema{path}"), message.to_owned()),
                "{provider:?} strict {strict}: {schema}"
            );
            let tools = json!({"customId": "so-1", "model": "MODEL", "messages": [{"role": "user", "content": "Call it."}],
                               "tools": [{"name": "get_total", "parameters": schema.clone(), "strict": strict}]});
            let request = request_for(provider, &tools.to_string());
            let (index, field, refused) = validation(bodies(provider, &[request], false).unwrap_err());
            assert_eq!(
                (index, field, refused),
                (Some(0), format!("tools[0].parameters{path}"), message.to_owned()),
                "{provider:?}"
            );
        }
    }
    // Well-shaped values of every checked kind pass where no provider subset refuses them.
    let fine = object(json!({"dependencies": {"a": ["b"], "b": {"required": ["a"]}},
                      "properties": {"a": {"type": ["string", "null"], "description": "A", "enum": ["x", null]},
                                            "n": {"type": "number", "exclusiveMinimum": true, "minimum": 0},
                                            "b": {"type": "array", "items": [{"type": "string"}], "minItems": 1},
                                            "c": {"anyOf": [{"type": "string"}, true]}},
                             "required": ["a", "b", "c", "n"]}));
    for provider in [Provider::Mistral, Provider::Vllm] {
        body(provider, json!({"type": "json", "schema": fine.clone()}));
    }
}

#[test]
fn a_local_ref_that_names_nothing_is_refused_everywhere() {
    let dangling = json!({"type": "object", "additionalProperties": false,
                          "properties": {"x": {"$ref": "#/$defs/missing"}}, "required": ["x"],
                          "$defs": {"present": {"type": "string"}}});
    for provider in Provider::ALL {
        let (field, message) = refusal(provider, json!({"type": "json", "schema": dangling}));
        assert_eq!(field, "responseFormat.schema.properties.x.$ref", "{provider:?}: {message}");
        assert!(message.starts_with("\"#/$defs/missing\" names no definition of this schema"), "{message}");
    }
    // References that resolve: a definition, the root, an anchor.
    let resolving = json!({"type": "object", "additionalProperties": false,
                           "properties": {"a": {"$ref": "#/$defs/present"}, "b": {"$ref": "#named"}},
                           "required": ["a", "b"],
                           "$defs": {"present": {"type": "string"}, "other": {"$anchor": "named", "type": "string"}}});
    assert!(crate::structured_output::malformed_problems(&resolving).is_empty());
    assert!(
        crate::structured_output::malformed_problems(&json!({"anyOf": [{"type": "null"}, {"$ref": "#"}]})).is_empty()
    );
}
