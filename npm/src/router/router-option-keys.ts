/**
 * The keys of the router's options objects, and the checks of its quotas, made when a router is
 * made or a job started: a misspelt key is a `ValidationError` at its place, never ignored (a
 * new-user trial found `maxCostUSD` switching a job's budget off, and `maxEnqueudTokens` a quota).
 * Each list is built with `keysOf`, so it cannot drift from its interface.
 */
import { ValidationError } from "../errors.js";
import { checkKnownKeys, checkOptionShapes, count, described, duration, keysOf, nearestKey, stringOrStrings, tokenEstimateShapes, wholeNumber, type OptionShape } from "../option-shapes.js";
import { providerNames } from "../provider-registry.js";
import type { PlanOptions, QuotaLimits, RetryPolicy } from "../wasm.js";
import type { BatchRouterOptions, JobOptions } from "./batch-router.js";
import type { AdvanceOptions } from "./job-advance.js";
import type { WebhookOptions } from "./job-webhook.js";
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

export const advanceOptionKeys = keysOf<AdvanceOptions>({ signal: true, budgetMs: true });

export const webhookOptionKeys = keysOf<WebhookOptions>({ secret: true, jwt: true, toleranceSeconds: true, budgetMs: true });

/** A count of retries or milliseconds the core reads as a whole number: a whole number ≥ 0. */

/** A quota's tokens or batches: a whole number ≥ 1 (0 would let nothing be sent). */
const quotaLimit: OptionShape = { expected: "a whole number ≥ 1", fits: (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 1 };

/** An `AbortSignal` (of this runtime or another realm: what it has, not its class). */
export const signalShape: OptionShape = {
  expected: "an AbortSignal",
  fits: (value) => typeof value === "object" && value !== null && typeof (value as AbortSignal).aborted === "boolean" && typeof (value as AbortSignal).addEventListener === "function",
};

/**
 * A job's options (`known`: the method's keys, which may include the wait options), and its
 * `plan`: every value of the wrong type is a `ValidationError` at its key before the job exists
 * (a new-user trial found `maxAttempts: "abc"` run as one attempt and saved as null).
 */
export function checkJobOptions(options: unknown, known: readonly string[]): void {
  checkOptionShapes(
    options,
    {
      metadata: "object",
      plan: "object",
      primeCache: "boolean",
      jobId: "string",
      maxAttempts: count,
      maxCostUsd: duration,
      signal: signalShape,
      pollInterval: duration,
      maxPollInterval: duration,
      timeout: duration,
      onProgress: "function",
    },
    "options",
    false,
    known,
  );
  checkOptionShapes((options as JobOptions | undefined)?.plan, { maxRequestsPerBatch: count, maxBytesPerBatch: count }, "options.plan", false, planOptionKeys);
}

/** `advanceJob`'s options: a `budgetMs` that is not a number ≥ 0 would leave the job stalled. */
export function checkAdvanceOptions(options: unknown): void {
  checkOptionShapes(options, { signal: signalShape, budgetMs: duration }, "options", false, advanceOptionKeys);
}

/**
 * `handleWebhook`'s options. `toleranceSeconds` must be finite: an infinite or NaN tolerance would
 * let any old delivery through and keep no replay record (a new-user trial found it).
 */
export function checkWebhookOptions(options: unknown): void {
  checkOptionShapes(options, { secret: stringOrStrings, jwt: "object", toleranceSeconds: duration, budgetMs: duration }, "options", true, webhookOptionKeys);
}

/**
 * `quotas`: `{ provider: { model or "*": { maxEnqueuedTokens?, maxConcurrentBatches? } } }`, each a
 * whole number ≥ 1; at `options.quotas.<provider>.<model>.<key>`.
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
      checkOptionShapes(limits, { maxEnqueuedTokens: quotaLimit, maxConcurrentBatches: quotaLimit }, `${at}.${model}`, true, quotaLimitKeys);
      // One Anthropic batch holds several models and its queue is shared across models
      // (endpoints-and-push.md §4.3 [AN-RATE]): a model's quota had no batch to apply to and was
      // ignored without a word (a new-user trial).
      if (provider === "anthropic" && model !== "*") {
        throw new ValidationError(
          `${at}.${model}: Anthropic's batch queue is shared across models and one batch may mix them, so its quotas are per batch: give them under "*"`,
          { field: `${at}.${model}` },
        );
      }
    }
  }
}

/** `retry`, `plan` and `estimate` of the router's options: their keys. */
export function checkNestedRouterOptions(options: BatchRouterOptions, estimateKeys: readonly string[]): void {
  const retryShapes = { maxRetries: wholeNumber, initialDelayMs: wholeNumber, maxDelayMs: wholeNumber, maxRetryAfterMs: wholeNumber, budgetMs: wholeNumber };
  checkOptionShapes(options.retry, retryShapes, "options.retry", false, retryPolicyKeys);
  checkOptionShapes(options.plan, { maxRequestsPerBatch: count, maxBytesPerBatch: count }, "options.plan", false, planOptionKeys);
  checkOptionShapes(options.estimate, tokenEstimateShapes, "options.estimate", false, estimateKeys);
  checkQuotas(options.quotas);
}
