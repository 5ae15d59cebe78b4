//! A Gemini embeddings request of several texts: one line per text out, one result back.

use serde_json::{json, Value};

use super::{derived_key, parse_derived_key};
use crate::model::{ResultStatus, UnifiedRequest, UnifiedResult};
use crate::parse::parse_request_lines;
use crate::providers::google::GoogleLineDecoder;
use crate::providers::{prepare, PrepareOptions};
use crate::results::ResultDecoder;
use crate::test_support::validation;
use crate::{Endpoint, Provider};

fn requests(jsonl: &str) -> Vec<UnifiedRequest> {
    parse_request_lines(jsonl).unwrap()
}

fn embeddings() -> PrepareOptions {
    PrepareOptions { endpoint: Some(Endpoint::Embeddings), ..PrepareOptions::default() }
}

fn decode(lines: &[Value], chunk: usize) -> Vec<UnifiedResult> {
    let text: String = lines.iter().map(|line| format!("{line}\n")).collect();
    let mut decoder = ResultDecoder::new(Box::new(GoogleLineDecoder::new("Gemini")), None);
    let mut out = Vec::new();
    for piece in text.as_bytes().chunks(chunk) {
        decoder.push(piece, &mut out);
    }
    decoder.finish(&mut out);
    out
}

fn vector(key: &str, value: f64) -> Value {
    json!({"key": key, "response": {"embedding": {"values": [value, -value]}}})
}

#[test]
fn derived_keys_round_trip_and_only_canonical_ones_parse() {
    assert_eq!(parse_derived_key(&derived_key("doc#7", 2, 3)), Some(("doc#7", 2, 3)));
    for key in ["doc", "doc#1/1", "doc#3/3", "doc#01/3", "doc#1/03", "doc#/3", "doc#x/3", "doc/3", "#-1/3"] {
        assert_eq!(parse_derived_key(key), None, "{key}");
    }
}

#[test]
fn several_texts_go_out_as_one_line_each_and_come_back_as_one_result_in_input_order() {
    let batch = requests(
        r#"{"customId":"doc-1","model":"gemini-embedding-001","input":["alpha","beta","gamma"],"taskType":"retrieval_document","dimensions":8}
{"customId":"doc-2","model":"gemini-embedding-001","input":"delta"}
"#,
    );
    let prepared = prepare(Provider::Google, &batch, &embeddings()).unwrap();
    assert_eq!(prepared.summary.request_count, 2);
    let lines: Vec<Value> =
        String::from_utf8(prepared.jsonl).unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    let keys: Vec<&str> = lines.iter().map(|line| line["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["doc-1#0/3", "doc-1#1/3", "doc-1#2/3", "doc-2"]);
    let texts: Vec<&str> =
        lines.iter().map(|line| line["request"]["content"]["parts"][0]["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["alpha", "beta", "gamma", "delta"]);
    for line in &lines[..3] {
        assert_eq!(line["request"]["taskType"], "RETRIEVAL_DOCUMENT");
        assert_eq!(line["request"]["outputDimensionality"], 8);
    }

    // Answers out of order, interleaved with another request's, read in small chunks.
    let answers = [vector("doc-1#2/3", 3.0), vector("doc-2", 9.0), vector("doc-1#0/3", 1.0), vector("doc-1#1/3", 2.0)];
    for chunk in [1, 7, 4096] {
        let results = decode(&answers, chunk);
        assert_eq!(results.len(), 2, "{results:?}");
        assert_eq!(results[0].custom_id, "doc-2");
        assert_eq!(results[1].custom_id, "doc-1");
        assert_eq!(results[1].status, ResultStatus::Succeeded);
        let vectors = results[1].response.as_ref().unwrap().embeddings.clone().unwrap();
        assert_eq!(vectors, vec![vec![1.0, -1.0], vec![2.0, -2.0], vec![3.0, -3.0]]);
    }
}

#[test]
fn a_partial_failure_fails_the_one_request_and_hands_out_no_vector() {
    let answers = [
        vector("a#0/3", 1.0),
        json!({"key": "a#1/3", "error": {"code": 400, "message": "text too long", "status": "INVALID_ARGUMENT"}}),
        vector("a#2/3", 3.0),
        vector("b", 5.0),
    ];
    let results = decode(&answers, 5);
    assert_eq!(results.len(), 2);
    let failed = results.iter().find(|result| result.custom_id == "a").unwrap();
    assert_eq!(failed.status, ResultStatus::Errored);
    assert!(failed.response.is_none());
    let error = failed.error.as_ref().unwrap();
    assert!(error.message.contains("input(s) 1 failed") && error.message.contains("text too long"), "{error:?}");
    assert!(!error.retryable, "a 400 part is not retryable: {error:?}");
    assert_eq!(results.iter().find(|result| result.custom_id == "b").unwrap().status, ResultStatus::Succeeded);
}

#[test]
fn missing_and_repeated_parts_are_named_and_never_merged() {
    let results = decode(&[vector("a#0/2", 1.0), vector("c#0/2", 1.0), vector("c#0/2", 1.5), vector("c#1/2", 2.0)], 64);
    assert_eq!(results.len(), 2, "{results:?}");
    let repeated = results.iter().find(|result| result.custom_id == "c").unwrap();
    assert_eq!(repeated.status, ResultStatus::Errored);
    assert!(repeated.error.as_ref().unwrap().message.contains("input(s) 0 were answered more than once"));
    // "a" never got its second answer: reported at the end of the file, retryable.
    let missing = results.iter().find(|result| result.custom_id == "a").unwrap();
    let error = missing.error.as_ref().unwrap();
    assert_eq!(error.code, "missing_results");
    assert!(error.message.contains("input(s) 1 have no answer") && error.retryable, "{error:?}");
}

#[test]
fn custom_ids_shaped_like_derived_keys_are_refused_on_gemini_only() {
    let batch = requests(r#"{"customId":"x#0/2","model":"gemini-embedding-001","input":"t"}"#);
    let (index, field, message) = validation(prepare(Provider::Google, &batch, &embeddings()).unwrap_err());
    assert_eq!((index, field.as_str()), (Some(0), "customId"));
    assert!(message.contains("reserved"), "{message}");
    let elsewhere = requests(r#"{"customId":"x#0/2","model":"text-embedding-3-small","input":"t"}"#);
    assert!(prepare(Provider::OpenAI, &elsewhere, &embeddings()).is_ok());
}

#[test]
fn a_part_that_is_not_one_vector_fails_the_request() {
    let answers =
        [vector("a#0/2", 1.0), json!({"key": "a#1/2", "response": {"embedding": {"values": []}, "extra": 1}})];
    // An empty `values` is no vector (a vector has at least one number): the request fails,
    // rather than succeed with a vector that holds nothing.
    let results = decode(&answers, 64);
    assert_eq!(results[0].status, ResultStatus::Errored);
    assert!(results[0].error.as_ref().unwrap().message.contains("input(s) 1 failed"), "{results:?}");
    // A generate-content answer in an embeddings batch holds no vector at all.
    let wrong = [vector("b#0/2", 1.0), json!({"key": "b#1/2", "response": {"candidates": []}})];
    let results = decode(&wrong, 64);
    assert_eq!(results.len(), 1);
    let error = results[0].error.as_ref().unwrap();
    assert_eq!(results[0].status, ResultStatus::Errored);
    assert!(error.message.contains("input(s) 1 failed"), "{error:?}");
}

#[test]
fn a_key_that_names_no_request_sent_comes_through_as_labelled() {
    // A new-user trial: `d#1/3` came back as `D#1/3`, and a request `D` of 3 texts, 2 "missing",
    // was made up. With the batch's requests known, only their own keys are merged.
    let batch = requests(
        r#"{"customId":"d","model":"gemini-embedding-001","input":["a","b","c"]}
{"customId":"e","model":"gemini-embedding-001","input":"x"}
"#,
    );
    let prepared = prepare(Provider::Google, &batch, &embeddings()).unwrap();
    let inputs = prepared.summary.embedding_inputs.expect("the batch's input counts");
    assert_eq!(serde_json::to_value(&inputs).unwrap(), json!({"d": 3, "e": 1}));
    let answers =
        [vector("d#0/3", 0.0), vector("D#1/3", 1.0), vector("d#2/3", 2.0), vector("e", 3.0), vector("d#1/4", 4.0)];
    let text: String = answers.iter().map(|line| format!("{line}\n")).collect();
    let mut decoder = ResultDecoder::new(Box::new(GoogleLineDecoder::new("Gemini")), None)
        .with_embedding_inputs(Some(std::rc::Rc::new(inputs)));
    let mut out = Vec::new();
    decoder.push(text.as_bytes(), &mut out);
    decoder.finish(&mut out);
    let ids: Vec<(&str, ResultStatus)> = out.iter().map(|result| (result.custom_id.as_str(), result.status)).collect();
    assert_eq!(
        ids,
        [
            ("D#1/3", ResultStatus::Succeeded),
            ("e", ResultStatus::Succeeded),
            ("d#1/4", ResultStatus::Succeeded),
            ("d", ResultStatus::Errored)
        ]
    );
    assert!(out[3].error.as_ref().unwrap().message.contains("input(s) 1 have no answer"), "{:?}", out[3]);
}
