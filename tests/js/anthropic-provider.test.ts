/**
 * AnthropicProvider end to end against the Anthropic emulator on 127.0.0.1: the lifecycle with all
 * four result kinds, results followed at `results_url`, the transparency files, custom ids Anthropic
 * refuses, the default max_tokens, validation, cancel, delete and list pages — through the built
 * package. Errors and aborts are in `anthropic-provider-errors.test.ts`.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import {
  AnthropicProvider,
  BatchNotCompleteError,
  BatchNotFoundError,
  MemoryStorage,
  ProviderError,
  ValidationError,
  type UnifiedRequest,
} from "batch-router";

import { AnthropicEmulator } from "../emulators/anthropic-emulator.js";
import { ANTHROPIC_MODEL, anthropicRequests, anthropicTextRequest, unsafeIdRequests } from "../support/anthropic-requests.js";
import { serve, type RunningServer } from "../support/serve.js";
import { specValidator } from "../support/spec-validator.js";
import { collect, waitUntilComplete } from "../support/batches.js";

const API_KEY = "fake-anthropic-test-emulator-key-0123456789abcdef";
const SAFE_ID = /^[a-zA-Z0-9_-]{1,64}$/;

describe("AnthropicProvider against the emulator", () => {
  let emulator: AnthropicEmulator;
  let server: RunningServer;
  let storage: MemoryStorage;
  let provider: AnthropicProvider;

  before(async () => {
    emulator = new AnthropicEmulator({
      apiKey: API_KEY,
      validateRequest: specValidator("anthropic", "MessageBatchIndividualRequestParams"),
      chunkSize: 7,
    });
    server = await serve(emulator.fetch);
    storage = new MemoryStorage();
    provider = new AnthropicProvider({ apiKey: API_KEY, baseUrl: server.url, storage });
  });

  after(async () => {
    await server.close();
  });

  test("a batch goes through the lifecycle and every kind of result comes back normalized", async () => {
    const requests = [
      ...anthropicRequests(),
      anthropicTextRequest("invalid", "please FAIL_INVALID"),
      anthropicTextRequest("overloaded", "FAIL_OVERLOADED now"),
      anthropicTextRequest("canceled-one", "MAKE_CANCELED"),
      anthropicTextRequest("expired-one", "MAKE_EXPIRED"),
      { ...anthropicTextRequest("cut-off", "HIT_MAX_TOKENS with a long answer"), generationConfig: { maxTokens: 5 } },
    ];
    const batchId = await provider.sendBatch({ provider: "anthropic", requests });
    assert.match(batchId, /^msgbatch_/);
    const create = emulator.received.find((request) => request.method === "POST" && request.path === "/v1/messages/batches")!;
    assert.equal(create.headers["x-api-key"], API_KEY);
    assert.equal(create.headers["anthropic-version"], "2023-06-01");
    assert.match(create.headers["content-type"]!, /^application\/json/);

    const first = await provider.getStatus(batchId);
    assert.equal(first.provider, "anthropic");
    assert.equal(first.status, "in_progress");
    assert.equal(first.rawStatus, "in_progress");
    assert.deepEqual(first.requestCounts, { total: requests.length, processing: requests.length, succeeded: 0, errored: 0, cancelled: 0, expired: 0 });
    assert.match(first.createdAt!, /^2025-01-01T00:00:\d\d\.000Z$/);
    assert.equal(Date.parse(first.expiresAt!) - Date.parse(first.createdAt!), 24 * 3600 * 1000);
    assert.equal(first.isComplete(), false);

    const done = await waitUntilComplete(provider, batchId);
    assert.equal(done.rawStatus, "ended");
    // One request ran out of time, so the batch as a whole counts as expired (the core's rule).
    assert.equal(done.status, "expired");
    assert.deepEqual(done.requestCounts, { total: requests.length, processing: 0, succeeded: requests.length - 4, errored: 2, cancelled: 1, expired: 1 });
    assert.ok(done.completedAt! > done.createdAt!);
    const resultsUrl = (done.raw as { results_url: string }).results_url;
    assert.equal(resultsUrl, `${server.url}/files/results/${batchId}.jsonl`);

    const results = await collect(provider.getResults(batchId));
    assert.deepEqual(results.map((result) => result.customId).sort(), requests.map((request) => request.customId).sort());
    const byId = new Map(results.map((result) => [result.customId, result]));

    const plain = byId.get("plain")!;
    assert.equal(plain.status, "succeeded");
    assert.equal(plain.response?.text, "echo: What is the capital of France?");
    assert.equal(plain.response?.finishReason, "stop");
    assert.equal(plain.response?.rawFinishReason, "end_turn");
    assert.equal(plain.response?.model, ANTHROPIC_MODEL);
    assert.match(plain.response!.id!, /^msg_/);
    assert.deepEqual(plain.response?.usage, { inputTokens: 6, outputTokens: 7, totalTokens: 13, cacheReadTokens: 0, cacheWriteTokens: 0 });
    assert.equal((plain.response?.raw as { type: string }).type, "message");
    assert.equal(plain.error, undefined);

    const tools = byId.get("tools")!.response!;
    assert.equal(tools.finishReason, "tool_calls");
    const toolCall = tools.content.find((part) => part.type === "tool_call");
    assert.ok(toolCall?.type === "tool_call");
    assert.match(toolCall.id!, /^toolu_/);
    assert.deepEqual([toolCall.name, toolCall.arguments], ["get_weather", { city: "Paris" }]);
    assert.equal(tools.text, "Let me look that up.");
    const thinking = byId.get("thinking")!.response!;
    assert.equal(thinking.content[0]!.type, "reasoning");
    assert.match((thinking.content[0] as { signature?: string }).signature!, /^signature\d+$/);
    assert.equal(thinking.text, "echo: Prove that there are infinitely many primes.", "reasoning stays out of text");
    assert.equal(byId.get("cut-off")!.response?.finishReason, "length");

    const invalid = byId.get("invalid")!;
    assert.equal(invalid.status, "errored");
    assert.equal(invalid.error?.code, "invalid_request_error");
    assert.equal(invalid.error?.message, "messages: emulated invalid request");
    assert.equal(invalid.error?.retryable, false);
    assert.match(invalid.error!.requestId!, /^req_/);
    assert.equal(byId.get("overloaded")!.error?.code, "overloaded_error");
    assert.equal(byId.get("overloaded")!.error?.retryable, true);
    const canceled = byId.get("canceled-one")!;
    assert.deepEqual([canceled.status, canceled.error?.code, canceled.error?.retryable, canceled.response], ["cancelled", "batch_cancelled", true, undefined]);
    const expired = byId.get("expired-one")!;
    assert.deepEqual([expired.status, expired.error?.code, expired.error?.retryable], ["expired", "batch_expired", true]);

    // The results came from results_url, with the same headers; the usual path was never guessed.
    const download = emulator.received.find((request) => request.path === `/files/results/${batchId}.jsonl`)!;
    assert.equal(download.headers["x-api-key"], API_KEY);
    assert.equal(download.headers["anthropic-version"], "2023-06-01");
    assert.ok(!emulator.received.some((request) => request.path.endsWith("/results")));
  });

  test("a batch without expired requests completes, and the transparency files hold everything but the key", async () => {
    const requests = unsafeIdRequests();
    const batchId = await provider.sendBatch({ provider: "anthropic", requests });
    const done = await waitUntilComplete(provider, batchId);
    assert.equal(done.status, "completed");
    assert.deepEqual([done.requestCounts.succeeded, done.requestCounts.errored], [requests.length - 1, 1]);
    await collect(provider.getResults(batchId));

    const base = `generated/anthropic/batch_${batchId}_`;
    const unified = (await storage.read(`${base}unified.jsonl`))!.trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(unified, requests);
    const lines = (await storage.read(`${base}provider.jsonl`))!.trim().split("\n").map((line) => JSON.parse(line));
    assert.equal(lines.length, requests.length);
    const meta = JSON.parse((await storage.read(`${base}meta.json`))!);
    assert.equal(meta.batchId, batchId);
    assert.equal(meta.summary.requestCount, requests.length);
    assert.equal(meta.summary.route, "inline");
    assert.equal(meta.summary.model, ANTHROPIC_MODEL);
    // Every refused id has its replacement recorded, and the replacement is what was sent.
    const sentIds = lines.map((line: { custom_id: string }) => line.custom_id);
    assert.deepEqual(
      meta.summary.idMap,
      requests.slice(1).map((request, index) => ({ customId: request.customId, providerId: sentIds[index + 1] })),
    );
    const output = (await storage.read(`${base}output.jsonl`))!.trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(output.map((line: { custom_id: string }) => line.custom_id).sort(), [...sentIds].sort());
    const results = (await storage.read(`${base}results.jsonl`))!.trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(results.map((result: { customId: string }) => result.customId).sort(), requests.map((request) => request.customId).sort());
    for (const path of storage.files.keys()) {
      assert.ok(!(await storage.read(path))!.includes(API_KEY), `${path} holds the API key`);
    }
  });

  test("ids Anthropic refuses are replaced on the wire and restored in the results", async () => {
    const requests = unsafeIdRequests();
    const before = emulator.receivedCustomIds().length;
    const batchId = await provider.sendBatch({ provider: "anthropic", requests });
    const sent = emulator.receivedCustomIds().slice(before);
    assert.equal(sent.length, requests.length);
    for (const id of sent) assert.match(id, SAFE_ID);
    assert.equal(sent[0], "safe_id-1", "a valid id is sent as it is");
    assert.equal(new Set(sent).size, sent.length);
    await waitUntilComplete(provider, batchId);

    const results = await collect(provider.getResults(batchId));
    assert.deepEqual(results.map((result) => result.customId).sort(), requests.map((request) => request.customId).sort());
    const byId = new Map(results.map((result) => [result.customId, result]));
    // Multi-byte text survives results streamed 7 bytes at a time.
    assert.equal(byId.get("ünïcödé-🚀")!.response?.text, "echo: héllo wörld 世界 🌍 ✓");
    assert.equal(byId.get("x".repeat(80))!.status, "succeeded");
    assert.equal(byId.get("user@example.com/42")!.error?.code, "invalid_request_error");
  });

  test("results streamed a few bytes at a time decode across split characters", async () => {
    // In process, so the emulator's 7-byte chunks reach the decoder as they are (TCP may merge them).
    const chunked = new MemoryStorage();
    const inProcess = new AnthropicProvider({ apiKey: API_KEY, baseUrl: "http://emulated.invalid", storage: chunked, fetch: emulator.fetch });
    const text = "héllo wörld 世界 🌍 ✓ ".repeat(3).trim();
    const batchId = await inProcess.sendBatch({ provider: "anthropic", requests: [anthropicTextRequest("multi-byte", text), anthropicTextRequest("plain", "ascii")] });
    await waitUntilComplete(inProcess, batchId);
    const results = await collect(inProcess.getResults(batchId));
    assert.equal(results.find((result) => result.customId === "multi-byte")!.response?.text, `echo: ${text}`);
    // The output file holds the bytes whole, gathered into one append (a read under a MiB) after
    // the empty start, not one write per 7-byte chunk (R2Storage rewrites the object per append).
    const outputChunks = chunked.files.get(`generated/anthropic/batch_${batchId}_output.jsonl`)!;
    assert.equal(outputChunks.length - 1, 1, "one append, after the empty start");
    const output = (await chunked.read(`generated/anthropic/batch_${batchId}_output.jsonl`))!;
    assert.equal(output.trim().split("\n").length, 2);
    assert.ok(output.includes(`echo: ${text}`) || output.includes(JSON.stringify(`echo: ${text}`).slice(1, -1)), output);
  });

  test("ids are restored even when no transparency files are kept", async () => {
    const bare = new AnthropicProvider({ apiKey: API_KEY, baseUrl: server.url, storage: false });
    const requests = unsafeIdRequests();
    const batchId = await bare.sendBatch({ provider: "anthropic", requests });
    await waitUntilComplete(bare, batchId);
    const results = await collect(bare.getResults(batchId));
    assert.deepEqual(results.map((result) => result.customId).sort(), requests.map((request) => request.customId).sort());
  });

  test("a request without maxTokens gets the default 4096, with one warning for the batch", async () => {
    const requests = [
      anthropicTextRequest("no-limit-1", "x"),
      { ...anthropicTextRequest("limited", "y"), generationConfig: { maxTokens: 10 } },
      { ...anthropicTextRequest("kwargs-limit", "z"), providerKwargs: { max_tokens: 20 } },
      anthropicTextRequest("no-limit-2", "w"),
    ];
    const prepared = provider.prepareBatch(requests);
    assert.equal(prepared.summary.warnings.length, 1);
    const warning = prepared.summary.warnings[0]!;
    assert.deepEqual([warning.index, warning.customId, warning.field], [0, "no-limit-1", "generationConfig.maxTokens"]);
    // Said before anything is sent (a dry run, a refused budget): "was sent" was untrue there (a new-user trial).
    assert.match(warning.message, /4096 is set for this request and 1 more of the 4 in the batch/);
    assert.doesNotMatch(warning.message, /was sent/);
    const maxTokens = prepared.providerJsonl.trim().split("\n").map((line) => JSON.parse(line).params.max_tokens);
    assert.deepEqual(maxTokens, [4096, 10, 20, 4096]);

    const batchId = await provider.sendBatch({ provider: "anthropic", requests });
    const meta = JSON.parse((await storage.read(`generated/anthropic/batch_${batchId}_meta.json`))!);
    assert.equal(meta.summary.warnings[0].field, "generationConfig.maxTokens");
    assert.equal(provider.prepareBatch([requests[1]!]).summary.warnings.length, 0);
  });

  test("what Anthropic cannot take is refused before anything is sent", async () => {
    const before = emulator.received.length;
    const refuse = async (request: UnifiedRequest, field: string) => {
      await assert.rejects(
        provider.sendBatch({ provider: "anthropic", requests: [anthropicTextRequest("fine", "ok"), request] }),
        (error: unknown) => {
          assert.ok(error instanceof ValidationError, String(error));
          assert.equal(error.index, 1);
          assert.equal(error.customId, "bad");
          assert.equal(error.field, field);
          return true;
        },
      );
    };
    const bad = anthropicTextRequest("bad", "x");
    await refuse({ ...bad, generationConfig: { presencePenalty: 0.5 } }, "generationConfig.presencePenalty");
    await refuse({ ...bad, generationConfig: { frequencyPenalty: 0.5 } }, "generationConfig.frequencyPenalty");
    await refuse({ ...bad, generationConfig: { temperature: 1.5 } }, "generationConfig.temperature");
    await refuse(
      { ...bad, messages: [{ role: "user", content: [{ type: "image", sourceType: "file_uri", data: "https://generativelanguage.googleapis.com/v1beta/files/abc" }] }] },
      "messages[0].content[0].sourceType",
    );
    await refuse(
      { ...bad, messages: [{ role: "user", content: [{ type: "document", sourceType: "file_uri", data: "gs://bucket/doc.pdf", mediaType: "application/pdf" }] }] },
      "messages[0].content[0].sourceType",
    );
    await refuse({ ...bad, messages: [{ role: "user", content: [{ type: "image", sourceType: "base64", mediaType: "image/bmp", data: "Qk0=" }] }] }, "messages[0].content[0].mediaType");
    await refuse({ ...bad, messages: [{ role: "assistant", content: "I start." }, { role: "user", content: "x" }] }, "messages[0].role");
    await assert.rejects(provider.sendBatch({ provider: "anthropic", requests: [anthropicTextRequest("d", "x"), anthropicTextRequest("d", "y")] }), /duplicate customId/);
    assert.equal(emulator.received.length, before);
  });

  test("dropUnsupported leaves the penalties out, says so, and the request still passes the spec", async () => {
    const lenient = new AnthropicProvider({ apiKey: API_KEY, baseUrl: server.url, storage: false, dropUnsupported: true });
    const request = { ...anthropicTextRequest("penalised", "x"), generationConfig: { maxTokens: 8, presencePenalty: 0.5, frequencyPenalty: -0.5, temperature: 0.2 } };
    const prepared = lenient.prepareBatch([request]);
    assert.deepEqual(prepared.summary.warnings.map((warning) => warning.field).sort(), ["generationConfig.frequencyPenalty", "generationConfig.presencePenalty"]);
    const params = JSON.parse(prepared.providerJsonl).params;
    assert.deepEqual([params.presence_penalty, params.frequency_penalty, params.temperature], [undefined, undefined, 0.2]);
    const batchId = await lenient.sendBatch({ provider: "anthropic", requests: [request] });
    assert.equal((await lenient.getStatus(batchId)).rawStatus, "in_progress");
  });

  test("results of a running batch are refused with BatchNotCompleteError", async () => {
    const batchId = await provider.sendBatch({ provider: "anthropic", requests: [anthropicTextRequest("r", "x")] });
    await assert.rejects(collect(provider.getResults(batchId)), (error: unknown) => {
      assert.ok(error instanceof BatchNotCompleteError);
      assert.deepEqual([error.batchId, error.status], [batchId, "in_progress"]);
      return true;
    });
  });

  test("cancel shows canceling, then ends cancelled with partial results", async () => {
    const requests = Array.from({ length: 6 }, (_, index) => anthropicTextRequest(`c${index}`, `item ${index}`));
    const batchId = await provider.sendBatch({ provider: "anthropic", requests });
    assert.equal(await provider.cancelBatch(batchId), true);
    assert.ok(emulator.received.some((request) => request.method === "POST" && request.path === `/v1/messages/batches/${batchId}/cancel`));
    const canceling = await provider.getStatus(batchId);
    assert.deepEqual([canceling.rawStatus, canceling.status, canceling.isComplete()], ["canceling", "in_progress", false]);
    assert.equal(typeof (canceling.raw as { cancel_initiated_at: unknown }).cancel_initiated_at, "string");
    const ended = await provider.getStatus(batchId);
    assert.deepEqual([ended.rawStatus, ended.status], ["ended", "cancelled"]);
    assert.deepEqual(ended.requestCounts, { total: 6, processing: 0, succeeded: 3, errored: 0, cancelled: 3, expired: 0 });
    const results = await collect(provider.getResults(batchId));
    assert.deepEqual(results.filter((result) => result.status === "succeeded").map((result) => result.customId).sort(), ["c0", "c1", "c2"]);
    assert.deepEqual(results.filter((result) => result.status === "cancelled").map((result) => result.customId).sort(), ["c3", "c4", "c5"]);
    assert.equal(await provider.cancelBatch(batchId), false, "an ended batch has nothing to cancel");
  });

  test("delete is refused while the batch runs and works once it has ended", async () => {
    const batchId = await provider.sendBatch({ provider: "anthropic", requests: [anthropicTextRequest("del", "x")] });
    await assert.rejects(provider.deleteBatch(batchId), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.deepEqual([error.status, error.errorType, error.retryable], [400, "invalid_request_error", false]);
      assert.match(error.message, /still processing/);
      return true;
    });
    await waitUntilComplete(provider, batchId);
    await provider.deleteBatch(batchId);
    assert.ok(emulator.received.some((request) => request.method === "DELETE" && request.path === `/v1/messages/batches/${batchId}`));
    await assert.rejects(provider.getStatus(batchId), BatchNotFoundError);
  });

  test("listing is newest first and follows pages with after_id", async () => {
    const created: string[] = [];
    for (let index = 0; index < 3; index++) {
      created.push(await provider.sendBatch({ provider: "anthropic", requests: [anthropicTextRequest(`l${index}`, "x")] }));
    }
    const page = await provider.listBatchPage({ limit: 2 });
    assert.deepEqual(page.batches.map((batch) => batch.batchId), [created[2], created[1]]);
    assert.equal(page.hasMore, true);
    assert.equal(page.nextCursor, created[1]);
    const next = await provider.listBatchPage({ limit: 2, after: page.nextCursor });
    assert.equal(next.batches[0]!.batchId, created[0]);
    assert.ok(emulator.received.some((request) => request.path === `/v1/messages/batches?limit=2&after_id=${created[1]}`));

    const all = await provider.listBatches({ limit: 1000 });
    assert.equal(all.length, emulator.batches.size);
    assert.equal(new Set(all.map((batch) => batch.batchId)).size, all.length);
    const five = await provider.listBatches({ limit: 5 });
    assert.deepEqual(five.map((batch) => batch.batchId), all.slice(0, 5).map((batch) => batch.batchId));
    const last = await provider.listBatchPage({ limit: 2, after: all.at(-2)!.batchId });
    assert.deepEqual([last.batches.length, last.hasMore, last.nextCursor], [1, false, undefined]);
    // The core keeps limit within 1–1000, which the emulator enforces like the API.
    assert.equal((await provider.listBatchPage({ limit: 5000 })).batches.length, all.length);
  });
});
