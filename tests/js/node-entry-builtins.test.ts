/**
 * What the Node entry (npm/dist/index.js) costs Node at import (issue 18, cold start). It reads the
 * `.wasm` through `process.getBuiltinModule("node:fs")`: an `import … from "node:fs"` makes Node
 * build the ES module view of node:fs, whose lazy getters (ReadStream and the like) load the whole
 * streams library, ~1.5 ms of a cold start. Each check runs in a fresh Node process, whichever
 * runtime runs the suite.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const entry = pathToFileURL(join(root, "npm", "dist", "index.js")).href;
const nodeBinary = process.env.NODE_BINARY ?? "node";

function runNode(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(nodeBinary, ["--input-type=module", "-e", script], (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

test("importing the Node entry does not load Node's streams library", async () => {
  const loaded = JSON.parse(
    await runNode(`const before = new Set(process.moduleLoadList);
const { coreVersion } = await import(${JSON.stringify(entry)});
if (typeof coreVersion() !== "string") throw new Error("the core did not load");
// Listed before process.stdout is touched: its getter loads streams for a pipe.
const loaded = process.moduleLoadList.filter((name) => !before.has(name));
process.stdout.write(JSON.stringify(loaded));`),
  ) as string[];
  assert.ok(loaded.length > 0, "the import loaded some of Node's modules (the list is read)");
  const streams = loaded.filter((name) => /^NativeModule (stream|internal\/streams\/|internal\/fs\/streams)/.test(name));
  assert.deepEqual(streams, [], "streams modules loaded by the import");
});

test("the Node entry loads its core where process.getBuiltinModule is missing (Node 20 before 20.16)", async () => {
  const output = await runNode(`delete process.getBuiltinModule;
const { coreVersion } = await import(${JSON.stringify(entry)});
process.stdout.write(coreVersion());`);
  assert.match(output, /^\d+\.\d+\.\d+/);
});
