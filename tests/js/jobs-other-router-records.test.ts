/**
 * A job finished by another router whose providers keep no record of the job's batches
 * (`storage: false`): the job has its requests, and a batch's summary is made again from them
 * (conversion is deterministic), so what reading results needs of it is recovered — here the
 * custom ids Anthropic could not take, sent as replacements and mapped back — and no answer is
 * ignored and paid for twice. Where the requests no longer convert, the record says so.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { BatchRouter, MemoryStorage, type ProviderOptions } from "batch-router";

import { AnthropicEmulator } from "../emulators/anthropic-emulator.js";
import { collect, fastRouterOptions } from "../support/jobs.js";
import { textRequest } from "../support/requests.js";

const KEY = "fake-anthropic-records-key-0123456789";

function setup() {
  const emulator = new AnthropicEmulator({ apiKey: KEY });
  const storage = new MemoryStorage();
  const router = (options: ProviderOptions = {}) =>
    new BatchRouter({
      providers: { anthropic: { apiKey: KEY, baseUrl: "http://emulated.invalid", fetch: emulator.fetch, storage: false, ...options } },
      storage,
      ...fastRouterOptions(),
    });
  return { emulator, router };
}

// Anthropic takes `^[a-zA-Z0-9_-]{1,64}$` only: the first two are sent under replacements.
const requests = [textRequest("report/2024 #1", "first question", "claude-sonnet-4-5"), textRequest("ünïcode id", "second question", "claude-sonnet-4-5"), textRequest("plain-id", "third question", "claude-sonnet-4-5")];

describe("a job finished by another router with no record of its batches", () => {
  test("replaced custom ids are mapped back: every answer reaches its request, nothing is sent again", async () => {
    const { emulator, router } = setup();
    const jobId = await router().submitJob({ provider: "anthropic", requests });
    const other = router();
    const done = await other.waitForCompletion(jobId);
    const summary = done.kind === "job" ? done.summary : undefined;
    assert.deepEqual([summary?.succeeded, summary?.errored, summary?.attempts], [3, 0, 1], JSON.stringify(summary));
    assert.equal(emulator.batches.size, 1, "nothing sent again");
    const manifest = (await other.getJob(jobId))!;
    assert.deepEqual([manifest.submissions[0]!.results?.counts.ignored, manifest.submissions[0]!.results?.counts.missing], [0, 0]);
    const results = await collect(other.getJobResults(jobId));
    for (const request of requests) {
      const result = results.find((each) => each.customId === request.customId);
      assert.equal(result?.response?.text, `echo: ${String(request.messages![0]!.content)}`, request.customId);
    }
  });

  test("requests this router can no longer convert: read without the summary, and the record says so", async () => {
    const { router } = setup();
    // Sent with `seed` dropped (Anthropic has none); a router without `dropUnsupported` refuses it.
    const seeded = { ...requests[2]!, generationConfig: { seed: 7 } };
    const jobId = await router({ dropUnsupported: true }).submitJob({ provider: "anthropic", requests: [seeded] });
    const other = router();
    const done = await other.waitForCompletion(jobId);
    assert.equal(done.kind === "job" ? done.summary.succeeded : undefined, 1);
    const manifest = (await other.getJob(jobId))!;
    const warnings = manifest.submissions[0]!.warnings ?? [];
    assert.ok(warnings.some((warning) => /no record of .* its requests no longer convert .*seed/.test(warning)), JSON.stringify(warnings));
  });
});
