/**
 * A create call that got no answer (abandoned by `budgetMs` or the caller, timed out, or its process
 * killed) may still land at the provider. Until its batch is found by the job's tag, or the create
 * is known not to have landed (its window passed and a new create was answered), it holds its
 * model's quota (`maxConcurrentBatches`, `maxEnqueuedTokens`) and its worst case under the job's
 * budget (`maxCostUsd`), as a created batch does. A new-user trial (9b, fault 2) saw the next round
 * create the next batch at once: two batches in a queue of one, and a budget passed.
 *
 * The provider here holds each create until the test lets it land (or drops it), so every step is
 * deterministic; a later invocation comes "later" by the job's lease being expired in its store,
 * as time would, while the create's window (twice its time limit and more) is still open.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import {
  BatchRouter,
  FileStorage,
  JobInterruptedError,
  MemoryStorage,
  StorageJobState,
  estimateRequests,
  type BatchRouterOptions,
  type BatchStorage,
  type JobManifest,
  type PriceTable,
  type UnifiedRequest,
} from "batch-router";

import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { API_KEY, JOB_TAG_KEY, assertJobInvariants, collect, fastRouterOptions } from "../support/jobs.js";
import { serve } from "../support/serve.js";
import { textRequest } from "../support/requests.js";

const CHILD = fileURLToPath(new URL("../support/held-create-child.js", import.meta.url));
const MODEL = "gpt-4o-mini";
// $1 per token at batch rates, so costs read as token counts.
const PRICES: PriceTable = { [MODEL]: { input: 2_000_000, output: 2_000_000 } };
const UNFINISHED = new Set(["validating", "in_progress", "finalizing", "cancelling"]);
const directories: string[] = [];

/** A create call as it reached the provider: its job tag, and how many other batches were then unfinished or held. */
interface Arrival {
  tag: string;
  others: number;
}

/**
 * The OpenAI emulator with a gate on create calls: the first `holds` creates are held until the
 * test lets them land (`land`) or drops them (`drop`), whether or not their caller still waits (a
 * provider carries a create out after the client gave up on it).
 */
class CreateGate {
  readonly arrivals: Arrival[] = [];
  /** Batch list calls (how a create with no answer is looked for). */
  lists = 0;
  onCreate?: () => void;
  onList?: (count: number) => void;
  private readonly held: { land(): Promise<void>; drop(): void }[] = [];

  constructor(
    readonly emulator: OpenAIEmulator,
    private readonly holds = 1,
  ) {}

  readonly fetch = async (request: Request): Promise<Response> => {
    const isBatches = new URL(request.url).pathname.endsWith("/batches");
    if (isBatches && request.method === "GET") {
      this.lists++;
      this.onList?.(this.lists);
    }
    if (!isBatches || request.method !== "POST") return this.emulator.fetch(request);
    const body = await request.text();
    const tag = (JSON.parse(body) as { metadata: Record<string, string> }).metadata[JOB_TAG_KEY]!;
    this.arrivals.push({ tag, others: this.unfinished() + this.held.length });
    const copy = () => new Request(request.url, { method: "POST", headers: request.headers, body });
    if (this.arrivals.length > this.holds) return this.emulator.fetch(copy());
    const answer = new Promise<Response>((resolve, reject) => {
      this.held.push({ land: async () => resolve(await this.emulator.fetch(copy())), drop: () => reject(new TypeError("fetch failed")) });
      request.signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")), { once: true });
    });
    this.onCreate?.();
    return answer;
  };

  /** The held creates land at the provider now. */
  async land(): Promise<void> {
    await Promise.all(this.held.splice(0).map((create) => create.land()));
  }

  /** The held creates never land (their answer, if still awaited, is a dropped connection). */
  drop(): void {
    for (const create of this.held.splice(0)) create.drop();
  }

  private unfinished(): number {
    return [...this.emulator.batches.values()].filter((batch) => UNFINISHED.has(batch.object.status)).length;
  }
}

function requests(count: number): UnifiedRequest[] {
  return Array.from({ length: count }, (_, index) => ({ ...textRequest(`u-${index}`, `question ${index}`, MODEL), generationConfig: { maxTokens: 40 } }));
}

/** Each request's worst case under `PRICES`. */
function worstCases(all: UnifiedRequest[]): number[] {
  return estimateRequests("openai", all, { prices: PRICES }).map((estimate) => estimate.maxCostUsd!);
}

function emulatorNow(extra: Partial<ConstructorParameters<typeof OpenAIEmulator>[0]> = {}): OpenAIEmulator {
  return new OpenAIEmulator({ apiKey: API_KEY, startClock: Math.floor(Date.now() / 1000), ...extra });
}

/**
 * Batches of two requests; a 10 s lease, so a create's time limit is 7.5 s and its window 20 s:
 * the window stays open however slow the machine, and a later round comes by `expireLease`.
 */
function routerOptions(extra: Partial<BatchRouterOptions> = {}): Partial<BatchRouterOptions> {
  return { ...fastRouterOptions(), leaseMs: 10_000, requestTimeout: 60_000, plan: { maxRequestsPerBatch: 2 }, ...extra };
}

/** The job's lease as if its time had passed (a stopped round keeps it until then). */
async function expireLease(state: StorageJobState, jobId: string): Promise<void> {
  const key = `jobs/${jobId}.lease`;
  const lease = await state.get(key);
  assert.ok(lease, "the stopped round kept its lease");
  assert.ok(await state.put(key, JSON.stringify({ ...(JSON.parse(lease.value) as object), expiresAt: Date.now() - 1 }), lease.version));
}

/**
 * Rounds while the first create is held: its batch is looked for and not found, and nothing else
 * is created. Then the create lands, and rounds run until the job ends.
 */
async function heldThenLanded(gate: CreateGate, router: () => BatchRouter, jobId: string): Promise<JobManifest> {
  assert.deepEqual(gate.arrivals, [{ tag: `${jobId}.0.1`, others: 0 }]);
  for (let round = 0; round < 3; round++) {
    const lists = gate.lists;
    const result = await router().advanceJob(jobId);
    assert.equal(result.state, "running");
    assert.ok(gate.lists > lists, `round ${round}: the batch was not looked for`);
    const [first, second] = (await router().getJob(jobId))!.submissions;
    assert.equal(first!.phase, "pending");
    assert.equal(first!.createMayHaveHappened, true);
    assert.ok(first!.createUncertainUntil! > Date.now(), "the create may still land");
    assert.equal(second!.phase, "pending", "the second batch waits");
    assert.notEqual(second!.createMayHaveHappened, true);
    assert.equal(gate.arrivals.length, 1, `round ${round}: a second create while the first may still land`);
  }
  await gate.land();
  let result = await router().advanceJob(jobId);
  for (let round = 0; result.state !== "completed"; round++) {
    assert.ok(round < 100, "the job did not end in 100 rounds");
    assert.notEqual(result.state, "busy");
    await new Promise((resolve) => setTimeout(resolve, result.nextAdvanceInMs));
    result = await router().advanceJob(jobId);
  }
  return (await router().getJob(jobId))!;
}

describe("a create with no answer counts as in flight until its batch is found", () => {
  after(() => {
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  });

  test("maxConcurrentBatches 1, a create abandoned by budgetMs: no second create until the first is found and has ended (MemoryStorage)", async () => {
    const gate = new CreateGate(emulatorNow());
    const storage = new MemoryStorage();
    const state = new StorageJobState(storage);
    const router = () =>
      new BatchRouter({
        providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch: gate.fetch } },
        storage,
        state,
        ...routerOptions({ quotas: { openai: { [MODEL]: { maxConcurrentBatches: 1 } } } }),
      });
    const all = requests(4);
    const jobId = await router().startJob({ provider: "openai", requests: all });
    // Long enough for the upload and the create to be sent; the create is held past it.
    const first = await router().advanceJob(jobId, { budgetMs: 1_500 });
    assert.equal(first.stoppedBy, "budget");
    await expireLease(state, jobId);
    const manifest = await heldThenLanded(gate, router, jobId);
    assert.deepEqual(gate.arrivals, [
      { tag: `${jobId}.0.1`, others: 0 },
      { tag: `${jobId}.1.1`, others: 0 },
    ]);
    assertJobInvariants(gate.emulator, manifest, await collect(router().getJobResults(jobId)), all);
  });

  test("maxCostUsd with room for one batch in flight, a create abandoned by the caller: the second waits for the first to be found and spent (FileStorage)", async () => {
    const gate = new CreateGate(emulatorNow());
    const directory = mkdtempSync(join(tmpdir(), "batch-router-uncertain-"));
    directories.push(directory);
    const storage: BatchStorage = new FileStorage(directory);
    const state = new StorageJobState(storage);
    const router = () => new BatchRouter({ providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch: gate.fetch } }, storage, state, ...routerOptions({ prices: PRICES }) });
    const all = requests(4);
    const worst = worstCases(all);
    // No request of the second batch fits beside the first's worst case (a batch goes with the part
    // that fits: jobs9); they fit beside what the first spent.
    const maxCostUsd = worst[0]! + worst[1]! + 0.999 * Math.min(worst[2]!, worst[3]!);
    const jobId = await router().startJob({ provider: "openai", requests: all }, { maxCostUsd });
    const controller = new AbortController();
    gate.onCreate = () => controller.abort();
    await assert.rejects(router().advanceJob(jobId, { signal: controller.signal }), (error) => error instanceof JobInterruptedError);
    await expireLease(state, jobId);
    const manifest = await heldThenLanded(gate, router, jobId);
    // The second batch (whole or in parts) was created only once the first had ended.
    assert.ok(gate.arrivals.length >= 2, "the second batch was created");
    assert.ok(gate.arrivals.every((arrival) => arrival.others === 0), JSON.stringify(gate.arrivals));
    const summary = await router().getJobSummary(jobId);
    assert.deepEqual([summary.succeeded, summary.heldBack], [4, []]);
    assert.ok(summary.cost.costUsd <= maxCostUsd, `${summary.cost.costUsd} spent, over ${maxCostUsd}`);
    assertJobInvariants(gate.emulator, manifest, await collect(router().getJobResults(jobId)), all);
  });

  test("runJob in one process, a create that timed out: the next batch is not created beside it, then held back (budget for one batch)", async () => {
    const gate = new CreateGate(emulatorNow());
    const router = new BatchRouter({
      providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch: gate.fetch } },
      storage: new MemoryStorage(),
      // A 1 s lease: the create's time limit is 750 ms, its window 2.25 s.
      ...routerOptions({ prices: PRICES, leaseMs: 1_000 }),
    });
    const all = requests(4);
    const worst = worstCases(all);
    // Room for the first batch's worst case, not for the second's beside it, nor beside what the first spends.
    const maxCostUsd = worst[0]! + worst[1]! + 0.3 * (worst[2]! + worst[3]!);
    // The create lands while its window is open: once the batch has been looked for twice in vain.
    gate.onList = (count) => {
      if (count === 2) void gate.land();
    };
    const summary = await router.runJob({ provider: "openai", requests: all }, { maxCostUsd });
    // The first create, then (once it had ended) only the parts of the second that fit beside what
    // it spent: never one beside it.
    assert.deepEqual(gate.arrivals[0], { tag: `${summary.jobId}.0.1`, others: 0 });
    assert.ok(gate.arrivals.every((arrival) => arrival.others === 0), JSON.stringify(gate.arrivals));
    assert.ok(gate.lists >= 2);
    assert.equal(summary.succeeded, 2 + gate.arrivals.length - 1);
    assert.equal(summary.succeeded + summary.heldBack.length, 4);
    assert.ok(summary.cost.costUsd <= maxCostUsd, `${summary.cost.costUsd} spent, over ${maxCostUsd}`);
  });

  test("a create known not to have landed (its window passed, the batch not found): created again, and only then the next waits for it (maxConcurrentBatches 1)", async () => {
    const gate = new CreateGate(emulatorNow());
    const storage = new MemoryStorage();
    // A 400 ms lease: the create's time limit is 300 ms, its window 900 ms.
    const router = () =>
      new BatchRouter({
        providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch: gate.fetch } },
        storage,
        ...routerOptions({ leaseMs: 400, quotas: { openai: { [MODEL]: { maxConcurrentBatches: 1 } } } }),
      });
    const all = requests(4);
    const jobId = await router().startJob({ provider: "openai", requests: all });
    const controller = new AbortController();
    gate.onCreate = () => controller.abort();
    await assert.rejects(router().advanceJob(jobId, { signal: controller.signal }), (error) => error instanceof JobInterruptedError);
    gate.drop();
    let result = await router().advanceJob(jobId);
    for (let round = 0; result.state !== "completed"; round++) {
      assert.ok(round < 500, "the job did not end in 500 rounds");
      await new Promise((resolve) => setTimeout(resolve, Math.max(10, result.nextAdvanceInMs)));
      result = await router().advanceJob(jobId);
    }
    assert.deepEqual(gate.arrivals, [
      { tag: `${jobId}.0.1`, others: 0 },
      { tag: `${jobId}.0.1`, others: 0 },
      { tag: `${jobId}.1.1`, others: 0 },
    ]);
    assertJobInvariants(gate.emulator, (await router().getJob(jobId))!, await collect(router().getJobResults(jobId)), all);
  });

  test("a process killed while its create is held (maxEnqueuedTokens for one batch, FileStorage): the next process creates nothing beside it until it is found and has ended", async () => {
    const all = requests(4);
    const perRequest = estimateRequests("openai", all).map((estimate) => estimate.inputTokens);
    // The provider enforces the same limit, counting the package's estimate.
    const countTokens = (body: Record<string, unknown>) => estimateRequests("openai", [{ customId: "x", model: MODEL, messages: body.messages as UnifiedRequest["messages"] }])[0]!.inputTokens;
    const limit = perRequest[0]! + perRequest[1]! + perRequest[2]!;
    const gate = new CreateGate(emulatorNow({ enqueuedTokenLimit: limit, countTokens }));
    const server = await serve(gate.fetch);
    const directory = mkdtempSync(join(tmpdir(), "batch-router-uncertain-"));
    directories.push(directory);
    const options = routerOptions({ quotas: { openai: { [MODEL]: { maxEnqueuedTokens: limit } } } });
    const router = () => new BatchRouter({ providers: { openai: { apiKey: API_KEY, baseUrl: `${server.url}/v1` } }, storage: new FileStorage(directory), ...options });
    try {
      const jobId = await router().startJob({ provider: "openai", requests: all });
      const child = spawn(process.execPath, [CHILD, `${server.url}/v1`, directory, jobId, JSON.stringify(options)], { stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_, signal) => resolve(signal)));
      gate.onCreate = () => child.kill("SIGKILL");
      assert.equal(await exited, "SIGKILL", output);
      await expireLease(new StorageJobState(new FileStorage(directory)), jobId);
      const manifest = await heldThenLanded(gate, router, jobId);
      assert.deepEqual(
        gate.arrivals.map((arrival) => arrival.others),
        [0, 0],
      );
      assert.equal(manifest.submissions.filter((record) => record.error?.code === "token_limit_exceeded").length, 0, "no batch failed for a full queue");
      assertJobInvariants(gate.emulator, manifest, await collect(router().getJobResults(jobId)), all);
    } finally {
      await server.close();
    }
  });
});
