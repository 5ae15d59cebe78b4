//! An answer of another endpoint's kind than its batch's (a chat completion in an embeddings
//! batch, an embedding in a chat or Responses batch, a Responses object in a chat batch, a Gemini
//! `GenerateContentResponse` in an `asyncBatchEmbedContent` batch) is an errored result naming the
//! request and both kinds, never a silently wrong answer; on every decoder that can see both.

use serde_json::{json, Value};

use crate::model::{ResultStatus, UnifiedResult};
use crate::providers::google::{batch_endpoint, GoogleLineDecoder};
use crate::providers::mistral::MistralLineDecoder;
use crate::providers::openai::OpenAiLineDecoder;
use crate::results::{LineDecoder, ResultDecoder, ResultSink};
use crate::Endpoint;

use super::success_line;

fn chat_body() -> Value {
    json!({"object": "chat.completion", "id": "c", "model": "m", "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})
}

fn responses_body() -> Value {
    json!({"object": "response", "id": "r", "status": "completed", "model": "m", "output": [{"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "hi"}]}], "usage": {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2}})
}

fn embeddings_body() -> Value {
    json!({"object": "list", "model": "m", "data": [{"object": "embedding", "index": 0, "embedding": [0.5, 0.25]}], "usage": {"prompt_tokens": 1, "total_tokens": 1}})
}

/// Decodes one line through both ways a decoder is driven (results built, and handed to a sink).
fn decode_both_ways(make: &dyn Fn() -> Box<dyn LineDecoder>, line: &str) -> UnifiedResult {
    let mut decoder = ResultDecoder::new(make(), None);
    let mut out = Vec::new();
    decoder.push(line.as_bytes(), &mut out);
    decoder.finish(&mut out);
    assert_eq!(out.len(), 1, "{line}");

    /// The status and error code of each result handed over (a view is a success).
    struct Collect(Vec<(ResultStatus, Option<String>)>);
    impl ResultSink for Collect {
        fn view(&mut self, _view: &crate::model::ResultView<'_>) {
            self.0.push((ResultStatus::Succeeded, None));
        }
        fn result(&mut self, result: &UnifiedResult) {
            self.0.push((result.status, result.error.as_ref().map(|error| error.code.clone())));
        }
    }
    let mut sink = Collect(Vec::new());
    let mut decoder = ResultDecoder::new(make(), None);
    let mut scratch = Vec::new();
    decoder.push_to(line.as_bytes(), &mut scratch, &mut sink);
    decoder.finish_to(&mut scratch, &mut sink);
    assert_eq!(sink.0.len(), 1, "{line}");
    assert_eq!(sink.0[0], (out[0].status, out[0].error.as_ref().map(|error| error.code.clone())), "{line}");
    out.remove(0)
}

fn assert_wrong_kind(result: &UnifiedResult, custom_id: &str, code: &str, words: &[&str], label: &str) {
    assert_eq!(result.custom_id, custom_id, "{label}");
    assert_eq!(result.status, ResultStatus::Errored, "{label}: {result:?}");
    assert!(result.response.is_none(), "{label}");
    let error = result.error.as_ref().unwrap();
    assert_eq!((error.code.as_str(), error.retryable), (code, false), "{label}: {}", error.message);
    assert!(error.message.contains(&format!("request \"{custom_id}\"")), "{label}: {}", error.message);
    for word in words {
        assert!(error.message.contains(word), "{label}: {word} not in {}", error.message);
    }
    assert!(error.raw.is_some(), "{label}: the line is kept");
}

#[test]
fn openai_protocol_bodies_are_read_only_as_the_batchs_endpoint() {
    let bodies = [
        (Endpoint::Chat, chat_body(), "completion_body", "/v1/chat/completions"),
        (Endpoint::Responses, responses_body(), "responses_body", "/v1/responses"),
        (Endpoint::Embeddings, embeddings_body(), "embeddings_body", "/v1/embeddings"),
    ];
    for provider in ["openai", "vllm", "groq", "together", "azure", "mistral"] {
        let line_provider = if provider == "mistral" { "mistral" } else { "openai" };
        for batch in Endpoint::ALL {
            // Mistral has no Responses endpoint.
            if provider == "mistral" && batch == Endpoint::Responses {
                continue;
            }
            let make = move || -> Box<dyn LineDecoder> {
                if provider == "mistral" {
                    Box::new(MistralLineDecoder::for_endpoint(Some(batch)))
                } else {
                    Box::new(OpenAiLineDecoder::new(provider).for_endpoint(Some(batch)))
                }
            };
            for (kind, body, code, found_url) in &bodies {
                let label = format!("{provider} {batch:?} batch, {kind:?} body");
                let result = decode_both_ways(&make, &success_line(line_provider, "req-7", body));
                if *kind == batch {
                    assert_eq!(result.status, ResultStatus::Succeeded, "{label}: {result:?}");
                } else {
                    let expected = format!("({} expected)", batch.openai_url());
                    assert_wrong_kind(&result, "req-7", code, &[found_url, &expected], &label);
                }
            }
        }
    }
}

#[test]
fn an_openai_batch_of_an_endpoint_not_known_reads_both_answer_kinds_and_names_vectors() {
    let make = || -> Box<dyn LineDecoder> { Box::new(OpenAiLineDecoder::new("openai")) };
    for body in [chat_body(), responses_body()] {
        let result = decode_both_ways(&make, &success_line("openai", "a", &body));
        assert_eq!(result.status, ResultStatus::Succeeded, "{body}");
    }
    let result = decode_both_ways(&make, &success_line("openai", "a", &embeddings_body()));
    assert_wrong_kind(&result, "a", "embeddings_body", &["/v1/embeddings"], "unknown endpoint");
}

fn gemini_answer() -> Value {
    json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "hi"}]}, "finishReason": "STOP", "index": 0}], "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1, "totalTokenCount": 2}})
}

fn gemini_embedding() -> Value {
    json!({"embedding": {"values": [0.5, 0.25]}})
}

#[test]
fn gemini_answers_are_read_only_as_the_batchs_kind() {
    let make_for = |endpoint: Option<Endpoint>| {
        move || -> Box<dyn LineDecoder> { Box::new(GoogleLineDecoder::new("Gemini").for_endpoint(endpoint)) }
    };
    let answer = success_line("google", "g-1", &gemini_answer());
    let embedding = success_line("google", "g-1", &gemini_embedding());

    let chat = make_for(Some(Endpoint::Chat));
    assert_eq!(decode_both_ways(&chat, &answer).status, ResultStatus::Succeeded);
    let result = decode_both_ways(&chat, &embedding);
    assert_wrong_kind(
        &result,
        "g-1",
        "embeddings_body",
        &["EmbedContentResponse", "generateContent batch"],
        "chat batch",
    );

    let embeddings = make_for(Some(Endpoint::Embeddings));
    assert_eq!(decode_both_ways(&embeddings, &embedding).status, ResultStatus::Succeeded);
    let result = decode_both_ways(&embeddings, &answer);
    assert_wrong_kind(
        &result,
        "g-1",
        "completion_body",
        &["GenerateContentResponse", "embeddings batch"],
        "embeddings batch",
    );
    // A body of neither kind is no embedding either.
    let other = decode_both_ways(&embeddings, &success_line("google", "g-2", &json!({"something": 1})));
    assert_eq!(
        (other.status, other.error.as_ref().map(|error| error.code.as_str())),
        (ResultStatus::Errored, Some("unknown_body"))
    );

    // Not known: each kind is read as what it is.
    let unknown = make_for(None);
    assert_eq!(decode_both_ways(&unknown, &answer).status, ResultStatus::Succeeded);
    assert_eq!(decode_both_ways(&unknown, &embedding).status, ResultStatus::Succeeded);
}

#[test]
fn a_gemini_embeddings_request_of_several_texts_with_a_wrong_kind_part_is_errored() {
    // Sent as one line per text (`{id}#{i}/{N}`); one part answered as generateContent.
    let lines = [
        success_line("google", "multi#0/2", &gemini_embedding()),
        success_line("google", "multi#1/2", &gemini_answer()),
    ]
    .join("\n");
    let mut decoder =
        ResultDecoder::new(Box::new(GoogleLineDecoder::new("Gemini").for_endpoint(Some(Endpoint::Embeddings))), None);
    let mut out = Vec::new();
    decoder.push(lines.as_bytes(), &mut out);
    decoder.finish(&mut out);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!((out[0].custom_id.as_str(), out[0].status), ("multi", ResultStatus::Errored));
    assert!(out[0].response.is_none());
}

#[test]
fn a_gemini_operation_says_its_kind() {
    let operation = |metadata: &str, response: &str| json!({"name": "batches/b", "metadata": {"@type": metadata}, "response": {"@type": response}});
    let prefix = "type.googleapis.com/google.ai.generativelanguage.v1beta.";
    let cases = [
        (format!("{prefix}EmbedContentBatch"), String::new(), Some(Endpoint::Embeddings)),
        (format!("{prefix}GenerateContentBatch"), String::new(), Some(Endpoint::Chat)),
        (String::new(), format!("{prefix}GenerateContentBatchOutput"), Some(Endpoint::Chat)),
        (String::new(), format!("{prefix}AsyncBatchEmbedContentResponse"), Some(Endpoint::Embeddings)),
        (String::new(), String::new(), None),
    ];
    for (metadata, response, expected) in cases {
        assert_eq!(batch_endpoint(&operation(&metadata, &response)), expected, "{metadata} {response}");
    }
    assert_eq!(batch_endpoint(&json!({"name": "batches/b"})), None);
}

/// A finished operation whose `@type`s are gone (the spec's shape: nothing says its kind), with
/// the inline answers given, keyed or not.
fn untyped_inline_operation(answers: &[(Option<&str>, Value)]) -> Value {
    let responses: Vec<Value> = answers
        .iter()
        .map(|(key, body)| match key {
            Some(key) => json!({"metadata": {"key": key}, "response": body}),
            None => json!({"response": body}),
        })
        .collect();
    json!({"name": "batches/untyped", "done": true,
        "metadata": {"state": "BATCH_STATE_SUCCEEDED", "batchStats": {"requestCount": answers.len().to_string()}},
        "response": {"inlinedResponses": {"inlinedResponses": responses}}})
}

fn google_api() -> crate::providers::google::GoogleApi {
    crate::providers::google::GoogleApi::new(crate::providers::ClientConfig {
        api_key: "k".into(),
        ..Default::default()
    })
}

/// The results of every source, read as the wasm stream reads them (the endpoint told first).
fn read_sources(mut sources: Vec<crate::providers::ResultSource>, endpoint: Option<Endpoint>) -> Vec<UnifiedResult> {
    use crate::providers::ResultSource;
    let mut out = Vec::new();
    for source in sources.iter_mut() {
        if let Some(endpoint) = endpoint {
            source.expect_endpoint(endpoint);
        }
    }
    for source in sources {
        let (jsonl, decoder) = match source {
            ResultSource::Inline { jsonl, decoder } => (jsonl, decoder),
            _ => panic!("an inline source expected"),
        };
        let mut decoder = ResultDecoder::new(decoder, None);
        decoder.push(&jsonl, &mut out);
        decoder.finish(&mut out);
    }
    out
}

#[test]
fn a_gemini_batch_whose_operation_does_not_say_its_kind_reads_the_kind_its_submission_recorded() {
    use crate::providers::BatchApi;
    // Inline answers (keyed, and keyless matched by position) of both kinds in an untyped operation.
    let ids = vec!["g-1".to_owned(), "g-2".to_owned()];
    for (keys, label) in [([Some("g-1"), Some("g-2")], "keyed"), ([None, None], "keyless, by position")] {
        let operation = untyped_inline_operation(&[(keys[0], gemini_embedding()), (keys[1], gemini_answer())]);
        assert_eq!(batch_endpoint(&operation), None, "{label}");
        let status = crate::providers::google::parse_operation("google", &operation).unwrap();
        for (endpoint, wrong, right, code) in
            [(Endpoint::Chat, 0, 1, "embeddings_body"), (Endpoint::Embeddings, 1, 0, "completion_body")]
        {
            let results = read_sources(google_api().result_sources_in_order(&status, &ids).unwrap(), Some(endpoint));
            let label = format!("{label}, {endpoint:?} batch");
            assert_eq!(results.len(), 2, "{label}");
            assert_wrong_kind(&results[wrong], &ids[wrong], code, &["expected)"], &label);
            assert!(!results[wrong].error.as_ref().unwrap().message.contains("first answer"), "{label}");
            assert_eq!(results[right].status, ResultStatus::Succeeded, "{label}");
            if keys[0].is_none() {
                assert!(
                    results.iter().all(|result| result.attribution.is_some()),
                    "{label}: matched by position, and saying so"
                );
            }
        }
    }
    // The operation's own word comes before the record's.
    let mut operation = untyped_inline_operation(&[(Some("g-1"), gemini_answer())]);
    operation["metadata"]["@type"] =
        json!("type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentBatch");
    let status = crate::providers::google::parse_operation("google", &operation).unwrap();
    let results = read_sources(google_api().result_sources(&status).unwrap(), Some(Endpoint::Embeddings));
    assert_eq!(results[0].status, ResultStatus::Succeeded);
}

#[test]
fn a_gemini_batch_of_a_kind_nobody_says_answers_one_kind_the_first_answers() {
    // Read line by line (the file's path, the one-pass reader included) and handed over as views.
    for (first, second, code) in [
        (gemini_answer(), gemini_embedding(), "embeddings_body"),
        (gemini_embedding(), gemini_answer(), "completion_body"),
    ] {
        let lines = [success_line("google", "a", &first), success_line("google", "b", &second)].join("\n");
        let mut decoder = ResultDecoder::new(Box::new(GoogleLineDecoder::new("Gemini")), None);
        let mut out = Vec::new();
        decoder.push(lines.as_bytes(), &mut out);
        decoder.finish(&mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].status, ResultStatus::Succeeded, "{first}");
        assert_wrong_kind(
            &out[1],
            "b",
            code,
            &["whose first answer was a", "its kind is not recorded"],
            &format!("{first} then {second}"),
        );

        /// Counts successes (views or results) and errors.
        #[derive(Default)]
        struct Count(usize, usize);
        impl ResultSink for Count {
            fn view(&mut self, _view: &crate::model::ResultView<'_>) {
                self.0 += 1;
            }
            fn result(&mut self, result: &UnifiedResult) {
                if result.status == ResultStatus::Succeeded {
                    self.0 += 1;
                } else {
                    self.1 += 1;
                }
            }
        }
        let mut sink = Count::default();
        let mut decoder = ResultDecoder::new(Box::new(GoogleLineDecoder::new("Gemini")), None);
        let mut scratch = Vec::new();
        decoder.push_to(lines.as_bytes(), &mut scratch, &mut sink);
        decoder.finish_to(&mut scratch, &mut sink);
        assert_eq!((sink.0, sink.1), (1, 1), "{first} then {second}");
    }
}

#[test]
fn an_untyped_inline_gemini_operation_says_its_kind_by_its_requests() {
    let with_request = |request: Value| json!({"name": "batches/b", "metadata": {"inputConfig": {"requests": {"requests": [{"request": request, "metadata": {"key": "k"}}]}}}});
    let generate = json!({"contents": [{"role": "user", "parts": [{"text": "hi"}]}]});
    let embed = json!({"content": {"parts": [{"text": "hi"}]}});
    assert_eq!(batch_endpoint(&with_request(generate)), Some(Endpoint::Chat));
    assert_eq!(batch_endpoint(&with_request(embed)), Some(Endpoint::Embeddings));
    assert_eq!(batch_endpoint(&with_request(json!({}))), None);
}

#[test]
fn in_a_batch_known_to_be_a_generate_batch_a_fanned_out_key_is_no_part_to_merge() {
    let lines = success_line("google", "q#0/2", &gemini_answer());
    let make =
        || -> Box<dyn LineDecoder> { Box::new(GoogleLineDecoder::new("Gemini").for_endpoint(Some(Endpoint::Chat))) };
    let result = decode_both_ways(&make, &lines);
    assert_eq!((result.custom_id.as_str(), result.status), ("q#0/2", ResultStatus::Succeeded));
}
