/** Google API answers as the emulators write them: JSON bodies and `{"error": {code, message, status}}`. */
import type { JsonObject } from "./gemini-responses.js";

const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ALREADY_EXISTS",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
};

/** Google's error body for an HTTP status. */
export function googleError(status: number, message: string): { error: { code: number; message: string; status: string } } {
  return { error: { code: status, message, status: STATUS_NAMES[status] ?? "UNKNOWN" } };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=UTF-8", ...headers } });
}

export function failure(status: number, message: string): Response {
  return json(status, googleError(status, message));
}

export function asObject(value: unknown): JsonObject | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

/** Ids and RFC 3339 times that repeat from run to run. */
export class EmulatorClock {
  private counter = 0;
  private time = Date.UTC(2026, 2, 2, 9, 0, 0);

  nextId(): string {
    this.counter += 1;
    return `e${this.counter.toString(36).padStart(5, "0")}`;
  }

  /** A second later than the last call. */
  now(): string {
    this.time += 1000;
    return new Date(this.time).toISOString();
  }

  hoursFromNow(hours: number): string {
    return new Date(this.time + hours * 3600 * 1000).toISOString();
  }
}
