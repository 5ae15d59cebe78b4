/**
 * Advances a job from whatever its manifest says, one round at a time: creates the batches not created yet,
 * polls the running ones, collects the ended ones, sends retryable and expired requests again in
 * follow-up batches (up to `maxAttempts` submissions per request), and marks the job completed
 * once every request has a final result. Each step is saved in the manifest before the next, so a
 * run stopped anywhere continues in another process without a lost batch, a second creation or a
 * result collected twice.
 */
import { PartFile } from "../part-file.js";
import { redactCredentials } from "../redact-key.js";
import { AbortError, BatchNotFoundError, BatchRouterError, InvalidResponseError, ProviderError } from "../errors.js";
import type { BatchSummary, UnifiedResult } from "../types.js";
import { planJobInCore } from "../wasm.js";
import { admitUnderBudget, costOfResult } from "./job-budget.js";
import { admitUnderQuota, batchGroups, requeueForQuota } from "./job-quota.js";
import { expandRanges, newRecord, type JobManifest, type SubmissionRecord } from "./job-manifest.js";
import { finalSubmissions, ResultCollector } from "./job-results.js";
import { recordBatch, save, submitRecord, summaryOfRecord, type JobContext } from "./job-submission.js";
import { Deadline, isAccountFailure, isTransient, nextDelay, retrying, sleep } from "./retrying.js";
import type { BatchProgress, ProgressEvent } from "./wait.js";

/** What one round of work left to do. */
export interface RoundOutcome {
  completed: boolean;
  /** Work can go on at once (follow-up batches were just planned). */
  again: boolean;
}

/**
 * One round of work on a job: creates the batches its gates admit, writes missing transparency
 * files, polls the running batches, collects the ended ones, then plans follow-ups for what should
 * be sent again or marks the job completed. `advanceJob` runs one round; `runJob` and `resumeJob`
 * run rounds until the job ends: one engine.
 */
export async function advanceRound(context: JobContext): Promise<RoundOutcome> {
  const { manifest } = context;
  if (manifest.state === "completed") return { completed: true, again: false };
  await submitPending(context);
  for (const record of manifest.submissions) {
    if (record.batchId !== undefined && !record.recorded) await recordBatch(context, record);
  }
  for (const record of manifest.submissions) {
    if (record.phase === "submitted") await poll(context, record);
  }
  for (const record of manifest.submissions) {
    if (record.phase === "ended") await collect(context, record);
  }
  const settled = manifest.submissions.every((record) => record.phase === "collected" || record.phase === "failed");
  if (!settled) return { completed: false, again: false };
  if (planFollowUps(context)) {
    await save(context);
    return { completed: false, again: true };
  }
  manifest.state = "completed";
  manifest.completedAt = new Date().toISOString();
  await save(context);
  return { completed: true, again: false };
}

/**
 * Creates the pending batches that the job's gates admit now (a batch the budget fits only in part is
 * created with that part, its rest left pending); the rest wait or are held back.
 */
export async function submitPending(context: JobContext): Promise<void> {
  const { primerKey, primerKeys = primerKey === undefined ? [] : [primerKey] } = context.manifest;
  const priming = context.manifest.submissions.filter((record) => primerKeys.includes(record.key) && record.phase !== "collected" && record.phase !== "failed");
  // The rest of a model's requests wait until its primer's response has written its cache (a
  // batch of several models, Anthropic's, waits for every primer).
  const waitsForPrimer = (record: SubmissionRecord) =>
    !primerKeys.includes(record.key) && priming.some((primer) => primer.model === undefined || record.model === undefined || primer.model === record.model);
  for (const record of context.manifest.submissions) {
    if (record.phase !== "pending") continue;
    if (waitsForPrimer(record) && record.batchId === undefined && !record.createMayHaveHappened) continue;
    // A batch whose create may have happened is resolved first, whatever the budget says.
    const resolving = record.createMayHaveHappened || record.batchId !== undefined;
    // Quota first: a batch waiting for room in its model's queue is not yet a budget question.
    if (!resolving && !admitUnderQuota(context, record)) continue;
    const requestCount = record.requestCount;
    const decision = resolving ? "submit" : admitUnderBudget(context, record);
    // A batch narrowed to the part that fits the budget is saved so before anything is sent:
    // which requests it holds, and the pending rest, survive a crash at any later point.
    if (decision === "holdBack" || record.requestCount !== requestCount) await save(context);
    if (decision === "submit") await submitRecord(context, record);
  }
}

async function poll(context: JobContext, record: SubmissionRecord): Promise<void> {
  const batchId = record.batchId!;
  let status;
  try {
    status = await retrying(context.retry, `status of ${batchId}`, (signal) => context.provider.getStatus(batchId, { signal }));
  } catch (error) {
    const notFound = isNotFound(error);
    if (!notFound && !isTransient(error)) throw error;
    // Polled again at the next round while within the grace period.
    if (await stillInGrace(context, record, "status")) return;
    // A lasting 5xx (or no answer): the job stops, keeping the batch for `resumeJob`.
    if (!notFound) throw error;
    // The provider has not known the batch for the whole grace period (deleted elsewhere): its
    // requests end without results.
    record.phase = "ended";
    record.error = { code: "batch_not_found", message: (error as Error).message };
    delete record.unavailable;
    await save(context);
    return;
  }
  const before = JSON.stringify(record.status);
  const wasUnavailable = record.unavailable?.on === "status";
  if (wasUnavailable) delete record.unavailable;
  record.status = { status: status.status, rawStatus: status.rawStatus, requestCounts: status.requestCounts };
  if (status.errors?.length) record.status.errors = status.errors.map((error) => error.message);
  const codes = (status.errors ?? []).flatMap((error) => (error.code === undefined ? [] : [error.code]));
  if (codes.length > 0) record.status.errorCodes = codes;
  // Queued again only while another batch of the model is in flight, whose end makes room (the
  // core's rule); otherwise it fails like any batch, spending attempts, so the job always ends.
  const queuedBehind = requeueForQuota(context, record, status);
  if (queuedBehind !== undefined) {
    requeue(context, record, queuedBehind);
    await save(context);
    return;
  }
  if (status.isComplete()) record.phase = "ended";
  if (wasUnavailable || status.isComplete() || JSON.stringify(record.status) !== before) await save(context);
}

/**
 * A batch the provider failed because its model's queue was full: its requests go into a new
 * pending submission at the same attempt, created in a later wave.
 */
function requeue(context: JobContext, record: SubmissionRecord, queuedBehind: number): void {
  const { manifest } = context;
  record.phase = "collected";
  record.followedUp = true;
  record.error = { code: "token_limit_exceeded", message: `batch ${record.batchId} failed: its model's queue was full; queued again` };
  const again = newRecord(manifest.jobId, manifest.submissions.length, record.attempt, [...expandRanges(record.requestRanges)], record.model);
  again.queuedBehind = queuedBehind;
  manifest.submissions.push(again);
}

/** A 404: for the batch (its status) or for its results. */
function isNotFound(error: unknown): boolean {
  return error instanceof BatchNotFoundError || (error instanceof ProviderError && error.status === 404);
}

/**
 * Whether a 404 or a transient failure (once the call's retries are spent) for a batch the job
 * created is still within the grace period: a provider may not know a batch for a while after
 * creating it or after it ended (field case 24), and no billed batch is given up on one answer. The
 * first such answer starts the clock, saved in the manifest so that a resumed run keeps it.
 */
async function stillInGrace(context: JobContext, record: SubmissionRecord, on: "status" | "results"): Promise<boolean> {
  if (!record.unavailable) {
    record.unavailable = { since: new Date().toISOString(), on };
    await save(context);
  }
  return Date.now() - Date.parse(record.unavailable.since) < context.lostBatchGracePeriod;
}

/**
 * Downloads an ended batch's results into the job's results file (written afresh by each try, so
 * nothing is collected twice). A download with unreadable lines (a truncated body) is downloaded
 * again while retries are left. A request the provider's files hold no line for is not: the file
 * reads the same each time, so the request is `missing_result` at once (retryable: sent again
 * while the job's `maxAttempts` allow).
 */
async function collect(context: JobContext, record: SubmissionRecord): Promise<void> {
  const { manifest, store } = context;
  const path = store.resultsPath(manifest.jobId, record.key);
  const positions = new Map<string, number>();
  for (const position of expandRanges(record.requestRanges)) positions.set(context.customIds[position]!, position);
  const startedAt = Date.now();
  // Each try writes the part afresh; it becomes the results file only once a try has read the whole
  // batch: a failed or stopped collection leaves no partial or empty results file behind.
  const part = new PartFile(store.storage, path);
  try {
    await collectInto(context, record, positions, part, startedAt);
  } finally {
    // Nothing to do when a try completed; else cleared away where the storage can (a failure to
    // do so changes no outcome).
    await part.discard().catch(() => undefined);
  }
}

/** {@link collect}'s tries, each writing `part` afresh; the one that completes makes it the results file. */
async function collectInto(context: JobContext, record: SubmissionRecord, positions: Map<string, number>, part: PartFile, startedAt: number): Promise<void> {
  const { manifest } = context;
  for (let retries = 0; ; retries++) {
    const collector = new ResultCollector(record, positions);
    let failure: unknown;
    try {
      await part.begin();
      if (!record.error) await download(context, record, collector, part);
    } catch (error) {
      if (context.retry.signal?.aborted) throw new AbortError();
      // A failing storage (not the provider) stops the round: it is not retried as a download.
      if (!(error instanceof BatchRouterError)) throw error;
      failure = error;
    }
    if (failure === undefined) {
      const incomplete = !record.error && collector.unreadable > 0;
      // A cut download counts as a garbled answer: downloaded again while the policy allows.
      const delay = incomplete
        ? nextDelay(context.retry, retries, new InvalidResponseError(`the results of ${record.batchId} were incomplete`, manifest.provider), startedAt)
        : undefined;
      if (delay === undefined) {
        await collected(context, record, collector, part);
        return;
      }
      await sleep(delay, context.retry.signal);
      continue;
    }
    if (!record.error && isNotFound(failure) && (await stillInGrace(context, record, "results"))) {
      // Not there yet, or not any more for a moment: the batch is kept, polled, and read again.
      record.phase = "submitted";
      await save(context);
      return;
    }
    // A bad or rotated key: the round stops, the batch is read again once the key is fixed.
    if (isAccountFailure(failure)) throw failure;
    const delay = nextDelay(context.retry, retries, failure, startedAt);
    if (delay === undefined) {
      if (isTransient(failure)) {
        if (!(await stillInGrace(context, record, "results"))) {
          if (!(failure instanceof InvalidResponseError && failure.outputMissing)) throw failure;
          // A finished batch whose output held none of the answers its status counts for the
          // whole grace period: read as a batch without lines, each request `missing_result`,
          // sent again while it has attempts left.
          (record.warnings ??= []).push(redactCredentials(failure.message));
          await part.begin();
          await collected(context, record, new ResultCollector(record, positions), part);
          return;
        }
        // Retries spent within the grace period: polled and read again at a later round.
        record.phase = "submitted";
        await save(context);
        return;
      }
      // The results cannot be had (the provider refuses them, or they were not found for the whole
      // grace period: the batch is lost as when its status 404s): the requests end without.
      const code = isNotFound(failure) ? "batch_not_found" : ((failure as { code?: string }).code ?? "internal");
      record.error = { code, message: redactCredentials((failure as Error).message) };
      continue;
    }
    await sleep(delay, context.retry.signal);
  }
}

/** A try read the whole batch: its part file, with a line made for each request without one, becomes the results file. */
async function collected(context: JobContext, record: SubmissionRecord, collector: ResultCollector, part: PartFile): Promise<void> {
  const { manifest } = context;
  const { missingLines, resubmit } = collector.finish();
  if (missingLines) await part.append(missingLines);
  await part.complete();
  record.results = { path: part.path, counts: collector.counts, resubmit };
  // Built-in prices count too: a budget is kept without the router's `prices`.
  if (context.prices !== undefined || manifest.maxCostUsd !== undefined) record.spentUsd = collector.costUsd;
  record.phase = "collected";
  delete record.unavailable;
  await save(context);
}

/**
 * The record's batch summary made again, or `undefined` (with a warning on the record) when this
 * router's provider options no longer convert its requests: its results are then read with the
 * request ids alone.
 */
function summaryAgain(context: JobContext, record: SubmissionRecord): BatchSummary | undefined {
  try {
    return summaryOfRecord(context, record);
  } catch (error) {
    const reason = redactCredentials(error instanceof Error ? error.message : String(error));
    (record.warnings ??= []).push(
      `the provider keeps no record of ${record.batchId} and its requests no longer convert (${reason}): its results were read without its summary (replaced custom ids, which answers are JSON, embedding counts and the endpoint unknown)`,
    );
    return undefined;
  }
}

async function download(context: JobContext, record: SubmissionRecord, collector: ResultCollector, part: PartFile): Promise<void> {
  const deadline = new Deadline(context.retry.requestTimeout, context.retry.signal);
  try {
    // The batch's requests in the order they were sent, and its summary made again: another router
    // instance (or a provider with `storage: false`) has no record of them, and Gemini's keyless
    // answers, replaced ids, JSON answers, embedding counts and the endpoint's kind need them.
    const positions = [...expandRanges(record.requestRanges)];
    const requestIds = positions.map((position) => context.customIds[position]!);
    const positionOf = new Map(requestIds.map((customId, index) => [customId, positions[index]!]));
    for await (const result of context.access.results(record.batchId!, requestIds, { signal: deadline.signal }, () => summaryAgain(context, record))) {
      deadline.touch();
      const line = collector.accept(result as UnifiedResult);
      if (line === undefined) continue;
      collector.costUsd += costOfResult(context, record, result as UnifiedResult, positionOf.get(result.customId));
      // Gathered by the part and written about a MiB at a time.
      await part.append(line + "\n");
    }
  } catch (error) {
    throw deadline.explain(error, `results of ${record.batchId}`);
  } finally {
    deadline.dispose();
  }
}

/**
 * Plans follow-up submissions for the requests to send again, from every collected batch not
 * followed up yet. Returns whether any was planned.
 */
function planFollowUps(context: JobContext): boolean {
  const { manifest } = context;
  const byAttempt = new Map<number, number[]>();
  for (const record of manifest.submissions) {
    if (record.phase !== "collected" || record.followedUp) continue;
    record.followedUp = true;
    if (record.attempt >= manifest.maxAttempts) continue;
    const positions = byAttempt.get(record.attempt + 1) ?? [];
    positions.push(...expandRanges(record.results!.resubmit));
    byAttempt.set(record.attempt + 1, positions);
  }
  let planned = false;
  for (const [attempt, unsorted] of byAttempt) {
    const positions = unsorted.sort((a, b) => a - b);
    if (positions.length === 0) continue;
    const jsonl = positions.map((position) => context.lines[position] + "\n").join("");
    const plan = planJobInCore(manifest.provider, jsonl, { ...context.access.prepareOptions, endpoint: manifest.endpoint }, manifest.planOptions);
    for (const group of batchGroups(manifest.provider, plan, context.quotas, context.inputTokens, false, (index) => positions[index]!)) {
      manifest.submissions.push(newRecord(manifest.jobId, manifest.submissions.length, attempt, group.positions, group.model));
      planned = true;
    }
  }
  return planned;
}

export function progress(manifest: JobManifest): ProgressEvent {
  const batches: BatchProgress[] = [];
  for (const record of manifest.submissions) {
    if (record.batchId === undefined || !record.status) continue;
    batches.push({ provider: manifest.provider, batchId: record.batchId, key: record.key, ...record.status });
  }
  const finals = finalSubmissions(manifest);
  const finished = finals.filter((record) => record && (record.phase === "collected" || record.phase === "failed")).length;
  return {
    jobId: manifest.jobId,
    batches,
    ended: manifest.submissions.filter((record) => record.phase === "ended" || record.phase === "collected").length,
    finished,
    total: manifest.requestCount,
  };
}
