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
        // What was expected, in the provider's words (serde's derive named the reader's struct).
        let message = result.error.as_ref().map(|error| error.message.as_str()).unwrap_or_default();
        assert!(message.contains("expected a result line object"), "{provider}: {message}");
    }
}

#[test]
fn usage_and_answers_written_as_arrays_are_not_read_by_position() {
    for provider in PROVIDERS {
        let line: Value = serde_json::from_str(&success_line(provider, "arr-2", &body(provider))).unwrap();
        // Each place, and what its error says was expected, in the provider's words.
        let (usage, answer) = match provider {
            "anthropic" => (("/result/message/usage", "a `usage` object"), ("/result", "a `result` object")),
            "google" => (
                ("/response/usageMetadata", "a `usageMetadata` object"),
                ("/response/candidates/0", "a candidate object"),
            ),
            _ => (("/response/body/usage", "a `usage` object"), ("/response/body/choices/0", "a choice object")),
        };
        // Anthropic's content blocks too: `["text", "hi"]` was a text block.
        let block = (provider == "anthropic").then_some(("/result/message/content/0", "a content block object"));
        for (pointer, expected) in [Some(usage), Some(answer), block].into_iter().flatten() {
            let result = one(provider, &as_array(&line, pointer).to_string());
            assert_eq!(result.custom_id, "arr-2", "{provider} {pointer}");
            assert_ne!(result.status, ResultStatus::Succeeded, "{provider} {pointer}: {}", shown(&result));
            let message = result.error.as_ref().map(|error| error.message.as_str()).unwrap_or_default();
            assert!(message.contains(&format!("expected {expected}")), "{provider} {pointer}: {message}");
        }
    }
}

/// Items and parts read as JSON values: one that is not an object has no `type`, and was skipped as
/// a part of a newer kind, leaving an empty or partial success (a new-user trial).
#[test]
fn items_and_parts_that_are_not_objects_are_not_skipped() {
    let chat = |content: Value| {
        json!({"object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
            "finish_reason": "stop"}]})
    };
    let responses = |output: Value| {
        json!({"object": "response", "status": "completed", "output": output,
            "usage": {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15}})
    };
    let message = |content: Value| json!({"type": "message", "role": "assistant", "content": content});
    let text = json!({"type": "output_text", "text": "A"});
    let cases = [
        (chat(json!([{"type": "text", "text": "A"}])), None),
        (
            chat(json!([{"type": "text", "text": "A"}, ["text", "B"]])),
            Some("choices[0].message.content[1]: invalid type: array"),
        ),
        (chat(json!([["text", "B"]])), Some("choices[0].message.content[0]: invalid type: array")),
        (responses(json!([message(json!([text]))])), None),
        (responses(json!([["message", "m1", "assistant", [text]]])), Some("output item 0 is not")),
        (
            responses(json!([message(json!([text])), message(json!([["output_text", "B"]]))])),
            Some("item 1 has a `content` part (0)"),
        ),
        (
            responses(json!([{"type": "reasoning", "summary": [["summary_text", "hm"]]}, message(json!([text]))])),
            Some("item 0 has a `summary` part (0)"),
        ),
    ];
    for provider in ["openai", "mistral", "vllm"] {
        for (body, refused) in &cases {
            if provider == "mistral" && body["object"] == "response" {
                continue;
            }
            let result = one(provider, &success_line(provider, "parts-1", body));
            assert_eq!(result.custom_id, "parts-1");
            match refused {
                None => {
                    assert_eq!(result.response.as_ref().map(|response| response.text.as_str()), Some("A"), "{body}")
                }
                Some(words) => {
                    let error =
                        result.error.as_ref().unwrap_or_else(|| panic!("{provider} {body}: {}", shown(&result)));
                    assert_eq!((result.status, error.code.as_str()), (ResultStatus::Errored, "unknown_body"), "{body}");
                    assert!(error.message.contains(words), "{provider} {body}: {}", error.message);
                }
            }
        }
    }
}

/// A Gemini inline entry that is not an object is an answer nobody can read: it is kept in `raw`,
/// not replaced by a line of the package's own making.
#[test]
fn a_gemini_inline_entry_that_is_not_an_object_keeps_its_text() {
    use crate::providers::google::inline_lines;
    let answer = json!({"candidates": [{"content": {"parts": [{"text": "hi"}]}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5, "totalTokenCount": 15}});
    let responses = vec![json!({"response": answer, "metadata": {"key": "a"}}), json!([answer, {"key": "b"}])];
    let jsonl = inline_lines("google", &json!({}), &responses, None).unwrap();
    let results = decode("google", std::str::from_utf8(&jsonl).unwrap());
    assert_eq!(results.len(), 2);
    assert_eq!((results[0].custom_id.as_str(), results[0].status), ("a", ResultStatus::Succeeded));
    assert_ne!(results[1].status, ResultStatus::Succeeded);
    let raw = shown(&results[1]);
    assert!(raw.contains(r#"[{"candidates""#), "{raw}");
    assert!(!raw.contains("neither a response nor an error"), "{raw}");
}
