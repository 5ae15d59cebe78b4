/**
 * A time limit for a call: a signal that fires when the caller's does or when the limit passes
 * without `touch()`. A call ended by the limit becomes a `TimeoutError` (retryable); by the caller,
 * an `AbortError` (or a `TimeoutError` when the caller's signal was `AbortSignal.timeout()`). Used by
 * every provider call and by jobs, so that no call waits on the network for ever.
 */
import { TimeoutError, toBatchRouterError, type BatchRouterError } from "./errors.js";

export class Deadline {
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private expired = false;
  private readonly onParentAbort = () => this.controller.abort();

  constructor(
    private readonly milliseconds: number,
    private readonly parent?: AbortSignal,
  ) {
    if (parent?.aborted) this.controller.abort();
    parent?.addEventListener("abort", this.onParentAbort, { once: true });
    this.touch();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Starts the time limit again (progress was made, or a new read begins). */
  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.expired = true;
      this.controller.abort();
    }, this.milliseconds);
  }

  /** Stops the time limit while nothing is read (the caller is busy with what it got). */
  pause(): void {
    clearTimeout(this.timer);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.parent?.removeEventListener("abort", this.onParentAbort);
  }

  /** The error to report for `error`, thrown while this deadline was running. */
  explain(error: unknown, what: string): BatchRouterError {
    if (this.parent?.aborted) return toBatchRouterError(error, this.parent);
    if (this.expired) return new TimeoutError(`${what}: no answer within ${this.milliseconds} ms`);
    return toBatchRouterError(error);
  }
}

/**
 * Runs one call under a time limit of `milliseconds` and the caller's `signal`; every failure
 * becomes a `BatchRouterError` (a `TimeoutError` when the limit ended it).
 */
export async function withDeadline<T>(
  milliseconds: number,
  signal: AbortSignal | undefined,
  what: string,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const deadline = new Deadline(milliseconds, signal);
  try {
    return await call(deadline.signal);
  } catch (error) {
    throw deadline.explain(error, what);
  } finally {
    deadline.dispose();
  }
}
