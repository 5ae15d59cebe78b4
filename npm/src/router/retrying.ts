/**
 * Calling a provider again after a transient failure. The policy (which failures are transient, how
 * long to wait, `retry-after`) is the core's (`crates/core/src/retry.rs`); this module only
 * describes a failure to it, gives every call a time limit, and sleeps.
 */
import { Deadline, withDeadline as withTimeLimit } from "../deadline.js";
import { AbortError, BatchRouterError, ProviderError } from "../errors.js";
import { isTransientFailure, mayHaveTakenEffect, retryDelay, type Failure, type RetryPolicy } from "../wasm.js";

export type { RetryPolicy };
export { Deadline };

/** How the router retries: the core's policy plus a time limit for each HTTP call. */
export interface RetrySettings {
  policy: RetryPolicy;
  /** Milliseconds one call may take (for a result download: between two chunks). */
  requestTimeout: number;
  /** The caller's signal: stops everything, never retried. */
  signal?: AbortSignal | undefined;
}

/** A failure as the core's retry policy reads it. */
export function failureOf(error: unknown): Failure {
  if (error instanceof ProviderError) {
    const failure: Failure = { code: error.code, status: error.status };
    if (error.retryAfter !== undefined) failure.retryAfter = error.retryAfter;
    if (error.retryAfterMs !== undefined) failure.retryAfterMs = error.retryAfterMs;
    return failure;
  }
  if (error instanceof BatchRouterError) return { code: error.code };
  // Anything else is a defect of ours, not of the network: never retried.
  return { code: "internal" };
}

export function isTransient(error: unknown): boolean {
  return isTransientFailure(failureOf(error));
}

/**
 * Whether a failure is about the account (a wrong, rotated or unauthorised key: 401 or 403), not
 * about the request: the round stops with the job resumable, and nothing is marked failed.
 */
export function isAccountFailure(error: unknown): boolean {
  return error instanceof ProviderError && (error.status === 401 || error.status === 403);
}

/** Whether a failed call may have been carried out anyway (a create that must be looked for). */
export function mayHaveHappened(error: unknown): boolean {
  return mayHaveTakenEffect(failureOf(error));
}

/** Milliseconds before the next try, or undefined when the call should not be tried again. */
export function nextDelay(settings: RetrySettings, retriesDone: number, error: unknown, startedAt: number): number | undefined {
  return retryDelay(settings.policy, retriesDone, failureOf(error), Math.random(), Date.now(), Date.now() - startedAt);
}

/** Waits `milliseconds`, or rejects with `AbortError` when `signal` fires. */
export function sleep(milliseconds: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortError());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, milliseconds));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Runs one call under the time limit of `settings`. */
export function withDeadline<T>(settings: RetrySettings, what: string, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return withTimeLimit(settings.requestTimeout, settings.signal, what, call);
}

/**
 * Runs `call` until it succeeds, a failure is permanent, or the policy's retries or budget are
 * spent (then the last error is thrown). Only for calls that are safe to repeat (reads, cancels).
 */
export async function retrying<T>(settings: RetrySettings, what: string, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const startedAt = Date.now();
  for (let retries = 0; ; retries++) {
    try {
      return await withDeadline(settings, what, call);
    } catch (error) {
      if (settings.signal?.aborted) throw new AbortError();
      const delay = nextDelay(settings, retries, error, startedAt);
      if (delay === undefined) throw error;
      await sleep(delay, settings.signal);
    }
  }
}
