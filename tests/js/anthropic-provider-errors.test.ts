/**
 * AnthropicProvider against the emulator when things go wrong: Anthropic's error bodies become
 * typed errors (404, 401, 400, 429, 529, 500), malformed answers, aborted calls, and an injected
 * fetch that carries every call including the download from `results_url`.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import {
  AbortError,
  AnthropicProvider,
  BatchNotCompleteError,
  BatchNotFoundError,
  ConfigurationError,
  InvalidResponseError,
  ProviderError,
  type UnifiedResult,
} from "batch-router";

import { AnthropicEmulator, anthropicErrorBody } from "../emulators/anthropic-emulator.js";
import { anthropicTextRequest } from "../support/anthropic-requests.js";
import { serve, type RunningServer } from "../support/serve.js";
import { specValidator } from "../support/spec-validator.js";
import { collect } from "../support/batches.js";

const API_KEY = "fake-anthropic-test-errors-key-fedcba9876543210";

/** Sends a batch and reads its status until the emulator has ended it. */
async function endedBatch(provider: AnthropicProvider, texts: string[]): Promise<string> {
  const requests = texts.map((text, index) => anthropicTextRequest(`r${index}`, text));
  const batchId = await provider.sendBatch({ provider: "anthropic", requests });
  for (let attempt = 0; attempt < 10; attempt++) {
    if ((await provider.getStatus(batchId)).isComplete()) return batchId;
  }
  throw new Error(`batch ${batchId} did not end`);
}

describe("AnthropicProvider errors against the emulator", () => {
  let emulator: AnthropicEmulator;
  let server: RunningServer;
  let provider: AnthropicProvider;

  before(async () => {
    emulator = new AnthropicEmulator({
      apiKey: API_KEY,
      validateRequest: specValidator("anthropic", "MessageBatchIndividualRequestParams"),
      chunkSize: 16,
    });
    server = await serve(emulator.fetch);
    provider = new AnthropicProvider({ apiKey: API_KEY, baseUrl: server.url, storage: false });
  });

  after(async () => {
    await server.close();
  });

  test("an unknown batch is BatchNotFoundError, for status, cancel, delete and results", async () => {
    const check = (error: unknown) => {
      assert.ok(error instanceof BatchNotFoundError, String(error));
      assert.equal(error.batchId, "msgbatch_nope");
      assert.equal(error.status, 404);
      assert.equal(error.retryable, false);
      assert.match(error.requestId!, /^req_/);
      return true;
    };
    await assert.rejects(provider.getStatus("msgbatch_nope"), check);
    await assert.rejects(provider.cancelBatch("msgbatch_nope"), check);
    await assert.rejects(provider.deleteBatch("msgbatch_nope"), check);
    await assert.rejects(collect(provider.getResults("msgbatch_nope")), check);
  });

  test("429 with retry-after and 529 overloaded are retryable provider errors", async () => {
    const batchId = await endedBatch(provider, ["x"]);
    emulator.failNext("GET", /^\/v1\/messages\/batches\//, 429, anthropicErrorBody("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"), {
      "retry-after": "17",
      "request-id": "req_rate_limited",
    });
    await assert.rejects(provider.getStatus(batchId), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.ok(!(error instanceof BatchNotFoundError));
      assert.deepEqual([error.provider, error.status, error.retryable, error.errorType], ["anthropic", 429, true, "rate_limit_error"]);
      assert.equal(error.requestId, "req_rate_limited");
      assert.match(error.message, /per-minute rate limit/);
      assert.deepEqual((error.body as { error: { type: string } }).error.type, "rate_limit_error");
      return true;
    });
    emulator.failNext("POST", /^\/v1\/messages\/batches$/, 529, anthropicErrorBody("overloaded_error", "Overloaded"));
    await assert.rejects(provider.sendBatch({ provider: "anthropic", requests: [anthropicTextRequest("o", "x")] }), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.deepEqual([error.status, error.retryable, error.errorType, error.message], [529, true, "overloaded_error", "anthropic API error (HTTP 529): Overloaded"]);
      return true;
    });
    emulator.failNext("GET", /^\/v1\/messages\/batches$/, 529, anthropicErrorBody("overloaded_error", "Overloaded"));
    await assert.rejects(provider.listBatchPage(), (error: unknown) => error instanceof ProviderError && error.status === 529 && error.retryable);
  });

  test("a failed download from results_url is a retryable provider error", async () => {
    const batchId = await endedBatch(provider, ["x", "y"]);
    emulator.failNext("GET", /^\/files\/results\//, 500, anthropicErrorBody("api_error", "Internal server error"));
    await assert.rejects(collect(provider.getResults(batchId)), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.deepEqual([error.status, error.retryable, error.errorType], [500, true, "api_error"]);
      return true;
    });
    assert.equal((await collect(provider.getResults(batchId))).length, 2, "the next try succeeds");
  });

  test("a wrong key is a 401 that is not retryable and never echoes a key", async () => {
    const wrongKey = new AnthropicProvider({ apiKey: "sk-ant-wrong-key", baseUrl: server.url, storage: false });
    await assert.rejects(wrongKey.getStatus("msgbatch_any"), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.deepEqual([error.status, error.retryable, error.errorType], [401, false, "authentication_error"]);
      assert.ok(!error.message.includes("sk-ant-wrong-key") && !error.message.includes(API_KEY));
      assert.ok(!JSON.stringify(error.body).includes(API_KEY) && !JSON.stringify(error.body).includes("sk-ant-wrong-key"));
      return true;
    });
  });

  test("a request the API refuses is a 400 invalid_request_error naming the request", async () => {
    const before = emulator.batches.size;
    // A field the params do not have is refused before upload; a known field with a wrong value reaches the API.
    const unknown = { ...anthropicTextRequest("odd", "x"), providerKwargs: { not_a_messages_field: true } };
    await assert.rejects(provider.sendBatch({ provider: "anthropic", requests: [unknown] }), { code: "validation", field: "providerKwargs.not_a_messages_field" });
    // (`top_k` is checked as the unified topK before upload; `stop_sequences` is not checked.)
    const request = { ...anthropicTextRequest("odd", "x"), providerKwargs: { stop_sequences: "END" } };
    await assert.rejects(provider.sendBatch({ provider: "anthropic", requests: [anthropicTextRequest("fine", "x"), request] }), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.deepEqual([error.status, error.retryable, error.errorType], [400, false, "invalid_request_error"]);
      assert.match(error.message, /requests\.1: \/params\/stop_sequences must be array/);
      return true;
    });
    assert.equal(emulator.batches.size, before, "no batch was created");
  });

  test("answers without the documented shape are InvalidResponseError; a bad result line is one errored result", async () => {
    const batchId = await endedBatch(provider, ["first", "second", "third"]);
    const status = await provider.getStatus(batchId);
    // Ended before `results_url` is set: not readable yet (field case 14's kind), so not complete.
    emulator.failNext("GET", /^\/v1\/messages\/batches\//, 200, { ...(status.raw as object), results_url: null });
    await assert.rejects(collect(provider.getResults(batchId)), BatchNotCompleteError);
    // Archived: its results are gone for good.
    emulator.failNext("GET", /^\/v1\/messages\/batches\//, 200, { ...(status.raw as object), results_url: null, archived_at: "2026-12-01T00:00:00Z" });
    await assert.rejects(collect(provider.getResults(batchId)), (error: unknown) => {
      assert.ok(error instanceof InvalidResponseError);
      assert.equal(error.outputMissing, true);
      assert.match(error.message, /has ended but has no `results_url`/);
      return true;
    });
    emulator.failNext("GET", /^\/v1\/messages\/batches\//, 200, { id: batchId, type: "message_batch", processing_status: "archived" });
    await assert.rejects(provider.getStatus(batchId), InvalidResponseError);

    const lines = emulator.resultLines(batchId);
    emulator.setResultLines(batchId, [lines[0]!, "{ not json", lines[2]!]);
    const results = await collect(provider.getResults(batchId));
    assert.equal(results.length, 3);
    const malformed = results.filter((result) => result.error?.code === "malformed_result_line");
    assert.equal(malformed.length, 1);
    assert.equal(malformed[0]!.status, "errored");
    assert.equal(results.filter((result) => result.status === "succeeded").length, 2);
  });

  test("an aborted call rejects with AbortError: before it starts, while it waits, while results stream", async () => {
    const aborted = new AbortController();
    aborted.abort();
    const before = emulator.received.length;
    await assert.rejects(provider.getStatus("msgbatch_any", { signal: aborted.signal }), AbortError);
    await assert.rejects(provider.sendBatch({ provider: "anthropic", requests: [anthropicTextRequest("a", "x")] }, { signal: aborted.signal }), AbortError);
    assert.equal(emulator.received.length, before, "nothing reached the server");

    const batchId = await endedBatch(provider, ["waiting"]);
    const release = emulator.holdNext("GET", /^\/v1\/messages\/batches\//);
    const controller = new AbortController();
    try {
      const sent = emulator.received.length;
      const pending = provider.getStatus(batchId, { signal: controller.signal });
      // Abort only once the request is waiting at the server.
      while (emulator.received.length === sent) await new Promise((resolve) => setTimeout(resolve, 5));
      controller.abort();
      await assert.rejects(pending, AbortError);
    } finally {
      release();
    }

    // Results already downloaded are not handed out after the abort either (one read over
    // 127.0.0.1 often brings the whole small file), and releasing the aborted download leaves no
    // unhandled rejection behind (Node's default is to crash on one).
    const streamed = await endedBatch(provider, Array.from({ length: 20 }, (_, index) => `a longer text to stream, number ${index}`));
    const streaming = new AbortController();
    const received: UnifiedResult[] = [];
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      await assert.rejects(
        (async () => {
          for await (const result of provider.getResults(streamed, { signal: streaming.signal })) {
            received.push(result);
            streaming.abort();
          }
        })(),
        AbortError,
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    assert.equal(received.length, 1);
    assert.deepEqual(unhandled.map(String), []);
  });

  test("an injected fetch carries every call, the results download included", async () => {
    const calls: string[] = [];
    const injected = new AnthropicProvider({
      apiKey: API_KEY,
      baseUrl: "http://emulated.invalid/",
      storage: false,
      fetch: async (request) => {
        calls.push(`${request.method} ${new URL(request.url).host}${new URL(request.url).pathname}`);
        return emulator.fetch(request);
      },
    });
    const batchId = await injected.sendBatch({ provider: "anthropic", requests: [anthropicTextRequest("i", "x")] });
    await injected.getStatus(batchId);
    await injected.getStatus(batchId);
    const results = await collect(injected.getResults(batchId));
    assert.equal(results[0]!.response?.text, "echo: x");
    const batch = `emulated.invalid/v1/messages/batches/${batchId}`;
    assert.deepEqual(calls, [
      "POST emulated.invalid/v1/messages/batches",
      `GET ${batch}`,
      `GET ${batch}`,
      `GET ${batch}`,
      `GET emulated.invalid/files/results/${batchId}.jsonl`,
    ]);
  });

  test("a missing key is a configuration error that names ANTHROPIC_API_KEY", () => {
    const saved = process.env.ANTHROPIC_API_KEY;
    const savedBase = process.env.ANTHROPIC_BASE_URL;
    delete process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_BASE_URL;
    try {
      assert.throws(() => new AnthropicProvider(), (error: unknown) => error instanceof ConfigurationError && /ANTHROPIC_API_KEY/.test(error.message));
    } finally {
      if (saved !== undefined) process.env.ANTHROPIC_API_KEY = saved;
      if (savedBase !== undefined) process.env.ANTHROPIC_BASE_URL = savedBase;
    }
  });
});
