/**
 * Where the transparency files go. The file system is the default where there is one (Node, Deno,
 * Bun); workers use memory; `false` keeps nothing. Paths are relative and use `/`.
 */

/**
 * A place for the transparency files. Implement it to keep them elsewhere (a bucket, a database);
 * calls for one batch come one after another.
 */
export interface BatchStorage {
  write(path: string, data: string | Uint8Array): Promise<void>;
  append(path: string, data: string | Uint8Array): Promise<void>;
  /** The file's text, or undefined when it does not exist. */
  read(path: string): Promise<string | undefined>;
  /**
   * Moves `from` onto `to`, replacing `to`. The library never passes the same path twice; a
   * storage still treats `rename(a, a)` as a no-op (a "copy, then delete" would delete the file).
   */
  rename(from: string, to: string): Promise<void>;
  /**
   * Optional: removes the file (nothing when it does not exist). Used to clear away the part file
   * of a results read that did not finish; without it such a part is left where it is.
   */
  delete?(path: string): Promise<void>;
  /**
   * Optional: runs `critical` while no other caller, in any process, runs one for `path` on the
   * same storage (`FileStorage` uses a lock file). `StorageJobState` uses it for its conditional
   * writes; without it they are exclusive within one storage object only.
   */
  exclusive?<T>(path: string, critical: () => Promise<T>): Promise<T>;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === "string" ? encoder.encode(data) : data;
}

/** Keeps files in memory (for workers and tests). */
export class MemoryStorage implements BatchStorage {
  readonly files = new Map<string, Uint8Array[]>();

  async write(path: string, data: string | Uint8Array): Promise<void> {
    this.files.set(path, [toBytes(data).slice()]);
  }

  async append(path: string, data: string | Uint8Array): Promise<void> {
    const chunks = this.files.get(path) ?? [];
    chunks.push(toBytes(data).slice());
    this.files.set(path, chunks);
  }

  async read(path: string): Promise<string | undefined> {
    const chunks = this.files.get(path);
    if (!chunks) return undefined;
    return chunks.map((chunk) => decoder.decode(chunk, { stream: true })).join("") + decoder.decode();
  }

  async rename(from: string, to: string): Promise<void> {
    const chunks = this.files.get(from);
    if (!chunks || from === to) return;
    this.files.delete(from);
    this.files.set(to, chunks);
  }

  async delete(path: string): Promise<void> {
    this.files.delete(path);
  }
}

/** Keeps nothing. */
export class NoStorage implements BatchStorage {
  async write(): Promise<void> {}
  async append(): Promise<void> {}
  async read(): Promise<string | undefined> {
    return undefined;
  }
  async rename(): Promise<void> {}
  async delete(): Promise<void> {}
}
