/**
 * A job's manifest: everything needed to continue it in another process — the plan (which
 * requests go in which provider batch), the uploaded file ids, the batch ids, the attempts, and what
 * has been collected. It lives in the storage as `jobs/<jobId>.json` beside the job's requests
 * (`jobs/<jobId>/requests.jsonl`) and collected results (`jobs/<jobId>/results/<key>.jsonl`), and is
 * written before and after every step. Writes go to a temporary file that is then renamed, so a
 * process killed mid-write leaves the previous manifest whole.
 */
import { ConfigurationError, ValidationError } from "../errors.js";
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
  batchId?: string;
  /** Whether the transparency files of the batch were written. */
  recorded?: boolean;
  status?: { status: BatchStatus; rawStatus: string; requestCounts: RequestCounts; errors?: string[] };
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
  /** What the collected results' usage cost (US dollars), for a job with a budget. */
  spentUsd?: number;
  /** Whether the requests to send again were given a follow-up submission (or had no attempt left). */
  followedUp?: boolean;
  warnings?: string[];
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
  /** The submission that primes the prompt cache; the others wait for it to end (`JobOptions.primeCache`). */
  primerKey?: string;
  /** The job's budget in US dollars (see `JobOptions.maxCostUsd`). */
  maxCostUsd?: number;
  submissions: SubmissionRecord[];
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

/** Reads and writes manifests, requests and results of jobs in one storage. */
export class JobStore {
  constructor(readonly storage: BatchStorage) {
    if (storage instanceof NoStorage) {
      throw new ConfigurationError("jobs keep their manifest in the storage: give the router a storage (not `false`)");
    }
  }

  manifestPath(jobId: string): string {
    return `jobs/${jobId}.json`;
  }

  requestsPath(jobId: string): string {
    return `jobs/${jobId}/requests.jsonl`;
  }

  resultsPath(jobId: string, key: string): string {
    return `jobs/${jobId}/results/${key}.jsonl`;
  }

  async load(jobId: string): Promise<JobManifest | undefined> {
    checkJobId(jobId);
    const text = await this.storage.read(this.manifestPath(jobId));
    if (text === undefined) return undefined;
    const manifest = JSON.parse(text) as JobManifest;
    if (manifest.version !== MANIFEST_VERSION) {
      throw new ConfigurationError(`job ${jobId}: manifest version ${String(manifest.version)} is not supported`);
    }
    return manifest;
  }

  /** Writes the manifest whole or not at all (temporary file, then rename). */
  async save(manifest: JobManifest): Promise<void> {
    manifest.updatedAt = new Date().toISOString();
    const path = this.manifestPath(manifest.jobId);
    await this.storage.write(`${path}.tmp`, JSON.stringify(manifest, null, 1) + "\n");
    await this.storage.rename(`${path}.tmp`, path);
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
