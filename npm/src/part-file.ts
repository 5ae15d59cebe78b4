/**
 * A file written under a part name of its own that replaces the file only once it is complete: the
 * one way a results read (`getResults`' output and results files) and a job's collection (its
 * results file) write what they download.
 */
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

  constructor(
    private readonly storage: BatchStorage,
    readonly path: string,
    suffix = partSuffix(),
  ) {
    this.partPath = `${path}.${suffix}`;
  }

  /** Makes the part empty: the writing starts, or starts over. */
  async begin(): Promise<void> {
    await this.storage.write(this.partPath, "");
  }

  async append(data: string | Uint8Array): Promise<void> {
    if (data.length > 0) await this.storage.append(this.partPath, data);
  }

  /** The whole was written: the part replaces the file (a failed rename leaves it to `discard`). */
  async complete(): Promise<void> {
    if (this.state !== "writing") return;
    await this.storage.rename(this.partPath, this.path);
    this.state = "complete";
  }

  /** The writing ended before its end: the part is removed where the storage can. */
  async discard(): Promise<void> {
    if (this.state !== "writing") return;
    this.state = "discarded";
    await this.storage.delete?.(this.partPath);
  }
}
