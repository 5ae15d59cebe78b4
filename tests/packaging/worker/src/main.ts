/**
 * A Cloudflare Worker consumer of the installed tarball. tests/packaging/run-worker.mjs bundles it
 * the way wrangler does (esbuild, "workerd" export condition, `.wasm` imports kept as modules) and
 * runs the bundle in workerd through Miniflare; the response body is the line run.sh checks.
 */
import { MemoryStorage, dryRun } from "batch-router";

import { exercisePackage } from "./exercise.ts";

// The workerd entry's declarations, not the Node entry's: it has no file storage and no vLLM.
type WorkerEntry = typeof import("batch-router");
const workerEntryHasNoNodeOnlyExports: WorkerEntry extends { FileStorage: unknown } | { VLLMProvider: unknown } ? never : true = true;
void workerEntryHasNoNodeOnlyExports;

async function run(): Promise<string> {
  const summary = await exercisePackage();
  const storage = new MemoryStorage();
  const unified = JSON.stringify({ customId: "in-memory", model: "model-x", messages: [{ role: "user", content: "hi" }] }) + "\n";
  const result = await dryRun("google", unified, { name: "worker", storage });
  if (result.files.length !== 2 || storage.files.size !== 2) throw new Error(`expected two transparency files in memory, got ${result.files.join(", ")}`);
  return `PACKAGING OK worker: ${summary}; MemoryStorage kept ${result.files.length} files; the workerd entry and its declarations`;
}

export default {
  async fetch(): Promise<Response> {
    try {
      return new Response(await run());
    } catch (error) {
      return new Response(error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ""}` : String(error), { status: 500 });
    }
  },
};
