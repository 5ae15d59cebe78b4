/**
 * MistralProvider end to end against the Mistral emulator on 127.0.0.1, on the file route (the
 * default) and the inline route: the lifecycle with its exact counts, results from the output and
 * error files, cancellation, timeout, listing, deletion, typed errors and the transparency files —
 * through the built package.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";

import {
  BatchNotCompleteError,
  BatchNotFoundError,
  ConfigurationError,
  MemoryStorage,
  MistralProvider,
  ProviderError,
  ValidationError,
  type ProviderOptions,
  type UnifiedResult,
} from "batch-router";

import { MistralEmulator, type MistralEmulatorOptions } from "../emulators/mistral-emulator.js";
import { MISTRAL_MODEL, mistralRequests, mistralText } from "../support/mistral-requests.js";
import { serve, type RunningServer } from "../support/serve.js";
import { specValidator } from "../support/spec-validator.js";

const API_KEY = "mistral-test-key-5f0c2a9e81d4b7c3";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function collect(iterable: AsyncIterable<UnifiedResult>): Promise<UnifiedResult[]> {
  const results: UnifiedResult[] = [];
  for await (const result of iterable) results.push(result);
  return results;
}

async function waitUntilComplete(provider: MistralProvider, batchId: string) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const status = await provider.getStatus(batchId);
    if (status.isComplete()) return status;
  }
  throw new Error(`batch ${batchId} did not complete`);
}

function fixture(name: string): string {
  return readFileSync(new URL(`../../fixtures/mistral/${name}`, import.meta.url), "utf8");
}

interface Harness {
  emulator: MistralEmulator;
  server: RunningServer;
  storage: MemoryStorage;
  provider: MistralProvider;
}

async function start(emulatorOptions: MistralEmulatorOptions = {}, providerOptions: ProviderOptions = {}): Promise<Harness> {
  const emulator = new MistralEmulator({
    apiKey: API_KEY,
    validateLine: specValidator("mistral", "BatchRequest"),
    validateBody: specValidator("mistral", "ChatCompletionRequest"),
    validateCreate: specValidator("mistral", "CreateBatchJobRequest"),
    ...emulatorOptions,
  });
  const server = await serve(emulator.fetch);
  const storage = new MemoryStorage();
  const provider = new MistralProvider({ apiKey: API_KEY, baseUrl: server.url, storage, ...providerOptions });
  return { emulator, server, storage, provider };
}

const FAILING = [
  mistralText("bad-request", "please FAIL_400"),
  mistralText("rate-limited", "FAIL_429 now"),
  mistralText("server-error", "FAIL_500 now"),
  mistralText("error-field", "FAIL_ERROR here"),
];

describe("MistralProvider on the file route", () => {
  let harness: Harness;

  before(async () => {
    harness = await start({ readsPerState: 1 });
  });

  after(async () => {
    await harness.server.close();
  });

  test("a job goes QUEUED → RUNNING → SUCCESS with the counts Mistral reports, and every request comes back once", async () => {
    const { provider, emulator } = harness;
    const requests = [...mistralRequests(), ...FAILING];
    const batchId = await provider.sendBatch({ provider: "mistral", requests, metadata: { job_type: "lifecycle" } });
    assert.match(batchId, UUID);
    assert.deepEqual(
      emulator.received.map((request) => `${request.method} ${request.path}`),
      ["POST /v1/files", "POST /v1/batch/jobs"],
    );

    const queued = await provider.getStatus(batchId);
    assert.equal(queued.provider, "mistral");
    assert.equal(queued.rawStatus, "QUEUED");
    assert.equal(queued.status, "validating");
    // Mistral reports 0 until it has read the input: the count is not guessed from what was sent.
    assert.deepEqual(queued.requestCounts, { total: 0, processing: 0, succeeded: 0, errored: 0, cancelled: 0, expired: 0 });
    assert.equal(queued.metadata?.job_type, "lifecycle");
    assert.equal(queued.model, MISTRAL_MODEL);
    assert.ok(queued.createdAt?.endsWith("Z"));

    const running = await provider.getStatus(batchId);
    assert.equal(running.rawStatus, "RUNNING");
    assert.equal(running.status, "in_progress");
    // The first half (7 of 14) is done midway; of those, none carries a failure word.
    assert.deepEqual(running.requestCounts, { total: 14, processing: 7, succeeded: 7, errored: 0, cancelled: 0, expired: 0 });
    assert.equal(running.isComplete(), false);

    const done = await provider.getStatus(batchId);
    assert.equal(done.rawStatus, "SUCCESS");
    assert.equal(done.status, "completed");
    assert.deepEqual(done.requestCounts, { total: 14, processing: 0, succeeded: 10, errored: 4, cancelled: 0, expired: 0 });
    assert.ok(done.completedAt?.endsWith("Z"));

    const raw = done.raw as { output_file: string; error_file: string };
    const results = await collect(provider.getResults(batchId));
    const downloads = emulator.received.filter((request) => request.path.endsWith("/content")).map((request) => request.path);
    assert.deepEqual(downloads, [`/v1/files/${raw.output_file}/content`, `/v1/files/${raw.error_file}/content`]);
    assert.deepEqual(results.map((result) => result.customId).sort(), requests.map((request) => request.customId).sort());

    const byId = new Map(results.map((result) => [result.customId, result]));
    const plain = byId.get("plain")!;
    assert.equal(plain.status, "succeeded");
    assert.equal(plain.response?.text, "echo: What is the capital of France?");
    assert.equal(plain.response?.finishReason, "stop");
    assert.equal(plain.response?.model, MISTRAL_MODEL);
    assert.equal(plain.response?.usage?.inputTokens, "What is the capital of France?".length);
    assert.equal(byId.get("multi-turn-full-config")!.response?.text, "echo: Et le meilleur vin ?");

    const badRequest = byId.get("bad-request")!;
    assert.equal(badRequest.status, "errored");
    assert.equal(badRequest.error?.httpStatus, 400);
    assert.equal(badRequest.error?.retryable, false);
    assert.equal(badRequest.error?.message, "Emulated failure 400");
    assert.equal(badRequest.error?.code, "invalid_request_error");
    assert.equal(byId.get("rate-limited")!.error?.retryable, true);
    assert.equal(byId.get("server-error")!.error?.httpStatus, 500);
    assert.equal(byId.get("server-error")!.error?.retryable, true);
    const errorField = byId.get("error-field")!;
    assert.equal(errorField.status, "errored");
    assert.equal(errorField.error?.code, "internal_error");
    assert.equal(errorField.error?.message, "The request could not be processed");
    assert.deepEqual(emulator.violations, []);
  });

  test("the documented output line is a success, not an error", async () => {
    const { provider, emulator } = harness;
    const requests = ["0", "1", "2", "3"].map((customId) => mistralText(customId, "What is the best French cheese?"));
    const batchId = await provider.sendBatch({ provider: "mistral", requests });
    const status = await waitUntilComplete(provider, batchId);
    const outputFile = (status.raw as { output_file: string }).output_file;
    // The guide's own result lines (reference §4.6), byte for byte.
    emulator.setFileContent(outputFile, fixture("output.jsonl"));
    const results = await collect(provider.getResults(batchId));
    assert.deepEqual(results.map((result) => [result.customId, result.status]), [
      ["0", "succeeded"],
      ["1", "succeeded"],
      ["2", "succeeded"],
      ["3", "succeeded"],
    ]);
    assert.equal(results[0]!.error, undefined);
    assert.equal(results[0]!.response?.finishReason, "length");
    assert.equal(results[0]!.response?.usage?.outputTokens, 128);
    assert.equal(results[1]!.response?.text, '{"result": 2}');
    assert.equal(results[2]!.response?.finishReason, "tool_calls");
    assert.deepEqual(
      results[2]!.response?.content.filter((part) => part.type === "tool_call"),
      [{ type: "tool_call", id: "D681PevKs", name: "get_weather", arguments: { city: "Paris" } }],
    );
    assert.equal(results[3]!.response?.text, "2");
  });

  test("results of a running job are refused with BatchNotCompleteError", async () => {
    const { provider } = harness;
    const batchId = await provider.sendBatch({ provider: "mistral", requests: [mistralText("r", "x")] });
    await assert.rejects(collect(provider.getResults(batchId)), (error: unknown) => {
      assert.ok(error instanceof BatchNotCompleteError);
      assert.equal(error.batchId, batchId);
      assert.equal(error.status, "QUEUED");
      return true;
    });
  });

  test("an input file Mistral cannot read fails the job with its errors", async () => {
    const { provider, emulator } = harness;
    const batchId = await provider.sendBatch({ provider: "mistral", requests: [mistralText("f1", "x"), mistralText("f2", "y")] });
    const inputFile = (JSON.parse(emulator.received.at(-1)!.bodyText) as { input_files: string[] }).input_files[0]!;
    emulator.setFileContent(inputFile, "{ not json\n");
    const status = await waitUntilComplete(provider, batchId);
    assert.equal(status.status, "failed");
    assert.equal(status.rawStatus, "FAILED");
    assert.deepEqual(status.errors?.map((error) => error.message), ["Line 1 of the input file is not valid JSON"]);
    assert.deepEqual(await collect(provider.getResults(batchId)), []);
  });

  test("a malformed line in a result file becomes an errored result, the rest still arrive", async () => {
    const { provider, emulator } = harness;
    const batchId = await provider.sendBatch({ provider: "mistral", requests: [mistralText("m1", "x"), mistralText("m2", "y")] });
    const status = await waitUntilComplete(provider, batchId);
    const outputFile = (status.raw as { output_file: string }).output_file;
    emulator.setFileContent(outputFile, emulator.files.get(outputFile)!.content.replace(/^\{/, "{ broken"));
    const results = await collect(provider.getResults(batchId));
    assert.equal(results.length, 2);
    assert.equal(results.filter((result) => result.error?.code === "malformed_result_line").length, 1);
    assert.equal(results.filter((result) => result.status === "succeeded").length, 1);
  });
});

describe("MistralProvider on the inline route", () => {
  for (const mode of ["outputs", "files"] as const) {
    test(`a job sent inline completes and its results come back (results in ${mode})`, async () => {
      const harness = await start({ inlineJobResults: mode }, { route: "inline" });
      try {
        const { provider, emulator } = harness;
        const requests = [...mistralRequests(), FAILING[0]!, FAILING[3]!];
        const batchId = await provider.sendBatch({ provider: "mistral", requests });
        assert.deepEqual(emulator.received.map((request) => `${request.method} ${request.path}`), ["POST /v1/batch/jobs"]);
        const create = JSON.parse(emulator.received[0]!.bodyText) as { requests: { custom_id: string }[]; input_files?: unknown };
        assert.deepEqual(create.requests.map((line) => line.custom_id), requests.map((request) => request.customId));
        assert.equal(create.input_files, undefined);
        const done = await waitUntilComplete(provider, batchId);
        assert.equal(done.status, "completed");
        assert.deepEqual(done.requestCounts, { total: 12, processing: 0, succeeded: 10, errored: 2, cancelled: 0, expired: 0 });
        const results = await collect(provider.getResults(batchId));
        assert.deepEqual(results.map((result) => result.customId).sort(), requests.map((request) => request.customId).sort());
        assert.equal(results.filter((result) => result.status === "succeeded").length, 10);
        assert.equal(results.find((result) => result.customId === "bad-request")?.error?.httpStatus, 400);
        assert.deepEqual(emulator.violations, []);
      } finally {
        await harness.server.close();
      }
    });
  }

  test("an inline job whose results Mistral gives only with ?inline=true still yields them", async () => {
    const harness = await start({ inlineJobResults: "outputs-on-request" }, { route: "inline" });
    try {
      const { provider } = harness;
      const requests = [mistralText("a", "one"), mistralText("b", "FAIL_500 two")];
      const batchId = await provider.sendBatch({ provider: "mistral", requests });
      await waitUntilComplete(provider, batchId);
      const results = await collect(provider.getResults(batchId));
      assert.deepEqual(results.map((result) => [result.customId, result.status]).sort(), [
        ["a", "succeeded"],
        ["b", "errored"],
      ]);
    } finally {
      await harness.server.close();
    }
  });
});

describe("MistralProvider: refusals, cancel, timeout, list, delete and errors", () => {
  let harness: Harness;

  before(async () => {
    harness = await start();
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
    const results = await collect(provider.getResults(batchId));
    assert.deepEqual(results.map((result) => [result.customId, result.status]), [
      ["c0", "succeeded"],
      ["c1", "succeeded"],
      ["c2", "succeeded"],
    ]);
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
    const results = await collect(provider.getResults(batchId));
    assert.deepEqual(results.map((result) => [result.customId, result.status]).sort(), [
      ["t0", "succeeded"],
      ["t1", "errored"],
    ]);
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
