/**
 * A job's budget sends the part of a batch that fits (trial 8c found a follow-up batch of three
 * retries held back whole when two would have fit): the requests in order, each that keeps spent +
 * in flight + the batch's worst case within `maxCostUsd`, go in one batch; the rest stay pending
 * and go when there is room, or end `budget_exceeded` once nothing is in flight and none fits. The
 * narrowed batch and its pending rest are in the manifest before anything of it is sent, so a run
 * stopped at any point resumes without a request sent twice.
 *
 * The emulator's answers have their usage taken out, so each success counts its request's worst
 * case in what is spent: the budget's arithmetic is then exact.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { BatchRouter, MemoryStorage, estimateRequests, type JobManifest, type PriceTable, type UnifiedRequest } from "batch-router";

import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { API_KEY, collect, fastRouterOptions, JOB_TAG_KEY, withoutUsage } from "../support/jobs.js";
import { textRequest } from "../support/requests.js";

// $1 per token at batch rates (half the published price), so costs read as token counts.
const PRICES: PriceTable = { "gpt-4o-mini": { input: 2_000_000, output: 2_000_000 } };

/** b-0 succeeds; b-1, b-2 and b-3 fail once (a 500) and are sent again; b-4 to b-7 succeed. */
function requests(): UnifiedRequest[] {
  return Array.from({ length: 8 }, (_, index) => {
    const text = index >= 1 && index <= 3 ? `question ${index} FLAKY_500` : `question ${index}`;
    return { ...textRequest(`b-${index}`, text, "gpt-4o-mini"), generationConfig: { maxTokens: 40 } };
  });
}

const ALL = requests();
const WORST = estimateRequests("openai", ALL, { prices: PRICES }).map((estimate) => estimate.maxCostUsd!);
const worstOf = (ids: string[]) => ids.reduce((sum, customId) => sum + WORST[Number(customId.slice(2))]!, 0);
/**
 * Room for the first batch (b-0 to b-3), then the second (b-4 to b-7) once the first spent only
 * b-0's worst case, then of the retries b-1 and b-2, not b-3.
 */
const BUDGET = WORST[0]! + worstOf(["b-4", "b-5", "b-6", "b-7"]) + WORST[1]! + WORST[2]! + WORST[3]! / 2;

interface Emulated {
  emulator: OpenAIEmulator;
  /** The emulator's fetch behind the check. */
  fetch: (request: Request) => Promise<Response>;
  /** The most that was spent or could still be, worst case, at any create call (see `guard`). */
  mostCommitted: { value: number };
}

/**
 * The emulator behind a check run at every create call: what its batches may cost, worst case —
 * every request of a batch not yet completed, and the successes of completed ones (a first run of
 * a FLAKY_500 request fails, unbilled) — plus the new batch's requests, kept as the most seen.
 */
function emulated(): Emulated {
  const emulator = new OpenAIEmulator({ apiKey: API_KEY, startClock: Math.floor(Date.now() / 1000) });
  const mostCommitted = { value: 0 };
  const guard = async (request: Request): Promise<Response> => {
    if (request.method === "POST" && /\/batches$/.test(new URL(request.url).pathname)) {
      const body = (await request.clone().json()) as { input_file_id: string };
      const content = emulator.files.get(body.input_file_id)?.content ?? "";
      const sending = content.split("\n").filter((line) => line !== "").map((line) => (JSON.parse(line) as { custom_id: string }).custom_id);
      const seen = new Set<string>();
      let committed = worstOf(sending);
      for (const batch of emulator.batches.values()) {
        for (const { customId } of batch.lines) {
          const failedFirstRun = batch.object.status === "completed" && String(ALL[Number(customId.slice(2))]!.messages![0]!.content).includes("FLAKY_500") && !seen.has(customId);
          seen.add(customId);
          if (!failedFirstRun) committed += worstOf([customId]);
        }
      }
      mostCommitted.value = Math.max(mostCommitted.value, committed);
    }
    return emulator.fetch(request);
  };
  return { emulator, fetch: guard, mostCommitted };
}

function routerOn(storage: MemoryStorage, fetch: (request: Request) => Promise<Response>, quotas = true): BatchRouter {
  return new BatchRouter({
    providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch: withoutUsage(fetch) } },
    storage,
    ...fastRouterOptions(),
    plan: { maxRequestsPerBatch: 4 },
    prices: PRICES,
    // One batch at a time: the first two batches go one after the other, whole.
    ...(quotas ? { quotas: { openai: { "*": { maxConcurrentBatches: 1 } } } } : {}),
  });
}

/** The custom ids of each batch the emulator created, in the order created. */
const createdBatches = (emulator: OpenAIEmulator) => [...emulator.batches.values()].map((batch) => batch.lines.map((line) => line.customId));

/** What must hold once the job of {@link BUDGET} has ended, however it ran. */
async function assertEndedWithinBudget(router: BatchRouter, jobId: string, emulator: OpenAIEmulator): Promise<void> {
  const manifest = (await router.getJob(jobId))!;
  assert.equal(manifest.state, "completed");
  const summary = await router.getJobSummary(jobId);
  assert.deepEqual([summary.succeeded, summary.heldBack, summary.reasons], [7, ["b-3"], { budget_exceeded: 1 }]);
  // The earlier 500 of b-3 gave way to the budget's reason, said as today's.
  assert.match(summary.unsuccessful[0]!.message, /^held back: .* spent, and this batch may cost up to .*, over the budget of \$/);
  const results = await collect(router.getJobResults(jobId));
  assert.deepEqual(results.map((result) => result.customId).sort(), ALL.map((request) => request.customId).sort());
  // No request sent twice at one attempt, no batch created twice for one submission.
  const tags = [...emulator.batches.values()].map((batch) => (batch.object.metadata as Record<string, string>)[JOB_TAG_KEY]);
  assert.equal(new Set(tags).size, tags.length, tags.join());
  // Spent (each success at its worst case) within the budget.
  const spent = manifest.submissions.reduce((sum, record) => sum + (record.spentUsd ?? 0), 0);
  assert.ok(Math.abs(spent - worstOf(ALL.map((request) => request.customId).filter((customId) => customId !== "b-3"))) < 1e-9, String(spent));
  assert.ok(spent <= BUDGET);
}

/** The submission of the retries sent, and of the one held back. */
function retryRecords(manifest: JobManifest) {
  const retries = manifest.submissions.filter((record) => record.attempt === 2);
  return retries.map((record) => ({ ranges: record.requestRanges, count: record.requestCount, phase: record.phase, code: record.error?.code }));
}

describe("a budget sends the part of a batch that fits", () => {
  test("a follow-up batch that fits two of its three retries sends exactly those two; the third ends budget_exceeded", async () => {
    const { emulator, fetch, mostCommitted } = emulated();
    const router = routerOn(new MemoryStorage(), fetch);
    const summary = await router.runJob({ provider: "openai", requests: ALL }, { maxCostUsd: BUDGET, jobId: "part" });
    assert.deepEqual(createdBatches(emulator), [
      ["b-0", "b-1", "b-2", "b-3"],
      ["b-4", "b-5", "b-6", "b-7"],
      ["b-1", "b-2"],
    ]);
    assert.deepEqual(summary.heldBack, ["b-3"]);
    await assertEndedWithinBudget(router, "part", emulator);
    assert.deepEqual(retryRecords((await router.getJob("part"))!), [
      { ranges: [[1, 3]], count: 2, phase: "collected", code: undefined },
      { ranges: [[3, 4]], count: 1, phase: "failed", code: "budget_exceeded" },
    ]);
    assert.ok(mostCommitted.value <= BUDGET, `${mostCommitted.value} committed, over ${BUDGET}`);
  });

  test("a dearer request does not stop a cheaper one after it", async () => {
    // b-1's retry made dearer than what is left, b-2's and b-3's not: b-1 is held back alone.
    const dear = ALL.map((request) => (request.customId === "b-1" ? { ...request, generationConfig: { maxTokens: 120 } } : request));
    const worst = estimateRequests("openai", dear, { prices: PRICES }).map((estimate) => estimate.maxCostUsd!);
    const second = worst[0]! + worst[4]! + worst[5]! + worst[6]! + worst[7]!;
    // Once both first batches ran (b-0 to b-7 but the retries spent): room for b-2 and b-3, not b-1.
    const maxCostUsd = second + worst[2]! + worst[3]! + 0.5;
    assert.ok(worst[1]! > worst[2]! + worst[3]! + 0.5, "b-1's retry does not fit");
    assert.ok(worst[0]! + worst[1]! + worst[2]! + worst[3]! <= maxCostUsd, "the first batch fits whole");
    const { emulator, fetch } = emulated();
    const router = routerOn(new MemoryStorage(), fetch);
    const summary = await router.runJob({ provider: "openai", requests: dear }, { maxCostUsd, jobId: "dear" });
    assert.deepEqual(createdBatches(emulator).at(-1), ["b-2", "b-3"]);
    assert.deepEqual([summary.succeeded, summary.heldBack], [7, ["b-1"]]);
  });

  test("with batches in flight, the part that fits goes at once and the rest waits for room", async () => {
    // No quota: while the first batch runs, b-4 to b-6 fit beside it, b-7 does not; it goes once
    // the first batch has spent less than its worst case. The retries then go as above.
    const { emulator, fetch, mostCommitted } = emulated();
    const router = routerOn(new MemoryStorage(), fetch, false);
    await router.runJob({ provider: "openai", requests: ALL }, { maxCostUsd: BUDGET, jobId: "beside" });
    assert.deepEqual(createdBatches(emulator), [["b-0", "b-1", "b-2", "b-3"], ["b-4", "b-5", "b-6"], ["b-7"], ["b-1", "b-2"]]);
    await assertEndedWithinBudget(router, "beside", emulator);
    assert.ok(mostCommitted.value <= BUDGET, `${mostCommitted.value} committed, over ${BUDGET}`);
  });

  // A stop (a crash) just as the narrowed batch's file is uploaded, as its create call is sent, or
  // once the provider created it but before the answer arrived: the state it leaves is taken as a
  // copy of the storage at that moment, and another router finishes the job from that copy.
  for (const point of ["upload", "create", "created"] as const) {
    test(`stopped at the narrowed batch's ${point === "created" ? "create, after the provider made it" : point}, the job resumes without sending anything twice`, async () => {
      const { emulator, fetch, mostCommitted } = emulated();
      const storage = new MemoryStorage();
      let copy: MemoryStorage | undefined;
      let seen = 0;
      const controller = new AbortController();
      const dying = async (request: Request): Promise<Response> => {
        if (copy !== undefined) throw new TypeError("fetch failed (the process is gone)");
        const path = new URL(request.url).pathname;
        const watched = point === "upload" ? request.method === "POST" && path.endsWith("/files") : request.method === "POST" && path.endsWith("/batches");
        // The third upload or create is the narrowed retry batch's.
        if (!watched || ++seen !== 3) return fetch(request);
        const response = point === "created" ? await fetch(request) : undefined;
        copy = new MemoryStorage();
        for (const [path, chunks] of storage.files) copy.files.set(path, chunks.map((chunk) => chunk.slice()));
        controller.abort();
        if (response) await response.arrayBuffer();
        throw new TypeError("fetch failed (the process is gone)");
      };
      await assert.rejects(routerOn(storage, dying).runJob({ provider: "openai", requests: ALL }, { maxCostUsd: BUDGET, jobId: `stopped-${point}`, signal: controller.signal }));
      assert.ok(copy, "the run reached the narrowed batch");

      // Before anything of it was sent, the manifest held the narrowed batch and its pending rest.
      const resumer = routerOn(copy, fetch);
      const left = (await resumer.getJob(`stopped-${point}`))!;
      assert.deepEqual(
        left.submissions.filter((record) => record.attempt === 2).map((record) => [record.requestRanges, record.phase]),
        [
          [[[1, 3]], "pending"],
          [[[3, 4]], "pending"],
        ],
      );
      assert.equal(left.submissions.find((record) => record.attempt === 2)!.createMayHaveHappened === true, point !== "upload");

      await resumer.resumeJob(`stopped-${point}`);
      assert.deepEqual(createdBatches(emulator), [
        ["b-0", "b-1", "b-2", "b-3"],
        ["b-4", "b-5", "b-6", "b-7"],
        ["b-1", "b-2"],
      ]);
      await assertEndedWithinBudget(resumer, `stopped-${point}`, emulator);
      assert.ok(mostCommitted.value <= BUDGET, `${mostCommitted.value} committed, over ${BUDGET}`);
    });
  }
});
