/**
 * A job's results, merged by custom id: every request of the job is given exactly one final
 * result, from the last provider batch that held it, and a summary says why any request has no
 * success.
 *
 * Each collected batch's results file holds exactly one line per request of that batch: the
 * provider's result, or — for a request the provider gave no result — one made here that says
 * why (the batch failed, expired, was cancelled, or the result is missing). Lines for ids the batch
 * did not hold, repeated lines and unreadable lines are ignored (and counted).
 */
import { CostTally, type CostReport, type PriceTable } from "../estimate.js";
import type { ProviderName, ResultStatus, UnifiedResult } from "../types.js";
import { unansweredResult } from "../unanswered-results.js";
import { isQuotaFailure } from "../wasm.js";
import { expandRanges, toRanges, type JobManifest, type JobStore, type OutcomeCounts, type Ranges, type SubmissionRecord } from "./job-manifest.js";

/** Whether a request with this result is sent again (while it has attempts left). */
export function needsResubmission(result: UnifiedResult): boolean {
  return result.status === "expired" || (result.status === "errored" && result.error?.retryable === true);
}

function made(customId: string, status: ResultStatus, code: string, message: string, retryable: boolean): UnifiedResult {
  return { customId, status, error: { code, message, retryable } };
}

/** The result of a request that the provider returned no line for, from how its batch ended. */
export function missingResult(customId: string, record: SubmissionRecord): UnifiedResult {
  const batch = record.batchId ?? record.key;
  switch (record.status?.status) {
    case "expired":
    case "cancelled":
      // Jobs do not resend cancelled requests (`needsResubmission`): cancelling was asked for.
      return unansweredResult(customId, record.status.status, batch);
    case "failed": {
      const reasons = record.status.errors?.length ? `: ${record.status.errors.join("; ")}` : "";
      // A batch failed because its model's queue was full (`token_limit_exceeded`) and not queued
      // again (no other batch of the model in flight): its requests are retried, spending an
      // attempt, as the provider asks ("try again once some in_progress batches have been
      // completed"). Any other failure (an invalid input file) is not.
      const queueFull = isQuotaFailure(record.status.errorCodes ?? []);
      return made(customId, "errored", "batch_failed", `batch ${batch} failed${reasons}`, queueFull);
    }
    default:
      if (record.error) return made(customId, "errored", record.error.code, record.error.message, false);
      return made(customId, "errored", "missing_result", `batch ${batch} ended without a result for this request`, true);
  }
}

/** The result of a request whose batch could not be created. */
export function failedSubmissionResult(customId: string, record: SubmissionRecord): UnifiedResult {
  const reason = record.error ? `${record.error.message}` : "the batch could not be created";
  // A request held back by the job's budget was never sent: said so, not as a failed submission.
  const code = record.error?.code === "budget_exceeded" ? "budget_exceeded" : "submission_failed";
  return made(customId, "errored", code, reason, false);
}

/** Sorts one batch's result lines as they stream in (see the module documentation). */
export class ResultCollector {
  private readonly seen = new Set<string>();
  private readonly resubmit = new Set<number>();
  readonly counts: OutcomeCounts = { succeeded: 0, errored: 0, expired: 0, cancelled: 0, missing: 0, ignored: 0 };
  /** Lines with a custom id the provider could not give back (unreadable lines). */
  unreadable = 0;
  /** What the accepted results' usage cost, priced by the job. */
  costUsd = 0;

  constructor(
    private readonly record: SubmissionRecord,
    /** custom id → position in the job, for the requests of this batch only. */
    private readonly positions: Map<string, number>,
  ) {}

  /** The line to keep for `result`, or undefined when it is ignored. */
  accept(result: UnifiedResult): string | undefined {
    const position = this.positions.get(result.customId);
    if (result.error?.code === "malformed_result_line") this.unreadable++;
    if (position === undefined || this.seen.has(result.customId)) {
      this.counts.ignored++;
      return undefined;
    }
    this.seen.add(result.customId);
    this.count(result, position);
    return JSON.stringify(result);
  }

  private count(result: UnifiedResult, position: number): void {
    this.counts[result.status]++;
    if (needsResubmission(result)) this.resubmit.add(position);
  }

  /** Made lines for the requests that got none, and the positions to send again. */
  finish(): { missingLines: string; resubmit: Ranges } {
    let missingLines = "";
    for (const [customId, position] of this.positions) {
      if (this.seen.has(customId)) continue;
      const result = missingResult(customId, this.record);
      this.counts.missing++;
      this.count(result, position);
      missingLines += JSON.stringify(result) + "\n";
    }
    return { missingLines, resubmit: toRanges([...this.resubmit].sort((a, b) => a - b)) };
  }
}

/** For each position of the job, the submission that gives its final result (the last to hold it). */
export function finalSubmissions(manifest: JobManifest): (SubmissionRecord | undefined)[] {
  const finals: (SubmissionRecord | undefined)[] = new Array(manifest.requestCount);
  const ordered = [...manifest.submissions].sort((a, b) => a.attempt - b.attempt);
  for (const record of ordered) for (const position of expandRanges(record.requestRanges)) finals[position] = record;
  return finals;
}

/**
 * Every request's final result, exactly once, batch by batch. A request a running job has not
 * finished gets a `not_finished` stand-in, or, when `unfinished` is given, is handed to it instead.
 */
export async function* mergedResults(
  manifest: JobManifest,
  store: JobStore,
  customIds: string[],
  unfinished?: (customId: string) => void,
): AsyncGenerator<UnifiedResult> {
  const finals = finalSubmissions(manifest);
  const positionOf = new Map(customIds.map((customId, position) => [customId, position]));
  const emitted = new Uint8Array(manifest.requestCount);
  for (const record of manifest.submissions) {
    if (record.phase === "failed") {
      for (const position of expandRanges(record.requestRanges)) {
        if (finals[position] !== record || emitted[position]) continue;
        emitted[position] = 1;
        yield failedSubmissionResult(customIds[position]!, record);
      }
      continue;
    }
    if (!record.results) continue;
    const text = (await store.storage.read(record.results.path)) ?? "";
    for (const line of text.split("\n")) {
      if (line === "") continue;
      const result = JSON.parse(line) as UnifiedResult;
      const position = positionOf.get(result.customId);
      if (position === undefined || finals[position] !== record || emitted[position]) continue;
      emitted[position] = 1;
      yield result;
    }
  }
  // Only reachable for a job that has not ended: a request whose final batch has no results yet.
  for (let position = 0; position < manifest.requestCount; position++) {
    if (emitted[position]) continue;
    if (unfinished) unfinished(customIds[position]!);
    else yield made(customIds[position]!, "errored", "not_finished", "the job has not finished this request", true);
  }
}

export interface UnsuccessfulRequest {
  customId: string;
  status: ResultStatus;
  code: string;
  message: string;
  /** How many provider batches held this request. */
  attempts: number;
}

/** What a job came to. Every request is counted once, by its final result. */
export interface JobSummary {
  jobId: string;
  provider: ProviderName;
  state: "running" | "completed";
  total: number;
  /**
   * Requests a running job has not finished yet: their last batch has not ended, or its results
   * have not been collected (a request being retried counts here, not by its earlier error).
   * Counted in neither `errored`, `reasons` nor `unsuccessful`; always 0 once the job has ended.
   * `succeeded + errored + expired + cancelled + pending` is `total`.
   */
  pending: number;
  succeeded: number;
  errored: number;
  expired: number;
  cancelled: number;
  /**
   * Provider batches created for the job (resubmissions included), not counting those the
   * provider failed for a full queue (`queueRefusals`), whose requests went into a later wave.
   */
  batches: number;
  /** Batches the provider accepted and then failed because the model's queue was full (`token_limit_exceeded`); their requests were queued again. */
  queueRefusals: number;
  /** The most submissions any request had. */
  attempts: number;
  /** Why requests have no success: error code → number of requests. */
  reasons: Record<string, number>;
  /** Every request without a success, with the reason. */
  unsuccessful: UnsuccessfulRequest[];
  /** Custom ids of the requests the job's budget held back (never sent; `budget_exceeded`). */
  heldBack: string[];
  /**
   * What the results' usage says was spent, priced with the router's `prices` (per model, at batch
   * rates), and the share of input tokens read from a prompt cache.
   */
  cost: CostReport;
}

/**
 * A batch failed for a full queue: its requests went into a later wave at the same attempt
 * (`job-runner.ts`, `requeue`), or, with nothing else in flight, were sent again at their next
 * attempt. Either way it is a queue refusal, not a batch (a trial found the second kind counted
 * among the batches).
 */
function failedForFullQueue(record: SubmissionRecord): boolean {
  return record.error?.code === "token_limit_exceeded" || (record.status?.status === "failed" && isQuotaFailure(record.status.errorCodes ?? []));
}

/**
 * The job's summary. Usage is priced by the model each request was sent with (`sentModels`, by
 * job position), not the name its answer gives; the answer's name counts only where that is not known.
 */
export async function summarize(manifest: JobManifest, store: JobStore, customIds: string[], prices?: PriceTable, sentModels?: string[]): Promise<JobSummary> {
  const attemptsOf = new Uint16Array(manifest.requestCount);
  for (const record of manifest.submissions) for (const position of expandRanges(record.requestRanges)) attemptsOf[position]!++;
  const positionOf = new Map(customIds.map((customId, position) => [customId, position]));
  const summary: JobSummary = {
    jobId: manifest.jobId,
    provider: manifest.provider,
    state: manifest.state,
    total: manifest.requestCount,
    pending: 0,
    succeeded: 0,
    errored: 0,
    expired: 0,
    cancelled: 0,
    batches: manifest.submissions.filter((record) => record.batchId !== undefined && !failedForFullQueue(record)).length,
    queueRefusals: manifest.submissions.filter(failedForFullQueue).length,
    attempts: Math.max(0, ...manifest.submissions.map((record) => record.attempt)),
    reasons: {},
    unsuccessful: [],
    heldBack: [],
    cost: { costUsd: 0, unpricedModels: [], models: [], cacheHitRate: 0, requestsWithoutUsage: 0 },
  };
  const tally = new CostTally(manifest.provider, prices);
  // A request not finished has no outcome yet: pending, never errored. So is one whose batch
  // was collected and that is about to be sent again (the follow-up batch not planned yet).
  const resending = new Set<number>();
  for (const record of manifest.submissions) {
    if (manifest.state !== "running" || record.phase !== "collected" || record.followedUp || record.attempt >= manifest.maxAttempts) continue;
    for (const position of expandRanges(record.results?.resubmit ?? [])) resending.add(position);
  }
  const pending = (): void => void summary.pending++;
  for await (const result of mergedResults(manifest, store, customIds, pending)) {
    if (resending.has(positionOf.get(result.customId) ?? -1)) {
      summary.pending++;
      continue;
    }
    summary[result.status]++;
    const usage = result.response?.usage;
    if (usage !== undefined) tally.add(sentModels?.[positionOf.get(result.customId) ?? -1] ?? result.response?.model ?? "unknown", usage);
    if (result.status === "succeeded") {
      if (usage === undefined) tally.withoutUsage++;
      continue;
    }
    const code = result.error?.code ?? result.status;
    summary.reasons[code] = (summary.reasons[code] ?? 0) + 1;
    if (code === "budget_exceeded") summary.heldBack.push(result.customId);
    summary.unsuccessful.push({
      customId: result.customId,
      status: result.status,
      code,
      message: result.error?.message ?? result.status,
      attempts: attemptsOf[positionOf.get(result.customId) ?? 0] ?? 0,
    });
  }
  summary.cost = tally.report();
  return summary;
}
