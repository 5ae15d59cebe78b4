/**
 * The provider suite every server of OpenAI's batch protocol passes (Groq, Azure OpenAI, Together AI): the
 * whole lifecycle against its emulator on 127.0.0.1, the spec check of every uploaded line, the
 * transparency files, validation before upload, cancel, list pages, typed errors, abort. Each
 * provider's own test file adds what is particular to it.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { AbortError, BatchNotCompleteError, BatchNotFoundError, MemoryStorage, ProviderError, ValidationError } from "batch-router";
import type { BatchProvider, ProviderName, UnifiedRequest } from "batch-router";

import type { OpenAIEmulator, OpenAIEmulatorOptions } from "../emulators/openai-emulator.js";
import { collect, waitUntilComplete } from "./batches.js";
import { textRequest } from "./requests.js";
import { serve, type RunningServer } from "./serve.js";

export interface ProtocolSuite {
  name: ProviderName;
  apiKey: string;
  emulator(options: OpenAIEmulatorOptions): OpenAIEmulator;
  /** The provider talking to the emulator at `origin` (e.g. `http://127.0.0.1:4321`). */
  provider(origin: string, options: { storage: MemoryStorage | false; apiKey?: string }): BatchProvider;
  /** The path prefix of the provider's routes on the emulator, e.g. `/openai/v1`. */
  pathPrefix: string;
  /** The credential header the provider sends, as `[name, value]`. */
  credential: [string, string];
  /** Requests exercising what the provider accepts, all on `model`. */
  requests: UnifiedRequest[];
  model: string;
  /** Checks a line's body against the schema the provider is held to. */
  validateBody(body: unknown): string[];
  /** Whether batch objects carry request counts (default true; Together's carry none). */
  reportsCounts?: boolean;
  /** Whether batches keep metadata (default true; Together's keep none). */
  keepsMetadata?: boolean;
  /** Whether the list pages with `limit`/`after` (default true; Together lists everything at once). */
  pagedList?: boolean;
  /** The upload route after the prefix (default `/files`). */
  uploadPath?: string;
  /** A setting the provider refuses, and the field the error names (default `topK`). */
  refused?: { generationConfig: Record<string, unknown>; field: string };
}

export function describeProtocolSuite(suite: ProtocolSuite): void {
  describe(`${suite.name}: the OpenAI-protocol provider suite against its emulator`, () => {
    let emulator: OpenAIEmulator;
    let server: RunningServer;
    let storage: MemoryStorage;
    let provider: BatchProvider;
    const path = (rest: string) => `${suite.pathPrefix}${rest}`;
    const counts = suite.reportsCounts ?? true;
    const uploadPath = suite.uploadPath ?? "/files";
    const refused = suite.refused ?? { generationConfig: { topK: 4 }, field: "generationConfig.topK" };

    before(async () => {
      emulator = suite.emulator({ apiKey: suite.apiKey, validateBody: suite.validateBody, chunkSize: 97 });
      server = await serve(emulator.fetch);
      storage = new MemoryStorage();
      provider = suite.provider(server.url, { storage });
    });

    after(async () => {
      await server.close();
    });

    test("a batch goes through the whole lifecycle and every request comes back once", async () => {
      const requests = [...suite.requests, textRequest("will-fail", "please FAIL_400", suite.model), textRequest("server-error", "FAIL_500 now", suite.model)];
      const batchId = await provider.sendBatch({ provider: suite.name, requests, metadata: { job: "lifecycle" } });
      const first = await provider.getStatus(batchId);
      assert.equal(first.provider, suite.name);
      if (counts) assert.equal(first.requestCounts.total, requests.length);
      if (suite.keepsMetadata ?? true) assert.equal(first.metadata?.job, "lifecycle");
      assert.ok(first.createdAt?.endsWith("Z"), first.createdAt);
      const seen = new Set<string>();
      for (let attempt = 0; attempt < 10; attempt++) {
        const status = await provider.getStatus(batchId);
        seen.add(status.status);
        if (status.isComplete()) break;
      }
      assert.deepEqual([...seen].sort(), ["completed", "in_progress"]);
      const done = await provider.getStatus(batchId);
      if (counts) {
        assert.equal(done.requestCounts.succeeded, requests.length - 2);
        assert.equal(done.requestCounts.errored, 2);
      }
      assert.ok(done.completedAt?.endsWith("Z"), done.completedAt);
      const results = await collect(provider.getResults(batchId));
      assert.deepEqual(results.map((result) => result.customId).sort(), requests.map((request) => request.customId).sort());
      const byId = new Map(results.map((result) => [result.customId, result]));
      assert.equal(byId.get("plain")?.response?.text, "echo: What is the capital of France?");
      assert.equal(byId.get("plain")?.response?.finishReason, "stop");
      assert.equal(byId.get("will-fail")?.error?.httpStatus, 400);
      assert.equal(byId.get("will-fail")?.error?.retryable, false);
      assert.equal(byId.get("server-error")?.error?.retryable, true);
    });

    test("every uploaded line passes the schema check, and the upload carries the provider's credential", async () => {
      const batchId = await provider.sendBatch({ provider: suite.name, requests: suite.requests });
      const status = await provider.getStatus(batchId);
      assert.notEqual(status.status, "failed", JSON.stringify(status.errors));
      const upload = emulator.received.find((request) => request.method === "POST" && request.path === path(uploadPath));
      assert.ok(upload, "an upload was received");
      assert.equal(upload.headers[suite.credential[0]], suite.credential[1]);
      assert.match(upload.headers["content-type"]!, /^multipart\/form-data; boundary=/);
    });

    test("canary: a body that breaks the schema fails the batch in the emulator", async () => {
      // A wrong value of a key batch-router does not check itself (`temperature` is checked as the unified setting).
      const broken = { ...textRequest("broken", "x", suite.model), providerKwargs: { response_format: 5 } };
      const batchId = await provider.sendBatch({ provider: suite.name, requests: [broken] });
      const status = await provider.getStatus(batchId);
      assert.equal(status.status, "failed");
      assert.match(JSON.stringify(status.errors), /violates the spec/);
    });

    test("the transparency files hold requests, provider lines, output and results, and no key", async () => {
      const requests = [textRequest("t1", "one", suite.model), textRequest("t2", "two", suite.model)];
      const batchId = await provider.sendBatch({ provider: suite.name, requests });
      await waitUntilComplete(provider, batchId);
      await collect(provider.getResults(batchId));
      const base = `generated/${suite.name}/batch_${batchId}_`;
      const unified = (await storage.read(`${base}unified.jsonl`))!.trim().split("\n").map((line) => JSON.parse(line));
      assert.deepEqual(unified, requests);
      const lines = (await storage.read(`${base}provider.jsonl`))!.trim().split("\n").map((line) => JSON.parse(line));
      assert.deepEqual(lines.map((line) => [line.custom_id, line.url]), [["t1", "/v1/chat/completions"], ["t2", "/v1/chat/completions"]]);
      const results = (await storage.read(`${base}results.jsonl`))!.trim().split("\n").map((line) => JSON.parse(line));
      assert.deepEqual(results.map((result) => result.status), ["succeeded", "succeeded"]);
      assert.equal(JSON.parse((await storage.read(`${base}meta.json`))!).provider, suite.name);
      for (const file of storage.files.keys()) assert.ok(!(await storage.read(file))!.includes(suite.apiKey), `${file} holds the key`);
    });

    test("invalid requests are refused before anything is sent, naming index, id and field", async () => {
      const count = emulator.received.length;
      await assert.rejects(
        provider.sendBatch({ provider: suite.name, requests: [textRequest("ok", "fine", suite.model), { ...textRequest("bad", "x", suite.model), generationConfig: refused.generationConfig }] }),
        (error: unknown) => {
          assert.ok(error instanceof ValidationError);
          assert.equal(error.index, 1);
          assert.equal(error.customId, "bad");
          assert.equal(error.field, refused.field);
          return true;
        },
      );
      await assert.rejects(provider.sendBatch({ provider: "anthropic", requests: [textRequest("a", "x", suite.model)] }), ValidationError);
      assert.equal(emulator.received.length, count);
    });

    test("results of a running batch are refused; cancel keeps partial results; listing follows pages", async () => {
      const running = await provider.sendBatch({ provider: suite.name, requests: [textRequest("r", "x", suite.model)] });
      await assert.rejects(collect(provider.getResults(running)), BatchNotCompleteError);
      const requests = Array.from({ length: 6 }, (_, index) => textRequest(`c${index}`, `item ${index}`, suite.model));
      const batchId = await provider.sendBatch({ provider: suite.name, requests });
      assert.equal(await provider.cancelBatch(batchId), true);
      const status = await provider.getStatus(batchId);
      assert.equal(status.status, "cancelled");
      if (counts) assert.equal(status.requestCounts.cancelled, 3);
      const results = await collect(provider.getResults(batchId));
      assert.equal(results.filter((result) => result.status === "cancelled").length, 3);
      assert.equal(await provider.cancelBatch(batchId), false);
      if (!(suite.pagedList ?? true)) {
        const all = await provider.listBatchPage({ limit: 2 });
        assert.ok(all.batches.length > 2 && !all.hasMore, "the whole list in one answer");
        assert.ok(all.batches.some((batch) => batch.batchId === batchId && batch.status === "cancelled"));
        return;
      }
      const page = await provider.listBatchPage({ limit: 2 });
      assert.equal(page.batches.length, 2);
      assert.equal(page.hasMore, true);
      const next = await provider.listBatchPage({ limit: 2, after: page.nextCursor });
      assert.notEqual(next.batches[0]!.batchId, page.batches[1]!.batchId);
    });

    test("an expired or cancelled batch without lines for its unfinished requests still gives one result per request", async () => {
      const silent = suite.emulator({ apiKey: suite.apiKey, endWith: () => "expired", unfinishedLines: false });
      const silentServer = await serve(silent.fetch);
      try {
        const kept = suite.provider(silentServer.url, { storage: new MemoryStorage() });
        const requests = Array.from({ length: 4 }, (_, index) => textRequest(`e${index}`, `item ${index}`, suite.model));
        const expiring = await kept.sendBatch({ provider: suite.name, requests });
        await waitUntilComplete(kept, expiring);
        const status = await kept.getStatus(expiring);
        assert.equal(status.status, "expired");
        const results = await collect(kept.getResults(expiring));
        assert.deepEqual(results.map((result) => [result.customId, result.status]), [["e0", "succeeded"], ["e1", "succeeded"], ["e2", "expired"], ["e3", "expired"]]);
        assert.deepEqual(results[2]!.error, { code: "batch_expired", message: `batch ${expiring} expired and gave no result for this request`, retryable: true });
        if (counts) assert.equal(status.requestCounts.expired, results.filter((result) => result.status === "expired").length);
        const cancelling = await kept.sendBatch({ provider: suite.name, requests: requests.map((request) => ({ ...request, customId: `x${request.customId}` })) });
        assert.equal(await kept.cancelBatch(cancelling), true);
        const cancelled = await collect(kept.getResults(cancelling));
        assert.deepEqual(cancelled.map((result) => [result.customId, result.status]), [["xe0", "succeeded"], ["xe1", "succeeded"], ["xe2", "cancelled"], ["xe3", "cancelled"]]);
        assert.equal(cancelled[3]!.error?.code, "batch_cancelled");
        // Without a record of the batch's requests nothing is made: no id is guessed.
        const unrecorded = suite.provider(silentServer.url, { storage: false });
        assert.deepEqual((await collect(unrecorded.getResults(expiring))).map((result) => result.customId), ["e0", "e1"]);
      } finally {
        await silentServer.close();
      }
    });

    test("unknown batches, rate limits, server errors and wrong keys become typed errors", async () => {
      await assert.rejects(provider.getStatus("batch_nope"), BatchNotFoundError);
      emulator.failNext("GET", /^\/batches\//, 429, { error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" } });
      await assert.rejects(provider.getStatus("batch_000001"), (error: unknown) => {
        assert.ok(error instanceof ProviderError);
        assert.equal(error.status, 429);
        assert.equal(error.retryable, true);
        return true;
      });
      emulator.failNext("POST", new RegExp(`^${uploadPath}$`), 500, { error: { message: "The server had an error", type: "server_error" } });
      await assert.rejects(provider.sendBatch({ provider: suite.name, requests: [textRequest("e", "x", suite.model)] }), (error: unknown) => {
        assert.ok(error instanceof ProviderError && error.status === 500 && error.retryable);
        return true;
      });
      const wrongKey = suite.provider(server.url, { storage: false, apiKey: "wrong-key-0123" });
      await assert.rejects(wrongKey.getStatus("batch_000001"), (error: unknown) => {
        assert.ok(error instanceof ProviderError);
        assert.equal(error.status, 401);
        assert.ok(!error.message.includes("wrong-key-0123"));
        return true;
      });
    });

    test("an aborted call rejects with AbortError", async () => {
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(provider.getStatus("batch_000001", { signal: controller.signal }), AbortError);
    });
  });
}
