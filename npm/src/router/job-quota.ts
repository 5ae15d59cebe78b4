/**
 * Queue quotas for a job: per provider and model, the estimated input tokens and the batches that
 * may be in flight at once (`BatchRouterOptions.quotas`, over the core's published defaults). Batches
 * are cut to fit the token limit, created in waves as earlier ones end, and a batch the provider
 * failed because its queue was full (`token_limit_exceeded`) is queued again for a later wave
 * without spending an attempt of its requests. The rules are the core's (`quota.rs`: what may be
 * created, what is queued again, what waits); this file only counts what is in flight.
 */
import { ProviderError, ValidationError } from "../errors.js";
import { coreEstimateOptions, type TokenEstimateOptions } from "../estimate.js";
import { admitUnderQuotaInCore, estimateRequestsInCore, quotaLimits, requeueAfterFailure, splitByTokens, waitAfterRefusal, type JobPlan, type QuotaLimits, type RequestEstimate } from "../wasm.js";
import type { BatchStatusData, ProviderName } from "../types.js";
import { createUnanswered, expandRanges, type SubmissionRecord } from "./job-manifest.js";
import type { JobContext } from "./job-submission.js";

/** Quotas by model name; `"*"` is every model without its own entry. */
export type ModelQuotas = Record<string, QuotaLimits>;

export function limitsFor(provider: ProviderName, quotas: ModelQuotas | undefined, model: string | undefined): QuotaLimits {
  return quotaLimits(provider, quotas?.[model ?? "*"] ?? quotas?.["*"] ?? {});
}

/**
 * Each request's estimated input tokens and the model it is sent with on the provider (`model`:
 * the provider's `model` option, else the request's `models` entry, else its `model`; the core's
 * `model_for`), when some model of the job has a token limit.
 */
export function inputEstimatesFor(provider: ProviderName, lines: string[], quotas: ModelQuotas | undefined, estimate: TokenEstimateOptions = {}, model?: string): RequestEstimate[] | undefined {
  if (!Object.values(quotas ?? {}).some((limits) => limits.maxEnqueuedTokens !== undefined)) return undefined;
  const text = lines.map((line) => line + "\n").join("");
  return estimateRequestsInCore(provider, text, model, undefined, coreEstimateOptions(text, estimate));
}

/** The input tokens of {@link inputEstimatesFor}'s estimates, by request position. */
export function inputTokensOf(estimates: RequestEstimate[] | undefined): Float64Array | undefined {
  return estimates === undefined ? undefined : Float64Array.from(estimates, (entry) => entry.inputTokens);
}

/**
 * Refuses, before anything is sent, a request whose estimated input alone is over the
 * enqueued-token limit of the model it is sent with: no wave could hold it, and the provider would
 * fail its batch hours later.
 */
export function checkFitsQuota(provider: ProviderName, lines: string[], quotas: ModelQuotas | undefined, estimates: RequestEstimate[] | undefined): void {
  if (estimates === undefined) return;
  const limits = new Map<string, QuotaLimits>();
  lines.forEach((line, position) => {
    const { customId } = JSON.parse(line) as { customId: string };
    const { model, inputTokens } = estimates[position]!;
    let modelLimits = limits.get(model);
    if (modelLimits === undefined) limits.set(model, (modelLimits = limitsFor(provider, quotas, model)));
    const most = modelLimits.maxEnqueuedTokens;
    if (most !== undefined && inputTokens > most) {
      throw new ValidationError(
        `request ${position} (customId ${customId}): its input is estimated at ${inputTokens} tokens, over the ${provider} quota of ${most} enqueued tokens for model ${model} (quotas.maxEnqueuedTokens); no batch could hold it, so nothing was sent`,
        { index: position, customId, field: "messages" },
      );
    }
  });
}

/** One provider batch a job is created with: request positions in order, and their model. */
export interface BatchGroup {
  positions: number[];
  model: string | undefined;
  /** A cache primer: the first request of its model alone, sent before the rest (`primeCache`). */
  primer: boolean;
}

/**
 * The provider batches of a plan, the one rule of `submitJob`, `plan()` and a retry's batches: each
 * planned chunk in order, a cache primer (the first request alone, with `primeCache` and more
 * than one request) taken out of the first chunk of each model — a prompt cache belongs to one
 * model, so another model's requests read nothing a primer wrote —, and each cut so that no batch holds more than its
 * model's `maxEnqueuedTokens` of estimated input (`inputTokens`, by job position). `positionOf`
 * maps a request of the plan to its job position (a retry plans only the requests it sends again).
 */
export function batchGroups(
  provider: ProviderName,
  plan: JobPlan,
  quotas: ModelQuotas | undefined,
  inputTokens: Float64Array | undefined,
  primeCache: boolean,
  positionOf: (index: number) => number = (index) => index,
): BatchGroup[] {
  const groups: BatchGroup[] = [];
  const primed = new Set<string | undefined>();
  for (const chunk of plan.chunks) {
    const positions = chunk.requestRanges.flatMap(([start, end]) => Array.from({ length: end - start }, (_, offset) => positionOf(start + offset)));
    if (primeCache && !primed.has(chunk.model) && plan.requestCount > 1) {
      primed.add(chunk.model);
      groups.push({ positions: positions.splice(0, 1), model: chunk.model, primer: true });
      if (positions.length === 0) continue;
    }
    for (const group of cutToQuota(positions, limitsFor(provider, quotas, chunk.model), inputTokens)) {
      groups.push({ positions: group, model: chunk.model, primer: false });
    }
  }
  return groups;
}

/** `positions` (one planned batch) cut into groups that fit the model's token limit. */
function cutToQuota(positions: number[], limits: QuotaLimits, tokens: Float64Array | undefined): number[][] {
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

/** What a model's batches not yet ended hold, counting a create with no answer (it may have landed). */
export function inFlightOf(context: JobContext, model: string | undefined): { tokens: number; batches: number } {
  let tokens = 0;
  let batches = 0;
  for (const other of context.manifest.submissions) {
    if ((other.phase !== "submitted" && !createUnanswered(other)) || other.model !== model) continue;
    tokens += tokensOf(context, other);
    batches++;
  }
  return { tokens, batches };
}

/** Whether `record` may be created now under its model's quota (the core's `admit_under_quota`). */
export function admitUnderQuota(context: JobContext, record: SubmissionRecord): boolean {
  const inFlight = inFlightOf(context, record.model);
  const limits = limitsFor(context.manifest.provider, context.quotas, record.model);
  return admitUnderQuotaInCore(limits, inFlight.tokens, inFlight.batches, tokensOf(context, record), record.queuedBehind);
}

/**
 * A failed batch's place in a later wave: the number of batches it is queued behind when its
 * model's queue was full and another batch is in flight (the core's `requeue_after_failure`), or
 * `undefined` when it fails like any batch. Call while `record` still counts as in flight.
 */
export function requeueForQuota(context: JobContext, record: SubmissionRecord, status: BatchStatusData): number | undefined {
  if (status.status !== "failed") return undefined;
  const codes = (status.errors ?? []).flatMap((error) => (error.code === undefined ? [] : [error.code]));
  return requeueAfterFailure(codes, inFlightOf(context, record.model).batches);
}

/**
 * Whether a create call refused for a full queue should wait for a later wave (the core's
 * `wait_after_refusal`: 429 `RESOURCE_EXHAUSTED` while a batch of the model is in flight). Then it
 * is left pending, its upload kept, no attempt spent.
 */
export function waitsForLaterWave(context: JobContext, record: SubmissionRecord, error: unknown): boolean {
  if (!(error instanceof ProviderError)) return false;
  const behind = waitAfterRefusal(error.status, error.errorType ?? "", inFlightOf(context, record.model).batches);
  if (behind === undefined) return false;
  record.queuedBehind = behind;
  return true;
}
