/**
 * Cache priming (Anthropic emulator with a prompt cache): with `primeCache` the first request goes
 * alone and the rest only once its batch has ended, so they read the prefix it wrote; the summary's
 * cache hit rate comes from the results' usage. Without priming, requests in one batch cannot read
 * each other's writes.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { BatchRouter, MemoryStorage, type UnifiedRequest } from "batch-router";

import { AnthropicEmulator } from "../emulators/anthropic-emulator.js";
import { API_KEY, fastRouterOptions } from "../support/jobs.js";
import { textRequest } from "../support/requests.js";

const SYSTEM = "You answer questions about the attached handbook. ".repeat(20);

function requests(count: number): UnifiedRequest[] {
  return Array.from({ length: count }, (_, index) => ({ ...textRequest(`c-${index}`, `question ${index}`, "claude-sonnet-4-5"), systemPrompt: SYSTEM, generationConfig: { maxTokens: 64 } }));
}

function setup() {
  const emulator = new AnthropicEmulator({ apiKey: API_KEY, promptCache: true });
  const router = new BatchRouter({
    providers: { anthropic: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9", fetch: emulator.fetch } },
    storage: new MemoryStorage(),
    ...fastRouterOptions(),
    plan: { maxRequestsPerBatch: 10 },
  });
  return { emulator, router };
}

describe("cache priming", () => {
  test("the primer goes alone and first; the rest read the cache it wrote", async () => {
    const { emulator, router } = setup();
    const summary = await router.runJob({ provider: "anthropic", requests: requests(5) }, { primeCache: true });
    assert.equal(summary.succeeded, 5);
    const batches = [...emulator.batches.values()];
    assert.deepEqual(batches.map((batch) => batch.requests.length), [1, 4]);
    assert.ok(Date.parse(String(batches[0]!.object.ended_at)) <= Date.parse(String(batches[1]!.object.created_at)));
    const usage = summary.cost.models[0]!.usage;
    assert.ok(usage.cacheReadTokens! > 0 && usage.cacheWriteTokens! > 0);
    // Four of five requests read the prefix: the rate is the read share of all input tokens.
    assert.ok(Math.abs(summary.cost.cacheHitRate - usage.cacheReadTokens! / usage.inputTokens) < 1e-12);
    assert.ok(summary.cost.cacheHitRate > 0.5, String(summary.cost.cacheHitRate));
  });

  test("without priming, one batch writes the prefix for every request and reads nothing", async () => {
    const { emulator, router } = setup();
    const summary = await router.runJob({ provider: "anthropic", requests: requests(5) });
    assert.equal(emulator.batches.size, 1);
    assert.equal(summary.cost.cacheHitRate, 0);
    assert.ok(summary.cost.models[0]!.usage.cacheWriteTokens! > 0);
  });
});
