/** `batch-router estimate FILE --provider P`: tokens and a cost range, without sending anything. */

import { ValidationError } from "../errors.js";
import { describeUnbounded, estimateJsonl, unboundedRequestsOf, formatDollars, type PriceTable, type UnboundedRequest } from "../estimate.js";
import { checkPrices } from "../price-check.js";
import type { BatchEstimate } from "../wasm.js";
import type { Endpoint } from "../types.js";
import { anthropicVersionOption, modelChoice, providersOf, readUnifiedFile, sameRefusal, type RefusedConversion } from "./convert-command.js";
import { UsageError } from "./output.js";
import { readUtf8File } from "./utf8-file.js";

export const estimateHelp = `Usage: batch-router estimate FILE --provider P [options]

Estimates the input tokens of each request (no tokenizer: within a few per cent of OpenAI's
o200k_base on the benchmark corpus, see the README) and the most output tokens (its maxTokens),
and prices them at the provider's batch rates. Sends nothing.

Options:
  --provider P               {{providers}}, or all (every provider with the endpoint)
  --model M                  use model M for every request; --model P=M for provider P only
  --endpoint E               chat (default), responses or embeddings (texts counted as input only)
  --anthropic-version V      Anthropic API version: 2023-06-01 (default) or 2026-10-21, whose
                             rules are then checked, as a submission's are
  --prices FILE              model prices, JSON: {"gpt-4o-mini": {"input": 0.15, "output": 0.6}}
                             (US dollars per million tokens, published prices; the batch discount
                             is applied; optional cachedInput, cacheWrite, batchDiscount)
  --drop-unsupported         estimate the requests as they would be sent with settings the
                             provider cannot express left out (as submit --drop-unsupported)
  --max-output-tokens N      the output bound of requests without maxTokens
  --media-tokens N           tokens counted per image or document (default 1000)
  --json                     print one JSON document
`;

export interface EstimateCommandOptions {
  file: string;
  provider: string;
  /** `--model` values: `M` for every provider, `P=M` for provider P. */
  model?: string | string[];
  pricesFile?: string;
  maxOutputTokens?: string;
  mediaTokens?: string;
  endpoint?: Endpoint;
  /** `--anthropic-version`: validated with that version's rules for Anthropic. */
  anthropicVersion?: string;
  /** `--drop-unsupported`: estimated as submitted with it. */
  dropUnsupported?: boolean;
}

export function count(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = value.trim() === "" ? NaN : Number(value);
  if (!Number.isInteger(number) || number < 0) throw new UsageError(`${name} must be a whole number ≥ 0, not "${value}"`);
  return number;
}

export async function readPrices(file: string | undefined): Promise<PriceTable | undefined> {
  if (file === undefined) return undefined;
  const text = await readUtf8File(file, (message) => new UsageError(message));
  let prices: unknown;
  try {
    prices = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }
  // Checked here so that an error names the file's own keys (`prices.gpt-4o-mini.input`).
  checkPrices(prices, "prices");
  return prices as PriceTable;
}

/** The requests without an output bound of each estimate `estimateFile` made, for its text. */
const unboundedByEstimate = new WeakMap<BatchEstimate, UnboundedRequest[]>();

/** The requests without an output bound of an estimate of `estimateFile`. */
export function unboundedOf(estimate: BatchEstimate): UnboundedRequest[] {
  return unboundedByEstimate.get(estimate) ?? [];
}

/** A provider that `--provider all` tried and that refused the file (a `ValidationError`). */
export type RefusedEstimate = RefusedConversion;

export function isRefusedEstimate(result: BatchEstimate | RefusedEstimate): result is RefusedEstimate {
  return "error" in result;
}

/**
 * Estimates the file for each provider `--provider` names. With `all`, a provider that refuses the
 * file does not stop the others (as `convert --provider all`): its refusal is returned beside the
 * estimates; when every provider refuses it the same way, that one error is thrown. With one
 * provider, its refusal is thrown.
 */
export async function estimateFile(options: EstimateCommandOptions): Promise<(BatchEstimate | RefusedEstimate)[]> {
  // Every argument is checked before anything is read (the prices file, then FILE).
  const providers = providersOf(options.provider, options.endpoint);
  const modelFor = modelChoice(options.model);
  anthropicVersionOption(options.anthropicVersion);
  const defaultMaxOutputTokens = count("--max-output-tokens", options.maxOutputTokens);
  const mediaTokens = count("--media-tokens", options.mediaTokens);
  const settings = { prices: await readPrices(options.pricesFile), defaultMaxOutputTokens, mediaTokens };
  const keepGoing = options.provider === "all";
  const results: (BatchEstimate | RefusedEstimate)[] = [];
  for (const provider of providers) {
    try {
      const unifiedJsonl = await readUnifiedFile(options.file, modelFor(provider));
      const prepareOptions = {
        ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
        ...(provider === "anthropic" && options.anthropicVersion !== undefined ? { apiVersion: options.anthropicVersion } : {}),
        ...(options.dropUnsupported === true ? { dropUnsupported: true } : {}),
      };
      const estimate = estimateJsonl(provider, unifiedJsonl, settings, true, prepareOptions);
      if (estimate.unboundedRequests > 0) unboundedByEstimate.set(estimate, unboundedRequestsOf(provider, unifiedJsonl, settings));
      results.push(estimate);
    } catch (error) {
      if (!keepGoing || !(error instanceof ValidationError)) throw error;
      results.push({ provider, error });
    }
  }
  const first = results[0];
  if (first !== undefined && isRefusedEstimate(first) && results.every((result) => isRefusedEstimate(result) && sameRefusal(result.error, first.error))) {
    throw first.error;
  }
  return results;
}

const dollars = (value: number | undefined) => (value === undefined ? "unknown" : value < 1 ? formatDollars(value) : `$${value.toFixed(2)}`);

const requests = (count: number) => `${count} request${count === 1 ? "" : "s"}`;

/**
 * The output bound of `count` requests of which `unbounded` have none, in the same words on every
 * line: a model's line read "0 output at most" for requests without maxTokens (a new-user trial).
 */
function outputBound(count: number, unbounded: number, maxOutputTokens: number): string {
  const bounded = count - unbounded;
  if (unbounded === 0) return `at most ${maxOutputTokens} output tokens`;
  if (bounded === 0) return "output tokens unbounded";
  return `at most ${maxOutputTokens} output tokens from the ${requests(bounded)} with maxTokens`;
}

/** A cost range; its top is "unbounded" where a request has no output bound, "unknown" where a model has no price. */
function costRange(minCostUsd: number | undefined, maxCostUsd: number | undefined, unbounded: number): string {
  const most = maxCostUsd === undefined && minCostUsd !== undefined && unbounded > 0 ? "unbounded" : dollars(maxCostUsd);
  return `${dollars(minCostUsd)} to ${most}`;
}

/** The estimate in lines of text; `unbounded` names the requests without an output bound. */
export function describeEstimate(estimate: BatchEstimate, unbounded: UnboundedRequest[] = []): string[] {
  // "at most 0 output tokens" for requests without a bound read as a bound (a new-user trial).
  const output = outputBound(estimate.requests, estimate.unboundedRequests, estimate.maxOutputTokens);
  const lines = [`${estimate.provider}: ${requests(estimate.requests)}, about ${estimate.inputTokens} input tokens, ${output}`];
  if (estimate.unboundedRequests > 0) lines[0] += unbounded.length > 0 ? ` (unbounded: ${describeUnbounded(unbounded)})` : ` (${requests(estimate.unboundedRequests)} without maxTokens: unbounded)`;
  for (const model of estimate.models) {
    let modelOutput = outputBound(model.requests, model.unboundedRequests, model.maxOutputTokens);
    if (model.unboundedRequests > 0 && model.unboundedRequests < model.requests) modelOutput += ` (unbounded: ${requests(model.unboundedRequests)} without maxTokens)`;
    lines.push(`  ${model.model}: ${requests(model.requests)}, ${model.inputTokens} input tokens, ${modelOutput}, cost ${costRange(model.minCostUsd, model.maxCostUsd, model.unboundedRequests)}`);
  }
  lines.push(`  cost: ${costRange(estimate.minCostUsd, estimate.maxCostUsd, estimate.unboundedRequests)} at batch rates`);
  if (estimate.unpricedModels.length > 0) lines.push(`  no price for ${estimate.unpricedModels.join(", ")}: give --prices FILE`);
  return lines;
}
