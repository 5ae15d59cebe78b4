/**
 * XAIProvider end to end against the xAI emulator (endpoints-and-push.md §5.2). xAI publishes no
 * OpenAPI document in ../shared/specs and its REST shapes are known from third-party clients, so:
 * every uploaded line is checked against OpenAI's CreateChatCompletionRequest (xAI's chat body is
 * OpenAI's), and the create body, the batch object, the paginated results and the cancel route
 * against the reference's shapes (the emulator refuses anything else). The canary proves the
 * line check bites.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { AbortError, BatchNotCompleteError, BatchNotFoundError, ConfigurationError, MemoryStorage, ProviderError, ValidationError, XAIProvider } from "batch-router";

import { XAIEmulator } from "../emulators/xai-emulator.js";
import { collect, waitUntilComplete } from "../support/batches.js";
import { openAIRequests, textRequest } from "../support/requests.js";
import { serve, type RunningServer } from "../support/serve.js";
import { specValidator } from "../support/spec-validator.js";

const API_KEY = "fake-xai-emulator-key-0123456789";
const MODEL = "grok-3-mini";
const validateBody = specValidator("openai", "CreateChatCompletionRequest");
/** xAI takes no document parts (limits.rs), so the suite leaves the PDF request out. */
const requests = openAIRequests(MODEL).filter((request) => !JSON.stringify(request).includes('"document"'));

describe("xai: the provider suite against its emulator", () => {
  let emulator: XAIEmulator;
  let server: RunningServer;
  let storage: MemoryStorage;
  let provider: XAIProvider;

  before(async () => {
    emulator = new XAIEmulator({ apiKey: API_KEY, validateBody, maxPageSize: 2 });
    server = await serve(emulator.fetch);
    storage = new MemoryStorage();
    provider = new XAIProvider({ apiKey: API_KEY, baseUrl: `${server.url}/v1`, storage });
  });

  after(async () => {
    await server.close();
  });

  test("a batch goes through the whole lifecycle, status derived from counters, results read page by page", async () => {
    const all = [...requests, textRequest("will-fail", "please FAIL_400", MODEL), textRequest("server-error", "FAIL_500 now", MODEL)];
    const batchId = await provider.sendBatch({ provider: "xai", requests: all, metadata: { name: "nightly" } });
    const create = emulator.received.find((request) => request.method === "POST" && request.path === "/v1/batches")!;
    assert.deepEqual(JSON.parse(create.bodyText), { input_file_id: JSON.parse(create.bodyText).input_file_id, name: "nightly" });
    const upload = emulator.received.find((request) => request.path === "/v1/files")!;
    assert.equal(upload.headers.authorization, `Bearer ${API_KEY}`);
    assert.doesNotMatch(upload.bodyText, /name="purpose"/);
    const seen: string[] = [];
    for (let attempt = 0; attempt < 10; attempt++) {
      const status = await provider.getStatus(batchId);
      seen.push(status.rawStatus);
      if (status.isComplete()) break;
    }
    assert.deepEqual(seen, ["in_progress", "in_progress", "completed"]);
    const done = await provider.getStatus(batchId);
    assert.equal(done.provider, "xai");
    assert.equal(done.requestCounts.total, all.length);
    assert.equal(done.requestCounts.succeeded, all.length - 2);
    assert.equal(done.requestCounts.errored, 2);
    assert.equal(done.metadata?.name, "nightly");
    assert.ok(done.createdAt?.endsWith("Z"), done.createdAt);
    const results = await collect(provider.getResults(batchId));
    assert.deepEqual(results.map((result) => result.customId).sort(), all.map((request) => request.customId).sort());
    const pages = emulator.received.filter((request) => request.path.startsWith(`/v1/batches/${batchId}/results`));
    assert.equal(pages.length, Math.ceil(all.length / 2), "one call per page of 2");
    assert.match(pages[1]!.path, /pagination_token=page-2/);
    const byId = new Map(results.map((result) => [result.customId, result]));
    assert.equal(byId.get("plain")?.response?.text, "echo: What is the capital of France?");
    assert.equal(byId.get("plain")?.response?.usage?.inputTokens, "What is the capital of France?".length);
    assert.equal(byId.get("will-fail")?.status, "errored");
    assert.equal(byId.get("will-fail")?.error?.retryable, false);
    assert.equal(byId.get("server-error")?.error?.retryable, true);
  });

  test("a fresh batch is validating until its requests are counted in", async () => {
    const batchId = await provider.sendBatch({ provider: "xai", requests: [textRequest("v", "x", MODEL)] });
    const create = JSON.parse(emulator.received.at(-1)!.bodyText);
    assert.equal(create.name, "batch-router");
    const status = await provider.listBatchPage({ limit: 1 });
    assert.equal(status.batches[0]!.batchId, batchId);
    assert.equal(status.batches[0]!.status, "validating");
    await assert.rejects(collect(provider.getResults(batchId)), BatchNotCompleteError);
  });

  test("canary: a body that breaks the schema is refused by the emulator", async () => {
    // A wrong value of a key batch-router does not check itself (`temperature` is checked as the unified setting).
    const broken = { ...textRequest("broken", "x", MODEL), providerKwargs: { response_format: 5 } };
    await assert.rejects(provider.sendBatch({ provider: "xai", requests: [broken] }), (error: unknown) => {
      assert.ok(error instanceof ProviderError && error.status === 400 && /violates the spec/.test(error.message), String(error));
      return true;
    });
  });

  test("the transparency files hold requests, provider lines, output and results, and no key", async () => {
    const sent = [textRequest("t1", "one", MODEL), textRequest("t2", "two", MODEL), textRequest("t3", "three", MODEL)];
    const batchId = await provider.sendBatch({ provider: "xai", requests: sent });
    await waitUntilComplete(provider, batchId);
    await collect(provider.getResults(batchId));
    const base = `generated/xai/batch_${batchId}_`;
    assert.deepEqual((await storage.read(`${base}unified.jsonl`))!.trim().split("\n").map((line) => JSON.parse(line)), sent);
    const lines = (await storage.read(`${base}provider.jsonl`))!.trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(lines.map((line) => [line.custom_id, line.url]), [["t1", "/v1/chat/completions"], ["t2", "/v1/chat/completions"], ["t3", "/v1/chat/completions"]]);
    const output = (await storage.read(`${base}output.jsonl`))!.trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(output.map((line) => line.batch_request_id), ["t1", "t2", "t3"], "the raw results of every page, as xAI wrote them");
    const results = (await storage.read(`${base}results.jsonl`))!.trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(results.map((result) => result.status), ["succeeded", "succeeded", "succeeded"]);
    for (const file of storage.files.keys()) assert.ok(!(await storage.read(file))!.includes(API_KEY), `${file} holds the key`);
  });

  test("invalid requests are refused before anything is sent, naming index, id and field", async () => {
    const count = emulator.received.length;
    await assert.rejects(
      provider.sendBatch({ provider: "xai", requests: [textRequest("ok", "fine", MODEL), { ...textRequest("bad", "x", MODEL), generationConfig: { topK: 4 } }] }),
      (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.equal(error.index, 1);
        assert.equal(error.customId, "bad");
        assert.equal(error.field, "generationConfig.topK");
        return true;
      },
    );
    assert.equal(emulator.received.length, count);
  });

  test("cancel ends pending requests; listing follows pages", async () => {
    const sent = Array.from({ length: 6 }, (_, index) => textRequest(`c${index}`, `item ${index}`, MODEL));
    const batchId = await provider.sendBatch({ provider: "xai", requests: sent });
    // One read counts the requests in; cancelBatch's own read runs half of them.
    await provider.getStatus(batchId);
    assert.equal(await provider.cancelBatch(batchId), true);
    assert.equal(emulator.received.at(-1)!.path, `/v1/batches/${batchId}:cancel`);
    const status = await provider.getStatus(batchId);
    assert.equal(status.status, "cancelled");
    assert.equal(status.requestCounts.cancelled, 3);
    assert.equal(status.requestCounts.succeeded, 3);
    // The requests done before the cancel, and one `cancelled` result for each of the others.
    const results = await collect(provider.getResults(batchId));
    assert.equal(results.length, 6);
    assert.equal(results.filter((result) => result.status === "succeeded").length, 3, "the requests done before the cancel");
    const cancelled = results.filter((result) => result.status === "cancelled");
    assert.deepEqual(cancelled.map((result) => result.error?.code), ["batch_cancelled", "batch_cancelled", "batch_cancelled"]);
    assert.deepEqual(new Set(results.map((result) => result.customId)), new Set(sent.map((request) => request.customId)));
    const page = await provider.listBatchPage({ limit: 2 });
    assert.equal(page.batches.length, 2);
    assert.equal(page.hasMore, true);
    const next = await provider.listBatchPage({ limit: 2, after: page.nextCursor });
    assert.notEqual(next.batches[0]!.batchId, page.batches[1]!.batchId);
  });

  test("unknown batches, rate limits and wrong keys become typed errors; an abort is an AbortError", async () => {
    await assert.rejects(provider.getStatus("batch_nope"), BatchNotFoundError);
    emulator.failNext("GET", /^\/batches\//, 429, { code: "resource_exhausted", error: "Too many requests" });
    await assert.rejects(provider.getStatus("batch_000001"), (error: unknown) => {
      assert.ok(error instanceof ProviderError && error.status === 429 && error.retryable);
      assert.match(error.message, /Too many requests/);
      return true;
    });
    emulator.failNext("GET", /\/results$/, 500, { code: "internal", error: "boom" });
    const batchId = await provider.sendBatch({ provider: "xai", requests: [textRequest("p", "x", MODEL)] });
    await waitUntilComplete(provider, batchId);
    await assert.rejects(collect(provider.getResults(batchId)), (error: unknown) => error instanceof ProviderError && error.status === 500);
    const wrongKey = new XAIProvider({ apiKey: "wrong-key-0123", baseUrl: `${server.url}/v1`, storage: false });
    await assert.rejects(wrongKey.getStatus("batch_000001"), (error: unknown) => {
      assert.ok(error instanceof ProviderError && error.status === 401 && !error.message.includes("wrong-key-0123"));
      return true;
    });
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(provider.getStatus("batch_000001", { signal: controller.signal }), AbortError);
  });
});

test("xai: the default base URL is xAI's, documents are refused with a named field, a missing key names XAI_API_KEY", async () => {
  const calls: string[] = [];
  const provider = new XAIProvider({
    apiKey: API_KEY,
    storage: false,
    fetch: async (request) => {
      calls.push(request.url);
      return new Response(JSON.stringify({ code: "not_found", error: "no" }), { status: 404 });
    },
  });
  await assert.rejects(provider.getStatus("b1"), BatchNotFoundError);
  assert.deepEqual(calls, ["https://api.x.ai/v1/batches/b1"]);
  const pdf = openAIRequests().find((request) => JSON.stringify(request).includes('"document"'))!;
  assert.throws(
    () => provider.prepareBatch([textRequest("ok", "x"), pdf]),
    (error: unknown) => error instanceof ValidationError && error.index === 1 && error.customId === pdf.customId && /xAI does not accept documents/.test(error.message),
  );
  const saved = process.env.XAI_API_KEY;
  delete process.env.XAI_API_KEY;
  try {
    assert.throws(() => new XAIProvider(), (error: unknown) => error instanceof ConfigurationError && /XAI_API_KEY/.test(error.message));
  } finally {
    if (saved !== undefined) process.env.XAI_API_KEY = saved;
  }
});
