//! Embedding batches: validation per provider, the lines each provider gets, the input count that
//! splits jobs, and the vectors read back in input order.

use std::rc::Rc;

use serde_json::{json, Value};

use crate::model::{ResultStatus, UnifiedRequest, UnifiedResult};
use crate::parse::parse_request_lines;
use crate::planning::{expand_ranges, plan_job, PlanOptions};
use crate::providers::google::GoogleLineDecoder;
use crate::providers::mistral::MistralLineDecoder;
use crate::providers::openai::OpenAiLineDecoder;
use crate::providers::{prepare, PrepareOptions};
use crate::results::{EmbeddingInputs, IdRestoringDecoder, LineDecoder};
use crate::test_support::validation;
use crate::validate::ValidationOptions;
use crate::{CoreError, Endpoint, Provider};

fn requests(jsonl: &str) -> Vec<UnifiedRequest> {
    parse_request_lines(jsonl).unwrap()
}

fn options(endpoint: Endpoint, drop_unsupported: bool) -> PrepareOptions {
    PrepareOptions {
        validation: ValidationOptions { drop_unsupported, ..Default::default() },
        endpoint: Some(endpoint),
        ..PrepareOptions::default()
    }
}

fn lines(provider: Provider, jsonl: &str) -> Result<Vec<Value>, CoreError> {
    let prepared = prepare(provider, requests(jsonl), &options(Endpoint::Embeddings, false))?;
    assert_eq!(prepared.summary.endpoint, Endpoint::Embeddings);
    let text = String::from_utf8(prepared.jsonl).unwrap();
    Ok(text.lines().map(|line| serde_json::from_str(line).unwrap()).collect())
}

const CORPUS: &str = r#"{"customId":"doc-1","model":"m","input":["alpha","beta"],"dimensions":256}
{"customId":"doc-2","model":"m","input":"gamma"}
"#;

#[test]
fn openai_and_vllm_lines_are_embeddings_requests() {
    for provider in [Provider::OpenAI, Provider::Vllm] {
        let lines = lines(provider, CORPUS).unwrap();
        assert_eq!(
            lines[0],
            json!({"custom_id": "doc-1", "method": "POST", "url": "/v1/embeddings",
                   "body": {"model": "m", "input": ["alpha", "beta"], "dimensions": 256}})
        );
        assert_eq!(lines[1]["body"], json!({"model": "m", "input": "gamma"}));
    }
}

#[test]
fn mistral_lines_name_output_dimension_and_nothing_openai_only() {
    let lines = lines(Provider::Mistral, CORPUS).unwrap();
    assert_eq!(
        lines[0],
        json!({"custom_id": "doc-1", "body": {"model": "m", "input": ["alpha", "beta"], "output_dimension": 256}})
    );
}

#[test]
fn gemini_takes_one_text_per_request_with_task_type_and_dimensionality() {
    let one = r#"{"customId":"doc-1","model":"gemini-embedding-001","input":"alpha","dimensions":768,"taskType":"retrieval_document"}"#;
    let lines = lines(Provider::Google, one).unwrap();
    assert_eq!(
        lines[0],
        json!({"key": "doc-1", "request": {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "alpha"}]},
               "taskType": "RETRIEVAL_DOCUMENT", "outputDimensionality": 768}})
    );
    // Several texts: one line per text (the fan-out is tested in providers/google/fan_out).
    let lines = self::lines(Provider::Google, CORPUS).unwrap();
    let keys: Vec<&str> = lines.iter().map(|line| line["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["doc-1#0/2", "doc-1#1/2", "doc-2"]);
}

/// Gemini's own names (`RETRIEVAL_QUERY`, copied from its docs) are read as the unified ones and
/// give the same line; anything else is refused with the request, the field and both spellings
/// (a new-user trial was refused `RETRIEVAL_QUERY` while `providerKwargs.taskType` took it).
#[test]
fn gemini_task_type_names_are_read_as_the_unified_ones() {
    use crate::model::EmbeddingTaskType;
    let request = |task_type: &str| {
        format!(r#"{{"customId":"q","model":"gemini-embedding-001","input":"alpha","taskType":"{task_type}"}}"#)
    };
    let line = |task_type: &str| self::lines(Provider::Google, &request(task_type));
    let all = [
        EmbeddingTaskType::RetrievalQuery,
        EmbeddingTaskType::RetrievalDocument,
        EmbeddingTaskType::SemanticSimilarity,
        EmbeddingTaskType::Classification,
        EmbeddingTaskType::Clustering,
        EmbeddingTaskType::QuestionAnswering,
        EmbeddingTaskType::FactVerification,
        EmbeddingTaskType::CodeRetrievalQuery,
    ];
    for task_type in all {
        let unified = line(task_type.as_str()).unwrap();
        assert_eq!(unified[0]["request"]["taskType"], task_type.gemini_name());
        assert_eq!(line(task_type.gemini_name()).unwrap(), unified, "{}", task_type.gemini_name());
    }
    for refused in ["Retrieval_Query", "retrieval-query", "TASK_TYPE_UNSPECIFIED", "SEARCH"] {
        let (index, field, message) = validation(parse_request_lines(&request(refused)).unwrap_err());
        assert_eq!((index, field.as_str()), (Some(0), "taskType"), "{refused}");
        assert!(
            message.contains(&format!("unknown value `{refused}`"))
                && message.contains("`retrieval_query`")
                && message.contains("`CODE_RETRIEVAL_QUERY`"),
            "{message}"
        );
    }
    // Other providers take no task type in either spelling.
    let openai = r#"{"customId":"a","model":"m","input":"x","taskType":"CLUSTERING"}"#;
    let (_, field, message) = validation(self::lines(Provider::OpenAI, openai).unwrap_err());
    assert!(field == "taskType" && message.contains("only Gemini's"), "{message}");
}

#[test]
fn bad_embedding_requests_are_named_before_anything_is_sent() {
    let cases = [
        (r#"{"customId":"a","model":"m"}"#, "input"),
        (r#"{"customId":"a","model":"m","input":[]}"#, "input"),
        (r#"{"customId":"a","model":"m","input":["x",""]}"#, "input[1]"),
        (r#"{"customId":"a","model":"m","input":"x","dimensions":0}"#, "dimensions"),
        (r#"{"customId":"a","model":"m","input":"x","messages":[{"role":"user","content":"hi"}]}"#, "messages"),
        (r#"{"customId":"a","model":"m","input":"x","generationConfig":{"maxTokens":5}}"#, "generationConfig"),
        (r#"{"customId":"a","model":"m","input":"x","taskType":"clustering"}"#, "taskType"),
    ];
    for (json, expected) in cases {
        let (index, field, _) = validation(self::lines(Provider::OpenAI, json).unwrap_err());
        assert_eq!((index, field.as_str()), (Some(0), expected), "{json}");
    }
    let texts: Vec<String> = (0..2049).map(|index| format!("t{index}")).collect();
    let many = json!({"customId": "a", "model": "m", "input": texts}).to_string();
    let (_, field, message) = validation(self::lines(Provider::OpenAI, &many).unwrap_err());
    assert!(field == "input" && message.contains("2048"), "{message}");
}

#[test]
fn a_task_type_is_left_out_with_a_warning_under_drop_unsupported() {
    let request = requests(r#"{"customId":"a","model":"m","input":"x","taskType":"clustering"}"#);
    let prepared = prepare(Provider::Mistral, &request, &options(Endpoint::Embeddings, true)).unwrap();
    assert_eq!(prepared.summary.warnings[0].field, "taskType");
    assert!(!String::from_utf8(prepared.jsonl).unwrap().contains("clustering"));
}

#[test]
fn embedding_fields_in_a_chat_batch_name_the_endpoint() {
    let request = requests(r#"{"customId":"a","model":"m","messages":[{"role":"user","content":"x"}],"input":"x"}"#);
    let (_, field, message) = validation(prepare(Provider::OpenAI, &request, &PrepareOptions::default()).unwrap_err());
    assert_eq!(field, "input");
    assert!(message.contains("\"embeddings\""), "{message}");
}

#[test]
fn providers_without_embedding_batches_refuse_before_validating_requests() {
    for provider in [Provider::Anthropic, Provider::Groq, Provider::Azure] {
        let error = prepare(provider, requests(CORPUS), &options(Endpoint::Embeddings, false)).unwrap_err();
        let (index, field, message) = validation(error);
        assert_eq!((index, field.as_str()), (None, "endpoint"), "{provider:?}");
        assert!(message.contains("embeddings"), "{message}");
        let error =
            plan_job(provider, &requests(CORPUS), &options(Endpoint::Embeddings, false), &PlanOptions::default());
        assert_eq!(validation(error.unwrap_err()).1, "endpoint");
    }
}

fn big_requests(count: usize, inputs: usize) -> Vec<UnifiedRequest> {
    let texts: Vec<String> = (0..inputs).map(|index| format!("t{index}")).collect();
    let jsonl: String = (0..count)
        .map(|index| json!({"customId": format!("r{index}"), "model": "m", "input": texts}).to_string() + "\n")
        .collect();
    requests(&jsonl)
}

#[test]
fn openai_counts_inputs_across_a_batch_and_jobs_split_by_them() {
    // 30 requests of 2,000 inputs: 60,000 inputs in 30 lines, over OpenAI's 50,000 per batch.
    let requests = big_requests(30, 2_000);
    let error = prepare(Provider::OpenAI, &requests, &options(Endpoint::Embeddings, false)).unwrap_err();
    let (index, field, message) = validation(error);
    assert_eq!((index, field.as_str()), (None, "requests"));
    assert!(message.contains("60000 embedding inputs") && message.contains("50000"), "{message}");

    let plan =
        plan_job(Provider::OpenAI, &requests, &options(Endpoint::Embeddings, false), &PlanOptions::default()).unwrap();
    assert_eq!(plan.limits.max_embedding_inputs, Some(50_000));
    let counts: Vec<usize> = plan.chunks.iter().map(|chunk| chunk.request_count).collect();
    assert_eq!(counts, vec![25, 5]);
    for chunk in &plan.chunks {
        let chunk_requests: Vec<UnifiedRequest> =
            expand_ranges(&chunk.request_ranges).map(|index| requests[index].clone()).collect();
        prepare(Provider::OpenAI, &chunk_requests, &options(Endpoint::Embeddings, false)).unwrap();
    }
    // Mistral documents no input limit: one batch.
    let plan =
        plan_job(Provider::Mistral, &requests, &options(Endpoint::Embeddings, false), &PlanOptions::default()).unwrap();
    assert_eq!(plan.chunks.len(), 1);
}

fn openai_line(body: Value) -> Vec<u8> {
    json!({"id": "batch_req_1", "custom_id": "doc-1", "response": {"status_code": 200, "request_id": "req_1", "body": body}, "error": null})
        .to_string()
        .into_bytes()
}

fn embeddings_body(data: Value) -> Value {
    json!({"object": "list", "model": "text-embedding-3-small", "data": data, "usage": {"prompt_tokens": 6, "total_tokens": 6}})
}

#[test]
fn vectors_come_back_in_input_order_by_index_with_usage() {
    let body = embeddings_body(json!([
        {"object": "embedding", "index": 1, "embedding": [0.5, -0.25]},
        {"object": "embedding", "index": 0, "embedding": [0.125, 1.0]}
    ]));
    let mut decoder = OpenAiLineDecoder::new("openai").for_endpoint(Some(Endpoint::Embeddings));
    let result = decoder.decode_line(&openai_line(body.clone()), 1);
    assert_eq!(result.status, ResultStatus::Succeeded);
    let response = result.response.unwrap();
    assert_eq!(response.embeddings, Some(vec![vec![0.125, 1.0], vec![0.5, -0.25]]));
    let usage = response.usage.unwrap();
    assert_eq!((usage.input_tokens, usage.output_tokens, usage.total_tokens), (6, 0, Some(6)));
    assert_eq!(response.text, "");

    // The same body in a chat batch stays an error naming its kind.
    let result = OpenAiLineDecoder::new("openai").decode_line(&openai_line(body), 1);
    assert_eq!(result.error.unwrap().code, "embeddings_body");
}

#[test]
fn base64_vectors_are_decoded_and_bad_indexes_are_errors() {
    // 1.0f32 and -2.5f32, little endian.
    let bytes: Vec<u8> = [1.0f32, -2.5f32].iter().flat_map(|value| value.to_le_bytes()).collect();
    let encoded = base64_of(&bytes);
    let mut decoder = OpenAiLineDecoder::new("vllm").for_endpoint(Some(Endpoint::Embeddings));
    let result = decoder.decode_line(&openai_line(embeddings_body(json!([{"index": 0, "embedding": encoded}]))), 1);
    assert_eq!(result.response.unwrap().embeddings, Some(vec![vec![1.0, -2.5]]));

    for data in [
        json!([{"index": 0, "embedding": [1.0]}, {"index": 0, "embedding": [2.0]}]),
        json!([{"index": 3, "embedding": [1.0]}]),
        json!([{"index": 0, "embedding": "not base64!"}]),
    ] {
        let result = decoder.decode_line(&openai_line(embeddings_body(data.clone())), 1);
        assert_eq!(result.status, ResultStatus::Errored, "{data}");
        assert_eq!(result.error.unwrap().code, "invalid_embeddings_body");
    }
}

#[test]
fn mistral_and_gemini_answers_carry_vectors() {
    let line = json!({"id": "b", "custom_id": "0", "response": {"status_code": 200, "body": {"id": "e", "object": "list", "model": "mistral-embed",
        "usage": {"prompt_tokens": 8, "completion_tokens": 0, "total_tokens": 8, "prompt_audio_seconds": null},
        "data": [{"object": "embedding", "embedding": [-0.016, 0.5], "index": 0}]}}, "error": null});
    let result: UnifiedResult =
        MistralLineDecoder::for_endpoint(Some(Endpoint::Embeddings)).decode_line(line.to_string().as_bytes(), 1);
    assert_eq!(result.response.unwrap().embeddings, Some(vec![vec![-0.016, 0.5]]));

    let mut decoder = GoogleLineDecoder::new("google");
    let ok = decoder.decode_line(br#"{"key":"doc-1","response":{"embedding":{"values":[0.01,-0.02]}}}"#, 1);
    assert_eq!(ok.custom_id, "doc-1");
    let response = ok.response.unwrap();
    assert_eq!(response.embeddings, Some(vec![vec![0.01, -0.02]]));
    assert!(response.usage.is_none());
    let failed =
        decoder.decode_line(br#"{"key":"doc-2","error":{"code":400,"message":"bad","status":"INVALID_ARGUMENT"}}"#, 2);
    assert_eq!((failed.custom_id.as_str(), failed.status), ("doc-2", ResultStatus::Errored));
}

fn base64_of(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let value = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for position in 0..4 {
            if position <= chunk.len() {
                out.push(ALPHABET[((value >> (18 - 6 * position)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// One vector per input (acc-15 F3): the counts come from the prepared summary; a short, long or
/// duplicated answer is an error, and items without `index` pass only when their count is known
/// to match. The same rule for every OpenAI-shaped decoder (OpenAI and Azure, vLLM, Mistral).
#[test]
fn an_answer_holds_one_vector_per_input_or_is_an_error() {
    let batch = requests(r#"{"customId":"doc-1","model":"text-embedding-3-small","input":["a","b","c"]}"#);
    let summary = |provider: Provider, model: &str| {
        let batch: Vec<UnifiedRequest> =
            batch.iter().map(|request| UnifiedRequest { model: model.into(), ..request.clone() }).collect();
        prepare(provider, &batch, &options(Endpoint::Embeddings, false)).unwrap().summary
    };
    let expected: EmbeddingInputs = [("doc-1".to_owned(), json!(3))].into_iter().collect();
    for (provider, model) in
        [(Provider::OpenAI, "text-embedding-3-small"), (Provider::Mistral, "mistral-embed"), (Provider::Vllm, "e5")]
    {
        assert_eq!(summary(provider, model).embedding_inputs, Some(expected.clone()), "{provider:?}");
    }
    let chat = requests(r#"{"customId":"c","model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}"#);
    assert_eq!(prepare(Provider::OpenAI, &chat, &PrepareOptions::default()).unwrap().summary.embedding_inputs, None);

    let inputs = Rc::new(expected);
    let indexed = |index: usize| json!({"object": "embedding", "index": index, "embedding": [index as f64]});
    let unindexed = |value: f64| json!({"object": "embedding", "embedding": [value]});
    let decoders: [fn() -> Box<dyn LineDecoder>; 3] = [
        || Box::new(OpenAiLineDecoder::new("openai").for_endpoint(Some(Endpoint::Embeddings))),
        || Box::new(OpenAiLineDecoder::new("vllm").for_endpoint(Some(Endpoint::Embeddings))),
        || Box::new(MistralLineDecoder::for_endpoint(Some(Endpoint::Embeddings))),
    ];
    for new_decoder in decoders {
        let decode = |data: Value, known: bool| {
            let mut decoder = new_decoder();
            if known {
                decoder.expect_embedding_inputs(inputs.clone());
            }
            decoder.decode_line(&openai_line(embeddings_body(data)), 1)
        };
        let succeeded = decode(json!([indexed(2), indexed(0), indexed(1)]), true);
        assert_eq!(succeeded.response.unwrap().embeddings, Some(vec![vec![0.0], vec![1.0], vec![2.0]]));
        let in_order = decode(json!([unindexed(7.0), unindexed(8.0), unindexed(9.0)]), true);
        assert_eq!(in_order.response.unwrap().embeddings, Some(vec![vec![7.0], vec![8.0], vec![9.0]]));

        for (data, count) in
            [(json!([indexed(0), indexed(1)]), 2), (json!([indexed(0), indexed(1), indexed(2), indexed(3)]), 4)]
        {
            let result = decode(data, true);
            assert_eq!(result.status, ResultStatus::Errored);
            assert!(result.response.is_none(), "no vector is handed out");
            let error = result.error.unwrap();
            assert_eq!((error.code.as_str(), error.retryable), ("embeddings_count_mismatch", true));
            assert!(error.message.starts_with(&format!("{count} vectors for 3 inputs")), "{}", error.message);
        }
        for (data, known) in [
            (json!([indexed(0), indexed(0), indexed(2)]), true),
            (json!([indexed(0), unindexed(1.0), indexed(2)]), true),
            (json!([unindexed(0.0), unindexed(1.0), unindexed(2.0)]), false),
        ] {
            let result = decode(data.clone(), known);
            assert_eq!(result.status, ResultStatus::Errored, "{data}");
            assert_eq!(result.error.unwrap().code, "invalid_embeddings_body", "{data}");
        }
    }

    // Under an id map the counts are looked up by the id the line carries.
    let mut restoring = IdRestoringDecoder::new(
        Box::new(OpenAiLineDecoder::new("openai").for_endpoint(Some(Endpoint::Embeddings))),
        Rc::new([("doc-1".to_owned(), "caller id".to_owned())].into_iter().collect()),
    );
    restoring.expect_embedding_inputs(Rc::new([("caller id".to_owned(), json!(2))].into_iter().collect()));
    let result = restoring.decode_line(&openai_line(embeddings_body(json!([indexed(0), indexed(1), indexed(2)]))), 1);
    assert_eq!(
        (result.custom_id.as_str(), result.error.unwrap().code.as_str()),
        ("caller id", "embeddings_count_mismatch")
    );
}

#[test]
fn a_model_of_the_wrong_kind_for_the_endpoint_is_refused_at_model() {
    // A new-user trial found chat models converted for embeddings and embedding models for chat:
    // both fail at the provider after upload.
    let embeddings = |provider: Provider, model: &str| {
        lines(provider, &format!(r#"{{"customId":"e","model":"{model}","input":"text"}}"#)).map(|_| ())
    };
    for (provider, chat_model, embedding_model) in [
        (Provider::OpenAI, "gpt-4o", "text-embedding-3-small"),
        (Provider::Google, "gemini-2.5-flash", "gemini-embedding-001"),
        (Provider::Mistral, "mistral-small-latest", "mistral-embed"),
    ] {
        let (index, field, message) = validation(embeddings(provider, chat_model).unwrap_err());
        assert_eq!((index, field.as_str()), (Some(0), "model"), "{provider:?}");
        assert!(message.contains("is a chat model") && message.contains("embedding models"), "{message}");
        embeddings(provider, embedding_model).unwrap();
        let chat =
            format!(r#"{{"customId":"c","model":"{embedding_model}","messages":[{{"role":"user","content":"hi"}}]}}"#);
        let error = prepare(provider, requests(&chat), &options(Endpoint::Chat, false)).map(|_| ()).unwrap_err();
        let (_, field, message) = validation(error);
        assert_eq!(field, "model");
        assert!(message.contains("is an embedding model") && message.contains("a chat batch"), "{message}");
    }
    // A model the table does not know as the provider's (a fine-tune, a vLLM model) is the provider's call.
    embeddings(Provider::OpenAI, "ft:gpt-4o-mini:org::abc").unwrap();
    embeddings(Provider::Vllm, "gpt-4o").unwrap();
    // Behind a custom base URL a proxy may route any model: a notice, not a refusal.
    let mut proxied = options(Endpoint::Embeddings, false);
    proxied.validation.custom_base_url = true;
    let prepared =
        prepare(Provider::OpenAI, requests(r#"{"customId":"e","model":"gpt-4o","input":"text"}"#), &proxied).unwrap();
    assert!(prepared.summary.warnings.iter().any(|warning| warning.field == "model"));
}
