//! The retry policy, as pure functions: which failures are transient, whether a failed call may
//! still have taken effect on the server, and how long to wait before the next try.
//!
//! The caller supplies what the core may not take itself: a random number for the jitter, the
//! current time (to read a `retry-after` HTTP date) and the time spent so far (for the budget).
//!
//! - Transient: no answer at all (`connection`), our own per-call `timeout`, a garbled answer
//!   (`invalid_response`, e.g. a truncated body), and HTTP 408, 409, 429, 5xx (Anthropic's 529
//!   included). Permanent: every other HTTP error (400, 401, 403, 404, 422, …), validation errors,
//!   an aborted call.
//! - The delay for retry `n` (0-based) is `min(initial · 2ⁿ, max)` less up to a quarter of it as
//!   jitter (the scheme of the official SDKs), unless the answer said how long to wait:
//!   `retry-after-ms`, else `retry-after` in seconds or as an HTTP date, capped at
//!   `maxRetryAfterMs`.

use serde::{Deserialize, Serialize};

#[cfg(feature = "tsify")]
use tsify::Tsify;

use crate::error::is_retryable_status;
use crate::time::http_date_to_unix_millis;
use crate::CoreError;

/// How hard to try one call again.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(default, rename_all = "camelCase")]
pub struct RetryPolicy {
    /// Retries after the first try (0: never retry). Default 6.
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub max_retries: u32,
    /// The delay before the first retry, before jitter. Default 500 ms.
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub initial_delay_ms: u64,
    /// The longest backoff delay. Default 30 s.
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub max_delay_ms: u64,
    /// The longest server-requested wait that is honoured as asked; a longer one is cut to this.
    /// Default 60 s.
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub max_retry_after_ms: u64,
    /// Total time for one call, retries and waits included; no retry starts that would pass it.
    /// No budget when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub budget_ms: Option<u64>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 6,
            initial_delay_ms: 500,
            max_delay_ms: 30_000,
            max_retry_after_ms: 60_000,
            budget_ms: None,
        }
    }
}

/// A failed call, as the retry policy sees it: the error's stable `code`, and for HTTP errors the
/// status and the headers that say when to come back.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Failure {
    /// `provider`, `batch_not_found`, `connection`, `timeout`, `invalid_response`, `validation`,
    /// `aborted`, …
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub retry_after: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub retry_after_ms: Option<String>,
}

/// The code of a call that our own timer ended (the core never makes it; executors do).
pub const TIMEOUT_CODE: &str = "timeout";

impl Failure {
    pub fn of(error: &CoreError) -> Failure {
        let code = serde_json::to_value(error)
            .ok()
            .and_then(|value| value.get("code").and_then(|code| code.as_str().map(str::to_owned)))
            .unwrap_or_default();
        match error {
            CoreError::Provider { status, retry_headers, .. } => Failure {
                code,
                status: Some(*status),
                retry_after: retry_headers.as_ref().and_then(|headers| headers.retry_after.clone()),
                retry_after_ms: retry_headers.as_ref().and_then(|headers| headers.retry_after_ms.clone()),
            },
            CoreError::BatchNotFound { .. } => Failure { code, status: Some(404), ..Failure::default() },
            _ => Failure { code, ..Failure::default() },
        }
    }
}

/// Whether the same call may succeed if tried again.
pub fn is_transient(failure: &Failure) -> bool {
    match failure.code.as_str() {
        "connection" | TIMEOUT_CODE | "invalid_response" => true,
        "provider" => failure.status.is_some_and(is_retryable_status),
        _ => false,
    }
}

/// The provider error types (on result lines, where there may be no HTTP status) that say the
/// service was busy, failed inside or ran out of time: sending the same request again may pass.
/// Anthropic's types, OpenAI's line codes (batch-expired and -cancelled requests never ran), and
/// the `google.rpc.Code` names that map to 429, 5xx and 409 (`ABORTED`), and `CANCELLED` (the
/// request was stopped, not judged), as on the other providers; and `generation_error`, an answer
/// whose finish reason says the provider's generation failed; and `no_response`, a request the
/// provider produced no answer for.
const RETRYABLE_ERROR_TYPES: &[&str] = &[
    crate::results::NO_RESPONSE,
    "overloaded_error",
    "api_error",
    "rate_limit_error",
    "timeout_error",
    "server_error",
    "rate_limit_exceeded",
    "vector_store_timeout",
    "batch_expired",
    "batch_cancelled",
    "batch_canceled",
    "CANCELLED",
    "UNAVAILABLE",
    "RESOURCE_EXHAUSTED",
    "INTERNAL",
    "DEADLINE_EXCEEDED",
    "ABORTED",
    "UNKNOWN",
    crate::results::GENERATION_ERROR,
];

/// Whether one request that a batch reports as failed may succeed when sent again. The one rule
/// for every provider's result decoder; jobs resubmit exactly the results it marks retryable.
///
/// - No HTTP answer (status 0, or neither a status nor an error type) → retryable: the request was
///   never judged.
/// - An HTTP status outside 2xx → 408, 409, 429 and 5xx (529 included) are retryable, other 4xx not.
/// - Otherwise the provider's error type decides ([`RETRYABLE_ERROR_TYPES`]); any other type
///   (`invalid_request_error`, `INVALID_ARGUMENT`, …) is not retryable.
pub fn is_retryable_request(http_status: Option<u16>, error_type: Option<&str>) -> bool {
    match (http_status, error_type) {
        (Some(0), _) => true,
        (Some(status), _) if !(200..300).contains(&status) => is_retryable_status(status),
        (_, Some(kind)) => RETRYABLE_ERROR_TYPES.contains(&kind),
        (_, None) => true,
    }
}

/// Whether a call that failed this way may still have been carried out by the server. A create
/// call that failed so is ambiguous: the batch may exist, so it must be looked for before the
/// call is made again. A refusal (any 4xx but 408 and 409, 429 included) was not carried out.
pub fn may_have_taken_effect(failure: &Failure) -> bool {
    match failure.code.as_str() {
        "connection" | TIMEOUT_CODE | "invalid_response" => true,
        "provider" => failure.status.is_some_and(|status| matches!(status, 408 | 409) || status >= 500),
        _ => false,
    }
}

/// How long to wait before trying again after `retries_done` retries (0 after the first try), or
/// `None` when the call should not be tried again (permanent failure, retries or budget spent).
/// `random` is uniform in `[0, 1)`; `now_ms` is the caller's clock (Unix milliseconds); `elapsed_ms`
/// the time spent on this call so far.
pub fn retry_delay(
    policy: &RetryPolicy,
    retries_done: u32,
    failure: &Failure,
    random: f64,
    now_ms: f64,
    elapsed_ms: u64,
) -> Option<u64> {
    if !is_transient(failure) || retries_done >= policy.max_retries {
        return None;
    }
    let delay = match server_delay_ms(failure, now_ms) {
        Some(asked) => asked.min(policy.max_retry_after_ms),
        None => backoff_ms(policy, retries_done, random),
    };
    match policy.budget_ms {
        Some(budget) if elapsed_ms.saturating_add(delay) > budget => None,
        _ => Some(delay),
    }
}

/// The wait the answer asked for: `retry-after-ms`, else `retry-after` as seconds or an HTTP date.
/// Unreadable or negative values are ignored.
pub fn server_delay_ms(failure: &Failure, now_ms: f64) -> Option<u64> {
    let milliseconds = failure.retry_after_ms.as_deref().and_then(|text| text.trim().parse::<f64>().ok());
    if let Some(milliseconds) = milliseconds.filter(|value| value.is_finite() && *value >= 0.0) {
        return Some(milliseconds.ceil() as u64);
    }
    let text = failure.retry_after.as_deref()?.trim();
    if let Ok(seconds) = text.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| (seconds * 1000.0).ceil() as u64);
    }
    let date = http_date_to_unix_millis(text)? as f64;
    Some((date - now_ms).max(0.0).ceil() as u64)
}

/// `min(initial · 2ⁿ, max)`, less up to a quarter of it.
fn backoff_ms(policy: &RetryPolicy, retries_done: u32, random: f64) -> u64 {
    let exponential =
        policy.initial_delay_ms.saturating_mul(1u64.checked_shl(retries_done.min(62)).unwrap_or(u64::MAX));
    let capped = exponential.min(policy.max_delay_ms) as f64;
    let jitter = random.clamp(0.0, 1.0) * 0.25;
    (capped * (1.0 - jitter)).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::HttpResponse;
    use crate::providers::common::http_error;

    fn http(status: u16, headers: &[(&str, &str)]) -> Failure {
        let response = HttpResponse {
            status,
            headers: headers.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect(),
            body: r#"{"error":{"message":"try later","type":"rate_limit_error"}}"#.into(),
        };
        Failure::of(&http_error("openai", &response, None))
    }

    fn code(code: &str) -> Failure {
        Failure { code: code.into(), ..Failure::default() }
    }

    const NOW: f64 = 1_711_471_533_000.0;

    #[test]
    fn transient_and_permanent_failures() {
        for status in [408, 409, 429, 500, 502, 503, 504, 529] {
            assert!(is_transient(&http(status, &[])), "{status}");
        }
        for status in [400, 401, 403, 404, 422] {
            assert!(!is_transient(&http(status, &[])), "{status}");
        }
        for transient in ["connection", "timeout", "invalid_response"] {
            assert!(is_transient(&code(transient)), "{transient}");
        }
        for permanent in ["validation", "aborted", "batch_not_found", "batch_not_complete"] {
            assert!(!is_transient(&code(permanent)), "{permanent}");
        }
        let not_found = Failure::of(&CoreError::BatchNotFound {
            provider: "openai".into(),
            batch_id: "b".into(),
            request_id: None,
        });
        assert_eq!((not_found.code.as_str(), not_found.status), ("batch_not_found", Some(404)));
        assert!(!is_transient(&not_found));
    }

    #[test]
    fn one_rule_says_which_failed_requests_are_retryable() {
        // (HTTP status, provider error type, retryable)
        let table: &[(Option<u16>, Option<&str>, bool)] = &[
            (Some(0), None, true),
            (None, None, true),
            (Some(0), Some("invalid_request_error"), true),
            (Some(408), None, true),
            (Some(409), None, true),
            (Some(429), Some("rate_limit_exceeded"), true),
            (Some(500), None, true),
            (Some(502), None, true),
            (Some(503), None, true),
            (Some(504), None, true),
            (Some(529), Some("overloaded_error"), true),
            (Some(400), None, false),
            (Some(401), None, false),
            (Some(403), None, false),
            (Some(404), None, false),
            (Some(413), None, false),
            (Some(422), None, false),
            // A status outside 2xx wins over the type.
            (Some(400), Some("server_error"), false),
            (None, Some("overloaded_error"), true),
            (None, Some("api_error"), true),
            (None, Some("rate_limit_error"), true),
            (None, Some("timeout_error"), true),
            (None, Some("invalid_request_error"), false),
            (None, Some("authentication_error"), false),
            (None, Some("permission_error"), false),
            (None, Some("not_found_error"), false),
            (None, Some("server_error"), true),
            (None, Some("rate_limit_exceeded"), true),
            (None, Some("batch_expired"), true),
            (None, Some("invalid_prompt"), false),
            (None, Some("UNAVAILABLE"), true),
            (None, Some("RESOURCE_EXHAUSTED"), true),
            (None, Some("INTERNAL"), true),
            (None, Some("DEADLINE_EXCEEDED"), true),
            (None, Some("ABORTED"), true),
            (None, Some("CANCELLED"), true),
            (None, Some("INVALID_ARGUMENT"), false),
            (None, Some("PERMISSION_DENIED"), false),
            (None, Some("NOT_FOUND"), false),
            (None, Some("some_new_type"), false),
            (None, Some("generation_error"), true),
            (Some(200), Some("server_error"), true),
        ];
        for (status, kind, retryable) in table {
            assert_eq!(is_retryable_request(*status, *kind), *retryable, "{status:?} {kind:?}");
        }
    }

    #[test]
    fn refusals_did_not_take_effect_but_silence_and_server_errors_may_have() {
        for status in [400, 401, 403, 404, 422, 429] {
            assert!(!may_have_taken_effect(&http(status, &[])), "{status}");
        }
        for status in [408, 409, 500, 503, 529] {
            assert!(may_have_taken_effect(&http(status, &[])), "{status}");
        }
        assert!(may_have_taken_effect(&code("connection")));
        assert!(may_have_taken_effect(&code("timeout")));
        assert!(may_have_taken_effect(&code("invalid_response")));
        assert!(!may_have_taken_effect(&code("validation")));
    }

    #[test]
    fn provider_errors_carry_the_retry_headers() {
        let failure = http(429, &[("Retry-After", "7"), ("retry-after-ms", "6500")]);
        assert_eq!(failure.code, "provider");
        assert_eq!(failure.status, Some(429));
        assert_eq!(failure.retry_after.as_deref(), Some("7"));
        assert_eq!(failure.retry_after_ms.as_deref(), Some("6500"));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_at_most_a_quarter_of_jitter() {
        let policy =
            RetryPolicy { initial_delay_ms: 100, max_delay_ms: 1000, max_retries: 10, ..RetryPolicy::default() };
        let failure = http(500, &[]);
        let delays: Vec<_> = (0..6).map(|retry| retry_delay(&policy, retry, &failure, 0.0, NOW, 0).unwrap()).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(retry_delay(&policy, 2, &failure, 0.999_999, NOW, 0), Some(300));
        assert_eq!(retry_delay(&policy, 2, &failure, 0.5, NOW, 0), Some(350));
        // A huge retry count neither overflows nor passes the cap.
        assert_eq!(retry_delay(&policy, 9, &failure, 0.0, NOW, 0), Some(1000));
        let patient = RetryPolicy { max_retries: 200, ..policy };
        assert_eq!(retry_delay(&patient, 150, &failure, 0.0, NOW, 0), Some(1000));
    }

    #[test]
    fn retries_stop_when_spent_or_permanent() {
        let policy = RetryPolicy { max_retries: 2, ..RetryPolicy::default() };
        assert!(retry_delay(&policy, 1, &http(503, &[]), 0.3, NOW, 0).is_some());
        assert_eq!(retry_delay(&policy, 2, &http(503, &[]), 0.3, NOW, 0), None);
        assert_eq!(retry_delay(&policy, 0, &http(400, &[]), 0.3, NOW, 0), None);
        let never = RetryPolicy { max_retries: 0, ..RetryPolicy::default() };
        assert_eq!(retry_delay(&never, 0, &code("connection"), 0.3, NOW, 0), None);
    }

    #[test]
    fn the_budget_bounds_the_total_time() {
        let policy =
            RetryPolicy { initial_delay_ms: 1000, max_delay_ms: 1000, budget_ms: Some(5000), ..RetryPolicy::default() };
        assert_eq!(retry_delay(&policy, 0, &code("timeout"), 0.0, NOW, 3900), Some(1000));
        assert_eq!(retry_delay(&policy, 0, &code("timeout"), 0.0, NOW, 4001), None);
    }

    #[test]
    fn the_server_says_how_long_to_wait() {
        let policy = RetryPolicy::default();
        // retry-after-ms wins over retry-after.
        assert_eq!(
            retry_delay(&policy, 0, &http(429, &[("retry-after", "9"), ("retry-after-ms", "1234.5")]), 0.9, NOW, 0),
            Some(1235)
        );
        assert_eq!(retry_delay(&policy, 0, &http(429, &[("retry-after", "2")]), 0.9, NOW, 0), Some(2000));
        assert_eq!(retry_delay(&policy, 0, &http(503, &[("retry-after", "0.25")]), 0.9, NOW, 0), Some(250));
        // An HTTP date: the time left until then, by the caller's clock.
        let date = http(529, &[("retry-after", "Tue, 26 Mar 2024 16:45:40 GMT")]);
        assert_eq!(retry_delay(&policy, 0, &date, 0.9, NOW, 0), Some(7000));
        assert_eq!(retry_delay(&policy, 0, &date, 0.9, NOW + 60_000.0, 0), Some(0));
        // Too long a wait is cut to the cap; nonsense falls back to the backoff.
        assert_eq!(retry_delay(&policy, 0, &http(429, &[("retry-after", "3600")]), 0.0, NOW, 0), Some(60_000));
        assert_eq!(retry_delay(&policy, 0, &http(429, &[("retry-after", "soon")]), 0.0, NOW, 0), Some(500));
        assert_eq!(retry_delay(&policy, 0, &http(429, &[("retry-after-ms", "-5")]), 0.0, NOW, 0), Some(500));
        // A permanent error is not retried however politely it asks.
        assert_eq!(retry_delay(&policy, 0, &http(400, &[("retry-after", "1")]), 0.0, NOW, 0), None);
    }

    #[test]
    fn policies_read_from_partial_json() {
        let policy: RetryPolicy = serde_json::from_str(r#"{"maxRetries":2,"budgetMs":100}"#).unwrap();
        assert_eq!(policy, RetryPolicy { max_retries: 2, budget_ms: Some(100), ..RetryPolicy::default() });
    }
}
