/**
 * Queue quotas for a job: per provider and model, the estimated input tokens and the batches that
 * may be in flight at once (`BatchRouterOptions.quotas`, over the core's published defaults). Batches
 * are cut to fit the token limit, created in waves as earlier ones end, and a batch the provider
 * failed because its queue was full (`token_limit_exceeded`) is queued again for a later wave
 * without spending an attempt of its requests. The rules are the core's (`quota.rs`).
 */
import { ProviderError } from "../errors.js";
import { estimateRequestsInCore, isQuotaFailure, isQuotaRefusal, quotaAdmits, quotaLimits, splitByTokens, type QuotaLimits } from "../wasm.js";
import type { BatchStatusData, ProviderName } from "../types.js";
import { expandRanges, type SubmissionRecord } from "./job-manifest.js";
import type { JobContext } from "./job-submission.js";

/** Quotas by model name; `"*"` is every model without its own entry. */
export type ModelQuotas = Record<string, QuotaLimits>;

export function limitsFor(provider: ProviderName, quotas: ModelQuotas | undefined, model: string | undefined): QuotaLimits {
  return quotaLimits(provider, quotas?.[model ?? "*"] ?? quotas?.["*"] ?? {});
}

/** Each request's estimated input tokens, when some model of the job has a token limit. */
export function inputTokensFor(provider: ProviderName, lines: string[], quotas: ModelQuotas | undefined): Float64Array | undefined {
  if (!Object.values(quotas ?? {}).some((limits) => limits.maxEnqueuedTokens !== undefined)) return undefined;
  const estimates = estimateRequestsInCore(provider, lines.map((line) => line + "\n").join(""), undefined, {});
  return Float64Array.from(estimates, (estimate) => estimate.inputTokens);
}

/** `positions` (one planned batch) cut into groups that fit the model's token limit. */
export function cutToQuota(positions: number[], limits: QuotaLimits, tokens: Float64Array | undefined): number[][] {
  if (limits.maxEnqueuedTokens === undefined || tokens === undefined) return [positions];
  const groups: number[][] = [];
  let start = 0;
  for (const size of splitByTokens(Array.from(positions, (position) => tokens[position]!), limits.maxEnqueuedTokens)) {
    groups.push(positions.slice(start, start + size));
    start += size;
  }
  return groups;
}

function tokensOf(context: JobContext, record: SubmissionRecord): number {
  let total = 0;
  for (const position of expandRanges(record.requestRanges)) total += context.inputTokens?.[position] ?? 0;
  return total;
}

/** What a model's batches not yet ended hold. */
export function inFlightOf(context: JobContext, model: string | undefined): { tokens: number; batches: number } {
  let tokens = 0;
  let batches = 0;
  for (const other of context.manifest.submissions) {
    if (other.phase !== "submitted" || other.model !== model) continue;
    tokens += tokensOf(context, other);
    batches++;
  }
  return { tokens, batches };
}

/**
 * Whether `record` may be created now: what its model has in flight stays within the quota, and a
 * batch queued again after a full queue waits until one of the batches then in flight has ended
 * (the provider's own count may differ from the estimate).
 */
export function admitUnderQuota(context: JobContext, record: SubmissionRecord): boolean {
  const inFlight = inFlightOf(context, record.model);
  if (record.queuedBehind !== undefined && inFlight.batches > 0 && inFlight.batches >= record.queuedBehind) return false;
  const limits = limitsFor(context.manifest.provider, context.quotas, record.model);
  if (limits.maxEnqueuedTokens === undefined && limits.maxConcurrentBatches === undefined) return true;
  return quotaAdmits(limits, inFlight.tokens, inFlight.batches, tokensOf(context, record));
}

/** Whether a failed batch's status says its model's queue was full. */
export function failedForQuota(status: BatchStatusData): boolean {
  return status.status === "failed" && (status.errors ?? []).some((error) => error.code !== undefined && isQuotaFailure(error.code));
}

/**
 * Whether a create call refused for a full queue should wait for a later wave: the provider said
 * so (429 `RESOURCE_EXHAUSTED`) and a batch of the job's model is in flight, whose end makes room.
 * Then it is left pending, its upload kept, no attempt spent.
 */
export function waitsForLaterWave(context: JobContext, record: SubmissionRecord, error: unknown): boolean {
  if (!(error instanceof ProviderError) || !isQuotaRefusal(error.status, error.errorType ?? "")) return false;
  const inFlight = inFlightOf(context, record.model).batches;
  if (inFlight === 0) return false;
  record.queuedBehind = inFlight;
  return true;
}
