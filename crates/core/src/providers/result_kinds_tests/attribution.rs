//! Answers are never thrown away or silently misattributed (field case 26).

use serde_json::{json, Value};

use super::*;
use crate::model::{AttributedBy, Attribution, ResultStatus, UnifiedResult};
use crate::providers::google::inline_lines;

fn inline_results(operation: &Value, request_ids: Option<&[String]>) -> Vec<UnifiedResult> {
    let responses = operation["response"]["inlinedResponses"]["inlinedResponses"].as_array().unwrap();
    let jsonl = inline_lines("google", operation, responses, request_ids).unwrap();
    decode("google", std::str::from_utf8(&jsonl).unwrap())
}

#[test]
fn field_case_26_inline_answers_without_metadata_are_all_returned_and_say_how_they_were_matched() {
    let operation: Value =
        serde_json::from_str(&fixture("field-cases/26-gemini-inline-without-keys/operation.json")).unwrap();

    // storage: false — no submitted order: both answers come back, unattributed.
    let results = inline_results(&operation, None);
    assert_eq!(results.len(), 2);
    for (position, result) in results.iter().enumerate() {
        assert_eq!((result.custom_id.as_str(), result.status), ("", ResultStatus::Succeeded));
        assert_eq!(result.attribution, Some(Attribution { by: AttributedBy::None, position: position as u64 }));
    }
    let usage = usage_of(&results[0]);
    assert_eq!((usage.input_tokens, usage.output_tokens, usage.total_tokens), (8, 840, Some(848)));
    assert_eq!(usage_of(&results[1]).output_tokens, 312);

    // With the stored order: matched by position, and the results say so.
    let ids = vec!["what-is-ai".to_owned(), "qubits".to_owned()];
    let results = inline_results(&operation, Some(&ids));
    let matched: Vec<(&str, Option<Attribution>)> =
        results.iter().map(|result| (result.custom_id.as_str(), result.attribution)).collect();
    assert_eq!(
        matched,
        [
            ("what-is-ai", Some(Attribution { by: AttributedBy::Position, position: 0 })),
            ("qubits", Some(Attribution { by: AttributedBy::Position, position: 1 }))
        ]
    );
    assert!(results[0].response.as_ref().unwrap().text.starts_with("AI learns"));

    // An attribution is part of the result's JSON only when there is one.
    let json = serde_json::to_value(&results[0]).unwrap();
    assert_eq!(json["attribution"], json!({"by": "position", "position": 0}));
    let keyed = one(
        "google",
        r#"{"key":"k","response":{"candidates":[{"content":{"parts":[{"text":"x"}]},"finishReason":"STOP"}]}}"#,
    );
    assert!(serde_json::to_value(&keyed).unwrap().get("attribution").is_none());
}
