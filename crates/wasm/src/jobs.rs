//! The core's job policy, exposed to JS: planning a job into provider batches, the retry policy,
//! and where a job tag goes. Pure functions; the TypeScript router orchestrates with them.

use batch_router_core::job_tag::{needs_watermark, tagged_metadata};
use batch_router_core::parse::parse_request_lines;
use batch_router_core::planning::{plan_job, PlanOptions};
use batch_router_core::providers::PrepareOptions;
use batch_router_core::retry::{is_transient, may_have_taken_effect, retry_delay, Failure, RetryPolicy};
use batch_router_core::Provider;
use serde_json::{Map, Value};
use tsify::Ts;
use wasm_bindgen::prelude::*;

use crate::error::{read_options, read_value, to_js, to_js_error};

/// Validates unified JSONL (UTF-8 bytes of the text) for `provider` and cuts it into provider
/// batches. Sends nothing.
#[wasm_bindgen(js_name = planJob, unchecked_return_type = "JobPlan")]
pub fn plan_job_jsonl(
    provider: &str,
    unified_jsonl: &[u8],
    prepare_options: Ts<PrepareOptions>,
    plan_options: Ts<PlanOptions>,
) -> Result<JsValue, JsValue> {
    let provider = Provider::from_name(provider).map_err(to_js_error)?;
    let prepare_options = read_options(prepare_options, "options").map_err(to_js_error)?;
    let plan_options = read_options(plan_options, "planOptions").map_err(to_js_error)?;
    // The text is the router's own (one JSON request per line): a line number would mean nothing
    // to the caller, who gave objects.
    let requests = parse_request_lines(crate::prepared::utf8_text(unified_jsonl, "requests")?)
        .map_err(|error| to_js_error(error.without_line()))?;
    let plan = plan_job(provider, &requests, &prepare_options, &plan_options).map_err(to_js_error)?;
    to_js(&plan)
}

/// Milliseconds to wait before retry number `retriesDone + 1`, or `undefined` when the call should
/// not be tried again. `random` is uniform in [0, 1); `nowMs` is `Date.now()`.
#[wasm_bindgen(js_name = retryDelay)]
pub fn retry_delay_ms(
    policy: Ts<RetryPolicy>,
    retries_done: u32,
    failure: Ts<Failure>,
    random: f64,
    now_ms: f64,
    elapsed_ms: f64,
) -> Result<Option<f64>, JsValue> {
    let policy = read_options(policy, "retry").map_err(to_js_error)?;
    let failure = read_options(failure, "failure").map_err(to_js_error)?;
    let elapsed = elapsed_ms.max(0.0) as u64;
    Ok(retry_delay(&policy, retries_done, &failure, random, now_ms, elapsed).map(|delay| delay as f64))
}

/// Whether the same call may succeed if tried again.
#[wasm_bindgen(js_name = isTransientFailure)]
pub fn is_transient_failure(failure: Ts<Failure>) -> Result<bool, JsValue> {
    Ok(is_transient(&read_options(failure, "failure").map_err(to_js_error)?))
}

/// Whether a call that failed this way may still have been carried out by the server.
#[wasm_bindgen(js_name = mayHaveTakenEffect)]
pub fn may_have_taken_effect_js(failure: Ts<Failure>) -> Result<bool, JsValue> {
    Ok(may_have_taken_effect(&read_options(failure, "failure").map_err(to_js_error)?))
}

/// The caller's metadata with a job tag added where `provider` keeps it.
#[wasm_bindgen(js_name = taggedMetadata, unchecked_return_type = "Record<string, string>")]
pub fn tagged_metadata_js(
    provider: &str,
    #[wasm_bindgen(unchecked_param_type = "Record<string, string> | undefined")] metadata: JsValue,
    tag: &str,
) -> Result<JsValue, JsValue> {
    let provider = Provider::from_name(provider).map_err(to_js_error)?;
    let metadata: Option<Map<String, Value>> = if metadata.is_undefined() || metadata.is_null() {
        None
    } else {
        Some(read_value(metadata, "metadata").map_err(to_js_error)?)
    };
    to_js(&tagged_metadata(provider, metadata.as_ref(), tag))
}

/// Whether finding a lost batch of `provider` needs a watermark noted before its first create call
/// (providers that keep no job tag: Anthropic).
#[wasm_bindgen(js_name = jobTagNeedsWatermark)]
pub fn job_tag_needs_watermark(provider: &str) -> Result<bool, JsValue> {
    Ok(needs_watermark(Provider::from_name(provider).map_err(to_js_error)?))
}
