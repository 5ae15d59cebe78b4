/**
 * The keys of the router's options objects, and the checks of its quotas, made when a router is
 * made or a job started: a misspelt key is a `ValidationError` at its place, never ignored (a
 * new-user trial found `maxCostUSD` switching a job's budget off, and `maxEnqueudTokens` a quota).
 * Each list is built with `keysOf`, so it cannot drift from its interface.
 */
import { ValidationError } from "../errors.js";
import { checkKnownKeys, checkOptionShapes, described, keysOf, nearestKey } from "../option-shapes.js";
import { providerNames } from "../provider-registry.js";
import type { PlanOptions, QuotaLimits, RetryPolicy } from "../wasm.js";
import type { BatchRouterOptions, JobOptions } from "./batch-router.js";
import type { WaitOptions } from "./wait.js";

export const batchRouterOptionKeys = keysOf<BatchRouterOptions>({
  providers: true,
  storage: true,
  state: true,
  leaseMs: true,
  storageDir: true,
  retry: true,
  requestTimeout: true,
  lostBatchGracePeriod: true,
  maxAttempts: true,
  plan: true,
  pollInterval: true,
  maxPollInterval: true,
  prices: true,
  estimate: true,
  quotas: true,
});

export const jobOptionKeys = keysOf<JobOptions>({
  jobId: true,
  metadata: true,
  maxAttempts: true,
  plan: true,
  maxCostUsd: true,
  primeCache: true,
  signal: true,
});

/** `startJob` and `plan` take no signal. */
export const jobOptionKeysWithoutSignal: readonly string[] = jobOptionKeys.filter((key) => key !== "signal");

export const waitOptionKeys = keysOf<WaitOptions>({ signal: true, pollInterval: true, maxPollInterval: true, timeout: true, onProgress: true });

export const planOptionKeys = keysOf<PlanOptions>({ maxRequestsPerBatch: true, maxBytesPerBatch: true });

export const retryPolicyKeys = keysOf<RetryPolicy>({ maxRetries: true, initialDelayMs: true, maxDelayMs: true, maxRetryAfterMs: true, budgetMs: true });

export const quotaLimitKeys = keysOf<QuotaLimits>({ maxEnqueuedTokens: true, maxConcurrentBatches: true });

/** A count of tokens or batches: a whole number ≥ 0. */
const wholeNumber = { expected: "a whole number ≥ 0", fits: (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0 };

/** A job's options (`known`: the method's keys), and its `plan`. */
export function checkJobOptions(options: unknown, known: readonly string[]): void {
  checkOptionShapes(options, { metadata: "object", plan: "object", primeCache: "boolean", jobId: "string" }, "options", false, known);
  checkOptionShapes((options as JobOptions | undefined)?.plan, {}, "options.plan", false, planOptionKeys);
}

/**
 * `quotas`: `{ provider: { model or "*": { maxEnqueuedTokens?, maxConcurrentBatches? } } }`, each a
 * whole number ≥ 0; at `options.quotas.<provider>.<model>.<key>`.
 */
export function checkQuotas(quotas: BatchRouterOptions["quotas"]): void {
  if (quotas === undefined) return;
  const names = providerNames();
  for (const [provider, models] of Object.entries(quotas)) {
    const at = `options.quotas.${provider}`;
    if (!(names as string[]).includes(provider)) {
      const near = nearestKey(provider, names);
      throw new ValidationError(`${at}: unknown provider; ${near === undefined ? `expected one of ${names.join(", ")}` : `did you mean ${near}?`}`, { field: at });
    }
    if (models === undefined) continue;
    if (typeof models !== "object" || models === null || Array.isArray(models)) {
      throw new ValidationError(`${at}: must be an object of quotas by model name ("*": every other model), not ${described(models)}`, { field: at });
    }
    for (const [model, limits] of Object.entries(models)) {
      checkOptionShapes(limits, { maxEnqueuedTokens: wholeNumber, maxConcurrentBatches: wholeNumber }, `${at}.${model}`, true, quotaLimitKeys);
    }
  }
}

/** `retry`, `plan` and `estimate` of the router's options: their keys. */
export function checkNestedRouterOptions(options: BatchRouterOptions, estimateKeys: readonly string[]): void {
  checkOptionShapes(options.retry, {}, "options.retry", false, retryPolicyKeys);
  checkOptionShapes(options.plan, {}, "options.plan", false, planOptionKeys);
  checkOptionShapes(options.estimate, { countTokens: "function" }, "options.estimate", false, estimateKeys);
  checkQuotas(options.quotas);
}
