//! An array where a result line has an object is not read by position: serde's derived readers
//! took `["request-1", {…}]` as a line of `request-1` and `"usage": [10, 5]` as its token counts.
//! No provider writes either; such a line is an error, never an answer or counts for a request.

use serde_json::{json, Value};

use super::*;

fn body(provider: &str) -> Value {
    match provider {
        "anthropic" => json!({"type": "message", "role": "assistant", "content": [{"type": "text", "text": "hi"}],
            "stop_reason": "end_turn", "usage": {"input_tokens": 10, "output_tokens": 5}}),
        "google" => json!({"candidates": [{"content": {"parts": [{"text": "hi"}]}, "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5, "totalTokenCount": 15}}),
        _ => {
            json!({"object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"},
            "finish_reason": "stop"}], "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}})
        }
    }
}

/// `value` with the object at `pointer` written as the array of its values, in order.
fn as_array(value: &Value, pointer: &str) -> Value {
    let mut value = value.clone();
    let target = value.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer}"));
    let values: Vec<Value> = target.as_object().expect("an object").values().cloned().collect();
    *target = Value::Array(values);
    value
}

fn shown(result: &UnifiedResult) -> String {
    serde_json::to_string(result).unwrap()
}

#[test]
fn a_line_written_as_an_array_is_a_malformed_line_of_no_request() {
    for provider in PROVIDERS {
        let line: Value = serde_json::from_str(&success_line(provider, "arr-1", &body(provider))).unwrap();
        assert_eq!(one(provider, &line.to_string()).status, ResultStatus::Succeeded, "{provider}");
        let result = one(provider, &as_array(&line, "").to_string());
        let code = result.error.as_ref().map(|error| error.code.as_str());
        assert_eq!(
            (result.custom_id.as_str(), code),
            ("", Some("malformed_result_line")),
            "{provider}: {}",
            shown(&result)
        );
    }
}

#[test]
fn usage_and_answers_written_as_arrays_are_not_read_by_position() {
    for provider in PROVIDERS {
        let line: Value = serde_json::from_str(&success_line(provider, "arr-2", &body(provider))).unwrap();
        let (usage, answer) = match provider {
            "anthropic" => ("/result/message/usage", "/result"),
            "google" => ("/response/usageMetadata", "/response/candidates/0"),
            _ => ("/response/body/usage", "/response/body/choices/0"),
        };
        // Anthropic's content blocks too: `["text", "hi"]` was a text block.
        let block = (provider == "anthropic").then_some("/result/message/content/0");
        for pointer in [Some(usage), Some(answer), block].into_iter().flatten() {
            let result = one(provider, &as_array(&line, pointer).to_string());
            assert_eq!(result.custom_id, "arr-2", "{provider} {pointer}");
            assert_ne!(result.status, ResultStatus::Succeeded, "{provider} {pointer}: {}", shown(&result));
        }
    }
}
