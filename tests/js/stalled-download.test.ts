/**
 * Issue 21, item 1: every read of a response body ends when its signal aborts or its time-out
 * passes, whatever the garbage collector does. A server on 127.0.0.1 sends part of an answer (a
 * result file, a status) and then goes silent; a forced collection runs during the stall (undici
 * held the request, through which the abort reached the body, only weakly). Each test is bounded
 * by its own timer, so a read that hangs fails the test instead of hanging the suite. Runs in Node
 * (`--expose-gc`), Deno (`--v8-flags=--expose-gc`) and Bun (`Bun.gc`).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { AbortError, BatchRouter, MemoryStorage, OpenAIProvider, TimeoutError, type UnifiedResult } from "batch-router";

import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { collect, fastRouterOptions } from "../support/jobs.js";
import { textRequest } from "../support/requests.js";
import { serve, type Handler, type RunningServer } from "../support/serve.js";

const API_KEY = "fake-test-stall-0123456789abcdef";
/** What a read may take past its time-out before the test calls it hung. */
const BOUND_MS = 5_000;

function forceCollection(): void {
  const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
  if (bun) return bun.gc(true);
  const gc = (globalThis as { gc?: () => void }).gc;
  assert.ok(gc, "a forced collection is needed: run Node with --expose-gc, Deno with --v8-flags=--expose-gc");
  gc();
}

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** `promise`, or a failure once `milliseconds` pass: the test's own bound on a hanging read. */
async function bounded<T>(promise: Promise<T>, what: string, milliseconds = BOUND_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} still hangs after ${milliseconds} ms`)), milliseconds);
  });
  try {
    return await Promise.race([promise, hung]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A handler in front of the emulator that, while `stalls` is above zero, answers the matching
 * requests with their first half and then nothing more (the connection stays open).
 */
class StallingServer {
  stalls = 0;
  stalled = 0;
  /** The GET paths that stall. */
  paths = /\/content$/;
  private onStall: (() => void) | undefined;

  constructor(private readonly handler: Handler) {}

  /** Resolves once a stalling answer has sent its part. */
  nextStall(): Promise<void> {
    return new Promise((resolve) => (this.onStall = resolve));
  }

  readonly fetch = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    const response = await this.handler(request);
    if (this.stalls === 0 || request.method !== "GET" || !this.paths.test(path)) return response;
    this.stalls--;
    this.stalled++;
    const bytes = new Uint8Array(await response.arrayBuffer());
    const part = bytes.slice(0, Math.floor(bytes.length / 2));
    const onStall = this.onStall;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(part);
        // Never closed: the rest of the body never comes.
        setTimeout(() => onStall?.(), 50);
      },
    });
    const headers = new Headers(response.headers);
    headers.delete("content-length");
    return new Response(body, { status: response.status, headers });
  };
}

describe("a stalled answer ends with its signal or time-out, whatever the garbage collector does", () => {
  let emulator: OpenAIEmulator;
  let stalling: StallingServer;
  let server: RunningServer;
  let provider: OpenAIProvider;
  let batchId: string;

  before(async () => {
    emulator = new OpenAIEmulator({ apiKey: API_KEY, readsPerState: 1, startClock: Math.floor(Date.now() / 1000), chunkSize: 300 });
    stalling = new StallingServer(emulator.fetch);
    server = await serve(stalling.fetch);
    provider = new OpenAIProvider({ apiKey: API_KEY, baseUrl: `${server.url}/v1`, storage: false });
    const requests = Array.from({ length: 8 }, (_, index) => textRequest(`stall-${index}`, `question ${index} ${"x".repeat(200)}`));
    batchId = await provider.sendBatch({ provider: "openai", requests });
    for (let polls = 0; !(await provider.getStatus(batchId)).isComplete(); polls++) assert.ok(polls < 20, "the batch did not end");
  });

  after(async () => {
    await server.close();
  });

  /** Starts `read`, waits for the stall, collects garbage during it, and returns how `read` ended. */
  async function stallDuring<T>(read: () => Promise<T>): Promise<{ outcome: T | undefined; error: unknown; elapsed: number }> {
    const stalled = stalling.nextStall();
    const started = Date.now();
    const running = read().then(
      (outcome) => ({ outcome, error: undefined }),
      (error: unknown) => ({ outcome: undefined, error }),
    );
    await bounded(stalled, "waiting for the stall");
    for (let round = 0; round < 3; round++) {
      forceCollection();
      await sleep(20);
    }
    const ended = await bounded(running, "the stalled read");
    return { ...ended, elapsed: Date.now() - started };
  }

  test("a result download that stalls after part of the file ends at its time-out (a retryable TimeoutError)", async () => {
    stalling.paths = /\/content$/;
    stalling.stalls = 1;
    const received: UnifiedResult[] = [];
    const { error, elapsed } = await stallDuring(async () => {
      for await (const result of provider.getResults(batchId, { signal: AbortSignal.timeout(400) })) received.push(result);
    });
    assert.ok(error instanceof TimeoutError, `expected a TimeoutError, got ${String(error)}`);
    assert.equal(error.retryable, true);
    assert.ok(received.length < 8, `${received.length} results arrived from half a file`);
    assert.ok(elapsed < 400 + BOUND_MS, `ended after ${elapsed} ms`);
  });

  test("a result download that stalls ends at once when the caller aborts (AbortError)", async () => {
    stalling.paths = /\/content$/;
    stalling.stalls = 1;
    const controller = new AbortController();
    const stalled = stalling.nextStall();
    const reading = (async () => {
      for await (const _ of provider.getResults(batchId, { signal: controller.signal })) {
        // reading on
      }
    })();
    const outcome = reading.then(
      () => undefined,
      (error: unknown) => error,
    );
    await bounded(stalled, "waiting for the stall");
    forceCollection();
    controller.abort();
    const error = await bounded(outcome, "the aborted read", 2_000);
    assert.ok(error instanceof AbortError, `expected an AbortError, got ${String(error)}`);
  });

  test("a status answer that stalls after its first bytes ends at its time-out", async () => {
    stalling.paths = /^\/v1\/batches\/[^/]+$/;
    stalling.stalls = 1;
    const { error } = await stallDuring(() => provider.getStatus(batchId, { signal: AbortSignal.timeout(400) }));
    assert.ok(error instanceof TimeoutError, `expected a TimeoutError, got ${String(error)}`);
  });

  test("without a signal, the provider's own requestTimeout ends a stalled download and a stalled status", async () => {
    const limited = new OpenAIProvider({ apiKey: API_KEY, baseUrl: `${server.url}/v1`, storage: false, requestTimeout: 300 });
    stalling.paths = /\/content$/;
    stalling.stalls = 1;
    const download = await stallDuring(() => collect(limited.getResults(batchId)));
    assert.ok(download.error instanceof TimeoutError, `expected a TimeoutError, got ${String(download.error)}`);
    assert.match(download.error.message, /no answer within 300 ms/);
    stalling.paths = /^\/v1\/batches\/[^/]+$/;
    stalling.stalls = 1;
    const status = await stallDuring(() => limited.getStatus(batchId));
    assert.ok(status.error instanceof TimeoutError, `expected a TimeoutError, got ${String(status.error)}`);
    // A caller slower than the limit between two chunks is not a stall: the limit runs only while
    // reading. In process, each small chunk of the emulator's download is one read.
    const inProcess = new OpenAIProvider({ apiKey: API_KEY, baseUrl: "http://emulated.invalid/v1", fetch: emulator.fetch, storage: false, requestTimeout: 300 });
    let results = 0;
    for await (const _ of inProcess.getResults(batchId)) {
      if (results++ < 2) await sleep(400);
    }
    assert.equal(results, 8);
  });

  test("a job whose download stalls times it out, downloads again and ends with every result", async () => {
    const jobEmulator = new OpenAIEmulator({ apiKey: API_KEY, startClock: Math.floor(Date.now() / 1000) });
    const jobStalling = new StallingServer(jobEmulator.fetch);
    const jobServer = await serve(jobStalling.fetch);
    try {
      jobStalling.stalls = 2;
      const router = new BatchRouter({
        providers: { openai: { apiKey: API_KEY, baseUrl: `${jobServer.url}/v1` } },
        storage: new MemoryStorage(),
        ...fastRouterOptions(),
        requestTimeout: 400,
      });
      const requests = Array.from({ length: 4 }, (_, index) => textRequest(`job-${index}`, `question ${index} ${"y".repeat(200)}`));
      const stalled = jobStalling.nextStall();
      const running = router.runJob({ provider: "openai", requests }, { jobId: "stalled-download" });
      await bounded(stalled, "waiting for the stall");
      forceCollection();
      const summary = await bounded(running, "the job", 10_000);
      assert.equal(jobStalling.stalled, 2);
      assert.equal(jobStalling.stalls, 0);
      assert.equal(summary.succeeded, 4, JSON.stringify(summary));
      assert.equal(summary.batches, 1);
    } finally {
      await jobServer.close();
    }
  });
});
