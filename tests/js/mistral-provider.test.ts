/**
 * MistralProvider end to end against the Mistral emulator on 127.0.0.1, on the file route (the
 * default) and the inline route: the lifecycle with the counts Mistral reports, results from the
 * output and error files (or inline outputs), failed jobs and malformed lines — through the built
 * package. Cancellation, timeout, listing, deletion and errors: mistral-provider-operations.test.ts.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";

import { BatchNotCompleteError, MistralProvider } from "batch-router";

import { MistralEmulator } from "../emulators/mistral-emulator.js";
import { API_KEY, FAILING, collect, startMistral, waitUntilComplete, type Harness } from "../support/mistral-harness.js";
import { MISTRAL_MODEL, mistralRequests, mistralText } from "../support/mistral-requests.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function fixture(name: string): string {
  return readFileSync(new URL(`../../fixtures/mistral/${name}`, import.meta.url), "utf8");
}

describe("MistralProvider on the file route", () => {
  let harness: Harness;

  before(async () => {
    harness = await startMistral({ readsPerState: 1 });
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
    // The first half (7 of 15) is done midway; of those, none carries a failure word.
    assert.deepEqual(running.requestCounts, { total: 15, processing: 8, succeeded: 7, errored: 0, cancelled: 0, expired: 0 });
    assert.equal(running.isComplete(), false);

    const done = await provider.getStatus(batchId);
    assert.equal(done.rawStatus, "SUCCESS");
    assert.equal(done.status, "completed");
    assert.deepEqual(done.requestCounts, { total: 15, processing: 0, succeeded: 10, errored: 5, cancelled: 0, expired: 0 });
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
    assert.equal(byId.get("multi-turn-full-config")!.response?.text, "echo: Et le meilleur vin ? Château, s'il vous plaît.");

    const badRequest = byId.get("bad-request")!;
    assert.equal(badRequest.status, "errored");
    assert.equal(badRequest.error?.httpStatus, 400);
    assert.equal(badRequest.error?.retryable, false);
    assert.equal(badRequest.error?.message, "Emulated failure 400");
    assert.equal(badRequest.error?.code, "invalid_request_error");
    const unprocessable = byId.get("unprocessable")!.error!;
    assert.equal(unprocessable.httpStatus, 422);
    assert.equal(unprocessable.retryable, false);
    assert.match(unprocessable.message, /Emulated validation failure/);
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

  test("results streamed one byte at a time arrive whole, multibyte characters included", async () => {
    const emulator = new MistralEmulator({ chunkSize: 1 });
    const provider = new MistralProvider({ apiKey: API_KEY, baseUrl: "http://emulated.invalid", storage: false, fetch: emulator.fetch });
    const requests = [mistralText("u1", "Crème brûlée ou île flottante ?"), mistralText("u2", "日本語で答えて 🍣"), mistralText("u3", "FAIL_400 ÿ")];
    const batchId = await provider.sendBatch({ provider: "mistral", requests });
    await waitUntilComplete(provider, batchId);
    const results = await collect(provider.getResults(batchId));
    const byId = new Map(results.map((result) => [result.customId, result]));
    assert.equal(byId.get("u1")!.response?.text, "echo: Crème brûlée ou île flottante ?");
    assert.equal(byId.get("u2")!.response?.text, "echo: 日本語で答えて 🍣");
    assert.equal(byId.get("u3")!.error?.httpStatus, 400);
  });

  test("a providerKwargs key the spec lacks is refused before upload; a wrong value fails that request at Mistral, not the batch", async () => {
    const { provider, emulator } = harness;
    const unknown = { ...mistralText("raw-top-k", "y"), providerKwargs: { top_k: 40 } };
    await assert.rejects(provider.sendBatch({ provider: "mistral", requests: [unknown] }), { code: "validation", field: "providerKwargs.top_k" });
    // (`random_seed` is checked as the unified seed before upload; `safe_prompt` is not checked.)
    const requests = [mistralText("fine", "x"), { ...mistralText("raw-top-k", "y"), providerKwargs: { safe_prompt: "yes" } }];
    const batchId = await provider.sendBatch({ provider: "mistral", requests });
    const status = await waitUntilComplete(provider, batchId);
    assert.deepEqual([status.status, status.requestCounts.succeeded, status.requestCounts.errored], ["completed", 1, 1]);
    const results = await collect(provider.getResults(batchId));
    const rejected = results.find((result) => result.customId === "raw-top-k")!;
    assert.equal(rejected.status, "errored");
    assert.equal(rejected.error?.httpStatus, 422);
    assert.match(rejected.error?.message ?? "", /safe_prompt/);
    assert.ok(emulator.violations.some((violation) => /raw-top-k/.test(violation)));
    emulator.violations.length = 0;
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
      const harness = await startMistral({ inlineJobResults: mode }, { route: "inline" });
      try {
        const { provider, emulator } = harness;
        const requests = [...mistralRequests(), FAILING[0]!, FAILING[4]!];
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
    const harness = await startMistral({ inlineJobResults: "outputs-on-request" }, { route: "inline" });
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
