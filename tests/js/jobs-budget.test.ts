/**
 * A job's budget (`maxCostUsd`) against the OpenAI emulator: refused before anything is sent when
 * the input alone is estimated over it; once running, no batch is created while spent + the worst
 * case in flight + the next batch's worst case would pass it (a batch that fits in part is sent
 * with that part: jobs-budget-part.test.ts); what cannot fit is held back and named in the summary; what was spent adds up from usage and stays within the budget. A budget
 * follows the batch's endpoint: an embeddings job is priced by its texts, and a Responses job may
 * use the Responses body's own fields. An answer without usage counts its request's worst case in
 * what was spent (Gemini's embeddings; an OpenAI answer that leaves usage out), also where only
 * built-in prices apply.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { BatchRouter, ConfigurationError, MemoryStorage, ValidationError, estimateRequests, type PriceTable, type UnifiedRequest } from "batch-router";

import { GeminiEmulator } from "../emulators/gemini-emulator.js";
import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { API_KEY, fastRouterOptions, withoutUsage } from "../support/jobs.js";
import { textRequest } from "../support/requests.js";

// $1 per token at batch rates (half the published price), so costs read as token counts.
const PRICES: PriceTable = { "gpt-4o-mini": { input: 2_000_000, output: 2_000_000 } };

function setup(prices: PriceTable = PRICES) {
  const emulator = new OpenAIEmulator({ apiKey: API_KEY, startClock: Math.floor(Date.now() / 1000) });
  const storage = new MemoryStorage();
  const router = new BatchRouter({
    providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch: emulator.fetch } },
    storage,
    ...fastRouterOptions(),
    plan: { maxRequestsPerBatch: 2 },
    prices,
  });
  return { emulator, storage, router };
}

function requests(count: number): UnifiedRequest[] {
  return Array.from({ length: count }, (_, index) => ({ ...textRequest(`b-${index}`, `question ${index}`, "gpt-4o-mini"), generationConfig: { maxTokens: 40 } }));
}

const creates = (emulator: OpenAIEmulator) => emulator.received.filter((request) => request.method === "POST" && /\/batches$/.test(request.path)).length;

describe("job budget", () => {
  test("batches are created while they fit, then what still fits; the rest is held back and named", async () => {
    const { emulator, router } = setup();
    const all = requests(8);
    const worst = estimateRequests("openai", all, { prices: PRICES }).map((estimate) => estimate.maxCostUsd!);
    const batchWorst = (batch: number) => worst[2 * batch]! + worst[2 * batch + 1]!;
    // Room for the worst case of two batches at once, not three.
    const maxCostUsd = batchWorst(0) + batchWorst(1) + 1;
    const summary = await router.runJob({ provider: "openai", requests: all }, { maxCostUsd });
    // The first two batches, then (their answers spent less than their worst case) the requests
    // that fit in what was left: the rest is held back, and only what could not fit.
    assert.ok(creates(emulator) > 2, `${creates(emulator)} creates`);
    assert.ok(summary.heldBack.length > 0 && summary.heldBack.length < 4, summary.heldBack.join());
    assert.equal(summary.succeeded + summary.heldBack.length, 8);
    assert.equal(summary.reasons.budget_exceeded, summary.heldBack.length);
    assert.equal(summary.unsuccessful.find((item) => item.customId === summary.heldBack[0])!.code, "budget_exceeded");
    const sent = all.filter((request) => !summary.heldBack.includes(request.customId));
    // What the emulator reports: prompt_tokens = text length, completion_tokens = text length + 6.
    const spent = sent.reduce((sum, request) => sum + 2 * String(request.messages![0]!.content).length + 6, 0);
    assert.ok(Math.abs(summary.cost.costUsd - spent) < 1e-6, `${summary.cost.costUsd} vs ${spent}`);
    assert.ok(summary.cost.costUsd <= maxCostUsd);
    for (const customId of summary.heldBack) {
      const index = all.findIndex((request) => request.customId === customId);
      assert.ok(summary.cost.costUsd + worst[index]! > maxCostUsd, `${customId} would have fit`);
    }
    const manifest = (await router.getJob(summary.jobId))!;
    assert.equal(manifest.submissions.reduce((sum, record) => sum + (record.spentUsd ?? 0), 0), summary.cost.costUsd);
  });

  test("a large enough budget sends everything", async () => {
    const { emulator, router } = setup();
    const summary = await router.runJob({ provider: "openai", requests: requests(6) }, { maxCostUsd: 10_000 });
    assert.equal(summary.succeeded, 6);
    assert.deepEqual(summary.heldBack, []);
    assert.equal(creates(emulator), 3);
  });

  test("a job whose input alone is over the budget is refused before anything is sent", async () => {
    const { emulator, storage, router } = setup();
    await assert.rejects(router.runJob({ provider: "openai", requests: requests(4) }, { maxCostUsd: 5, jobId: "too-dear" }), (error: unknown) => error instanceof ValidationError && /maxCostUsd/.test(error.message));
    assert.equal(emulator.received.length, 0);
    assert.equal(await router.getJob("too-dear"), undefined);
    assert.equal(await storage.read("jobs/too-dear.json"), undefined);
  });

  test("a budget needs prices and an output bound for every request", async () => {
    const { router } = setup({});
    // o3 has no built-in price (gpt-4o-mini has one).
    const unpriced = requests(2).map((request) => ({ ...request, model: "o3" }));
    await assert.rejects(router.runJob({ provider: "openai", requests: unpriced }, { maxCostUsd: 100 }), ConfigurationError);
    const priced = setup().router;
    await assert.rejects(priced.runJob({ provider: "openai", requests: [textRequest("x", "no bound", "gpt-4o-mini")] }, { maxCostUsd: 100 }), /maxCostUsd: request 0 \(customId x, model gpt-4o-mini\) has no maxTokens/);
  });

  test("each request is priced by the model it is sent with: its models entry, or the provider's model option", async () => {
    // The request's own model (o3, unpriced here) names what another provider runs; a new-user
    // trial found it priced instead of the model sent.
    const elsewhere = requests(2).map((request) => ({ ...request, model: "o3", models: { openai: "gpt-4o-mini" } }));
    const { emulator, router } = setup();
    const summary = await router.runJob({ provider: "openai", requests: elsewhere }, { maxCostUsd: 1_000 });
    assert.equal(summary.succeeded, 2);
    assert.ok(emulator.received.some((request) => request.method === "POST" && /\/batches$/.test(request.path)));
    const optionEmulator = new OpenAIEmulator({ apiKey: API_KEY, startClock: Math.floor(Date.now() / 1000) });
    const withOption = new BatchRouter({
      providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch: optionEmulator.fetch, model: "gpt-4o-mini" } },
      storage: new MemoryStorage(),
      ...fastRouterOptions(),
      prices: PRICES,
    });
    const other = requests(2).map((request) => ({ ...request, model: "o3" }));
    assert.equal((await withOption.runJob({ provider: "openai", requests: other }, { maxCostUsd: 1_000 })).succeeded, 2);
    const estimate = withOption.estimate({ provider: "openai", requests: other });
    assert.deepEqual([estimate.models.map((entry) => entry.model), estimate.unpricedModels], [["gpt-4o-mini"], []]);
    // Unpriced, the error names the request and the model sent.
    const unpriced = elsewhere.map((request) => ({ ...request, models: { openai: "o3-pro" } }));
    await assert.rejects(setup().router.runJob({ provider: "openai", requests: unpriced }, { maxCostUsd: 1_000 }), (error: unknown) => {
      assert.ok(error instanceof ConfigurationError, String(error));
      assert.match(error.message, /request 0 \(customId b-0\) is sent with model o3-pro, which has no openai price/);
      return true;
    });
  });

  test("an embeddings job is checked as embeddings: it runs under a budget, and is refused for its cost alone", async () => {
    const prices: PriceTable = { "text-embedding-3-small": { input: 2_000_000, output: 0 } };
    const { emulator, storage, router } = setup(prices);
    const requests: UnifiedRequest[] = [
      { customId: "e-0", model: "text-embedding-3-small", input: ["first text", "second text"] },
      { customId: "e-1", model: "text-embedding-3-small", input: "third text" },
      { customId: "e-2", model: "text-embedding-3-small", input: ["fourth"] },
    ];
    const batch = { provider: "openai", endpoint: "embeddings" as const, requests };
    const estimate = router.estimate(batch);
    assert.equal(estimate.minCostUsd, estimate.maxCostUsd, "embeddings have no output");
    assert.ok(estimate.minCostUsd! > 0);

    // Submitted by one router, driven to the end by another (the budget is checked again while it runs).
    const jobId = await router.submitJob(batch, { maxCostUsd: estimate.maxCostUsd! + 1, jobId: "embeddings-budget" });
    const resumed = new BatchRouter({ providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch: emulator.fetch } }, storage, ...fastRouterOptions(), plan: { maxRequestsPerBatch: 2 }, prices });
    const summary = await resumed.resumeJob(jobId);
    assert.deepEqual([summary.state, summary.succeeded, summary.heldBack], ["completed", 3, []]);
    assert.ok(summary.cost.costUsd > 0);
    for (const create of emulator.received.filter((request) => request.method === "POST" && /\/batches$/.test(request.path))) {
      assert.equal(JSON.parse(create.bodyText).endpoint, "/v1/embeddings");
    }

    const before = emulator.received.length;
    await assert.rejects(router.runJob({ ...batch, requests: requests.map((request) => ({ ...request, customId: `x${request.customId}` })) }, { maxCostUsd: estimate.minCostUsd! / 2 }), (error: unknown) => error instanceof ValidationError && error.field === "maxCostUsd");
    assert.equal(emulator.received.length, before, "nothing sent for a job over its budget");
  });

  test("a Responses job may use the Responses body's own fields under a budget", async () => {
    const { emulator, router } = setup();
    const requests: UnifiedRequest[] = [
      { ...textRequest("r-0", "question zero", "gpt-4o-mini"), providerKwargs: { max_output_tokens: 40, truncation: "auto" } },
      { ...textRequest("r-1", "question one", "gpt-4o-mini"), generationConfig: { maxTokens: 40 }, providerKwargs: { truncation: "auto" } },
    ];
    const summary = await router.runJob({ provider: "openai", endpoint: "responses", requests }, { maxCostUsd: 10_000 });
    assert.deepEqual([summary.state, summary.succeeded], ["completed", 2]);
    const creates = emulator.received.filter((request) => request.method === "POST" && /\/batches$/.test(request.path));
    assert.equal(creates.length, 1);
    assert.equal(JSON.parse(creates[0]!.bodyText).endpoint, "/v1/responses");
    // A chat batch of the same requests is still refused: the field is not chat's.
    await assert.rejects(router.runJob({ provider: "openai", requests: requests.map((request) => ({ ...request, customId: `c${request.customId}` })) }, { maxCostUsd: 10_000 }), (error: unknown) => error instanceof ValidationError && /truncation|max_output_tokens/.test(error.message));
  });

  test("an answer without usage counts its request's worst case in the budget's spend", async () => {
    const emulator = new OpenAIEmulator({ apiKey: API_KEY, startClock: Math.floor(Date.now() / 1000) });
    // The provider answers every request but reports no usage (the output file's bodies without it).
    const fetch = withoutUsage(emulator.fetch);
    const router = new BatchRouter({ providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch } }, storage: new MemoryStorage(), ...fastRouterOptions(), plan: { maxRequestsPerBatch: 2 }, prices: PRICES });
    const all = requests(4);
    const worst = estimateRequests("openai", all, { prices: PRICES }).map((estimate) => estimate.maxCostUsd!);
    // Room for the first batch and what it spent, and half a request more: nothing of the second fits.
    const maxCostUsd = worst[0]! + worst[1]! + Math.min(worst[2]!, worst[3]!) / 2;
    const summary = await router.runJob({ provider: "openai", requests: all }, { maxCostUsd });
    // Counted as free, the first batch left room for the second: the job could pass its budget.
    assert.equal(creates(emulator), 1);
    assert.deepEqual([summary.succeeded, summary.heldBack, summary.cost.requestsWithoutUsage], [2, ["b-2", "b-3"], 2]);
    const manifest = (await router.getJob(summary.jobId))!;
    assert.ok(Math.abs(manifest.submissions[0]!.spentUsd! - worst[0]! - worst[1]!) < 1e-9, String(manifest.submissions[0]!.spentUsd));
  });

  test("Gemini embeddings (no usage) count their estimated input at the input price, with built-in prices only", async () => {
    const key = "fake-gemini-budget-key-0123456789abcdef";
    const emulator = new GeminiEmulator({ apiKey: key });
    // No `prices`: gemini-embedding-001 has a built-in one ($0.15 per million input tokens, half in a batch).
    const router = new BatchRouter({ providers: { google: { apiKey: key, baseUrl: "http://emulated.invalid", fetch: emulator.fetch } }, storage: new MemoryStorage(), ...fastRouterOptions(), plan: { maxRequestsPerBatch: 1 } });
    const requests: UnifiedRequest[] = [
      { customId: "g-0", model: "gemini-embedding-001", input: ["first text to embed", "second text to embed"] },
      { customId: "g-1", model: "gemini-embedding-001", input: "third text to embed" },
    ];
    const batch = { provider: "google", endpoint: "embeddings" as const, requests };
    const estimates = estimateRequests("google", requests);
    for (const estimate of estimates) assert.ok(Math.abs(estimate.maxCostUsd! - (estimate.inputTokens * 0.075) / 1e6) < 1e-18);
    const estimate = router.estimate(batch);
    const summary = await router.runJob(batch, { maxCostUsd: estimate.maxCostUsd! * 1.01 });
    assert.deepEqual([summary.succeeded, summary.cost.requestsWithoutUsage, summary.cost.costUsd], [2, 2, 0]);
    // What the budget counts as spent: each request's estimated input tokens at the batch input price.
    const manifest = (await router.getJob(summary.jobId))!;
    const spent = manifest.submissions.map((record) => record.spentUsd);
    assert.equal(spent.length, 2);
    spent.forEach((value, index) => assert.ok(value !== undefined && Math.abs(value - estimates[index]!.maxCostUsd!) < 1e-18, `batch ${index}: ${value}`));
  });
});
