/**
 * Issue 16, item 4: `verifyWebhook` (Standard Webhooks, as OpenAI and Gemini sign batch events:
 * endpoints-and-push.md §3) accepts a genuine delivery and refuses forged, tampered, stale, future
 * and replayed ones, never echoing the secret; `router.handleWebhook` advances the job that owns the
 * batch, and only for a genuine, first delivery.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";

import { BatchRouter, ConfigurationError, FileStorage, MemoryStorage, StorageJobState, verifyWebhook, WebhookVerificationError } from "batch-router";

import { OpenAIEmulator } from "../emulators/openai-emulator.js";
import { API_KEY, fastRouterOptions, jobRequests } from "../support/jobs.js";

/** 32 random-looking bytes, base64, with the `whsec_` prefix OpenAI's dashboard gives. */
const KEY_BASE64 = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw4W0zrbZLzsA=";
const SECRET = `whsec_${KEY_BASE64}`;
const OTHER_SECRET = "whsec_c2VjcmV0LW9mLXNvbWVvbmUtZWxzZS0xMjM0NTY3OA==";

function bytesOf(base64: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
}

async function sign(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const raw: Uint8Array<ArrayBuffer> = secret.startsWith("whsec_") ? bytesOf(secret.slice(6)) : new TextEncoder().encode(secret);
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestamp}.${body}`)));
  return btoa(String.fromCharCode(...signature));
}

interface Delivery {
  id?: string;
  timestamp?: number;
  body?: string;
  secret?: string;
  signature?: string;
  omit?: string;
}

let counter = 0;

async function delivery(options: Delivery = {}): Promise<Request> {
  const id = options.id ?? `msg_${++counter}_${Date.now()}`;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const body = options.body ?? JSON.stringify({ id: "evt_1", type: "batch.completed", created_at: timestamp, data: { id: "batch_abc123" }, object: "event" });
  const signature = options.signature ?? `v1,${await sign(options.secret ?? SECRET, id, timestamp, body)}`;
  const headers: Record<string, string> = { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signature, "content-type": "application/json" };
  if (options.omit) delete headers[options.omit];
  return new Request("http://127.0.0.1/webhooks", { method: "POST", headers, body });
}

async function refusal(request: Request | Promise<Request>, options?: Parameters<typeof verifyWebhook>[2]): Promise<WebhookVerificationError> {
  try {
    await verifyWebhook(await request, SECRET, options);
  } catch (error) {
    assert.ok(error instanceof WebhookVerificationError, String(error));
    assert.ok(!error.message.includes(KEY_BASE64) && !JSON.stringify(error).includes(KEY_BASE64), "the secret leaked into the error");
    return error;
  }
  assert.fail("the delivery was accepted");
}

describe("verifyWebhook", () => {
  test("a genuine OpenAI delivery: the event, its batch id and the delivery id", async () => {
    const event = await verifyWebhook(await delivery({ id: "msg_genuine" }), SECRET);
    assert.equal(event.provider, "openai");
    assert.equal(event.type, "batch.completed");
    assert.equal(event.batchId, "batch_abc123");
    assert.equal(event.webhookId, "msg_genuine");
  });

  test("a Gemini delivery: batch.succeeded reads as batch.completed, a bare id as batches/<id>", async () => {
    const body = JSON.stringify({ type: "batch.succeeded", version: "v1", timestamp: "2026-01-22T12:00:00Z", data: { id: "batch_123456", output_file_uri: "gs://x" } });
    const event = await verifyWebhook(await delivery({ body }), SECRET);
    assert.equal(event.provider, "google");
    assert.equal(event.type, "batch.completed");
    assert.equal(event.rawType, "batch.succeeded");
    assert.equal(event.batchId, "batches/batch_123456");
  });

  test("secret rotation: any v1 entry may match, unknown versions are ignored; several secrets may be given", async () => {
    const id = "msg_rotation";
    const timestamp = Math.floor(Date.now() / 1000);
    const body = '{"type":"batch.failed","data":{"id":"batch_x"}}';
    const good = await sign(SECRET, id, timestamp, body);
    const other = await sign(OTHER_SECRET, id, timestamp, body);
    const signature = `v1a,${good} v1,${other} v1,${good}`;
    assert.equal((await verifyWebhook(await delivery({ id, timestamp, body, signature }), SECRET)).type, "batch.failed");
    const onlyOther = `v1,${other}`;
    assert.equal((await verifyWebhook(await delivery({ id, timestamp, body, signature: onlyOther }), [SECRET, OTHER_SECRET])).batchId, "batch_x");
    // A v1a entry carrying the right bytes is not a v1 signature.
    assert.equal((await refusal(delivery({ id, timestamp, body, signature: `v1a,${good}` }))).reason, "bad_signature");
  });

  test("a secret without the whsec_ prefix is used as its UTF-8 bytes", async () => {
    const raw = "a-plain-secret-of-enough-length";
    const request = await delivery({ secret: raw });
    assert.equal((await verifyWebhook(request, raw)).type, "batch.completed");
  });

  test("forged: signed with another secret, or the body changed after signing", async () => {
    assert.equal((await refusal(delivery({ secret: OTHER_SECRET }))).reason, "bad_signature");
    const timestamp = Math.floor(Date.now() / 1000);
    const signed = '{"type":"batch.completed","data":{"id":"batch_1"}}';
    const signature = `v1,${await sign(SECRET, "msg_t", timestamp, signed)}`;
    const tampered = delivery({ id: "msg_t", timestamp, body: '{"type":"batch.completed","data":{"id":"batch_2"}}', signature });
    assert.equal((await refusal(tampered)).reason, "bad_signature");
    assert.equal((await refusal(delivery({ signature: "v1,not-base64!!" }))).reason, "bad_signature");
    assert.equal((await refusal(delivery({ signature: "" }))).reason, "missing_header");
  });

  test("stale or from the future: outside ±300 s (or the tolerance given)", async () => {
    // `now` is the second the test starts in; the check runs up to a few seconds later on a busy
    // machine, so "just outside" is 305 s away (301 s once passed as 299.9 s into the future).
    const now = Math.floor(Date.now() / 1000);
    assert.equal((await refusal(delivery({ timestamp: now - 305 }))).reason, "stale");
    assert.equal((await refusal(delivery({ timestamp: now + 305 }))).reason, "stale");
    assert.equal((await verifyWebhook(await delivery({ timestamp: now - 290 }), SECRET)).type, "batch.completed");
    assert.equal((await refusal(delivery({ timestamp: now - 20 }), { toleranceSeconds: 10 })).reason, "stale");
  });

  test("a timestamp that is not whole seconds is malformed, not stale", async () => {
    for (const text of ["soon", "1.7e9", "-5", "17000000000.5", "12 34"]) {
      const request = await delivery();
      const headers = new Headers(request.headers);
      headers.set("webhook-timestamp", text);
      const error = await refusal(new Request(request, { headers }));
      assert.equal(error.reason, "malformed_header", text);
      assert.match(error.message, /the webhook-timestamp header ".*" is malformed: it must be whole Unix seconds/);
      assert.doesNotMatch(error.message, /within|stale/);
    }
  });

  test("a whsec_ secret that is not base64, or an empty one, is a configuration error naming which, never quoted", async () => {
    const broken = "whsec_not*base64!";
    for (const [secret, message] of [
      [broken, /^the webhook secret is not valid: a whsec_ secret must be base64 after its prefix/],
      ["", /^the webhook secret is empty/],
      [[SECRET, broken], /^webhook secret 1 of the list is not valid/],
    ] as const) {
      // Whatever the delivery (even a genuine one for another secret of the list): the configuration is at fault.
      await assert.rejects(verifyWebhook(await delivery(), secret as string | string[]), (error) => {
        assert.ok(error instanceof ConfigurationError && !(error instanceof WebhookVerificationError), String(error));
        assert.match(error.message, message);
        assert.ok(!error.message.includes("not*base64"), error.message);
        return true;
      });
    }
  });

  test("a secret too short to keep forgers out is a configuration error, even for a delivery it signed; never quoted", async () => {
    // A new-user trial: the 1-byte key "k" verified deliveries signed with it.
    const short23 = `whsec_${btoa("k".repeat(23))}`;
    for (const [secret, message] of [
      ["k", /^the webhook secret is too short: a secret without the whsec_ prefix .* at least 16 /],
      ["fifteen-bytes!!", /^the webhook secret is too short/],
      [short23, /^the webhook secret is too short: a whsec_ secret's key .* at least 24 bytes/],
      ["whsec_dGVzdA==", /^the webhook secret is too short/],
      [[SECRET, "k"], /^webhook secret 1 of the list is too short/],
    ] as const) {
      const signedWith = Array.isArray(secret) ? "k" : (secret as string);
      await assert.rejects(verifyWebhook(await delivery({ secret: signedWith }), secret as string | string[]), (error) => {
        assert.ok(error instanceof ConfigurationError && !(error instanceof WebhookVerificationError), String(error));
        assert.match(error.message, message);
        assert.ok(!error.message.includes(signedWith === "k" ? "\"k\"" : signedWith) && !error.message.includes(short23.slice(6)), error.message);
        return true;
      });
    }
    // The shortest keys taken: 16 raw bytes, a whsec_ key of 24 bytes.
    for (const secret of ["sixteen-bytes-ok", `whsec_${btoa("k".repeat(24))}`]) {
      assert.equal((await verifyWebhook(await delivery({ secret }), secret)).type, "batch.completed");
    }
  });

  test("every Standard Webhooks header is required", async () => {
    for (const header of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
      assert.equal((await refusal(delivery({ omit: header }))).reason, "missing_header", header);
    }
  });

  test("replayed: a second delivery with the same webhook-id is refused when a guard is given", async () => {
    const storage = new MemoryStorage();
    const replayGuard = new StorageJobState(storage);
    const first = await delivery({ id: "msg_once" });
    const again = first.clone();
    assert.equal((await verifyWebhook(first, SECRET, { replayGuard })).webhookId, "msg_once");
    assert.equal((await refusal(again, { replayGuard })).reason, "replayed");
    // A forged delivery with a fresh id is refused before it is recorded: the genuine one still passes.
    assert.equal((await refusal(delivery({ id: "msg_later", secret: OTHER_SECRET }), { replayGuard })).reason, "bad_signature");
    assert.equal((await verifyWebhook(await delivery({ id: "msg_later" }), SECRET, { replayGuard })).webhookId, "msg_later");
  });

  test("seen ids are kept only for the tolerance window: two hours of deliveries leave a record of a few minutes", async () => {
    const replayGuard = new StorageJobState(new MemoryStorage());
    const start = Date.now();
    const seenIds = async () => Object.keys(JSON.parse((await replayGuard.get("webhooks/seen"))!.value) as Record<string, number>);
    for (let minute = 0; minute < 120; minute++) {
      const now = start + minute * 60_000;
      await verifyWebhook(await delivery({ id: `msg_minute_${minute}`, timestamp: Math.floor(now / 1000) }), SECRET, { replayGuard, now });
      // Kept: deliveries whose timestamp is within 300 s (+30 s for clocks) of now: this minute's and the five before.
      const seen = await seenIds();
      assert.ok(seen.length <= 6, `minute ${minute}: ${seen.length} ids kept`);
      assert.ok(seen.includes(`msg_minute_${minute}`));
      if (minute >= 6) assert.ok(!seen.includes(`msg_minute_${minute - 6}`), `minute ${minute}: an id from six minutes ago is still kept`);
    }
    const now = start + 119 * 60_000;
    const timestampOf = (minute: number) => Math.floor((start + minute * 60_000) / 1000);
    // A replay of an id still in the window is refused as a replay; of a pruned one, as stale.
    assert.equal((await refusal(delivery({ id: "msg_minute_115", timestamp: timestampOf(115) }), { replayGuard, now })).reason, "replayed");
    assert.equal((await refusal(delivery({ id: "msg_minute_119", timestamp: timestampOf(119) }), { replayGuard, now })).reason, "replayed");
    assert.equal((await refusal(delivery({ id: "msg_minute_3", timestamp: timestampOf(3) }), { replayGuard, now })).reason, "stale");
  });

  test("a body that is not a JSON event is refused after the signature check", async () => {
    assert.equal((await refusal(delivery({ body: "[1,2]" }))).reason, "bad_payload");
    assert.equal((await refusal(delivery({ body: '{"data":{}}' }))).reason, "bad_payload");
  });
});

describe("router.handleWebhook wakes the job that owns the batch", () => {
  test("genuine: the job advances; forged, stale, replayed and unknown: nothing is done", async () => {
    const emulator = new OpenAIEmulator({ apiKey: API_KEY });
    const storage = new MemoryStorage();
    const router = new BatchRouter({
      providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch: emulator.fetch } },
      storage,
      ...fastRouterOptions(),
    });
    const jobId = await router.startJob({ provider: "openai", requests: jobRequests() }, { jobId: "hooked" });
    await router.advanceJob(jobId);
    const manifest = (await router.getJob(jobId))!;
    const batchId = manifest.submissions[0]!.batchId!;
    const event = (type: string, id = batchId) => JSON.stringify({ id: "evt_x", type, created_at: Math.floor(Date.now() / 1000), data: { id }, object: "event" });
    const updatedAt = async () => (await router.getJob(jobId))!.updatedAt;

    const calls = () => emulator.received.length;
    const before = calls();
    const forged = await router.handleWebhook(await delivery({ body: event("batch.completed"), secret: OTHER_SECRET }), { secret: SECRET });
    assert.equal(forged.status, 401);
    const stale = await router.handleWebhook(await delivery({ body: event("batch.completed"), timestamp: Math.floor(Date.now() / 1000) - 3_600 }), { secret: SECRET });
    assert.equal(stale.status, 401);
    const malformed = await router.handleWebhook(await delivery({ omit: "webhook-id" }), { secret: SECRET });
    assert.equal(malformed.status, 400);
    assert.ok(!(await forged.text()).includes(KEY_BASE64));
    assert.equal(calls(), before, "a refused delivery calls no provider");

    const genuine = await delivery({ id: "msg_wake", body: event("batch.completed") });
    const replay = genuine.clone();
    const stamp = await updatedAt();
    const woke = await router.handleWebhook(genuine, { secret: SECRET });
    assert.equal(woke.status, 200);
    const answer = (await woke.json()) as { state: string; jobId: string };
    assert.equal(answer.jobId, jobId);
    assert.ok(["running", "completed"].includes(answer.state), answer.state);
    assert.ok(calls() > before, "the job's round read its batches");
    assert.notEqual(await updatedAt(), stamp, "the job advanced");

    const afterWake = calls();
    const replayed = await router.handleWebhook(replay, { secret: SECRET });
    assert.equal(replayed.status, 200);
    assert.deepEqual(await replayed.json(), { state: "duplicate" });
    const unknown = await router.handleWebhook(await delivery({ body: event("batch.completed", "batch_of_nobody") }), { secret: SECRET });
    assert.deepEqual(await unknown.json(), { state: "ignored" });
    assert.equal(calls(), afterWake, "a replay or a batch of no job here calls no provider");

    // Webhooks alone finish the job: one per batch event, as a provider would send them.
    for (let round = 0; round < 30 && (await router.getJob(jobId))!.state !== "completed"; round++) {
      const current = (await router.getJob(jobId))!;
      const open = current.submissions.find((record) => record.batchId !== undefined && record.phase !== "collected") ?? current.submissions[0]!;
      await router.handleWebhook(await delivery({ body: event("batch.completed", open.batchId ?? batchId) }), { secret: SECRET });
    }
    assert.equal((await router.getJob(jobId))!.state, "completed");
  });
});

describe("router.handleWebhook with a router per request on one file store directory", () => {
  test("deliveries at once through separate routers, then their replays: every replay is refused", async () => {
    const emulator = new OpenAIEmulator({ apiKey: API_KEY });
    const directory = mkdtempSync(join(tmpdir(), "batch-router-webhook-replays-"));
    // A router (and its FileStorage) per request, as a serverless handler builds them.
    const routerOf = () => new BatchRouter({ providers: { openai: { apiKey: API_KEY, baseUrl: "http://127.0.0.1:9/v1", fetch: emulator.fetch } }, storageDir: directory, ...fastRouterOptions() });
    const jobId = await routerOf().startJob({ provider: "openai", requests: jobRequests() });
    await routerOf().advanceJob(jobId);
    const batchId = (await routerOf().getJob(jobId))!.submissions[0]!.batchId!;
    const body = JSON.stringify({ id: "evt_x", type: "batch.completed", created_at: Math.floor(Date.now() / 1000), data: { id: batchId }, object: "event" });
    const deliveries = await Promise.all(Array.from({ length: 12 }, (_, index) => delivery({ id: `msg_many_${index}`, body })));
    const replays = deliveries.map((request) => request.clone());
    const first = await Promise.all(deliveries.map((request) => routerOf().handleWebhook(request, { secret: SECRET })));
    for (const answer of first) assert.notEqual(((await answer.json()) as { state: string }).state, "duplicate");
    const again = await Promise.all(replays.map((request) => routerOf().handleWebhook(request, { secret: SECRET })));
    for (const answer of again) assert.deepEqual(await answer.json(), { state: "duplicate" });
  });
});
