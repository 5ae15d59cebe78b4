/**
 * OpenAIProvider end to end against the OpenAI emulator on 127.0.0.1: the whole lifecycle, the
 * transparency files, errors, cancellation, listing, abort — through the built package.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import {
  AbortError,
  BatchNotCompleteError,
  BatchNotFoundError,
  ConfigurationError,
  MemoryStorage,
  OpenAIProvider,
  ProviderError,
  ValidationError,
} from "batch-router";

import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { openAIRequests, textRequest } from "../support/requests.js";
import { serve, type RunningServer } from "../support/serve.js";
import { specValidator } from "../support/spec-validator.js";
import { collect, waitUntilComplete } from "../support/batches.js";

const API_KEY = "fake-test-emulator-key-0123456789abcdef";

describe("OpenAIProvider against the emulator", () => {
  let emulator: OpenAIEmulator;
  let server: RunningServer;
  let storage: MemoryStorage;
  let provider: OpenAIProvider;

  before(async () => {
    emulator = new OpenAIEmulator({
      apiKey: API_KEY,
      validateBody: specValidator("openai", "CreateChatCompletionRequest"),
      chunkSize: 97,
    });
    server = await serve(emulator.fetch);
    storage = new MemoryStorage();
    provider = new OpenAIProvider({ apiKey: API_KEY, baseUrl: `${server.url}/v1`, storage });
  });

  after(async () => {
    await server.close();
  });

  test("a batch goes through the whole lifecycle and every request comes back once", async () => {
    const requests = [...openAIRequests(), textRequest("will-fail", "please FAIL_400"), textRequest("server-error", "FAIL_500 now")];
    const batchId = await provider.sendBatch({ provider: "openai", requests, metadata: { job: "lifecycle" } });
    assert.match(batchId, /^batch_/);

    const first = await provider.getStatus(batchId);
    assert.equal(first.provider, "openai");
    assert.equal(first.requestCounts.total, requests.length);
    assert.equal(first.isComplete(), false);
    assert.equal(first.metadata?.job, "lifecycle");
    assert.ok(first.createdAt?.endsWith("Z"));

    const seen = new Set<string>([first.rawStatus]);
    for (let attempt = 0; attempt < 10; attempt++) {
      const status = await provider.getStatus(batchId);
      seen.add(status.rawStatus);
      if (status.isComplete()) break;
    }
    assert.deepEqual([...seen].sort(), ["completed", "finalizing", "in_progress"]);
    const done = await provider.getStatus(batchId);
    assert.equal(done.status, "completed");
    assert.equal(done.requestCounts.succeeded, requests.length - 2);
    assert.equal(done.requestCounts.errored, 2);

    const results = await collect(provider.getResults(batchId));
    assert.deepEqual(results.map((result) => result.customId).sort(), requests.map((request) => request.customId).sort());
    const byId = new Map(results.map((result) => [result.customId, result]));
    const plain = byId.get("plain")!;
    assert.equal(plain.status, "succeeded");
    assert.equal(plain.response?.text, "echo: What is the capital of France?");
    assert.equal(plain.response?.finishReason, "stop");
    assert.equal(plain.response?.model, "gpt-4o-mini");
    assert.ok((plain.response?.usage?.inputTokens ?? 0) > 0);
    assert.equal((plain.response?.raw as { object: string }).object, "chat.completion");
    const failed = byId.get("will-fail")!;
    assert.equal(failed.status, "errored");
    assert.equal(failed.error?.httpStatus, 400);
    assert.equal(failed.error?.retryable, false);
    assert.equal(byId.get("server-error")?.error?.retryable, true);
  });

  test("the transparency files hold requests, provider lines, raw output and results, and no key", async () => {
    const requests = [textRequest("t1", "one"), textRequest("t2", "two")];
    const batchId = await provider.sendBatch({ provider: "openai", requests });
    await waitUntilComplete(provider, batchId);
    await collect(provider.getResults(batchId));
    const base = `generated/openai/batch_${batchId}_`;
    const unified = (await storage.read(`${base}unified.jsonl`))!.trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(unified, requests);
    const lines = (await storage.read(`${base}provider.jsonl`))!.trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(lines.map((line) => [line.custom_id, line.url]), [["t1", "/v1/chat/completions"], ["t2", "/v1/chat/completions"]]);
    const output = (await storage.read(`${base}output.jsonl`))!.trim().split("\n");
    assert.equal(output.length, 2);
    const results = (await storage.read(`${base}results.jsonl`))!.trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(results.map((result) => result.status), ["succeeded", "succeeded"]);
    const meta = JSON.parse((await storage.read(`${base}meta.json`))!);
    assert.equal(meta.summary.requestCount, 2);
    for (const path of storage.files.keys()) {
      assert.ok(!(await storage.read(path))!.includes(API_KEY), `${path} holds the API key`);
    }
  });

  test("what we upload is what the spec accepts (the emulator checks every line)", async () => {
    const batchId = await provider.sendBatch({ provider: "openai", requests: openAIRequests() });
    const status = await provider.getStatus(batchId);
    assert.notEqual(status.status, "failed", JSON.stringify(status.errors));
    const upload = emulator.received.find((request) => request.path === "/v1/files" && request.method === "POST");
    assert.match(upload!.headers["content-type"]!, /^multipart\/form-data; boundary=/);
    assert.equal(upload!.headers.authorization, `Bearer ${API_KEY}`);
  });

  test("invalid requests are refused before anything is sent", async () => {
    const before = emulator.received.length;
    await assert.rejects(
      provider.sendBatch({
        provider: "openai",
        requests: [textRequest("ok", "fine"), { ...textRequest("bad", "x"), generationConfig: { topK: 4 } }],
      }),
      (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.equal(error.index, 1);
        assert.equal(error.customId, "bad");
        assert.equal(error.field, "generationConfig.topK");
        return true;
      },
    );
    await assert.rejects(provider.sendBatch({ provider: "openai", requests: [textRequest("d", "x"), textRequest("d", "y")] }), /duplicate customId/);
    await assert.rejects(provider.sendBatch({ provider: "anthropic", requests: [textRequest("a", "x")] }), ValidationError);
    assert.equal(emulator.received.length, before);
  });

  test("dropUnsupported leaves out what OpenAI cannot take, and says so", async () => {
    const lenient = new OpenAIProvider({ apiKey: API_KEY, baseUrl: `${server.url}/v1`, storage: false, dropUnsupported: true });
    const prepared = lenient.prepareBatch([{ ...textRequest("k", "x"), generationConfig: { topK: 4, temperature: 0.5 } }]);
    assert.equal(prepared.summary.warnings.length, 1);
    assert.equal(prepared.summary.warnings[0]!.field, "generationConfig.topK");
    const body = JSON.parse(prepared.providerJsonl).body;
    assert.equal(body.top_k, undefined);
    assert.equal(body.temperature, 0.5);
  });

  test("results of a running batch are refused with BatchNotCompleteError", async () => {
    const batchId = await provider.sendBatch({ provider: "openai", requests: [textRequest("r", "x")] });
    await assert.rejects(collect(provider.getResults(batchId)), BatchNotCompleteError);
  });

  test("cancel is true while running, false once the batch has ended, and keeps partial results", async () => {
    const requests = Array.from({ length: 6 }, (_, index) => textRequest(`c${index}`, `item ${index}`));
    const batchId = await provider.sendBatch({ provider: "openai", requests });
    assert.equal(await provider.cancelBatch(batchId), true);
    const status = await provider.getStatus(batchId);
    assert.equal(status.status, "cancelled");
    assert.equal(status.requestCounts.succeeded, 3);
    assert.equal(status.requestCounts.cancelled, 3);
    const results = await collect(provider.getResults(batchId));
    assert.equal(results.filter((result) => result.status === "succeeded").length, 3);
    assert.equal(results.filter((result) => result.status === "cancelled").length, 3);
    assert.equal(await provider.cancelBatch(batchId), false);
  });

  test("listing follows pages", async () => {
    for (let index = 0; index < 3; index++) await provider.sendBatch({ provider: "openai", requests: [textRequest(`l${index}`, "x")] });
    const page = await provider.listBatchPage({ limit: 2 });
    assert.equal(page.batches.length, 2);
    assert.equal(page.hasMore, true);
    const next = await provider.listBatchPage({ limit: 2, after: page.nextCursor });
    assert.notEqual(next.batches[0]!.batchId, page.batches[1]!.batchId);
    const five = await provider.listBatches({ limit: 5 });
    assert.equal(five.length, 5);
    assert.equal(new Set(five.map((batch) => batch.batchId)).size, 5);
    const pageRequests = emulator.received.filter((request) => request.path.startsWith("/v1/batches?"));
    assert.ok(pageRequests.some((request) => request.path.includes("after=")));
  });

  test("unknown batches, rate limits and server errors become typed errors", async () => {
    await assert.rejects(provider.getStatus("batch_nope"), (error: unknown) => {
      assert.ok(error instanceof BatchNotFoundError);
      assert.equal(error.batchId, "batch_nope");
      return true;
    });
    emulator.failNext("GET", /^\/batches\//, 429, { error: { message: "Rate limit reached", type: "requests", param: null, code: "rate_limit_exceeded" } }, { "x-request-id": "req_rate" });
    await assert.rejects(provider.getStatus("batch_000001"), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.status, 429);
      assert.equal(error.retryable, true);
      assert.equal(error.requestId, "req_rate");
      assert.match(error.message, /Rate limit reached/);
      return true;
    });
    emulator.failNext("POST", /^\/files$/, 500, { error: { message: "The server had an error", type: "server_error", param: null, code: null } });
    await assert.rejects(provider.sendBatch({ provider: "openai", requests: [textRequest("e", "x")] }), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.status, 500);
      assert.equal(error.retryable, true);
      return true;
    });
    const wrongKey = new OpenAIProvider({ apiKey: "sk-wrong", baseUrl: `${server.url}/v1`, storage: false });
    await assert.rejects(wrongKey.getStatus("batch_000001"), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.status, 401);
      assert.ok(!error.message.includes("sk-wrong"));
      return true;
    });
  });

  test("a malformed line in a result file becomes an errored result, the rest still arrive", async () => {
    const batchId = await provider.sendBatch({ provider: "openai", requests: [textRequest("m1", "x"), textRequest("m2", "y")] });
    const status = await waitUntilComplete(provider, batchId);
    const outputFileId = (status.raw as { output_file_id: string }).output_file_id;
    const content = emulator.files.get(outputFileId)!.content;
    emulator.setFileContent(outputFileId, content.replace(/^\{/, "{ broken"));
    const results = await collect(provider.getResults(batchId));
    assert.equal(results.length, 2);
    assert.equal(results.filter((result) => result.error?.code === "malformed_result_line").length, 1);
    assert.equal(results.filter((result) => result.status === "succeeded").length, 1);
  });

  test("an aborted call rejects with AbortError", async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(provider.getStatus("batch_000001", { signal: controller.signal }), AbortError);
  });

  test("an injected fetch is used for every call", async () => {
    const calls: string[] = [];
    const injected = new OpenAIProvider({
      apiKey: API_KEY,
      baseUrl: "http://emulated.invalid/v1",
      storage: false,
      fetch: async (request) => {
        calls.push(`${request.method} ${new URL(request.url).pathname}`);
        return emulator.fetch(request);
      },
    });
    const batchId = await injected.sendBatch({ provider: "openai", requests: [textRequest("i", "x")] });
    await injected.getStatus(batchId);
    assert.deepEqual(calls, ["POST /v1/files", "POST /v1/batches", `GET /v1/batches/${batchId}`]);
  });

  test("a missing key is a configuration error that names the variable", () => {
    const saved = process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_API_KEY;
    try {
      assert.throws(() => new OpenAIProvider(), (error: unknown) => error instanceof ConfigurationError && /OPENAI_API_KEY/.test(error.message));
    } finally {
      if (saved !== undefined) process.env.OPENAI_API_KEY = saved;
    }
  });
});
