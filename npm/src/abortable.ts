/**
 * Waiting on the network from TypeScript so that an abort always ends the wait. A runtime may pass
 * a fetch's abort on to the response body only while it still holds the request (undici holds it
 * weakly: after a garbage collection a stalled body never errors, issue 21); racing the signal
 * explicitly does not depend on that. Every request of the core is sent this way (`http-exchange.ts`).
 */
import { AbortError } from "./errors.js";

/** Resolves as `promise` does, or rejects with `AbortError` as soon as `signal` aborts. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  // A rejection after the abort has nowhere to go: consumed here.
  promise.catch(() => {});
  if (signal.aborted) return Promise.reject(new AbortError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortError());
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
