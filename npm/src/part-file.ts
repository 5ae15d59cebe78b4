/**
 * A file written under a part name of its own that replaces the file only once it is complete: the
 * one way a results read (`getResults`' output and results files) and a job's collection (its
 * results file) write what they download.
 */
import { concatBytes } from "./bytes.js";
import type { BatchStorage } from "./storage.js";

/** Parts told apart within this process; the random part keeps processes apart. */
let partCounter = 0;

/** A name ending unique to one writing: `<random><counter>.part`. */
export function partSuffix(): string {
  return `${Math.random().toString(36).slice(2, 10)}${(partCounter++).toString(36)}.part`;
}

/**
 * `path` written as `<path>.<suffix>`: two writings at once do not write into each other's part,
 * and a writing that fails or is abandoned leaves the previous complete file (or none) rather than a
 * partial or empty one. `begin` (again, for a writing that starts over), `append`, then either
 * `complete` (the part replaces the file) or `discard`; once either has done its work, both do
 * nothing.
 */
export class PartFile {
  readonly partPath: string;
  private state: "writing" | "complete" | "discarded" = "writing";
  /** Appends not yet given to the storage, and their size (string length or bytes). */
  private pending: (string | Uint8Array)[] = [];
  private pendingSize = 0;

  constructor(
    private readonly storage: BatchStorage,
    readonly path: string,
    suffix = partSuffix(),
  ) {
    this.partPath = `${path}.${suffix}`;
  }

  /** Makes the part empty: the writing starts, or starts over. */
  async begin(): Promise<void> {
    this.pending = [];
    this.pendingSize = 0;
    await this.storage.write(this.partPath, "");
  }

  /**
   * Adds `data` to the part. Appends are gathered and given to the storage about a MiB at a time
   * (`PART_FLUSH_SIZE`): a storage whose append rewrites the whole object (R2Storage: one object
   * per file) made a download's many small reads cost the square of its size (a new-user trial:
   * 436 puts writing 217 MB for 0.5 MB of results). Bytes are copied when kept, as the caller may
   * reuse its buffer.
   */
  async append(data: string | Uint8Array): Promise<void> {
    if (data.length === 0) return;
    this.pending.push(typeof data === "string" ? data : data.slice());
    this.pendingSize += data.length;
    if (this.pendingSize >= PART_FLUSH_SIZE) await this.flush();
  }

  /** Gives the gathered appends to the storage, as one append. */
  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const pieces = this.pending;
    this.pending = [];
    this.pendingSize = 0;
    await this.storage.append(this.partPath, joined(pieces));
  }

  /** The whole was written: the part replaces the file (a failed rename leaves it to `discard`). */
  async complete(): Promise<void> {
    if (this.state !== "writing") return;
    await this.flush();
    await this.storage.rename(this.partPath, this.path);
    this.state = "complete";
  }

  /** The writing ended before its end: the part is removed where the storage can. */
  async discard(): Promise<void> {
    if (this.state !== "writing") return;
    this.state = "discarded";
    this.pending = [];
    this.pendingSize = 0;
    await this.storage.delete?.(this.partPath);
  }
}

/** How much a part gathers before it appends to the storage (string length or bytes). */
export const PART_FLUSH_SIZE = 1 << 20;

const encoder = new TextEncoder();

/** The pieces as one append: one string when all are strings, else their UTF-8 bytes. */
function joined(pieces: (string | Uint8Array)[]): string | Uint8Array {
  if (pieces.length === 1) return pieces[0]!;
  if (pieces.every((piece) => typeof piece === "string")) return pieces.join("");
  return concatBytes(pieces.map((piece) => (typeof piece === "string" ? encoder.encode(piece) : piece)));
}
