/**
 * The overlap property shared by every store's suite (memory here, PostgreSQL, D1/R2 in workerd):
 * many `advanceJob` invocations on one job at once, each through its own router (as separate
 * function instances would be), over a provider that fails on a seeded schedule, with invocations
 * killed mid-step. A killed invocation does nothing more: every later call it makes to the store or
 * the provider fails without an effect, and a call in flight when it dies may still land (its answer
 * is lost), as when a process dies. It neither releases its lease nor writes anything again.
 *
 * Runtime-neutral and free of the package's import (the workerd suite hands in its classes), so
 * workerd can run it as it is.
 */
import type { BatchRouter as BatchRouterClass, BatchRouterOptions, BatchStorage, JobManifest, JobStateStore, UnifiedResult } from "batch-router";

import type { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { FaultyFetch, randomFaults, seededRandom } from "./faults.js";
import { API_KEY, expectedOutcome, jobRequests, JOB_TAG_KEY } from "./jobs.js";

export class KilledError extends Error {
  constructor() {
    super("invocation killed");
  }
}

/** One invocation's view of the shared store and provider: `kill()` cuts it off. */
export class Invocation {
  killed = false;
  private calls = 0;

  /** `killAfter`: the invocation dies right after its n-th call to the store or provider lands. */
  constructor(private readonly killAfter = Infinity) {}

  kill(): void {
    this.killed = true;
  }

  private async guard<T>(call: () => Promise<T>): Promise<T> {
    if (this.killed) throw new KilledError();
    this.calls++;
    const value = await call();
    if (this.calls >= this.killAfter) this.kill();
    if (this.killed) throw new KilledError();
    return value;
  }

  fetch(inner: (request: Request) => Promise<Response>): (request: Request) => Promise<Response> {
    return (request) => this.guard(() => inner(request));
  }

  storage(inner: BatchStorage): BatchStorage {
    return {
      write: (path, data) => this.guard(() => inner.write(path, data)),
      append: (path, data) => this.guard(() => inner.append(path, data)),
      read: (path) => this.guard(() => inner.read(path)),
      rename: (from, to) => this.guard(() => inner.rename(from, to)),
    };
  }

  state(inner: JobStateStore): JobStateStore {
    return {
      get: (key) => this.guard(() => inner.get(key)),
      put: (key, value, expected) => this.guard(() => inner.put(key, value, expected)),
    };
  }
}

export interface OverlapOptions {
  BatchRouter: typeof BatchRouterClass;
  /** The OpenAI emulator's class (the workerd suite imports it from the compiled tests). */
  emulator: OpenAIEmulator;
  storage: BatchStorage;
  state: JobStateStore;
  seed: number;
  /** Invocations started together in each wave (default 4). */
  concurrency?: number;
  /** Chance that an invocation is killed, after one of its first 40 calls to the store or provider (default 0.3). */
  killRate?: number;
  /** Milliseconds of each job lease (default 400: killed holders free the job quickly). */
  leaseMs?: number;
}

export interface OverlapReport {
  waves: number;
  invocations: number;
  killed: number;
  busy: number;
  interrupted: number;
  faults: number;
  batches: number;
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

function routerOptions(fetch: (request: Request) => Promise<Response>, storage: BatchStorage, state: JobStateStore, leaseMs: number): BatchRouterOptions {
  return {
    providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch } },
    storage,
    state,
    leaseMs,
    retry: { maxRetries: 8, initialDelayMs: 1, maxDelayMs: 4 },
    requestTimeout: 100,
    pollInterval: 0,
    maxPollInterval: 1,
    maxAttempts: 3,
    plan: { maxRequestsPerBatch: 4 },
  };
}

/**
 * Runs the job to its end with overlapping, killed invocations, then checks: no tag names two
 * batches, every batch with the job's tag is in the manifest, one result per custom id, each the
 * right one. Throws an Error naming the seed otherwise.
 */
export async function overlappingAdvancers(options: OverlapOptions): Promise<OverlapReport> {
  const { BatchRouter, emulator, seed } = options;
  const random = seededRandom(seed * 7919);
  // The schedule the jobs suite's fault test uses (jobs-faults.test.ts): three calls in ten fail.
  const faulty = new FaultyFetch(emulator.fetch, randomFaults({ seed, rate: 0.3, maxInARow: 3 }));
  const leaseMs = options.leaseMs ?? 400;
  const concurrency = options.concurrency ?? 4;
  const killRate = options.killRate ?? 0.3;
  const requests = jobRequests();
  const jobId = `overlap-${seed}`;
  const clean = new BatchRouter(routerOptions(faulty.fetch, options.storage, options.state, leaseMs));
  await clean.startJob({ provider: "openai", requests }, { jobId });
  const report: OverlapReport = { waves: 0, invocations: 0, killed: 0, busy: 0, interrupted: 0, faults: 0, batches: 0 };
  let completed = false;
  while (!completed) {
    check(report.waves < 200, `seed ${seed}: the job did not end in 200 waves`);
    report.waves++;
    const wave = Array.from({ length: concurrency }, async () => {
      const invocation = new Invocation(random() < killRate ? 1 + Math.floor(random() * 40) : Infinity);
      const router = new BatchRouter(routerOptions(invocation.fetch(faulty.fetch), invocation.storage(options.storage), invocation.state(options.state), leaseMs));
      report.invocations++;
      try {
        const result = await router.advanceJob(jobId, { budgetMs: 2_000 });
        if (result.state === "busy") report.busy++;
        if (result.state === "completed" && !invocation.killed) completed = true;
      } catch (error) {
        // A killed invocation, or one stopped by lasting injected faults (a JobInterruptedError
        // naming the job): the next wave goes on. Anything else is a defect.
        if (!invocation.killed && (error as Error).name !== "JobInterruptedError") throw error;
        if (!invocation.killed) report.interrupted++;
      } finally {
        if (invocation.killed) report.killed++;
      }
    });
    await Promise.all(wave);
    // Killed holders leave their lease: the next wave waits for it rather than spinning.
    if (!completed) await new Promise((resolve) => setTimeout(resolve, report.busy > 0 ? leaseMs / 4 : 0));
  }
  report.faults = faulty.injected.length;
  const manifest = (await clean.getJob(jobId)) as JobManifest;
  const results: UnifiedResult[] = [];
  for await (const result of clean.getJobResults(jobId)) results.push(result);
  report.batches = checkInvariants(emulator, manifest, results, seed);
  return report;
}

function checkInvariants(emulator: OpenAIEmulator, manifest: JobManifest, results: UnifiedResult[], seed: number): number {
  const requests = jobRequests();
  check(manifest.state === "completed", `seed ${seed}: the job is ${manifest.state}`);
  const byTag = new Map<string, string[]>();
  for (const record of emulator.batches.values()) {
    const tag = (record.object.metadata as Record<string, string> | null)?.[JOB_TAG_KEY];
    if (!tag?.startsWith(`${manifest.jobId}.`)) continue;
    byTag.set(tag, [...(byTag.get(tag) ?? []), record.object.id]);
  }
  for (const [tag, ids] of byTag) check(ids.length === 1, `seed ${seed}: tag ${tag} has ${ids.length} batches: ${ids.join(", ")}`);
  const known = new Set(manifest.submissions.map((record) => record.batchId));
  for (const [tag, ids] of byTag) check(known.has(ids[0]), `seed ${seed}: batch ${ids[0]} (${tag}) was created but the job lost it`);
  check(results.length === requests.length, `seed ${seed}: ${results.length} results for ${requests.length} requests`);
  const byId = new Map(results.map((result) => [result.customId, result]));
  check(byId.size === requests.length, `seed ${seed}: a custom id came twice`);
  for (const request of requests) {
    const result = byId.get(request.customId);
    check(result, `seed ${seed}: no result for ${request.customId}`);
    const expected = expectedOutcome(request);
    check(result.status === expected.status, `seed ${seed}: ${request.customId} is ${result.status}: ${JSON.stringify(result.error)}`);
    if (expected.status === "succeeded") check(result.response?.text === `echo: ${String(request.messages![0]!.content)}`, `seed ${seed}: ${request.customId} got another request's answer`);
    else check(result.error?.httpStatus === expected.httpStatus, `seed ${seed}: ${request.customId} http status`);
  }
  return byTag.size;
}
