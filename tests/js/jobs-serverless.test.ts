/**
 * Issue 16: serverless jobs on the memory store. `startJob` records without sending, `advanceJob`
 * does one bounded round under the job's lease and says when to call again, a held lease makes
 * another invocation answer `busy` without touching the provider, a budget ends a round early, and
 * the overlap property (many invocations at once, some killed mid-step, faults injected) holds.
 * The same property runs here against the file store (FileStorage in a temporary folder), and
 * against PostgreSQL (tests/stores/) and D1/R2 in workerd (tests/workerd/).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { BatchRouter, ConfigurationError, D1JobStore, FileStorage, JobConflictError, MemoryStorage, PostgresJobStore, StorageJobState, ValidationError } from "batch-router";

import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { overlappingAdvancers } from "../support/advancers.js";
import { API_KEY, assertJobInvariants, collect, fastRouterOptions, jobRequests } from "../support/jobs.js";

function routerOn(storage: MemoryStorage, state: StorageJobState, fetch: (request: Request) => Promise<Response>, leaseMs = 60_000): BatchRouter {
  return new BatchRouter({
    providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch } },
    storage,
    state,
    leaseMs,
    ...fastRouterOptions(),
  });
}

describe("serverless jobs: startJob and advanceJob", () => {
  test("startJob sends nothing; advanceJob rounds finish the job and say when to call again", async () => {
    const emulator = new OpenAIEmulator({ apiKey: API_KEY });
    const storage = new MemoryStorage();
    const router = routerOn(storage, new StorageJobState(storage), emulator.fetch);
    const requests = jobRequests();
    const jobId = await router.startJob({ provider: "openai", requests }, { jobId: "cron-job" });
    assert.equal(jobId, "cron-job");
    assert.equal(emulator.received.length, 0, "startJob calls no provider");
    assert.equal((await router.getJob(jobId))?.submissions.every((record) => record.phase === "pending"), true);
    // Started again with the same requests (a retried start): the same job; with others: refused.
    assert.equal(await router.startJob({ provider: "openai", requests }, { jobId }), jobId);
    await assert.rejects(router.startJob({ provider: "openai", requests: requests.slice(1) }, { jobId }), (error) => error instanceof ValidationError && error.field === "jobId");

    const first = await router.advanceJob(jobId);
    assert.equal(first.state, "running");
    assert.equal(first.jobId, jobId);
    assert.ok(first.nextAdvanceInMs >= 0);
    assert.equal((await router.getJob(jobId))?.submissions.filter((record) => record.batchId !== undefined).length, 3, "the first round created every batch");
    let rounds = 1;
    let result = first;
    while (result.state !== "completed") {
      assert.ok(rounds++ < 50, "the job did not end in 50 rounds");
      result = await router.advanceJob(jobId);
    }
    assert.equal(result.nextAdvanceInMs, 0);
    assert.equal(result.progress.finished, requests.length);
    assertJobInvariants(emulator, (await router.getJob(jobId))!, await collect(router.getJobResults(jobId)), requests);
    // A completed job: more calls change nothing and call no provider.
    const calls = emulator.received.length;
    assert.equal((await router.advanceJob(jobId)).state, "completed");
    assert.equal(emulator.received.length, calls);
  });

  test("the interval advised grows while nothing changes, up to maxPollInterval", async () => {
    const emulator = new OpenAIEmulator({ apiKey: API_KEY, readsPerState: 1_000_000 });
    // The intervals four rounds advise for a job whose batches' status never moves.
    const advised = async (pollInterval: number): Promise<number[]> => {
      const router = new BatchRouter({
        providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch: emulator.fetch } },
        storage: new MemoryStorage(),
        ...fastRouterOptions(),
        pollInterval,
        maxPollInterval: 2_000,
      });
      const jobId = await router.startJob({ provider: "openai", requests: jobRequests() });
      const intervals: number[] = [];
      for (let round = 0; round < 4; round++) intervals.push((await router.advanceJob(jobId)).nextAdvanceInMs);
      return intervals;
    };
    // Round 1 created the batches (a change); then their status never moves.
    assert.deepEqual(await advised(1_000), [1_000, 1_500, 2_000, 2_000]);
    // Whole milliseconds, however the backoff falls (333 × 1.5 read 499.5).
    assert.deepEqual(await advised(333), [333, 500, 750, 1_125]);
  });

  test("a lease held by another invocation: busy until it expires, nothing sent", async () => {
    const emulator = new OpenAIEmulator({ apiKey: API_KEY });
    const storage = new MemoryStorage();
    const state = new StorageJobState(storage);
    const router = routerOn(storage, state, emulator.fetch);
    const jobId = await router.startJob({ provider: "openai", requests: jobRequests() });
    const expiresAt = Date.now() + 5_000;
    assert.ok(await state.put(`jobs/${jobId}.lease`, JSON.stringify({ holder: "someone-else", expiresAt }), undefined));
    const result = await router.advanceJob(jobId);
    assert.equal(result.state, "busy");
    assert.ok(result.nextAdvanceInMs > 4_000 && result.nextAdvanceInMs <= 5_000, String(result.nextAdvanceInMs));
    assert.equal(emulator.received.length, 0);
    // Once it has expired, the job is free again.
    const lease = await state.get(`jobs/${jobId}.lease`);
    assert.ok(await state.put(`jobs/${jobId}.lease`, JSON.stringify({ holder: "someone-else", expiresAt: Date.now() - 1 }), lease!.version));
    assert.equal((await router.advanceJob(jobId)).state, "running");
    assert.ok(emulator.received.length > 0);
  });

  test("a manifest written by someone else in between: the stale writer stops without writing", async () => {
    const storage = new MemoryStorage();
    const state = new StorageJobState(storage);
    const router = routerOn(storage, state, new OpenAIEmulator({ apiKey: API_KEY }).fetch);
    const jobId = await router.startJob({ provider: "openai", requests: jobRequests() });
    const record = (await state.get(`jobs/${jobId}`))!;
    assert.ok(await state.put(`jobs/${jobId}`, record.value.replace('"state": "running"', '"state": "running" '), record.version));
    assert.equal(await state.put(`jobs/${jobId}`, record.value, record.version), undefined, "a write with an old version is refused");
    assert.ok(new JobConflictError(jobId, "x").code === "job_conflict");
  });

  test("budgetMs ends a round early as running, to be called again at once", async () => {
    const storage = new MemoryStorage();
    const never = (request: Request) =>
      new Promise<Response>((_, reject) => request.signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")), { once: true }));
    const router = new BatchRouter({
      providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch: never } },
      storage,
      ...fastRouterOptions(),
      requestTimeout: 60_000,
    });
    const jobId = await router.startJob({ provider: "openai", requests: jobRequests() });
    const started = Date.now();
    const result = await router.advanceJob(jobId, { budgetMs: 150 });
    const took = Date.now() - started;
    assert.equal(result.state, "running");
    assert.equal(result.stoppedBy, "budget");
    assert.equal(result.nextAdvanceInMs, 0);
    assert.ok(took < 5_000, `the round took ${took} ms`);
    // The lease was given back: the next call works at once.
    assert.notEqual((await router.advanceJob(jobId, { budgetMs: 50 })).state, "busy");
  });

  test("two routers of one process on one FileStorage: rounds at once give one creator and one busy, never an error", async () => {
    const emulator = new OpenAIEmulator({ apiKey: API_KEY });
    const storage = new FileStorage(mkdtempSync(join(tmpdir(), "batch-router-serverless-")));
    const routerOf = () =>
      new BatchRouter({ providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch: emulator.fetch } }, storage, ...fastRouterOptions() });
    const requests = jobRequests();
    const jobId = await routerOf().startJob({ provider: "openai", requests });
    const [a, b] = await Promise.all([routerOf().advanceJob(jobId), routerOf().advanceJob(jobId)]);
    assert.deepEqual([a.state, b.state].sort(), ["busy", "running"]);
    let result = a.state === "running" ? a : b;
    for (let round = 0; result.state !== "completed"; round++) {
      assert.ok(round < 50, "the job did not end in 50 rounds");
      const both = await Promise.all([routerOf().advanceJob(jobId), routerOf().advanceJob(jobId)]);
      result = both.find((one) => one.state === "completed") ?? both.find((one) => one.state === "running") ?? both[0];
      if (result.state === "busy") await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assertJobInvariants(emulator, (await routerOf().getJob(jobId))!, await collect(routerOf().getJobResults(jobId)), requests);
  });

  test("a round stopped while its create is on its way keeps the lease until it expires: the create lands once", async () => {
    const emulator = new OpenAIEmulator({ apiKey: API_KEY });
    // Creates reach the provider 400 ms after they are sent, whether or not the caller still waits.
    const slowCreates = async (request: Request) => {
      if (request.method === "POST" && new URL(request.url).pathname.endsWith("/batches")) {
        const copy = new Request(request.url, { method: "POST", headers: request.headers, body: await request.text() });
        await new Promise((resolve) => setTimeout(resolve, 400));
        return emulator.fetch(copy);
      }
      return emulator.fetch(request);
    };
    const storage = new MemoryStorage();
    const state = new StorageJobState(storage);
    const requests = jobRequests().slice(0, 2);
    const jobId = await routerOn(storage, state, slowCreates).startJob({ provider: "openai", requests });
    // Each call a fresh router, as a cron invocation would be.
    const stopped = await routerOn(storage, state, slowCreates).advanceJob(jobId, { budgetMs: 200 });
    assert.equal(stopped.stoppedBy, "budget");
    assert.ok(stopped.nextAdvanceInMs > 0, "call again once the lease has expired, not at once");
    assert.equal((await routerOn(storage, state, slowCreates).advanceJob(jobId)).state, "busy");
    let result = stopped;
    for (let round = 0; result.state !== "completed"; round++) {
      assert.ok(round < 50, "the job did not end in 50 rounds");
      await new Promise((resolve) => setTimeout(resolve, result.nextAdvanceInMs));
      result = await routerOn(storage, state, slowCreates).advanceJob(jobId);
    }
    assert.equal(emulator.batches.size, 1, "one batch created, not two");
    assertJobInvariants(emulator, (await routerOn(storage, state, slowCreates).getJob(jobId))!, await collect(routerOn(storage, state, slowCreates).getJobResults(jobId)), requests);
  });
});

describe("serverless jobs: a create that times out and lands late", () => {
  test("one invocation after another: the slice is not created again while the timed-out create may still land", async () => {
    const emulator = new OpenAIEmulator({ apiKey: API_KEY });
    // The provider carries out a create 1.2 s after it is sent, whether or not the caller still
    // waits: longer than the call's time limit in a 1 s lease (750 ms).
    const lateCreates = async (request: Request) => {
      if (request.method === "POST" && new URL(request.url).pathname.endsWith("/batches")) {
        const copy = new Request(request.url, { method: "POST", headers: request.headers, body: await request.text() });
        const landed = new Promise<Response>((resolve) => setTimeout(() => resolve(emulator.fetch(copy)), 1_200));
        return new Promise<Response>((resolve, reject) => {
          request.signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")), { once: true });
          void landed.then(resolve);
        });
      }
      return emulator.fetch(request);
    };
    const storage = new MemoryStorage();
    const state = new StorageJobState(storage);
    const requests = jobRequests().slice(0, 2);
    const router = () => routerOn(storage, state, lateCreates);
    const jobId = await router().startJob({ provider: "openai", requests });
    let result = await router().advanceJob(jobId).catch((error: unknown) => ({ state: "interrupted", nextAdvanceInMs: 100, error }));
    for (let round = 0; result.state !== "completed"; round++) {
      assert.ok(round < 100, "the job did not end in 100 rounds");
      await new Promise((resolve) => setTimeout(resolve, Math.max(50, result.nextAdvanceInMs)));
      result = await router().advanceJob(jobId).catch((error: unknown) => ({ state: "interrupted", nextAdvanceInMs: 100, error }));
    }
    // Every create that was sent has landed by now.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(emulator.batches.size, 1, "one batch created, not two");
    assertJobInvariants(emulator, (await router().getJob(jobId))!, await collect(router().getJobResults(jobId)), requests);
  });
});

describe("the SQL stores' table prefix", () => {
  test("PostgreSQL and D1 take the same prefixes and refuse the same ones (the names go into SQL text)", () => {
    const stores = [(tablePrefix: string) => new PostgresJobStore(async () => [], { tablePrefix }), (tablePrefix: string) => new D1JobStore({ prepare: () => assert.fail("no SQL at construction"), batch: async () => [] }, { tablePrefix })];
    for (const make of stores) {
      for (const good of ["batch_router_", "jobs_", "_x", "A1"]) assert.doesNotThrow(() => make(good), good);
      for (const bad of ["", "1jobs_", "x; DROP TABLE y", "jobs-", "ä_", "x".repeat(42)]) {
        assert.throws(() => make(bad), (error) => error instanceof ConfigurationError && /tablePrefix/.test(error.message), JSON.stringify(bad));
      }
    }
  });
});

describe("serverless jobs: overlapping, killed invocations (memory store)", () => {
  test("8 seeds × 4 invocations at once, some killed mid-step: no duplicate batch, no lost request, every custom id once", async () => {
    let killed = 0;
    let busy = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const storage = new MemoryStorage();
      const report = await overlappingAdvancers({
        BatchRouter,
        emulator: new OpenAIEmulator({ apiKey: API_KEY, startClock: Math.floor(Date.now() / 1000) }),
        storage,
        state: new StorageJobState(storage),
        seed,
      });
      killed += report.killed;
      busy += report.busy;
    }
    // The schedules did overlap invocations and kill some.
    assert.ok(killed >= 8, `only ${killed} invocations were killed`);
    assert.ok(busy >= 8, `only ${busy} invocations found the job busy`);
  });
});

describe("serverless jobs: overlapping, killed invocations (file store)", () => {
  test("4 seeds × 4 invocations at once on FileStorage, some killed mid-step: no duplicate batch, no lost request, every custom id once", async () => {
    let killed = 0;
    let busy = 0;
    for (let seed = 301; seed <= 304; seed++) {
      // One folder per seed, as one deployment's storageDir; every invocation has its own router on it.
      const storage = new FileStorage(mkdtempSync(join(tmpdir(), `batch-router-overlap-${seed}-`)));
      const report = await overlappingAdvancers({
        BatchRouter,
        emulator: new OpenAIEmulator({ apiKey: API_KEY, startClock: Math.floor(Date.now() / 1000) }),
        storage,
        state: new StorageJobState(storage),
        seed,
      });
      killed += report.killed;
      busy += report.busy;
    }
    assert.ok(killed >= 4, `only ${killed} invocations were killed`);
    assert.ok(busy >= 4, `only ${busy} invocations found the job busy`);
  });
});
