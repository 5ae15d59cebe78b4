//! Helpers shared by the tests that sweep one rule across every provider.

use serde_json::Value;

use crate::parse::parse_request_lines;
use crate::providers::{prepare, BatchSummary, PrepareOptions};
use crate::validate::ValidationOptions;
use crate::{CoreError, Provider, UnifiedRequest};

/// A file of `tests/fixtures/`, read at test time (never from `../shared`).
pub fn fixture(path: &str) -> String {
    let path = format!("{}/../../tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// A model name each provider's batch accepts.
pub fn model_of(provider: Provider) -> &'static str {
    match provider {
        Provider::OpenAI => "gpt-4.1-mini",
        Provider::Anthropic => "claude-sonnet-4-5",
        Provider::Google => "gemini-2.5-flash",
        Provider::Mistral => "mistral-small-latest",
        Provider::Vllm => "Qwen/Qwen2.5-0.5B-Instruct",
        Provider::Groq => "llama-3.1-8b-instant",
        Provider::Azure => "gpt-4o-mini-batch",
        Provider::Together => "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        Provider::Xai => "grok-3-mini",
    }
}

/// Requests from JSONL text, with `MODEL` replaced by the provider's model.
pub fn requests_for(provider: Provider, jsonl: &str) -> Vec<UnifiedRequest> {
    parse_request_lines(&jsonl.replace("\"MODEL\"", &format!("\"{}\"", model_of(provider)))).unwrap()
}

/// One request (JSON) for `provider`, `MODEL` replaced.
pub fn request_for(provider: Provider, json: &str) -> UnifiedRequest {
    requests_for(provider, json).remove(0)
}

/// Prepares `requests` for `provider`; on success the provider bodies (the chat body, Anthropic's
/// `params`, Gemini's `request`), in order, and the summary.
pub fn bodies(
    provider: Provider,
    requests: &[UnifiedRequest],
    drop_unsupported: bool,
) -> Result<(Vec<Value>, BatchSummary), CoreError> {
    let options = PrepareOptions {
        validation: ValidationOptions { drop_unsupported, ..Default::default() },
        ..Default::default()
    };
    let prepared = prepare(provider, requests, &options)?;
    let text = String::from_utf8(prepared.jsonl).unwrap();
    let key = match provider {
        Provider::Anthropic => "params",
        Provider::Google => "request",
        Provider::OpenAI | Provider::Mistral | Provider::Vllm | Provider::Groq | Provider::Azure => "body",
        Provider::Together | Provider::Xai => "body",
    };
    let bodies = text
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap()[key].clone())
        .inspect(|body| assert!(body.is_object(), "{provider:?}: no `{key}` in the line"))
        .collect();
    Ok((bodies, prepared.summary))
}

/// The (index, field, message) of a validation error.
pub fn validation(error: CoreError) -> (Option<usize>, String, String) {
    match error {
        CoreError::Validation { index, field, message, .. } => (index, field, message),
        other => panic!("validation error expected, got {other:?}"),
    }
}

/// What `ResultDecoder::push_to` hands over, each result as its JSON, and how many came as views.
#[derive(Default)]
struct HandedOver {
    results: Vec<String>,
    views: usize,
}

impl crate::results::ResultSink for HandedOver {
    fn view(&mut self, view: &crate::model::ResultView<'_>) {
        self.results.push(serde_json::to_string(view).unwrap());
        self.views += 1;
    }
    fn result(&mut self, result: &crate::model::UnifiedResult) {
        self.results.push(serde_json::to_string(result).unwrap());
    }
}

/// Holds `ResultDecoder::push_to` to `push` on `jsonl`: the same results in the same order for
/// every JSON policy, with the id map (sent id, caller's id) on the reader or on an `IdRestoringDecoder` around
/// `new_decoder()` or none, read 1, 7, 64 and 100,000 bytes at a time; and views only where
/// nothing changes a result (no id map): `views_never` of them when no JSON is read,
/// `views_guess` when it is guessed or asked for by id (`json_ids` holds the ids asked for).
pub fn check_handed_over(
    jsonl: &[u8],
    id_map: &[(&str, &str)],
    json_ids: &[&str],
    new_decoder: &dyn Fn() -> Box<dyn crate::results::LineDecoder>,
    views_never: usize,
    views_guess: usize,
) {
    use crate::results::{IdMap, IdRestoringDecoder, JsonPolicy, LineDecoder, ResultDecoder};
    let id_map: IdMap = id_map.iter().map(|(sent, caller)| ((*sent).to_owned(), (*caller).to_owned())).collect();
    let ids = std::rc::Rc::new(json_ids.iter().map(|id| (*id).to_owned()).collect());
    let policies = [JsonPolicy::Guess, JsonPolicy::Never, JsonPolicy::Always, JsonPolicy::Ids(ids)];
    for policy in policies {
        for (map, restoring) in [(None, false), (Some(id_map.clone()), false), (None, true)] {
            for chunk_size in [1, 7, 64, 100_000] {
                let decoder = || -> Box<dyn LineDecoder> {
                    if restoring {
                        Box::new(IdRestoringDecoder::new(new_decoder(), std::rc::Rc::new(id_map.clone())))
                    } else {
                        new_decoder()
                    }
                };
                let mut built = ResultDecoder::new(decoder(), map.clone()).with_json_policy(policy.clone());
                let mut out = Vec::new();
                let mut handed = ResultDecoder::new(decoder(), map.clone()).with_json_policy(policy.clone());
                let mut over = HandedOver::default();
                let mut scratch = Vec::new();
                for chunk in jsonl.chunks(chunk_size) {
                    built.push(chunk, &mut out);
                    handed.push_to(chunk, &mut scratch, &mut over);
                    assert!(scratch.is_empty());
                }
                built.finish(&mut out);
                handed.finish_to(&mut scratch, &mut over);
                let context = format!("{policy:?}, map {map:?}, restoring {restoring}, {chunk_size}-byte chunks");
                let expected: Vec<String> = out.iter().map(|result| serde_json::to_string(result).unwrap()).collect();
                assert_eq!(over.results, expected, "{context}");
                assert_eq!(handed.lines(), built.lines());
                let plain = map.is_none() && !restoring;
                let views = match &policy {
                    JsonPolicy::Never if plain => views_never,
                    JsonPolicy::Guess | JsonPolicy::Ids(_) if plain => views_guess,
                    _ => 0,
                };
                assert_eq!(over.views, views, "{context}");
            }
        }
    }
}
