/**
 * What prompt-cache writes cost a job (Anthropic emulator with a prompt cache): a 1-hour write is
 * priced at 2× the input price and a 5-minute one at 1.25× (reference unified-features §4.2,
 * endpoints-and-push.md §6), in the summary and in the budget's spend; and a budget's worst case
 * prices the input of a request that may write the cache at the write rate of its longest `ttl`,
 * the same worst case `router.estimate` shows.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { BatchRouter, MemoryStorage, estimateRequests, type PriceTable, type UnifiedRequest } from "batch-router";

import { AnthropicEmulator } from "../emulators/anthropic-emulator.js";
import { API_KEY, fastRouterOptions } from "../support/jobs.js";
import { textRequest } from "../support/requests.js";

const MODEL = "claude-haiku-4-5";
// Per million tokens, before the 50 % batch discount.
const PRICES: PriceTable = { [MODEL]: { input: 1, output: 5 } };
const SYSTEM = "You answer questions about the attached handbook. ".repeat(20);

function setup() {
  const emulator = new AnthropicEmulator({ apiKey: API_KEY, promptCache: true });
  const router = new BatchRouter({
    providers: { anthropic: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9", fetch: emulator.fetch } },
    storage: new MemoryStorage(),
    ...fastRouterOptions(),
    prices: PRICES,
    plan: { maxRequestsPerBatch: 1 },
  });
  return { emulator, router };
}

function requests(count: number, ttl?: "5m" | "1h", prefix = "c"): UnifiedRequest[] {
  return Array.from({ length: count }, (_, index) => ({
    ...textRequest(`${prefix}-${index}`, `question ${index}`, MODEL),
    systemPrompt: SYSTEM,
    ...(ttl === undefined ? {} : { systemPromptCacheControl: { ttl } }),
    generationConfig: { maxTokens: 16 },
  }));
}

const close = (actual: number | undefined, expected: number, what: string) => assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-12, `${what}: ${actual} vs ${expected}`);

describe("cache writes in a job's cost", () => {
  for (const [ttl, multiplier] of [["5m", 1.25], ["1h", 2]] as const) {
    test(`${ttl} writes cost ${multiplier}× the input price, in the summary and the budget's spend`, async () => {
      const { router } = setup();
      const summary = await router.runJob({ provider: "anthropic", requests: requests(1, ttl) }, { maxCostUsd: 1 });
      assert.equal(summary.succeeded, 1);
      const { usage, costUsd } = summary.cost.models[0]!;
      const written = usage.cacheWriteTokens!;
      assert.ok(written > 0, JSON.stringify(usage));
      // The usage says which writes were 1-hour ones (a part of cacheWriteTokens).
      assert.equal(usage.cacheWrite1hTokens, ttl === "1h" ? written : 0);
      const uncached = usage.inputTokens - written;
      close(costUsd, ((uncached * 1 + written * multiplier + usage.outputTokens * 5) * 0.5) / 1e6, "costUsd");
      close(summary.cost.costUsd, costUsd!, "summary");
      const manifest = (await router.getJob(summary.jobId))!;
      close(manifest.submissions[0]!.spentUsd, costUsd!, "the budget's spend");
    });
  }
});

describe("a budget's worst case with cache breakpoints", () => {
  test("the input of a request that may write the cache is priced at the write rate of its longest ttl, as the estimate shows", () => {
    const { router } = setup();
    const plain = estimateRequests("anthropic", requests(1), { prices: PRICES })[0]!;
    const inputTokens = plain.inputTokens;
    close(plain.maxCostUsd, ((inputTokens * 1 + 16 * 5) * 0.5) / 1e6, "no breakpoint");
    for (const [ttl, multiplier] of [["5m", 1.25], ["1h", 2]] as const) {
      const batch = { provider: "anthropic" as const, requests: requests(3, ttl) };
      const each = estimateRequests("anthropic", batch.requests, { prices: PRICES });
      for (const estimate of each) close(estimate.maxCostUsd, ((inputTokens * multiplier + 16 * 5) * 0.5) / 1e6, ttl);
      const estimate = router.estimate(batch);
      close(estimate.maxCostUsd, each.reduce((sum, entry) => sum + entry.maxCostUsd!, 0), `${ttl}: router.estimate`);
      // The least is still the input alone, at the input rate.
      close(estimate.minCostUsd, ((3 * inputTokens) * 0.5) / 1e6, `${ttl}: least`);
    }
    // A 1-hour breakpoint on the request itself, after none elsewhere, counts as well.
    const whole = { ...requests(1)[0]!, cacheControl: { ttl: "1h" as const } };
    close(estimateRequests("anthropic", [whole], { prices: PRICES })[0]!.maxCostUsd, ((inputTokens * 2 + 16 * 5) * 0.5) / 1e6, "request cacheControl");
  });

  test("a budget that covers the input at the plain rate but not at the 1-hour write rate creates no batch", async () => {
    const { emulator, router } = setup();
    const batch = requests(2, "1h", "w");
    const inputTokens = estimateRequests("anthropic", batch, { prices: PRICES })[0]!.inputTokens;
    const atInputRate = ((inputTokens + 16 * 5) * 0.5) / 1e6;
    const atWriteRate = ((inputTokens * 2 + 16 * 5) * 0.5) / 1e6;
    // Room for the job's input at the plain rate (so it is accepted: its least is 2 × inputTokens × $0.5/M)
    // and for either request's worst case at that rate, but not for a 1-hour write of either.
    const maxCostUsd = (inputTokens + 20) / 1e6;
    assert.ok(atInputRate < maxCostUsd && maxCostUsd < atWriteRate);
    const summary = await router.runJob({ provider: "anthropic", requests: batch }, { maxCostUsd });
    assert.equal(emulator.batches.size, 0, "a batch was created that may cost more than the budget");
    assert.deepEqual(summary.heldBack, ["w-0", "w-1"]);
    const held = summary.unsuccessful.find((item) => item.customId === "w-0")!;
    assert.match(held.message, new RegExp(`may cost up to \\$${atWriteRate.toFixed(6).replace(".", "\\.")}`));
  });
});
