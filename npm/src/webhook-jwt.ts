/**
 * Gemini's per-job (dynamic) webhooks: the batch create body's `webhookConfig` makes Gemini sign
 * each delivery with an RS256 JWT carried in the `webhook-signature` header, verified with the
 * public key of Google's JWKS named by the token's `kid`, then its `exp` and `aud` (and `iss` when
 * you give one). Source: the project's reference, endpoints-and-push.md §3.3 and §3.5 item 5
 * (Gemini's webhook guide; a third-party guide); the claim set beyond `exp`/`aud` and whether the
 * token binds the body are not documented (§10), so the event stays a hint that the job round
 * checks by reading the batch itself. WebCrypto only (RSASSA-PKCS1-v1_5 with SHA-256).
 */
import { BatchRouterError, ValidationError, WebhookVerificationError } from "./errors.js";
import { checkOptionShapes, duration, keysOf, stringOrStrings } from "./option-shapes.js";

/** Where Google publishes the keys (reference §3.3). */
export const GOOGLE_WEBHOOK_JWKS_URL = "https://generativelanguage.googleapis.com/.well-known/jwks.json";

/** A public key of a JSON Web Key Set: an RSA key (`kty: "RSA"`, `n`, `e`) named by `kid`. */
export type WebhookJsonWebKey = JsonWebKey & { kid?: string };

export interface WebhookJwtOptions {
  /**
   * The audience your deliveries carry: the token's `aud` (a string or a list) must hold one of
   * these. Required. Google's guide gives your project's client id as the example; a third-party
   * guide says the endpoint URL (reference §8 item 5): use the value your deliveries carry.
   */
  audience: string | string[];
  /** When given, the token's `iss` must be one of these (Google's value is not documented: reference §10). */
  issuer?: string | string[];
  /** The key set itself (`{ keys: [...] }`), when you keep it; otherwise it is fetched from `jwksUrl`. */
  jwks?: { keys: WebhookJsonWebKey[] };
  /** Where the key set is fetched from (default Google's, {@link GOOGLE_WEBHOOK_JWKS_URL}). */
  jwksUrl?: string;
  /** The fetch used for the key set (default the global one). */
  fetch?: (request: Request) => Promise<Response>;
  /** Seconds the token's `exp` and `nbf` may be off because clocks differ (default 60). */
  clockToleranceSeconds?: number;
}

/** The claims of a verified token. */
export interface WebhookJwtClaims {
  /** Expiry, Unix seconds. */
  exp: number;
  aud: string | string[];
  iss?: string;
  [claim: string]: unknown;
}

/** How long a fetched key set is kept when its answer names no `max-age`, in seconds. */
const DEFAULT_KEYS_TTL_SECONDS = 3_600;
/** A key set is fetched again for an unknown `kid` at most this often, in seconds. */
const REFETCH_INTERVAL_SECONDS = 60;

interface CachedKeys {
  keys: Map<string, WebhookJsonWebKey>;
  fetchedAt: number;
  expiresAt: number;
}

/** Key sets by URL, shared by the calls of this process (an isolate, in a worker). */
const keySets = new Map<string, CachedKeys>();

const decoder = new TextDecoder();

function base64UrlBytes(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    return undefined;
  }
}

function jsonPart(text: string): Record<string, unknown> | undefined {
  const bytes = base64UrlBytes(text);
  if (bytes === undefined) return undefined;
  try {
    const value = JSON.parse(decoder.decode(bytes)) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a `webhook-signature` value is a JWT (three base64url parts, the last empty in an
 * unsigned one) rather than Standard Webhooks entries.
 */
export function jwtOfSignature(header: string): string | undefined {
  const value = header.trim().replace(/^v1,/, "");
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(value) ? value : undefined;
}

/**
 * Refuses an unsigned JWT (`alg: "none"`) in those words: anyone can make one, and a new-user trial
 * found it reported as "malformed".
 */
export function refuseUnsignedJwt(token: string): void {
  const alg = jsonPart(token.split(".")[0] ?? "")?.alg;
  if (typeof alg === "string" && alg.toLowerCase() === "none") {
    throw new WebhookVerificationError("bad_signature", 'the webhook JWT is unsigned (alg "none"): only RS256-signed tokens are accepted');
  }
}

function maxAgeSeconds(response: Response): number {
  const match = /max-age=(\d+)/i.exec(response.headers.get("cache-control") ?? "");
  return match ? Math.min(Number(match[1]), 86_400) : DEFAULT_KEYS_TTL_SECONDS;
}

function keyMap(keys: unknown): Map<string, WebhookJsonWebKey> {
  const map = new Map<string, WebhookJsonWebKey>();
  if (!Array.isArray(keys)) return map;
  for (const key of keys as WebhookJsonWebKey[]) if (typeof key?.kid === "string") map.set(key.kid, key);
  return map;
}

async function fetchKeys(options: WebhookJwtOptions, url: string, now: number): Promise<CachedKeys> {
  const fetcher = options.fetch ?? ((request: Request) => fetch(request));
  let response: Response;
  try {
    response = await fetcher(new Request(url, { headers: { accept: "application/json" } }));
  } catch (error) {
    throw new BatchRouterError(`could not fetch the webhook signing keys from ${url}: ${(error as Error).message}`, "webhook_keys_unavailable", { cause: error });
  }
  if (!response.ok) throw new BatchRouterError(`could not fetch the webhook signing keys from ${url}: HTTP ${response.status}`, "webhook_keys_unavailable");
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new BatchRouterError(`the webhook signing keys at ${url} are not JSON`, "webhook_keys_unavailable");
  }
  const cached = { keys: keyMap((body as { keys?: unknown }).keys), fetchedAt: now, expiresAt: now + maxAgeSeconds(response) };
  keySets.set(url, cached);
  return cached;
}

/** The key named `kid`: from the key set given, or the cached one, fetched again when stale or when `kid` is new. */
async function keyFor(kid: string, options: WebhookJwtOptions, now: number): Promise<WebhookJsonWebKey | undefined> {
  if (options.jwks) return keyMap(options.jwks.keys).get(kid);
  const url = options.jwksUrl ?? GOOGLE_WEBHOOK_JWKS_URL;
  let cached = keySets.get(url);
  if (cached === undefined || now >= cached.expiresAt) cached = await fetchKeys(options, url, now);
  const key = cached.keys.get(kid);
  if (key !== undefined || now - cached.fetchedAt < REFETCH_INTERVAL_SECONDS) return key;
  return (await fetchKeys(options, url, now)).keys.get(kid);
}

function oneOf(expected: string | string[]): string[] {
  return Array.isArray(expected) ? expected : [expected];
}

/**
 * Verifies an RS256 JWT from a `webhook-signature` header; resolves to its claims. `now` in Unix
 * ms. Throws `WebhookVerificationError` with `reason`: `bad_signature` (not an RS256 JWT with a
 * `kid`, or the signature does not match), `unknown_key` (no key of the set has that `kid`),
 * `expired` (`exp` passed, or `nbf` not reached), `bad_claims` (`aud` or `iss` not the expected
 * one, or no `exp`); a key set that cannot be fetched is a `BatchRouterError` with code
 * `webhook_keys_unavailable` (a 503: the sender retries).
 */
const webhookJwtOptionKeys = keysOf<WebhookJwtOptions>({ audience: true, issuer: true, jwks: true, jwksUrl: true, fetch: true, clockToleranceSeconds: true });

/**
 * `WebhookJwtOptions`' shapes at `name` (`ValidationError`): `audience` is required, and
 * `clockToleranceSeconds` a finite number ≥ 0 (an infinite or NaN one would accept expired tokens).
 */
export function checkWebhookJwtOptions(options: WebhookJwtOptions, name: string): void {
  const shapes = { audience: stringOrStrings, issuer: stringOrStrings, jwks: "object", jwksUrl: "string", fetch: "function", clockToleranceSeconds: duration } as const;
  checkOptionShapes(options, shapes, name, true, webhookJwtOptionKeys);
  if (options.audience === undefined) throw new ValidationError(`${name}.audience: is required (the audience your deliveries carry)`, { field: `${name}.audience` });
}

export async function verifyWebhookJwt(token: string, options: WebhookJwtOptions, now: number): Promise<WebhookJwtClaims> {
  checkWebhookJwtOptions(options, "options");
  refuseUnsignedJwt(token);
  const [headerPart = "", payloadPart = "", signaturePart = ""] = token.split(".");
  const header = jsonPart(headerPart);
  const claims = jsonPart(payloadPart);
  const signature = base64UrlBytes(signaturePart);
  if (header === undefined || claims === undefined || signature === undefined) throw new WebhookVerificationError("bad_signature", "the webhook-signature JWT is malformed");
  if (header.alg !== "RS256") throw new WebhookVerificationError("bad_signature", `the webhook JWT's alg ${JSON.stringify(header.alg)?.slice(0, 20)} is not RS256`);
  if (typeof header.kid !== "string" || header.kid === "") throw new WebhookVerificationError("bad_signature", "the webhook JWT names no kid");
  const nowSeconds = now / 1000;
  const jwk = await keyFor(header.kid, options, nowSeconds);
  if (jwk === undefined || jwk.kty !== "RSA" || (jwk.alg !== undefined && jwk.alg !== "RS256") || (jwk.use !== undefined && jwk.use !== "sig")) {
    throw new WebhookVerificationError("unknown_key", `no RS256 key with kid ${header.kid.slice(0, 100)} in the webhook signing keys`);
  }
  let key: CryptoKey;
  try {
    key = await crypto.subtle.importKey("jwk", { kty: jwk.kty, n: jwk.n, e: jwk.e, alg: "RS256", ext: true }, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["verify"]);
  } catch {
    throw new WebhookVerificationError("unknown_key", `the key with kid ${header.kid.slice(0, 100)} is not a valid RSA public key`);
  }
  const signed = new TextEncoder().encode(`${headerPart}.${payloadPart}`);
  if (!(await crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, signature, signed))) {
    throw new WebhookVerificationError("bad_signature", "the webhook JWT's signature does not match its key");
  }
  const tolerance = options.clockToleranceSeconds ?? 60;
  if (typeof claims.exp !== "number") throw new WebhookVerificationError("bad_claims", "the webhook JWT has no exp");
  if (nowSeconds > claims.exp + tolerance) throw new WebhookVerificationError("expired", `the webhook JWT expired at ${claims.exp}`);
  if (typeof claims.nbf === "number" && nowSeconds + tolerance < claims.nbf) throw new WebhookVerificationError("expired", `the webhook JWT is not valid before ${claims.nbf}`);
  const audiences = typeof claims.aud === "string" ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
  if (!oneOf(options.audience).some((audience) => audiences.includes(audience))) {
    throw new WebhookVerificationError("bad_claims", "the webhook JWT's aud is not the expected audience");
  }
  if (options.issuer !== undefined && !oneOf(options.issuer).includes(claims.iss as string)) {
    throw new WebhookVerificationError("bad_claims", "the webhook JWT's iss is not the expected issuer");
  }
  return claims as WebhookJwtClaims;
}

/** A short key for a token in the replay record: SHA-256 of the token, base64url. */
export async function tokenKey(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)));
  return `jwt:${btoa(String.fromCharCode(...digest)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")}`;
}
