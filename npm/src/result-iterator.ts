/**
 * The async iterator `getResults` returns: an `async *` generator's behaviour, written out by hand so
 * that a result already decoded costs one resolved promise instead of a generator's several
 * microtask hops per `yield` (a few per cent of a large decode). It keeps every rule of the
 * generator it replaces: nothing runs before the first `next()`; calls made while a read is under
 * way wait in order; `return()` and `throw()` end it as they end a generator, closing the stream
 * once; an aborted signal is seen between results.
 */
import type { Deadline } from "./deadline.js";
import { abortedBy } from "./errors.js";
import { ResultTapeReader } from "./result-tape.js";
import type { ResultFilesWriting, TransparencyFiles } from "./transparency.js";
import type { UnifiedResult } from "./types.js";
import { unansweredResult, type EndedEarly } from "./unanswered-results.js";
import type { ResultDownload } from "./result-download.js";

/** A batch's results download, open: what the iterator reads and closes. */
export interface OpenResults {
  stream: ResultDownload;
  /** The time limit of each read, paused while the caller handles what was read. */
  deadline: Deadline;
  /** Stops the iteration between results once aborted. */
  signal: AbortSignal | undefined;
  /** Where the raw output and the unified results are written, named by `storedId`. */
  files: TransparencyFiles;
  storedId: string;
  /** What errors of a read are about, e.g. `results of batch_abc`. */
  what: string;
  /**
   * Set when the batch expired or was cancelled: after the provider's lines, each request of the
   * batch that got none is given a result saying so (`unanswered-results.ts`).
   */
  unanswered?: Unanswered;
}

/** How to answer for the requests of an expired or cancelled batch that got no result line. */
export interface Unanswered {
  ended: EndedEarly;
  /** The batch id the made results name. */
  batchId: string;
  /** The batch's custom ids, when known (else nothing is made: no id is guessed). */
  requestIds: () => Promise<string[] | undefined>;
}

type Step = IteratorResult<UnifiedResult, void>;

/** One call of `next`, `return` or `throw`, waiting for its turn. */
interface Call {
  kind: "next" | "return" | "throw";
  value: unknown;
  resolve: (step: Step) => void;
  reject: (error: unknown) => void;
}

// As a generator's: not started, paused after handing out a result, running (a read, or a
// `return` awaiting its value), done.
type State = "start" | "suspended" | "running" | "done";

// Not declared `implements AsyncGenerator`: with the ESNext.Disposable library (as Deno checks
// declarations) that type requires `[Symbol.asyncDispose]`, which this class inherits at run time
// where the runtime has it (below) and cannot declare for runtimes that lack it. `getResults`
// returns it as an `AsyncGenerator`, which checks its methods.
export class ResultIterator {
  #state: State = "start";
  readonly #calls: Call[] = [];
  #session: OpenResults | undefined;
  /** This read's own output and results files, which replace the batch's once it reaches the end. */
  #writing: ResultFilesWriting | undefined;
  readonly #reader = new ResultTapeReader();
  #results: UnifiedResult[] = [];
  #index = 0;
  /** The custom ids the provider's lines gave, kept only for a batch that ended early. */
  #answered: Set<string> | undefined;

  readonly #open: () => Promise<OpenResults>;

  /** `open` opens the download; it is called at the first `next()`, not before. */
  constructor(open: () => Promise<OpenResults>) {
    this.#open = open;
  }

  // `_value` as a generator's `next` declares it (`next.length` is 1); an async generator ignores
  // what is passed to its first `next()`, and this one hands nothing in.
  next(_value?: unknown): Promise<Step> {
    // As a generator's methods do, a call on another object rejects instead of throwing.
    if (!(#state in this)) return notAResultIterator("next");
    // The common case: a result of the current chunk, nobody waiting, not aborted.
    if (this.#state === "suspended" && this.#calls.length === 0 && this.#index < this.#results.length && this.#session?.signal?.aborted !== true) {
      return Promise.resolve({ value: this.#results[this.#index++]!, done: false });
    }
    return this.#call("next", undefined);
  }

  return(value?: void | PromiseLike<void>): Promise<Step> {
    if (!(#state in this)) return notAResultIterator("return");
    return this.#call("return", value);
  }

  throw(error?: unknown): Promise<Step> {
    if (!(#state in this)) return notAResultIterator("throw");
    return this.#call("throw", error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** `Object.prototype.toString` names it as it named the generator: `[object AsyncGenerator]`. */
  get [Symbol.toStringTag](): string {
    return "AsyncGenerator";
  }

  #call(kind: Call["kind"], value: unknown): Promise<Step> {
    return new Promise<Step>((resolve, reject) => {
      this.#calls.push({ kind, value, resolve, reject });
      this.#drain();
    });
  }

  /** Answers waiting calls in order until one has to wait for a read. */
  #drain(): void {
    while (this.#state !== "running") {
      const call = this.#calls.shift();
      if (call === undefined) return;
      this.#answer(call);
    }
  }

  #answer(call: Call): void {
    const state = this.#state;
    if (call.kind === "next") {
      if (state === "done") call.resolve({ value: undefined, done: true });
      else if (state === "suspended" && this.#index < this.#results.length) this.#handOut(call);
      else this.#read(call, state === "start");
    } else if (call.kind === "throw") {
      // Before the start or after the end a generator only rethrows; paused, its `finally` runs.
      if (this.#close(call)) call.reject(call.value);
    } else if (state === "suspended") {
      // A generator's `return(value)` at a `yield` awaits the value, then runs its `finally`.
      this.#state = "running";
      Promise.resolve(call.value as void).then(
        (value) => this.#close(call) && call.resolve({ value, done: true }),
        (error) => this.#close(call) && call.reject(error),
      ).then(() => this.#drain());
    } else {
      // Before the start or after the end it only awaits the value (nothing was opened), and
      // ends the iteration; later calls wait for it.
      this.#state = "running";
      Promise.resolve(call.value as void).then(
        (value) => call.resolve({ value, done: true }),
        (error) => call.reject(error),
      ).then(() => {
        this.#state = "done";
        this.#drain();
      });
    }
  }

  /** The next result of the chunk, or the end once the caller has aborted. */
  #handOut(call: Call): void {
    const signal = this.#session?.signal;
    if (signal?.aborted) {
      // `AbortSignal.timeout()` ended it: a retryable `TimeoutError`, as for an abort during a read.
      if (this.#close(call)) call.reject(abortedBy(signal));
      return;
    }
    call.resolve({ value: this.#results[this.#index++]!, done: false });
  }

  /** Reads chunks up to one with results (or the end), then answers `call`; others wait. */
  #read(call: Call, first: boolean): void {
    this.#state = "running";
    this.#fill(first).then(
      (more) => {
        if (!more) {
          if (this.#close(call)) call.resolve({ value: undefined, done: true });
          return;
        }
        this.#state = "suspended";
        this.#handOut(call);
      },
      (error: unknown) => this.#close(call) && call.reject(error),
    ).then(() => this.#drain());
  }

  /** Opens the download at the first read; then reads until a chunk has results (true) or the end. */
  async #fill(first: boolean): Promise<boolean> {
    if (first) {
      this.#session = await this.#open();
      this.#session.stream.keepFiles(this.#session.files.keepsFiles);
      this.#writing = await this.#session.files.startResults(this.#session.storedId);
    }
    const { stream, deadline, what, unanswered } = this.#session!;
    const writing = this.#writing!;
    if (first && unanswered !== undefined) this.#answered = new Set();
    for (;;) {
      let chunk;
      deadline.touch();
      try {
        chunk = await stream.next();
      } catch (error) {
        throw deadline.explain(error, what);
      }
      deadline.pause();
      if (chunk === null) {
        const more = await this.#answerTheRest(unanswered, writing);
        // The whole batch is read: this read's files become the batch's.
        await writing.complete();
        return more;
      }
      // The files get a chunk before its results are handed out.
      if (chunk.raw !== undefined) await writing.appendOutput(chunk.raw);
      if (chunk.resultsText !== undefined) await writing.appendResults(chunk.resultsText);
      // The tape is read straight from the module's memory, before anything else calls into it.
      this.#results = this.#reader.results(chunk, stream.tapeViews());
      this.#index = 0;
      if (this.#answered !== undefined) for (const result of this.#results) this.#answered.add(result.customId);
      if (this.#results.length > 0) return true;
    }
  }

  /**
   * After the last line of a batch that ended early: one result for each request that got no
   * line (true when there are any), written to the results file as the others are. Once only.
   */
  async #answerTheRest(unanswered: Unanswered | undefined, writing: ResultFilesWriting): Promise<boolean> {
    const answered = this.#answered;
    if (unanswered === undefined || answered === undefined) return false;
    this.#answered = undefined;
    const requestIds = (await unanswered.requestIds()) ?? [];
    const made = requestIds.filter((customId) => !answered.has(customId)).map((customId) => unansweredResult(customId, unanswered.ended, unanswered.batchId));
    if (made.length === 0) return false;
    await writing.appendResults(made.map((result) => JSON.stringify(result) + "\n").join(""));
    this.#results = made;
    this.#index = 0;
    return true;
  }

  /**
   * Ends the iteration, closing the download once if it was opened (the generator's `finally`).
   * False when closing threw: then `call` is rejected with that error, as a `finally` that throws
   * replaces the generator's outcome.
   */
  #close(call: Call): boolean {
    this.#state = "done";
    const session = this.#session;
    this.#session = undefined;
    this.#results = [];
    // A read that ends before the end of the batch leaves the batch's files as they were; its
    // parts are cleared away in the background (a failure to do so changes no outcome).
    void this.#writing?.discard().catch(() => undefined);
    this.#writing = undefined;
    if (session === undefined) return true;
    try {
      session.deadline.dispose();
      session.stream.cancel();
      session.stream.free();
    } catch (error) {
      call.reject(error);
      return false;
    }
    return true;
  }
}

function notAResultIterator(method: string): Promise<never> {
  return Promise.reject(new TypeError(`${method} called on an object that is not a results iterator`));
}

// A generator inherits from %AsyncIteratorPrototype%, which gives it `[Symbol.asyncIterator]` and,
// in runtimes that have explicit resource management, `[Symbol.asyncDispose]` (`await using`,
// which calls `return()`); this iterator inherits the same.
const asyncIteratorPrototype: object = Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype);
Object.setPrototypeOf(ResultIterator.prototype, asyncIteratorPrototype);
