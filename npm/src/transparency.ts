/**
 * The transparency files: every batch's unified requests, the provider's lines, the raw output and
 * the unified results, as JSONL under `generated/<provider>/batch_<id>_*.jsonl`, plus a small
 * `_meta.json` (counts, model, id map) that later calls read back. No file ever holds a key.
 */
import { NoStorage, type BatchStorage } from "./storage.js";
import type { BatchSummary } from "./types.js";

/** The `_meta.json` of a batch: what later calls (results, id mapping) need to know about it. */
export interface BatchMeta {
  batchId: string;
  provider: string;
  createdAt: string;
  summary: BatchSummary;
  /** The custom ids in submission order, where results may have to be matched by position. */
  requestIds?: string[];
}

/** Batch ids can hold `/` (Gemini's `batches/…`): keep file names flat and safe. */
export function safeName(batchId: string): string {
  return batchId.replace(/[^A-Za-z0-9_.-]/g, "_");
}

/**
 * Names and writes one provider's transparency files on a {@link BatchStorage}:
 * `generated/<provider>/batch_<id>_{unified,provider,output,results}.jsonl` and `batch_<id>_meta.json`.
 */
export class TransparencyFiles {
  constructor(
    private readonly storage: BatchStorage,
    private readonly provider: string,
  ) {}

  /** False when the storage keeps nothing, so there is nothing to hand it. */
  get keepsFiles(): boolean {
    return !(this.storage instanceof NoStorage);
  }

  path(batchId: string, kind: "unified" | "provider" | "output" | "results"): string {
    return `generated/${this.provider}/batch_${safeName(batchId)}_${kind}.jsonl`;
  }

  metaPath(batchId: string): string {
    return `generated/${this.provider}/batch_${safeName(batchId)}_meta.json`;
  }

  /** Writes the request files under a provisional id, before anything is sent. */
  async writeRequests(provisionalId: string, unifiedJsonl: string, providerJsonl: string | Uint8Array): Promise<void> {
    await this.storage.write(this.path(provisionalId, "unified"), unifiedJsonl);
    await this.storage.write(this.path(provisionalId, "provider"), providerJsonl);
  }

  /** Renames the request files once the provider has given the batch its id, and records its meta. */
  async recordSubmission(provisionalId: string, meta: BatchMeta): Promise<void> {
    for (const kind of ["unified", "provider"] as const) {
      await this.storage.rename(this.path(provisionalId, kind), this.path(meta.batchId, kind));
    }
    await this.storage.write(this.metaPath(meta.batchId), JSON.stringify(meta, null, 2) + "\n");
  }

  async readMeta(batchId: string): Promise<BatchMeta | undefined> {
    const text = await this.storage.read(this.metaPath(batchId));
    return text === undefined ? undefined : (JSON.parse(text) as BatchMeta);
  }

  /** The custom ids of the batch's requests, in order, from its unified requests file (if kept). */
  async readRequestIds(batchId: string): Promise<string[] | undefined> {
    const text = await this.storage.read(this.path(batchId, "unified"));
    if (text === undefined) return undefined;
    const ids: string[] = [];
    for (const line of text.split("\n")) if (line !== "") ids.push((JSON.parse(line) as { customId: string }).customId);
    return ids;
  }

  /** Starts the output and results files afresh for a new read of the results. */
  async startResults(batchId: string): Promise<void> {
    await this.storage.write(this.path(batchId, "output"), "");
    await this.storage.write(this.path(batchId, "results"), "");
  }

  async appendOutput(batchId: string, raw: Uint8Array): Promise<void> {
    if (raw.length > 0) await this.storage.append(this.path(batchId, "output"), raw);
  }

  async appendResults(batchId: string, resultsJsonl: string): Promise<void> {
    if (resultsJsonl.length > 0) await this.storage.append(this.path(batchId, "results"), resultsJsonl);
  }
}
