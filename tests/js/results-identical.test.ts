/**
 * Results are the same however they cross from the core: a large generated result file for each
 * result format (OpenAI/vLLM/Groq/Azure/Together lines, Mistral, Anthropic, Gemini) is read with
 * `getResults`, and every result must equal
 *  - the core's own whole JSONL of that result (the eager path the transparency file keeps), and
 *  - a digest of every result recorded from the package built before `raw` became lazy
 *    (`tests/fixtures/results-identical/digests.json`, made by `RESULTS_DIGEST_WRITE=1`).
 * `raw` is read in every way a user may read it: directly, `JSON.stringify`, spread, `structuredClone`.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { after, describe, test } from "node:test";

import { AnthropicProvider, MemoryStorage, OpenAIProvider, type BatchProvider, type UnifiedResult } from "batch-router";

import { AnthropicEmulator } from "../emulators/anthropic-emulator.js";
import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { anthropicTextRequest } from "../support/anthropic-requests.js";
import { collect, waitUntilComplete } from "../support/batches.js";
import { startGemini, type GeminiSetup } from "../support/gemini-harness.js";
import { geminiText } from "../support/gemini-requests.js";
import { startMistral, type Harness as MistralHarness } from "../support/mistral-harness.js";
import { mistralText } from "../support/mistral-requests.js";
import { textRequest } from "../support/requests.js";
import { serve, type RunningServer } from "../support/serve.js";

const LINES = 6000;
const OPENAI_KEY = "fake-identical-openai-key-0123456789abcdef";
const ANTHROPIC_KEY = "fake-identical-anthropic-key-0123456789abcdef";
const digestsUrl = new URL("../../fixtures/results-identical/digests.json", import.meta.url);

function fixtureLines(path: string): string[] {
  return readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), "utf8").split("\n").filter((line) => line.trim() !== "");
}

/**
 * `LINES` lines cycling through the fixtures' lines, each under a new id (`idField`), every third
 * with a multibyte note (so bodies hold 2-, 3- and 4-byte characters), every 97th cut short.
 */
function generated(lines: string[], idField: string): string {
  const out: string[] = [];
  for (let index = 0; index < LINES; index++) {
    const value = JSON.parse(lines[index % lines.length]!) as Record<string, unknown>;
    value[idField] = `${String(value[idField] ?? "id")}-${index}`;
    if (index % 3 === 0) value.note = `héllo ✓ 😀 ${index}`;
    let line = JSON.stringify(value);
    if (index % 97 === 50) line = line.slice(0, Math.floor(line.length / 2));
    out.push(line);
  }
  return out.join("\n") + "\n";
}

const servers: RunningServer[] = [];
const setups: Array<GeminiSetup | MistralHarness> = [];
after(async () => {
  for (const server of servers) await server.close();
  for (const setup of setups) await setup.server.close();
});

/** Reads every result and the results file the core wrote beside them (its whole JSONL). */
async function readBoth(provider: BatchProvider, storage: MemoryStorage, batchId: string): Promise<{ results: UnifiedResult[]; eager: unknown[] }> {
  const results = await collect(provider.getResults(batchId));
  const path = `generated/${provider.name}/batch_${batchId.replace(/[^A-Za-z0-9_.-]/g, "_")}_results.jsonl`;
  const text = await storage.read(path);
  assert.ok(text !== undefined, `the results file ${path} was written`);
  return { results, eager: text.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line)) };
}

function digest(results: UnifiedResult[]): string {
  const hash = createHash("sha256");
  for (const result of results) hash.update(JSON.stringify(result) + "\n");
  return hash.digest("hex");
}

function assertIdentical(name: string, results: UnifiedResult[], eager: unknown[]): void {
  assert.equal(results.length, LINES, `${name}: one result per line`);
  assert.equal(eager.length, LINES, `${name}: one eager result per line`);
  let withRaw = 0;
  for (let index = 0; index < results.length; index++) {
    const result = results[index]!;
    // Every way of reading: JSON, a spread copy, a structured clone, then the value itself.
    assert.deepEqual(JSON.parse(JSON.stringify(result)), eager[index], `${name}: result ${index} as JSON`);
    if (result.response !== undefined) {
      assert.deepEqual({ ...result.response }, (eager[index] as UnifiedResult).response, `${name}: result ${index} spread`);
    }
    assert.deepEqual(structuredClone(result), eager[index], `${name}: result ${index} cloned`);
    assert.deepEqual(result, eager[index], `${name}: result ${index}`);
    if (result.response?.raw !== undefined || result.error?.raw !== undefined) withRaw++;
  }
  // Anthropic's errored and cancelled results carry no raw; most others do.
  assert.ok(withRaw > LINES / 2, `${name}: ${withRaw} results carry raw`);
  assert.ok(results.some((result) => result.error?.code === "malformed_result_line"), `${name}: cut lines were read as errored results`);
}

const digests = new Map<string, string>();
const recorded: Record<string, string> = process.env.RESULTS_DIGEST_WRITE ? {} : (JSON.parse(readFileSync(digestsUrl, "utf8")) as Record<string, string>);

function checkDigest(name: string, results: UnifiedResult[]): void {
  digests.set(name, digest(results));
  if (process.env.RESULTS_DIGEST_WRITE) {
    writeFileSync(digestsUrl, JSON.stringify(Object.fromEntries(digests), null, 2) + "\n");
  } else {
    assert.equal(digests.get(name), recorded[name], `${name}: the results differ from those recorded before raw became lazy`);
  }
}

describe("results are identical however they are handed over", () => {
  test("OpenAI output and error lines", async () => {
    const emulator = new OpenAIEmulator({ apiKey: OPENAI_KEY, chunkSize: 65_521 });
    const server = await serve(emulator.fetch);
    servers.push(server);
    const storage = new MemoryStorage();
    const provider = new OpenAIProvider({ apiKey: OPENAI_KEY, baseUrl: `${server.url}/v1`, storage });
    const batchId = await provider.sendBatch({ provider: "openai", requests: [textRequest("one", "x")] });
    emulator.complete(batchId);
    const batch = emulator.batches.get(batchId)!.object as unknown as { output_file_id: string };
    emulator.setFileContent(batch.output_file_id, generated([...fixtureLines("openai/output.jsonl"), ...fixtureLines("openai/errors.jsonl")], "custom_id"));
    const { results, eager } = await readBoth(provider, storage, batchId);
    assertIdentical("openai", results, eager);
    checkDigest("openai", results);
  });

  test("Mistral output lines", async () => {
    const harness = await startMistral();
    setups.push(harness);
    const batchId = await harness.provider.sendBatch({ provider: "mistral", requests: [mistralText("m1", "x")] });
    const status = await waitUntilComplete(harness.provider, batchId);
    const outputFile = (status.raw as { output_file: string }).output_file;
    harness.emulator.setFileContent(outputFile, generated([...fixtureLines("mistral/output.jsonl"), ...fixtureLines("mistral/errors.jsonl")], "custom_id"));
    const { results, eager } = await readBoth(harness.provider, harness.storage, batchId);
    assertIdentical("mistral", results, eager);
    checkDigest("mistral", results);
  });

  test("Anthropic result lines", async () => {
    const emulator = new AnthropicEmulator({ apiKey: ANTHROPIC_KEY, chunkSize: 65_521 });
    const server = await serve(emulator.fetch);
    servers.push(server);
    const storage = new MemoryStorage();
    const provider = new AnthropicProvider({ apiKey: ANTHROPIC_KEY, baseUrl: server.url, storage });
    const batchId = await provider.sendBatch({ provider: "anthropic", requests: [anthropicTextRequest("a1", "x")] });
    emulator.end(batchId);
    emulator.setResultLines(batchId, generated(fixtureLines("anthropic/results.jsonl"), "custom_id").trimEnd().split("\n"));
    const { results, eager } = await readBoth(provider, storage, batchId);
    assertIdentical("anthropic", results, eager);
    checkDigest("anthropic", results);
  });

  test("Gemini response lines", async () => {
    const gemini = await startGemini({ chunkSize: 65_521 });
    setups.push(gemini);
    const batchId = await gemini.provider.sendBatch({ provider: "google", requests: [geminiText("g1", "x")] });
    await waitUntilComplete(gemini.provider, batchId);
    gemini.emulator.files.setText(gemini.emulator.batches.get(batchId)!.responsesFile!, generated(fixtureLines("google/responses.jsonl"), "key"));
    const { results, eager } = await readBoth(gemini.provider, gemini.storage, batchId);
    assertIdentical("google", results, eager);
    checkDigest("google", results);
  });
});
