/**
 * Jobs in PostgreSQL through the caller's own client: a `JobStateStore` (manifests, leases, seen
 * webhook ids) whose conditional writes are single `UPDATE … WHERE version = $n` statements, and a
 * `BatchStorage` (requests, results, transparency files) kept as text chunks. No dependency: pass
 * a query function, e.g. `pg`: `(text, params) => pool.query(text, params)`; `postgres`:
 * `(text, params) => sql.unsafe(text, params)`; Neon's serverless driver:
 * `(text, params) => sql.query(text, params)`. Tables are created on first use
 * (`<prefix>records`, `<prefix>files`; prefix `batch_router_` by default).
 */
import type { JobStateStore, VersionedRecord } from "../job-state.js";
import type { BatchStorage } from "../storage.js";
import { tableNames } from "./table-names.js";

type Row = Record<string, unknown>;

/** Runs one SQL statement with `$1…$n` parameters; resolves to its rows (or an object with `rows`). */
export type PostgresQuery = (text: string, params: unknown[]) => Promise<{ rows: Record<string, unknown>[] } | Record<string, unknown>[]>;

export interface PostgresJobStoreOptions {
  /** Prefix of the two tables' names (letters, digits, `_`). Default `batch_router_`. */
  tablePrefix?: string;
}

const decoder = new TextDecoder();

function textOf(data: string | Uint8Array): string {
  return typeof data === "string" ? data : decoder.decode(data);
}

export class PostgresJobStore implements JobStateStore, BatchStorage {
  private readonly records: string;
  private readonly files: string;
  private ready: Promise<void> | undefined;

  constructor(
    private readonly query: PostgresQuery,
    options: PostgresJobStoreOptions = {},
  ) {
    ({ records: this.records, files: this.files } = tableNames(options.tablePrefix));
  }

  /** Creates the tables when missing (done on first use; call it to do so at deploy time). */
  setup(): Promise<void> {
    this.ready ??= this.createTables().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  private async createTables(): Promise<void> {
    const statements = [
      `CREATE TABLE IF NOT EXISTS ${this.records} (key text PRIMARY KEY, value text NOT NULL, version bigint NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS ${this.files} (path text NOT NULL, seq bigserial, data text NOT NULL, PRIMARY KEY (path, seq))`,
    ];
    for (const statement of statements) {
      try {
        await this.run(statement, []);
      } catch (error) {
        // Two first uses at once: the other created it (unique violation on the catalog).
        if ((error as { code?: string }).code !== "23505" && (error as { code?: string }).code !== "42P07") throw error;
      }
    }
  }

  private async run(text: string, params: unknown[]): Promise<Row[]> {
    const result = await this.query(text, params);
    return Array.isArray(result) ? result : result.rows;
  }

  private async sql(text: string, params: unknown[]): Promise<Row[]> {
    await this.setup();
    return this.run(text, params);
  }

  async get(key: string): Promise<VersionedRecord | undefined> {
    const rows = await this.sql(`SELECT value, version FROM ${this.records} WHERE key = $1`, [key]);
    const row = rows[0];
    return row === undefined ? undefined : { value: String(row.value), version: String(row.version) };
  }

  async put(key: string, value: string, expected: string | undefined): Promise<string | undefined> {
    const rows =
      expected === undefined
        ? await this.sql(`INSERT INTO ${this.records} (key, value, version) VALUES ($1, $2, 1) ON CONFLICT (key) DO NOTHING RETURNING version`, [key, value])
        : await this.sql(`UPDATE ${this.records} SET value = $2, version = version + 1 WHERE key = $1 AND version = $3::bigint RETURNING version`, [key, value, expected]);
    const row = rows[0];
    return row === undefined ? undefined : String(row.version);
  }

  async write(path: string, data: string | Uint8Array): Promise<void> {
    // One statement: a reader sees the old file or the new one.
    await this.sql(`WITH gone AS (DELETE FROM ${this.files} WHERE path = $1) INSERT INTO ${this.files} (path, data) VALUES ($1, $2)`, [path, textOf(data)]);
  }

  async append(path: string, data: string | Uint8Array): Promise<void> {
    await this.sql(`INSERT INTO ${this.files} (path, data) VALUES ($1, $2)`, [path, textOf(data)]);
  }

  async read(path: string): Promise<string | undefined> {
    const rows = await this.sql(`SELECT data FROM ${this.files} WHERE path = $1 ORDER BY seq`, [path]);
    return rows.length === 0 ? undefined : rows.map((row) => String(row.data)).join("");
  }

  async rename(from: string, to: string): Promise<void> {
    // Onto itself the DELETE and the UPDATE would meet the same rows (which one wins is undefined).
    if (from === to) return;
    await this.sql(`WITH gone AS (DELETE FROM ${this.files} WHERE path = $2) UPDATE ${this.files} SET path = $2 WHERE path = $1`, [from, to]);
  }

  async delete(path: string): Promise<void> {
    await this.sql(`DELETE FROM ${this.files} WHERE path = $1`, [path]);
  }
}
