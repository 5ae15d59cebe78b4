/**
 * GoogleProvider end to end against the Gemini emulator on 127.0.0.1, through the built package:
 * both submission routes with every kind of result normalized, validation before sending, cancel,
 * expiry, list, delete, typed errors, configuration from the environment, and the API key kept out
 * of URLs and files. Result matching is in gemini-results.test.ts, the route choice at the 20 MB
 * inline limit in gemini-route.test.ts.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import {
  BatchNotCompleteError,
  BatchNotFoundError,
  ConfigurationError,
  GoogleProvider,
  InvalidResponseError,
  ProviderError,
  ValidationError,
  type UnifiedRequest,
} from "batch-router";

import { GEMINI_KEY, assertOutcomes, collect, startGemini, waitUntilComplete, type GeminiSetup } from "../support/gemini-harness.js";
import { geminiRequests, geminiText, outcomeRequests } from "../support/gemini-requests.js";

describe("GoogleProvider against the Gemini emulator", () => {
  let setup: GeminiSetup;

  before(async () => {
    setup = await startGemini({ readsPerState: 2 });
  });

  after(async () => {
    await setup.server.close();
  });

  test("a per-job webhook (webhookConfig) goes into the create call of both routes; a bad one is refused before sending", async () => {
    const { emulator } = setup;
    const webhookConfig = { uris: ["https://hooks.example.com/gemini"], userMetadata: { job: "nightly-42" } };
    for (const route of ["inline", "file"] as const) {
      const before = emulator.received.length;
      await setup.providerWith({ route, webhookConfig }).sendBatch({ provider: "gemini", requests: outcomeRequests() });
      const create = emulator.received.slice(before).find((request) => request.url.endsWith(":batchGenerateContent"))!;
      assert.deepEqual(JSON.parse(create.bodyText).batch.webhookConfig, webhookConfig, route);
    }
    const before = emulator.received.length;
    await assert.rejects(
      setup.providerWith({ webhookConfig: { uris: [] } }).sendBatch({ provider: "gemini", requests: outcomeRequests() }),
      (error) => error instanceof ValidationError && error.field === "webhookConfig.uris",
    );
    assert.equal(emulator.received.length, before, "nothing sent");
  });

  test("a small batch sent inline moves PENDING → RUNNING → SUCCEEDED with its counts", async () => {
    const { emulator } = setup;
    const provider = setup.providerWith({ route: "inline" });
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

  test("cancel is true while running, the batch ends CANCELLED, and each request without a line is cancelled", async () => {
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
    // No output is kept, so no answer is known: every request gets a `cancelled` result, none an answer.
    const results = await collect(provider.getResults(batchId));
    assert.deepEqual(results.map((result) => [result.customId, result.status, result.error?.code]), requests.map((request) => [request.customId, "cancelled", "batch_cancelled"]));
    assert.equal(await provider.cancelBatch(batchId), false);
  });

  test("an expired batch gives an expired result per request; a failed one reports its end", async () => {
    const { emulator, provider } = setup;
    const expiring = await provider.sendBatch({ provider: "google", requests: [geminiText("e1", "x"), geminiText("e2", "y")] });
    emulator.end(expiring, "EXPIRED");
    const expired = await provider.getStatus(expiring);
    assert.equal(expired.status, "expired");
    assert.deepEqual(expired.requestCounts, { total: 2, processing: 0, succeeded: 0, errored: 0, cancelled: 0, expired: 2 });
    const results = await collect(provider.getResults(expiring));
    assert.deepEqual(results.map((result) => [result.customId, result.status]), [["e1", "expired"], ["e2", "expired"]]);
    assert.deepEqual(results[0]!.error, { code: "batch_expired", message: `batch ${expiring} expired and gave no result for this request`, retryable: true });
    // Another instance without the batch's files knows no request of it: nothing is made up.
    assert.deepEqual(await collect(setup.providerWith({ storage: false }).getResults(expiring)), []);
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

  test("a SUCCEEDED operation without any output is an invalid response, not an empty batch", async () => {
    const { emulator, provider } = setup;
    const batchId = await provider.sendBatch({ provider: "google", requests: [geminiText("o", "x")] });
    await waitUntilComplete(provider, batchId);
    emulator.editOperation(batchId, (operation) => {
      delete operation.response;
    });
    await assert.rejects(collect(provider.getResults(batchId)), (error: unknown) => {
      assert.ok(error instanceof InvalidResponseError);
      assert.match(error.message, /succeeded but its operation holds no output/);
      return true;
    });
  });

  test("the key and base URL come from GOOGLE_API_KEY or GEMINI_API_KEY and GEMINI_BASE_URL", async () => {
    const { emulator, server } = setup;
    const names = ["GOOGLE_API_KEY", "GEMINI_API_KEY", "GEMINI_BASE_URL"] as const;
    const saved = names.map((name) => process.env[name]);
    try {
      for (const name of names) delete process.env[name];
      assert.throws(() => new GoogleProvider({ storage: false }), (error: unknown) => {
        assert.ok(error instanceof ConfigurationError);
        assert.match(error.message, /GOOGLE_API_KEY or GEMINI_API_KEY/);
        return true;
      });
      process.env.GEMINI_API_KEY = GEMINI_KEY;
      process.env.GEMINI_BASE_URL = server.url;
      await assert.rejects(new GoogleProvider({ storage: false }).getStatus("batches/from-env"), BatchNotFoundError);
      assert.equal(emulator.received.at(-1)!.headers["x-goog-api-key"], GEMINI_KEY);
      // GOOGLE_API_KEY wins when both are set, as in Google's own SDK.
      process.env.GOOGLE_API_KEY = "AIzaSy-wrong-key";
      await assert.rejects(new GoogleProvider({ storage: false }).getStatus("batches/from-env"), /API key not valid/);
    } finally {
      names.forEach((name, index) => {
        if (saved[index] === undefined) delete process.env[name];
        else process.env[name] = saved[index];
      });
    }
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
