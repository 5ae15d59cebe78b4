//! The core's cost policy, exposed to JS: token and cost estimates, and the cost of a usage.

use batch_router_core::cost::prices::PriceTable;
use batch_router_core::cost::quota::{
    default_quota, is_quota_failure, is_quota_refusal, quota_admits, split_by_tokens, QuotaLimits,
};
use batch_router_core::cost::token_estimate::EstimateOptions;
use batch_router_core::cost::{cost_of_usage, estimate_batch, estimate_requests};
use batch_router_core::parse::parse_request_lines;
use batch_router_core::{CoreError, Provider, Usage};
use tsify::Ts;
use wasm_bindgen::prelude::*;

use crate::error::{to_js, to_js_error};

fn prices_from(prices: JsValue) -> Result<PriceTable, JsValue> {
    if prices.is_undefined() || prices.is_null() {
        return Ok(PriceTable::new());
    }
    serde_wasm_bindgen::from_value(prices)
        .map_err(|error| to_js_error(CoreError::invalid_batch("prices", error.to_string())))
}

fn options_from(options: Ts<EstimateOptions>) -> Result<EstimateOptions, JsValue> {
    options.to_rust().map_err(|error| to_js_error(CoreError::invalid_batch("estimate", error.to_string())))
}

/// Tokens and cost range of unified JSONL for `provider`. `fromFile`: the text is the caller's
/// file, so an error names its line (otherwise it is the router's own, one request per line).
#[wasm_bindgen(js_name = estimateBatch, unchecked_return_type = "BatchEstimate")]
pub fn estimate_batch_jsonl(
    provider: &str,
    unified_jsonl: &str,
    #[wasm_bindgen(unchecked_param_type = "Record<string, ModelPrice> | undefined")] prices: JsValue,
    options: Ts<EstimateOptions>,
    #[wasm_bindgen(js_name = fromFile)] from_file: bool,
) -> Result<JsValue, JsValue> {
    let provider = Provider::from_name(provider).map_err(to_js_error)?;
    let requests = parse_request_lines(unified_jsonl)
        .map_err(|error| to_js_error(if from_file { error } else { error.without_line() }))?;
    to_js(&estimate_batch(provider, &requests, &prices_from(prices)?, &options_from(options)?))
}

/// Each request's estimate, in order.
#[wasm_bindgen(js_name = estimateRequests, unchecked_return_type = "RequestEstimate[]")]
pub fn estimate_requests_jsonl(
    provider: &str,
    unified_jsonl: &str,
    #[wasm_bindgen(unchecked_param_type = "Record<string, ModelPrice> | undefined")] prices: JsValue,
    options: Ts<EstimateOptions>,
) -> Result<JsValue, JsValue> {
    let provider = Provider::from_name(provider).map_err(to_js_error)?;
    let requests = parse_request_lines(unified_jsonl).map_err(|error| to_js_error(error.without_line()))?;
    to_js(&estimate_requests(provider, &requests, &prices_from(prices)?, &options_from(options)?))
}

/// What `usage` of `model` cost on `provider`'s batch route; `undefined` when it has no price.
#[wasm_bindgen(js_name = costOfUsage)]
pub fn cost_of_usage_js(
    provider: &str,
    model: &str,
    usage: Ts<Usage>,
    #[wasm_bindgen(unchecked_param_type = "Record<string, ModelPrice> | undefined")] prices: JsValue,
) -> Result<Option<f64>, JsValue> {
    let provider = Provider::from_name(provider).map_err(to_js_error)?;
    let usage = usage.to_rust().map_err(|error| to_js_error(CoreError::invalid_batch("usage", error.to_string())))?;
    Ok(cost_of_usage(provider, &prices_from(prices)?, model, &usage))
}

/// Whether a job's next batch may be created under its budget: `"submit"`, `"wait"` (for batches
/// in flight to end) or `"holdBack"` (it cannot fit: its requests are not sent).
#[wasm_bindgen(js_name = budgetDecision, unchecked_return_type = "BudgetDecision")]
pub fn budget_decision_js(
    max_cost: f64,
    spent: f64,
    in_flight_max_cost: f64,
    batch_max_cost: f64,
) -> Result<JsValue, JsValue> {
    to_js(&batch_router_core::cost::budget::budget_decision(max_cost, spent, in_flight_max_cost, batch_max_cost))
}

/// The caller's quota for a model over the provider's published default.
#[wasm_bindgen(js_name = quotaLimits, unchecked_return_type = "QuotaLimits")]
pub fn quota_limits_js(provider: &str, caller: Ts<QuotaLimits>) -> Result<JsValue, JsValue> {
    let provider = Provider::from_name(provider).map_err(to_js_error)?;
    let caller =
        caller.to_rust().map_err(|error| to_js_error(CoreError::invalid_batch("quotas", error.to_string())))?;
    let defaults = default_quota(provider);
    to_js(&QuotaLimits {
        max_enqueued_tokens: caller.max_enqueued_tokens.or(defaults.max_enqueued_tokens),
        max_concurrent_batches: caller.max_concurrent_batches.or(defaults.max_concurrent_batches),
    })
}

/// Whether a batch may be created while others of its model are in flight (see `quota.rs`).
#[wasm_bindgen(js_name = quotaAdmits)]
pub fn quota_admits_js(
    limits: Ts<QuotaLimits>,
    in_flight_tokens: f64,
    in_flight_batches: f64,
    batch_tokens: f64,
) -> Result<bool, JsValue> {
    let limits =
        limits.to_rust().map_err(|error| to_js_error(CoreError::invalid_batch("quotas", error.to_string())))?;
    Ok(quota_admits(&limits, in_flight_tokens as u64, in_flight_batches as u64, batch_tokens as u64))
}

/// Sizes of consecutive groups of requests that each hold at most `maxTokens`.
#[wasm_bindgen(js_name = splitByTokens)]
pub fn split_by_tokens_js(tokens: Vec<f64>, max_tokens: f64) -> Vec<u32> {
    let tokens: Vec<u64> = tokens.iter().map(|&value| value as u64).collect();
    split_by_tokens(&tokens, max_tokens as u64).into_iter().map(|size| size as u32).collect()
}

/// Whether a failed batch's error code means its model's queue was full.
#[wasm_bindgen(js_name = isQuotaFailure)]
pub fn is_quota_failure_js(code: &str) -> bool {
    is_quota_failure(code)
}

/// Whether a refused create call (HTTP status, the provider's error type) means the queue is full.
#[wasm_bindgen(js_name = isQuotaRefusal)]
pub fn is_quota_refusal_js(http_status: u16, code: &str) -> bool {
    is_quota_refusal(http_status, code)
}
