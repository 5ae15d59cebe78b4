//! Queue quotas: how much of a model's queue a job's batches may hold at once, so that batches go
//! in waves instead of failing hours later.
//!
//! Facts (`../shared/reference/endpoints-and-push.md` §4, read 2026-11-29): OpenAI limits the input
//! tokens enqueued per model (values per organisation and tier, not published as numbers) and fails
//! a batch over it with `token_limit_exceeded` after accepting it [OA-PY-2084]; Gemini allows 100
//! concurrent batch jobs [GM-RATE, 3rd-party summary] and answers 429 on create; Anthropic and
//! Mistral count queued requests, not tokens. Only Gemini's job count is a number published for
//! every account, so it is the one default; token limits are the caller's (their limits page).

use serde::{Deserialize, Serialize};

#[cfg(feature = "tsify")]
use tsify::Tsify;

use crate::Provider;

/// Limits on what one model's batches of a job hold at once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct QuotaLimits {
    /// Estimated input tokens in batches not yet ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub max_enqueued_tokens: Option<u64>,
    /// Batches not yet ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub max_concurrent_batches: Option<u64>,
}

/// The published limits a job keeps to when the caller sets none.
pub fn default_quota(provider: Provider) -> QuotaLimits {
    match provider {
        // 100 concurrent batch jobs (§4.2).
        Provider::Google => QuotaLimits { max_enqueued_tokens: None, max_concurrent_batches: Some(100) },
        _ => QuotaLimits::default(),
    }
}

/// Whether a batch of `batch_tokens` may be created while `in_flight_batches` of the same model,
/// holding `in_flight_tokens`, have not ended. A batch alone always may: it was cut to fit.
pub fn quota_admits(limits: &QuotaLimits, in_flight_tokens: u64, in_flight_batches: u64, batch_tokens: u64) -> bool {
    if in_flight_batches == 0 {
        return true;
    }
    let batches_fit = limits.max_concurrent_batches.is_none_or(|most| in_flight_batches < most);
    let tokens_fit = limits.max_enqueued_tokens.is_none_or(|most| in_flight_tokens + batch_tokens <= most);
    batches_fit && tokens_fit
}

/// What a model's batches of a job that have not ended hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InFlight {
    /// Their estimated input tokens.
    pub tokens: u64,
    /// How many there are.
    pub batches: u64,
}

/// Whether a job's pending batch of `batch_tokens` may be created now. A batch queued again after
/// a full queue (`queued_behind`: how many batches of its model were in flight then) also waits
/// until one of those has ended, because the provider's own count may differ from the estimate;
/// then the model's limits decide ([`quota_admits`]).
pub fn admit_under_quota(
    limits: &QuotaLimits,
    in_flight: InFlight,
    batch_tokens: u64,
    queued_behind: Option<u64>,
) -> bool {
    if queued_behind.is_some_and(|behind| in_flight.batches > 0 && in_flight.batches >= behind) {
        return false;
    }
    quota_admits(limits, in_flight.tokens, in_flight.batches, batch_tokens)
}

/// What becomes of a batch the provider failed with `error_codes` while `in_flight_batches` of its
/// model (itself included) had not ended: `Some(queued_behind)` when the queue was full and
/// another batch is in flight, whose end makes room: its requests go into a new batch at the same
/// attempt, created once fewer than `queued_behind` batches are in flight. `None` otherwise: with
/// no other batch in flight a later wave would not differ (the batch alone is over the queue), so
/// it fails like any batch and its requests are retried, spending attempts, and the job ends.
pub fn requeue_after_failure<'a>(
    error_codes: impl IntoIterator<Item = &'a str>,
    in_flight_batches: u64,
) -> Option<u64> {
    let others = in_flight_batches.saturating_sub(1);
    (others > 0 && error_codes.into_iter().any(is_quota_failure)).then_some(others)
}

/// What becomes of a create call refused with `http_status` and the provider's error `code` while
/// `in_flight_batches` of the model had not ended: `Some(queued_behind)` when the queue is full
/// and a batch in flight will make room: the batch stays pending, its upload kept, no attempt
/// spent. `None`: the refusal is handled like any failed call (retried or failed).
pub fn wait_after_refusal(http_status: u16, code: &str, in_flight_batches: u64) -> Option<u64> {
    (in_flight_batches > 0 && is_quota_refusal(http_status, code)).then_some(in_flight_batches)
}

/// Sizes of consecutive groups of requests (their tokens, in order) that each hold at most
/// `max_tokens`; a request over it alone is a group of its own.
pub fn split_by_tokens(tokens: &[u64], max_tokens: u64) -> Vec<usize> {
    let mut sizes = Vec::new();
    let (mut size, mut total) = (0usize, 0u64);
    for &request in tokens {
        if size > 0 && total + request > max_tokens {
            sizes.push(size);
            (size, total) = (0, 0);
        }
        size += 1;
        total += request;
    }
    if size > 0 {
        sizes.push(size);
    }
    sizes
}

/// Whether a failed batch's error code says the queue was full: the batch is created again in a
/// later wave, without spending an attempt of its requests.
pub fn is_quota_failure(code: &str) -> bool {
    code == "token_limit_exceeded"
}

/// Whether a refused create call says the queue is full (Gemini: 429 `RESOURCE_EXHAUSTED`, §4.2),
/// so the batch waits for a later wave instead of spending retries. OpenAI's 429
/// `insufficient_quota` is about billing: waiting does not help, so it is not one.
pub fn is_quota_refusal(http_status: u16, code: &str) -> bool {
    http_status == 429 && code == "RESOURCE_EXHAUSTED"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_wait_while_the_model_queue_is_full() {
        let limits = QuotaLimits { max_enqueued_tokens: Some(100), max_concurrent_batches: Some(2) };
        assert!(quota_admits(&limits, 60, 1, 40));
        assert!(!quota_admits(&limits, 60, 1, 41));
        assert!(!quota_admits(&limits, 10, 2, 1));
        assert!(quota_admits(&limits, 0, 0, 500), "a batch alone always goes");
        assert!(quota_admits(&QuotaLimits::default(), 1 << 40, 1000, 1 << 40));
    }

    #[test]
    fn a_batch_queued_again_waits_for_a_batch_then_in_flight_to_end() {
        let limits = QuotaLimits { max_enqueued_tokens: Some(100), max_concurrent_batches: None };
        let two = InFlight { tokens: 20, batches: 2 };
        assert!(admit_under_quota(&limits, two, 10, None));
        assert!(!admit_under_quota(&limits, two, 10, Some(2)), "two were in flight when it was queued");
        assert!(admit_under_quota(&limits, InFlight { tokens: 10, batches: 1 }, 10, Some(2)));
        assert!(admit_under_quota(&limits, InFlight::default(), 500, Some(3)), "alone it always goes");
        let nearly_full = InFlight { tokens: 95, batches: 1 };
        assert!(!admit_under_quota(&limits, nearly_full, 10, Some(2)), "and the limits still hold");
    }

    #[test]
    fn only_a_full_queue_with_another_batch_in_flight_sends_a_batch_to_a_later_wave() {
        assert_eq!(requeue_after_failure(["token_limit_exceeded"], 3), Some(2));
        assert_eq!(requeue_after_failure(["token_limit_exceeded"], 1), None, "alone: no later wave differs");
        assert_eq!(requeue_after_failure(["invalid_request", "other"], 3), None);
        assert_eq!(wait_after_refusal(429, "RESOURCE_EXHAUSTED", 2), Some(2));
        assert_eq!(wait_after_refusal(429, "RESOURCE_EXHAUSTED", 0), None);
        assert_eq!(wait_after_refusal(429, "insufficient_quota", 2), None);
    }

    #[test]
    fn requests_are_grouped_under_the_token_limit() {
        assert_eq!(split_by_tokens(&[40, 40, 40, 150, 10], 100), vec![2, 1, 1, 1]);
        assert_eq!(split_by_tokens(&[], 100), Vec::<usize>::new());
    }

    #[test]
    fn only_gemini_has_a_default_and_only_the_token_limit_is_a_quota_failure() {
        assert_eq!(default_quota(Provider::Google).max_concurrent_batches, Some(100));
        assert_eq!(default_quota(Provider::OpenAI), QuotaLimits::default());
        assert!(is_quota_failure("token_limit_exceeded"));
        assert!(!is_quota_failure("invalid_request"));
        assert!(is_quota_refusal(429, "RESOURCE_EXHAUSTED"));
        assert!(!is_quota_refusal(429, "insufficient_quota"));
        assert!(!is_quota_refusal(400, "RESOURCE_EXHAUSTED"));
    }
}
