//! Never an empty success: bodies of other kinds are errors naming them (field case 25).

use serde_json::{json, Value};

use super::*;
use crate::model::{FinishReason, ResultStatus};

#[test]
fn a_body_of_another_kind_is_errored_with_a_code_naming_it_on_every_provider() {
    let embeddings = json!({"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}], "model": "text-embedding-3-small", "usage": {"prompt_tokens": 3, "total_tokens": 3}});
    let moderation = json!({"id": "modr-1", "model": "omni-moderation-latest", "results": [{"flagged": false}]});
    let gemini_embedding = json!({"embedding": {"values": [0.1, 0.2]}});
    let unknown = json!({"answer": "42", "tokens": 3});
    for provider in PROVIDERS {
        let mut cases =
            vec![(json!({}), "unknown_body"), (unknown.clone(), "unknown_body"), (json!([1, 2]), "unknown_body")];
        match provider {
            "openai" | "vllm" | "mistral" => {
                cases.push((embeddings.clone(), "embeddings_body"));
                cases.push((moderation.clone(), "moderation_body"));
                cases.push((json!({"object": "chat.completion", "choices": []}), "empty_choices"));
                cases.push((
                    json!({"object": "chat.completion", "choices": [{"index": 0, "finish_reason": "stop"}]}),
                    "unknown_body",
                ));
                cases.push((json!("a string body"), "unknown_body"));
                // Lists of other kinds (scores, reranking) are not given a wrong name.
                cases.push((
                    json!({"object": "list", "data": [{"object": "score", "index": 0, "score": 0.9}]}),
                    "unknown_body",
                ));
                cases.push((
                    json!({"id": "rerank-1", "results": [{"index": 0, "relevance_score": 0.5}]}),
                    "unknown_body",
                ));
            }
            "google" => {
                // Gemini answers name no endpoint; an `EmbedContentResponse` is read as the answer
                // of an embeddings batch (crate::embeddings tests), never as an empty success.
                let result = one(provider, &success_line(provider, "x", &gemini_embedding));
                assert_eq!(result.response.unwrap().embeddings, Some(vec![vec![0.1, 0.2]]));
                cases.push((json!({"candidates": [], "usageMetadata": {"promptTokenCount": 3}}), "empty_candidates"));
            }
            _ => cases.push((json!({"type": "completion", "completion": "hi"}), "unknown_body")),
        }
        for (body, code) in cases {
            let line = success_line(provider, "x", &body);
            let result = one(provider, &line);
            assert_eq!((result.custom_id.as_str(), result.status), ("x", ResultStatus::Errored), "{provider}: {body}");
            let error = result.error.as_ref().unwrap();
            assert_eq!(error.code, code, "{provider}: {body}");
            assert!(!error.retryable, "{provider}: the same request gives the same kind again");
            let raw: Value = serde_json::from_str(error.raw.as_ref().expect("raw kept").get()).unwrap();
            assert_eq!(raw, serde_json::from_str::<Value>(&line).unwrap(), "{provider}: raw is the line");
        }
    }
}

#[test]
fn field_case_25_responses_bodies_decode_and_embeddings_are_named() {
    let results = decode("openai", &fixture("field-cases/25-openai-responses-body-in-output/output.jsonl"));
    assert_eq!(results.len(), 3);
    let first = results[0].response.as_ref().unwrap();
    assert_eq!((results[0].custom_id.as_str(), results[0].status), ("resp-1", ResultStatus::Succeeded));
    assert!(first.text.starts_with("[{\"number\": \"3.4500\""), "{}", first.text);
    assert_eq!(first.finish_reason, FinishReason::Stop);
    let usage = first.usage.as_ref().unwrap();
    assert_eq!((usage.input_tokens, usage.output_tokens, usage.reasoning_tokens), (5192, 10185, Some(5568)));

    let second = results[1].response.as_ref().unwrap();
    assert_eq!((results[1].custom_id.as_str(), results[1].status), ("resp-2", ResultStatus::Succeeded));
    assert_eq!((second.text.as_str(), second.finish_reason), ("", FinishReason::Length));
    assert_eq!(second.raw_finish_reason.as_deref(), Some("max_output_tokens"));
    assert_eq!(second.usage.as_ref().map(|usage| (usage.input_tokens, usage.output_tokens)), Some((120, 256)));

    assert_eq!((results[2].custom_id.as_str(), results[2].status), ("emb-1", ResultStatus::Errored));
    let error = results[2].error.as_ref().unwrap();
    assert_eq!(error.code, "embeddings_body");
    assert!(error.raw.as_ref().unwrap().get().contains("\"embedding\""));
}

#[test]
fn a_gemini_answer_made_only_of_parts_not_read_is_no_empty_success() {
    // A new-user trial: an image answer was `succeeded` with no text and no content.
    let only = [
        json!([{"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}}]),
        json!([{"executableCode": {"language": "PYTHON", "code": "print(1)"}}, {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "1"}}]),
    ];
    for parts in only {
        let body = json!({"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP"}]});
        let line = success_line("google", "inl", &body);
        let result = one("google", &line);
        let error = result.error.as_ref().expect("an error");
        assert_eq!(
            (result.status, error.code.as_str(), error.retryable),
            (ResultStatus::Errored, "unknown_body", false)
        );
        assert_eq!(error.raw.as_ref().unwrap().get(), line, "the answer is kept in raw");
    }
    // Beside text, such parts stay in `raw`; empty parts stay an empty success.
    let mixed = json!({"candidates": [{"content": {"parts": [{"executableCode": {"code": "x"}}, {"text": "done"}]}, "finishReason": "STOP"}]});
    assert_eq!(one("google", &success_line("google", "m", &mixed)).response.unwrap().text, "done");
    let empty = json!({"candidates": [{"content": {"parts": []}, "finishReason": "SAFETY"}]});
    assert_eq!(one("google", &success_line("google", "e", &empty)).status, ResultStatus::Succeeded);
}
