/**
 * What a job's results cost (Gemini emulator, in process): usage is priced by the model each
 * request was sent with, not the name its answer gives (a Gemini alias answers with the version
 * it resolved to, or with none), and a cache hit never costs more than a miss. The summary's cost
 * and the budget's spend (`spentUsd`) agree. Both were found by a new-user trial: an alias's cost
 * was $0 and "unpriced", and 800 cached tokens of 1,000 made the cost go up by 44 %.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { BatchRouter, MemoryStorage, type PriceTable, type UnifiedRequest } from "batch-router";

import { GeminiEmulator } from "../emulators/gemini-emulator.js";
import type { JsonObject } from "../emulators/gemini-responses.js";
import { GEMINI_KEY } from "../support/gemini-harness.js";
import { collect, fastRouterOptions } from "../support/jobs.js";

/** Runs a job whose answers `edit` changes (by custom id), and returns its summary and manifest. */
async function runJob(requests: UnifiedRequest[], prices: PriceTable, edit: (customId: string, response: JsonObject) => void) {
  const emulator = new GeminiEmulator({ apiKey: GEMINI_KEY });
  const router = new BatchRouter({
    providers: { google: { apiKey: GEMINI_KEY, baseUrl: "http://127.0.0.1:9", fetch: emulator.fetch } },
    storage: new MemoryStorage(),
    ...fastRouterOptions(),
    prices,
  });
  const jobId = await router.startJob({ provider: "google", requests }, { maxCostUsd: 1 });
  const edited = new Set<string>();
  for (let round = 0; round < 40; round++) {
    for (const name of emulator.batches.keys()) {
      if (edited.has(name)) continue;
      edited.add(name);
      emulator.finish(name);
      // The answers are made when the batch ends; a job's batch goes by file, written again here.
      const record = emulator.batches.get(name)!;
      record.outcomes.forEach((outcome, index) => {
        if ("response" in outcome) edit(record.items[index]!.key!, outcome.response);
      });
      if (record.responsesFile !== undefined) {
        const lines = record.items.map((item, index) => JSON.stringify({ key: item.key, ...record.outcomes[index] }));
        record.responsesFile = emulator.files.storeGenerated(lines.join("\n") + "\n");
      }
    }
    if ((await router.advanceJob(jobId)).state === "completed") break;
  }
  const summary = await router.getJobSummary(jobId);
  assert.equal(summary.state, "completed");
  return { summary, manifest: (await router.getJob(jobId))!, results: await collect(router.getJobResults(jobId)) };
}

const request = (customId: string, model: string, extra: Partial<UnifiedRequest> = {}): UnifiedRequest => ({
  customId,
  model,
  messages: [{ role: "user", content: `question ${customId}` }],
  generationConfig: { maxTokens: 100 },
  ...extra,
});

describe("job cost", () => {
  test("usage is priced by the model the request was sent with, whatever the answer names", async () => {
    const prices = { "gemini-flash-latest": { input: 0.3, output: 2.5 } };
    const requests = [
      request("resolved", "gemini-flash-latest"),
      request("nameless", "gemini-flash-latest"),
      // Sent as its `models` entry for Gemini (by alias), not as its `model`.
      request("by-provider", "gpt-4o-mini", { models: { gemini: "gemini-flash-latest" } }),
    ];
    const { summary, manifest, results } = await runJob(requests, prices, (customId, response) => {
      if (customId === "resolved") response.modelVersion = "gemini-2.5-flash-preview-09-2025";
      else delete response.modelVersion;
    });
    assert.deepEqual(
      results.map((result) => [result.customId, result.status]).sort(),
      [["by-provider", "succeeded"], ["nameless", "succeeded"], ["resolved", "succeeded"]],
    );
    let expected = 0;
    for (const result of results) expected += (result.response!.usage!.inputTokens * 0.15 + result.response!.usage!.outputTokens * 1.25) / 1e6;
    assert.ok(expected > 0);
    assert.deepEqual(summary.cost.unpricedModels, []);
    assert.deepEqual(summary.cost.models.map((model) => model.model), ["gemini-flash-latest"]);
    assert.ok(Math.abs(summary.cost.costUsd - expected) < 1e-15, `${summary.cost.costUsd} vs ${expected}`);
    // The budget counts the same spend.
    const spent = manifest.submissions.reduce((sum, record) => sum + (record.spentUsd ?? 0), 0);
    assert.ok(Math.abs(spent - expected) < 1e-15, `spent ${spent} vs ${expected}`);
  });

  test("a cache hit never costs more than a miss; a cache price given is charged, and an unknown one is said", async () => {
    const usage = (cached: number) => (_customId: string, response: JsonObject) => {
      response.usageMetadata = { promptTokenCount: 1000, candidatesTokenCount: 100, totalTokenCount: 1100, ...(cached > 0 ? { cachedContentTokenCount: cached } : {}) };
    };
    const prices = { "gemini-2.5-flash": { input: 0.3, output: 2.5 } };
    const cold = (await runJob([request("a", "gemini-2.5-flash")], prices, usage(0))).summary.cost;
    const warm = (await runJob([request("a", "gemini-2.5-flash")], prices, usage(800))).summary.cost;
    // Batch rates: $0.15 in, $1.25 out. Without a cache price, a hit is charged as a miss.
    const missCost = (1000 * 0.15 + 100 * 1.25) / 1e6;
    assert.ok(Math.abs(cold.costUsd - missCost) < 1e-15, String(cold.costUsd));
    assert.ok(Math.abs(warm.costUsd - missCost) < 1e-15, `cache hits cost ${warm.costUsd}, misses ${missCost}`);
    assert.equal(warm.cacheHitRate, 0.8);
    assert.match(warm.models[0]!.cachedInputNote ?? "", /gemini-2\.5-flash are charged at the batch input rate: no google cache price is known \(give cachedInput/);
    assert.equal(cold.models[0]!.cachedInputNote, undefined, "no cached tokens, nothing to say");
    // The caller's cache price is Gemini's non-batch one, charged as given (reference §6).
    const priced = (await runJob([request("a", "gemini-2.5-flash")], { "gemini-2.5-flash": { ...prices["gemini-2.5-flash"], cachedInput: 0.03 } }, usage(800))).summary.cost;
    assert.ok(Math.abs(priced.costUsd - (200 * 0.15 + 800 * 0.03 + 100 * 1.25) / 1e6) < 1e-15, String(priced.costUsd));
    assert.equal(priced.models[0]!.cachedInputNote, undefined);
  });
});
