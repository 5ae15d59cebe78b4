/**
 * Quota-aware waves against the OpenAI emulator enforcing an enqueued-token limit per model (a
 * batch over it fails after its create call with `token_limit_exceeded`, as OpenAI does): with a
 * quota the job keeps what is in flight under it and creates the next batches as earlier ones end;
 * without one, the batches that fail for a full queue are queued again without spending an
 * attempt. Either way every request ends once, and the emulator's queue never passes its limit.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { BatchRouter, MemoryStorage, ValidationError, estimateRequests, type BatchRouterOptions, type UnifiedRequest } from "batch-router";

import { GeminiEmulator } from "../emulators/gemini-emulator.js";
import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { API_KEY, collect, fastRouterOptions } from "../support/jobs.js";
import { textRequest } from "../support/requests.js";

// The emulator counts a line's tokens with the package's estimate, so that the client's figures
// and the provider's agree and the test checks the waves, not the estimator.
function countTokens(body: Record<string, unknown>): number {
  const messages = body.messages as { role: "user"; content: string }[];
  return estimateRequests("openai", [{ customId: "x", model: String(body.model), messages }])[0]!.inputTokens;
}

function requests(count: number): UnifiedRequest[] {
  return Array.from({ length: count }, (_, index) => textRequest(`w-${index}`, `question number ${index} about the quarterly figures`, "gpt-4o-mini"));
}

function setup(limit: number, router: Partial<BatchRouterOptions> = {}) {
  const emulator = new OpenAIEmulator({ apiKey: API_KEY, startClock: Math.floor(Date.now() / 1000), enqueuedTokenLimit: limit, countTokens, readsPerState: 2 });
  const jobRouter = new BatchRouter({
    providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch: emulator.fetch } },
    storage: new MemoryStorage(),
    ...fastRouterOptions(),
    plan: { maxRequestsPerBatch: 2 },
    ...router,
  });
  return { emulator, router: jobRouter };
}

function failedForQuota(emulator: OpenAIEmulator): number {
  return [...emulator.batches.values()].filter((batch) => JSON.stringify(batch.object.errors ?? "").includes("token_limit_exceeded")).length;
}

describe("a batch over the queue with nothing else in flight", () => {
  test("is not queued again for ever: it fails, its requests spend their attempts, and the job ends", async () => {
    const all = requests(4);
    const perRequest = estimateRequests("openai", all)[0]!.inputTokens;
    // No quota given, and the provider's queue holds less than one batch of two requests.
    const { emulator, router } = setup(perRequest, { maxAttempts: 2 });
    const summary = await router.runJob({ provider: "openai", requests: all }, { signal: AbortSignal.timeout(20_000) });
    assert.equal(summary.succeeded, 0);
    assert.equal(summary.errored + summary.cancelled + summary.expired, 4, JSON.stringify(summary));
    // Two attempts of two batches each, every one refused for the full queue: bounded, not a loop.
    // The second attempt is sent (a new-user trial found the job ending after the first, its
    // requests `batch_failed` and not retryable, for a failure OpenAI calls temporary).
    assert.ok(emulator.batches.size > 2 && emulator.batches.size <= 8, `${emulator.batches.size} batches created`);
    assert.equal(failedForQuota(emulator), emulator.batches.size);
    // Every one of them a queue refusal, none a batch (they were counted among the batches).
    assert.deepEqual([summary.queueRefusals, summary.batches], [emulator.batches.size, 0], JSON.stringify(summary));
    assert.equal(summary.attempts, 2, JSON.stringify(summary));
    const results = await collect(router.getJobResults(summary.jobId));
    assert.equal(results.length, 4);
    for (const result of results) {
      assert.deepEqual([result.status, result.error?.code, result.error?.retryable], ["errored", "batch_failed", true], JSON.stringify(result));
    }
  });
});

describe("quota-aware waves", () => {
  const all = requests(12);
  const perRequest = estimateRequests("openai", all)[0]!.inputTokens;
  // Room for three batches of two requests at once.
  const limit = 6 * perRequest;

  test("with a quota, batches go in waves under it and none fails", async () => {
    const { emulator, router } = setup(limit, { quotas: { openai: { "gpt-4o-mini": { maxEnqueuedTokens: limit } } } });
    const summary = await router.runJob({ provider: "openai", requests: all });
    assert.equal(summary.succeeded, 12);
    assert.equal(failedForQuota(emulator), 0);
    assert.equal(emulator.batches.size, 6);
    assert.ok(emulator.mostEnqueuedTokens <= limit);
    assert.ok(emulator.mostEnqueuedTokens > 2 * perRequest, "batches ran side by side, not one at a time");
    const results = await collect(router.getJobResults(summary.jobId));
    assert.deepEqual(results.map((result) => result.customId).sort(), all.map((request) => request.customId).sort());
  });

  test("a batch cut to fit: a quota smaller than a planned batch splits it", async () => {
    const { emulator, router } = setup(limit, { quotas: { openai: { "*": { maxEnqueuedTokens: perRequest, maxConcurrentBatches: 1 } } }, plan: { maxRequestsPerBatch: 4 } });
    const summary = await router.runJob({ provider: "openai", requests: all.slice(0, 4) });
    assert.equal(summary.succeeded, 4);
    assert.equal(emulator.batches.size, 4);
    assert.equal(emulator.mostEnqueuedTokens, perRequest);
  });

  test("plan() shows the batches runJob creates: the cache primer alone first, then chunks cut to the quota", async () => {
    const { emulator, router } = setup(limit, { quotas: { openai: { "*": { maxEnqueuedTokens: 2 * perRequest, maxConcurrentBatches: 1 } } }, plan: { maxRequestsPerBatch: 4 } });
    const batch = { provider: "openai" as const, requests: all.slice(0, 8) };
    const plan = router.plan(batch, { primeCache: true });
    // Two chunks of four by the request limit; the first request alone; two requests per batch by the quota.
    assert.deepEqual(
      plan.chunks.map((chunk) => chunk.requestRanges),
      [[[0, 1]], [[1, 3]], [[3, 4]], [[4, 6]], [[6, 8]]],
    );
    assert.deepEqual(plan.chunks.map((chunk) => chunk.requestCount), [1, 2, 1, 2, 2]);
    assert.ok(plan.chunks.every((chunk) => chunk.model === "gpt-4o-mini"));
    // A part's bytes are those of its own requests, as a plan of them alone counts them.
    assert.equal(plan.chunks[1]!.bytes, router.plan({ provider: "openai", requests: all.slice(1, 3) }).chunks[0]!.bytes);
    assert.equal(plan.chunks[0]!.bytes, router.plan({ provider: "openai", requests: all.slice(0, 1) }).chunks[0]!.bytes);
    assert.equal(emulator.received.length, 0, "plan() sends nothing");
    const summary = await router.runJob(batch, { primeCache: true });
    assert.equal(summary.succeeded, 8);
    assert.equal(emulator.batches.size, plan.chunks.length);
    // Without a quota the plan keeps the provider's chunks.
    const plain = setup(limit, { plan: { maxRequestsPerBatch: 4 } }).router.plan(batch);
    assert.deepEqual(plain.chunks.map((chunk) => chunk.requestRanges), [[[0, 4]], [[4, 8]]]);
  });

  test("without a quota, batches failed for a full queue are queued again without spending an attempt", async () => {
    const { emulator, router } = setup(limit, { maxAttempts: 1 });
    const summary = await router.runJob({ provider: "openai", requests: all });
    assert.ok(failedForQuota(emulator) > 0, "the emulator refused some batches");
    assert.equal(summary.succeeded, 12);
    assert.equal(summary.attempts, 1);
    // Batches the provider failed for the full queue are counted apart, not as the job's batches.
    assert.equal(summary.queueRefusals, failedForQuota(emulator));
    assert.equal(summary.batches, emulator.batches.size - failedForQuota(emulator));
    assert.ok(emulator.mostEnqueuedTokens <= limit);
    const results = await collect(router.getJobResults(summary.jobId));
    assert.equal(new Set(results.map((result) => result.customId)).size, 12);
    assert.ok(results.every((result) => result.status === "succeeded"));
  });

  test("a request alone over the quota is refused before anything is sent, by estimate() too", async () => {
    const long = textRequest("too-long", "figures ".repeat(200), "gpt-4o-mini");
    const { emulator, router } = setup(limit, { quotas: { openai: { "gpt-4o-mini": { maxEnqueuedTokens: limit } } } });
    const batch = { provider: "openai" as const, requests: [...all.slice(0, 3), long] };
    const named = (error: unknown) => {
      assert.ok(error instanceof ValidationError, String(error));
      assert.deepEqual([error.index, error.customId], [3, "too-long"]);
      assert.match(error.message, /gpt-4o-mini/);
      assert.match(error.message, /maxEnqueuedTokens/);
      return true;
    };
    await assert.rejects(router.runJob(batch), named);
    assert.throws(() => router.estimate(batch), named);
    assert.throws(() => router.plan(batch), named);
    assert.equal(emulator.received.length, 0);
  });

  test("a request is held to the quota of the model it is sent with (its models entry), by estimate() and runJob", async () => {
    // Written for another provider's model, sent as gpt-4o-mini: gpt-4o-mini's quota applies.
    const long = { ...textRequest("too-long", "figures ".repeat(200), "gpt-4.1"), models: { openai: "gpt-4o-mini" } };
    const { emulator, router } = setup(limit, { quotas: { openai: { "gpt-4o-mini": { maxEnqueuedTokens: limit } } } });
    const batch = { provider: "openai" as const, requests: [...all.slice(0, 2), long] };
    const named = (error: unknown) => {
      assert.ok(error instanceof ValidationError, String(error));
      assert.deepEqual([error.index, error.customId], [2, "too-long"]);
      assert.match(error.message, /for model gpt-4o-mini/);
      return true;
    };
    assert.throws(() => router.estimate(batch), named);
    await assert.rejects(router.runJob(batch), named);
    assert.equal(emulator.received.length, 0);
  });

  test("a caller's countTokens sizes the waves", async () => {
    // Each request counts 3 + 3 + 1000 with the counter: two fit under 2,100, four do not.
    const counted = { estimate: { countTokens: () => 1000 }, quotas: { openai: { "*": { maxEnqueuedTokens: 2_100, maxConcurrentBatches: 1 } } }, plan: { maxRequestsPerBatch: 4 } };
    const { emulator, router } = setup(10 * limit, counted);
    const summary = await router.runJob({ provider: "openai", requests: all.slice(0, 4) });
    assert.equal(summary.succeeded, 4);
    assert.equal(emulator.batches.size, 2, "without the counter the four requests fit one batch");
  });

  test("a create refused with 429 RESOURCE_EXHAUSTED waits for a later wave, spending no attempt", async () => {
    const emulator = new GeminiEmulator({ apiKey: API_KEY, maxConcurrentBatches: 2, readsPerState: 2 });
    const router = new BatchRouter({
      providers: { google: { apiKey: API_KEY, baseUrl: "http://emulated.invalid", fetch: emulator.fetch } },
      storage: new MemoryStorage(),
      ...fastRouterOptions(),
      maxAttempts: 1,
      plan: { maxRequestsPerBatch: 2 },
    });
    const geminiRequests = requests(10).map((request) => ({ ...request, model: "gemini-2.5-flash" }));
    const summary = await router.runJob({ provider: "google", requests: geminiRequests });
    assert.equal(summary.succeeded, 10);
    assert.equal(summary.attempts, 1);
    assert.equal(emulator.batches.size, 5);
    assert.equal(emulator.mostConcurrentBatches, 2);
    const refused = emulator.received.filter((request) => request.url.endsWith(":batchGenerateContent")).length - 5;
    assert.ok(refused > 0, "some creates were refused for the quota");
  });
});
