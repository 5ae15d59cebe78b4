/**
 * A Gemini job whose inline answers come back without their keys, finished by another router
 * instance than the one that sent its batches (its providers keep no transparency files:
 * `storage: false`, so only the job knows each batch's requests): every answer is still counted
 * and given to its own request by position, and when position proves nothing (an answer missing)
 * none is given to any request; those requests are sent again, never given another's answer.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";

import { BatchRouter, MemoryStorage, type UnifiedResult } from "batch-router";

import { GeminiEmulator, type GeminiEmulatorOptions } from "../emulators/gemini-emulator.js";
import { collect, fastRouterOptions } from "../support/jobs.js";
import { geminiText } from "../support/gemini-requests.js";
import { inlinedResponsesOf } from "../support/gemini-harness.js";
import { serve, type RunningServer } from "../support/serve.js";

const KEY = "fake-gemini-keyless-job-key-0123456789abcdef";
const servers: RunningServer[] = [];
after(async () => {
  for (const server of servers) await server.close();
});

async function setup(options: GeminiEmulatorOptions = {}) {
  const emulator = new GeminiEmulator({ apiKey: KEY, omitInlineKeys: true, ...options });
  const server = await serve(emulator.fetch);
  servers.push(server);
  const storage = new MemoryStorage();
  const router = () =>
    new BatchRouter({
      providers: { google: { apiKey: KEY, baseUrl: server.url, storage: false, route: "inline" } },
      storage,
      ...fastRouterOptions(),
      plan: { maxRequestsPerBatch: 3 },
    });
  return { emulator, router };
}

const requests = Array.from({ length: 6 }, (_, index) => geminiText(`k-${index}`, `keyless job ${index}`));

/** Each result's own request's answer, or no answer at all. */
function assertOwnAnswers(results: UnifiedResult[]): void {
  assert.deepEqual(results.map((result) => result.customId).sort(), requests.map((request) => request.customId).sort());
  for (const result of results) {
    const index = result.customId.slice(2);
    if (result.status === "succeeded") assert.equal(result.response!.text, `echo: keyless job ${index}`, result.customId);
  }
}

describe("a Gemini job with keyless inline answers, finished by another router", () => {
  test("every answer is counted and given to its own request by position", async () => {
    const { emulator, router } = await setup();
    const jobId = await router().submitJob({ provider: "google", requests });
    assert.ok(emulator.batches.size >= 2);
    const other = router();
    const done = await other.waitForCompletion(jobId);
    assert.equal(done.kind, "job");
    const summary = done.kind === "job" ? done.summary : undefined;
    assert.deepEqual([summary?.succeeded, summary?.errored, summary?.attempts], [6, 0, 1], JSON.stringify(summary));
    assert.equal(emulator.batches.size, 2, "nothing sent again");
    const results = await collect(other.getJobResults(jobId));
    assertOwnAnswers(results);
    assert.ok(results.every((result) => result.attribution?.by === "position"));
    // No answer was ignored as unattributed.
    const manifest = (await other.getJob(jobId))!;
    assert.deepEqual(manifest.submissions.map((record) => record.results?.counts.ignored), [0, 0]);
  });

  test("an answer missing: position proves nothing, none is given to a request, and they are sent again", async () => {
    const { emulator, router } = await setup();
    const jobId = await router().submitJob({ provider: "google", requests });
    const [first] = [...emulator.batches.keys()];
    emulator.editOperation(first!, (operation) => {
      inlinedResponsesOf(operation).splice(0, 1);
    });
    const other = router();
    const done = await other.waitForCompletion(jobId);
    const summary = done.kind === "job" ? done.summary : undefined;
    assert.deepEqual([summary?.succeeded, summary?.errored], [6, 0], JSON.stringify(summary));
    const manifest = (await other.getJob(jobId))!;
    const firstRecord = manifest.submissions.find((record) => record.batchId === first)!;
    // The two answers left could not be told apart by position: ignored, their requests missing.
    assert.deepEqual([firstRecord.results?.counts.missing, firstRecord.results?.counts.ignored], [3, 2]);
    assertOwnAnswers(await collect(other.getJobResults(jobId)));
  });
});
