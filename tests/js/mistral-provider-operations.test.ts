/**
 * MistralProvider against the Mistral emulator on 127.0.0.1: what is refused before sending,
 * cancellation, timeout, listing by page, deletion, typed errors, the transparency files.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { BatchNotFoundError, ConfigurationError, MistralProvider, ProviderError, ValidationError } from "batch-router";

import { API_KEY, collect, startMistral, waitUntilComplete, type Harness } from "../support/mistral-harness.js";
import { mistralText } from "../support/mistral-requests.js";

describe("MistralProvider: refusals, cancel, timeout, list, delete and errors", () => {
  let harness: Harness;

  before(async () => {
    harness = await startMistral();
  });

  after(async () => {
    await harness.server.close();
  });

  test("top_k is refused with a validation error naming the request and the field; nothing is sent", async () => {
    const { provider, emulator } = harness;
    const before = emulator.received.length;
    await assert.rejects(
      provider.sendBatch({
        provider: "mistral",
        requests: [mistralText("ok", "fine"), { ...mistralText("bad", "x"), generationConfig: { topK: 4 } }],
      }),
      (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.equal(error.index, 1);
        assert.equal(error.customId, "bad");
        assert.equal(error.field, "generationConfig.topK");
        return true;
      },
    );
    assert.equal(emulator.received.length, before);
  });

  test("a batch mixing models is refused before anything is sent", async () => {
    const { provider, emulator } = harness;
    const before = emulator.received.length;
    await assert.rejects(
      provider.sendBatch({
        provider: "mistral",
        requests: [mistralText("small", "x"), mistralText("large", "y", "mistral-large-latest")],
      }),
      (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.equal(error.index, 1);
        assert.equal(error.customId, "large");
        assert.equal(error.field, "model");
        return true;
      },
    );
    await assert.rejects(provider.sendBatch({ provider: "mistral", requests: [mistralText("d", "x"), mistralText("d", "y")] }), ValidationError);
    await assert.rejects(provider.sendBatch({ provider: "openai", requests: [mistralText("p", "x")] }), ValidationError);
    assert.equal(emulator.received.length, before);
  });

  test("a timeout or metadata Mistral would refuse is refused before anything is sent", async () => {
    const { provider, emulator, server } = harness;
    const before = emulator.received.length;
    const slow = new MistralProvider({ apiKey: API_KEY, baseUrl: server.url, storage: false, timeoutHours: 169 });
    await assert.rejects(slow.sendBatch({ provider: "mistral", requests: [mistralText("t", "x")] }), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.field, "timeoutHours");
      return true;
    });
    await assert.rejects(
      provider.sendBatch({ provider: "mistral", requests: [mistralText("m", "x")], metadata: { ["k".repeat(33)]: "v" } }),
      (error: unknown) => error instanceof ValidationError && error.field === `metadata.${"k".repeat(33)}`,
    );
    await assert.rejects(
      provider.sendBatch({ provider: "mistral", requests: [{ ...mistralText("p", "x"), generationConfig: { topP: 0 } }] }),
      (error: unknown) => error instanceof ValidationError && error.field === "generationConfig.topP" && error.customId === "p",
    );
    assert.equal(emulator.received.length, before);
  });

  test("cancel shows CANCELLATION_REQUESTED, then CANCELLED with the results done so far", async () => {
    const { provider } = harness;
    const requests = Array.from({ length: 6 }, (_, index) => mistralText(`c${index}`, `item ${index}`));
    const batchId = await provider.sendBatch({ provider: "mistral", requests });
    assert.equal(await provider.cancelBatch(batchId), true);
    const requested = await provider.getStatus(batchId);
    assert.equal(requested.rawStatus, "CANCELLATION_REQUESTED");
    assert.equal(requested.status, "in_progress");
    assert.equal(requested.isComplete(), false);
    const cancelled = await provider.getStatus(batchId);
    assert.equal(cancelled.rawStatus, "CANCELLED");
    assert.equal(cancelled.status, "cancelled");
    assert.deepEqual(cancelled.requestCounts, { total: 6, processing: 0, succeeded: 3, errored: 0, cancelled: 3, expired: 0 });
    // The requests it never ran have no line: each gets a `cancelled` result, as the counts say.
    const results = await collect(provider.getResults(batchId));
    assert.deepEqual(results.map((result) => [result.customId, result.status]), [
      ["c0", "succeeded"],
      ["c1", "succeeded"],
      ["c2", "succeeded"],
      ["c3", "cancelled"],
      ["c4", "cancelled"],
      ["c5", "cancelled"],
    ]);
    assert.deepEqual(results[5]!.error, { code: "batch_cancelled", message: `batch ${batchId} was cancelled and gave no result for this request`, retryable: true });
    assert.equal(await provider.cancelBatch(batchId), false);
  });

  test("TIMEOUT_EXCEEDED is expired, with the counts and results of what was done", async () => {
    const { provider, emulator } = harness;
    const requests = [mistralText("t0", "a"), mistralText("t1", "FAIL_400 b"), mistralText("t2", "c"), mistralText("t3", "d")];
    const batchId = await provider.sendBatch({ provider: "mistral", requests });
    assert.equal((await provider.getStatus(batchId)).rawStatus, "QUEUED");
    assert.equal((await provider.getStatus(batchId)).rawStatus, "RUNNING");
    emulator.timeOut(batchId);
    const status = await provider.getStatus(batchId);
    assert.equal(status.rawStatus, "TIMEOUT_EXCEEDED");
    assert.equal(status.status, "expired");
    assert.equal(status.isComplete(), true);
    assert.deepEqual(status.requestCounts, { total: 4, processing: 0, succeeded: 1, errored: 1, cancelled: 0, expired: 2 });
    // The two it never ran have no line: each gets an `expired` result, as the counts say.
    const results = await collect(provider.getResults(batchId));
    assert.deepEqual(results.map((result) => [result.customId, result.status]).sort(), [
      ["t0", "succeeded"],
      ["t1", "errored"],
      ["t2", "expired"],
      ["t3", "expired"],
    ]);
    assert.deepEqual(results.find((result) => result.customId === "t3")!.error, { code: "batch_expired", message: `batch ${batchId} expired and gave no result for this request`, retryable: true });
    const written = (await harness.storage.read(`generated/mistral/batch_${batchId}_results.jsonl`))!.trim().split("\n");
    assert.equal(written.length, 4, "the made results are in the results file too");
  });

  test("listing follows page numbers; a cursor continues where its page ended, whatever the limit", async () => {
    const { provider, emulator } = harness;
    for (let index = 0; index < 7; index++) await provider.sendBatch({ provider: "mistral", requests: [mistralText(`l${index}`, "x")] });
    const everything = [...emulator.jobs.keys()].reverse();
    assert.ok(everything.length >= 9);

    const first = await provider.listBatchPage({ limit: 2 });
    assert.deepEqual(first.batches.map((batch) => batch.batchId), everything.slice(0, 2));
    assert.equal(first.hasMore, true);
    assert.ok(first.nextCursor);
    const second = await provider.listBatchPage({ limit: 2, after: first.nextCursor });
    assert.deepEqual(second.batches.map((batch) => batch.batchId), everything.slice(2, 4));

    const five = await provider.listBatches({ limit: 5 });
    assert.deepEqual(five.map((batch) => batch.batchId), everything.slice(0, 5));
    // Continuing from a cursor with another limit neither skips nor repeats a job.
    const next = await provider.listBatches({ limit: 5, after: first.nextCursor });
    assert.deepEqual(next.map((batch) => batch.batchId), everything.slice(2, 7));

    const all: string[] = [];
    for await (const batch of provider.iterateBatches({ pageSize: 3 })) all.push(batch.batchId);
    assert.deepEqual(all, everything);
    const pageRequests = emulator.received.filter((request) => request.path.startsWith("/v1/batch/jobs?")).map((request) => request.path);
    assert.ok(pageRequests.includes("/v1/batch/jobs?page_size=2"), pageRequests.join(", "));
    assert.ok(pageRequests.some((path) => /[?&]page=[1-9]/.test(path)), pageRequests.join(", "));
  });

  test("delete removes a job; a deleted or unknown job is BatchNotFoundError", async () => {
    const { provider } = harness;
    const batchId = await provider.sendBatch({ provider: "mistral", requests: [mistralText("del", "x")] });
    await waitUntilComplete(provider, batchId);
    await provider.deleteBatch(batchId);
    await assert.rejects(provider.getStatus(batchId), (error: unknown) => error instanceof BatchNotFoundError && error.batchId === batchId);
    await assert.rejects(provider.deleteBatch(batchId), BatchNotFoundError);
  });

  test("unknown jobs, 401, 422, 429 and 500 become typed errors without the key", async () => {
    const { provider, emulator, server } = harness;
    const missing = "00000000-0000-4000-8000-000000000000";
    await assert.rejects(provider.getStatus(missing), (error: unknown) => {
      assert.ok(error instanceof BatchNotFoundError);
      assert.equal(error.batchId, missing);
      assert.equal(error.status, 404);
      return true;
    });

    emulator.failNext("GET", /^\/batch\/jobs\//, 429, undefined, { "x-request-id": "req-rate-1" });
    await assert.rejects(provider.getStatus(missing), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.status, 429);
      assert.equal(error.retryable, true);
      assert.equal(error.requestId, "req-rate-1");
      assert.equal(error.errorType, "rate_limited");
      assert.match(error.message, /Emulated 429/);
      return true;
    });

    emulator.failNext("POST", /^\/files$/, 500);
    await assert.rejects(provider.sendBatch({ provider: "mistral", requests: [mistralText("e", "x")] }), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.status, 500);
      assert.equal(error.retryable, true);
      assert.equal(error.errorType, "internal_server_error");
      return true;
    });

    emulator.failNext("POST", /^\/batch\/jobs$/, 422, { detail: [{ type: "less_than_equal", loc: ["body", "timeout_hours"], msg: "Input should be less than or equal to 168", input: 200 }] });
    await assert.rejects(provider.sendBatch({ provider: "mistral", requests: [mistralText("v", "x")] }), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.status, 422);
      assert.equal(error.retryable, false);
      assert.match(error.message, /less than or equal to 168/);
      return true;
    });

    const wrongKey = new MistralProvider({ apiKey: "wrong-key-1234567890", baseUrl: server.url, storage: false });
    await assert.rejects(wrongKey.getStatus(missing), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.status, 401);
      assert.equal(error.retryable, false);
      assert.match(error.message, /Unauthorized/);
      assert.match(error.requestId ?? "", /^[0-9a-f]{32}$/);
      assert.ok(!error.message.includes("wrong-key-1234567890"));
      assert.ok(!JSON.stringify(error.body).includes("wrong-key-1234567890"));
      return true;
    });
    const upload = emulator.received.find((request) => request.method === "POST" && request.path === "/v1/files")!;
    assert.equal(upload.headers.authorization, `Bearer ${API_KEY}`);
    assert.match(upload.headers["content-type"]!, /^multipart\/form-data; boundary=/);
  });

  test("the transparency files hold requests, lines, raw output and results, and no key", async () => {
    const { provider, storage, emulator } = harness;
    const requests = [mistralText("t1", "one"), mistralText("t2", "FAIL_400 two")];
    const batchId = await provider.sendBatch({ provider: "mistral", requests });
    await waitUntilComplete(provider, batchId);
    await collect(provider.getResults(batchId));
    const base = `generated/mistral/batch_${batchId}_`;
    const unified = (await storage.read(`${base}unified.jsonl`))!.trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(unified, requests);
    const lines = (await storage.read(`${base}provider.jsonl`))!.trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(lines.map((line) => line.custom_id), ["t1", "t2"]);
    const output = (await storage.read(`${base}output.jsonl`))!.trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(output.map((line) => [line.custom_id, line.response.status_code]), [["t1", 200], ["t2", 400]]);
    const results = (await storage.read(`${base}results.jsonl`))!.trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(results.map((result) => result.status), ["succeeded", "errored"]);
    for (const path of storage.files.keys()) {
      assert.ok(!(await storage.read(path))!.includes(API_KEY), `${path} holds the API key`);
    }
    for (const file of emulator.files.values()) assert.ok(!file.content.includes(API_KEY), `uploaded ${file.id} holds the API key`);
  });

  test("a missing key is a configuration error that names MISTRAL_API_KEY", () => {
    const saved = process.env.MISTRAL_API_KEY;
    delete process.env.MISTRAL_API_KEY;
    try {
      assert.throws(() => new MistralProvider(), (error: unknown) => error instanceof ConfigurationError && /MISTRAL_API_KEY/.test(error.message));
    } finally {
      if (saved !== undefined) process.env.MISTRAL_API_KEY = saved;
    }
  });
});
