/**
 * Issue 16: Gemini's per-job (dynamic) webhooks, whose `webhook-signature` is an RS256 JWT verified
 * with a key of Google's JWKS named by `kid` (endpoints-and-push.md §3.3, §3.5 item 5). The key
 * pair is generated here; the JWKS is served on 127.0.0.1 and fetched through the caller's fetch
 * (counted, to check the cache). Valid, forged, expired, wrong-kid, wrong-audience and replayed
 * deliveries; `handleWebhook` answers for each.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { BatchRouter, MemoryStorage, StorageJobState, verifyWebhook, WebhookVerificationError, type WebhookJwtOptions } from "batch-router";

import { GEMINI_KEY, startGemini } from "../support/gemini-harness.js";
import { geminiText } from "../support/gemini-requests.js";
import { serve, type RunningServer } from "../support/serve.js";

const AUDIENCE = "https://hooks.example.com/gemini";
const algorithm = { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" };

let server: RunningServer;
let signingKey: CryptoKeyPair;
let otherKey: CryptoKeyPair;
/** The JWKS each path serves (a path per test keeps the module's key cache apart). */
const served = new Map<string, { keys: JsonWebKey[] }>();
let fetches = 0;

async function publicJwk(pair: CryptoKeyPair, kid: string): Promise<JsonWebKey & { kid: string }> {
  const jwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
  return { kty: jwk.kty!, n: jwk.n!, e: jwk.e!, alg: "RS256", use: "sig", kid };
}

before(async () => {
  signingKey = (await crypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as CryptoKeyPair;
  otherKey = (await crypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as CryptoKeyPair;
  server = await serve(async (request) => {
    const keys = served.get(new URL(request.url).pathname);
    return keys ? Response.json(keys, { headers: { "cache-control": "public, max-age=3600" } }) : new Response("no", { status: 404 });
  });
});

after(async () => {
  await server?.close();
});

function base64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function jsonPart(value: unknown): string {
  return base64Url(new TextEncoder().encode(JSON.stringify(value)));
}

async function jwt(claims: Record<string, unknown>, options: { kid?: string; key?: CryptoKey; alg?: string } = {}): Promise<string> {
  const header = jsonPart({ alg: options.alg ?? "RS256", kid: options.kid ?? "key-1", typ: "JWT" });
  const payload = jsonPart(claims);
  const signature = new Uint8Array(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", options.key ?? signingKey.privateKey, new TextEncoder().encode(`${header}.${payload}`)));
  return `${header}.${payload}.${base64Url(signature)}`;
}

const now = () => Math.floor(Date.now() / 1000);
const validClaims = () => ({ iss: "https://generativelanguage.googleapis.com", aud: AUDIENCE, iat: now(), exp: now() + 600 });

let deliveries = 0;

function delivery(token: string, options: { id?: string; timestamp?: number; batchId?: string } = {}): Request {
  const body = JSON.stringify({ type: "batch.succeeded", version: "v1", timestamp: new Date().toISOString(), data: { id: options.batchId ?? "batch_123456", output_file_uri: "gs://x" } });
  const headers = { "webhook-id": options.id ?? `msg_jwt_${++deliveries}`, "webhook-timestamp": String(options.timestamp ?? now()), "webhook-signature": token, "content-type": "application/json" };
  return new Request("http://127.0.0.1/webhooks/gemini", { method: "POST", headers, body });
}

let paths = 0;

/** Options whose JWKS is served at a path of its own, fetched through a counting fetch. */
async function servedKeys(keys: JsonWebKey[], extra: Partial<WebhookJwtOptions> = {}): Promise<WebhookJwtOptions> {
  const path = `/jwks-${++paths}.json`;
  served.set(path, { keys });
  return {
    audience: AUDIENCE,
    jwksUrl: `${server.url}${path}`,
    fetch: (request) => {
      fetches++;
      return fetch(request);
    },
    ...extra,
  };
}

async function reason(request: Request, jwtOptions: WebhookJwtOptions, options: { now?: number; replayGuard?: StorageJobState } = {}): Promise<string> {
  try {
    await verifyWebhook(request, undefined, { jwt: jwtOptions, ...options });
  } catch (error) {
    assert.ok(error instanceof WebhookVerificationError, String(error));
    return error.reason;
  }
  return "accepted";
}

describe("verifyWebhook: Gemini per-job webhooks (RS256 JWT)", () => {
  test("valid: the event is Gemini's, the key set is fetched once and then cached", async () => {
    const options = await servedKeys([await publicJwk(signingKey, "key-1")]);
    const before = fetches;
    const event = await verifyWebhook(delivery(await jwt(validClaims())), undefined, { jwt: options });
    assert.equal(event.provider, "google");
    assert.equal(event.type, "batch.completed");
    assert.equal(event.batchId, "batches/batch_123456");
    assert.equal(await reason(delivery(await jwt({ ...validClaims(), jti: "second" })), options), "accepted");
    assert.equal(fetches - before, 1, "the key set was fetched once");
    // An array audience holding ours, and an issuer check when one is asked for.
    assert.equal(await reason(delivery(await jwt({ ...validClaims(), aud: ["other", AUDIENCE] })), { ...options, issuer: "https://generativelanguage.googleapis.com" }), "accepted");
  });

  test("a key set given directly needs no fetch", async () => {
    const before = fetches;
    const options: WebhookJwtOptions = { audience: AUDIENCE, jwks: { keys: [await publicJwk(signingKey, "key-1")] }, fetch: () => Promise.reject(new Error("no fetch expected")) };
    assert.equal(await reason(delivery(await jwt(validClaims())), options), "accepted");
    assert.equal(fetches, before);
  });

  test("forged: signed by another key under the same kid, a changed payload, alg none or HS256", async () => {
    const options = await servedKeys([await publicJwk(signingKey, "key-1")]);
    assert.equal(await reason(delivery(await jwt(validClaims(), { key: otherKey.privateKey })), options), "bad_signature");
    const genuine = await jwt(validClaims());
    const [header, , signature] = genuine.split(".");
    const tampered = `${header}.${jsonPart({ ...validClaims(), aud: AUDIENCE, exp: now() + 99_999 })}.${signature}`;
    assert.equal(await reason(delivery(tampered), options), "bad_signature");
    assert.equal(await reason(delivery(`${jsonPart({ alg: "none", kid: "key-1" })}.${jsonPart(validClaims())}.AAAA`), options), "bad_signature");
    assert.equal(await reason(delivery(`${jsonPart({ alg: "HS256", kid: "key-1" })}.${jsonPart(validClaims())}.AAAA`), options), "bad_signature");
    // Without the jwt option, a JWT-signed delivery is not verified by a secret.
    await assert.rejects(verifyWebhook(delivery(genuine), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw4W0zrbZLzsA="), (error) => error instanceof WebhookVerificationError && error.reason === "bad_signature");
  });

  test("an unsigned JWT (alg none) is refused in those words, with or without a signature part or the jwt option", async () => {
    const options = await servedKeys([await publicJwk(signingKey, "key-1")]);
    const claims = jsonPart(validClaims());
    for (const token of [`${jsonPart({ alg: "none", kid: "key-1" })}.${claims}.`, `${jsonPart({ alg: "none" })}.${claims}.AAAA`, `${jsonPart({ alg: "NONE", typ: "JWT" })}.${claims}.`]) {
      for (const verify of [() => verifyWebhook(delivery(token), undefined, { jwt: options }), () => verifyWebhook(delivery(token), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw4W0zrbZLzsA=")]) {
        await assert.rejects(verify(), (error) => error instanceof WebhookVerificationError && error.reason === "bad_signature" && /the webhook JWT is unsigned \(alg "none"\): only RS256-signed tokens are accepted/.test(error.message), token);
      }
    }
  });

  test("expired, not yet valid, wrong audience, wrong issuer, no exp", async () => {
    const options = await servedKeys([await publicJwk(signingKey, "key-1")]);
    assert.equal(await reason(delivery(await jwt({ ...validClaims(), exp: now() - 3_600 })), options), "expired");
    assert.equal(await reason(delivery(await jwt({ ...validClaims(), nbf: now() + 3_600 })), options), "expired");
    assert.equal(await reason(delivery(await jwt({ ...validClaims(), aud: "someone-else" })), options), "bad_claims");
    assert.equal(await reason(delivery(await jwt(validClaims())), { ...options, issuer: "https://accounts.example.com" }), "bad_claims");
    const { exp: _exp, ...withoutExp } = validClaims();
    assert.equal(await reason(delivery(await jwt(withoutExp)), options), "bad_claims");
    // The Standard Webhooks timestamp still applies.
    assert.equal(await reason(delivery(await jwt(validClaims()), { timestamp: now() - 3_600 }), options), "stale");
  });

  test("wrong kid: refused; the key set is fetched again for a new kid at most once a minute, and a rotated key is found", async () => {
    const options = await servedKeys([await publicJwk(signingKey, "key-1")]);
    assert.equal(await reason(delivery(await jwt(validClaims())), options), "accepted");
    const before = fetches;
    assert.equal(await reason(delivery(await jwt(validClaims(), { kid: "key-2", key: otherKey.privateKey })), options), "unknown_key");
    assert.equal(await reason(delivery(await jwt(validClaims(), { kid: "key-2", key: otherKey.privateKey })), options), "unknown_key");
    assert.equal(fetches, before, "no fetch for an unknown kid within a minute of the last");
    // Google rotates: key-2 is published; a minute later the unknown kid makes one fetch, which finds it.
    served.set(new URL(options.jwksUrl!).pathname, { keys: [await publicJwk(signingKey, "key-1"), await publicJwk(otherKey, "key-2")] });
    const later = Date.now() + 61_000;
    const token = await jwt({ ...validClaims(), exp: now() + 3_600 }, { kid: "key-2", key: otherKey.privateKey });
    assert.equal(await reason(delivery(token, { timestamp: Math.floor(later / 1000) }), options, { now: later }), "accepted");
    assert.equal(fetches, before + 1);
  });

  test("replayed: the same delivery, or its token under a fresh id and timestamp, is refused", async () => {
    const options = await servedKeys([await publicJwk(signingKey, "key-1")]);
    const replayGuard = new StorageJobState(new MemoryStorage());
    const token = await jwt(validClaims());
    const first = delivery(token, { id: "msg_jwt_once" });
    const again = first.clone();
    assert.equal(await reason(first, options, { replayGuard }), "accepted");
    assert.equal(await reason(again, options, { replayGuard }), "replayed");
    assert.equal(await reason(delivery(token, { id: "msg_jwt_fresh" }), options, { replayGuard }), "replayed");
    // The token is remembered until it expires (its exp, 600 s away), not only for the 300 s window.
    const seen = JSON.parse((await replayGuard.get("webhooks/seen"))!.value) as Record<string, number>;
    assert.equal(Object.keys(seen).length, 1);
    assert.ok(Object.values(seen)[0]! >= now() + 600);
  });
});

describe("router.handleWebhook with Gemini per-job webhooks", () => {
  test("valid: received (no job owns this batch here); forged: 401; replayed: duplicate; keys unreachable: 503", async () => {
    const options = await servedKeys([await publicJwk(signingKey, "key-1")]);
    const router = new BatchRouter({ providers: { google: { apiKey: "fake-google-jwt-0123456789abcdefXYZ", baseUrl: "http://127.0.0.1:9" } }, storage: new MemoryStorage() });
    const genuine = delivery(await jwt(validClaims()));
    const replay = genuine.clone();
    const answer = await router.handleWebhook(genuine, { jwt: options });
    assert.equal(answer.status, 200);
    assert.deepEqual(await answer.json(), { state: "ignored" });
    assert.deepEqual(await (await router.handleWebhook(replay, { jwt: options })).json(), { state: "duplicate" });
    const forged = await router.handleWebhook(delivery(await jwt(validClaims(), { key: otherKey.privateKey })), { jwt: options });
    assert.equal(forged.status, 401);
    assert.deepEqual(await forged.json(), { error: "bad_signature" });
    const unreachable = await router.handleWebhook(delivery(await jwt(validClaims())), { jwt: { audience: AUDIENCE, jwksUrl: `${server.url}/missing.json` } });
    assert.equal(unreachable.status, 503, "a key set that cannot be fetched: the sender retries later");
    await assert.rejects(router.handleWebhook(delivery(await jwt(validClaims())), {}), /secret|jwt/);
  });
});

describe("a Gemini job woken by its per-job webhooks", () => {
  test("webhookConfig in the job's create call; JWT-signed events advance the job to completion; forged ones do nothing", async () => {
    const gemini = await startGemini({ readsPerState: 1 });
    try {
      const options = await servedKeys([await publicJwk(signingKey, "key-1")]);
      const webhookConfig = { uris: ["https://jobs.example.com/webhooks/gemini"], userMetadata: { job: "gemini-hooked" } };
      const router = new BatchRouter({
        providers: { google: { apiKey: GEMINI_KEY, baseUrl: gemini.server.url, webhookConfig } },
        storage: new MemoryStorage(),
        pollInterval: 0,
        maxPollInterval: 1,
      });
      const requests = Array.from({ length: 4 }, (_, index) => geminiText(`g-${index}`, `question ${index}`));
      const jobId = await router.startJob({ provider: "google", requests }, { jobId: "gemini-hooked" });
      assert.equal((await router.advanceJob(jobId)).state, "running");
      const create = gemini.emulator.received.find((request) => request.url.endsWith(":batchGenerateContent"))!;
      assert.deepEqual(JSON.parse(create.bodyText).batch.webhookConfig, webhookConfig);
      const batchId = (await router.getJob(jobId))!.submissions[0]!.batchId!;
      assert.match(batchId, /^batches\//);
      // Gemini's guide shows bare ids (`batch_123456`); the event names the batch that way.
      const event = (token: string) => delivery(token, { batchId: batchId.slice("batches/".length) });

      const calls = gemini.emulator.received.length;
      const forged = await router.handleWebhook(event(await jwt(validClaims(), { key: otherKey.privateKey })), { jwt: options });
      assert.equal(forged.status, 401);
      const expired = await router.handleWebhook(event(await jwt({ ...validClaims(), exp: now() - 3_600 })), { jwt: options });
      assert.deepEqual(await expired.json(), { error: "expired" });
      assert.equal(gemini.emulator.received.length, calls, "refused deliveries call no provider");

      // The guide's example names a batch `batch_<id>` where its resource name is `batches/<id>`
      // (reference, open point 6): that form finds the job too.
      const guideForm = delivery(await jwt({ ...validClaims(), jti: "d-guide" }), { batchId: `batch_${batchId.slice("batches/".length)}` });
      const woken = await router.handleWebhook(guideForm, { jwt: options });
      assert.equal(((await woken.json()) as { jobId?: string }).jobId, jobId);
      const stranger = delivery(await jwt({ ...validClaims(), jti: "d-stranger" }), { batchId: "batch_nosuchbatch" });
      assert.deepEqual(await (await router.handleWebhook(stranger, { jwt: options })).json(), { state: "ignored" });

      for (let round = 0; (await router.getJob(jobId))!.state !== "completed"; round++) {
        assert.ok(round < 20, "the job did not complete on webhooks alone");
        const answer = await router.handleWebhook(event(await jwt({ ...validClaims(), jti: `d-${round}` })), { jwt: options });
        assert.equal(answer.status, 200);
        assert.equal(((await answer.json()) as { jobId?: string }).jobId, jobId);
      }
      const results = [];
      for await (const result of router.getJobResults(jobId)) results.push(result);
      assert.deepEqual(results.map((result) => result.customId).sort(), requests.map((request) => request.customId).sort());
      assert.ok(results.every((result) => result.status === "succeeded"));
    } finally {
      await gemini.server.close();
    }
  });
});
