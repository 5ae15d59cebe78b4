//! Every documented chat finish reason of the providers whose answers are chat completions, read
//! from a whole result line through both the fast and the general decoder.

use crate::model::{FinishReason, ResultStatus};
use crate::providers::openai::OpenAiLineDecoder;
use crate::results::ResultDecoder;

/// (provider whose vocabulary has it, raw reason, unified reason); sources on `map_finish_reason`.
const VOCABULARY: &[(&str, &str, FinishReason)] = &[
    ("openai/azure", "stop", FinishReason::Stop),
    ("openai/azure", "length", FinishReason::Length),
    ("openai/azure", "tool_calls", FinishReason::ToolCalls),
    ("openai/azure", "function_call", FinishReason::ToolCalls),
    ("openai/azure", "content_filter", FinishReason::ContentFilter),
    ("mistral", "model_length", FinishReason::Length),
    ("together", "eos", FinishReason::Stop),
    ("together", "", FinishReason::Other),
    ("xai", "end_turn", FinishReason::Stop),
    ("vllm", "abort", FinishReason::Other),
    ("vllm", "repetition", FinishReason::Other),
];

fn decode(line: &str) -> crate::model::UnifiedResult {
    let mut decoder = ResultDecoder::new(Box::new(OpenAiLineDecoder::new("output")), None);
    let mut results = Vec::new();
    decoder.push(format!("{line}\n").as_bytes(), &mut results);
    decoder.finish(&mut results);
    assert_eq!(results.len(), 1, "{line}");
    results.remove(0)
}

#[test]
fn every_documented_finish_reason_maps_and_keeps_its_raw_value() {
    for (provider, raw, unified) in VOCABULARY {
        // The plain body takes the fast line; `logprobs` sends it through the general decoder.
        for logprobs in ["", r#","logprobs":{"content":[]}"#] {
            let line = format!(
                r#"{{"id":"r","custom_id":"a","response":{{"status_code":200,"body":{{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{{"index":0,"message":{{"role":"assistant","content":"Paris."}},"finish_reason":"{raw}"{logprobs}}}]}}}},"error":null}}"#
            );
            let result = decode(&line);
            assert_eq!(result.status, ResultStatus::Succeeded, "{provider} {raw}");
            let response = result.response.expect("an answer");
            assert_eq!(response.finish_reason, *unified, "{provider} {raw:?} {logprobs}");
            assert_eq!(response.raw_finish_reason.as_deref(), Some(*raw), "{provider} {raw:?}");
        }
    }
}

/// `error` (Mistral, Together, vLLM) says the generation failed: an errored result, retryable,
/// through both decoders (`result_kinds_tests/generation_errors.rs` sweeps the providers).
#[test]
fn the_error_finish_reason_is_a_generation_error_on_both_paths() {
    for logprobs in ["", r#","logprobs":{"content":[]}"#] {
        let line = format!(
            r#"{{"id":"r","custom_id":"a","response":{{"status_code":200,"body":{{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{{"index":0,"message":{{"role":"assistant","content":"Par"}},"finish_reason":"error"{logprobs}}}]}}}},"error":null}}"#
        );
        let result = decode(&line);
        assert_eq!(result.status, ResultStatus::Errored, "{logprobs}");
        let error = result.error.expect("an error");
        assert_eq!((error.code.as_str(), error.retryable), ("generation_error", true));
        assert!(error.message.contains("finish reason error"), "{}", error.message);
    }
}
