/**
 * Verifying batch webhooks: OpenAI's and Gemini's static (project-level) webhooks are signed with
 * Standard Webhooks (HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{raw body}`, base64,
 * `v1,<signature>` entries separated by spaces, any one may match). Sources:
 * `endpoints-and-push.md` §3.1–3.5 of the project's reference (OpenAI's spec `webhooks:` section
 * and its Node SDK's `webhooks.unwrap`, the Standard Webhooks spec, Gemini's webhook guide).
 * Gemini's per-job webhooks carry an RS256 JWT instead (webhook-jwt.ts). WebCrypto only
 * (`crypto.subtle`), so it runs in Node 20, Deno, Bun and workers. The secret is never copied into
 * an error, a log line or a file.
 */
import { ConfigurationError, WebhookVerificationError } from "./errors.js";
import { checkOptionShapes, duration, keysOf } from "./option-shapes.js";
import { checkedStateStore, type JobStateStore } from "./job-state.js";
import type { ProviderName } from "./types.js";
import { checkWebhookJwtOptions, jwtOfSignature, refuseUnsignedJwt, tokenKey, verifyWebhookJwt, type WebhookJwtOptions } from "./webhook-jwt.js";
import { recordDelivery } from "./webhook-replay.js";

/** A verified batch event, reduced to what advancing a job needs. */
export interface WebhookEvent {
  /** The delivery's `webhook-id` header: the same for every retry of one delivery. */
  webhookId: string;
  /** The provider that sent it: `openai` (`object: "event"`, `created_at`) or `google` (`version`, ISO `timestamp`). */
  provider: Extract<ProviderName, "openai" | "google">;
  /**
   * The event, with Gemini's `batch.succeeded` reported as `batch.completed` (OpenAI's name):
   * `batch.completed`, `batch.failed`, `batch.expired`, `batch.cancelled`, or another type as sent.
   */
  type: string;
  /** The type as the provider sent it. */
  rawType: string;
  /** The batch id (`data.id`; Gemini's bare ids as `batches/<id>`, the REST resource name). */
  batchId?: string;
  /** The `webhook-timestamp` header (Unix seconds). */
  timestamp: number;
  /** The parsed body. */
  payload: Record<string, unknown>;
}

export interface VerifyWebhookOptions {
  /** Seconds a delivery's timestamp may differ from now, either way (default 300, as OpenAI's SDK). */
  toleranceSeconds?: number;
  /** Now, in Unix ms (tests). */
  now?: number;
  /**
   * Where verified deliveries are remembered (the `webhooks/seen` record): a second delivery with
   * the same `webhook-id` (or, for a JWT-signed one, the same token) is refused
   * (`reason: "replayed"`). Each is kept only until a replay would be refused anyway — its
   * timestamp outside the tolerance, its token expired — plus 30 s for clocks that differ, so
   * the record does not grow with time. Use one tolerance for all calls on one store. Without a
   * guard, replays within the tolerance pass.
   */
  replayGuard?: JobStateStore;
  /**
   * Gemini's per-job (dynamic) webhooks, whose `webhook-signature` is an RS256 JWT: the expected
   * audience and where the keys come from (see `WebhookJwtOptions`). A JWT-signed delivery without
   * it is refused (`bad_signature`).
   */
  jwt?: WebhookJwtOptions;
}

const verifyWebhookOptionKeys = keysOf<VerifyWebhookOptions>({ toleranceSeconds: true, now: true, replayGuard: true, jwt: true });

/**
 * The options' shapes, checked before a delivery is read: a tolerance must be a finite number ≥ 0,
 * since an infinite or NaN one would let any old delivery through and keep no replay record (a
 * new-user trial found it), and a misspelt key is refused rather than ignored.
 */
function checkVerifyOptions(options: VerifyWebhookOptions): void {
  checkOptionShapes(options, { toleranceSeconds: duration, now: duration, replayGuard: "object", jwt: "object" }, "options", false, verifyWebhookOptionKeys);
  if (options.jwt !== undefined) checkWebhookJwtOptions(options.jwt, "options.jwt");
}

const encoder = new TextEncoder();

function base64ToBytes(text: string): Uint8Array | undefined {
  try {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
    return bytes;
  } catch {
    return undefined;
  }
}

/**
 * The HMAC key: a `whsec_` secret is base64 after the prefix; any other is used as its UTF-8 bytes.
 * A secret that cannot be a key is the caller's configuration, not a forged delivery: a
 * `ConfigurationError`, whatever was delivered (a new-user trial read it as a signature failure).
 * So is a key too short to keep forgers out (a one-byte key verified deliveries): a `whsec_` key
 * must decode to at least 24 bytes (Standard Webhooks: 24–64; a longer one is not refused, it is
 * no weaker), a raw secret at least 16 bytes (OpenAI's SDK; reference endpoints-and-push.md §3.1,
 * §3.2). The secret itself is never quoted, nor its length.
 */
function keyBytes(secret: string, position: number | undefined): Uint8Array {
  const which = position === undefined ? "the webhook secret" : `webhook secret ${position} of the list`;
  if (secret.startsWith("whsec_")) {
    const bytes = base64ToBytes(secret.slice("whsec_".length));
    if (bytes === undefined || bytes.length === 0) throw new ConfigurationError(`${which} is not valid: a whsec_ secret must be base64 after its prefix (copy it whole from the provider's dashboard)`);
    if (bytes.length < MIN_WHSEC_KEY_BYTES) throw new ConfigurationError(`${which} is too short: a whsec_ secret's key (base64 after the prefix) must be at least ${MIN_WHSEC_KEY_BYTES} bytes (Standard Webhooks: 24 to 64); copy it whole from the provider's dashboard`);
    return bytes;
  }
  if (secret.length === 0) throw new ConfigurationError(`${which} is empty`);
  const bytes = encoder.encode(secret);
  if (bytes.length < MIN_RAW_KEY_BYTES) throw new ConfigurationError(`${which} is too short: a secret without the whsec_ prefix is used as its UTF-8 bytes, which must be at least ${MIN_RAW_KEY_BYTES} (as OpenAI's SDK requires); use the provider's whsec_ secret`);
  return bytes;
}

/** The shortest keys taken (reference endpoints-and-push.md §3.2 Standard Webhooks, §3.1 OpenAI's SDK). */
const MIN_WHSEC_KEY_BYTES = 24;
const MIN_RAW_KEY_BYTES = 16;

/** The HMAC keys of the secrets given (checked before a delivery is read). */
function secretKeys(secret: string | string[] | undefined): Uint8Array[] {
  if (secret === undefined) return [];
  if (!Array.isArray(secret)) return [keyBytes(secret, undefined)];
  return secret.map((each, position) => keyBytes(each, position));
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/**
 * Whether any `v1,` entry of the signature header is the HMAC-SHA256 of `signed` under one of the
 * secrets. `crypto.subtle.verify` compares in constant time.
 */
async function anySignatureMatches(keys: Uint8Array[], signed: Uint8Array, header: string): Promise<boolean> {
  const signatures = header
    .split(" ")
    .filter((entry) => entry.startsWith("v1,"))
    .map((entry) => base64ToBytes(entry.slice(3)))
    .filter((bytes): bytes is Uint8Array => bytes !== undefined && bytes.length === 32);
  for (const bytes of keys) {
    const key = await crypto.subtle.importKey("raw", toArrayBuffer(bytes), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    for (const signature of signatures) {
      if (await crypto.subtle.verify("HMAC", key, toArrayBuffer(signature), toArrayBuffer(signed))) return true;
    }
  }
  return false;
}

function eventOf(webhookId: string, timestamp: number, payload: Record<string, unknown>, signedByGoogle: boolean): WebhookEvent {
  const rawType = typeof payload.type === "string" ? payload.type : "";
  if (rawType === "") throw new WebhookVerificationError("bad_payload", "the webhook body has no `type`");
  const data = (payload.data ?? {}) as Record<string, unknown>;
  const google = signedByGoogle || typeof payload.version === "string" || typeof payload.timestamp === "string";
  const event: WebhookEvent = {
    webhookId,
    provider: google ? "google" : "openai",
    type: rawType === "batch.succeeded" ? "batch.completed" : rawType,
    rawType,
    timestamp,
    payload,
  };
  if (typeof data.id === "string" && data.id !== "") {
    event.batchId = google && !data.id.startsWith("batches/") ? `batches/${data.id}` : data.id;
  }
  return event;
}

/**
 * Verifies a webhook delivery and returns its event. Reads the raw body (do not parse it before).
 * `secret` is the endpoint's signing secret (`whsec_…`), or several during a rotation; it may be
 * `undefined` when only JWT-signed deliveries (Gemini's per-job webhooks, `options.jwt`) are
 * expected. Throws `WebhookVerificationError` with `reason`: `missing_header` (a Standard Webhooks
 * header is absent), `malformed_header` (the timestamp is not whole Unix seconds), `stale` (the
 * timestamp is outside the tolerance), `bad_signature` (no entry matches; a malformed, unsigned
 * (`alg: "none"`) or non-RS256 JWT), `unknown_key` (no key has the JWT's `kid`), `expired`
 * (the JWT's `exp` passed), `bad_claims` (its `aud`/`iss` are not the expected ones),
 * `bad_payload` (not a JSON event), `replayed` (delivered before; needs `replayGuard`). The checks
 * run in that order, and a delivery is recorded as seen only once it is verified, so a forged one
 * cannot block a genuine one. A JWKS that cannot be fetched is a `BatchRouterError` with code
 * `webhook_keys_unavailable`; a secret that cannot be a key (an empty one, a `whsec_` one that is
 * not base64) is a `ConfigurationError`, thrown before the delivery is read.
 */
export async function verifyWebhook(request: Request, secret: string | string[] | undefined, options: VerifyWebhookOptions = {}): Promise<WebhookEvent> {
  checkVerifyOptions(options);
  const keys = secretKeys(secret);
  const webhookId = request.headers.get("webhook-id");
  const timestampText = request.headers.get("webhook-timestamp");
  const signature = request.headers.get("webhook-signature");
  if (!webhookId || !timestampText || !signature) {
    throw new WebhookVerificationError("missing_header", "a webhook delivery needs the webhook-id, webhook-timestamp and webhook-signature headers");
  }
  if (!/^\d+$/.test(timestampText)) {
    throw new WebhookVerificationError("malformed_header", `the webhook-timestamp header ${JSON.stringify(timestampText.slice(0, 20))} is malformed: it must be whole Unix seconds`);
  }
  const timestamp = Number(timestampText);
  const now = options.now ?? Date.now();
  const tolerance = options.toleranceSeconds ?? 300;
  if (Math.abs(now / 1000 - timestamp) > tolerance) {
    throw new WebhookVerificationError("stale", `the webhook timestamp ${timestampText.slice(0, 20)} is not within ${tolerance} s of now`);
  }
  const body = new Uint8Array(await request.arrayBuffer());
  // What a replay is recognised by, and until when it must be.
  let replayKey = webhookId;
  let keepUntil = timestamp + tolerance;
  const token = jwtOfSignature(signature);
  if (token !== undefined) {
    refuseUnsignedJwt(token);
    if (options.jwt === undefined) throw new WebhookVerificationError("bad_signature", "the delivery is signed with a JWT (a Gemini per-job webhook): pass the `jwt` option to verify it");
    const claims = await verifyWebhookJwt(token, options.jwt, now);
    // The token, not the unsigned headers, is what was signed: a replay may come with a fresh id and timestamp.
    replayKey = await tokenKey(token);
    keepUntil = Math.max(keepUntil, claims.exp + (options.jwt.clockToleranceSeconds ?? 60));
  } else {
    const prefix = encoder.encode(`${webhookId}.${timestampText}.`);
    const signed = new Uint8Array(prefix.length + body.length);
    signed.set(prefix);
    signed.set(body, prefix.length);
    if (keys.length === 0 || !(await anySignatureMatches(keys, signed, signature))) {
      throw new WebhookVerificationError("bad_signature", "no signature of the webhook delivery matches the secret");
    }
  }
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new WebhookVerificationError("bad_payload", "the webhook body is not JSON");
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    throw new WebhookVerificationError("bad_payload", "the webhook body is not a JSON object");
  }
  const event = eventOf(webhookId, timestamp, payload as Record<string, unknown>, token !== undefined);
  if (options.replayGuard && !(await recordDelivery(checkedStateStore(options.replayGuard, "options.replayGuard"), replayKey, keepUntil, now))) {
    // A JWT delivery is keyed by its token: the same token under a fresh webhook-id is the replay.
    const what = token === undefined ? `webhook delivery ${webhookId.slice(0, 100)} was received before` : `the token of webhook delivery ${webhookId.slice(0, 100)} was received before (under this or another webhook-id)`;
    throw new WebhookVerificationError("replayed", what);
  }
  return event;
}
