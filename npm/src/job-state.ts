/**
 * The storage contract for jobs advanced by several invocations at once (serverless functions, cron
 * ticks, webhooks): small records read with a version and written only if that version is still
 * current (compare-and-set). The job's manifest and its lease are such records; bulk files (the
 * requests, collected results, transparency files) stay in a `BatchStorage`.
 *
 * What a store must offer (see the README's "Serverless jobs"):
 * 1. `get` returns the last value written whole, with an opaque version;
 * 2. `put(key, value, expected)` writes only if the record's version is still `expected` (or, with
 *    `expected` undefined, only if the record does not exist), atomically: two racing writers with
 *    the same `expected` never both succeed, and a reader never sees half a value;
 * 3. a successful `put` is visible to every later `get` (read-after-write, no stale replica reads).
 */

import { ConfigurationError } from "./errors.js";
import type { BatchStorage } from "./storage.js";

/** A record and its version (opaque; compare only for equality). */
export interface VersionedRecord {
  value: string;
  version: string;
}

/** Versioned records with conditional writes: see the module documentation for the contract. */
export interface JobStateStore {
  /** The record, or undefined when it does not exist. */
  get(key: string): Promise<VersionedRecord | undefined>;
  /**
   * Writes `value` if the record's version is still `expected` (`undefined`: the record must not
   * exist yet). Resolves to the new version, or to `undefined` when someone else wrote in between
   * (nothing is written then).
   */
  put(key: string, value: string, expected: string | undefined): Promise<string | undefined>;
}

/** How a value a store gave looks, for an error (never the value: it may be a whole manifest). */
function shapeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value !== "object") return `a ${typeof value}`;
  const fields = Object.keys(value).map((name) => `${name}: ${shapeOf((value as Record<string, unknown>)[name]).replace(/^an? /, "")}`);
  return `{ ${fields.join(", ")} }`;
}

function isVersion(value: unknown): value is string {
  // Compared for equality only: a store counting versions as numbers works as well as strings.
  return typeof value === "string" || (typeof value === "number" && Number.isFinite(value));
}

/**
 * `store` read through the contract: a missing record may be `undefined` or `null` (what Workers
 * KV, Redis clients and D1's `.first()` answer), and so may a `put` that did not write; any other
 * answer of the wrong shape is a `ConfigurationError` naming the store (`name`), the method and
 * the contract, instead of a `TypeError` somewhere inside the job.
 */
export function checkedStateStore(store: JobStateStore, name: string): JobStateStore {
  if (store instanceof StorageJobState) return store;
  // Checked when the router is built, not at the first job: a `BatchStorage` given as `state` (the
  // README's `storage: store, state: store` is for stores that are both) was a `TypeError` inside
  // `startJob` (a new-user trial).
  const missing = (["get", "put"] as const).filter((method) => typeof (store as Partial<JobStateStore>)?.[method] !== "function");
  if (missing.length > 0) {
    throw new ConfigurationError(
      `${name} has no ${missing.join(" and no ")} method: a JobStateStore has get(key) and put(key, value, expected) (PostgresJobStore, D1JobStore, or your own); a BatchStorage such as MemoryStorage, FileStorage or R2Storage goes in \`storage\`, which keeps the job records by default`,
    );
  }
  return {
    async get(key) {
      const record: unknown = await store.get(key);
      if (record === undefined || record === null) return undefined;
      const { value, version } = record as Partial<VersionedRecord>;
      if (typeof value === "string" && isVersion(version)) return record as VersionedRecord;
      throw new ConfigurationError(
        `${name}.get("${key}") resolved to ${shapeOf(record)}: a JobStateStore's get must resolve to { value: string, version: string } for a record, or to undefined (or null) when there is none`,
      );
    },
    async put(key, value, expected) {
      const version: unknown = await store.put(key, value, expected);
      if (version === undefined || version === null) return undefined;
      if (isVersion(version)) return version;
      throw new ConfigurationError(
        `${name}.put("${key}", …) resolved to ${shapeOf(version)}: a JobStateStore's put must resolve to the new version (a string) when it wrote, or to undefined (or null) when the record's version was no longer the expected one`,
      );
    },
  };
}

/** A short, stable digest of a text (FNV-1a, 53 bits): the version of a record kept as plain text. */
function digest(text: string): string {
  let high = 0x811c9dc5;
  let low = 0x1b873593;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    high = Math.imul(high ^ code, 0x01000193) >>> 0;
    low = Math.imul(low ^ code, 0x5bd1e995) >>> 0;
  }
  return `${text.length.toString(36)}-${high.toString(36)}-${low.toString(36)}`;
}

/**
 * Versioned records kept as plain files of a `BatchStorage` (`<key>.json`, written to a temporary
 * file then renamed): the default for the file system and memory. The compare-and-set runs under
 * the storage's `exclusive` lock when it has one (`FileStorage`: a lock file, so it holds across
 * storage objects and processes on one directory), and under a per-storage-object queue otherwise
 * (`MemoryStorage`). For several machines use a store whose writes are conditional in the store
 * itself (`PostgresJobStore`, `D1JobStore`).
 */
/** The write queues of each storage object: routers of one process that share a storage share them. */
const queuesOf = new WeakMap<BatchStorage, Map<string, Promise<unknown>>>();

export class StorageJobState implements JobStateStore {
  private readonly queues: Map<string, Promise<unknown>>;

  constructor(private readonly storage: BatchStorage) {
    let queues = queuesOf.get(storage);
    if (!queues) queuesOf.set(storage, (queues = new Map()));
    this.queues = queues;
  }

  async get(key: string): Promise<VersionedRecord | undefined> {
    const value = await this.storage.read(`${key}.json`);
    return value === undefined ? undefined : { value, version: digest(value) };
  }

  put(key: string, value: string, expected: string | undefined): Promise<string | undefined> {
    // One write per key at a time in this process: the read-compare-write below is not interleaved.
    const previous = this.queues.get(key) ?? Promise.resolve();
    const compareAndWrite = async () => {
      const current = await this.storage.read(`${key}.json`);
      const version = current === undefined ? undefined : digest(current);
      if (version !== expected) return undefined;
      // A temporary name of its own, so two writers never rename each other's file.
      const temporary = `${key}.json.${Math.random().toString(36).slice(2, 10)}.tmp`;
      await this.storage.write(temporary, value);
      await this.storage.rename(temporary, `${key}.json`);
      return digest(value);
    };
    const next = previous.then(() => (this.storage.exclusive ? this.storage.exclusive(`${key}.json`, compareAndWrite) : compareAndWrite()));
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return next;
  }
}
