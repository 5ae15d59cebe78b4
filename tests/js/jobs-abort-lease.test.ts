/**
 * The caller's `signal` and the job's lease (trial 8c: after an aborted `runJob`, `resumeJob` in
 * the same process waited for the whole lease). The signal follows the rule of `budgetMs`: a round
 * stopped while a create call is on its way keeps the lease until it expires (the abandoned create
 * may still land; the lease stops a second batch), and `resumeJob` then waits for it; a round
 * stopped while no create is on its way, or before its create was sent, gives the lease back at
 * once, so the same process resumes at once.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { AbortError, BatchRouter, JobInterruptedError, MemoryStorage, StorageJobState } from "batch-router";

import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { API_KEY, assertJobInvariants, collect, fastRouterOptions, jobRequests } from "../support/jobs.js";

type Fetch = (request: Request) => Promise<Response>;

function routerOn(storage: MemoryStorage, state: StorageJobState, fetch: Fetch, leaseMs: number, requestTimeout = 500): BatchRouter {
  return new BatchRouter({
    providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch } },
    storage,
    state,
    ...fastRouterOptions(),
    leaseMs,
    requestTimeout,
  });
}

function isCreate(request: Request): boolean {
  return request.method === "POST" && new URL(request.url).pathname.endsWith("/batches");
}

function isStatusRead(request: Request): boolean {
  return request.method === "GET" && /\/batches\/[^/]+$/.test(new URL(request.url).pathname);
}

/** Rejects when the request's signal aborts (a call on its way when the caller stops). */
function hangUntilAborted(request: Request): Promise<Response> {
  return new Promise((_, reject) => request.signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")), { once: true }));
}

async function leaseEnd(state: StorageJobState, jobId: string): Promise<number> {
  const record = await state.get(`jobs/${jobId}.lease`);
  return record === undefined ? 0 : (JSON.parse(record.value) as { expiresAt: number }).expiresAt;
}

async function assertStoppedBySignal(run: Promise<unknown>): Promise<void> {
  await assert.rejects(run, (error: unknown) => {
    assert.ok(error instanceof JobInterruptedError, String(error));
    assert.ok(error.cause instanceof AbortError, String(error.cause));
    return true;
  });
}

describe("a job stopped by the caller's signal and its lease", () => {
  test("stopped while no create is on its way: the lease is given back at once and resumeJob goes on at once", async () => {
    const emulator = new OpenAIEmulator({ apiKey: API_KEY });
    const controller = new AbortController();
    let hangReads = true;
    let createsAnswered = 0;
    const requests = jobRequests();
    const chunks = Math.ceil(requests.length / 4);
    const fetch: Fetch = async (request) => {
      if (isStatusRead(request) && hangReads && createsAnswered === chunks) {
        setTimeout(() => controller.abort(), 20);
        return hangUntilAborted(request);
      }
      const response = await emulator.fetch(request);
      if (isCreate(request)) createsAnswered++;
      return response;
    };
    const storage = new MemoryStorage();
    const state = new StorageJobState(storage);
    // A lease far longer than the test may wait.
    const router = routerOn(storage, state, fetch, 60_000);
    await assertStoppedBySignal(router.runJob({ provider: "openai", requests }, { jobId: "read-stopped", signal: controller.signal }));
    assert.equal(createsAnswered, chunks);
    assert.equal(await leaseEnd(state, "read-stopped"), 0, "the lease was given back");
    hangReads = false;
    const startedAt = Date.now();
    const summary = await router.resumeJob("read-stopped", { timeout: 10_000 });
    assert.ok(Date.now() - startedAt < 5_000, `resumeJob waited ${Date.now() - startedAt} ms`);
    assert.equal(summary.total, requests.length);
    assert.equal(emulator.batches.size >= chunks, true);
    assertJobInvariants(emulator, (await router.getJob("read-stopped"))!, await collect(router.getJobResults("read-stopped")), requests);
  });

  test("stopped after its create was recorded but before it was sent: nothing sent, the lease given back, no uncertainty window", async () => {
    const emulator = new OpenAIEmulator({ apiKey: API_KEY });
    const controller = new AbortController();
    const fetch: Fetch = (request) => emulator.fetch(request);
    const storage = new MemoryStorage();
    const inner = new StorageJobState(storage);
    // The caller stops while the manifest that says "a create is about to go out" is written.
    const state = new StorageJobState(storage);
    state.put = async (key, value, expected) => {
      if (key === "jobs/unsent" && value.includes('"createMayHaveHappened": true') && !controller.signal.aborted) controller.abort();
      return inner.put(key, value, expected);
    };
    const requests = jobRequests().slice(0, 2);
    // A long time limit: an uncertainty window left behind would hold the create back for 25 s.
    const router = routerOn(storage, state, fetch, 60_000, 10_000);
    await assertStoppedBySignal(router.runJob({ provider: "openai", requests }, { jobId: "unsent", signal: controller.signal }));
    assert.equal(emulator.received.filter((request) => request.method === "POST" && request.path.endsWith("/batches")).length, 0, "no create was sent");
    assert.equal(await leaseEnd(state, "unsent"), 0, "the lease was given back");
    const record = (await router.getJob("unsent"))!.submissions[0]!;
    assert.equal(record.createMayHaveHappened ?? false, false);
    assert.equal(record.createUncertainUntil, undefined);
    const startedAt = Date.now();
    await router.resumeJob("unsent", { timeout: 10_000 });
    assert.ok(Date.now() - startedAt < 5_000, `resumeJob waited ${Date.now() - startedAt} ms`);
    assert.equal(emulator.batches.size, 1);
    assertJobInvariants(emulator, (await router.getJob("unsent"))!, await collect(router.getJobResults("unsent")), requests);
  });

  test("stopped while its create is on its way: the lease is kept until it expires, resumeJob waits for it, one batch", async () => {
    const emulator = new OpenAIEmulator({ apiKey: API_KEY });
    const controller = new AbortController();
    // The create reaches the provider 300 ms after it is sent, whether or not the caller still waits.
    const fetch: Fetch = async (request) => {
      if (isCreate(request)) {
        const copy = new Request(request.url, { method: "POST", headers: request.headers, body: await request.text() });
        setTimeout(() => controller.abort(), 20);
        await new Promise((resolve) => setTimeout(resolve, 300));
        return emulator.fetch(copy);
      }
      return emulator.fetch(request);
    };
    const storage = new MemoryStorage();
    const state = new StorageJobState(storage);
    const leaseMs = 1_500;
    const router = routerOn(storage, state, fetch, leaseMs);
    const requests = jobRequests().slice(0, 2);
    await assertStoppedBySignal(router.runJob({ provider: "openai", requests }, { jobId: "create-stopped", signal: controller.signal }));
    const heldUntil = await leaseEnd(state, "create-stopped");
    assert.ok(heldUntil > Date.now(), "the lease is kept");
    // Another invocation answers busy until then; resumeJob in this process waits for it.
    const other = await routerOn(storage, state, fetch, leaseMs).advanceJob("create-stopped");
    assert.equal(other.state, "busy");
    assert.ok(other.nextAdvanceInMs > 0);
    await router.resumeJob("create-stopped", { timeout: 10_000 });
    assert.ok(Date.now() >= heldUntil, "resumeJob waited for the lease");
    assert.equal(emulator.batches.size, 1, "one batch created, not two");
    assertJobInvariants(emulator, (await router.getJob("create-stopped"))!, await collect(router.getJobResults("create-stopped")), requests);
  });
});
