/**
 * Estimates before sending and cost after: the core's token estimate and price table, with the
 * caller's prices. Nothing here sends a request.
 */
import { toBatchRouterError } from "./errors.js";
import type { ProviderName, UnifiedBatchMetadata, UnifiedRequest, Usage } from "./types.js";
import {
  costOfUsage,
  estimateBatchInCore,
  estimateRequestsInCore,
  type BatchEstimate,
  type EstimateOptions,
  type ModelPrice,
  type RequestEstimate,
} from "./wasm.js";

/** Model prices in US dollars per million tokens, before the batch discount, by model name. */
export type PriceTable = Record<string, ModelPrice>;

/** Options of {@link estimateBatch}. */
export interface CostOptions extends EstimateOptions {
  /** Prices by model name; a name also prices its dated snapshots (`name-2024-07-18`, `name-20251001`), nothing else. */
  prices?: PriceTable;
}

function jsonl(requests: UnifiedRequest[]): string {
  return requests.map((request) => JSON.stringify(request) + "\n").join("");
}

/** Tokens and cost range of a batch (input, input + every request's output bound). Sends nothing. */
export function estimateBatch(batch: UnifiedBatchMetadata, options: CostOptions = {}): BatchEstimate {
  return estimateJsonl(batch.provider, jsonl(batch.requests), options, false);
}

/** {@link estimateBatch} of unified JSONL text; `fromFile`: errors name the text's line. */
export function estimateJsonl(provider: string, unifiedJsonl: string, options: CostOptions, fromFile: boolean): BatchEstimate {
  const { prices, ...estimate } = options;
  try {
    return estimateBatchInCore(provider, unifiedJsonl, prices, estimate, fromFile);
  } catch (error) {
    throw toBatchRouterError(error);
  }
}

/** Each request's estimate, in order. */
export function estimateRequests(provider: ProviderName, requests: UnifiedRequest[], options: CostOptions = {}): RequestEstimate[] {
  const { prices, ...estimate } = options;
  try {
    return estimateRequestsInCore(provider, jsonl(requests), prices, estimate);
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
}

/** Adds up usage per model and prices it. */
export class CostTally {
  private readonly usageByModel = new Map<string, Usage>();

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
      models.push(cost === undefined ? { model, usage } : { model, usage, costUsd: cost });
      costUsd += cost ?? 0;
      inputTokens += usage.inputTokens;
      cacheReadTokens += usage.cacheReadTokens ?? 0;
    }
    const unpricedModels = models.filter((entry) => entry.costUsd === undefined).map((entry) => entry.model);
    return { costUsd, unpricedModels, models, cacheHitRate: inputTokens === 0 ? 0 : cacheReadTokens / inputTokens };
  }
}
