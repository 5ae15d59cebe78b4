/**
 * A Node ESM + TypeScript consumer of the installed tarball: the shared checks, then what only
 * the Node entry offers (transparency files on disk through FileStorage, the vLLM provider).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { FileStorage, VLLMProvider, dryRun, type VLLMProviderOptions } from "batch-router";

import { exercisePackage } from "./exercise.ts";

const summary = await exercisePackage();

const directory = mkdtempSync(join(tmpdir(), "batch-router-consumer-"));
try {
  const unified = JSON.stringify({ customId: "on-disk", model: "model-x", messages: [{ role: "user", content: "hi" }] }) + "\n";
  const result = await dryRun("mistral", unified, { name: "consumer", storage: new FileStorage(directory) });
  if (result.files.length !== 2) throw new Error(`expected two transparency files, got ${result.files.join(", ")}`);
  for (const file of result.files) {
    if (!existsSync(join(directory, file))) throw new Error(`transparency file ${file} is missing`);
  }
  const written = readFileSync(join(directory, result.files[1] ?? ""), "utf8");
  if (written !== result.providerJsonl) throw new Error("the provider file differs from the returned JSONL");
} finally {
  rmSync(directory, { recursive: true, force: true });
}

const vllmOptions: VLLMProviderOptions = { baseUrl: "http://127.0.0.1:9/v1", storage: false };
const vllm = new VLLMProvider(vllmOptions);
if (vllm.name !== "vllm") throw new Error(`VLLMProvider.name is ${vllm.name}`);

console.log(`PACKAGING OK node-typescript: ${summary}; FileStorage wrote 2 files; VLLMProvider constructed`);
