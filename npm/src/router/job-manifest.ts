/**
 * A job's manifest: everything needed to continue it in another process — the plan (which
 * requests go in which provider batch), the uploaded file ids, the batch ids, the attempts, and what
 * has been collected. It lives in the storage as `jobs/<jobId>.json` beside the job's requests
 * (`jobs/<jobId>/requests.<nonce>.jsonl`) and collected results (`jobs/<jobId>/results/<key>.<nonce>.jsonl`),
 * and is written before and after every step. The manifest is a record of a `JobStateStore`: each
 * write is conditional on the version this process last read or wrote, so a write fails
 * (`JobConflictError`) when another invocation wrote in between, and a file written by a caller
 * that lost the race is never one the manifest points to (every bulk file has a fresh name).
 */
import { ConfigurationError, JobConflictError, ValidationError } from "../errors.js";
import type { JobStateStore } from "../job-state.js";
import { NoStorage, type BatchStorage } from "../storage.js";
import type { BatchStatus, Endpoint, ProviderName, RequestCounts } from "../types.js";
import type { PlanOptions, SubmissionCheckpoint, Watermark } from "../wasm.js";

export const MANIFEST_VERSION = 1;

/** `[start, end)` positions in the job's request list. */
export type Ranges = [number, number][];

/**
 * Where a provider batch of the job stands:
 * `pending` (not created yet; its checkpoint may hold an uploaded file) → `submitted` (created,
 * running) → `ended` (reached a final status) → `collected` (results stored); or `failed` (could not
 * be created: a permanent error).
 */
export type SubmissionPhase = "pending" | "submitted" | "ended" | "collected" | "failed";

export interface OutcomeCounts {
  succeeded: number;
  errored: number;
  expired: number;
  cancelled: number;
  /** Requests of the batch with no result line (counted in `errored`, `expired` or `cancelled` too). */
  missing: number;
  /** Result lines for ids the batch did not hold, or repeated, or unreadable: ignored. */
  ignored: number;
}

/** One provider batch of the job (a chunk of the plan, at one attempt). */
export interface SubmissionRecord {
  /** `<chunk>.<attempt>`, unique in the job. */
  key: string;
  /** `<jobId>.<key>`: how the batch is recognised in the provider's list. */
  tag: string;
  /** 1 for the first submission of these requests, 2+ for resubmissions. */
  attempt: number;
  model?: string;
  requestRanges: Ranges;
  requestCount: number;
  phase: SubmissionPhase;
  checkpoint: SubmissionCheckpoint;
  /** When the first create call was sent (Unix ms): bounds the search for the batch. */
  createSentAt?: number;
  /** The newest batch listed before the first create call (providers that keep no tag). */
  watermark?: Watermark;
  /** Set before a create call is sent, cleared by a clear answer: the batch may exist. */
  createMayHaveHappened?: boolean;
  /**
   * Until when (Unix ms) a create call that got no answer (timed out, abandoned, or its process
   * stopped) may still land at the provider. Until then a batch not found by its tag is not
   * created again (the provider's list cannot be trusted to show it yet); set before the call is
   * sent, cleared by an answer.
   */
  createUncertainUntil?: number;
  batchId?: string;
  /** Whether the transparency files of the batch were written. */
  recorded?: boolean;
  status?: {
    status: BatchStatus;
    rawStatus: string;
    requestCounts: RequestCounts;
    errors?: string[];
    /** The provider's codes of those errors, where it gave them (`token_limit_exceeded`). */
    errorCodes?: string[];
  };
  /**
   * Since when (ISO time) the provider has answered this batch's status or results with a 404 or a
   * transient failure (5xx, no answer) only: the batch counts as lost (404) or the job stops (the
   * rest) only once this lasts the grace period (`BatchRouterOptions.lostBatchGracePeriod`).
   */
  unavailable?: { since: string; on: "status" | "results" };
  /** Why the batch could not be created (phase `failed`), or ended without results. */
  error?: { code: string; message: string };
  /** Once collected: where the results are, what they were, and which requests to send again. */
  results?: { path: string; counts: OutcomeCounts; resubmit: Ranges };
  /** For a batch queued again after a full queue: how many of its model's batches were then in flight. */
  queuedBehind?: number;
  /**
   * What the collected results cost (US dollars), for a job with a budget or the router's prices:
   * their usage, and the worst case of a successful answer without usage (`costOfResult`).
   */
  spentUsd?: number;
  /** Whether the requests to send again were given a follow-up submission (or had no attempt left). */
  followedUp?: boolean;
  warnings?: string[];
}

/**
 * Whether a create call of the record got no answer and its batch is not found yet: it may have
 * landed, so it holds a quota slot, its tokens and its worst case as a created batch does, until
 * it is found by the job's tag or a create is answered (`createMayHaveHappened`, cleared then).
 */
export function createUnanswered(record: SubmissionRecord): boolean {
  return record.phase === "pending" && record.batchId === undefined && record.createMayHaveHappened === true;
}

export interface JobManifest {
  version: typeof MANIFEST_VERSION;
  jobId: string;
  provider: ProviderName;
  createdAt: string;
  updatedAt: string;
  state: "running" | "completed";
  completedAt?: string;
  requestCount: number;
  /** The unified requests, one per line, in job order. */
  requestsPath: string;
  metadata?: Record<string, string>;
  /** The API every batch of the job calls; `chat` when absent. */
  endpoint?: Endpoint;
  /** Submissions per request at most (the first included). */
  maxAttempts: number;
  planOptions: PlanOptions;
  /**
   * The submissions that prime the prompt cache, one per model; the others of each model wait for
   * its primer to end (`JobOptions.primeCache`).
   */
  primerKeys?: string[];
  /** The one primer of manifests written before there was one per model. */
  primerKey?: string;
  /** The job's budget in US dollars (see `JobOptions.maxCostUsd`). */
  maxCostUsd?: number;
  submissions: SubmissionRecord[];
  /** Milliseconds before the next round, as advised by the last one (grows while nothing changes). */
  pollIntervalMs?: number;
}

const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function checkJobId(jobId: string): void {
  if (!JOB_ID.test(jobId)) {
    throw new ValidationError(`jobId: "${jobId}" must be 1 to 64 letters, digits, "_" or "-"`, { field: "jobId" });
  }
}

export function newJobId(): string {
  return `job_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 10)}`;
}

/** The positions the ranges cover, in order. */
export function* expandRanges(ranges: Ranges): Generator<number> {
  for (const [start, end] of ranges) for (let position = start; position < end; position++) yield position;
}

/** Ascending positions as ranges. */
export function toRanges(positions: Iterable<number>): Ranges {
  const ranges: Ranges = [];
  for (const position of positions) {
    const last = ranges.at(-1);
    if (last && last[1] === position) last[1] = position + 1;
    else ranges.push([position, position + 1]);
  }
  return ranges;
}

/** A `pending` submission of the given job positions (ascending), the `index`-th of its job. */
export function newRecord(jobId: string, index: number, attempt: number, positions: number[], model?: string): SubmissionRecord {
  const key = `${index}.${attempt}`;
  const requestRanges = toRanges(positions);
  const record: SubmissionRecord = { key, tag: `${jobId}.${key}`, attempt, requestRanges, requestCount: positions.length, phase: "pending", checkpoint: {} };
  if (model !== undefined) record.model = model;
  return record;
}

/** A fresh suffix for a bulk file, so that racing writers never write the same file. */
function nonce(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/** Reads and writes manifests (in a `JobStateStore`), requests and results (in a `BatchStorage`). */
export class JobStore {
  /** The version of each manifest object as last read or written by this store. */
  private readonly versions = new WeakMap<JobManifest, string>();

  constructor(
    readonly storage: BatchStorage,
    readonly state: JobStateStore,
  ) {
    if (storage instanceof NoStorage) {
      throw new ConfigurationError("jobs keep their manifest in the storage: give the router a storage (not `false`)");
    }
  }

  /** The manifest's record key (`jobs/<jobId>`; kept as `jobs/<jobId>.json` by file and memory stores). */
  manifestKey(jobId: string): string {
    return `jobs/${jobId}`;
  }

  requestsPath(jobId: string): string {
    return `jobs/${jobId}/requests.${nonce()}.jsonl`;
  }

  resultsPath(jobId: string, key: string): string {
    return `jobs/${jobId}/results/${key}.${nonce()}.jsonl`;
  }

  /** Where the id of the job that created a batch is kept (read by `handleWebhook`). */
  batchIndexPath(provider: ProviderName, batchId: string): string {
    return `jobs/by-batch/${provider}/${encodeURIComponent(batchId)}`;
  }

  /** The job that created the batch, when it was created by a job of this store. */
  async jobOfBatch(provider: ProviderName, batchId: string): Promise<string | undefined> {
    const text = await this.storage.read(this.batchIndexPath(provider, batchId));
    return text === undefined || text === "" ? undefined : text;
  }

  async load(jobId: string): Promise<JobManifest | undefined> {
    checkJobId(jobId);
    const record = await this.state.get(this.manifestKey(jobId));
    if (record === undefined) return undefined;
    const manifest = JSON.parse(record.value) as JobManifest;
    if (manifest.version !== MANIFEST_VERSION) {
      throw new ConfigurationError(`job ${jobId}: manifest version ${String(manifest.version)} is not supported`);
    }
    this.versions.set(manifest, record.version);
    return manifest;
  }

  /** Whether `manifest` is still the newest one written (false: another invocation wrote since). */
  async isCurrent(manifest: JobManifest): Promise<boolean> {
    const record = await this.state.get(this.manifestKey(manifest.jobId));
    return record !== undefined && record.version === this.versions.get(manifest);
  }

  /**
   * Writes the manifest whole, only if nobody wrote it since this store read or wrote it (a new
   * manifest: only if none exists). Throws `JobConflictError` otherwise, writing nothing.
   */
  async save(manifest: JobManifest): Promise<void> {
    manifest.updatedAt = new Date().toISOString();
    const expected = this.versions.get(manifest);
    const version = await this.state.put(this.manifestKey(manifest.jobId), JSON.stringify(manifest, null, 1) + "\n", expected);
    if (version === undefined) {
      if (expected === undefined) {
        throw new ValidationError(`jobId: job ${manifest.jobId} already exists; continue it with advanceJob or resumeJob`, { field: "jobId" });
      }
      throw new JobConflictError(manifest.jobId, "its manifest was written by another invocation in between; this one stopped without writing");
    }
    this.versions.set(manifest, version);
  }

  /** The version this store last read or wrote for `manifest`. */
  versionOf(manifest: JobManifest): string | undefined {
    return this.versions.get(manifest);
  }

  /** The job's unified requests, one JSON text per request, in job order. */
  async readRequests(manifest: JobManifest): Promise<string[]> {
    const text = await this.storage.read(manifest.requestsPath);
    if (text === undefined) throw new ConfigurationError(`job ${manifest.jobId}: its requests are missing from the storage`);
    const lines = text.split("\n");
    if (lines.at(-1) === "") lines.pop();
    if (lines.length !== manifest.requestCount) {
      throw new ConfigurationError(`job ${manifest.jobId}: ${lines.length} stored requests, the manifest says ${manifest.requestCount}`);
    }
    return lines;
  }
}
