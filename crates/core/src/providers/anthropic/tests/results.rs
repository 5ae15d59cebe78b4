//! Result lines → unified results, ids given back, error bodies.

use serde_json::json;

use super::*;
use crate::model::{FinishReason, OutputPart, ResultStatus, UnifiedResult, Usage};
use crate::providers::{id_map_of, IdMapping};
use crate::results::{IdMap, LineDecoder, ResultDecoder};

fn decode_with(
    decoder: Box<dyn LineDecoder>,
    text: &str,
    chunk_size: usize,
    id_map: Option<IdMap>,
) -> Vec<UnifiedResult> {
    let mut decoder = ResultDecoder::new(decoder, id_map);
    let mut out = Vec::new();
    for chunk in text.as_bytes().chunks(chunk_size) {
        decoder.push(chunk, &mut out);
    }
    decoder.finish(&mut out);
    out
}

fn decode(text: &str, chunk_size: usize) -> Vec<UnifiedResult> {
    decode_with(Box::new(AnthropicLineDecoder), text, chunk_size, None)
}

#[test]
fn a_succeeded_text_result() {
    let results = decode(&fixture("results.jsonl"), 11);
    assert_eq!(results.len(), 6);
    let first = &results[0];
    assert_eq!((first.custom_id.as_str(), first.status), ("my-first-request", ResultStatus::Succeeded));
    assert!(first.error.is_none());
    let response = first.response.as_ref().unwrap();
    assert_eq!(response.text, "Hi! My name is Claude.");
    assert_eq!(response.content, vec![OutputPart::Text { text: "Hi! My name is Claude.".into() }]);
    assert_eq!((response.finish_reason, response.raw_finish_reason.as_deref()), (FinishReason::Stop, Some("end_turn")));
    assert_eq!(
        response.usage,
        Some(Usage {
            // 2095 uncached + 2051 read + 2051 written: every prompt token.
            input_tokens: 6197,
            output_tokens: 503,
            total_tokens: Some(6700),
            cache_read_tokens: Some(2051),
            cache_write_tokens: Some(2051),
            cache_write_1h_tokens: None,
            reasoning_tokens: None
        })
    );
    assert_eq!(response.model.as_deref(), Some("claude-sonnet-4-5-20250929"));
    assert_eq!(response.id.as_deref(), Some("msg_013Zva2CMHLNnXjNJJKqJ2EF"));
    let raw: Value = serde_json::from_str(response.raw.get()).unwrap();
    assert_eq!(raw["type"], "message", "raw is the message body");
    assert_eq!(raw["usage"]["service_tier"], "batch");
}

#[test]
fn thinking_redacted_thinking_and_tool_use_blocks() {
    let results = decode(&fixture("results.jsonl"), 1 << 16);
    let response = results[1].response.as_ref().unwrap();
    assert_eq!(
        response.content,
        vec![
            OutputPart::Reasoning {
                text: "The user wants the weather in Paris; I should call the tool.".into(),
                signature: Some("EuYBCkQYAiJAgCs1le6/Pol5Z4/JMomVOouGrWdhYNsH3ukzUECbB6iWrSQtsQuRHJID6lWV".into()),
                provider: Some("anthropic".into()),
            },
            OutputPart::RedactedReasoning {
                data: "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP".into(),
                provider: Some("anthropic".into()),
            },
            OutputPart::Text { text: "Let me check. ".into() },
            OutputPart::ToolCall {
                id: Some("toolu_01A09q90qw90lq917835lq9".into()),
                name: "get_weather".into(),
                arguments: json!({"location": "Paris, France", "unit": "celsius"}),
                signature: None,
                provider: None
            },
        ]
    );
    assert_eq!(response.text, "Let me check. ");
    assert_eq!(response.finish_reason, FinishReason::ToolCalls);
    let usage = response.usage.as_ref().unwrap();
    assert_eq!((usage.cache_read_tokens, usage.cache_write_tokens), (None, None));
}

#[test]
fn errored_results_carry_type_message_and_request_id() {
    let results = decode(&fixture("results.jsonl"), 3);
    let invalid = &results[2];
    assert_eq!((invalid.custom_id.as_str(), invalid.status), ("my-second-request", ResultStatus::Errored));
    assert!(invalid.response.is_none());
    let error = invalid.error.as_ref().unwrap();
    assert_eq!(error.code, "invalid_request_error");
    assert!(error.message.starts_with("max_tokens: 100000 > 64000"), "{}", error.message);
    assert_eq!(error.request_id.as_deref(), Some("req_011CSHoEeqs5C35K2UUqR7Fy"));
    assert!(!error.retryable, "an invalid request must be fixed first");
    let raw: Value = serde_json::from_str(error.raw.as_ref().unwrap().get()).unwrap();
    assert_eq!(raw["type"], "error");

    let overloaded = results[3].error.as_ref().unwrap();
    assert_eq!((overloaded.code.as_str(), overloaded.message.as_str()), ("overloaded_error", "Overloaded"));
    assert_eq!(overloaded.request_id, None);
    assert!(overloaded.retryable);
}

#[test]
fn canceled_and_expired_results() {
    let results = decode(&fixture("results.jsonl"), 64);
    let cancelled = &results[4];
    assert_eq!((cancelled.custom_id.as_str(), cancelled.status), ("my-fourth-request", ResultStatus::Cancelled));
    let error = cancelled.error.as_ref().unwrap();
    assert_eq!((error.code.as_str(), error.retryable), ("batch_cancelled", true));
    let expired = &results[5];
    assert_eq!((expired.custom_id.as_str(), expired.status), ("my-fifth-request", ResultStatus::Expired));
    assert_eq!(expired.error.as_ref().unwrap().code, "batch_expired");
    assert!(cancelled.response.is_none() && expired.response.is_none());
}

#[test]
fn stop_reasons_map_to_the_shared_finish_reasons() {
    let cases = [
        (Some("end_turn"), FinishReason::Stop),
        (Some("stop_sequence"), FinishReason::Stop),
        (Some("max_tokens"), FinishReason::Length),
        (Some("tool_use"), FinishReason::ToolCalls),
        (Some("refusal"), FinishReason::ContentFilter),
        (Some("pause_turn"), FinishReason::Other),
        // Cut off where the context window filled up: a token limit (a new-user trial found `other`).
        (Some("model_context_window_exceeded"), FinishReason::Length),
        (None, FinishReason::Other),
    ];
    for (stop_reason, expected) in cases {
        assert_eq!(finish_reason(stop_reason), expected, "{stop_reason:?}");
    }
    let line = r#"{"custom_id":"p","result":{"type":"succeeded","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":"pause_turn","stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":0}}}}"#;
    let response = decode(line, 8).remove(0).response.unwrap();
    assert_eq!(
        (response.finish_reason, response.raw_finish_reason.as_deref()),
        (FinishReason::Other, Some("pause_turn"))
    );
}

/// `stop_reason: "refusal"` gives a `refusal` part after what Claude wrote before it stopped, with
/// `stop_details`' explanation and category (reference unified-features §1.2, §8.4); the finish
/// reason stays `content_filter` and `raw` keeps the message.
#[test]
fn a_refusal_stop_gives_a_refusal_part() {
    let line = |details: &str| {
        format!(
            r#"{{"custom_id":"r","result":{{"type":"succeeded","message":{{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{{"type":"text","text":"Here is how"}}],"stop_reason":"refusal","stop_sequence":null{details},"usage":{{"input_tokens":1,"output_tokens":3}}}}}}}}"#
        )
    };
    let response =
        decode(&line(r#","stop_details":{"type":"refusal","category":"cyber","explanation":"Not this."}"#), 8)
            .remove(0)
            .response
            .unwrap();
    assert_eq!(
        response.content,
        vec![
            OutputPart::Text { text: "Here is how".into() },
            OutputPart::Refusal { text: "Not this.".into(), category: Some("cyber".into()) }
        ]
    );
    assert_eq!((response.text.as_str(), response.finish_reason), ("Here is how", FinishReason::ContentFilter));
    assert_eq!(response.raw_finish_reason.as_deref(), Some("refusal"));
    assert!(response.raw.get().contains("\"explanation\":\"Not this.\""));
    // Without details (or with details of another shape) the refusal is still one.
    for details in ["", r#","stop_details":null"#, r#","stop_details":"refusal""#] {
        let response = decode(&line(details), 8).remove(0).response.unwrap();
        assert_eq!(response.content[1], OutputPart::Refusal { text: String::new(), category: None }, "{details}");
    }
}

#[test]
fn unknown_blocks_stay_in_raw_only() {
    let line = r#"{"custom_id":"w","result":{"type":"succeeded","message":{"id":"msg_2","type":"message","role":"assistant","model":"m","content":[{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{"query":"x"}},{"type":"text","text":"Found it."}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":2}}}}"#;
    let response = decode(line, 1 << 10).remove(0).response.unwrap();
    assert_eq!(response.content, vec![OutputPart::Text { text: "Found it.".into() }]);
    assert!(response.raw.get().contains("server_tool_use"));
}

#[test]
fn malformed_lines_become_errored_results_and_decoding_goes_on() {
    let text = format!(
        "{{\"custom_id\":\"cut\",\"result\":{{\"type\":\n{}\n{}\n{}\n{}\n",
        r#"{"result":{"type":"canceled"}}"#,
        r#"{"custom_id":"odd","result":{"type":"postponed"}}"#,
        r#"{"custom_id":"bad-message","result":{"type":"succeeded","message":{"content":"not a list"}}}"#,
        r#"{"custom_id":"fine","result":{"type":"expired"}}"#,
    );
    let results = decode(&text, 5);
    assert_eq!(results.len(), 5);
    let summary: Vec<(&str, ResultStatus, &str, bool)> = results
        .iter()
        .map(|result| {
            let error = result.error.as_ref().unwrap();
            (result.custom_id.as_str(), result.status, error.code.as_str(), error.retryable)
        })
        .collect();
    assert_eq!(
        summary,
        [
            // The cut line keeps the id it still holds, and can be sent again.
            ("cut", ResultStatus::Errored, "malformed_result_line", true),
            ("", ResultStatus::Errored, "malformed_result_line", true),
            ("odd", ResultStatus::Errored, "unknown_result_type", false),
            ("bad-message", ResultStatus::Errored, "unknown_body", false),
            ("fine", ResultStatus::Expired, "batch_expired", true),
        ]
    );
    assert!(results[0].error.as_ref().unwrap().message.contains("line 1"));
    assert!(results[1].error.as_ref().unwrap().message.contains("custom_id"));
    assert!(results[2].error.as_ref().unwrap().message.contains("postponed"));
    assert!(results[3].error.as_ref().unwrap().raw.is_some());
}

/// The whole round: an id Anthropic would refuse is replaced when preparing, the results file uses
/// the replacement, and the caller gets the original back.
#[test]
fn results_come_back_under_the_callers_ids() {
    let requests = [simple("report/2024 #1"), simple("kept")];
    let prepared = api().prepare(&requests, &PrepareOptions::default()).unwrap();
    let provider_id = &prepared.summary.id_map[0].provider_id;
    let lines = format!(
        "{}\n{}\n",
        json!({"custom_id": provider_id, "result": {"type": "expired"}}),
        json!({"custom_id": "kept", "result": {"type": "canceled"}}),
    );

    let status = api().parse_status("msgbatch_1", &response(200, &fixture("batch_ended.json"))).unwrap();
    let id_map = id_map_of(&prepared.summary.id_map);
    let mut sources = api().result_sources_with_ids(&status, id_map.clone()).unwrap();
    let ResultSource::Fetch { decoder, .. } = sources.remove(0) else { panic!("a fetched source expected") };
    let ids: Vec<String> = decode_with(decoder, &lines, 7, None).into_iter().map(|result| result.custom_id).collect();
    assert_eq!(ids, ["report/2024 #1", "kept"]);

    // The same map handed to the ResultDecoder as well changes nothing.
    let ResultSource::Fetch { decoder, .. } = api().result_sources_with_ids(&status, id_map.clone()).unwrap().remove(0)
    else {
        panic!("a fetched source expected")
    };
    let ids: Vec<String> = decode_with(decoder, &lines, 7, id_map).into_iter().map(|result| result.custom_id).collect();
    assert_eq!(ids, ["report/2024 #1", "kept"]);

    // Without the map the provider's id is what the file says.
    let ResultSource::Fetch { decoder, .. } = api().result_sources(&status).unwrap().remove(0) else {
        panic!("a fetched source expected")
    };
    let first = decode_with(decoder, &lines, 7, None).remove(0);
    assert_eq!(&first.custom_id, provider_id);
    assert_eq!(
        prepared.summary.id_map,
        vec![IdMapping { custom_id: "report/2024 #1".into(), provider_id: provider_id.clone() }]
    );
}

#[test]
fn anthropic_error_bodies_are_read_with_their_request_id() {
    let overloaded = HttpResponse {
        status: 529,
        headers: vec![("request-id".into(), "req_011CSHoEeqs5C35K2UUqR7Fy".into())],
        body: fixture("error_overloaded.json"),
    };
    let error = api().parse_status("msgbatch_1", &overloaded).unwrap_err();
    let CoreError::Provider { provider, status, message, error_type, request_id, retryable, .. } = error else {
        panic!("a provider error expected")
    };
    assert_eq!((provider.as_str(), status, message.as_str()), ("anthropic", 529, "Overloaded"));
    assert_eq!(error_type.as_deref(), Some("overloaded_error"));
    assert_eq!(request_id.as_deref(), Some("req_011CSHoEeqs5C35K2UUqR7Fy"));
    assert!(retryable);
}

#[test]
fn token_counts_that_add_up_past_u64_saturate() {
    // Input is input + cache read + cache write: a file's counts may sum past u64 (both readers:
    // the first line takes the one-pass reader, the second, with an unknown key, the general one).
    let usage = r#"{"input_tokens":18446744073709551615,"output_tokens":3,"cache_read_input_tokens":5,"cache_creation":{"ephemeral_5m_input_tokens":18446744073709551615,"ephemeral_1h_input_tokens":7}}"#;
    let message = format!(
        r#"{{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{{"type":"text","text":"hi"}}],"stop_reason":"end_turn","stop_sequence":null,"usage":{usage}}}"#
    );
    let one_pass = format!(r#"{{"custom_id":"a","result":{{"type":"succeeded","message":{message}}}}}"#);
    let general = format!(r#"{{"custom_id":"b","x_unknown":1,"result":{{"type":"succeeded","message":{message}}}}}"#);
    for result in decode(&format!("{one_pass}\n{general}\n"), 64) {
        let usage = result.response.unwrap().usage.unwrap();
        assert_eq!(usage.input_tokens, u64::MAX, "{}", result.custom_id);
        assert_eq!(usage.cache_write_tokens, Some(u64::MAX), "{}", result.custom_id);
        assert_eq!(usage.total_tokens, Some(u64::MAX), "{}", result.custom_id);
        assert_eq!(usage.output_tokens, 3);
    }
}

#[test]
fn one_hour_cache_writes_are_told_apart_on_both_readers() {
    // `cache_creation` splits the writes by lifetime (unified-features §4.2): the 1-hour part is
    // priced at 2× input, the rest at 1.25×, so it is kept apart, by the one-pass reader and the
    // general one alike (a 1-hour write was priced as a 5-minute one: a new-user trial).
    let cases = [
        // (usage, cache writes, of which 1-hour)
        (r#""cache_creation":{"ephemeral_5m_input_tokens":30,"ephemeral_1h_input_tokens":70}"#, Some(100), Some(70)),
        (
            r#""cache_creation_input_tokens":400,"cache_creation":{"ephemeral_5m_input_tokens":300,"ephemeral_1h_input_tokens":100}"#,
            Some(400),
            Some(100),
        ),
        (r#""cache_creation":{"ephemeral_5m_input_tokens":5,"ephemeral_1h_input_tokens":0}"#, Some(5), Some(0)),
        (r#""cache_creation_input_tokens":9,"cache_creation":null"#, Some(9), None),
        (r#""cache_creation":{"ephemeral_5m_input_tokens":5}"#, Some(5), None),
        // Counts that disagree: the 1-hour part is never more than the writes it is part of.
        (r#""cache_creation_input_tokens":40,"cache_creation":{"ephemeral_1h_input_tokens":70}"#, Some(40), Some(40)),
    ];
    for (counts, written, one_hour) in cases {
        let message = format!(
            r#"{{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{{"type":"text","text":"hi"}}],"stop_reason":"end_turn","stop_sequence":null,"usage":{{"input_tokens":2,"output_tokens":3,{counts}}}}}"#
        );
        let line = format!(r#"{{"custom_id":"a","result":{{"type":"succeeded","message":{message}}}}}"#);
        let one_pass = crate::providers::anthropic::fast_line::decode_common_line(&line)
            .expect("the one-pass reader takes the line");
        let general = crate::providers::anthropic::results::decode_any_line(&line, 1);
        let decoded = decode(&format!("{line}\n"), 64);
        assert_eq!(decoded.len(), 1);
        for result in [one_pass, general, decoded[0].clone()] {
            let usage = result.response.unwrap().usage.unwrap();
            assert_eq!((usage.cache_write_tokens, usage.cache_write_1h_tokens), (written, one_hour), "{counts}");
            assert_eq!(usage.input_tokens, 2 + written.unwrap(), "{counts}");
        }
    }
}

#[test]
fn a_malformed_line_is_named_by_its_line_in_the_file_blank_lines_counted() {
    let line = r#"{"custom_id":"a","result":{"type":"succeeded","message":{"id":"m","type":"message","role":"assistant","model":"x","content":[],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}}}"#;
    let results = decode(&format!("{line}\n\n\r\n{{\"custom_id\":\"b\",\"result\":\n"), 7);
    assert_eq!(results.len(), 2);
    let error = results[1].error.as_ref().unwrap();
    assert_eq!((results[1].custom_id.as_str(), error.code.as_str()), ("b", "malformed_result_line"));
    assert!(error.message.starts_with("line 4 of the anthropic result file"), "{}", error.message);
}

#[test]
fn numbers_in_tool_call_arguments_are_read_to_the_nearest_double() {
    // Decimals of 15 to 17 digits, read as JSON.parse reads them (serde_json's default reader was
    // one unit off in the last place for some of them).
    let numbers = [
        "95.77548080123961",
        "0.30000000000000004",
        "1.7976931348623157e308",
        "2.2250738585072014e-308",
        "123456.78901234567",
    ];
    for number in numbers {
        let line = format!(
            r#"{{"custom_id":"t","result":{{"type":"succeeded","message":{{"id":"m","type":"message","role":"assistant","model":"x","content":[{{"type":"tool_use","id":"tu","name":"f","input":{{"x":{number}}}}}],"stop_reason":"tool_use","usage":{{"input_tokens":1,"output_tokens":1}}}}}}}}"#
        );
        let results = decode(&format!("{line}\n"), 64);
        let response = results[0].response.as_ref().unwrap();
        let Some(OutputPart::ToolCall { arguments, .. }) = response.content.first() else {
            panic!("{:?}", response.content)
        };
        let expected: f64 = number.parse().unwrap();
        assert_eq!(arguments["x"].as_f64(), Some(expected), "{number}");
    }
}

/// Found by a new-user trial: `tool_use.input` is read from its own text (numbers exactly), and a
/// number out of range in it was placed after the input; it is placed at the number, where
/// serde_json's reader of the whole body places it (`exact_json::from_body`), so its path is the number's.
#[test]
fn a_number_out_of_range_in_tool_input_is_placed_at_the_number() {
    let body = r#"{"id":"m","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[{"type":"tool_use","id":"t1","name":"f","input":{"a":1e400,"b":[1,2,3],"c":"xyz"}}],"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}"#;
    let line = format!(r#"{{"custom_id":"r1","result":{{"type":"succeeded","message":{body}}}}}"#);
    let results = decode(&format!("{line}\n"), 64);
    let error = results[0].error.as_ref().expect("an errored result");
    // Named by its path in the body (`read_body`), not by serde_json's column.
    assert_eq!(
        error.message,
        "the message is not a readable Messages response: content[0].input.a: number out of range"
    );
}

#[test]
fn results_handed_over_as_they_are_read_are_the_decoded_results() {
    let usage = json!({"input_tokens": 3, "output_tokens": 4, "cache_creation_input_tokens": 1, "cache_read_input_tokens": 2, "cache_creation": {"ephemeral_5m_input_tokens": 1}, "service_tier": "batch"});
    let with_blocks = |id: &str, content: serde_json::Value, stop_reason: &str| {
        json!({"custom_id": id, "result": {"type": "succeeded", "message": {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-x", "content": content, "stop_reason": stop_reason, "stop_sequence": null, "usage": usage}}}).to_string()
    };
    let common = |id: &str, text: &str| with_blocks(id, json!([{"type": "text", "text": text}]), "end_turn");
    let thinking = json!({"type": "thinking", "thinking": "hm \"so\"", "signature": "c2ln"});
    let text = |text: &str| json!({"type": "text", "text": text});
    let mut lines = vec![
        common("q-1", "plain"),
        common("q-2", "{\"a\": [1, 2]}"),
        common("q-3", "  [not json"),
        common("q-\"4\"\\é", "é😀\u{2028}\n\t"),
        with_blocks("q-5", json!([thinking, text("the answer")]), "max_tokens"),
        with_blocks("q-6", json!([text("a"), {"type": "server_tool_use", "id": "s", "name": "web_search", "input": {}}, text("b")]), "end_turn"),
        // More parts than a view holds, a tool call, redacted thinking: results.
        with_blocks("q-7", json!([thinking, text("1"), text("2"), text("3"), text("4")]), "end_turn"),
        with_blocks("q-8", json!([text("calling"), {"type": "tool_use", "id": "t", "name": "f", "input": {"x": [1]}}]), "tool_use"),
        with_blocks("q-9", json!([{"type": "redacted_thinking", "data": "ZGF0YQ=="}, text("after")]), "end_turn"),
        json!({"custom_id": "q-10", "result": {"type": "errored", "error": {"type": "error", "error": {"type": "overloaded_error", "message": "slow down"}}}}).to_string(),
        json!({"custom_id": "q-11", "result": {"type": "succeeded", "message": {"type": "message", "content": null, "stop_reason": null}}}).to_string(),
        json!({"custom_id": "q-12", "result": {"type": "expired"}}).to_string(),
        // Not the common shape (a thinking without its text): the general reader's.
        with_blocks("q-13", json!([{"type": "thinking", "thinking": null}]), "end_turn"),
        "{\"custom_id\":\"q-14\",\"result\":{\"type\":\"succeeded\",\"message\":{".to_owned(),
        common("q-15", "after a broken line"),
    ];
    let mut jsonl = lines.join("\n").into_bytes();
    jsonl.extend_from_slice(b"\n\xff\xfe\n");
    lines.clear();
    jsonl.extend_from_slice(common("q-16", "a last line without its newline").as_bytes());
    let id_map = [("q-1", "caller-1"), ("q-2", "caller-2"), ("q-5", "caller-5"), ("q-8", "caller-8")];
    // Only plain common lines of text and thinking go over as views: q-1, q-4, q-5, q-6, q-11 and
    // q-15 (q-16 ends the file without a newline: the last line is read when the file ends); q-2
    // and q-3 too when no JSON is read.
    crate::test_support::check_handed_over(
        &jsonl,
        &id_map,
        &["q-2", "caller-2", "q-3"],
        &|| Box::new(AnthropicLineDecoder),
        8,
        6,
    );
}
