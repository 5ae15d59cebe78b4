/**
 * A provider output file without a line for some request: the job downloads each file once (the
 * file reads the same every time), and the request is `missing_result`, retryable, so it is sent
 * again while `maxAttempts` allow, and ends errored when they do not.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { BatchRouter, MemoryStorage } from "batch-router";

import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { API_KEY, collect, fastRouterOptions } from "../support/jobs.js";
import { textRequest } from "../support/requests.js";

function setup(maxAttempts: number) {
  const emulator = new OpenAIEmulator({ apiKey: API_KEY });
  const router = new BatchRouter({
    providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch: emulator.fetch } },
    storage: new MemoryStorage(),
    ...fastRouterOptions(),
    maxAttempts,
  });
  return { emulator, router };
}

/** How many times each file's content was downloaded. */
function downloads(emulator: OpenAIEmulator): number[] {
  const counts = new Map<string, number>();
  for (const request of emulator.received) {
    if (request.method === "GET" && /\/files\/[^/]+\/content$/.test(request.path)) counts.set(request.path, (counts.get(request.path) ?? 0) + 1);
  }
  return [...counts.values()];
}

const requests = [textRequest("a", "first"), textRequest("b", "second NO_LINE_ONCE"), textRequest("c", "third")];

describe("a result line missing from the provider's file", () => {
  test("is downloaded once, and the request is sent again as missing", async () => {
    const { emulator, router } = setup(3);
    const summary = await router.runJob({ provider: "openai", requests });
    assert.deepEqual([summary.succeeded, summary.errored, summary.attempts], [3, 0, 2]);
    const counts = downloads(emulator);
    assert.ok(counts.length >= 2, "the first batch's and the follow-up's files");
    assert.deepEqual(counts, counts.map(() => 1), "every file downloaded once");
    const manifest = (await router.getJob(summary.jobId))!;
    const first = manifest.submissions.find((record) => record.attempt === 1)!;
    assert.equal(first.results!.counts.missing, 1);
    assert.deepEqual((await collect(router.getJobResults(summary.jobId))).map((result) => [result.customId, result.status]), [["a", "succeeded"], ["c", "succeeded"], ["b", "succeeded"]]);
  });

  test("with no attempts left, the request ends missing_result, still after one download", async () => {
    const { emulator, router } = setup(1);
    const summary = await router.runJob({ provider: "openai", requests });
    assert.deepEqual([summary.succeeded, summary.errored, summary.reasons], [2, 1, { missing_result: 1 }]);
    assert.deepEqual(summary.unsuccessful.map((item) => [item.customId, item.code, item.attempts]), [["b", "missing_result", 1]]);
    const counts = downloads(emulator);
    assert.equal(counts.length, 1, "an output file only (no line errored)");
    assert.deepEqual(counts, [1]);
    const missing = (await collect(router.getJobResults(summary.jobId))).find((result) => result.customId === "b")!;
    assert.deepEqual([missing.status, missing.error?.code, missing.error?.retryable], ["errored", "missing_result", true]);
  });
});
