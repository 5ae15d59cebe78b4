/**
 * `getResults` hands out results through a hand-written async iterator (npm/src/result-iterator.ts)
 * instead of an `async *` generator; these tests hold it to the generator's behaviour. A download is
 * served by an injected `fetch` one read at a time, each read held until the test lets it go, so a
 * call can be made before the start, between two results of a read, while a read is awaited and
 * after the end. What is observed: the order calls settle in, the results, the fetches made, the
 * download's cancellation, the listener on the caller's signal (the time limit's clean-up) and the
 * transparency files.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { AbortError, BatchRouter, BatchRouterError, MemoryStorage, OpenAIProvider, TimeoutError, type UnifiedResult } from "batch-router";

import { openaiAnswerLine, openaiBatch } from "../support/output-file.js";

const API_KEY = "fake-result-iterator-0123456789abcdef";
const BATCH_ID = "batch_iterator";
const OUTPUT_FILE = `generated/openai/batch_${BATCH_ID}_output.jsonl`;
const RESULTS_FILE = `generated/openai/batch_${BATCH_ID}_results.jsonl`;

const BATCH = openaiBatch(BATCH_ID);

function line(index: number): string {
  return JSON.stringify(openaiAnswerLine(index, `answer ${index}`)) + "\n";
}

/** Reads of whole lines: `sizes[k]` lines in read k, numbered on from read to read. */
function readsOf(sizes: number[]): string[] {
  let index = 0;
  return sizes.map((size) => Array.from({ length: size }, () => line(index++)).join(""));
}

/**
 * An OpenAI provider whose results download is `reads`, one read per pull of the body. While
 * `held`, a read waits for `release()`; `fetches` counts every request, `cancels` the body's
 * cancellations.
 */
class Download {
  fetches = 0;
  cancels = 0;
  /** Reads handed to readers so far, over every download. */
  served = 0;
  held = false;
  failAt: number | undefined;
  private waiting: (() => void) | undefined;
  readonly storage = new MemoryStorage();

  constructor(private readonly reads: string[]) {}

  provider(options: { requestTimeout?: number } = {}): OpenAIProvider {
    return new OpenAIProvider({ apiKey: API_KEY, storage: this.storage, fetch: this.fetch, ...options });
  }

  /** Lets the read that waits go (the next one waits too while `held`). */
  release(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }

  /** Resolves once a read is waiting to be released (fails after a while: a hung test fails). */
  async readWaiting(): Promise<void> {
    const started = Date.now();
    while (this.waiting === undefined) {
      assert.ok(Date.now() - started < BOUND_MS, "no read came to wait");
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  private readonly fetch = async (request: Request): Promise<Response> => {
    this.fetches++;
    if (!/\/content$/.test(new URL(request.url).pathname)) {
      return new Response(JSON.stringify(BATCH), { status: 200, headers: { "content-type": "application/json" } });
    }
    let next = 0;
    const body = new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          if (this.held) await new Promise<void>((resolve) => (this.waiting = resolve));
          if (this.failAt === next) return controller.error(new TypeError("the connection was reset"));
          const read = this.reads[next++];
          if (read === undefined) return controller.close();
          this.served++;
          controller.enqueue(new TextEncoder().encode(read));
        },
        cancel: () => {
          this.cancels++;
        },
      },
      { highWaterMark: 0 },
    );
    return new Response(body, { status: 200 });
  };
}

/** A caller's signal that counts the `abort` listeners added to it and not yet removed. */
function watchedSignal(): { controller: AbortController; listeners: () => number } {
  const controller = new AbortController();
  const signal = controller.signal;
  let listeners = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((type: string, listener: EventListenerOrEventListenerObject, options?: AddEventListenerOptions | boolean) => {
    if (type === "abort") listeners++;
    add(type, listener, options);
  }) as typeof signal.addEventListener;
  signal.removeEventListener = ((type: string, listener: EventListenerOrEventListenerObject, options?: EventListenerOptions | boolean) => {
    if (type === "abort") listeners--;
    remove(type, listener, options);
  }) as typeof signal.removeEventListener;
  return { controller, listeners: () => listeners };
}

const ids = (results: UnifiedResult[]) => results.map((result) => result.customId);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, index) => `request-${from + index}`);
const DONE = { value: undefined, done: true };
/** How long a test waits for calls to settle before it fails instead of hanging. */
const BOUND_MS = 5_000;

/** Each settlement of `promises`, in the order they settled; `all` fails if they hang. */
function settlementOrder(promises: Promise<unknown>[]): { order: number[]; all: Promise<PromiseSettledResult<unknown>[]> } {
  const order: number[] = [];
  promises.forEach((promise, index) => promise.then(() => order.push(index), () => order.push(index)));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`calls still pending after ${BOUND_MS} ms (settled: ${order.join(", ")})`)), BOUND_MS);
  });
  const all = Promise.race([Promise.allSettled(promises), hung]).finally(() => clearTimeout(timer));
  return { order, all };
}

/**
 * `download`'s results with a watched signal, its reads held, after the first result (its read let go
 * while `next()` waited for it).
 */
async function startedHeld(download: Download): Promise<{ results: AsyncGenerator<UnifiedResult, void, undefined>; listeners: () => number }> {
  download.held = true;
  const { controller, listeners } = watchedSignal();
  const results = download.provider().getResults(BATCH_ID, { signal: controller.signal });
  const first = results.next();
  await download.readWaiting();
  download.release();
  assert.equal((await first).value?.customId, "request-0");
  return { results, listeners };
}

describe("getResults behaves as an async generator", () => {
  test("nothing is fetched before the first next(); every result comes once, in order", async () => {
    const download = new Download(readsOf([3, 0, 2, 4]));
    const results = download.provider().getResults(BATCH_ID);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(download.fetches, 0, "calling getResults opens nothing");
    assert.equal(results[Symbol.asyncIterator](), results);
    const seen: UnifiedResult[] = [];
    for await (const result of results) seen.push(result);
    assert.deepEqual(ids(seen), range(0, 9));
    assert.equal(seen[8]!.response?.text, "answer 8");
    assert.deepEqual(await results.next(), DONE);
  });

  test("next() calls made at once settle in order, across reads and past the end", async () => {
    const download = new Download(readsOf([2, 3, 1]));
    download.held = true;
    const results = download.provider().getResults(BATCH_ID);
    const calls = Array.from({ length: 9 }, () => results.next());
    const { order, all } = settlementOrder(calls);
    // Three reads and the end.
    for (let read = 0; read < 4; read++) {
      await download.readWaiting();
      download.release();
    }
    const settled = await all;
    assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const values = settled.map((outcome) => (outcome.status === "fulfilled" ? (outcome.value as IteratorResult<UnifiedResult>) : outcome.reason));
    assert.deepEqual(values.slice(0, 6).map((step) => step.value.customId), range(0, 6));
    assert.deepEqual(values.slice(6), [DONE, DONE, DONE]);
    assert.equal(download.served, 3, "each read once");
  });

  test("return() and throw() before the first next() end it without opening anything", async () => {
    const download = new Download(readsOf([2]));
    const provider = download.provider();
    const returned = provider.getResults(BATCH_ID);
    assert.deepEqual(await returned.return(undefined), DONE);
    assert.deepEqual(await returned.next(), DONE);
    const thrown = provider.getResults(BATCH_ID);
    const error = new Error("stop");
    await assert.rejects(thrown.throw(error), (reason) => reason === error);
    assert.deepEqual(await thrown.next(), DONE);
    // A return value is awaited and handed back, as a generator's is.
    const valued = provider.getResults(BATCH_ID) as AsyncGenerator<UnifiedResult, unknown>;
    assert.deepEqual(await valued.return(Promise.resolve("kept")), { value: "kept", done: true });
    assert.equal(download.fetches, 0);
  });

  test("return() between two results of a read closes the download once, and ends it", async () => {
    const download = new Download(readsOf([3, 3]));
    const { results, listeners } = await startedHeld(download);
    assert.equal(listeners(), 1, "the time limit listens to the caller's signal while reading");
    const { order, all } = settlementOrder([results.return(undefined), results.next(), results.return(undefined)]);
    const settled = await all;
    assert.deepEqual(order, [0, 1, 2]);
    assert.deepEqual(
      settled.map((outcome) => outcome.status === "fulfilled" && outcome.value),
      [DONE, DONE, DONE],
    );
    assert.equal(download.cancels, 1, "the download is cancelled");
    assert.equal(listeners(), 0, "the time limit is disposed");
    assert.equal(download.served, 1, "the second read is never made");
  });

  test("throw() between two results rejects with its error and closes the download", async () => {
    const download = new Download(readsOf([3, 3]));
    const { controller, listeners } = watchedSignal();
    const results = download.provider().getResults(BATCH_ID, { signal: controller.signal });
    assert.equal((await results.next()).value?.customId, "request-0");
    download.held = true;
    const error = new Error("the caller gives up");
    await assert.rejects(results.throw(error), (reason) => reason === error);
    assert.equal(download.cancels, 1);
    assert.equal(listeners(), 0);
    assert.deepEqual(await results.next(), DONE);
    await assert.rejects(results.throw(error), (reason) => reason === error);
  });

  test("return() while a read is awaited waits for it: the pending next() gets its result, then it ends", async () => {
    const download = new Download(readsOf([2, 2, 2]));
    const { results, listeners } = await startedHeld(download);
    assert.equal((await results.next()).value?.customId, "request-1");
    const pending = results.next();
    await download.readWaiting();
    const { order, all } = settlementOrder([pending, results.return(undefined), results.next()]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(order, [], "nothing settles while the read is awaited");
    assert.equal(download.cancels, 0);
    download.release();
    const settled = await all;
    assert.deepEqual(order, [0, 1, 2]);
    const [next, returned, after] = settled.map((outcome) => outcome.status === "fulfilled" && outcome.value);
    assert.equal((next as IteratorResult<UnifiedResult>).value?.customId, "request-2");
    assert.deepEqual(returned, DONE);
    assert.deepEqual(after, DONE);
    assert.equal(download.cancels, 1);
    assert.equal(listeners(), 0);
  });

  test("after the end: next() is done, return(value) hands the value back, throw(error) rejects; the download is closed", async () => {
    const download = new Download(readsOf([1]));
    const { controller, listeners } = watchedSignal();
    const results = download.provider().getResults(BATCH_ID, { signal: controller.signal }) as AsyncGenerator<UnifiedResult, unknown>;
    assert.equal(((await results.next()).value as UnifiedResult).customId, "request-0");
    assert.deepEqual(await results.next(), DONE);
    assert.equal(listeners(), 0, "the time limit is disposed at the end");
    assert.deepEqual(await results.next(), DONE);
    assert.deepEqual(await results.return("value"), { value: "value", done: true });
    const error = new Error("late");
    await assert.rejects(results.throw(error), (reason) => reason === error);
    assert.deepEqual(await results.next(), DONE);
  });

  test("an abort between two results of a read ends it with AbortError and closes the download", async () => {
    const download = new Download(readsOf([3, 3]));
    const { controller, listeners } = watchedSignal();
    const results = download.provider().getResults(BATCH_ID, { signal: controller.signal });
    assert.equal((await results.next()).value?.customId, "request-0");
    controller.abort();
    await assert.rejects(results.next(), AbortError);
    assert.equal(download.cancels, 1);
    assert.equal(listeners(), 0);
    assert.deepEqual(await results.next(), DONE);
  });

  test("AbortSignal.timeout() firing between two results ends it with a retryable TimeoutError", async () => {
    const download = new Download(readsOf([3, 3]));
    const results = download.provider().getResults(BATCH_ID, { signal: AbortSignal.timeout(50) });
    assert.equal((await results.next()).value?.customId, "request-0");
    await new Promise((resolve) => setTimeout(resolve, 120));
    await assert.rejects(results.next(), (error) => error instanceof TimeoutError && (error as TimeoutError).retryable === true);
    assert.equal(download.cancels, 1);
    assert.deepEqual(await results.next(), DONE);
  });

  test("it looks like a generator from outside: its tag, its methods' arity, nothing of its state in JSON, a wrong receiver rejected", async () => {
    const download = new Download(readsOf([3]));
    const results = download.provider().getResults(BATCH_ID);
    assert.equal(Object.prototype.toString.call(results), "[object AsyncGenerator]");
    assert.equal(results[Symbol.asyncIterator](), results);
    assert.equal(results.next.length, 1);
    assert.equal((await results.next()).value?.customId, "request-0");
    // Its chunk of results (prompts, answers), the module's stream and the storage stay inside.
    assert.equal(JSON.stringify(results), "{}");
    assert.deepEqual(Object.keys(results), []);
    for (const method of ["next", "return", "throw"] as const) {
      const detached = results[method] as (this: unknown) => Promise<unknown>;
      let outcome: Promise<unknown> | undefined;
      assert.doesNotThrow(() => {
        outcome = detached.call({});
      });
      await assert.rejects(outcome!, TypeError);
    }
    await results.return(undefined);
    assert.equal(download.cancels, 1);
  });

  test("a failed read is the call's error (a BatchRouterError), a stalled one a TimeoutError; both close the download", async () => {
    const failing = new Download(readsOf([2, 2]));
    failing.failAt = 1;
    const { controller, listeners } = watchedSignal();
    const results = failing.provider().getResults(BATCH_ID, { signal: controller.signal });
    assert.deepEqual(ids([(await results.next()).value as UnifiedResult, (await results.next()).value as UnifiedResult]), range(0, 2));
    await assert.rejects(results.next(), (error) => error instanceof BatchRouterError && /reset/.test((error as Error).message));
    assert.equal(listeners(), 0);
    assert.deepEqual(await results.next(), DONE);

    const stalled = new Download(readsOf([2, 2]));
    const timed = stalled.provider({ requestTimeout: 100 }).getResults(BATCH_ID);
    assert.equal((await timed.next()).value?.customId, "request-0");
    stalled.held = true;
    // Paused while the caller holds a result: a wait longer than the limit is not a time-out.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await timed.next()).value?.customId, "request-1");
    await assert.rejects(timed.next(), (error) => error instanceof TimeoutError && /results of batch_iterator/.test((error as Error).message));
    assert.equal(stalled.cancels, 1);
    assert.deepEqual(await timed.next(), DONE);
    stalled.release();
  });

  test("a read writes its own part files, gathered (a MiB at a time), and the batch's files only at the end", async () => {
    const reads = readsOf([2, 3]);
    const download = new Download(reads);
    const results = download.provider().getResults(BATCH_ID);
    // This read's own part of a file: `<file>.<random>.part` (the batch's file is replaced at the end).
    const stored = async (path: string) => {
      const parts = [...download.storage.files.keys()].filter((key) => key.startsWith(`${path}.`) && key.endsWith(".part"));
      assert.equal(parts.length, 1, `one part of ${path}`);
      return (await download.storage.read(parts[0]!)) ?? "";
    };
    const lineCount = (text: string) => text.split("\n").filter((row) => row.length > 0).length;
    assert.equal((await results.next()).value?.customId, "request-0");
    // Begun empty; what the reads bring is gathered until a MiB or the end (the reads here are small).
    assert.equal(await stored(OUTPUT_FILE), "");
    assert.equal(lineCount(await stored(RESULTS_FILE)), 0);
    assert.equal(await download.storage.read(OUTPUT_FILE), undefined, "the batch's file waits for the end");
    await results.next();
    assert.equal((await results.next()).value?.customId, "request-2");
    assert.equal(await download.storage.read(OUTPUT_FILE), undefined, "the batch's file waits for the end");
    for (let step = await results.next(); !step.done; step = await results.next());
    assert.equal(await download.storage.read(OUTPUT_FILE), reads[0]! + reads[1]!);
    assert.equal(lineCount((await download.storage.read(RESULTS_FILE)) ?? ""), 5);
    assert.deepEqual(
      [...download.storage.files.keys()].filter((key) => key.endsWith(".part")),
      [],
    );
  });

  test("it disposes of itself as a generator does, where the runtime has Symbol.asyncDispose", async () => {
    const dispose = (Symbol as { asyncDispose?: symbol }).asyncDispose;
    const generator = (async function* () {})();
    const asyncIteratorPrototype: object = Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype);
    const download = new Download(readsOf([3]));
    const results = download.provider().getResults(BATCH_ID) as AsyncGenerator<UnifiedResult> & Record<symbol, unknown>;
    assert.ok(Object.prototype.isPrototypeOf.call(asyncIteratorPrototype, results), "it inherits from %AsyncIteratorPrototype%");
    if (dispose === undefined || !(dispose in generator)) return;
    assert.equal(typeof results[dispose], "function");
    assert.equal((await results.next()).value?.customId, "request-0");
    await (results[dispose] as () => Promise<void>)();
    assert.equal(download.cancels, 1);
    assert.deepEqual(await results.next(), DONE);
  });

  test("BatchRouter.getResults hands out the same results, lazily, and closes the download on return()", async () => {
    const download = new Download(readsOf([2, 2]));
    const router = new BatchRouter({ providers: { openai: download.provider() }, storage: download.storage });
    const results = router.getResults(BATCH_ID, { provider: "openai" });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(download.fetches, 0);
    assert.equal((await results.next()).value?.customId, "request-0");
    assert.deepEqual(await results.return(undefined), DONE);
    assert.equal(download.cancels, 1);
    const all: UnifiedResult[] = [];
    for await (const result of router.getResults(BATCH_ID, { provider: "openai" })) all.push(result);
    assert.deepEqual(ids(all), range(0, 4));
  });
});
