/**
 * Unknown option names and wrong prices are refused where they enter, at their key. Found by a
 * new-user trial: `runJob(batch, { maxCostUSD })` switched the budget off, `maxEnqueudTokens` a
 * quota, `endpont` made an embeddings batch a chat batch; `batchDiscount: 50` (meant as 50 %) and
 * negative prices made estimates negative, so a budget let a batch through; a quota of -5 was
 * accepted until the first estimate, then a plain `Error` without a field.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  AnthropicProvider,
  AzureOpenAIProvider,
  BatchRouter,
  GoogleProvider,
  MemoryStorage,
  OpenAIProvider,
  VLLMProvider,
  ValidationError,
  dryRun,
  estimateBatch,
  estimateRequests,
  verifyWebhook,
  type PriceTable,
} from "batch-router";

import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { API_KEY, fastRouterOptions } from "../support/jobs.js";
import { textRequest } from "../support/requests.js";

const request = { ...textRequest("a", "hi", "gpt-4o-mini"), generationConfig: { maxTokens: 100 } };
const batch = { provider: "openai" as const, requests: [request] };
const line = JSON.stringify(request);
const openai = { apiKey: "sk-test", baseUrl: "http://127.0.0.1:9/v1" };

async function refusal(call: () => unknown): Promise<{ field: string | undefined; message: string }> {
  try {
    await call();
  } catch (error) {
    assert.ok(error instanceof ValidationError, `a ValidationError expected, got ${String(error)}`);
    return { field: error.field, message: error.message };
  }
  assert.fail("refused expected");
}

function router(extra: object = {}): BatchRouter {
  return new BatchRouter({ providers: { openai }, storage: new MemoryStorage(), ...extra });
}

test("an unknown option is refused at its key, with the near known key or the list of them", async () => {
  const cases: [string, () => unknown, string, RegExp][] = [
    ["runJob", () => router({ prices: { "gpt-4o-mini": { input: 1, output: 1 } } }).runJob(batch, { maxCostUSD: 1e-9 } as never), "options.maxCostUSD", /unknown option; did you mean maxCostUsd\?$/],
    ["submitJob", () => router().submitJob(batch, { jobID: "x" } as never), "options.jobID", /did you mean jobId\?$/],
    ["startJob", () => router().startJob(batch, { maxAtempts: 2 } as never), "options.maxAtempts", /did you mean maxAttempts\?$/],
    ["plan", () => router().plan(batch, { plan: { maxRequestPerBatch: 1 } } as never), "options.plan.maxRequestPerBatch", /did you mean maxRequestsPerBatch\?$/],
    ["router", () => router({ maxAtempts: 3 }), "options.maxAtempts", /did you mean maxAttempts\?$/],
    ["router plan", () => router({ plan: { maxBytes: 1 } }), "options.plan.maxBytes", /known options: maxRequestsPerBatch, maxBytesPerBatch$/],
    ["router retry", () => router({ retry: { retries: 1 } }), "options.retry.retries", /known options: maxRetries/],
    ["router estimate", () => router({ estimate: { mediaToken: 1 } }), "options.estimate.mediaToken", /did you mean mediaTokens\?$/],
    ["quota", () => router({ quotas: { openai: { "gpt-4o-mini": { maxEnqueudTokens: 1 } } } }), "options.quotas.openai.gpt-4o-mini.maxEnqueudTokens", /did you mean maxEnqueuedTokens\?$/],
    ["quota provider", () => router({ quotas: { opnai: { "*": { maxConcurrentBatches: 1 } } } }), "options.quotas.opnai", /unknown provider; did you mean openai\?$/],
    ["router provider", () => router({ providers: { openai: { ...openai, dropUnsuported: true } } }), "options.providers.openai.dropUnsuported", /did you mean dropUnsupported\?$/],
    ["router estimate()", () => router().estimate(batch, { price: {} } as never), "options.price", /did you mean prices\?$/],
    ["dryRun", () => dryRun("openai", line, { name: "x", dropUnsuported: true } as never), "options.dropUnsuported", /did you mean dropUnsupported\?$/],
    ["dryRun list", () => dryRun("openai", line, { name: "x", foo: 1 } as never), "options.foo", /unknown option; known options: name, storage, dropUnsupported, /],
    ["estimateBatch", () => estimateBatch(batch, { price: {} } as never), "options.price", /did you mean prices\?$/],
    ["estimateRequests", () => estimateRequests("openai", [request], { defaultMaxOutputToken: 1 } as never), "options.defaultMaxOutputToken", /did you mean defaultMaxOutputTokens\?$/],
    ["estimateBatch batch", () => estimateBatch({ ...batch, endpont: "embeddings" } as never), "batch.endpont", /unknown field; did you mean endpoint\?$/],
    ["prepareBatch", () => new OpenAIProvider(openai).prepareBatch({ ...batch, endpont: "embeddings" } as never), "batch.endpont", /did you mean endpoint\?$/],
    ["sendBatch", () => new OpenAIProvider(openai).sendBatch({ ...batch, metdata: {} } as never), "batch.metdata", /did you mean metadata\?$/],
    ["router sendBatch", () => router().sendBatch({ ...batch, endpont: "chat" } as never), "batch.endpont", /did you mean endpoint\?$/],
    ["runJob batch", () => router().runJob({ ...batch, endpont: "chat" } as never), "batch.endpont", /did you mean endpoint\?$/],
    ["OpenAIProvider", () => new OpenAIProvider({ ...openai, dropUnsuported: true } as never), "options.dropUnsuported", /did you mean dropUnsupported\?$/],
    ["case", () => new OpenAIProvider({ ...openai, apikey: "k" } as never), "options.apikey", /did you mean apiKey\?$/],
    ["AnthropicProvider", () => new AnthropicProvider({ apiKey: "k", apiVerison: "2023-06-01" } as never), "options.apiVerison", /did you mean apiVersion\?$/],
    ["GoogleProvider", () => new GoogleProvider({ apiKey: "k", downloadUrl: true } as never), "options.downloadUrl", /did you mean downloadUrls\?$/],
    ["AzureOpenAIProvider", () => new AzureOpenAIProvider({ apiKey: "k", endpoint: "https://x.openai.azure.com", entraTokn: "t" } as never), "options.entraTokn", /did you mean entraToken\?$/],
    ["VLLMProvider", () => new VLLMProvider({ baseUrl: "http://127.0.0.1:9/v1", concurency: 2 } as never), "options.concurency", /did you mean concurrency\?$/],
  ];
  for (const [name, call, field, message] of cases) {
    const refused = await refusal(call);
    assert.equal(refused.field, field, `${name}: ${refused.message}`);
    assert.ok(refused.message.startsWith(`${field}: unknown `), `${name}: ${refused.message}`);
    assert.match(refused.message, message, name);
  }
});

test("every known option is still taken", async () => {
  const vllm = new VLLMProvider({ baseUrl: "http://127.0.0.1:9/v1", vllmCommand: "vllm", additionalArgs: [], concurrency: 1, startTimeoutMs: 1, sidecarLog: "ignore", stateDirectory: "s", sidecarPath: "p" });
  assert.equal(vllm.name, "vllm");
  new AnthropicProvider({ apiKey: "k", apiVersion: "2023-06-01", dropUnsupported: true, model: "claude-haiku-4-5", route: "file", storage: false, storageDir: "d", requestTimeout: 5 });
  new GoogleProvider({ apiKey: "k", downloadUrls: true, timeoutHours: undefined, webhookConfig: undefined, fetch: undefined });
  new AzureOpenAIProvider({ apiKey: "k", endpoint: "https://x.openai.azure.com", apiVersion: "2025-04-01-preview", entraToken: undefined });
  const configured = router({
    prices: { "gpt-4o-mini": { input: 0.15, output: 0.6, cachedInput: 0.075, cacheWrite: 0.2, batchDiscount: 0.5 } },
    estimate: { mediaTokens: 10, defaultMaxOutputTokens: 10, countTokens: (text: string) => text.length },
    quotas: { openai: { "*": { maxEnqueuedTokens: 100, maxConcurrentBatches: 2 } } },
    retry: { maxRetries: 1, initialDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1, budgetMs: 10 },
    plan: { maxRequestsPerBatch: 10, maxBytesPerBatch: 1_000_000 },
    maxAttempts: 2,
    leaseMs: 1000,
    storageDir: "d",
    requestTimeout: 10,
    lostBatchGracePeriod: 10,
    pollInterval: 1,
    maxPollInterval: 1,
  });
  assert.ok(configured.estimate(batch, { mediaTokens: 1, prices: undefined }).maxCostUsd! > 0);
  assert.equal(configured.plan(batch, { jobId: "j", metadata: {}, maxAttempts: 1, plan: { maxRequestsPerBatch: 1 }, primeCache: false }).chunks.length, 1);
  await dryRun("openai", line, { name: "x", dropUnsupported: false, metadata: {}, route: "file", model: "gpt-4o-mini", customBaseUrl: false, endpoint: "chat" });
});

test("prices must be numbers ≥ 0 and a batch discount a share from 0 to 1, wherever they enter", async () => {
  const bad: [PriceTable, string, RegExp][] = [
    [{ "gpt-4o-mini": { input: 0.15, output: 0.6, batchDiscount: 50 } }, "gpt-4o-mini.batchDiscount", /: must be a number from 0 to 1, not the number 50 \(a share: 0\.5 is 50 %\)$/],
    [{ "gpt-4o-mini": { input: 0.15, output: 0.6, batchDiscount: -0.5 } }, "gpt-4o-mini.batchDiscount", /from 0 to 1/],
    [{ "gpt-4o-mini": { input: -1, output: 0.6 } }, "gpt-4o-mini.input", /: must be a number ≥ 0 \(US dollars per million tokens\), not the number -1$/],
    [{ "gpt-4o-mini": { input: 1, output: -0.6 } }, "gpt-4o-mini.output", /≥ 0/],
    [{ "gpt-4o-mini": { input: 1, output: 1, cachedInput: -3 } }, "gpt-4o-mini.cachedInput", /≥ 0/],
    [{ "gpt-4o-mini": { input: 1, output: 1, cacheWrite: -3 } }, "gpt-4o-mini.cacheWrite", /≥ 0/],
    [{ "gpt-4o-mini": { input: NaN, output: 1 } }, "gpt-4o-mini.input", /not the number NaN$/],
    [{ "gpt-4o-mini": { input: 1, output: Infinity } }, "gpt-4o-mini.output", /not the number Infinity$/],
    [{ "gpt-4o-mini": { input: 1, output: 1, batchDiscount: NaN } }, "gpt-4o-mini.batchDiscount", /from 0 to 1/],
    [{ "gpt-4o-mini": { input: 1 } } as never, "gpt-4o-mini.output", /: is required/],
    [{ "gpt-4o-mini": { input: 1, output: 1, cached_input: 0.5 } } as never, "gpt-4o-mini.cached_input", /: unknown field; did you mean cachedInput\?$/],
    [{ "gpt-4o-mini": { input: 1, output: 1, extra: 1 } } as never, "gpt-4o-mini.extra", /: unknown field; known fields: input, output, cachedInput, cacheWrite, batchDiscount$/],
  ];
  const emulator = new OpenAIEmulator({ apiKey: API_KEY, startClock: Math.floor(Date.now() / 1000) });
  for (const [prices, at, message] of bad) {
    const field = `options.prices.${at}`;
    const calls: [string, () => unknown][] = [
      ["estimateBatch", () => estimateBatch(batch, { prices })],
      ["estimateRequests", () => estimateRequests("openai", [request], { prices })],
      ["BatchRouter", () => router({ prices })],
      ["router.estimate", () => router().estimate(batch, { prices })],
    ];
    for (const [name, call] of calls) {
      const refused = await refusal(call);
      assert.equal(refused.field, field, `${name}: ${refused.message}`);
      assert.match(refused.message, new RegExp(`^${field.replace(/[.*]/g, "\\$&")}`), name);
      assert.match(refused.message, message, `${name}: ${refused.message}`);
    }
  }
  // A negative estimate no longer lets a job under a budget: the router refuses the prices first.
  await assert.rejects(
    async () => {
      const budgeted = new BatchRouter({
        providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch: emulator.fetch } },
        storage: new MemoryStorage(),
        ...fastRouterOptions(),
        prices: { "gpt-4o-mini": { input: 0.15, output: 0.6, batchDiscount: 50 } },
      });
      await budgeted.runJob(batch, { maxCostUsd: 0.000001 });
    },
    (error: unknown) => error instanceof ValidationError && error.field === "options.prices.gpt-4o-mini.batchDiscount",
  );
  assert.equal(emulator.received.length, 0);
});

test("quotas are checked when the router is made, at their provider, model and key", async () => {
  const cases: [object, string, RegExp][] = [
    [{ openai: { "*": { maxEnqueuedTokens: -5 } } }, "options.quotas.openai.*.maxEnqueuedTokens", /: must be a whole number ≥ 1, not the number -5$/],
    [{ openai: { "gpt-4o-mini": { maxConcurrentBatches: 1.5 } } }, "options.quotas.openai.gpt-4o-mini.maxConcurrentBatches", /whole number ≥ 1/],
    // 0 would let nothing be sent (a new-user trial found it taken as 1).
    [{ openai: { "*": { maxConcurrentBatches: 0 } } }, "options.quotas.openai.*.maxConcurrentBatches", /whole number ≥ 1, not the number 0$/],
    [{ openai: { "*": 5 } }, "options.quotas.openai.*", /: must be an object, not the number 5$/],
    [{ openai: [] }, "options.quotas.openai", /must be an object of quotas by model name/],
  ];
  for (const [quotas, field, message] of cases) {
    const refused = await refusal(() => router({ quotas }));
    assert.equal(refused.field, field, refused.message);
    assert.ok(refused.message.startsWith(`${field}: `), refused.message);
    assert.match(refused.message, message);
  }
});

test("job, wait, advance, retry and webhook options of the wrong type are refused at their key before anything happens", async () => {
  // Found by a new-user trial: maxAttempts "abc" ran as one attempt (saved as null), timeout "soon"
  // as none, budgetMs "x" stalled the job, retry values failed inside the first job, and an
  // infinite or NaN toleranceSeconds let any old delivery through with no replay record.
  const emulator = new OpenAIEmulator({ apiKey: API_KEY, startClock: Math.floor(Date.now() / 1000) });
  const jobs = () => new BatchRouter({ providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch: emulator.fetch } }, storage: new MemoryStorage(), ...fastRouterOptions() });
  const delivery = () => new Request("http://127.0.0.1/hook", { method: "POST", body: "{}", headers: { "webhook-id": "msg_1", "webhook-timestamp": String(Math.floor(Date.now() / 1000)), "webhook-signature": "v1,AAAA" } });
  const cases: [string, () => unknown, string, RegExp][] = [
    ["maxAttempts", () => jobs().runJob(batch, { maxAttempts: "abc" } as never), "options.maxAttempts", /must be a whole number ≥ 1, not a string$/],
    ["maxAttempts 0", () => jobs().submitJob(batch, { maxAttempts: 0 }), "options.maxAttempts", /whole number ≥ 1, not the number 0$/],
    ["maxCostUsd", () => jobs().startJob(batch, { maxCostUsd: "1e9" } as never), "options.maxCostUsd", /must be a number ≥ 0, not a string$/],
    ["timeout", () => jobs().runJob(batch, { timeout: "soon" } as never), "options.timeout", /must be a number ≥ 0/],
    ["timeout -1", () => jobs().runJob(batch, { timeout: -1 }), "options.timeout", /not the number -1$/],
    ["signal", () => jobs().runJob(batch, { signal: "abc" } as never), "options.signal", /must be an AbortSignal, not a string$/],
    ["onProgress", () => jobs().runJob(batch, { onProgress: 5 } as never), "options.onProgress", /must be a function, not the number 5$/],
    ["resumeJob", () => jobs().resumeJob("job", { pollInterval: "1s" } as never), "options.pollInterval", /must be a number ≥ 0/],
    ["waitForCompletion", () => jobs().waitForCompletion("batch_1", { timeOut: 5 } as never), "options.timeOut", /did you mean timeout\?$/],
    ["advanceJob budgetMs", () => jobs().advanceJob("job", { budgetMs: Infinity }), "options.budgetMs", /not the number Infinity$/],
    ["advanceJob budgetMS", () => jobs().advanceJob("job", { budgetMS: 5 } as never), "options.budgetMS", /did you mean budgetMs\?$/],
    ["plan count", () => jobs().plan(batch, { plan: { maxRequestsPerBatch: 1.5 } }), "options.plan.maxRequestsPerBatch", /whole number ≥ 1/],
    ["router retry", () => router({ retry: { maxRetries: -1 } }), "options.retry.maxRetries", /must be a whole number ≥ 0, not the number -1$/],
    ["router retry delay", () => router({ retry: { initialDelayMs: "5" } }), "options.retry.initialDelayMs", /whole number ≥ 0, not a string$/],
    ["webhook tolerance", () => jobs().handleWebhook(delivery(), { secret: "whsec_dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXk=", toleranceSeconds: Infinity }), "options.toleranceSeconds", /not the number Infinity$/],
    ["webhook NaN", () => jobs().handleWebhook(delivery(), { secret: "whsec_dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXk=", toleranceSeconds: NaN }), "options.toleranceSeconds", /not the number NaN$/],
    ["webhook key", () => jobs().handleWebhook(delivery(), { secret: "whsec_dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXk=", budgetMS: 5 } as never), "options.budgetMS", /did you mean budgetMs\?$/],
    ["verifyWebhook", () => verifyWebhook(delivery(), "whsec_dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXk=", { toleranceSeconds: "abc" } as never), "options.toleranceSeconds", /must be a number ≥ 0, not a string$/],
    ["jwt tolerance", () => verifyWebhook(delivery(), undefined, { jwt: { audience: "a", clockToleranceSeconds: NaN } }), "options.jwt.clockToleranceSeconds", /not the number NaN$/],
    ["jwt audience", () => verifyWebhook(delivery(), undefined, { jwt: {} as never }), "options.jwt.audience", /is required/],
  ];
  for (const [name, call, field, message] of cases) {
    const refused = await refusal(call);
    assert.equal(refused.field, field, `${name}: ${refused.message}`);
    assert.match(refused.message, message, name);
  }
  // Nothing reached the provider.
  assert.equal(emulator.received.length, 0);
});
