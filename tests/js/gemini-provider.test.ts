/**
 * GoogleProvider end to end against the Gemini emulator on 127.0.0.1, through the built package:
 * both submission routes, the operation's states in both spellings, results normalized and matched
 * by key wherever Google puts them, cancel, list, delete, typed errors, and the API key kept out
 * of URLs and files. The route choice at the 20 MB inline limit is in gemini-route.test.ts.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { BatchNotCompleteError, BatchNotFoundError, InvalidResponseError, ProviderError, ValidationError, type UnifiedRequest } from "batch-router";

import type { JsonObject } from "../emulators/gemini-responses.js";
import { GEMINI_KEY, assertOutcomes, collect, startGemini, waitUntilComplete, type GeminiSetup } from "../support/gemini-harness.js";
import { geminiRequests, geminiText, outcomeRequests } from "../support/gemini-requests.js";

type InlinedResponses = { inlinedResponses: { inlinedResponses: JsonObject[] } };

function inlinedResponsesOf(operation: JsonObject): JsonObject[] {
  return (operation.response as unknown as InlinedResponses).inlinedResponses.inlinedResponses;
}

describe("GoogleProvider against the Gemini emulator", () => {
  let setup: GeminiSetup;

  before(async () => {
    setup = await startGemini({ readsPerState: 2 });
  });

  after(async () => {
    await setup.server.close();
  });

  test("a small batch goes inline and moves PENDING → RUNNING → SUCCEEDED with its counts", async () => {
    const { provider, emulator } = setup;
    const requests = outcomeRequests();
    const before = emulator.received.length;
    const batchId = await provider.sendBatch({ provider: "gemini", requests, metadata: { displayName: "lifecycle" } });
    assert.match(batchId, /^batches\/e[0-9a-z]+$/);
    const sent = emulator.received.slice(before);
    assert.deepEqual(sent.map((request) => `${request.method} ${request.url}`), ["POST /v1beta/models/gemini-2.5-flash:batchGenerateContent"]);
    const body = JSON.parse(sent[0]!.bodyText);
    assert.equal(body.batch.displayName, "lifecycle");
    assert.deepEqual(body.batch.inputConfig.requests.requests.map((entry: { metadata: { key: string } }) => entry.metadata.key), requests.map((request) => request.customId));

    const pending = await provider.getStatus(batchId);
    assert.equal(pending.status, "validating");
    assert.equal(pending.rawStatus, "BATCH_STATE_PENDING");
    assert.deepEqual(pending.requestCounts, { total: 8, processing: 8, succeeded: 0, errored: 0, cancelled: 0, expired: 0 });
    assert.equal(pending.isComplete(), false);
    assert.equal(pending.model, "gemini-2.5-flash");
    assert.equal(pending.metadata?.displayName, "lifecycle");
    assert.match(pending.createdAt ?? "", /^2026-03-02T09:00:\d\d\.000Z$/);
    assert.equal(pending.completedAt, undefined);
    await assert.rejects(collect(provider.getResults(batchId)), BatchNotCompleteError);

    const running = await provider.getStatus(batchId);
    assert.equal(running.status, "in_progress");
    assert.equal(running.rawStatus, "BATCH_STATE_RUNNING");
    assert.deepEqual(running.requestCounts, { total: 8, processing: 4, succeeded: 4, errored: 0, cancelled: 0, expired: 0 });

    const done = await waitUntilComplete(provider, batchId);
    assert.equal(done.status, "completed");
    assert.equal(done.rawStatus, "BATCH_STATE_SUCCEEDED");
    assert.deepEqual(done.requestCounts, { total: 8, processing: 0, succeeded: 6, errored: 2, cancelled: 0, expired: 0 });
    assert.ok(done.completedAt);
    assertOutcomes(await collect(provider.getResults(batchId)));
    assert.deepEqual(emulator.violations, []);
  });

  test("route \"file\" uploads resumably, creates from the file and downloads the responses file", async () => {
    const { emulator, providerWith } = setup;
    const provider = providerWith({ route: "file" });
    const requests = outcomeRequests();
    const prepared = provider.prepareBatch(requests);
    assert.equal(prepared.summary.route, "file");
    const before = emulator.received.length;
    const batchId = await provider.sendBatch({ provider: "google", requests });
    const [start, upload, create] = emulator.received.slice(before);
    assert.equal(start!.url, "/upload/v1beta/files");
    assert.equal(start!.headers["x-goog-upload-protocol"], "resumable");
    assert.equal(start!.headers["x-goog-upload-command"], "start");
    assert.equal(start!.headers["x-goog-upload-header-content-length"], String(prepared.summary.bytes));
    assert.equal(start!.headers["x-goog-upload-header-content-type"], "application/jsonl");
    assert.match(upload!.url, /^\/upload\/v1beta\/files\?upload_id=upload-/);
    assert.equal(upload!.headers["x-goog-upload-command"], "upload, finalize");
    assert.equal(upload!.headers["x-goog-upload-offset"], "0");
    assert.equal(upload!.bodyBytes, prepared.summary.bytes);
    assert.equal(upload!.bodyText, prepared.providerJsonl);
    assert.equal(create!.url, "/v1beta/models/gemini-2.5-flash:batchGenerateContent");
    const createBody = JSON.parse(create!.bodyText);
    assert.match(createBody.batch.inputConfig.fileName, /^files\/in-/);
    assert.equal(createBody.batch.inputConfig.requests, undefined);

    const done = await waitUntilComplete(provider, batchId);
    assert.deepEqual(done.requestCounts, { total: 8, processing: 0, succeeded: 6, errored: 2, cancelled: 0, expired: 0 });
    const results = await collect(provider.getResults(batchId));
    const download = emulator.received.at(-1)!;
    assert.match(download.url, /^\/download\/v1beta\/files\/batch-out-[0-9a-z]+:download\?alt=media$/);
    assertOutcomes(results);
    assert.deepEqual(emulator.violations, []);
  });

  test("every request we send, on both routes, is what the spec accepts", async () => {
    const { emulator, provider, providerWith } = setup;
    for (const sender of [provider, providerWith({ route: "file" })]) {
      const batchId = await sender.sendBatch({ provider: "google", requests: geminiRequests() });
      await waitUntilComplete(sender, batchId);
      const results = await collect(sender.getResults(batchId));
      assert.equal(results.length, geminiRequests().length);
      assert.ok(results.every((result) => result.status === "succeeded"), JSON.stringify(results.filter((result) => result.status !== "succeeded")));
    }
    assert.deepEqual(emulator.violations, []);
  });

  test("URL images are refused by default, naming the request and the field; nothing is sent", async () => {
    const { emulator, provider, providerWith } = setup;
    const withUrl: UnifiedRequest = {
      customId: "has-url",
      model: "gemini-2.5-flash",
      messages: [{ role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image", sourceType: "url", data: "https://example.com/cat.jpg" }] }],
    };
    const before = emulator.received.length;
    await assert.rejects(provider.sendBatch({ provider: "google", requests: [geminiText("fine", "hello"), withUrl] }), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.index, 1);
      assert.equal(error.customId, "has-url");
      assert.equal(error.field, "messages[0].content[1].sourceType");
      assert.match(error.message, /url/);
      return true;
    });
    assert.equal(emulator.received.length, before);
    const lenient = providerWith({ dropUnsupported: true });
    const prepared = lenient.prepareBatch([withUrl]);
    assert.deepEqual(prepared.summary.warnings.map((warning) => warning.field), ["messages[0].content[1].sourceType"]);
    assert.deepEqual(JSON.parse(prepared.providerJsonl).request.contents[0].parts, [{ text: "What is this?" }]);
  });

  test("a batch with two models is refused before anything is sent", async () => {
    const { emulator, provider } = setup;
    const before = emulator.received.length;
    await assert.rejects(
      provider.sendBatch({ provider: "google", requests: [geminiText("a", "x"), geminiText("b", "y", "gemini-2.5-pro")] }),
      (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.equal(error.index, 1);
        assert.equal(error.customId, "b");
        assert.equal(error.field, "model");
        return true;
      },
    );
    assert.equal(emulator.received.length, before);
  });

  test("cancel is true while running, the batch ends CANCELLED, and no result is invented", async () => {
    const { emulator, provider } = setup;
    const requests = Array.from({ length: 6 }, (_, index) => geminiText(`c${index}`, `item ${index}`));
    const batchId = await provider.sendBatch({ provider: "google", requests });
    await provider.getStatus(batchId);
    const running = await provider.getStatus(batchId);
    assert.equal(running.rawStatus, "BATCH_STATE_RUNNING");
    assert.equal(await provider.cancelBatch(batchId), true);
    assert.ok(emulator.received.some((request) => request.method === "POST" && request.url === `/v1beta/${batchId}:cancel`));
    const status = await provider.getStatus(batchId);
    assert.equal(status.status, "cancelled");
    assert.equal(status.rawStatus, "BATCH_STATE_CANCELLED");
    assert.deepEqual(status.requestCounts, { total: 6, processing: 0, succeeded: 3, errored: 0, cancelled: 3, expired: 0 });
    assert.equal(status.errors?.[0]?.code, "CANCELLED");
    assert.deepEqual(await collect(provider.getResults(batchId)), []);
    assert.equal(await provider.cancelBatch(batchId), false);
  });

  test("expired and failed batches report their end without inventing results", async () => {
    const { emulator, provider } = setup;
    const expiring = await provider.sendBatch({ provider: "google", requests: [geminiText("e1", "x"), geminiText("e2", "y")] });
    emulator.end(expiring, "EXPIRED");
    const expired = await provider.getStatus(expiring);
    assert.equal(expired.status, "expired");
    assert.deepEqual(expired.requestCounts, { total: 2, processing: 0, succeeded: 0, errored: 0, cancelled: 0, expired: 2 });
    assert.deepEqual(await collect(provider.getResults(expiring)), []);
    const failing = await provider.sendBatch({ provider: "google", requests: [geminiText("f1", "x")] });
    emulator.end(failing, "FAILED");
    const failed = await provider.getStatus(failing);
    assert.equal(failed.status, "failed");
    assert.deepEqual(failed.errors, [{ code: "INTERNAL", message: "The batch failed." }]);
  });

  test("listing follows pageSize and pageToken", async () => {
    const { emulator, provider } = setup;
    for (let index = 0; index < 3; index++) await provider.sendBatch({ provider: "google", requests: [geminiText(`l${index}`, "x")] });
    const page = await provider.listBatchPage({ limit: 2 });
    assert.equal(page.batches.length, 2);
    assert.equal(page.hasMore, true);
    assert.ok(page.nextCursor);
    const next = await provider.listBatchPage({ limit: 2, after: page.nextCursor });
    assert.equal(next.batches.length, 2);
    const firstIds = page.batches.map((batch) => batch.batchId);
    assert.ok(next.batches.every((batch) => !firstIds.includes(batch.batchId)));
    const five = await provider.listBatches({ limit: 5 });
    assert.equal(new Set(five.map((batch) => batch.batchId)).size, 5);
    assert.ok(five.every((batch) => batch.provider === "google" && batch.batchId.startsWith("batches/")));
    const everything = [];
    for await (const batch of provider.iterateBatches({ pageSize: 3 })) everything.push(batch.batchId);
    assert.equal(everything.length, emulator.batches.size);
    const pageCalls = emulator.received.filter((request) => request.url.startsWith("/v1beta/batches?")).map((request) => request.url);
    assert.ok(pageCalls.includes("/v1beta/batches?pageSize=2"));
    assert.ok(pageCalls.some((url) => /^\/v1beta\/batches\?pageSize=2&pageToken=[^&]+$/.test(url)));
  });

  test("delete removes a batch; it is then not found", async () => {
    const { emulator, provider } = setup;
    const batchId = await provider.sendBatch({ provider: "google", requests: [geminiText("d", "x")] });
    await waitUntilComplete(provider, batchId);
    await provider.deleteBatch(batchId);
    assert.equal(emulator.received.at(-1)!.method, "DELETE");
    assert.equal(emulator.received.at(-1)!.url, `/v1beta/${batchId}`);
    await assert.rejects(provider.getStatus(batchId), BatchNotFoundError);
    await assert.rejects(provider.deleteBatch(batchId), BatchNotFoundError);
  });

  test("404, 429, 500 and a bad key become typed errors carrying Google's message", async () => {
    const { emulator, provider, providerWith } = setup;
    await assert.rejects(provider.getStatus("batches/nope"), (error: unknown) => {
      assert.ok(error instanceof BatchNotFoundError);
      assert.equal(error.batchId, "batches/nope");
      assert.equal(error.status, 404);
      return true;
    });
    emulator.failNext("GET", /^\/v1beta\/batches\//, 429, "Quota exceeded for quota metric 'Batch requests'.");
    await assert.rejects(provider.getStatus("batches/anything"), (error: unknown) => {
      assert.ok(error instanceof ProviderError && !(error instanceof BatchNotFoundError));
      assert.equal(error.status, 429);
      assert.equal(error.retryable, true);
      assert.equal(error.errorType, "RESOURCE_EXHAUSTED");
      assert.match(error.message, /Quota exceeded/);
      assert.deepEqual(error.body, { error: { code: 429, message: "Quota exceeded for quota metric 'Batch requests'.", status: "RESOURCE_EXHAUSTED" } });
      return true;
    });
    emulator.failNext("POST", /^\/upload\/v1beta\/files$/, 500, "Internal error encountered.");
    await assert.rejects(providerWith({ route: "file" }).sendBatch({ provider: "google", requests: [geminiText("u", "x")] }), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.status, 500);
      assert.equal(error.retryable, true);
      assert.equal(error.errorType, "INTERNAL");
      return true;
    });
    emulator.failNext("POST", /:batchGenerateContent$/, 400, "Request contains an invalid argument.");
    await assert.rejects(provider.sendBatch({ provider: "google", requests: [geminiText("c", "x")] }), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.status, 400);
      assert.equal(error.retryable, false);
      assert.equal(error.errorType, "INVALID_ARGUMENT");
      return true;
    });
    const wrongKey = providerWith({ apiKey: "AIzaSy-wrong-key", storage: false });
    await assert.rejects(wrongKey.getStatus("batches/anything"), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.status, 400);
      assert.match(error.message, /API key not valid/);
      assert.ok(!error.message.includes("AIzaSy-wrong-key"));
      return true;
    });
  });

  test("the key travels only in x-goog-api-key: never in a URL, never in a transparency file", async () => {
    const { emulator, storage } = setup;
    assert.ok(emulator.received.length > 20);
    for (const request of emulator.received) {
      assert.ok(!/[?&]key=/.test(request.url), `${request.url} carries a key parameter`);
      assert.ok(!request.url.includes(GEMINI_KEY));
      assert.ok(!request.bodyText.includes(GEMINI_KEY), `${request.method} ${request.url} has the key in its body`);
      const wrongKeyCall = request.headers["x-goog-api-key"] === "AIzaSy-wrong-key";
      if (!wrongKeyCall) assert.equal(request.headers["x-goog-api-key"], GEMINI_KEY, `${request.method} ${request.url}`);
      assert.equal(request.headers.authorization, undefined);
    }
    assert.ok(storage.files.size > 0);
    for (const path of storage.files.keys()) {
      assert.ok(!(await storage.read(path))!.includes(GEMINI_KEY), `${path} holds the API key`);
    }
  });
});

describe("Gemini results are matched by key, wherever Google puts them", () => {
  const setups: GeminiSetup[] = [];
  const start = async (...options: Parameters<typeof startGemini>) => {
    const setup = await startGemini(...options);
    setups.push(setup);
    return setup;
  };

  after(async () => {
    for (const setup of setups) await setup.server.close();
  });

  test("shuffled responses (file lines and inline responses) still reach their own requests", async () => {
    const { emulator, provider, providerWith } = await start({ shuffleResponses: true });
    const requests = Array.from({ length: 12 }, (_, index) => geminiText(`s${index}`, `question number ${index}`));
    for (const sender of [provider, providerWith({ route: "file" })]) {
      const batchId = await sender.sendBatch({ provider: "google", requests });
      const done = await waitUntilComplete(sender, batchId);
      const record = emulator.batches.get(batchId)!;
      const order =
        record.responsesFile !== undefined
          ? emulator.fileText(record.responsesFile)!.trim().split("\n").map((line) => JSON.parse(line).key)
          : inlinedResponsesOf(done.raw as JsonObject).map((response) => (response.metadata as { key: string }).key);
      assert.notDeepEqual(order, requests.map((request) => request.customId), "the emulator did not shuffle");
      const results = await collect(sender.getResults(batchId));
      assert.deepEqual(results.map((result) => result.customId), order, "results stream in the provider's order");
      for (const result of results) {
        assert.equal(result.response?.text, `echo: question number ${result.customId.slice(1)}`);
      }
    }
  });

  for (const placement of ["response.output", "metadata.output"] as const) {
    test(`output under ${placement} is found on both routes`, async () => {
      const { provider, providerWith } = await start({ outputPlacement: placement });
      for (const sender of [provider, providerWith({ route: "file" })]) {
        const batchId = await sender.sendBatch({ provider: "google", requests: outcomeRequests() });
        const done = await waitUntilComplete(sender, batchId);
        const raw = done.raw as { response?: unknown; metadata: { output?: unknown } };
        if (placement === "metadata.output") {
          assert.equal(raw.response, undefined);
          assert.ok(raw.metadata.output);
        } else {
          assert.ok((raw.response as { output?: unknown }).output);
        }
        assertOutcomes(await collect(sender.getResults(batchId)));
      }
    });
  }

  test("JOB_STATE_* spellings are read like BATCH_STATE_*", async () => {
    const { provider } = await start({ stateSpelling: "JOB_STATE", readsPerState: 2 });
    const batchId = await provider.sendBatch({ provider: "google", requests: outcomeRequests() });
    const seen: [string, string][] = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      const status = await provider.getStatus(batchId);
      seen.push([status.rawStatus, status.status]);
      if (status.isComplete()) break;
    }
    assert.deepEqual(seen, [
      ["JOB_STATE_PENDING", "validating"],
      ["JOB_STATE_RUNNING", "in_progress"],
      ["JOB_STATE_RUNNING", "in_progress"],
      ["JOB_STATE_SUCCEEDED", "completed"],
    ]);
    assertOutcomes(await collect(provider.getResults(batchId)));
    const cancelling = await provider.sendBatch({ provider: "google", requests: [geminiText("x", "y")] });
    assert.equal(await provider.cancelBatch(cancelling), true);
    const cancelled = await provider.getStatus(cancelling);
    assert.deepEqual([cancelled.rawStatus, cancelled.status], ["JOB_STATE_CANCELLED", "cancelled"]);
  });

  test("counts are never invented: no batchStats means zero counts, at every state", async () => {
    const { provider } = await start({ omitBatchStats: true });
    const batchId = await provider.sendBatch({ provider: "google", requests: outcomeRequests() });
    const zero = { total: 0, processing: 0, succeeded: 0, errored: 0, cancelled: 0, expired: 0 };
    for (let attempt = 0; attempt < 3; attempt++) {
      const status = await provider.getStatus(batchId);
      assert.deepEqual(status.requestCounts, zero, status.rawStatus);
    }
    assert.equal((await provider.getStatus(batchId)).status, "completed");
    assertOutcomes(await collect(provider.getResults(batchId)));
  });

  test("keyless inline responses are matched by position only when the counts agree", async () => {
    const { emulator, provider, providerWith } = await start();
    const requests = Array.from({ length: 4 }, (_, index) => geminiText(`k${index}`, `keyless ${index}`));
    const batchId = await provider.sendBatch({ provider: "google", requests });
    await waitUntilComplete(provider, batchId);
    emulator.editOperation(batchId, (operation) => {
      for (const response of inlinedResponsesOf(operation)) delete response.metadata;
    });
    const results = await collect(provider.getResults(batchId));
    assert.deepEqual(results.map((result) => [result.customId, result.response?.text]), requests.map((request, index) => [request.customId, `echo: keyless ${index}`]));

    // Without the submitted ids (no transparency storage) there is nothing to match positions with.
    await assert.rejects(collect(providerWith({ storage: false }).getResults(batchId)), (error: unknown) => {
      assert.ok(error instanceof InvalidResponseError);
      assert.match(error.message, /carry no metadata\.key/);
      return true;
    });

    // One response missing: the counts disagree, and reading fails loudly instead of shifting.
    emulator.editOperation(batchId, (operation) => {
      inlinedResponsesOf(operation).splice(1, 1);
    });
    await assert.rejects(collect(provider.getResults(batchId)), (error: unknown) => {
      assert.ok(error instanceof InvalidResponseError);
      assert.match(error.message, /3 of 3 inline responses carry no metadata\.key and the counts disagree \(4 requests submitted/);
      return true;
    });
  });

  test("a bare batch id names the same batch as its full name, transparency files included", async () => {
    const { emulator, storage, provider } = await start();
    const requests = [geminiText("b0", "bare zero"), geminiText("b1", "bare one")];
    const batchId = await provider.sendBatch({ provider: "google", requests });
    const bare = batchId.replace(/^batches\//, "");
    assert.equal((await provider.getStatus(bare)).batchId, batchId);
    await waitUntilComplete(provider, bare);
    // Keyless answers need the submitted ids, found in the batch's meta file under its full name.
    emulator.editOperation(batchId, (operation) => {
      for (const response of inlinedResponsesOf(operation)) delete response.metadata;
    });
    const results = await collect(provider.getResults(bare));
    assert.deepEqual(results.map((result) => [result.customId, result.response?.text]), [["b0", "echo: bare zero"], ["b1", "echo: bare one"]]);
    const files = [...storage.files.keys()].filter((path) => path.includes(bare)).sort();
    const base = `generated/google/batch_batches_${bare}_`;
    assert.deepEqual(files, ["meta.json", "output.jsonl", "provider.jsonl", "results.jsonl", "unified.jsonl"].map((kind) => base + kind));
  });

  test("keyless responses whose count disagrees with batchStats are refused too", async () => {
    const { emulator, provider } = await start();
    const requests = [geminiText("a", "first"), geminiText("b", "second")];
    const batchId = await provider.sendBatch({ provider: "google", requests });
    await waitUntilComplete(provider, batchId);
    emulator.editOperation(batchId, (operation) => {
      delete inlinedResponsesOf(operation)[0]!.metadata;
      ((operation.metadata as JsonObject).batchStats as JsonObject).requestCount = "3";
    });
    await assert.rejects(collect(provider.getResults(batchId)), /batchStats\.requestCount 3/);
  });

  test("a responses-file line without a key becomes an errored result; the others still arrive", async () => {
    const { emulator, providerWith } = await start();
    const provider = providerWith({ route: "file" });
    const batchId = await provider.sendBatch({ provider: "google", requests: [geminiText("m1", "x"), geminiText("m2", "y")] });
    await waitUntilComplete(provider, batchId);
    const fileName = emulator.batches.get(batchId)!.responsesFile!;
    const lines = emulator.fileText(fileName)!.trim().split("\n").map((line) => JSON.parse(line));
    delete lines[0].key;
    emulator.setFileContent(fileName, lines.map((line) => JSON.stringify(line)).join("\n") + "\n");
    const results = await collect(provider.getResults(batchId));
    assert.equal(results.length, 2);
    assert.equal(results[0]!.status, "errored");
    assert.equal(results[0]!.error?.code, "unmatched_result");
    assert.equal(results[0]!.customId, "");
    assert.deepEqual([results[1]!.customId, results[1]!.response?.text], ["m2", "echo: y"]);

    // Google keeps files for 48 hours: a responses file that is gone is a provider 404, not a missing batch.
    emulator.files.delete(fileName);
    await assert.rejects(collect(provider.getResults(batchId)), (error: unknown) => {
      assert.ok(error instanceof ProviderError && !(error instanceof BatchNotFoundError));
      assert.equal(error.status, 404);
      assert.match(error.message, new RegExp(`File ${fileName} not found`));
      return true;
    });
  });

  test("text outside ASCII survives both routes, byte counts and chunked downloads", async () => {
    const { emulator, providerWith } = await start({ chunkSize: 5 });
    const requests = [geminiText("ü-1", "Grüße aus Köln — 日本語 🌍"), geminiText("quote\"2", "second ✓")];
    for (const route of ["inline", "file"] as const) {
      const provider = providerWith({ route });
      const batchId = await provider.sendBatch({ provider: "google", requests });
      await waitUntilComplete(provider, batchId);
      const results = await collect(provider.getResults(batchId));
      assert.deepEqual(results.map((result) => [result.customId, result.response?.text]), [["ü-1", "echo: Grüße aus Köln — 日本語 🌍"], ["quote\"2", "echo: second ✓"]]);
    }
    assert.deepEqual(emulator.violations, []);
  });
});
