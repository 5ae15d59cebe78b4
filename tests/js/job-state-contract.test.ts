/**
 * A user's `JobStateStore` is read through its contract: `null` for a missing record (what Workers
 * KV, Redis clients and D1's `.first()` answer) is a missing record, in jobs and in the webhook
 * replay guard; any other answer of the wrong shape is a `ConfigurationError` naming the store, the
 * method and the contract, never a bare `TypeError` from inside the job.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { BatchRouter, ConfigurationError, MemoryStorage, verifyWebhook, WebhookVerificationError } from "batch-router";
import type { JobStateStore, VersionedRecord } from "batch-router";

import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { API_KEY, fastRouterOptions } from "../support/jobs.js";
import { textRequest } from "../support/requests.js";
import { standardWebhookSignature } from "../support/webhook-signing.js";

/** A compare-and-set store that answers `null` where the contract's own answer is `undefined`. */
class NullAnsweringStore {
  readonly records = new Map<string, { value: string; version: number }>();
  private next = 0;
  /** What `get` answers for a record that exists (a wrong shape, when a test sets it). */
  present: (record: { value: string; version: number }) => unknown = (record) => record;
  /** What `put` answers after writing (a wrong shape, when a test sets it). */
  written: (version: number) => unknown = (version) => String(version);

  async get(key: string): Promise<unknown> {
    const record = this.records.get(key);
    return record === undefined ? null : this.present(record);
  }

  async put(key: string, value: string, expected: string | undefined): Promise<unknown> {
    const current = this.records.get(key);
    if ((current === undefined ? undefined : String(current.version)) !== (expected === undefined ? undefined : String(expected))) return null;
    const version = ++this.next;
    this.records.set(key, { value, version });
    return this.written(version);
  }
}

function routerWith(state: NullAnsweringStore) {
  const emulator = new OpenAIEmulator({ apiKey: API_KEY });
  return new BatchRouter({
    providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch: emulator.fetch } },
    storage: new MemoryStorage(),
    state: state as unknown as JobStateStore,
    ...fastRouterOptions(),
  });
}

const requests = [textRequest("a", "one"), textRequest("b", "two")];

describe("a JobStateStore that answers null", () => {
  test("runs a job: null is a missing record, and a refused write", async () => {
    const state = new NullAnsweringStore();
    const router = routerWith(state);
    const jobId = await router.startJob({ provider: "openai", requests });
    // A second start of the same id finds the manifest (get answered a record, not null).
    assert.equal(await router.startJob({ provider: "openai", requests }, { jobId }), jobId);
    for (let round = 0; round < 20; round++) if ((await router.advanceJob(jobId)).state === "completed") break;
    const summary = await router.getJobSummary(jobId);
    assert.deepEqual([summary.state, summary.succeeded], ["completed", 2]);
  });

  test("a record of another shape is an error naming the store method and the contract", async () => {
    const state = new NullAnsweringStore();
    const router = routerWith(state);
    const jobId = await router.startJob({ provider: "openai", requests });
    state.present = (record) => record.value;
    await assert.rejects(router.advanceJob(jobId), (error: unknown) => {
      // A job stops on it (JobInterruptedError), the store's error as its cause.
      const cause = error instanceof ConfigurationError ? error : (error as { cause?: unknown }).cause;
      assert.ok(cause instanceof ConfigurationError, String(error));
      assert.match(cause.message, /^options\.state\.get\("jobs\/[^"]+"\) resolved to a string: a JobStateStore's get must resolve to \{ value: string, version: string \}/);
      return true;
    });
    state.present = (record) => ({ value: record.value, version: { id: record.version } });
    await assert.rejects(router.getJobSummary(jobId), /resolved to \{ value: string, version: \{ id: number \} \}/);
  });

  test("a put that answers neither a version nor undefined/null is an error naming put", async () => {
    const state = new NullAnsweringStore();
    state.written = () => true;
    await assert.rejects(routerWith(state).startJob({ provider: "openai", requests }), (error: unknown) => {
      assert.ok(error instanceof ConfigurationError, String(error));
      assert.match(error.message, /^options\.state\.put\("jobs\/[^"]+", …\) resolved to a boolean: a JobStateStore's put must resolve to the new version/);
      return true;
    });
  });

  test("a BatchStorage (or anything without get and put) given as state is refused when the router is built", () => {
    const emulator = new OpenAIEmulator({ apiKey: API_KEY });
    const providers = { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch: emulator.fetch } };
    for (const [state, missing] of [[new MemoryStorage(), "get and no put"], [{}, "get and no put"], [{ get: async () => undefined }, "put"]] as const) {
      assert.throws(
        () => new BatchRouter({ providers, storage: new MemoryStorage(), state: state as unknown as JobStateStore, ...fastRouterOptions() }),
        (error: unknown) => {
          assert.ok(error instanceof ConfigurationError, String(error));
          assert.ok(error.message.startsWith(`options.state has no ${missing} method: a JobStateStore has get(key) and put(key, value, expected)`), error.message);
          assert.match(error.message, /goes in `storage`/);
          return true;
        },
      );
    }
  });

  test("guards webhook replays: null is no delivery seen yet", async () => {
    const key = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw4W0zrbZLzsA=";
    const timestamp = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ id: "evt_1", type: "batch.completed", created_at: timestamp, data: { id: "batch_abc123" }, object: "event" });
    const delivery = async () =>
      new Request("http://127.0.0.1/webhooks", {
        method: "POST",
        headers: { "webhook-id": "msg_1", "webhook-timestamp": String(timestamp), "webhook-signature": await standardWebhookSignature(key, "msg_1", timestamp, body), "content-type": "application/json" },
        body,
      });
    const replayGuard = new NullAnsweringStore() as unknown as JobStateStore;
    assert.equal((await verifyWebhook(await delivery(), `whsec_${key}`, { replayGuard })).webhookId, "msg_1");
    await assert.rejects(verifyWebhook(await delivery(), `whsec_${key}`, { replayGuard }), (error: unknown) => error instanceof WebhookVerificationError && error.reason === "replayed");
    const broken: JobStateStore = { get: async () => ({ value: "{}" }) as unknown as VersionedRecord, put: async () => "1" };
    await assert.rejects(verifyWebhook(await delivery(), `whsec_${key}`, { replayGuard: broken }), /options\.replayGuard\.get\("webhooks\/seen"\) resolved to \{ value: string \}/);
  });
});
