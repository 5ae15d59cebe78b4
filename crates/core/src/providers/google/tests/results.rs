//! Finding, matching and reading results.

use serde_json::{json, Value};

use super::{api, fixture, fixture_json, BASE};
use crate::model::{AttributedBy, Attribution, FinishReason, OutputPart, ResultStatus, UnifiedResult};
use crate::providers::google::{locate_output, map_finish_reason, parse_operation, GoogleLineDecoder, Output};
use crate::providers::{BatchApi, ResultSource};
use crate::results::{LineDecoder, ResultDecoder};
use crate::{BatchStatusResponse, CoreError};

fn status_of(operation: &Value) -> BatchStatusResponse {
    parse_operation("google", operation).unwrap()
}

fn decode(jsonl: &[u8], decoder: Box<dyn LineDecoder>, chunk_size: usize) -> Vec<UnifiedResult> {
    let mut decoder = ResultDecoder::new(decoder, None);
    let mut out = Vec::new();
    for chunk in jsonl.chunks(chunk_size) {
        decoder.push(chunk, &mut out);
    }
    decoder.finish(&mut out);
    out
}

fn inline_results(sources: Vec<ResultSource>) -> Vec<UnifiedResult> {
    let mut sources = sources.into_iter();
    let Some(ResultSource::Inline { jsonl, decoder }) = sources.next() else { panic!("one inline source expected") };
    assert!(sources.next().is_none());
    decode(&jsonl, decoder, 13)
}

fn decode_file(text: &str, chunk_size: usize) -> Vec<UnifiedResult> {
    decode(text.as_bytes(), Box::new(GoogleLineDecoder::new("Gemini")), chunk_size)
}

#[test]
fn output_is_found_in_all_three_places() {
    let file = fixture_json("batch_file_succeeded.json");
    assert_eq!(locate_output(&file), Output::File("files/batch-out-1"));
    for (name, expected_key) in [
        ("batch_inline_succeeded.json", "req-1"),
        ("batch_spec_output.json", "spec-1"),
        ("batch_metadata_output.json", "only-1"),
    ] {
        let operation = fixture_json(name);
        let Output::Inline(responses) = locate_output(&operation) else { panic!("{name}: inline output expected") };
        assert_eq!(responses[0]["metadata"]["key"], expected_key, "{name}");
        let results = inline_results(api().result_sources(&status_of(&operation)).unwrap());
        assert_eq!(results[0].custom_id, expected_key, "{name}");
        assert_eq!(results[0].status, ResultStatus::Succeeded, "{name}");
    }
    assert_eq!(locate_output(&fixture_json("batch_running.json")), Output::Missing);
}

#[test]
fn inline_responses_become_normalized_results() {
    let results =
        inline_results(api().result_sources(&status_of(&fixture_json("batch_inline_succeeded.json"))).unwrap());
    assert_eq!(results.len(), 3);

    let first = results[0].response.as_ref().unwrap();
    assert_eq!(results[0].custom_id, "req-1");
    assert_eq!(first.text, "The sky is blue because of Rayleigh scattering.");
    assert_eq!((first.finish_reason, first.raw_finish_reason.as_deref()), (FinishReason::Stop, Some("STOP")));
    let usage = first.usage.as_ref().unwrap();
    assert_eq!((usage.input_tokens, usage.output_tokens, usage.total_tokens), (8, 9, Some(17)));
    assert_eq!(first.model.as_deref(), Some("gemini-2.5-flash"));
    assert_eq!(first.id.as_deref(), Some("kYzFaJ3qBpu0nvgP4Z6o0Qc"));

    let second = results[1].response.as_ref().unwrap();
    assert_eq!(
        second.content,
        vec![
            OutputPart::Reasoning {
                text: "The user wants the weather; call the tool.".into(),
                signature: Some("CiQB0e2Kb3Rz".into()),
                provider: Some("google".into()),
            },
            OutputPart::ToolCall {
                // Gemini sent no id: one is made from the response id, candidate and position.
                id: Some("gemini_lYzFaKXyC7K2nvgP1Mqd4Qk_0_0".into()),
                name: "get_weather".into(),
                arguments: json!({"city": "Paris"}),
                // The call's own thoughtSignature, to send back with it.
                signature: Some("CiQB0e2Kc2ln".into()),
                provider: Some("google".into()),
            },
        ]
    );
    assert_eq!(second.text, "");
    assert_eq!((second.finish_reason, second.raw_finish_reason.as_deref()), (FinishReason::ToolCalls, Some("STOP")));
    let usage = second.usage.as_ref().unwrap();
    assert_eq!((usage.cache_read_tokens, usage.reasoning_tokens, usage.output_tokens), (Some(32), Some(40), 55));
    let raw: Value = serde_json::from_str(second.raw.get()).unwrap();
    assert_eq!(raw["candidates"][0]["content"]["parts"][1]["thoughtSignature"], "CiQB0e2Kc2ln");

    assert_eq!((results[2].custom_id.as_str(), results[2].status), ("req-3", ResultStatus::Errored));
    let error = results[2].error.as_ref().unwrap();
    assert_eq!((error.code.as_str(), error.retryable), ("INVALID_ARGUMENT", false));
    assert_eq!(error.message, "Request contains an invalid argument.");
}

#[test]
fn the_responses_file_is_downloaded_and_streamed() {
    let sources = api().result_sources(&status_of(&fixture_json("batch_file_succeeded.json"))).unwrap();
    let [ResultSource::Fetch { request, .. }] = sources.as_slice() else { panic!("one fetch expected") };
    assert_eq!(request.url, format!("{BASE}/download/v1beta/files/batch-out-1:download?alt=media"));
    assert!(request.streaming);
    assert!(request.headers.contains(&("x-goog-api-key".into(), "gm-test-key".into())));
}

#[test]
fn file_lines_become_normalized_results() {
    let results = decode_file(&fixture("responses.jsonl"), 7);
    let ids: Vec<&str> = results.iter().map(|result| result.custom_id.as_str()).collect();
    assert_eq!(ids, ["request-1", "request-2", "request-3", "request-4", "request-5", "request-6"]);
    let finish = |index: usize| {
        let response = results[index].response.as_ref().unwrap();
        (response.finish_reason, response.raw_finish_reason.clone().unwrap())
    };
    assert_eq!(results[0].response.as_ref().unwrap().text, "Photosynthesis turns light into chemical energy.");
    assert_eq!(finish(0), (FinishReason::Stop, "STOP".into()));
    assert_eq!(finish(1), (FinishReason::Length, "MAX_TOKENS".into()));
    assert_eq!(finish(2), (FinishReason::ContentFilter, "SAFETY".into()));
    // A prompt blocked before generation has no candidate, only a block reason.
    assert_eq!(finish(3), (FinishReason::ContentFilter, "PROHIBITED_CONTENT".into()));
    assert_eq!(results[3].response.as_ref().unwrap().usage.as_ref().unwrap().input_tokens, 12);
    let quota = results[4].error.as_ref().unwrap();
    assert_eq!(
        (results[4].status, quota.code.as_str(), quota.retryable),
        (ResultStatus::Errored, "RESOURCE_EXHAUSTED", true)
    );
    assert_eq!(finish(5), (FinishReason::Other, "OTHER".into()));
    assert_eq!(results[5].response.as_ref().unwrap().usage, None);
}

/// Gemini has no refusal field: its safety and policy stops, and a blocked prompt, are its refusals
/// and give a `refusal` part (reference unified-features §1.3, §8.4), with `finishMessage` as its
/// words and the reason as its category; a recitation stop is filtered, not refused.
#[test]
fn safety_stops_and_blocked_prompts_give_refusal_parts() {
    let line = |response: Value| format!("{}\n", json!({"key": "k", "response": response}));
    let stopped = |reason: &str, message: Option<&str>| {
        let mut candidate =
            json!({"content": {"role": "model", "parts": [{"text": "Partial"}]}, "finishReason": reason, "index": 0});
        if let Some(message) = message {
            candidate["finishMessage"] = json!(message);
        }
        decode_file(&line(json!({"candidates": [candidate]})), 5).remove(0).response.unwrap()
    };
    for reason in ["SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII"] {
        let response = stopped(reason, Some("Blocked for safety."));
        assert_eq!(
            response.content,
            vec![
                OutputPart::Text { text: "Partial".into() },
                OutputPart::Refusal { text: "Blocked for safety.".into(), category: Some(reason.into()) }
            ],
            "{reason}"
        );
        assert_eq!((response.text.as_str(), response.finish_reason), ("Partial", FinishReason::ContentFilter));
    }
    assert_eq!(
        stopped("SAFETY", None).content[1],
        OutputPart::Refusal { text: String::new(), category: Some("SAFETY".into()) }
    );
    assert_eq!(stopped("RECITATION", None).content, vec![OutputPart::Text { text: "Partial".into() }]);
    assert_eq!(stopped("STOP", None).content, vec![OutputPart::Text { text: "Partial".into() }]);
    let blocked = decode_file(&line(json!({"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}})), 5).remove(0);
    let response = blocked.response.unwrap();
    assert_eq!(
        response.content,
        vec![OutputPart::Refusal { text: String::new(), category: Some("PROHIBITED_CONTENT".into()) }]
    );
    assert_eq!(
        (response.finish_reason, response.raw_finish_reason.as_deref()),
        (FinishReason::ContentFilter, Some("PROHIBITED_CONTENT"))
    );
}

#[test]
fn finish_reasons_are_mapped() {
    for reason in ["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"] {
        assert_eq!(map_finish_reason(Some(reason), false), FinishReason::ContentFilter, "{reason}");
    }
    assert_eq!(map_finish_reason(Some("STOP"), false), FinishReason::Stop);
    assert_eq!(map_finish_reason(Some("STOP"), true), FinishReason::ToolCalls);
    assert_eq!(map_finish_reason(Some("MAX_TOKENS"), true), FinishReason::Length);
    for reason in ["LANGUAGE", "OTHER", "MALFORMED_FUNCTION_CALL", "FINISH_REASON_UNSPECIFIED", "NEW_REASON"] {
        assert_eq!(map_finish_reason(Some(reason), false), FinishReason::Other, "{reason}");
    }
}

#[test]
fn unreadable_lines_are_errored_and_keyless_lines_are_kept_unattributed() {
    let text = format!(
        "{{\"key\": \"broken\", \"response\": {{\n{{\"response\": {{\"candidates\": [{{\"content\": {{\"parts\": [{{\"text\": \"orphan\"}}]}}, \"finishReason\": \"STOP\"}}]}}}}\n{{\"key\": \"cut\", \"error\": {{\"code\": 1, \"message\": \"cancelled\"}}}}\n{{\"key\": \"empty\"}}\n{}",
        fixture("responses.jsonl")
    );
    let results = decode_file(&text, 5);
    assert_eq!(results.len(), 10);
    let malformed = results[0].error.as_ref().unwrap();
    assert_eq!((malformed.code.as_str(), results[0].status), ("malformed_result_line", ResultStatus::Errored));
    assert!(malformed.message.contains("line 1"), "{}", malformed.message);
    // The cut line's key is read from what is left of it.
    assert_eq!(results[0].custom_id, "broken");
    // A line without its key is an answer all the same: returned, unattributed, never dropped.
    assert_eq!((results[1].custom_id.as_str(), results[1].status), ("", ResultStatus::Succeeded));
    assert_eq!(results[1].response.as_ref().unwrap().text, "orphan");
    assert_eq!(results[1].attribution, Some(Attribution { by: AttributedBy::None, position: 1 }));
    assert_eq!((results[2].custom_id.as_str(), results[2].status), ("cut", ResultStatus::Cancelled));
    assert_eq!(results[2].attribution, None);
    let missing = results[3].error.as_ref().unwrap();
    assert_eq!((missing.code.as_str(), missing.retryable), ("missing_response", true));
    assert!(missing.message.contains("fields key"), "{}", missing.message);
    assert_eq!(results[4].status, ResultStatus::Succeeded);
}

/// The inline fixture with the keys taken away.
fn keyless_operation(request_count: &str) -> Value {
    let mut operation = fixture_json("batch_inline_succeeded.json");
    for response in operation["response"]["inlinedResponses"]["inlinedResponses"].as_array_mut().unwrap() {
        response.as_object_mut().unwrap().remove("metadata");
    }
    operation["metadata"]["batchStats"]["requestCount"] = json!(request_count);
    operation
}

#[test]
fn keyless_inline_responses_match_by_position_only_when_counts_agree_and_say_so() {
    let ids: Vec<String> = ["a", "b", "c"].iter().map(|id| id.to_string()).collect();
    let status = status_of(&keyless_operation("3"));
    let summary = |results: &[UnifiedResult]| -> Vec<(String, ResultStatus, Option<Attribution>)> {
        results.iter().map(|result| (result.custom_id.clone(), result.status, result.attribution)).collect()
    };
    let by = |by, position| Some(Attribution { by, position });

    // No submitted order (storage: false): every answer is still returned, unattributed.
    let results = inline_results(api().result_sources(&status).unwrap());
    assert_eq!(
        summary(&results),
        [
            (String::new(), ResultStatus::Succeeded, by(AttributedBy::None, 0)),
            (String::new(), ResultStatus::Succeeded, by(AttributedBy::None, 1)),
            (String::new(), ResultStatus::Errored, by(AttributedBy::None, 2)),
        ]
    );

    // The submitted order, counts agreeing: matched by position, and the results say so.
    let results = inline_results(api().result_sources_in_order(&status, &ids).unwrap());
    assert_eq!(
        summary(&results),
        [
            ("a".to_owned(), ResultStatus::Succeeded, by(AttributedBy::Position, 0)),
            ("b".to_owned(), ResultStatus::Succeeded, by(AttributedBy::Position, 1)),
            ("c".to_owned(), ResultStatus::Errored, by(AttributedBy::Position, 2)),
        ]
    );

    // Counts that disagree: position proves nothing, the answers come back unattributed.
    for (status, ids) in
        [(status_of(&keyless_operation("3")), &ids[..2]), (status_of(&keyless_operation("4")), &ids[..])]
    {
        let results = inline_results(api().result_sources_in_order(&status, ids).unwrap());
        assert_eq!(results.len(), 3);
        assert!(results.iter().all(|result| result.custom_id.is_empty()
            && result.attribution.is_some_and(|attribution| attribution.by == AttributedBy::None)));
    }
}

#[test]
fn an_echoed_key_out_of_place_makes_positions_untrusted() {
    let mut operation = keyless_operation("3");
    // The third answer carries the first request's key: the answers are not in request order.
    operation["response"]["inlinedResponses"]["inlinedResponses"][2]["metadata"] = json!({"key": "a"});
    let ids: Vec<String> = ["a", "b", "c"].iter().map(|id| id.to_string()).collect();
    let results = inline_results(api().result_sources_in_order(&status_of(&operation), &ids).unwrap());
    let ids: Vec<&str> = results.iter().map(|result| result.custom_id.as_str()).collect();
    assert_eq!(ids, ["", "", "a"]);
    assert_eq!(results[0].attribution.map(|attribution| attribution.by), Some(AttributedBy::None));
    assert_eq!(results[2].attribution, None);
}

#[test]
fn the_operation_s_own_input_config_gives_the_order_when_the_caller_has_none() {
    let mut operation = keyless_operation("3");
    operation["metadata"]["inputConfig"] = json!({"requests": {"requests": [
        {"request": {}, "metadata": {"key": "a"}},
        {"request": {}, "metadata": {"key": "b"}},
        {"request": {}, "metadata": {"key": "c"}}
    ]}});
    let results = inline_results(api().result_sources(&status_of(&operation)).unwrap());
    let ids: Vec<&str> = results.iter().map(|result| result.custom_id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    assert!(results
        .iter()
        .all(|result| result.attribution.is_some_and(|attribution| attribution.by == AttributedBy::Position)));
}

#[test]
fn keyed_inline_responses_ignore_positions() {
    let ids: Vec<String> = ["x", "y", "z"].iter().map(|id| id.to_string()).collect();
    let status = status_of(&fixture_json("batch_inline_succeeded.json"));
    let results = inline_results(api().result_sources_in_order(&status, &ids).unwrap());
    assert_eq!(results[0].custom_id, "req-1");
}

#[test]
fn results_need_a_finished_batch() {
    let running = status_of(&fixture_json("batch_running.json"));
    assert!(matches!(api().result_sources(&running), Err(CoreError::BatchNotComplete { .. })));
    let cancelled = status_of(&fixture_json("batch_cancelled.json"));
    assert!(api().result_sources(&cancelled).unwrap().is_empty());
    let empty_success =
        status_of(&json!({"name": "batches/e", "done": true, "metadata": {"state": "BATCH_STATE_SUCCEEDED"}}));
    assert!(matches!(
        api().result_sources(&empty_success),
        Err(CoreError::InvalidResponse { output_missing: true, .. })
    ));
}

#[test]
fn keyless_inline_answers_of_a_fanned_out_request_match_by_the_operations_own_keys() {
    let mut operation = keyless_operation("3");
    let requests: Vec<Value> = ["a#0/2", "a#1/2", "b"]
        .iter()
        .map(|key| json!({"request": {"content": {"parts": [{"text": "x"}]}}, "metadata": {"key": key}}))
        .collect();
    operation["metadata"]["inputConfig"] = json!({"requests": {"requests": requests}});
    let answers: Vec<Value> =
        (1..=3).map(|value| json!({"response": {"embedding": {"values": [f64::from(value)]}}})).collect();
    operation["response"]["inlinedResponses"]["inlinedResponses"] = Value::Array(answers);
    // An embeddings batch says so (its answers are not generateContent answers).
    operation["metadata"]["@type"] = json!("type.googleapis.com/google.ai.generativelanguage.v1beta.EmbedContentBatch");
    operation["response"]["@type"] =
        json!("type.googleapis.com/google.ai.generativelanguage.v1beta.AsyncBatchEmbedContentResponse");
    let status = status_of(&operation);
    // The caller knows its two custom ids; the three answers are matched through the operation's keys.
    let ids = vec!["a".to_owned(), "b".to_owned()];
    let results = inline_results(api().result_sources_in_order(&status, &ids).unwrap());
    type Found<'a> = (&'a str, Option<Vec<Vec<f64>>>, Option<AttributedBy>);
    let found: Vec<Found> = results
        .iter()
        .map(|result| {
            let vectors = result.response.as_ref().and_then(|response| response.embeddings.clone());
            (result.custom_id.as_str(), vectors, result.attribution.map(|attribution| attribution.by))
        })
        .collect();
    assert_eq!(
        found,
        [
            ("a", Some(vec![vec![1.0], vec![2.0]]), Some(AttributedBy::Position)),
            ("b", Some(vec![vec![3.0]]), Some(AttributedBy::Position)),
        ]
    );
}

/// Gemini's function calls come without ids; the ids made up for them let the answer's content go
/// back as the next turn, answered by `tool_result` parts, to Gemini and to any other provider.
#[test]
fn function_calls_without_ids_can_be_answered_in_the_next_turn() {
    use crate::providers::google::generate_content_response;
    use crate::test_support::{bodies, request_for};
    use crate::Provider;

    let turn = |response_id: &str| {
        let body = json!({
            "candidates": [{"content": {"role": "model", "parts": [
                {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}, "thoughtSignature": "c2ln"},
                {"functionCall": {"name": "get_time", "args": {}}}
            ]}, "finishReason": "STOP", "index": 0}],
            "responseId": response_id
        });
        let raw = serde_json::value::RawValue::from_string(body.to_string()).unwrap();
        generate_content_response(&raw).ok().unwrap()
    };
    let first = turn("resp/1+a");
    let ids: Vec<String> = first
        .content
        .iter()
        .filter_map(|part| match part {
            OutputPart::ToolCall { id, .. } => id.clone(),
            _ => None,
        })
        .collect();
    assert_eq!(ids, ["gemini_resp_1_a_0_0", "gemini_resp_1_a_0_1"]);
    // Read again, the same ids; another response, other ids (two turns of one transcript).
    assert_eq!(turn("resp/1+a").content, first.content);
    let second = turn("resp-2");
    let results = |ids: &[String]| json!({"role": "tool", "content": ids.iter().map(|id| json!({"type": "tool_result", "toolCallId": id, "content": "ok"})).collect::<Vec<_>>()});
    let second_ids = vec!["gemini_resp-2_0_0".to_owned(), "gemini_resp-2_0_1".to_owned()];
    let transcript = json!({
        "customId": "t", "model": "MODEL",
        "tools": [{"name": "get_weather", "parameters": {"type": "object"}}, {"name": "get_time", "parameters": {"type": "object"}}],
        "messages": [
            {"role": "user", "content": "Weather and time?"},
            {"role": "assistant", "content": first.content},
            results(&ids),
            {"role": "assistant", "content": second.content},
            results(&second_ids),
        ]
    })
    .to_string();
    for provider in [Provider::Google, Provider::Anthropic, Provider::OpenAI, Provider::Mistral, Provider::Vllm] {
        let request = request_for(provider, &transcript);
        let (sent, _) = bodies(provider, &[request], false).unwrap_or_else(|error| panic!("{provider:?}: {error:?}"));
        assert!(sent[0].to_string().contains("get_time"), "{provider:?}");
    }
    let (sent, _) = bodies(Provider::Google, &[request_for(Provider::Google, &transcript)], false).unwrap();
    let model_turn = &sent[0]["contents"][1]["parts"];
    assert_eq!(model_turn[0]["functionCall"]["id"], "gemini_resp_1_a_0_0");
    assert_eq!(model_turn[0]["thoughtSignature"], "c2ln", "the signature goes back with the call");
    assert_eq!(sent[0]["contents"][2]["parts"][1]["functionResponse"]["id"], "gemini_resp_1_a_0_1");
}

#[test]
fn token_counts_that_add_up_past_u64_saturate() {
    // Input is prompt + tool-use prompt, output candidates + thoughts: a file's counts may sum past
    // u64 (the first line takes the one-pass reader, the second, with an unknown key, the general one).
    let usage = r#"{"promptTokenCount":18446744073709551615,"toolUsePromptTokenCount":2,"candidatesTokenCount":"18446744073709551615","thoughtsTokenCount":9}"#;
    let response = format!(
        r#"{{"candidates":[{{"content":{{"parts":[{{"text":"hi"}}],"role":"model"}},"finishReason":"STOP","index":0}}],"usageMetadata":{usage}}}"#
    );
    let jsonl = format!(
        "{{\"key\":\"a\",\"response\":{response}}}\n{{\"key\":\"b\",\"x_unknown\":1,\"response\":{response}}}\n"
    );
    let results = decode(jsonl.as_bytes(), Box::new(GoogleLineDecoder::new("google")), 64);
    assert_eq!(results.len(), 2);
    for result in results {
        let usage = result.response.unwrap().usage.unwrap();
        assert_eq!((usage.input_tokens, usage.output_tokens), (u64::MAX, u64::MAX), "{}", result.custom_id);
        assert_eq!(usage.reasoning_tokens, Some(9));
        assert_eq!(usage.total_tokens, Some(u64::MAX));
    }
}

#[test]
fn results_handed_over_as_they_are_read_are_the_decoded_results() {
    let common = |key: &str, text: &str| {
        json!({"key": key, "response": {"candidates": [{"content": {"parts": [{"text": text}], "role": "model"}, "finishReason": "STOP", "index": 0}], "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 4}, "modelVersion": "m", "responseId": "r"}}).to_string()
    };
    let mut lines = vec![
        common("q-1", "plain"),
        common("q-2", "{\"a\": [1, 2]}"),
        common("q-3", "  [not json"),
        common("q-\"4\"\\é", "é😀\u{2028}\n\t"),
        common("t-9#0/2", "first half"),
        json!({"key": "q-5", "error": {"code": 429, "message": "slow down", "status": "RESOURCE_EXHAUSTED"}}).to_string(),
        common("t-9#1/2", "second half"),
        json!({"key": "e-1#1/2", "response": {"embedding": {"values": [0.5]}}}).to_string(),
        json!({"key": "e-1#0/2", "response": {"embedding": {"values": [0.25]}}}).to_string(),
        json!({"key": "q-6", "response": {"candidates": [{"content": {"parts": [{"text": "hm", "thought": true, "thoughtSignature": "c2ln"}, {"text": "a"}, {"text": "b"}]}, "finishReason": "MAX_TOKENS"}], "modelVersion": "m"}}).to_string(),
        json!({"key": "q-7", "response": {"promptFeedback": {"blockReason": "SAFETY"}}}).to_string(),
        common("e-2#0/3", "never completed"),
        "{\"key\":\"q-8\",\"response\":{\"candidates\":[".to_owned(),
        common("q-9", "after a broken line"),
    ];
    let mut jsonl = lines.join("\n").into_bytes();
    jsonl.extend_from_slice(b"\n\xff\xfe\n");
    lines.clear();
    jsonl.extend_from_slice(common("q-10", "a last line without its newline").as_bytes());
    let id_map = [("q-1", "caller-1"), ("q-2", "caller-2"), ("t-9", "caller-9")];
    // Only plain common lines go over as views: q-1, q-4, q-6 and q-9 (q-10 ends the file without
    // a newline: the last line is read when the file ends); q-2 and q-3 too when no JSON is read.
    crate::test_support::check_handed_over(
        &jsonl,
        &id_map,
        &["q-2", "caller-2", "q-3"],
        &|| Box::new(GoogleLineDecoder::new("google")),
        6,
        4,
    );
}
