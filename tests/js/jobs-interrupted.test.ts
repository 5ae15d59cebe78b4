/**
 * Issue 21, item 2: a job that stops says so the same way every time. Whatever stops it (an HTTP
 * error once retries are spent, no connection, a call that never answers, the caller's signal),
 * every job entry point — `runJob`, `submitJob`, `resumeJob`, `waitForCompletion` of a job —
 * throws `JobInterruptedError` with the job's id and the reason as `cause`.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  AbortError,
  BatchRouter,
  ConnectionError,
  JobInterruptedError,
  MemoryStorage,
  ProviderError,
  TimeoutError,
  ValidationError,
  type BatchRouterError,
} from "batch-router";

import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { API_KEY, fastRouterOptions, jobRequests } from "../support/jobs.js";

type Failing = "server_error" | "connection" | "no_answer";

const failures: { kind: Failing; cause: new (...args: never[]) => BatchRouterError }[] = [
  { kind: "server_error", cause: ProviderError },
  { kind: "connection", cause: ConnectionError },
  { kind: "no_answer", cause: TimeoutError },
];

/** A fetch that fails every call the same way. */
function failingFetch(kind: Failing) {
  return async (request: Request): Promise<Response> => {
    if (kind === "server_error") return new Response(JSON.stringify({ error: { message: "down", type: "server_error" } }), { status: 503 });
    if (kind === "connection") throw new TypeError("fetch failed (connection refused)");
    return new Promise((_, reject) => request.signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")), { once: true }));
  };
}

function routerWith(storage: MemoryStorage, fetch: (request: Request) => Promise<Response>): BatchRouter {
  return new BatchRouter({
    providers: { openai: { apiKey: API_KEY, baseUrl: "http://emulated.invalid/v1", fetch } },
    storage,
    ...fastRouterOptions(),
    retry: { maxRetries: 1, initialDelayMs: 1, maxDelayMs: 2 },
    requestTimeout: 50,
    // Stop as soon as a call's retries are spent (the default keeps a job's own batch for minutes).
    lostBatchGracePeriod: 0,
  });
}

/** A job submitted through a working emulator, in `storage`. */
async function submittedJob(storage: MemoryStorage, jobId: string, emulator = new OpenAIEmulator({ apiKey: API_KEY })): Promise<void> {
  await routerWith(storage, emulator.fetch).submitJob({ provider: "openai", requests: jobRequests() }, { jobId });
}

function assertInterrupted(error: unknown, jobId: string, cause: new (...args: never[]) => BatchRouterError): true {
  assert.ok(error instanceof JobInterruptedError, `expected JobInterruptedError, got ${String(error)}`);
  assert.equal(error.jobId, jobId);
  assert.equal(error.code, "job_interrupted");
  assert.ok(error.cause instanceof cause, `cause: expected ${cause.name}, got ${String(error.cause)}`);
  assert.match(error.message, new RegExp(`job ${jobId} stopped: .*resumeJob\\("${jobId}"\\)`));
  return true;
}

describe("every job entry point stops with JobInterruptedError, the job's id and the cause", () => {
  for (const { kind, cause } of failures) {
    test(`${kind}: resumeJob and waitForCompletion`, async () => {
      const storage = new MemoryStorage();
      await submittedJob(storage, `resume-${kind}`);
      const router = routerWith(storage, failingFetch(kind));
      await assert.rejects(router.resumeJob(`resume-${kind}`), (error) => assertInterrupted(error, `resume-${kind}`, cause));
      await assert.rejects(router.waitForCompletion(`resume-${kind}`), (error) => assertInterrupted(error, `resume-${kind}`, cause));
    });

    test(`${kind}: runJob and submitJob`, async () => {
      const router = routerWith(new MemoryStorage(), failingFetch(kind));
      await assert.rejects(router.runJob({ provider: "openai", requests: jobRequests() }, { jobId: `run-${kind}` }), (error) => assertInterrupted(error, `run-${kind}`, cause));
      await assert.rejects(router.submitJob({ provider: "openai", requests: jobRequests() }, { jobId: `submit-${kind}` }), (error) =>
        assertInterrupted(error, `submit-${kind}`, cause),
      );
    });
  }

  test("the caller's signal: JobInterruptedError with an AbortError cause, from resumeJob too", async () => {
    const storage = new MemoryStorage();
    await submittedJob(storage, "aborted");
    const router = routerWith(storage, failingFetch("no_answer"));
    const controller = new AbortController();
    const stopping = router.resumeJob("aborted", { signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    await assert.rejects(stopping, (error) => assertInterrupted(error, "aborted", AbortError));
  });

  test("a wait that passes its timeout stops the job the same way", async () => {
    const storage = new MemoryStorage();
    // The batches never end: each status read is answered, none says ended.
    const emulator = new OpenAIEmulator({ apiKey: API_KEY, readsPerState: 1_000_000 });
    await submittedJob(storage, "waited", emulator);
    const router = routerWith(storage, emulator.fetch);
    await assert.rejects(router.resumeJob("waited", { timeout: 30, pollInterval: 5 }), (error) => assertInterrupted(error, "waited", TimeoutError));
  });

  test("a job that does not exist is bad input, not a stop", async () => {
    const router = routerWith(new MemoryStorage(), failingFetch("connection"));
    await assert.rejects(router.resumeJob("no-such-job"), (error) => error instanceof ValidationError && error.field === "jobId");
  });
});
