//! The price table: what each provider's batch route charges, relative to its published
//! (synchronous) prices, and per-model prices per million tokens.
//!
//! Provider rules come from `../shared/reference/endpoints-and-push.md` §6 and
//! `unified-features.md` §4 (read 2026-11-29); each carries its source below. The reference
//! names the price pages but holds no per-model prices, so the built-in model table
//! ([`PUBLISHED_PRICES`]) is small, dated and sourced row by row; the caller's `prices` come first
//! and extend it. A model priced by neither is reported as unpriced, never guessed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[cfg(feature = "tsify")]
use tsify::Tsify;

use crate::Provider;

/// A model's published prices in US dollars per million tokens, before the batch discount.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ModelPrice {
    pub input: f64,
    pub output: f64,
    /// Input tokens read from a prompt cache (default: the provider's cache-read multiplier of
    /// `input`; where none is published, the batch `input` rate: a cache hit never costs more than
    /// a miss).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub cached_input: Option<f64>,
    /// Input tokens written to a prompt cache (default: the provider's cache-write multiplier of
    /// `input`, or `input`). Where the usage tells 1-hour writes apart (Anthropic), this is the
    /// 5-minute price, and a 1-hour write costs the provider's 1-hour multiplier of `input` (2×),
    /// or this price when it is higher: a longer entry never costs less.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub cache_write: Option<f64>,
    /// The share taken off by the batch route, 0–1 (default: the provider's, see [`provider_pricing`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub batch_discount: Option<f64>,
}

/// Caller prices by model name. A name prices the model of that name and its dated snapshots
/// (`gpt-4o-mini` prices `gpt-4o-mini-2024-07-18`, `claude-haiku-4-5` prices
/// `claude-haiku-4-5-20251001`), nothing else: not `gpt-4o-mini` for `gpt-4o`, not
/// `claude-opus-4-5` for `claude-opus-4`, whose prices differ.
pub type PriceTable = BTreeMap<String, ModelPrice>;

/// How a provider's batch route prices tokens relative to its published prices.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProviderPricing {
    pub batch_discount: f64,
    /// Cache reads as a multiple of the input price, where published.
    pub cache_read_multiplier: Option<f64>,
    /// Cache writes as a multiple of the input price, where published.
    pub cache_write_multiplier: Option<f64>,
    /// Writes to a 1-hour cache entry as a multiple of the input price, where the usage tells them
    /// apart ([`crate::model::Usage::cache_write_1h_tokens`]) and a price is published.
    pub cache_write_1h_multiplier: Option<f64>,
    /// Whether the batch discount also applies to cached input.
    pub discount_applies_to_cache: bool,
}

pub fn provider_pricing(provider: Provider) -> ProviderPricing {
    match provider {
        // 50 % of synchronous prices [OA-FAQ] (§6). Cache writes 1.25× input on GPT-5.6+
        // [OA-CACHE-GUIDE] (unified-features §4.1); no published cached-input batch rate (§10), so
        // reads default to the input price unless the caller gives one.
        Provider::OpenAI => ProviderPricing {
            batch_discount: 0.5,
            cache_read_multiplier: None,
            cache_write_multiplier: Some(1.25),
            cache_write_1h_multiplier: None,
            discount_applies_to_cache: true,
        },
        // 50 % on input and output; cache multipliers (read 0.1×, 5-minute write 1.25×, 1-hour
        // write 2×) stack with the batch discount [AN-PRICING] (§6); the usage splits the writes by
        // lifetime (`cache_creation`, unified-features §4.2).
        Provider::Anthropic => ProviderPricing {
            batch_discount: 0.5,
            cache_read_multiplier: Some(0.1),
            cache_write_multiplier: Some(1.25),
            cache_write_1h_multiplier: Some(2.0),
            discount_applies_to_cache: true,
        },
        // 50 % [GM-GUIDE]; cached tokens are priced like non-batch cache use [GM-GUIDE-COPY] (§6):
        // a caller's `cachedInput` (the non-batch cache price) takes no batch discount. The
        // reference gives no cache price, so without one a hit is priced as a miss.
        Provider::Google => ProviderPricing {
            batch_discount: 0.5,
            cache_read_multiplier: None,
            cache_write_multiplier: None,
            cache_write_1h_multiplier: None,
            discount_applies_to_cache: false,
        },
        // 50 % [MI-GUIDE] (§6); cached prompt tokens billed at 10 % [MI-DOCS] (unified-features §4.4).
        // Whether the batch discount also applies to them is not documented (§6 "not stated",
        // unified-features §10), so the published 10 % is charged: the most a hit may cost, still
        // below a miss at the batch rate.
        Provider::Mistral => ProviderPricing {
            batch_discount: 0.5,
            cache_read_multiplier: Some(0.1),
            cache_write_multiplier: None,
            cache_write_1h_multiplier: None,
            discount_applies_to_cache: false,
        },
        // 50 % below Global Standard [AZ-BATCH] (endpoints-and-push.md §6); caching not stated.
        Provider::Azure => ProviderPricing {
            batch_discount: 0.5,
            cache_read_multiplier: None,
            cache_write_multiplier: None,
            cache_write_1h_multiplier: None,
            discount_applies_to_cache: true,
        },
        // 25 % per Groq's docs [GROQ-DOCS], 50 % per a third party [GROQ-3P] (§6): the provider's own
        // word is taken; a caller who is billed otherwise sets `batchDiscount`.
        Provider::Groq => ProviderPricing {
            batch_discount: 0.25,
            cache_read_multiplier: None,
            cache_write_multiplier: None,
            cache_write_1h_multiplier: None,
            discount_applies_to_cache: true,
        },
        // "Up to 50 %" off serverless rates, for selected models [TG-DOCS]; 50 % at launch [TG-BLOG]
        // (endpoints-and-push.md §5.4, §6, §8 item 13): the most a batch saves, which a caller
        // billed less lowers with `batchDiscount`. Caching not stated.
        Provider::Together => ProviderPricing {
            batch_discount: 0.5,
            cache_read_multiplier: None,
            cache_write_multiplier: None,
            cache_write_1h_multiplier: None,
            discount_applies_to_cache: true,
        },
        // 50 % [XAI-GUIDE]; the newest page says "reduced pricing" [XAI-GUIDE-NEW] (endpoints-and-push.md
        // §6, §8 item 12). Caching not stated.
        Provider::Xai => ProviderPricing {
            batch_discount: 0.5,
            cache_read_multiplier: None,
            cache_write_multiplier: None,
            cache_write_1h_multiplier: None,
            discount_applies_to_cache: true,
        },
        // Local: no provider bill; a caller who prices their hardware sets `batchDiscount` too.
        Provider::Vllm => ProviderPricing {
            batch_discount: 0.0,
            cache_read_multiplier: None,
            cache_write_multiplier: None,
            cache_write_1h_multiplier: None,
            discount_applies_to_cache: true,
        },
    }
}

/// Prices per million tokens that a batch request actually pays, all discounts applied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchRates {
    pub input: f64,
    pub cached_input: f64,
    /// Writes to a 5-minute cache entry, and every write whose lifetime the usage does not give.
    pub cache_write: f64,
    /// Writes to a 1-hour cache entry.
    pub cache_write_1h: f64,
    pub output: f64,
}

/// The caller's price for `model`: its own name, or the name it is a dated snapshot of.
pub fn find_price<'a>(table: &'a PriceTable, model: &str) -> Option<&'a ModelPrice> {
    table
        .iter()
        .filter(|(name, _)| name_matches(name, model))
        .max_by_key(|(name, _)| name.len())
        .map(|(_, price)| price)
}

/// A published list price (US dollars per million tokens, before the batch discount): provider,
/// model name (matched as in [`PriceTable`]: the name or its dated snapshots), input,
/// output, cached input where the page gives one.
pub struct PublishedPrice {
    pub provider: Provider,
    pub model: &'static str,
    pub input: f64,
    pub output: f64,
    pub cached_input: Option<f64>,
}

const fn published(provider: Provider, model: &'static str, input: f64, output: f64) -> PublishedPrice {
    PublishedPrice { provider, model, input, output, cached_input: None }
}

/// The built-in prices, read 2026-11-29. Only models whose identifier and price the sources give
/// together are here (a family prefix such as `claude-opus-4` would also match later models with
/// other prices); anything else comes from the caller's `prices`. Prices change: the caller's
/// table always wins.
///
/// Sources:
/// - Anthropic: the batch price table of the Message Batches guide
///   (docs.anthropic.com/en/docs/build-with-claude/batch-processing: batch input/output per MTok,
///   half the list prices below) and the model overview pages (platform.claude.com/docs, Claude
///   Haiku 4.5 at $1 / $5).
/// - OpenAI **(3rd-party)**: gpt-4o and gpt-4o-mini list and cached-input prices as copied from
///   openai.com/api/pricing by the `openai-models` crate and by OpenRouter's model page; OpenAI's
///   own page was not readable here.
/// - Gemini: `gemini-embedding-001`, whose batch price is $0.075 per million input tokens, half
///   the interactive price (endpoints-and-push.md §1.2, §6 [GM-BLOG-EMB]); embeddings have no
///   output tokens. No other Gemini model.
/// - Mistral, vLLM: none (no source gave identifiers and prices together).
pub const PUBLISHED_PRICES: &[PublishedPrice] = &[
    published(Provider::Anthropic, "claude-opus-4-1-20250805", 15.0, 75.0),
    published(Provider::Anthropic, "claude-opus-4-20250514", 15.0, 75.0),
    published(Provider::Anthropic, "claude-sonnet-4-20250514", 3.0, 15.0),
    published(Provider::Anthropic, "claude-3-7-sonnet-20250219", 3.0, 15.0),
    published(Provider::Anthropic, "claude-3-5-haiku-20241022", 0.8, 4.0),
    published(Provider::Anthropic, "claude-3-haiku-20240307", 0.25, 1.25),
    published(Provider::Anthropic, "claude-haiku-4-5", 1.0, 5.0),
    PublishedPrice { provider: Provider::OpenAI, model: "gpt-4o", input: 2.5, output: 10.0, cached_input: Some(1.25) },
    // The first gpt-4o snapshot kept its launch price (same third-party tables).
    published(Provider::OpenAI, "gpt-4o-2024-05-13", 5.0, 15.0),
    PublishedPrice {
        provider: Provider::OpenAI,
        model: "gpt-4o-mini",
        input: 0.15,
        output: 0.6,
        cached_input: Some(0.075),
    },
    published(Provider::Google, "gemini-embedding-001", 0.15, 0.0),
];

/// The built-in price of `model` on `provider` ([`PUBLISHED_PRICES`]), matched as caller prices are.
pub fn published_price(provider: Provider, model: &str) -> Option<ModelPrice> {
    PUBLISHED_PRICES
        .iter()
        .filter(|row| row.provider == provider && name_matches(row.model, model))
        .max_by_key(|row| row.model.len())
        .map(|row| ModelPrice {
            input: row.input,
            output: row.output,
            cached_input: row.cached_input,
            cache_write: None,
            batch_discount: None,
        })
}

fn name_matches(name: &str, model: &str) -> bool {
    model == name || model.strip_prefix(name).and_then(|rest| rest.strip_prefix('-')).is_some_and(is_snapshot_date)
}

/// A snapshot's date suffix as the providers write it: `2024-07-18` (OpenAI) or `20251001`
/// (Anthropic).
fn is_snapshot_date(suffix: &str) -> bool {
    let bytes = suffix.as_bytes();
    let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    match bytes.len() {
        8 => digits(0..8),
        10 => digits(0..4) && bytes[4] == b'-' && digits(5..7) && bytes[7] == b'-' && digits(8..10),
        _ => false,
    }
}

/// What `model` costs on `provider`'s batch route — the caller's price, else the built-in one —
/// or `None` when no price is known.
pub fn batch_rates(provider: Provider, table: &PriceTable, model: &str) -> Option<BatchRates> {
    let built_in;
    let price = match find_price(table, model) {
        Some(price) => price,
        None => {
            built_in = published_price(provider, model)?;
            &built_in
        }
    };
    let rules = provider_pricing(provider);
    let paid = 1.0 - price.batch_discount.unwrap_or(rules.batch_discount);
    let cache_paid = if rules.discount_applies_to_cache { paid } else { 1.0 };
    let input = price.input * paid;
    // No cache price from the caller, the built-in table or the provider's rules: a hit is
    // charged as a miss, never more (a non-batch input price was twice the batch rate).
    let cached_input = match (price.cached_input, rules.cache_read_multiplier) {
        (Some(cached), _) => cached * cache_paid,
        (None, Some(multiplier)) => price.input * multiplier * cache_paid,
        (None, None) => input,
    };
    let cache_write = price.cache_write.unwrap_or(price.input * rules.cache_write_multiplier.unwrap_or(1.0));
    let cache_write_1h =
        rules.cache_write_1h_multiplier.map_or(cache_write, |multiplier| cache_write.max(price.input * multiplier));
    Some(BatchRates {
        input,
        cached_input,
        cache_write: cache_write * paid,
        cache_write_1h: cache_write_1h * paid,
        output: price.output * paid,
    })
}

/// Whether `model`'s cached input is charged at the batch input rate because no cache price is
/// known for it (none from the caller, the built-in table or `provider`'s rules), which a summary
/// then says. False for a model without any price.
pub fn cache_price_unknown(provider: Provider, table: &PriceTable, model: &str) -> bool {
    let known = match find_price(table, model).copied().or_else(|| published_price(provider, model)) {
        Some(price) => price.cached_input.is_some(),
        None => return false,
    };
    !known && provider_pricing(provider).cache_read_multiplier.is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> PriceTable {
        let price =
            |input, output| ModelPrice { input, output, cached_input: None, cache_write: None, batch_discount: None };
        PriceTable::from([("gpt-4o".into(), price(2.0, 8.0)), ("gpt-4o-mini".into(), price(0.2, 0.8))])
    }

    #[test]
    fn built_in_prices_apply_where_the_caller_gives_none_and_the_caller_wins() {
        let empty = PriceTable::new();
        let haiku = batch_rates(Provider::Anthropic, &empty, "claude-haiku-4-5-20251001").unwrap();
        assert_eq!((haiku.input, haiku.output), (0.5, 2.5));
        // Anthropic's guide lists the batch price of Claude 3 Haiku as $0.125 / $0.625.
        let old_haiku = batch_rates(Provider::Anthropic, &empty, "claude-3-haiku-20240307").unwrap();
        assert_eq!((old_haiku.input, old_haiku.output), (0.125, 0.625));
        let mini = batch_rates(Provider::OpenAI, &empty, "gpt-4o-mini-2024-07-18").unwrap();
        assert_eq!((mini.input, mini.cached_input, mini.output), (0.075, 0.0375, 0.3));
        assert_eq!(batch_rates(Provider::OpenAI, &empty, "gpt-4o").unwrap().input, 1.25);
        // A built-in name prices only its own provider, and a family prefix is not guessed.
        assert!(batch_rates(Provider::Mistral, &empty, "gpt-4o-mini").is_none());
        assert!(batch_rates(Provider::Anthropic, &empty, "claude-opus-4-5-20251101").is_none());
        let caller = table();
        assert_eq!(batch_rates(Provider::OpenAI, &caller, "gpt-4o-mini").unwrap().input, 0.1);
    }

    #[test]
    fn a_name_prices_itself_and_its_dated_snapshots_only() {
        let mut table = table();
        table.insert(
            "claude-opus-4".into(),
            ModelPrice { input: 15.0, output: 75.0, cached_input: None, cache_write: None, batch_discount: None },
        );
        assert_eq!(find_price(&table, "gpt-4o-mini-2024-07-18").unwrap().input, 0.2);
        assert_eq!(find_price(&table, "gpt-4o-2024-08-06").unwrap().input, 2.0);
        assert_eq!(find_price(&table, "claude-opus-4-20250514").unwrap().input, 15.0);
        for other in [
            "gpt-4omni",
            "claude",
            "gpt-4o-audio-preview",
            "gpt-4o-mini-tts",
            "claude-opus-4-5-20251101",
            "gpt-4o-2024-8-6",
        ] {
            assert!(find_price(&table, other).is_none(), "{other}");
        }
        // A caller's gpt-4o price does not reach gpt-4o-mini, which keeps its built-in price.
        let only_4o = PriceTable::from([("gpt-4o".into(), table["gpt-4o"])]);
        assert_eq!(batch_rates(Provider::OpenAI, &only_4o, "gpt-4o-mini").unwrap().input, 0.075);
        assert_eq!(batch_rates(Provider::OpenAI, &PriceTable::new(), "gpt-4o-2024-05-13").unwrap().input, 2.5);
        assert!(batch_rates(Provider::OpenAI, &PriceTable::new(), "gpt-4o-realtime-preview-2024-12-17").is_none());
    }

    #[test]
    fn the_batch_discount_and_cache_multipliers_apply() {
        let mut table = table();
        table.insert(
            "claude-x".into(),
            ModelPrice { input: 4.0, output: 20.0, cached_input: None, cache_write: None, batch_discount: None },
        );
        let rates = batch_rates(Provider::Anthropic, &table, "claude-x").unwrap();
        assert_eq!(
            rates,
            BatchRates { input: 2.0, cached_input: 0.2, cache_write: 2.5, cache_write_1h: 4.0, output: 10.0 }
        );
    }

    #[test]
    fn a_cache_hit_never_costs_more_than_a_miss_where_no_cache_price_is_known() {
        let price = |cached_input| ModelPrice {
            input: 2.0,
            output: 8.0,
            cached_input,
            cache_write: None,
            batch_discount: None,
        };
        let table = PriceTable::from([("m".into(), price(None)), ("cached".into(), price(Some(0.5)))]);
        // Gemini's cached tokens are priced like non-batch cache use: without a cache price
        // they were charged the non-batch input price, twice a miss (a new-user trial).
        for provider in Provider::ALL {
            let rates = batch_rates(provider, &table, "m").unwrap();
            assert!(rates.cached_input <= rates.input, "{provider:?}: {rates:?}");
            let noted = cache_price_unknown(provider, &table, "m");
            assert_eq!(noted, provider_pricing(provider).cache_read_multiplier.is_none(), "{provider:?}");
            if noted {
                assert_eq!(rates.cached_input, rates.input, "{provider:?}");
            }
            // A caller's cache price is known: no note.
            assert!(!cache_price_unknown(provider, &table, "cached"), "{provider:?}");
        }
        // The caller's Gemini cache price is the non-batch one: no batch discount on it.
        assert_eq!(batch_rates(Provider::Google, &table, "cached").unwrap().cached_input, 0.5);
        assert_eq!(batch_rates(Provider::Google, &table, "m").unwrap().cached_input, 1.0);
        // Mistral's published 10 %, without a batch discount nobody documents.
        assert_eq!(batch_rates(Provider::Mistral, &table, "m").unwrap().cached_input, 0.2);
        // A built-in cached price is known; an unpriced model has no note either.
        assert!(!cache_price_unknown(Provider::OpenAI, &PriceTable::new(), "gpt-4o-mini"));
        assert!(!cache_price_unknown(Provider::OpenAI, &PriceTable::new(), "unpriced"));
        assert!(cache_price_unknown(Provider::OpenAI, &PriceTable::new(), "gpt-4o-2024-05-13"));
    }

    #[test]
    fn a_caller_discount_and_cache_price_override_the_provider_rule() {
        let table = PriceTable::from([(
            "m".into(),
            ModelPrice {
                input: 1.0,
                output: 2.0,
                cached_input: Some(0.5),
                cache_write: None,
                batch_discount: Some(0.25),
            },
        )]);
        let rates = batch_rates(Provider::OpenAI, &table, "m").unwrap();
        assert_eq!(
            rates,
            BatchRates { input: 0.75, cached_input: 0.375, cache_write: 0.9375, cache_write_1h: 0.9375, output: 1.5 }
        );
    }
}
