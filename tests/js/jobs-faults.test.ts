/**
 * Property-style test of jobs against an emulator that fails on purpose: for many seeded random
 * fault schedules (429 with retry-after, 500, 529, dropped connections, calls that never answer,
 * truncated bodies, work done but its answer lost) at every lifecycle step, a job — resumed by a
 * fresh router whenever it stops — ends with no duplicate batch, no lost batch, no lost request,
 * and every custom id accounted for exactly once with the right result.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { BatchRouter, JobInterruptedError, MemoryStorage, type JobSummary } from "batch-router";

import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { FaultyFetch, randomFaults } from "../support/faults.js";
import { API_KEY, assertJobInvariants, collect, fastRouterOptions, jobRequests } from "../support/jobs.js";

const SEEDS = 30;
/** Seeds run side by side: a job spends most of its time waiting out injected hangs. */
const CONCURRENCY = 6;

async function runWithFaults(seed: number) {
  const emulator = new OpenAIEmulator({ apiKey: API_KEY, startClock: Math.floor(Date.now() / 1000) });
  const faulty = new FaultyFetch(emulator.fetch, randomFaults({ seed, rate: 0.3, maxInARow: 3 }));
  const storage = new MemoryStorage();
  const routerFor = () =>
    new BatchRouter({
      providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch: faulty.fetch } },
      storage,
      ...fastRouterOptions(),
      // Injected hangs last this long; a real call slower than this is one more transient failure.
      requestTimeout: 100,
    });
  const requests = jobRequests();
  const jobId = `seed-${seed}`;
  let summary: JobSummary | undefined;
  let stops = 0;
  try {
    summary = await routerFor().runJob({ provider: "openai", requests }, { jobId });
  } catch (error) {
    assert.ok(error instanceof JobInterruptedError, `seed ${seed}: ${String(error)}`);
    stops++;
  }
  // A stopped job is resumed by a new router, as a new process would.
  while (!summary) {
    assert.ok(stops < 10, `seed ${seed}: the job keeps stopping`);
    try {
      summary = await routerFor().resumeJob(jobId);
    } catch {
      stops++;
    }
  }
  const router = routerFor();
  const manifest = (await router.getJob(jobId))!;
  assertJobInvariants(emulator, manifest, await collect(router.getJobResults(jobId)), requests);
  assert.equal(summary.total, requests.length);
  assert.equal(summary.succeeded + summary.errored + summary.expired + summary.cancelled, requests.length);
  return faulty.injected.length;
}

describe("jobs under random faults", () => {
  test(`${SEEDS} seeded fault schedules: no duplicate batch, no lost request, every custom id once`, async () => {
    let injected = 0;
    for (let first = 1; first <= SEEDS; first += CONCURRENCY) {
      const seeds = Array.from({ length: Math.min(CONCURRENCY, SEEDS - first + 1) }, (_, offset) => first + offset);
      for (const count of await Promise.all(seeds.map(runWithFaults))) injected += count;
    }
    // The schedules did inject faults (about three in ten calls).
    assert.ok(injected > SEEDS * 5, `only ${injected} faults were injected`);
  });
});
