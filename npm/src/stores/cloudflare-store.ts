/**
 * Jobs on Cloudflare through the Worker's own bindings (no dependency): `D1JobStore` keeps
 * manifests, leases and seen webhook ids in D1, each conditional write one `UPDATE … WHERE version
 * = ?` statement (D1 runs statements one at a time against one primary), and can keep the bulk
 * files too; `R2Storage` keeps the bulk files (requests, results, transparency files) in an R2
 * bucket. Tables are created on first use (`<prefix>records`, `<prefix>files`).
 */
import type { JobStateStore, VersionedRecord } from "../job-state.js";
import type { BatchStorage } from "../storage.js";
import { tableNames } from "./table-names.js";

/** The part of a D1 binding (`env.DB`) this store uses. */
export interface D1DatabaseLike {
  prepare(query: string): D1StatementLike;
  batch(statements: D1StatementLike[]): Promise<unknown[]>;
}

export interface D1StatementLike {
  bind(...values: unknown[]): D1StatementLike;
  first<T = Record<string, unknown>>(): Promise<T | null>;
  all<T = Record<string, unknown>>(): Promise<{ results: T[] }>;
  run(): Promise<unknown>;
}

/** The part of an R2 binding (`env.BUCKET`) this storage uses. */
export interface R2BucketLike {
  get(key: string): Promise<{ text(): Promise<string> } | null>;
  put(key: string, value: string | Uint8Array): Promise<unknown>;
  delete(key: string): Promise<void>;
}

const decoder = new TextDecoder();

function textOf(data: string | Uint8Array): string {
  return typeof data === "string" ? data : decoder.decode(data);
}

/** D1 rows are limited in size (about 2 MB): text is stored in pieces of at most this many characters. */
const PIECE = 500_000;

function pieces(text: string): string[] {
  if (text.length <= PIECE) return [text];
  const parts: string[] = [];
  for (let start = 0; start < text.length; start += PIECE) parts.push(text.slice(start, start + PIECE));
  return parts;
}

export interface D1JobStoreOptions {
  /** Prefix of the two tables' names (letters, digits, `_`). Default `batch_router_`. */
  tablePrefix?: string;
}

export class D1JobStore implements JobStateStore, BatchStorage {
  private readonly records: string;
  private readonly files: string;
  private ready: Promise<void> | undefined;

  constructor(
    private readonly db: D1DatabaseLike,
    options: D1JobStoreOptions = {},
  ) {
    ({ records: this.records, files: this.files } = tableNames(options.tablePrefix));
  }

  /** Creates the tables when missing (done on first use). */
  setup(): Promise<void> {
    this.ready ??= this.db
      .batch([
        this.db.prepare(`CREATE TABLE IF NOT EXISTS ${this.records} (key TEXT PRIMARY KEY, value TEXT NOT NULL, version INTEGER NOT NULL)`),
        this.db.prepare(`CREATE TABLE IF NOT EXISTS ${this.files} (seq INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT NOT NULL, data TEXT NOT NULL)`),
        this.db.prepare(`CREATE INDEX IF NOT EXISTS ${this.files}_path ON ${this.files} (path, seq)`),
      ])
      .then(
        () => undefined,
        (error: unknown) => {
          this.ready = undefined;
          throw error;
        },
      );
    return this.ready;
  }

  async get(key: string): Promise<VersionedRecord | undefined> {
    await this.setup();
    const row = await this.db.prepare(`SELECT value, version FROM ${this.records} WHERE key = ?`).bind(key).first<{ value: string; version: number }>();
    return row === null ? undefined : { value: row.value, version: String(row.version) };
  }

  async put(key: string, value: string, expected: string | undefined): Promise<string | undefined> {
    await this.setup();
    const statement =
      expected === undefined
        ? this.db.prepare(`INSERT INTO ${this.records} (key, value, version) VALUES (?, ?, 1) ON CONFLICT (key) DO NOTHING RETURNING version`).bind(key, value)
        : this.db.prepare(`UPDATE ${this.records} SET value = ?, version = version + 1 WHERE key = ? AND version = ? RETURNING version`).bind(value, key, Number(expected));
    const row = await statement.first<{ version: number }>();
    return row === null ? undefined : String(row.version);
  }

  async write(path: string, data: string | Uint8Array): Promise<void> {
    await this.setup();
    // One batch is one transaction: a reader sees the old file or the new one.
    await this.db.batch([
      this.db.prepare(`DELETE FROM ${this.files} WHERE path = ?`).bind(path),
      ...pieces(textOf(data)).map((piece) => this.db.prepare(`INSERT INTO ${this.files} (path, data) VALUES (?, ?)`).bind(path, piece)),
    ]);
  }

  async append(path: string, data: string | Uint8Array): Promise<void> {
    await this.setup();
    await this.db.batch(pieces(textOf(data)).map((piece) => this.db.prepare(`INSERT INTO ${this.files} (path, data) VALUES (?, ?)`).bind(path, piece)));
  }

  async read(path: string): Promise<string | undefined> {
    await this.setup();
    const { results } = await this.db.prepare(`SELECT data FROM ${this.files} WHERE path = ? ORDER BY seq`).bind(path).all<{ data: string }>();
    return results.length === 0 ? undefined : results.map((row) => row.data).join("");
  }

  async rename(from: string, to: string): Promise<void> {
    // The DELETE below would remove the file itself.
    if (from === to) return;
    await this.setup();
    await this.db.batch([
      this.db.prepare(`DELETE FROM ${this.files} WHERE path = ?`).bind(to),
      this.db.prepare(`UPDATE ${this.files} SET path = ? WHERE path = ?`).bind(to, from),
    ]);
  }

  async delete(path: string): Promise<void> {
    await this.setup();
    await this.db.prepare(`DELETE FROM ${this.files} WHERE path = ?`).bind(path).run();
  }
}

/**
 * Bulk files in an R2 bucket, one object per file. R2 has no append: an append reads the object
 * and writes it back whole (a job's results are appended a MiB at a time).
 */
export class R2Storage implements BatchStorage {
  constructor(
    private readonly bucket: R2BucketLike,
    /** Prefix of every object key (e.g. `batch-router/`). Default none. */
    private readonly prefix = "",
  ) {}

  async write(path: string, data: string | Uint8Array): Promise<void> {
    await this.bucket.put(this.prefix + path, data);
  }

  async append(path: string, data: string | Uint8Array): Promise<void> {
    const existing = await this.read(path);
    await this.bucket.put(this.prefix + path, (existing ?? "") + textOf(data));
  }

  async read(path: string): Promise<string | undefined> {
    const object = await this.bucket.get(this.prefix + path);
    return object === null ? undefined : object.text();
  }

  async rename(from: string, to: string): Promise<void> {
    // Copy, then delete: onto itself that would delete the file.
    if (from === to) return;
    const object = await this.bucket.get(this.prefix + from);
    if (object === null) return;
    await this.bucket.put(this.prefix + to, await object.text());
    await this.bucket.delete(this.prefix + from);
  }

  async delete(path: string): Promise<void> {
    await this.bucket.delete(this.prefix + path);
  }
}
