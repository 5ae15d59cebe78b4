/**
 * A wrong or rotated key (401) or a key without permission (403) is about the account, not the
 * requests: the round stops with the job resumable and nothing marked failed, and the job finishes
 * once the key is fixed. A provider answer that echoes the configured key never reaches an error,
 * a result, the manifest or a stored record.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { BatchRouter, JobInterruptedError, MemoryStorage, ProviderError } from "batch-router";

import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { API_KEY, collect, fastRouterOptions, jobRequests } from "../support/jobs.js";

function routerWith(storage: MemoryStorage, apiKey: string, fetch: (request: Request) => Promise<Response>): BatchRouter {
  return new BatchRouter({ providers: { openai: { apiKey, baseUrl: "http://127.0.0.1:9/v1", fetch } }, storage, ...fastRouterOptions() });
}

/** Every text the storage holds, joined. */
async function storedText(storage: MemoryStorage): Promise<string> {
  let text = "";
  for (const path of storage.files.keys()) text += (await storage.read(path)) ?? "";
  return text;
}

async function advanceUntilCompleted(router: BatchRouter, jobId: string): Promise<void> {
  for (let round = 0; (await router.advanceJob(jobId)).state !== "completed"; round++) assert.ok(round < 50, "the job did not end in 50 rounds");
}

describe("jobs: account errors stop the round, the job stays resumable", () => {
  test("a wrong key (401): advanceJob is interrupted, nothing is marked failed, the fixed key finishes the job", async () => {
    const emulator = new OpenAIEmulator({ apiKey: API_KEY });
    const storage = new MemoryStorage();
    const requests = jobRequests().slice(0, 4);
    const wrong = routerWith(storage, "wrong-key-for-this-test", emulator.fetch);
    const jobId = await wrong.startJob({ provider: "openai", requests });
    await assert.rejects(wrong.advanceJob(jobId), (error) => error instanceof JobInterruptedError && error.cause instanceof ProviderError && error.cause.status === 401);
    const manifest = await wrong.getJob(jobId);
    assert.equal(manifest?.state, "running");
    assert.deepEqual(manifest?.submissions.map((record) => record.phase), manifest?.submissions.map(() => "pending"));
    assert.equal(emulator.batches.size, 0);

    const fixed = routerWith(storage, API_KEY, emulator.fetch);
    await advanceUntilCompleted(fixed, jobId);
    const results = await collect(fixed.getJobResults(jobId));
    assert.deepEqual(results.map((result) => result.status), requests.map(() => "succeeded"));
  });

  test("a 403 on the create call: interrupted, the submission stays pending, the next round creates it", async () => {
    const emulator = new OpenAIEmulator({ apiKey: API_KEY });
    const storage = new MemoryStorage();
    const router = routerWith(storage, API_KEY, emulator.fetch);
    const requests = jobRequests().slice(0, 2);
    const jobId = await router.startJob({ provider: "openai", requests });
    emulator.failNext("POST", /^\/batches$/, 403, { error: { message: "You are not allowed to create batches.", type: "permission_error" } });
    await assert.rejects(router.advanceJob(jobId), (error) => error instanceof JobInterruptedError && (error.cause as ProviderError).status === 403);
    assert.deepEqual((await router.getJob(jobId))?.submissions.map((record) => record.phase), ["pending"]);
    await advanceUntilCompleted(router, jobId);
    assert.equal(emulator.batches.size, 1);
    assert.deepEqual((await collect(router.getJobResults(jobId))).map((result) => result.status), ["succeeded", "succeeded"]);
  });
});

describe("jobs: the configured key is scrubbed from provider answers", () => {
  test("a 401 echoing the key: neither the thrown error nor the manifest holds it", async () => {
    const emulator = new OpenAIEmulator({ apiKey: API_KEY });
    const storage = new MemoryStorage();
    const router = routerWith(storage, API_KEY, emulator.fetch);
    const jobId = await router.startJob({ provider: "openai", requests: jobRequests().slice(0, 2) });
    emulator.failNext("POST", /^\/files$/, 401, { error: { message: `Incorrect API key provided: ${API_KEY}.`, type: "invalid_request_error", code: "invalid_api_key" } });
    const error = await router.advanceJob(jobId).then(
      () => assert.fail("the round should stop"),
      (thrown: unknown) => thrown,
    );
    assert.ok(error instanceof JobInterruptedError);
    const cause = error.cause as ProviderError;
    assert.match(cause.message, /Incorrect API key provided: \[redacted\]/);
    for (const text of [error.message, cause.message, JSON.stringify(cause.body), await storedText(storage)]) assert.ok(!text.includes(API_KEY), text);
  });

  test("a 400 on the create echoing the key: the stored error and the requests' results do not hold it", async () => {
    const emulator = new OpenAIEmulator({ apiKey: API_KEY });
    const storage = new MemoryStorage();
    const router = routerWith(storage, API_KEY, emulator.fetch);
    const jobId = await router.startJob({ provider: "openai", requests: jobRequests().slice(0, 2) }, { maxAttempts: 1 });
    emulator.failNext("POST", /^\/batches$/, 400, { error: { message: `Invalid metadata for key ${API_KEY}`, type: "invalid_request_error" } });
    await advanceUntilCompleted(router, jobId);
    const results = await collect(router.getJobResults(jobId));
    assert.deepEqual(results.map((result) => result.status), ["errored", "errored"]);
    assert.match(JSON.stringify(results), /\[redacted\]/);
    assert.ok(!JSON.stringify(results).includes(API_KEY));
    assert.ok(!(await storedText(storage)).includes(API_KEY));
  });
});
