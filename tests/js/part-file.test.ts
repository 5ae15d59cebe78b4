/**
 * The part file both results writers use (`npm/src/part-file.ts`: `getResults`' two result files, a
 * job's results file): written under `<file>.<random>.part`, it replaces the file only on
 * `complete`; `discard` removes it and leaves the file as it was; once either has done its work
 * both do nothing; a rename that fails leaves the part for `discard` to clear away.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

import { MemoryStorage, type BatchStorage } from "batch-router";

interface PartFile {
  readonly path: string;
  readonly partPath: string;
  begin(): Promise<void>;
  append(data: string | Uint8Array): Promise<void>;
  complete(): Promise<void>;
  discard(): Promise<void>;
}

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
// Not exported: the package's own writers use it.
const { PartFile } = (await import(pathToFileURL(join(root, "npm", "dist", "part-file.js")).href)) as { PartFile: new (storage: BatchStorage, path: string) => PartFile };

const FILE = "generated/openai/batch_x_results.jsonl";

test("two parts of one file have names of their own; the completed one replaces the file, whole", async () => {
  const storage = new MemoryStorage();
  await storage.write(FILE, "old\n");
  const first = new PartFile(storage, FILE);
  const second = new PartFile(storage, FILE);
  assert.match(first.partPath, /^generated\/openai\/batch_x_results\.jsonl\.[0-9a-z]+\.part$/);
  assert.notEqual(first.partPath, second.partPath);
  await first.begin();
  await second.begin();
  await first.append("one\n");
  await second.append("two\n");
  await first.append("");
  assert.equal(await storage.read(FILE), "old\n", "the file is untouched while the parts are written");
  await first.complete();
  assert.equal(await storage.read(FILE), "one\n");
  assert.equal(await storage.read(first.partPath), undefined);
  await second.discard();
  assert.deepEqual([...storage.files.keys()], [FILE]);
});

test("begin starts the part over; after complete, discard does nothing, and after discard, complete does nothing", async () => {
  const storage = new MemoryStorage();
  const part = new PartFile(storage, FILE);
  await part.begin();
  await part.append("a failed try\n");
  await part.begin();
  await part.append("the try that completed\n");
  await part.complete();
  await part.discard();
  assert.equal(await storage.read(FILE), "the try that completed\n");

  await storage.write(FILE, "kept\n");
  const abandoned = new PartFile(storage, FILE);
  await abandoned.begin();
  await abandoned.append("partial\n");
  await abandoned.discard();
  await abandoned.complete();
  assert.equal(await storage.read(FILE), "kept\n");
  assert.deepEqual([...storage.files.keys()], [FILE]);
});

test("a rename that fails leaves the part to discard, and the file as it was", async () => {
  const storage = new MemoryStorage();
  await storage.write(FILE, "kept\n");
  storage.rename = async () => {
    throw new Error("the storage refused the rename");
  };
  const part = new PartFile(storage, FILE);
  await part.begin();
  await part.append("whole\n");
  await assert.rejects(part.complete(), /refused the rename/);
  await part.discard();
  assert.equal(await storage.read(FILE), "kept\n");
  assert.deepEqual([...storage.files.keys()], [FILE]);
});

test("appends are gathered and given to the storage about a MiB at a time, bytes and text joined as written", async () => {
  // R2Storage's append rewrites the whole object: one append per downloaded read made a results
  // download cost the square of its size (a new-user trial: 436 puts writing 217 MB for 0.5 MB).
  const storage = new MemoryStorage();
  const appends: number[] = [];
  const append = storage.append.bind(storage);
  storage.append = async (path: string, data: string | Uint8Array) => {
    appends.push(typeof data === "string" ? data.length : data.byteLength);
    return append(path, data);
  };
  const part = new PartFile(storage, FILE);
  await part.begin();
  const expected: string[] = [];
  const reused = new Uint8Array(1000);
  for (let index = 0; index < 20_000; index++) {
    // A line as text, then one as bytes in a buffer the caller fills again (kept by copy).
    const text = `{"line":${index},"text":"${"é".repeat(index % 7)}"}\n`;
    expected.push(text, text);
    await part.append(text);
    const bytes = new TextEncoder().encode(text);
    reused.set(bytes);
    await part.append(reused.subarray(0, bytes.length));
    reused.fill(0);
  }
  const total = new TextEncoder().encode(expected.join("")).length;
  assert.ok(appends.length <= Math.ceil(total / (1 << 20)) + 1, `${appends.length} appends for ${total} bytes`);
  await part.complete();
  assert.equal(await storage.read(FILE), expected.join(""));
  assert.ok(appends.length >= 2, "more than a MiB: at least one append before the end");
});

test("what is gathered but not yet appended goes with a discard, and a begin starts over", async () => {
  const storage = new MemoryStorage();
  const part = new PartFile(storage, FILE);
  await part.begin();
  await part.append("lost\n");
  await part.begin();
  await part.append("kept\n");
  await part.complete();
  assert.equal(await storage.read(FILE), "kept\n");
  const other = new PartFile(storage, FILE);
  await other.begin();
  await other.append("never\n");
  await other.discard();
  await other.complete();
  assert.equal(await storage.read(FILE), "kept\n");
});
