//! Responses API bodies in an output file: every item type of the spec's `OutputItem` that carries
//! an answer, unknown items kept only in `raw`, finish reasons from `status` and
//! `incomplete_details`, failed and cancelled responses.

use serde_json::{json, Value};

use crate::model::{FinishReason, OutputPart, ResultStatus, UnifiedResult};
use crate::results::LineDecoder;

use super::OpenAiLineDecoder;

fn decode(body: Value) -> UnifiedResult {
    let line = json!({"id": "batch_req_1", "custom_id": "r", "response": {"status_code": 200, "request_id": "q", "body": body}, "error": null});
    OpenAiLineDecoder::new("openai").decode_line(line.to_string().as_bytes(), 1)
}

fn body_with(status: &str, output: Value) -> Value {
    json!({"id": "resp_1", "object": "response", "status": status, "error": null, "incomplete_details": null, "model": "gpt-5-mini",
           "output": output, "usage": {"input_tokens": 10, "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
           "output_tokens": 5, "output_tokens_details": {"reasoning_tokens": 2}, "total_tokens": 15}})
}

fn message(text: &str) -> Value {
    json!({"id": "msg_1", "type": "message", "role": "assistant", "status": "completed", "content": [{"type": "output_text", "text": text, "annotations": []}]})
}

#[test]
fn every_answer_item_type_becomes_a_part_and_unknown_items_stay_in_raw() {
    let output = json!([
        {"id": "rs_1", "type": "reasoning", "summary": [{"type": "summary_text", "text": "First."}, {"type": "summary_text", "text": "Then."}], "encrypted_content": "gAAAA"},
        {"id": "ws_1", "type": "web_search_call", "status": "completed", "action": {"type": "search", "query": "x"}},
        {"id": "fut_1", "type": "some_future_item", "payload": {"text": "not an answer"}},
        message("Paris"),
        {"id": "fc_1", "type": "function_call", "call_id": "call_9", "name": "lookup", "arguments": "{\"city\":\"Paris\"}", "status": "completed"},
        {"id": "fc_2", "type": "function_call", "call_id": "call_10", "name": "broken", "arguments": "{not json", "status": "completed"},
        {"id": "ct_1", "type": "custom_tool_call", "call_id": "call_11", "name": "grammar", "input": "free text"}
    ]);
    let result = decode(body_with("completed", output));
    assert_eq!(result.status, ResultStatus::Succeeded);
    let response = result.response.unwrap();
    assert_eq!(
        response.content,
        vec![
            OutputPart::Reasoning { text: "First.\n\nThen.".into(), signature: None, provider: Some("openai".into()) },
            OutputPart::RedactedReasoning { data: "gAAAA".into(), provider: Some("openai".into()) },
            OutputPart::Text { text: "Paris".into() },
            OutputPart::ToolCall {
                id: Some("call_9".into()),
                name: "lookup".into(),
                arguments: json!({"city": "Paris"}),
                signature: None,
                provider: None
            },
            OutputPart::ToolCall {
                id: Some("call_10".into()),
                name: "broken".into(),
                arguments: json!("{not json"),
                signature: None,
                provider: None
            },
            OutputPart::ToolCall {
                id: Some("call_11".into()),
                name: "grammar".into(),
                arguments: json!("free text"),
                signature: None,
                provider: None
            },
        ]
    );
    assert_eq!(response.text, "Paris");
    assert_eq!(
        (response.finish_reason, response.raw_finish_reason.as_deref()),
        (FinishReason::ToolCalls, Some("completed"))
    );
    assert_eq!((response.id.as_deref(), response.model.as_deref()), (Some("resp_1"), Some("gpt-5-mini")));
    let raw: Value = serde_json::from_str(response.raw.get()).unwrap();
    assert_eq!(raw["output"][2]["type"], "some_future_item");
}

#[test]
fn final_answer_messages_are_preferred_over_commentary() {
    let mut commentary = message("Let me check. ");
    commentary["phase"] = json!("commentary");
    let mut answer = message("42");
    answer["phase"] = json!("final_answer");
    let call = json!({"id": "fc_1", "type": "function_call", "call_id": "call_1", "name": "lookup", "arguments": "{}"});
    let response = decode(body_with("completed", json!([commentary.clone(), answer.clone()]))).response.unwrap();
    assert_eq!((response.text.as_str(), response.finish_reason), ("42", FinishReason::Stop));
    // The commentary is a turn of its own: it stays in the content, in order, to be sent back.
    assert_eq!(
        response.content,
        vec![OutputPart::Text { text: "Let me check. ".into() }, OutputPart::Text { text: "42".into() }]
    );
    let response = decode(body_with("completed", json!([commentary.clone(), call, answer]))).response.unwrap();
    assert_eq!(response.content.len(), 3);
    assert!(matches!(&response.content[0], OutputPart::Text { text } if text == "Let me check. "));
    assert_eq!(response.text, "42");
    // Commentary words are no answer: a final refusal after them is still a refusal.
    let mut refusal =
        json!({"type": "message", "role": "assistant", "content": [{"type": "refusal", "refusal": "No."}]});
    refusal["phase"] = json!("final_answer");
    let response = decode(body_with("completed", json!([commentary, refusal]))).response.unwrap();
    assert_eq!((response.text.as_str(), response.finish_reason), ("", FinishReason::ContentFilter));
    // Without phases every message's text counts, in order.
    let response = decode(response_of(json!([message("a"), message("b")]))).response.unwrap();
    assert_eq!(response.text, "ab");
}

fn response_of(output: Value) -> Value {
    body_with("completed", output)
}

#[test]
fn finish_reasons_come_from_status_and_incomplete_details() {
    let refusal = json!([{"type": "message", "role": "assistant", "content": [{"type": "refusal", "refusal": "I can't help with that."}]}]);
    let response = decode(body_with("completed", refusal)).response.unwrap();
    assert_eq!(response.finish_reason, FinishReason::ContentFilter);
    assert_eq!(response.content, vec![OutputPart::Refusal { text: "I can't help with that.".into(), category: None }]);

    for (reason, expected) in [
        ("max_output_tokens", FinishReason::Length),
        ("content_filter", FinishReason::ContentFilter),
        ("something_new", FinishReason::Other),
    ] {
        let mut body = body_with("incomplete", json!([{"type": "reasoning", "summary": []}]));
        body["incomplete_details"] = json!({"reason": reason});
        let result = decode(body);
        assert_eq!(result.status, ResultStatus::Succeeded);
        let response = result.response.unwrap();
        assert_eq!((response.text.as_str(), response.finish_reason), ("", expected), "{reason}");
        assert_eq!(response.raw_finish_reason.as_deref(), Some(reason));
    }
    // Reasoning text (open-weight models) when there is no summary.
    let body = body_with(
        "completed",
        json!([{"type": "reasoning", "summary": [], "content": [{"type": "reasoning_text", "text": "think"}]}, message("x")]),
    );
    assert_eq!(
        decode(body).response.unwrap().content[0],
        OutputPart::Reasoning { text: "think".into(), signature: None, provider: Some("openai".into()) }
    );
}

#[test]
fn failed_cancelled_and_unfinished_responses_are_not_successes() {
    let mut failed = body_with("failed", json!([]));
    failed["error"] = json!({"code": "server_error", "message": "The model failed."});
    let result = decode(failed);
    let error = result.error.as_ref().unwrap();
    assert_eq!((result.status, error.code.as_str(), error.retryable), (ResultStatus::Errored, "server_error", true));
    assert_eq!(error.message, "The model failed.");
    assert!(error.raw.is_some());

    let mut refused = body_with("failed", json!([]));
    refused["error"] = json!({"code": "invalid_prompt", "message": "Invalid prompt."});
    let error = decode(refused).error.unwrap();
    assert_eq!((error.code.as_str(), error.retryable), ("invalid_prompt", false));

    let cancelled = decode(body_with("cancelled", json!([])));
    assert_eq!(
        (cancelled.status, cancelled.error.unwrap().code.as_str()),
        (ResultStatus::Cancelled, "response_cancelled")
    );
    for status in ["queued", "in_progress"] {
        let result = decode(body_with(status, json!([])));
        let error = result.error.unwrap();
        assert_eq!(
            (result.status, error.code.as_str(), error.retryable),
            (ResultStatus::Errored, "response_not_finished", true)
        );
    }
}

#[test]
fn usage_reads_cached_and_reasoning_tokens() {
    let mut body = response_of(json!([message("x")]));
    body["usage"] = json!({"input_tokens": 2048, "input_tokens_details": {"cached_tokens": 1024, "cache_write_tokens": 512},
                           "output_tokens": 300, "output_tokens_details": {"reasoning_tokens": 256}, "total_tokens": 2348});
    let usage = decode(body).response.unwrap().usage.unwrap();
    assert_eq!(
        (
            usage.input_tokens,
            usage.output_tokens,
            usage.total_tokens,
            usage.cache_read_tokens,
            usage.cache_write_tokens,
            usage.reasoning_tokens
        ),
        (2048, 300, Some(2348), Some(1024), Some(512), Some(256))
    );
}

/// The same refusal written by each endpoint decodes to the same unified answer (acc-15 F2).
#[test]
fn a_refusal_is_content_filter_on_chat_and_on_responses() {
    let text = "I can't help with that.";
    let chat = json!({"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-5-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": null, "refusal": text}, "finish_reason": "stop", "logprobs": null}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}});
    let responses = body_with(
        "completed",
        json!([{"type": "message", "role": "assistant", "content": [{"type": "refusal", "refusal": text}]}]),
    );
    let chat = decode(chat).response.unwrap();
    let responses = decode(responses).response.unwrap();
    for response in [&chat, &responses] {
        assert_eq!(response.finish_reason, FinishReason::ContentFilter);
        assert_eq!(response.content, vec![OutputPart::Refusal { text: text.into(), category: None }]);
    }
    assert_eq!(chat.raw_finish_reason.as_deref(), Some("stop"));
    assert_eq!(responses.raw_finish_reason.as_deref(), Some("completed"));

    // A refusal beside an answer is no refusal of the request: the answer's own reason stays.
    let partial = json!({"id": "chatcmpl-2", "object": "chat.completion", "created": 1, "model": "gpt-5-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Part of it.", "refusal": text}, "finish_reason": "stop", "logprobs": null}]});
    assert_eq!(decode(partial).response.unwrap().finish_reason, FinishReason::Stop);
    let partial = body_with(
        "completed",
        json!([{"type": "message", "role": "assistant", "content": [
        {"type": "output_text", "text": "Part of it.", "annotations": []}, {"type": "refusal", "refusal": text}]}]),
    );
    assert_eq!(decode(partial).response.unwrap().finish_reason, FinishReason::Stop);
}
