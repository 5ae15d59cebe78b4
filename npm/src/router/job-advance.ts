/**
 * One bounded round of work on a job by one invocation (`advanceJob`): take the job's lease, read
 * the newest manifest, run one round (`advanceRound`) under a time limit that ends with the
 * caller's budget or before the lease would, give the lease back, and say when to call again.
 * Another invocation holding the lease, or writing the manifest in between, ends the round early
 * without writing (`busy`); the budget running out ends it as `running` (call again at once).
 */
import { AbortError, JobConflictError, ValidationError } from "../errors.js";
import type { JobStateStore } from "../job-state.js";
import { JobLease } from "./job-lease.js";
import type { JobManifest, JobStore } from "./job-manifest.js";
import { advanceRound, progress } from "./job-runner.js";
import type { JobContext } from "./job-submission.js";
import type { ProgressEvent } from "./wait.js";

export interface AdvanceOptions {
  /** Stops the round (a `JobInterruptedError` whose cause is an `AbortError`). */
  signal?: AbortSignal;
  /**
   * Milliseconds this round may take (default: until the round's work is done). Calls still on
   * their way then are abandoned; what they did is found again by the next round.
   */
  budgetMs?: number;
}

/** What a round left, and when to call `advanceJob` again. */
export interface AdvanceResult {
  jobId: string;
  /**
   * `completed`: every request has its final result (`getJobResults`). `running`: call again
   * after `nextAdvanceInMs`. `busy`: another invocation holds the job's lease or wrote the manifest
   * in between; this one did nothing more (call again after `nextAdvanceInMs`, or leave it to that one).
   */
  state: "running" | "completed" | "busy";
  /** Milliseconds after which the next call is useful (0: at once); 0 when completed. */
  nextAdvanceInMs: number;
  /** Why the round ended before its work was done, when it did. */
  stoppedBy?: "budget" | "lease";
  progress: ProgressEvent;
}

export interface AdvanceEnvironment {
  store: JobStore;
  state: JobStateStore;
  leaseMs: number;
  pollInterval: number;
  maxPollInterval: number;
  /** The job's context for this round, its calls bounded by `signal`. */
  contextOf(manifest: JobManifest, signal: AbortSignal): Promise<JobContext>;
}

/** One round of work under the job's lease (see the module documentation). */
export async function advanceOnce(environment: AdvanceEnvironment, jobId: string, holder: string, options: AdvanceOptions): Promise<AdvanceResult> {
  const { store } = environment;
  const first = await store.load(jobId);
  if (!first) throw new ValidationError(`jobId: there is no job ${jobId} in this storage`, { field: "jobId" });
  if (first.state === "completed") return { jobId, state: "completed", nextAdvanceInMs: 0, progress: progress(first) };
  if (options.signal?.aborted) throw new AbortError();
  const lease = new JobLease(environment.state, jobId, holder, environment.leaseMs);
  if (!(await lease.acquire())) return busy(jobId, first, lease.heldElsewhereUntil);
  const controller = new AbortController();
  let stoppedBy: "budget" | "lease" | undefined;
  const stop = (reason: "budget" | "lease") => {
    stoppedBy ??= reason;
    controller.abort();
  };
  const onAbort = () => controller.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const budgetTimer = options.budgetMs === undefined ? undefined : setTimeout(() => stop("budget"), Math.max(0, options.budgetMs));
  let leaseTimer: ReturnType<typeof setTimeout> | undefined;
  lease.onRenew = () => {
    clearTimeout(leaseTimer);
    leaseTimer = setTimeout(() => stop("lease"), Math.max(0, lease.usableMs()));
  };
  lease.onRenew(lease.expiresAt);
  // A live invocation keeps its lease however long a call takes (a large download); a stopped one
  // stops renewing, and the job is free once the lease expires.
  const heartbeat = setInterval(() => lease.renew().catch(() => stop("lease")), Math.max(1, environment.leaseMs / 3));
  let manifest = first;
  try {
    // Read again under the lease: the first read may predate the last holder's final write.
    manifest = (await store.load(jobId)) ?? first;
    const context = await environment.contextOf(manifest, controller.signal);
    context.lease = lease;
    const before = store.versionOf(manifest);
    const outcome = await advanceRound(context);
    if (outcome.completed) return { jobId, state: "completed", nextAdvanceInMs: 0, progress: progress(manifest) };
    const changed = outcome.again || store.versionOf(manifest) !== before;
    const interval = changed
      ? environment.pollInterval
      : Math.min(Math.max(environment.pollInterval, Math.ceil((manifest.pollIntervalMs ?? environment.pollInterval) * 1.5)), Math.max(environment.pollInterval, environment.maxPollInterval));
    if (manifest.pollIntervalMs !== interval) {
      manifest.pollIntervalMs = interval;
      await context.store.save(manifest);
    }
    // Whole milliseconds (a backoff of 1.5× read 5062.5 ms: a new-user trial).
    return { jobId, state: "running", nextAdvanceInMs: outcome.again ? 0 : Math.ceil(interval), progress: progress(manifest) };
  } catch (error) {
    if (error instanceof JobConflictError) return busy(jobId, manifest, Date.now());
    if (stoppedBy !== undefined && !options.signal?.aborted) {
      // An abandoned create keeps the lease until it expires (see `JobLease.keepUntilExpiry`).
      const wait = lease.keepUntilExpiry ? Math.max(0, lease.expiresAt - Date.now()) : 0;
      return { jobId, state: "running", nextAdvanceInMs: wait, stoppedBy, progress: progress(manifest) };
    }
    throw error;
  } finally {
    clearTimeout(budgetTimer);
    clearTimeout(leaseTimer);
    clearInterval(heartbeat);
    options.signal?.removeEventListener("abort", onAbort);
    await lease.release();
  }
}

function busy(jobId: string, manifest: JobManifest, until: number): AdvanceResult {
  return { jobId, state: "busy", nextAdvanceInMs: Math.max(0, until - Date.now()), progress: progress(manifest) };
}
