/**
 * Trial 6, fault 1: a job wrote its batches' request files under their final names and then asked
 * the storage to rename each onto itself, which a "copy, then delete" storage (R2Storage, the
 * README's recipe) turns into a delete. The library never renames a file onto itself, and every
 * built-in storage treats `rename(a, a)` as a no-op (R2 and D1 in tests/workerd, PostgreSQL in
 * tests/stores). `delete` removes a file and ignores a missing one.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";

import { BatchRouter, FileStorage, MemoryStorage, NoStorage, OpenAIProvider, type BatchStorage } from "batch-router";

import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { API_KEY, fastRouterOptions } from "../support/jobs.js";
import { textRequest } from "../support/requests.js";

/** The README's recipe: an object store without rename, so "copy, then delete"; every rename is recorded. */
class CopyThenDeleteStorage implements BatchStorage {
  readonly objects = new Map<string, string>();
  readonly renames: [string, string][] = [];
  private readonly decoder = new TextDecoder();

  async write(path: string, data: string | Uint8Array): Promise<void> {
    this.objects.set(path, typeof data === "string" ? data : this.decoder.decode(data));
  }
  async append(path: string, data: string | Uint8Array): Promise<void> {
    this.objects.set(path, (this.objects.get(path) ?? "") + (typeof data === "string" ? data : this.decoder.decode(data)));
  }
  async read(path: string): Promise<string | undefined> {
    return this.objects.get(path);
  }
  async rename(from: string, to: string): Promise<void> {
    this.renames.push([from, to]);
    const text = this.objects.get(from);
    if (text === undefined) return;
    this.objects.set(to, text);
    this.objects.delete(from);
  }
}

async function withDirectory<T>(run: (directory: string) => Promise<T>): Promise<T> {
  const directory = await mkdtemp(join(tmpdir(), "br-rename-"));
  try {
    return await run(directory);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

describe("built-in storages: rename onto itself is a no-op, delete removes", () => {
  const cases: [string, (run: (storage: BatchStorage) => Promise<void>) => Promise<void>][] = [
    ["MemoryStorage", (run) => run(new MemoryStorage())],
    ["FileStorage", (run) => withDirectory((directory) => run(new FileStorage(directory)))],
  ];
  for (const [name, using] of cases) {
    test(name, () =>
      using(async (storage) => {
        await storage.write("generated/openai/a.jsonl", "kept\n");
        await storage.rename("generated/openai/a.jsonl", "generated/openai/a.jsonl");
        assert.equal(await storage.read("generated/openai/a.jsonl"), "kept\n");
        await storage.write("generated/openai/b.jsonl", "old\n");
        await storage.rename("generated/openai/a.jsonl", "generated/openai/b.jsonl");
        assert.equal(await storage.read("generated/openai/b.jsonl"), "kept\n", "a rename replaces the target");
        assert.equal(await storage.read("generated/openai/a.jsonl"), undefined);
        await storage.delete!("generated/openai/b.jsonl");
        assert.equal(await storage.read("generated/openai/b.jsonl"), undefined);
        await storage.delete!("generated/openai/b.jsonl");
      }),
    );
  }

  test("NoStorage", async () => {
    const storage: BatchStorage = new NoStorage();
    await storage.rename("a", "a");
    await storage.delete!("a");
    assert.equal(await storage.read("a"), undefined);
  });
});

describe("the library never renames a file onto itself", () => {
  const requests = [textRequest("r1", "one"), textRequest("r2", "two")];

  test("a job's batches keep their request files on a copy-then-delete storage", async () => {
    const storage = new CopyThenDeleteStorage();
    const emulator = new OpenAIEmulator({ apiKey: API_KEY });
    const router = new BatchRouter({ providers: { openai: { apiKey: API_KEY, baseUrl: "http://emulated.invalid/v1", fetch: emulator.fetch } }, storage, ...fastRouterOptions() });
    const summary = await router.runJob({ provider: "openai", requests }, { timeout: 10_000 });
    assert.equal(summary.succeeded, 2);
    const batchIds = [...emulator.batches.keys()];
    assert.equal(batchIds.length, 1);
    for (const kind of ["unified", "provider", "output", "results"]) {
      const text = storage.objects.get(`generated/openai/batch_${batchIds[0]}_${kind}.jsonl`);
      assert.ok(text !== undefined, `batch_${batchIds[0]}_${kind}.jsonl is missing: ${[...storage.objects.keys()].join(", ")}`);
      assert.equal(text.split("\n").filter(Boolean).length, 2, kind);
    }
    assert.deepEqual(
      storage.renames.filter(([from, to]) => from === to),
      [],
    );
    // A later getResults of the batch still answers from its request files.
    const provider = new OpenAIProvider({ apiKey: API_KEY, baseUrl: "http://emulated.invalid/v1", fetch: emulator.fetch, storage });
    const ids: string[] = [];
    for await (const result of provider.getResults(batchIds[0]!)) ids.push(result.customId);
    assert.deepEqual(ids.sort(), ["r1", "r2"]);
    assert.deepEqual(
      storage.renames.filter(([from, to]) => from === to),
      [],
    );
  });

  test("sendBatch moves its provisional files to the batch id (never onto themselves)", async () => {
    const storage = new CopyThenDeleteStorage();
    const emulator = new OpenAIEmulator({ apiKey: API_KEY });
    const provider = new OpenAIProvider({ apiKey: API_KEY, baseUrl: "http://emulated.invalid/v1", fetch: emulator.fetch, storage });
    const batchId = await provider.sendBatch({ provider: "openai", requests });
    assert.ok(storage.objects.has(`generated/openai/batch_${batchId}_unified.jsonl`));
    assert.ok(storage.objects.has(`generated/openai/batch_${batchId}_provider.jsonl`));
    assert.ok(storage.renames.length >= 2);
    for (const [from, to] of storage.renames) assert.notEqual(from, to);
  });
});
