//! Output and error file lines → unified results. The output lines are the guide's own (a success
//! must come back as a success) plus spec-shaped tool calls and thinking chunks; the error lines
//! are the shapes read defensively, since the error file is undocumented.

use serde_json::{json, Value};

use super::*;
use crate::model::{FinishReason, OutputPart, ResultStatus, UnifiedResult};
use crate::results::ResultDecoder;

fn decode(text: &str, chunk_size: usize) -> Vec<UnifiedResult> {
    let mut decoder = ResultDecoder::new(Box::new(MistralLineDecoder::new()), None);
    let mut out = Vec::new();
    for chunk in text.as_bytes().chunks(chunk_size) {
        decoder.push(chunk, &mut out);
    }
    decoder.finish(&mut out);
    out
}

#[test]
fn documented_output_lines_are_successes() {
    let results = decode(&fixture("output.jsonl"), 13);
    assert_eq!(results.len(), 4);
    assert!(results.iter().all(|result| result.status == ResultStatus::Succeeded && result.error.is_none()));

    let cheese = results[0].response.as_ref().unwrap();
    assert_eq!(results[0].custom_id, "0");
    assert!(cheese.text.starts_with("Choosing the \"best\" French cheese"), "{}", cheese.text);
    assert_eq!((cheese.finish_reason, cheese.raw_finish_reason.as_deref()), (FinishReason::Length, Some("length")));
    let usage = cheese.usage.as_ref().unwrap();
    assert_eq!((usage.input_tokens, usage.output_tokens, usage.total_tokens), (10, 128, Some(138)));
    assert_eq!(cheese.model.as_deref(), Some("ministral-3b-latest"));
    assert_eq!(cheese.id.as_deref(), Some("85bcfa450e5643f2a2aed46472d97ffd"));
    let raw: Value = serde_json::from_str(cheese.raw.get()).unwrap();
    assert_eq!(raw["created"], 1761577934);

    let structured = results[1].response.as_ref().unwrap();
    assert_eq!((structured.text.as_str(), structured.finish_reason), ("{\"result\": 2}", FinishReason::Stop));
}

#[test]
fn tool_calls_with_object_arguments_and_thinking_chunks_are_read() {
    let results = decode(&fixture("output.jsonl"), 1 << 16);
    let tools = results[2].response.as_ref().unwrap();
    assert_eq!(tools.finish_reason, FinishReason::ToolCalls);
    assert_eq!(
        tools.content,
        vec![OutputPart::ToolCall {
            id: Some("D681PevKs".into()),
            name: "get_weather".into(),
            arguments: json!({"city": "Paris"}),
            signature: None,
            provider: None
        }]
    );
    let thinking = results[3].response.as_ref().unwrap();
    assert_eq!(
        thinking.content,
        vec![
            OutputPart::Reasoning { text: "1 + 1 is 2.".into(), signature: None, provider: Some("mistral".into()) },
            OutputPart::Text { text: "2".into() }
        ]
    );
    assert_eq!(thinking.text, "2");
}

#[test]
fn error_lines_of_both_shapes_are_errored_results() {
    let results = decode(&fixture("errors.jsonl"), 7);
    assert_eq!(results.len(), 4);
    assert!(results.iter().all(|result| result.status == ResultStatus::Errored && result.response.is_none()));

    let too_long = results[0].error.as_ref().unwrap();
    assert_eq!(results[0].custom_id, "4");
    assert_eq!((too_long.code.as_str(), too_long.http_status, too_long.retryable), ("3051", Some(400), false));
    assert!(too_long.message.starts_with("Prompt contains 40000 tokens"), "{}", too_long.message);
    assert_eq!(too_long.request_id, None);
    let raw: Value = serde_json::from_str(too_long.raw.as_ref().unwrap().get()).unwrap();
    assert_eq!(raw["id"], "batch-cd0da3ab-5-1e2d3c4b-5a69-4788-97a6-b5c4d3e2f1a0");

    let unprocessable = results[1].error.as_ref().unwrap();
    assert_eq!((unprocessable.code.as_str(), unprocessable.http_status), ("invalid_request_message_error", Some(422)));
    assert!(unprocessable.message.contains("extra_forbidden"), "{}", unprocessable.message);

    let rate_limited = results[2].error.as_ref().unwrap();
    assert_eq!(
        (rate_limited.code.as_str(), rate_limited.http_status, rate_limited.retryable),
        ("1300", Some(429), true)
    );

    let plain = results[3].error.as_ref().unwrap();
    assert_eq!(results[3].custom_id, "7");
    assert_eq!((plain.code.as_str(), plain.message.as_str()), ("internal_error", "The request could not be processed"));
    assert_eq!((plain.http_status, plain.retryable), (None, false));
}

#[test]
fn other_error_shapes_are_read() {
    let lines = concat!(
        r#"{"custom_id":"a","response":{"status_code":500,"body":{"error":{"message":"boom","type":"server_error"}}},"error":null}"#,
        "\n",
        r#"{"custom_id":"b","response":null,"error":"Request timed out"}"#,
        "\n",
        r#"{"custom_id":"c","response":{"status_code":503,"body":null},"error":null}"#,
        "\n",
        r#"{"custom_id":"d","response":{"status_code":200,"body":null},"error":null}"#,
        "\n",
        r#"{"custom_id":null,"response":null,"error":{"error":{"message":"nested","code":7}}}"#,
        "\n",
        r#"{"custom_id":"e","response":{"status_code":400,"body":{"detail":"Bad request"}},"error":null}"#,
        "\n",
    );
    let results = decode(lines, 32);
    let errors: Vec<(&str, &str, &str, Option<u16>, bool)> = results
        .iter()
        .map(|result| {
            let error = result.error.as_ref().unwrap();
            (result.custom_id.as_str(), error.code.as_str(), error.message.as_str(), error.http_status, error.retryable)
        })
        .collect();
    assert_eq!(
        errors,
        [
            ("a", "server_error", "boom", Some(500), true),
            ("b", "error", "Request timed out", None, false),
            ("c", "http_503", "the request failed with HTTP 503", Some(503), true),
            ("d", "missing_body", "the line's response has no body", None, true),
            ("", "7", "nested", None, false),
            ("e", "http_400", "Bad request", Some(400), false),
        ]
    );
}

#[test]
fn an_error_beside_a_body_wins() {
    let line = r#"{"custom_id":"x","response":{"status_code":200,"body":{"id":"1","object":"chat.completion","model":"m","choices":[]}},"error":{"message":"late failure","code":"late"}}"#;
    let result = &decode(line, 64)[0];
    assert_eq!(result.status, ResultStatus::Errored);
    assert_eq!(result.error.as_ref().unwrap().code, "late");
}

#[test]
fn a_malformed_line_becomes_an_errored_result_and_decoding_goes_on() {
    let text = format!(
        "{{\"custom_id\": \"x\", \"response\": {{\"status_code\": 200, \"body\": \n{}",
        fixture("output.jsonl")
    );
    let results = decode(&text, 5);
    assert_eq!(results.len(), 5);
    let error = results[0].error.as_ref().unwrap();
    assert_eq!(error.code, "malformed_result_line");
    assert!(error.message.contains("line 1 of the mistral result file"), "{}", error.message);
    assert_eq!(results[1].status, ResultStatus::Succeeded);

    let not_a_completion = r#"{"custom_id":"y","response":{"status_code":200,"body":{"choices":"none"}},"error":null}"#;
    let result = &decode(not_a_completion, 64)[0];
    assert_eq!((result.custom_id.as_str(), result.error.as_ref().unwrap().code.as_str()), ("y", "unknown_body"));
}

#[test]
fn null_fields_do_not_turn_a_success_into_an_error() {
    let line = r#"{"id":"batch-1","custom_id":"n","response":{"status_code":200,"body":{"id":"c","object":"chat.completion","model":"m","usage":{"prompt_tokens":5,"completion_tokens":null,"total_tokens":5},"created":1,"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"ok","tool_calls":null,"prefix":false}}]}},"error":null}"#;
    let result = &decode(line, 64)[0];
    assert_eq!(result.status, ResultStatus::Succeeded, "{:?}", result.error);
    let response = result.response.as_ref().unwrap();
    assert_eq!(response.text, "ok");
    assert_eq!(response.usage.as_ref().map(|usage| (usage.input_tokens, usage.output_tokens)), Some((5, 0)));
}

/// A thinking chunk's signature is Mistral's (spec `ThinkChunk.signature`): the part records its
/// provider, so that sent on to Anthropic or Gemini the signature is left out (a new-user trial
/// found it unattributed, sent there as their own). Every reasoning part of an OpenAI-protocol
/// answer records the provider that read it.
#[test]
fn reasoning_parts_record_their_provider() {
    let body = json!({"id": "c", "object": "chat.completion", "model": "magistral-small-latest", "choices": [{"index": 0,
        "message": {"role": "assistant", "content": [{"type": "thinking", "thinking": [{"type": "text", "text": "hmm"}], "signature": "MISTRAL_SIG"},
        {"type": "text", "text": "2"}]}, "finish_reason": "stop"}]});
    let line = json!({"id": "b", "custom_id": "m", "response": {"status_code": 200, "body": body}, "error": null});
    let results = decode(&format!("{line}\n"), 64);
    assert_eq!(
        results[0].response.as_ref().unwrap().content[0],
        OutputPart::Reasoning {
            text: "hmm".into(),
            signature: Some("MISTRAL_SIG".into()),
            provider: Some("mistral".into())
        }
    );
    // Through the OpenAI reader (vLLM, Groq, Together, xAI, Azure): that provider's, on the
    // one-pass path and the general one (two choices) alike.
    for choices in [1, 2] {
        let choice = |index: u32| json!({"index": index, "message": {"role": "assistant", "content": "2", "reasoning": "think"}, "finish_reason": "stop"});
        let body = json!({"id": "c", "object": "chat.completion", "model": "m", "choices": (0..choices).map(choice).collect::<Vec<_>>()});
        let line = json!({"id": "b", "custom_id": "v", "response": {"status_code": 200, "body": body}, "error": null});
        use crate::results::LineDecoder;
        let result =
            crate::providers::openai::OpenAiLineDecoder::new("vllm").decode_line(line.to_string().as_bytes(), 1);
        let response = result.response.unwrap();
        assert_eq!(
            response.content[0],
            OutputPart::Reasoning { text: "think".into(), signature: None, provider: Some("vllm".into()) }
        );
        for candidate in response.candidates.iter().flatten() {
            assert!(
                matches!(&candidate.content[0], OutputPart::Reasoning { provider: Some(name), .. } if name == "vllm")
            );
        }
    }
}
