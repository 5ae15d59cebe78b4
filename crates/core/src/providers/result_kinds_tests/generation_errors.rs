//! An answer whose finish reason says the provider's generation failed (OpenAI-compatible
//! `finish_reason: "error"`, Gemini's `MALFORMED_FUNCTION_CALL` and the other failure reasons of
//! the spec's `Candidate.finishReason`) is an errored result, `generation_error` and retryable,
//! never a success; on every decoder, both ways a decoder is driven.

use serde_json::json;

use crate::model::{ResultStatus, UnifiedResult};
use crate::providers::google::GoogleLineDecoder;
use crate::providers::mistral::MistralLineDecoder;
use crate::providers::openai::OpenAiLineDecoder;
use crate::results::{LineDecoder, ResultDecoder, ResultSink};
use crate::retry::is_retryable_request;

use super::success_line;

/// The results of `line`, built and handed to a sink: (custom id, status, error code, retryable).
/// A result as the tests compare it: (custom id, status, error code, retryable).
type Summary = (String, ResultStatus, Option<String>, bool);

fn both_ways(make: &dyn Fn() -> Box<dyn LineDecoder>, line: &str) -> Vec<Summary> {
    let summary = |result: &UnifiedResult| {
        let error = result.error.as_ref();
        (
            result.custom_id.clone(),
            result.status,
            error.map(|error| error.code.clone()),
            error.is_some_and(|error| error.retryable),
        )
    };
    let mut decoder = ResultDecoder::new(make(), None);
    let mut out = Vec::new();
    decoder.push(line.as_bytes(), &mut out);
    decoder.finish(&mut out);
    for result in &out {
        if let Some(error) = &result.error {
            assert!(error.message.contains(&format!("request \"{}\"", result.custom_id)), "{}", error.message);
            // The request's own fault is said to be so, not "the generation failed" (a trial).
            if error.code == "INVALID_ARGUMENT" {
                assert!(error.message.contains("refused the request as it was sent"), "{}", error.message);
            } else if error.code == "generation_error" {
                assert!(error.message.contains("generation failed"), "{}", error.message);
            }
            assert!(error.raw.is_some(), "the line is kept");
        }
    }
    let built: Vec<_> = out.iter().map(summary).collect();

    struct Collect(Vec<Summary>);
    impl ResultSink for Collect {
        fn view(&mut self, view: &crate::model::ResultView<'_>) {
            self.0.push((view.custom_id.to_string(), ResultStatus::Succeeded, None, false));
        }
        fn result(&mut self, result: &UnifiedResult) {
            let error = result.error.as_ref();
            self.0.push((
                result.custom_id.clone(),
                result.status,
                error.map(|error| error.code.clone()),
                error.is_some_and(|error| error.retryable),
            ));
        }
    }
    let mut sink = Collect(Vec::new());
    let mut decoder = ResultDecoder::new(make(), None);
    let mut scratch = Vec::new();
    decoder.push_to(line.as_bytes(), &mut scratch, &mut sink);
    decoder.finish_to(&mut scratch, &mut sink);
    assert_eq!(sink.0, built, "{line}");
    built
}

fn failed(id: &str) -> Vec<Summary> {
    vec![(id.to_owned(), ResultStatus::Errored, Some("generation_error".to_owned()), true)]
}

#[test]
fn the_generation_error_code_is_retryable() {
    assert!(is_retryable_request(None, Some("generation_error")));
}

#[test]
fn a_chat_answer_that_finished_with_error_is_a_retryable_generation_error() {
    let body = |reason: &str| json!({"object": "chat.completion", "id": "c", "model": "m", "choices": [{"index": 0, "message": {"role": "assistant", "content": "partial"}, "finish_reason": reason}], "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}});
    type Make = fn() -> Box<dyn LineDecoder>;
    let makers: [(&str, &str, Make); 6] = [
        ("openai", "openai", || Box::new(OpenAiLineDecoder::new("openai"))),
        ("vllm", "openai", || Box::new(OpenAiLineDecoder::new("vllm"))),
        ("together", "openai", || Box::new(OpenAiLineDecoder::new("together"))),
        ("groq", "openai", || Box::new(OpenAiLineDecoder::new("groq"))),
        ("xai-shaped", "openai", || Box::new(OpenAiLineDecoder::new("xai"))),
        ("mistral", "mistral", || Box::new(MistralLineDecoder::new())),
    ];
    for (provider, shape, make) in makers {
        let result = both_ways(&make, &success_line(shape, "c-9", &body("error")));
        assert_eq!(result, failed("c-9"), "{provider}");
        // Every other reason is still an answer.
        for reason in ["stop", "length", "abort", "tool_calls"] {
            let result = both_ways(&make, &success_line(shape, "c-9", &body(reason)));
            assert_eq!(result[0].1, ResultStatus::Succeeded, "{provider} {reason}");
        }
    }
}

#[test]
fn a_gemini_answer_whose_generation_failed_is_errored() {
    let make = || -> Box<dyn LineDecoder> { Box::new(GoogleLineDecoder::new("Gemini")) };
    let text_answer = |reason: &str| json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "partial"}]}, "finishReason": reason, "index": 0}], "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1, "totalTokenCount": 2}});
    // Failed function calls usually come back with no content at all.
    let no_content = |reason: &str| json!({"candidates": [{"finishReason": reason, "index": 0}], "usageMetadata": {"promptTokenCount": 3, "totalTokenCount": 3}});
    for reason in ["MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL", "TOO_MANY_TOOL_CALLS", "IMAGE_OTHER", "NO_IMAGE"]
    {
        for body in [text_answer(reason), no_content(reason)] {
            let result = both_ways(&make, &success_line("google", "g-3", &body));
            assert_eq!(result, failed("g-3"), "{reason} {body}");
        }
    }
    // The request's own fault: not worth sending again as it is.
    let result = both_ways(&make, &success_line("google", "g-4", &text_answer("MISSING_THOUGHT_SIGNATURE")));
    assert_eq!(result, vec![("g-4".to_owned(), ResultStatus::Errored, Some("INVALID_ARGUMENT".to_owned()), false)]);
    for reason in ["STOP", "MAX_TOKENS", "SAFETY"] {
        let result = both_ways(&make, &success_line("google", "g-5", &text_answer(reason)));
        assert_eq!(result[0].1, ResultStatus::Succeeded, "{reason}");
    }
}
