/**
 * The transparency files: every batch's unified requests, the provider's lines, the raw output and
 * the unified results, as JSONL under `generated/<provider>/batch_<id>_*.jsonl`, plus a small
 * `_meta.json` (counts, model, id map) that later calls read back. No file ever holds a key.
 */
import { PartFile, partSuffix } from "./part-file.js";
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
      const from = this.path(provisionalId, kind);
      const to = this.path(meta.batchId, kind);
      // A job writes them under the batch id itself: never a rename onto itself.
      if (from !== to) await this.storage.rename(from, to);
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

  /**
   * Starts a read of the results: it writes the output and results files under part names of its
   * own, which replace the batch's two files only once it has read the whole batch.
   */
  async startResults(batchId: string): Promise<ResultFilesWriting> {
    const writing = new ResultFilesWriting(this.storage, this.path(batchId, "output"), this.path(batchId, "results"));
    await writing.start();
    return writing;
  }
}

/**
 * One read's output and results files, each a part file (`part-file.ts`) under the same
 * `<file>.<random>.part` ending: two reads at once do not write into each other's files, and a read
 * that fails or is abandoned leaves the batch's previous complete files (or none) rather than a
 * partial or empty pair.
 */
export class ResultFilesWriting {
  private readonly output: PartFile;
  private readonly results: PartFile;
  /** The pair completes or is discarded as one, once. */
  private state: "writing" | "complete" | "discarded" = "writing";

  constructor(storage: BatchStorage, outputPath: string, resultsPath: string) {
    const suffix = partSuffix();
    this.output = new PartFile(storage, outputPath, suffix);
    this.results = new PartFile(storage, resultsPath, suffix);
  }

  async start(): Promise<void> {
    await this.output.begin();
    await this.results.begin();
  }

  async appendOutput(raw: Uint8Array): Promise<void> {
    await this.output.append(raw);
  }

  async appendResults(resultsJsonl: string): Promise<void> {
    await this.results.append(resultsJsonl);
  }

  /** The whole batch was read: the parts replace the batch's files (once; later calls do nothing). */
  async complete(): Promise<void> {
    if (this.state !== "writing") return;
    this.state = "complete";
    await this.output.complete();
    await this.results.complete();
  }

  /** The read ended before the end of the batch: its parts are removed where the storage can. */
  async discard(): Promise<void> {
    if (this.state !== "writing") return;
    this.state = "discarded";
    await this.output.discard();
    await this.results.discard();
  }
}
