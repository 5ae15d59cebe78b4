/**
 * A job's budget (`maxCostUsd`): checked before anything is sent, and before each provider batch
 * is created (the core's `budget_decision`: spent + in flight + the batch's worst case; a batch
 * that does not fit whole is narrowed to the requests that do, the rest left pending). What is
 * spent comes from the usage of each collected batch's results, saved in the manifest
 * (`spentUsd`), so a resumed job keeps counting.
 */
import { ConfigurationError, ValidationError } from "../errors.js";
import { budgetAdmission, costOfUsage, estimateRequestsInCore, sentModelsInCore } from "../wasm.js";
import { coreEstimateOptions, formatDollars, type PriceTable, type TokenEstimateOptions } from "../estimate.js";
import type { ProviderName, UnifiedResult } from "../types.js";
import { expandRanges, newRecord, toRanges, type SubmissionRecord } from "./job-manifest.js";
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
 * Whether a submission may cost money now: its batch exists and has not been collected, or a
 * create call for it may have landed (no answer yet: counted until it is found or settled).
 */
function mayBeInFlight(record: SubmissionRecord): boolean {
  if (record.spentUsd !== undefined || record.phase === "collected" || record.phase === "failed") return false;
  return record.batchId !== undefined || record.createMayHaveHappened === true;
}

/**
 * Whether `record` may be created now under the job's budget. A record that does not fit whole
 * is narrowed to the requests that fit (`keepWhatFits`) and created; a record none of whose
 * requests can ever fit is marked `failed` with `budget_exceeded` (its requests are held back).
 * Either change is saved by the caller before anything is sent.
 */
export function admitUnderBudget(context: JobContext, record: SubmissionRecord): "submit" | "wait" | "holdBack" {
  const { manifest, worstCaseCosts } = context;
  if (manifest.maxCostUsd === undefined || worstCaseCosts === undefined) return "submit";
  let spent = 0;
  let inFlight = 0;
  for (const other of manifest.submissions) {
    if (other.spentUsd !== undefined) spent += other.spentUsd;
    // A create with no answer may have landed: it counts until its batch is found or a create is
    // answered (`mayBeInFlight`). The record being admitted is the next batch, not one in flight.
    else if (other !== record && mayBeInFlight(other)) inFlight += worstCaseOf(context, other);
  }
  const positions = [...expandRanges(record.requestRanges)];
  const admitted = budgetAdmission(manifest.maxCostUsd, spent, inFlight, Float64Array.from(positions, (position) => worstCaseCosts[position] ?? 0));
  if (admitted === undefined) {
    record.phase = "failed";
    record.error = { code: "budget_exceeded", message: `held back: ${formatDollars(spent)} spent, and this batch may cost up to ${formatDollars(worstCaseOf(context, record))}, over the budget of $${manifest.maxCostUsd}` };
    return "holdBack";
  }
  if (admitted.length === 0) return "wait";
  if (admitted.length < positions.length) keepWhatFits(context, record, positions, admitted);
  return "submit";
}

/**
 * Narrows a pending `record` to the requests of `positions` that fit the budget (`admitted`:
 * indices into `positions`): its batch is created with them alone, under its own key and tag (no
 * create call for it can have landed: the caller resolves those first). The others go into a new
 * pending submission at the same attempt, created when there is room or held back once there
 * can be none.
 */
function keepWhatFits(context: JobContext, record: SubmissionRecord, positions: number[], admitted: Uint32Array): void {
  const { manifest } = context;
  const kept = Array.from(admitted, (index) => positions[index]!);
  const fits = new Set(kept);
  const rest = newRecord(manifest.jobId, manifest.submissions.length, record.attempt, positions.filter((position) => !fits.has(position)), record.model);
  // Requests refused for a full queue stay behind the batches they were queued behind.
  if (record.queuedBehind !== undefined) rest.queuedBehind = record.queuedBehind;
  record.requestRanges = toRanges(kept);
  record.requestCount = kept.length;
  // A file uploaded for the whole batch (kept while it waited for a later wave) holds the others too.
  record.checkpoint = {};
  manifest.submissions.push(rest);
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
