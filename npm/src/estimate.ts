/**
 * Estimates before sending and cost after: the core's token estimate and price table, with the
 * caller's prices. Nothing here sends a request.
 */
import { ConfigurationError, ValidationError, toBatchRouterError } from "./errors.js";
import { checkBatchKeys, checkOptionShapes, described, keysOf, tokenEstimateShapes } from "./option-shapes.js";
import { checkPrices } from "./price-check.js";
import { requestsJsonl } from "./request-json.js";
import type { ProviderName, UnifiedBatchMetadata, UnifiedRequest, Usage } from "./types.js";
import {
  cachePriceUnknown,
  costOfUsage,
  estimateBatchInCore,
  estimateRequestsInCore,
  inputPartsInCore,
  type BatchEstimate,
  type EstimateOptions,
  type ModelPrice,
  type PrepareOptions,
  type RequestEstimate,
  unifiedRequestLines,
} from "./wasm.js";

/**
 * An amount in US dollars for a message: six decimals, or two significant digits for a smaller
 * amount that is not zero (an embeddings batch often costs less than a millionth of a dollar).
 */
export function formatDollars(value: number): string {
  if (value > 0 && value < 0.000_001) return `$${value.toFixed(Math.min(20, Math.ceil(-Math.log10(value)) + 1))}`;
  return `$${value.toFixed(6)}`;
}

/** Model prices in US dollars per million tokens, before the batch discount, by model name. */
export type PriceTable = Record<string, ModelPrice>;

/**
 * A caller's token counter: the tokens of one piece of text, as the provider's tokenizer counts
 * them (for OpenAI models, js-tiktoken's `getEncoding("o200k_base").encode(text).length`; for a
 * provider with a count endpoint, counts fetched beforehand). Synchronous; must return a whole
 * number ≥ 0. batch-router ships no tokenizer (zero runtime dependencies): without a counter it
 * estimates (see the README's estimator table for its measured error).
 */
export type TokenCounter = (text: string) => number;

/** How requests are estimated (the core's options, and a token counter of the caller's). */
export interface TokenEstimateOptions extends Omit<EstimateOptions, "inputTokens"> {
  /**
   * Counts each request's texts instead of the built-in estimate; a request's input tokens are
   * then the chat format's fixed tokens (per request, per message, per image or document) plus
   * the counter's sum over its texts.
   */
  countTokens?: TokenCounter;
}

/** Options of {@link estimateBatch}. */
export interface CostOptions extends TokenEstimateOptions {
  /** Prices by model name; a name also prices its dated snapshots (`name-2024-07-18`, `name-20251001`), nothing else. */
  prices?: PriceTable;
}

/**
 * The core's estimate options for `unifiedJsonl` (one request per line): with a `countTokens`,
 * each request's input tokens counted by it. Throws `ConfigurationError` naming the request when
 * the counter returns something other than a whole number ≥ 0.
 */
export function coreEstimateOptions(unifiedJsonl: string, options: TokenEstimateOptions): EstimateOptions {
  const { countTokens, ...estimate } = options;
  if (countTokens === undefined) return estimate;
  const parts = inputPartsInCore(unifiedJsonl, estimate);
  const inputTokens = parts.map((part, index) => {
    let total = part.fixedTokens;
    for (const text of part.texts) {
      let counted: number;
      try {
        counted = countTokens(text);
      } catch (error) {
        // The caller's own code failed: say so, with its error as the cause.
        throw new ConfigurationError(`countTokens: your token counter threw for a text of request ${index}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      if (!Number.isSafeInteger(counted) || counted < 0) {
        // An async counter's Promise read "returned [object Promise]" (a new-user trial).
        const returned = typeof (counted as unknown as PromiseLike<unknown> | null)?.then === "function" ? "a Promise (an async counter)" : described(counted);
        throw new ConfigurationError(`countTokens: returned ${returned} for a text of request ${index}; it must return a whole number ≥ 0, synchronously`);
      }
      total += counted;
    }
    return total;
  });
  return { ...estimate, inputTokens };
}

/** The keys of {@link TokenEstimateOptions} and {@link CostOptions}. */
export const tokenEstimateOptionKeys = keysOf<TokenEstimateOptions>({ mediaTokens: true, defaultMaxOutputTokens: true, countTokens: true });
export const costOptionKeys = keysOf<CostOptions>({ mediaTokens: true, defaultMaxOutputTokens: true, countTokens: true, prices: true });

/**
 * The estimate options' keys and JavaScript types, and the prices (each ≥ 0, a discount from 0 to
 * 1); the token numbers are checked by the core. `name`: the options' field.
 */
export function checkCostOptions(options: CostOptions, name = "options"): void {
  checkOptionShapes(options, { ...tokenEstimateShapes, prices: "object" }, name, false, costOptionKeys);
  checkPrices(options?.prices, `${name}.prices`);
}

/**
 * Tokens and cost range of a batch (input, input + every request's output bound). Sends nothing.
 * Every request is validated first, with the errors a submission would give (`ValidationError`
 * naming the request's index, custom id and field).
 */
export function estimateBatch(batch: UnifiedBatchMetadata, options: CostOptions = {}): BatchEstimate {
  checkOptionShapes(batch, { provider: "string" }, "batch", true);
  // Whose rules and prices apply: without it nothing can be estimated.
  if (batch.provider === undefined) throw new ValidationError(`batch.provider: is required (the provider whose rules and prices apply, e.g. "openai")`, { field: "batch.provider" });
  checkBatchKeys(batch);
  return estimateJsonl(batch.provider, requestsJsonl(batch.requests), options, false, withEndpoint(batch, {}));
}

/** {@link estimateBatch} validated with a provider's own options (the router's `dropUnsupported`). */
export function estimatePrepared(batch: UnifiedBatchMetadata, options: CostOptions, prepareOptions: PrepareOptions): BatchEstimate {
  return estimateJsonl(batch.provider, requestsJsonl(batch.requests), options, false, withEndpoint(batch, prepareOptions));
}

/** The batch's `endpoint` (an embeddings batch is validated and counted as one). */
function withEndpoint(batch: UnifiedBatchMetadata, prepareOptions: PrepareOptions): PrepareOptions {
  return batch.endpoint === undefined ? prepareOptions : { ...prepareOptions, endpoint: batch.endpoint };
}

/** {@link estimateBatch} of unified JSONL text; `fromFile`: errors name the text's line. */
export function estimateJsonl(provider: string, unifiedJsonl: string, options: CostOptions, fromFile: boolean, prepareOptions: PrepareOptions = {}): BatchEstimate {
  checkCostOptions(options);
  const { prices, ...estimate } = options;
  try {
    return estimateBatchInCore(provider, unifiedJsonl, prices, coreEstimateOptions(unifiedJsonl, estimate), prepareOptions, fromFile);
  } catch (error) {
    throw toBatchRouterError(error);
  }
}

/** A request without an output bound: its index, custom id and the model it is sent with. */
export interface UnboundedRequest {
  index: number;
  customId: string | undefined;
  model: string;
}

/**
 * The requests of `unifiedJsonl` that have no output bound (no `maxTokens`, no default), for the
 * messages that say why a cost cannot be bounded (only then: it estimates each request again).
 */
export function unboundedRequestsOf(provider: string, unifiedJsonl: string, options: CostOptions): UnboundedRequest[] {
  const { prices, ...estimate } = options;
  const lines = unifiedRequestLines(unifiedJsonl);
  const unbounded: UnboundedRequest[] = [];
  estimateRequestsInCore(provider, unifiedJsonl, undefined, prices, coreEstimateOptions(unifiedJsonl, estimate)).forEach((entry, index) => {
    if (entry.maxOutputTokens !== undefined) return;
    const customId = (JSON.parse(lines[index]!.text) as { customId?: unknown }).customId;
    unbounded.push({ index, customId: typeof customId === "string" ? customId : undefined, model: entry.model });
  });
  return unbounded;
}

/** How many requests to name in a message; the rest are counted. */
const NAMED_AT_MOST = 5;

/** "2 requests have no maxTokens: request 0 (customId "a", model gpt-4o-mini), request 3 (…)". */
export function describeUnbounded(unbounded: UnboundedRequest[]): string {
  const count = unbounded.length;
  const named = unbounded.slice(0, NAMED_AT_MOST).map(({ index, customId, model }) => `request ${index} (${customId === undefined ? "" : `customId ${JSON.stringify(customId)}, `}model ${model})`);
  const more = count > NAMED_AT_MOST ? ` and ${count - NAMED_AT_MOST} more` : "";
  return `${count} ${count === 1 ? "request has" : "requests have"} no maxTokens: ${named.join(", ")}${more}`;
}

/** Each request's estimate, in order. */
export function estimateRequests(provider: ProviderName, requests: UnifiedRequest[], options: CostOptions = {}): RequestEstimate[] {
  if (typeof provider !== "string") throw new ValidationError(`provider: must be a provider's name, such as "openai", not ${described(provider)}`, { field: "provider" });
  checkCostOptions(options);
  const { prices, ...estimate } = options;
  const text = requestsJsonl(requests);
  try {
    return estimateRequestsInCore(provider, text, undefined, prices, coreEstimateOptions(text, estimate));
  } catch (error) {
    throw toBatchRouterError(error);
  }
}

/** One model's usage and what it cost. */
export interface ModelCost {
  model: string;
  usage: Usage;
  /** Absent when the model has no price. */
  costUsd?: number;
  /**
   * How its cached input tokens were priced, when some were read and no cache price is known for
   * the model (none in `prices`, none built in, no provider rule): at the batch input rate, as
   * uncached ones, never more.
   */
  cachedInputNote?: string;
}

/** What a job's results say was spent. */
export interface CostReport {
  /** The sum over priced models. */
  costUsd: number;
  /** Models whose usage could not be priced (their tokens are in `models`). */
  unpricedModels: string[];
  models: ModelCost[];
  /** Cache reads as a share of input tokens, over every result with usage (0 when none). */
  cacheHitRate: number;
  /**
   * Successful results whose provider reported no usage (Gemini's embeddings): what they cost is
   * in neither `models` nor `costUsd`.
   */
  requestsWithoutUsage: number;
}

/** Adds up usage per model (the model each request was sent with) and prices it. */
export class CostTally {
  private readonly usageByModel = new Map<string, Usage>();
  /** Successful results without usage (see `CostReport.requestsWithoutUsage`). */
  withoutUsage = 0;

  constructor(
    private readonly provider: ProviderName,
    private readonly prices: PriceTable | undefined,
  ) {}

  add(model: string, usage: Usage): void {
    const total = this.usageByModel.get(model) ?? { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
    total.inputTokens += usage.inputTokens;
    total.outputTokens += usage.outputTokens;
    total.totalTokens = total.inputTokens + total.outputTokens;
    if (usage.cacheReadTokens !== undefined) total.cacheReadTokens = (total.cacheReadTokens ?? 0) + usage.cacheReadTokens;
    if (usage.cacheWriteTokens !== undefined) total.cacheWriteTokens = (total.cacheWriteTokens ?? 0) + usage.cacheWriteTokens;
    if (usage.cacheWrite1hTokens !== undefined) total.cacheWrite1hTokens = (total.cacheWrite1hTokens ?? 0) + usage.cacheWrite1hTokens;
    if (usage.reasoningTokens !== undefined) total.reasoningTokens = (total.reasoningTokens ?? 0) + usage.reasoningTokens;
    this.usageByModel.set(model, total);
  }

  report(): CostReport {
    const models: ModelCost[] = [];
    let costUsd = 0;
    let inputTokens = 0;
    let cacheReadTokens = 0;
    for (const [model, usage] of this.usageByModel) {
      const cost = costOfUsage(this.provider, model, usage, this.prices);
      const entry: ModelCost = cost === undefined ? { model, usage } : { model, usage, costUsd: cost };
      if (cost !== undefined && (usage.cacheReadTokens ?? 0) > 0 && cachePriceUnknown(this.provider, model, this.prices)) {
        entry.cachedInputNote = `cached input tokens of ${model} are charged at the batch input rate: no ${this.provider} cache price is known (give cachedInput in its price)`;
      }
      models.push(entry);
      costUsd += cost ?? 0;
      inputTokens += usage.inputTokens;
      cacheReadTokens += usage.cacheReadTokens ?? 0;
    }
    const unpricedModels = models.filter((entry) => entry.costUsd === undefined).map((entry) => entry.model);
    return { costUsd, unpricedModels, models, cacheHitRate: inputTokens === 0 ? 0 : cacheReadTokens / inputTokens, requestsWithoutUsage: this.withoutUsage };
  }
}
