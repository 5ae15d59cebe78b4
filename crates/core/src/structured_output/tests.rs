//! `responseFormat` on every provider: the wire shapes, the refusals naming the schema path, and
//! `parsed` on results.

use serde_json::{json, Value};

use crate::model::{FinishReason, UnifiedResponse};
use crate::test_support::{bodies, request_for, validation};
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

#[test]
fn openai_json_mode_needs_the_word_json() {
    let request = request_for(
        Provider::OpenAI,
        r#"{"customId":"j","model":"MODEL","messages":[{"role":"user","content":"Hello"}],"responseFormat":{"type":"json"}}"#,
    );
    let (_, field, message) = validation(bodies(Provider::OpenAI, &[request], false).unwrap_err());
    assert_eq!(field, "responseFormat");
    assert!(message.contains("JSON"), "{message}");
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
        json!({"type": "json", "schema": {"type": "object", "properties": {"a": {"$ref": "#/$defs/a", "description": "x"}}}}),
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
