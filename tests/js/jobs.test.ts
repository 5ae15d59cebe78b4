/**
 * BatchRouter jobs against the OpenAI emulator (in process): planning and splitting, resubmission
 * of retryable and expired requests, safe retries (no second upload, no second batch), waiting and
 * progress, routing by provider name.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  AnthropicProvider,
  BatchNotCompleteError,
  BatchRouter,
  ConfigurationError,
  JobInterruptedError,
  MemoryStorage,
  TimeoutError,
  ValidationError,
  type BatchRouterOptions,
  type ProgressEvent,
} from "batch-router";

import { OpenAIEmulator, type OpenAIEmulatorOptions } from "../emulators/openai-emulator.js";
import { FaultyFetch, scriptedFaults, type FaultSchedule } from "../support/faults.js";
import { API_KEY, assertJobInvariants, collect, fastRouterOptions, jobRequests } from "../support/jobs.js";
import { textRequest } from "../support/requests.js";

const BASE_URL = "http://127.0.0.1:9/v1";

function setup(options: { emulator?: OpenAIEmulatorOptions; faults?: FaultSchedule; router?: Partial<BatchRouterOptions> } = {}) {
  const emulator = new OpenAIEmulator({ apiKey: API_KEY, startClock: Math.floor(Date.now() / 1000), ...options.emulator });
  const faulty = new FaultyFetch(emulator.fetch, options.faults ?? (() => undefined));
  const storage = new MemoryStorage();
  const router = new BatchRouter({
    providers: { openai: { apiKey: API_KEY, baseUrl: BASE_URL, fetch: faulty.fetch } },
    storage,
    ...fastRouterOptions(),
    ...options.router,
  });
  return { emulator, faulty, storage, router };
}

function calls(emulator: OpenAIEmulator, method: string, path: RegExp): number {
  return emulator.received.filter((request) => request.method === method && path.test(request.path)).length;
}

describe("BatchRouter jobs", () => {
  test("plan() shows the split, by model and by the request limit, without sending anything", () => {
    const { emulator, router } = setup();
    const plan = router.plan({ provider: "openai", requests: jobRequests() });
    assert.equal(plan.requestCount, 12);
    assert.deepEqual(
      plan.chunks.map((chunk) => [chunk.model, chunk.requestCount]),
      [["gpt-4o-mini", 4], ["gpt-4o-mini", 4], ["gpt-4o", 4]],
    );
    assert.deepEqual(plan.chunks[2]!.requestRanges, [[2, 3], [5, 6], [8, 9], [11, 12]]);
    assert.equal(plan.limits.maxRequests, 4);
    assert.ok(plan.chunks.every((chunk) => chunk.bytes > 0 && chunk.bytes < plan.limits.maxBytes));
    assert.equal(emulator.received.length, 0);
    assert.throws(() => router.plan({ provider: "openai", requests: [textRequest("same", "a"), textRequest("same", "b")] }), /duplicate customId/);
  });

  test("a job is split, resubmits what may succeed, and accounts for every request once", async () => {
    const { emulator, router } = setup();
    const events: ProgressEvent[] = [];
    const requests = jobRequests();
    const summary = await router.runJob({ provider: "openai", requests }, { onProgress: (event) => events.push(event) });
    assert.equal(summary.state, "completed");
    assert.equal(summary.total, 12);
    assert.equal(summary.succeeded, 10);
    assert.equal(summary.errored, 2);
    assert.deepEqual(summary.reasons, { invalid_request_error: 1, server_error: 1 });
    // 3 planned batches; FLAKY_500 × 2 and FAIL_500 sent again (two models: two batches); FAIL_500 a third time.
    assert.equal(summary.batches, 6);
    assert.equal(summary.attempts, 3);
    const failing = summary.unsuccessful.find((item) => item.customId === "q-7")!;
    assert.deepEqual([failing.status, failing.attempts], ["errored", 3]);
    assert.equal(summary.unsuccessful.find((item) => item.customId === "q-4")!.attempts, 1);

    const manifest = (await router.getJob(summary.jobId))!;
    const results = await collect(router.getJobResults(summary.jobId));
    assertJobInvariants(emulator, manifest, results, requests);

    const last = events.at(-1)!;
    assert.equal(last.jobId, summary.jobId);
    assert.equal(last.total, 12);
    assert.ok(last.batches.length >= 3);
    const counted = events.flatMap((event) => event.batches).find((batch) => batch.status === "completed")!;
    assert.equal(counted.requestCounts.total, counted.requestCounts.succeeded + counted.requestCounts.errored);
  });

  test("expired requests are sent again and their results merged", async () => {
    let expired = 0;
    const { emulator, router } = setup({ emulator: { endWith: () => (expired++ === 0 ? "expired" : "completed") } });
    const requests = jobRequests().filter((request) => !/FAIL|FLAKY/.test(String(request.messages![0]!.content)));
    const summary = await router.runJob({ provider: "openai", requests });
    assert.deepEqual([summary.succeeded, summary.expired, summary.errored], [requests.length, 0, 0]);
    assert.ok(summary.batches > 3, "the expired half went into a follow-up batch");
    const manifest = (await router.getJob(summary.jobId))!;
    const first = manifest.submissions.find((record) => record.status?.status === "expired")!;
    assert.ok(first.results!.counts.expired > 0);
    assertJobInvariants(emulator, manifest, await collect(router.getJobResults(summary.jobId)), requests);
  });

  test("a create refused for good marks its batch failed; its requests say why", async () => {
    const { emulator, router } = setup();
    emulator.failNext("POST", /^\/batches$/, 400, { error: { message: "Bad batch", type: "invalid_request_error", param: null, code: null } });
    const requests = jobRequests().slice(0, 4).map((request) => ({ ...request, model: "gpt-4o-mini" }));
    const summary = await router.runJob({ provider: "openai", requests: [...requests, textRequest("extra", "hello")] }, { plan: { maxRequestsPerBatch: 4 } });
    assert.equal(summary.reasons.submission_failed, 4);
    assert.equal(summary.succeeded, 1);
    assert.match(summary.unsuccessful[0]!.message, /Bad batch/);
    // A 400 is not retried: one create per batch.
    assert.equal(calls(emulator, "POST", /^\/v1\/batches$/), 2);
  });

  test("a permanent error is not retried", async () => {
    const emulator = new OpenAIEmulator({ apiKey: API_KEY });
    const wrongKey = new BatchRouter({
      providers: { openai: { apiKey: "sk-wrong", baseUrl: BASE_URL, fetch: emulator.fetch } },
      storage: new MemoryStorage(),
      ...fastRouterOptions(),
    });
    // A wrong key is about the account, not the requests: the run stops at the first 401, resumable.
    const stopped = await wrongKey.runJob({ provider: "openai", requests: jobRequests() }, { jobId: "wrong-key" }).then(
      () => assert.fail("the run should stop"),
      (error: unknown) => error,
    );
    assert.ok(stopped instanceof JobInterruptedError && (stopped.cause as { status?: number }).status === 401, String(stopped));
    assert.equal(calls(emulator, "POST", /^\/v1\/files$/), 1, "the upload is not repeated");
    assert.equal(emulator.batches.size, 0);
    assert.ok((await wrongKey.getJob("wrong-key"))!.submissions.every((record) => record.phase === "pending"), "nothing is marked failed");
  });

  test("a create whose answer was lost is found by its tag, not created again", async () => {
    const faults = scriptedFaults([{ method: "POST", path: /^\/v1\/batches$/, fault: "answer_lost" }]);
    const { emulator, faulty, router } = setup({ faults });
    const requests = jobRequests().slice(0, 4);
    const summary = await router.runJob({ provider: "openai", requests }, { maxAttempts: 1 });
    assert.deepEqual(faulty.injected.map((fault) => fault.fault), ["answer_lost"]);
    assert.equal(calls(emulator, "POST", /^\/v1\/batches$/), summary.batches, "no create was sent twice");
    assert.ok(calls(emulator, "GET", /^\/v1\/batches\?/) >= 1, "the list was searched");
    assertJobInvariants(emulator, (await router.getJob(summary.jobId))!, await collect(router.getJobResults(summary.jobId)), requests);
  });

  test("after an ambiguous create failure the upload is not repeated", async () => {
    const faults = scriptedFaults([
      { method: "POST", path: /^\/v1\/batches$/, fault: "server_error" },
      { method: "POST", path: /^\/v1\/batches$/, fault: "hang" },
    ]);
    const { emulator, faulty, router } = setup({ faults, router: { requestTimeout: 100 } });
    const requests = jobRequests().slice(0, 2);
    const summary = await router.runJob({ provider: "openai", requests }, { maxAttempts: 1 });
    assert.deepEqual(faulty.injected.map((fault) => fault.fault), ["server_error", "hang"]);
    assert.equal(calls(emulator, "POST", /^\/v1\/files$/), summary.batches, "one upload per batch");
    assertJobInvariants(emulator, (await router.getJob(summary.jobId))!, await collect(router.getJobResults(summary.jobId)), requests);
  });

  test("retries wait as long as retry-after-ms says", async () => {
    const { emulator, router } = setup();
    emulator.failNext("POST", /^\/files$/, 429, { error: { message: "slow down", type: "requests", param: null, code: "rate_limit_exceeded" } }, { "retry-after-ms": "250" });
    const started = Date.now();
    const jobId = await router.submitJob({ provider: "openai", requests: [textRequest("a", "hi")] });
    assert.ok(Date.now() - started >= 245, `waited ${Date.now() - started} ms`);
    assert.equal(calls(emulator, "POST", /^\/v1\/files$/), 2);
    assert.equal((await router.getJob(jobId))!.submissions[0]!.phase, "submitted");
  });

  test("a truncated result download is downloaded again", async () => {
    const faults = scriptedFaults([{ method: "GET", path: /\/content$/, fault: "truncate" }]);
    const { emulator, faulty, router } = setup({ faults });
    // Lines of different lengths, so that the cut (half the body) falls inside a line: a cut line
    // is what tells a cut download from a file without some lines, which is not downloaded again
    // (jobs-missing-lines.test.ts).
    const requests = Array.from({ length: 6 }, (_, index) => textRequest(`t-${index}`, `line ${index} ${"x".repeat(40 + 17 * index)}`));
    const summary = await router.runJob({ provider: "openai", requests }, { maxAttempts: 1, plan: { maxRequestsPerBatch: 10 } });
    assert.deepEqual(faulty.injected.map((fault) => fault.fault), ["truncate"]);
    assert.equal(summary.succeeded, 6);
    assert.equal(calls(emulator, "GET", /\/content$/), 2);
  });

  test("waitForCompletion polls a batch with progress, and gives up at its timeout", async () => {
    const { router } = setup();
    const batchId = await router.sendBatch({ provider: "openai", requests: [textRequest("w", "wait")] });
    const events: ProgressEvent[] = [];
    const done = await router.waitForCompletion(batchId, { onProgress: (event) => events.push(event) });
    assert.equal(done.kind, "batch");
    assert.equal(done.kind === "batch" && done.status.status, "completed");
    assert.deepEqual(events.map((event) => event.batches[0]!.rawStatus), ["in_progress", "finalizing", "completed"]);
    assert.equal(events.at(-1)!.batches[0]!.requestCounts.succeeded, 1);

    const slow = setup({ emulator: { readsPerState: 1_000_000 } });
    const slowId = await slow.router.sendBatch({ provider: "openai", requests: [textRequest("s", "slow")] });
    await assert.rejects(slow.router.waitForCompletion(slowId, { timeout: 30, pollInterval: 5 }), TimeoutError);
  });

  test("waitForCompletion drives a job; results are refused before its end", async () => {
    const { router } = setup();
    const jobId = await router.submitJob({ provider: "openai", requests: jobRequests().slice(0, 3) }, { jobId: "nightly-1" });
    assert.equal(jobId, "nightly-1");
    await assert.rejects(collect(router.getJobResults(jobId)), BatchNotCompleteError);
    const running = await router.getJobSummary(jobId);
    assert.equal(running.state, "running");
    assert.deepEqual([running.pending, running.errored, running.reasons.not_finished], [3, 0, undefined]);
    const done = await router.waitForCompletion(jobId);
    assert.equal(done.kind, "job");
    assert.equal(done.kind === "job" && done.summary.succeeded, 3);
    await assert.rejects(router.submitJob({ provider: "openai", requests: jobRequests() }, { jobId: "nightly-1" }), /already exists/);
  });

  test("runJob run again with the same jobId and requests goes on with the job; other requests are refused", async () => {
    const { emulator, router } = setup();
    const requests = jobRequests().slice(0, 3);
    const jobId = await router.startJob({ provider: "openai", requests }, { jobId: "rerun-1" });
    // A script run again after a crash: the job exists (recorded, maybe half-run), the call is the same.
    const summary = await router.runJob({ provider: "openai", requests }, { jobId });
    assert.deepEqual([summary.jobId, summary.state, summary.succeeded], [jobId, "completed", 3]);
    const created = emulator.batches.size;
    const again = await router.runJob({ provider: "openai", requests }, { jobId });
    assert.deepEqual([again.state, again.succeeded], ["completed", 3]);
    assert.equal(emulator.batches.size, created, "a finished job is not sent again");
    await assert.rejects(
      router.runJob({ provider: "openai", requests: jobRequests().slice(0, 2) }, { jobId }),
      (error: unknown) => error instanceof ValidationError && error.message === `jobId: job ${jobId} already exists with other requests; choose another jobId`,
    );
  });

  test("a job stopped by its signal continues with resumeJob from another router", async () => {
    const { emulator, storage, router } = setup();
    const requests = jobRequests();
    const controller = new AbortController();
    let polls = 0;
    const stopping = router.runJob(
      { provider: "openai", requests },
      { jobId: "stopped", signal: controller.signal, onProgress: () => (++polls === 2 ? controller.abort() : undefined) },
    );
    await assert.rejects(stopping, (error: Error) => error.name === "JobInterruptedError" && /resumeJob/.test(error.message));
    const other = new BatchRouter({ providers: { openai: { apiKey: API_KEY, baseUrl: BASE_URL, fetch: emulator.fetch } }, storage, ...fastRouterOptions() });
    const summary = await other.resumeJob("stopped");
    assert.equal(summary.succeeded, 10);
    assertJobInvariants(emulator, (await other.getJob("stopped"))!, await collect(other.getJobResults("stopped")), requests);
  });

  test("batches are routed by their provider field", async () => {
    const emulator = new OpenAIEmulator({ apiKey: API_KEY });
    const router = new BatchRouter({
      providers: { openai: { apiKey: API_KEY, baseUrl: BASE_URL, fetch: emulator.fetch }, gemini: { apiKey: "gm-key" }, anthropic: { apiKey: "sk-ant" } },
      storage: new MemoryStorage(),
    });
    const batchId = await router.sendBatch({ provider: "openai", requests: [textRequest("r", "route me")] });
    assert.equal((await router.getStatus(batchId)).provider, "openai", "the id is known from the transparency files");
    const prepared = router.prepareBatch({ provider: "anthropic", requests: [textRequest("r", "route me", "claude-sonnet-4-5")] });
    assert.equal(prepared.summary.provider, "anthropic");
    assert.equal(router.provider("gemini").name, "google");
    assert.equal(router.plan({ provider: "gemini", requests: [textRequest("g", "hi", "gemini-2.5-flash")] }).provider, "google");
    assert.throws(() => router.provider("mistral"), ConfigurationError);
    assert.throws(() => router.prepareBatch({ provider: "cohere" as "openai", requests: [] }), ConfigurationError);
    await assert.rejects(router.getStatus("batch_unknown"), /pass \{ provider \}/);
    assert.throws(() => new BatchRouter({ providers: {}, storage: new MemoryStorage() }), ConfigurationError);
    assert.throws(() => new BatchRouter({ providers: { openai: { apiKey: "k" } }, storage: false }), ConfigurationError);
    // Another provider's instance under a provider's name: said in words that read (was "is a anthropic provider").
    assert.throws(
      () => new BatchRouter({ providers: { openai: new AnthropicProvider({ apiKey: "k", storage: false }) }, storage: new MemoryStorage() }),
      (error: unknown) => error instanceof ConfigurationError && error.message === "providers.openai is a provider for anthropic, not for openai",
    );
  });
});
