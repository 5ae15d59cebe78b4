/**
 * Creating one provider batch of a job so that every retry is safe:
 * - the submission runs one HTTP step at a time (the core's `SubmissionRun`, `provider-client.ts`); after the upload the
 *   file id is saved in the manifest, and no retry or resumed run uploads again;
 * - before a create call is sent, the manifest says a create may have happened; a clear refusal
 *   clears it. For a provider that keeps no tag (Anthropic), the newest batch in its list is noted
 *   first, so that a batch created since can be told apart without comparing clocks. While it is set (an ambiguous failure, or a process that stopped mid-call), the
 *   batch is looked for in the provider's list by the job's tag before anything is created again
 *   (the matching rules, and where they are not exact, are the core's `job_tag.rs`);
 * - transient failures are retried by the core's policy; a permanent one marks the submission
 *   `failed` (its requests end as `submission_failed`); spent retries, or a 401/403 (the account's
 *   key, not the request), stop the run with the error, and the job can be resumed later.
 */
import { redactCredentials } from "../redact-key.js";
import type { PriceTable } from "../estimate.js";
import { waitsForLaterWave, type ModelQuotas } from "./job-quota.js";
import { AbortError, ProviderError, toBatchRouterError, ValidationError } from "../errors.js";
import type { BatchProvider, ProviderJobAccess } from "../provider.js";
import type { BatchStatusData, BatchSummary } from "../types.js";
import type { SubmissionSteps } from "../provider-client.js";
import { jobTagNeedsWatermark, taggedMetadata, type PreparedBatch } from "../wasm.js";
import type { JobLease } from "./job-lease.js";
import { expandRanges, type JobManifest, type JobStore, type SubmissionRecord } from "./job-manifest.js";
import { isAccountFailure, isTransient, mayHaveHappened, nextDelay, retrying, sleep, withDeadline, type RetrySettings } from "./retrying.js";

/** What a job run works with. */
export interface JobContext {
  manifest: JobManifest;
  store: JobStore;
  provider: BatchProvider;
  access: ProviderJobAccess;
  retry: RetrySettings;
  /** The unified requests as JSON text, in job order. */
  lines: string[];
  customIds: string[];
  /** Milliseconds a batch the job created may answer 404 or 5xx before it is lost (or the job stops). */
  lostBatchGracePeriod: number;
  /** The router's prices, for what collected results cost. */
  prices?: PriceTable;
  /** The model each request is sent with, by job position: what its usage is priced by. */
  sentModels?: () => string[];
  /** Each request's worst-case cost, for a job with a budget. */
  worstCaseCosts?: Float64Array;
  /** The router's queue quotas for this job's provider, by model. */
  quotas?: ModelQuotas;
  /** Each request's estimated input tokens, when a model has a token quota. */
  inputTokens?: Float64Array;
  /** The lease of the invocation working on the job (see `job-lease.ts`). */
  lease?: JobLease;
}

export async function save(context: JobContext): Promise<void> {
  await context.lease?.keep();
  await context.store.save(context.manifest);
}

/**
 * The retry settings of a create call: the lease is renewed first, and the call must end (or is
 * abandoned) before the lease does, so no other invocation can take over while it may still land.
 */
async function createSettings(context: JobContext): Promise<RetrySettings> {
  const { lease } = context;
  if (!lease) return context.retry;
  await lease.renew();
  return { ...context.retry, requestTimeout: Math.max(1, Math.min(context.retry.requestTimeout, lease.usableMs())) };
}

/**
 * Until when a create call with this time limit, sent now, may still land if it gets no answer: a
 * provider can carry out a request after the client gave up on it, so the limit is counted twice
 * (the call's own time, then as long again after it was abandoned) plus a margin for clocks.
 */
export function createUncertainUntil(sentAt: number, timeLimitMs: number): number {
  return sentAt + 2 * timeLimitMs + Math.min(5_000, timeLimitMs);
}

/** Whether a create with no answer may still land, so a batch not found must not be created again yet. */
function createStillUncertain(record: SubmissionRecord): boolean {
  return record.createMayHaveHappened === true && record.createUncertainUntil !== undefined && Date.now() < record.createUncertainUntil;
}

type UnsentCreate = Pick<SubmissionRecord, "createSentAt" | "createMayHaveHappened" | "createUncertainUntil">;

/** A record's create fields (only those set), to put back if the create is never sent. */
function createFields(record: SubmissionRecord): UnsentCreate {
  const fields: UnsentCreate = {};
  if (record.createSentAt !== undefined) fields.createSentAt = record.createSentAt;
  if (record.createMayHaveHappened !== undefined) fields.createMayHaveHappened = record.createMayHaveHappened;
  if (record.createUncertainUntil !== undefined) fields.createUncertainUntil = record.createUncertainUntil;
  return fields;
}

/**
 * A create that was never sent (its round stopped first): the record's create fields go back to
 * what they were, so the next round does not wait out an uncertainty window for a call that never
 * left. A failed write only leaves that window (the call is then looked for by its tag).
 */
async function restoreUnsentCreate(context: JobContext, record: SubmissionRecord, before: UnsentCreate): Promise<void> {
  delete record.createSentAt;
  delete record.createMayHaveHappened;
  delete record.createUncertainUntil;
  Object.assign(record, before);
  try {
    await save(context);
  } catch {
    // See above: the window only delays the next create.
  }
}

/** A clear answer to a create call (or a batch found): nothing is on its way any more. */
function settleCreate(record: SubmissionRecord): void {
  record.createMayHaveHappened = false;
  delete record.createUncertainUntil;
}

function chunkJsonl(context: JobContext, record: SubmissionRecord): string {
  let text = "";
  for (const position of expandRanges(record.requestRanges)) text += context.lines[position] + "\n";
  return text;
}

function chunkIds(context: JobContext, record: SubmissionRecord): string[] {
  return [...expandRanges(record.requestRanges)].map((position) => context.customIds[position]!);
}

function prepareChunk(context: JobContext, record: SubmissionRecord): { prepared: PreparedBatch; unifiedJsonl: string } {
  const unifiedJsonl = chunkJsonl(context, record);
  const metadata = taggedMetadata(context.manifest.provider, context.manifest.metadata, record.tag);
  return { prepared: context.access.prepare(unifiedJsonl, metadata, context.manifest.endpoint), unifiedJsonl };
}

/**
 * The summary the record's batch was sent with, made again from the job's requests (conversion is
 * deterministic: the same id map, JSON answers, embedding counts and endpoint), for reading its
 * results where the provider keeps no record of the batch (another router, `storage: false`).
 */
export function summaryOfRecord(context: JobContext, record: SubmissionRecord): BatchSummary {
  const chunk = prepareChunk(context, record);
  try {
    return chunk.prepared.summary;
  } finally {
    chunk.prepared.free();
  }
}

async function fail(context: JobContext, record: SubmissionRecord, error: unknown): Promise<void> {
  record.phase = "failed";
  settleCreate(record);
  const code = (error as { code?: string }).code ?? "internal";
  record.error = { code, message: redactCredentials(error instanceof Error ? error.message : String(error)) };
  await save(context);
}

function adopt(record: SubmissionRecord, status: BatchStatusData): void {
  record.batchId = status.batchId;
  record.phase = "submitted";
  settleCreate(record);
  record.status = { status: status.status, rawStatus: status.rawStatus, requestCounts: status.requestCounts };
}

/** Looks for the batch in the provider's list; adopts it when found. */
async function adoptIfFound(context: JobContext, record: SubmissionRecord): Promise<boolean> {
  const exclude = context.manifest.submissions.flatMap((other) => (other.batchId === undefined ? [] : [other.batchId]));
  // Together AI's batch is found by the input file the create named (the checkpoint's file id).
  const search = { tag: record.tag, requestCount: record.requestCount, sentAtMs: record.createSentAt ?? 0, exclude, watermark: record.watermark, inputFileId: record.checkpoint?.fileId };
  const outcome = await retrying(context.retry, `looking for batch ${record.tag}`, async (signal) => (await context.access.client()).findBatch(search, signal));
  if (outcome.outcome === "found") {
    adopt(record, outcome.batch);
    await save(context);
    return true;
  }
  if (outcome.outcome === "ambiguous") {
    (record.warnings ??= []).push(
      `a create call for ${record.tag} may have succeeded, but ${outcome.batchIds.join(", ")} all fit it; creating again may duplicate one of them`,
    );
    await save(context);
  }
  return false;
}

/** Writes the transparency files of a created batch (preparing the chunk again when needed). */
export async function recordBatch(context: JobContext, record: SubmissionRecord, prepared?: { summary: BatchSummary; unifiedJsonl: string; providerJsonl: Uint8Array }): Promise<void> {
  if (record.recorded || record.batchId === undefined) return;
  let files = prepared;
  if (!files) {
    const chunk = prepareChunk(context, record);
    try {
      files = { summary: chunk.prepared.summary, unifiedJsonl: chunk.unifiedJsonl, providerJsonl: chunk.prepared.providerJsonlBytes() };
    } finally {
      chunk.prepared.free();
    }
  }
  await context.access.record(record.batchId, files.summary, files.unifiedJsonl, files.providerJsonl, chunkIds(context, record));
  // How a webhook about this batch finds its job.
  await context.store.storage.write(context.store.batchIndexPath(context.manifest.provider, record.batchId), context.manifest.jobId);
  record.recorded = true;
  await save(context);
}

/** Creates the provider batch of a `pending` submission (see the module documentation). */
export async function submitRecord(context: JobContext, record: SubmissionRecord): Promise<void> {
  let chunk;
  try {
    chunk = prepareChunk(context, record);
  } catch (error) {
    // The plan validated every request; a chunk can still be refused (e.g. tagged metadata over a limit).
    if (error instanceof ValidationError) return fail(context, record, error);
    throw error;
  }
  const summary = chunk.prepared.summary;
  // The provider JSONL is uploaded from wasm memory; the transparency file gets it as bytes (no JS string).
  const files = { summary, unifiedJsonl: chunk.unifiedJsonl, providerJsonl: chunk.prepared.providerJsonlBytes() };
  let found: boolean;
  try {
    found = record.createMayHaveHappened === true && (await adoptIfFound(context, record));
  } catch (error) {
    chunk.prepared.free();
    throw error;
  }
  if (found) {
    chunk.prepared.free();
    return recordBatch(context, record, files);
  }
  if (createStillUncertain(record)) {
    // An earlier create got no answer and may still land: looked for again at a later round.
    chunk.prepared.free();
    return;
  }
  let run: SubmissionSteps;
  try {
    run = (await context.access.client()).startSubmission(chunk.prepared, record.checkpoint);
  } catch (error) {
    throw toBatchRouterError(error);
  }
  try {
    let startedAt = Date.now();
    for (let retries = 0; ; ) {
      let creates: boolean;
      try {
        creates = run.nextStepCreates();
      } catch (error) {
        // The submission cannot start (e.g. a checkpoint its route cannot resume from).
        return fail(context, record, toBatchRouterError(error));
      }
      let settings = context.retry;
      // What the record said before this create, for a round stopped before the call went out.
      const beforeCreate = createFields(record);
      let sent = false;
      if (creates) {
        if (record.createSentAt === undefined && jobTagNeedsWatermark(context.manifest.provider)) {
          record.watermark = await retrying(context.retry, "listing batches", async (signal) => (await context.access.client()).listWatermark(signal));
        }
        settings = await createSettings(context);
        record.createSentAt ??= Date.now();
        record.createMayHaveHappened = true;
        // Saved before the call, so a process stopped during it leaves the window too.
        record.createUncertainUntil = createUncertainUntil(Date.now(), settings.requestTimeout);
        await save(context);
      }
      let status: BatchStatusData | undefined;
      try {
        status = await withDeadline(settings, `submitting ${record.tag}`, (signal) => {
          // Stopped before the call went out: no fetch at all, so nothing can land.
          if (signal.aborted) throw new AbortError();
          sent = true;
          return run.step(signal);
        });
      } catch (error) {
        if (context.retry.signal?.aborted) {
          // Stopped (budget, lease or the caller) while a create was on its way: it may land, so
          // the lease is kept until it expires. Stopped before it was sent: the record is as it
          // was, and the lease is given back at once, as after a round that ends normally.
          if (creates && sent && context.lease) context.lease.keepUntilExpiry = true;
          if (creates && !sent) await restoreUnsentCreate(context, record, beforeCreate);
          throw new AbortError();
        }
        if (creates && !mayHaveHappened(error)) {
          settleCreate(record);
          await save(context);
        } else if (creates && error instanceof ProviderError) {
          // An answer (a 5xx): the provider is done with the call, its list can be trusted now.
          delete record.createUncertainUntil;
          await save(context);
        }
        if (creates && !record.createMayHaveHappened && waitsForLaterWave(context, record, error)) {
          await save(context);
          return;
        }
        const delay = nextDelay(context.retry, retries, error, startedAt);
        if (delay === undefined) {
          // A bad or rotated key fails every request alike: stop, resumable once it is fixed.
          if (isTransient(error) || isAccountFailure(error)) throw error;
          return fail(context, record, error);
        }
        if (record.createMayHaveHappened && (await adoptIfFound(context, record))) break;
        // No answer: the create may land later still; not created again before a later round.
        if (createStillUncertain(record)) return;
        await sleep(delay, context.retry.signal);
        retries++;
        continue;
      }
      if (status !== undefined) {
        adopt(record, status);
        await save(context);
        break;
      }
      record.checkpoint = run.checkpoint;
      await save(context);
      // Progress was made: the next step gets the whole retry budget again.
      retries = 0;
      startedAt = Date.now();
    }
  } finally {
    run.free();
  }
  return recordBatch(context, record, files);
}
