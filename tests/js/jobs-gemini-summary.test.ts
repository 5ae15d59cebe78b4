/**
 * A Gemini job as a user drives it: `getJobSummary` at every step (README, "Summaries of running
 * jobs" and "Actual cost") on both routes and for an embeddings job, whose answers carry no usage;
 * and `primeCache` over several models (README, "Cache priming"): a prompt cache belongs to one
 * model, so each model's first request goes alone and the rest of that model once it has ended.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { BatchRouter, MemoryStorage, type JobSummary, type UnifiedRequest } from "batch-router";

import { GeminiEmulator } from "../emulators/gemini-emulator.js";
import { collect, fastRouterOptions } from "../support/jobs.js";

const KEY = "fake-gemini-summary-key-0123456789abcdef";
const PRICES = { "gemini-2.5-flash": { input: 0.3, output: 2.5 }, "gemini-2.5-pro": { input: 1.25, output: 10 }, "gemini-embedding-001": { input: 0.15, output: 0 } };

function setup(route: "file" | "inline" = "file") {
  const emulator = new GeminiEmulator({ apiKey: KEY, readsPerState: 2 });
  const router = new BatchRouter({
    providers: { google: { apiKey: KEY, baseUrl: "http://emulated.invalid", fetch: emulator.fetch, route } },
    storage: new MemoryStorage(),
    ...fastRouterOptions(),
    prices: PRICES,
    plan: { maxRequestsPerBatch: 3 },
  });
  return { emulator, router };
}

function chat(count: number, models: string[]): UnifiedRequest[] {
  return Array.from({ length: count }, (_, index) => ({
    customId: `r-${index}`,
    model: models[index % models.length]!,
    systemPrompt: "You answer questions about the attached handbook. ".repeat(10),
    messages: [{ role: "user", content: `question ${index}` }],
    generationConfig: { maxTokens: 32 },
  }));
}

function assertAddsUp(summary: JobSummary): void {
  assert.equal(summary.succeeded + summary.errored + summary.expired + summary.cancelled + summary.pending, summary.total, JSON.stringify(summary));
}

describe("getJobSummary on a Gemini job", () => {
  for (const route of ["file", "inline"] as const) {
    test(`${route}: pending until collected, always adding up, and the cost of what the results used`, async () => {
      const { router } = setup(route);
      const jobId = await router.submitJob({ provider: "google", requests: chat(5, ["gemini-2.5-flash", "gemini-2.5-pro"]) });
      let summary = await router.getJobSummary(jobId);
      assert.deepEqual([summary.state, summary.pending, summary.succeeded, summary.errored], ["running", 5, 0, 0]);
      for (let rounds = 0; summary.state === "running"; rounds++) {
        assert.ok(rounds < 50, "the job does not end");
        await router.advanceJob(jobId);
        summary = await router.getJobSummary(jobId);
        assertAddsUp(summary);
        assert.equal(summary.errored, 0);
        assert.deepEqual(summary.unsuccessful, []);
      }
      assert.deepEqual([summary.state, summary.pending, summary.succeeded, summary.batches], ["completed", 0, 5, 2]);
      // The cost is the results' usage, per model, at half the prices given.
      const results = await collect(router.getJobResults(jobId));
      let expected = 0;
      for (const model of ["gemini-2.5-flash", "gemini-2.5-pro"] as const) {
        const usage = results.filter((result) => result.response?.model === model).map((result) => result.response!.usage!);
        const input = usage.reduce((total, each) => total + each.inputTokens, 0);
        const output = usage.reduce((total, each) => total + each.outputTokens, 0);
        assert.ok(input > 0 && output > 0, model);
        const entry = summary.cost.models.find((cost) => cost.model === model)!;
        assert.deepEqual([entry.usage.inputTokens, entry.usage.outputTokens], [input, output], model);
        const cost = ((input * PRICES[model].input + output * PRICES[model].output) / 1e6) * 0.5;
        assert.ok(Math.abs(entry.costUsd! - cost) < 1e-12, `${model}: ${entry.costUsd} ≠ ${cost}`);
        expected += cost;
      }
      assert.ok(Math.abs(summary.cost.costUsd - expected) < 1e-12);
      assert.deepEqual([summary.cost.unpricedModels, summary.cost.requestsWithoutUsage], [[], 0]);
    });
  }

  test("an embeddings job: answers without usage are counted as such, not priced as free", async () => {
    const { router } = setup();
    const requests = [
      { customId: "e-0", model: "gemini-embedding-001", input: "one text" },
      { customId: "e-1", model: "gemini-embedding-001", input: ["two", "texts"] },
    ];
    const done = await router.waitForCompletion(await router.submitJob({ provider: "google", requests, endpoint: "embeddings" }));
    const summary = done.kind === "job" ? done.summary : undefined;
    assert.deepEqual([summary?.succeeded, summary?.pending], [2, 0]);
    assert.deepEqual([summary?.cost.models, summary?.cost.costUsd, summary?.cost.requestsWithoutUsage], [[], 0, 2]);
  });
});

describe("primeCache on Gemini with several models", () => {
  test("each model's first request goes alone, and the rest of that model after it has ended", async () => {
    const { emulator, router } = setup();
    const models = ["gemini-2.5-flash", "gemini-2.5-pro"];
    const requests = chat(8, models);
    const options = { primeCache: true, plan: { maxRequestsPerBatch: 4 } };
    const plan = router.plan({ provider: "google", requests }, options);
    assert.deepEqual(
      plan.chunks.map((chunk) => [chunk.model, chunk.requestCount]),
      [["gemini-2.5-flash", 1], ["gemini-2.5-flash", 3], ["gemini-2.5-pro", 1], ["gemini-2.5-pro", 3]],
    );
    const summary = await router.runJob({ provider: "google", requests }, options);
    assert.equal(summary.succeeded, 8);
    const batches = [...emulator.batches.values()];
    for (const model of models) {
      const own = batches.filter((batch) => batch.model === `models/${model}`);
      const [primer, ...rest] = own;
      assert.equal(own.length, 2, model);
      // The primer is the model's first request, alone.
      assert.deepEqual(primer!.items.map((item) => item.key), [requests.find((request) => request.model === model)!.customId], model);
      for (const batch of rest) {
        assert.ok(Date.parse(primer!.endTime!) <= Date.parse(batch.createTime), `${model}: a batch was created before its primer ended`);
      }
    }
  });
});
