/**
 * A job's budget (`maxCostUsd`): checked before anything is sent, and before each provider batch
 * is created (the core's `budgetDecision`: spent + in flight + the batch's worst case). What is
 * spent comes from the usage of each collected batch's results, saved in the manifest
 * (`spentUsd`), so a resumed job keeps counting.
 */
import { ConfigurationError, ValidationError } from "../errors.js";
import { costOfUsage, estimateRequestsInCore, budgetDecision, sentModelsInCore } from "../wasm.js";
import { coreEstimateOptions, formatDollars, type PriceTable, type TokenEstimateOptions } from "../estimate.js";
import type { ProviderName, UnifiedResult } from "../types.js";
import { createUnanswered, expandRanges, type SubmissionRecord } from "./job-manifest.js";
import type { JobContext } from "./job-submission.js";

/**
 * Each request's worst-case cost; throws when a budget cannot be enforced (no price, no bound).
 * Each request is priced by the model it is sent with (`model`: the provider's `model` option, else
 * the request's `models` entry for the provider, else its `model`).
 * The core prices a request by its shape, whatever the batch's endpoint: one with `input` is an
 * embeddings request (no output), and a Responses `max_output_tokens` kwarg bounds the output.
 * The endpoint's validation happens once, when the job is created.
 */
export function worstCaseCosts(provider: ProviderName, lines: string[], prices: PriceTable | undefined, estimate: TokenEstimateOptions, model?: string): Float64Array {
  const text = lines.map((line) => line + "\n").join("");
  const estimates = estimateRequestsInCore(provider, text, model, prices, coreEstimateOptions(text, estimate));
  const costs = new Float64Array(estimates.length);
  estimates.forEach((entry, position) => {
    if (entry.maxCostUsd === undefined) {
      const { customId } = JSON.parse(lines[position]!) as { customId: string };
      const reason =
        entry.maxOutputTokens === undefined
          ? `request ${position} (customId ${customId}, model ${entry.model}) has no maxTokens (set defaultMaxOutputTokens in the router's estimate options)`
          : `request ${position} (customId ${customId}) is sent with model ${entry.model}, which has no ${provider} price (set the router's prices)`;
      throw new ConfigurationError(`maxCostUsd: ${reason}`);
    }
    costs[position] = entry.maxCostUsd;
  });
  return costs;
}

/** Refuses a job whose least cost (its input alone) is over the budget, before anything is sent. */
export function checkBudget(maxCostUsd: number, costs: Float64Array, leastCostUsd: number): void {
  if (!(maxCostUsd >= 0)) throw new ValidationError(`maxCostUsd: must be a number ≥ 0, not ${maxCostUsd}`, { field: "maxCostUsd" });
  if (leastCostUsd > maxCostUsd) {
    const most = costs.reduce((sum, cost) => sum + cost, 0);
    throw new ValidationError(`maxCostUsd: the job is estimated at ${formatDollars(leastCostUsd)} to ${formatDollars(most)}, over the budget of $${maxCostUsd}`, { field: "maxCostUsd" });
  }
}

function worstCaseOf(context: JobContext, record: SubmissionRecord): number {
  let cost = 0;
  for (const position of expandRanges(record.requestRanges)) cost += context.worstCaseCosts?.[position] ?? 0;
  return cost;
}

/**
 * Whether `record` may be created now under the job's budget. A record that can never fit is
 * marked `failed` with `budget_exceeded` (its requests are held back) and saved by the caller.
 */
export function admitUnderBudget(context: JobContext, record: SubmissionRecord): "submit" | "wait" | "holdBack" {
  const { manifest } = context;
  if (manifest.maxCostUsd === undefined || context.worstCaseCosts === undefined) return "submit";
  let spent = 0;
  let inFlight = 0;
  for (const other of manifest.submissions) {
    if (other.spentUsd !== undefined) spent += other.spentUsd;
    // A create with no answer may have landed: it counts until its batch is found or a create is answered.
    else if ((other.batchId !== undefined && other.phase !== "collected") || createUnanswered(other)) inFlight += worstCaseOf(context, other);
  }
  const decision = budgetDecision(manifest.maxCostUsd, spent, inFlight, worstCaseOf(context, record));
  if (decision === "holdBack") {
    record.phase = "failed";
    record.error = { code: "budget_exceeded", message: `held back: ${formatDollars(spent)} spent, and this batch may cost up to ${formatDollars(worstCaseOf(context, record))}, over the budget of $${manifest.maxCostUsd}` };
  }
  return decision;
}

/**
 * The model each of the job's requests is sent with (`model`: the provider's `model` option, else
 * the request's `models` entry for the provider, else its `model`), worked out on first use.
 */
export function lazySentModels(provider: ProviderName, lines: string[], model: string | undefined): () => string[] {
  let models: string[] | undefined;
  return () => (models ??= sentModelsInCore(provider, lines.map((line) => line + "\n").join(""), model));
}

/**
 * What a result cost, from its usage (unpriced models count nothing), priced by the model its
 * request (job `position`) was sent with: an answer may name another (a Gemini alias answers
 * with the version it resolved to) or none. The answer's name counts only when the request's is
 * not known.
 *
 * A successful answer without usage (Gemini's embeddings, or any answer that leaves it out) was
 * billed all the same: in a job with a budget it counts its request's worst case — for an
 * embeddings request, its estimated input tokens at the input price, as it has no output —, so
 * that answers which report nothing never leave room to pass the budget. Results that did not
 * succeed are not billed.
 */
export function costOfResult(context: JobContext, record: SubmissionRecord, result: UnifiedResult, position: number | undefined): number {
  const usage = result.response?.usage;
  if (usage === undefined) {
    if (result.status !== "succeeded" || position === undefined) return 0;
    return context.worstCaseCosts?.[position] ?? 0;
  }
  const sent = position === undefined ? undefined : context.sentModels?.()[position];
  return costOfUsage(context.manifest.provider, sent ?? record.model ?? result.response?.model ?? "", usage, context.prices) ?? 0;
}
