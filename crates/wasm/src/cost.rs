//! The core's cost policy, exposed to JS: token and cost estimates, and the cost of a usage.

use batch_router_core::cost::budget::{budget_decision, BudgetDecision};
use batch_router_core::cost::prices::{cache_price_unknown, PriceTable};
use batch_router_core::cost::quota::{
    admit_under_quota, default_quota, is_quota_failure, requeue_after_failure, split_by_tokens, wait_after_refusal,
    InFlight, QuotaLimits,
};
use batch_router_core::cost::token_estimate::{input_parts, EstimateOptions};
use batch_router_core::cost::{cost_of_usage, estimate_batch, estimate_requests};
use batch_router_core::parse::{parse_numbered_request_lines, parse_request_lines};
use batch_router_core::planning::{plan_job, PlanOptions};
use batch_router_core::providers::PrepareOptions;
use batch_router_core::validate::model_for;
use batch_router_core::{CoreError, Provider, Usage};
use tsify::Ts;
use wasm_bindgen::prelude::*;

use crate::error::{read_options, read_value, to_js, to_js_error};

fn prices_from(prices: JsValue) -> Result<PriceTable, JsValue> {
    if prices.is_undefined() || prices.is_null() {
        return Ok(PriceTable::new());
    }
    read_value(prices, "options.prices").map_err(to_js_error)
}

fn options_from(options: Ts<EstimateOptions>) -> Result<EstimateOptions, JsValue> {
    read_options(options, "options").map_err(to_js_error)
}

/// Tokens and cost range of unified JSONL for `provider`, after the checks a job makes before
/// sending (every request validated with `prepareOptions`, as `planJob` does), so an estimate
/// never prices what would be refused. `fromFile`: the text is the caller's file, so an error
/// names its line (otherwise it is the router's own, one request per line).
#[wasm_bindgen(js_name = estimateBatch, unchecked_return_type = "BatchEstimate")]
pub fn estimate_batch_jsonl(
    provider: &str,
    unified_jsonl: &str,
    #[wasm_bindgen(unchecked_param_type = "Record<string, ModelPrice> | undefined")] prices: JsValue,
    options: Ts<EstimateOptions>,
    #[wasm_bindgen(js_name = prepareOptions)] prepare_options: Ts<PrepareOptions>,
    #[wasm_bindgen(js_name = fromFile)] from_file: bool,
) -> Result<JsValue, JsValue> {
    let provider = Provider::from_name(provider).map_err(to_js_error)?;
    let located =
        |error: CoreError, lines: &[usize]| if from_file { error.at_line(lines) } else { error.without_line() };
    let (requests, lines) =
        parse_numbered_request_lines(unified_jsonl).map_err(|error| to_js_error(located(error, &[])))?;
    let prepare_options = read_options(prepare_options, "options").map_err(to_js_error)?;
    plan_job(provider, &requests, &prepare_options, &PlanOptions::default())
        .map_err(|error| to_js_error(located(error, &lines)))?;
    let model = prepare_options.validation.model.as_deref();
    to_js(&estimate_batch(provider, &requests, model, &prices_from(prices)?, &options_from(options)?))
}

/// Each request's estimate, in order, priced by the model it is sent with on `provider`: `model`
/// (the provider's `model` option), else its `models` entry for the provider, else its `model`.
#[wasm_bindgen(js_name = estimateRequests, unchecked_return_type = "RequestEstimate[]")]
pub fn estimate_requests_jsonl(
    provider: &str,
    unified_jsonl: &str,
    model: Option<String>,
    #[wasm_bindgen(unchecked_param_type = "Record<string, ModelPrice> | undefined")] prices: JsValue,
    options: Ts<EstimateOptions>,
) -> Result<JsValue, JsValue> {
    let provider = Provider::from_name(provider).map_err(to_js_error)?;
    let requests = parse_request_lines(unified_jsonl).map_err(|error| to_js_error(error.without_line()))?;
    let estimates =
        estimate_requests(provider, &requests, model.as_deref(), &prices_from(prices)?, &options_from(options)?);
    to_js(&estimates)
}

/// Each request's input split for a caller's token counter (`fixedTokens` + the counter over
/// `texts`), in order.
#[wasm_bindgen(js_name = inputParts, unchecked_return_type = "InputParts[]")]
pub fn input_parts_jsonl(unified_jsonl: &str, options: Ts<EstimateOptions>) -> Result<JsValue, JsValue> {
    let requests = parse_request_lines(unified_jsonl).map_err(|error| to_js_error(error.without_line()))?;
    let options = options_from(options)?;
    to_js(&requests.iter().map(|request| input_parts(request, &options)).collect::<Vec<_>>())
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
    let usage = read_options(usage, "usage").map_err(to_js_error)?;
    Ok(cost_of_usage(provider, &prices_from(prices)?, model, &usage))
}

/// The model each request of unified JSONL is sent with on `provider` (`model`: the provider's
/// `model` option, else its `models` entry for the provider, else its `model`): what its usage is
/// priced by, whatever name the answer gives.
#[wasm_bindgen(js_name = sentModels)]
pub fn sent_models_jsonl(provider: &str, unified_jsonl: &str, model: Option<String>) -> Result<Vec<String>, JsValue> {
    let provider = Provider::from_name(provider).map_err(to_js_error)?;
    let requests = parse_request_lines(unified_jsonl).map_err(|error| to_js_error(error.without_line()))?;
    Ok(requests.iter().map(|request| model_for(provider, request, model.as_deref()).to_owned()).collect())
}

/// Whether `model`'s cached input is charged at the batch input rate for want of a cache price.
#[wasm_bindgen(js_name = cachePriceUnknown)]
pub fn cache_price_unknown_js(
    provider: &str,
    model: &str,
    #[wasm_bindgen(unchecked_param_type = "Record<string, ModelPrice> | undefined")] prices: JsValue,
) -> Result<bool, JsValue> {
    let provider = Provider::from_name(provider).map_err(to_js_error)?;
    Ok(cache_price_unknown(provider, &prices_from(prices)?, model))
}

/// Which requests of a job's next batch (their worst cases, in order) may be created now under its
/// budget (`budget.rs`): their indices (all, or those that fit), none to wait for batches in flight
/// to end, or `undefined` when none can fit (they are held back).
#[wasm_bindgen(js_name = budgetAdmission)]
pub fn budget_admission_js(
    max_cost: f64,
    spent: f64,
    in_flight_max_cost: f64,
    request_max_costs: &[f64],
) -> Option<Vec<u32>> {
    match budget_decision(max_cost, spent, in_flight_max_cost, request_max_costs) {
        BudgetDecision::Submit(admitted) => Some(admitted),
        BudgetDecision::Wait => Some(Vec::new()),
        BudgetDecision::HoldBack => None,
    }
}

/// The caller's quota for a model over the provider's published default.
#[wasm_bindgen(js_name = quotaLimits, unchecked_return_type = "QuotaLimits")]
pub fn quota_limits_js(provider: &str, caller: Ts<QuotaLimits>) -> Result<JsValue, JsValue> {
    let provider = Provider::from_name(provider).map_err(to_js_error)?;
    let caller = read_options(caller, "quotas").map_err(to_js_error)?;
    let defaults = default_quota(provider);
    to_js(&QuotaLimits {
        max_enqueued_tokens: caller.max_enqueued_tokens.or(defaults.max_enqueued_tokens),
        max_concurrent_batches: caller.max_concurrent_batches.or(defaults.max_concurrent_batches),
    })
}

/// Whether a job's pending batch may be created now (see `quota.rs`, `admit_under_quota`).
#[wasm_bindgen(js_name = admitUnderQuota)]
pub fn admit_under_quota_js(
    limits: Ts<QuotaLimits>,
    in_flight_tokens: f64,
    in_flight_batches: f64,
    batch_tokens: f64,
    queued_behind: Option<f64>,
) -> Result<bool, JsValue> {
    let limits = read_options(limits, "quotas").map_err(to_js_error)?;
    let in_flight = InFlight { tokens: in_flight_tokens as u64, batches: in_flight_batches as u64 };
    Ok(admit_under_quota(&limits, in_flight, batch_tokens as u64, queued_behind.map(|behind| behind as u64)))
}

/// Sizes of consecutive groups of requests that each hold at most `maxTokens`.
#[wasm_bindgen(js_name = splitByTokens)]
pub fn split_by_tokens_js(tokens: Vec<f64>, max_tokens: f64) -> Vec<u32> {
    let tokens: Vec<u64> = tokens.iter().map(|&value| value as u64).collect();
    split_by_tokens(&tokens, max_tokens as u64).into_iter().map(|size| size as u32).collect()
}

/// A batch failed with `errorCodes`: the batch count it is queued behind for a later wave, or
/// `undefined` when it fails like any batch (see `quota.rs`, `requeue_after_failure`).
#[wasm_bindgen(js_name = requeueAfterFailure)]
pub fn requeue_after_failure_js(error_codes: Vec<String>, in_flight_batches: f64) -> Option<f64> {
    requeue_after_failure(error_codes.iter().map(String::as_str), in_flight_batches as u64).map(|behind| behind as f64)
}

/// Whether a failed batch's error codes say its model's queue was full (`quota.rs`,
/// `is_quota_failure`): its requests are retried, whether or not it was queued again.
#[wasm_bindgen(js_name = isQuotaFailure)]
pub fn is_quota_failure_js(error_codes: Vec<String>) -> bool {
    error_codes.iter().any(|code| is_quota_failure(code))
}

/// A create call refused: the batch count it waits behind, or `undefined` when the refusal is
/// handled like any failed call (see `quota.rs`, `wait_after_refusal`).
#[wasm_bindgen(js_name = waitAfterRefusal)]
pub fn wait_after_refusal_js(http_status: u16, code: &str, in_flight_batches: f64) -> Option<f64> {
    wait_after_refusal(http_status, code, in_flight_batches as u64).map(|behind| behind as f64)
}
