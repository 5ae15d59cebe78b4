/**
 * Replay protection for webhook deliveries: the keys of verified deliveries (a Standard Webhooks
 * `webhook-id`, or a signed JWT) kept in one `JobStateStore` record, `webhooks/seen`, as a JSON map
 * of key → expiry (Unix seconds). A key is kept only while a replay of it could still pass the
 * other checks — until the delivery's timestamp leaves the tolerance window (HMAC), or its token
 * expires (JWT) — plus a margin for clocks that differ; every write drops the expired keys, so
 * the record holds only the deliveries of the last few minutes and never grows with time.
 * Writes are compare-and-set on the record's version (the storage contract), so of two
 * invocations recording one key at once exactly one succeeds.
 */
import { BatchRouterError } from "./errors.js";
import type { JobStateStore } from "./job-state.js";

/** The record holding the seen keys. */
export const SEEN_WEBHOOKS_KEY = "webhooks/seen";

/** Seconds a key is kept past its expiry, for invocations whose clocks differ. */
export const CLOCK_MARGIN_SECONDS = 30;

/** Attempts at the compare-and-set before giving up (each failed one means another delivery was recorded). */
const MAX_ATTEMPTS = 100;

type Seen = Record<string, number>;

function parse(value: string): Seen {
  try {
    const parsed = JSON.parse(value) as unknown;
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Seen) : {};
  } catch {
    return {};
  }
}

/**
 * Records `key` as delivered, to be forgotten after `expiresAt` (Unix seconds) plus the clock
 * margin. Resolves to `true` when it was new, `false` when it had been recorded before (a replay).
 * Drops the keys whose time has passed in the same write.
 */
export async function recordDelivery(store: JobStateStore, key: string, expiresAt: number, nowMs: number): Promise<boolean> {
  const now = nowMs / 1000;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const record = await store.get(SEEN_WEBHOOKS_KEY);
    const seen = record === undefined ? {} : parse(record.value);
    const known = seen[key];
    if (known !== undefined && known + CLOCK_MARGIN_SECONDS >= now) return false;
    const kept: Seen = {};
    for (const [other, expiry] of Object.entries(seen)) if (typeof expiry === "number" && expiry + CLOCK_MARGIN_SECONDS >= now) kept[other] = expiry;
    kept[key] = expiresAt;
    if ((await store.put(SEEN_WEBHOOKS_KEY, JSON.stringify(kept), record?.version)) !== undefined) return true;
  }
  throw new BatchRouterError(`could not record webhook delivery after ${MAX_ATTEMPTS} attempts: other deliveries kept writing the seen list`, "webhook_replay_busy");
}
