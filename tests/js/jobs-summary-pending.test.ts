/**
 * `getJobSummary` of a running job: requests it has not finished (their batch still running, or
 * about to be sent again) are `pending`, never `errored`; only outcomes that are final count as
 * errors, and every request is counted once at every step.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { BatchRouter, MemoryStorage, StorageJobState, type JobSummary } from "batch-router";

import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { API_KEY, fastRouterOptions, jobRequests } from "../support/jobs.js";

function counted(summary: JobSummary): number {
  return summary.succeeded + summary.errored + summary.expired + summary.cancelled + summary.pending;
}

describe("getJobSummary while a job runs", () => {
  test("unfinished requests are pending, not errored, at every round; none once the job ends", async () => {
    const emulator = new OpenAIEmulator({ apiKey: API_KEY, readsPerState: 2 });
    const storage = new MemoryStorage();
    const options = fastRouterOptions();
    const router = new BatchRouter({
      providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch: emulator.fetch } },
      storage,
      state: new StorageJobState(storage),
      ...options,
    });
    const requests = jobRequests();
    const jobId = await router.startJob({ provider: "openai", requests }, { jobId: "pending-summary" });

    const before = await router.getJobSummary(jobId);
    assert.deepEqual(
      [before.state, before.pending, before.errored, before.succeeded, before.unsuccessful.length, before.reasons],
      ["running", 12, 0, 0, 0, {}],
    );

    let sawSomeDoneSomePending = false;
    for (let round = 0; ; round++) {
      assert.ok(round < 60, "the job did not end in 60 rounds");
      const advanced = await router.advanceJob(jobId);
      const summary = await router.getJobSummary(jobId);
      assert.equal(counted(summary), summary.total, JSON.stringify(summary));
      if (advanced.state === "completed") {
        assert.equal(summary.pending, 0);
        assert.deepEqual([summary.succeeded, summary.errored], [10, 2]);
        break;
      }
      assert.equal(summary.state, "running");
      assert.equal(summary.reasons.not_finished, undefined, JSON.stringify(summary.reasons));
      // The only errors of a running job are final ones: the 400, and the 500 once its attempts are spent.
      for (const item of summary.unsuccessful) {
        assert.ok(item.code === "invalid_request_error" || (item.code === "server_error" && item.attempts === options.maxAttempts), JSON.stringify(item));
      }
      if (summary.pending > 0 && summary.succeeded > 0) sawSomeDoneSomePending = true;
    }
    assert.ok(sawSomeDoneSomePending, "a round where some requests were done and others still pending");
  });
});
