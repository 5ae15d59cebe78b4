/**
 * Estimates before a job and its cost after: `router.estimate` and `estimateBatch` (tokens and a
 * cost range from the caller's prices at batch rates), and each job summary's cost added up from
 * the results' usage (OpenAI emulator, in process).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { BatchRouter, ConfigurationError, MemoryStorage, ValidationError, estimateBatch, estimateRequests, type PriceTable } from "batch-router";

import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { API_KEY, collect, fastRouterOptions, jobRequests } from "../support/jobs.js";
import { textRequest } from "../support/requests.js";

const PRICES: PriceTable = { "gpt-4o-mini": { input: 0.2, output: 0.8 }, "gpt-4o": { input: 3, output: 12 } };

function setup(prices: PriceTable | null = PRICES) {
  const emulator = new OpenAIEmulator({ apiKey: API_KEY, startClock: Math.floor(Date.now() / 1000) });
  const router = new BatchRouter({
    providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch: emulator.fetch } },
    storage: new MemoryStorage(),
    ...fastRouterOptions(),
    ...(prices === null ? {} : { prices }),
  });
  return { emulator, router };
}

describe("estimates and cost", () => {
  test("estimate() gives tokens per model and a cost range at batch rates, sending nothing", () => {
    const { emulator, router } = setup();
    const requests = [
      { ...textRequest("a", "Hello there", "gpt-4o-mini"), generationConfig: { maxTokens: 100 } },
      { ...textRequest("b", "General Kenobi", "gpt-4o-2024-08-06"), generationConfig: { maxTokens: 1000 } },
    ];
    const estimate = router.estimate({ provider: "openai", requests });
    const perRequest = estimateRequests("openai", requests);
    assert.equal(estimate.inputTokens, perRequest[0]!.inputTokens + perRequest[1]!.inputTokens);
    assert.ok(estimate.inputTokens > 6 && estimate.inputTokens < 30, String(estimate.inputTokens));
    assert.equal(estimate.maxOutputTokens, 1100);
    const [mini, full] = estimate.models;
    // Half of the published prices: $0.1 and $0.4 per million (mini), $1.5 and $6 (the dated gpt-4o).
    const close = (actual: number | undefined, expected: number) => assert.ok(Math.abs(actual! - expected) < 1e-15, `${actual} vs ${expected}`);
    close(mini!.minCostUsd, (mini!.inputTokens * 0.1) / 1e6);
    close(mini!.maxCostUsd, (mini!.inputTokens * 0.1 + 100 * 0.4) / 1e6);
    close(full!.maxCostUsd, (full!.inputTokens * 1.5 + 1000 * 6) / 1e6);
    assert.ok(Math.abs(estimate.maxCostUsd! - mini!.maxCostUsd! - full!.maxCostUsd!) < 1e-15);
    assert.deepEqual(estimate.unpricedModels, []);
    assert.equal(emulator.received.length, 0);
  });

  test("an unpriced model or an unbounded request leaves that end of the range out", () => {
    const { router } = setup();
    const requests = [textRequest("a", "Hello", "gpt-4o-mini"), { ...textRequest("b", "Hi", "o3"), generationConfig: { maxTokens: 5 } }];
    const estimate = router.estimate({ provider: "openai", requests });
    assert.deepEqual(estimate.unpricedModels, ["o3"]);
    assert.equal(estimate.unboundedRequests, 1);
    assert.equal(estimate.minCostUsd, undefined);
    assert.equal(estimate.maxCostUsd, undefined);
    const bounded = router.estimate({ provider: "openai", requests }, { defaultMaxOutputTokens: 50, prices: { ...PRICES, o3: { input: 2, output: 8 } } });
    assert.equal(bounded.maxOutputTokens, 55);
    assert.ok(bounded.maxCostUsd! > bounded.minCostUsd!);
  });

  test("estimateBatch() works without a router, prices per call, and rejects a bad price", () => {
    const requests = [{ ...textRequest("a", "Bonjour", "mistral-small"), generationConfig: { maxTokens: 10 } }];
    const estimate = estimateBatch({ provider: "mistral", requests }, { prices: { "mistral-small": { input: 1, output: 3, batchDiscount: 0 } } });
    assert.ok(Math.abs(estimate.maxCostUsd! - (estimate.inputTokens * 1 + 10 * 3) / 1e6) < 1e-15);
    assert.throws(() => estimateBatch({ provider: "mistral", requests }, { prices: { "mistral-small": { input: "1" } as never } }), ValidationError);
  });

  test("estimate() validates like a submission: the same error, naming the request, nothing sent", async () => {
    const { emulator, router } = setup();
    const requests = [textRequest("fine", "Hello"), { ...textRequest("bad", "Hello"), generationConfig: { topK: 5 } }];
    const estimated = (() => {
      try {
        router.estimate({ provider: "openai", requests });
      } catch (error) {
        return error;
      }
      assert.fail("estimate() accepted a request a submission refuses");
    })();
    await assert.rejects(router.runJob({ provider: "openai", requests }), (error: unknown) => {
      assert.ok(error instanceof ValidationError && estimated instanceof ValidationError, String(error));
      assert.equal(estimated.message, error.message);
      assert.deepEqual([estimated.index, estimated.customId, estimated.field], [1, "bad", error.field]);
      assert.match(String(estimated.field), /topK/);
      return true;
    });
    assert.equal(emulator.received.length, 0);
    assert.throws(() => estimateBatch({ provider: "openai", requests }), ValidationError);
  });

  test("a caller's countTokens replaces the built-in estimate, text by text", () => {
    const requests = [{ ...textRequest("a", "Hello"), systemPrompt: "Be brief" }];
    const counted: string[] = [];
    const [estimate] = estimateRequests("openai", requests, { countTokens: (text) => (counted.push(text), text.length) });
    // 3 for the reply, 3 per message (system and user), and the counter's 8 + 5.
    assert.equal(estimate!.inputTokens, 3 + 3 + 3 + 8 + 5);
    assert.deepEqual(counted, ["Be brief", "Hello"]);
    assert.equal(estimateBatch({ provider: "openai", requests }, { countTokens: () => 100 }).inputTokens, 3 + 3 + 3 + 200);
    assert.throws(() => estimateRequests("openai", requests, { countTokens: () => -1 }), ConfigurationError);
    assert.throws(() => estimateRequests("openai", requests, { countTokens: () => 1.5 }), ConfigurationError);
    // An async counter is named as one (its Promise read "returned [object Promise]").
    assert.throws(
      () => estimateRequests("openai", requests, { countTokens: (async () => 5) as never }),
      (error: unknown) => error instanceof ConfigurationError && /returned a Promise \(an async counter\) for a text of request 0; .* synchronously/.test(error.message),
    );
  });

  test("a job summary's cost adds up from the usage of its results", async () => {
    const { router } = setup();
    const summary = await router.runJob({ provider: "openai", requests: jobRequests() });
    const results = await collect(router.getJobResults(summary.jobId));
    let expected = 0;
    let inputTokens = 0;
    for (const result of results) {
      const usage = result.response?.usage;
      if (usage === undefined) continue;
      const price = result.response!.model!.startsWith("gpt-4o-mini") ? PRICES["gpt-4o-mini"]! : PRICES["gpt-4o"]!;
      expected += ((usage.inputTokens * price.input + usage.outputTokens * price.output) / 1e6) * 0.5;
      inputTokens += usage.inputTokens;
    }
    assert.ok(expected > 0);
    assert.ok(Math.abs(summary.cost.costUsd - expected) < 1e-12, `${summary.cost.costUsd} vs ${expected}`);
    assert.equal(summary.cost.models.reduce((sum, model) => sum + model.usage.inputTokens, 0), inputTokens);
    assert.deepEqual(summary.cost.unpricedModels, []);
    assert.equal(summary.cost.cacheHitRate, 0);
  });

  test("without caller prices the built-in ones apply; a model priced by neither keeps its tokens and is named", async () => {
    const { router } = setup(null);
    const requests = jobRequests().slice(0, 3);
    requests[1] = { ...requests[1]!, model: "o3" };
    const summary = await router.runJob({ provider: "openai", requests });
    assert.deepEqual(summary.cost.unpricedModels, ["o3"]);
    assert.ok(summary.cost.models.every((model) => model.usage.inputTokens > 0));
    for (const model of summary.cost.models) assert.equal(model.costUsd === undefined, model.model === "o3", model.model);
    // Built-in gpt-4o-mini: $0.15 / $0.60 per million, half of it on the batch route.
    const mini = summary.cost.models.find((model) => model.model.startsWith("gpt-4o-mini"))!;
    const expected = (mini.usage.inputTokens * 0.075 + mini.usage.outputTokens * 0.3) / 1e6;
    assert.ok(Math.abs(mini.costUsd! - expected) < 1e-12, `${mini.costUsd} ≠ ${expected}`);
  });
});
