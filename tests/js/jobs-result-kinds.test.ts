/**
 * Jobs act on `retryable` as the core sets it for result lines: a request that got no HTTP answer
 * (status 0, field case 03) and one whose line was cut short (its id recovered, field case 28) are
 * sent again and end succeeded; a request the provider refused is not sent again.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { BatchRouter, MemoryStorage } from "batch-router";

import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { API_KEY, collect, fastRouterOptions } from "../support/jobs.js";
import { textRequest } from "../support/requests.js";

describe("jobs and the one retryable rule", () => {
  test("no answer and a cut line are sent again; a refusal is not", async () => {
    const emulator = new OpenAIEmulator({ apiKey: API_KEY, startClock: Math.floor(Date.now() / 1000) });
    const router = new BatchRouter({
      providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch: emulator.fetch } },
      storage: new MemoryStorage(),
      ...fastRouterOptions(),
    });
    const requests = [
      textRequest("fine", "hello"),
      textRequest("unanswered", "NO_ANSWER_ONCE please"),
      textRequest("cut", "CUT_ONCE please"),
      textRequest("refused", "please FAIL_400"),
    ];
    const summary = await router.runJob({ provider: "openai", requests }, { maxAttempts: 3 });
    assert.deepEqual([summary.succeeded, summary.errored], [3, 1]);
    assert.equal(summary.attempts, 2);

    const sent = emulator.received
      .filter((request) => request.method === "POST" && request.path.endsWith("/files"))
      .flatMap((request) => [...request.bodyText.matchAll(/"custom_id":"([^"]+)"/g)].map((match) => match[1]));
    const count = (id: string) => sent.filter((sentId) => sentId === id).length;
    assert.deepEqual([count("fine"), count("unanswered"), count("cut"), count("refused")], [1, 2, 2, 1]);

    const results = await collect(router.getJobResults(summary.jobId));
    const byId = new Map(results.map((result) => [result.customId, result]));
    assert.equal(byId.get("unanswered")?.response?.text, "echo: NO_ANSWER_ONCE please");
    assert.equal(byId.get("cut")?.response?.text, "echo: CUT_ONCE please");
    assert.deepEqual([byId.get("refused")?.status, byId.get("refused")?.error?.retryable], ["errored", false]);
  });

  test("requests a cancelled batch did not run are cancelled and retryable, with or without the provider's lines for them", async () => {
    // A new-user trial: `retryable` was true from the error file's `batch_cancelled` lines and false
    // when the provider wrote none; README: requests cancelled before they ran are retryable, and
    // jobs do not resend them (cancelling was asked for).
    for (const unfinishedLines of [true, false]) {
      const emulator = new OpenAIEmulator({ apiKey: API_KEY, startClock: Math.floor(Date.now() / 1000), endWith: () => "cancelled", unfinishedLines });
      const router = new BatchRouter({
        providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch: emulator.fetch } },
        storage: new MemoryStorage(),
        ...fastRouterOptions(),
      });
      const requests = ["a", "b", "c", "d"].map((id) => textRequest(id, `hello ${id}`));
      const summary = await router.runJob({ provider: "openai", requests }, { maxAttempts: 3 });
      assert.deepEqual([summary.succeeded, summary.cancelled, summary.attempts], [2, 2, 1], JSON.stringify(summary));
      const results = await collect(router.getJobResults(summary.jobId));
      const cancelled = results.filter((result) => result.status === "cancelled");
      assert.equal(cancelled.length, 2);
      for (const result of cancelled) {
        assert.deepEqual([result.error?.code, result.error?.retryable], ["batch_cancelled", true], `${unfinishedLines}: ${JSON.stringify(result)}`);
      }
    }
  });
});
