//! Cost before and after a job: token and cost estimates of a batch before it is sent, and the
//! cost of what the results' usage says was spent.
//!
//! An estimate's cost is a range: the least is the input alone, at the uncached input rate; the
//! most prices the input of a request that may write the prompt cache at the cache-write rate, where
//! that is higher ([`most_input_rate`]), and adds every request's output bound at the output rate.
//! Cache reads can make the real cost lower than the least; the most is exceeded only by an input
//! estimate that is too low.

pub mod budget;
pub mod prices;
pub mod quota;
mod token_costs;
pub mod token_estimate;

use serde::{Deserialize, Serialize};

#[cfg(feature = "tsify")]
use tsify::Tsify;

use crate::model::{CacheTtl, UnifiedRequest, Usage};
use crate::model_rules::{has_rule, Rule, Setting};
use crate::validate::model_for;
use crate::Provider;
use prices::{batch_rates, BatchRates, PriceTable};
use token_estimate::{estimate_input_tokens, max_output_tokens, EstimateOptions};

/// Request `index`'s input tokens: the caller's count when given, else the estimate.
fn input_tokens_of(index: usize, request: &UnifiedRequest, options: &EstimateOptions) -> u64 {
    match options.input_tokens.as_ref().and_then(|counts| counts.get(index)) {
        Some(&counted) => counted,
        None => estimate_input_tokens(request, options),
    }
}

use crate::providers::anthropic::DEFAULT_MAX_TOKENS as ANTHROPIC_DEFAULT_MAX_TOKENS;

const PER_MILLION: f64 = 1_000_000.0;

/// One model's share of an estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct ModelEstimate {
    pub model: String,
    pub requests: usize,
    pub input_tokens: u64,
    /// The sum of the output bounds of the requests that have one.
    pub max_output_tokens: u64,
    /// Requests without an output bound (no `maxTokens`, no `defaultMaxOutputTokens`).
    pub unbounded_requests: usize,
    /// Absent when the model has no price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub min_cost_usd: Option<f64>,
    /// Absent when the model has no price or a request has no output bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub max_cost_usd: Option<f64>,
}

/// A batch's tokens and cost range, before anything is sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct BatchEstimate {
    pub provider: String,
    pub requests: usize,
    pub input_tokens: u64,
    pub max_output_tokens: u64,
    pub unbounded_requests: usize,
    /// Absent when a model has no price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub min_cost_usd: Option<f64>,
    /// Absent when a model has no price or a request has no output bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub max_cost_usd: Option<f64>,
    /// Models without a price in the table, in order of first appearance.
    pub unpriced_models: Vec<String>,
    /// Per model, in order of first appearance.
    pub models: Vec<ModelEstimate>,
}

/// One request's estimate, for budgets and quotas that follow a job batch by batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct RequestEstimate {
    /// The model the request is sent with on the provider, the one priced and held to its quota
    /// ([`crate::validate::model_for`]).
    pub model: String,
    pub input_tokens: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub max_output_tokens: Option<u64>,
    /// The most it may cost; absent when unpriced or unbounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub max_cost_usd: Option<f64>,
}

fn dollars(tokens: u64, rate_per_million: f64) -> f64 {
    tokens as f64 * rate_per_million / PER_MILLION
}

/// The most one input token of `request` may cost on `provider` at `rates`: where the request may
/// write the prompt cache, the cache-write rate when that is higher than the input rate. The whole
/// input is priced so, not only the prefix up to the last breakpoint: a bound, and simpler.
///
/// - Anthropic writes at a breakpoint only (`cacheControl` on the request, a part, the system
///   prompt or a tool, or Anthropic's `cache_control` on a block inside `providerKwargs`, such as
///   a tool's; a top-level `providerKwargs.cache_control` is refused), at the rate of the longest
///   `ttl` the request uses: 2× input for `"1h"`, 1.25× for 5 minutes (reference unified-features
///   §4.2, endpoints-and-push.md §6).
/// - OpenAI caches automatically, so any chat or Responses request may write: GPT-5.6 and later
///   bill writes at 1.25× input (§4.1); the older models the rule table knows (those that refuse
///   `prompt_cache_options`, §7.1) are not billed for them, so their input rate stands. A model the
///   table does not know may be GPT-5.6 or later, and is bounded as one.
/// - The other providers that read `cache_write_tokens` (OpenAI's protocol, Mistral) publish no write
///   price: writes cost the input rate unless the caller's `cacheWrite` is higher. Gemini reports no
///   writes.
pub fn most_input_rate(provider: Provider, request: &UnifiedRequest, model: &str, rates: &BatchRates) -> f64 {
    let write = match provider {
        // Embeddings are not cached.
        _ if request.input.is_some() => return rates.input,
        Provider::Anthropic => match crate::caching::longest_ttl(request) {
            None => return rates.input,
            Some(CacheTtl::OneHour) => rates.cache_write_1h,
            Some(CacheTtl::FiveMinutes) => rates.cache_write,
        },
        Provider::Google => return rates.input,
        Provider::OpenAI
            if has_rule(Provider::OpenAI, model, |rule| matches!(rule, Rule::Refuses(Setting::PromptCacheOptions))) =>
        {
            return rates.input
        }
        _ => rates.cache_write,
    };
    rates.input.max(write)
}

/// The most output tokens a request may use on `provider`: what will be sent as its limit — the
/// provider's own limit field in `providerKwargs` (merged last), else `generationConfig.maxTokens`, else the
/// limit batch-router sends by default (Anthropic requires one: [`ANTHROPIC_DEFAULT_MAX_TOKENS`]) —
/// or, where nothing bounds it, the caller's `defaultMaxOutputTokens`.
///
/// The limit holds for each answer: a request asking for several (`candidateCount`, or `n` /
/// `generationConfig.candidateCount` in `providerKwargs`) may produce that many times it, and is
/// billed for all of them (openai.yaml, `n`: "charged based on the number of generated tokens
/// across all of the choices").
///
/// An embeddings request (one with `input`) produces no output tokens: its bound is 0.
pub fn output_bound(provider: Provider, request: &UnifiedRequest, options: &EstimateOptions) -> Option<u64> {
    if request.input.is_some() {
        return Some(0);
    }
    // providerKwargs are merged into the body last, so their limit is the one sent.
    let configured = request.generation_config.as_ref().and_then(|config| config.max_tokens).map(u64::from);
    let per_answer = kwargs_output_bound(provider, request)
        .or(configured)
        .or_else(|| (provider == Provider::Anthropic).then_some(u64::from(ANTHROPIC_DEFAULT_MAX_TOKENS)))
        .or_else(|| max_output_tokens(request, options))?;
    Some(per_answer.saturating_mul(answer_count(provider, request)))
}

/// How many answers a request asks for: its kwargs' count (merged last, so the one sent), else
/// `generationConfig.candidateCount`, else 1.
fn answer_count(provider: Provider, request: &UnifiedRequest) -> u64 {
    let kwargs = request.provider_kwargs.as_ref().and_then(|kwargs| match provider {
        Provider::Google => kwargs.get("generationConfig")?.get("candidateCount")?.as_u64(),
        Provider::Anthropic => None,
        _ => kwargs.get("n")?.as_u64(),
    });
    let configured = request.generation_config.as_ref().and_then(|config| config.candidate_count).map(u64::from);
    kwargs.or(configured).unwrap_or(1).max(1)
}

/// The output limit a request's `providerKwargs` set, in the provider's own spelling.
fn kwargs_output_bound(provider: Provider, request: &UnifiedRequest) -> Option<u64> {
    let kwargs = request.provider_kwargs.as_ref()?;
    let value = match provider {
        Provider::Google => kwargs.get("generationConfig")?.get("maxOutputTokens"),
        Provider::OpenAI | Provider::Azure | Provider::Groq | Provider::Vllm | Provider::Together | Provider::Xai => {
            // `max_output_tokens` is the Responses body's limit (endpoints-and-push.md §2.1).
            kwargs
                .get("max_completion_tokens")
                .or_else(|| kwargs.get("max_tokens"))
                .or_else(|| kwargs.get("max_output_tokens"))
        }
        Provider::Anthropic | Provider::Mistral => kwargs.get("max_tokens"),
    };
    value?.as_u64()
}

/// Each request's estimate, in order, priced by the model it is sent with on `provider`: `model`
/// (the provider's `model` option), else its `models` entry for the provider, else its `model`.
pub fn estimate_requests(
    provider: Provider,
    requests: &[UnifiedRequest],
    model: Option<&str>,
    prices: &PriceTable,
    options: &EstimateOptions,
) -> Vec<RequestEstimate> {
    requests
        .iter()
        .enumerate()
        .map(|(index, request)| {
            let sent_model = model_for(provider, request, model);
            let input_tokens = input_tokens_of(index, request, options);
            let max_output = output_bound(provider, request, options);
            let max_cost_usd = batch_rates(provider, prices, sent_model).zip(max_output).map(|(rates, output)| {
                dollars(input_tokens, most_input_rate(provider, request, sent_model, &rates))
                    + dollars(output, rates.output)
            });
            RequestEstimate { model: sent_model.to_owned(), input_tokens, max_output_tokens: max_output, max_cost_usd }
        })
        .collect()
}

/// A batch's tokens and cost range, by the model each request is sent with on `provider` (as in
/// [`estimate_requests`]).
pub fn estimate_batch(
    provider: Provider,
    requests: &[UnifiedRequest],
    model: Option<&str>,
    prices: &PriceTable,
    options: &EstimateOptions,
) -> BatchEstimate {
    let mut models: Vec<ModelEstimate> = Vec::new();
    // Each model's most is the sum of its requests' (`estimate_requests`): the worst case a budget counts.
    for estimate in estimate_requests(provider, requests, model, prices, options) {
        let position = match models.iter().position(|entry| entry.model == estimate.model) {
            Some(position) => position,
            None => {
                models.push(ModelEstimate {
                    model: estimate.model,
                    requests: 0,
                    input_tokens: 0,
                    max_output_tokens: 0,
                    unbounded_requests: 0,
                    min_cost_usd: None,
                    max_cost_usd: Some(0.0),
                });
                models.len() - 1
            }
        };
        let entry = &mut models[position];
        entry.requests += 1;
        entry.input_tokens += estimate.input_tokens;
        match estimate.max_output_tokens {
            Some(bound) => entry.max_output_tokens += bound,
            None => entry.unbounded_requests += 1,
        }
        entry.max_cost_usd = entry.max_cost_usd.zip(estimate.max_cost_usd).map(|(sum, most)| sum + most);
    }
    let mut unpriced_models = Vec::new();
    for entry in &mut models {
        match batch_rates(provider, prices, &entry.model) {
            Some(rates) => entry.min_cost_usd = Some(dollars(entry.input_tokens, rates.input)),
            None => unpriced_models.push(entry.model.clone()),
        }
    }
    let sum = |pick: fn(&ModelEstimate) -> Option<f64>| models.iter().map(pick).sum::<Option<f64>>();
    BatchEstimate {
        provider: provider.name().to_owned(),
        requests: requests.len(),
        input_tokens: models.iter().map(|entry| entry.input_tokens).sum(),
        max_output_tokens: models.iter().map(|entry| entry.max_output_tokens).sum(),
        unbounded_requests: models.iter().map(|entry| entry.unbounded_requests).sum(),
        min_cost_usd: sum(|entry| entry.min_cost_usd),
        max_cost_usd: sum(|entry| entry.max_cost_usd),
        unpriced_models,
        models,
    }
}

/// What `usage` cost on `provider`'s batch route, or `None` when `model` has no price. Input is
/// split into cache reads, 1-hour cache writes, the other cache writes and the uncached rest, each
/// at its own rate.
pub fn cost_of_usage(provider: Provider, prices: &PriceTable, model: &str, usage: &Usage) -> Option<f64> {
    let BatchRates { input, cached_input, cache_write, cache_write_1h, output } = batch_rates(provider, prices, model)?;
    let read = usage.cache_read_tokens.unwrap_or(0);
    let written = usage.cache_write_tokens.unwrap_or(0);
    let written_1h = usage.cache_write_1h_tokens.unwrap_or(0).min(written);
    let uncached = usage.input_tokens.saturating_sub(read).saturating_sub(written);
    Some(
        dollars(uncached, input)
            + dollars(read, cached_input)
            + dollars(written - written_1h, cache_write)
            + dollars(written_1h, cache_write_1h)
            + dollars(usage.output_tokens, output),
    )
}

#[cfg(test)]
mod tests {
    use super::prices::ModelPrice;
    use super::*;

    #[test]
    fn the_output_bound_is_what_will_be_sent() {
        let request = |json: &str| crate::parse::parse_request(0, json).unwrap();
        let bare = request(r#"{"customId":"a","model":"m","messages":[{"role":"user","content":"hi"}]}"#);
        let options = EstimateOptions::default();
        // Anthropic requires max_tokens: batch-router sends its default, so the request is bounded.
        assert_eq!(output_bound(Provider::Anthropic, &bare, &options), Some(4096));
        assert_eq!(output_bound(Provider::OpenAI, &bare, &options), None);
        let with_default = EstimateOptions { default_max_output_tokens: Some(900), ..Default::default() };
        assert_eq!(output_bound(Provider::OpenAI, &bare, &with_default), Some(900));
        let kwargs = request(
            r#"{"customId":"a","model":"m","messages":[{"role":"user","content":"hi"}],
                "providerKwargs":{"max_completion_tokens":77,"max_tokens":55,"generationConfig":{"maxOutputTokens":33}}}"#,
        );
        assert_eq!(output_bound(Provider::OpenAI, &kwargs, &options), Some(77));
        assert_eq!(output_bound(Provider::Anthropic, &kwargs, &options), Some(55));
        assert_eq!(output_bound(Provider::Google, &kwargs, &options), Some(33));
        let configured = request(
            r#"{"customId":"a","model":"m","messages":[{"role":"user","content":"hi"}],"generationConfig":{"maxTokens":12},
                "providerKwargs":{"max_tokens":55}}"#,
        );
        // providerKwargs are merged last: their limit is the one sent.
        assert_eq!(output_bound(Provider::Anthropic, &configured, &options), Some(55));
        assert_eq!(output_bound(Provider::OpenAI, &configured, &options), Some(55));
        assert_eq!(output_bound(Provider::Google, &configured, &options), Some(12));
        let responses = request(
            r#"{"customId":"a","model":"m","messages":[{"role":"user","content":"hi"}],"providerKwargs":{"max_output_tokens":66}}"#,
        );
        assert_eq!(output_bound(Provider::OpenAI, &responses, &options), Some(66));
    }

    #[test]
    fn embedding_inputs_are_counted_as_input_only_and_priced() {
        use super::token_estimate::estimate_text_tokens;
        let request = |json: &str| crate::parse::parse_request(0, json).unwrap();
        let texts = ["The cat sat on the mat.", "Batch APIs cost half as much.", "Vectors come back in order."];
        let expected: u64 = texts.iter().map(|text| estimate_text_tokens(text)).sum();
        assert!(expected > 10);
        let gemini = request(&format!(r#"{{"customId":"a","model":"gemini-embedding-001","input":{}}}"#, json!(texts)));
        // No chat framing and no output: the texts' tokens, bounded, at the published batch price.
        let estimate = estimate_batch(
            Provider::Google,
            std::slice::from_ref(&gemini),
            None,
            &PriceTable::new(),
            &EstimateOptions::default(),
        );
        assert_eq!(estimate.input_tokens, expected);
        assert_eq!((estimate.max_output_tokens, estimate.unbounded_requests), (0, 0));
        let cost = expected as f64 * 0.075 / 1_000_000.0;
        assert!((estimate.min_cost_usd.unwrap() - cost).abs() < 1e-12, "{estimate:?}");
        assert_eq!(estimate.min_cost_usd, estimate.max_cost_usd);
        // A model without a built-in price takes the caller's, as for chat.
        let openai = request(r#"{"customId":"b","model":"text-embedding-3-small","input":"one text"}"#);
        let unpriced = estimate_batch(
            Provider::OpenAI,
            std::slice::from_ref(&openai),
            None,
            &PriceTable::new(),
            &EstimateOptions::default(),
        );
        assert_eq!(unpriced.unpriced_models, ["text-embedding-3-small"]);
        let mut table = PriceTable::new();
        table.insert(
            "text-embedding-3-small".into(),
            ModelPrice { input: 0.02, output: 0.0, cached_input: None, cache_write: None, batch_discount: None },
        );
        let per_request = estimate_requests(Provider::OpenAI, &[openai], None, &table, &EstimateOptions::default());
        let tokens = estimate_text_tokens("one text");
        assert_eq!((per_request[0].input_tokens, per_request[0].max_output_tokens), (tokens, Some(0)));
        assert!((per_request[0].max_cost_usd.unwrap() - tokens as f64 * 0.01 / 1_000_000.0).abs() < 1e-12);
    }
    use serde_json::json;

    fn prices() -> PriceTable {
        PriceTable::from([(
            "priced".to_owned(),
            ModelPrice { input: 2.0, output: 8.0, cached_input: None, cache_write: None, batch_discount: None },
        )])
    }

    fn request(custom_id: &str, model: &str, max_tokens: Option<u32>) -> UnifiedRequest {
        let mut value =
            json!({"customId": custom_id, "model": model, "messages": [{"role": "user", "content": "Hello"}]});
        if let Some(max_tokens) = max_tokens {
            value["generationConfig"] = json!({"maxTokens": max_tokens});
        }
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn an_estimate_gives_tokens_and_a_cost_range_per_model() {
        let requests = [request("a", "priced", Some(100)), request("b", "priced", Some(300))];
        let estimate = estimate_batch(Provider::OpenAI, &requests, None, &prices(), &EstimateOptions::default());
        // 7 input tokens each ("Hello" + 3 + 3); OpenAI batch rates are half: $1 and $4 per million.
        assert_eq!(estimate.input_tokens, 14);
        assert_eq!(estimate.max_output_tokens, 400);
        assert_eq!(estimate.min_cost_usd, Some(14.0 / 1e6));
        // A model the rule table does not know may be GPT-5.6+, whose cache writes cost 1.25× input.
        assert_eq!(estimate.max_cost_usd, Some(14.0 * 1.25 / 1e6 + 1600.0 / 1e6));
        assert!(estimate.unpriced_models.is_empty());
    }

    #[test]
    fn unpriced_models_and_unbounded_requests_leave_the_cost_out() {
        let requests = [request("a", "priced", None), request("b", "other", Some(10))];
        let estimate = estimate_batch(Provider::OpenAI, &requests, None, &prices(), &EstimateOptions::default());
        assert_eq!(estimate.unpriced_models, vec!["other".to_owned()]);
        assert_eq!(estimate.unbounded_requests, 1);
        assert_eq!(estimate.min_cost_usd, None);
        assert_eq!(estimate.models[0].min_cost_usd, Some(7.0 / 1e6));
        assert_eq!(estimate.models[0].max_cost_usd, None);
        let per_request = estimate_requests(Provider::OpenAI, &requests, None, &prices(), &EstimateOptions::default());
        assert_eq!(per_request[0].max_cost_usd, None);
        assert_eq!(per_request[1].max_cost_usd, None);
    }

    #[test]
    fn requests_are_priced_by_the_model_sent_on_the_provider() {
        // `model` names another provider's model; `models` or the provider's `model` option name
        // what is sent, and so what is priced and grouped (a new-user trial found `model` priced).
        let mut by_provider = request("a", "gpt-4o-mini", Some(100));
        by_provider.models = Some([("anthropic".to_owned(), "priced".to_owned())].into());
        let plain = request("b", "gpt-4o-mini", Some(100));
        let requests = [by_provider, plain];
        let estimate = estimate_batch(Provider::Anthropic, &requests, None, &prices(), &EstimateOptions::default());
        let models: Vec<&str> = estimate.models.iter().map(|entry| entry.model.as_str()).collect();
        assert_eq!(models, ["priced", "gpt-4o-mini"]);
        assert_eq!(estimate.unpriced_models, ["gpt-4o-mini"]);
        let per_request =
            estimate_requests(Provider::Anthropic, &requests, None, &prices(), &EstimateOptions::default());
        assert_eq!((per_request[0].model.as_str(), per_request[1].model.as_str()), ("priced", "gpt-4o-mini"));
        assert!(per_request[0].max_cost_usd.is_some() && per_request[1].max_cost_usd.is_none());
        // An alias names the provider too; on another provider the request's own model stays.
        let mut aliased = request("c", "gpt-4o-mini", Some(100));
        aliased.models = Some([("gemini".to_owned(), "priced".to_owned())].into());
        for (provider, sent) in [(Provider::Google, "priced"), (Provider::OpenAI, "gpt-4o-mini")] {
            let aliased = std::slice::from_ref(&aliased);
            let estimate = estimate_requests(provider, aliased, None, &prices(), &EstimateOptions::default());
            assert_eq!(estimate[0].model, sent, "{provider:?}");
        }
        // The provider's `model` option is sent over both, and so priced.
        let option =
            estimate_batch(Provider::Anthropic, &requests, Some("priced"), &prices(), &EstimateOptions::default());
        assert_eq!((option.models.len(), option.models[0].model.as_str(), option.models[0].requests), (1, "priced", 2));
        assert!(option.unpriced_models.is_empty());
    }

    #[test]
    fn a_request_for_several_answers_is_bounded_by_all_of_them() {
        let mut unified = request("a", "priced", Some(100));
        unified.generation_config.as_mut().unwrap().candidate_count = Some(3);
        let options = EstimateOptions::default();
        assert_eq!(output_bound(Provider::OpenAI, &unified, &options), Some(300));
        assert_eq!(output_bound(Provider::Google, &unified, &options), Some(300));
        // The kwargs' count is the one sent (merged last), in each provider's spelling.
        let mut kwargs = request("b", "priced", Some(100));
        kwargs.provider_kwargs = Some(serde_json::from_value(json!({"n": 4})).unwrap());
        assert_eq!(output_bound(Provider::OpenAI, &kwargs, &options), Some(400));
        assert_eq!(output_bound(Provider::Google, &kwargs, &options), Some(100));
        kwargs.provider_kwargs =
            Some(serde_json::from_value(json!({"generationConfig": {"candidateCount": 2}})).unwrap());
        assert_eq!(output_bound(Provider::Google, &kwargs, &options), Some(200));
        let estimate = estimate_requests(Provider::OpenAI, &[unified], None, &prices(), &options);
        assert_eq!(estimate[0].max_output_tokens, Some(300));
    }

    #[test]
    fn one_hour_cache_writes_cost_twice_the_input_price() {
        // Anthropic: writes 1.25× input for 5 minutes, 2× for 1 hour, with the 50 % batch discount
        // (reference unified-features §4.2, endpoints-and-push.md §6). A million tokens written:
        let anthropic = PriceTable::from([(
            "claude-x".to_owned(),
            ModelPrice { input: 1.0, output: 5.0, cached_input: None, cache_write: None, batch_discount: None },
        )]);
        let written = |one_hour| Usage {
            input_tokens: 1_000_000,
            cache_write_tokens: Some(1_000_000),
            cache_write_1h_tokens: one_hour,
            ..Usage::default()
        };
        let cost =
            |prices: &PriceTable, usage: &Usage| cost_of_usage(Provider::Anthropic, prices, "claude-x", usage).unwrap();
        let close = |actual: f64, expected: f64| assert!((actual - expected).abs() < 1e-12, "{actual} vs {expected}");
        close(cost(&anthropic, &written(None)), 0.625);
        close(cost(&anthropic, &written(Some(0))), 0.625);
        close(cost(&anthropic, &written(Some(1_000_000))), 1.0);
        close(cost(&anthropic, &written(Some(400_000))), 0.6 * 0.625 + 0.4);
        // A 1-hour count above the writes it is part of is held to them.
        close(cost(&anthropic, &Usage { cache_write_1h_tokens: Some(5_000_000), ..written(None) }), 1.0);
        // The caller's `cacheWrite` is the 5-minute price; a 1-hour write costs 2× input, or that
        // price when it is higher (a longer entry never costs less).
        let with_write = |cache_write| {
            PriceTable::from([(
                "claude-x".to_owned(),
                ModelPrice { input: 1.0, output: 5.0, cached_input: None, cache_write, batch_discount: None },
            )])
        };
        close(cost(&with_write(Some(1.5)), &written(None)), 0.75);
        close(cost(&with_write(Some(1.5)), &written(Some(1_000_000))), 1.0);
        close(cost(&with_write(Some(3.0)), &written(Some(1_000_000))), 1.5);
        // Where the usage has no 1-hour part (OpenAI's writes), every write is at the write rate.
        let openai = cost_of_usage(Provider::OpenAI, &anthropic, "claude-x", &written(Some(1_000_000))).unwrap();
        close(openai, 0.625);
    }

    /// One request of `json`'s shape (a `customId`, a `model`, a message) with `fields` merged in.
    fn with_fields(model: &str, fields: serde_json::Value) -> UnifiedRequest {
        let mut value = json!({"customId": "w", "model": model, "messages": [{"role": "user", "content": "Hello"}],
                               "generationConfig": {"maxTokens": 10}});
        for (key, field) in fields.as_object().unwrap() {
            value[key] = field.clone();
        }
        crate::parse::parse_request(0, &value.to_string()).unwrap()
    }

    #[test]
    fn the_worst_case_prices_input_that_may_write_the_cache_at_the_write_rate() {
        let prices = PriceTable::from(["claude-x", "gpt-4o-mini", "gpt-5.6", "mistral-x", "gemini-x"].map(|model| {
            let price =
                ModelPrice { input: 2.0, output: 0.0, cached_input: None, cache_write: None, batch_discount: None };
            (model.to_owned(), price)
        }));
        let options = EstimateOptions { input_tokens: Some(vec![1_000_000]), ..Default::default() };
        // The most a request's million input tokens may cost (no output: priced at 0).
        let most = |provider, request: UnifiedRequest| {
            let estimate = estimate_requests(provider, std::slice::from_ref(&request), None, &prices, &options);
            let batch = estimate_batch(provider, std::slice::from_ref(&request), None, &prices, &options);
            // The estimate shows the worst case the budget uses; the least stays the input alone.
            assert_eq!(batch.max_cost_usd, estimate[0].max_cost_usd, "{provider:?}");
            assert_eq!(batch.min_cost_usd, Some(1.0), "{provider:?}");
            estimate[0].max_cost_usd.unwrap()
        };
        let system = json!("A long shared policy.");
        // Anthropic (batch input $1/M): no breakpoint 1×, a 5-minute one 1.25×, a 1-hour one 2×,
        // wherever the breakpoint is; the longest ttl of the request counts.
        let anthropic = |fields| most(Provider::Anthropic, with_fields("claude-x", fields));
        assert_eq!(anthropic(json!({"systemPrompt": system})), 1.0);
        assert_eq!(anthropic(json!({"systemPrompt": system, "systemPromptCacheControl": {}})), 1.25);
        assert_eq!(anthropic(json!({"cacheControl": {"ttl": "5m"}})), 1.25);
        assert_eq!(anthropic(json!({"cacheControl": {"ttl": "1h"}})), 2.0);
        assert_eq!(
            anthropic(json!({"systemPrompt": system, "systemPromptCacheControl": {"ttl": "1h"}, "cacheControl": {}})),
            2.0
        );
        let part =
            json!([{"role": "user", "content": [{"type": "text", "text": "Hello", "cacheControl": {"ttl": "1h"}}]}]);
        assert_eq!(anthropic(json!({"messages": part})), 2.0);
        let tool = json!([{"name": "look_up", "description": "Looks up", "parameters": {"type": "object"}, "cacheControl": {"ttl": "1h"}}]);
        assert_eq!(anthropic(json!({"tools": tool})), 2.0);
        // A breakpoint written in Anthropic's own spelling inside providerKwargs counts too.
        let kwargs_tool = json!({"tools": [{"name": "t", "input_schema": {"type": "object"}, "cache_control": {"type": "ephemeral", "ttl": "1h"}}]});
        assert_eq!(anthropic(json!({"providerKwargs": kwargs_tool})), 2.0);
        let kwargs_five = json!({"tools": [{"name": "t", "input_schema": {"type": "object"}, "cache_control": {"type": "ephemeral"}}]});
        assert_eq!(anthropic(json!({"providerKwargs": kwargs_five})), 1.25);
        // OpenAI caches by itself: GPT-5.6+ may write any request's prefix at 1.25×; the models
        // before it (refusing prompt_cache_options) are not billed for writes.
        assert_eq!(most(Provider::OpenAI, with_fields("gpt-4o-mini", json!({}))), 1.0);
        assert_eq!(most(Provider::OpenAI, with_fields("gpt-5.6", json!({}))), 1.25);
        // No published write price elsewhere: the input rate, unless the caller's is higher.
        assert_eq!(most(Provider::Mistral, with_fields("mistral-x", json!({}))), 1.0);
        assert_eq!(most(Provider::Google, with_fields("gemini-x", json!({}))), 1.0);
        let mut dearer = prices.clone();
        dearer.get_mut("mistral-x").unwrap().cache_write = Some(3.0);
        let request = with_fields("mistral-x", json!({}));
        let estimate = estimate_requests(Provider::Mistral, &[request], None, &dearer, &options);
        assert_eq!(estimate[0].max_cost_usd, Some(1.5));
    }

    #[test]
    fn usage_is_priced_by_part() {
        let usage = Usage {
            input_tokens: 1_000_000,
            output_tokens: 1_000_000,
            cache_read_tokens: Some(400_000),
            cache_write_tokens: Some(100_000),
            ..Usage::default()
        };
        // Anthropic at batch rates: uncached 500k × $1, reads 400k × $0.1, writes 100k × $1.25, output $4.
        let cost = cost_of_usage(Provider::Anthropic, &prices(), "priced", &usage).unwrap();
        assert!((cost - (0.5 + 0.04 + 0.125 + 4.0)).abs() < 1e-9, "{cost}");
        assert_eq!(cost_of_usage(Provider::Anthropic, &prices(), "unknown", &usage), None);
    }
}
