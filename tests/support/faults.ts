/**
 * Fault injection around any fetch handler (an emulator's `fetch`): each request may get a fault
 * instead of (or after) the real answer, from a seeded schedule, so a failing case replays exactly.
 *
 * - `rate_limit`: 429 with `retry-after` / `retry-after-ms`; the server did nothing.
 * - `server_error`: 500; the server did nothing. `overloaded`: Anthropic's 529.
 * - `drop`: the connection fails before the server sees the request (a thrown `TypeError`, as fetch does).
 * - `hang`: no answer ever; only the caller's abort or time limit ends the call.
 * - `truncate`: the server answers, but the body is cut in the middle.
 * - `answer_lost`: the server does the work (a create really creates), then the connection drops.
 * - `answer_timeout`: the server does the work, then no answer ever comes.
 * - `not_found`: 404, as a provider answers for a batch it does not know yet (read-after-write lag);
 *   only in scripted schedules, so that the seeded random ones stay as they were.
 */
import type { Handler } from "./serve.js";

export type FaultKind = "rate_limit" | "server_error" | "overloaded" | "drop" | "hang" | "truncate" | "answer_lost" | "answer_timeout" | "not_found";

export const ALL_FAULTS: readonly FaultKind[] = ["rate_limit", "server_error", "overloaded", "drop", "hang", "truncate", "answer_lost", "answer_timeout"];

/** A small seeded PRNG (mulberry32): the same seed gives the same schedule. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/** Decides the fault of each request (undefined: answer normally). */
export type FaultSchedule = (request: Request, path: string, index: number) => FaultKind | undefined;

export interface RandomFaultOptions {
  seed: number;
  /** Probability that a request gets a fault (default 0.3). */
  rate?: number;
  kinds?: readonly FaultKind[];
  /** Faults in a row at most, so that a patient client always gets through (default 3). */
  maxInARow?: number;
}

export function randomFaults(options: RandomFaultOptions): FaultSchedule {
  const random = seededRandom(options.seed);
  const kinds = options.kinds ?? ALL_FAULTS;
  const rate = options.rate ?? 0.3;
  const maxInARow = options.maxInARow ?? 3;
  let inARow = 0;
  return () => {
    const roll = random();
    const kind = kinds[Math.floor(random() * kinds.length)]!;
    if (roll >= rate || inARow >= maxInARow) {
      inARow = 0;
      return undefined;
    }
    inARow++;
    return kind;
  };
}

/** Faults for the requests that match, in order: each rule applies `times` times (default 1). */
export function scriptedFaults(rules: { method?: string; path?: RegExp; fault: FaultKind; times?: number }[]): FaultSchedule {
  const left = rules.map((rule) => rule.times ?? 1);
  return (request, path) => {
    const index = rules.findIndex(
      (rule, position) => left[position]! > 0 && (rule.method === undefined || rule.method === request.method) && (rule.path === undefined || rule.path.test(path)),
    );
    if (index < 0) return undefined;
    left[index]!--;
    return rules[index]!.fault;
  };
}

export interface InjectedFault {
  method: string;
  path: string;
  fault: FaultKind;
}

function errorResponse(status: number, type: string, headers: Record<string, string> = {}): Response {
  const body = JSON.stringify({ type: "error", error: { message: `injected ${type}`, type } });
  return new Response(body, { status, headers: { "content-type": "application/json", ...headers } });
}

function never(request: Request): Promise<Response> {
  return new Promise((_, reject) => {
    const abort = () => reject(new DOMException("The operation was aborted.", "AbortError"));
    if (request.signal.aborted) abort();
    else request.signal.addEventListener("abort", abort, { once: true });
  });
}

/** A fetch in front of `handler` that injects the faults `schedule` picks. */
export class FaultyFetch {
  readonly injected: InjectedFault[] = [];
  private count = 0;

  constructor(
    private readonly handler: Handler,
    private readonly schedule: FaultSchedule,
    /** The `retry-after-ms` a 429 carries (kept small so suites stay fast). */
    private readonly retryAfterMs = "2",
  ) {}

  readonly fetch = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    const fault = this.schedule(request, path, this.count++);
    if (fault === undefined) return this.handler(request);
    this.injected.push({ method: request.method, path, fault });
    switch (fault) {
      case "rate_limit":
        return errorResponse(429, "rate_limit_error", { "retry-after": "0", "retry-after-ms": this.retryAfterMs });
      case "server_error":
        return errorResponse(500, "api_error");
      case "overloaded":
        return errorResponse(529, "overloaded_error");
      case "not_found":
        return errorResponse(404, "not_found_error");
      case "drop":
        throw new TypeError("fetch failed (injected: connection refused)");
      case "hang":
        return never(request);
      case "truncate": {
        const response = await this.handler(request);
        const text = await response.text();
        const headers = new Headers(response.headers);
        headers.delete("content-length");
        return new Response(text.slice(0, Math.floor(text.length / 2)), { status: response.status, headers });
      }
      case "answer_lost": {
        // The work is done and the whole answer produced, then the connection drops.
        await (await this.handler(request)).arrayBuffer();
        throw new TypeError("fetch failed (injected: connection reset after the server answered)");
      }
      case "answer_timeout":
        await (await this.handler(request)).arrayBuffer();
        return never(request);
    }
  };
}
