/**
 * Waiting: polling with a growing interval, an overall `timeout`, an `AbortSignal`, and progress
 * events that carry each provider batch's request counts.
 */
import type { BatchStatusResponse } from "../batch-status.js";
import { TimeoutError } from "../errors.js";
import type { BatchProvider } from "../provider.js";
import type { BatchStatus, ProviderName, RequestCounts } from "../types.js";
import { retrying, sleep, type RetrySettings } from "./retrying.js";

export interface WaitOptions {
  signal?: AbortSignal;
  /** Milliseconds before the first poll again (default 5,000); grows by half each poll. */
  pollInterval?: number;
  /** The longest interval between polls (default 60,000). */
  maxPollInterval?: number;
  /** Milliseconds to wait in all before giving up with a `TimeoutError` (default: no limit). */
  timeout?: number;
  onProgress?: (event: ProgressEvent) => void;
}

/** One provider batch, as last polled. */
export interface BatchProgress {
  provider: ProviderName;
  batchId: string;
  /** The job's name for the batch (`<chunk>.<attempt>`), for job batches. */
  key?: string;
  status: BatchStatus;
  rawStatus: string;
  requestCounts: RequestCounts;
}

export interface ProgressEvent {
  /** Set when waiting for a job. */
  jobId?: string;
  batches: BatchProgress[];
  /** Batches that have ended, of `batches.length`. */
  ended: number;
  /** Requests with a final result so far, of `total` (jobs only). */
  finished?: number;
  total?: number;
}

export function progressOf(status: BatchStatusResponse, provider: ProviderName, key?: string): BatchProgress {
  const progress: BatchProgress = {
    provider,
    batchId: status.batchId,
    status: status.status,
    rawStatus: status.rawStatus,
    requestCounts: status.requestCounts,
  };
  if (key !== undefined) progress.key = key;
  return progress;
}

/** Poll intervals that start at `pollInterval` and grow by half up to `maxPollInterval`. */
export class PollSchedule {
  private current: number;
  private readonly startedAt = Date.now();

  constructor(private readonly options: WaitOptions) {
    this.current = Math.max(0, options.pollInterval ?? 5_000);
  }

  /** Polls soon again (new batches were just created); the overall `timeout` keeps running. */
  restart(): void {
    this.current = Math.max(0, this.options.pollInterval ?? 5_000);
  }

  /** Waits for the next poll; throws `TimeoutError` when the wait's `timeout` has passed. */
  async wait(what: string): Promise<void> {
    this.checkTimeout(what);
    const remaining = this.options.timeout === undefined ? Infinity : this.options.timeout - (Date.now() - this.startedAt);
    await sleep(Math.min(this.current, remaining), this.options.signal);
    this.current = Math.min(this.current * 1.5, Math.max(this.current, this.options.maxPollInterval ?? 60_000));
    this.checkTimeout(what);
  }

  checkTimeout(what: string): void {
    if (this.options.timeout !== undefined && Date.now() - this.startedAt >= this.options.timeout) {
      throw new TimeoutError(`${what} did not end within ${this.options.timeout} ms`);
    }
  }
}

/** Polls one batch until it ends; transient failures of a poll are retried. */
export async function waitForBatch(
  provider: BatchProvider,
  batchId: string,
  options: WaitOptions,
  retry: Omit<RetrySettings, "signal">,
): Promise<BatchStatusResponse> {
  const schedule = new PollSchedule(options);
  const settings: RetrySettings = { ...retry, signal: options.signal };
  for (;;) {
    const status = await retrying(settings, `status of ${batchId}`, (signal) => provider.getStatus(batchId, { signal }));
    const progress = progressOf(status, provider.name);
    options.onProgress?.({ batches: [progress], ended: status.isComplete() ? 1 : 0 });
    if (status.isComplete()) return status;
    await schedule.wait(`batch ${batchId}`);
  }
}
