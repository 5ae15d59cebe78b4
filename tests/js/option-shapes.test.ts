/**
 * Provider options and `dryRun`'s options of the wrong JavaScript type are `ValidationError`s at
 * once, naming the option. Found by a new-user trial: `fetch: "x"` failed at the first call as a
 * retryable `ConnectionError`, `storage: 5` as a raw `TypeError`, `dryRun` without options as
 * "Cannot read properties of undefined"; `requestTimeout: "10"` was taken.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { AnthropicProvider, BatchRouter, MemoryStorage, OpenAIProvider, ValidationError, dryRun, estimateBatch, estimateRequests } from "batch-router";

function refused(make: () => unknown): { field: string | undefined; message: string } {
  try {
    make();
  } catch (error) {
    assert.ok(error instanceof ValidationError, `a ValidationError expected, got ${String(error)}`);
    return { field: error.field, message: error.message };
  }
  assert.fail("refused expected");
}

test("provider options of the wrong type are refused when the provider is made", () => {
  const cases: [Record<string, unknown>, string, string][] = [
    [{ apiKey: 5 }, "options.apiKey", "must be a string, not the number 5"],
    [{ apiKey: "k", baseUrl: 5 }, "options.baseUrl", "must be a string, not the number 5"],
    [{ apiKey: "k", fetch: "x" }, "options.fetch", "must be a function, not a string"],
    [{ apiKey: "k", storage: 5 }, "options.storage", "must be false or a storage (an object with write, append, read and rename methods), not the number 5"],
    [{ apiKey: "k", storage: {} }, "options.storage", "must be false or a storage (an object with write, append, read and rename methods), not an object"],
    [{ apiKey: "k", storageDir: 5 }, "options.storageDir", "must be a string, not the number 5"],
    [{ apiKey: "k", requestTimeout: "10" }, "options.requestTimeout", "must be a number ≥ 0, not a string"],
    [{ apiKey: "k", requestTimeout: -5 }, "options.requestTimeout", "must be a number ≥ 0, not the number -5"],
  ];
  for (const [options, field, message] of cases) {
    for (const Provider of [OpenAIProvider, AnthropicProvider]) {
      assert.deepEqual(refused(() => new Provider(options as never)), { field, message: `${field}: ${message}` }, JSON.stringify(options));
    }
  }
  // Well-typed options are taken as before.
  new OpenAIProvider({ apiKey: "k", baseUrl: "http://127.0.0.1:9/v1", fetch: (request) => fetch(request), storage: false, requestTimeout: 1000 });
  new OpenAIProvider({ apiKey: "k", storage: new MemoryStorage() });
});

test("dryRun needs its options object", async () => {
  const line = JSON.stringify({ customId: "a", model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
  for (const [options, field, message] of [
    [undefined, "options", "options: is required"],
    ["t", "options", "options: must be an object, not a string"],
    [{ name: 5 }, "options.name", "options.name: must be a string, not the number 5"],
  ] as const) {
    await assert.rejects(dryRun("openai", line, options as never), (error: unknown) => {
      assert.ok(error instanceof ValidationError, String(error));
      assert.deepEqual([error.field, error.message], [field, message]);
      return true;
    });
  }
});

test("router options of the wrong type are refused when the router is made", () => {
  const providers = { openai: { apiKey: "k", storage: false as const } };
  for (const [options, field, message] of [
    [{ providers, maxAttempts: "3" }, "options.maxAttempts", "must be a whole number ≥ 1, not a string"],
    [{ providers, maxAttempts: 0 }, "options.maxAttempts", "must be a whole number ≥ 1, not the number 0"],
    [{ providers, requestTimeout: -1 }, "options.requestTimeout", "must be a number ≥ 0, not the number -1"],
    [{ providers, lostBatchGracePeriod: "1h" }, "options.lostBatchGracePeriod", "must be a number ≥ 0, not a string"],
    [{ providers, retry: 3 }, "options.retry", "must be an object, not the number 3"],
    [{ providers, quotas: [] }, "options.quotas", "must be an object, not an array"],
    [{ providers: "openai" }, "options.providers", "must be an object, not a string"],
    // Checked when the router is made, not at the first estimate (a new-user trial: Rust's "inf").
    [{ providers, estimate: { defaultMaxOutputTokens: Infinity } }, "options.estimate.defaultMaxOutputTokens", "must be a whole number ≥ 0, not the number Infinity"],
    [{ providers, estimate: { defaultMaxOutputTokens: 1.5 } }, "options.estimate.defaultMaxOutputTokens", "must be a whole number ≥ 0, not the number 1.5"],
    [{ providers, estimate: { mediaTokens: -5 } }, "options.estimate.mediaTokens", "must be a whole number ≥ 0, not the number -5"],
    // A model's quota on Anthropic had no batch to apply to (batches mix models) and was ignored.
    [
      { providers, quotas: { anthropic: { "claude-haiku-4-5": { maxEnqueuedTokens: 1500 } } } },
      "options.quotas.anthropic.claude-haiku-4-5",
      `Anthropic's batch queue is shared across models and one batch may mix them, so its quotas are per batch: give them under "*"`,
    ],
  ] as const) {
    assert.deepEqual(refused(() => new BatchRouter({ storage: new MemoryStorage(), ...options } as never)), { field, message: `${field}: ${message}` }, JSON.stringify(options));
  }
  assert.deepEqual(refused(() => new BatchRouter(undefined as never)), { field: "options", message: "options: is required" });
});

test("estimates refuse what is not a batch or its options", () => {
  const request = { customId: "a", model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "hi" }] };
  for (const [call, field, message] of [
    [() => estimateBatch(null as never), "batch", "batch: must be an object, not null"],
    [() => estimateBatch({ provider: "openai", requests: {} as never }), "requests", "requests: must be an array of unified requests, not an object"],
    [() => estimateRequests("openai", "x" as never), "requests", "requests: must be an array of unified requests, not a string"],
    [() => estimateBatch({ provider: "openai", requests: [request] }, { countTokens: "x" as never }), "options.countTokens", "options.countTokens: must be a function, not a string"],
    [() => estimateBatch({ provider: "openai", requests: [request] }, { defaultMaxOutputTokens: NaN }), "options.defaultMaxOutputTokens", "options.defaultMaxOutputTokens: must be a whole number ≥ 0, not the number NaN"],
  ] as const) {
    assert.deepEqual(refused(call), { field, message });
  }
});

test("listing options of the wrong shape are refused before any call", async () => {
  // A new-user trial: `listBatches({ limit: -1 })` answered [] without a word, and `iterateBatches`'
  // `pageSize` was refused as `options.limit`.
  let calls = 0;
  const provider = new OpenAIProvider({ apiKey: "k", storage: false, fetch: async () => { calls += 1; throw new Error("no call expected"); } });
  const listing: [() => Promise<unknown>, string, string][] = [
    [() => provider.listBatches({ limit: -1 }), "options.limit", "must be a whole number ≥ 1, not the number -1"],
    [() => provider.listBatches({ limit: 0 }), "options.limit", "must be a whole number ≥ 1, not the number 0"],
    [() => provider.listBatchPage({ limit: 2.5 }), "options.limit", "must be a whole number ≥ 1, not the number 2.5"],
    [() => provider.listBatchPage({ after: 5 as never }), "options.after", "must be a string, not the number 5"],
    [async () => { for await (const batch of provider.iterateBatches({ pageSize: "a" as never })) void batch; }, "options.pageSize", "must be a whole number ≥ 1, not a string"],
  ];
  for (const [call, field, message] of listing) {
    await assert.rejects(call(), (error: unknown) => {
      assert.ok(error instanceof ValidationError, String(error));
      assert.deepEqual([error.field, error.message], [field, `${field}: ${message}`]);
      return true;
    });
  }
  assert.equal(calls, 0);
});

test("dryRun's endpoint is refused at options.endpoint", async () => {
  const line = JSON.stringify({ customId: "a", model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
  for (const [endpoint, message] of [
    ["completions", 'options.endpoint: unknown endpoint "completions"; expected one of chat, responses, embeddings'],
    [5, "options.endpoint: must be one of chat, responses, embeddings, not the number 5"],
  ] as const) {
    await assert.rejects(dryRun("openai", line, { name: "t", endpoint: endpoint as never }), (error: unknown) => {
      assert.ok(error instanceof ValidationError, String(error));
      assert.deepEqual([error.field, error.message], ["options.endpoint", message]);
      return true;
    });
  }
});
